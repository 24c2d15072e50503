/* Integration tests of reload (the op, SIGHUP, herdctl reload, diff and
 * config --apply) on a real herdd: what changes and what keeps running. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* A child that is started once it has written its arguments to a file. */
#define READY "'ready':'fd','ready_fd':3,'env':{'TC_READY_FD':'3'}"
#define SLEEPER(name) "{'name':'" name "','command':['@CHILD@','sleep']}"
#define DB(version) "{'name':'db','command':['@CHILD@','argv'," \
	"'@TMP@/db.args','" version "']," READY "}"
#define GRP(intensity) "{'name':'grp','type':'supervisor','intensity':" \
	intensity ",'children':[" SLEEPER("x") "," SLEEPER("y") "]}"
#define CONF(children) "{" HT_DIRS ",'supervisor':{'intensity':5," \
	"'children':[" children "]}}"

/* a, db (v1), grp (x, y), old, z. */
#define V1 CONF(SLEEPER("a") "," DB("v1") "," GRP("3") "," SLEEPER("old") \
	"," SLEEPER("z"))
/* b added after a, db's command changed, grp's intensity changed, old
 * removed. */
#define V2 CONF(SLEEPER("a") "," SLEEPER("b") "," DB("v2") "," GRP("4") \
	"," SLEEPER("z"))

static struct ht *
boot(void **state, const char *conf)
{
	struct ht *h = *state;

	ht_boot(h, conf);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	return h;
}

/* Appends s to buf (of cap bytes), after ", " unless it is empty. */
static void
cat(char *buf, size_t cap, const char *s)
{
	size_t len = strlen(buf);

	assert_true(len + strlen(s) + 3 < cap);
	if (len > 0)
		strcat(buf, ", ");
	strcat(buf, s);
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* "PATH CHANGE[ (FIELDS)][ ok|failed], ..." of a reload or diff result's
 * list KEY, in herdd's order. */
static const char *
changes(const cJSON *result, const char *key)
{
	static char buf[4096];
	const cJSON *ch, *ok;
	char item[512];

	buf[0] = '\0';
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(result, key)) {
		ok = cJSON_GetObjectItemCaseSensitive(ch, "ok");
		snprintf(item, sizeof item, "%s %s%s%s%s%s", str(ch, "path"),
		    str(ch, "change"), str(ch, "fields")[0] ? " (" : "",
		    str(ch, "fields"), str(ch, "fields")[0] ? ")" : "",
		    ok == NULL ? "" : cJSON_IsTrue(ok) ? " ok" : " failed");
		cat(buf, sizeof buf, item);
	}
	return buf;
}

/* The reload op, which must succeed; its result. */
static cJSON *
reload(struct ht *h)
{
	return ht_result(h, "reload", NULL);
}

struct pids {
	pid_t a, db, x, y, old, z;
};

static struct pids
pids_of(struct ht *h)
{
	struct pids p;

	p.a = ht_pid(h, "a");
	p.db = ht_pid(h, "db");
	p.x = ht_pid(h, "grp/x");
	p.y = ht_pid(h, "grp/y");
	p.old = ht_pid(h, "old");
	p.z = ht_pid(h, "z");
	assert_true(p.a > 0 && p.db > 0 && p.x > 0 && p.y > 0 && p.old > 0 &&
	    p.z > 0);
	return p;
}

/* Nothing moved: every pid as before, nothing added or removed. */
static void
assert_unchanged(struct ht *h, const struct pids *before)
{
	struct pids now = pids_of(h);

	assert_int_equal(now.a, before->a);
	assert_int_equal(now.db, before->db);
	assert_int_equal(now.x, before->x);
	assert_int_equal(now.y, before->y);
	assert_int_equal(now.old, before->old);
	assert_int_equal(now.z, before->z);
	assert_string_equal(ht_status_order(h), "a db grp grp/x grp/y old z");
}

/* Added, removed and changed children, and a nested supervisor's
 * settings: untouched children keep their PIDs (also under the changed
 * supervisor), b starts in its place, old stops, db runs its new
 * command with a new PID. */
