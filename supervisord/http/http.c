/*
 * The HTTP listener (docs/http.md): one evhttp on herdd's loop, off unless
 * herd.json has "http". Who may do what (docs/security.md): /healthz and
 * /readyz are open (probes); every other read needs the token (a bearer
 * header, or the cookie /login gives a browser) unless public_read; a
 * change (POST) needs the bearer header, or the cookie with the
 * X-Herd-Change header no cross-site form can send, and spends one of
 * mutations_per_minute. Bounded: header and body sizes, a read timeout,
 * and max_connections (below). Nothing here runs while nobody connects:
 * no timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "herdd.h"
#include "http-int.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define MAX_HEADERS_BYTES 8192
#define MAX_BODY_BYTES 65536
#define READ_TIMEOUT_S 10
#define REQUEST_DEADLINE_MS 10000
#define READ_HIGH (MAX_HEADERS_BYTES + MAX_BODY_BYTES + 16384)

/* ---- replies ---- */

void
http_send(struct evhttp_request *req, int code, const char *type,
    struct evbuffer *body)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	char len[24];

	evhttp_add_header(out, "Content-Type", type);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp 2.1 would send a HEAD's body, and no length */
		snprintf(len, sizeof len, "%zu", body != NULL ?
		    evbuffer_get_length(body) : 0);
		evhttp_add_header(out, "Content-Length", len);
		body = NULL;
	}
	evhttp_send_reply(req, code, NULL, body);
}

void
http_send_text(struct evhttp_request *req, int code, const char *type,
    const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	http_send(req, code, type, b);
	evbuffer_free(b);
}

void
http_send_json(struct evhttp_request *req, int code, const cJSON *j)
{
	struct evbuffer *b = evbuffer_new();
	char *text = cJSON_PrintUnformatted(j);

	if (text == NULL)
		abort();
	evbuffer_add(b, text, strlen(text));
	evbuffer_add(b, "\n", 1);
	free(text);
	http_send(req, code, "application/json", b);
	evbuffer_free(b);
}

void
http_send_error(struct evhttp_request *req, int code, const char *err,
    const char *fmt, ...)
{
	cJSON *o = cJSON_CreateObject(), *e;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", err);
	cJSON_AddStringToObject(e, "message", msg);
	free(msg);
	http_send_json(req, code, o);
	cJSON_Delete(o);
}

/* ---- the connection bound ---- */

/*
 * libevent 2.1 has no evhttp_set_max_connections and says nothing when a
 * connection ends. A connection is counted at its first bytes (an evbuffer
 * callback on its input, which goes with the connection): as its fd and
 * its socket's inode, a pair that tells one still open from one whose fd
 * was closed or reused. A connection that never sends a byte is not
 * counted: the read timeout ends it. At the bound the listener stops
 * accepting (the rest wait in the kernel's backlog) and a timer, which
 * runs only then, sees connections go and accepts again.
 */

/* The listener of this herdd (there is one): what the connections'
 * callbacks count into, NULL once it is gone. */
static struct http *listener;

/* Drops the connections that have ended; how many are left. */
static size_t
conns_prune(struct http *http)
{
	struct stat sb;
	size_t i = 0;

	while (i < http->nconns) {
		if (fstat(http->conns[i].fd, &sb) == 0 &&
		    S_ISSOCK(sb.st_mode) &&
		    (unsigned long)sb.st_ino == http->conns[i].ino) {
			i++;
			continue;
		}
		http->conns[i] = http->conns[--http->nconns];
	}
	return http->nconns;
}

/*
 * At the bound: a connection that has taken more than REQUEST_DEADLINE_MS
 * since its first byte or its last request, and neither waits for a
 * reply nor follows /events, is shut down (a slow client that trickles
 * a byte before each read timeout). shutdown(2), not close: evhttp reads
 * the end and frees the connection itself.
 */
static void
conns_sweep(struct http *http)
{
	uint64_t now = mono_ms();
	size_t i, n = 0;

	for (i = 0; i < http->nconns; i++) {
		if (now - http->conns[i].since_ms < REQUEST_DEADLINE_MS ||
		    http_api_waits_on(http, http->conns[i].fd) ||
		    http_sse_on(http, http->conns[i].fd))
			continue;
		shutdown(http->conns[i].fd, SHUT_RDWR);
		http->conns[i].since_ms = now; /* once */
		n++;
	}
	if (n > 0)
		log_warnx("http: %zu connections took more than %d ms for a "
		    "request: closed", n, REQUEST_DEADLINE_MS);
}

