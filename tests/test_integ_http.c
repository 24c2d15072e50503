/*
 * herdd's HTTP listener (issue 13, docs/http.md): who may read and
 * change what, /metrics (checked by promtool, and by values that move
 * when a child is killed), /events as Server-Sent Events with resumption,
 * the deferred replies of changes, and bad requests answered or closed
 * without harming herdd. Real herdd, real TCP on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define TOKEN "t0ken-for-the-http-tests-0123456789"

#define CONF_HTTP(extra) "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0'," \
	"'token_file':'@TMP@/token'" extra "}," \
	"'supervisor':{'intensity':20,'children':[" \
	"{'name':'web','command':['@CHILD@','sleep']}," \
	"{'name':'api','type':'supervisor','children':[" \
	"{'name':'db','command':['@CHILD@','sleep']}]}]}}"
#define CONF CONF_HTTP("")

static void
write_token(struct ht *h, const char *tok, mode_t mode)
{
	const char *p = ht_path(h, "token");

	assert_int_equal(ht_write_file(h, p, tok), 0);
	assert_int_equal(chmod(p, mode), 0);
}

#define request(h, m, p, hd, b) ht_http(h, ht_http_addr(h), m, p, hd, b)
#define request_raw(h, raw, n) ht_http_raw(h, ht_http_addr(h), raw, n)
#define conn(h) ht_tcp_connect(ht_http_addr(h))

#define AUTH "Authorization: Bearer " TOKEN "\r\n"

#define EXPECT(r, code) do { \
	if ((r).status != (code)) \
		fail_msg("status %d, not %d:\n%s", (r).status, (code), \
		    (r).raw); \
} while (0)

static void
boot(struct ht *h, const char *conf)
{
	write_token(h, TOKEN "\n", 0600);
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
}

/* ---- who may do what ---- */

static void
test_integ_http_access(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	boot(h, CONF);
	r = request(h, "GET", "/healthz", "", NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "ok");
	r = request(h, "GET", "/readyz", "", NULL);
	EXPECT(r, 200);
	r = request(h, "GET", "/metrics", "", NULL);
	EXPECT(r, 401);
	HT_CONTAINS(r.raw, "WWW-Authenticate: Bearer");
	r = request(h, "GET", "/api/v1/status", "Authorization: Bearer "
	    "wrong-token-of-some-length\r\n", NULL);
	EXPECT(r, 401);
	/* a browser without the token gets the form, not the page */
	r = request(h, "GET", "/", "", NULL);
	EXPECT(r, 401);
	HT_CONTAINS(r.body, "name=\"token\"");
	r = request(h, "GET", "/api/v1/status", AUTH, NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "\"path\":\"api/db\"");
	/* the page's cookie reads, but changes need the header too */
	r = request(h, "GET", "/api/v1/status", "Cookie: a=b; herd_token="
	    TOKEN "\r\n", NULL);
	EXPECT(r, 200);
	r = request(h, "POST", "/api/v1/stop", "Cookie: herd_token=" TOKEN
	    "\r\n", "{\"name\":\"web\"}");
	EXPECT(r, 401);
	assert_string_equal(ht_status(h, "web").state, "running");
	r = request(h, "POST", "/api/v1/stop", "Cookie: herd_token=" TOKEN
	    "\r\nX-Herd-Change: 1\r\n", "{\"name\":\"web\"}");
	EXPECT(r, 200);
	assert_string_equal(ht_status(h, "web").state, "stopped");
	/* /login gives the cookie for the right token only */
	r = request(h, "POST", "/login", "Content-Type: application/"
	    "x-www-form-urlencoded\r\n", "token=nope-nope-nope-nope");
	EXPECT(r, 401);
	assert_null(strstr(r.raw, "Set-Cookie"));
	r = request(h, "POST", "/login", "Content-Type: application/"
	    "x-www-form-urlencoded\r\n", "token=" TOKEN);
	EXPECT(r, 303);
	HT_CONTAINS(r.raw, "Set-Cookie: herd_token=" TOKEN "; HttpOnly; "
	    "SameSite=Strict");
	/* what may not be done over HTTP at all */
	r = request(h, "POST", "/api/v1/add_child", AUTH, "{}");
	EXPECT(r, 403);
	r = request(h, "POST", "/api/v1/shutdown", AUTH, "{}");
	EXPECT(r, 403);
	assert_true(ht_alive(h->pid));
}

