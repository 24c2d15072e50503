/*
 * The optional remote control listener: tls+tcp:// on the control socket,
 * off unless control.tcp is configured. Peers outside control.tcp.allow are
 * dropped as their pipe is added; a peer may send mutating ops only if it
 * presented a client certificate that control.tcp.ca verified.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "control.h"
#include "log.h"
#include "util.h"

/* The allow list, copied: nng's threads read it while a reload may free
 * the config it came from. */
struct tcp_allow {
	struct conf_control list;
};

static struct tcp_allow *allow;

static int
read_file(const char *path, char **out, char *cause, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096, r;
	char *buf;

	if (f == NULL) {
		snprintf(cause, len, "cannot read %s: %m", path);
		return -1;
	}
	buf = xcalloc(1, cap + 1);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* nng's pipe callback (its thread): drop tcp peers not allowed. */
static void
admit_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct sockaddr_storage ss;
	nng_sockaddr na;

	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &na) != 0)
		return;
	memset(&ss, 0, sizeof ss);
	if (na.s_family == NNG_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = na.s_in.sa_addr;
	} else if (na.s_family == NNG_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, na.s_in6.sa_addr, 16);
	} else {
		return; /* ipc: the socket file's mode guards it */
	}
	if (allow == NULL ||
	    !conf_cidr_match(&allow->list, (struct sockaddr *)&ss))
		nng_pipe_close(p);
}

int
tcp_listen(struct control *ctl, nng_socket sock, char *cause, size_t len)
{
	const struct conf_control *cc = &ctl->h->conf->control;
	nng_tls_config *cfg = NULL;
	nng_listener l;
	char *cert = NULL, *key = NULL;
	int rv;

	if (cc->tcp_url == NULL)
		return 0;
	allow = xcalloc(1, sizeof *allow);
	allow->list.ntcp_allow = cc->ntcp_allow;
	allow->list.tcp_allow = xcalloc(cc->ntcp_allow + 1,
	    sizeof *cc->tcp_allow);
	memcpy(allow->list.tcp_allow, cc->tcp_allow,
	    cc->ntcp_allow * sizeof *cc->tcp_allow);
	nng_pipe_notify(sock, NNG_PIPE_EV_ADD_PRE, admit_cb, NULL);

	if (read_file(cc->tls_cert, &cert, cause, len) == -1 ||
	    read_file(cc->tls_key, &key, cause, len) == -1)
		goto fail;
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0) {
		snprintf(cause, len, "tls certificate %s / key %s: %s",
		    cc->tls_cert, cc->tls_key, nng_strerror(rv));
		goto fail;
	}
	if (cc->tls_ca != NULL &&
	    ((rv = nng_tls_config_ca_file(cfg, cc->tls_ca)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg,
	    NNG_TLS_AUTH_MODE_REQUIRED)) != 0)) {
		snprintf(cause, len, "tls ca %s: %s", cc->tls_ca,
		    nng_strerror(rv));
		goto fail;
	}
	if (cc->tls_ca == NULL)
		nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_NONE);
	if ((rv = nng_listener_create(&l, sock, cc->tcp_url)) != 0 ||
	    (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg)) != 0 ||
	    (rv = nng_listener_start(l, 0)) != 0) {
		snprintf(cause, len, "cannot listen on %s: %s", cc->tcp_url,
		    nng_strerror(rv));
		goto fail;
	}
	log_info("control listener on %s (%s)", cc->tcp_url, cc->tls_ca ?
	    "clients with a verified certificate may change things" :
	    "read-only: no control.tcp.ca");
	nng_tls_config_free(cfg); /* the listener holds its own reference */
	free(cert);
	free(key);
	return 0;
fail:
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	free(cert);
	free(key);
	return -1;
}

void
tcp_close(void)
{
	if (allow == NULL)
		return;
	free(allow->list.tcp_allow);
	free(allow);
	allow = NULL;
}

void
tcp_peer_identify(struct request *r)
{
	bool v = false;

	r->tls_verified = nng_pipe_get_bool(nng_msg_get_pipe(r->msg),
	    NNG_OPT_TLS_VERIFIED, &v) == 0 && v;
}
