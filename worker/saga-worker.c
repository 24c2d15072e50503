/*
 * The saga worker (herd.h herd_worker_run; SAGAS.md X3, X6): a job's
 * start, interims and result; in a two_phase TX the result is journaled
 * as prepared (one fdatasync for every result given in a batch of
 * messages) before it is sent, and from then on only the coordinator's
 * outcome ends the TX here. A commit is applied once: only a TX that is
 * prepared here is committed, and its commit record (with the state
 * herd_worker_save gave) replaces the prepared one atomically; the ack
 * waits for that record to be on disk. After a restart the journal's
 * prepared TXs are in doubt: new jobs wait until the coordinator has
 * answered about each, and each is asked about until its outcome comes.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "saga-int.h"

#define COMPACT_RECORDS 4096 /* journal records that trigger compaction */
#define ABORTED_KEPT 64      /* aborts of unknown TXs remembered */

static struct {
	const struct herd_worker_ops *w;
	const struct herd_actor_ops *user;
	const char *path;
	struct herdi_journal j;
	struct herd_tx *txs;
	struct herdi_txlink link;
	cJSON *saved, *to_save;
	herd_ref sync_ref;
	cJSON *after_sync;  /* messages that wait for the journal's sync */
	cJSON *held;        /* starts held while recovered TXs are in doubt */
	int recovering;     /* in-doubt TXs from the journal remain */
	/* a worker process started for one job ("--herd-job=TX:JOB"): it
	 * has a journal of its own and ends once its job is over */
	char job_tx[HERDI_TX_ID_MAX], job_id[HERDI_TX_JOB_MAX];
	char job_path[4096];
	int job_over;
	int job_started;    /* its start came */
	/* the last jobs ("TX JOB") aborted here before their start came (an
	 * abort that overtook its start, or one that came while the start
	 * was held during recovery): such a start starts no job */
	char aborted[ABORTED_KEPT][HERDI_TX_ID_MAX + HERDI_TX_JOB_MAX + 1];
	size_t aborted_next;
} W;

/* Per job: once its job has no TX here any more (its result given in
 * one phase, its commit acknowledged, its abort), the process ends. */
static void
job_check(herd_actor *self)
{
	if (W.job_tx[0] == '\0' || W.job_over || !W.job_started ||
	    herdi_tx_find(W.txs, W.job_tx) != NULL ||
	    cJSON_GetArraySize(W.after_sync) > 0 || W.sync_ref != 0)
		return;
	W.job_over = 1;
	herd_exit(self, "normal");
}

/* Replays one worker journal record. */
static int
replay(void *arg, const cJSON *rec)
{
	const char *r = herdi_tx_str(rec, "r"), *id = herdi_tx_str(rec, "tx");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(rec, "state");
	struct herd_tx *tx;

	if (r == NULL)
		return -1;
	if (st != NULL && (strcmp(r, "commit") == 0 ||
	    strcmp(r, "state") == 0)) {
		cJSON_Delete(W.saved);
		W.saved = cJSON_Duplicate(st, 1);
	}
	if (strcmp(r, "state") == 0)
		return 0;
	if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX))
		return -1;
	tx = herdi_tx_find(W.txs, id);
	if (strcmp(r, "prepared") == 0) {
		const char *job = herdi_tx_str(rec, "job");
		if (tx == NULL && (tx = herdi_tx_add(&W.txs, id)) == NULL)
			return -1;
		snprintf(tx->job, sizeof tx->job, "%s", job ? job : "");
		tx->two_phase = 1;
		tx->state = TXS_PREPARED;
		tx->ask = 1;
		cJSON_Delete(tx->given);
		tx->given = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec,
		    "result"), 1);
		return 0;
	}
	if (strcmp(r, "commit") == 0 || strcmp(r, "abort") == 0) {
		if (tx != NULL)
			herdi_tx_free(&W.txs, tx);
		return 0;
	}
	return -1;
}

