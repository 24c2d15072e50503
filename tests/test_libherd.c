/* Tests of libherd's readiness side (worker/): the test plays herdd's or
 * systemd's part, binding the datagram socket NOTIFY_SOCKET names (a path
 * and an abstract name) and reading what the library sends. */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "herd.h"

struct listener {
	char dir[64];         /* temp dir of the path socket */
	char env[128];        /* the NOTIFY_SOCKET value */
	int fd;
};

/* Binds a datagram socket at a path in a temp dir, or at an abstract name,
 * with SO_PASSCRED so each datagram says who sent it. */
static struct listener *
listener_create(int abstract)
{
	struct listener *l = calloc(1, sizeof *l);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int one = 1;

	assert_non_null(l);
	if (abstract) {
		snprintf(l->env, sizeof l->env, "@herd-test-libherd-%d",
		    (int)getpid());
		memcpy(sa.sun_path, l->env, strlen(l->env));
		sa.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(l->env));
	} else {
		strcpy(l->dir, "/tmp/herd-libherd-XXXXXX");
		assert_non_null(mkdtemp(l->dir));
		snprintf(l->env, sizeof l->env, "%s/notify.sock", l->dir);
		strcpy(sa.sun_path, l->env);
		len = sizeof sa;
	}
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof one), 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", l->env, 1), 0);
	return l;
}

static void
listener_destroy(struct listener *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	if (l->dir[0] != '\0') {
		unlink(l->env);
		rmdir(l->dir);
	}
	free(l);
}

/* The next datagram, which must be there already (sendto on a Unix socket
 * queues it before returning); checks the sender is this process. Caller
 * frees. */
static char *
listener_recv(struct listener *l)
{
	char buf[8192];
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, sizeof buf - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm;
	struct ucred cred = { 0 };
	ssize_t n;

	n = recvmsg(l->fd, &mh, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(cm), sizeof cred);
	assert_int_equal(cred.pid, getpid());
	return strdup(buf);
}

static void
listener_expect(struct listener *l, const char *want)
{
	char *got = listener_recv(l);

	assert_string_equal(got, want);
	free(got);
}

