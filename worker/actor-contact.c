/*
 * First contact between two actors, despite nng 1.5.2's bug #1518 (fixed
 * in 1.6.0): a listener that saw a peer close a connection during the
 * handshake stops handing connections over, yet its transport still
 * completes them, so a sender writes into a connection nobody reads
 * (measured: the sends succeed and nothing arrives). herdd's own guard
 * hooks accept(), which a library linked into users' programs cannot.
 * So a sender holds what it has for a new connection until the receiver
 * says it has that connection:
 *
 *   sender -> receiver, on the new connection at once: a probe record
 *   (the sender's id, n: this is its n-th connection to the receiver)
 *   sender -> herdd: knock {to, n}; herdd -> receiver {"t":"knock","from","n"}
 *   receiver, once it has both the probe and the knock of (from, n):
 *   receiver -> herdd: welcome {to, n}; herdd -> sender {"t":"welcome","id","n"}
 *
 * (A connection a wedged listener took never delivers its probe, so its
 * knock is never matched; the sender takes a welcome only for its current
 * connection.)
 *
 * A receiver that has not seen the connection within KNOCK_WAIT_MS
 * listens again on a fresh file (herdi_mail_relisten); a sender not
 * welcomed within WELCOME_WAIT_MS dials again and knocks again, and its
 * messages, still held, go on the new connection: none is lost. The
 * timers exist only while a first contact is under way (idle actors never
 * wake), and herdd is on the path once per connection, never per message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "herdi.h"

#define KNOCK_WAIT_MS 250
#define WELCOME_WAIT_MS 1000
#define WELCOME_WAIT_MAX_MS 8000
#define KNOCKS_MAX 1024

static void
arm(struct event *ev, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ev != NULL)
		evtimer_add(ev, &tv);
}

void
herdi_id_text(uint64_t v, char buf[32])
{
	snprintf(buf, 32, "%llu.%llu", (unsigned long long)(v >> 32),
	    (unsigned long long)(v & 0xffffffffu));
}

/* "PID.INCARNATION" back to an id; 0 if it is not one. */
static uint64_t
id_parse(const cJSON *s)
{
	unsigned long long pid, inc;

	if (!cJSON_IsString(s) || sscanf(s->valuestring, "%llu.%llu", &pid,
	    &inc) != 2)
		return 0;
	return pid << 32 | (inc & 0xffffffffu);
}

/* ---- the sender's side ---- */

static void
send_knock(herd_actor *self, struct herdi_peer *p)
{
	cJSON *args = cJSON_CreateObject();
	char id[32];

	herdi_id_text(p->id, id);
	cJSON_AddStringToObject(args, "to", id);
	cJSON_AddNumberToObject(args, "n", p->dials);
	herdi_node_send(&self->node, "knock", args);
	p->knocked_ms = herdi_now_ms();
	/* 1 s, then twice as long at each dial again, up to 8 s: a receiver
	 * stuck for long gets a knock now and then, not one a second */
	p->wait_ms = p->wait_ms == 0 ? WELCOME_WAIT_MS : p->wait_ms * 2 >
	    WELCOME_WAIT_MAX_MS ? WELCOME_WAIT_MAX_MS : p->wait_ms * 2;
	arm(p->welcome_ev, (int)p->wait_ms);
}

/* Not welcomed in time: this connection may be one a wedged listener
 * took; dial again (the receiver has listened again by now). */
static void
again(herd_actor *self, struct herdi_peer *p)
{
	if (herdi_peer_redial(self, p) == 0)
		send_knock(self, p);
	else
		herdi_peer_flush(self, p); /* gone: dropped, A1 */
}

static void
welcome_late_cb(evutil_socket_t fd, short what, void *arg)
{
	struct herdi_peer *p = arg;

	if (!p->welcomed && !p->dead)
		again(p->self, p);
}

void
herdi_contact_start(herd_actor *self, struct herdi_peer *p)
{
	if (p->welcome_ev == NULL && self->base != NULL)
		p->welcome_ev = evtimer_new(self->base, welcome_late_cb, p);
	if (!self->registered) {
		p->knock_due = 1; /* node ops wait for hello */
		return;
	}
	send_knock(self, p);
}

