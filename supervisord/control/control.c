/*
 * The control socket: a raw rep0 socket at ipc://<run_dir>/control.sock
 * watched through NNG_OPT_RECVFD on the loop, so requests are handled on
 * the loop thread and a reply may wait for the outcome (stop replies once
 * the child is dead). Ops are dispatched by table (op-info.c, op-child.c,
 * op-config.c, the actors' and herdd-wide ops here); mutating ops need an
 * allowed peer uid. Its listener is kept alive by guard.c (nng bug
 * #1518). Replies are sent by reply.c, deferred ones kept by wait.c: the
 * ops use those, never this file.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/transport/ipc/ipc.h>

#include "control.h"
#include "guard.h"
#include "local.h"
#include "log.h"
#include "node.h"
#include "util.h"

#define SEND_BUF 1024
/* nng's receive limit is the request limit plus this much for the
 * routing header: nng allocates a message of the length its peer declares
 * before the body arrives, so the limit bounds what one connection can
 * pin (it was 16 MiB whatever max_request_bytes said). Past it nng closes
 * the connection without a reply; herdctl asks for the limit first
 * (docs/protocol.md). */
#define ENVELOPE_BYTES 256

void
control_on_event(void *arg, const char *topic, struct child *c,
    const char *reason)
{
	struct control *ctl = arg;

	op_config_on_event(ctl, topic, c, reason);
	wait_on_event(ctl, topic, c, reason);
}

/* ---- herdd-wide ops ---- */

static void
op_shutdown(struct request *r)
{
	reply_ok(r, NULL);
	engine_shutdown(&r->h->engine);
}

static const struct op op_herd_table[] = {
	{ "shutdown", 1, op_shutdown },
};

static const struct {
	const struct op *ops;
	const size_t *n;
} op_tables[] = {
	{ op_info_table, &op_info_count },
	{ op_child_table, &op_child_count },
	{ op_config_table, &op_config_count },
	{ op_actor_table, &op_actor_count },
};

static const struct op *
op_find_in(const struct op *ops, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

static const struct op *
op_find(const char *name)
{
	const struct op *op;
	size_t t;

	if ((op = op_find_in(op_herd_table, sizeof op_herd_table /
	    sizeof op_herd_table[0], name)) != NULL)
		return op;
	for (t = 0; t < sizeof op_tables / sizeof op_tables[0]; t++)
		if ((op = op_find_in(op_tables[t].ops, *op_tables[t].n,
		    name)) != NULL)
			return op;
	return NULL;
}

int
control_op_mutating(const char *name)
{
	const struct op *op = op_find(name);

	return op == NULL ? -1 : op->mutating;
}

/* One request, whole: size, decode, who sent it, dispatch. The reply is
 * sent now or later (a copy of msg's header routes it); msg stays the
 * caller's. */
void
control_handle(struct control *ctl, nng_msg *msg)
{
	struct request r;
	const struct op *op;
	const char *code;
	char *cause;

	memset(&r, 0, sizeof r);
	r.ctl = ctl;
	r.h = ctl->h;
	r.msg = msg;
	if (nng_msg_len(msg) > ctl->max_request) {
		reply_err(&r, IPC_E_TOO_LARGE, "request of %zu bytes exceeds "
		    "the limit of %zu bytes", nng_msg_len(msg),
		    ctl->max_request);
		return;
	}
	if (ipc_request_decode(nng_msg_body(msg), nng_msg_len(msg), &r.req,
	    &code, &cause) == -1) {
		reply_err(&r, code, "%s", cause);
		free(cause);
		return;
	}
	if (node_request(&r)) {
		/* the node socket: actors' own ops, which check who sent */
		if ((op = op_find_in(op_node_table, op_node_count,
		    r.req.op)) == NULL) {
			reply_err(&r, IPC_E_UNKNOWN_OP, "unknown node op "
			    "\"%.100s\"", r.req.op);
		} else {
			r.op_name = op->name;
			op->fn(&r);
		}
	} else if ((op = op_find(r.req.op)) == NULL) {
		reply_err(&r, IPC_E_UNKNOWN_OP, "unknown op \"%.100s\"",
		    r.req.op);
	} else {
		char why[512];
		r.op_name = op->name;
		if (local_is(msg)) {
			/* herdd's own clients (local.c) decide who may ask */
			r.local = 1;
			r.uid = (int)geteuid();
			r.gid = (int)getegid();
		} else {
			access_identify(&r);
		}
		if (!access_may_mutate(&r, op, why, sizeof why))
			reply_err(&r, IPC_E_REFUSED, "%s", why);
		else
			op->fn(&r);
	}
	ipc_request_clear(&r.req);
}

static void
recv_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	nng_msg *msg;
	int n;

	/* Bounded, so a flood cannot starve the reaper. */
	for (n = 0; n < 64; n++) {
		if (nng_recvmsg(ctl->sock, &msg, NNG_FLAG_NONBLOCK) != 0)
			return;
		control_handle(ctl, msg);
		nng_msg_free(msg);
	}
}

