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

#endif
