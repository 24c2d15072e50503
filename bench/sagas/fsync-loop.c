/*
 * The physical floor of one decision per sync: write a 64-byte record
 * and fdatasync it, N times, in DIR (on the disk herd's journals use).
 * Prints one JSON line: syncs per second, p50 and p99 in microseconds.
 * usage: fsync-loop DIR N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char path[4096], rec[64];
	double *lat, t0, start;
	int fd, n;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: fsync-loop DIR N\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/fsync-loop.dat", argv[1]);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
	    0600)) < 0 || (lat = calloc((size_t)n, sizeof *lat)) == NULL) {
		perror(path);
		return 1;
	}
	memset(rec, 'x', sizeof rec);
	start = now_us();
	for (int i = 0; i < n; i++) {
		t0 = now_us();
		if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec ||
		    fdatasync(fd) != 0) {
			perror("write/fdatasync");
			return 1;
		}
		lat[i] = now_us() - t0;
	}
	t0 = now_us() - start;
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	printf("{\"case\":\"fsync-loop\",\"n\":%d,\"per_s\":%.0f,\"p50_us\":%.0f,"
	    "\"p99_us\":%.0f}\n", n, n / (t0 / 1e6), lat[n / 2],
	    lat[(size_t)(n * 0.99)]);
	close(fd);
	unlink(path);
	free(lat);
	return 0;
}
