/*
 * What the saga coordinator (the actor holding the name "herd.tx") may
 * ask of herdd beyond any actor (docs/sagas.md): publish its tx.* events
 * through herdd, so that they have the stream's sequence numbers and
 * replay like every other event, and spawn an instance of a pool for a
 * job (a worker process started per job). No other actor may do either:
 * the stream stays herdd's word about the fleet.
 */
#include <stdlib.h>
#include <string.h>

#include "node-int.h"
#include "events.h"
#include "util.h"

#define TX_COORD "herd.tx"
#define MAX_EVENT_BYTES 4096

/* Whether A holds the coordinator's name. */
static int
is_coordinator(const struct actor *a)
{
	for (size_t i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], TX_COORD) == 0)
			return 1;
	return 0;
}

static int
topic_ok(const char *t)
{
	size_t n = strlen(t);

	if (n < 4 || n > 64 || strncmp(t, "tx.", 3) != 0)
		return 0;
	for (size_t i = 3; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '_' || t[i] == '.'))
			return 0;
	return 1;
}

void
op_publish(struct request *r)
{
	struct actor *a = node_actor_of(r);
	const cJSON *topic = cJSON_GetObjectItemCaseSensitive(r->req.args,
	    "topic");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r->req.args,
	    "data");
	cJSON *o;
	char *text;

	if (a == NULL)
		return;
	if (!is_coordinator(a)) {
		reply_err(r, IPC_E_REFUSED, "only the saga coordinator (%s) "
		    "publishes events", TX_COORD);
		return;
	}
	if (!cJSON_IsString(topic) || !topic_ok(topic->valuestring)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.topic must be tx. and 1 "
		    "to 61 of [a-z_.]");
		return;
	}
	if (!cJSON_IsObject(data) || (text = cJSON_PrintUnformatted(data)) ==
	    NULL) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.data must be an object");
		return;
	}
	if (strlen(text) > MAX_EVENT_BYTES) {
		cJSON_free(text);
		reply_err(r, IPC_E_TOO_LARGE, "args.data is over %d bytes",
		    MAX_EVENT_BYTES);
		return;
	}
	cJSON_free(text);
	if ((o = cJSON_Duplicate(data, 1)) == NULL) {
		reply_err(r, IPC_E_INTERNAL, "out of memory");
		return;
	}
	/* herdd's fields win over the actor's */
	cJSON_DeleteItemFromObjectCaseSensitive(o, "path");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "seq");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "event");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "ts");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "time");
	cJSON_AddStringToObject(o, "path", a->c->path);
	if (r->h->events != NULL)
		events_publish(r->h->events, topic->valuestring, o);
	else
		cJSON_Delete(o);
	reply_ok(r, NULL);
}

/* spawn {pool, args}: an instance of simple_one_for_one pool POOL with
 * ARGS after its template's command; answered at once with its path (it
 * says hello to the coordinator itself once it runs). */
void
op_node_spawn(struct request *r)
{
	struct actor *a = node_actor_of(r);
	const cJSON *pj = cJSON_GetObjectItemCaseSensitive(r->req.args, "pool");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->req.args,
	    "args"), *it;
	struct run_as as = { 0, 0, 0 };
	struct child *pool, *c;
	const char *code;
	char cause[512], **argv;
	size_t n = 0;
	cJSON *o;

	if (a == NULL)
		return;
	if (!is_coordinator(a)) {
		reply_err(r, IPC_E_REFUSED, "only the saga coordinator (%s) "
		    "spawns through the node socket", TX_COORD);
		return;
	}
	if (!cJSON_IsString(pj) || (pool = tree_find(r->h->root,
	    pj->valuestring)) == NULL || pool->sup == NULL ||
	    pool->sup->strategy != CONF_SIMPLE_ONE_FOR_ONE) {
		reply_err(r, IPC_E_NOT_FOUND, "no simple_one_for_one pool "
		    "named \"%.300s\"", cJSON_IsString(pj) ? pj->valuestring :
		    "");
		return;
	}
	cJSON_ArrayForEach(it, args) {
		if (!cJSON_IsString(it) || n >= 64) {
			reply_err(r, IPC_E_BAD_REQUEST, "args.args must be up to "
			    "64 strings");
			return;
		}
		n++;
	}
	argv = xcalloc(n + 1, sizeof *argv);
	n = 0;
	cJSON_ArrayForEach(it, args)
		argv[n++] = xstrdup(it->valuestring);
	if (engine_cmd_spawn(&r->h->engine, pool, NULL, n > 0 ? argv : NULL,
	    &as, &c, &code, cause, sizeof cause) == -1) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		free(argv);
		reply_err(r, code, "%s", cause);
		return;
	}
	if (n == 0)
		free(argv);
	driver_fleet_changed(r->h);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", c->path);
	reply_ok(r, o);
}
