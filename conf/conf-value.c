/* Checks of single config values, each storing what it accepts: the "check"
 * column of the schema table in conf-validate.c. */

#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* Integers are JSON numbers, so exact only up to 2^53. */
#define CONF_INT_LIMIT 9007199254740991.0

/* Whether V is a number with an integral value (1e3 is, 1.5 is not). */
int
conf_value_is_int(const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	return isfinite(d) && d >= -CONF_INT_LIMIT && d <= CONF_INT_LIMIT &&
	    (double)(long long)d == d;
}

static double
conf_value_limit(enum conf_ftype t)
{
	switch (t) {
	case CONF_F_INT:
		return INT_MAX;
	case CONF_F_UINT:
		return UINT_MAX;
	case CONF_F_LONG:
	case CONF_F_SIZE:
		break;
	}
	return CONF_INT_LIMIT;
}

int
conf_set_ignore(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	if (!cJSON_IsString(v))
		return conf_err_expected(ctx, v, "a string");
	return 0;
}

int
conf_set_str(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	if (!cJSON_IsString(v))
		return conf_err_expected(ctx, v, "a string");
	if (k->min > 0 && v->valuestring[0] == '\0')
		return conf_err_expected(ctx, v, "a non-empty string");
	*(char **)dst = conf_strdup(ctx, v->valuestring);
	return 0;
}

int
conf_set_bool(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	if (!cJSON_IsBool(v))
		return conf_err_expected(ctx, v, "true or false");
	*(int *)dst = cJSON_IsTrue(v);
	return 0;
}

/* Stores integer D into a field of type T. */
static void
conf_value_store(void *dst, enum conf_ftype t, double d)
{
	switch (t) {
	case CONF_F_INT:
		*(int *)dst = (int)d;
		break;
	case CONF_F_UINT:
		*(unsigned *)dst = (unsigned)d;
		break;
	case CONF_F_LONG:
		*(long *)dst = (long)d;
		break;
	case CONF_F_SIZE:
		*(size_t *)dst = (size_t)d;
		break;
	}
}

int
conf_set_int(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	double max = k->max > k->min ? k->max : conf_value_limit(k->ftype);
	char what[96];

	if (k->max > k->min ||
	    (cJSON_IsNumber(v) && v->valuedouble > max))
		snprintf(what, sizeof what, "an integer from %.0f to %.0f",
		    k->min, max);
	else if (k->min == 1)
		snprintf(what, sizeof what, "an integer > 0");
	else
		snprintf(what, sizeof what, "an integer >= %.0f", k->min);
	if (!conf_value_is_int(v) || v->valuedouble < k->min ||
	    v->valuedouble > max)
		return conf_err_expected(ctx, v, what);
	conf_value_store(dst, k->ftype, v->valuedouble);
	return 0;
}

int
conf_set_number(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	int bounded = k->max > k->min;
	char what[96];

	if (bounded)
		snprintf(what, sizeof what, "a number from %g to %g", k->min,
		    k->max);
	else
		snprintf(what, sizeof what, "a number >= %g", k->min);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < k->min || (bounded && v->valuedouble > k->max))
		return conf_err_expected(ctx, v, what);
	*(double *)dst = v->valuedouble;
	return 0;
}

int
conf_set_enum(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	char what[256];
	size_t i, n = 0;

	if (cJSON_IsString(v)) {
		for (i = 0; k->names[i] != NULL; i++) {
			if (strcmp(k->names[i], v->valuestring) == 0) {
				*(int *)dst = (int)i;
				return 0;
			}
		}
	}
	n = (size_t)snprintf(what, sizeof what, "one of");
	for (i = 0; k->names[i] != NULL && n < sizeof what; i++)
		n += (size_t)snprintf(what + n, sizeof what - n, "%s %s",
		    i > 0 ? "," : "", k->names[i]);
	return conf_err_expected(ctx, v, what);
}

const char *
conf_name_problem(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return "a name of 1 to 64 letters, digits, \"_\", \".\" or "
		    "\"-\"";
	/* names become parts of log paths: "..", "." and hidden names
	 * would leave log_dir or alias another child's files */
	if (s[0] == '.')
		return "a name that does not start with \".\" (\".\" and "
		    "\"..\" are refused: names are parts of log paths)";
	return NULL;
}

int
conf_set_name(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	const char *why;

	if (!cJSON_IsString(v))
		return conf_err_expected(ctx, v, "a string");
	if ((why = conf_name_problem(v->valuestring)) != NULL)
		return conf_err_expected(ctx, v, why);
	*(char **)dst = conf_strdup(ctx, v->valuestring);
	return 0;
}

int
conf_set_shutdown(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	long *ms = dst;

	if (cJSON_IsString(v) && strcmp(v->valuestring, "brutal_kill") == 0) {
		*ms = CONF_SHUTDOWN_BRUTAL;
		return 0;
	}
	if (cJSON_IsString(v) && strcmp(v->valuestring, "infinity") == 0) {
		*ms = CONF_SHUTDOWN_INFINITY;
		return 0;
	}
	if (!conf_value_is_int(v))
		return conf_err_expected(ctx, v,
		    "an integer or \"brutal_kill\" or \"infinity\"");
	if (v->valuedouble < 0)
		return conf_err_expected(ctx, v,
		    "an integer >= 0 or \"brutal_kill\" or \"infinity\"");
	*ms = (long)v->valuedouble;
	return 0;
}

