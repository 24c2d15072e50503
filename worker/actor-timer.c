/*
 * herd_send_after and herd_cancel_timer (ACTORS.md A7): libevent timers in
 * the actor's own loop, so a timer costs herdd nothing and dies with its
 * owner. A timer to the actor itself reaches handle_info; to another
 * actor it is a cast sent when it fires (a cast to an actor that has
 * ended is dropped, as any). Cancelling frees the event: a cancelled
 * timer cannot fire, since both run on the loop's one thread.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "herdi.h"

#define MAX_TIMERS (1 << 20) /* pending at once, per actor */

static void
timer_unlink(herd_actor *self, struct herdi_timer *t)
{
	struct herdi_timer **pp;

	for (pp = &self->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			self->ntimers--;
			break;
		}
	event_free(t->ev);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct herdi_timer *t = arg;
	herd_actor *self = t->self;
	struct herd_info in;

	timer_unlink(self, t);
	if (self->reason == NULL) {
		if (t->to.v == self->id.v) {
			memset(&in, 0, sizeof in);
			in.kind = HERD_INFO_TIMER;
			in.ref = t->ref;
			in.from = self->id;
			in.name = self->name;
			in.reason = "";
			in.msg = t->data;
			in.len = t->len;
			if (self->ops->handle_info != NULL)
				herdi_check(self, self->ops->handle_info(self,
				    &in));
		} else {
			/* a full or gone receiver: as any cast, the timer's
			 * owner is not told (it is not in a callback) */
			(void)herd_cast(self, t->to, t->data, t->len);
		}
		herdi_after_callback(self);
	}
	free(t);
}

int
herd_send_after(herd_actor *self, herd_id to, const void *msg, size_t len,
    int ms, herd_ref *timer)
{
	struct herdi_timer *t;
	struct timeval tv;

	if (self == NULL || self->base == NULL || ms < 0 ||
	    (msg == NULL && len > 0))
		return HERD_EINVAL;
	if (len > HERDI_MSG_MAX)
		return HERD_ETOOLARGE;
	if (self->ntimers >= MAX_TIMERS || (t = calloc(1, sizeof *t + len)) ==
	    NULL)
		return HERD_ENOMEM;
	if ((t->ev = evtimer_new(self->base, timer_cb, t)) == NULL) {
		free(t);
		return HERD_ENOMEM;
	}
	t->self = self;
	t->ref = ++self->next_timer;
	t->to = to;
	t->len = len;
	if (len > 0)
		memcpy(t->data, msg, len);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->ev, &tv);
	t->next = self->timers;
	self->timers = t;
	self->ntimers++;
	if (timer != NULL)
		*timer = t->ref;
	return 0;
}

int
herd_cancel_timer(herd_actor *self, herd_ref timer)
{
	struct herdi_timer *t;

	if (self == NULL)
		return HERD_EINVAL;
	for (t = self->timers; t != NULL; t = t->next)
		if (t->ref == timer) {
			timer_unlink(self, t);
			free(t);
			return 0;
		}
	return HERD_ENOTFOUND;
}

void
herdi_timer_free(herd_actor *self)
{
	while (self->timers != NULL) {
		struct herdi_timer *t = self->timers;
		timer_unlink(self, t);
		free(t);
	}
}
