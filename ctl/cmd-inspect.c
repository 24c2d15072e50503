/* herdctl inspect NAME: an actor's own view of its state. */
#include <stdio.h>

#include "ctl.h"

static int cmd_inspect_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_inspect_entry = {
	.name = "inspect",
	.usage = "inspect NAME",
	.help = "Print an actor's view of its state, \"KEY: VALUE\" a line.\n"
	    "What it shows is the actor's (its inspect callback); it is\n"
	    "served ahead of the messages queued for the actor. With --json,\n"
	    "{\"reply\":{KEY:VALUE,...}}.\n"
	    "Exit status 3 if there is no such actor or it is not running.\n",
	.exec = cmd_inspect_exec,
};

static int
cmd_inspect_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	const cJSON *kv;
	struct call call;
	cJSON *args;
	int i, rv;

	if ((i = cmd_args(self, argc, argv, 1, 1)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[i]);
	if ((rv = client_run(ctl, "inspect", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json)
			output_json(call.result);
		else
			cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(
			    call.result, "reply"))
				printf("%s: %s\n", kv->string,
				    cJSON_IsString(kv) ? kv->valuestring : "");
	}
	call_clear(&call);
	return rv;
}
