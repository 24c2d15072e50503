/*
 * The engine's ops done for real: spawning with captured output and
 * readiness listeners, signals to process groups, libevent timers, events
 * published on the bus, and the reaper that turns SIGCHLD into reports.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "admit.h"
#include "events.h"
#include "herdd.h"
#include "log.h"
#include "mailbox.h"
#include "output.h"
#include "pidmap.h"
#include "ready.h"
#include "sdnotify.h"
#include "util.h"

enum timer_kind { T_NONE, T_STOP, T_RETRY, T_READY, T_WATCHDOG };

/* What the driver keeps per child, made at its first start. */
struct drv {
	struct herdd *h;
	struct child *c;
	struct event *timer;
	struct event *exit_ev;   /* on pidfd: readable when the child ends */
	int pidfd;               /* -1: left to the SIGCHLD sweep */
	int ended;               /* on h->ended */
	struct drv *next_ended;
	enum timer_kind timer_kind;
	int64_t timer_due;       /* wall clock ms when it fires */
	unsigned retry_gen;
	struct ready *ready;
	struct logfile *out, *err;
	char *exe;
	struct cgroup_run *cg;   /* this start's cgroups (cgroup.c), or NULL */
};

static void timer_cb(evutil_socket_t fd, short what, void *arg);
static void watch_exit(struct drv *d, int pidfd);
static void unwatch_exit(struct drv *d);
static void ended_drop(struct herdd *h, struct drv *d);
static void reap_cb(evutil_socket_t fd, short what, void *arg);

static struct drv *
drv_get(struct herdd *h, struct child *c)
{
	struct drv *d = c->drv;

	if (d == NULL) {
		d = xcalloc(1, sizeof *d);
		d->h = h;
		d->c = c;
		d->pidfd = -1;
		c->drv = d;
	}
	return d;
}

static void
timer_arm(struct drv *d, enum timer_kind kind, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (d->timer == NULL)
		d->timer = evtimer_new(d->h->base, timer_cb, d);
	d->timer_kind = kind;
	d->timer_due = wall_ms() + ms;
	evtimer_add(d->timer, &tv);
}

int64_t
driver_retry_due(const struct child *c)
{
	const struct drv *d = c->drv;

	return d != NULL && d->timer_kind == T_RETRY ? d->timer_due : 0;
}

static void
timer_cancel(struct drv *d)
{
	if (d->timer != NULL)
		evtimer_del(d->timer);
	d->timer_kind = T_NONE;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	struct engine *e = &d->h->engine;
	enum timer_kind kind = d->timer_kind;
	char cause[64];

	d->timer_kind = T_NONE;
	switch (kind) {
	case T_STOP:
		engine_stop_timeout(e, d->c);
		break;
	case T_RETRY:
		engine_retry(e, d->c, d->retry_gen);
		break;
	case T_READY:
		snprintf(cause, sizeof cause, "not ready within %u ms",
		    d->c->spec->ready_timeout_ms);
		engine_child_start_failed(e, d->c, cause);
		break;
	case T_WATCHDOG:
		engine_watchdog(e, d->c);
		break;
	default:
		break;
	}
}

/* Arms the child watchdog: the child must ping within watchdog_ms. */
static void
watchdog_arm(struct drv *d)
{
	if (d->c->spec->watchdog_ms > 0 && d->c->state == CH_RUNNING)
		timer_arm(d, T_WATCHDOG, d->c->spec->watchdog_ms);
}

static void
child_ready_cb(void *arg, enum ready_what what)
{
	struct drv *d = arg;

	switch (what) {
	case READY_WATCHDOG:
		if (d->timer_kind == T_WATCHDOG)
			watchdog_arm(d);
		return;
	case READY_TRIGGER:
		engine_watchdog(&d->h->engine, d->c);
		return;
	default:
		break;
	}
	if (d->timer_kind == T_READY)
		timer_cancel(d);
	if (d->c->spec->ready == CONF_READY_FD) {
		ready_destroy(d->ready);
		d->ready = NULL;
	}
	engine_child_ready(&d->h->engine, d->c);
}

/* ---- ops ---- */

