/*
 * OTP's supervision rules (SEMANTICS.md) as a function of the tree and one
 * event at a time: every report from the world (ready, exited, timer) moves
 * the tree and asks the world for actions through struct engine_ops. Nothing
 * here touches a process, a clock or a socket, so the unit tests drive it
 * with recorded ops.
 *
 * Each supervisor runs at most one plan at a time (as OTP's supervisor is one
 * process that handles one message at a time): stop a range of children in
 * reverse, one after another, then start a range in order, one after
 * another. Exits that arrive during a plan and are not part of it wait in a
 * queue until the plan is done.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "engine-int.h"
#include "herdd.h"
#include "ipc.h"
#include "util.h"



void
engine_emit(struct engine *e, const char *topic, struct child *c, const char *reason)
{
	e->ops->event(e->ctx, topic, c, reason);
}

int
engine_alive(const struct child *c)
{
	return c->state == CH_STARTING || c->state == CH_RUNNING ||
	    c->state == CH_STOPPING;
}

int
engine_busy(const struct sup *s)
{
	return s->plan != PLAN_NONE;
}

/* ---- the pending queue: exits and retries that wait for a plan to end */

void
engine_queue_push(struct sup *s, struct child *c, int kind)
{
	c->pending = kind;
	if (s->qlen == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 8;
		s->queue = xreallocarray(s->queue, s->qcap, sizeof *s->queue);
	}
	s->queue[s->qlen++] = c;
}

void
engine_queue_scrub(struct sup *s, struct child *c)
{
	size_t i;

	for (i = 0; i < s->qlen; i++)
		if (s->queue[i] == c)
			s->queue[i] = NULL;
}

static void
queue_clear(struct sup *s)
{
	size_t i;

	for (i = 0; i < s->qlen; i++)
		if (s->queue[i] != NULL)
			s->queue[i]->pending = PEND_NONE;
	s->qlen = 0;
}

/* ---- removal ---- */

static void
release_subtree(struct child *c, void *arg)
{
	struct engine *e = arg;
	e->ops->release(e->ctx, c);
}

/* Frees c (a temporary child that ended), telling the driver first. */
void
engine_remove(struct engine *e, struct child *c)
{
	engine_queue_scrub(c->parent, c);
	if (c->type == CONF_SUPERVISOR)
		queue_clear(c->sup);
	tree_walk(c, release_subtree, e);
	e->ops->release(e->ctx, c);
	tree_remove(c);
}

/* Removes the temporary children that have ended; only between plans, so
 * no plan cursor moves under us. */
static void
sweep_temporary(struct engine *e, struct sup *s)
{
	size_t i = s->n;

	while (i-- > 0) {
		struct child *c = s->children[i];
		if ((c->restart == CONF_TEMPORARY ||
		    s->strategy == CONF_SIMPLE_ONE_FOR_ONE) &&
		    !engine_alive(c) && c->state != CH_RESTARTING &&
		    c->pending == PEND_NONE) {
			c->swept = c->restart == CONF_TEMPORARY &&
			    s->strategy != CONF_SIMPLE_ONE_FOR_ONE;
			engine_remove(e, c); /* pool instances live only while
			                        running (rule 14) */
		}
	}
}

/* Drops and rebuilds a supervisor's children from its spec (a supervisor
 * restarted by its parent loses runtime additions, rule 13). */
static void
sup_reset(struct engine *e, struct sup *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		tree_walk(s->children[i], release_subtree, e);
		e->ops->release(e->ctx, s->children[i]);
	}
	queue_clear(s);
	tree_sup_reset(s);
	s->r_len = 0;
	s->brutal = 0;
}

/* ---- starting and stopping one child ---- */

static int
child_brutal(const struct child *c)
{
	const struct sup *s;

	if (c->shutdown_ms == CONF_SHUTDOWN_BRUTAL)
		return 1;
	for (s = c->parent; s != NULL; s = s->self->parent)
		if (s->brutal)
			return 1;
	return 0;
}

