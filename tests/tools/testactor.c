/*
 * testactor: an actor with scripted behaviour for herd's integration tests.
 *   testactor FILE [fail-init | register=NAME | monitor=NAME | link=NAME |
 *       unready | send=NAME | call=NAME]...
 * Casts {"op":"log","x":N} append "cast N" to FILE; calls answer
 * {"op":"echo",...} with the request, never answer {"op":"hang"} (it
 * appends "hang" to FILE), end the
 * actor on {"op":"exit","reason":R} (herd_exit) and {"op":"error"} (a
 * callback error); {"op":"send"} and {"op":"ask"} cast to and call other
 * actors (see below); {"op":"defer"} is answered at the next cast
 * {"op":"release"}; inspect shows the casts seen; terminate appends
 * "terminate REASON" to FILE. {"op":"watch","do":D,...} monitors,
 * demonitors, links, unlinks, traps exits or sends an exit signal (see
 * ta_watch); handle_info appends "down NAME REASON" or "exit NAME
 * REASON". The cast {"op":"stall"} does not return (a hung loop, for
 * liveness and full mailboxes) until the file its "until" names exists;
 * the call {"op":"ready","on":B} is herd_set_ready(B); send=NAME casts
 * {"op":"log","x":0} to NAME from init, call=NAME calls it from init and
 * appends "init call RV". The cast {"op":"nap","ms":M} takes M ms; the
 * call {"op":"naps","to":NAME,"n":N,"ms":M} sends N of them to NAME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <herd.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>

#include "herdi.h" /* op "node": a raw request to herdd's node socket */

struct ta {
	const char *file;
	long casts;
	herd_ref deferred;
};

static void
note(struct ta *t, const char *fmt, const char *arg)
{
	FILE *f = fopen(t->file, "a");

	if (f == NULL)
		return;
	fprintf(f, fmt, arg);
	fclose(f);
}

static const char *
op_of(const cJSON *m)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(m, "op");

	return cJSON_IsString(op) ? op->valuestring : "";
}

/* Blocks (the actor's loop is stuck) until the file PATH exists, woken
 * by inotify on its directory; forever when PATH is NULL. */
static void
stall_until(const char *path)
{
	char dir[4096], buf[4096], *slash;
	int fd;

	if (path == NULL || (slash = strrchr(path, '/')) == NULL) {
		for (;;)
			pause();
	}
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if ((fd = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) == -1)
		abort();
	while (access(path, F_OK) != 0)
		if (read(fd, buf, sizeof buf) == -1)
			abort();
	close(fd);
}

static int
ta_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct ta *t = herd_state(self);
	cJSON *m = cJSON_ParseWithLength(msg, len), *x;
	char buf[64];

	t->casts++;
	x = cJSON_GetObjectItemCaseSensitive(m, "x");
	if (strcmp(op_of(m), "release") == 0 && t->deferred != 0) {
		herd_reply(self, t->deferred, "{\"late\":true}", 14);
		t->deferred = 0;
	}
	if (strcmp(op_of(m), "log") == 0 && cJSON_IsNumber(x)) {
		snprintf(buf, sizeof buf, "%.0f", x->valuedouble);
		note(t, "cast %s\n", buf);
	}
	if (strcmp(op_of(m), "nap") == 0 && cJSON_IsNumber(cJSON_GetObjectItem(
	    m, "ms"))) {
		/* a cast that takes its time (work, not a wait for
		 * anything): a backlog behind it */
		long ms = (long)cJSON_GetObjectItem(m, "ms")->valuedouble;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (strcmp(op_of(m), "stall") == 0) {
		/* a callback that does not return (until the file "until"
		 * names exists): the loop is stuck */
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(m, "until");
		note(t, "%s\n", "stall");
		stall_until(cJSON_IsString(u) ? u->valuestring : NULL);
	}
	cJSON_Delete(m);
	return 0;
}

/* {"op":"send","to":NAME,"n":N}: casts {"op":"log","x":i}, i = 1..N, to
 * NAME; answers {"sent":k,"rv":"..."} (rv: herd_strerror of the first
 * failure, "success" if none). */
