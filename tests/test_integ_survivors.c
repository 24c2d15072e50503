/*
 * No survivors (issue 14, item 2): nothing herdd started outlives it, not
 * even a grandchild that left its child's session (setsid, as a
 * double-forking daemon does), and not even when herdd is killed with
 * SIGKILL and can do nothing about it (the cgroups' guardian,
 * docs/semantics.md); nor does what a child started outlive the child
 * (its cgroup). Processes are told apart by a variable
 * in their environment naming the test's dir, so the count sees every
 * descendant, wherever it went, and nothing of anyone else's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* A child whose grandchild leaves its session: sh starts `setsid sleep`
 * in the background and becomes a sleep itself. */
#define DAEMONISH "{'name':'c%d','command':['sh','-c','setsid sleep 300 & " \
	"exec sleep 300'],'env':{'HERD_TEST_MARK':'@TMP@'}}"

/* The processes whose environment holds HERD_TEST_MARK=<the test's dir>
 * (zombies have none: they are dead). */
static int
marked(struct ht *h)
{
	char want[400], path[300], buf[8192];
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0, fd;
	ssize_t len, got, i;

	assert_non_null(d);
	len = snprintf(want, sizeof want, "HERD_TEST_MARK=%s", h->dir) + 1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		buf[0] = '\0';
		got = read(fd, buf, sizeof buf - 1);
		close(fd);
		for (i = 0; got > 0 && i + len <= got; ) {
			if (memcmp(buf + i, want, (size_t)len) == 0) {
				n++;
				break;
			}
			while (i < got && buf[i] != '\0')
				i++;
			i++;
		}
	}
	closedir(d);
	return n;
}

static int
marked_is(struct ht *h, void *arg)
{
	return marked(h) == *(int *)arg;
}

/* The pid in herdd's log after KEY (the last such line), 0 if none. */
static pid_t
logged_pid(struct ht *h, const char *key)
{
	const char *log = ht_read_file(h, h->err), *at, *last = NULL;

	for (at = log; at != NULL && (at = strstr(at, key)) != NULL;
	    at += strlen(key))
		last = at;
	return last ? (pid_t)atoi(last + strlen(key)) : 0;
}

/* The children's cgroups' directory and the guardian's pid, from
 * herdd's start line. */
static pid_t
cgroup_base(struct ht *h, char *dir, size_t len)
{
	static const char key[] = "cgroup of its own, under ";
	const char *log = ht_wait_file(h, h->err, "(guardian pid ", HT_T), *at;

	assert_non_null(log);
	at = strstr(log, key) + strlen(key);
	snprintf(dir, len, "%.*s", (int)strcspn(at, " "), at);
	return logged_pid(h, "(guardian pid ");
}

/* Boots herdd on N daemonish children and waits until each has its
 * grandchild: 2 N marked processes. */
static void
boot_daemonish(struct ht *h, int n)
{
	size_t cap = 256 + (size_t)n * (sizeof DAEMONISH + 8), len;
	char *conf = malloc(cap);
	int i, want = 2 * n;

	assert_non_null(conf);
	len = (size_t)snprintf(conf, cap, "{" HT_DIRS ",'supervisor':{"
	    "'children':[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(conf + len, cap - len, "%s" DAEMONISH,
		    i ? "," : "", i);
	snprintf(conf + len, cap - len, "]}}");
	ht_boot(h, conf);
	free(conf);
	ht_wait_event(h, "herd.started", NULL, ht_ms(60000));
	if (!ht_until(h, marked_is, &want, ht_ms(60000)))
		fail_msg("%d marked processes, not %d", marked(h), want);
}

/* kill -9 of herdd under 1,000 children, each with a grandchild in its
 * own session: all 2,000 are gone at once, without a herdd to end them
 * (the guardian kills the cgroups, removes them and exits). */
static void
test_integ_survivors_kill9_under_1000(void **state)
{
	struct ht *h = *state;
	char dir[512];
	int none = 0;
	pid_t guardian;

	boot_daemonish(h, 1000);
	guardian = cgroup_base(h, dir, sizeof dir);
	assert_true(guardian > 0);
	ht_kill_herdd(h);
	if (!ht_until(h, marked_is, &none, ht_ms(30000)))
		fail_msg("%d processes outlived herdd", marked(h));
	/* and the guardian removed the cgroups, then went */
	assert_true(ht_wait_gone(guardian, ht_ms(30000)));
	assert_int_equal(access(dir, F_OK), -1);
}