/* Without a token file: probes only; with public_read, reads too, and
 * still no change. */
static void
test_integ_http_public_read(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	ht_boot(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'public_read':true},'supervisor':{'children':["
	    "{'name':'web','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	r = request(h, "GET", "/metrics", "", NULL);
	EXPECT(r, 200);
	r = request(h, "GET", "/", "", NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "/page.js");
	HT_CONTAINS(r.raw, "Content-Security-Policy: default-src 'none'");
	r = request(h, "POST", "/api/v1/stop", "", "{\"name\":\"web\"}");
	EXPECT(r, 403);
	HT_CONTAINS(r.body, "token_file");
	assert_string_equal(ht_status(h, "web").state, "running");
}

/* A token others may read is refused at start, naming file and mode; a
 * non-loopback address without a token is a config error. */
static void
test_integ_http_refused_configs(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	char *const check[] = { h->herdd, "--check", "-c", h->conf, NULL };

	write_token(h, TOKEN "\n", 0644);
	ht_launch(h, CONF);
	assert_int_equal(ht_wait_exit(h, HT_T), 1);
	HT_CONTAINS(ht_herdd_output(h), "token");
	HT_CONTAINS(ht_herdd_output(h), "mode 0644");

	ht_write_conf(h, "{" HT_DIRS ",'http':{'listen':'0.0.0.0:9999'},"
	    "'supervisor':{'children':[]}}");
	assert_int_equal(ht_run(h, check, HT_T, &out, &err), 1);
	HT_CONTAINS(err, "non-loopback address needs \"token_file\"");
	ht_write_conf(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:99999'},"
	    "'supervisor':{'children':[]}}");
	assert_int_equal(ht_run(h, check, HT_T, &out, &err), 1);
	HT_CONTAINS(err, "http.listen");
	ht_write_conf(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'token':'x'},'supervisor':{'children':[]}}");
	assert_int_equal(ht_run(h, check, HT_T, &out, &err), 1);
	HT_CONTAINS(err, "unknown key \"token\"");
}

/* ---- /metrics ---- */

/* The value of the sample starting with NAME (a whole "name{labels}"). */
static double
sample(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	fail_msg("no sample %s in:\n%s", name, text);
	return -1;
}

static void
promtool_check(struct ht *h, const char *text)
{
	const char *path = ht_path(h, "metrics.txt"), *out, *err;
	char *const argv[] = { "sh", "-c", "promtool check metrics < \"$0\"",
	    (char *)path, NULL };
	int rc;

	assert_int_equal(ht_write_file(h, path, text), 0);
	rc = ht_run(h, argv, HT_T, &out, &err);
	if (rc != 0)
		fail_msg("promtool check metrics: exit %d\n%s%s", rc, out, err);
}

static void
test_integ_http_metrics(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	pid_t pid;
	double start;

	boot(h, CONF);
	r = request(h, "GET", "/metrics", AUTH, NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.raw, "Content-Type: text/plain; version=0.0.4");
	promtool_check(h, r.body);
	assert_true(sample(r.body, "herd_child_up{path=\"web\"}") == 1);
	assert_true(sample(r.body, "herd_child_restarts_total{path=\"web\"}")
	    == 0);
	start = sample(r.body, "herd_child_start_time_seconds{path=\"web\"}");
	assert_true(sample(r.body, "process_open_fds") > 3);
	assert_true(sample(r.body, "process_resident_memory_bytes") > 1e5);

	pid = ht_pid(h, "web");
	kill(pid, SIGKILL);
	ht_wait_event(h, "child.started", "web", HT_T);
	r = request(h, "GET", "/metrics", AUTH, NULL);
	EXPECT(r, 200);
	promtool_check(h, r.body);
	assert_true(sample(r.body, "herd_child_restarts_total{path=\"web\"}")
	    == 1);
	assert_true(sample(r.body, "herd_supervisor_intensity_used{path=\"/\"}")
	    == 1);
	assert_true(sample(r.body, "herd_child_start_time_seconds{path=\"web\"}")
	    >= start);
	/* the requests above, counted by op and outcome */
	assert_true(sample(r.body, "herd_control_requests_total{op=\"status\","
	    "outcome=\"ok\"}") >= 1);
}

/* ---- changes ---- */

/* A stop answers once the child is dead: a reply that waits. */
static void
test_integ_http_deferred_reply(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	pid_t pid;

	boot(h, CONF);
	pid = ht_pid(h, "api/db");
	r = request(h, "POST", "/api/v1/stop", AUTH, "{\"name\":\"api/db\"}");
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "{\"path\":\"api/db\"}");
	assert_true(ht_wait_gone(pid, HT_T));
	r = request(h, "POST", "/api/v1/start", AUTH, "{\"name\":\"api/db\"}");
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "\"pid\":");
	r = request(h, "POST", "/api/v1/start", AUTH, "{\"name\":\"api/db\"}");
	EXPECT(r, 409);
	HT_CONTAINS(r.body, "already_started");
	r = request(h, "POST", "/api/v1/restart", AUTH,
	    "{\"name\":\"web\",\"force\":true}");
	EXPECT(r, 200);
	r = request(h, "POST", "/api/v1/stop", AUTH, "{\"name\":\"nope\"}");
	EXPECT(r, 404);
	HT_CONTAINS(r.body, "no child named");
}

