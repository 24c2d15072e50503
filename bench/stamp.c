/* bench child: at exec, writes "<pid> <CLOCK_MONOTONIC ns>\n" to the FIFO
 * named by argv[1] (one write, atomic), then waits forever. Latencies are
 * measured from a kill to the replacement's exec, not by polling. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	char line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return 1;
	n = snprintf(line, sizeof line, "%d %lld\n", (int)getpid(),
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (write(fd, line, (size_t)n) != n)
		return 1;
	close(fd);
	for (;;)
		pause();
}