long
control_socket_gid(const struct herdd *h)
{
	return h->conf->control.has_group ? (long)h->conf->control.gid : -1;
}

struct control *
control_create(struct herdd *h, char *cause, size_t len)
{
	struct control *ctl = xcalloc(1, sizeof *ctl);
	char url[4200];
	int rv, fd, sfd;

	ctl->h = h;
	if (ipc_control_url(h->run_bind, ctl->url, sizeof ctl->url) ==
	    -1 || strlen(ctl->url) - 6 >= sizeof(((struct sockaddr_un *)0)
	    ->sun_path)) {
		snprintf(cause, len, "run_dir too long for a socket path: %s",
		    h->conf->run_dir);
		free(ctl);
		return NULL;
	}
	if ((rv = nng_rep0_open_raw(&ctl->sock)) != 0) {
		snprintf(cause, len, "rep0: %s", nng_strerror(rv));
		free(ctl);
		return NULL;
	}
	/* fixed for herdd's life (a reload changes it at the next start) */
	ctl->max_request = h->conf->control.max_request_bytes ?
	    h->conf->control.max_request_bytes : IPC_REQUEST_MAX;
	nng_socket_set_size(ctl->sock, NNG_OPT_RECVMAXSZ, ctl->max_request +
	    ENVELOPE_BYTES);
	/* raw rep0's send queue is one message deep by default: a burst of
	 * replies would get NNG_EAGAIN (measured) */
	nng_socket_set_int(ctl->sock, NNG_OPT_SENDBUF, SEND_BUF);
	rv = 0;
	if (guard_listen(h->guard, ctl->sock, GUARD_PEER_REQ0, ctl->url,
	    CONTROL_SOCKET_MODE, control_socket_gid(h), cause, len) == -1 ||
	    (rv = nng_socket_get_int(ctl->sock, NNG_OPT_RECVFD, &fd)) != 0 ||
	    (rv = nng_socket_get_int(ctl->sock, NNG_OPT_SENDFD, &sfd)) != 0) {
		if (rv != 0)
			snprintf(cause, len, "recvfd: %s", nng_strerror(rv));
		control_destroy(ctl);
		return NULL;
	}
	/* the node socket: actors of any user say hello here; herdd knows
	 * them by pid (node.c), so the file is open to all who can reach it */
	if (node_url(h->run_bind, url, sizeof url) == -1 ||
	    guard_listen(h->guard, ctl->sock, GUARD_PEER_REQ0, url, 0666, -1,
	    cause, len) == -1) {
		control_destroy(ctl);
		return NULL;
	}
	if (tcp_listen(ctl, ctl->sock, cause, len) == -1) {
		control_destroy(ctl);
		return NULL;
	}
	ctl->recv_ev = event_new(h->base, fd, EV_READ | EV_PERSIST, recv_cb,
	    ctl);
	event_add(ctl->recv_ev, NULL);
	ctl->send_ev = event_new(h->base, sfd, EV_READ, reply_send_cb, ctl);
	return ctl;
}

void
control_destroy(struct control *ctl)
{
	if (ctl == NULL)
		return;
	wait_free_all(ctl);
	op_config_clear(ctl);
	if (ctl->recv_ev != NULL)
		event_free(ctl->recv_ev);
	if (ctl->send_ev != NULL)
		event_free(ctl->send_ev);
	while (ctl->outq_n > 0)
		nng_msg_free(ctl->outq[--ctl->outq_n]);
	free(ctl->outq);
	local_free_all(ctl);
	reply_counts_free(ctl);
	nng_close(ctl->sock);
	tcp_close();
	free(ctl);
}
