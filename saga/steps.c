/*
 * Step sagas (docs/sagas.md "Step sagas"; SAGAS.md X7): sagas declared
 * in herd.json, without code, run by the coordinator itself. Steps run
 * in order, each a command (exit 0 is success) or a job on a saga worker
 * actor, with its timeout and retries. When a step fails for good, the
 * completed steps' compensations run in reverse order, one after
 * another, each with its own retries; one that still fails is reported
 * (stderr, tx.compensation_failed) and the next goes on. In a two_phase
 * step saga the actor steps are prepared and committed with the TX, and
 * aborted instead of compensated.
 *
 * Each step and compensation is journaled (and synced) before it starts:
 * a coordinator restarted in the middle of a step saga compensates it,
 * from the step that was running (its outcome is unknown: compensations
 * must be idempotent), down to the first.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "coord.h"
#include "herdi.h"

struct steps {
	int step;             /* the step whose action or compensation runs */
	int compensating;
	int done;             /* compensations over: coord_abort may end it */
	unsigned attempt;     /* of the current action, from 1 */
	pid_t pid;            /* a command running, 0 if none */
	int pidfd;
	struct event *ev;
	int timed_out;        /* we killed the command */
	herd_ref timer;       /* a command's timeout, or a retry's delay */
	int retry_due;        /* the timer is a retry's delay */
	int waiting_sync;     /* its record written, the sync not done */
	char job[HERDI_TX_JOB_MAX]; /* the actor step's job, "" if none */
	cJSON *results;       /* step name -> its result */
	char why[256];        /* what started the compensations */
	char failed[256];     /* compensations that failed for good */
	int recovered;        /* read back from the journal */
};

static const struct conf_sagas *defs;

void
steps_config(const struct conf_sagas *s)
{
	defs = s;
}

const struct conf_saga *
steps_find(const char *name)
{
	for (size_t i = 0; defs != NULL && i < defs->n; i++)
		if (strcmp(defs->v[i].name, name) == 0)
			return &defs->v[i];
	return NULL;
}

static void begin(struct ctx *t);

static const struct conf_step *
cur(const struct ctx *t)
{
	return &t->stepdef->steps[t->run->step];
}

static const struct conf_action *
cur_action(const struct ctx *t)
{
	return t->run->compensating ? &cur(t)->compensate : &cur(t)->action;
}

/* The progress record: which step (or compensation) starts now. */
static cJSON *
progress_record(const struct ctx *t)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "r", "step");
	cJSON_AddStringToObject(rec, "tx", t->id);
	cJSON_AddStringToObject(rec, "saga", t->saga);
	cJSON_AddNumberToObject(rec, "step", t->run->step);
	cJSON_AddBoolToObject(rec, "compensate", t->run->compensating);
	if (t->value != NULL)
		cJSON_AddItemToObject(rec, "value", cJSON_Duplicate(t->value, 1));
	if (t->run->why[0] != '\0')
		cJSON_AddStringToObject(rec, "why", t->run->why);
	return rec;
}

cJSON *
steps_compact_record(const struct ctx *t)
{
	return t->run != NULL && t->stepdef != NULL ? progress_record(t) :
	    NULL;
}

int
steps_end_durable(struct ctx *t)
{
	cJSON *rec = cJSON_CreateObject();
	int rv;

	cJSON_AddStringToObject(rec, "r", "end");
	cJSON_AddStringToObject(rec, "tx", t->id);
	rv = herdi_journal_append(&C.j, rec);
	cJSON_Delete(rec);
	if (rv == 0)
		rv = herdi_journal_sync(&C.j);
	if (rv == 0)
		return 0;
	/* not on disk: a restart would compensate it, so it is not
	 * committed; compensate now, from the last step */
	C.journal_errno = -rv;
	snprintf(t->run->why, sizeof t->run->why, "journal: %s",
	    strerror(-rv));
	t->run->compensating = 1;
	t->run->step = (int)t->stepdef->nsteps - 1;
	begin(t);
	return -1;
}

