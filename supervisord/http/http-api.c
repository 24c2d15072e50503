/*
 * /api/v1/OP: the control protocol's ops over HTTP (docs/http.md), made
 * through local.h so that their answers and errors are the control
 * socket's own. GET runs a read-only op with the query's parameters as
 * args; POST runs one of the few changes the listener allows, with a JSON
 * object body as args. The reply is the op's result (200) or its error,
 * with the status its code maps to. /api/v1/tx is the saga
 * coordinator's list of TXs.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "herdd.h"
#include "http-int.h"
#include "local.h"
#include "util.h"

/* Changes a token holder may make over HTTP: what the page's buttons do,
 * on children that exist. Not add_child, spawn, reload or shutdown: a
 * token that leaks must not run new commands as herdd's user, nor stop
 * the node (docs/security.md). */
static const char *const posts[] = {
	"start", "stop", "restart", "terminate", "signal", "reset", NULL,
};

/* A request waiting for its control reply. */
struct pending {
	struct pending *next;
	struct http *http;
	struct evhttp_request *req;
	unsigned long id;
};

static const struct {
	const char *code;
	int status;
} statuses[] = {
	{ "bad_request", 400 }, { "unknown_op", 404 }, { "too_large", 413 },
	{ "bad_version", 400 }, { "not_found", 404 }, { "noproc", 404 },
	{ "refused", 403 }, { "already_started", 409 },
	{ "already_present", 409 }, { "running", 409 },
	{ "restarting", 409 }, { "decided", 409 }, { "calling_self", 409 },
	{ "invalid_config", 422 }, { "shutting_down", 503 },
	{ "busy", 503 }, { "mailbox_full", 503 }, { "timeout", 504 },
};

static int
status_of(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(statuses[i].code, code) == 0)
			return statuses[i].status;
	return 500;
}

static int
post_allowed(const char *op)
{
	size_t i;

	for (i = 0; posts[i] != NULL; i++)
		if (strcmp(posts[i], op) == 0)
			return 1;
	return 0;
}

/* The control reply JSON (LEN bytes) as an HTTP reply to p's request. */
static void
api_reply_cb(void *arg, const char *json, size_t len)
{
	struct pending *p = arg, **pp;
	cJSON *j = cJSON_ParseWithLength(json, len), *res, *err, *code, *o;

	for (pp = &p->http->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	code = cJSON_GetObjectItemCaseSensitive(err, "code");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
		res = cJSON_GetObjectItemCaseSensitive(j, "result");
		o = res != NULL ? res : cJSON_CreateObject();
		http_send_json(p->req, 200, o);
		if (o != res)
			cJSON_Delete(o);
	} else if (cJSON_IsString(code)) {
		/* the error object as the control socket gives it */
		o = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(o, "error", err);
		http_send_json(p->req, status_of(code->valuestring), o);
		cJSON_Delete(o);
	} else {
		http_send_error(p->req, 500, "internal", "no reply from the "
		    "op");
	}
	cJSON_Delete(j);
	free(p);
}

/* A query parameter's value: a JSON number, true, false, array or
 * object when it is one, else the string (quote a name of digits:
 * name="3"). */
static cJSON *
query_value(const char *v)
{
	cJSON *j;

	if (v[0] != '\0' && strchr("-0123456789[{tf\"", v[0]) != NULL &&
	    (j = cJSON_Parse(v)) != NULL) {
		if (!cJSON_IsString(j) || v[0] == '"')
			return j;
		cJSON_Delete(j);
	}
	return cJSON_CreateString(v);
}

/* GET's args from the query; NULL with the reply sent when bad. */
static cJSON *
query_args(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = evhttp_uri_get_query(uri);
	struct evkeyvalq kv;
	struct evkeyval *e;
	cJSON *args = cJSON_CreateObject();

	if (q == NULL)
		return args;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(q, &kv) != 0) {
		evhttp_clear_headers(&kv);
		cJSON_Delete(args);
		http_send_error(req, 400, "bad_request", "the query string "
		    "cannot be decoded");
		return NULL;
	}
	TAILQ_FOREACH(e, &kv, next)
		if (cJSON_GetObjectItemCaseSensitive(args, e->key) == NULL)
			cJSON_AddItemToObject(args, e->key,
			    query_value(e->value));
	evhttp_clear_headers(&kv);
	return args;
}

/* POST's args: the body, a JSON object; NULL with the reply sent when
 * bad. */
