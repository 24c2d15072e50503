/*
 * herdd as a Type=notify service: READY=1 once the whole tree is up,
 * STATUS= with a summary, RELOADING=1/READY=1 around reloads, STOPPING=1 at
 * shutdown, and WATCHDOG=1 at half of WATCHDOG_USEC from a loop timer, so a
 * stuck loop stops the pings. The protocol is the documented one (a
 * datagram to $NOTIFY_SOCKET, a path or @abstract), written here rather
 * than linking libsystemd: it is a sendto(), and herd runs where systemd
 * does not (docs/systemd.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "herdd.h"
#include "log.h"
#include "sdnotify.h"
#include "util.h"

#define STATUS_DELAY_MS 200 /* coalesces STATUS updates in a storm */

struct sdnotify {
	int fd;
	struct sockaddr_un sa;
	socklen_t salen;
	struct event *watchdog;
	struct event *status_ev;
	int status_due;
	int ready;
	struct herdd *h;
};

/* Fills sa from NOTIFY_SOCKET ('@' is the abstract namespace); -1 if it
 * does not fit. */
static int
notify_addr(const char *v, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(v);

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof sa->sun_path)
		return -1;
	memcpy(sa->sun_path, v, n);
	if (v[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (v[0] == '@' ? 0 : 1));
	return 0;
}

static void
send_text(struct sdnotify *sd, const char *text)
{
	if (sendto(sd->fd, text, strlen(text), MSG_NOSIGNAL,
	    (struct sockaddr *)&sd->sa, sd->salen) == -1)
		log_debug("sd_notify: %s", strerror(errno));
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	send_text(arg, "WATCHDOG=1");
}

/* WATCHDOG_USEC, if it is meant for us (WATCHDOG_PID unset or ours). */
static uint64_t
watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid;
	char *end;
	unsigned long long v;

	if (usec == NULL)
		return 0;
	pid = getenv("WATCHDOG_PID");
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	v = strtoull(usec, &end, 10);
	return *end == '\0' ? v : 0;
}

struct sdnotify *
sdnotify_create(struct event_base *base, struct herdd *h)
{
	const char *v = getenv("NOTIFY_SOCKET");
	struct sdnotify *sd;
	uint64_t usec;

	if (v == NULL)
		return NULL;
	sd = xcalloc(1, sizeof *sd);
	sd->h = h;
	if (notify_addr(v, &sd->sa, &sd->salen) == -1 ||
	    (sd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warnx("NOTIFY_SOCKET %s unusable; not notifying", v);
		free(sd);
		return NULL;
	}
	usec = watchdog_usec();
	if (usec > 0) {
		struct timeval tv = { (time_t)(usec / 2 / 1000000),
		    (suseconds_t)(usec / 2 % 1000000) };
		sd->watchdog = event_new(base, -1, EV_PERSIST, watchdog_cb, sd);
		event_add(sd->watchdog, &tv);
		log_info("systemd watchdog: pinging every %llu ms",
		    (unsigned long long)(usec / 2000));
	}
	sd->status_ev = event_new(base, -1, 0, sdnotify_status_cb, sd);
	/* children must not inherit herdd's notify settings */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return sd;
}

void
sdnotify_destroy(struct sdnotify *sd)
{
	if (sd == NULL)
		return;
	if (sd->watchdog != NULL)
		event_free(sd->watchdog);
	event_free(sd->status_ev);
	close(sd->fd);
	free(sd);
}

struct counts {
	size_t running, total;
};

static void
count_cb(struct child *c, void *arg)
{
	struct counts *n = arg;

	if (c->type != CONF_WORKER)
		return;
	n->total++;
	if (c->state == CH_RUNNING)
		n->running++;
}

/* "STATUS=12/12 children running" (with READY=1 first when asked). */
static void
send_status(struct sdnotify *sd, struct herdd *h, const char *prefix)
{
	struct counts n = { 0, 0 };
	char buf[256];

	tree_walk(h->root, count_cb, &n);
	snprintf(buf, sizeof buf, "%sSTATUS=%zu/%zu children running%s",
	    prefix, n.running, n.total, h->engine.shutting_down ?
	    ", stopping" : "");
	send_text(sd, buf);
}

void
sdnotify_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sdnotify *sd = arg;

	sd->status_due = 0;
	send_status(sd, sd->h, "");
}

void
sdnotify_event(struct sdnotify *sd, const char *topic)
{
	struct herdd *h;

	if (sd == NULL)
		return;
	h = sd->h;
	if (strcmp(topic, "herd.started") == 0) {
		sd->ready = 1;
		send_status(sd, h, "READY=1\n");
	} else if (strcmp(topic, "config.reloaded") == 0) {
		send_status(sd, h, "READY=1\n");
	} else if (strcmp(topic, "herd.stopping") == 0) {
		send_status(sd, h, "STOPPING=1\n");
	} else if (sd->ready && !sd->status_due &&
	    strncmp(topic, "child.", 6) == 0) {
		struct timeval tv = { 0, STATUS_DELAY_MS * 1000 };
		sd->status_due = 1;
		event_add(sd->status_ev, &tv);
	}
}

void
sdnotify_reloading(struct sdnotify *sd)
{
	struct timespec ts;
	char buf[128];

	if (sd == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	send_text(sd, buf);
}
