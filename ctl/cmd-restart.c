/* herdctl restart [--force] NAME: starts a stopped child again (OTP's
 * restart_child), or with --force stops a running one first. */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

static int cmd_restart_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "restart [--force] NAME",
	.help = "Start a stopped child again, or stop and start a running one.\n"
	    "Without --force, as OTP's restart_child: only a child that is\n"
	    "not running is started; a running one is refused (\"running\"),\n"
	    "as is one its supervisor is restarting (\"restarting\").\n"
	    "  -f, --force  stop the child first if it runs, then start it\n"
	    "Prints \"restarted PATH (pid N)\" once it is started; with\n"
	    "--json, {\"path\":..,\"pid\":..}.\n"
	    "Exit status 3 if there is no such child, 4 if herdd refuses.\n",
	.exec = cmd_restart_exec,
};

static int
cmd_restart_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct call call;
	const char *path;
	int64_t pid;
	cJSON *args;
	int force = 0, ch, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		if (ch != 'f')
			return cmd_usage(self);
		force = 1;
	}
	if (optind + 1 != argc)
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[optind]);
	cJSON_AddBoolToObject(args, "force", force);
	if ((rv = client_run(ctl, "restart", args, &call,
	    CLIENT_LAST)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else {
			path = output_string(call.result, "path", argv[optind]);
			if (output_int(call.result, "pid", &pid) == 0 &&
			    pid > 0)
				printf("restarted %s (pid %lld)\n", path,
				    (long long)pid);
			else
				printf("restarted %s\n", path);
		}
	}
	call_clear(&call);
	return rv;
}
