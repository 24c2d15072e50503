/* herdctl's private header: commands, the client connection, output. */
#ifndef HERD_CTL_H
#define HERD_CTL_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <nng/nng.h>

#include "ipc.h"


#define CTL_DEFAULT_RUN_DIR "/run/herd"
#define CTL_DEFAULT_TIMEOUT_MS 30000

/*
 * Whether herdctl closes its nng sockets and stops nng's threads before it
 * exits. A normal build does not: once the output is flushed, _exit(2)
 * drops the connection to herdd as nng_close would, about 1 ms sooner
 * (nng_close and nng_fini wait for a dozen threads), and client_run leaves
 * a CLIENT_LAST connection open for it. AddressSanitizer builds (make
 * asan-test) tear everything down, so that LeakSanitizer checks herdctl.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CTL_TEARDOWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CTL_TEARDOWN 1
#endif
#endif
#ifndef CTL_TEARDOWN
#define CTL_TEARDOWN 0
#endif

/* Global options, shared by every command. */
struct ctl {
	const char *run_dir;
	int timeout_ms; /* how long to wait for a reply */
	int json;       /* --json: machine output on stdout */
	const char *config; /* -c FILE: the config file, for herdctl config */
};

/* One herdctl command; the first line of help is its summary. */
struct cmd_entry {
	const char *name;
	const char *usage; /* "stop NAME", printed after "usage: herdctl " */
	const char *help;
	int (*exec)(struct ctl *, const struct cmd_entry *, int, char **);
};

#define CTL_USAGE \
	"usage: herdctl [-r RUN_DIR] [-c FILE] [-t TIMEOUT] [--json] COMMAND " \
	"[ARGS...]\n"

/* cmd.c */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *name);
int cmd_usage(const struct cmd_entry *);
void cmd_print_help(const struct cmd_entry *);
void cmd_print_summaries(void);
/* -1 (said on stderr) if one of ARGV[FROM..] is empty: herdctl's word
 * for it, not the protocol's "args.name must be a non-empty string". */
int cmd_no_empty(int argc, char **argv, int from);
int cmd_args(const struct cmd_entry *, int argc, char **argv, int min,
    int max);
int cmd_parse_int(const char *what, const char *s, int64_t min,
    int64_t *out);
cJSON *cmd_json_arg(const char *what, const char *text);
int cmd_child_op(struct ctl *, const struct cmd_entry *, int, char **,
    const char *op, const char *verb);

/* cmd-reload.c: the result of op "reload" or "diff", shared with
 * diff and config --apply */
int cmd_reload_run(const struct ctl *, const char *op);
int cmd_reload_print(const struct ctl *, const cJSON *result);

/* targets.c: several children at once (paths, globs, "all"). Whether
 * ARGV (the NAME arguments) asks for several; their expansion in start
 * order (by MODE) into *out (targets_free); OP on each, with
 * ARGS_OF's arguments, one line per child (VERB): the first failure's
 * exit status. */
int targets_many(int argc, char **argv);
/* their help's common part */
#define CTL_HELP_SEVERAL \
	"With several, one line per child, errors on stderr with the\n" \
	"child's path, the others done; the exit status is the first\n" \
	"failure's; --json prints [{\"path\",\"ok\",\"result\"|\"error\"}].\n"
/* MODE: how the selection is made and ordered */
enum {
	TARGETS_STOP = 1,  /* reverse start order; a supervisor covers its
	                      subtree (stop, terminate) */
	TARGETS_START,     /* start order; running ones skipped (said) */
	TARGETS_ORDER,     /* start order; a supervisor covers its subtree
	                      (restart) */
	TARGETS_WORKERS,   /* start order; workers only (signal) */
};
int targets_expand(struct ctl *ctl, int argc, char **argv, int mode,
    char ***out, size_t *nout);
int targets_run(struct ctl *ctl, char **paths, size_t n, const char *op,
    cJSON *(*args_of)(const char *path, void *arg), void *arg,
    const char *verb);
void targets_free(char **paths, size_t n);
cJSON *targets_name_args(const char *path, void *arg);
/* All of it: the NAME arguments expanded, OP on each with {"name"} and
 * the members of EXTRA (may be NULL). */
