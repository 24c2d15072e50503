/*
 * libherd: the library a program supervised by herd links to talk to herdd.
 * Two sides: readiness and watchdog for any program (the sd_notify
 * protocol, a datagram to $NOTIFY_SOCKET; s6's notification fd; the
 * watchdog settings herdd or systemd hands a child in its environment),
 * and actors: programs herdd runs as "type": "actor", which libherd runs
 * as Erlang-style processes (herd_actor_run).
 * It is the only header libherd installs; everything in it is herd_*.
 *
 * Every call returns 0 (or a count) on success and a negative HERD_E* code
 * on failure; herd_strerror() names the code. libherd never prints, never
 * exits and never raises a signal in the caller. The readiness calls are
 * safe from any thread, and hold no state between calls.
 */
#ifndef HERD_H
#define HERD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HERD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HERD_PRINTF(f, a)
#endif

/* Error codes: all negative, so "r < 0" is the test for failure. */
enum herd_error {
	HERD_EINVAL = -1,      /* an invalid argument (NULL, negative fd) */
	HERD_EBADENV = -2,     /* NOTIFY_SOCKET, WATCHDOG_USEC or
	                          WATCHDOG_PID holds something unusable */
	HERD_ETOOLONG = -3,    /* NOTIFY_SOCKET does not fit a socket address */
	HERD_ENOLISTENER = -4, /* nothing listens at NOTIFY_SOCKET */
	HERD_EACCES = -5,      /* not allowed to send to NOTIFY_SOCKET */
	HERD_EMSGSIZE = -6,    /* message too long for a datagram */
	HERD_ENOMEM = -7,      /* out of memory */
	HERD_EBADF = -8,       /* not an open file descriptor */
	HERD_EPIPE = -9,       /* the reading end of the ready fd is closed */
	HERD_ESYSTEM = -10,    /* another system error; errno holds it */
	HERD_ENONODE = -11,    /* not run by herdd as an actor (no HERD_NODE),
	                          or herdd does not answer */
	HERD_EPROTO = -12,     /* herdd answered something unexpected */
	HERD_ENOTFOUND = -13,  /* no actor has that name (ACTORS.md A2), or
	                          no such pending timer */
	HERD_ENOPROC = -14,    /* the actor is dead, or died during the call
	                          (herd_last_reason says why) */
	HERD_ETIMEDOUT = -15,  /* no reply in time */
	HERD_ECALLINGSELF = -16, /* a call to the caller itself */
	HERD_EMAILBOXFULL = -17, /* neither the receiver nor the sender's
	                            outgoing queue can take the message */
	HERD_ETOOLARGE = -18,  /* a message over HERD_MSG_MAX bytes */
	HERD_EREPLY = -19,     /* the callee answered an error
	                          (herd_last_reason: "code: message") */
	HERD_EEXIST = -20,     /* the name is taken (or not a valid name:
	                          herd_last_reason says) */
};

/* The largest message an actor may send. */
#define HERD_MSG_MAX (1024 * 1024)

/*
 * Sends STATE, one or more newline-separated VAR=VALUE assignments of the
 * sd_notify protocol ("READY=1", "STATUS=warming up", "WATCHDOG=1",
 * "STOPPING=1"), as one datagram to $NOTIFY_SOCKET: a socket path, or
 * '@name' for the abstract namespace. Returns 0 when sent, and 0 when
 * NOTIFY_SOCKET is unset (nobody asked; as sd_notify). The send blocks
 * while the receiver's queue is full, as sd_notify's does. STATE is
 * borrowed.
 */
int herd_notify(const char *state);

/* herd_notify("READY=1"): the program has started and serves. Under
 * ready "notify" this is what herdd waits for. */
int herd_ready(void);

/* herd_notify("STATUS=" text): a one-line status for humans (herdctl and
 * systemctl status show it). The text is formatted as printf's; newlines in
 * it become spaces, so it cannot carry other assignments. */
int herd_status(const char *fmt, ...) HERD_PRINTF(1, 2);

