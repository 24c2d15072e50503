/*
 * Sagas and two-phase commit on real processes (SAGAS.md X1-X11, I1-I8):
 * herd-sagad, the bank example's accounts and transfer saga, and the
 * scriptable tests/tools/testsaga, with kill -9 at the moments between a
 * durable write and telling someone (HERD_TX_CRASH, worker/saga-fault.c).
 */
#include <glob.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SAGAD(env) "{'name':'sagad','type':'actor','command':" \
	"['@BUILD@/herd-sagad','@TMP@/coord.journal']" env "}"
#define ACCOUNT(n, env) "{'name':'" n "','type':'actor','command':" \
	"['@EXAMPLES@/bank','account','@TMP@/" n ".journal','100']" env "}"
#define BANK(a_env, b_env) "{'name':'bank','type':'supervisor'," \
	"'intensity':10,'children':[" ACCOUNT("alice", a_env) "," \
	ACCOUNT("bob", b_env) ",{'name':'transfer','type':'actor'," \
	"'command':['@EXAMPLES@/bank','transfer']}]}"
#define TSAGA "{'name':'saga','type':'actor','command':['@BUILD@/tests/" \
	"tools/testsaga','saga','@TMP@/saga.log']}"
/* a testsaga saga named N (log @TMP@/N.log), with more arguments */
#define NSAGA(n, more) "{'name':'" n "','type':'actor','command':['@BUILD@/" \
	"tests/tools/testsaga','saga','@TMP@/" n ".log'" more "]}"
#define TWORKER(n, env) "{'name':'" n "','type':'actor','command':" \
	"['@BUILD@/tests/tools/testsaga','worker','@TMP@/" n ".journal'," \
	"'@TMP@/" n ".log']" env "}"
#define CRASH(point) ",'env':{'HERD_TX_CRASH':'" point ":@TMP@/crash'}"
#define MOVE "{\"from\":\"bank/alice\",\"to\":\"bank/bob\",\"amount\":10}"

static struct ht *
boot(void **state, const char *children)
{
	struct ht *h = *state;
	char conf[8192];

	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'intensity':"
	    "20,'period_ms':10000,'children':[%s]}}", children);
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* Whether the file at PATH (a journal: binary framing) holds NEEDLE. */
static int
file_has(const char *path, const char *needle)
{
	char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

#define HT_HAS(path, needle) do { \
	if (!file_has((path), (needle))) \
		fail_msg("\"%s\" not in %s", (needle), (path)); \
} while (0)

/* Arms the one-shot kill -9 of the process started with CRASH(). */
static void
arm_crash(struct ht *h)
{
	assert_int_equal(ht_write_file(h, ht_path(h, "crash"), ""), 0);
}

static long long
balance(struct ht *h, const char *account)
{
	char req[256];
	cJSON *r;

	snprintf(req, sizeof req, "{'name':'%s','msg':{}}", account);
	r = cJSON_GetObjectItem(ht_result(h, "call", req), "reply");
	return (long long)ht_num(r, "balance");
}

struct balances {
	long long a, b;
	long long got_a, got_b;
};

static int
balances_are(struct ht *h, void *arg)
{
	struct balances *w = arg;
	const char *out, *err;

	/* through herdctl: a call to an account that is restarting fails
	 * instead of failing the test */
	if (ht_herdctl(h, &out, &err, "call", "bank/alice", "{}", NULL) != 0)
		return 0;
	if (sscanf(out, "{\"balance\":%lld", &w->got_a) != 1)
		return 0;
	if (ht_herdctl(h, &out, &err, "call", "bank/bob", "{}", NULL) != 0)
		return 0;
	if (sscanf(out, "{\"balance\":%lld", &w->got_b) != 1)
		return 0;
	return w->got_a == w->a && w->got_b == w->b;
}

static void
wait_balances(struct ht *h, long long a, long long b)
{
	struct balances w = { a, b, -1, -1 };

	if (!ht_until(h, balances_are, &w, HT_T))
		fail_msg("balances %lld/%lld, not %lld/%lld", w.got_a, w.got_b,
		    a, b);
}

struct shown {
	const char *id, *want;
	const char *out, *err;
};

static int
tx_shows(struct ht *h, void *arg)
{
	struct shown *s = arg;

	return ht_herdctl(h, &s->out, &s->err, "tx", "show", s->id, NULL) ==
	    0 && strstr(s->out, s->want) != NULL;
}