static uint64_t
op_now_ms(void *ctx)
{
	return mono_ms();
}

static const char *
env_get(char **env, const char *key)
{
	size_t klen = strlen(key);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

static int
output_fd(struct herdd *h, enum conf_output mode, struct logfile *f,
    int inherit, int *fd)
{
	*fd = -1;
	switch (mode) {
	case CONF_OUT_NULL:
		return 0;
	case CONF_OUT_INHERIT:
		*fd = inherit;
		return 0;
	default:
		return output_pipe(h->base, f, fd);
	}
}

/*
 * A start that failed on a limit says which limit, and what it is, so the
 * fix (LimitNOFILE=, output to null, the pids cgroup...) is plain.
 */
static void
limit_hint(int err, char *cause, size_t len)
{
	size_t n = strlen(cause);
	struct rlimit rl;

	if (err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(cause + n, len - n, " (herdd's limit of %llu open "
		    "files is reached: it holds 2 per child with log capture "
		    "and 1 per running child%s; raise LimitNOFILE or send "
		    "output to null)", (unsigned long long)rl.rlim_cur,
		    admit_count(NULL, NULL) > 0 ? ", and 1 per client "
		    "connection (herdctl status shows herd.connections)" : "");
	else if (err == ENFILE)
		snprintf(cause + n, len - n, " (the system's file table is "
		    "full: fs.file-max)");
	else if (err == EAGAIN)
		snprintf(cause + n, len - n, " (a process limit is reached: "
		    "RLIMIT_NPROC, kernel.pid_max, kernel.threads-max or the "
		    "cgroup's pids.max)");
}

/* The fds herdd holds for one running worker of spec. */
static size_t
spec_fds(const struct conf_child *spec)
{
	return 1 + (spec->out == CONF_OUT_LOG) + (spec->err == CONF_OUT_LOG) +
	    (spec->ready != CONF_READY_EXEC || spec->watchdog_ms > 0);
}

/* tree_walk callback: each worker's fds, and a bounded pool's instances
 * not spawned yet, which may come at any time. */
static void
count_fds(struct child *c, void *arg)
{
	size_t *need = arg;
	const struct sup *s = c->sup;

	if (c->type == CONF_WORKER)
		*need += spec_fds(c->spec);
	if (s != NULL && s->strategy == CONF_SIMPLE_ONE_FOR_ONE &&
	    s->spec != NULL && s->spec->nchildren == 1 &&
	    s->spec->max_instances > s->n)
		*need += spec_fds(s->spec->children[0]) *
		    (s->spec->max_instances - s->n);
}

/* Who c's process runs as: a pool instance's own user, else its spec's
 * (has_uid 0: herdd's). */
static struct run_as
child_user(const struct child *c, int *has_gid)
{
	struct run_as u = { 0, 0, 0 };

	*has_gid = 0;
	if (c->as.set) {
		*has_gid = 1;
		return c->as;
	}
	if (c->spec != NULL && c->spec->has_uid) {
		u.set = 1;
		u.uid = c->spec->uid;
	}
	if (c->spec != NULL && c->spec->has_gid) {
		*has_gid = 1;
		u.gid = c->spec->gid;
	}
	return u;
}

/* Whether spec runs as a user other than herdd's. */
static int
other_user(const struct conf_child *spec)
{
	return spec != NULL && spec->type == CONF_WORKER && spec->has_uid &&
	    spec->uid != geteuid();
}

static void
find_other_user(struct child *c, void *arg)
{
	int *found = arg;

	if (other_user(c->spec) || (c->as.set && c->as.uid != geteuid()))
		*found = 1;
	/* a pool's template: its instances will run as its user */
	if (c->sup != NULL && c->sup->strategy == CONF_SIMPLE_ONE_FOR_ONE &&
	    c->sup->spec != NULL && c->sup->spec->nchildren == 1 &&
	    other_user(c->sup->spec->children[0]))
		*found = 1;
}

/* Gives run_dir mode (0750 or 0751) if it has another. */
static void
run_dir_mode(struct herdd *h, mode_t mode)
{
	if (mode != h->run_dir_mode && fchmod(h->run_dirfd, mode) == -1)
		log_warn("run_dir %s: cannot make it %04o", h->conf->run_dir,
		    (unsigned)mode);
	else
		h->run_dir_mode = mode;
}

void
driver_run_dir_access(struct herdd *h)
{
	int found = 0;

	find_other_user(h->root, &found);
	tree_walk(h->root, find_other_user, &found);
	run_dir_mode(h, found ? 0751 : 0750);
}

/* The fds the fleet needs in herdd, and keeps from client connections
 * (admit.c); returns the need. */
static size_t
reserve_fds(struct herdd *h)
{
	const struct conf_control *cc = &h->conf->control;
	struct admit_limits al;
	size_t need = 64; /* herdd's own: sockets, logs, loop */

	count_fds(h->root, &need);
	tree_walk(h->root, count_fds, &need);
	al.total = cc->max_conns ? cc->max_conns : ADMIT_TOTAL;
	al.per_peer = cc->max_conns_user ? cc->max_conns_user : ADMIT_PER_PEER;
	al.reserve_fds = need + 64; /* and a listener re-created, a probe */
	admit_configure(&al);
	return need;
}

/* After add_child, spawn or delete: the reserve follows the tree, so a
 * child added at run time is not starved by connections either. */
void
driver_fleet_changed(struct herdd *h)
{
	reserve_fds(h);
}

/*
 * Says at boot when the configured fleet cannot fit in herdd's file limit,
 * rather than letting starts fail one by one later; and keeps the fds the
 * fleet needs from client connections. Again after a reload.
 */
void
driver_check_limits(struct herdd *h)
{
	struct rlimit rl;
	size_t need = reserve_fds(h);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && need > rl.rlim_cur)
		log_warn("the fleet needs about %zu open files in herdd (2 per "
		    "child with log capture, 1 per running child, bounded "
		    "pools at max_instances) but its limit is %llu: some "
		    "children will fail to start; raise LimitNOFILE (hard "
		    "limit) or send output to null", need,
		    (unsigned long long)rl.rlim_cur);
}

static int
op_spawn(void *ctx, struct child *c, char *cause, size_t len)
{
	struct herdd *h = ctx;
	const struct conf_child *spec = c->spec;
	struct drv *d = drv_get(h, c);
	struct spawn_req req;
	struct child_ident *ident = NULL;
	int has_gid;
	struct run_as user = child_user(c, &has_gid);
	char exe[4096], *notify = NULL, **env, **argv;
	char *watchdog_env = NULL, *extra[9] = { NULL };
	char *node_env = NULL, *name_env = NULL, *inc_env = NULL;
	char *bound_env = NULL, *live_env = NULL;
	char *mailbox_env = NULL;
	int live[2] = { -1, -1 }, spawn_err;
	size_t nextra = 0;
	int ready_fd = -1, out_fd = -1, err_fd = -1, pidfd = -1, rc;
	pid_t pid = 0;

	memset(&req, 0, sizeof req);
	env = child_env_build(h->environ_base, spec, NULL, NULL);
	if (d->exe == NULL) {
		const char *path = env_get(env, "PATH");
		if (spawn_resolve(spec->argv[0], path, exe, sizeof exe) == -1) {
			snprintf(cause, len, "exec %s: not found in PATH",
			    spec->argv[0]);
			free(env);
			return -1;
		}
		d->exe = xstrdup(exe);
	}
	free(env);

	ready_destroy(d->ready);
	d->ready = NULL;
	if (spec->ready == CONF_READY_NOTIFY || spec->watchdog_ms > 0) {
		/* its own socket, which it must reach through run_dir */
		if (user.set && user.uid != geteuid())
			run_dir_mode(h, 0751);
		d->ready = ready_notify_create(h->base, h->notify_dir,
		    h->notify_bind, h->notify_dirfd, h->conf->notify_abstract, user.set ? user.uid : geteuid(),
		    has_gid ? user.gid : getegid(), child_ready_cb, d, &notify,
		    cause, len);
		if (d->ready == NULL)
			return -1;
	} else if (spec->ready == CONF_READY_FD) {
		d->ready = ready_fd_create(h->base, child_ready_cb, d, &ready_fd,
		    cause, len);
		if (d->ready == NULL)
			return -1;
	}
	if (spec->out == CONF_OUT_LOG && d->out == NULL)
		d->out = logfile_create(h->log_dirfd, h->conf->log_dir,
		    c->path, "stdout",
		    h->conf->log_max_bytes, h->conf->log_backups);
	if (spec->err == CONF_OUT_LOG && d->err == NULL)
		d->err = logfile_create(h->log_dirfd, h->conf->log_dir,
		    c->path, "stderr",
		    h->conf->log_max_bytes, h->conf->log_backups);
	if (output_fd(h, spec->out, d->out, 1, &out_fd) == -1 ||
	    output_fd(h, spec->err, d->err, 2, &err_fd) == -1) {
		int err = errno;
		snprintf(cause, len, "output pipe: %s", strerror(err));
		limit_hint(err, cause, len);
		rc = -1;
		goto done;
	}

	if (spec->watchdog_ms > 0)
		watchdog_env = xprintf("WATCHDOG_USEC=%llu",
		    (unsigned long long)spec->watchdog_ms * 1000);
	/* resolved at every start, as a login would: a user's new groups
	 * count from its next start */
	if (user.set)
		ident = child_ident_create(user.uid, has_gid ? user.gid :
		    getegid());
	if (notify != NULL)
		extra[nextra++] = notify;
	if (watchdog_env != NULL)
		extra[nextra++] = watchdog_env;
	if (spec->actor) {
		/* where libherd says hello, the name it is registered as, its
		 * incarnation and its mailbox */
		if (mailbox_prepare(h, c, user.set ? user.uid : geteuid(),
		    has_gid ? user.gid : getegid(), &inc_env, &mailbox_env,
		    cause, len) == -1) {
			rc = -1;
			goto done;
		}
		node_env = xprintf("HERD_NODE=ipc://%s/node.sock",
		    h->conf->run_dir);
		name_env = xprintf("HERD_ACTOR_NAME=%s", c->path);
		extra[nextra++] = node_env;
		extra[nextra++] = name_env;
		extra[nextra++] = inc_env;
		extra[nextra++] = mailbox_env;
		bound_env = xprintf("HERD_MAILBOX_BYTES=%zu",
		    spec->mailbox_bytes);
		extra[nextra++] = bound_env;
		/* liveness checks go over a socket of their own (node-live.c):
		 * one wake a check on each side, never behind other messages */
		if (spec->liveness_ms > 0) {
			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
			    live) == -1) {
				snprintf(cause, len, "liveness socket: %s",
				    strerror(errno));
				limit_hint(errno, cause, len);
				rc = -1;
				goto done;
			}
			live_env = xprintf("HERD_LIVENESS_FD=%d", LIVENESS_FD);
			extra[nextra++] = live_env;
		}
	}
	env = child_env_build(h->environ_base, spec, ident, extra);
	argv = child_argv_build(c);
	req.path = d->exe;
	req.argv = argv;
	req.envp = env;
	req.cwd = spec->cwd;
	req.has_uid = user.set;
	req.uid = user.uid;
	req.has_gid = has_gid;
	req.gid = user.gid;
	req.ngroups = child_ident_groups(ident, &req.groups);
	req.umask = spec->umask >= 0 ? spec->umask : h->umask_start;
	req.nofile = h->nofile_soft;
	req.fds[0] = -1;
	req.fds[1] = out_fd;
	req.fds[2] = err_fd;
	/* an actor has no ready fd: the slot is its liveness socket's */
	req.extra_fd = spec->actor ? live[1] : ready_fd;
	req.extra_target = spec->actor ? LIVENESS_FD : spec->ready_fd;
	/* each start its own cgroup: the last one's ended with its process */
	cgroup_end(d->cg);
	d->cg = NULL;
	if (cgroup_make(c->path, &spec->cgroup, &d->cg, &req, cause, len) ==
	    -1) {
		free(env);
		if (argv != spec->argv)
			free(argv);
		rc = -1;
		goto done;
	}
	req.limits = spec->limits;
	rc = spawn_process(&req, &pid, &pidfd, cause, len);
	spawn_err = errno;
	if (req.cgroup_fd != -1)
		close(req.cgroup_fd);
	if (rc == -1) {
		cgroup_end(d->cg);
		d->cg = NULL;
	}
	if (rc == -1 && spawn_err == EAGAIN)
		limit_hint(spawn_err, cause, len); /* fork or setuid */
	if (rc == -1 && spawn_err == ENOENT) {
		free(d->exe); /* look it up again next time */
		d->exe = NULL;
	}
	free(env);
	if (argv != spec->argv)
		free(argv);
