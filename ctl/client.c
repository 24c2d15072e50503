/* herdctl's connection to herdd's control socket: one nng req0 socket. */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <nng/protocol/reqrep0/req.h>

#include "ctl.h"

struct client {
	nng_socket sock;
	const struct ctl *ctl;
	char url[4096];
	uint64_t next_id;

	pthread_mutex_t mtx; /* guards gone, set from nng's pipe callback */
	pthread_cond_t cv;
	int gone;
};

/* A synchronous nng_dial and the nng timer that gives up on it after the
 * caller's timeout rather than nng's 10 s handshake limit. */
struct dial {
	nng_dialer dialer;
	nng_aio *timer;
	int expired; /* read after nng_aio_stop(timer) */
};


static void
cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &attr);
	pthread_condattr_destroy(&attr);
}

static struct timespec
deadline_after(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* Called by nng on one of its threads when the dial's time is up, or when
 * the timer is stopped first. Closing the dialer aborts the pending dial. */
static void
dial_expired_cb(void *arg)
{
	struct dial *d = arg;

	if (nng_aio_result(d->timer) != 0)
		return;
	d->expired = 1;
	nng_dialer_close(d->dialer);
}

/* One dial of at most MS; returns nng's result, NNG_ETIMEDOUT when the
 * time ran out. The dialer stays with SOCK when it succeeds. */
static int
dial_once(nng_socket sock, const char *url, int ms)
{
	struct dial d = { .expired = 0 };
	int rv;

	if ((rv = nng_dialer_create(&d.dialer, sock, url)) != 0)
		return rv;
	if ((rv = nng_aio_alloc(&d.timer, dial_expired_cb, &d)) != 0) {
		nng_dialer_close(d.dialer);
		return rv;
	}
	nng_sleep_aio(ms, d.timer);
	rv = nng_dialer_start(d.dialer, 0);
	nng_aio_stop(d.timer); /* waits for dial_expired_cb */
	nng_aio_free(d.timer);
	if (d.expired)
		return NNG_ETIMEDOUT;
	if (rv != 0)
		nng_dialer_close(d.dialer);
	return rv;
}

/* Whether a failed dial may work when tried again: the listen backlog
 * was full, or herdd closed the connection before the handshake, as it
 * does past control.max_connections or max_connections_per_user. */
static int
dial_transient(int rv)
{
	return rv == NNG_EAGAIN || rv == NNG_ECONNSHUT || rv == NNG_ECLOSED ||
	    rv == NNG_ECONNRESET;
}

/*
 * Dials URL on SOCK and waits until the connection is up (handshake done),
 * at most TIMEOUT_MS; a connection herdd could not take now (a full
 * backlog, its connection limits) is tried again within that time. Fails
 * at once when the socket file is missing or nothing listens. Returns 0,
 * or -1 with *cause (caller frees) saying why. The dialer belongs to SOCK
 * either way.
 */
int
client_dial(nng_socket sock, const char *url, int timeout_ms, char **cause)
{
	struct timespec end = deadline_after(timeout_ms), now;
	struct stat sb;
	int rv, left = timeout_ms, pause = 10;
	char buf[32];

	*cause = NULL;
	/* nng reports a missing file as "Connection refused"; say it right. */
	if (strncmp(url, "ipc://", 6) == 0) {
		if (stat(url + 6, &sb) != 0) {
			*cause = ipc_printf("%s", strerror(errno));
			return -1;
		}
		if (!S_ISSOCK(sb.st_mode)) {
			*cause = ipc_printf("not a socket");
			return -1;
		}
	}
	while ((rv = dial_once(sock, url, left)) != 0 && dial_transient(rv)) {
		nng_msleep(pause);
		pause = pause < 200 ? pause * 2 : 200;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int)((end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000);
		if (left <= 0) {
			duration_format(buf, sizeof buf, timeout_ms);
			*cause = ipc_printf("herdd took no connection within "
			    "%s (%s: it may be at control.max_connections or "
			    "max_connections_per_user, and its log says "
			    "which)", buf, nng_strerror(rv));
			return -1;
		}
	}
	if (rv == NNG_ETIMEDOUT) {
		duration_format(buf, sizeof buf, timeout_ms);
		*cause = ipc_printf("no answer to the handshake within %s",
		    buf);
		return -1;
	}
	if (rv != 0) {
		*cause = ipc_printf("%s", nng_strerror(rv));
		return -1;
	}
	return 0;
}

/* Called by nng when the connection to herdd goes away. */
static void
client_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct client *c = arg;

	pthread_mutex_lock(&c->mtx);
	c->gone = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mtx);
}

/* Connects to herdd. Returns the client (free with client_close), or NULL
 * with *cause (caller frees); the exit code is then IPC_EXIT_UNREACHABLE. */
