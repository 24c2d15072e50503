/*
 * The TX messages sagas and workers cast to the coordinator, one handler
 * per kind (a table, as herdd's ops). A message that does not fit the
 * TX's state is dropped, and a worker's message for a TX the coordinator
 * does not know is answered abort, so that a late worker stops (X6).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "herdi.h"

struct msg {
	herd_id from;
	const cJSON *m;
	struct ctx *t;
	const char *tx;
};

static cJSON *
job_msg(const char *kind, const char *tx, const char *job)
{
	cJSON *m = herdi_tx_msg(kind, tx);

	cJSON_AddStringToObject(m, "job", job ? job : "");
	return m;
}

/* A worker's message for a TX it should not be working on: it stops. */
static void
stop_late(const struct msg *x, const char *reason)
{
	cJSON *m;

	if (x->from.v == 0)
		return; /* herdctl's cast: nobody to stop */
	m = job_msg("abort", x->tx, herdi_tx_str(x->m, "job"));

	cJSON_AddStringToObject(m, "reason", reason);
	coord_send(x->from, NULL, m);
}

/* The hop of the TX whose saga sent the message, if it is running. */
static struct hop *
from_saga(const struct msg *x)
{
	struct hop *h = coord_hop_of(x->t, x->from);

	return h != NULL && h->state == H_RUNNING ? h : NULL;
}

/* Tells hop H's parent a hop failed before it was started. */
static void
refuse_hop(const struct msg *x, struct hop *h, const char *hop,
    const char *reason)
{
	cJSON *m = herdi_tx_msg("next_failed", x->t->id);

	cJSON_AddStringToObject(m, "hop", hop);
	cJSON_AddStringToObject(m, "reason", reason);
	coord_send_hop(h, m);
}

/*
 * A worker process for job J of T: WORKER named no actor, so it may be
 * a simple_one_for_one pool of saga workers, and herdd spawns an
 * instance with "--herd-job=TX:JOB" (libherd takes it off its argv); the
 * instance says job_ready and gets its start then. 0, or -1 when WORKER
 * is no pool either.
 */
#define SPAWN_RETRY_MS 20

static int
spawn_worker(struct ctx *t, struct job *j)
{
	cJSON *args = cJSON_CreateObject(), *a, *r;
	const char *path;
	char arg[128];
	int rv = -1;

	snprintf(arg, sizeof arg, "--herd-job=%s:%s", t->id, j->id);
	cJSON_AddStringToObject(args, "pool", j->worker);
	a = cJSON_AddArrayToObject(args, "args");
	cJSON_AddItemToArray(a, cJSON_CreateString(arg));
	if ((r = herdi_node_call(&C.self->node, "spawn", args)) == NULL)
		return -1;
	path = herdi_tx_str(cJSON_GetObjectItemCaseSensitive(r, "result"),
	    "path");
	if (path == NULL) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
		const char *msg = herdi_tx_str(e, "message");
		const char *code = herdi_tx_str(e, "code");
		if (code != NULL && strcmp(code, "busy") == 0) {
			/* herdd starts a pool's instances one at a time */
			j->spawned = 1;
			if (herd_send_after(C.self, herd_self(C.self),
			    "herd.tx.spawn", 13, SPAWN_RETRY_MS,
			    &j->spawn_timer) == 0)
				rv = 0;
		} else if (msg != NULL && strncmp(msg, "no simple_one_for_one",
		    21))
			/* not a pool either: only worth a word when it is */
			fprintf(stderr, "herd.tx: %s: spawning a worker of %s: "
			    "%s\n", t->id, j->worker, msg);
	} else {
		char *p = strdup(path);
		if (p != NULL) {
			/* from now on the job's worker is the instance */
			free(j->worker);
			j->worker = p;
			j->spawned = 1;
			rv = 0;
		}
	}
	cJSON_Delete(r);
	return rv;
}

