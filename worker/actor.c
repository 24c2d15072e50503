/*
 * The actor's loop (ACTORS.md): one process, one actor, one libevent loop.
 * herd_actor_run connects to herdd, runs init, says hello (only then is the
 * actor registered and ready: A3), and keeps one poll outstanding on the
 * node socket; herdd answers it with system messages. Each batch is
 * handled system messages first (inspect), then casts and calls in the
 * order sent (A4, A6). SIGTERM, from the supervisor or anyone, is the
 * orderly shutdown: terminate("shutdown"), then exit (A13).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "herdi.h"

#define NODE_REF (1ULL << 63) /* a call from herdd, not from an actor */

static const herd_id node_id = { 0 }; /* herdd, for herdctl's messages */

struct herd_kv {
	cJSON *obj;
};

#define MAX_INCALLS 65536 /* calls kept unanswered: the oldest go past it */

void *
herd_state(herd_actor *self)
{
	return self->state;
}

const char *
herd_self_name(herd_actor *self)
{
	return self->name;
}

herd_id
herd_self(herd_actor *self)
{
	return self->id;
}

void
herd_exit(herd_actor *self, const char *reason)
{
	if (self->reason != NULL)
		return; /* the first reason wins */
	self->reason = strdup(reason != NULL ? reason : "normal");
	if (self->base != NULL)
		event_base_loopbreak(self->base);
}

void
herdi_check(herd_actor *self, int rv)
{
	if (rv < 0)
		herd_exit(self, herd_strerror(rv));
}

herd_ref
herdi_incall_add(herd_actor *self, uint64_t from, uint64_t ref)
{
	struct herdi_incall *c, **pp;

	if (self->nincalls >= MAX_INCALLS) {
		/* the oldest is last: its caller gave up long ago */
		for (pp = &self->incalls; (*pp)->next != NULL;
		    pp = &(*pp)->next)
			;
		free(*pp);
		*pp = NULL;
		self->nincalls--;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return 0;
	c->local = ++self->next_local & ~NODE_REF;
	c->from = from;
	c->ref = ref;
	c->next = self->incalls;
	self->incalls = c;
	self->nincalls++;
	return c->local;
}

int
herdi_incall_take(herd_actor *self, herd_ref local, uint64_t *from,
    uint64_t *ref)
{
	struct herdi_incall **pp, *c;

	for (pp = &self->incalls; (c = *pp) != NULL; pp = &c->next)
		if (c->local == local) {
			*from = c->from;
			*ref = c->ref;
			*pp = c->next;
			free(c);
			self->nincalls--;
			return 0;
		}
	return -1;
}

int
herd_kv_add(herd_kv *kv, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int n;

	if (kv == NULL || key == NULL || fmt == NULL)
		return HERD_EINVAL;
	va_start(ap, fmt);
	n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		return HERD_ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(kv->obj, key);
	cJSON_AddStringToObject(kv->obj, key, v);
	free(v);
	return 0;
}

/* Sends herdd the answer to call REF: RESULT (taken) or an error. */
static int
reply_node(herd_actor *self, herd_ref ref, cJSON *result, const char *code,
    const char *message)
{
	cJSON *args = cJSON_CreateObject(), *e;

	cJSON_AddNumberToObject(args, "ref", (double)(ref & ~NODE_REF));
	if (code != NULL) {
		e = cJSON_AddObjectToObject(args, "error");
		cJSON_AddStringToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", message ? message : code);
	} else {
		cJSON_AddItemToObject(args, "result", result);
	}
	return herdi_node_send(&self->node, "reply", args) != 0 ? 0 :
	    HERD_ENONODE;
}

int
herd_reply(herd_actor *self, herd_ref ref, const void *data, size_t len)
{
	cJSON *j;

	uint64_t from, cref;

	if (self == NULL || (data == NULL && len > 0))
		return HERD_EINVAL;
	if (!(ref & NODE_REF)) {
		if (herdi_incall_take(self, ref, &from, &cref) != 0)
			return HERD_EINVAL; /* unknown, or answered */
		return herdi_mail_reply(self, from, cref, 0, data, len);
	}
	/* herdctl's calls take JSON; bytes that are not are sent as a
	 * string */
	j = cJSON_ParseWithLength(data, len);
	if (j == NULL) {
		char *s = strndup(data, len);
		if (s == NULL)
			return HERD_ENOMEM;
		j = cJSON_CreateString(s);
		free(s);
	}
	return reply_node(self, ref, j, NULL, NULL);
}

int
herd_reply_json(herd_actor *self, herd_ref ref, const cJSON *j)
{
	char *s;
	int rv;

	if (self == NULL || j == NULL)
		return HERD_EINVAL;
	if (ref & NODE_REF)
		return reply_node(self, ref, cJSON_Duplicate(j, 1), NULL, NULL);
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		return HERD_ENOMEM;
	rv = herd_reply(self, ref, s, strlen(s));
	cJSON_free(s);
	return rv;
}

int
herd_reply_error(herd_actor *self, herd_ref ref, const char *code,
    const char *message)
{
	uint64_t from, cref;
	size_t cl, ml;
	char *buf;
	int rv;

	if (self == NULL || code == NULL)
		return HERD_EINVAL;
	if (ref & NODE_REF)
		return reply_node(self, ref, NULL, code, message);
	if (herdi_incall_take(self, ref, &from, &cref) != 0)
		return HERD_EINVAL;
	/* code, NUL, message */
	cl = strlen(code);
	ml = message != NULL ? strlen(message) : 0;
	if ((buf = malloc(cl + 1 + ml + 1)) == NULL)
		return HERD_ENOMEM;
	memcpy(buf, code, cl + 1);
	if (ml > 0)
		memcpy(buf + cl + 1, message, ml);
	buf[cl + 1 + ml] = '\0';
	rv = herdi_mail_reply(self, from, cref, 1, buf, cl + 1 + ml);
	free(buf);
	return rv;
}

/* ---- system messages from herdd ---- */

static void
do_inspect(herd_actor *self, const cJSON *m)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(m, "ref");
	herd_kv kv = { cJSON_CreateObject() };

	if (self->ops->inspect != NULL)
		herdi_check(self, self->ops->inspect(self, &kv));
	reply_node(self, NODE_REF | (herd_ref)ref->valuedouble, kv.obj, NULL,
	    NULL);
}

