/*
 * herd-sagad, the saga coordinator (docs/sagas.md): one actor per node,
 * registered as "herd.tx", that runs every TX's protocol between its saga
 * and its workers and journals each commit decision before anyone hears
 * it (X2). Internal to saga/.
 */
#ifndef HERD_SAGA_COORD_H
#define HERD_SAGA_COORD_H

#include <stdint.h>

#include "herd.h"
#include "journal.h"
#include "saga-int.h"

struct cJSON;
struct conf_saga;
struct conf_sagas;
struct steps;

#define COORD_DEFAULT_LIFESPAN_MS 60000
#define COORD_DEFAULT_HOP_LIMIT 8
#define COORD_HISTORY 256 /* ended TXs kept for tx show */

enum job_state {
	J_STARTED = 0, /* sent to its worker, no result yet */
	J_RESULT,      /* its result (vote) is in */
	J_FAILED,      /* failed, timed out or its worker ended */
	J_CANCELLED,   /* cancelled by the saga: not a participant */
};

/* A saga taking part in a TX: hop 0 is the one the TX was started on,
 * the others were forwarded to (next hops, a chain or a tree). */
enum hop_state {
	H_RUNNING = 0, /* no result yet */
	H_RESULT,      /* gave its result (the root: the final value) */
	H_FAILED,      /* ended, timed out or cancelled: abandoned */
};

struct hop {
	char id[HERDI_TX_JOB_MAX];  /* "" for the root */
	char *saga;
	herd_id sid;
	int parent;                 /* index of the hop that forwarded */
	int depth;                  /* the root is 0 */
	enum hop_state state;
	herd_ref timer;
	int internal;               /* a step saga: run by the coordinator */
};

struct job {
	int hop;            /* the hop (saga) that started it */
	char id[HERDI_TX_JOB_MAX];    /* in the TX ("j1", ...): workers' */
	char local[HERDI_TX_JOB_MAX]; /* the id its saga gave it */
	char *worker;       /* name the saga gave */
	herd_id wid;        /* its actor when started */
	enum job_state state;
	unsigned interims;
	int acked;          /* commit acknowledged */
	herd_ref timer;     /* its timeout, 0 if none */
	int spawned;        /* a worker process started for this job (or
	                       to be, when its pool was busy) */
	herd_ref spawn_timer; /* the next try at its spawn */
	struct cJSON *value; /* spawned: its value, sent at its job_ready */
};

enum ctx_state {
	CT_RUNNING = 0, /* jobs going, no decision */
	CT_DECIDING,    /* commit written, waiting for the group sync */
	CT_COMMITTED,   /* commit on disk and sent: waiting for acks */
};

struct ctx {
	char id[HERDI_TX_ID_MAX];
	char *saga;           /* the root saga's name (hops[0].saga) */
	struct hop *hops;
	size_t nhops;
	int hop_limit;
	int two_phase;
	enum ctx_state state;
	int64_t started_ms, deadline_ms;
	herd_ref life_timer;
	struct job *jobs;
	size_t njobs;
	unsigned next_job;    /* jobs' ids in the TX */
	struct cJSON *value, *final;
	int waiting;          /* a start --wait call to answer at the end */
	herd_ref waiter;
	uint64_t record;      /* the commit's record number in the journal */
	/* a step saga (steps.c): its definition and where it is */
	const struct conf_saga *stepdef;
	struct steps *run;
	struct ctx *next;
};

struct ended {
	char id[HERDI_TX_ID_MAX];
	char saga[128];
	char outcome[16];     /* "committed", "aborted" */
	char reason[128];
	int64_t ended_ms;
};

/* a monitored actor (saga or worker), so its end reaches its TXs */
struct watch {
	herd_id id;
	herd_ref ref;
	struct watch *next;
};

/* A TX an operator declared committed (tx resolve): a participant that
 * comes back in doubt must hear commit, not presumed abort. */
