/*
 * herdd as the actor node: the registry of actors and the ops actors send
 * on the node socket (ipc://<run_dir>/node.sock, a second listener of the
 * control socket, so one loop, one reply queue and one admission serve
 * both). An actor is a child of type "actor" whose process, linked with
 * libherd, says hello once its init has returned (ACTORS.md A3): only
 * then is it registered under its path and ready for its supervisor. Each
 * actor keeps one poll outstanding; herdd answers it with the system
 * messages it has for the actor (casts and calls from herdctl, inspect),
 * so herdd never dials an actor and holds one connection per actor. Every
 * death reaches node_child_ended from the reaper first: the actor's names
 * go and the calls waiting on it fail at once with its exit reason (A5).
 * docs/actors.md has the map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/transport/ipc/ipc.h>

#include "log.h"
#include "node.h"
#include "node-int.h"
#include "pidmap.h"
#include "util.h"

int
node_url(const char *run_dir, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "ipc://%s/node.sock", run_dir) <
	    len ? 0 : -1;
}

struct node *
node_create(struct herdd *h)
{
	struct node *n = xcalloc(1, sizeof *n);

	n->h = h;
	/* as bound: the local address of its connections */
	snprintf(n->path, sizeof n->path, "%s/node.sock", h->run_bind);
	return n;
}

/* Replies J (taken) to the request routed by HDR (taken). */
static void
send_reply(struct node *n, nng_msg *hdr, cJSON *j, const char *op)
{
	reply_json_op(n->h->control, hdr, j, op);
}

static void
call_free(struct ncall *k)
{
	struct ncall **pp;

	for (pp = &k->n->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	if (k->timer != NULL)
		event_free(k->timer);
	if (k->hdr != NULL)
		nng_msg_free(k->hdr);
	free(k);
}

/* Answers k's requester with RESULT (taken) or the error CODE, MSG, and
 * frees k. */
static void
call_end(struct ncall *k, cJSON *result, const char *code, const char *msg)
{
	cJSON *j;

	if (code != NULL)
		j = ipc_reply_error(k->req_id, code, "%s", msg);
	else
		j = ipc_reply_ok(k->req_id, result);
	send_reply(k->n, k->hdr, j, "call");
	k->hdr = NULL;
	call_free(k);
}

static void
call_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ncall *k = arg;
	char msg[600];

	snprintf(msg, sizeof msg, "%s did not reply within %ld ms",
	    k->a->c->path, k->timeout_ms);
	/* a late reply finds no call and is dropped (A5) */
	call_end(k, NULL, IPC_E_TIMEOUT, msg);
}