int
steps_compensating(const struct ctx *t)
{
	return t->run != NULL && t->run->compensating;
}

void
steps_end_record(struct ctx *t)
{
	cJSON *rec;

	if (t->run == NULL)
		return;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "r", "end");
	cJSON_AddStringToObject(rec, "tx", t->id);
	(void)herdi_journal_append(&C.j, rec);
	cJSON_Delete(rec);
}

static void
stop_command(struct steps *r)
{
	if (r->ev != NULL) {
		event_free(r->ev);
		r->ev = NULL;
	}
	if (r->pidfd >= 0) {
		close(r->pidfd);
		r->pidfd = -1;
	}
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		(void)waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
}

void
steps_free(struct ctx *t)
{
	struct steps *r = t->run;

	if (r == NULL)
		return;
	stop_command(r);
	if (r->timer != 0)
		(void)herd_cancel_timer(C.self, r->timer);
	cJSON_Delete(r->results);
	free(r);
	t->run = NULL;
}

/* The current action ended: RESULT, or FAILED with why. */
static void
outcome(struct ctx *t, const cJSON *result, const char *failed)
{
	struct steps *r = t->run;
	const struct conf_step *st = cur(t);
	cJSON *d;
	char why[256];

	r->job[0] = '\0';
	if (failed == NULL) {
		if (!r->compensating) {
			cJSON_AddItemToObject(r->results, st->name, result ?
			    cJSON_Duplicate(result, 1) : cJSON_CreateTrue());
			r->step++;
		} else
			r->step--;
		begin(t);
		return;
	}
	if (r->attempt <= st->retries) {
		/* retried per its policy */
		r->attempt++;
		r->retry_due = 1;
		fprintf(stderr, "herd.tx: %s: %s %s failed (%s): attempt %u in "
		    "%u ms\n", t->id, r->compensating ? "compensation of" :
		    "step", st->name, failed, r->attempt, st->retry_delay_ms);
		if (herd_send_after(C.self, herd_self(C.self), "herd.tx.retry",
		    13, (int)st->retry_delay_ms, &r->timer) != 0)
			r->timer = 0;
		return;
	}
	snprintf(why, sizeof why, "step %s failed: %s", st->name, failed);
	if (!r->compensating) {
		/* X7: the failed step is not compensated, those before are */
		snprintf(r->why, sizeof r->why, "%s", why);
		r->compensating = 1;
		r->step--;
		begin(t);
		return;
	}
	/* a compensation that fails for good: never skipped silently */
	fprintf(stderr, "herd.tx: %s: WARNING: compensation of step %s failed "
	    "for good: %s\n", t->id, st->name, failed);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "tx", t->id);
	cJSON_AddStringToObject(d, "saga", t->saga);
	cJSON_AddStringToObject(d, "step", st->name);
	cJSON_AddStringToObject(d, "reason", failed);
	herdi_tx_publish(C.self, "tx.compensation_failed", d);
	snprintf(r->failed + strlen(r->failed), sizeof r->failed -
	    strlen(r->failed), "%s%s", r->failed[0] ? ", " : "", st->name);
	r->step--;
	begin(t);
}

static void
command_ended(evutil_socket_t fd, short what, void *arg)
{
	struct ctx *t = arg;
	struct steps *r = t->run;
	char why[64];
	int st = 0;

	if (waitpid(r->pid, &st, 0) != r->pid)
		st = -1;
	/* what it left in its process group goes with it */
	kill(-r->pid, SIGKILL);
	r->pid = 0;
	stop_command(r);
	if (r->timer != 0) {
		(void)herd_cancel_timer(C.self, r->timer);
		r->timer = 0;
	}
	if (r->timed_out)
		snprintf(why, sizeof why, "timeout");
	else if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		why[0] = '\0';
	else if (st >= 0 && WIFEXITED(st))
		snprintf(why, sizeof why, "exit:%d", WEXITSTATUS(st));
	else if (st >= 0 && WIFSIGNALED(st))
		snprintf(why, sizeof why, "signal:%d", WTERMSIG(st));
	else
		snprintf(why, sizeof why, "lost");
	r->timed_out = 0;
	outcome(t, NULL, why[0] != '\0' ? why : NULL);
	herdi_after_callback(C.self);
}

