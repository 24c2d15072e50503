/*
 * herd-sagad: the saga coordinator as a supervised actor (docs/sagas.md
 * says why it is not part of herdd). Usage: herd-sagad JOURNAL [CONFIG]
 * (CONFIG: herd.json, whose "sagas" it runs as step sagas). It
 * registers as "herd.tx", replays JOURNAL (commits not yet acknowledged
 * are sent again, X5), then serves TX messages and calls.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "conf.h"
#include "coord.h"

struct coord C;
static struct conf *config; /* herd.json, when given: its step sagas */

static int
init(herd_actor *self, int argc, char **argv)
{
	unsigned char r[4] = { 0 };
	int rv;

	C.self = self;
	if (argc < 2 || argc > 3 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: herd-sagad JOURNAL [CONFIG]\n");
		herd_exit(self, "usage");
		return 0;
	}
	if (argc == 3) {
		/* the step sagas of herd.json ("sagas") */
		struct conf_errors errs = { 0 };
		if (conf_load(argv[2], &config, &errs) != 0) {
			for (size_t i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msgs[i]);
			conf_errors_clear(&errs);
			herd_exit(self, "config_refused");
			return 0;
		}
		steps_config(&config->sagas);
	}
	/* TX ids: this run's random prefix and a counter, unique across
	 * restarts without a journaled counter */
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		fprintf(stderr, "herd.tx: getrandom failed: ids less random\n");
	snprintf(C.idbase, sizeof C.idbase, "%02x%02x%02x%02x", r[0], r[1],
	    r[2], r[3]);
	if ((rv = herd_register(self, HERDI_TX_COORD)) != 0)
		return rv;
	if (coord_journal_open(argv[1]) != 0) {
		herd_exit(self, "journal_refused");
		return 0;
	}
	/* the commits read back go again once we are registered, and the
	 * step sagas left in the middle are compensated */
	if (C.txs != NULL) {
		(void)herd_send_after(self, herd_self(self), "herd.tx.resend",
		    14, 0, &C.resend_ref);
		(void)herd_send_after(self, herd_self(self), "herd.tx.recover",
		    15, 0, &C.recover_ref);
	}
	return 0;
}

static int
handle_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	cJSON *m;
	const char *kind = herdi_tx_parse(msg, len, &m);

	if (kind == NULL) {
		fprintf(stderr, "herd.tx: a cast that is not a TX message "
		    "(%zu bytes): dropped\n", len);
		return 0;
	}
	coord_message(from, kind, m);
	cJSON_Delete(m);
	return 0;
}

static int
handle_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	cJSON *j = cJSON_ParseWithLength(req, len);

	coord_call(from, ref, j);
	cJSON_Delete(j);
	return 0;
}

static int
handle_info(herd_actor *self, const struct herd_info *info)
{
	if (info->kind == HERD_INFO_DOWN) {
		(void)coord_down(info->ref, info->from, info->reason);
		return 0;
	}
	if (info->kind != HERD_INFO_TIMER)
		return 0;
	if (info->ref == C.sync_ref)
		coord_sync();
	else if (info->ref == C.resend_ref)
		coord_resend_all();
	else if (info->ref == C.recover_ref) {
		C.recover_ref = 0;
		steps_recover();
	} else if (!steps_timer(info->ref))
		(void)coord_timer(info->ref);
	return 0;
}

static int
inspect(herd_actor *self, herd_kv *kv)
{
	herd_kv_add(kv, "journal", "%s", C.path ? C.path : "");
	herd_kv_add(kv, "journal_records", "%llu",
	    (unsigned long long)C.j.records);
	herd_kv_add(kv, "active", "%zu", C.ntxs);
	herd_kv_add(kv, "committed", "%llu", (unsigned long long)C.committed);
	herd_kv_add(kv, "aborted", "%llu", (unsigned long long)C.aborted);
	herd_kv_add(kv, "syncs", "%llu", (unsigned long long)C.syncs);
	herd_kv_add(kv, "decisions_synced", "%llu",
	    (unsigned long long)C.decisions_synced);
	if (C.journal_errno != 0)
		herd_kv_add(kv, "journal_error", "%s",
		    strerror(C.journal_errno));
	return 0;
}

static void
terminate(herd_actor *self, const char *reason)
{
	(void)herdi_journal_sync(&C.j);
	herdi_journal_close(&C.j);
	while (C.txs != NULL)
		coord_free_tx(C.txs);
	conf_free(config);
	config = NULL;
	while (C.heuristic != NULL) {
		struct heuristic *h = C.heuristic;
		C.heuristic = h->next;
		cJSON_Delete(h->final);
		cJSON_Delete(h->jobs);
		free(h);
	}
	while (C.names != NULL) {
		struct name *n = C.names;
		C.names = n->next;
		free(n->name);
		free(n);
	}
	while (C.watches != NULL) {
		struct watch *w = C.watches;
		C.watches = w->next;
		free(w);
	}
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = {
		.init = init,
		.handle_cast = handle_cast,
		.handle_call = handle_call,
		.handle_info = handle_info,
		.inspect = inspect,
		.terminate = terminate,
	};
	int rv;

	C.j.fd = -1;
	rv = herd_actor_run(&ops, NULL, argc, argv);
	if (rv < 0) {
		fprintf(stderr, "herd-sagad: %s (run it as an actor of herdd: "
		    "\"type\": \"actor\")\n", herd_strerror(rv));
		return 1;
	}
	return rv;
}
