/* herdctl status [NAME...]: the children's state as a table or JSON. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int cmd_status_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "status [NAME...]",
	.help = "Show the children: state, pid, restarts, uptime, last exit.\n"
	    "With NAMEs (paths such as api/web), only those children.\n"
	    "Supervisors are listed too, with no pid.\n"
	    "Prints a table with the columns PATH STATE PID RESTARTS UPTIME\n"
	    "LAST EXIT; UPTIME reads 5s, 3m12s, 2h04m or 3d02h, \"-\" when not\n"
	    "running. With --json, herdd's result on one line:\n"
	    "{\"children\":[{\"path\",\"name\",\"type\",\"pid\",\"state\","
	    "\"restarts\",\n"
	    "\"uptime_ms\",\"reason\"},...],\"herd\":{\"pid\",\"version\","
	    "\"uptime_ms\"}}.\n"
	    "Exit status 3 if a NAME is not found.\n",
	.exec = cmd_status_exec,
};

/* Adds CHILD (borrowed) as a row of T. */
static void
cmd_status_row(struct table *t, const cJSON *child)
{
	const char *cells[6], *state;
	char pid[32], restarts[32], uptime[32];
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
	cells[5] = output_string(child, "reason", "-");
	table_add(t, cells);
}

static int
cmd_status_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const char *const header[] = { "PATH", "STATE", "PID",
		"RESTARTS", "UPTIME", "LAST EXIT" };
	const cJSON *children, *child;
	struct call call;
	struct table *t;
	cJSON *args = NULL, *names;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 0, -1)) < 0)
		return IPC_EXIT_USAGE;
	if (i < argc) {
		args = cJSON_CreateObject();
		names = cJSON_AddArrayToObject(args, "names");
		for (; i < argc; i++)
			cJSON_AddItemToArray(names,
			    cJSON_CreateString(argv[i]));
	}
	if ((rv = client_run(ctl, "status", args, &call, 0)) != IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	if (ctl->json) {
		output_json(call.result);
		call_clear(&call);
		return IPC_EXIT_OK;
	}
	t = table_create(6);
	table_add(t, header);
	children = cJSON_GetObjectItemCaseSensitive(call.result, "children");
	cJSON_ArrayForEach(child, children)
		if (cJSON_IsObject(child))
			cmd_status_row(t, child);
	table_print(t);
	table_destroy(t);
	call_clear(&call);
	return IPC_EXIT_OK;
}
