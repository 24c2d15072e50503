/*
 * testactor: an actor with scripted behaviour for herd's integration tests.
 *   testactor FILE [fail-init]
 * Casts {"op":"log","x":N} append "cast N" to FILE; calls answer
 * {"op":"echo",...} with the request, never answer {"op":"hang"} (it
 * appends "hang" to FILE), end the
 * actor on {"op":"exit","reason":R} (herd_exit) and {"op":"error"} (a
 * callback error); inspect shows the casts seen; terminate appends
 * "terminate REASON" to FILE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

struct ta {
	const char *file;
	long casts;
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

static int
ta_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct ta *t = herd_state(self);
	cJSON *m = cJSON_ParseWithLength(msg, len), *x;
	char buf[64];

	t->casts++;
	x = cJSON_GetObjectItemCaseSensitive(m, "x");
	if (strcmp(op_of(m), "log") == 0 && cJSON_IsNumber(x)) {
		snprintf(buf, sizeof buf, "%.0f", x->valuedouble);
		note(t, "cast %s\n", buf);
	}
	cJSON_Delete(m);
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
	if (argc > 2 && strcmp(argv[2], "fail-init") == 0)
		return HERD_EINVAL;
	return 0;
}

static void
ta_terminate(herd_actor *self, const char *reason)
{
	note(herd_state(self), "terminate %s\n", reason);
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
	};
	struct ta t = { argc > 1 ? argv[1] : "/dev/null", 0 };
	int rv = herd_actor_run(&ops, &t, argc, argv);

	if (rv < 0) {
		fprintf(stderr, "testactor: %s\n", herd_strerror(rv));
		return 2;
	}
	return rv;
}
