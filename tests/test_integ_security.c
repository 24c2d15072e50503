/*
 * The attacks of the security review (docs/security.md), each reproduced
 * on a real herdd by an unprivileged peer (uid 65534) or a child: every
 * test here failed before its fix. Tests that switch to nobody need root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "ipc.h"

#define NOBODY 65534 /* nobody, and nogroup, on Debian */

static void
need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "not root: cannot act as nobody\n");
		skip();
	}
}

static struct ht *
boot(void **state, const char *conf)
{
	struct ht *h = *state;

	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* A directory under the test's dir that nobody may write into (the test
 * dir itself becomes 0711 so nobody can reach it). */
static const char *
nobody_dir(struct ht *h)
{
	const char *d = ht_path(h, "pub");

	assert_int_equal(chmod(h->dir, 0711), 0);
	assert_int_equal(mkdir(d, 0777), 0);
	assert_int_equal(chmod(d, 0777), 0);
	return d;
}

/* Waits until the peer closes FD (EOF or reset); 1 if it did in time. */
static int
wait_closed(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char buf[256];
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		n = read(fd, buf, sizeof buf);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 1;
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			return 1;
	}
}

/*
 * Finding 2: each connection declaring a 16 MiB message made nng allocate
 * it before the body came (40 of them: 3 MB -> 658 MB). nng's receive
 * limit now follows max_request_bytes: such a connection is closed at
 * once, and herdd's memory stays put.
 */
static void
test_integ_security_declared_size_pins_no_memory(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	unsigned char frame[9 + 1024];
	uint64_t len = 16 * 1024 * 1024 - 1;
	long before, after;
	int fds[40], i, k;

	before = ht_proc_status(h->pid, "VmRSS");
	memset(frame, 'x', sizeof frame);
	frame[0] = 1;
	for (k = 0; k < 8; k++)
		frame[1 + k] = (unsigned char)(len >> (56 - 8 * k));
	for (i = 0; i < 40; i++) {
		fds[i] = ht_sp_connect(ht_path(h, "run/control.sock"));
		assert_true(fds[i] != -1);
		assert_int_equal(write(fds[i], frame, sizeof frame),
		    (ssize_t)sizeof frame);
	}
	for (i = 0; i < 40; i++) {
		if (!wait_closed(fds[i], HT_T))
			fail_msg("connection %d declaring %llu bytes was not "
			    "closed", i, (unsigned long long)len);
		close(fds[i]);
	}
	after = ht_proc_status(h->pid, "VmRSS");
	if (after - before > 16 * 1024)
		fail_msg("herdd grew from %ld to %ld KiB", before, after);
	assert_non_null(ht_result(h, "ping", NULL));
	assert_string_equal(ht_status(h, "a").state, "running");
}

/*
 * Finding 8: children were in herdd's session (setpgid only), so one
 * running as nobody could open herdd's controlling terminal and inject
 * input with TIOCSTI. Each child now leads a session of its own.
 */
static void
test_integ_security_child_own_session(void **state)
{
	struct ht *h = *state;
	const char *ids, *pub;
	char want[64], conf[1024];
	int master;
	pid_t pid;

	need_root();
	pub = nobody_dir(h);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master != -1);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	h->ctty = ptsname(master);
	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'who','user':%d,'command':['@CHILD@','ids',"
	    "'%s/ids']}]}}", NOBODY, pub);
	boot(state, conf);
	pid = ht_pid(h, "who");
	ids = ht_wait_file(h, ht_path(h, "pub/ids"), "\nenv ", HT_T);
	assert_non_null(ids);
	snprintf(want, sizeof want, "\nsid %d\n", (int)pid);
	HT_CONTAINS(ids, want);
	snprintf(want, sizeof want, "\npgid %d\n", (int)pid);
	HT_CONTAINS(ids, want);
	HT_CONTAINS(ids, "\ntty No such device or address\n");
	close(master);
}

/* The entry of ENV lines ("env K=V\n") for KEY in IDS, or NULL. */
static const char *
env_line(const char *ids, const char *key)
{
	static char buf[512];
	const char *p;
	size_t n;

	snprintf(buf, sizeof buf, "\nenv %s=", key);
	if ((p = strstr(ids, buf)) == NULL)
		return NULL;
	p += strlen(buf);
	n = strcspn(p, "\n");
	snprintf(buf, sizeof buf, "%.*s", (int)n, p);
	return buf;
}

/*
 * Finding 11: a child with a user got herdd's HOME=/root and no USER,
 * LOGNAME or SHELL, lost its supplementary groups, and got the variables
 * a service manager meant for herdd. Now it gets its passwd entry's
 * HOME, USER, LOGNAME and SHELL, initgroups' groups, and nothing of
 * herdd's own; the child's env still wins.
 */
static void
test_integ_security_user_child_identity(void **state)
{
	struct ht *h = *state;
	const char *ids, *pub, *grp;
	char conf[2048], want[128], line[1024];
	struct passwd *pw;
	FILE *in, *out;

	need_root();
	pub = nobody_dir(h);
	/* herdd sees nobody as a member of group daemon (gid 1) */
	grp = ht_path(h, "group");
	assert_non_null(in = fopen("/etc/group", "r"));
	assert_non_null(out = fopen(grp, "w"));
	while (fgets(line, sizeof line, in) != NULL)
		if (strncmp(line, "daemon:", 7) != 0)
			fputs(line, out);
	fputs("daemon:x:1:nobody\n", out);
	fclose(in);
	fclose(out);
	h->etc_group = grp;
	setenv("LISTEN_FDS", "3", 1);
	setenv("LISTEN_PID", "1", 1);
	setenv("WATCHDOG_PID", "1", 1);
	setenv("HOME", "/root", 1);
	setenv("HERD_TEST_TOKEN", "kept", 1);
	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'who','user':'nobody','command':['@CHILD@','ids',"
	    "'%s/ids']},"
	    "{'name':'own','user':'nobody','env':{'SHELL':'/bin/dash'},"
	    "'command':['@CHILD@','ids','%s/ids2']}]}}", pub, pub);
	boot(state, conf);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("WATCHDOG_PID");
	unsetenv("HERD_TEST_TOKEN");
	ids = ht_wait_file(h, ht_path(h, "pub/ids"), "\nenv ", HT_T);
	assert_non_null(ids);
	assert_non_null(pw = getpwnam("nobody"));
	snprintf(want, sizeof want, "uid %d\ngid %d\ngroups ", NOBODY,
	    (int)pw->pw_gid);
	HT_CONTAINS(ids, want);
	/* the primary group and daemon, in either order */
	snprintf(want, sizeof want, "\ngroups %d 1\n", (int)pw->pw_gid);
	snprintf(line, sizeof line, "\ngroups 1 %d\n", (int)pw->pw_gid);
	if (strstr(ids, want) == NULL && strstr(ids, line) == NULL)
		fail_msg("groups of nobody are not %d and 1:\n%s",
		    (int)pw->pw_gid, ids);
	assert_string_equal(env_line(ids, "HOME"), pw->pw_dir);
	assert_string_equal(env_line(ids, "USER"), "nobody");
	assert_string_equal(env_line(ids, "LOGNAME"), "nobody");
	assert_string_equal(env_line(ids, "SHELL"), pw->pw_shell);
	assert_null(env_line(ids, "LISTEN_FDS"));
	assert_null(env_line(ids, "LISTEN_PID"));
	assert_null(env_line(ids, "WATCHDOG_PID"));
	assert_null(env_line(ids, "NOTIFY_SOCKET"));
	/* inherited by default, as supervisord does */
	assert_string_equal(env_line(ids, "HERD_TEST_TOKEN"), "kept");
	ids = ht_wait_file(h, ht_path(h, "pub/ids2"), "\nenv ", HT_T);
	assert_non_null(ids);
	assert_string_equal(env_line(ids, "SHELL"), "/bin/dash");
	assert_string_equal(env_line(ids, "USER"), "nobody");
}

