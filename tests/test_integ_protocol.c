/* Integration tests of the wire protocol (docs/protocol.md) against a real
 * herdd: nngcat speaks it, malformed requests get error replies and harm
 * nothing, and every herdctl command works end to end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "ipc.h"

/* a and grp/b run; grp/c is transient; pool is a pool whose instances
 * write their pid to the file given as their extra argument. */
#define CONF "{" HT_DIRS ",'supervisor':{'intensity':20,'children':[" \
	"{'name':'a','command':['@CHILD@','sleep']}," \
	"{'name':'grp','type':'supervisor','children':[" \
	"{'name':'b','command':['@CHILD@','sleep']}," \
	"{'name':'c','command':['@CHILD@','sleep'],'restart':'transient'}]}," \
	"{'name':'pool','type':'supervisor','strategy':'simple_one_for_one'," \
	"'children':[{'name':'w','command':['@CHILD@','pidfile']," \
	"'restart':'temporary'}]}," \
	"{'name':'talk','command':['@CHILD@','print-lines','30']," \
	"'stderr':'null'}]}}"

#define LACKS(hay, needle) do { \
	if (strstr((hay), (needle)) != NULL) \
		fail_msg("\"%s\" unexpected in:\n%s", (needle), (hay)); \
} while (0)

static struct ht *
boot(void **state)
{
	struct ht *h = *state;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* Whether PROG is an executable on $PATH. */
static int
on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, file[4096];
	int found = 0;

	if (path == NULL)
		path = "/usr/bin:/bin";
	if ((copy = strdup(path)) == NULL)
		abort();
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/%s", dir, prog);
		found = access(file, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* ---- 1. nngcat ---- */

static void
test_integ_protocol_nngcat_status(void **state)
{
	struct ht *h;
	char url[512];
	const char *out, *err;
	char *argv[] = { "nngcat", "--req0", "--dial", url, "--data",
		"{\"v\":1,\"id\":1,\"op\":\"status\"}", "--ascii",
		"--recv-timeout", "5", NULL };
	int code;

	if (!on_path("nngcat")) {
		fprintf(stderr, "nngcat not installed (Debian package "
		    "nng-utils): skipping\n");
		skip();
	}
	h = boot(state);
	ipc_control_url(h->run, url, sizeof url);
	code = ht_run(h, argv, ht_ms(10000), &out, &err);
	if (code != 0)
		fail_msg("nngcat exited %d\nstdout: %s\nstderr: %s", code, out,
		    err);
	HT_CONTAINS(out, "\"id\":1,");
	HT_CONTAINS(out, "\"ok\":true");
	HT_CONTAINS(out, "\"path\":\"grp/b\"");
}

/* ---- 2. malformed requests ---- */

struct bad {
	const char *what;
	const char *data; /* NULL: built by the test */
	size_t len;       /* 0: strlen(data) */
	const char *code;
	long long id;     /* the id the reply must carry; -1: any */
};

#define BIG (64 * 1024 + 100)

static const char garbage[] = { 0x00, 0x01, (char)0xff, (char)0xfe, 0x7f,
	'{', 0x00, '}', (char)0x80, 0x1b };

static const struct bad bads[] = {
	{ "invalid JSON", "{\"v\":1,\"id\":5,\"op\":", 0, IPC_E_BAD_REQUEST,
	    0 },
	{ "JSON array", "[1,2,3]", 0, IPC_E_BAD_REQUEST, 0 },
	{ "JSON string", "\"status\"", 0, IPC_E_BAD_REQUEST, 0 },
	{ "missing op", "{\"v\":1,\"id\":6}", 0, IPC_E_BAD_REQUEST, 6 },
	{ "op of wrong type", "{\"v\":1,\"id\":7,\"op\":42}", 0,
	    IPC_E_BAD_REQUEST, 7 },
	{ "empty op", "{\"v\":1,\"id\":8,\"op\":\"\"}", 0, IPC_E_BAD_REQUEST,
	    8 },
	{ "unknown op", "{\"v\":1,\"id\":9,\"op\":\"frobnicate\"}", 0,
	    IPC_E_UNKNOWN_OP, 9 },
	{ "args not an object", "{\"v\":1,\"id\":10,\"op\":\"status\","
	    "\"args\":[\"a\"]}", 0, IPC_E_BAD_REQUEST, 10 },
	{ "v=99", "{\"v\":99,\"id\":11,\"op\":\"status\"}", 0,
	    IPC_E_BAD_VERSION, 11 },
	{ "v of wrong type", "{\"v\":\"1\",\"id\":12,\"op\":\"status\"}", 0,
	    IPC_E_BAD_VERSION, 12 },
	{ "truncated JSON", "{\"v\":1,\"id\":13,\"op\":\"stat", 0,
	    IPC_E_BAD_REQUEST, 0 },
	{ "binary garbage", garbage, sizeof garbage, IPC_E_BAD_REQUEST, 0 },
	{ "id of wrong type", "{\"v\":1,\"id\":\"x\",\"op\":\"status\"}", 0,
	    IPC_E_BAD_REQUEST, 0 },
	{ "negative id", "{\"v\":1,\"id\":-1,\"op\":\"status\"}", 0,
	    IPC_E_BAD_REQUEST, 0 },
	{ "name of wrong type", "{\"v\":1,\"id\":14,\"op\":\"stop\","
	    "\"args\":{\"name\":7}}", 0, IPC_E_BAD_REQUEST, 14 },
	{ "unknown child", "{\"v\":1,\"id\":15,\"op\":\"stop\","
	    "\"args\":{\"name\":\"nope\"}}", 0, IPC_E_NOT_FOUND, 15 },
	{ "empty message", "", 0, IPC_E_BAD_REQUEST, 0 },
	/* past max_request_bytes (64 KiB) but within the routing header's
	 * slack of nng's limit: herdd reads it and says so (beyond, nng
	 * closes the connection: test_integ_security) */
	{ "64 KiB + 100 request", NULL, BIG, IPC_E_TOO_LARGE, -1 },
};

/* Sends LEN bytes on SOCK and returns the parsed reply (caller frees), or
 * fails the test. */
static cJSON *
raw_call(nng_socket sock, const void *data, size_t len, const char *what)
{
	cJSON *reply;
	void *buf;
	size_t n;
	int rv;

	if ((rv = nng_send(sock, (void *)data, len, 0)) != 0)
		fail_msg("%s: send: %s", what, nng_strerror(rv));
	if ((rv = nng_recv(sock, &buf, &n, NNG_FLAG_ALLOC)) != 0)
		fail_msg("%s: no reply: %s", what, nng_strerror(rv));
	reply = cJSON_ParseWithLength(buf, n);
	if (!cJSON_IsObject(reply))
		fail_msg("%s: the reply is not a JSON object: %.*s", what,
		    (int)n, (char *)buf);
	nng_free(buf, n);
	return reply;
}

static void
test_integ_protocol_malformed_requests(void **state)
{
	struct ht *h = boot(state);
	pid_t a = ht_pid(h, "a"), b = ht_pid(h, "grp/b");
	size_t nbads = sizeof bads / sizeof bads[0], i, len;
	const struct bad *bd;
	cJSON *reply, *err;
	nng_socket sock;
	char url[512], *big;
	const char *data;
	long long id;

	/* A request {"v":1,"id":99,"op":"status","args":{"pad":"xxx..."}}. */
	big = malloc(BIG + 1);
	assert_non_null(big);
	len = (size_t)snprintf(big, 100, "{\"v\":1,\"id\":99,\"op\":\"status\","
	    "\"args\":{\"pad\":\"");
	memset(big + len, 'x', BIG - len - 3);
	memcpy(big + BIG - 3, "\"}}", 4);

	assert_int_equal(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, ht_ms(HT_TIMEOUT));
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, ht_ms(HT_TIMEOUT));
	/* None of these requests changes anything, so a reply herdd drops
	 * may be asked for again. */
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, ht_ms(1000));
	ipc_control_url(h->run, url, sizeof url);
	assert_int_equal(nng_dial(sock, url, NULL, 0), 0);

	for (i = 0; i < 200; i++) {
		bd = &bads[i % nbads];
		data = bd->data ? bd->data : big;
		len = bd->data == NULL ? BIG :
		    bd->len ? bd->len : strlen(bd->data);
		reply = raw_call(sock, data, len, bd->what);
		err = cJSON_GetObjectItemCaseSensitive(reply, "error");
		if (ht_error_code(reply) == NULL ||
		    strcmp(ht_error_code(reply), bd->code) != 0)
			fail_msg("%s: expected error %s, got %s", bd->what,
			    bd->code, cJSON_PrintUnformatted(reply));
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err,
		    "message")))
			fail_msg("%s: error without a message", bd->what);
		assert_int_equal((int)ht_num(reply, "v"), IPC_VERSION);
		id = (long long)ht_num(reply, "id");
		if (bd->id >= 0 && id != bd->id)
			fail_msg("%s: reply id %lld, expected %lld", bd->what,
			    id, bd->id);
		cJSON_Delete(reply);
	}
	/* The same connection still works. */
	data = "{\"v\":1,\"id\":100,\"op\":\"ping\"}";
	reply = raw_call(sock, data, strlen(data), "ping");
	assert_null(ht_error_code(reply));
	assert_int_equal((int)ht_num(reply, "id"), 100);
	cJSON_Delete(reply);
	nng_close(sock);
	free(big);

	/* herdd is unharmed: same children, same pids. */
	assert_int_equal(ht_pid(h, "a"), a);
	assert_int_equal(ht_pid(h, "grp/b"), b);
	assert_string_equal(ht_status(h, "grp/b").state, "running");
}

