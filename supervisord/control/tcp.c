/*
 * The optional remote control listener: tls+tcp:// on the control socket,
 * off unless control.tcp is configured. Peers outside control.tcp.allow are
 * dropped as their pipe is added. A peer whose client certificate
 * control.tcp.ca verified and whose subject or DNS name is in
 * control.tcp.allow_subjects acts as the local user it maps to (access.c
 * decides what that user may do); any other is read-only. herdd's own TLS
 * engine (tls-engine.c) is what tells whose certificate it was.
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
#include "tls-engine.h"
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
	size_t i;
	int rv;

	if (cc->tcp_url == NULL)
		return 0;
	if ((rv = tls_engine_register()) != 0) {
		snprintf(cause, len, "tls engine: %s", nng_strerror(rv));
		return -1;
	}
	allow = xcalloc(1, sizeof *allow);
	allow->list.ntcp_allow = cc->ntcp_allow;
	allow->list.tcp_allow = xcalloc(cc->ntcp_allow + 1,
	    sizeof *cc->tcp_allow);
	memcpy(allow->list.tcp_allow, cc->tcp_allow,
	    cc->ntcp_allow * sizeof *cc->tcp_allow);
	/* as the listener was made: a reload changes it at the next start */
	allow->list.ntcp_subjects = cc->ntcp_subjects;
	allow->list.tcp_subjects = xcalloc(cc->ntcp_subjects + 1,
	    sizeof *cc->tcp_subjects);
	for (i = 0; i < cc->ntcp_subjects; i++) {
		allow->list.tcp_subjects[i].name =
		    xstrdup(cc->tcp_subjects[i].name);
		allow->list.tcp_subjects[i].uid = cc->tcp_subjects[i].uid;
	}
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
	log_info("control listener on %s (%s)", cc->tcp_url,
	    cc->tls_ca == NULL ? "read-only: no control.tcp.ca" :
	    cc->ntcp_subjects == 0 ? "read-only: no control.tcp."
	    "allow_subjects" : "clients act as the users their certificates "
	    "map to");
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
	size_t i;

	if (allow == NULL)
		return;
	free(allow->list.tcp_allow);
	for (i = 0; i < allow->list.ntcp_subjects; i++)
		free(allow->list.tcp_subjects[i].name);
	free(allow->list.tcp_subjects);
	free(allow);
	allow = NULL;
}

/* Whether NAME is the peer's subject or one of its DNS names. */
static int
peer_is(const struct tls_peer *p, const char *name)
{
	const char *d;

	if (strcmp(p->subject, name) == 0)
		return 1;
	for (d = p->dns; *d != '\0'; d += strlen(d) + 1)
		if (strcmp(d, name) == 0)
			return 1;
	return 0;
}

void
tcp_peer_identify(struct request *r)
{
	struct tls_peer p;
	size_t i;

	r->tls_verified = tls_engine_peer(nng_msg_get_pipe(r->msg), &p);
	if (!r->tls_verified)
		return;
	snprintf(r->subject, sizeof r->subject, "%s", p.subject);
	for (i = 0; allow != NULL && i < allow->list.ntcp_subjects; i++)
		if (peer_is(&p, allow->list.tcp_subjects[i].name)) {
			r->uid = (int)allow->list.tcp_subjects[i].uid;
			return;
		}
}