int
conf_set_command(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	const cJSON *el;
	char **argv;
	size_t i, n, old;
	int bad = 0;

	if (cJSON_IsString(v)) {
		if (v->valuestring[0] == '\0')
			return conf_err_expected(ctx, v, "a non-empty array "
			    "of strings or a non-empty string");
		if ((argv = conf_calloc(ctx, 4, sizeof *argv)) == NULL)
			return -1;
		argv[0] = conf_strdup(ctx, "/bin/sh");
		argv[1] = conf_strdup(ctx, "-c");
		argv[2] = conf_strdup(ctx, v->valuestring);
		*(char ***)dst = argv;
		return 0;
	}
	if (!cJSON_IsArray(v) || v->child == NULL)
		return conf_err_expected(ctx, v, "a non-empty array of strings "
		    "or a non-empty string");
	i = 0;
	cJSON_ArrayForEach(el, v) {
		old = conf_path_index(ctx, i);
		if (!cJSON_IsString(el))
			bad = conf_err_expected(ctx, el, "a string");
		else if (i == 0 && el->valuestring[0] == '\0')
			bad = conf_err_expected(ctx, el, "a non-empty string");
		conf_path_pop(ctx, old);
		i++;
	}
	if (bad)
		return -1;
	n = i;
	if ((argv = conf_calloc(ctx, n + 1, sizeof *argv)) == NULL)
		return -1;
	i = 0;
	cJSON_ArrayForEach(el, v)
		argv[i++] = conf_strdup(ctx, el->valuestring);
	*(char ***)dst = argv;
	return 0;
}

/* Whether EL's key came earlier in object V too (said so at EL). */
int
conf_value_duplicate(struct conf_ctx *ctx, const cJSON *v, const cJSON *el)
{
	if (cJSON_GetObjectItemCaseSensitive(v, el->string) == el)
		return 0;
	conf_err_key(ctx, el, "duplicate key \"%s\"", el->string);
	return 1;
}

int
conf_set_env(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	const cJSON *el;
	char **env;
	size_t i, n = 0, old;
	int bad = 0;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object of strings");
	cJSON_ArrayForEach(el, v) {
		old = conf_path_key(ctx, el->string);
		if (el->string[0] == '\0' || strchr(el->string, '=') != NULL) {
			conf_err_key(ctx, el, "environment variable names must "
			    "be non-empty and contain no \"=\"");
			bad = -1;
		} else if (conf_value_duplicate(ctx, v, el)) {
			bad = -1;
		} else if (!cJSON_IsString(el)) {
			bad = conf_err_expected(ctx, el, "a string");
		}
		conf_path_pop(ctx, old);
		n++;
	}
	if (bad)
		return -1;
	if ((env = conf_calloc(ctx, n + 1, sizeof *env)) == NULL)
		return -1;
	i = 0;
	cJSON_ArrayForEach(el, v) {
		if (asprintf(&env[i], "%s=%s", el->string, el->valuestring) < 0) {
			env[i] = NULL;
			ctx->oom = 1;
			break;
		}
		i++;
	}
	*(char ***)dst = env;
	return 0;
}

/* Reads a uid or gid given as an integer; -1 if V is not one. */
static int
conf_value_id(const cJSON *v, unsigned *id)
{
	if (!conf_value_is_int(v) || v->valuedouble < 0 ||
	    v->valuedouble >= 4294967295.0)
		return -1;
	*id = (unsigned)v->valuedouble;
	return 0;
}

int
conf_set_user(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_child *c = dst;
	struct passwd *pw;
	char buf[32];
	unsigned id;

	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((pw = getpwnam(v->valuestring)) == NULL) {
			conf_err_val(ctx, v, "unknown user \"%s\"",
			    v->valuestring);
			return -1;
		}
		c->uid = pw->pw_uid;
		c->has_uid = 1;
		c->user = conf_strdup(ctx, v->valuestring);
		return 0;
	}
	if (conf_value_id(v, &id) != 0)
		return conf_err_expected(ctx, v, "a user name or an integer "
		    "uid >= 0");
	snprintf(buf, sizeof buf, "%u", id);
	c->uid = (uid_t)id;
	c->has_uid = 1;
	c->user = conf_strdup(ctx, buf);
	return 0;
}

int
conf_set_group(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_child *c = dst;
	struct group *gr;
	char buf[32];
	unsigned id;

	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((gr = getgrnam(v->valuestring)) == NULL) {
			conf_err_val(ctx, v, "unknown group \"%s\"",
			    v->valuestring);
			return -1;
		}
		c->gid = gr->gr_gid;
		c->has_gid = 1;
		c->group = conf_strdup(ctx, v->valuestring);
		return 0;
	}
	if (conf_value_id(v, &id) != 0)
		return conf_err_expected(ctx, v, "a group name or an integer "
		    "gid >= 0");
	snprintf(buf, sizeof buf, "%u", id);
	c->gid = (gid_t)id;
	c->has_gid = 1;
	c->group = conf_strdup(ctx, buf);
	return 0;
}

