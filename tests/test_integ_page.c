/*
 * The status page in headless Chromium (issue 13), driven through
 * chromedriver's WebDriver protocol (JSON over HTTP on loopback, spoken
 * with the harness's own HTTP client): the page loads behind the token's
 * form, shows every child of the tree, follows a kill live, its buttons
 * work with the token and are refused without it, and what children
 * print reaches it as text, never as HTML. A screenshot goes to
 * BUILD/test-output/page.png. HERD_PAGE_CHILDREN=N (make bench-page)
 * runs it on N children and prints the timings for docs/performance.md.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define TOKEN "page-token-0123456789abcdef"

struct wd {
	struct ht *h;
	char addr[64];    /* chromedriver's */
	char session[128];
	const char *herd; /* herdd's HTTP address */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* A WebDriver command with BODY (taken); its "value" (caller frees). */
static cJSON *
wd_cmd(struct wd *w, const char *method, const char *path, cJSON *body)
{
	char url[256], *text = NULL;
	struct ht_resp r;
	cJSON *j, *v;

	/* "/session" as it is, else a command of the session */
	if (path[0] == '/')
		snprintf(url, sizeof url, "%s", path);
	else
		snprintf(url, sizeof url, "/session/%s%s%s", w->session,
		    path[0] ? "/" : "", path);
	if (body != NULL) {
		text = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
	}
	r = ht_http(w->h, w->addr, method, url, "", text);
	free(text);
	j = cJSON_Parse(r.body);
	if (j == NULL || r.status != 200)
		fail_msg("webdriver %s %s: %d %s", method, url, r.status, r.raw);
	v = cJSON_DetachItemFromObject(j, "value");
	cJSON_Delete(j);
	return v;
}

/* Runs SCRIPT (a function body) in the page; its return value, printed
 * as JSON (harness-owned). */
static const char *
wd_js(struct wd *w, const char *script)
{
	cJSON *b = cJSON_CreateObject(), *v;
	char *s;

	cJSON_AddStringToObject(b, "script", script);
	cJSON_AddArrayToObject(b, "args");
	v = wd_cmd(w, "POST", "execute/sync", b);
	s = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	return ht_keep_str(w->h, s);
}

/* Waits until SCRIPT returns true; fails with LAST's value otherwise. */
static void
wd_until(struct wd *w, const char *script, int timeout_ms, const char *why)
{
	double end = now_ms() + timeout_ms;
	struct timespec ts = { 0, 50 * 1000000L };

	while (now_ms() < end) {
		if (strcmp(wd_js(w, script), "true") == 0)
			return;
		nanosleep(&ts, NULL); /* the page has nothing to notify us with */
	}
	fail_msg("page: %s not seen in %d ms (web %s; rows %s; text %s)", why,
	    timeout_ms, wd_js(w, "return JSON.stringify([st.kids.get('web'), "
	    "st.busy, st.again, st.timer, [...st.dirty]]);"),
	    wd_js(w, "return [...document.querySelectorAll("
	    "'.row')].map((r) => r.dataset.path).join(' ');"),
	    wd_js(w, "return document.body.innerText.slice(0, 1000);"));
}

static void
wd_start(struct wd *w)
{
	struct ht *h = w->h;
	const char *log = ht_path(h, "chromedriver.log"), *out;
	char *p;
	pid_t pid;
	cJSON *caps, *opts, *args, *v;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		freopen(log, "w", stdout);
		dup2(1, 2);
		execlp("chromedriver", "chromedriver", "--port=0", (char *)NULL);
		_exit(127);
	}
	ht_adopt(h, pid);
	out = ht_wait_file(h, log, "started successfully on port ", HT_T);
	p = strstr(out, "successfully on port ") + 21;
	snprintf(w->addr, sizeof w->addr, "127.0.0.1:%d", atoi(p));

	caps = cJSON_CreateObject();
	opts = cJSON_AddObjectToObject(cJSON_AddObjectToObject(
	    cJSON_AddObjectToObject(caps, "capabilities"), "alwaysMatch"),
	    "goog:chromeOptions");
	cJSON_AddStringToObject(opts, "binary", "/usr/bin/chromium");
	args = cJSON_AddArrayToObject(opts, "args");
	cJSON_AddItemToArray(args, cJSON_CreateString("--headless=new"));
	cJSON_AddItemToArray(args, cJSON_CreateString("--no-sandbox"));
	cJSON_AddItemToArray(args, cJSON_CreateString("--disable-gpu"));
	cJSON_AddItemToArray(args, cJSON_CreateString(
	    "--disable-dev-shm-usage"));
	cJSON_AddItemToArray(args, cJSON_CreateString(
	    "--window-size=1400,1000"));
	p = NULL;
	if (asprintf(&p, "--user-data-dir=%s", ht_path(h, "chromium")) < 0)
		abort();
	cJSON_AddItemToArray(args, cJSON_CreateString(p));
	free(p);
	v = wd_cmd(w, "POST", "/session", caps);
	snprintf(w->session, sizeof w->session, "%s",
	    cJSON_GetStringValue(cJSON_GetObjectItem(v, "sessionId")));
	cJSON_Delete(v);
	assert_true(w->session[0] != '\0');
}

