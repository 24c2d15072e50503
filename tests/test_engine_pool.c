/* Tests of engine-cmd.c on the recorded fake world (harness_engine.c):
 * pools (SEMANTICS.md rule 14, test_engine_pool_*) and children added,
 * deleted and terminated at runtime (rule 13, test_engine_runtime_*). */

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

/* A root with a worker a, then a pool of template w (restart EXTRA), then
 * a worker b. */
#define POOL(pool_extra, extra) \
	ROOT("one_for_one", ",'intensity':5", WK("a", "") "," \
	    SUB("pool", "simple_one_for_one", pool_extra, WK("w", extra)) \
	    "," WK("b", ""))

/* A NULL-terminated argv of the given words, on the heap as the engine
 * takes it. */
static char **
words(const char *first, ...)
{
	char **v = calloc(8, sizeof *v);
	const char *s;
	va_list ap;
	size_t n = 0;

	assert_non_null(v);
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		assert_true(n < 7);
		v[n] = strdup(s);
		assert_non_null(v[n++]);
	}
	va_end(ap);
	return v;
}

static void
words_free(char **v)
{
	char **p;

	for (p = v; p != NULL && *p != NULL; p++)
		free(*p);
	free(v);
}

/* engine_cmd_spawn on POOL with ARGS (taken): "ok" (and *out, if asked)
 * or the error code. */
static const char *
spawn(struct he_world *w, const char *pool, char **args, struct child **out)
{
	struct child *c = NULL;
	const char *code = NULL;
	char cause[256];

	if (engine_cmd_spawn(&w->e, he_find(w, pool), NULL, args, NULL, &c, &code,
	    cause,
	    sizeof cause) == 0) {
		assert_non_null(c);
		if (out != NULL)
			*out = c;
		return "ok";
	}
	words_free(args);
	assert_non_null(code);
	assert_null(c);
	return code;
}

/* engine_cmd_add of the child SQ (' for ") to supervisor SUP: "ok" or the
 * error code. */
static const char *
add(struct he_world *w, const char *sup, const char *sq)
{
	struct conf_errors errs = { NULL, 0 };
	struct conf_child *spec;
	struct child *c = NULL;
	const char *code = NULL;
	char cause[256], *text = strdup(sq), *p;

	assert_non_null(text);
	for (p = text; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	if (conf_child_parse("child", text, strlen(text), &spec, &errs) != 0) {
		conf_errors_clear(&errs);
		free(text);
		fail_msg("bad test child %s", sq);
	}
	free(text);
	if (engine_cmd_add(&w->e, he_find(w, sup), spec, &c, &code, cause,
	    sizeof cause) == 0)
		return "ok";
	conf_child_free(spec);
	assert_non_null(code);
	return code;
}

static size_t
ninstances(struct he_world *w, const char *pool)
{
	return he_find(w, pool)->sup->n;
}

/* The recorded restart times of supervisor PATH within its period. */
static size_t
counted(struct he_world *w, const char *path)
{
	return he_find(w, path)->sup->r_len;
}

/* ---- pools (rule 14) ---- */

/* No instance at boot: the pool is running with no children. */
static void
test_engine_pool_no_instances_at_boot(void **state)
{
	struct he_world *w = *state;

	he_load(w, POOL("", ""));
	engine_boot(&w->e);
	assert_string_equal(he_take(w, ACTS " child.started herd.started"),
	    "spawn a; child.started a; child.started pool; spawn b; "
	    "child.started b; herd.started (root)");
	assert_int_equal(he_state(w, "pool"), CH_RUNNING);
	assert_int_equal(ninstances(w, "pool"), 0);
	assert_null(tree_find(w->root, "pool/w"));
}

/* Each spawn starts instance pool/1, pool/2, ... with its arguments. */
static void
test_engine_pool_spawn_names_instances(void **state)
{
	struct he_world *w = *state;
	struct child *c1 = NULL, *c2 = NULL;

	he_boot(w, POOL("", ""));
	assert_string_equal(spawn(w, "pool", words("--port", "8001", NULL),
	    &c1), "ok");
	assert_string_equal(he_take(w, ACTS " child.*"),
	    "child.starting pool/1; spawn pool/1; child.started pool/1");
	assert_string_equal(c1->path, "pool/1");
	assert_ptr_equal(tree_find(w->root, "pool/1"), c1);
	assert_int_equal(c1->state, CH_RUNNING);
	assert_non_null(c1->extra_argv);
	assert_string_equal(c1->extra_argv[0], "--port");
	assert_string_equal(c1->extra_argv[1], "8001");
	assert_null(c1->extra_argv[2]);

	assert_string_equal(spawn(w, "pool", NULL, &c2), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn pool/2");
	assert_string_equal(c2->path, "pool/2");
	assert_null(c2->extra_argv);
	assert_int_equal(ninstances(w, "pool"), 2);
	assert_int_not_equal(c1->pid, c2->pid);
}

/* Spawn is refused on what is not a pool, and add_child on a pool. */
static void
test_engine_pool_spawn_only_pools(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", "")) ","
	    SUB("pool", "simple_one_for_one", "", WK("w", ""))));
	assert_string_equal(spawn(w, "sub", words("x", NULL), NULL),
	    IPC_E_REFUSED);
	assert_string_equal(spawn(w, "", NULL, NULL), IPC_E_REFUSED);
	assert_string_equal(spawn(w, "a", NULL, NULL), IPC_E_REFUSED);
	assert_string_equal(add(w, "pool", WK("w2", "")), IPC_E_REFUSED);
	assert_string_equal(he_take(w, "*"), "");
	assert_int_equal(ninstances(w, "pool"), 0);
}

