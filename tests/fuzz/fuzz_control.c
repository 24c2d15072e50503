/*
 * libFuzzer target for herdd's control plane: any bytes a client sends
 * to the control socket go through control_handle, which sizes and
 * decodes the request (ipc_request_decode), checks who may send it and
 * runs the op with its arguments: every op of herdctl's, event replay
 * (events since) included. Here it runs on herdd's own objects, over a
 * tree booted from a config with workers, a nested supervisor, a pool and
 * temporary and transient children; only processes are faked (spawn gives
 * a pid, kill queues a death), so ops that start, stop, signal, add,
 * delete or reload run the engine for real. After each input the queued
 * deaths and timers run until the tree is quiet, and the tree is rebuilt.
 *
 * What must hold: no crash, leak or undefined behaviour (ASan, UBSan);
 * every reply herdd sends is one JSON object with "v", the request's
 * "id" (0 when it could not be read) and either "ok":true with "result"
 * or "ok":false with an error whose code and message are strings.
 *
 * Two things cannot be real in one process and are wrapped at link time
 * (-Wl,--wrap): the peer's credentials (nng_msg has no pipe here; the
 * peer is root, so every op runs) and nng_sendmsg on the control socket,
 * whose replies are checked and dropped instead of routed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <nng/nng.h>

#include "control.h"
#include "events.h"
#include "guard.h"
#include "herdd.h"
#include "log.h"
#include "node.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_nng_sendmsg(nng_socket s, nng_msg *m, int flags);
int __real_nng_sendmsg(nng_socket s, nng_msg *m, int flags);
void __wrap_access_identify(struct request *r);

/* The tree every input starts from: each kind of node an op can name. */
static const char config_text[] =
    "{\"log_level\":\"error\",\"supervisor\":{\"strategy\":"
    "\"one_for_one\",\"intensity\":1000,"
    "\"children\":["
    "{\"name\":\"web\",\"command\":[\"/bin/web\",\"--port\",\"80\"]},"
    "{\"name\":\"once\",\"command\":\"/bin/once\",\"restart\":\"temporary\"},"
    "{\"name\":\"job\",\"command\":\"/bin/job\",\"restart\":\"transient\","
    "\"env\":{\"A\":\"1\"}},"
    "{\"name\":\"api\",\"type\":\"supervisor\",\"strategy\":\"rest_for_one\","
    "\"children\":[{\"name\":\"db\",\"command\":\"/bin/db\"},"
    "{\"name\":\"app\",\"command\":\"/bin/app\",\"shutdown\":100}]},"
    "{\"name\":\"pool\",\"type\":\"supervisor\",\"strategy\":"
    "\"simple_one_for_one\",\"max_instances\":4,\"children\":["
    "{\"name\":\"conn\",\"command\":\"/bin/conn\",\"restart\":"
    "\"temporary\"}]}]}}";

/* A process the fake driver was asked to signal: its death comes next. */
struct pend {
	struct child *c;
	pid_t pid;
	int sig;
};

#define NPEND 256

static struct {
	struct herdd h;
	struct conf *pristine;       /* the config as parsed at start */
	char dir[64], conf_path[96];
	pid_t next_pid;
	uint64_t now;
	struct pend deaths[NPEND];
	size_t ndeaths;
	struct child *timers[NPEND]; /* stop timers running */
	size_t ntimers;
	struct pend retries[NPEND];  /* retry timers: c and its gen (pid) */
	size_t nretries;
} w;

static void
drop(struct pend *v, size_t *n, const struct child *c)
{
	size_t i = 0;

	while (i < *n)
		if (v[i].c == c)
			v[i] = v[--*n];
		else
			i++;
}

/* ---- the fake process layer: the engine's driver without processes ---- */

static uint64_t
f_now_ms(void *ctx)
{
	return w.now += 7;
}

static int
f_spawn(void *ctx, struct child *c, char *cause, size_t len)
{
	c->pid = w.next_pid++;
	if (w.next_pid > 4000000)
		w.next_pid = 3000000;
	return 1;
}

static void
f_kill(void *ctx, struct child *c, int sig)
{
	size_t i;

	if (sig == SIGCONT || sig == 0 || c->pid <= 0)
		return;
	for (i = 0; i < w.ndeaths; i++)
		if (w.deaths[i].pid == c->pid)
			return;
	if (w.ndeaths < NPEND)
		w.deaths[w.ndeaths++] = (struct pend){ c, c->pid, sig };
}

