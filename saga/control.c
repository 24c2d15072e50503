/*
 * The coordinator's calls (herdctl tx ..., the control protocol's call
 * to "herd.tx", or any actor): start, list, show, cancel, one handler per
 * op. Requests are JSON objects {"op": ..., ...}; unknown members are
 * refused by name, so a typo never starts a TX with defaults.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "coord.h"

struct call {
	herd_id from;
	herd_ref ref;
	const cJSON *req;
};

static void
fail(const struct call *c, const char *code, const char *fmt, const char *a)
{
	char msg[512];

	snprintf(msg, sizeof msg, fmt, a);
	(void)herd_reply_error(C.self, c->ref, code, msg);
}

static void
reply(const struct call *c, cJSON *r)
{
	(void)herd_reply_json(C.self, c->ref, r);
	cJSON_Delete(r);
}

/* Refuses members of REQ not in ALLOWED (NULL-terminated). */
static int
only(const struct call *c, const char *const *allowed)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, c->req) {
		size_t i;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(it->string, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			fail(c, "bad_request", "unknown member \"%s\"",
			    it->string);
			return 0;
		}
	}
	return 1;
}

static const char *
state_name(enum ctx_state s)
{
	return s == CT_RUNNING ? "running" : s == CT_DECIDING ? "deciding" :
	    "committed";
}

static const char *
job_state_name(enum job_state s)
{
	static const char *const names[] = { "started", "result", "failed",
	    "cancelled" };
	return names[s];
}

static void
op_start(const struct call *c)
{
	static const char *const keys[] = { "op", "saga", "value",
	    "two_phase", "lifespan_ms", "hop_limit", "wait", NULL };
	const cJSON *hl = cJSON_GetObjectItemCaseSensitive(c->req, "hop_limit");
	const char *saga = herdi_tx_str(c->req, "saga");
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(c->req, "two_phase");
	const cJSON *ls = cJSON_GetObjectItemCaseSensitive(c->req,
	    "lifespan_ms");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(c->req, "wait");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->req, "value");
	const struct conf_saga *def;
	herd_id sid;
	struct ctx *t;
	cJSON *m, *r;
	char why[160];
	int64_t life = COORD_DEFAULT_LIFESPAN_MS;

	if (!only(c, keys))
		return;
	if (saga == NULL || saga[0] == '\0') {
		fail(c, "bad_request", "%s", "saga must be a saga's name");
		return;
	}
	if ((tp != NULL && !cJSON_IsBool(tp)) || (w != NULL &&
	    !cJSON_IsBool(w))) {
		fail(c, "bad_request", "%s", "two_phase and wait are booleans");
		return;
	}
	if (ls != NULL) {
		if (!cJSON_IsNumber(ls) || ls->valuedouble < 1 ||
		    ls->valuedouble > 86400000) {
			fail(c, "bad_request", "%s", "lifespan_ms must be 1 "
			    "to 86400000");
			return;
		}
		life = (int64_t)ls->valuedouble;
	}
	if (hl != NULL && (!cJSON_IsNumber(hl) || hl->valuedouble < 0 ||
	    hl->valuedouble > 64 || hl->valuedouble != (int)hl->valuedouble)) {
		fail(c, "bad_request", "%s", "hop_limit must be 0 to 64");
		return;
	}
	if (C.journal_errno != 0 && coord_journal_check() != 0) {
		snprintf(why, sizeof why, "%s", strerror(C.journal_errno));
		fail(c, "journal_failed", "the journal takes no records (%s): "
		    "no new TX until it does", why);
		return;
	}
	if ((def = steps_find(saga)) != NULL) {
		/* a step saga of the config: run here */
		sid.v = 0;
		if (ls == NULL && def->lifespan_ms > 0)
			life = def->lifespan_ms;
	} else if (coord_lookup(saga, &sid) != 0) {
		fail(c, "no_saga", "no actor and no step saga named "
		    "\"%.200s\"", saga);
		return;
	}
	if ((t = coord_new_tx(saga, sid)) == NULL) {
		fail(c, "no_memory", "%s", "out of memory");
		return;
	}
	t->two_phase = cJSON_IsTrue(tp) || (def != NULL && def->two_phase);
	t->stepdef = def;
	t->hops[0].internal = def != NULL;
	if (hl != NULL)
		t->hop_limit = hl->valueint;
	t->value = v != NULL ? cJSON_Duplicate(v, 1) : NULL;
	t->deadline_ms = t->started_ms + life;
	coord_watch(sid);
	if (herd_send_after(C.self, herd_self(C.self), "herd.tx.life", 12,
	    (int)life, &t->life_timer) != 0)
		t->life_timer = 0;
	m = herdi_tx_msg("new", t->id);
	cJSON_AddBoolToObject(m, "two_phase", t->two_phase);
	if (v != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(v, 1));
	coord_event(t, "tx.started", NULL);
	if (cJSON_IsTrue(w)) {
		t->waiting = 1;
		t->waiter = c->ref;
	} else {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "tx", t->id);
		reply(c, r);
	}
	if (def != NULL) {
		cJSON_Delete(m);
		steps_start(t);
		return;
	}
	coord_send(sid, saga, m);
}

