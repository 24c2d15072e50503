/* Tests of engine.c: SEMANTICS.md's rules checked on a recorded fake world
 * (harness_engine.c). */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness_engine.h"
#include "herdd.h"
#include "ipc.h"

/* ---- the strategy x restart type x exit reason matrix (rules 4, 7-9) */

struct strategy_case {
	const char *name;
	const char *restart_log; /* b died, and was restarted */
	int a_kept, c_kept;
};

static const struct strategy_case strategies[] = {
	{ "one_for_one", "died b; spawn b", 1, 1 },
	{ "one_for_all",
	    "died b; kill c TERM; died c; kill a TERM; died a; "
	    "spawn a; spawn b; spawn c", 0, 0 },
	{ "rest_for_one",
	    "died b; kill c TERM; died c; spawn b; spawn c", 1, 0 },
};

static const char *const restarts[] = { "permanent", "transient",
	"temporary" };

struct reason_case {
	const char *name;
	int status;
	const char *reason;
	int abnormal;
};

static const struct reason_case reasons[] = {
	{ "exit0", EXIT(0), "normal", 0 },
	{ "normal_exit_code", EXIT(7), "normal", 0 },
	{ "exit3", EXIT(3), "exit:3", 1 },
	{ "sigkill", SIGKILL, "signal:KILL", 1 },
	{ "sigterm", SIGTERM, "shutdown", 0 },
};

#define NSTRAT (sizeof strategies / sizeof strategies[0])
#define NREST (sizeof restarts / sizeof restarts[0])
#define NREASON (sizeof reasons / sizeof reasons[0])
#define NMATRIX (NSTRAT * NREST * NREASON)

struct matrix_case {
	const struct strategy_case *strategy;
	const char *restart;
	const struct reason_case *reason;
	char name[80];
};

static struct matrix_case matrix[NMATRIX];

/* Of a, b, c, b ends with the case's reason: restarted or not as its
 * restart type says, siblings stopped and restarted as the strategy
 * says, temporary removed, transient after a normal exit left exited. */
static void
test_engine_strategy_matrix(void **state)
{
	struct he_world *w = *state;
	const struct matrix_case *mc = w->param;
	char json[1024], exited[64];
	pid_t pa, pb, pc;
	int restarted;

	snprintf(json, sizeof json, "{'supervisor':{'strategy':'%s',"
	    "'intensity':10,'children':[" WK("a", "") ","
	    "{'name':'b','command':'x','restart':'%s',"
	    "'normal_exit_codes':[7]}," WK("c", "") "]}}",
	    mc->strategy->name, mc->restart);
	he_boot(w, json);
	pa = he_pid(w, "a");
	pb = he_pid(w, "b");
	pc = he_pid(w, "c");
	restarted = strcmp(mc->restart, "permanent") == 0 ||
	    (strcmp(mc->restart, "transient") == 0 && mc->reason->abnormal);

	he_die(w, "b", mc->reason->status);
	he_deaths(w);

	snprintf(exited, sizeof exited, "child.exited b %s",
	    mc->reason->reason);
	assert_string_equal(he_peek(w, "child.exited"), exited);
	assert_string_equal(he_take(w, ACTS),
	    restarted ? mc->strategy->restart_log : "died b");
	assert_false(w->finished);
	if (restarted) {
		assert_int_equal(he_state(w, "b"), CH_RUNNING);
		assert_int_not_equal(he_pid(w, "b"), pb);
		assert_true((he_pid(w, "a") == pa) == mc->strategy->a_kept);
		assert_true((he_pid(w, "c") == pc) == mc->strategy->c_kept);
	} else {
		if (strcmp(mc->restart, "temporary") == 0) {
			assert_null(tree_find(w->root, "b"));
		} else {
			assert_int_equal(he_state(w, "b"), CH_EXITED);
			assert_int_equal(he_pid(w, "b"), 0);
		}
		assert_int_equal(he_pid(w, "a"), pa);
		assert_int_equal(he_pid(w, "c"), pc);
	}
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
	assert_int_equal(he_state(w, "c"), CH_RUNNING);
}

/* ---- start order (rule 1), boot failure (rule 12), readiness ---- */

/* The next child is spawned only once the previous one is ready. */
static void
test_engine_boot_waits_for_ready(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "a")->wait_ready = 1;
	he_knob(w, "sub/x")->wait_ready = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", "") "," WK("y", "")) ","
	    WK("b", "")));
	engine_boot(&w->e);
	assert_string_equal(he_take(w, ACTS), "spawn a");
	assert_int_equal(he_state(w, "a"), CH_STARTING);
	assert_int_not_equal(w->root->state, CH_RUNNING);

	he_ready(w, "a");
	assert_string_equal(he_take(w, ACTS "herd.started"), "spawn sub/x");
	assert_int_equal(he_state(w, "sub"), CH_STARTING);

	he_ready(w, "sub/x");
	assert_string_equal(he_take(w, ACTS " child.started herd.started"),
	    "child.started sub/x; spawn sub/y; child.started sub/y; "
	    "child.started sub; spawn b; child.started b; herd.started (root)");
	assert_int_equal(w->root->state, CH_RUNNING);
}

