/*
 * The control socket: a raw rep0 socket at ipc://<run_dir>/control.sock
 * watched through NNG_OPT_RECVFD on the loop, so requests are handled on
 * the loop thread and a reply may wait for the outcome (stop replies once
 * the child is dead). Ops are dispatched by table.
 * Its listener is kept alive by guard.c (nng bug #1518).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>

#include "events.h"
#include "guard.h"
#include "herdd.h"
#include "ipc.h"
#include "log.h"
#include "util.h"

#define MAX_WAITERS 4096
/* nng drops bigger messages without a reply; up to it we answer too_large. */
#define NNG_RECV_LIMIT (4 * 1024 * 1024)

enum wait_kind { W_START, W_STOP, W_RESTART };

/* A request whose reply waits for a lifecycle event. */
struct waiter {
	struct waiter *next;
	nng_msg *hdr; /* routing header of the request */
	uint64_t id;
	char *path;
	enum wait_kind kind;
};

struct control {
	struct herdd *h;
	nng_socket sock;
	char url[4200];
	struct event *recv_ev;
	struct waiter *waiters;
	size_t nwaiters;
};

struct request {
	struct control *ctl;
	nng_msg *msg;
	struct ipc_request req;
	int uid;
};

static void reply_json(struct control *ctl, nng_msg *hdr, cJSON *j);

/* ---- replies ---- */

static nng_msg *
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
static void
reply_json(struct control *ctl, nng_msg *hdr, cJSON *j)
{
	char *s = ipc_print(j);

	cJSON_Delete(j);
	nng_msg_append(hdr, s, strlen(s));
	free(s);
	if (nng_sendmsg(ctl->sock, hdr, NNG_FLAG_NONBLOCK) != 0)
		nng_msg_free(hdr);
}

static void
reply_ok(struct request *r, cJSON *result)
{
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_ok(r->req.id,
	    result));
}

static void
reply_err(struct request *r, const char *code, const char *msg)
{
	reply_json(r->ctl, header_copy(r->msg), ipc_reply_error(r->req.id,
	    code, "%s", msg));
}

static void
wait_for(struct request *r, struct child *c, enum wait_kind kind)
{
	struct control *ctl = r->ctl;
	struct waiter *w;

	if (ctl->nwaiters >= MAX_WAITERS) {
		reply_err(r, IPC_E_BUSY, "too many requests waiting");
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->hdr = header_copy(r->msg);
	w->id = r->req.id;
	w->path = xstrdup(c->path);
	w->kind = kind;
	w->next = ctl->waiters;
	ctl->waiters = w;
	ctl->nwaiters++;
}

static cJSON *
path_pid(const char *path, pid_t pid)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "path", path);
	if (pid >= 0)
		cJSON_AddNumberToObject(o, "pid", pid);
	return o;
}

void
control_on_event(struct control *ctl, const char *topic, struct child *c,
    const char *reason)
{
	struct waiter **wp = &ctl->waiters, *w;
	int all = strcmp(topic, "herd.stopping") == 0;
	cJSON *j;

	while ((w = *wp) != NULL) {
		j = NULL;
		if (all) {
			j = ipc_reply_error(w->id, IPC_E_SHUTTING_DOWN,
			    "herdd is shutting down");
		} else if (strcmp(w->path, c->path) != 0) {
			;
		} else if (w->kind == W_STOP && (strcmp(topic,
		    "child.stopped") == 0 || strcmp(topic, "child.exited") == 0)) {
			j = ipc_reply_ok(w->id, path_pid(c->path, -1));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.started") == 0) {
			j = ipc_reply_ok(w->id, path_pid(c->path, c->pid));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.start_failed") == 0) {
			j = ipc_reply_error(w->id, IPC_E_FAILED,
			    "%s failed to start: %s", c->path,
			    reason ? reason : "unknown");
		}
		if (j == NULL) {
			wp = &w->next;
			continue;
		}
		*wp = w->next;
		reply_json(ctl, w->hdr, j);
		free(w->path);
		free(w);
		ctl->nwaiters--;
	}
}

/* ---- ops ---- */

