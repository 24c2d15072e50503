/*
 * The saga layer's internals shared by libherd's saga (saga.c), worker
 * (saga-worker.c) and herd-sagad (saga/): the wire's message kinds and
 * the TX as a saga or worker keeps it. Messages are JSON casts whose
 * first member is "herd.tx": the kind (docs/sagas.md "Messages").
 */
#ifndef HERD_SAGA_INT_H
#define HERD_SAGA_INT_H

#include <stddef.h>

#include "herd.h"

struct cJSON;

/* the coordinator's registered name */
#define HERDI_TX_COORD "herd.tx"
/* how often a saga or worker asks about TXs the coordinator may have
 * lost (it died), and how often the coordinator re-sends a commit */
#define HERDI_TX_ASK_MS 500
#define HERDI_TX_RESEND_MS 1000
#define HERDI_TX_ID_MAX 40
#define HERDI_TX_JOB_MAX 32

enum herdi_tx_state {
	TXS_RUNNING = 0, /* saga: jobs going; worker: working on its job */
	TXS_FINAL,       /* saga: final value sent; worker: result sent */
	TXS_PREPARING,   /* worker: prepared record written, not synced */
	TXS_PREPARED,    /* worker: prepared and result sent: in doubt */
};

struct herd_tx {
	char id[HERDI_TX_ID_MAX];
	char job[HERDI_TX_JOB_MAX]; /* worker: its job in the TX */
	int two_phase;
	enum herdi_tx_state state;
	int ask;                /* the outcome must be asked for */
	int answered;           /* worker: the coordinator answered once */
	void *data;
	unsigned next_job;      /* saga: job and hop ids given */
	char hop[HERDI_TX_JOB_MAX]; /* saga: its hop id ("" at the root) */
	unsigned interims;      /* worker: interims sent */
	struct cJSON *given;    /* worker: the result given */
	struct herd_tx *next;
};

/* A new message {"herd.tx": KIND, "tx": TX} (caller frees). */
struct cJSON *herdi_tx_msg(const char *kind, const char *tx);
/* A TX message's parsed object and kind, or NULL when MSG is not one
 * (then *out is NULL too). */
const char *herdi_tx_parse(const void *msg, size_t len, struct cJSON **out);
/* The string member KEY of O, or NULL. */
const char *herdi_tx_str(const struct cJSON *o, const char *key);
/* Whether ID is a TX or job id as the wire allows: 1 to MAX-1 bytes of
 * [A-Za-z0-9_.-]. */
int herdi_tx_id_ok(const char *id, size_t max);

/* A TX list: find, add (a new zeroed one), remove and free. */
struct herd_tx *herdi_tx_find(struct herd_tx *list, const char *id);
struct herd_tx *herdi_tx_add(struct herd_tx **list, const char *id);
void herdi_tx_free(struct herd_tx **list, struct herd_tx *tx);
size_t herdi_tx_count(const struct herd_tx *list);

/* saga-fault.c: the tests' kill -9 at POINT (HERD_TX_CRASH=POINT:FILE). */
void herdi_tx_crash_point(const char *point);
/* Whether journals are never compacted (HERD_TX_NO_COMPACT). */
int herdi_tx_keep_history(void);

/* ---- saga-link.c: a saga's or worker's tie to the coordinator ----
 * It monitors "herd.tx"; when the coordinator goes, every open TX is
 * marked to be asked about, and once a coordinator is back each is asked
 * (every HERDI_TX_ASK_MS) until it answers (X3, X5). */
struct herdi_txlink {
	herd_ref mon;      /* monitor of the coordinator */
	herd_id coord;     /* its id, 0 while it is not there */
	herd_ref tick;     /* the pending ask timer, 0 if none */
	const char *role;  /* "saga" or "worker" */
	struct herd_tx **txs;
};

/* From init: the monitor is taken with the registration. */
void herdi_txlink_init(herd_actor *self, struct herdi_txlink *l,
    const char *role, struct herd_tx **txs);
/* 1 when INFO was the link's (the coordinator's DOWN, an ask tick). */
int herdi_txlink_info(herd_actor *self, struct herdi_txlink *l,
    const struct herd_info *info);
/* Whether FROM is the coordinator (it may have been restarted). */
int herdi_txlink_is_coord(herd_actor *self, struct herdi_txlink *l,
    herd_id from);
/* Casts M to the coordinator and frees M: 0 or a HERD_E* code. */
int herdi_txlink_send(herd_actor *self, struct herdi_txlink *l,
    struct cJSON *m);
/* The coordinator's tx.* event TOPIC with DATA (freed), through herdd's
 * event stream; herdd refuses it from any other actor. */
void herdi_tx_publish(herd_actor *self, const char *topic,
    struct cJSON *data);
/* A cast to a saga or worker: a TX message from the coordinator goes to
 * ON_TX (M parsed, freed after), one from anyone else is dropped (and
 * said), anything else goes to the actor's own USER callback. */
int herdi_tx_cast(herd_actor *self, struct herdi_txlink *l, herd_id from,
    const void *msg, size_t len, int (*user)(herd_actor *, herd_id,
    const void *, size_t), int (*on_tx)(herd_actor *, const char *,
    struct cJSON *));
/* Asks about the TXs marked ask, now and every HERDI_TX_ASK_MS. */
void herdi_txlink_ask(herd_actor *self, struct herdi_txlink *l);

#endif
