/* Engine test harness: a fake world that records what the engine asks of
 * it (spawn, kill, timers, events) in a log the tests compare, and drives
 * the engine with deaths, readiness and timers (test_engine*.c). */
#ifndef HERD_TEST_HARNESS_ENGINE_H
#define HERD_TEST_HARNESS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "herdd.h"

#define HE_LOG_MAX 1024
#define HE_ENTRY_MAX 160
#define HE_NKNOBS 16
#define HE_NPEND 64

/* The usual log filter: what happened to processes, and the end. */
#define ACTS "spawn kill died finish"
/* ACTS plus what supervisors decided. */
#define SUPS "spawn kill died finish retry supervisor.gave_up child.exited"

#define EXIT(code) W_EXITCODE(code, 0)
#define T0 1000000 /* the fake clock at boot */

/* Config pieces, with ' for ". */
#define ROOT(strategy, extra, children) \
	"{'supervisor':{'strategy':'" strategy "'" extra \
	",'children':[" children "]}}"
#define SUB(name, strategy, extra, children) \
	"{'name':'" name "','type':'supervisor','strategy':'" strategy "'" \
	extra ",'children':[" children "]}"
#define WK(name, extra) "{'name':'" name "','command':'x'" extra "}"
#define TRANSIENT ",'restart':'transient'"
#define TEMPORARY ",'restart':'temporary'"

/* Per-child behaviour of spawn, by path. */
struct he_knob {
	char path[64];
	int fail_next;  /* the next N spawns fail */
	int wait_ready; /* spawn reports readiness later (returns 0) */
};

/* A process that was sent a signal and has not been reported dead. */
struct he_signalled {
	struct child *c;
	pid_t pid;
	int sig;
};

/* A retry_timer request: engine_retry(c, gen) when it fires. */
struct he_retry {
	struct child *c;
	unsigned gen;
};

/*
 * The log holds one entry per thing that happened, first word its kind:
 * "spawn PATH" ("spawn PATH failed"), "kill PATH SIG", "died PATH",
 * "timer PATH MS", "cancel PATH", "retry PATH MS", "timeout PATH",
 * "fire PATH", "release PATH", "finish CODE WHY", and each event as
 * "TOPIC PATH [REASON]" (the root's path is "(root)"). Spawns start PIDs
 * at 100 and count up; SIGCONTs are counted in conts, not logged.
 */
struct he_world {
	const void *param; /* a table-driven test's case */
	struct conf *conf;
	struct child *root;
	struct engine e;
	uint64_t now;
	pid_t next_pid;
	char log[HE_LOG_MAX][HE_ENTRY_MAX];
	size_t nlog, taken;
	char out[HE_LOG_MAX * 8];
	struct he_knob knobs[HE_NKNOBS];
	size_t nknobs;
	struct he_signalled sig[HE_NPEND];
	size_t nsig;
	struct child *timers[HE_NPEND]; /* armed stop timers, oldest first */
	size_t ntimers;
	struct he_retry retries[HE_NPEND]; /* armed retry timers, oldest
	                                       first */
	size_t nretries;
	int finished, finish_code;
	char finish_why[512];
	int conts; /* SIGCONTs sent after stop signals (not logged) */
};

/* cmocka setup and teardown: a fresh world (the prestate, if any, in
 * param), freed with its tree and config. */
int he_setup(void **state);
int he_teardown(void **state);

/* Appends an entry to the log. */
void he_log(struct he_world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The entries logged since the last take whose first word is one of
 * FILTER's words ("child.*" matches by prefix, "*" everything), joined
 * with "; "; he_take forgets them, he_peek does not. Borrowed until the
 * next call. */
const char *he_take(struct he_world *w, const char *filter);
const char *he_peek(struct he_world *w, const char *filter);
void he_forget_log(struct he_world *w);

/* PATH's spawn behaviour, made if need be (borrowed from w). */
struct he_knob *he_knob(struct he_world *w, const char *path);

/* Loads a config written with ' for " and builds its tree and engine. */
void he_load(struct he_world *w, const char *sq);
/* Loads and boots; the boot's log is forgotten. */
void he_boot(struct he_world *w, const char *sq);

/* The node at PATH; fails the test if there is none. */
struct child *he_find(struct he_world *w, const char *path);
pid_t he_pid(struct he_world *w, const char *path);
enum child_state he_state(struct he_world *w, const char *path);

/* PATH's process ends with STATUS, as the reaper reports it. */
void he_die(struct he_world *w, const char *path, int status);
/* c's process ends with STATUS (c may be a pool instance). */
void he_die_child(struct he_world *w, struct child *c, int status);
/* The oldest signalled process dies of its last signal; 0 if none. */
int he_death(struct he_world *w);
/* Every signalled process dies, one after another in the order they were
 * signalled, including those signalled meanwhile. */
void he_deaths(struct he_world *w);
/* The oldest stop timer fires; 0 if none is armed. */
int he_fire_timer(struct he_world *w);
/* The oldest retry timer fires; 0 if none is armed. */
int he_fire_retry(struct he_world *w);
/* PATH reports readiness. */
void he_ready(struct he_world *w, const char *path);

typedef int (*he_cmd_fn)(struct engine *, struct child *, const char **,
    char *, size_t);
/* Runs a command on PATH: "ok" or its IPC_E_* code. */
const char *he_cmd(struct he_world *w, he_cmd_fn fn, const char *path);

#endif
