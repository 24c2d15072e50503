/*
 * A child's "limits" (issue 14, item 3): the rlimits it runs with, as the
 * kernel shows them in /proc/PID/limits of a process it started, and a
 * limit the kernel refuses failing the start with a message naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* "SOFT HARD" of the /proc/PID/limits line that starts with NAME. */
static const char *
limit_of(const char *limits, const char *name, char *buf, size_t len)
{
	const char *at = strstr(limits, name);
	char soft[32], hard[32];

	assert_non_null(at);
	assert_int_equal(sscanf(at + 26, "%31s %31s", soft, hard), 2);
	snprintf(buf, len, "%s %s", soft, hard);
	return buf;
}

static void
test_integ_limits_applied(void **state)
{
	struct ht *h = *state;
	const char *lim;
	char buf[80];

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'a',"
	    "'command':['sh','-c','cat /proc/self/limits > @TMP@/lim.tmp && "
	    "mv @TMP@/lim.tmp @TMP@/lim; exec sleep 300'],'limits':{"
	    "'nofile':'200:300','core':0,'nproc':'500:1000',"
	    "'stack':'infinity'}}]}}");
	lim = ht_wait_file(h, ht_path(h, "lim"), "Max open files", HT_T);
	assert_non_null(lim);
	assert_string_equal(limit_of(lim, "Max open files", buf, sizeof buf),
	    "200 300");
	assert_string_equal(limit_of(lim, "Max core file size", buf,
	    sizeof buf), "0 0");
	assert_string_equal(limit_of(lim, "Max processes", buf, sizeof buf),
	    "500 1000");
	assert_string_equal(limit_of(lim, "Max stack size", buf, sizeof buf),
	    "unlimited unlimited");
}

/* nofile above fs.nr_open (1048576 by default): the kernel says no, the
 * start of a child added at run time fails naming the limit (exit 1),
 * and herdd and its other child go on. */
static void
test_integ_limits_refused(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	cJSON *ev;
	const cJSON *why;
	pid_t ok;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'ok','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	ok = ht_pid(h, "ok");
	HT_CTL(h, 1, &out, &err, "add-child", "", "{\"name\":\"a\","
	    "\"restart\":\"temporary\",\"command\":[\"sleep\",\"300\"],"
	    "\"limits\":{\"nofile\":2000000000}}");
	HT_CONTAINS(err, "limits.nofile: Operation not permitted");
	ev = ht_wait_event(h, "child.start_failed", "a", HT_T);
	why = cJSON_GetObjectItemCaseSensitive(ev, "reason");
	assert_true(cJSON_IsString(why));
	HT_CONTAINS(why->valuestring, "limits.nofile: Operation not "
	    "permitted");
	assert_int_equal(ht_pid(h, "ok"), ok);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_limits_applied,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_limits_refused,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_limits", tests, NULL, NULL);
}
