/*
 * First contact between actors (worker/actor-contact.c): herdd carries a
 * sender's knock to the receiver and the receiver's welcome back, once
 * per new connection, so that a sender sends nothing into a connection
 * that nng 1.5.2's wedged listener (bug #1518) took but never handed
 * over. herdd is the one party both can always reach.
 */
#include <string.h>

#include "node-int.h"

static const char *
arg_str(struct request *r, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(r->req.args, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The system message {"t":T, KEY:ID, "n":N}. */
static cJSON *
contact(const char *t, const char *key, const char *id, double n)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "t", t);
	cJSON_AddStringToObject(m, key, id);
	cJSON_AddNumberToObject(m, "n", n);
	return m;
}

/* Checks args {to, n}; the caller's actor, or NULL (replied). */
static struct actor *
contact_args(struct request *r, double *n)
{
	struct actor *a = node_actor_of(r);
	cJSON *jn = cJSON_GetObjectItemCaseSensitive(r->req.args, "n");

	if (a == NULL)
		return NULL;
	if (arg_str(r, "to") == NULL || !cJSON_IsNumber(jn)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args must be {\"to\":ID,"
		    "\"n\":N}");
		return NULL;
	}
	*n = jn->valuedouble;
	return a;
}

/* A knock from FROM already waits for TO (it has not fetched it: stuck,
 * or busy): it gets the newer connection's N instead of a second knock,
 * so a sender dialing again cannot fill TO's queue. */
static int
knock_again(struct actor *to, const char *from, double n)
{
	cJSON *m, *f;

	cJSON_ArrayForEach(m, to->queue) {
		f = cJSON_GetObjectItemCaseSensitive(m, "from");
		if (cJSON_IsString(f) && strcmp(f->valuestring, from) == 0 &&
		    strcmp(cJSON_GetObjectItemCaseSensitive(m, "t")->valuestring,
		    "knock") == 0) {
			cJSON_ReplaceItemInObjectCaseSensitive(m, "n",
			    cJSON_CreateNumber(n));
			return 1;
		}
	}
	return 0;
}

/* knock {to, n}: the caller made its n-th connection to actor TO. For a
 * TO that is not registered herdd answers "gone": the sender drops what
 * it holds for it (ACTORS.md A1). */
void
op_knock(struct request *r)
{
	struct actor *a, *to;
	double n;

	if ((a = contact_args(r, &n)) == NULL)
		return;
	reply_ok(r, NULL);
	if ((to = node_lookup(a->n, arg_str(r, "to"))) == NULL) {
		cJSON *m = contact("welcome", "id", arg_str(r, "to"), n);
		cJSON_AddTrueToObject(m, "gone");
		node_deliver(a->n, a, m);
	} else if (!knock_again(to, a->id, n)) {
		node_deliver(a->n, to, contact("knock", "from", a->id, n));
	}
}

/* welcome {to, n, max}: the caller has actor TO's n-th connection; TO
 * may hold up to max bytes for it (its mailbox_bytes). */
void
op_welcome(struct request *r)
{
	cJSON *max = cJSON_GetObjectItemCaseSensitive(r->req.args, "max");
	struct actor *a, *to;
	cJSON *m;
	double n;

	if ((a = contact_args(r, &n)) == NULL)
		return;
	reply_ok(r, NULL);
	if ((to = node_lookup(a->n, arg_str(r, "to"))) == NULL)
		return;
	m = contact("welcome", "id", a->id, n);
	if (cJSON_IsNumber(max))
		cJSON_AddNumberToObject(m, "max", max->valuedouble);
	node_deliver(a->n, to, m);
}