static void
wd_stop(struct wd *w)
{
	cJSON_Delete(wd_cmd(w, "DELETE", "", NULL));
}

static void
wd_go(struct wd *w, const char *path)
{
	cJSON *b = cJSON_CreateObject();
	char url[128];

	snprintf(url, sizeof url, "http://%s%s", w->herd, path);
	cJSON_AddStringToObject(b, "url", url);
	cJSON_Delete(wd_cmd(w, "POST", "url", b));
}

/* Base64 (the screenshot) into a file. */
static void
write_b64(const char *path, const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	FILE *f = fopen(path, "wb");
	unsigned v = 0;
	int bits = 0;
	const char *p;

	assert_non_null(f);
	for (; *s != '\0' && *s != '='; s++) {
		if ((p = strchr(tab, *s)) == NULL)
			continue;
		v = (v << 6) | (unsigned)(p - tab);
		if ((bits += 6) >= 8) {
			bits -= 8;
			fputc((int)((v >> bits) & 0xff), f);
		}
	}
	fclose(f);
}

static void
screenshot(struct wd *w, const char *name)
{
	const char *b = getenv("HERD_BUILD");
	char dir[4096], path[4200];
	cJSON *v;

	snprintf(dir, sizeof dir, "%s/test-output", b ? b : ".");
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	v = wd_cmd(w, "GET", "screenshot", NULL);
	write_b64(path, cJSON_GetStringValue(v));
	cJSON_Delete(v);
	printf("screenshot: %s\n", path);
}

/* A config of N plain children besides the ones the test pokes. */
static char *
conf_with(int n)
{
	size_t cap = 4096 + (size_t)n * 96, len;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "{" HT_DIRS ",'http':{'listen':"
	    "'127.0.0.1:0','token_file':'@TMP@/token'},'supervisor':{"
	    "'intensity':100,'children':["
	    "{'name':'web','command':['@CHILD@','sleep']},"
	    "{'name':'noisy','command':['sh','@TMP@/noisy.sh']},"
	    "{'name':'pool','type':'supervisor','strategy':'one_for_all',"
	    "'children':[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s{'name':'w%d',"
		    "'command':['@CHILD@','sleep'],'stdout':'null',"
		    "'stderr':'null'}", i ? "," : "", i);
	snprintf(s + len, cap - len, "]}]}}");
	return s;
}

