/*
 * Messages between actors, herdd off their path (ACTORS.md A4, A5, A8).
 * Each actor listens on its mailbox, a pull0 socket at
 * run_dir/actors/<incarnation>/m.sock ($HERD_MAILBOX), and takes
 * connections only from herdd and herdd's children (the node's
 * processes). It reaches another actor through one push0 socket per
 * receiver: one connection, so its messages arrive in the order sent.
 * Records queued for a receiver during a callback are sent as one nng
 * message when the callback returns (nng's cost is per message). When a
 * receiver's connection closes, it has died: a call waiting on it fails
 * at once, and herdd says why. herd_call waits on the mailbox itself and
 * keeps, in order, whatever else arrives for after the callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/transport/ipc/ipc.h>

#include "herdi.h"

#define FLUSH_BYTES (64 * 1024)     /* a batch goes when this big */
#define OUT_MAX (8 * 1024 * 1024)   /* an outgoing queue's bound (A8) */
#define CALL_TIMEOUT_MS 5000

/* Whether pid is herdd (our parent) or one of herdd's children. */
static int
node_process(pid_t pid)
{
	char path[64], buf[512], *p;
	pid_t herdd = getppid();
	long ppid = -1;
	FILE *f;

	if (pid == herdd)
		return 1;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %ld", &ppid);
	fclose(f);
	return ppid == (long)herdd;
}

/* nng's pipe callback (its thread): a connection to the mailbox from a
 * process outside the node is closed before it can send. */
static void
admit_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	uint64_t pid;

	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
	    !node_process((pid_t)pid))
		nng_pipe_close(p);
}

static int listen_mailbox(struct herdi_mail *m, const char *url);

int
herdi_mail_open(herd_actor *self, const char *url)
{
	struct herdi_mail *m = &self->mail;
	int rv;

	memset(m, 0, sizeof *m);
	m->stash_tail = &m->stash; /* after the memset (a cast during a call
	                              once wrote through NULL) */
	m->wake_fd = -1;
	snprintf(m->url, sizeof m->url, "%s", url);
	/* the mailboxes' directory: peers' urls are made from their ids */
	snprintf(m->dir, sizeof m->dir, "%s", url);
	{
		char *cut = strstr(m->dir, "/actors/");
		if (cut == NULL)
			return HERD_EBADENV;
		cut[strlen("/actors/")] = '\0';
	}
	if ((m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return HERD_ESYSTEM;
	if (nng_pull0_open(&m->pull) != 0)
		return HERD_ENOMEM;
	m->open = 1;
	/* what one sender may hold for us (A8, mailbox_bytes); a batch held
	 * before our welcome told it may be up to OUT_MAX */
	{
		const char *b = getenv("HERD_MAILBOX_BYTES");
		m->bound = b != NULL ? strtoull(b, NULL, 10) : 0;
		if (m->bound < 65536 || m->bound > 268435456)
			m->bound = OUT_MAX;
	}
	nng_socket_set_size(m->pull, NNG_OPT_RECVMAXSZ, (m->bound > OUT_MAX ?
	    m->bound : OUT_MAX) + 4096);
	/* nng's receive queue, in batches of up to FLUSH_BYTES: as many as
	 * the bound holds, at most 64 */
	nng_socket_set_int(m->pull, NNG_OPT_RECVBUF, m->bound / FLUSH_BYTES >
	    64 ? 64 : (int)(m->bound / FLUSH_BYTES));
	nng_pipe_notify(m->pull, NNG_PIPE_EV_ADD_PRE, admit_cb, NULL);
	if ((rv = listen_mailbox(m, m->url)) != 0 ||
	    (rv = nng_socket_get_int(m->pull, NNG_OPT_RECVFD, &m->recv_fd)) !=
	    0)
		return HERD_ENOLISTENER;
	return 0;
}

/* Listens on URL (the mailbox's, or a new one for it), its file open to
 * the node's processes (admit_cb chooses among them). */
static int
listen_mailbox(struct herdi_mail *m, const char *url)
{
	int rv;

	if ((rv = nng_listener_create(&m->listener, m->pull, url)) != 0 ||
	    (rv = nng_listener_set_int(m->listener, NNG_OPT_IPC_PERMISSIONS,
	    0666)) != 0 || (rv = nng_listener_start(m->listener, 0)) != 0)
		return rv;
	return 0;
}

#define RELISTEN_MAX 64

/*
 * nng 1.5.2 stops handing over connections once a peer closed one during
 * the handshake (bug #1518); the connections it has keep working. So the
 * wedged listener stays (closing it would close them, and unlink the
 * path), and a new listener, made on a path of its own, is renamed over
 * the mailbox's: senders find one listener there at every moment. Each
 * costs a listening fd: past RELISTEN_MAX the actor ends.
 */
int
herdi_mail_relisten(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	char url[sizeof m->url + 32];

	if (m->relistens >= RELISTEN_MAX)
		return HERD_ENOLISTENER;
	snprintf(url, sizeof url, "%s.%u", m->url, ++m->relistens);
	if (listen_mailbox(m, url) != 0)
		return HERD_ENOLISTENER;
	if (rename(url + strlen("ipc://"), m->url + strlen("ipc://")) == -1)
		return HERD_ESYSTEM;
	return 0;
}

static void
peer_free(struct herdi_peer *p)
{
	if (p->welcome_ev != NULL)
		event_free(p->welcome_ev);
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->open)
		nng_close(p->sock);
	if (p->msg != NULL)
		nng_msg_free(p->msg);
	free(p);
}

void
herdi_mail_close(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	struct herdi_peer *p;
	struct herdi_stash *s;

	while ((p = m->peers) != NULL) {
		m->peers = p->next;
		peer_free(p);
	}
	while ((s = m->stash) != NULL) {
		m->stash = s->next;
		free(s);
	}
	if (m->cur != NULL)
		nng_msg_free(m->cur);
	m->cur = NULL;
	while (m->names != NULL) {
		struct herdi_name *n = m->names;
		m->names = n->next;
		free(n);
	}
	if (m->open)
		nng_close(m->pull);
	if (m->wake_fd != -1)
		close(m->wake_fd);
	m->open = 0;
}

/* nng's pipe callback (its thread): the receiver's end closed, so it has
 * ended (or herdd is gone). */
static void
gone_cb(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct herdi_peer *p = arg;
	uint64_t one = 1;

	if ((uint32_t)nng_socket_id(nng_pipe_socket(pipe)) !=
	    atomic_load(&p->sock_id))
		return; /* a socket replaced by herdi_peer_redial */
	atomic_store(&p->gone, 1);
	if (write(p->wake_fd, &one, sizeof one) == -1) {
		/* a full counter: the loop knows already */
	}
}

static void flush_peer(herd_actor *self, struct herdi_peer *p);

/* The push socket can take messages again. */
static void
writable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct herdi_peer *p = arg;

	flush_peer(p->self, p);
}