static struct child *
arg_child(struct request *r)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	struct child *c;
	char msg[600];

	if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
		reply_err(r, IPC_E_BAD_REQUEST,
		    "args.name must be a non-empty string");
		return NULL;
	}
	c = tree_find(r->ctl->h->root, name->valuestring);
	if (c == NULL || c == r->ctl->h->root) {
		snprintf(msg, sizeof msg, "no child named \"%.500s\"",
		    name->valuestring);
		reply_err(r, IPC_E_NOT_FOUND, msg);
		return NULL;
	}
	return c;
}

static void
op_ping(struct request *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "pong", "pong");
	reply_ok(r, o);
}

static void
op_version(struct request *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", HERD_VERSION);
	cJSON_AddNumberToObject(o, "protocol", IPC_VERSION);
	reply_ok(r, o);
}

static void
status_add(struct child *c, void *arg)
{
	cJSON *arr = arg, *o = cJSON_CreateObject();
	uint64_t now = mono_ms();

	cJSON_AddStringToObject(o, "path", c->path);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "type",
	    c->type == CONF_SUPERVISOR ? "supervisor" : "worker");
	cJSON_AddNumberToObject(o, "pid", c->pid);
	cJSON_AddStringToObject(o, "state", child_state_name(c->state));
	cJSON_AddNumberToObject(o, "restarts", c->restarts);
	cJSON_AddNumberToObject(o, "uptime_ms",
	    c->state == CH_RUNNING ? (double)(now - c->started_ms) : 0);
	if (c->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", c->reason);
	cJSON_AddItemToArray(arr, o);
}

static int
name_selected(cJSON *names, const char *path)
{
	cJSON *n;
	size_t len;

	cJSON_ArrayForEach(n, names) {
		if (!cJSON_IsString(n))
			continue;
		len = strlen(n->valuestring);
		if (strcmp(n->valuestring, path) == 0 ||
		    (strncmp(n->valuestring, path, len) == 0 &&
		    path[len] == '/'))
			return 1;
	}
	return 0;
}

static void
op_status(struct request *r)
{
	struct herdd *h = r->ctl->h;
	cJSON *res = cJSON_CreateObject(), *arr, *herd, *names, *sel, *c;
	char msg[600];

	names = cJSON_GetObjectItemCaseSensitive(r->req.args, "names");
	if (names != NULL && !cJSON_IsArray(names)) {
		cJSON_Delete(res);
		reply_err(r, IPC_E_BAD_REQUEST, "args.names must be an array");
		return;
	}
	arr = cJSON_AddArrayToObject(res, "children");
	tree_walk(h->root, status_add, arr);
	if (cJSON_GetArraySize(names) > 0) {
		cJSON_ArrayForEach(c, names) {
			if (!cJSON_IsString(c) ||
			    tree_find(h->root, c->valuestring) == NULL) {
				snprintf(msg, sizeof msg, "no child named "
				    "\"%.500s\"", cJSON_IsString(c) ?
				    c->valuestring : "?");
				cJSON_Delete(res);
				reply_err(r, IPC_E_NOT_FOUND, msg);
				return;
			}
		}
		sel = cJSON_CreateArray();
		while ((c = cJSON_DetachItemFromArray(arr, 0)) != NULL) {
			cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "path");
			if (name_selected(names, p->valuestring))
				cJSON_AddItemToArray(sel, c);
			else
				cJSON_Delete(c);
		}
		cJSON_ReplaceItemInObjectCaseSensitive(res, "children", sel);
	}
	herd = cJSON_AddObjectToObject(res, "herd");
	cJSON_AddNumberToObject(herd, "pid", getpid());
	cJSON_AddStringToObject(herd, "version", HERD_VERSION);
	cJSON_AddNumberToObject(herd, "uptime_ms",
	    (double)(mono_ms() - h->started_ms));
	cJSON_AddStringToObject(herd, "state",
	    child_state_name(h->root->state));
	cJSON_AddNumberToObject(herd, "listener_recoveries",
	    guard_recoveries(h->guard));
	reply_ok(r, res);
}