/* Compaction: the last state and the TXs in doubt, nothing else. */
static void
compact(void)
{
	size_t n = 0, cap = herdi_tx_count(W.txs) + 1;
	cJSON **recs = calloc(cap, sizeof *recs);
	int rv;

	if (recs == NULL)
		return;
	if (W.saved != NULL) {
		recs[n] = cJSON_CreateObject();
		cJSON_AddStringToObject(recs[n], "r", "state");
		cJSON_AddItemToObject(recs[n++], "state",
		    cJSON_Duplicate(W.saved, 1));
	}
	for (struct herd_tx *tx = W.txs; tx != NULL; tx = tx->next) {
		if (tx->state != TXS_PREPARED)
			continue;
		recs[n] = herdi_tx_msg("prepared", tx->id);
		cJSON_DeleteItemFromObject(recs[n], "herd.tx");
		cJSON_AddStringToObject(recs[n], "r", "prepared");
		cJSON_AddStringToObject(recs[n], "job", tx->job);
		cJSON_AddItemToObject(recs[n++], "result",
		    cJSON_Duplicate(tx->given, 1));
	}
	rv = herdi_journal_rewrite(&W.j, (const cJSON *const *)recs, n);
	if (rv != 0)
		fprintf(stderr, "%s: compacting: %s\n", W.path,
		    strerror(-rv));
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(recs[i]);
	free(recs);
}

static void
sync_later(herd_actor *self)
{
	if (W.sync_ref == 0 && herd_send_after(self, herd_self(self),
	    "herd.tx.sync", 12, 0, &W.sync_ref) != 0)
		W.sync_ref = 0;
}

/* M goes to the coordinator once what was journaled before it is on
 * disk (at once when nothing waits). */
static void
send_after_sync(herd_actor *self, cJSON *m)
{
	if (!W.j.dirty && W.sync_ref == 0) {
		(void)herdi_txlink_send(self, &W.link, m);
		return;
	}
	cJSON_AddItemToArray(W.after_sync, m);
	sync_later(self);
}

/* The group sync: one fdatasync, then what waited for it goes. */
static void
do_sync(herd_actor *self)
{
	int rv = herdi_journal_sync(&W.j);
	cJSON *m;

	W.sync_ref = 0;
	if (rv != 0) {
		/* nothing that waited may go: a restart asks again */
		fprintf(stderr, "%s: fdatasync: %s\n", W.path, strerror(-rv));
		herd_exit(self, "journal_failed");
		return;
	}
	herdi_tx_crash_point("worker.synced");
	while ((m = cJSON_DetachItemFromArray(W.after_sync, 0)) != NULL) {
		const char *kind = herdi_tx_str(m, "herd.tx");
		struct herd_tx *tx = kind && strcmp(kind, "result") == 0 ?
		    herdi_tx_find(W.txs, herdi_tx_str(m, "tx")) : NULL;
		if (tx != NULL && tx->state == TXS_PREPARING)
			tx->state = TXS_PREPARED;
		(void)herdi_txlink_send(self, &W.link, m);
	}
	if (W.j.records > COMPACT_RECORDS && !herdi_tx_keep_history())
		compact();
	job_check(self);
}

static cJSON *
to_coord(const char *kind, const struct herd_tx *tx)
{
	cJSON *m = herdi_tx_msg(kind, tx->id);

	cJSON_AddStringToObject(m, "job", tx->job);
	return m;
}

static int
start_job(herd_actor *self, const cJSON *m)
{
	const char *id = herdi_tx_str(m, "tx"), *job = herdi_tx_str(m, "job");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
	struct herd_tx *tx;

	if (!herdi_tx_id_ok(job, HERDI_TX_JOB_MAX))
		return 0;
	if (herdi_tx_find(W.txs, id) != NULL)
		return 0; /* a duplicate start (X6) */
	if ((tx = herdi_tx_add(&W.txs, id)) == NULL)
		return HERD_ENOMEM;
	snprintf(tx->job, sizeof tx->job, "%s", job);
	if (W.job_tx[0] != '\0' && strcmp(id, W.job_tx) == 0)
		W.job_started = 1;
	tx->two_phase = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
	    "two_phase"));
	if (W.w->start != NULL)
		return W.w->start(self, tx, v);
	return herd_worker_result(self, tx, v);
}

