/* Tests of conf/conf-edit*.c: paths, set/add/remove, stable printing, the
 * validated atomic write with its backup and rollback, and a writer killed
 * with SIGKILL at varied moments never leaving a broken file. */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "conf.h"

#define FIXTURES "tests/fixtures/conf/"

/* A file in the layout conf_edit_print writes. */
static const char canonical[] =
    "{\n"
    "  \"$schema\": \"../../docs/herd.schema.json\",\n"
    "  \"comment\": \"a tab\\t and a quote \\\" and \\u0001\",\n"
    "  \"log_backups\": 3,\n"
    "  \"supervisor\": {\n"
    "    \"strategy\": \"one_for_all\",\n"
    "    \"children\": [\n"
    "      {\n"
    "        \"name\": \"db\",\n"
    "        \"command\": [\"/usr/bin/db\", \"-D\", \"/srv/db\"],\n"
    "        \"env\": {\n"
    "          \"PGDATA\": \"/srv/db\"\n"
    "        },\n"
    "        \"normal_exit_codes\": [3, 64],\n"
    "        \"backoff\": {},\n"
    "        \"shutdown\": 60000\n"
    "      },\n"
    "      {\n"
    "        \"name\": \"api.v1\",\n"
    "        \"type\": \"supervisor\",\n"
    "        \"children\": [\n"
    "          {\n"
    "            \"name\": \"web\",\n"
    "            \"command\": [\n"
    "              \"/srv/api/bin/web-server-with-a-long-name\",\n"
    "              \"--listen\",\n"
    "              \"127.0.0.1:8080\"\n"
    "            ],\n"
    "            \"backoff\": {\n"
    "              \"multiplier\": 1.5,\n"
    "              \"jitter\": 0\n"
    "            }\n"
    "          }\n"
    "        ]\n"
    "      },\n"
    "      {\n"
    "        \"name\": \"empty\",\n"
    "        \"type\": \"supervisor\",\n"
    "        \"children\": []\n"
    "      }\n"
    "    ]\n"
    "  }\n"
    "}\n";

