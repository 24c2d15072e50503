/* A growing buffer of JSON text (jsonbuf.c), shared by herdd and herdctl.
 * cJSON prints each number through sprintf("%1.15g") and checks it with
 * sscanf, and status of 10,000 children spent most of its time there
 * (measured with perf): herd prints its JSON through this instead. */
#ifndef HERDD_JSONBUF_H
#define HERDD_JSONBUF_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct jsonbuf {
	char *s;
	size_t len, cap;
};

void jb_raw(struct jsonbuf *b, const char *s, size_t n);
void jb_lit(struct jsonbuf *b, const char *s);      /* as is */
void jb_str(struct jsonbuf *b, const char *s);      /* quoted, escaped */
void jb_int(struct jsonbuf *b, long long v);
/* "key": as the start of a member; comma is written before it if first is
 * 0. */
void jb_key(struct jsonbuf *b, const char *key, int first);
/* Appends J (a cJSON tree, borrowed) compactly; integers as integers. */
void jb_cjson(struct jsonbuf *b, const cJSON *j);
void jb_free(struct jsonbuf *b);

#endif