static void
test_integ_reload_applies_changes(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	long long from = ht_last_seq(h);
	const char *args;
	cJSON *res;

	assert_string_equal(ht_status_order(h), "a db grp grp/x grp/y old z");
	args = ht_read_file(h, ht_path(h, "db.args"));
	assert_non_null(args);
	assert_string_equal(args, "v1\n");

	ht_write_conf(h, V2);
	res = reload(h);
	assert_string_equal(changes(res, "changes"),
	    "b added, db changed (command), grp settings (intensity), "
	    "old removed");
	assert_string_equal(changes(res, "applied"),
	    "b added ok, db changed (command) ok, "
	    "grp settings (intensity) ok, old removed ok");
	assert_string_equal(str(res, "config"), h->conf);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);

	assert_string_equal(ht_status_order(h), "a b db grp grp/x grp/y z");
	assert_int_equal(ht_pid(h, "a"), p.a);
	assert_int_equal(ht_pid(h, "grp/x"), p.x);
	assert_int_equal(ht_pid(h, "grp/y"), p.y);
	assert_int_equal(ht_pid(h, "z"), p.z);
	assert_string_equal(ht_status(h, "b").state, "running");
	assert_true(ht_pid(h, "b") > 0);
	assert_false(ht_status(h, "old").found);
	assert_true(ht_wait_gone(p.old, HT_T));
	assert_true(ht_wait_gone(p.db, HT_T));
	assert_string_equal(ht_status(h, "db").state, "running");
	assert_int_not_equal(ht_pid(h, "db"), p.db);
	args = ht_read_file(h, ht_path(h, "db.args"));
	assert_non_null(args);
	assert_string_equal(args, "v2\n");
	/* old was stopped by its supervisor, not crashed */
	assert_non_null(ht_find_event(h, from, "child.stopped", "old"));
	assert_null(ht_find_event(h, from, "child.exited", "old"));
	assert_null(ht_find_event(h, from, "supervisor.gave_up", NULL));
}

/* An argument added to or dropped from the end of a command, the rest
 * equal, is a change too: db runs again on its new arguments, a keeps its
 * PID (issue 14, item 8: a diff comparing only the shared elements would
 * keep db on its old arguments). */
static void
test_integ_reload_argument_count(void **state)
{
	struct ht *h = boot(state, CONF(SLEEPER("a") "," DB("v1")));
	pid_t a = ht_pid(h, "a"), db = ht_pid(h, "db");
	const char *args;

	ht_write_conf(h, CONF(SLEEPER("a") "," DB("v1','more")));
	assert_string_equal(changes(reload(h), "changes"),
	    "db changed (command)");
	assert_true(ht_wait_gone(db, HT_T));
	args = ht_wait_file(h, ht_path(h, "db.args"), "more", HT_T);
	assert_non_null(args);
	assert_string_equal(args, "v1\nmore\n");
	ht_wait_state(h, "db", "running", HT_T);
	db = ht_pid(h, "db");

	ht_write_conf(h, CONF(SLEEPER("a") "," DB("v1")));
	assert_string_equal(changes(reload(h), "changes"),
	    "db changed (command)");
	assert_true(ht_wait_gone(db, HT_T));
	ht_wait_state(h, "db", "running", HT_T);
	args = ht_read_file(h, ht_path(h, "db.args"));
	assert_non_null(args);
	assert_string_equal(args, "v1\n");
	assert_int_equal(ht_pid(h, "a"), a);
}

/* A reload whose plan ends at once (a child added, started on the spot)
 * is said once: one config.reloaded event, one line in herdd's log (it
 * was said twice, issue 12). */
static void
test_integ_reload_said_once(void **state)
{
	struct ht *h = boot(state, CONF(SLEEPER("a")));
	long long from = ht_last_seq(h);
	const char *log, *first;
	cJSON *ev;

	ht_write_conf(h, CONF(SLEEPER("a") "," SLEEPER("b")));
	reload(h);
	ev = ht_wait_event(h, "config.reloaded", NULL, HT_T);
	/* the next event after it: b's start or more, never another one */
	ht_result(h, "ping", NULL);
	ht_sync_events(h);
	assert_null(ht_find_event(h, (long long)ht_num(ev, "seq"),
	    "config.reloaded", NULL));
	assert_non_null(ht_find_event(h, from, "child.started", "b"));
	log = ht_herdd_output(h);
	first = strstr(log, " reloaded\n");
	assert_non_null(first);
	assert_null(strstr(first + 1, " reloaded\n"));
}

#define ONCE(name, arg) "{'name':'" name "','restart':'temporary'," \
	"'command':['sh','-c','echo " arg " >> @TMP@/" name ".runs']}"

/* Whether "t" ran N times (an ht_until cond). */
static int
ran(struct ht *h, void *n)
{
	const char *s = ht_read_file(h, ht_path(h, "t.runs"));
	int lines = 0;

	for (; s != NULL && *s; s++)
		lines += *s == '\n';
	return lines == *(int *)n;
}

