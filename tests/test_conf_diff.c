/* Tests of conf/conf-diff.c: pairs of configs and the changes a reload from
 * one to the other would make, in tree order. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"

/* Configs are written with ' for " to keep the table readable. */
struct diff_case {
	const char *name;
	const char *old, *new;
	const char *want; /* one line per entry: "~ path (fields)", "+ path",
	                     "- path", "* path (fields)"; then "note: ..." */
};

#define W(n, extra) "{'name':'" n "','command':['/bin/" n "']" extra "}"
#define SUP(body) "{'supervisor':{" body "}}"

static const struct diff_case diff_cases[] = {
	{ "same", SUP("'children':[" W("a", "") "," W("b", "") "]"),
	    SUP("'children':[" W("a", "") "," W("b", "") "]"), "" },
	{ "defaults-spelt-out", SUP("'children':[" W("a", "") "]"),
	    SUP("'intensity':1,'children':[" W("a", ",'restart':'permanent',"
	    "'shutdown':5000,'stop_signal':'SIGTERM','user':'root'") "]"),
	    "~ a (user, group)\n" },
	{ "user-name-or-uid", SUP("'children':[" W("a", ",'user':'root'")
	    "]"), SUP("'children':[" W("a", ",'user':0,'group':'root'") "]"),
	    "" },
	{ "command", SUP("'children':[" W("a", "") "," W("b", "") "]"),
	    SUP("'children':[" W("a", "") ",{'name':'b','command':'b'}]"),
	    "~ b (command)\n" },
	/* argv of another length: the shared elements are equal, so only a
	 * comparison that counts catches it (issue 14, item 8) */
	{ "command-argument-added",
	    SUP("'children':[{'name':'a','command':['/bin/a','-v']}]"),
	    SUP("'children':[{'name':'a','command':['/bin/a','-v','-q']}]"),
	    "~ a (command)\n" },
	{ "command-argument-removed",
	    SUP("'children':[{'name':'a','command':['/bin/a','-v','-q']}]"),
	    SUP("'children':[{'name':'a','command':['/bin/a','-v']}]"),
	    "~ a (command)\n" },
	{ "command-empty-argument-added",
	    SUP("'children':[{'name':'a','command':['/bin/a']}]"),
	    SUP("'children':[{'name':'a','command':['/bin/a','']}]"),
	    "~ a (command)\n" },
	{ "env-variable-added",
	    SUP("'children':[" W("a", ",'env':{'X':'1'}") "]"),
	    SUP("'children':[" W("a", ",'env':{'X':'1','Y':'2'}") "]"),
	    "~ a (env)\n" },
	{ "env-variable-removed",
	    SUP("'children':[" W("a", ",'env':{'X':'1','Y':'2'}") "]"),
	    SUP("'children':[" W("a", ",'env':{'X':'1'}") "]"),
	    "~ a (env)\n" },
	{ "env-order-is-no-change",
	    SUP("'children':[" W("a", ",'env':{'X':'1','Y':'2'}") "]"),
	    SUP("'children':[" W("a", ",'env':{'Y':'2','X':'1'}") "]"), "" },
	{ "many-fields-in-schema-order",
	    SUP("'children':[" W("a", ",'env':{'X':'1'}") "]"),
	    SUP("'children':[{'name':'a','command':['/bin/b'],'env':{'X':'2'},"
	    "'stderr':'null','restart':'transient','shutdown':'brutal_kill',"
	    "'cwd':'/','umask':'022','ready':'fd','ready_fd':4,"
	    "'ready_timeout_ms':9,'normal_exit_codes':[3],'backoff':{},"
	    "'clear_env':true,'stop_signal':'INT','stdout':'inherit'}]"),
	    "~ a (restart, shutdown, command, env, clear_env, cwd, umask, "
	    "stop_signal, ready, ready_fd, ready_timeout_ms, "
	    "normal_exit_codes, backoff, stdout, stderr)\n" },
	{ "backoff-values", SUP("'children':[" W("a", ",'backoff':{}") "]"),
	    SUP("'children':[" W("a", ",'backoff':{'jitter':0.5}") "]"),
	    "~ a (backoff)\n" },
	{ "limits-values", SUP("'children':[" W("a", ",'limits':{'nofile':64}")
	    "]"), SUP("'children':[" W("a", ",'limits':{'nofile':'64:128'},"
	    "'stdout':'null'") "]"), "~ a (limits, stdout)\n" },
	{ "limits-same-written-otherwise",
	    SUP("'children':[" W("a", ",'limits':{'core':0,'nofile':64}") "]"),
	    SUP("'children':[" W("a", ",'limits':{'nofile':'64:64','core':'0'}")
	    "]"), "" },
	{ "cgroup-values", SUP("'children':[" W("a", ",'cgroup':{'cpu_max':"
	    "'50%'}") "]"), SUP("'children':[" W("a", ",'cgroup':{'cpu_max':"
	    "'60%'}") "]"), "~ a (cgroup)\n" },
	{ "cgroup-same-written-otherwise",
	    SUP("'children':[" W("a", ",'cgroup':{'memory_max':'1M',"
	    "'pids_max':5}") "]"),
	    SUP("'children':[" W("a", ",'cgroup':{'pids_max':5,'memory_max':"
	    "1048576}") "]"), "" },
	{ "added-removed-in-place",
	    SUP("'children':[" W("a", "") "," W("b", "") "," W("c", "") ","
	    W("d", "") "]"),
	    SUP("'children':[" W("a", "") "," W("c", "") "," W("e", "") ","
	    W("d", "") "," W("f", "") "]"),
	    "- b\n+ e\n+ f\n" },
	{ "removed-first-and-last",
	    SUP("'children':[" W("a", "") "," W("b", "") "," W("c", "") "]"),
	    SUP("'children':[" W("b", "") "]"), "- a\n- c\n" },
	{ "all-replaced", SUP("'children':[" W("a", "") "," W("b", "") "]"),
	    SUP("'children':[" W("c", "") "]"), "+ c\n- a\n- b\n" },
	{ "type-change",
	    SUP("'children':[" W("a", "") "," W("x", "") "]"),
	    SUP("'children':[" W("a", "") ",{'name':'x','type':'supervisor'}]"),
	    "- x\n+ x\n" },
	{ "order", SUP("'children':[" W("a", "") "," W("b", "") "]"),
	    SUP("'children':[" W("b", "") "," W("a", "") "]"),
	    "* (root) (order)\n" },
	{ "root-settings", SUP("'children':[" W("a", "") "]"),
	    SUP("'strategy':'one_for_all','intensity':5,'period_ms':1,"
	    "'auto_shutdown':'any_significant','children':[" W("a", "") "]"),
	    "* (root) (strategy, intensity, period_ms, auto_shutdown)\n" },
	{ "nested",
	    SUP("'children':[{'name':'app','type':'supervisor','children':["
	    W("db", "") "," W("web", "") "," W("old", "") "]}," W("z", "") "]"),
	    SUP("'children':[{'name':'app','type':'supervisor','intensity':4,"
	    "'children':[" W("db", ",'cwd':'/'") ",{'name':'inner','type':"
	    "'supervisor','children':[" W("w", "") "]}," W("web", "") "]},"
	    W("z", ",'significant':false") "]"),
	    "* app (intensity)\n~ app/db (cwd)\n+ app/inner\n- app/old\n" },
	{ "supervisor-own-keys",
	    SUP("'children':[{'name':'app','type':'supervisor','children':["
	    W("db", "") "]}]"),
	    SUP("'auto_shutdown':'any_significant','children':[{'name':'app',"
	    "'type':'supervisor','restart':'transient','significant':true,"
	    "'shutdown':100,'period_ms':9,'children':[" W("db", ",'cwd':'/'")
	    "]}]"),
	    "* (root) (auto_shutdown)\n"
	    "~ app (restart, shutdown, significant)\n* app (period_ms)\n"
	    "~ app/db (cwd)\n" },
	{ "pool-switch",
	    SUP("'children':[{'name':'p','type':'supervisor','strategy':"
	    "'one_for_one','children':[" W("c", "") "]}]"),
	    SUP("'children':[{'name':'p','type':'supervisor','strategy':"
	    "'simple_one_for_one','max_instances':3,'children':["
	    W("c", ",'restart':'temporary'") "]}]"),
	    "~ p (strategy)\n* p (max_instances)\n~ p/c (restart)\n" },
	{ "root-pool-switch", SUP("'children':[" W("c", "") "]"),
	    SUP("'strategy':'simple_one_for_one','children':[" W("c", "") "]"),
	    "~ (root) (strategy)\n" },
	{ "strategy-in-place",
	    SUP("'children':[{'name':'p','type':'supervisor','strategy':"
	    "'one_for_one'}]"),
	    SUP("'children':[{'name':'p','type':'supervisor','strategy':"
	    "'rest_for_one'}]"),
	    "* p (strategy)\n" },
	{ "sagas-notes",
	    "{'supervisor':{},'sagas':{'a':{'steps':[{'name':'s','action':"
	    "{'command':'x'}}]},'b':{'steps':[{'name':'s','action':{'actor':"
	    "'w'}}]},'c':{'steps':[{'name':'s','action':{'command':'x'}}]}}}",
	    "{'supervisor':{},'sagas':{'a':{'steps':[{'name':'s','action':"
	    "{'command':'x'}}]},'b':{'steps':[{'name':'s','action':{'actor':"
	    "'w','value':1}}]},'d':{'steps':[{'name':'s','action':{'command':"
	    "'x'}}]}}}",
	    "note: sagas.b changed: takes effect when herd-sagad restarts\n"
	    "note: sagas.d changed: takes effect when herd-sagad restarts\n"
	    "note: sagas.c changed: takes effect when herd-sagad restarts\n" },
	{ "top-level-notes",
	    "{'supervisor':{}}",
	    "{'run_dir':'/tmp/r','log_dir':'/tmp/l','log_max_bytes':1,"
	    "'log_backups':1,'notify_abstract':true,'control':{'group':0,"
	    "'allow_users':[0],'allow_groups':[0],'allow_run_as':{'root':'*'},"
	    "'max_request_bytes':2048,'event_ring':16,'max_connections':9,"
	    "'max_connections_per_user':3,"
	    "'tcp':{'url':'tls+tcp://127.0.0.1:1','cert':'/c',"
	    "'key':'/k','allow':['::1']}},'supervisor':{}}",
	    "note: run_dir changed: takes effect when herdd restarts\n"
	    "note: log_dir changed: takes effect when herdd restarts\n"
	    "note: log_max_bytes changed: takes effect when herdd restarts\n"
	    "note: log_backups changed: takes effect when herdd restarts\n"
	    "note: notify_abstract changed: takes effect when herdd restarts\n"
	    "note: control.group changed: takes effect when herdd restarts\n"
	    "note: control.allow_users changed: applied at once\n"
	    "note: control.allow_groups changed: applied at once\n"
	    "note: control.allow_run_as changed: applied at once\n"
	    "note: control.max_request_bytes changed: takes effect when herdd "
	    "restarts\n"
	    "note: control.event_ring changed: takes effect when herdd "
	    "restarts\n"
	    "note: control.max_connections changed: applied at once\n"
	    "note: control.max_connections_per_user changed: applied at "
	    "once\n"
	    "note: control.tcp changed: takes effect when herdd restarts\n" },
	{ "control-same-spelt-differently",
	    "{'control':{'allow_users':['root',1]},'supervisor':{}}",
	    "{'control':{'allow_users':[1,0],'max_request_bytes':65536},"
	    "'supervisor':{}}", "" },
};

