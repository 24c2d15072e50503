/* Private to the control socket (control.c, reply.c, wait.c) and its ops
 * (op-*.c, the actor registry). */
#ifndef HERDD_CONTROL_H
#define HERDD_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <event2/util.h>
#include <nng/nng.h>

struct event;

#include "herdd.h"
#include "ipc.h"

/* What a deferred reply waits for. */
enum wait_kind {
	W_START, /* child.started, or child.start_failed */
	W_STOP,  /* child.stopped, child.exited or child.deleted */
	W_SPAWN, /* as W_START; the result also names the pool instance */
};

/* A request whose reply waits for a lifecycle event. */
struct waiter {
	struct waiter *next;
	unsigned long serial;
	nng_msg *hdr; /* routing header of the request */
	uint64_t id;
	char *path;
	enum wait_kind kind;
	const char *op;   /* the op's name, from its table: for the counts */
};

/* Replies sent, by op and outcome ("ok" or the error's code). */
struct ctl_stat {
	char *op;
	char *outcome;
	uint64_t n;
};
struct local_route;

/* The control socket and what waits on it. */
struct control {
	struct herdd *h;
	nng_socket sock;
	char url[4200];
	struct event *recv_ev;
	struct event *send_ev;   /* armed while outq holds replies */
	nng_msg **outq;
	size_t outq_n;
	struct waiter *waiters;
	size_t nwaiters;
	unsigned long serial;
	struct reload_wait *reload; /* a reload request waiting for its
	                               outcome (op-config.c) */
	size_t max_request;      /* bytes; nng's receive limit follows it */
	struct local_route *locals; /* in-process requests waiting (local.c) */
	uint32_t local_next;
	struct ctl_stat *stats;  /* replies by op and outcome */
	size_t nstats;
};

/* The largest request body herdd reads (control.max_request_bytes as it
 * was at start). */
static inline size_t
control_request_limit(const struct control *ctl)
{
	return ctl->max_request;
}

/* One request being handled; valid during the op's call. */
struct request {
	struct control *ctl;
	struct herdd *h;
	nng_msg *msg;
	struct ipc_request req;
	int uid;       /* who the peer is here: its uid over ipc, the user
	                  its certificate maps to over tls; -1 for none */
	int gid;       /* an ipc peer's gid, -1 otherwise */
	int tcp;       /* came over the tcp listener */
	int tls_verified; /* with a client certificate control.tcp.ca
	                     verified */
	char subject[256]; /* that certificate's subject, "" if none */
	const char *op_name; /* the op found in a table, NULL: unknown */
	int local;     /* made in herdd (local.c): as herdd's own user */
};

/* An op: its name, whether it changes anything (access control), and its
 * function, which replies now (reply_ok/reply_err) or later (wait_for). */
struct op {
	const char *name;
	int mutating;
	void (*fn)(struct request *);
};

extern const struct op op_info_table[];  /* op-info.c */
extern const size_t op_info_count;
extern const struct op op_child_table[]; /* op-child.c */
extern const size_t op_child_count;
extern const struct op op_config_table[]; /* op-config.c */
extern const size_t op_config_count;

/* control.c: handles one request received on ctl's socket (the fuzz
 * target, tests/fuzz/fuzz_control.c, calls it directly). */
void control_handle(struct control *ctl, nng_msg *msg);

/* tcp.c: the optional tls+tcp listener on sock (0 when none is
 * configured), its cleanup, and who a tcp request's peer is (fills
 * r->tls_verified, r->subject and, for a mapped certificate, r->uid). */
int tcp_listen(struct control *ctl, nng_socket sock, char *cause, size_t len);
void tcp_close(void);
void tcp_peer_identify(struct request *r);

/* access.c: the privilege model (docs/security.md). */
/* Fills r->uid, r->gid, r->tcp from r->msg's pipe. */
void access_identify(struct request *r);
/* Root or herdd's own user: may do anything. */
int access_privileged(const struct request *r);
/* Whether r may send op; 0 with cause (the reply's message) if not. */
int access_may_mutate(const struct request *r, const struct op *op,
    char *cause, size_t len);