/* Whether t's exit is among the events (an ht_until cond). */
static int
t_exited(struct ht *h, void *arg)
{
	ht_sync_events(h);
	return ht_find_event(h, 0, "child.exited", "t") != NULL;
}

/*
 * A temporary child that ended is done (issue 12, bug 1): a reload does
 * not take it for a new child and run it again, and says so as diff
 * does; status --all shows how it ended. Only a changed spec runs it
 * again.
 */
static void
test_integ_reload_ended_temporary(void **state)
{
	struct ht *h = boot(state, CONF(SLEEPER("a") "," ONCE("t", "v1")));
	const char *out, *err;
	long long from;
	cJSON *st, *e;
	int one = 1, two = 2;

	if (!ht_until(h, ran, &one, HT_T))
		fail_msg("t did not run once");
	ht_wait_state(h, "a", "running", HT_T);
	/* it wrote its line before it exited: its end is an event later
	 * (perhaps before herd.started: looked for from seq 0) */
	if (!ht_until(h, t_exited, NULL, HT_T))
		fail_msg("t did not exit");
	st = ht_result(h, "status", NULL);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "ended"), 0);
	assert_non_null(e);
	assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring, "t");
	assert_string_equal(cJSON_GetObjectItem(e, "reason")->valuestring,
	    "normal");
	assert_true(ht_num(e, "ended_at_ms") > 1.7e12);
	HT_CTL(h, 0, &out, &err, "status", "--all");
	assert_non_null(strstr(out, "\nt "));
	HT_CONTAINS(strstr(out, "\nt "), " ended ");
	HT_CONTAINS(strstr(out, "\nt "), "normal at ");
	HT_CTL(h, 0, &out, &err, "status");
	assert_null(strstr(out, "ended"));
	/* its log is found, and start does not revive it */
	e = ht_result(h, "logs", "{'name':'t'}");
	HT_CONTAINS(cJSON_GetObjectItem(e, "stdout")->valuestring,
	    "/t.stdout.log");
	HT_CTL(h, 3, &out, &err, "start", "t");
	HT_CTL(h, 0, &out, &err, "diff");
	HT_CONTAINS(out, "no changes");
	from = ht_last_seq(h);
	HT_CTL(h, 0, &out, &err, "reload");
	HT_CONTAINS(out, "no changes");
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	ht_sync_events(h);
	assert_null(ht_find_event(h, from, "child.starting", "t"));
	assert_true(ran(h, &one));
	/* its spec changed: run again */
	ht_write_conf(h, CONF(SLEEPER("a") "," ONCE("t", "v2")));
	HT_CTL(h, 0, &out, &err, "reload");
	if (!ht_until(h, ran, &two, HT_T))
		fail_msg("t did not run again: %s",
		    ht_read_file(h, ht_path(h, "t.runs")));
}

/* --check warns of a command PATH does not have (issue 12, item 15): a
 * warning, exit 0, since PATH may differ when herdd runs; found ones and
 * shell commands are not mentioned. */
static void
test_integ_reload_check_warns_missing_command(void **state)
{
	struct ht *h = boot(state, CONF(SLEEPER("a")));
	char *argv[] = { h->herdd, "-c", h->conf, "--check", NULL };
	const char *out, *err;

	ht_write_conf(h, CONF(SLEEPER("a") ",{'name':'m','command':"
	    "['herd-no-such-command']},{'name':'s','command':'echo hi'}"));
	assert_int_equal(ht_run(h, argv, HT_T, &out, &err), 0);
	HT_CONTAINS(out, ": ok\n");
	HT_CONTAINS(err, "herdd: warning: m: command \"herd-no-such-command\" "
	    "not found in PATH");
	assert_null(strstr(err, " a: "));
	assert_null(strstr(err, " s: "));
}

/* A file with 3 errors: invalid_config, every message as herdd --check
 * prints it, and nothing changes. */
