/*
 * A cgroup per child, so that what a child started dies with it: a
 * double-forking daemon's daemon, a setsid'd helper, anything that left
 * the child's process group. OTP's rule stays: a child is dead when its
 * main process exits; herdd then kills what is left in its cgroup
 * (cgroup.kill) before it reaps or restarts it.
 *
 * The cgroups live in herdd's own cgroup of the cgroup2 hierarchy (found
 * from /proc/self/mountinfo and /proc/self/cgroup, never assumed), under
 * herd-<hash of run_dir>: one herdd per run_dir (the lock), so a herdd
 * that finds that directory at start knows it holds what a previous herdd
 * of the same run_dir left (one killed with SIGKILL, without the pid
 * namespace): it kills it before it starts anything. Each start of a
 * child gets a new cgroup, PATH@N ('/' of the path as ':'), in which
 * clone3 starts it (CLONE_INTO_CGROUP), or which the child joins itself
 * between clone and exec (spawn.c), before it can fork.
 *
 * A kill -9 of herdd leaves nothing either, at once: a guardian, a
 * process of herdd's outside those cgroups that does nothing but wait for
 * herdd's end (a pidfd), kills them all and removes them. herdd starts
 * another if it is killed; should both be killed, the next start clears
 * what is left, as above. (A pid namespace whose init dies with herdd
 * would need no guardian, but its children see other pids than the world
 * does: docs/semantics.md says why herd does not use one.)
 *
 * cgroup.kill needs Linux 5.14. Without a cgroup2 hierarchy herdd may
 * write to, herdd says so at start and children run in its own cgroup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "herdd.h"
#include "log.h"
#include "util.h"
#include "cgroup-int.h"

#define RETRY_FIRST_MS 10
#define RETRY_MAX_MS 1000
#define DRAIN_MS 5000 /* at start and exit: the wait for the killed */

static struct {
	int on;
	int dirfd;      /* herd-<hash>, in herdd's own cgroup */
	char *dir;
	unsigned seq;
	struct cgroup_run **busy; /* ended, not empty yet when removed */
	size_t nbusy, cap;
	struct event *retry;
	long retry_ms;
	struct event_base *base;
	pid_t guard;       /* the guardian */
	int guard_fd;      /* its pidfd */
	struct event *guard_ev, *guard_again;
	int lockfd;        /* run_dir's lock, which the guardian keeps */
} cg = { .dirfd = -1, .guard_fd = -1, .lockfd = -1 };

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
void
cgroup_unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++)
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	*w = '\0';
}

const char *
cgroup_below(const char *root, const char *self)
{
	size_t n = strlen(root);

	if (self[0] != '/')
		return NULL;
	/* the mount shows the hierarchy from ROOT down */
	if (strcmp(root, "/") == 0)
		return self;
	if (strncmp(self, root, n) != 0 || (self[n] != '/' && self[n] != '\0'))
		return NULL;
	return self[n] == '\0' ? "/" : self + n;
}

/* The directory of herdd's own cgroup in the cgroup2 hierarchy; NULL
 * with cause when there is none it can be reached through. */
