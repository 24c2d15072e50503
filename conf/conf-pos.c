/* Byte positions of a cJSON tree's values and keys, found by rescanning the
 * text cJSON accepted (cJSON itself keeps none). */

#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

struct conf_pos_ent {
	const cJSON *node;
	size_t key; /* opening quote of the member's key, or SIZE_MAX */
	size_t val; /* first byte of the value */
	size_t end; /* just past the value */
};

struct conf_pos {
	struct conf_pos_ent *v;
	size_t n, cap;
};

static size_t
conf_pos_ws(const char *t, size_t len, size_t i)
{
	/* The same whitespace as cJSON's buffer_skip_whitespace. */
	while (i < len && (unsigned char)t[i] <= 32)
		i++;
	return i;
}

/* I is at an opening quote; returns the offset past the closing one. */
static size_t
conf_pos_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++) {
		if (t[i] == '\\')
			i++;
	}
	return i < len ? i + 1 : len;
}

static int
conf_pos_is_number_char(char ch)
{
	/* The characters cJSON's parse_number collects. */
	return (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
	    ch == '.' || ch == 'e' || ch == 'E';
}

static int
conf_pos_add(struct conf_pos *p, const cJSON *node, size_t key, size_t val,
    size_t end)
{
	struct conf_pos_ent *nv;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		nv = realloc(p->v, p->cap * sizeof *nv);
		if (nv == NULL)
			return -1;
		p->v = nv;
	}
	p->v[p->n++] = (struct conf_pos_ent){ node, key, val, end };
	return 0;
}

/* Scans the value of NODE starting at *IP (whitespace allowed before it). */
static int
conf_pos_scan(struct conf_pos *p, const char *t, size_t len, size_t *ip,
    const cJSON *node, size_t key)
{
	const cJSON *child;
	size_t i, start, k;

	i = start = conf_pos_ws(t, len, *ip);
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		i++;
		for (child = node->child; child != NULL; child = child->next) {
			i = conf_pos_ws(t, len, i);
			if (i < len && t[i] == ',')
				i = conf_pos_ws(t, len, i + 1);
			k = SIZE_MAX;
			if (cJSON_IsObject(node)) {
				k = i;
				i = conf_pos_ws(t, len, conf_pos_string(t, len, i));
				if (i < len && t[i] == ':')
					i++;
			}
			if (conf_pos_scan(p, t, len, &i, child, k) != 0)
				return -1;
		}
		i = conf_pos_ws(t, len, i);
		if (i < len)
			i++; /* the closing brace or bracket */
	} else if (cJSON_IsString(node)) {
		i = conf_pos_string(t, len, i);
	} else if (cJSON_IsNumber(node)) {
		while (i < len && conf_pos_is_number_char(t[i]))
			i++;
	} else if (cJSON_IsTrue(node) || cJSON_IsNull(node)) {
		i += 4;
	} else if (cJSON_IsFalse(node)) {
		i += 5;
	}
	if (i > len)
		i = len;
	*ip = i;
	return conf_pos_add(p, node, key, start, i);
}

static int
conf_pos_cmp(const void *a, const void *b)
{
	const struct conf_pos_ent *x = a, *y = b;
	uintptr_t u = (uintptr_t)x->node, w = (uintptr_t)y->node;

	return u < w ? -1 : u > w;
}

struct conf_pos *
conf_pos_create(const char *text, size_t len, const cJSON *root)
{
	struct conf_pos *p;
	size_t i = 0;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	/* cJSON skips a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	if (conf_pos_scan(p, text, len, &i, root, SIZE_MAX) != 0) {
		conf_pos_destroy(p);
		return NULL;
	}
	qsort(p->v, p->n, sizeof *p->v, conf_pos_cmp);
	return p;
}

void
conf_pos_destroy(struct conf_pos *p)
{
	if (p == NULL)
		return;
	free(p->v);
	free(p);
}

static const struct conf_pos_ent *
conf_pos_find(const struct conf_pos *p, const cJSON *node)
{
	struct conf_pos_ent key = { .node = node };

	if (p == NULL || p->n == 0)
		return NULL;
	return bsearch(&key, p->v, p->n, sizeof *p->v, conf_pos_cmp);
}

size_t
conf_pos_value(const struct conf_pos *p, const cJSON *node)
{
	const struct conf_pos_ent *e = conf_pos_find(p, node);

	return e != NULL ? e->val : 0;
}

size_t
conf_pos_value_end(const struct conf_pos *p, const cJSON *node)
{
	const struct conf_pos_ent *e = conf_pos_find(p, node);

	return e != NULL ? e->end : 0;
}

size_t
conf_pos_key(const struct conf_pos *p, const cJSON *node)
{
	const struct conf_pos_ent *e = conf_pos_find(p, node);

	if (e == NULL)
		return 0;
	return e->key != SIZE_MAX ? e->key : e->val;
}

void
conf_pos_linecol(const char *text, size_t len, size_t off, unsigned *line,
    unsigned *col)
{
	size_t i, bol = 0;
	unsigned l = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			bol = i + 1;
		}
	}
	*line = l;
	*col = (unsigned)(off - bol + 1);
}
