/*
 * JSON beside bytes: most actors speak JSON (herdctl's messages are JSON
 * text), so these wrap herd_cast and herd_call with cJSON values, and
 * herd_json parses what a callback got. The bytes on the wire are the
 * value's unformatted text; nothing else changes.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "herdi.h"

/* TO (an id) or NAME, whichever is given. */
static int
cast_text(herd_actor *self, herd_id to, const char *name, const cJSON *msg)
{
	char *s;
	int rv;

	if (self == NULL || msg == NULL)
		return HERD_EINVAL;
	if ((s = cJSON_PrintUnformatted(msg)) == NULL)
		return HERD_ENOMEM;
	rv = name != NULL ? herd_cast_name(self, name, s, strlen(s)) :
	    herd_cast(self, to, s, strlen(s));
	cJSON_free(s);
	return rv;
}

int
herd_cast_json(herd_actor *self, herd_id to, const cJSON *msg)
{
	return cast_text(self, to, NULL, msg);
}

int
herd_cast_name_json(herd_actor *self, const char *name, const cJSON *msg)
{
	if (name == NULL)
		return HERD_EINVAL;
	return cast_text(self, (herd_id){ 0 }, name, msg);
}

static int
call_text(herd_actor *self, herd_id to, const char *name, const cJSON *req,
    int timeout_ms, cJSON **reply)
{
	void *out = NULL;
	size_t len = 0;
	char *s;
	int rv;

	if (self == NULL || req == NULL || reply == NULL)
		return HERD_EINVAL;
	*reply = NULL;
	if ((s = cJSON_PrintUnformatted(req)) == NULL)
		return HERD_ENOMEM;
	rv = name != NULL ? herd_call_name(self, name, s, strlen(s),
	    timeout_ms, &out, &len) : herd_call(self, to, s, strlen(s),
	    timeout_ms, &out, &len);
	cJSON_free(s);
	if (rv != 0)
		return rv;
	*reply = cJSON_ParseWithLength(out, len);
	free(out);
	return *reply != NULL ? 0 : HERD_EPROTO;
}

int
herd_call_json(herd_actor *self, herd_id to, const cJSON *req,
    int timeout_ms, cJSON **reply)
{
	return call_text(self, to, NULL, req, timeout_ms, reply);
}

int
herd_call_name_json(herd_actor *self, const char *name, const cJSON *req,
    int timeout_ms, cJSON **reply)
{
	if (name == NULL)
		return HERD_EINVAL;
	return call_text(self, (herd_id){ 0 }, name, req, timeout_ms, reply);
}

cJSON *
herd_json(const void *msg, size_t len)
{
	return msg != NULL ? cJSON_ParseWithLength(msg, len) : NULL;
}