static void
actor_free(struct actor *a)
{
	struct node *n = a->n;
	struct actor **pp;

	for (pp = &n->actors; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	live_stop(a);
	if (a->poll != NULL)
		nng_msg_free(a->poll);
	while (a->why != NULL) {
		struct why_wait *w = a->why;
		a->why = w->next;
		nng_msg_free(w->hdr);
		free(w);
	}
	cJSON_Delete(a->queue);
	while (a->nnames > 0)
		free(a->names[--a->nnames]);
	free(a->names);
	a->c->actor = NULL;
	free(a);
}

void
node_child_ended(struct node *n, struct child *c, const char *reason)
{
	struct actor *a;
	struct ncall *k, *next;
	char msg[600];

	if (n == NULL || (a = c->actor) == NULL)
		return;
	snprintf(msg, sizeof msg, "%s ended: %s", c->path,
	    reason != NULL ? reason : "gone");
	for (k = n->calls; k != NULL; k = next) {
		next = k->next;
		if (k->a == a)
			call_end(k, NULL, IPC_E_NOPROC, msg);
	}
	n->h->engine.ops->event(n->h->engine.ctx, "actor.down", c,
	    reason != NULL ? reason : "noproc");
	link_actor_ended(n, a, reason != NULL ? reason : "noproc");
	while (a->why != NULL) {
		struct why_wait *w = a->why;
		cJSON *o = cJSON_CreateObject();
		a->why = w->next;
		cJSON_AddStringToObject(o, "reason", reason != NULL ? reason :
		    "noproc");
		send_reply(n, w->hdr, ipc_reply_ok(w->id, o), "reason");
		free(w);
	}
	snprintf(n->dead[n->dead_next].id, sizeof n->dead[0].id, "%s", a->id);
	snprintf(n->dead[n->dead_next].reason, sizeof n->dead[0].reason, "%s",
	    reason != NULL ? reason : "noproc");
	n->dead_next = (n->dead_next + 1) % DEAD_RING;
	actor_free(a);
}

void
node_observe(void *arg, const char *topic, struct child *c,
    const char *reason)
{
	if (strcmp(topic, "child.reaped") == 0 ||
	    strcmp(topic, "child.released") == 0)
		node_child_ended(arg, c, reason);
}

void
node_destroy(struct node *n)
{
	if (n == NULL)
		return;
	while (n->calls != NULL)
		call_end(n->calls, NULL, IPC_E_SHUTTING_DOWN,
		    "herdd is shutting down");
	link_free_all(n);
	while (n->actors != NULL)
		actor_free(n->actors);
	free(n);
}

struct actor *
node_find(struct node *n, const char *name)
{
	struct actor *a;

	size_t i;

	for (a = n->actors; a != NULL; a = a->next) {
		if (strcmp(a->c->path, name) == 0)
			return a;
		for (i = 0; i < a->nnames; i++)
			if (strcmp(a->names[i], name) == 0)
				return a;
	}
	return NULL;
}

/* Why NAME cannot be registered by a now (NULL: it can). A name is
 * unique on the node, never an actor's id or a child's path. */
static const char *
name_refused(struct node *n, const char *name, char *buf, size_t len)
{
	unsigned long long x, y;
	char end;

	if (name[0] == '\0' || strlen(name) > NAME_MAX_LEN)
		return "a name is 1 to 255 bytes";
	if (sscanf(name, "%llu.%llu%c", &x, &y, &end) == 2)
		return "a name cannot look like an actor id (PID.INCARNATION)";
	if (node_find(n, name) != NULL ||
	    tree_find(n->h->root, name) != NULL) {
		snprintf(buf, len, "\"%.300s\" is taken", name);
		return buf;
	}
	return NULL;
}

/* Registers NAME for a; -1 with *why when it cannot. */
static int
name_add(struct node *n, struct actor *a, const char *name, const char **why,
    char *buf, size_t len)
{
	if ((*why = name_refused(n, name, buf, len)) != NULL)
		return -1;
	if (a->nnames == MAX_NAMES) {
		*why = "an actor has at most 64 names";
		return -1;
	}
	a->names = xreallocarray(a->names, a->nnames + 1, sizeof *a->names);
	a->names[a->nnames++] = xstrdup(name);
	return 0;
}

struct actor *
node_lookup(struct node *n, const char *who)
{
	struct actor *a;

	for (a = n->actors; a != NULL; a = a->next)
		if (strcmp(a->id, who) == 0)
			return a;
	return node_find(n, who);
}

struct child *
node_actor_child(const struct actor *a)
{
	return a->c;
}

const char *
node_actor_id(const struct actor *a)
{
	return a->id;
}

/* Answers a's waiting poll with everything queued for it. */
static void
flush(struct node *n, struct actor *a)
{
	cJSON *res;

	if (a->poll == NULL || a->queued == 0)
		return;
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "msgs", a->queue);
	a->queue = cJSON_CreateArray();
	a->queued = a->ordinary = 0;
	send_reply(n, a->poll, ipc_reply_ok(a->poll_id, res), "poll");
	a->poll = NULL;
}

