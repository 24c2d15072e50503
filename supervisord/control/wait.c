/*
 * Deferred replies: a request whose reply waits for a lifecycle event (a
 * stop answered once the child is dead, a start once it is running).
 * Bounded: past MAX_WAITERS a request is answered busy at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "control.h"
#include "util.h"

#define MAX_WAITERS 4096

unsigned long
wait_begin(struct request *r, const char *path, enum wait_kind kind)
{
	struct control *ctl = r->ctl;
	struct waiter *w;

	if (ctl->nwaiters >= MAX_WAITERS) {
		reply_err(r, IPC_E_BUSY, "too many requests waiting");
		return 0;
	}
	w = xcalloc(1, sizeof *w);
	w->serial = ++ctl->serial;
	w->hdr = header_copy(r->msg);
	w->id = r->req.id;
	w->path = xstrdup(path);
	w->kind = kind;
	w->op = r->op_name;
	w->next = ctl->waiters;
	ctl->waiters = w;
	ctl->nwaiters++;
	return w->serial;
}

int
wait_pending(struct control *ctl, unsigned long serial)
{
	struct waiter *w;

	for (w = ctl->waiters; w != NULL; w = w->next)
		if (w->serial == serial)
			return 1;
	return 0;
}

/* Unlinks *wp, sends j (if any) and frees it. */
static void
waiter_done(struct control *ctl, struct waiter **wp, cJSON *j)
{
	struct waiter *w = *wp;

	*wp = w->next;
	if (j != NULL)
		reply_json_op(ctl, w->hdr, j, w->op);
	else
		nng_msg_free(w->hdr);
	free(w->path);
	free(w);
	ctl->nwaiters--;
}

static struct waiter **
waiter_find(struct control *ctl, unsigned long serial)
{
	struct waiter **wp;

	for (wp = &ctl->waiters; *wp != NULL; wp = &(*wp)->next)
		if ((*wp)->serial == serial)
			return wp;
	return NULL;
}

void
wait_end(struct control *ctl, unsigned long serial, cJSON *result,
    const char *code, const char *msg)
{
	struct waiter **wp;
	cJSON *j = NULL;

	if (code != NULL) {
		cJSON_Delete(result);
		wait_fail(ctl, serial, code, msg, 0);
		return;
	}
	if ((wp = waiter_find(ctl, serial)) == NULL) {
		cJSON_Delete(result);
		return;
	}
	if (result != NULL)
		j = ipc_reply_ok((*wp)->id, result);
	waiter_done(ctl, wp, j);
}

void
wait_fail(struct control *ctl, unsigned long serial, const char *code,
    const char *msg, pid_t pid)
{
	struct waiter **wp;
	cJSON *j;

	if ((wp = waiter_find(ctl, serial)) == NULL)
		return;
	j = ipc_reply_error((*wp)->id, code, "%s", msg);
	if (pid > 0)
		cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(j,
		    "error"), "pid", (double)pid);
	waiter_done(ctl, wp, j);
}

void
wait_on_event(struct control *ctl, const char *topic, struct child *c,
    const char *reason)
{
	struct waiter **wp = &ctl->waiters, *w;
	int all = strcmp(topic, "herd.stopping") == 0;
	cJSON *j;

	while ((w = *wp) != NULL) {
		j = NULL;
		if (all) {
			j = ipc_reply_error(w->id, IPC_E_SHUTTING_DOWN,
			    "herdd is shutting down");
		} else if (strcmp(w->path, c->path) != 0) {
			;
		} else if (w->kind == W_STOP && (strcmp(topic,
		    "child.stopped") == 0 || strcmp(topic, "child.exited") == 0 ||
		    strcmp(topic, "child.deleted") == 0)) {
			j = ipc_reply_ok(w->id, path_pid(c->path, -1));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.started") == 0) {
			j = ipc_reply_ok(w->id, started_result(c->path, c->pid,
			    w->kind));
		} else if (w->kind != W_STOP &&
		    strcmp(topic, "child.start_failed") == 0) {
			j = ipc_reply_error(w->id, IPC_E_FAILED,
			    "%s failed to start: %s", c->path,
			    reason ? reason : "unknown");
		}
		if (j == NULL)
			wp = &w->next;
		else
			waiter_done(ctl, wp, j);
	}
}

void
wait_free_all(struct control *ctl)
{
	while (ctl->waiters != NULL)
		waiter_done(ctl, &ctl->waiters, NULL);
}