static char *
own_cgroup(char *cause, size_t len)
{
	char line[4096], root[4096] = "", mnt[4096] = "", self[4096] = "";
	const char *rel;
	char *sep;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL) {
		snprintf(cause, len, "/proc/self/mountinfo: %s",
		    strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE ... */
		if ((sep = strstr(line, " - ")) == NULL ||
		    strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2)
			break;
		root[0] = mnt[0] = '\0';
	}
	fclose(f);
	if (mnt[0] == '\0') {
		snprintf(cause, len, "no cgroup2 hierarchy is mounted");
		return NULL;
	}
	cgroup_unescape(root);
	cgroup_unescape(mnt);
	if ((f = fopen("/proc/self/cgroup", "re")) == NULL) {
		snprintf(cause, len, "/proc/self/cgroup: %s", strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(self, sizeof self, "%s", line + 3);
			break;
		}
	fclose(f);
	if (self[0] != '/') {
		snprintf(cause, len, "herdd's cgroup2 cgroup is not in "
		    "/proc/self/cgroup");
		return NULL;
	}
	if ((rel = cgroup_below(root, self)) == NULL) {
		snprintf(cause, len, "herdd's cgroup %s is outside the "
		    "cgroup2 mount at %s", self, mnt);
		return NULL;
	}
	return xprintf("%s%s", strcmp(mnt, "/") == 0 ? "" : mnt,
	    strcmp(rel, "/") == 0 ? "" : rel);
}

int
cgroup_write_at(int dirfd, const char *file, const char *text)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC), rc = 0;
	size_t n = strlen(text);

	if (fd == -1)
		return -1;
	if (write(fd, text, n) != (ssize_t)n)
		rc = -1;
	close(fd);
	return rc;
}

/* Writes TEXT to FILE of cgroup NAME (NULL: the base); 0 or -1. */
static int
cg_write(const char *name, const char *file, const char *text)
{
	char path[512];

	snprintf(path, sizeof path, "%s%s%s", name ? name : "",
	    name ? "/" : "", file);
	return cgroup_write_at(cg.dirfd, path, text);
}

/* Waits up to MS for the base to hold no process (cgroup.events says
 * "populated 0", and wakes poll with POLLPRI when that changes). */
static int
drain(int ms)
{
	char buf[256];
	struct pollfd p;
	ssize_t n;
	int64_t end = (int64_t)mono_ms() + ms, left;
	int fd = openat(cg.dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	for (;;) {
		n = pread(fd, buf, sizeof buf - 1, 0);
		if (n < 0)
			break;
		buf[n] = '\0';
		if (strstr(buf, "populated 0") != NULL) {
			close(fd);
			return 0;
		}
		if ((left = end - (int64_t)mono_ms()) <= 0)
			break;
		p = (struct pollfd){ fd, POLLPRI, 0 };
		poll(&p, 1, (int)left);
	}
	close(fd);
	return -1;
}

/* The processes in every cgroup below the base: for the log line. */
static int
count_left(void)
{
	char path[512], line[32];
	struct dirent *e;
	int n = 0, fd = dup(cg.dirfd);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);
	FILE *f;

	if (d == NULL) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/cgroup.procs", cg.dir,
		    e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Removes every (empty) cgroup below the base. */
static void
remove_all(void)
{
	struct dirent *e;
	int fd = dup(cg.dirfd);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);

	if (d == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
		    unlinkat(cg.dirfd, e->d_name, AT_REMOVEDIR) == -1)
			log_warnx("cgroup %s/%s stays: %s", cg.dir, e->d_name,
			    strerror(errno));
	closedir(d);
}

/* Kills what a previous herdd of this run_dir left, and its cgroups. */
static void
clear_leftovers(void)
{
	int n = count_left();

	/* populated at any depth, counted one level down (herd's own) */
	if (drain(0) == -1) {
		if (cg_write(NULL, "cgroup.kill", "1") == -1) {
			log_warn("cgroup %s: cannot kill what a previous herdd "
			    "left", cg.dir);
			return;
		}
		if (drain(DRAIN_MS) == -1)
			log_warnx("cgroup %s: processes a previous herdd left "
			    "are still there %d ms after SIGKILL", cg.dir,
			    DRAIN_MS);
		log_warnx("killed %d process%s a previous herdd left in %s",
		    n, n == 1 ? "" : "es", cg.dir);
	}
	remove_all();
}

/* ---- the guardian: forked, so async-signal-safe calls only ---- */