static void
f_stop_timer(void *ctx, struct child *c, long ms)
{
	size_t i;

	for (i = 0; i < w.ntimers; i++)
		if (w.timers[i] == c)
			return;
	if (w.ntimers < NPEND)
		w.timers[w.ntimers++] = c;
}

static void
f_cancel_timer(void *ctx, struct child *c)
{
	size_t i;

	for (i = 0; i < w.ntimers; i++)
		if (w.timers[i] == c) {
			w.timers[i] = w.timers[--w.ntimers];
			return;
		}
}

static void
f_retry_timer(void *ctx, struct child *c, unsigned ms)
{
	drop(w.retries, &w.nretries, c);
	if (w.nretries < NPEND)
		w.retries[w.nretries++] = (struct pend){ c, (pid_t)c->gen, 0 };
}

static void
f_event(void *ctx, const char *topic, struct child *c, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "path", c->path);
	cJSON_AddNumberToObject(o, "pid", c->pid);
	if (reason != NULL)
		cJSON_AddStringToObject(o, "reason", reason);
	events_publish(w.h.events, topic, o);
	herdd_tell(&w.h, topic, c, reason);
}

static void
f_finish(void *ctx, int code, const char *why)
{
	w.h.finished = 1;
	w.h.exit_code = code;
}

static void
f_release(void *ctx, struct child *c)
{
	size_t i;

	herdd_tell(&w.h, "child.released", c, NULL);
	if (c->swept)
		ended_record(&w.h, c);
	drop(w.deaths, &w.ndeaths, c);
	drop(w.retries, &w.nretries, c);
	for (i = 0; i < w.ntimers; i++)
		if (w.timers[i] == c)
			w.timers[i--] = w.timers[--w.ntimers];
}

static const struct engine_ops fake_ops = {
	f_now_ms, f_spawn, f_kill, f_stop_timer, f_cancel_timer,
	f_retry_timer, f_event, f_finish, f_release,
};

/* Runs what the input set going (deaths, then due retries, then stop
 * timeouts) until nothing is left, as herdd's loop would. */
static void
settle(void)
{
	struct pend p;
	struct child *c;
	int n;

	for (n = 0; n < 10000; n++) {
		if (w.ndeaths > 0) {
			p = w.deaths[0];
			w.deaths[0] = w.deaths[--w.ndeaths];
			if (p.c->pid == p.pid)
				engine_child_exited(&w.h.engine, p.c, p.sig);
		} else if (w.nretries > 0) {
			p = w.retries[0];
			w.retries[0] = w.retries[--w.nretries];
			engine_retry(&w.h.engine, p.c, (unsigned)p.pid);
		} else if (w.ntimers > 0) {
			c = w.timers[0];
			w.timers[0] = w.timers[--w.ntimers];
			engine_stop_timeout(&w.h.engine, c);
		} else
			break;
	}
	if (n == 10000)
		abort(); /* the engine never settles: a loop */
	event_base_loop(w.h.base, EVLOOP_NONBLOCK);
}

static void
release_one(struct child *c, void *arg)
{
	fake_ops.release(arg, c);
}

static void
tree_up(void)
{
	w.h.root = tree_create(w.h.conf);
	engine_init(&w.h.engine, &fake_ops, &w.h, w.h.root);
	w.h.finished = 0;
	engine_boot(&w.h.engine);
	settle();
}

static void
tree_down(void)
{
	release_one(w.h.root, &w.h);
	tree_walk(w.h.root, release_one, &w.h);
	tree_destroy(w.h.root);
	w.h.root = NULL;
	ended_free_all(&w.h);
	w.ndeaths = w.ntimers = w.nretries = 0;
}

static void
load_config(void)
{
	struct conf_errors errs = { 0 };

	if (conf_load(w.conf_path, &w.h.conf, &errs) == -1) {
		fprintf(stderr, "fuzz_control: %s\n",
		    errs.n ? errs.msgs[0] : "?");
		abort();
	}
	conf_override_dirs(w.h.conf, w.dir, w.dir);
	w.pristine = w.h.conf;
}

