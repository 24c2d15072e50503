/* herdd's HTTP listener (docs/http.md): the status page, /events,
 * /metrics, /healthz, /readyz and /api/v1, on libevent's evhttp, off
 * unless herd.json has "http". */
#ifndef HERDD_HTTP_H
#define HERDD_HTTP_H

#include <stddef.h>

struct herdd;
struct http;

/* Listens as h->conf->http says: NULL with cause "" when it says
 * nothing, NULL with cause filled when it cannot (a token file others
 * may read, an address in use). */
struct http *http_create(struct herdd *h, char *cause, size_t len);
/* Closes the listener and every connection; NULL does nothing. */
void http_destroy(struct http *http);

#endif
