/* In-process clients of the control ops (the HTTP listener, http/): the
 * same ops, answers and errors as over the control socket, without a
 * socket (local.c). And the counts of requests by op and outcome, for
 * /metrics. */
#ifndef HERDD_LOCAL_H
#define HERDD_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct control;

/* The reply, as the control socket would send it (a JSON text of LEN
 * bytes, not NUL-terminated). */
typedef void (*local_reply_fn)(void *arg, const char *json, size_t len);

/*
 * Sends op with ARGS (taken; NULL: none) as herdd's own user would. FN
 * gets the reply once, now (before this returns) or later (a stop waits
 * for the child's death). Returns an id for control_local_cancel; 0 when
 * the reply has come already.
 */
unsigned long control_local(struct control *ctl, const char *op,
    cJSON *args, local_reply_fn fn, void *arg);
/* The client is gone: its reply, when it comes, goes nowhere. */
void control_local_cancel(struct control *ctl, unsigned long id);

/* Whether OP is a control op, and whether it changes anything: 1 yes,
 * 0 read-only, -1 no such op (control.c, which has the tables). */
int control_op_mutating(const char *op);

/* Calls FN for each (op, outcome) pair answered so far: outcome "ok" or an
 * error code. */
void control_stats_each(const struct control *ctl,
    void (*fn)(void *arg, const char *op, const char *outcome, uint64_t n),
    void *arg);

#endif