/*
 * Finding 9: "." and ".." were names, and log paths are built from
 * names: a worker ".." under a supervisor wrote its log outside log_dir.
 * Refused in the config (tests/fixtures/conf/bad-name-dots.json) and at
 * run time.
 */
static void
test_integ_security_dot_names_refused(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'grp','type':'supervisor','children':[]}]}}");
	static const char *const names[] = { "..", ".", ".hidden" };
	char args[4200];
	cJSON *r;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(args, sizeof args, "{'supervisor':'grp','child':"
		    "{'name':'%s','command':['%s','sleep']}}", names[i],
		    h->child);
		r = ht_request(h, "add_child", args);
		assert_non_null(ht_error_code(r));
		assert_string_equal(ht_error_code(r), "bad_request");
		HT_CONTAINS(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
		    "error"), "message")->valuestring, "does not start with");
	}
	assert_int_equal(ht_status(h, "grp/..").found, 0);
	assert_null(ht_read_file(h, ht_path(h, "log/...stdout.log")));
}

/*
 * Finding 10: herdctl config, run by a group member who may write root's
 * config, silently made the file the member's own (fchown's EPERM was
 * ignored): herdd would then run what that member writes into it. Now
 * the write is refused and the file is unchanged.
 */
static void
test_integ_security_config_keeps_owner(void **state)
{
	struct ht *h = *state;
	const char *dir, *file, *out, *err, *before;
	char *argv[] = { h->herdctl, "-c", NULL, "config", "set",
		"supervisor.intensity", "3", NULL };
	struct stat st;
	int code;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	dir = ht_path(h, "etc");
	file = ht_path(h, "etc/herd.json");
	assert_int_equal(mkdir(dir, 0775), 0);
	assert_int_equal(chown(dir, 0, NOBODY), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	before = "{\"supervisor\":{\"children\":[]}}\n";
	assert_int_equal(ht_write_file(h, file, before), 0);
	assert_int_equal(chown(file, 0, NOBODY), 0);
	assert_int_equal(chmod(file, 0664), 0);
	argv[2] = (char *)file;
	code = ht_run_as(h, NOBODY, argv, ht_ms(5000), &out, &err);
	if (code != 1)
		fail_msg("herdctl config set as nobody exited %d\nstdout: "
		    "%s\nstderr: %s", code, out, err);
	HT_CONTAINS(err, "not written: it belongs to root:");
	HT_CONTAINS(err, "(uid 0, gid 65534) and uid 65534 cannot give a new "
	    "file that owner");
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal((int)st.st_uid, 0);
	assert_int_equal((int)st.st_gid, NOBODY);
	assert_string_equal(ht_read_file(h, file), before);
}

/* Runs the shell script SCRIPT as nobody; fails the test unless it
 * exits 0. */
static void
sh_as_nobody(struct ht *h, const char *script)
{
	char *argv[] = { "/bin/sh", "-ec", (char *)script, NULL };
	const char *out, *err;
	int code = ht_run_as(h, NOBODY, argv, ht_ms(5000), &out, &err);

	if (code != 0)
		fail_msg("as nobody: %s: exit %d: %s%s", script, code, out, err);
}

/* A root-owned file holding "precious\n", for attacks to aim at. */
static const char *
victim(struct ht *h, const char *name)
{
	const char *p = ht_path(h, "%s", name);

	assert_int_equal(ht_write_file(h, p, "precious\n"), 0);
	assert_int_equal(chmod(p, 0600), 0);
	return p;
}

/* Starts herdd on CONF, which must refuse to start: exit 1 with WANT in
 * its output. */
static void
refused_at_start(struct ht *h, const char *conf, const char *want)
{
	int code;

	ht_launch(h, conf);
	code = ht_wait_exit(h, HT_T);
	if (code != 1)
		fail_msg("herdd exited %d, not 1:\n%s", code,
		    ht_herdd_output(h));
	HT_CONTAINS(ht_herdd_output(h), want);
}

/*
 * Finding 3, as reported: nobody pre-creates the run and log dirs in a
 * shared sticky directory (as /tmp) with herdd.lock and web.stdout.log
 * as symlinks to root's files. herdd truncated the first and appended the
 * child's output to the second; now it refuses to start, naming the
 * directory, its owner and mode, and both files are untouched.
 */
static void
test_integ_security_foreign_dirs_refused(void **state)
{
	struct ht *h = *state;
	const char *v1, *v2, *shared;
	char script[2048], conf[1024];

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	shared = ht_path(h, "tmp");
	assert_int_equal(mkdir(shared, 01777), 0);
	assert_int_equal(chmod(shared, 01777), 0);
	v1 = victim(h, "victim1");
	v2 = victim(h, "victim2");
	snprintf(script, sizeof script, "mkdir %s/run %s/log; "
	    "ln -s %s %s/run/herdd.lock; ln -s %s %s/log/web.stdout.log",
	    shared, shared, v1, shared, v2, shared);
	sh_as_nobody(h, script);
	snprintf(conf, sizeof conf, "{'run_dir':'%s/run','log_dir':'%s/log',"
	    "'supervisor':{'children':[{'name':'web','command':"
	    "'echo hello'}]}}", shared, shared);
	refused_at_start(h, conf, "run_dir ");
	HT_CONTAINS(ht_herdd_output(h), "/tmp/run belongs to another user "
	    "(owner uid 65534 (nobody), mode 0755)");
	assert_string_equal(ht_read_file(h, v1), "precious\n");
	assert_string_equal(ht_read_file(h, v2), "precious\n");

	/* the same for log_dir, with a run_dir of root's */
	snprintf(conf, sizeof conf, "{'run_dir':'@RUN@','log_dir':'%s/log',"
	    "'supervisor':{'children':[{'name':'web','command':"
	    "'echo hello'}]}}", shared);
	refused_at_start(h, conf, "log_dir ");
	HT_CONTAINS(ht_herdd_output(h), "/tmp/log belongs to another user");
	assert_string_equal(ht_read_file(h, v2), "precious\n");
}

/* Every directory on the path counts, not only the last; writable by
 * others only if sticky, and not the last one. */
static void
test_integ_security_unsafe_ancestors_refused(void **state)
{
	struct ht *h = *state;
	const char *open_dir = ht_path(h, "open"), *sticky = ht_path(h, "st");
	const char *grp = ht_path(h, "grp");
	char conf[1024];

	assert_int_equal(mkdir(open_dir, 0777), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	snprintf(conf, sizeof conf, "{'run_dir':'%s/a/run','log_dir':'@LOG@',"
	    "'supervisor':{'children':[]}}", open_dir);
	refused_at_start(h, conf, "/open is writable by others (owner uid 0 "
	    "(root), mode 0777)");
	/* sticky: fine above, not as the directory itself */
	assert_int_equal(mkdir(sticky, 01777), 0);
	assert_int_equal(chmod(sticky, 01777), 0);
	snprintf(conf, sizeof conf, "{'run_dir':'%s','log_dir':'@LOG@',"
	    "'supervisor':{'children':[]}}", sticky);
	refused_at_start(h, conf, "/st is writable by others (owner uid 0 "
	    "(root), mode 1777)");
	/* group-writable as the last */
	assert_int_equal(mkdir(grp, 0770), 0);
	assert_int_equal(chmod(grp, 0770), 0);
	snprintf(conf, sizeof conf, "{'run_dir':'@RUN@','log_dir':'%s',"
	    "'supervisor':{'children':[]}}", grp);
	refused_at_start(h, conf, "/grp is writable by its group");
	/* a symlinked directory as the last: refused too */
	assert_int_equal(symlink(open_dir, ht_path(h, "link")), 0);
	snprintf(conf, sizeof conf, "{'run_dir':'@RUN@','log_dir':'%s/link/x',"
	    "'supervisor':{'children':[]}}", h->dir);
	refused_at_start(h, conf, "/open is writable by others");
	/* a sticky ancestor (the test dir is below /tmp) starts */
	snprintf(h->run, sizeof h->run, "%s/run", sticky);
	snprintf(conf, sizeof conf, "{'run_dir':'@RUN@','log_dir':'%s/log',"
	    "'supervisor':{'children':[]}}", sticky);
	boot(state, conf);
}

/*
 * The review's redirect: a symlink put by another user in a directory
 * it may write (a root-owned group-writable one, as Ubuntu's /var/log,
 * or a sticky one) was followed (the path was resolved before it was
 * checked), and herdd took the target for run_dir. A symlink is now
 * followed only if root or herdd's user owns it.
 */
static void
test_integ_security_foreign_symlinks_refused(void **state)
{
	struct ht *h = *state;
	const char *grp = ht_path(h, "grp"), *st = ht_path(h, "st");
	const char *etc = ht_path(h, "etc");
	char script[1024], conf[1024];
	struct stat sb;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(grp, 0775), 0);
	assert_int_equal(chown(grp, 0, NOBODY), 0);
	assert_int_equal(chmod(grp, 0775), 0);
	assert_int_equal(mkdir(st, 01777), 0);
	assert_int_equal(chmod(st, 01777), 0);
	snprintf(script, sizeof script, "ln -s %s %s/run; ln -s %s %s/log",
	    etc, grp, etc, st);
	sh_as_nobody(h, script);
	snprintf(conf, sizeof conf, "{'run_dir':'%s/run','log_dir':'@LOG@',"
	    "'supervisor':{'children':[]}}", grp);
	refused_at_start(h, conf, "/grp/run is a symlink that belongs to uid "
	    "65534 (nobody): only root's or herdd's user's are followed");
	snprintf(conf, sizeof conf, "{'run_dir':'@RUN@','log_dir':'%s/log',"
	    "'supervisor':{'children':[]}}", st);
	refused_at_start(h, conf, "/st/log is a symlink that belongs to uid "
	    "65534");
	/* the target was not touched */
	assert_int_equal(stat(etc, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	assert_int_equal(sb.st_gid, 0);
	/* root's own symlinks are followed (as Debian's /var/run -> /run),
	 * to a target that is checked in turn */
	assert_int_equal(unlink(ht_path(h, "grp/run")), 0);
	assert_int_equal(symlink(etc, ht_path(h, "rlink")), 0);
	snprintf(h->run, sizeof h->run, "%s/rlink/run", h->dir);
	boot(state, "{'run_dir':'@RUN@','log_dir':'@LOG@','supervisor':{"
	    "'children':[]}}");
	assert_int_equal(stat(ht_path(h, "etc/run/control.sock"), &sb), 0);
}

/*
 * Files in herdd's directories are opened beneath the directory, never
 * through a symlink, and must be herdd's own regular files: a symlink
 * put in log_dir (or a hard link) receives nothing, herdd says why, and
 * the child runs.
 */
static void
test_integ_security_log_symlink_not_followed(void **state)
{
	struct ht *h = *state;
	const char *v1 = victim(h, "victim1"), *v2 = victim(h, "victim2");
	const char *out;

	assert_int_equal(mkdir(h->log, 0750), 0);
	assert_int_equal(mkdir(ht_path(h, "log/grp"), 0750), 0);
	assert_int_equal(symlink(v1, ht_path(h, "log/web.stdout.log")), 0);
	assert_int_equal(link(v2, ht_path(h, "log/grp/w.stdout.log")), 0);
	assert_int_equal(mkdir(h->run, 0750), 0);
	assert_int_equal(symlink(v1, ht_path(h, "run/herdd.lock")), 0);
	refused_at_start(h, "{" HT_DIRS ",'supervisor':{'children':[]}}",
	    "herdd.lock: not a regular file of herdd's own");
	assert_int_equal(unlink(ht_path(h, "run/herdd.lock")), 0);
	boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'web','command':'echo to-web; exec sleep 600'},"
	    "{'name':'grp','type':'supervisor','children':["
	    "{'name':'w','command':'echo to-w; exec sleep 600'}]}]}}");
	out = ht_wait_file(h, h->err, "grp/w.stdout.log: not written", HT_T);
	assert_non_null(out);
	HT_CONTAINS(out, "web.stdout.log: not written: not a regular file of "
	    "herdd's own");
	assert_string_equal(ht_status(h, "web").state, "running");
	assert_string_equal(ht_read_file(h, v1), "precious\n");
	assert_string_equal(ht_read_file(h, v2), "precious\n");
}

/*
 * Whether raw connection FD was admitted: an admitted one gets nng's SP
 * header back, a refused one is closed at once. 1, 0, or -1 when neither
 * happened within TIMEOUT_MS.
 */
static int
raw_admitted(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned char buf[8];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof buf) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = read(fd, buf + got, sizeof buf - got);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 0;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

/*
 * Forks a helper that becomes nobody and opens up to N connections to the
 * control socket, one after another, keeping those admitted; it reports
 * "ADMITTED REFUSED\n" on a pipe and then holds them until killed. The
 * counts go to *admitted and *refused; returns its pid (adopted).
 */
static pid_t
hold_as_nobody(struct ht *h, int n, int *admitted, int *refused)
{
	char line[64], *sock = strdup(ht_path(h, "run/control.sock"));
	int p[2], i, fd, a = 0, r = 0, st;
	struct pollfd pf;
	ssize_t len;
	pid_t pid;

	assert_non_null(sock);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(125);
		for (i = 0; i < n; i++) {
			if ((fd = ht_sp_connect(sock)) == -1) {
				r++;
				continue;
			}
			st = raw_admitted(fd, 10000);
			if (st == 1) {
				a++;
			} else {
				r++;
				close(fd);
			}
		}
		len = snprintf(line, sizeof line, "%d %d\n", a, r);
		if (write(p[1], line, (size_t)len) != len)
			_exit(124);
		for (;;)
			pause();
	}
	close(p[1]);
	free(sock);
	ht_adopt(h, pid);
	pf.fd = p[0];
	pf.events = POLLIN;
	if (poll(&pf, 1, ht_ms(60000)) != 1)
		fail_msg("the helper holding connections did not report");
	len = read(p[0], line, sizeof line - 1);
	close(p[0]);
	assert_true(len > 0);
	line[len] = '\0';
	assert_int_equal(sscanf(line, "%d %d", admitted, refused), 2);
	return pid;
}

