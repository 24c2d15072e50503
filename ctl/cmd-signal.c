/* herdctl signal NAME SIG: sends a signal to one child's process group. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_signal_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_signal_entry = {
	.name = "signal",
	.usage = "signal NAME... SIG",
	.help = "Send a signal to a child's whole process group.\n"
	    "SIG is a name (TERM, SIGTERM, hup) or a number (15). herdd does\n"
	    "not treat it as a stop: the child's supervisor handles its exit\n"
	    "as any other (SIGTERM counts as reason shutdown).\n"
	    "Prints \"signalled PATH (pid N) with SIGNAME\"; with --json,\n"
	    "{\"path\":..,\"pid\":..,\"signal\":..}.\n"
	    "Several: paths, globs (quoted, 'api/*') or all, then SIG: the\n"
	    "workers they select, in start order.\n"
	    CTL_HELP_SEVERAL
	    "Exit status 3 if there is no such child, 4 if it is not running.\n",
	.exec = cmd_signal_exec,
};

/* The signal as herdd takes it: a number for digits, else the name in
 * upper case ("hup" -> "HUP"); NULL when SIG is empty. */
static cJSON *
cmd_signal_arg(const char *sig)
{
	char *up, *p;
	cJSON *j;

	if (*sig == '\0')
		return NULL;
	for (p = (char *)sig; isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0')
		return cJSON_CreateNumber(atoi(sig));
	if ((up = strdup(sig)) == NULL)
		abort();
	for (p = up; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	j = cJSON_CreateString(up);
	free(up);
	return j;
}

static int
cmd_signal_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	cJSON *args, *sig;
	const char *path;
	int64_t pid;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 2, -1)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1)
		return IPC_EXIT_USAGE;
	if ((sig = cmd_signal_arg(argv[argc - 1])) == NULL)
		return cmd_usage(self);
	if (ipc_signal_parse(argv[argc - 1]) == -1) {
		/* herdctl's word, not the protocol's (exit 2, as usage) */
		cJSON_Delete(sig);
		output_warnx("unknown signal \"%s\": expected a name (TERM, "
		    "SIGHUP, kill) or a number from 1 to %d", argv[argc - 1],
		    NSIG - 1);
		return IPC_EXIT_USAGE;
	}
	if (targets_many(argc - 1 - i, argv + i)) {
		cJSON *extra = cJSON_CreateObject();
		cJSON_AddItemToObject(extra, "signal", sig);
		rv = targets_apply(ctl, argc - 1 - i, argv + i, TARGETS_WORKERS,
		    "signal", extra, "signalled");
		cJSON_Delete(extra);
		return rv;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[i]);
	cJSON_AddItemToObject(args, "signal", sig);
	if ((rv = client_run(ctl, "signal", args, &call,
	    CLIENT_LAST)) == IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else {
			path = output_string(call.result, "path", argv[i]);
			printf("signalled %s", path);
			if (output_int(call.result, "pid", &pid) == 0 &&
			    pid > 0)
				printf(" (pid %lld)", (long long)pid);
			printf(" with %s\n", output_string(call.result,
			    "signal", argv[i + 1]));
		}
	}
	call_clear(&call);
	return rv;
}