/* max_instances: a spawn past it is refused and starts nothing; once an
 * instance is gone there is room again. */
static void
test_engine_pool_max_instances(void **state)
{
	struct he_world *w = *state;
	struct child *c = NULL;

	he_boot(w, POOL(",'max_instances':2", ""));
	assert_string_equal(spawn(w, "pool", words("1", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	he_forget_log(w);
	assert_string_equal(spawn(w, "pool", words("3", NULL), NULL),
	    IPC_E_REFUSED);
	assert_string_equal(he_take(w, "*"), "");
	assert_int_equal(ninstances(w, "pool"), 2);

	assert_string_equal(he_cmd(w, engine_cmd_stop, "pool/1"), "ok");
	he_deaths(w);
	assert_int_equal(ninstances(w, "pool"), 1);
	he_forget_log(w);
	assert_string_equal(spawn(w, "pool", words("4", NULL), &c), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn pool/3");
	assert_string_equal(c->extra_argv[0], "4");
	assert_int_equal(ninstances(w, "pool"), 2);
}

/* A permanent instance that crashes is restarted with the same arguments,
 * in place, and the restart counts in the pool's intensity (not the
 * root's); its siblings keep running. */
static void
test_engine_pool_crash_restarted_same_args(void **state)
{
	struct he_world *w = *state;
	struct child *c1 = NULL, *c2 = NULL;
	pid_t p1, p2;

	he_boot(w, POOL(",'intensity':5", ""));
	assert_string_equal(spawn(w, "pool", words("-n", "one", NULL), &c1),
	    "ok");
	assert_string_equal(spawn(w, "pool", words("-n", "two", NULL), &c2),
	    "ok");
	p1 = c1->pid;
	p2 = c2->pid;
	he_forget_log(w);

	he_die(w, "pool/1", SIGKILL);
	assert_string_equal(he_take(w, SUPS),
	    "died pool/1; child.exited pool/1 signal:KILL; spawn pool/1");
	assert_ptr_equal(tree_find(w->root, "pool/1"), c1);
	assert_int_equal(c1->state, CH_RUNNING);
	assert_int_not_equal(c1->pid, p1);
	assert_non_null(c1->extra_argv);
	assert_string_equal(c1->extra_argv[0], "-n");
	assert_string_equal(c1->extra_argv[1], "one");
	assert_null(c1->extra_argv[2]);
	assert_int_equal(c1->restarts, 1);
	assert_int_equal(c2->pid, p2);
	assert_int_equal(counted(w, "pool"), 1);
	assert_int_equal(counted(w, ""), 0);

	/* exit 0 of a permanent instance: restarted too, and counted */
	w->now += 10;
	he_die(w, "pool/2", EXIT(0));
	assert_string_equal(he_take(w, ACTS), "died pool/2; spawn pool/2");
	assert_string_equal(c2->extra_argv[1], "two");
	assert_int_equal(counted(w, "pool"), 2);
	assert_int_equal(ninstances(w, "pool"), 2);
}

/* A transient instance that exits normally is removed; one that crashes
 * is restarted with its arguments. */
static void
test_engine_pool_transient(void **state)
{
	struct he_world *w = *state;
	struct child *c2 = NULL;

	he_boot(w, POOL("", TRANSIENT));
	assert_string_equal(spawn(w, "pool", words("a1", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("a2", NULL), &c2), "ok");
	he_forget_log(w);

	he_die(w, "pool/1", EXIT(0));
	assert_string_equal(he_take(w, ACTS " release"),
	    "died pool/1; release pool/1");
	assert_null(tree_find(w->root, "pool/1"));
	assert_int_equal(ninstances(w, "pool"), 1);

	he_die(w, "pool/2", EXIT(3));
	assert_string_equal(he_take(w, ACTS " release"),
	    "died pool/2; spawn pool/2");
	assert_ptr_equal(tree_find(w->root, "pool/2"), c2);
	assert_string_equal(c2->extra_argv[0], "a2");

	/* SIGTERM from someone else is shutdown, a normal reason */
	he_die(w, "pool/2", SIGTERM);
	assert_string_equal(he_take(w, ACTS " release"),
	    "died pool/2; release pool/2");
	assert_int_equal(ninstances(w, "pool"), 0);
	assert_false(w->finished);
}

/* A temporary instance is removed whatever its exit. */
static void
test_engine_pool_temporary(void **state)
{
	struct he_world *w = *state;

	he_boot(w, POOL(",'intensity':0", TEMPORARY));
	assert_string_equal(spawn(w, "pool", words("x", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("y", NULL), NULL), "ok");
	he_forget_log(w);
	he_die(w, "pool/1", EXIT(3));
	he_die(w, "pool/2", SIGKILL);
	assert_string_equal(he_take(w, SUPS " release"),
	    "died pool/1; child.exited pool/1 exit:3; release pool/1; "
	    "died pool/2; child.exited pool/2 signal:KILL; "
	    "release pool/2");
	assert_int_equal(ninstances(w, "pool"), 0);
	assert_int_equal(he_state(w, "pool"), CH_RUNNING);
	assert_int_equal(counted(w, "pool"), 0);
}

/* Stop (terminate) of an instance stops it per its shutdown, without a
 * restart or intensity, and removes it; the others keep running. */
static void
test_engine_pool_stop_instance(void **state)
{
	struct he_world *w = *state;
	struct child *c1 = NULL, *c3 = NULL;
	pid_t p1, p3;

	he_boot(w, POOL(",'intensity':0", ""));
	assert_string_equal(spawn(w, "pool", words("1", NULL), &c1), "ok");
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("3", NULL), &c3), "ok");
	p1 = c1->pid;
	p3 = c3->pid;
	he_forget_log(w);

	assert_string_equal(he_cmd(w, engine_cmd_stop, "pool/2"), "ok");
	assert_string_equal(he_take(w, "kill timer"),
	    "timer pool/2 5000; kill pool/2 TERM");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS " child.* release"),
	    "died pool/2; child.stopped pool/2 shutdown; release pool/2");
	assert_null(tree_find(w->root, "pool/2"));
	assert_int_equal(ninstances(w, "pool"), 2);
	assert_int_equal(c1->pid, p1);
	assert_int_equal(c3->pid, p3);
	assert_int_equal(counted(w, "pool"), 0);
	assert_false(w->finished);
}

/* An instance that crashes while the pool waits for another one to be
 * ready is restarted once that start is done. */
static void
test_engine_pool_crash_while_spawning(void **state)
{
	struct he_world *w = *state;
	struct child *c1 = NULL;

	he_boot(w, POOL("", ""));
	assert_string_equal(spawn(w, "pool", words("1", NULL), &c1), "ok");
	he_knob(w, "pool/2")->wait_ready = 1;
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	he_forget_log(w);
	he_die(w, "pool/1", EXIT(3));
	assert_string_equal(he_take(w, ACTS), "died pool/1");
	he_ready(w, "pool/2");
	assert_string_equal(he_take(w, ACTS), "spawn pool/1");
	assert_ptr_equal(tree_find(w->root, "pool/1"), c1);
	assert_string_equal(c1->extra_argv[0], "1");
	assert_int_equal(he_state(w, "pool/2"), CH_RUNNING);
}

/* A shutdown signals every instance of a pool at once, before any dies,
 * and the pool is stopped only when the last one is dead; siblings stop
 * one at a time around it (rule 2). */
static void
test_engine_pool_shutdown_all_at_once(void **state)
{
	struct he_world *w = *state;

	he_boot(w, POOL("", ""));
	assert_string_equal(spawn(w, "pool", words("1", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("3", NULL), NULL), "ok");
	he_forget_log(w);

	engine_shutdown(&w->e);
	assert_string_equal(he_take(w, ACTS), "kill b TERM");
	assert_true(he_death(w));
	assert_string_equal(he_take(w, ACTS),
	    "died b; kill pool/3 TERM; kill pool/2 TERM; kill pool/1 TERM");
	assert_true(he_death(w));
	assert_string_equal(he_take(w, ACTS " child.stopped"),
	    "died pool/3; child.stopped pool/3 shutdown");
	assert_int_equal(he_state(w, "pool"), CH_STOPPING);
	assert_true(he_death(w));
	assert_string_equal(he_take(w, ACTS), "died pool/2");
	assert_true(he_death(w));
	assert_string_equal(he_take(w, ACTS " child.stopped"),
	    "died pool/1; child.stopped pool/1 shutdown; "
	    "child.stopped pool shutdown; kill a TERM");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS), "died a; finish 0 shut down");
}

/* Stopping the pool by command: the same, and its instances are gone
 * (a start brings it back empty). */
static void
test_engine_pool_stop_pool(void **state)
{
	struct he_world *w = *state;

	he_boot(w, POOL("", ""));
	assert_string_equal(spawn(w, "pool", words("1", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	he_forget_log(w);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "pool"), "ok");
	assert_string_equal(he_take(w, ACTS),
	    "kill pool/2 TERM; kill pool/1 TERM");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS " child.stopped"),
	    "died pool/2; child.stopped pool/2 shutdown; died pool/1; "
	    "child.stopped pool/1 shutdown; child.stopped pool shutdown");
	assert_int_equal(he_state(w, "pool"), CH_STOPPED);
	assert_int_equal(ninstances(w, "pool"), 0);
	assert_string_equal(he_cmd(w, engine_cmd_start, "pool"), "ok");
	assert_string_equal(he_take(w, ACTS), "");
	assert_int_equal(he_state(w, "pool"), CH_RUNNING);
	assert_int_equal(ninstances(w, "pool"), 0);
}

