/* Following herdd's events: the replay from its ring, then the live pub0
 * stream, deduplicated by seq, with gaps refilled from the ring. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "ctl.h"
#include "nngbug.h"

struct follow {
	struct ctl *ctl;
	struct client *client;
	nng_socket sub;
	int sub_open;
	int sub_fd;      /* NNG_OPT_RECVFD: readable when a message waits */
	int gone[2];     /* self-pipe written when the event stream drops */
	int watch_stdout;
	int input_fd;    /* -1, or a fd whose input ends a wait (top's keys) */
	char *filter;    /* topic prefix, "" for all */
	int64_t last;    /* highest seq handled, printed or filtered out */
	cJSON *queue;    /* events ready for follow_next, in seq order */
	sigset_t oldmask;
	struct sigaction oldint, oldterm;
};

static volatile sig_atomic_t follow_signalled;

static void
follow_signal_cb(int sig)
{
	follow_signalled = sig;
}

/* The self-pipe's write end, for follow_pipe_cb. Not in struct follow:
 * where the event socket is left open at follow_close (nngbug.c), its
 * callback may still run after, and the pipe stays open to the exit. */
static volatile int follow_gone_w = -1;

/* Called by nng when the event socket loses herdd: wakes follow_next. */
static void
follow_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	int fd = follow_gone_w;
	ssize_t n;

	(void)p;
	(void)ev;
	(void)arg;
	if (fd >= 0) {
		n = write(fd, "x", 1);
		(void)n;
	}
}

/* The topic an event is published under; replayed events carry it in
 * "topic", or else it is the event's name. */
static const char *
follow_topic(const cJSON *ev)
{
	return output_string(ev, "topic", output_string(ev, "event", ""));
}

static int
follow_match(const struct follow *f, const char *topic)
{
	return strncmp(topic, f->filter, strlen(f->filter)) == 0;
}

/* Takes EV (owned) as the event after f->last. */
static void
follow_accept(struct follow *f, cJSON *ev, int64_t seq, const char *topic)
{
	f->last = seq;
	if (follow_match(f, topic))
		cJSON_AddItemToArray(f->queue, ev);
	else
		cJSON_Delete(ev);
}

/*
 * Asks herdd for the events after SINCE still in its ring (SINCE < 0: none,
 * only the last seq) and queues the ones not yet handled. With WARN, says
 * which events the ring no longer holds. Returns an exit code, reported.
 */
static int
follow_replay(struct follow *f, int64_t since, int warn)
{
	struct call call;
	cJSON *args, *events, *ev, *next;
	int64_t seq, last_seq;
	int rv;

	args = cJSON_CreateObject();
	cJSON_AddNumberToObject(args, "since", (double)since);
	if ((rv = client_call(f->client, "events", args, &call)) != 0) {
		call_report(f->ctl, &call);
		call_clear(&call);
		return rv;
	}
	events = cJSON_GetObjectItemCaseSensitive(call.result, "events");
	if (output_int(call.result, "last_seq", &last_seq) != 0 ||
	    (events != NULL && !cJSON_IsArray(events))) {
		output_warnx("herdd's reply to \"events\" lacks \"events\" or "
		    "\"last_seq\"");
		call_clear(&call);
		return IPC_EXIT_FAILED;
	}
	if (since < 0)
		f->last = last_seq;
	for (ev = events ? events->child : NULL; ev != NULL; ev = next) {
		next = ev->next;
		if (since < 0 || output_int(ev, "seq", &seq) != 0 ||
		    seq <= f->last)
			continue;
		if (warn && seq > f->last + 1)
			output_warnx("missed events %lld to %lld: no longer in "
			    "herdd's ring", (long long)f->last + 1,
			    (long long)seq - 1);
		cJSON_DetachItemViaPointer(events, ev);
		follow_accept(f, ev, seq, follow_topic(ev));
	}
	if (last_seq > f->last) {
		if (warn)
			output_warnx("missed events %lld to %lld: no longer in "
			    "herdd's ring", (long long)f->last + 1,
			    (long long)last_seq);
		f->last = last_seq;
	}
	call_clear(&call);
	return IPC_EXIT_OK;
}

