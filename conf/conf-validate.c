/* Validation of herd.json's objects against the schema table
 * (conf-schema.c): known keys, misplaced and misspelt ones, required keys,
 * defaults, and the rules between keys. */

#include <ctype.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf-private.h"

/* The structs an object's keys write to. */
struct conf_obj {
	struct conf *top;
	struct conf_sup *sup;
	struct conf_child *child;
	struct conf_backoff *backoff;
	struct conf_control *control;
};

/* What happened to each key of one object, by index in conf_keys. */
struct conf_seen {
	uint64_t seen; /* given in the object */
	uint64_t bad;  /* given, and rejected */
};

static const char *
conf_validate_kind_name(unsigned kind)
{
	switch (kind) {
	case CONF_K_ROOT:
		return "the root supervisor";
	case CONF_K_WORKER:
		return "a worker";
	case CONF_K_SUPCHILD:
		return "a supervisor";
	}
	return "this object";
}

/* Whether key K applies to an object of KIND; a child of unknown type
 * (KIND == CONF_K_CHILD) takes only the keys common to both types. */
static int
conf_validate_applies(const struct conf_key *k, unsigned kind)
{
	if (kind == CONF_K_CHILD)
		return (k->kinds & CONF_K_CHILD) == CONF_K_CHILD;
	return (k->kinds & kind) != 0;
}

