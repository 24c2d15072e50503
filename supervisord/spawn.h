/* Process creation (spawn.c): the one door through which herdd forks. */
#ifndef HERDD_SPAWN_H
#define HERDD_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct spawn_req {
	const char *path;      /* resolved executable */
	char *const *argv;
	char *const *envp;
	const char *cwd;       /* NULL: inherit */
	int has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	int umask;             /* -1: inherit */
	long nofile;           /* RLIMIT_NOFILE soft limit to set, -1 keep */
	int fds[3];            /* become 0, 1, 2; -1 means /dev/null */
	int extra_fd;          /* -1, or an fd to place at extra_target */
	int extra_target;
};

/*
 * Starts a process for r in its own process group, with SIGKILL as its
 * parent-death signal. Returns 0 with *pid set. Returns -1 with cause
 * filled when a step before exec (or exec itself) failed; that process
 * has been reaped already.
 */
int spawn_process(const struct spawn_req *r, pid_t *pid, char *cause,
    size_t len);

/* Finds FILE in PATH_ENV (execvp's rules); 0 with out filled, or -1. */
int spawn_resolve(const char *file, const char *path_env, char *out,
    size_t len);

#endif
