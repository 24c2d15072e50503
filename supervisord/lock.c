/*
 * The single-instance lock on run_dir, taken before any socket is opened:
 * a second herdd must never touch the first one's sockets (nng's stale
 * socket probe would wedge the first one's listener, nng bug #1518).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"
#include "safedir.h"

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
