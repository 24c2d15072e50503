/* The optional tls+tcp control listener: TLS 1.2 or later only, an allow
 * list of peer addresses, clients matched by certificate subject to local
 * users (control.tcp.allow_subjects), others read-only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* Makes a CA, a server cert for localhost and client certs in the temp
 * dir with openssl: "cli" (CN=client), "other" (CN=other, DNS name
 * other.example) and "foreign" (CN=client, from another CA). */
static void
make_certs(struct ht *h)
{
	char cmd[8192];

	if (system("command -v openssl >/dev/null 2>&1") != 0)
		fail_msg("openssl is missing (scripts/deps.sh installs it)");
	snprintf(cmd, sizeof cmd,
	    "(cd %s && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 2 -subj /CN=herd-test-ca && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout fca.key "
	    "-out fca.pem -days 2 -subj /CN=foreign-ca && "
	    "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr "
	    "-subj /CN=localhost && "
	    "printf 'subjectAltName=DNS:localhost\\n' > ext.cnf && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out srv.pem -days 2 -extfile ext.cnf && "
	    "openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr "
	    "-subj /CN=client && "
	    "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out cli.pem -days 2 && "
	    "openssl req -newkey rsa:2048 -nodes -keyout other.key "
	    "-out other.csr -subj /CN=other && "
	    "printf 'subjectAltName=DNS:other.example\\n' > oext.cnf && "
	    "openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out other.pem -days 2 -extfile oext.cnf && "
	    "openssl req -newkey rsa:2048 -nodes -keyout foreign.key "
	    "-out foreign.csr -subj /CN=client && "
	    "openssl x509 -req -in foreign.csr -CA fca.pem -CAkey fca.key "
	    "-CAcreateserial -out foreign.pem -days 2) >/dev/null 2>&1",
	    h->dir);
	assert_int_equal(system(cmd), 0);
}

/* A free loopback port, from the test's pid (tests run one at a time). */
static int
port(void)
{
	return 20000 + (int)(getpid() % 20000);
}

/* herdd with the tls listener; EXTRA goes into "control.tcp" (the CA,
 * allow_subjects), CONTROL into "control". */
static void
boot_tls_with(struct ht *h, const char *extra, const char *control,
    const char *allow)
{
	char tmpl[4096];

	snprintf(tmpl, sizeof tmpl,
	    "{" HT_DIRS ",'control':{%s'tcp':{'url':'tls+tcp://127.0.0.1:%d',"
	    "'cert':'@TMP@/srv.pem','key':'@TMP@/srv.key',%s"
	    "'allow':['%s']}},"
	    "'supervisor':{'children':[{'name':'a','command':['@CHILD@',"
	    "'sleep']}]}}", control, port(), extra, allow);
	ht_boot(h, tmpl);
}

static void
boot_tls(struct ht *h, int with_ca, const char *allow)
{
	boot_tls_with(h, with_ca ? "'ca':'@TMP@/ca.pem'," : "", "", allow);
}

/* nngcat req over TLS with client certificate CERT ("cli", "other",
 * "foreign"; NULL: none); returns its exit status, output in *out. */
