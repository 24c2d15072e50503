/*
 * What a cgroup per child start costs (docs/performance.md, "A cgroup per
 * child"): N rounds of mkdir a cgroup, fork a child that joins it by
 * writing "0" to its cgroup.procs (as herdd's spawn does), reap it, rmdir
 * the cgroup; GAP_US between rounds (0: back to back). Prints p50, p90,
 * p99 and max of each step, in microseconds.
 * usage: cgroup-move N [GAP_US]   (root; the cgroup2 hierarchy is
 * $CGROUP2, default /sys/fs/cgroup/unified)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	printf("%-6s p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f us\n", what,
	    v[n / 2], v[n * 9 / 10], v[n * 99 / 100], v[n - 1]);
}

int
main(int argc, char **argv)
{
	const char *root = getenv("CGROUP2");
	char base[512], dir[600], procs[700];
	int n = argc > 1 ? atoi(argv[1]) : 0, gap = argc > 2 ? atoi(argv[2]) : 0;
	double *join, mk[100000], rm[100000], t;
	int i, fd;
	pid_t c;

	if (n <= 0 || n > 100000) {
		fprintf(stderr, "usage: cgroup-move N [GAP_US]\n");
		return 2;
	}
	/* the child writes its time here */
	join = mmap(NULL, (size_t)n * sizeof *join, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (join == MAP_FAILED)
		return 1;
	snprintf(base, sizeof base, "%s/herd-bench-move",
	    root ? root : "/sys/fs/cgroup/unified");
	if (mkdir(base, 0755) == -1) {
		perror(base);
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof dir, "%s/c%d", base, i);
		snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
		t = now_us();
		mkdir(dir, 0755);
		mk[i] = now_us() - t;
		if ((c = fork()) == 0) {
			t = now_us();
			fd = open(procs, O_WRONLY);
			if (fd == -1 || write(fd, "0", 1) != 1)
				_exit(1);
			join[i] = now_us() - t;
			_exit(0);
		}
		waitpid(c, NULL, 0);
		if (gap > 0)
			usleep((useconds_t)gap);
		t = now_us();
		rmdir(dir);
		rm[i] = now_us() - t;
	}
	rmdir(base);
	report("join", join, n);
	report("mkdir", mk, n);
	report("rmdir", rm, n);
	return 0;
}
