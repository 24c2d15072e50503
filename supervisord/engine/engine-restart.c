/*
 * What happens when a child ends by itself (SEMANTICS.md rules 4-11, 15):
 * restart or not by restart type, intensity counted per supervisor, the
 * strategy's restart, give-up and escalation, failed starts and their
 * retries, auto-shutdown. Part of the engine (engine.c runs the plans).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "herdd.h"
#include "util.h"

/* ---- intensity (rules 5, 6) ---- */

/* Records one restart now; returns 1 if that makes more than intensity
 * restarts within period_ms, and the supervisor must give up. */
int
engine_add_restart(struct engine *e, struct sup *s)
{
	uint64_t now = e->ops->now_ms(e->ctx);
	uint64_t threshold = now >= s->period_ms ? now - s->period_ms : 0;

	while (s->r_len > 0 && s->restarts[s->r_head] < threshold) {
		s->r_head = (s->r_head + 1) % s->r_cap;
		s->r_len--;
	}
	if (s->r_len == s->r_cap) {
		size_t cap = s->r_cap ? s->r_cap * 2 : 4, i;
		uint64_t *r = xreallocarray(NULL, cap, sizeof *r);
		for (i = 0; i < s->r_len; i++)
			r[i] = s->restarts[(s->r_head + i) % s->r_cap];
		free(s->restarts);
		s->restarts = r;
		s->r_cap = cap;
		s->r_head = 0;
	}
	s->restarts[(s->r_head + s->r_len) % s->r_cap] = now;
	s->r_len++;
	return s->r_len > s->intensity;
}

/* ---- what happens when a child ends by itself (rules 4-11, 15) ---- */

static int
should_restart(const struct child *c, enum reason_class cls)
{
	switch (c->restart) {
	case CONF_PERMANENT:
		return 1;
	case CONF_TRANSIENT:
		return cls == R_ABNORMAL;
	default:
		return 0;
	}
}

static int
significant_alive(const struct sup *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->children[i]->significant &&
		    (engine_alive(s->children[i]) ||
		    s->children[i]->state == CH_RESTARTING))
			return 1;
	return 0;
}

unsigned
engine_backoff_delay(struct engine *e, struct child *c)
{
	const struct conf_backoff *b = &c->spec->backoff;
	uint64_t now = e->ops->now_ms(e->ctx);
	double d;
	unsigned delay;

	if (c->started_ms != 0 && now - c->started_ms >= b->reset_after_ms)
		c->backoff_ms = 0;
	delay = c->backoff_ms ? c->backoff_ms : b->initial_ms;
	d = delay * b->multiplier;
	c->backoff_ms = d > b->max_ms ? b->max_ms : (unsigned)d;
	if (b->jitter > 0)
		delay += (unsigned)(delay * b->jitter *
		    ((double)random() / RAND_MAX));
	return delay;
}

/* Starts the strategy's restart for c (rules 7-9). */
static void
do_restart(struct engine *e, struct sup *s, struct child *c)
{
	size_t k = tree_index(c);

	switch (s->strategy) {
	case CONF_ONE_FOR_ALL:
		engine_plan_begin(e, s, PLAN_RESTART, 0, PLAN_END, 0, PLAN_END);
		break;
	case CONF_REST_FOR_ONE:
		engine_plan_begin(e, s, PLAN_RESTART, k, PLAN_END, k, PLAN_END);
		break;
	default:
		engine_plan_begin(e, s, PLAN_RESTART, PLAN_END, PLAN_END, k, k);
		break;
	}
}

static void
give_up(struct engine *e, struct sup *s)
{
	char why[64];

	snprintf(why, sizeof why, "intensity %u in %u ms", s->intensity,
	    s->period_ms);
	engine_emit(e, "supervisor.gave_up", s->self, why);
	engine_begin_shutdown(e, s, SD_GIVE_UP);
}

/* A restart of c is due: count it (rule 5) unless it was counted when it
 * was decided, then restart per strategy. */
void
engine_restart_now(struct engine *e, struct child *c, int counts)
{
	struct sup *s = c->parent;

	if (counts && engine_add_restart(e, s)) {
		c->state = CH_EXITED;
		give_up(e, s);
		return;
	}
	do_restart(e, s, c);
}

/* c (settled, its supervisor idle) ended by itself with reason. */
void
engine_child_died(struct engine *e, struct child *c, const char *reason,
    enum reason_class cls)
{
	struct sup *s = c->parent;

	c->state = CH_EXITED;
	c->pid = 0;
	if (e->shutting_down || !should_restart(c, cls)) {
		int sig = c->significant;
		if (c->restart == CONF_TEMPORARY ||
		    s->strategy == CONF_SIMPLE_ONE_FOR_ONE) {
			/* a temporary child's end is remembered (ended.c);
			 * a pool instance just goes (rule 14) */
			c->swept = c->restart == CONF_TEMPORARY &&
			    s->strategy != CONF_SIMPLE_ONE_FOR_ONE &&
			    !e->shutting_down;
			engine_remove(e, c);
		}
		if (sig && !e->shutting_down &&
		    (s->auto_shutdown == CONF_AUTO_ANY_SIGNIFICANT ||
		    (s->auto_shutdown == CONF_AUTO_ALL_SIGNIFICANT &&
		    !significant_alive(s))))
			engine_begin_shutdown(e, s, SD_AUTO);
		return;
	}
	if (engine_add_restart(e, s)) {
		give_up(e, s);
		return;
	}
	if (c->spec != NULL && c->spec->backoff.enabled) {
		c->state = CH_RESTARTING;
		c->retry_counts = 0;
		e->ops->retry_timer(e->ctx, c, engine_backoff_delay(e, c));
		return;
	}
	(void)reason;
	do_restart(e, s, c);
}

/* A start of c failed (rules 10, 12). */
void
engine_start_failed(struct engine *e, struct child *c, const char *cause)
{
	struct sup *s = c->parent;

	snprintf(c->reason, sizeof c->reason, "%s", cause);
	engine_emit(e, "child.start_failed", c, cause);
	c->pid = 0;
	if (s == NULL) /* cannot happen: the root is booted, not spawned */
		return;
	switch (s->plan) {
	case PLAN_BOOT:
		c->state = CH_STOPPED;
		snprintf(s->fail_cause, sizeof s->fail_cause,
		    "child %s failed to start: %s", c->path, cause);
		engine_begin_shutdown(e, s, SD_BOOT_FAIL);
		return;
	case PLAN_RESTART:
		c->state = CH_RESTARTING;
		c->retry_counts = 1;
		s->phase = 2; /* the round stops at the failing child */
		e->ops->retry_timer(e->ctx, c,
		    c->spec != NULL && c->spec->backoff.enabled ?
		    engine_backoff_delay(e, c) : 0);
		engine_plan_run(e, s);
		return;
	default:
		c->state = CH_STOPPED;
		if (s->plan == PLAN_START_CMD)
			s->phase = 2;
		engine_plan_run(e, s);
		return;
	}
}

