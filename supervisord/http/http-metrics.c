/*
 * /metrics in Prometheus' text exposition format (version 0.0.4), named
 * as Prometheus' conventions ask: herd_ for herd's own, process_ for
 * herdd's process as every client library exports it, _total for
 * counters, base units (seconds, bytes). Built per scrape from the tree
 * and /proc/self: nothing is sampled between scrapes. And the probes:
 * /healthz (the loop answers) and /readyz (the tree is up).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "events.h"
#include "herdd.h"
#include "http-int.h"
#include "local.h"
#include "util.h"

struct scrape {
	struct evbuffer *b;
	uint64_t now_mono;
	double now_wall;     /* seconds */
	unsigned states[CH_EXITED + 1];
	const char *section; /* which family the walk writes */
};

/* A label value as the format wants it: \\, \" and \n escaped. */
static void
label(struct evbuffer *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(b, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, v, 1);
	}
}

static void
family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* NAME{path="P"} VALUE */
static void
child_sample(struct evbuffer *b, const char *name, const struct child *c,
    double v)
{
	evbuffer_add_printf(b, "%s{path=\"", name);
	label(b, c->path[0] != '\0' ? c->path : "/");
	evbuffer_add_printf(b, "\"} %.17g\n", v);
}

/* Restarts within the supervisor's period, as intensity counts them. */
static unsigned
intensity_used(const struct sup *s, uint64_t now)
{
	uint64_t threshold = now >= s->period_ms ? now - s->period_ms : 0;
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->r_len; i++)
		if (s->restarts[(s->r_head + i) % s->r_cap] >= threshold)
			n++;
	return n;
}

static void
child_walk_cb(struct child *c, void *arg)
{
	struct scrape *sc = arg;
	const char *f = sc->section;

	if (strcmp(f, "herd_child_up") == 0) {
		sc->states[c->state]++;
		child_sample(sc->b, f, c, c->state == CH_RUNNING);
	} else if (strcmp(f, "herd_child_restarts_total") == 0) {
		child_sample(sc->b, f, c, c->restarts);
	} else if (strcmp(f, "herd_child_start_time_seconds") == 0) {
		if (c->state == CH_RUNNING && c->started_ms != 0)
			child_sample(sc->b, f, c, sc->now_wall -
			    (double)(sc->now_mono - c->started_ms) / 1000);
	} else if (c->sup != NULL &&
	    strcmp(f, "herd_supervisor_intensity_used") == 0) {
		child_sample(sc->b, f, c, intensity_used(c->sup,
		    sc->now_mono));
	} else if (c->sup != NULL &&
	    strcmp(f, "herd_supervisor_intensity") == 0) {
		child_sample(sc->b, f, c, c->sup->intensity);
	}
}

static const struct {
	const char *name, *type, *help;
} child_families[] = {
	{ "herd_child_up", "gauge",
	    "Whether the child is running (1) or not (0)." },
	{ "herd_child_restarts_total", "counter",
	    "Restarts of the child by its supervisor (herdctl reset "
	    "clears them)." },
	{ "herd_child_start_time_seconds", "gauge",
	    "When the running child last started, in seconds since the "
	    "epoch." },
	{ "herd_supervisor_intensity_used", "gauge",
	    "Restarts within the supervisor's period_ms: it gives up past "
	    "its intensity." },
	{ "herd_supervisor_intensity", "gauge",
	    "The supervisor's intensity: restarts allowed within "
	    "period_ms." },
};

static void
control_sample_cb(void *arg, const char *op, const char *outcome, uint64_t n)
{
	struct evbuffer *b = arg;

	evbuffer_add(b, "herd_control_requests_total{op=\"", 32);
	label(b, op);
	evbuffer_add(b, "\",outcome=\"", 11);
	label(b, outcome);
	evbuffer_add_printf(b, "\"} %llu\n", (unsigned long long)n);
}