static int
connections_below(struct ht *h, void *arg)
{
	return ht_num(cJSON_GetObjectItem(ht_result(h, "status", NULL),
	    "herd"), "connections") < *(int *)arg;
}

/* Waits until herdd's status counts fewer than N open connections. */
static void
wait_connections_below(struct ht *h, int n)
{
	if (!ht_until(h, connections_below, &n, ht_ms(10000)))
		fail_msg("herdd still counts %d connections or more", n);
}

/* Kills CHILD's process and waits until its supervisor has started it
 * again; returns the new pid. */
static pid_t
kill_and_restarted(struct ht *h, const char *child)
{
	pid_t old = ht_pid(h, child);
	cJSON *ev;

	ht_sync_events(h);
	assert_int_equal(kill(old, SIGKILL), 0);
	ev = ht_wait_event(h, "child.started", child, HT_T);
	assert_true((pid_t)ht_num(ev, "pid") != old);
	return (pid_t)ht_num(ev, "pid");
}

/*
 * Finding 1: nothing bounded the connections herdd accepted, so a
 * read-only peer could take every fd: the next child start failed and
 * the fleet went down. Now a peer gets at most max_connections_per_user
 * (counted in the accept path, before nng's handshake), and the rest are
 * closed at once; others, and the fleet, are unaffected.
 */