/* ---- 3. herdctl commands ---- */

static void
test_integ_protocol_tree(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	char want[128];
	cJSON *j, *grp;

	HT_CTL(h, 0, &out, &err, "tree", "--ascii");
	HT_CONTAINS(out, "herd (root, running");
	snprintf(want, sizeof want, "\n|- a running pid %d ",
	    (int)ht_pid(h, "a"));
	HT_CONTAINS(out, want);
	HT_CONTAINS(out, "\n|- grp (supervisor, running, ");
	snprintf(want, sizeof want, "\n|  |- b running pid %d ",
	    (int)ht_pid(h, "grp/b"));
	HT_CONTAINS(out, want);
	snprintf(want, sizeof want, "\n|  `- c running pid %d ",
	    (int)ht_pid(h, "grp/c"));
	HT_CONTAINS(out, want);
	HT_CONTAINS(out, "\n|- pool (supervisor, running, ");
	HT_CONTAINS(out, "\n`- talk running pid ");

	HT_CTL(h, 0, &out, &err, "--json", "tree");
	j = cJSON_Parse(out);
	assert_non_null(j);
	grp = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "children"), 1);
	assert_string_equal(cJSON_GetObjectItem(grp, "path")->valuestring,
	    "grp");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(grp, "children"), 1), "path")->valuestring,
	    "grp/c");
	cJSON_Delete(j);
}

