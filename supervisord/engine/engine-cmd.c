/* The engine's commands: start, stop and restart by name, runtime children
 * and pool instances (SEMANTICS.md rules 13 and 14). */
#include <stdio.h>
#include <string.h>

#include "engine-int.h"
#include "herdd.h"
#include "ipc.h"

static int
cmd_error(const char **code, const char *what, char *cause, size_t len,
    const char *fmt, const char *path)
{
	*code = what;
	snprintf(cause, len, fmt, path);
	return -1;
}

/* already_started names the running child's pid, as OTP's
 * {error,{already_started,Pid}} does (rule 13); a supervisor runs inside
 * herdd and has none of its own. */
static int
already_started(const char **code, char *cause, size_t len,
    const struct child *c)
{
	*code = IPC_E_ALREADY_STARTED;
	if (c->pid > 0)
		snprintf(cause, len, "%s is already started (pid %ld)",
		    c->path, (long)c->pid);
	else
		snprintf(cause, len, "%s is already started", c->path);
	return -1;
}

int
engine_cmd_start(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len)
{
	struct sup *s = c->parent;

	if (e->shutting_down || e->finished)
		return cmd_error(code, IPC_E_SHUTTING_DOWN, cause, len,
		    "herdd is shutting down; %s not started", c->path);
	if (s == NULL)
		return cmd_error(code, IPC_E_ALREADY_STARTED, cause, len,
		    "the root supervisor is always running%s", "");
	switch (c->state) {
	case CH_RUNNING:
	case CH_STARTING:
		return already_started(code, cause, len, c);
	case CH_STOPPING:
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "%s is stopping; start it once it has stopped", c->path);
	case CH_RESTARTING:
		return cmd_error(code, IPC_E_RESTARTING, cause, len,
		    "%s is restarting", c->path);
	default:
		break;
	}
	if (engine_busy(s))
		return cmd_error(code, IPC_E_BUSY, cause, len,
		    "the supervisor of %s is busy restarting children; try "
		    "again", c->path);
	s->target = c;
	engine_plan_begin(e, s, PLAN_START_CMD, PLAN_END, PLAN_END, tree_index(c),
	    tree_index(c));
	return 0;
}

/* Stops c by command: no restart, no intensity (rule 13). */
static int
stop_child(struct engine *e, struct child *c, enum stop_why why,
    const char **code, char *cause, size_t len)
{
	struct sup *s = c->parent;

	if (s == NULL)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "the root supervisor stops only with shutdown%s", "");
	if (e->shutting_down || e->finished)
		return cmd_error(code, IPC_E_SHUTTING_DOWN, cause, len,
		    "herdd is shutting down; %s is being stopped", c->path);
	switch (c->state) {
	case CH_STOPPED:
	case CH_EXITED:
		if (why == STOP_RESTART)
			return engine_cmd_start(e, c, code, cause, len);
		if (c->pending != PEND_NONE) {
			engine_queue_scrub(s, c);
			c->pending = PEND_NONE;
		}
		return 0;
	case CH_STOPPING:
		if (why == STOP_RESTART)
			return cmd_error(code, IPC_E_REFUSED, cause, len,
			    "%s is stopping", c->path);
		if (c->start_fail_pending) {
			/* being killed for a ready timeout: its death is now
			 * this stop, not a failed start to retry */
			c->start_fail_pending = 0;
			c->stop_why = why;
			if (engine_busy(s))
				c->held = s->held_any = 1;
		}
		return 0;
	case CH_RESTARTING:
		c->gen++;
		c->state = CH_STOPPED;
		if (c->pending != PEND_NONE) {
			engine_queue_scrub(s, c);
			c->pending = PEND_NONE;
		}
		engine_emit(e, "child.stopped", c, "shutdown");
		if (why == STOP_RESTART)
			return engine_cmd_start(e, c, code, cause, len);
		if ((c->restart == CONF_TEMPORARY ||
		    s->strategy == CONF_SIMPLE_ONE_FOR_ONE) && !engine_busy(s))
			engine_remove(e, c);
		return 0;
	default:
		break;
	}
	if (engine_busy(s)) {
		if (why == STOP_RESTART)
			return cmd_error(code, IPC_E_BUSY, cause, len,
			    "the supervisor of %s is busy restarting children;"
			    " try again", c->path);
		c->held = s->held_any = 1;
		engine_begin_stop(e, c, why);
		return 0;
	}
	s->target = c;
	c->stop_why = why; /* read by plan_stop_why */
	engine_plan_begin(e, s, PLAN_STOP_CMD, tree_index(c), tree_index(c),
	    PLAN_END, PLAN_END);
	return 0;
}

int
engine_cmd_stop(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len)
{
	return stop_child(e, c, STOP_COMMAND, code, cause, len);
}

int
engine_cmd_restart(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len)
{
	if (c->parent == NULL)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "the root supervisor cannot be restarted%s", "");
	switch (c->state) {
	case CH_STARTING:
	case CH_RUNNING:
	case CH_STOPPING:
		return cmd_error(code, IPC_E_RUNNING, cause, len,
		    "%s is running; stop it first (or restart --force)",
		    c->path);
	case CH_RESTARTING:
		return cmd_error(code, IPC_E_RESTARTING, cause, len,
		    "%s is restarting", c->path);
	default:
		return engine_cmd_start(e, c, code, cause, len);
	}
}

