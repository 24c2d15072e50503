/* herdctl ping: checks that herdd answers. */
#include <stdio.h>

#include "ctl.h"

static int cmd_ping_exec(struct ctl *, const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.usage = "ping",
	.help = "Check that herdd answers.\n"
	    "Prints \"pong\"; with --json, herdd's result object.\n",
	.exec = cmd_ping_exec,
};

static int
cmd_ping_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	int rv;

	if (cmd_args(self, argc, argv, 0, 0) < 0)
		return IPC_EXIT_USAGE;
	if ((rv = client_run(ctl, "ping", NULL, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else
			puts("pong");
	}
	call_clear(&call);
	return rv;
}
