/*
 * An actor's one connection to herdd's node socket ($HERD_NODE): a raw
 * req0 socket, so that the actor's own loop (libevent) can watch it and
 * several requests can be in flight (the poll that herdd holds until it
 * has system messages, and short ones: hello, reply). Requests are the
 * control protocol's JSON envelopes (docs/protocol.md, "Node socket").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "herdi.h"

int
herdi_node_open(struct herdi_node *n, const char *url)
{
	int rv;

	memset(n, 0, sizeof *n);
	n->next_id = 1;
	n->early_tail = &n->early;
	if ((rv = nng_req0_open_raw(&n->sock)) != 0)
		return HERD_ENOMEM;
	n->open = 1;
	/* system messages can be large: a batch of herdctl casts */
	nng_socket_set_size(n->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	/* a blocking request (hello, whereis, reason, bye) gives up */
	nng_socket_set_ms(n->sock, NNG_OPT_RECVTIMEO, 10000);
	if ((rv = nng_dial(n->sock, url, NULL, 0)) != 0 ||
	    (rv = nng_socket_get_int(n->sock, NNG_OPT_RECVFD, &n->recv_fd))
	    != 0) {
		herdi_node_close(n);
		return HERD_ENONODE;
	}
	return 0;
}

void
herdi_node_close(struct herdi_node *n)
{
	struct herdi_early *e;

	while ((e = n->early) != NULL) {
		n->early = e->next;
		cJSON_Delete(e->reply);
		free(e);
	}
	n->early_tail = &n->early;
	if (n->open)
		nng_close(n->sock);
	n->open = 0;
}

uint32_t
herdi_node_send(struct herdi_node *n, const char *op, cJSON *args)
{
	cJSON *req = cJSON_CreateObject();
	uint32_t id = n->next_id++ & 0x7fffffffu;
	nng_msg *m;
	char *s;
	int rv;

	if (id == 0)
		id = n->next_id++ & 0x7fffffffu;
	cJSON_AddNumberToObject(req, "v", 1);
	cJSON_AddNumberToObject(req, "id", id);
	cJSON_AddStringToObject(req, "op", op);
	if (args != NULL)
		cJSON_AddItemToObject(req, "args", args);
	s = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (s == NULL)
		return 0;
	rv = nng_msg_alloc(&m, 0);
	if (rv == 0 && (nng_msg_header_append_u32(m, 0x80000000u | id) != 0 ||
	    nng_msg_append(m, s, strlen(s)) != 0)) {
		nng_msg_free(m);
		rv = -1;
	}
	free(s);
	if (rv != 0)
		return 0;
	if (nng_sendmsg(n->sock, m, 0) != 0) {
		nng_msg_free(m);
		return 0;
	}
	return id;
}

/* The reply in M: its request id and parsed body (caller frees), or NULL
 * when it is not a reply herdd would send. */
static cJSON *
parse_reply(nng_msg *m, uint32_t *id)
{
	uint32_t v;

	if (nng_msg_header_len(m) < 4 || nng_msg_header_trim_u32(m, &v) != 0)
		return NULL;
	*id = v & 0x7fffffffu;
	return cJSON_ParseWithLength(nng_msg_body(m), nng_msg_len(m));
}

cJSON *
herdi_node_next(struct herdi_node *n, int wait, uint32_t *id)
{
	struct herdi_early *e;
	nng_msg *m;
	cJSON *j;

	if ((e = n->early) != NULL) {
		/* what herdi_node_call read first, in order */
		if ((n->early = e->next) == NULL)
			n->early_tail = &n->early;
		*id = e->id;
		j = e->reply;
		free(e);
		return j;
	}
	for (;;) {
		if (nng_recvmsg(n->sock, &m, wait ? 0 : NNG_FLAG_NONBLOCK) != 0)
			return NULL;
		j = parse_reply(m, id);
		nng_msg_free(m);
		if (j != NULL)
			return j;
	}
}

cJSON *
herdi_node_call(struct herdi_node *n, const char *op, cJSON *args)
{
	uint32_t want = herdi_node_send(n, op, args), got;
	cJSON *j;

	if (want == 0)
		return NULL;
	/* other replies (the poll's) are kept for herdi_node_next */
	for (;;) {
		nng_msg *m;
		struct herdi_early *e;
		if (nng_recvmsg(n->sock, &m, 0) != 0)
			return NULL;
		j = parse_reply(m, &got);
		nng_msg_free(m);
		if (j == NULL)
			continue;
		if (got == want)
			return j;
		if ((e = calloc(1, sizeof *e)) == NULL) {
			cJSON_Delete(j);
			continue;
		}
		e->id = got;
		e->reply = j;
		*n->early_tail = e;
		n->early_tail = &e->next;
	}
}