/* herd_notify("WATCHDOG=1"): the program is alive. Call it at least every
 * half of herd_watchdog_usec(). */
int herd_watchdog_ping(void);

/*
 * Whether a watchdog is expected of this process: returns 1 and stores the
 * interval in *usec (if usec is not NULL) when $WATCHDOG_USEC is set and
 * $WATCHDOG_PID is unset or this process's pid (as sd_watchdog_enabled);
 * returns 0, *usec untouched, when no watchdog is asked of this process;
 * HERD_EBADENV when either variable is not a positive decimal number.
 */
int herd_watchdog_usec(uint64_t *usec);

/*
 * s6-style readiness: writes a newline to FD (the write end of the
 * notification fd herdd gives a child with ready "fd", at ready_fd) and
 * closes it. Takes FD: it is closed whatever the outcome, except when it
 * is negative (HERD_EINVAL). A closed reading end gives HERD_EPIPE, and no
 * SIGPIPE reaches the program.
 */
int herd_ready_fd(int fd);

/* ---- actors (docs/actors.md, herd_actor(3)) ----
 *
 * An actor is a program whose main calls herd_actor_run() with its
 * behaviour: a struct of callbacks, every one optional. herdd starts it as
 * a child of "type": "actor" (it gives the program HERD_NODE and
 * HERD_ACTOR_NAME); libherd then runs the actor's loop: init, then one
 * message at a time, then terminate. A callback returns 0 to go on, or a
 * negative HERD_E* code to end the actor with that error as its reason
 * (as herd_exit). The actor calls are for the actor's own thread, from
 * its callbacks. Messages are bytes; from herdctl and the control
 * protocol they are JSON text, and a reply to such a call must be JSON
 * (herd_reply_json builds it from a cJSON value).
 */

/* Who sent a message: herdd itself (herdctl's casts and calls come
 * through it: herd_id_is_node), else an actor's id. */
typedef struct herd_id {
	uint64_t v; /* the actor's pid << 32 | its incarnation; 0: herdd */
} herd_id;

static inline int
herd_id_is_node(herd_id id)
{
	return id.v == 0;
}

/* A call waiting for herd_reply. */
typedef uint64_t herd_ref;

typedef struct herd_actor herd_actor; /* the running actor, one a process */
typedef struct herd_kv herd_kv;       /* inspect's key/value view */
struct cJSON;

/* What handle_info gets: a monitor's DOWN, or an exit signal turned into
 * a message because the actor traps exits (ACTORS.md A10, A11). */
enum herd_info_kind {
	HERD_INFO_DOWN = 1,
	HERD_INFO_EXIT = 2,
	HERD_INFO_TIMER = 3,
};

struct herd_info {
	enum herd_info_kind kind;
	herd_ref ref;        /* DOWN: herd_monitor's reference */
	herd_id from;        /* the actor that ended or sent the signal
	                        (0 when it never existed) */
	const char *name;    /* its name, or the name asked for */
	const char *reason;  /* its exit reason (A9); "noproc": not there */
	const void *msg;     /* TIMER: herd_send_after's message, and ref */
	size_t len;
};

struct herd_actor_ops {
	/* Before anything else, with herd_actor_run's argc and argv; a
	 * failure fails the start (the supervisor retries per its rules).
	 * Until it returns the actor is not registered and gets nothing. */
	int (*init)(herd_actor *self, int argc, char **argv);
	/* A cast: no reply expected. MSG is borrowed for the call. */
	int (*handle_cast)(herd_actor *self, herd_id from, const void *msg,
	    size_t len);
	/* A call: answer with herd_reply(self, ref, ...) now, or later from
	 * any callback (keep REF). REQ is borrowed for the call. */
	int (*handle_call)(herd_actor *self, herd_id from, herd_ref ref,
	    const void *req, size_t len);
	/* The actor's own view of its state, for herdctl inspect: add
	 * entries with herd_kv_add. Served ahead of queued messages. */
	int (*inspect)(herd_actor *self, herd_kv *kv);
	/* On every orderly end (shutdown by its supervisor or a SIGTERM,
	 * herd_exit, an error from a callback), after the actor is no longer
	 * registered; REASON is "shutdown", herd_exit's, or the error's. */
	void (*terminate)(herd_actor *self, const char *reason);
	/* A DOWN or an EXIT message (INFO borrowed for the call). */
	int (*handle_info)(herd_actor *self, const struct herd_info *info);
};

