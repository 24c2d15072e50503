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
		return cmd_error(code, IPC_E_ALREADY_STARTED, cause, len,
		    "%s is already started", c->path);
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
				c->held = 1;
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
		if (c->restart == CONF_TEMPORARY && !engine_busy(s))
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
		c->held = 1;
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
	return stop_child(e, c, STOP_RESTART, code, cause, len);
}
