/* Integration tests of the restart strategies, restart types and intensity
 * on real processes under a real herdd. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

/* Kills PATH's process with SIGKILL; returns the seq of its child.exited
 * event. */
static long long
kill_child(struct ht *h, const char *path, pid_t pid)
{
	cJSON *ev;

	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	ev = ht_wait_event(h, "child.exited", path, HT_T);
	assert_int_equal((int)ht_num(ev, "pid"), (int)pid);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "signal:KILL");
	return (long long)ht_num(ev, "seq") - 1;
}

#define THREE_SLEEPERS \
	"{'name':'a','command':['@CHILD@','sleep'],'shutdown':2000}," \
	"{'name':'b','command':['@CHILD@','sleep'],'shutdown':2000}," \
	"{'name':'c','command':['@CHILD@','sleep'],'shutdown':2000}"

static void
test_integ_strategy_one_for_one(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'one_for_one','intensity':5,'period_ms':10000,"
	    "'children':[" THREE_SLEEPERS "]}}");
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "b"), c = ht_pid(h, "c");
	long long from;
	cJSON *ev;

	from = kill_child(h, "b", b);
	ev = ht_wait_event(h, "child.started", "b", HT_T);
	assert_string_equal(ht_trace(h, from, (long long)ht_num(ev, "seq"),
	    "child."), "child.exited b, child.starting b, child.started b");
	assert_int_not_equal(ht_pid(h, "b"), b);
	assert_int_equal(ht_pid(h, "b"), (int)ht_num(ev, "pid"));
	assert_int_equal(ht_pid(h, "a"), a);
	assert_int_equal(ht_pid(h, "c"), c);
	assert_int_equal(ht_status(h, "b").restarts, 1);
	assert_true(ht_wait_gone(b, HT_T));
}

static void
test_integ_strategy_one_for_all(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'one_for_all','intensity':5,'period_ms':10000,"
	    "'children':[" THREE_SLEEPERS "]}}");
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "b"), c = ht_pid(h, "c");
	long long from;
	cJSON *ev;

	from = kill_child(h, "b", b);
	ev = ht_wait_event(h, "child.started", "c", HT_T);
	/* Others stop in reverse order, then all start in order. */
	assert_string_equal(ht_trace(h, from, (long long)ht_num(ev, "seq"),
	    "child."), "child.exited b, "
	    "child.stopping c, child.stopped c, "
	    "child.stopping a, child.stopped a, "
	    "child.starting a, child.started a, "
	    "child.starting b, child.started b, "
	    "child.starting c, child.started c");
	assert_int_not_equal(ht_pid(h, "a"), a);
	assert_int_not_equal(ht_pid(h, "b"), b);
	assert_int_not_equal(ht_pid(h, "c"), c);
	assert_int_equal(ht_pid(h, "c"), (int)ht_num(ev, "pid"));
	assert_true(ht_wait_gone(a, HT_T));
	assert_true(ht_wait_gone(c, HT_T));
}

static void
test_integ_strategy_rest_for_one(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'rest_for_one','intensity':5,'period_ms':10000,"
	    "'children':[" THREE_SLEEPERS ","
	    "{'name':'d','command':['@CHILD@','sleep'],'shutdown':2000}]}}");
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "b"), c = ht_pid(h, "c");
	pid_t d = ht_pid(h, "d");
	long long from;
	cJSON *ev;

	from = kill_child(h, "b", b);
	ev = ht_wait_event(h, "child.started", "d", HT_T);
	assert_string_equal(ht_trace(h, from, (long long)ht_num(ev, "seq"),
	    "child."), "child.exited b, "
	    "child.stopping d, child.stopped d, "
	    "child.stopping c, child.stopped c, "
	    "child.starting b, child.started b, "
	    "child.starting c, child.started c, "
	    "child.starting d, child.started d");
	assert_int_equal(ht_pid(h, "a"), a);
	assert_int_not_equal(ht_pid(h, "b"), b);
	assert_int_not_equal(ht_pid(h, "c"), c);
	assert_int_not_equal(ht_pid(h, "d"), d);
}

