/*
 * herdctl top: the fleet live in the terminal, as top and pm2 monit show
 * processes: each child's state, CPU% and RSS (its process group, from
 * /proc, measured between two redraws), restarts and restarts in the
 * last minute, sorted and filtered, with keys to restart, stop and start
 * the selected child. Redrawn when herdd's events say something changed
 * and once a second for the CPU figures; not a tty: printed once.
 * Plain ANSI escapes and termios: no curses library for one screen.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static int cmd_top_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.usage = "top [--sort KEY] [--once]",
	.help = "Show the children live, full screen: PATH STATE PID CPU% RSS\n"
	    "RESTARTS R/MIN (restarts in the last minute), sorted; redrawn\n"
	    "at each event and every second (CPU% is over that second).\n"
	    "Keys: up/down or k/j select, s next sort key, o reverse, / filter\n"
	    "(a glob or part of a path; Enter ends it, Esc clears it),\n"
	    "r restart the selected child, x stop it, g start it, q quit.\n"
	    "  --sort KEY  path, state, cpu, rss, restarts or rate (default\n"
	    "              cpu)\n"
	    "  --once      print the table once (what top does when stdout\n"
	    "              is not a terminal); with --json, the status with\n"
	    "              \"cpu_percent\" and \"rss_bytes\"\n",
	.exec = cmd_top_exec,
};

static const char *const sort_keys[] = {
	"path", "state", "cpu", "rss", "restarts", "rate", NULL,
};

/* A child as top shows it. */
struct row {
	char path[256];
	char state[16];
	long long pid;
	double cpu, rss;
	long long restarts;
	int rate; /* restarts in the last minute */
};

/* Restarts seen, per path, with when: for R/MIN. */
struct seen {
	char path[256];
	long long restarts;
	int64_t at[32]; /* when each of the last restarts was seen (ring) */
	unsigned n;
};

struct top {
	struct ctl *ctl;
	struct follow *f;
	struct row *rows;
	size_t nrows;
	struct seen *seen;
	size_t nseen;
	struct proc_sample *last;
	int64_t last_at;
	int sort, desc;
	char filter[128];
	int filtering;
	size_t sel;
	char selpath[256];
	char msg[600];
	const cJSON *herd;
	cJSON *status;
	struct termios saved;
	int raw;
};

static struct seen *
seen_of(struct top *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->nseen; i++)
		if (strcmp(t->seen[i].path, path) == 0)
			return &t->seen[i];
	t->seen = realloc(t->seen, (t->nseen + 1) * sizeof *t->seen);
	if (t->seen == NULL)
		abort();
	memset(&t->seen[t->nseen], 0, sizeof *t->seen);
	snprintf(t->seen[t->nseen].path, sizeof t->seen[0].path, "%s", path);
	t->seen[t->nseen].restarts = -1;
	return &t->seen[t->nseen++];
}

/* Notes C's restarts; how many came in the last minute. */
static int
rate_of(struct top *t, const char *path, long long restarts, int64_t now)
{
	struct seen *s = seen_of(t, path);
	unsigned i, n = 0;

	if (s->restarts >= 0)
		for (long long k = s->restarts; k < restarts; k++)
			s->at[s->n++ % 32] = now;
	s->restarts = restarts;
	for (i = 0; i < 32 && i < s->n; i++)
		if (now - s->at[i] < 60000)
			n++;
	return (int)n;
}

static int
row_cmp(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	const struct top *t = arg;
	int r = 0;

	switch (t->sort) {
	case 1: r = strcmp(x->state, y->state); break;
	case 2: r = (x->cpu < y->cpu) - (x->cpu > y->cpu); break;
	case 3: r = (x->rss < y->rss) - (x->rss > y->rss); break;
	case 4: r = (x->restarts < y->restarts) - (x->restarts > y->restarts);
		break;
	case 5: r = (x->rate < y->rate) - (x->rate > y->rate); break;
	}
	if (r == 0)
		r = strcmp(x->path, y->path);
	return t->desc ? -r : r;
}