/* Waits until herdctl tx show ID says WANT. */
static void
wait_tx(struct ht *h, const char *id, const char *want)
{
	struct shown s = { id, want, "", "" };

	if (!ht_until(h, tx_shows, &s, HT_T))
		fail_msg("tx show %s never said \"%s\": %s%s", id, want, s.out,
		    s.err);
}

/* Starts a TX and returns its id (harness-owned). */
static const char *
start(struct ht *h, const char *saga, const char *value, const char *opt)
{
	const char *out, *err;
	char id[128];

	HT_CTL(h, 0, &out, &err, "tx", "start", saga, value, opt);
	snprintf(id, sizeof id, "%s", out);
	id[strcspn(id, "\n")] = '\0';
	/* a harness-owned copy: ht_path's string, past the dir */
	return ht_path(h, "%s", id) + strlen(h->dir) + 1;
}

/* X1, X2: every account prepared, the decision journaled, both apply it
 * once; tx show has the outcome; a second transfer too. */
static void
test_integ_saga_two_phase_commit(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," BANK("", ""));
	const char *out, *err, *id;

	HT_CTL(h, 0, &out, &err, "tx", "start", "bank/transfer", MOVE,
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " committed\n");
	/* --wait returns at the decision; each account applies it when its
	 * commit comes (seen once under ASan: alice still at 100) */
	wait_balances(h, 90, 110);
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	wait_balances(h, 80, 120);
	wait_tx(h, id, "state: committed");
	/* the decision is in the coordinator's journal, the commit (with
	 * the balance) in each account's */
	HT_HAS(ht_path(h, "coord.journal"), "\"r\":\"commit\"");
	HT_HAS(ht_path(h, "bob.journal"), "\"state\":{\"balance\":120}");
	HT_CTL(h, 0, &out, &err, "tx", "list");
	assert_null(strstr(out, id));
	/* the TX's events, in herdd's stream, in order */
	{
		cJSON *st = ht_wait_event(h, "tx.started", "sagad", HT_T);
		cJSON *co = ht_wait_event(h, "tx.committed", "sagad", HT_T);
		cJSON *en = ht_wait_event(h, "tx.ended", "sagad", HT_T);
		assert_true(ht_num(st, "seq") < ht_num(co, "seq"));
		assert_true(ht_num(co, "seq") < ht_num(en, "seq"));
		assert_string_equal(cJSON_GetObjectItem(st, "saga")->valuestring,
		    "bank/transfer");
	}
	HT_CTL(h, 0, &out, &err, "events", "--since", "0", "--filter", "tx.",
	    "--count", "3");
	HT_CONTAINS(out, "tx.committed");
	HT_CONTAINS(out, " bank/transfer\n"); /* the TX and its saga */
}

/* X1: one account votes no (insufficient funds): nobody applies
 * anything, the client hears aborted with the reason (exit 1). */
static void
test_integ_saga_abort_on_failure(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," BANK("", ""));
	const char *out, *err;

	HT_CTL(h, 1, &out, &err, "tx", "start", "bank/transfer",
	    "{\"from\":\"bank/alice\",\"to\":\"bank/bob\",\"amount\":500}",
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " aborted: insufficient_funds\n");
	HT_CONTAINS(cJSON_GetObjectItem(ht_wait_event(h, "tx.aborted", "sagad",
	    HT_T), "reason")->valuestring, "insufficient_funds");
	assert_int_equal(balance(h, "bank/alice"), 100);
	assert_int_equal(balance(h, "bank/bob"), 100);
	HT_CTL(h, 0, &out, &err, "call", "bank/bob", "{}");
	HT_CONTAINS(out, "\"reserved\":0");
}

/* One phase: results end the jobs, the final value reaches the saga,
 * no worker hears a commit. Interims arrive in order, before the result
 * (X11). */