#define COORD_HEURISTIC_MAX 1024
struct heuristic {
	char id[HERDI_TX_ID_MAX];
	struct cJSON *final;
	struct cJSON *jobs;   /* the unacknowledged participants' job ids */
	struct heuristic *next;
};

/* a name looked up, until its actor ends (its DOWN drops it) */
struct name {
	char *name;
	herd_id id;
	struct name *next;
};

struct coord {
	herd_actor *self;
	struct name *names;
	struct heuristic *heuristic; /* newest first, at most _MAX */
	struct herdi_journal j;
	const char *path;
	struct ctx *txs;
	size_t ntxs;
	struct watch *watches;
	struct ended history[COORD_HISTORY];
	unsigned nhistory;    /* written so far (ring) */
	char idbase[20];
	uint64_t next_id;
	herd_ref sync_ref, resend_ref, recover_ref;
	int journal_errno;    /* the last failed append: new TXs refused */
	uint64_t ended_since_compact;
	/* figures for inspect */
	uint64_t committed, aborted, syncs, decisions_synced;
};

extern struct coord C;

/* txn.c: the TX's life */
struct ctx *coord_find(const char *id);
struct ctx *coord_new_tx(const char *saga, herd_id saga_id);
/* Sends M (freed) to hop H's saga. */
void coord_send_hop(const struct hop *h, struct cJSON *m);
void coord_free_tx(struct ctx *t);
struct job *coord_job(struct ctx *t, const char *id);
/* The job hop H of T knows as LOCAL. */
struct job *coord_local_job(struct ctx *t, int h, const char *local);
int64_t coord_now_ms(void);
/* Ends T aborted with REASON: every job's worker and the saga are told
 * (no journal: presumed abort, X4). */
void coord_abort(struct ctx *t, const char *reason);
/* The saga gave T's final value. */
void coord_final(struct ctx *t, const struct cJSON *final);
/* The hop of T whose saga is FROM, or NULL. */
struct hop *coord_hop_of(struct ctx *t, herd_id from);
/* Adds a hop to T (the root first); NULL when out of memory. */
struct hop *coord_add_hop(struct ctx *t, const char *hop, const char *saga,
    herd_id sid, int parent);
/* Hop H of T is abandoned (its saga ended, it timed out): its part is
 * cancelled (its jobs, its own hops) and its parent hears it; the root
 * aborts the TX. */
void coord_hop_failed(struct ctx *t, struct hop *h, const char *reason);
/* After T's commit is on disk, or at once for a TX of one phase: the
 * saga and every participant hear the final value. */
void coord_told(struct ctx *t);
/* Job J of T failed with REASON: its worker stops it (TELL_WORKER), its
 * saga hears. */
void coord_job_failed(struct ctx *t, struct job *j, const char *reason,
    int tell_worker);
/* Publishes T's event TOPIC (tx.started, ...) in herdd's stream. */
void coord_event(const struct ctx *t, const char *topic,
    const char *reason);
/* Remembers TX ID (FINAL and JOBS, the job ids still unacknowledged,
 * copied) as committed by an operator. */
void coord_heuristic_add(const char *id, const struct cJSON *final,
    const struct cJSON *jobs);
/* The heuristic commit of TX ID for job JOB (NULL: any), or NULL. */
const struct heuristic *coord_heuristic(const char *id, const char *job);
/* Its journal record, for compaction. */
struct cJSON *coord_heuristic_record(const struct heuristic *h);
/* Tells job J's worker, by name, that T aborted (REASON). */
void coord_abort_job(const struct ctx *t, const struct job *j,
    const char *reason);
/* Remembers an ended TX for tx show. */
void coord_remember(const struct ctx *t, const char *outcome,
    const char *reason);
const struct ended *coord_ended(const char *id);
/* The actor registered as NAME (0, or HERD_ENOTFOUND), looked up in
 * herdd once and then kept, monitored, until it ends. */
