/* Integration test harness: runs a real herdd in a temp dir, talks to its
 * control socket and records every event it publishes, in seq order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "ipc.h"

/* How often a wait for events re-asks herdd's ring, in case the live
 * stream dropped the last events (the subscription is not up yet). */
#define HT_SLICE_MS 200
/* How long replies and events may still arrive after herdd exited. */
#define HT_GRACE_MS 500
/* How long a query waits for its reply before it is asked again. */
#define HT_RETRY_MS 1000

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t deadline)
{
	int64_t d = deadline - now_ms();

	return d < 0 ? 0 : (int)d;
}

int
ht_ms(int ms)
{
	const char *b = getenv("HERD_BUILD");

	if (getenv("HT_VALGRIND") != NULL)
		return ms * 20; /* make valgrind: herdd under memcheck */
	return b != NULL && strstr(b, "asan") != NULL ? ms * 3 : ms;
}

char *
ht_keep_str(struct ht *h, char *s)
{
	h->strs = realloc(h->strs, (h->nstrs + 1) * sizeof *h->strs);
	assert_non_null(h->strs);
	h->strs[h->nstrs++] = s;
	return s;
}

static cJSON *
json_keep(struct ht *h, cJSON *j)
{
	if (j != NULL)
		cJSON_AddItemToArray(h->keep, j);
	return j;
}

const char *
ht_path(struct ht *h, const char *fmt, ...)
{
	char rel[1024], *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	if (asprintf(&s, "%s/%s", h->dir, rel) < 0)
		abort();
	return ht_keep_str(h, s);
}

double
ht_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- processes ---- */

int
ht_wait_pidfd(int pidfd, int timeout_ms)
{
	struct pollfd p = { pidfd, POLLIN, 0 };
	int64_t deadline = now_ms() + timeout_ms;
	int n;

	for (;;) {
		n = poll(&p, 1, left_ms(deadline));
		if (n == 1)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

int
ht_wait_gone(pid_t pid, int timeout_ms)
{
	int fd = ht_pidfd(pid), r;

	if (fd == -1)
		return errno == ESRCH;
	r = ht_wait_pidfd(fd, timeout_ms);
	close(fd);
	return r;
}

int
ht_until(struct ht *h, int (*cond)(struct ht *h, void *arg), void *arg,
    int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000000L };
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (cond(h, arg))
			return 1;
		if (now_ms() >= deadline)
			return 0;
		nanosleep(&ts, NULL);
	}
}

static int
status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static int
herd_exited(struct ht *h)
{
	struct pollfd p = { h->pidfd, POLLIN, 0 };

	return h->pid == 0 || poll(&p, 1, 0) == 1;
}

static void
herd_reap(struct ht *h)
{
	int st;

	if (h->pid == 0)
		return;
	while (waitpid(h->pid, &st, 0) == -1 && errno == EINTR)
		;
	h->exit_code = status_code(st);
	h->pid = 0;
	close(h->pidfd);
	h->pidfd = -1;
}

int
ht_wait_exit(struct ht *h, int timeout_ms)
{
	if (h->pid != 0) {
		if (!ht_wait_pidfd(h->pidfd, timeout_ms))
			fail_msg("herdd (pid %d) did not exit within %d ms",
			    (int)h->pid, timeout_ms);
		herd_reap(h);
	}
	return h->exit_code;
}

void
ht_kill_herdd(struct ht *h)
{
	if (h->pid == 0)
		return;
	kill(h->pid, SIGKILL);
	ht_wait_exit(h, ht_ms(HT_TIMEOUT));
}

/* ---- config and launch ---- */

