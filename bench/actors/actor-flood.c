/*
 * The sending end of the cast benchmarks: on a go from actor-sink (the
 * run's request: {"to":SINK,"n":N,"size":S,"mode":"id"|"name",
 * "burst":B}) it casts N messages of S bytes to SINK, B per callback
 * (then a 0 ms timer to itself lets the loop send the batch and take
 * other events), by the id herd_whereis gave (mode id) or by name
 * (herd_cast_name at every cast). On HERD_EMAILBOXFULL it retries the
 * same cast after 1 ms. A herdctl call "stats" tells what it saw: the
 * first lookup's cost, sending time, mailbox_full count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

#include "bench.h"

struct flood {
	char to[256];
	long n, size, burst, sent, full, turns;
	int by_name, running, err;
	int64_t t0, t_done, first_ns, lookup_ns;
	herd_id id;
	char *buf;
};

static int
again(herd_actor *self, int ms)
{
	return herd_send_after(self, herd_self(self), "", 0, ms, NULL);
}

/* Up to burst casts, then back to the loop. */
static int
pump(herd_actor *self)
{
	struct flood *f = herd_state(self);
	int64_t t = 0;
	long i;
	int rv;

	for (i = 0; i < f->burst && f->sent < f->n; i++) {
		if (f->sent == 0)
			t = now_ns();
		rv = f->by_name ? herd_cast_name(self, f->to, f->buf,
		    (size_t)f->size) : herd_cast(self, f->id, f->buf,
		    (size_t)f->size);
		if (rv == HERD_EMAILBOXFULL) {
			f->full++;
			return again(self, 1);
		}
		if (rv != 0) {
			f->err = rv;
			f->running = 0;
			return 0;
		}
		if (f->sent == 0)
			f->first_ns = now_ns() - t;
		f->sent++;
	}
	f->turns++;
	if (f->sent < f->n)
		return again(self, 0);
	f->t_done = now_ns();
	f->running = 0;
	return 0;
}

static long
num(const cJSON *m, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, k);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

/* The go from the sink. */
static int
flood_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct flood *f = herd_state(self);
	cJSON *m = cJSON_ParseWithLength(msg, len), *to, *mode;
	int64_t t;

	(void)from;
	to = cJSON_GetObjectItemCaseSensitive(m, "to");
	mode = cJSON_GetObjectItemCaseSensitive(m, "mode");
	if (f->running || !cJSON_IsString(to)) {
		cJSON_Delete(m);
		return 0;
	}
	snprintf(f->to, sizeof f->to, "%s", to->valuestring);
	f->n = num(m, "n", 100000);
	f->size = num(m, "size", 64);
	f->burst = num(m, "burst", 1000);
	f->by_name = cJSON_IsString(mode) &&
	    strcmp(mode->valuestring, "name") == 0;
	cJSON_Delete(m);
	if (f->size < 8 || f->burst < 1 || (f->buf = realloc(f->buf,
	    (size_t)f->size)) == NULL)
		return HERD_EINVAL;
	memset(f->buf, 'x', (size_t)f->size);
	f->sent = f->full = f->turns = 0;
	f->err = 0;
	f->first_ns = f->lookup_ns = 0;
	f->t0 = now_ns();
	memcpy(f->buf, &f->t0, sizeof f->t0);
	if (!f->by_name) {
		t = now_ns();
		if ((f->err = herd_whereis(self, f->to, &f->id)) != 0)
			return 0;
		f->lookup_ns = now_ns() - t;
	}
	f->running = 1;
	return pump(self);
}

static int
flood_info(herd_actor *self, const struct herd_info *in)
{
	struct flood *f = herd_state(self);

	return in->kind == HERD_INFO_TIMER && f->running ? pump(self) : 0;
}

static int
flood_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	struct flood *f = herd_state(self);
	char out[512];

	(void)from;
	(void)req;
	(void)len;
	snprintf(out, sizeof out, "{\"sent\":%ld,\"running\":%d,"
	    "\"error\":\"%s\",\"mailbox_full\":%ld,\"turns\":%ld,"
	    "\"send_secs\":%.4f,\"first_cast_us\":%.1f,\"whereis_us\":%.1f}",
	    f->sent, f->running, f->err ? herd_strerror(f->err) : "",
	    f->full, f->turns, f->t_done > f->t0 ?
	    (double)(f->t_done - f->t0) / 1e9 : 0.0,
	    (double)f->first_ns / 1e3, (double)f->lookup_ns / 1e3);
	return herd_reply(self, ref, out, strlen(out));
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = { .handle_cast = flood_cast,
		.handle_call = flood_call, .handle_info = flood_info };
	struct flood f;
	int rv;

	memset(&f, 0, sizeof f);
	rv = herd_actor_run(&ops, &f, argc, argv);
	free(f.buf);
	return rv < 0 ? 1 : rv;
}
