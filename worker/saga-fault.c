/*
 * Fault injection for the saga tests (docs/sagas.md "Testing"): with
 * HERD_TX_CRASH=POINT:FILE in its environment, a coordinator or worker
 * kills itself with SIGKILL when it reaches POINT, once: only if FILE
 * exists, and FILE is removed first, so its restarted successor goes on.
 * The points are the moments between a durable write and telling
 * someone (X2-X5): "coord.synced" (commits on disk, nobody told),
 * "coord.acked" (a first participant acknowledged), "worker.synced"
 * (prepared on disk, the vote not sent), "worker.committing" (a commit
 * received, not applied), "worker.committed" (the commit journaled, not
 * acknowledged). Without the variable this is one getenv.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saga-int.h"

void
herdi_tx_crash_point(const char *point)
{
	const char *e = getenv("HERD_TX_CRASH"), *colon;
	size_t n = strlen(point);

	if (e == NULL || (colon = strchr(e, ':')) == NULL ||
	    (size_t)(colon - e) != n || memcmp(e, point, n) != 0)
		return;
	if (unlink(colon + 1) == 0)
		raise(SIGKILL);
}

int
herdi_tx_keep_history(void)
{
	/* HERD_TX_NO_COMPACT: journals keep every record, so that a checker
	 * can replay a whole run (the long chaos run, make bench-chaos) */
	return getenv("HERD_TX_NO_COMPACT") != NULL;
}
