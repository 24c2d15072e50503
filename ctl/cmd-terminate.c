/* herdctl terminate NAME | --pid PID: stops a child for good (OTP's
 * terminate_child), or one pool instance by its PID. */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

static int cmd_terminate_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_terminate_entry = {
	.name = "terminate",
	.usage = "terminate NAME... | terminate --pid PID",
	.help = "Stop a child per its shutdown setting; it is not restarted.\n"
	    "As OTP's terminate_child: no restart, no restart intensity; the\n"
	    "entry stays (a temporary child or a pool instance is removed).\n"
	    "Terminating a stopped child succeeds.\n"
	    "  --pid PID  the child running as PID (e.g. a pool instance)\n"
	    "Prints \"terminated PATH\" once it is dead; with --json,\n"
	    "{\"path\":..}.\n"
	    "Several: paths, globs (quoted, 'api/*') or all, in reverse start\n"
	    "order; a selected supervisor covers its subtree.\n"
	    CTL_HELP_SEVERAL
	    "Exit status 3 if there is no such child or PID.\n",
	.exec = cmd_terminate_exec,
};

static int
cmd_terminate_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct call call;
	int64_t pid = -1;
	cJSON *args;
	int ch, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'p')
			return cmd_usage(self);
		if (cmd_parse_int("pid", optarg, 1, &pid) != 0)
			return cmd_usage(self);
	}
	if ((pid > 0) == (optind < argc))
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	if (pid <= 0 && targets_many(argc - optind, argv + optind))
		/* in reverse start order, as stops */
		return targets_apply(ctl, argc - optind, argv + optind,
		    TARGETS_STOP, "terminate", NULL, "terminated");
	args = cJSON_CreateObject();
	if (pid > 0)
		cJSON_AddNumberToObject(args, "pid", (double)pid);
	else
		cJSON_AddStringToObject(args, "name", argv[optind]);
	if ((rv = client_run(ctl, "terminate", args, &call,
	    CLIENT_LAST)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else
			printf("terminated %s\n", output_string(call.result,
			    "path", pid > 0 ? "?" : argv[optind]));
	}
	call_clear(&call);
	return rv;
}
