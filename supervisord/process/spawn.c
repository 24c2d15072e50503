/*
 * The only place herdd creates processes. clone(CLONE_VM|CLONE_VFORK) gives
 * posix_spawn's cost (independent of herdd's memory) while letting the
 * child do what posix_spawn cannot: its own session, the parent-death
 * signal, user and group, umask. Between clone and exec the child shares
 * herdd's memory and runs only async-signal-safe calls; it reports a failed
 * step through the shared request before _exit.
 *
 * Nor does the cost grow with herdd's open files. A plain clone copies the
 * whole descriptor table into the child (one reference per fd taken, then
 * dropped again by exec's close-on-exec: measured 1.5 ms more per spawn
 * with 10,000 fds open). So the child starts on herdd's table
 * (CLONE_FILES) and, before it touches any fd, takes a private copy of
 * only the few lowest ones (close_range with CLOSE_RANGE_UNSHARE). The fds
 * it needs are first placed in reserved low slots. With that, each child
 * can also come with a pidfd (CLONE_PIDFD) for the reaper at no cost.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "herdd.h"
#include "log.h"

#define SPAWN_STACK (64 * 1024)
#define FD_FLOOR 16 /* sources are moved above this before dup2 */
#define NSLOTS 4    /* stdin, stdout, stderr, the readiness fd */

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/*
 * clone3, for CLONE_INTO_CGROUP: the child starts in its cgroup instead of
 * moving itself there, and a move costs an RCU grace period whenever no
 * other move came just before (bench/cgroup-move.c: 7 ms with 300 ms
 * between starts, against 54 us back to back). glibc has no clone3 (2.36),
 * and a CLONE_VM child on a stack of its own cannot return from the system
 * call into a C frame (that frame is the suspended parent's), so the
 * child's side is a few instructions that call FN(ARG) on the new stack
 * and exit with its value, as glibc's clone() does for clone(2). x86-64
 * and aarch64; elsewhere, or when the kernel refuses clone3 (before 5.7,
 * under valgrind), clone() and the child joins its cgroup itself.
 */
struct spawn_clone_args {      /* the kernel's struct clone_args, v2 */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack;
	uint64_t stack_size, tls, set_tid, set_tid_size, cgroup;
};

#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_SPAWN_CLONE3 1
/* Returns the new pid, or -errno. */
long spawn_clone3(struct spawn_clone_args *args, size_t size,
    int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl spawn_clone3\n"
    ".hidden spawn_clone3\n"
    ".type spawn_clone3,@function\n"
    "spawn_clone3:\n"
    "	mov %rdx, %r8\n"          /* fn and arg: syscall keeps r8, r9 */
    "	mov %rcx, %r9\n"
    "	mov $435, %eax\n"         /* SYS_clone3 */
    "	syscall\n"
    "	test %rax, %rax\n"
    "	jnz 1f\n"
    "	xor %ebp, %ebp\n"         /* the child: its outermost frame */
    "	mov %r9, %rdi\n"
    "	call *%r8\n"
    "	mov %eax, %edi\n"
    "	mov $60, %eax\n"          /* SYS_exit */
    "	syscall\n"
    "	hlt\n"
    "1:	ret\n"
    ".size spawn_clone3, .-spawn_clone3\n");
#else
__asm__(
    ".text\n"
    ".globl spawn_clone3\n"
    ".hidden spawn_clone3\n"
    ".type spawn_clone3,%function\n"
    "spawn_clone3:\n"
    "	mov x10, x2\n"            /* fn and arg: svc keeps x1-x30 */
    "	mov x11, x3\n"
    "	mov x8, #435\n"           /* SYS_clone3 */
    "	svc #0\n"
    "	cbnz x0, 1f\n"
    "	mov x29, xzr\n"           /* the child: its outermost frame */
    "	mov x30, xzr\n"
    "	mov x0, x11\n"
    "	blr x10\n"
    "	mov x8, #93\n"            /* SYS_exit */
    "	svc #0\n"
    "	brk #0\n"
    "1:	ret\n"
    ".size spawn_clone3, .-spawn_clone3\n");
