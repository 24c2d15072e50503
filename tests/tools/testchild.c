/* testchild: a child process with scripted behaviour for herd's integration
 * tests (see usage() for the modes). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
usage(void)
{
	fprintf(stderr,
	    "usage: testchild MODE [ARGS]\n"
	    "  sleep                      pause forever\n"
	    "  exit N                     exit N at once\n"
	    "  exit-after MS N            exit N after MS ms\n"
	    "  exit-if-absent FILE N      FILE absent: create it, exit N; "
	    "else pause\n"
	    "  ignore-term                ignore SIGTERM, pause\n"
	    "  grandchild FILE            fork a grandchild ignoring SIGTERM,"
	    " its pid to FILE\n"
	    "  notify [MS [STAMP]]        READY=1 after MS ms (stamp before)\n"
	    "  notify-from-grandchild     a forked grandchild sends READY=1\n"
	    "  notify-once FILE           READY=1 only if FILE was absent\n"
	    "  watchdog N FILE            READY=1, then WATCHDOG=1 every "
	    "WATCHDOG_USEC/4;\n"
	    "                             FILE absent: create it, stop after "
	    "N pings\n"
	    "  fd N [MS]                  write a newline to fd N after MS ms\n"
	    "  never-ready                pause, never ready\n"
	    "  print-crash N [FILE]       N lines to stdout and stderr, abort "
	    "(pause if FILE exists)\n"
	    "  flood                      lines to stdout as fast as it can, "
	    "through a 1 MiB pipe\n"
	    "  print-lines N              N lines \"line %%05d\" to stdout "
	    "(4 KiB pipe), pause\n"
	    "  eat MIB                    touch MIB MiB of memory, pause\n"
	    "  forks N FILE               fork N pausing children, how many "
	    "forked to FILE, pause\n"
	    "  pidfile FILE               own pid to FILE, pause\n"
	    "  stamp FILE                 append \"pid mono_ns\" to FILE, "
	    "pause\n"
	    "  argv FILE [ARG...]         the ARGs to FILE, one a line, "
	    "pause\n"
	    "  fds FILE                   its open fds to FILE (\"0 1 2\"), "
	    "pause\n"
	    "  ids FILE                   uid, gid, groups, pid, pgid, sid, "
	    "whether\n"
	    "                             /dev/tty opens, and the environment "
	    "to FILE, pause\n"
	    "Environment: TC_READY_FD=N writes a newline to fd N once set "
	    "up;\nTC_ENV_FILE=F writes $NOTIFY_SOCKET to F at start.\n");
	exit(2);
}

static long
num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		usage();
	return v;
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

/* Writes s to path whole: to path.tmp, then renamed. */
static void
write_file(const char *path, const char *s)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		perror(tmp);
		exit(111);
	}
	write_all(fd, s, strlen(s));
	close(fd);
	if (rename(tmp, path) == -1) {
		perror(path);
		exit(111);
	}
}

static void
write_pid(const char *path, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%d\n", (int)pid);
	write_file(path, buf);
}

static void
stamp(const char *path)
{
	char buf[64];
	int fd, n;

	n = snprintf(buf, sizeof buf, "%d %llu\n", (int)getpid(),
	    (unsigned long long)mono_ns());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1) {
		perror(path);
		exit(111);
	}
	write_all(fd, buf, (size_t)n);
	close(fd);
}

/* Writes the words of args (NULL-terminated) to path, one a line. */
static void
write_args(const char *path, char **args)
{
	size_t len = 1;
	char **a, *buf;

	for (a = args; *a != NULL; a++)
		len += strlen(*a) + 1;
	buf = malloc(len);
	if (buf == NULL)
		exit(111);
	buf[0] = '\0';
	for (a = args; *a != NULL; a++) {
		strcat(buf, *a);
		strcat(buf, "\n");
	}
	write_file(path, buf);
	free(buf);
}

/* Writes the numbers of this process's open fds, ascending, to path. */
static void
write_fds(const char *path)
{
	char buf[4096] = "", num[16];
	int fd, open_fds[256], n = 0, i, j, t;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	if (d == NULL) {
		perror("/proc/self/fd");
		exit(111);
	}
	fd = dirfd(d);
	while ((e = readdir(d)) != NULL && n < 256)
		if (e->d_name[0] != '.' && atoi(e->d_name) != fd)
			open_fds[n++] = atoi(e->d_name);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && open_fds[j - 1] > open_fds[j]; j--) {
			t = open_fds[j];
			open_fds[j] = open_fds[j - 1];
			open_fds[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof num, i ? " %d" : "%d", open_fds[i]);
		strcat(buf, num);
	}
	strcat(buf, "\n");
	write_file(path, buf);
}

extern char **environ;

/* Writes who this process is to path: credentials, process group and
 * session, whether it has a controlling terminal, its environment. */
