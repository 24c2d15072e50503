/* herd's configuration: the validated, typed form of herd.json. */
#ifndef HERD_CONF_H
#define HERD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "type": an actor is a worker that speaks the actor protocol (libherd):
 * after loading, its type is CONF_WORKER with conf_child.actor set. */
enum conf_type { CONF_WORKER, CONF_SUPERVISOR, CONF_ACTOR };
enum conf_strategy {
	CONF_ONE_FOR_ONE,
	CONF_ONE_FOR_ALL,
	CONF_REST_FOR_ONE,
	CONF_SIMPLE_ONE_FOR_ONE
};
enum conf_restart { CONF_PERMANENT, CONF_TRANSIENT, CONF_TEMPORARY };
enum conf_ready { CONF_READY_EXEC, CONF_READY_NOTIFY, CONF_READY_FD,
	CONF_READY_ACTOR };
enum conf_auto_shutdown {
	CONF_AUTO_NEVER,
	CONF_AUTO_ANY_SIGNIFICANT,
	CONF_AUTO_ALL_SIGNIFICANT
};
/* Where a child's stdout or stderr goes. */
enum conf_output { CONF_OUT_LOG, CONF_OUT_NULL, CONF_OUT_INHERIT };

/* shutdown_ms special values; any value >= 0 is a timeout in ms. */
#define CONF_SHUTDOWN_BRUTAL (-1L)
#define CONF_SHUTDOWN_INFINITY (-2L)

/* Optional restart delay (off unless "backoff" is given). */
struct conf_backoff {
	int enabled;
	unsigned initial_ms;     /* first delay, default 100 */
	unsigned max_ms;         /* cap, default 30000 */
	double multiplier;       /* default 2.0 */
	double jitter;           /* 0..1, fraction added at random, default 0.1 */
	unsigned reset_after_ms; /* up this long resets the delay, default 10000 */
};

/* "limits": resource limits (setrlimit) the child gets before exec, by
 * name as systemd's LimitNAME= and ulimit name them. */
#define CONF_NLIMITS 16
#define CONF_LIMIT_INFINITY UINT64_MAX
struct conf_limit {
	int set;
	uint64_t soft, hard;       /* CONF_LIMIT_INFINITY: none */
};
/* The names ("nofile", ...) and their RLIMIT_* numbers, by index. */
extern const char *const conf_limit_names[CONF_NLIMITS];
extern const int conf_limit_resources[CONF_NLIMITS];

/* "cgroup": limits a controller of the child's own cgroup enforces on
 * it and everything it starts (systemd's MemoryMax=, TasksMax=,
 * CPUWeight=, CPUQuota=). 0: not set; CONF_LIMIT_INFINITY: "infinity". */
struct conf_cgroup {
	uint64_t memory_max;    /* bytes */
	uint64_t pids_max;      /* processes and threads */
	unsigned cpu_weight;    /* 1..10000, cgroup2's scale (v1: shares) */
	uint64_t cpu_max_us;    /* CPU time per 100 ms period, in us */
};
#define CONF_CPU_PERIOD_US 100000

struct conf_sup;

/* One entry of a "children" array: a worker or a nested supervisor. */
struct conf_child {
	char *name;
	enum conf_type type;       /* CONF_WORKER or CONF_SUPERVISOR */
	int actor;                 /* "type": "actor": a worker linked with
	                              libherd, ready "actor" */
	enum conf_restart restart; /* default permanent */
	long shutdown_ms;          /* default 5000 workers, infinity supervisors */
	int significant;           /* default 0 */

