/* herdctl status [PATTERN...]: the children's state as a table or JSON,
 * all of them or those the glob patterns select (chosen here, client-side,
 * from herdd's full status). */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static int cmd_status_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "status [--all] [--resources] [PATTERN...]",
	.help = "Show the children: state, pid, restarts, uptime, last exit.\n"
	    "With PATTERNs, only the children they select. A PATTERN is a\n"
	    "path (api/web) or a shell glob on paths (fnmatch(3) with\n"
	    "FNM_PATHNAME: '*', '?' and [...] do not match '/'; quote it):\n"
	    "'api/*' is every child of api, '*/web' every web one level\n"
	    "down. A supervisor that is selected brings everything below it:\n"
	    "\"status api\" shows api and its whole subtree.\n"
	    "Supervisors are listed too, with no pid. With --all, also the\n"
	    "last temporary children that ended (state \"ended\", their exit\n"
	    "and its time): their entries left the tree, herdd remembers 64.\n"
	    "Prints a table with the columns PATH STATE PID RESTARTS UPTIME\n"
	    "LAST EXIT; UPTIME reads 5s, 3m12s, 2h04m or 3d02h, \"-\" when not\n"
	    "running. LAST EXIT is the last exit's reason and local time,\n"
	    "kept while the child runs again (\"exit:3 at 14:02:11\"; a stop\n"
	    "that had to kill: \"shutdown (killed after 1500 ms)\"); a child\n"
	    "in its backoff reads \"restarting (next 14:02:13)\".\n"
	    "With --resources, also CPU% (over 250 ms) and RSS of each\n"
	    "child's process group, read from /proc by herdctl (the child\n"
	    "and everything it started in its group); in --json, each\n"
	    "child's \"cpu_percent\" and \"rss_bytes\".\n"
	    "With --json, herdd's result on one line:\n"
	    "{\"children\":[{\"path\",\"name\",\"type\",\"pid\",\"state\","
	    "\"restarts\",\n"
	    "\"uptime_ms\",\"reason\",\"detail\",\"exited_at_ms\",\n"
	    "\"next_start_at_ms\"},...],\"ended\":[{\"path\",\"reason\",\n"
	    "\"ended_at_ms\"},...],\"herd\":{\"pid\",\"version\",\"uptime_ms\"}}.\n"
	    "Exit status 3 if a PATTERN selects nothing (\"no child matches\n"
	    "PATTERN\").\n",
	.exec = cmd_status_exec,
};

/* MS (wall clock, ms since the epoch) as local HH:MM:SS in BUF. */
static void
clock_text(int64_t ms, char *buf, size_t len)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&sec, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

/* Adds CHILD (borrowed) as a row of T. */
static void
cmd_status_row(struct table *t, const cJSON *child, int resources)
{
	const char *cells[8], *state;
	char pid[32], restarts[32], uptime[32], last[160], next[48];
	char cpu[16], rss[16];
	int64_t v, up;
	int has_pid;

	state = output_string(child, "state", "?");
	cells[0] = output_string(child, "path",
	    output_string(child, "name", "?"));
	cells[1] = state;
	cells[2] = "-";
	if ((has_pid = output_int(child, "pid", &v) == 0 && v > 0)) {
		snprintf(pid, sizeof pid, "%lld", (long long)v);
		cells[2] = pid;
	}
	cells[3] = "-";
	if (output_int(child, "restarts", &v) == 0) {
		snprintf(restarts, sizeof restarts, "%lld", (long long)v);
		cells[3] = restarts;
	}
	cells[4] = "-";
	/* Supervisors have no pid but an uptime while running. */
	if (output_int(child, "uptime_ms", &up) == 0 &&
	    (has_pid || strcmp(state, "running") == 0)) {
		duration_format_short(uptime, sizeof uptime, up);
		cells[4] = uptime;
	}
	/* the last exit, and when: kept while the child runs again */
	cells[5] = output_string(child, "reason", "-");
	if (output_string(child, "reason", NULL) != NULL) {
		char at[16] = "";
		int64_t ms;
		size_t n;
		if (output_int(child, "exited_at_ms", &ms) == 0)
			clock_text(ms, at, sizeof at);
		n = (size_t)snprintf(last, sizeof last, "%s", cells[5]);
		if (output_string(child, "detail", NULL) != NULL && n <
		    sizeof last)
			n += (size_t)snprintf(last + n, sizeof last - n, " (%s)",
			    output_string(child, "detail", ""));
		if (at[0] != '\0' && n < sizeof last)
			snprintf(last + n, sizeof last - n, " at %s", at);
		cells[5] = last;
	}
	/* in its backoff: when the next start is due */
	if (strcmp(state, "restarting") == 0 &&
	    output_int(child, "next_start_at_ms", &v) == 0) {
		char at[16];
		clock_text(v, at, sizeof at);
		snprintf(next, sizeof next, "restarting (next %s)", at);
		cells[1] = next;
	}
	if (resources) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(child,
		    "cpu_percent");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(child,
		    "rss_bytes");
		/* PATH STATE PID RESTARTS UPTIME CPU% RSS LAST EXIT */
		cells[7] = cells[5];
		cells[5] = cells[6] = "-";
		if (cJSON_IsNumber(c) && cJSON_IsNumber(r)) {
			snprintf(cpu, sizeof cpu, "%.1f", c->valuedouble);
			output_bytes(r->valuedouble, rss, sizeof rss);
			cells[5] = cpu;
			cells[6] = rss;
		}
	}
	table_add(t, cells);
}

