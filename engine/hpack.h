/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HPACK header block decoding (RFC 7541): integers, string literals with
 * the Huffman code, the static table and one direction's dynamic table.
 * Used by the HTTP/2 decoder (http2.c); portable like the rest of engine/.
 *
 * The dynamic table lives in a fixed ring of TLSI_HPACK_TABLE_MAX bytes:
 * RFC 7541 counts 32 bytes of overhead per entry, so entries whose sizes
 * fit a table of that size always fit the ring. An encoder that asks for
 * a bigger table (a dynamic table size update above the ceiling) is an
 * error: the decoder could not follow its references.
 */
#ifndef TLSI_HPACK_H
#define TLSI_HPACK_H

#include "compat.h"

#define TLSI_HPACK_TABLE_MAX	4096	/* dynamic table size followed (the
					 * protocol's default) */
#define TLSI_HPACK_ENTRIES	(TLSI_HPACK_TABLE_MAX / 32)
#define TLSI_HPACK_STATIC	61	/* entries of the static table */
#define TLSI_HPACK_UPDATES_MAX	2	/* size updates at a block's start */

/* Why a header block could not be decoded. */
enum tlsi_hpack_err {
	TLSI_HPACK_OK,
	TLSI_HPACK_E_TRUNCATED,		/* the block ends inside a field */
	TLSI_HPACK_E_INT,		/* integer beyond 2^32 */
	TLSI_HPACK_E_INDEX,		/* index 0 or beyond the tables */
	TLSI_HPACK_E_HUFFMAN,		/* bad padding or the EOS symbol */
	TLSI_HPACK_E_TABLE_SIZE,	/* size update above the limit, too
					 * many of them, or not at the start */
	TLSI_HPACK_E_FIELD_TOO_LONG,	/* a name or value beyond the buffer */
	TLSI_HPACK_E_STOP,		/* the callback asked to stop */
};

struct tlsi_hpack_entry {
	uint16_t off;			/* in data[], the name then the value */
	uint16_t nlen, vlen;
};

struct tlsi_hpack {
	uint32_t max;			/* size the encoder chose (<= limit) */
	uint32_t limit;			/* SETTINGS_HEADER_TABLE_SIZE of the
					 * decoding side */
	uint32_t size;			/* RFC 7541 size of the entries */
	uint16_t first;			/* oldest entry in ent[] */
	uint16_t n;			/* entries */
	uint16_t head;			/* oldest byte in data[] */
	uint16_t used;			/* bytes in data[] */
	struct tlsi_hpack_entry ent[TLSI_HPACK_ENTRIES];
	uint8_t data[TLSI_HPACK_TABLE_MAX];
};

/* A decoder at the protocol's initial state (4096-byte table). */
void tlsi_hpack_init(struct tlsi_hpack *h);

/* The decoding side's SETTINGS_HEADER_TABLE_SIZE changed. */
void tlsi_hpack_set_limit(struct tlsi_hpack *h, uint32_t limit);

/* One decoded field: name and value are in the caller's buffer and valid
 * during the call. Return nonzero to stop decoding (TLSI_HPACK_E_STOP). */
typedef int (*tlsi_hpack_emit_fn)(void *arg, const uint8_t *name,
				  uint32_t nlen, const uint8_t *val,
				  uint32_t vlen);

/*
 * Decode one complete header block in[0..len), updating the dynamic table.
 * buf (buflen bytes) holds the name and value of one field at a time: a
 * field that does not fit is TLSI_HPACK_E_FIELD_TOO_LONG. On an error the
 * table is no longer in step with the encoder's: the caller stops.
 */
enum tlsi_hpack_err tlsi_hpack_decode(struct tlsi_hpack *h, const uint8_t *in,
				      size_t len, uint8_t *buf, size_t buflen,
				      tlsi_hpack_emit_fn emit, void *arg);

/* Huffman-decode in[0..len) into out (at most outlen bytes); returns the
 * length, -1 for a bad code (EOS, padding longer than 7 bits or not all
 * ones) or -2 when the output does not fit. */
long tlsi_hpack_huffman(const uint8_t *in, size_t len, uint8_t *out,
			size_t outlen);

/* Entry i (1-based, dynamic entries after the static ones) copied into
 * buf as name then value; 0 or -1 if there is no such entry. For tests
 * and the decoder. */
int tlsi_hpack_entry(const struct tlsi_hpack *h, uint32_t i, uint8_t *buf,
		     size_t buflen, uint32_t *nlen, uint32_t *vlen);

#endif /* TLSI_HPACK_H */
