/*
 * Monitors and links between actors (ACTORS.md A10, A11), kept by herdd
 * because herdd sees every death first (the reaper, or the actor's bye).
 * A monitor is one-way: its watcher gets one "down" system message (ref,
 * id, name, reason) when the target ends, or at once with "noproc" when
 * the target is not there. A link is two-way and one per pair: when
 * either end ends, the other gets an "exit" system message (id, name,
 * reason); libherd decides what it does with it (trap_exit, "kill",
 * "normal"). "exit" also sends an exit signal from one actor to another
 * (OTP's exit/2). Demonitor and unlink also take back what herdd still
 * queues for the caller; libherd drops what was already on its way.
 */
#include <stdlib.h>
#include <string.h>

#include "node-int.h"
#include "util.h"

struct nmon {
	struct nmon *next;
	uint64_t ref;
	struct actor *watcher, *target;
};

struct nlink {
	struct nlink *next;
	struct actor *a, *b;
};

/* A "down" or "exit" system message about the actor ID (NAME). */
static cJSON *
about(const char *t, uint64_t ref, const char *id, const char *name,
    const char *reason)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "t", t);
	if (ref != 0)
		cJSON_AddNumberToObject(m, "ref", (double)ref);
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "reason", reason);
	return m;
}

/* Drops what is queued for A that MATCH says was taken back. */
static void
unqueue(struct actor *a, int (*match)(const cJSON *, const void *),
    const void *arg)
{
	cJSON *m = a->queue->child, *next;

	for (; m != NULL; m = next) {
		next = m->next;
		if (match(m, arg)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(a->queue, m));
			a->queued--;
		}
	}
}

static int
is_kind(const cJSON *m, const char *t)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "t");

	return cJSON_IsString(k) && strcmp(k->valuestring, t) == 0;
}

static int
down_of(const cJSON *m, const void *arg)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(m, "ref");

	return is_kind(m, "down") && cJSON_IsNumber(ref) &&
	    (uint64_t)ref->valuedouble == *(const uint64_t *)arg;
}

static int
exit_from(const cJSON *m, const void *arg)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");

	return is_kind(m, "exit") && cJSON_IsString(id) &&
	    strcmp(id->valuestring, arg) == 0;
}

/* args.target as a string; replies bad_request if it is not. */
static const char *
target_arg(struct request *r)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(r->req.args, "target");

	if (!cJSON_IsString(t) || t->valuestring[0] == '\0') {
		reply_err(r, IPC_E_BAD_REQUEST, "args.target must be an actor "
		    "id or name");
		return NULL;
	}
	return t->valuestring;
}

static struct nlink **
link_find(struct node *n, const struct actor *x, const struct actor *y)
{
	struct nlink **pp;

	for (pp = &n->links; *pp != NULL; pp = &(*pp)->next)
		if (((*pp)->a == x && (*pp)->b == y) ||
		    ((*pp)->a == y && (*pp)->b == x))
			return pp;
	return NULL;
}

void
link_actor_ended(struct node *n, struct actor *a, const char *reason)
{
	struct nmon **mp = &n->mons, *m;
	struct nlink **lp = &n->links, *l;
	struct actor *other;

	while ((m = *mp) != NULL) {
		if (m->target == a)
			node_deliver(n, m->watcher, about("down", m->ref, a->id,
			    a->c->path, reason));
		if (m->target == a || m->watcher == a) {
			*mp = m->next;
			free(m);
		} else {
			mp = &m->next;
		}
	}
	while ((l = *lp) != NULL) {
		if (l->a != a && l->b != a) {
			lp = &l->next;
			continue;
		}
		other = l->a == a ? l->b : l->a;
		node_deliver(n, other, about("exit", 0, a->id, a->c->path,
		    reason));
		*lp = l->next;
		free(l);
	}
}

void
link_free_all(struct node *n)
{
	while (n->mons != NULL) {
		struct nmon *m = n->mons;
		n->mons = m->next;
		free(m);
	}
	while (n->links != NULL) {
		struct nlink *l = n->links;
		n->links = l->next;
		free(l);
	}
}

/* SELF monitors WHO under REF; a target that is not there is DOWN at
 * once, noproc (A10). A monitor of itself is kept, as OTP's. */
static void
monitor_add(struct node *n, struct actor *self, const char *who,
    uint64_t ref)
{
	struct actor *t = node_lookup(n, who);
	struct nmon *m;

	if (t == NULL) {
		node_deliver(n, self, about("down", ref, who, who, "noproc"));
		return;
	}
	m = xcalloc(1, sizeof *m);
	m->ref = ref;
	m->watcher = self;
	m->target = t;
	m->next = n->mons;
	n->mons = m;
}

