/* herd.json's schema: one row per key, with the kinds of object it belongs
 * to, the field it sets, its check and its default. docs/config.md and
 * docs/herd.schema.json describe the same table. */

#include <stddef.h>

#include "conf-private.h"

#define TOP(f) CONF_T_TOP, offsetof(struct conf, f)
#define SUP(f) CONF_T_SUP, offsetof(struct conf_sup, f)
#define CHILD(f) CONF_T_CHILD, offsetof(struct conf_child, f)
#define BACKOFF(f) CONF_T_BACKOFF, offsetof(struct conf_backoff, f)
#define CTL(f) CONF_T_CONTROL, offsetof(struct conf_control, f)
#define WORKER CONF_K_WORKER
#define SUPCHILD CONF_K_SUPCHILD

/* name, kinds, field, check, then as needed: integer type and range, enum
 * names, default (JSON text), required. */
const struct conf_key conf_keys[] = {
	/* the top level */
	{ "$schema", CONF_K_TOP, TOP(path), conf_set_ignore, .dflt = NULL },
	{ "run_dir", CONF_K_TOP, TOP(run_dir), conf_set_str, .min = 1,
	    .dflt = "\"/run/herd\"" },
	{ "log_dir", CONF_K_TOP, TOP(log_dir), conf_set_str, .min = 1,
	    .dflt = "\"/var/log/herd\"" },
	{ "log_max_bytes", CONF_K_TOP, TOP(log_max_bytes), conf_set_int,
	    CONF_F_SIZE, .dflt = "10485760" },
	{ "log_backups", CONF_K_TOP, TOP(log_backups), conf_set_int,
	    CONF_F_UINT, 0, 100, .dflt = "5" },
	{ "notify_abstract", CONF_K_TOP, TOP(notify_abstract), conf_set_bool,
	    .dflt = "false" },
	{ "log_level", CONF_K_TOP, TOP(log_level), conf_set_enum,
	    .names = conf_log_level_names, .dflt = "\"info\"" },
	{ "supervisor", CONF_K_TOP, CONF_T_TOP, 0, conf_set_root,
	    .required = 1 },
	{ "control", CONF_K_TOP, TOP(control), conf_set_control,
	    .dflt = "{}" },
	{ "sagas", CONF_K_TOP, TOP(sagas), conf_set_sagas, .dflt = NULL },
	{ "http", CONF_K_TOP, TOP(http), conf_set_http, .dflt = NULL },

	/* the "control" object; keys that set several fields get the whole
	 * struct (offset 0) */
	{ "group", CONF_K_CONTROL, CONF_T_CONTROL, 0, conf_set_ctl_group,
	    .dflt = NULL },
	{ "allow_users", CONF_K_CONTROL, CONF_T_CONTROL, 0, conf_set_uid_list,
	    .dflt = NULL },
	{ "allow_groups", CONF_K_CONTROL, CONF_T_CONTROL, 0, conf_set_gid_list,
	    .dflt = NULL },
	{ "allow_run_as", CONF_K_CONTROL, CONF_T_CONTROL, 0, conf_set_run_as,
	    .dflt = NULL },
	{ "max_request_bytes", CONF_K_CONTROL, CTL(max_request_bytes),
	    conf_set_int, CONF_F_SIZE, 1024, 16777216, .dflt = "65536" },
	{ "event_ring", CONF_K_CONTROL, CTL(event_ring), conf_set_int,
	    CONF_F_UINT, 16, 1000000, .dflt = "4096" },
	{ "max_connections", CONF_K_CONTROL, CTL(max_conns), conf_set_int,
	    CONF_F_UINT, 1, 1000000, .dflt = "8192" },
	{ "max_connections_per_user", CONF_K_CONTROL, CTL(max_conns_user),
	    conf_set_int, CONF_F_UINT, 1, 1000000, .dflt = "2048" },
	{ "tcp", CONF_K_CONTROL, CONF_T_CONTROL, 0, conf_set_tcp, .dflt = NULL },

	/* "control.tcp" */
	{ "url", CONF_K_TCP, CTL(tcp_url), conf_set_tcp_url, .required = 1 },
	{ "cert", CONF_K_TCP, CTL(tls_cert), conf_set_str, .min = 1,
	    .required = 1 },
	{ "key", CONF_K_TCP, CTL(tls_key), conf_set_str, .min = 1,
	    .required = 1 },
	{ "ca", CONF_K_TCP, CTL(tls_ca), conf_set_str, .min = 1 },
	{ "allow_subjects", CONF_K_TCP, CONF_T_CONTROL, 0, conf_set_subjects,
	    .dflt = NULL },
	{ "allow", CONF_K_TCP, CONF_T_CONTROL, 0, conf_set_cidr_list,
	    .required = 1 },

	/* every child */
	{ "name", CONF_K_CHILD, CHILD(name), conf_set_name, .required = 1 },
	{ "type", CONF_K_CHILD, CHILD(type), conf_set_enum,
	    .names = conf_type_names, .dflt = "\"worker\"" },
	{ "restart", CONF_K_CHILD, CHILD(restart), conf_set_enum,
	    .names = conf_restart_names, .dflt = "\"permanent\"" },
	{ "shutdown", WORKER, CHILD(shutdown_ms), conf_set_shutdown,
	    .dflt = "5000" },
	{ "shutdown", SUPCHILD, CHILD(shutdown_ms), conf_set_shutdown,
	    .dflt = "\"infinity\"" },
	{ "significant", CONF_K_CHILD, CHILD(significant), conf_set_bool,
	    .dflt = "false" },

	/* supervisors: the root one and children of type "supervisor" */
	{ "strategy", CONF_K_SUP, SUP(strategy), conf_set_enum,
	    .names = conf_strategy_names, .dflt = "\"one_for_one\"" },
	{ "intensity", CONF_K_SUP, SUP(intensity), conf_set_int, CONF_F_UINT,
	    .dflt = "1" },
	{ "period_ms", CONF_K_SUP, SUP(period_ms), conf_set_int, CONF_F_UINT,
	    1, .dflt = "5000" },
	{ "auto_shutdown", CONF_K_SUP, SUP(auto_shutdown), conf_set_enum,
	    .names = conf_auto_shutdown_names, .dflt = "\"never\"" },
	{ "max_instances", CONF_K_SUP, SUP(max_instances), conf_set_int,
	    CONF_F_UINT, .dflt = "0" },
	{ "children", CONF_K_SUP, CONF_T_SUP, 0, conf_set_children,
	    .dflt = NULL },

	/* workers */
	{ "command", WORKER, CHILD(argv), conf_set_command, .required = 1 },
	{ "env", WORKER, CHILD(env), conf_set_env, .dflt = NULL },
	{ "clear_env", WORKER, CHILD(clear_env), conf_set_bool,
	    .dflt = "false" },
	{ "cwd", WORKER, CHILD(cwd), conf_set_str, .min = 1 },
	{ "user", WORKER, CONF_T_CHILD, 0, conf_set_user, .dflt = NULL },
	{ "group", WORKER, CONF_T_CHILD, 0, conf_set_group, .dflt = NULL },
	{ "umask", WORKER, CHILD(umask), conf_set_umask, .dflt = NULL },
	{ "stop_signal", WORKER, CHILD(stop_signal), conf_set_signal,
	    .dflt = "\"TERM\"" },
	{ "ready", WORKER, CHILD(ready), conf_set_enum,
	    .names = conf_ready_names, .dflt = "\"exec\"" },
	{ "ready_fd", WORKER, CHILD(ready_fd), conf_set_int, CONF_F_INT, 3,
	    1023, .dflt = "3" },
	{ "ready_timeout_ms", WORKER, CHILD(ready_timeout_ms), conf_set_int,
	    CONF_F_UINT, .dflt = "0" },
	{ "watchdog_ms", WORKER, CHILD(watchdog_ms), conf_set_int,
	    CONF_F_UINT, .dflt = "0" },
	{ "liveness_ms", WORKER, CHILD(liveness_ms), conf_set_int,
	    CONF_F_UINT, .dflt = "0" },
	{ "liveness_timeout_ms", WORKER, CHILD(liveness_timeout_ms),
	    conf_set_int, CONF_F_UINT, .dflt = "0" },
	{ "mailbox_bytes", WORKER, CHILD(mailbox_bytes), conf_set_int,
	    CONF_F_SIZE, 65536, 268435456, .dflt = "8388608" },
	{ "normal_exit_codes", WORKER, CHILD(normal_exit), conf_set_exit_codes,
	    .dflt = NULL },
	{ "backoff", WORKER, CHILD(backoff), conf_set_backoff, .dflt = NULL },
	{ "limits", WORKER, CHILD(limits), conf_set_limits, .dflt = NULL },
	{ "cgroup", WORKER, CHILD(cgroup), conf_set_cgroup, .dflt = NULL },
	{ "stdout", WORKER, CHILD(out), conf_set_enum,
	    .names = conf_output_names, .dflt = "\"log\"" },
	{ "stderr", WORKER, CHILD(err), conf_set_enum,
	    .names = conf_output_names, .dflt = "\"log\"" },

	/* a worker's "backoff" object */
	{ "initial_ms", CONF_K_BACKOFF, BACKOFF(initial_ms), conf_set_int,
	    CONF_F_UINT, 1, .dflt = "100" },
	{ "max_ms", CONF_K_BACKOFF, BACKOFF(max_ms), conf_set_int,
	    CONF_F_UINT, 1, .dflt = "30000" },
	{ "multiplier", CONF_K_BACKOFF, BACKOFF(multiplier), conf_set_number,
	    .min = 1, .dflt = "2.0" },
	{ "jitter", CONF_K_BACKOFF, BACKOFF(jitter), conf_set_number,
	    .min = 0, .max = 1, .dflt = "0.1" },
	{ "reset_after_ms", CONF_K_BACKOFF, BACKOFF(reset_after_ms),
	    conf_set_int, CONF_F_UINT, .dflt = "10000" },
};

const size_t conf_nkeys = sizeof conf_keys / sizeof conf_keys[0];

_Static_assert(sizeof conf_keys / sizeof conf_keys[0] <= 64,
    "the key masks are 64 bits");
