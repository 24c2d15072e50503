/*
 * Keeps herdd's nng listeners accepting despite nng 1.5.2's bug #1518
 * (fixed in 1.6.0): a peer that connects to an ipc:// listener and closes
 * at once makes nng's first handshake send fail with EPIPE, which the
 * listener takes for its own close: it never hands over a pipe again. No
 * fd or pipe event shows it, but it needs a connection, and nng accepts
 * every connection (even when wedged) with accept(2) on its poller thread.
 * So herdd's accept() and accept4() (admit.c) tell the guard of each
 * connection (guard_accepted), which writes an eventfd the loop watches (a watch on the listening fd misses 1-22% of
 * connections, measured). After a connection the guard checks 100 ms
 * later, backs off, and stops 5 s after the last one, so idle herdd has no
 * timer; a wedge missed then is repaired when the next client connects.
 *
 * A check reads the listener's statistics: the wedge leaves an error with
 * no accepted pipe behind it. A surplus that grew is only a suspicion (a
 * client that closes with a reply in flight may bump two counters), so
 * herdd dials its own listener: a healthy one hands the probe's pipe over
 * (a pipe event from herdd's pid) within a second; a wedged one is closed
 * and listened again (clients' dialers reconnect, req0 resends). Each
 * listener is probed when it opens, which proves the hook works; until the
 * hook has reported a connection, checks run every second. The
 * measurements are in docs/semantics.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include <nng/transport/ipc/ipc.h>

#include "guard.h"
#include "log.h"
#include "util.h"

#define GUARD_MAX 8
#define CHECK_FIRST_MS 100  /* first check after a connection */
#define CHECK_MAX_MS 1000   /* checks back off up to this */
#define QUIET_MS 5000       /* stop this long after the last connection */
#define PROBE_WAIT_MS 1000  /* a healthy listener takes a probe within */
#define FALLBACK_MS 1000    /* when nng does not accept through the hook */

struct guarded {
	nng_socket sock;
	nng_listener listener;
	int listening;       /* 0 after a failed relisten: retried */
	char *url;
	int mode;            /* the socket file's mode, 0 to leave it */
	long gid;            /* its group, -1 to leave it */
	int64_t surplus;     /* last seen; a healthy listener never goes above */
	unsigned peer_proto; /* the SP protocol number of s's peers */
	int probe;           /* connected to our own listener, while probing */
	int probing;
	int starved;         /* a probe failed for want of fds (said once) */
	_Atomic int probe_seen; /* set on nng's thread when the probe's pipe
	                           reached the socket */
	_Atomic int listener_id; /* w's listener, for pipe_cb on nng's thread */
};

struct guard {
	struct event *timer;  /* the next check; not pending while quiet */
	struct event *retry;  /* a listener could not be re-created */
	unsigned retry_ms;
	struct event *wake;   /* the eventfd the accept hook writes */
	int efd;
	uint64_t accepts;     /* connections the hook reported */
	uint64_t quiet_at;    /* mono_ms after which checks stop */
	unsigned next_ms;     /* the current back-off */
	int warned;           /* a probe got through without the hook */
	struct guarded g[GUARD_MAX];
	size_t n;
	unsigned recoveries;
};

/* The eventfd of herdd's guard, or -1; read on nng's threads. */
static _Atomic int hook_fd = -1;

void
guard_accepted(void)
{
	uint64_t one = 1;
	int fd = atomic_load(&hook_fd), saved = errno;

	if (fd != -1 && write(fd, &one, sizeof one) == -1) {
		/* EAGAIN: the counter is full, the loop knows already */
	}
	errno = saved;
}

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

/*
 * nng's pipe callback: a probe (a pipe from our own pid) got through its
 * listener. A socket has one callback for all its listeners (the control
 * socket has two), so the pipe's listener says whose probe it was: taking
 * the last one registered made every boot re-create control.sock.
 */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct guard *g = arg;
	int id = nng_listener_id(nng_pipe_listener(p));
	uint64_t pid;
	size_t i;

	if (id <= 0 || nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0
	    || pid != (uint64_t)getpid())
		return;
	for (i = 0; i < GUARD_MAX; i++)
		if (atomic_load(&g->g[i].listener_id) == id)
			atomic_store(&g->g[i].probe_seen, 1);
}

/* Whether herdd has no fd left (a failed probe then proves nothing). */
static int
out_of_fds(void)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

	if (fd == -1)
		return errno == EMFILE || errno == ENFILE;
	close(fd);
	return 0;
}