/* Restarts of any instances count in one counter: past the pool's
 * intensity it gives up like any supervisor, stops its other instances
 * and exits; its permanent parent restarts it, empty, counting in the
 * parent's intensity; a second time the root gives up. */
static void
test_engine_pool_intensity_escalates(void **state)
{
	struct he_world *w = *state;
	pid_t pa;

	he_boot(w, ROOT("one_for_one", ",'intensity':1", WK("a", "") ","
	    SUB("pool", "simple_one_for_one", ",'intensity':1",
	    WK("w", ""))));
	pa = he_pid(w, "a");
	assert_string_equal(spawn(w, "pool", words("1", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("2", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("3", NULL), NULL), "ok");
	he_forget_log(w);

	he_die(w, "pool/1", SIGKILL);
	assert_string_equal(he_take(w, ACTS), "died pool/1; spawn pool/1");
	w->now += 10;
	he_die(w, "pool/2", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, SUPS),
	    "died pool/2; child.exited pool/2 exit:3; "
	    "supervisor.gave_up pool intensity 1 in 5000 ms; "
	    "kill pool/3 TERM; kill pool/1 TERM; died pool/3; died pool/1; "
	    "child.exited pool shutdown");
	assert_int_equal(he_state(w, "pool"), CH_RUNNING);
	assert_int_equal(ninstances(w, "pool"), 0);
	assert_int_equal(counted(w, ""), 1);
	assert_int_equal(he_pid(w, "a"), pa);
	assert_false(w->finished);

	assert_string_equal(spawn(w, "pool", words("4", NULL), NULL), "ok");
	assert_string_equal(spawn(w, "pool", words("5", NULL), NULL), "ok");
	he_forget_log(w);
	w->now += 10;
	he_die(w, "pool/4", SIGKILL);
	w->now += 10;
	he_die(w, "pool/5", SIGKILL);
	he_deaths(w);
	assert_string_equal(he_take(w, "supervisor.gave_up finish"),
	    "supervisor.gave_up pool intensity 1 in 5000 ms; "
	    "supervisor.gave_up (root) intensity 1 in 5000 ms; "
	    "finish 1 the root supervisor reached its restart intensity "
	    "and gave up");
}

/* ---- children at runtime (rule 13) ---- */

/* add_child appends the child last and starts it; a shutdown then stops
 * it first. */
static void
test_engine_runtime_add_appends_last(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", "", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", "")) "," WK("b", "")));
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	assert_string_equal(he_take(w, ACTS " child.*"),
	    "child.starting c; spawn c; child.started c");
	assert_string_equal(add(w, "sub", WK("y", "")), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn sub/y");
	assert_int_equal(tree_index(he_find(w, "c")), 3);
	assert_int_equal(tree_index(he_find(w, "sub/y")), 1);
	assert_int_equal(he_state(w, "c"), CH_RUNNING);

	engine_shutdown(&w->e);
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "kill c TERM; died c; kill b TERM; died b; kill sub/y TERM; "
	    "died sub/y; kill sub/x TERM; died sub/x; kill a TERM; died a; "
	    "finish 0 shut down");
}

