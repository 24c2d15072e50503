/* herdctl reset NAME|all: clears restart counters, backoff and restart
 * intensity (an operator's clean slate after a storm). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int cmd_reset_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_reset_entry = {
	.name = "reset",
	.usage = "reset NAME|all",
	.help = "Clear restart counters: the child's (and, for a supervisor,\n"
	    "everything below it) restarts, its backoff and each supervisor's\n"
	    "restart intensity window, so the next crash counts from zero.\n"
	    "\"all\" resets the whole tree. Nothing is stopped or started.\n"
	    "Prints \"reset PATH (N nodes)\"; with --json,\n"
	    "{\"path\":..,\"reset\":N}.\n"
	    "Exit status 3 if there is no such child.\n",
	.exec = cmd_reset_exec,
};

static int
cmd_reset_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	cJSON *args;
	int64_t n;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 1, 1)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	if (strcmp(argv[i], "all") == 0)
		cJSON_AddTrueToObject(args, "all");
	else
		cJSON_AddStringToObject(args, "name", argv[i]);
	if ((rv = client_run(ctl, "reset", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else {
			if (output_int(call.result, "reset", &n) != 0)
				n = 0;
			printf("reset %s (%lld nodes)\n",
			    strcmp(argv[i], "all") == 0 ? "all" :
			    output_string(call.result, "path", argv[i]),
			    (long long)n);
		}
	}
	call_clear(&call);
	return rv;
}
