/*
 * pair: links and monitors, shown with three actors of one supervisor
 * (examples/demo.json, "pair"):
 *   pair worker          answers {"op":"ping"}; {"op":"crash"} ends it
 *                        with reason "crashed"
 *   pair buddy TARGET    links to TARGET in its init: when TARGET ends
 *                        abnormally the buddy ends too, with its reason
 *   pair watcher TARGET  monitors TARGET: each end is a DOWN it counts,
 *                        then it looks for the restarted one (every
 *                        100 ms until it is there) and watches it
 * Try:
 *   herdctl call pair/worker '{"op":"crash"}'
 *   herdctl inspect pair/watcher     (downs: 1, last: crashed, and the
 *                                     id of the worker it watches)
 *   herdctl status                   (buddy restarted with the worker)
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <herd.h>

#define REWATCH_MS 100 /* the watcher looks for the restarted target */

struct pair {
	const char *role, *target;
	long downs;
	char last[64];
	herd_id watching;   /* 0 while it looks for the target */
};

/* Watches the target now if it is there, else looks again later. */
static int
watch(herd_actor *self, struct pair *p)
{
	herd_ref ref;
	herd_id id;
	int rv;

	if ((rv = herd_whereis(self, p->target, &id)) == HERD_ENOTFOUND)
		return herd_send_after(self, herd_self(self), "", 0,
		    REWATCH_MS, &ref);
	if (rv == 0 && (rv = herd_monitor(self, id, &ref)) == 0)
		p->watching = id;
	return rv;
}

static int
worker_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	cJSON *m = cJSON_ParseWithLength(req, len);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(m, "op");
	int crash = cJSON_IsString(op) && strcmp(op->valuestring, "crash") ==
	    0;
	int ping = cJSON_IsString(op) && strcmp(op->valuestring, "ping") == 0;

	cJSON_Delete(m);
	if (crash) {
		herd_exit(self, "crashed"); /* the caller is told why */
		return 0;
	}
	if (ping)
		return herd_reply(self, ref, "{\"pong\":true}", 13);
	return herd_reply_error(self, ref, "bad_request",
	    "expected {\"op\":\"ping\"} or {\"op\":\"crash\"}");
}

/* The watcher's DOWNs, and its timer to watch the restarted target. */
static int
watcher_info(herd_actor *self, const struct herd_info *in)
{
	struct pair *p = herd_state(self);

	if (in->kind == HERD_INFO_DOWN) {
		if (strcmp(in->reason, "noproc") != 0) {
			p->downs++;
			snprintf(p->last, sizeof p->last, "%s", in->reason);
		}
		p->watching.v = 0;
	}
	return in->kind == HERD_INFO_DOWN || in->kind == HERD_INFO_TIMER ?
	    watch(self, p) : 0;
}

static int
pair_inspect(herd_actor *self, herd_kv *kv)
{
	struct pair *p = herd_state(self);

	herd_kv_add(kv, "role", "%s", p->role);
	if (strcmp(p->role, "watcher") != 0)
		return 0;
	herd_kv_add(kv, "downs", "%ld", p->downs);
	herd_kv_add(kv, "last", "%s", p->last[0] ? p->last : "-");
	if (p->watching.v == 0)
		return herd_kv_add(kv, "watching", "-");
	return herd_kv_add(kv, "watching", "%llu.%llu",
	    (unsigned long long)(p->watching.v >> 32),
	    (unsigned long long)(p->watching.v & 0xffffffffu));
}

static int
pair_init(herd_actor *self, int argc, char **argv)
{
	struct pair *p = herd_state(self);
	herd_ref ref;

	p->role = argc > 1 ? argv[1] : "";
	p->target = argc > 2 ? argv[2] : "";
	if (strcmp(p->role, "worker") == 0)
		return 0;
	if (strcmp(p->role, "buddy") == 0)
		return herd_link_name(self, p->target);
	/* the watcher looks once its loop runs (whereis needs it registered) */
	if (strcmp(p->role, "watcher") == 0)
		return herd_send_after(self, herd_self(self), "", 0, 0, &ref);
	fprintf(stderr, "usage: pair worker | buddy TARGET | watcher TARGET\n");
	return HERD_EINVAL;
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = {
		.init = pair_init,
		.handle_call = worker_call,
		.handle_info = watcher_info,
		.inspect = pair_inspect,
	};
	struct pair p = { "", "", 0, "", { 0 } };
	int rv = herd_actor_run(&ops, &p, argc, argv);

	if (rv < 0) {
		fprintf(stderr, "pair: %s\n", herd_strerror(rv));
		return 1;
	}
	return rv;
}