struct edit {
	char dir[64];
	char file[128];
};

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	struct edit *e = calloc(1, sizeof *e);

	assert_non_null(e);
	snprintf(e->dir, sizeof e->dir, "/tmp/herd-edit-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->file, sizeof e->file, "%s/herd.json", e->dir);
	write_all(e->file, canonical);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct edit *e = *state;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

static cJSON *
load(const char *path)
{
	struct conf_errors errs = { NULL, 0 };
	cJSON *root = NULL;

	if (conf_edit_load(path, &root, &errs) != 0)
		fail_msg("%s: %s", path, errs.n ? errs.msgs[0] : "?");
	return root;
}

/* The value at PATH as compact JSON; caller frees. */
static char *
get(cJSON *root, const char *path)
{
	char *cause = NULL, *s;
	cJSON *v = conf_edit_get(root, path, &cause);

	if (v == NULL)
		fail_msg("get %s: %s", path, cause);
	s = cJSON_PrintUnformatted(v);
	assert_non_null(s);
	return s;
}

static void
assert_get(cJSON *root, const char *path, const char *want)
{
	char *got = get(root, path);

	assert_string_equal(got, want);
	free(got);
}

static void
assert_get_fails(cJSON *root, const char *path, const char *want)
{
	char *cause = NULL;

	assert_null(conf_edit_get(root, path, &cause));
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_conf_edit_print_stable(void **state)
{
	static const char *const files[] = { FIXTURES "good-full.json",
		FIXTURES "good-example.json", FIXTURES "good-minimal.json" };
	cJSON *root, *again;
	char *a, *b;
	size_t i;

	/* A file already in the layout prints as it is. */
	root = cJSON_Parse(canonical);
	a = conf_edit_print(root);
	assert_string_equal(a, canonical);
	free(a);
	cJSON_Delete(root);

	/* Hand-written files: print(parse(print(x))) == print(x). */
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		root = load(files[i]);
		a = conf_edit_print(root);
		again = cJSON_Parse(a);
		assert_non_null(again);
		b = conf_edit_print(again);
		assert_string_equal(a, b);
		assert_non_null(strstr(a, "\n  \"supervisor\": {\n"));
		free(a);
		free(b);
		cJSON_Delete(root);
		cJSON_Delete(again);
	}
}

static void
test_conf_edit_get(void **state)
{
	struct edit *e = *state;
	cJSON *root = load(e->file);

	assert_get(root, "log_backups", "3");
	assert_get(root, "supervisor.strategy", "\"one_for_all\"");
	assert_get(root, "supervisor.children[0].command[1]", "\"-D\"");
	assert_get(root, "supervisor[\"children\"][1].name", "\"api.v1\"");
	assert_get(root, "db.env.PGDATA", "\"/srv/db\"");
	assert_get(root, "db.env[\"PGDATA\"]", "\"/srv/db\"");
	assert_get(root, "db.command[0]", "\"/usr/bin/db\"");
	assert_get(root, "api.v1.type", "\"supervisor\"");
	assert_get(root, "api.v1/web.backoff.multiplier", "1.5");
	assert_get(root, "api.v1/web.command[2]", "\"127.0.0.1:8080\"");
	assert_get(root, "empty.children", "[]");
	assert_get(root, "api.v1/web", "{\"name\":\"web\",\"command\":["
	    "\"/srv/api/bin/web-server-with-a-long-name\",\"--listen\","
	    "\"127.0.0.1:8080\"],\"backoff\":{\"multiplier\":1.5,"
	    "\"jitter\":0}}");
	free(get(root, ""));

	assert_get_fails(root, "nope", "no child \"nope\" in the root "
	    "supervisor");
	assert_get_fails(root, "api.v1/nope.x", "no child \"nope\" in api.v1");
	assert_get_fails(root, "db/x", "no child \"x\" in db");
	assert_get_fails(root, "supervisor.childrn", "supervisor has no key "
	    "\"childrn\"");
	assert_get_fails(root, "supervisor.children[7]", "supervisor.children "
	    "has no element 7 (it has 3)");
	assert_get_fails(root, "log_backups.x", "log_backups is not an "
	    "object");
	assert_get_fails(root, "supervisor[0]", "supervisor is not an array");
	assert_get_fails(root, "db.restart", "supervisor.children[0] has no "
	    "key \"restart\"");
	assert_get_fails(root, "supervisor..x", "bad path \"supervisor..x\": "
	    "use keys and [N] like supervisor.children[0].restart, or a child "
	    "path like api/web.restart");
	assert_get_fails(root, "supervisor.children[x]", "bad path "
	    "\"supervisor.children[x]\": use keys and [N] like "
	    "supervisor.children[0].restart, or a child path like "
	    "api/web.restart");
	assert_get_fails(root, "supervisor.children[0]x", "bad path "
	    "\"supervisor.children[0]x\": use keys and [N] like "
	    "supervisor.children[0].restart, or a child path like "
	    "api/web.restart");
	assert_get_fails(root, "db.env[\"PGDATA", "bad path "
	    "\"db.env[\"PGDATA\": use keys and [N] like "
	    "supervisor.children[0].restart, or a child path like "
	    "api/web.restart");
	cJSON_Delete(root);
}

static void
assert_set(cJSON *root, const char *path, const char *value,
    const char *want)
{
	char *cause = NULL;

	if (conf_edit_set(root, path, value, &cause) != 0)
		fail_msg("set %s %s: %s", path, value, cause);
	assert_get(root, path, want);
}

static void
assert_set_fails(cJSON *root, const char *path, const char *want)
{
	char *cause = NULL, *before = cJSON_PrintUnformatted(root), *after;

	assert_int_equal(conf_edit_set(root, path, "1", &cause), -1);
	assert_string_equal(cause, want);
	free(cause);
	after = cJSON_PrintUnformatted(root);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_conf_edit_set(void **state)
{
	struct edit *e = *state;
	cJSON *root = load(e->file);

	/* Not JSON: a string. JSON: that value. */
	assert_set(root, "db.restart", "transient", "\"transient\"");
	assert_set(root, "db.restart", "\"temporary\"", "\"temporary\"");
	assert_set(root, "db.shutdown", "100", "100");
	assert_set(root, "db.shutdown", "brutal_kill", "\"brutal_kill\"");
	assert_set(root, "db.command", "[\"/bin/db\", \"x\"]",
	    "[\"/bin/db\",\"x\"]");
	assert_set(root, "db.command[0]", "x", "\"x\"");
	assert_set(root, "db.command", "sleep 5", "\"sleep 5\"");
	assert_set(root, "db.normal_exit_codes[2]", "7", "7");
	assert_set(root, "db.env.NEW", "1", "1");
	assert_set(root, "db.env.NEW", "{ \"a\": true }", "{\"a\":true}");
	assert_set(root, "log_backups", "4", "4");
	assert_set(root, "run_dir", "/tmp/x", "\"/tmp/x\"");
	assert_set(root, "api.v1/web.cwd", "/srv", "\"/srv\"");
	assert_set(root, "supervisor.children[1].intensity", "2", "2");
	assert_set(root, "supervisor.intensity", "true", "true");
	assert_set(root, "supervisor.strategy", "", "\"\"");

	assert_set_fails(root, "", "give the path of a value to set");
	assert_set_fails(root, "db.backoff.x.y", "supervisor.children[0]."
	    "backoff has no key \"x\"");
	assert_set_fails(root, "db.normal_exit_codes[9]", "supervisor."
	    "children[0].normal_exit_codes has no element 9 (it has 3)");
	assert_set_fails(root, "log_backups.x", "log_backups is not an "
	    "object");
	assert_set_fails(root, "db.env[0]", "supervisor.children[0].env is "
	    "not an array");
	assert_set_fails(root, "nope.restart", "no child \"nope\" in the root "
	    "supervisor");
	cJSON_Delete(root);
}

static void
test_conf_edit_children(void **state)
{
	struct edit *e = *state;
	struct conf_errors errs = { NULL, 0 };
	cJSON *root = load(e->file);
	char *cause = NULL, *text;

	assert_int_equal(conf_edit_add_child(root, "", "{\"name\":\"q\","
	    "\"command\":\"q\"}", &cause), 0);
	assert_get(root, "q.command", "\"q\"");
	assert_get(root, "supervisor.children[3].name", "\"q\"");
	assert_int_equal(conf_edit_add_child(root, ".", "{\"name\":\"r\","
	    "\"command\":\"r\"}", &cause), 0);
	assert_int_equal(conf_edit_add_child(root, "supervisor", "{\"name\":"
	    "\"r2\",\"command\":\"r\"}", &cause), 0);
	assert_int_equal(conf_edit_remove_child(root, "r2", &cause), 0);
	assert_int_equal(conf_edit_add_child(root, "api.v1", "{\"name\":"
	    "\"w2\",\"command\":[\"w2\"]}", &cause), 0);
	assert_get(root, "api.v1/w2.command", "[\"w2\"]");
	assert_int_equal(conf_edit_add_child(root, "empty", "{\"name\":\"e\","
	    "\"type\":\"supervisor\"}", &cause), 0);
	assert_int_equal(conf_edit_add_child(root, "empty/e", "{\"name\":"
	    "\"deep\",\"command\":\"x\"}", &cause), 0);
	assert_get(root, "empty/e/deep.command", "\"x\"");

	assert_int_equal(conf_edit_add_child(root, "api.v1", "{\"name\":"
	    "\"web\",\"command\":\"x\"}", &cause), -1);
	assert_string_equal(cause, "api.v1 already has a child named \"web\"");
	free(cause);
	assert_int_equal(conf_edit_add_child(root, "", "{\"name\":\"db\"}",
	    &cause), -1);
	assert_string_equal(cause, "the root supervisor already has a child "
	    "named \"db\"");
	free(cause);
	assert_int_equal(conf_edit_add_child(root, "db", "{\"name\":\"x\"}",
	    &cause), -1);
	assert_string_equal(cause, "db is not a supervisor");
	free(cause);
	assert_int_equal(conf_edit_add_child(root, "", "[1]", &cause), -1);
	assert_string_equal(cause, "the child must be a JSON object with a "
	    "\"name\", like {\"name\":\"web\",\"command\":[...]}");
	free(cause);
	assert_int_equal(conf_edit_add_child(root, "nope", "{}", &cause), -1);
	assert_string_equal(cause, "no child \"nope\" in the root supervisor");
	free(cause);

	assert_int_equal(conf_edit_remove_child(root, "api.v1/web", &cause),
	    0);
	assert_get(root, "api.v1.children", "[{\"name\":\"w2\",\"command\":"
	    "[\"w2\"]}]");
	assert_int_equal(conf_edit_remove_child(root, "r", &cause), 0);
	assert_int_equal(conf_edit_remove_child(root, "supervisor.children[3]",
	    &cause), 0); /* q */
	assert_get_fails(root, "q", "no child \"q\" in the root supervisor");
	assert_int_equal(conf_edit_remove_child(root, "api.v1/web", &cause),
	    -1);
	assert_string_equal(cause, "no child \"web\" in api.v1");
	free(cause);
	assert_int_equal(conf_edit_remove_child(root, "db.command", &cause),
	    -1);
	assert_string_equal(cause, "\"db.command\" is not a child path like "
	    "api/web");
	free(cause);
	assert_int_equal(conf_edit_remove_child(root, "supervisor.children[9]",
	    &cause), -1);
	assert_string_equal(cause, "supervisor.children has no element 9 (it "
	    "has 3)");
	free(cause);

	/* The result is valid, and written in the layout. */
	assert_int_equal(conf_edit_write(e->file, root, &errs, &cause), 0);
	assert_int_equal(errs.n, 0);
	text = read_all(e->file);
	assert_non_null(strstr(text, "          {\n            \"name\": "
	    "\"w2\",\n            \"command\": [\"w2\"]\n          }\n"));
	free(text);
	cJSON_Delete(root);
}

static void
test_conf_edit_write_validates(void **state)
{
	struct edit *e = *state;
	struct conf_errors errs = { NULL, 0 };
	char *cause = NULL, *text, bak[160], tmp[160];
	cJSON *root = load(e->file);

	snprintf(bak, sizeof bak, "%s.bak", e->file);
	snprintf(tmp, sizeof tmp, "%s/.herd.json.tmp", e->dir);
	assert_int_equal(conf_edit_set(root, "db.restart", "sometimes",
	    &cause), 0);
	assert_int_equal(conf_edit_set(root, "api.v1/web.cwd", "", &cause), 0);
	assert_int_equal(conf_edit_write(e->file, root, &errs, &cause), -1);
	assert_int_equal(errs.n, 2);
	assert_non_null(strstr(errs.msgs[0], "/herd.json:17:20: supervisor."
	    "children[0].restart: expected one of permanent, transient, "
	    "temporary, found \"sometimes\""));
	assert_non_null(strstr(errs.msgs[1], "supervisor.children[1]."
	    "children[0].cwd: expected a non-empty string, found \"\""));
	assert_non_null(strstr(cause, "2 errors in /tmp/herd-edit-"));
	free(cause);
	conf_errors_clear(&errs);
	/* Nothing written, nothing left over. */
	text = read_all(e->file);
	assert_string_equal(text, canonical);
	free(text);
	assert_int_equal(access(bak, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	cJSON_Delete(root);

	/* Not JSON at all: the syntax error, the file as it was. */
	assert_int_equal(conf_edit_write_text(e->file, "{\"supervisor\":",
	    14, &errs, &cause), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], ":1:15: (syntax): invalid JSON: "
	    "unexpected end of file"));
	conf_errors_clear(&errs);
	free(cause);

	write_all(e->file, "{\"supervisor\": [}");
	assert_int_equal(conf_edit_load(e->file, &root, &errs), -1);
	assert_null(root);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "herd.json:1:17: (syntax): "
	    "invalid JSON near '}'"));
	conf_errors_clear(&errs);
	write_all(e->file, "[]");
	assert_int_equal(conf_edit_load(e->file, &root, &errs), -1);
	assert_non_null(strstr(errs.msgs[0], "herd.json:1:1: (root): expected "
	    "an object, found an empty array"));
	conf_errors_clear(&errs);
	assert_int_equal(conf_edit_load("/nonexistent/x.json", &root, &errs),
	    -1);
	assert_string_equal(errs.msgs[0], "/nonexistent/x.json: cannot read: "
	    "No such file or directory");
	conf_errors_clear(&errs);
}