static char *
subst(const char *tmpl, const char *const pairs[][2], size_t n)
{
	size_t cap = strlen(tmpl) * 2 + 1024, len = 0, i, vl;
	char *out = malloc(cap);
	const char *p = tmpl;

	assert_non_null(out);
	while (*p != '\0') {
		for (i = 0; i < n; i++)
			if (strncmp(p, pairs[i][0], strlen(pairs[i][0])) == 0)
				break;
		if (i < n) {
			vl = strlen(pairs[i][1]);
			if (len + vl + 1 > cap) {
				cap = (len + vl + 1) * 2;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			memcpy(out + len, pairs[i][1], vl);
			len += vl;
			p += strlen(pairs[i][0]);
			continue;
		}
		if (len + 2 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		out[len++] = *p == '\'' ? '"' : *p;
		p++;
	}
	out[len] = '\0';
	return out;
}

void
ht_write_conf(struct ht *h, const char *tmpl)
{
	const char *const pairs[][2] = {
		{ "@RUN@", h->run }, { "@LOG@", h->log },
		{ "@CHILD@", h->child }, { "@TMP@", h->dir },
		{ "@ACTOR@", h->actor }, { "@EXAMPLES@", h->examples },
		{ "@BUILD@", h->build },
	};
	char *conf = subst(tmpl, pairs, sizeof pairs / sizeof pairs[0]);
	FILE *f;

	f = fopen(h->conf, "w");
	assert_non_null(f);
	fputs(conf, f);
	assert_int_equal(fclose(f), 0);
	free(conf);
}

void
ht_launch(struct ht *h, const char *tmpl)
{
	char *argv[] = { h->herdd, "-c", h->conf, NULL }, vglog[400];
	char vgsupp[4200];
	/* make valgrind: herdd (and its guardian) under memcheck, a log
	 * each in the test's dir, read at teardown */
	char *vg[] = { getenv("HT_VALGRIND"), "--quiet", "--error-exitcode=99",
	    "--leak-check=full", "--show-leak-kinds=definite",
	    "--errors-for-leak-kinds=definite", vgsupp, vglog, h->herdd, "-c",
	    h->conf, NULL };
	char **run = vg[0] != NULL ? vg : argv;
	pid_t parent = getpid(), pid;
	int out, nul;

	snprintf(vglog, sizeof vglog, "--log-file=%s/valgrind-%%p.log",
	    h->dir);
	/* nng's known leaks (tests/valgrind.supp) */
	snprintf(vgsupp, sizeof vgsupp, "--suppressions=%s",
	    getenv("HT_VALGRIND_SUPP") ? getenv("HT_VALGRIND_SUPP") :
	    "tests/valgrind.supp");
	ht_write_conf(h, tmpl);
	assert_int_equal(access(h->herdd, X_OK), 0);

	out = open(h->err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(out != -1 && nul != -1);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		/* Only async-signal-safe calls: nng's threads exist here. */
		dup2(nul, 0);
		dup2(out, 1);
		dup2(out, 2);
		/* before the death signal, which a credential change clears */
		if (h->herdd_uid > 0 && (setgroups(0, NULL) == -1 ||
		    setgid((gid_t)h->herdd_uid) == -1 ||
		    setuid((uid_t)h->herdd_uid) == -1))
			_exit(123);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (h->ctty != NULL && (setsid() == -1 ||
		    open(h->ctty, O_RDWR) == -1))
			_exit(126);
		if ((h->etc_group != NULL || h->log_tmpfs != NULL) &&
		    (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1))
			_exit(125);
		if (h->etc_group != NULL && mount(h->etc_group, "/etc/group",
		    NULL, MS_BIND, NULL) == -1)
			_exit(125);
		if (h->log_tmpfs != NULL && ((mkdir(h->log, 0750) == -1 &&
		    errno != EEXIST) || mount("tmpfs", h->log, "tmpfs",
		    MS_NOSUID | MS_NODEV, h->log_tmpfs) == -1))
			_exit(124);
		execv(run[0], run);
		_exit(127);
	}
	close(out);
	close(nul);
	h->pid = pid;
	h->pidfd = ht_pidfd(pid);
	assert_true(h->pidfd != -1);
}

/* ---- requests ---- */

static void
aio_cb(void *arg)
{
	struct ht *h = arg;
	ssize_t n = write(h->aio_pipe[1], "x", 1);

	(void)n;
}

/* Waits for the aio until the deadline, or until herdd is gone and a grace
 * period has passed (then cancels it). Callers look at nng_aio_result. */
static void
aio_wait(struct ht *h, int64_t deadline)
{
	struct pollfd p[2];
	int64_t dead_at = 0, until;
	char c;
	int n;

	for (;;) {
		if (dead_at == 0 && herd_exited(h))
			dead_at = now_ms() + HT_GRACE_MS;
		until = dead_at != 0 && dead_at < deadline ? dead_at : deadline;
		p[0].fd = h->aio_pipe[0];
		p[1].fd = dead_at != 0 ? -1 : h->pidfd;
		p[0].events = p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		n = poll(p, 2, left_ms(until));
		if (n == -1 && errno == EINTR)
			continue;
		if (n > 0 && (p[0].revents & POLLIN))
			break;
		if (n > 0)
			continue; /* herdd exited: the grace period starts */
		nng_aio_cancel(h->aio);
		nng_aio_wait(h->aio);
		break;
	}
	/* The callback runs once per operation, cancelled or not. */
	while (read(h->aio_pipe[0], &c, 1) == -1 && errno == EINTR)
		;
}

/* Why the last request failed, for messages. */
static int last_rv;
static const char *last_where = "";

/* Sends one request; returns the reply (caller owns), or NULL. */
static cJSON *
request_raw(struct ht *h, const char *op, cJSON *args, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	cJSON *req, *reply;
	nng_msg *msg;
	char *s;

	if (!h->req_open) {
		cJSON_Delete(args);
		return NULL;
	}
	req = ipc_request_new(++h->req_id, op, args);
	s = ipc_print(req);
	cJSON_Delete(req);
	if (nng_msg_alloc(&msg, 0) != 0)
		abort();
	nng_msg_append(msg, s, strlen(s));
	free(s);
	nng_aio_set_msg(h->aio, msg);
	nng_send_aio(h->req, h->aio);
	aio_wait(h, deadline);
	if ((last_rv = nng_aio_result(h->aio)) != 0) {
		nng_msg_free(msg); /* still ours when the send failed */
		last_where = "send";
		return NULL;
	}
	nng_aio_set_msg(h->aio, NULL);
	nng_recv_aio(h->req, h->aio);
	aio_wait(h, deadline);
	if ((last_rv = nng_aio_result(h->aio)) != 0) {
		last_where = "recv";
		return NULL;
	}
	msg = nng_aio_get_msg(h->aio);
	nng_aio_set_msg(h->aio, NULL);
	reply = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
	nng_msg_free(msg);
	return reply;
}

static cJSON *
parse_args(const char *args)
{
	const char *const pairs[][2] = { { "", "" } };
	cJSON *j;
	char *s;

	if (args == NULL)
		return NULL;
	s = subst(args, pairs, 0);
	j = cJSON_Parse(s);
	if (j == NULL)
		fail_msg("bad args JSON in test: %s", s);
	free(s);
	return j;
}

/* Ops that may be sent twice: queries, and stop (rule 13: stopping a
 * stopped child is ok). */
static int
idempotent(const char *op)
{
	return strcmp(op, "ping") == 0 || strcmp(op, "status") == 0 ||
	    strcmp(op, "events") == 0 || strcmp(op, "version") == 0 ||
	    strcmp(op, "stop") == 0;
}

/*
 * request_raw, but a query whose reply does not come within HT_RETRY_MS is
 * asked again until TIMEOUT_MS: herdd drops a reply now and then (its
 * non-blocking send on the raw rep0 socket fails while nng is still
 * forwarding the previous one; see test_integ_control_no_reply_dropped),
 * and that must not make every test flaky. Takes ARGS.
 */
static cJSON *
request(struct ht *h, const char *op, cJSON *args, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int slice;
	cJSON *r;

	if (!idempotent(op))
		return request_raw(h, op, args, timeout_ms);
	for (;;) {
		slice = ht_ms(HT_RETRY_MS);
		if (slice > left_ms(deadline))
			slice = left_ms(deadline);
		r = request_raw(h, op, cJSON_Duplicate(args, 1), slice);
		if (r != NULL || left_ms(deadline) == 0 || herd_exited(h))
			break;
		fprintf(stderr, "harness: no reply to %s in %d ms (%s), asking "
		    "again\n", op, slice, nng_strerror(last_rv));
	}
	cJSON_Delete(args);
	return r;
}

cJSON *
ht_request(struct ht *h, const char *op, const char *args)
{
	int64_t t0 = now_ms();
	cJSON *r = request(h, op, parse_args(args), ht_ms(HT_TIMEOUT));

	if (r == NULL)
		fail_msg("no reply to %s %s after %d ms (%s: %s; herdd %s)\n%s",
		    op, args ? args : "", (int)(now_ms() - t0), last_where,
		    nng_strerror(last_rv), herd_exited(h) ? "exited" :
		    "running", ht_herdd_output(h));
	return json_keep(h, r);
}

const char *
ht_error_code(const cJSON *reply)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");

	if (cJSON_IsTrue(ok))
		return NULL;
	return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err, "code")) ?
	    str_of(err, "code") : "?";
}

