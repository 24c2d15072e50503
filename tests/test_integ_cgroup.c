/*
 * A child's "cgroup" limits (issue 14, item 3), on whatever this machine
 * has: the controllers' files of the child's own cgroups as the kernel
 * shows them (found from /proc/PID/cgroup and mountinfo, v1 or v2), the
 * limits doing what they say (a pids limit stops forks, a memory limit
 * ends in an OOM kill that reports reason "oom"), the cgroups gone with
 * herdd, even after SIGKILL; and a config asking for a controller herdd
 * cannot use refused at start, reload and add-child, naming it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* The directory of PID's cgroup in the hierarchy that has controller CTL
 * (a v1 one, else cgroup2's), into DIR; 0, or -1 if it has none. */
static int
cg_dir_of(pid_t pid, const char *ctl, char *dir, size_t len)
{
	char line[4096], path[64], mnt[4096] = "", root[4096], self[4096] = "";
	char *sep, *opts;
	size_t n = strlen(ctl);
	int v2 = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	assert_non_null(f);
	/* ID:CONTROLLERS:PATH; cgroup2's ID 0 has no controllers listed */
	while (fgets(line, sizeof line, f) != NULL) {
		char *list = strchr(line, ':') + 1, *end = strchr(list, ':');
		const char *p;

		*end = '\0';
		for (p = list; (p = strstr(p, ctl)) != NULL; p += n)
			if ((p == list || p[-1] == ',') && (p[n] == '\0' ||
			    p[n] == ','))
				break;
		if (p != NULL) {
			end[1 + strcspn(end + 1, "\n")] = '\0';
			snprintf(self, sizeof self, "%s", end + 1);
			break;
		}
		if (strncmp(line, "0", 2) == 0 && list[0] == '\0') {
			end[1 + strcspn(end + 1, "\n")] = '\0';
			snprintf(self, sizeof self, "%s", end + 1);
			v2 = 1;
		}
	}
	fclose(f);
	if (self[0] == '\0')
		return -1;
	f = fopen("/proc/self/mountinfo", "re");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		opts = strrchr(line, ' ') + 1;
		opts[strcspn(opts, "\n")] = '\0';
		if (v2 ? strncmp(sep + 3, "cgroup2 ", 8) != 0 :
		    (strncmp(sep + 3, "cgroup ", 7) != 0 ||
		    strstr(opts, ctl) == NULL))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2)
			break;
		mnt[0] = '\0';
	}
	fclose(f);
	if (mnt[0] == '\0')
		return -1;
	/* herd's tests run where the mount shows the whole hierarchy */
	assert_string_equal(root, "/");
	snprintf(dir, len, "%s%s", mnt, self);
	return 0;
}

/* FILE of PID's cgroup of controller CTL (harness-owned). */
static const char *
cg_file(struct ht *h, pid_t pid, const char *ctl, const char *file)
{
	char dir[4096], path[4200];
	const char *text;

	assert_int_equal(cg_dir_of(pid, ctl, dir, sizeof dir), 0);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if ((text = ht_read_file(h, path)) == NULL)
		fail_msg("cannot read %s", path);
	return text;
}

/* Whether a v1 hierarchy has controller CTL (else cgroup2 has it). */
static int
is_v1(const char *ctl)
{
	char dir[4096], path[4200];

	if (cg_dir_of(getpid(), ctl, dir, sizeof dir) == -1)
		return 0;
	snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
	return access(path, F_OK) != 0;
}

/* The limits as the kernel holds them, in v1's or v2's files. */
static void
test_integ_cgroup_files(void **state)
{
	struct ht *h = *state;
	pid_t pid;
	int v1;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'a',"
	    "'command':['@CHILD@','sleep'],'cgroup':{'memory_max':'64M',"
	    "'pids_max':100,'cpu_weight':50,'cpu_max':'25%'}}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	pid = ht_pid(h, "a");
	v1 = is_v1("memory");
	assert_int_equal(atoll(cg_file(h, pid, "memory", v1 ?
	    "memory.limit_in_bytes" : "memory.max")), 64LL << 20);
	assert_int_equal(atoi(cg_file(h, pid, "pids", "pids.max")), 100);
	if (is_v1("cpu")) {
		assert_int_equal(atoi(cg_file(h, pid, "cpu", "cpu.shares")),
		    512);
		assert_int_equal(atoi(cg_file(h, pid, "cpu",
		    "cpu.cfs_quota_us")), 25000);
		assert_int_equal(atoi(cg_file(h, pid, "cpu",
		    "cpu.cfs_period_us")), 100000);
	} else {
		assert_int_equal(atoi(cg_file(h, pid, "cpu", "cpu.weight")),
		    50);
		HT_CONTAINS(cg_file(h, pid, "cpu", "cpu.max"), "25000 100000");
	}
}

