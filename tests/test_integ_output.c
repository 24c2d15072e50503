/*
 * Output capture under faults (issue 14, item 4): a child flooding stdout
 * as fast as it can (herdd answers, its memory stays bounded, rotation
 * keeps up), a child that closes its stdout and goes on, and a log disk
 * that fills up (a tmpfs as log_dir in herdd's own mount namespace): the
 * child runs on, herdd says so once, and capture resumes with space.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int
exists(struct ht *h, void *path)
{
	return access(path, F_OK) == 0;
}

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}


struct fds_arg {
	pid_t pid;
	int want;
};

static int
fds_are(struct ht *h, void *arg)
{
	struct fds_arg *a = arg;

	return ht_count_fds(a->pid) == a->want;
}

/* Occurrences of NEEDLE in herdd's output. */
static int
said(struct ht *h, const char *needle)
{
	const char *p = ht_herdd_output(h);
	int n = 0;

	while (p != NULL && (p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* A child writes as fast as it can, through a 1 MiB pipe (so every read
 * herdd makes comes back full): while it does, herdd answers every ping
 * well within a second, stays small, and rotates (1 MiB files, 2
 * backups: nothing beyond .2, no file much past 1 MiB). */
static void
test_integ_output_flood(void **state)
{
	struct ht *h = *state;
	char path[400];
	long long t, worst = 0, size;
	long rss;
	pid_t pid;
	int i;

	ht_boot(h, "{" HT_DIRS ",'log_max_bytes':1048576,'log_backups':2,"
	    "'supervisor':{'children':[{'name':'f','command':['@CHILD@',"
	    "'flood']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	pid = ht_pid(h, "f");
	snprintf(path, sizeof path, "%s/f.stdout.log.2", h->log);
	assert_true(ht_until(h, exists, path, ht_ms(60000)));
	for (i = 0; i < 20; i++) {
		t = now_ms();
		ht_result(h, "ping", NULL);
		if (now_ms() - t > worst)
			worst = now_ms() - t;
	}
	if (worst > ht_ms(1000))
		fail_msg("a ping took %lld ms while the child flooded", worst);
	rss = ht_proc_status(h->pid, "VmRSS");
	if (rss > ht_ms(64 * 1024))
		fail_msg("herdd's RSS is %ld KiB while the child floods", rss);
	snprintf(path, sizeof path, "%s/f.stdout.log.3", h->log);
	assert_int_equal(access(path, F_OK), -1);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/f.stdout.log%s", h->log,
		    i == 0 ? "" : i == 1 ? ".1" : ".2");
		size = file_size(path);
		if (size > 1048576 + 65536)
			fail_msg("%s is %lld bytes", path, size);
	}
	assert_int_equal(ht_pid(h, "f"), pid);
}

/* A child that closes its stdout and stderr and goes on: herdd closes
 * its ends (two fds fewer), keeps what came before, and the child is
 * still running, the same process. */
static void
test_integ_output_child_closes_stdout(void **state)
{
	struct ht *h = *state;
	struct fds_arg a;
	char path[400];
	pid_t pid;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'c',"
	    "'command':['sh','-c','echo before; while [ ! -e @TMP@/go ]; do "
	    "sleep 0.05; done; exec >&- 2>&-; : > @TMP@/closed; "
	    "exec sleep 300']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	pid = ht_pid(h, "c");
	snprintf(path, sizeof path, "%s/c.stdout.log", h->log);
	assert_non_null(ht_wait_file(h, path, "before\n", HT_T));
	a.pid = h->pid;
	a.want = ht_count_fds(h->pid) - 2;
	assert_int_equal(ht_write_file(h, ht_path(h, "go"), ""), 0);
	assert_true(ht_until(h, exists, (void *)ht_path(h, "closed"), HT_T));
	if (!ht_until(h, fds_are, &a, HT_T))
		fail_msg("herdd has %d fds, not %d", ht_count_fds(h->pid),
		    a.want);
	assert_string_equal(ht_status(h, "c").state, "running");
	assert_int_equal(ht_pid(h, "c"), pid);
	assert_null(ht_find_event(h, 0, "child.exited", "c"));
}

static int
said_again(struct ht *h, void *arg)
{
	return said(h, "written again; ") > 0;
}

/*
 * The log disk fills up (log_dir a 256 KiB tmpfs): the child runs on,
 * herdd says it cannot write once, not per line; once there is room
 * again (the test empties the file) capture resumes and herdd says how
 * much was lost.
 */
static void
test_integ_output_disk_full(void **state)
{
	struct ht *h = *state;
	char inside[700];
	const char *full = "f.stdout.log: cannot write: No space left on "
	    "device";
	pid_t pid;

	h->log_tmpfs = "size=256k,mode=0750";
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'f',"
	    "'command':['sh','-c','i=0; while :; do echo line $i; "
	    "i=$((i+1)); done']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	pid = ht_pid(h, "f");
	assert_non_null(ht_wait_file(h, h->err, full, HT_T));
	/* a round trip later the child still writes, still refused */
	ht_result(h, "ping", NULL);
	assert_int_equal(said(h, full), 1);
	assert_int_equal(ht_pid(h, "f"), pid);
	snprintf(inside, sizeof inside, "/proc/%d/root%s/f.stdout.log",
	    (int)h->pid, h->log);
	assert_int_equal(truncate(inside, 0), 0);
	if (!ht_until(h, said_again, NULL, HT_T))
		fail_msg("capture did not resume:\n%s", ht_herdd_output(h));
	assert_true(file_size(inside) > 0);
	assert_int_equal(ht_pid(h, "f"), pid);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_output_flood,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_output_child_closes_stdout, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_output_disk_full,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_output", tests, NULL, NULL);
}