cJSON *
ht_result(struct ht *h, const char *op, const char *args)
{
	cJSON *r = ht_request(h, op, args);
	char *s;

	if (ht_error_code(r) != NULL) {
		s = cJSON_PrintUnformatted(r);
		ht_keep_str(h, s);
		fail_msg("%s %s failed: %s", op, args ? args : "", s);
	}
	return cJSON_GetObjectItemCaseSensitive(r, "result");
}

/* ---- events ---- */

static void sync_events(struct ht *h);

/* Takes EV (owned): appends it if it is the next one. */
static void
ingest(struct ht *h, cJSON *ev, int may_sync)
{
	long long seq = (long long)ht_num(ev, "seq");

	if (seq <= h->last_seq) {
		cJSON_Delete(ev);
		return;
	}
	if (seq > h->last_seq + 1 && may_sync) {
		sync_events(h);
		if (seq <= h->last_seq) {
			cJSON_Delete(ev);
			return;
		}
	}
	if (seq > h->last_seq + 1) {
		fprintf(stderr, "harness: events %lld..%lld lost\n",
		    h->last_seq + 1, seq - 1);
		h->gaps++;
	}
	h->last_seq = seq;
	cJSON_AddItemToArray(h->events, ev);
}

/* Asks herdd's ring for the events after the last one seen. */
static void
sync_events(struct ht *h)
{
	cJSON *args = cJSON_CreateObject(), *r, *evs, *ev;

	if (herd_exited(h)) {
		cJSON_Delete(args);
		return;
	}
	cJSON_AddNumberToObject(args, "since", (double)h->last_seq);
	r = request(h, "events", args, ht_ms(HT_TIMEOUT));
	if (r == NULL)
		return;
	evs = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r, "result"), "events");
	while (cJSON_GetArraySize(evs) > 0) {
		ev = cJSON_DetachItemFromArray(evs, 0);
		ingest(h, ev, 0);
	}
	cJSON_Delete(r);
}

