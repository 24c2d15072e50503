/* herdctl actors: the actors herdd has registered. */
#include <stdio.h>

#include "ctl.h"

static int cmd_actors_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_actors_entry = {
	.name = "actors",
	.usage = "actors",
	.help = "List the registered actors: name, id, pid, mailbox, state.\n"
	    "An actor is registered once its init has returned, until it\n"
	    "ends; its id (PID.INCARNATION) is never reused. MAILBOX counts\n"
	    "the messages herdd holds for it. With --json, {\"actors\":[{\"id\",\n"
	    "\"name\",\"path\",\"pid\",\"mailbox\",\"state\"},...]}.\n",
	.exec = cmd_actors_exec,
};

static int
cmd_actors_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	const cJSON *a;
	struct call call;
	int64_t pid, mb;
	int rv;

	if (cmd_args(self, argc, argv, 0, 0) < 0)
		return IPC_EXIT_USAGE;
	if ((rv = client_run(ctl, "actors", NULL, &call, CLIENT_LAST)) !=
	    IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	if (ctl->json) {
		output_json(call.result);
	} else {
		printf("%-24s %-16s %-8s %-8s %s\n", "NAME", "ID", "PID",
		    "MAILBOX", "STATE");
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
		    call.result, "actors")) {
			if (output_int(a, "pid", &pid) != 0)
				pid = 0;
			if (output_int(a, "mailbox", &mb) != 0)
				mb = 0;
			printf("%-24s %-16s %-8lld %-8lld %s\n",
			    output_string(a, "name", "?"),
			    output_string(a, "id", "?"), (long long)pid,
			    (long long)mb, output_string(a, "state", "?"));
		}
	}
	call_clear(&call);
	return IPC_EXIT_OK;
}
