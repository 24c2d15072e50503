/* pid -> child lookup for the reaper (pidmap.c). */
#ifndef HERDD_PIDMAP_H
#define HERDD_PIDMAP_H

#include <stddef.h>
#include <sys/types.h>

struct pidmap {
	pid_t *keys;   /* 0: empty, -1: deleted */
	void **vals;
	size_t cap, used, live;
};

void pidmap_put(struct pidmap *m, pid_t pid, void *val);
void *pidmap_get(const struct pidmap *m, pid_t pid);
void pidmap_del(struct pidmap *m, pid_t pid);
void pidmap_free(struct pidmap *m);

#endif
