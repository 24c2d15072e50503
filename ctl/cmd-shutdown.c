/* herdctl shutdown [--wait]: stops every child, then herdd. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

static int cmd_shutdown_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_shutdown_entry = {
	.name = "shutdown",
	.usage = "shutdown [--wait]",
	.help = "Stop every child, in reverse start order, then herdd.\n"
	    "Prints \"herdd is shutting down\"; with --json, herdd's result.\n"
	    "  --wait  then wait until herdd has closed its control socket,\n"
	    "          at most TIMEOUT (-t), and print \"herdd has stopped\";\n"
	    "          exit status 5 if it is still up by then.\n"
	    "Exit status 4 if herdd refuses.\n",
	.exec = cmd_shutdown_exec,
};

static int
cmd_shutdown_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct client *c;
	struct call call;
	char *cause, buf[32];
	int wait_gone = 0, ch, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'w')
			return cmd_usage(self);
		wait_gone = 1;
	}
	if (optind != argc)
		return cmd_usage(self);
	if ((c = client_open(ctl, &cause)) == NULL) {
		output_warnx("%s", cause);
		free(cause);
		return IPC_EXIT_UNREACHABLE;
	}
	if ((rv = client_call(c, "shutdown", NULL, &call)) != IPC_EXIT_OK) {
		call_report(ctl, &call);
		goto out;
	}
	if (ctl->json)
		output_json(call.result);
	else
		puts("herdd is shutting down");
	output_flush();
	if (!wait_gone)
		goto out;
	if (client_wait_gone(c, ctl->timeout_ms) != 0) {
		duration_format(buf, sizeof buf, ctl->timeout_ms);
		output_warnx("herdd is still up after %s", buf);
		rv = IPC_EXIT_UNREACHABLE;
	} else if (!ctl->json)
		puts("herdd has stopped");
out:
	call_clear(&call);
	client_close(c);
	return rv;
}