static void
test_integ_reload_invalid_changes_nothing(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	char *argv[] = { h->herdd, "-c", h->conf, "--check", NULL };
	const char *out, *err, *line;
	const cJSON *errors, *e;
	char prefix[512], *lines, *save, *tok;
	long long from;
	cJSON *r;
	int i;

	ht_write_conf(h, CONF(SLEEPER("a") ","
	    "{'name':'db','command':['@CHILD@','sleep'],'restart':'sometimes'},"
	    "{'name':'grp','type':'supervisor','strategy':'one_for_some',"
	    "'children':[" SLEEPER("x") "]},"
	    "{'name':'z','command':['@CHILD@','sleep'],'shutdown':'soon'}"));
	assert_int_equal(ht_run(h, argv, HT_T, &out, &err), 1);
	ht_sync_events(h);
	from = ht_last_seq(h);

	r = ht_request(h, "reload", NULL);
	assert_non_null(ht_error_code(r));
	assert_string_equal(ht_error_code(r), "invalid_config");
	errors = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r, "error"), "errors");
	assert_int_equal(cJSON_GetArraySize(errors), 3);
	/* herdd --check: the same lines, then its summary */
	lines = strdup(err);
	assert_non_null(lines);
	snprintf(prefix, sizeof prefix, "%s:", h->conf);
	i = 0;
	tok = strtok_r(lines, "\n", &save);
	cJSON_ArrayForEach(e, errors) {
		assert_true(cJSON_IsString(e));
		line = e->valuestring;
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			fail_msg("error %d does not start with %s: %s", i,
			    prefix, line);
		assert_non_null(tok);
		assert_string_equal(line, tok);
		tok = strtok_r(NULL, "\n", &save);
		i++;
	}
	assert_non_null(tok);
	assert_non_null(strstr(tok, "3 errors"));
	free(lines);
	/* FILE:LINE:COL: PATH: message, for the three places */
	assert_non_null(strstr(cJSON_GetArrayItem(errors, 0)->valuestring,
	    ": supervisor.children[1].restart: "));
	assert_non_null(strstr(cJSON_GetArrayItem(errors, 1)->valuestring,
	    ": supervisor.children[2].strategy: "));
	assert_non_null(strstr(cJSON_GetArrayItem(errors, 2)->valuestring,
	    ": supervisor.children[3].shutdown: "));
	for (i = 0; i < 3; i++) {
		int ln = 0, col = 0;
		line = cJSON_GetArrayItem(errors, i)->valuestring +
		    strlen(prefix);
		if (sscanf(line, "%d:%d: ", &ln, &col) != 2 || ln < 1 ||
		    col < 1)
			fail_msg("no LINE:COL in %s", line);
	}

	/* nothing changed, and no reload happened */
	assert_unchanged(h, &p);
	ht_sync_events(h);
	assert_null(ht_find_event(h, from, "config.reloaded", NULL));
	assert_string_equal(ht_trace(h, from, 0, "child."), "");
}

/* SIGHUP reloads the file as the op does. */
static void
test_integ_reload_sighup(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);

	ht_write_conf(h, CONF(SLEEPER("a") "," DB("v1") "," GRP("3") ","
	    SLEEPER("old") "," SLEEPER("z") "," SLEEPER("c")));
	assert_int_equal(kill(h->pid, SIGHUP), 0);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	assert_string_equal(ht_status(h, "c").state, "running");
	assert_true(ht_pid(h, "c") > 0);
	assert_int_equal(ht_pid(h, "a"), p.a);
	assert_int_equal(ht_pid(h, "db"), p.db);
	assert_int_equal(ht_pid(h, "grp/x"), p.x);
	assert_int_equal(ht_pid(h, "old"), p.old);
	assert_string_equal(ht_status_order(h),
	    "a db grp grp/x grp/y old z c");
}

/* An added child that cannot start: its change is ok:false with the
 * error, the other changes ok:true. */
static void
test_integ_reload_added_fails(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	const cJSON *ch, *bad = NULL;
	cJSON *res;
	int n = 0;

	ht_write_conf(h, CONF(SLEEPER("a") "," DB("v2") "," GRP("3") ","
	    SLEEPER("old") "," SLEEPER("z") ","
	    "{'name':'bad','command':['@TMP@/no-such-command']},"
	    SLEEPER("good")));
	res = reload(h);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	assert_string_equal(changes(res, "changes"),
	    "db changed (command), bad added, good added");
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(res,
	    "applied")) {
		n++;
		if (strcmp(str(ch, "path"), "bad") == 0) {
			bad = ch;
			continue;
		}
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ch, "ok")))
			fail_msg("%s: not ok: %s", str(ch, "path"),
			    cJSON_PrintUnformatted(ch));
		assert_null(cJSON_GetObjectItemCaseSensitive(ch, "error"));
	}
	assert_int_equal(n, 3);
	assert_non_null(bad);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(bad,
	    "ok")));
	assert_true(str(bad, "error")[0] != '\0');
	assert_string_equal(str(bad, "change"), "added");

	assert_string_equal(ht_status(h, "good").state, "running");
	assert_int_not_equal(ht_pid(h, "db"), p.db);
	assert_int_equal(ht_pid(h, "a"), p.a);
	assert_int_equal(ht_pid(h, "z"), p.z);
	assert_int_equal(ht_pid(h, "bad"), 0);
	assert_string_equal(str(ht_result(h, "ping", NULL), "pong"), "pong");
}

