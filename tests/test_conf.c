/* Tests of conf/: every bad fixture gives exactly its .expected messages,
 * good fixtures load field by field with their defaults. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <glob.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

#define FIXTURES "tests/fixtures/conf/"

/* Every bad-NAME.json fixture, checked against bad-NAME.expected. */
static const char *const bad_fixtures[] = {
	"actor", "backoff", "child-not-object", "children-not-array",
	"command-non-string", "control", "control-run-as", "control-subjects",
	"control-tcp",
	"control-tcp-url",
	"duplicate-key", "duplicate-name", "duplicate-name-adjacent",
	"empty-command", "env-value", "eof", "exit-codes", "intensity",
	"cgroup", "http", "http-open", "http-public", "limits", "long-value", "missing-command", "missing-supervisor", "multiple",
	"name-chars", "name-dots", "nested", "period", "ready", "restart",
	"root-child-keys", "sagas", "shutdown", "significant-never",
	"significant-permanent",
	"simple-no-children", "simple-two-children", "stop-signal",
	"strategy", "supervisor-key-on-worker", "syntax", "top-array",
	"top-values", "trailing", "type", "umask", "unknown-key",
	"unknown-key-suggest", "unknown-user", "worker-key-on-supervisor",
};

#define NBAD (sizeof bad_fixtures / sizeof bad_fixtures[0])

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The messages one per line, as herdd --check prints them. Caller frees. */
static char *
join_errors(const struct conf_errors *errs)
{
	size_t i, len = 1;
	char *out;

	for (i = 0; i < errs->n; i++)
		len += strlen(errs->msgs[i]) + 1;
	out = calloc(1, len);
	assert_non_null(out);
	for (i = 0; i < errs->n; i++) {
		strcat(out, errs->msgs[i]);
		strcat(out, "\n");
	}
	return out;
}

static struct conf *
load_good(const char *name)
{
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = NULL;
	char path[256];
	char *got;

	snprintf(path, sizeof path, FIXTURES "good-%s.json", name);
	if (conf_load(path, &c, &errs) != 0) {
		got = join_errors(&errs);
		fail_msg("%s did not load:\n%s", path, got);
	}
	assert_non_null(c);
	assert_int_equal(errs.n, 0);
	assert_null(errs.msgs);
	return c;
}

static void
test_conf_bad_fixture(void **state)
{
	const char *name = *state;
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = (struct conf *)1;
	char path[256], exp[256];
	char *want, *got;

	snprintf(path, sizeof path, FIXTURES "bad-%s.json", name);
	snprintf(exp, sizeof exp, FIXTURES "bad-%s.expected", name);
	want = read_all(exp);
	assert_int_equal(conf_load(path, &c, &errs), -1);
	assert_null(c);
	assert_true(errs.n > 0);
	got = join_errors(&errs);
	assert_string_equal(got, want);
	free(got);
	free(want);
	conf_errors_clear(&errs);
	assert_int_equal(errs.n, 0);
}

static void
test_conf_fixtures_all_listed(void **state)
{
	glob_t g;
	size_t i, j;
	char exp[512];

	assert_int_equal(glob(FIXTURES "bad-*.json", 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, NBAD);
	for (i = 0; i < g.gl_pathc; i++) {
		for (j = 0; j < NBAD; j++) {
			snprintf(exp, sizeof exp, FIXTURES "bad-%s.json",
			    bad_fixtures[j]);
			if (strcmp(exp, g.gl_pathv[i]) == 0)
				break;
		}
		if (j == NBAD)
			fail_msg("%s is not in bad_fixtures[]", g.gl_pathv[i]);
		snprintf(exp, sizeof exp, "%.*s.expected",
		    (int)(strlen(g.gl_pathv[i]) - 5), g.gl_pathv[i]);
		assert_int_equal(access(exp, R_OK), 0);
	}
	globfree(&g);
}

static void
test_conf_missing_file(void **state)
{
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = NULL;

	assert_int_equal(conf_load(FIXTURES "no-such-file.json", &c, &errs),
	    -1);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], FIXTURES
	    "no-such-file.json: cannot read: No such file or directory");
	conf_errors_clear(&errs);

	assert_int_equal(conf_load(FIXTURES, &c, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], FIXTURES ": cannot read: Is a "
	    "directory");
	conf_errors_clear(&errs);
}

