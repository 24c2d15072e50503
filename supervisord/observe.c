/* The observers of lifecycle events (herdd.h): a fixed list, filled at
 * start, told in the order they were added. */
#include <stdlib.h>

#include "herdd.h"

void
herdd_observe(struct herdd *h, herdd_observer fn, void *arg)
{
	if (h->nobservers == HERDD_OBSERVERS)
		abort(); /* a build with more observers than the list holds */
	h->observers[h->nobservers].fn = fn;
	h->observers[h->nobservers++].arg = arg;
}

void
herdd_tell(struct herdd *h, const char *topic, struct child *c,
    const char *reason)
{
	size_t i;

	for (i = 0; i < h->nobservers; i++)
		h->observers[i].fn(h->observers[i].arg, topic, c, reason);
}