/* What waits for p goes (an ended receiver's, or a batch that could not
 * be made). */
static void
peer_drop(struct herdi_peer *p)
{
	if (p->msg != NULL)
		nng_msg_free(p->msg);
	p->msg = NULL;
	p->queued = 0;
}

/* Opens p's push socket and dials the receiver's mailbox; -1 when it
 * cannot (a missing socket is an ended actor; a present one answers at
 * once). */
static int
peer_dial(herd_actor *self, struct herdi_peer *p)
{
	char url[4500];
	int fd;

	snprintf(url, sizeof url, "%s%llu/m.sock", self->mail.dir,
	    (unsigned long long)(p->id & 0xffffffffu));
	if (nng_push0_open(&p->sock) != 0)
		return -1;
	p->open = 1;
	atomic_store(&p->sock_id, (uint32_t)nng_socket_id(p->sock));
	nng_socket_set_int(p->sock, NNG_OPT_SENDBUF, 16);
	nng_socket_set_size(p->sock, NNG_OPT_RECVMAXSZ, 0);
	nng_pipe_notify(p->sock, NNG_PIPE_EV_REM_POST, gone_cb, p);
	/* without waiting: a receiver that does not accept now (stopped, or
	 * busy) must not stop this loop; nothing goes before its welcome, and
	 * herdd's answer to the knock says if it has ended */
	if (nng_dial(p->sock, url, NULL, NNG_FLAG_NONBLOCK) != 0)
		return -1;
	p->dials++;
	if (nng_socket_get_int(p->sock, NNG_OPT_SENDFD, &fd) == 0 &&
	    self->base != NULL)
		p->ev = event_new(self->base, fd, EV_READ, writable_cb, p);
	herdi_contact_send_probe(self, p);
	return 0;
}

/* The connection to actor ID: made on first use (a dial that fails means
 * the actor is gone: its messages are dropped, A1). */