static int
ta_send(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
	char msg[64], out[160];
	int i, rv = 0, count = cJSON_IsNumber(n) ? n->valueint : 1;

	for (i = 1; i <= count && rv == 0; i++) {
		snprintf(msg, sizeof msg, "{\"op\":\"log\",\"x\":%d}", i);
		rv = herd_cast_name(self, cJSON_IsString(to) ? to->valuestring :
		    "", msg, strlen(msg));
	}
	snprintf(out, sizeof out, "{\"sent\":%d,\"rv\":\"%s\"}",
	    rv == 0 ? count : i - 2, herd_strerror(rv));
	return herd_reply(self, ref, out, strlen(out));
}

/* {"op":"naps","to":NAME,"n":N,"ms":M}: N casts {"op":"nap","ms":M} to
 * NAME, each taking M ms there; answers {"rv":..}. */
static int
ta_naps(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(m, "ms");
	char msg[64], out[96];
	int i, rv = 0;

	snprintf(msg, sizeof msg, "{\"op\":\"nap\",\"ms\":%d}",
	    cJSON_IsNumber(ms) ? ms->valueint : 1);
	for (i = 0; rv == 0 && i < (cJSON_IsNumber(n) ? n->valueint : 1); i++)
		rv = herd_cast_name(self, cJSON_IsString(to) ? to->valuestring :
		    "", msg, strlen(msg));
	snprintf(out, sizeof out, "{\"rv\":\"%s\"}", herd_strerror(rv));
	return herd_reply(self, ref, out, strlen(out));
}

/* {"op":"blast","to":NAME,"n":N,"size":S}: N casts of S bytes (not
 * JSON) to NAME, for throughput and bounds; answers {"sent":k,"rv":..}. */
static int
ta_blast(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(m, "size");
	herd_id dest;
	char out[160], *pad;
	int i = 0, rv, count = cJSON_IsNumber(n) ? n->valueint : 1;
	size_t size = cJSON_IsNumber(sz) ? (size_t)sz->valuedouble : 64;

	if ((pad = malloc(size > 0 ? size : 1)) == NULL)
		return HERD_ENOMEM;
	memset(pad, 'x', size);
	rv = herd_whereis(self, cJSON_IsString(to) ? to->valuestring : "",
	    &dest);
	for (; rv == 0 && i < count; i++)
		if ((rv = herd_cast(self, dest, pad, size)) != 0)
			break;
	free(pad);
	snprintf(out, sizeof out, "{\"sent\":%d,\"rv\":\"%s\"}", i,
	    herd_strerror(rv));
	return herd_reply(self, ref, out, strlen(out));
}

static nng_socket raw;
static int raw_open;

/* {"op":"raw","to":NAME,"hex":H}: sends the bytes H (hex) as one nng
 * message to NAME's mailbox on a connection of its own, past libherd's
 * encoder (malformed input from a process of the node); answers
 * {"rv":..}. */
static int
ta_raw(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const cJSON *hex = cJSON_GetObjectItemCaseSensitive(m, "hex");
	const char *mine = getenv("HERD_MAILBOX"), *cut;
	char url[4600], out[96];
	unsigned char *buf;
	size_t i, n;
	herd_id dest;
	int rv = 0;

	if (!cJSON_IsString(hex) || mine == NULL ||
	    (cut = strstr(mine, "/actors/")) == NULL)
		return HERD_EINVAL;
	if ((rv = herd_whereis(self, cJSON_IsString(to) ? to->valuestring :
	    "", &dest)) != 0)
		return rv;
	/* (the first call's target is the one kept) */
	snprintf(url, sizeof url, "%.*s/actors/%llu/m.sock",
	    (int)(cut - mine), mine, (unsigned long long)(dest.v &
	    0xffffffffu));
	n = strlen(hex->valuestring) / 2;
	if ((buf = malloc(n + 1)) == NULL)
		return HERD_ENOMEM;
	for (i = 0; i < n; i++)
		sscanf(hex->valuestring + 2 * i, "%2hhx", &buf[i]);
	/* one connection, kept (a close could drop what is not yet out) */
	if (!raw_open && (rv = nng_push0_open(&raw)) == 0) {
		raw_open = 1;
		rv = nng_dial(raw, url, NULL, 0);
	}
	if (rv == 0)
		rv = nng_send(raw, buf, n, 0);
	free(buf);
	snprintf(out, sizeof out, "{\"rv\":\"%s\"}", nng_strerror(rv));
	return herd_reply(self, ref, out, strlen(out));
}

/* {"op":"ask","to":NAME,"req":JSON,"timeout":MS} ("to":"self": itself):
 * calls NAME; answers {"rv":..,"reply":..,"reason":..}. */
