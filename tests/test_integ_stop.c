/* Integration tests of stopping: shutdown timeouts, process groups, start
 * and stop order, and children dying with a killed herdd. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static struct ht *
boot(void **state, const char *conf)
{
	struct ht *h = *state;

	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

static long long
mono_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A worker that tells herdd it is set up (signals handled) on fd 3. */
#define SET_UP "'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}"

static void
test_integ_stop_timeout_escalates_to_kill(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'s','command':['@CHILD@','sleep']},"
	    "{'name':'stubborn','command':['@CHILD@','ignore-term'],"
	    "'shutdown':300," SET_UP "}]}}");
	pid_t pid = ht_pid(h, "stubborn");
	cJSON *stopping, *stopped;
	long long t0, took;
	double us;

	t0 = mono_ms_now();
	ht_result(h, "stop", "{'name':'stubborn'}");
	took = mono_ms_now() - t0;
	/* herdd reaps the child before it replies. */
	assert_false(ht_alive(pid));
	stopping = ht_wait_event(h, "child.stopping", "stubborn", HT_T);
	stopped = ht_wait_event(h, "child.stopped", "stubborn", HT_T);
	us = ht_num(stopped, "ts") - ht_num(stopping, "ts");
	assert_true(us >= 300000);
	assert_true(us < ht_ms(3000) * 1000.0);
	assert_true(took >= 300);
	assert_string_equal(ht_status(h, "stubborn").state, "stopped");
	assert_string_equal(ht_status(h, "s").state, "running");
	/* it is said: reason shutdown, killed after its shutdown time (OTP's
	 * shutdown_error), in the event, the status and herdd's log */
	assert_string_equal(cJSON_GetObjectItem(stopped, "reason")->valuestring,
	    "shutdown");
	assert_string_equal(cJSON_GetObjectItem(stopped, "detail")->valuestring,
	    "killed after 300 ms");
	{
		const char *out, *err;
		HT_CTL(h, 0, &out, &err, "status", "stubborn");
		HT_CONTAINS(out, "shutdown (killed after 300 ms)");
	}
	HT_CONTAINS(ht_herdd_output(h), "stubborn did not stop within its "
	    "shutdown time: killed after 300 ms");
	/* one that stops in time has no detail */
	ht_result(h, "stop", "{'name':'s'}");
	assert_null(cJSON_GetObjectItem(ht_wait_event(h, "child.stopped", "s",
	    HT_T), "detail"));
}

static void
test_integ_stop_kills_grandchild(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'parent','command':['@CHILD@','grandchild','@TMP@/gc'],"
	    "'shutdown':3000," SET_UP "}]}}");
	const char *s = ht_read_file(h, ht_path(h, "gc"));
	pid_t gc;
	int fd;

	assert_non_null(s);
	gc = (pid_t)atoi(s);
	assert_true(gc > 1);
	fd = ht_pidfd(gc);
	assert_true(fd != -1);
	ht_result(h, "stop", "{'name':'parent'}");
	/* The grandchild ignores SIGTERM: only the group kill ends it. */
	assert_true(ht_wait_pidfd(fd, HT_T));
	close(fd);
	assert_string_equal(ht_status(h, "parent").state, "stopped");
	/* The leader died of SIGTERM, not of the 3 s escalation. */
	assert_true(ht_num(ht_wait_event(h, "child.stopped", "parent", HT_T),
	    "ts") - ht_num(ht_find_event(h, 0, "child.stopping", "parent"),
	    "ts") < 3000000);
}

#define TREE "{" HT_DIRS ",'supervisor':{'strategy':'one_for_one'," \
	"'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'s','type':'supervisor','strategy':'one_for_all'," \
	"'children':[" \
	"{'name':'x','command':['@CHILD@','sleep']}," \
	"{'name':'y','command':['@CHILD@','sleep']}]}," \
	"{'name':'b','command':['@CHILD@','sleep']}]}}"

