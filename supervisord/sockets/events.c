/*
 * Lifecycle events: every change is numbered without gaps, published on a
 * pub0 socket as "<topic> <json>", and kept in a ring so a client that
 * subscribes late can ask for what it missed (the "events" op).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "events.h"
#include "guard.h"
#include "ipc.h"
#include "util.h"

#define SEND_BUF 8192
#define LINGER_MS 100

struct events {
	nng_socket sock;
	_Atomic int subscribers;
	char **ring;     /* printed JSON objects, oldest at head */
	uint64_t *seqs;
	size_t cap, head, len;
	uint64_t seq;
	events_tap_fn tap;
	void *tap_arg;
};

/* nng's pipe callback: counts subscribers, for the linger at exit. */
static void
count_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct events *e = arg;

	if (ev == NNG_PIPE_EV_ADD_PRE)
		atomic_fetch_add(&e->subscribers, 1);
	else
		atomic_fetch_sub(&e->subscribers, 1);
}

struct events *
events_create(struct guard *g, const char *run_dir, size_t ring_size,
    int mode, long gid, char *cause, size_t len)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	char url[4200];
	int rv;

	if (ipc_events_url(run_dir, url, sizeof url) == -1) {
		snprintf(cause, len, "run_dir too long: %s", run_dir);
		free(ev);
		return NULL;
	}
	if ((rv = nng_pub0_open(&ev->sock)) != 0) {
		snprintf(cause, len, "pub0: %s", nng_strerror(rv));
		free(ev);
		return NULL;
	}
	/* pub0 drops what a subscriber's queue cannot hold: make bursts
	 * (a shutdown of thousands of children) fit; the ring covers the
	 * rest while herdd runs */
	nng_socket_set_int(ev->sock, NNG_OPT_SENDBUF, SEND_BUF);
	/* subscribers send nothing: a peer declaring a message may not make
	 * nng allocate it (nng's default limit is 1 MiB; 0 is none) */
	nng_socket_set_size(ev->sock, NNG_OPT_RECVMAXSZ, 64);
	nng_pipe_notify(ev->sock, NNG_PIPE_EV_ADD_PRE, count_cb, ev);
	nng_pipe_notify(ev->sock, NNG_PIPE_EV_REM_POST, count_cb, ev);
	if (guard_listen(g, ev->sock, GUARD_PEER_SUB0, url, mode, gid, cause,
	    len) == -1) {
		nng_close(ev->sock);
		free(ev);
		return NULL;
	}
	ev->cap = ring_size ? ring_size : 1;
	ev->ring = xcalloc(ev->cap, sizeof *ev->ring);
	ev->seqs = xcalloc(ev->cap, sizeof *ev->seqs);
	return ev;
}

void
events_destroy(struct events *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	/* nng 1.5.2 has no linger: give subscribers a moment to take the
	 * last events (herd.stopped) before the socket goes */
	if (atomic_load(&ev->subscribers) > 0) {
		struct timespec ts = { 0, LINGER_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	nng_close(ev->sock);
	for (i = 0; i < ev->cap; i++)
		free(ev->ring[i]);
	free(ev->ring);
	free(ev->seqs);
	free(ev);
}

/* "time": the wall clock, ISO 8601 UTC to the millisecond, beside "ts"
 * (monotonic, for intervals): when it happened, for people and logs. */
static void
wall_time(cJSON *obj)
{
	struct timespec ts;
	struct tm tm;
	char buf[24], out[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		return;
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof out, "%.19s.%03dZ", buf,
	    (int)(ts.tv_nsec / 1000000) % 1000);
	cJSON_AddStringToObject(obj, "time", out);
}

uint64_t
events_publish(struct events *ev, const char *topic, cJSON *obj)
{
	size_t slot, tlen;
	char *json, *msg;

	ev->seq++;
	cJSON_AddNumberToObject(obj, "seq", (double)ev->seq);
	cJSON_AddStringToObject(obj, "event", topic);
	cJSON_AddNumberToObject(obj, "ts", (double)mono_us());
	wall_time(obj);
	msg = ipc_print(obj);
	cJSON_Delete(obj);
	/* the ring keeps its own copy, of its size: the printed buffer has
	 * 4 KiB at least, and the ring holds thousands (issue 14, item 7:
	 * 8 KiB a child of herdd's memory, till the ring was full) */
	json = xstrdup(msg);
	free(msg);

	tlen = strlen(topic);
	msg = xcalloc(1, tlen + 1 + strlen(json) + 1);
	memcpy(msg, topic, tlen);
	msg[tlen] = ' ';
	strcpy(msg + tlen + 1, json);
	nng_send(ev->sock, msg, strlen(msg), NNG_FLAG_NONBLOCK);
	free(msg);

	if (ev->len == ev->cap) {
		free(ev->ring[ev->head]);
		ev->head = (ev->head + 1) % ev->cap;
		ev->len--;
	}
	slot = (ev->head + ev->len) % ev->cap;
	ev->ring[slot] = json;
	ev->seqs[slot] = ev->seq;
	ev->len++;
	if (ev->tap != NULL)
		ev->tap(ev->tap_arg, ev->seq, json);
	return ev->seq;
}

void
events_tap(struct events *ev, events_tap_fn fn, void *arg)
{
	ev->tap = fn;
	ev->tap_arg = arg;
}

void
events_ring_each(struct events *ev, long long since, events_tap_fn fn,
    void *arg)
{
	size_t i, slot;

	for (i = 0; i < ev->len; i++) {
		slot = (ev->head + i) % ev->cap;
		if (since < 0 || ev->seqs[slot] > (uint64_t)since)
			fn(arg, ev->seqs[slot], ev->ring[slot]);
	}
}

uint64_t
events_last_seq(const struct events *ev)
{
	return ev->seq;
}

cJSON *
events_since(struct events *ev, long long since)
{
	cJSON *res = cJSON_CreateObject(), *arr;
	size_t i, slot;

	arr = cJSON_AddArrayToObject(res, "events");
	for (i = 0; since >= 0 && i < ev->len; i++) {
		slot = (ev->head + i) % ev->cap;
		if (ev->seqs[slot] > (uint64_t)since)
			cJSON_AddItemToArray(arr, cJSON_Parse(ev->ring[slot]));
	}
	cJSON_AddNumberToObject(res, "last_seq", (double)ev->seq);
	cJSON_AddNumberToObject(res, "first_seq", ev->len ?
	    (double)ev->seqs[ev->head] : (double)ev->seq + 1);
	return res;
}
