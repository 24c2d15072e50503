/* Engine test harness: a fake world that records what the engine asks of
 * it, and drives the engine with deaths, readiness and timers. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness_engine.h"
#include "ipc.h"

void
he_log(struct he_world *w, const char *fmt, ...)
{
	va_list ap;

	assert_true(w->nlog < HE_LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(w->log[w->nlog++], HE_ENTRY_MAX, fmt, ap);
	va_end(ap);
}

static const char *
path_of(const struct child *c)
{
	return c->path[0] != '\0' ? c->path : "(root)";
}

static const char *
sig_of(int sig)
{
	static char buf[16];

	switch (sig) {
	case SIGTERM:
		return "TERM";
	case SIGKILL:
		return "KILL";
	case SIGINT:
		return "INT";
	case SIGCONT:
		return "CONT";
	default:
		snprintf(buf, sizeof buf, "%d", sig);
		return buf;
	}
}

/* Whether ENTRY's first word is one of FILTER's words ("child.*" matches
 * by prefix; "*" matches everything). */
static int
log_matches(const char *filter, const char *entry)
{
	size_t elen = strcspn(entry, " "), flen;
	const char *f = filter;

	while (*f != '\0') {
		flen = strcspn(f, " ");
		if (flen > 0 && f[flen - 1] == '*') {
			if (elen >= flen - 1 &&
			    strncmp(f, entry, flen - 1) == 0)
				return 1;
		} else if (flen == elen && strncmp(f, entry, flen) == 0) {
			return 1;
		}
		f += flen;
		while (*f == ' ')
			f++;
	}
	return 0;
}

/* The entries logged since the last take that match FILTER, joined with
 * "; "; CONSUME forgets them. Borrowed until the next call. */
static const char *
log_grab(struct he_world *w, const char *filter, int consume)
{
	size_t i, len = 0;
	int n;

	w->out[0] = '\0';
	for (i = w->taken; i < w->nlog; i++) {
		if (!log_matches(filter, w->log[i]))
			continue;
		n = snprintf(w->out + len, sizeof w->out - len, "%s%s",
		    len ? "; " : "", w->log[i]);
		assert_true(n > 0 && (size_t)n < sizeof w->out - len);
		len += (size_t)n;
	}
	if (consume)
		w->taken = w->nlog;
	return w->out;
}

const char *
he_take(struct he_world *w, const char *filter)
{
	return log_grab(w, filter, 1);
}

const char *
he_peek(struct he_world *w, const char *filter)
{
	return log_grab(w, filter, 0);
}

void
he_forget_log(struct he_world *w)
{
	w->taken = w->nlog;
}

static struct he_knob *
knob_find(struct he_world *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->nknobs; i++)
		if (strcmp(w->knobs[i].path, path) == 0)
			return &w->knobs[i];
	return NULL;
}

/* PATH's knob, made if need be. */
struct he_knob *
he_knob(struct he_world *w, const char *path)
{
	struct he_knob *k = knob_find(w, path);

	if (k != NULL)
		return k;
	assert_true(w->nknobs < HE_NKNOBS);
	k = &w->knobs[w->nknobs++];
	snprintf(k->path, sizeof k->path, "%s", path);
	return k;
}

/* Forgets c's pending deaths and timers (c is gone or has no process). */
static void
forget_child(struct he_world *w, const struct child *c)
{
	size_t i = 0;

	while (i < w->nsig) {
		if (w->sig[i].c == c) {
			memmove(&w->sig[i], &w->sig[i + 1],
			    (--w->nsig - i) * sizeof w->sig[0]);
			continue;
		}
		i++;
	}
	for (i = 0; i < w->ntimers; i++)
		if (w->timers[i] == c) {
			memmove(&w->timers[i], &w->timers[i + 1],
			    (--w->ntimers - i) * sizeof w->timers[0]);
			break;
		}
	for (i = 0; i < w->nretries; i++)
		if (w->retries[i].c == c) {
			memmove(&w->retries[i], &w->retries[i + 1],
			    (--w->nretries - i) * sizeof w->retries[0]);
			break;
		}
}

