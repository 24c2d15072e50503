/*
 * testsaga: a scriptable saga and worker for the saga tests. Every
 * callback appends a line to LOG ("new TX", "done TX FINAL", "cancel TX
 * REASON", "start TX", "commit TX", "interim TX JOB N", ...).
 *   testsaga saga LOG [MAX_TX]
 *     value {"jobs":[{"worker":W,"value":V,"timeout_ms":T}...],
 *            "forward":[{"saga":S,"value":V,"timeout_ms":T}...],
 *            "interim":I, "reroute":S2, "final":F}: starts the jobs and
 *     forwards the TX to the next hops; once each gave its result the TX
 *     is done with F (a hop first sends I as an interim). A job's
 *     failure cancels the TX; a hop's failure forwards the TX to S2
 *     once if "reroute" is there (trap_cancel), else cancels it.
 *   testsaga worker JOURNAL LOG
 *     a job's value {"act":A,...}: "result" (the default) answers with
 *     the value, "fail" fails with "reason", "hold" does not answer,
 *     "interims" sends "n" interims first, "exit" ends the worker
 *     ("boom") before answering. Its saved state counts commits per TX
 *     ({"op":"state"} answers it), so a test can see each applied once.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <herd.h>

static const char *logpath;

static void
logf_(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if ((fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return;
	if (write(fd, buf, (size_t)n) != n) {
		/* a test reading the log sees what is missing */
	}
	close(fd);
}

static char *
text(const cJSON *v)
{
	static char buf[512];
	char *t = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

	snprintf(buf, sizeof buf, "%s", t ? t : "null");
	cJSON_free(t);
	return buf;
}

/* ---- the saga ---- */

struct stx {
	int jobs, results;
	cJSON *final, *reroute;
};

static int
s_new(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(value, "jobs"), *j;
	struct stx *s = calloc(1, sizeof *s);
	char id[32];
	int rv;

	logf_("new %s", herd_tx_id(tx));
	s->final = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(value,
	    "final"), 1);
	s->reroute = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(value,
	    "reroute"), 1);
	herd_tx_set_data(tx, s);
	if (herd_tx_hop(tx) != NULL && cJSON_GetObjectItemCaseSensitive(value,
	    "interim") != NULL)
		herd_saga_interim(self, tx, cJSON_GetObjectItemCaseSensitive(
		    value, "interim"));
	cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(value,
	    "forward")) {
		const cJSON *sg = cJSON_GetObjectItemCaseSensitive(j, "saga");
		const cJSON *to = cJSON_GetObjectItemCaseSensitive(j,
		    "timeout_ms");
		rv = herd_saga_forward(self, tx, cJSON_IsString(sg) ?
		    sg->valuestring : "", cJSON_GetObjectItemCaseSensitive(j,
		    "value"), cJSON_IsNumber(to) ? to->valueint : 0, id);
		if (rv != 0)
			return rv;
		s->jobs++;
	}
	cJSON_ArrayForEach(j, jobs) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "worker");
		const cJSON *to = cJSON_GetObjectItemCaseSensitive(j,
		    "timeout_ms");
		rv = herd_saga_start_job(self, tx, cJSON_IsString(w) ?
		    w->valuestring : "", cJSON_GetObjectItemCaseSensitive(j,
		    "value"), cJSON_IsNumber(to) ? to->valueint : 0, id);
		if (rv != 0)
			return rv;
		s->jobs++;
	}
	if (s->jobs == 0)
		return herd_saga_done(self, tx, s->final);
	return 0;
}

static int
s_interim(herd_actor *self, herd_tx *tx, const char *job, const cJSON *v)
{
	logf_("interim %s %s %s", herd_tx_id(tx), job, text(v));
	return 0;
}

static int
s_result(herd_actor *self, herd_tx *tx, const char *job, const cJSON *v)
{
	struct stx *s = herd_tx_data(tx);

	logf_("result %s %s", herd_tx_id(tx), job);
	if (++s->results == s->jobs)
		return herd_saga_done(self, tx, s->final);
	return 0;
}

static int
s_next_interim(herd_actor *self, herd_tx *tx, const char *hop,
    const cJSON *v)
{
	logf_("next_interim %s %s %s", herd_tx_id(tx), hop, text(v));
	return 0;
}

static int
s_next_result(herd_actor *self, herd_tx *tx, const char *hop,
    const cJSON *v)
{
	struct stx *s = herd_tx_data(tx);

	logf_("next_result %s %s %s", herd_tx_id(tx), hop, text(v));
	if (++s->results == s->jobs)
		return herd_saga_done(self, tx, s->final);
	return 0;
}

