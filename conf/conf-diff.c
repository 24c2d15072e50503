/* What a reload from one config to another would change: children added,
 * removed or changed, supervisors' settings, and top-level keys (notes). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* A ", "-separated list of field names being built into a fixed buffer. */
struct conf_diff_fields {
	char *buf;
	size_t len;
	size_t used;
	int n;
};

static void
conf_diff_fields_init(struct conf_diff_fields *f, char *buf, size_t len)
{
	f->buf = buf;
	f->len = len;
	f->used = 0;
	f->n = 0;
	if (len > 0)
		buf[0] = '\0';
}

static void
conf_diff_field(struct conf_diff_fields *f, const char *name)
{
	int w;

	if (f->len > f->used) {
		w = snprintf(f->buf + f->used, f->len - f->used, "%s%s",
		    f->n > 0 ? ", " : "", name);
		if (w > 0)
			f->used += (size_t)w;
		if (f->used >= f->len)
			f->used = f->len; /* cut */
	}
	f->n++;
}

static int
conf_diff_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
conf_diff_argv_eq(char *const *a, char *const *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return a[i] == NULL && b[i] == NULL;
}

static size_t
conf_diff_strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* Environments as sets: the order of "env" keys does not matter. */
static int
conf_diff_env_eq(char *const *a, char *const *b)
{
	size_t i, j, na = conf_diff_strv_len(a), nb = conf_diff_strv_len(b);

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (strcmp(a[i], b[j]) == 0)
				break;
		if (j == nb)
			return 0;
	}
	return 1;
}

static int
conf_diff_limits_eq(const struct conf_limit *a, const struct conf_limit *b)
{
	int i;

	for (i = 0; i < CONF_NLIMITS; i++)
		if (a[i].set != b[i].set || (a[i].set &&
		    (a[i].soft != b[i].soft || a[i].hard != b[i].hard)))
			return 0;
	return 1;
}

static int
conf_diff_backoff_eq(const struct conf_backoff *a,
    const struct conf_backoff *b)
{
	if (a->enabled != b->enabled)
		return 0;
	return !a->enabled || (a->initial_ms == b->initial_ms &&
	    a->max_ms == b->max_ms && a->multiplier == b->multiplier &&
	    a->jitter == b->jitter && a->reset_after_ms == b->reset_after_ms);
}

static int
conf_diff_is_pool(const struct conf_child *c)
{
	return c->sup != NULL && c->sup->strategy == CONF_SIMPLE_ONE_FOR_ONE;
}

/* The worker keys, in schema order. */
static void
conf_diff_worker(const struct conf_child *a, const struct conf_child *b,
    struct conf_diff_fields *f)
{
	if (!conf_diff_argv_eq(a->argv, b->argv))
		conf_diff_field(f, "command");
	if (!conf_diff_env_eq(a->env, b->env))
		conf_diff_field(f, "env");
	if (a->clear_env != b->clear_env)
		conf_diff_field(f, "clear_env");
	if (!conf_diff_str_eq(a->cwd, b->cwd))
		conf_diff_field(f, "cwd");
	if (a->has_uid != b->has_uid || (a->has_uid && a->uid != b->uid))
		conf_diff_field(f, "user");
	if (a->has_gid != b->has_gid || (a->has_gid && a->gid != b->gid))
		conf_diff_field(f, "group");
	if (a->umask != b->umask)
		conf_diff_field(f, "umask");
	if (a->stop_signal != b->stop_signal)
		conf_diff_field(f, "stop_signal");
	if (a->ready != b->ready)
		conf_diff_field(f, "ready");
	if (a->ready_fd != b->ready_fd)
		conf_diff_field(f, "ready_fd");
	if (a->ready_timeout_ms != b->ready_timeout_ms)
		conf_diff_field(f, "ready_timeout_ms");
	if (a->watchdog_ms != b->watchdog_ms)
		conf_diff_field(f, "watchdog_ms");
	if (a->liveness_ms != b->liveness_ms)
		conf_diff_field(f, "liveness_ms");
	if (a->liveness_timeout_ms != b->liveness_timeout_ms)
		conf_diff_field(f, "liveness_timeout_ms");
	if (a->mailbox_bytes != b->mailbox_bytes)
		conf_diff_field(f, "mailbox_bytes");
	if (memcmp(a->normal_exit, b->normal_exit, sizeof a->normal_exit) != 0)
		conf_diff_field(f, "normal_exit_codes");
	if (!conf_diff_backoff_eq(&a->backoff, &b->backoff))
		conf_diff_field(f, "backoff");
	if (!conf_diff_limits_eq(a->limits, b->limits))
		conf_diff_field(f, "limits");
	if (a->cgroup.memory_max != b->cgroup.memory_max ||
	    a->cgroup.pids_max != b->cgroup.pids_max ||
	    a->cgroup.cpu_weight != b->cgroup.cpu_weight ||
	    a->cgroup.cpu_max_us != b->cgroup.cpu_max_us)
		conf_diff_field(f, "cgroup");
	if (a->out != b->out)
		conf_diff_field(f, "stdout");
	if (a->err != b->err)
		conf_diff_field(f, "stderr");
}