static void
test_integ_stop_herdd_killed_children_die(void **state)
{
	static const char *const paths[] = { "a", "s/x", "s/y", "b" };
	struct ht *h = boot(state, TREE);
	int fds[4], i;
	pid_t pid;

	for (i = 0; i < 4; i++) {
		pid = ht_pid(h, paths[i]);
		assert_true(pid > 0);
		fds[i] = ht_pidfd(pid);
		assert_true(fds[i] != -1);
	}
	ht_kill_herdd(h);
	assert_int_equal(h->exit_code, 128 + SIGKILL);
	for (i = 0; i < 4; i++) {
		if (!ht_wait_pidfd(fds[i], HT_T))
			fail_msg("%s outlived herdd", paths[i]);
		close(fds[i]);
	}
}

static void
test_integ_stop_order_through_events(void **state)
{
	static const char want[] =
	    "child.stopping b, child.stopped b, "
	    "child.stopping s, "
	    "child.stopping s/y, child.stopped s/y, "
	    "child.stopping s/x, child.stopped s/x, "
	    "child.stopped s, "
	    "child.stopping a, child.stopped a, "
	    "herd.stopped";
	struct ht *h = *state;
	const char *got;
	cJSON *stopping;

	ht_boot(h, TREE);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	/* Boot: config order, depth first, each after the previous. */
	assert_string_equal(ht_trace(h, 0, 0, "child."),
	    "child.starting a, child.started a, "
	    "child.starting s, "
	    "child.starting s/x, child.started s/x, "
	    "child.starting s/y, child.started s/y, "
	    "child.started s, "
	    "child.starting b, child.started b");

	assert_int_equal(ht_shutdown(h), 0);
	stopping = ht_wait_event(h, "herd.stopping", NULL, HT_T);
	ht_wait_event(h, "child.stopping", "a", HT_T);
	ht_try_event(h, "herd.stopped", NULL, HT_T);
	assert_int_equal(h->gaps, 0);
	/* Exact reverse, each stop signalled after the previous death. The
	 * last events may be lost with herdd's exit (another test's matter:
	 * test_integ_stop_subscriber_sees_herd_stopped), but none before. */
	got = ht_trace(h, (long long)ht_num(stopping, "seq"), 0, "");
	if (strncmp(want, got, strlen(got)) != 0)
		fail_msg("stop order:\n  got  %s\n  want %s", got, want);
}

/* Many children stopped at once: the subscriber still sees every event up
 * to herd.stopped, the last one herdd publishes before it exits. */
static void
test_integ_stop_subscriber_sees_herd_stopped(void **state)
{
	struct ht *h = *state;
	char conf[8192], *p = conf;
	const char *end = conf + sizeof conf;
	int i;

	p += snprintf(p, (size_t)(end - p), "{" HT_DIRS ",'supervisor':{"
	    "'children':[");
	for (i = 0; i < 40; i++)
		p += snprintf(p, (size_t)(end - p), "%s{'name':'w%d',"
		    "'shutdown':'brutal_kill','command':['@CHILD@','sleep']}",
		    i ? "," : "", i);
	snprintf(p, (size_t)(end - p), "]}}");
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_int_equal(ht_shutdown(h), 0);
	ht_wait_event(h, "herd.stopped", NULL, HT_T);
	assert_int_equal(h->gaps, 0);
	for (i = 0; i < 40; i++) {
		char path[16];
		snprintf(path, sizeof path, "w%d", i);
		assert_non_null(ht_find_event(h, 0, "child.stopping", path));
		assert_non_null(ht_find_event(h, 0, "child.stopped", path));
	}
}

/* A clean exit leaves run_dir as it found it, but for the lock file
 * (issue 12, item 21): no notify/ (a child with a watchdog had its socket
 * there) and no actors/ (an actor had its mailbox there). */
static void
test_integ_stop_clean_exit_tidies_run_dir(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'w','command':['@CHILD@','sleep'],'watchdog_ms':60000},"
	    "{'name':'c','type':'actor','command':['@ACTOR@','@TMP@/c.log']}"
	    "]}}");
	char path[600];

	snprintf(path, sizeof path, "%s/notify", h->run);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(ht_shutdown(h), 0);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof path, "%s/actors", h->run);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof path, "%s/herdd.lock", h->run);
	assert_int_equal(access(path, F_OK), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_stop_timeout_escalates_to_kill, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_stop_kills_grandchild,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_stop_herdd_killed_children_die, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_stop_order_through_events, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_stop_subscriber_sees_herd_stopped, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_stop_clean_exit_tidies_run_dir, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