done:
	if (out_fd > 2)
		close(out_fd);
	if (err_fd > 2)
		close(err_fd);
	if (ready_fd != -1)
		close(ready_fd);
	if (live[1] != -1)
		close(live[1]);
	if (rc == -1 && live[0] != -1)
		close(live[0]);
	else if (live[0] != -1) {
		if (c->live_fd != -1)
			close(c->live_fd);
		c->live_fd = live[0];
	}
	free(live_env);
	free(notify);
	free(watchdog_env);
	free(node_env);
	free(bound_env);
	free(name_env);
	free(inc_env);
	free(mailbox_env);
	child_ident_destroy(ident);
	if (rc == -1) {
		ready_destroy(d->ready);
		d->ready = NULL;
		return -1;
	}
	c->pid = pid;
	c->told[0] = '\0';
	ready_set_pid(d->ready, pid);
	pidmap_put(h->pids, pid, c);
	watch_exit(d, pidfd);
	if (spec->ready == CONF_READY_EXEC)
		return 1;
	if (spec->ready_timeout_ms > 0)
		timer_arm(d, T_READY, spec->ready_timeout_ms);
	return 0;
}

static void
op_kill(void *ctx, struct child *c, int sig)
{
	if (c->pid > 0 && killpg(c->pid, sig) == -1 && errno != ESRCH)
		log_warn("signal %d to %s (pid %d)", sig, c->path, (int)c->pid);
}

