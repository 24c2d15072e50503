/* Readiness listeners: sd_notify sockets and s6-style notification fds. */
#ifndef HERDD_READY_H
#define HERDD_READY_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct ready;
/* What a child reported: READY=1 (once), WATCHDOG=1 (each time), or
 * WATCHDOG=trigger (it asks to be treated as hung). */
enum ready_what { READY_READY, READY_WATCHDOG, READY_TRIGGER };
typedef void (*ready_cb)(void *arg, enum ready_what what);

/*
 * A datagram socket at DIR/<random> (or @herd/<pid>/<random> when
 * abstract; bound as BIND_DIR/<random>, DIRFD being DIR's fd), the file
 * owned by UID:GID with mode 0600 (0666 for a root child), that calls
 * cb(arg,
 * READY_READY) once on READY=1, and cb(arg, READY_WATCHDOG) on every
 * WATCHDOG=1, heard only from the child's processes (its user or root, in
 * its session or group: ready_set_pid names the child). *env_out is
 * "NOTIFY_SOCKET=..." for the child (caller frees). Returns NULL with
 * cause filled on failure.
 */
struct ready *ready_notify_create(struct event_base *base, const char *dir,
    const char *bind_dir, int dirfd, int abstract, uid_t uid, gid_t gid,
    ready_cb cb, void *arg, char **env_out, char *cause, size_t len);
/* The child r listens for was spawned as PID; r (may be NULL) hears
 * nothing before. */
void ready_set_pid(struct ready *r, pid_t pid);

/* A pipe that calls cb(arg, READY_READY) once a newline arrives; *child_fd is the write
 * end for the child (caller closes it after the spawn). */
struct ready *ready_fd_create(struct event_base *base, ready_cb cb, void *arg,
    int *child_fd, char *cause, size_t len);

/* Stops listening and frees r; NULL is a no-op. */
void ready_destroy(struct ready *r);

#endif
