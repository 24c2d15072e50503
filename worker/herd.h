/*
 * libherd: the library a program supervised by herd links to talk to herdd.
 * This first version is the readiness and watchdog side: the sd_notify
 * protocol (a datagram to $NOTIFY_SOCKET), s6's notification fd, and the
 * watchdog settings herdd or systemd hands a child in its environment.
 * It is the only header libherd installs; everything in it is herd_*.
 *
 * Every call returns 0 (or a count) on success and a negative HERD_E* code
 * on failure; herd_strerror() names the code. libherd never prints, never
 * exits and never raises a signal in the caller. The calls are safe from
 * any thread, and hold no state between calls.
 */
#ifndef HERD_H
#define HERD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define HERD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HERD_PRINTF(f, a)
#endif

/* Error codes: all negative, so "r < 0" is the test for failure. */
enum herd_error {
	HERD_EINVAL = -1,      /* an invalid argument (NULL, negative fd) */
	HERD_EBADENV = -2,     /* NOTIFY_SOCKET, WATCHDOG_USEC or
	                          WATCHDOG_PID holds something unusable */
	HERD_ETOOLONG = -3,    /* NOTIFY_SOCKET does not fit a socket address */
	HERD_ENOLISTENER = -4, /* nothing listens at NOTIFY_SOCKET */
	HERD_EACCES = -5,      /* not allowed to send to NOTIFY_SOCKET */
	HERD_EMSGSIZE = -6,    /* message too long for a datagram */
	HERD_ENOMEM = -7,      /* out of memory */
	HERD_EBADF = -8,       /* not an open file descriptor */
	HERD_EPIPE = -9,       /* the reading end of the ready fd is closed */
	HERD_ESYSTEM = -10,    /* another system error; errno holds it */
};

/*
 * Sends STATE, one or more newline-separated VAR=VALUE assignments of the
 * sd_notify protocol ("READY=1", "STATUS=warming up", "WATCHDOG=1",
 * "STOPPING=1"), as one datagram to $NOTIFY_SOCKET: a socket path, or
 * '@name' for the abstract namespace. Returns 0 when sent, and 0 when
 * NOTIFY_SOCKET is unset (nobody asked; as sd_notify). The send blocks
 * while the receiver's queue is full, as sd_notify's does. STATE is
 * borrowed.
 */
int herd_notify(const char *state);

/* herd_notify("READY=1"): the program has started and serves. Under
 * ready "notify" this is what herdd waits for. */
int herd_ready(void);

/* herd_notify("STATUS=" text): a one-line status for humans (herdctl and
 * systemctl status show it). The text is formatted as printf's; newlines in
 * it become spaces, so it cannot carry other assignments. */
int herd_status(const char *fmt, ...) HERD_PRINTF(1, 2);

/* herd_notify("WATCHDOG=1"): the program is alive. Call it at least every
 * half of herd_watchdog_usec(). */
int herd_watchdog_ping(void);

/*
 * Whether a watchdog is expected of this process: returns 1 and stores the
 * interval in *usec (if usec is not NULL) when $WATCHDOG_USEC is set and
 * $WATCHDOG_PID is unset or this process's pid (as sd_watchdog_enabled);
 * returns 0, *usec untouched, when no watchdog is asked of this process;
 * HERD_EBADENV when either variable is not a positive decimal number.
 */
int herd_watchdog_usec(uint64_t *usec);

/*
 * s6-style readiness: writes a newline to FD (the write end of the
 * notification fd herdd gives a child with ready "fd", at ready_fd) and
 * closes it. Takes FD: it is closed whatever the outcome, except when it
 * is negative (HERD_EINVAL). A closed reading end gives HERD_EPIPE, and no
 * SIGPIPE reaches the program.
 */
int herd_ready_fd(int fd);

/* A short English description of a code returned by libherd: "success"
 * for 0 and "unknown error" for codes libherd does not know. The string is
 * static: never free it. */
const char *herd_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* HERD_H */
