/* herdctl spawn POOL [--name NAME] [ARGS...]: starts one more instance of
 * a simple_one_for_one pool (an actor type, when its template is an
 * actor: ACTORS.md A15). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int cmd_spawn_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_spawn_entry = {
	.name = "spawn",
	.usage = "spawn POOL [--name NAME] [--] [ARGS...]",
	.help = "Start one more instance of a pool, with extra arguments.\n"
	    "POOL is a simple_one_for_one supervisor; ARGS are appended to\n"
	    "its child template's command. A pool whose template is an actor\n"
	    "is an actor type: spawn starts a supervised actor of that type.\n"
	    "Instances are named by number (workers/3), or NAME with --name\n"
	    "(workers/alice; an actor is then also registered as NAME, so\n"
	    "cast, call and inspect find it by NAME). NAME is 1 to 64\n"
	    "letters, digits, '_', '.' or '-', not a number, not taken.\n"
	    "Instances are restarted with the same ARGS and NAME. Words after\n"
	    "POOL (and --name NAME) are ARGS even if they start with '-',\n"
	    "except --json, -h and --help, which herdctl takes: put \"--\"\n"
	    "before ARGS that hold those.\n"
	    "Prints \"spawned PATH (pid N)\" once it is started; with --json,\n"
	    "{\"path\":..,\"pid\":..,\"instance\":N} or {..,\"name\":NAME}.\n"
	    "Exit status 1 if the instance fails to start or NAME is not a\n"
	    "name, 3 if there is no such pool, 4 if it is not a pool, is full\n"
	    "(max_instances) or NAME is taken.\n",
	.exec = cmd_spawn_exec,
};

static int
cmd_spawn_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct call call;
	cJSON *args, *arr;
	const char *path, *name = NULL;
	int64_t pid;
	int i, rv;

	/* "+": stop at POOL, so that the instance's arguments are its own;
	 * --name may come before or right after POOL */
	optind = 0;
	while ((i = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (i != 'n')
			return cmd_usage(self);
		name = optarg;
	}
	if (optind >= argc)
		return cmd_usage(self);
	i = optind;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "pool", argv[i++]);
	if (i < argc && strncmp(argv[i], "--name=", 7) == 0) {
		name = argv[i++] + 7;
	} else if (i < argc && strcmp(argv[i], "--name") == 0) {
		if (i + 1 >= argc) {
			cJSON_Delete(args);
			return cmd_usage(self);
		}
		name = argv[i + 1];
		i += 2;
	}
	if (name != NULL)
		cJSON_AddStringToObject(args, "name", name);
	arr = cJSON_AddArrayToObject(args, "args");
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	for (; i < argc; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(argv[i]));
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
