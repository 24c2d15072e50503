/* herd's wire protocol: JSON envelopes over nng, shared by herdd and herdctl.
 *
 * Request:  {"v":1,"id":N,"op":"status","args":{...}}
 * Reply:    {"v":1,"id":N,"ok":true,"result":{...}}
 *           {"v":1,"id":N,"ok":false,"error":{"code":"not_found","message":"..."}}
 * Event:    "<topic> " followed by a JSON object, one per pub0 message, e.g.
 *           child.started {"seq":7,"event":"child.started","path":"api/web",...}
 * See docs/protocol.md.
 */
#ifndef HERD_IPC_H
#define HERD_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* herd's release, shared by herdd and herdctl. */
#define HERD_VERSION "0.1.0"
#define IPC_VERSION 1
/* Largest request herdd accepts by default (control.max_request_bytes);
 * replies and events may be larger. */
#define IPC_REQUEST_MAX (64 * 1024)
/* The smallest max_request_bytes a config may set: a client may send up to
 * this without asking herdd its limit first (the version op tells it). */
#define IPC_REQUEST_FLOOR 1024
/* Largest reply a client accepts (status of tens of thousands of children). */
#define IPC_REPLY_MAX (64 * 1024 * 1024)

/* Error codes carried in error.code; herdctl maps them to exit codes. */
#define IPC_E_BAD_REQUEST "bad_request"
#define IPC_E_UNKNOWN_OP "unknown_op"
#define IPC_E_BAD_VERSION "bad_version"
#define IPC_E_TOO_LARGE "too_large"
#define IPC_E_NOT_FOUND "not_found"
#define IPC_E_REFUSED "refused"
#define IPC_E_ALREADY_STARTED "already_started"
#define IPC_E_ALREADY_PRESENT "already_present"
#define IPC_E_RUNNING "running"
#define IPC_E_RESTARTING "restarting"
#define IPC_E_SHUTTING_DOWN "shutting_down"
#define IPC_E_BUSY "busy"
#define IPC_E_FAILED "failed"
#define IPC_E_INVALID_CONFIG "invalid_config"
#define IPC_E_INTERNAL "internal"
/* actors (ACTORS.md's names) */
#define IPC_E_NOPROC "noproc"
#define IPC_E_TIMEOUT "timeout"
#define IPC_E_CALLING_SELF "calling_self"
#define IPC_E_MAILBOX_FULL "mailbox_full"
/* the saga coordinator's (herd.tx, docs/sagas.md) */
#define IPC_E_UNKNOWN_TX "unknown_tx"
#define IPC_E_NO_SAGA "no_saga"
#define IPC_E_DECIDED "decided"

/* herdctl exit codes, one per class of failure (documented in herdctl --help). */
#define IPC_EXIT_OK 0
#define IPC_EXIT_FAILED 1      /* the operation ran and failed */
#define IPC_EXIT_USAGE 2       /* bad command line */
#define IPC_EXIT_NOT_FOUND 3   /* no such child */
#define IPC_EXIT_REFUSED 4     /* not allowed, or refused in this state */
#define IPC_EXIT_UNREACHABLE 5 /* herdd not running or not answering */

/* Writes "ipc://<run_dir>/control.sock" (or events.sock) into buf. Returns 0,
 * or -1 when it does not fit. */
int ipc_control_url(const char *run_dir, char *buf, size_t len);
int ipc_events_url(const char *run_dir, char *buf, size_t len);

/* A decoded request. The strings and args point into req->root, which the
 * caller frees with ipc_request_clear. */
struct ipc_request {
	cJSON *root;
	uint64_t id;
	const char *op;
	cJSON *args; /* object, never NULL after a successful decode */
};

/*
 * Decodes one request of LEN bytes (not NUL-terminated; the caller checks
 * the size limit). Returns 0, or -1
 * with *code set to an IPC_E_* constant and *cause to a message (caller
 * frees). req->id is set whenever the id could be read, so the error reply
 * can carry it.
 */
int ipc_request_decode(const void *buf, size_t len, struct ipc_request *req,
    const char **code, char **cause);
void ipc_request_clear(struct ipc_request *req);

/* Builds a request; caller owns the result. ARGS is taken (may be NULL). */
cJSON *ipc_request_new(uint64_t id, const char *op, cJSON *args);

/* Builds a reply; caller owns the result. RESULT is taken (may be NULL). */
cJSON *ipc_reply_ok(uint64_t id, cJSON *result);
cJSON *ipc_reply_error(uint64_t id, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints J without spaces; caller frees. Never NULL (allocation failure
 * aborts). */
char *ipc_print(const cJSON *j);

/* vasprintf that aborts when out of memory (herdd and herdctl treat that
 * as fatal); caller frees. */
char *ipc_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Maps an error code to herdctl's exit code. */
int ipc_exit_code(const char *code);
/* A signal by name ("TERM", "SIGTERM", any case) or number ("9"); -1 if
 * S is none of them. herdd's signal op and herdctl take the same. */
int ipc_signal_parse(const char *s);

#endif