/* herdctl diff prints the changes and applies none. */
static void
test_integ_reload_diff_changes_nothing(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	const char *out, *err;
	long long from;
	cJSON *res;
	int code;

	code = ht_herdctl(h, &out, &err, "diff", NULL);
	assert_int_equal(code, 0);
	assert_string_equal(out, "no changes\n");

	ht_write_conf(h, V2);
	ht_sync_events(h);
	from = ht_last_seq(h);
	code = ht_herdctl(h, &out, &err, "diff", NULL);
	if (code != 0)
		fail_msg("herdctl diff exited %d: %s%s", code, out, err);
	assert_non_null(strstr(out, "+ b\n"));
	assert_non_null(strstr(out, "- old\n"));
	assert_non_null(strstr(out, "~ db (command)\n"));
	assert_non_null(strstr(out, "* grp settings (intensity)\n"));
	/* old and new values, as the files spell them (issue 12, item 9) */
	HT_CONTAINS(out, "* grp settings (intensity)\n    intensity: 3 -> 4\n");
	HT_CONTAINS(out, "~ db (command)\n    command:\n      was: [");
	HT_CONTAINS(out, "db.args\",\"v1\"]\n      now: [");
	HT_CONTAINS(out, "db.args\",\"v2\"]\n");
	res = ht_result(h, "diff", NULL);
	{
		const cJSON *ch;
		cJSON_ArrayForEach(ch, cJSON_GetObjectItem(res, "changes"))
			if (strcmp(cJSON_GetObjectItem(ch, "path")->valuestring,
			    "grp") == 0)
				assert_int_equal((int)ht_num(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(ch, "values"),
				    "intensity"), "new"), 4);
	}
	assert_string_equal(changes(res, "changes"),
	    "b added, db changed (command), grp settings (intensity), "
	    "old removed");
	assert_null(cJSON_GetObjectItemCaseSensitive(res, "applied"));

	assert_unchanged(h, &p);
	assert_false(ht_status(h, "b").found);
	ht_sync_events(h);
	assert_null(ht_find_event(h, from, "config.reloaded", NULL));
	assert_string_equal(ht_trace(h, from, 0, "child."), "");
}

/* herdctl config set --apply edits the file (valid, the old one kept as
 * .bak) and restarts the changed child; rollback --apply undoes both. */
static void
test_integ_reload_config_set_apply(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	char *check[] = { h->herdd, "-c", h->conf, "--check", NULL };
	const char *out, *err, *orig, *now, *bak;
	char *orig_copy;
	pid_t db2;
	int code;

	orig = ht_read_file(h, h->conf);
	assert_non_null(orig);
	orig_copy = strdup(orig);
	assert_non_null(orig_copy);

	code = ht_herdctl(h, &out, &err, "-c", h->conf, "config", "set",
	    "db.restart", "transient", "--apply", NULL);
	if (code != 0)
		fail_msg("config set exited %d: %s%s", code, out, err);
	now = ht_read_file(h, h->conf);
	assert_non_null(now);
	assert_non_null(strstr(now, "\"transient\""));
	bak = ht_read_file(h, ht_path(h, "herd.json.bak"));
	assert_non_null(bak);
	assert_string_equal(bak, orig_copy);
	assert_int_equal(ht_run(h, check, HT_T, &out, &err), 0);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	assert_true(ht_wait_gone(p.db, HT_T));
	assert_string_equal(ht_status(h, "db").state, "running");
	db2 = ht_pid(h, "db");
	assert_int_not_equal(db2, p.db);
	assert_int_equal(ht_pid(h, "a"), p.a);
	assert_int_equal(ht_pid(h, "grp/x"), p.x);
	assert_int_equal(ht_pid(h, "z"), p.z);
	code = ht_herdctl(h, &out, &err, "diff", NULL);
	assert_int_equal(code, 0);
	assert_string_equal(out, "no changes\n");

	code = ht_herdctl(h, &out, &err, "-c", h->conf, "config",
	    "rollback", "--apply", NULL);
	if (code != 0)
		fail_msg("config rollback exited %d: %s%s", code, out, err);
	now = ht_read_file(h, h->conf);
	assert_non_null(now);
	assert_string_equal(now, orig_copy);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	assert_true(ht_wait_gone(db2, HT_T));
	assert_string_equal(ht_status(h, "db").state, "running");
	assert_int_not_equal(ht_pid(h, "db"), db2);
	assert_int_equal(ht_pid(h, "a"), p.a);
	code = ht_herdctl(h, &out, &err, "diff", NULL);
	assert_int_equal(code, 0);
	assert_string_equal(out, "no changes\n");
	free(orig_copy);
}