static cJSON *
body_args(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	const char *text;
	cJSON *args;

	if (n == 0)
		return cJSON_CreateObject();
	text = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
	args = cJSON_ParseWithLength(text, n);
	if (!cJSON_IsObject(args)) {
		cJSON_Delete(args);
		http_send_error(req, 400, "bad_request", "the body must be a "
		    "JSON object of the op's args");
		return NULL;
	}
	return args;
}

static void
api_ops(struct evhttp_request *req)
{
	static const char *const reads[] = {
		"ping", "version", "status", "events", "logs", "config_path",
		"diff", "actors", "inspect", "stats", NULL,
	};
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	a = cJSON_AddArrayToObject(o, "get");
	for (i = 0; reads[i] != NULL; i++)
		if (control_op_mutating(reads[i]) == 0)
			cJSON_AddItemToArray(a, cJSON_CreateString(reads[i]));
	cJSON_AddItemToArray(a, cJSON_CreateString("tx"));
	a = cJSON_AddArrayToObject(o, "post");
	for (i = 0; posts[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(posts[i]));
	http_send_json(req, 200, o);
	cJSON_Delete(o);
}

/* Sends OP with ARGS (taken) for req; the reply comes to api_reply_cb. */
static void
api_run(struct http *http, struct evhttp_request *req, const char *op,
    cJSON *args)
{
	struct pending *p = xcalloc(1, sizeof *p);
	unsigned long id;

	p->http = http;
	p->req = req;
	p->next = http->pending;
	http->pending = p;
	id = control_local(http->h->control, op, args, api_reply_cb, p);
	if (id != 0)
		p->id = id; /* waits: p is freed by api_reply_cb when it comes */
}

/* /api/v1/tx: the saga coordinator's TXs (herdctl tx list), a call to
 * the actor herd.tx: read-only, though the control op "call" is not. */
static void
api_tx(struct http *http, struct evhttp_request *req)
{
	cJSON *args = cJSON_CreateObject(), *msg;

	cJSON_AddStringToObject(args, "name", "herd.tx");
	msg = cJSON_AddObjectToObject(args, "msg");
	cJSON_AddStringToObject(msg, "op", "list");
	cJSON_AddNumberToObject(args, "timeout_ms", 3000);
	api_run(http, req, "call", args);
}

void
http_api(struct http *http, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *op = evhttp_uri_get_path(uri) + strlen("/api/v1/");
	int post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	int mutating = control_op_mutating(op);
	cJSON *args;

	if (strcmp(op, "ops") == 0 && !post) {
		api_ops(req);
		return;
	}
	if (strcmp(op, "tx") == 0 && !post) {
		/* a call to an actor: not for public_read's anyone */
		if (!http_has_token(http, req, 0)) {
			http_send_error(req, 401, "unauthorized", "/api/v1/tx "
			    "needs the token, public_read or not");
			return;
		}
		api_tx(http, req);
		return;
	}
	if (mutating == -1) {
		http_send_error(req, 404, "unknown_op", "no op \"%.100s\" "
		    "(see /api/v1/ops)", op);
		return;
	}
	if (mutating && !post_allowed(op)) {
		http_send_error(req, 403, "refused", "\"%s\" is not offered "
		    "over HTTP (herdctl does it)", op);
		return;
	}
	if (mutating != post) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", mutating ? "POST" : "GET, HEAD");
		http_send_error(req, 405, "method_not_allowed", "\"%s\" takes "
		    "%s", op, mutating ? "POST" : "GET");
		return;
	}
	if ((args = post ? body_args(req) : query_args(req)) == NULL)
		return;
	if (post && !http_spend(http, &http->changes, req)) {
		cJSON_Delete(args);
		return;
	}
	api_run(http, req, op, args);
}

int
http_api_waits_on(struct http *http, int fd)
{
	struct evhttp_connection *c;
	struct pending *p;

	for (p = http->pending; p != NULL; p = p->next)
		if ((c = evhttp_request_get_connection(p->req)) != NULL &&
		    bufferevent_getfd(evhttp_connection_get_bufferevent(c)) ==
		    fd)
			return 1;
	return 0;
}

void
http_api_close_all(struct http *http)
{
	struct pending *p;

	while ((p = http->pending) != NULL) {
		http->pending = p->next;
		control_local_cancel(http->h->control, p->id);
		http_send_error(p->req, 503, "shutting_down", "herdd is "
		    "shutting down");
		free(p);
	}
}
