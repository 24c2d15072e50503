/* herdd's private header: the supervision tree, the strategy engine and the
 * daemon modules that drive it. */
#ifndef HERDD_H
#define HERDD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "ipc.h"


struct event_base;
struct sup;

/* ---- tree.c: the supervision tree ---- */

enum child_state {
	CH_STOPPED,    /* not running: never started, or stopped on purpose */
	CH_STARTING,   /* spawned (or a supervisor booting), not yet ready */
	CH_RUNNING,
	CH_STOPPING,   /* its supervisor asked it to stop, waiting for death */
	CH_RESTARTING, /* a restart is due: failed start retry or backoff */
	CH_EXITED,     /* ended by itself and not restarted (or not yet) */
};

/* Why a supervisor stops a child: decides what happens after its death. */
enum stop_why {
	STOP_NONE,
	STOP_BYSTANDER, /* part of a group restart */
	STOP_COMMAND,   /* stop/terminate by command */
	STOP_SHUTDOWN,  /* its supervisor is shutting down */
	STOP_RESTART,   /* restart by command: stop, then start again */
};

/* The user a runtime pool instance runs as instead of its template's:
 * one spawned by a peer that may not run it as herdd's user. */
struct run_as {
	int set;
	uid_t uid;
	gid_t gid;
};

/* A node of the tree: a worker process or a nested supervisor. The root
 * supervisor has a node too, with parent NULL and path "". */
struct child {
	struct sup *parent;
	const struct conf_child *spec; /* borrowed from the live conf; NULL
	                                  for the root */
	char *name;
	char *path;              /* "api/web"; "" for the root */
	enum conf_type type;
	enum conf_restart restart;
	long shutdown_ms;
	int significant;

	enum child_state state;
	enum stop_why stop_why;
	pid_t pid;               /* 0 when no process */
	uint64_t started_ms;     /* when it last became running */
	unsigned restarts;       /* restarts by its supervisor */
	unsigned gen;            /* bumped on every start, to spot stale retries */
	int pending;             /* queued while its supervisor was busy: an
	                            exit or a due restart */
	int pending_class;       /* the queued exit's reason class */
	int held;                /* stopped by command during a plan: the plan
	                            must not start it again */
	size_t index;            /* where it last was in its parent's children:
	                            a hint, checked by tree_index */
	int start_fail_pending;  /* killed for not being ready in time */
	const char *killed_for;  /* "watchdog", "liveness": herdd killed it
	                            for not answering; its exit's reason */
	char reason[48];         /* last exit reason: normal, shutdown, exit:N,
	                            signal:NAME, or why a start failed */
	int64_t exited_at;       /* wall clock ms of that exit, 0: none */
	char detail[48];         /* beside it: "killed after N ms" when a stop
	                            outlived the shutdown time (OTP's
	                            shutdown_error, reason killed) */
	long killed_after_ms;    /* set by the stop timeout's SIGKILL */
	uint64_t incarnation;    /* an actor's, given at its start */
	char told[48];           /* the reason its process gave before it
	                            ended by itself (an actor's herd_exit):
	                            over its exit status; cleared at a start */
	unsigned backoff_ms;     /* next backoff delay; 0 = initial */
	int retry_counts;        /* the due restart counts toward intensity */
	int swept;               /* a temporary child that ended: its entry
	                            goes (engine), its record stays (ended.c) */
	int runtime_new;         /* added by command, not started yet: dropped
	                            if its first start fails (rule 13) */
	struct conf_child *owned_spec; /* a spec added at runtime, freed with
	                                  the node */
	char **extra_argv;       /* a pool instance's arguments, owned */
	int named;               /* a pool instance spawned with a name: an
	                            actor registers it as well (A15) */
	struct run_as as;        /* a pool instance's user, over its spec */
	int mark;                /* MARK_* bits for a reload plan */

	struct sup *sup;         /* type supervisor: its own state */
	void *drv;               /* the driver's per-child data */
	struct actor *actor;     /* a registered actor (node.c), or NULL */
	int live_fd;             /* an actor with liveness_ms: herdd's end of
	                            its liveness socket while it runs, or -1 */
};

