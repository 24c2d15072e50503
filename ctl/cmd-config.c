/* herdctl config: reads, checks and edits herd's config file directly,
 * with or without a running herdd; edits are validated, then written
 * atomically with a backup (conf/conf-edit*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"

#define CMD_CONFIG_DEFAULT "/etc/herd/herd.json"

static int cmd_config_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "config show | get PATH | validate\n"
	    "       herdctl config set PATH VALUE [--apply]\n"
	    "       herdctl config add-child SUP JSON [--apply]\n"
	    "       herdctl config remove-child PATH [--apply]\n"
	    "       herdctl config rollback [--apply]",
	.help = "Read, check or edit the config file, herdd running or not.\n"
	    "The file: -c FILE, else $HERD_CONFIG, else the file herdd runs\n"
	    "with, else /etc/herd/herd.json.\n"
	    "  show                print the file, in herd's layout\n"
	    "  get PATH            print the JSON value at PATH\n"
	    "  validate            check the file: \"FILE: ok\", or every error\n"
	    "  set PATH VALUE      set a value; VALUE is JSON, else a string\n"
	    "                      (herdctl config set db.restart transient)\n"
	    "  add-child SUP JSON  add a child object to supervisor SUP (\".\"\n"
	    "                      is the root): '{\"name\":\"w\",\"command\":"
	    "\"w\"}'\n"
	    "  remove-child PATH   remove a child\n"
	    "  rollback            swap the file and FILE.bak, the version\n"
	    "                      before the last change; twice undoes it\n"
	    "  --apply             then have herdd reload, as herdctl reload\n"
	    "PATH is a JSON path (supervisor.children[0].restart, log_dir), or\n"
	    "a child's path and optionally a key in it (api/web,\n"
	    "api/web.restart). set, add-child, remove-child and rollback check\n"
	    "the new file first: if it is invalid they print every error and\n"
	    "change nothing. They write a temp file and rename it over the\n"
	    "file, keeping the previous version as FILE.bak.\n"
	    "With --json: show and get print compact JSON, validate prints\n"
	    "{\"config\",\"ok\",\"errors\"}, edits print {\"config\","
	    "\"written\"} and\n"
	    "then, with --apply, herdd's reload result.\n"
	    "Exit status 1 if the file is invalid or cannot be written.\n",
	.exec = cmd_config_exec,
};

/* One run of herdctl config. */
struct cmd_config {
	struct ctl *ctl;
	char *file;   /* the config file, owned */
	int apply;    /* --apply */
	char **args;  /* the subcommand's operands */
};

struct cmd_config_sub {
	const char *name;
	int nargs;
	int edits; /* takes --apply */
	int (*fn)(struct cmd_config *);
};

/* The config file to work on; caller frees. */
static char *
cmd_config_file(struct ctl *ctl)
{
	const char *env = getenv("HERD_CONFIG"), *p;
	struct call call;
	char *file;

	if (ctl->config != NULL)
		return strdup(ctl->config);
	if (env != NULL && *env != '\0')
		return strdup(env);
	/* The file the running herdd was started with, if one answers. */
	file = NULL;
	if (client_run(ctl, "config_path", NULL, &call, CLIENT_QUIET) ==
	    IPC_EXIT_OK && (p = output_string(call.result, "path", NULL)) !=
	    NULL && *p != '\0')
		file = strdup(p);
	call_clear(&call);
	return file != NULL ? file : strdup(CMD_CONFIG_DEFAULT);
}

/* Prints ERRS to stderr one a line, then CAUSE, or "N errors in FILE"
 * unless the one error is that the file cannot be read. Clears ERRS. */
static int
cmd_config_errors(struct cmd_config *cc, struct conf_errors *errs,
    const char *cause)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msgs[i]);
	if (cause != NULL)
		output_warnx("%s", cause);
	else if (errs->n > 1 || (errs->n == 1 &&
	    strstr(errs->msgs[0], ": cannot read: ") == NULL))
		output_warnx("%zu error%s in %s", errs->n,
		    errs->n == 1 ? "" : "s", cc->file);
	conf_errors_clear(errs);
	return IPC_EXIT_FAILED;
}

