/* herdctl call NAME JSON [--timeout D]: a request to an actor and its
 * reply (invoke, synchronous). */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

static int cmd_call_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_call_entry = {
	.name = "call",
	.usage = "call NAME JSON [--timeout D]",
	.help = "Send an actor a request and print its reply.\n"
	    "JSON is any JSON value, the request its handle_call gets; the\n"
	    "reply is printed as JSON on one line (with --json, the whole\n"
	    "result, {\"reply\":..}). The actor may answer at once or later;\n"
	    "without an answer within D (default 5s; 500ms, 2m...) the call\n"
	    "fails with timeout and a late answer is dropped. If the actor\n"
	    "ends while the call waits, the call fails at once with the\n"
	    "actor's exit reason (code noproc).\n"
	    "Exit status 3 if there is no such actor or it is not running\n"
	    "(or ended), 1 if the actor answered an error or did not answer.\n",
	.exec = cmd_call_exec,
};

static int
cmd_call_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct call call;
	cJSON *args, *msg;
	char *text;
	int ch, timeout = -1, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'T' || duration_parse(optarg, &timeout) != 0 ||
		    timeout < 1)
			return cmd_usage(self);
	}
	if (argc - optind != 2)
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	if ((msg = cmd_json_arg("request", argv[optind + 1])) == NULL)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[optind]);
	cJSON_AddItemToObject(args, "msg", msg);
	if (timeout > 0) {
		cJSON_AddNumberToObject(args, "timeout_ms", timeout);
		/* herdd answers by then: wait a little longer for it */
		if (ctl->timeout_ms < timeout + 1000)
			ctl->timeout_ms = timeout + 1000;
	}
	if ((rv = client_run(ctl, "call", args, &call, CLIENT_LAST)) ==
	    IPC_EXIT_OK) {
		if (ctl->json) {
			output_json(call.result);
		} else if ((text = cJSON_PrintUnformatted(
		    cJSON_GetObjectItemCaseSensitive(call.result, "reply")))
		    != NULL) {
			puts(text);
			cJSON_free(text);
		}
	}
	call_clear(&call);
	return rv;
}
