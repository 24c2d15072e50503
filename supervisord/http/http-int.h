/* Private to the HTTP listener's files (http/): the listener's state and
 * what its handlers share. */
#ifndef HERDD_HTTP_INT_H
#define HERDD_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct evhttp;
struct evhttp_request;
struct evconnlistener;
struct evbuffer;
struct event;
struct herdd;
struct sse;

/* A connection, known by its fd and its socket's inode (http.c), and
 * when it sent its first byte or had its last request read. */
struct http_conn {
	int fd;
	unsigned long ino;
	uint64_t since_ms;
};

/* A rate: LEVEL of MAX left, refilled by PER_MS a ms. */
struct http_bucket {
	double level, per_ms, max;
	uint64_t at;
};

struct http {
	struct herdd *h;
	struct evhttp *http;
	struct evconnlistener *lev;
	char addr[80];             /* "127.0.0.1:9090" as bound */
	char *token;               /* NULL: none configured */
	size_t token_len;
	int public_read;
	unsigned max_conns;
	struct http_conn *conns;   /* connections that sent something */
	size_t nconns, conns_cap;  /* at most max_conns */
	struct event *full_ev;     /* at the bound: checks for one gone */
	unsigned long full_times;  /* times the bound was reached */
	/* mutations_per_minute each: changes, and failed logins (so that
	 * guesses cannot starve the token holder's changes) */
	struct http_bucket changes, logins;
	struct sse *streams;       /* open /events streams (http-sse.c) */
	size_t nstreams;
	uint64_t requests;         /* received and routed, for /metrics */
	struct pending *pending;   /* requests waiting for a control reply */
};

/* What a path needs. */
enum http_access {
	HA_OPEN,   /* anyone: probes */
	HA_READ,   /* the token, unless public_read */
};

/* http.c: replies. */
void http_send(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body);
void http_send_text(struct evhttp_request *req, int code, const char *type,
    const char *text);
/* J printed, a line of application/json, with status CODE. */
void http_send_json(struct evhttp_request *req, int code, const cJSON *j);
/* {"error":{"code":..,"message":..}} with status CODE. */
void http_send_error(struct evhttp_request *req, int code, const char *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* http-auth.c: whether req carries the token: in Authorization, or (not HEADER_ONLY)
 * in the herd_token cookie /login gives a browser. */
int http_has_token(struct http *http, struct evhttp_request *req,
    int header_only);
/* Whether S (LEN bytes) is the token. */
int http_token_is(struct http *http, const char *s, size_t len);
/* http-auth.c: the token from PATH, a regular file of herdd's user (or
 * root) nobody else may read, its first line 16 to 4096 characters; NULL
 * with cause. */
char *http_token_read(const char *path, char *cause, size_t len);

/* http-metrics.c */
void http_metrics(struct http *http, struct evhttp_request *req);
void http_healthz(struct http *http, struct evhttp_request *req);
void http_readyz(struct http *http, struct evhttp_request *req);

/* http-api.c: /api/v1/OP, GET for read-only ops, POST for the few
 * mutating ones the listener allows. */
void http_api(struct http *http, struct evhttp_request *req);
/* Whether the connection on FD has a request waiting for its reply. */
int http_api_waits_on(struct http *http, int fd);
/* herdd ends: every waiting request is answered 503. */
void http_api_close_all(struct http *http);

/* http-logs.c: /logs?name=PATH, the end of a child's output. */
void http_logs(struct http *http, struct evhttp_request *req);

/* http-sse.c: /events, the event stream as Server-Sent Events. */
void http_sse(struct http *http, struct evhttp_request *req);
/* Whether the connection on FD is an event stream. */
int http_sse_on(struct http *http, int fd);
void http_sse_close_all(struct http *http);

/* http.c: spends one of B's (&http->changes, &http->logins); 0 with 429
 * sent when it is empty. */
int http_spend(struct http *http, struct http_bucket *b,
    struct evhttp_request *req);
/* Connections open (those that sent something), for /metrics. */
size_t http_conns_open(struct http *http);

/* http-page.c: the status page and its script; the form that asks for
 * the token (sent with CODE to a browser without it); /login, which
 * checks a token and gives the browser its cookie, and /logout. */
void http_page(struct http *http, struct evhttp_request *req);
void http_page_js(struct http *http, struct evhttp_request *req);
void http_page_login(struct http *http, struct evhttp_request *req,
    int code);
void http_login(struct http *http, struct evhttp_request *req);
void http_logout(struct http *http, struct evhttp_request *req);

#endif
