/*
 * kv: a key-value store actor that answers some calls later. Two roles of
 * one program, under one supervisor (examples/demo.json, "kv"):
 *
 *   kv store FILE WRITER
 *                   keeps the map in memory (loaded from FILE at init, so
 *                   a restarted store has its data back). {"op":"get",
 *                   "k":K} answers at once; {"op":"put","k":K,"v":V}
 *                   answers only once V is on disk: the store keeps the
 *                   call's ref and casts the write to the writer, and
 *                   replies (herd_reply) when the writer says it is done.
 *                   That is gen_server's deferred reply: the store goes on
 *                   serving gets meanwhile.
 *   kv writer FILE  appends each {"k","v"} it is cast to FILE, fsyncs, and
 *                   casts {"op":"written","t":T} back to the store.
 *
 *
 * Their supervisor is one_for_all, writer first: if the writer dies, the
 * store is restarted too, so the callers of puts in flight get its exit
 * reason at once (ACTORS.md A5) instead of waiting for their timeout, and
 * the new store reloads what reached the disk.
 *
 *   herdctl call kv/store '{"op":"put","k":"a","v":1}'
 *   herdctl call kv/store '{"op":"get","k":"a"}'
 *   herdctl inspect kv/store
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <herd.h>

#define MAX_PENDING 1024 /* puts waiting for the writer */

struct kv {
	int writer;           /* the role */
	const char *file;
	const char *writer_name; /* the store's writer */
	cJSON *map;           /* the store's data */
	struct {
		unsigned long long t;
		herd_ref ref;
	} pending[MAX_PENDING];
	size_t npending;
	unsigned long long next_t; /* tickets: refs stay in this process */
	int fd;               /* the writer's file */
};

static const char *
op_of(const cJSON *m)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(m, "op");

	return cJSON_IsString(op) ? op->valuestring : "";
}

/* Loads FILE's lines ({"k","v"}, later ones win) into the map. */
static void
load(struct kv *s)
{
	FILE *f = fopen(s->file, "r");
	char line[65536];
	cJSON *m, *k, *v;

	if (f == NULL)
		return; /* nothing written yet */
	while (fgets(line, sizeof line, f) != NULL) {
		m = cJSON_Parse(line);
		k = cJSON_GetObjectItemCaseSensitive(m, "k");
		v = cJSON_DetachItemFromObjectCaseSensitive(m, "v");
		if (cJSON_IsString(k) && v != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(s->map,
			    k->valuestring);
			cJSON_AddItemToObject(s->map, k->valuestring, v);
		} else {
			cJSON_Delete(v); /* a torn last line */
		}
		cJSON_Delete(m);
	}
	fclose(f);
}

static int
store_call(herd_actor *self, herd_id from, herd_ref ref, const void *req,
    size_t len)
{
	struct kv *s = herd_state(self);
	cJSON *m = herd_json(req, len), *k, *v, *w, *out;
	int rv = 0;

	k = cJSON_GetObjectItemCaseSensitive(m, "k");
	v = cJSON_GetObjectItemCaseSensitive(m, "v");
	if (strcmp(op_of(m), "get") == 0 && cJSON_IsString(k)) {
		out = cJSON_CreateObject();
		w = cJSON_GetObjectItemCaseSensitive(s->map, k->valuestring);
		cJSON_AddItemToObject(out, "v", w != NULL ?
		    cJSON_Duplicate(w, 1) : cJSON_CreateNull());
		rv = herd_reply_json(self, ref, out);
		cJSON_Delete(out);
	} else if (strcmp(op_of(m), "put") == 0 && cJSON_IsString(k) &&
	    v != NULL) {
		if (s->npending == MAX_PENDING) {
			rv = herd_reply_error(self, ref, "busy", "too many puts "
			    "wait for the writer");
			goto out;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(s->map, k->valuestring);
		cJSON_AddItemToObject(s->map, k->valuestring,
		    cJSON_Duplicate(v, 1));
		/* the reply waits for the writer: keep the ref (deferred) */
		s->pending[s->npending].t = ++s->next_t;
		s->pending[s->npending++].ref = ref;
		w = cJSON_CreateObject();
		cJSON_AddNumberToObject(w, "t", (double)s->next_t);
		cJSON_AddStringToObject(w, "k", k->valuestring);
		cJSON_AddItemToObject(w, "v", cJSON_Duplicate(v, 1));
		rv = herd_cast_name_json(self, s->writer_name, w);
		cJSON_Delete(w);
		if (rv != 0) {
			/* no writer (or it is full): this put fails, the
			 * store goes on */
			s->npending--;
			rv = herd_reply_error(self, ref, "unavailable",
			    herd_strerror(rv));
		}
	} else {
		rv = herd_reply_error(self, ref, "bad_request", "expected "
		    "{\"op\":\"get\",\"k\":K} or {\"op\":\"put\",\"k\":K,"
		    "\"v\":V}");
	}
out:
	cJSON_Delete(m);
	return rv;
}

/* The writer's "written": the put it was for is answered now. */
static int
store_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct kv *s = herd_state(self);
	cJSON *m = herd_json(msg, len);
	cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "t");
	size_t i;

	for (i = 0; cJSON_IsNumber(t) && i < s->npending; i++)
		if (s->pending[i].t == (unsigned long long)t->valuedouble) {
			herd_reply(self, s->pending[i].ref, "{\"ok\":true}", 11);
			s->pending[i] = s->pending[--s->npending];
			break;
		}
	cJSON_Delete(m);
	return 0;
}