static void
test_integ_page_live(void **state)
{
	struct ht *h = *state;
	const char *env = getenv("HERD_PAGE_CHILDREN"), *v;
	int n = env != NULL ? atoi(env) : 40;
	struct wd w = { h, "", "", NULL };
	char js[1024], *conf;
	double t0, t_load, t_kill;
	pid_t pid, pid2;

	assert_int_equal(ht_write_file(h, ht_path(h, "token"), TOKEN "\n"),
	    0);
	assert_int_equal(chmod(ht_path(h, "token"), 0600), 0);
	/* output full of what HTML would take for markup */
	assert_int_equal(ht_write_file(h, ht_path(h, "noisy.sh"),
	    "printf '<img src=x onerror=\"window.pwned=1\"> & \\047 <b>\\n';"
	    " exec sleep 1000\n"), 0);
	conf = conf_with(n);
	ht_boot(h, conf);
	free(conf);
	ht_wait_event(h, "herd.started", NULL, ht_ms(HT_TIMEOUT + n * 5));
	w.herd = ht_http_addr(h);
	wd_start(&w);

	/* without the token: the form */
	t0 = now_ms();
	wd_go(&w, "/");
	wd_until(&w, "return !!document.getElementById('token');", HT_T,
	    "the token's form");
	snprintf(js, sizeof js, "document.getElementById('token').value = "
	    "'%s'; document.querySelector('form').submit(); return true;",
	    TOKEN);
	wd_js(&w, js);
	snprintf(js, sizeof js, "const s = document.getElementById('shown');"
	    " return !!s && s.textContent === '%d children';", n + 3);
	wd_until(&w, js, ht_ms(HT_TIMEOUT + n * 2), "every child counted");
	t_load = now_ms() - t0;
	wd_until(&w, "return document.getElementById('live').textContent "
	    "=== 'live';", HT_T, "the event stream");

	/* the rows: web's pid as herdd says, and the last child drawn
	 * once scrolled to */
	pid = ht_pid(h, "web");
	snprintf(js, sizeof js, "const r = document.querySelector("
	    "'.row[data-path=\"web\"]'); return !!r && r.children[3]"
	    ".textContent === '%d';", (int)pid);
	wd_until(&w, js, HT_T, "web's row with its pid");
	snprintf(js, sizeof js, "const s = document.getElementById('scroll');"
	    " s.scrollTop = s.scrollHeight; return !!document.querySelector("
	    "'.row[data-path=\"pool/w%d\"]');", n - 1);
	wd_until(&w, js, HT_T, "the last child's row");
	v = wd_js(&w, "return document.querySelectorAll('.row').length;");
	printf("rows in the DOM for %d children: %s\n", n + 3, v);
	assert_true(atoi(v) < 200); /* drawn where the window shows them */
	wd_js(&w, "document.getElementById('scroll').scrollTop = 0; "
	    "return true;");

	/* a kill, followed live */
	t0 = now_ms();
	kill(pid, SIGKILL);
	ht_wait_event(h, "child.started", "web", HT_T);
	pid2 = ht_pid(h, "web");
	snprintf(js, sizeof js, "const r = document.querySelector("
	    "'.row[data-path=\"web\"]'); return !!r && r.children[3]"
	    ".textContent === '%d' && r.children[5].textContent === '1';",
	    (int)pid2);
	wd_until(&w, js, ht_ms(15000), "web's new pid and one restart");
	t_kill = now_ms() - t0;
	printf("page: %d children, loaded and counted in %.0f ms, a kill "
	    "shown in %.0f ms\n", n + 3, t_load, t_kill);
	{
		static const char *const paths[] = { "/metrics",
		    "/api/v1/status" };
		struct ht_resp r;
		for (size_t k = 0; k < 2; k++) {
			t0 = now_ms();
			r = ht_http(h, w.herd, "GET", paths[k],
			    "Authorization: Bearer " TOKEN "\r\n", NULL);
			assert_int_equal(r.status, 200);
			printf("GET %s: %zu bytes in %.1f ms\n", paths[k],
			    strlen(r.body), now_ms() - t0);
		}
	}

	/* the restart button, with the page's cookie */
	wd_js(&w, "document.querySelector('.row[data-path=\"web\"] "
	    "button[data-op=\"restart\"]').click(); return true;");
	ht_wait_event(h, "child.stopping", "web", HT_T);
	ht_wait_event(h, "child.started", "web", HT_T);
	assert_true(ht_pid(h, "web") != pid2);
	snprintf(js, sizeof js, "const r = document.querySelector("
	    "'.row[data-path=\"web\"]'); return !!r && r.children[3]"
	    ".textContent === '%d';", (int)ht_pid(h, "web"));
	wd_until(&w, js, HT_T, "web's pid after the button's restart");

	/* without the header only the page sends, a change is refused */
	pid2 = ht_pid(h, "web");
	v = wd_js(&w, "const x = new XMLHttpRequest(); x.open('POST', "
	    "'/api/v1/stop', false); x.setRequestHeader('Content-Type', "
	    "'application/json'); x.send('{\"name\":\"web\"}'); "
	    "return x.status;");
	assert_string_equal(v, "401");
	assert_int_equal(ht_pid(h, "web"), pid2);

	/* output as text: the markup shows, and nothing ran */
	wd_js(&w, "document.querySelector('.row[data-path=\"noisy\"]')"
	    ".click(); return true;");
	wd_until(&w, "return document.getElementById('logtext').textContent"
	    ".includes('<img src=x onerror=\"window.pwned=1\"> & \\' <b>');",
	    HT_T, "noisy's output as text");
	assert_string_equal(wd_js(&w, "return document.querySelectorAll("
	    "'#logs img, #logs b').length === 0 && window.pwned === "
	    "undefined;"), "true");
	screenshot(&w, n > 100 ? "page-many.png" : "page.png");

	/* logged out: the form again, and the button's change is refused */
	wd_js(&w, "const x = new XMLHttpRequest(); x.open('POST', "
	    "'/logout', false); x.send(); return true;");
	v = wd_js(&w, "const x = new XMLHttpRequest(); x.open('POST', "
	    "'/api/v1/stop', false); x.setRequestHeader('X-Herd-Change', '1');"
	    " x.send('{\"name\":\"web\"}'); return x.status;");
	assert_string_equal(v, "401");
	assert_int_equal(ht_pid(h, "web"), pid2);
	wd_go(&w, "/");
	wd_until(&w, "return !!document.getElementById('token');", HT_T,
	    "the form after logout");
	wd_stop(&w);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_page_live,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_page", tests, NULL, NULL);
}