static void
test_integ_protocol_status_select(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	cJSON *j;

	HT_CTL(h, 0, &out, &err, "status", "grp/*");
	HT_CONTAINS(out, "\ngrp/b ");
	HT_CONTAINS(out, "\ngrp/c ");
	LACKS(out, "\ngrp ");
	LACKS(out, "\na ");

	/* A supervisor selects itself and its subtree. */
	HT_CTL(h, 0, &out, &err, "status", "grp");
	HT_CONTAINS(out, "\ngrp ");
	HT_CONTAINS(out, "\ngrp/b ");
	HT_CONTAINS(out, "\ngrp/c ");
	LACKS(out, "\ntalk ");

	/* '*' does not cross '/'. */
	HT_CTL(h, 0, &out, &err, "status", "*/b", "t?lk");
	HT_CONTAINS(out, "\ngrp/b ");
	HT_CONTAINS(out, "\ntalk ");
	LACKS(out, "\ngrp/c ");

	HT_CTL(h, 0, &out, &err, "--json", "status", "grp/[c]");
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j,
	    "children")), 1);
	cJSON_Delete(j);

	HT_CTL(h, 3, &out, &err, "status", "grp/b", "nope*");
	HT_CONTAINS(err, "no child matches nope*");
	HT_CTL(h, 3, &out, &err, "--json", "status", "zzz");
	HT_CONTAINS(out, "\"code\":\"not_found\"");
}

static void
test_integ_protocol_signal(void **state)
{
	struct ht *h = boot(state);
	pid_t b = ht_pid(h, "grp/b");
	const char *out, *err;
	char want[128];
	cJSON *ev;

	HT_CTL(h, 0, &out, &err, "signal", "grp/b", "term");
	snprintf(want, sizeof want, "signalled grp/b (pid %d) with SIGTERM",
	    (int)b);
	HT_CONTAINS(out, want);
	ev = ht_wait_event(h, "child.exited", "grp/b", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "shutdown");
	ht_wait_event(h, "child.started", "grp/b", HT_T);
	b = ht_pid(h, "grp/b");

	HT_CTL(h, 0, &out, &err, "--json", "signal", "grp/b", "10");
	HT_CONTAINS(out, "\"signal\":\"SIGUSR1\"");
	ev = ht_wait_event(h, "child.exited", "grp/b", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring,
	    "signal:USR1");
	assert_int_equal((int)ht_num(ev, "pid"), (int)b);

	/* a bad signal is herdctl's usage error now (issue 12, item 17);
	 * herdd still refuses it on the wire */
	HT_CTL(h, 2, &out, &err, "signal", "grp/b", "NOPE");
	HT_CONTAINS(err, "unknown signal \"NOPE\"");
	assert_string_equal(ht_error_code(ht_request(h, "signal",
	    "{'name':'grp/b','signal':'NOPE'}")), "bad_request");
	HT_CTL(h, 3, &out, &err, "signal", "nope", "TERM");
	HT_CTL(h, 2, &out, &err, "signal", "grp/b");
}

