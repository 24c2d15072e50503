/*
 * Temporary children that ended by themselves: their entry leaves the
 * tree (OTP), but herdd remembers the last ENDED_MAX of them, outside it,
 * so that a reload does not take one for a new child and run it again
 * (it does only if its spec changed: diff and reload agree), and so that
 * status can show how each ended. A record holds its spec as the live
 * config has it: a reload revisits every record and forgets those the new
 * config no longer names, so no record outlives the config it points in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "herdd.h"
#include "util.h"

static void
forget(struct ended *e)
{
	free(e->path);
	memset(e, 0, sizeof *e);
}

void
ended_record(struct herdd *h, const struct child *c)
{
	struct ended *e = NULL;
	struct timespec ts;
	size_t i;

	if (c->spec == NULL || c->owned_spec != NULL || c->parent == NULL)
		return; /* one added at run time leaves with its spec */
	for (i = 0; i < ENDED_MAX && e == NULL; i++)
		if (h->gone[i].path != NULL &&
		    strcmp(h->gone[i].path, c->path) == 0)
			e = &h->gone[i];
	if (e == NULL) {
		/* a ring: the oldest record makes room */
		e = &h->gone[h->gone_next];
		h->gone_next = (h->gone_next + 1) % ENDED_MAX;
	}
	forget(e);
	e->path = xstrdup(c->path);
	e->spec = c->spec;
	e->parent = c->parent;
	e->parent_gen = c->parent->self->gen;
	snprintf(e->reason, sizeof e->reason, "%s", c->reason);
	clock_gettime(CLOCK_REALTIME, &ts);
	e->at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The live record of S's child NAME (S not restarted since), or NULL. */
static struct ended *
find(struct herdd *h, const struct sup *s, const char *name)
{
	size_t i, n = strlen(s->self->path);
	struct ended *e;

	for (i = 0; i < ENDED_MAX; i++) {
		e = &h->gone[i];
		if (e->path == NULL || e->parent != s ||
		    e->parent_gen != s->self->gen)
			continue;
		if (n == 0 ? strcmp(e->path, name) == 0 :
		    strncmp(e->path, s->self->path, n) == 0 &&
		    e->path[n] == '/' && strcmp(e->path + n + 1, name) == 0)
			return e;
	}
	return NULL;
}

const struct ended *
ended_find(struct herdd *h, const char *path)
{
	size_t i;

	for (i = 0; i < ENDED_MAX; i++)
		if (h->gone[i].path != NULL &&
		    strcmp(h->gone[i].path, path) == 0)
			return &h->gone[i];
	return NULL;
}

void
ended_forget(struct herdd *h, const char *path)
{
	size_t i;

	for (i = 0; i < ENDED_MAX; i++)
		if (h->gone[i].path != NULL &&
		    strcmp(h->gone[i].path, path) == 0)
			forget(&h->gone[i]);
}

void
ended_reload_begin(struct herdd *h)
{
	size_t i;

	for (i = 0; i < ENDED_MAX; i++)
		h->gone[i].seen = 0;
}

int
ended_reload_keep(struct herdd *h, const struct sup *s,
    const struct conf_child *nc)
{
	struct ended *e = find(h, s, nc->name);
	char fields[256];

	if (e == NULL)
		return 0;
	if (!conf_child_same(e->spec, nc, fields, sizeof fields)) {
		forget(e); /* changed: a new child, started */
		return 0;
	}
	e->spec = nc;
	e->seen = 1;
	return 1;
}

void
ended_reload_end(struct herdd *h)
{
	size_t i;

	for (i = 0; i < ENDED_MAX; i++)
		if (h->gone[i].path != NULL && !h->gone[i].seen)
			forget(&h->gone[i]);
}

void
ended_free_all(struct herdd *h)
{
	size_t i;

	for (i = 0; i < ENDED_MAX; i++)
		forget(&h->gone[i]);
}
