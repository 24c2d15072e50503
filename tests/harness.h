/* Integration test harness: runs a real herdd in a temp dir, talks to its
 * control socket and records every event it publishes, in seq order. */
#ifndef HERD_TEST_HARNESS_H
#define HERD_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <nng/nng.h>

/* Default deadline of every wait, in ms (scaled up for ASan builds). */
#define HT_TIMEOUT 10000
#define HT_T ht_ms(HT_TIMEOUT)

/* Config fragment naming the test's run and log dirs. */
#define HT_DIRS "'run_dir':'@RUN@','log_dir':'@LOG@'"

struct ht_child {
	int found;
	pid_t pid;
	char state[32];
	int restarts;
};

/*
 * One test's herdd. Everything a harness function returns (cJSON replies,
 * strings) is owned by the harness and freed by ht_teardown.
 */
struct ht {
	char dir[256];     /* the test's temp dir (@TMP@) */
	char run[300];     /* @RUN@ */
	char log[300];     /* @LOG@ */
	char conf[300];    /* the config file */
	char err[300];     /* herdd's stdout and stderr */
	char child[4096];  /* @CHILD@: the testchild tool */
	char actor[4096];  /* @ACTOR@: the testactor tool (libherd) */
	char examples[4096]; /* @EXAMPLES@: the example actors' dir */
	char build[4096];  /* @BUILD@: the build dir (herd-sagad) */
	char herdd[4096];
	char herdctl[4096];

	/* Set before ht_launch, for tests of what children inherit: */
	const char *ctty;      /* herdd starts a session with this terminal
	                          as its controlling one */
	const char *etc_group; /* herdd sees this file as /etc/group (a
	                          private mount namespace; needs root) */
	int herdd_uid;         /* > 0: herdd runs as this uid and gid, with
	                          no supplementary groups (needs root; the
	                          test makes its dir theirs) */
	const char *log_tmpfs; /* herdd sees log_dir as a tmpfs mounted with
	                          these options ("size=64k,mode=0750"; the
	                          same private mount namespace; the test
	                          reaches it as /proc/HERDD/root/LOG) */

	pid_t helpers[8];  /* the test's own processes, killed at teardown */
	int nhelpers;

	pid_t pid;         /* herdd, 0 if none */
	int pidfd;
	int exit_code;     /* once reaped: exit status, or 128 + signal */

	nng_socket req, sub;
	int req_open, sub_open;
	nng_aio *aio;      /* the one request in flight */
	int aio_pipe[2];
	int sub_fd;
	unsigned long long req_id;

	cJSON *events;     /* every event seen, in seq order */
	long long last_seq;
	int cursor;        /* next event ht_wait_event looks at */
	cJSON *seen;       /* the one before it, at index seen_at (NULL:
	                      none yet) */
	int seen_at;
	int gaps;          /* gaps that could not be refilled */

	cJSON *keep;       /* replies handed out, freed at teardown */
	char **strs;       /* strings handed out, freed at teardown */
	size_t nstrs;
};

/* cmocka setup and teardown: a fresh temp dir; stop herdd, kill what is
 * left of its children (by PID), remove the dir (kept if HT_KEEP is set). */
int ht_setup(void **state);
int ht_teardown(void **state);

/* Scales a deadline for slow (ASan) builds. */
int ht_ms(int ms);

/*
 * Writes the config from TMPL, where ' stands for " and @RUN@, @LOG@,
 * @CHILD@, @ACTOR@, @EXAMPLES@, @TMP@ are replaced, and starts herdd on it (ht_launch); then
 * waits until it answers ping and subscribes to its events (ht_boot).
 */
void ht_launch(struct ht *h, const char *tmpl);
/* Only the config file, from TMPL as above (a reload's new config). */
void ht_write_conf(struct ht *h, const char *tmpl);
void ht_boot(struct ht *h, const char *tmpl);