void
ht_sync_events(struct ht *h)
{
	sync_events(h);
}

/* Reads what the subscription holds; returns how many messages. */
static int
drain_sub(struct ht *h)
{
	nng_msg *msg;
	char *sp;
	cJSON *ev;
	int n = 0;

	if (!h->sub_open)
		return 0;
	while (nng_recvmsg(h->sub, &msg, NNG_FLAG_NONBLOCK) == 0) {
		sp = memchr(nng_msg_body(msg), ' ', nng_msg_len(msg));
		ev = sp == NULL ? NULL : cJSON_ParseWithLength(sp + 1,
		    nng_msg_len(msg) - (size_t)(sp + 1 -
		    (char *)nng_msg_body(msg)));
		nng_msg_free(msg);
		if (ev != NULL) {
			ingest(h, ev, 1);
			n++;
		}
	}
	return n;
}

/* Waits until at least one new event is recorded; 0 on timeout or when
 * herdd is gone and nothing more came. */
static int
pump(struct ht *h, int64_t deadline)
{
	int before = cJSON_GetArraySize(h->events), wait, n;
	int64_t dead_at = 0;
	struct pollfd p[2];

	for (;;) {
		drain_sub(h);
		if (cJSON_GetArraySize(h->events) > before)
			return 1;
		if (left_ms(deadline) == 0)
			return 0;
		if (herd_exited(h) && dead_at == 0)
			dead_at = now_ms() + HT_GRACE_MS;
		if (dead_at != 0 && left_ms(dead_at) == 0)
			return 0;
		wait = left_ms(deadline);
		if (wait > HT_SLICE_MS)
			wait = HT_SLICE_MS;
		p[0].fd = h->sub_open ? h->sub_fd : -1;
		p[0].events = POLLIN;
		p[1].fd = dead_at == 0 ? h->pidfd : -1;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		n = poll(p, 2, wait);
		if (n == 0 && dead_at == 0)
			sync_events(h);
	}
}

static int
event_matches(const cJSON *ev, const char *topic, const char *path)
{
	return strcmp(str_of(ev, "event"), topic) == 0 &&
	    (path == NULL || strcmp(str_of(ev, "path"), path) == 0);
}

void
ht_dump_events(struct ht *h)
{
	const cJSON *ev;

	fprintf(stderr, "--- events seen (%d):\n", cJSON_GetArraySize(
	    h->events));
	cJSON_ArrayForEach(ev, h->events)
		fprintf(stderr, "  %lld %s %s pid=%d %s ts=%.0f\n",
		    (long long)ht_num(ev, "seq"), str_of(ev, "event"),
		    str_of(ev, "path"), (int)ht_num(ev, "pid"),
		    str_of(ev, "reason"), ht_num(ev, "ts"));
	fprintf(stderr, "--- herdd output:\n%s---\n", ht_herdd_output(h));
}

cJSON *
ht_try_event(struct ht *h, const char *topic, const char *path,
    int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	cJSON *ev;

	/* from the last event looked at, by its link: indexing a cJSON
	 * array walks it, and a restart storm makes it long (a test that
	 * moved the cursor itself costs one walk) */
	if (h->seen == NULL || h->seen_at != h->cursor - 1) {
		h->seen = h->cursor > 0 ? cJSON_GetArrayItem(h->events,
		    h->cursor - 1) : NULL;
		h->seen_at = h->cursor - 1;
	}
	for (;;) {
		while ((ev = h->seen != NULL ? h->seen->next :
		    h->events->child) != NULL) {
			h->seen = ev;
			h->seen_at = h->cursor++;
			if (event_matches(ev, topic, path))
				return ev;
		}
		if (!pump(h, deadline))
			return NULL;
	}
}

