/* herdctl: parses the global options and runs one command against herdd. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

/* Removes every --json before a "--" from ARGV; returns whether one was. */
static int
main_strip_json(int *argc, char **argv)
{
	int i, j, found = 0, done = 0;

	for (i = j = 1; i < *argc; i++) {
		if (!done && strcmp(argv[i], "--") == 0)
			done = 1;
		if (!done && strcmp(argv[i], "--json") == 0) {
			found = 1;
			continue;
		}
		argv[j++] = argv[i];
	}
	argv[j] = NULL;
	*argc = j;
	return found;
}

/* Whether the command's arguments ask for its help. */
static int
main_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/*
 * Global options after the command (issue 12, item 16): -r DIR, -t D and
 * -c FILE (or -rDIR ...) anywhere before a "--" are taken off the
 * command's ARGV (argv[0] is the command) and set in CTL; for spawn and
 * add-child only before their first argument, their ARGS staying
 * verbatim. Returns 0, or -1 after saying what is wrong.
 */
static int
main_strip_globals(struct ctl *ctl, int *argc, char **argv)
{
	int verbatim = strcmp(argv[0], "spawn") == 0 ||
	    strcmp(argv[0], "add-child") == 0;
	int i, j = 1, done = 0;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i], *v;
		char o;
		if (!done && (strcmp(a, "--") == 0 || (verbatim &&
		    a[0] != '-')))
			done = 1;
		if (done || a[0] != '-' || (a[1] != 'r' && a[1] != 't' &&
		    a[1] != 'c')) {
			argv[j++] = argv[i];
			continue;
		}
		o = a[1];
		if (a[2] != '\0')
			v = a + 2;
		else if (i + 1 < *argc)
			v = argv[++i];
		else {
			output_warnx("option -%c needs a value", o);
			return -1;
		}
		if (o == 'r')
			ctl->run_dir = v;
		else if (o == 'c')
			ctl->config = v;
		else if (duration_parse(v, &ctl->timeout_ms) != 0) {
			output_warnx("invalid timeout \"%s\": use e.g. 5, 5s, "
			    "500ms or 2m", v);
			return -1;
		}
	}
	argv[j] = NULL;
	*argc = j;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl ctl = { .timeout_ms = CTL_DEFAULT_TIMEOUT_MS };
	const struct cmd_entry *entry;
	char argv0[64];
	const char *env;
	int ch, rv;

	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, not death */
	argv[0] = (char *)"herdctl"; /* for getopt's messages */
	ctl.json = main_strip_json(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+r:c:t:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'r':
			ctl.run_dir = optarg;
			break;
		case 'c':
			ctl.config = optarg;
			break;
		case 't':
			if (duration_parse(optarg, &ctl.timeout_ms) != 0) {
				output_warnx("invalid timeout \"%s\": use e.g. "
				    "5, 5s, 500ms or 2m", optarg);
				return IPC_EXIT_USAGE;
			}
			break;
		case 'h':
			cmd_help_all();
			return IPC_EXIT_OK;
		case 'V':
			printf("herdctl %s\n", HERD_VERSION);
			return IPC_EXIT_OK;
		default:
			fputs(CTL_USAGE, stderr);
			return IPC_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && main_strip_globals(&ctl, &argc, argv) != 0)
		return IPC_EXIT_USAGE;
	if (ctl.run_dir == NULL) {
		env = getenv("HERD_RUN_DIR");
		ctl.run_dir = env && *env ? env : CTL_DEFAULT_RUN_DIR;
	}
	if (argc == 0) {
		fputs(CTL_USAGE, stderr);
		fputs("(herdctl --help lists the commands)\n", stderr);
		return IPC_EXIT_USAGE;
	}
	if ((entry = cmd_find(argv[0])) == NULL)
		return IPC_EXIT_USAGE;
	if (main_wants_help(argc, argv)) {
		cmd_print_help(entry);
		return IPC_EXIT_OK;
	}
	/* getopt's messages then read "herdctl stop: ...". */
	snprintf(argv0, sizeof argv0, "herdctl %s", entry->name);
	argv[0] = argv0;
	rv = entry->exec(&ctl, entry, argc, argv);
	if (fflush(stdout) != 0 && errno != EPIPE && rv == IPC_EXIT_OK) {
		output_warnx("stdout: %s", strerror(errno));
		rv = IPC_EXIT_FAILED;
	}
	if (!CTL_TEARDOWN) {
		fflush(stderr);
		_exit(rv); /* the kernel drops nng's threads and connections */
	}
	nng_fini(); /* stops nng's threads: leak checkers see a clean exit */
	return rv;
}
