/* Integration tests of children added, restarted and deleted at runtime
 * (SEMANTICS.md rule 13) through the real herdctl. */
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

#define CONF "{" HT_DIRS ",'supervisor':{'intensity':5,'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'grp','type':'supervisor','children':[" \
	"{'name':'b','command':['@CHILD@','sleep']}]}]}}"

static struct ht *
boot(void **state)
{
	struct ht *h = *state;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* A sleeping child's config object, for add-child, in SPEC. */
#define SPEC_MAX 4200
static const char *
sleeper(struct ht *h, const char *name, char *spec)
{
	int n = snprintf(spec, SPEC_MAX, "{\"name\":\"%s\",\"command\":"
	    "[\"%s\",\"sleep\"]}", name, h->child);

	assert_true(n > 0 && n < SPEC_MAX);
	return spec;
}

/* add-child appends last (root and nested) and starts the child; its
 * supervisor stops it first. */
static void
test_integ_runtime_add_appended_last(void **state)
{
	char spec[SPEC_MAX];
	struct ht *h = boot(state);
	const char *out, *err, *trace;
	long long from;
	pid_t c, x;
	cJSON *ev;

	HT_CTL(h, 0, &out, &err, "add-child", "", sleeper(h, "c", spec));
	HT_CONTAINS(out, "added c (pid ");
	c = ht_pid(h, "c");
	assert_int_equal(atoi(strstr(out, "(pid ") + 5), (int)c);
	assert_string_equal(ht_status(h, "c").state, "running");
	HT_CTL(h, 0, &out, &err, "add-child", "grp", sleeper(h, "x", spec));
	HT_CONTAINS(out, "added grp/x (pid ");
	x = ht_pid(h, "grp/x");
	assert_true(x > 0);
	assert_string_equal(ht_status_order(h), "a grp grp/b grp/x c");

	/* grp stops its children in reverse start order: x first */
	ht_sync_events(h);
	from = ht_last_seq(h);
	HT_CTL(h, 0, &out, &err, "stop", "grp");
	ev = ht_wait_event(h, "child.stopped", "grp", HT_T);
	trace = ht_trace(h, from, (long long)ht_num(ev, "seq"), "child.");
	assert_string_equal(trace, "child.stopping grp, "
	    "child.stopping grp/x, child.stopped grp/x, "
	    "child.stopping grp/b, child.stopped grp/b, child.stopped grp");
	assert_true(ht_wait_gone(x, HT_T));
	assert_int_equal(ht_pid(h, "c"), c);
}

/* A taken name: already started (running) or already present (stopped),
 * exit 4 each with distinct messages; nothing changes. */
static void
test_integ_runtime_add_name_taken(void **state)
{
	char spec[SPEC_MAX];
	struct ht *h = boot(state);
	const char *out, *err;
	char started[1024], present[1024];
	pid_t a = ht_pid(h, "a");

	HT_CTL(h, 4, &out, &err, "add-child", "", sleeper(h, "a", spec));
	HT_CONTAINS(err, "already started");
	snprintf(started, sizeof started, "%s", err);
	HT_CTL(h, 4, &out, &err, "--json", "add-child", "",
	    sleeper(h, "a", spec));
	HT_CONTAINS(out, "\"code\":\"already_started\"");
	assert_int_equal(ht_pid(h, "a"), a);

	HT_CTL(h, 0, &out, &err, "stop", "a");
	assert_true(ht_wait_gone(a, HT_T));
	HT_CTL(h, 4, &out, &err, "add-child", "", sleeper(h, "a", spec));
	HT_CONTAINS(err, "already present");
	snprintf(present, sizeof present, "%s", err);
	HT_CTL(h, 4, &out, &err, "--json", "add-child", "",
	    sleeper(h, "a", spec));
	HT_CONTAINS(out, "\"code\":\"already_present\"");
	assert_string_not_equal(started, present);
	assert_string_equal(ht_status(h, "a").state, "stopped");
	assert_string_equal(ht_status_order(h), "a grp grp/b");
}

/* The protocol's restart without force of a running child (OTP's
 * restart_child): refused "running"; herdctl restart stops and starts it
 * (issue 12, item 11: as systemctl, supervisorctl and pm2); of a stopped
 * one: started again. */
static void
test_integ_runtime_restart_running(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	pid_t a = ht_pid(h, "a"), a1;

	assert_string_equal(ht_error_code(ht_request(h, "restart",
	    "{'name':'a'}")), "running");
	assert_int_equal(ht_pid(h, "a"), a);
	HT_CTL(h, 0, &out, &err, "restart", "a");
	HT_CONTAINS(out, "restarted a (pid ");
	assert_true(ht_wait_gone(a, HT_T));
	a1 = ht_pid(h, "a");
	assert_true(a1 > 0 && a1 != a);
	assert_string_equal(ht_status(h, "a").state, "running");

	HT_CTL(h, 0, &out, &err, "stop", "a");
	HT_CTL(h, 0, &out, &err, "restart", "a");
	HT_CONTAINS(out, "restarted a (pid ");
	assert_int_not_equal(ht_pid(h, "a"), a1);
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_int_equal(ht_status(h, "a").restarts, 0);
}

/* delete of a running child: exit 4; once stopped: gone from status,
 * a runtime child and a child from the config alike. */
static void
test_integ_runtime_delete(void **state)
{
	char spec[SPEC_MAX];
	struct ht *h = boot(state);
	const char *out, *err;
	pid_t a = ht_pid(h, "a"), c;

	HT_CTL(h, 0, &out, &err, "add-child", "", sleeper(h, "c", spec));
	c = ht_pid(h, "c");
	HT_CTL(h, 4, &out, &err, "delete", "a");
	HT_CONTAINS(err, "running");
	HT_CTL(h, 4, &out, &err, "delete", "c");
	assert_string_equal(ht_status_order(h), "a grp grp/b c");

	HT_CTL(h, 0, &out, &err, "stop", "a");
	HT_CTL(h, 0, &out, &err, "stop", "c");
	assert_true(ht_wait_gone(a, HT_T));
	assert_true(ht_wait_gone(c, HT_T));
	HT_CTL(h, 0, &out, &err, "delete", "c");
	HT_CONTAINS(out, "deleted c");
	HT_CTL(h, 0, &out, &err, "delete", "a");
	HT_CONTAINS(out, "deleted a");
	assert_string_equal(ht_status_order(h), "grp grp/b");
	ht_wait_event(h, "child.deleted", "c", HT_T);
	ht_wait_event(h, "child.deleted", "a", HT_T);
	HT_CTL(h, 3, &out, &err, "delete", "a");
	HT_CTL(h, 3, &out, &err, "start", "a");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_runtime_add_appended_last),
		T(test_integ_runtime_add_name_taken),
		T(test_integ_runtime_restart_running),
		T(test_integ_runtime_delete),
	};

	return cmocka_run_group_tests_name("integ_runtime", tests, NULL, NULL);
}