static void
set_running(struct engine *e, struct child *c)
{
	c->state = CH_RUNNING;
	c->started_ms = e->ops->now_ms(e->ctx);
	engine_emit(e, "child.started", c, NULL);
}

/*
 * Starts c. Returns when c is running, starting (readiness pending) or has
 * failed; a failure has already been handled (start_failed) when this
 * returns, so callers re-examine the plan.
 */
static void
child_start(struct engine *e, struct child *c)
{
	char cause[256];
	int r;

	c->gen++;
	c->pending = PEND_NONE;
	c->stop_why = STOP_NONE;
	/* the last exit stays shown while it runs again (status) */
	c->killed_after_ms = 0;
	c->state = CH_STARTING;
	engine_emit(e, "child.starting", c, NULL);
	if (c->type == CONF_SUPERVISOR) {
		sup_reset(e, c->sup);
		c->sup->plan = PLAN_BOOT;
		c->sup->phase = 1;
		c->sup->start_lo = 0;
		c->sup->start_hi = PLAN_END;
		c->sup->cursor = 0;
		engine_plan_run(e, c->sup);
		return;
	}
	cause[0] = '\0';
	r = e->ops->spawn(e->ctx, c, cause, sizeof cause);
	if (r < 0) {
		c->pid = 0;
		engine_start_failed(e, c, cause[0] ? cause : "spawn failed");
	} else if (r == 1) {
		set_running(e, c);
	}
}

static int
stop_signal(const struct child *c)
{
	return c->spec != NULL && c->spec->stop_signal > 0 ?
	    c->spec->stop_signal : SIGTERM;
}

/* Asks c to stop (rule 3); its death comes back through child_stopped. */
void
engine_begin_stop(struct engine *e, struct child *c, enum stop_why why)
{
	if (c->state == CH_STOPPING)
		return;
	c->state = CH_STOPPING;
	c->stop_why = why;
	engine_emit(e, "child.stopping", c, NULL);
	if (c->shutdown_ms >= 0)
		e->ops->stop_timer(e->ctx, c, c->shutdown_ms);
	if (c->type == CONF_SUPERVISOR) {
		if (c->sup->plan == PLAN_SHUTDOWN)
			c->sup->sd_kind = SD_PARENT;
		else
			engine_begin_shutdown(e, c->sup, SD_PARENT);
		return;
	}
	if (child_brutal(c)) {
		e->ops->kill(e->ctx, c, SIGKILL);
	} else {
		e->ops->kill(e->ctx, c, stop_signal(c));
		if (stop_signal(c) != SIGCONT)
			e->ops->kill(e->ctx, c, SIGCONT);
	}
}

/* c, which its supervisor was stopping, is dead. */
static void
child_stopped(struct engine *e, struct child *c)
{
	e->ops->cancel_timer(e->ctx, c);
	c->state = CH_STOPPED;
	snprintf(c->reason, sizeof c->reason, "shutdown");
	/* still reason shutdown, but said: it had to be killed */
	if (c->killed_after_ms > 0)
		snprintf(c->detail, sizeof c->detail, "killed after %ld ms",
		    c->killed_after_ms);
	else if (c->killed_after_ms < 0) /* its supervisor's time passed */
		snprintf(c->detail, sizeof c->detail, "killed");
	else
		c->detail[0] = '\0';
	c->killed_after_ms = 0;
	engine_emit(e, "child.stopped", c, "shutdown");
	c->pid = 0;
	engine_plan_run(e, c->parent);
}

/* ---- plans ---- */

void
engine_plan_begin(struct engine *e, struct sup *s, enum plan_kind kind,
    size_t stop_lo, size_t stop_hi, size_t start_lo, size_t start_hi)
{
	s->plan = kind;
	s->stop_lo = stop_lo;
	s->stop_hi = stop_hi;
	s->start_lo = start_lo;
	s->start_hi = start_hi;
	if (stop_lo != PLAN_END) {
		s->phase = 0;
		s->cursor = stop_hi == PLAN_END || stop_hi >= s->n ?
		    s->n : stop_hi + 1; /* cursor is one past the next */
	} else {
		s->phase = 1;
		s->cursor = start_lo;
	}
	engine_plan_run(e, s);
}

