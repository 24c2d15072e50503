/*
 * In-process control requests (local.h): a request made on the loop gets
 * a routing header naming pipe 0, which no nng pipe has, and is handled
 * as any other (control_handle); reply.c hands a reply with that header
 * here, now or when a deferred reply completes, and it goes to the
 * client's callback instead of a pipe.
 */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "control.h"
#include "local.h"
#include "util.h"

/* A client waiting for its reply. */
struct local_route {
	struct local_route *next;
	uint32_t id;         /* the header's request id, without its top bit */
	local_reply_fn fn;   /* NULL: cancelled */
	void *arg;
};

static uint32_t
header_id(const nng_msg *msg)
{
	const unsigned char *p = nng_msg_header((nng_msg *)msg);

	return ((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7]) & 0x7fffffffu;
}

int
local_is(const nng_msg *msg)
{
	const unsigned char *p = nng_msg_header((nng_msg *)msg);

	return nng_msg_header_len((nng_msg *)msg) == 8 && p[0] == 0 &&
	    p[1] == 0 && p[2] == 0 && p[3] == 0;
}

unsigned long
control_local(struct control *ctl, const char *op, cJSON *args,
    local_reply_fn fn, void *arg)
{
	struct local_route *rt = xcalloc(1, sizeof *rt);
	nng_msg *msg;
	cJSON *req;
	char *text;
	uint32_t id;

	/* 31 bits, never 0, and not one still waiting */
	do {
		ctl->local_next = (ctl->local_next + 1) & 0x7fffffffu;
		id = ctl->local_next;
	} while (id == 0 || local_find(ctl, id) != NULL);
	rt->id = id;
	rt->fn = fn;
	rt->arg = arg;
	rt->next = ctl->locals;
	ctl->locals = rt;

	req = ipc_request_new(id, op, args);
	text = ipc_print(req);
	cJSON_Delete(req);
	if (nng_msg_alloc(&msg, 0) != 0)
		abort();
	nng_msg_header_append_u32(msg, 0);
	nng_msg_header_append_u32(msg, id | 0x80000000u);
	nng_msg_append(msg, text, strlen(text));
	free(text);
	control_handle(ctl, msg);
	nng_msg_free(msg);
	return local_find(ctl, id) != NULL ? id : 0;
}

struct local_route *
local_find(struct control *ctl, uint32_t id)
{
	struct local_route *rt;

	for (rt = ctl->locals; rt != NULL; rt = rt->next)
		if (rt->id == id)
			return rt;
	return NULL;
}

/* Unlinks and frees the route with id ID. */
static void
local_drop(struct control *ctl, uint32_t id)
{
	struct local_route **rp, *rt;

	for (rp = &ctl->locals; (rt = *rp) != NULL; rp = &rt->next)
		if (rt->id == id) {
			*rp = rt->next;
			free(rt);
			return;
		}
}

void
control_local_cancel(struct control *ctl, unsigned long id)
{
	struct local_route *rt = local_find(ctl, (uint32_t)id);

	if (rt != NULL)
		rt->fn = NULL; /* the reply still comes: then it goes */
}

void
local_deliver(struct control *ctl, nng_msg *msg)
{
	uint32_t id = header_id(msg);
	struct local_route *rt = local_find(ctl, id);

	if (rt != NULL && rt->fn != NULL)
		rt->fn(rt->arg, nng_msg_body(msg), nng_msg_len(msg));
	local_drop(ctl, id);
	nng_msg_free(msg);
}

void
local_free_all(struct control *ctl)
{
	struct local_route *rt;

	while ((rt = ctl->locals) != NULL) {
		ctl->locals = rt->next;
		free(rt);
	}
}
