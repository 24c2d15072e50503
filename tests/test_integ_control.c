/* Integration tests of the control plane end to end: the real herdctl, the
 * listener guard against nng bug #1518, and the run_dir lock. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"

#define CONF "{" HT_DIRS ",'supervisor':{'intensity':5,'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'grp','type':'supervisor','children':[" \
	"{'name':'b','command':['@CHILD@','sleep']}]}]}}"

/* Runs herdctl ARGS, which must succeed. */
#define CTL_OK(h, out, err, ...) do { \
	int code_ = ht_herdctl(h, out, err, __VA_ARGS__, NULL); \
	if (code_ != 0) { \
		ht_dump_events(h); \
		fail_msg("herdctl " #__VA_ARGS__ " exited %d: %s%s", code_, \
		    *(out), *(err)); \
	} \
} while (0)

static struct ht *
boot(void **state)
{
	struct ht *h = *state;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

static const char *
control_path(struct ht *h)
{
	return ht_path(h, "run/control.sock");
}

/* herdctl status answers within 5 s, naming the children. */
static void
assert_status_answers(struct ht *h)
{
	const char *out, *err;
	int code;

	code = ht_herdctl(h, &out, &err, "status", NULL);
	if (code != 0)
		fail_msg("herdctl status exited %d\nstdout: %s\nstderr: %s\n%s",
		    code, out, err, ht_herdd_output(h));
	assert_non_null(strstr(out, "grp/b"));
}

static void
test_integ_control_connect_close_keeps_serving(void **state)
{
	struct ht *h = boot(state);
	int i;

	for (i = 0; i < 3; i++)
		ht_connect_close(control_path(h));
	assert_status_answers(h);
	ht_connect_close(control_path(h));
	assert_status_answers(h);
}

static void
test_integ_control_python_connect_close_keeps_serving(void **state)
{
	struct ht *h = boot(state);
	char script[600];
	const char *err;
	char *argv[] = { "python3", "-c", script, NULL };

	snprintf(script, sizeof script, "import socket; "
	    "s=socket.socket(socket.AF_UNIX); s.connect('%s'); s.close()",
	    control_path(h));
	if (ht_run(h, argv, ht_ms(5000), NULL, &err) != 0)
		fail_msg("python3 failed: %s", err);
	assert_status_answers(h);
}

/*
 * A connection made as herdd starts stays open through the guard's first
 * checks: the control socket has two listeners (control.sock and
 * node.sock) and one pipe callback, and crediting the node listener with
 * both probes made every boot re-create control.sock a second in,
 * closing every connection made by then.
 */
static void
test_integ_control_boot_keeps_connections(void **state)
{
	struct ht *h = boot(state);
	int fd = ht_sp_connect(control_path(h));
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned char head[8];
	size_t got = 0;
	ssize_t n;

	assert_true(fd != -1);
	while (got < sizeof head) {
		assert_int_equal(poll(&p, 1, ht_ms(HT_TIMEOUT)), 1);
		n = read(fd, head + got, sizeof head - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	/* herdd never writes unasked: anything now is the close; the
	 * guard's boot probes are judged within 1 s */
	n = poll(&p, 1, ht_ms(2500));
	close(fd);
	if (n != 0)
		fail_msg("herdd closed a connection made at its start:\n%s",
		    ht_herdd_output(h));
	assert_int_equal(ht_num(cJSON_GetObjectItem(ht_result(h, "status",
	    NULL), "herd"), "listener_recoveries"), 0);
}

/* The voluntary context switches of all of PID's threads so far. */
static long
ctx_switches(pid_t pid)
{
	char path[320], line[128];
	struct dirent *d;
	long n = 0, v;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/status", (int)pid,
		    d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
				n += v;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* Once nobody has connected for a while, herdd does not wake up at all;
 * a connect-and-close then still gets the listener repaired. */
static void
test_integ_control_quiet_then_connect_close(void **state)
{
	struct ht *h = boot(state);
	struct pollfd p = { .fd = h->pidfd, .events = POLLIN };
	long last = -1, now;
	int i, still = 0, polls;

	/* The guard stops checking 5 s after the last connection, and nng's
	 * expiry thread wakes once at the 10 s handshake deadline: within
	 * 30 s herdd must go 2 s (8 readings of /proc, 250 ms apart: the
	 * window measured, waiting on herdd's own end) without a wake-up. */
	for (polls = 0; still < 8; polls++) {
		if (polls >= ht_ms(30000) / 250)
			fail_msg("herdd never went 2 s without waking up");
		if (poll(&p, 1, 250) != 0)
			fail_msg("herdd ended while it should idle");
		now = ctx_switches(h->pid);
		still = now == last ? still + 1 : 0;
		last = now;
	}
	for (i = 0; i < 3; i++)
		ht_connect_close(control_path(h));
	assert_status_answers(h);
}

static void
test_integ_control_second_herdd_refused(void **state)
{
	struct ht *h = boot(state);
	char *argv[] = { h->herdd, "-c", h->conf, NULL };
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "grp/b");
	const char *out, *err;
	int code;

	code = ht_run(h, argv, ht_ms(5000), &out, &err);
	assert_true(code > 0);
	if (strstr(err, "another herdd") == NULL)
		fail_msg("second herdd said: %s%s", out, err);
	assert_status_answers(h);
	assert_int_equal(ht_pid(h, "a"), a);
	assert_int_equal(ht_pid(h, "grp/b"), b);
	assert_string_equal(ht_status(h, "a").state, "running");
}

static void
test_integ_control_herdctl_status_json(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	cJSON *j, *c, *children;
	int n = 0;

	assert_int_equal(ht_herdctl(h, &out, &err, "status", "--json", NULL),
	    0);
	j = cJSON_Parse(out);
	if (j == NULL)
		fail_msg("status --json is not JSON: %s", out);
	children = cJSON_GetObjectItem(j, "children");
	assert_true(cJSON_IsArray(children));
	cJSON_ArrayForEach(c, children) {
		assert_true(cJSON_IsString(cJSON_GetObjectItem(c, "path")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(c, "pid")));
		assert_true(cJSON_IsString(cJSON_GetObjectItem(c, "state")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(c, "restarts")));
		if (strcmp(cJSON_GetObjectItem(c, "path")->valuestring,
		    "grp/b") == 0) {
			assert_int_equal(cJSON_GetObjectItem(c, "pid")->valueint,
			    ht_pid(h, "grp/b"));
			assert_string_equal(cJSON_GetObjectItem(c, "state")
			    ->valuestring, "running");
		}
		n++;
	}
	assert_int_equal(n, 3);
	cJSON_Delete(j);
}

static void
test_integ_control_herdctl_stop_start_restart(void **state)
{
	struct ht *h = boot(state);
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "grp/b"), a2, a3;
	const char *out, *err;
	struct ht_child st;

	CTL_OK(h, &out, &err, "stop", "a");
	assert_non_null(strstr(out, "stopped a"));
	st = ht_status(h, "a");
	assert_string_equal(st.state, "stopped");
	assert_int_equal(st.pid, 0);
	assert_false(ht_alive(a));

	CTL_OK(h, &out, &err, "start", "a");
	a2 = ht_pid(h, "a");
	assert_true(a2 > 0 && a2 != a);
	assert_string_equal(ht_status(h, "a").state, "running");

	/* Rule 13: start (restart_child) only for a stopped child; herdctl
	 * restart stops a running one first (issue 12, item 11) */
	assert_int_equal(ht_herdctl(h, &out, &err, "start", "a", NULL), 4);
	assert_non_null(strstr(err, "already started"));
	assert_int_equal(ht_pid(h, "a"), a2);
	assert_string_equal(ht_error_code(ht_request(h, "restart",
	    "{'name':'a'}")), "running");
	CTL_OK(h, &out, &err, "restart", "a");
	assert_false(ht_alive(a2));
	a2 = ht_pid(h, "a");
	assert_true(a2 > 0);

	CTL_OK(h, &out, &err, "stop", "a");
	assert_false(ht_alive(a2));
	CTL_OK(h, &out, &err, "restart", "a");
	a3 = ht_pid(h, "a");
	assert_true(a3 > 0 && a3 != a2);
	assert_string_equal(ht_status(h, "a").state, "running");

	assert_int_equal(ht_pid(h, "grp/b"), b);
	/* Commands do not count as restarts. */
	assert_int_equal(ht_status(h, "a").restarts, 0);
}

static void
test_integ_control_herdctl_stop_unknown_exit_3(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;

	assert_int_equal(ht_herdctl(h, &out, &err, "stop", "nope", NULL), 3);
	if (strstr(err, "nope") == NULL)
		fail_msg("message does not name the child: %s", err);
	assert_string_equal(ht_status(h, "a").state, "running");
}

#define LOAD_CLIENTS 4
#define LOAD_ROUNDS 1000

/* Ping from several clients at once, round after round: every request gets
 * its reply (a dropped reply shows as a 2 s timeout). */
static void
test_integ_control_no_reply_dropped(void **state)
{
	static const char ping[] = "{\"v\":1,\"id\":1,\"op\":\"ping\"}";
	struct ht *h = boot(state);
	nng_socket s[LOAD_CLIENTS];
	nng_aio *aio[LOAD_CLIENTS];
	int i, round, lost = 0, lost_round = -1;
	char url[512];
	nng_msg *msg;

	snprintf(url, sizeof url, "ipc://%s", control_path(h));
	for (i = 0; i < LOAD_CLIENTS; i++) {
		assert_int_equal(nng_req0_open(&s[i]), 0);
		nng_socket_set_ms(s[i], NNG_OPT_REQ_RESENDTIME,
		    NNG_DURATION_INFINITE);
		assert_int_equal(nng_dial(s[i], url, NULL, 0), 0);
		assert_int_equal(nng_aio_alloc(&aio[i], NULL, NULL), 0);
		nng_aio_set_timeout(aio[i], ht_ms(2000));
	}
	for (round = 0; round < LOAD_ROUNDS && lost == 0; round++) {
		for (i = 0; i < LOAD_CLIENTS; i++) {
			assert_int_equal(nng_msg_alloc(&msg, 0), 0);
			nng_msg_append(msg, ping, sizeof ping - 1);
			nng_aio_set_msg(aio[i], msg);
			nng_send_aio(s[i], aio[i]);
		}
		for (i = 0; i < LOAD_CLIENTS; i++) {
			nng_aio_wait(aio[i]);
			if (nng_aio_result(aio[i]) != 0)
				nng_msg_free(nng_aio_get_msg(aio[i]));
			assert_int_equal(nng_aio_result(aio[i]), 0);
			nng_recv_aio(s[i], aio[i]);
		}
		for (i = 0; i < LOAD_CLIENTS; i++) {
			nng_aio_wait(aio[i]);
			if (nng_aio_result(aio[i]) != 0) {
				lost++;
				lost_round = round;
				continue;
			}
			nng_msg_free(nng_aio_get_msg(aio[i]));
		}
	}
	for (i = 0; i < LOAD_CLIENTS; i++) {
		nng_aio_free(aio[i]);
		nng_close(s[i]);
	}
	if (lost > 0)
		fail_msg("%d of %d concurrent pings got no reply in round %d of "
		    "%d", lost, LOAD_CLIENTS, lost_round + 1, LOAD_ROUNDS);
}

/*
 * herdctl events: each line has the wall-clock time beside the sequence
 * number, and each JSON event a "time" (ISO 8601, UTC, milliseconds)
 * beside the monotonic "ts" (issue 12, item 5).
 */
static void
test_integ_control_herdctl_events_times(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err, *line;
	cJSON *ev;
	int hh, mm, ss, ms;
	char iso[64];

	HT_CTL(h, 0, &out, &err, "events", "--since", "0", "--count", "1");
	assert_int_equal(sscanf(out, "1 %d:%d:%d.%d ", &hh, &mm, &ss, &ms), 4);
	HT_CONTAINS(out, "child.starting");
	HT_CTL(h, 0, &out, &err, "--json", "events", "--since", "0",
	    "--count", "2");
	line = strchr(out, '\n');
	assert_non_null(line);
	ev = cJSON_Parse(out);
	assert_non_null(ev);
	assert_true(ht_num(ev, "ts") > 0);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(ev, "time")));
	snprintf(iso, sizeof iso, "%s", cJSON_GetObjectItem(ev,
	    "time")->valuestring);
	cJSON_Delete(ev);
	assert_int_equal((int)strlen(iso), 24);
	assert_true(iso[4] == '-' && iso[10] == 'T' && iso[19] == '.' &&
	    iso[23] == 'Z');
}

