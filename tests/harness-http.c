/* HTTP/1.1 by hand for the HTTP listener's tests (harness.h): plain
 * sockets, so a test can send what no client library would (a header of
 * 16 KiB, half a request) and see exactly what came back. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

const char *
ht_http_addr(struct ht *h)
{
	const char *a = ht_wait_file(h, ht_path(h, "run/http.addr"), "\n",
	    HT_T);
	char *s = strdup(a), *nl;

	assert_non_null(s);
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	return ht_keep_str(h, s);
}

int
ht_tcp_connect(const char *hostport)
{
	struct sockaddr_in sin;
	char host[64];
	unsigned port;
	int fd;

	assert_int_equal(sscanf(hostport, "%63[^:]:%u", host, &port), 2);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, host, &sin.sin_addr), 1);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		fail_msg("connect %s: %m", hostport);
	return fd;
}

void
ht_send_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w <= 0)
			fail_msg("write: %m");
		s += w;
		n -= (size_t)w;
	}
}

/* Reads FD into a buffer (caller frees) until DONE(buf, n, arg) holds,
 * the peer closes (*eof) or TIMEOUT_MS pass. */
static char *
read_while(int fd, int timeout_ms, int (*done)(const char *, size_t,
    const void *), const void *arg, int *eof)
{
	size_t n = 0, cap = 8192;
	char *buf = calloc(1, cap + 1);
	struct pollfd p = { fd, POLLIN, 0 };
	int left = timeout_ms;
	ssize_t r;

	*eof = 0;
	assert_non_null(buf);
	while (left > 0 && !done(buf, n, arg)) {
		if (poll(&p, 1, 50) == 0) {
			left -= 50;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		if ((r = read(fd, buf + n, cap - n)) <= 0) {
			*eof = 1;
			break;
		}
		n += (size_t)r;
		buf[n] = '\0';
	}
	return buf;
}

static int
has_needle(const char *buf, size_t n, const void *needle)
{
	(void)n;
	return needle != NULL && strstr(buf, needle) != NULL;
}

const char *
ht_read_until(struct ht *h, int fd, const char *needle, int timeout_ms,
    int *eof)
{
	return ht_keep_str(h, read_while(fd, timeout_ms, has_needle, needle,
	    eof));
}

/* Whether BUF holds a whole reply: its headers, and as much body as its
 * Content-Length says (none: the peer's close ends it). */
static int
reply_whole(const char *buf, size_t n, const void *arg)
{
	const char *end = strstr(buf, "\r\n\r\n"), *cl;

	(void)arg;
	if (end == NULL)
		return 0;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl == NULL || cl > end)
		return 0;
	return n - (size_t)(end + 4 - buf) >= strtoul(cl + 17, NULL, 10);
}

struct ht_resp
ht_http_raw(struct ht *h, const char *hostport, const char *raw, size_t len)
{
	struct ht_resp r = { -1, NULL, NULL };
	int fd = ht_tcp_connect(hostport), eof;
	const char *b;

	ht_send_all(fd, raw, len);
	/* to the peer's close, or a whole reply: a peer may keep the
	 * connection open whatever Connection: close said (chromedriver) */
	r.raw = ht_keep_str(h, read_while(fd, HT_T, reply_whole, NULL, &eof));
	close(fd);
	if (sscanf(r.raw, "HTTP/1.%*d %d", &r.status) != 1)
		r.status = -1;
	b = strstr(r.raw, "\r\n\r\n");
	r.body = b != NULL ? b + 4 : r.raw + strlen(r.raw);
	return r;
}

struct ht_resp
ht_http(struct ht *h, const char *hostport, const char *method,
    const char *path, const char *headers, const char *body)
{
	char *raw, cl[96] = "";
	struct ht_resp r;
	int n;

	if (body != NULL)
		snprintf(cl, sizeof cl, "%sContent-Length: %zu\r\n",
		    strstr(headers, "Content-Type") != NULL ? "" :
		    "Content-Type: application/json\r\n", strlen(body));
	n = asprintf(&raw, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close"
	    "\r\n%s%s\r\n%s", method, path, hostport, headers, cl,
	    body != NULL ? body : "");
	assert_true(n > 0);
	r = ht_http_raw(h, hostport, raw, (size_t)n);
	free(raw);
	return r;
}