void
node_deliver(struct node *n, struct actor *a, cJSON *msg)
{
	const cJSON *t;

	if (a->queued >= MAX_QUEUED) {
		/* it does not fetch: never kept without bound */
		log_warnx("actor %s does not fetch its system messages; one "
		    "dropped", a->c->path);
		cJSON_Delete(msg);
		return;
	}
	t = cJSON_GetObjectItemCaseSensitive(msg, "t");
	if (cJSON_IsString(t) && (strcmp(t->valuestring, "cast") == 0 ||
	    strcmp(t->valuestring, "call") == 0))
		a->ordinary++;
	cJSON_AddItemToArray(a->queue, msg);
	a->queued++;
	flush(n, a);
}

int
node_refuse_full(struct request *r, const struct actor *a)
{
	if (a->ordinary < MAX_QUEUED_ORDINARY && a->queued < MAX_QUEUED)
		return 0;
	reply_err(r, IPC_E_MAILBOX_FULL, "%s has not fetched the %zu "
	    "messages herdd holds for it (its bound): nothing was sent",
	    a->c->path, a->ordinary);
	return 1;
}

void
node_call(struct node *n, struct actor *a, struct request *r,
    const char *kind, cJSON *msg, long timeout_ms)
{
	struct ncall *k = xcalloc(1, sizeof *k);
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	cJSON *m = cJSON_CreateObject();

	k->n = n;
	k->a = a;
	k->ref = ++n->ref;
	k->hdr = header_copy(r->msg);
	k->req_id = r->req.id;
	k->timeout_ms = timeout_ms;
	k->timer = evtimer_new(n->h->base, call_timeout_cb, k);
	evtimer_add(k->timer, &tv);
	k->next = n->calls;
	n->calls = k;
	cJSON_AddStringToObject(m, "t", kind);
	cJSON_AddNumberToObject(m, "ref", (double)k->ref);
	if (msg != NULL)
		cJSON_AddItemToObject(m, "msg", msg);
	node_deliver(n, a, m);
}

cJSON *
node_list(struct node *n)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	struct actor *a;

	for (a = n->actors; a != NULL; a = a->next) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", a->id);
		/* a spawned actor's own name, else its path (A2, A15) */
		cJSON_AddStringToObject(o, "name", a->c->named ? a->c->name :
		    a->c->path);
		cJSON_AddStringToObject(o, "path", a->c->path);
		{
			cJSON *nl = cJSON_AddArrayToObject(o, "names");
			size_t i;
			for (i = 0; i < a->nnames; i++)
				cJSON_AddItemToArray(nl,
				    cJSON_CreateString(a->names[i]));
		}
		cJSON_AddNumberToObject(o, "pid", a->c->pid);
		cJSON_AddNumberToObject(o, "mailbox", (double)a->queued);
		cJSON_AddStringToObject(o, "state",
		    child_state_name(a->c->state));
		/* an instance of an actor type: the type is its pool (A15) */
		if (a->c->parent != NULL && a->c->parent->strategy ==
		    CONF_SIMPLE_ONE_FOR_ONE)
			cJSON_AddStringToObject(o, "type",
			    a->c->parent->self->path);
		else
			cJSON_AddNullToObject(o, "type");
		live_describe(a, o);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

int
node_request(const struct request *r)
{
	nng_sockaddr sa;

	return r->h->node != NULL && nng_pipe_get_addr(nng_msg_get_pipe(
	    r->msg), NNG_OPT_LOCADDR, &sa) == 0 && sa.s_family ==
	    NNG_AF_IPC && strcmp(sa.s_ipc.sa_path, r->h->node->path) == 0;
}

struct actor *
node_actor_of(struct request *r)
{
	uint32_t pipe = nng_pipe_id(nng_msg_get_pipe(r->msg));
	struct actor *a;

	for (a = r->h->node->actors; a != NULL; a = a->next)
		if (a->pipe == pipe)
			return a;
	reply_err(r, IPC_E_REFUSED, "this connection has not said hello");
	return NULL;
}

