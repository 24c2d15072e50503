/*
 * The records actors send each other (docs/actors.md, "Mailbox wire
 * format"): a batch is one nng message, a 4-byte header ("hrd" and the
 * version) then records, each a 24-byte header (payload length, kind,
 * flags, the sender's id, a call's reference) and its payload. Casts a
 * sender has queued for one receiver travel as one batch: nng's cost is
 * per message, not per byte. Little-endian on the wire, whatever the host.
 */
#include <string.h>

#include "herdi.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void
herdi_wire_batch_start(uint8_t *hdr)
{
	memcpy(hdr, "hrd", 3);
	hdr[3] = HERDI_WIRE_VERSION;
}

void
herdi_wire_put(uint8_t *hdr, const struct herdi_rec *r)
{
	put32(hdr, (uint32_t)r->len);
	hdr[4] = r->kind;
	hdr[5] = r->flags;
	hdr[6] = hdr[7] = 0;
	put64(hdr + 8, r->from);
	put64(hdr + 16, r->ref);
}

int
herdi_wire_next(const uint8_t *buf, size_t len, size_t *off,
    struct herdi_rec *r)
{
	size_t at = *off;
	uint32_t n;

	if (at == 0) {
		if (len < HERDI_WIRE_BATCH || memcmp(buf, "hrd", 3) != 0 ||
		    buf[3] != HERDI_WIRE_VERSION)
			return -1;
		at = HERDI_WIRE_BATCH;
	}
	if (at == len) {
		*off = at;
		return 0;
	}
	if (len - at < HERDI_WIRE_HDR)
		return -1;
	n = get32(buf + at);
	if (n > HERDI_MSG_MAX || n > len - at - HERDI_WIRE_HDR)
		return -1;
	r->len = n;
	r->kind = buf[at + 4];
	r->flags = buf[at + 5];
	if (r->kind < HERDI_CAST || r->kind > HERDI_PROBE ||
	    buf[at + 6] != 0 || buf[at + 7] != 0)
		return -1;
	r->from = get64(buf + at + 8);
	r->ref = get64(buf + at + 16);
	r->data = buf + at + HERDI_WIRE_HDR;
	*off = at + HERDI_WIRE_HDR + n;
	return 1;
}
