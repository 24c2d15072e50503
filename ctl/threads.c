/* How many threads nng starts in herdctl, and where they run. */
#include <sched.h>
#include <unistd.h>

#include "ctl.h"

long __real_sysconf(int);
long __wrap_sysconf(int);

/*
 * nng 1.5.2 sizes two of its pools from sysconf(_SC_NPROCESSORS_ONLN) when
 * it starts: two task threads and one timeout thread per CPU (up to 16 and
 * 8), beside the poller, reaper, timer and four resolver threads: 13
 * threads on two CPUs, 31 on eight, each created at nng's first call. A
 * herdctl has one request in flight, so nng is told about one CPU (10
 * threads). The Makefile links herdctl with --wrap=sysconf and with
 * libnng.a, so this reaches nng's calls and herdctl's, not libc's own.
 */
long
__wrap_sysconf(int name)
{
	if (name == _SC_NPROCESSORS_ONLN)
		return 1;
	return __real_sysconf(name);
}

/*
 * Keeps the calling thread, and the threads nng creates after this, on the
 * CPU it runs on. nng hands every step of a request from thread to thread
 * (caller, poller, task thread, caller); on one CPU each hand-over is a
 * context switch instead of a wake-up on another CPU, which may be busy.
 * Only for a command that closes no nng socket before it exits: nng's
 * reaper busy-waits for the task threads when a socket closes, and with
 * both on one CPU it holds that CPU until its time slice ends (measured:
 * 3-5 ms in one close of four). Best effort: an error changes nothing.
 */
void
threads_pin(void)
{
	cpu_set_t set;
	int cpu;

	if ((cpu = sched_getcpu()) < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof set, &set);
}