#define NCASES (sizeof diff_cases / sizeof diff_cases[0])

static struct conf *
parse(const char *tmpl)
{
	struct conf_errors errs = { NULL, 0 };
	struct conf *c = NULL;
	char *text = strdup(tmpl), *p;
	size_t i;

	assert_non_null(text);
	for (p = text; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	if (conf_parse("t", text, strlen(text), &c, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			print_error("%s\n", errs.msgs[i]);
		fail_msg("config does not parse: %s", text);
	}
	free(text);
	return c;
}

/* The diff as lines; caller frees. */
static char *
render(const struct conf_diff *d)
{
	static const char mark[] = { '+', '-', '~', '*' };
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	for (i = 0; i < d->n; i++) {
		fprintf(f, "%c %s", mark[d->v[i].change],
		    *d->v[i].path ? d->v[i].path : "(root)");
		if (d->v[i].change == CONF_CH_CHANGED ||
		    d->v[i].change == CONF_CH_SETTINGS) {
			assert_non_null(d->v[i].fields);
			fprintf(f, " (%s)", d->v[i].fields);
		} else {
			assert_null(d->v[i].fields);
		}
		fputc('\n', f);
	}
	for (i = 0; i < d->nnotes; i++)
		fprintf(f, "note: %s\n", d->notes[i]);
	fclose(f);
	return out;
}

static void
test_conf_diff_case(void **state)
{
	const struct diff_case *t = *state;
	struct conf *a = parse(t->old), *b = parse(t->new);
	struct conf_diff d;
	char *got;

	assert_int_equal(conf_diff(a, b, &d), 0);
	got = render(&d);
	assert_string_equal(got, t->want);
	free(got);
	conf_diff_clear(&d);
	assert_int_equal(d.n, 0);
	assert_null(d.v);

	/* Nothing changes from a config to itself. */
	assert_int_equal(conf_diff(b, b, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.nnotes, 0);
	conf_diff_clear(&d);
	conf_free(a);
	conf_free(b);
}

static void
test_conf_diff_child_same(void **state)
{
	struct conf *a = parse(SUP("'children':[" W("a", "") ",{'name':'s',"
	    "'type':'supervisor','children':[" W("x", "") "]}]"));
	struct conf *b = parse(SUP("'children':[" W("a", ",'cwd':'/',"
	    "'stop_signal':'INT'") ",{'name':'s','type':'supervisor',"
	    "'intensity':9,'children':[" W("y", "") "]}]"));
	struct conf *c = parse(SUP("'children':[{'name':'a','type':"
	    "'supervisor'},{'name':'s','type':'supervisor','strategy':"
	    "'simple_one_for_one','children':[" W("x", "") "]}]"));
	char fields[64];

	assert_int_equal(conf_child_same(a->root.children[0],
	    a->root.children[0], fields, sizeof fields), 1);
	assert_string_equal(fields, "");
	assert_int_equal(conf_child_same(a->root.children[0],
	    b->root.children[0], fields, sizeof fields), 0);
	assert_string_equal(fields, "cwd, stop_signal");
	/* Cut to the buffer, still NUL-terminated. */
	assert_int_equal(conf_child_same(a->root.children[0],
	    b->root.children[0], fields, 6), 0);
	assert_string_equal(fields, "cwd, ");
	assert_int_equal(conf_child_same(a->root.children[0],
	    b->root.children[0], NULL, 0), 0);
	/* A supervisor's settings and children are not its own keys. */
	assert_int_equal(conf_child_same(a->root.children[1],
	    b->root.children[1], fields, sizeof fields), 1);
	/* Except whether it is a pool. */
	assert_int_equal(conf_child_same(a->root.children[1],
	    c->root.children[1], fields, sizeof fields), 0);
	assert_string_equal(fields, "strategy");
	assert_int_equal(conf_child_same(a->root.children[0],
	    c->root.children[0], fields, sizeof fields), 0);
	assert_string_equal(fields, "type");
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

static void
test_conf_diff_names(void **state)
{
	assert_string_equal(conf_change_name(CONF_CH_ADDED), "added");
	assert_string_equal(conf_change_name(CONF_CH_REMOVED), "removed");
	assert_string_equal(conf_change_name(CONF_CH_CHANGED), "changed");
	assert_string_equal(conf_change_name(CONF_CH_SETTINGS), "settings");
	assert_string_equal(conf_change_name((enum conf_change)9), "?");
	conf_diff_clear(NULL);
}

int
main(void)
{
	struct CMUnitTest tests[NCASES + 2];
	size_t i, n = 0;

	for (i = 0; i < NCASES; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(
		    test_conf_diff_case, (void *)&diff_cases[i]);
		tests[n++].name = diff_cases[i].name;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
	    test_conf_diff_child_same);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_conf_diff_names);
	return _cmocka_run_group_tests("conf_diff", tests, n, NULL, NULL);
}