static void
test_integ_saga_one_phase_interims(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w", ""));
	const char *out, *err, *log;

	HT_CTL(h, 0, &out, &err, "tx", "start", "saga",
	    "{\"jobs\":[{\"worker\":\"w\",\"value\":{\"act\":\"interims\","
	    "\"n\":3}}],\"final\":\"ok\"}", "--wait");
	HT_CONTAINS(out, " committed\n");
	log = ht_wait_file(h, ht_path(h, "saga.log"), "done ", HT_T);
	assert_non_null(log);
	{
		const char *i1 = strstr(log, " j1 1\n"), *i2 = strstr(log,
		    " j1 2\n"), *i3 = strstr(log, " j1 3\n");
		const char *res = strstr(log, "result "), *done = strstr(log,
		    "done ");
		assert_true(i1 && i2 && i3 && res && done);
		assert_true(i1 < i2 && i2 < i3 && i3 < res && res < done);
	}
	HT_CONTAINS(log, " \"ok\"\n");
	assert_null(strstr(ht_read_file(h, ht_path(h, "w.log")), "commit"));
}

/* X8: cancel reaches the worker and the saga with its reason; a second
 * cancel, or an unknown id, is unknown_tx (exit 3). */
static void
test_integ_saga_cancel(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w", ""));
	const char *out, *err, *id;

	id = start(h, "saga", "{\"jobs\":[{\"worker\":\"w\",\"value\":"
	    "{\"act\":\"hold\"}}]}", "--two-phase");
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), "start ", HT_T));
	HT_CTL(h, 0, &out, &err, "tx", "cancel", id, "operator_said_so");
	HT_CONTAINS(out, " aborted");
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"),
	    " operator_said_so\n", HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "saga.log"),
	    " operator_said_so\n", HT_T));
	HT_CTL(h, 3, &out, &err, "tx", "cancel", id, "again");
	HT_CONTAINS(err, "no running TX");
	HT_CTL(h, 3, &out, &err, "tx", "cancel", "nosuch", "x");
	HT_CTL(h, 0, &out, &err, "tx", "show", id);
	HT_CONTAINS(out, "state: aborted\nreason: operator_said_so\n");
}

/* X9: the lifespan ends an undecided TX; a job whose timeout would pass
 * it is refused. A job's own timeout fails it (and the TX). */
static void
test_integ_saga_lifespan_and_timeouts(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w", ""));
	const char *out, *err;

	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":["
	    "{\"worker\":\"w\",\"value\":{\"act\":\"hold\"}}]}", "--two-phase",
	    "--lifespan", "300ms", "--wait");
	HT_CONTAINS(out, " aborted: lifespan\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":["
	    "{\"worker\":\"w\",\"timeout_ms\":10000}]}", "--lifespan", "2s",
	    "--wait");
	HT_CONTAINS(out, " aborted: lifespan\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":["
	    "{\"worker\":\"w\",\"value\":{\"act\":\"hold\"},"
	    "\"timeout_ms\":200}]}", "--wait");
	HT_CONTAINS(out, " aborted: timeout\n");
	/* the worker was told to stop the job that timed out */
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), " timeout\n",
	    HT_T));
}

/* X1: a worker that ends before its result aborts the TX; a saga that
 * ends before the decision aborts it too (presumed abort), and the
 * workers hear it. No saga name: no_saga (exit 3). */
static void
test_integ_saga_deaths_before_decision(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w", "") ","
	    TWORKER("v", ""));
	const char *out, *err;

	/* one job of a TX per worker at once (a worker keys TXs by id) */
	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":["
	    "{\"worker\":\"v\"},{\"worker\":\"v\"}]}", "--two-phase",
	    "--wait");
	HT_CONTAINS(out, " aborted: worker_busy");
	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":["
	    "{\"worker\":\"v\",\"value\":{\"act\":\"hold\"}},"
	    "{\"worker\":\"w\",\"value\":{\"act\":\"exit\"}}]}", "--two-phase",
	    "--wait");
	HT_CONTAINS(out, " aborted: worker w ended: boom\n");
	assert_non_null(ht_wait_file(h, ht_path(h, "saga.log"),
	    "worker w ended: boom", HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "v.log"), "cancel ", HT_T));
	start(h, "saga", "{\"jobs\":[{\"worker\":\"v\",\"value\":{\"act\":"
	    "\"hold\"}}]}", "--two-phase");
	assert_non_null(ht_wait_file(h, ht_path(h, "v.log"), "start ", HT_T));
	kill(ht_pid(h, "saga"), SIGKILL);
	assert_non_null(ht_wait_file(h, ht_path(h, "v.log"), "saga saga ended",
	    HT_T));
	HT_CTL(h, 3, &out, &err, "tx", "start", "nosaga", "{}");
	HT_CONTAINS(err, "no actor and no step saga named \"nosaga\"");
}

