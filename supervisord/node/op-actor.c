/* Control ops on actors (ACTORS.md A15, Spawn's invoke and get_state):
 * actors (the registry), cast and call (invoke, async and sync), inspect
 * (the actor's own view of its state). They reach an actor through
 * node.c, as system messages. */
#include <stdio.h>
#include <string.h>

#include "node.h"

#define CALL_TIMEOUT_MS 5000 /* A5's default */

/* The registered actor args.name names; replies not_found (or noproc
 * when the name is an actor child that is not registered now). */
static struct actor *
arg_actor(struct request *r)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	struct actor *a;
	struct child *c;

	if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
		reply_err(r, IPC_E_BAD_REQUEST,
		    "args.name must be a non-empty string");
		return NULL;
	}
	if ((a = node_find(r->h->node, name->valuestring)) != NULL)
		return a;
	c = tree_find(r->h->root, name->valuestring);
	if (c != NULL && c->spec != NULL && c->spec->actor)
		reply_err(r, IPC_E_NOPROC, "actor %.500s is not running (%s)",
		    name->valuestring, child_state_name(c->state));
	else
		reply_err(r, IPC_E_NOT_FOUND, "no actor named \"%.500s\"",
		    name->valuestring);
	return NULL;
}

/* args.msg: any JSON value (absent: null); copied. */
static cJSON *
arg_msg(struct request *r)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(r->req.args, "msg");

	return m != NULL ? cJSON_Duplicate(m, 1) : cJSON_CreateNull();
}

static void
op_actors(struct request *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "actors", node_list(r->h->node));
	reply_ok(r, o);
}

/* cast: accepted once queued for the actor (A4's order kept). */
static void
op_cast(struct request *r)
{
	struct actor *a = arg_actor(r);
	cJSON *m, *o;

	if (a == NULL || node_refuse_full(r, a))
		return;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "t", "cast");
	cJSON_AddItemToObject(m, "msg", arg_msg(r));
	node_deliver(r->h->node, a, m);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", node_actor_child(a)->path);
	cJSON_AddStringToObject(o, "id", node_actor_id(a));
	reply_ok(r, o);
}

/* The timeout of a call: args.timeout_ms, default 5 s. -1 if invalid
 * (replied). */
static long
arg_timeout(struct request *r)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(r->req.args,
	    "timeout_ms");

	if (t == NULL)
		return CALL_TIMEOUT_MS;
	if (!cJSON_IsNumber(t) || t->valuedouble < 1 ||
	    t->valuedouble > 86400000) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.timeout_ms must be an "
		    "integer from 1 to 86400000");
		return -1;
	}
	return (long)t->valuedouble;
}

static void
op_call(struct request *r)
{
	long timeout = arg_timeout(r);
	struct actor *a;

	if (timeout < 0 || (a = arg_actor(r)) == NULL ||
	    node_refuse_full(r, a))
		return;
	node_call(r->h->node, a, r, "call", arg_msg(r), timeout);
}

/* inspect: a system message, served ahead of a backlog of casts (A6). */
static void
op_inspect(struct request *r)
{
	long timeout = arg_timeout(r);
	struct actor *a;

	if (timeout < 0 || (a = arg_actor(r)) == NULL)
		return;
	node_call(r->h->node, a, r, "inspect", NULL, timeout);
}

/* stats: the actor's own counts (messages handled), asked of it as
 * inspect is. */
static void
op_stats(struct request *r)
{
	long timeout = arg_timeout(r);
	struct actor *a;

	if (timeout < 0 || (a = arg_actor(r)) == NULL)
		return;
	node_call(r->h->node, a, r, "stats", NULL, timeout);
}

const struct op op_actor_table[] = {
	{ "actors", 0, op_actors },
	{ "cast", 1, op_cast },
	{ "call", 1, op_call },
	{ "inspect", 0, op_inspect },
	{ "stats", 0, op_stats },
};
const size_t op_actor_count = sizeof op_actor_table / sizeof op_actor_table[0];
