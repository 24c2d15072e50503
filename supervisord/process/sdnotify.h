/* herdd's own sd_notify client (sdnotify.c). */
#ifndef HERDD_SDNOTIFY_H
#define HERDD_SDNOTIFY_H

#include <event2/util.h>

struct event_base;
struct herdd;
struct sdnotify;

/* From $NOTIFY_SOCKET and $WATCHDOG_USEC, which it then removes from the
 * environment; NULL when herdd is not run by a service manager. */
struct sdnotify *sdnotify_create(struct event_base *base, struct herdd *h);
void sdnotify_destroy(struct sdnotify *sd);
/* Tells the service manager about a lifecycle event (READY=1 at
 * herd.started, STOPPING=1 at herd.stopping, STATUS= updates). NULL is a
 * no-op. */
void sdnotify_event(struct sdnotify *sd, const char *topic);
/* RELOADING=1 with MONOTONIC_USEC, before a reload is applied. */
void sdnotify_reloading(struct sdnotify *sd);
/* Timer callback sending a coalesced STATUS= update. */
void sdnotify_status_cb(evutil_socket_t fd, short what, void *arg);

#endif
