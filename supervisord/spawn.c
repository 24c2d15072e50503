/*
 * The only place herdd creates processes. clone(CLONE_VM|CLONE_VFORK) gives
 * posix_spawn's cost (independent of herdd's size) while letting the child
 * do what posix_spawn cannot: its own process group, the parent-death
 * signal, user and group, umask. Between clone and exec the child shares
 * herdd's memory and runs only async-signal-safe calls; it reports a failed
 * step through the shared request before _exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "herdd.h"

#define SPAWN_STACK (64 * 1024)
#define FD_FLOOR 16 /* sources are moved above this before dup2 */

/* Signals herdd catches or ignores; the child puts them back to default
 * before it unblocks signals, so no herdd handler runs in it. */
static const int reset_signals[] = {
	SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGQUIT,
	SIGALRM, SIGXFSZ,
};

static _Alignas(16) char spawn_stack[SPAWN_STACK];

struct spawn_shared {
	const struct spawn_req *req;
	pid_t parent;
	volatile int err;
	volatile const char *step;
};

__attribute__((no_sanitize("address", "undefined")))
static int
fail(struct spawn_shared *sh, const char *step)
{
	sh->err = errno;
	sh->step = step;
	_exit(127);
}

/* Runs in the child, on spawn_stack, sharing herdd's memory. */
__attribute__((no_sanitize("address", "undefined")))
static int
child_main(void *arg)
{
	struct spawn_shared *sh = arg;
	const struct spawn_req *r = sh->req;
	struct sigaction dfl;
	sigset_t none;
	int src[4], dst[4], n = 0, i, fd;
	size_t k;

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (k = 0; k < sizeof reset_signals / sizeof reset_signals[0]; k++)
		sigaction(reset_signals[k], &dfl, NULL);

	if (setpgid(0, 0) == -1)
		return fail(sh, "setpgid");

	for (i = 0; i < 3; i++) {
		src[n] = r->fds[i];
		dst[n++] = i;
	}
	if (r->extra_fd >= 0) {
		src[n] = r->extra_fd;
		dst[n++] = r->extra_target;
	}
	/* Lift every source above the targets so no dup2 clobbers one. */
	for (i = 0; i < n; i++) {
		if (src[i] < 0) {
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (fd == -1)
				return fail(sh, "open /dev/null");
		} else {
			fd = src[i];
		}
		if (fd < FD_FLOOR) {
			int up = fcntl(fd, F_DUPFD_CLOEXEC, FD_FLOOR);
			if (up == -1)
				return fail(sh, "fcntl");
			fd = up;
		}
		src[i] = fd;
	}
	for (i = 0; i < n; i++)
		if (dup2(src[i], dst[i]) == -1)
			return fail(sh, "dup2");

	if (r->nofile >= 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
			rl.rlim_cur = (rlim_t)r->nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (r->umask >= 0)
		umask((mode_t)r->umask);
	if (r->cwd != NULL && chdir(r->cwd) == -1)
		return fail(sh, "chdir");
	if (r->has_gid) {
		if (setgroups(1, &r->gid) == -1)
			return fail(sh, "setgroups");
		if (setgid(r->gid) == -1)
			return fail(sh, "setgid");
	}
	if (r->has_uid && setuid(r->uid) == -1)
		return fail(sh, "setuid");
	/* After any credential change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		return fail(sh, "prctl");
	if (getppid() != sh->parent) {
		errno = ESRCH;
		return fail(sh, "parent died");
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(r->path, r->argv, r->envp);
	return fail(sh, "exec");
}

int
spawn_process(const struct spawn_req *r, pid_t *pid, char *cause,
    size_t len)
{
	struct spawn_shared sh;
	sigset_t all, old;
	pid_t p;

	memset(&sh, 0, sizeof sh);
	sh.req = r;
	sh.parent = getpid();
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	p = clone(child_main, spawn_stack + sizeof spawn_stack,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &sh);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (p == -1) {
		snprintf(cause, len, "clone: %s", strerror(errno));
		return -1;
	}
	*pid = p;
	if (sh.step != NULL) {
		/* The child has exited already (CLONE_VFORK): reap it here. */
		while (waitpid(p, NULL, 0) == -1 && errno == EINTR)
			;
		*pid = 0;
		snprintf(cause, len, "%s %s: %s", (const char *)sh.step,
		    strcmp((const char *)sh.step, "exec") == 0 ? r->path :
		    r->cwd && strcmp((const char *)sh.step, "chdir") == 0 ?
		    r->cwd : "", strerror(sh.err));
		return -1;
	}
	return 0;
}

int
spawn_resolve(const char *file, const char *path_env, char *out, size_t len)
{
	const char *p, *end;
	struct stat st;

	if (strchr(file, '/') != NULL) {
		if ((size_t)snprintf(out, len, "%s", file) >= len)
			return -1;
		return 0;
	}
	if (path_env == NULL)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (p = path_env; ; p = end + 1) {
		end = strchrnul(p, ':');
		if ((size_t)snprintf(out, len, "%.*s%s%s", (int)(end - p), p,
		    end == p ? "" : "/", file) < len &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
		if (*end == '\0')
			break;
	}
	errno = ENOENT;
	return -1;
}
