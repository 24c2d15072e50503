/* libherd's private header: what its files share, never installed. */
#ifndef HERDI_H
#define HERDI_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <nng/nng.h>

#include "herd.h"

/* The HERD_E* code for a failed system call's errno. */
int herdi_error_from_errno(int err);

/* ---- actor-node.c: the actor's connection to herdd ---- */

struct herdi_node {
	nng_socket sock;  /* raw req0 */
	int open;
	int recv_fd;      /* readable when a reply waits */
	uint32_t next_id;
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

#endif /* HERDI_H */
