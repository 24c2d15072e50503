/* Reading herd.json: the file, cJSON's parse, syntax errors with their
 * place, then validation into a fresh struct conf. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

int
conf_load_read(const char *path, char **buf, size_t *len)
{
	FILE *f;
	char *b = NULL, *nb;
	size_t n = 0, cap = 0, r;
	int err = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(b, cap)) == NULL) {
				err = ENOMEM;
				break;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err != 0) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

int
conf_load(const char *path, struct conf **out, struct conf_errors *errs)
{
	char *buf = NULL, what[256];
	size_t len = 0;
	int err, rc;

	*out = NULL;
	errs->msgs = NULL;
	errs->n = 0;
	if ((err = conf_load_read(path, &buf, &len)) != 0) {
		snprintf(what, sizeof what, "cannot read: %s", strerror(err));
		conf_errors_single(errs, path, what);
		return -1;
	}
	rc = conf_parse(path, buf, len, out, errs);
	free(buf);
	return rc;
}

/*
 * Whether cJSON's error at OFF really is the end of the text: cJSON reports
 * running out of input at the last byte, so parse again with a byte that is
 * never valid appended and see whether the error moves onto it.
 */
static int
conf_load_at_eof(const char *text, size_t len, size_t off)
{
	const char *end = NULL;
	cJSON *v;
	char *buf;
	int eof;

	if (len == 0 || off != len - 1 || (buf = malloc(len + 1)) == NULL)
		return 0;
	memcpy(buf, text, len);
	buf[len] = '#';
	v = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 0);
	eof = v == NULL && end == buf + len;
	cJSON_Delete(v);
	free(buf);
	return eof;
}

/* Records a syntax error at OFF, showing a few bytes from there. */
static void
conf_load_syntax(struct conf_ctx *ctx, size_t off)
{
	size_t i, n = 0;

	if (off > ctx->len)
		off = ctx->len;
	if (conf_load_at_eof(ctx->text, ctx->len, off)) {
		conf_err_at(ctx, ctx->len, "invalid JSON: unexpected end of "
		    "file");
		return;
	}
	for (i = off; i < ctx->len && (unsigned char)ctx->text[i] <= 32; i++)
		;
	if (i == ctx->len) {
		conf_err_at(ctx, off, "invalid JSON: unexpected end of file");
		return;
	}
	while (off + n < ctx->len && n < 12 &&
	    (unsigned char)ctx->text[off + n] >= 32)
		n++;
	conf_err_at(ctx, off, "invalid JSON near '%.*s'", (int)n,
	    ctx->text + off);
}

/*
 * Parses TEXT; on success returns the tree (caller deletes) with positions
 * in ctx->pos, else records the syntax error and returns NULL.
 */
static cJSON *
conf_load_json(struct conf_ctx *ctx)
{
	const char *end = NULL;
	cJSON *root;
	size_t old, off;

	old = conf_path_raw(ctx, "(syntax)");
	root = cJSON_ParseWithLengthOpts(ctx->text, ctx->len, &end, 0);
	if (root == NULL) {
		off = end != NULL ? (size_t)(end - ctx->text) : 0;
		conf_load_syntax(ctx, off);
		conf_path_pop(ctx, old);
		return NULL;
	}
	/* Only whitespace may follow the value. */
	off = (size_t)(end - ctx->text);
	while (off < ctx->len && (unsigned char)ctx->text[off] <= 32)
		off++;
	if (off < ctx->len) {
		conf_load_syntax(ctx, off);
		conf_path_pop(ctx, old);
		cJSON_Delete(root);
		return NULL;
	}
	conf_path_pop(ctx, old);
	if ((ctx->pos = conf_pos_create(ctx->text, ctx->len, root)) == NULL) {
		ctx->oom = 1;
		cJSON_Delete(root);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		conf_err_expected(ctx, root, "an object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int
conf_parse(const char *path, const char *text, size_t len,
    struct conf **out, struct conf_errors *errs)
{
	struct conf_ctx ctx;
	struct conf *c;
	cJSON *root;

	*out = NULL;
	conf_ctx_init(&ctx, path, text, len);
	if ((c = conf_calloc(&ctx, 1, sizeof *c)) != NULL &&
	    (root = conf_load_json(&ctx)) != NULL) {
		c->path = conf_strdup(&ctx, path);
		/* TEXT is LEN bytes, not a string: the fuzzer's first find */
		if ((c->text = strndup(text, len)) == NULL)
			ctx.oom = 1;
		conf_validate_top(&ctx, root, c);
		cJSON_Delete(root);
	}
	if (ctx.nerrs > 0 || ctx.oom) {
		conf_ctx_take_errors(&ctx, errs);
		conf_ctx_clear(&ctx);
		conf_free(c);
		return -1;
	}
	conf_ctx_clear(&ctx);
	errs->msgs = NULL;
	errs->n = 0;
	*out = c;
	return 0;
}

int
conf_child_parse(const char *what, const char *text, size_t len,
    struct conf_child **out, struct conf_errors *errs)
{
	struct conf_ctx ctx;
	struct conf_child *c;
	cJSON *root;

	*out = NULL;
	conf_ctx_init(&ctx, what, text, len);
	if ((c = conf_child_new(&ctx)) != NULL &&
	    (root = conf_load_json(&ctx)) != NULL) {
		conf_validate_child(&ctx, root, c);
		cJSON_Delete(root);
	}
	if (ctx.nerrs > 0 || ctx.oom) {
		conf_ctx_take_errors(&ctx, errs);
		conf_ctx_clear(&ctx);
		conf_child_free(c);
		return -1;
	}
	conf_ctx_clear(&ctx);
	errs->msgs = NULL;
	errs->n = 0;
	*out = c;
	return 0;
}

/* The object at PATH in ROOT: the root supervisor, then children by
 * name. */
static const cJSON *
conf_object_at(const cJSON *root, const char *path)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "supervisor");
	const char *p = path;

	while (o != NULL && *p != '\0') {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		const cJSON *c, *found = NULL;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o,
		    "children")) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c,
			    "name");
			if (cJSON_IsString(nm) && strlen(nm->valuestring) == n &&
			    strncmp(nm->valuestring, p, n) == 0)
				found = c;
		}
		o = found;
		p += n + (slash != NULL);
	}
	return o;
}

static char *
conf_member_text(const char *text, const char *path, const char *field)
{
	cJSON *root = text != NULL ? cJSON_Parse(text) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    conf_object_at(root, path), field);
	char *s = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(root);
	return s;
}

void
conf_field_values(const struct conf *old, const struct conf *new,
    const char *path, const char *field, char **was, char **now)
{
	*was = conf_member_text(old->text, path, field);
	*now = conf_member_text(new->text, path, field);
}
