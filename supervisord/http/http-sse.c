/*
 * /events: the event stream as Server-Sent Events, one "id: SEQ" and
 * "data: JSON" per event, from the same sequence numbers as the control
 * socket's stream. A client that comes back with Last-Event-ID (or
 * ?since=N) gets what it missed from the ring first, and an "event: gap"
 * naming the first it can have when the ring has let some go. A client
 * that does not read is not buffered for without bound: past
 * STREAM_BACKLOG bytes its stream ends, and it comes back for the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "events.h"
#include "herdd.h"
#include "http-int.h"
#include "log.h"
#include "util.h"

#define STREAM_BACKLOG (1024 * 1024)
/* the read timeout of a stream's connection: its client sends nothing,
 * so a stream ends after this (the client comes back, resuming) */
#define STREAM_IDLE_S 3600

struct sse {
	struct sse *next;
	struct http *http;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
};

static void
sse_unlink(struct sse *s)
{
	struct sse **sp;

	for (sp = &s->http->streams; *sp != NULL; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			s->http->nstreams--;
			return;
		}
}

/* Ends s's reply (libevent frees the request) and s. */
static void
sse_end(struct sse *s)
{
	sse_unlink(s);
	evhttp_connection_set_closecb(s->evcon, NULL, NULL);
	evhttp_send_reply_end(s->req);
	free(s);
}

/* A client that does not read: its connection goes now (and the request
 * with it), not once the terminator gets through. */
static void
sse_drop(struct sse *s)
{
	sse_unlink(s);
	evhttp_connection_set_closecb(s->evcon, NULL, NULL);
	evhttp_connection_free(s->evcon);
	free(s);
}

/* The connection went: evhttp has let go of the request already. */
static void
sse_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct sse *s = arg;

	sse_unlink(s);
	evhttp_send_reply_end(s->req); /* detached: this frees it */
	free(s);
}

static void
sse_add(struct evbuffer *b, uint64_t seq, const char *json)
{
	evbuffer_add_printf(b, "id: %llu\ndata: %s\n\n",
	    (unsigned long long)seq, json);
}

static void
replay_cb(void *arg, uint64_t seq, const char *json)
{
	sse_add(arg, seq, json);
}

/* Bytes written to s and not yet taken by its client. */
static size_t
backlog(const struct sse *s)
{
	return evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(s->evcon)));
}

/* The events tap: each new event to every stream. */
static void
sse_tap_cb(void *arg, uint64_t seq, const char *json)
{
	struct http *http = arg;
	struct sse *s, *next;
	struct evbuffer *b;

	for (s = http->streams; s != NULL; s = next) {
		next = s->next;
		if (backlog(s) > STREAM_BACKLOG) {
			log_info("http: an event stream is %d bytes behind: "
			    "closed, its client resumes from the ring",
			    STREAM_BACKLOG);
			sse_drop(s);
			continue;
		}
		b = evbuffer_new();
		sse_add(b, seq, json);
		evhttp_send_reply_chunk(s->req, b);
		evbuffer_free(b);
	}
}

/* Where the client resumes: Last-Event-ID, else ?since=N; -1: now. */
static long long
resume_from(struct evhttp_request *req)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Last-Event-ID");
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(
	    req));
	struct evkeyvalq kv;
	long long n = -1;
	char *end;

	if (v != NULL) {
		n = strtoll(v, &end, 10);
		return *end == '\0' && n >= 0 ? n : -1;
	}
	if (q == NULL)
		return -1;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(q, &kv) == 0 &&
	    (v = evhttp_find_header(&kv, "since")) != NULL) {
		n = strtoll(v, &end, 10);
		if (*end != '\0' || n < 0)
			n = -1;
	}
	evhttp_clear_headers(&kv);
	return n;
}

void
http_sse(struct http *http, struct evhttp_request *req)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	long long since = resume_from(req);
	struct evbuffer *b;
	struct sse *s;
	cJSON *first;
	long long first_seq;
	int ahead;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		http_send_text(req, 200, "text/event-stream", "");
		return;
	}
	evhttp_add_header(out, "Content-Type", "text/event-stream");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply_start(req, 200, "OK");
	b = evbuffer_new();
	evbuffer_add_printf(b, "retry: 2000\n\n");
	if (since >= 0) {
		first = events_since(http->h->events, -1);
		first_seq = (long long)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(first, "first_seq"));
		cJSON_Delete(first);
		ahead = since > (long long)events_last_seq(http->h->events);
		if (ahead)
			/* numbered by an earlier herdd: all of this one's */
			since = 0;
		if (ahead || since < first_seq - 1)
			evbuffer_add_printf(b, "event: gap\ndata: "
			    "{\"missed_from\":%lld,\"first_seq\":%lld}\n\n",
			    since + 1, first_seq);
		events_ring_each(http->h->events, since, replay_cb, b);
	}
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);

	s = xcalloc(1, sizeof *s);
	s->http = http;
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_timeout(s->evcon, STREAM_IDLE_S);
	evhttp_connection_set_closecb(s->evcon, sse_closed_cb, s);
	s->next = http->streams;
	http->streams = s;
	if (http->nstreams++ == 0)
		events_tap(http->h->events, sse_tap_cb, http);
}

int
http_sse_on(struct http *http, int fd)
{
	struct sse *s;

	for (s = http->streams; s != NULL; s = s->next)
		if (bufferevent_getfd(evhttp_connection_get_bufferevent(
		    s->evcon)) == fd)
			return 1;
	return 0;
}

void
http_sse_close_all(struct http *http)
{
	while (http->streams != NULL)
		sse_end(http->streams);
	events_tap(http->h->events, NULL, NULL);
}
