/*
 * Several children in one herdctl command (issue 12, item 10): paths,
 * globs and "all" for start, stop, restart, signal and terminate, in a
 * defined order (stops in reverse start order, the rest in start order),
 * one line of outcome each, a supervisor covering its subtree for stops
 * and restarts; a pattern that selects nothing changes nothing. And
 * herdctl's global options after the command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define S(n) "{'name':'" n "','command':['@CHILD@','sleep']}"
#define CONF "{" HT_DIRS ",'supervisor':{'intensity':20,'children':[" \
	S("a") ",{'name':'grp','type':'supervisor','children':[" S("b") "," \
	S("c") "]}," S("d") "]}}"

static void
test_integ_many_order_and_outcomes(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	long long from;
	pid_t a, b, c, d;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	a = ht_pid(h, "a");
	/* a pattern that selects nothing: nothing happens, exit 3 */
	HT_CTL(h, 3, &out, &err, "stop", "d", "nosuch/*");
	HT_CONTAINS(err, "no child matches nosuch/*");
	ht_wait_state(h, "d", "running", HT_T);
	/* stops in reverse start order, one line each */
	from = ht_last_seq(h);
	HT_CTL(h, 0, &out, &err, "stop", "grp/*", "d");
	assert_string_equal(out, "stopped d\nstopped grp/c\nstopped grp/b\n");
	ht_sync_events(h);
	assert_true(ht_num(ht_find_event(h, from, "child.stopped", "d"),
	    "seq") < ht_num(ht_find_event(h, from, "child.stopped", "grp/c"),
	    "seq"));
	assert_true(ht_num(ht_find_event(h, from, "child.stopped", "grp/c"),
	    "seq") < ht_num(ht_find_event(h, from, "child.stopped", "grp/b"),
	    "seq"));
	/* starts in start order; what runs already is said and skipped */
	HT_CTL(h, 0, &out, &err, "start", "all");
	HT_CONTAINS(out, "running a\n");
	assert_non_null(strstr(out, "started grp/b ("));
	assert_true(strstr(out, "started grp/b") < strstr(out, "started "
	    "grp/c"));
	assert_true(strstr(out, "started grp/c") < strstr(out, "started d"));
	assert_int_equal(ht_pid(h, "a"), a);
	/* a restart of a supervisor covers its children: each once */
	b = ht_pid(h, "grp/b");
	c = ht_pid(h, "grp/c");
	d = ht_pid(h, "d");
	HT_CTL(h, 0, &out, &err, "restart", "grp", "grp/b", "d");
	HT_CONTAINS(out, "restarted grp\n");
	assert_null(strstr(out, "restarted grp/b"));
	HT_CONTAINS(out, "restarted d (pid ");
	ht_wait_state(h, "grp/c", "running", HT_T);
	assert_true(ht_pid(h, "grp/b") != b && ht_pid(h, "grp/c") != c &&
	    ht_pid(h, "d") != d);
	/* signals go to workers only */
	HT_CTL(h, 0, &out, &err, "signal", "all", "CONT");
	assert_string_equal(strstr(out, "signalled a") == out ? "ok" : out,
	    "ok");
	assert_null(strstr(out, "signalled grp "));
	HT_CONTAINS(out, "signalled grp/c");
	/* one failure (a stopped child has no process to signal):
	 * reported with its path, the others done, its exit status */
	HT_CTL(h, 0, &out, &err, "stop", "a");
	assert_int_not_equal(ht_herdctl(h, &out, &err, "signal", "a", "d",
	    "CONT", NULL), 0);
	HT_CONTAINS(err, "a: ");
	HT_CONTAINS(out, "signalled d");
	/* --json: one array, an entry per child */
	HT_CTL(h, 0, &out, &err, "--json", "terminate", "grp/*", "d");
	HT_CONTAINS(out, "{\"path\":\"d\",\"ok\":true");
	HT_CONTAINS(out, "{\"path\":\"grp/b\",\"ok\":true");
	ht_wait_state(h, "d", "stopped", HT_T);
}

/* Global options also after the command (issue 12, item 16), except
 * among a spawn's ARGS, which stay verbatim. */
static void
test_integ_many_global_options_after(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	char *argv[] = { h->herdctl, "status", "a", "-r", h->run, "-t", "5s",
	    "--json", NULL };
	char *bad[] = { h->herdctl, "status", "-t", "soon", "-r", h->run,
	    NULL };

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_int_equal(ht_run(h, argv, HT_T, &out, &err), 0);
	HT_CONTAINS(out, "\"path\":\"a\"");
	assert_int_equal(ht_run(h, bad, HT_T, &out, &err), 2);
	HT_CONTAINS(err, "invalid timeout \"soon\"");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_many_order_and_outcomes, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_many_global_options_after, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_many", tests, NULL, NULL);
}
