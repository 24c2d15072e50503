/*
 * libFuzzer target for the actor mailbox decoder (worker/actor-wire.c):
 * any bytes a peer sends to an actor's socket go through herdi_wire_next.
 * It must never read outside the batch, never hand out a record that does
 * not fit, and stop at the first bad byte; the records it accepts, put
 * back on the wire with herdi_wire_put, must decode to the same records
 * (the encoder and the decoder agree). Built by `make fuzz` (clang,
 * -fsanitize=fuzzer,address,undefined); `make test` runs it briefly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "herdi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct herdi_rec r, back;
	size_t off = 0, out_len = HERDI_WIRE_BATCH, boff = 0, n = 0;
	uint8_t *out = malloc(size + HERDI_WIRE_BATCH);
	int rv;

	if (out == NULL)
		return 0;
	herdi_wire_batch_start(out);
	while ((rv = herdi_wire_next(data, size, &off, &r)) == 1) {
		if (r.data < data || r.len > HERDI_MSG_MAX ||
		    (size_t)(r.data - data) + r.len > size || off > size)
			abort();
		/* re-encoded: a record is never longer than what it came in */
		herdi_wire_put(out + out_len, &r);
		memcpy(out + out_len + HERDI_WIRE_HDR, r.data, r.len);
		out_len += HERDI_WIRE_HDR + r.len;
		n++;
	}
	if (rv != 0 && rv != -1)
		abort();
	if (rv == 0 && off != size)
		abort(); /* the end is the end of the batch */
	/* what was accepted decodes again to the same records */
	off = 0;
	while (n > 0 && herdi_wire_next(data, size, &off, &r) == 1) {
		if (herdi_wire_next(out, out_len, &boff, &back) != 1 ||
		    back.len != r.len || back.kind != r.kind ||
		    back.flags != r.flags || back.from != r.from ||
		    back.ref != r.ref || memcmp(back.data, r.data, r.len) != 0)
			abort();
		n--;
	}
	free(out);
	return 0;
}
