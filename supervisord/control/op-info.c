/* Read-only control ops: ping, version, status, events, logs, config_path. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "control.h"
#include "events.h"
#include "guard.h"
#include "jsonbuf.h"
#include "util.h"

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
	cJSON_AddNumberToObject(o, "max_request_bytes",
	    (double)control_request_limit(r->ctl));
	reply_ok(r, o);
}

struct status_walk {
	struct jsonbuf *b;
	cJSON *names; /* NULL: all */
	uint64_t now;
	int n;
};

/* Whether path is one of names or below one of them. */
static int
selected(cJSON *names, const char *path)
{
	cJSON *n;
	size_t len;

	cJSON_ArrayForEach(n, names) {
		len = strlen(n->valuestring);
		if (strncmp(n->valuestring, path, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			return 1;
	}
	return 0;
}

static void
status_add(struct child *c, void *arg)
{
	struct status_walk *w = arg;
	struct jsonbuf *b = w->b;

	if (w->names != NULL && !selected(w->names, c->path))
		return;
	jb_lit(b, w->n++ ? ",{" : "{");
	jb_key(b, "path", 1);
	jb_str(b, c->path);
	jb_key(b, "name", 0);
	jb_str(b, c->name);
	jb_key(b, "type", 0);
	jb_lit(b, c->type == CONF_SUPERVISOR ? "\"supervisor\"" :
	    "\"worker\"");
	jb_key(b, "pid", 0);
	jb_int(b, c->pid);
	jb_key(b, "state", 0);
	jb_str(b, child_state_name(c->state));
	jb_key(b, "restarts", 0);
	jb_int(b, c->restarts);
	jb_key(b, "uptime_ms", 0);
	jb_int(b, c->state == CH_RUNNING ? (long long)(w->now -
	    c->started_ms) : 0);
	if (c->reason[0] != '\0') {
		jb_key(b, "reason", 0);
		jb_str(b, c->reason);
	}
	if (c->detail[0] != '\0') {
		jb_key(b, "detail", 0);
		jb_str(b, c->detail);
	}
	if (c->exited_at != 0) {
		jb_key(b, "exited_at_ms", 0);
		jb_int(b, (long long)c->exited_at);
	}
	if (c->state == CH_RESTARTING && driver_retry_due(c) != 0) {
		jb_key(b, "next_start_at_ms", 0);
		jb_int(b, (long long)driver_retry_due(c));
	}
	if (c->sup != NULL) {
		jb_key(b, "strategy", 0);
		jb_str(b, conf_strategy_name(c->sup->strategy));
	}
	jb_lit(b, "}");
}

/* The temporary children that ended, oldest first (ended.c). */
static void
status_ended(struct herdd *h, struct jsonbuf *b)
{
	size_t i, k, n = 0;
	const struct ended *e;

	for (k = 0; k < ENDED_MAX; k++) {
		i = (h->gone_next + k) % ENDED_MAX;
		e = &h->gone[i];
		if (e->path == NULL)
			continue;
		jb_lit(b, n++ ? ",{" : "{");
		jb_key(b, "path", 1);
		jb_str(b, e->path);
		jb_key(b, "reason", 0);
		jb_str(b, e->reason);
		jb_key(b, "ended_at_ms", 0);
		jb_int(b, (long long)e->at_ms);
		jb_lit(b, "}");
	}
}

/* Written as text, not as a cJSON tree: status of 10,000 children is the
 * hot control op (jsonbuf.h). */
static void
op_status(struct request *r)
{
	struct herdd *h = r->h;
	struct status_walk w = { NULL, NULL, mono_ms(), 0 };
	struct jsonbuf b = { 0 };
	uint64_t accepted, refused;
	size_t open_conns;
	cJSON *n;

	w.names = cJSON_GetObjectItemCaseSensitive(r->req.args, "names");
	if (w.names != NULL && !cJSON_IsArray(w.names)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.names must be an array "
		    "of child paths");
		return;
	}
	if (cJSON_GetArraySize(w.names) == 0)
		w.names = NULL;
	cJSON_ArrayForEach(n, w.names) {
		if (!cJSON_IsString(n)) {
			reply_err(r, IPC_E_BAD_REQUEST, "args.names must be "
			    "an array of child paths");
			return;
		}
		if (tree_find(h->root, n->valuestring) == NULL) {
			reply_err(r, IPC_E_NOT_FOUND, "no child named \"%.500s\"",
			    n->valuestring);
			return;
		}
	}
	w.b = &b;
	jb_lit(&b, "{\"children\":[");
	tree_walk(h->root, status_add, &w);
	jb_lit(&b, "],\"ended\":[");
	status_ended(h, &b);
	jb_lit(&b, "],\"herd\":{");
	jb_key(&b, "pid", 1);
	jb_int(&b, getpid());
	jb_key(&b, "version", 0);
	jb_str(&b, HERD_VERSION);
	jb_key(&b, "uptime_ms", 0);
	jb_int(&b, (long long)(w.now - h->started_ms));
	jb_key(&b, "state", 0);
	jb_str(&b, h->engine.shutting_down ? "stopping" :
	    child_state_name(h->root->state));
	jb_key(&b, "config", 0);
	jb_str(&b, h->conf->path);
	jb_key(&b, "listener_recoveries", 0);
	jb_int(&b, guard_recoveries(h->guard));
	open_conns = admit_count(&accepted, &refused);
	jb_key(&b, "connections", 0);
	jb_int(&b, (long long)open_conns);
	jb_key(&b, "connections_accepted", 0);
	jb_int(&b, (long long)accepted);
	jb_key(&b, "connections_refused", 0);
	jb_int(&b, (long long)refused);
	jb_lit(&b, "}}");
	reply_ok_text(r, b.s, b.len);
	jb_free(&b);
}

static void
op_events(struct request *r)
{
	cJSON *since = cJSON_GetObjectItemCaseSensitive(r->req.args, "since");

	if (since != NULL && !cJSON_IsNumber(since)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.since must be a number");
		return;
	}
	/* clamped: a double beyond long long's range does not convert
	 * (found by fuzz_control) */
	reply_ok(r, events_since(r->h->events, since == NULL ? 0 :
	    since->valuedouble >= 9e18 ? LLONG_MAX :
	    since->valuedouble <= -9e18 ? -1 : (long long)since->valuedouble));
}

static void
add_log(cJSON *o, const char *key, struct herdd *h, const char *path,
    enum conf_output mode, const char *stream)
{
	char *p;

	if (mode != CONF_OUT_LOG) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	p = xprintf("%s/%s.%s.log", h->conf->log_dir, path, stream);
	cJSON_AddStringToObject(o, key, p);
	free(p);
}

static void
op_logs(struct request *r)
{
	cJSON *name = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	const struct ended *e;
	struct child *c;
	cJSON *o;

	/* a temporary child that ended: its files are still there */
	if (cJSON_IsString(name) && tree_find(r->h->root,
	    name->valuestring) == NULL && (e = ended_find(r->h,
	    name->valuestring)) != NULL) {
		o = path_pid(e->path, -1);
		add_log(o, "stdout", r->h, e->path, e->spec->out, "stdout");
		add_log(o, "stderr", r->h, e->path, e->spec->err, "stderr");
		reply_ok(r, o);
		return;
	}
	if ((c = arg_child(r)) == NULL)
		return;
	if (c->spec == NULL || c->type != CONF_WORKER) {
		reply_err(r, IPC_E_BAD_REQUEST, "%s is a supervisor: it has "
		    "no output of its own", c->path);
		return;
	}
	o = path_pid(c->path, -1);
	add_log(o, "stdout", r->h, c->path, c->spec->out, "stdout");
	add_log(o, "stderr", r->h, c->path, c->spec->err, "stderr");
	reply_ok(r, o);
}

static void
op_config_path(struct request *r)
{
	cJSON *o = cJSON_CreateObject();
	char *abs = realpath(r->h->conf->path, NULL);

	/* absolute: herdctl may run in another directory */
	cJSON_AddStringToObject(o, "path", abs ? abs : r->h->conf->path);
	free(abs);
	reply_ok(r, o);
}

const struct op op_info_table[] = {
	{ "ping", 0, op_ping },
	{ "version", 0, op_version },
	{ "status", 0, op_status },
	{ "events", 0, op_events },
	{ "logs", 0, op_logs },
	{ "config_path", 0, op_config_path },
};
const size_t op_info_count = sizeof op_info_table / sizeof op_info_table[0];