static void
test_integ_http_rate_limited(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	int i;

	boot(h, CONF_HTTP(",'mutations_per_minute':3"));
	for (i = 0; i < 3; i++) {
		r = request(h, "POST", "/api/v1/reset", AUTH,
		    "{\"name\":\"web\"}");
		EXPECT(r, 200);
	}
	r = request(h, "POST", "/api/v1/reset", AUTH, "{\"name\":\"web\"}");
	EXPECT(r, 429);
	HT_CONTAINS(r.raw, "Retry-After: ");
	/* reads are not limited */
	r = request(h, "GET", "/api/v1/ping", AUTH, NULL);
	EXPECT(r, 200);
}

/* ---- /events ---- */

static int
no_streams(struct ht *h, void *arg)
{
	struct ht_resp r = request(h, "GET", "/metrics", AUTH, NULL);
	int none = r.status == 200 && sample(r.body,
	    "herd_http_event_streams") == 0;

	(void)arg;
	return none;
}

static void
test_integ_http_events(void **state)
{
	struct ht *h = *state;
	char raw[512], want[64];
	const char *got;
	long long seq;
	int fd, eof;
	pid_t pid;

	boot(h, CONF);
	ht_sync_events(h);
	seq = ht_last_seq(h);
	/* resumed from 2: everything after it, in order, then live */
	fd = conn(h);
	snprintf(raw, sizeof raw, "GET /events HTTP/1.1\r\nHost: x\r\n"
	    AUTH "Last-Event-ID: 2\r\n\r\n");
	ht_send_all(fd, raw, strlen(raw));
	snprintf(want, sizeof want, "id: %lld\n", seq);
	got = ht_read_until(h, fd, want, HT_T, &eof);
	HT_CONTAINS(got, "Content-Type: text/event-stream");
	assert_null(strstr(got, "id: 2\n"));
	HT_CONTAINS(got, "id: 3\n");
	assert_true(strstr(got, "id: 3\n") < strstr(got, "id: 4\n"));
	pid = ht_pid(h, "web");
	kill(pid, SIGKILL);
	got = ht_read_until(h, fd, "\"event\":\"child.started\"", HT_T, &eof);
	HT_CONTAINS(got, "\"reason\":\"signal:KILL\"");
	close(fd);
	/* herdd lets go of the stream: the gauge falls back to 0 */
	assert_true(ht_until(h, no_streams, NULL, HT_T));
}

/* ---- bad requests ---- */

