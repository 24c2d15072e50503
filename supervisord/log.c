/* herdd's own log lines on stderr: with a level and a timestamp, or, when
 * stderr is the journal ($JOURNAL_STREAM names it), with the journal's
 * "<N>" priority prefix and no timestamp (the journal adds its own). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_level = LOG_LVL_INFO;
static int to_journal;

/* Whether stderr is the stream $JOURNAL_STREAM ("DEV:INO") names. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
	log_level = level;
	to_journal = stderr_is_journal();
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

static void
vlog(enum log_level level, const char *errstr, const char *fmt, va_list ap)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];

	static const int prio[] = { 3, 4, 6, 7 }; /* syslog priorities */

	if (level > log_level)
		return;
	if (to_journal) {
		fprintf(stderr, "<%d>", prio[level]);
		vfprintf(stderr, fmt, ap);
		if (errstr != NULL)
			fprintf(stderr, ": %s", errstr);
		fputc('\n', stderr);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld herdd %s: ", when, ts.tv_nsec / 1000000,
	    names[level]);
	vfprintf(stderr, fmt, ap);
	if (errstr != NULL)
		fprintf(stderr, ": %s", errstr);
	fputc('\n', stderr);
}

#define LOGFN(name, level, witherr)                                   \
	void name(const char *fmt, ...)                               \
	{                                                             \
		const char *e = witherr ? strerror(errno) : NULL;     \
		va_list ap;                                           \
		va_start(ap, fmt);                                    \
		vlog(level, e, fmt, ap);                              \
		va_end(ap);                                           \
	}

LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