/* X2, X5, I4: the coordinator is killed once the commit is on disk and
 * before anyone heard it; its successor reads the journal and sends the
 * commit again: both accounts apply it, once. */
static void
test_integ_saga_coordinator_killed_after_decision(void **state)
{
	struct ht *h = boot(state, SAGAD(CRASH("coord.synced")) "," BANK("",
	    ""));
	const char *id;

	arm_crash(h);
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	ht_wait_event(h, "child.exited", "sagad", HT_T);
	wait_balances(h, 90, 110);
	wait_tx(h, id, "state: committed");
	HT_CONTAINS(ht_read_file(h, ht_path(h, "log/sagad.stderr.log")),
	    "1 commits waiting");
}

/* I1, I5: killed after one account acknowledged, the coordinator's
 * successor sends the commit to both again; the one that applied it
 * says so again without applying it twice. */
static void
test_integ_saga_coordinator_killed_after_an_ack(void **state)
{
	struct ht *h = boot(state, SAGAD(CRASH("coord.acked")) "," BANK("",
	    ""));
	const char *id;

	arm_crash(h);
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	ht_wait_event(h, "child.exited", "sagad", HT_T);
	wait_balances(h, 90, 110);
	wait_tx(h, id, "state: committed");
	/* nothing more arrives later: still exactly one move */
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	wait_tx(h, id, "state: committed");
	wait_balances(h, 80, 120);
}

/* X3: a worker killed once its prepared record is on disk, before its
 * vote left: the coordinator saw it end without a result and aborted;
 * the restarted worker has the TX in doubt, asks, and cancels it. */
static void
test_integ_saga_worker_killed_prepared(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," BANK("",
	    CRASH("worker.synced")));
	const char *id;

	arm_crash(h);
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	ht_wait_event(h, "child.exited", "bank/bob", HT_T);
	wait_tx(h, id, "state: aborted");
	ht_wait_event(h, "child.started", "bank/bob", HT_T);
	wait_balances(h, 100, 100);
	HT_HAS(ht_path(h, "bob.journal"), "\"r\":\"abort\"");
}

/* X6, I5: a worker killed after journaling its commit and before its
 * ack: restarted, it has the new balance from its journal, and the
 * coordinator's repeated commit is acknowledged without a second move. */
static void
test_integ_saga_worker_killed_committed(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," BANK("",
	    CRASH("worker.committed")));
	const char *id;

	arm_crash(h);
	id = start(h, "bank/transfer", MOVE, "--two-phase");
	ht_wait_event(h, "child.exited", "bank/bob", HT_T);
	wait_tx(h, id, "state: committed");
	wait_balances(h, 90, 110);
}

/* X3, X4: the coordinator dies while a TX runs (undecided): the new one
 * does not know it, so the saga and the worker that asked hear abort. */
static void
test_integ_saga_coordinator_killed_before_decision(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w", ""));

	start(h, "saga", "{\"jobs\":[{\"worker\":\"w\",\"value\":{\"act\":"
	    "\"hold\"}}]}", "--two-phase");
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), "start ", HT_T));
	kill(ht_pid(h, "sagad"), SIGKILL);
	assert_non_null(ht_wait_file(h, ht_path(h, "saga.log"),
	    "unknown_tx\n", HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), "unknown_tx\n",
	    HT_T));
}

/* Next hops: s1 forwards to s2, which forwards to s3, each with a job
 * of its own; the hop's interim and result reach the saga that
 * forwarded it, every job votes, the TX commits, and every saga of the
 * chain gets the one final value (I6). */
