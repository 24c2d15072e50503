/*
 * Baseline for herd_call: raw nng req0 -> rep0 round trips over ipc://
 * between two processes, SIZE bytes each way, one at a time.
 * usage: nng-req URL N WARM SIZE
 * Prints {"n":..,"per_s":..,"p50_us":..,"p99_us":..} of the N measured
 * round trips (after WARM unmeasured ones).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

static void
die(const char *what, int rv)
{
	fprintf(stderr, "nng-req: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

/* Answers every request with itself until the requester goes. */
static void
echo(const char *url)
{
	nng_socket s;
	nng_msg *m;
	int rv;

	if ((rv = nng_rep0_open(&s)) != 0)
		die("rep0", rv);
	if ((rv = nng_listen(s, url, NULL, 0)) != 0)
		die("listen", rv);
	while (nng_recvmsg(s, &m, 0) == 0)
		if (nng_sendmsg(s, m, 0) != 0)
			nng_msg_free(m);
	_exit(0);
}

int
main(int argc, char **argv)
{
	long n, warm, size, i;
	int64_t *lat, t, t0;
	nng_socket s;
	nng_msg *m;
	char out[512];
	pid_t pid;
	int rv, st;

	if (argc < 5) {
		fprintf(stderr, "usage: nng-req URL N WARM SIZE\n");
		return 2;
	}
	n = atol(argv[2]);
	warm = atol(argv[3]);
	size = atol(argv[4]);
	if (n < 1 || warm < 0 || size < 0 ||
	    (lat = calloc((size_t)n, sizeof *lat)) == NULL)
		return 2;
	alarm(120);
	/* fork before nng starts its threads */
	if ((pid = fork()) == 0)
		echo(argv[1]);
	if ((rv = nng_req0_open(&s)) != 0)
		die("req0", rv);
	while (nng_dial(s, argv[1], NULL, 0) != 0)
		usleep(1000);
	t0 = 0;
	for (i = -warm; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		t = now_ns();
		if ((rv = nng_msg_alloc(&m, (size_t)size)) != 0)
			die("alloc", rv);
		memset(nng_msg_body(m), 'x', (size_t)size);
		if ((rv = nng_sendmsg(s, m, 0)) != 0 ||
		    (rv = nng_recvmsg(s, &m, 0)) != 0)
			die("round trip", rv);
		nng_msg_free(m);
		if (i >= 0)
			lat[i] = now_ns() - t;
	}
	rtt_summary(lat, (size_t)n, now_ns() - t0, out, sizeof out);
	nng_close(s);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	printf("%s\n", out);
	free(lat);
	return 0;
}
