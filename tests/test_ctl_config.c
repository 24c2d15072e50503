/* Tests of herdctl config, reload and diff: the real herdctl binary on a
 * temp config file, and against a fake herdd that answers with canned
 * replies (herdd's side of reload and diff is tested with herdd). */

#include <sys/stat.h>
#include <sys/wait.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "ipc.h"

struct ctx {
	char dir[64];
	char file[128];
	char run[128];
	char herdctl[4096];
	/* the fake herdd */
	nng_socket rep;
	pthread_t thread;
	int serving;
	const char *replies[8]; /* "op" then its reply's result or error */
	char *out, *err;        /* of the last run */
};

static const char config_text[] =
    "{\n"
    "  \"supervisor\": {\n"
    "    \"children\": [\n"
    "      {\n"
    "        \"name\": \"db\",\n"
    "        \"command\": [\"/usr/bin/db\"]\n"
    "      },\n"
    "      {\n"
    "        \"name\": \"api\",\n"
    "        \"type\": \"supervisor\",\n"
    "        \"children\": [\n"
    "          {\n"
    "            \"name\": \"web\",\n"
    "            \"command\": \"web --port 80\"\n"
    "          }\n"
    "        ]\n"
    "      }\n"
    "    ]\n"
    "  }\n"
    "}\n";

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Runs herdctl with ARGS (a shell fragment) and env ENV; keeps its output
 * in c->out and c->err and returns its exit status. */