static void
write_ids(const char *path)
{
	gid_t groups[256];
	char *buf;
	size_t cap = 65536, n = 0;
	int ng, i, tty;
	char **e;

	if ((buf = malloc(cap)) == NULL)
		exit(111);
	ng = getgroups(256, groups);
	n += (size_t)snprintf(buf + n, cap - n, "uid %d\ngid %d\ngroups",
	    (int)getuid(), (int)getgid());
	for (i = 0; i < ng && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, " %d", (int)groups[i]);
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	n += (size_t)snprintf(buf + n, cap - n, "\npid %d\npgid %d\nsid %d\n"
	    "tty %s\n", (int)getpid(), (int)getpgid(0), (int)getsid(0),
	    tty >= 0 ? "open" : strerror(errno));
	if (tty >= 0)
		close(tty);
	for (e = environ; *e != NULL && n < cap; e++)
		n += (size_t)snprintf(buf + n, cap - n, "env %s\n", *e);
	if (n >= cap)
		exit(111);
	write_file(path, buf);
	free(buf);
}

/* Creates path; returns 1 if it was absent. */
static int
create_once(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

static void notify_text(const char *text);

static void
notify_ready(void)
{
	notify_text("READY=1\n");
}

/* $NOTIFY_SOCKET's address ('@' is the abstract namespace) into *sa;
 * returns its length (exits 111 without one). */
static socklen_t
notify_addr(struct sockaddr_un *sa)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	size_t n;

	if (sock == NULL || sock[0] == '\0') {
		fprintf(stderr, "testchild: no NOTIFY_SOCKET\n");
		exit(111);
	}
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	n = strlen(sock);
	if (n >= sizeof sa->sun_path)
		exit(111);
	memcpy(sa->sun_path, sock, n);
	if (sock[0] == '@')
		sa->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (sock[0] == '@' ? 0 : 1));
}

/* Sends TEXT to $NOTIFY_SOCKET (exits 111 if it cannot). */
static void
notify_text(const char *text)
{
	struct sockaddr_un sa;
	socklen_t len = notify_addr(&sa);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd == -1 || sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sa,
	    len) == -1) {
		perror("testchild: notify");
		exit(111);
	}
	close(fd);
}

/* Sends BARRIER=1 with a pipe's write end to $NOTIFY_SOCKET and waits
 * until the receiver has closed it: it has read everything sent before. */
static void
notify_barrier(void)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_un sa;
	struct iovec iov = { "BARRIER=1\n", 10 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int p[2], fd;
	char c;

	if (pipe(p) == -1)
		exit(111);
	memset(&mh, 0, sizeof mh);
	mh.msg_namelen = notify_addr(&sa);
	mh.msg_name = &sa;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof cbuf.buf;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || sendmsg(fd, &mh, 0) == -1)
		exit(111);
	close(fd);
	close(p[1]);
	while (read(p[0], &c, 1) == -1 && errno == EINTR)
		;
	close(p[0]);
}

/* Tells the test the child is set up, if it asked (TC_READY_FD). */
static void
setup_done(void)
{
	const char *s = getenv("TC_READY_FD");

	if (s != NULL && s[0] != '\0')
		write_all((int)num(s), "\n", 1);
}

static void __attribute__((noreturn))
pause_forever(void)
{
	setup_done();
	for (;;)
		pause();
}

static void
print_lines(int fd, const char *fmt, long n)
{
	char buf[64];
	long i;
	int len;

	for (i = 1; i <= n; i++) {
		len = snprintf(buf, sizeof buf, fmt, i);
		write_all(fd, buf, (size_t)len);
	}
}

/* Forks a grandchild that ignores SIGTERM and waits until it does. */
static void
grandchild(const char *file)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) == -1)
		exit(111);
	pid = fork();
	if (pid == -1)
		exit(111);
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		close(p[0]);
		write_all(p[1], "x", 1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	while (read(p[0], &c, 1) == -1 && errno == EINTR)
		;
	close(p[0]);
	write_pid(file, pid);
}

/* Touches MIB mebibytes, one at a time (a memory limit's OOM kill comes
 * on the way), then waits. */
static void
eat(long mib)
{
	long i;

	for (i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (p == NULL)
			exit(112);
		memset(p, (int)i | 1, 1 << 20);
	}
	pause_forever();
}

/* Forks up to N children that wait, then writes how many forks
 * succeeded to FILE (a pids limit stops them), and waits. */
static void
forks(long n, const char *file)
{
	char buf[32];
	long i;

	for (i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == -1)
			break;
		if (p == 0)
			pause_forever();
	}
	snprintf(buf, sizeof buf, "%ld", i);
	write_file(file, buf);
	pause_forever();
}

