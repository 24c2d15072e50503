/* Keeps herdd's nng listeners accepting despite nng 1.5.2 bug #1518. */
#ifndef HERDD_GUARD_H
#define HERDD_GUARD_H

#include <stddef.h>

#include <nng/nng.h>

struct event_base;
struct guard;

/* A guard whose checks run on base after connections (see guard.c).
 * Destroy it after the sockets it guards are closed: their listeners'
 * threads report connections to it. */
struct guard *guard_create(struct event_base *base);
void guard_destroy(struct guard *g);

/* Listens on url with s and keeps that listener alive, re-creating it
 * when wedged (and retrying until it listens again); an ipc socket file
 * gets mode (0: nng's default) and group gid (-1: herdd's) every time.
 * peer_proto is the SP protocol number of s's peers (GUARD_PEER_*), which
 * the probes speak. Returns 0, or -1 with cause filled. */
int guard_listen(struct guard *g, nng_socket s, unsigned peer_proto,
    const char *url, int mode, long gid, char *cause, size_t len);
#define GUARD_PEER_REQ0 0x30 /* for rep0 */
#define GUARD_PEER_SUB0 0x21 /* for pub0 */

/* A connection was accepted (admit.c's accept hook, nng's thread). */
void guard_accepted(void);

/* How many listeners were re-created so far. */
unsigned guard_recoveries(const struct guard *g);

#endif