static void
test_integ_security_connections_per_user_capped(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	int admitted, refused;
	pid_t holder;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, "{" HT_DIRS ",'control':{'group':65534,"
	    "'max_connections_per_user':16},"
	    "'supervisor':{'intensity':5,'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	holder = hold_as_nobody(h, 40, &admitted, &refused);
	assert_int_equal(admitted, 16);
	assert_int_equal(refused, 24);
	/* root still gets in, and a child restarts */
	HT_CTL(h, 0, &out, &err, "status");
	HT_CONTAINS(out, "running");
	kill_and_restarted(h, "a");
	HT_CONTAINS(ht_wait_file(h, h->err, "max_connections_per_user", HT_T),
	    ": control.max_connections_per_user reached (last from uid "
	    "65534)");
	/* once nobody lets go (herdd has seen the 16 close), nobody may
	 * connect again */
	ht_kill_helper(h, holder);
	wait_connections_below(h, 16);
	holder = hold_as_nobody(h, 4, &admitted, &refused);
	assert_int_equal(admitted, 4);
	ht_kill_helper(h, holder);
}

/* herdd's count of refused connections, from status. */
static double
refused_count(struct ht *h)
{
	return ht_num(cJSON_GetObjectItem(ht_result(h, "status", NULL),
	    "herd"), "connections_refused");
}

/* Whether herdd refused two more connections than *(double *)BEFORE. */
static int
refused_twice_more(struct ht *h, void *before)
{
	return refused_count(h) >= *(double *)before + 2;
}

/*
 * Finding 4 of the review: herdctl gave up at the first connection herdd
 * closed for its limits. Now it tries again until its -t is spent, and
 * then says why it may have failed: a peer at its cap waits for a slot,
 * and gets in once one is free.
 */
static void
test_integ_security_herdctl_waits_for_a_slot(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	int admitted, refused, st, fd;
	double before;
	pid_t holder, ctl;
	char *argv[] = { h->herdctl, "-r", h->run, "-t", "20s", "status",
	    NULL };
	int i;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, "{" HT_DIRS ",'control':{'group':65534,"
	    "'max_connections_per_user':4},'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	holder = hold_as_nobody(h, 4, &admitted, &refused);
	assert_int_equal(admitted, 4);
	/* at the cap: refused until -t, and told why */
	assert_int_equal(ht_herdctl_as(h, NOBODY, &out, &err, "-t", "1s",
	    "status", NULL), IPC_EXIT_UNREACHABLE);
	HT_CONTAINS(err, "herdd took no connection within 1s");
	HT_CONTAINS(err, "max_connections_per_user");
	/* waiting: gets in once the holder lets go */
	before = refused_count(h);
	ctl = fork();
	assert_true(ctl != -1);
	if (ctl == 0) {
		fd = open(ht_path(h, "ctl.out"), O_WRONLY | O_CREAT, 0666);
		dup2(fd, 1);
		dup2(fd, 2);
		if (setgroups(0, NULL) == -1 || setgid(NOBODY) == -1 ||
		    setuid(NOBODY) == -1)
			_exit(125);
		execv(h->herdctl, argv);
		_exit(127);
	}
	ht_adopt(h, ctl);
	if (!ht_until(h, refused_twice_more, &before, ht_ms(10000)))
		fail_msg("herdctl did not try again (refused %g, then %g): "
		    "%s", before, refused_count(h),
		    ht_read_file(h, ht_path(h, "ctl.out")));
	ht_kill_helper(h, holder);
	assert_int_equal(ht_wait_gone(ctl, ht_ms(20000)), 1);
	assert_int_equal(waitpid(ctl, &st, 0), ctl);
	for (i = 0; i < h->nhelpers; i++)
		if (h->helpers[i] == ctl)
			h->helpers[i] = h->helpers[--h->nhelpers];
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * The same with herdd's file limit nearly spent: connections stop short
 * of the fds the fleet needs (and leave a few for root), so children keep
 * restarting with their logs captured.
 */
static void
test_integ_security_connections_leave_fds_for_children(void **state)
{
	struct ht *h = *state;
	struct rlimit rl = { 300, 300 };
	const char *out, *err;
	int admitted, refused, i;
	char name[8];

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, "{" HT_DIRS ",'control':{'group':65534,"
	    "'max_connections_per_user':"
	    "100000,'max_connections':100000},'supervisor':{'intensity':50,"
	    "'children':["
	    "{'name':'a','command':['@CHILD@','print-lines','3']},"
	    "{'name':'b','command':['@CHILD@','print-lines','3']},"
	    "{'name':'c','command':['@CHILD@','print-lines','3']}]}}");
	rl.rlim_max = rl.rlim_cur;
	if (prlimit(h->pid, RLIMIT_NOFILE, &rl, NULL) == -1)
		fail_msg("prlimit: %s", strerror(errno));
	hold_as_nobody(h, 400, &admitted, &refused);
	assert_true(admitted > 50);
	assert_true(refused > 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "%c", 'a' + i % 3);
		kill_and_restarted(h, name);
	}
	HT_CTL(h, 0, &out, &err, "status");
	if (strstr(ht_herdd_output(h), "Too many open files") != NULL)
		fail_msg("herdd ran out of fds:\n%s", ht_herdd_output(h));
	HT_CONTAINS(ht_herdd_output(h), ": herdd's file descriptors are kept "
	    "for its children");
	if (strstr(ht_herdd_output(h), "start_failed") != NULL)
		fail_msg("a start failed:\n%s", ht_herdd_output(h));
	/* each start's output was captured */
	if (ht_wait_file(h, ht_path(h, "log/a.stdout.log"),
	    "line 00003\nline 00001\n", HT_T) == NULL)
		fail_msg("a's restarted output was not captured");
}

