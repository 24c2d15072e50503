/* Admission of the connections herdd's listeners accept (admit.c). */
#ifndef HERDD_ADMIT_H
#define HERDD_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#define ADMIT_TOTAL 8192    /* control.max_connections */
#define ADMIT_PER_PEER 2048 /* control.max_connections_per_user: a node of
                               1,000 actors of one user fits twice */

struct admit_limits {
	size_t total;      /* connections open at once, all peers */
	size_t per_peer;   /* per uid (ipc) or address (tcp) */
	size_t reserve_fds; /* fds below the file limit no connection takes:
	                       the children's and the listeners' */
};

/* Sets the limits (any thread; the accept hook reads them). */
void admit_configure(const struct admit_limits *l);
/* Connections admitted and still open; *accepted and *refused count all
 * since herdd started (herdd's own probes not included); either may be
 * NULL. */
size_t admit_count(uint64_t *accepted, uint64_t *refused);

#endif
