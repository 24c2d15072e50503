/* herdd under a service manager: the test plays systemd's part with a
 * datagram socket (READY, STATUS, WATCHDOG, RELOADING, STOPPING), checks
 * its listener against Debian's systemd-notify, and checks the child
 * watchdog (watchdog_ms). */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
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

#include "harness.h"

/* The service manager's end: a datagram socket at a path or abstract. */
struct sd {
	int fd;
	char env[300]; /* NOTIFY_SOCKET value */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sd_open(struct sd *sd, struct ht *h, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len;
	int one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(sd->env, sizeof sd->env, "@herd-test-sd-%d",
		    (int)getpid());
		memcpy(sa.sun_path + 1, sd->env + 1, strlen(sd->env) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(sd->env));
	} else {
		snprintf(sd->env, sizeof sd->env, "%s/sd.sock", h->dir);
		assert_true(strlen(sd->env) < sizeof sa.sun_path);
		memcpy(sa.sun_path, sd->env, strlen(sd->env) + 1);
		len = sizeof sa;
	}
	sd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sd->fd >= 0);
	setsockopt(sd->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	assert_int_equal(bind(sd->fd, (struct sockaddr *)&sa, len), 0);
}

/* Next datagram within timeout_ms into buf (NUL-terminated); closes fds
 * that came with it, as systemd does. Returns its length, -1 on timeout. */
static int
sd_recv(struct sd *sd, char *buf, size_t size, int timeout_ms)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 16) +
		    CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct pollfd p = { sd->fd, POLLIN, 0 };
	struct iovec iov = { buf, size - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof ctl.b;
	n = recvmsg(sd->fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_type == SCM_RIGHTS) {
			int *fds = (int *)CMSG_DATA(cm);
			size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int);
			for (k = 0; k < nfd; k++)
				close(fds[k]);
		}
	buf[n] = '\0';
	return (int)n;
}

/* Waits for a datagram holding LINE (a whole line); returns it (static). */
static const char *
sd_expect(struct sd *sd, const char *line, int timeout_ms)
{
	static char buf[4096];
	uint64_t until = now_ms() + (uint64_t)timeout_ms;
	size_t n = strlen(line);
	const char *p;

	while (now_ms() < until) {
		if (sd_recv(sd, buf, sizeof buf, (int)(until - now_ms())) < 0)
			break;
		for (p = buf; p != NULL && *p; p = strchr(p, '\n'),
		    p = p ? p + 1 : NULL)
			if (strncmp(p, line, n) == 0 &&
			    (p[n] == '\n' || p[n] == '\0'))
				return buf;
	}
	fail_msg("no \"%s\" from herdd within %d ms", line, timeout_ms);
	return NULL;
}

static void
boot_under_sd(struct ht *h, struct sd *sd, const char *watchdog_usec,
    const char *tmpl)
{
	setenv("NOTIFY_SOCKET", sd->env, 1);
	if (watchdog_usec != NULL)
		setenv("WATCHDOG_USEC", watchdog_usec, 1);
	ht_boot(h, tmpl);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}

#define TREE "{" HT_DIRS ",'supervisor':{'children':[" \
	"{'name':'slow','command':['@CHILD@','notify','300']," \
	"'ready':'notify'}," \
	"{'name':'b','command':['@CHILD@','sleep']}]}}"

/* READY=1 comes once every child is ready, with a STATUS summary; a
 * reload is framed by RELOADING=1 (with MONOTONIC_USEC) and READY=1; a
 * shutdown says STOPPING=1. */
static void
check_lifecycle(struct ht *h, struct sd *sd)
{
	const char *msg;
	cJSON *ev;

	msg = sd_expect(sd, "READY=1", HT_T);
	assert_non_null(strstr(msg, "STATUS=2/2 children running"));
	/* both children were started before READY=1 was sent */
	ev = ht_find_event(h, 0, "herd.started", "");
	if (ev == NULL) {
		ht_wait_event(h, "herd.started", "", HT_T);
		ev = ht_find_event(h, 0, "herd.started", "");
	}
	assert_non_null(ht_find_event(h, 0, "child.started", "slow"));
	assert_non_null(ht_find_event(h, 0, "child.started", "b"));
	assert_string_equal(ht_status(h, "slow").state, "running");

	assert_null(ht_error_code(ht_request(h, "reload", NULL)));
	msg = sd_expect(sd, "RELOADING=1", HT_T);
	assert_non_null(strstr(msg, "MONOTONIC_USEC="));
	sd_expect(sd, "READY=1", HT_T);

	assert_int_equal(ht_shutdown(h), 0);
	sd_expect(sd, "STOPPING=1", HT_T);
}

