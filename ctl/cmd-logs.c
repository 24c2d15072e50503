/*
 * herdctl logs NAME [-f] [-n N] [--stderr]: the last lines of a child's log
 * file, read by herdctl itself, then (-f) new lines as they are written,
 * followed with inotify across rotation (the file renamed to .1 and
 * created anew).
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"

#define LOGS_DEFAULT_LINES 10
#define LOGS_CHUNK 65536
/* A line longer than this is printed in pieces with --json. */
#define LOGS_LINE_MAX (1024 * 1024)

static int cmd_logs_exec(struct ctl *, const struct cmd_entry *, int,
    char **);

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "logs NAME [-f] [-n N] [--stderr] | logs NAME --clear",
	.help = "Print the last lines of a child's captured output.\n"
	    "herdd says where the log file is; herdctl reads it itself, so it\n"
	    "needs read access to herd's log_dir. With herdd down, the config\n"
	    "says (-c FILE, $HERD_CONFIG, else /etc/herd/herd.json; not for\n"
	    "children added at runtime), and herdctl says it did that.\n"
	    "  -n, --lines N  the last N lines (default 10; 0: none)\n"
	    "  -f, --follow   then print lines as they are written, across\n"
	    "                 log rotation, until SIGINT, SIGTERM or a\n"
	    "                 closed stdout (inotify, no polling)\n"
	    "  --stderr       the child's stderr log instead of its stdout\n"
	    "  --clear        empty its stdout and stderr logs instead (pm2\n"
	    "                 flush; rotated backups stay): \"cleared FILE\"\n"
	    "With --json, each line as {\"path\":..,\"stream\":..,\"line\":..}.\n"
	    "Exit status 1 if that stream is not captured to a log file (its\n"
	    "stdout or stderr setting is null or inherit), 3 if there is no\n"
	    "such child.\n",
	.exec = cmd_logs_exec,
};

struct logs {
	const struct ctl *ctl;
	const char *path;   /* the child's path, for --json */
	const char *stream; /* "stdout" or "stderr" */
	char *file;         /* the log file */
	int fd;             /* -1 while the file does not exist */
	dev_t dev;
	ino_t ino;
	off_t pos;
	int ifd;            /* inotify */
	int wd_file, wd_dir;
	char *dir;          /* the directory watched: the file's, or its
	                       deepest existing ancestor */
	char *line;         /* --json: the incomplete last line */
	size_t linelen;
	int following;      /* -f: signals are blocked, saved here */
	sigset_t oldmask;
	struct sigaction oldint, oldterm;
};

static volatile sig_atomic_t logs_signalled;

static void
logs_signal_cb(int sig)
{
	logs_signalled = sig;
}

/* Prints LEN bytes of log; -1 when stdout is closed. */
static int
logs_emit(struct logs *l, const char *buf, size_t len)
{
	const char *nl;
	cJSON *o;
	size_t n;
	int rv = 0;

	if (!l->ctl->json) {
		if (len > 0 && fwrite(buf, 1, len, stdout) != len)
			return -1;
		return output_flush();
	}
	while (len > 0 && rv == 0) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) : len;
		if ((l->line = realloc(l->line, l->linelen + n + 1)) == NULL)
			abort();
		memcpy(l->line + l->linelen, buf, n);
		l->linelen += n;
		l->line[l->linelen] = '\0';
		buf += n + (nl != NULL);
		len -= n + (nl != NULL);
		if (nl == NULL && l->linelen < LOGS_LINE_MAX)
			break;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", l->path);
		cJSON_AddStringToObject(o, "stream", l->stream);
		cJSON_AddStringToObject(o, "line", l->line);
		rv = output_json(o);
		cJSON_Delete(o);
		l->linelen = 0;
	}
	return rv;
}

/* Reads the open file from l->pos to its end; -1 when stdout is closed. */
static int
logs_drain(struct logs *l)
{
	char *buf;
	struct stat sb;
	ssize_t n;
	int rv = 0;

	if (l->fd == -1)
		return 0;
	if (fstat(l->fd, &sb) == 0 && sb.st_size < l->pos)
		l->pos = 0; /* truncated: start over */
	if ((buf = malloc(LOGS_CHUNK)) == NULL)
		abort();
	while (rv == 0) {
		n = pread(l->fd, buf, LOGS_CHUNK, l->pos);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		l->pos += n;
		rv = logs_emit(l, buf, (size_t)n);
	}
	free(buf);
	return rv;
}

