/*
 * LD_PRELOAD shim for the tests (test_integ_clock): the wall clock jumps.
 * Every read of CLOCK_REALTIME (clock_gettime, gettimeofday, time) comes
 * out $HERD_CLOCKJUMP_S seconds later than the read before, on top of
 * real time; the monotonic clocks are left alone. A process that measures
 * intervals on the wall clock sees them hours long; one on the monotonic
 * clock does not notice. The machine's clock is never touched.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

int clock_gettime(clockid_t id, struct timespec *ts);
int gettimeofday(struct timeval *restrict tv, void *restrict tz);
time_t time(time_t *t);

static long long jumped; /* seconds added so far, shared by threads */

static long long
jump(void)
{
	const char *s = getenv("HERD_CLOCKJUMP_S");

	return __atomic_add_fetch(&jumped, s ? atoll(s) : 0,
	    __ATOMIC_RELAXED);
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int rv;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
	rv = real(id, ts);
	if (rv == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += (time_t)jump();
	return rv;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts); /* tv: nonnull, as glibc's */
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