static enum stop_why
plan_stop_why(const struct sup *s)
{
	switch (s->plan) {
	case PLAN_SHUTDOWN:
		return STOP_SHUTDOWN;
	case PLAN_STOP_CMD:
		return s->target != NULL && s->target->stop_why == STOP_RESTART ?
		    STOP_RESTART : STOP_COMMAND;
	default:
		return STOP_BYSTANDER;
	}
}

/* Advances the plan as far as it goes without waiting; returns 1 when the
 * plan is complete. */
static int
pool_stopping(const struct sup *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->children[i]->state == CH_STOPPING)
			return 1;
	return 0;
}

static int
plan_step(struct engine *e, struct sup *s)
{
	int pool = s->strategy == CONF_SIMPLE_ONE_FOR_ONE;
	struct child *c;

	while (s->phase == 0) {
		if (s->cursor > s->n)
			s->cursor = s->n;
		if (s->cursor == 0 || s->cursor <= s->stop_lo) {
			if (pool && pool_stopping(s))
				return 0; /* all were signalled at once */
			if (s->start_lo == PLAN_END) {
				s->phase = 2;
			} else {
				s->phase = 1;
				s->cursor = s->start_lo;
			}
			break;
		}
		c = s->children[s->cursor - 1];
		if (s->plan == PLAN_RELOAD && !(c->mark & MARK_STOP)) {
			s->cursor--;
			continue;
		}
		if (c->state == CH_STOPPING) {
			if (!pool)
				return 0;
			s->cursor--; /* a pool signals all at once (rule 2) */
			continue;
		}
		if (c->state == CH_STARTING || c->state == CH_RUNNING) {
			engine_begin_stop(e, c, plan_stop_why(s));
			continue; /* re-examine: it may be gone already */
		}
		if (c->state == CH_RESTARTING) {
			c->gen++; /* the due restart is void */
			c->state = CH_STOPPED;
		}
		c->pending = PEND_NONE; /* its exit or retry is handled here */
		s->cursor--;
	}
	while (s->phase == 1) {
		if (s->cursor >= s->n ||
		    (s->start_hi != PLAN_END && s->cursor > s->start_hi)) {
			s->phase = 2;
			break;
		}
		c = s->children[s->cursor];
		if (c->state == CH_STARTING || c->state == CH_STOPPING)
			return 0;
		if (s->plan == PLAN_RELOAD) {
			if (!(c->mark & MARK_START) || (c->mark & MARK_DELETE)) {
				s->cursor++;
				continue;
			}
			c->mark &= ~MARK_START;
			child_start(e, c);
			continue;
		}
		if (c->state == CH_RUNNING || c->held) {
			s->cursor++;
			continue;
		}
		if (c->restart == CONF_TEMPORARY && s->plan == PLAN_RESTART) {
			s->cursor++; /* a temporary bystander is not restarted */
			continue;
		}
		if (s->plan == PLAN_RESTART)
			c->restarts++;
		child_start(e, c);
		/* re-examine: running, starting, or the plan changed */
	}
	return s->phase == 2;
}

static void
process_queue(struct engine *e, struct sup *s)
{
	while (s->qpos < s->qlen && !engine_busy(s)) {
		struct child *c = s->queue[s->qpos++];
		int kind;

		if (c == NULL || c->pending == PEND_NONE)
			continue;
		kind = c->pending;
		c->pending = PEND_NONE;
		if (kind == PEND_EXIT)
			engine_child_died(e, c, c->reason, c->pending_class);
		else if (c->state == CH_RESTARTING)
			engine_retry(e, c, c->gen);
	}
	if (s->qpos >= s->qlen)
		s->qpos = s->qlen = 0;
}

static void node_ready(struct engine *e, struct child *node);
static void node_exited(struct engine *e, struct child *node);

/* A reload plan of s ends (done or preempted): drop what it deleted, and
 * tell the world when it was the last. */
