/* libherd's private header: what its files share, never installed. */
#ifndef HERDI_H
#define HERDI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <nng/nng.h>

#include "herd.h"

/* The monotonic clock in milliseconds (actor-mail.c). */
int64_t herdi_now_ms(void);
/* The HERD_E* code for a failed system call's errno. */
int herdi_error_from_errno(int err);

/* ---- actor-node.c: the actor's connection to herdd ---- */

/* A reply herdi_node_call read while it waited for another one. */
struct herdi_early {
	struct herdi_early *next;
	uint32_t id;
	cJSON *reply;
};

struct herdi_node {
	nng_socket sock;  /* raw req0 */
	int open;
	int recv_fd;      /* readable when a reply waits */
	uint32_t next_id;
	struct herdi_early *early, **early_tail; /* for herdi_node_next */
};

/* Dials the node socket URL; 0 or a HERD_E* code. */
int herdi_node_open(struct herdi_node *n, const char *url);
void herdi_node_close(struct herdi_node *n);
/* Sends request OP with ARGS (taken, may be NULL); returns its id, 0 if
 * it could not be sent. */
uint32_t herdi_node_send(struct herdi_node *n, const char *op, cJSON *args);
/* The next reply (caller frees) and its request id in *id; NULL when none
 * waits (WAIT 0) or the connection is gone. */
cJSON *herdi_node_next(struct herdi_node *n, int wait, uint32_t *id);
/* Sends OP and waits for its reply (before the actor's loop runs). */
cJSON *herdi_node_call(struct herdi_node *n, const char *op, cJSON *args);

/* ---- actor-wire.c: the records actors send each other ---- */

#define HERDI_WIRE_VERSION 1
#define HERDI_WIRE_BATCH 4     /* "hrd", version */
#define HERDI_WIRE_HDR 24      /* a record's header */
#define HERDI_MSG_MAX (1024 * 1024) /* a message's bytes (HERD_ETOOLARGE) */

enum herdi_kind {
	HERDI_CAST = 1,
	HERDI_CALL = 2,
	HERDI_REPLY = 3,
	HERDI_REPLY_ERROR = 4, /* payload: code, NUL, message */
	HERDI_PROBE = 5,       /* first contact: the sender's connection
	                          number in ref, no payload */
};

struct herdi_rec {
	size_t len;
	uint8_t kind, flags;
	uint64_t from;        /* the sender's id */
	uint64_t ref;         /* a call's, and its reply's */
	const uint8_t *data;  /* borrowed from the batch */
};

/* Writes a batch's header (HERDI_WIRE_BATCH bytes) at HDR. */
void herdi_wire_batch_start(uint8_t *hdr);
/* Writes r's record header (HERDI_WIRE_HDR bytes) at HDR; its payload
 * follows it. */
void herdi_wire_put(uint8_t *hdr, const struct herdi_rec *r);
/* The next record of the batch BUF of LEN bytes at *off (start at 0): 1
 * with *r filled and *off moved past it, 0 at the end, -1 when the batch
 * is malformed (then nothing more of it can be trusted). */
int herdi_wire_next(const uint8_t *buf, size_t len, size_t *off,
    struct herdi_rec *r);

/* ---- actor-mail.c: messages between actors ---- */

struct event;
struct event_base;

/* The connection to one receiver, and what waits to go to it. */
struct herdi_peer {
	struct herdi_peer *next;
	struct herd_actor *self;
	uint64_t id;
	nng_socket sock;      /* push0 */
	int open;
	int dead;             /* it could not be reached: an ended actor */
	_Atomic int gone;     /* its connection closed (nng's thread) */
	int wake_fd;          /* the mailbox's, for gone */
	nng_msg *msg;         /* the batch being filled, or NULL */
	size_t queued;
	struct event *ev;     /* the socket takes messages again */
	/* first contact (actor-contact.c): nothing goes until the receiver
	 * says it has this connection */
	_Atomic uint32_t sock_id; /* gone_cb ignores a replaced socket's */
	unsigned dials;       /* connections made, this one included */
	int welcomed;         /* the receiver has connection number dials */
	size_t max;           /* what may wait for it: its mailbox_bytes,
	                         from its welcome (0: OUT_MAX) */
	int knock_due;        /* to knock once this actor has said hello */
	struct event *welcome_ev; /* no welcome in time: dial again */
	int64_t knocked_ms;   /* when the last knock went (monotonic) */
	unsigned wait_ms;     /* how long that knock waits for its welcome */
};