static void
op_stop_timer(void *ctx, struct child *c, long ms)
{
	timer_arm(drv_get(ctx, c), T_STOP, ms);
}

static void
op_cancel_timer(void *ctx, struct child *c)
{
	if (c->drv != NULL)
		timer_cancel(c->drv);
}

static void
op_retry_timer(void *ctx, struct child *c, unsigned ms)
{
	struct drv *d = drv_get(ctx, c);

	d->retry_gen = c->gen;
	timer_arm(d, T_RETRY, ms);
}

static void
op_event(void *ctx, const char *topic, struct child *c, const char *reason)
{
	struct herdd *h = ctx;
	cJSON *o;

	if (c->drv != NULL && c->type == CONF_WORKER &&
	    strcmp(topic, "child.started") == 0)
		watchdog_arm(c->drv); /* from now on it must ping */
	if (strcmp(topic, "child.exited") == 0 ||
	    strcmp(topic, "child.start_failed") == 0 ||
	    strcmp(topic, "supervisor.gave_up") == 0)
		log_info("%s %s%s%s", topic, c->path[0] ? c->path : "(root)",
		    reason ? ": " : "", reason ? reason : "");
	/* when its last exit was, for status (the engine keeps no clock) */
	if (strcmp(topic, "child.exited") == 0 ||
	    strcmp(topic, "child.stopped") == 0 ||
	    strcmp(topic, "child.start_failed") == 0)
		c->exited_at = wall_ms();
	if (strcmp(topic, "child.stopped") == 0 && c->detail[0] != '\0')
		log_warnx("%s did not stop within its shutdown time: %s",
		    c->path, c->detail);
	if (h->events != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", c->path);
		cJSON_AddNumberToObject(o, "pid", c->pid);
		if (reason != NULL)
			cJSON_AddStringToObject(o, "reason", reason);
		if (reason != NULL && c->detail[0] != '\0' &&
		    strcmp(topic, "child.stopped") == 0)
			cJSON_AddStringToObject(o, "detail", c->detail);
		if (c->type == CONF_SUPERVISOR)
			cJSON_AddStringToObject(o, "type", "supervisor");
		events_publish(h->events, topic, o);
	}
	herdd_tell(h, topic, c, reason);
	sdnotify_event(h->sd, topic);
}