/*
 * Connects to w's listener as one of its peers would, speaking the SP
 * handshake (the 8-byte header) over a plain unix socket: no nng socket,
 * because closing one is where nng 1.5.2 hangs. A sub0 socket closed
 * while its pipe receives (herdd publishes) blocks nng_close, and nng's
 * reaper with it, for ever (test_nng_bugs shows it); the probe of the
 * event socket did that under a boot of 1,000 children, wedging herdd.
 * A probe that cannot start is tried at the next check.
 */
static void
probe_start(struct guarded *w)
{
	const unsigned char sp[8] = { 0, 'S', 'P', 0,
	    (unsigned char)(w->peer_proto >> 8),
	    (unsigned char)(w->peer_proto & 0xff), 0, 0 };
	struct sockaddr_un sa;
	const char *path = w->url + 6;
	int fd;

	atomic_store(&w->probe_seen, 0);
	if (strncmp(w->url, "ipc://", 6) != 0 ||
	    strlen(path) >= sizeof sa.sun_path)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		/* no proof of a wedge either way: probed again later */
		if ((errno == EMFILE || errno == ENFILE) && !w->starved)
			log_warnx("cannot probe %s: herdd is out of file "
			    "descriptors", w->url);
		w->starved = errno == EMFILE || errno == ENFILE;
		return;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    send(fd, sp, sizeof sp, MSG_NOSIGNAL) != (ssize_t)sizeof sp) {
		close(fd);
		return;
	}
	w->probe = fd;
	w->probing = 1;
}

/*
 * Listens on w's url, the socket file getting w's mode before anyone can
 * connect (nng's ipc permissions, set before the listener starts) and
 * w's group right after; the same on every re-creation, so a recovered
 * socket is as reachable as the first. Returns 0 or an nng error.
 */
static int
listen_one(struct guarded *w)
{
	const char *path = strncmp(w->url, "ipc://", 6) == 0 ? w->url + 6 :
	    NULL;
	int rv;

	if ((rv = nng_listener_create(&w->listener, w->sock, w->url)) != 0)
		return rv;
	if ((w->mode != 0 && (rv = nng_listener_set_int(w->listener,
	    NNG_OPT_IPC_PERMISSIONS, w->mode)) != 0) ||
	    (rv = nng_listener_start(w->listener, 0)) != 0) {
		nng_listener_close(w->listener);
		return rv;
	}
	atomic_store(&w->listener_id, nng_listener_id(w->listener));
	if (path != NULL && w->gid >= 0 &&
	    lchown(path, (uid_t)-1, (gid_t)w->gid) == -1) {
		log_warn("%s: cannot give it to group %ld", path, w->gid);
		nng_listener_close(w->listener);
		return NNG_EPERM;
	}
	w->listening = 1;
	return 0;
}

static void retry_arm(struct guard *g);

static void
relisten(struct guard *g, struct guarded *w)
{
	int rv;

	log_warnx("listener %s stopped accepting (nng bug #1518); "
	    "re-creating it", w->url);
	nng_listener_close(w->listener);
	w->listening = 0;
	w->surplus = 0;
	g->recoveries++;
	if ((rv = listen_one(w)) != 0) {
		log_warnx("cannot listen on %s again: %s; retrying",
		    w->url, nng_strerror(rv));
		retry_arm(g);
	}
}

/* Tries the listeners that could not be re-created again, backing off
 * from 100 ms to 5 s until each listens. */
static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;
	size_t i;
	int left = 0, rv;

	for (i = 0; i < g->n; i++) {
		struct guarded *w = &g->g[i];
		if (w->listening)
			continue;
		if ((rv = listen_one(w)) == 0) {
			log_info("listening on %s again", w->url);
			probe_start(w);
		} else {
			left = 1;
		}
	}
	if (left)
		retry_arm(g);
	else
		g->retry_ms = 0;
}

static void
retry_arm(struct guard *g)
{
	struct timeval tv;

	g->retry_ms = g->retry_ms == 0 ? 100 : g->retry_ms * 2 > 5000 ? 5000 :
	    g->retry_ms * 2;
	tv.tv_sec = g->retry_ms / 1000;
	tv.tv_usec = (g->retry_ms % 1000) * 1000;
	evtimer_add(g->retry, &tv);
}

static void
arm(struct guard *g, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(g->timer, &tv);
}

/* Takes what the accept hook reported: checks run until QUIET_MS after. */
static void
drain(struct guard *g)
{
	uint64_t n;

	if (read(g->efd, &n, sizeof n) != (ssize_t)sizeof n)
		return;
	g->accepts += n;
	g->quiet_at = mono_ms() + QUIET_MS;
}