extern char **environ;

/* The executable ARGV0 names, found in PATH as execvp would, in the
 * parent: the child may only make async-signal-safe calls (nng's
 * threads may hold malloc's lock at the fork). Caller frees. */
static char *
resolve(const char *argv0)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[4096];

	if (strchr(argv0, '/') != NULL)
		return strdup(argv0);
	for (p = path ? path : "/usr/bin:/bin"; *p != '\0'; p = colon + 1) {
		size_t n;
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? p : ".",
		    argv0) < (int)sizeof buf && access(buf, X_OK) == 0)
			return strdup(buf);
		if (colon == NULL)
			break;
	}
	return NULL;
}

/* This process's environment with the step's HERD_TX_* (caller frees
 * the array and the strings it added, from index *FIRST on). */
static char **
step_env(const struct ctx *t, size_t *first)
{
	const struct steps *r = t->run;
	char *value = t->value != NULL ? cJSON_PrintUnformatted(t->value) :
	    NULL;
	size_t n = 0, k;
	char **env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 8, sizeof *env)) == NULL) {
		cJSON_free(value);
		return NULL;
	}
	for (k = 0; k < n; k++)
		if (strncmp(environ[k], "HERD_", 5) != 0 ||
		    strncmp(environ[k], "HERD_NODE=", 10) == 0)
			env[(*first)++] = environ[k];
	k = *first;
	if (asprintf(&env[k++], "HERD_TX_ID=%s", t->id) < 0 ||
	    asprintf(&env[k++], "HERD_TX_SAGA=%s", t->saga) < 0 ||
	    asprintf(&env[k++], "HERD_TX_STEP=%s", cur(t)->name) < 0 ||
	    asprintf(&env[k++], "HERD_TX_VALUE=%s", value ? value : "null") <
	    0 || asprintf(&env[k++], "HERD_TX_ATTEMPT=%u", r->attempt) < 0 ||
	    asprintf(&env[k++], "HERD_TX_PHASE=%s", r->compensating ?
	    "compensate" : "action") < 0 ||
	    asprintf(&env[k++], "HERD_TX_REASON=%s", r->why) < 0)
		env[--k] = NULL;
	cJSON_free(value);
	return env;
}

/* Runs the current command: its own process group, killed at its
 * timeout or with the coordinator (PR_SET_PDEATHSIG). */
static void
run_command(struct ctx *t, const struct conf_action *a)
{
	struct steps *r = t->run;
	char *file = resolve(a->argv[0]);
	size_t first = 0;
	char **env = file != NULL ? step_env(t, &first) : NULL;
	pid_t pid = -1, me = getpid();
	int err = ENOENT;

	if (env != NULL) {
		pid = fork();
		if (pid == 0) {
			/* async-signal-safe calls only, up to exec */
			setpgid(0, 0);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(127); /* the coordinator died first */
			execve(file, a->argv, env);
			_exit(127);
		}
		err = errno;
		for (size_t i = first; env[i] != NULL; i++)
			free(env[i]);
		free(env);
	}
	free(file);
	if (pid < 0) {
		char why[128];
		snprintf(why, sizeof why, "%s: %s", a->argv[0], strerror(err));
		outcome(t, NULL, why);
		return;
	}
	setpgid(pid, pid);
	r->pid = pid;
	r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		kill(-pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		r->pid = 0;
		outcome(t, NULL, "pidfd_open failed");
		return;
	}
	r->ev = event_new(C.self->base, r->pidfd, EV_READ, command_ended, t);
	event_add(r->ev, NULL);
	r->retry_due = 0;
	if (herd_send_after(C.self, herd_self(C.self), "herd.tx.step", 12,
	    (int)cur(t)->timeout_ms, &r->timer) != 0)
		r->timer = 0;
}

