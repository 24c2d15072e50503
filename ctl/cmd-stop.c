/* herdctl stop NAME: asks herdd to stop one child. */
#include "ctl.h"

static int cmd_stop_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "stop NAME...",
	.help = "Stop a child; its supervisor does not restart it.\n"
	    "The child stays stopped until herdctl start or restart.\n"
	    "Prints \"stopped PATH\"; with --json, {\"path\":..}.\n"
	    "Several: paths, globs (quoted, 'api/*') or all, in reverse start\n"
	    "order; a selected supervisor covers its subtree.\n"
	    CTL_HELP_SEVERAL
	    "Exit status 3 if there is no such child, 4 if herdd refuses.\n",
	.exec = cmd_stop_exec,
};

static int
cmd_stop_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	return cmd_child_op(ctl, self, argc, argv, "stop", "stopped");
}
