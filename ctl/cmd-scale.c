/*
 * herdctl scale POOL N: grows or shrinks a simple_one_for_one pool to N
 * instances (issue 12, item 12; pm2 scale), with the protocol's spawn
 * and terminate: new instances with no extra arguments, the newest ones
 * terminated first (the reverse of their start order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_scale_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_scale_entry = {
	.name = "scale",
	.usage = "scale POOL N",
	.help = "Grow or shrink a pool to N instances.\n"
	    "POOL is a simple_one_for_one supervisor: instances are spawned\n"
	    "(with no extra arguments) or the newest terminated until it has\n"
	    "N; one line each (\"spawned PATH (pid N)\", \"terminated PATH\"),\n"
	    "then \"POOL: N instances\". Instances started at runtime are not\n"
	    "written to the config file.\n"
	    "Exit status 3 if there is no such pool, 4 if it is not a pool or\n"
	    "is full (max_instances), 1 if a spawn fails.\n",
	.exec = cmd_scale_exec,
};

static int
cmd_scale_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	struct call call;
	const cJSON *c;
	char **inst = NULL, pattern[600];
	size_t n = 0, cap = 0, held;
	int64_t want;
	int i, rv, pool = 0;

	if ((i = cmd_args(self, argc, argv, 2, 2)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1 ||
	    cmd_parse_int("N", argv[i + 1], 0, &want) != 0)
		return IPC_EXIT_USAGE;
	if ((rv = client_run(ctl, "status", NULL, &call, 0)) != IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	snprintf(pattern, sizeof pattern, "%s/", argv[i]);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(call.result,
	    "children")) {
		const char *p = output_string(c, "path", "");
		if (strcmp(p, argv[i]) == 0)
			pool = strcmp(output_string(c, "strategy", ""),
			    "simple_one_for_one") == 0 ? 1 : -1;
		/* its instances: one level below it */
		if (strncmp(p, pattern, strlen(pattern)) != 0 ||
		    strchr(p + strlen(pattern), '/') != NULL)
			continue;
		if (n == cap && (inst = realloc(inst, (cap = cap ? cap * 2 :
		    16) * sizeof *inst)) == NULL)
			abort();
		if ((inst[n++] = strdup(p)) == NULL)
			abort();
	}
	call_clear(&call);
	held = n;
	rv = IPC_EXIT_OK;
	if (pool <= 0) {
		/* never the children of a supervisor that is no pool */
		output_warnx(pool == 0 ? "no pool named \"%s\"" :
		    "%s is not a simple_one_for_one pool", argv[i]);
		rv = pool == 0 ? IPC_EXIT_NOT_FOUND : IPC_EXIT_REFUSED;
		want = (int64_t)n;
	}
	if ((int64_t)n > want) {
		/* the newest first */
		char **drop = inst + want;
		size_t nd = n - (size_t)want;
		for (size_t a = 0, b = nd - 1; a < b; a++, b--) {
			char *t = drop[a];
			drop[a] = drop[b];
			drop[b] = t;
		}
		rv = targets_run(ctl, drop, nd, "terminate", targets_name_args,
		    NULL, "terminated");
		if (rv == IPC_EXIT_OK)
			n = (size_t)want;
	}
	while (rv == IPC_EXIT_OK && (int64_t)n < want) {
		cJSON *args = cJSON_CreateObject();
		int64_t pid;
		cJSON_AddStringToObject(args, "pool", argv[i]);
		if ((rv = client_run(ctl, "spawn", args, &call, 0)) ==
		    IPC_EXIT_OK) {
			if (!ctl->json && output_int(call.result, "pid", &pid) ==
			    0)
				printf("spawned %s (pid %lld)\n",
				    output_string(call.result, "path", "?"),
				    (long long)pid);
			n++;
		}
		call_clear(&call);
	}
	if (rv == IPC_EXIT_OK && !ctl->json)
		printf("%s: %zu instance%s\n", argv[i], n, n == 1 ? "" : "s");
	for (size_t k = 0; k < held; k++)
		free(inst[k]);
	free(inst);
	return rv;
}