/* The offset where the last N lines of the open file start; a last line
 * without its newline counts as a line. */
static off_t
logs_tail_start(struct logs *l, int64_t nlines)
{
	char *buf;
	struct stat sb;
	off_t end, off;
	ssize_t n, i;
	int64_t seen = 0;

	if (fstat(l->fd, &sb) != 0 || sb.st_size == 0)
		return 0;
	if (nlines == 0)
		return sb.st_size;
	if ((buf = malloc(LOGS_CHUNK)) == NULL)
		abort();
	end = sb.st_size;
	/* The final newline ends the last line; it does not start one. */
	if (pread(l->fd, buf, 1, end - 1) == 1 && buf[0] == '\n')
		end--;
	for (off = end; off > 0;) {
		n = off < LOGS_CHUNK ? (ssize_t)off : LOGS_CHUNK;
		if ((n = pread(l->fd, buf, (size_t)n, off - n)) <= 0)
			break;
		for (i = n - 1; i >= 0; i--)
			if (buf[i] == '\n' && ++seen == nlines) {
				free(buf);
				return off - n + i + 1;
			}
		off -= n;
	}
	free(buf);
	return 0;
}

/* Opens l->file if it exists and is not the file already open, after
 * reading the rest of the old one (renamed away by a rotation, so
 * complete). 1 when a new file was opened, 0 if not, -1 when stdout is
 * closed. */