static void
op_cmd(struct request *r, int (*fn)(struct engine *, struct child *,
    const char **, char *, size_t), enum wait_kind kind)
{
	struct child *c = arg_child(r);
	const char *code;
	char cause[512];

	if (c == NULL)
		return;
	if (fn(&r->ctl->h->engine, c, &code, cause, sizeof cause) == -1) {
		reply_err(r, code, cause);
		return;
	}
	/* The child may be gone (a temporary one stopped) or done already. */
	c = tree_find(r->ctl->h->root, cJSON_GetObjectItemCaseSensitive(
	    r->req.args, "name")->valuestring);
	if (kind == W_STOP && (c == NULL || c->state == CH_STOPPED ||
	    c->state == CH_EXITED)) {
		reply_ok(r, path_pid(cJSON_GetObjectItemCaseSensitive(
		    r->req.args, "name")->valuestring, -1));
		return;
	}
	if (kind != W_STOP && c != NULL && c->state == CH_RUNNING) {
		reply_ok(r, path_pid(c->path, c->pid));
		return;
	}
	if (c == NULL) {
		reply_err(r, IPC_E_FAILED, "the child is gone");
		return;
	}
	wait_for(r, c, kind);
}

static void
op_start(struct request *r)
{
	op_cmd(r, engine_cmd_start, W_START);
}

static void
op_stop(struct request *r)
{
	op_cmd(r, engine_cmd_stop, W_STOP);
}

static void
op_restart(struct request *r)
{
	op_cmd(r, engine_cmd_restart, W_RESTART);
}

static void
op_shutdown(struct request *r)
{
	reply_ok(r, NULL);
	engine_shutdown(&r->ctl->h->engine);
}

static void
op_events(struct request *r)
{
	cJSON *since = cJSON_GetObjectItemCaseSensitive(r->req.args, "since");

	if (since != NULL && !cJSON_IsNumber(since)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.since must be a number");
		return;
	}
	reply_ok(r, events_since(r->ctl->h->events,
	    since ? (long long)since->valuedouble : 0));
}

static const struct op {
	const char *name;
	void (*fn)(struct request *);
} ops[] = {
	{ "ping", op_ping },
	{ "version", op_version },
	{ "status", op_status },
	{ "start", op_start },
	{ "stop", op_stop },
	{ "restart", op_restart },
	{ "shutdown", op_shutdown },
	{ "events", op_events },
};

static void
handle(struct control *ctl, nng_msg *msg)
{
	struct request r;
	const char *code;
	char *cause;
	size_t i;

	memset(&r, 0, sizeof r);
	r.ctl = ctl;
	r.msg = msg;
	if (ipc_request_decode(nng_msg_body(msg), nng_msg_len(msg), &r.req,
	    &code, &cause) == -1) {
		reply_err(&r, code, cause);
		free(cause);
		return;
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strcmp(ops[i].name, r.req.op) == 0) {
			ops[i].fn(&r);
			break;
		}
	}
	if (i == sizeof ops / sizeof ops[0]) {
		char m[200];
		snprintf(m, sizeof m, "unknown op \"%.100s\"", r.req.op);
		reply_err(&r, IPC_E_UNKNOWN_OP, m);
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

struct control *
control_create(struct herdd *h, char *cause, size_t len)
{
	struct control *ctl = xcalloc(1, sizeof *ctl);
	int rv, fd;

	ctl->h = h;
	if (ipc_control_url(h->conf->run_dir, ctl->url, sizeof ctl->url) ==
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
	nng_socket_set_size(ctl->sock, NNG_OPT_RECVMAXSZ, NNG_RECV_LIMIT);
	rv = 0;
	if (guard_listen(h->guard, ctl->sock, ctl->url, cause, len) == -1 ||
	    (rv = nng_socket_get_int(ctl->sock, NNG_OPT_RECVFD, &fd)) != 0) {
		if (rv != 0)
			snprintf(cause, len, "recvfd: %s", nng_strerror(rv));
		control_destroy(ctl);
		return NULL;
	}
	ctl->recv_ev = event_new(h->base, fd, EV_READ | EV_PERSIST, recv_cb,
	    ctl);
	event_add(ctl->recv_ev, NULL);
	return ctl;
}

void
control_destroy(struct control *ctl)
{
	struct waiter *w;

	if (ctl == NULL)
		return;
	while ((w = ctl->waiters) != NULL) {
		ctl->waiters = w->next;
		nng_msg_free(w->hdr);
		free(w->path);
		free(w);
	}
	if (ctl->recv_ev != NULL)
		event_free(ctl->recv_ev);
	nng_close(ctl->sock);
	free(ctl);
}
