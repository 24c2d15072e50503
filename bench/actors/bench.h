/*
 * What the actor benchmarks share: CLOCK_MONOTONIC in nanoseconds (one
 * clock for every process, so a sender's start and a receiver's end
 * compare) and a summary of round-trip samples printed as one JSON
 * object, the line run.sh collects.
 */
#ifndef BENCH_ACTORS_H
#define BENCH_ACTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the N samples (ns) of a run that took TOTAL ns and writes
 * {"n":..,"per_s":..,"p50_us":..,...} to OUT. */
static inline void
rtt_summary(int64_t *v, size_t n, int64_t total, char *out, size_t len)
{
	double sum = 0;
	size_t i;

	if (n == 0) {
		snprintf(out, len, "{\"n\":0}");
		return;
	}
	qsort(v, n, sizeof *v, cmp_i64);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	snprintf(out, len, "{\"n\":%zu,\"per_s\":%.0f,\"min_us\":%.1f,"
	    "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
	    "\"p999_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f}", n,
	    (double)n * 1e9 / (double)total, (double)v[0] / 1e3,
	    (double)v[n / 2] / 1e3, (double)v[n * 90 / 100] / 1e3,
	    (double)v[n * 99 / 100] / 1e3, (double)v[n * 999 / 1000] / 1e3,
	    (double)v[n - 1] / 1e3, sum / (double)n / 1e3);
}

/* One-way throughput: N messages of SIZE bytes from T0 (sender's start)
 * to T1 (receiver's last). */
static inline void
flood_summary(long n, long size, int64_t t0, int64_t t1, char *out,
    size_t len)
{
	double s = (double)(t1 - t0) / 1e9;

	snprintf(out, len, "{\"n\":%ld,\"size\":%ld,\"secs\":%.4f,"
	    "\"per_s\":%.0f,\"mib_s\":%.1f}", n, size, s, (double)n / s,
	    (double)n * (double)size / s / 1048576.0);
}

#endif