/* A request of the connection on FD was read: its deadline starts
 * again. */
static void
conns_request(struct http *http, int fd)
{
	size_t i;

	for (i = 0; i < http->nconns; i++)
		if (http->conns[i].fd == fd)
			http->conns[i].since_ms = mono_ms();
}

size_t
http_conns_open(struct http *http)
{
	return conns_prune(http);
}

static void
full_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http *http = arg;
	struct timeval tv = { 1, 0 };

	conns_sweep(http);
	if (conns_prune(http) < http->max_conns) {
		evconnlistener_enable(http->lev);
		log_info("http: accepting connections again");
		return;
	}
	evtimer_add(http->full_ev, &tv);
}

/* A connection's first bytes: count it. */
static void
first_bytes_cb(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bufferevent *bev = arg;
	struct http *http = listener;
	struct timeval tv = { 1, 0 };
	struct stat sb;
	int fd;

	if (info->n_added == 0)
		return;
	evbuffer_remove_cb(in, first_bytes_cb, arg);
	if (http == NULL || (fd = bufferevent_getfd(bev)) < 0 ||
	    fstat(fd, &sb) == -1)
		return;
	if (conns_prune(http) == http->conns_cap) {
		http->conns_cap = http->conns_cap ? http->conns_cap * 2 : 16;
		http->conns = xreallocarray(http->conns, http->conns_cap,
		    sizeof *http->conns);
	}
	http->conns[http->nconns].fd = fd;
	http->conns[http->nconns].since_ms = mono_ms();
	http->conns[http->nconns++].ino = (unsigned long)sb.st_ino;
	if (http->nconns >= http->max_conns &&
	    !evtimer_pending(http->full_ev, NULL)) {
		evconnlistener_disable(http->lev);
		http->full_times++;
		log_warnx("http: %zu connections open (http.max_connections):"
		    " no more accepted until one closes", http->nconns);
		conns_sweep(http);
		evtimer_add(http->full_ev, &tv);
	}
}

/* evhttp's bufferevent for a new connection, watched for its first
 * bytes. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	(void)arg;
	if (bev == NULL)
		return NULL;
	evbuffer_add_cb(bufferevent_get_input(bev), first_bytes_cb, bev);
	/* evhttp goes on reading while it writes (an event stream's whole
	 * life): what a client sends meanwhile is held up to this, then
	 * reading stops */
	bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH);
	return bev;
}

/* ---- dispatch ---- */

/* Spends one of B's; 0 when it is empty, with the seconds until one is
 * back in *retry_s. */
static int
bucket_take(struct http_bucket *b, unsigned *retry_s)
{
	uint64_t now = mono_ms();

	b->level += (double)(now - b->at) * b->per_ms;
	if (b->level > b->max)
		b->level = b->max;
	b->at = now;
	if (b->level >= 1) {
		b->level -= 1;
		return 1;
	}
	*retry_s = (unsigned)((1 - b->level) / b->per_ms / 1000) + 1;
	return 0;
}

static void
bucket_init(struct http_bucket *b, unsigned per_minute)
{
	b->max = b->level = per_minute ? per_minute : 60;
	b->per_ms = b->max / 60000.0;
	b->at = mono_ms();
}

#define M_GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define M_POST EVHTTP_REQ_POST

static const struct route {
	const char *path;   /* exact, or a prefix when it ends in '/' */
	unsigned methods;
	enum http_access access; /* a GET's; a POST is always HA_CHANGE,
	                            but /login's */
	void (*fn)(struct http *, struct evhttp_request *);
} routes[] = {
	{ "/healthz", M_GET, HA_OPEN, http_healthz },
	{ "/readyz", M_GET, HA_OPEN, http_readyz },
	{ "/login", M_GET | M_POST, HA_OPEN, http_login },
	{ "/logout", M_POST, HA_OPEN, http_logout },
	{ "/metrics", M_GET, HA_READ, http_metrics },
	{ "/events", M_GET, HA_READ, http_sse },
	{ "/logs", M_GET, HA_READ, http_logs },
	{ "/api/v1/", M_GET | M_POST, HA_READ, http_api },
	{ "/page.js", M_GET, HA_READ, http_page_js },
	{ "/", M_GET, HA_READ, http_page },
};