enum plan_kind {
	PLAN_NONE,
	PLAN_BOOT,      /* start all children in order */
	PLAN_RESTART,   /* a strategy's restart: stop range, then start range */
	PLAN_START_CMD, /* start by command */
	PLAN_STOP_CMD,  /* stop by command (STOP_COMMAND or STOP_RESTART) */
	PLAN_SHUTDOWN,  /* stop everything, then finish per shutdown_kind */
	PLAN_RELOAD,    /* stop the children marked MARK_STOP, start those
	                   marked MARK_START, delete those marked MARK_DELETE */
};

enum shutdown_kind {
	SD_PARENT,    /* asked by its parent: report stopped */
	SD_GIVE_UP,   /* intensity exceeded: exit with reason shutdown */
	SD_AUTO,      /* auto_shutdown: exit with reason shutdown */
	SD_BOOT_FAIL, /* a child failed to start while booting */
	SD_ROOT,      /* herdd is shutting down */
};

#define PLAN_END ((size_t)-1)
#define MARK_STOP 1
#define MARK_START 2
#define MARK_DELETE 4

/* A supervisor: children in start order and the one plan it is executing.
 * A plan stops children [stop_lo, stop_hi] in reverse order, one at a time,
 * then starts [start_lo, start_hi] in order, one at a time (rules 1, 2). */
struct sup {
	struct child *self;
	const struct conf_sup *spec;
	enum conf_strategy strategy;
	unsigned intensity;
	unsigned period_ms;
	enum conf_auto_shutdown auto_shutdown;

	struct child **children;
	size_t n, cap;

	enum plan_kind plan;
	enum shutdown_kind sd_kind;
	int phase;               /* 0 stopping, 1 starting, 2 done */
	size_t stop_lo, stop_hi, start_lo, start_hi;
	size_t cursor;
	struct child *target;    /* the child a command plan is about */
	char fail_cause[256];    /* why a boot failed */
	int brutal;              /* shutdown timer expired: SIGKILL everything */
	int booted;
	unsigned next_instance;  /* pools: the last instance id given */
	int running, again;      /* plan_run re-entry guard */
	int held_any;            /* some child is held (see child.held) */

	uint64_t *restarts;      /* restart times within period_ms, a ring */
	size_t r_head, r_len, r_cap;

	struct child **queue;    /* exits and retries that came in during a
	                            plan; NULL entries were removed */
	size_t qlen, qcap, qpos;
};

/* Builds the tree for conf's root supervisor; all children stopped. */
struct child *tree_create(const struct conf *c);
/* Frees a node and everything below it. */
void tree_destroy(struct child *node);
/* (Re)builds a supervisor's children from its spec, dropping any present. */
void tree_sup_reset(struct sup *s);
/* Finds the node at PATH ("api/web") under root; NULL if none. */
struct child *tree_find(struct child *root, const char *path);
/* Position of c among its siblings. */
size_t tree_index(struct child *c);
/* Removes c from its supervisor and frees it. */
void tree_remove(struct child *c);
/* A stopped node for spec (borrowed) under s, named name (NULL: the
 * spec's name), not yet in s's children. */
struct child *tree_node_create(struct sup *s, const struct conf_child *spec,
    const char *name);
/* Appends a stopped node for spec (borrowed) to s, named name (NULL: the
 * spec's name). */
struct child *tree_append(struct sup *s, const struct conf_child *spec,
    const char *name);
/* Whether s has a child named name. */
struct child *tree_child(struct sup *s, const char *name);
/* Calls fn on every node below (not including) node, depth first, in start
 * order. */
void tree_walk(struct child *node, void (*fn)(struct child *, void *),
    void *arg);
const char *child_state_name(enum child_state s);

/* ---- engine.c: OTP's strategies as a function of tree and event ---- */

/* What the engine asks of the world. The daemon's driver does it for real;
 * unit tests record it. */