/* Argument errors are herdctl's, in its words, with exit status 2
 * (issue 12, item 17): not the protocol's "args.signal must ...". */
static void
test_integ_control_herdctl_argument_errors(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;

	HT_CTL(h, 2, &out, &err, "signal", "a", "BOGUS");
	HT_CONTAINS(err, "unknown signal \"BOGUS\"");
	HT_CTL(h, 2, &out, &err, "restart", "--force", "");
	HT_CONTAINS(err, "an empty argument names nothing");
	HT_CTL(h, 2, &out, &err, "stop", "");
	HT_CTL(h, 2, &out, &err, "wait", "a", "--state", "bogus");
	HT_CONTAINS(err, "unknown state \"bogus\": expected one of stopped, ");
	assert_null(strstr(err, "args."));
	/* good ones still go */
	HT_CTL(h, 0, &out, &err, "signal", "a", "sigcont");
}

/* Whether F is running again (an ht_until cond). */
static int
running_again(struct ht *h, void *arg)
{
	return strcmp(ht_status(h, "f").state, "running") == 0;
}

/*
 * status keeps a child's last exit, and when, after it runs again, and
 * says when a child in its backoff starts next (issue 12, item 3).
 */
static void
test_integ_control_status_last_exit(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	cJSON *st, *f = NULL;
	double exited;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'f','backoff':{'initial_ms':1500,'jitter':0},'command':"
	    "['@CHILD@','exit-if-absent','@TMP@/once','3']}]}}");
	ht_wait_event(h, "child.exited", "f", HT_T);
	st = ht_result(h, "status", NULL);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "children"), 0);
	/* in its 1.5 s backoff */
	assert_string_equal(cJSON_GetObjectItem(f, "state")->valuestring,
	    "restarting");
	assert_true(ht_num(f, "next_start_at_ms") > ht_num(f, "exited_at_ms"));
	HT_CTL(h, 0, &out, &err, "status");
	HT_CONTAINS(out, "restarting (next ");
	exited = ht_num(f, "exited_at_ms");
	assert_true(exited > 1.7e12);
	if (!ht_until(h, running_again, NULL, HT_T))
		fail_msg("f did not run again");
	st = ht_result(h, "status", NULL);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "children"), 0);
	assert_string_equal(cJSON_GetObjectItem(f, "reason")->valuestring,
	    "exit:3");
	assert_true(ht_num(f, "exited_at_ms") == exited);
	assert_null(cJSON_GetObjectItem(f, "next_start_at_ms"));
	HT_CTL(h, 0, &out, &err, "status");
	HT_CONTAINS(out, "exit:3 at ");
}

