/* Prints a config tree the way herd.json is written by hand: 2-space
 * indent, keys in their order, short arrays of scalars on one line. The
 * layout depends only on the tree, so printing is stable. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-private.h"

/* Arrays of scalars stay on one line when the line fits this. */
#define CONF_PRINT_WIDTH 80

static int
conf_print_is_scalar(const cJSON *v)
{
	return !cJSON_IsArray(v) && !cJSON_IsObject(v);
}

/* Writes N bytes of S to F; F NULL only counts. Returns N. */
static size_t
conf_print_put(FILE *f, const char *s, size_t n)
{
	if (f != NULL)
		fwrite(s, 1, n, f);
	return n;
}

/* S as a JSON string, escaped as cJSON does; returns the bytes written. */
static size_t
conf_print_string(FILE *f, const char *s)
{
	char esc[8];
	size_t n = conf_print_put(f, "\"", 1);
	const char *e;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			if ((unsigned char)*s < 32) {
				snprintf(esc, sizeof esc, "\\u%04x",
				    (unsigned char)*s);
				e = esc;
			} else {
				n += conf_print_put(f, s, 1);
				continue;
			}
			break;
		}
		n += conf_print_put(f, e, strlen(e));
	}
	return n + conf_print_put(f, "\"", 1);
}

/* Scalar V as printed; returns its width. F NULL only counts. */
static size_t
conf_print_scalar(FILE *f, const cJSON *v)
{
	char *s;
	size_t n;

	if (cJSON_IsString(v))
		return conf_print_string(f, v->valuestring);
	if ((s = cJSON_PrintUnformatted(v)) == NULL)
		abort();
	n = conf_print_put(f, s, strlen(s));
	free(s);
	return n;
}

/* Width of the one-line form of array V, or -1 if not all scalars. */
static size_t
conf_print_inline_width(const cJSON *v)
{
	const cJSON *el;
	size_t n = 2;

	cJSON_ArrayForEach(el, v) {
		if (!conf_print_is_scalar(el))
			return (size_t)-1;
		n += conf_print_scalar(NULL, el) + (el->next != NULL ? 2 : 0);
	}
	return n;
}

static void
conf_print_indent(FILE *f, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		fputs("  ", f);
}

/* Prints V at DEPTH, the cursor at column COL; TAIL bytes (a comma) follow
 * it on its last line. */
static void
conf_print_value(FILE *f, const cJSON *v, int depth, size_t col, size_t tail)
{
	const cJSON *el;
	size_t w, c;

	if (conf_print_is_scalar(v)) {
		conf_print_scalar(f, v);
		return;
	}
	if (v->child == NULL) {
		fputs(cJSON_IsArray(v) ? "[]" : "{}", f);
		return;
	}
	if (cJSON_IsArray(v)) {
		w = conf_print_inline_width(v);
		if (w != (size_t)-1 && col + w + tail <= CONF_PRINT_WIDTH) {
			fputc('[', f);
			cJSON_ArrayForEach(el, v) {
				conf_print_scalar(f, el);
				if (el->next != NULL)
					fputs(", ", f);
			}
			fputc(']', f);
			return;
		}
	}
	fputs(cJSON_IsArray(v) ? "[\n" : "{\n", f);
	cJSON_ArrayForEach(el, v) {
		conf_print_indent(f, depth + 1);
		c = (size_t)(depth + 1) * 2;
		if (cJSON_IsObject(v)) {
			c += conf_print_string(f, el->string != NULL ?
			    el->string : "") + 2;
			fputs(": ", f);
		}
		conf_print_value(f, el, depth + 1, c, el->next != NULL);
		fputs(el->next != NULL ? ",\n" : "\n", f);
	}
	conf_print_indent(f, depth);
	fputc(cJSON_IsArray(v) ? ']' : '}', f);
}

char *
conf_edit_print(const cJSON *root)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	conf_print_value(f, root, 0, 0, 0);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