	/* workers */
	char **argv;               /* NULL-terminated; a string command becomes
	                              {"/bin/sh", "-c", command, NULL} */
	char **env;                /* NULL-terminated "KEY=VALUE", added to herdd's */
	int clear_env;             /* 1: start from an empty environment */
	char *cwd;                 /* NULL: herdd's cwd */
	char *user;                /* as written, NULL if absent */
	char *group;
	uid_t uid;                 /* resolved at load time */
	gid_t gid;
	int has_uid, has_gid;
	int umask;                 /* -1: inherit */
	int stop_signal;           /* default SIGTERM */
	enum conf_ready ready;     /* default exec */
	int ready_fd;              /* fd number in the child for ready:"fd", default 3 */
	unsigned ready_timeout_ms; /* 0: wait forever (default) */
	unsigned watchdog_ms;      /* 0: none; else the child must send
	                              WATCHDOG=1 at least this often */
	unsigned liveness_ms;      /* an actor's: 0 none; else herdd checks
	                              its loop this often (A14) */
	unsigned liveness_timeout_ms; /* how long a check may wait for the
	                                 answer; 0: liveness_ms */
	size_t mailbox_bytes;      /* an actor's: what one sender may hold for
	                              it (A8); default 8 MiB */
	uint8_t normal_exit[32];   /* bitmap of exit codes that count as normal;
	                              default only 0 */
	struct conf_backoff backoff;
	enum conf_output out, err; /* default log */
	struct conf_limit limits[CONF_NLIMITS]; /* "limits", each unset by
	                                           default */
	struct conf_cgroup cgroup; /* "cgroup", each unset by default */

	/* supervisors (type "supervisor") */
	struct conf_sup *sup;
};

struct conf_sup {
	enum conf_strategy strategy; /* default one_for_one */
	unsigned intensity;          /* default 1 */
	unsigned period_ms;          /* default 5000 */
	enum conf_auto_shutdown auto_shutdown; /* default never */
	unsigned max_instances;      /* simple_one_for_one only, 0 = unlimited */
	struct conf_child **children;
	size_t nchildren;
};

/* One "control.tcp.allow" entry: an address and the bits that must match. */
struct conf_cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network order; 4 bytes used for AF_INET,
	                            bits past prefix are zero */
	int prefix;              /* 0..32 or 0..128 */
};

/* One "control.tcp.allow_subjects" entry: a TLS client whose verified
 * certificate has this subject ("CN=ci, O=example") or DNS name
 * ("DNS:ci.example.com") acts as local user uid. */
struct conf_subject {
	char *name;
	uid_t uid;
};

/* One "control.allow_run_as" entry: a peer that may add or spawn children
 * running as other users than itself. */
struct conf_run_as {
	uid_t peer;
	int any;                  /* "*": as anyone */
	uid_t *as;                /* else these users */
	size_t nas;
};

/* The "control" object: who may use the control sockets, and the TCP
 * listener. Absent, every field has its default. */
struct conf_control {
	gid_t gid;                /* group of the socket files (mode 0660) */
	int has_group;            /* 0: herdd's gid */
	uid_t *allow_uids;        /* may send mutating ops, besides root and
	                             herdd's own uid; resolved at load time */
	size_t nallow_uids;
	gid_t *allow_gids;        /* members (primary or supplementary) may */
	size_t nallow_gids;
	struct conf_run_as *run_as; /* who, besides root and herdd's user,
	                             may run children as someone else */
	size_t nrun_as;
	size_t max_request_bytes; /* 1024..16777216, default 65536 */
	unsigned event_ring;      /* events kept for replay, default 4096 */
	unsigned max_conns;       /* connections open at once, default 8192 */
	unsigned max_conns_user;  /* per uid (per address over tcp), default
	                             2048 */

	/* "tcp": all NULL/0 unless given; then url, cert, key and a
	   non-empty allow list are set */
	char *tcp_url;            /* "tls+tcp://HOST:PORT" */
	char *tls_cert, *tls_key; /* PEM files */
	char *tls_ca;             /* NULL: TCP clients are read-only; else
	                             they must present a cert signed by it
	                             and may then mutate */
	struct conf_cidr *tcp_allow; /* peers allowed to connect */
	size_t ntcp_allow;
	struct conf_subject *tcp_subjects; /* certificates that act as a
	                                      local user */
	size_t ntcp_subjects;
};

/* Step sagas ("sagas" in herd.json; docs/sagas.md "Step sagas"): run by
 * herd-sagad, validated here so that herdd --check reports them. */
enum conf_action_kind {
	CONF_ACTION_NONE = 0,
	CONF_ACTION_COMMAND, /* argv: run, exit 0 is success */
	CONF_ACTION_ACTOR,   /* a job on the saga worker actor */
};

