/* herdctl reload: herdd re-reads its config file and applies what changed;
 * also the printing of changes shared with diff and config --apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_reload_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.usage = "reload",
	.help = "Re-read herdd's config file and apply what changed.\n"
	    "Unchanged children keep running; changed ones restart with the\n"
	    "new config, added ones start, removed ones stop; supervisors'\n"
	    "settings apply in place. An invalid file changes nothing: its\n"
	    "errors are printed, one a line, on stderr.\n"
	    "Prints one line per change, then \"applied: N ok, M failed\" and\n"
	    "each failure:\n"
	    "  ~ PATH (FIELDS)           changed (restarted)\n"
	    "  + PATH                    added\n"
	    "  - PATH                    removed\n"
	    "  * PATH settings (FIELDS)  a supervisor's settings\n"
	    "each change followed by its fields' values, as the files spell\n"
	    "them: \"    shutdown: 5000 -> 2000\" (\"(default)\": not given;\n"
	    "long ones on \"was:\" and \"now:\" lines of their own).\n"
	    "PATH (root) is the root supervisor. With --json, herdd's result:\n"
	    "{\"config\",\"changes\":[{\"path\",\"change\",\"fields\",\"values\"},"
	    "...],"
	    "\"notes\",\n"
	    "\"applied\":[{\"path\",\"change\",\"ok\",\"error\"},...]}.\n"
	    "Exit status 1 if the file is invalid or a change failed.\n",
	.exec = cmd_reload_exec,
};

static const char *
cmd_reload_path(const cJSON *o)
{
	const char *p = output_string(o, "path", "?");

	return *p != '\0' ? p : "(root)";
}

/* V as the file spells it (caller frees); "(default)" when not given. */
static char *
cmd_reload_value(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v))
		return strdup("(default)");
	return cJSON_PrintUnformatted(v);
}

/* Under a change: "    shutdown: 5000 -> 2000", one line a field; long
 * values (a command) on lines of their own, whole. */
static void
cmd_reload_print_values(const cJSON *values)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, values) {
		char *a = cmd_reload_value(cJSON_GetObjectItemCaseSensitive(f,
		    "old"));
		char *b = cmd_reload_value(cJSON_GetObjectItemCaseSensitive(f,
		    "new"));
		if (a != NULL && b != NULL && strlen(a) + strlen(b) <= 60)
			printf("    %s: %s -> %s\n", f->string, a, b);
		else
			printf("    %s:\n      was: %s\n      now: %s\n",
			    f->string, a ? a : "?", b ? b : "?");
		free(a);
		free(b);
	}
}

/* One change as "~ api/web (command, env)", then its values. */
static void
cmd_reload_print_change(const cJSON *ch)
{
	const char *change = output_string(ch, "change", "?");
	const char *fields = output_string(ch, "fields", NULL);
	const char *path = cmd_reload_path(ch);

	if (strcmp(change, "added") == 0)
		printf("+ %s\n", path);
	else if (strcmp(change, "removed") == 0)
		printf("- %s\n", path);
	else if (strcmp(change, "changed") == 0)
		printf("~ %s%s%s%s\n", path, fields ? " (" : "",
		    fields ? fields : "", fields ? ")" : "");
	else if (strcmp(change, "settings") == 0)
		printf("* %s settings%s%s%s\n", path, fields ? " (" : "",
		    fields ? fields : "", fields ? ")" : "");
	else
		printf("? %s (%s)\n", path, change);
	cmd_reload_print_values(cJSON_GetObjectItemCaseSensitive(ch,
	    "values"));
}

/*
 * Prints RESULT (borrowed), a reply of op "diff" or "reload": the changes,
 * the notes, and what was applied. Returns the exit status: failed if a
 * change failed.
 */
int
cmd_reload_print(const struct ctl *ctl, const cJSON *result)
{
	const cJSON *changes, *notes, *applied, *el;
	int ok = 0, failed = 0;

	applied = cJSON_GetObjectItemCaseSensitive(result, "applied");
	cJSON_ArrayForEach(el, applied) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(el, "ok")))
			ok++;
		else
			failed++;
	}
	if (ctl->json) {
		output_json(result);
		return failed ? IPC_EXIT_FAILED : IPC_EXIT_OK;
	}
	changes = cJSON_GetObjectItemCaseSensitive(result, "changes");
	cJSON_ArrayForEach(el, changes)
		cmd_reload_print_change(el);
	if (cJSON_GetArraySize(changes) == 0)
		puts("no changes");
	notes = cJSON_GetObjectItemCaseSensitive(result, "notes");
	cJSON_ArrayForEach(el, notes)
		if (cJSON_IsString(el))
			printf("note: %s\n", el->valuestring);
	if (!cJSON_IsArray(applied))
		return IPC_EXIT_OK;
	printf("applied: %d ok, %d failed\n", ok, failed);
	cJSON_ArrayForEach(el, applied) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(el, "ok")))
			continue;
		printf("failed: %s (%s): %s\n", cmd_reload_path(el),
		    output_string(el, "change", "?"),
		    output_string(el, "error", "failed"));
	}
	return failed ? IPC_EXIT_FAILED : IPC_EXIT_OK;
}

/* Reports a failed CALL; an invalid config's errors go to stderr one a
 * line, then herdd's message ("N errors in FILE"). */
static void
cmd_reload_report(const struct ctl *ctl, const struct call *call)
{
	const cJSON *err, *el;

	err = cJSON_GetObjectItemCaseSensitive(call->reply, "error");
	if (!ctl->json &&
	    strcmp(output_string(err, "code", ""), "invalid_config") == 0) {
		cJSON_ArrayForEach(el,
		    cJSON_GetObjectItemCaseSensitive(err, "errors"))
			if (cJSON_IsString(el))
				fprintf(stderr, "%s\n", el->valuestring);
	}
	call_report(ctl, call);
}

/* Sends OP ("reload" or "diff") with no arguments and prints the result;
 * returns the exit status. */
int
cmd_reload_run(const struct ctl *ctl, const char *op)
{
	struct call call;
	int rv;

	rv = client_run(ctl, op, cJSON_CreateObject(), &call,
	    CLIENT_QUIET | CLIENT_LAST);
	if (rv == IPC_EXIT_OK)
		rv = cmd_reload_print(ctl, call.result);
	else
		cmd_reload_report(ctl, &call);
	call_clear(&call);
	return rv;
}

static int
cmd_reload_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	if (cmd_args(self, argc, argv, 0, 0) < 0)
		return IPC_EXIT_USAGE;
	return cmd_reload_run(ctl, "reload");
}
