/*
 * The nng bug herd works around in ipc/nngbug.c, shown on the nng this
 * builds with: nng_close of a sub0 socket whose pipe receives (a pub0
 * peer flooding it) hangs in nng 1.5.2. With NNGBUG_SUB_CLOSE_HANGS the
 * test wants the hang (no hang in 2,000 tries: the workaround's reason is
 * gone, drop it); without it, every close must return.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "harness.h"
#include "nngbug.h"

#define TRIES 2000

static nng_socket pub;

/* Publishes as fast as nng takes messages, till the process ends. */
static void *
flood(void *arg)
{
	char msg[300];

	memset(msg, 'x', sizeof msg);
	for (;;)
		nng_send(pub, msg, sizeof msg, NNG_FLAG_NONBLOCK);
	return arg;
}

/* The child: a subscriber dialled, a message received (its pipe is up
 * and receiving), then closed, TRIES times, a byte to OUT after each
 * close; exits 0 if every close returned. */
static void __attribute__((noreturn))
closes(const char *url, int out)
{
	pthread_t t;
	int i;

	if (nng_pub0_open(&pub) != 0 || nng_listen(pub, url, NULL, 0) != 0 ||
	    pthread_create(&t, NULL, flood, NULL) != 0)
		_exit(2);
	for (i = 0; i < TRIES; i++) {
		nng_socket s;
		char *buf;
		size_t n;

		if (nng_sub0_open(&s) != 0 || nng_socket_set(s,
		    NNG_OPT_SUB_SUBSCRIBE, "", 0) != 0 ||
		    nng_dial(s, url, NULL, 0) != 0 ||
		    nng_recv(s, &buf, &n, NNG_FLAG_ALLOC) != 0)
			_exit(3);
		nng_free(buf, n);
		nng_close(s);
		if (write(out, "c", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

/* Waits for the child's closes: 1 if it ended, 0 if it stalled (no close
 * returned for 5 s: hung, as no close takes that long). */
static int
ended(int in)
{
	struct pollfd p = { in, POLLIN, 0 };
	char buf[256];

	for (;;) {
		if (poll(&p, 1, ht_ms(5000)) != 1)
			return 0;
		if (read(in, buf, sizeof buf) <= 0)
			return 1; /* it exited (its end of the pipe closed) */
	}
}

static void
test_nng_sub_close_under_flow(void **state)
{
	struct ht *h = *state;
	char url[300];
	int fds[2], status;
	pid_t pid;

	snprintf(url, sizeof url, "ipc://%s", ht_path(h, "pub.sock"));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[0]);
		closes(url, fds[1]);
	}
	close(fds[1]);
	if (ended(fds[0])) {
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (NNGBUG_SUB_CLOSE_HANGS)
			fail_msg("nng_close of a receiving sub0 socket returned "
			    "%d times (status %d): this nng has no close hang; "
			    "ipc/nngbug.h's NNGBUG_SUB_CLOSE_HANGS is wrong for "
			    "it", TRIES, status);
		assert_int_equal(status, 0);
	} else {
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!NNGBUG_SUB_CLOSE_HANGS)
			fail_msg("nng_close of a receiving sub0 socket hangs: "
			    "NNGBUG_SUB_CLOSE_HANGS must cover this nng");
	}
	close(fds[0]);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nng_sub_close_under_flow,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("nng_bugs", tests, NULL, NULL);
}
