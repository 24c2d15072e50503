/* The validation context: the JSON path being checked, the errors found so
 * far, and their final "FILE:LINE:COL: PATH: message" form. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

void
conf_ctx_init(struct conf_ctx *ctx, const char *file, const char *text,
    size_t len)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->file = file;
	ctx->text = text;
	ctx->len = len;
}

void
conf_ctx_clear(struct conf_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nerrs; i++)
		free(ctx->errs[i].msg);
	free(ctx->errs);
	free(ctx->path);
	conf_pos_destroy(ctx->pos);
	ctx->errs = NULL;
	ctx->nerrs = ctx->errcap = 0;
	ctx->path = NULL;
	ctx->pathlen = ctx->pathcap = 0;
	ctx->pos = NULL;
}

void *
conf_calloc(struct conf_ctx *ctx, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		ctx->oom = 1;
	return p;
}

char *
conf_strdup(struct conf_ctx *ctx, const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		ctx->oom = 1;
	return p;
}

static void
conf_path_append(struct conf_ctx *ctx, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (ctx->pathlen + n + 1 > ctx->pathcap) {
		cap = ctx->pathcap ? ctx->pathcap : 128;
		while (cap < ctx->pathlen + n + 1)
			cap *= 2;
		if ((np = realloc(ctx->path, cap)) == NULL) {
			ctx->oom = 1;
			return;
		}
		ctx->path = np;
		ctx->pathcap = cap;
	}
	memcpy(ctx->path + ctx->pathlen, s, n);
	ctx->pathlen += n;
	ctx->path[ctx->pathlen] = '\0';
}

static int
conf_path_plain(const char *key)
{
	if (*key == '\0')
		return 0;
	for (; *key != '\0'; key++) {
		if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') ||
		    (*key >= '0' && *key <= '9') || *key == '_' || *key == '$'))
			return 0;
	}
	return 1;
}

size_t
conf_path_key(struct conf_ctx *ctx, const char *key)
{
	size_t old = ctx->pathlen;
	char ch[2] = { 0, 0 };

	if (conf_path_plain(key)) {
		if (ctx->pathlen > 0)
			conf_path_append(ctx, ".", 1);
		conf_path_append(ctx, key, strlen(key));
		return old;
	}
	/* Keys that would not read as a path: ["a key"]. */
	conf_path_append(ctx, "[\"", 2);
	for (; *key != '\0'; key++) {
		if (*key == '"' || *key == '\\')
			conf_path_append(ctx, "\\", 1);
		ch[0] = (unsigned char)*key < 32 ? '?' : *key;
		conf_path_append(ctx, ch, 1);
	}
	conf_path_append(ctx, "\"]", 2);
	return old;
}

size_t
conf_path_raw(struct conf_ctx *ctx, const char *s)
{
	size_t old = ctx->pathlen;

	conf_path_append(ctx, s, strlen(s));
	return old;
}

size_t
conf_path_index(struct conf_ctx *ctx, size_t i)
{
	size_t old = ctx->pathlen;
	char buf[32];
	int n;

	n = snprintf(buf, sizeof buf, "[%zu]", i);
	conf_path_append(ctx, buf, (size_t)n);
	return old;
}

void
conf_path_pop(struct conf_ctx *ctx, size_t len)
{
	if (ctx->path != NULL && len <= ctx->pathlen) {
		ctx->pathlen = len;
		ctx->path[len] = '\0';
	}
}

const char *
conf_path(const struct conf_ctx *ctx)
{
	return ctx->pathlen > 0 ? ctx->path : "(root)";
}

static void
conf_err_vadd(struct conf_ctx *ctx, size_t off, const char *fmt, va_list ap)
{
	struct conf_err *ne;
	char *body, *msg;

	if (ctx->nerrs == ctx->errcap) {
		size_t cap = ctx->errcap ? ctx->errcap * 2 : 16;

		if ((ne = realloc(ctx->errs, cap * sizeof *ne)) == NULL) {
			ctx->oom = 1;
			return;
		}
		ctx->errs = ne;
		ctx->errcap = cap;
	}
	if (vasprintf(&body, fmt, ap) < 0) {
		ctx->oom = 1;
		return;
	}
	if (asprintf(&msg, "%s: %s", conf_path(ctx), body) < 0) {
		free(body);
		ctx->oom = 1;
		return;
	}
	free(body);
	ctx->errs[ctx->nerrs] = (struct conf_err){ off, ctx->nerrs, msg };
	ctx->nerrs++;
}

void
conf_err_at(struct conf_ctx *ctx, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_err_vadd(ctx, off, fmt, ap);
	va_end(ap);
}

void
conf_err_val(struct conf_ctx *ctx, const cJSON *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_err_vadd(ctx, conf_pos_value(ctx->pos, v), fmt, ap);
	va_end(ap);
}

void
conf_err_key(struct conf_ctx *ctx, const cJSON *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_err_vadd(ctx, conf_pos_key(ctx->pos, v), fmt, ap);
	va_end(ap);
}