/* Fails the test if herdd ran out of fds or a start failed. */
static void
no_start_failed(struct ht *h)
{
	if (strstr(ht_herdd_output(h), "Too many open files") != NULL)
		fail_msg("herdd ran out of fds:\n%s", ht_herdd_output(h));
	if (strstr(ht_herdd_output(h), "start_failed") != NULL)
		fail_msg("a start failed:\n%s", ht_herdd_output(h));
}

/*
 * A bounded pool's instances are counted at max_instances from the start:
 * with connections holding every fd they may take, the pool still fills,
 * each instance with its logs. (Counting only the instances running let
 * 60 spawns need 180 fds where 140 were kept.)
 */
static void
test_integ_security_fds_kept_for_pool_instances(void **state)
{
	struct ht *h = *state;
	struct rlimit rl = { 400, 400 };
	int admitted, refused, i;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, "{" HT_DIRS ",'control':{'group':65534,"
	    "'max_connections_per_user':100000,'max_connections':100000},"
	    "'supervisor':{'children':[{'name':'pool','type':'supervisor',"
	    "'strategy':'simple_one_for_one','max_instances':60,"
	    "'children':[{'name':'w','restart':'temporary',"
	    "'command':['@CHILD@','sleep']}]}]}}");
	if (prlimit(h->pid, RLIMIT_NOFILE, &rl, NULL) == -1)
		fail_msg("prlimit: %s", strerror(errno));
	hold_as_nobody(h, 500, &admitted, &refused);
	assert_true(refused > 0);
	for (i = 0; i < 60; i++)
		ht_result(h, "spawn", "{'pool':'pool'}");
	no_start_failed(h);
	assert_string_equal(ht_status(h, "pool/60").state, "running");
}

/*
 * Children added at run time count as the configured ones: after
 * add_child, the fds they need are kept from connections, so once they
 * are stopped and connections have taken what they may, the children
 * start again. (The reserve fixed at boot left 140 fds for 180.)
 */
static void
test_integ_security_fds_kept_for_added_children(void **state)
{
	struct ht *h = *state;
	struct rlimit rl = { 400, 400 };
	int admitted, refused, i;
	char *args, *p;
	size_t len = 256 + 60 * 96;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, "{" HT_DIRS ",'control':{'group':65534,"
	    "'max_connections_per_user':100000,'max_connections':100000},"
	    "'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	if (prlimit(h->pid, RLIMIT_NOFILE, &rl, NULL) == -1)
		fail_msg("prlimit: %s", strerror(errno));
	p = args = malloc(len);
	assert_non_null(args);
	p += snprintf(p, len, "{'supervisor':'','child':{'name':'sub',"
	    "'type':'supervisor','children':[");
	for (i = 0; i < 60; i++)
		p += snprintf(p, len - (size_t)(p - args), "%s{'name':'w%d',"
		    "'command':['%s','sleep']}", i ? "," : "", i, h->child);
	snprintf(p, len - (size_t)(p - args), "]}}");
	ht_result(h, "add_child", args);
	free(args);
	ht_result(h, "stop", "{'name':'sub'}");
	hold_as_nobody(h, 500, &admitted, &refused);
	assert_true(refused > 0);
	ht_result(h, "start", "{'name':'sub'}");
	no_start_failed(h);
	assert_string_equal(ht_status(h, "sub/w59").state, "running");
}

/*
 * Finding 5: after the #1518 guard re-created the listener, control.sock
 * came back 0755 root:root (0777 under umask 0), and the control group
 * was locked out. The mode is now set on the listener before it starts
 * and the group after each re-creation.
 */
