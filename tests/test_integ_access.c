/* Integration tests of the control socket's access control and request
 * limit on a real herdd: read-only peers, control.allow_users, the socket
 * files' mode and group, oversize requests. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define NOBODY 65534 /* nobody, and nogroup, on Debian */

#define CHILDREN "'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'b','command':['@CHILD@','sleep']}]"

/* Tests that run herdctl as nobody need root to switch to it. */
static void
need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "not root: cannot run herdctl as nobody\n");
		skip();
	}
}

static struct ht *
boot(void **state, const char *conf)
{
	struct ht *h = *state;

	/* nobody must reach run_dir (herdd gives it to control.group) */
	assert_int_equal(chmod(h->dir, 0711), 0);
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/*
 * Runs herdctl -r RUN -t 5s ARGS... as nobody:nogroup with no
 * supplementary groups; *out and *err get its stdout and stderr
 * (harness-owned). Returns its exit status (128 + signal), -1 on timeout.
 */
static int
herdctl_as_nobody(struct ht *h, const char **out, const char **err, ...)
{
	const char *fo = ht_path(h, "nobody.out"), *fe = ht_path(h,
	    "nobody.err");
	char *argv[32];
	const char *a;
	va_list ap;
	int n = 0, o, e, pfd, st, code = -1;
	pid_t pid;

	argv[n++] = h->herdctl;
	argv[n++] = "-r";
	argv[n++] = h->run;
	argv[n++] = "-t";
	argv[n++] = "5s";
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;

	o = open(fo, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	e = open(fe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(o != -1 && e != -1);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		/* async-signal-safe calls only: nng's threads exist here */
		int nul = open("/dev/null", O_RDONLY);
		if (nul == -1 || dup2(nul, 0) == -1 || dup2(o, 1) == -1 ||
		    dup2(e, 2) == -1)
			_exit(126);
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1 || getuid() != NOBODY)
			_exit(125);
		execv(argv[0], argv);
		_exit(127);
	}
	close(o);
	close(e);
	pfd = ht_pidfd(pid);
	assert_true(pfd != -1);
	if (!ht_wait_pidfd(pfd, ht_ms(10000)))
		kill(pid, SIGKILL);
	else
		code = 0;
	close(pfd);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (code == 0)
		code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	*out = ht_read_file(h, fo);
	*err = ht_read_file(h, fe);
	assert_non_null(*out);
	assert_non_null(*err);
	return code;
}

static void
assert_socket(struct ht *h, const char *name)
{
	struct stat st;
	const char *path = ht_path(h, "run/%s", name);

	if (stat(path, &st) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(S_ISSOCK(st.st_mode));
	if ((st.st_mode & 07777) != 0660)
		fail_msg("%s: mode %04o, not 0660", path,
		    (unsigned)(st.st_mode & 07777));
	assert_int_equal(st.st_gid, NOBODY);
}

/* A peer that is not allowed may read (status) but not mutate (stop):
 * refused, exit 4, naming its uid and read-only access; nothing stops.
 * The sockets are 0660 in control.group. */
static void
test_integ_access_read_only_peer(void **state)
{
	const char *out, *err;
	char uid[32];
	struct ht *h;
	int code;
	pid_t a;

	need_root();
	h = boot(state, "{" HT_DIRS ",'control':{'group':'nogroup'},"
	    "'supervisor':{" CHILDREN "}}");
	a = ht_pid(h, "a");

	assert_socket(h, "control.sock");
	assert_socket(h, "events.sock");

	code = herdctl_as_nobody(h, &out, &err, "stop", "a", NULL);
	if (code != 4)
		fail_msg("stop as nobody exited %d, not 4\nstdout: %s\n"
		    "stderr: %s", code, out, err);
	snprintf(uid, sizeof uid, "%d", NOBODY);
	if (strstr(err, uid) == NULL || strstr(err, "read-only") == NULL)
		fail_msg("refusal does not name uid %s and read-only: %s", uid,
		    err);
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_int_equal(ht_pid(h, "a"), a);

	code = herdctl_as_nobody(h, &out, &err, "status", NULL);
	if (code != 0)
		fail_msg("status as nobody exited %d\nstdout: %s\nstderr: %s",
		    code, out, err);
	assert_non_null(strstr(out, "a "));
	assert_non_null(strstr(out, "running"));

	/* root (herdd's own uid) may */
	code = ht_herdctl(h, &out, &err, "stop", "a", NULL);
	assert_int_equal(code, 0);
	assert_true(ht_wait_gone(a, HT_T));
}

/* control.allow_users: nobody may stop. */
static void
test_integ_access_allow_users(void **state)
{
	const char *out, *err;
	struct ht *h;
	pid_t a, b;
	int code;

	need_root();
	h = boot(state, "{" HT_DIRS ",'control':{'group':'nogroup',"
	    "'allow_users':['nobody']},'supervisor':{" CHILDREN "}}");
	a = ht_pid(h, "a");
	b = ht_pid(h, "b");

	assert_socket(h, "control.sock");
	code = herdctl_as_nobody(h, &out, &err, "stop", "a", NULL);
	if (code != 0)
		fail_msg("stop as allowed nobody exited %d\nstdout: %s\n"
		    "stderr: %s", code, out, err);
	assert_non_null(strstr(out, "stopped a"));
	assert_true(ht_wait_gone(a, HT_T));
	assert_string_equal(ht_status(h, "a").state, "stopped");
	assert_int_equal(ht_pid(h, "b"), b);
}

/* As nobody, every read-only op answers and every mutating op is
 * refused before it does anything. */
static void
test_integ_access_every_op(void **state)
{
	static const char *const ro[][4] = {
		{ "ping" }, { "version" }, { "status" }, { "tree" },
		{ "diff" }, { "status", "a" },
	};
	static const char *const rw[][4] = {
		{ "start", "a" }, { "stop", "a" }, { "terminate", "a" },
		{ "restart", "a" }, { "restart", "--force", "a" },
		{ "signal", "a", "TERM" }, { "delete", "a" },
		{ "add-child", "", "{\"name\":\"c\",\"command\":\"true\"}" },
		{ "spawn", "pool", "x" }, { "reload" }, { "shutdown" },
	};
	const char *out, *err;
	struct ht *h;
	size_t i;
	int code;
	pid_t a;

	need_root();
	h = boot(state, "{" HT_DIRS ",'control':{'group':'nogroup'},"
	    "'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']},"
	    "{'name':'pool','type':'supervisor',"
	    "'strategy':'simple_one_for_one','children':["
	    "{'name':'w','command':['@CHILD@','sleep']}]}]}}");
	a = ht_pid(h, "a");
	for (i = 0; i < sizeof ro / sizeof ro[0]; i++) {
		code = herdctl_as_nobody(h, &out, &err, ro[i][0], ro[i][1],
		    ro[i][2], ro[i][3], NULL);
		if (code != 0)
			fail_msg("%s %s as nobody exited %d: %s%s", ro[i][0],
			    ro[i][1] ? ro[i][1] : "", code, out, err);
	}
	ht_sync_events(h);
	for (i = 0; i < sizeof rw / sizeof rw[0]; i++) {
		code = herdctl_as_nobody(h, &out, &err, rw[i][0], rw[i][1],
		    rw[i][2], rw[i][3], NULL);
		if (code != 4 || strstr(err, "read-only") == NULL)
			fail_msg("%s %s as nobody exited %d (not 4, read-only):"
			    " %s%s", rw[i][0], rw[i][1] ? rw[i][1] : "", code,
			    out, err);
	}
	assert_int_equal(ht_pid(h, "a"), a);
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_false(ht_status(h, "c").found);
	assert_false(ht_status(h, "pool/1").found);
	ht_sync_events(h);
	assert_null(ht_find_event(h, 0, "child.stopping", NULL));
	assert_null(ht_find_event(h, 0, "config.reloaded", NULL));
	assert_null(ht_find_event(h, 0, "herd.stopping", NULL));
}

/* control.allow_groups: a member of the group (here its primary group)
 * may stop. */
static void
test_integ_access_allow_groups(void **state)
{
	const char *out, *err;
	struct ht *h;
	int code;
	pid_t a;

	need_root();
	h = boot(state, "{" HT_DIRS ",'control':{'group':'nogroup',"
	    "'allow_groups':['nogroup']},'supervisor':{" CHILDREN "}}");
	a = ht_pid(h, "a");
	code = herdctl_as_nobody(h, &out, &err, "stop", "a", NULL);
	if (code != 0)
		fail_msg("stop as nobody in an allowed group exited %d\n"
		    "stdout: %s\nstderr: %s", code, out, err);
	assert_true(ht_wait_gone(a, HT_T));
	assert_string_equal(ht_status(h, "a").state, "stopped");
}

/* A 200 KiB request gets too_large; herdd keeps serving. */
static void
test_integ_access_oversize(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{" CHILDREN "}}");
	size_t n = 200 * 1024;
	char *args = malloc(n + 32);
	cJSON *r;

	assert_non_null(args);
	strcpy(args, "{'pad':'");
	memset(args + strlen(args), 'x', n);
	strcpy(args + 8 + n, "'}");
	r = ht_request(h, "status", args);
	free(args);
	assert_non_null(ht_error_code(r));
	assert_string_equal(ht_error_code(r), "too_large");

	assert_non_null(ht_result(h, "ping", NULL));
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_string_equal(ht_status(h, "b").state, "running");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_access_read_only_peer),
		T(test_integ_access_allow_users),
		T(test_integ_access_every_op),
		T(test_integ_access_allow_groups),
		T(test_integ_access_oversize),
	};

	return cmocka_run_group_tests_name("integ_access", tests, NULL, NULL);
}
