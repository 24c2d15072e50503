/* "http": where herdd's HTTP listener listens and who may use it. The
 * rules that make a config unsafe are refused here, so that --check says
 * so: a non-loopback address needs a token, and reads open to anyone
 * (public_read) only on loopback. The token file itself is herdd's to
 * read and check at start (its mode and owner are the machine's). */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

void
conf_http_clear(struct conf_http *h)
{
	free(h->listen);
	free(h->host);
	free(h->token_file);
	memset(h, 0, sizeof *h);
}

/* "127.0.0.1:9090", "[::1]:9090" or "localhost:9090" into h's host, port
 * and loopback; -1 if it is not one of those. */
static int
http_listen_parse(struct conf_ctx *ctx, const char *s, struct conf_http *h)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon = strrchr(s, ':');
	unsigned char a[16];
	size_t n;
	long port;

	if (colon == NULL || colon == s || colon[1] == '\0')
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535 || colon[1] < '0' ||
	    colon[1] > '9')
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof host)
			return -1;
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			return -1;
		h->loopback = memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
		    16) == 0;
	} else {
		if (n >= sizeof host)
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, a) != 1)
			return -1;
		h->loopback = a[0] == 127;
	}
	h->host = conf_strdup(ctx, host);
	h->port = (unsigned)port;
	return 0;
}

/* An integer member from LO to HI into *out; -1 (recorded) if not. */
static int
http_uint(struct conf_ctx *ctx, const cJSON *el, unsigned lo, unsigned hi,
    unsigned *out)
{
	char what[64];

	if (!conf_value_is_int(el) || el->valuedouble < lo ||
	    el->valuedouble > hi) {
		snprintf(what, sizeof what, "an integer from %u to %u", lo, hi);
		return conf_err_expected(ctx, el, what);
	}
	*out = (unsigned)el->valuedouble;
	return 0;
}

int
conf_set_http(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_http *h = dst;
	const cJSON *el, *listen = NULL;
	size_t old;
	int bad = 0;

	(void)k;
	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object such as "
		    "{\"listen\": \"127.0.0.1:9090\"}");
	h->mutations_per_minute = 60;
	h->max_connections = 64;
	cJSON_ArrayForEach(el, v) {
		const char *key = el->string;

		if (strcmp(key, "comment") == 0 || strcmp(key, "_comment") == 0)
			continue; /* as in every object of herd.json */
		old = conf_path_key(ctx, key);
		if (conf_value_duplicate(ctx, v, el)) {
			bad = -1;
		} else if (strcmp(key, "listen") == 0) {
			listen = el;
			if (!cJSON_IsString(el) ||
			    http_listen_parse(ctx, el->valuestring, h) == -1)
				bad = conf_err_expected(ctx, el, "a numeric "
				    "address and port such as "
				    "\"127.0.0.1:9090\" or \"[::1]:9090\" "
				    "(port 0: any free one)");
			else
				h->listen = conf_strdup(ctx, el->valuestring);
		} else if (strcmp(key, "token_file") == 0) {
			if (!cJSON_IsString(el) || el->valuestring[0] != '/')
				bad = conf_err_expected(ctx, el, "an absolute "
				    "path");
			else
				h->token_file = conf_strdup(ctx,
				    el->valuestring);
		} else if (strcmp(key, "public_read") == 0) {
			if (!cJSON_IsBool(el))
				bad = conf_err_expected(ctx, el, "true or "
				    "false");
			else
				h->public_read = cJSON_IsTrue(el);
		} else if (strcmp(key, "mutations_per_minute") == 0) {
			bad |= http_uint(ctx, el, 1, 6000,
			    &h->mutations_per_minute);
		} else if (strcmp(key, "max_connections") == 0) {
			bad |= http_uint(ctx, el, 1, 10000,
			    &h->max_connections);
		} else {
			conf_err_key(ctx, el, "unknown key \"%s\" (one of "
			    "listen, token_file, public_read, "
			    "mutations_per_minute, max_connections)", key);
			bad = -1;
		}
		conf_path_pop(ctx, old);
	}
	if (bad)
		return -1;
	if (listen == NULL) {
		conf_err_val(ctx, v, "\"listen\" is required");
		return -1;
	}
	old = conf_path_key(ctx, "listen");
	if (!h->loopback && h->token_file == NULL) {
		conf_err_val(ctx, listen, "a non-loopback address needs "
		    "\"token_file\": any host that reaches it could read "
		    "the fleet");
		bad = -1;
	} else if (!h->loopback && h->public_read) {
		conf_err_val(ctx, listen, "\"public_read\" is for loopback "
		    "addresses only");
		bad = -1;
	}
	conf_path_pop(ctx, old);
	return bad;
}