static void
test_integ_security_relisten_keeps_mode(void **state)
{
	struct ht *h = *state;
	const char *sock = ht_path(h, "run/control.sock"), *out, *err;
	struct stat st;
	mode_t old;
	int i, k, code;
	cJSON *r;
	double recoveries = 0;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	old = umask(0);
	ht_boot(h, "{" HT_DIRS ",'control':{'group':65534},'supervisor':{"
	    "'children':[{'name':'a','command':['@CHILD@','sleep']}]}}");
	umask(old);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	/* the guard repairs a wedge about a second later: keep wedging
	 * until status (on the harness's open connection) counts one */
	for (i = 0; i < ht_ms(30000) / 100 && recoveries < 1; i++) {
		struct timespec ts = { 0, 100 * 1000000L };
		for (k = 0; k < 20; k++)
			ht_connect_close(sock);
		nanosleep(&ts, NULL);
		r = ht_result(h, "status", NULL);
		recoveries = ht_num(cJSON_GetObjectItem(r, "herd"),
		    "listener_recoveries");
	}
	if (recoveries < 1)
		fail_msg("30 s of connect-and-close never wedged the listener");
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal((int)st.st_gid, NOBODY);
	assert_int_equal(stat(ht_path(h, "run/events.sock"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	/* the group still gets in */
	code = ht_herdctl_as(h, NOBODY, &out, &err, "status", NULL);
	if (code != 0)
		fail_msg("status as nobody (group nogroup) exited %d: %s%s",
		    code, out, err);
}

/* Sets PID's soft file limit (the hard one stays). */
static void
set_nofile(pid_t pid, rlim_t soft)
{
	struct rlimit rl;

	assert_int_equal(prlimit(pid, RLIMIT_NOFILE, NULL, &rl), 0);
	rl.rlim_cur = soft;
	assert_int_equal(prlimit(pid, RLIMIT_NOFILE, &rl, NULL), 0);
}

/*
 * Finding 1, second part: out of fds, the guard took its failed probe
 * for nng bug #1518, closed the listener and could not listen again:
 * control.sock was gone for good. Now a probe that could not be made
 * proves nothing (the listener stays), and a listener that could not be
 * re-created is tried again: either way, once fds are back, control
 * works again. The fds run out here between a wedge and its probe.
 */
static void
test_integ_security_out_of_fds_keeps_listener(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	const char *sock = ht_path(h, "run/control.sock"), *out, *err, *log;
	rlim_t normal;
	struct rlimit rl;
	int round, k;

	assert_int_equal(prlimit(h->pid, RLIMIT_NOFILE, NULL, &rl), 0);
	normal = rl.rlim_cur;
	for (round = 0; round < 10; round++) {
		/* connect-and-close wedges the listener (8 times in 10); the
		 * guard probes it 100 ms later, and re-creates it a second
		 * after that: with no fd for either */
		for (k = 0; k < 5; k++)
			ht_connect_close(sock);
		/* 0, 1 and 2 are open: no new fd at all, whatever closes */
		set_nofile(h->pid, 3);
		log = ht_wait_file(h, h->err, "cannot ", ht_ms(3000));
		set_nofile(h->pid, normal);
		if (log != NULL)
			break;
	}
	if (round == 10)
		fail_msg("the guard never ran short of fds:\n%s",
		    ht_herdd_output(h));
	if (strstr(log, "cannot probe") == NULL) {
		HT_CONTAINS(log, "cannot listen on");
		HT_CONTAINS(log, "; retrying");
		if (ht_wait_file(h, h->err, "again\n", HT_T) == NULL)
			fail_msg("the listener did not come back:\n%s",
			    ht_herdd_output(h));
	} else {
		HT_CONTAINS(log, "herdd is out of file descriptors");
	}
	/* a new connection works: the listener was kept or re-created */
	HT_CTL(h, 0, &out, &err, "status");
	HT_CONTAINS(out, "running");
}

/*
 * Sockets are bound through run_dir's fd, not by its path: after run_dir
 * is moved (as one with write access to its parent could), a listener
 * re-created for nng bug #1518 is still in the directory herdd checked,
 * never at the old path. (A re-creation that fails is retried:
 * tests/test_guard.c.)
 */
/* Whether the path ARG is a socket (an ht_until cond). */
static int
is_socket(struct ht *h, void *arg)
{
	struct stat st;

	return stat(arg, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
test_integ_security_relisten_stays_in_run_dir(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','command':['@CHILD@','sleep']}]}}");
	const char *away = ht_path(h, "run.away"), *out, *err;
	const char *moved = ht_path(h, "run.away/control.sock");
	struct stat st;
	int i, k;

	assert_int_equal(rename(h->run, away), 0);
	assert_int_equal(mkdir(h->run, 0700), 0);
	for (i = 0; i < 10; i++) {
		for (k = 0; k < 5; k++)
			ht_connect_close(moved);
		if (ht_wait_file(h, h->err, "re-creating it", ht_ms(3000)))
			break;
	}
	if (i == 10)
		fail_msg("the listener never wedged:\n%s", ht_herdd_output(h));
	/* the new listener is where run_dir went, nothing at the old path */
	if (!ht_until(h, is_socket, (void *)moved, ht_ms(5000)))
		fail_msg("no listener at %s", moved);
	assert_int_equal(stat(moved, &st), 0);
	assert_int_not_equal(stat(ht_path(h, "run/control.sock"), &st), 0);
	snprintf(h->run, sizeof h->run, "%s", away);
	HT_CTL(h, 0, &out, &err, "status");
	HT_CONTAINS(out, "running");
}

/*
 * As nobody, sends TEXT to every abstract notify socket of herdd PID
 * listed in /proc/net/unix (their names are public there); returns how
 * many it sent to.
 */
static int
forge_notify_as_nobody(struct ht *h, pid_t herdd, const char *text)
{
	char prefix[64], script[1024];
	const char *out, *err;
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	int code;

	snprintf(prefix, sizeof prefix, "@herd/%d/", (int)herdd);
	/* socat is not everywhere: python3 sends the datagrams */
	snprintf(script, sizeof script, "exec python3 -c '\n"
	    "import socket\n"
	    "names = [l.split()[-1] for l in open(\"/proc/net/unix\")"
	    " if l.split()[-1].startswith(\"%s\")]\n"
	    "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
	    "for n in names:\n"
	    "    s.sendto(b\"%s\", \"\\0\" + n[1:])\n"
	    "print(len(names))\n'", prefix, text);
	code = ht_run_as(h, NOBODY, argv, ht_ms(10000), &out, &err);
	if (code != 0)
		fail_msg("forging as nobody failed (%d): %s%s", code, out, err);
	return atoi(out);
}

/*
 * Finding 6: notify sockets had predictable names and no check of who
 * sent: nobody sent WATCHDOG=trigger to a child's socket and herdd killed
 * and restarted it. Now herdd hears only the child's own processes (the
 * kernel's SO_PASSCRED credentials: the child's user, in its session or
 * group), whatever the name; names are random too.
 */
static void
test_integ_security_notify_forgery_ignored(void **state)
{
	struct ht *h = *state;
	const char *pub;
	char conf[1024];
	long long from;
	pid_t v, w;
	int n;

	need_root();
	pub = nobody_dir(h);
	snprintf(conf, sizeof conf, "{" HT_DIRS ",'notify_abstract':true,"
	    "'supervisor':{'children':["
	    "{'name':'v','ready':'notify','watchdog_ms':60000,"
	    "'command':['@CHILD@','watchdog','1000000','%s/v']},"
	    "{'name':'w','user':'nobody','ready':'notify','watchdog_ms':"
	    "60000,'command':['@CHILD@','watchdog','1000000','%s/w']}]}}",
	    pub, pub);
	boot(state, conf);
	v = ht_pid(h, "v");
	w = ht_pid(h, "w");
	ht_sync_events(h);
	from = ht_last_seq(h);
	n = forge_notify_as_nobody(h, h->pid, "WATCHDOG=trigger\\nREADY=1");
	assert_int_equal(n, 2);
	/* both forgeries are heard and dropped (w: same user, another
	 * session) */
	assert_non_null(ht_wait_file(h, h->err, "uid 65534: not one of",
	    HT_T));
	if (ht_wait_file(h, h->err, "notify socket of pid", HT_T) == NULL)
		fail_msg("no forgery was reported");
	{
		char want[96];
		snprintf(want, sizeof want, "notify socket of pid %d: "
		    "ignored", (int)v);
		if (ht_wait_file(h, h->err, want, HT_T) == NULL)
			fail_msg("v's forgery was not reported");
		snprintf(want, sizeof want, "notify socket of pid %d: "
		    "ignored", (int)w);
		if (ht_wait_file(h, h->err, want, HT_T) == NULL)
			fail_msg("w's forgery was not reported");
	}
	ht_sync_events(h);
	assert_null(ht_find_event(h, from, "child.exited", NULL));
	assert_int_equal(ht_pid(h, "v"), v);
	assert_int_equal(ht_pid(h, "w"), w);
	assert_string_equal(ht_status(h, "v").state, "running");
}

/*
 * Finding 7: ready:"notify" (and watchdog_ms) could not work for a child
 * with a user: notify/ was 0700 root. Its socket is now the child's
 * (0600) in a 0711 notify/.
 */
static void
test_integ_security_notify_for_user_child(void **state)
{
	struct ht *h = *state;
	const char *pub, *path;
	char conf[1024];
	struct stat st;

	need_root();
	pub = nobody_dir(h);
	snprintf(conf, sizeof conf, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'n','user':'nobody','ready':'notify','ready_timeout_ms':"
	    "5000,'env':{'TC_ENV_FILE':'%s/env'},"
	    "'command':['@CHILD@','notify']}]}}", pub);
	boot(state, conf);
	assert_string_equal(ht_status(h, "n").state, "running");
	path = ht_read_file(h, ht_path(h, "pub/env"));
	assert_non_null(path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal((int)st.st_uid, NOBODY);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* 32 hex digits, not a counter */
	assert_int_equal(strlen(strrchr(path, '/') + 1), 32);
	assert_int_equal(stat(ht_path(h, "run/notify"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	/* run_dir: traversable by the child, listable by no one else */
	assert_int_equal(stat(h->run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0751);
}

/* The mode of PATH (fails the test when it is not MODE). */
static void
assert_mode(const char *path, unsigned mode)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s: mode %04o, not %04o", path,
		    (unsigned)(st.st_mode & 07777), mode);
}

/*
 * herdd's files have explicit modes whatever the umask it starts with
 * (here 0, and 077): run_dir 0750, its sockets 0660, the lock 0600,
 * notify/ 0711, log_dir and its subdirectories 0750, logs 0640; children
 * get the umask herdd started with.
 */
static void
modes_under_umask(void **state, mode_t mask)
{
	struct ht *h = *state;
	const char *um;
	mode_t old;

	old = umask(mask);
	ht_boot(h, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'g','type':'supervisor','children':["
	    "{'name':'w','command':'echo hi; umask; exec sleep 600'}]}]}}");
	umask(old);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	assert_mode(h->run, 0750);
	assert_mode(ht_path(h, "run/control.sock"), 0660);
	assert_mode(ht_path(h, "run/events.sock"), 0660);
	assert_mode(ht_path(h, "run/herdd.lock"), 0600);
	assert_mode(ht_path(h, "run/notify"), 0711);
	/* logs are made at the first output */
	um = ht_wait_file(h, ht_path(h, "log/g/w.stdout.log"), "\n0", HT_T);
	assert_non_null(um);
	assert_mode(h->log, 0750);
	assert_mode(ht_path(h, "log/g"), 0750);
	assert_mode(ht_path(h, "log/g/w.stdout.log"), 0640);
	HT_CONTAINS(um, mask == 0 ? "hi\n0000\n" : "hi\n0077\n");
}

static void
test_integ_security_modes_umask_0(void **state)
{
	modes_under_umask(state, 0);
}

static void
test_integ_security_modes_umask_077(void **state)
{
	modes_under_umask(state, 077);
}

/* herdctl add-child SUP SPEC as nobody, which must exit EXPECT. */
static const char *
add_as_nobody(struct ht *h, const char *spec, int expect)
{
	const char *out, *err;
	int code = ht_herdctl_as(h, NOBODY, &out, &err, "add-child", "", spec,
	    NULL);

	if (code != expect)
		fail_msg("add-child %s as nobody exited %d, not %d: %s%s", spec,
		    code, expect, out, err);
	return expect == 0 ? out : err;
}

#define RUNAS_CONF(extra) "{" HT_DIRS ",'control':{'group':65534," \
	"'allow_users':['nobody']" extra "},'supervisor':{'children':[" \
	"{'name':'pool','type':'supervisor','strategy':'simple_one_for_one'," \
	"'children':[{'name':'t','command':['@CHILD@','sleep']}]}," \
	"{'name':'rootpool','type':'supervisor','strategy':" \
	"'simple_one_for_one','children':[{'name':'t','user':'root'," \
	"'command':['@CHILD@','sleep']}]}]}}"

/*
 * Finding 4: add-child and spawn accepted any command and ran it as
 * herdd's uid: a user in allow_users ran `id` as uid 0. Now what a peer
 * other than root adds or spawns runs as that peer, in one of its own
 * groups, unless control.allow_run_as grants another user.
 */
static void
test_integ_security_runtime_children_run_as_peer(void **state)
{
	struct ht *h = *state;
	char spec[9000];
	const char *msg, *out, *err;
	int code;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, RUNAS_CONF(""));
	/* no user: as the peer, with its passwd entry's group */
	snprintf(spec, sizeof spec, "{\"name\":\"mine\",\"command\":"
	    "[\"%s\",\"sleep\"]}", h->child);
	add_as_nobody(h, spec, 0);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "mine"), "Uid"), NOBODY);
	/* another user, or another group: refused, nothing added */
	snprintf(spec, sizeof spec, "{\"name\":\"evil\",\"user\":\"root\","
	    "\"command\":\"id\"}");
	msg = add_as_nobody(h, spec, 4);
	HT_CONTAINS(msg, "uid 65534 (nobody) may not add a child that runs "
	    "as uid 0 (root) (see control.allow_run_as)");
	snprintf(spec, sizeof spec, "{\"name\":\"evil\",\"group\":\"root\","
	    "\"command\":\"id\"}");
	msg = add_as_nobody(h, spec, 4);
	HT_CONTAINS(msg, "may not add a child in group 0: not a group of "
	    "uid 65534 (nobody)");
	assert_int_equal(ht_status(h, "evil").found, 0);
	/* the same for workers inside an added supervisor and its pools
	 * (the review's bypass: they ran as root) */
	snprintf(spec, sizeof spec, "{\"name\":\"nest\",\"type\":"
	    "\"supervisor\",\"children\":[{\"name\":\"w\",\"command\":"
	    "[\"%s\",\"sleep\"]},{\"name\":\"p\",\"type\":\"supervisor\","
	    "\"strategy\":\"simple_one_for_one\",\"children\":[{\"name\":"
	    "\"t\",\"command\":[\"%s\",\"sleep\"]}]}]}", h->child,
	    h->child);
	add_as_nobody(h, spec, 0);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "nest/w"), "Uid"),
	    NOBODY);
	code = ht_herdctl_as(h, NOBODY, &out, &err, "spawn", "nest/p", NULL);
	if (code != 0)
		fail_msg("spawn nest/p as nobody: %d %s%s", code, out, err);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "nest/p/1"), "Uid"),
	    NOBODY);
	snprintf(spec, sizeof spec, "{\"name\":\"nest2\",\"type\":"
	    "\"supervisor\",\"children\":[{\"name\":\"w\",\"user\":"
	    "\"root\",\"command\":\"id\"}]}");
	HT_CONTAINS(add_as_nobody(h, spec, 4), "may not add a child that runs "
	    "as uid 0 (root)");
	assert_int_equal(ht_status(h, "nest2").found, 0);
	/* spawn: a template without user runs as the peer; one with
	 * another user is refused */
	code = ht_herdctl_as(h, NOBODY, &out, &err, "spawn", "pool", NULL);
	if (code != 0)
		fail_msg("spawn pool as nobody exited %d: %s%s", code, out,
		    err);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "pool/1"), "Uid"), NOBODY);
	code = ht_herdctl_as(h, NOBODY, &out, &err, "spawn", "rootpool",
	    NULL);
	assert_int_equal(code, 4);
	HT_CONTAINS(err, "uid 65534 (nobody) may not spawn instances that run "
	    "as uid 0 (root)");
	/* root's own additions are unchanged */
	snprintf(spec, sizeof spec, "{\"name\":\"roots\",\"command\":"
	    "[\"%s\",\"sleep\"]}", h->child);
	HT_CTL(h, 0, &out, &err, "add-child", "", spec);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "roots"), "Uid"), 0);
	HT_CTL(h, 0, &out, &err, "spawn", "pool");
	assert_int_equal((int)ht_proc_status(ht_pid(h, "pool/2"), "Uid"), 0);
}