#define TRANSIENT_CONF(cmd) "{" HT_DIRS ",'supervisor':{" \
	"'strategy':'one_for_one','intensity':5,'period_ms':10000," \
	"'children':[{'name':'s','command':['@CHILD@','sleep']}," \
	"{'name':'t','restart':'transient','command':" cmd "}]}}"

static void
test_integ_strategy_transient_normal_exit_stays(void **state)
{
	struct ht *h = boot(state, TRANSIENT_CONF("['@CHILD@','exit','0']"));
	struct ht_child t;
	cJSON *ev;

	ev = ht_wait_event(h, "child.exited", "t", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "normal");
	/* A restart would be decided at once: by now it would show. */
	ht_sync_events(h);
	assert_null(ht_find_event(h, (long long)ht_num(ev, "seq"),
	    "child.starting", "t"));
	t = ht_status(h, "t");
	assert_true(t.found);
	assert_string_equal(t.state, "exited");
	assert_int_equal(t.restarts, 0);
	assert_string_equal(ht_status(h, "s").state, "running");
}

static void
test_integ_strategy_transient_abnormal_exit_restarts(void **state)
{
	struct ht *h = boot(state,
	    TRANSIENT_CONF("['@CHILD@','exit-if-absent','@TMP@/once','3']"));
	cJSON *ex, *st;

	ex = ht_wait_event(h, "child.exited", "t", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ex, "reason")->valuestring,
	    "exit:3");
	st = ht_wait_event(h, "child.started", "t", HT_T);
	assert_int_not_equal((int)ht_num(st, "pid"), (int)ht_num(ex, "pid"));
	ht_wait_state(h, "t", "running", HT_T);
	assert_int_equal(ht_pid(h, "t"), (int)ht_num(st, "pid"));
	assert_int_equal(ht_status(h, "t").restarts, 1);
}

static void
test_integ_strategy_transient_killed_restarts(void **state)
{
	struct ht *h = boot(state, TRANSIENT_CONF("['@CHILD@','sleep']"));
	pid_t t = ht_pid(h, "t"), s = ht_pid(h, "s");
	cJSON *st;

	kill_child(h, "t", t);
	st = ht_wait_event(h, "child.started", "t", HT_T);
	assert_int_not_equal((int)ht_num(st, "pid"), (int)t);
	assert_int_equal(ht_pid(h, "t"), (int)ht_num(st, "pid"));
	assert_int_equal(ht_pid(h, "s"), s);
	assert_int_equal(ht_status(h, "t").restarts, 1);
}

static void
test_integ_strategy_temporary_bystander_removed(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'one_for_all','intensity':5,'period_ms':10000,"
	    "'children':["
	    "{'name':'a','command':['@CHILD@','sleep']},"
	    "{'name':'t','restart':'temporary','command':['@CHILD@','sleep']},"
	    "{'name':'b','command':['@CHILD@','sleep']}]}}");
	pid_t a = ht_pid(h, "a"), t = ht_pid(h, "t"), b = ht_pid(h, "b");
	long long from;
	cJSON *ev;

	from = kill_child(h, "b", b);
	ev = ht_wait_event(h, "child.started", "b", HT_T);
	assert_string_equal(ht_trace(h, from, (long long)ht_num(ev, "seq"),
	    "child."), "child.exited b, "
	    "child.stopping t, child.stopped t, "
	    "child.stopping a, child.stopped a, "
	    "child.starting a, child.started a, "
	    "child.starting b, child.started b");
	ht_sync_events(h);
	assert_null(ht_find_event(h, from, "child.starting", "t"));
	assert_false(ht_status(h, "t").found);
	assert_true(ht_wait_gone(t, HT_T));
	assert_int_not_equal(ht_pid(h, "a"), a);
}

