/*
 * The status page (page.html and page.js, compiled in by
 * scripts/embed.py), and how a browser comes by the token: /login takes
 * it in a form and gives it back as an HttpOnly, SameSite=Strict cookie,
 * so the page's script never holds it; the page's changes send that
 * cookie with an X-Herd-Change header, which no cross-site form can add
 * (http.c). Both files are static: what the page shows it fetches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http-int.h"
#include "util.h"

extern const char herd_page_html[];
extern const size_t herd_page_html_len;
extern const char herd_page_js[];
extern const size_t herd_page_js_len;
extern const char herd_login_html[];
extern const size_t herd_login_html_len;

#define COOKIE_MAX_AGE_S 86400

/* Only the page's own script and style, nothing from elsewhere. */
static const char csp[] = "default-src 'none'; script-src 'self'; "
    "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static void
send_static(struct evhttp_request *req, int code, const char *type,
    const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Content-Security-Policy", csp);
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evbuffer_add_reference(b, body, len, NULL, NULL);
	http_send(req, code, type, b);
	evbuffer_free(b);
}

void
http_page(struct http *http, struct evhttp_request *req)
{
	(void)http;
	send_static(req, 200, "text/html; charset=utf-8", herd_page_html,
	    herd_page_html_len);
}

void
http_page_js(struct http *http, struct evhttp_request *req)
{
	(void)http;
	send_static(req, 200, "text/javascript; charset=utf-8", herd_page_js,
	    herd_page_js_len);
}

void
http_page_login(struct http *http, struct evhttp_request *req, int code)
{
	(void)http;
	send_static(req, code, "text/html; charset=utf-8", herd_login_html,
	    herd_login_html_len);
}

static void
redirect(struct evhttp_request *req, const char *to, const char *cookie)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	if (cookie != NULL)
		evhttp_add_header(out, "Set-Cookie", cookie);
	evhttp_add_header(out, "Location", to);
	http_send_text(req, 303, "text/plain; charset=utf-8", "see other\n");
}

void
http_login(struct http *http, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	struct evkeyvalq kv;
	const char *tok;
	char *body, *cookie;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		http_page_login(http, req, 200);
		return;
	}
	if (http->token == NULL) {
		http_send_error(req, 403, "refused", "no token is configured "
		    "(http.token_file)");
		return;
	}
	/* spent before the check (an empty bucket checks nothing), given
	 * back on success: failed guesses are what it counts */
	if (!http_spend(http, &http->logins, req))
		return;
	body = xcalloc(1, n + 1);
	evbuffer_copyout(in, body, n);
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(body, &kv) == 0 &&
	    (tok = evhttp_find_header(&kv, "token")) != NULL &&
	    http_token_is(http, tok, strlen(tok))) {
		http->logins.level += 1;
		cookie = xprintf("herd_token=%s; HttpOnly; SameSite=Strict; "
		    "Path=/; Max-Age=%d", tok, COOKIE_MAX_AGE_S);
		redirect(req, "/", cookie);
		explicit_bzero(cookie, strlen(cookie));
		free(cookie);
	} else {
		http_page_login(http, req, 401);
	}
	evhttp_clear_headers(&kv);
	explicit_bzero(body, n);
	free(body);
}

void
http_logout(struct http *http, struct evhttp_request *req)
{
	(void)http;
	redirect(req, "/login", "herd_token=; HttpOnly; SameSite=Strict; "
	    "Path=/; Max-Age=0");
}
