/*
 * The control path's own latency: one req0 socket to herdd's control
 * socket, COUNT requests of REQUEST (a control request's JSON, "id"
 * renumbered each time), one after another, PAUSE_MS between them.
 * Prints each latency in ms, one a line, then p50, p99 and max on
 * stderr. herdctl's numbers add a process start
 * to each call; these are what herdd answers in.
 *
 * usage: ctlreq SOCKET COUNT PAUSE_MS REQUEST
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
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
	char url[4200], req[8192];
	struct timespec pause;
	nng_socket s;
	double *lat;
	const char *id;
	int n, i, ms;

	if (argc != 5 || (n = atoi(argv[2])) <= 0 || strlen(argv[4]) > 4000 ||
	    (id = strstr(argv[4], "\"id\":")) == NULL) {
		fprintf(stderr, "usage: ctlreq SOCKET COUNT PAUSE_MS REQUEST "
		    "(with an \"id\":N member)\n");
		return 2;
	}
	ms = atoi(argv[3]);
	pause = (struct timespec){ ms / 1000, (ms % 1000) * 1000000L };
	snprintf(url, sizeof url, "ipc://%s", argv[1]);
	if (nng_req0_open(&s) != 0 || nng_dial(s, url, NULL, 0) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 30000) != 0) {
		fprintf(stderr, "ctlreq: cannot reach %s\n", url);
		return 1;
	}
	lat = calloc((size_t)n, sizeof *lat);
	for (i = 0; i < n; i++) {
		char *rep = NULL;
		size_t len;
		const char *rest = strchr(id + 5, ',') ? strchr(id + 5, ',') :
		    strchr(id + 5, '}');
		double t0;

		snprintf(req, sizeof req, "%.*s\"id\":%d%s",
		    (int)(id - argv[4]), argv[4], i + 1, rest);
		t0 = now_ms();
		if (nng_send(s, req, strlen(req), 0) != 0 ||
		    nng_recv(s, &rep, &len, NNG_FLAG_ALLOC) != 0) {
			fprintf(stderr, "ctlreq: request %d got no reply\n",
			    i + 1);
			return 1;
		}
		lat[i] = now_ms() - t0;
		printf("%.3f\n", lat[i]);
		nng_free(rep, len);
		if (ms > 0)
			nanosleep(&pause, NULL);
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	fprintf(stderr, "requests %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", n,
	    lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    lat[n - 1]);
	free(lat);
	/* the exit closes the socket (a req0 one closes fine, but nothing
	 * is gained by it here) */
	return 0;
}