static struct herdi_peer *
peer_get(herd_actor *self, uint64_t id)
{
	struct herdi_mail *m = &self->mail;
	struct herdi_peer *p;

	for (p = m->peers; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	p->id = id;
	p->self = self;
	p->wake_fd = m->wake_fd;
	p->next = m->peers;
	m->peers = p;
	if (peer_dial(self, p) == -1)
		p->dead = 1;
	else
		herdi_contact_start(self, p);
	return p;
}

/* Closes p's connection: its writable event, then the socket (its id
 * cleared first, so its gone_cb knows it is not the receiver's end). */
static void
peer_hang_up(struct herdi_peer *p)
{
	if (p->ev != NULL)
		event_free(p->ev);
	p->ev = NULL;
	atomic_store(&p->sock_id, 0);
	if (p->open)
		nng_close(p->sock);
	p->open = 0;
}

int
herdi_peer_redial(herd_actor *self, struct herdi_peer *p)
{
	peer_hang_up(p);
	p->welcomed = 0;
	if (peer_dial(self, p) == -1) {
		p->dead = 1;
		peer_drop(p);
		return -1;
	}
	return 0;
}

void
herdi_peer_flush(herd_actor *self, struct herdi_peer *p)
{
	flush_peer(self, p);
}

void
herdi_peer_gone(herd_actor *self, struct herdi_peer *p)
{
	p->dead = 1;
	peer_drop(p);
	peer_hang_up(p); /* its dialer would try again forever */
}

/* Sends what is queued for p; on a full queue keeps it and waits until
 * the socket takes messages again. */
static void
flush_peer(herd_actor *self, struct herdi_peer *p)
{
	int rv;

	/* before the receiver says it has this connection, nothing goes:
	 * a wedged listener would lose it (actor-contact.c) */
	if (p->dead)
		peer_drop(p); /* an ended actor's: dropped (A1) */
	if (p->msg == NULL || p->dead || !p->welcomed)
		return;
	rv = nng_sendmsg(p->sock, p->msg, NNG_FLAG_NONBLOCK);
	if (rv == 0) {
		p->msg = NULL;
		p->queued = 0;
		return;
	}
	if (rv == NNG_EAGAIN && p->ev != NULL)
		event_add(p->ev, NULL);
	else if (rv != NNG_EAGAIN) {
		/* closed: the receiver is gone, drop (A1) */
		nng_msg_free(p->msg);
		p->msg = NULL;
		p->queued = 0;
	}
}

void
herdi_mail_flush(herd_actor *self)
{
	struct herdi_peer *p;

	/* a peer whose socket was full is flushed by writable_cb */
	for (p = self->mail.peers; p != NULL; p = p->next)
		if (p->msg != NULL && (p->ev == NULL ||
		    !event_pending(p->ev, EV_READ, NULL)))
			flush_peer(self, p);
}

/* Makes room for N more bytes in M, doubling its capacity: nng 1.5.2's
 * nng_msg_append grows a message to the exact size, so a batch held for
 * a receiver that takes nothing (up to OUT_MAX) was copied at every cast
 * (measured, test_integ_actor_mailbox_bounds: 2,372 casts of 4 KiB to
 * a stuck actor took 4.9 s; 8 ms with this). */
static int
grow(nng_msg *m, size_t n)
{
	size_t need = nng_msg_len(m) + n, cap = nng_msg_capacity(m);

	if (need <= cap)
		return 0;
	return nng_msg_reserve(m, need > 2 * cap ? need : 2 * cap) == 0 ? 0 :
	    HERD_ENOMEM;
}

/* Queues record R (its payload DATA) for actor TO. */
static int
queue(herd_actor *self, uint64_t to, struct herdi_rec *r, const void *data,
    struct herdi_peer **out)
{
	struct herdi_peer *p;
	uint8_t hdr[HERDI_WIRE_HDR];

	if (r->len > HERD_MSG_MAX)
		return HERD_ETOOLARGE;
	if ((p = peer_get(self, to)) == NULL)
		return HERD_ENOMEM;
	if (out != NULL)
		*out = p;
	if (p->dead || atomic_load(&p->gone))
		return 0; /* an ended actor: dropped, as in Erlang (A1) */
	if (p->queued + r->len + HERDI_WIRE_HDR > (p->max ? p->max : OUT_MAX))
		return HERD_EMAILBOXFULL;
	if (p->msg == NULL) {
		uint8_t bh[HERDI_WIRE_BATCH];
		/* room for a whole batch at once: each growth is a zeroed
		 * copy (measured, bench-actors: 38% of a sender's time) */
		if (nng_msg_alloc(&p->msg, 0) != 0)
			return HERD_ENOMEM;
		if (nng_msg_reserve(p->msg, FLUSH_BYTES + HERDI_WIRE_HDR +
		    r->len) != 0) {
			peer_drop(p);
			return HERD_ENOMEM;
		}
		herdi_wire_batch_start(bh);
		nng_msg_append(p->msg, bh, sizeof bh);
	}
	r->from = self->id.v;
	herdi_wire_put(hdr, r);
	if (grow(p->msg, sizeof hdr + r->len) != 0 ||
	    nng_msg_append(p->msg, hdr, sizeof hdr) != 0 ||
	    (r->len > 0 && nng_msg_append(p->msg, data, r->len) != 0))
		return HERD_ENOMEM;
	p->queued += r->len + HERDI_WIRE_HDR;
	/* a receiver that took nothing is tried again when writable_cb
	 * says it can take more, not at every cast */
	if (nng_msg_len(p->msg) >= FLUSH_BYTES && (p->ev == NULL ||
	    !event_pending(p->ev, EV_READ, NULL)))
		flush_peer(self, p);
	return 0;
}

int
herd_cast(herd_actor *self, herd_id to, const void *msg, size_t len)
{
	struct herdi_rec r = { .len = len, .kind = HERDI_CAST };

	if (self == NULL || (msg == NULL && len > 0) || to.v == 0)
		return HERD_EINVAL;
	return queue(self, to.v, &r, msg, NULL);
}

int
herdi_mail_reply(herd_actor *self, uint64_t to, herd_ref ref, int error,
    const void *data, size_t len)
{
	struct herdi_rec r = { .len = len, .kind = error ? HERDI_REPLY_ERROR :
	    HERDI_REPLY, .ref = ref };
	struct herdi_peer *p = NULL;
	int rv = queue(self, to, &r, data, &p);

	/* a caller waits: no coalescing delay */
	if (rv == 0 && p != NULL)
		flush_peer(self, p);
	return rv;
}

/* ---- receiving ---- */

/* Keeps record r for after the current callback. */
static int
stash(herd_actor *self, const struct herdi_rec *r)
{
	struct herdi_stash *s = malloc(sizeof *s + r->len);

	if (s == NULL)
		return HERD_ENOMEM;
	s->rec = *r;
	memcpy(s->data, r->data, r->len);
	s->rec.data = s->data;
	s->next = NULL;
	*self->mail.stash_tail = s;
	self->mail.stash_tail = &s->next;
	return 0;
}

/* Handles one record from the mailbox (a reply nobody waits for is late:
 * dropped, A5). */
static void
dispatch(herd_actor *self, const struct herdi_rec *r)
{
	herd_id from = { r->from };

	if (r->kind == HERDI_CAST || r->kind == HERDI_CALL)
		self->handled++;
	switch (r->kind) {
	case HERDI_CAST:
		if (self->ops->handle_cast != NULL)
			herdi_check(self, self->ops->handle_cast(self, from,
			    r->data, r->len));
		break;
	case HERDI_CALL:
		if (self->ops->handle_call != NULL)
			herdi_check(self, self->ops->handle_call(self, from,
			    herdi_incall_add(self, r->from, r->ref), r->data,
			    r->len));
		else
			herdi_mail_reply(self, r->from, r->ref, 1,
			    "unknown_call\0this actor takes no calls", 36);
		break;
	default:
		break;
	}
	/* what it sent goes when the batch is handled (herdi_mail_drain):
	 * casts to one actor from a batch of callbacks travel together */
}

/* The monotonic clock in microseconds: drain's time budget. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Decodes batch M from *OFF: each record to FN; a malformed batch is
 * dropped from where it goes wrong, counted and said on stderr
 * (rate-limited). Stops early, with *OFF where to go on, once DEADLINE
 * (µs, 0: none) has passed: returns 0 then, 1 when the batch is done. */
static int
each_record(herd_actor *self, nng_msg *m, size_t *off,
    int (*fn)(herd_actor *, const struct herdi_rec *), int64_t deadline)
{
	const uint8_t *buf = nng_msg_body(m);
	size_t len = nng_msg_len(m);
	struct herdi_rec r;
	unsigned n = 0;
	int rv;

	while ((rv = herdi_wire_next(buf, len, off, &r)) == 1) {
		if (r.kind == HERDI_PROBE) {
			/* first contact's, whatever the actor is doing */
			herdi_contact_probe(self, r.from, (unsigned)r.ref);
			continue;
		}
		if (fn(self, &r) != 0)
			return 1;
		/* the clock every 8 records: cheap beside 8 callbacks */
		if (deadline != 0 && ++n % 8 == 0 && *off < len &&
		    now_us() >= deadline)
			return 0;
	}
	if (rv == -1) {
		uint64_t pid = 0;
		time_t now = time(NULL);
		nng_pipe_get_uint64(nng_msg_get_pipe(m), NNG_OPT_IPC_PEER_PID,
		    &pid);
		self->mail.malformed++;
		if (now != self->mail.warned_at) {
			self->mail.warned_at = now;
			fprintf(stderr, "herd: %s: dropped a malformed message "
			    "of %zu bytes from pid %llu (%llu so far)\n",
			    self->name, len, (unsigned long long)pid,
			    (unsigned long long)self->mail.malformed);
		}
	}
	return 1;
}

/* A record from the mailbox in the loop: handled, or kept if the actor
 * is ending (nothing is handled after herd_exit). */
static int
deliver(herd_actor *self, const struct herdi_rec *r)
{
	if (self->reason != NULL)
		return stash(self, r);
	dispatch(self, r);
	return 0;
}

#define DRAIN_US 2000 /* the loop turns again after this much */

/* Handles what herd_call kept, in order, then what the mailbox has:
 * for DRAIN_US at most, then the loop turns (the event is made active
 * again), so that herdd's system messages (inspect, shutdown, exit
 * signals) overtake a backlog of casts (A6) instead of waiting for all
 * of it. A batch begun is taken up where it stopped. */
void
herdi_mail_drain(herd_actor *self)
{
	struct herdi_mail *m = &self->mail;
	int64_t deadline = now_us() + DRAIN_US;
	struct herdi_stash *s;
	nng_msg *msg;

	while (self->reason == NULL) {
		if (m->cur != NULL) {
			if (!each_record(self, m->cur, &m->cur_off, deliver,
			    deadline))
				goto turn;
			nng_msg_free(m->cur);
			m->cur = NULL;
		}
		/* what a callback's herd_call kept: after the batch it
		 * came in, before the next */
		while (self->reason == NULL && (s = m->stash) != NULL) {
			m->stash = s->next;
			if (m->stash == NULL)
				m->stash_tail = &m->stash;
			dispatch(self, &s->rec);
			free(s);
			if (now_us() >= deadline && m->stash != NULL)
				goto turn;
		}
		if (now_us() >= deadline)
			goto turn;
		if (nng_recvmsg(m->pull, &msg, NNG_FLAG_NONBLOCK) != 0) {
			herdi_mail_flush(self);
			return;
		}
		m->cur = msg;
		m->cur_off = 0;
	}
	herdi_mail_flush(self);
	return;
turn:
	herdi_mail_flush(self);
	/* a timer, not event_active: libevent runs an event made active in
	 * its own callback again before it polls, which would starve herdd's
	 * socket; a timer due now waits for the next poll */
	if (self->more_ev != NULL) {
		struct timeval now0 = { 0, 0 };
		evtimer_add(self->more_ev, &now0);
	}
}

/* ---- herd_call ---- */

struct waiting {
	herd_ref ref;
	int done, error;
	void *reply;
	size_t len;
};

static _Thread_local struct waiting *waiting;

/* During a call: the reply is taken, everything else kept. */
static int
while_calling(herd_actor *self, const struct herdi_rec *r)
{
	struct waiting *w = waiting;

	if ((r->kind == HERDI_REPLY || r->kind == HERDI_REPLY_ERROR) &&
	    w != NULL && !w->done && r->ref == w->ref) {
		w->done = 1;
		w->error = r->kind == HERDI_REPLY_ERROR;
		if ((w->reply = malloc(r->len + 1)) != NULL) {
			memcpy(w->reply, r->data, r->len);
			((char *)w->reply)[r->len] = '\0';
			w->len = r->len;
		}
		return 0;
	}
	if (r->kind == HERDI_REPLY || r->kind == HERDI_REPLY_ERROR)
		return 0; /* late: its caller gave up (A5) */
	return stash(self, r);
}

int64_t
herdi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks herdd why actor ID ended, into self->last. */
static void
ask_reason(herd_actor *self, uint64_t id)
{
	cJSON *args = cJSON_CreateObject(), *r, *why;
	char idbuf[48];

	snprintf(idbuf, sizeof idbuf, "%llu.%llu",
	    (unsigned long long)(id >> 32),
	    (unsigned long long)(id & 0xffffffffu));
	cJSON_AddStringToObject(args, "id", idbuf);
	snprintf(self->last, sizeof self->last, "noproc");
	if ((r = herdi_node_call(&self->node, "reason", args)) == NULL)
		return;
	why = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    r, "result"), "reason");
	if (cJSON_IsString(why))
		snprintf(self->last, sizeof self->last, "%s", why->valuestring);
	cJSON_Delete(r);
}

