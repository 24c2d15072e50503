/* Editing herd.json as a cJSON tree: loading it, finding nodes by JSON path
 * or child path, setting values, adding and removing children. Printing is
 * in conf-edit-print.c, writing in conf-edit-write.c. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* One step of a path: a member KEY, or an array INDEX. */
struct conf_edit_step {
	char *key;    /* owned; NULL for an index */
	size_t index;
};

struct conf_edit_path {
	struct conf_edit_step *v;
	size_t n, cap;
};

static void
conf_edit_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conf_edit_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

static void
conf_edit_path_clear(struct conf_edit_path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].key);
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* Appends a step; KEY (taken) NULL for index I. -1 when out of memory. */
static int
conf_edit_path_add(struct conf_edit_path *p, char *key, size_t i)
{
	struct conf_edit_step *nv;
	size_t cap;

	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 8;
		if ((nv = realloc(p->v, cap * sizeof *nv)) == NULL) {
			free(key);
			return -1;
		}
		p->v = nv;
		p->cap = cap;
	}
	p->v[p->n].key = key;
	p->v[p->n].index = i;
	p->n++;
	return 0;
}

/* Steps 0..N-1 of P as a JSON path, like the validator's. Caller frees. */
static char *
conf_edit_path_text(const struct conf_edit_path *p, size_t n)
{
	struct conf_ctx ctx;
	char *s;
	size_t i;

	conf_ctx_init(&ctx, "", "", 0);
	conf_path_raw(&ctx, "");
	for (i = 0; i < n; i++) {
		if (p->v[i].key != NULL)
			conf_path_key(&ctx, p->v[i].key);
		else
			conf_path_index(&ctx, p->v[i].index);
	}
	s = strdup(conf_path(&ctx));
	conf_ctx_clear(&ctx);
	if (s == NULL)
		abort();
	return s;
}

/*
 * Parses the JSON path S onto P: keys separated by ".", "[N]" indexes and
 * "[\"KEY\"]" keys; a leading "." is allowed (after a child name). Returns
 * 0, or -1 with *cause.
 */
static int
conf_edit_parse_steps(const char *s, const char *whole,
    struct conf_edit_path *p, char **cause)
{
	const char *start = s, *e;
	char *key, *w;
	size_t n;
	int first = 1;

	while (*s != '\0') {
		if (*s == '[' && s[1] == '"') {
			/* ["key"], with \" and \\ escapes */
			if ((key = malloc(strlen(s))) == NULL)
				abort();
			for (w = key, e = s + 2; *e != '\0' && *e != '"'; e++) {
				if (*e == '\\' && e[1] != '\0')
					e++;
				*w++ = *e;
			}
			*w = '\0';
			if (*e != '"' || e[1] != ']') {
				free(key);
				goto bad;
			}
			s = e + 2;
		} else if (*s == '[') {
			n = strspn(s + 1, "0123456789");
			if (n == 0 || n > 9 || s[1 + n] != ']')
				goto bad;
			if (conf_edit_path_add(p, NULL, strtoul(s + 1, NULL,
			    10)) != 0)
				abort();
			s += n + 2;
			first = 0;
			if (*s != '\0' && *s != '.' && *s != '[')
				goto bad;
			continue;
		} else {
			if (*s == '.' && (!first || s == start))
				s++;
			n = strcspn(s, ".[");
			if (n == 0)
				goto bad;
			if ((key = strndup(s, n)) == NULL)
				abort();
			s += n;
		}
		if (conf_edit_path_add(p, key, 0) != 0)
			abort();
		first = 0;
		if (*s != '\0' && *s != '.' && *s != '[')
			goto bad;
	}
	return 0;
bad:
	conf_edit_cause(cause, "bad path \"%s\": use keys and [N] like "
	    "supervisor.children[0].restart, or a child path like "
	    "api/web.restart", whole);
	return -1;
}

/* The "children" array of supervisor object SUP, or NULL. */
static cJSON *
conf_edit_children(const cJSON *sup)
{
	cJSON *ch = cJSON_GetObjectItemCaseSensitive(sup, "children");

	return cJSON_IsArray(ch) ? ch : NULL;
}

/* The index of the child named NAME (LEN bytes) in supervisor object SUP,
 * or -1. */