static void
run_action(struct ctx *t)
{
	const struct conf_action *a = cur_action(t);
	struct steps *r = t->run;
	cJSON *v = NULL;
	char local[HERDI_TX_JOB_MAX];

	if (a->kind == CONF_ACTION_COMMAND) {
		run_command(t, a);
		return;
	}
	v = a->value != NULL ? cJSON_Parse(a->value) : (t->value != NULL ?
	    cJSON_Duplicate(t->value, 1) : NULL);
	snprintf(local, sizeof local, "s%d%c%u", r->step,
	    r->compensating ? 'c' : 'a', r->attempt);
	snprintf(r->job, sizeof r->job, "%s", local);
	/* its failure comes back through steps_job_done at once, or later */
	(void)coord_start_job(t, 0, local, a->actor, v,
	    (int64_t)cur(t)->timeout_ms, r->compensating);
	cJSON_Delete(v);
}

/* Starts the current action after its record is on disk. */
static void
begin(struct ctx *t)
{
	struct steps *r = t->run;
	cJSON *rec;
	char why[600];

	for (;;) {
		if (!r->compensating && r->step >= (int)t->stepdef->nsteps) {
			/* every step done: the final value is their results */
			cJSON *final = cJSON_Duplicate(r->results, 1);
			coord_final(t, final);
			cJSON_Delete(final);
			return;
		}
		if (r->compensating && r->step < 0) {
			r->done = 1;
			if (r->failed[0] != '\0')
				snprintf(why, sizeof why, "%s; compensation "
				    "failed: %s", r->why, r->failed);
			else
				snprintf(why, sizeof why, "%s", r->why);
			coord_abort(t, why);
			return;
		}
		/* nothing to compensate: no compensation, or an actor step
		 * of a two_phase saga (aborted with the TX instead) */
		if (r->compensating && (cur(t)->compensate.kind ==
		    CONF_ACTION_NONE || (t->two_phase &&
		    cur(t)->action.kind == CONF_ACTION_ACTOR))) {
			r->step--;
			continue;
		}
		break;
	}
	r->attempt = 1;
	rec = progress_record(t);
	if (herdi_journal_append(&C.j, rec) != 0 && !r->compensating) {
		/* not journaled, not started: compensate what was done */
		cJSON_Delete(rec);
		snprintf(r->why, sizeof r->why, "journal: %s",
		    strerror(C.j.failed));
		C.journal_errno = C.j.failed;
		r->compensating = 1;
		r->step--;
		begin(t);
		return;
	}
	cJSON_Delete(rec);
	r->waiting_sync = 1;
	coord_sync_later();
}

void
steps_synced(struct ctx *t)
{
	if (t->run == NULL || !t->run->waiting_sync)
		return;
	t->run->waiting_sync = 0;
	run_action(t);
}

void
steps_start(struct ctx *t)
{
	if ((t->run = calloc(1, sizeof *t->run)) == NULL) {
		coord_abort(t, "out of memory");
		return;
	}
	t->run->pidfd = -1;
	t->run->results = cJSON_CreateObject();
	begin(t);
}

void
steps_job_done(struct ctx *t, struct job *j, const cJSON *v,
    const char *failed)
{
	struct steps *r = t->run;

	if (r == NULL || strcmp(j->local, r->job) != 0)
		return;
	if (failed != NULL)
		j->state = J_CANCELLED; /* not a participant of its commit */
	outcome(t, v, failed);
}

int
steps_timer(herd_ref ref)
{
	for (struct ctx *t = C.txs; t != NULL; t = t->next) {
		struct steps *r = t->run;
		if (r == NULL || r->timer != ref || ref == 0)
			continue;
		r->timer = 0;
		if (r->retry_due) {
			r->retry_due = 0;
			run_action(t);
		} else if (r->pid > 0) {
			r->timed_out = 1;
			kill(-r->pid, SIGKILL); /* command_ended follows */
		}
		return 1;
	}
	return 0;
}

