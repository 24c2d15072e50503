/*
 * The coordinator's journal (docs/sagas.md "Journal"): a commit record is
 * written when a saga's final value is accepted, and sent to nobody until
 * the group sync has put it on disk (X2): every commit written while a
 * batch of messages was handled shares one fdatasync. An end record
 * follows when every participant acknowledged (X5), and compaction keeps
 * only the commits still waiting. No record means abort (X4).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"

#define COMPACT_AFTER 1024 /* ended TXs between compactions */

static cJSON *
commit_record(const struct ctx *t)
{
	cJSON *rec = cJSON_CreateObject(), *jobs;

	cJSON_AddStringToObject(rec, "r", "commit");
	cJSON_AddStringToObject(rec, "tx", t->id);
	cJSON_AddStringToObject(rec, "saga", t->saga);
	if (t->final != NULL)
		cJSON_AddItemToObject(rec, "final", cJSON_Duplicate(t->final, 1));
	jobs = cJSON_AddArrayToObject(rec, "jobs");
	for (size_t i = 0; i < t->njobs; i++) {
		cJSON *j;
		if (t->jobs[i].state != J_RESULT)
			continue;
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "job", t->jobs[i].id);
		cJSON_AddStringToObject(j, "worker", t->jobs[i].worker);
		cJSON_AddItemToArray(jobs, j);
	}
	return rec;
}

/* A commit record read back: the TX waits for its acknowledgements. */
static int
replay_commit(const cJSON *rec)
{
	const char *id = herdi_tx_str(rec, "tx"), *saga = herdi_tx_str(rec,
	    "saga");
	const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(rec, "jobs"), *j;
	herd_id none = { 0 };
	struct ctx *t;
	size_t n = 0;

	if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX) || saga == NULL ||
	    !cJSON_IsArray(jobs))
		return -1;
	if ((t = coord_find(id)) != NULL) {
		if (t->run == NULL)
			return 0; /* written twice: the same decision */
		coord_free_tx(t); /* a step saga that was decided */
	}
	if ((t = coord_new_tx(saga, none)) == NULL)
		return -1;
	snprintf(t->id, sizeof t->id, "%s", id);
	t->two_phase = 1;
	t->state = CT_COMMITTED;
	t->final = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec,
	    "final"), 1);
	t->jobs = calloc((size_t)cJSON_GetArraySize(jobs) + 1, sizeof *t->jobs);
	if (t->jobs == NULL)
		return -1;
	cJSON_ArrayForEach(j, jobs) {
		const char *job = herdi_tx_str(j, "job"), *w = herdi_tx_str(j,
		    "worker");
		if (!herdi_tx_id_ok(job, HERDI_TX_JOB_MAX) || w == NULL)
			return -1;
		snprintf(t->jobs[n].id, sizeof t->jobs[n].id, "%s", job);
		if ((t->jobs[n].worker = strdup(w)) == NULL)
			return -1;
		t->jobs[n++].state = J_RESULT;
	}
	t->njobs = n;
	return 0;
}

static int
replay(void *arg, const cJSON *rec)
{
	const char *r = herdi_tx_str(rec, "r");
	struct ctx *t;

	if (r == NULL)
		return -1;
	if (strcmp(r, "commit") == 0)
		return replay_commit(rec);
	if (strcmp(r, "end") == 0) {
		if ((t = coord_find(herdi_tx_str(rec, "tx"))) != NULL)
			coord_free_tx(t);
		return 0;
	}
	if (strcmp(r, "step") == 0)
		return steps_replay(rec);
	if (strcmp(r, "heuristic") == 0) {
		/* an operator ended it: as an end record, and remembered */
		const char *id = herdi_tx_str(rec, "tx");
		if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX))
			return -1;
		if ((t = coord_find(id)) != NULL)
			coord_free_tx(t);
		coord_heuristic_add(id, cJSON_GetObjectItemCaseSensitive(rec,
		    "final"), cJSON_GetObjectItemCaseSensitive(rec, "jobs"));
		return 0;
	}
	if (strcmp(r, "check") == 0)
		return 0;
	fprintf(stderr, "herd.tx: journal record \"%s\" unknown\n", r);
	return -1;
}

static void
arm_resend(void)
{
	if (C.resend_ref == 0 && herd_send_after(C.self, herd_self(C.self),
	    "herd.tx.resend", 14, HERDI_TX_RESEND_MS, &C.resend_ref) != 0)
		C.resend_ref = 0;
}

int
coord_journal_open(const char *path)
{
	char err[512];
	size_t open_commits = 0;

	C.path = path;
	if (herdi_journal_open(&C.j, path, replay, NULL, err,
	    sizeof err) != 0) {
		fprintf(stderr, "herd.tx: %s\n", err);
		return -1;
	}
	if (err[0] != '\0')
		fprintf(stderr, "herd.tx: %s\n", err);
	for (struct ctx *t = C.txs; t != NULL; t = t->next)
		open_commits++;
	fprintf(stderr, "herd.tx: journal %s: %llu records, %zu commits "
	    "waiting for acknowledgements\n", path,
	    (unsigned long long)C.j.records, open_commits);
	return 0;
}