/*
 * Runs the actor: connects to herdd ($HERD_NODE), calls init, says hello
 * (herdd then registers it under its path and counts it ready), and
 * handles messages until the actor ends. STATE is the actor's own
 * (herd_state returns it). Returns the exit status the program should
 * return from main: 0 when the reason is "normal" or "shutdown", 1
 * otherwise (herdd has the reason itself). Returns HERD_ENONODE at once
 * when not started by herdd as an actor.
 */
int herd_actor_run(const struct herd_actor_ops *ops, void *state, int argc,
    char **argv);
void *herd_state(herd_actor *self);
/* The actor's name (its path in herdd's tree) and id: borrowed. */
const char *herd_self_name(herd_actor *self);
herd_id herd_self(herd_actor *self);

/* Answers call REF with LEN bytes of DATA (JSON text when the caller is
 * herdctl). A second reply to one call is HERD_EINVAL. */
int herd_reply(herd_actor *self, herd_ref ref, const void *data, size_t len);
/* The same with the JSON text of J (borrowed). */
int herd_reply_json(herd_actor *self, herd_ref ref, const struct cJSON *j);
/* Answers call REF with an error: CODE (a word: "bad_request") and a
 * MESSAGE for humans. */
int herd_reply_error(herd_actor *self, herd_ref ref, const char *code,
    const char *message);

/*
 * Messages between actors. herd_cast sends LEN bytes of MSG to actor TO
 * and returns at once: casts from one sender arrive in the order sent
 * (A4); a cast to an actor that has ended is dropped, as in Erlang (0).
 * HERD_EMAILBOXFULL when neither the receiver nor this actor's bounded
 * outgoing queue can take it (nothing is dropped silently: the caller
 * decides), HERD_ETOOLARGE past HERD_MSG_MAX. Casts queued for one actor
 * while a batch of messages is handled travel together once it is (at
 * most 2 ms of callbacks), and before a herd_call waits; from a timer,
 * when its callback returns.
 */
int herd_cast(herd_actor *self, herd_id to, const void *msg, size_t len);
/* The same to a registered name: HERD_ENOTFOUND at once if nobody has it
 * (A2). Names are looked up once and cached. */
int herd_cast_name(herd_actor *self, const char *name, const void *msg,
    size_t len);
/*
 * Calls actor TO with REQ and waits for its reply, at most TIMEOUT_MS
 * (<= 0: 5000). The reply's bytes are in *reply (caller frees with free)
 * and *reply_len. Meanwhile this actor handles nothing else (as
 * gen_server:call); what arrives is kept in order for after. Errors:
 * HERD_EINVAL from init (a call needs the actor registered: cast from
 * init, or call once init has returned), HERD_ECALLINGSELF at once,
 * HERD_ENOPROC if TO is dead or dies during
 * the call (at once, with its reason in herd_last_reason), HERD_ETIMEDOUT
 * (a late reply is dropped), HERD_EREPLY if it answered an error.
 */
int herd_call(herd_actor *self, herd_id to, const void *req, size_t len,
    int timeout_ms, void **reply, size_t *reply_len);
int herd_call_name(herd_actor *self, const char *name, const void *req,
    size_t len, int timeout_ms, void **reply, size_t *reply_len);
/*
 * The same with JSON: the message is the value's unformatted text, and a
 * call's reply is parsed into *reply (caller frees with cJSON_Delete;
 * HERD_EPROTO if the callee's answer is not JSON). herd_json parses what
 * a callback got (NULL when it is not JSON; caller frees).
 */
int herd_cast_json(herd_actor *self, herd_id to, const struct cJSON *msg);
int herd_cast_name_json(herd_actor *self, const char *name,
    const struct cJSON *msg);
