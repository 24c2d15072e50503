/*
 * bank: a transfer between two accounts in one two_phase TX (docs/
 * sagas.md walks through it). Two roles of one program:
 *   bank account JOURNAL INITIAL   an account, a saga worker whose balance
 *                                  lives in its journal (herd_worker_save)
 *   bank transfer                  the saga: {"from":A,"to":B,"amount":N}
 *                                  debits A and credits B, or neither
 * Under herdd (examples/demo.json, "bank"):
 *   herdctl tx start bank/transfer \
 *       '{"from":"bank/alice","to":"bank/bob","amount":10}' --two-phase --wait
 *   herdctl call bank/alice '{"op":"balance"}'
 * Whatever is killed, whenever, the two balances always add up the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

/* ---- the account: a worker ---- */

struct account {
	long long balance;  /* committed */
	long long reserved; /* debits prepared, not decided */
};

static long long
delta_of(const cJSON *v)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(v, "delta");

	return cJSON_IsNumber(d) ? (long long)d->valuedouble : 0;
}

static int
account_start(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	struct account *a = herd_state(self);
	long long d = delta_of(value);

	if (d < 0 && a->balance - a->reserved + d < 0)
		return herd_worker_fail(self, tx, "insufficient_funds");
	if (d < 0) {
		a->reserved -= d;
		herd_tx_set_data(tx, a); /* this process holds the reservation */
	}
	return herd_worker_result(self, tx, value);
}

static void
release(struct account *a, herd_tx *tx)
{
	long long d = delta_of(herd_worker_given(tx));

	if (herd_tx_data(tx) != NULL && d < 0)
		a->reserved += d;
}

static int
account_cancel(herd_actor *self, herd_tx *tx, const char *reason)
{
	release(herd_state(self), tx);
	return 0;
}

static int
account_commit(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	struct account *a = herd_state(self);
	cJSON *st;

	release(a, tx);
	a->balance += delta_of(herd_worker_given(tx));
	st = cJSON_CreateObject();
	cJSON_AddNumberToObject(st, "balance", (double)a->balance);
	herd_worker_save(self, st); /* durable with the commit record */
	cJSON_Delete(st);
	return 0;
}

static int
account_init(herd_actor *self, int argc, char **argv)
{
	struct account *a = herd_state(self);
	const cJSON *saved = herd_worker_saved(self);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(saved, "balance");

	a->balance = cJSON_IsNumber(b) ? (long long)b->valuedouble :
	    strtoll(argv[3], NULL, 10);
	return 0;
}

static int
account_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	struct account *a = herd_state(self);
	cJSON *r = cJSON_CreateObject();
	int rv;

	cJSON_AddNumberToObject(r, "balance", (double)a->balance);
	cJSON_AddNumberToObject(r, "reserved", (double)a->reserved);
	rv = herd_reply_json(self, ref, r);
	cJSON_Delete(r);
	return rv;
}

static int
account_inspect(herd_actor *self, herd_kv *kv)
{
	struct account *a = herd_state(self);

	herd_kv_add(kv, "balance", "%lld", a->balance);
	herd_kv_add(kv, "reserved", "%lld", a->reserved);
	return 0;
}

/* ---- the transfer: a saga ---- */

struct transfer {
	int results; /* of the TX's two jobs, per TX in herd_tx_data */
};

static int
transfer_new(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(value, "from");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(value, "to");
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(value, "amount");
	char job[32];
	cJSON *d;
	int rv;

	if (!cJSON_IsString(from) || !cJSON_IsString(to) ||
	    !cJSON_IsNumber(amount) || amount->valuedouble <= 0)
		return herd_saga_cancel(self, tx, "bad_transfer: want "
		    "{\"from\":A,\"to\":B,\"amount\":N>0}");
	herd_tx_set_data(tx, calloc(1, sizeof(struct transfer)));
	d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "delta", -amount->valuedouble);
	rv = herd_saga_start_job(self, tx, from->valuestring, d, 0, job);
	cJSON_SetNumberValue(cJSON_GetObjectItem(d, "delta"),
	    amount->valuedouble);
	if (rv == 0)
		rv = herd_saga_start_job(self, tx, to->valuestring, d, 0, job);
	cJSON_Delete(d);
	return rv;
}

static int
transfer_result(herd_actor *self, herd_tx *tx, const char *job,
    const cJSON *result)
{
	struct transfer *t = herd_tx_data(tx);

	if (t == NULL || ++t->results < 2)
		return 0;
	return herd_saga_done(self, tx, NULL);
}

static int
transfer_end(herd_actor *self, herd_tx *tx)
{
	free(herd_tx_data(tx));
	herd_tx_set_data(tx, NULL);
	return 0;
}

static int
transfer_done(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	return transfer_end(self, tx);
}

static int
transfer_cancel(herd_actor *self, herd_tx *tx, const char *reason)
{
	return transfer_end(self, tx);
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "account") == 0) {
		static const struct herd_worker_ops w = {
			.start = account_start,
			.cancel = account_cancel,
			.commit = account_commit,
		};
		static const struct herd_actor_ops ops = {
			.init = account_init,
			.handle_call = account_call,
			.inspect = account_inspect,
		};
		static struct account a;
		return herd_worker_run(argv[2], &w, &ops, &a, argc, argv);
	}
	if (argc == 2 && strcmp(argv[1], "transfer") == 0) {
		static const struct herd_saga_ops s = {
			.tx_new = transfer_new,
			.job_result = transfer_result,
			.tx_done = transfer_done,
			.tx_cancel = transfer_cancel,
		};
		return herd_saga_run(&s, 0, NULL, NULL, argc, argv);
	}
	fprintf(stderr, "usage: bank account JOURNAL INITIAL | bank transfer\n");
	return 2;
}