static const struct route *
route_find(const char *path)
{
	size_t i, n;

	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		n = strlen(routes[i].path);
		if (strcmp(path, routes[i].path) == 0 ||
		    (n > 1 && routes[i].path[n - 1] == '/' &&
		    strncmp(path, routes[i].path, n) == 0))
			return &routes[i];
	}
	return NULL;
}

int
http_spend(struct http *http, struct http_bucket *b,
    struct evhttp_request *req)
{
	unsigned retry;
	char s[16];

	if (bucket_take(b, &retry))
		return 1;
	snprintf(s, sizeof s, "%u", retry);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", s);
	http_send_error(req, 429, "rate_limited", "more than %.0f %s a minute "
	    "(http.mutations_per_minute)", b->max, b == &http->logins ?
	    "failed logins" : "changes");
	return 0;
}

/* A change: the token in Authorization, or the page's cookie with the
 * header no cross-site form can send (the op, once checked, spends one
 * of http->changes: http-api.c). */
static int
may_change(struct http *http, struct evhttp_request *req)
{
	if (http->token == NULL) {
		http_send_error(req, 403, "refused", "changes over HTTP need a "
		    "token: set http.token_file");
		return 0;
	}
	if (!http_has_token(http, req, 1) && (evhttp_find_header(
	    evhttp_request_get_input_headers(req), "X-Herd-Change") == NULL ||
	    !http_has_token(http, req, 0))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"herd\"");
		http_send_error(req, 401, "unauthorized", "a change needs "
		    "\"Authorization: Bearer TOKEN\"");
		return 0;
	}
	return 1;
}

/* Whether a request without the token comes through a name only this
 * machine resolves (DNS rebinding: a page of another site that renamed
 * itself 127.0.0.1 may not read an open listener). */
static int
host_is_local(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Host");
	size_t n;

	if (h == NULL)
		return 0;
	if (h[0] == '[')
		return strncmp(h, "[::1]", 5) == 0 && (h[5] == '\0' ||
		    h[5] == ':');
	n = strcspn(h, ":");
	return (n == 9 && strncmp(h, "localhost", 9) == 0) ||
	    (n >= 9 && strncmp(h, "127.", 4) == 0 &&
	    strspn(h, "0123456789.") == n);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct http *http = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const struct route *rt;

	http->requests++;
	{
		struct evhttp_connection *c = evhttp_request_get_connection(req);
		if (c != NULL)
			conns_request(http, bufferevent_getfd(
			    evhttp_connection_get_bufferevent(c)));
	}
	if (path == NULL || path[0] != '/') {
		http_send_error(req, HTTP_BADREQUEST, "bad_request",
		    "the request has no path");
		return;
	}
	if ((rt = route_find(path)) == NULL) {
		http_send_error(req, HTTP_NOTFOUND, "not_found",
		    "no such path (see /api/v1/ops)");
		return;
	}
	if ((rt->methods & (unsigned)cmd) == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", rt->methods == M_POST ? "POST" : (rt->methods &
		    M_POST) ? "GET, HEAD, POST" : "GET, HEAD");
		http_send_error(req, 405, "method_not_allowed", "%s takes %s",
		    rt->path, rt->methods == M_POST ? "POST" : (rt->methods &
		    M_POST) ? "GET or POST" : "GET");
		return;
	}
	if (cmd != EVHTTP_REQ_POST && evbuffer_get_length(
	    evhttp_request_get_input_buffer(req)) > 0) {
		http_send_error(req, HTTP_BADREQUEST, "bad_request",
		    "a GET has no body");
		return;
	}
	if (cmd == EVHTTP_REQ_POST && rt->access != HA_OPEN) {
		if (!may_change(http, req))
			return;
	} else if (rt->access == HA_READ && !http_has_token(http, req, 0) &&
	    (!http->public_read || !host_is_local(req))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"herd\"");
		if (rt->fn == http_page) {
			http_page_login(http, req, 401);
			return;
		}
		http_send_error(req, 401, "unauthorized", http->token ==
		    NULL ? "no token is configured (http.token_file) and "
		    "public_read is off: only /healthz and /readyz answer" :
		    "this path needs \"Authorization: Bearer TOKEN\"");
		return;
	}
	rt->fn(http, req);
}

