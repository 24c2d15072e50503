/* herdctl help [COMMAND]: the list of commands, or one command's help. */
#include <stdio.h>

#include "ctl.h"

static int cmd_help_exec(struct ctl *, const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "help [COMMAND]",
	.help = "Print a command's usage and help, or this list.\n",
	.exec = cmd_help_exec,
};

/* The text of herdctl --help, also in docs/herdctl.md. */
void
cmd_help_all(void)
{
	fputs(CTL_USAGE, stdout);
	fputs("       herdctl help COMMAND | COMMAND --help | --help | "
	    "--version\n"
	    "\n"
	    "Control herdd, the herd process supervisor, through its control\n"
	    "socket RUN_DIR/control.sock and its event socket "
	    "RUN_DIR/events.sock.\n"
	    "\n"
	    "Commands (any unique prefix of a name works):\n", stdout);
	cmd_print_summaries();
	fputs("\n"
	    "Options (they may also follow the command, before a \"--\" and,\n"
	    "for spawn and add-child, before their first argument):\n"
	    "  -r RUN_DIR   herdd's run directory (default $HERD_RUN_DIR, "
	    "else /run/herd)\n"
	    "  -c FILE      the config file for herdctl config (default "
	    "$HERD_CONFIG,\n"
	    "               else the one herdd runs with, else "
	    "/etc/herd/herd.json)\n"
	    "  -t TIMEOUT   how long to wait for each reply: 5, 5s, 500ms, 2m "
	    "(default 30s)\n"
	    "  --json       print results as JSON on stdout, one value a "
	    "line; errors\n"
	    "               from herdd are printed as the whole reply\n"
	    "  -h, --help   print this help; herdctl help COMMAND for one "
	    "command\n"
	    "  --version    print herdctl's version\n"
	    "\n"
	    "Environment:\n"
	    "  HERD_RUN_DIR  run directory used when -r is not given\n"
	    "  HERD_CONFIG   config file used when -c is not given\n"
	    "\n"
	    "Exit status:\n"
	    "  0  success\n"
	    "  1  the operation failed (or wait timed out)\n"
	    "  2  usage error: bad option, missing argument, unknown command\n"
	    "  3  no such child\n"
	    "  4  refused: not allowed, or not possible in the child's state\n"
	    "  5  herdd is not running or did not answer in time\n", stdout);
}

static int
cmd_help_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	const struct cmd_entry *entry;
	int i;

	if ((i = cmd_args(self, argc, argv, 0, 1)) < 0)
		return IPC_EXIT_USAGE;
	if (i == argc) {
		cmd_help_all();
		return IPC_EXIT_OK;
	}
	if ((entry = cmd_find(argv[i])) == NULL)
		return IPC_EXIT_USAGE;
	cmd_print_help(entry);
	return IPC_EXIT_OK;
}
