/*
 * The append-only journal (journal.h): framing with a CRC-32C per record,
 * replay with torn-tail repair, append, group sync, compaction.
 * CRC-32C is written out here: none of herd's dependencies offers one,
 * and it is a table and a loop.
 */
#include "journal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t crc_table[256];

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t
herdi_crc32c(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (crc_table[1] == 0)
		crc_init();
	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

long
herdi_journal_decode(const unsigned char *buf, size_t len,
    const unsigned char **payload, size_t *plen)
{
	uint32_t n, crc;

	if (len < 8)
		return 0;
	n = get32(buf);
	if (n == 0 || n > HERDI_JOURNAL_RECORD_MAX)
		return -1;
	if (len - 8 < n)
		return 0;
	crc = herdi_crc32c(herdi_crc32c(0, buf, 4), buf + 8, n);
	if (crc != get32(buf + 4))
		return -1;
	*payload = buf + 8;
	*plen = n;
	return (long)n + 8;
}

/* Whether a good record starts anywhere in BUF: then a bad one before it
 * is a hole, not a torn tail. */
static int
good_record_in(const unsigned char *buf, size_t len)
{
	const unsigned char *p;
	size_t pl;

	for (size_t off = 0; off + 8 < len; off++)
		if (herdi_journal_decode(buf + off, len - off, &p, &pl) > 0)
			return 1;
	return 0;
}

static int
read_all(int fd, unsigned char **out, size_t *outlen)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;

	if (fstat(fd, &st) != 0)
		return -errno;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got,
		    (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*out = buf;
	*outlen = got;
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t n, off_t at)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

/* REC's framed bytes (caller frees), or NULL. */
static unsigned char *
frame(const cJSON *rec, size_t *len)
{
	char *text = cJSON_PrintUnformatted(rec);
	unsigned char *buf;
	size_t n;

	if (text == NULL)
		return NULL;
	n = strlen(text);
	if (n > HERDI_JOURNAL_RECORD_MAX || (buf = malloc(n + 8)) == NULL) {
		free(text);
		return NULL;
	}
	put32(buf, (uint32_t)n);
	memcpy(buf + 8, text, n);
	put32(buf + 4, herdi_crc32c(herdi_crc32c(0, buf, 4), buf + 8, n));
	free(text);
	*len = n + 8;
	return buf;
}

static cJSON *
header(void)
{
	cJSON *h = cJSON_CreateObject();

	cJSON_AddStringToObject(h, "r", "journal");
	cJSON_AddNumberToObject(h, "format", HERDI_JOURNAL_FORMAT);
	return h;
}

/* Checks the first record: the format this code reads. */
static int
check_header(const cJSON *rec, const char *path, char *err, size_t errlen)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(rec, "r");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(rec, "format");

	if (!cJSON_IsString(r) || strcmp(r->valuestring, "journal") != 0 ||
	    !cJSON_IsNumber(f)) {
		snprintf(err, errlen, "%s: not a herd journal (no header "
		    "record)", path);
		return -1;
	}
	if (f->valuedouble != HERDI_JOURNAL_FORMAT) {
		snprintf(err, errlen, "%s: journal format %g, this herd reads "
		    "format %d: refusing it (a newer herd wrote it?)", path,
		    f->valuedouble, HERDI_JOURNAL_FORMAT);
		return -1;
	}
	return 0;
}

/* Replays BUF through FN; sets *good to the bytes that are sound. */
static int
replay(struct herdi_journal *j, const unsigned char *buf, size_t len,
    size_t *good, herdi_journal_fn fn, void *arg, char *err, size_t errlen)
{
	size_t off = 0;

	while (off < len) {
		const unsigned char *p;
		size_t pl;
		long n = herdi_journal_decode(buf + off, len - off, &p, &pl);
		cJSON *rec;
		int rv;

		if (n <= 0) {
			/* a torn write is the last thing in the file: a good
			 * record after a bad one (even one whose length runs
			 * past the end) means a hole */
			if (good_record_in(buf + off + 1, len - off - 1)) {
				snprintf(err, errlen, "%s: record at byte %zu "
				    "is corrupt and good records follow it: "
				    "refusing the journal (decisions after the "
				    "hole would be lost)", j->path, off);
				return -1;
			}
			snprintf(err, errlen, "%s: %zu bytes of a torn record "
			    "at the end (byte %zu) cut off", j->path,
			    len - off, off);
			break;
		}
		rec = cJSON_ParseWithLength((const char *)p, pl);
		if (!cJSON_IsObject(rec)) {
			cJSON_Delete(rec);
			snprintf(err, errlen, "%s: record at byte %zu has a "
			    "good checksum but is not a JSON object: refusing "
			    "the journal", j->path, off);
			return -1;
		}
		if (j->records == 0)
			rv = check_header(rec, j->path, err, errlen);
		else
			rv = fn != NULL ? fn(arg, rec) : 0;
		cJSON_Delete(rec);
		if (rv != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "%s: record at byte %zu "
				    "refused", j->path, off);
			return -1;
		}
		j->records++;
		off += (size_t)n;
	}
	*good = off;
	return 0;
}

