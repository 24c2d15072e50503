/* herdctl actors: the actors herdd has registered. */
#include <stdio.h>

#include "ctl.h"

static int cmd_actors_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_actors_entry = {
	.name = "actors",
	.usage = "actors",
	.help = "List the registered actors: name, type, id, pid, mailbox,\n"
	    "readiness, liveness, state. An actor is registered once its init\n"
	    "has returned, until it ends; its id (PID.INCARNATION) is never\n"
	    "reused. TYPE is the actor type (the pool) of an instance spawned\n"
	    "from one, else -. MAILBOX counts the messages herdd holds for\n"
	    "it. READY is the actor's own word (herd_set_ready); LIVENESS is\n"
	    "off, ok or checking (a check is out; liveness_ms in herd.json).\n"
	    "With --json,\n"
	    "{\"actors\":[{\"id\",\"name\",\"path\",\"names\",\"type\",\"pid\",\n"
	    "\"mailbox\",\"state\",\"ready\",\"liveness\",\"liveness_checks\"},...]}\n"
	    "(\"type\" null when it is not an instance).\n",
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
		printf("%-24s %-16s %-16s %-8s %-8s %-5s %-9s %s\n", "NAME",
		    "TYPE", "ID", "PID", "MAILBOX", "READY", "LIVENESS",
		    "STATE");
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(
		    call.result, "actors")) {
			if (output_int(a, "pid", &pid) != 0)
				pid = 0;
			if (output_int(a, "mailbox", &mb) != 0)
				mb = 0;
			printf("%-24s %-16s %-16s %-8lld %-8lld %-5s %-9s %s\n",
			    output_string(a, "name", "?"),
			    output_string(a, "type", "-"),
			    output_string(a, "id", "?"), (long long)pid,
			    (long long)mb, cJSON_IsTrue(cJSON_GetObjectItem(a,
			    "ready")) ? "yes" : "no",
			    output_string(a, "liveness", "?"),
			    output_string(a, "state", "?"));
		}
	}
	call_clear(&call);
	return IPC_EXIT_OK;
}