static void
reload_finish(struct engine *e, struct sup *s)
{
	size_t i = s->n;

	while (i-- > 0) {
		struct child *c = s->children[i];
		if ((c->mark & MARK_DELETE) && !engine_alive(c)) {
			engine_emit(e, "child.deleted", c, "reload");
			engine_remove(e, c);
		} else {
			c->mark = 0;
		}
	}
	if (e->reloading > 0 && --e->reloading == 0)
		engine_emit(e, "config.reloaded", e->root, NULL);
}

static void
plan_done(struct engine *e, struct sup *s)
{
	enum plan_kind kind = s->plan;
	struct child *target = s->target;
	size_t i;

	s->plan = PLAN_NONE;
	s->target = NULL;
	if (s->held_any) { /* rare: not a walk per restart */
		for (i = 0; i < s->n; i++)
			s->children[i]->held = 0;
		s->held_any = 0;
	}
	switch (kind) {
	case PLAN_BOOT:
		s->booted = 1;
		node_ready(e, s->self);
		break;
	case PLAN_START_CMD:
		if (target != NULL && target->runtime_new) {
			if (target->state == CH_RUNNING)
				target->runtime_new = 0;
			else if (!engine_alive(target) &&
			    target->state != CH_RESTARTING)
				engine_remove(e, target); /* never started */
		}
		break;
	case PLAN_RELOAD:
		reload_finish(e, s);
		break;
	case PLAN_STOP_CMD:
		if (target != NULL && target->stop_why == STOP_RESTART &&
		    target->state == CH_STOPPED && !e->shutting_down) {
			s->target = target;
			engine_plan_begin(e, s, PLAN_START_CMD, PLAN_END, PLAN_END,
			    tree_index(target), tree_index(target));
			return;
		}
		break;
	case PLAN_SHUTDOWN:
		switch (s->sd_kind) {
		case SD_ROOT:
			e->finished = 1;
			engine_emit(e, "herd.stopped", s->self, "shutdown");
			e->ops->finish(e->ctx, 0, "shut down");
			return;
		case SD_PARENT:
			sup_reset(e, s);
			child_stopped(e, s->self);
			return;
		case SD_GIVE_UP:
		case SD_AUTO:
			if (s->self->parent == NULL) {
				e->finished = 1;
				engine_emit(e, "herd.stopped", s->self,
				    s->sd_kind == SD_AUTO ? "auto_shutdown" :
				    "gave_up");
				e->ops->finish(e->ctx, s->sd_kind == SD_AUTO ? 0 : 1,
				    s->sd_kind == SD_AUTO ? "auto_shutdown" :
				    "the root supervisor reached its restart "
				    "intensity and gave up");
				return;
			}
			sup_reset(e, s);
			node_exited(e, s->self);
			return;
		case SD_BOOT_FAIL:
			if (s->self->parent == NULL) {
				e->finished = 1;
				engine_emit(e, "herd.stopped", s->self, "boot_failed");
				e->ops->finish(e->ctx, 1, s->fail_cause);
				return;
			}
			sup_reset(e, s);
			engine_start_failed(e, s->self, s->fail_cause);
			return;
		}
		break;
	default:
		break;
	}
	sweep_temporary(e, s);
	process_queue(e, s);
}

/* Runs s's plan; re-entrant calls (a nested supervisor finishing inside a
 * step) only ask the running loop to look again. */
void
engine_plan_run(struct engine *e, struct sup *s)
{
	int done;

	if (e->finished)
		return;
	if (s->running) {
		s->again = 1;
		return;
	}
	if (s->plan == PLAN_NONE)
		return;
	s->running = 1;
	do {
		s->again = 0;
		done = plan_step(e, s);
	} while (s->again && !done);
	s->running = 0;
	if (done)
		plan_done(e, s);
}

