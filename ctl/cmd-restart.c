/* herdctl restart NAME: asks herdd to restart one child. */
#include "ctl.h"

static int cmd_restart_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "restart NAME",
	.help = "Stop a child and start it again.\n"
	    "Prints \"restarted PATH (pid N)\"; with --json, "
	    "{\"path\":..,\"pid\":..}.\n"
	    "Exit status 3 if there is no such child, 4 if herdd refuses.\n",
	.exec = cmd_restart_exec,
};

static int
cmd_restart_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	return cmd_child_op(ctl, self, argc, argv, "restart", "restarted");
}