static int
cmd_config_load(struct cmd_config *cc, cJSON **root)
{
	struct conf_errors errs;

	if (conf_edit_load(cc->file, root, &errs) != 0)
		return cmd_config_errors(cc, &errs, NULL);
	return IPC_EXIT_OK;
}

static int
cmd_config_show(struct cmd_config *cc)
{
	cJSON *root;
	char *s;
	int rv;

	if ((rv = cmd_config_load(cc, &root)) != IPC_EXIT_OK)
		return rv;
	if (cc->ctl->json) {
		output_json(root);
	} else {
		if ((s = conf_edit_print(root)) == NULL)
			abort();
		fputs(s, stdout);
		free(s);
	}
	cJSON_Delete(root);
	return IPC_EXIT_OK;
}

static int
cmd_config_get(struct cmd_config *cc)
{
	cJSON *root, *v;
	char *cause, *s;
	int rv;

	if ((rv = cmd_config_load(cc, &root)) != IPC_EXIT_OK)
		return rv;
	if ((v = conf_edit_get(root, cc->args[0], &cause)) == NULL) {
		output_warnx("%s: %s", cc->file, cause);
		free(cause);
		cJSON_Delete(root);
		return IPC_EXIT_FAILED;
	}
	if (cc->ctl->json) {
		output_json(v);
	} else {
		if ((s = conf_edit_print(v)) == NULL)
			abort();
		fputs(s, stdout);
		free(s);
	}
	cJSON_Delete(root);
	return IPC_EXIT_OK;
}

static int
cmd_config_validate(struct cmd_config *cc)
{
	struct conf_errors errs;
	struct conf *c;
	cJSON *out, *arr;
	size_t i;

	if (conf_load(cc->file, &c, &errs) == 0) {
		conf_free(c);
		if (!cc->ctl->json) {
			printf("%s: ok\n", cc->file);
			return IPC_EXIT_OK;
		}
	}
	if (!cc->ctl->json)
		return cmd_config_errors(cc, &errs, NULL);
	out = cJSON_CreateObject();
	{
		/* absolute, as herdd's diff and reload say it (item 20) */
		char *abs = realpath(cc->file, NULL);
		cJSON_AddStringToObject(out, "config", abs ? abs : cc->file);
		free(abs);
	}
	cJSON_AddBoolToObject(out, "ok", errs.n == 0);
	arr = cJSON_AddArrayToObject(out, "errors");
	for (i = 0; i < errs.n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(errs.msgs[i]));
	output_json(out);
	cJSON_Delete(out);
	i = errs.n;
	conf_errors_clear(&errs);
	return i == 0 ? IPC_EXIT_OK : IPC_EXIT_FAILED;
}

/* After an edit is written: says so, then reloads with --apply. */
static int
cmd_config_written(struct cmd_config *cc, const char *what)
{
	cJSON *out;

	if (cc->ctl->json) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "config", cc->file);
		cJSON_AddTrueToObject(out, "written");
		output_json(out);
		cJSON_Delete(out);
	} else {
		printf("%s %s (the previous version is %s.bak)\n", what,
		    cc->file, cc->file);
	}
	if (!cc->apply)
		return IPC_EXIT_OK;
	output_flush();
	return cmd_reload_run(cc->ctl, "reload");
}

/* Writes ROOT (taken) to the file if it is valid. */
static int
cmd_config_write(struct cmd_config *cc, cJSON *root)
{
	struct conf_errors errs;
	char *cause, *msg;
	int rv;

	rv = conf_edit_write(cc->file, root, &errs, &cause);
	cJSON_Delete(root);
	if (rv == 0)
		return cmd_config_written(cc, "wrote");
	if (errs.n > 0 && asprintf(&msg, "%zu error%s in %s as edited: nothing "
	    "written", errs.n, errs.n == 1 ? "" : "s", cc->file) > 0) {
		free(cause);
		cause = msg;
	}
	rv = cmd_config_errors(cc, &errs, cause);
	free(cause);
	return rv;
}

/* An edit: load, apply FN's change, write. */
static int
cmd_config_edit(struct cmd_config *cc,
    int (*fn)(cJSON *, struct cmd_config *, char **))
{
	cJSON *root;
	char *cause;
	int rv;

	if ((rv = cmd_config_load(cc, &root)) != IPC_EXIT_OK)
		return rv;
	if (fn(root, cc, &cause) != 0) {
		output_warnx("%s: %s", cc->file, cause);
		free(cause);
		cJSON_Delete(root);
		return IPC_EXIT_FAILED;
	}
	return cmd_config_write(cc, root);
}