/* A child added at runtime is not in the config, old or new: a reload
 * does not touch it (rule 13 loses it only when its supervisor is
 * restarted by its parent; OTP's code_change keeps children the new
 * specs do not name), and diff, which shows what a reload changes, does
 * not list it. */
static void
test_integ_reload_keeps_runtime_children(void **state)
{
	struct ht *h = boot(state, V1);
	struct pids p = pids_of(h);
	char spec[4200];
	const char *out, *err;
	long long from;
	pid_t c;
	cJSON *res;
	int code;

	snprintf(spec, sizeof spec, "{\"name\":\"c\",\"command\":[\"%s\","
	    "\"sleep\"]}", h->child);
	code = ht_herdctl(h, &out, &err, "add-child", "grp", spec, NULL);
	if (code != 0)
		fail_msg("add-child exited %d: %s%s", code, out, err);
	c = ht_pid(h, "grp/c");
	assert_true(c > 0);

	res = ht_result(h, "diff", NULL);
	{
		const cJSON *ch;
		cJSON_ArrayForEach(ch, cJSON_GetObjectItem(res, "changes"))
			if (strcmp(cJSON_GetObjectItem(ch, "path")->valuestring,
			    "grp") == 0)
				assert_int_equal((int)ht_num(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(ch, "values"),
				    "intensity"), "new"), 4);
	}
	assert_string_equal(changes(res, "changes"), "");
	ht_sync_events(h);
	from = ht_last_seq(h);
	res = reload(h);
	ht_wait_event(h, "config.reloaded", NULL, HT_T);
	assert_string_equal(changes(res, "changes"), "");
	if (strcmp(ht_status(h, "grp/c").state, "running") != 0)
		fail_msg("a reload of an unchanged file did: %s",
		    ht_trace(h, from, 0, ""));
	assert_int_equal(ht_pid(h, "grp/c"), c);
	/* the others as before; grp/c stays last among grp's children */
	assert_int_equal(ht_pid(h, "a"), p.a);
	assert_int_equal(ht_pid(h, "grp/x"), p.x);
	assert_int_equal(ht_pid(h, "old"), p.old);
	assert_string_equal(ht_status_order(h), "a db grp grp/x grp/y grp/c old z");
}

/* herdd started with a relative -c says its config's path absolute,
 * in diff as in status (issue 12, item 20). */
static void
test_integ_reload_config_path_absolute(void **state)
{
	struct ht *h = *state;
	char cwd[4096], abs[sizeof h->conf];
	cJSON *res;

	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(abs, sizeof abs, "%s", h->conf);
	assert_int_equal(chdir(h->dir), 0);
	snprintf(h->conf, sizeof h->conf, "herd.json");
	ht_boot(h, CONF(SLEEPER("a")));
	assert_int_equal(chdir(cwd), 0);
	snprintf(h->conf, sizeof h->conf, "%s", abs);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	res = ht_result(h, "diff", NULL);
	assert_string_equal(cJSON_GetObjectItem(res, "config")->valuestring,
	    abs);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ht_setup, ht_teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_integ_reload_applies_changes),
		T(test_integ_reload_said_once),
		T(test_integ_reload_ended_temporary),
		T(test_integ_reload_check_warns_missing_command),
		T(test_integ_reload_argument_count),
		T(test_integ_reload_invalid_changes_nothing),
		T(test_integ_reload_sighup),
		T(test_integ_reload_added_fails),
		T(test_integ_reload_diff_changes_nothing),
		T(test_integ_reload_config_set_apply),
		T(test_integ_reload_keeps_runtime_children),
		T(test_integ_reload_config_path_absolute),
	};

	return cmocka_run_group_tests_name("integ_reload", tests, NULL, NULL);
}
