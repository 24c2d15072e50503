/*
 * /logs?name=PATH: the end of a child's captured output (its
 * log_dir/PATH.stdout.log and .stderr.log), for the page's output pane,
 * as `herdctl logs` shows it. Only children herdd knows (in the tree, or
 * a temporary one that ended), so the path names files under log_dir and
 * nothing else (the name comes from herdd's own record, not the query);
 * opened beneath log_dir's fd, the file itself not a symlink (log_dir
 * and its folders are herdd's); at most the last TAIL_MAX bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "herdd.h"
#include "http-int.h"
#include "util.h"

#define TAIL_DEFAULT (64 * 1024)
#define TAIL_MAX (1024 * 1024)

/* Appends the last N bytes of log_dir/PATH.STREAM.log to b, from a line's
 * start. */
static void
tail(struct herdd *h, struct evbuffer *b, const char *path,
    const char *stream, long n, int header)
{
	char *name = xprintf("%s.%s.log", path, stream), *buf, *p;
	struct stat sb;
	off_t from;
	ssize_t got;
	int fd;

	fd = openat(h->log_dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(name);
	if (header)
		evbuffer_add_printf(b, "==> %s <==\n", stream);
	if (fd == -1 || fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		if (fd != -1)
			close(fd);
		if (header)
			evbuffer_add_printf(b, "(nothing yet)\n");
		return;
	}
	from = sb.st_size > n ? sb.st_size - n : 0;
	buf = xcalloc(1, (size_t)n + 1);
	got = pread(fd, buf, (size_t)n, from);
	close(fd);
	if (got > 0) {
		p = buf;
		if (from > 0 && (p = memchr(buf, '\n', (size_t)got)) != NULL)
			p++; /* a cut line is left out */
		else if (p == NULL)
			p = buf;
		evbuffer_add(b, p, (size_t)(got - (p - buf)));
	}
	free(buf);
}

void
http_logs(struct http *http, struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(
	    req));
	const struct conf_child *spec = NULL;
	const char *path = NULL;
	const struct ended *e;
	const char *name, *v;
	struct evkeyvalq kv;
	struct evbuffer *b;
	struct child *c;
	long n = TAIL_DEFAULT;
	char *end;

	TAILQ_INIT(&kv);
	if (q == NULL || evhttp_parse_query_str(q, &kv) != 0 ||
	    (name = evhttp_find_header(&kv, "name")) == NULL) {
		evhttp_clear_headers(&kv);
		http_send_error(req, 400, "bad_request", "/logs needs "
		    "?name=PATH");
		return;
	}
	if ((v = evhttp_find_header(&kv, "bytes")) != NULL) {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1 || n > TAIL_MAX) {
			evhttp_clear_headers(&kv);
			http_send_error(req, 400, "bad_request", "bytes must "
			    "be from 1 to %d", TAIL_MAX);
			return;
		}
	}
	if ((c = tree_find(http->h->root, name)) != NULL && c->spec != NULL &&
	    c->type == CONF_WORKER) {
		spec = c->spec;
		path = c->path;
	} else if (c == NULL && (e = ended_find(http->h, name)) != NULL) {
		spec = e->spec;
		path = e->path;
	}
	if (spec == NULL) {
		http_send_error(req, 404, "not_found", "no worker named "
		    "\"%.200s\"", name);
		evhttp_clear_headers(&kv);
		return;
	}
	b = evbuffer_new();
	if (spec->out == CONF_OUT_LOG)
		tail(http->h, b, path, "stdout", n, 1);
	if (spec->err == CONF_OUT_LOG)
		tail(http->h, b, path, "stderr", n, 1);
	if (spec->out != CONF_OUT_LOG && spec->err != CONF_OUT_LOG)
		evbuffer_add_printf(b, "(its output is not captured: stdout "
		    "and stderr are not \"log\")\n");
	evhttp_clear_headers(&kv);
	http_send(req, 200, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}
