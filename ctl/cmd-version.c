/* herdctl version: herdctl's version, and herdd's when it answers. */
#include <stdio.h>

#include "ctl.h"

static int cmd_version_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "version",
	.help = "Print herdctl's version, and herdd's when it answers.\n"
	    "Prints \"herdctl V\" then \"herdd V\"; when herdd cannot be asked,\n"
	    "says why on stderr and still exits 0. With --json,\n"
	    "{\"herdctl\":V,\"herdd\":V or null}.\n",
	.exec = cmd_version_exec,
};

static int
cmd_version_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	const char *herdd = NULL;
	cJSON *j;

	if (cmd_args(self, argc, argv, 0, 0) < 0)
		return IPC_EXIT_USAGE;
	if (client_run(ctl, "version", NULL, &call,
	    CLIENT_QUIET | CLIENT_LAST) == IPC_EXIT_OK)
		herdd = output_string(call.result, "version", "unknown");
	if (ctl->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "herdctl", HERD_VERSION);
		if (herdd != NULL)
			cJSON_AddStringToObject(j, "herdd", herdd);
		else
			cJSON_AddNullToObject(j, "herdd");
		output_json(j);
		cJSON_Delete(j);
	} else {
		printf("herdctl %s\n", HERD_VERSION);
		if (herdd != NULL)
			printf("herdd %s\n", herdd);
	}
	if (herdd == NULL)
		output_warnx("%s", call.cause);
	call_clear(&call);
	return IPC_EXIT_OK;
}
