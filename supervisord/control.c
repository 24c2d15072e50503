/*
 * The control socket: a raw rep0 socket at ipc://<run_dir>/control.sock
 * watched through NNG_OPT_RECVFD on the loop, so requests are handled on
 * the loop thread and a reply may wait for the outcome (stop replies once
 * the child is dead). Ops are dispatched by table (op-info.c, op-child.c,
 * and herdd-wide ops here); mutating ops need an allowed peer uid. Its
 * listener is kept alive by guard.c (nng bug #1518).
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
#include "log.h"
#include "node.h"
#include "util.h"

#define MAX_WAITERS 4096
#define SEND_BUF 1024
/* nng's receive limit is the request limit plus this much for the
 * routing header: nng allocates a message of the length its peer declares
 * before the body arrives, so the limit bounds what one connection can
 * pin (it was 16 MiB whatever max_request_bytes said). Past it nng closes
 * the connection without a reply; herdctl asks for the limit first
 * (docs/protocol.md). */
#define ENVELOPE_BYTES 256

/* ---- replies ---- */

static void send_msg(struct control *ctl, nng_msg *hdr);

nng_msg *
header_copy(nng_msg *msg)
{
	nng_msg *hdr;

	if (nng_msg_alloc(&hdr, 0) != 0)
		abort();
	nng_msg_header_append(hdr, nng_msg_header(msg),
	    nng_msg_header_len(msg));
	return hdr;
}

/* Sends j as the reply routed by hdr; takes both. */
void
reply_json(struct control *ctl, nng_msg *hdr, cJSON *j)
{
	char *s = ipc_print(j);

	cJSON_Delete(j);
	nng_msg_append(hdr, s, strlen(s));
	free(s);
	send_msg(ctl, hdr);
}

/* Sends hdr (a complete reply), in order after any that wait; takes it. */
static void
send_msg(struct control *ctl, nng_msg *hdr)
{
	if (ctl->outq_n == 0 &&
	    nng_sendmsg(ctl->sock, hdr, NNG_FLAG_NONBLOCK) == 0)
		return;
	/* the send queue is full: keep it, in order, until nng can take it */
	ctl->outq = xreallocarray(ctl->outq, ctl->outq_n + 1,
	    sizeof *ctl->outq);
	ctl->outq[ctl->outq_n++] = hdr;
	if (ctl->send_ev != NULL)
		event_add(ctl->send_ev, NULL);
}

void
reply_ok(struct request *r, cJSON *result)
{
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_ok(r->req.id,
	    result));
}

void
reply_ok_text(struct request *r, const char *result, size_t len)
{
	char head[96];
	nng_msg *hdr = header_copy(r->msg);
	int n;

	n = snprintf(head, sizeof head, "{\"v\":%d,\"id\":%llu,\"ok\":true,"
	    "\"result\":", IPC_VERSION, (unsigned long long)r->req.id);
	nng_msg_append(hdr, head, (size_t)n);
	nng_msg_append(hdr, result, len);
	nng_msg_append(hdr, "}", 1);
	send_msg(r->ctl, hdr);
}

void
reply_err(struct request *r, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_error(r->req.id,
	    code, "%s", msg));
	free(msg);
}

void
reply_err_list(struct request *r, const char *code, const char *msg,
    cJSON *errors)
{
	cJSON *j = ipc_reply_error(r->req.id, code, "%s", msg);

	cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(j, "error"),
	    "errors", errors);
	reply_json(r->ctl, header_copy(r->msg), j);
}

cJSON *
path_pid(const char *path, pid_t pid)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "path", path);
	if (pid >= 0)
		cJSON_AddNumberToObject(o, "pid", pid);
	return o;
}

cJSON *
started_result(const char *path, pid_t pid, enum wait_kind kind)
{
	cJSON *o = path_pid(path, pid);
	const char *slash = strrchr(path, '/');

	slash = slash ? slash + 1 : path;
	if (kind == W_SPAWN && strspn(slash, "0123456789") == strlen(slash))
		cJSON_AddNumberToObject(o, "instance", atoi(slash));
	else if (kind == W_SPAWN)
		cJSON_AddStringToObject(o, "name", slash);
	return o;
}

struct child *
arg_child(struct request *r)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	struct child *c;

	if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
		reply_err(r, IPC_E_BAD_REQUEST,
		    "args.name must be a non-empty string");
		return NULL;
	}
	c = tree_find(r->h->root, name->valuestring);
	if (c == NULL || c == r->h->root) {
		reply_err(r, IPC_E_NOT_FOUND, "no child named \"%.500s\"",
		    name->valuestring);
		return NULL;
	}
	return c;
}

/* ---- deferred replies ---- */

