/* The values of the "control" object: the socket group, the users and
 * groups allowed to mutate, the TLS listener's URL and its peer CIDRs. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* Reads an id given as an integer 0..2^32-2; -1 if V is not one. */
static int
conf_control_id(const cJSON *v, unsigned *id)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= 0 && d < 4294967295.0) || (double)(unsigned)d != d)
		return -1;
	*id = (unsigned)d;
	return 0;
}

/* A group name (resolved now) or gid; records the error and returns -1. */
static int
conf_control_gid(struct conf_ctx *ctx, const cJSON *v, gid_t *gid)
{
	struct group *gr;
	unsigned id;

	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((gr = getgrnam(v->valuestring)) == NULL) {
			conf_err_val(ctx, v, "unknown group \"%s\"",
			    v->valuestring);
			return -1;
		}
		*gid = gr->gr_gid;
		return 0;
	}
	if (conf_control_id(v, &id) != 0)
		return conf_err_expected(ctx, v, "a group name or an integer "
		    "gid >= 0");
	*gid = (gid_t)id;
	return 0;
}

static int
conf_control_uid(struct conf_ctx *ctx, const cJSON *v, uid_t *uid)
{
	struct passwd *pw;
	unsigned id;

	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((pw = getpwnam(v->valuestring)) == NULL) {
			conf_err_val(ctx, v, "unknown user \"%s\"",
			    v->valuestring);
			return -1;
		}
		*uid = pw->pw_uid;
		return 0;
	}
	if (conf_control_id(v, &id) != 0)
		return conf_err_expected(ctx, v, "a user name or an integer "
		    "uid >= 0");
	*uid = (uid_t)id;
	return 0;
}

int
conf_set_ctl_group(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;

	if (conf_control_gid(ctx, v, &c->gid) != 0)
		return -1;
	c->has_group = 1;
	return 0;
}

/* An array of user or group names or ids, each resolved by one(); *out is
 * an array of n ids of SIZE bytes (caller frees). */
static int
id_list(struct conf_ctx *ctx, const cJSON *v, const char *what,
    int (*one)(struct conf_ctx *, const cJSON *, void *), size_t size,
    void **out, size_t *n)
{
	const cJSON *el;
	size_t i = 0, old;
	char *ids;
	int bad = 0;

	if (!cJSON_IsArray(v))
		return conf_err_expected(ctx, v, what);
	if ((ids = conf_calloc(ctx, (size_t)cJSON_GetArraySize(v),
	    size)) == NULL)
		return -1;
	cJSON_ArrayForEach(el, v) {
		old = conf_path_index(ctx, i);
		if (one(ctx, el, ids + i * size) != 0)
			bad = -1;
		conf_path_pop(ctx, old);
		i++;
	}
	if (bad) {
		free(ids);
		return -1;
	}
	*out = ids;
	*n = i;
	return 0;
}

static int
one_uid(struct conf_ctx *ctx, const cJSON *v, void *id)
{
	return conf_control_uid(ctx, v, id);
}

static int
one_gid(struct conf_ctx *ctx, const cJSON *v, void *id)
{
	return conf_control_gid(ctx, v, id);
}

int
conf_set_uid_list(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;
	void *ids;

	if (id_list(ctx, v, "an array of user names or uids", one_uid,
	    sizeof(uid_t), &ids, &c->nallow_uids) != 0)
		return -1;
	c->allow_uids = ids;
	return 0;
}

int
conf_set_gid_list(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;
	void *ids;

	if (id_list(ctx, v, "an array of group names or gids", one_gid,
	    sizeof(gid_t), &ids, &c->nallow_gids) != 0)
		return -1;
	c->allow_gids = ids;
	return 0;
}

/*
 * "allow_run_as": {"deploy": ["www-data"], "ops": "*"}: the users a peer
 * may name as a runtime child's user (docs/security.md). Names are
 * resolved now.
 */
int
conf_set_run_as(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;
	const cJSON *el;
	size_t n = 0, old;
	int bad = 0;
	void *ids;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object of user names, "
		    "each with an array of user names or \"*\"");
	if ((c->run_as = conf_calloc(ctx, (size_t)cJSON_GetArraySize(v) + 1,
	    sizeof *c->run_as)) == NULL)
		return -1;
	cJSON_ArrayForEach(el, v) {
		struct conf_run_as *ra = &c->run_as[n];
		struct passwd *pw = getpwnam(el->string);
		/* saved now: the lookups below reuse getpwnam's buffer */
		int known = pw != NULL;
		ra->peer = known ? pw->pw_uid : 0;
		old = conf_path_key(ctx, el->string);
		if (!known) {
			conf_err_key(ctx, el, "unknown user \"%s\"",
			    el->string);
			bad = -1;
		} else if (cJSON_IsString(el) &&
		    strcmp(el->valuestring, "*") == 0) {
			ra->any = 1;
		} else if (id_list(ctx, el, "an array of user names or uids, "
		    "or \"*\"", one_uid, sizeof(uid_t), &ids, &ra->nas) != 0) {
			bad = -1;
		} else {
			ra->as = ids;
		}
		conf_path_pop(ctx, old);
		n++;
	}
	c->nrun_as = n;
	return bad;
}