/* herdd's "stats": the messages handled so far (herdd's page makes a
 * rate of two), and the malformed ones dropped. */
static void
do_stats(herd_actor *self, const cJSON *m)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(m, "ref");
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "handled", (double)self->handled);
	cJSON_AddNumberToObject(o, "malformed", (double)self->mail.malformed);
	reply_node(self, NODE_REF | (herd_ref)ref->valuedouble, o, NULL,
	    NULL);
}

/* A cast or call from herdd: its message as JSON text. */
static void
do_message(herd_actor *self, const cJSON *m, int call)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(m, "ref");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(m, "msg");
	char *text = msg != NULL ? cJSON_PrintUnformatted(msg) : strdup("null");
	herd_ref r;

	if (text == NULL)
		return;
	self->handled++;
	if (!call && self->ops->handle_cast != NULL) {
		herdi_check(self, self->ops->handle_cast(self, node_id,
		    text, strlen(text)));
	} else if (call) {
		r = NODE_REF | (herd_ref)ref->valuedouble;
		if (self->ops->handle_call != NULL)
			herdi_check(self, self->ops->handle_call(self,
			    node_id, r, text, strlen(text)));
		else
			herd_reply_error(self, r, "unknown_call", "this actor "
			    "takes no calls");
	}
	free(text);
}

/* herdd's liveness checks (A14), on their own socket: each byte is
 * written back from the loop, so an actor stuck in a callback does not
 * answer and herdd kills it. */
void
herdi_live_answer(herd_actor *self)
{
	unsigned char b[16];
	ssize_t n;

	while ((n = recv(self->live_fd, b, sizeof b, MSG_DONTWAIT)) > 0)
		if (send(self->live_fd, b, (size_t)n, MSG_DONTWAIT |
		    MSG_NOSIGNAL) == -1)
			break; /* full or closed: herdd decides */
	if (n == 0 && self->live_ev != NULL)
		event_del(self->live_ev); /* herdd is gone */
}

static void
live_cb(evutil_socket_t fd, short what, void *arg)
{
	herdi_live_answer(arg);
}