static void
test_integ_http_bad_requests(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	char *big;
	size_t n = 16384;

	boot(h, CONF);
	r = request(h, "GET", "/nope", AUTH, NULL);
	EXPECT(r, 404);
	r = request(h, "PUT", "/metrics", AUTH, "{}");
	EXPECT(r, 405);
	HT_CONTAINS(r.raw, "Allow: GET, HEAD");
	r = request(h, "GET", "/api/v1/stop", AUTH, NULL);
	EXPECT(r, 405);
	r = request(h, "POST", "/api/v1/status", AUTH, "{}");
	EXPECT(r, 405);
	r = request(h, "GET", "/api/v1/bogus", AUTH, NULL);
	EXPECT(r, 404);
	r = request(h, "GET", "/metrics", AUTH, "{\"a\":1}");
	EXPECT(r, 400);
	HT_CONTAINS(r.body, "a GET has no body");
	r = request(h, "POST", "/api/v1/stop", AUTH, "not json");
	EXPECT(r, 400);
	r = request(h, "GET", "/api/v1/events?since=%zz", AUTH, NULL);
	EXPECT(r, 400);
	HT_CONTAINS(r.body, "args.since must be a number");
	/* a header past 8 KiB */
	big = malloc(n + 64);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	{
		char *hdr;
		assert_true(asprintf(&hdr, "X-Big: %s\r\n", big) > 0);
		r = request(h, "GET", "/healthz", hdr, NULL);
		free(hdr);
	}
	EXPECT(r, 400); /* evhttp's answer to headers past the limit */
	free(big);
	/* a body past 64 KiB */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, ' ', 69999);
	big[69999] = '\0';
	r = request(h, "POST", "/api/v1/stop", AUTH, big);
	free(big);
	EXPECT(r, 413);
	/* garbage instead of HTTP */
	r = request_raw(h, "\x01\x02\x03 nonsense\r\n\r\n", 16);
	EXPECT(r, 400);
	assert_true(ht_alive(h->pid));
	assert_string_equal(ht_status(h, "web").state, "running");
	r = request(h, "GET", "/healthz", "", NULL);
	EXPECT(r, 200);
}

/* Slow clients hold at most max_connections; the control socket goes on,
 * the next connection is served once one of them goes, and herdd closes
 * them once they idle past the read timeout. */
static void
test_integ_http_slowloris(void **state)
{
	struct ht *h = *state;
	int slow[4], fd, i, eof;
	const char *got;
	struct pollfd p;

	boot(h, CONF_HTTP(",'max_connections':4"));
	for (i = 0; i < 4; i++) {
		slow[i] = conn(h);
		ht_send_all(slow[i], "GET /healthz HTTP/1.1\r\nHo", 25);
	}
	/* herdd counted the four and stopped accepting */
	ht_wait_file(h, h->err, "no more accepted", HT_T);
	/* the control socket is not held up by them */
	ht_result(h, "ping", NULL);
	/* a fifth waits in the backlog: no answer while the four hold */
	fd = conn(h);
	ht_send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35);
	p.fd = fd;
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 0);
	close(slow[0]);
	got = ht_read_until(h, fd, "ok\n", HT_T, &eof);
	HT_CONTAINS(got, "200 OK");
	close(fd);
	/* the other three: closed by herdd at the read timeout (10 s) */
	for (i = 1; i < 4; i++) {
		got = ht_read_until(h, slow[i], NULL, ht_ms(20000), &eof);
		assert_true(eof);
		close(slow[i]);
	}
	assert_true(ht_alive(h->pid));
}

/* A slow client that sends a byte before each read timeout does not hold
 * its place past the request deadline once the bound is reached. */
static void
test_integ_http_trickle(void **state)
{
	struct ht *h = *state;
	struct pollfd p;
	int slow[2], fd, i, k, eof, answered = 0;
	const char *got;

	boot(h, CONF_HTTP(",'max_connections':2"));
	for (i = 0; i < 2; i++) {
		slow[i] = conn(h);
		ht_send_all(slow[i], "GET /healthz HTTP/1.1\r\n", 23);
	}
	ht_wait_file(h, h->err, "no more accepted", HT_T);
	fd = conn(h);
	ht_send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35);
	p.fd = fd;
	p.events = POLLIN;
	/* the attack: a header byte a second on each, for up to 30 s; the
	 * pacing is the attacker's, the wait is for fd's answer */
	for (k = 0; k < 30 && !answered; k++) {
		answered = poll(&p, 1, 1000) == 1;
		for (i = 0; i < 2 && !answered; i++)
			/* once herdd shut one down, its write fails: the
			 * point of the test, not an error of it */
			(void)!write(slow[i], "X", 1);
	}
	assert_true(answered);
	got = ht_read_until(h, fd, "ok\n", HT_T, &eof);
	HT_CONTAINS(got, "200 OK");
	close(fd);
	HT_CONTAINS(ht_herdd_output(h), "took more than 10000 ms");
	for (i = 0; i < 2; i++)
		close(slow[i]);
}

