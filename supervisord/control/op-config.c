/* Control ops on the config: reload (apply the file's changes) and diff
 * (what a reload would do). A reload's reply waits until every change is
 * applied and says, change by change, what was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "util.h"

/* A reload request waiting for config.reloaded. */
struct reload_wait {
	nng_msg *hdr;
	uint64_t id;
	cJSON *result;  /* config, changes, notes; "applied" added at the end */
	cJSON *failed;  /* path -> reason of the starts that failed */
};

/* Loads the config file again; on errors replies invalid_config with every
 * message and returns NULL. */
static struct conf *
load_new(struct request *r)
{
	struct conf_errors errs = { 0 };
	struct conf *nc;
	cJSON *list;
	char msg[4200];
	size_t i;

	if (conf_load(r->h->conf->path, &nc, &errs) == 0) {
		conf_override_dirs(nc, r->h->run_dir_arg, r->h->log_dir_arg);
		if (cgroup_fits(&nc->root, "", msg, sizeof msg) == 0)
			return nc;
		/* valid, but not on this machine */
		conf_free(nc);
		list = cJSON_CreateArray();
		cJSON_AddItemToArray(list, cJSON_CreateString(msg));
		reply_err_list(r, IPC_E_INVALID_CONFIG, msg, list);
		return NULL;
	}
	list = cJSON_CreateArray();
	for (i = 0; i < errs.n; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(errs.msgs[i]));
	snprintf(msg, sizeof msg, "%zu error%s in %s; nothing changed",
	    errs.n, errs.n == 1 ? "" : "s", r->h->conf->path);
	reply_err_list(r, IPC_E_INVALID_CONFIG, msg, list);
	conf_errors_clear(&errs);
	return NULL;
}

/* "values": {FIELD: {"old": V, "new": V}} as the two files spell them
 * (null: not given, its default), for each of FIELDS ("a, b"). */
static void
add_values(cJSON *e, const struct conf *old, const struct conf *nc,
    const char *path, const char *fields)
{
	cJSON *vals = cJSON_AddObjectToObject(e, "values");
	char *list = xstrdup(fields), *f, *save = NULL;

	for (f = strtok_r(list, ", ", &save); f != NULL;
	    f = strtok_r(NULL, ", ", &save)) {
		char *was, *now;
		cJSON *o = cJSON_AddObjectToObject(vals, f);
		conf_field_values(old, nc, path, f, &was, &now);
		cJSON_AddItemToObject(o, "old", was ? cJSON_Parse(was) :
		    cJSON_CreateNull());
		cJSON_AddItemToObject(o, "new", now ? cJSON_Parse(now) :
		    cJSON_CreateNull());
		cJSON_free(was);
		cJSON_free(now);
	}
	free(list);
}

/* {"config", "changes":[...], "notes":[...]} for old -> new. */
static cJSON *
diff_json(const char *path, const struct conf *old, const struct conf *nc)
{
	struct conf_diff d = { 0 };
	cJSON *o = cJSON_CreateObject(), *arr, *e;
	size_t i;

	conf_diff(old, nc, &d);
	cJSON_AddStringToObject(o, "config", path);
	arr = cJSON_AddArrayToObject(o, "changes");
	for (i = 0; i < d.n; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "path", d.v[i].path);
		cJSON_AddStringToObject(e, "change",
		    conf_change_name(d.v[i].change));
		if (d.v[i].fields != NULL) {
			cJSON_AddStringToObject(e, "fields", d.v[i].fields);
			add_values(e, old, nc, d.v[i].path, d.v[i].fields);
		}
		cJSON_AddItemToArray(arr, e);
	}
	arr = cJSON_AddArrayToObject(o, "notes");
	for (i = 0; i < d.nnotes; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(d.notes[i]));
	conf_diff_clear(&d);
	return o;
}

static void
op_diff(struct request *r)
{
	struct conf *nc = load_new(r);

	if (nc == NULL)
		return;
	reply_ok(r, diff_json(r->h->conf->path, r->h->conf, nc));
	conf_free(nc);
}

/* Builds "applied" from the changes and the failures seen; replies. */
static void
reload_reply(struct control *ctl)
{
	struct reload_wait *rw = ctl->reload;
	cJSON *applied, *ch, *e, *why;
	const char *path;

	ctl->reload = NULL;
	applied = cJSON_AddArrayToObject(rw->result, "applied");
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(rw->result,
	    "changes")) {
		path = cJSON_GetObjectItemCaseSensitive(ch, "path")->valuestring;
		e = cJSON_Duplicate(ch, 1);
		why = cJSON_GetObjectItemCaseSensitive(rw->failed, path);
		cJSON_AddBoolToObject(e, "ok", why == NULL);
		if (why != NULL)
			cJSON_AddStringToObject(e, "error", why->valuestring);
		cJSON_AddItemToArray(applied, e);
	}
	reply_json_op(ctl, rw->hdr, ipc_reply_ok(rw->id, rw->result),
	    "reload");
	cJSON_Delete(rw->failed);
	free(rw);
}

void
op_config_on_event(struct control *ctl, const char *topic, struct child *c,
    const char *reason)
{
	struct reload_wait *rw = ctl->reload;

	if (rw == NULL)
		return;
	if (strcmp(topic, "child.start_failed") == 0 &&
	    cJSON_GetObjectItemCaseSensitive(rw->failed, c->path) == NULL)
		cJSON_AddStringToObject(rw->failed, c->path,
		    reason ? reason : "failed to start");
	else if (strcmp(topic, "config.reloaded") == 0)
		reload_reply(ctl);
}

void
op_config_clear(struct control *ctl)
{
	struct reload_wait *rw = ctl->reload;

	if (rw == NULL)
		return;
	nng_msg_free(rw->hdr);
	cJSON_Delete(rw->result);
	cJSON_Delete(rw->failed);
	free(rw);
	ctl->reload = NULL;
}

static void
op_reload(struct request *r)
{
	struct reload_wait *rw;
	struct conf *nc;
	char cause[256];

	if (r->ctl->reload != NULL) {
		reply_err(r, IPC_E_BUSY, "a reload is being applied; try "
		    "again");
		return;
	}
	if ((nc = load_new(r)) == NULL)
		return;
	rw = xcalloc(1, sizeof *rw);
	rw->hdr = header_copy(r->msg);
	rw->id = r->req.id;
	rw->result = diff_json(r->h->conf->path, r->h->conf, nc);
	rw->failed = cJSON_CreateObject();
	r->ctl->reload = rw; /* config.reloaded may come at once */
	if (reload_apply(r->h, nc, cause, sizeof cause) == -1) {
		op_config_clear(r->ctl);
		conf_free(nc);
		reply_err(r, IPC_E_BUSY, "%s", cause);
	}
}

const struct op op_config_table[] = {
	{ "reload", 1, op_reload },
	{ "diff", 0, op_diff },
};
const size_t op_config_count = sizeof op_config_table / sizeof op_config_table[0];
