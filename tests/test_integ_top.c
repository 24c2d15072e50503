/*
 * herdctl top (issue 13) in a real terminal: tmux runs it in a pane of
 * its own server (a socket in the test's dir), send-keys types, and
 * capture-pane reads the screen. The rows, the sort by CPU, a kill shown
 * as a restart, the filter, a restart from the keyboard, q; and the
 * one-shot table when stdout is not a terminal.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define CONF "{" HT_DIRS ",'supervisor':{'intensity':10,'children':[" \
	"{'name':'idle','command':['@CHILD@','sleep']}," \
	"{'name':'burn','command':['sh','-c','while :; do :; done']}," \
	"{'name':'web','command':['@CHILD@','sleep']}]}}"

/* tmux ARGS... on the test's own server; its exit status. */
static int
tmux(struct ht *h, const char **out, ...)
{
	char *argv[16];
	const char *err;
	va_list ap;
	int n = 0;

	argv[n++] = "tmux";
	argv[n++] = "-S";
	argv[n++] = (char *)ht_path(h, "tmux.sock");
	va_start(ap, out);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return ht_run(h, argv, HT_T, out, &err);
}

struct screen {
	const char *needle;
	const char *text;
};

/* The pane's text holds s->needle. */
static int
shows(struct ht *h, void *arg)
{
	struct screen *s = arg;

	if (tmux(h, &s->text, "capture-pane", "-p", "-t", "top", NULL) != 0)
		return 0;
	return strstr(s->text, s->needle) != NULL;
}

static const char *
wait_screen(struct ht *h, const char *needle)
{
	struct screen s = { needle, "" };

	if (!ht_until(h, shows, &s, HT_T))
		fail_msg("the pane never showed \"%s\":\n%s", needle, s.text);
	return s.text;
}

/* The line of the pane about PATH (its row). */
static const char *
row_of(struct ht *h, const char *screen, const char *path)
{
	const char *p = screen;
	size_t n = strlen(path);
	char *line;

	while ((p = strstr(p, path)) != NULL) {
		if ((p == screen || p[-1] == '\n') && p[n] == ' ') {
			line = strndup(p, strcspn(p, "\n"));
			assert_non_null(line);
			return ht_keep_str(h, line);
		}
		p += n;
	}
	fail_msg("no row for %s in:\n%s", path, screen);
	return NULL;
}

/* Under sort cpu, the spinning child's row above the sleeping one's. */
static int
burn_first(struct ht *h, void *arg)
{
	struct screen s = { "PATH", "" };
	const char *b, *i;

	(void)arg;
	if (!shows(h, &s))
		return 0;
	b = strstr(s.text, "\nburn ");
	i = strstr(s.text, "\nidle ");
	return b != NULL && i != NULL && b < i;
}

/* web's row shows the pid in ARG (" 123 ") and one restart, one this
 * minute. */
static int
web_row_restarted(struct ht *h, void *arg)
{
	struct screen s = { "\nweb ", "" };
	const char *row;

	if (!shows(h, &s))
		return 0;
	row = row_of(h, s.text, "web");
	return strstr(row, arg) != NULL && strstr(row, "        1     1") !=
	    NULL;
}

static int
session_gone(struct ht *h, void *arg)
{
	const char *out;

	(void)arg;
	return tmux(h, &out, "has-session", "-t", "top", NULL) != 0;
}

static void
test_integ_top_in_tmux(void **state)
{
	struct ht *h = *state;
	const char *out, *scr;
	char cmd[8192], want[64];
	pid_t pid;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	snprintf(cmd, sizeof cmd, "%s -r %s top", h->herdctl, h->run);
	assert_int_equal(tmux(h, &out, "new-session", "-d", "-s", "top",
	    "-x", "120", "-y", "24", cmd, NULL), 0);
	/* the server is the test's: teardown ends it if the test fails */
	assert_int_equal(tmux(h, &out, "display-message", "-p", "-t", "top",
	    "#{pid}", NULL), 0);
	ht_adopt(h, (pid_t)atoi(out));
	/* sorted by CPU by default: burn first, once a second is measured */
	scr = wait_screen(h, "sort cpu");
	wait_screen(h, "burn ");
	if (!ht_until(h, burn_first, NULL, HT_T))
		fail_msg("burn not above idle under sort cpu:\n%s",
		    wait_screen(h, "PATH"));
	/* a kill shows as a restart, with the new pid */
	pid = ht_pid(h, "web");
	kill(pid, SIGKILL);
	ht_wait_event(h, "child.started", "web", HT_T);
	snprintf(want, sizeof want, " %d ", (int)ht_pid(h, "web"));
	if (!ht_until(h, web_row_restarted, want, HT_T))
		fail_msg("web's row never showed pid%s and one restart:\n%s",
		    want, wait_screen(h, "PATH"));
	/* the filter, then r restarts the one child shown */
	assert_int_equal(tmux(h, &out, "send-keys", "-t", "top", "/", "w",
	    "e", "b", "Enter", NULL), 0);
	scr = wait_screen(h, "1 shown");
	assert_null(strstr(scr, "\nburn "));
	pid = ht_pid(h, "web");
	assert_int_equal(tmux(h, &out, "send-keys", "-t", "top", "r", NULL),
	    0);
	wait_screen(h, "restart web: done");
	assert_true(ht_pid(h, "web") != pid);
	/* s moves to the next sort key */
	assert_int_equal(tmux(h, &out, "send-keys", "-t", "top", "s", NULL),
	    0);
	wait_screen(h, "sort rss");
	/* q: herdctl ends, and the session with it */
	assert_int_equal(tmux(h, &out, "send-keys", "-t", "top", "q", NULL),
	    0);
	assert_true(ht_until(h, session_gone, NULL, HT_T));
	tmux(h, &out, "kill-server", NULL);
}

static void
test_integ_top_not_a_tty(void **state)
{
	struct ht *h = *state;
	const char *out, *err;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	HT_CTL(h, 0, &out, &err, "top");
	HT_CONTAINS(out, "PATH");
	HT_CONTAINS(out, "CPU%");
	HT_CONTAINS(out, "\nburn ");
	/* sorted by CPU: the spinning one above the sleeping ones */
	assert_true(strstr(out, "\nburn ") < strstr(out, "\nidle "));
	HT_CTL(h, 0, &out, &err, "--json", "top");
	HT_CONTAINS(out, "\"cpu_percent\"");
	HT_CTL(h, 2, &out, &err, "top", "--sort", "nope");
	HT_CONTAINS(err, "unknown sort key");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_top_in_tmux,
		    ht_setup, ht_teardown),
		cmocka_unit_test_setup_teardown(test_integ_top_not_a_tty,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_top", tests, NULL, NULL);
}
