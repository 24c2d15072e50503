/*
 * libFuzzer target for the saga journal reader (worker/journal.c): any
 * bytes as a journal file (a torn tail, holes, a future format, records
 * that are not JSON). Opening must never crash or leak, must refuse or
 * accept, and a journal it accepted must open again with the same
 * records (cutting a torn tail is stable). The file is a memfd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(void *arg, const cJSON *rec)
{
	(*(size_t *)arg)++;
	return cJSON_GetObjectItem(rec, "refuse") != NULL ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct herdi_journal j;
	char path[64], err[512];
	size_t first = 0, again = 0;
	int fd = memfd_create("journal", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (herdi_journal_open(&j, path, count, &first, err, sizeof err) == 0) {
		herdi_journal_close(&j);
		if (herdi_journal_open(&j, path, count, &again, err,
		    sizeof err) != 0 || again != first)
			abort();
		herdi_journal_close(&j);
	}
	close(fd);
	return 0;
}