/* A start that fails at boot stops the started ones in reverse, never
 * starts the rest, and herdd exits non-zero naming the child. */
static void
test_engine_boot_failure_stops_started(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "c")->fail_next = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") "," WK("b", "") ","
	    WK("c", "") "," WK("d", "")));
	engine_boot(&w->e);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "spawn a; spawn b; spawn c failed; kill b TERM; died b; "
	    "kill a TERM; died a; finish 1 child c failed to start: "
	    "exec x: No such file or directory");
	assert_int_equal(w->finish_code, 1);
}

/* A nested supervisor that fails to boot fails its parent's boot. */
static void
test_engine_boot_failure_nested(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "sub/y")->fail_next = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", "") "," WK("y", "")) ","
	    WK("b", "")));
	engine_boot(&w->e);
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn kill died"),
	    "spawn a; spawn sub/x; spawn sub/y failed; kill sub/x TERM; "
	    "died sub/x; kill a TERM; died a");
	assert_true(w->finished);
	assert_int_not_equal(w->finish_code, 0);
	assert_non_null(strstr(w->finish_why, "sub/y"));
}

/* Not ready in time at boot: killed, and its death is a failed start. */
static void
test_engine_ready_timeout_at_boot(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "a")->wait_ready = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") "," WK("b", "")));
	engine_boot(&w->e);
	engine_child_start_failed(&w->e, he_find(w, "a"),
	    "not ready in 100 ms");
	assert_string_equal(he_take(w, ACTS), "spawn a; kill a KILL");
	assert_false(w->finished);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died a; finish 1 child a failed to start: not ready in 100 ms");
}

/* Not ready in time on a restart: killed, then retried (rule 10). */
static void
test_engine_ready_timeout_on_restart(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "b")->wait_ready = 1;
	he_die(w, "b", EXIT(3));
	assert_string_equal(he_take(w, ACTS), "died b; spawn b");
	engine_child_start_failed(&w->e, he_find(w, "b"), "not ready");
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "kill b KILL; died b; retry b 0");
	assert_int_equal(he_state(w, "b"), CH_RESTARTING);
	he_fire_retry(w);
	he_ready(w, "b");
	assert_string_equal(he_take(w, ACTS), "spawn b");
	assert_int_equal(he_state(w, "b"), CH_RUNNING);
}

/* ---- stop order (rules 2, 3, 16) ---- */

/* Shutdown stops in reverse, one at a time, a nested supervisor's
 * children before the next sibling, then finishes with 0. */
static void
test_engine_shutdown_reverse_one_at_a_time(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", "") "," WK("y", "")) ","
	    WK("b", "")));
	engine_shutdown(&w->e);
	assert_string_equal(he_take(w, ACTS), "kill b TERM");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill sub/y TERM; died sub/y; kill sub/x TERM; "
	    "died sub/x; kill a TERM; died a; finish 0 shut down");
}

/* brutal_kill: KILL at once; N: stop signal, timer N, KILL on timeout;
 * infinity: no timer; stop_signal honoured. */
static void
test_engine_shutdown_kinds(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "",
	    WK("a", ",'shutdown':'brutal_kill'") ","
	    WK("b", ",'shutdown':2000") ","
	    WK("c", ",'shutdown':'infinity'") ","
	    WK("d", ",'stop_signal':'INT'")));
	engine_shutdown(&w->e);
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "timer d 5000; kill d INT");
	he_death(w);
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "died d; kill c TERM");
	he_death(w);
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "died c; timer b 2000; kill b TERM");
	assert_true(he_fire_timer(w));
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "kill b KILL");
	he_death(w);
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "died b; kill a KILL");
	he_death(w);
	assert_string_equal(he_take(w, "kill timer died finish"),
	    "died a; finish 0 shut down");
	assert_int_equal(w->ntimers, 0);
}

/* A nested supervisor's shutdown timeout kills what is left of it. */
static void
test_engine_shutdown_nested_timeout(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "",
	    SUB("sub", "one_for_one", ",'shutdown':1000",
	    WK("x", "") "," WK("y", "")) ","
	    WK("a", "")));
	engine_shutdown(&w->e);
	he_death(w);
	assert_string_equal(he_take(w, "kill timer died"),
	    "timer a 5000; kill a TERM; died a; timer sub 1000; "
	    "timer sub/y 5000; kill sub/y TERM");
	assert_true(he_fire_timer(w)); /* sub's */
	he_deaths(w);
	assert_string_equal(he_take(w, "kill died finish"),
	    "kill sub/y KILL; died sub/y; kill sub/x KILL; died sub/x; "
	    "finish 0 shut down");
}

