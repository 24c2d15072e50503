/* herdd's TLS engine for nng, which knows whose certificate a connection
 * presented (tls-engine.c). */
#ifndef HERDD_TLS_ENGINE_H
#define HERDD_TLS_ENGINE_H

#include <nng/nng.h>

/* A connection's verified client certificate. */
struct tls_peer {
	int verified;
	char subject[256]; /* "CN=ci, O=example", as mbedTLS prints it */
	char dns[512];     /* its DNS names, "DNS:name" strings one after
	                      another, each NUL-ended, "" after the last */
};

/* Makes it the engine of every TLS config allocated from now on (call
 * before nng_tls_config_alloc). 0 or an nng error. */
int tls_engine_register(void);
/* The identity of pipe p's peer (herdd's thread only); returns whether
 * its certificate was verified (out is then filled). */
int tls_engine_peer(nng_pipe p, struct tls_peer *out);

#endif
