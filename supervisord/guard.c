/*
 * nng 1.5.2 (Debian's) has bug #1518, fixed in nng 1.6.0: a peer that
 * connects to an ipc:// listener and closes before the SP handshake makes
 * the listener's accept fail with NNG_ECLOSED, which nng takes for its own
 * close: it never accepts again, and its poller spins. herd must stay
 * controllable, so every listener herdd opens goes through here.
 *
 * The failure leaves one trace: the listener's "other" error counter in
 * nng's statistics. No fd or callback reports it (measured: no pipe event,
 * and the kernel backlog stays empty because the transport still accepts),
 * so a timer reads the counter; a listener whose counter moved is closed and
 * listened again, which restores it (clients' dialers reconnect by
 * themselves). The check costs one nng_stats_get per interval.
 */
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
};

struct guard {
	struct event *timer;
	struct timeval interval;
	struct guarded g[GUARD_MAX];
	size_t n;
	unsigned recoveries;
};

/* The listener's "other" errors. nng 1.5.2's nng_stat_find_listener
 * returns the wrong scope when a process has several listeners (measured),
 * so the scope is found by its "id" child here. */
static uint64_t
listener_errors(nng_stat *scope, int id)
{
	nng_stat *c, *other = NULL;
	int match = 0;
	uint64_t v;

	for (c = nng_stat_child(scope); c != NULL; c = nng_stat_next(c)) {
		if (nng_stat_type(c) == NNG_STAT_SCOPE) {
			if ((v = listener_errors(c, id)) != 0)
				return v;
			continue;
		}
		if (strcmp(nng_stat_name(c), "id") == 0 &&
		    (int)nng_stat_value(c) == id &&
		    strcmp(nng_stat_name(scope), "listener") == 0)
			match = 1;
		else if (strcmp(nng_stat_name(c), "other") == 0)
			other = c;
	}
	return match && other != NULL ? nng_stat_value(other) : 0;
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
		if (listener_errors(all, nng_listener_id(w->listener)) == 0)
			continue;
		log_warnx("listener %s stopped accepting (nng bug #1518); "
		    "re-creating it", w->url);
		nng_listener_close(w->listener);
		if ((rv = nng_listen(w->sock, w->url, &w->listener, 0)) != 0)
			log_warnx("cannot listen on %s again: %s", w->url,
			    nng_strerror(rv));
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
