/*
 * Liveness and readiness of actors (ACTORS.md A14).
 *
 * An actor with liveness_ms gets a "ping" system message that often;
 * libherd answers it from its loop, in its next poll ("alive": ref). One that has
 * not answered within liveness_timeout_ms (default: the interval) is hung:
 * killed with SIGKILL, its exit reason "liveness", abnormal. Only one check
 * is out at a time, so a check costs herdd one timer wake and the actor
 * one poll answer; an actor without liveness_ms arms nothing and neither
 * side ever wakes for it.
 *
 * Readiness is the actor's own word, reported and withdrawn at run time
 * (Spawn's readiness probe): it is shown by "actors" and published as an
 * event; it does not change how its supervisor treats the child.
 */

#include <event2/event.h>
#include <string.h>

#include "log.h"
#include "node-int.h"
#include "util.h"

static void live_cb(evutil_socket_t fd, short what, void *arg);

static void
arm(struct actor *a, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(a->live, &tv);
}

static unsigned
timeout_of(const struct child *c)
{
	return c->spec->liveness_timeout_ms > 0 ?
	    c->spec->liveness_timeout_ms : c->spec->liveness_ms;
}

void
live_start(struct node *n, struct actor *a, const cJSON *args)
{
	a->ready = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(args,
	    "ready"));
	if (a->c->spec == NULL || a->c->spec->liveness_ms == 0)
		return;
	a->live = evtimer_new(n->h->base, live_cb, a);
	arm(a, a->c->spec->liveness_ms);
}

void
live_stop(struct actor *a)
{
	if (a->live != NULL)
		event_free(a->live);
	a->live = NULL;
}

/* The interval passed (send a check) or the check's timeout did (kill). */
static void
live_cb(evutil_socket_t fd, short what, void *arg)
{
	struct actor *a = arg;
	struct node *n = a->n;
	struct child *c = a->c;
	cJSON *m;

	if (a->live_ref != 0) {
		log_warnx("%s did not answer its liveness check within %u ms: "
		    "killed", c->path, timeout_of(c));
		a->live_ref = 0;
		engine_kill_unanswering(&n->h->engine, c, "liveness");
		return;
	}
	a->live_ref = ++n->ref;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "t", "ping");
	cJSON_AddNumberToObject(m, "ref", (double)a->live_ref);
	node_deliver(n, a, m);
	arm(a, timeout_of(c));
}

void
live_answer(struct actor *a, uint64_t ref)
{
	if (a->live == NULL || a->live_ref == 0 || ref != a->live_ref)
		return; /* stale: changes nothing */
	a->live_ref = 0;
	a->live_answered++;
	evtimer_del(a->live);
	arm(a, a->c->spec->liveness_ms);
}

/* alive: the answer to the check args.ref, on its own (libherd sends it
 * with its next poll instead: one message fewer a check). */
void
op_alive(struct request *r)
{
	struct actor *a;
	uint64_t ref;

	if ((a = node_actor_ref(r, &ref)) == NULL)
		return;
	reply_ok(r, NULL);
	live_answer(a, ref);
}

/* readiness: args.ready, the actor's own word (herd_set_ready). */
void
op_readiness(struct request *r)
{
	struct actor *a = node_actor_of(r);
	cJSON *ready = cJSON_GetObjectItemCaseSensitive(r->req.args, "ready");

	if (a == NULL)
		return;
	if (!cJSON_IsBool(ready)) {
		reply_err(r, IPC_E_BAD_REQUEST, "args.ready must be true or "
		    "false");
		return;
	}
	reply_ok(r, NULL);
	if (a->ready == cJSON_IsTrue(ready))
		return;
	a->ready = cJSON_IsTrue(ready);
	r->h->engine.ops->event(r->h->engine.ctx, a->ready ? "actor.ready" :
	    "actor.unready", a->c, NULL);
}

void
live_describe(const struct actor *a, cJSON *o)
{
	cJSON_AddBoolToObject(o, "ready", a->ready);
	if (a->live == NULL) {
		cJSON_AddStringToObject(o, "liveness", "off");
		return;
	}
	cJSON_AddStringToObject(o, "liveness", a->live_ref != 0 ? "checking" :
	    "ok");
	cJSON_AddNumberToObject(o, "liveness_checks",
	    (double)a->live_answered);
}
