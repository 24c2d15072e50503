/*
 * Baseline for herd's casts: raw nng push0 -> pull0 over ipc:// between
 * two processes, one direction, one nng message per record (PER_MSG 1)
 * or PER_MSG records per message (what libherd's batching amounts to).
 * usage: nng-push URL N SIZE [PER_MSG]
 * Prints {"n":..,"per_s":..} (records per second) from the sender's
 * first measured send to the receiver's last receive.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>

#include "bench.h"

#define WARM 2000 /* records before the measured ones */
#define BUF 1024  /* messages nng may hold on either side */

static void
die(const char *what, int rv)
{
	fprintf(stderr, "nng-push: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

/* Sends WARM then N records; each carries its phase's start time. */
static void
sender(const char *url, long n, long size, long per, int hold)
{
	nng_socket s;
	nng_msg *m;
	int64_t t0 = 0;
	long i, j, msgs;
	char c;
	int rv;

	if ((rv = nng_push0_open(&s)) != 0)
		die("push0", rv);
	nng_socket_set_int(s, NNG_OPT_SENDBUF, BUF);
	while ((rv = nng_dial(s, url, NULL, 0)) != 0)
		usleep(1000);
	for (int phase = 0; phase < 2; phase++) {
		msgs = phase == 0 ? WARM / per : n / per;
		if (phase == 1)
			t0 = now_ns();
		for (i = 0; i < msgs; i++) {
			if ((rv = nng_msg_alloc(&m, (size_t)(size * per))) != 0)
				die("alloc", rv);
			for (j = 0; j < per; j++)
				memcpy((char *)nng_msg_body(m) + j * size, &t0,
				    sizeof t0);
			if ((rv = nng_sendmsg(s, m, 0)) != 0)
				die("send", rv);
		}
	}
	/* closing now could drop what nng still holds: wait for the end */
	if (read(hold, &c, 1) < 0) {
	}
	nng_close(s);
	_exit(0);
}

int
main(int argc, char **argv)
{
	long n, size, per = 1, got = 0, warm = 0;
	int64_t t0 = 0;
	int hold[2], rv, st;
	nng_socket s;
	nng_msg *m;
	pid_t pid;
	char out[256];

	if (argc < 4) {
		fprintf(stderr, "usage: nng-push URL N SIZE [PER_MSG]\n");
		return 2;
	}
	n = atol(argv[2]);
	size = atol(argv[3]);
	if (argc > 4)
		per = atol(argv[4]);
	if (n < per || size < 8 || per < 1)
		return 2;
	n -= n % per;
	alarm(120);
	if (pipe(hold) != 0)
		return 1;
	/* fork before nng starts its threads */
	if ((pid = fork()) == 0) {
		close(hold[1]);
		sender(argv[1], n, size, per, hold[0]);
	}
	close(hold[0]);
	if ((rv = nng_pull0_open(&s)) != 0)
		die("pull0", rv);
	nng_socket_set_int(s, NNG_OPT_RECVBUF, BUF);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
	if ((rv = nng_listen(s, argv[1], NULL, 0)) != 0)
		die("listen", rv);
	while (got < n) {
		if ((rv = nng_recvmsg(s, &m, 0)) != 0)
			die("recv", rv);
		if (warm < WARM / per) {
			warm++;
		} else {
			if (got == 0)
				memcpy(&t0, nng_msg_body(m), sizeof t0);
			got += (long)nng_msg_len(m) / size;
		}
		nng_msg_free(m);
	}
	flood_summary(n, size, t0, now_ns(), out, sizeof out);
	close(hold[1]);
	waitpid(pid, &st, 0);
	nng_close(s);
	printf("%s\n", out);
	return 0;
}