void
coord_spawn_retry(struct ctx *t, struct job *j)
{
	j->spawn_timer = 0;
	if (j->state != J_STARTED || t->state != CT_RUNNING)
		return;
	if (spawn_worker(t, j) != 0)
		coord_job_failed(t, j, "noproc", 0);
}

struct job *
coord_start_job(struct ctx *t, int hop, const char *local,
    const char *worker, const cJSON *value, int64_t timeout,
    int compensation)
{
	struct job *j, *grown;
	herd_id wid;
	cJSON *m;
	int busy = 0;

	/* a worker keys its TXs by id: one job of a TX per worker at once */
	for (size_t i = 0; i < t->njobs; i++)
		busy |= !t->jobs[i].spawned &&
		    strcmp(t->jobs[i].worker, worker) == 0 &&
		    (t->jobs[i].state == J_STARTED || (t->two_phase &&
		    t->jobs[i].state == J_RESULT));
	if (timeout > 86400000)
		timeout = 86400000;

	grown = realloc(t->jobs, (t->njobs + 1) * sizeof *t->jobs);
	if (grown == NULL)
		return NULL;
	t->jobs = grown;
	j = &t->jobs[t->njobs];
	memset(j, 0, sizeof *j);
	/* sagas' ids are their own: the TX's are unique across its hops */
	snprintf(j->local, sizeof j->local, "%s", local);
	snprintf(j->id, sizeof j->id, "j%u", ++t->next_job);
	j->hop = hop;
	if ((j->worker = strdup(worker)) == NULL)
		return NULL;
	t->njobs++;
	if (busy) {
		coord_job_failed(t, j, "worker_busy: it has a job of this TX "
		    "already", 0);
		return NULL;
	}
	if (compensation)
		; /* the abort was decided: the lifespan no longer applies */
	else if (timeout <= 0)
		timeout = t->deadline_ms - coord_now_ms();
	else if (coord_now_ms() + timeout > t->deadline_ms) {
		/* X9: a job that would outlive the TX is refused */
		coord_job_failed(t, j, "lifespan", 0);
		return NULL;
	}
	if (coord_lookup(worker, &wid) != 0) {
		if (spawn_worker(t, j) != 0) {
			coord_job_failed(t, j, "noproc", 0);
			return NULL;
		}
		/* started once the instance is ready (m_job_ready) */
		j->value = value != NULL ? cJSON_Duplicate(value, 1) : NULL;
		if (timeout > 0 && herd_send_after(C.self, herd_self(C.self),
		    "herd.tx.job", 11, (int)timeout, &j->timer) != 0)
			j->timer = 0;
		return j;
	}
	j->wid = wid;
	coord_watch(wid);
	if (timeout > 0 && herd_send_after(C.self, herd_self(C.self),
	    "herd.tx.job", 11, (int)timeout, &j->timer) != 0)
		j->timer = 0;
	m = job_msg("start", t->id, j->id);
	cJSON_AddBoolToObject(m, "two_phase", t->two_phase);
	if (value != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(value, 1));
	coord_send(wid, worker, m);
	return j;
}

static void
m_job(struct msg *x)
{
	struct ctx *t = x->t;
	const char *id = herdi_tx_str(x->m, "job");
	const char *worker = herdi_tx_str(x->m, "worker");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(x->m, "timeout_ms");
	struct hop *h = from_saga(x);
	int64_t timeout = cJSON_IsNumber(to) && to->valuedouble > 0 &&
	    to->valuedouble < 86400000 ? (int64_t)to->valuedouble : 0;
	int hop = h != NULL ? (int)(h - t->hops) : 0;

	if (h == NULL || t->state != CT_RUNNING ||
	    !herdi_tx_id_ok(id, HERDI_TX_JOB_MAX) || worker == NULL ||
	    coord_local_job(t, hop, id) != NULL)
		return;
	(void)coord_start_job(t, hop, id, worker,
	    cJSON_GetObjectItemCaseSensitive(x->m, "value"), timeout, 0);
}