/* HEAD answers with the length and no body: the next request on the
 * same connection is read as a request. */
static void
test_integ_http_head(void **state)
{
	struct ht *h = *state;
	const char *got;
	int fd, eof;

	boot(h, CONF);
	fd = conn(h);
	ht_send_all(fd, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    87);
	got = ht_read_until(h, fd, NULL, HT_T, &eof);
	close(fd);
	HT_CONTAINS(got, "Content-Length: 3\r\n");
	assert_null(strstr(got, "\r\n\r\nok\n"));
	HT_CONTAINS(got, "ready\n");
	assert_true(strstr(got, "HTTP/1.1 200") != strstr(got, "ready\n"));
}

/* Guessing the token is bounded, and does not spend the changes the
 * token holder has. */
static void
test_integ_http_login_limited(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	int i;

	boot(h, CONF_HTTP(",'mutations_per_minute':2"));
	for (i = 0; i < 2; i++) {
		r = request(h, "POST", "/login", "Content-Type: application/"
		    "x-www-form-urlencoded\r\n", "token=guess-guess-guess-0");
		EXPECT(r, 401);
	}
	r = request(h, "POST", "/login", "Content-Type: application/"
	    "x-www-form-urlencoded\r\n", "token=" TOKEN);
	EXPECT(r, 429); /* even the right one, while the bucket is empty */
	r = request(h, "POST", "/api/v1/reset", AUTH, "{\"name\":\"web\"}");
	EXPECT(r, 200);
}

/* A client that writes into its event stream is not read without bound:
 * its memory stays (evhttp 2.1 stops reading a connection while it
 * answers; the read watermark in http.c holds if a version does not). */
static void
test_integ_http_events_flood(void **state)
{
	struct ht *h = *state;
	static char junk[65536];
	long before, after;
	size_t sent = 0;
	const char *got;
	ssize_t w;
	int fd, eof;

	boot(h, CONF);
	fd = conn(h);
	ht_send_all(fd, "GET /events HTTP/1.1\r\nHost: x\r\n" AUTH "\r\n",
	    strlen("GET /events HTTP/1.1\r\nHost: x\r\n" AUTH "\r\n"));
	got = ht_read_until(h, fd, "retry:", HT_T, &eof);
	HT_CONTAINS(got, "text/event-stream");
	before = ht_proc_status(h->pid, "VmRSS");
	memset(junk, 'x', sizeof junk);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while (sent < 64u * 1024 * 1024 &&
	    (w = write(fd, junk, sizeof junk)) > 0)
		sent += (size_t)w;
	/* the socket filled: herdd took only what its limit lets in */
	assert_true(sent < 64u * 1024 * 1024);
	ht_result(h, "ping", NULL);
	after = ht_proc_status(h->pid, "VmRSS");
	if (after - before > 8192)
		fail_msg("herdd's RSS grew %ld KiB taking %zu bytes", after -
		    before, sent);
	close(fd);
}

/* A client resuming from another herdd's numbering (higher than this
 * one's last) gets this herdd's events and a gap. */
static void
test_integ_http_events_ahead(void **state)
{
	struct ht *h = *state;
	const char *got;
	int fd, eof;

	boot(h, CONF);
	fd = conn(h);
	ht_send_all(fd, "GET /events HTTP/1.1\r\nHost: x\r\n" AUTH
	    "Last-Event-ID: 999999999\r\n\r\n", strlen("GET /events "
	    "HTTP/1.1\r\nHost: x\r\n" AUTH "Last-Event-ID: 999999999\r\n"
	    "\r\n"));
	got = ht_read_until(h, fd, "\"event\":\"herd.started\"", HT_T, &eof);
	HT_CONTAINS(got, "event: gap");
	HT_CONTAINS(got, "id: 1\n");
	close(fd);
}

