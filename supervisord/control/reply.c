/*
 * Replies on the control socket, for the ops and the actor registry:
 * sent at once when nng takes them, else queued in order until the
 * socket can take more (reply_send_cb). Lower than control.c, which only
 * dispatches: nothing here calls back into it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <nng/nng.h>

#include "control.h"
#include "util.h"

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

void
reply_json_op(struct control *ctl, nng_msg *hdr, cJSON *j, const char *op)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");

	reply_count(ctl, op, cJSON_IsString(code) ? code->valuestring : "ok");
	reply_json(ctl, hdr, j);
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
	if (local_is(hdr)) {
		local_deliver(ctl, hdr);
		return;
	}
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
	reply_count(r->ctl, r->op_name, "ok");
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_ok(r->req.id,
	    result));
}

void
reply_ok_text(struct request *r, const char *result, size_t len)
{
	char head[96];
	nng_msg *hdr = header_copy(r->msg);
	int n;

	reply_count(r->ctl, r->op_name, "ok");
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
	reply_count(r->ctl, r->op_name, code);
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_error(r->req.id,
	    code, "%s", msg));
	free(msg);
}

void
reply_err_list(struct request *r, const char *code, const char *msg,
    cJSON *errors)
{
	cJSON *j = ipc_reply_error(r->req.id, code, "%s", msg);

	reply_count(r->ctl, r->op_name, code);
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

/* The socket can take messages again: send what waits, in order. */
void
reply_send_cb(evutil_socket_t fd, short what, void *arg)
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