static void
test_conf_defaults(void **state)
{
	struct conf *c = load_good("minimal");
	struct conf_child *w;
	int i;

	assert_string_equal(c->path, FIXTURES "good-minimal.json");
	assert_string_equal(c->run_dir, "/run/herd");
	assert_string_equal(c->log_dir, "/var/log/herd");
	assert_int_equal(c->log_max_bytes, 10485760);
	assert_int_equal(c->log_backups, 5);
	assert_int_equal(c->notify_abstract, 0);
	assert_int_equal(c->root.strategy, CONF_ONE_FOR_ONE);
	assert_int_equal(c->root.intensity, 1);
	assert_int_equal(c->root.period_ms, 5000);
	assert_int_equal(c->root.auto_shutdown, CONF_AUTO_NEVER);
	assert_int_equal(c->root.max_instances, 0);
	assert_int_equal(c->root.nchildren, 1);
	assert_int_equal(c->control.has_group, 0);
	assert_int_equal(c->control.nallow_uids, 0);
	assert_int_equal(c->control.nallow_gids, 0);
	assert_int_equal(c->control.max_request_bytes, 65536);
	assert_int_equal(c->control.event_ring, 4096);
	assert_null(c->control.tcp_url);
	assert_null(c->control.tls_cert);
	assert_null(c->control.tls_key);
	assert_null(c->control.tls_ca);
	assert_int_equal(c->control.ntcp_allow, 0);

	w = c->root.children[0];
	assert_string_equal(w->name, "web");
	assert_int_equal(w->type, CONF_WORKER);
	assert_int_equal(w->restart, CONF_PERMANENT);
	assert_int_equal(w->shutdown_ms, 5000);
	assert_int_equal(w->significant, 0);
	assert_string_equal(w->argv[0], "/usr/bin/web");
	assert_string_equal(w->argv[1], "--port");
	assert_string_equal(w->argv[2], "8080");
	assert_null(w->argv[3]);
	assert_null(w->env);
	assert_int_equal(w->clear_env, 0);
	assert_null(w->cwd);
	assert_null(w->user);
	assert_null(w->group);
	assert_int_equal(w->has_uid, 0);
	assert_int_equal(w->has_gid, 0);
	assert_int_equal(w->umask, -1);
	assert_int_equal(w->stop_signal, SIGTERM);
	assert_int_equal(w->ready, CONF_READY_EXEC);
	assert_int_equal(w->ready_fd, 3);
	assert_int_equal(w->ready_timeout_ms, 0);
	assert_true(conf_exit_is_normal(w, 0));
	for (i = 1; i < 256; i++)
		assert_false(conf_exit_is_normal(w, i));
	assert_int_equal(w->backoff.enabled, 0);
	assert_int_equal(w->out, CONF_OUT_LOG);
	assert_int_equal(w->err, CONF_OUT_LOG);
	assert_null(w->sup);
	conf_free(c);
}