static int
logs_open(struct logs *l)
{
	struct stat sb;
	int fd;

	if ((fd = open(l->file, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &sb) != 0 || (l->fd != -1 && sb.st_dev == l->dev &&
	    sb.st_ino == l->ino)) {
		close(fd);
		return 0;
	}
	if (l->fd != -1) {
		if (logs_drain(l) != 0) {
			close(fd);
			return -1;
		}
		close(l->fd);
	}
	l->fd = fd;
	l->dev = sb.st_dev;
	l->ino = sb.st_ino;
	l->pos = 0;
	return 1;
}

/* Watches the file (when open) and the nearest existing directory on its
 * way, so that a rotation or the file's creation wakes us. */
static void
logs_watch(struct logs *l)
{
	char *dir, *slash;
	struct stat sb;
	int wd;

	if (l->fd != -1) {
		wd = inotify_add_watch(l->ifd, l->file, IN_MODIFY |
		    IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
		if (wd != l->wd_file && l->wd_file != -1)
			inotify_rm_watch(l->ifd, l->wd_file);
		l->wd_file = wd;
	}
	if ((dir = strdup(l->file)) == NULL)
		abort();
	do {
		if ((slash = strrchr(dir, '/')) == NULL)
			strcpy(dir, ".");
		else if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} while (stat(dir, &sb) != 0 && strcmp(dir, "/") != 0 &&
	    strcmp(dir, ".") != 0);
	if (l->dir != NULL && strcmp(l->dir, dir) == 0) {
		free(dir);
		return;
	}
	if (l->wd_dir != -1)
		inotify_rm_watch(l->ifd, l->wd_dir);
	l->wd_dir = inotify_add_watch(l->ifd, dir, IN_CREATE | IN_MOVED_TO |
	    IN_ONLYDIR);
	free(l->dir);
	l->dir = dir;
}

/* After any inotify event: the rest of the current file, then a file
 * created in its place, from its start. Watches before it reads, so that
 * nothing written in between goes unnoticed. -1 when stdout is closed. */
static int
logs_update(struct logs *l)
{
	int rv;

	for (;;) {
		logs_watch(l);
		if (logs_drain(l) != 0)
			return -1;
		if ((rv = logs_open(l)) <= 0)
			return rv;
	}
}

/* Blocks SIGINT and SIGTERM (they stop the follow, seen in ppoll) and
 * starts watching, before the first read, so that nothing written after
 * it goes unnoticed. Returns an exit code. */
static int
logs_follow_begin(struct logs *l)
{
	struct sigaction sa;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &l->oldmask);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = logs_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &l->oldint);
	sigaction(SIGTERM, &sa, &l->oldterm);
	l->following = 1;
	if ((l->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1) {
		output_warnx("inotify: %s", strerror(errno));
		return IPC_EXIT_FAILED;
	}
	logs_watch(l);
	return IPC_EXIT_OK;
}

static void
logs_follow_end(struct logs *l)
{
	if (!l->following)
		return;
	sigaction(SIGINT, &l->oldint, NULL);
	sigaction(SIGTERM, &l->oldterm, NULL);
	sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
}

/* Follows the file until a signal, a closed stdout or an error. */
static int
logs_follow(struct logs *l)
{
	char ev[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd[2];
	struct stat sb;
	nfds_t n;
	int rv = IPC_EXIT_OK;

	if (logs_update(l) != 0)
		return rv;
	while (!logs_signalled) {
		pfd[0] = (struct pollfd){ .fd = l->ifd, .events = POLLIN };
		n = 1;
		/* A pipe's reader going away shows as POLLERR on fd 1. */
		if (fstat(STDOUT_FILENO, &sb) == 0 &&
		    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
			pfd[n++] = (struct pollfd){ .fd = STDOUT_FILENO };
		if (ppoll(pfd, n, NULL, &l->oldmask) == -1) {
			if (errno == EINTR)
				continue;
			output_warnx("ppoll: %s", strerror(errno));
			rv = IPC_EXIT_FAILED;
			break;
		}
		if (n == 2 && (pfd[1].revents & (POLLERR | POLLHUP)))
			break;
		while (read(l->ifd, ev, sizeof ev) > 0)
			; /* which event does not matter: look again */
		if (logs_update(l) != 0)
			break;
	}
	return rv;
}

/*
 * logs --clear (pm2 flush): empties the child's stdout and stderr logs
 * in place. herdd appends to them (O_APPEND), so its next line starts
 * the emptied file; rotated backups are left as they are.
 */
static int
logs_clear(const cJSON *result)
{
	static const char *const streams[] = { "stdout", "stderr" };
	int rv = IPC_EXIT_OK;

	for (size_t i = 0; i < 2; i++) {
		const char *f = output_string(result, streams[i], NULL);
		if (f == NULL)
			continue;
		if (truncate(f, 0) != 0 && errno != ENOENT) {
			output_warnx("%s: %s", f, strerror(errno));
			rv = IPC_EXIT_FAILED;
		} else
			printf("cleared %s\n", f);
	}
	return rv;
}

/* The child at PATH ("api/web") in C's tree, or NULL. */
static const struct conf_child *
logs_conf_child(const struct conf *c, const char *path)
{
	const struct conf_sup *s = &c->root;
	const struct conf_child *found = NULL;
	const char *p = path;

	while (s != NULL && *p != '\0') {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		found = NULL;
		for (size_t i = 0; i < s->nchildren; i++)
			if (strlen(s->children[i]->name) == n &&
			    strncmp(s->children[i]->name, p, n) == 0)
				found = s->children[i];
		if (found == NULL)
			return NULL;
		s = found->sup;
		p += n + (slash != NULL);
	}
	return found;
}

/*
 * herdd does not answer (WHY): the log files of NAME from the config
 * (-c, $HERD_CONFIG, else /etc/herd/herd.json), in CALL's result as op
 * logs would give them. A child added at runtime is not in the file.
 */
static int
logs_from_config(struct ctl *ctl, const char *name, const char *why,
    struct call *call)
{
	const char *env = getenv("HERD_CONFIG");
	const char *file = ctl->config ? ctl->config : env && *env ? env :
	    "/etc/herd/herd.json";
	const struct conf_child *c;
	struct conf_errors errs;
	struct conf *conf;
	cJSON *o;

	memset(call, 0, sizeof *call);
	if (conf_load(file, &conf, &errs) != 0) {
		conf_errors_clear(&errs);
		call->exit = IPC_EXIT_UNREACHABLE;
		if (asprintf(&call->cause, "%s (and %s cannot be read to find "
		    "the log files without it)", why, file) < 0)
			abort();
		return call->exit;
	}
	if ((c = logs_conf_child(conf, name)) == NULL) {
		call->exit = IPC_EXIT_NOT_FOUND;
		if (asprintf(&call->cause, "%s; no child %s in %s", why, name,
		    file) < 0)
			abort();
		conf_free(conf);
		return call->exit;
	}
	output_warnx("herdd does not answer: the log files of %s from %s",
	    name, file);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", name);
	if (c->type != CONF_SUPERVISOR) {
		char *f;
		if (c->out == CONF_OUT_LOG && asprintf(&f, "%s/%s.stdout.log",
		    conf->log_dir, name) >= 0) {
			cJSON_AddStringToObject(o, "stdout", f);
			free(f);
		}
		if (c->err == CONF_OUT_LOG && asprintf(&f, "%s/%s.stderr.log",
		    conf->log_dir, name) >= 0) {
			cJSON_AddStringToObject(o, "stderr", f);
			free(f);
		}
	}
	conf_free(conf);
	call->reply = o;
	call->result = o;
	call->exit = IPC_EXIT_OK;
	return IPC_EXIT_OK;
}

static int
cmd_logs_exec(struct ctl *ctl, const struct cmd_entry *self, int argc,
    char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "clear", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct logs l = { .ctl = ctl, .stream = "stdout", .fd = -1,
		.ifd = -1, .wd_file = -1, .wd_dir = -1 };
	int64_t nlines = LOGS_DEFAULT_LINES;
	int follow = 0, clear = 0, ch, rv;
	struct call call;
	const char *file;
	cJSON *args;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "fn:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			follow = 1;
			break;
		case 'n':
			if (cmd_parse_int("--lines", optarg, 0, &nlines) != 0)
				return cmd_usage(self);
			break;
		case 'e':
			l.stream = "stderr";
			break;
		case 'C':
			clear = 1;
			break;
		default:
			return cmd_usage(self);
		}
	}
	if (optind + 1 != argc)
		return cmd_usage(self);
	if (cmd_no_empty(argc, argv, optind) == -1)
		return IPC_EXIT_USAGE;
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "name", argv[optind]);
	if ((rv = client_run(ctl, "logs", args, &call, CLIENT_QUIET)) ==
	    IPC_EXIT_UNREACHABLE) {
		/* herdd is down: the files are where the config says */
		char *cause = call.cause;
		call.cause = NULL;
		call_clear(&call);
		rv = logs_from_config(ctl, argv[optind], cause, &call);
		free(cause);
	}
	if (rv != IPC_EXIT_OK) {
		call_report(ctl, &call);
		call_clear(&call);
		return rv;
	}
	l.path = output_string(call.result, "path", argv[optind]);
	if (clear) {
		rv = logs_clear(call.result);
		call_clear(&call);
		return rv;
	}
	if ((file = output_string(call.result, l.stream, NULL)) == NULL) {
		output_warnx("the %s of %s is not captured to a log file",
		    l.stream, l.path);
		call_clear(&call);
		return IPC_EXIT_FAILED;
	}
	if ((l.file = strdup(file)) == NULL)
		abort();
	if (follow && (rv = logs_follow_begin(&l)) != IPC_EXIT_OK)
		goto out;
	if (logs_open(&l) == 1) {
		l.pos = logs_tail_start(&l, nlines);
		if (logs_drain(&l) != 0)
			goto out;
	} else if (errno != ENOENT) {
		output_warnx("%s: %s", l.file, strerror(errno));
		rv = IPC_EXIT_FAILED;
		goto out;
	}
	if (follow)
		rv = logs_follow(&l);
	/* A last line without its newline. */
	if (ctl->json && l.linelen > 0)
		logs_emit(&l, "\n", 1);
out:
	logs_follow_end(&l);
	if (l.fd != -1)
		close(l.fd);
	if (l.ifd != -1)
		close(l.ifd);
	free(l.file);
	free(l.dir);
	free(l.line);
	call_clear(&call);
	return rv;
}
