/* Open-addressing hash from pid to child: O(1) reaping at any fleet size. */
#include <stdlib.h>

#include "pidmap.h"
#include "util.h"

static size_t
slot(pid_t pid, size_t cap)
{
	return ((size_t)pid * 2654435761u) & (cap - 1);
}

static void
grow(struct pidmap *m)
{
	struct pidmap n = { 0 };
	size_t i;

	n.cap = m->cap ? m->cap * 2 : 64;
	if (m->live * 4 < m->cap)
		n.cap = m->cap; /* mostly tombstones: rehash in place size */
	n.keys = xcalloc(n.cap, sizeof *n.keys);
	n.vals = xcalloc(n.cap, sizeof *n.vals);
	for (i = 0; i < m->cap; i++)
		if (m->keys[i] > 0)
			pidmap_put(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
}

void
pidmap_put(struct pidmap *m, pid_t pid, void *val)
{
	size_t i;

	if ((m->used + 1) * 4 >= m->cap * 3)
		grow(m);
	for (i = slot(pid, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == pid) {
			m->vals[i] = val;
			return;
		}
		if (m->keys[i] == 0) {
			m->keys[i] = pid;
			m->vals[i] = val;
			m->used++;
			m->live++;
			return;
		}
	}
}

void *
pidmap_get(const struct pidmap *m, pid_t pid)
{
	size_t i;

	if (m->cap == 0 || pid <= 0)
		return NULL;
	for (i = slot(pid, m->cap); m->keys[i] != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == pid)
			return m->vals[i];
	return NULL;
}

void
pidmap_del(struct pidmap *m, pid_t pid)
{
	size_t i;

	if (m->cap == 0 || pid <= 0)
		return;
	for (i = slot(pid, m->cap); m->keys[i] != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == pid) {
			m->keys[i] = -1;
			m->vals[i] = NULL;
			m->live--;
			return;
		}
}

void
pidmap_free(struct pidmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->used = m->live = 0;
}
