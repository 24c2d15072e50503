/*
 * The children's pid namespace: nothing herdd started outlives herdd,
 * however herdd ends (kill -9 included), and without herdd's help.
 *
 * At start herdd creates a pid namespace whose init is a small process of
 * its own (herdd-pidns) with SIGKILL as its parent-death signal, and
 * spawns every child into it. When herdd dies, init dies with it, and the
 * kernel kills whatever is left in the namespace: a grandchild that left
 * its child's group (setsid, a double-forking daemon) too. Orphans of the
 * namespace are reparented to init, which reaps them; at a clean exit
 * herdd kills init after its last child, for the same end.
 *
 * herdd itself stays in its own namespace: a thread whose pid namespace
 * for children differs from its own cannot create threads, and nng's are
 * made later. So spawn enters the namespace for its one clone (setns, on
 * the calling thread only) and leaves it at once.
 *
 * Without CAP_SYS_ADMIN there is none (herdd says so at start): children
 * run in herdd's namespace, and a grandchild that left its child's group
 * can outlive herdd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "herdd.h"
#include "log.h"

static struct {
	int on;
	pid_t init;      /* herdd-pidns, as herdd numbers it */
	int init_fd;     /* its pidfd */
	int ns_fd;       /* its namespace */
	int own_fd;      /* herdd's */
	int alive_fd;    /* closes when herdd ends: init_main */
	struct event *ev;
} ns = { 0, 0, -1, -1, -1, -1, NULL };

/* init of the namespace: reaps what is reparented to it until it dies
 * with herdd (or herdd kills it). ALIVE is a pipe whose other end only
 * herdd holds, for its life: closed already (readable) means herdd died
 * before the death signal was set. */
static void __attribute__((noreturn))
init_main(int alive)
{
	struct pollfd p = { alive, POLLIN, 0 };
	struct sigaction dfl;
	sigset_t chld;
	int i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || poll(&p, 1, 0) != 0)
		_exit(1);
	prctl(PR_SET_NAME, "herdd-pidns");
	syscall(SYS_close_range, 0U, ~0U, 0U);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &dfl, NULL);
	/* a blocked SIGCHLD stays pending for sigwaitinfo */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sigwaitinfo(&chld, NULL);
	}
}

int
pidns_start(char *cause, size_t len)
{
	int alive[2];
	long p;

	if (pipe2(alive, O_CLOEXEC) == -1) {
		snprintf(cause, len, "pipe: %s", strerror(errno));
		return -1;
	}
	/* fork's semantics in a new namespace: herdd has no threads yet */
	p = syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD), NULL,
	    NULL, NULL, NULL);
	if (p == 0) {
		close(alive[1]);
		init_main(alive[0]);
	}
	close(alive[0]);
	if (p == -1) {
		snprintf(cause, len, "clone(CLONE_NEWPID): %s", strerror(errno));
		close(alive[1]);
		return -1;
	}
	ns.init = (pid_t)p;
	ns.init_fd = (int)syscall(SYS_pidfd_open, ns.init, 0);
	{
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)ns.init);
		ns.ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	ns.own_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ns.alive_fd = alive[1];
	if (ns.init_fd == -1 || ns.ns_fd == -1 || ns.own_fd == -1) {
		snprintf(cause, len, "cannot hold the namespace: %s",
		    strerror(errno));
		pidns_stop();
		return -1;
	}
	ns.on = 1;
	return 0;
}

int
pidns_on(void)
{
	return ns.on;
}

int
pidns_enter(void)
{
	return ns.on ? setns(ns.ns_fd, CLONE_NEWPID) : 0;
}

void
pidns_leave(void)
{
	/* staying would leave herdd unable to make a thread */
	if (ns.on && setns(ns.own_fd, CLONE_NEWPID) == -1)
		fatal("cannot leave the children's pid namespace");
}

static void
init_died(evutil_socket_t fd, short what, void *arg)
{
	/* the kernel has killed every child with it: nothing to supervise,
	 * and no process can be made in that namespace again */
	fatalx("the children's pid namespace ended: its init (pid %d) "
	    "was killed, and every child with it", (int)ns.init);
}

void
pidns_watch(struct event_base *base)
{
	if (!ns.on)
		return;
	ns.ev = event_new(base, ns.init_fd, EV_READ, init_died, NULL);
	if (ns.ev != NULL)
		event_add(ns.ev, NULL);
}

void
pidns_stop(void)
{
	if (ns.ev != NULL)
		event_free(ns.ev);
	ns.ev = NULL;
	if (ns.init > 0) {
		/* what is left in the namespace dies with its init */
		kill(ns.init, SIGKILL);
		while (waitpid(ns.init, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (ns.init_fd != -1)
		close(ns.init_fd);
	if (ns.ns_fd != -1)
		close(ns.ns_fd);
	if (ns.own_fd != -1)
		close(ns.own_fd);
	if (ns.alive_fd != -1)
		close(ns.alive_fd);
	ns.on = 0;
	ns.init = 0;
	ns.init_fd = ns.ns_fd = ns.own_fd = ns.alive_fd = -1;
}
