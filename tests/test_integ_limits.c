/*
 * A child's "limits" (issue 14, item 3): the rlimits it runs with, as the
 * kernel shows them in /proc/PID/limits of a process it started, and a
 * limit the kernel refuses failing the start with a message naming it;
 * and herdd's own process limit reached (item 4).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Tasks (threads) whose real uid is UID: what RLIMIT_NPROC counts. */
static long
tasks_of(uid_t uid)
{
	char path[300], line[256];
	struct dirent *e;
	DIR *d = opendir("/proc");
	long n = 0, threads, ruid;
	FILE *f;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		ruid = threads = -1;
		while (fgets(line, sizeof line, f) != NULL) {
			sscanf(line, "Uid: %ld", &ruid);
			sscanf(line, "Threads: %ld", &threads);
		}
		fclose(f);
		if (ruid == (long)uid && threads > 0)
			n += threads;
	}
	closedir(d);
	return n;
}

/*
 * herdd itself out of processes: an unprivileged herdd (nobody: root's
 * processes are exempt from RLIMIT_NPROC) whose RLIMIT_NPROC is what its
 * user runs already cannot fork; a start fails with a message naming the
 * limit, and herdd and its other child go on. (The limit is set by a
 * process of nobody's: prlimit on another user's process needs
 * CAP_SYS_RESOURCE.)
 */
static void
test_integ_limits_fork_eagain(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	struct rlimit rl;
	pid_t p, ok;
	int status;

	assert_int_equal(chown(h->dir, 65534, 65534), 0);
	h->herdd_uid = 65534;
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'ok','command':['@CHILD@','sleep']}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	/* not root, no delegated cgroup: herdd says what it goes without */
	HT_CONTAINS(ht_herdd_output(h), "no cgroup for each child (");
	ok = ht_pid(h, "ok");
	rl.rlim_cur = rl.rlim_max = (rlim_t)tasks_of(65534);
	p = fork();
	assert_true(p != -1);
	if (p == 0)
		_exit(setgid(65534) == 0 && setuid(65534) == 0 &&
		    prlimit(h->pid, RLIMIT_NPROC, &rl, NULL) == 0 ? 0 : 1);
	assert_int_equal(waitpid(p, &status, 0), p);
	assert_int_equal(status, 0);
	HT_CTL(h, 1, &out, &err, "add-child", "", "{\"name\":\"a\","
	    "\"restart\":\"temporary\",\"command\":[\"sleep\",\"300\"]}");
	HT_CONTAINS(err, "Resource temporarily unavailable (a process limit is "
	    "reached: RLIMIT_NPROC");
	assert_string_equal(ht_status(h, "ok").state, "running");
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
		cmocka_unit_test_setup_teardown(test_integ_limits_fork_eagain,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_limits", tests, NULL, NULL);
}
