/*
 * CPU and memory of process groups from /proc, for herdctl status
 * --resources (issue 12: pm2 ls's columns): a child is its process
 * group (herdd gives each its own), so its figures are the sums over
 * the group's processes. CPU% needs two samples; herdctl takes them
 * PROC_SAMPLE_MS apart. Nothing of this runs unless asked.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

/* utime + stime (ticks) and rss (pages) of every process, by group */
struct sample {
	long long *pgid, *ticks, *rss;
	size_t n, cap;
};

static void
add(struct sample *s, long long pgid, long long ticks, long long rss)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pgid[i] == pgid) {
			s->ticks[i] += ticks;
			s->rss[i] += rss;
			return;
		}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((s->pgid = realloc(s->pgid, s->cap * sizeof *s->pgid)) ==
		    NULL || (s->ticks = realloc(s->ticks, s->cap *
		    sizeof *s->ticks)) == NULL || (s->rss = realloc(s->rss,
		    s->cap * sizeof *s->rss)) == NULL)
			abort();
	}
	s->pgid[s->n] = pgid;
	s->ticks[s->n] = ticks;
	s->rss[s->n++] = rss;
}

/* One pass over /proc/N/stat. */
static void
take(struct sample *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	s->n = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[1024], *p;
		long long pgid, ut, st, rss;
		FILE *f;
		size_t len;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[len] = '\0';
		/* after the command's ")": state ppid pgrp ... (stat(5)) */
		if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
		    "%*c %*d %lld %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld "
		    "%*d %*d %*d %*d %*d %*d %*u %*u %lld", &pgid, &ut, &st,
		    &rss) != 4)
			continue;
		add(s, pgid, ut + st, rss);
	}
	closedir(d);
}

static long long
find(const struct sample *s, long long pgid, const long long *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pgid[i] == pgid)
			return v[i];
	return -1;
}

void
proc_usage_add(cJSON *children)
{
	struct sample a = { 0 }, b = { 0 };
	struct timespec t0, t1, nap = { 0, PROC_SAMPLE_MS * 1000000L };
	double secs, hz = (double)sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	cJSON *c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	take(&a);
	/* the interval CPU% is measured over: a sample, not a wait */
	nanosleep(&nap, NULL);
	take(&b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) /
	    1e9;
	cJSON_ArrayForEach(c, children) {
		int64_t pid;
		long long x, y, rss;
		if (output_int(c, "pid", &pid) != 0 || pid <= 0)
			continue;
		x = find(&a, pid, a.ticks);
		y = find(&b, pid, b.ticks);
		rss = find(&b, pid, b.rss);
		if (y < 0 || rss < 0)
			continue;
		cJSON_AddNumberToObject(c, "cpu_percent", x >= 0 && secs > 0 ?
		    (double)(y - x) / hz / secs * 100 : 0);
		cJSON_AddNumberToObject(c, "rss_bytes", (double)rss * page);
	}
	free(a.pgid);
	free(a.ticks);
	free(a.rss);
	free(b.pgid);
	free(b.ticks);
	free(b.rss);
}