/* trap_cancel: the first failed hop is forwarded to "reroute" */
static int
s_next_failed(herd_actor *self, herd_tx *tx, const char *hop,
    const char *reason)
{
	struct stx *s = herd_tx_data(tx);
	char id[32];
	int rv;

	logf_("next_failed %s %s %s", herd_tx_id(tx), hop, reason);
	if (!cJSON_IsString(s->reroute))
		return herd_saga_cancel(self, tx, reason);
	rv = herd_saga_forward(self, tx, s->reroute->valuestring, NULL, 0, id);
	cJSON_Delete(s->reroute);
	s->reroute = NULL;
	return rv;
}

static void
s_free(herd_tx *tx)
{
	struct stx *s = herd_tx_data(tx);

	if (s != NULL) {
		cJSON_Delete(s->reroute);
		cJSON_Delete(s->final);
		free(s);
	}
	herd_tx_set_data(tx, NULL);
}

static int
s_done(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	logf_("done %s %s", herd_tx_id(tx), text(final));
	s_free(tx);
	return 0;
}

static int
s_cancel(herd_actor *self, herd_tx *tx, const char *reason)
{
	logf_("cancel %s %s", herd_tx_id(tx), reason);
	s_free(tx);
	return 0;
}

/* ---- the worker ---- */

static int
w_start(herd_actor *self, herd_tx *tx, const cJSON *value)
{
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(value, "act");
	const char *a = cJSON_IsString(act) ? act->valuestring : "result";

	logf_("start %s", herd_tx_id(tx));
	if (strcmp(a, "fail") == 0)
		return herd_worker_fail(self, tx, "told_to_fail");
	if (strcmp(a, "hold") == 0)
		return 0;
	if (strcmp(a, "exit") == 0) {
		herd_exit(self, "boom");
		return 0;
	}
	if (strcmp(a, "interims") == 0) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(value, "n");
		for (int i = 1; cJSON_IsNumber(n) && i <= n->valueint; i++) {
			cJSON *v = cJSON_CreateNumber(i);
			herd_worker_interim(self, tx, v);
			cJSON_Delete(v);
		}
	}
	return herd_worker_result(self, tx, value);
}

static int
w_cancel(herd_actor *self, herd_tx *tx, const char *reason)
{
	logf_("cancel %s %s", herd_tx_id(tx), reason);
	return 0;
}

/* The durable state: {"commits": {TX: times applied}}. */
static int
w_commit(herd_actor *self, herd_tx *tx, const cJSON *final)
{
	const cJSON *saved = herd_worker_saved(self);
	cJSON *st = saved ? cJSON_Duplicate(saved, 1) : cJSON_CreateObject();
	cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "commits"), *n;

	logf_("commit %s %s", herd_tx_id(tx), text(final));
	if (c == NULL)
		c = cJSON_AddObjectToObject(st, "commits");
	if ((n = cJSON_GetObjectItemCaseSensitive(c, herd_tx_id(tx))) != NULL)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else
		cJSON_AddNumberToObject(c, herd_tx_id(tx), 1);
	herd_worker_save(self, st);
	cJSON_Delete(st);
	return 0;
}

static int
w_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	const cJSON *saved = herd_worker_saved(self);
	cJSON *r = saved ? cJSON_Duplicate(saved, 1) : cJSON_CreateObject();
	int rv = herd_reply_json(self, ref, r);

	cJSON_Delete(r);
	return rv;
}

static int
w_init(herd_actor *self, int argc, char **argv)
{
	logf_("init");
	return 0;
}

int
main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "saga") == 0) {
		static const struct herd_saga_ops s = {
			.tx_new = s_new,
			.job_interim = s_interim,
			.job_result = s_result,
			.tx_done = s_done,
			.tx_cancel = s_cancel,
			.next_interim = s_next_interim,
			.next_result = s_next_result,
			.next_failed = s_next_failed,
		};
		logpath = argv[2];
		return herd_saga_run(&s, argc == 4 ? atoi(argv[3]) : 0, NULL,
		    NULL, argc, argv);
	}
	/* a worker started for a job has one more argument, libherd's */
	if (argc >= 4 && strcmp(argv[1], "worker") == 0) {
		static const struct herd_worker_ops w = {
			.start = w_start,
			.cancel = w_cancel,
			.commit = w_commit,
		};
		static const struct herd_actor_ops ops = {
			.init = w_init,
			.handle_call = w_call,
		};
		logpath = argv[3];
		return herd_worker_run(argv[2], &w, &ops, NULL, argc, argv);
	}
	fprintf(stderr, "usage: testsaga saga LOG [MAX_TX] | testsaga worker "
	    "JOURNAL LOG\n");
	return 2;
}