/* ---- the engine's ops, recorded ---- */

static uint64_t
op_now_ms(void *ctx)
{
	struct he_world *w = ctx;

	return w->now;
}

static int
op_spawn(void *ctx, struct child *c, char *cause, size_t len)
{
	struct he_world *w = ctx;
	struct he_knob *k = knob_find(w, c->path);

	assert_int_equal(c->type, CONF_WORKER);
	if (c->pid != 0)
		he_log(w, "bug spawn %s while it has pid %d", path_of(c),
		    (int)c->pid);
	if (k != NULL && k->fail_next > 0) {
		k->fail_next--;
		he_log(w, "spawn %s failed", path_of(c));
		snprintf(cause, len, "exec x: No such file or directory");
		return -1;
	}
	c->pid = w->next_pid++;
	he_log(w, "spawn %s", path_of(c));
	return k != NULL && k->wait_ready ? 0 : 1;
}

static void
op_kill(void *ctx, struct child *c, int sig)
{
	struct he_world *w = ctx;
	size_t i;

	if (sig == SIGCONT) {
		w->conts++;
		return;
	}
	he_log(w, "kill %s %s", path_of(c), sig_of(sig));
	if (c->pid <= 0) {
		he_log(w, "bug kill %s without a process", path_of(c));
		return;
	}
	for (i = 0; i < w->nsig; i++)
		if (w->sig[i].pid == c->pid) {
			w->sig[i].sig = sig;
			return;
		}
	assert_true(w->nsig < HE_NPEND);
	w->sig[w->nsig++] = (struct he_signalled){ c, c->pid, sig };
}

static void
op_stop_timer(void *ctx, struct child *c, long ms)
{
	struct he_world *w = ctx;
	size_t i;

	he_log(w, "timer %s %ld", path_of(c), ms);
	for (i = 0; i < w->ntimers; i++)
		if (w->timers[i] == c)
			return;
	assert_true(w->ntimers < HE_NPEND);
	w->timers[w->ntimers++] = c;
}

static void
op_cancel_timer(void *ctx, struct child *c)
{
	struct he_world *w = ctx;
	size_t i;

	he_log(w, "cancel %s", path_of(c));
	for (i = 0; i < w->ntimers; i++)
		if (w->timers[i] == c) {
			memmove(&w->timers[i], &w->timers[i + 1],
			    (--w->ntimers - i) * sizeof w->timers[0]);
			return;
		}
}

static void
op_retry_timer(void *ctx, struct child *c, unsigned ms)
{
	struct he_world *w = ctx;
	size_t i;

	he_log(w, "retry %s %u", path_of(c), ms);
	for (i = 0; i < w->nretries; i++)
		if (w->retries[i].c == c) {
			w->retries[i].gen = c->gen;
			return;
		}
	assert_true(w->nretries < HE_NPEND);
	w->retries[w->nretries++] = (struct he_retry){ c, c->gen };
}

static void
op_event(void *ctx, const char *topic, struct child *c, const char *reason)
{
	struct he_world *w = ctx;

	he_log(w, "%s %s%s%s", topic, path_of(c), reason ? " " : "",
	    reason ? reason : "");
}

static void
op_finish(void *ctx, int code, const char *why)
{
	struct he_world *w = ctx;

	he_log(w, "finish %d %s", code, why);
	if (w->finished)
		he_log(w, "bug finish twice");
	w->finished = 1;
	w->finish_code = code;
	snprintf(w->finish_why, sizeof w->finish_why, "%s", why);
}

static void
op_release(void *ctx, struct child *c)
{
	struct he_world *w = ctx;

	he_log(w, "release %s", path_of(c));
	forget_child(w, c);
}