struct engine_ops {
	uint64_t (*now_ms)(void *ctx);
	/* Starts c's process. Returns 1 if already ready (ready:"exec"), 0 if
	 * readiness will be reported by engine_child_ready or
	 * engine_child_start_failed, -1 if it failed (cause filled, c->pid 0). */
	int (*spawn)(void *ctx, struct child *c, char *cause, size_t len);
	/* Sends sig to c's process group. */
	void (*kill)(void *ctx, struct child *c, int sig);
	/* After ms, call engine_stop_timeout(c). */
	void (*stop_timer)(void *ctx, struct child *c, long ms);
	/* Cancels c's stop timer, if any. */
	void (*cancel_timer)(void *ctx, struct child *c);
	/* After ms (0: on the next loop turn), call engine_retry(c, gen). */
	void (*retry_timer)(void *ctx, struct child *c, unsigned ms);
	/* A lifecycle event for c (reason may be NULL). */
	void (*event)(void *ctx, const char *topic, struct child *c,
	    const char *reason);
	/* The root supervisor has ended: herdd exits with code. */
	void (*finish)(void *ctx, int code, const char *why);
	/* c is about to be freed. */
	void (*release)(void *ctx, struct child *c);
};

struct engine {
	const struct engine_ops *ops;
	void *ctx;
	struct child *root;
	int shutting_down;
	int finished;
	int reloading;           /* reload plans still running */
};

void engine_init(struct engine *e, const struct engine_ops *ops, void *ctx,
    struct child *root);
/* Starts the root supervisor (rule 1). */
void engine_boot(struct engine *e);
/* Stops everything and finishes with code 0 (rule 16). */
void engine_shutdown(struct engine *e);

/* Runs a reload plan on s for the children marked MARK_*; when the last
 * reload plan is done the engine emits config.reloaded. */
void engine_reload(struct engine *e, struct sup *s);

/* Reports from the world. */
void engine_child_ready(struct engine *e, struct child *c);
void engine_child_start_failed(struct engine *e, struct child *c,
    const char *cause);
void engine_child_exited(struct engine *e, struct child *c, int status);
void engine_stop_timeout(struct engine *e, struct child *c);
/* c stopped answering herdd (an actor's liveness checks): killed with
 * SIGKILL, its exit, reason WHY, counts as abnormal. */
void engine_kill_unanswering(struct engine *e, struct child *c,
    const char *why);
/* c missed its watchdog pings (or asked WATCHDOG=trigger): it is killed and
 * its exit, reason "watchdog", counts as abnormal. */
void engine_watchdog(struct engine *e, struct child *c);
void engine_retry(struct engine *e, struct child *c, unsigned gen);
/* tree_walk callback: SIGKILL a worker that is being stopped. */
void engine_kill_if_stopping(struct child *c, void *arg);

/* Commands; return 0 or -1 with *code an IPC_E_* code and cause filled. */
int engine_cmd_start(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len);
int engine_cmd_stop(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len);
/* Restart of a stopped child (rule 13): running, restarting otherwise. */
int engine_cmd_restart(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len);
/* Stop if running, then start: herdctl restart --force. */
int engine_cmd_cycle(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len);
/* Adds spec as the last child of supervisor node sup and starts it (rule
 * 13). On success takes spec and sets *out; on failure the caller keeps
 * spec. The reply comes with child.started or child.start_failed; a child
 * whose first start fails is dropped. */
int engine_cmd_add(struct engine *e, struct child *sup,
    struct conf_child *spec, struct child **out, const char **code,
    char *cause, size_t len);
/* Clears the restart counters below and at c (each child's restarts and
 * backoff, each supervisor's intensity window): an operator's reset after
 * a storm. Returns how many nodes it touched. */
size_t engine_cmd_reset(struct engine *e, struct child *c);
/* Deletes a stopped child's entry (rule 13). */
int engine_cmd_delete(struct engine *e, struct child *c, const char **code,
    char *cause, size_t len);
/* Starts a new instance of pool (rule 14) named NAME (NULL: its number)
 * with args appended to the template's command, as user as (NULL or not
 * set: the template's). Takes args (NULL-terminated, may be NULL) on
 * success; sets *out. */
