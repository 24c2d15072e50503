/* Private interface shared by the conf/ files: positions, errors, schema. */
#ifndef HERD_CONF_PRIVATE_H
#define HERD_CONF_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"

/* Found values longer than this are cut and end in "...". */
#define CONF_FOUND_MAX 40

/* ---- conf-pos.c: byte offsets of the values and keys of a cJSON tree ---- */

struct conf_pos;

/*
 * Walks TEXT (LEN bytes, already accepted by cJSON as ROOT) in step with ROOT
 * and records where each value and key starts. Returns NULL when out of
 * memory; caller frees with conf_pos_destroy.
 */
struct conf_pos *conf_pos_create(const char *text, size_t len,
    const cJSON *root);
void conf_pos_destroy(struct conf_pos *p);
/* Offset of NODE's value (its first byte), 0 if unknown. */
size_t conf_pos_value(const struct conf_pos *p, const cJSON *node);
/* Offset just past NODE's value. */
size_t conf_pos_value_end(const struct conf_pos *p, const cJSON *node);
/* Offset of the opening quote of NODE's key (an object member). */
size_t conf_pos_key(const struct conf_pos *p, const cJSON *node);
/* 1-based line and byte column of offset OFF in TEXT. */
void conf_pos_linecol(const char *text, size_t len, size_t off,
    unsigned *line, unsigned *col);

/* ---- conf-err.c: the validation context, paths and collected errors ---- */

struct conf_err {
	size_t off;  /* byte offset the message points at */
	size_t seq;  /* order of discovery, to keep the sort stable */
	char *msg;   /* "PATH: message" */
};

struct conf_ctx {
	const char *file; /* name used in messages */
	const char *text;
	size_t len;
	struct conf_pos *pos;
	struct conf_err *errs;
	size_t nerrs, errcap;
	char *path; /* JSON path of what is being checked, "" for the root */
	size_t pathlen, pathcap;
	int oom;
};

void conf_ctx_init(struct conf_ctx *ctx, const char *file, const char *text,
    size_t len);
void conf_ctx_clear(struct conf_ctx *ctx);

/* Appends ".KEY" (or "[\"KEY\"]") / "[I]" to the path; returns the old
 * length for conf_path_pop. */
size_t conf_path_key(struct conf_ctx *ctx, const char *key);
size_t conf_path_index(struct conf_ctx *ctx, size_t i);
/* Appends S as it is. */
size_t conf_path_raw(struct conf_ctx *ctx, const char *s);
void conf_path_pop(struct conf_ctx *ctx, size_t len);
/* The current path as printed: "(root)" when empty. Borrowed. */
const char *conf_path(const struct conf_ctx *ctx);

