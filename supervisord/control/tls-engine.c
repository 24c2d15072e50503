/*
 * herdd's TLS engine for nng, on mbedTLS (the library nng's own engine
 * uses, already linked). It exists for one reason: nng 1.5.2 tells a pipe
 * only whether its peer's certificate verified, never whose it is, and
 * herdd must match a client by certificate subject or SAN
 * (control.tcp.allow_subjects), not by CA alone. This engine remembers
 * each connection's verified subject and DNS names after the handshake.
 * When herdd asks a pipe NNG_OPT_TLS_VERIFIED, nng calls this engine's
 * verified() on herdd's own thread, under the connection's lock: that call
 * copies the identity into a thread-local record, which tls_engine_peer()
 * reads right after (the one workaround, kept here; test_integ_tls shows
 * why). TLS 1.2 is the oldest version it speaks, whatever is asked.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>

#include "tls-engine.h"
#include "util.h"

/* A certificate and its key (own_cert may be called more than once). */
struct pair {
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	struct pair *next;
};

struct nng_tls_engine_config {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crl crl;
	int has_ca, has_crl;
	char *server_name;
	struct pair *pairs;
	int server;
};

struct nng_tls_engine_conn {
	void *tls;                       /* nng's side, for send and recv */
	mbedtls_ssl_context ssl;
	struct tls_peer peer;            /* set once the handshake is done */
};

static pthread_once_t rng_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t rng_mtx = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int rng_ok;

static _Thread_local struct tls_peer last_peer;

static void
rng_init(void)
{
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	rng_ok = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	    (const unsigned char *)"herdd", 5) == 0;
}

static int
rng(void *arg, unsigned char *buf, size_t len)
{
	int rv;

	pthread_mutex_lock(&rng_mtx);
	rv = mbedtls_ctr_drbg_random(&drbg, buf, len);
	pthread_mutex_unlock(&rng_mtx);
	return rv;
}

/* ---- configs ---- */

static int
config_init(nng_tls_engine_config *cfg, nng_tls_mode mode)
{
	int server = mode == NNG_TLS_MODE_SERVER;

	pthread_once(&rng_once, rng_init);
	if (!rng_ok)
		return NNG_ECRYPTO;
	memset(cfg, 0, sizeof *cfg);
	cfg->server = server;
	mbedtls_ssl_config_init(&cfg->conf);
	mbedtls_x509_crt_init(&cfg->ca);
	mbedtls_x509_crl_init(&cfg->crl);
	if (mbedtls_ssl_config_defaults(&cfg->conf, server ?
	    MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		mbedtls_ssl_config_free(&cfg->conf);
		return NNG_ECRYPTO;
	}
	mbedtls_ssl_conf_rng(&cfg->conf, rng, NULL);
	mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&cfg->conf, server ?
	    MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
	return 0;
}

static void
config_fini(nng_tls_engine_config *cfg)
{
	struct pair *p;

	while ((p = cfg->pairs) != NULL) {
		cfg->pairs = p->next;
		mbedtls_x509_crt_free(&p->crt);
		mbedtls_pk_free(&p->key);
		free(p);
	}
	mbedtls_x509_crt_free(&cfg->ca);
	mbedtls_x509_crl_free(&cfg->crl);
	mbedtls_ssl_config_free(&cfg->conf);
	free(cfg->server_name);
}

static int
config_server(nng_tls_engine_config *cfg, const char *name)
{
	free(cfg->server_name);
	cfg->server_name = xstrdup(name);
	return 0;
}

static int
config_auth(nng_tls_engine_config *cfg, nng_tls_auth_mode mode)
{
	int m;

	switch (mode) {
	case NNG_TLS_AUTH_MODE_NONE:
		m = MBEDTLS_SSL_VERIFY_NONE;
		break;
	case NNG_TLS_AUTH_MODE_OPTIONAL:
		m = MBEDTLS_SSL_VERIFY_OPTIONAL;
		break;
	case NNG_TLS_AUTH_MODE_REQUIRED:
		m = MBEDTLS_SSL_VERIFY_REQUIRED;
		break;
	default:
		return NNG_EINVAL;
	}
	mbedtls_ssl_conf_authmode(&cfg->conf, m);
	return 0;
}

static int
config_ca_chain(nng_tls_engine_config *cfg, const char *certs,
    const char *crl)
{
	if (mbedtls_x509_crt_parse(&cfg->ca, (const unsigned char *)certs,
	    strlen(certs) + 1) != 0)
		return NNG_ECRYPTO;
	cfg->has_ca = 1;
	if (crl != NULL) {
		if (mbedtls_x509_crl_parse(&cfg->crl,
		    (const unsigned char *)crl, strlen(crl) + 1) != 0)
			return NNG_ECRYPTO;
		cfg->has_crl = 1;
	}
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->ca, cfg->has_crl ?
	    &cfg->crl : NULL);
	return 0;
}