static int
commit(herd_actor *self, struct herd_tx *tx, const cJSON *m)
{
	cJSON *rec, *ack;
	int rv = 0;

	herdi_tx_crash_point("worker.committing");
	if (W.w->commit != NULL)
		rv = W.w->commit(self, tx,
		    cJSON_GetObjectItemCaseSensitive(m, "final"));
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "r", "commit");
	cJSON_AddStringToObject(rec, "tx", tx->id);
	if (W.to_save != NULL) {
		cJSON_AddItemToObject(rec, "state", W.to_save);
		cJSON_Delete(W.saved);
		W.saved = cJSON_Duplicate(W.to_save, 1);
		W.to_save = NULL;
	}
	if (herdi_journal_append(&W.j, rec) != 0) {
		/* the commit is not durable: restart and ask again */
		cJSON_Delete(rec);
		fprintf(stderr, "%s: writing a commit: %s\n", W.path,
		    strerror(W.j.failed));
		herd_exit(self, "journal_failed");
		return 0;
	}
	cJSON_Delete(rec);
	herdi_tx_crash_point("worker.committed");
	ack = to_coord("ack", tx);
	herdi_tx_free(&W.txs, tx);
	send_after_sync(self, ack);
	return rv;
}

static int
cancel(herd_actor *self, struct herd_tx *tx, const cJSON *m)
{
	const char *why = herdi_tx_str(m, "reason");
	int rv = 0;

	if (W.w->cancel != NULL)
		rv = W.w->cancel(self, tx, why ? why : "cancelled");
	if (tx->state == TXS_PREPARED || tx->state == TXS_PREPARING) {
		/* no sync: a lost abort record means asking again, and the
		 * answer is abort (X4) */
		cJSON *rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "r", "abort");
		cJSON_AddStringToObject(rec, "tx", tx->id);
		(void)herdi_journal_append(&W.j, rec);
		cJSON_Delete(rec);
	}
	herdi_tx_free(&W.txs, tx);
	return rv;
}

/* Whether TXs recovered from the journal have had no answer yet. */
static int
in_doubt(void)
{
	for (struct herd_tx *tx = W.txs; tx != NULL; tx = tx->next)
		if (tx->ask && !tx->answered && tx->state == TXS_PREPARED)
			return 1;
	return 0;
}

/* The starts that waited for the recovered TXs' outcomes. */
static int
release_held(herd_actor *self)
{
	cJSON *m;
	int rv = 0;

	if (!W.recovering || in_doubt())
		return 0;
	W.recovering = 0;
	while (rv == 0 && (m = cJSON_DetachItemFromArray(W.held, 0)) != NULL) {
		rv = start_job(self, m);
		cJSON_Delete(m);
	}
	return rv;
}

/* "TX JOB" of message M into KEY. */
static void
job_key(const cJSON *m, char *key, size_t len)
{
	const char *tx = herdi_tx_str(m, "tx"), *job = herdi_tx_str(m, "job");

	snprintf(key, len, "%s %s", tx ? tx : "", job ? job : "");
}

/* Whether M's job was aborted before it came: its own abort, or its
 * TX's (an abort without a job is the whole TX's). */
static int
was_aborted(const cJSON *m)
{
	char key[sizeof W.aborted[0]];
	size_t tx;

	job_key(m, key, sizeof key);
	tx = strcspn(key, " ") + 1;
	for (size_t i = 0; i < ABORTED_KEPT; i++)
		if (W.aborted[i][0] != '\0' && (strcmp(W.aborted[i], key) ==
		    0 || (strncmp(W.aborted[i], key, tx) == 0 &&
		    W.aborted[i][tx] == '\0')))
			return 1;
	return 0;
}

/* An abort for a job this worker does not have: remembered, and its
 * start, if held during recovery, dropped. */
static void
abort_unknown(const cJSON *m)
{
	int i;

	job_key(m, W.aborted[W.aborted_next], sizeof W.aborted[0]);
	W.aborted_next = (W.aborted_next + 1) % ABORTED_KEPT;
	for (i = cJSON_GetArraySize(W.held) - 1; i >= 0; i--)
		if (was_aborted(cJSON_GetArrayItem(W.held, i)))
			cJSON_DeleteItemFromArray(W.held, i);
}

