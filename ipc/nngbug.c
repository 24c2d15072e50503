/*
 * nng 1.5.2 (Debian 12's) hangs in nng_close of a sub0 socket while its
 * pipe receives: the pipe's receive aio, closed as a message completes,
 * never finishes, so nng's reaper waits on it for ever (sub0_pipe_stop)
 * and nng_close with it; every later close in the process hangs too.
 * Upstream #1543, fixed after 1.5.2. tests/test_nng_bugs.c shows it (a
 * publisher flooding, a subscriber closed: hangs within a few tries) and
 * fails once an nng without the bug is installed, so this can go.
 *
 * herd's sub0 sockets: herdctl's event stream (events -f, wait), closed
 * here, just before herdctl exits; and herdd's own probe of its event
 * socket, which speaks the SP handshake on a plain socket instead
 * (supervisord/sockets/guard.c). The test harness closes its subscriber
 * only once herdd is gone, when nothing can arrive.
 */
#include "nngbug.h"

void
nngbug_sub_release(nng_socket s)
{
#if NNGBUG_SUB_CLOSE_HANGS
	(void)s; /* the exit closes its connection */
#else
	nng_close(s);
#endif
}