static void
test_integ_sdnotify_lifecycle_path(void **state)
{
	struct ht *h = *state;
	struct sd sd;

	sd_open(&sd, h, 0);
	boot_under_sd(h, &sd, NULL, TREE);
	check_lifecycle(h, &sd);
	close(sd.fd);
}

static void
test_integ_sdnotify_lifecycle_abstract(void **state)
{
	struct ht *h = *state;
	struct sd sd;

	sd_open(&sd, h, 1);
	boot_under_sd(h, &sd, NULL, TREE);
	check_lifecycle(h, &sd);
	close(sd.fd);
}

/* WATCHDOG=1 at half of WATCHDOG_USEC (200 ms -> every 100 ms). */
static void
test_integ_sdnotify_watchdog_rate(void **state)
{
	struct ht *h = *state;
	uint64_t t[12];
	struct sd sd;
	int i;

	sd_open(&sd, h, 0);
	boot_under_sd(h, &sd, "200000", TREE);
	sd_expect(&sd, "READY=1", HT_T);
	for (i = 0; i < 12; i++) {
		sd_expect(&sd, "WATCHDOG=1", ht_ms(2000));
		t[i] = now_ms();
	}
	/* 11 intervals of 100 ms; a busy machine may delay a few */
	if (t[11] - t[1] < 900 || t[11] - t[1] > 1000 * 3)
		fail_msg("10 watchdog intervals took %llu ms, expected ~1000",
		    (unsigned long long)(t[11] - t[1]));
	close(sd.fd);
}

/* The test's listener is faithful: Debian's systemd-notify, as a reference
 * sender, is heard the same way. */
static void
test_integ_sdnotify_reference_sender(void **state)
{
	struct ht *h = *state;
	char *argv[] = { "systemd-notify", "--ready",
	    "--status=reference sender", NULL };
	extern char **environ;
	const char *msg;
	struct sd sd;
	pid_t pid;
	int pidfd, status;

	(void)h;
	if (system("command -v systemd-notify >/dev/null 2>&1") != 0)
		skip();
	sd_open(&sd, h, 0);
	setenv("NOTIFY_SOCKET", sd.env, 1);
	/* it sends READY=1, then BARRIER=1 with an fd and waits for that fd
	 * to be closed: the listener must run while it does */
	assert_int_equal(posix_spawnp(&pid, "systemd-notify", NULL, NULL, argv,
	    environ), 0);
	unsetenv("NOTIFY_SOCKET");
	pidfd = ht_pidfd(pid);
	msg = sd_expect(&sd, "READY=1", ht_ms(5000));
	assert_non_null(strstr(msg, "STATUS=reference sender"));
	sd_expect(&sd, "BARRIER=1", ht_ms(5000)); /* its fd is closed here */
	assert_true(ht_wait_pidfd(pidfd, ht_ms(5000)));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pidfd);
	close(sd.fd);
}

/* A child that stops pinging within watchdog_ms is killed, its exit has
 * reason "watchdog", and it is restarted (permanent). */
static void
test_integ_sdnotify_child_watchdog(void **state)
{
	struct ht *h = *state;
	cJSON *ev;
	pid_t first;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'w','command':['@CHILD@','watchdog','3','@TMP@/once'],"
	    "'ready':'notify','watchdog_ms':300}]}}");
	first = ht_pid(h, "w");
	ev = ht_wait_event(h, "child.exited", "w", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "watchdog");
	ev = ht_wait_event(h, "child.started", "w", HT_T);
	assert_int_not_equal((pid_t)ht_num(ev, "pid"), first);
	assert_false(ht_alive(first));
	/* the second run keeps pinging: no more exits for a while */
	assert_null(ht_try_event(h, "child.exited", "w", ht_ms(1000)));
	assert_string_equal(ht_status(h, "w").state, "running");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_sdnotify_lifecycle_path, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_sdnotify_lifecycle_abstract, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_sdnotify_watchdog_rate, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_sdnotify_reference_sender, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_sdnotify_child_watchdog, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