static void
test_conf_full(void **state)
{
	struct conf *c = load_good("full");
	struct conf_child *w, *k, *pool, *app;

	assert_string_equal(c->run_dir, "/tmp/herd/run");
	assert_string_equal(c->log_dir, "/tmp/herd/log");
	assert_int_equal(c->log_max_bytes, 1048576);
	assert_int_equal(c->log_backups, 3);
	assert_int_equal(c->notify_abstract, 1);
	assert_int_equal(c->root.strategy, CONF_ONE_FOR_ALL);
	assert_int_equal(c->root.intensity, 3);
	assert_int_equal(c->root.period_ms, 10000);
	assert_int_equal(c->root.auto_shutdown, CONF_AUTO_ANY_SIGNIFICANT);
	assert_int_equal(c->root.nchildren, 4);

	w = c->root.children[0];
	assert_string_equal(w->name, "api.v1-main_0");
	assert_int_equal(w->restart, CONF_TRANSIENT);
	assert_int_equal(w->shutdown_ms, 2000);
	assert_int_equal(w->significant, 1);
	assert_string_equal(w->argv[0], "/bin/sh");
	assert_string_equal(w->argv[1], "-c");
	assert_string_equal(w->argv[2], "exec /usr/bin/api --listen :8080");
	assert_null(w->argv[3]);
	assert_string_equal(w->env[0], "PORT=8080");
	assert_string_equal(w->env[1], "MODE=prod=1");
	assert_null(w->env[2]);
	assert_int_equal(w->clear_env, 1);
	assert_string_equal(w->cwd, "/srv/api");
	assert_string_equal(w->user, "root");
	assert_null(w->group);
	assert_int_equal(w->has_uid, 1);
	assert_int_equal(w->uid, 0);
	assert_int_equal(w->has_gid, 1); /* root's primary group */
	assert_int_equal(w->gid, 0);
	assert_int_equal(w->umask, 022);
	assert_int_equal(w->stop_signal, SIGTERM);
	assert_int_equal(w->ready, CONF_READY_FD);
	assert_int_equal(w->ready_fd, 5);
	assert_int_equal(w->ready_timeout_ms, 3000);
	assert_true(conf_exit_is_normal(w, 0));
	assert_true(conf_exit_is_normal(w, 3));
	assert_true(conf_exit_is_normal(w, 64));
	assert_true(conf_exit_is_normal(w, 255));
	assert_false(conf_exit_is_normal(w, 1));
	assert_false(conf_exit_is_normal(w, 256));
	assert_false(conf_exit_is_normal(w, -1));
	assert_int_equal(w->backoff.enabled, 1);
	assert_int_equal(w->backoff.initial_ms, 200);
	assert_int_equal(w->backoff.max_ms, 5000);
	assert_true(w->backoff.multiplier == 1.5);
	assert_true(w->backoff.jitter == 0.0);
	assert_int_equal(w->backoff.reset_after_ms, 60000);
	assert_int_equal(w->out, CONF_OUT_NULL);
	assert_int_equal(w->err, CONF_OUT_INHERIT);
	/* limits: indexed as conf_limit_names; the others unset */
	assert_string_equal(conf_limit_names[6], "nofile");
	assert_true(w->limits[6].set && w->limits[6].soft == 1024 &&
	    w->limits[6].hard == 4096);
	assert_string_equal(conf_limit_names[4], "core");
	assert_true(w->limits[4].set && w->limits[4].soft == 0 &&
	    w->limits[4].hard == 0);
	assert_true(w->limits[9].set &&
	    w->limits[9].soft == CONF_LIMIT_INFINITY &&
	    w->limits[9].hard == CONF_LIMIT_INFINITY);
	assert_true(w->limits[8].set && w->limits[8].soft == 100 &&
	    w->limits[8].hard == CONF_LIMIT_INFINITY);
	assert_false(w->limits[0].set || w->limits[7].set);
	/* cgroup: sizes in powers of 1024, the quota per 100 ms period */
	assert_true(w->cgroup.memory_max == 512ULL << 20);
	assert_true(w->cgroup.pids_max == 64);
	assert_int_equal(w->cgroup.cpu_weight, 200);
	assert_true(w->cgroup.cpu_max_us == 12500);

	k = c->root.children[1];
	assert_string_equal(k->name, "killer");
	assert_int_equal(k->shutdown_ms, CONF_SHUTDOWN_BRUTAL);
	assert_int_equal(k->stop_signal, SIGINT);
	assert_int_equal(k->umask, 63);
	assert_string_equal(k->user, "0");
	assert_int_equal(k->uid, 0);
	assert_string_equal(k->group, "root");
	assert_int_equal(k->gid, 0);
	assert_int_equal(k->ready, CONF_READY_NOTIFY);
	/* An empty backoff object turns backoff on with its defaults. */
	assert_int_equal(k->backoff.enabled, 1);
	assert_int_equal(k->backoff.initial_ms, 100);
	assert_int_equal(k->backoff.max_ms, 30000);
	assert_true(k->backoff.multiplier == 2.0);
	assert_true(k->backoff.jitter == 0.1);
	assert_int_equal(k->backoff.reset_after_ms, 10000);

	pool = c->root.children[2];
	assert_int_equal(pool->type, CONF_SUPERVISOR);
	assert_int_equal(pool->restart, CONF_TEMPORARY);
	assert_int_equal(pool->shutdown_ms, CONF_SHUTDOWN_INFINITY);
	assert_null(pool->argv);
	assert_non_null(pool->sup);
	assert_int_equal(pool->sup->strategy, CONF_SIMPLE_ONE_FOR_ONE);
	assert_int_equal(pool->sup->max_instances, 50);
	assert_int_equal(pool->sup->intensity, 0);
	assert_int_equal(pool->sup->period_ms, 5000);
	assert_int_equal(pool->sup->nchildren, 1);
	assert_string_equal(pool->sup->children[0]->name, "conn");
	assert_int_equal(pool->sup->children[0]->stop_signal, SIGUSR1);

	app = c->root.children[3];
	assert_int_equal(app->type, CONF_SUPERVISOR);
	assert_int_equal(app->restart, CONF_PERMANENT);
	assert_int_equal(app->shutdown_ms, 30000);
	assert_int_equal(app->sup->strategy, CONF_REST_FOR_ONE);
	assert_int_equal(app->sup->nchildren, 2);
	assert_string_equal(app->sup->children[0]->name, "db");
	assert_int_equal(app->sup->children[0]->shutdown_ms, 5000);
	assert_int_equal(app->sup->children[1]->type, CONF_SUPERVISOR);
	assert_int_equal(app->sup->children[1]->shutdown_ms,
	    CONF_SHUTDOWN_INFINITY);
	assert_int_equal(app->sup->children[1]->sup->nchildren, 0);
	assert_null(app->sup->children[1]->sup->children);
	conf_free(c);
}