struct conf_action {
	enum conf_action_kind kind;
	char **argv;      /* COMMAND */
	char *actor;      /* ACTOR: its name */
	char *value;      /* ACTOR: the job's value as JSON text, NULL: the
	                     TX's value */
};

struct conf_step {
	char *name;
	struct conf_action action, compensate; /* compensate may be NONE */
	unsigned timeout_ms;     /* default 30000 */
	unsigned retries;        /* after the first attempt, default 0 */
	unsigned retry_delay_ms; /* default 100 */
};

struct conf_saga {
	char *name;
	int two_phase;           /* actor steps prepared, committed at the end */
	unsigned lifespan_ms;    /* default 0: the TX's own */
	struct conf_step *steps;
	size_t nsteps;
};

struct conf_sagas {
	struct conf_saga *v;
	size_t n;
};

/* "http": herdd's HTTP listener (status page, /metrics, /api/v1; see
 * docs/http.md), off unless given. */
struct conf_http {
	char *listen;       /* "HOST:PORT" as written; NULL: no listener */
	char *host;         /* the numeric address, without brackets */
	unsigned port;      /* 0: one the kernel picks (run_dir/http.addr) */
	int loopback;       /* host is 127.0.0.0/8 or ::1 */
	char *token_file;   /* the bearer token's file; NULL: none */
	int public_read;    /* reads need no token (loopback only) */
	unsigned mutations_per_minute; /* POSTs allowed, default 60 */
	unsigned max_connections;      /* open at once, default 64 */
};

struct conf {
	char *path;     /* the file it was read from */
	char *text;     /* its text, for diff's old and new values */
	char *run_dir;  /* default "/run/herd" */
	char *log_dir;  /* default "/var/log/herd" */
	size_t log_max_bytes; /* default 10 MiB; 0 = never rotate */
	unsigned log_backups; /* default 5 */
	int notify_abstract;  /* 1: children's NOTIFY_SOCKET in the abstract
	                         namespace instead of run_dir/notify/ */
	int log_level;        /* herdd's own log: 0 error .. 3 debug, default
	                         2 (info) */
	struct conf_sup root; /* the "supervisor" object */
	struct conf_control control;
	struct conf_sagas sagas; /* the "sagas" object, n 0 if none */
	struct conf_http http;   /* the "http" object; listen NULL if none */
};

/* Every problem found in one config, in file order. */
struct conf_errors {
	char **msgs; /* "FILE:LINE:COL: PATH: message" */
	size_t n;
};

/*
 * Reads and validates PATH. On success returns 0 and *out (caller frees with
 * conf_free), errs empty. On failure returns -1, *out is NULL and errs holds
 * every error in file order (caller frees with conf_errors_clear); a file
 * that cannot be read gives one error naming it. errs is overwritten, not
 * appended to. Resolves "user" and "group" with getpwnam/getgrnam.
 */
int conf_load(const char *path, struct conf **out, struct conf_errors *errs);
/* The members FIELD of the objects at PATH ("" the root supervisor, else
 * "api/web") of the files OLD and NEW were read from, as JSON text as
 * written (caller frees; NULL: not given, its default): for diff. */
void conf_field_values(const struct conf *old, const struct conf *new,
    const char *path, const char *field, char **was, char **now);

/* As conf_load, from TEXT of LEN bytes; PATH names it in messages. */
int conf_parse(const char *path, const char *text, size_t len,
    struct conf **out, struct conf_errors *errs);

void conf_free(struct conf *c);
/* Replaces run_dir and/or log_dir (NULL: keep), as herdd's --run-dir and
 * --log-dir do. */
void conf_override_dirs(struct conf *c, const char *run_dir,
    const char *log_dir);
void conf_errors_clear(struct conf_errors *errs);

/* Whether exit CODE counts as normal for child C. */
int conf_exit_is_normal(const struct conf_child *c, int code);

/*
 * Validates one child object (as in a "children" array) given as JSON TEXT
 * of LEN bytes, e.g. for a child added at runtime; WHAT names the text in
 * messages, whose paths start at the child ("name", "backoff.max_ms").
 * Sibling names are not checked. On success returns 0 and *out (caller
 * frees with conf_child_free); on failure -1 and errs as for conf_load.
 */