/* "allow_subjects": {"CN=ci": "deploy", "DNS:ops.example.com": "ops"}. */
int
conf_set_subjects(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;
	const cJSON *el;
	size_t n = 0, old;
	int bad = 0;

	if (!cJSON_IsObject(v) || v->child == NULL)
		return conf_err_expected(ctx, v, "a non-empty object of "
		    "certificate subjects (\"CN=...\") or names (\"DNS:...\"),"
		    " each with a user name");
	if ((c->tcp_subjects = conf_calloc(ctx, (size_t)cJSON_GetArraySize(v),
	    sizeof *c->tcp_subjects)) == NULL)
		return -1;
	cJSON_ArrayForEach(el, v) {
		struct conf_subject *cs = &c->tcp_subjects[n];
		old = conf_path_key(ctx, el->string);
		if (el->string[0] == '\0') {
			conf_err_key(ctx, el, "an empty subject matches no "
			    "certificate");
			bad = -1;
		} else if (conf_control_uid(ctx, el, &cs->uid) != 0) {
			bad = -1;
		} else {
			cs->name = conf_strdup(ctx, el->string);
			n++;
		}
		conf_path_pop(ctx, old);
	}
	c->ntcp_subjects = n;
	return bad;
}

int
conf_run_as_granted(const struct conf_control *c, uid_t peer, uid_t as)
{
	size_t i, k;

	for (i = 0; i < c->nrun_as; i++) {
		if (c->run_as[i].peer != peer)
			continue;
		if (c->run_as[i].any)
			return 1;
		for (k = 0; k < c->run_as[i].nas; k++)
			if (c->run_as[i].as[k] == as)
				return 1;
	}
	return 0;
}

/* Whether S is "HOST:PORT" with a port from 1 to 65535. */
static int
conf_control_hostport(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s || colon[1] < '0' || colon[1] > '9')
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port >= 1 && port <= 65535;
}

int
conf_set_tcp_url(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	static const char tls[] = "tls+tcp://";
	const char *s;

	if (!cJSON_IsString(v))
		return conf_err_expected(ctx, v, "a string");
	s = v->valuestring;
	if (strncmp(s, "tcp://", 6) == 0 || strncmp(s, "tcp4://", 7) == 0 ||
	    strncmp(s, "tcp6://", 7) == 0) {
		conf_err_val(ctx, v, "the tcp control listener requires TLS: "
		    "use tls+tcp://");
		return -1;
	}
	if (strncmp(s, tls, sizeof tls - 1) != 0 ||
	    !conf_control_hostport(s + sizeof tls - 1))
		return conf_err_expected(ctx, v, "a URL like "
		    "\"tls+tcp://127.0.0.1:7443\"");
	*(char **)dst = conf_strdup(ctx, s);
	return 0;
}

/* Zeroes the bits of ADDR (N bytes) past PREFIX. */
static void
conf_cidr_mask(unsigned char *addr, size_t n, int prefix)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((int)(i * 8) >= prefix)
			addr[i] = 0;
		else if ((int)(i * 8) + 8 > prefix)
			addr[i] &= (unsigned char)(0xff00u >> (prefix % 8));
	}
}

int
conf_cidr_parse(const char *s, struct conf_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long prefix;
	int max;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	memset(out, 0, sizeof *out);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	prefix = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max)
			return -1;
	}
	out->prefix = (int)prefix;
	conf_cidr_mask(out->addr, max / 8, out->prefix);
	return 0;
}

int
conf_set_cidr_list(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_control *c = dst;
	struct conf_cidr *cidrs;
	const cJSON *el;
	size_t i = 0, old;
	int bad = 0;

	if (!cJSON_IsArray(v) || v->child == NULL)
		return conf_err_expected(ctx, v, "a non-empty array of "
		    "addresses or CIDRs");
	if ((cidrs = conf_calloc(ctx, (size_t)cJSON_GetArraySize(v),
	    sizeof *cidrs)) == NULL)
		return -1;
	cJSON_ArrayForEach(el, v) {
		old = conf_path_index(ctx, i);
		if (!cJSON_IsString(el) ||
		    conf_cidr_parse(el->valuestring, &cidrs[i]) != 0)
			bad = conf_err_expected(ctx, el, "an IPv4 or IPv6 "
			    "address or CIDR like \"10.0.0.0/8\"");
		conf_path_pop(ctx, old);
		i++;
	}
	if (bad) {
		free(cidrs);
		return -1;
	}
	c->tcp_allow = cidrs;
	c->ntcp_allow = i;
	return 0;
}

/* Whether the first PREFIX bits of A and B are equal. */
static int
conf_cidr_bits_equal(const unsigned char *a, const unsigned char *b,
    int prefix)
{
	int full = prefix / 8, rest = prefix % 8;
	unsigned mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (0xff00u >> rest) & 0xffu;
	return (a[full] & mask) == (b[full] & mask);
}

int
conf_cidr_match(const struct conf_control *c, const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff };
	unsigned char addr[16];
	int family;
	size_t i;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
		if (memcmp(addr, mapped, sizeof mapped) == 0) {
			family = AF_INET;
			memmove(addr, addr + 12, 4);
		}
	} else {
		return 0;
	}
	for (i = 0; i < c->ntcp_allow; i++)
		if (c->tcp_allow[i].family == family &&
		    conf_cidr_bits_equal(c->tcp_allow[i].addr, addr,
		    c->tcp_allow[i].prefix))
			return 1;
	return 0;
}

void
conf_control_clear(struct conf_control *c)
{
	size_t i;

	for (i = 0; i < c->nrun_as; i++)
		free(c->run_as[i].as);
	free(c->run_as);
	for (i = 0; i < c->ntcp_subjects; i++)
		free(c->tcp_subjects[i].name);
	free(c->tcp_subjects);
	free(c->allow_uids);
	free(c->allow_gids);
	free(c->tcp_url);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_ca);
	free(c->tcp_allow);
	memset(c, 0, sizeof *c);
}