static void
test_conf_pool(void **state)
{
	struct conf *c = load_good("pool");

	assert_int_equal(c->root.strategy, CONF_SIMPLE_ONE_FOR_ONE);
	assert_int_equal(c->root.max_instances, 10);
	assert_int_equal(c->root.nchildren, 1);
	assert_int_equal(c->root.children[0]->restart, CONF_TEMPORARY);
	conf_free(c);
}

/* Whether the address text A (IPv4 or IPv6) passes C's allow list. */
static int
peer_allowed(const struct conf_control *c, const char *a)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, a, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return conf_cidr_match(c, (struct sockaddr *)&s4);
	}
	assert_int_equal(inet_pton(AF_INET6, a, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return conf_cidr_match(c, (struct sockaddr *)&s6);
}

static void
test_conf_control(void **state)
{
	static const char text[] = "{\"control\": {"
	    "\"group\": \"root\", \"allow_users\": [\"root\", 1002],"
	    "\"allow_groups\": [\"root\", 7], \"max_request_bytes\": 1024,"
	    "\"event_ring\": 16, \"tcp\": {"
	    "\"url\": \"tls+tcp://127.0.0.1:7443\", \"cert\": \"/c.pem\","
	    "\"key\": \"/k.pem\", \"ca\": \"/ca.pem\", \"allow\": ["
	    "\"127.0.0.1/32\", \"10.1.2.3/12\", \"::1/128\","
	    "\"fd00::/8\", \"192.168.1.7\", \"2001:db8::1\"]}},"
	    "\"supervisor\": {}}";
	struct conf_errors errs = { NULL, 0 };
	struct conf_control *k;
	struct conf_cidr cidr;
	struct conf *c = NULL;

	assert_int_equal(conf_parse("m", text, strlen(text), &c, &errs), 0);
	k = &c->control;
	assert_int_equal(k->has_group, 1);
	assert_int_equal(k->gid, 0);
	assert_int_equal(k->nallow_uids, 2);
	assert_int_equal(k->allow_uids[0], 0);
	assert_int_equal(k->allow_uids[1], 1002);
	assert_int_equal(k->nallow_gids, 2);
	assert_int_equal(k->allow_gids[0], 0);
	assert_int_equal(k->allow_gids[1], 7);
	assert_int_equal(k->max_request_bytes, 1024);
	assert_int_equal(k->event_ring, 16);
	assert_string_equal(k->tcp_url, "tls+tcp://127.0.0.1:7443");
	assert_string_equal(k->tls_cert, "/c.pem");
	assert_string_equal(k->tls_key, "/k.pem");
	assert_string_equal(k->tls_ca, "/ca.pem");
	assert_int_equal(k->ntcp_allow, 6);
	assert_int_equal(k->tcp_allow[0].family, AF_INET);
	assert_int_equal(k->tcp_allow[0].prefix, 32);
	/* Host bits past the prefix are cleared. */
	assert_int_equal(k->tcp_allow[1].addr[1], 0);
	assert_int_equal(k->tcp_allow[1].prefix, 12);
	assert_int_equal(k->tcp_allow[2].family, AF_INET6);
	assert_int_equal(k->tcp_allow[4].prefix, 32);
	assert_int_equal(k->tcp_allow[5].prefix, 128);

	assert_true(peer_allowed(k, "127.0.0.1"));
	assert_false(peer_allowed(k, "127.0.0.2"));
	assert_true(peer_allowed(k, "10.0.0.1"));
	assert_true(peer_allowed(k, "10.15.255.255"));
	assert_false(peer_allowed(k, "10.16.0.0"));
	assert_true(peer_allowed(k, "::1"));
	assert_false(peer_allowed(k, "::2"));
	assert_true(peer_allowed(k, "fdff::1"));
	assert_false(peer_allowed(k, "fe00::1"));
	assert_true(peer_allowed(k, "192.168.1.7"));
	assert_false(peer_allowed(k, "192.168.1.8"));
	assert_true(peer_allowed(k, "2001:db8::1"));
	/* An IPv4-mapped IPv6 peer is matched as IPv4. */
	assert_true(peer_allowed(k, "::ffff:127.0.0.1"));
	assert_false(peer_allowed(k, "::ffff:127.0.0.9"));
	assert_false(conf_cidr_match(k, NULL));
	conf_free(c);

	assert_int_equal(conf_cidr_parse("0.0.0.0/0", &cidr), 0);
	assert_int_equal(cidr.prefix, 0);
	assert_int_equal(conf_cidr_parse("::/0", &cidr), 0);
	assert_int_equal(conf_cidr_parse("1.2.3.4/", &cidr), -1);
	assert_int_equal(conf_cidr_parse("1.2.3.4/-1", &cidr), -1);
	assert_int_equal(conf_cidr_parse("1.2.3.4/8x", &cidr), -1);
	assert_int_equal(conf_cidr_parse("::1/129", &cidr), -1);
	assert_int_equal(conf_cidr_parse("1.2.3/8", &cidr), -1);
}

/* conf_parse reads exactly LEN bytes: no NUL terminator needed. */
static void
test_conf_parse_buffer(void **state)
{
	static const char text[] = "{\"supervisor\":{\"intensity\":7}}XXXX";
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = NULL;

	assert_int_equal(conf_parse("mem", text, sizeof text - 5, &c, &errs),
	    0);
	assert_int_equal(c->root.intensity, 7);
	assert_string_equal(c->path, "mem");
	/* the text kept for diff is those bytes too (found by fuzz_conf) */
	assert_string_equal(c->text, "{\"supervisor\":{\"intensity\":7}}");
	conf_free(c);

	assert_int_equal(conf_parse("mem", text, sizeof text - 1, &c, &errs),
	    -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0],
	    "mem:1:31: (syntax): invalid JSON near 'XXXX'");
	conf_errors_clear(&errs);

	assert_int_equal(conf_parse("empty", "", 0, &c, &errs), -1);
	assert_string_equal(errs.msgs[0],
	    "empty:1:1: (syntax): invalid JSON: unexpected end of file");
	conf_errors_clear(&errs);
}