struct actor *
node_actor_ref(struct request *r, uint64_t *ref)
{
	struct actor *a = node_actor_of(r);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(r->req.args, "ref");

	if (a == NULL)
		return NULL;
	if (!cJSON_IsNumber(v)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.ref must be a number");
		return NULL;
	}
	*ref = (uint64_t)v->valuedouble;
	return a;
}

/* ---- the node socket's ops ---- */

/* Registers NAME (NULL: not a string) for a at its hello; if it cannot,
 * the start fails and r is answered why. */
static int
hello_name(struct request *r, struct actor *a, const char *name)
{
	struct child *c = a->c;
	const char *why = "names are strings";
	char buf[400], cause[600];

	if (name != NULL && name_add(a->n, a, name, &why, buf, sizeof buf) ==
	    0)
		return 1;
	snprintf(cause, sizeof cause, "init failed: cannot register %.300s: "
	    "%s", name != NULL ? name : "(not a string)", why);
	actor_free(a);
	reply_err(r, IPC_E_REFUSED, "%s", cause);
	engine_child_start_failed(&r->h->engine, c, cause);
	return 0;
}

/*
 * hello: the actor's init has returned (or failed, args.error). The peer
 * must be the process of a starting child of type actor: it is the one
 * that may register (nng gives the peer's pid).
 */
static void
op_hello(struct request *r)
{
	struct node *n = r->h->node;
	cJSON *err = cJSON_GetObjectItemCaseSensitive(r->req.args, "error");
	cJSON *names = cJSON_GetObjectItemCaseSensitive(r->req.args, "names");
	cJSON *nm;
	nng_pipe p = nng_msg_get_pipe(r->msg);
	struct child *c;
	struct actor *a;
	uint64_t pid;
	cJSON *o;

	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
	    (c = pidmap_get(r->h->pids, (pid_t)pid)) == NULL ||
	    c->spec == NULL || !c->spec->actor) {
		reply_err(r, IPC_E_REFUSED, "pid %llu is not an actor of this "
		    "node", (unsigned long long)pid);
		return;
	}
	if (c->actor != NULL || c->state != CH_STARTING) {
		reply_err(r, IPC_E_REFUSED, "%s has said hello already",
		    c->path);
		return;
	}
	if (err != NULL) {
		char cause[300];
		snprintf(cause, sizeof cause, "init failed: %.200s",
		    cJSON_IsString(err) ? err->valuestring : "(no reason)");
		reply_ok(r, NULL);
		engine_child_start_failed(&r->h->engine, c, cause);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->n = n;
	a->c = c;
	a->pipe = nng_pipe_id(p);
	a->queue = cJSON_CreateArray();
	snprintf(a->id, sizeof a->id, "%d.%llu", (int)c->pid,
	    (unsigned long long)c->incarnation);
	c->actor = a;
	a->next = n->actors;
	n->actors = a;
	/* the name it was spawned with (A15), and those init asked for,
	 * taken with the registration (A2, A3) */
	if (c->named && !hello_name(r, a, c->name))
		return;
	cJSON_ArrayForEach(nm, names)
		if (!hello_name(r, a, cJSON_IsString(nm) ? nm->valuestring :
		    NULL))
			return;
	link_hello(n, a, r->req.args);
	live_start(n, a, r->req.args);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", a->id);
	cJSON_AddStringToObject(o, "name", c->path);
	reply_ok(r, o);
	r->h->engine.ops->event(r->h->engine.ctx, "actor.up", c, NULL);
	engine_child_ready(&r->h->engine, c);
}

/* poll: answered with the system messages queued for the actor, at once
 * or when one comes. A new poll answers the old one empty. */
static void
op_poll(struct request *r)
{
	struct actor *a = node_actor_of(r);

	if (a == NULL)
		return;
	if (a->poll != NULL) {
		cJSON *res = cJSON_CreateObject();
		cJSON_AddArrayToObject(res, "msgs");
		send_reply(a->n, a->poll, ipc_reply_ok(a->poll_id, res),
		    "poll");
	}
	a->poll = header_copy(r->msg);
	a->poll_id = r->req.id;
	flush(a->n, a);
}