/* A record kept for after the current callback (herd_call's wait). */
struct herdi_stash {
	struct herdi_stash *next;
	struct herdi_rec rec;
	uint8_t data[];
};

struct herdi_name {
	struct herdi_name *next;
	herd_id id;
	char name[];
};

/* A knock whose connection this actor has not seen yet. */
struct herdi_knock {
	struct herdi_knock *next;
	uint64_t from;
	unsigned n;
	int64_t at;           /* when it came (monotonic ms) */
};

#define HERDI_PROBES_MAX 1024 /* connections seen, awaiting their knock */

struct herdi_mail {
	nng_socket pull;
	nng_listener listener;
	int open;
	int recv_fd;          /* readable when a batch waits */
	int wake_fd;          /* an eventfd: a receiver's connection closed */
	char url[4400];       /* our mailbox */
	char dir[4400];       /* "ipc://<run_dir>/actors/" */
	struct herdi_peer *peers;
	struct herdi_stash *stash, **stash_tail;
	nng_msg *cur;         /* a batch being handled, from cur_off on */
	size_t cur_off;
	struct herdi_name *names;  /* looked up, cached */
	uint64_t next_ref;
	uint64_t malformed;
	long warned_at;
	/* the receiver's side of first contact (actor-contact.c) */
	struct {
		uint64_t from;
		unsigned n;       /* 0: free */
	} probes[HERDI_PROBES_MAX]; /* each connection's probe record */
	size_t probes_next;
	struct herdi_knock *knocks;
	size_t nknocks;
	size_t bound;         /* our mailbox_bytes ($HERD_MAILBOX_BYTES) */
	struct event *relisten_ev;
	int64_t relisten_at;  /* relisten_ev's deadline, 0 if not armed */
	unsigned relistens;
};

/* A call this actor was sent, until it replies. */
struct herdi_incall {
	struct herdi_incall *next;
	herd_ref local;       /* what handle_call got */
	uint64_t from, ref;   /* the caller and its reference */
};

/* A monitor this actor holds, until its DOWN or herd_demonitor. */
struct herdi_mon {
	struct herdi_mon *next;
	herd_ref ref;
};

/* A herd_send_after that has not fired. */
struct herdi_timer {
	struct herdi_timer *next;
	struct herd_actor *self;
	herd_ref ref;
	herd_id to;
	struct event *ev;
	size_t len;
	uint8_t data[];
};

struct herd_actor {
	const struct herd_actor_ops *ops;
	void *state;
	struct event_base *base;
	struct event *node_ev, *mail_ev, *term_ev, *int_ev;
	struct event *more_ev;     /* the mailbox's backlog, after a poll */
	struct herdi_node node;
	struct herdi_mail mail;
	uint32_t poll_id;          /* the last poll sent */
	int poll_out;              /* herdd holds it (not answered yet) */
	int live_fd;               /* herdd's liveness checks, -1 if none */
	struct event *live_ev;
	char name[4096];
	herd_id id;
	char *reason;              /* set: the actor ends after this callback */
	char last[128];            /* herd_last_reason */
	struct herdi_incall *incalls;
	size_t nincalls;
	herd_ref next_local;
	struct herdi_mon *mons;
	int trap_exit;
	cJSON *init_names;         /* herd_register from init, for hello */
	cJSON *init_mons, *init_links; /* herd_monitor, herd_link from init */
	herd_ref next_mon;         /* monitors' refs are the actor's own */
	int registered;            /* hello answered ok */
	uint64_t handled;          /* casts and calls given to callbacks, for
	                              herdd's "stats" (messages per second) */
	int unready;               /* herd_set_ready(self, 0) */
	struct herdi_timer *timers;
	size_t ntimers;
	herd_ref next_timer;
	cJSON *sys_later;          /* system messages read during a call */
};

/* ---- actor-contact.c: first contact, despite nng bug #1518 ---- */