/* A saga's result: the root's is the TX's final value, a hop's goes to
 * the saga that forwarded the TX to it. */
static void
m_final(struct msg *x)
{
	struct hop *h = from_saga(x);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->m, "final");
	cJSON *m;

	if (h == NULL || x->t->state != CT_RUNNING)
		return;
	if (h == x->t->hops) {
		coord_final(x->t, v);
		return;
	}
	h->state = H_RESULT;
	if (h->timer != 0) {
		(void)herd_cancel_timer(C.self, h->timer);
		h->timer = 0;
	}
	m = herdi_tx_msg("next_result", x->t->id);
	cJSON_AddStringToObject(m, "hop", h->id);
	if (v != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(v, 1));
	coord_send_hop(&x->t->hops[h->parent], m);
}

/* A hop's interim result, to the saga that forwarded the TX to it. */
static void
m_hop_interim(struct msg *x)
{
	struct hop *h = from_saga(x);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->m, "value");
	cJSON *m;

	if (h == NULL || h == x->t->hops || x->t->state != CT_RUNNING)
		return;
	m = herdi_tx_msg("next_interim", x->t->id);
	cJSON_AddStringToObject(m, "hop", h->id);
	if (v != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(v, 1));
	coord_send_hop(&x->t->hops[h->parent], m);
}

/* A saga forwards the TX to another (X9, X10). */
static void
m_forward(struct msg *x)
{
	struct ctx *t = x->t;
	struct hop *h = from_saga(x), *n;
	const char *id = herdi_tx_str(x->m, "hop");
	const char *saga = herdi_tx_str(x->m, "saga");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(x->m, "timeout_ms");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->m, "value");
	int64_t timeout = cJSON_IsNumber(to) && to->valuedouble > 0 &&
	    to->valuedouble < 86400000 ? (int64_t)to->valuedouble : 0;
	int parent;
	herd_id sid;
	cJSON *m;

	if (h == NULL || t->state != CT_RUNNING ||
	    !herdi_tx_id_ok(id, HERDI_TX_JOB_MAX) || saga == NULL)
		return;
	parent = (int)(h - t->hops);
	if (h->depth + 1 > t->hop_limit) {
		refuse_hop(x, h, id, "hop_limit");
		return;
	}
	if (timeout > 0 && coord_now_ms() + timeout > t->deadline_ms) {
		refuse_hop(x, h, id, "lifespan");
		return;
	}
	if (coord_lookup(saga, &sid) != 0) {
		refuse_hop(x, h, id, "noproc");
		return;
	}
	/* X10: a TX arriving twice at one saga is a loop */
	if (coord_hop_of(t, sid) != NULL) {
		refuse_hop(x, h, id, "loop_detected");
		return;
	}
	if ((n = coord_add_hop(t, id, saga, sid, parent)) == NULL)
		return;
	coord_watch(sid);
	if (timeout <= 0)
		timeout = t->deadline_ms - coord_now_ms();
	if (timeout > 0 && herd_send_after(C.self, herd_self(C.self),
	    "herd.tx.hop", 11, (int)timeout, &n->timer) != 0)
		n->timer = 0;
	m = herdi_tx_msg("new", t->id);
	cJSON_AddBoolToObject(m, "two_phase", t->two_phase);
	cJSON_AddStringToObject(m, "hop", id);
	if (v != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(v, 1));
	coord_send_hop(n, m);
}

/* Any saga of the TX cancels it: every worker and hop hears (X8); or
 * its saga refuses it (tx_limit). */
static void
m_cancel(struct msg *x)
{
	const char *why = herdi_tx_str(x->m, "reason");
	struct hop *h = coord_hop_of(x->t, x->from);

	if (h == NULL || h->state == H_FAILED || x->t->state != CT_RUNNING)
		return;
	if (h != x->t->hops && strcmp(herdi_tx_str(x->m, "herd.tx"),
	    "refuse") == 0) {
		/* a hop that refuses: the forwarding saga decides */
		coord_hop_failed(x->t, h, why != NULL ? why : "refused");
		return;
	}
	coord_abort(x->t, why != NULL ? why : "cancelled");
}

