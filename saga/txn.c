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

	if (t == NULL)
		return NULL;
	snprintf(t->id, sizeof t->id, "%s-%llu", C.idbase,
	    (unsigned long long)++C.next_id);
	if (coord_add_hop(t, "", saga, saga_id, -1) == NULL) {
		free(t->hops);
		free(t);
		return NULL;
	}
	t->saga = t->hops[0].saga;
	t->hop_limit = COORD_DEFAULT_HOP_LIMIT;
	t->started_ms = coord_now_ms();
	t->next = C.txs;
	C.txs = t;
	C.ntxs++;
	return t;
}

struct hop *
coord_add_hop(struct ctx *t, const char *id, const char *saga, herd_id sid,
    int parent)
{
	struct hop *grown = realloc(t->hops, (t->nhops + 1) * sizeof *t->hops);
	struct hop *h;

	if (grown == NULL)
		return NULL;
	t->hops = grown;
	h = &t->hops[t->nhops];
	memset(h, 0, sizeof *h);
	if ((h->saga = strdup(saga)) == NULL)
		return NULL;
	snprintf(h->id, sizeof h->id, "%s", id);
	h->sid = sid;
	h->parent = parent;
	h->depth = parent < 0 ? 0 : t->hops[parent].depth + 1;
	t->nhops++;
	t->saga = t->hops[0].saga;
	return h;
}

struct hop *
coord_hop_of(struct ctx *t, herd_id from)
{
	if (t == NULL || from.v == 0)
		return NULL;
	for (size_t i = 0; i < t->nhops; i++)
		if (t->hops[i].sid.v == from.v)
			return &t->hops[i];
	return NULL;
}

void
coord_send_hop(const struct hop *h, cJSON *m)
{
	if (h->internal) {
		/* a step saga run here: it hears nothing by mail */
		cJSON_Delete(m);
		return;
	}
	coord_send(h->sid, h->saga, m);
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
	steps_free(t);
	for (size_t i = 0; i < t->njobs; i++) {
		if (t->jobs[i].timer != 0)
			(void)herd_cancel_timer(C.self, t->jobs[i].timer);
		if (t->jobs[i].spawn_timer != 0)
			(void)herd_cancel_timer(C.self, t->jobs[i].spawn_timer);
		free(t->jobs[i].worker);
		cJSON_Delete(t->jobs[i].value);
	}
	for (size_t i = 0; i < t->nhops; i++) {
		if (t->hops[i].timer != 0)
			(void)herd_cancel_timer(C.self, t->hops[i].timer);
		free(t->hops[i].saga);
	}
	free(t->jobs);
	free(t->hops);
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

struct job *
coord_local_job(struct ctx *t, int h, const char *local)
{
	if (local == NULL)
		return NULL;
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].hop == h && strcmp(t->jobs[i].local, local) == 0)
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

/* The TX's event in herdd's stream: tx.started, tx.committed (the
 * decision is on disk), tx.aborted, tx.ended (all acknowledged). */
void
coord_event(const struct ctx *t, const char *topic, const char *reason)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "tx", t->id);
	cJSON_AddStringToObject(d, "saga", t->saga);
	cJSON_AddBoolToObject(d, "two_phase", t->two_phase);
	if (reason != NULL)
		cJSON_AddStringToObject(d, "reason", reason);
	herdi_tx_publish(C.self, topic, d);
}

void
coord_heuristic_add(const char *id, const cJSON *final, const cJSON *jobs)
{
	struct heuristic *h = calloc(1, sizeof *h), **pp;
	size_t n = 0;

	if (h == NULL)
		return;
	snprintf(h->id, sizeof h->id, "%s", id);
	h->final = final != NULL ? cJSON_Duplicate(final, 1) : NULL;
	h->jobs = cJSON_IsArray(jobs) ? cJSON_Duplicate(jobs, 1) :
	    cJSON_CreateArray();
	h->next = C.heuristic;
	C.heuristic = h;
	/* bounded: the oldest goes (and is presumed aborted again) */
	for (pp = &C.heuristic; *pp != NULL; pp = &(*pp)->next)
		if (++n > COORD_HEURISTIC_MAX) {
			struct heuristic *old = *pp;
			*pp = NULL;
			while (old != NULL) {
				struct heuristic *nx = old->next;
				cJSON_Delete(old->final);
				cJSON_Delete(old->jobs);
				free(old);
				old = nx;
			}
			break;
		}
}

const struct heuristic *
coord_heuristic(const char *id, const char *job)
{
	const cJSON *j;

	for (const struct heuristic *h = C.heuristic; h != NULL; h = h->next) {
		if (strcmp(h->id, id) != 0)
			continue;
		if (job == NULL)
			return h;
		cJSON_ArrayForEach(j, h->jobs)
			if (cJSON_IsString(j) && strcmp(j->valuestring, job) == 0)
				return h;
		return NULL;
	}
	return NULL;
}