int coord_lookup(const char *name, herd_id *id);
/* Monitors actor ID once (its DOWN reaches coord_down): 1 if it is. */
int coord_watch(herd_id id);
/* An actor ended: its TXs react (a saga's undecided TXs abort, a job
 * without its result fails). 1 when REF was a watch. */
int coord_down(herd_ref ref, herd_id id, const char *reason);
/* A timer of ours fired (lifespan, job timeout). */
int coord_timer(herd_ref ref);
/* Sends M (freed) to the actor named NAME, or to ID when it is set. */
void coord_send(herd_id id, const char *name, struct cJSON *m);

/* messages.c: the spawn of job J's worker is due again (its pool was
 * busy starting another instance). */
void coord_spawn_retry(struct ctx *t, struct job *j);
/* messages.c: starts a job of T for hop HOP (LOCAL: the hop's id for
 * it) on WORKER; NULL when it failed at once (the hop heard it). A
 * COMPENSATION runs past the lifespan (the abort is the decision). */
struct job *coord_start_job(struct ctx *t, int hop, const char *local,
    const char *worker, const struct cJSON *value, int64_t timeout,
    int compensation);

/* steps.c: step sagas declared in herd.json, run here */
/* The step sagas of the config herd-sagad was given (NULL: none). */
void steps_config(const struct conf_sagas *s);
const struct conf_saga *steps_find(const char *name);
/* Starts step saga T (its stepdef set). */
void steps_start(struct ctx *t);
/* A job of step saga T ended: its result, or why it failed. */
void steps_job_done(struct ctx *t, struct job *j, const struct cJSON *v,
    const char *failed);
/* A timer of the runner fired: 1 when REF was one. */
int steps_timer(herd_ref ref);
/* The group sync wrote what T's next step waited for. */
void steps_synced(struct ctx *t);
/* Frees T's runner (the TX goes), killing a command still running. */
void steps_free(struct ctx *t);
/* A journal record of step sagas read back: 0, or -1 if bad. */
int steps_replay(const struct cJSON *rec);
/* After the replay: TXs a dead coordinator left between steps are
 * compensated from the last step started (its outcome is unknown). */
void steps_recover(void);
/* A committed one-phase step saga's end record, synced before anyone
 * hears of the commit: 0, or -1 when it could not be written (then its
 * steps are compensated and it aborts instead). */
int steps_end_durable(struct ctx *t);
/* Whether step saga T is on its way down (compensating). */
int steps_compensating(const struct ctx *t);
/* A step saga's end record (nothing for other TXs). */
void steps_end_record(struct ctx *t);
/* An abort of step saga T from outside (cancel, lifespan): 1 when the
 * runner compensates first (it aborts T itself once done). */
int steps_abort(struct ctx *t, const char *reason);
/* Adds "step", "phase", "attempt" and "why" to tx show's object. */
void steps_describe(const struct ctx *t, struct cJSON *o);
/* For compaction: a running step saga's progress record, or NULL. */
struct cJSON *steps_compact_record(const struct ctx *t);

/* decide.c: the journal */
int coord_journal_open(const char *path);
/* Journals T's commit; sent once synced (group commit). 0, or -errno:
 * then T was aborted. */
int coord_commit(struct ctx *t);
/* The group sync's timer fired. */
void coord_sync(void);
/* Arms the group sync (what waits for it: commits, step sagas). */
void coord_sync_later(void);
/* T's participants all acknowledged: the end record, and T goes. */
void coord_end(struct ctx *t);
/* Sends commit to each participant that has not acknowledged (X5). */
void coord_resend(struct ctx *t);
/* The resend timer: commits still unacknowledged go again. */
void coord_resend_all(void);
/* Tries the journal again after a failed append: 0 when it works. */
int coord_journal_check(void);

/* control.c: the calls herdctl and actors make (start, list, ...). */
void coord_call(herd_id from, herd_ref ref, const struct cJSON *req);
/* A TX message from a saga or worker. */
void coord_message(herd_id from, const char *kind, const struct cJSON *m);

#endif