static int
selected_by_filter(const struct top *t, const char *path)
{
	if (t->filter[0] == '\0')
		return 1;
	if (strpbrk(t->filter, "*?[") != NULL)
		return fnmatch(t->filter, path, FNM_PATHNAME) == 0;
	return strstr(path, t->filter) != NULL;
}

/* Builds the rows from the status (and /proc, when a second is over). */
static void
build(struct top *t)
{
	const cJSON *c, *children = cJSON_GetObjectItemCaseSensitive(t->status,
	    "children");
	int64_t now = duration_now_ms(), v;
	struct row *r;
	size_t i;

	free(t->rows);
	t->rows = calloc((size_t)cJSON_GetArraySize(children) + 1,
	    sizeof *t->rows);
	if (t->rows == NULL)
		abort();
	t->nrows = 0;
	cJSON_ArrayForEach(c, children) {
		const char *path = output_string(c, "path", "");
		if (!selected_by_filter(t, path))
			continue;
		r = &t->rows[t->nrows++];
		snprintf(r->path, sizeof r->path, "%s", path);
		snprintf(r->state, sizeof r->state, "%s",
		    output_string(c, "state", "?"));
		r->pid = output_int(c, "pid", &v) == 0 ? v : 0;
		r->restarts = output_int(c, "restarts", &v) == 0 ? v : 0;
		r->rate = rate_of(t, path, r->restarts, now);
		r->cpu = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c,
		    "cpu_percent"));
		r->rss = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c,
		    "rss_bytes"));
		if (r->cpu != r->cpu)
			r->cpu = -1; /* NaN: none (a supervisor) */
		if (r->rss != r->rss)
			r->rss = -1;
	}
	qsort_r(t->rows, t->nrows, sizeof *t->rows, row_cmp, t);
	/* the selection follows its child */
	for (i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i].path, t->selpath) == 0)
			t->sel = i;
	if (t->sel >= t->nrows)
		t->sel = t->nrows ? t->nrows - 1 : 0;
	if (t->nrows)
		snprintf(t->selpath, sizeof t->selpath, "%s",
		    t->rows[t->sel].path);
}

/* Asks herdd for the status and measures CPU since the last time. */
static int
refresh(struct top *t)
{
	struct proc_sample *now;
	struct call call;
	int64_t at;
	int rv;

	if ((rv = client_call(follow_client(t->f), "status", NULL, &call)) !=
	    0) {
		call_report(t->ctl, &call);
		call_clear(&call);
		return rv;
	}
	cJSON_Delete(t->status);
	t->status = cJSON_DetachItemFromObject(call.reply, "result");
	call_clear(&call);
	t->herd = cJSON_GetObjectItemCaseSensitive(t->status, "herd");
	now = proc_sample_take();
	at = duration_now_ms();
	if (t->last != NULL)
		proc_usage_between(t->last, now, (double)(at - t->last_at) /
		    1000, cJSON_GetObjectItemCaseSensitive(t->status,
		    "children"));
	proc_sample_free(t->last);
	t->last = now;
	t->last_at = at;
	build(t);
	return 0;
}

static void
format_row(const struct row *r, char *buf, size_t len, int width)
{
	char cpu[16], rss[16];

	if (r->cpu < 0)
		snprintf(cpu, sizeof cpu, "-");
	else
		snprintf(cpu, sizeof cpu, "%.1f", r->cpu);
	if (r->rss < 0)
		snprintf(rss, sizeof rss, "-");
	else
		output_bytes(r->rss, rss, sizeof rss);
	snprintf(buf, len, "%-*.*s %-10s %7lld %6s %7s %8lld %5d",
	    width, width, r->path, r->state, r->pid, cpu, rss, r->restarts,
	    r->rate);
}

