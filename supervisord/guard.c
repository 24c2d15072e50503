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
 * still accepts), so a timer reads the counters; a listener found wedged is
 * closed and listened again, which restores it (clients' dialers reconnect
 * and req0 resends by itself). The check costs one nng_stats_get per
 * interval.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "guard.h"
#include "log.h"
#include "util.h"

#define GUARD_MAX 8

struct guarded {
	nng_socket sock;
	nng_listener listener;
	char *url;
	int64_t surplus; /* last seen; a healthy listener never goes above */
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

static void
check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;
	nng_stat *all;
	size_t i;
	int rv;

	if (nng_stats_get(&all) != 0)
		return;
	for (i = 0; i < g->n; i++) {
		struct guarded *w = &g->g[i];
		int64_t surplus = listener_surplus(all,
		    nng_listener_id(w->listener));
		if (surplus == INT64_MIN || surplus <= w->surplus) {
			if (surplus != INT64_MIN)
				w->surplus = surplus;
			continue;
		}
		log_warnx("listener %s stopped accepting (nng bug #1518); "
		    "re-creating it", w->url);
		nng_listener_close(w->listener);
		if ((rv = nng_listen(w->sock, w->url, &w->listener, 0)) != 0)
			log_warnx("cannot listen on %s again: %s", w->url,
			    nng_strerror(rv));
		w->surplus = 0;
		g->recoveries++;
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
	for (i = 0; i < g->n; i++)
		free(g->g[i].url);
	free(g);
}

int
guard_listen(struct guard *g, nng_socket s, const char *url, char *cause,
    size_t len)
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
	if (g->n++ == 0)
		event_add(g->timer, &g->interval);
	return 0;
}

unsigned
guard_recoveries(const struct guard *g)
{
	return g->recoveries;
}
