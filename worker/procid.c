/*
 * Pids as herdd numbers them. herdd may run its children in a pid
 * namespace of its own (docs/semantics.md): there getpid() and a peer's
 * socket credentials give the namespace's numbers, herdd is outside it
 * (getppid() is 0) and so is any process that is not herdd's, which shows
 * as pid 0. /proc is the host's mount and numbers processes as herdd and
 * its clients do: these read it, and fall back to the plain calls.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "herdi.h"

/* Field 1 (pid) and field 4 (ppid) of /proc/self/stat; 0 or -1. */
static int
self_stat(pid_t *pid, pid_t *ppid)
{
	char buf[512], *p;
	long a, b;
	FILE *f = fopen("/proc/self/stat", "re");
	int ok = 0;

	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof buf, f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && sscanf(buf, "%ld", &a) == 1 &&
	    sscanf(p + 2, "%*c %ld", &b) == 1)
		ok = 1;
	fclose(f);
	if (!ok)
		return -1;
	*pid = (pid_t)a;
	*ppid = (pid_t)b;
	return 0;
}

pid_t
herdi_self_pid(void)
{
	pid_t pid, ppid;

	return self_stat(&pid, &ppid) == 0 ? pid : getpid();
}

pid_t
herdi_parent_pid(void)
{
	pid_t pid, ppid;

	return self_stat(&pid, &ppid) == 0 ? ppid : getppid();
}

pid_t
herdi_outside_pid(pid_t local)
{
	char path[64], line[128];
	long v = -1;
	int fd;
	FILE *f;

	if (local <= 0)
		return -1;
	if (getppid() != 0)
		return local; /* herdd's namespace: one numbering */
	/* a pidfd's fdinfo gives its pid as the /proc mount numbers it */
	if ((fd = (int)syscall(SYS_pidfd_open, local, 0)) == -1)
		return -1;
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "Pid: %ld", &v) == 1)
				break;
		fclose(f);
	}
	close(fd);
	return v > 0 ? (pid_t)v : -1;
}

uid_t
herdi_parent_uid(void)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof path, "/proc/%d", (int)herdi_parent_pid());
	return stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}