/* During shutdown children that exit are not restarted (rule 16). */
static void
test_engine_shutdown_no_restart(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5",
	    SUB("sub", "one_for_one", "", WK("x", "") "," WK("y", "")) ","
	    WK("a", "") "," WK("b", "")));
	engine_shutdown(&w->e);
	he_die(w, "a", EXIT(3));
	he_die(w, "sub/x", SIGKILL);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "kill b TERM; died a; died sub/x; died b; kill sub/y TERM; "
	    "died sub/y; finish 0 shut down");
}

/* A shutdown while a restart waits for readiness is not blocked. */
static void
test_engine_shutdown_during_restart(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "a")->wait_ready = 1;
	he_die(w, "a", EXIT(3));
	engine_shutdown(&w->e);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died a; spawn a; kill b TERM; died b; kill a TERM; died a; "
	    "finish 0 shut down");
}

/* ---- bystanders (rules 8, 9) ---- */

/* one_for_all: a temporary bystander is stopped and removed. */
static void
test_engine_one_for_all_temporary_bystander(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    WK("t", TEMPORARY) "," WK("b", "")));
	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill t TERM; died t; kill a TERM; died a; spawn a; "
	    "spawn b");
	assert_null(tree_find(w->root, "t"));
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
	assert_int_equal(he_state(w, "b"), CH_RUNNING);
}

/* rest_for_one: those before keep their PIDs, a temporary after is
 * stopped and removed. */
static void
test_engine_rest_for_one_temporary_bystander(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ROOT("rest_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("t", TEMPORARY) "," WK("c", "")));
	pa = he_pid(w, "a");
	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill c TERM; died c; kill t TERM; died t; spawn b; "
	    "spawn c");
	assert_null(tree_find(w->root, "t"));
	assert_int_equal(he_pid(w, "a"), pa);
}

/* one_for_all starts children that were not running: a transient that
 * exited normally and one stopped by command. */
static void
test_engine_one_for_all_restarts_not_running(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    WK("tr", TRANSIENT) "," WK("s", "") "," WK("b", "")));
	he_die(w, "tr", EXIT(0));
	assert_string_equal(he_cmd(w, engine_cmd_stop, "s"), "ok");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS), "died tr; kill s TERM; died s");
	assert_int_equal(he_state(w, "tr"), CH_EXITED);
	assert_int_equal(he_state(w, "s"), CH_STOPPED);

	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill a TERM; died a; spawn a; spawn tr; spawn s; "
	    "spawn b");
	assert_int_equal(he_state(w, "tr"), CH_RUNNING);
	assert_int_equal(he_state(w, "s"), CH_RUNNING);
}

/* A bystander that dies by itself before it is signalled is part of the
 * group restart, not a second restart. */
static void
test_engine_group_restart_absorbs_bystander_exit(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':1", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_die(w, "c", EXIT(3));
	assert_string_equal(he_take(w, ACTS), "died c; kill b TERM");
	he_die(w, "a", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died a; child.exited a exit:3; died b; spawn a; spawn b; "
	    "spawn c");
	assert_false(w->finished);
}

/* ---- intensity (rules 5-7) ---- */

/* A permanent child's exit 0 counts: the second one within the period
 * exceeds intensity 1. */
static void
test_engine_intensity_counts_normal_exit(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':1", WK("a", "") ","
	    WK("b", "")));
	he_die(w, "a", EXIT(0));
	assert_string_equal(he_take(w, ACTS), "died a; spawn a");
	w->now += 10;
	he_die(w, "a", EXIT(0));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died a; child.exited a normal; "
	    "supervisor.gave_up (root) intensity 1 in 5000 ms; "
	    "kill b TERM; died b; "
	    "finish 1 the root supervisor reached its restart intensity "
	    "and gave up");
}

/* One death under one_for_all / rest_for_one restarts several children
 * but counts once. */
static void
group_counts_once(struct he_world *w, const char *json)
{
	he_boot(w, json);
	he_die(w, "a", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died a; kill c TERM; died c; kill b TERM; died b; spawn a; "
	    "spawn b; spawn c");
	assert_false(w->finished);
	w->now += 10;
	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn supervisor.gave_up finish"),
	    "supervisor.gave_up (root) intensity 1 in 5000 ms; finish 1 the "
	    "root supervisor reached its restart intensity and gave up");
}

static void
test_engine_intensity_group_counts_once(void **state)
{
	group_counts_once(*state, ROOT("one_for_all", ",'intensity':1",
	    WK("a", "") "," WK("b", "") "," WK("c", "")));
}

static void
test_engine_intensity_rest_for_one_counts_once(void **state)
{
	group_counts_once(*state, ROOT("rest_for_one", ",'intensity':1",
	    WK("a", "") "," WK("b", "") "," WK("c", "")));
}

/* intensity 0 gives up at the first restart: the others stop in reverse,
 * the dead one is not restarted, herdd exits 1. */