/* pids_max 8: of 50 forks the child tries, 7 succeed (8 with itself). */
static void
test_integ_cgroup_pids(void **state)
{
	struct ht *h = *state;
	const char *n;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'a',"
	    "'command':['@CHILD@','forks','50','@TMP@/forked'],"
	    "'cgroup':{'pids_max':8}}]}}");
	/* written whole (renamed into place) */
	n = ht_wait_file(h, ht_path(h, "forked"), "", HT_T);
	assert_non_null(n);
	assert_string_equal(n, "7");
}

/* A child over its memory_max is killed by the OOM killer: its exit's
 * reason is "oom", in the event and in status, and it counts as a crash
 * (a permanent child is restarted). */
static void
test_integ_cgroup_oom(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	cJSON *ev;
	const cJSON *why;

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'intensity':10,'children':[{"
	    "'name':'hog','command':['@CHILD@','eat','512'],"
	    "'cgroup':{'memory_max':'32M'}}]}}");
	ev = ht_wait_event(h, "child.exited", "hog", HT_T);
	why = cJSON_GetObjectItemCaseSensitive(ev, "reason");
	assert_true(cJSON_IsString(why));
	assert_string_equal(why->valuestring, "oom");
	ht_wait_event(h, "child.started", "hog", HT_T);
	HT_CTL(h, 0, &out, &err, "status", "hog");
	HT_CONTAINS(out, " oom at ");
}

static int
gone(struct ht *h, void *arg)
{
	(void)h;
	return access(arg, F_OK) == -1 && errno == ENOENT;
}

/* A limited child's cgroup of a v1 controller (or cgroup2's) goes with
 * herdd: at a clean exit, and after kill -9 (the guardian's work). */
static void
removed(struct ht *h, int kill9)
{
	char dir[4096];

	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':[{'name':'a',"
	    "'command':['@CHILD@','sleep'],'cgroup':{'pids_max':10}}]}}");
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_int_equal(cg_dir_of(ht_pid(h, "a"), "pids", dir, sizeof dir),
	    0);
	assert_int_equal(access(dir, F_OK), 0);
	if (kill9)
		ht_kill_herdd(h);
	else
		assert_int_equal(ht_shutdown(h), 0);
	assert_true(ht_until(h, gone, dir, ht_ms(10000)));
}

static void
test_integ_cgroup_removed_at_exit(void **state)
{
	removed(*state, 0);
}

static void
test_integ_cgroup_removed_after_kill9(void **state)
{
	removed(*state, 1);
}

/*
 * Without a cgroup herdd may write to (herdd as nobody here), a config
 * asking for a controller is refused, naming the child, the key and why:
 * at start (exit 1, as a config error), at reload (nothing changes) and
 * at add-child.
 */
static void
test_integ_cgroup_refused(void **state)
{
	struct ht *h = *state;
	static const char plain[] = "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'ok','command':['@CHILD@','sleep']}]}}";
	static const char limited[] = "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'ok','command':['@CHILD@','sleep']},"
	    "{'name':'big','command':['@CHILD@','sleep'],"
	    "'cgroup':{'memory_max':'1G'}}]}}";
	const char *out, *err;
	pid_t ok;

	assert_int_equal(chown(h->dir, 65534, 65534), 0);
	h->herdd_uid = 65534;
	ht_launch(h, limited);
	assert_int_equal(ht_wait_exit(h, HT_T), 1);
	HT_CONTAINS(ht_herdd_output(h), "big: cgroup.memory_max needs the "
	    "memory controller, which herdd cannot use here: herdd has no "
	    "cgroup for each child (");

	ht_boot(h, plain);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	ok = ht_pid(h, "ok");
	ht_write_conf(h, limited);
	HT_CTL(h, 1, &out, &err, "reload");
	HT_CONTAINS(err, "big: cgroup.memory_max needs the memory controller");
	HT_CTL(h, 1, &out, &err, "add-child", "", "{\"name\":\"b\","
	    "\"command\":[\"sleep\",\"300\"],\"cgroup\":{\"pids_max\":5}}");
	HT_CONTAINS(err, "b: cgroup.pids_max needs the pids controller");
	assert_int_equal(ht_pid(h, "ok"), ok);
	HT_CONTAINS(ht_status_order(h), "ok");
	assert_null(strstr(ht_status_order(h), "b"));
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_cgroup_files,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_cgroup_pids,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_cgroup_oom,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_cgroup_removed_at_exit, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_cgroup_removed_after_kill9, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_cgroup_refused,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_cgroup", tests, NULL, NULL);
}