static void
test_conf_child_parse(void **state)
{
	static const char good[] = "{\"name\":\"x\",\"command\":\"true\"}";
	static const char bad[] = "{\"name\":\"x\",\n \"restart\":\"never\"}";
	struct conf_errors errs = { NULL, 0 };
	struct conf_child *c = NULL;

	assert_int_equal(conf_child_parse("req", good, strlen(good), &c, &errs),
	    0);
	assert_string_equal(c->name, "x");
	assert_string_equal(c->argv[2], "true");
	assert_int_equal(c->shutdown_ms, 5000);
	conf_child_free(c);

	assert_int_equal(conf_child_parse("req", bad, strlen(bad), &c, &errs),
	    -1);
	assert_null(c);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.msgs[0],
	    "req:1:1: (root): missing required key \"command\"");
	assert_string_equal(errs.msgs[1], "req:2:12: restart: expected one of "
	    "permanent, transient, temporary, found \"never\"");
	conf_errors_clear(&errs);
	conf_child_free(NULL);
	conf_free(NULL);
}

/* The example in docs/config.md is good-example.json, and loads. */
static void
test_conf_doc_example(void **state)
{
	char *doc = read_all("docs/config.md");
	char *fix = read_all(FIXTURES "good-example.json");
	char *a, *b;
	struct conf *c;

	a = strstr(doc, "```json\n");
	assert_non_null(a);
	a += 8;
	b = strstr(a, "```");
	assert_non_null(b);
	*b = '\0';
	assert_string_equal(a, fix);
	free(doc);
	free(fix);

	c = load_good("example");
	assert_int_equal(c->root.strategy, CONF_ONE_FOR_ALL);
	assert_int_equal(c->root.nchildren, 3);
	assert_int_equal(c->root.children[0]->stop_signal, SIGINT);
	assert_int_equal(c->root.children[0]->has_uid, 1);
	assert_int_equal(c->root.children[0]->has_gid, 1);
	assert_int_equal(c->root.children[1]->sup->children[0]->umask, 027);
	assert_int_equal(c->root.children[1]->sup->children[1]->sup->strategy,
	    CONF_SIMPLE_ONE_FOR_ONE);
	assert_int_equal(c->root.children[2]->shutdown_ms,
	    CONF_SHUTDOWN_BRUTAL);
	conf_free(c);
}

