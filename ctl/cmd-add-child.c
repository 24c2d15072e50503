/* herdctl add-child SUPERVISOR JSON: adds a child at runtime and starts it
 * (OTP's start_child). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int cmd_add_child_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_add_child_entry = {
	.name = "add-child",
	.usage = "add-child SUPERVISOR JSON",
	.help = "Add a child to a running supervisor and start it.\n"
	    "SUPERVISOR is the supervisor's path (api, api/sub), or \"\" or\n"
	    "\"/\" for the root. JSON is the child's config object, as in the\n"
	    "config file: '{\"name\":\"web2\",\"command\":[\"web\",\"-p\","
	    "\"81\"]}'.\n"
	    "The child is appended last, as OTP does. It is not written to\n"
	    "the config file, and is lost if its supervisor is restarted.\n"
	    "Prints \"added PATH (pid N)\" once it is started; with --json,\n"
	    "{\"path\":..,\"pid\":..}.\n"
	    "Exit status 1 if the config is invalid (herdd says why) or the\n"
	    "child fails to start, 3 if there is no such supervisor, 4 if\n"
	    "the name is taken (already_started, already_present).\n",
	.exec = cmd_add_child_exec,
};

static int
cmd_add_child_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	const char *sup, *path, *end = NULL;
	cJSON *args, *child;
	int64_t pid;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 2, 2)) < 0)
		return IPC_EXIT_USAGE;
	sup = argv[i];
	if (strcmp(sup, "/") == 0)
		sup = "";
	child = cJSON_ParseWithOpts(argv[i + 1], &end, 1);
	if (!cJSON_IsObject(child)) {
		if (child == NULL)
			output_warnx("invalid JSON near \"%.20s\"",
			    end ? end : argv[i + 1]);
		else
			output_warnx("the child must be a JSON object");
		cJSON_Delete(child);
		return cmd_usage(self);
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "supervisor", sup);
	cJSON_AddItemToObject(args, "child", child);
	if ((rv = client_run(ctl, "add_child", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else {
			path = output_string(call.result, "path", "?");
			if (output_int(call.result, "pid", &pid) == 0 &&
			    pid > 0)
				printf("added %s (pid %lld)\n", path,
				    (long long)pid);
			else
				printf("added %s\n", path);
		}
	}
	call_clear(&call);
	return rv;
}