int conf_child_parse(const char *what, const char *text, size_t len,
    struct conf_child **out, struct conf_errors *errs);
void conf_child_free(struct conf_child *c);

/* ---- conf-diff.c: what a reload from one config to another changes ---- */

enum conf_change {
	CONF_CH_ADDED,   /* only in the new config */
	CONF_CH_REMOVED, /* only in the old one */
	CONF_CH_CHANGED, /* in both, differing in what the process runs with:
	                    it must restart (a supervisor: its whole subtree) */
	CONF_CH_SETTINGS /* a supervisor's strategy, intensity, period_ms,
	                    auto_shutdown, max_instances, or the "order" of
	                    its children: applied in place */
};

struct conf_diff_entry {
	char *path;              /* tree path ("api/web"); "" is the root */
	enum conf_change change;
	char *fields;            /* "command, env" (config key names) for
	                            CHANGED and SETTINGS; NULL otherwise */
};

struct conf_diff {
	struct conf_diff_entry *v; /* owned, in tree order */
	size_t n;
	char **notes;              /* owned: top-level changes, e.g. "run_dir
	                              changed: takes effect when herdd
	                              restarts" */
	size_t nnotes;
};

/*
 * Compares OLD and NEW (both valid configs, borrowed) into OUT (caller clears
 * with conf_diff_clear), overwritten. Entries come in tree order: depth
 * first, in NEW's order, a removed child where it was among its old
 * siblings; a node's own entry before its children's. Children are matched
 * by name among siblings; one whose type changed is REMOVED then ADDED. A
 * supervisor present in both is diffed recursively, even when CHANGED (an
 * applier that restarts a CHANGED supervisor can skip the entries under its
 * path); its settings give a SETTINGS entry, except that a strategy change
 * from or to simple_one_for_one is CHANGED. Returns 0, or -1 when out of
 * memory (OUT is then empty).
 */
int conf_diff(const struct conf *old, const struct conf *new,
    struct conf_diff *out);
void conf_diff_clear(struct conf_diff *d);
/* "added", "removed", "changed", "settings". Static strings. */
const char *conf_change_name(enum conf_change c);

/*
 * Returns 1 if children A and B (borrowed) run the same: for workers every
 * field that matters to the process (command, env as a set, clear_env, cwd,
 * uid/gid, umask, stop_signal, ready, ready_fd, ready_timeout_ms,
 * normal_exit_codes, backoff, stdout, stderr) and restart, shutdown,
 * significant and type; for supervisors only restart, shutdown,
 * significant, type and whether the strategy is simple_one_for_one (not
 * their other settings nor their children). Else returns 0 and writes the
 * differing keys' names, ", "-separated in schema order, into FIELDS (LEN
 * bytes, cut if short; FIELDS may be NULL when LEN is 0).
 */
int conf_child_same(const struct conf_child *a, const struct conf_child *b,
    char *fields, size_t len);

/*
 * ---- conf-edit*.c: editing herd.json as a tree, and writing it safely ----
 *
 * The tree is cJSON's (objects keep their key order). Paths name a node two
 * ways: a JSON path from the top ("supervisor.children[1].restart",
 * "log_dir", "env[\"A.B\"]"), or a child path, the tree path of a child
 * then optionally a key path inside it ("api/web", "api/web.restart",
 * "db.env.PORT"). A path whose first key is a top-level member is a JSON
 * path; one with a "/" or whose first name is not a top-level key is a child
 * path (names may hold dots: the longest child name that fits wins).
 * Functions returning -1 set *cause (caller frees); nodes handed out are
 * borrowed from the tree.
 */
struct cJSON;

/* Reads PATH as a tree. Returns 0 and *root (caller frees with
 * cJSON_Delete), or -1 and errs (as conf_load's) when the file cannot be
 * read, is not JSON or not an object. errs is overwritten. */
int conf_edit_load(const char *path, struct cJSON **root,
    struct conf_errors *errs);