/* add_child of spec by r: refused (-1, cause) if it, or any worker below
 * it (a supervisor's children, a pool's template), would run as a user r
 * may not run children as; each without user gets r's (and its group).
 * 0 for root and herdd's user, whatever spec says. */
int access_child_user(struct request *r, struct conf_child *spec,
    char *cause, size_t len);
/* spawn of an instance of template tmpl by r: -1 (cause) if refused;
 * else 0, with *as set when the instance runs as r instead of as herdd's
 * user (a template without a user). */
int access_spawn_user(struct request *r, const struct conf_child *tmpl,
    struct run_as *as, char *cause, size_t len);

/* op-config.c: lets a waiting reload see lifecycle events; frees it. */
void op_config_on_event(struct control *ctl, const char *topic,
    struct child *c, const char *reason);
void op_config_clear(struct control *ctl);

/* local.c: whether MSG's routing header is an in-process request's; its
 * reply (taken) to the client; the routes' cleanup. */
int local_is(const nng_msg *msg);
void local_deliver(struct control *ctl, nng_msg *msg);
struct local_route *local_find(struct control *ctl, uint32_t id);
void local_free_all(struct control *ctl);
/* reply-count.c: counts one reply to OP (NULL: an unknown op) with
 * OUTCOME. */
void reply_count(struct control *ctl, const char *op, const char *outcome);
void reply_counts_free(struct control *ctl);

/* The routing header of a request, for a reply sent later; caller owns. */
nng_msg *header_copy(nng_msg *msg);
/* Sends j as the reply routed by hdr; takes both. */
void reply_json(struct control *ctl, nng_msg *hdr, cJSON *j);
/* The same for a reply that waited (a deferred one): counted as OP's,
 * with the outcome J says. */
void reply_json_op(struct control *ctl, nng_msg *hdr, cJSON *j,
    const char *op);
void reply_ok(struct request *r, cJSON *result);
/* Replies ok with RESULT, LEN bytes of JSON text (borrowed). */
void reply_ok_text(struct request *r, const char *result, size_t len);
void reply_err(struct request *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replies with error code and an "errors" array (taken). */
void reply_err_list(struct request *r, const char *code, const char *msg,
    cJSON *errors);
/*
 * Deferred replies. wait_begin registers, before a command runs, that the
 * reply waits for path's next start (or failed start) or stop; events
 * complete it (control_on_event). Returns a serial, or 0 when refused (the
 * error is sent). wait_pending tells whether it still waits; wait_end
 * sends reply (taken; NULL: nothing) if it still waits, and forgets it.
 */
unsigned long wait_begin(struct request *r, const char *path,
    enum wait_kind kind);
/* The waiters an event completes get their replies (wait.c). */
void wait_on_event(struct control *ctl, const char *topic, struct child *c,
    const char *reason);
/* Every waiter goes, unanswered (herdd ends). */
void wait_free_all(struct control *ctl);
/* reply.c: the socket takes messages again: what waits goes, in order. */
void reply_send_cb(evutil_socket_t fd, short what, void *arg);
int wait_pending(struct control *ctl, unsigned long serial);
void wait_end(struct control *ctl, unsigned long serial, cJSON *result,
    const char *code, const char *msg);
/* wait_end's error, with "pid" in it when pid > 0: already_started names
 * the running child's process (OTP's {error,{already_started,Pid}}). */
void wait_fail(struct control *ctl, unsigned long serial, const char *code,
    const char *msg, pid_t pid);

/* The child named by args.name; replies not_found (and returns NULL). */
struct child *arg_child(struct request *r);
/* {"path": path} plus "pid" when pid >= 0; caller owns. */
cJSON *path_pid(const char *path, pid_t pid);
/* The result of a start-like wait: path and pid, and for W_SPAWN the
 * instance number (the last path component). */
cJSON *started_result(const char *path, pid_t pid, enum wait_kind kind);

#endif