int
steps_abort(struct ctx *t, const char *reason)
{
	struct steps *r = t->run;

	if (r == NULL || r->done)
		return 0;
	if (r->compensating)
		return 1; /* already on its way down */
	/* an abort from outside (cancel, lifespan): the running step is
	 * stopped (failed: not compensated), the done ones compensated */
	stop_command(r);
	if (r->timer != 0) {
		(void)herd_cancel_timer(C.self, r->timer);
		r->timer = 0;
	}
	r->retry_due = 0;
	if (r->job[0] != '\0') {
		struct job *j = coord_local_job(t, 0, r->job);
		if (j != NULL && j->state == J_STARTED) {
			coord_abort_job(t, j, reason);
			j->state = J_CANCELLED;
		}
		r->job[0] = '\0';
	}
	snprintf(r->why, sizeof r->why, "%s", reason);
	r->compensating = 1;
	r->waiting_sync = 0;
	r->step--;
	begin(t);
	return 1;
}

int
steps_replay(const cJSON *rec)
{
	const char *id = herdi_tx_str(rec, "tx"), *saga = herdi_tx_str(rec,
	    "saga"), *why = herdi_tx_str(rec, "why");
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(rec, "step");
	herd_id none = { 0 };
	struct ctx *t;

	if (!herdi_tx_id_ok(id, HERDI_TX_ID_MAX) || saga == NULL ||
	    !cJSON_IsNumber(step))
		return -1;
	if ((t = coord_find(id)) == NULL) {
		if ((t = coord_new_tx(saga, none)) == NULL)
			return -1;
		snprintf(t->id, sizeof t->id, "%s", id);
		t->hops[0].internal = 1;
		t->value = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec,
		    "value"), 1);
		if ((t->run = calloc(1, sizeof *t->run)) == NULL)
			return -1;
		t->run->pidfd = -1;
		t->run->results = cJSON_CreateObject();
		t->run->recovered = 1;
	}
	if (t->run == NULL)
		return 0;
	t->run->step = step->valueint;
	t->run->compensating = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    rec, "compensate"));
	if (why != NULL)
		snprintf(t->run->why, sizeof t->run->why, "%s", why);
	return 0;
}

void
steps_recover(void)
{
	for (struct ctx *t = C.txs, *next; t != NULL; t = next) {
		struct steps *r = t->run;
		next = t->next;
		if (r == NULL || !r->recovered)
			continue;
		r->recovered = 0;
		t->started_ms = coord_now_ms();
		t->deadline_ms = t->started_ms + COORD_DEFAULT_LIFESPAN_MS;
		t->stepdef = steps_find(t->saga);
		if (t->stepdef == NULL || r->step < 0 ||
		    r->step >= (int)t->stepdef->nsteps) {
			fprintf(stderr, "herd.tx: %s: WARNING: step saga \"%s\" "
			    "is not in the config (or changed): its done steps "
			    "cannot be compensated\n", t->id, t->saga);
			r->done = 1;
			coord_abort(t, "step saga not in the config: not "
			    "compensated");
			continue;
		}
		t->two_phase = t->stepdef->two_phase;
		if (!r->compensating) {
			/* the step that ran may have done its work */
			snprintf(r->why, sizeof r->why, "coordinator restarted "
			    "during step %s", cur(t)->name);
			r->compensating = 1;
		}
		fprintf(stderr, "herd.tx: %s: compensating step saga %s from "
		    "step %s\n", t->id, t->saga, cur(t)->name);
		begin(t);
	}
}

void
steps_describe(const struct ctx *t, cJSON *o)
{
	const struct steps *r = t->run;

	if (r == NULL || t->stepdef == NULL || r->step < 0 ||
	    r->step >= (int)t->stepdef->nsteps)
		return;
	cJSON_AddStringToObject(o, "step", cur(t)->name);
	cJSON_AddStringToObject(o, "phase", r->compensating ? "compensate" :
	    "action");
	cJSON_AddNumberToObject(o, "attempt", r->attempt);
	if (r->why[0] != '\0')
		cJSON_AddStringToObject(o, "why", r->why);
}