#endif
#endif

/* Signals herdd catches or ignores; the child puts them back to default
 * before it unblocks signals, so no herdd handler runs in it. */
static const int reset_signals[] = {
	SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2, SIGQUIT,
	SIGALRM, SIGXFSZ,
};

static _Alignas(16) char spawn_stack[SPAWN_STACK];

/* Set by spawn_init when the kernel can unshare part of a table: the slots
 * the child's fds travel in, and how many low fds the child copies. */
static struct {
	int on;
	int devnull;
	int slot[NSLOTS];
	unsigned keep;
	int pidfd;     /* CLONE_PIDFD works */
	int clone3;    /* clone3 with CLONE_INTO_CGROUP works (so far) */
} shared = { .clone3 = 1 };

struct spawn_shared {
	const struct spawn_req *req;
	int src[NSLOTS];   /* r->fds and extra_fd, or their slots */
	pid_t parent;
	volatile int err;
	volatile const char *step;
	volatile int limit;    /* the "limits" entry a "limit" step failed on */
	volatile int cgroup_v1; /* the cgroup_v1 a "cgroup_v1" step did */
	int joined;            /* started in its cgroup (clone3) */
};

__attribute__((no_sanitize("address", "undefined")))
static int
fail(struct spawn_shared *sh, const char *step)
{
	sh->err = errno;
	sh->step = step;
	_exit(127);
}