static void
test_engine_intensity_zero_gives_up(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_die(w, "b", SIGKILL);
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn kill died finish "
	    "supervisor.gave_up"),
	    "died b; supervisor.gave_up (root) intensity 0 in 5000 ms; "
	    "kill c TERM; died c; kill a TERM; died a; finish 1 the root "
	    "supervisor reached its restart intensity and gave up");
}

/* Restarts older than period_ms do not count; one exactly period_ms old
 * does (OTP keeps times >= now - period). */
static void
test_engine_intensity_period_window(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':1,'period_ms':1000",
	    WK("a", "")));
	he_die(w, "a", EXIT(3));
	w->now += 1001;
	he_die(w, "a", EXIT(3));
	assert_string_equal(he_take(w, ACTS),
	    "died a; spawn a; died a; spawn a");
	w->now += 1000;
	he_die(w, "a", EXIT(3));
	assert_string_equal(he_take(w, ACTS),
	    "died a; finish 1 the root supervisor reached its restart "
	    "intensity and gave up");
}

/* ---- escalation (rule 11) ---- */

#define ESCALATION(restart) \
	ROOT("one_for_one", ",'intensity':1", WK("a", "") "," \
	    SUB("sub", "one_for_one", ",'intensity':0" restart, \
	    WK("x", "") "," WK("y", "")))

/* A permanent nested supervisor that gives up is restarted with fresh
 * children, counting in its parent's intensity; the parent exceeding it
 * gives up in turn. */
static void
test_engine_escalation_permanent(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ESCALATION(""));
	pa = he_pid(w, "a");
	he_die(w, "sub/x", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died sub/x; child.exited sub/x exit:3; "
	    "supervisor.gave_up sub intensity 0 in 5000 ms; "
	    "kill sub/y TERM; died sub/y; child.exited sub shutdown; "
	    "spawn sub/x; spawn sub/y");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	assert_int_equal(he_state(w, "sub/x"), CH_RUNNING);
	assert_int_equal(he_pid(w, "a"), pa);

	w->now += 10;
	he_die(w, "sub/y", SIGKILL);
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died sub/y; child.exited sub/y signal:KILL; "
	    "supervisor.gave_up sub intensity 0 in 5000 ms; "
	    "kill sub/x TERM; died sub/x; child.exited sub shutdown; "
	    "supervisor.gave_up (root) intensity 1 in 5000 ms; "
	    "kill a TERM; died a; "
	    "finish 1 the root supervisor reached its restart intensity "
	    "and gave up");
}

/* A transient nested supervisor that gives up is not restarted. */
static void
test_engine_escalation_transient(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ESCALATION(TRANSIENT));
	pa = he_pid(w, "a");
	he_die(w, "sub/y", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died sub/y; kill sub/x TERM; died sub/x");
	assert_int_equal(he_state(w, "sub"), CH_EXITED);
	assert_int_equal(he_pid(w, "a"), pa);
	assert_false(w->finished);
}

/* A temporary nested supervisor that gives up is removed. */
static void
test_engine_escalation_temporary(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ESCALATION(TEMPORARY));
	he_die(w, "sub/y", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died sub/y; kill sub/x TERM; died sub/x");
	assert_null(tree_find(w->root, "sub"));
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
	assert_false(w->finished);
}

/* ---- failed restarts (rule 10) ---- */

/* one_for_one: the child shows restarting and is retried until it
 * starts. */
static void
test_engine_failed_restart_one_for_one(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "")));
	pa = he_pid(w, "a");
	he_knob(w, "b")->fail_next = 2;
	he_die(w, "b", EXIT(3));
	assert_string_equal(he_take(w, SUPS),
	    "died b; child.exited b exit:3; spawn b failed; retry b 0");
	assert_int_equal(he_state(w, "b"), CH_RESTARTING);
	assert_int_equal(he_pid(w, "b"), 0);
	assert_true(he_fire_retry(w));
	assert_string_equal(he_take(w, SUPS), "spawn b failed; retry b 0");
	assert_true(he_fire_retry(w));
	assert_string_equal(he_take(w, SUPS), "spawn b");
	assert_int_equal(he_state(w, "b"), CH_RUNNING);
	assert_int_equal(he_pid(w, "a"), pa);
	assert_false(he_fire_retry(w));
}

/* Each failed try counts: intensity 2 gives up at the second retry. */
static void
test_engine_failed_restart_gives_up(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':2", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "b")->fail_next = 100;
	he_die(w, "b", EXIT(3));
	he_fire_retry(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; spawn b failed; spawn b failed");
	he_fire_retry(w);
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn kill died finish "
	    "supervisor.gave_up"),
	    "supervisor.gave_up (root) intensity 2 in 5000 ms; kill a TERM; "
	    "died a; finish 1 the root supervisor reached its restart "
	    "intensity and gave up");
}

/* one_for_all: the round stops at the failing child; the retry stops
 * the restarted ones again and restarts the whole group. */
