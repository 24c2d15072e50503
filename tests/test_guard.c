/*
 * The listener guard (supervisord/sockets/guard.c) on a real nng listener in this
 * process: a wedge made with real connect-and-close (nng bug #1518) is
 * repaired, and a re-creation that fails is tried again until it listens.
 * The failure is the one thing faked: nng_listener_start is wrapped
 * (-Wl,--wrap) to fail while the test says so, as a bind that cannot
 * happen yet would (run_dir gone, no fds).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "guard.h"
#include "harness.h"
#include "log.h"

/*
 * nng 1.5.2 never frees a listener wedged by bug #1518: each recovery
 * leaves it behind (3,960 bytes in 8 allocations under LeakSanitizer,
 * measured here; docs/semantics.md). This test wedges one on purpose, so
 * its leak check would only report nng's; the other tests keep theirs.
 */
const char *__lsan_default_options(void);
const char *
__lsan_default_options(void)
{
	return "detect_leaks=0";
}

static int fail_starts;  /* the next starts to fail */
static int starts;       /* starts seen */

int __real_nng_listener_start(nng_listener, int);
int __wrap_nng_listener_start(nng_listener l, int flags);

int
__wrap_nng_listener_start(nng_listener l, int flags)
{
	starts++;
	if (fail_starts > 0) {
		fail_starts--;
		return NNG_EADDRINUSE;
	}
	return __real_nng_listener_start(l, flags);
}

/* Whether a req0 peer gets a connection (an SP handshake done) in 1 s. */
static int
answers(const char *url)
{
	nng_socket s;
	int rv;

	assert_int_equal(nng_req0_open(&s), 0);
	rv = nng_dial(s, url, NULL, 0);
	nng_close(s);
	return rv == 0;
}

static void
run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
test_guard_failed_relisten_retried(void **state)
{
	char dir[] = "/tmp/herd-guard-XXXXXX", path[128], url[160];
	struct event_base *base = event_base_new();
	struct guard *g = guard_create(base);
	char cause[256];
	nng_socket rep;
	int i, k;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.sock", dir);
	snprintf(url, sizeof url, "ipc://%s", path);
	assert_int_equal(nng_rep0_open_raw(&rep), 0);
	assert_int_equal(guard_listen(g, rep, GUARD_PEER_REQ0, url, 0660, -1,
	    cause, sizeof cause), 0);
	run_for(base, 1200); /* the first probe proves the accept hook */
	/* wedge it, with the next three re-creations failing */
	fail_starts = 3;
	for (i = 0; i < 100 && guard_recoveries(g) == 0; i++) {
		for (k = 0; k < 5; k++)
			ht_connect_close(path);
		run_for(base, 200);
	}
	assert_true(guard_recoveries(g) > 0);
	/* retried (100, 200, 400 ms...) until it listens */
	for (i = 0; i < 100 && fail_starts > 0; i++)
		run_for(base, 100);
	run_for(base, 2000);
	assert_int_equal(fail_starts, 0);
	assert_true(answers(url));
	nng_close(rep);
	guard_destroy(g);
	event_base_free(base);
	unlink(path);
	rmdir(dir);
}

static nng_socket flooded;

/* Publishes as fast as nng takes messages, till the process ends. */
static void *
flood(void *arg)
{
	char msg[300];

	memset(msg, 'x', sizeof msg);
	for (;;)
		nng_send(flooded, msg, sizeof msg, NNG_FLAG_NONBLOCK);
	return arg;
}

/*
 * The probes of a pub0 socket that publishes all the time (herdd's event
 * socket while 1,000 children start): each check after a connection
 * probes and ends its probe, and none of that may hang. A sub0 probe
 * closed while its pipe received hung in nng 1.5.2 (ipc/nngbug.c) and
 * wedged herdd. In a child, with a deadline: a hang cannot stop the test.
 */
static void
test_guard_probes_a_publishing_socket(void **state)
{
	char dir[] = "/tmp/herd-guard-XXXXXX", path[128], url[160];
	int pidfd, status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/p.sock", dir);
	snprintf(url, sizeof url, "ipc://%s", path);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct event_base *base = event_base_new();
		struct guard *g = guard_create(base);
		char cause[256];
		pthread_t t;
		int i;

		if (nng_pub0_open(&flooded) != 0 || guard_listen(g, flooded,
		    GUARD_PEER_SUB0, url, 0660, -1, cause, sizeof cause) != 0 ||
		    pthread_create(&t, NULL, flood, NULL) != 0)
			_exit(2);
		for (i = 0; i < 20; i++) {
			/* a subscriber's connection, for the accept hook */
			int fd = ht_sp_connect_as(path, GUARD_PEER_SUB0);
			run_for(base, 150); /* a check, its probe, its end */
			if (fd != -1)
				close(fd);
		}
		guard_destroy(g);
		_exit(0);
	}
	pidfd = ht_pidfd(pid);
	if (!ht_wait_pidfd(pidfd, ht_ms(30000))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("the guard hung probing a publishing socket");
	}
	close(pidfd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		/* first: its child starts nng, which must not have run in
		 * the parent before the fork ("not fork-reentrant safe") */
		cmocka_unit_test(test_guard_probes_a_publishing_socket),
		cmocka_unit_test(test_guard_failed_relisten_retried),
	};

	int rc;

	log_init(LOG_LVL_INFO);
	rc = cmocka_run_group_tests_name("guard", tests, NULL, NULL);
	nng_fini(); /* nng frees closed listeners on its reaper thread */
	return rc;
}