static void
test_integ_saga_next_hops_chain(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," NSAGA("s1", "") ","
	    NSAGA("s2", "") "," NSAGA("s3", "") "," TWORKER("w1", "") ","
	    TWORKER("w2", "") "," TWORKER("w3", ""));
	const char *out, *err, *log;

	HT_CTL(h, 0, &out, &err, "tx", "start", "s1", "{\"jobs\":[{\"worker\":"
	    "\"w1\"}],\"final\":\"all\",\"forward\":[{\"saga\":\"s2\",\"value\":"
	    "{\"interim\":\"halfway\",\"jobs\":[{\"worker\":\"w2\"}],\"final\":"
	    "\"from s2\",\"forward\":[{\"saga\":\"s3\",\"value\":{\"jobs\":"
	    "[{\"worker\":\"w3\"}],\"final\":\"from s3\"}}]}}]}", "--two-phase",
	    "--wait");
	HT_CONTAINS(out, " committed\n");
	log = ht_wait_file(h, ht_path(h, "s1.log"), "done ", HT_T);
	HT_CONTAINS(log, " h1 \"halfway\"\n");
	HT_CONTAINS(log, " h1 \"from s2\"\n");
	assert_true(strstr(log, "next_interim") < strstr(log, "next_result"));
	HT_CONTAINS(ht_wait_file(h, ht_path(h, "s2.log"), "done ", HT_T),
	    " h1 \"from s3\"\n");
	HT_CONTAINS(ht_wait_file(h, ht_path(h, "s3.log"), "done ", HT_T),
	    " \"all\"\n");
	for (int i = 1; i <= 3; i++)
		assert_non_null(ht_wait_file(h, ht_path(h, "w%d.log", i),
		    "commit ", HT_T));
}

/* X10: the hop limit is the chain's depth; a TX arriving again at a saga
 * of its chain is a loop. Without trap_cancel's reroute, either cancels
 * the TX with its reason. X9: a hop whose timeout would pass the
 * lifespan is refused. */
static void
test_integ_saga_hop_limit_and_loop(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," NSAGA("s1", "") ","
	    NSAGA("s2", "") "," NSAGA("s3", ""));
	const char *out, *err;

	HT_CTL(h, 1, &out, &err, "tx", "start", "s1", "{\"forward\":[{\"saga\":"
	    "\"s2\",\"value\":{\"forward\":[{\"saga\":\"s3\"}]}}]}",
	    "--hop-limit", "1", "--wait");
	HT_CONTAINS(out, " aborted: hop_limit\n");
	HT_CTL(h, 0, &out, &err, "tx", "start", "s1", "{\"forward\":[{\"saga\":"
	    "\"s2\",\"value\":{\"forward\":[{\"saga\":\"s3\"}]}}]}",
	    "--hop-limit", "2", "--wait");
	HT_CONTAINS(out, " committed\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "s1", "{\"forward\":[{\"saga\":"
	    "\"s2\",\"value\":{\"forward\":[{\"saga\":\"s1\"}]}}]}", "--wait");
	HT_CONTAINS(out, " aborted: loop_detected\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "s1", "{\"forward\":[{\"saga\":"
	    "\"s2\",\"timeout_ms\":60000}]}", "--lifespan", "5s", "--wait");
	HT_CONTAINS(out, " aborted: lifespan\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "s1", "{}", "--hop-limit",
	    "65");
	HT_CONTAINS(err, "hop_limit must be 0 to 64");
}

/* trap_cancel: a hop that times out is abandoned (its saga and its
 * worker hear cancel) and the forwarding saga routes the TX elsewhere;
 * the TX commits without it. */
static void
test_integ_saga_trap_cancel_reroute(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," NSAGA("s1", "") ","
	    NSAGA("slow", "") "," NSAGA("alt", "") "," TWORKER("w", ""));
	const char *out, *err;

	HT_CTL(h, 0, &out, &err, "tx", "start", "s1", "{\"reroute\":\"alt\","
	    "\"forward\":[{\"saga\":\"slow\",\"timeout_ms\":300,\"value\":"
	    "{\"jobs\":[{\"worker\":\"w\",\"value\":{\"act\":\"hold\"}}]}}]}",
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " committed\n");
	HT_CONTAINS(ht_wait_file(h, ht_path(h, "s1.log"), "done ", HT_T),
	    "next_failed ");
	assert_non_null(ht_wait_file(h, ht_path(h, "slow.log"),
	    " timeout\n", HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), " timeout\n",
	    HT_T));
	assert_non_null(ht_wait_file(h, ht_path(h, "alt.log"), "done ",
	    HT_T));
}

/* X10: a saga at its max transactions refuses more (tx_limit); the TX it
 * runs goes on unaffected. */