/* A clean shutdown: the children are stopped, and what left their
 * sessions is gone too by the time herdd has exited. */
static void
test_integ_survivors_shutdown(void **state)
{
	struct ht *h = *state;

	boot_daemonish(h, 3);
	assert_int_equal(ht_shutdown(h), 0);
	assert_int_equal(marked(h), 0);
}

/* `herdctl stop` of a child that started a daemon the classic way (a
 * middle process in a new session forks it and exits, so the daemon is
 * an orphan in a session of its own): the daemon dies with the child
 * (its cgroup), and the child is stopped. */
static void
test_integ_survivors_stop_double_fork(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	int none = 0, two = 2;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'d',"
	    "'command':['sh','-c','setsid sh -c \\u0027sleep 300 &\\u0027;"
	    " exec sleep 300'],'env':{'HERD_TEST_MARK':'@TMP@'}}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	if (!ht_until(h, marked_is, &two, HT_T))
		fail_msg("%d marked processes, not 2", marked(h));
	HT_CTL(h, 0, &out, &err, "stop", "d");
	if (!ht_until(h, marked_is, &none, HT_T))
		fail_msg("%d processes outlived the stop", marked(h));
}

/* A child's main process exits on its own (OTP: the child is dead) while
 * what it started in another session runs: herdd kills that too. */
static void
test_integ_survivors_main_exit(void **state)
{
	struct ht *h = *state;
	int none = 0;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'t',"
	    "'restart':'transient','command':['sh','-c','setsid sleep 300 & "
	    "exit 0'],'env':{'HERD_TEST_MARK':'@TMP@'}}]}}");
	ht_wait_event(h, "child.exited", "t", HT_T);
	if (!ht_until(h, marked_is, &none, HT_T))
		fail_msg("%d processes outlived their child", marked(h));
}

/*
 * The guardian that kills the children's cgroups when herdd is killed:
 * killed itself, herdd starts another. Should both be killed (herdd
 * frozen first, so it cannot start a third), what was left in the
 * cgroups (a process the test put there) is killed by the next herdd of
 * the same run_dir before it starts anything.
 */
