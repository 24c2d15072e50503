/* The supervision tree: nodes built from the config, lookup by path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herdd.h"
#include "util.h"

static struct sup *sup_create(struct child *self, const struct conf_sup *spec);

struct child *
tree_node_create(struct sup *parent, const struct conf_child *spec,
    const char *name)
{
	struct child *c = xcalloc(1, sizeof *c);

	c->live_fd = -1;
	c->parent = parent;
	c->spec = spec;
	c->name = xstrdup(name ? name : spec->name);
	if (parent->self->path[0] == '\0')
		c->path = xstrdup(c->name);
	else
		c->path = xprintf("%s/%s", parent->self->path, c->name);
	c->type = spec->type;
	c->restart = spec->restart;
	c->shutdown_ms = spec->shutdown_ms;
	c->significant = spec->significant;
	c->state = CH_STOPPED;
	if (spec->type == CONF_SUPERVISOR)
		c->sup = sup_create(c, spec->sup);
	return c;
}

static void
sup_append(struct sup *s, struct child *c)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->children = xreallocarray(s->children, s->cap,
		    sizeof *s->children);
	}
	c->index = s->n;
	s->children[s->n++] = c;
}

void
tree_sup_reset(struct sup *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		tree_destroy(s->children[i]);
	s->n = 0;
	s->strategy = s->spec->strategy; /* a reload may have changed them */
	s->intensity = s->spec->intensity;
	s->period_ms = s->spec->period_ms;
	s->auto_shutdown = s->spec->auto_shutdown;
	s->qlen = s->qpos = 0;
	if (s->strategy == CONF_SIMPLE_ONE_FOR_ONE)
		return; /* a pool has a template, no children at boot */
	for (i = 0; i < s->spec->nchildren; i++)
		sup_append(s, tree_node_create(s, s->spec->children[i], NULL));
}

static struct sup *
sup_create(struct child *self, const struct conf_sup *spec)
{
	struct sup *s = xcalloc(1, sizeof *s);

	s->self = self;
	s->spec = spec;
	tree_sup_reset(s);
	return s;
}

struct child *
tree_create(const struct conf *c)
{
	struct child *root = xcalloc(1, sizeof *root);

	root->live_fd = -1;
	root->name = xstrdup("");
	root->path = xstrdup("");
	root->type = CONF_SUPERVISOR;
	root->restart = CONF_PERMANENT;
	root->shutdown_ms = CONF_SHUTDOWN_INFINITY;
	root->sup = sup_create(root, &c->root);
	return root;
}

void
tree_destroy(struct child *node)
{
	size_t i;

	if (node == NULL)
		return;
	if (node->sup != NULL) {
		for (i = 0; i < node->sup->n; i++)
			tree_destroy(node->sup->children[i]);
		free(node->sup->children);
		free(node->sup->restarts);
		free(node->sup->queue);
		free(node->sup);
	}
	if (node->extra_argv != NULL) {
		char **p;
		for (p = node->extra_argv; *p != NULL; p++)
			free(*p);
		free(node->extra_argv);
	}
	conf_child_free(node->owned_spec);
	free(node->name);
	free(node->path);
	free(node);
}

struct child *
tree_append(struct sup *s, const struct conf_child *spec, const char *name)
{
	struct child *c = tree_node_create(s, spec, name);

	sup_append(s, c);
	return c;
}

struct child *
tree_child(struct sup *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->children[i]->name, name) == 0)
			return s->children[i];
	return NULL;
}

struct child *
tree_find(struct child *root, const char *path)
{
	struct child *node = root;
	const char *p = path, *slash;
	size_t i, len;

	while (*p != '\0') {
		if (node->sup == NULL)
			return NULL;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		for (i = 0; i < node->sup->n; i++) {
			const char *name = node->sup->children[i]->name;
			if (strlen(name) == len && memcmp(name, p, len) == 0)
				break;
		}
		if (i == node->sup->n)
			return NULL;
		node = node->sup->children[i];
		p += len;
		if (*p == '/')
			p++;
	}
	return node;
}

size_t
tree_index(struct child *c)
{
	const struct sup *s = c->parent;
	size_t i;

	/* O(1) on every restart; a removal or a reload that moved siblings
	 * costs one search, which refreshes the hint. */
	if (c->index < s->n && s->children[c->index] == c)
		return c->index;
	for (i = 0; i < s->n; i++)
		if (s->children[i] == c) {
			c->index = i;
			return i;
		}
	return PLAN_END;
}

void
tree_remove(struct child *c)
{
	struct sup *s = c->parent;
	size_t i = tree_index(c);

	if (i != PLAN_END) {
		memmove(&s->children[i], &s->children[i + 1],
		    (s->n - i - 1) * sizeof *s->children);
		s->n--;
	}
	tree_destroy(c);
}

void
tree_walk(struct child *node, void (*fn)(struct child *, void *), void *arg)
{
	size_t i;

	if (node->sup == NULL)
		return;
	for (i = 0; i < node->sup->n; i++) {
		struct child *c = node->sup->children[i];
		fn(c, arg);
		tree_walk(c, fn, arg);
	}
}

const char *
child_state_name(enum child_state s)
{
	static const char *names[] = {
		[CH_STOPPED] = "stopped",
		[CH_STARTING] = "starting",
		[CH_RUNNING] = "running",
		[CH_STOPPING] = "stopping",
		[CH_RESTARTING] = "restarting",
		[CH_EXITED] = "exited",
	};
	return names[s];
}