int engine_cmd_spawn(struct engine *e, struct child *pool, const char *name,
    char **args, const struct run_as *as, struct child **out,
    const char **code, char *cause, size_t len);

/* Formats a wait status as normal/shutdown/exit:N/signal:NAME for child c
 * (which decides what is normal). */
void engine_exit_reason(const struct child *c, int status, char *buf,
    size_t len);

/* ---- driver.c: the engine's ops done for real on the event loop ---- */

struct pidmap;
struct events;
struct control;
struct guard;
struct node;
struct http;
struct actor;
struct sdnotify;

/*
 * Who hears of lifecycle events besides the event stream (observe.c): the
 * control socket's waiting replies, a reload's end, the actor registry.
 * Registered at start (main.c) and told in order by the driver, which
 * names none of them, so that they may call it without a circle. Beside
 * the published topics they get two of the driver's own: "child.reaped"
 * (a process ended; REASON its exit reason) and "child.released" (a node
 * goes; REASON NULL).
 */
typedef void (*herdd_observer)(void *arg, const char *topic,
    struct child *c, const char *reason);
#define HERDD_OBSERVERS 4

/* A temporary child that ended by itself (ended.c). */
struct ended {
	char *path;                    /* NULL: a free slot */
	const struct conf_child *spec; /* in the live config */
	const struct sup *parent;      /* its supervisor, and that one's */
	unsigned parent_gen;           /* start then: a restart forgets it */
	char reason[48];
	int64_t at_ms;                 /* wall clock */
	int seen;                      /* revisited by the reload under way */
};
#define ENDED_MAX 64

/* The daemon: one of these, made in main. */
struct herdd {
	struct event_base *base;
	struct conf *conf;
	struct conf *old_conf;     /* during a reload: still used by children
	                              being stopped */
	struct child *root;
	struct engine engine;
	struct pidmap *pids;
	struct events *events;
	struct control *control;
	struct guard *guard;
	struct node *node;         /* the actor registry (node.c) */
	struct http *http;         /* the HTTP listener, NULL if off */
	struct sdnotify *sd;       /* NULL unless run by a service manager */
	struct event *reap_ev;     /* reaps in batches, between other events */
	struct drv *ended;         /* children whose pidfd said they ended, in
	                              order, not yet reaped */
	struct drv **ended_tail;
	size_t unwatched;          /* running children without a pidfd: a
	                              SIGCHLD makes the reaper sweep for them */
	char **environ_base;       /* herdd's environment at start, borrowed */
	const char *run_dir_arg;   /* --run-dir, --log-dir: over every config
	                              loaded, reloads too */
	const char *log_dir_arg;
	int verbose;               /* -v: debug log whatever the config says */
	char *notify_dir;          /* run_dir/notify */
	int run_dirfd, log_dirfd;  /* checked at start (safedir.c), kept:
	                              files are opened beneath them */
	char *run_bind;            /* run_dir as herdd binds its sockets:
	                              /proc/self/fd/<run_dirfd>, so a path
	                              changed after start cannot redirect
	                              them (run_dir itself without /proc) */
	char *notify_bind;         /* the same for run_dir/notify */
	int notify_dirfd;
	int actors_dirfd;          /* run_dir/actors: a mailbox dir each */
	uint64_t actor_serial;     /* the incarnation of the last actor
	                              started: never reused */
	mode_t run_dir_mode;       /* as driver_run_dir_access last set it */
	int umask_start;           /* children's umask unless their own */
	long nofile_soft;          /* file limit to give children, -1 keep */
	uint64_t started_ms;
	int exit_code;
	char exit_why[512];
	int finished;
	struct {
		herdd_observer fn;
		void *arg;
	} observers[HERDD_OBSERVERS];
	size_t nobservers;
	struct ended gone[ENDED_MAX]; /* the last ended temporary children */
	size_t gone_next;
};

/* ---- ended.c: the last temporary children that ended ---- */

/* c, a temporary child that ended by itself, leaves the tree. */
void ended_record(struct herdd *h, const struct child *c);
/* The record of PATH, or NULL. */
const struct ended *ended_find(struct herdd *h, const char *path);
/* PATH is a child again (add_child): its record goes. */
void ended_forget(struct herdd *h, const char *path);
/* A reload: begin, then for each child of the new config that the tree
 * does not have, keep (1: it ended and its spec is the same, so it is
 * not new) or not (0), then end (records not revisited go). */
