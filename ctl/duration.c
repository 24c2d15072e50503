/* Durations on herdctl's command line and in its output. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* Parses "5", "5s", "1.5s", "500ms" or "2m" into milliseconds; 0, or -1
 * when S is not a positive duration that fits in an nng_duration. */
int
duration_parse(const char *s, int *ms)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = { { "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 } };
	char *end;
	double v;
	long long n;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		v *= units[i].scale;
		if (v > INT32_MAX)
			return -1;
		n = (long long)v;
		if ((double)n < v)
			n++; /* round up: "0.1ms" is 1 ms, not 0 */
		if (n < 1)
			return -1;
		*ms = (int)n;
		return 0;
	}
	return -1;
}

/* Writes a timeout for messages: "30s", "500ms", "1500ms". */
void
duration_format(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/* Writes an uptime with its two largest units: 5s, 3m12s, 2h04m, 3d02h. */
void
duration_format_short(char *buf, size_t len, int64_t ms)
{
	long long s = ms < 0 ? 0 : (long long)(ms / 1000);

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/* Milliseconds on the monotonic clock, for deadlines. */
int64_t
duration_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
