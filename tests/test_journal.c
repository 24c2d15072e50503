/*
 * The saga journal (worker/journal.c) on real files: records come back in
 * order after a reopen; a torn tail is cut off and said; a flipped byte
 * with good records after it, a format from the future, or a record that
 * is not JSON refuse the journal (a decision must never be skipped);
 * compaction replaces the file atomically; a failed append leaves
 * nothing behind (ENOSPC on /dev/full).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "journal.h"

struct fx {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/herd-journal-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/j", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	unlink(f->path);
	snprintf(p, sizeof p, "%s.new", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Collects the "n" of each replayed record, as text "1,2,3,". */
static int
collect(void *arg, const cJSON *rec)
{
	char *acc = arg;
	const cJSON *n = cJSON_GetObjectItem(rec, "n");

	snprintf(acc + strlen(acc), 256 - strlen(acc), "%d,",
	    cJSON_IsNumber(n) ? n->valueint : -1);
	return 0;
}

static void
append_n(struct herdi_journal *j, int n)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "r", "test");
	cJSON_AddNumberToObject(r, "n", n);
	assert_int_equal(herdi_journal_append(j, r), 0);
	cJSON_Delete(r);
}

/* Writes records 1..N and closes the journal; returns its size. */
static off_t
write_records(struct fx *f, int n)
{
	struct herdi_journal j;
	char err[512];
	off_t size;

	assert_int_equal(herdi_journal_open(&j, f->path, NULL, NULL, err,
	    sizeof err), 0);
	for (int i = 1; i <= n; i++)
		append_n(&j, i);
	assert_int_equal(herdi_journal_sync(&j), 0);
	size = j.size;
	herdi_journal_close(&j);
	return size;
}

static int
reopen(struct fx *f, char *acc, char *err, size_t errlen)
{
	struct herdi_journal j;
	int rv;

	acc[0] = '\0';
	rv = herdi_journal_open(&j, f->path, collect, acc, err, errlen);
	if (rv == 0)
		herdi_journal_close(&j);
	return rv;
}

static void
flip(struct fx *f, off_t at)
{
	int fd = open(f->path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void
test_journal_replay_in_order(void **state)
{
	struct fx *f = *state;
	char acc[256], err[512];

	write_records(f, 3);
	assert_int_equal(reopen(f, acc, err, sizeof err), 0);
	assert_string_equal(acc, "1,2,3,");
	assert_string_equal(err, "");
}

static void
test_journal_torn_tail_cut(void **state)
{
	struct fx *f = *state;
	char acc[256], err[512];
	off_t size = write_records(f, 3);
	struct stat st;

	/* half of the last record reached the disk */
	assert_int_equal(truncate(f->path, size - 5), 0);
	assert_int_equal(reopen(f, acc, err, sizeof err), 0);
	assert_string_equal(acc, "1,2,");
	assert_non_null(strstr(err, "torn record at the end"));
	/* cut off: the next append follows record 2 */
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size < size - 5);
	{
		struct herdi_journal j;
		assert_int_equal(herdi_journal_open(&j, f->path, NULL, NULL,
		    err, sizeof err), 0);
		append_n(&j, 9);
		herdi_journal_close(&j);
	}
	assert_int_equal(reopen(f, acc, err, sizeof err), 0);
	assert_string_equal(acc, "1,2,9,");
	/* a flipped byte in the last record is a torn tail as well */
	size = write_records(f, 0);
	flip(f, size - 3);
	assert_int_equal(reopen(f, acc, err, sizeof err), 0);
	assert_string_equal(acc, "1,2,");
}

static void
test_journal_hole_refused(void **state)
{
	struct fx *f = *state;
	char acc[256], err[512];

	/* records: the header at 0 (34 bytes), 1 at 34, 2 at 60, 3 at 86:
	 * a flipped byte of record 1's length, CRC or payload, or of record
	 * 2's length (which then runs past the end of the file) */
	static const off_t at[] = { 34, 38, 45, 60 };

	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		unlink(f->path);
		write_records(f, 3);
		flip(f, at[i]);
		assert_int_equal(reopen(f, acc, err, sizeof err), -1);
		assert_non_null(strstr(err, "is corrupt and good records "
		    "follow"));
		assert_non_null(strstr(err, f->path));
	}
}

static void
test_journal_future_format_refused(void **state)
{
	struct fx *f = *state;
	struct herdi_journal j = { .path = f->path };
	cJSON *h = cJSON_Parse("{\"r\":\"journal\",\"format\":7}");
	char acc[256], err[512];

	/* a journal whose header says format 7 */
	j.fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(j.fd >= 0);
	assert_int_equal(herdi_journal_append(&j, h), 0);
	close(j.fd);
	cJSON_Delete(h);
	assert_int_equal(reopen(f, acc, err, sizeof err), -1);
	assert_non_null(strstr(err, "journal format 7"));
}

static void
test_journal_not_json_refused(void **state)
{
	struct fx *f = *state;
	char acc[256], err[512];
	unsigned char rec[8 + 5] = { 5, 0, 0, 0 };
	uint32_t crc;
	int fd;

	write_records(f, 1);
	memcpy(rec + 8, "hello", 5);
	crc = herdi_crc32c(herdi_crc32c(0, rec, 4), rec + 8, 5);
	rec[4] = crc & 0xff;
	rec[5] = crc >> 8 & 0xff;
	rec[6] = crc >> 16 & 0xff;
	rec[7] = crc >> 24 & 0xff;
	fd = open(f->path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, rec, sizeof rec), (ssize_t)sizeof rec);
	close(fd);
	assert_int_equal(reopen(f, acc, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a JSON object"));
}

static void
test_journal_rewrite(void **state)
{
	struct fx *f = *state;
	struct herdi_journal j;
	char acc[256], err[512];
	cJSON *keep = cJSON_Parse("{\"r\":\"test\",\"n\":2}");

	write_records(f, 3);
	assert_int_equal(herdi_journal_open(&j, f->path, NULL, NULL, err,
	    sizeof err), 0);
	assert_int_equal(herdi_journal_rewrite(&j,
	    (const cJSON *const *)&keep, 1), 0);
	append_n(&j, 4); /* appends go to the new file */
	herdi_journal_close(&j);
	cJSON_Delete(keep);
	assert_int_equal(reopen(f, acc, err, sizeof err), 0);
	assert_string_equal(acc, "2,4,");
}

static void
test_journal_full_disk(void **state)
{
	struct herdi_journal j;
	char err[512];

	/* /dev/full: every write is ENOSPC; the header cannot be written */
	assert_int_equal(herdi_journal_open(&j, "/dev/full", NULL, NULL, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "No space left on device"));
}

static void
test_journal_crc32c(void **state)
{
	/* the standard check value of CRC-32C */
	assert_int_equal(herdi_crc32c(0, "123456789", 9), 0xe3069283u);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_crc32c),
		cmocka_unit_test_setup_teardown(test_journal_replay_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_torn_tail_cut,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_hole_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_journal_future_format_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_not_json_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_rewrite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_full_disk, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