int herd_call_json(herd_actor *self, herd_id to, const struct cJSON *req,
    int timeout_ms, struct cJSON **reply);
int herd_call_name_json(herd_actor *self, const char *name,
    const struct cJSON *req, int timeout_ms, struct cJSON **reply);
struct cJSON *herd_json(const void *msg, size_t len);
/*
 * Registers NAME for this actor beside its path (A2): unique on the node,
 * released when the actor ends. Called from init, the names are taken
 * with the registration, when init returns; one that is taken then fails
 * the start. Later it is taken at once, or HERD_EEXIST. herd_unregister
 * releases one (not the path); actors that cached it forget it.
 */
int herd_register(herd_actor *self, const char *name);
int herd_unregister(herd_actor *self, const char *name);

/* The actor registered as NAME: 0 with *out set, or HERD_ENOTFOUND. */
int herd_whereis(herd_actor *self, const char *name, herd_id *out);
/* After HERD_ENOPROC: the callee's exit reason; after HERD_EREPLY: its
 * "code: message". Borrowed, until the next call. */
const char *herd_last_reason(herd_actor *self);

/*
 * Monitors and links (A10, A11), kept by herdd, which sees every death.
 * herd_monitor watches TARGET: handle_info gets one DOWN with *ref when it
 * ends, at once with reason "noproc" if it is not there. After
 * herd_demonitor returns no DOWN for REF comes. herd_link links this
 * actor and TARGET both ways, once per pair: when one ends, the other
 * gets an exit signal with its reason and ends with it, unless the reason
 * is "normal" or the actor traps exits (then handle_info gets an EXIT).
 * A link to an actor that is not there is an exit signal "noproc" at
 * once. herd_exit_signal sends one to TARGET (OTP's exit/2); "kill"
 * cannot be trapped and ends it "killed". The _name forms take a
 * registered name. All wait for herdd's answer; called from init,
 * monitors and links are taken with the registration.
 */
int herd_monitor(herd_actor *self, herd_id target, herd_ref *ref);
int herd_monitor_name(herd_actor *self, const char *name, herd_ref *ref);
int herd_demonitor(herd_actor *self, herd_ref ref);
int herd_link(herd_actor *self, herd_id target);
int herd_link_name(herd_actor *self, const char *name);
int herd_unlink(herd_actor *self, herd_id target);
int herd_unlink_name(herd_actor *self, const char *name);
/* Whether exit signals become EXIT messages (ON 1) or end the actor (0,
 * the default); returns the previous setting. */
int herd_trap_exit(herd_actor *self, int on);
int herd_exit_signal(herd_actor *self, herd_id target, const char *reason);
int herd_exit_signal_name(herd_actor *self, const char *name,
    const char *reason);

/*
 * Timers (A7): after MS milliseconds (0 or more), LEN bytes of MSG go to
 * TO, as a cast from this actor, or, to itself, to handle_info as a
 * HERD_INFO_TIMER with *timer as its ref. herd_cancel_timer returns 0 when
 * the timer was pending (it will never fire), HERD_ENOTFOUND when it has
 * fired or is unknown. Timers end with the actor.
 */
int herd_send_after(herd_actor *self, herd_id to, const void *msg,
    size_t len, int ms, herd_ref *timer);
int herd_cancel_timer(herd_actor *self, herd_ref timer);

/*
 * Readiness (A14, Spawn's readiness probe): an actor is ready once its
 * init has returned unless it says otherwise; herd_set_ready(self, 0)
 * withdraws it (overloaded, draining, waiting for a dependency) and
 * herd_set_ready(self, 1) reports it again. herdctl actors shows it and
 * herdd publishes actor.ready / actor.unready; the supervisor does not
 * act on it. Callable from init. Liveness needs no call: libherd answers
 * herdd's checks (liveness_ms in herd.json) from the actor's loop, so a
 * callback that never returns gets the actor killed, reason "liveness".
 */
int herd_set_ready(herd_actor *self, int ready);

/* Adds KEY = the printf-formatted value to inspect's view. */
int herd_kv_add(herd_kv *kv, const char *key, const char *fmt, ...)
    HERD_PRINTF(3, 4);

