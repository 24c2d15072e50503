/* Readiness listeners: sd_notify sockets and s6-style notification fds. */
#ifndef HERDD_READY_H
#define HERDD_READY_H

#include <stddef.h>

struct event_base;
struct ready;
typedef void (*ready_cb)(void *arg);

/*
 * A datagram socket at DIR/NAME (or @herd/<pid>/NAME when abstract) that
 * calls cb(arg) once on READY=1. *env_out is "NOTIFY_SOCKET=..." for the
 * child (caller frees). Returns NULL with cause filled on failure.
 */
struct ready *ready_notify_create(struct event_base *base, const char *dir,
    int abstract, const char *name, ready_cb cb, void *arg, char **env_out,
    char *cause, size_t len);

/* A pipe that calls cb(arg) once a newline arrives; *child_fd is the write
 * end for the child (caller closes it after the spawn). */
struct ready *ready_fd_create(struct event_base *base, ready_cb cb, void *arg,
    int *child_fd, char *cause, size_t len);

/* Stops listening and frees r; NULL is a no-op. */
void ready_destroy(struct ready *r);

#endif
