/* Names of the config's enum values, signals (both ways) and limits. */

#include <signal.h>
#include <stddef.h>
#include <strings.h>
#include <sys/resource.h>

#include "conf-private.h"

/* Indexed by the enum values of conf.h; NULL-terminated for the checks. */
const char *const conf_type_names[] = { "worker", "supervisor", "actor",
	NULL };
const char *const conf_strategy_names[] = { "one_for_one", "one_for_all",
	"rest_for_one", "simple_one_for_one", NULL };
const char *const conf_restart_names[] = { "permanent", "transient",
	"temporary", NULL };
const char *const conf_ready_names[] = { "exec", "notify", "fd", "actor",
	NULL };
const char *const conf_auto_shutdown_names[] = { "never", "any_significant",
	"all_significant", NULL };
const char *const conf_output_names[] = { "log", "null", "inherit", NULL };
const char *const conf_log_level_names[] = { "error", "warning", "info",
    "debug", NULL };

static const struct {
	const char *name; /* without "SIG" */
	int sig;
} conf_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

#define CONF_NSIGNALS (sizeof conf_signals / sizeof conf_signals[0])

static const char *
conf_name(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "?";
}

const char *
conf_type_name(enum conf_type v)
{
	return conf_name(conf_type_names, 3, (int)v);
}

const char *
conf_strategy_name(enum conf_strategy v)
{
	return conf_name(conf_strategy_names, 4, (int)v);
}

const char *
conf_restart_name(enum conf_restart v)
{
	return conf_name(conf_restart_names, 3, (int)v);
}

const char *
conf_ready_name(enum conf_ready v)
{
	return conf_name(conf_ready_names, 4, (int)v);
}

const char *
conf_auto_shutdown_name(enum conf_auto_shutdown v)
{
	return conf_name(conf_auto_shutdown_names, 3, (int)v);
}

const char *
conf_output_name(enum conf_output v)
{
	return conf_name(conf_output_names, 3, (int)v);
}

const char *
conf_signal_name(int sig)
{
	static const char *const full[] = { "SIGHUP", "SIGINT", "SIGQUIT",
		"SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
		"SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
		"SIGTERM", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
		"SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
		"SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
		"SIGSYS" };
	size_t i;

	_Static_assert(sizeof full / sizeof full[0] == CONF_NSIGNALS,
	    "signal tables differ");
	for (i = 0; i < CONF_NSIGNALS; i++) {
		if (conf_signals[i].sig == sig)
			return full[i];
	}
	return NULL;
}

int
conf_signal_parse(const char *name)
{
	size_t i;

	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < CONF_NSIGNALS; i++) {
		if (strcasecmp(conf_signals[i].name, name) == 0)
			return conf_signals[i].sig;
	}
	return 0;
}

int
conf_exit_is_normal(const struct conf_child *c, int code)
{
	if (code == 0)
		return 1;
	if (c == NULL || code < 0 || code > 255)
		return 0;
	return (c->normal_exit[code / 8] >> (code % 8)) & 1;
}

/* "limits": systemd's LimitNAME= names, lower case, in its order. */
const char *const conf_limit_names[CONF_NLIMITS] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nofile", "as",
	"nproc", "memlock", "locks", "sigpending", "msgqueue", "nice",
	"rtprio", "rttime",
};
const int conf_limit_resources[CONF_NLIMITS] = {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE,
	RLIMIT_RSS, RLIMIT_NOFILE, RLIMIT_AS, RLIMIT_NPROC, RLIMIT_MEMLOCK,
	RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE,
	RLIMIT_RTPRIO, RLIMIT_RTTIME,
};