struct client *
client_open(const struct ctl *ctl, char **cause)
{
	struct client *c;
	char *why;
	int rv;

	*cause = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->ctl = ctl;
	c->next_id = ((uint64_t)getpid() << 20) | 1;
	pthread_mutex_init(&c->mtx, NULL);
	cond_init_monotonic(&c->cv);
	if (ipc_control_url(ctl->run_dir, c->url, sizeof c->url) != 0) {
		*cause = ipc_printf("run directory name too long: %s",
		    ctl->run_dir);
		goto fail_nosock;
	}
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		*cause = ipc_printf("cannot open a socket: %s",
		    nng_strerror(rv));
		goto fail_nosock;
	}
	if ((rv = nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	    ctl->timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
	    ctl->timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	    ctl->timeout_ms)) != 0 ||
	    (rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
	    IPC_REPLY_MAX)) != 0 ||
	    (rv = nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST,
	    client_pipe_cb, c)) != 0) {
		*cause = ipc_printf("cannot set socket options: %s",
		    nng_strerror(rv));
		goto fail;
	}
	if (client_dial(c->sock, c->url, ctl->timeout_ms, &why) != 0) {
		*cause = ipc_printf("cannot reach herdd at %s: %s",
		    c->url + 6, why);
		free(why);
		goto fail;
	}
	return c;
fail:
	nng_close(c->sock);
fail_nosock:
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mtx);
	free(c);
	return NULL;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mtx);
	free(c);
}

/* Waits until herdd drops the connection (it exited or closed its control
 * socket), at most TIMEOUT_MS. Returns 0 when it did, -1 on timeout. */
int
client_wait_gone(struct client *c, int timeout_ms)
{
	struct timespec until = deadline_after(timeout_ms);
	int gone;

	pthread_mutex_lock(&c->mtx);
	while (!c->gone)
		if (pthread_cond_timedwait(&c->cv, &c->mtx, &until) ==
		    ETIMEDOUT)
			break;
	gone = c->gone;
	pthread_mutex_unlock(&c->mtx);
	return gone ? 0 : -1;
}

/*
 * A successful reply exactly as herdd writes large results,
 * {"v":1,"id":ID,"ok":true,"result":...}: keeps the result's text without
 * parsing it (status of 10,000 children is 1.3 MB). Returns 1 if taken.
 */
static int
client_raw(struct call *call, uint64_t id, const char *buf, size_t len)
{
	char head[96];
	int n;

	n = snprintf(head, sizeof head, "{\"v\":%d,\"id\":%llu,\"ok\":true,"
	    "\"result\":", IPC_VERSION, (unsigned long long)id);
	if (len < (size_t)n + 2 || memcmp(buf, head, (size_t)n) != 0 ||
	    buf[len - 1] != '}')
		return 0;
	call->raw = ipc_printf("%.*s", (int)(len - (size_t)n - 1), buf + n);
	call->exit = IPC_EXIT_OK;
	return 1;
}

/* Fills CALL from a reply of LEN bytes. */
static void
client_decode(struct call *call, uint64_t id, const char *buf, size_t len)
{
	const cJSON *ok, *rid, *err;
	const char *code, *msg;

	if (call->want_raw && client_raw(call, id, buf, len))
		return;
	call->exit = IPC_EXIT_FAILED;
	call->reply = cJSON_ParseWithLength(buf, len);
	if (!cJSON_IsObject(call->reply)) {
		call->cause = ipc_printf("herdd sent a reply that is not a "
		    "JSON object");
		goto bad;
	}
	ok = cJSON_GetObjectItemCaseSensitive(call->reply, "ok");
	rid = cJSON_GetObjectItemCaseSensitive(call->reply, "id");
	if (!cJSON_IsBool(ok)) {
		call->cause = ipc_printf("herdd sent a reply without \"ok\"");
		goto bad;
	}
	if (cJSON_IsTrue(ok)) {
		if (!cJSON_IsNumber(rid) || (uint64_t)rid->valuedouble != id) {
			call->cause = ipc_printf("herdd answered another "
			    "request (id %.0f, expected %llu)",
			    cJSON_IsNumber(rid) ? rid->valuedouble : -1.0,
			    (unsigned long long)id);
			goto bad;
		}
		call->result = cJSON_GetObjectItemCaseSensitive(call->reply,
		    "result");
		if (call->result == NULL)
			call->result = cJSON_AddObjectToObject(call->reply,
			    "result");
		call->exit = IPC_EXIT_OK;
		return;
	}
	err = cJSON_GetObjectItemCaseSensitive(call->reply, "error");
	code = output_string(err, "code", IPC_E_FAILED);
	msg = output_string(err, "message", code);
	call->exit = ipc_exit_code(code);
	if (call->exit == IPC_EXIT_OK)
		call->exit = IPC_EXIT_FAILED;
	call->cause = ipc_printf("%s", msg);
	return;
bad:
	cJSON_Delete(call->reply);
	call->reply = NULL;
}

