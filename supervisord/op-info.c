/* Read-only control ops: ping, version, status, events, logs, config_path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "events.h"
#include "guard.h"
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
	reply_ok(r, o);
}

struct status_walk {
	cJSON *arr;
	cJSON *names; /* NULL: all */
	uint64_t now;
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
	cJSON *o;

	if (w->names != NULL && !selected(w->names, c->path))
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", c->path);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "type",
	    c->type == CONF_SUPERVISOR ? "supervisor" : "worker");
	cJSON_AddNumberToObject(o, "pid", c->pid);
	cJSON_AddStringToObject(o, "state", child_state_name(c->state));
	cJSON_AddNumberToObject(o, "restarts", c->restarts);
	cJSON_AddNumberToObject(o, "uptime_ms",
	    c->state == CH_RUNNING ? (double)(w->now - c->started_ms) : 0);
	if (c->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", c->reason);
	if (c->sup != NULL)
		cJSON_AddStringToObject(o, "strategy",
		    conf_strategy_name(c->sup->strategy));
	cJSON_AddItemToArray(w->arr, o);
}

static void
op_status(struct request *r)
{
	struct herdd *h = r->h;
	struct status_walk w = { NULL, NULL, mono_ms() };
	cJSON *res, *herd, *n;

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
	res = cJSON_CreateObject();
	w.arr = cJSON_AddArrayToObject(res, "children");
	tree_walk(h->root, status_add, &w);
	herd = cJSON_AddObjectToObject(res, "herd");
	cJSON_AddNumberToObject(herd, "pid", getpid());
	cJSON_AddStringToObject(herd, "version", HERD_VERSION);
	cJSON_AddNumberToObject(herd, "uptime_ms",
	    (double)(w.now - h->started_ms));
	cJSON_AddStringToObject(herd, "state",
	    h->engine.shutting_down ? "stopping" :
	    child_state_name(h->root->state));
	cJSON_AddStringToObject(herd, "config", h->conf->path);
	cJSON_AddNumberToObject(herd, "listener_recoveries",
	    guard_recoveries(h->guard));
	reply_ok(r, res);
}

static void
op_events(struct request *r)
{
	cJSON *since = cJSON_GetObjectItemCaseSensitive(r->req.args, "since");

	if (since != NULL && !cJSON_IsNumber(since)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.since must be a number");
		return;
	}
	reply_ok(r, events_since(r->h->events,
	    since ? (long long)since->valuedouble : 0));
}

static void
add_log(cJSON *o, const char *key, struct herdd *h, struct child *c,
    enum conf_output mode, const char *stream)
{
	char *p;

	if (mode != CONF_OUT_LOG) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	p = xprintf("%s/%s.%s.log", h->conf->log_dir, c->path, stream);
	cJSON_AddStringToObject(o, key, p);
	free(p);
}

static void
op_logs(struct request *r)
{
	struct child *c = arg_child(r);
	cJSON *o;

	if (c == NULL)
		return;
	if (c->spec == NULL || c->type != CONF_WORKER) {
		reply_err(r, IPC_E_BAD_REQUEST, "%s is a supervisor: it has "
		    "no output of its own", c->path);
		return;
	}
	o = path_pid(c->path, -1);
	add_log(o, "stdout", r->h, c, c->spec->out, "stdout");
	add_log(o, "stderr", r->h, c, c->spec->err, "stderr");
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