static void
test_integ_strategy_nested_gives_up_and_is_restarted(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'one_for_one','intensity':5,'period_ms':10000,"
	    "'children':["
	    "{'name':'w','command':['@CHILD@','sleep']},"
	    "{'name':'inner','type':'supervisor','strategy':'one_for_one',"
	    "'intensity':0,'period_ms':10000,'children':["
	    "{'name':'x','command':['@CHILD@','sleep']},"
	    "{'name':'y','command':['@CHILD@','sleep']}]}]}}");
	pid_t w = ht_pid(h, "w"), x = ht_pid(h, "inner/x");
	pid_t y = ht_pid(h, "inner/y");
	long long from;
	cJSON *ev, *gave;

	from = kill_child(h, "inner/x", x);
	gave = ht_wait_event(h, "supervisor.gave_up", "inner", HT_T);
	ev = ht_wait_event(h, "child.started", "inner", HT_T);
	assert_true(ht_num(gave, "seq") < ht_num(ev, "seq"));
	assert_string_equal(ht_trace(h, from, (long long)ht_num(ev, "seq"),
	    ""), "child.exited inner/x, supervisor.gave_up inner, "
	    "child.stopping inner/y, child.stopped inner/y, "
	    "child.exited inner, "
	    "child.starting inner, "
	    "child.starting inner/x, child.started inner/x, "
	    "child.starting inner/y, child.started inner/y, "
	    "child.started inner");
	assert_string_equal(cJSON_GetObjectItem(ht_find_event(h, from,
	    "child.exited", "inner"), "reason")->valuestring, "shutdown");
	assert_int_not_equal(ht_pid(h, "inner/x"), x);
	assert_int_not_equal(ht_pid(h, "inner/y"), y);
	assert_int_equal(ht_pid(h, "w"), w);
	assert_int_equal(ht_status(h, "inner").restarts, 1);
	assert_string_equal(ht_status(h, "inner").state, "running");
	assert_true(ht_wait_gone(y, HT_T));
}

#define INNER(intensity, period) "{" HT_DIRS ",'supervisor':{" \
	"'strategy':'one_for_one','intensity':5,'period_ms':60000," \
	"'children':[{'name':'w','command':['@CHILD@','sleep']}," \
	"{'name':'inner','type':'supervisor','strategy':'one_for_one'," \
	"'intensity':" intensity ",'period_ms':" period ",'children':[" \
	"{'name':'x','command':['@CHILD@','sleep']}]}]}}"

/* Kills inner/x and waits until it runs again; returns the monotonic time
 * (us) of its death, when herdd counted the restart. */
static uint64_t
restart_x(struct ht *h)
{
	pid_t x = ht_pid(h, "inner/x");
	long long from = ht_last_seq(h);
	cJSON *ev;
	uint64_t died;

	assert_int_equal(kill(x, SIGKILL), 0);
	ev = ht_wait_event(h, "child.exited", "inner/x", HT_T);
	died = (uint64_t)ht_num(ev, "ts");
	ht_wait_event(h, "child.started", "inner/x", HT_T);
	assert_int_not_equal(ht_pid(h, "inner/x"), x);
	assert_null(ht_find_event(h, from, "supervisor.gave_up", NULL));
	return died;
}

/* Kills inner/x once too often: inner gives up (its exit reason is
 * shutdown) and its parent restarts it, once. */
static void
give_up_x(struct ht *h)
{
	long long from = ht_last_seq(h);

	assert_int_equal(kill(ht_pid(h, "inner/x"), SIGKILL), 0);
	ht_wait_event(h, "supervisor.gave_up", "inner", HT_T);
	ht_wait_event(h, "child.started", "inner", HT_T);
	assert_int_equal(ht_status(h, "inner").restarts, 1);
	assert_non_null(ht_find_event(h, from, "child.exited", "inner"));
}

/* Intensity 2: two restarts within the period are taken, the third gives
 * up (rule 6: more than intensity, not as many). */
static void
test_integ_strategy_intensity_boundary(void **state)
{
	struct ht *h = boot(state, INNER("2", "60000"));

	restart_x(h);
	restart_x(h);
	assert_int_equal(ht_status(h, "inner/x").restarts, 2);
	give_up_x(h);
}

