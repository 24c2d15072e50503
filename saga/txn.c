/*
 * A TX's life in the coordinator: created by a start, its jobs sent to
 * workers, results and failures passed to its saga, then its end: a
 * commit journaled first (decide.c) or an abort, which needs no journal
 * (presumed abort, X4). Actors a TX depends on are monitored, so that a
 * saga's or a worker's end reaches the TX as it happens.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord.h"

int64_t
coord_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ctx *
coord_find(const char *id)
{
	if (id == NULL)
		return NULL;
	for (struct ctx *t = C.txs; t != NULL; t = t->next)
		if (strcmp(t->id, id) == 0)
			return t;
	return NULL;
}

struct ctx *
coord_new_tx(const char *saga, herd_id saga_id)
{
	struct ctx *t = calloc(1, sizeof *t);

	if (t == NULL || (t->saga = strdup(saga)) == NULL) {
		free(t);
		return NULL;
	}
	snprintf(t->id, sizeof t->id, "%s-%llu", C.idbase,
	    (unsigned long long)++C.next_id);
	t->saga_id = saga_id;
	t->started_ms = coord_now_ms();
	t->next = C.txs;
	C.txs = t;
	C.ntxs++;
	return t;
}

void
coord_free_tx(struct ctx *t)
{
	for (struct ctx **pp = &C.txs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			C.ntxs--;
			break;
		}
	if (t->life_timer != 0)
		(void)herd_cancel_timer(C.self, t->life_timer);
	for (size_t i = 0; i < t->njobs; i++) {
		if (t->jobs[i].timer != 0)
			(void)herd_cancel_timer(C.self, t->jobs[i].timer);
		free(t->jobs[i].worker);
	}
	free(t->jobs);
	free(t->saga);
	cJSON_Delete(t->value);
	cJSON_Delete(t->final);
	free(t);
}

struct job *
coord_job(struct ctx *t, const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < t->njobs; i++)
		if (strcmp(t->jobs[i].id, id) == 0)
			return &t->jobs[i];
	return NULL;
}

void
coord_send(herd_id id, const char *name, cJSON *m)
{
	int rv;

	if (m == NULL)
		return;
	rv = id.v != 0 ? herd_cast_json(C.self, id, m) :
	    herd_cast_name_json(C.self, name, m);
	if (rv != 0 && rv != HERD_ENOTFOUND)
		fprintf(stderr, "herd.tx: sending \"%s\" to %s: %s\n",
		    herdi_tx_str(m, "herd.tx"), name ? name : "an actor",
		    herd_strerror(rv));
	cJSON_Delete(m);
}

void
coord_remember(const struct ctx *t, const char *outcome, const char *reason)
{
	struct ended *e = &C.history[C.nhistory++ % COORD_HISTORY];

	memset(e, 0, sizeof *e);
	snprintf(e->id, sizeof e->id, "%s", t->id);
	snprintf(e->saga, sizeof e->saga, "%s", t->saga);
	snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
	snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
	e->ended_ms = coord_now_ms();
	C.ended_since_compact++;
}

const struct ended *
coord_ended(const char *id)
{
	unsigned n = C.nhistory < COORD_HISTORY ? C.nhistory : COORD_HISTORY;

	for (unsigned i = 0; i < n; i++) {
		const struct ended *e =
		    &C.history[(C.nhistory - 1 - i) % COORD_HISTORY];
		if (strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

/* The answer to a start --wait: the outcome. */
static void
answer_waiter(struct ctx *t, const char *outcome, const char *reason)
{
	cJSON *r;

	if (!t->waiting)
		return;
	t->waiting = 0;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "tx", t->id);
	cJSON_AddStringToObject(r, "outcome", outcome);
	if (reason != NULL)
		cJSON_AddStringToObject(r, "reason", reason);
	if (t->final != NULL)
		cJSON_AddItemToObject(r, "final", cJSON_Duplicate(t->final, 1));
	(void)herd_reply_json(C.self, t->waiter, r);
	cJSON_Delete(r);
}

static cJSON *
job_msg(const char *kind, const struct ctx *t, const struct job *j)
{
	cJSON *m = herdi_tx_msg(kind, t->id);

	cJSON_AddStringToObject(m, "job", j->id);
	return m;
}

void
coord_abort(struct ctx *t, const char *reason)
{
	cJSON *m;

	for (size_t i = 0; i < t->njobs; i++) {
		struct job *j = &t->jobs[i];
		if (j->state != J_STARTED && j->state != J_RESULT)
			continue;
		m = job_msg("abort", t, j);
		cJSON_AddStringToObject(m, "reason", reason);
		coord_send(j->wid, j->worker, m);
	}
	m = herdi_tx_msg("cancel", t->id);
	cJSON_AddStringToObject(m, "reason", reason);
	coord_send(t->saga_id, t->saga, m);
	answer_waiter(t, "aborted", reason);
	coord_remember(t, "aborted", reason);
	C.aborted++;
	fprintf(stderr, "herd.tx: %s aborted: %s\n", t->id, reason);
	coord_free_tx(t);
}

