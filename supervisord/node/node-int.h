/* What node.c and node-link.c share: the registry's structures. Not for
 * other files (they see node.h). */
#ifndef HERDD_NODE_INT_H
#define HERDD_NODE_INT_H

#include <nng/nng.h>

struct event;

#include "node.h"

#define MAX_QUEUED 4096 /* messages herdd keeps for one actor */
/* Of those, casts and calls from the control socket may fill this many:
 * the rest is kept for system messages (DOWN, exit signals, liveness
 * checks, inspect), which overtake them (A6, A8). */
#define MAX_QUEUED_ORDINARY 3072

struct actor {
	struct actor *next;
	struct node *n;
	struct child *c;
	uint32_t pipe;        /* its connection to herdd */
	char id[32];          /* "PID.INCARNATION", never reused */
	nng_msg *poll;        /* the routing header of its waiting poll */
	uint64_t poll_id;
	cJSON *queue;         /* system messages it has not fetched */
	size_t queued;
	size_t ordinary;      /* of those, casts and calls from control */
	struct why_wait *why; /* "reason" asked before herdd saw it end */
	char **names;         /* registered beside its path (A2) */
	size_t nnames;
	int ready;            /* its own word, herd_set_ready (A14) */
	struct event *live;   /* liveness: next check or its deadline */
	struct event *live_io; /* its answers on the liveness socket */
	uint64_t live_ref;    /* the check out, 0 if none */
	uint64_t live_answered;
};

#define MAX_NAMES 64      /* per actor */
#define NAME_MAX_LEN 255

/* A reason request held until its actor's end is known. */
struct why_wait {
	struct why_wait *next;
	nng_msg *hdr;
	uint64_t id;
};

/* A control request waiting for an actor's reply. */
struct ncall {
	struct ncall *next;
	struct node *n;
	struct actor *a;
	uint64_t ref;
	nng_msg *hdr;         /* the control request's routing header */
	uint64_t req_id;
	struct event *timer;
	long timeout_ms;
};

#define DEAD_RING 4096 /* ends remembered, for callers asking why */

struct node {
	struct herdd *h;
	struct actor *actors;
	struct ncall *calls;
	uint64_t ref;
	struct {
		char id[32];
		char reason[48];
	} dead[DEAD_RING];
	size_t dead_next;
	char path[4200];      /* node.sock, to tell its requests */
	struct nmon *mons;    /* monitors (node-link.c) */
	struct nlink *links;  /* links, one per pair */
};

/* The actor whose connection r came on; replies refused if none. */
struct actor *node_actor_of(struct request *r);
/* That actor, with args.ref (a number) in *ref; NULL when either is
 * missing (replied). */
struct actor *node_actor_ref(struct request *r, uint64_t *ref);
/* The registered actor with id ("PID.INCARNATION") or name WHO; NULL if
 * none. */
struct actor *node_lookup(struct node *n, const char *who);

/* node-link.c: a ended with REASON; the watchers of its monitors get
 * DOWN, the other ends of its links an exit signal, and what a watched
 * or was linked to forgets it. */
void link_actor_ended(struct node *n, struct actor *a, const char *reason);
/* At hello: the monitors and links its init asked for (args.monitors
 * [{target, ref}], args.links [target]). */
void link_hello(struct node *n, struct actor *a, const cJSON *args);
/* At herdd's end: every monitor and link, without a word. */
void link_free_all(struct node *n);
void op_monitor(struct request *r);
void op_demonitor(struct request *r);
void op_link(struct request *r);
void op_unlink(struct request *r);
void op_exit(struct request *r);

/* node-live.c: liveness checks and readiness (A14). */
/* At hello: ready unless args.ready is false, and the first check armed
 * if it has liveness_ms. */
void live_start(struct node *n, struct actor *a, const cJSON *args);
void live_stop(struct actor *a);
/* Adds "ready", "liveness" (off, ok, checking) to its "actors" entry. */
void live_describe(const struct actor *a, cJSON *o);
/* node-contact.c: a sender's knock and a receiver's welcome. */
void op_knock(struct request *r);
void op_welcome(struct request *r);
void op_readiness(struct request *r);
/* node-publish.c: the saga coordinator's tx.* events, and its spawns
 * of a worker per job. */
void op_publish(struct request *r);
void op_node_spawn(struct request *r);

#endif