int
herd_set_ready(herd_actor *self, int ready)
{
	cJSON *args;

	if (self == NULL)
		return HERD_EINVAL;
	self->unready = !ready;
	if (!self->registered)
		return 0; /* from init: hello says it */
	args = cJSON_CreateObject();
	cJSON_AddBoolToObject(args, "ready", ready != 0);
	return herdi_node_send(&self->node, "readiness", args) != 0 ? 0 :
	    HERD_ENONODE;
}

/* Whether system message M is of kind T and well formed. */
static int
is(const cJSON *m, const char *t)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "t");

	if (!cJSON_IsString(k) || strcmp(k->valuestring, t) != 0)
		return 0;
	if (strcmp(t, "forget") == 0)
		return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m,
		    "name"));
	if (strcmp(t, "knock") == 0 || strcmp(t, "welcome") == 0)
		return 1; /* actor-contact.c checks their fields */
	return strcmp(t, "cast") == 0 || strcmp(t, "exit") == 0 ||
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "ref"));
}

/* A batch from herdd: system messages first (inspect, exit signals:
 * A6), then the others in order (casts, calls, DOWN); stops once the
 * actor is to end. */
static void
handle_batch(herd_actor *self, const cJSON *msgs)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, msgs) {
		if (self->reason != NULL)
			return;
		if (is(m, "knock"))
			herdi_contact_knock(self, m);
		else if (is(m, "welcome"))
			herdi_contact_welcome(self, m);
		else if (is(m, "inspect"))
			do_inspect(self, m);
		else if (is(m, "stats"))
			do_stats(self, m);
		else if (is(m, "exit"))
			herdi_link_exit(self, m);
		else if (is(m, "forget"))
			herdi_name_forget(self, cJSON_GetObjectItemCaseSensitive(
			    m, "name")->valuestring);
	}
	cJSON_ArrayForEach(m, msgs) {
		if (self->reason != NULL)
			return;
		if (is(m, "cast"))
			do_message(self, m, 0);
		else if (is(m, "call"))
			do_message(self, m, 1);
		else if (is(m, "down"))
			herdi_link_down(self, m);
	}
}

/* A node request made from a callback may have read the poll's reply
 * first (herdi_node_call keeps it): its fd then stays quiet, so the loop
 * is told. */
static void
kick_early(herd_actor *self)
{
	if ((self->node.early != NULL || self->sys_later != NULL) &&
	    self->node_ev != NULL && self->reason == NULL)
		event_active(self->node_ev, EV_READ, 0);
}

static void
poll_again(herd_actor *self)
{
	if ((self->poll_id = herdi_node_send(&self->node, "poll", NULL)) == 0)
		herd_exit(self, "noconnection");
	else
		self->poll_out = 1;
}

/*
 * In herd_call's wait (actor-mail.c): the node socket is read so that
 * first contact goes on (knock, welcome); the poll's other system
 * messages are kept, in order, for after the callback.
 */
void
herdi_node_during_call(herd_actor *self)
{
	const cJSON *msgs;
	cJSON *j, *m, *next;
	uint32_t id;

	/* the poll that brought the callback's message was answered */
	if (!self->poll_out && self->registered && self->reason == NULL)
		poll_again(self);
	while ((j = herdi_node_next(&self->node, 0, &id)) != NULL) {
		if (self->poll_out && id == self->poll_id) {
			self->poll_out = 0;
			msgs = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(j, "result"),
			    "msgs");
			for (m = msgs != NULL ? msgs->child : NULL; m != NULL;
			    m = next) {
				next = m->next;
				if (is(m, "knock"))
					herdi_contact_knock(self, m);
				else if (is(m, "welcome"))
					herdi_contact_welcome(self, m);
				else {
					if (self->sys_later == NULL)
						self->sys_later =
						    cJSON_CreateArray();
					cJSON_AddItemToArray(self->sys_later,
					    cJSON_DetachItemViaPointer(
					    (cJSON *)msgs, m));
				}
			}
			poll_again(self);
		}
		cJSON_Delete(j);
	}
}

/* The node socket has replies: the poll's carries system messages; the
 * others (to reply) need nothing. What a call kept goes first. */