static cJSON *
tx_json(const struct ctx *t)
{
	cJSON *o = cJSON_CreateObject(), *jobs;
	int64_t now = coord_now_ms();

	cJSON_AddStringToObject(o, "tx", t->id);
	cJSON_AddStringToObject(o, "saga", t->saga);
	cJSON_AddStringToObject(o, "state", state_name(t->state));
	cJSON_AddBoolToObject(o, "two_phase", t->two_phase);
	cJSON_AddNumberToObject(o, "age_ms", (double)(now - t->started_ms));
	if (t->state == CT_RUNNING)
		cJSON_AddNumberToObject(o, "lifespan_left_ms",
		    (double)(t->deadline_ms - now));
	if (t->value != NULL)
		cJSON_AddItemToObject(o, "value", cJSON_Duplicate(t->value, 1));
	if (t->final != NULL)
		cJSON_AddItemToObject(o, "final", cJSON_Duplicate(t->final, 1));
	if (t->state != CT_RUNNING)
		cJSON_AddNumberToObject(o, "journal_record", (double)t->record);
	steps_describe(t, o);
	if (t->nhops > 1) {
		cJSON *hops = cJSON_AddArrayToObject(o, "hops");
		static const char *const hs[] = { "running", "result",
		    "failed" };
		for (size_t i = 1; i < t->nhops; i++) {
			cJSON *ho = cJSON_CreateObject();
			cJSON_AddStringToObject(ho, "hop", t->hops[i].id);
			cJSON_AddStringToObject(ho, "saga", t->hops[i].saga);
			cJSON_AddStringToObject(ho, "from",
			    t->hops[t->hops[i].parent].saga);
			cJSON_AddNumberToObject(ho, "depth", t->hops[i].depth);
			cJSON_AddStringToObject(ho, "state",
			    hs[t->hops[i].state]);
			cJSON_AddItemToArray(hops, ho);
		}
	}
	jobs = cJSON_AddArrayToObject(o, "jobs");
	for (size_t i = 0; i < t->njobs; i++) {
		const struct job *j = &t->jobs[i];
		cJSON *jo = cJSON_CreateObject();
		cJSON_AddStringToObject(jo, "job", j->id);
		cJSON_AddStringToObject(jo, "worker", j->worker);
		cJSON_AddStringToObject(jo, "state", t->state == CT_COMMITTED &&
		    j->state == J_RESULT ? (j->acked ? "committed" :
		    "prepared") : job_state_name(j->state));
		cJSON_AddNumberToObject(jo, "interims", j->interims);
		cJSON_AddItemToArray(jobs, jo);
	}
	return o;
}

static void
op_list(const struct call *c)
{
	static const char *const keys[] = { "op", NULL };
	cJSON *r, *a;

	if (!only(c, keys))
		return;
	r = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(r, "txs");
	for (const struct ctx *t = C.txs; t != NULL; t = t->next)
		cJSON_AddItemToArray(a, tx_json(t));
	reply(c, r);
}

