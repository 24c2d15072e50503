/* herdctl's output: error messages, JSON lines and aligned tables. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct table {
	int ncols;
	size_t nrows;
	char **cells; /* nrows * ncols, owned */
};

void
output_warnx(const char *fmt, ...)
{
	va_list ap;

	fputs("herdctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Flushes stdout; -1 when it is closed or broken (EPIPE with SIGPIPE
 * ignored), so a follower can stop. */
int
output_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return -1;
	return 0;
}

/* Prints J as one line of compact JSON and flushes; -1 on a write error. */
int
output_json(const cJSON *j)
{
	char *s = ipc_print(j);

	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	return output_flush();
}

/* Returns OBJ[KEY] when it is a string, else DFLT. Borrowed. */
const char *
output_string(const cJSON *obj, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Reads OBJ[KEY] as an integer; 0, or -1 when absent or not a number. */
int
output_int(const cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v))
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

struct table *
table_create(int ncols)
{
	struct table *t = calloc(1, sizeof *t);

	if (t == NULL)
		abort();
	t->ncols = ncols;
	return t;
}

/* Appends a row of ncols cells (copied; NULL prints as "-"). */
void
table_add(struct table *t, const char *const *cells)
{
	size_t base = t->nrows * (size_t)t->ncols;
	int i;

	t->cells = realloc(t->cells,
	    (base + (size_t)t->ncols) * sizeof *t->cells);
	if (t->cells == NULL)
		abort();
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + (size_t)i] = strdup(cells[i] ? cells[i] : "-");
		if (t->cells[base + (size_t)i] == NULL)
			abort();
	}
	t->nrows++;
}

/* Prints the rows with columns padded to their widest cell, two spaces
 * apart; the last column is not padded. */
void
table_print(const struct table *t)
{
	size_t *width, r;
	int c;

	width = calloc((size_t)t->ncols, sizeof *width);
	if (width == NULL)
		abort();
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells[r * (size_t)t->ncols +
			    (size_t)c]);
			if (n > width[c])
				width[c] = n;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols +
			    (size_t)c];
			if (c == t->ncols - 1)
				printf("%s\n", s);
			else
				printf("%-*s  ", (int)width[c], s);
		}
	}
	free(width);
}

void
table_destroy(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
output_bytes(double b, char *buf, size_t len)
{
	if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1fG", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024.0 * 1024)
		snprintf(buf, len, "%.1fM", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.0fK", b / 1024.0);
}