cJSON *
coord_heuristic_record(const struct heuristic *h)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "r", "heuristic");
	cJSON_AddStringToObject(rec, "tx", h->id);
	cJSON_AddStringToObject(rec, "outcome", "commit");
	if (h->final != NULL)
		cJSON_AddItemToObject(rec, "final", cJSON_Duplicate(h->final, 1));
	cJSON_AddItemToObject(rec, "jobs", cJSON_Duplicate(h->jobs, 1));
	return rec;
}

void
coord_abort_job(const struct ctx *t, const struct job *j, const char *reason)
{
	cJSON *m = herdi_tx_msg("abort", t->id);

	cJSON_AddStringToObject(m, "job", j->id);
	cJSON_AddStringToObject(m, "reason", reason);
	/* by name: the worker that prepared may have been restarted (its
	 * successor holds the TX in doubt) */
	coord_send((herd_id){ 0 }, j->worker, m);
}

void
coord_abort(struct ctx *t, const char *reason)
{
	cJSON *m;

	if (t->run != NULL && steps_abort(t, reason))
		return; /* compensations first (X7) */

	for (size_t i = 0; i < t->njobs; i++) {
		struct job *j = &t->jobs[i];
		/* a failed job's worker may be prepared too (it died after
		 * its prepared record, before its vote left) */
		if (j->state != J_STARTED && j->state != J_RESULT &&
		    j->state != J_FAILED)
			continue;
		coord_abort_job(t, j, reason);
	}
	for (size_t i = 0; i < t->nhops; i++) {
		if (t->hops[i].state == H_FAILED || t->hops[i].sid.v == 0)
			continue; /* cancelled already, or dead */
		m = herdi_tx_msg("cancel", t->id);
		cJSON_AddStringToObject(m, "reason", reason);
		coord_send_hop(&t->hops[i], m);
	}
	answer_waiter(t, "aborted", reason);
	coord_event(t, "tx.aborted", reason);
	steps_end_record(t);
	coord_remember(t, "aborted", reason);
	C.aborted++;
	fprintf(stderr, "herd.tx: %s aborted: %s\n", t->id, reason);
	coord_free_tx(t);
}

void
coord_told(struct ctx *t)
{
	cJSON *m;

	if (t->run != NULL && !t->two_phase && steps_end_durable(t) != 0)
		return; /* not durable: compensated instead */

	/* I6: the one final value, to every saga of the TX */
	for (size_t i = 0; i < t->nhops; i++) {
		if (t->hops[i].state == H_FAILED)
			continue;
		m = herdi_tx_msg("done", t->id);
		if (t->final != NULL)
			cJSON_AddItemToObject(m, "final",
			    cJSON_Duplicate(t->final, 1));
		coord_send_hop(&t->hops[i], m);
	}
	answer_waiter(t, "committed", NULL);
	coord_event(t, "tx.committed", NULL);
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
			if (j->state != J_STARTED)
				continue;
			coord_abort_job(t, j, "tx_done");
			j->state = J_CANCELLED;
		}
		for (size_t i = 1; i < t->nhops; i++)
			if (t->hops[i].state == H_RUNNING)
				coord_hop_failed(t, &t->hops[i], "tx_done");
		coord_told(t);
		return;
	}
	/* X1: commit only if every participant voted */
	for (size_t i = 1; i < t->nhops; i++) {
		char why[96];
		if (t->hops[i].state != H_RUNNING)
			continue;
		snprintf(why, sizeof why, "hop %s (%s) gave no result",
		    t->hops[i].id, t->hops[i].saga);
		coord_abort(t, why);
		return;
	}
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

int
coord_lookup(const char *name, herd_id *id)
{
	struct name *n;
	int rv;

	for (n = C.names; n != NULL; n = n->next)
		if (strcmp(n->name, name) == 0) {
			*id = n->id;
			return 0;
		}
	/* a round trip to herdd, once per name and actor: the hot path of
	 * a TX is casts only. (A name moved with herd_unregister while its
	 * actor lives is not seen: its old actor gets the message.) */
	if ((rv = herd_whereis(C.self, name, id)) != 0)
		return rv;
	if (!coord_watch(*id))
		return 0; /* not kept: its end would not be seen */
	if ((n = calloc(1, sizeof *n)) != NULL &&
	    (n->name = strdup(name)) != NULL) {
		n->id = *id;
		n->next = C.names;
		C.names = n;
	} else
		free(n);
	return 0;
}

/* ID ended: the names it had are looked up again next time. */
static void
forget_names(herd_id id)
{
	for (struct name **pp = &C.names; *pp != NULL;) {
		struct name *n = *pp;
		if (n->id.v == id.v) {
			*pp = n->next;
			free(n->name);
			free(n);
		} else
			pp = &n->next;
	}
}