/* A name that exists: already_started if it runs (or is restarting),
 * already_present if it is stopped or exited; nothing is started. */
static void
test_engine_runtime_add_name_taken(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("tr", TRANSIENT) "," WK("r", "")));
	assert_string_equal(add(w, "", WK("a", "")), IPC_E_ALREADY_STARTED);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "a"), "ok");
	he_deaths(w);
	he_die(w, "tr", EXIT(0));
	he_knob(w, "r")->fail_next = 100;
	he_die(w, "r", EXIT(3));
	assert_int_equal(he_state(w, "r"), CH_RESTARTING);
	he_forget_log(w);
	assert_string_equal(add(w, "", WK("a", "")), IPC_E_ALREADY_PRESENT);
	assert_string_equal(add(w, "", WK("tr", "")), IPC_E_ALREADY_PRESENT);
	assert_string_equal(add(w, "", WK("r", "")), IPC_E_ALREADY_STARTED);
	assert_string_equal(he_take(w, "*"), "");
	assert_int_equal(w->root->sup->n, 3);
}

/* A runtime child whose first start fails is dropped: no retry, no
 * intensity, and its name is free again. */
static void
test_engine_runtime_add_start_fails(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "")));
	he_knob(w, "c")->fail_next = 1;
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	assert_string_equal(he_take(w, SUPS " child.start_failed release"),
	    "spawn c failed; child.start_failed c exec x: No such file or "
	    "directory; release c");
	assert_null(tree_find(w->root, "c"));
	assert_int_equal(w->root->sup->n, 1);
	assert_false(he_fire_retry(w));
	assert_false(w->finished);
	assert_int_equal(counted(w, ""), 0);

	/* not ready in time: killed, then dropped the same way */
	he_knob(w, "c")->wait_ready = 1;
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	engine_child_start_failed(&w->e, he_find(w, "c"), "not ready");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS " release"),
	    "spawn c; kill c KILL; died c; release c");
	assert_null(tree_find(w->root, "c"));
	assert_false(w->finished);

	he_knob(w, "c")->wait_ready = 0;
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	assert_string_equal(he_take(w, ACTS), "spawn c");
	assert_int_equal(he_state(w, "c"), CH_RUNNING);
}