cJSON *
ht_wait_event(struct ht *h, const char *topic, const char *path,
    int timeout_ms)
{
	cJSON *ev = ht_try_event(h, topic, path, timeout_ms);

	if (ev != NULL)
		return ev;
	ht_dump_events(h);
	fail_msg("no event %s %s within %d ms", topic, path ? path : "*",
	    timeout_ms);
	return NULL;
}

long long
ht_last_seq(struct ht *h)
{
	return h->last_seq;
}

const char *
ht_trace(struct ht *h, long long after, long long upto, const char *prefix)
{
	size_t cap = 256, len = 0, need;
	const cJSON *ev;
	char *s = malloc(cap), item[512];
	long long seq;

	assert_non_null(s);
	s[0] = '\0';
	cJSON_ArrayForEach(ev, h->events) {
		seq = (long long)ht_num(ev, "seq");
		if (seq <= after || (upto > 0 && seq > upto) ||
		    strncmp(str_of(ev, "event"), prefix, strlen(prefix)) != 0)
			continue;
		snprintf(item, sizeof item, "%s%s%s%s", len ? ", " : "",
		    str_of(ev, "event"), str_of(ev, "path")[0] ? " " : "",
		    str_of(ev, "path"));
		need = len + strlen(item) + 1;
		if (need > cap) {
			cap = need * 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
		memcpy(s + len, item, strlen(item) + 1);
		len += strlen(item);
	}
	return ht_keep_str(h, s);
}

cJSON *
ht_find_event(struct ht *h, long long after, const char *topic,
    const char *path)
{
	cJSON *ev;

	cJSON_ArrayForEach(ev, h->events)
		if ((long long)ht_num(ev, "seq") > after &&
		    event_matches(ev, topic, path))
			return ev;
	return NULL;
}

/* ---- status ---- */

struct ht_child
ht_status(struct ht *h, const char *path)
{
	struct ht_child c;
	cJSON *res = ht_result(h, "status", NULL), *o;

	memset(&c, 0, sizeof c);
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(res,
	    "children")) {
		if (strcmp(str_of(o, "path"), path) != 0)
			continue;
		c.found = 1;
		c.pid = (pid_t)ht_num(o, "pid");
		snprintf(c.state, sizeof c.state, "%s", str_of(o, "state"));
		c.restarts = (int)ht_num(o, "restarts");
	}
	return c;
}

pid_t
ht_pid(struct ht *h, const char *path)
{
	struct ht_child c = ht_status(h, path);

	if (!c.found)
		fail_msg("no child %s in status", path);
	return c.pid;
}

void
ht_wait_state(struct ht *h, const char *path, const char *state,
    int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct ht_child c;

	for (;;) {
		c = ht_status(h, path);
		if (c.found && strcmp(c.state, state) == 0)
			return;
		if (!pump(h, deadline))
			break;
	}
	ht_dump_events(h);
	fail_msg("%s is %s, not %s, after %d ms", path,
	    c.found ? c.state : "absent", state, timeout_ms);
}

/* ---- boot and shutdown ---- */