static void
test_integ_survivors_guardian_and_next_start(void **state)
{
	struct ht *h = *state;
	char dir[512], path[600], want[700], pid_s[32];
	static const char conf[] = "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}";
	char *mark = NULL;
	pid_t pid, g1, g2, a;
	int one = 1, none = 0;

	ht_boot(h, conf);
	g1 = cgroup_base(h, dir, sizeof dir);
	assert_true(g1 > 0);
	kill(g1, SIGKILL);
	assert_non_null(ht_wait_file(h, h->err, "guardian started again",
	    HT_T));
	g2 = logged_pid(h, "guardian started again (pid ");
	assert_true(g2 > 0 && g2 != g1);

	snprintf(path, sizeof path, "%s/old@1", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(asprintf(&mark, "HERD_TEST_MARK=%s", h->dir) > 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		char *envp[] = { mark, NULL };
		execle("/bin/sleep", "sleep", "300", (char *)NULL, envp);
		_exit(127);
	}
	ht_adopt(h, pid);
	free(mark);
	snprintf(path, sizeof path, "%s/old@1/cgroup.procs", dir);
	snprintf(pid_s, sizeof pid_s, "%d", (int)pid);
	assert_int_equal(ht_write_file(h, path, pid_s), 0);
	assert_true(ht_until(h, marked_is, &one, HT_T));

	a = ht_pid(h, "a");
	kill(h->pid, SIGSTOP);
	kill(g2, SIGKILL);
	assert_true(ht_wait_gone(g2, HT_T));
	ht_kill_herdd(h);
	/* a dies with herdd (its parent-death signal), the test's does not */
	assert_true(ht_wait_gone(a, HT_T));
	assert_int_equal(marked(h), 1);
	ht_launch(h, conf);
	snprintf(want, sizeof want, "killed 1 process a previous herdd left "
	    "in %s\n", dir);
	assert_non_null(ht_wait_file(h, h->err, want, HT_T));
	if (!ht_until(h, marked_is, &none, HT_T))
		fail_msg("the leftover is still there");
}

static int
a_running(struct ht *h, void *arg)
{
	struct ht_child c = ht_status(h, "a");

	return c.found && strcmp(c.state, "running") == 0 && c.pid > 0;
}

/*
 * herdd killed and started again at once, on the same run_dir: the new
 * one waits for the old one's guardian (which keeps the lock while it
 * clears the old cgroups), so the guardian cannot kill the new children.
 */
static void
test_integ_survivors_restart_at_once(void **state)
{
	struct ht *h = *state;
	static const char conf[] = "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}";
	char dir[512], lock[400];
	pid_t old_guardian, a;
	int fd;

	ht_boot(h, conf);
	old_guardian = cgroup_base(h, dir, sizeof dir);
	assert_true(old_guardian > 0);
	/* held up, the guardian still holds the lock after herdd died */
	kill(old_guardian, SIGSTOP);
	ht_kill_herdd(h);
	snprintf(lock, sizeof lock, "%s/herdd.lock", h->run);
	assert_true((fd = open(lock, O_RDWR | O_CLOEXEC)) != -1);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	kill(old_guardian, SIGCONT);
	ht_launch(h, conf);
	assert_true(ht_until(h, a_running, NULL, HT_T));
	a = ht_pid(h, "a");
	assert_true(ht_wait_gone(old_guardian, HT_T));
	/* a round trip after the old guardian is gone: a is untouched */
	assert_int_equal(ht_pid(h, "a"), a);
	assert_int_equal(ht_status(h, "a").restarts, 0);
	assert_true(ht_alive(a));
}

/* The cgroup directory a herdd's log names ("under DIR"). */
static const char *
cgroup_of(struct ht *h, const char *log)
{
	const char *at = strstr(log, "cgroup of its own, under ");
	char *dir;

	assert_non_null(at);
	at += strlen("cgroup of its own, under ");
	dir = strndup(at, strcspn(at, " \n"));
	assert_non_null(dir);
	return ht_keep_str(h, dir);
}

/* Two herdds of two run_dirs: each its own cgroup, and the second's
 * start leaves the first's children alone (they shared one when the name
 * came from the /proc/self/fd path herdd binds through). */
static void
test_integ_survivors_two_herdds(void **state)
{
	struct ht *h = *state;
	const char *conf2 = ht_path(h, "two.json"), *log2 = ht_path(h,
	    "two.log");
	char text[16384];
	pid_t first, other;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'s','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	first = ht_pid(h, "s");
	mkdir(ht_path(h, "run2"), 0750);
	mkdir(ht_path(h, "log2"), 0750);
	snprintf(text, sizeof text, "{\"run_dir\":\"%s\",\"log_dir\":\"%s\","
	    "\"supervisor\":{\"children\":[{\"name\":\"s\",\"command\":"
	    "[\"%s\",\"sleep\"]}]}}", ht_path(h, "run2"), ht_path(h, "log2"),
	    h->child);
	assert_int_equal(ht_write_file(h, conf2, text), 0);
	other = fork();
	assert_true(other >= 0);
	if (other == 0) {
		int fd = open(log2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(h->herdd, h->herdd, "-c", conf2, (char *)NULL);
		_exit(127);
	}
	ht_adopt(h, other);
	ht_wait_file(h, log2, "guardian pid", HT_T);
	assert_string_not_equal(cgroup_of(h, ht_read_file(h, log2)),
	    cgroup_of(h, ht_herdd_output(h)));
	assert_null(strstr(ht_read_file(h, log2), "previous herdd left"));
	assert_true(ht_alive(first));
	assert_int_equal(ht_pid(h, "s"), first);
	kill(other, SIGTERM);
	assert_true(ht_wait_gone(other, HT_T));
	assert_true(ht_alive(first));
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_kill9_under_1000, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_shutdown, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_stop_double_fork, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_main_exit, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_guardian_and_next_start, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_restart_at_once, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_survivors_two_herdds, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_survivors", tests, NULL,
	    NULL);
}