static void
test_engine_failed_restart_one_for_all(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_knob(w, "b")->fail_next = 1;
	he_die(w, "c", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died c; child.exited c exit:3; kill b TERM; died b; "
	    "kill a TERM; died a; spawn a; spawn b failed; retry b 0");
	assert_int_equal(he_state(w, "b"), CH_RESTARTING);
	assert_int_equal(he_pid(w, "c"), 0);
	he_fire_retry(w);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "kill a TERM; died a; spawn a; spawn b; spawn c");
	assert_int_equal(he_state(w, "c"), CH_RUNNING);
}

/* rest_for_one: the retry restarts from the failing child on; those
 * before it are not restarted again. */
static void
test_engine_failed_restart_rest_for_one(void **state)
{
	struct he_world *w = *state;
	pid_t pa, pb;

	he_boot(w, ROOT("rest_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "") "," WK("d", "")));
	pa = he_pid(w, "a");
	he_knob(w, "c")->fail_next = 1;
	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died b; child.exited b exit:3; kill d TERM; died d; "
	    "kill c TERM; died c; spawn b; spawn c failed; retry c 0");
	pb = he_pid(w, "b");
	he_fire_retry(w);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS), "spawn c; spawn d");
	assert_int_equal(he_pid(w, "a"), pa);
	assert_int_equal(he_pid(w, "b"), pb);
}

/* Stop by command ends the retries, without counting. */
static void
test_engine_failed_restart_stop_ends_retries(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':1", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "b")->fail_next = 100;
	he_die(w, "b", EXIT(3));
	assert_int_equal(he_state(w, "b"), CH_RESTARTING);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_int_equal(he_state(w, "b"), CH_STOPPED);
	he_fire_retry(w);
	assert_string_equal(he_take(w, ACTS), "died b; spawn b failed");
	he_knob(w, "b")->fail_next = 0;
	assert_string_equal(he_cmd(w, engine_cmd_start, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn b");
	assert_int_equal(he_state(w, "b"), CH_RUNNING);
	assert_false(w->finished);
}

/* A shutdown is not blocked by a retry loop. */
static void
test_engine_failed_restart_shutdown(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "b")->fail_next = 100;
	he_die(w, "b", EXIT(3));
	he_forget_log(w);
	engine_shutdown(&w->e);
	he_deaths(w);
	he_fire_retry(w);
	assert_string_equal(he_take(w, ACTS),
	    "kill a TERM; died a; finish 0 shut down");
}

/* ---- auto-shutdown (rule 15) ---- */

#define AUTO_SUB(mode, extra, children) \
	ROOT("one_for_one", ",'intensity':5", WK("a", "") "," \
	    SUB("sub", "one_for_one", ",'restart':'transient'," \
	    "'intensity':5,'auto_shutdown':'" mode "'" extra, children))
#define SIGNIFICANT(restart) ",'restart':'" restart "','significant':true"

/* any_significant: a significant child ending by itself, not restarted,
 * shuts the supervisor down. */
static void
test_engine_auto_any_significant(void **state)
{
	struct he_world *w = *state;

	he_boot(w, AUTO_SUB("any_significant", "", WK("x", "") ","
	    WK("j", SIGNIFICANT("transient"))));
	he_die(w, "sub/j", EXIT(0));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died sub/j; child.exited sub/j normal; kill sub/x TERM; "
	    "died sub/x; child.exited sub shutdown");
	assert_int_equal(he_state(w, "sub"), CH_EXITED);
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
}

/* all_significant: only when the last significant child has ended. */
static void
test_engine_auto_all_significant(void **state)
{
	struct he_world *w = *state;

	he_boot(w, AUTO_SUB("all_significant", "", WK("x", "") ","
	    WK("j1", SIGNIFICANT("transient")) ","
	    WK("j2", SIGNIFICANT("temporary"))));
	he_die(w, "sub/j1", EXIT(0));
	assert_string_equal(he_take(w, ACTS), "died sub/j1");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	he_die(w, "sub/j2", EXIT(5));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died sub/j2; child.exited sub/j2 exit:5; kill sub/x TERM; "
	    "died sub/x; child.exited sub shutdown");
	assert_int_equal(he_state(w, "sub"), CH_EXITED);
}

/* A significant child that is restarted does not end its supervisor. */
static void
test_engine_auto_not_when_restarted(void **state)
{
	struct he_world *w = *state;

	he_boot(w, AUTO_SUB("any_significant", "", WK("x", "") ","
	    WK("j", SIGNIFICANT("transient"))));
	he_die(w, "sub/j", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS), "died sub/j; spawn sub/j");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
}

/* Stopping a significant child by command does not trigger it. */
static void
test_engine_auto_not_by_command(void **state)
{
	struct he_world *w = *state;

	he_boot(w, AUTO_SUB("any_significant", "", WK("x", "") ","
	    WK("j", SIGNIFICANT("temporary"))));
	assert_string_equal(he_cmd(w, engine_cmd_stop, "sub/j"), "ok");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS), "kill sub/j TERM; died sub/j");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	assert_int_equal(he_state(w, "sub/x"), CH_RUNNING);
}