/* A path under the temp dir (harness-owned). */
const char *ht_path(struct ht *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sends OP with ARGS (JSON text, ' for ", or NULL); returns the whole reply
 * or fails the test if none comes in time. ht_result also asserts ok and
 * returns the result. */
cJSON *ht_request(struct ht *h, const char *op, const char *args);
cJSON *ht_result(struct ht *h, const char *op, const char *args);
/* The reply's error code, or NULL when it is ok. */
const char *ht_error_code(const cJSON *reply);

/* Waits for the next event (from the cursor on) with TOPIC and PATH (NULL:
 * any) and moves the cursor past it; fails the test after TIMEOUT_MS. */
cJSON *ht_wait_event(struct ht *h, const char *topic, const char *path,
    int timeout_ms);
/* The same, but NULL on timeout (the cursor is then past every event). */
cJSON *ht_try_event(struct ht *h, const char *topic, const char *path,
    int timeout_ms);
/* Fetches every event published so far (a round trip to herdd). */
void ht_sync_events(struct ht *h);
/* The seq of the last event seen. */
long long ht_last_seq(struct ht *h);
/* "topic path, topic path, ..." of the events after seq AFTER whose topic
 * starts with PREFIX, up to and including seq UPTO (0: all seen). */
const char *ht_trace(struct ht *h, long long after, long long upto,
    const char *prefix);
/* The first event after seq AFTER with TOPIC and PATH; NULL if none. */
cJSON *ht_find_event(struct ht *h, long long after, const char *topic,
    const char *path);
double ht_num(const cJSON *o, const char *key);
void ht_dump_events(struct ht *h);

/* The child at PATH in herdd's status. */
struct ht_child ht_status(struct ht *h, const char *path);
pid_t ht_pid(struct ht *h, const char *path);
/* Waits until PATH is in STATE, re-checking after each event. */
void ht_wait_state(struct ht *h, const char *path, const char *state,
    int timeout_ms);

/* The test started PID (a helper holding connections, say): teardown
 * kills and reaps it if the test did not. */
void ht_adopt(struct ht *h, pid_t pid);
/* Kills and reaps an adopted PID now. */
void ht_kill_helper(struct ht *h, pid_t pid);

/* Waits for herdd to exit; returns its exit status (128 + signal if
 * killed). Fails the test after TIMEOUT_MS. */
int ht_wait_exit(struct ht *h, int timeout_ms);
/* The shutdown op, then waits for exit; returns the exit status. */
int ht_shutdown(struct ht *h);
/* Kills herdd with SIGKILL and reaps it. */
void ht_kill_herdd(struct ht *h);

/* Connects to the unix socket PATH and closes at once, before nng's SP
 * handshake (what wedges nng 1.5.2's listener, bug #1518). */
void ht_connect_close(const char *path);
/* Connects to the ipc socket at PATH and sends an SP header as a req0
 * peer, speaking nng's wire by hand; the fd, or -1. */
int ht_sp_connect(const char *path);
/* The same as a peer of SP protocol PROTO (0x21: sub0). */
int ht_sp_connect_as(const char *path, unsigned proto);
/* An integer field of /proc/PID/status ("VmRSS", "Uid": its first
 * number); fails the test if absent. */
long ht_proc_status(pid_t pid, const char *field);

/*
 * Waits for a state that no event announces (a count in a reply, a line
 * in a file another process writes without inotify's help): checks
 * COND(h, ARG) now and then every 10 ms until it holds (1) or TIMEOUT_MS
 * passed (0). The deadline is the bound; the period only spares the CPU.
 */
int ht_until(struct ht *h, int (*cond)(struct ht *h, void *arg), void *arg,
    int timeout_ms);

/* PID's open fds, counted in /proc; fails the test if it cannot. */
int ht_count_fds(pid_t pid);
/* Waits until PID is gone; 1 if it is (or was not there), 0 on timeout. */
int ht_wait_gone(pid_t pid, int timeout_ms);
/* Opens a pidfd on PID (-1 if it is gone) for a later ht_wait_pidfd. */
int ht_pidfd(pid_t pid);
int ht_wait_pidfd(int pidfd, int timeout_ms);
int ht_alive(pid_t pid);

/*
 * Runs ARGV (NULL-terminated), collecting stdout and stderr; kills it after
 * TIMEOUT_MS. Returns its exit status (128 + signal), -1 on timeout.
 */
int ht_run(struct ht *h, char *const argv[], int timeout_ms, const char **out,
    const char **err);
/* The same as user UID, group UID (nobody:nogroup is 65534:65534), with
 * no supplementary groups; UID -1 runs as the test. Needs root. */
int ht_run_as(struct ht *h, int uid, char *const argv[], int timeout_ms,
    const char **out, const char **err);
/* herdctl -r RUN -t 5s ARGS... with a 5 s deadline (as UID). */
int ht_herdctl(struct ht *h, const char **out, const char **err, ...)
    __attribute__((sentinel));
int ht_herdctl_as(struct ht *h, int uid, const char **out, const char **err,
    ...) __attribute__((sentinel));

/* "path path ..." of herdd's status, in its order (harness-owned). */
const char *ht_status_order(struct ht *h);

/* Runs herdctl ARGS (ht_herdctl), which must exit EXPECT; fails the test
 * with its output and the events seen otherwise. */
#define HT_CTL(h, expect, out, err, ...) do { \
	int code_ = ht_herdctl(h, out, err, __VA_ARGS__, NULL); \
	if (code_ != (expect)) { \
		ht_dump_events(h); \
		fail_msg("herdctl " #__VA_ARGS__ " exited %d, not %d\n" \
		    "stdout: %s\nstderr: %s", code_, (expect), *(out), \
		    *(err)); \
	} \
} while (0)

/* S (malloc'd) is the harness's now: freed at teardown. Returns S. */
char *ht_keep_str(struct ht *h, char *s);

/* ---- harness-http.c: HTTP/1.1 by hand on loopback, for the listener's
 * tests (what they send may be as broken as they like) ---- */

/* A reply: its status (-1: none could be read), and the whole text and
 * the body in it (harness-owned). */
struct ht_resp {
	int status;
	const char *raw;
	const char *body;
};
/* "127.0.0.1:PORT" from run_dir/http.addr, where herdd wrote it. */
const char *ht_http_addr(struct ht *h);
/* A TCP connection to HOSTPORT (IPv4); fails the test if none. */
int ht_tcp_connect(const char *hostport);
/* Writes all of S (N bytes) to FD. */
void ht_send_all(int fd, const char *s, size_t n);
/* What FD gives until NEEDLE shows (NULL: until EOF) or TIMEOUT_MS;
 * *eof set when the peer closed (harness-owned). */
const char *ht_read_until(struct ht *h, int fd, const char *needle,
    int timeout_ms, int *eof);
/* RAW (LEN bytes) sent to HOSTPORT on a connection of its own; the reply
 * read until it is whole (its Content-Length) or the peer closes. */
struct ht_resp ht_http_raw(struct ht *h, const char *hostport,
    const char *raw, size_t len);
/* METHOD PATH with HEADERS ("" or lines each ending in \r\n) and BODY
 * (NULL: none; JSON unless HEADERS name a Content-Type), Connection:
 * close. */
struct ht_resp ht_http(struct ht *h, const char *hostport,
    const char *method, const char *path, const char *headers,
    const char *body);

/* Fails the test unless HAY contains NEEDLE. */
#define HT_CONTAINS(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) \
		fail_msg("\"%s\" not in:\n%s", (needle), (hay)); \
} while (0)

/* Writes TEXT to PATH (created 0644 or truncated); 0, or -1. */
int ht_write_file(struct ht *h, const char *path, const char *text);
/* A file's contents (harness-owned), NULL if it cannot be read. */
const char *ht_read_file(struct ht *h, const char *path);
/* Waits (inotify on its directory, with a deadline) until the file at
 * PATH contains NEEDLE; returns its contents, or NULL on timeout. */
const char *ht_wait_file(struct ht *h, const char *path, const char *needle,
    int timeout_ms);
/* herdd's stdout and stderr so far. */
const char *ht_herdd_output(struct ht *h);

#endif
