/*
 * Admission of every connection herdd's nng listeners accept. nng takes
 * each connection with accept(2) on its poller thread and only tells a
 * pipe callback after the SP handshake, too late for a flood of half-open
 * connections; so herdd defines accept() and accept4() here, and each new
 * connection is counted, per peer (the uid of an ipc peer, the address of
 * a tcp one) and in total, before nng sees it. Past a cap the connection
 * is closed and reported to nng as ECONNABORTED, which nng skips. A
 * connection also never takes one of the fds kept for children and for
 * re-creating a listener, and unprivileged peers leave the last few to
 * root, so an administrator can always get in. Counting is lazy: the
 * table remembers each admitted fd with its inode and is checked against
 * the live fds only when a cap is near (a closed fd, or one reused for
 * another file, no longer matches). The guard (guard.c) is told of every
 * accepted connection from here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "admit.h"
#include "guard.h"
#include "log.h"
#include "util.h"

#define ADMIN_FDS 32     /* only root and herdd's uid may take these */
#define WARN_EVERY_MS 10000

/* One admitted connection: its fd, the socket's inode (to tell a reused
 * fd) and its peer. */
struct entry {
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t peer;
};

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct entry *tab;
static size_t ntab, captab;
static struct admit_limits limits = { ADMIT_TOTAL, ADMIT_PER_PEER, 64 };
static unsigned long refused;  /* since the last warning */
static uint64_t total_accepted, total_refused;
static uint64_t warned_ms;

void
admit_configure(const struct admit_limits *l)
{
	pthread_mutex_lock(&mtx);
	limits = *l;
	pthread_mutex_unlock(&mtx);
}

/*
 * Who is at the other end of FD: for AF_UNIX its uid (and whether it is
 * herdd itself: the guard's probes), for AF_INET/6 its address. Returns
 * 0, or -1 when it cannot be told (then it is refused).
 */
static int
peer_of(int fd, uint64_t *peer, int *privileged, int *self)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct ucred uc;
	socklen_t ulen = sizeof uc;
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	*privileged = *self = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ulen) == -1)
			return -1;
		*peer = (1ULL << 32) | uc.uid;
		*privileged = uc.uid == 0 || uc.uid == geteuid();
		*self = uc.pid == getpid();
		return 0;
	}
	len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		*peer = (2ULL << 32) |
		    ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
		return 0;
	}
	if (ss.ss_family == AF_INET6) {
		const unsigned char *a =
		    ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		for (i = 0; i < 16; i++)
			h = (h ^ a[i]) * 1099511628211ULL;
		*peer = h | (3ULL << 62);
		return 0;
	}
	return -1;
}

/* Drops the entries whose fd no longer is the socket admitted. */
static void
sweep(void)
{
	struct stat st;
	size_t i = 0;

	while (i < ntab) {
		if (fstat(tab[i].fd, &st) == 0 && st.st_ino == tab[i].ino &&
		    st.st_dev == tab[i].dev) {
			i++;
			continue;
		}
		tab[i] = tab[--ntab];
	}
}

static size_t
count_peer(uint64_t peer)
{
	size_t i, n = 0;

	for (i = 0; i < ntab; i++)
		n += tab[i].peer == peer;
	return n;
}

/* The first fd connections may not take: below it stay the fds kept for
 * children and listeners. */
static long
fd_ceiling(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY
	    || rl.rlim_cur > (rlim_t)INT32_MAX)
		return INT32_MAX;
	return (long)rl.rlim_cur - (long)limits.reserve_fds;
}

/* Counts a refusal; returns how many to log now (0: not yet: at most
 * every WARN_EVERY_MS). Called locked; the caller logs after unlocking,
 * so a blocked stderr never holds nng's poller with the lock. */
static unsigned long
note_refused(void)
{
	uint64_t now = mono_ms();
	unsigned long n;

	refused++;
	total_refused++;
	if (warned_ms != 0 && now - warned_ms < WARN_EVERY_MS)
		return 0;
	warned_ms = now;
	n = refused;
	refused = 0;
	return n;
}

static void
log_refused(unsigned long n, const char *why, uint64_t peer)
{
	if (peer >> 32 == 1)
		log_warnx("refused %lu connection%s: %s (last from uid %u)",
		    n, n == 1 ? "" : "s", why, (unsigned)(peer & 0xffffffffu));
	else
		log_warnx("refused %lu connection%s: %s", n, n == 1 ? "" : "s",
		    why);
}

/* Whether connection FD may stay; records it if so. */
static int
admit(int fd)
{
	uint64_t peer = 0;
	unsigned long tolog = 0;
	int privileged, self, ok = 0;
	long ceiling;
	struct stat st;
	const char *why = NULL;

	if (peer_of(fd, &peer, &privileged, &self) == -1)
		return 0;
	if (self)
		return 1; /* the guard's own probe, gone in a second */
	if (fstat(fd, &st) == -1)
		return 0;
	pthread_mutex_lock(&mtx);
	ceiling = fd_ceiling() - (privileged ? 0 : ADMIN_FDS);
	if (ntab >= limits.total || count_peer(peer) >= limits.per_peer)
		sweep();
	if ((long)fd >= ceiling)
		why = "herdd's file descriptors are kept for its children";
	else if (ntab >= limits.total)
		why = "control.max_connections reached";
	else if (count_peer(peer) >= limits.per_peer)
		why = "control.max_connections_per_user reached";
	if (why == NULL) {
		if (ntab == captab) {
			captab = captab ? captab * 2 : 64;
			tab = xreallocarray(tab, captab, sizeof *tab);
		}
		tab[ntab].fd = fd;
		tab[ntab].ino = st.st_ino;
		tab[ntab].dev = st.st_dev;
		tab[ntab].peer = peer;
		ntab++;
		total_accepted++;
		ok = 1;
	} else {
		tolog = note_refused();
	}
	pthread_mutex_unlock(&mtx);
	if (tolog > 0)
		log_refused(tolog, why, peer);
	return ok;
}

size_t
admit_count(uint64_t *accepted, uint64_t *refused_total)
{
	size_t n;

	pthread_mutex_lock(&mtx);
	sweep();
	n = ntab;
	if (accepted != NULL)
		*accepted = total_accepted;
	if (refused_total != NULL)
		*refused_total = total_refused;
	pthread_mutex_unlock(&mtx);
	return n;
}

/*
 * accept(2) and accept4(2) for the whole process: what libc's do, through
 * the system call, then admission. Called from nng's poller thread and,
 * for the HTTP listener (http/), from libevent's on the loop thread (the
 * mutex covers both): an HTTP connection counts against its address's
 * cap like a tls+tcp one, and wakes the guard for a check of nng's
 * listeners it did not need (one eventfd write, and a check on the loop).
 */
int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int rv = (int)syscall(SYS_accept4, fd, addr, len, flags), saved;

	if (rv == -1)
		return -1;
	saved = errno;
	guard_accepted();
	if (!admit(rv)) {
		close(rv);
		errno = ECONNABORTED; /* nng skips it and accepts the next */
		return -1;
	}
	errno = saved;
	return rv;
}
