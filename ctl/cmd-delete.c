/* herdctl delete NAME: removes a stopped child (OTP's delete_child). */
#include "ctl.h"

static int cmd_delete_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "delete NAME",
	.help = "Remove a stopped child from its supervisor.\n"
	    "Only a child that is not running can be deleted (stop it first:\n"
	    "herdctl stop NAME). The config file is not changed: a child from\n"
	    "the config\n"
	    "comes back when herdd restarts.\n"
	    "Prints \"deleted PATH\"; with --json, {\"path\":..}.\n"
	    "Exit status 3 if there is no such child, 4 if it is running or\n"
	    "restarting.\n",
	.exec = cmd_delete_exec,
};

static int
cmd_delete_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	return cmd_child_op(ctl, self, argc, argv, "delete", "deleted");
}
