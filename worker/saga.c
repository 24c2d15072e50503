/*
 * The saga behaviour (herd.h herd_saga_run; SAGAS.md): an actor whose TX
 * messages from the coordinator become the herd_saga_ops callbacks, and
 * whose calls (start a job, final value, cancel) become messages to it.
 * The saga keeps its TXs in memory only: the coordinator journals what
 * must survive, and a saga restarted by its supervisor starts empty (its
 * undecided TXs were aborted: presumed abort).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "saga-int.h"

static struct {
	const struct herd_saga_ops *saga;
	const struct herd_actor_ops *user;
	int max_tx;
	struct herd_tx *txs;
	struct herdi_txlink link;
} S;

static int
on_init(herd_actor *self, int argc, char **argv)
{
	herdi_txlink_init(self, &S.link, "saga", &S.txs);
	return S.user->init != NULL ? S.user->init(self, argc, argv) : 0;
}

/* The TX ends here: its callback once, then it is forgotten. */
static int
tx_end(herd_actor *self, struct herd_tx *tx, const cJSON *m, int done)
{
	int rv = 0;

	if (done && S.saga->tx_done != NULL)
		rv = S.saga->tx_done(self, tx,
		    cJSON_GetObjectItemCaseSensitive(m, "final"));
	else if (!done && S.saga->tx_cancel != NULL) {
		const char *why = herdi_tx_str(m, "reason");
		rv = S.saga->tx_cancel(self, tx, why ? why : "cancelled");
	}
	herdi_tx_free(&S.txs, tx);
	return rv;
}

static int
on_new(herd_actor *self, const char *id, const cJSON *m)
{
	struct herd_tx *tx;
	cJSON *r;

	if (herdi_tx_find(S.txs, id) != NULL)
		return 0; /* a duplicate (X6) */
	if (S.max_tx > 0 && herdi_tx_count(S.txs) >= (size_t)S.max_tx) {
		r = herdi_tx_msg("refuse", id);
		cJSON_AddStringToObject(r, "reason", "tx_limit");
		(void)herdi_txlink_send(self, &S.link, r);
		return 0;
	}
	if ((tx = herdi_tx_add(&S.txs, id)) == NULL)
		return HERD_ENOMEM;
	tx->two_phase = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
	    "two_phase"));
	if (herdi_tx_id_ok(herdi_tx_str(m, "hop"), HERDI_TX_JOB_MAX))
		snprintf(tx->hop, sizeof tx->hop, "%s", herdi_tx_str(m, "hop"));
	if (S.saga->tx_new != NULL)
		return S.saga->tx_new(self, tx,
		    cJSON_GetObjectItemCaseSensitive(m, "value"));
	return herd_saga_done(self, tx, NULL);
}

typedef int (*part_value_fn)(herd_actor *, herd_tx *, const char *,
    const cJSON *);
typedef int (*part_failed_fn)(herd_actor *, herd_tx *, const char *,
    const char *);

/* A part of the TX (a job, KEY "job", or a next hop, "hop") gave an
 * interim, its result, or failed (WHAT): its callback, if the saga has
 * one; a failure without one cancels the TX with its reason. */
static int
on_part(herd_actor *self, struct herd_tx *tx, const char *what,
    const cJSON *m, const char *key, part_value_fn interim,
    part_value_fn result, part_failed_fn failed)
{
	const char *id = herdi_tx_str(m, key), *why;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");

	if (id == NULL)
		return 0;
	if (strcmp(what, "interim") == 0)
		return interim != NULL ? interim(self, tx, id, v) : 0;
	if (strcmp(what, "result") == 0)
		return result != NULL ? result(self, tx, id, v) : 0;
	if ((why = herdi_tx_str(m, "reason")) == NULL)
		why = "failed";
	return failed != NULL ? failed(self, tx, id, why) :
	    herd_saga_cancel(self, tx, why);
}

/* A TX message from the coordinator. */
static int
on_tx(herd_actor *self, const char *kind, cJSON *m)
{
	const char *id = herdi_tx_str(m, "tx");
	struct herd_tx *tx;

	if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX))
		return 0;
	if (strcmp(kind, "new") == 0)
		return on_new(self, id, m);
	if ((tx = herdi_tx_find(S.txs, id)) == NULL)
		return 0; /* finished or unknown: ignored (X6) */
	if (strcmp(kind, "done") == 0)
		return tx_end(self, tx, m, 1);
	if (strcmp(kind, "cancel") == 0)
		return tx_end(self, tx, m, 0);
	if (strcmp(kind, "running") == 0) {
		tx->ask = 0;
		return 0;
	}
	if (strncmp(kind, "job_", 4) == 0 && tx->state == TXS_RUNNING)
		return on_part(self, tx, kind + 4, m, "job", S.saga->job_interim,
		    S.saga->job_result, S.saga->job_failed);
	if (strncmp(kind, "next_", 5) == 0 && tx->state == TXS_RUNNING)
		return on_part(self, tx, kind + 5, m, "hop",
		    S.saga->next_interim, S.saga->next_result,
		    S.saga->next_failed);
	return 0;
}

