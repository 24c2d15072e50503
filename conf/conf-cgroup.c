/* "cgroup": the limits a controller of the child's own cgroup enforces
 * (memory, pids, cpu), spelt as systemd's MemoryMax=, TasksMax=,
 * CPUWeight= and CPUQuota= take them. Whether the machine has those
 * controllers is herdd's to say at start (supervisord/process/cgroup-ctl.c):
 * a config file means the same on every machine. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* "infinity", an integer N >= MIN, or (SUFFIXES) a string "N[KMGT]"
 * (powers of 1024, as systemd's) below 2^53; -1 if not one of those. */
static int
cgroup_amount(const cJSON *v, uint64_t min, int suffixes, uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (conf_value_is_int(v) && v->valuedouble >= (double)min) {
		*out = (uint64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	s = v->valuestring;
	if (strcmp(s, "infinity") == 0) {
		*out = CONF_LIMIT_INFINITY;
		return 0;
	}
	if (!suffixes || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: return -1;
	}
	if (n < 1 || n > (9007199254740991ULL >> shift))
		return -1;
	*out = (uint64_t)n << shift;
	return *out >= min ? 0 : -1;
}

/* "N%" of one CPU (more than 100% for several), or "infinity": the CPU
 * time per CONF_CPU_PERIOD_US period; -1 if not one of those. */
static int
cgroup_quota(const cJSON *v, uint64_t *out)
{
	const char *s;
	char *end;
	double pct;

	if (!cJSON_IsString(v))
		return -1;
	s = v->valuestring;
	if (strcmp(s, "infinity") == 0) {
		*out = CONF_LIMIT_INFINITY;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	pct = strtod(s, &end);
	/* 1 ms per period is the least both cgroup versions take */
	if (errno != 0 || strcmp(end, "%") != 0 || pct < 1 || pct > 100000)
		return -1;
	*out = (uint64_t)(pct * CONF_CPU_PERIOD_US / 100 + 0.5);
	return 0;
}

int
conf_set_cgroup(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_cgroup *cg = dst;
	const cJSON *el;
	uint64_t n;
	size_t old;
	int bad = 0;

	(void)k;
	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object of cgroup limits");
	cJSON_ArrayForEach(el, v) {
		const char *key = el->string;

		if (strcmp(key, "comment") == 0 || strcmp(key, "_comment") == 0)
			continue; /* as in every object of herd.json */
		old = conf_path_key(ctx, key);
		if (conf_value_duplicate(ctx, v, el)) {
			bad = -1;
		} else if (strcmp(key, "memory_max") == 0) {
			if (cgroup_amount(el, 4096, 1, &n) == -1)
				bad = conf_err_expected(ctx, el, "a size in "
				    "bytes >= 4096, a string such as \"512M\" "
				    "(K, M, G, T: powers of 1024) or "
				    "\"infinity\"");
			else
				cg->memory_max = n;
		} else if (strcmp(key, "pids_max") == 0) {
			if (cgroup_amount(el, 1, 0, &n) == -1)
				bad = conf_err_expected(ctx, el, "an integer "
				    "> 0 or \"infinity\"");
			else
				cg->pids_max = n;
		} else if (strcmp(key, "cpu_weight") == 0) {
			if (!conf_value_is_int(el) || el->valuedouble < 1 ||
			    el->valuedouble > 10000)
				bad = conf_err_expected(ctx, el, "an integer "
				    "from 1 to 10000 (100: the default share)");
			else
				cg->cpu_weight = (unsigned)el->valuedouble;
		} else if (strcmp(key, "cpu_max") == 0) {
			if (cgroup_quota(el, &n) == -1)
				bad = conf_err_expected(ctx, el, "a share of "
				    "one CPU from \"1%\" (\"250%\": two and a "
				    "half CPUs) or \"infinity\"");
			else
				cg->cpu_max_us = n;
		} else {
			conf_err_key(ctx, el, "unknown cgroup limit \"%s\" "
			    "(one of memory_max, pids_max, cpu_weight, "
			    "cpu_max)", key);
			bad = -1;
		}
		conf_path_pop(ctx, old);
	}
	return bad;
}
