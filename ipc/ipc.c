/* Encoding and decoding of herd's JSON envelopes (see ipc.h). */
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipc.h"
#include "jsonbuf.h"

static int
url(const char *run_dir, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "ipc://%s/%s", run_dir, file);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int
ipc_control_url(const char *run_dir, char *buf, size_t len)
{
	return url(run_dir, "control.sock", buf, len);
}

int
ipc_events_url(const char *run_dir, char *buf, size_t len)
{
	return url(run_dir, "events.sock", buf, len);
}

char *
ipc_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

int
ipc_request_decode(const void *buf, size_t len, struct ipc_request *req,
    const char **code, char **cause)
{
	cJSON *v, *id, *op, *args;

	memset(req, 0, sizeof *req);
	*code = IPC_E_BAD_REQUEST;
	*cause = NULL;
	req->root = cJSON_ParseWithLength(buf, len);
	if (req->root == NULL) {
		*cause = ipc_printf("request is not valid JSON");
		return -1;
	}
	if (!cJSON_IsObject(req->root)) {
		*cause = ipc_printf("request must be a JSON object");
		goto fail;
	}
	id = cJSON_GetObjectItemCaseSensitive(req->root, "id");
	if (cJSON_IsNumber(id) && id->valuedouble >= 0 &&
	    id->valuedouble <= 9007199254740992.0)
		req->id = (uint64_t)id->valuedouble;
	else if (id != NULL) {
		*cause = ipc_printf("\"id\" must be a non-negative integer");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(req->root, "v");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valueint != IPC_VERSION)) {
		*code = IPC_E_BAD_VERSION;
		*cause = ipc_printf("protocol version %s is not supported "
		    "(this herdd speaks %d)", cJSON_IsNumber(v) ? "given" :
		    "of wrong type", IPC_VERSION);
		goto fail;
	}
	op = cJSON_GetObjectItemCaseSensitive(req->root, "op");
	if (!cJSON_IsString(op) || op->valuestring[0] == '\0') {
		*cause = ipc_printf("\"op\" must be a non-empty string");
		goto fail;
	}
	req->op = op->valuestring;
	args = cJSON_GetObjectItemCaseSensitive(req->root, "args");
	if (args == NULL) {
		args = cJSON_AddObjectToObject(req->root, "args");
	} else if (!cJSON_IsObject(args)) {
		*cause = ipc_printf("\"args\" must be an object");
		goto fail;
	}
	req->args = args;
	return 0;
fail:
	cJSON_Delete(req->root);
	req->root = NULL;
	req->op = NULL;
	return -1;
}

void
ipc_request_clear(struct ipc_request *req)
{
	cJSON_Delete(req->root);
	memset(req, 0, sizeof *req);
}

static cJSON *
envelope(uint64_t id)
{
	cJSON *j = cJSON_CreateObject();

	if (j == NULL)
		abort();
	cJSON_AddNumberToObject(j, "v", IPC_VERSION);
	cJSON_AddNumberToObject(j, "id", (double)id);
	return j;
}

cJSON *
ipc_request_new(uint64_t id, const char *op, cJSON *args)
{
	cJSON *j = envelope(id);

	cJSON_AddStringToObject(j, "op", op);
	cJSON_AddItemToObject(j, "args", args ? args : cJSON_CreateObject());
	return j;
}

cJSON *
ipc_reply_ok(uint64_t id, cJSON *result)
{
	cJSON *j = envelope(id);

	cJSON_AddTrueToObject(j, "ok");
	cJSON_AddItemToObject(j, "result",
	    result ? result : cJSON_CreateObject());
	return j;
}

cJSON *
ipc_reply_error(uint64_t id, const char *code, const char *fmt, ...)
{
	cJSON *j = envelope(id), *e;
	va_list ap;
	char *msg;

	cJSON_AddFalseToObject(j, "ok");
	e = cJSON_AddObjectToObject(j, "error");
	cJSON_AddStringToObject(e, "code", code);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	cJSON_AddStringToObject(e, "message", msg);
	free(msg);
	return j;
}

char *
ipc_print(const cJSON *j)
{
	struct jsonbuf b = { 0 };

	jb_cjson(&b, j);
	return b.s;
}

int
ipc_exit_code(const char *code)
{
	static const struct {
		const char *code;
		int exit;
	} map[] = {
		{ IPC_E_NOT_FOUND, IPC_EXIT_NOT_FOUND },
		{ IPC_E_REFUSED, IPC_EXIT_REFUSED },
		{ IPC_E_ALREADY_STARTED, IPC_EXIT_REFUSED },
		{ IPC_E_ALREADY_PRESENT, IPC_EXIT_REFUSED },
		{ IPC_E_RUNNING, IPC_EXIT_REFUSED },
		{ IPC_E_RESTARTING, IPC_EXIT_REFUSED },
		{ IPC_E_SHUTTING_DOWN, IPC_EXIT_REFUSED },
		{ IPC_E_BUSY, IPC_EXIT_REFUSED },
		{ IPC_E_NOPROC, IPC_EXIT_NOT_FOUND },
		{ IPC_E_CALLING_SELF, IPC_EXIT_REFUSED },
		{ IPC_E_MAILBOX_FULL, IPC_EXIT_REFUSED },
		{ IPC_E_UNKNOWN_TX, IPC_EXIT_NOT_FOUND },
		{ IPC_E_NO_SAGA, IPC_EXIT_NOT_FOUND },
		{ IPC_E_DECIDED, IPC_EXIT_REFUSED },
	};
	size_t i;

	if (code == NULL)
		return IPC_EXIT_OK;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].exit;
	return IPC_EXIT_FAILED;
}

int
ipc_signal_parse(const char *s)
{
	int i, n;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (isdigit((unsigned char)*s)) {
		n = atoi(s);
		for (i = 0; s[i] != '\0'; i++)
			if (!isdigit((unsigned char)s[i]))
				return -1;
		return n >= 1 && n < NSIG ? n : -1;
	}
	for (i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev != NULL && strcasecmp(abbrev, s) == 0)
			return i;
	}
	return -1;
}
