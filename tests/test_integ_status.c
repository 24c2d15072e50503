/*
 * herdctl status --resources (issue 12, item 7): CPU% and RSS of each
 * child's process group, read from /proc by herdctl, counting what the
 * child started in its group; nothing of it without the flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* the child is a shell waiting; what burns is its own child, in its
 * process group */
#define CONF "{" HT_DIRS ",'supervisor':{'children':[" \
	"{'name':'burn','command':['sh','-c','while :; do :; done & wait']}," \
	"{'name':'idle','command':['@CHILD@','sleep']}]}}"

static const cJSON *
child_of(const cJSON *status, const char *path)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(status, "children"))
		if (strcmp(cJSON_GetObjectItem(c, "path")->valuestring,
		    path) == 0)
			return c;
	fail_msg("no %s in status", path);
	return NULL;
}

static void
test_integ_status_resources(void **state)
{
	struct ht *h = *state;
	const char *out, *err;
	const cJSON *burn, *idle;
	cJSON *j;

	ht_boot(h, CONF);
	ht_wait_event(h, "herd.started", NULL, HT_T);
	HT_CTL(h, 0, &out, &err, "--json", "status");
	assert_null(strstr(out, "cpu_percent"));
	HT_CTL(h, 0, &out, &err, "--json", "status", "--resources");
	j = cJSON_Parse(out);
	assert_non_null(j);
	burn = child_of(j, "burn");
	idle = child_of(j, "idle");
	/* a busy 2-core machine still gives a spinning loop some CPU */
	assert_true(ht_num(burn, "cpu_percent") > 10);
	assert_true(ht_num(idle, "cpu_percent") < ht_num(burn,
	    "cpu_percent"));
	assert_true(ht_num(burn, "rss_bytes") > 0);
	assert_true(ht_num(idle, "rss_bytes") > 0);
	cJSON_Delete(j);
	HT_CTL(h, 0, &out, &err, "status", "--resources");
	HT_CONTAINS(out, "CPU%");
	HT_CONTAINS(out, "RSS");
	HT_CTL(h, 2, &out, &err, "status", "--resourcez");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_integ_status_resources,
		    ht_setup, ht_teardown),
	};

	return cmocka_run_group_tests_name("integ_status", tests, NULL, NULL);
}