void
driver_respec(struct child *c)
{
	struct drv *d = c->drv;

	if (d != NULL) {
		free(d->exe);
		d->exe = NULL;
	}
}

static void
op_finish(void *ctx, int code, const char *why)
{
	struct herdd *h = ctx;

	h->finished = 1;
	h->exit_code = code;
	snprintf(h->exit_why, sizeof h->exit_why, "%s", why);
	event_base_loopexit(h->base, NULL);
}

/* c's process is gone: herdd's end of its liveness socket goes. */
static void
liveness_close(struct child *c)
{
	if (c->live_fd != -1)
		close(c->live_fd);
	c->live_fd = -1;
}

static void
op_release(void *ctx, struct child *c)
{
	struct herdd *h = ctx;
	struct drv *d = c->drv;

	if (c->pid > 0)
		pidmap_del(h->pids, c->pid);
	herdd_tell(h, "child.released", c, NULL);
	liveness_close(c);
	if (c->swept)
		ended_record(h, c);
	if (d == NULL)
		return;
	if (c->pid > 0 && d->pidfd >= 0)
		h->unwatched++; /* not expected: the sweep still reaps it */
	ended_drop(h, d);
	unwatch_exit(d);
	if (d->exit_ev != NULL)
		event_free(d->exit_ev);
	if (d->timer != NULL)
		event_free(d->timer);
	ready_destroy(d->ready);
	logfile_destroy(d->out);
	logfile_destroy(d->err);
	cgroup_end(d->cg); /* released while running: what is left goes */
	free(d->exe);
	free(d);
	c->drv = NULL;
}

