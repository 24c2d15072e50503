/*
 * libFuzzer target for the config loader and validator (conf/): any bytes
 * as a whole config file, through conf_parse (JSON with positions, the
 * schema, every rule of conf-validate.c), and as one child object through
 * conf_child_parse (add_child's decoder). Each must accept, or refuse
 * with at least one message naming FILE:LINE:COL; never crash or leak. A
 * config accepted must diff against itself to nothing, and again after
 * a second parse of the same text (the diff a reload would apply).
 * Seeds: the config fixtures (tests/fixtures/conf/) and examples/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Refused: messages, each starting with the name it was given. */
static void
check_refusal(const struct conf_errors *errs, const char *name)
{
	size_t i;

	if (errs->n == 0)
		abort();
	for (i = 0; i < errs->n; i++)
		if (strncmp(errs->msgs[i], name, strlen(name)) != 0)
			abort();
}

static void
check_config(const char *text, size_t len)
{
	struct conf_errors errs = { 0 };
	struct conf *a = NULL, *b = NULL;
	struct conf_diff d = { 0 };

	if (conf_parse("fuzz.json", text, len, &a, &errs) == -1) {
		check_refusal(&errs, "fuzz.json");
		conf_errors_clear(&errs);
		return;
	}
	if (errs.n != 0 || conf_parse("fuzz.json", text, len, &b, &errs) != 0)
		abort(); /* the same text, accepted once, is accepted again */
	if (conf_diff(a, b, &d) != 0 || d.n != 0 || d.nnotes != 0)
		abort();
	conf_diff_clear(&d);
	if (conf_diff(a, a, &d) != 0 || d.n != 0)
		abort();
	conf_diff_clear(&d);
	conf_free(a);
	conf_free(b);
}

static void
check_child(const char *text, size_t len)
{
	struct conf_errors errs = { 0 };
	struct conf_child *c = NULL;

	if (conf_child_parse("child", text, len, &c, &errs) == -1) {
		check_refusal(&errs, "child");
		conf_errors_clear(&errs);
		return;
	}
	if (errs.n != 0)
		abort();
	conf_child_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: a read past the end is ASan's */
	char *text = malloc(size ? size : 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	check_config(text, size);
	check_child(text, size);
	free(text);
	return 0;
}
