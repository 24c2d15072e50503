/* JSON text written straight into a buffer (see jsonbuf.h for why). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonbuf.h"

static void
reserve(struct jsonbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	if ((b->s = realloc(b->s, b->cap)) == NULL)
		abort(); /* both herdd and herdctl treat this as fatal */
}

void
jb_raw(struct jsonbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
jb_lit(struct jsonbuf *b, const char *s)
{
	jb_raw(b, s, strlen(s));
}

/* Escapes in one pass into space reserved for the worst case (every byte
 * as \u00XX): status of 10,000 children writes 50,000 strings. */
void
jb_str(struct jsonbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char *o;

	reserve(b, 6 * strlen(s) + 2);
	o = b->s + b->len;
	*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			*o++ = (char)*p;
		} else if (*p >= 0x20) {
			*o++ = '\\';
			*o++ = (char)*p;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			o += 6;
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->s);
}

/* Decimal digits without snprintf (a third of status's time went there). */
void
jb_int(struct jsonbuf *b, long long v)
{
	char tmp[24], *e = tmp + sizeof tmp, *p = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jb_raw(b, p, (size_t)(e - p));
}

void
jb_key(struct jsonbuf *b, const char *key, int first)
{
	if (!first)
		jb_raw(b, ",", 1);
	jb_str(b, key);
	jb_raw(b, ":", 1);
}

static void
jb_number(struct jsonbuf *b, double v)
{
	char tmp[32];
	int n;

	if (v != v || v > 1e308 || v < -1e308) {
		jb_raw(b, "null", 4);
		return;
	}
	if (v == (double)(long long)v && v < 9007199254740992.0 &&
	    v > -9007199254740992.0)
		n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	else
		n = snprintf(tmp, sizeof tmp, "%.17g", v);
	jb_raw(b, tmp, (size_t)n);
}

void
jb_cjson(struct jsonbuf *b, const cJSON *j)
{
	const cJSON *c;
	int first = 1;

	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		jb_raw(b, cJSON_IsObject(j) ? "{" : "[", 1);
		for (c = j->child; c != NULL; c = c->next) {
			if (!first)
				jb_raw(b, ",", 1);
			first = 0;
			if (cJSON_IsObject(j)) {
				jb_str(b, c->string ? c->string : "");
				jb_raw(b, ":", 1);
			}
			jb_cjson(b, c);
		}
		jb_raw(b, cJSON_IsObject(j) ? "}" : "]", 1);
	} else if (cJSON_IsString(j)) {
		jb_str(b, j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		jb_number(b, j->valuedouble);
	} else if (cJSON_IsTrue(j)) {
		jb_raw(b, "true", 4);
	} else if (cJSON_IsFalse(j)) {
		jb_raw(b, "false", 5);
	} else if (cJSON_IsRaw(j)) {
		jb_lit(b, j->valuestring);
	} else {
		jb_raw(b, "null", 4);
	}
}

void
jb_free(struct jsonbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