static void
listener_expect_none(struct listener *l)
{
	char c;

	assert_int_equal(recv(l->fd, &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static int
setup_path(void **state)
{
	*state = listener_create(0);
	return 0;
}

static int
setup_abstract(void **state)
{
	*state = listener_create(1);
	return 0;
}

static int
teardown(void **state)
{
	listener_destroy(*state);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

static void
test_libherd_notify_unset(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(herd_notify("READY=1"), 0);
	assert_int_equal(herd_ready(), 0);
	assert_int_equal(herd_status("up %d", 1), 0);
	assert_int_equal(herd_watchdog_ping(), 0);
	/* an invalid argument is one whether or not anyone listens */
	assert_int_equal(herd_notify(NULL), HERD_EINVAL);
}

/* The same sequence over the path socket and the abstract one. */
static void
test_libherd_notify_sends(void **state)
{
	struct listener *l = *state;

	assert_int_equal(herd_ready(), 0);
	listener_expect(l, "READY=1");
	assert_int_equal(herd_watchdog_ping(), 0);
	listener_expect(l, "WATCHDOG=1");
	assert_int_equal(herd_notify("STOPPING=1\nSTATUS=bye"), 0);
	listener_expect(l, "STOPPING=1\nSTATUS=bye");
	assert_int_equal(herd_status("%zu of %d running", (size_t)3, 4), 0);
	listener_expect(l, "STATUS=3 of 4 running");
	listener_expect_none(l);
	assert_int_equal(herd_notify(NULL), HERD_EINVAL);
	listener_expect_none(l);
}

static void
test_libherd_status_text(void **state)
{
	struct listener *l = *state;
	char *big, *got;
	size_t n = 3000;

	/* a newline cannot smuggle in another assignment */
	assert_int_equal(herd_status("a\nREADY=1\r%s", "b"), 0);
	listener_expect(l, "STATUS=a READY=1 b");
	assert_int_equal(herd_status("%s", ""), 0);
	listener_expect(l, "STATUS=");
	/* longer than the stack buffer: formatted on the heap */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	assert_int_equal(herd_status("[%s]", big), 0);
	got = listener_recv(l);
	assert_int_equal(strlen(got), strlen("STATUS=[]") + n);
	assert_memory_equal(got, "STATUS=[x", 9);
	assert_int_equal(got[strlen(got) - 1], ']');
	free(got);
	free(big);
	assert_int_equal(herd_status(NULL), HERD_EINVAL);
}

/* NOTIFY_SOCKET values that cannot be sent to, and what they give. */
static void
test_libherd_notify_errors(void **state)
{
	struct listener *l = *state;
	char path[256], stale[128];
	int fd;

	setenv("NOTIFY_SOCKET", "relative/notify.sock", 1);
	assert_int_equal(herd_ready(), HERD_EBADENV);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(herd_ready(), HERD_EBADENV);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(herd_ready(), HERD_EBADENV);

	/* a path holds at most 107 bytes and its NUL */
	memset(path, 'a', sizeof path);
	path[0] = '/';
	path[108] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(herd_ready(), HERD_ETOOLONG);
	path[200] = '\0';
	memset(path + 108, 'a', 92);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(herd_ready(), HERD_ETOOLONG);
	path[107] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	/* an abstract name 108 bytes with the '@' (no NUL) */
	path[0] = '@';
	path[107] = 'a';
	path[108] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	path[108] = 'a';
	path[109] = '\0';
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(herd_ready(), HERD_ETOOLONG);

	/* no such file; a socket file nobody listens on; a plain file */
	snprintf(stale, sizeof stale, "%s/none.sock", l->dir);
	setenv("NOTIFY_SOCKET", stale, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	close(l->fd);
	l->fd = -1;
	setenv("NOTIFY_SOCKET", l->env, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	snprintf(stale, sizeof stale, "%s/plain", l->dir);
	fd = open(stale, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	setenv("NOTIFY_SOCKET", stale, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	unlink(stale);
	/* an abstract name nobody bound */
	snprintf(stale, sizeof stale, "@herd-test-libherd-none-%d",
	    (int)getpid());
	setenv("NOTIFY_SOCKET", stale, 1);
	assert_int_equal(herd_ready(), HERD_ENOLISTENER);
	assert_int_equal(herd_status("x"), HERD_ENOLISTENER);
	assert_int_equal(herd_watchdog_ping(), HERD_ENOLISTENER);
}

struct watchdog_case {
	const char *usec, *pid; /* NULL: unset; "self": getpid() */
	int want;
	uint64_t want_usec;
};

static const struct watchdog_case watchdog_cases[] = {
	{ NULL, NULL, 0, 0 },
	{ NULL, "self", 0, 0 },
	{ "30000000", NULL, 1, 30000000 },
	{ "1", NULL, 1, 1 },
	{ "18446744073709551615", NULL, 1, UINT64_MAX },
	{ "30000000", "self", 1, 30000000 },
	{ "30000000", "1", 0, 0 },                 /* meant for another pid */
	{ "0", NULL, HERD_EBADENV, 0 },
	{ "", NULL, HERD_EBADENV, 0 },
	{ "abc", NULL, HERD_EBADENV, 0 },
	{ "12x", NULL, HERD_EBADENV, 0 },
	{ "-5", NULL, HERD_EBADENV, 0 },
	{ "+5", NULL, HERD_EBADENV, 0 },
	{ " 5", NULL, HERD_EBADENV, 0 },
	{ "18446744073709551616", NULL, HERD_EBADENV, 0 },
	{ "30000000", "", HERD_EBADENV, 0 },
	{ "30000000", "0", HERD_EBADENV, 0 },
	{ "30000000", "pid", HERD_EBADENV, 0 },
	{ "30000000", "-1", HERD_EBADENV, 0 },
};

static void
test_libherd_watchdog_usec(void **state)
{
	char self[32];
	size_t i;
	int r;

	snprintf(self, sizeof self, "%d", (int)getpid());
	for (i = 0; i < sizeof watchdog_cases / sizeof watchdog_cases[0];
	    i++) {
		const struct watchdog_case *c = &watchdog_cases[i];
		uint64_t usec = 42;

		if (c->usec != NULL)
			setenv("WATCHDOG_USEC", c->usec, 1);
		else
			unsetenv("WATCHDOG_USEC");
		if (c->pid != NULL)
			setenv("WATCHDOG_PID",
			    strcmp(c->pid, "self") == 0 ? self : c->pid, 1);
		else
			unsetenv("WATCHDOG_PID");
		r = herd_watchdog_usec(&usec);
		if (r != c->want || usec != (r == 1 ? c->want_usec : 42) ||
		    herd_watchdog_usec(NULL) != r)
			fail_msg("WATCHDOG_USEC=%s WATCHDOG_PID=%s: got %d "
			    "(usec %llu), want %d", c->usec ? c->usec : "(unset)",
			    c->pid ? c->pid : "(unset)", r,
			    (unsigned long long)usec, c->want);
	}
}

static int sigpipes;

static void
sigpipe_handler(int sig)
{
	sigpipes++;
}

static void
test_libherd_ready_fd(void **state)
{
	struct sigaction sa = { .sa_handler = sigpipe_handler }, old;
	sigset_t mask;
	char buf[4];
	int p[2];

	/* a newline, then the write end is closed: the reader sees EOF */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(herd_ready_fd(p[1]), 0);
	assert_int_equal(read(p[0], buf, sizeof buf), 1);
	assert_int_equal(buf[0], '\n');
	assert_int_equal(read(p[0], buf, sizeof buf), 0);
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	close(p[0]);

	assert_int_equal(herd_ready_fd(-1), HERD_EINVAL);
	assert_int_equal(herd_ready_fd(p[1]), HERD_EBADF);
	assert_int_equal(errno, EBADF);

	/* herdd gone: EPIPE, and no SIGPIPE reaches the program, whose signal
	 * mask is as before */
	assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	assert_int_equal(herd_ready_fd(p[1]), HERD_EPIPE);
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	assert_int_equal(sigpipes, 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &mask), 0);
	assert_int_equal(sigismember(&mask, SIGPIPE), 0);
	assert_int_equal(sigpending(&mask), 0);
	assert_int_equal(sigismember(&mask, SIGPIPE), 0);
	assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);

	/* with the default action (death) too */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	assert_int_equal(herd_ready_fd(p[1]), HERD_EPIPE);

	/* a socket works as a notification fd as well */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p),
	    0);
	assert_int_equal(herd_ready_fd(p[1]), 0);
	assert_int_equal(read(p[0], buf, sizeof buf), 1);
	assert_int_equal(buf[0], '\n');
	close(p[0]);
}

static void
test_libherd_strerror(void **state)
{
	int codes[] = { HERD_EINVAL, HERD_EBADENV, HERD_ETOOLONG,
		HERD_ENOLISTENER, HERD_EACCES, HERD_EMSGSIZE, HERD_ENOMEM,
		HERD_EBADF, HERD_EPIPE, HERD_ESYSTEM };
	size_t n = sizeof codes / sizeof codes[0], i, j;

	assert_string_equal(herd_strerror(0), "success");
	assert_string_equal(herd_strerror(1), "unknown error");
	assert_string_equal(herd_strerror(-1000), "unknown error");
	for (i = 0; i < n; i++) {
		assert_true(codes[i] < 0);
		assert_string_not_equal(herd_strerror(codes[i]),
		    "unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(herd_strerror(codes[i]),
			    herd_strerror(codes[j]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_libherd_notify_unset, teardown),
		cmocka_unit_test_setup_teardown(test_libherd_notify_sends,
		    setup_path, teardown),
		cmocka_unit_test_setup_teardown(test_libherd_notify_sends,
		    setup_abstract, teardown),
		cmocka_unit_test_setup_teardown(test_libherd_status_text,
		    setup_abstract, teardown),
		cmocka_unit_test_setup_teardown(test_libherd_notify_errors,
		    setup_path, teardown),
		cmocka_unit_test_teardown(test_libherd_watchdog_usec, teardown),
		cmocka_unit_test(test_libherd_ready_fd),
		cmocka_unit_test(test_libherd_strerror),
	};

	return cmocka_run_group_tests_name("libherd", tests, NULL, NULL);
}
