/* Integration tests of log capture: a crashing child's last lines reach its
 * log files, and rotation keeps log_backups files holding every line once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* Asserts that TEXT is exactly FMT % 1..N, one per line. */
static void
assert_lines(const char *text, const char *fmt, int n)
{
	const char *p = text;
	char want[64];
	int i, len;

	for (i = 1; i <= n; i++) {
		len = snprintf(want, sizeof want, fmt, i);
		if (strncmp(p, want, (size_t)len) != 0)
			fail_msg("line %d: expected \"%.*s\", found \"%.20s\"", i,
			    len - 1, want, p);
		p += len;
	}
	if (*p != '\0')
		fail_msg("extra output after line %d: \"%.40s\"", n, p);
}

/* With herdd down, herdctl logs reads the files where the config puts
 * them (issue 12, item 6), and says so; a child the config lacks is
 * exit 3. */
static void
test_integ_logs_herdd_down(void **state)
{
	struct ht *h = *state;
	const char *out, *err;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'grp','type':'supervisor','children':[{'name':'talk',"
	    "'command':['sh','-c','echo said it; exec sleep 60']}]}]}}");
	assert_non_null(ht_wait_file(h, ht_path(h, "log/grp/talk.stdout.log"),
	    "said it\n", HT_T));
	assert_int_equal(ht_shutdown(h), 0);
	HT_CTL(h, 0, &out, &err, "-c", h->conf, "logs", "grp/talk");
	assert_string_equal(out, "said it\n");
	HT_CONTAINS(err, "herdd does not answer: the log files of grp/talk");
	HT_CTL(h, 3, &out, &err, "-c", h->conf, "logs", "nosuch");
	HT_CONTAINS(err, "no child nosuch in ");
	/* --clear empties both logs in place (pm2 flush) */
	HT_CTL(h, 0, &out, &err, "-c", h->conf, "logs", "grp/talk", "--clear");
	HT_CONTAINS(out, "cleared ");
	HT_CONTAINS(out, "/grp/talk.stdout.log\n");
	assert_string_equal(ht_read_file(h, ht_path(h,
	    "log/grp/talk.stdout.log")), "");
}

static void
test_integ_logs_crash_keeps_last_lines(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	cJSON *ex;

	/* The first run prints and aborts; its restart only sleeps. */
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':5,'children':["
	    "{'name':'crash','command':['@CHILD@','print-crash','1000',"
	    "'@TMP@/crashed']}]}}");
	ex = ht_wait_event(h, "child.exited", "crash", HT_T);
	assert_string_equal(cJSON_GetObjectItem(ex, "reason")->valuestring,
	    "signal:ABRT");
	ht_wait_event(h, "child.started", "crash", HT_T);
	/* herdd drains every pipe before it exits. */
	assert_int_equal(ht_shutdown(h), 0);
	out = ht_read_file(h, ht_path(h, "log/crash.stdout.log"));
	err = ht_read_file(h, ht_path(h, "log/crash.stderr.log"));
	assert_non_null(out);
	assert_non_null(err);
	assert_true(strlen(out) >= 10);
	assert_string_equal(out + strlen(out) - 10, "line 1000\n");
	assert_lines(out, "line %d\n", 1000);
	assert_lines(err, "err %d\n", 1000);
}

/* 4900 lines of 11 bytes = 53900 bytes; each herdd read is at most 4 KiB
 * (the child shrinks its pipe), so with 20000-byte files there are exactly
 * two rotations: every rotated file holds 19990..24095 bytes. */
#define NLINES 4900

static void
test_integ_logs_rotation_keeps_backups(void **state)
{
	struct ht *h = *state;
	const char *base, *one, *two, *three;
	char *all;
	size_t len;

	ht_boot(h, "{" HT_DIRS ",'log_max_bytes':20000,'log_backups':2,"
	    "'supervisor':{'children':["
	    "{'name':'talk','command':['@CHILD@','print-lines','4900'],"
	    "'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}}]}}");
	/* Ready once every line is written (into the pipe, at least). */
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_int_equal(ht_shutdown(h), 0);
	base = ht_read_file(h, ht_path(h, "log/talk.stdout.log"));
	one = ht_read_file(h, ht_path(h, "log/talk.stdout.log.1"));
	two = ht_read_file(h, ht_path(h, "log/talk.stdout.log.2"));
	three = ht_read_file(h, ht_path(h, "log/talk.stdout.log.3"));
	assert_non_null(base);
	assert_non_null(one);
	assert_non_null(two);
	assert_null(three);
	assert_true(strlen(one) <= 20000 + 4096);
	assert_true(strlen(two) <= 20000 + 4096);
	len = strlen(two) + strlen(one) + strlen(base);
	all = malloc(len + 1);
	assert_non_null(all);
	snprintf(all, len + 1, "%s%s%s", two, one, base);
	assert_lines(all, "line %05d\n", NLINES);
	free(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_logs_herdd_down,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_logs_crash_keeps_last_lines, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_logs_rotation_keeps_backups, ht_setup,
		    ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
