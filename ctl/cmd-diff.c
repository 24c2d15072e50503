/* herdctl diff: what herdctl reload would change, changing nothing. */
#include "ctl.h"

static int cmd_diff_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_diff_entry = {
	.name = "diff",
	.usage = "diff",
	.help = "Show what herdctl reload would change, changing nothing.\n"
	    "herdd compares the config it runs with and its config file.\n"
	    "Prints one line per change, as herdctl reload does, and notes on\n"
	    "top-level keys; \"no changes\" when there are none. With --json,\n"
	    "herdd's result: {\"config\",\"changes\",\"notes\"}.\n"
	    "Exit status 1 if the file is invalid (its errors are printed).\n",
	.exec = cmd_diff_exec,
};

static int
cmd_diff_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	if (cmd_args(self, argc, argv, 0, 0) < 0)
		return IPC_EXIT_USAGE;
	return cmd_reload_run(ctl, "diff");
}