/* Whether cgroup.events (fd) says no process is left. */
static int
guardian_empty(int fd)
{
	static const char want[] = "populated 0";
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf, 0), i;

	for (i = 0; n >= (ssize_t)sizeof want - 1 &&
	    i <= n - (ssize_t)sizeof want + 1; i++)
		if (memcmp(buf + i, want, sizeof want - 1) == 0)
			return 1;
	return 0;
}

/* Read with getdents64: the guardian's too. */
void
cgroup_rmdirs(int dirfd)
{
	char buf[4096];
	long n, off;

	/* herdd's readdirs share this fd's offset (dup): from the start */
	lseek(dirfd, 0, SEEK_SET);
	while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof buf)) > 0)
		for (off = 0; off < n; ) {
			/* struct linux_dirent64: ino, off, reclen, type, name */
			unsigned short reclen;
			unsigned char type = (unsigned char)buf[off + 18];
			const char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, sizeof reclen);
			if (type == DT_DIR && name[0] != '.')
				unlinkat(dirfd, name, AT_REMOVEDIR);
			off += reclen;
		}
}

/* Closes every fd but the KEEP ones (sorted, -1 for none). */
static void
guardian_close_but(const int *keep, int n)
{
	unsigned from = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1,
			    0U);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0U);
}

/* Waits for herdd (HERDD, a pidfd) to end, then kills every process in
 * its children's cgroups and removes them. It keeps run_dir's lock (LOCK)
 * till then: a next herdd waits for it (lock.c) rather than start
 * children this would kill. */
static void __attribute__((noreturn))
guardian_main(int herdd, int dirfd, int lock, const char *dir,
    const int *v1, const char **v1dirs, int nv1)
{
	static const int ignored[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
	    SIGPIPE, SIGUSR1, SIGUSR2 };
	struct pollfd p = { herdd, POLLIN, 0 };
	struct sigaction sa;
	sigset_t none;
	int keep[3 + CGCTL_N] = { herdd, dirfd, lock }, nkeep = 3 + nv1;
	int fd, i, j, t;

	prctl(PR_SET_NAME, "herdd-guardian");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* only herdd's end ends it (a terminal's ^C reaches its group) */
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < (int)(sizeof ignored / sizeof ignored[0]); i++)
		sigaction(ignored[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < nv1; i++)
		keep[3 + i] = v1[i];
	for (i = 0; i < nkeep; i++)
		for (j = i + 1; j < nkeep; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	guardian_close_but(keep, nkeep);
	while (poll(&p, 1, -1) == -1)
		;
	if ((fd = openat(dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC)) != -1) {
		if (write(fd, "1", 1) != 1)
			_exit(1);
		close(fd);
	}
	if ((fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC)) != -1) {
		for (i = 0; i < DRAIN_MS / 100 && !guardian_empty(fd); i++) {
			p = (struct pollfd){ fd, POLLPRI, 0 };
			poll(&p, 1, 100);
		}
		close(fd);
	}
	cgroup_rmdirs(dirfd);
	rmdir(dir);
	for (i = 0; i < nv1; i++) {
		cgroup_rmdirs(v1[i]); /* empty now: their processes are gone */
		rmdir(v1dirs[i]);
	}
	_exit(0);
}

static void guardian_died(evutil_socket_t fd, short what, void *arg);