/* Ends the actor after the current callback with REASON ("normal" for a
 * normal end; any other string is abnormal, as an OTP exit reason). */
void herd_exit(herd_actor *self, const char *reason);

/* A short English description of a code returned by libherd: "success"
 * for 0 and "unknown error" for codes libherd does not know. The string is
 * static: never free it. */
const char *herd_strerror(int err);

/* ---- sagas and two-phase commit (docs/sagas.md, SAGAS.md) ----
 *
 * A TX is run by a saga (an actor with herd_saga_ops) and carried out by
 * workers (actors with herd_worker_ops); herd-sagad, the coordinator
 * (registered as "herd.tx"), journals every decision before anyone hears
 * it. Values are JSON. Every callback is optional; each returns 0 to go
 * on or a HERD_E* code to end the actor, as the actor callbacks do.
 */
typedef struct herd_tx herd_tx; /* a TX as this saga or worker sees it */

/* The TX's id (borrowed), whether it commits in two phases, and a
 * pointer of the actor's own kept with it until it ends. */
const char *herd_tx_id(const herd_tx *tx);
int herd_tx_two_phase(const herd_tx *tx);
void *herd_tx_data(const herd_tx *tx);
void herd_tx_set_data(herd_tx *tx, void *data);

struct herd_saga_ops {
	/* A new TX with its start value: start jobs, or finish at once. */
	int (*tx_new)(herd_actor *self, herd_tx *tx, const struct cJSON *value);
	/* A job's interim results, in the order sent, then its result (its
	 * vote, in a two_phase TX); or its failure: the job's worker failed,
	 * ended before its result, or outlived the job's timeout. Without
	 * job_failed, a failure cancels the TX with its reason. */
	int (*job_interim)(herd_actor *self, herd_tx *tx, const char *job,
	    const struct cJSON *interim);
	int (*job_result)(herd_actor *self, herd_tx *tx, const char *job,
	    const struct cJSON *result);
	int (*job_failed)(herd_actor *self, herd_tx *tx, const char *job,
	    const char *reason);
	/* The TX's end: done with its final value (after the commit is
	 * journaled, in a two_phase TX), or cancelled with a reason (an
	 * abort). Exactly one of the two, once. */
	int (*tx_done)(herd_actor *self, herd_tx *tx, const struct cJSON *final);
	int (*tx_cancel)(herd_actor *self, herd_tx *tx, const char *reason);
	/* Next hops (herd_saga_forward): the hop's interim results and its
	 * result (what its saga gave herd_saga_done). A hop's failure (its
	 * saga ended, refused the TX, timed out; or the hop limit, a loop,
	 * the lifespan) cancels the hop's part of the TX; with next_failed
	 * (Ergo's TrapCancel) the saga hears it and may forward elsewhere,
	 * without it the whole TX is cancelled with the hop's reason. */
	int (*next_interim)(herd_actor *self, herd_tx *tx, const char *hop,
	    const struct cJSON *interim);
	int (*next_result)(herd_actor *self, herd_tx *tx, const char *hop,
	    const struct cJSON *result);
	int (*next_failed)(herd_actor *self, herd_tx *tx, const char *hop,
	    const char *reason);
};

/* Runs an actor that is a saga: TXs are started on it by its path or a
 * registered name (herdctl tx start NAME ...). The actor callbacks of OPS
 * (may be NULL) get anything that is not a TX's. MAX_TX > 0 refuses a TX
 * beyond that many at once ("tx_limit"). As herd_actor_run. */
int herd_saga_run(const struct herd_saga_ops *saga, int max_tx,
    const struct herd_actor_ops *ops, void *state, int argc, char **argv);
/* Starts a job of TX on the worker registered as WORKER with VALUE (may
 * be NULL); its result must come within TIMEOUT_MS (<= 0: the TX's
 * lifespan). When WORKER is a simple_one_for_one pool of saga workers,
 * herdd starts an instance for the job (a worker process per job), which
 * ends once its job is over. The job's id goes to JOB. HERD_EINVAL once
 * the TX has its final value or is cancelled. */