int
main(int argc, char **argv)
{
	const char *mode, *envf;

	if (argc < 2)
		usage();
	mode = argv[1];
	envf = getenv("TC_ENV_FILE");
	if (envf != NULL && envf[0] != '\0') {
		const char *ns = getenv("NOTIFY_SOCKET");
		write_file(envf, ns ? ns : "");
	}

	if (strcmp(mode, "sleep") == 0 || strcmp(mode, "never-ready") == 0) {
		pause_forever();
	} else if (strcmp(mode, "exit") == 0 && argc == 3) {
		return (int)num(argv[2]);
	} else if (strcmp(mode, "exit-after") == 0 && argc == 4) {
		msleep(num(argv[2]));
		return (int)num(argv[3]);
	} else if (strcmp(mode, "exit-if-absent") == 0 && argc == 4) {
		if (create_once(argv[2]))
			return (int)num(argv[3]);
		pause_forever();
	} else if (strcmp(mode, "ignore-term") == 0) {
		signal(SIGTERM, SIG_IGN);
		pause_forever();
	} else if (strcmp(mode, "grandchild") == 0 && argc == 3) {
		grandchild(argv[2]);
		pause_forever();
	} else if (strcmp(mode, "notify") == 0 && argc <= 4) {
		if (argc >= 3)
			msleep(num(argv[2]));
		if (argc == 4)
			stamp(argv[3]);
		notify_ready();
		pause_forever();
	} else if (strcmp(mode, "notify-from-grandchild") == 0) {
		pid_t pid = fork();
		if (pid == -1)
			exit(111);
		if (pid == 0) {
			/* a grandchild: the child of a short-lived middle one;
			 * it waits until herdd has read READY=1 before it
			 * exits (systemd-notify's BARRIER=1): herdd checks a
			 * sender's session while the sender is there */
			if (fork() == 0) {
				notify_ready();
				notify_barrier();
				_exit(0);
			}
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		pause_forever();
	} else if (strcmp(mode, "watchdog") == 0 && argc == 4) {
		/* the first run (FILE absent) pings N times then hangs; later
		 * runs ping for ever */
		long n = create_once(argv[3]) ? num(argv[2]) : -1, every;
		const char *usec = getenv("WATCHDOG_USEC");
		if (usec == NULL)
			exit(111);
		every = num(usec) / 4000;
		notify_ready();
		for (; n != 0; n = n > 0 ? n - 1 : n) {
			notify_text("WATCHDOG=1\n");
			msleep(every > 0 ? every : 1);
		}
		pause_forever();
	} else if (strcmp(mode, "notify-once") == 0 && argc == 3) {
		if (create_once(argv[2]))
			notify_ready();
		pause_forever();
	} else if (strcmp(mode, "fd") == 0 && (argc == 3 || argc == 4)) {
		if (argc == 4)
			msleep(num(argv[3]));
		write_all((int)num(argv[2]), "\n", 1);
		pause_forever();
	} else if (strcmp(mode, "print-crash") == 0 && (argc == 3 ||
	    argc == 4)) {
		if (argc == 4 && !create_once(argv[3]))
			pause_forever();
		print_lines(1, "line %ld\n", num(argv[2]));
		print_lines(2, "err %ld\n", num(argv[2]));
		abort();
	} else if (strcmp(mode, "flood") == 0) {
		static char chunk[65536];
		size_t k;

		/* a pipe this big keeps a full buffer for every read herdd
		 * makes, for as long as this writes faster than herdd logs */
		fcntl(1, F_SETPIPE_SZ, 1 << 20);
		for (k = 0; k < sizeof chunk; k++)
			chunk[k] = k % 64 == 63 ? '\n' : 'x';
		for (;;)
			write_all(1, chunk, sizeof chunk);
	} else if (strcmp(mode, "print-lines") == 0 && argc == 3) {
		/* A one-page pipe bounds each read herdd makes to 4 KiB. */
		fcntl(1, F_SETPIPE_SZ, 4096);
		print_lines(1, "line %05ld\n", num(argv[2]));
		pause_forever();
	} else if (strcmp(mode, "pidfile") == 0 && argc == 3) {
		write_pid(argv[2], getpid());
		pause_forever();
	} else if (strcmp(mode, "stamp") == 0 && argc == 3) {
		stamp(argv[2]);
		pause_forever();
	} else if (strcmp(mode, "ids") == 0 && argc == 3) {
		write_ids(argv[2]);
		pause_forever();
	} else if (strcmp(mode, "fds") == 0 && argc == 3) {
		write_fds(argv[2]);
		pause_forever();
	} else if (strcmp(mode, "eat") == 0 && argc == 3) {
		eat(num(argv[2]));
	} else if (strcmp(mode, "forks") == 0 && argc == 4) {
		forks(num(argv[2]), argv[3]);
	} else if (strcmp(mode, "argv") == 0 && argc >= 3) {
		write_args(argv[2], argv + 3);
		pause_forever();
	}
	usage();
	return 2;
}