int
herd_call(herd_actor *self, herd_id to, const void *req, size_t len,
    int timeout_ms, void **reply, size_t *reply_len)
{
	struct herdi_rec r = { .len = len, .kind = HERDI_CALL };
	struct herdi_mail *m = &self->mail;
	struct waiting w, *outer;
	struct herdi_peer *p = NULL;
	int64_t deadline;
	struct pollfd pf[4];
	nng_msg *msg;
	uint64_t n;
	int rv;

	if (self == NULL || reply == NULL || reply_len == NULL ||
	    (req == NULL && len > 0) || to.v == 0)
		return HERD_EINVAL;
	*reply = NULL;
	*reply_len = 0;
	self->last[0] = '\0';
	if (to.v == self->id.v)
		return HERD_ECALLINGSELF;
	/* from init: the actor is not registered, so nothing could reach
	 * the callee before hello and the call could only time out */
	if (!self->registered)
		return HERD_EINVAL;
	memset(&w, 0, sizeof w);
	w.ref = r.ref = ++m->next_ref;
	if ((rv = queue(self, to.v, &r, req, &p)) != 0)
		return rv;
	if (p->dead || atomic_load(&p->gone)) {
		ask_reason(self, to.v);
		return HERD_ENOPROC;
	}
	/* everything queued goes before the wait, not only to the callee:
	 * casts of earlier callbacks of the batch must not wait for it */
	herdi_mail_flush(self);
	deadline = herdi_now_ms() + (timeout_ms > 0 ? timeout_ms : CALL_TIMEOUT_MS);
	outer = waiting;
	waiting = &w;
	/* system messages and first contact go on meanwhile (herdd's, and
	 * other senders' knocks: actor-contact.c); the node socket is read
	 * when it has something (each nng_recvmsg costs, even an empty one) */
	if (!self->poll_out || self->node.early != NULL)
		herdi_node_during_call(self);
	while (!w.done) {
		int64_t left = deadline - herdi_now_ms();
		herdi_contact_check(self, p);
		if (p->dead || atomic_load(&p->gone)) {
			ask_reason(self, to.v);
			rv = HERD_ENOPROC;
			break;
		}
		if (left <= 0) {
			rv = HERD_ETIMEDOUT;
			break;
		}
		if ((!p->welcomed || m->knocks != NULL) && left > 100)
			left = 100; /* to check first contact's deadlines */
		pf[0].fd = m->recv_fd;
		pf[1].fd = m->wake_fd;
		pf[2].fd = self->node.recv_fd;
		pf[3].fd = self->live_fd; /* -1 is ignored */
		pf[0].events = pf[1].events = pf[2].events = pf[3].events =
		    POLLIN;
		if (poll(pf, 4, (int)left) <= 0)
			continue;
		if (pf[3].revents & POLLIN)
			herdi_live_answer(self);
		if (pf[2].revents & POLLIN)
			herdi_node_during_call(self);
		if (pf[1].revents & POLLIN)
			while (read(m->wake_fd, &n, sizeof n) > 0)
				;
		while (!w.done &&
		    nng_recvmsg(m->pull, &msg, NNG_FLAG_NONBLOCK) == 0) {
			size_t off = 0;
			each_record(self, msg, &off, while_calling, 0);
			nng_msg_free(msg);
		}
	}
	waiting = outer;
	if (!w.done)
		return rv;
	if (w.error) {
		const char *code = w.reply ? w.reply : "failed";
		const char *msgtxt = w.reply && strlen(code) < w.len ?
		    code + strlen(code) + 1 : "";
		snprintf(self->last, sizeof self->last, "%s: %s", code, msgtxt);
		free(w.reply);
		return HERD_EREPLY;
	}
	*reply = w.reply;
	*reply_len = w.len;
	return 0;
}