/* Records "PATH: message" at byte OFF / at V's value / at V's key. */
void conf_err_at(struct conf_ctx *ctx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conf_err_val(struct conf_ctx *ctx, const cJSON *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conf_err_key(struct conf_ctx *ctx, const cJSON *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records "expected WHAT, found V" at V. Always returns -1. */
int conf_err_expected(struct conf_ctx *ctx, const cJSON *v, const char *what);
/* Writes V as shown after "found" (compact JSON, cut) into BUF. */
const char *conf_found(const struct conf_ctx *ctx, const cJSON *v, char *buf,
    size_t size);

/* Sorts the errors by position and moves them, formatted
 * "FILE:LINE:COL: PATH: message", into ERRS. */
void conf_ctx_take_errors(struct conf_ctx *ctx, struct conf_errors *errs);
/* Sets ERRS to the single message "FILE: WHAT". */
void conf_errors_single(struct conf_errors *errs, const char *file,
    const char *what);

/* Allocation that records failure in ctx->oom instead of exiting. */
void *conf_calloc(struct conf_ctx *ctx, size_t n, size_t size);
char *conf_strdup(struct conf_ctx *ctx, const char *s);

/* ---- the schema table (conf-schema.c) and value checks (conf-value.c) ---- */

/* Kinds of object; a key lists the kinds it belongs to. */
#define CONF_K_TOP 0x01u
#define CONF_K_ROOT 0x02u     /* the top-level "supervisor" object */
#define CONF_K_WORKER 0x04u
#define CONF_K_SUPCHILD 0x08u /* a child with "type": "supervisor" */
#define CONF_K_BACKOFF 0x10u
#define CONF_K_CONTROL 0x20u  /* the top-level "control" object */
#define CONF_K_TCP 0x40u      /* its "tcp" object */
#define CONF_K_CHILD (CONF_K_WORKER | CONF_K_SUPCHILD)
#define CONF_K_SUP (CONF_K_ROOT | CONF_K_SUPCHILD)

/* Which struct a key's field lives in. */
enum conf_target {
	CONF_T_TOP,
	CONF_T_SUP,
	CONF_T_CHILD,
	CONF_T_BACKOFF,
	CONF_T_CONTROL /* struct conf_control, for "control" and "tcp" keys */
};
/* How an integer field is stored. */
enum conf_ftype { CONF_F_INT, CONF_F_UINT, CONF_F_LONG, CONF_F_SIZE };

struct conf_key;
/* Checks V and stores it at DST; on error records it and returns -1. */
typedef int (*conf_set_fn)(struct conf_ctx *ctx, const cJSON *v, void *dst,
    const struct conf_key *k);

struct conf_key {
	const char *name;
	unsigned kinds;           /* CONF_K_* objects the key belongs to */
	enum conf_target target;
	size_t off;               /* offsetof the field in the target struct */
	conf_set_fn set;          /* type and check */
	enum conf_ftype ftype;    /* integers: the field's C type */
	double min, max;          /* numbers: range; max <= min: no upper bound */
	const char *const *names; /* enums: NULL-terminated names */
	const char *dflt;         /* default as JSON text; NULL: none */
	int required;
};

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

int conf_set_ignore(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_str(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_bool(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_int(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_number(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_enum(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_name(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_shutdown(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_command(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_env(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_user(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_group(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_umask(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_signal(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_exit_codes(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);

/* ---- conf-control.c: the values of the "control" object ---- */

int conf_set_ctl_group(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_run_as(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_subjects(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_uid_list(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_gid_list(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_tcp_url(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_cidr_list(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
/* Frees what conf_set_* stored in C. */
void conf_control_clear(struct conf_control *c);

/* ---- conf-validate.c: objects, children, cross-key rules ---- */

int conf_set_root(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_children(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_limits(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
/* conf-cgroup.c */
int conf_set_cgroup(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
/* conf-value.c, for the other checks of objects of values */
int conf_value_is_int(const cJSON *v);
int conf_value_duplicate(struct conf_ctx *ctx, const cJSON *v,
    const cJSON *el);
int conf_set_backoff(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_control(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
int conf_set_tcp(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
/* Validates the top-level object ROOT into C (preallocated, zeroed). */
void conf_validate_top(struct conf_ctx *ctx, const cJSON *root,
    struct conf *c);
/* Validates one child object OBJ into C (from conf_child_new). */
void conf_validate_child(struct conf_ctx *ctx, const cJSON *obj,
    struct conf_child *c);
/* A child with the fields that have no table default preset. */
struct conf_child *conf_child_new(struct conf_ctx *ctx);

/* ---- conf-sagas.c: step sagas, walked by hand (the key table's masks
 * have room for few more keys) ---- */
int conf_set_sagas(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
void conf_sagas_clear(struct conf_sagas *s);

/* ---- conf-http.c: the "http" object, walked by hand (the key table's
 * masks are full) ---- */
int conf_set_http(struct conf_ctx *, const cJSON *, void *,
    const struct conf_key *);
void conf_http_clear(struct conf_http *h);

/* ---- conf-names.c: names of enum values and signals ---- */

extern const char *const conf_type_names[];
extern const char *const conf_strategy_names[];
extern const char *const conf_restart_names[];
extern const char *const conf_ready_names[];
extern const char *const conf_auto_shutdown_names[];
extern const char *const conf_output_names[];
extern const char *const conf_log_level_names[];
/* Signal number for NAME ("TERM", "SIGTERM", any case), 0 if unknown. */
int conf_signal_parse(const char *name);

/* ---- conf-load.c ---- */

/* Reads all of PATH into *BUF (caller frees). Returns 0, or an errno. */
int conf_load_read(const char *path, char **buf, size_t *len);

/* ---- conf-free.c ---- */

void conf_sup_clear(struct conf_sup *s);

#endif