int
conf_err_expected(struct conf_ctx *ctx, const cJSON *v, const char *what)
{
	char buf[CONF_FOUND_MAX + 8];

	conf_err_val(ctx, v, "expected %s, found %s", what,
	    conf_found(ctx, v, buf, sizeof buf));
	return -1;
}

/* Appends S to BUF (of SIZE) at *N, as far as it fits. */
static void
conf_found_put(char *buf, size_t size, size_t *n, const char *s, size_t len)
{
	while (len-- > 0 && *n + 1 < size)
		buf[(*n)++] = *s++;
	buf[*n] = '\0';
}

/* Cuts BUF (holding N bytes) to fit CONF_FOUND_MAX, not inside a UTF-8
 * sequence, and marks the cut with "..." (and a closing quote). */
static void
conf_found_cut(char *buf, size_t n, int quoted)
{
	size_t keep = CONF_FOUND_MAX - 3 - (quoted ? 1 : 0);

	if (n <= CONF_FOUND_MAX)
		return;
	while (keep > 1 && ((unsigned char)buf[keep] & 0xC0) == 0x80)
		keep--;
	strcpy(buf + keep, quoted ? "...\"" : "...");
}

const char *
conf_found(const struct conf_ctx *ctx, const cJSON *v, char *buf, size_t size)
{
	size_t n = 0, a, b;
	const char *s;
	char esc[8];

	buf[0] = '\0';
	if (cJSON_IsObject(v)) {
		snprintf(buf, size, "%s", v->child ? "an object" : "an empty object");
	} else if (cJSON_IsArray(v)) {
		snprintf(buf, size, "%s", v->child ? "an array" : "an empty array");
	} else if (cJSON_IsTrue(v) || cJSON_IsFalse(v) || cJSON_IsNull(v)) {
		snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" :
		    cJSON_IsFalse(v) ? "false" : "null");
	} else if (cJSON_IsNumber(v)) {
		/* As written: 1e3 stays 1e3. */
		a = conf_pos_value(ctx->pos, v);
		b = conf_pos_value_end(ctx->pos, v);
		if (b > a && b <= ctx->len)
			conf_found_put(buf, size, &n, ctx->text + a, b - a);
		else
			n = (size_t)snprintf(buf, size, "%g", v->valuedouble);
		conf_found_cut(buf, n, 0);
	} else if (cJSON_IsString(v)) {
		conf_found_put(buf, size, &n, "\"", 1);
		for (s = v->valuestring; *s != '\0' && n + 1 < size; s++) {
			if (*s == '"' || *s == '\\') {
				esc[0] = '\\';
				esc[1] = *s;
				conf_found_put(buf, size, &n, esc, 2);
			} else if (*s == '\n') {
				conf_found_put(buf, size, &n, "\\n", 2);
			} else if (*s == '\t') {
				conf_found_put(buf, size, &n, "\\t", 2);
			} else if ((unsigned char)*s < 32) {
				snprintf(esc, sizeof esc, "\\u%04x", *s);
				conf_found_put(buf, size, &n, esc, 6);
			} else {
				conf_found_put(buf, size, &n, s, 1);
			}
		}
		conf_found_put(buf, size, &n, "\"", 1);
		if (*s != '\0')
			n = size; /* cut short: force the marker */
		conf_found_cut(buf, n, 1);
	}
	return buf;
}

static int
conf_err_cmp(const void *a, const void *b)
{
	const struct conf_err *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
conf_errors_single(struct conf_errors *errs, const char *file,
    const char *what)
{
	char *msg;

	errs->msgs = NULL;
	errs->n = 0;
	if (asprintf(&msg, "%s: %s", file, what) < 0)
		return;
	if ((errs->msgs = malloc(sizeof *errs->msgs)) == NULL) {
		free(msg);
		return;
	}
	errs->msgs[0] = msg;
	errs->n = 1;
}

void
conf_ctx_take_errors(struct conf_ctx *ctx, struct conf_errors *errs)
{
	unsigned line, col;
	size_t i;
	char *msg;

	errs->msgs = NULL;
	errs->n = 0;
	if (ctx->oom) {
		conf_errors_single(errs, ctx->file, "out of memory");
		return;
	}
	qsort(ctx->errs, ctx->nerrs, sizeof *ctx->errs, conf_err_cmp);
	if ((errs->msgs = calloc(ctx->nerrs + 1, sizeof *errs->msgs)) == NULL) {
		conf_errors_single(errs, ctx->file, "out of memory");
		return;
	}
	for (i = 0; i < ctx->nerrs; i++) {
		conf_pos_linecol(ctx->text, ctx->len, ctx->errs[i].off, &line,
		    &col);
		if (asprintf(&msg, "%s:%u:%u: %s", ctx->file, line, col,
		    ctx->errs[i].msg) < 0) {
			conf_errors_clear(errs);
			conf_errors_single(errs, ctx->file, "out of memory");
			return;
		}
		errs->msgs[errs->n++] = msg;
	}
}