static int
writer_cast(herd_actor *self, herd_id from, const void *msg, size_t len)
{
	struct kv *s = herd_state(self);
	cJSON *m = herd_json(msg, len), *t, *ack;
	char *line;
	int rv = 0;

	t = cJSON_DetachItemFromObjectCaseSensitive(m, "t");
	if (m == NULL || !cJSON_IsNumber(t)) {
		cJSON_Delete(m);
		cJSON_Delete(t);
		return 0;
	}
	line = cJSON_PrintUnformatted(m);
	if (dprintf(s->fd, "%s\n", line) < 0 || fsync(s->fd) == -1)
		rv = HERD_ESYSTEM; /* ends the writer: its supervisor decides */
	/* to whoever sent it: the store */
	ack = cJSON_CreateObject();
	cJSON_AddStringToObject(ack, "op", "written");
	cJSON_AddItemToObject(ack, "t", cJSON_Duplicate(t, 0));
	if (rv == 0)
		rv = herd_cast_json(self, from, ack);
	cJSON_Delete(ack);
	free(line);
	cJSON_Delete(t);
	cJSON_Delete(m);
	return rv;
}

static int
kv_inspect(herd_actor *self, herd_kv *out)
{
	struct kv *s = herd_state(self);

	if (s->writer)
		return herd_kv_add(out, "file", "%s", s->file);
	herd_kv_add(out, "keys", "%d", cJSON_GetArraySize(s->map));
	return herd_kv_add(out, "waiting_puts", "%zu", s->npending);
}

static int
kv_init(herd_actor *self, int argc, char **argv)
{
	struct kv *s = herd_state(self);

	s->file = argv[2];
	if (s->writer) {
		s->fd = open(s->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
		return s->fd == -1 ? HERD_ESYSTEM : 0;
	}
	s->writer_name = argv[3];
	s->map = cJSON_CreateObject();
	load(s);
	return 0;
}

static void
kv_terminate(herd_actor *self, const char *reason)
{
	struct kv *s = herd_state(self);

	cJSON_Delete(s->map);
	if (s->writer && s->fd != -1)
		close(s->fd);
}

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops store = {
		.init = kv_init,
		.handle_call = store_call,
		.handle_cast = store_cast,
		.inspect = kv_inspect,
		.terminate = kv_terminate,
	}, writer = {
		.init = kv_init,
		.handle_cast = writer_cast,
		.inspect = kv_inspect,
		.terminate = kv_terminate,
	};
	static struct kv s = { .fd = -1 };
	int rv;

	if (!(argc == 4 && strcmp(argv[1], "store") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "writer") == 0)) {
		fprintf(stderr, "usage: kv store FILE WRITER | kv writer FILE\n");
		return 2;
	}
	s.writer = strcmp(argv[1], "writer") == 0;
	rv = herd_actor_run(s.writer ? &writer : &store, &s, argc, argv);
	if (rv < 0) {
		fprintf(stderr, "kv: %s\n", herd_strerror(rv));
		return 1;
	}
	return rv;
}