int
conf_child_same(const struct conf_child *a, const struct conf_child *b,
    char *fields, size_t len)
{
	struct conf_diff_fields f;

	conf_diff_fields_init(&f, fields, len);
	if (a->type != b->type || a->actor != b->actor) {
		conf_diff_field(&f, "type");
		return 0;
	}
	if (a->restart != b->restart)
		conf_diff_field(&f, "restart");
	if (a->shutdown_ms != b->shutdown_ms)
		conf_diff_field(&f, "shutdown");
	if (a->significant != b->significant)
		conf_diff_field(&f, "significant");
	if (a->type == CONF_SUPERVISOR) {
		if (a->sup != NULL && b->sup != NULL &&
		    conf_diff_is_pool(a) != conf_diff_is_pool(b))
			conf_diff_field(&f, "strategy");
	} else {
		conf_diff_worker(a, b, &f);
	}
	return f.n == 0;
}

/* A supervisor's settings applied in place; a change from or to
 * simple_one_for_one is not one of them. */
static void
conf_diff_settings(const struct conf_sup *a, const struct conf_sup *b,
    struct conf_diff_fields *f)
{
	if (a->strategy != b->strategy &&
	    (a->strategy == CONF_SIMPLE_ONE_FOR_ONE) ==
	    (b->strategy == CONF_SIMPLE_ONE_FOR_ONE))
		conf_diff_field(f, "strategy");
	if (a->intensity != b->intensity)
		conf_diff_field(f, "intensity");
	if (a->period_ms != b->period_ms)
		conf_diff_field(f, "period_ms");
	if (a->auto_shutdown != b->auto_shutdown)
		conf_diff_field(f, "auto_shutdown");
	if (a->max_instances != b->max_instances)
		conf_diff_field(f, "max_instances");
}

/* ---- the entry list ---- */

struct conf_diff_ctx {
	struct conf_diff *d;
	size_t cap;
	int oom;
};

static void
conf_diff_add(struct conf_diff_ctx *x, const char *path,
    enum conf_change change, const char *fields)
{
	struct conf_diff_entry *nv, *e;
	size_t cap;

	if (x->oom)
		return;
	if (x->d->n == x->cap) {
		cap = x->cap ? x->cap * 2 : 16;
		if ((nv = realloc(x->d->v, cap * sizeof *nv)) == NULL) {
			x->oom = 1;
			return;
		}
		x->d->v = nv;
		x->cap = cap;
	}
	e = &x->d->v[x->d->n];
	e->change = change;
	e->path = strdup(path);
	e->fields = fields != NULL ? strdup(fields) : NULL;
	if (e->path == NULL || (fields != NULL && e->fields == NULL)) {
		free(e->path);
		free(e->fields);
		x->oom = 1;
		return;
	}
	x->d->n++;
}

static void
conf_diff_note(struct conf_diff_ctx *x, const char *what, const char *when)
{
	char **nv, *s;

	if (x->oom)
		return;
	if (asprintf(&s, "%s changed: %s", what, when) < 0) {
		x->oom = 1;
		return;
	}
	if ((nv = realloc(x->d->notes, (x->d->nnotes + 1) * sizeof *nv)) ==
	    NULL) {
		free(s);
		x->oom = 1;
		return;
	}
	x->d->notes = nv;
	x->d->notes[x->d->nnotes++] = s;
}

