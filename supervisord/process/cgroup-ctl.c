/*
 * The controllers behind a child's "cgroup" limits: memory, pids and cpu,
 * found where the machine has them. On cgroup2 they are files of the
 * child's own cgroup (cgroup.c's PATH@N), once enabled down to it; where
 * a controller is bound to a cgroup v1 hierarchy instead (these machines:
 * the unified hierarchy has none), the child also gets a cgroup of the
 * same name in that hierarchy, under herdd's own there, and joins it
 * before exec as it joins the unified one. Killing stays cgroup2's
 * (cgroup.kill); a v1 cgroup is only removed once its processes are gone.
 *
 * Only what a child asks for is made: a child without "cgroup" costs
 * nothing here. A config that asks for a controller the machine lacks is
 * refused at load and reload (cgroup_fits), with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "herdd.h"
#include "log.h"
#include "util.h"
#include "cgroup-int.h"

static const char *const ctl_names[CGCTL_N] = { "memory", "pids", "cpu" };

static struct {
	int v2[CGCTL_N];       /* enabled down to the children's cgroups */
	int v1fd[CGCTL_N];     /* herd-<hash> in that v1 hierarchy, or -1 */
	char *v1dir[CGCTL_N];
	char why[CGCTL_N][256]; /* why a controller is not there */
} ctl = { .v1fd = { -1, -1, -1 } };

/* Whether the space-separated LIST (a file's text) holds WORD. */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n' ||
		    p[n] == ','))
			return 1;
	return 0;
}