void
herdi_contact_after_hello(herd_actor *self)
{
	struct herdi_peer *p;

	for (p = self->mail.peers; p != NULL; p = p->next)
		if (p->knock_due && !p->dead) {
			p->knock_due = 0;
			send_knock(self, p);
		}
}

void
herdi_contact_check(herd_actor *self, struct herdi_peer *p)
{
	if (!p->welcomed && !p->dead && !p->knock_due &&
	    herdi_now_ms() - p->knocked_ms >= (int64_t)p->wait_ms)
		again(self, p);
	herdi_contact_relisten_due(self);
}

void
herdi_contact_welcome(herd_actor *self, const cJSON *m)
{
	uint64_t id = id_parse(cJSON_GetObjectItemCaseSensitive(m, "id"));
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n"), *max;
	struct herdi_peer *p;

	for (p = self->mail.peers; p != NULL; p = p->next)
		if (p->id == id)
			break;
	if (p != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
	    "gone"))) {
		/* herdd has no such actor: it ended, its messages go (A1) */
		if (p->welcome_ev != NULL)
			evtimer_del(p->welcome_ev);
		herdi_peer_gone(self, p);
		return;
	}
	/* a welcome for an earlier connection says nothing of this one */
	if (p == NULL || p->welcomed || !cJSON_IsNumber(n) ||
	    (unsigned)n->valuedouble != p->dials)
		return;
	p->welcomed = 1;
	p->wait_ms = 0;
	max = cJSON_GetObjectItemCaseSensitive(m, "max");
	if (cJSON_IsNumber(max) && max->valuedouble >= 65536)
		p->max = (size_t)max->valuedouble;
	if (p->welcome_ev != NULL)
		evtimer_del(p->welcome_ev);
	herdi_peer_flush(self, p);
}

/* ---- the receiver's side ---- */

void
herdi_contact_send_probe(herd_actor *self, struct herdi_peer *p)
{
	struct herdi_rec r = { .len = 0, .kind = HERDI_PROBE,
	    .from = self->id.v, .ref = p->dials };
	uint8_t hdr[HERDI_WIRE_BATCH + HERDI_WIRE_HDR];
	nng_msg *m;

	herdi_wire_batch_start(hdr);
	herdi_wire_put(hdr + HERDI_WIRE_BATCH, &r);
	/* its own message, sent now: the socket queues it until the
	 * connection is up; lost on a wedged one, which is the point */
	if (nng_msg_alloc(&m, 0) != 0)
		return;
	if (nng_msg_append(m, hdr, sizeof hdr) != 0 ||
	    nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK) != 0)
		nng_msg_free(m); /* unanswered: the sender dials again */
}

static void
welcome(herd_actor *self, uint64_t to, unsigned n)
{
	cJSON *args = cJSON_CreateObject();
	char id[32];

	herdi_id_text(to, id);
	cJSON_AddStringToObject(args, "to", id);
	cJSON_AddNumberToObject(args, "n", n);
	cJSON_AddNumberToObject(args, "max", (double)self->mail.bound);
	herdi_node_send(&self->node, "welcome", args);
}

/* The probe of connection (FROM, N), taken (0) if it came; -1 if not. */
static int
probe_take(struct herdi_mail *m, uint64_t from, unsigned n)
{
	size_t i;

	for (i = 0; i < HERDI_PROBES_MAX; i++)
		if (m->probes[i].n == n && m->probes[i].from == from) {
			m->probes[i].n = 0;
			return 0;
		}
	return -1;
}

/* The relisten timer, for the oldest knock still waiting. */
static void
rearm(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	struct herdi_knock *k;
	int64_t oldest = 0, left;

	for (k = m->knocks; k != NULL; k = k->next)
		if (oldest == 0 || k->at < oldest)
			oldest = k->at;
	if (m->relisten_ev == NULL)
		return;
	evtimer_del(m->relisten_ev);
	m->relisten_at = 0;
	if (oldest == 0)
		return;
	m->relisten_at = oldest + KNOCK_WAIT_MS;
	left = m->relisten_at - herdi_now_ms();
	arm(m->relisten_ev, left > 0 ? (int)left : 0);
}