int
coord_commit(struct ctx *t)
{
	cJSON *rec = commit_record(t);
	int rv = herdi_journal_append(&C.j, rec);
	char why[160];

	cJSON_Delete(rec);
	if (rv != 0) {
		/* nothing decided that is not logged: abort, and refuse new
		 * TXs until the journal takes records again */
		C.journal_errno = -rv;
		snprintf(why, sizeof why, "journal: %s", strerror(-rv));
		coord_abort(t, why);
		return rv;
	}
	t->record = C.j.records - 1;
	t->state = CT_DECIDING;
	coord_sync_later();
	return 0;
}

void
coord_sync_later(void)
{
	if (C.sync_ref == 0 && herd_send_after(C.self, herd_self(C.self),
	    "herd.tx.sync", 12, 0, &C.sync_ref) != 0) {
		C.sync_ref = 0;
		coord_sync();
	}
}

static void
compact(void)
{
	size_t n = 0;
	cJSON **recs;
	int rv;

	if (herdi_tx_keep_history())
		return;
	for (struct ctx *t = C.txs; t != NULL; t = t->next)
		if (t->state == CT_DECIDING)
			return; /* after their sync */
	if ((recs = calloc(C.ntxs + COORD_HEURISTIC_MAX + 1,
	    sizeof *recs)) == NULL)
		return;
	/* oldest first, so that the replay keeps the same newest ones */
	{
		const struct heuristic *hs[COORD_HEURISTIC_MAX];
		size_t nh = 0;
		for (const struct heuristic *h = C.heuristic; h != NULL &&
		    nh < COORD_HEURISTIC_MAX; h = h->next)
			hs[nh++] = h;
		while (nh > 0)
			recs[n++] = coord_heuristic_record(hs[--nh]);
	}
	for (struct ctx *t = C.txs; t != NULL; t = t->next)
		if (t->state == CT_COMMITTED)
			recs[n++] = commit_record(t);
		else if ((recs[n] = steps_compact_record(t)) != NULL)
			n++;
	rv = herdi_journal_rewrite(&C.j, (const cJSON *const *)recs, n);
	if (rv != 0)
		fprintf(stderr, "herd.tx: compacting %s: %s\n", C.path,
		    strerror(-rv));
	C.ended_since_compact = 0; /* tried again after as many ends */
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(recs[i]);
	free(recs);
}

void
coord_sync(void)
{
	int rv;

	C.sync_ref = 0;
	if ((rv = herdi_journal_sync(&C.j)) != 0) {
		/* after a failed fdatasync the page cache cannot be trusted
		 * (PostgreSQL's fsyncgate): restart and read the disk */
		fprintf(stderr, "herd.tx: fdatasync %s: %s: restarting\n",
		    C.path, strerror(-rv));
		herd_exit(C.self, "journal_failed");
		return;
	}
	C.syncs++;
	herdi_tx_crash_point("coord.synced");
	for (struct ctx *t = C.txs, *next; t != NULL; t = next) {
		next = t->next;
		if (t->state == CT_DECIDING) {
			C.decisions_synced++;
			coord_told(t);
		} else if (t->run != NULL)
			steps_synced(t);
	}
	if (C.ended_since_compact >= COMPACT_AFTER)
		compact();
}

void
coord_end(struct ctx *t)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "r", "end");
	cJSON_AddStringToObject(rec, "tx", t->id);
	/* no sync: a lost end record only means the commit is sent again,
	 * and participants apply it once (X6) */
	if (herdi_journal_append(&C.j, rec) != 0)
		C.journal_errno = C.j.failed;
	cJSON_Delete(rec);
	coord_event(t, "tx.ended", NULL);
	coord_remember(t, "committed", NULL);
	coord_free_tx(t);
	if (C.ended_since_compact >= COMPACT_AFTER && C.sync_ref == 0)
		compact();
}

void
coord_resend(struct ctx *t)
{
	size_t waiting = 0;

	for (size_t i = 0; i < t->njobs; i++) {
		struct job *j = &t->jobs[i];
		cJSON *m;
		if (j->state != J_RESULT || j->acked)
			continue;
		waiting++;
		m = herdi_tx_msg("commit", t->id);
		cJSON_AddStringToObject(m, "job", j->id);
		if (t->final != NULL)
			cJSON_AddItemToObject(m, "final",
			    cJSON_Duplicate(t->final, 1));
		/* by name: a restarted participant is another actor */
		coord_send((herd_id){ 0 }, j->worker, m);
	}
	if (waiting == 0) {
		coord_end(t);
		return;
	}
	arm_resend();
}

void
coord_resend_all(void)
{
	C.resend_ref = 0;
	for (struct ctx *t = C.txs, *next; t != NULL; t = next) {
		next = t->next;
		if (t->state == CT_COMMITTED)
			coord_resend(t);
	}
}

int
coord_journal_check(void)
{
	cJSON *rec = cJSON_CreateObject();
	int rv;

	cJSON_AddStringToObject(rec, "r", "check");
	rv = herdi_journal_append(&C.j, rec);
	cJSON_Delete(rec);
	if (rv == 0)
		rv = herdi_journal_sync(&C.j);
	if (rv == 0) {
		fprintf(stderr, "herd.tx: the journal takes records again\n");
		C.journal_errno = 0;
	}
	return rv;
}
