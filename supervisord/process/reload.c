/*
 * Reload: re-read the config and apply the difference to the running tree.
 * Children whose spec is unchanged keep their process; changed ones are
 * restarted with the new spec, added ones start in their place in the
 * order, removed ones stop and go; a supervisor's changed settings apply
 * in place. The new config is validated first: a bad one changes nothing.
 *
 * Every node must point into the new config once the reload is done, but
 * children that are being stopped still use the old one; the old config is
 * freed when the engine says the last reload plan is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herdd.h"
#include "log.h"
#include "sdnotify.h"
#include "util.h"

static void
sup_settings(struct sup *s, const struct conf_sup *ns)
{
	s->spec = ns;
	s->strategy = ns->strategy;
	s->intensity = ns->intensity;
	s->period_ms = ns->period_ms;
	s->auto_shutdown = ns->auto_shutdown;
}

static void
node_respec(struct child *c, const struct conf_child *ns)
{
	c->spec = ns;
	c->restart = ns->restart;
	c->shutdown_ms = ns->shutdown_ms;
	c->significant = ns->significant;
	driver_respec(c);
}

static int
needs_plan(const struct sup *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->children[i]->mark != 0)
			return 1;
	return 0;
}

static void reload_sup(struct herdd *h, struct child *node,
    const struct conf_sup *ns, struct sup ***plans, size_t *nplans);

static const struct conf_child *
spec_named(const struct conf_sup *ns, const char *name)
{
	size_t i;

	for (i = 0; i < ns->nchildren; i++)
		if (strcmp(ns->children[i]->name, name) == 0)
			return ns->children[i];
	return NULL;
}

static void
busy_walk(struct child *c, void *arg)
{
	if (c->sup != NULL && c->sup->plan != PLAN_NONE)
		*(int *)arg = 1;
}

/* A stopped supervisor node keeps no processes: it only needs the new
 * spec, and builds its children from it when it starts. */
static void
reload_stopped_sup(struct child *c, const struct conf_sup *ns)
{
	sup_settings(c->sup, ns);
	tree_sup_reset(c->sup);
}

/* Pools: instances of an unchanged template keep running; a changed
 * template stops them (they are dynamic, there is nothing to keep). */
static void
reload_pool(struct sup *s, const struct conf_sup *ns)
{
	char fields[256];
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct child *c = s->children[i];
		if (conf_child_same(c->spec, ns->children[0], fields,
		    sizeof fields))
			node_respec(c, ns->children[0]);
		else
			c->mark = MARK_STOP | MARK_DELETE;
	}
}

static void
reload_sup(struct herdd *h, struct child *node, const struct conf_sup *ns,
    struct sup ***plans, size_t *nplans)
{
	struct sup *s = node->sup;
	struct child **next, *c;
	char fields[256];
	size_t i, n = 0, cap;

	if (node->state == CH_STOPPED || node->state == CH_EXITED) {
		reload_stopped_sup(node, ns);
		return;
	}
	if (s->strategy == CONF_SIMPLE_ONE_FOR_ONE) {
		sup_settings(s, ns);
		reload_pool(s, ns);
		goto plan;
	}
	sup_settings(s, ns);
	cap = ns->nchildren + s->n;
	next = xcalloc(cap ? cap : 1, sizeof *next);
	for (i = 0; i < ns->nchildren; i++) {
		const struct conf_child *nc = ns->children[i];
		c = tree_child(s, nc->name);
		if (c != NULL && c->type == nc->type &&
		    conf_child_same(c->spec, nc, fields, sizeof fields)) {
			node_respec(c, nc);
			if (c->sup != NULL)
				reload_sup(h, c, nc->sup, plans, nplans);
		} else if (c != NULL && c->type == nc->type) {
			/* changed: a running one restarts with the new spec;
			 * one stopped on purpose stays stopped */
			node_respec(c, nc);
			if (c->sup != NULL)
				c->sup->spec = nc->sup; /* rebuilt at start */
			if (c->state != CH_STOPPED && c->state != CH_EXITED)
				c->mark = MARK_STOP | MARK_START;
		} else if (c == NULL && ended_reload_keep(h, s, nc)) {
			continue; /* a temporary child that ended: not new */
		} else {
			if (c != NULL) /* type changed: a new node */
				c->mark = MARK_STOP | MARK_DELETE;
			c = tree_node_create(s, nc, NULL);
			c->mark = MARK_START;
		}
		next[n++] = c;
	}
	/* what the new config does not name: stopped and deleted */
	for (i = 0; i < s->n; i++) {
		c = s->children[i];
		if (c->mark & MARK_DELETE) {
			next[n++] = c;
		} else if (spec_named(ns, c->name) == NULL &&
		    c->owned_spec != NULL) {
			next[n++] = c; /* added at runtime: not the file's to
			                  remove (rule 13) */
		} else if (spec_named(ns, c->name) == NULL) {
			c->mark = MARK_STOP | MARK_DELETE;
			next[n++] = c;
		}
	}
	free(s->children);
	s->children = next;
	s->n = n;
	s->cap = cap ? cap : 1;
plan:
	if (needs_plan(s)) {
		*plans = xreallocarray(*plans, *nplans + 1, sizeof **plans);
		(*plans)[(*nplans)++] = s;
	}
}

