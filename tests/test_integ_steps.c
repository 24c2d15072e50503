/*
 * Step sagas declared in herd.json, run by herd-sagad (docs/sagas.md
 * "Step sagas"; SAGAS.md X7): steps in order; on a failure the completed
 * steps' compensations in reverse order, one after another; retries;
 * timeouts; a compensation that keeps failing reported and never
 * skipped; actor steps, two_phase ones aborted instead of compensated;
 * a coordinator killed in the middle compensating on its restart.
 * Commands append to @TMP@/steps.log, so the order is on disk.
 */
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

#define SAGAD "{'name':'sagad','type':'actor','command':['@BUILD@/" \
	"herd-sagad','@TMP@/coord.journal','@TMP@/herd.json']}"
#define TWORKER(n) "{'name':'" n "','type':'actor','command':['@BUILD@/" \
	"tests/tools/testsaga','worker','@TMP@/" n ".journal','@TMP@/" n \
	".log']}"
/* a step whose action and compensation log "a NAME" and "c NAME" */
#define LOGS(what) "'echo " what " $HERD_TX_STEP >> @TMP@/steps.log'"
#define STEP(n, extra) "{'name':'" n "','action':{'command':['sh','-c'," \
	LOGS("a") "]},'compensate':{'command':['sh','-c'," LOGS("c") "]}" \
	extra "}"
#define FAILING(n) "{'name':'" n "','action':{'command':['sh','-c'," \
	"'echo a " n " >> @TMP@/steps.log; exit 1']},'compensate':" \
	"{'command':['sh','-c'," LOGS("c") "]}}"

static struct ht *
boot(void **state, const char *children, const char *sagas)
{
	struct ht *h = *state;
	char conf[8192];

	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'intensity':"
	    "20,'period_ms':10000,'children':[" SAGAD "%s]},'sagas':{%s}}",
	    children, sagas);
	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

static const char *
steps_log(struct ht *h)
{
	const char *s = ht_read_file(h, ht_path(h, "steps.log"));

	return s != NULL ? s : "";
}

/* Waits until steps.log holds WANT exactly. */
struct log_is {
	const char *want;
};

static int
log_is(struct ht *h, void *arg)
{
	return strcmp(steps_log(h), ((struct log_is *)arg)->want) == 0;
}

static void
wait_log(struct ht *h, const char *want)
{
	struct log_is w = { want };

	if (!ht_until(h, log_is, &w, HT_T))
		fail_msg("steps.log is:\n%s\nnot:\n%s", steps_log(h), want);
}

/* All steps succeed: in order, nothing compensated; the final value
 * holds each step's result. */
static void
test_integ_steps_in_order(void **state)
{
	struct ht *h = boot(state, "", "'order':{'steps':[" STEP("s1", "") ","
	    STEP("s2", "") "," STEP("s3", "") "]}");
	const char *out, *err;

	HT_CTL(h, 0, &out, &err, "tx", "start", "order", "{\"n\":1}", "--wait",
	    "--json");
	HT_CONTAINS(out, "\"outcome\":\"committed\"");
	HT_CONTAINS(out, "\"final\":{\"s1\":true,\"s2\":true,\"s3\":true}");
	assert_string_equal(steps_log(h), "a s1\na s2\na s3\n");
}

/* X7: step 3 fails: step 2's compensation, then step 1's, one after the
 * other (c s2 sleeps first: it would come second if they overlapped);
 * the failed step and the one never started are not compensated. */
static void
test_integ_steps_compensate_in_reverse(void **state)
{
	struct ht *h = boot(state, "", "'order':{'steps':[" STEP("s1", "") ","
	    "{'name':'s2','action':{'command':['sh','-c'," LOGS("a") "]},"
	    "'compensate':{'command':['sh','-c','sleep 0.3; echo c s2 >> "
	    "@TMP@/steps.log']}}," FAILING("s3") "," STEP("s4", "") "]}");
	const char *out, *err;

	HT_CTL(h, 1, &out, &err, "tx", "start", "order", "{}", "--wait");
	HT_CONTAINS(out, " aborted: step s3 failed: exit:1\n");
	assert_string_equal(steps_log(h), "a s1\na s2\na s3\nc s2\nc s1\n");
}

