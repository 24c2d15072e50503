/*
 * The saga chaos test (SAGAS.md I1-I8, bounded: about 30 s): two-phase
 * transfers between three bank accounts, started a few at a time, while
 * the driver kill -9s the coordinator, the transfer saga and the accounts
 * at random moments. Then, once everything is up again and quiet, a
 * checker reads every participant's journal and the coordinator's:
 *   I1  a TX is committed by all of its accounts or by none;
 *   I2  every commit an account applied is in the coordinator's journal;
 *   I3  no account holds a TX in doubt (every prepared has an outcome);
 *   I5  no account applied a TX twice, and each balance is its initial
 *       balance plus the deltas of the TXs it committed;
 *   I8  the coordinator and the saga hold no TX;
 * and the bank's total never changed. The seed is printed (HERD_SEED
 * repeats a run). make bench-chaos runs it long: HERD_CHAOS_TXS TXs
 * over HERD_CHAOS_MS with at least HERD_CHAOS_MIN_KILLS kills, with
 * HERD_TX_NO_COMPACT so that the journals keep every record.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "journal.h"

#define ACCOUNTS 3
#define INITIAL 1000
/* the defaults stay below both journals' compaction thresholds */
static int RUN_MS = 20000, MAX_TXS = 600, MIN_KILLS = 20;

static const char *const names[ACCOUNTS] = { "a", "b", "c" };

#define ACCOUNT(n) "{'name':'" n "','type':'actor','command':" \
	"['@EXAMPLES@/bank','account','@TMP@/" n ".journal','1000']}"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the checker: journals read back ---- */

struct rec {
	char tx[48];
	int prepared, commits, aborts;
	long long delta;
};

struct book {
	struct rec *r;
	size_t n;
};

static struct rec *
rec_of(struct book *b, const char *tx)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->r[i].tx, tx) == 0)
			return &b->r[i];
	b->r = realloc(b->r, (b->n + 1) * sizeof *b->r);
	memset(&b->r[b->n], 0, sizeof b->r[b->n]);
	snprintf(b->r[b->n].tx, sizeof b->r[b->n].tx, "%s", tx);
	return &b->r[b->n++];
}