/* With public_read, a read without the token must name this machine in
 * Host: another site's page that resolved its name to 127.0.0.1 may not
 * read the fleet (DNS rebinding). */
static void
test_integ_http_rebinding(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	ht_boot(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'public_read':true},'supervisor':{'children':["
	    "{'name':'web','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	r = ht_http_raw(h, ht_http_addr(h), "GET /api/v1/status HTTP/1.1\r\n"
	    "Host: evil.example:80\r\nConnection: close\r\n\r\n", 73);
	EXPECT(r, 401);
	r = ht_http_raw(h, ht_http_addr(h), "GET /api/v1/status HTTP/1.1\r\n"
	    "Host: localhost:80\r\nConnection: close\r\n\r\n", 70);
	EXPECT(r, 200);
}

/* Captured output through /logs, as text that a browser does not take
 * for HTML. */
static void
test_integ_http_logs(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	write_token(h, TOKEN "\n", 0600);
	assert_int_equal(ht_write_file(h, ht_path(h, "say.sh"),
	    "printf '<b>&amp;\"\\047\\n'; exec sleep 100\n"), 0);
	ht_boot(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'token_file':'@TMP@/token'},'supervisor':{'children':["
	    "{'name':'out','command':['sh','@TMP@/say.sh']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	ht_wait_file(h, ht_path(h, "log/out.stdout.log"), "<b>", HT_T);
	r = request(h, "GET", "/logs?name=out", AUTH, NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.raw, "Content-Type: text/plain");
	HT_CONTAINS(r.raw, "X-Content-Type-Options: nosniff");
	HT_CONTAINS(r.body, "<b>&amp;\"'");
	r = request(h, "GET", "/logs?name=../../etc/passwd", AUTH, NULL);
	EXPECT(r, 404);
}

/* /api/v1/stats: an actor's messages handled, which the page makes a
 * rate of: each cast and call counted, whoever sent it. */
static void
test_integ_http_actor_stats(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;
	const char *out, *err;
	cJSON *j;
	int i;

	boot(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'token_file':'@TMP@/token'},'supervisor':{'children':["
	    "{'name':'counter','type':'actor','command':"
	    "['@EXAMPLES@/counter','0']}]}}");
	for (i = 0; i < 5; i++)
		HT_CTL(h, 0, &out, &err, "call", "counter",
		    "{\"op\":\"incr\"}");
	r = request(h, "GET", "/api/v1/stats?name=counter", AUTH, NULL);
	EXPECT(r, 200);
	j = cJSON_Parse(r.body);
	assert_non_null(j);
	assert_int_equal((int)ht_num(cJSON_GetObjectItem(j, "reply"),
	    "handled"), 5);
	cJSON_Delete(j);
	r = request(h, "GET", "/api/v1/stats?name=nobody", AUTH, NULL);
	EXPECT(r, 404);
}

/* /api/v1/tx: the coordinator's TXs, or not_found without one. */
static void
test_integ_http_tx(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	boot(h, "{" HT_DIRS ",'http':{'listen':'127.0.0.1:0',"
	    "'token_file':'@TMP@/token'},'supervisor':{'children':["
	    "{'name':'sagad','type':'actor','ready':'actor','command':"
	    "['@BUILD@/herd-sagad','@TMP@/coord.journal']}]}}");
	r = request(h, "GET", "/api/v1/tx", AUTH, NULL);
	EXPECT(r, 200);
	HT_CONTAINS(r.body, "\"txs\":[]");
}

static void
test_integ_http_tx_none(void **state)
{
	struct ht *h = *state;
	struct ht_resp r;

	boot(h, CONF);
	r = request(h, "GET", "/api/v1/tx", AUTH, NULL);
	EXPECT(r, 404);
	HT_CONTAINS(r.body, "not_found");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_http_access,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_public_read,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_refused_configs,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_metrics,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_deferred_reply,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_rate_limited,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_events,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_bad_requests,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_slowloris,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_logs,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_trickle,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_head,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_login_limited,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_events_flood,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_events_ahead,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_rebinding,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_tx,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_actor_stats,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_http_tx_none,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_http", tests, NULL, NULL);
}
