/*
 * Replies counted by op and outcome ("ok" or the error's code), for
 * /metrics' herd_control_requests_total: every reply is counted once,
 * where it is sent (reply.c for the immediate ones, reply_json_op for
 * those that waited). Ops are the tables' names only ("unknown" for the
 * rest), so a peer cannot grow the table with names of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "local.h"
#include "util.h"

void
reply_count(struct control *ctl, const char *op, const char *outcome)
{
	size_t i;

	if (op == NULL)
		op = "unknown";
	for (i = 0; i < ctl->nstats; i++)
		if (strcmp(ctl->stats[i].op, op) == 0 &&
		    strcmp(ctl->stats[i].outcome, outcome) == 0) {
			ctl->stats[i].n++;
			return;
		}
	ctl->stats = xreallocarray(ctl->stats, ctl->nstats + 1,
	    sizeof *ctl->stats);
	ctl->stats[ctl->nstats].op = xstrdup(op);
	ctl->stats[ctl->nstats].outcome = xstrdup(outcome);
	ctl->stats[ctl->nstats++].n = 1;
}

void
control_stats_each(const struct control *ctl,
    void (*fn)(void *arg, const char *op, const char *outcome, uint64_t n),
    void *arg)
{
	size_t i;

	for (i = 0; i < ctl->nstats; i++)
		fn(arg, ctl->stats[i].op, ctl->stats[i].outcome,
		    ctl->stats[i].n);
}

void
reply_counts_free(struct control *ctl)
{
	size_t i;

	for (i = 0; i < ctl->nstats; i++) {
		free(ctl->stats[i].op);
		free(ctl->stats[i].outcome);
	}
	free(ctl->stats);
	ctl->stats = NULL;
	ctl->nstats = 0;
}