/* Starts the guardian; herdd runs on without one if it cannot. */
static void
guardian_start(void)
{
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	const char *v1dirs[CGCTL_N];
	int v1[CGCTL_N], nv1 = cgctl_fds(v1, v1dirs);
	sigset_t all, old;
	pid_t p;

	if (self == -1) {
		log_warn("no cgroup guardian: pidfd_open");
		return;
	}
	/* no herdd handler may run in it before it sets its own */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	p = fork();
	if (p == 0)
		guardian_main(self, cg.dirfd, cg.lockfd, cg.dir, v1, v1dirs,
		    nv1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(self);
	if (p == -1) {
		log_warn("no cgroup guardian: fork");
		return;
	}
	cg.guard = p;
	cg.guard_fd = (int)syscall(SYS_pidfd_open, p, 0);
	if (cg.guard_fd == -1)
		return; /* unwatched: still there for herdd's end */
	cg.guard_ev = event_new(cg.base, cg.guard_fd, EV_READ, guardian_died,
	    NULL);
	event_add(cg.guard_ev, NULL);
}

static void
guardian_forget(void)
{
	if (cg.guard_ev != NULL)
		event_free(cg.guard_ev);
	cg.guard_ev = NULL;
	if (cg.guard_fd != -1)
		close(cg.guard_fd);
	cg.guard_fd = -1;
	cg.guard = 0;
}

static void
guardian_again(evutil_socket_t fd, short what, void *arg)
{
	guardian_start();
	if (cg.guard > 0)
		log_info("cgroup guardian started again (pid %d)",
		    (int)cg.guard);
}

/* Someone killed the guardian: another in a second (not in a loop). */
static void
guardian_died(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval second = { 1, 0 };
	int status = 0;

	if (waitpid(cg.guard, &status, WNOHANG) <= 0)
		status = 0; /* reaped by the SIGCHLD sweep already */
	log_warnx("the cgroup guardian (pid %d) ended (status %d): until "
	    "another runs, a kill -9 of herdd leaves its children's "
	    "descendants to herdd's next start", (int)cg.guard, status);
	guardian_forget();
	if (cg.guard_again == NULL)
		cg.guard_again = evtimer_new(cg.base, guardian_again, NULL);
	evtimer_add(cg.guard_again, &second);
}

int
cgroup_guardian_is(pid_t pid)
{
	if (pid <= 0 || pid != cg.guard)
		return 0;
	/* reaped by the SIGCHLD sweep: its pid is no longer its own */
	if (cg.guard_ev == NULL) {
		static const struct timeval second = { 1, 0 };
		log_warnx("the cgroup guardian (pid %d) ended", (int)pid);
		guardian_forget();
		if (cg.guard_again == NULL)
			cg.guard_again = evtimer_new(cg.base, guardian_again,
			    NULL);
		evtimer_add(cg.guard_again, &second);
	}
	return 1;
}

pid_t
cgroup_guardian(void)
{
	return cg.guard;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg);

/* cgroup_start's steps, till the guardian. */
static int
cgroup_open(const char *run_dir, char *cause, size_t len)
{
	char *own, name[64], *real;
	uint64_t hash = 14695981039346656037ULL; /* FNV-1a */
	const char *s;
	int fd;

	/* run_dir's real path: herdd binds through /proc/self/fd/N, a name
	 * every herdd has (hashed as given, two herdds of two run_dirs
	 * shared one cgroup, and each start killed the other's children) */
	real = realpath(run_dir, NULL);
	for (s = real != NULL ? real : run_dir; *s != '\0'; s++)
		hash = (hash ^ (unsigned char)*s) * 1099511628211ULL;
	free(real);
	snprintf(name, sizeof name, "herd-%016llx", (unsigned long long)hash);
	if ((own = own_cgroup(cause, len)) == NULL)
		return -1;
	if ((fd = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(cause, len, "%s: %s", own, strerror(errno));
		free(own);
		return -1;
	}
	if (mkdirat(fd, name, 0755) == -1 && errno != EEXIST) {
		snprintf(cause, len, "cannot make %s/%s: %s", own, name,
		    strerror(errno));
		close(fd);
		free(own);
		return -1;
	}
	cg.dirfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg.dir = xprintf("%s/%s", own, name);
	free(own);
	if (cg.dirfd == -1 || faccessat(cg.dirfd, "cgroup.kill", W_OK, 0)) {
		snprintf(cause, len, "%s: %s", cg.dir, cg.dirfd != -1 &&
		    errno == ENOENT ? "no cgroup.kill (Linux 5.14)" :
		    strerror(errno));
		close(fd);
		cgroup_stop();
		return -1;
	}
	clear_leftovers();
	/* after the kill: a previous herdd's v1 cgroups are empty now */
	cgctl_start(fd, cg.dirfd, name);
	close(fd);
	return 0;
}

int
cgroup_start(struct event_base *base, const char *run_dir, int lockfd,
    char *cause, size_t len)
{
	if (cgroup_open(run_dir, cause, len) == -1) {
		cgctl_off(cause);
		return -1;
	}
	cg.lockfd = lockfd;
	cg.base = base;
	cg.retry = evtimer_new(base, retry_cb, NULL);
	cg.on = 1;
	guardian_start();
	return 0;
}

const char *
cgroup_dir(void)
{
	return cg.on ? cg.dir : NULL;
}

static void
run_free(struct cgroup_run *run)
{
	int i;

	free(run->name);
	free(run->procs);
	for (i = 0; i < CGCTL_N; i++)
		free(run->v1procs[i]);
	free(run);
}

int
cgroup_make(const char *path, const struct conf_cgroup *lim,
    struct cgroup_run **out, struct spawn_req *r, char *cause, size_t len)
{
	struct cgroup_run *run;
	char buf[256];
	int n;

	*out = NULL;
	r->cgroup_procs = NULL;
	r->cgroup_fd = -1;
	for (n = 0; n < CGCTL_N; n++)
		r->cgroup_v1[n] = NULL;
	if (!cg.on)
		return 0;
	/* N is new to this herdd; a name a previous one left (and could not
	 * remove) is skipped */
	for (;;) {
		snprintf(buf, sizeof buf, "%.200s@%u", path, ++cg.seq);
		for (n = 0; buf[n] != '\0'; n++)
			if (buf[n] == '/')
				buf[n] = ':';
		if (mkdirat(cg.dirfd, buf, 0755) == 0)
			break;
		if (errno != EEXIST) {
			snprintf(cause, len, "cgroup %s/%s: %s", cg.dir, buf,
			    strerror(errno));
			return -1;
		}
	}
	run = xcalloc(1, sizeof *run);
	run->name = xstrdup(buf);
	run->procs = xprintf("%s/%s/cgroup.procs", cg.dir, buf);
	/* out of fds: the child moves in through procs instead */
	r->cgroup_fd = openat(cg.dirfd, buf, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (lim != NULL && cgctl_make(run, r->cgroup_fd, lim, cause,
	    len) == -1) {
		if (r->cgroup_fd != -1)
			close(r->cgroup_fd);
		r->cgroup_fd = -1;
		cgroup_end(run);
		return -1;
	}
	r->cgroup_procs = run->procs;
	for (n = 0; n < CGCTL_N; n++)
		r->cgroup_v1[n] = run->v1procs[n];
	*out = run;
	return 0;
}

int
cgroup_oom(const struct cgroup_run *run)
{
	return run != NULL && cgctl_oom(run, cg.dirfd);
}

static void
busy_add(struct cgroup_run *run)
{
	struct timeval tv;

	if (cg.nbusy == cg.cap) {
		cg.cap = cg.cap ? 2 * cg.cap : 16;
		cg.busy = xreallocarray(cg.busy, cg.cap, sizeof *cg.busy);
	}
	cg.busy[cg.nbusy++] = run;
	if (!evtimer_pending(cg.retry, NULL)) {
		cg.retry_ms = RETRY_FIRST_MS;
		tv = (struct timeval){ 0, cg.retry_ms * 1000 };
		evtimer_add(cg.retry, &tv);
	}
}

/* Removes RUN's cgroups that are empty: 0 once all are gone. */
static int
run_remove(struct cgroup_run *run)
{
	if (!run->gone && (unlinkat(cg.dirfd, run->name, AT_REMOVEDIR) == 0 ||
	    errno != EBUSY))
		run->gone = 1; /* (or never to go: ENOENT) */
	/* the v1 ones hold the same processes: empty after the unified */
	return run->gone ? cgctl_remove(run) : -1;
}

/* Removes the cgroups whose killed processes have gone since; kills
 * again in the others (the kill may have failed: herdd out of fds, or a
 * process forked as it came). */
static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv;
	size_t i = 0;

	while (i < cg.nbusy)
		if (run_remove(cg.busy[i]) == 0) {
			run_free(cg.busy[i]);
			cg.busy[i] = cg.busy[--cg.nbusy];
		} else {
			if (!cg.busy[i]->gone)
				cg_write(cg.busy[i]->name, "cgroup.kill", "1");
			i++;
		}
	if (cg.nbusy == 0)
		return;
	if ((cg.retry_ms *= 2) > RETRY_MAX_MS)
		cg.retry_ms = RETRY_MAX_MS;
	tv = (struct timeval){ cg.retry_ms / 1000, cg.retry_ms % 1000 * 1000 };
	evtimer_add(cg.retry, &tv);
}

void
cgroup_end(struct cgroup_run *run)
{
	if (run == NULL)
		return;
	/* empty (the usual case): one call each */
	if (run_remove(run) == 0) {
		run_free(run);
		return;
	}
	if (!run->gone && cg_write(run->name, "cgroup.kill",
	    "1") == -1)
		log_warn("cgroup %s/%s: cannot kill what is left", cg.dir,
		    run->name);
	if (run_remove(run) == 0) {
		run_free(run);
		return;
	}
	busy_add(run); /* its processes die as the kernel gets to them */
}

void
cgroup_stop(void)
{
	size_t i;

	if (cg.guard > 0) {
		/* herdd ends as it should: no need for it */
		kill(cg.guard, SIGKILL);
		while (waitpid(cg.guard, NULL, 0) == -1 && errno == EINTR)
			;
	}
	guardian_forget();
	if (cg.guard_again != NULL)
		event_free(cg.guard_again);
	cg.guard_again = NULL;
	if (cg.dirfd != -1 && cg.on) {
		/* every child is reaped: this is what outlived its
		 * cgroup's main process, if anything */
		cg_write(NULL, "cgroup.kill", "1");
		drain(DRAIN_MS);
		remove_all();
	}
	cgctl_stop(); /* after the kill: their cgroups are empty */
	for (i = 0; i < cg.nbusy; i++)
		run_free(cg.busy[i]);
	free(cg.busy);
	cg.busy = NULL;
	cg.nbusy = cg.cap = 0;
	if (cg.retry != NULL)
		event_free(cg.retry);
	cg.retry = NULL;
	if (cg.dirfd != -1)
		close(cg.dirfd);
	cg.dirfd = -1;
	if (cg.dir != NULL && rmdir(cg.dir) == -1 && errno != ENOENT)
		log_debug("cgroup %s stays: %s", cg.dir, strerror(errno));
	free(cg.dir);
	cg.dir = NULL;
	cg.on = 0;
}

int
cgroup_fits_child(const struct conf_child *c, const char *path, char *cause,
    size_t len)
{
	char why[512];

	if (c->sup != NULL)
		return cgroup_fits(c->sup, path, cause, len);
	if (c->type != CONF_WORKER || cgctl_missing(&c->cgroup, why,
	    sizeof why) == 0)
		return 0;
	snprintf(cause, len, "%s: %s", path, why);
	return -1;
}

int
cgroup_fits(const struct conf_sup *sup, const char *prefix, char *cause,
    size_t len)
{
	char path[1024];
	size_t i;
	int rc = 0;

	for (i = 0; i < sup->nchildren && rc == 0; i++) {
		const struct conf_child *c = sup->children[i];

		snprintf(path, sizeof path, "%s%s%s", prefix,
		    prefix[0] != '\0' ? "/" : "", c->name);
		rc = cgroup_fits_child(c, path, cause, len);
	}
	return rc;
}