static int
cmd_config_do_set(cJSON *root, struct cmd_config *cc, char **cause)
{
	return conf_edit_set(root, cc->args[0], cc->args[1], cause);
}

static int
cmd_config_do_add(cJSON *root, struct cmd_config *cc, char **cause)
{
	return conf_edit_add_child(root, cc->args[0], cc->args[1], cause);
}

static int
cmd_config_do_remove(cJSON *root, struct cmd_config *cc, char **cause)
{
	return conf_edit_remove_child(root, cc->args[0], cause);
}

static int
cmd_config_set(struct cmd_config *cc)
{
	return cmd_config_edit(cc, cmd_config_do_set);
}

static int
cmd_config_add_child(struct cmd_config *cc)
{
	return cmd_config_edit(cc, cmd_config_do_add);
}

static int
cmd_config_remove_child(struct cmd_config *cc)
{
	return cmd_config_edit(cc, cmd_config_do_remove);
}

static int
cmd_config_rollback(struct cmd_config *cc)
{
	struct conf_errors errs;
	char *cause;
	int rv;

	if (conf_edit_rollback(cc->file, &errs, &cause) != 0) {
		rv = cmd_config_errors(cc, &errs, cause);
		free(cause);
		return rv;
	}
	return cmd_config_written(cc, "rolled back");
}

static const struct cmd_config_sub cmd_config_subs[] = {
	{ "show", 0, 0, cmd_config_show },
	{ "get", 1, 0, cmd_config_get },
	{ "set", 2, 1, cmd_config_set },
	{ "add-child", 2, 1, cmd_config_add_child },
	{ "remove-child", 1, 1, cmd_config_remove_child },
	{ "validate", 0, 0, cmd_config_validate },
	{ "rollback", 0, 1, cmd_config_rollback },
};

#define CMD_CONFIG_NSUBS (sizeof cmd_config_subs / sizeof cmd_config_subs[0])

/* The subcommand NAME names, exactly or as a unique prefix; NULL after
 * saying what is wrong. */
static const struct cmd_config_sub *
cmd_config_find(const char *name)
{
	const struct cmd_config_sub *found = NULL;
	size_t i, n = 0;

	for (i = 0; i < CMD_CONFIG_NSUBS; i++) {
		if (strcmp(cmd_config_subs[i].name, name) == 0)
			return &cmd_config_subs[i];
		if (*name != '\0' && strncmp(cmd_config_subs[i].name, name,
		    strlen(name)) == 0) {
			found = &cmd_config_subs[i];
			n++;
		}
	}
	if (n == 1)
		return found;
	output_warnx("%s config subcommand \"%s\"", n ? "ambiguous" :
	    "unknown", name);
	return NULL;
}

static int
cmd_config_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	const struct cmd_config_sub *sub;
	struct cmd_config cc = { .ctl = ctl };
	char **ops;
	int i, n = 0, dashdash = 0, rv;

	/* --apply anywhere before "--"; every other word is an operand, so
	 * that values like -1 need no "--". */
	if ((ops = calloc((size_t)argc, sizeof *ops)) == NULL)
		abort();
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0)
			dashdash = 1;
		else if (!dashdash && strcmp(argv[i], "--apply") == 0)
			cc.apply = 1;
		else if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
			output_warnx("unknown option %s", argv[i]);
			free(ops);
			return cmd_usage(self);
		} else
			ops[n++] = argv[i];
	}
	if (n == 0 || (sub = cmd_config_find(ops[0])) == NULL ||
	    n - 1 != sub->nargs || (cc.apply && !sub->edits)) {
		if (cc.apply && n > 0 && (sub = cmd_config_find(ops[0])) !=
		    NULL && !sub->edits)
			output_warnx("--apply is for set, add-child, "
			    "remove-child and rollback");
		free(ops);
		return cmd_usage(self);
	}
	cc.args = ops + 1;
	if ((cc.file = cmd_config_file(ctl)) == NULL)
		abort();
	rv = sub->fn(&cc);
	free(cc.file);
	free(ops);
	return rv;
}
