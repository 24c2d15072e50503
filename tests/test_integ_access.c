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

	code = ht_herdctl_as(h, NOBODY, &out, &err, "stop", "a", NULL);
	if (code != 4)
		fail_msg("stop as nobody exited %d, not 4\nstdout: %s\n"
		    "stderr: %s", code, out, err);
	snprintf(uid, sizeof uid, "%d", NOBODY);
	if (strstr(err, uid) == NULL || strstr(err, "read-only") == NULL)
		fail_msg("refusal does not name uid %s and read-only: %s", uid,
		    err);
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_int_equal(ht_pid(h, "a"), a);

	code = ht_herdctl_as(h, NOBODY, &out, &err, "status", NULL);
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
	code = ht_herdctl_as(h, NOBODY, &out, &err, "stop", "a", NULL);
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
		{ "spawn", "pool", "x" }, { "reset", "a" }, { "reload" },
		{ "shutdown" },
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
		code = ht_herdctl_as(h, NOBODY, &out, &err, ro[i][0], ro[i][1],
		    ro[i][2], ro[i][3], NULL);
		if (code != 0)
			fail_msg("%s %s as nobody exited %d: %s%s", ro[i][0],
			    ro[i][1] ? ro[i][1] : "", code, out, err);
	}
	ht_sync_events(h);
	for (i = 0; i < sizeof rw / sizeof rw[0]; i++) {
		code = ht_herdctl_as(h, NOBODY, &out, &err, rw[i][0], rw[i][1],
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
	code = ht_herdctl_as(h, NOBODY, &out, &err, "stop", "a", NULL);
	if (code != 0)
		fail_msg("stop as nobody in an allowed group exited %d\n"
		    "stdout: %s\nstderr: %s", code, out, err);
	assert_true(ht_wait_gone(a, HT_T));
	assert_string_equal(ht_status(h, "a").state, "stopped");
}

/* A request just past max_request_bytes gets too_large; herdctl does not
 * send one past nng's limit (herdd would close the connection without a
 * reply) but says it is too large; herdd keeps serving. */
static void
test_integ_access_oversize(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{" CHILDREN "}}");
	size_t n = 64 * 1024 + 100, i;
	char *args = malloc(200 * 1024 + 256);
	const char *out, *err;
	cJSON *r;

	assert_non_null(args);
	strcpy(args, "{'pad':'");
	memset(args + strlen(args), 'x', n);
	strcpy(args + 8 + n, "'}");
	r = ht_request(h, "status", args);
	assert_non_null(ht_error_code(r));
	assert_string_equal(ht_error_code(r), "too_large");

	/* a 100 KiB child spec through herdctl: refused before sending */
	i = (size_t)sprintf(args, "{\"name\":\"big\",\"command\":[\"%s\","
	    "\"sleep\"],\"env\":{\"PAD\":\"", h->child);
	memset(args + i, 'x', 100 * 1024);
	strcpy(args + i + 100 * 1024, "\"}}");
	HT_CTL(h, 1, &out, &err, "add-child", "", args);
	HT_CONTAINS(err, "request too large: ");
	HT_CONTAINS(err, "herdd takes at most 65536 "
	    "(control.max_request_bytes); not sent");
	HT_CTL(h, 1, &out, &err, "--json", "add-child", "", args);
	HT_CONTAINS(out, "\"code\":\"too_large\"");
	free(args);

	assert_non_null(ht_result(h, "ping", NULL));
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_string_equal(ht_status(h, "b").state, "running");
	assert_int_equal(ht_status(h, "big").found, 0);
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
