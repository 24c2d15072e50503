/* bench child: at exec, writes "<pid> <CLOCK_MONOTONIC ns>\n" to a FIFO
 * (one write, atomic), then waits forever. Latencies are measured from a
 * kill to the replacement's exec, not by polling.
 *
 * usage: stamp [FIFO]
 * The FIFO is $STAMP_FIFO if set, else argv[1] (s6 and runit run ./run with
 * arguments of their own, so there it comes from the environment).
 * $STAMP_EXIT=1: exit 1 right after stamping (restart storm).
 * $STAMP_NOTIFY_FD=N: write "\n" to fd N and close it after stamping (s6's
 * notification-fd readiness protocol). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	const char *fifo, *e;
	char line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fifo = getenv("STAMP_FIFO");
	if (fifo == NULL || *fifo == '\0')
		fifo = argc > 1 ? argv[1] : NULL;
	if (fifo == NULL)
		return 2;
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return 1;
	n = snprintf(line, sizeof line, "%d %lld\n", (int)getpid(),
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (write(fd, line, (size_t)n) != n)
		return 1;
	close(fd);
	if ((e = getenv("STAMP_EXIT")) != NULL && *e == '1')
		return 1;
	if ((e = getenv("STAMP_NOTIFY_FD")) != NULL && *e != '\0') {
		int nfd = atoi(e);
		if (write(nfd, "\n", 1) == 1)
			close(nfd);
	}
	/* Some supervisors start children with SIGTERM etc. ignored or
	 * blocked; a stamp must die on the usual stop signal. */
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
}