static void
test_integ_protocol_restart_terminate_delete(void **state)
{
	struct ht *h = boot(state);
	pid_t b = ht_pid(h, "grp/b"), nb;
	const char *out, *err;
	char want[64];

	/* OTP's restart_child: a running child is refused by the protocol's
	 * restart without force, and by herdctl start */
	assert_string_equal(ht_error_code(ht_request(h, "restart",
	    "{'name':'grp/b'}")), "running");
	HT_CTL(h, 4, &out, &err, "start", "grp/b");
	snprintf(want, sizeof want, "grp/b is already started (pid %ld)",
	    (long)b);
	HT_CONTAINS(err, want);  /* OTP's {error,{already_started,Pid}} */
	HT_CTL(h, 4, &out, &err, "--json", "start", "grp/b");
	HT_CONTAINS(out, "\"code\":\"already_started\"");
	snprintf(want, sizeof want, "\"pid\":%ld", (long)b);
	HT_CONTAINS(out, want);
	assert_int_equal(ht_pid(h, "grp/b"), b);
	/* a supervisor runs inside herdd: no pid of its own to name */
	HT_CTL(h, 4, &out, &err, "--json", "start", "grp");
	HT_CONTAINS(out, "\"code\":\"already_started\"");
	assert_null(strstr(out, "\"pid\""));

	/* herdctl restart stops it first (issue 12, item 11) */
	HT_CTL(h, 0, &out, &err, "restart", "grp/b");
	nb = ht_pid(h, "grp/b");
	assert_true(nb != b && nb > 0);
	HT_CONTAINS(out, "restarted grp/b (pid ");
	assert_true(ht_wait_gone(b, HT_T));
	HT_CTL(h, 0, &out, &err, "restart", "-f", "grp/b");
	assert_true(ht_pid(h, "grp/b") != nb);

	HT_CTL(h, 0, &out, &err, "terminate", "grp/c");
	HT_CONTAINS(out, "terminated grp/c");
	assert_string_equal(ht_status(h, "grp/c").state, "stopped");
	HT_CTL(h, 0, &out, &err, "terminate", "grp/c"); /* again: ok */
	HT_CTL(h, 0, &out, &err, "restart", "grp/c");   /* stopped: starts */
	HT_CONTAINS(out, "restarted grp/c (pid ");
	assert_string_equal(ht_status(h, "grp/c").state, "running");

	HT_CTL(h, 4, &out, &err, "delete", "grp/c");    /* running */
	HT_CTL(h, 0, &out, &err, "terminate", "grp/c");
	HT_CTL(h, 0, &out, &err, "delete", "grp/c");
	HT_CONTAINS(out, "deleted grp/c");
	ht_wait_event(h, "child.deleted", "grp/c", HT_T);
	assert_false(ht_status(h, "grp/c").found);

	HT_CTL(h, 3, &out, &err, "terminate", "nope");
	HT_CTL(h, 3, &out, &err, "delete", "grp/c");
	HT_CTL(h, 3, &out, &err, "restart", "grp/c");
	HT_CTL(h, 2, &out, &err, "terminate");
	HT_CTL(h, 2, &out, &err, "terminate", "a", "--pid", "5");
}