static void
op_show(const struct call *c)
{
	static const char *const keys[] = { "op", "tx", NULL };
	const char *id = herdi_tx_str(c->req, "tx");
	const struct ctx *t;
	const struct ended *e;
	cJSON *r;

	if (!only(c, keys))
		return;
	if (id == NULL) {
		fail(c, "bad_request", "%s", "tx must be a TX id");
		return;
	}
	if ((t = coord_find(id)) != NULL) {
		reply(c, tx_json(t));
		return;
	}
	if ((e = coord_ended(id)) == NULL) {
		fail(c, "unknown_tx", "no TX \"%.100s\" (not running, not "
		    "among the last ended)", id);
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "tx", e->id);
	cJSON_AddStringToObject(r, "saga", e->saga);
	cJSON_AddStringToObject(r, "state", e->outcome);
	if (e->reason[0] != '\0')
		cJSON_AddStringToObject(r, "reason", e->reason);
	cJSON_AddNumberToObject(r, "ended_ago_ms",
	    (double)(coord_now_ms() - e->ended_ms));
	reply(c, r);
}

static void
op_cancel(const struct call *c)
{
	static const char *const keys[] = { "op", "tx", "reason", NULL };
	const char *id = herdi_tx_str(c->req, "tx");
	const char *why = herdi_tx_str(c->req, "reason");
	struct ctx *t;
	cJSON *r;

	if (!only(c, keys))
		return;
	if (id == NULL || why == NULL || why[0] == '\0' || strlen(why) > 120) {
		fail(c, "bad_request", "%s", "tx and reason (1 to 120 bytes) "
		    "are needed");
		return;
	}
	/* X8: a second cancel, or an unknown id, is unknown_tx */
	if ((t = coord_find(id)) == NULL) {
		fail(c, "unknown_tx", "no running TX \"%.100s\"", id);
		return;
	}
	if (t->state != CT_RUNNING) {
		fail(c, "decided", "TX %s is committed: it completes, it can no "
		    "longer be cancelled", t->id);
		return;
	}
	if (steps_compensating(t)) {
		fail(c, "unknown_tx", "TX %s is aborting already (its "
		    "compensations run)", t->id);
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "tx", t->id);
	cJSON_AddStringToObject(r, "outcome", "aborted");
	coord_abort(t, why);
	reply(c, r);
}

/* Decided TXs whose participants have not all acknowledged: what an
 * operator may have to resolve when a participant is gone for good. */
static void
op_in_doubt(const struct call *c)
{
	static const char *const keys[] = { "op", NULL };
	cJSON *r, *a;

	if (!only(c, keys))
		return;
	r = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(r, "txs");
	for (const struct ctx *t = C.txs; t != NULL; t = t->next) {
		cJSON *o, *w;
		if (t->state != CT_COMMITTED)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "tx", t->id);
		cJSON_AddStringToObject(o, "saga", t->saga);
		cJSON_AddStringToObject(o, "outcome", "committed");
		cJSON_AddNumberToObject(o, "age_ms",
		    (double)(coord_now_ms() - t->started_ms));
		w = cJSON_AddArrayToObject(o, "waiting_for");
		for (size_t i = 0; i < t->njobs; i++)
			if (t->jobs[i].state == J_RESULT && !t->jobs[i].acked)
				cJSON_AddItemToArray(w,
				    cJSON_CreateString(t->jobs[i].worker));
		cJSON_AddItemToArray(a, o);
	}
	reply(c, r);
}

/*
 * An operator's heuristic outcome: a committed TX whose participants
 * cannot acknowledge (gone for good) is declared ended, or an undecided
 * one aborted. Recorded in the journal and as the event tx.heuristic.
 * Never the outcome opposite to a decision: that would mix (I1).
 */