/* PREFIX/NAME, or NAME at the root; caller frees. */
static char *
conf_diff_path(const char *prefix, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", prefix, *prefix ? "/" : "", name) < 0)
		return NULL;
	return s;
}

static long
conf_diff_find(const struct conf_sup *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nchildren; i++)
		if (strcmp(s->children[i]->name, name) == 0)
			return (long)i;
	return -1;
}

/* Whether the children both supervisors have come in another order. */
static int
conf_diff_reordered(const struct conf_sup *a, const struct conf_sup *b)
{
	long last = -1, j;
	size_t i;

	for (i = 0; i < b->nchildren; i++) {
		if ((j = conf_diff_find(a, b->children[i]->name)) < 0)
			continue;
		if (j < last)
			return 1;
		last = j;
	}
	return 0;
}

static void conf_diff_children(struct conf_diff_ctx *x, const char *prefix,
    const struct conf_sup *a, const struct conf_sup *b);

/* The entries of supervisor PATH itself, then of its children. */
static void
conf_diff_sup(struct conf_diff_ctx *x, const char *path,
    const struct conf_sup *a, const struct conf_sup *b)
{
	struct conf_diff_fields f;
	char buf[256];

	conf_diff_fields_init(&f, buf, sizeof buf);
	conf_diff_settings(a, b, &f);
	if (a->strategy != CONF_SIMPLE_ONE_FOR_ONE &&
	    b->strategy != CONF_SIMPLE_ONE_FOR_ONE &&
	    conf_diff_reordered(a, b))
		conf_diff_field(&f, "order");
	if (f.n > 0)
		conf_diff_add(x, path, CONF_CH_SETTINGS, buf);
	conf_diff_children(x, path, a, b);
}

static void
conf_diff_removed_until(struct conf_diff_ctx *x, const char *prefix,
    const struct conf_sup *a, const struct conf_sup *b, size_t *k,
    size_t end)
{
	char *path;

	for (; *k < end; (*k)++) {
		if (conf_diff_find(b, a->children[*k]->name) >= 0)
			continue;
		if ((path = conf_diff_path(prefix, a->children[*k]->name)) ==
		    NULL) {
			x->oom = 1;
			return;
		}
		conf_diff_add(x, path, CONF_CH_REMOVED, NULL);
		free(path);
	}
}

static void
conf_diff_children(struct conf_diff_ctx *x, const char *prefix,
    const struct conf_sup *a, const struct conf_sup *b)
{
	const struct conf_child *oc, *nc;
	size_t i, k = 0;
	char *path, buf[256];
	long j;

	for (i = 0; i < b->nchildren && !x->oom; i++) {
		nc = b->children[i];
		if ((path = conf_diff_path(prefix, nc->name)) == NULL) {
			x->oom = 1;
			return;
		}
		if ((j = conf_diff_find(a, nc->name)) < 0) {
			conf_diff_add(x, path, CONF_CH_ADDED, NULL);
			free(path);
			continue;
		}
		/* The removed ones before this one, where they were. */
		if ((size_t)j >= k) {
			conf_diff_removed_until(x, prefix, a, b, &k, (size_t)j);
			k = (size_t)j + 1;
		}
		oc = a->children[j];
		if (oc->type != nc->type || oc->actor != nc->actor) {
			conf_diff_add(x, path, CONF_CH_REMOVED, NULL);
			conf_diff_add(x, path, CONF_CH_ADDED, NULL);
		} else {
			if (!conf_child_same(oc, nc, buf, sizeof buf))
				conf_diff_add(x, path, CONF_CH_CHANGED, buf);
			if (oc->sup != NULL && nc->sup != NULL)
				conf_diff_sup(x, path, oc->sup, nc->sup);
		}
		free(path);
	}
	conf_diff_removed_until(x, prefix, a, b, &k, a->nchildren);
}