static int
on_tx(herd_actor *self, const char *kind, cJSON *m)
{
	const char *id = herdi_tx_str(m, "tx");
	struct herd_tx *tx;
	int rv = 0;

	if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX))
		return 0;
	if (strcmp(kind, "start") == 0) {
		if (was_aborted(m))
			return 0; /* decided before it came: no job */
		if (W.recovering) {
			cJSON_AddItemToArray(W.held, cJSON_Duplicate(m, 1));
			return 0;
		}
		return start_job(self, m);
	}
	tx = herdi_tx_find(W.txs, id);
	if (strcmp(kind, "commit") == 0) {
		if (tx != NULL && tx->state == TXS_PREPARED)
			rv = commit(self, tx, m);
		else if (tx == NULL) {
			/* applied before (or never prepared here): say so
			 * again, once what is journaled is on disk */
			cJSON *ack = herdi_tx_msg("ack", id);
			const char *job = herdi_tx_str(m, "job");
			cJSON_AddStringToObject(ack, "job", job ? job : "");
			send_after_sync(self, ack);
		}
	} else if (strcmp(kind, "abort") == 0) {
		if (tx != NULL)
			rv = cancel(self, tx, m);
		else
			abort_unknown(m);
	} else if (strcmp(kind, "running") == 0) {
		/* still undecided: a prepared TX goes on asking until it
		 * learns its outcome (X3), whatever else is lost */
		if (tx != NULL) {
			tx->answered = 1;
			if (tx->state != TXS_PREPARED)
				tx->ask = 0;
		}
	}
	if (rv == 0)
		rv = release_held(self);
	return rv;
}

static int
on_worker_tx(herd_actor *self, const char *kind, cJSON *m)
{
	int rv = on_tx(self, kind, m);

	/* its job is over once its outcome came, whether it held it or
	 * not */
	if (W.job_tx[0] != '\0' && (strcmp(kind, "abort") == 0 ||
	    strcmp(kind, "commit") == 0))
		W.job_started = 1;
	job_check(self);
	return rv;
}

static int
on_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	return herdi_tx_cast(self, &W.link, from, msg, len,
	    W.user->handle_cast, on_worker_tx);
}

static int
on_info(herd_actor *self, const struct herd_info *info)
{
	if (info->kind == HERD_INFO_TIMER && info->ref == W.sync_ref &&
	    W.sync_ref != 0) {
		do_sync(self);
		return 0;
	}
	if (herdi_txlink_info(self, &W.link, info))
		return 0;
	return W.user->handle_info != NULL ? W.user->handle_info(self, info) :
	    0;
}

