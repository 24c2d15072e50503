/*
 * The receiving end of the cast benchmarks (bench/actors/run.sh). A
 * herdctl call {"senders":[NAME,..],"n":N,...} starts a run: the sink
 * casts the request to each sender as its go (actor-flood.c reads the
 * rest), counts the casts that come back, and once it has N from every
 * sender answers the call with the earliest sender start (each cast
 * carries its sender's) and the time of the last cast: one clock,
 * CLOCK_MONOTONIC, for all processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

#include "bench.h"

struct sink {
	long expect, seen, stray;
	long long bytes;
	int64_t t0, t1;
	herd_ref ref;
	int running;
};

static int
sink_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct sink *s = herd_state(self);
	int64_t t;
	char out[256];

	if (!s->running || herd_id_is_node(from) || len < sizeof t) {
		s->stray++;
		return 0;
	}
	memcpy(&t, msg, sizeof t);
	if (s->t0 == 0 || t < s->t0)
		s->t0 = t;
	s->bytes += (long long)len;
	if (++s->seen < s->expect)
		return 0;
	s->t1 = now_ns();
	s->running = 0;
	snprintf(out, sizeof out, "{\"n\":%ld,\"bytes\":%lld,\"secs\":%.4f,"
	    "\"per_s\":%.0f,\"mib_s\":%.1f,\"stray\":%ld}", s->seen, s->bytes,
	    (double)(s->t1 - s->t0) / 1e9,
	    (double)s->seen * 1e9 / (double)(s->t1 - s->t0),
	    (double)s->bytes * 1e9 / (double)(s->t1 - s->t0) / 1048576.0,
	    s->stray);
	return herd_reply(self, s->ref, out, strlen(out));
}

static int
sink_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	struct sink *s = herd_state(self);
	cJSON *m = cJSON_ParseWithLength(req, len), *senders, *n, *e;
	int rv = 0, count = 0;

	(void)from;
	senders = cJSON_GetObjectItemCaseSensitive(m, "senders");
	n = cJSON_GetObjectItemCaseSensitive(m, "n");
	if (s->running || !cJSON_IsArray(senders) || !cJSON_IsNumber(n)) {
		cJSON_Delete(m);
		return herd_reply_error(self, ref, "bad_request",
		    s->running ? "a run is going" : "senders and n");
	}
	s->expect = (long)(n->valuedouble * cJSON_GetArraySize(senders));
	s->seen = s->stray = 0;
	s->bytes = 0;
	s->t0 = s->t1 = 0;
	s->ref = ref;
	s->running = 1;
	cJSON_ArrayForEach(e, senders) {
		if (cJSON_IsString(e) && (rv = herd_cast_name(self,
		    e->valuestring, req, len)) != 0)
			break;
		count++;
	}
	cJSON_Delete(m);
	if (rv != 0) {
		s->running = 0;
		return herd_reply_error(self, ref, "no_sender",
		    herd_strerror(rv));
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = {
		.handle_cast = sink_cast, .handle_call = sink_call };
	struct sink s;

	memset(&s, 0, sizeof s);
	return herd_actor_run(&ops, &s, argc, argv) < 0 ? 1 : 0;
}