static void
ta_ask(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(m, "to");
	const cJSON *tmo = cJSON_GetObjectItemCaseSensitive(m, "timeout");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(m, "req");
	cJSON *out = cJSON_CreateObject(), *rj = NULL;
	int rv, ms = cJSON_IsNumber(tmo) ? tmo->valueint : 0;

	if (req == NULL)
		rv = HERD_EINVAL;
	else if (cJSON_IsString(to) && strcmp(to->valuestring, "self") == 0)
		rv = herd_call_json(self, herd_self(self), req, ms, &rj);
	else
		rv = herd_call_name_json(self, cJSON_IsString(to) ?
		    to->valuestring : "", req, ms, &rj);
	cJSON_AddStringToObject(out, "rv", herd_strerror(rv));
	cJSON_AddStringToObject(out, "reason", herd_last_reason(self));
	if (rj != NULL)
		cJSON_AddItemToObject(out, "reply", rj);
	herd_reply_json(self, ref, out);
	cJSON_Delete(out);
}

/* {"op":"watch","do":"monitor"|"link"|"unlink","target":NAME},
 * {"do":"demonitor","ref":N}, {"do":"trap","on":BOOL},
 * {"do":"signal","target":NAME,"reason":R}, {"do":"after","target":
 * NAME or "self","ms":MS,"x":K} (sends {"op":"log","x":K} then),
 * {"do":"cancel","ref":N}, {"do":"register"|"unregister","target":NAME}:
 * answers {"rv":..,"ref":N}. */
static void
ta_watch(herd_actor *self, herd_ref ref, const cJSON *m)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "do");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "target");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "ref");
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(m, "reason");
	const char *what = cJSON_IsString(d) ? d->valuestring : "";
	const char *target = cJSON_IsString(t) ? t->valuestring : "";
	herd_ref mref = 0;
	char out[160];
	int rv = HERD_EINVAL;

	if (strcmp(what, "monitor") == 0)
		rv = herd_monitor_name(self, target, &mref);
	else if (strcmp(what, "demonitor") == 0 && cJSON_IsNumber(r))
		rv = herd_demonitor(self, (herd_ref)r->valuedouble);
	else if (strcmp(what, "link") == 0)
		rv = herd_link_name(self, target);
	else if (strcmp(what, "unlink") == 0)
		rv = herd_unlink_name(self, target);
	else if (strcmp(what, "trap") == 0)
		rv = herd_trap_exit(self, cJSON_IsTrue(cJSON_GetObjectItem(m,
		    "on"))) < 0 ? HERD_EINVAL : 0;
	else if (strcmp(what, "after") == 0) {
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(m, "ms");
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, "x");
		herd_id to = herd_self(self);
		char msg[64];
		rv = strcmp(target, "self") == 0 ? 0 : herd_whereis(self,
		    target, &to);
		snprintf(msg, sizeof msg, "{\"op\":\"log\",\"x\":%d}",
		    cJSON_IsNumber(x) ? x->valueint : 0);
		if (rv == 0)
			rv = herd_send_after(self, to, msg, strlen(msg),
			    cJSON_IsNumber(ms) ? ms->valueint : 0, &mref);
	} else if (strcmp(what, "register") == 0)
		rv = herd_register(self, target);
	else if (strcmp(what, "unregister") == 0)
		rv = herd_unregister(self, target);
	else if (strcmp(what, "cancel") == 0 && cJSON_IsNumber(r))
		rv = herd_cancel_timer(self, (herd_ref)r->valuedouble);
	else if (strcmp(what, "signal") == 0)
		rv = herd_exit_signal_name(self, target, cJSON_IsString(why) ?
		    why->valuestring : "");
	snprintf(out, sizeof out, "{\"rv\":\"%s\",\"ref\":%llu}",
	    herd_strerror(rv), (unsigned long long)mref);
	herd_reply(self, ref, out, strlen(out));
}

static int
ta_info(herd_actor *self, const struct herd_info *in)
{
	char line[512];

	if (in->kind == HERD_INFO_TIMER)
		snprintf(line, sizeof line, "timer %.*s", (int)in->len,
		    (const char *)in->msg);
	else
		snprintf(line, sizeof line, "%s %s %s", in->kind ==
		    HERD_INFO_DOWN ? "down" : "exit", in->name, in->reason);
	note(herd_state(self), "%s\n", line);
	return 0;
}

