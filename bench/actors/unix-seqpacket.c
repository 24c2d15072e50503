/*
 * The kernel floor under every figure: a Unix SOCK_SEQPACKET socketpair
 * between two processes, no library, blocking calls.
 *   unix-seqpacket flood N SIZE       one-way records per second
 *   unix-seqpacket rtt N WARM SIZE    round trips, one at a time
 * Prints one JSON object, as the other baselines.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define WARM 2000

static char buf[65536];

static void
xsend(int fd, size_t len)
{
	if (send(fd, buf, len, 0) != (ssize_t)len) {
		perror("unix-seqpacket: send");
		_exit(1);
	}
}

static size_t
xrecv(int fd)
{
	ssize_t r = recv(fd, buf, sizeof buf, 0);

	if (r <= 0) {
		perror("unix-seqpacket: recv");
		_exit(1);
	}
	return (size_t)r;
}

static int
flood(int fd[2], long n, long size)
{
	int64_t t0 = 0;
	long i;
	char out[256];
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) { /* the sender */
		close(fd[0]);
		for (i = -WARM; i < n; i++) {
			if (i == 0)
				t0 = now_ns();
			memcpy(buf, &t0, sizeof t0);
			xsend(fd[1], (size_t)size);
		}
		_exit(0);
	}
	close(fd[1]);
	for (i = -WARM; i < n; i++) {
		xrecv(fd[0]);
		if (i == 0)
			memcpy(&t0, buf, sizeof t0);
	}
	flood_summary(n, size, t0, now_ns(), out, sizeof out);
	waitpid(pid, &st, 0);
	printf("%s\n", out);
	return 0;
}

static int
rtt(int fd[2], long n, long warm, long size)
{
	int64_t *lat = calloc((size_t)n, sizeof *lat), t, t0 = 0;
	long i;
	char out[512];
	pid_t pid;
	int st;

	if (lat == NULL)
		return 1;
	if ((pid = fork()) == 0) { /* the echo */
		close(fd[0]);
		for (;;) {
			ssize_t r = recv(fd[1], buf, sizeof buf, 0);
			if (r <= 0)
				_exit(0);
			xsend(fd[1], (size_t)r);
		}
	}
	close(fd[1]);
	for (i = -warm; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		t = now_ns();
		xsend(fd[0], (size_t)size);
		xrecv(fd[0]);
		if (i >= 0)
			lat[i] = now_ns() - t;
	}
	rtt_summary(lat, (size_t)n, now_ns() - t0, out, sizeof out);
	close(fd[0]);
	waitpid(pid, &st, 0);
	printf("%s\n", out);
	free(lat);
	return 0;
}

int
main(int argc, char **argv)
{
	int fd[2];
	long size;

	if (argc < 4 || (strcmp(argv[1], "rtt") == 0 && argc < 5)) {
		fprintf(stderr, "usage: unix-seqpacket flood N SIZE | "
		    "rtt N WARM SIZE\n");
		return 2;
	}
	alarm(120);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd) != 0) {
		perror("unix-seqpacket: socketpair");
		return 1;
	}
	if (strcmp(argv[1], "flood") == 0) {
		size = atol(argv[3]);
		if (size < 8 || size > (long)sizeof buf)
			return 2;
		return flood(fd, atol(argv[2]), size);
	}
	size = atol(argv[4]);
	if (size < 1 || size > (long)sizeof buf)
		return 2;
	return rtt(fd, atol(argv[2]), atol(argv[3]), size);
}
