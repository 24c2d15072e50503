/* bench driver: restart latency. Reads the initial stamps of N children from
 * a FIFO, then SAMPLES times: kill -9 one child (chosen round robin), and
 * waits for its replacement's stamp; prints min/p50/p99/max in microseconds
 * and, with -o FILE, every sample as CSV. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	FILE *in, *csv = NULL;
	int n, samples, i, pid;
	int *pids;
	long long t, *lat;

	if (argc < 4) {
		fprintf(stderr, "usage: restart FIFO N SAMPLES [CSV]\n");
		return 2;
	}
	in = fopen(argv[1], "r+");
	if (in == NULL) {
		perror(argv[1]);
		return 1;
	}
	n = atoi(argv[2]);
	samples = atoi(argv[3]);
	if (argc > 4)
		csv = fopen(argv[4], "w");
	pids = calloc((size_t)n, sizeof *pids);
	lat = calloc((size_t)samples, sizeof *lat);
	for (i = 0; i < n; i++)
		if (fscanf(in, "%d %lld", &pids[i], &t) != 2)
			return 1;
	for (i = 0; i < samples; i++) {
		int k = i % n;
		long long t0 = now_ns();
		if (kill(pids[k], SIGKILL) == -1) {
			perror("kill");
			return 1;
		}
		if (fscanf(in, "%d %lld", &pid, &t) != 2)
			return 1;
		lat[i] = t - t0;
		pids[k] = pid;
		if (csv != NULL)
			fprintf(csv, "%d,%lld\n", i, lat[i]);
	}
	qsort(lat, (size_t)samples, sizeof *lat, cmp);
	printf("children=%d samples=%d min_us=%.1f p50_us=%.1f p99_us=%.1f "
	    "max_us=%.1f\n", n, samples, lat[0] / 1e3,
	    lat[samples / 2] / 1e3, lat[(samples * 99) / 100] / 1e3,
	    lat[samples - 1] / 1e3);
	if (csv != NULL)
		fclose(csv);
	return 0;
}