static int
ta_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	cJSON *m = cJSON_ParseWithLength(req, len), *r;
	const char *op = op_of(m);
	int rv = 0;

	if (strcmp(op, "echo") == 0) {
		herd_reply(self, ref, req, len);
	} else if (strcmp(op, "hang") == 0) {
		note(herd_state(self), "%s\n", "hang"); /* never answered */
	} else if (strcmp(op, "exit") == 0) {
		r = cJSON_GetObjectItemCaseSensitive(m, "reason");
		herd_exit(self, cJSON_IsString(r) ? r->valuestring : "normal");
	} else if (strcmp(op, "error") == 0) {
		rv = HERD_EINVAL;
	} else if (strcmp(op, "send") == 0) {
		rv = ta_send(self, ref, m);
	} else if (strcmp(op, "blast") == 0) {
		rv = ta_blast(self, ref, m);
	} else if (strcmp(op, "naps") == 0) {
		rv = ta_naps(self, ref, m);
	} else if (strcmp(op, "raw") == 0) {
		rv = ta_raw(self, ref, m);
	} else if (strcmp(op, "node") == 0) {
		/* {"op":"node","req":OP,"args":{...}}: herdd's whole reply */
		cJSON *rep = herdi_node_call(&self->node,
		    cJSON_GetObjectItemCaseSensitive(m, "req")->valuestring,
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "args"),
		    1));
		rv = rep != NULL ? herd_reply_json(self, ref, rep) :
		    herd_reply(self, ref, "null", 4);
		cJSON_Delete(rep);
	} else if (strcmp(op, "ask") == 0) {
		ta_ask(self, ref, m);
	} else if (strcmp(op, "watch") == 0) {
		ta_watch(self, ref, m);
	} else if (strcmp(op, "ready") == 0) {
		r = cJSON_GetObjectItemCaseSensitive(m, "on");
		rv = herd_set_ready(self, cJSON_IsTrue(r));
		herd_reply(self, ref, "{}", 2);
	} else if (strcmp(op, "defer") == 0) {
		struct ta *t = herd_state(self);
		t->deferred = ref; /* answered at the cast "release" */
		note(t, "%s\n", "deferred");
	} else {
		herd_reply_error(self, ref, "bad_request", "unknown op");
	}
	cJSON_Delete(m);
	return rv;
}

static int
ta_inspect(herd_actor *self, herd_kv *kv)
{
	struct ta *t = herd_state(self);

	return herd_kv_add(kv, "casts", "%ld", t->casts);
}

static int
ta_init(herd_actor *self, int argc, char **argv)
{
	herd_ref ref;
	int i, rv = 0;

	for (i = 2; i < argc && rv == 0; i++) {
		if (strcmp(argv[i], "fail-init") == 0)
			rv = HERD_EINVAL;
		else if (strncmp(argv[i], "register=", 9) == 0)
			rv = herd_register(self, argv[i] + 9);
		else if (strncmp(argv[i], "monitor=", 8) == 0)
			rv = herd_monitor_name(self, argv[i] + 8, &ref);
		else if (strncmp(argv[i], "send=", 5) == 0)
			rv = herd_cast_name(self, argv[i] + 5,
			    "{\"op\":\"log\",\"x\":0}", 18);
		else if (strncmp(argv[i], "call=", 5) == 0) {
			void *out = NULL;
			size_t len = 0;
			note(herd_state(self), "init call %s\n", herd_strerror(
			    herd_call_name(self, argv[i] + 5, "{}", 2, 500,
			    &out, &len)));
			free(out);
		} else if (strcmp(argv[i], "unready") == 0)
			rv = herd_set_ready(self, 0);
		else if (strncmp(argv[i], "link=", 5) == 0)
			rv = herd_link_name(self, argv[i] + 5);
	}
	return rv;
}

static void
ta_terminate(herd_actor *self, const char *reason)
{
	note(herd_state(self), "terminate %s\n", reason);
	if (raw_open)
		nng_close(raw);
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = {
		.init = ta_init,
		.handle_cast = ta_cast,
		.handle_call = ta_call,
		.inspect = ta_inspect,
		.terminate = ta_terminate,
		.handle_info = ta_info,
	};
	struct ta t = { argc > 1 ? argv[1] : "/dev/null", 0, 0 };
	int rv = herd_actor_run(&ops, &t, argc, argv);

	if (rv < 0) {
		fprintf(stderr, "testactor: %s\n", herd_strerror(rv));
		return 2;
	}
	return rv;
}