void ended_reload_begin(struct herdd *h);
int ended_reload_keep(struct herdd *h, const struct sup *s,
    const struct conf_child *nc);
void ended_reload_end(struct herdd *h);
void ended_free_all(struct herdd *h);

/* observe.c: adds FN (with ARG) to those told of events; tells them. */
void herdd_observe(struct herdd *h, herdd_observer fn, void *arg);
void herdd_tell(struct herdd *h, const char *topic, struct child *c,
    const char *reason);

extern const struct engine_ops driver_ops;

/* Sweeps for exited children that have no pidfd and reports them to the
 * engine, in batches interleaved with the loop's other events (SIGCHLD). */
void driver_reap(struct herdd *h);
/* Warns when the configured children need more fds than herdd may open. */
void driver_check_limits(struct herdd *h);
/* After add_child, spawn or delete: the fds kept from connections. */
void driver_fleet_changed(struct herdd *h);
/* run_dir is 0750, or 0751 while some child runs as another user: it
 * must reach its own notify socket in run_dir/notify (docs/security.md).
 * Checked at boot and after a reload (a spawn makes it 0751 as needed). */
void driver_run_dir_access(struct herdd *h);
/* c's spec changed (reload): forget what was derived from the old one. */
void driver_respec(struct child *c);
/* When c's next start is due (wall clock ms), 0 unless it waits in its
 * backoff. */
int64_t driver_retry_due(const struct child *c);

/* ---- reload.c ---- */

/* Applies nc (taken on success) to the running tree; -1 with cause when
 * it cannot now (busy, shutting down). Emits config.reloaded when done. */
int reload_apply(struct herdd *h, struct conf *nc, char *cause, size_t len);
/* SIGHUP: reload the file, logging errors instead of replying. */
void reload_signal(struct herdd *h);
/* An observer (ARG: the herdd): at config.reloaded, frees the previous
 * config once nothing uses it. */
void reload_observe(void *arg, const char *topic, struct child *c,
    const char *reason);

/* ---- control.c: the control socket ---- */

/* Listens on ipc://<run_dir>/control.sock. NULL with cause on failure. */
struct control *control_create(struct herdd *h, char *cause, size_t len);
void control_destroy(struct control *ctl);
/* Socket files are 0660 in control.group (-1: herdd's own group): the
 * group may send read-only ops. */
#define CONTROL_SOCKET_MODE 0660
long control_socket_gid(const struct herdd *h);
/* An observer (ARG: the control): waiting requests (start, stop, reload)
 * see lifecycle events. */
void control_on_event(void *arg, const char *topic, struct child *c,
    const char *reason);

/* ---- child-env.c: what a child's process is given ---- */

struct child_ident;
/* The identity a child running as uid gets (passwd entry: login variables
 * and supplementary groups starting from gid). Caller frees with
 * child_ident_destroy. */
struct child_ident *child_ident_create(uid_t uid, gid_t gid);
void child_ident_destroy(struct child_ident *id);
/* The supplementary groups to set (borrowed): their count, or -1 for
 * "only the gid" (no user, or no passwd entry). */
int child_ident_groups(const struct child_ident *id, const gid_t **groups);
/* BASE (herdd's environment; unless clear_env) minus the variables meant
 * for herdd and those set later, the identity's login variables, the
 * child's env, then EXTRA (herdd's own additions, NULL-terminated, may be
 * NULL), each key once. Caller frees the array, not the strings. */
char **child_env_build(char **base, const struct conf_child *spec,
    const struct child_ident *id, char *const *extra);
/* The template's argv plus a pool instance's arguments (a shell command
 * gets the instance path as $0). Caller frees the array, not the strings,
 * when it is not spec's own. */
char **child_argv_build(struct child *c);

/* The fd at which an actor with liveness_ms finds its liveness socket
 * ($HERD_LIVENESS_FD; node-live.c, worker/actor.c). */