static void
m_cancel_job(struct msg *x)
{
	struct job *j;
	const char *why = herdi_tx_str(x->m, "reason");
	struct hop *h = from_saga(x);

	if (h == NULL || x->t->state != CT_RUNNING ||
	    (j = coord_local_job(x->t, (int)(h - x->t->hops),
	    herdi_tx_str(x->m, "job"))) == NULL ||
	    (j->state != J_STARTED && j->state != J_RESULT))
		return;
	j->state = J_CANCELLED;
	coord_abort_job(x->t, j, why ? why : "cancelled");
}

/* The job a worker's message is about, when it may send it now. */
static struct job *
worker_job(struct msg *x)
{
	struct job *j;

	if (x->t == NULL) {
		stop_late(x, "unknown_tx");
		return NULL;
	}
	if (x->t->state != CT_RUNNING)
		return NULL; /* decided: a duplicate */
	j = coord_job(x->t, herdi_tx_str(x->m, "job"));
	if (j == NULL || j->wid.v != x->from.v) {
		stop_late(x, "unknown_job");
		return NULL;
	}
	if (j->state == J_CANCELLED || j->state == J_FAILED) {
		stop_late(x, "cancelled");
		return NULL;
	}
	return j;
}

static void
forward(struct msg *x, struct job *j, const char *kind)
{
	cJSON *m = job_msg(kind, x->t->id, j->local);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->m, "value");

	if (v != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(v, 1));
	if (x->t->stepdef != NULL && j->hop == 0) {
		/* a step saga's job: its runner is here */
		cJSON_Delete(m);
		if (strcmp(kind, "job_result") == 0)
			steps_job_done(x->t, j, v, NULL);
		return;
	}
	coord_send_hop(&x->t->hops[j->hop], m);
}

static void
m_interim(struct msg *x)
{
	struct job *j = worker_job(x);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(x->m, "seq");

	/* X11: in order, and never after the result */
	if (j == NULL || j->state != J_STARTED || !cJSON_IsNumber(seq) ||
	    seq->valuedouble != j->interims + 1)
		return;
	j->interims++;
	forward(x, j, "job_interim");
}

static void
m_result(struct msg *x)
{
	struct job *j = worker_job(x);

	if (j == NULL || j->state != J_STARTED)
		return;
	j->state = J_RESULT;
	if (j->timer != 0) {
		(void)herd_cancel_timer(C.self, j->timer);
		j->timer = 0;
	}
	forward(x, j, "job_result");
}

static void
m_failed(struct msg *x)
{
	struct job *j = worker_job(x);
	const char *why = herdi_tx_str(x->m, "reason");

	if (j != NULL && j->state == J_STARTED)
		coord_job_failed(x->t, j, why != NULL ? why : "failed", 0);
}

static void
m_ack(struct msg *x)
{
	struct job *j;

	if (x->t == NULL || x->t->state != CT_COMMITTED ||
	    (j = coord_job(x->t, herdi_tx_str(x->m, "job"))) == NULL)
		return;
	herdi_tx_crash_point("coord.acked");
	j->acked = 1;
	for (size_t i = 0; i < x->t->njobs; i++)
		if (x->t->jobs[i].state == J_RESULT && !x->t->jobs[i].acked)
			return;
	coord_end(x->t);
}

/* A worker process started for a job is up: its job starts. Any other
 * job_ready (a restarted instance of a job that failed, a TX gone) is
 * told abort, and the instance ends. */
