/*
 * counter: the smallest useful actor. It keeps a number; calls
 * {"op":"get"} and {"op":"incr","by":N} answer with it, a cast of
 * {"op":"incr"} adds without an answer, and inspect shows it. Run it under
 * herdd as "type": "actor" (examples/demo.json), then:
 *   herdctl call counter '{"op":"incr","by":2}'
 *   herdctl inspect counter
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

struct counter {
	long long n;
};

/* Applies an {"op": ...} message; returns the answer (caller frees) or
 * NULL for a message it does not know. */
static cJSON *
apply(struct counter *c, const void *msg, size_t len)
{
	cJSON *m = cJSON_ParseWithLength(msg, len), *op, *by, *out = NULL;

	op = cJSON_GetObjectItemCaseSensitive(m, "op");
	by = cJSON_GetObjectItemCaseSensitive(m, "by");
	if (cJSON_IsString(op) && strcmp(op->valuestring, "incr") == 0)
		c->n += cJSON_IsNumber(by) ? (long long)by->valuedouble : 1;
	if (cJSON_IsString(op) && (strcmp(op->valuestring, "incr") == 0 ||
	    strcmp(op->valuestring, "get") == 0)) {
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "n", (double)c->n);
	}
	cJSON_Delete(m);
	return out;
}

static int
counter_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	cJSON_Delete(apply(herd_state(self), msg, len));
	return 0;
}

static int
counter_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	cJSON *out = apply(herd_state(self), req, len);

	if (out == NULL)
		return herd_reply_error(self, ref, "bad_request",
		    "expected {\"op\":\"get\"} or {\"op\":\"incr\",\"by\":N}");
	herd_reply_json(self, ref, out);
	cJSON_Delete(out);
	return 0;
}

static int
counter_inspect(herd_actor *self, herd_kv *kv)
{
	struct counter *c = herd_state(self);

	return herd_kv_add(kv, "n", "%lld", c->n);
}

static int
counter_init(herd_actor *self, int argc, char **argv)
{
	struct counter *c = herd_state(self);

	/* counter [START]: a start of "fail" fails init (for the tests) */
	if (argc > 1 && strcmp(argv[1], "fail") == 0)
		return HERD_EINVAL;
	if (argc > 1)
		sscanf(argv[1], "%lld", &c->n);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = {
		.init = counter_init,
		.handle_cast = counter_cast,
		.handle_call = counter_call,
		.inspect = counter_inspect,
	};
	struct counter c = { 0 };
	int rv = herd_actor_run(&ops, &c, argc, argv);

	if (rv < 0) {
		fprintf(stderr, "counter: %s\n", herd_strerror(rv));
		return 1;
	}
	return rv;
}