static int
nngcat_as(struct ht *h, const char *data, const char *cert_name,
    const char **out)
{
	char url[64], ca[512], cert[512], key[512];
	const char *err;
	char *argv[20];
	int i = 0;

	if (system("command -v nngcat >/dev/null 2>&1") != 0)
		fail_msg("nngcat is missing (scripts/deps.sh installs it)");
	snprintf(url, sizeof url, "tls+tcp://localhost:%d", port());
	snprintf(ca, sizeof ca, "%s/ca.pem", h->dir);
	snprintf(cert, sizeof cert, "%s/%s.pem", h->dir, cert_name ? cert_name :
	    "");
	snprintf(key, sizeof key, "%s/%s.key", h->dir, cert_name ? cert_name :
	    "");
	argv[i++] = "nngcat";
	argv[i++] = "--req0";
	argv[i++] = "--dial";
	argv[i++] = url;
	argv[i++] = "--cacert";
	argv[i++] = ca;
	if (cert_name != NULL) {
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

static int
nngcat(struct ht *h, const char *data, int client_cert, const char **out)
{
	return nngcat_as(h, data, client_cert ? "cli" : NULL, out);
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

#define STOP_A "{\"v\":1,\"id\":2,\"op\":\"stop\",\"args\":{\"name\":\"a\"}}"

/*
 * With a CA, a client is matched by its certificate's subject or DNS name
 * (control.tcp.allow_subjects), not by the CA alone: one mapped to a user
 * who may mutate stops a child; a verified but unmapped one is read-only
 * (this was issue 9's finding 4: any certificate of the CA ran commands
 * as root).
 */
static void
test_integ_tls_subject_maps_to_user(void **state)
{
	struct ht *h = *state;
	const char *out;

	make_certs(h);
	boot_tls_with(h, "'ca':'@TMP@/ca.pem','allow_subjects':"
	    "{'CN=client':'root','DNS:other.example':'nobody'},", "",
	    "127.0.0.0/8");
	/* mapped to nobody, who may not mutate: refused, named */
	assert_int_equal(nngcat_as(h, STOP_A, "other", &out), 0);
	HT_CONTAINS(out, "\"code\":\"refused\"");
	HT_CONTAINS(out, "the tls client \\\"CN=other\\\", mapped to uid "
	    "65534, may not stop");
	assert_string_equal(ht_status(h, "a").state, "running");
	/* reads are open to it */
	assert_int_equal(nngcat_as(h, "{\"v\":1,\"id\":1,\"op\":\"status\"}",
	    "other", &out), 0);
	HT_CONTAINS(out, "\"ok\":true");
	/* mapped to root */
	assert_int_equal(nngcat_as(h, STOP_A, "cli", &out), 0);
	HT_CONTAINS(out, "\"ok\":true");
	assert_string_equal(ht_status(h, "a").state, "stopped");
}

/* A verified certificate that allow_subjects does not name is read-only,
 * and with no allow_subjects at all every client is. */
static void
test_integ_tls_unmapped_certificate_read_only(void **state)
{
	struct ht *h = *state;
	const char *out;

	make_certs(h);
	boot_tls(h, 1, "127.0.0.0/8");
	assert_int_equal(nngcat_as(h, STOP_A, "cli", &out), 0);
	HT_CONTAINS(out, "\"code\":\"refused\"");
	HT_CONTAINS(out, "its certificate is not in control.tcp.allow_subjects");
	assert_string_equal(ht_status(h, "a").state, "running");
}

/* A client mapped to a user runs what it adds as that user (access.c). */
static void
test_integ_tls_mapped_client_adds_as_its_user(void **state)
{
	struct ht *h = *state;
	char req[4200], path[64], line[128];
	const char *out;
	FILE *f;
	int uid = -1;

	if (geteuid() != 0)
		fail_msg("needs root to run a child as nobody");
	make_certs(h);
	boot_tls_with(h, "'ca':'@TMP@/ca.pem','allow_subjects':"
	    "{'DNS:other.example':'nobody'},", "'allow_users':['nobody'],",
	    "127.0.0.0/8");
	snprintf(req, sizeof req, "{\"v\":1,\"id\":3,\"op\":\"add_child\","
	    "\"args\":{\"child\":{\"name\":\"x\",\"command\":[\"/bin/sleep\","
	    "\"600\"]}}}");
	assert_int_equal(nngcat_as(h, req, "other", &out), 0);
	HT_CONTAINS(out, "\"ok\":true");
	snprintf(path, sizeof path, "/proc/%d/status", (int)ht_pid(h, "x"));
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "Uid: %d", &uid) == 1)
			break;
	fclose(f);
	assert_int_equal(uid, 65534);
}

/* A certificate from another CA, with the same subject, gets no session. */
static void
test_integ_tls_foreign_ca_refused(void **state)
{
	struct ht *h = *state;
	const char *out;

	make_certs(h);
	boot_tls_with(h, "'ca':'@TMP@/ca.pem','allow_subjects':"
	    "{'CN=client':'root'},", "", "127.0.0.0/8");
	assert_int_not_equal(nngcat_as(h, STOP_A, "foreign", &out), 0);
	assert_null(strstr(out, "\"ok\""));
	assert_string_equal(ht_status(h, "a").state, "running");
	/* the same subject from herd's CA still works */
	assert_int_equal(nngcat_as(h, STOP_A, "cli", &out), 0);
	HT_CONTAINS(out, "\"ok\":true");
}

/* TLS 1.0 and 1.1 are refused; TLS 1.2 works (openssl s_client). */
static void
test_integ_tls_old_versions_refused(void **state)
{
	struct ht *h = *state;
	static const char *const old[] = { "-tls1", "-tls1_1" };
	char connect[64], script[512];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *out, *err;
	size_t i;

	make_certs(h);
	boot_tls(h, 0, "127.0.0.0/8");
	snprintf(connect, sizeof connect, "127.0.0.1:%d", port());
	for (i = 0; i < 2; i++) {
		/* SECLEVEL=0 so that openssl itself offers the old version */
		snprintf(script, sizeof script, "openssl s_client -connect %s "
		    "%s -cipher 'DEFAULT@SECLEVEL=0' </dev/null 2>&1",
		    connect, old[i]);
		ht_run(h, argv, ht_ms(5000), &out, &err);
		if (strstr(out, "Protocol  : TLSv1") != NULL &&
		    strstr(out, "Cipher is (NONE)") == NULL)
			fail_msg("%s was accepted:\n%s", old[i], out);
		HT_CONTAINS(out, "alert protocol version");
	}
	snprintf(script, sizeof script, "openssl s_client -connect %s -tls1_2 "
	    "</dev/null 2>&1", connect);
	ht_run(h, argv, ht_ms(5000), &out, &err);
	HT_CONTAINS(out, "Protocol  : TLSv1.2");
	assert_string_equal(ht_status(h, "a").state, "running");
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
		    test_integ_tls_subject_maps_to_user, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_unmapped_certificate_read_only, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_mapped_client_adds_as_its_user, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_foreign_ca_refused, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_old_versions_refused, ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_allow_list_drops_others, ht_setup,
		    ht_teardown),
		cmocka_unit_test_setup_teardown(
		    test_integ_tls_plain_tcp_refused, ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
