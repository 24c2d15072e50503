/*
 * Liveness and readiness of actors (ACTORS.md A14).
 *
 * An actor with liveness_ms has a liveness socket (a SOCK_SEQPACKET pair
 * made at spawn, its end at fd LIVENESS_FD): every liveness_ms herdd
 * writes one byte, libherd's loop writes it back. One that has not
 * answered within liveness_timeout_ms (default: the interval) is hung:
 * killed with SIGKILL, its exit reason "liveness", abnormal. One check is
 * out at a time, so a check costs herdd a timer wake and a read, and the
 * actor one wake, and nothing else: the check does not go through nng
 * (whose threads made it 15 wake-ups a check on the node socket, measured
 * by bench-actors) nor wait behind other messages. An actor without
 * liveness_ms has no socket and neither side ever wakes for it.
 *
 * Readiness is the actor's own word, reported and withdrawn at run time
 * (Spawn's readiness probe): it is shown by "actors" and published as an
 * event; it does not change how its supervisor treats the child.
 */

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "node-int.h"
#include "util.h"

static void live_cb(evutil_socket_t fd, short what, void *arg);
static void answer_cb(evutil_socket_t fd, short what, void *arg);

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
	if (a->c->spec == NULL || a->c->spec->liveness_ms == 0 ||
	    a->c->live_fd == -1)
		return;
	a->live = evtimer_new(n->h->base, live_cb, a);
	a->live_io = event_new(n->h->base, a->c->live_fd, EV_READ |
	    EV_PERSIST, answer_cb, a);
	event_add(a->live_io, NULL);
	arm(a, a->c->spec->liveness_ms);
}

void
live_stop(struct actor *a)
{
	if (a->live != NULL)
		event_free(a->live);
	if (a->live_io != NULL)
		event_free(a->live_io);
	a->live = a->live_io = NULL;
}

/* The interval passed (send a check) or the check's timeout did (kill). */
static void
live_cb(evutil_socket_t fd, short what, void *arg)
{
	struct actor *a = arg;
	struct child *c = a->c;
	unsigned char b;

	if (a->live_ref != 0) {
		log_warnx("%s did not answer its liveness check within %u ms: "
		    "killed", c->path, timeout_of(c));
		a->live_ref = 0;
		engine_kill_unanswering(&a->n->h->engine, c, "liveness");
		return;
	}
	/* a byte that changes, so a late answer is told from this one's */
	a->live_ref = a->live_answered % 255 + 1;
	b = (unsigned char)a->live_ref;
	if (send(c->live_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		log_debug("%s: liveness check not sent: %s", c->path,
		    strerror(errno)); /* then it times out */
	arm(a, timeout_of(c));
}

/* The actor wrote back: the check is answered if the byte is its own. */
static void
answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct actor *a = arg;
	unsigned char b[16];
	ssize_t n, i;

	while ((n = recv(fd, b, sizeof b, MSG_DONTWAIT)) > 0)
		for (i = 0; i < n; i++)
			if (a->live_ref != 0 && b[i] == (unsigned char)a->live_ref) {
				a->live_ref = 0;
				a->live_answered++;
				evtimer_del(a->live);
				arm(a, a->c->spec->liveness_ms);
			}
	if (n == 0)
		event_del(a->live_io); /* closed: its end is reaped soon */
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