/* Adds an ended temporary child (borrowed) as a row of T. */
static void
cmd_status_ended_row(struct table *t, const cJSON *e, int resources)
{
	const char *cells[8];
	char last[128], when[32] = "?";
	int64_t at;
	time_t sec;
	struct tm tm;

	if (output_int(e, "ended_at_ms", &at) == 0) {
		sec = (time_t)(at / 1000);
		if (localtime_r(&sec, &tm) != NULL)
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	}
	snprintf(last, sizeof last, "%s at %s", output_string(e, "reason",
	    "?"), when);
	cells[0] = output_string(e, "path", "?");
	cells[1] = "ended";
	cells[2] = cells[3] = cells[4] = "-";
	cells[5] = last;
	if (resources) {
		cells[5] = cells[6] = "-";
		cells[7] = last;
	}
	table_add(t, cells);
}

/* Whether PATTERN matches PATH or one of its ancestors ("api" for
 * "api/web"), so that a selected supervisor brings its subtree. */
static int
cmd_status_match(const char *pattern, const char *path)
{
	size_t i, len = strlen(path);
	char *p;
	int hit = 0;

	if ((p = strdup(path)) == NULL)
		abort();
	for (i = 1; i <= len && !hit; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		p[i] = '\0';
		hit = fnmatch(pattern, p, FNM_PATHNAME) == 0;
		p[i] = path[i];
	}
	free(p);
	return hit;
}

/*
 * Keeps in RESULT's "children" (borrowed) only those that PATTERNS select.
 * Returns 0, or -1 after reporting the first pattern that selects nothing.
 */
static int
cmd_status_select(const struct ctl *ctl, cJSON *result, char **patterns,
    int npatterns)
{
	cJSON *children, *child, *next, *err;
	int *hits, i, keep, rv = 0;
	const char *path;
	char *msg;

	children = cJSON_GetObjectItemCaseSensitive(result, "children");
	if ((hits = calloc((size_t)npatterns, sizeof *hits)) == NULL)
		abort();
	for (child = children ? children->child : NULL; child != NULL;
	    child = next) {
		next = child->next;
		path = output_string(child, "path", "");
		for (keep = 0, i = 0; i < npatterns; i++)
			if (cmd_status_match(patterns[i], path)) {
				hits[i]++;
				keep = 1;
			}
		if (!keep)
			cJSON_Delete(cJSON_DetachItemViaPointer(children,
			    child));
	}
	for (i = 0; i < npatterns && rv == 0; i++) {
		if (hits[i] > 0)
			continue;
		rv = -1;
		if (asprintf(&msg, "no child matches %s", patterns[i]) < 0)
			abort();
		if (ctl->json) {
			err = cJSON_CreateObject();
			cJSON_AddFalseToObject(err, "ok");
			child = cJSON_AddObjectToObject(err, "error");
			cJSON_AddStringToObject(child, "code", IPC_E_NOT_FOUND);
			cJSON_AddStringToObject(child, "message", msg);
			output_json(err);
			cJSON_Delete(err);
		} else
			output_warnx("%s", msg);
		free(msg);
	}
	free(hits);
	return rv;
}

static int
cmd_status_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const char *const header[] = { "PATH", "STATE", "PID",
		"RESTARTS", "UPTIME", "LAST EXIT" };
	static const char *const rheader[] = { "PATH", "STATE", "PID",
		"RESTARTS", "UPTIME", "CPU%", "RSS", "LAST EXIT" };
	const cJSON *children, *child;
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "resources", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct call call;
	struct table *t;
	cJSON *names = NULL;
	int i, rv, all = 0, res = 0;

	optind = 0;
	while ((i = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (i == 'a')
			all = 1;
		else if (i == 'R')
			res = 1;
		else
			return cmd_usage(self);
	}
	i = optind;
	/* plain paths: herdd selects (a child and its subtree, as here),
	 * so one child costs no more than it (issue 12, item 24); globs are
	 * matched here, on the whole status */
	{
		int plain = i < argc;
		for (int k = i; k < argc; k++)
			plain &= strpbrk(argv[k], "*?[") == NULL;
		if (plain) {
			names = cJSON_CreateObject();
			cJSON *a = cJSON_AddArrayToObject(names, "names");
			for (int k = i; k < argc; k++)
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(argv[k]));
		}
	}
	/* --json: herdd's text as it came, unparsed */
	if ((rv = client_run(ctl, "status", names, &call, CLIENT_LAST |
	    (ctl->json && (i == argc || names != NULL) && !res ?
	    CLIENT_RAW : 0))) != IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	if (i < argc && names == NULL && cmd_status_select(ctl, call.result,
	    argv + i, argc - i) != 0) {
		call_clear(&call);
		return IPC_EXIT_NOT_FOUND;
	}
	if (res)
		proc_usage_add(cJSON_GetObjectItemCaseSensitive(call.result,
		    "children"));
	if (ctl->json) {
		if (call.raw != NULL) {
			fputs(call.raw, stdout);
			fputc('\n', stdout);
			rv = output_flush();
		} else {
			rv = output_json(call.result);
		}
		call_clear(&call);
		return rv == 0 ? IPC_EXIT_OK : IPC_EXIT_FAILED;
	}
	t = table_create(res ? 8 : 6);
	table_add(t, res ? rheader : header);
	children = cJSON_GetObjectItemCaseSensitive(call.result, "children");
	cJSON_ArrayForEach(child, children)
		if (cJSON_IsObject(child))
			cmd_status_row(t, child, res);
	if (all)
		cJSON_ArrayForEach(child, cJSON_GetObjectItemCaseSensitive(
		    call.result, "ended"))
			cmd_status_ended_row(t, child, res);
	table_print(t);
	table_destroy(t);
	call_clear(&call);
	return IPC_EXIT_OK;
}