/* ---- names ---- */

int
herd_whereis(herd_actor *self, const char *name, herd_id *out)
{
	struct herdi_name *nm;
	cJSON *args, *r, *id;
	unsigned long long pid, inc;
	int rv = HERD_ENOTFOUND;

	if (self == NULL || name == NULL || out == NULL)
		return HERD_EINVAL;
	for (nm = self->mail.names; nm != NULL; nm = nm->next) {
		struct herdi_peer *p;
		if (strcmp(nm->name, name) != 0)
			continue;
		for (p = self->mail.peers; p != NULL; p = p->next)
			if (p->id == nm->id.v)
				break;
		/* trusted only while the connection to its owner is up:
		 * one whose owner ended, or that nothing was sent to (its
		 * end would go unseen), is looked up again */
		if (p != NULL && !p->dead && !atomic_load(&p->gone)) {
			*out = nm->id;
			return 0;
		}
		break;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", name);
	if ((r = herdi_node_call(&self->node, "whereis", args)) == NULL)
		return HERD_ENONODE;
	id = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    r, "result"), "id");
	if (cJSON_IsString(id) && sscanf(id->valuestring, "%llu.%llu", &pid,
	    &inc) == 2) {
		out->v = pid << 32 | (inc & 0xffffffffu);
		rv = 0;
		for (nm = self->mail.names; nm != NULL; nm = nm->next)
			if (strcmp(nm->name, name) == 0)
				break;
		if (nm == NULL && (nm = calloc(1, sizeof *nm + strlen(name) +
		    1)) != NULL) {
			strcpy(nm->name, name);
			nm->next = self->mail.names;
			self->mail.names = nm;
		}
		if (nm != NULL)
			nm->id = *out;
	}
	cJSON_Delete(r);
	return rv;
}

