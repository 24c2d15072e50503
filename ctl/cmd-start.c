/* herdctl start NAME: asks herdd to start one child. */
#include "ctl.h"

static int cmd_start_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "start NAME...",
	.help = "Start a child that is not running.\n"
	    "Prints \"started PATH (pid N)\"; with --json, {\"path\":..,\"pid\":..}.\n"
	    "Several: paths, globs (quoted, 'api/*') or all, in start order;\n"
	    "running ones are said (\"running PATH\") and skipped.\n"
	    CTL_HELP_SEVERAL
	    "Exit status 3 if there is no such child, 4 if herdd refuses (for\n"
	    "example, because the child is already running).\n",
	.exec = cmd_start_exec,
};

static int
cmd_start_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	return cmd_child_op(ctl, self, argc, argv, "start", "started");
}