/* Delete only a stopped child: running and restarting are errors; a
 * stopped or exited one (from the config or added) is removed. */
static void
test_engine_runtime_delete(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    WK("tr", TRANSIENT) "," WK("r", "")));
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_delete, "a"), IPC_E_RUNNING);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "c"), IPC_E_RUNNING);
	he_knob(w, "r")->fail_next = 100;
	he_die(w, "r", EXIT(3));
	assert_int_equal(he_state(w, "r"), CH_RESTARTING);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "r"),
	    IPC_E_RESTARTING);

	/* stopping: still running */
	assert_string_equal(he_cmd(w, engine_cmd_stop, "a"), "ok");
	assert_int_equal(he_state(w, "a"), CH_STOPPING);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "a"), IPC_E_RUNNING);
	he_deaths(w);
	he_forget_log(w);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "a"), "ok");
	assert_string_equal(he_take(w, "child.* release"),
	    "child.deleted a; release a");
	assert_null(tree_find(w->root, "a"));

	he_die(w, "tr", EXIT(0));
	assert_string_equal(he_cmd(w, engine_cmd_delete, "tr"), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "r"), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_delete, "r"), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "c"), "ok");
	he_deaths(w);
	assert_string_equal(he_cmd(w, engine_cmd_delete, "c"), "ok");
	assert_int_equal(w->root->sup->n, 0);
	assert_false(w->finished);
}