/* Nor does a significant bystander of a group restart. */
static void
test_engine_auto_not_by_bystander(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", SUB("sub", "one_for_all",
	    ",'restart':'transient','intensity':5,"
	    "'auto_shutdown':'any_significant'",
	    WK("j", SIGNIFICANT("temporary")) "," WK("x", ""))));
	he_die(w, "sub/x", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died sub/x; kill sub/j TERM; died sub/j; spawn sub/x");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	assert_null(tree_find(w->root, "sub/j"));
}

/* At the root, an auto-shutdown ends herdd. */
static void
test_engine_auto_at_root(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'auto_shutdown':'any_significant'",
	    WK("a", "") "," WK("j", SIGNIFICANT("temporary"))));
	he_die(w, "j", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn kill died"),
	    "died j; kill a TERM; died a");
	assert_true(w->finished);
}

/* ---- commands ---- */

/* Stop: no restart, no intensity, again is ok; start brings it back. */
static void
test_engine_cmd_stop(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("b", "")));
	pa = he_pid(w, "a");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "kill b TERM");
	he_deaths(w);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "died b");
	assert_int_equal(he_state(w, "b"), CH_STOPPED);
	assert_string_equal(he_cmd(w, engine_cmd_start, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn b");
	assert_int_equal(he_state(w, "b"), CH_RUNNING);
	assert_int_equal(he_pid(w, "a"), pa);
	assert_false(w->finished);
}

/* Start of a running child: already_started, nothing done. */
static void
test_engine_cmd_start_running(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("a", "")));
	assert_string_equal(he_cmd(w, engine_cmd_start, "a"),
	    IPC_E_ALREADY_STARTED);
	assert_string_equal(he_take(w, "*"), "");
}

/* Restart --force (cycle) of a running child: a new PID, not counted
 * (intensity 0). */
static void
test_engine_cmd_cycle_running(void **state)
{
	struct he_world *w = *state;
	pid_t pa;
	int i;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("b", "")));
	for (i = 0; i < 2; i++) {
		pa = he_pid(w, "a");
		assert_string_equal(he_cmd(w, engine_cmd_cycle, "a"), "ok");
		he_deaths(w);
		assert_string_equal(he_take(w, ACTS),
		    "kill a TERM; died a; spawn a");
		assert_int_not_equal(he_pid(w, "a"), pa);
		assert_int_equal(he_state(w, "a"), CH_RUNNING);
	}
	assert_false(w->finished);
}

/* Rule 13: restart by command only for stopped children; running and
 * restarting are errors; a stopped child starts again, uncounted. */
static void
test_engine_cmd_restart_rule13(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "")));
	assert_string_equal(he_cmd(w, engine_cmd_restart, "a"), IPC_E_RUNNING);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "a"), "ok");
	he_deaths(w);
	he_take(w, "*");
	assert_string_equal(he_cmd(w, engine_cmd_restart, "a"), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn a");
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
	assert_false(w->finished);
}

/* Rule 13: delete only a stopped child; its entry is gone. */
static void
test_engine_cmd_delete_rule13(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("a", "") "," WK("b", "")));
	assert_string_equal(he_cmd(w, engine_cmd_delete, "a"), IPC_E_RUNNING);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "a"), "ok");
	he_deaths(w);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "a"), "ok");
	assert_null(tree_find(w->root, "a"));
	assert_non_null(tree_find(w->root, "b"));
}

/* ---- exits while a supervisor is busy ---- */

/* An exit during a one_for_one restart's readiness wait is handled once
 * the restart is done. */
static void
test_engine_exit_while_busy_waits(void **state)
{
	struct he_world *w = *state;
	pid_t pb;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	pb = he_pid(w, "b");
	he_knob(w, "a")->wait_ready = 1;
	he_die(w, "a", EXIT(3));
	he_die(w, "c", EXIT(3));
	assert_string_equal(he_take(w, ACTS), "died a; spawn a; died c");
	assert_int_not_equal(he_state(w, "c"), CH_RUNNING);
	he_ready(w, "a");
	assert_string_equal(he_take(w, ACTS), "spawn c");
	assert_int_equal(he_state(w, "c"), CH_RUNNING);
	assert_int_equal(he_pid(w, "b"), pb);
}


/* ---- more of the same, at the edges ---- */

/* A child that exits before it is ready at boot is a boot failure. */
static void
test_engine_boot_exit_before_ready(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "a")->wait_ready = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") "," WK("b", "")));
	engine_boot(&w->e);
	he_die(w, "a", EXIT(3));
	assert_string_equal(he_take(w, ACTS),
	    "spawn a; died a; finish 1 child a failed to start: "
	    "exited before ready (exit:3)");
}

/* A shutdown during boot stops what started; the rest never starts. */
static void
test_engine_shutdown_during_boot(void **state)
{
	struct he_world *w = *state;

	he_knob(w, "b")->wait_ready = 1;
	he_load(w, ROOT("one_for_one", "", WK("a", "") "," WK("b", "") ","
	    WK("c", "")));
	engine_boot(&w->e);
	engine_shutdown(&w->e);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "spawn a; spawn b; kill b TERM; died b; kill a TERM; died a; "
	    "finish 0 shut down");
}