static int
read_at(int dirfd, const char *file, char *buf, size_t len)
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * cgroup2 gives controllers only to cgroups without processes of their
 * own (but the root). herdd alone in its cgroup (a systemd unit with
 * Delegate=yes) moves into a leaf of it, "herdd", as systemd's docs ask of
 * a delegated service; herdd with company (a login shell's cgroup) cannot.
 */
static int
move_to_leaf(int own, char *why, size_t len)
{
	char buf[256], self[24];
	int leaf;

	if (read_at(own, "cgroup.procs", buf, sizeof buf) == -1)
		return -1;
	snprintf(self, sizeof self, "%d\n", (int)getpid());
	if (strcmp(buf, self) != 0) {
		snprintf(why, len, "cgroup2 enables it only in a cgroup "
		    "without processes, and herdd's own cgroup holds others "
		    "(run herdd in a cgroup of its own: a systemd unit with "
		    "Delegate=yes)");
		return -1;
	}
	if (mkdirat(own, "herdd", 0755) == -1 && errno != EEXIST)
		return -1;
	if ((leaf = openat(own, "herdd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	snprintf(self, sizeof self, "%d", (int)getpid());
	if (cgroup_write_at(leaf, "cgroup.procs", self) == -1) {
		close(leaf);
		return -1;
	}
	close(leaf);
	log_info("moved into the leaf cgroup \"herdd\" of its own, so that "
	    "its children's cgroups may have controllers");
	return 0;
}

/* Enables controller I on cgroup2 from herdd's cgroup (OWN) down to the
 * children's parent (BASE), if cgroup2 has it; 0 or -1 with ctl.why. */
static int
enable_v2(int own, int base, int i)
{
	char buf[512], plus[16];

	if (read_at(base, "cgroup.controllers", buf, sizeof buf) == 0 &&
	    has_word(buf, ctl_names[i]))
		goto base;
	if (read_at(own, "cgroup.controllers", buf, sizeof buf) == -1 ||
	    !has_word(buf, ctl_names[i])) {
		snprintf(ctl.why[i], sizeof ctl.why[i], "no cgroup v1 %s "
		    "hierarchy is mounted, and herdd's cgroup2 cgroup has no %s "
		    "controller (its parent does not delegate it)",
		    ctl_names[i], ctl_names[i]);
		return -1;
	}
	snprintf(plus, sizeof plus, "+%s", ctl_names[i]);
	if (cgroup_write_at(own, "cgroup.subtree_control", plus) == -1 &&
	    (errno != EBUSY || move_to_leaf(own, ctl.why[i],
	    sizeof ctl.why[i]) == -1 ||
	    cgroup_write_at(own, "cgroup.subtree_control", plus) == -1)) {
		if (ctl.why[i][0] == '\0')
			snprintf(ctl.why[i], sizeof ctl.why[i], "cannot enable "
			    "cgroup2's %s controller in herdd's cgroup: %s",
			    ctl_names[i], strerror(errno));
		return -1;
	}
base:
	snprintf(plus, sizeof plus, "+%s", ctl_names[i]);
	if (cgroup_write_at(base, "cgroup.subtree_control", plus) == -1) {
		snprintf(ctl.why[i], sizeof ctl.why[i], "cannot enable "
		    "cgroup2's %s controller for the children's cgroups: %s",
		    ctl_names[i], strerror(errno));
		return -1;
	}
	return 0;
}

/* herdd's cgroup in the v1 hierarchy of controller I, from mountinfo and
 * /proc/self/cgroup; NULL with ctl.why when there is none. */
static char *
v1_own(int i)
{
	char line[4096], root[4096] = "", mnt[4096] = "", self[4096] = "";
	char *sep, *opts, *list;
	const char *rel;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			/* ... - cgroup SOURCE SUPER_OPTIONS */
			if ((sep = strstr(line, " - ")) == NULL ||
			    strncmp(sep + 3, "cgroup ", 7) != 0 ||
			    (opts = strrchr(sep, ' ')) == NULL ||
			    !has_word(opts + 1, ctl_names[i]))
				continue;
			if (sscanf(line, "%*s %*s %*s %4095s %4095s", root,
			    mnt) == 2)
				break;
			root[0] = mnt[0] = '\0';
		}
		fclose(f);
	}
	if (mnt[0] == '\0')
		return NULL;
	cgroup_unescape(root);
	cgroup_unescape(mnt);
	if ((f = fopen("/proc/self/cgroup", "re")) != NULL) {
		/* ID:CONTROLLERS:PATH */
		while (fgets(line, sizeof line, f) != NULL) {
			if ((list = strchr(line, ':')) == NULL ||
			    (sep = strchr(list + 1, ':')) == NULL)
				continue;
			*sep = '\0';
			if (!has_word(list + 1, ctl_names[i]))
				continue;
			sep[1 + strcspn(sep + 1, "\n")] = '\0';
			snprintf(self, sizeof self, "%s", sep + 1);
			break;
		}
		fclose(f);
	}
	if ((rel = cgroup_below(root, self)) == NULL) {
		snprintf(ctl.why[i], sizeof ctl.why[i], "herdd's cgroup in "
		    "the v1 %s hierarchy at %.200s cannot be found", ctl_names[i],
		    mnt);
		return NULL;
	}
	return xprintf("%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
}

/* Makes herd-<hash> in the v1 hierarchy of controller I and removes the
 * (empty: the unified kill came first) cgroups a previous herdd left. */
static int
start_v1(int i, const char *name)
{
	char *own = v1_own(i);
	int fd;

	if (own == NULL)
		return -1;
	ctl.v1dir[i] = xprintf("%s/%s", own, name);
	free(own);
	if (mkdir(ctl.v1dir[i], 0755) == -1 && errno != EEXIST) {
		snprintf(ctl.why[i], sizeof ctl.why[i], "cannot make %s: %s",
		    ctl.v1dir[i], strerror(errno));
		return -1;
	}
	if ((fd = open(ctl.v1dir[i], O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		snprintf(ctl.why[i], sizeof ctl.why[i], "%s: %s",
		    ctl.v1dir[i], strerror(errno));
		return -1;
	}
	cgroup_rmdirs(fd);
	ctl.v1fd[i] = fd;
	return 0;
}

void
cgctl_start(int own, int base, const char *name)
{
	int i;

	for (i = 0; i < CGCTL_N; i++) {
		ctl.why[i][0] = '\0';
		/* a controller is in one hierarchy: v1's if mounted there */
		if (start_v1(i, name) == 0)
			continue;
		if (ctl.why[i][0] == '\0' && enable_v2(own, base, i) == 0)
			ctl.v2[i] = 1;
		else if (ctl.v1dir[i] != NULL) {
			free(ctl.v1dir[i]);
			ctl.v1dir[i] = NULL;
		}
	}
}

void
cgctl_off(const char *why)
{
	int i;

	for (i = 0; i < CGCTL_N; i++)
		snprintf(ctl.why[i], sizeof ctl.why[i], "herdd has no cgroup "
		    "for each child (%s)", why);
}

/* The controllers limits LIM needs, as a mask of 1 << CGCTL_*. */
static unsigned
needs(const struct conf_cgroup *lim)
{
	return (lim->memory_max ? 1U << CGCTL_MEMORY : 0) |
	    (lim->pids_max ? 1U << CGCTL_PIDS : 0) |
	    (lim->cpu_weight || lim->cpu_max_us ? 1U << CGCTL_CPU : 0);
}

int
cgctl_missing(const struct conf_cgroup *lim, char *cause, size_t len)
{
	static const char *const keys[CGCTL_N] = { "memory_max", "pids_max",
	    "cpu_weight/cpu_max" };
	unsigned want = needs(lim);
	int i;

	for (i = 0; i < CGCTL_N; i++)
		if ((want & (1U << i)) && !ctl.v2[i] && ctl.v1fd[i] == -1) {
			snprintf(cause, len, "cgroup.%s needs the %s "
			    "controller, which herdd cannot use here: %s",
			    keys[i], ctl_names[i], ctl.why[i]);
			return -1;
		}
	return 0;
}

/* Values as each version spells them. */
static void
amount(uint64_t v, const char *none, char *buf, size_t len)
{
	if (v == CONF_LIMIT_INFINITY)
		snprintf(buf, len, "%s", none);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* The limits of controller I into the cgroup DIRFD (v1: V1 set); 0 or
 * -1 with errno and *file the file refused. */
static int
write_limits(int dirfd, int i, int v1, const struct conf_cgroup *lim,
    const char **file)
{
	char buf[64];

	switch (i) {
	case CGCTL_MEMORY:
		amount(lim->memory_max, v1 ? "-1" : "max", buf, sizeof buf);
		*file = v1 ? "memory.limit_in_bytes" : "memory.max";
		return cgroup_write_at(dirfd, *file, buf);
	case CGCTL_PIDS:
		amount(lim->pids_max, "max", buf, sizeof buf);
		*file = "pids.max";
		return cgroup_write_at(dirfd, *file, buf);
	}
	if (lim->cpu_weight) {
		/* systemd's mapping: weight 100 is 1024 shares */
		snprintf(buf, sizeof buf, "%u", v1 ? (lim->cpu_weight * 1024 +
		    50) / 100 : lim->cpu_weight);
		*file = v1 ? "cpu.shares" : "cpu.weight";
		if (cgroup_write_at(dirfd, *file, buf) == -1)
			return -1;
	}
	if (!lim->cpu_max_us)
		return 0;
	if (v1) {
		snprintf(buf, sizeof buf, "%d", CONF_CPU_PERIOD_US);
		*file = "cpu.cfs_period_us";
		if (cgroup_write_at(dirfd, *file, buf) == -1)
			return -1;
		amount(lim->cpu_max_us, "-1", buf, sizeof buf);
		*file = "cpu.cfs_quota_us";
		return cgroup_write_at(dirfd, *file, buf);
	}
	amount(lim->cpu_max_us, "max", buf, sizeof buf);
	snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %d",
	    CONF_CPU_PERIOD_US);
	*file = "cpu.max";
	return cgroup_write_at(dirfd, *file, buf);
}

int
cgctl_make(struct cgroup_run *run, int v2fd, const struct conf_cgroup *lim,
    char *cause, size_t len)
{
	unsigned want = needs(lim);
	const char *file = "";
	int i, fd, v1;

	for (i = 0; i < CGCTL_N; i++) {
		if (!(want & (1U << i)))
			continue;
		if ((v1 = ctl.v1fd[i] != -1)) {
			if (mkdirat(ctl.v1fd[i], run->name, 0755) == -1) {
				snprintf(cause, len, "cgroup %s/%s: %s",
				    ctl.v1dir[i], run->name, strerror(errno));
				return -1;
			}
			run->v1 |= 1U << i;
			run->v1procs[i] = xprintf("%s/%s/cgroup.procs",
			    ctl.v1dir[i], run->name);
			fd = openat(ctl.v1fd[i], run->name, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC);
		} else {
			fd = v2fd;
		}
		if (fd == -1 || write_limits(fd, i, v1, lim, &file) == -1) {
			snprintf(cause, len, "cgroup %s/%s/%s: %s", v1 ?
			    ctl.v1dir[i] : cgroup_dir(), run->name, file,
			    strerror(errno));
			if (v1 && fd != -1)
				close(fd);
			return -1;
		}
		if (v1)
			close(fd);
	}
	run->memory = (want & (1U << CGCTL_MEMORY)) != 0;
	return 0;
}

int
cgctl_oom(const struct cgroup_run *run, int v2base)
{
	char buf[1024], path[300];
	const char *p;
	int v1 = (run->v1 & (1U << CGCTL_MEMORY)) != 0;

	if (!run->memory)
		return 0;
	/* v1: memory.oom_control's line, v2: memory.events' (every OOM
	 * kill in the cgroup, the memory_max one's and the kernel's) */
	snprintf(path, sizeof path, "%s/%s", run->name, v1 ?
	    "memory.oom_control" : "memory.events");
	if (read_at(v1 ? ctl.v1fd[CGCTL_MEMORY] : v2base, path, buf,
	    sizeof buf) == -1 || (p = strstr(buf, "oom_kill ")) == NULL)
		return 0;
	return atoi(p + 9) > 0;
}

int
cgctl_remove(struct cgroup_run *run)
{
	int i;

	for (i = 0; i < CGCTL_N; i++)
		if ((run->v1 & (1U << i)) && (unlinkat(ctl.v1fd[i], run->name,
		    AT_REMOVEDIR) == 0 || errno != EBUSY))
			run->v1 &= ~(1U << i);
	return run->v1 == 0 ? 0 : -1;
}

int
cgctl_fds(int *fds, const char **dirs)
{
	int i, n = 0;

	for (i = 0; i < CGCTL_N; i++)
		if (ctl.v1fd[i] != -1) {
			dirs[n] = ctl.v1dir[i];
			fds[n++] = ctl.v1fd[i];
		}
	return n;
}

void
cgctl_stop(void)
{
	int i;

	for (i = 0; i < CGCTL_N; i++) {
		if (ctl.v1fd[i] != -1) {
			cgroup_rmdirs(ctl.v1fd[i]);
			close(ctl.v1fd[i]);
			if (rmdir(ctl.v1dir[i]) == -1 && errno != ENOENT)
				log_debug("cgroup %s stays: %s", ctl.v1dir[i],
				    strerror(errno));
		}
		ctl.v1fd[i] = -1;
		free(ctl.v1dir[i]);
		ctl.v1dir[i] = NULL;
		ctl.v2[i] = 0;
	}
}
