/*
 * Readiness listeners for children. ready:"notify" gives each child its own
 * datagram socket (NOTIFY_SOCKET), so a READY=1 from the child or any of its
 * descendants counts, as systemd's NotifyAccess=all; fds passed along with a
 * message are closed at once (systemd-notify's BARRIER=1 waits for that).
 * Only the child's own processes are heard: the kernel tells each
 * datagram's sender (SO_PASSCRED), which must be in the child's session or
 * process group, and run as the child's user or root (any user, for a
 * root child whose helpers drop privileges); the socket's name is random,
 * and a socket file belongs to the child's user, mode 0600 (0666 for a
 * root child), in run_dir/notify (0711), so a child of another user can
 * use it. It is bound through run_dir/notify's fd, never by a path that
 * could have changed since start.
 * ready:"fd" is s6's notification fd: a pipe whose write end the child gets
 * at a fixed fd number; a newline on it means ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "ready.h"
#include "util.h"

struct ready {
	struct event *ev;
	int fd;
	int kind;          /* CONF_READY_NOTIFY or CONF_READY_FD */
	char *path;        /* notify socket path to unlink, NULL if abstract */
	ready_cb cb;
	void *arg;
	int done;
	pid_t pid;         /* the child: its session's and group's leader; 0
	                      until spawned (nothing is heard before) */
	uid_t uid;         /* the child's user */
	int warned;        /* a foreign sender was logged */
};

/* Closes every fd that came with a message. */
static void
close_passed_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int *fds = (int *)CMSG_DATA(cm);
			size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
			for (i = 0; i < n; i++)
				close(fds[i]);
		}
	}
}

/* Whether a notify datagram holds the line LINE. */
static int
has_line(const char *buf, size_t len, const char *line)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t n = strlen(line);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) == n && memcmp(p, line, n) == 0)
			return 1;
		p = nl + 1;
	}
	return 0;
}

/* The sender's credentials of a datagram; 0 if it came without. */
static int
sender(struct msghdr *mh, struct ucred *uc)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof *uc)) {
			memcpy(uc, CMSG_DATA(cm), sizeof *uc);
			return 1;
		}
	return 0;
}

/* Whether the sender is one of r's child's processes: its user (or root)
 * and in its session or process group (the child leads both). */
static int
sender_ok(struct ready *r, struct msghdr *mh)
{
	struct ucred uc;
	pid_t sid, pgid;

	if (r->pid <= 0 || !sender(mh, &uc))
		return 0;
	if (r->uid != 0 && uc.uid != r->uid && uc.uid != 0)
		goto refuse;
	sid = getsid(uc.pid);
	pgid = getpgid(uc.pid);
	if (sid == r->pid || pgid == r->pid)
		return 1;
refuse:
	if (!r->warned)
		log_warnx("notify socket of pid %d: ignored a message from "
		    "pid %d, uid %u: not one of the child's processes",
		    (int)r->pid, (int)uc.pid, (unsigned)uc.uid);
	r->warned = 1;
	return 0;
}

static void
notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ready *r = arg;
	char buf[4096];
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253) +
		    CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr mh;
	ssize_t n;

	for (;;) {
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		close_passed_fds(&mh);
		if (!sender_ok(r, &mh))
			continue;
		/* each callback may free r: return after it */
		if (has_line(buf, (size_t)n, "WATCHDOG=trigger")) {
			r->cb(r->arg, READY_TRIGGER);
			return;
		}
		if (!r->done && has_line(buf, (size_t)n, "READY=1")) {
			r->done = 1;
			r->cb(r->arg, READY_READY);
			return;
		}
		if (has_line(buf, (size_t)n, "WATCHDOG=1")) {
			r->cb(r->arg, READY_WATCHDOG);
			return;
		}
	}
}

static void
fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ready *r = arg;
	char buf[512];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (memchr(buf, '\n', (size_t)n) != NULL && !r->done) {
				r->done = 1;
				r->cb(r->arg, READY_READY);
				return;
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0) /* closed without a newline: not ready, stop watching */
			event_del(r->ev);
		return;
	}
}

struct ready *
ready_notify_create(struct event_base *base, const char *dir,
    const char *bind_dir, int dirfd, int abstract, uid_t uid, gid_t gid,
    ready_cb cb, void *arg, char **env_out, char *cause, size_t len)
{
	char shown[sizeof ((struct sockaddr_un *)0)->sun_path + 4200];
	struct sockaddr_un sa;
	unsigned char rnd[16];
	char name[40];
	struct ready *r;
	socklen_t salen;
	size_t n, i;
	int fd, one = 1;
	/* a root child's helpers may drop privileges: its socket is open
	 * to them, the session check still holds (sender_ok) */
	mode_t mode = uid == 0 ? 0666 : 0600;

	/* unpredictable: abstract names are listed in /proc/net/unix */
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(cause, len, "notify socket name: getrandom: %s",
		    strerror(errno));
		return NULL;
	}
	for (i = 0; i < sizeof rnd; i++)
		snprintf(name + 2 * i, 3, "%02x", rnd[i]);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (abstract)
		n = (size_t)snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1,
		    "herd/%d/%s", (int)getpid(), name) + 1;
	else
		n = (size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s",
		    bind_dir, name);
	/* the child connects by the real path: it must fit too */
	if (!abstract && (size_t)snprintf(shown, sizeof shown, "%s/%s", dir,
	    name) >= sizeof sa.sun_path)
		n = sizeof sa.sun_path;
	if (n >= sizeof sa.sun_path) {
		snprintf(cause, len, "notify socket path too long: %s/%s", dir,
		    name);
		return NULL;
	}
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (abstract ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(cause, len, "notify socket: %s", strerror(errno));
		return NULL;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, salen) == -1 ||
	    (!abstract && (fchownat(dirfd, name, uid, gid,
	    AT_SYMLINK_NOFOLLOW) == -1 || fchmodat(dirfd, name, mode, 0) ==
	    -1))) {
		snprintf(cause, len, "notify socket %s%s: %s",
		    abstract ? "@" : "", sa.sun_path + (abstract ? 1 : 0),
		    strerror(errno));
		if (!abstract)
			unlink(sa.sun_path);
		close(fd);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->kind = 1;
	r->cb = cb;
	r->arg = arg;
	r->uid = uid;
	if (!abstract)
		r->path = xstrdup(sa.sun_path);
	r->ev = event_new(base, fd, EV_READ | EV_PERSIST, notify_cb, r);
	event_add(r->ev, NULL);
	*env_out = abstract ? xprintf("NOTIFY_SOCKET=@%s", sa.sun_path + 1) :
	    xprintf("NOTIFY_SOCKET=%s", shown);
	return r;
}

void
ready_set_pid(struct ready *r, pid_t pid)
{
	if (r != NULL)
		r->pid = pid;
}

struct ready *
ready_fd_create(struct event_base *base, ready_cb cb, void *arg,
    int *child_fd, char *cause, size_t len)
{
	struct ready *r;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(cause, len, "readiness pipe: %s", strerror(errno));
		return NULL;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	r = xcalloc(1, sizeof *r);
	r->fd = fds[0];
	r->kind = 2;
	r->cb = cb;
	r->arg = arg;
	r->ev = event_new(base, fds[0], EV_READ | EV_PERSIST, fd_cb, r);
	event_add(r->ev, NULL);
	*child_fd = fds[1];
	return r;
}

void
ready_destroy(struct ready *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	close(r->fd);
	if (r->path != NULL) {
		unlink(r->path);
		free(r->path);
	}
	free(r);
}