static long
conf_edit_find_child(const cJSON *sup, const char *name, size_t len)
{
	const cJSON *el, *nm;
	long i = 0;

	cJSON_ArrayForEach(el, conf_edit_children(sup)) {
		nm = cJSON_GetObjectItemCaseSensitive(el, "name");
		if (cJSON_IsString(nm) && strlen(nm->valuestring) == len &&
		    strncmp(nm->valuestring, name, len) == 0)
			return i;
		i++;
	}
	return -1;
}

/* Whether PATH is a child path in ROOT (see conf.h). */
static int
conf_edit_is_child_path(const cJSON *root, const char *path)
{
	size_t i, n = strcspn(path, "./[");
	const cJSON *el;

	if (path[n] == '/')
		return 1;
	if (n == 0)
		return 0;
	/* A top-level key of the schema, given or not. */
	for (i = 0; i < conf_nkeys; i++)
		if ((conf_keys[i].kinds & CONF_K_TOP) &&
		    strlen(conf_keys[i].name) == n &&
		    strncmp(conf_keys[i].name, path, n) == 0)
			return 0;
	cJSON_ArrayForEach(el, root) {
		if (strlen(el->string) == n && strncmp(el->string, path, n) == 0)
			return 0;
	}
	return 1;
}

/*
 * Turns child path PATH into steps from the top, then the key path after
 * the child's name. Returns 0, or -1 with *cause.
 */
static int
conf_edit_parse_child_path(const cJSON *root, const char *path,
    struct conf_edit_path *p, char **cause)
{
	const cJSON *sup = cJSON_GetObjectItemCaseSensitive(root, "supervisor");
	const char *s = path, *slash, *e;
	long i = -1;
	size_t n;

	if (!cJSON_IsObject(sup)) {
		conf_edit_cause(cause, "no child \"%s\": the file has no "
		    "\"supervisor\" object", path);
		return -1;
	}
	if (conf_edit_path_add(p, strdup("supervisor"), 0) != 0)
		abort();
	for (;;) {
		slash = strchr(s, '/');
		if (slash != NULL) {
			n = (size_t)(slash - s);
			i = conf_edit_find_child(sup, s, n);
		} else {
			/* The longest name ending before a "." or "[" or at
			 * the end: names may hold dots. */
			i = -1;
			for (e = s + strlen(s); e > s; e--) {
				if (*e != '\0' && *e != '.' && *e != '[')
					continue;
				if ((i = conf_edit_find_child(sup, s,
				    (size_t)(e - s))) >= 0)
					break;
			}
			n = (size_t)(e - s);
			if (i < 0)
				n = strcspn(s, ".[");
		}
		if (i < 0) {
			if (s == path)
				conf_edit_cause(cause, "no child \"%.*s\" in "
				    "the root supervisor", (int)n, s);
			else
				conf_edit_cause(cause, "no child \"%.*s\" in "
				    "%.*s", (int)n, s, (int)(s - path - 1),
				    path);
			return -1;
		}
		if (conf_edit_path_add(p, strdup("children"), 0) != 0 ||
		    conf_edit_path_add(p, NULL, (size_t)i) != 0)
			abort();
		sup = cJSON_GetArrayItem(conf_edit_children(sup), (int)i);
		s += n;
		if (slash == NULL)
			break;
		s++;
	}
	if (*s == '\0')
		return 0;
	return conf_edit_parse_steps(s, path, p, cause);
}

/* PATH as steps from ROOT. */
static int
conf_edit_parse(const cJSON *root, const char *path, struct conf_edit_path *p,
    char **cause)
{
	memset(p, 0, sizeof *p);
	if (*path == '\0')
		return 0;
	if (conf_edit_is_child_path(root, path)) {
		if (conf_edit_parse_child_path(root, path, p, cause) == 0)
			return 0;
	} else if (conf_edit_parse_steps(path, path, p, cause) == 0) {
		return 0;
	}
	conf_edit_path_clear(p);
	return -1;
}

/* Follows the first N steps of P from ROOT. Returns the node, or NULL with
 * *cause saying which step failed. */