static int
conf_validate_find(const char *name, unsigned kind)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++) {
		if ((conf_keys[i].kinds & kind) != 0 &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Whether KEY was given in the object and accepted. */
static int
conf_validate_ok(const struct conf_seen *s, const char *key, unsigned kind)
{
	int i = conf_validate_find(key, kind);
	uint64_t bit = i >= 0 ? (uint64_t)1 << i : 0;

	return (s->seen & bit) && !(s->bad & bit);
}

static int
conf_validate_bad(const struct conf_seen *s, const char *key, unsigned kind)
{
	int i = conf_validate_find(key, kind);

	return i >= 0 && (s->bad & ((uint64_t)1 << i));
}

static size_t
conf_validate_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp;
	size_t row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Whether NAME is KEY without a unit or part suffix ("period" for
 * "period_ms", "max_restarts" for "max_restarts_period_ms"): the key's
 * start, up to one of its '_'. */
static int
conf_validate_prefix(const char *name, const char *key)
{
	size_t n = strlen(name);

	return n >= 3 && strncasecmp(name, key, n) == 0 && key[n] == '_';
}

/* The index of the known key of KIND closest to NAME: a case-insensitive
 * match, else the first within edit distance 2, else one NAME is the
 * start of (a suffix left out: "period" for "period_ms"); -1 if none. */
static int
conf_validate_suggest(const char *name, unsigned kind)
{
	size_t i, d, bestd = 3;
	int best = -1, prefix = -1;

	for (i = 0; i < conf_nkeys; i++) {
		if (!conf_validate_applies(&conf_keys[i], kind))
			continue;
		if (strcasecmp(conf_keys[i].name, name) == 0)
			return (int)i;
		d = conf_validate_distance(name, conf_keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = (int)i;
		}
		if (prefix < 0 && conf_validate_prefix(name,
		    conf_keys[i].name))
			prefix = (int)i;
	}
	return best >= 0 ? best : prefix;
}

/* Reports ITEM's key, not one of KIND's: misplaced or unknown. Returns the
 * index of the key suggested instead, or -1. */
static int
conf_validate_unknown(struct conf_ctx *ctx, const cJSON *item, unsigned kind)
{
	const unsigned family = CONF_K_ROOT | CONF_K_CHILD;
	const char *name = item->string;
	size_t old = conf_path_key(ctx, name);
	int i = conf_validate_find(name, family), hint = -1;

	if ((kind & family) && kind != CONF_K_CHILD && i >= 0) {
		conf_err_key(ctx, item, "key \"%s\" is not allowed for %s", name,
		    conf_validate_kind_name(kind));
	} else if (kind == CONF_K_CHILD && i >= 0) {
		/* Belongs to one type only; the bad "type" is reported. */
	} else if ((hint = conf_validate_suggest(name, kind)) >= 0) {
		conf_err_key(ctx, item, "unknown key \"%s\" (did you mean "
		    "\"%s\"?)", name, conf_keys[hint].name);
	} else {
		conf_err_key(ctx, item, "unknown key \"%s\"", name);
	}
	conf_path_pop(ctx, old);
	return hint;
}

static void *
conf_validate_target(const struct conf_key *k, const struct conf_obj *o)
{
	char *base = NULL;

	switch (k->target) {
	case CONF_T_TOP:
		base = (char *)o->top;
		break;
	case CONF_T_SUP:
		base = (char *)o->sup;
		break;
	case CONF_T_CHILD:
		base = (char *)o->child;
		break;
	case CONF_T_BACKOFF:
		base = (char *)o->backoff;
		break;
	case CONF_T_CONTROL:
		base = (char *)o->control;
		break;
	}
	return base != NULL ? base + k->off : NULL;
}

/* Applies key K's default, a JSON text that its own check accepts. */
static void
conf_validate_default(struct conf_ctx *ctx, const struct conf_key *k,
    const struct conf_obj *o)
{
	cJSON *v;
	void *dst = conf_validate_target(k, o);

	if (k->dflt == NULL || dst == NULL)
		return;
	if ((v = cJSON_Parse(k->dflt)) == NULL) {
		ctx->oom = 1;
		return;
	}
	k->set(ctx, v, dst, k);
	cJSON_Delete(v);
}

static int
conf_validate_is_comment(const char *key)
{
	return strcmp(key, "comment") == 0 || strcmp(key, "_comment") == 0;
}

/*
 * Checks each member of OBJ (an object of KIND) with its row of the table,
 * then reports missing required keys and applies the defaults of the rest.
 */
static struct conf_seen
conf_validate_object(struct conf_ctx *ctx, const cJSON *obj, unsigned kind,
    const struct conf_obj *o)
{
	struct conf_seen s = { 0, 0 };
	uint64_t hinted = 0;
	const struct conf_key *k;
	const cJSON *item;
	size_t old, i;
	void *dst;
	int idx;

	cJSON_ArrayForEach(item, obj) {
		if (conf_validate_is_comment(item->string))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(obj, item->string) != item) {
			old = conf_path_key(ctx, item->string);
			conf_err_key(ctx, item, "duplicate key \"%s\"",
			    item->string);
			conf_path_pop(ctx, old);
			continue;
		}
		idx = conf_validate_find(item->string,
		    kind == CONF_K_CHILD ? CONF_K_WORKER : kind);
		if (idx >= 0 && !conf_validate_applies(&conf_keys[idx], kind))
			idx = -1;
		if (idx < 0) {
			/* A misspelt required key is reported once. */
			if ((idx = conf_validate_unknown(ctx, item, kind)) >= 0)
				hinted |= (uint64_t)1 << idx;
			continue;
		}
		k = &conf_keys[idx];
		s.seen |= (uint64_t)1 << idx;
		if ((dst = conf_validate_target(k, o)) == NULL)
			continue;
		old = conf_path_key(ctx, item->string);
		if (k->set(ctx, item, dst, k) != 0)
			s.bad |= (uint64_t)1 << idx;
		conf_path_pop(ctx, old);
	}
	for (i = 0; i < conf_nkeys; i++) {
		k = &conf_keys[i];
		if (!conf_validate_applies(k, kind) ||
		    (s.seen & ((uint64_t)1 << i)))
			continue;
		if (k->required && !(hinted & ((uint64_t)1 << i)))
			conf_err_val(ctx, obj, "missing required key \"%s\"",
			    k->name);
		else if (kind != CONF_K_CHILD)
			conf_validate_default(ctx, k, o);
	}
	return s;
}

/* A significant child needs a supervisor that shuts down for it: under
 * auto_shutdown never the flag is a config error, as OTP rejects it
 * (bad_combination; SEMANTICS.md rule 15). Reported at each child's
 * "significant", once the supervisor's own keys are all known. */
static void
conf_validate_significant(struct conf_ctx *ctx, const cJSON *ch,
    const struct conf_seen *s, unsigned kind, const struct conf_sup *sup)
{
	const cJSON *el;
	size_t i, old, old2;

	if (sup->auto_shutdown != CONF_AUTO_NEVER ||
	    conf_validate_bad(s, "auto_shutdown", kind) ||
	    conf_validate_bad(s, "children", kind) || !cJSON_IsArray(ch))
		return;
	old = conf_path_key(ctx, "children");
	for (i = 0, el = ch->child; el != NULL && i < sup->nchildren;
	    i++, el = el->next) {
		if (sup->children[i] == NULL || !sup->children[i]->significant)
			continue;
		old2 = conf_path_index(ctx, i);
		conf_path_key(ctx, "significant");
		conf_err_val(ctx, cJSON_GetObjectItemCaseSensitive(el,
		    "significant"), "a significant child needs its supervisor's "
		    "\"auto_shutdown\" to be any_significant or all_significant "
		    "(it is never)");
		conf_path_pop(ctx, old2);
	}
	conf_path_pop(ctx, old);
}

/* Rules between the keys of a supervisor object. */
static void
conf_validate_sup_rules(struct conf_ctx *ctx, const cJSON *obj,
    const struct conf_seen *s, unsigned kind, struct conf_sup *sup)
{
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(obj, "children");
	size_t old;

	conf_validate_significant(ctx, ch, s, kind, sup);
	if (sup->strategy != CONF_SIMPLE_ONE_FOR_ONE ||
	    conf_validate_bad(s, "children", kind) || sup->nchildren == 1)
		return;
	if (ch == NULL) {
		conf_err_val(ctx, obj, "simple_one_for_one needs exactly one "
		    "child (the template), found 0");
		return;
	}
	old = conf_path_key(ctx, "children");
	conf_err_val(ctx, ch, "simple_one_for_one needs exactly one child "
	    "(the template), found %zu", sup->nchildren);
	conf_path_pop(ctx, old);
}

/* Reports "KEY: MSG" at KEY's value in OBJ. */
static void
conf_validate_err_in(struct conf_ctx *ctx, const cJSON *obj, const char *key,
    const char *msg)
{
	size_t old = conf_path_key(ctx, key);

	conf_err_val(ctx, cJSON_GetObjectItemCaseSensitive(obj, key), "%s",
	    msg);
	conf_path_pop(ctx, old);
}

/* Rules between the keys of a child object. */
static void
conf_validate_child_rules(struct conf_ctx *ctx, const cJSON *obj,
    const struct conf_seen *s, unsigned kind, struct conf_child *c)
{
	const cJSON *u;
	struct passwd *pw;

	if (conf_validate_ok(s, "significant", kind) && c->significant &&
	    !conf_validate_bad(s, "restart", kind) &&
	    c->restart == CONF_PERMANENT)
		conf_validate_err_in(ctx, obj, "significant",
		    "significant children cannot be permanent");
	if (kind != CONF_K_WORKER)
		return;
	if (conf_validate_ok(s, "ready", kind) && c->actor &&
	    c->ready != CONF_READY_ACTOR)
		conf_validate_err_in(ctx, obj, "ready", "an actor is ready "
		    "when its init has returned: \"ready\" must be \"actor\" "
		    "(or absent)");
	else if (conf_validate_ok(s, "ready", kind) && !c->actor &&
	    c->ready == CONF_READY_ACTOR)
		conf_validate_err_in(ctx, obj, "ready", "\"ready\": \"actor\" "
		    "is only for \"type\": \"actor\"");
	if (conf_validate_ok(s, "liveness_ms", kind) && c->liveness_ms > 0 &&
	    !c->actor)
		conf_validate_err_in(ctx, obj, "liveness_ms", "liveness checks "
		    "are answered by libherd's loop: \"liveness_ms\" is only "
		    "for \"type\": \"actor\" (a worker has \"watchdog_ms\")");
	if (conf_validate_ok(s, "mailbox_bytes", kind) && !c->actor)
		conf_validate_err_in(ctx, obj, "mailbox_bytes", "a mailbox is "
		    "an actor's: \"mailbox_bytes\" is only for \"type\": "
		    "\"actor\"");
	if (conf_validate_ok(s, "liveness_timeout_ms", kind) &&
	    c->liveness_timeout_ms > 0 && !conf_validate_bad(s, "liveness_ms",
	    kind) && c->liveness_ms == 0)
		conf_validate_err_in(ctx, obj, "liveness_timeout_ms",
		    "\"liveness_timeout_ms\" needs \"liveness_ms\" (the "
		    "interval of the checks it bounds)");
	if (conf_validate_ok(s, "ready_fd", kind) &&
	    !conf_validate_bad(s, "ready", kind) && c->ready != CONF_READY_FD)
		conf_validate_err_in(ctx, obj, "ready_fd",
		    "\"ready_fd\" is only used with \"ready\": \"fd\"");
	/* A user without a group runs with the user's primary group. */
	if (c->has_uid && !c->has_gid && !conf_validate_bad(s, "group", kind)) {
		u = cJSON_GetObjectItemCaseSensitive(obj, "user");
		pw = cJSON_IsString(u) ? getpwnam(u->valuestring) :
		    getpwuid(c->uid);
		if (pw != NULL) {
			c->gid = pw->pw_gid;
			c->has_gid = 1;
		} else {
			conf_validate_err_in(ctx, obj, "user", "this uid has no "
			    "passwd entry, so \"group\" is required");
		}
	}
}

int
conf_set_backoff(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_obj o = { .backoff = dst };
	struct conf_backoff *b = dst;
	struct conf_seen s;
	char msg[96];
	const char *at;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object");
	s = conf_validate_object(ctx, v, CONF_K_BACKOFF, &o);
	b->enabled = 1;
	if (!conf_validate_bad(&s, "initial_ms", CONF_K_BACKOFF) &&
	    !conf_validate_bad(&s, "max_ms", CONF_K_BACKOFF) &&
	    b->max_ms < b->initial_ms) {
		at = conf_validate_ok(&s, "max_ms", CONF_K_BACKOFF) ? "max_ms" :
		    "initial_ms";
		snprintf(msg, sizeof msg, "max_ms (%u) must be >= initial_ms "
		    "(%u)", b->max_ms, b->initial_ms);
		conf_validate_err_in(ctx, v, at, msg);
	}
	return 0;
}

int
conf_set_control(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_obj o = { .control = dst };

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object");
	conf_validate_object(ctx, v, CONF_K_CONTROL, &o);
	return 0;
}

/* "control.tcp": url, cert and key and allow are required. */
int
conf_set_tcp(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_obj o = { .control = dst };

	const cJSON *subj = cJSON_GetObjectItemCaseSensitive(v,
	    "allow_subjects");

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object");
	conf_validate_object(ctx, v, CONF_K_TCP, &o);
	/* a subject is only worth what the certificate's verification is */
	if (subj != NULL && cJSON_GetObjectItemCaseSensitive(v, "ca") == NULL) {
		size_t old = conf_path_key(ctx, "allow_subjects");
		conf_err_key(ctx, subj, "needs \"ca\": only a certificate the "
		    "CA verified is matched");
		conf_path_pop(ctx, old);
	}
	return 0;
}

struct conf_child *
conf_child_new(struct conf_ctx *ctx)
{
	struct conf_child *c = conf_calloc(ctx, 1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->umask = -1;
	c->normal_exit[0] = 1;
	return c;
}

void
conf_validate_child(struct conf_ctx *ctx, const cJSON *obj,
    struct conf_child *c)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
	struct conf_obj o = { .child = c };
	struct conf_seen s;
	unsigned kind = CONF_K_WORKER;

	/* The type decides which keys are allowed; a bad one allows only
	 * the keys common to both (and is reported as it is checked). */
	if (cJSON_IsString(t) && strcmp(t->valuestring, "supervisor") == 0)
		kind = CONF_K_SUPCHILD;
	else if (t != NULL && !(cJSON_IsString(t) &&
	    (strcmp(t->valuestring, "worker") == 0 ||
	    strcmp(t->valuestring, "actor") == 0)))
		kind = CONF_K_CHILD;
	if (kind == CONF_K_SUPCHILD) {
		if ((c->sup = conf_calloc(ctx, 1, sizeof *c->sup)) == NULL)
			return;
		o.sup = c->sup;
	}
	s = conf_validate_object(ctx, obj, kind, &o);
	if (kind == CONF_K_SUPCHILD)
		conf_validate_sup_rules(ctx, obj, &s, kind, c->sup);
	if (c->type == CONF_ACTOR) {
		/* an actor is a worker that is ready once its init returned */
		c->type = CONF_WORKER;
		c->actor = 1;
		if (!conf_validate_ok(&s, "ready", kind))
			c->ready = CONF_READY_ACTOR;
	}
	conf_validate_child_rules(ctx, obj, &s, kind, c);
}

int
conf_set_children(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf_sup *sup = dst;
	const cJSON *el, *name;
	size_t i, j, n, old;

	if (!cJSON_IsArray(v))
		return conf_err_expected(ctx, v, "an array of child objects");
	n = (size_t)cJSON_GetArraySize(v);
	if ((sup->children = conf_calloc(ctx, n, sizeof *sup->children)) ==
	    NULL)
		return 0;
	sup->nchildren = n;
	i = 0;
	cJSON_ArrayForEach(el, v) {
		old = conf_path_index(ctx, i);
		if (!cJSON_IsObject(el))
			conf_err_expected(ctx, el, "an object");
		else if ((sup->children[i] = conf_child_new(ctx)) != NULL)
			conf_validate_child(ctx, el, sup->children[i]);
		conf_path_pop(ctx, old);
		i++;
	}
	/* Names are unique among siblings. */
	for (i = 0, el = v->child; el != NULL; i++, el = el->next) {
		if (sup->children[i] == NULL || sup->children[i]->name == NULL)
			continue;
		for (j = 0; j < i; j++) {
			if (sup->children[j] == NULL ||
			    sup->children[j]->name == NULL ||
			    strcmp(sup->children[i]->name,
			    sup->children[j]->name) != 0)
				continue;
			name = cJSON_GetObjectItemCaseSensitive(el, "name");
			old = conf_path_index(ctx, i);
			conf_path_key(ctx, "name");
			conf_err_val(ctx, name, "duplicate name \"%s\" (first at "
			    "%.*s[%zu].name)", sup->children[i]->name,
			    (int)old, ctx->path, j);
			conf_path_pop(ctx, old);
			break;
		}
	}
	return 0;
}

int
conf_set_root(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k)
{
	struct conf *c = dst;
	struct conf_obj o = { .top = c, .sup = &c->root };
	struct conf_seen s;

	if (!cJSON_IsObject(v))
		return conf_err_expected(ctx, v, "an object");
	s = conf_validate_object(ctx, v, CONF_K_ROOT, &o);
	conf_validate_sup_rules(ctx, v, &s, CONF_K_ROOT, &c->root);
	return 0;
}

void
conf_validate_top(struct conf_ctx *ctx, const cJSON *root, struct conf *c)
{
	struct conf_obj o = { .top = c };

	conf_validate_object(ctx, root, CONF_K_TOP, &o);
}