static void
test_integ_protocol_add_child(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	char spec[4500], want[128];
	cJSON *j;

	snprintf(spec, sizeof spec, "{\"name\":\"d\",\"command\":[\"%s\","
	    "\"sleep\"]}", h->child);
	HT_CTL(h, 0, &out, &err, "add-child", "grp", spec);
	HT_CONTAINS(out, "added grp/d (pid ");
	assert_string_equal(ht_status(h, "grp/d").state, "running");
	HT_CTL(h, 4, &out, &err, "add-child", "grp", spec);
	snprintf(want, sizeof want, "(pid %ld)", (long)ht_pid(h, "grp/d"));
	HT_CONTAINS(err, want);
	HT_CTL(h, 4, &out, &err, "--json", "add-child", "grp", spec);
	HT_CONTAINS(out, "\"code\":\"already_started\"");
	snprintf(want, sizeof want, "\"pid\":%ld", (long)ht_pid(h, "grp/d"));
	HT_CONTAINS(out, want);
	HT_CTL(h, 0, &out, &err, "terminate", "grp/d");
	HT_CTL(h, 4, &out, &err, "--json", "add-child", "grp", spec);
	HT_CONTAINS(out, "\"code\":\"already_present\"");

	/* Appended last under the root. */
	snprintf(spec, sizeof spec, "{\"name\":\"e\",\"command\":[\"%s\","
	    "\"sleep\"]}", h->child);
	HT_CTL(h, 0, &out, &err, "--json", "add-child", "", spec);
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "path")->valuestring, "e");
	assert_int_equal((int)ht_num(j, "pid"), (int)ht_pid(h, "e"));
	cJSON_Delete(j);
	HT_CTL(h, 0, &out, &err, "--json", "status");
	assert_true(strstr(out, "\"path\":\"talk\"") <
	    strstr(out, "\"path\":\"e\""));

	/* A bad child config: herdd's errors. */
	HT_CTL(h, 1, &out, &err, "add-child", "grp", "{\"name\":\"x\"}");
	HT_CONTAINS(err, "command");
	HT_CTL(h, 1, &out, &err, "--json", "add-child", "grp",
	    "{\"name\":\"x\",\"restart\":\"sometimes\"}");
	HT_CONTAINS(out, "\"code\":\"bad_request\"");
	HT_CTL(h, 3, &out, &err, "add-child", "nope", spec);
	/* significant under auto_shutdown never: OTP's bad_combination */
	snprintf(spec, sizeof spec, "{\"name\":\"sig\",\"command\":[\"%s\","
	    "\"sleep\"],\"restart\":\"transient\",\"significant\":true}",
	    h->child);
	HT_CTL(h, 1, &out, &err, "add-child", "grp", spec);
	HT_CONTAINS(err, "a significant child needs its supervisor's "
	    "auto_shutdown to be any_significant or all_significant (grp has "
	    "never)");
	assert_false(ht_status(h, "grp/sig").found);
	HT_CTL(h, 2, &out, &err, "add-child", "grp", "{not json");
	HT_CTL(h, 2, &out, &err, "add-child", "grp", "[1]");
}

static void
test_integ_protocol_spawn(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err, *f1 = ht_path(h, "w1.pid"),
	    *f2 = ht_path(h, "w2.pid"), *s;
	double instance;
	pid_t p1;
	cJSON *j;

	HT_CTL(h, 0, &out, &err, "spawn", "pool", f1);
	HT_CONTAINS(out, "spawned pool/1 (pid ");
	p1 = ht_pid(h, "pool/1");
	/* The instance got its argument (it writes the file once running:
	 * spawn's answer can come first). */
	s = ht_wait_file(h, f1, "\n", HT_T);
	assert_non_null(s);
	assert_int_equal(atoi(s), (int)p1);

	HT_CTL(h, 0, &out, &err, "--json", "spawn", "pool", "--", f2);
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "path")->valuestring,
	    "pool/2");
	assert_int_equal((int)ht_num(j, "pid"), (int)ht_pid(h, "pool/2"));
	instance = ht_num(j, "instance");
	cJSON_Delete(j);
	if (instance != 2)
		fail_msg("spawn's result lacks \"instance\":2: %s", out);

	/* Terminate an instance by PID: it is removed (rule 14). */
	{
		char pid[32];

		snprintf(pid, sizeof pid, "%d", (int)p1);
		HT_CTL(h, 0, &out, &err, "terminate", "--pid", pid);
		HT_CONTAINS(out, "terminated pool/1");
		assert_true(ht_wait_gone(p1, HT_T));
		assert_false(ht_status(h, "pool/1").found);
		HT_CTL(h, 3, &out, &err, "terminate", "--pid", pid);
	}
	HT_CTL(h, 4, &out, &err, "spawn", "grp");
	HT_CTL(h, 3, &out, &err, "spawn", "nope");
}

/* Waits until FILE holds "\n"-terminated line LINE (or fails). */
static const char *
wait_output(struct ht *h, const char *file, const char *line)
{
	const char *s = ht_wait_file(h, file, line, ht_ms(10000));

	if (s != NULL)
		return s;
	s = ht_read_file(h, file);
	fail_msg("no \"%s\" from herdctl logs -f; it printed:\n%s", line,
	    s ? s : "(nothing)");
	return NULL;
}