static const struct engine_ops fake_ops = {
	.now_ms = op_now_ms,
	.spawn = op_spawn,
	.kill = op_kill,
	.stop_timer = op_stop_timer,
	.cancel_timer = op_cancel_timer,
	.retry_timer = op_retry_timer,
	.event = op_event,
	.finish = op_finish,
	.release = op_release,
};

/* ---- driving the world ---- */

void
he_load(struct he_world *w, const char *sq)
{
	struct conf_errors errs = { NULL, 0 };
	char *text = strdup(sq), *p;
	size_t i;

	assert_non_null(text);
	for (p = text; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	if (conf_parse("test.json", text, strlen(text), &w->conf,
	    &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			print_error("%s\n", errs.msgs[i]);
		conf_errors_clear(&errs);
		free(text);
		fail_msg("bad test config");
	}
	free(text);
	w->root = tree_create(w->conf);
	engine_init(&w->e, &fake_ops, w, w->root);
}

void
he_boot(struct he_world *w, const char *sq)
{
	he_load(w, sq);
	engine_boot(&w->e);
	he_forget_log(w);
}

struct child *
he_find(struct he_world *w, const char *path)
{
	struct child *c = tree_find(w->root, path);

	if (c == NULL)
		fail_msg("no child %s", path);
	return c;
}

pid_t
he_pid(struct he_world *w, const char *path)
{
	return he_find(w, path)->pid;
}

enum child_state
he_state(struct he_world *w, const char *path)
{
	return he_find(w, path)->state;
}

void
he_die_child(struct he_world *w, struct child *c, int status)
{
	forget_child(w, c);
	he_log(w, "died %s", path_of(c));
	engine_child_exited(&w->e, c, status);
}

void
he_die(struct he_world *w, const char *path, int status)
{
	he_die_child(w, he_find(w, path), status);
}

int
he_death(struct he_world *w)
{
	struct he_signalled s;

	while (w->nsig > 0) {
		s = w->sig[0];
		memmove(&w->sig[0], &w->sig[1], --w->nsig * sizeof w->sig[0]);
		if (s.c->pid != s.pid)
			continue; /* already reported */
		he_log(w, "died %s", path_of(s.c));
		engine_child_exited(&w->e, s.c, s.sig);
		return 1;
	}
	return 0;
}

void
he_deaths(struct he_world *w)
{
	int n = 0;

	while (he_death(w))
		assert_true(++n < 1000);
}

int
he_fire_timer(struct he_world *w)
{
	struct child *c;

	if (w->ntimers == 0)
		return 0;
	c = w->timers[0];
	memmove(&w->timers[0], &w->timers[1],
	    --w->ntimers * sizeof w->timers[0]);
	he_log(w, "timeout %s", path_of(c));
	engine_stop_timeout(&w->e, c);
	return 1;
}

int
he_fire_retry(struct he_world *w)
{
	struct he_retry r;

	if (w->nretries == 0)
		return 0;
	r = w->retries[0];
	memmove(&w->retries[0], &w->retries[1],
	    --w->nretries * sizeof w->retries[0]);
	he_log(w, "fire %s", path_of(r.c));
	engine_retry(&w->e, r.c, r.gen);
	return 1;
}

void
he_ready(struct he_world *w, const char *path)
{
	engine_child_ready(&w->e, he_find(w, path));
}

const char *
he_cmd(struct he_world *w, he_cmd_fn fn, const char *path)
{
	const char *code = NULL;
	char cause[256];

	if (fn(&w->e, he_find(w, path), &code, cause, sizeof cause) == 0)
		return "ok";
	assert_non_null(code);
	return code;
}

int
he_setup(void **state)
{
	struct he_world *w = calloc(1, sizeof *w);

	if (w == NULL)
		return -1;
	w->param = *state;
	w->now = T0;
	w->next_pid = 100;
	*state = w;
	return 0;
}

int
he_teardown(void **state)
{
	struct he_world *w = *state;

	tree_destroy(w->root);
	conf_free(w->conf);
	free(w);
	return 0;
}