/* Handles one live message "<topic> <json>"; 0, or an exit code. */
static int
follow_live(struct follow *f, const char *buf, size_t len)
{
	const char *sp = memchr(buf, ' ', len);
	char *topic;
	cJSON *ev;
	int64_t seq;
	int rv = IPC_EXIT_OK;

	if (sp == NULL)
		return IPC_EXIT_OK;
	ev = cJSON_ParseWithLength(sp + 1, len - (size_t)(sp + 1 - buf));
	if (!cJSON_IsObject(ev) || output_int(ev, "seq", &seq) != 0 ||
	    seq <= f->last) {
		cJSON_Delete(ev);
		return IPC_EXIT_OK;
	}
	if ((topic = strndup(buf, (size_t)(sp - buf))) == NULL)
		abort();
	if (seq > f->last + 1)
		rv = follow_replay(f, f->last, 1); /* fill the gap */
	if (rv == IPC_EXIT_OK && seq > f->last)
		follow_accept(f, ev, seq, topic);
	else
		cJSON_Delete(ev);
	free(topic);
	return rv;
}

/*
 * Connects to herdd's control and event sockets and subscribes to every
 * topic (sub0 filters in this process anyway; filtering here lets gaps in
 * seq be told from filtered events). Blocks SIGINT and SIGTERM except
 * while follow_next waits. Returns NULL with *exit set after reporting.
 */
