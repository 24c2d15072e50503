/*
 * libFuzzer target for the saga message decoder (worker/saga-wire.c):
 * any bytes an actor casts to a saga, a worker or herd.tx go through
 * herdi_tx_parse, then its fields through herdi_tx_str and
 * herdi_tx_id_ok. It must never crash or leak, and what it accepts is a
 * JSON object whose "herd.tx" is the kind it returned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "saga-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *m;
	const char *kind = herdi_tx_parse(data, size, &m), *tx;

	if (kind == NULL) {
		if (m != NULL)
			abort();
		return 0;
	}
	if (!cJSON_IsObject(m) || strcmp(kind, herdi_tx_str(m, "herd.tx")))
		abort();
	tx = herdi_tx_str(m, "tx");
	if (herdi_tx_id_ok(tx, HERDI_TX_ID_MAX) && (strlen(tx) == 0 ||
	    strlen(tx) >= HERDI_TX_ID_MAX || strchr(tx, '/') != NULL))
		abort();
	(void)herdi_tx_id_ok(herdi_tx_str(m, "job"), HERDI_TX_JOB_MAX);
	cJSON_Delete(m);
	return 0;
}