/* Calls FN for each record of the journal at PATH. */
static void
each_record(const char *path, void (*fn)(void *, const cJSON *), void *arg)
{
	FILE *f = fopen(path, "r");
	unsigned char *buf;
	size_t len, off = 0;

	assert_non_null(f);
	buf = malloc(1 << 24);
	len = fread(buf, 1, 1 << 24, f);
	fclose(f);
	while (off < len) {
		const unsigned char *p;
		size_t pl;
		long n = herdi_journal_decode(buf + off, len - off, &p, &pl);
		cJSON *rec;
		if (n <= 0)
			fail_msg("%s: bad record at byte %zu", path, off);
		rec = cJSON_ParseWithLength((const char *)p, pl);
		fn(arg, rec);
		cJSON_Delete(rec);
		off += (size_t)n;
	}
	free(buf);
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
account_rec(void *arg, const cJSON *rec)
{
	struct book *b = arg;
	const char *r = str(rec, "r");
	struct rec *x;

	if (strcmp(r, "journal") == 0 || strcmp(r, "state") == 0)
		return;
	x = rec_of(b, str(rec, "tx"));
	if (strcmp(r, "prepared") == 0) {
		x->prepared++;
		x->delta = (long long)cJSON_GetObjectItem(cJSON_GetObjectItem(
		    rec, "result"), "delta")->valuedouble;
	} else if (strcmp(r, "commit") == 0)
		x->commits++;
	else if (strcmp(r, "abort") == 0)
		x->aborts++;
}

static void
coord_rec(void *arg, const cJSON *rec)
{
	struct book *b = arg;

	if (strcmp(str(rec, "r"), "commit") == 0)
		rec_of(b, str(rec, "tx"))->commits++;
}

/* ---- the driver ---- */

static int
quiet(struct ht *h, void *arg)
{
	const char *out, *err;

	if (ht_herdctl(h, &out, &err, "tx", "list", NULL) != 0 ||
	    strchr(strchr(out, '\n') + 1, '\n') != NULL)
		return 0;
	for (int i = 0; i < ACCOUNTS; i++) {
		char path[16];
		snprintf(path, sizeof path, "bank/%s", names[i]);
		if (ht_herdctl(h, &out, &err, "inspect", path, NULL) != 0 ||
		    strstr(out, "in_doubt: 0\n") == NULL ||
		    strstr(out, "reserved: 0\n") == NULL)
			return 0;
	}
	return ht_herdctl(h, &out, &err, "inspect", "bank/transfer", NULL) ==
	    0 && strstr(out, "txs: 0\n") != NULL;
}

static void
test_saga_chaos(void **state)
{
	struct ht *h = *state;
	static const char *const victims[] = { "sagad", "bank/transfer",
	    "bank/a", "bank/b", "bank/c" };
	unsigned seed = getenv("HERD_SEED") ? (unsigned)atoi(
	    getenv("HERD_SEED")) : (unsigned)time(NULL);
	int64_t end, next_kill, next_tx;
	int txs = 0, refused = 0, kills = 0;
	struct book acct[ACCOUNTS] = { 0 }, coord = { 0 };
	long long total = 0;

	if (getenv("HERD_CHAOS_TXS") != NULL) {
		MAX_TXS = atoi(getenv("HERD_CHAOS_TXS"));
		RUN_MS = getenv("HERD_CHAOS_MS") ? atoi(getenv("HERD_CHAOS_MS")) :
		    RUN_MS;
		MIN_KILLS = getenv("HERD_CHAOS_MIN_KILLS") ?
		    atoi(getenv("HERD_CHAOS_MIN_KILLS")) : MIN_KILLS;
		setenv("HERD_TX_NO_COMPACT", "1", 1); /* herdd's children too */
	}
	printf("chaos: seed %u (HERD_SEED=%u repeats it)\n", seed, seed);
	srand(seed);
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':1000,'period_ms':"
	    "10000,'children':[{'name':'sagad','type':'actor','command':"
	    "['@BUILD@/herd-sagad','@TMP@/coord.journal']},{'name':'bank',"
	    "'type':'supervisor','intensity':1000,'period_ms':10000,"
	    "'children':[" ACCOUNT("a") "," ACCOUNT("b") "," ACCOUNT("c") ","
	    "{'name':'transfer','type':'actor','command':['@EXAMPLES@/bank',"
	    "'transfer']}]}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	end = now_ms() + RUN_MS;
	next_kill = now_ms() + 200;
	next_tx = now_ms();
	while (now_ms() < end) {
		int64_t t = now_ms();
		if (t >= next_tx && txs < MAX_TXS) {
			/* a few TXs at once, so that they overlap */
			for (int k = 0; k < 4 && txs < MAX_TXS; k++) {
				int from = rand() % ACCOUNTS, to = (from + 1 +
				    rand() % (ACCOUNTS - 1)) % ACCOUNTS;
				char req[512];
				cJSON *r;
				snprintf(req, sizeof req, "{'name':'herd.tx','msg':"
				    "{'op':'start','saga':'bank/transfer',"
				    "'two_phase':true,'lifespan_ms':5000,'value':"
				    "{'from':'bank/%s','to':'bank/%s','amount':%d}}}",
				    names[from], names[to], 1 + rand() % 50);
				r = ht_request(h, "call", req);
				txs++;
				refused += ht_error_code(r) != NULL;
			}
			/* pace: MAX_TXS over 90% of the run, the rest kills
			 * only */
			next_tx = t + 4 * (RUN_MS * 9 / 10) / MAX_TXS;
		}
		if (t >= next_kill) {
			const char *v = victims[rand() % 5];
			pid_t pid = ht_pid(h, v);
			if (pid > 0 && kill(pid, SIGKILL) == 0)
				kills++;
			next_kill = t + 100 + rand() % 500;
		}
		/* the next thing due: a TX batch or a kill. This waits for a
		 * moment of the random schedule, not for a state: nothing
		 * after it assumes anything happened meanwhile (the checks
		 * at the end wait for quiet with a deadline) */
		{
			int64_t wake = next_tx < next_kill ? next_tx : next_kill;
			struct timespec ts = { 0, 0 };
			if (wake > now_ms()) {
				ts.tv_nsec = (long)(wake - now_ms()) * 1000000L;
				nanosleep(&ts, NULL);
			}
		}
	}
	printf("chaos: %d TXs started (%d refused: coordinator or saga "
	    "down), %d kills in %d ms\n", txs, refused, kills, RUN_MS);
	assert_true(kills >= MIN_KILLS);
	/* everyone back and nothing in flight (lifespans are 5 s) */
	if (!ht_until(h, quiet, NULL, ht_ms(30000)))
		fail_msg("not quiet 30 s after the chaos");
	for (int i = 0; i < ACCOUNTS; i++)
		each_record(ht_path(h, "%s.journal", names[i]), account_rec,
		    &acct[i]);
	each_record(ht_path(h, "coord.journal"), coord_rec, &coord);
	{
		int committed = 0, aborted = 0;
		for (int i = 0; i < ACCOUNTS; i++) {
			long long bal = INITIAL;
			char path[16];
			for (size_t k = 0; k < acct[i].n; k++) {
				struct rec *x = &acct[i].r[k];
				/* I3, I5 */
				if (x->prepared && x->commits + x->aborts != 1)
					fail_msg("account %s, TX %s: %d commits, "
					    "%d aborts", names[i], x->tx,
					    x->commits, x->aborts);
				if (x->commits && !x->prepared)
					fail_msg("account %s committed %s "
					    "unprepared", names[i], x->tx);
				if (!x->commits)
					continue;
				bal += x->delta;
				/* I2 */
				if (rec_of(&coord, x->tx)->commits != 1)
					fail_msg("account %s committed %s, not in "
					    "the coordinator's journal", names[i],
					    x->tx);
				/* I1: the other account of the TX */
				for (int o = 0; o < ACCOUNTS; o++) {
					struct rec *y;
					if (o == i)
						continue;
					y = rec_of(&acct[o], x->tx);
					if (y->prepared && !y->commits)
						fail_msg("TX %s: committed by %s, "
						    "aborted by %s", x->tx, names[i],
						    names[o]);
				}
			}
			snprintf(path, sizeof path, "bank/%s", names[i]);
			/* I5: the balance is what its commits add up to */
			if (bal != (long long)ht_num(cJSON_GetObjectItem(
			    ht_result(h, "call", i == 0 ? "{'name':'bank/a',"
			    "'msg':{}}" : i == 1 ? "{'name':'bank/b','msg':{}}" :
			    "{'name':'bank/c','msg':{}}"), "reply"), "balance"))
				fail_msg("account %s: balance is not its "
				    "commits' sum %lld", names[i], bal);
			total += bal;
		}
		for (size_t k = 0; k < coord.n; k++)
			committed++;
		for (int i = 0; i < ACCOUNTS; i++)
			for (size_t k = 0; k < acct[i].n; k++)
				aborted += acct[i].r[k].aborts;
		printf("chaos: %d TXs committed in the coordinator's journal, "
		    "%d aborts of prepared jobs; checked: 0 mixed outcomes, 0 "
		    "in doubt, 0 commits applied twice, 0 lost, total %d\n",
		    committed, aborted, ACCOUNTS * INITIAL);
		assert_true(committed > 0);
	}
	assert_int_equal(total, ACCOUNTS * INITIAL);
	for (int i = 0; i < ACCOUNTS; i++)
		free(acct[i].r);
	free(coord.r);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_saga_chaos, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests_name("saga_chaos", tests, NULL, NULL);
}