static void
draw(struct top *t)
{
	struct winsize ws = { 0 };
	int rows = 24, cols = 80, pathw, i, first, shown;
	char line[512];
	int64_t pid;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	pathw = cols - 50;
	if (pathw < 12)
		pathw = 12;
	if (pathw > 200)
		pathw = 200;
	if (output_int(t->herd, "pid", &pid) != 0)
		pid = 0;
	fputs("\033[H\033[2J", stdout);
	printf("herd top - herdd %s pid %lld, %zu shown, sort %s%s%s%s\r\n",
	    output_string(t->herd, "version", "?"), (long long)pid, t->nrows,
	    sort_keys[t->sort], t->desc ? " (reversed)" : "",
	    t->filter[0] || t->filtering ? ", filter " : "", t->filter);
	printf("\033[7m%-*s %-10s %7s %6s %7s %8s %5s\033[0m\r\n", pathw,
	    "PATH", "STATE", "PID", "CPU%", "RSS", "RESTARTS", "R/MIN");
	shown = rows - 4;
	first = (int)t->sel >= shown ? (int)t->sel - shown + 1 : 0;
	for (i = first; i < (int)t->nrows && i < first + shown; i++) {
		format_row(&t->rows[i], line, sizeof line, pathw);
		if ((size_t)i == t->sel)
			printf("\033[1;7m%s\033[0m\r\n", line);
		else
			printf("%s\r\n", line);
	}
	printf("\033[%d;1H%s\r\n", rows - 1, t->msg);
	printf("\033[%d;1H\033[2m%s\033[0m", rows, t->filtering ?
	    "filter: type, Enter to keep, Esc to clear" :
	    "q quit  j/k select  s sort  o reverse  / filter  r restart  "
	    "x stop  g start");
	fflush(stdout);
}

/* OP on the selected child; its outcome in the message line. */
static void
act(struct top *t, const char *op)
{
	struct call call;
	cJSON *args;

	if (t->nrows == 0)
		return;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", t->selpath);
	if (strcmp(op, "restart") == 0)
		cJSON_AddBoolToObject(args, "force", 1);
	snprintf(t->msg, sizeof t->msg, "%s %s ...", op, t->selpath);
	draw(t);
	if (client_call(follow_client(t->f), op, args, &call) == 0)
		snprintf(t->msg, sizeof t->msg, "%s %s: done", op,
		    t->selpath);
	else
		snprintf(t->msg, sizeof t->msg, "%s %s: %s", op, t->selpath,
		    call.cause ? call.cause : "failed");
	call_clear(&call);
}

/* One key (or an escape sequence); 1 to quit. */
static int
key(struct top *t, const char *k, size_t n)
{
	size_t len = strlen(t->filter);

	if (t->filtering) {
		if (k[0] == '\r' || k[0] == '\n') {
			t->filtering = 0;
		} else if (k[0] == 27 && n == 1) {
			t->filter[0] = '\0';
			t->filtering = 0;
		} else if ((k[0] == 127 || k[0] == 8) && len > 0) {
			t->filter[len - 1] = '\0';
		} else if (k[0] >= 32 && k[0] < 127 && len + 1 <
		    sizeof t->filter) {
			t->filter[len] = k[0];
			t->filter[len + 1] = '\0';
		}
		build(t);
		return 0;
	}
	if (n >= 3 && k[0] == 27 && k[1] == '[')
		k = k[2] == 'A' ? "k" : k[2] == 'B' ? "j" : "";
	switch (k[0]) {
	case 'q':
		return 1;
	case 'j':
		if (t->sel + 1 < t->nrows)
			t->sel++;
		break;
	case 'k':
		if (t->sel > 0)
			t->sel--;
		break;
	case 's':
		if (sort_keys[++t->sort] == NULL)
			t->sort = 0;
		build(t);
		return 0;
	case 'o':
		t->desc = !t->desc;
		build(t);
		return 0;
	case '/':
		t->filtering = 1;
		return 0;
	case 'r':
		act(t, "restart");
		return 0;
	case 'x':
		act(t, "stop");
		return 0;
	case 'g':
		act(t, "start");
		return 0;
	}
	if (t->nrows)
		snprintf(t->selpath, sizeof t->selpath, "%s",
		    t->rows[t->sel].path);
	return 0;
}

static void
raw_on(struct top *t)
{
	struct termios r;

	if (tcgetattr(STDIN_FILENO, &t->saved) != 0)
		return;
	r = t->saved;
	r.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	r.c_cc[VMIN] = 1;
	r.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &r) == 0)
		t->raw = 1;
	fputs("\033[?1049h\033[?25l", stdout); /* own screen, no cursor */
}

