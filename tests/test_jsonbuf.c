/* Unit tests of herd's JSON writer (ipc/jsonbuf.c): what it writes must
 * parse back, with cJSON, to exactly what went in. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonbuf.h"

/* Strings: plain, quotes, backslashes, every control byte, UTF-8. */
static void
test_jsonbuf_str_round_trip(void **state)
{
	char ctl[32];
	const char *cases[] = { "", "c9999", "a\"b", "back\\slash",
	    "tab\tnl\ncr\r", ctl, "caf\xc3\xa9 \xe2\x9c\x93", "\"\\\"" };
	struct jsonbuf b = { 0 };
	size_t i;
	cJSON *j;

	for (i = 0; i < 31; i++)
		ctl[i] = (char)(i + 1);
	ctl[31] = '\0';
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b.len = 0;
		jb_str(&b, cases[i]);
		assert_int_equal(strlen(b.s), b.len);
		j = cJSON_Parse(b.s);
		assert_true(cJSON_IsString(j));
		assert_string_equal(j->valuestring, cases[i]);
		cJSON_Delete(j);
	}
	b.len = 0;
	jb_str(&b, "a\"\x01");
	assert_string_equal(b.s, "\"a\\\"\\u0001\"");
	jb_free(&b);
}

/* Integers at the edges, and a buffer that grows across many writes. */
static void
test_jsonbuf_int(void **state)
{
	const long long cases[] = { 0, 7, -1, 10, 1234567890123LL, LLONG_MAX,
	    LLONG_MIN };
	const char *want[] = { "0", "7", "-1", "10", "1234567890123",
	    "9223372036854775807", "-9223372036854775808" };
	struct jsonbuf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b.len = 0;
		jb_int(&b, cases[i]);
		assert_string_equal(b.s, want[i]);
	}
	b.len = 0;
	for (i = 0; i < 100000; i++)
		jb_int(&b, 9);
	assert_int_equal(b.len, 100000);
	assert_int_equal(strspn(b.s, "9"), 100000);
	jb_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonbuf_str_round_trip),
		cmocka_unit_test(test_jsonbuf_int),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
