/* Control ops that act on one child: start, stop, terminate, restart,
 * add_child, delete, spawn, signal (SEMANTICS.md rules 13 and 14). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "control.h"
#include "node.h"
#include "util.h"

typedef int (*engine_cmd)(struct engine *, struct child *, const char **,
    char *, size_t);

static void
free_argv(char **argv)
{
	char **p;

	for (p = argv; p != NULL && *p != NULL; p++)
		free(*p);
	free(argv);
}

/* After a command: replies now if its outcome is settled already. */
static void
settle(struct request *r, unsigned long w, const char *path,
    enum wait_kind kind)
{
	struct control *ctl = r->ctl;
	struct child *c;

	if (!wait_pending(ctl, w))
		return; /* a synchronous event answered it */
	c = tree_find(r->h->root, path); /* may be gone: temporary, pool */
	if (kind == W_STOP && (c == NULL || c->state == CH_STOPPED ||
	    c->state == CH_EXITED))
		wait_end(ctl, w, path_pid(path, -1), NULL, NULL);
	else if (kind != W_STOP && c != NULL && c->state == CH_RUNNING)
		wait_end(ctl, w, started_result(path, c->pid, kind), NULL,
		    NULL);
	else if (c == NULL)
		wait_end(ctl, w, NULL, IPC_E_FAILED, "the child is gone");
}

/* The pid an error names: the running child's, for already_started. */
static pid_t
refused_pid(const char *code, const struct child *c)
{
	if (c == NULL || strcmp(code, IPC_E_ALREADY_STARTED) != 0)
		return 0;
	return c->pid;
}

/*
 * Runs cmd on c, replying when the outcome is known: at once when the
 * command failed or settled synchronously, else on the event that ends it.
 * The waiter is registered first so no synchronous event is missed.
 */
static void
run_cmd_path(struct request *r, const char *path, struct child *c,
    engine_cmd cmd, enum wait_kind kind)
{
	char cause[512];
	const char *code;
	unsigned long w;

	if ((w = wait_begin(r, path, kind)) == 0)
		return;
	if (cmd(&r->h->engine, c, &code, cause, sizeof cause) == -1)
		wait_fail(r->ctl, w, code, cause, refused_pid(code, c));
	else
		settle(r, w, path, kind);
}

static void
run_cmd(struct request *r, struct child *c, engine_cmd cmd,
    enum wait_kind kind)
{
	char *path = xstrdup(c->path);

	run_cmd_path(r, path, c, cmd, kind);
	free(path);
}

static void
op_start(struct request *r)
{
	struct child *c = arg_child(r);

	if (c != NULL)
		run_cmd(r, c, engine_cmd_start, W_START);
}

static void
op_stop(struct request *r)
{
	struct child *c = arg_child(r);

	if (c != NULL)
		run_cmd(r, c, engine_cmd_stop, W_STOP);
}

struct pid_search {
	pid_t pid;
	struct child *found;
};

static void
find_pid(struct child *c, void *arg)
{
	struct pid_search *ps = arg;

	if (c->type == CONF_WORKER && c->pid == ps->pid)
		ps->found = c;
}

/* terminate by name, or by pid (a pool instance, rule 14). */
static void
op_terminate(struct request *r)
{
	cJSON *pid = cJSON_GetObjectItemCaseSensitive(r->req.args, "pid");
	struct pid_search ps = { 0, NULL };

	if (pid == NULL) {
		op_stop(r);
		return;
	}
	if (!cJSON_IsNumber(pid) || pid->valuedouble < 1) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.pid must be a positive "
		    "integer");
		return;
	}
	ps.pid = (pid_t)pid->valuedouble;
	tree_walk(r->h->root, find_pid, &ps);
	if (ps.found == NULL) {
		reply_err(r, IPC_E_NOT_FOUND, "no child has pid %d",
		    (int)ps.pid);
		return;
	}
	run_cmd(r, ps.found, engine_cmd_stop, W_STOP);
}

static void
op_restart(struct request *r)
{
	cJSON *force = cJSON_GetObjectItemCaseSensitive(r->req.args, "force");
	struct child *c;

	if (force != NULL && !cJSON_IsBool(force)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.force must be true or "
		    "false");
		return;
	}
	if ((c = arg_child(r)) == NULL)
		return;
	run_cmd(r, c, cJSON_IsTrue(force) ? engine_cmd_cycle :
	    engine_cmd_restart, W_START);
}

static void
op_delete(struct request *r)
{
	struct child *c = arg_child(r);
	char cause[512], *path;
	const char *code;

	if (c == NULL)
		return;
	path = xstrdup(c->path);
	if (engine_cmd_delete(&r->h->engine, c, &code, cause, sizeof cause) ==
	    -1)
		reply_err(r, code, "%s", cause);
	else {
		driver_fleet_changed(r->h);
		reply_ok(r, path_pid(path, -1));
	}
	free(path);
}