static void
open_sockets(struct ht *h)
{
	char url[512];
	int rv;

	assert_int_equal(pipe2(h->aio_pipe, O_CLOEXEC), 0);
	assert_int_equal(nng_aio_alloc(&h->aio, aio_cb, h), 0);

	assert_int_equal(nng_req0_open(&h->req), 0);
	h->req_open = 1;
	nng_socket_set_ms(h->req, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(h->req, NNG_OPT_RECONNMAXT, 100);
	/* Requests are never resent: stop and restart are not idempotent. */
	nng_socket_set_ms(h->req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	ipc_control_url(h->run, url, sizeof url);
	rv = nng_dial(h->req, url, NULL, NNG_FLAG_NONBLOCK);
	assert_int_equal(rv, 0);

	assert_int_equal(nng_sub0_open(&h->sub), 0);
	h->sub_open = 1;
	nng_socket_set(h->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_int(h->sub, NNG_OPT_RECVBUF, 8192);
	nng_socket_set_ms(h->sub, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(h->sub, NNG_OPT_RECONNMAXT, 100);
	assert_int_equal(nng_socket_get_int(h->sub, NNG_OPT_RECVFD,
	    &h->sub_fd), 0);
}

void
ht_boot(struct ht *h, const char *tmpl)
{
	char url[512];
	cJSON *r;

	ht_launch(h, tmpl);
	open_sockets(h);
	/* The request waits in nng until the dialer connects. */
	r = request(h, "ping", NULL, ht_ms(HT_TIMEOUT));
	if (r == NULL || ht_error_code(r) != NULL) {
		cJSON_Delete(r);
		fail_msg("herdd did not answer ping (%s)\n%s",
		    herd_exited(h) ? "exited" : "running", ht_herdd_output(h));
	}
	cJSON_Delete(r);
	ipc_events_url(h->run, url, sizeof url);
	assert_int_equal(nng_dial(h->sub, url, NULL, NNG_FLAG_NONBLOCK), 0);
	sync_events(h);
}

int
ht_shutdown(struct ht *h)
{
	cJSON *r = request_raw(h, "shutdown", NULL, ht_ms(HT_TIMEOUT));

	/* A lost reply is herdd's dropped-reply bug (covered by its own
	 * test); what matters here is that herdd goes. */
	if (r == NULL)
		fprintf(stderr, "harness: no reply to shutdown (%s: %s)\n",
		    last_where, nng_strerror(last_rv));
	else if (ht_error_code(r) != NULL)
		fail_msg("shutdown refused: %s", ht_error_code(r));
	cJSON_Delete(r);
	return ht_wait_exit(h, ht_ms(HT_TIMEOUT));
}

/* ---- running programs ---- */

static void
buf_add(char **b, size_t *len, const char *data, size_t n)
{
	*b = realloc(*b, *len + n + 1);
	assert_non_null(*b);
	memcpy(*b + *len, data, n);
	*len += n;
	(*b)[*len] = '\0';
}

int
ht_run(struct ht *h, char *const argv[], int timeout_ms, const char **out,
    const char **err)
{
	return ht_run_as(h, -1, argv, timeout_ms, out, err);
}

int
ht_run_as(struct ht *h, int uid, char *const argv[], int timeout_ms,
    const char **out, const char **err)
{
	int64_t deadline = now_ms() + timeout_ms;
	int po[2], pe[2], pfd, st, n, code = -1, open_fds = 2, exited = 0;
	char *bo = NULL, *be = NULL, buf[4096];
	size_t lo = 0, le = 0;
	struct pollfd p[3];
	ssize_t r;
	pid_t pid;

	buf_add(&bo, &lo, "", 0);
	buf_add(&be, &le, "", 0);
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		/* async-signal-safe calls only: nng's threads exist here */
		if (uid >= 0 && (setgroups(0, NULL) == -1 ||
		    setgid((gid_t)uid) == -1 || setuid((uid_t)uid) == -1 ||
		    getuid() != (uid_t)uid))
			_exit(125);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	pfd = ht_pidfd(pid);
	assert_true(pfd != -1);
	while ((open_fds > 0 || !exited) && left_ms(deadline) > 0) {
		p[0].fd = po[0];
		p[1].fd = pe[0];
		p[2].fd = exited ? -1 : pfd;
		p[0].events = p[1].events = p[2].events = POLLIN;
		p[0].revents = p[1].revents = p[2].revents = 0;
		n = poll(p, 3, left_ms(deadline));
		if (n <= 0)
			continue;
		if (p[2].revents & POLLIN)
			exited = 1;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(p[i].fd, buf, sizeof buf);
			if (r > 0) {
				if (i == 0)
					buf_add(&bo, &lo, buf, (size_t)r);
				else
					buf_add(&be, &le, buf, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				close(p[i].fd);
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
				open_fds--;
			}
		}
	}
	if (!exited)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (exited)
		code = status_code(st);
	close(pfd);
	if (po[0] != -1)
		close(po[0]);
	if (pe[0] != -1)
		close(pe[0]);
	if (out != NULL)
		*out = ht_keep_str(h, bo);
	else
		free(bo);
	if (err != NULL)
		*err = ht_keep_str(h, be);
	else
		free(be);
	return code;
}

static int
herdctl_va(struct ht *h, int uid, const char **out, const char **err,
    va_list ap)
{
	char *argv[32];
	const char *a;
	int n = 0;

	argv[n++] = h->herdctl;
	argv[n++] = "-r";
	argv[n++] = h->run;
	argv[n++] = "-t";
	argv[n++] = "5s";
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return ht_run_as(h, uid, argv, ht_ms(5000), out, err);
}

int
ht_herdctl(struct ht *h, const char **out, const char **err, ...)
{
	va_list ap;
	int code;

	va_start(ap, err);
	code = herdctl_va(h, -1, out, err, ap);
	va_end(ap);
	return code;
}

int
ht_herdctl_as(struct ht *h, int uid, const char **out, const char **err,
    ...)
{
	va_list ap;
	int code;

	va_start(ap, err);
	code = herdctl_va(h, uid, out, err, ap);
	va_end(ap);
	return code;
}

/* ---- files ---- */

int
ht_write_file(struct ht *h, const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

const char *
ht_read_file(struct ht *h, const char *path)
{
	char *b = NULL, buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return NULL;
	buf_add(&b, &len, "", 0);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_add(&b, &len, buf, (size_t)n);
	}
	close(fd);
	return ht_keep_str(h, b);
}

const char *
ht_wait_file(struct ht *h, const char *path, const char *needle,
    int timeout_ms)
{
	struct timespec t0, t;
	const char *s = NULL;
	char dir[4096], *slash, ev[4096];
	int fd, left;

	/* watch the directory first, so no write between the read and the
	 * wait is missed */
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	assert_true(fd != -1);
	inotify_add_watch(fd, slash ? dir : ".", IN_MODIFY | IN_CREATE |
	    IN_CLOSE_WRITE | IN_MOVED_TO);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		s = ht_read_file(h, path);
		if (s != NULL && strstr(s, needle) != NULL)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			s = NULL;
			break;
		}
		if (poll(&p, 1, left) == 1)
			while (read(fd, ev, sizeof ev) > 0)
				;
	}
	close(fd);
	return s;
}

const char *
ht_status_order(struct ht *h)
{
	cJSON *res = ht_result(h, "status", NULL), *o, *p;
	char *b = NULL;
	size_t len = 0;

	buf_add(&b, &len, "", 0);
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(res,
	    "children")) {
		p = cJSON_GetObjectItemCaseSensitive(o, "path");
		assert_true(cJSON_IsString(p));
		if (len > 0)
			buf_add(&b, &len, " ", 1);
		buf_add(&b, &len, p->valuestring, strlen(p->valuestring));
	}
	return ht_keep_str(h, b);
}

const char *
ht_herdd_output(struct ht *h)
{
	const char *s = ht_read_file(h, h->err);

	return s ? s : "";
}

/* ---- setup and teardown ---- */

int
ht_setup(void **state)
{
	struct ht *h = calloc(1, sizeof *h);
	const char *b = getenv("HERD_BUILD");
	char build[PATH_MAX];

	assert_non_null(h);
	if (b == NULL || b[0] == '\0')
		b = "build";
	if (realpath(b, build) == NULL)
		fail_msg("HERD_BUILD %s: %s", b, strerror(errno));
	snprintf(h->dir, sizeof h->dir, "/tmp/herd-test-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->run, sizeof h->run, "%s/run", h->dir);
	snprintf(h->log, sizeof h->log, "%s/log", h->dir);
	snprintf(h->conf, sizeof h->conf, "%s/herd.json", h->dir);
	snprintf(h->err, sizeof h->err, "%s/herdd.out", h->dir);
	if (snprintf(h->child, sizeof h->child, "%s/tests/tools/testchild",
	    build) >= (int)sizeof h->child ||
	    snprintf(h->herdd, sizeof h->herdd, "%s/herdd", build) >=
	    (int)sizeof h->herdd ||
	    snprintf(h->herdctl, sizeof h->herdctl, "%s/herdctl", build) >=
	    (int)sizeof h->herdctl ||
	    snprintf(h->actor, sizeof h->actor, "%s/tests/tools/testactor",
	    build) >= (int)sizeof h->actor ||
	    snprintf(h->examples, sizeof h->examples, "%s/examples", build) >=
	    (int)sizeof h->examples ||
	    snprintf(h->build, sizeof h->build, "%s", build) >=
	    (int)sizeof h->build)
		fail_msg("HERD_BUILD path too long");
	h->pidfd = -1;
	h->sub_fd = -1;
	h->aio_pipe[0] = h->aio_pipe[1] = -1;
	h->events = cJSON_CreateArray();
	h->keep = cJSON_CreateArray();
	*state = h;
	return 0;
}

/* Whether pid runs the testchild tool or mentions the test's dir, so that
 * cleanup never kills a stranger that reused a PID. */
static int
ours(struct ht *h, pid_t pid, int by_exe)
{
	char path[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (by_exe && strcmp(buf, h->child) == 0)
		return 1;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return strstr(buf, h->dir) != NULL;
}

/* Waits (poll on cgroup.events, up to the default deadline) until the
 * cgroup at DIR holds no process. */
static void
wait_cgroup_empty(const char *dir)
{
	char path[600], buf[256];
	struct pollfd p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "%s/cgroup.events", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	for (i = 0; i < ht_ms(HT_TIMEOUT) / 100; i++) {
		n = pread(fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (strstr(buf, "populated 0") != NULL)
			break;
		p = (struct pollfd){ fd, POLLPRI, 0 };
		poll(&p, 1, 100);
	}
	close(fd);
}

/* The children's cgroups a killed herdd left (it names their directory
 * at start): its guardian empties and removes them, unless teardown
 * killed it first (its command line names the test's dir); removed here
 * so that tests do not leave them on the machine. */
static void
remove_cgroups(struct ht *h)
{
	static const char key[] = "cgroup of its own, under ";
	const char *log = ht_read_file(h, h->err), *at;
	char dir[512], sub[800];
	struct dirent *de;
	DIR *d;

	if (log == NULL || (at = strstr(log, key)) == NULL)
		return;
	at += strlen(key);
	snprintf(dir, sizeof dir, "%.*s", (int)strcspn(at, " \n"), at);
	/* what is still in them is the test's (a herdd gone wrong) */
	snprintf(sub, sizeof sub, "%s/cgroup.kill", dir);
	if (access(sub, F_OK) == 0 && ht_write_file(h, sub, "1") == 0)
		wait_cgroup_empty(dir);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
			rmdir(sub);
		}
	closedir(d);
	rmdir(dir);
}

static void
kill_ours(struct ht *h, pid_t pid, int by_exe)
{
	int fd;

	if (pid <= 1 || pid == getpid())
		return;
	fd = ht_pidfd(pid);
	if (fd == -1)
		return;
	if (ours(h, pid, by_exe)) {
		fprintf(stderr, "harness: killing leftover pid %d\n", (int)pid);
		kill(pid, SIGKILL);
		ht_wait_pidfd(fd, 2000);
	}
	close(fd);
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void
ht_adopt(struct ht *h, pid_t pid)
{
	assert_true(h->nhelpers < (int)(sizeof h->helpers / sizeof
	    h->helpers[0]));
	h->helpers[h->nhelpers++] = pid;
}

void
ht_kill_helper(struct ht *h, pid_t pid)
{
	int i, st;

	for (i = 0; i < h->nhelpers; i++) {
		if (h->helpers[i] != pid)
			continue;
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		h->helpers[i] = h->helpers[--h->nhelpers];
		return;
	}
}

/* make valgrind: 0 if memcheck reported no error in herdd's processes
 * (quiet: its "==PID==" lines are errors and leaks; "--PID--" ones are
 * valgrind's own warnings, such as a system call it does not know),
 * else -1 with the log on stderr. */
static int
valgrind_clean(struct ht *h)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (getenv("HT_VALGRIND") == NULL || (d = opendir(h->dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[600];
		const char *text;

		if (strncmp(e->d_name, "valgrind-", 9) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", h->dir, e->d_name);
		text = ht_read_file(h, path);
		if (text != NULL && (strncmp(text, "==", 2) == 0 ||
		    strstr(text, "\n==") != NULL)) {
			fprintf(stderr, "harness: memcheck, %s:\n%s\n", path,
			    text);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int
ht_teardown(void **state)
{
	struct ht *h = *state;
	cJSON *r, *ev;
	DIR *d;
	struct dirent *de;
	size_t i;
	int rc;

	if (h == NULL)
		return 0;
	while (h->nhelpers > 0)
		ht_kill_helper(h, h->helpers[0]);
	if (h->pid != 0 && !herd_exited(h) && h->req_open) {
		r = request_raw(h, "shutdown", NULL, ht_ms(5000));
		/* Refused or unanswered: herdd also stops on SIGTERM. */
		if (r == NULL || ht_error_code(r) != NULL)
			kill(h->pid, SIGTERM);
		cJSON_Delete(r);
		if (!ht_wait_pidfd(h->pidfd, ht_ms(HT_TIMEOUT)))
			kill(h->pid, SIGKILL);
	} else if (h->pid != 0 && !herd_exited(h)) {
		kill(h->pid, SIGKILL);
	}
	herd_reap(h);
	/* Children herdd left behind: by the PIDs its events named if it was
	 * killed (an herdd that ends by itself has reaped them all), and any
	 * process whose command line names this test's dir. */
	if (h->exit_code >= 128 || h->exit_code < 0)
		cJSON_ArrayForEach(ev, h->events)
			if (ht_num(ev, "pid") > 0)
				kill_ours(h, (pid_t)ht_num(ev, "pid"), 1);
	d = opendir("/proc");
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			kill_ours(h, (pid_t)atoi(de->d_name), 0);
	if (d != NULL)
		closedir(d);
	remove_cgroups(h);

	if (h->req_open)
		nng_close(h->req);
	if (h->sub_open)
		nng_close(h->sub);
	if (h->aio != NULL)
		nng_aio_free(h->aio);
	if (h->aio_pipe[0] != -1) {
		close(h->aio_pipe[0]);
		close(h->aio_pipe[1]);
	}
	rc = valgrind_clean(h);
	if (getenv("HT_KEEP") == NULL)
		nftw(h->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "harness: kept %s\n", h->dir);
	cJSON_Delete(h->events);
	cJSON_Delete(h->keep);
	for (i = 0; i < h->nstrs; i++)
		free(h->strs[i]);
	free(h->strs);
	free(h);
	*state = NULL;
	return rc;
}
