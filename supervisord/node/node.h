/* herdd as the actor node (node.c, op-actor.c): the registry of actors,
 * the node socket's ops, and what control ops ask of actors. */
#ifndef HERDD_NODE_H
#define HERDD_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "control.h"

struct node;
struct actor;

/* The registry, empty. */
struct node *node_create(struct herdd *h);
/* Fails every pending call and frees it all; NULL is a no-op. */
void node_destroy(struct node *n);

/* c's process ended with REASON (or c is being freed: REASON NULL): its
 * actor, if any, is forgotten, its names released and every call waiting
 * on it fails at once with that reason (ACTORS.md A5). */
void node_child_ended(struct node *n, struct child *c, const char *reason);
/* An observer (ARG: the node): child.reaped and child.released end c's
 * actor (node_child_ended). */
void node_observe(void *arg, const char *topic, struct child *c,
    const char *reason);

/* The registered actor named NAME (a path or a registered name); NULL
 * if none. */
struct actor *node_find(struct node *n, const char *name);
/* Its child node and id ("PID.INCARNATION"); borrowed. */
struct child *node_actor_child(const struct actor *a);
const char *node_actor_id(const struct actor *a);

/* Hands system message MSG (taken) to actor a: at once if it waits for
 * one, else queued in order. */
void node_deliver(struct node *n, struct actor *a, cJSON *msg);
/* Whether a holds as many casts and calls from the control socket as
 * herdd keeps for one actor (A8): r is then answered mailbox_full. */
int node_refuse_full(struct request *r, const struct actor *a);
/* Sends a call of KIND ("call", "inspect") with MSG (taken; may be NULL)
 * to a; r's reply waits for the actor's reply, the actor's death or
 * TIMEOUT_MS. */
void node_call(struct node *n, struct actor *a, struct request *r,
    const char *kind, cJSON *msg, long timeout_ms);
/* Every registered actor, for the "actors" op; caller owns. */
cJSON *node_list(struct node *n);

/* Whether r came over the node socket (its own op table). */
int node_request(const struct request *r);
/* The node socket's url: "ipc://<run_dir>/node.sock". */
int node_url(const char *run_dir, char *buf, size_t len);

extern const struct op op_node_table[];
extern const size_t op_node_count;
extern const struct op op_actor_table[]; /* op-actor.c */
extern const size_t op_actor_count;

#endif
