/* herdctl restart NAME: stops a running child and starts it again, or
 * starts a stopped one (as systemctl, supervisorctl and pm2 restart): the
 * protocol's restart with force. OTP's restart_child, which refuses a
 * running child, is the protocol's restart without it (and herdctl
 * start). */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

static int cmd_restart_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "restart NAME...",
	.help = "Stop a running child and start it again, or start a stopped\n"
	    "one, as systemctl, supervisorctl and pm2 restart do. (OTP's\n"
	    "restart_child, which refuses a running child, is herdctl start,\n"
	    "and the protocol's restart without force.) One its supervisor\n"
	    "is restarting is refused (\"restarting\").\n"
	    "  -f, --force  the same (kept for scripts that say it)\n"
	    "Prints \"restarted PATH (pid N)\" once it is started; with\n"
	    "--json, {\"path\":..,\"pid\":..}.\n"
	    "Several: paths, globs (quoted, 'api/*') or all, in start order;\n"
	    "a selected supervisor covers its subtree.\n"
	    CTL_HELP_SEVERAL
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
	int ch, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		if (ch != 'f')
			return cmd_usage(self);
	}
	if (optind >= argc)
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	if (targets_many(argc - optind, argv + optind)) {
		cJSON *force = cJSON_CreateObject();
		cJSON_AddTrueToObject(force, "force");
		rv = targets_apply(ctl, argc - optind, argv + optind,
		    TARGETS_ORDER, "restart", force, "restarted");
		cJSON_Delete(force);
		return rv;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[optind]);
	cJSON_AddTrueToObject(args, "force");
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
