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

/* utime + stime (ticks) and rss (pages) of every process, by group,
 * sorted by group once taken */
struct proc_sample {
	struct group {
		long long pgid, ticks, rss;
	} *g;
	size_t n, cap;
};

static void
add(struct proc_sample *s, long long pgid, long long ticks, long long rss)
{
	/* a group's processes are mostly one after another in /proc */
	if (s->n > 0 && s->g[s->n - 1].pgid == pgid) {
		s->g[s->n - 1].ticks += ticks;
		s->g[s->n - 1].rss += rss;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((s->g = realloc(s->g, s->cap * sizeof *s->g)) == NULL)
			abort();
	}
	s->g[s->n++] = (struct group){ pgid, ticks, rss };
}

static int
by_pgid(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->pgid < y->pgid ? -1 : x->pgid > y->pgid;
}

struct proc_sample *
proc_sample_take(void)
{
	struct proc_sample *s = calloc(1, sizeof *s);
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t i, k;

	if (s == NULL)
		abort();
	if (d == NULL)
		return s;
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
	/* sorted, then each group's entries merged into one */
	qsort(s->g, s->n, sizeof *s->g, by_pgid);
	for (i = 0, k = 0; i < s->n; i++) {
		if (k > 0 && s->g[k - 1].pgid == s->g[i].pgid) {
			s->g[k - 1].ticks += s->g[i].ticks;
			s->g[k - 1].rss += s->g[i].rss;
		} else {
			s->g[k++] = s->g[i];
		}
	}
	s->n = k;
	return s;
}

void
proc_sample_free(struct proc_sample *s)
{
	if (s != NULL)
		free(s->g);
	free(s);
}

static const struct group *
find(const struct proc_sample *s, long long pgid)
{
	struct group key = { pgid, 0, 0 };

	return s->n ? bsearch(&key, s->g, s->n, sizeof *s->g, by_pgid) :
	    NULL;
}

void
proc_usage_between(const struct proc_sample *a, const struct proc_sample *b,
    double secs, cJSON *children)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	const struct group *x, *y;
	cJSON *c;

	cJSON_ArrayForEach(c, children) {
		int64_t pid;
		if (output_int(c, "pid", &pid) != 0 || pid <= 0)
			continue;
		x = find(a, pid);
		if ((y = find(b, pid)) == NULL)
			continue;
		cJSON_AddNumberToObject(c, "cpu_percent", x != NULL &&
		    secs > 0 ? (double)(y->ticks - x->ticks) / hz / secs *
		    100 : 0);
		cJSON_AddNumberToObject(c, "rss_bytes", (double)y->rss * page);
	}
}

void
proc_usage_add(cJSON *children)
{
	struct timespec t0, t1, nap = { 0, PROC_SAMPLE_MS * 1000000L };
	struct proc_sample *a, *b;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	a = proc_sample_take();
	/* the interval CPU% is measured over: a sample, not a wait */
	nanosleep(&nap, NULL);
	b = proc_sample_take();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	proc_usage_between(a, b, (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9, children);
	proc_sample_free(a);
	proc_sample_free(b);
}
