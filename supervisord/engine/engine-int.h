/* Internals shared by engine.c (plans, deaths, restarts) and engine-cmd.c
 * (commands); nothing outside the engine uses them. */
#ifndef HERDD_ENGINE_INT_H
#define HERDD_ENGINE_INT_H

#include "herdd.h"

enum reason_class { R_NORMAL, R_SHUTDOWN, R_ABNORMAL };
enum { PEND_NONE, PEND_EXIT, PEND_RETRY };

void engine_emit(struct engine *e, const char *topic, struct child *c,
    const char *reason);
int engine_alive(const struct child *c);
int engine_busy(const struct sup *s);
void engine_queue_push(struct sup *s, struct child *c, int kind);
void engine_queue_scrub(struct sup *s, struct child *c);
/* Frees c (tells the driver first); only between plans. */
void engine_remove(struct engine *e, struct child *c);
void engine_plan_begin(struct engine *e, struct sup *s, enum plan_kind kind,
    size_t stop_lo, size_t stop_hi, size_t start_lo, size_t start_hi);
void engine_begin_stop(struct engine *e, struct child *c, enum stop_why why);
/* Runs s's plan as far as it goes (re-entry safe). */
void engine_plan_run(struct engine *e, struct sup *s);
/* Stops every child of s (preempting any plan), then finishes per kind. */
void engine_begin_shutdown(struct engine *e, struct sup *s,
    enum shutdown_kind kind);

/* engine-restart.c */
/* Records a restart of s now; 1 if that exceeds its intensity. */
int engine_add_restart(struct engine *e, struct sup *s);
/* The next backoff delay of c (its spec has backoff). */
unsigned engine_backoff_delay(struct engine *e, struct child *c);
/* c (settled, its supervisor idle) ended by itself. */
void engine_child_died(struct engine *e, struct child *c, const char *reason,
    enum reason_class cls);
/* A start of c failed: per the plan that started it (rules 10, 12). */
void engine_start_failed(struct engine *e, struct child *c,
    const char *cause);
/* A due restart of c: counted (unless counted already), then per strategy. */
void engine_restart_now(struct engine *e, struct child *c, int counts);

#endif