int
conf_set_umask(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	const char *s;
	long m;

	if (cJSON_IsString(v)) {
		s = v->valuestring;
		if (*s != '\0' && strlen(s) <= 4 &&
		    strspn(s, "01234567") == strlen(s) &&
		    (m = strtol(s, NULL, 8)) <= 0777) {
			*(int *)dst = (int)m;
			return 0;
		}
	} else if (conf_value_is_int(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 0777) {
		*(int *)dst = (int)v->valuedouble;
		return 0;
	}
	return conf_err_expected(ctx, v, "an octal string like \"022\" or "
	    "an integer from 0 to 511");
}

int
conf_set_signal(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	int sig;

	if (cJSON_IsString(v) && (sig = conf_signal_parse(v->valuestring)) > 0) {
		*(int *)dst = sig;
		return 0;
	}
	if (conf_value_is_int(v) && v->valuedouble >= 1 &&
	    v->valuedouble <= 64) {
		*(int *)dst = (int)v->valuedouble;
		return 0;
	}
	return conf_err_expected(ctx, v, "a signal name like \"TERM\" or "
	    "an integer from 1 to 64");
}

int
conf_set_exit_codes(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	uint8_t *bits = dst;
	const cJSON *el;
	size_t i = 0, old;
	int code, bad = 0;

	if (!cJSON_IsArray(v))
		return conf_err_expected(ctx, v, "an array of integers");
	cJSON_ArrayForEach(el, v) {
		old = conf_path_index(ctx, i++);
		if (!conf_value_is_int(el) || el->valuedouble < 0 ||
		    el->valuedouble > 255) {
			bad = conf_err_expected(ctx, el,
			    "an integer from 0 to 255");
		} else {
			code = (int)el->valuedouble;
			bits[code / 8] |= (uint8_t)(1u << (code % 8));
		}
		conf_path_pop(ctx, old);
	}
	return bad;
}

/* One side of a limit: digits or "infinity", up to END. */
static int
limit_part(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if ((size_t)(end - s) == strlen("infinity") &&
	    strncmp(s, "infinity", (size_t)(end - s)) == 0) {
		*out = CONF_LIMIT_INFINITY;
		return 0;
	}
	if (s == end)
		return -1;
	for (p = s; p < end; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static int
limit_value(const cJSON *v, struct conf_limit *l)
{
	const char *s, *colon;

	if (conf_value_is_int(v) && v->valuedouble >= 0 &&
	    v->valuedouble < 9007199254740992.0) {
		l->soft = l->hard = (uint64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	s = v->valuestring;
	if ((colon = strchr(s, ':')) == NULL)
		return limit_part(s, s + strlen(s), &l->soft) == 0 ?
		    (l->hard = l->soft, 0) : -1;
	return limit_part(s, colon, &l->soft) == 0 &&
	    limit_part(colon + 1, colon + strlen(colon), &l->hard) == 0 ?
	    0 : -1;
}

static void
limit_text(uint64_t v, char *buf, size_t len)
{
	if (v == CONF_LIMIT_INFINITY)
		snprintf(buf, len, "infinity");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* "limits": an object of NAME: N | "infinity" | "SOFT:HARD". */
int
conf_set_limits(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_limit *limits = dst, l;
	const cJSON *el;
	char a[24], b[24];
	size_t old;
	int i, bad = 0;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object of limits");
	cJSON_ArrayForEach(el, v) {
		if (strcmp(el->string, "comment") == 0 ||
		    strcmp(el->string, "_comment") == 0)
			continue; /* as in every object of herd.json */
		old = conf_path_key(ctx, el->string);
		for (i = 0; i < CONF_NLIMITS; i++)
			if (strcmp(el->string, conf_limit_names[i]) == 0)
				break;
		memset(&l, 0, sizeof l);
		if (i == CONF_NLIMITS) {
			conf_err_key(ctx, el, "unknown limit \"%s\" (one of cpu, "
			    "fsize, data, stack, core, rss, nofile, as, nproc, "
			    "memlock, locks, sigpending, msgqueue, nice, rtprio, "
			    "rttime)", el->string);
			bad = -1;
		} else if (conf_value_duplicate(ctx, v, el)) {
			bad = -1;
		} else if (limit_value(el, &l) == -1) {
			bad = conf_err_expected(ctx, el, "an integer >= 0, "
			    "\"infinity\" or \"SOFT:HARD\" of those");
		} else if (l.soft > l.hard) {
			limit_text(l.soft, a, sizeof a);
			limit_text(l.hard, b, sizeof b);
			conf_err_val(ctx, el, "the soft limit (%s) is above the "
			    "hard one (%s)", a, b);
			bad = -1;
		} else {
			l.set = 1;
			limits[i] = l;
		}
		conf_path_pop(ctx, old);
	}
	return bad;
}
