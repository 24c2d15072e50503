/*
 * A saga's or a worker's tie to the coordinator (saga-int.h): it watches
 * "herd.tx" and, when the coordinator has gone, asks a new one about
 * every TX it still holds until each is answered: a TX the coordinator
 * does not know is aborted (presumed abort, X4), a prepared worker keeps
 * asking whatever happens (X3).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "herdi.h"
#include "saga-int.h"

static void
arm(herd_actor *self, struct herdi_txlink *l)
{
	herd_id me = herd_self(self);

	if (l->tick != 0)
		return;
	if (herd_send_after(self, me, "herd.tx.ask", 11, HERDI_TX_ASK_MS,
	    &l->tick) != 0)
		l->tick = 0;
}

/* Looks the coordinator up and monitors it: 1 when it is there. */
static int
find_coord(herd_actor *self, struct herdi_txlink *l)
{
	herd_id id;

	if (herd_whereis(self, HERDI_TX_COORD, &id) != 0)
		return 0;
	if (herd_monitor(self, id, &l->mon) != 0)
		return 0;
	l->coord = id;
	return 1;
}

void
herdi_txlink_init(herd_actor *self, struct herdi_txlink *l,
    const char *role, struct herd_tx **txs)
{
	memset(l, 0, sizeof *l);
	l->role = role;
	l->txs = txs;
	/* from init the monitor is taken with the registration; a
	 * coordinator not there yet gives a DOWN noproc at once */
	if (herd_monitor_name(self, HERDI_TX_COORD, &l->mon) != 0)
		l->mon = 0;
	(void)herd_whereis(self, HERDI_TX_COORD, &l->coord);
}

void
herdi_txlink_ask(herd_actor *self, struct herdi_txlink *l)
{
	int any = 0;

	for (struct herd_tx *tx = *l->txs; tx != NULL; tx = tx->next) {
		cJSON *m;
		if (!tx->ask)
			continue;
		any = 1;
		if (l->coord.v == 0)
			continue;
		m = herdi_tx_msg("inquire", tx->id);
		cJSON_AddStringToObject(m, "role", l->role);
		if (tx->job[0] != '\0')
			cJSON_AddStringToObject(m, "job", tx->job);
		(void)herdi_txlink_send(self, l, m);
	}
	if (any || l->coord.v == 0)
		arm(self, l);
}

int
herdi_txlink_info(herd_actor *self, struct herdi_txlink *l,
    const struct herd_info *info)
{
	if (info->kind == HERD_INFO_TIMER && info->ref == l->tick &&
	    l->tick != 0) {
		l->tick = 0;
		if (l->coord.v == 0 && !find_coord(self, l)) {
			arm(self, l);
			return 1;
		}
		herdi_txlink_ask(self, l);
		return 1;
	}
	if (info->kind == HERD_INFO_DOWN && info->ref == l->mon &&
	    l->mon != 0) {
		/* the coordinator ended: what it did not journal is
		 * aborted; ask its successor about everything open */
		l->mon = 0;
		l->coord.v = 0;
		for (struct herd_tx *tx = *l->txs; tx != NULL; tx = tx->next)
			tx->ask = 1;
		arm(self, l);
		return 1;
	}
	return 0;
}

int
herdi_txlink_is_coord(herd_actor *self, struct herdi_txlink *l,
    herd_id from)
{
	herd_id id;

	if (from.v != 0 && from.v == l->coord.v)
		return 1;
	/* a new coordinator whose predecessor's DOWN is still on its way */
	if (herd_whereis(self, HERDI_TX_COORD, &id) == 0 && id.v == from.v &&
	    from.v != 0) {
		if (l->mon == 0)
			(void)herd_monitor(self, id, &l->mon);
		l->coord = id;
		return 1;
	}
	return 0;
}

int
herdi_txlink_send(herd_actor *self, struct herdi_txlink *l, cJSON *m)
{
	int rv;

	if (m == NULL)
		return HERD_ENOMEM;
	rv = herd_cast_name_json(self, HERDI_TX_COORD, m);
	cJSON_Delete(m);
	if (rv == HERD_ENOTFOUND)
		arm(self, l); /* it will be asked about once it is back */
	return rv;
}

void
herdi_tx_publish(herd_actor *self, const char *topic, cJSON *data)
{
	cJSON *args = cJSON_CreateObject();

	cJSON_AddStringToObject(args, "topic", topic);
	cJSON_AddItemToObject(args, "data", data);
	/* no wait: herdd's answer is read and dropped with the others */
	(void)herdi_node_send(&self->node, "publish", args);
}

int
herdi_tx_cast(herd_actor *self, struct herdi_txlink *l, herd_id from,
    const void *msg, size_t len, int (*user)(herd_actor *, herd_id,
    const void *, size_t), int (*on_tx)(herd_actor *, const char *,
    cJSON *))
{
	cJSON *m;
	const char *kind = herdi_tx_parse(msg, len, &m);
	int rv = 0;

	if (kind == NULL)
		return user != NULL ? user(self, from, msg, len) : 0;
	if (herdi_txlink_is_coord(self, l, from))
		rv = on_tx(self, kind, m);
	else
		fprintf(stderr, "%s: a TX message \"%s\" not from the "
		    "coordinator: dropped\n", herd_self_name(self), kind);
	cJSON_Delete(m);
	return rv;
}
