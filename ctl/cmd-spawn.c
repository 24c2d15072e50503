/* herdctl spawn POOL [ARGS...]: starts one more instance of a
 * simple_one_for_one pool. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int cmd_spawn_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_spawn_entry = {
	.name = "spawn",
	.usage = "spawn POOL [--] [ARGS...]",
	.help = "Start one more instance of a pool, with extra arguments.\n"
	    "POOL is a simple_one_for_one supervisor; ARGS are appended to\n"
	    "its child template's command.\n"
	    "Instances are named by number (workers/3) and are restarted\n"
	    "with the same ARGS. Words after POOL are ARGS even if they start\n"
	    "with '-', except --json, -h and --help, which herdctl takes:\n"
	    "put \"--\" before ARGS that hold those.\n"
	    "Prints \"spawned PATH (pid N)\" once it is started; with --json,\n"
	    "{\"path\":..,\"pid\":..,\"instance\":..}.\n"
	    "Exit status 1 if the instance fails to start, 3 if there is no\n"
	    "such pool, 4 if it is not a pool or is full (max_instances).\n",
	.exec = cmd_spawn_exec,
};

static int
cmd_spawn_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	struct call call;
	cJSON *args, *arr;
	const char *path;
	int64_t pid;
	int i, rv;

	/* "+": stop at POOL, so that the instance's arguments are its own. */
	optind = 0;
	if (getopt_long(argc, argv, "+", longopts, NULL) != -1 ||
	    optind >= argc)
		return cmd_usage(self);
	i = optind;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "pool", argv[i]);
	arr = cJSON_AddArrayToObject(args, "args");
	for (i++; i < argc; i++) {
		if (i == optind + 1 && strcmp(argv[i], "--") == 0)
			continue;
		cJSON_AddItemToArray(arr, cJSON_CreateString(argv[i]));
	}
	if ((rv = client_run(ctl, "spawn", args, &call,
	    CLIENT_LAST)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else {
			path = output_string(call.result, "path", "?");
			if (output_int(call.result, "pid", &pid) == 0 &&
			    pid > 0)
				printf("spawned %s (pid %lld)\n", path,
				    (long long)pid);
			else
				printf("spawned %s\n", path);
		}
	}
	call_clear(&call);
	return rv;
}
