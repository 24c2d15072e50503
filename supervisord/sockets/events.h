/* The event stream: pub0 socket plus a replay ring (events.c). */
#ifndef HERDD_EVENTS_H
#define HERDD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct events;
struct guard;

/* Listens on ipc://<run_dir>/events.sock (kept alive by g; the file gets
 * mode and group gid, as guard_listen); keeps the last ring_size events.
 * Returns NULL with cause filled. */
struct events *events_create(struct guard *g, const char *run_dir,
    size_t ring_size, int mode, long gid, char *cause, size_t len);
void events_destroy(struct events *ev);

/* Stamps obj with seq, event=topic and ts, publishes it and keeps it in the
 * ring. Takes obj. Returns the seq given. */
uint64_t events_publish(struct events *ev, const char *topic, cJSON *obj);

/* {"events":[...], "last_seq":N} with the ring's events with seq > since;
 * since < 0 gives no events, only last_seq. Caller owns the result. */
cJSON *events_since(struct events *ev, long long since);

/* Each event published from now on, as printed JSON, goes to FN too (one
 * such tap: the HTTP listener's event streams); NULL FN: none. */
typedef void (*events_tap_fn)(void *arg, uint64_t seq, const char *json);
void events_tap(struct events *ev, events_tap_fn fn, void *arg);
/* FN for each event in the ring with seq > since, oldest first. */
void events_ring_each(struct events *ev, long long since, events_tap_fn fn,
    void *arg);
/* The seq of the last event published (how many were). */
uint64_t events_last_seq(const struct events *ev);

#endif