static void
test_conf_edit_write_backup_rollback(void **state)
{
	struct edit *e = *state;
	struct conf_errors errs = { NULL, 0 };
	char *cause = NULL, *text, bak[160], tmp[160], link_path[160];
	cJSON *root = load(e->file);
	struct stat st;
	char *v1;

	snprintf(bak, sizeof bak, "%s.bak", e->file);
	snprintf(tmp, sizeof tmp, "%s/.herd.json.tmp", e->dir);
	assert_int_equal(chmod(e->file, 0640), 0);
	/* A temp file from a writer that was killed is cleaned up. */
	write_all(tmp, "{ half a fi");

	assert_int_equal(conf_edit_set(root, "log_backups", "7", &cause), 0);
	assert_int_equal(conf_edit_write(e->file, root, &errs, &cause), 0);
	v1 = conf_edit_print(root);
	text = read_all(e->file);
	assert_string_equal(text, v1);
	free(text);
	text = read_all(bak);
	assert_string_equal(text, canonical);
	free(text);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(stat(e->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Rollback swaps the file and its backup; twice toggles. */
	assert_int_equal(conf_edit_rollback(e->file, &errs, &cause), 0);
	text = read_all(e->file);
	assert_string_equal(text, canonical);
	free(text);
	text = read_all(bak);
	assert_string_equal(text, v1);
	free(text);
	assert_int_equal(conf_edit_rollback(e->file, &errs, &cause), 0);
	text = read_all(e->file);
	assert_string_equal(text, v1);
	free(text);

	/* An invalid backup is not restored. */
	write_all(bak, "{\"supervisor\": {\"intensity\": -1}}");
	assert_int_equal(conf_edit_rollback(e->file, &errs, &cause), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "herd.json.bak:1:30: supervisor."
	    "intensity: expected an integer >= 0, found -1"));
	assert_non_null(strstr(cause, "is not a valid config (1 error); "
	    "nothing changed"));
	free(cause);
	conf_errors_clear(&errs);
	text = read_all(e->file);
	assert_string_equal(text, v1);
	free(text);

	assert_int_equal(unlink(bak), 0);
	assert_int_equal(conf_edit_rollback(e->file, &errs, &cause), -1);
	assert_non_null(strstr(cause, "no backup to roll back to: "));
	assert_non_null(strstr(cause, ".bak: No such file or directory"));
	free(cause);

	/* Through a symlink: the target is written, the link stays. */
	snprintf(link_path, sizeof link_path, "%s/link.json", e->dir);
	assert_int_equal(symlink("herd.json", link_path), 0);
	assert_int_equal(conf_edit_set(root, "log_backups", "8", &cause), 0);
	assert_int_equal(conf_edit_write(link_path, root, &errs, &cause), 0);
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	text = read_all(e->file);
	assert_non_null(strstr(text, "\"log_backups\": 8,"));
	free(text);
	text = read_all(bak);
	assert_string_equal(text, v1);
	free(text);

	/* A new file is created (with no backup). */
	snprintf(link_path, sizeof link_path, "%s/new.json", e->dir);
	assert_int_equal(conf_edit_write_text(link_path, "{\"supervisor\":{}}",
	    17, &errs, &cause), 0);
	assert_int_equal(conf_edit_rollback(link_path, &errs, &cause), -1);
	free(cause);
	free(v1);
	cJSON_Delete(root);
}

/* A config with N workers whose commands carry TAG. Caller frees. */
static char *
big_config(int n, const char *tag)
{
	cJSON *root, *sup, *ch, *c;
	char name[32], cmd[64];
	char *text;
	int i;

	root = cJSON_CreateObject();
	sup = cJSON_AddObjectToObject(root, "supervisor");
	ch = cJSON_AddArrayToObject(sup, "children");
	for (i = 0; i < n; i++) {
		c = cJSON_CreateObject();
		snprintf(name, sizeof name, "worker-%d", i);
		snprintf(cmd, sizeof cmd, "exec /usr/bin/%s --id %d", tag, i);
		cJSON_AddStringToObject(c, "name", name);
		cJSON_AddStringToObject(c, "command", cmd);
		cJSON_AddStringToObject(c, "restart", "transient");
		cJSON_AddItemToArray(ch, c);
	}
	text = conf_edit_print(root);
	cJSON_Delete(root);
	return text;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The writer: before each write, tells the parent which version it writes
 * (one byte), then writes it; alternates from FIRST on, until killed. */
static void
killed_writer(const char *file, char *const *versions, int first, int fd)
{
	struct conf_errors errs;
	char *cause, v;
	int k;

	for (k = 0;; k++) {
		v = (char)('0' + (first + k) % 2);
		if (write(fd, &v, 1) != 1)
			_exit(3);
		if (conf_edit_write_text(file, versions[v - '0'],
		    strlen(versions[v - '0']), &errs, &cause) != 0)
			_exit(4);
	}
}

static void
test_conf_edit_kill9(void **state)
{
	struct edit *e = *state;
	char *versions[2], *text, bak[160], tmp[160], v;
	struct conf_errors errs = { NULL, 0 };
	char *cause = NULL;
	int64_t t0, dur = 0, delay;
	int round, cur, old, fds[2], k, writes, status, seen[2] = { 0, 0 };
	struct conf *c;
	pid_t pid;

	versions[0] = big_config(2000, "alpha");
	versions[1] = big_config(2000, "beta");
	snprintf(bak, sizeof bak, "%s.bak", e->file);
	snprintf(tmp, sizeof tmp, "%s/.herd.json.tmp", e->dir);
	/* How long one write takes, to spread the kills over it. */
	for (k = 0; k < 3; k++) {
		t0 = now_us();
		assert_int_equal(conf_edit_write_text(e->file, versions[k % 2],
		    strlen(versions[k % 2]), &errs, &cause), 0);
		if (now_us() - t0 > dur)
			dur = now_us() - t0;
	}
	cur = 0; /* the file holds versions[0] */

	/* At least 50 rounds, and on until both outcomes were seen (the
	 * kills land later as rounds go on, for a disk whose syncs are slower
	 * than the writes measured above); the file must be whole each time. */
	for (round = 0; round < 50 || ((seen[0] == 0 || seen[1] == 0) &&
	    round < 1000); round++) {
		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			killed_writer(e->file, versions, 1 - cur, fds[1]);
		}
		assert_true(pid > 0);
		close(fds[1]);
		/* Let it finish a few writes first, then kill it somewhere
		 * within (or just after) the next one. */
		writes = round % 3 + 1;
		old = cur;
		for (k = 0; k < writes; k++) {
			assert_int_equal(read(fds[0], &v, 1), 1);
			if (k > 0)
				old = 1 - old; /* the previous write is done */
		}
		delay = dur * 3 / 2 * (round % 10) / 9 * (1 + round / 50);
		t0 = now_us();
		while (now_us() - t0 < delay)
			;
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		close(fds[0]);

		/* The old version or the new one, whole and valid. */
		text = read_all(e->file);
		assert_non_null(text);
		if (strcmp(text, versions[old]) == 0) {
			cur = old;
		} else if (strcmp(text, versions[v - '0']) == 0) {
			cur = v - '0';
		} else {
			fail_msg("round %d: the file is neither version "
			    "(%zu bytes)", round, strlen(text));
		}
		seen[cur == v - '0']++;
		free(text);
		assert_int_equal(conf_load(e->file, &c, &errs), 0);
		conf_free(c);
		text = read_all(bak);
		assert_non_null(text);
		assert_true(strcmp(text, versions[0]) == 0 ||
		    strcmp(text, versions[1]) == 0);
		free(text);
	}
	print_message("kill -9 during writes: %d times the old file, %d times "
	    "the new one (a write takes ~%lld us)\n", seen[0], seen[1],
	    (long long)dur);
	assert_true(seen[0] > 0);
	assert_true(seen[1] > 0);

	/* A temp file a killed writer left is gone after the next write. */
	assert_int_equal(conf_edit_write_text(e->file, versions[0],
	    strlen(versions[0]), &errs, &cause), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	free(versions[0]);
	free(versions[1]);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_edit_print_stable),
		cmocka_unit_test_setup_teardown(test_conf_edit_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_edit_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_edit_children, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_edit_write_validates,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_conf_edit_write_backup_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_edit_kill9, setup,
		    teardown),
	};
	const char *src = getenv("HERD_SRC");

	if (src != NULL && chdir(src) != 0) {
		perror(src);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