/* Step sagas: every field, the defaults, shell strings as sh -c. */
static void
test_conf_sagas(void **state)
{
	struct conf *c = load_good("sagas");
	const struct conf_saga *o, *p;
	const struct conf_step *st;

	assert_int_equal(c->sagas.n, 2);
	o = &c->sagas.v[0];
	p = &c->sagas.v[1];
	assert_string_equal(o->name, "order");
	assert_int_equal(o->two_phase, 0);
	assert_int_equal(o->lifespan_ms, 20000);
	assert_int_equal(o->nsteps, 3);
	st = &o->steps[0];
	assert_string_equal(st->name, "reserve");
	assert_int_equal(st->action.kind, CONF_ACTION_ACTOR);
	assert_string_equal(st->action.actor, "stock");
	assert_string_equal(st->action.value, "{\"op\":\"reserve\"}");
	assert_int_equal(st->compensate.kind, CONF_ACTION_ACTOR);
	assert_null(st->compensate.value);
	assert_int_equal(st->timeout_ms, 30000);
	assert_int_equal(st->retries, 0);
	assert_int_equal(st->retry_delay_ms, 100);
	st = &o->steps[1];
	assert_int_equal(st->action.kind, CONF_ACTION_COMMAND);
	assert_string_equal(st->action.argv[1], "--card");
	assert_string_equal(st->compensate.argv[0], "/bin/sh");
	assert_string_equal(st->compensate.argv[2], "refund");
	assert_int_equal(st->timeout_ms, 2000);
	assert_int_equal(st->retries, 2);
	assert_int_equal(st->retry_delay_ms, 50);
	assert_int_equal(o->steps[2].compensate.kind, CONF_ACTION_NONE);
	assert_string_equal(p->name, "pay");
	assert_int_equal(p->two_phase, 1);
	conf_free(c);
}

/* A byte order mark is skipped but counted in columns; CRLF ends lines. */
static void
test_conf_bom_crlf(void **state)
{
	static const char text[] = "\xEF\xBB\xBF{\r\n \"supervisor\": {\r\n"
	    "  \"intensity\": \"x\"}}\r\n";
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = NULL;

	assert_int_equal(conf_parse("m", text, sizeof text - 1, &c, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "m:3:16: supervisor.intensity: "
	    "expected an integer >= 0, found \"x\"");
	conf_errors_clear(&errs);
}

static void
test_conf_names(void **state)
{
	assert_string_equal(conf_type_name(CONF_SUPERVISOR), "supervisor");
	assert_string_equal(conf_strategy_name(CONF_SIMPLE_ONE_FOR_ONE),
	    "simple_one_for_one");
	assert_string_equal(conf_restart_name(CONF_TRANSIENT), "transient");
	assert_string_equal(conf_ready_name(CONF_READY_NOTIFY), "notify");
	assert_string_equal(conf_auto_shutdown_name(CONF_AUTO_ALL_SIGNIFICANT),
	    "all_significant");
	assert_string_equal(conf_output_name(CONF_OUT_INHERIT), "inherit");
	assert_string_equal(conf_strategy_name((enum conf_strategy)99), "?");
	assert_string_equal(conf_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(conf_signal_name(SIGTERM), "SIGTERM");
	assert_null(conf_signal_name(0));
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_conf_fixtures_all_listed),
		cmocka_unit_test(test_conf_missing_file),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_full),
		cmocka_unit_test(test_conf_pool),
		cmocka_unit_test(test_conf_control),
		cmocka_unit_test(test_conf_parse_buffer),
		cmocka_unit_test(test_conf_child_parse),
		cmocka_unit_test(test_conf_doc_example),
		cmocka_unit_test(test_conf_sagas),
		cmocka_unit_test(test_conf_bom_crlf),
		cmocka_unit_test(test_conf_names),
	};
	struct CMUnitTest tests[sizeof fixed / sizeof fixed[0] + NBAD];
	const char *src = getenv("HERD_SRC");
	size_t i, n = 0;

	if (src != NULL && chdir(src) != 0) {
		perror(src);
		return 1;
	}
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		tests[n++] = fixed[i];
	/* One test per bad fixture, named after it. */
	for (i = 0; i < NBAD; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(
		    test_conf_bad_fixture, (void *)bad_fixtures[i]);
		tests[n++].name = bad_fixtures[i];
	}
	return _cmocka_run_group_tests("conf", tests, n, NULL, NULL);
}