/* Kills NAME's process and waits until it runs again. */
static void
kill_wait(struct ht *h, const char *name)
{
	pid_t p = ht_pid(h, name);

	assert_int_equal(kill(p, SIGKILL), 0);
	ht_wait_event(h, "child.started", name, HT_T);
	assert_true(ht_pid(h, name) != p);
}

/*
 * herdctl reset (issue 12, item 13): restart counters and the intensity
 * window are cleared, so a crash after it counts from zero: with
 * intensity 2 in 60 s, a third crash after two would end the tree, and
 * after a reset it does not.
 */
static void
test_integ_control_reset(void **state)
{
	struct ht *h = *state;
	const char *out, *err;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':2,'period_ms':"
	    "60000,'children':[{'name':'a','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	kill_wait(h, "a");
	kill_wait(h, "a");
	assert_int_equal(ht_status(h, "a").restarts, 2);
	HT_CTL(h, 0, &out, &err, "reset", "a");
	HT_CONTAINS(out, "reset a (1 nodes)");
	assert_int_equal(ht_status(h, "a").restarts, 0);
	HT_CTL(h, 0, &out, &err, "reset", "all");
	HT_CONTAINS(out, "reset all (2 nodes)");
	kill_wait(h, "a");
	assert_string_equal(ht_status(h, "a").state, "running");
	assert_int_equal(ht_status(h, "a").restarts, 1);
	HT_CTL(h, 3, &out, &err, "reset", "nope");
	HT_CTL(h, 2, &out, &err, "reset");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_control_connect_close_keeps_serving, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_boot_keeps_connections, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_python_connect_close_keeps_serving,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_quiet_then_connect_close, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_second_herdd_refused, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_herdctl_status_json, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_herdctl_stop_start_restart, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_herdctl_stop_unknown_exit_3, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_no_reply_dropped, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_herdctl_events_times, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_herdctl_argument_errors, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_status_last_exit, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_control_reset, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
