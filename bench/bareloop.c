/*
 * The baseline: the least a respawner can do. N children of PROG; SIGCHLD
 * through a signalfd, waitpid, fork + exec again; nothing else (no logs, no
 * state, no control socket). With -a, one_for_all: a death SIGKILLs the
 * others, reaps them all and starts all N again.
 *
 * usage: bareloop [-a] N PROG [ARGS...]
 * SIGTERM or SIGINT: kill every child, reap them, exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t *kids;
static int n;

static pid_t
spawn(char **argv, const sigset_t *old)
{
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, old, NULL);
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

static int
slot_of(pid_t p)
{
	int i;

	for (i = 0; i < n; i++)
		if (kids[i] == p)
			return i;
	return -1;
}

int
main(int argc, char **argv)
{
	sigset_t mask, old;
	struct signalfd_siginfo si;
	int fd, i, all = 0, opt;

	while ((opt = getopt(argc, argv, "+a")) != -1) {
		if (opt == 'a')
			all = 1;
		else
			return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: bareloop [-a] N PROG [ARGS...]\n");
		return 2;
	}
	n = atoi(argv[optind]);
	argv += optind + 1;
	kids = calloc((size_t)n, sizeof *kids);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (fd == -1) {
		perror("signalfd");
		return 1;
	}
	for (i = 0; i < n; i++)
		kids[i] = spawn(argv, &old);
	for (;;) {
		pid_t p;
		int st;

		if (read(fd, &si, sizeof si) != sizeof si) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			for (i = 0; i < n; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGKILL);
			while (wait(NULL) > 0 || errno == EINTR)
				;
			return 0;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			int k = slot_of(p);
			if (k < 0)
				continue;
			kids[k] = 0;
			if (!all) {
				kids[k] = spawn(argv, &old);
				continue;
			}
			for (i = 0; i < n; i++)
				if (kids[i] > 0)
					kill(kids[i], SIGKILL);
			for (i = 0; i < n; i++)
				if (kids[i] > 0) {
					while (waitpid(kids[i], NULL, 0) == -1 &&
					    errno == EINTR)
						;
					kids[i] = 0;
				}
			for (i = 0; i < n; i++)
				kids[i] = spawn(argv, &old);
		}
	}
}