/* ROOT in herd's layout: 2-space indent, key order kept, arrays of scalars
 * on one line when it fits in 80 columns, a final newline; printing a
 * printed file again gives the same text. Caller frees; NULL when out of
 * memory. */
char *conf_edit_print(const struct cJSON *root);

/* The node at PATH ("" is ROOT itself), or NULL with *cause. */
struct cJSON *conf_edit_get(struct cJSON *root, const char *path,
    char **cause);

/*
 * Sets PATH to VALUE: VALUE's text as JSON when it is valid JSON, else as a
 * string ("transient" and "\"transient\"" are the same). The last key of
 * PATH is created when absent (and an array index equal to the length
 * appends); everything before it must exist. Returns 0, or -1 with *cause
 * and ROOT unchanged. The result is not validated: conf_edit_write does.
 */
int conf_edit_set(struct cJSON *root, const char *path, const char *value,
    char **cause);

/* Appends the child object CHILD (JSON text) to the supervisor SUP: "" or
 * "." for the root one, else a child path ("api") of a child of type
 * "supervisor"; creates its "children" array when absent. Refuses a name
 * already there. Returns 0, or -1 with *cause and ROOT unchanged. */
int conf_edit_add_child(struct cJSON *root, const char *sup,
    const char *child, char **cause);

/* Removes the child at child path PATH ("api/web") from its supervisor. */
int conf_edit_remove_child(struct cJSON *root, const char *path,
    char **cause);

/*
 * Writes ROOT (printed by conf_edit_print) or TEXT (LEN bytes, as it is) to
 * the config file PATH, after validating it with conf_parse: an invalid
 * config writes nothing and returns -1 with every error in errs and *cause
 * "N errors in PATH". Otherwise, holding an flock on the current file: a
 * temp file ".NAME.tmp" in the same directory (O_EXCL, the file's mode and
 * owner) is written and fsync'd, the current file becomes NAME.bak (atomic
 * replace), the temp file is renamed over NAME and the directory fsync'd.
 * Killed at any point, NAME is the old or the new file, never a part; a
 * stale temp file is removed by the next write. A symlink PATH writes its
 * target. Returns 0, or -1 with *cause (errs empty) on a system error.
 */
int conf_edit_write(const char *path, const struct cJSON *root,
    struct conf_errors *errs, char **cause);
int conf_edit_write_text(const char *path, const char *text, size_t len,
    struct conf_errors *errs, char **cause);

/* Swaps PATH and PATH.bak (so a second rollback undoes the first), after
 * checking that PATH.bak is a valid config (if not: -1, its errors in errs,
 * nothing changed). Returns 0, or -1 with *cause. */
int conf_edit_rollback(const char *path, struct conf_errors *errs,
    char **cause);

/* Whether control.allow_run_as lets PEER run children as AS. */
int conf_run_as_granted(const struct conf_control *c, uid_t peer, uid_t as);

struct sockaddr;
/* Whether peer address SA (AF_INET or AF_INET6; an IPv4-mapped IPv6
 * address counts as IPv4) is in one of C's tcp_allow entries. */
int conf_cidr_match(const struct conf_control *c, const struct sockaddr *sa);
/* Parses "ADDR" or "ADDR/PREFIX" (IPv4 or IPv6) into OUT; 0 or -1. */
int conf_cidr_parse(const char *s, struct conf_cidr *out);

/* NULL if S may name a child, else what a name must be ("a name of 1 to
 * 64 letters, ..."): herd.json's rule, for names given at run time. */
const char *conf_name_problem(const char *s);

/* The config's spelling of each enum value ("one_for_one", ...); "?" for a
 * value out of range. Static strings. */
const char *conf_type_name(enum conf_type v);
const char *conf_strategy_name(enum conf_strategy v);
const char *conf_restart_name(enum conf_restart v);
const char *conf_ready_name(enum conf_ready v);
const char *conf_auto_shutdown_name(enum conf_auto_shutdown v);
const char *conf_output_name(enum conf_output v);
/* "SIGTERM" for SIGTERM, from the table stop_signal accepts; NULL if the
 * signal is not in it. Static strings. */
const char *conf_signal_name(int sig);

#endif
