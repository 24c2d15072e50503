/* The watchdog interval asked of this process, from $WATCHDOG_USEC and
 * $WATCHDOG_PID, read as sd_watchdog_enabled reads them. */
#include <stdlib.h>
#include <unistd.h>

#include "herd.h"

/* A positive decimal number without sign, blanks or overflow; 0 if VALUE
 * is not one. */
static uint64_t
watchdog_parse(const char *value)
{
	uint64_t v = 0;
	const char *p;

	if (*value == '\0')
		return 0;
	for (p = value; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

int
herd_watchdog_usec(uint64_t *usec)
{
	const char *s = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t v, p;

	if (s == NULL)
		return 0;
	if ((v = watchdog_parse(s)) == 0)
		return HERD_EBADENV;
	if (pid != NULL) {
		if ((p = watchdog_parse(pid)) == 0)
			return HERD_EBADENV;
		if (p != (uint64_t)getpid())
			return 0;
	}
	if (usec != NULL)
		*usec = v;
	return 1;
}
