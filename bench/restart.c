/*
 * bench driver, the part where timing matters. Every child of every
 * supervisor execs bench/stamp, which writes "<pid> <CLOCK_MONOTONIC ns>" to
 * one FIFO at exec; this program reads that FIFO (never polls a supervisor).
 *
 * usage: restart [options] FIFO
 *   -n N         children (required)
 *   -p FILE      their current "pid stamp" lines (else the first N stamps
 *                read from FIFO are taken as the children)
 *   -s SAMPLES   kills to time (default 200)
 *   -m MS        kill a child only once it has been up MS ms (runit, s6,
 *                supervisord and pm2 throttle children that die younger
 *                than about 1 s; default 0)
 *   -T SECONDS   stop sampling after this long (slow peers); default none
 *   -w MS        give up waiting for one stamp after MS ms (default 5000)
 *   -A           one_for_all: after each kill wait for N stamps, the
 *                latency is kill -> the last replacement's exec
 *   -S SECONDS   storm: no kills, count stamps for SECONDS
 *   -o CSV       write every sample: "sample,latency_ns" (storm:
 *                "second,stamps")
 *   -P FILE      write the children's "pid stamp" lines at the end
 *
 * Latency of a sample: t0 = CLOCK_MONOTONIC right before kill(2), t1 = the
 * stamp of the next line in the FIFO (the replacement's exec). One line of
 * results on stdout, key=value.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fifo_fd = -1;
static char buf[1 << 16];
static size_t blen, boff;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_ns(long long ns)
{
	struct timespec ts;

	if (ns <= 0)
		return;
	ts.tv_sec = ns / 1000000000LL;
	ts.tv_nsec = ns % 1000000000LL;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Next "pid stamp" line, waiting until deadline (ns, CLOCK_MONOTONIC).
 * Returns 1, or 0 on timeout. */