static int
config_own_cert(nng_tls_engine_config *cfg, const char *cert,
    const char *key, const char *pass)
{
	struct pair *p = xcalloc(1, sizeof *p);

	mbedtls_x509_crt_init(&p->crt);
	mbedtls_pk_init(&p->key);
	if (mbedtls_x509_crt_parse(&p->crt, (const unsigned char *)cert,
	    strlen(cert) + 1) != 0 ||
	    mbedtls_pk_parse_key(&p->key, (const unsigned char *)key,
	    strlen(key) + 1, (const unsigned char *)pass, pass ? strlen(pass) :
	    0) != 0 ||
	    mbedtls_ssl_conf_own_cert(&cfg->conf, &p->crt, &p->key) != 0) {
		mbedtls_x509_crt_free(&p->crt);
		mbedtls_pk_free(&p->key);
		free(p);
		return NNG_EINVAL;
	}
	p->next = cfg->pairs;
	cfg->pairs = p;
	return 0;
}

/* TLS 1.2 at least, whatever is asked; 1.3 is not in mbedTLS 2.28. */
static int
config_version(nng_tls_engine_config *cfg, nng_tls_version min,
    nng_tls_version max)
{
	if (max < NNG_TLS_1_2)
		return NNG_ENOTSUP;
	mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

/* ---- connections ---- */

static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct nng_tls_engine_conn *c = arg;
	size_t n = len;

	switch (nng_tls_engine_send(c->tls, buf, &n)) {
	case 0:
		return (int)n;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	default:
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct nng_tls_engine_conn *c = arg;
	size_t n = len;

	switch (nng_tls_engine_recv(c->tls, buf, &n)) {
	case 0:
		return (int)n;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_READ;
	default:
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

static int
conn_init(nng_tls_engine_conn *c, void *tls, nng_tls_engine_config *cfg)
{
	memset(c, 0, sizeof *c);
	c->tls = tls;
	mbedtls_ssl_init(&c->ssl);
	if (mbedtls_ssl_setup(&c->ssl, &cfg->conf) != 0 ||
	    (!cfg->server && cfg->server_name != NULL &&
	    mbedtls_ssl_set_hostname(&c->ssl, cfg->server_name) != 0)) {
		mbedtls_ssl_free(&c->ssl);
		return NNG_ENOMEM;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

static void
conn_fini(nng_tls_engine_conn *c)
{
	mbedtls_ssl_free(&c->ssl);
}

static void
conn_close(nng_tls_engine_conn *c)
{
	(void)mbedtls_ssl_close_notify(&c->ssl);
}

/* Keeps the verified peer's subject and DNS names (at most what fits). */
static void
remember_peer(nng_tls_engine_conn *c)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&c->ssl);
	const mbedtls_x509_sequence *s;
	mbedtls_x509_subject_alternative_name san;
	size_t n = 0, len;

	memset(&c->peer, 0, sizeof c->peer);
	if (crt == NULL || mbedtls_ssl_get_verify_result(&c->ssl) != 0)
		return;
	c->peer.verified = 1;
	if (mbedtls_x509_dn_gets(c->peer.subject, sizeof c->peer.subject,
	    &crt->subject) < 0)
		c->peer.subject[0] = '\0';
	for (s = &crt->subject_alt_names; s != NULL && s->buf.p != NULL;
	    s = s->next) {
		if (mbedtls_x509_parse_subject_alt_name(&s->buf, &san) != 0 ||
		    san.type != MBEDTLS_X509_SAN_DNS_NAME)
			continue;
		len = san.san.unstructured_name.len;
		if (n + len + 5 >= sizeof c->peer.dns)
			break;
		memcpy(c->peer.dns + n, "DNS:", 4);
		memcpy(c->peer.dns + n + 4, san.san.unstructured_name.p, len);
		n += 4 + len;
		c->peer.dns[n++] = '\0'; /* a list of strings, "" ends it */
	}
}

static int
conn_handshake(nng_tls_engine_conn *c)
{
	int rv = mbedtls_ssl_handshake(&c->ssl);

	switch (rv) {
	case 0:
		remember_peer(c);
		return 0;
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return NNG_EAGAIN;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
	case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
	case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
	case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
		return NNG_EPEERAUTH;
	default:
		return NNG_ECRYPTO;
	}
}

static int
conn_recv(nng_tls_engine_conn *c, uint8_t *buf, size_t *len)
{
	int rv = mbedtls_ssl_read(&c->ssl, buf, *len);

	if (rv > 0) {
		*len = (size_t)rv;
		return 0;
	}
	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	if (rv == 0 || rv == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return NNG_ECLOSED;
	return NNG_ECRYPTO;
}

static int
conn_send(nng_tls_engine_conn *c, const uint8_t *buf, size_t *len)
{
	int rv = mbedtls_ssl_write(&c->ssl, buf, *len);

	if (rv > 0) {
		*len = (size_t)rv;
		return 0;
	}
	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	return NNG_ECRYPTO;
}

/* nng asks this on the thread that asked NNG_OPT_TLS_VERIFIED, under the
 * connection's lock: the identity is copied for tls_engine_peer. */
static bool
conn_verified(nng_tls_engine_conn *c)
{
	last_peer = c->peer;
	return c->peer.verified != 0;
}

static nng_tls_engine_config_ops config_ops = {
	.size = sizeof(nng_tls_engine_config),
	.init = config_init,
	.fini = config_fini,
	.server = config_server,
	.auth = config_auth,
	.ca_chain = config_ca_chain,
	.own_cert = config_own_cert,
	.version = config_version,
};

static nng_tls_engine_conn_ops conn_ops = {
	.size = sizeof(nng_tls_engine_conn),
	.init = conn_init,
	.fini = conn_fini,
	.close = conn_close,
	.handshake = conn_handshake,
	.recv = conn_recv,
	.send = conn_send,
	.verified = conn_verified,
};

static const nng_tls_engine engine = {
	.version = NNG_TLS_ENGINE_VERSION,
	.config_ops = &config_ops,
	.conn_ops = &conn_ops,
	.name = "herd-mbedtls",
	.description = "herdd's engine on mbed TLS " MBEDTLS_VERSION_STRING
	    ", for certificate subjects",
	.fips_mode = false,
};

int
tls_engine_register(void)
{
	return nng_tls_engine_register(&engine);
}

int
tls_engine_peer(nng_pipe p, struct tls_peer *out)
{
	bool v = false;

	memset(&last_peer, 0, sizeof last_peer);
	if (nng_pipe_get_bool(p, NNG_OPT_TLS_VERIFIED, &v) != 0)
		v = false;
	*out = last_peer;
	out->verified = v && last_peer.verified;
	return out->verified;
}