/* The supervisor node named by args[key] ("" or absent: the root). */
static struct child *
arg_sup(struct request *r, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(r->req.args, key);
	struct child *c;

	if (v == NULL || (cJSON_IsString(v) && (v->valuestring[0] == '\0' ||
	    strcmp(v->valuestring, ".") == 0)))
		return r->h->root;
	if (!cJSON_IsString(v)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.%s must be a supervisor "
		    "path", key);
		return NULL;
	}
	c = tree_find(r->h->root, v->valuestring);
	if (c == NULL) {
		reply_err(r, IPC_E_NOT_FOUND, "no supervisor named \"%.500s\"",
		    v->valuestring);
		return NULL;
	}
	if (c->sup == NULL) {
		reply_err(r, IPC_E_BAD_REQUEST, "%s is a worker, not a "
		    "supervisor", c->path);
		return NULL;
	}
	return c;
}

static void
op_add_child(struct request *r)
{
	cJSON *child = cJSON_GetObjectItemCaseSensitive(r->req.args, "child");
	struct conf_errors errs = { 0 };
	struct conf_child *spec;
	struct child *sup, *c;
	char cause[512], *text, *path;
	const char *code;
	unsigned long w;
	cJSON *list;
	size_t i;
	int rc;

	if ((sup = arg_sup(r, "supervisor")) == NULL)
		return;
	if (!cJSON_IsObject(child)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.child must be a child "
		    "object, as in a \"children\" array");
		return;
	}
	text = cJSON_Print(child);
	rc = conf_child_parse("child", text, strlen(text), &spec, &errs);
	free(text);
	if (rc == -1) {
		list = cJSON_CreateArray();
		for (i = 0; i < errs.n; i++)
			cJSON_AddItemToArray(list,
			    cJSON_CreateString(errs.msgs[i]));
		reply_err_list(r, IPC_E_BAD_REQUEST, errs.n > 0 ?
		    errs.msgs[0] : "invalid child", list);
		conf_errors_clear(&errs);
		return;
	}
	if (access_child_user(r, spec, cause, sizeof cause) == -1) {
		reply_err(r, IPC_E_REFUSED, "%s", cause);
		conf_child_free(spec);
		return;
	}
	path = sup->path[0] ? xprintf("%s/%s", sup->path, spec->name) :
	    xstrdup(spec->name);
	if (cgroup_fits_child(spec, path, cause, sizeof cause) == -1) {
		reply_err(r, IPC_E_BAD_REQUEST, "%s", cause);
		conf_child_free(spec);
		free(path);
		return;
	}
	if ((w = wait_begin(r, path, W_START)) != 0) {
		if (engine_cmd_add(&r->h->engine, sup, spec, &c, &code, cause,
		    sizeof cause) == -1) {
			wait_fail(r->ctl, w, code, cause, refused_pid(code,
			    sup->sup != NULL ? tree_child(sup->sup,
			    spec->name) : NULL));
			conf_child_free(spec);
		} else {
			ended_forget(r->h, path); /* a child again */
			driver_fleet_changed(r->h);
			settle(r, w, path, W_START);
		}
	} else {
		conf_child_free(spec);
	}
	free(path);
}

/* Whether NAME may name a new instance of a pool (and, for an actor, be
 * its registered name); if not, r is answered why. */
static int
instance_name_ok(struct request *r, const char *name)
{
	const char *why = conf_name_problem(name);

	if (why != NULL)
		reply_err(r, IPC_E_BAD_REQUEST, "args.name must be %s", why);
	else if (strspn(name, "0123456789") == strlen(name))
		reply_err(r, IPC_E_BAD_REQUEST, "args.name cannot be a number "
		    "(instances without a name are numbered)");
	else if (node_find(r->h->node, name) != NULL ||
	    tree_find(r->h->root, name) != NULL)
		reply_err(r, IPC_E_REFUSED, "the name \"%s\" is taken", name);
	else
		return 1;
	return 0;
}