static void
test_integ_saga_tx_limit(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," NSAGA("one", ",'1'") ","
	    TWORKER("w", ""));
	const char *out, *err, *id;

	id = start(h, "one", "{\"jobs\":[{\"worker\":\"w\",\"value\":{\"act\":"
	    "\"hold\"}}]}", "--two-phase");
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), "start ", HT_T));
	HT_CTL(h, 1, &out, &err, "tx", "start", "one", "{}", "--wait");
	HT_CONTAINS(out, " aborted: tx_limit\n");
	HT_CTL(h, 0, &out, &err, "tx", "show", id);
	HT_CONTAINS(out, "state: running\n");
	HT_CONTAINS(out, "job j1: started on w\n");
}

/* An operator's heuristic outcomes: a committed TX whose participant is
 * gone for good stays in doubt (tx in-doubt names whom it waits for)
 * until tx resolve ID commit ends it, loudly and on the record; the
 * outcome opposite to a decision is refused; an undecided TX can only be
 * resolved abort. */
static void
test_integ_saga_in_doubt_resolve(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA "," TWORKER("w",
	    ",'restart':'temporary'" CRASH("worker.committing")) ","
	    TWORKER("v", ""));
	const char *out, *err, *id;
	char tx[128];

	arm_crash(h);
	HT_CTL(h, 0, &out, &err, "tx", "start", "saga", "{\"jobs\":[{\"worker\":"
	    "\"w\"}]}", "--two-phase", "--wait");
	snprintf(tx, sizeof tx, "%s", out);
	tx[strcspn(tx, " ")] = '\0';
	ht_wait_event(h, "child.exited", "w", HT_T);
	HT_CTL(h, 0, &out, &err, "tx", "in-doubt");
	HT_CONTAINS(out, tx);
	HT_CONTAINS(out, " w\n");
	HT_CTL(h, 4, &out, &err, "tx", "resolve", tx, "abort");
	HT_CONTAINS(err, "would mix outcomes");
	HT_CTL(h, 0, &out, &err, "tx", "resolve", tx, "commit");
	HT_CONTAINS(err, "WARNING: heuristic");
	HT_CTL(h, 0, &out, &err, "tx", "in-doubt");
	assert_null(strstr(out, tx));
	wait_tx(h, tx, "state: committed");
	ht_wait_event(h, "tx.heuristic", "sagad", HT_T);
	HT_HAS(ht_path(h, "coord.journal"), "\"r\":\"heuristic\"");
	/* the participant comes back after all, in doubt: it hears commit
	 * (not presumed abort), from a coordinator restarted meanwhile */
	kill(ht_pid(h, "sagad"), SIGKILL);
	ht_wait_event(h, "actor.up", "sagad", HT_T);
	{
		char spec[8192];
		snprintf(spec, sizeof spec, "{\"name\":\"w\",\"type\":"
		    "\"actor\",\"command\":[\"%s/tests/tools/testsaga\","
		    "\"worker\",\"%s\",\"%s\"]}", h->build,
		    ht_path(h, "w.journal"), ht_path(h, "w.log"));
		HT_CTL(h, 0, &out, &err, "add-child", "", spec);
	}
	assert_non_null(ht_wait_file(h, ht_path(h, "w.log"), "commit ", HT_T));
	/* undecided: commit refused, abort is a cancel */
	id = start(h, "saga", "{\"jobs\":[{\"worker\":\"v\",\"value\":"
	    "{\"act\":\"hold\"}}]}", "--two-phase");
	HT_CTL(h, 4, &out, &err, "tx", "resolve", id, "commit");
	HT_CONTAINS(err, "undecided");
	HT_CTL(h, 0, &out, &err, "tx", "resolve", id, "abort");
	assert_non_null(ht_wait_file(h, ht_path(h, "v.log"),
	    "heuristic abort by an operator\n", HT_T));
	HT_CTL(h, 3, &out, &err, "tx", "resolve", "nosuch", "abort");
	HT_CTL(h, 2, &out, &err, "tx", "resolve", id, "maybe");
}

/* A full disk (HERD_JOURNAL_FULL): a participant that cannot journal
 * its vote votes no; under the coordinator's journal, the TX whose
 * commit cannot be written aborts (nothing decided that is not logged),
 * new TXs are refused with a clear error, and once there is space again
 * TXs commit. */