/* Welcomes each knock whose probe came. */
static void
match(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	struct herdi_knock **kp = &m->knocks, *k;

	while ((k = *kp) != NULL) {
		if (probe_take(m, k->from, k->n) == 0) {
			welcome(self, k->from, k->n);
			*kp = k->next;
			free(k);
			m->nknocks--;
		} else {
			kp = &k->next;
		}
	}
	rearm(self);
}

void
herdi_contact_probe(herd_actor *self, uint64_t from, unsigned n)
{
	struct herdi_mail *m = &self->mail;

	if (n == 0)
		return;
	/* a ring: the oldest probes, whose knocks never came, make room */
	m->probes[m->probes_next].from = from;
	m->probes[m->probes_next].n = n;
	m->probes_next = (m->probes_next + 1) % HERDI_PROBES_MAX;
	if (m->knocks != NULL)
		match(self);
}

void
herdi_contact_knock(herd_actor *self, const cJSON *m)
{
	struct herdi_mail *mb = &self->mail;
	uint64_t from = id_parse(cJSON_GetObjectItemCaseSensitive(m, "from"));
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
	struct herdi_knock *k;

	if (from == 0 || !cJSON_IsNumber(n) || mb->nknocks >= KNOCKS_MAX ||
	    (k = calloc(1, sizeof *k)) == NULL)
		return; /* unanswered: the sender dials again */
	k->from = from;
	k->n = (unsigned)n->valuedouble;
	k->at = herdi_now_ms();
	k->next = mb->knocks;
	mb->knocks = k;
	mb->nknocks++;
	match(self);
}

static void
forget_knocks(struct herdi_mail *m)
{
	struct herdi_knock *k;

	while ((k = m->knocks) != NULL) {
		m->knocks = k->next;
		free(k);
	}
	m->nknocks = 0;
}

/* A knock's connection did not come: the listener is wedged. From the
 * loop (DRAIN), probes already in the mailbox are read first: the timer
 * may come before the mailbox's event in one turn. */
static void
relisten(herd_actor *self, int drain)
{
	struct herdi_mail *m = &self->mail;
	int rv;

	if (drain)
		herdi_mail_drain(self);
	if (m->knocks == NULL || self->reason != NULL)
		return;
	fprintf(stderr, "herd: %s: no connection from pid %llu came within "
	    "%d ms of its knock (nng bug #1518): listening again\n",
	    self->name, (unsigned long long)(m->knocks->from >> 32),
	    KNOCK_WAIT_MS);
	/* the senders dial again and knock again */
	forget_knocks(m);
	m->relisten_at = 0;
	if ((rv = herdi_mail_relisten(self)) != 0) {
		fprintf(stderr, "herd: %s: cannot listen again: %s\n",
		    self->name, herd_strerror(rv));
		herd_exit(self, "mailbox_wedged");
	}
}

static void
relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	relisten(arg, 1);
	herdi_after_callback(arg);
}

void
herdi_contact_relisten_due(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;

	/* herd_call's wait runs no timers: it asks (a wedged caller's own
	 * mailbox would otherwise stay deaf until its call timed out) */
	if (m->knocks != NULL && m->relisten_at != 0 &&
	    herdi_now_ms() >= m->relisten_at)
		relisten(self, 0); /* herd_call reads the mailbox itself */
}

void
herdi_contact_events(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;

	m->relisten_ev = evtimer_new(self->base, relisten_cb, self);
}

void
herdi_contact_free(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	struct herdi_peer *p;

	/* the peers' events too: they are on the base, which goes next */
	for (p = m->peers; p != NULL; p = p->next) {
		if (p->welcome_ev != NULL)
			event_free(p->welcome_ev);
		if (p->ev != NULL)
			event_free(p->ev);
		p->welcome_ev = p->ev = NULL;
	}
	if (m->relisten_ev != NULL)
		event_free(m->relisten_ev);
	m->relisten_ev = NULL;
	forget_knocks(m);
}