static int
next_stamp(long long deadline, int *pid, long long *stamp)
{
	for (;;) {
		char *nl = memchr(buf + boff, '\n', blen - boff);
		if (nl != NULL) {
			*nl = '\0';
			if (sscanf(buf + boff, "%d %lld", pid, stamp) != 2) {
				boff = (size_t)(nl - buf) + 1;
				continue;
			}
			boff = (size_t)(nl - buf) + 1;
			return 1;
		}
		if (boff > 0) {
			memmove(buf, buf + boff, blen - boff);
			blen -= boff;
			boff = 0;
		}
		long long left = deadline - now_ns();
		if (left <= 0)
			return 0;
		struct pollfd p = { fifo_fd, POLLIN, 0 };
		int r = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			continue; /* the deadline check above ends it */
		ssize_t k = read(fifo_fd, buf + blen, sizeof buf - blen);
		if (k > 0)
			blen += (size_t)k;
	}
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: restart -n N [-p FILE] [-s SAMPLES] [-m MS] "
	    "[-T S] [-w MS] [-A] [-S S] [-o CSV] [-P FILE] FIFO\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *pidfile = NULL, *csvname = NULL, *outpids = NULL;
	int n = 0, samples = 200, mass = 0, opt, i, done = 0, timeouts = 0;
	long long min_up = 0, max_t = 0, wait_ns = 5000000000LL, storm = 0;
	int *pids;
	long long *starts, *lat;
	FILE *csv = NULL;

	while ((opt = getopt(argc, argv, "n:p:s:m:T:w:AS:o:P:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'p': pidfile = optarg; break;
		case 's': samples = atoi(optarg); break;
		case 'm': min_up = atoll(optarg) * 1000000LL; break;
		case 'T': max_t = (long long)(atof(optarg) * 1e9); break;
		case 'w': wait_ns = atoll(optarg) * 1000000LL; break;
		case 'A': mass = 1; break;
		case 'S': storm = (long long)(atof(optarg) * 1e9); break;
		case 'o': csvname = optarg; break;
		case 'P': outpids = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || (n <= 0 && storm == 0) || samples <= 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	fifo_fd = open(argv[optind], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fifo_fd == -1) {
		perror(argv[optind]);
		return 1;
	}
	if (csvname != NULL && (csv = fopen(csvname, "w")) == NULL) {
		perror(csvname);
		return 1;
	}

	if (storm > 0) {
		/* Count stamps per second for the whole window. */
		long long t0 = now_ns(), end = t0 + storm, total = 0;
		int secs = (int)((storm + 999999999LL) / 1000000000LL), pid;
		long long *per = calloc((size_t)secs + 1, sizeof *per), st;
		while (next_stamp(end, &pid, &st)) {
			long long s = (st - t0) / 1000000000LL;
			if (st >= t0 && s < secs) {
				per[s]++;
				total++;
			}
		}
		for (i = 0; csv != NULL && i < secs; i++)
			fprintf(csv, "%d,%lld\n", i, per[i]);
		printf("mode=storm seconds=%.1f stamps=%lld per_s=%.1f\n",
		    storm / 1e9, total, total / (storm / 1e9));
		return 0;
	}

	pids = calloc((size_t)n, sizeof *pids);
	starts = calloc((size_t)n, sizeof *starts);
	lat = calloc((size_t)samples, sizeof *lat);
	if (pidfile != NULL) {
		FILE *pf = fopen(pidfile, "r");
		if (pf == NULL) {
			perror(pidfile);
			return 1;
		}
		for (i = 0; i < n; i++)
			if (fscanf(pf, "%d %lld", &pids[i], &starts[i]) != 2) {
				fprintf(stderr, "restart: %s: %d of %d children\n",
				    pidfile, i, n);
				return 1;
			}
		fclose(pf);
	} else {
		long long end = now_ns() + wait_ns * 4;
		for (i = 0; i < n; i++)
			if (!next_stamp(end, &pids[i], &starts[i])) {
				fprintf(stderr, "restart: %d of %d children "
				    "started\n", i, n);
				return 1;
			}
	}

	long long begin = now_ns();
	for (i = 0; i < samples; i++) {
		int k = i % n, pid, j;
		long long t0, st, last = 0;

		if (max_t > 0 && now_ns() - begin > max_t)
			break;
		if (pids[k] <= 0)
			continue;
		sleep_ns(starts[k] + min_up - now_ns());
		t0 = now_ns();
		if (kill(pids[k], SIGKILL) == -1) {
			fprintf(stderr, "restart: kill %d: %s\n", pids[k],
			    strerror(errno));
			return 1;
		}
		if (!mass) {
			if (!next_stamp(t0 + wait_ns, &pid, &st)) {
				timeouts++;
				pids[k] = 0;
				continue;
			}
			pids[k] = pid;
			starts[k] = st;
			lat[done++] = st - t0;
		} else {
			for (j = 0; j < n; j++) {
				if (!next_stamp(t0 + wait_ns, &pid, &st))
					break;
				pids[j] = pid;
				starts[j] = st;
				if (st > last)
					last = st;
			}
			if (j < n) {
				fprintf(stderr, "restart: %d of %d replaced\n",
				    j, n);
				timeouts++;
				break;
			}
			lat[done++] = last - t0;
		}
		if (csv != NULL)
			fprintf(csv, "%d,%lld\n", done - 1, lat[done - 1]);
	}
	if (outpids != NULL) {
		FILE *pf = fopen(outpids, "w");
		for (i = 0; pf != NULL && i < n; i++)
			fprintf(pf, "%d %lld\n", pids[i], starts[i]);
		if (pf != NULL)
			fclose(pf);
	}
	if (csv != NULL)
		fclose(csv);
	if (done == 0) {
		printf("mode=%s children=%d samples=0 timeouts=%d\n",
		    mass ? "mass" : "restart", n, timeouts);
		return 1;
	}
	qsort(lat, (size_t)done, sizeof *lat, cmp);
	printf("mode=%s children=%d samples=%d timeouts=%d min_us=%.1f "
	    "p50_us=%.1f p99_us=%.1f max_us=%.1f\n", mass ? "mass" : "restart",
	    n, done, timeouts, lat[0] / 1e3, lat[done / 2] / 1e3,
	    lat[(done * 99) / 100] / 1e3,
	    lat[done - 1] / 1e3);
	return 0;
}