/* one_for_all: a nested supervisor bystander stops its children in
 * reverse and comes back with fresh ones. */
static void
test_engine_one_for_all_nested_bystander(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5",
	    SUB("sub", "one_for_one", "", WK("x", "") "," WK("y", "")) ","
	    WK("b", "")));
	he_die(w, "b", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill sub/y TERM; died sub/y; kill sub/x TERM; "
	    "died sub/x; spawn sub/x; spawn sub/y; spawn b");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
}

/* A nested supervisor giving up under one_for_all restarts the group. */
static void
test_engine_escalation_one_for_all(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    SUB("sub", "one_for_one", ",'intensity':0",
	    WK("x", "") "," WK("y", "")) "," WK("b", "")));
	he_die(w, "sub/x", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died sub/x; kill sub/y TERM; died sub/y; kill b TERM; died b; "
	    "kill a TERM; died a; spawn a; spawn sub/x; spawn sub/y; "
	    "spawn b");
}

/* A nested supervisor restarted by its parent that fails to boot is a
 * failed restart of the parent: retried (rules 10, 12). */
static void
test_engine_escalation_restart_fails_then_retried(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ESCALATION(""));
	he_knob(w, "sub/y")->fail_next = 1;
	he_die(w, "sub/x", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, "spawn kill died retry"),
	    "died sub/x; kill sub/y TERM; died sub/y; spawn sub/x; "
	    "spawn sub/y failed; kill sub/x TERM; died sub/x; retry sub 0");
	assert_int_equal(he_state(w, "sub"), CH_RESTARTING);
	/* intensity 1: the escalation and this retry are 2 restarts */
	w->now += 5001;
	assert_true(he_fire_retry(w));
	assert_string_equal(he_take(w, ACTS), "spawn sub/x; spawn sub/y");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	assert_false(w->finished);
}

/* rest_for_one: an exit before the restarted range during a group
 * restart is handled after it, as its own restart. */
static void
test_engine_rest_for_one_exit_before_range(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("rest_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_die(w, "b", EXIT(3));
	he_die(w, "a", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill c TERM; died a; died c; spawn b; spawn c; "
	    "kill c TERM; died c; kill b TERM; died b; spawn a; spawn b; "
	    "spawn c");
}

/* A stop by command during another child's restart is done at once and
 * the plan does not start that child again. */
static void
test_engine_cmd_stop_while_busy(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_knob(w, "a")->wait_ready = 1;
	he_die(w, "a", EXIT(3));
	assert_string_equal(he_cmd(w, engine_cmd_stop, "c"), "ok");
	he_deaths(w);
	he_ready(w, "a");
	assert_string_equal(he_take(w, ACTS),
	    "died a; spawn a; kill c TERM; died c");
	assert_int_equal(he_state(w, "c"), CH_STOPPED);
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
}

/* A stop by command while a restarted child is being killed for not
 * being ready ends the restart: no retry (rule 10). */
static void
test_engine_cmd_stop_during_ready_timeout(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("b", "")));
	he_knob(w, "b")->wait_ready = 1;
	he_die(w, "b", EXIT(3));
	engine_child_start_failed(&w->e, he_find(w, "b"), "not ready");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	he_deaths(w);
	he_fire_retry(w);
	assert_string_equal(he_take(w, "spawn kill died retry"),
	    "died b; spawn b; kill b KILL; died b");
	assert_int_equal(he_state(w, "b"), CH_STOPPED);
}

/* A transient child that exited normally can be started by command; a
 * temporary one stopped by command is removed. */
static void
test_engine_cmd_start_exited_stop_temporary(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("tr", TRANSIENT) ","
	    WK("t", TEMPORARY)));
	he_die(w, "tr", EXIT(0));
	assert_string_equal(he_cmd(w, engine_cmd_start, "tr"), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "t"), "ok");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died tr; spawn tr; kill t TERM; died t");
	assert_int_equal(he_state(w, "tr"), CH_RUNNING);
	assert_null(tree_find(w->root, "t"));
}

/* The restart times are kept as a window that slides and grows: with
 * intensity 5 in 1000 ms, the 6th restart within 1000 ms gives up. */
static void
test_engine_intensity_window_grows(void **state)
{
	struct he_world *w = *state;
	static const unsigned at[] = { 0, 300, 600, 900, 1200, 1250 };
	size_t i;

	he_boot(w, ROOT("one_for_one", ",'intensity':5,'period_ms':1000",
	    WK("a", "")));
	for (i = 0; i < sizeof at / sizeof at[0]; i++) {
		w->now = T0 + at[i];
		he_die(w, "a", EXIT(3));
		assert_string_equal(he_take(w, ACTS), "died a; spawn a");
	}
	w->now = T0 + 1300;
	he_die(w, "a", EXIT(3));
	assert_string_equal(he_take(w, "spawn supervisor.gave_up"),
	    "supervisor.gave_up (root) intensity 5 in 1000 ms");
	assert_true(w->finished);
}

