/*
 * Child output capture: each spawn gets a pipe per captured stream; herdd
 * reads it on the loop and appends to <log_dir>/<path>.stdout.log (or
 * .stderr.log), rotating by size at a line boundary. A pipe is read until
 * EOF, so what a crashing child wrote is never lost, even when the child is
 * already restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "output.h"
#include "safedir.h"
#include "util.h"

struct logfile {
	char *path;          /* for messages: log_dir/api/web.stdout.log */
	int log_dirfd;       /* borrowed */
	char *subdir;        /* "api", beneath log_dir; "" for none */
	char *name;          /* "web.stdout.log" */
	int fd;              /* -1 until first written */
	int warned;          /* an open failure was logged */
	int failing;         /* writes fail (disk full, EIO): said once */
	size_t dropped;      /* bytes lost since */
	size_t size;
	size_t max;
	unsigned backups;
	unsigned refs;
};

struct logpipe {
	struct logfile *file;
	struct event *ev;
	int fd;
	struct logpipe *prev, *next;
};

static struct logpipe *all_pipes; /* every open pipe, for the final drain */

struct logfile *
logfile_create(int log_dirfd, const char *log_dir, const char *child_path,
    const char *stream, size_t max, unsigned backups)
{
	struct logfile *f = xcalloc(1, sizeof *f);
	const char *slash = strrchr(child_path, '/');

	f->path = xprintf("%s/%s.%s.log", log_dir, child_path, stream);
	f->log_dirfd = log_dirfd;
	f->subdir = slash ? xprintf("%.*s", (int)(slash - child_path),
	    child_path) : xstrdup("");
	f->name = xprintf("%s.%s.log", slash ? slash + 1 : child_path,
	    stream);
	f->fd = -1;
	f->max = max;
	f->backups = backups;
	f->refs = 1;
	return f;
}

static void
logfile_unref(struct logfile *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	if (f->fd != -1)
		close(f->fd);
	free(f->path);
	free(f->subdir);
	free(f->name);
	free(f);
}

void
logfile_destroy(struct logfile *f)
{
	logfile_unref(f);
}

const char *
logfile_path(const struct logfile *f)
{
	return f->path;
}

/* The directory of f's file (safedir_sub: made and checked), or -1 with
 * the reason logged once. */
static int
logfile_dir(struct logfile *f)
{
	char cause[512];
	int dfd;

	dfd = safedir_sub(f->log_dirfd, f->subdir, 0750, cause, sizeof cause);
	if (dfd == -1 && !f->warned) {
		f->warned = 1;
		log_warnx("%s: not written: log_dir/%s", f->path, cause);
	}
	return dfd;
}

/* Opens the file beneath log_dir, never through a symlink: output that
 * cannot be written is dropped (the child must not stall), said once. */
static int
logfile_open(struct logfile *f)
{
	struct stat st;
	int dfd;

	if (f->fd != -1)
		return 0;
	if ((dfd = logfile_dir(f)) == -1)
		return -1;
	f->fd = safefile_open(dfd, f->name, O_WRONLY | O_APPEND | O_CREAT,
	    0640);
	if (f->fd == -1 && !f->warned) {
		f->warned = 1;
		log_warnx("%s: not written: %s", f->path, errno == ELOOP ||
		    errno == EPERM ? "not a regular file of herdd's own (a "
		    "symlink or a link?)" : strerror(errno));
	}
	close(dfd);
	if (f->fd == -1)
		return -1;
	f->warned = 0;
	f->size = fstat(f->fd, &st) == 0 ? (size_t)st.st_size : 0;
	return 0;
}

