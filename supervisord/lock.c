/*
 * The single-instance lock on run_dir, taken before any socket is opened:
 * a second herdd must never touch the first one's sockets (nng's stale
 * socket probe would wedge the first one's listener, nng bug #1518).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "safedir.h"

/* Whether the herdd whose pid the lock file names has gone (while the
 * lock is still held: by its guardian). */
static int
holder_gone(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

int
lock_take(int run_dirfd, const char *run_dir, char *cause, size_t len)
{
	char path[4096], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/herdd.lock", run_dir);
	/* never through a symlink or hard link: the file is truncated */
	fd = safefile_open(run_dirfd, "herdd.lock", O_RDWR | O_CREAT, 0600);
	if (fd == -1) {
		snprintf(cause, len, "cannot open %s: %s", path,
		    errno == ELOOP || errno == EPERM ? "not a regular file of "
		    "herdd's own (a symlink or a link?)" : strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK &&
	    holder_gone(fd)) {
		/* the holder is a killed herdd's guardian (cgroup.c), which
		 * keeps the lock while it kills and removes that herdd's
		 * cgroups: moments, DRAIN_MS at most */
		int i;

		for (i = 0; i < 200; i++) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				goto locked;
		}
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int err = errno;
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			snprintf(cause, len, "another herdd%s%s%s is running "
			    "with run_dir %s", buf[0] ? " (pid " : "", buf,
			    buf[0] ? ")" : "", run_dir);
		else
			snprintf(cause, len, "cannot lock %s: %s", path,
			    strerror(err));
		close(fd);
		return -1;
	}
locked:
	n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(cause, len, "cannot write %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
lock_release(int fd, const char *run_dir)
{
	/* The file stays: unlinking it would let a newcomer lock a fresh
	 * inode while this one still holds the old. */
	if (fd >= 0)
		close(fd);
}