/* A group restart starts one child at a time, each once the previous is
 * ready (rule 1 holds for restarts too). */
static void
test_engine_group_restart_waits_for_ready(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    WK("b", "") "," WK("c", "")));
	he_knob(w, "a")->wait_ready = 1;
	he_die(w, "c", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died c; kill b TERM; died b; kill a TERM; died a; spawn a");
	he_ready(w, "a");
	assert_string_equal(he_take(w, ACTS), "spawn b; spawn c");
}

/* Nothing happens after the root has finished. */
static void
test_engine_nothing_after_finish(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("b", "")));
	he_die(w, "a", EXIT(3));
	he_deaths(w);
	assert_true(w->finished);
	he_forget_log(w);
	engine_shutdown(&w->e);
	assert_string_equal(he_cmd(w, engine_cmd_start, "a"),
	    IPC_E_SHUTTING_DOWN);
	assert_string_equal(he_take(w, "*"), "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, he_setup, he_teardown)

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		T(test_engine_boot_waits_for_ready),
		T(test_engine_boot_failure_stops_started),
		T(test_engine_boot_failure_nested),
		T(test_engine_ready_timeout_at_boot),
		T(test_engine_ready_timeout_on_restart),
		T(test_engine_shutdown_reverse_one_at_a_time),
		T(test_engine_shutdown_kinds),
		T(test_engine_shutdown_nested_timeout),
		T(test_engine_shutdown_no_restart),
		T(test_engine_shutdown_during_restart),
		T(test_engine_one_for_all_temporary_bystander),
		T(test_engine_rest_for_one_temporary_bystander),
		T(test_engine_one_for_all_restarts_not_running),
		T(test_engine_group_restart_absorbs_bystander_exit),
		T(test_engine_intensity_counts_normal_exit),
		T(test_engine_intensity_group_counts_once),
		T(test_engine_intensity_rest_for_one_counts_once),
		T(test_engine_intensity_zero_gives_up),
		T(test_engine_intensity_period_window),
		T(test_engine_escalation_permanent),
		T(test_engine_escalation_transient),
		T(test_engine_escalation_temporary),
		T(test_engine_failed_restart_one_for_one),
		T(test_engine_failed_restart_gives_up),
		T(test_engine_failed_restart_one_for_all),
		T(test_engine_failed_restart_rest_for_one),
		T(test_engine_failed_restart_stop_ends_retries),
		T(test_engine_failed_restart_shutdown),
		T(test_engine_auto_any_significant),
		T(test_engine_auto_all_significant),
		T(test_engine_auto_not_when_restarted),
		T(test_engine_auto_not_by_command),
		T(test_engine_auto_not_by_bystander),
		T(test_engine_auto_at_root),
		T(test_engine_cmd_stop),
		T(test_engine_cmd_start_running),
		T(test_engine_cmd_cycle_running),
		T(test_engine_cmd_restart_rule13),
		T(test_engine_cmd_delete_rule13),
		T(test_engine_exit_while_busy_waits),
		T(test_engine_boot_exit_before_ready),
		T(test_engine_shutdown_during_boot),
		T(test_engine_one_for_all_nested_bystander),
		T(test_engine_escalation_one_for_all),
		T(test_engine_escalation_restart_fails_then_retried),
		T(test_engine_rest_for_one_exit_before_range),
		T(test_engine_cmd_stop_while_busy),
		T(test_engine_cmd_stop_during_ready_timeout),
		T(test_engine_cmd_start_exited_stop_temporary),
		T(test_engine_intensity_window_grows),
		T(test_engine_group_restart_waits_for_ready),
		T(test_engine_nothing_after_finish),
	};
	struct CMUnitTest tests[sizeof fixed / sizeof fixed[0] + NMATRIX];
	size_t i, s, r, x, n = 0;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		tests[n++] = fixed[i];
	/* One test per strategy x restart type x exit reason. */
	i = 0;
	for (s = 0; s < NSTRAT; s++)
		for (r = 0; r < NREST; r++)
			for (x = 0; x < NREASON; x++, i++) {
				struct matrix_case *mc = &matrix[i];
				mc->strategy = &strategies[s];
				mc->restart = restarts[r];
				mc->reason = &reasons[x];
				snprintf(mc->name, sizeof mc->name,
				    "test_engine_strategy_matrix/%s/%s/%s",
				    strategies[s].name, restarts[r],
				    reasons[x].name);
				tests[n] = (struct CMUnitTest)
				    cmocka_unit_test_prestate_setup_teardown(
				    test_engine_strategy_matrix, he_setup,
				    he_teardown, mc);
				tests[n++].name = mc->name;
			}
	return _cmocka_run_group_tests("engine", tests, n, NULL, NULL);
}
