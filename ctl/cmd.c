/* herdctl's command table, lookup by unique prefix, and shared helpers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_shutdown_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_top_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_wait_entry;
extern const struct cmd_entry cmd_tree_entry;
extern const struct cmd_entry cmd_terminate_entry;
extern const struct cmd_entry cmd_signal_entry;
extern const struct cmd_entry cmd_add_child_entry;
extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_reset_entry;
extern const struct cmd_entry cmd_spawn_entry;
extern const struct cmd_entry cmd_scale_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_actors_entry;
extern const struct cmd_entry cmd_cast_entry;
extern const struct cmd_entry cmd_call_entry;
extern const struct cmd_entry cmd_inspect_entry;
extern const struct cmd_entry cmd_tx_entry;

/* In the order herdctl --help lists them. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_status_entry,
	&cmd_top_entry,
	&cmd_tree_entry,
	&cmd_start_entry,
	&cmd_stop_entry,
	&cmd_restart_entry,
	&cmd_terminate_entry,
	&cmd_signal_entry,
	&cmd_add_child_entry,
	&cmd_delete_entry,
	&cmd_reset_entry,
	&cmd_spawn_entry,
	&cmd_scale_entry,
	&cmd_logs_entry,
	&cmd_reload_entry,
	&cmd_diff_entry,
	&cmd_config_entry,
	&cmd_actors_entry,
	&cmd_cast_entry,
	&cmd_call_entry,
	&cmd_inspect_entry,
	&cmd_tx_entry,
	&cmd_shutdown_entry,
	&cmd_events_entry,
	&cmd_wait_entry,
	&cmd_ping_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	NULL
};

/* Finds a command by exact name or unique prefix; reports an unknown or
 * ambiguous name and returns NULL. */
const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const *e, *found = NULL, *last;
	size_t len = strlen(name);
	int n = 0;

	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0)
			return *e;
		if (len > 0 && strncmp((*e)->name, name, len) == 0) {
			found = *e;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n == 0) {
		output_warnx("unknown command \"%s\" (see herdctl --help)",
		    name);
		return NULL;
	}
	/* List the candidates in alphabetical order. */
	fprintf(stderr, "herdctl: ambiguous command: %s, could be:", name);
	for (last = NULL, n = 0;; last = found, n++) {
		found = NULL;
		for (e = cmd_table; *e != NULL; e++)
			if (strncmp((*e)->name, name, len) == 0 &&
			    (last == NULL || strcmp((*e)->name, last->name) > 0) &&
			    (found == NULL ||
			    strcmp((*e)->name, found->name) < 0))
				found = *e;
		if (found == NULL)
			break;
		fprintf(stderr, "%s %s", n ? "," : "", found->name);
	}
	fputc('\n', stderr);
	return NULL;
}

/* Prints the usage line to stderr; returns the usage exit code. */
int
cmd_usage(const struct cmd_entry *entry)
{
	fprintf(stderr, "usage: herdctl %s\n", entry->usage);
	return IPC_EXIT_USAGE;
}

/* Prints a command's usage and help to stdout. */
void
cmd_print_help(const struct cmd_entry *entry)
{
	printf("usage: herdctl %s\n\n%s", entry->usage, entry->help);
}

/* Lists every command with the first line of its help. */
void
cmd_print_summaries(void)
{
	const struct cmd_entry *const *e;
	const char *nl;

	for (e = cmd_table; *e != NULL; e++) {
		nl = strchr((*e)->help, '\n');
		printf("  %-10s %.*s\n", (*e)->name,
		    nl ? (int)(nl - (*e)->help) : (int)strlen((*e)->help),
		    (*e)->help);
	}
}

/*
 * For commands without options: checks that ARGV has between MIN and MAX
 * operands (MAX < 0: any). Returns the index of the first operand, or -1
 * after printing the usage.
 */
int
cmd_no_empty(int argc, char **argv, int from)
{
	int i;

	for (i = from; i < argc; i++)
		if (argv[i][0] == '\0') {
			output_warnx("an empty argument names nothing (argument "
			    "%d)", i - from + 1);
			return -1;
		}
	return 0;
}

int
cmd_args(const struct cmd_entry *entry, int argc, char **argv, int min,
    int max)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	int n;

	optind = 0;
	if (getopt_long(argc, argv, "", longopts, NULL) == -1)
		n = argc - optind;
	else
		n = -1; /* an option: getopt said which */
	if (n < min || (max >= 0 && n > max)) {
		cmd_usage(entry);
		return -1;
	}
	return optind;
}

/* Parses S as an integer >= MIN; 0, or -1 after saying what is wrong. */
int
cmd_parse_int(const char *what, const char *s, int64_t min, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min) {
		output_warnx("invalid %s \"%s\": expected an integer >= %lld",
		    what, s, (long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

/* TEXT as a JSON value (caller frees), or NULL after saying what is wrong
 * with the WHAT ("message"). */
cJSON *
cmd_json_arg(const char *what, const char *text)
{
	cJSON *j = cJSON_Parse(text);

	if (j == NULL)
		output_warnx("the %s is not JSON: %s (quote it: '{\"op\":\"get\"}')",
		    what, text);
	return j;
}

/* start, stop and restart: OP on one child, then "VERB path (pid N)". */
int
cmd_child_op(struct ctl *ctl, const struct cmd_entry *entry, int argc,
    char **argv, const char *op, const char *verb)
{
	struct call call;
	cJSON *args;
	const char *path;
	int64_t pid;
	int i, rv;

	int many = strcmp(op, "delete") != 0; /* start, stop */

	if ((i = cmd_args(entry, argc, argv, 1, many ? -1 : 1)) < 0 ||
	    cmd_no_empty(argc, argv, i) == -1)
		return IPC_EXIT_USAGE;
	if (many && targets_many(argc - i, argv + i))
		/* stops in reverse start order, starts in order */
		return targets_apply(ctl, argc - i, argv + i,
		    strcmp(op, "stop") == 0 ? TARGETS_STOP : TARGETS_START, op,
		    NULL, verb);
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[i]);
	if ((rv = client_run(ctl, op, args, &call, CLIENT_LAST)) !=
	    IPC_EXIT_OK) {
		call_clear(&call);
		return rv;
	}
	if (ctl->json)
		output_json(call.result);
	else {
		path = output_string(call.result, "path", argv[i]);
		if (output_int(call.result, "pid", &pid) == 0 && pid > 0)
			printf("%s %s (pid %lld)\n", verb, path,
			    (long long)pid);
		else
			printf("%s %s\n", verb, path);
	}
	call_clear(&call);
	return IPC_EXIT_OK;
}