static int
conf_diff_ids_eq(const unsigned *a, size_t na, const unsigned *b, size_t nb)
{
	size_t i, j;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && b[j] != a[i]; j++)
			;
		if (j == nb)
			return 0;
	}
	return 1;
}

static int
conf_diff_cidrs_eq(const struct conf_control *a, const struct conf_control *b)
{
	size_t i;

	if (a->ntcp_allow != b->ntcp_allow)
		return 0;
	for (i = 0; i < a->ntcp_allow; i++)
		if (a->tcp_allow[i].family != b->tcp_allow[i].family ||
		    a->tcp_allow[i].prefix != b->tcp_allow[i].prefix ||
		    memcmp(a->tcp_allow[i].addr, b->tcp_allow[i].addr, 16) != 0)
			return 0;
	return 1;
}

/* Whether A and B grant the same run-as rights (in the same order). */
static int
conf_diff_run_as_eq(const struct conf_control *a, const struct conf_control *b)
{
	size_t i;

	if (a->nrun_as != b->nrun_as)
		return 0;
	for (i = 0; i < a->nrun_as; i++)
		if (a->run_as[i].peer != b->run_as[i].peer ||
		    a->run_as[i].any != b->run_as[i].any ||
		    a->run_as[i].nas != b->run_as[i].nas ||
		    (a->run_as[i].nas > 0 && memcmp(a->run_as[i].as,
		    b->run_as[i].as, a->run_as[i].nas * sizeof(uid_t)) != 0))
			return 0;
	return 1;
}

_Static_assert(sizeof(uid_t) == sizeof(unsigned) &&
    sizeof(gid_t) == sizeof(unsigned), "ids compared as unsigned");

static int
conf_diff_strv_eq(char *const *a, char *const *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return a[i] == b[i];
}

static int
conf_diff_action_eq(const struct conf_action *a, const struct conf_action *b)
{
	return a->kind == b->kind && conf_diff_strv_eq(a->argv, b->argv) &&
	    conf_diff_str_eq(a->actor, b->actor) &&
	    conf_diff_str_eq(a->value, b->value);
}

static int
conf_diff_saga_eq(const struct conf_saga *a, const struct conf_saga *b)
{
	if (a->two_phase != b->two_phase || a->lifespan_ms != b->lifespan_ms ||
	    a->nsteps != b->nsteps)
		return 0;
	for (size_t i = 0; i < a->nsteps; i++) {
		const struct conf_step *x = &a->steps[i], *y = &b->steps[i];
		if (!conf_diff_str_eq(x->name, y->name) ||
		    !conf_diff_action_eq(&x->action, &y->action) ||
		    !conf_diff_action_eq(&x->compensate, &y->compensate) ||
		    x->timeout_ms != y->timeout_ms ||
		    x->retries != y->retries ||
		    x->retry_delay_ms != y->retry_delay_ms)
			return 0;
	}
	return 1;
}