static void
cleanup(void)
{
	char sock[128];

	tree_down();
	node_destroy(w.h.node);
	control_destroy(w.h.control);
	events_destroy(w.h.events);
	guard_destroy(w.h.guard);
	event_base_free(w.h.base);
	conf_free(w.h.conf);
	conf_free(w.h.old_conf);
	close(w.h.run_dirfd);
	close(w.h.log_dirfd);
	snprintf(sock, sizeof sock, "%s/control.sock", w.dir);
	unlink(sock);
	snprintf(sock, sizeof sock, "%s/events.sock", w.dir);
	unlink(sock);
	unlink(w.conf_path);
	rmdir(w.dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char cause[512];
	FILE *f;

	snprintf(w.dir, sizeof w.dir, "/tmp/herd-fuzz-control.XXXXXX");
	if (mkdtemp(w.dir) == NULL)
		abort();
	snprintf(w.conf_path, sizeof w.conf_path, "%s/herd.json", w.dir);
	if ((f = fopen(w.conf_path, "w")) == NULL ||
	    fputs(config_text, f) == EOF || fclose(f) != 0)
		abort();
	load_config();
	w.next_pid = 3000000;
	log_init(LOG_LVL_ERROR); /* a reload's info lines, per input */
	if ((w.h.run_dirfd = open(w.dir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (w.h.log_dirfd = dup(w.h.run_dirfd)) == -1)
		abort();
	w.h.notify_dirfd = w.h.actors_dirfd = -1;
	w.h.run_dir_mode = 0700;
	w.h.run_bind = w.dir;
	w.h.run_dir_arg = w.h.log_dir_arg = w.dir; /* over reloads too */
	w.h.base = event_base_new();
	w.h.guard = guard_create(w.h.base);
	w.h.events = events_create(w.h.guard, w.dir, 64, 0600, -1, cause,
	    sizeof cause);
	w.h.node = node_create(&w.h);
	w.h.control = control_create(&w.h, cause, sizeof cause);
	if (w.h.events == NULL || w.h.control == NULL) {
		fprintf(stderr, "fuzz_control: %s\n", cause);
		abort();
	}
	herdd_observe(&w.h, control_on_event, w.h.control);
	herdd_observe(&w.h, reload_observe, &w.h);
	herdd_observe(&w.h, node_observe, w.h.node);
	tree_up();
	atexit(cleanup);
	return 0;
}

/* ---- the two wrapped calls ---- */

void
__wrap_access_identify(struct request *r)
{
	r->uid = 0;
	r->gid = 0;
	r->tcp = 0;
}

/* A reply: one JSON envelope, as docs/protocol.md says. */
static void
check_reply(const char *s, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(s, len), *ok, *err;

	if (j == NULL || !cJSON_IsObject(j) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "v")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "id")))
		abort();
	ok = cJSON_GetObjectItemCaseSensitive(j, "ok");
	if (cJSON_IsTrue(ok)) {
		if (cJSON_GetObjectItemCaseSensitive(j, "result") == NULL)
			abort();
	} else if (cJSON_IsFalse(ok)) {
		err = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err,
		    "code")) || !cJSON_IsString(
		    cJSON_GetObjectItemCaseSensitive(err, "message")))
			abort();
	} else
		abort();
	cJSON_Delete(j);
}

int
__wrap_nng_sendmsg(nng_socket s, nng_msg *m, int flags)
{
	if (w.h.control == NULL || s.id != w.h.control->sock.id)
		return __real_nng_sendmsg(s, m, flags);
	check_reply(nng_msg_body(m), nng_msg_len(m));
	nng_msg_free(m);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nng_msg *msg;
	uint32_t route = 0x80000001u; /* a request id header, as rep0's */

	if (size > 2 * IPC_REQUEST_MAX)
		return 0;
	if (nng_msg_alloc(&msg, 0) != 0)
		abort();
	nng_msg_header_append(msg, &route, sizeof route);
	nng_msg_append(msg, data, size);
	control_handle(w.h.control, msg);
	nng_msg_free(msg);
	settle();
	/* the next input starts from the same tree (a shutdown ended it)
	 * and config: parsing it per input was most of an input's time, so
	 * it is parsed again only when a reload swapped it (the pristine
	 * one is then old_conf, or was freed when the reload ended) */
	tree_down();
	if (w.h.conf != w.pristine) {
		conf_free(w.h.old_conf);
		w.h.old_conf = NULL;
		conf_free(w.h.conf);
		load_config();
	}
	tree_up();
	return 0;
}