static int client_call_flags(struct client *c, const char *op, cJSON *args,
    struct call *call, int flags);

/*
 * A request bigger than any limit herdd may have (IPC_REQUEST_FLOOR): asks
 * herdd's limit first, since past it herdd's nng closes the connection
 * without a reply. Returns 0 to send, or -1 with CALL filled (too_large).
 */
static int
client_check_size(struct client *c, size_t len, struct call *call)
{
	struct call v;
	const cJSON *max;
	double limit;

	if (len <= IPC_REQUEST_FLOOR)
		return 0;
	if (client_call_flags(c, "version", NULL, &v, 0) != IPC_EXIT_OK) {
		call_clear(&v);
		return 0; /* send, and see */
	}
	max = cJSON_GetObjectItemCaseSensitive(v.result, "max_request_bytes");
	limit = cJSON_IsNumber(max) ? max->valuedouble : 0;
	call_clear(&v);
	if (limit <= 0 || (double)len <= limit)
		return 0;
	call->exit = ipc_exit_code(IPC_E_TOO_LARGE);
	call->cause = ipc_printf("request too large: %zu bytes, herdd takes "
	    "at most %.0f (control.max_request_bytes); not sent", len, limit);
	call->reply = ipc_reply_error(0, IPC_E_TOO_LARGE, "%s", call->cause);
	return -1;
}

/*
 * Sends one request OP with ARGS (taken, may be NULL) and waits for the
 * reply. Returns call->exit; CALL is filled either way and the caller
 * clears it with call_clear.
 */
static int
client_call_flags(struct client *c, const char *op, cJSON *args,
    struct call *call, int flags)
{
	uint64_t id = c->next_id++;
	cJSON *req = ipc_request_new(id, op, args);
	char *s = ipc_print(req), tbuf[32];
	void *buf = NULL;
	size_t len = 0;
	int rv;

	memset(call, 0, sizeof *call);
	call->want_raw = (flags & CLIENT_RAW) != 0;
	cJSON_Delete(req);
	if (client_check_size(c, strlen(s), call) == -1) {
		free(s);
		return call->exit;
	}
	rv = nng_send(c->sock, s, strlen(s), 0);
	free(s);
	if (rv == 0)
		rv = nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC);
	if (rv == 0) {
		client_decode(call, id, buf, len);
		nng_free(buf, len);
		return call->exit;
	}
	call->exit = IPC_EXIT_UNREACHABLE;
	duration_format(tbuf, sizeof tbuf, c->ctl->timeout_ms);
	if (rv == NNG_ETIMEDOUT)
		call->cause = ipc_printf("herdd did not answer within %s", tbuf);
	else if (rv == NNG_EMSGSIZE) {
		call->exit = IPC_EXIT_FAILED;
		call->cause = ipc_printf("herdd's reply exceeds %d bytes",
		    IPC_REPLY_MAX);
	} else
		call->cause = ipc_printf("lost herdd at %s: %s", c->url + 6,
		    nng_strerror(rv));
	return call->exit;
}

int
client_call(struct client *c, const char *op, cJSON *args, struct call *call)
{
	return client_call_flags(c, op, args, call, 0);
}

/* Prints CALL's error: the reply on stdout with --json, else a message. */
void
call_report(const struct ctl *ctl, const struct call *call)
{
	if (call->exit == IPC_EXIT_OK)
		return;
	if (ctl->json && call->reply != NULL)
		output_json(call->reply);
	else
		output_warnx("%s", call->cause);
}

void
call_clear(struct call *call)
{
	cJSON_Delete(call->reply);
	free(call->cause);
	free(call->raw);
	memset(call, 0, sizeof *call);
}

/*
 * Connects, sends OP with ARGS (taken), waits for the reply and
 * disconnects. Reports any error unless FLAGS has CLIENT_QUIET. Returns
 * the exit code; the caller clears CALL with call_clear.
 * With CLIENT_LAST, a normal build (CTL_TEARDOWN 0) runs nng on the
 * current CPU and leaves the connection open for herdctl's exit to drop.
 */
int
client_run(const struct ctl *ctl, const char *op, cJSON *args,
    struct call *call, int flags)
{
	int last = !CTL_TEARDOWN && (flags & CLIENT_LAST);
	struct client *c;

	memset(call, 0, sizeof *call);
	if (last)
		threads_pin();
	if ((c = client_open(ctl, &call->cause)) == NULL) {
		cJSON_Delete(args);
		call->exit = IPC_EXIT_UNREACHABLE;
	} else {
		client_call_flags(c, op, args, call, flags);
		if (!last)
			client_close(c);
	}
	if (!(flags & CLIENT_QUIET))
		call_report(ctl, call);
	return call->exit;
}