int herd_saga_start_job(herd_actor *self, herd_tx *tx, const char *worker,
    const struct cJSON *value, int timeout_ms, char job[32]);
/* TX's final value (may be NULL): the TX ends, committing in a
 * two_phase TX when every job and hop has given its result, else
 * aborting. In a saga the TX was forwarded to (a hop: herd_tx_hop is
 * not NULL) it is the hop's result, for the saga that forwarded it; the
 * hop then waits for the TX's end (tx_done or tx_cancel) as any saga. */
int herd_saga_done(herd_actor *self, herd_tx *tx, const struct cJSON *final);
/* Forwards TX to the saga registered as SAGA with VALUE (a next hop):
 * its result must come within TIMEOUT_MS (<= 0: the lifespan). The hop's
 * id goes to HOP. Refused through next_failed: "hop_limit" past the
 * TX's hop limit (the chain's depth), "loop_detected" when SAGA already
 * takes part in the TX, "lifespan", "noproc". */
int herd_saga_forward(herd_actor *self, herd_tx *tx, const char *saga,
    const struct cJSON *value, int timeout_ms, char hop[32]);
/* In a hop: an interim result for the saga that forwarded the TX. */
int herd_saga_interim(herd_actor *self, herd_tx *tx,
    const struct cJSON *interim);
/* The hop id this saga was forwarded the TX as, NULL at the root. */
const char *herd_tx_hop(const herd_tx *tx);
/* Cancels TX (every job and worker) or one job with REASON. */
int herd_saga_cancel(herd_actor *self, herd_tx *tx, const char *reason);
int herd_saga_cancel_job(herd_actor *self, herd_tx *tx, const char *job,
    const char *reason);

struct herd_worker_ops {
	/* A job: answer with herd_worker_result (now or later), or fail. */
	int (*start)(herd_actor *self, herd_tx *tx, const struct cJSON *value);
	/* The TX aborted (before or after this worker's result). */
	int (*cancel)(herd_actor *self, herd_tx *tx, const char *reason);
	/* The TX committed with its final value (two_phase TXs): apply the
	 * result given; herd_worker_save here makes the new state durable
	 * with the commit, atomically. Called once per TX, also after a
	 * restart with the TX in doubt. */
	int (*commit)(herd_actor *self, herd_tx *tx, const struct cJSON *final);
};

/* Runs an actor that is a saga worker, its journal at JOURNAL (created
 * if missing): a result in a two_phase TX is journaled (prepared) before
 * it is sent, and after a restart the TXs in doubt come back: no new job
 * starts before the coordinator has answered about each (its commit,
 * its cancel, or that it is still undecided), and each is asked about
 * until its commit or cancel arrives. Started for one job (an instance
 * of a pool, herd_saga_start_job), its last argument is libherd's
 * ("--herd-job=TX:JOB": taken off ARGV before init sees it), its journal
 * is JOURNAL.TX.JOB, and it ends, its journal removed, once its job is
 * over; give its template "restart": "transient", so that one killed
 * once prepared comes back for its outcome. */
int herd_worker_run(const char *journal, const struct herd_worker_ops *w,
    const struct herd_actor_ops *ops, void *state, int argc, char **argv);
/* Interim results, then one result (the vote), or a failure, for TX. */
int herd_worker_interim(herd_actor *self, herd_tx *tx,
    const struct cJSON *interim);
int herd_worker_result(herd_actor *self, herd_tx *tx,
    const struct cJSON *result);
int herd_worker_fail(herd_actor *self, herd_tx *tx, const char *reason);
/* The result this worker gave TX (borrowed; NULL before it did). */
const struct cJSON *herd_worker_given(const herd_tx *tx);
/* Called from commit: STATE (copied) is journaled with the commit and
 * comes back from herd_worker_saved after a restart (the last one). */
int herd_worker_save(herd_actor *self, const struct cJSON *state);
const struct cJSON *herd_worker_saved(herd_actor *self);

#ifdef __cplusplus
}
#endif

#endif /* HERD_H */
