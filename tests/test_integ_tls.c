/* The optional tls+tcp control listener: TLS only, an allow list of peer
 * addresses, mutating ops only with a client certificate the CA verified. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* Makes a CA, a server cert for localhost and a client cert in the temp
 * dir with openssl; skips the test when openssl is missing. */
static void
make_certs(struct ht *h)
{
	char cmd[4096];

	if (system("command -v openssl >/dev/null 2>&1") != 0)
		skip();
	snprintf(cmd, sizeof cmd,
	    "(cd %s && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 2 -subj /CN=herd-test-ca && "
	    "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
	    "-subj /CN=localhost && "
	    "printf 'subjectAltName=DNS:localhost\\n' > ext.cnf && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf && "
	    "openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr "
	    "-subj /CN=client && "
	    "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out cli.pem -days 2) >/dev/null 2>&1",
	    h->dir);
	assert_int_equal(system(cmd), 0);
}

/* A free loopback port, from the test's pid (tests run one at a time). */
static int
port(void)
{
	return 20000 + (int)(getpid() % 20000);
}

static void
boot_tls(struct ht *h, int with_ca, const char *allow)
{
	char tmpl[2048];

	snprintf(tmpl, sizeof tmpl,
	    "{" HT_DIRS ",'control':{'tcp':{'url':'tls+tcp://127.0.0.1:%d',"
	    "'cert':'@TMP@/srv.pem','key':'@TMP@/srv.key',%s"
	    "'allow':['%s']}},"
	    "'supervisor':{'children':[{'name':'a','command':['@CHILD@',"
	    "'sleep']}]}}",
	    port(), with_ca ? "'ca':'@TMP@/ca.pem'," : "", allow);
	ht_boot(h, tmpl);
}

/* nngcat req over TLS; returns its exit status, output in *out. */
static int
nngcat(struct ht *h, const char *data, int client_cert, const char **out)
{
	char url[64], ca[512], cert[512], key[512];
	const char *err;
	char *argv[20];
	int i = 0;

	if (system("command -v nngcat >/dev/null 2>&1") != 0)
		skip();
	snprintf(url, sizeof url, "tls+tcp://localhost:%d", port());
	snprintf(ca, sizeof ca, "%s/ca.pem", h->dir);
	snprintf(cert, sizeof cert, "%s/cli.pem", h->dir);
	snprintf(key, sizeof key, "%s/cli.key", h->dir);
	argv[i++] = "nngcat";
	argv[i++] = "--req0";
	argv[i++] = "--dial";
	argv[i++] = url;
	argv[i++] = "--cacert";
	argv[i++] = ca;
	if (client_cert) {
		argv[i++] = "--cert";
		argv[i++] = cert;
		argv[i++] = "--key";
		argv[i++] = key;
	}
	argv[i++] = "--ascii";
	argv[i++] = "--data";
	argv[i++] = (char *)data;
	argv[i] = NULL;
	return ht_run(h, argv, ht_ms(5000), out, &err);
}

/* Without a CA, TCP peers may read but not change anything. */
static void
test_integ_tls_read_only_without_ca(void **state)
{
	struct ht *h = *state;
	const char *out;
	pid_t pa;

	make_certs(h);
	boot_tls(h, 0, "127.0.0.1/32");
	pa = ht_pid(h, "a");
	assert_int_equal(nngcat(h, "{\"v\":1,\"id\":1,\"op\":\"status\"}", 0,
	    &out), 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	assert_non_null(strstr(out, "\"path\":\"a\""));
	assert_int_equal(nngcat(h, "{\"v\":1,\"id\":2,\"op\":\"stop\","
	    "\"args\":{\"name\":\"a\"}}", 0, &out), 0);
	assert_non_null(strstr(out, "\"code\":\"refused\""));
	assert_int_equal(ht_pid(h, "a"), pa);
}

/* With a CA, a client with a verified certificate may stop a child. */
static void
test_integ_tls_client_cert_may_mutate(void **state)
{
	struct ht *h = *state;
	const char *out;

	make_certs(h);
	boot_tls(h, 1, "127.0.0.0/8");
	assert_int_equal(nngcat(h, "{\"v\":1,\"id\":2,\"op\":\"stop\","
	    "\"args\":{\"name\":\"a\"}}", 1, &out), 0);
	assert_non_null(strstr(out, "\"ok\":true"));
	assert_string_equal(ht_status(h, "a").state, "stopped");
}

/* A peer outside the allow list is dropped: no reply, herdd serves on. */
static void
test_integ_tls_allow_list_drops_others(void **state)
{
	struct ht *h = *state;
	const char *out;

	make_certs(h);
	boot_tls(h, 0, "10.0.0.0/8");
	assert_int_not_equal(nngcat(h, "{\"v\":1,\"id\":1,\"op\":\"ping\"}",
	    0, &out), 0);
	assert_null(strstr(out, "pong"));
	assert_string_equal(ht_status(h, "a").state, "running");
}

/* Plain tcp:// is refused by the config check. */
static void
test_integ_tls_plain_tcp_refused(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	char *argv[5];

	ht_launch(h, "{" HT_DIRS ",'control':{'tcp':{'url':"
	    "'tcp://127.0.0.1:7070','cert':'/x','key':'/y','allow':"
	    "['127.0.0.1']}},'supervisor':{'children':[]}}");
	assert_int_equal(ht_wait_exit(h, HT_T), 1);
	argv[0] = h->herdd;
	argv[1] = "-c";
	argv[2] = h->conf;
	argv[3] = "--check";
	argv[4] = NULL;
	assert_int_equal(ht_run(h, argv, HT_T, &out, &err), 1);
	assert_non_null(strstr(err, "requires TLS"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_read_only_without_ca, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_client_cert_may_mutate, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_allow_list_drops_others, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_plain_tcp_refused, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