/* Retries: a step that fails twice succeeds at its third attempt
 * (retries 2, HERD_TX_ATTEMPT counts); a compensation that keeps failing
 * is retried, reported (tx.compensation_failed), and the next one still
 * runs. */
static void
test_integ_steps_retries_and_failed_compensation(void **state)
{
	struct ht *h = boot(state, "", "'flaky':{'steps':[{'name':'s1',"
	    "'retries':2,'retry_delay_ms':10,'action':{'command':['sh','-c',"
	    "'echo a$HERD_TX_ATTEMPT >> @TMP@/steps.log; [ $HERD_TX_ATTEMPT = "
	    "3 ]']}}]},'bad':{'steps':[" STEP("s1", "") ",{'name':'s2',"
	    "'retries':1,'retry_delay_ms':10,'action':{'command':'true'},"
	    "'compensate':{'command':['sh','-c','echo c s2 >> "
	    "@TMP@/steps.log; exit 3']}}," FAILING("s3") "]}");
	const char *out, *err;
	cJSON *ev;

	HT_CTL(h, 0, &out, &err, "tx", "start", "flaky", "{}", "--wait");
	HT_CONTAINS(out, " committed\n");
	assert_string_equal(steps_log(h), "a1\na2\na3\n");
	unlink(ht_path(h, "steps.log"));
	HT_CTL(h, 1, &out, &err, "tx", "start", "bad", "{}", "--wait");
	HT_CONTAINS(out, " aborted: step s3 failed: exit:1; compensation "
	    "failed: s2\n");
	assert_string_equal(steps_log(h), "a s1\na s3\nc s2\nc s2\nc s1\n");
	ev = ht_wait_event(h, "tx.compensation_failed", "sagad", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ev, "step")->valuestring, "s2");
	HT_CONTAINS(ht_read_file(h, ht_path(h, "log/sagad.stderr.log")),
	    "WARNING: compensation of step s2 failed for good: exit:3");
}

/* A step that outlives its timeout is killed (its process group) and
 * fails: the steps before it are compensated. */
static void
test_integ_steps_timeout(void **state)
{
	struct ht *h = boot(state, "", "'slow':{'steps':[" STEP("s1", "") ","
	    "{'name':'s2','timeout_ms':300,'action':{'command':['sh','-c',"
	    "'echo $$ > @TMP@/slow.pid; exec sleep 30']}}]}");
	const char *out, *err;
	pid_t pid;

	HT_CTL(h, 1, &out, &err, "tx", "start", "slow", "{}", "--wait");
	HT_CONTAINS(out, " aborted: step s2 failed: timeout\n");
	assert_string_equal(steps_log(h), "a s1\nc s1\n");
	pid = (pid_t)atoi(ht_read_file(h, ht_path(h, "slow.pid")));
	assert_true(pid > 0);
	assert_true(ht_wait_gone(pid, HT_T));
}

/* Actor steps: a job on a saga worker, its compensation another job;
 * in a two_phase step saga the actor step is prepared, then aborted
 * (not compensated) when a later step fails, or committed. */
static void
test_integ_steps_actor_steps(void **state)
{
	struct ht *h = boot(state, "," TWORKER("stock"), "'one':{'steps':["
	    "{'name':'reserve','action':{'actor':'stock','value':{'n':1}},"
	    "'compensate':{'actor':'stock'}}," FAILING("charge") "]},"
	    "'two':{'two_phase':true,'steps':[{'name':'reserve','action':"
	    "{'actor':'stock'},'compensate':{'actor':'stock'}}," STEP("ship",
	    "") "]},'twofail':{'two_phase':true,'steps':[{'name':'reserve',"
	    "'action':{'actor':'stock'},'compensate':{'actor':'stock'}},"
	    FAILING("charge") "]}");
	const char *out, *err, *log;

	HT_CTL(h, 1, &out, &err, "tx", "start", "one", "{}", "--wait");
	HT_CONTAINS(out, " aborted: step charge failed: exit:1\n");
	log = ht_wait_file(h, ht_path(h, "stock.log"), "start ", HT_T);
	/* the action's job, then the compensation's */
	assert_non_null(strstr(strstr(log, "start "), "\nstart "));
	HT_CTL(h, 0, &out, &err, "tx", "start", "two", "{}", "--wait");
	HT_CONTAINS(out, " committed\n");
	assert_non_null(ht_wait_file(h, ht_path(h, "stock.log"), "commit ",
	    HT_T));
	HT_CTL(h, 1, &out, &err, "tx", "start", "twofail", "{}", "--wait");
	HT_CONTAINS(out, " aborted: step charge failed: exit:1\n");
	assert_non_null(ht_wait_file(h, ht_path(h, "stock.log"), "cancel ",
	    HT_T));
}

