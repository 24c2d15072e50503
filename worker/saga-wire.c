/*
 * The saga layer's wire (saga-int.h): building and recognising TX
 * messages, and the TX lists that sagas and workers keep.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saga-int.h"

cJSON *
herdi_tx_msg(const char *kind, const char *tx)
{
	cJSON *m = cJSON_CreateObject();

	if (m == NULL)
		return NULL;
	cJSON_AddStringToObject(m, "herd.tx", kind);
	if (tx != NULL)
		cJSON_AddStringToObject(m, "tx", tx);
	return m;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

const char *
herdi_tx_parse(const void *msg, size_t len, cJSON **out)
{
	static const char key[] = "\"herd.tx\"";
	const char *p = msg, *end = p + len;
	const cJSON *k;

	*out = NULL;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return NULL;
	p = skip_ws(p + 1, end);
	if ((size_t)(end - p) < sizeof key - 1 ||
	    memcmp(p, key, sizeof key - 1) != 0)
		return NULL;
	if ((*out = cJSON_ParseWithLength(msg, len)) == NULL)
		return NULL;
	k = cJSON_GetObjectItemCaseSensitive(*out, "herd.tx");
	if (!cJSON_IsString(k)) {
		cJSON_Delete(*out);
		*out = NULL;
		return NULL;
	}
	return k->valuestring;
}

const char *
herdi_tx_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
herdi_tx_id_ok(const char *id, size_t max)
{
	size_t n;

	if (id == NULL || (n = strlen(id)) == 0 || n >= max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

struct herd_tx *
herdi_tx_find(struct herd_tx *list, const char *id)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->id, id) == 0)
			return list;
	return NULL;
}

struct herd_tx *
herdi_tx_add(struct herd_tx **list, const char *id)
{
	struct herd_tx *tx = calloc(1, sizeof *tx);

	if (tx == NULL)
		return NULL;
	snprintf(tx->id, sizeof tx->id, "%s", id);
	tx->next = *list;
	*list = tx;
	return tx;
}

void
herdi_tx_free(struct herd_tx **list, struct herd_tx *tx)
{
	for (struct herd_tx **pp = list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == tx) {
			*pp = tx->next;
			break;
		}
	cJSON_Delete(tx->given);
	free(tx);
}

size_t
herdi_tx_count(const struct herd_tx *list)
{
	size_t n = 0;

	for (; list != NULL; list = list->next)
		n++;
	return n;
}

const char *
herd_tx_id(const herd_tx *tx)
{
	return tx->id;
}

int
herd_tx_two_phase(const herd_tx *tx)
{
	return tx->two_phase;
}

void *
herd_tx_data(const herd_tx *tx)
{
	return tx->data;
}

void
herd_tx_set_data(herd_tx *tx, void *data)
{
	tx->data = data;
}