void
herdi_name_forget(herd_actor *self, const char *name)
{
	struct herdi_name **pp, *nm;

	for (pp = &self->mail.names; (nm = *pp) != NULL; pp = &nm->next)
		if (strcmp(nm->name, name) == 0) {
			*pp = nm->next;
			free(nm);
			return;
		}
}

/* register or unregister NAME with herdd; 0, or CODE when it refused
 * (its message in herd_last_reason). */
static int
name_op(herd_actor *self, const char *op, const char *name, int code)
{
	cJSON *args, *r, *msg;
	int rv = 0;

	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", name);
	if ((r = herdi_node_call(&self->node, op, args)) == NULL)
		return HERD_ENONODE;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
		msg = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(r, "error"), "message");
		snprintf(self->last, sizeof self->last, "%s",
		    cJSON_IsString(msg) ? msg->valuestring : op);
		rv = code;
	}
	cJSON_Delete(r);
	return rv;
}

int
herd_register(herd_actor *self, const char *name)
{
	if (self == NULL || name == NULL || name[0] == '\0')
		return HERD_EINVAL;
	if (!self->registered) {
		/* from init: taken with hello, or the start fails */
		if (self->init_names == NULL)
			self->init_names = cJSON_CreateArray();
		cJSON_AddItemToArray(self->init_names,
		    cJSON_CreateString(name));
		return 0;
	}
	return name_op(self, "register", name, HERD_EEXIST);
}

int
herd_unregister(herd_actor *self, const char *name)
{
	if (self == NULL || name == NULL || !self->registered)
		return HERD_EINVAL;
	return name_op(self, "unregister", name, HERD_ENOTFOUND);
}

int
herd_cast_name(herd_actor *self, const char *name, const void *msg,
    size_t len)
{
	herd_id to;
	int rv = herd_whereis(self, name, &to);

	return rv != 0 ? rv : herd_cast(self, to, msg, len);
}

int
herd_call_name(herd_actor *self, const char *name, const void *req,
    size_t len, int timeout_ms, void **reply, size_t *reply_len)
{
	herd_id to;
	int rv = herd_whereis(self, name, &to);

	return rv != 0 ? rv : herd_call(self, to, req, len, timeout_ms, reply,
	    reply_len);
}

const char *
herd_last_reason(herd_actor *self)
{
	return self != NULL ? self->last : "";
}