int targets_apply(struct ctl *ctl, int argc, char **argv, int mode,
    const char *op, const cJSON *extra, const char *verb);

/* proc-usage.c: status --resources. Adds "cpu_percent" (over
 * PROC_SAMPLE_MS) and "rss_bytes" of each child's process group, from
 * /proc, to the objects of CHILDREN that have a pid. */
#define PROC_SAMPLE_MS 250
void proc_usage_add(cJSON *children);
/* The same from two samples of /proc taken SECS apart (herdctl top's,
 * one a redraw): proc_sample_take, then proc_usage_between, and each
 * sample's proc_sample_free. */
struct proc_sample;
struct proc_sample *proc_sample_take(void);
void proc_usage_between(const struct proc_sample *a,
    const struct proc_sample *b, double secs, cJSON *children);
void proc_sample_free(struct proc_sample *);

/* cmd-help.c */
void cmd_help_all(void);

/* client.c: one req0 connection to herdd's control socket. */
struct client;

/* The outcome of one request: reply and result are NULL unless the
 * transport worked; cause is set whenever exit is not IPC_EXIT_OK. */
struct call {
	cJSON *reply;  /* owned: the whole envelope */
	cJSON *result; /* borrowed from reply, set when ok is true */
	int exit;      /* IPC_EXIT_* */
	char *cause;   /* owned */
	int want_raw;  /* CLIENT_RAW was asked: a successful result may come
	                  back as text only */
	char *raw;     /* owned: the result's JSON text, when want_raw and
	                  herdd's reply allowed it (then result is NULL) */
};

#define CLIENT_QUIET 0x1 /* client_run: do not report errors */
#define CLIENT_RAW 0x2   /* client_run: want_raw */
#define CLIENT_LAST 0x4  /* client_run: the command's last use of nng, and
                            it returns soon after (see CTL_TEARDOWN) */

int client_dial(nng_socket, const char *url, int timeout_ms, char **cause);
struct client *client_open(const struct ctl *, char **cause);
int client_call(struct client *, const char *op, cJSON *args, struct call *);
int client_wait_gone(struct client *, int timeout_ms);
void client_close(struct client *);
int client_run(const struct ctl *, const char *op, cJSON *args, struct call *,
    int flags);
void call_report(const struct ctl *, const struct call *);
void call_clear(struct call *);

/* follow.c: the event stream, replayed then live, deduplicated by seq. */
struct follow;

enum follow_status {
	FOLLOW_EVENT,   /* *ev is the next event (caller frees) */
	FOLLOW_TIMEOUT, /* the deadline passed */
	FOLLOW_STOP,    /* SIGINT, SIGTERM, or stdout closed */
	FOLLOW_ERROR,   /* already reported; *exit holds the exit code */
	FOLLOW_INPUT    /* the fd given to follow_watch_input is readable */
};

struct follow *follow_open(struct ctl *, const char *filter, int watch_stdout,
    int *exit);
int follow_start(struct follow *, int64_t since);
enum follow_status follow_next(struct follow *, cJSON **ev,
    int64_t deadline_ms, int *exit);
struct client *follow_client(struct follow *);
/* follow_next also returns FOLLOW_INPUT when FD has input (-1: none). */
void follow_watch_input(struct follow *, int fd);
void follow_close(struct follow *);

/* threads.c */
void threads_pin(void);

/* duration.c */
int duration_parse(const char *s, int *ms);
void duration_format(char *buf, size_t len, int64_t ms);
void duration_format_short(char *buf, size_t len, int64_t ms);
int64_t duration_now_ms(void);

/* output.c */
void output_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int output_json(const cJSON *);
int output_flush(void);
const char *output_string(const cJSON *obj, const char *key, const char *dflt);
int output_int(const cJSON *obj, const char *key, int64_t *out);
/* A size in bytes as 512K, 1.5M, 2.1G. */
void output_bytes(double b, char *buf, size_t len);

struct table;
struct table *table_create(int ncols);
void table_add(struct table *, const char *const *cells);
void table_print(const struct table *);
void table_destroy(struct table *);

#endif