#define LIVENESS_FD 3

/* ---- spawn.c: the one door through which herdd creates processes ---- */

/* The controllers a child's "cgroup" limits use: memory, pids, cpu. */
#define CGCTL_N 3

struct spawn_req {
	const char *path;      /* resolved executable */
	char *const *argv;
	char *const *envp;
	const char *cwd;       /* NULL: inherit */
	int has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;   /* supplementary groups to set (ngroups >= 0);
	                          ngroups -1: only gid, when has_gid */
	int ngroups;
	int umask;             /* -1: inherit */
	long nofile;           /* RLIMIT_NOFILE soft limit to set, -1 keep */
	int fds[3];            /* become 0, 1, 2; -1 means /dev/null */
	int extra_fd;          /* -1, or an fd to place at extra_target */
	int extra_target;
	const char *cgroup_procs; /* the child joins this cgroup, or NULL */
	const char *cgroup_v1[CGCTL_N]; /* and these v1 ones (cgroup.procs
	                          of each), the NULL ones not */
	int cgroup_fd;         /* the same cgroup's directory, for clone3's
	                          CLONE_INTO_CGROUP; -1: none */
	const struct conf_limit *limits; /* CONF_NLIMITS of them, or NULL */
};

/*
 * Starts a process for r in its own session, with SIGKILL as its
 * parent-death signal. Returns 0 with *pid set, and *pidfd (if not NULL) a
 * pidfd for it or -1 when none could be had. Returns -1 with cause filled
 * when a step before exec (or exec itself) failed, errno set to that
 * step's error; that process has been reaped already.
 */
int spawn_process(const struct spawn_req *r, pid_t *pid, int *pidfd,
    char *cause, size_t len);
/* Once, before herdd opens anything else: reserves the low fd slots. */
void spawn_init(void);

/* ---- cgroup.c: a cgroup per child start, killed when it ends ---- */

/* At start: herdd's cgroups, after killing what a previous herdd of
 * RUN_DIR (its real path) left in them; the guardian keeps LOCKFD.
 * -1 with cause when there can be none. */
int cgroup_start(struct event_base *base, const char *run_dir, int lockfd,
    char *cause, size_t len);
/* Their directory, or NULL when off. */
const char *cgroup_dir(void);
/* A new cgroup for a start of the child at PATH, with the "cgroup" limits
 * LIM: *run (for cgroup_oom and cgroup_end), and r's cgroup_procs,
 * cgroup_v1 and cgroup_fd (the caller closes that, -1 if it could not be
 * opened); NULL and -1 when off; -1 with cause when it cannot be made. */
struct cgroup_run;
int cgroup_make(const char *path, const struct conf_cgroup *lim,
    struct cgroup_run **run, struct spawn_req *r, char *cause, size_t len);
/* Whether the OOM killer killed a process of the cgroup (a memory limit's
 * or the machine's); only seen with a memory limit. */
int cgroup_oom(const struct cgroup_run *run);
/* The child's main process has ended: kills what is left in the cgroup
 * and removes it (later, once empty). Takes RUN; NULL does nothing. */
void cgroup_end(struct cgroup_run *run);
/* Whether the "cgroup" limits of every worker below SUP (PREFIX: its
 * path, "" for the root), or of C at PATH and below it, can be had here:
 * 0, or -1 with cause naming the first child and limit that cannot, and
 * why (herdd refuses such a config: the machine lacks a controller). */
int cgroup_fits(const struct conf_sup *sup, const char *prefix, char *cause,
    size_t len);
int cgroup_fits_child(const struct conf_child *c, const char *path,
    char *cause, size_t len);
/* At exit, after the last child: kills and removes what is left. */
void cgroup_stop(void);
/* The guardian, which kills the cgroups if herdd is killed (0: none). */
pid_t cgroup_guardian(void);
int cgroup_guardian_is(pid_t pid);

/* Finds FILE in PATH_ENV (execvp's rules); 0 with out filled, or -1. */
int spawn_resolve(const char *file, const char *path_env, char *out,
    size_t len);

#endif