/* reply: the actor's answer to a call (args.ref) with args.result, or
 * args.error {code, message}. A reply nobody waits for is dropped. */
static void
op_reply(struct request *r)
{
	cJSON *res = cJSON_GetObjectItemCaseSensitive(r->req.args, "result");
	cJSON *err = cJSON_GetObjectItemCaseSensitive(r->req.args, "error");
	struct ncall *k;
	struct actor *a;
	uint64_t ref;
	cJSON *out;

	if ((a = node_actor_ref(r, &ref)) == NULL)
		return;
	reply_ok(r, NULL);
	for (k = a->n->calls; k != NULL; k = k->next)
		if (k->a == a && k->ref == ref)
			break;
	if (k == NULL)
		return; /* late: its caller gave up (A5) */
	if (cJSON_IsObject(err)) {
		const char *code = cJSON_IsString(cJSON_GetObjectItem(err,
		    "code")) ? cJSON_GetObjectItem(err, "code")->valuestring :
		    IPC_E_FAILED;
		const char *msg = cJSON_IsString(cJSON_GetObjectItem(err,
		    "message")) ? cJSON_GetObjectItem(err, "message")
		    ->valuestring : code;
		call_end(k, NULL, code, msg);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "reply", res != NULL ?
	    cJSON_Duplicate(res, 1) : cJSON_CreateNull());
	call_end(k, out, NULL, NULL);
}

/*
 * bye: the actor ends with args.reason (herd_exit's, "shutdown", an
 * error's). It is unregistered now, before its terminate runs (A12): its
 * calls fail with the reason; its process's exit will be reported with
 * that reason rather than its exit status.
 */
static void
op_bye(struct request *r)
{
	struct actor *a = node_actor_of(r);
	cJSON *why = cJSON_GetObjectItemCaseSensitive(r->req.args, "reason");
	struct child *c;

	if (a == NULL)
		return;
	if (!cJSON_IsString(why) || why->valuestring[0] == '\0' ||
	    strlen(why->valuestring) >= sizeof a->c->told) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.reason must be a string "
		    "of 1 to %zu bytes", sizeof a->c->told - 1);
		return;
	}
	c = a->c;
	snprintf(c->told, sizeof c->told, "%s", why->valuestring);
	reply_ok(r, NULL);
	node_child_ended(a->n, c, c->told);
}

/* Whether r's peer is the process of an actor child whose init runs (it
 * has not said hello): it may look names up before it is found itself. */
static int
starting_actor(struct request *r)
{
	uint64_t pid;
	struct child *c;

	return nng_pipe_get_uint64(nng_msg_get_pipe(r->msg),
	    NNG_OPT_IPC_PEER_PID, &pid) == 0 && (c = pidmap_get(r->h->pids,
	    (pid_t)pid)) != NULL && c->spec != NULL && c->spec->actor &&
	    c->actor == NULL && c->state == CH_STARTING;
}

/* The mailbox url of a registered actor. */
static char *
mailbox_of(struct node *n, const struct actor *a)
{
	return xprintf("ipc://%s/actors/%llu/m.sock", n->h->conf->run_dir,
	    (unsigned long long)a->c->incarnation);
}

/* whereis: a registered name's actor, {id, mailbox}; not_found at once
 * for a name nobody has (A2). */
static void
op_whereis(struct request *r)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	struct actor *a;
	cJSON *o;
	char *url;

	if (!starting_actor(r) && node_actor_of(r) == NULL)
		return;
	if (!cJSON_IsString(name)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.name must be a string");
		return;
	}
	if ((a = node_find(r->h->node, name->valuestring)) == NULL) {
		reply_err(r, IPC_E_NOT_FOUND, "no actor named \"%.500s\"",
		    name->valuestring);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", a->id);
	url = mailbox_of(r->h->node, a);
	cJSON_AddStringToObject(o, "mailbox", url);
	free(url);
	reply_ok(r, o);
}