/* The coordinator killed while step 2 runs: its successor reads the
 * journal and compensates step 2 (its outcome is unknown) and step 1;
 * tx cancel of a running step saga compensates too. */
static void
test_integ_steps_coordinator_killed(void **state)
{
	struct ht *h = boot(state, "", "'long':{'steps':[{'name':'s1',"
	    "'action':{'command':['sh','-c'," LOGS("a") "]},'compensate':"
	    "{'command':['sh','-c','sleep 1; echo c s1 >> @TMP@/steps.log']}},"
	    "{'name':'s2','action':{'command':['sh','-c','echo a s2 >> "
	    "@TMP@/steps.log; exec sleep 30']},'compensate':{'command':['sh',"
	    "'-c'," LOGS("c") "]}}]}");
	const char *out, *err, *id;
	char tx[128];

	HT_CTL(h, 0, &out, &err, "tx", "start", "long", "{}");
	snprintf(tx, sizeof tx, "%s", out);
	tx[strcspn(tx, "\n")] = '\0';
	wait_log(h, "a s1\na s2\n");
	kill(ht_pid(h, "sagad"), SIGKILL);
	wait_log(h, "a s1\na s2\nc s2\nc s1\n");
	HT_CTL(h, 0, &out, &err, "tx", "show", tx);
	HT_CONTAINS(out, "state: aborted\nreason: coordinator restarted during "
	    "step s2\n");
	unlink(ht_path(h, "steps.log"));
	HT_CTL(h, 0, &out, &err, "tx", "start", "long", "{}");
	snprintf(tx, sizeof tx, "%s", out);
	tx[strcspn(tx, "\n")] = '\0';
	id = tx;
	wait_log(h, "a s1\na s2\n");
	HT_CTL(h, 0, &out, &err, "tx", "cancel", id, "enough");
	/* X8: while it compensates, a second cancel is unknown_tx */
	HT_CTL(h, 3, &out, &err, "tx", "cancel", id, "again");
	HT_CONTAINS(err, "aborting already");
	wait_log(h, "a s1\na s2\nc s1\n");
	HT_CTL(h, 0, &out, &err, "tx", "show", id);
	HT_CONTAINS(out, "reason: enough\n");
}

/* X9: once the lifespan has aborted a step saga, its compensations
 * still run, actor ones too: the abort is the decision. */
static void
test_integ_steps_compensation_past_lifespan(void **state)
{
	struct ht *h = boot(state, "," TWORKER("stock"), "'late':{'lifespan_ms':"
	    "800,'steps':[{'name':'reserve','timeout_ms':500,'action':"
	    "{'actor':'stock'},"
	    "'compensate':{'actor':'stock','value':{'undo':1}}},{'name':'wait',"
	    "'action':{'command':['sleep','30']}}]}");
	const char *out, *err, *log;

	HT_CTL(h, 1, &out, &err, "tx", "start", "late", "{}", "--wait");
	HT_CONTAINS(out, " aborted: lifespan\n");
	log = ht_wait_file(h, ht_path(h, "stock.log"), "start ", HT_T);
	assert_non_null(strstr(strstr(log, "start "), "\nstart "));
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_steps_in_order),
		T(test_integ_steps_compensate_in_reverse),
		T(test_integ_steps_retries_and_failed_compensation),
		T(test_integ_steps_timeout),
		T(test_integ_steps_actor_steps),
		T(test_integ_steps_coordinator_killed),
		T(test_integ_steps_compensation_past_lifespan),
	};

	return cmocka_run_group_tests_name("integ_steps", tests, NULL, NULL);
}