unsigned long
wait_begin(struct request *r, const char *path, enum wait_kind kind)
{
	struct control *ctl = r->ctl;
	struct waiter *w;

	if (ctl->nwaiters >= MAX_WAITERS) {
		reply_err(r, IPC_E_BUSY, "too many requests waiting");
		return 0;
	}
	w = xcalloc(1, sizeof *w);
	w->serial = ++ctl->serial;
	w->hdr = header_copy(r->msg);
	w->id = r->req.id;
	w->path = xstrdup(path);
	w->kind = kind;
	w->next = ctl->waiters;
	ctl->waiters = w;
	ctl->nwaiters++;
	return w->serial;
}

int
wait_pending(struct control *ctl, unsigned long serial)
{
	struct waiter *w;

	for (w = ctl->waiters; w != NULL; w = w->next)
		if (w->serial == serial)
			return 1;
	return 0;
}

/* Unlinks *wp, sends j (if any) and frees it. */
static void
waiter_done(struct control *ctl, struct waiter **wp, cJSON *j)
{
	struct waiter *w = *wp;

	*wp = w->next;
	if (j != NULL)
		reply_json(ctl, w->hdr, j);
	else
		nng_msg_free(w->hdr);
	free(w->path);
	free(w);
	ctl->nwaiters--;
}

void
wait_end(struct control *ctl, unsigned long serial, cJSON *result,
    const char *code, const char *msg)
{
	struct waiter **wp;
	cJSON *j = NULL;

	for (wp = &ctl->waiters; *wp != NULL; wp = &(*wp)->next)
		if ((*wp)->serial == serial)
			break;
	if (*wp == NULL) {
		cJSON_Delete(result);
		return;
	}
	if (code != NULL)
		j = ipc_reply_error((*wp)->id, code, "%s", msg);
	else if (result != NULL)
		j = ipc_reply_ok((*wp)->id, result);
	waiter_done(ctl, wp, j);
}

void
control_on_event(struct control *ctl, const char *topic, struct child *c,
    const char *reason)
{
	struct waiter **wp = &ctl->waiters, *w;
	int all = strcmp(topic, "herd.stopping") == 0;
	cJSON *j;

	op_config_on_event(ctl, topic, c, reason);
	while ((w = *wp) != NULL) {
		j = NULL;
		if (all) {
			j = ipc_reply_error(w->id, IPC_E_SHUTTING_DOWN,
			    "herdd is shutting down");
		} else if (strcmp(w->path, c->path) != 0) {
			;
		} else if (w->kind == W_STOP && (strcmp(topic,
		    "child.stopped") == 0 || strcmp(topic, "child.exited") == 0 ||
		    strcmp(topic, "child.deleted") == 0)) {
			j = ipc_reply_ok(w->id, path_pid(c->path, -1));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.started") == 0) {
			j = ipc_reply_ok(w->id, started_result(c->path, c->pid,
			    w->kind));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.start_failed") == 0) {
			j = ipc_reply_error(w->id, IPC_E_FAILED,
			    "%s failed to start: %s", c->path,
			    reason ? reason : "unknown");
		}
		if (j == NULL)
			wp = &w->next;
		else
			waiter_done(ctl, wp, j);
	}
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

size_t
control_request_limit(const struct control *ctl)
{
	return ctl->max_request;
}

static void
handle(struct control *ctl, nng_msg *msg)
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
		    r.req.op)) == NULL)
			reply_err(&r, IPC_E_UNKNOWN_OP, "unknown node op "
			    "\"%.100s\"", r.req.op);
		else
			op->fn(&r);
	} else if ((op = op_find(r.req.op)) == NULL) {
		reply_err(&r, IPC_E_UNKNOWN_OP, "unknown op \"%.100s\"",
		    r.req.op);
	} else {
		char why[512];
		access_identify(&r);
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
		handle(ctl, msg);
		nng_msg_free(msg);
	}
}

/* The socket can take messages again: send what waits, in order. */
static void
send_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	size_t i = 0;

	while (i < ctl->outq_n &&
	    nng_sendmsg(ctl->sock, ctl->outq[i], NNG_FLAG_NONBLOCK) == 0)
		i++;
	memmove(ctl->outq, ctl->outq + i, (ctl->outq_n - i) *
	    sizeof *ctl->outq);
	ctl->outq_n -= i;
	if (ctl->outq_n > 0)
		event_add(ctl->send_ev, NULL);
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
	if (guard_listen(h->guard, ctl->sock, nng_req0_open, ctl->url,
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
	    guard_listen(h->guard, ctl->sock, nng_req0_open, url, 0666, -1,
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
	ctl->send_ev = event_new(h->base, sfd, EV_READ, send_cb, ctl);
	return ctl;
}

void
control_destroy(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->waiters != NULL)
		waiter_done(ctl, &ctl->waiters, NULL);
	op_config_clear(ctl);
	if (ctl->recv_ev != NULL)
		event_free(ctl->recv_ev);
	if (ctl->send_ev != NULL)
		event_free(ctl->send_ev);
	while (ctl->outq_n > 0)
		nng_msg_free(ctl->outq[--ctl->outq_n]);
	free(ctl->outq);
	nng_close(ctl->sock);
	tcp_close();
	free(ctl);
}
