/*
 * herd_call round trips between two actors (bench/actors/run.sh).
 *   actor-rtt echo     answers every call with its request
 *   actor-rtt caller   on a herdctl call {"peer":P,"n":N,"warm":W,
 *                      "size":S,"mode":M} makes W unmeasured, then N
 *                      measured round trips and answers with their
 *                      percentiles. M "id": herd_call to the id
 *                      herd_whereis gave; "name": herd_call_name each
 *                      time; "whereis": herd_whereis(P) alone, for a P
 *                      this actor never sends to (so never cached: each
 *                      is a round trip to herdd)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

#include "bench.h"

enum mode { BY_ID, BY_NAME, WHEREIS };

static long
num(const cJSON *m, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, k);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

static int
echo(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	(void)from;
	return herd_reply(self, ref, req, len);
}

/* One round trip of mode MODE; 0 or a HERD_E* code. */
static int
once(herd_actor *self, enum mode mode, const char *name, herd_id *id,
    const char *buf, size_t size)
{
	void *reply = NULL;
	size_t rlen;
	int rv;

	switch (mode) {
	case WHEREIS:
		return herd_whereis(self, name, id);
	case BY_NAME:
		rv = herd_call_name(self, name, buf, size, 5000, &reply, &rlen);
		break;
	default:
		rv = herd_call(self, *id, buf, size, 5000, &reply, &rlen);
		break;
	}
	free(reply);
	return rv;
}

static int
caller(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	cJSON *m = cJSON_ParseWithLength(req, len), *peer, *mo;
	long n = num(m, "n", 20000), warm = num(m, "warm", 2000), i;
	long size = num(m, "size", 64);
	int64_t *lat, t, t0 = 0, first = 0;
	char name[256], out[640], sum[512], *buf;
	enum mode mode = BY_ID;
	herd_id id = { 0 };
	int rv = 0;

	(void)from;
	peer = cJSON_GetObjectItemCaseSensitive(m, "peer");
	mo = cJSON_GetObjectItemCaseSensitive(m, "mode");
	if (cJSON_IsString(mo) && strcmp(mo->valuestring, "name") == 0)
		mode = BY_NAME;
	else if (cJSON_IsString(mo) && strcmp(mo->valuestring, "whereis") == 0)
		mode = WHEREIS;
	snprintf(name, sizeof name, "%s", cJSON_IsString(peer) ?
	    peer->valuestring : "echo");
	cJSON_Delete(m);
	if (n < 1 || warm < 0 || size < 0 ||
	    (lat = calloc((size_t)n, sizeof *lat)) == NULL)
		return herd_reply_error(self, ref, "bad_request", "n, size");
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		free(lat);
		return HERD_ENOMEM;
	}
	memset(buf, 'x', (size_t)size);
	if (mode == BY_ID && (rv = herd_whereis(self, name, &id)) != 0)
		warm = n = 0;
	for (i = -warm; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		t = now_ns();
		if ((rv = once(self, mode, name, &id, buf, (size_t)size)) != 0)
			break;
		if (i == -warm)
			first = now_ns() - t;
		if (i >= 0)
			lat[i] = now_ns() - t;
	}
	free(buf);
	if (rv != 0) {
		free(lat);
		return herd_reply_error(self, ref, "failed", herd_strerror(rv));
	}
	rtt_summary(lat, (size_t)n, now_ns() - t0, sum, sizeof sum);
	free(lat);
	/* the summary's object, with the first round trip's time added */
	sum[strlen(sum) - 1] = '\0';
	snprintf(out, sizeof out, "%s,\"first_us\":%.1f}", sum,
	    (double)first / 1e3);
	return herd_reply(self, ref, out, strlen(out));
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops echo_ops = { .handle_call = echo };
	static const struct herd_actor_ops caller_ops = {
		.handle_call = caller };

	if (argc < 2 || (strcmp(argv[1], "echo") != 0 &&
	    strcmp(argv[1], "caller") != 0)) {
		fprintf(stderr, "usage: actor-rtt echo | caller\n");
		return 2;
	}
	return herd_actor_run(strcmp(argv[1], "echo") == 0 ? &echo_ops :
	    &caller_ops, NULL, argc, argv) < 0 ? 1 : 0;
}