static const struct conf_saga *
conf_diff_saga_find(const struct conf_sagas *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* Step sagas: herd-sagad reads them when it starts. */
static void
conf_diff_sagas(struct conf_diff_ctx *x, const struct conf_sagas *a,
    const struct conf_sagas *b)
{
	static const char when[] = "takes effect when herd-sagad restarts";
	char what[96];

	for (size_t i = 0; i < b->n; i++) {
		const struct conf_saga *o = conf_diff_saga_find(a, b->v[i].name);
		if (o != NULL && conf_diff_saga_eq(o, &b->v[i]))
			continue;
		snprintf(what, sizeof what, "sagas.%s", b->v[i].name);
		conf_diff_note(x, what, when);
	}
	for (size_t i = 0; i < a->n; i++)
		if (conf_diff_saga_find(b, a->v[i].name) == NULL) {
			snprintf(what, sizeof what, "sagas.%s", a->v[i].name);
			conf_diff_note(x, what, when);
		}
}

/* Top-level keys: herdd reads them at start. */
static void
conf_diff_top(struct conf_diff_ctx *x, const struct conf *a,
    const struct conf *b)
{
	static const char later[] = "takes effect when herdd restarts";
	static const char now[] = "applied at once";
	const struct conf_control *ca = &a->control, *cb = &b->control;

	if (!conf_diff_str_eq(a->run_dir, b->run_dir))
		conf_diff_note(x, "run_dir", later);
	if (!conf_diff_str_eq(a->log_dir, b->log_dir))
		conf_diff_note(x, "log_dir", later);
	if (a->log_max_bytes != b->log_max_bytes)
		conf_diff_note(x, "log_max_bytes", later);
	if (a->log_backups != b->log_backups)
		conf_diff_note(x, "log_backups", later);
	if (a->notify_abstract != b->notify_abstract)
		conf_diff_note(x, "notify_abstract", later);
	if (ca->has_group != cb->has_group ||
	    (ca->has_group && ca->gid != cb->gid))
		conf_diff_note(x, "control.group", later);
	if (!conf_diff_ids_eq((const unsigned *)ca->allow_uids,
	    ca->nallow_uids, (const unsigned *)cb->allow_uids,
	    cb->nallow_uids))
		conf_diff_note(x, "control.allow_users", now);
	if (!conf_diff_ids_eq((const unsigned *)ca->allow_gids,
	    ca->nallow_gids, (const unsigned *)cb->allow_gids,
	    cb->nallow_gids))
		conf_diff_note(x, "control.allow_groups", now);
	if (!conf_diff_run_as_eq(ca, cb))
		conf_diff_note(x, "control.allow_run_as", now);
	if (ca->max_request_bytes != cb->max_request_bytes)
		conf_diff_note(x, "control.max_request_bytes", later);
	if (ca->event_ring != cb->event_ring)
		conf_diff_note(x, "control.event_ring", later);
	if (ca->max_conns != cb->max_conns)
		conf_diff_note(x, "control.max_connections", now);
	if (ca->max_conns_user != cb->max_conns_user)
		conf_diff_note(x, "control.max_connections_per_user", now);
	if (!conf_diff_str_eq(ca->tcp_url, cb->tcp_url) ||
	    !conf_diff_str_eq(ca->tls_cert, cb->tls_cert) ||
	    !conf_diff_str_eq(ca->tls_key, cb->tls_key) ||
	    !conf_diff_str_eq(ca->tls_ca, cb->tls_ca) ||
	    !conf_diff_cidrs_eq(ca, cb))
		conf_diff_note(x, "control.tcp", later);
	if (!conf_diff_str_eq(a->http.listen, b->http.listen) ||
	    !conf_diff_str_eq(a->http.token_file, b->http.token_file) ||
	    a->http.public_read != b->http.public_read ||
	    a->http.mutations_per_minute != b->http.mutations_per_minute ||
	    a->http.max_connections != b->http.max_connections)
		conf_diff_note(x, "http", later);
	conf_diff_sagas(x, &a->sagas, &b->sagas);
}

int
conf_diff(const struct conf *old, const struct conf *new,
    struct conf_diff *out)
{
	struct conf_diff_ctx x = { out, 0, 0 };

	memset(out, 0, sizeof *out);
	/* The root cannot restart: a change from or to simple_one_for_one
	 * is CHANGED on "" and the applier decides. */
	if ((old->root.strategy == CONF_SIMPLE_ONE_FOR_ONE) !=
	    (new->root.strategy == CONF_SIMPLE_ONE_FOR_ONE))
		conf_diff_add(&x, "", CONF_CH_CHANGED, "strategy");
	conf_diff_sup(&x, "", &old->root, &new->root);
	conf_diff_top(&x, old, new);
	if (x.oom) {
		conf_diff_clear(out);
		return -1;
	}
	return 0;
}

void
conf_diff_clear(struct conf_diff *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].fields);
	}
	free(d->v);
	for (i = 0; i < d->nnotes; i++)
		free(d->notes[i]);
	free(d->notes);
	memset(d, 0, sizeof *d);
}

const char *
conf_change_name(enum conf_change c)
{
	switch (c) {
	case CONF_CH_ADDED:
		return "added";
	case CONF_CH_REMOVED:
		return "removed";
	case CONF_CH_CHANGED:
		return "changed";
	case CONF_CH_SETTINGS:
		return "settings";
	}
	return "?";
}