static void
op_spawn(struct request *r)
{
	cJSON *args = cJSON_GetObjectItemCaseSensitive(r->req.args, "args");
	cJSON *jname = cJSON_GetObjectItemCaseSensitive(r->req.args, "name");
	const char *name = NULL;
	struct child *pool, *c;
	struct run_as as = { 0, 0, 0 };
	char cause[512], *path, **argv = NULL;
	const char *code;
	unsigned long w;
	cJSON *a;
	size_t n = 0;

	pool = tree_find(r->h->root, cJSON_IsString(cJSON_GetObjectItem(
	    r->req.args, "pool")) ? cJSON_GetObjectItem(r->req.args,
	    "pool")->valuestring : "");
	if (pool == NULL) {
		reply_err(r, IPC_E_NOT_FOUND, "no pool named \"%.500s\"",
		    cJSON_IsString(cJSON_GetObjectItem(r->req.args, "pool")) ?
		    cJSON_GetObjectItem(r->req.args, "pool")->valuestring : "");
		return;
	}
	if (pool->sup == NULL ||
	    pool->sup->strategy != CONF_SIMPLE_ONE_FOR_ONE) {
		reply_err(r, IPC_E_REFUSED, "%s is not a simple_one_for_one "
		    "pool", pool->path);
		return;
	}
	if (args != NULL && !cJSON_IsArray(args)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.args must be an array of "
		    "strings");
		return;
	}
	if (jname != NULL && !cJSON_IsNull(jname)) {
		if (!cJSON_IsString(jname)) {
			reply_err(r, IPC_E_BAD_REQUEST, "args.name must be a "
			    "string");
			return;
		}
		name = jname->valuestring;
		if (!instance_name_ok(r, name))
			return;
	}
	if (pool->sup->spec->nchildren == 1 &&
	    access_spawn_user(r, pool->sup->spec->children[0], &as, cause,
	    sizeof cause) == -1) {
		reply_err(r, IPC_E_REFUSED, "%s", cause);
		return;
	}
	cJSON_ArrayForEach(a, args) {
		if (!cJSON_IsString(a)) {
			reply_err(r, IPC_E_BAD_REQUEST, "args.args must be an "
			    "array of strings");
			return;
		}
		n++;
	}
	if (n > 0) {
		argv = xcalloc(n + 1, sizeof *argv);
		n = 0;
		cJSON_ArrayForEach(a, args)
			argv[n++] = xstrdup(a->valuestring);
	}
	path = name != NULL ? xprintf("%s/%s", pool->path, name) :
	    xprintf("%s/%u", pool->path, pool->sup->next_instance + 1);
	if ((w = wait_begin(r, path, W_SPAWN)) == 0) {
		free_argv(argv);
	} else if (engine_cmd_spawn(&r->h->engine, pool, name, argv, &as, &c,
	    &code, cause, sizeof cause) == -1) {
		free_argv(argv);
		wait_end(r->ctl, w, NULL, code, cause);
	} else {
		driver_fleet_changed(r->h);
		settle(r, w, path, W_SPAWN);
	}
	free(path);
}

/* A signal by name ("TERM", "SIGTERM", any case) or number; -1 if none. */
static int
parse_signal(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble >= 1 && v->valuedouble < NSIG ?
		    (int)v->valuedouble : -1;
	return cJSON_IsString(v) ? ipc_signal_parse(v->valuestring) : -1;
}

static void
op_signal(struct request *r)
{
	cJSON *sv = cJSON_GetObjectItemCaseSensitive(r->req.args, "signal");
	struct child *c;
	cJSON *o;
	char name[32];
	int sig;

	if ((sig = parse_signal(sv)) == -1) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.signal must be a signal "
		    "name (TERM, SIGHUP, ...) or number");
		return;
	}
	if ((c = arg_child(r)) == NULL)
		return;
	if (c->type != CONF_WORKER || c->pid <= 0) {
		reply_err(r, IPC_E_REFUSED, "%s has no running process",
		    c->path);
		return;
	}
	r->h->engine.ops->kill(r->h->engine.ctx, c, sig);
	o = path_pid(c->path, c->pid);
	cJSON_AddStringToObject(o, "signal", signal_name(sig, name,
	    sizeof name));
	reply_ok(r, o);
}

/* reset {name} or {"all":true}: restart counters, backoff and intensity
 * windows cleared (issue 12); the children are not touched otherwise. */
static void
op_reset(struct request *r)
{
	cJSON *all = cJSON_GetObjectItemCaseSensitive(r->req.args, "all");
	struct child *c;
	cJSON *o;
	size_t n;

	if (cJSON_IsTrue(all))
		c = r->h->root;
	else if ((c = arg_child(r)) == NULL)
		return;
	n = engine_cmd_reset(&r->h->engine, c);
	o = path_pid(c->path, -1);
	cJSON_AddNumberToObject(o, "reset", (double)n);
	reply_ok(r, o);
}

const struct op op_child_table[] = {
	{ "start", 1, op_start },
	{ "stop", 1, op_stop },
	{ "terminate", 1, op_terminate },
	{ "restart", 1, op_restart },
	{ "add_child", 1, op_add_child },
	{ "delete", 1, op_delete },
	{ "spawn", 1, op_spawn },
	{ "signal", 1, op_signal },
	{ "reset", 1, op_reset },
};
const size_t op_child_count = sizeof op_child_table / sizeof op_child_table[0];
