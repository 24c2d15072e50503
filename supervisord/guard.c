/*
 * nng 1.5.2 (Debian's) has bug #1518, fixed in nng 1.6.0: a peer that
 * connects to an ipc:// listener and closes before the SP handshake makes
 * the listener's accept fail with NNG_ECLOSED, which nng takes for its own
 * close: it never accepts again, and its poller spins. herd must stay
 * controllable, so every listener herdd opens goes through here.
 *
 * The failure leaves one trace: an error in the listener's statistics with
 * no accepted pipe behind it. No fd or callback reports it (measured: no
 * pipe event, and the kernel backlog stays empty because the transport
 * still accepts), so a timer reads the counters. A surplus that grew is
 * only a suspicion (a client that closes with a reply in flight may bump
 * two counters), so herdd then dials its own listener: a healthy one hands
 * the probe's pipe to the socket (a pipe event, from herdd's own pid)
 * before the next check; a wedged one does not, and is closed and listened
 * again, which restores it (clients' dialers reconnect and req0 resends by
 * itself). The check costs one nng_stats_get per interval.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <nng/transport/ipc/ipc.h>

#include "guard.h"
#include "log.h"
#include "util.h"

#define GUARD_MAX 8

struct guarded {
	nng_socket sock;
	nng_listener listener;
	char *url;
	int64_t surplus;     /* last seen; a healthy listener never goes above */
	int (*open_peer)(nng_socket *);
	nng_socket probe;    /* dialing our own listener, while probing */
	int probing;
	_Atomic int probe_seen; /* set on nng's thread when the probe's pipe
	                           reached the socket */
};

struct guard {
	struct event *timer;
	struct timeval interval;
	struct guarded g[GUARD_MAX];
	size_t n;
	unsigned recoveries;
};

/*
 * Errors the listener counted beyond one per pipe that has closed. Every
 * pipe that ends bumps one error counter (measured: "other" grows by one
 * per closed client, whether it sent a request or not), so a healthy
 * listener has errors <= accept - pipes; the wedge bumps "other" with no
 * pipe behind it. nng 1.5.2's nng_stat_find_listener returns the wrong
 * scope when a process has several listeners (measured), so the scope is
 * found by its "id" child here. Returns INT64_MIN if not found.
 */
static int64_t
listener_surplus(nng_stat *scope, int id)
{
	static const char *errs[] = { "disconnect", "canceled", "other",
	    "timeout", "proto", "auth", "oom", "reject" };
	int64_t accept = 0, pipes = 0, errors = 0, v;
	nng_stat *c;
	int match = 0;
	size_t i;

	for (c = nng_stat_child(scope); c != NULL; c = nng_stat_next(c)) {
		const char *name = nng_stat_name(c);
		if (nng_stat_type(c) == NNG_STAT_SCOPE) {
			if ((v = listener_surplus(c, id)) != INT64_MIN)
				return v;
			continue;
		}
		if (nng_stat_type(c) == NNG_STAT_STRING)
			continue;
		v = (int64_t)nng_stat_value(c);
		if (strcmp(name, "id") == 0)
			match = v == id &&
			    strcmp(nng_stat_name(scope), "listener") == 0;
		else if (strcmp(name, "accept") == 0)
			accept = v;
		else if (strcmp(name, "pipes") == 0)
			pipes = v;
		for (i = 0; i < sizeof errs / sizeof errs[0]; i++)
			if (strcmp(name, errs[i]) == 0)
				errors += v;
	}
	return match ? errors - (accept - pipes) : INT64_MIN;
}

/* nng's pipe callback: the probe (a pipe from our own pid) got through. */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct guarded *w = arg;
	uint64_t pid;

	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) == 0 &&
	    pid == (uint64_t)getpid())
		atomic_store(&w->probe_seen, 1);
}

static void
probe_start(struct guarded *w)
{
	atomic_store(&w->probe_seen, 0);
	if (w->open_peer(&w->probe) != 0)
		return;
	if (nng_dial(w->probe, w->url, NULL, NNG_FLAG_NONBLOCK) != 0) {
		nng_close(w->probe);
		return;
	}
	w->probing = 1;
}

static void
relisten(struct guard *g, struct guarded *w)
{
	int rv;

	log_warnx("listener %s stopped accepting (nng bug #1518); "
	    "re-creating it", w->url);
	nng_listener_close(w->listener);
	if ((rv = nng_listen(w->sock, w->url, &w->listener, 0)) != 0)
		log_warnx("cannot listen on %s again: %s", w->url,
		    nng_strerror(rv));
	w->surplus = 0;
	g->recoveries++;
}

static void
check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;
	nng_stat *all;
	int64_t surplus;
	size_t i;

	if (nng_stats_get(&all) != 0)
		return;
	for (i = 0; i < g->n; i++) {
		struct guarded *w = &g->g[i];
		surplus = listener_surplus(all, nng_listener_id(w->listener));
		if (w->probing) {
			nng_close(w->probe);
			w->probing = 0;
			if (!atomic_load(&w->probe_seen)) {
				relisten(g, w);
				continue;
			}
		} else if (surplus != INT64_MIN && surplus > w->surplus) {
			probe_start(w);
		}
		if (surplus != INT64_MIN)
			w->surplus = surplus;
	}
	nng_stats_free(all);
}

struct guard *
guard_create(struct event_base *base, unsigned interval_ms)
{
	struct guard *g = xcalloc(1, sizeof *g);

	g->interval.tv_sec = interval_ms / 1000;
	g->interval.tv_usec = (interval_ms % 1000) * 1000;
	g->timer = event_new(base, -1, EV_PERSIST, check_cb, g);
	return g;
}

void
guard_destroy(struct guard *g)
{
	size_t i;

	if (g == NULL)
		return;
	event_free(g->timer);
	for (i = 0; i < g->n; i++) {
		if (g->g[i].probing)
			nng_close(g->g[i].probe);
		free(g->g[i].url);
	}
	free(g);
}

int
guard_listen(struct guard *g, nng_socket s, int (*open_peer)(nng_socket *),
    const char *url, char *cause, size_t len)
{
	struct guarded *w;
	int rv;

	if (g->n == GUARD_MAX) {
		snprintf(cause, len, "too many listeners");
		return -1;
	}
	w = &g->g[g->n];
	if ((rv = nng_listen(s, url, &w->listener, 0)) != 0) {
		snprintf(cause, len, "cannot listen on %s: %s", url,
		    nng_strerror(rv));
		return -1;
	}
	w->sock = s;
	w->url = xstrdup(url);
	w->open_peer = open_peer;
	nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, pipe_cb, w);
	if (g->n++ == 0)
		event_add(g->timer, &g->interval);
	return 0;
}

unsigned
guard_recoveries(const struct guard *g)
{
	return g->recoveries;
}