static void
m_job_ready(struct msg *x)
{
	struct job *j = x->t != NULL ? coord_job(x->t, herdi_tx_str(x->m,
	    "job")) : NULL;
	cJSON *m;

	if (j == NULL || !j->spawned || j->wid.v != 0 ||
	    j->state != J_STARTED || x->t->state != CT_RUNNING) {
		stop_late(x, "job_over");
		return;
	}
	j->wid = x->from;
	coord_watch(x->from);
	m = job_msg("start", x->t->id, j->id);
	cJSON_AddBoolToObject(m, "two_phase", x->t->two_phase);
	if (j->value != NULL)
		cJSON_AddItemToObject(m, "value", j->value);
	j->value = NULL;
	coord_send(j->wid, j->worker, m);
}

/* A saga or worker that lost track asks about a TX (X3, X5). */
static void
m_inquire(struct msg *x)
{
	const char *role = herdi_tx_str(x->m, "role");
	const char *job = herdi_tx_str(x->m, "job");
	int worker = role != NULL && strcmp(role, "worker") == 0;
	struct ctx *t = x->t;
	cJSON *m;

	if (x->from.v == 0 || (t != NULL && t->state == CT_DECIDING))
		return; /* told after the sync; it asks again */
	if (t != NULL && worker) {
		/* a worker hears only about its own job: a commit for a job
		 * that is a participant, else abort (I1) */
		struct job *j = coord_job(t, job);
		int live = j != NULL && (j->state == J_RESULT ||
		    (j->state == J_STARTED && t->state == CT_RUNNING));
		if (!live)
			t = NULL;
		else if (t->state == CT_RUNNING)
			j->wid = x->from; /* its successor, perhaps */
	}
	if (t != NULL && t->state == CT_RUNNING) {
		m = herdi_tx_msg("running", t->id);
		if (worker && job != NULL)
			cJSON_AddStringToObject(m, "job", job);
	} else if (t != NULL) {
		m = worker ? job_msg("commit", t->id, job) :
		    herdi_tx_msg("done", t->id);
		if (t->final != NULL)
			cJSON_AddItemToObject(m, "final",
			    cJSON_Duplicate(t->final, 1));
	} else if (x->t == NULL && coord_heuristic(x->tx, worker ? (job ? job :
	    "") : NULL) != NULL) {
		/* an operator declared it committed, with this job in it */
		const struct heuristic *hz = coord_heuristic(x->tx, NULL);
		m = worker ? job_msg("commit", x->tx, job) :
		    herdi_tx_msg("done", x->tx);
		if (hz->final != NULL)
			cJSON_AddItemToObject(m, "final",
			    cJSON_Duplicate(hz->final, 1));
	} else {
		/* X4: not in the journal, so aborted */
		m = worker ? job_msg("abort", x->tx, job) :
		    herdi_tx_msg("cancel", x->tx);
		cJSON_AddStringToObject(m, "reason", "unknown_tx");
	}
	coord_send(x->from, NULL, m);
}

static const struct {
	const char *kind;
	void (*fn)(struct msg *);
} kinds[] = {
	{ "job", m_job },
	{ "final", m_final },
	{ "cancel", m_cancel },
	{ "refuse", m_cancel },
	{ "cancel_job", m_cancel_job },
	{ "forward", m_forward },
	{ "hop_interim", m_hop_interim },
	{ "interim", m_interim },
	{ "result", m_result },
	{ "failed", m_failed },
	{ "ack", m_ack },
	{ "inquire", m_inquire },
	{ "job_ready", m_job_ready },
};

void
coord_message(herd_id from, const char *kind, const cJSON *m)
{
	struct msg x = { .from = from, .m = m };

	x.tx = herdi_tx_str(m, "tx");
	if (!herdi_tx_id_ok(x.tx, HERDI_TX_ID_MAX)) {
		fprintf(stderr, "herd.tx: \"%s\" without a valid tx id: "
		    "dropped\n", kind);
		return;
	}
	x.t = coord_find(x.tx);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0) {
			kinds[i].fn(&x);
			return;
		}
	fprintf(stderr, "herd.tx: unknown message \"%s\": dropped\n", kind);
}
