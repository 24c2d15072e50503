/* herdctl events: follows herdd's event stream, replayed then live. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static int cmd_events_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "events [--follow] [--since SEQ] [--filter TOPIC] [--count N]",
	.help = "Follow herdd's event stream until interrupted.\n"
	    "Without --since, only events from now on. With --since SEQ,\n"
	    "first the events after SEQ that herdd still holds in its ring\n"
	    "(--since 0: all of them), then live ones. No event is shown\n"
	    "twice; a gap in seq is refilled from the ring, or reported on\n"
	    "stderr when the ring no longer holds it.\n"
	    "  --follow        follow live events (the default; -f)\n"
	    "  --since SEQ     start after event number SEQ\n"
	    "  --filter TOPIC  only events whose topic starts with TOPIC\n"
	    "                  (the topic is the event's name: child.started)\n"
	    "  --count N       exit after N events\n"
	    "Prints one line per event: SEQ TIME EVENT PATH PID REASON (a TX's\n"
	    "event: TX SAGA and its reason in REASON; TIME:\n"
	    "the wall clock, local, to the millisecond); with --json, each\n"
	    "event object as one line of JSON (\"time\": ISO 8601 UTC beside\n"
	    "\"ts\", monotonic microseconds). Exit status 0 on\n"
	    "SIGINT, SIGTERM, a closed stdout, or after N events; 5 if herdd\n"
	    "goes away.\n",
	.exec = cmd_events_exec,
};

/* ISO (herdd's UTC "time") as local HH:MM:SS.mmm in BUF; "-" without. */
static void
local_time(const char *iso, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int ms = 0;

	memset(&tm, 0, sizeof tm);
	snprintf(buf, len, "%-12s", "-");
	if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return;
	sscanf(iso + 19, ".%3d", &ms);
	if ((t = timegm(&tm)) == (time_t)-1 || localtime_r(&t, &tm) == NULL)
		return;
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms);
}

/* Prints EV (borrowed); -1 when stdout is closed. */
static int
cmd_events_print(const struct ctl *ctl, const cJSON *ev)
{
	const char *reason;
	char pid[32] = "-", when[32];
	int64_t seq = 0, v;

	if (ctl->json)
		return output_json(ev);
	output_int(ev, "seq", &seq);
	if (output_int(ev, "pid", &v) == 0 && v > 0)
		snprintf(pid, sizeof pid, "%lld", (long long)v);
	reason = output_string(ev, "reason", NULL);
	/* a TX's event: its id and saga say more than the coordinator's
	 * (absent) pid */
	if (output_string(ev, "tx", NULL) != NULL) {
		static char what[300];
		snprintf(what, sizeof what, "%s %s%s%s", output_string(ev, "tx",
		    ""), output_string(ev, "saga", ""), reason ? ": " : "",
		    reason ? reason : "");
		reason = what;
	}
	local_time(output_string(ev, "time", NULL), when, sizeof when);
	printf("%-6lld  %s  %-18s  %-20s  ", (long long)seq, when,
	    output_string(ev, "event", "?"), output_string(ev, "path", "-"));
	if (reason != NULL)
		printf("%-7s  %s\n", pid, reason);
	else
		printf("%s\n", pid);
	return output_flush();
}

static int
cmd_events_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *filter = "";
	int64_t since = -1, count = 0, n = 0;
	struct follow *f;
	cJSON *ev;
	int ch, rv;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			break; /* following is what events does */
		case 's':
			if (cmd_parse_int("--since", optarg, 0, &since) != 0)
				return cmd_usage(self);
			break;
		case 'f':
			if (optarg == NULL)
				break; /* -f: --follow */
			filter = optarg;
			break;
		case 'c':
			if (cmd_parse_int("--count", optarg, 1, &count) != 0)
				return cmd_usage(self);
			break;
		default:
			return cmd_usage(self);
		}
	}
	if (optind != argc)
		return cmd_usage(self);
	if ((f = follow_open(ctl, filter, 1, &rv)) == NULL)
		return rv;
	if ((rv = follow_start(f, since)) != IPC_EXIT_OK)
		goto out;
	while (count == 0 || n < count) {
		switch (follow_next(f, &ev, -1, &rv)) {
		case FOLLOW_EVENT:
			ch = cmd_events_print(ctl, ev);
			cJSON_Delete(ev);
			n++;
			if (ch != 0)
				goto out; /* stdout closed: done */
			continue;
		case FOLLOW_TIMEOUT:
		case FOLLOW_STOP:
		case FOLLOW_INPUT: /* none is watched */
			rv = IPC_EXIT_OK;
			break;
		case FOLLOW_ERROR:
			break;
		}
		break;
	}
out:
	follow_close(f);
	return rv;
}