static void
node_cb(evutil_socket_t fd, short what, void *arg)
{
	herd_actor *self = arg;
	const cJSON *msgs;
	uint32_t id;
	cJSON *j;

	for (;;) {
		/* what a call kept goes before anything that came after it,
		 * whether read by that call or by this loop (A4) */
		if (self->sys_later != NULL && self->reason == NULL) {
			cJSON *later = self->sys_later;
			self->sys_later = NULL;
			handle_batch(self, later);
			cJSON_Delete(later);
			herdi_mail_flush(self);
			continue;
		}
		if (self->reason != NULL ||
		    (j = herdi_node_next(&self->node, 0, &id)) == NULL)
			break;
		if (self->poll_out && id == self->poll_id) {
			self->poll_out = 0;
			msgs = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(j, "result"),
			    "msgs");
			handle_batch(self, msgs);
			herdi_mail_flush(self);
			/* a call in a callback may have polled already */
			if (self->reason == NULL && !self->poll_out)
				poll_again(self);
		}
		cJSON_Delete(j);
	}
	/* a call made in a callback may have kept mailbox records */
	herdi_mail_drain(self);
	kick_early(self);
}

static void
mail_cb(evutil_socket_t fd, short what, void *arg)
{
	herdi_mail_drain(arg);
	kick_early(arg);
}

static void
term_cb(evutil_socket_t sig, short what, void *arg)
{
	herd_exit(arg, "shutdown");
}

/* Says hello with init's outcome; 0, or the error. */
static int
hello(herd_actor *self, const char *init_error)
{
	cJSON *args = NULL, *r, *res, *id;
	int rv = HERD_EPROTO;

	args = cJSON_CreateObject();
	if (init_error != NULL)
		cJSON_AddStringToObject(args, "error", init_error);
	else {
		/* what init asked for, taken with the registration */
		if (self->init_names != NULL)
			cJSON_AddItemToObject(args, "names", self->init_names);
		if (self->init_mons != NULL)
			cJSON_AddItemToObject(args, "monitors",
			    self->init_mons);
		if (self->init_links != NULL)
			cJSON_AddItemToObject(args, "links", self->init_links);
		self->init_names = self->init_mons = self->init_links = NULL;
		if (self->unready)
			cJSON_AddFalseToObject(args, "ready");
	}
	if ((r = herdi_node_call(&self->node, "hello", args)) == NULL)
		return HERD_ENONODE;
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	id = cJSON_GetObjectItemCaseSensitive(res, "id");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
		if (cJSON_IsString(id)) {
			unsigned long long pid = 0, inc = 0;
			if (sscanf(id->valuestring, "%llu.%llu", &pid, &inc) ==
			    2)
				self->id.v = pid << 32 | (inc & 0xffffffffu);
		}
		self->registered = 1;
		rv = 0;
	}
	cJSON_Delete(r);
	return rv;
}

/* Tells herdd the actor ends, and why; waits until it knows. */
static void
bye(herd_actor *self)
{
	cJSON *args = cJSON_CreateObject(), *r;
	uint32_t want, got;

	char why[48]; /* herdd keeps this much of a reason */

	snprintf(why, sizeof why, "%s", self->reason ? self->reason :
	    "normal");
	cJSON_AddStringToObject(args, "reason", why);
	if ((want = herdi_node_send(&self->node, "bye", args)) == 0)
		return;
	/* other replies may come first (a poll's, a reply's ack) */
	while ((r = herdi_node_next(&self->node, 1, &got)) != NULL) {
		cJSON_Delete(r);
		if (got == want)
			break;
	}
}

/* Casts made in the callback go; node replies read meanwhile are seen. */
void
herdi_after_callback(herd_actor *self)
{
	herdi_mail_flush(self);
	kick_early(self);
}

static void
teardown(herd_actor *self)
{
	herdi_timer_free(self); /* before the base they are on */
	herdi_contact_free(self);
	if (self->live_ev != NULL)
		event_free(self->live_ev);
	self->live_ev = NULL;
	if (self->node_ev != NULL)
		event_free(self->node_ev);
	if (self->term_ev != NULL)
		event_free(self->term_ev);
	if (self->int_ev != NULL)
		event_free(self->int_ev);
	if (self->mail_ev != NULL)
		event_free(self->mail_ev); /* every event before its base */
	if (self->more_ev != NULL)
		event_free(self->more_ev);
	if (self->base != NULL)
		event_base_free(self->base);
	herdi_mail_close(self);
	herdi_link_free(self);
	cJSON_Delete(self->init_names);
	cJSON_Delete(self->sys_later);
	if (self->live_fd >= 0)
		close(self->live_fd);
	self->live_fd = -1;
	herdi_node_close(&self->node);
	while (self->incalls != NULL) {
		struct herdi_incall *c = self->incalls;
		self->incalls = c->next;
		free(c);
	}
	free(self->reason);
}

