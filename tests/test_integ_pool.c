/* Integration tests of simple_one_for_one pools (SEMANTICS.md rule 14)
 * through the real herdctl: spawn with arguments, max_instances,
 * terminate by path and by PID, restarts with the same arguments, stop. */
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

/* Instances run "testchild argv FILE ARGS...": they write ARGS to FILE,
 * then count as started (ready fd). */
#define CONF "{" HT_DIRS ",'supervisor':{'intensity':5,'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'pool','type':'supervisor','strategy':'simple_one_for_one'," \
	"'intensity':5,'max_instances':3,'children':[" \
	"{'name':'w','command':['@CHILD@','argv'],'shutdown':2000," \
	"'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}}]}," \
	"{'name':'b','command':['@CHILD@','sleep']}]}}"

static struct ht *
boot(void **state)
{
	struct ht *h = *state;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* herdctl spawn pool FILE ARG2 ARG3: must succeed as instance PATH;
 * returns its pid, checked against status and the file it wrote. */
static pid_t
spawn(struct ht *h, const char *path, const char *file, const char *arg2,
    const char *arg3)
{
	const char *out, *err, *s;
	char want[512];
	pid_t pid;

	HT_CTL(h, 0, &out, &err, "spawn", "pool", file, arg2, arg3);
	snprintf(want, sizeof want, "spawned %s (pid ", path);
	HT_CONTAINS(out, want);
	pid = (pid_t)atoi(strstr(out, "(pid ") + 5);
	assert_true(pid > 0);
	assert_int_equal(ht_pid(h, path), pid);
	assert_string_equal(ht_status(h, path).state, "running");
	snprintf(want, sizeof want, "%s\n%s\n", arg2, arg3);
	s = ht_read_file(h, file);
	assert_non_null(s);
	assert_string_equal(s, want);
	return pid;
}

/* No instance at boot; spawn passes its arguments, appended to the
 * template's command; past max_instances herdctl exits 4 and nothing
 * starts. */
static void
test_integ_pool_spawn_args_and_max(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;

	assert_string_equal(ht_status_order(h), "a pool b");
	spawn(h, "pool/1", ht_path(h, "i1"), "--port", "8001");
	spawn(h, "pool/2", ht_path(h, "i2"), "two words", "-x");
	spawn(h, "pool/3", ht_path(h, "i3"), "c", "d");
	assert_string_equal(ht_status_order(h),
	    "a pool pool/1 pool/2 pool/3 b");

	ht_sync_events(h);
	HT_CTL(h, 4, &out, &err, "spawn", "pool", ht_path(h, "i4"), "e", "f");
	HT_CONTAINS(err, "max_instances");
	assert_null(ht_read_file(h, ht_path(h, "i4")));
	assert_false(ht_status(h, "pool/4").found);
	assert_string_equal(ht_status_order(h),
	    "a pool pool/1 pool/2 pool/3 b");
}

/* herdctl help spawn: "3 if there is no such pool, 4 if it is not a
 * pool"; protocol.md: spawn is refused if it is not a pool. A worker is
 * not a pool either. */
static void
test_integ_pool_spawn_not_a_pool(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;

	HT_CTL(h, 3, &out, &err, "spawn", "nope", "x");
	HT_CTL(h, 4, &out, &err, "spawn", "", "x");
	HT_CTL(h, 4, &out, &err, "spawn", "a", "x");
	assert_string_equal(ht_status_order(h), "a pool b");
}

/* terminate by instance path and by --pid: stopped, removed, not
 * restarted; the others keep running. */
static void
test_integ_pool_terminate(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	pid_t p1, p2, p3;
	char pid[32];

	p1 = spawn(h, "pool/1", ht_path(h, "i1"), "a", "1");
	p2 = spawn(h, "pool/2", ht_path(h, "i2"), "b", "2");
	p3 = spawn(h, "pool/3", ht_path(h, "i3"), "c", "3");

	HT_CTL(h, 0, &out, &err, "terminate", "pool/1");
	HT_CONTAINS(out, "terminated pool/1");
	assert_true(ht_wait_gone(p1, HT_T));
	assert_false(ht_status(h, "pool/1").found);

	snprintf(pid, sizeof pid, "%d", (int)p2);
	HT_CTL(h, 0, &out, &err, "terminate", "--pid", pid);
	HT_CONTAINS(out, "terminated pool/2");
	assert_true(ht_wait_gone(p2, HT_T));
	assert_false(ht_status(h, "pool/2").found);

	HT_CTL(h, 3, &out, &err, "terminate", "pool/1");
	HT_CTL(h, 3, &out, &err, "terminate", "--pid", pid);
	assert_string_equal(ht_status_order(h), "a pool pool/3 b");
	assert_int_equal(ht_pid(h, "pool/3"), p3);
	assert_int_equal(ht_status(h, "pool/3").restarts, 0);
	ht_sync_events(h);
	assert_null(ht_find_event(h, 0, "child.exited", "pool/1"));
	assert_null(ht_find_event(h, 0, "child.exited", "pool/2"));
	/* room again under max_instances */
	spawn(h, "pool/4", ht_path(h, "i4"), "d", "4");
}

/* An instance killed with SIGKILL is restarted with the same arguments:
 * a new pid that writes the same file again. */
static void
test_integ_pool_crash_restarts_same_args(void **state)
{
	struct ht *h = boot(state);
	const char *f1 = ht_path(h, "i1"), *s;
	pid_t p1, p2, np;
	cJSON *ev;

	p1 = spawn(h, "pool/1", f1, "--name", "first one");
	p2 = spawn(h, "pool/2", ht_path(h, "i2"), "--name", "second");
	ht_sync_events(h);
	assert_int_equal(unlink(f1), 0);
	assert_int_equal(kill(p1, SIGKILL), 0);
	ev = ht_wait_event(h, "child.exited", "pool/1", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "signal:KILL");
	ev = ht_wait_event(h, "child.started", "pool/1", HT_T);
	np = (pid_t)ht_num(ev, "pid");
	assert_true(np > 0);
	assert_int_not_equal(np, p1);
	assert_int_equal(ht_pid(h, "pool/1"), np);
	assert_int_equal(ht_status(h, "pool/1").restarts, 1);
	s = ht_read_file(h, f1);
	assert_non_null(s);
	assert_string_equal(s, "--name\nfirst one\n");
	assert_int_equal(ht_pid(h, "pool/2"), p2);
	assert_string_equal(ht_status_order(h), "a pool pool/1 pool/2 b");
}

/* Stopping the pool signals every instance at once: each is told to stop
 * before any is dead; the pool is stopped once all are. A shutdown of
 * herdd leaves none behind. */
static void
test_integ_pool_stop_all_at_once(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err, *trace, *first, *s;
	pid_t p[3];
	long long from;
	char expect[256];
	cJSON *ev;
	int i;

	p[0] = spawn(h, "pool/1", ht_path(h, "i1"), "a", "1");
	p[1] = spawn(h, "pool/2", ht_path(h, "i2"), "b", "2");
	p[2] = spawn(h, "pool/3", ht_path(h, "i3"), "c", "3");
	ht_sync_events(h);
	from = ht_last_seq(h);

	HT_CTL(h, 0, &out, &err, "stop", "pool");
	ev = ht_wait_event(h, "child.stopped", "pool", HT_T);
	for (i = 0; i < 3; i++)
		assert_true(ht_wait_gone(p[i], HT_T));
	trace = ht_trace(h, from, (long long)ht_num(ev, "seq"), "child.stop");
	/* three stoppings before the first stopped; then the pool */
	first = strstr(trace, "child.stopped ");
	assert_non_null(first);
	for (i = 0, s = trace; (s = strstr(s, "child.stopping pool/")) !=
	    NULL && s < first; s++)
		i++;
	if (i != 3)
		fail_msg("not all signalled before the first death: %s",
		    trace);
	for (i = 1; i <= 3; i++) {
		snprintf(expect, sizeof expect, "child.stopped pool/%d", i);
		HT_CONTAINS(first, expect);
	}
	snprintf(expect, sizeof expect, "child.stopped pool");
	assert_string_equal(trace + strlen(trace) - strlen(expect), expect);
	assert_string_equal(ht_status(h, "pool").state, "stopped");
	assert_string_equal(ht_status_order(h), "a pool b");
	assert_string_equal(ht_status(h, "a").state, "running");

	HT_CTL(h, 0, &out, &err, "start", "pool");
	assert_string_equal(ht_status_order(h), "a pool b");
	p[0] = spawn(h, "pool/4", ht_path(h, "i4"), "d", "4");
	p[1] = spawn(h, "pool/5", ht_path(h, "i5"), "e", "5");
	assert_int_equal(ht_shutdown(h), 0);
	assert_true(ht_wait_gone(p[0], HT_T));
	assert_true(ht_wait_gone(p[1], HT_T));
}

/* herdctl scale POOL N (issue 12, item 12): spawns up to N, terminates
 * the newest down to N; refuses a supervisor that is no pool, leaving
 * its children alone. */
static void
test_integ_pool_scale(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	pid_t a;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'grp','type':'supervisor','children':[{'name':'a',"
	    "'command':['@CHILD@','sleep']}]},"
	    "{'name':'pool','type':'supervisor','strategy':"
	    "'simple_one_for_one','intensity':5,'children':[{'name':'w',"
	    "'command':['@CHILD@','sleep'],'shutdown':2000}]}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	HT_CTL(h, 0, &out, &err, "scale", "pool", "3");
	HT_CONTAINS(out, "spawned pool/1 (pid ");
	HT_CONTAINS(out, "spawned pool/3 (pid ");
	HT_CONTAINS(out, "pool: 3 instances\n");
	ht_wait_state(h, "pool/3", "running", HT_T);
	HT_CTL(h, 0, &out, &err, "scale", "pool", "1");
	assert_string_equal(out, "terminated pool/3\nterminated pool/2\n"
	    "pool: 1 instance\n");
	assert_true(ht_status(h, "pool/1").found);
	assert_false(ht_status(h, "pool/2").found);
	HT_CTL(h, 0, &out, &err, "scale", "pool", "1");
	assert_string_equal(out, "pool: 1 instance\n");
	a = ht_pid(h, "grp/a");
	HT_CTL(h, 4, &out, &err, "scale", "grp", "0");
	HT_CONTAINS(err, "grp is not a simple_one_for_one pool");
	HT_CTL(h, 3, &out, &err, "scale", "nosuch", "0");
	HT_CONTAINS(err, "no pool named \"nosuch\"");
	assert_int_equal(ht_pid(h, "grp/a"), a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_pool_spawn_args_and_max),
		T(test_integ_pool_spawn_not_a_pool),
		T(test_integ_pool_terminate),
		T(test_integ_pool_crash_restarts_same_args),
		T(test_integ_pool_stop_all_at_once),
		T(test_integ_pool_scale),
	};

	return cmocka_run_group_tests_name("integ_pool", tests, NULL, NULL);
}