void
engine_begin_shutdown(struct engine *e, struct sup *s, enum shutdown_kind kind)
{
	size_t i;

	queue_clear(s);
	if (s->plan == PLAN_RELOAD && e->reloading > 0 &&
	    --e->reloading == 0)
		engine_emit(e, "config.reloaded", e->root, NULL);
	for (i = 0; i < s->n; i++) {
		struct child *c = s->children[i];
		if (c->state == CH_RESTARTING) {
			c->gen++;
			c->state = CH_STOPPED;
		}
	}
	s->sd_kind = kind;
	s->target = NULL;
	engine_plan_begin(e, s, PLAN_SHUTDOWN, 0, PLAN_END, PLAN_END, PLAN_END);
}

/* ---- nested supervisors seen from their parent ---- */

static void
node_ready(struct engine *e, struct child *node)
{
	if (node->parent == NULL) {
		node->state = CH_RUNNING;
		engine_emit(e, "herd.started", node, NULL);
		return;
	}
	engine_child_ready(e, node);
}

static void
node_exited(struct engine *e, struct child *node)
{
	if (node->state == CH_STOPPING) {
		child_stopped(e, node);
		return;
	}
	snprintf(node->reason, sizeof node->reason, "shutdown");
	if (node->state == CH_STARTING) {
		engine_start_failed(e, node, "shutdown");
		return;
	}
	engine_emit(e, "child.exited", node, "shutdown");
	if (engine_busy(node->parent)) {
		node->state = CH_EXITED;
		node->pending_class = R_SHUTDOWN;
		engine_queue_push(node->parent, node, PEND_EXIT);
		return;
	}
	engine_child_died(e, node, "shutdown", R_SHUTDOWN);
}

/* ---- the public entry points ---- */

void
engine_init(struct engine *e, const struct engine_ops *ops, void *ctx,
    struct child *root)
{
	memset(e, 0, sizeof *e);
	e->ops = ops;
	e->ctx = ctx;
	e->root = root;
}

void
engine_boot(struct engine *e)
{
	struct sup *s = e->root->sup;

	e->root->state = CH_STARTING;
	s->plan = PLAN_BOOT;
	s->phase = 1;
	s->start_lo = 0;
	s->start_hi = PLAN_END;
	s->cursor = 0;
	engine_plan_run(e, s);
	if (!e->finished && !engine_busy(s))
		e->root->state = CH_RUNNING;
}

void
engine_shutdown(struct engine *e)
{
	if (e->finished || e->shutting_down)
		return;
	e->shutting_down = 1;
	engine_emit(e, "herd.stopping", e->root, NULL);
	e->root->state = CH_STOPPING;
	engine_begin_shutdown(e, e->root->sup, SD_ROOT);
}

void
engine_child_ready(struct engine *e, struct child *c)
{
	if (c->state != CH_STARTING)
		return;
	set_running(e, c);
	engine_plan_run(e, c->parent);
}

void
engine_child_start_failed(struct engine *e, struct child *c,
    const char *cause)
{
	if (c->state != CH_STARTING)
		return;
	if (c->pid > 0) {
		/* not ready in time: it must not linger (rule 3) */
		e->ops->kill(e->ctx, c, SIGKILL);
		c->state = CH_STOPPING;
		c->stop_why = STOP_NONE;
		snprintf(c->reason, sizeof c->reason, "%s", cause);
		c->start_fail_pending = 1;
		return;
	}
	engine_start_failed(e, c, cause);
}

void
engine_exit_reason(const struct child *c, int status, char *buf, size_t len)
{
	char sig[32];

	if (c->killed_for != NULL && c->state == CH_RUNNING) {
		/* herdd killed it for not answering */
		snprintf(buf, len, "%s", c->killed_for);
	} else if (WIFEXITED(status) && c->told[0] != '\0') {
		snprintf(buf, len, "%s", c->told);
	} else if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		if (code == 0 || (c->spec != NULL &&
		    conf_exit_is_normal(c->spec, code)))
			snprintf(buf, len, "normal");
		else
			snprintf(buf, len, "exit:%d", code);
	} else if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGTERM)
			snprintf(buf, len, "shutdown");
		else /* signal:KILL, as ACTORS.md A9 spells it */
			snprintf(buf, len, "signal:%s", signal_name(
			    WTERMSIG(status), sig, sizeof sig) + (sigabbrev_np(
			    WTERMSIG(status)) != NULL ? 3 : 0));
	} else {
		snprintf(buf, len, "exit:?");
	}
}