static int
run(struct ctx *c, const char *env, const char *args)
{
	char cmd[8192], out[160], err[160];
	int st;

	snprintf(out, sizeof out, "%s/out", c->dir);
	snprintf(err, sizeof err, "%s/err", c->dir);
	snprintf(cmd, sizeof cmd, "cd '%s' && env -u HERD_CONFIG "
	    "HERD_RUN_DIR='%s' %s '%s' -t 5s %s >'%s' 2>'%s'", c->dir, c->run,
	    env ? env : "", c->herdctl, args, out, err);
	st = system(cmd);
	free(c->out);
	free(c->err);
	c->out = slurp(out);
	c->err = slurp(err);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void *
fake_herdd(void *arg)
{
	struct ctx *c = arg;
	const cJSON *op, *id;
	cJSON *req, *rep, *body;
	char *s;
	void *buf;
	size_t len, i;

	while (nng_recv(c->rep, &buf, &len, NNG_FLAG_ALLOC) == 0) {
		req = cJSON_ParseWithLength(buf, len);
		nng_free(buf, len);
		op = cJSON_GetObjectItemCaseSensitive(req, "op");
		id = cJSON_GetObjectItemCaseSensitive(req, "id");
		rep = NULL;
		for (i = 0; c->replies[i] != NULL; i += 2) {
			if (strcmp(c->replies[i], op->valuestring) != 0)
				continue;
			body = cJSON_Parse(c->replies[i + 1]);
			assert_non_null(body);
			if (cJSON_GetObjectItemCaseSensitive(body, "code")) {
				rep = ipc_reply_error((uint64_t)id->valuedouble,
				    "x", "x");
				cJSON_ReplaceItemInObject(rep, "error", body);
			} else {
				rep = ipc_reply_ok((uint64_t)id->valuedouble,
				    body);
			}
			break;
		}
		if (rep == NULL)
			rep = ipc_reply_error((uint64_t)id->valuedouble,
			    IPC_E_UNKNOWN_OP, "unknown op");
		s = ipc_print(rep);
		nng_send(c->rep, s, strlen(s), 0);
		free(s);
		cJSON_Delete(rep);
		cJSON_Delete(req);
	}
	return NULL;
}

/* Starts the fake herdd answering OP/REPLY pairs (NULL-terminated). */
static void
serve(struct ctx *c, ...)
{
	char url[256];
	va_list ap;
	size_t n = 0;

	va_start(ap, c);
	while ((c->replies[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	assert_int_equal(ipc_control_url(c->run, url, sizeof url), 0);
	assert_int_equal(nng_rep0_open(&c->rep), 0);
	assert_int_equal(nng_listen(c->rep, url, NULL, 0), 0);
	assert_int_equal(pthread_create(&c->thread, NULL, fake_herdd, c), 0);
	c->serving = 1;
}

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	const char *b = getenv("HERD_BUILD");

	assert_non_null(c);
	snprintf(c->herdctl, sizeof c->herdctl, "%s/herdctl", b ? b : "build");
	snprintf(c->dir, sizeof c->dir, "/tmp/herd-ctlcfg-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->file, sizeof c->file, "%s/herd.json", c->dir);
	snprintf(c->run, sizeof c->run, "%s/run", c->dir);
	assert_int_equal(mkdir(c->run, 0700), 0);
	spit(c->file, config_text);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];

	if (c->serving) {
		nng_close(c->rep);
		pthread_join(c->thread, NULL);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
	assert_int_equal(system(cmd), 0);
	free(c->out);
	free(c->err);
	free(c);
	return 0;
}

static void
test_ctl_config_edit(void **state)
{
	struct ctx *c = *state;
	char *text;

	assert_int_equal(run(c, NULL, "-c herd.json config validate"), 0);
	assert_string_equal(c->out, "herd.json: ok\n");
	assert_int_equal(run(c, "HERD_CONFIG=herd.json", "config show"), 0);
	assert_string_equal(c->out, config_text);
	assert_int_equal(run(c, NULL, "-c herd.json config get api/web"), 0);
	assert_string_equal(c->out, "{\n  \"name\": \"web\",\n  \"command\": "
	    "\"web --port 80\"\n}\n");
	assert_int_equal(run(c, NULL, "-c herd.json --json config get "
	    "supervisor.children[0]"), 0);
	assert_string_equal(c->out, "{\"name\":\"db\",\"command\":"
	    "[\"/usr/bin/db\"]}\n");
	assert_int_equal(run(c, NULL, "-c herd.json config get nope"), 1);
	assert_string_equal(c->err, "herdctl: herd.json: no child \"nope\" in "
	    "the root supervisor\n");

	/* Invalid: every error, and the file untouched. */
	assert_int_equal(run(c, NULL, "-c herd.json config set api/web.restart "
	    "sometimes"), 1);
	assert_string_equal(c->err, "herd.json:15:24: supervisor.children[1]."
	    "children[0].restart: expected one of permanent, transient, "
	    "temporary, found \"sometimes\"\n"
	    "herdctl: 1 error in herd.json as edited: nothing written\n");
	text = slurp(c->file);
	assert_string_equal(text, config_text);
	free(text);

	assert_int_equal(run(c, NULL, "-c herd.json config set api/web.restart "
	    "transient"), 0);
	assert_string_equal(c->out, "wrote herd.json (the previous version is "
	    "herd.json.bak)\n");
	assert_int_equal(run(c, NULL, "-c herd.json config get "
	    "api/web.restart"), 0);
	assert_string_equal(c->out, "\"transient\"\n");
	assert_int_equal(run(c, NULL, "-c herd.json config set "
	    "supervisor.intensity -- 3"), 0);
	assert_int_equal(run(c, NULL, "-c herd.json config add-child api "
	    "'{\"name\":\"w2\",\"command\":\"w2\"}'"), 0);
	assert_int_equal(run(c, NULL, "-c herd.json config remove-child db"),
	    0);
	assert_int_equal(run(c, NULL, "-c herd.json --json config get "
	    "supervisor"), 0);
	assert_string_equal(c->out, "{\"children\":[{\"name\":\"api\",\"type\":"
	    "\"supervisor\",\"children\":[{\"name\":\"web\",\"command\":"
	    "\"web --port 80\",\"restart\":\"transient\"},{\"name\":\"w2\","
	    "\"command\":\"w2\"}]}],\"intensity\":3}\n");

	/* Rollback toggles with the backup. */
	assert_int_equal(run(c, NULL, "-c herd.json config rollback"), 0);
	assert_int_equal(run(c, NULL, "-c herd.json config get db.command"), 0);
	assert_string_equal(c->out, "[\"/usr/bin/db\"]\n");
	assert_int_equal(run(c, NULL, "-c herd.json config rollback"), 0);
	assert_int_equal(run(c, NULL, "-c herd.json config get db"), 1);

	assert_int_equal(run(c, NULL, "-c herd.json config frob"), 2);
	assert_string_equal(c->err, "herdctl: unknown config subcommand "
	    "\"frob\"\nusage: herdctl config show | get PATH | validate\n"
	    "       herdctl config set PATH VALUE [--apply]\n"
	    "       herdctl config add-child SUP JSON [--apply]\n"
	    "       herdctl config remove-child PATH [--apply]\n"
	    "       herdctl config rollback [--apply]\n");
	assert_int_equal(run(c, NULL, "-c herd.json config set x"), 2);
	assert_int_equal(run(c, NULL, "-c nope.json config validate"), 1);
	assert_string_equal(c->err, "nope.json: cannot read: No such file or "
	    "directory\n");
	spit(c->file, "{\"supervisor\":{\"intensity\":-1,\"strategy\":1}}");
	assert_int_equal(run(c, NULL, "-c herd.json config validate"), 1);
	assert_string_equal(c->err, "herd.json:1:28: supervisor.intensity: "
	    "expected an integer >= 0, found -1\n"
	    "herd.json:1:42: supervisor.strategy: expected one of one_for_one, "
	    "one_for_all, rest_for_one, simple_one_for_one, found 1\n"
	    "herdctl: 2 errors in herd.json\n");
	assert_int_equal(run(c, NULL, "-c herd.json --json config validate"),
	    1);
	/* the file given as herd.json, said absolute (issue 12, item 20) */
	{
		char want[300];
		snprintf(want, sizeof want, "{\"config\":\"%s\",\"ok\":false,"
		    "\"errors\":[\"herd.json:1:28: supervisor.intensity: ",
		    c->file);
		assert_non_null(strstr(c->out, want));
	}
}

static const char reload_result[] =
    "{\"config\":\"/etc/herd/herd.json\",\"changes\":["
    "{\"path\":\"api/web\",\"change\":\"changed\",\"fields\":\"command, env\"},"
    "{\"path\":\"db2\",\"change\":\"added\"},"
    "{\"path\":\"old\",\"change\":\"removed\"},"
    "{\"path\":\"api\",\"change\":\"settings\",\"fields\":\"intensity\"},"
    "{\"path\":\"\",\"change\":\"settings\",\"fields\":\"period_ms\"}],"
    "\"notes\":[\"run_dir changed: takes effect when herdd restarts\"],"
    "\"applied\":["
    "{\"path\":\"api/web\",\"change\":\"changed\",\"ok\":true},"
    "{\"path\":\"db2\",\"change\":\"added\",\"ok\":false,"
    "\"error\":\"spawn failed: No such file or directory\"},"
    "{\"path\":\"old\",\"change\":\"removed\",\"ok\":true},"
    "{\"path\":\"api\",\"change\":\"settings\",\"ok\":true},"
    "{\"path\":\"\",\"change\":\"settings\",\"ok\":true}]}";

static void
test_ctl_config_reload(void **state)
{
	struct ctx *c = *state;

	serve(c, "reload", reload_result,
	    "diff", "{\"config\":\"/x\",\"changes\":[],\"notes\":[]}",
	    "config_path", "{\"path\":\"herd.json\"}", NULL);
	assert_int_equal(run(c, NULL, "reload"), 1);
	assert_string_equal(c->out,
	    "~ api/web (command, env)\n"
	    "+ db2\n"
	    "- old\n"
	    "* api settings (intensity)\n"
	    "* (root) settings (period_ms)\n"
	    "note: run_dir changed: takes effect when herdd restarts\n"
	    "applied: 4 ok, 1 failed\n"
	    "failed: db2 (added): spawn failed: No such file or directory\n");
	assert_int_equal(run(c, NULL, "--json reload"), 1);
	assert_int_equal(strlen(c->out), strlen(reload_result) + 1);
	assert_memory_equal(c->out, reload_result, strlen(reload_result));
	assert_int_equal(run(c, NULL, "diff"), 0);
	assert_string_equal(c->out, "no changes\n");
	assert_int_equal(run(c, NULL, "reload x"), 2);

	/* The file herdd runs with, when neither -c nor HERD_CONFIG. */
	assert_int_equal(run(c, NULL, "config validate"), 0);
	assert_string_equal(c->out, "herd.json: ok\n");
	assert_int_equal(run(c, NULL, "config set db.restart transient "
	    "--apply"), 1);
	assert_string_equal(c->out,
	    "wrote herd.json (the previous version is herd.json.bak)\n"
	    "~ api/web (command, env)\n"
	    "+ db2\n"
	    "- old\n"
	    "* api settings (intensity)\n"
	    "* (root) settings (period_ms)\n"
	    "note: run_dir changed: takes effect when herdd restarts\n"
	    "applied: 4 ok, 1 failed\n"
	    "failed: db2 (added): spawn failed: No such file or directory\n");
}

static void
test_ctl_config_invalid(void **state)
{
	struct ctx *c = *state;

	serve(c, "reload", "{\"code\":\"invalid_config\",\"message\":"
	    "\"2 errors in /etc/herd/herd.json\",\"errors\":["
	    "\"/etc/herd/herd.json:3:5: supervisor.x: unknown key \\\"x\\\"\","
	    "\"/etc/herd/herd.json:4:5: supervisor.y: unknown key \\\"y\\\"\"]}",
	    "diff", "{\"code\":\"invalid_config\",\"message\":\"1 error in "
	    "/h.json\",\"errors\":[\"/h.json:1:1: (root): missing required key "
	    "\\\"supervisor\\\"\"]}", NULL);
	assert_int_equal(run(c, NULL, "reload"), 1);
	assert_string_equal(c->out, "");
	assert_string_equal(c->err,
	    "/etc/herd/herd.json:3:5: supervisor.x: unknown key \"x\"\n"
	    "/etc/herd/herd.json:4:5: supervisor.y: unknown key \"y\"\n"
	    "herdctl: 2 errors in /etc/herd/herd.json\n");
	assert_int_equal(run(c, NULL, "diff"), 1);
	assert_string_equal(c->err, "/h.json:1:1: (root): missing required key "
	    "\"supervisor\"\nherdctl: 1 error in /h.json\n");
	/* --json: the whole reply on stdout. */
	assert_int_equal(run(c, NULL, "--json diff"), 1);
	assert_non_null(strstr(c->out, "\"ok\":false,\"error\":{\"code\":"
	    "\"invalid_config\""));
	/* No herdd and no -c: the default file. */
	nng_close(c->rep);
	pthread_join(c->thread, NULL);
	c->serving = 0;
	assert_int_equal(run(c, NULL, "reload"), 5);
	if (access("/etc/herd/herd.json", F_OK) == 0)
		return;
	assert_int_equal(run(c, NULL, "config validate"), 1);
	assert_string_equal(c->err, "/etc/herd/herd.json: cannot read: No such "
	    "file or directory\n");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctl_config_edit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ctl_config_reload, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ctl_config_invalid, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