static int
on_init(herd_actor *self, int argc, char **argv)
{
	char err[512];

	W.after_sync = cJSON_CreateArray();
	W.held = cJSON_CreateArray();
	if (herdi_journal_open(&W.j, W.path, replay, NULL, err,
	    sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		herd_exit(self, "journal_refused");
		return 0;
	}
	if (err[0] != '\0')
		fprintf(stderr, "%s\n", err);
	W.recovering = in_doubt();
	herdi_txlink_init(self, &W.link, "worker", &W.txs);
	if (W.user->init != NULL) {
		int rv = W.user->init(self, argc, argv);
		if (rv != 0)
			return rv;
	}
	herdi_txlink_ask(self, &W.link);
	if (W.job_tx[0] != '\0') {
		/* started for a job: say so; its start follows */
		cJSON *m = herdi_tx_msg("job_ready", W.job_tx);
		cJSON_AddStringToObject(m, "job", W.job_id);
		(void)herdi_txlink_send(self, &W.link, m);
	}
	return 0;
}

static int
on_inspect(herd_actor *self, herd_kv *kv)
{
	size_t doubt = 0;

	for (struct herd_tx *tx = W.txs; tx != NULL; tx = tx->next)
		doubt += tx->state == TXS_PREPARED;
	herd_kv_add(kv, "txs", "%zu", herdi_tx_count(W.txs));
	herd_kv_add(kv, "in_doubt", "%zu", doubt);
	return W.user->inspect != NULL ? W.user->inspect(self, kv) : 0;
}

static void
on_terminate(herd_actor *self, const char *reason)
{
	if (W.user->terminate != NULL)
		W.user->terminate(self, reason);
	(void)herdi_journal_sync(&W.j);
	herdi_journal_close(&W.j);
	if (W.job_over)
		unlink(W.path); /* its job is over: nothing in doubt */
	while (W.txs != NULL)
		herdi_tx_free(&W.txs, W.txs);
	cJSON_Delete(W.saved);
	cJSON_Delete(W.to_save);
	cJSON_Delete(W.after_sync);
	cJSON_Delete(W.held);
	W.saved = W.to_save = W.after_sync = W.held = NULL;
}

int
herd_worker_run(const char *journal, const struct herd_worker_ops *w,
    const struct herd_actor_ops *ops, void *state, int argc, char **argv)
{
	static const struct herd_actor_ops none;
	static struct herd_actor_ops wrap;

	if (journal == NULL || w == NULL)
		return HERD_EINVAL;
	W.w = w;
	W.user = ops != NULL ? ops : &none;
	W.path = journal;
	W.j.fd = -1;
	/* "--herd-job=TX:JOB", the coordinator's, last: off the argv the
	 * program sees; its journal is JOURNAL.TX.JOB */
	if (argc > 1 && strncmp(argv[argc - 1], "--herd-job=", 11) == 0) {
		const char *v = argv[argc - 1] + 11, *colon = strchr(v, ':');
		if (colon != NULL && (size_t)(colon - v) < sizeof W.job_tx &&
		    herdi_tx_id_ok(colon + 1, HERDI_TX_JOB_MAX)) {
			snprintf(W.job_tx, sizeof W.job_tx, "%.*s",
			    (int)(colon - v), v);
			snprintf(W.job_id, sizeof W.job_id, "%s", colon + 1);
			snprintf(W.job_path, sizeof W.job_path, "%s.%s.%s",
			    journal, W.job_tx, W.job_id);
			W.path = W.job_path;
			argv[--argc] = NULL;
		}
	}
	wrap = *W.user;
	wrap.init = on_init;
	wrap.handle_cast = on_cast;
	wrap.handle_info = on_info;
	wrap.inspect = on_inspect;
	wrap.terminate = on_terminate;
	return herd_actor_run(&wrap, state, argc, argv);
}

int
herd_worker_interim(herd_actor *self, herd_tx *tx, const cJSON *interim)
{
	cJSON *m;

	if (tx == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	m = to_coord("interim", tx);
	cJSON_AddNumberToObject(m, "seq", ++tx->interims);
	if (interim != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(interim, 1));
	return herdi_txlink_send(self, &W.link, m);
}

int
herd_worker_result(herd_actor *self, herd_tx *tx, const cJSON *result)
{
	cJSON *m, *rec;
	int rv;

	if (tx == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	tx->given = result != NULL ? cJSON_Duplicate(result, 1) :
	    cJSON_CreateNull();
	m = to_coord("result", tx);
	cJSON_AddItemToObject(m, "value", cJSON_Duplicate(tx->given, 1));
	if (!tx->two_phase) {
		/* one phase: the result ends the job here */
		herdi_tx_free(&W.txs, tx);
		rv = herdi_txlink_send(self, &W.link, m);
		job_check(self);
		return rv;
	}
	/* X3: prepared on disk before the vote leaves */
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "r", "prepared");
	cJSON_AddStringToObject(rec, "tx", tx->id);
	cJSON_AddStringToObject(rec, "job", tx->job);
	cJSON_AddItemToObject(rec, "result", cJSON_Duplicate(tx->given, 1));
	rv = herdi_journal_append(&W.j, rec);
	cJSON_Delete(rec);
	if (rv != 0) {
		/* cannot prepare: vote no instead (X1) */
		char why[128];
		cJSON_Delete(m);
		snprintf(why, sizeof why, "journal: %s", strerror(-rv));
		return herd_worker_fail(self, tx, why);
	}
	tx->state = TXS_PREPARING;
	cJSON_AddItemToArray(W.after_sync, m);
	sync_later(self);
	return 0;
}

int
herd_worker_fail(herd_actor *self, herd_tx *tx, const char *reason)
{
	cJSON *m;

	if (tx == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL; /* prepared: only the outcome ends it */
	int rv;

	m = to_coord("failed", tx);
	cJSON_AddStringToObject(m, "reason", reason ? reason : "failed");
	herdi_tx_free(&W.txs, tx);
	rv = herdi_txlink_send(self, &W.link, m);
	job_check(self);
	return rv;
}

const cJSON *
herd_worker_given(const herd_tx *tx)
{
	return tx != NULL ? tx->given : NULL;
}

int
herd_worker_save(herd_actor *self, const cJSON *state)
{
	if (state == NULL)
		return HERD_EINVAL;
	cJSON_Delete(W.to_save);
	W.to_save = cJSON_Duplicate(state, 1);
	return W.to_save != NULL ? 0 : HERD_ENOMEM;
}

const cJSON *
herd_worker_saved(herd_actor *self)
{
	return W.saved;
}