static cJSON *
conf_edit_walk(cJSON *root, const struct conf_edit_path *p, size_t n,
    char **cause)
{
	cJSON *node = root, *next;
	char *at;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct conf_edit_step *st = &p->v[i];

		if (st->key != NULL && !cJSON_IsObject(node))
			next = NULL;
		else if (st->key != NULL)
			next = cJSON_GetObjectItemCaseSensitive(node, st->key);
		else if (!cJSON_IsArray(node))
			next = NULL;
		else
			next = st->index < (size_t)cJSON_GetArraySize(node) ?
			    cJSON_GetArrayItem(node, (int)st->index) : NULL;
		if (next != NULL) {
			node = next;
			continue;
		}
		at = conf_edit_path_text(p, i);
		if (st->key != NULL && !cJSON_IsObject(node))
			conf_edit_cause(cause, "%s is not an object", at);
		else if (st->key != NULL)
			conf_edit_cause(cause, "%s has no key \"%s\"", at,
			    st->key);
		else if (!cJSON_IsArray(node))
			conf_edit_cause(cause, "%s is not an array", at);
		else
			conf_edit_cause(cause, "%s has no element %zu (it has "
			    "%d)", at, st->index, cJSON_GetArraySize(node));
		free(at);
		return NULL;
	}
	return node;
}

cJSON *
conf_edit_get(cJSON *root, const char *path, char **cause)
{
	struct conf_edit_path p;
	cJSON *node;

	*cause = NULL;
	if (conf_edit_parse(root, path, &p, cause) != 0)
		return NULL;
	node = conf_edit_walk(root, &p, p.n, cause);
	conf_edit_path_clear(&p);
	return node;
}

/* VALUE as JSON when it is JSON, else as a string. Caller deletes. */
static cJSON *
conf_edit_value(const char *value)
{
	cJSON *v = cJSON_ParseWithOpts(value, NULL, 1);

	if (v == NULL)
		v = cJSON_CreateString(value);
	if (v == NULL)
		abort();
	return v;
}