/* The period is a sliding window (rule 6): a restart older than period_ms
 * no longer counts, so with intensity 1 a second restart after the
 * window is taken, and a third right after it gives up. Waiting for the
 * period to pass is what is tested: a schedule, not synchronisation. */
static void
test_integ_strategy_intensity_window_slides(void **state)
{
	struct ht *h = boot(state, INNER("1", "3000"));
	uint64_t died = restart_x(h);
	struct timespec until;

	/* past the period, by a margin; the kill after the next restart must
	 * then come within 3 s of it, which a busy machine leaves ample */
	died += 3300 * 1000;
	until.tv_sec = (time_t)(died / 1000000);
	until.tv_nsec = (long)(died % 1000000) * 1000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)
	    != 0)
		;
	restart_x(h);
	assert_int_equal(ht_status(h, "inner").restarts, 0);
	give_up_x(h);
}

/* Each failed start counts (rules 5, 10): x's program is gone after boot,
 * so every restart attempt fails; with intensity 3 the death and the
 * retries count until the fourth attempt gives up, after exactly three
 * failed starts. */
static void
test_integ_strategy_failed_starts_count(void **state)
{
	struct ht *h = *state;
	const char *prog;
	long long from;
	double gave;
	cJSON *ev;
	int fails = 0;

	prog = ht_path(h, "prog");
	assert_int_equal(symlink(h->child, prog), 0);
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'strategy':'one_for_one',"
	    "'intensity':5,'period_ms':60000,'children':["
	    "{'name':'inner','type':'supervisor','strategy':'one_for_one',"
	    "'intensity':3,'period_ms':60000,'children':["
	    "{'name':'x','command':['@TMP@/prog','sleep']}]}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_int_equal(unlink(prog), 0);
	from = ht_last_seq(h);
	assert_int_equal(kill(ht_pid(h, "inner/x"), SIGKILL), 0);
	gave = ht_num(ht_wait_event(h, "supervisor.gave_up", "inner", HT_T),
	    "seq");
	for (ev = ht_find_event(h, from, "child.start_failed", "inner/x");
	    ev != NULL && ht_num(ev, "seq") < gave;
	    ev = ht_find_event(h, (long long)ht_num(ev, "seq"),
	    "child.start_failed", "inner/x"))
		fails++;
	assert_int_equal(fails, 3);
	/* inner itself restarts, and fails to start x: the root counts */
	ht_wait_event(h, "child.start_failed", "inner", HT_T);
}

static void
test_integ_strategy_root_gives_up_exit_1(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{"
	    "'strategy':'one_for_one','intensity':0,'period_ms':10000,"
	    "'children':[" THREE_SLEEPERS "]}}");
	pid_t pids[3] = { ht_pid(h, "a"), ht_pid(h, "b"), ht_pid(h, "c") };
	int fds[3], i;
	cJSON *gave;

	for (i = 0; i < 3; i++) {
		fds[i] = ht_pidfd(pids[i]);
		assert_true(fds[i] != -1);
	}
	assert_int_equal(kill(pids[0], SIGKILL), 0);
	assert_int_equal(ht_wait_exit(h, HT_T), 1);
	/* herdd reaps every child before it exits. */
	for (i = 0; i < 3; i++) {
		assert_true(ht_wait_pidfd(fds[i], 0));
		close(fds[i]);
		assert_false(ht_alive(pids[i]));
	}
	gave = ht_wait_event(h, "supervisor.gave_up", "", HT_T);
	assert_non_null(gave);
	ht_wait_event(h, "herd.stopped", "", HT_T);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_strategy_one_for_one,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_strategy_one_for_all,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_rest_for_one, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_transient_normal_exit_stays, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_transient_abnormal_exit_restarts,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_transient_killed_restarts, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_temporary_bystander_removed, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_nested_gives_up_and_is_restarted,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_intensity_boundary, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_intensity_window_slides, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_failed_starts_count, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_strategy_root_gives_up_exit_1, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