/* reason: why actor args.id ended (a caller whose connection to it
 * closed asks, A5); noproc when herdd does not remember it. Asked of an
 * actor herdd still has, the answer waits for its end. */
static void
op_reason(struct request *r)
{
	cJSON *id = cJSON_GetObjectItemCaseSensitive(r->req.args, "id");
	struct node *n = r->h->node;
	struct actor *a;
	cJSON *o;
	size_t i;

	if (node_actor_of(r) == NULL)
		return;
	if (!cJSON_IsString(id)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.id must be a string");
		return;
	}
	for (a = n->actors; a != NULL; a = a->next)
		if (strcmp(a->id, id->valuestring) == 0) {
			/* the caller saw it go before herdd reaped it: the
			 * answer waits for its end */
			struct why_wait *w = xcalloc(1, sizeof *w);
			w->hdr = header_copy(r->msg);
			w->id = r->req.id;
			w->next = a->why;
			a->why = w;
			return;
		}
	o = cJSON_CreateObject();
	for (i = 0; i < DEAD_RING; i++)
		if (strcmp(n->dead[i].id, id->valuestring) == 0)
			break;
	cJSON_AddStringToObject(o, "reason", i < DEAD_RING ?
	    n->dead[i].reason : "noproc");
	reply_ok(r, o);
}

/* register {name}: a further name for the caller (A2). */
static void
op_register(struct request *r)
{
	struct actor *a = node_actor_of(r);
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	const char *why;
	char buf[400];

	if (a == NULL)
		return;
	if (!cJSON_IsString(name)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.name must be a string");
		return;
	}
	if (name_add(r->h->node, a, name->valuestring, &why, buf,
	    sizeof buf) == -1) {
		reply_err(r, IPC_E_REFUSED, "cannot register %.300s: %s",
		    name->valuestring, why);
		return;
	}
	reply_ok(r, NULL);
}

/* unregister {name}: one of the caller's names goes; every actor is told
 * to forget it from its cache of looked-up names. */
static void
op_unregister(struct request *r)
{
	struct actor *a = node_actor_of(r), *b;
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	size_t i;

	if (a == NULL)
		return;
	if (!cJSON_IsString(name)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.name must be a string");
		return;
	}
	for (i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], name->valuestring) == 0)
			break;
	if (i == a->nnames) {
		reply_err(r, IPC_E_NOT_FOUND, "%.300s is not a name of %s "
		    "(its path cannot be unregistered)", name->valuestring,
		    a->c->path);
		return;
	}
	free(a->names[i]);
	a->names[i] = a->names[--a->nnames];
	for (b = r->h->node->actors; b != NULL; b = b->next) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "t", "forget");
		cJSON_AddStringToObject(m, "name", name->valuestring);
		node_deliver(r->h->node, b, m);
	}
	reply_ok(r, NULL);
}

const struct op op_node_table[] = {
	{ "register", 0, op_register },
	{ "unregister", 0, op_unregister },
	{ "whereis", 0, op_whereis },
	{ "reason", 0, op_reason },
	{ "bye", 0, op_bye },
	{ "hello", 0, op_hello },
	{ "poll", 0, op_poll },
	{ "reply", 0, op_reply },
	{ "monitor", 0, op_monitor },
	{ "demonitor", 0, op_demonitor },
	{ "link", 0, op_link },
	{ "unlink", 0, op_unlink },
	{ "exit", 0, op_exit },
	{ "readiness", 0, op_readiness },
	{ "publish", 0, op_publish },
	{ "spawn", 0, op_node_spawn },
	{ "knock", 0, op_knock },
	{ "welcome", 0, op_welcome },
};
const size_t op_node_count = sizeof op_node_table / sizeof op_node_table[0];