/* A new connection to p: its messages wait until the receiver welcomes
 * it; the knock goes now (or after hello). */
void herdi_contact_start(herd_actor *self, struct herdi_peer *p);
/* Hello answered: the knocks that waited for it go. */
void herdi_contact_after_hello(herd_actor *self);
/* System messages "knock" (a sender's connection N) and "welcome". */
void herdi_contact_knock(herd_actor *self, const cJSON *m);
void herdi_contact_welcome(herd_actor *self, const cJSON *m);
/* A connection's probe record came: connection N of actor FROM works. */
void herdi_contact_probe(herd_actor *self, uint64_t from, unsigned n);
/* Sends connection p's probe record, on it, at once (not held). */
void herdi_contact_send_probe(herd_actor *self, struct herdi_peer *p);
/* In herd_call's wait: a peer whose welcome is overdue dials again, and a
 * relisten that is due happens (no timers run there). */
void herdi_contact_check(herd_actor *self, struct herdi_peer *p);
void herdi_contact_relisten_due(herd_actor *self);
/* The loop's events for first contact (after the base exists). */
void herdi_contact_events(herd_actor *self);
/* Frees them, and every peer's events, before the base goes. */
void herdi_contact_free(herd_actor *self);
/* "PID.INCARNATION" of id V, herdd's spelling. */
void herdi_id_text(uint64_t v, char buf[32]);

/* actor-mail.c, for first contact: */
/* Replaces p's socket by a new connection (the old one is closed first:
 * its end is not the receiver's); 0, or -1 when the receiver is gone. */
int herdi_peer_redial(herd_actor *self, struct herdi_peer *p);
/* Sends what is queued for p, if it may send. */
void herdi_peer_flush(herd_actor *self, struct herdi_peer *p);
/* herdd says p's actor has ended: what waits goes, its socket closes. */
void herdi_peer_gone(herd_actor *self, struct herdi_peer *p);
/* The mailbox listens again on a fresh socket file (the wedged listener
 * is kept for the connections it has); 0 or a HERD_E* code. */
int herdi_mail_relisten(herd_actor *self);

/* actor-link.c: a "down" or "exit" system message from herdd. */
void herdi_link_down(herd_actor *self, const struct cJSON *m);
void herdi_link_exit(herd_actor *self, const struct cJSON *m);
void herdi_link_free(herd_actor *self);
/* actor-mail.c: a "forget" system message: a name left its owner. */
void herdi_name_forget(herd_actor *self, const char *name);
/* actor-timer.c: every pending timer goes (the actor ends). */
void herdi_timer_free(herd_actor *self);
/* actor.c: what follows any callback (casts sent, node replies seen). */
void herdi_after_callback(herd_actor *self);
/* actor.c: herd_call's wait reads the node socket (first contact); other
 * system messages wait for after the callback. */
void herdi_node_during_call(herd_actor *self);
/* actor.c: answers herdd's liveness checks waiting on live_fd (the loop,
 * and herd_call's wait: an actor waiting with a deadline is not stuck). */
void herdi_live_answer(herd_actor *self);

/* A callback's return: an error ends the actor with it (A9). */
void herdi_check(herd_actor *self, int rv);
/* Listens on our mailbox URL ($HERD_MAILBOX); 0 or a HERD_E* code. */
int herdi_mail_open(herd_actor *self, const char *url);
void herdi_mail_close(herd_actor *self);
/* Sends every batch queued during the callback that returned. */
void herdi_mail_flush(herd_actor *self);
/* Handles the records kept during a call, then those that arrived. */
void herdi_mail_drain(herd_actor *self);
/* Sends a reply (ERROR: code NUL message) to the caller TO's REF. */
int herdi_mail_reply(herd_actor *self, uint64_t to, herd_ref ref, int error,
    const void *data, size_t len);
/* A call from FROM (its REF) gets a local reference for handle_call;
 * herdi_incall_take finds it back (0, or -1 when unknown/answered). */
herd_ref herdi_incall_add(herd_actor *self, uint64_t from, uint64_t ref);
int herdi_incall_take(herd_actor *self, herd_ref local, uint64_t *from,
    uint64_t *ref);

#endif /* HERDI_H */