void
coord_told(struct ctx *t)
{
	cJSON *m;

	m = herdi_tx_msg("done", t->id);
	if (t->final != NULL)
		cJSON_AddItemToObject(m, "final", cJSON_Duplicate(t->final, 1));
	coord_send(t->saga_id, t->saga, m);
	answer_waiter(t, "committed", NULL);
	C.committed++;
	if (!t->two_phase) {
		coord_remember(t, "committed", NULL);
		coord_free_tx(t);
		return;
	}
	t->state = CT_COMMITTED;
	coord_resend(t);
}

void
coord_final(struct ctx *t, const cJSON *final)
{
	t->final = final != NULL ? cJSON_Duplicate(final, 1) : NULL;
	if (!t->two_phase) {
		/* one phase: the final value ends it; jobs still going
		 * are stopped */
		for (size_t i = 0; i < t->njobs; i++) {
			struct job *j = &t->jobs[i];
			cJSON *m;
			if (j->state != J_STARTED)
				continue;
			m = job_msg("abort", t, j);
			cJSON_AddStringToObject(m, "reason", "tx_done");
			coord_send(j->wid, j->worker, m);
			j->state = J_CANCELLED;
		}
		coord_told(t);
		return;
	}
	/* X1: commit only if every participant voted */
	for (size_t i = 0; i < t->njobs; i++) {
		char why[96];
		if (t->jobs[i].state == J_STARTED ||
		    t->jobs[i].state == J_FAILED) {
			snprintf(why, sizeof why, "job %s %s", t->jobs[i].id,
			    t->jobs[i].state == J_STARTED ? "gave no result" :
			    "failed");
			coord_abort(t, why);
			return;
		}
	}
	if (t->life_timer != 0) {
		/* X9: the lifespan ends with the decision */
		(void)herd_cancel_timer(C.self, t->life_timer);
		t->life_timer = 0;
	}
	(void)coord_commit(t);
}

void
coord_watch(herd_id id)
{
	struct watch *w;

	if (id.v == 0)
		return;
	for (w = C.watches; w != NULL; w = w->next)
		if (w->id.v == id.v)
			return;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return;
	w->id = id;
	if (herd_monitor(C.self, id, &w->ref) != 0) {
		free(w);
		return;
	}
	w->next = C.watches;
	C.watches = w;
}

void
coord_job_failed(struct ctx *t, struct job *j, const char *reason, int tell_worker)
{
	cJSON *m;

	j->state = J_FAILED;
	if (j->timer != 0) {
		(void)herd_cancel_timer(C.self, j->timer);
		j->timer = 0;
	}
	if (tell_worker) {
		m = job_msg("abort", t, j);
		cJSON_AddStringToObject(m, "reason", reason);
		coord_send(j->wid, j->worker, m);
	}
	m = job_msg("job_failed", t, j);
	cJSON_AddStringToObject(m, "reason", reason);
	coord_send(t->saga_id, t->saga, m);
}

int
coord_down(herd_ref ref, herd_id id, const char *reason)
{
	struct watch **pp, *w = NULL;
	char why[160];

	for (pp = &C.watches; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->ref == ref) {
			w = *pp;
			*pp = w->next;
			break;
		}
	if (w == NULL)
		return 0;
	id = w->id;
	free(w);
	for (struct ctx *t = C.txs, *next; t != NULL; t = next) {
		next = t->next;
		if (t->state != CT_RUNNING)
			continue; /* decided: it completes whoever dies */
		if (t->saga_id.v == id.v) {
			snprintf(why, sizeof why, "saga %s ended: %s", t->saga,
			    reason);
			t->saga_id.v = 0; /* it cannot hear the cancel */
			coord_abort(t, why);
			continue;
		}
		for (size_t i = 0; i < t->njobs; i++) {
			struct job *j = &t->jobs[i];
			/* a worker that voted in a two_phase TX is prepared:
			 * its successor asks for the outcome (X3) */
			if (j->wid.v != id.v || j->state != J_STARTED)
				continue;
			snprintf(why, sizeof why, "worker %s ended: %s",
			    j->worker, reason);
			coord_job_failed(t, j, why, 0);
		}
	}
	return 1;
}

int
coord_timer(herd_ref ref)
{
	for (struct ctx *t = C.txs; t != NULL; t = t->next) {
		if (t->life_timer == ref) {
			t->life_timer = 0;
			if (t->state == CT_RUNNING)
				coord_abort(t, "lifespan");
			return 1;
		}
		for (size_t i = 0; i < t->njobs; i++)
			if (t->jobs[i].timer == ref) {
				t->jobs[i].timer = 0;
				if (t->jobs[i].state == J_STARTED &&
				    t->state == CT_RUNNING)
					coord_job_failed(t, &t->jobs[i],
					    "timeout", 1);
				return 1;
			}
	}
	return 0;
}