static enum reason_class
classify(const char *reason)
{
	if (strcmp(reason, "normal") == 0)
		return R_NORMAL;
	if (strcmp(reason, "shutdown") == 0)
		return R_SHUTDOWN;
	return R_ABNORMAL;
}

void
engine_child_exited(struct engine *e, struct child *c, int status)
{
	struct sup *s = c->parent;
	char reason[48];
	size_t k;

	engine_exit_reason(c, status, reason, sizeof reason);
	c->killed_for = NULL;
	if (c->start_fail_pending) {
		/* killed because it was not ready in time */
		c->start_fail_pending = 0;
		e->ops->cancel_timer(e->ctx, c);
		c->state = CH_STARTING;
		snprintf(reason, sizeof reason, "%s", c->reason);
		engine_start_failed(e, c, reason);
		return;
	}
	switch (c->state) {
	case CH_STOPPING:
		child_stopped(e, c);
		return;
	case CH_STARTING: {
		char cause[96];
		snprintf(cause, sizeof cause, "exited before ready (%s)",
		    reason);
		engine_start_failed(e, c, cause);
		return;
	}
	case CH_RUNNING:
		break;
	default:
		return; /* not ours to handle: already accounted for */
	}
	snprintf(c->reason, sizeof c->reason, "%s", reason);
	c->detail[0] = '\0';
	c->killed_after_ms = 0;
	engine_emit(e, "child.exited", c, reason);
	c->pid = 0;
	if (engine_busy(s)) {
		k = tree_index(c);
		c->state = CH_EXITED;
		if (s->phase == 0 && s->stop_lo != PLAN_END && k >= s->stop_lo &&
		    k < s->cursor && (s->plan != PLAN_RELOAD ||
		    (c->mark & MARK_STOP))) {
			/* the plan was going to stop it anyway */
			engine_plan_run(e, s);
			return;
		}
		c->pending_class = classify(reason);
		engine_queue_push(s, c, PEND_EXIT);
		return;
	}
	engine_child_died(e, c, reason, classify(reason));
}

void
engine_stop_timeout(struct engine *e, struct child *c)
{
	if (c->state != CH_STOPPING)
		return;
	if (c->type == CONF_SUPERVISOR) {
		c->sup->brutal = 1;
		tree_walk(c, engine_kill_if_stopping, e);
		return;
	}
	c->killed_after_ms = c->shutdown_ms;
	e->ops->kill(e->ctx, c, SIGKILL);
}

void
engine_kill_if_stopping(struct child *c, void *arg)
{
	struct engine *e = arg;

	if (c->type == CONF_WORKER && c->pid > 0 && c->state == CH_STOPPING) {
		if (c->killed_after_ms == 0)
			c->killed_after_ms = -1;
		e->ops->kill(e->ctx, c, SIGKILL);
	}
}

void
engine_retry(struct engine *e, struct child *c, unsigned gen)
{
	struct sup *s = c->parent;

	if (e->finished || c->gen != gen || c->state != CH_RESTARTING)
		return;
	if (e->shutting_down)
		return;
	if (engine_busy(s)) {
		engine_queue_push(s, c, PEND_RETRY);
		return;
	}
	engine_restart_now(e, c, c->retry_counts);
}


void
engine_reload(struct engine *e, struct sup *s)
{
	e->reloading++;
	engine_plan_begin(e, s, PLAN_RELOAD, 0, PLAN_END, 0, PLAN_END);
}

void
engine_kill_unanswering(struct engine *e, struct child *c, const char *why)
{
	if (c->state != CH_RUNNING || c->pid <= 0)
		return;
	/* it stopped answering: hung, so killed, and its death is a failure */
	c->killed_for = why;
	e->ops->kill(e->ctx, c, SIGKILL);
}

void
engine_watchdog(struct engine *e, struct child *c)
{
	engine_kill_unanswering(e, c, "watchdog");
}
