/*
 * A TX load generator: CLIENTS concurrent clients, each a req0 context
 * on herdd's control socket, start TXs on SAGA through herd.tx with
 * "wait" (the answer is the outcome) one after another for SECONDS.
 * Prints one JSON line: TXs committed per second, p50/p99 latency from
 * the request to the outcome, failures.
 * usage: tx-load RUN_DIR SAGA CLIENTS SECONDS TWO_PHASE(0|1) VALUE_JSON
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#define MAX_LAT (4 << 20)

struct client {
	nng_ctx ctx;
	nng_aio *aio;
	int sending;
	double t0;
	unsigned long id;
};

static nng_mtx *mu;
static nng_cv *cv;
static double *lat, end_us;
static size_t nlat, failed;
static int running;
static char req_fmt[8192];
static unsigned long next_id;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
send_next(struct client *c)
{
	nng_msg *m;
	char buf[9000];

	nng_mtx_lock(mu);
	c->id = ++next_id;
	nng_mtx_unlock(mu);
	snprintf(buf, sizeof buf, req_fmt, c->id);
	nng_msg_alloc(&m, 0);
	nng_msg_append(m, buf, strlen(buf));
	c->t0 = now_us();
	c->sending = 1;
	nng_aio_set_msg(c->aio, m);
	nng_ctx_send(c->ctx, c->aio);
}

static void
done(void)
{
	nng_mtx_lock(mu);
	running--;
	nng_cv_wake(cv);
	nng_mtx_unlock(mu);
}

static void
cb(void *arg)
{
	struct client *c = arg;
	nng_msg *m;

	if (nng_aio_result(c->aio) != 0) {
		if (c->sending)
			nng_msg_free(nng_aio_get_msg(c->aio));
		nng_mtx_lock(mu);
		failed++;
		nng_mtx_unlock(mu);
		done();
		return;
	}
	if (c->sending) {
		c->sending = 0;
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	m = nng_aio_get_msg(c->aio);
	nng_mtx_lock(mu);
	if (memmem(nng_msg_body(m), nng_msg_len(m), "\"committed\"", 11) &&
	    nlat < MAX_LAT)
		lat[nlat++] = now_us() - c->t0;
	else
		failed++;
	nng_mtx_unlock(mu);
	nng_msg_free(m);
	if (now_us() < end_us)
		send_next(c);
	else
		done();
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	nng_socket s;
	struct client *cs;
	char url[4200];
	int n, secs, rv;
	double start;

	if (argc != 7 || (n = atoi(argv[3])) < 1 || (secs = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: tx-load RUN_DIR SAGA CLIENTS SECONDS "
		    "TWO_PHASE VALUE_JSON\n");
		return 2;
	}
	snprintf(req_fmt, sizeof req_fmt, "{\"v\":1,\"id\":%%lu,\"op\":\"call\","
	    "\"args\":{\"name\":\"herd.tx\",\"timeout_ms\":60000,\"msg\":"
	    "{\"op\":\"start\",\"saga\":\"%s\",\"two_phase\":%s,\"wait\":true,"
	    "\"value\":%s}}}", argv[2], atoi(argv[5]) ? "true" : "false",
	    argv[6]);
	snprintf(url, sizeof url, "ipc://%s/control.sock", argv[1]);
	lat = calloc(MAX_LAT, sizeof *lat);
	cs = calloc((size_t)n, sizeof *cs);
	nng_mtx_alloc(&mu);
	nng_cv_alloc(&cv, mu);
	if ((rv = nng_req0_open(&s)) != 0 || (rv = nng_socket_set_ms(s,
	    NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dial(s, url, NULL, 0)) != 0) {
		fprintf(stderr, "tx-load: %s: %s\n", url, nng_strerror(rv));
		return 1;
	}
	start = now_us();
	end_us = start + secs * 1e6;
	running = n;
	for (int i = 0; i < n; i++) {
		nng_ctx_open(&cs[i].ctx, s);
		nng_aio_alloc(&cs[i].aio, cb, &cs[i]);
		nng_aio_set_timeout(cs[i].aio, 60000);
		send_next(&cs[i]);
	}
	nng_mtx_lock(mu);
	while (running > 0)
		nng_cv_wait(cv);
	nng_mtx_unlock(mu);
	start = now_us() - start;
	qsort(lat, nlat, sizeof *lat, cmp);
	printf("{\"case\":\"tx\",\"saga\":\"%s\",\"two_phase\":%d,\"clients\":%d,"
	    "\"txs\":%zu,\"failed\":%zu,\"per_s\":%.0f,\"p50_us\":%.0f,"
	    "\"p99_us\":%.0f}\n", argv[2], atoi(argv[5]), n, nlat, failed,
	    nlat / (start / 1e6), nlat ? lat[nlat / 2] : 0,
	    nlat ? lat[(size_t)(nlat * 0.99)] : 0);
	for (int i = 0; i < n; i++) {
		nng_aio_free(cs[i].aio);
		nng_ctx_close(cs[i].ctx);
	}
	nng_close(s);
	free(cs);
	free(lat);
	return failed > 0;
}
