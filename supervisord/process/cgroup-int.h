/* Between cgroup.c (a cgroup per child start, cgroup2) and cgroup-ctl.c
 * (the controllers of its "cgroup" limits, cgroup2's or v1's). */
#ifndef HERD_CGROUP_INT_H
#define HERD_CGROUP_INT_H

#include "herdd.h"

enum { CGCTL_MEMORY, CGCTL_PIDS, CGCTL_CPU };

/* One start's cgroups: NAME (PATH@N) in the unified hierarchy and, for
 * the controllers in V1 (1 << CGCTL_*), the same name in theirs. */
struct cgroup_run {
	char *name;
	char *procs;                /* the unified one's cgroup.procs */
	char *v1procs[CGCTL_N];     /* the v1 ones', for the child */
	unsigned v1;                /* v1 cgroups not removed yet */
	int gone;                   /* the unified one is removed */
	int memory;                 /* has a memory limit: OOM kills show */
};

/* cgroup.c */
void cgroup_unescape(char *s);
/* SELF (a cgroup's path) below a mount's ROOT, as a path in the mount;
 * NULL when outside it. */
const char *cgroup_below(const char *root, const char *self);
/* Writes TEXT to FILE below DIRFD; 0, or -1 with errno. */
int cgroup_write_at(int dirfd, const char *file, const char *text);
/* Removes the (empty) cgroups below DIRFD; async-signal-safe. */
void cgroup_rmdirs(int dirfd);

/* cgroup-ctl.c; OWN: herdd's own cgroup2 cgroup, BASE its herd-<hash>,
 * NAME that name, for the v1 hierarchies too. */
void cgctl_start(int own, int base, const char *name);
/* No cgroup2 cgroup per child: no controllers either, for WHY. */
void cgctl_off(const char *why);
/* 0, or -1 with cause naming the limit of LIM whose controller is not
 * there and why. */
int cgctl_missing(const struct conf_cgroup *lim, char *cause, size_t len);
/* The limits of LIM into RUN's cgroups (V2FD: its unified one), making
 * those it needs in v1 hierarchies; 0 or -1 with cause. */
int cgctl_make(struct cgroup_run *run, int v2fd,
    const struct conf_cgroup *lim, char *cause, size_t len);
/* Whether the OOM killer killed a process of RUN (V2BASE: herd-<hash>). */
int cgctl_oom(const struct cgroup_run *run, int v2base);
/* Removes RUN's v1 cgroups that are empty; 0 once none is left. */
int cgctl_remove(struct cgroup_run *run);
/* The v1 herd-<hash> directories (fds and paths), for the guardian; how
 * many. */
int cgctl_fds(int *fds, const char **dirs);
void cgctl_stop(void);

#endif
