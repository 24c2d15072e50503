/* herdctl wait NAME --state STATE: waits, on events, for a child's state. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_wait_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage = "wait NAME --state STATE [--timeout DUR]",
	.help = "Wait until a child is in state STATE: one of stopped,\n"
	    "starting, running, stopping, restarting, exited.\n"
	    "Checks the child's state once, then again at each of its events;\n"
	    "it does not poll.\n"
	    "  --state STATE   the state to wait for\n"
	    "  --timeout DUR   give up after DUR (5, 5s, 500ms, 2m); without\n"
	    "                  it, wait until interrupted\n"
	    "Prints \"PATH is STATE\"; with --json, the child's status object.\n"
	    "Exit status 1 on timeout or interrupt, 3 if there is no such\n"
	    "child.\n",
	.exec = cmd_wait_exec,
};

/* Whether S is a state a child can be in (status's names). */
static int
known_state(const char *s)
{
	static const char *const states[] = { "stopped", "starting",
		"running", "stopping", "restarting", "exited" };
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

/* Finds NAME in a status result: by path, then by name, else the only
 * child listed. */
static const cJSON *
cmd_wait_find(const cJSON *result, const char *name)
{
	const cJSON *children, *c;

	children = cJSON_GetObjectItemCaseSensitive(result, "children");
	cJSON_ArrayForEach(c, children)
		if (strcmp(output_string(c, "path", ""), name) == 0)
			return c;
	cJSON_ArrayForEach(c, children)
		if (strcmp(output_string(c, "name", ""), name) == 0)
			return c;
	if (cJSON_GetArraySize(children) == 1)
		return children->child;
	return NULL;
}

/*
 * Asks herdd for NAME's status. Returns an exit code (reported), with
 * *child (caller frees) holding the child's status object when 0.
 */
static int
cmd_wait_check(struct follow *f, struct ctl *ctl, const char *name,
    cJSON **child)
{
	const cJSON *c;
	struct call call;
	cJSON *args;
	int rv;

	*child = NULL;
	args = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(args, "names"),
	    cJSON_CreateString(name));
	if ((rv = client_call(follow_client(f), "status", args, &call)) != 0) {
		call_report(ctl, &call);
		call_clear(&call);
		return rv;
	}
	if ((c = cmd_wait_find(call.result, name)) == NULL) {
		output_warnx("no such child: %s", name);
		call_clear(&call);
		return IPC_EXIT_NOT_FOUND;
	}
	*child = cJSON_Duplicate(c, 1);
	call_clear(&call);
	return IPC_EXIT_OK;
}

static int
cmd_wait_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *state = NULL, *name, *ev_path;
	int64_t deadline = -1;
	struct follow *f;
	cJSON *child = NULL, *ev;
	char *path = NULL, buf[32];
	int ch, mine, rv, timeout_ms = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state = optarg;
			break;
		case 't':
			if (duration_parse(optarg, &timeout_ms) != 0) {
				output_warnx("invalid duration \"%s\"", optarg);
				return cmd_usage(self);
			}
			break;
		default:
			return cmd_usage(self);
		}
	}
	if (state == NULL || optind != argc - 1)
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	if (!known_state(state)) {
		output_warnx("unknown state \"%s\": expected one of stopped, "
		    "starting, running, stopping, restarting, exited", state);
		return IPC_EXIT_USAGE;
	}
	name = argv[optind];
	if (timeout_ms > 0)
		deadline = duration_now_ms() + timeout_ms;

	/* Subscribe first, then look: no change can fall in between. */
	if ((f = follow_open(ctl, "", 0, &rv)) == NULL)
		return rv;
	if ((rv = follow_start(f, -1)) != IPC_EXIT_OK ||
	    (rv = cmd_wait_check(f, ctl, name, &child)) != IPC_EXIT_OK)
		goto out;
	if ((path = strdup(output_string(child, "path", name))) == NULL)
		abort();
	while (strcmp(output_string(child, "state", ""), state) != 0) {
		switch (follow_next(f, &ev, deadline, &rv)) {
		case FOLLOW_EVENT:
			ev_path = output_string(ev, "path", "");
			mine = strcmp(ev_path, path) == 0;
			cJSON_Delete(ev);
			if (!mine)
				continue;
			cJSON_Delete(child);
			if ((rv = cmd_wait_check(f, ctl, path, &child)) != 0)
				goto out;
			continue;
		case FOLLOW_TIMEOUT:
			duration_format(buf, sizeof buf, timeout_ms);
			output_warnx("%s is still %s after %s (waited for %s)",
			    path, output_string(child, "state", "?"), buf,
			    state);
			rv = IPC_EXIT_FAILED;
			goto out;
		case FOLLOW_INPUT: /* none is watched */
		case FOLLOW_STOP:
			output_warnx("interrupted while waiting for %s to be "
			    "%s", path, state);
			rv = IPC_EXIT_FAILED;
			goto out;
		case FOLLOW_ERROR:
			goto out;
		}
	}
	if (ctl->json)
		output_json(child);
	else
		printf("%s is %s\n", path, state);
	rv = IPC_EXIT_OK;
out:
	free(path);
	cJSON_Delete(child);
	follow_close(f);
	return rv;
}
