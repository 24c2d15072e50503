/*
 * An append-only journal of JSON records (libherd internal, used by the
 * saga coordinator and by saga workers; docs/sagas.md "Journal").
 *
 * Each record on disk is a little-endian u32 length, a u32 CRC-32C of the
 * length and the payload, then the payload: one JSON object. The first
 * record says the format ({"r":"journal","format":1}). Appending writes
 * at once and syncs only when asked, so that records written while the
 * caller handled a batch of messages share one fdatasync (group commit).
 * On open, a bad record at the end (a torn write) is cut off; a bad
 * record followed by good ones, or a format from the future, refuses the
 * journal: deciding on a journal with a hole could lose a decision.
 */
#ifndef HERD_JOURNAL_H
#define HERD_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;

#define HERDI_JOURNAL_FORMAT 1
/* one record's payload at most; a longer length field is corruption */
#define HERDI_JOURNAL_RECORD_MAX (4u << 20)

struct herdi_journal {
	int fd;
	char *path;
	off_t size;      /* bytes known good on disk (written) */
	int dirty;       /* written since the last sync */
	uint64_t records; /* records in the file, the header included */
	int failed;      /* errno of the last failed write or sync, 0 */
};

/* Called for each record on open, in order (the header excluded). A
 * nonzero return stops the replay and fails the open with it. */
typedef int (*herdi_journal_fn)(void *arg, const struct cJSON *rec);

/*
 * Opens (creating it if missing, with mode 0600) the journal at PATH and
 * replays it through FN. Returns 0, or -1 with a message naming the file
 * and what is wrong in ERR. A torn tail is cut off and said in ERR too
 * (with 0 returned): the caller logs ERR when it is not empty.
 */
int herdi_journal_open(struct herdi_journal *j, const char *path,
    herdi_journal_fn fn, void *arg, char *err, size_t errlen);
/* Writes REC at the end (no sync). 0, or -errno (ENOSPC, EIO, ...): then
 * nothing of REC is in the file (what was written is cut off again). */
int herdi_journal_append(struct herdi_journal *j, const struct cJSON *rec);
/* fdatasync if anything was written since the last one: 0 or -errno. */
int herdi_journal_sync(struct herdi_journal *j);
/* Replaces the journal by the header and RECS (compaction): written to a
 * temporary file, synced, renamed over the journal, the directory synced.
 * 0 or -errno (the old journal stays as it was). */
int herdi_journal_rewrite(struct herdi_journal *j,
    const struct cJSON *const *recs, size_t n);
void herdi_journal_close(struct herdi_journal *j);

/* The record framing, for the fuzz target and the tests: decodes the
 * record at BUF (LEN bytes available). Returns its total size and sets
 * *payload / *plen, 0 when incomplete, -1 when bad. */
long herdi_journal_decode(const unsigned char *buf, size_t len,
    const unsigned char **payload, size_t *plen);
uint32_t herdi_crc32c(uint32_t crc, const void *data, size_t len);

#endif
