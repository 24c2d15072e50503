/*
 * s6-style readiness: a newline on the notification fd, which is then
 * closed. A write to a pipe whose reader is gone raises SIGPIPE, which
 * would kill a program that did not ask for it: the signal is blocked for
 * the write and a SIGPIPE it caused is taken off the thread's queue.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "herd.h"
#include "herdi.h"

int
herd_ready_fd(int fd)
{
	static const struct timespec now = { 0, 0 };
	sigset_t pipe_set, old, pending;
	ssize_t n;
	int was_pending, saved;

	if (fd < 0)
		return HERD_EINVAL;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	was_pending = sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	do
		n = write(fd, "\n", 1);
	while (n == -1 && errno == EINTR);
	saved = errno;
	if (n == -1 && saved == EPIPE && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &now) == -1 &&
		    errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd);
	if (n == -1) {
		errno = saved;
		return herdi_error_from_errno(saved);
	}
	return 0;
}