int
herdi_journal_open(struct herdi_journal *j, const char *path,
    herdi_journal_fn fn, void *arg, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0, good = 0;
	int rv;

	memset(j, 0, sizeof *j);
	err[0] = '\0';
	j->fd = -1;
	if ((j->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		herdi_journal_close(j);
		return -1;
	}
	if ((rv = read_all(j->fd, &buf, &len)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rv));
		herdi_journal_close(j);
		return -1;
	}
	rv = replay(j, buf, len, &good, fn, arg, err, errlen);
	free(buf);
	if (rv != 0) {
		herdi_journal_close(j);
		return -1;
	}
	if (good < len && ftruncate(j->fd, (off_t)good) != 0) {
		snprintf(err, errlen, "%s: cutting off a torn record: %s",
		    path, strerror(errno));
		herdi_journal_close(j);
		return -1;
	}
	j->size = (off_t)good;
	if (j->records == 0) {
		cJSON *h = header();
		rv = herdi_journal_append(j, h);
		cJSON_Delete(h);
		if (rv == 0)
			rv = herdi_journal_sync(j);
		if (rv != 0) {
			snprintf(err, errlen, "%s: writing the header: %s",
			    path, strerror(-rv));
			herdi_journal_close(j);
			return -1;
		}
	}
	return 0;
}

/* The tests' full disk (docs/sagas.md "Testing"): with
 * HERD_JOURNAL_FULL=FILE in the environment, appends fail with ENOSPC
 * while FILE exists. A syscall failure is the one thing a test cannot
 * make real without a filesystem of its own. */
static int
disk_full(void)
{
	const char *f = getenv("HERD_JOURNAL_FULL");

	return f != NULL && access(f, F_OK) == 0;
}

int
herdi_journal_append(struct herdi_journal *j, const cJSON *rec)
{
	size_t n;
	unsigned char *buf;
	int rv;

	if (disk_full()) {
		j->failed = ENOSPC;
		return -ENOSPC;
	}
	if ((buf = frame(rec, &n)) == NULL)
		return -ENOMEM;
	rv = write_all(j->fd, buf, n, j->size);
	free(buf);
	if (rv != 0) {
		/* nothing half-written stays behind the good records */
		if (ftruncate(j->fd, j->size) != 0) {
			/* the next open cuts it off as a torn tail */
		}
		j->failed = -rv;
		return rv;
	}
	j->size += (off_t)n;
	j->records++;
	j->dirty = 1;
	return 0;
}

int
herdi_journal_sync(struct herdi_journal *j)
{
	if (!j->dirty)
		return 0;
	if (fdatasync(j->fd) != 0) {
		j->failed = errno;
		return -errno;
	}
	j->dirty = 0;
	return 0;
}

static int
sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd, rv = 0;

	if (dir == NULL)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rv = -errno;
	close(fd);
	return rv;
}

int
herdi_journal_rewrite(struct herdi_journal *j, const cJSON *const *recs,
    size_t n)
{
	size_t plen = strlen(j->path) + 8;
	char *tmp = malloc(plen);
	struct herdi_journal t;
	cJSON *h = header();
	int rv;

	if (tmp == NULL || h == NULL) {
		free(tmp);
		cJSON_Delete(h);
		return -ENOMEM;
	}
	snprintf(tmp, plen, "%s.new", j->path);
	memset(&t, 0, sizeof t);
	t.fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rv = t.fd < 0 ? -errno : herdi_journal_append(&t, h);
	cJSON_Delete(h);
	for (size_t i = 0; rv == 0 && i < n; i++)
		rv = herdi_journal_append(&t, recs[i]);
	if (rv == 0 && fsync(t.fd) != 0)
		rv = -errno;
	if (rv == 0 && rename(tmp, j->path) != 0)
		rv = -errno;
	if (rv != 0) {
		if (t.fd >= 0)
			close(t.fd);
		unlink(tmp);
		free(tmp);
		return rv;
	}
	free(tmp);
	/* renamed: the new file is the journal, whatever the directory's
	 * sync says (appends must not go to the unlinked old one) */
	close(j->fd);
	j->fd = t.fd;
	j->size = t.size;
	j->records = t.records;
	j->dirty = 0;
	return sync_dir(j->path);
}

void
herdi_journal_close(struct herdi_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	free(j->path);
	j->path = NULL;
}