/* SELF links to WHO, once per pair (A11); a target that is not there
 * sends SELF an exit signal noproc at once, as OTP's link/1 does for a
 * process trapping exits. */
static void
link_add(struct node *n, struct actor *self, const char *who)
{
	struct actor *t = node_lookup(n, who);
	struct nlink *l;

	if (t == NULL) {
		node_deliver(n, self, about("exit", 0, who, who, "noproc"));
		return;
	}
	if (t == self || link_find(n, self, t) != NULL)
		return;
	l = xcalloc(1, sizeof *l);
	l->a = self;
	l->b = t;
	l->next = n->links;
	n->links = l;
}

/* A monitor's ref: the watcher's own (libherd picks them, so it can
 * monitor before it is registered), else herdd's. */
static uint64_t
ref_arg(struct node *n, const cJSON *args)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(args, "ref");

	return cJSON_IsNumber(ref) && ref->valuedouble >= 1 ?
	    (uint64_t)ref->valuedouble : ++n->ref;
}

void
link_hello(struct node *n, struct actor *a, const cJSON *args)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(args,
	    "monitors")) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "target");
		if (cJSON_IsString(t))
			monitor_add(n, a, t->valuestring, ref_arg(n, v));
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(args, "links"))
		if (cJSON_IsString(v))
			link_add(n, a, v->valuestring);
}

/* monitor {target, ref}: {ref}. */
void
op_monitor(struct request *r)
{
	struct actor *self = node_actor_of(r);
	const char *who;
	uint64_t ref;
	cJSON *o;

	if (self == NULL || (who = target_arg(r)) == NULL)
		return;
	ref = ref_arg(r->h->node, r->req.args);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "ref", (double)ref);
	reply_ok(r, o);
	monitor_add(r->h->node, self, who, ref);
}

/* demonitor {ref}: no DOWN for it after the reply (A10): the monitor
 * goes, and so does a DOWN herdd still queues for it. */
void
op_demonitor(struct request *r)
{
	struct actor *self = node_actor_of(r);
	cJSON *ref = cJSON_GetObjectItemCaseSensitive(r->req.args, "ref");
	struct nmon **mp, *m;
	uint64_t v;

	if (self == NULL)
		return;
	if (!cJSON_IsNumber(ref)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.ref must be a number");
		return;
	}
	v = (uint64_t)ref->valuedouble;
	for (mp = &r->h->node->mons; (m = *mp) != NULL; mp = &m->next)
		if (m->ref == v && m->watcher == self) {
			*mp = m->next;
			free(m);
			break;
		}
	unqueue(self, down_of, &v);
	reply_ok(r, NULL);
}

/* link {target}: {}. */
void
op_link(struct request *r)
{
	struct actor *self = node_actor_of(r);
	const char *who;

	if (self == NULL || (who = target_arg(r)) == NULL)
		return;
	reply_ok(r, NULL);
	link_add(r->h->node, self, who);
}

/* unlink {target}: the link goes, and an exit signal from the target
 * that herdd still queues for the caller. */
void
op_unlink(struct request *r)
{
	struct actor *self = node_actor_of(r), *t;
	struct nlink **lp, *l;
	const char *who;

	if (self == NULL || (who = target_arg(r)) == NULL)
		return;
	if ((t = node_lookup(r->h->node, who)) != NULL &&
	    (lp = link_find(r->h->node, self, t)) != NULL) {
		l = *lp;
		*lp = l->next;
		free(l);
		unqueue(self, exit_from, t->id);
	}
	reply_ok(r, NULL);
}

/* exit {target, reason}: an exit signal from the caller to the target
 * (OTP's exit/2); "kill" cannot be trapped (libherd ends it "killed").
 * A target that is not there is not an error (Erlang's neither). */
void
op_exit(struct request *r)
{
	struct actor *self = node_actor_of(r), *t;
	cJSON *why = cJSON_GetObjectItemCaseSensitive(r->req.args, "reason");
	const char *who;

	if (self == NULL || (who = target_arg(r)) == NULL)
		return;
	if (!cJSON_IsString(why) || why->valuestring[0] == '\0' ||
	    strlen(why->valuestring) > 47) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.reason must be a string "
		    "of 1 to 47 bytes");
		return;
	}
	if ((t = node_lookup(r->h->node, who)) != NULL)
		node_deliver(r->h->node, t, about("exit", 0, self->id,
		    self->c->path, why->valuestring));
	reply_ok(r, NULL);
}