/* Gives the child the file limit herdd started with. */
__attribute__((no_sanitize("address", "undefined")))
static void
child_nofile(const struct spawn_req *r)
{
	struct rlimit rl;

	if (r->nofile >= 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = (rlim_t)r->nofile;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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
	int src[NSLOTS], dst[NSLOTS], n = 0, i, fd;
	size_t k;

	/* Still on herdd's own table (CLONE_FILES): nothing may touch an fd
	 * before this takes the child's private copy of the lowest ones. */
	if (shared.on && syscall(SYS_close_range, shared.keep, ~0U,
	    CLOSE_RANGE_UNSHARE) == -1)
		return fail(sh, "close_range");

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (k = 0; k < sizeof reset_signals / sizeof reset_signals[0]; k++)
		sigaction(reset_signals[k], &dfl, NULL);

	/* Its own session (and so its own process group): no controlling
	 * terminal of herdd's to write to or inject input into (TIOCSTI). */
	if (setsid() == -1)
		return fail(sh, "setsid");

	/* With its own small table, the child's file limit first (the fd
	 * moves below need fds up to FD_FLOOR); with a copy of herdd's whole
	 * table, after the moves, as that table may reach past it. */
	if (shared.on)
		child_nofile(r);
	for (i = 0; i < 3; i++) {
		src[n] = sh->src[i];
		dst[n++] = i;
	}
	if (sh->src[3] >= 0) {
		src[n] = sh->src[3];
		dst[n++] = r->extra_target;
	}
	/* Lift every source above the targets so no dup2 clobbers one. */
	for (i = 0; i < n; i++) {
		if (src[i] < 0 && shared.on) {
			fd = shared.devnull; /* in the copied low fds */
		} else if (src[i] < 0) {
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
	if (!shared.on)
		child_nofile(r);

	/* Into its own cgroup (cgroup.c) before it can start anything, with
	 * herdd's credentials still, and under its own file limit (herdd's
	 * may have no fd left). */
	if (r->cgroup_procs != NULL && !sh->joined) {
		fd = open(r->cgroup_procs, O_WRONLY | O_CLOEXEC);
		if (fd == -1)
			return fail(sh, "cgroup");
		if (write(fd, "0", 1) != 1)
			return fail(sh, "cgroup");
		close(fd);
	}
	/* and those of its limits' v1 controllers (cgroup-ctl.c) */
	for (i = 0; i < CGCTL_N; i++) {
		if (r->cgroup_v1[i] == NULL)
			continue;
		sh->cgroup_v1 = i;
		fd = open(r->cgroup_v1[i], O_WRONLY | O_CLOEXEC);
		if (fd == -1 || write(fd, "0", 1) != 1)
			return fail(sh, "cgroup_v1");
		close(fd);
	}
	/* Its "limits", after everything that needs fds (a low nofile) */
	for (i = 0; r->limits != NULL && i < CONF_NLIMITS; i++) {
		const struct conf_limit *l = &r->limits[i];
		struct rlimit rl;

		if (!l->set)
			continue;
		rl.rlim_cur = l->soft == CONF_LIMIT_INFINITY ? RLIM_INFINITY :
		    (rlim_t)l->soft;
		rl.rlim_max = l->hard == CONF_LIMIT_INFINITY ? RLIM_INFINITY :
		    (rlim_t)l->hard;
		if (setrlimit(conf_limit_resources[i], &rl) == -1) {
			sh->limit = i;
			return fail(sh, "limit");
		}
	}

	if (r->umask >= 0)
		umask((mode_t)r->umask);
	if (r->cwd != NULL && chdir(r->cwd) == -1)
		return fail(sh, "chdir");
	if (r->ngroups >= 0 && setgroups((size_t)r->ngroups, r->groups) == -1)
		return fail(sh, "setgroups");
	if (r->has_gid) {
		if (r->ngroups < 0 && setgroups(1, &r->gid) == -1)
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

/*
 * Reserves the low slots and checks that the kernel can unshare a table
 * partly (Linux 5.9) and give pidfds (5.2). Called once, early, so the
 * slots are among the lowest fds. Without it spawning still works, only
 * with the copy of every fd.
 */
/* Valgrind runs only the clone flags of fork, vfork and threads, and
 * ends the process on any other: under it herdd spawns as vfork does. */
static int
under_valgrind(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, "/vgpreload_") != NULL;
	fclose(f);
	return found;
}

void
spawn_init(void)
{
	unsigned top = 0;
	int i = 0;

	if (under_valgrind()) {
		shared.clone3 = 0; /* valgrind knows no clone3 */
		return;
	}
	shared.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (shared.devnull == -1)
		return;
	if (syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) == -1)
		goto off;
	for (i = 0; i < NSLOTS; i++) {
		shared.slot[i] = fcntl(shared.devnull, F_DUPFD_CLOEXEC, 0);
		if (shared.slot[i] == -1)
			goto off;
		if ((unsigned)shared.slot[i] > top)
			top = (unsigned)shared.slot[i];
	}
	if ((unsigned)shared.devnull > top)
		top = (unsigned)shared.devnull;
	shared.keep = top + 1;
	shared.on = 1;
	shared.pidfd = 1; /* until the kernel says otherwise */
	return;
off:
	while (i-- > 0)
		close(shared.slot[i]);
	close(shared.devnull);
}

/* Puts the request's fds in the slots (or, without slots, uses them as
 * they are); spawn_unslot gives the slots back to /dev/null so herdd
 * holds no pipe end of the child's. */
static int
spawn_slot(const struct spawn_req *r, int *src)
{
	int i, fd;

	for (i = 0; i < NSLOTS; i++) {
		fd = i < 3 ? r->fds[i] : r->extra_fd;
		if (fd >= 0 && shared.on) {
			if (dup3(fd, shared.slot[i], O_CLOEXEC) == -1)
				return -1;
			fd = shared.slot[i];
		}
		src[i] = fd;
	}
	return 0;
}

static void
spawn_unslot(const int *src)
{
	int i;

	for (i = 0; shared.on && i < NSLOTS; i++)
		if (src[i] >= 0)
			dup3(shared.devnull, shared.slot[i], O_CLOEXEC);
}

/* clone3 into the child's cgroup when it can, else clone(); -1 with
 * errno on failure. */
static pid_t
spawn_clone(struct spawn_shared *sh, const struct spawn_req *r, int flags,
    int *fd)
{
#ifdef HAVE_SPAWN_CLONE3
	struct spawn_clone_args a;
	long p;
	int err;

	if (shared.clone3 && r->cgroup_fd >= 0) {
		memset(&a, 0, sizeof a);
		a.flags = (uint64_t)(flags & ~CSIGNAL) | CLONE_INTO_CGROUP;
		a.pidfd = (uint64_t)(uintptr_t)fd;
		a.exit_signal = (uint64_t)(flags & CSIGNAL);
		a.stack = (uint64_t)(uintptr_t)spawn_stack;
		a.stack_size = sizeof spawn_stack;
		a.cgroup = (uint64_t)r->cgroup_fd;
		sh->joined = 1;
		p = spawn_clone3(&a, sizeof a, child_main, sh);
		if (p >= 0)
			return (pid_t)p;
		/* an older kernel (ENOSYS, E2BIG), or one that will not
		 * (EINVAL): if clone() can, clone3 is not tried again; any
		 * other error is this start's */
		err = (int)-p;
		if (err != ENOSYS && err != E2BIG && err != EINVAL) {
			errno = err;
			return -1;
		}
		sh->joined = 0;
		if ((p = clone(child_main, spawn_stack + sizeof spawn_stack,
		    flags, sh, fd)) != -1) {
			shared.clone3 = 0;
			log_debug("clone3: %s; children move into their cgroup "
			    "themselves", strerror(err));
		}
		return (pid_t)p;
	}
#endif
	return clone(child_main, spawn_stack + sizeof spawn_stack, flags, sh,
	    fd);
}

int
spawn_process(const struct spawn_req *r, pid_t *pid, int *pidfd,
    char *cause, size_t len)
{
	struct spawn_shared sh;
	sigset_t all, old;
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD, fd = -1, err;
	const char *what, *arg;
	pid_t p;

	memset(&sh, 0, sizeof sh);
	sh.req = r;
	sh.parent = getpid();
	if (pidfd != NULL)
		*pidfd = -1;
	if (spawn_slot(r, sh.src) == -1) {
		snprintf(cause, len, "dup3: %s", strerror(errno));
		spawn_unslot(sh.src);
		return -1;
	}
	if (shared.on)
		flags |= CLONE_FILES;
	if (shared.on && shared.pidfd && pidfd != NULL)
		flags |= CLONE_PIDFD;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	for (;;) {
		p = spawn_clone(&sh, r, flags, &fd);
		if (p != -1 || !(flags & CLONE_PIDFD))
			break;
		/* No pidfd (out of fds, or an old kernel): the reaper's
		 * sweep finds this one. */
		if (errno == EINVAL)
			shared.pidfd = 0;
		flags &= ~CLONE_PIDFD;
		fd = -1;
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	spawn_unslot(sh.src);
	if (p == -1) {
		snprintf(cause, len, "clone: %s", strerror(err));
		errno = err;
		return -1;
	}
	*pid = p;
	if (sh.step != NULL) {
		/* The child has exited already (CLONE_VFORK): reap it here. */
		while (waitpid(p, NULL, 0) == -1 && errno == EINTR)
			;
		if (fd != -1)
			close(fd);
		*pid = 0;
		what = (const char *)sh.step;
		if (strcmp(what, "limit") == 0) {
			/* the kernel's refusal: a hard limit above herdd's
			 * own without CAP_SYS_RESOURCE, nofile above nr_open */
			snprintf(cause, len, "limits.%s: %s",
			    conf_limit_names[sh.limit], strerror(sh.err));
			errno = sh.err;
			return -1;
		}
		arg = strcmp(what, "exec") == 0 ? r->path :
		    strcmp(what, "chdir") == 0 && r->cwd ? r->cwd :
		    strcmp(what, "cgroup") == 0 ? r->cgroup_procs :
		    strcmp(what, "cgroup_v1") == 0 ? r->cgroup_v1[sh.cgroup_v1] :
		    NULL;
		snprintf(cause, len, "%s%s%s: %s", what, arg ? " " : "",
		    arg ? arg : "", strerror(sh.err));
		errno = sh.err;
		return -1;
	}
	if (pidfd != NULL)
		*pidfd = fd;
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