int
herd_actor_run(const struct herd_actor_ops *ops, void *state, int argc,
    char **argv)
{
	const char *url = getenv("HERD_NODE"), *name = getenv("HERD_ACTOR_NAME");
	const char *mailbox = getenv("HERD_MAILBOX");
	herd_actor self;
	int rv, status;

	if (ops == NULL)
		return HERD_EINVAL;
	if (url == NULL || url[0] == '\0' || mailbox == NULL)
		return HERD_ENONODE;
	memset(&self, 0, sizeof self);
	self.ops = ops;
	self.state = state;
	self.mail.wake_fd = -1;
	self.live_fd = -1;
	{
		/* herdd's liveness socket, if it checks this actor */
		const char *lf = getenv("HERD_LIVENESS_FD");
		if (lf != NULL && *lf >= '0' && *lf <= '9') {
			self.live_fd = atoi(lf);
			/* the actor's own children get neither */
			fcntl(self.live_fd, F_SETFD, FD_CLOEXEC);
			unsetenv("HERD_LIVENESS_FD");
		}
	}
	snprintf(self.name, sizeof self.name, "%s", name ? name : "");
	/* our id before hello, so init may send: pid and incarnation */
	{
		const char *inc = getenv("HERD_INCARNATION");
		self.id.v = (uint64_t)getpid() << 32 |
		    (inc ? strtoull(inc, NULL, 10) & 0xffffffffu : 0);
	}
	if ((rv = herdi_node_open(&self.node, url)) != 0)
		return rv;
	/* listening before hello: registered means reachable */
	if ((rv = herdi_mail_open(&self, mailbox)) != 0) {
		teardown(&self);
		return rv;
	}
	/* before init: a SIGTERM during it is the shutdown, not death */
	signal(SIGPIPE, SIG_IGN);
	if ((self.base = event_base_new()) == NULL) {
		teardown(&self);
		return HERD_ENOMEM;
	}
	herdi_contact_events(&self);
	if (self.live_fd >= 0) {
		self.live_ev = event_new(self.base, self.live_fd, EV_READ |
		    EV_PERSIST, live_cb, &self);
		event_add(self.live_ev, NULL);
	}
	self.term_ev = evsignal_new(self.base, SIGTERM, term_cb, &self);
	self.int_ev = evsignal_new(self.base, SIGINT, term_cb, &self);
	event_add(self.term_ev, NULL);
	event_add(self.int_ev, NULL);
	rv = ops->init != NULL ? ops->init(&self, argc, argv) : 0;
	herdi_mail_flush(&self);
	if (rv < 0 || self.reason != NULL) {
		/* a failed start: herdd gets the reason (A3) */
		hello(&self, self.reason ? self.reason : herd_strerror(rv));
		teardown(&self);
		return 1;
	}
	if ((rv = hello(&self, NULL)) != 0) {
		teardown(&self);
		return rv;
	}
	herdi_contact_after_hello(&self);
	self.node_ev = event_new(self.base, self.node.recv_fd,
	    EV_READ | EV_PERSIST, node_cb, &self);
	event_add(self.node_ev, NULL);
	self.mail_ev = event_new(self.base, self.mail.recv_fd,
	    EV_READ | EV_PERSIST, mail_cb, &self);
	event_add(self.mail_ev, NULL);
	self.more_ev = evtimer_new(self.base, mail_cb, &self);
	poll_again(&self);
	kick_early(&self); /* init's node requests */
	if (self.reason == NULL)
		event_base_dispatch(self.base);
	if (self.reason == NULL)
		self.reason = strdup("normal");
	/* unregistered first, then terminate (A12); herdd reports the
	 * process's end with this reason */
	bye(&self);
	if (ops->terminate != NULL)
		ops->terminate(&self, self.reason ? self.reason : "normal");
	status = self.reason == NULL || strcmp(self.reason, "normal") == 0 ||
	    strcmp(self.reason, "shutdown") == 0 ? 0 : 1;
	teardown(&self);
	return status;
}
