/* herdctl cast NAME JSON: a message to an actor, no reply (invoke,
 * asynchronous). */
#include <stdio.h>

#include "ctl.h"

static int cmd_cast_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_cast_entry = {
	.name = "cast",
	.usage = "cast NAME JSON",
	.help = "Send an actor a message that needs no reply.\n"
	    "JSON is any JSON value, the message its handle_cast gets.\n"
	    "Returns once herdd has queued it for the actor (casts from one\n"
	    "sender arrive in the order sent). Prints \"cast to NAME\"; with\n"
	    "--json, {\"name\":..,\"id\":..}.\n"
	    "Exit status 3 if there is no such actor or it is not running.\n",
	.exec = cmd_cast_exec,
};

static int
cmd_cast_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	cJSON *args, *msg;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 2, 2)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1)
		return IPC_EXIT_USAGE;
	if ((msg = cmd_json_arg("message", argv[i + 1])) == NULL)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[i]);
	cJSON_AddItemToObject(args, "msg", msg);
	if ((rv = client_run(ctl, "cast", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else
			printf("cast to %s\n", output_string(call.result,
			    "name", argv[i]));
	}
	call_clear(&call);
	return rv;
}