static void
op_resolve(const struct call *c)
{
	static const char *const keys[] = { "op", "tx", "outcome", NULL };
	const char *id = herdi_tx_str(c->req, "tx");
	const char *out = herdi_tx_str(c->req, "outcome");
	struct ctx *t;
	cJSON *rec, *r, *w;
	char warn[512];
	size_t n = 0;

	if (!only(c, keys))
		return;
	if (id == NULL || out == NULL || (strcmp(out, "commit") != 0 &&
	    strcmp(out, "abort") != 0)) {
		fail(c, "bad_request", "%s", "tx and outcome (commit or abort) "
		    "are needed");
		return;
	}
	if ((t = coord_find(id)) == NULL) {
		fail(c, "unknown_tx", "no TX \"%.100s\" in flight (unknown "
		    "TXs are aborted: presumed abort)", id);
		return;
	}
	if (t->state == CT_DECIDING) {
		fail(c, "busy", "TX %s is being decided: ask again", t->id);
		return;
	}
	if (steps_compensating(t)) {
		fail(c, "refused", "TX %s is aborting already (its "
		    "compensations run)", t->id);
		return;
	}
	if (t->state == CT_RUNNING && strcmp(out, "commit") == 0) {
		fail(c, "refused", "TX %s is undecided: a commit needs every "
		    "vote (X1); resolve it abort, or cancel it", t->id);
		return;
	}
	if (t->state == CT_COMMITTED && strcmp(out, "abort") == 0) {
		fail(c, "decided", "TX %s is committed: aborting it now would "
		    "mix outcomes among its participants", t->id);
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "tx", t->id);
	cJSON_AddStringToObject(r, "outcome", out);
	if (t->state == CT_RUNNING) {
		cJSON_AddStringToObject(r, "warning", "heuristic abort: its "
		    "workers and sagas are told as for a cancel");
		coord_event(t, "tx.heuristic", "abort by an operator");
		coord_abort(t, "heuristic abort by an operator");
		reply(c, r);
		return;
	}
	w = cJSON_CreateArray();
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].state == J_RESULT && !t->jobs[i].acked) {
			cJSON_AddItemToArray(w,
			    cJSON_CreateString(t->jobs[i].id));
			n++;
		}
	coord_heuristic_add(t->id, t->final, w);
	cJSON_Delete(w);
	rec = coord_heuristic_record(coord_heuristic(t->id, NULL));
	(void)herdi_journal_append(&C.j, rec);
	(void)herdi_journal_sync(&C.j);
	cJSON_Delete(rec);
	snprintf(warn, sizeof warn, "heuristic: TX %s declared ended, %zu "
	    "participant(s) never acknowledged its commit (one that comes "
	    "back in doubt is told commit, for the last %d such TXs)", t->id,
	    n, COORD_HEURISTIC_MAX);
	fprintf(stderr, "herd.tx: WARNING: %s\n", warn);
	cJSON_AddStringToObject(r, "warning", warn);
	coord_event(t, "tx.heuristic", warn);
	for (size_t i = 0; i < t->njobs; i++)
		t->jobs[i].acked = 1;
	coord_end(t);
	reply(c, r);
}

static const struct {
	const char *op;
	void (*fn)(const struct call *);
} ops[] = {
	{ "in_doubt", op_in_doubt },
	{ "resolve", op_resolve },
	{ "start", op_start },
	{ "list", op_list },
	{ "show", op_show },
	{ "cancel", op_cancel },
};

void
coord_call(herd_id from, herd_ref ref, const cJSON *req)
{
	struct call c = { .from = from, .ref = ref, .req = req };
	const char *op = herdi_tx_str(req, "op");

	if (!cJSON_IsObject(req) || op == NULL) {
		fail(&c, "bad_request", "%s", "a JSON object with \"op\" "
		    "(start, list, show, cancel, in_doubt, resolve) is needed");
		return;
	}
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(ops[i].op, op) == 0) {
			ops[i].fn(&c);
			return;
		}
	fail(&c, "bad_request", "unknown op \"%.60s\" (start, list, show, "
	    "cancel, in_doubt, resolve)", op);
}