/* control.allow_run_as grants a peer other users, or any ("*"). */
static void
test_integ_security_allow_run_as(void **state)
{
	struct ht *h = *state;
	char spec[4200];
	const char *out, *err;
	int code;

	need_root();
	assert_int_equal(chmod(h->dir, 0711), 0);
	boot(state, RUNAS_CONF(",'allow_run_as':{'nobody':['daemon','root']}"));
	snprintf(spec, sizeof spec, "{\"name\":\"d\",\"user\":\"daemon\","
	    "\"command\":[\"%s\",\"sleep\"]}", h->child);
	add_as_nobody(h, spec, 0);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "d"), "Uid"), 1);
	/* a granted herdd user: the template's (root's) instances */
	code = ht_herdctl_as(h, NOBODY, &out, &err, "spawn", "pool", NULL);
	if (code != 0)
		fail_msg("spawn as nobody exited %d: %s%s", code, out, err);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "pool/1"), "Uid"), 0);
	code = ht_herdctl_as(h, NOBODY, &out, &err, "spawn", "rootpool",
	    NULL);
	if (code != 0)
		fail_msg("spawn rootpool as nobody exited %d: %s%s", code, out,
		    err);
	assert_int_equal((int)ht_proc_status(ht_pid(h, "rootpool/1"), "Uid"), 0);
	/* not granted: bin */
	snprintf(spec, sizeof spec, "{\"name\":\"b\",\"user\":\"bin\","
	    "\"command\":[\"%s\",\"sleep\"]}", h->child);
	HT_CONTAINS(add_as_nobody(h, spec, 4), "may not add a child that runs "
	    "as uid 2 (bin)");
}