/* name.log.(k) -> name.log.(k+1), name.log -> name.log.1; then reopen. */
static void
logfile_rotate(struct logfile *f)
{
	unsigned k;
	char *from, *to;
	int dfd;

	close(f->fd);
	f->fd = -1;
	if ((dfd = logfile_dir(f)) == -1)
		return;
	if (f->backups == 0) {
		unlinkat(dfd, f->name, 0);
	} else {
		for (k = f->backups - 1; k >= 1; k--) {
			from = xprintf("%s.%u", f->name, k);
			to = xprintf("%s.%u", f->name, k + 1);
			renameat(dfd, from, dfd, to);
			free(from);
			free(to);
		}
		to = xprintf("%s.1", f->name);
		renameat(dfd, f->name, dfd, to);
		free(to);
	}
	close(dfd);
	logfile_open(f);
}

/*
 * Appends; a write that fails (disk full, EIO) drops the rest, as the child
 * must not stall: said once when it starts failing, and once when a write
 * gets through again, with what was lost in between.
 */
static void
write_all(struct logfile *f, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0 && f->fd != -1) {
		w = write(f->fd, buf, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (!f->failing)
				log_warnx("%s: cannot write: %s; output is "
				    "dropped until it can be", f->path,
				    strerror(errno));
			f->failing = 1;
			f->dropped += len;
			return;
		}
		if (f->failing)
			log_warnx("%s: written again; %zu bytes of output were "
			    "dropped", f->path, f->dropped);
		f->failing = 0;
		f->dropped = 0;
		buf += w;
		len -= (size_t)w;
		f->size += (size_t)w;
	}
}

static void
logfile_write(struct logfile *f, const char *buf, size_t len)
{
	const char *nl;
	size_t head;

	if (logfile_open(f) == -1)
		return;
	if (f->max > 0 && f->size + len > f->max && f->size > 0) {
		/* finish the current line in this file, the rest goes on */
		nl = memrchr(buf, '\n', len);
		head = nl ? (size_t)(nl - buf) + 1 : 0;
		write_all(f, buf, head);
		logfile_rotate(f);
		buf += head;
		len -= head;
	}
	write_all(f, buf, len);
	if (f->max > 0 && f->size >= f->max)
		logfile_rotate(f);
}

static void
logpipe_close(struct logpipe *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		all_pipes = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	event_free(p->ev);
	close(p->fd);
	logfile_unref(p->file);
	free(p);
}

/* Reads what is there, up to MAX_READS buffers (0: until empty); returns
 * -1 once the pipe is closed (and freed). */
static int
logpipe_drain(struct logpipe *p, int max_reads)
{
	char buf[65536];
	ssize_t n;
	int reads = 0;

	for (;;) {
		n = read(p->fd, buf, sizeof buf);
		if (n > 0) {
			logfile_write(p->file, buf, (size_t)n);
			if ((size_t)n < sizeof buf ||
			    (max_reads > 0 && ++reads >= max_reads))
				return 0;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		logpipe_close(p);
		return -1;
	}
}

/* A child that writes as fast as it can refills the pipe as herdd reads
 * it: at most 1 MiB per wake-up, then the loop's other events get their
 * turn (the pipe is still readable, so this runs again). */
static void
logpipe_cb(evutil_socket_t fd, short what, void *arg)
{
	logpipe_drain(arg, 16);
}

int
output_pipe(struct event_base *base, struct logfile *f, int *write_fd)
{
	struct logpipe *p;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p = xcalloc(1, sizeof *p);
	p->fd = fds[0];
	p->file = f;
	f->refs++;
	p->ev = event_new(base, fds[0], EV_READ | EV_PERSIST, logpipe_cb, p);
	if (p->ev == NULL)
		abort();
	event_add(p->ev, NULL);
	p->next = all_pipes;
	if (all_pipes != NULL)
		all_pipes->prev = p;
	all_pipes = p;
	*write_fd = fds[1];
	return 0;
}

void
output_drain_all(void)
{
	struct logpipe *p = all_pipes, *next;

	while (p != NULL) {
		next = p->next;
		logpipe_drain(p, 0);
		p = next;
	}
}

void
output_close_all(void)
{
	output_drain_all();
	while (all_pipes != NULL)
		logpipe_close(all_pipes);
}