static void
test_integ_saga_journal_full(void **state)
{
	struct ht *h = boot(state, SAGAD(",'env':{'HERD_JOURNAL_FULL':"
	    "'@TMP@/full'}") "," BANK("", ",'env':{'HERD_JOURNAL_FULL':"
	    "'@TMP@/bobfull'}"));
	const char *out, *err;

	/* a participant that cannot journal its prepared result votes no */
	assert_int_equal(ht_write_file(h, ht_path(h, "bobfull"), ""), 0);
	HT_CTL(h, 1, &out, &err, "tx", "start", "bank/transfer", MOVE,
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " aborted: journal: No space left on device\n");
	wait_balances(h, 100, 100);
	unlink(ht_path(h, "bobfull"));

	assert_int_equal(ht_write_file(h, ht_path(h, "full"), ""), 0);
	HT_CTL(h, 1, &out, &err, "tx", "start", "bank/transfer", MOVE,
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " aborted: journal: No space left on device\n");
	HT_CTL(h, 1, &out, &err, "tx", "start", "bank/transfer", MOVE,
	    "--two-phase", "--wait");
	HT_CONTAINS(err, "the journal takes no records (No space left on "
	    "device): no new TX until it does");
	HT_CTL(h, 0, &out, &err, "inspect", "sagad");
	HT_CONTAINS(out, "journal_error: No space left on device\n");
	wait_balances(h, 100, 100);
	unlink(ht_path(h, "full"));
	HT_CTL(h, 0, &out, &err, "tx", "start", "bank/transfer", MOVE,
	    "--two-phase", "--wait");
	HT_CONTAINS(out, " committed\n");
	wait_balances(h, 90, 110);
}

/* A worker process started per job (SAGAS.md's first kind of worker): a
 * job on a simple_one_for_one pool of saga workers spawns an instance
 * for it, with a journal of its own; it ends once its job is over
 * (committed, or its result given in one phase), its journal goes, and
 * nothing of the TX is left running (I7). One killed once prepared is
 * restarted (transient), finds the TX in doubt, hears abort, and ends. */
/* Whether jobs.log holds "commit " twice (an ht_until cond). */
static int
two_commits(struct ht *h, void *arg)
{
	const char *log = ht_read_file(h, ht_path(h, "jobs.log")), *c;

	return log != NULL && (c = strstr(log, "commit ")) != NULL &&
	    strstr(c + 1, "commit ") != NULL;
}

static int
no_instances(struct ht *h, void *arg)
{
	cJSON *r = ht_result(h, "status", NULL), *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "children"))
		if (strncmp(cJSON_GetObjectItem(c, "path")->valuestring,
		    "jobs/", 5) == 0)
			return 0;
	return 1;
}

static void
test_integ_saga_worker_per_job(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA ",{'name':'jobs','type':"
	    "'supervisor','strategy':'simple_one_for_one','intensity':10,"
	    "'children':[{'name':'w','type':'actor','restart':'transient',"
	    "'command':['@BUILD@/tests/tools/testsaga','worker',"
	    "'@TMP@/job.journal','@TMP@/jobs.log']" CRASH("worker.synced")
	    "}]}");
	const char *out, *err;

	HT_CTL(h, 0, &out, &err, "tx", "start", "saga", "{\"jobs\":[{\"worker\":"
	    "\"jobs\"},{\"worker\":\"jobs\"}]}", "--two-phase", "--wait");
	HT_CONTAINS(out, " committed\n");
	if (!ht_until(h, two_commits, NULL, HT_T))
		fail_msg("jobs.log: %s", ht_read_file(h, ht_path(h, "jobs.log")));
	if (!ht_until(h, no_instances, NULL, HT_T))
		fail_msg("instances left: %s", ht_status_order(h));
	HT_CTL(h, 0, &out, &err, "tx", "start", "saga", "{\"jobs\":[{\"worker\":"
	    "\"jobs\"}],\"final\":1}", "--wait");
	HT_CONTAINS(out, " committed\n");
	if (!ht_until(h, no_instances, NULL, HT_T))
		fail_msg("instances left: %s", ht_status_order(h));
	/* killed once prepared: aborted, the restarted one ends too */
	unlink(ht_path(h, "jobs.log"));
	arm_crash(h);
	HT_CTL(h, 1, &out, &err, "tx", "start", "saga", "{\"jobs\":[{\"worker\":"
	    "\"jobs\"}]}", "--two-phase", "--wait");
	HT_CONTAINS(out, " aborted: worker jobs/");
	assert_non_null(ht_wait_file(h, ht_path(h, "jobs.log"), "cancel ",
	    HT_T));
	if (!ht_until(h, no_instances, NULL, HT_T))
		fail_msg("instances left: %s", ht_status_order(h));
	/* each instance's journal (job.journal.TX.JOB) went with it */
	{
		glob_t g;
		int rv = glob(ht_path(h, "job.journal.*"), 0, NULL, &g);
		if (rv == 0)
			fail_msg("left: %s", g.gl_pathv[0]);
		assert_int_equal(rv, GLOB_NOMATCH);
	}
}