/* Starts herdctl ARGS (NULL-terminated) with stdout to OUT_FILE. */
static pid_t
herdctl_bg(struct ht *h, const char *out_file, ...)
{
	char *argv[32];
	va_list ap;
	pid_t pid;
	int n = 0, fd;

	argv[n++] = h->herdctl;
	argv[n++] = "-r";
	argv[n++] = h->run;
	va_start(ap, out_file);
	while ((argv[n] = va_arg(ap, char *)) != NULL && n < 30)
		n++;
	va_end(ap);
	argv[n] = NULL;
	fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd);
	return pid;
}

static void
test_integ_protocol_logs(void **state)
{
	struct ht *h = boot(state);
	const char *out, *err;
	char want[400];

	/* print-lines is started once its 30 lines are in the pipe. */
	assert_non_null(ht_wait_file(h, ht_path(h, "log/talk.stdout.log"),
	    "line 00030\n", ht_ms(10000)));
	HT_CTL(h, 0, &out, &err, "logs", "talk", "-n", "3");
	assert_string_equal(out, "line 00028\nline 00029\nline 00030\n");
	HT_CTL(h, 0, &out, &err, "logs", "talk");
	assert_string_equal(out, "line 00021\nline 00022\nline 00023\n"
	    "line 00024\nline 00025\nline 00026\nline 00027\nline 00028\n"
	    "line 00029\nline 00030\n");
	HT_CTL(h, 0, &out, &err, "logs", "-n", "0", "talk");
	assert_string_equal(out, "");
	HT_CTL(h, 0, &out, &err, "--json", "logs", "--lines", "1", "talk");
	assert_string_equal(out, "{\"path\":\"talk\",\"stream\":\"stdout\","
	    "\"line\":\"line 00030\"}\n");
	/* Nothing written yet: no lines, no error. */
	HT_CTL(h, 0, &out, &err, "logs", "--stderr", "a");
	assert_string_equal(out, "");

	HT_CTL(h, 1, &out, &err, "logs", "--stderr", "talk"); /* not captured */
	snprintf(want, sizeof want, "stderr of talk is not captured");
	HT_CONTAINS(err, want);
	HT_CTL(h, 1, &out, &err, "logs", "grp");              /* a supervisor */
	HT_CTL(h, 3, &out, &err, "logs", "nope");
	HT_CTL(h, 2, &out, &err, "logs", "talk", "-n", "x");
}

/* logs -f sees every line once, in order, across rotations, and stops on
 * SIGTERM with status 0. */
static void
test_integ_protocol_logs_follow_rotation(void **state)
{
	struct ht *h = *state;
	const char *file, *s;
	char *expect, *p;
	pid_t pid;
	int st, i;

	ht_boot(h, "{" HT_DIRS ",'log_max_bytes':300,'log_backups':3,"
	    "'supervisor':{'children':[{'name':'slow','command':"
	    "'echo start; while [ ! -e @TMP@/go ]; do sleep 0.02; done; "
	    "i=0; while [ $i -lt 120 ]; do i=$((i+1)); echo line $i; "
	    "sleep 0.01; done; echo done; exec sleep 1000'}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	file = ht_path(h, "follow.out");
	pid = herdctl_bg(h, file, "logs", "-f", "-n", "100", "slow", NULL);
	/* Once "start" is out, herdctl watches the file. */
	wait_output(h, file, "start\n");
	close(open(ht_path(h, "go"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	s = wait_output(h, file, "done\n");
	expect = malloc(8192);
	assert_non_null(expect);
	p = expect + sprintf(expect, "start\n");
	for (i = 1; i <= 120; i++)
		p += sprintf(p, "line %d\n", i);
	sprintf(p, "done\n");
	assert_string_equal(s, expect);
	free(expect);
	/* It rotated: the first lines are in a backup now. */
	assert_non_null(ht_read_file(h, ht_path(h, "log/slow.stdout.log.1")));
	kill(pid, SIGTERM);
	assert_true(ht_wait_gone(pid, HT_T));
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_protocol_nngcat_status, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_protocol_malformed_requests, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_protocol_tree,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_protocol_status_select, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_protocol_signal,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_protocol_restart_terminate_delete, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_protocol_add_child,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_protocol_spawn,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_protocol_logs,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_protocol_logs_follow_rotation, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