/* process_*: from /proc/self, as Prometheus' client libraries do. */
static void
process_metrics(struct evbuffer *b)
{
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	double btime = 0;
	char line[1024], *p;
	struct dirent *de;
	unsigned fds = 0;
	struct rlimit rl;
	FILE *f;
	DIR *d;

	if ((f = fopen("/proc/self/stat", "r")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL &&
		    (p = strrchr(line, ')')) != NULL)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			    "%*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu "
			    "%lld", &utime, &stime, &start, &vsize, &rss);
		fclose(f);
	}
	if ((f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "btime %lf", &btime) == 1)
				break;
		fclose(f);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--; /* the directory's own */
	}
	family(b, "process_cpu_seconds_total", "counter",
	    "herdd's user and system CPU time, in seconds.");
	evbuffer_add_printf(b, "process_cpu_seconds_total %.2f\n",
	    (double)(utime + stime) / (double)tck);
	family(b, "process_start_time_seconds", "gauge",
	    "When herdd started, in seconds since the epoch.");
	evbuffer_add_printf(b, "process_start_time_seconds %.2f\n",
	    btime + (double)start / (double)tck);
	family(b, "process_resident_memory_bytes", "gauge",
	    "herdd's resident memory, in bytes.");
	evbuffer_add_printf(b, "process_resident_memory_bytes %lld\n",
	    rss * page);
	family(b, "process_virtual_memory_bytes", "gauge",
	    "herdd's virtual memory, in bytes.");
	evbuffer_add_printf(b, "process_virtual_memory_bytes %llu\n", vsize);
	family(b, "process_open_fds", "gauge", "herdd's open file "
	    "descriptors.");
	evbuffer_add_printf(b, "process_open_fds %u\n", fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		family(b, "process_max_fds", "gauge", "herdd's limit of open "
		    "file descriptors.");
		evbuffer_add_printf(b, "process_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
	}
}

void
http_metrics(struct http *http, struct evhttp_request *req)
{
	struct herdd *h = http->h;
	struct scrape sc;
	size_t i;

	memset(&sc, 0, sizeof sc);
	sc.b = evbuffer_new();
	sc.now_mono = mono_ms();
	sc.now_wall = (double)wall_ms() / 1000;
	family(sc.b, "herd_info", "gauge", "herdd's version.");
	evbuffer_add_printf(sc.b, "herd_info{version=\"%s\"} 1\n",
	    HERD_VERSION);
	for (i = 0; i < sizeof child_families / sizeof child_families[0];
	    i++) {
		family(sc.b, child_families[i].name, child_families[i].type,
		    child_families[i].help);
		sc.section = child_families[i].name;
		if (strncmp(sc.section, "herd_supervisor", 15) == 0)
			child_walk_cb(h->root, &sc);
		tree_walk(h->root, child_walk_cb, &sc);
	}
	family(sc.b, "herd_children", "gauge", "Children in each state.");
	for (i = 0; i <= CH_EXITED; i++)
		evbuffer_add_printf(sc.b, "herd_children{state=\"%s\"} %u\n",
		    child_state_name((enum child_state)i), sc.states[i]);
	family(sc.b, "herd_events_published_total", "counter",
	    "Lifecycle events published on the event stream.");
	evbuffer_add_printf(sc.b, "herd_events_published_total %llu\n",
	    (unsigned long long)events_last_seq(h->events));
	family(sc.b, "herd_control_requests_total", "counter",
	    "Control requests answered, by op and outcome (ok or the "
	    "error's code).");
	control_stats_each(h->control, control_sample_cb, sc.b);
	family(sc.b, "herd_http_requests_total", "counter",
	    "HTTP requests received.");
	evbuffer_add_printf(sc.b, "herd_http_requests_total %llu\n",
	    (unsigned long long)http->requests);
	family(sc.b, "herd_http_connections", "gauge",
	    "HTTP connections open.");
	evbuffer_add_printf(sc.b, "herd_http_connections %zu\n",
	    http_conns_open(http));
	family(sc.b, "herd_http_event_streams", "gauge",
	    "Clients following /events.");
	evbuffer_add_printf(sc.b, "herd_http_event_streams %zu\n",
	    http->nstreams);
	process_metrics(sc.b);
	http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", sc.b);
	evbuffer_free(sc.b);
}

void
http_healthz(struct http *http, struct evhttp_request *req)
{
	(void)http;
	http_send_text(req, 200, "text/plain; charset=utf-8", "ok\n");
}

void
http_readyz(struct http *http, struct evhttp_request *req)
{
	struct herdd *h = http->h;

	if (h->engine.shutting_down)
		http_send_text(req, 503, "text/plain; charset=utf-8",
		    "shutting down\n");
	else if (h->root->state != CH_RUNNING)
		http_send_text(req, 503, "text/plain; charset=utf-8",
		    "starting\n");
	else
		http_send_text(req, 200, "text/plain; charset=utf-8",
		    "ready\n");
}
