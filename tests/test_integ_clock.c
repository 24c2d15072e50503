/*
 * Wall clock jumps (issue 14, item 4): herdd runs with a wall clock that
 * is an hour later at every read (tests/preload/clockjump.c, LD_PRELOAD;
 * the machine's clock is never touched). Restart intensity counts on the
 * monotonic clock, so a crash loop still gives up after intensity + 1
 * restarts within period_ms (on the wall clock they would be hours apart
 * and never give up); a backoff delay is still its length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

/* herdd (and what it starts) with the jumping wall clock. */
static int
setup(void **state)
{
	char so[4200];
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[1024];
	int rv = ht_setup(state);
	struct ht *h = *state;

	snprintf(so, sizeof so, "%s/tests/preload/clockjump.so", h->build);
	setenv("LD_PRELOAD", so, 1);
	setenv("HERD_CLOCKJUMP_S", "3600", 1);
	/* an ASan herdd would refuse a library loaded before its runtime */
	snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0",
	    asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	return rv;
}

static int
teardown(void **state)
{
	unsetenv("LD_PRELOAD");
	unsetenv("HERD_CLOCKJUMP_S");
	return ht_teardown(state);
}

/* The jump is real for herdd: the first two lines of its log are at
 * least an hour apart (log.c stamps them on the wall clock). */
static void
assert_wall_jumps(struct ht *h)
{
	const char *out = ht_herdd_output(h), *second;
	struct tm a, b;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	second = strchr(out, '\n');
	assert_non_null(second);
	assert_non_null(strptime(out, "%Y-%m-%dT%H:%M:%S", &a));
	assert_non_null(strptime(second + 1, "%Y-%m-%dT%H:%M:%S", &b));
	if (timegm(&b) - timegm(&a) < 3600)
		fail_msg("the wall clock did not jump:\n%s", out);
}

static void
test_integ_clock_intensity_on_monotonic(void **state)
{
	struct ht *h = *state;

	ht_launch(h, "{" HT_DIRS ",'supervisor':{'intensity':3,"
	    "'period_ms':60000,'children':[{'name':'c','command':['@CHILD@',"
	    "'exit-after','50','1']}]}}");
	assert_int_not_equal(ht_wait_exit(h, HT_T), 0);
	HT_CONTAINS(ht_herdd_output(h), "reached its restart intensity");
	assert_wall_jumps(h);
}

/* Lines in FILE (the starts the child noted). */
static int
three_starts(struct ht *h, void *path)
{
	const char *s = ht_read_file(h, path);
	int n = 0;

	while (s != NULL && (s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n >= 3;
}

/* Each start notes /proc/uptime (boot time, which the shim leaves
 * alone) and exits 1: the starts are a backoff (500 ms) apart. */
static void
test_integ_clock_backoff_on_monotonic(void **state)
{
	struct ht *h = *state;
	const char *path = ht_path(h, "starts"), *s;
	double t[3];
	int i;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':100,"
	    "'children':[{'name':'c','command':['sh','-c','cat /proc/uptime "
	    ">> @TMP@/starts; exit 1'],'backoff':{'initial_ms':500,"
	    "'multiplier':1,'jitter':0}}]}}");
	assert_true(ht_until(h, three_starts, (void *)path, HT_T));
	s = ht_read_file(h, path);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sscanf(s, "%lf", &t[i]), 1);
		s = strchr(s, '\n') + 1;
	}
	for (i = 1; i < 3; i++)
		if (t[i] - t[i - 1] < 0.45 || t[i] - t[i - 1] > ht_ms(5000) /
		    1000.0)
			fail_msg("start %d came %.2f s after the one before, not "
			    "0.5 s", i, t[i] - t[i - 1]);
	assert_wall_jumps(h);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_clock_intensity_on_monotonic, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_clock_backoff_on_monotonic, setup, teardown),
	};

	return cmocka_run_group_tests_name("integ_clock", tests, NULL, NULL);
}