const struct engine_ops driver_ops = {
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

/* ---- reaping ---- */

/*
 * Each child comes with a pidfd when the kernel gives one, watched by the
 * loop: its end names it, so reaping costs the same with 10 or 10,000
 * children. waitid(P_ALL) instead walks every child of herdd in the kernel
 * (measured: 0.33 ms per call with 10,000 children), so it is only the
 * fallback, run on SIGCHLD while some child has no pidfd (out of fds).
 *
 * A pidfd's callback only queues the child; the queue is reaped (and the
 * children restarted) at most REAP_BATCH at a time from a zero timer, which
 * runs after the loop has polled: in a restart storm hundreds of pidfds are
 * ready at once, and the control socket gets its turn between batches
 * (measured: status p99 0.75 s during a storm of 1,000 when one loop turn
 * reaped them all; in bench/soak.py's waves of 1,000 children ending
 * together, one child's status on one connection had p99 68 ms with
 * batches of 64 and 24 ms with 16, at the same restart rate).
 */

#define REAP_BATCH 16

static void exit_cb(evutil_socket_t fd, short what, void *arg);

static void
watch_exit(struct drv *d, int pidfd)
{
	d->pidfd = pidfd;
	if (pidfd < 0) {
		d->h->unwatched++;
		return;
	}
	if (d->exit_ev == NULL)
		d->exit_ev = event_new(d->h->base, pidfd, EV_READ | EV_PERSIST,
		    exit_cb, d);
	else
		event_assign(d->exit_ev, d->h->base, pidfd,
		    EV_READ | EV_PERSIST, exit_cb, d);
	event_add(d->exit_ev, NULL);
}

static void
unwatch_exit(struct drv *d)
{
	if (d->pidfd < 0)
		return;
	event_del(d->exit_ev);
	close(d->pidfd);
	d->pidfd = -1;
}

/* Takes d off the queue of ended children (it is being reaped or freed). */
static void
ended_drop(struct herdd *h, struct drv *d)
{
	struct drv **pp;

	if (!d->ended)
		return;
	for (pp = &h->ended; *pp != NULL; pp = &(*pp)->next_ended)
		if (*pp == d) {
			*pp = d->next_ended;
			break;
		}
	if (h->ended == NULL || d->next_ended == NULL) {
		/* the tail moved: find it again (the queue is short) */
		h->ended_tail = &h->ended;
		while (*h->ended_tail != NULL)
			h->ended_tail = &(*h->ended_tail)->next_ended;
	}
	d->ended = 0;
	d->next_ended = NULL;
}

/*
 * pid has ended (a zombie, not yet reaped): ends what is left of its
 * process group, reaps it and tells the engine.
 */
static void
reap_one(struct herdd *h, pid_t pid)
{
	struct child *c = pidmap_get(h->pids, pid);
	struct drv *d;
	int status, oom = 0;

	/* While the leader is a zombie its group id cannot be reused: end
	 * what is left of the group now (rule 3), and of its cgroup, where
	 * what left the group is */
	if (c != NULL) {
		killpg(pid, SIGKILL);
		if ((d = c->drv) != NULL) {
			oom = cgroup_oom(d->cg); /* before its cgroup goes */
			cgroup_end(d->cg);
			d->cg = NULL;
		}
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (c == NULL) {
		/* only the sweep finds these: a child released while running
		 * (counted then) or one without pidfd (counted at spawn); or
		 * the cgroup guardian, which is no child of the tree */
		if (h->unwatched > 0 && !cgroup_guardian_is(pid))
			h->unwatched--;
		return;
	}
	pidmap_del(h->pids, pid);
	if (oom && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
	    c->killed_for == NULL)
		c->killed_for = "oom"; /* the OOM killer's, no bare SIGKILL */
	if (c->actor != NULL) {
		/* calls waiting on it fail now, with its reason (A5) */
		char reason[64];
		engine_exit_reason(c, status, reason, sizeof reason);
		herdd_tell(h, "child.reaped", c, reason);
	}
	liveness_close(c); /* after the registry let go of its event */
	if (c->spec != NULL && c->spec->actor)
		mailbox_remove(h, c);
	d = c->drv;
	if (d != NULL) {
		if (d->pidfd < 0)
			h->unwatched--;
		ended_drop(h, d);
		unwatch_exit(d);
		if (d->timer_kind == T_READY)
			timer_cancel(d);
		ready_destroy(d->ready);
		d->ready = NULL;
	}
	engine_child_exited(&h->engine, c, status);
}

static void
arm_reap(struct herdd *h)
{
	static const struct timeval now = { 0, 0 };

	if (h->reap_ev == NULL)
		h->reap_ev = evtimer_new(h->base, reap_cb, h);
	evtimer_add(h->reap_ev, &now);
}

/* The pidfd is readable: the child has ended. Queued, not reaped here. */
static void
exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct drv *d = arg;
	struct herdd *h = d->h;

	event_del(d->exit_ev); /* level-triggered: quiet until reaped */
	if (d->ended)
		return;
	d->ended = 1;
	d->next_ended = NULL;
	if (h->ended == NULL)
		h->ended_tail = &h->ended;
	*h->ended_tail = d;
	h->ended_tail = &d->next_ended;
	arm_reap(h);
}

/* Reaps up to REAP_BATCH children; returns 1 if some may be left. */
static int
reap_batch(struct herdd *h)
{
	siginfo_t si;
	int n = 0;

	while (h->ended != NULL && n < REAP_BATCH) {
		struct drv *d = h->ended;
		pid_t pid = d->c->pid;

		ended_drop(h, d);
		n++;
		memset(&si, 0, sizeof si);
		if (pid > 0 && waitid(P_PID, (id_t)pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0)
			reap_one(h, pid);
		else if (d->pidfd >= 0)
			event_add(d->exit_ev, NULL); /* not ended after all */
	}
	while (h->unwatched > 0 && n < REAP_BATCH) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_pid == 0)
			break;
		reap_one(h, si.si_pid);
		n++;
	}
	return h->ended != NULL || n >= REAP_BATCH;
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct herdd *h = arg;

	/* more may be waiting: a zero timer runs after the loop has polled,
	 * so ready sockets get their turn between batches */
	if (reap_batch(h))
		arm_reap(h);
}

void
driver_reap(struct herdd *h)
{
	if (h->unwatched == 0)
		return; /* every child's pidfd reports its own end */
	arm_reap(h);
}