static void
raw_off(struct top *t)
{
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}

/* Not a terminal (or --once): the table, once. */
static int
once(struct top *t)
{
	struct row *r;
	char line[512];
	size_t i;

	proc_usage_add(cJSON_GetObjectItemCaseSensitive(t->status,
	    "children"));
	if (t->ctl->json)
		return output_json(t->status) == 0 ? IPC_EXIT_OK :
		    IPC_EXIT_FAILED;
	build(t);
	printf("%-40s %-10s %7s %6s %7s %8s %5s\n", "PATH", "STATE", "PID",
	    "CPU%", "RSS", "RESTARTS", "R/MIN");
	for (i = 0; i < t->nrows; i++) {
		r = &t->rows[i];
		format_row(r, line, sizeof line, 40);
		printf("%s\n", line);
	}
	return output_flush() == 0 ? IPC_EXIT_OK : IPC_EXIT_FAILED;
}

static int
loop(struct top *t)
{
	int64_t next = duration_now_ms() + 1000, dirty_at = -1;
	char buf[64], k[4];
	size_t i, step;
	cJSON *ev;
	ssize_t n;
	int rv;

	follow_watch_input(t->f, STDIN_FILENO);
	draw(t);
	for (;;) {
		int64_t due = dirty_at >= 0 && dirty_at < next ? dirty_at : next;
		switch (follow_next(t->f, &ev, due, &rv)) {
		case FOLLOW_EVENT:
			cJSON_Delete(ev);
			/* a burst of events, one redraw */
			if (dirty_at < 0)
				dirty_at = duration_now_ms() + 200;
			continue;
		case FOLLOW_INPUT:
			if ((n = read(STDIN_FILENO, buf, sizeof buf - 1)) <= 0)
				return IPC_EXIT_OK;
			buf[n] = '\0';
			/* keys typed fast come in one read: one at a time,
			 * an arrow's ESC [ A as one */
			for (i = 0; i < (size_t)n; i += step) {
				step = buf[i] == 27 && i + 2 < (size_t)n &&
				    buf[i + 1] == '[' ? 3 : 1;
				memcpy(k, buf + i, step);
				k[step] = '\0';
				if (key(t, k, step))
					return IPC_EXIT_OK;
			}
			draw(t);
			continue;
		case FOLLOW_TIMEOUT:
			if ((rv = refresh(t)) != 0)
				return rv;
			dirty_at = -1;
			if (duration_now_ms() >= next)
				next = duration_now_ms() + 1000;
			draw(t);
			continue;
		case FOLLOW_STOP:
			return IPC_EXIT_OK;
		case FOLLOW_ERROR:
			return rv;
		}
	}
}

static int
cmd_top_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "sort", required_argument, NULL, 'S' },
		{ "once", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct top t;
	int ch, k, rv, one = 0;

	memset(&t, 0, sizeof t);
	t.ctl = ctl;
	t.sort = 2;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			for (k = 0; sort_keys[k] != NULL; k++)
				if (strcmp(sort_keys[k], optarg) == 0)
					break;
			if (sort_keys[k] == NULL) {
				output_warnx("top: unknown sort key \"%s\" "
				    "(one of path, state, cpu, rss, restarts, "
				    "rate)", optarg);
				return IPC_EXIT_USAGE;
			}
			t.sort = k;
			break;
		case 'O':
			one = 1;
			break;
		default:
			return cmd_usage(self);
		}
	}
	if (optind != argc)
		return cmd_usage(self);
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO) || ctl->json)
		one = 1;
	if ((t.f = follow_open(ctl, "child.", 0, &rv)) == NULL)
		return rv;
	if ((rv = follow_start(t.f, -1)) != IPC_EXIT_OK ||
	    (rv = refresh(&t)) != IPC_EXIT_OK)
		goto out;
	if (one) {
		rv = once(&t);
		goto out;
	}
	raw_on(&t);
	rv = loop(&t);
	raw_off(&t);
out:
	follow_close(t.f);
	proc_sample_free(t.last);
	cJSON_Delete(t.status);
	free(t.rows);
	free(t.seen);
	return rv;
}