int
conf_edit_set(cJSON *root, const char *path, const char *value,
    char **cause)
{
	struct conf_edit_path p;
	const struct conf_edit_step *last;
	cJSON *parent, *v;
	char *at;
	int rv = -1;

	*cause = NULL;
	if (conf_edit_parse(root, path, &p, cause) != 0)
		return -1;
	if (p.n == 0) {
		conf_edit_cause(cause, "give the path of a value to set");
		goto out;
	}
	if ((parent = conf_edit_walk(root, &p, p.n - 1, cause)) == NULL)
		goto out;
	last = &p.v[p.n - 1];
	at = conf_edit_path_text(&p, p.n - 1);
	if (last->key != NULL && !cJSON_IsObject(parent)) {
		conf_edit_cause(cause, "%s is not an object", at);
	} else if (last->key == NULL && !cJSON_IsArray(parent)) {
		conf_edit_cause(cause, "%s is not an array", at);
	} else if (last->key == NULL &&
	    last->index > (size_t)cJSON_GetArraySize(parent)) {
		conf_edit_cause(cause, "%s has no element %zu (it has %d)", at,
		    last->index, cJSON_GetArraySize(parent));
	} else {
		v = conf_edit_value(value);
		if (last->key != NULL &&
		    cJSON_GetObjectItemCaseSensitive(parent, last->key) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(parent,
			    last->key, v);
		else if (last->key != NULL)
			cJSON_AddItemToObject(parent, last->key, v);
		else if (last->index == (size_t)cJSON_GetArraySize(parent))
			cJSON_AddItemToArray(parent, v);
		else
			cJSON_ReplaceItemInArray(parent, (int)last->index, v);
		rv = 0;
	}
	free(at);
out:
	conf_edit_path_clear(&p);
	return rv;
}

/* The supervisor object at SUP ("", "." or a child path), or NULL. */
static cJSON *
conf_edit_sup(cJSON *root, const char *sup, char **cause)
{
	const cJSON *type;
	cJSON *node;

	if (*sup == '\0' || strcmp(sup, ".") == 0 || strcmp(sup, "/") == 0) {
		node = cJSON_GetObjectItemCaseSensitive(root, "supervisor");
		if (!cJSON_IsObject(node)) {
			conf_edit_cause(cause, "the file has no \"supervisor\" "
			    "object");
			return NULL;
		}
		return node;
	}
	if ((node = conf_edit_get(root, sup, cause)) == NULL)
		return NULL;
	if (node == cJSON_GetObjectItemCaseSensitive(root, "supervisor") &&
	    cJSON_IsObject(node))
		return node; /* "supervisor", the root one as a JSON path */
	type = cJSON_GetObjectItemCaseSensitive(node, "type");
	if (!cJSON_IsObject(node) || !cJSON_IsString(type) ||
	    strcmp(type->valuestring, "supervisor") != 0) {
		conf_edit_cause(cause, "%s is not a supervisor", sup);
		return NULL;
	}
	return node;
}

int
conf_edit_add_child(cJSON *root, const char *sup, const char *child,
    char **cause)
{
	const cJSON *name;
	cJSON *node, *ch, *c;

	*cause = NULL;
	if ((node = conf_edit_sup(root, sup, cause)) == NULL)
		return -1;
	c = cJSON_Parse(child);
	name = cJSON_GetObjectItemCaseSensitive(c, "name");
	if (!cJSON_IsObject(c) || !cJSON_IsString(name)) {
		conf_edit_cause(cause, "the child must be a JSON object with a "
		    "\"name\", like {\"name\":\"web\",\"command\":[...]}");
		cJSON_Delete(c);
		return -1;
	}
	if (conf_edit_find_child(node, name->valuestring,
	    strlen(name->valuestring)) >= 0) {
		conf_edit_cause(cause, "%s already has a child named \"%s\"",
		    *sup && strcmp(sup, ".") != 0 ? sup : "the root supervisor",
		    name->valuestring);
		cJSON_Delete(c);
		return -1;
	}
	ch = cJSON_GetObjectItemCaseSensitive(node, "children");
	if (ch == NULL && (ch = cJSON_AddArrayToObject(node, "children")) ==
	    NULL)
		abort();
	if (!cJSON_IsArray(ch)) {
		conf_edit_cause(cause, "the \"children\" of %s is not an "
		    "array", *sup ? sup : "the root supervisor");
		cJSON_Delete(c);
		return -1;
	}
	cJSON_AddItemToArray(ch, c);
	return 0;
}

int
conf_edit_remove_child(cJSON *root, const char *path, char **cause)
{
	struct conf_edit_path p;
	cJSON *arr;
	int rv = -1;

	*cause = NULL;
	if (conf_edit_parse(root, path, &p, cause) != 0)
		return -1;
	/* A child: the last steps are "children", [I]. */
	if (p.n < 3 || p.v[p.n - 1].key != NULL || p.v[p.n - 2].key == NULL ||
	    strcmp(p.v[p.n - 2].key, "children") != 0)
		conf_edit_cause(cause, "\"%s\" is not a child path like "
		    "api/web", path);
	else if ((arr = conf_edit_walk(root, &p, p.n - 1, cause)) != NULL &&
	    conf_edit_walk(root, &p, p.n, cause) != NULL) {
		cJSON_DeleteItemFromArray(arr, (int)p.v[p.n - 1].index);
		rv = 0;
	}
	conf_edit_path_clear(&p);
	return rv;
}

int
conf_edit_load(const char *path, cJSON **root, struct conf_errors *errs)
{
	struct conf *c = NULL;
	const char *end = NULL;
	char *buf = NULL, what[256];
	size_t len = 0, off;
	int err;

	*root = NULL;
	errs->msgs = NULL;
	errs->n = 0;
	if ((err = conf_load_read(path, &buf, &len)) != 0) {
		snprintf(what, sizeof what, "cannot read: %s", strerror(err));
		conf_errors_single(errs, path, what);
		return -1;
	}
	*root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (*root != NULL) {
		off = (size_t)(end - buf);
		while (off < len && (unsigned char)buf[off] <= 32)
			off++;
		if (off == len && cJSON_IsObject(*root)) {
			free(buf);
			return 0;
		}
	}
	cJSON_Delete(*root);
	*root = NULL;
	/* The validator says what is wrong, in its words. */
	if (conf_parse(path, buf, len, &c, errs) == 0) {
		conf_free(c);
		conf_errors_single(errs, path, "cannot parse");
	}
	free(buf);
	return -1;
}
