/* herd's configuration: the validated, typed form of herd.json. */
#ifndef HERD_CONF_H
#define HERD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum conf_type { CONF_WORKER, CONF_SUPERVISOR };
enum conf_strategy {
	CONF_ONE_FOR_ONE,
	CONF_ONE_FOR_ALL,
	CONF_REST_FOR_ONE,
	CONF_SIMPLE_ONE_FOR_ONE
};
enum conf_restart { CONF_PERMANENT, CONF_TRANSIENT, CONF_TEMPORARY };
enum conf_ready { CONF_READY_EXEC, CONF_READY_NOTIFY, CONF_READY_FD };
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

struct conf_sup;

/* One entry of a "children" array: a worker or a nested supervisor. */
struct conf_child {
	char *name;
	enum conf_type type;
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
	uint8_t normal_exit[32];   /* bitmap of exit codes that count as normal;
	                              default only 0 */
	struct conf_backoff backoff;
	enum conf_output out, err; /* default log */

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

struct conf {
	char *path;     /* the file it was read from */
	char *run_dir;  /* default "/run/herd" */
	char *log_dir;  /* default "/var/log/herd" */
	size_t log_max_bytes; /* default 10 MiB; 0 = never rotate */
	unsigned log_backups; /* default 5 */
	int notify_abstract;  /* 1: children's NOTIFY_SOCKET in the abstract
	                         namespace instead of run_dir/notify/ */
	struct conf_sup root; /* the "supervisor" object */
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

/* As conf_load, from TEXT of LEN bytes; PATH names it in messages. */
int conf_parse(const char *path, const char *text, size_t len,
    struct conf **out, struct conf_errors *errs);

void conf_free(struct conf *c);
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