struct follow *
follow_open(struct ctl *ctl, const char *filter, int watch_stdout, int *exit)
{
	struct follow *f;
	struct sigaction sa;
	sigset_t set;
	char url[4096], *cause;
	int rv;

	if ((f = calloc(1, sizeof *f)) == NULL)
		abort();
	f->ctl = ctl;
	f->last = -1;
	f->gone[0] = f->gone[1] = -1;
	f->watch_stdout = watch_stdout;
	f->input_fd = -1;
	if ((f->filter = strdup(filter ? filter : "")) == NULL ||
	    (f->queue = cJSON_CreateArray()) == NULL)
		abort();

	/* Before nng starts its threads, so that they inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &f->oldmask);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = follow_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &f->oldint);
	sigaction(SIGTERM, &sa, &f->oldterm);
	follow_signalled = 0;

	*exit = IPC_EXIT_UNREACHABLE;
	if (pipe2(f->gone, O_CLOEXEC | O_NONBLOCK) != 0) {
		output_warnx("pipe: %s", strerror(errno));
		*exit = IPC_EXIT_FAILED;
		goto fail;
	}
	follow_gone_w = f->gone[1];
	if ((f->client = client_open(ctl, &cause)) == NULL) {
		output_warnx("%s", cause);
		free(cause);
		goto fail;
	}
	if (ipc_events_url(ctl->run_dir, url, sizeof url) != 0) {
		output_warnx("run directory name too long: %s", ctl->run_dir);
		goto fail;
	}
	if ((rv = nng_sub0_open(&f->sub)) != 0) {
		output_warnx("cannot open a socket: %s", nng_strerror(rv));
		goto fail;
	}
	f->sub_open = 1;
	if ((rv = nng_socket_set(f->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0 ||
	    (rv = nng_socket_set_int(f->sub, NNG_OPT_RECVBUF, 8192)) != 0 ||
	    (rv = nng_socket_set_size(f->sub, NNG_OPT_RECVMAXSZ,
	    IPC_REPLY_MAX)) != 0 ||
	    (rv = nng_socket_get_int(f->sub, NNG_OPT_RECVFD,
	    &f->sub_fd)) != 0 ||
	    (rv = nng_pipe_notify(f->sub, NNG_PIPE_EV_REM_POST,
	    follow_pipe_cb, NULL)) != 0) {
		output_warnx("cannot set socket options: %s",
		    nng_strerror(rv));
		goto fail;
	}
	if (client_dial(f->sub, url, ctl->timeout_ms, &cause) != 0) {
		output_warnx("cannot reach herdd at %s: %s", url + 6, cause);
		free(cause);
		goto fail;
	}
	*exit = IPC_EXIT_OK;
	return f;
fail:
	follow_close(f);
	return NULL;
}

/* Starts the stream after SINCE (< 0: with the next new event): queues
 * what herdd's ring holds. Returns an exit code, already reported. */
int
follow_start(struct follow *f, int64_t since)
{
	if (since >= 0)
		f->last = since;
	return follow_replay(f, since, 0);
}

/* Drains the event socket; 0, or an exit code. */
static int
follow_drain(struct follow *f)
{
	nng_msg *msg;
	int rv;

	while ((rv = nng_recvmsg(f->sub, &msg, NNG_FLAG_NONBLOCK)) == 0) {
		rv = follow_live(f, nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
		if (rv != IPC_EXIT_OK)
			return rv;
	}
	if (rv != NNG_EAGAIN) {
		output_warnx("event socket: %s", nng_strerror(rv));
		return IPC_EXIT_UNREACHABLE;
	}
	return IPC_EXIT_OK;
}

/*
 * Waits for the next event until DEADLINE_MS (duration_now_ms clock; < 0:
 * none). Returns FOLLOW_EVENT with *ev (caller frees), FOLLOW_TIMEOUT,
 * FOLLOW_STOP on a signal or when stdout is closed, or FOLLOW_ERROR after
 * reporting, with *exit set.
 */
enum follow_status
follow_next(struct follow *f, cJSON **ev, int64_t deadline_ms, int *exit)
{
	struct pollfd pfd[4];
	struct timespec ts, *tsp;
	struct stat sb;
	int64_t left;
	nfds_t n;
	int rv;

	*ev = NULL;
	*exit = IPC_EXIT_OK;
	for (;;) {
		if (f->queue->child != NULL) {
			*ev = cJSON_DetachItemViaPointer(f->queue,
			    f->queue->child);
			return FOLLOW_EVENT;
		}
		if (follow_signalled)
			return FOLLOW_STOP;
		if ((rv = follow_drain(f)) != IPC_EXIT_OK) {
			*exit = rv;
			return FOLLOW_ERROR;
		}
		if (f->queue->child != NULL)
			continue;
		tsp = NULL;
		if (deadline_ms >= 0) {
			if ((left = deadline_ms - duration_now_ms()) <= 0)
				return FOLLOW_TIMEOUT;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tsp = &ts;
		}
		pfd[0] = (struct pollfd){ .fd = f->sub_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = f->gone[0], .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = f->input_fd, .events = POLLIN };
		n = 3;
		/* A pipe's reader going away shows as POLLERR on fd 1. */
		if (f->watch_stdout && fstat(STDOUT_FILENO, &sb) == 0 &&
		    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
			pfd[n++] = (struct pollfd){ .fd = STDOUT_FILENO };
		rv = ppoll(pfd, n, tsp, &f->oldmask);
		if (rv < 0 && errno != EINTR) {
			output_warnx("ppoll: %s", strerror(errno));
			*exit = IPC_EXIT_FAILED;
			return FOLLOW_ERROR;
		}
		if (rv <= 0)
			continue;
		if (n == 4 && (pfd[3].revents & (POLLERR | POLLHUP)))
			return FOLLOW_STOP;
		if (pfd[2].revents & (POLLIN | POLLHUP))
			return FOLLOW_INPUT;
		if (pfd[1].revents & POLLIN) {
			if ((rv = follow_drain(f)) != IPC_EXIT_OK) {
				*exit = rv;
				return FOLLOW_ERROR;
			}
			if (f->queue->child != NULL)
				continue;
			output_warnx("herdd closed the event stream");
			*exit = IPC_EXIT_UNREACHABLE;
			return FOLLOW_ERROR;
		}
	}
}

void
follow_watch_input(struct follow *f, int fd)
{
	f->input_fd = fd;
}

/* The control connection, borrowed, for requests while following. */
struct client *
follow_client(struct follow *f)
{
	return f->client;
}

void
follow_close(struct follow *f)
{
	if (f == NULL)
		return;
	if (f->sub_open)
		nngbug_sub_release(f->sub); /* herdctl exits next */
	client_close(f->client);
	/* a socket left open keeps its callback's pipe (both ends: a write
	 * with no reader would be SIGPIPE) */
	if (f->gone[0] != -1 && (!f->sub_open || !NNGBUG_SUB_CLOSE_HANGS)) {
		follow_gone_w = -1;
		close(f->gone[0]);
		close(f->gone[1]);
	}
	cJSON_Delete(f->queue);
	free(f->filter);
	sigaction(SIGINT, &f->oldint, NULL);
	sigaction(SIGTERM, &f->oldterm, NULL);
	pthread_sigmask(SIG_SETMASK, &f->oldmask, NULL);
	free(f);
}