int
engine_cmd_cycle(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len)
{
	return stop_child(e, c, STOP_RESTART, code, cause, len);
}

/* Refuses a change of s's children while it executes a plan or herdd
 * stops. */
static int
sup_changeable(struct engine *e, struct sup *s, const char **code,
    char *cause, size_t len)
{
	if (e->shutting_down || e->finished)
		return cmd_error(code, IPC_E_SHUTTING_DOWN, cause, len,
		    "herdd is shutting down%s", "");
	if (engine_busy(s))
		return cmd_error(code, IPC_E_BUSY, cause, len,
		    "supervisor %s is busy restarting children; try again",
		    s->self->path[0] ? s->self->path : "(root)");
	if (s->self->state != CH_RUNNING)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "supervisor %s is not running",
		    s->self->path[0] ? s->self->path : "(root)");
	return 0;
}

/* Starts the new last child of s by command. */
static void
start_new(struct engine *e, struct sup *s, struct child *c)
{
	c->runtime_new = 1;
	s->target = c;
	engine_plan_begin(e, s, PLAN_START_CMD, PLAN_END, PLAN_END, s->n - 1,
	    s->n - 1);
}

int
engine_cmd_add(struct engine *e, struct child *node, struct conf_child *spec,
    struct child **out, const char **code, char *cause, size_t len)
{
	struct sup *s = node->sup;
	struct child *c;

	*out = NULL;
	if (s == NULL)
		return cmd_error(code, IPC_E_BAD_REQUEST, cause, len,
		    "%s is not a supervisor", node->path);
	if (s->strategy == CONF_SIMPLE_ONE_FOR_ONE)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "%s is a pool: use spawn", node->path);
	if ((c = tree_child(s, spec->name)) != NULL) {
		if (engine_alive(c) || c->state == CH_RESTARTING)
			return already_started(code, cause, len, c);
		return cmd_error(code, IPC_E_ALREADY_PRESENT, cause, len,
		    "%s is already present (stopped); start or delete it",
		    c->path);
	}
	if (spec->significant && s->auto_shutdown == CONF_AUTO_NEVER)
		return cmd_error(code, IPC_E_BAD_REQUEST, cause, len,
		    "a significant child needs its supervisor's auto_shutdown "
		    "to be any_significant or all_significant (%s has never)",
		    node->path[0] ? node->path : "the root supervisor");
	if (sup_changeable(e, s, code, cause, len) == -1)
		return -1;
	c = tree_append(s, spec, NULL);
	c->owned_spec = spec;
	*out = c;
	start_new(e, s, c);
	return 0;
}

int
engine_cmd_delete(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len)
{
	if (c->parent == NULL)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "the root supervisor cannot be deleted%s", "");
	switch (c->state) {
	case CH_STARTING:
	case CH_RUNNING:
	case CH_STOPPING:
		return cmd_error(code, IPC_E_RUNNING, cause, len,
		    "%s is running; stop it first", c->path);
	case CH_RESTARTING:
		return cmd_error(code, IPC_E_RESTARTING, cause, len,
		    "%s is restarting; stop it first", c->path);
	default:
		break;
	}
	if (sup_changeable(e, c->parent, code, cause, len) == -1)
		return -1;
	engine_emit(e, "child.deleted", c, NULL);
	engine_remove(e, c);
	return 0;
}

int
engine_cmd_spawn(struct engine *e, struct child *pool, const char *name,
    char **args, const struct run_as *as, struct child **out,
    const char **code, char *cause, size_t len)
{
	struct sup *s = pool->sup;
	char number[16];
	struct child *c;

	*out = NULL;
	if (s == NULL || s->strategy != CONF_SIMPLE_ONE_FOR_ONE ||
	    s->spec->nchildren != 1)
		return cmd_error(code, IPC_E_REFUSED, cause, len,
		    "%s is not a simple_one_for_one pool", pool->path);
	if (s->spec->max_instances > 0 && s->n >= s->spec->max_instances) {
		*code = IPC_E_REFUSED;
		snprintf(cause, len, "pool %s has %zu instances, its "
		    "max_instances", pool->path, s->n);
		return -1;
	}
	if (name != NULL && tree_child(s, name) != NULL) {
		*code = IPC_E_REFUSED;
		snprintf(cause, len, "pool %s has an instance named %s",
		    pool->path, name);
		return -1;
	}
	if (sup_changeable(e, s, code, cause, len) == -1)
		return -1;
	if (name == NULL) {
		snprintf(number, sizeof number, "%u", ++s->next_instance);
		name = number;
	}
	c = tree_append(s, s->spec->children[0], name);
	c->named = name != number;
	c->extra_argv = args;
	if (as != NULL)
		c->as = *as;
	*out = c;
	start_new(e, s, c);
	return 0;
}

static void
reset_one(struct child *c, void *arg)
{
	size_t *n = arg;

	c->restarts = 0;
	c->backoff_ms = 0;
	if (c->sup != NULL)
		c->sup->r_len = c->sup->r_head = 0; /* intensity: none used */
	++*n;
}

size_t
engine_cmd_reset(struct engine *e, struct child *c)
{
	size_t n = 0;

	reset_one(c, &n);
	tree_walk(c, reset_one, &n); /* those below it */
	return n;
}
