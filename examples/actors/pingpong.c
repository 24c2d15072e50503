/*
 * pingpong: two actors measuring call round trips between them.
 *   pingpong pong          answers every call with its request
 *   pingpong ping PEER     on a call {"op":"run","n":N} calls PEER N times
 *                          and answers {"n":N,"p50_us":..,"p99_us":..}
 * Under herdd (examples/demo.json):
 *   herdctl call ping '{"op":"run","n":10000}' --timeout 60s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <herd.h>

struct pp {
	const char *peer; /* NULL: this is pong */
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* N round trips to the peer; the answer names the percentiles. */
static int
run(herd_actor *self, herd_ref ref, int n)
{
	struct pp *p = herd_state(self);
	double *lat = calloc((size_t)n, sizeof *lat), t;
	char out[256];
	void *reply;
	size_t len;
	herd_id peer;
	int i, rv;

	if (lat == NULL || n < 1)
		return herd_reply_error(self, ref, "bad_request", "n >= 1");
	if ((rv = herd_whereis(self, p->peer, &peer)) != 0) {
		free(lat);
		return herd_reply_error(self, ref, "not_found",
		    herd_strerror(rv));
	}
	for (i = 0; i < n; i++) {
		t = now_us();
		if ((rv = herd_call(self, peer, "ping", 4, 5000, &reply,
		    &len)) != 0)
			break;
		lat[i] = now_us() - t;
		free(reply);
	}
	if (rv != 0) {
		free(lat);
		return herd_reply_error(self, ref, "failed", herd_strerror(rv));
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	snprintf(out, sizeof out, "{\"n\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"min_us\":%.1f}", n, lat[n / 2], lat[(size_t)n * 99 / 100],
	    lat[0]);
	free(lat);
	return herd_reply(self, ref, out, strlen(out));
}

static int
pp_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	struct pp *p = herd_state(self);
	cJSON *m, *n;
	int rv;

	if (p->peer == NULL)
		return herd_reply(self, ref, req, len); /* pong */
	m = cJSON_ParseWithLength(req, len);
	n = cJSON_GetObjectItemCaseSensitive(m, "n");
	rv = run(self, ref, cJSON_IsNumber(n) ? n->valueint : 1000);
	cJSON_Delete(m);
	return rv;
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = { .handle_call = pp_call };
	struct pp p = { NULL };
	int rv;

	if (argc < 2 || (strcmp(argv[1], "ping") == 0 && argc < 3)) {
		fprintf(stderr, "usage: pingpong pong | ping PEER\n");
		return 2;
	}
	if (strcmp(argv[1], "ping") == 0)
		p.peer = argv[2];
	if ((rv = herd_actor_run(&ops, &p, argc, argv)) < 0) {
		fprintf(stderr, "pingpong: %s\n", herd_strerror(rv));
		return 1;
	}
	return rv;
}