/* ---- start and end ---- */

/* Writes the bound address to run_dir/http.addr (port 0 picks one). */
static void
write_addr(struct http *http)
{
	struct herdd *h = http->h;
	char line[96];
	int fd, n;

	n = snprintf(line, sizeof line, "%s\n", http->addr);
	fd = openat(h->run_dirfd, "http.addr.tmp", O_WRONLY | O_CREAT |
	    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd == -1 || write(fd, line, (size_t)n) != n ||
	    renameat(h->run_dirfd, "http.addr.tmp", h->run_dirfd,
	    "http.addr") == -1)
		log_warn("http: cannot write run_dir/http.addr");
	if (fd != -1)
		close(fd);
}

static int
listen_on(struct http *http, const struct conf_http *c, char *cause,
    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN];
	int v6 = strchr(c->host, ':') != NULL, fd;

	memset(&ss, 0, sizeof ss);
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)c->port);
		inet_pton(AF_INET6, c->host, &s6->sin6_addr);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)c->port);
		inet_pton(AF_INET, c->host, &s4->sin_addr);
		sl = sizeof *s4;
	}
	http->lev = evconnlistener_new_bind(http->h->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ss, (int)sl);
	if (http->lev == NULL) {
		snprintf(cause, len, "http.listen %s: %s", c->listen,
		    strerror(errno));
		return -1;
	}
	fd = evconnlistener_get_fd(http->lev);
	sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (v6)
			snprintf(http->addr, sizeof http->addr, "[%s]:%u",
			    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)
			    ->sin6_addr, host, sizeof host),
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
		else
			snprintf(http->addr, sizeof http->addr, "%s:%u",
			    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)
			    ->sin_addr, host, sizeof host),
			    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	if (evhttp_bind_listener(http->http, http->lev) == NULL) {
		snprintf(cause, len, "http.listen %s: evhttp cannot take the "
		    "listener", c->listen);
		evconnlistener_free(http->lev);
		http->lev = NULL;
		return -1;
	}
	return 0;
}

struct http *
http_create(struct herdd *h, char *cause, size_t len)
{
	const struct conf_http *c = &h->conf->http;
	struct http *http;

	cause[0] = '\0';
	if (c->listen == NULL)
		return NULL;
	http = xcalloc(1, sizeof *http);
	http->h = h;
	http->public_read = c->public_read;
	http->max_conns = c->max_connections ? c->max_connections : 64;
	bucket_init(&http->changes, c->mutations_per_minute);
	bucket_init(&http->logins, c->mutations_per_minute);
	if (c->token_file != NULL) {
		if ((http->token = http_token_read(c->token_file, cause, len)) ==
		    NULL) {
			free(http);
			return NULL;
		}
		http->token_len = strlen(http->token);
	}
	http->full_ev = evtimer_new(h->base, full_cb, http);
	listener = http;
	http->http = evhttp_new(h->base);
	evhttp_set_max_headers_size(http->http, MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(http->http, MAX_BODY_BYTES);
	evhttp_set_timeout(http->http, READ_TIMEOUT_S);
	evhttp_set_allowed_methods(http->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(http->http, conn_new, http);
	evhttp_set_gencb(http->http, request_cb, http);
	if (listen_on(http, c, cause, len) == -1) {
		http_destroy(http);
		return NULL;
	}
	write_addr(http);
	log_info("http: listening on %s (%s)", http->addr, http->token ?
	    (http->public_read ? "reads open, changes with the token" :
	    "with the token") : (http->public_read ? "reads open, no "
	    "changes" : "probes only: no token_file"));
	return http;
}

void
http_destroy(struct http *http)
{
	if (http == NULL)
		return;
	http_api_close_all(http);
	http_sse_close_all(http);
	http->lev = NULL; /* evhttp_free frees the listener it was given */
	if (http->http != NULL)
		evhttp_free(http->http);
	unlinkat(http->h->run_dirfd, "http.addr", 0);
	if (http->token != NULL) {
		explicit_bzero(http->token, http->token_len);
		free(http->token);
		http->token = NULL;
	}
	if (http->full_ev != NULL)
		event_free(http->full_ev);
	free(http->conns);
	listener = NULL;
	free(http);
}
