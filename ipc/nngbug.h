/* herd's one place for working around nng 1.5.2's close hang (nngbug.c). */
#ifndef HERD_NNGBUG_H
#define HERD_NNGBUG_H

#include <nng/nng.h>

/* Whether this nng hangs closing a sub0 socket whose pipe receives. */
#define NNGBUG_SUB_CLOSE_HANGS (NNG_MAJOR_VERSION == 1 && \
    (NNG_MINOR_VERSION < 5 || (NNG_MINOR_VERSION == 5 && \
    NNG_PATCH_VERSION <= 2)))

/* Lets go of sub0 socket S in a process about to exit: closes it where
 * nng can, else leaves it to the exit. */
void nngbug_sub_release(nng_socket s);

#endif
