/* Integration tests of readiness: notify (from the child, a grandchild, an
 * abstract socket), fd, and ready timeouts at runtime and at boot. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* The "pid mono_ns" line a stamp file holds. */
static unsigned long long
stamp_ns(struct ht *h, const char *file, pid_t *pid)
{
	const char *s = ht_read_file(h, ht_path(h, "%s", file));
	unsigned long long ns;
	int p;

	assert_non_null(s);
	assert_int_equal(sscanf(s, "%d %llu", &p, &ns), 2);
	if (pid != NULL)
		*pid = p;
	return ns;
}

/* child.starting a .. child.started b in order, b started only after a. */
static void
assert_a_then_b(struct ht *h)
{
	assert_string_equal(ht_trace(h, 0, 0, "child."),
	    "child.starting a, child.started a, "
	    "child.starting b, child.started b");
}

static void
test_integ_ready_notify_gates_next_sibling(void **state)
{
	struct ht *h = *state;
	cJSON *starting, *started;
	unsigned long long ready_ns, b_ns;
	pid_t pa, pb;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','ready':'notify','command':['@CHILD@','notify','300',"
	    "'@TMP@/a.stamp']},"
	    "{'name':'b','command':['@CHILD@','stamp','@TMP@/b.stamp'],"
	    "'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_a_then_b(h);
	starting = ht_find_event(h, 0, "child.starting", "a");
	started = ht_find_event(h, 0, "child.started", "a");
	assert_true(ht_num(started, "ts") - ht_num(starting, "ts") >= 300000);
	/* b's process began after a sent READY=1 (stamped just before). */
	ready_ns = stamp_ns(h, "a.stamp", &pa);
	assert_int_equal(pa, ht_pid(h, "a"));
	/* b is ready once it has stamped. */
	b_ns = stamp_ns(h, "b.stamp", &pb);
	assert_int_equal(pb, ht_pid(h, "b"));
	assert_true(b_ns > ready_ns);
}

static void
test_integ_ready_notify_from_grandchild(void **state)
{
	struct ht *h = *state;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','ready':'notify','ready_timeout_ms':5000,"
	    "'command':['@CHILD@','notify-from-grandchild']},"
	    "{'name':'b','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_a_then_b(h);
	assert_string_equal(ht_status(h, "a").state, "running");
}

static void
test_integ_ready_notify_abstract(void **state)
{
	struct ht *h = *state;
	const char *env;

	ht_boot(h, "{" HT_DIRS ",'notify_abstract':true,"
	    "'supervisor':{'children':["
	    "{'name':'a','ready':'notify','command':['@CHILD@','notify','50'],"
	    "'env':{'TC_ENV_FILE':'@TMP@/a.env'}},"
	    "{'name':'b','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_a_then_b(h);
	env = ht_read_file(h, ht_path(h, "a.env"));
	assert_non_null(env);
	if (env[0] != '@')
		fail_msg("NOTIFY_SOCKET is \"%s\", not abstract", env);
}

static void
test_integ_ready_fd(void **state)
{
	struct ht *h = *state;
	cJSON *starting, *started;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','ready':'fd','ready_fd':5,"
	    "'command':['@CHILD@','fd','5','200']},"
	    "{'name':'b','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_a_then_b(h);
	starting = ht_find_event(h, 0, "child.starting", "a");
	started = ht_find_event(h, 0, "child.started", "a");
	assert_true(ht_num(started, "ts") - ht_num(starting, "ts") >= 200000);
}

static void
test_integ_ready_timeout_fails_start(void **state)
{
	struct ht *h = *state;
	cJSON *reply, *starting, *failed;
	const char *code;
	pid_t old;
	long long from;

	/* Ready the first time only; started again, it never gets ready. */
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'s','command':['@CHILD@','sleep']},"
	    "{'name':'a','ready':'notify','ready_timeout_ms':300,"
	    "'command':['@CHILD@','notify-once','@TMP@/once']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	old = ht_pid(h, "a");
	ht_result(h, "stop", "{'name':'a'}");
	assert_false(ht_alive(old));
	ht_wait_event(h, "child.stopped", "a", HT_T);
	from = ht_last_seq(h);
	reply = ht_request(h, "start", "{'name':'a'}");
	code = ht_error_code(reply);
	assert_non_null(code);
	assert_string_equal(code, "failed");
	starting = ht_wait_event(h, "child.starting", "a", HT_T);
	failed = ht_wait_event(h, "child.start_failed", "a", HT_T);
	assert_true(ht_num(failed, "ts") - ht_num(starting, "ts") >= 300000);
	assert_non_null(strstr(cJSON_GetObjectItem(failed, "reason")
	    ->valuestring, "300"));
	/* The never-ready process must not linger. */
	assert_true(ht_num(failed, "pid") > 0);
	assert_true(ht_wait_gone((pid_t)ht_num(failed, "pid"), HT_T));
	ht_wait_state(h, "a", "stopped", HT_T);
	assert_null(ht_find_event(h, from, "child.started", "a"));
	assert_string_equal(ht_status(h, "s").state, "running");
}

static void
test_integ_ready_timeout_at_boot_exits_1(void **state)
{
	struct ht *h = *state;
	const char *out, *pidfile;
	pid_t first;

	ht_launch(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'first','command':['@CHILD@','pidfile','@TMP@/first']},"
	    "{'name':'lazy','ready':'notify','ready_timeout_ms':300,"
	    "'command':['@CHILD@','never-ready']}]}}");
	assert_int_equal(ht_wait_exit(h, HT_T), 1);
	out = ht_herdd_output(h);
	if (strstr(out, "lazy") == NULL || strstr(out, "300") == NULL)
		fail_msg("herdd's message does not name the child and why:\n%s",
		    out);
	/* The child started before it was stopped again. */
	pidfile = ht_read_file(h, ht_path(h, "first"));
	if (pidfile != NULL) {
		first = (pid_t)atoi(pidfile);
		assert_true(ht_wait_gone(first, HT_T));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_ready_notify_gates_next_sibling, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_ready_notify_from_grandchild, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_ready_notify_abstract,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_ready_fd, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_ready_timeout_fails_start, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_ready_timeout_at_boot_exits_1, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
