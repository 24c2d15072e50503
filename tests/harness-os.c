/*
 * The harness's helpers that touch the operating system directly and
 * need no test state: raw connections to herdd's sockets (speaking the
 * SP header by hand), pidfds, and counts read from /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

int
ht_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
ht_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

void
ht_connect_close(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd != -1);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof sa.sun_path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
		fail_msg("connect %s: %s", path, strerror(errno));
	close(fd);
}

int
ht_sp_connect(const char *path)
{
	return ht_sp_connect_as(path, 0x30);
}

int
ht_sp_connect_as(const char *path, unsigned proto)
{
	const unsigned char sp[8] = { 0, 'S', 'P', 0, (unsigned char)(proto >>
	    8), (unsigned char)(proto & 0xff), 0, 0 };
	struct sockaddr_un sa;
	int fd;

	/* no cmocka assertion: a forked helper calls this too */
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    send(fd, sp, sizeof sp, MSG_NOSIGNAL) != (ssize_t)sizeof sp) {
		close(fd);
		return -1;
	}
	return fd;
}

long
ht_proc_status(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long v = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strncmp(line, field, n) == 0 && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld", &v) == 1;
	fclose(f);
	if (!found)
		fail_msg("%s has no %s", path, field);
	return v;
}

int
ht_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}