int
reload_apply(struct herdd *h, struct conf *nc, char *cause, size_t len)
{
	struct sup **plans = NULL;
	size_t nplans = 0, i;

	int busy = h->root->sup->plan != PLAN_NONE;

	if (h->engine.shutting_down || h->engine.finished) {
		snprintf(cause, len, "herdd is shutting down");
		return -1;
	}
	if (h->old_conf != NULL || h->engine.reloading > 0) {
		snprintf(cause, len, "a reload is being applied; try again");
		return -1;
	}
	tree_walk(h->root, busy_walk, &busy);
	if (busy) {
		snprintf(cause, len, "a supervisor is busy restarting "
		    "children; try again");
		return -1;
	}
	if (strcmp(nc->run_dir, h->conf->run_dir) != 0)
		log_warnx("reload: run_dir %s -> %s takes effect when herdd "
		    "restarts", h->conf->run_dir, nc->run_dir);
	if (strcmp(nc->log_dir, h->conf->log_dir) != 0)
		log_warnx("reload: log_dir %s -> %s takes effect when herdd "
		    "restarts", h->conf->log_dir, nc->log_dir);
	/* run_dir and log_dir stay: the sockets and the lock live in one,
	 * the logs in the other, both checked and held open at start */
	free(nc->run_dir);
	nc->run_dir = xstrdup(h->conf->run_dir);
	free(nc->log_dir);
	nc->log_dir = xstrdup(h->conf->log_dir);
	sdnotify_reloading(h->sd);
	ended_reload_begin(h);
	reload_sup(h, h->root, &nc->root, &plans, &nplans);
	ended_reload_end(h);
	h->old_conf = h->conf;
	h->conf = nc;
	if (!h->verbose)
		log_set_level((enum log_level)nc->log_level);
	for (i = 0; i < nplans; i++)
		engine_reload(&h->engine, plans[i]);
	free(plans);
	driver_check_limits(h);
	driver_run_dir_access(h);
	/* nothing to start or stop; with plans the engine says it when the
	 * last one ends (at once, if they did: it was said twice) */
	if (nplans == 0)
		h->engine.ops->event(h->engine.ctx, "config.reloaded", h->root,
		    NULL);
	return 0;
}

void
reload_observe(void *arg, const char *topic, struct child *c,
    const char *reason)
{
	struct herdd *h = arg;

	if (strcmp(topic, "config.reloaded") != 0)
		return;
	log_info("config %s reloaded", h->conf->path);
	conf_free(h->old_conf);
	h->old_conf = NULL;
}

void
reload_signal(struct herdd *h)
{
	struct conf_errors errs = { 0 };
	struct conf *nc;
	char cause[256];
	size_t i;

	log_info("SIGHUP: reloading %s", h->conf->path);
	if (conf_load(h->conf->path, &nc, &errs) == -1) {
		for (i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msgs[i]);
		log_warnx("reload: %zu error%s; nothing changed", errs.n,
		    errs.n == 1 ? "" : "s");
		conf_errors_clear(&errs);
		return;
	}
	conf_override_dirs(nc, h->run_dir_arg, h->log_dir_arg);
	if (cgroup_fits(&nc->root, "", cause, sizeof cause) == -1) {
		log_warnx("reload: %s; nothing changed", cause);
		conf_free(nc);
		return;
	}
	if (reload_apply(h, nc, cause, sizeof cause) == -1) {
		log_warnx("reload: %s", cause);
		conf_free(nc);
	}
}