/* spawn's arguments are argv words, never given to a shell: shell syntax
 * in them arrives as it was written and runs nothing. */
static void
test_integ_security_spawn_args_not_shell(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'pool','type':'supervisor','strategy':"
	    "'simple_one_for_one','children':[{'name':'t','command':"
	    "['@CHILD@','argv','@TMP@/args']}]}]}}");
	char evil[1024], want[1100];
	const char *out, *err, *got;

	snprintf(evil, sizeof evil, "$(touch %s/pwned); `touch %s/pwned2`; "
	    "touch %s/pwned3 | x", h->dir, h->dir, h->dir);
	HT_CTL(h, 0, &out, &err, "spawn", "pool", evil, "*");
	got = ht_wait_file(h, ht_path(h, "args"), "*\n", HT_T);
	assert_non_null(got);
	snprintf(want, sizeof want, "%s\n*\n", evil);
	assert_string_equal(got, want);
	assert_null(ht_read_file(h, ht_path(h, "pwned")));
	assert_null(ht_read_file(h, ht_path(h, "pwned2")));
	assert_null(ht_read_file(h, ht_path(h, "pwned3")));
}

/*
 * Requests whose reply waits (a stop of a child that takes its time) are
 * bounded: past 4,096 herdd answers busy at once and keeps no more; the
 * ones it kept are answered when the child ends (nng's raw rep0 keeps at
 * most 64 replies queued for one connection and drops the rest: a client
 * with more in flight on one connection loses those, docs/protocol.md).
 */
static int
ignores_term(struct ht *h, void *arg)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", *(int *)arg);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "SigIgn: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask & (1ULL << (SIGTERM - 1))) != 0;
}

/* Waits until PID ignores SIGTERM (a child just started may not yet:
 * a stop would then end it at once). */
static void
wait_ignoring_term(struct ht *h, pid_t pid)
{
	int p = (int)pid;

	if (!ht_until(h, ignores_term, &p, ht_ms(10000)))
		fail_msg("pid %d never ignored SIGTERM", p);
}

static void
test_integ_security_waiters_bounded(void **state)
{
	struct ht *h = boot(state, "{" HT_DIRS ",'supervisor':{'children':["
	    "{'name':'a','shutdown':'infinity','command':['@CHILD@',"
	    "'ignore-term']}]}}");
	const char *body = "{\"v\":1,\"id\":1,\"op\":\"stop\","
	    "\"args\":{\"name\":\"a\"}}";
	int i, ok = 0, busy = 0, n = 4096 + 10;
	pid_t a = ht_pid(h, "a");
	nng_socket sock;
	nng_msg *m;
	char url[512];

	wait_ignoring_term(h, a);
	/* raw req0: many requests in flight on one socket */
	assert_int_equal(nng_req0_open_raw(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, ht_ms(HT_TIMEOUT));
	nng_socket_set_int(sock, NNG_OPT_SENDBUF, 8192);
	nng_socket_set_int(sock, NNG_OPT_RECVBUF, 8192);
	ipc_control_url(h->run, url, sizeof url);
	assert_int_equal(nng_dial(sock, url, NULL, 0), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(nng_msg_alloc(&m, 0), 0);
		assert_int_equal(nng_msg_header_append_u32(m,
		    0x80000000u | (uint32_t)(i + 1)), 0);
		assert_int_equal(nng_msg_append(m, body, strlen(body)), 0);
		assert_int_equal(nng_sendmsg(sock, m, 0), 0);
	}
	/* the 10 past the bound are answered at once */
	for (i = 0; i < 10; i++) {
		char text[512];
		assert_int_equal(nng_recvmsg(sock, &m, 0), 0);
		snprintf(text, sizeof text, "%.*s", (int)nng_msg_len(m),
		    (const char *)nng_msg_body(m));
		nng_msg_free(m);
		if (strstr(text, "too many requests waiting"))
			busy++;
		else
			fail_msg("reply %d is not busy: %s\n%s", i, text,
			    ht_herdd_output(h));
	}
	assert_int_equal(busy, 10);
	assert_string_equal(ht_status(h, "a").state, "stopping");
	/* the child ends: the kept requests are answered, ok */
	assert_int_equal(kill(a, SIGKILL), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, ht_ms(2000));
	for (i = 0; i < 4096; i++) {
		if (nng_recvmsg(sock, &m, 0) != 0)
			break;
		if (memmem(nng_msg_body(m), nng_msg_len(m), "\"ok\":true",
		    9) != NULL)
			ok++;
		nng_msg_free(m);
	}
	nng_close(sock);
	if (ok < 64)
		fail_msg("only %d of the kept stops were answered", ok);
	assert_string_equal(ht_status(h, "a").state, "stopped");
	/* and the waiters are gone: new requests wait again */
	assert_non_null(ht_result(h, "start", "{'name':'a'}"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_security_declared_size_pins_no_memory),
		T(test_integ_security_child_own_session),
		T(test_integ_security_user_child_identity),
		T(test_integ_security_dot_names_refused),
		T(test_integ_security_config_keeps_owner),
		T(test_integ_security_foreign_dirs_refused),
		T(test_integ_security_unsafe_ancestors_refused),
		T(test_integ_security_foreign_symlinks_refused),
		T(test_integ_security_log_symlink_not_followed),
		T(test_integ_security_connections_per_user_capped),
		T(test_integ_security_connections_leave_fds_for_children),
		T(test_integ_security_fds_kept_for_pool_instances),
		T(test_integ_security_herdctl_waits_for_a_slot),
		T(test_integ_security_fds_kept_for_added_children),
		T(test_integ_security_relisten_keeps_mode),
		T(test_integ_security_out_of_fds_keeps_listener),
		T(test_integ_security_relisten_stays_in_run_dir),
		T(test_integ_security_notify_forgery_ignored),
		T(test_integ_security_notify_for_user_child),
		T(test_integ_security_modes_umask_0),
		T(test_integ_security_modes_umask_077),
		T(test_integ_security_runtime_children_run_as_peer),
		T(test_integ_security_allow_run_as),
		T(test_integ_security_spawn_args_not_shell),
		T(test_integ_security_waiters_bounded),
	};

	return cmocka_run_group_tests_name("integ_security", tests, NULL,
	    NULL);
}