int
coord_watch(herd_id id)
{
	struct watch *w;

	if (id.v == 0)
		return 0;
	for (w = C.watches; w != NULL; w = w->next)
		if (w->id.v == id.v)
			return 1;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return 0;
	w->id = id;
	if (herd_monitor(C.self, id, &w->ref) != 0) {
		free(w);
		return 0;
	}
	w->next = C.watches;
	C.watches = w;
	return 1;
}

void
coord_job_failed(struct ctx *t, struct job *j, const char *reason,
    int tell_worker)
{
	cJSON *m;

	j->state = J_FAILED;
	if (j->timer != 0) {
		(void)herd_cancel_timer(C.self, j->timer);
		j->timer = 0;
	}
	if (tell_worker)
		coord_abort_job(t, j, reason);
	if (t->stepdef != NULL && j->hop == 0) {
		steps_job_done(t, j, NULL, reason);
		return;
	}
	m = herdi_tx_msg("job_failed", t->id);
	cJSON_AddStringToObject(m, "job", j->local);
	cJSON_AddStringToObject(m, "reason", reason);
	coord_send_hop(&t->hops[j->hop], m);
}

/* Cancels what hop H started: its jobs, and its hops, down the tree. */
static void
cancel_part(struct ctx *t, int h, const char *reason)
{
	cJSON *m;

	for (size_t i = 0; i < t->njobs; i++) {
		struct job *j = &t->jobs[i];
		if (j->hop != h || (j->state != J_STARTED &&
		    j->state != J_RESULT && j->state != J_FAILED))
			continue;
		coord_abort_job(t, j, reason);
		j->state = J_CANCELLED;
		if (j->timer != 0) {
			(void)herd_cancel_timer(C.self, j->timer);
			j->timer = 0;
		}
	}
	for (size_t i = 1; i < t->nhops; i++) {
		struct hop *c = &t->hops[i];
		if (c->parent != h || c->state == H_FAILED)
			continue;
		c->state = H_FAILED;
		if (c->timer != 0) {
			(void)herd_cancel_timer(C.self, c->timer);
			c->timer = 0;
		}
		if (c->sid.v != 0) {
			m = herdi_tx_msg("cancel", t->id);
			cJSON_AddStringToObject(m, "reason", reason);
			coord_send_hop(c, m);
		}
		cancel_part(t, (int)i, reason);
	}
}

void
coord_hop_failed(struct ctx *t, struct hop *h, const char *reason)
{
	int i = (int)(h - t->hops);
	cJSON *m;

	if (i == 0) {
		coord_abort(t, reason);
		return;
	}
	h->state = H_FAILED;
	if (h->timer != 0) {
		(void)herd_cancel_timer(C.self, h->timer);
		h->timer = 0;
	}
	if (h->sid.v != 0) {
		m = herdi_tx_msg("cancel", t->id);
		cJSON_AddStringToObject(m, "reason", reason);
		coord_send_hop(h, m);
	}
	cancel_part(t, i, reason);
	/* the forwarding saga decides: route elsewhere, or cancel */
	m = herdi_tx_msg("next_failed", t->id);
	cJSON_AddStringToObject(m, "hop", h->id);
	cJSON_AddStringToObject(m, "reason", reason);
	coord_send_hop(&t->hops[h->parent], m);
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
	forget_names(id);
	for (struct ctx *t = C.txs, *next; t != NULL; t = next) {
		next = t->next;
		if (t->state != CT_RUNNING)
			continue; /* decided: it completes whoever dies */
		{
			struct hop *h = coord_hop_of(t, id);
			if (h != NULL && h->state != H_FAILED) {
				snprintf(why, sizeof why, "saga %s ended: %s",
				    h->saga, reason);
				h->sid.v = 0; /* it cannot hear the cancel */
				coord_hop_failed(t, h, why);
				continue;
			}
		}
		for (size_t i = 0; i < t->njobs; i++) {
			struct job *j = &t->jobs[i];
			char tx[HERDI_TX_ID_MAX];
			/* a worker that voted in a two_phase TX is prepared:
			 * its successor asks for the outcome (X3) */
			if (j->wid.v != id.v || j->state != J_STARTED)
				continue;
			snprintf(why, sizeof why, "worker %s ended: %s",
			    j->worker, reason);
			snprintf(tx, sizeof tx, "%s", t->id);
			coord_job_failed(t, j, why, 0);
			/* a step saga may have ended (and freed) its TX */
			if (coord_find(tx) != t)
				break;
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
		for (size_t i = 1; i < t->nhops; i++)
			if (t->hops[i].timer == ref) {
				t->hops[i].timer = 0;
				if (t->hops[i].state == H_RUNNING &&
				    t->state == CT_RUNNING)
					coord_hop_failed(t, &t->hops[i],
					    "timeout");
				return 1;
			}
		for (size_t i = 0; i < t->njobs; i++)
			if (t->jobs[i].spawn_timer == ref) {
				coord_spawn_retry(t, &t->jobs[i]);
				return 1;
			} else if (t->jobs[i].timer == ref) {
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
