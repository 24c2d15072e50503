/*
 * The HTTP listener's token (docs/security.md "The HTTP listener"): read
 * once from http.token_file, refused unless only herdd's user (or root)
 * may read it; compared in constant time with what a request carries in
 * its Authorization header or in the cookie /login gives a browser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http-int.h"
#include "util.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 4096

/* Compares in time that depends on the lengths only. */
static int
token_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char d = alen != blen;
	size_t i;

	for (i = 0; i < alen && i < blen; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The value of cookie NAME in a Cookie header; its length in *len. */
static const char *
cookie_value(const char *hdr, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = hdr;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			p += n + 1;
			*len = strcspn(p, ";");
			return p;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

int
http_token_is(struct http *http, const char *s, size_t len)
{
	return http->token != NULL && token_eq(s, len, http->token,
	    http->token_len);
}

int
http_has_token(struct http *http, struct evhttp_request *req,
    int header_only)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *v;
	size_t len;

	if (http->token == NULL)
		return 0;
	v = evhttp_find_header(in, "Authorization");
	if (v != NULL && strncmp(v, "Bearer ", 7) == 0)
		return token_eq(v + 7, strlen(v + 7), http->token,
		    http->token_len);
	if (header_only || (v = evhttp_find_header(in, "Cookie")) == NULL ||
	    (v = cookie_value(v, "herd_token", &len)) == NULL)
		return 0;
	return token_eq(v, len, http->token, http->token_len);
}

/* What a cookie's value may hold, so /login can give it as one. */
static int
token_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e || strchr("\\\",;", *s) != NULL)
			return 0;
	return 1;
}

char *
http_token_read(const char *path, char *cause, size_t len)
{
	char buf[TOKEN_MAX + 2], *tok;
	struct stat st;
	ssize_t n;
	size_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(cause, len, "http.token_file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(cause, len, "http.token_file %s: not a regular file",
		    path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(cause, len, "http.token_file %s: mode %04o lets "
		    "other users read the token (chmod 600 it)", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(cause, len, "http.token_file %s: owned by uid %u, "
		    "not by herdd's user or root", path, (unsigned)st.st_uid);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(cause, len, "http.token_file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	k = strcspn(buf, "\r\n");
	buf[k] = '\0';
	if (k < TOKEN_MIN || k > TOKEN_MAX || !token_chars(buf)) {
		explicit_bzero(buf, sizeof buf);
		snprintf(cause, len, "http.token_file %s: the token (its first "
		    "line) must be %d to %d printable ASCII characters, none "
		    "of them a space or one of \\\",;", path, TOKEN_MIN,
		    TOKEN_MAX);
		return NULL;
	}
	tok = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return tok;
}
