/* Integration tests of how herdd starts and reaps processes: the child
 * gets its own fds and nothing of herdd's, and a child that could not get
 * a pidfd (herdd out of fds) is still reaped and restarted. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"


/* Kills PATH's process and waits for its replacement; returns the new
 * pid. */
static pid_t
kill_and_wait_restart(struct ht *h, const char *path)
{
	pid_t old = ht_pid(h, path), now;
	cJSON *ev;

	assert_true(old > 0);
	assert_int_equal(kill(old, SIGKILL), 0);
	ev = ht_wait_event(h, "child.started", path, HT_T);
	now = (pid_t)ht_num(ev, "pid");
	assert_true(now > 0 && now != old);
	assert_true(ht_wait_gone(old, HT_T));
	return now;
}

/* Whatever herdd holds open (log pipes of 50 children, its sockets), a
 * child starts with exactly its stdin, stdout, stderr and readiness fd. */
static void
test_integ_reap_child_has_only_its_fds(void **state)
{
	struct ht *h = *state;
	const char *fds;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'pool','type':'supervisor','strategy':"
	    "'simple_one_for_one','children':[{'name':'w','command':"
	    "['@CHILD@','sleep']}]},"
	    "{'name':'probe','command':['@CHILD@','fds','@TMP@/fds'],"
	    "'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	for (int i = 0; i < 50; i++)
		ht_result(h, "spawn", "{'pool':'pool'}");
	assert_true(ht_count_fds(h->pid) > 100); /* two log pipes per child */
	unlink(ht_path(h, "fds"));
	kill_and_wait_restart(h, "probe");
	fds = ht_wait_file(h, ht_path(h, "fds"), "\n", HT_T);
	assert_non_null(fds);
	assert_string_equal(fds, "0 1 2 3\n");
}

/*
 * With no fd left for a pidfd, herdd still starts the child and reaps it
 * through its SIGCHLD sweep: kill it twice (the second death is one only
 * the sweep can see), then give the fds back and kill it again.
 */
static void
test_integ_reap_without_pidfd(void **state)
{
	struct ht *h = *state;
	struct rlimit old, tight;
	int before;
	pid_t a;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':10,'children':["
	    "{'name':'a','command':['@CHILD@','sleep'],"
	    "'stdout':'null','stderr':'null'},"
	    "{'name':'b','command':['@CHILD@','sleep'],"
	    "'stdout':'null','stderr':'null'}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	/* fds 0-2 are open: herdd cannot open a new one */
	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, NULL, &old), 0);
	tight = old;
	tight.rlim_cur = 3;
	before = ht_count_fds(h->pid);
	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, &tight, NULL), 0);

	a = kill_and_wait_restart(h, "a");       /* started without pidfd */
	assert_int_equal(ht_count_fds(h->pid), before - 1);
	assert_true(kill_and_wait_restart(h, "a") != a); /* reaped by sweep */
	kill_and_wait_restart(h, "b");
	assert_string_equal(ht_status(h, "a").state, "running");

	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, &old, NULL), 0);
	kill_and_wait_restart(h, "a");
	kill_and_wait_restart(h, "a");           /* with a pidfd again */
	assert_string_equal(ht_status(h, "b").state, "running");
}

/* A start that fails on herdd's file limit says so, with the limit; herdd
 * and its other children carry on. */
static void
test_integ_reap_file_limit_named(void **state)
{
	struct ht *h = *state;
	struct rlimit old, tight;
	char args[4200];
	const cJSON *err;
	cJSON *reply;
	pid_t a;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep'],"
	    "'stdout':'null','stderr':'null'}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	a = ht_pid(h, "a");
	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, NULL, &old), 0);
	tight = old;
	tight.rlim_cur = 3;
	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, &tight, NULL), 0);
	snprintf(args, sizeof args, "{'supervisor':'','child':{'name':'x',"
	    "'restart':'temporary','command':['%s','sleep']}}", h->child);
	reply = ht_request(h, "add_child", args);
	assert_non_null(ht_error_code(reply));
	err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	HT_CONTAINS(cJSON_GetObjectItemCaseSensitive(err, "message")->
	    valuestring, "output pipe: Too many open files (herdd's limit of 3 "
	    "open files is reached");
	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, &old, NULL), 0);
	assert_int_equal(ht_pid(h, "a"), a);
	assert_string_equal(ht_status(h, "a").state, "running");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_reap_child_has_only_its_fds, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_reap_without_pidfd,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_reap_file_limit_named, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