/* Bad input: messages that are not TX messages, or for unknown TXs,
 * malformed requests: the coordinator answers or drops, and runs on. */
static void
test_integ_saga_bad_input(void **state)
{
	struct ht *h = boot(state, SAGAD("") "," TSAGA ",{'name':'probe',"
	    "'type':'actor','command':['@ACTOR@','@TMP@/probe.log']}");
	const char *out, *err;
	pid_t pid = ht_pid(h, "sagad");

	HT_CTL(h, 0, &out, &err, "cast", "herd.tx", "[1,2]");
	HT_CTL(h, 0, &out, &err, "cast", "herd.tx",
	    "{\"herd.tx\":\"result\",\"tx\":\"zz\",\"job\":\"j1\"}");
	HT_CTL(h, 0, &out, &err, "cast", "herd.tx",
	    "{\"herd.tx\":\"bogus\",\"tx\":\"../x\"}");
	HT_CTL(h, 1, &out, &err, "call", "herd.tx", "{\"op\":\"start\","
	    "\"saga\":\"saga\",\"twophase\":true}");
	HT_CONTAINS(err, "unknown member \"twophase\"");
	HT_CTL(h, 1, &out, &err, "call", "herd.tx", "{\"op\":\"fly\"}");
	HT_CONTAINS(err, "unknown op \"fly\"");
	HT_CTL(h, 1, &out, &err, "call", "herd.tx", "\"start\"");
	HT_CTL(h, 2, &out, &err, "tx", "start", "saga", "{nope");
	HT_CTL(h, 3, &out, &err, "tx", "show", "zz");
	/* a saga gets a TX message from someone else than herd.tx */
	HT_CTL(h, 0, &out, &err, "cast", "saga",
	    "{\"herd.tx\":\"new\",\"tx\":\"forged\"}");
	HT_CTL(h, 0, &out, &err, "tx", "list");
	assert_int_equal(ht_pid(h, "sagad"), pid);
	/* only the coordinator publishes tx.* events through herdd */
	HT_CTL(h, 0, &out, &err, "call", "probe", "{\"op\":\"node\",\"req\":"
	    "\"publish\",\"args\":{\"topic\":\"tx.committed\",\"data\":"
	    "{}}}");
	HT_CONTAINS(out, "only the saga coordinator");
	assert_null(ht_find_event(h, 0, "tx.committed", NULL));
	HT_CTL(h, 0, &out, &err, "call", "probe", "{\"op\":\"node\",\"req\":"
	    "\"spawn\",\"args\":{\"pool\":\"x\"}}");
	HT_CONTAINS(out, "only the saga coordinator (herd.tx) spawns");
	assert_null(strstr(ht_read_file(h, ht_path(h, "saga.log")) ?
	    ht_read_file(h, ht_path(h, "saga.log")) : "", "forged"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_saga_two_phase_commit),
		T(test_integ_saga_abort_on_failure),
		T(test_integ_saga_one_phase_interims),
		T(test_integ_saga_cancel),
		T(test_integ_saga_lifespan_and_timeouts),
		T(test_integ_saga_deaths_before_decision),
		T(test_integ_saga_coordinator_killed_after_decision),
		T(test_integ_saga_coordinator_killed_after_an_ack),
		T(test_integ_saga_worker_killed_prepared),
		T(test_integ_saga_worker_killed_committed),
		T(test_integ_saga_coordinator_killed_before_decision),
		T(test_integ_saga_bad_input),
		T(test_integ_saga_next_hops_chain),
		T(test_integ_saga_hop_limit_and_loop),
		T(test_integ_saga_trap_cancel_reroute),
		T(test_integ_saga_tx_limit),
		T(test_integ_saga_in_doubt_resolve),
		T(test_integ_saga_journal_full),
		T(test_integ_saga_worker_per_job),
	};

	return cmocka_run_group_tests_name("integ_saga", tests, NULL, NULL);
}