/* Terminate (stop) of a temporary child removes it, without a restart
 * or intensity (intensity 0 would give up at once). */
static void
test_engine_runtime_terminate_temporary(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("t", TEMPORARY)));
	assert_string_equal(he_cmd(w, engine_cmd_stop, "t"), "ok");
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS " child.stopped release"),
	    "kill t TERM; died t; child.stopped t shutdown; release t");
	assert_null(tree_find(w->root, "t"));
	assert_int_equal(he_state(w, "a"), CH_RUNNING);
	assert_false(w->finished);
}

/* Terminate again, while stopping or once stopped: ok, nothing more
 * done; the entry is kept. */
static void
test_engine_runtime_terminate_twice(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':0", WK("a", "") ","
	    WK("b", "")));
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "kill b TERM");
	he_deaths(w);
	assert_string_equal(he_cmd(w, engine_cmd_stop, "b"), "ok");
	assert_string_equal(he_take(w, ACTS), "died b");
	assert_int_equal(he_state(w, "b"), CH_STOPPED);
	assert_non_null(tree_find(w->root, "b"));
	assert_int_equal(counted(w, ""), 0);
	assert_false(w->finished);
}

/* A supervisor that gives up and is restarted by its parent comes back
 * with its config's children only: runtime additions are lost. */
static void
test_engine_runtime_lost_on_escalation(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_one", ",'intensity':5", WK("a", "") ","
	    SUB("sub", "one_for_one", ",'intensity':0", WK("x", ""))));
	assert_string_equal(add(w, "sub", WK("r", "")), "ok");
	he_forget_log(w);
	he_die(w, "sub/x", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died sub/x; kill sub/r TERM; died sub/r; spawn sub/x");
	assert_int_equal(he_state(w, "sub"), CH_RUNNING);
	assert_null(tree_find(w->root, "sub/r"));
	assert_int_equal(he_find(w, "sub")->sup->n, 1);
}

/* The same when it is a bystander of a one_for_all restart. */
static void
test_engine_runtime_lost_as_bystander(void **state)
{
	struct he_world *w = *state;

	he_boot(w, ROOT("one_for_all", ",'intensity':5", WK("a", "") ","
	    SUB("sub", "one_for_one", "", WK("x", ""))));
	assert_string_equal(add(w, "sub", WK("r", "")), "ok");
	assert_string_equal(add(w, "", WK("c", "")), "ok");
	he_forget_log(w);
	he_die(w, "a", EXIT(3));
	he_deaths(w);
	assert_string_equal(he_take(w, ACTS),
	    "died a; kill c TERM; died c; kill sub/r TERM; died sub/r; "
	    "kill sub/x TERM; died sub/x; spawn a; spawn sub/x; spawn c");
	assert_null(tree_find(w->root, "sub/r"));
	/* the root was not restarted by a parent: its addition stays */
	assert_int_equal(he_state(w, "c"), CH_RUNNING);
}

#define T(f) cmocka_unit_test_setup_teardown(f, he_setup, he_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_engine_pool_no_instances_at_boot),
		T(test_engine_pool_spawn_names_instances),
		T(test_engine_pool_spawn_only_pools),
		T(test_engine_pool_max_instances),
		T(test_engine_pool_crash_restarted_same_args),
		T(test_engine_pool_transient),
		T(test_engine_pool_temporary),
		T(test_engine_pool_stop_instance),
		T(test_engine_pool_crash_while_spawning),
		T(test_engine_pool_shutdown_all_at_once),
		T(test_engine_pool_stop_pool),
		T(test_engine_pool_intensity_escalates),
		T(test_engine_runtime_add_appends_last),
		T(test_engine_runtime_add_name_taken),
		T(test_engine_runtime_add_start_fails),
		T(test_engine_runtime_delete),
		T(test_engine_runtime_terminate_temporary),
		T(test_engine_runtime_terminate_twice),
		T(test_engine_runtime_lost_on_escalation),
		T(test_engine_runtime_lost_as_bystander),
	};

	return cmocka_run_group_tests_name("engine_pool", tests, NULL, NULL);
}