static int
on_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	return herdi_tx_cast(self, &S.link, from, msg, len,
	    S.user->handle_cast, on_tx);
}

static int
on_info(herd_actor *self, const struct herd_info *info)
{
	if (herdi_txlink_info(self, &S.link, info))
		return 0;
	return S.user->handle_info != NULL ? S.user->handle_info(self, info) :
	    0;
}

static int
on_inspect(herd_actor *self, herd_kv *kv)
{
	herd_kv_add(kv, "txs", "%zu", herdi_tx_count(S.txs));
	return S.user->inspect != NULL ? S.user->inspect(self, kv) : 0;
}

static void
on_terminate(herd_actor *self, const char *reason)
{
	if (S.user->terminate != NULL)
		S.user->terminate(self, reason);
	while (S.txs != NULL)
		herdi_tx_free(&S.txs, S.txs);
}

int
herd_saga_run(const struct herd_saga_ops *saga, int max_tx,
    const struct herd_actor_ops *ops, void *state, int argc, char **argv)
{
	static const struct herd_actor_ops none;
	static struct herd_actor_ops wrap;

	if (saga == NULL)
		return HERD_EINVAL;
	S.saga = saga;
	S.user = ops != NULL ? ops : &none;
	S.max_tx = max_tx;
	wrap = *S.user;
	wrap.init = on_init;
	wrap.handle_cast = on_cast;
	wrap.handle_info = on_info;
	wrap.inspect = on_inspect;
	wrap.terminate = on_terminate;
	return herd_actor_run(&wrap, state, argc, argv);
}

/* A new part of TX, a job on WORKER or a hop to SAGA (KIND "job" or
 * "forward"): its id (PREFIX and a number) in ID, its message sent. */
static int
new_part(herd_actor *self, herd_tx *tx, const char *kind, const char *key,
    char prefix, const char *whom_key, const char *whom, const cJSON *value,
    int timeout_ms, char id[32])
{
	cJSON *m;

	if (tx == NULL || whom == NULL || whom[0] == '\0' ||
	    tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	snprintf(id, HERDI_TX_JOB_MAX, "%c%u", prefix, ++tx->next_job);
	m = herdi_tx_msg(kind, tx->id);
	cJSON_AddStringToObject(m, key, id);
	cJSON_AddStringToObject(m, whom_key, whom);
	if (value != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(value, 1));
	if (timeout_ms > 0)
		cJSON_AddNumberToObject(m, "timeout_ms", timeout_ms);
	return herdi_txlink_send(self, &S.link, m);
}

int
herd_saga_start_job(herd_actor *self, herd_tx *tx, const char *worker,
    const cJSON *value, int timeout_ms, char job[32])
{
	return new_part(self, tx, "job", "job", 'j', "worker", worker, value,
	    timeout_ms, job);
}

int
herd_saga_done(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	cJSON *m;

	if (tx == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	tx->state = TXS_FINAL;
	m = herdi_tx_msg("final", tx->id);
	if (final != NULL)
		cJSON_AddItemToObject(m, "final", cJSON_Duplicate(final, 1));
	return herdi_txlink_send(self, &S.link, m);
}

int
herd_saga_cancel(herd_actor *self, herd_tx *tx, const char *reason)
{
	cJSON *m;

	if (tx == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	tx->state = TXS_FINAL;
	m = herdi_tx_msg("cancel", tx->id);
	cJSON_AddStringToObject(m, "reason", reason ? reason : "cancelled");
	return herdi_txlink_send(self, &S.link, m);
}

int
herd_saga_cancel_job(herd_actor *self, herd_tx *tx, const char *job,
    const char *reason)
{
	cJSON *m;

	if (tx == NULL || job == NULL || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	m = herdi_tx_msg("cancel_job", tx->id);
	cJSON_AddStringToObject(m, "job", job);
	cJSON_AddStringToObject(m, "reason", reason ? reason : "cancelled");
	return herdi_txlink_send(self, &S.link, m);
}

int
herd_saga_forward(herd_actor *self, herd_tx *tx, const char *saga,
    const cJSON *value, int timeout_ms, char hop[32])
{
	return new_part(self, tx, "forward", "hop", 'h', "saga", saga, value,
	    timeout_ms, hop);
}

int
herd_saga_interim(herd_actor *self, herd_tx *tx, const cJSON *interim)
{
	cJSON *m;

	if (tx == NULL || tx->hop[0] == '\0' || tx->state != TXS_RUNNING)
		return HERD_EINVAL;
	m = herdi_tx_msg("hop_interim", tx->id);
	if (interim != NULL)
		cJSON_AddItemToObject(m, "value", cJSON_Duplicate(interim, 1));
	return herdi_txlink_send(self, &S.link, m);
}

const char *
herd_tx_hop(const herd_tx *tx)
{
	return tx->hop[0] != '\0' ? tx->hop : NULL;
}