/* Somebody connected: start checking, unless a check is already due. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;

	drain(g);
	if (!evtimer_pending(g->timer, NULL)) {
		g->next_ms = CHECK_FIRST_MS;
		arm(g, g->next_ms);
	}
}

/*
 * A probe got through. Until the hook has reported a connection, the
 * guard checks every FALLBACK_MS; a probe's pipe with no connection
 * reported proves that nng does not accept through the hook.
 */
static void
probe_passed(struct guard *g)
{
	drain(g); /* the hook ran before the pipe was added */
	if (g->accepts > 0 || g->warned)
		return;
	g->warned = 1;
	log_warnx("nng does not accept through herdd's hook; checking the "
	    "listeners every %d ms (nng bug #1518)", FALLBACK_MS);
}

/* Checks every listener, then schedules the next check while a probe is
 * out, the hook is unproven, or a connection came less than QUIET_MS ago. */
static void
check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;
	nng_stat *all;
	int64_t surplus;
	int probing = 0, retry_probe = 0;
	size_t i;

	drain(g);
	if (nng_stats_get(&all) != 0) {
		arm(g, FALLBACK_MS);
		return;
	}
	for (i = 0; i < g->n; i++) {
		struct guarded *w = &g->g[i];
		if (!w->listening)
			continue; /* retry_cb brings it back */
		surplus = listener_surplus(all, nng_listener_id(w->listener));
		if (w->probing) {
			close(w->probe);
			w->probing = 0;
			if (!atomic_load(&w->probe_seen) && out_of_fds()) {
				/* the probe could not even be made: that is
				 * no proof of a wedge; probe again later */
				if (!w->starved)
					log_warnx("cannot probe %s: herdd is "
					    "out of file descriptors", w->url);
				w->starved = 1;
				probe_start(w);
			} else if (!atomic_load(&w->probe_seen)) {
				w->starved = 0;
				relisten(g, w);
				continue;
			} else {
				w->starved = 0;
				probe_passed(g);
			}
			probing |= w->probing;
			if (w->probing)
				continue;
		}
		/* even after a probe passed: the wedge may have come later;
		 * the surplus counts as seen only once a probe is out, so a
		 * probe that could not start is tried at the next check */
		if (surplus != INT64_MIN && surplus > w->surplus)
			probe_start(w);
		if (surplus != INT64_MIN && (w->probing || surplus <= w->surplus))
			w->surplus = surplus;
		else if (surplus != INT64_MIN)
			retry_probe = 1;
		probing |= w->probing;
	}
	nng_stats_free(all);

	if (probing || retry_probe)
		arm(g, PROBE_WAIT_MS);
	else if (g->accepts == 0)
		arm(g, FALLBACK_MS);
	else if (mono_ms() < g->quiet_at) {
		g->next_ms = g->next_ms < CHECK_FIRST_MS ? CHECK_FIRST_MS :
		    g->next_ms * 2 < CHECK_MAX_MS ? g->next_ms * 2 :
		    CHECK_MAX_MS;
		arm(g, g->next_ms);
	}
}

struct guard *
guard_create(struct event_base *base)
{
	struct guard *g = xcalloc(1, sizeof *g);

	if ((g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	g->timer = evtimer_new(base, check_cb, g);
	g->retry = evtimer_new(base, retry_cb, g);
	g->wake = event_new(base, g->efd, EV_READ | EV_PERSIST, wake_cb, g);
	event_add(g->wake, NULL);
	atomic_store(&hook_fd, g->efd);
	return g;
}

void
guard_destroy(struct guard *g)
{
	size_t i;

	if (g == NULL)
		return;
	atomic_store(&hook_fd, -1);
	event_free(g->timer);
	event_free(g->retry);
	event_free(g->wake);
	close(g->efd);
	for (i = 0; i < g->n; i++) {
		if (g->g[i].probing)
			close(g->g[i].probe);
		free(g->g[i].url);
	}
	free(g);
}

int
guard_listen(struct guard *g, nng_socket s, unsigned peer_proto,
    const char *url, int mode, long gid, char *cause, size_t len)
{
	struct guarded *w;
	int rv;

	if (g->n == GUARD_MAX) {
		snprintf(cause, len, "too many listeners");
		return -1;
	}
	w = &g->g[g->n];
	w->sock = s;
	w->url = xstrdup(url);
	w->mode = mode;
	w->gid = gid;
	if ((rv = listen_one(w)) != 0) {
		snprintf(cause, len, "cannot listen on %s: %s", url,
		    nng_strerror(rv));
		free(w->url);
		memset(w, 0, sizeof *w);
		return -1;
	}
	w->peer_proto = peer_proto;
	nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, pipe_cb, g);
	g->n++;
	probe_start(w);
	arm(g, PROBE_WAIT_MS);
	return 0;
}

unsigned
guard_recoveries(const struct guard *g)
{
	return g->recoveries;
}
