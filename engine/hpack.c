// SPDX-License-Identifier: GPL-2.0
/*
 * HPACK (RFC 7541) decoding: see hpack.h. Every length read from the wire
 * is checked against what is left of the block and of the caller's buffer
 * before it is used; integers are bounded to 32 bits.
 */
#include "compat.h"
#include "hpack.h"

/* RFC 7541 Appendix B as a canonical code: per code length L (5..30),
 * the first code of that length, how many codes have it and where their
 * symbols start in huff_syms[] (sorted by length, then code). */
#define HUFF_MIN_LEN 5
#define HUFF_MAX_LEN 30
static const uint32_t huff_first[] = {
	0x0, 0x14, 0x5c, 0xf8, 0x0, 0x3f8,
	0x7fa, 0xffa, 0x1ff8, 0x3ffc, 0x7ffc, 0x0,
	0x0, 0x0, 0x7fff0, 0xfffe6, 0x1fffdc, 0x3fffd2,
	0x7fffd8, 0xffffea, 0x1ffffec, 0x3ffffe0, 0x7ffffde, 0xfffffe2,
	0x0, 0x3ffffffc,
};
static const uint16_t huff_count[] = {
	10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3, 0, 0,
	0, 3, 8, 13, 26, 29, 12, 4, 15, 19, 29, 0, 4,
};
static const uint16_t huff_offset[] = {
	0, 10, 36, 68, 0, 74, 79, 82, 84, 90, 92, 0, 0,
	0, 95, 98, 106, 119, 145, 174, 186, 190, 205, 224, 0, 253,
};
static const uint16_t huff_syms[] = {
	48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37,
	45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65,
	95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117,
	58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76,
	77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89,
	106, 107, 113, 118, 119, 120, 121, 122, 38, 42, 44, 59,
	88, 90, 33, 34, 40, 41, 63, 39, 43, 124, 35, 62,
	0, 36, 64, 91, 93, 126, 94, 125, 60, 96, 123, 92,
	195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161,
	167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230, 129,
	132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170,
	173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232,
	233, 1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150,
	151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182,
	183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159,
	171, 206, 215, 225, 236, 237, 199, 207, 234, 235, 192, 193,
	200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243,
	255, 203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245,
	246, 247, 248, 250, 251, 252, 253, 254, 2, 3, 4, 5,
	6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20,
	21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220,
	249, 10, 13, 22, 256,
};

/* RFC 7541 Appendix A. */
static const char *const static_table[TLSI_HPACK_STATIC][2] = {
	{ ":authority", "" }, { ":method", "GET" }, { ":method", "POST" },
	{ ":path", "/" }, { ":path", "/index.html" }, { ":scheme", "http" },
	{ ":scheme", "https" }, { ":status", "200" }, { ":status", "204" },
	{ ":status", "206" }, { ":status", "304" }, { ":status", "400" },
	{ ":status", "404" }, { ":status", "500" }, { "accept-charset", "" },
	{ "accept-encoding", "gzip, deflate" }, { "accept-language", "" },
	{ "accept-ranges", "" }, { "accept", "" },
	{ "access-control-allow-origin", "" }, { "age", "" }, { "allow", "" },
	{ "authorization", "" }, { "cache-control", "" },
	{ "content-disposition", "" }, { "content-encoding", "" },
	{ "content-language", "" }, { "content-length", "" },
	{ "content-location", "" }, { "content-range", "" },
	{ "content-type", "" }, { "cookie", "" }, { "date", "" }, { "etag", "" },
	{ "expect", "" }, { "expires", "" }, { "from", "" }, { "host", "" },
	{ "if-match", "" }, { "if-modified-since", "" }, { "if-none-match", "" },
	{ "if-range", "" }, { "if-unmodified-since", "" },
	{ "last-modified", "" }, { "link", "" }, { "location", "" },
	{ "max-forwards", "" }, { "proxy-authenticate", "" },
	{ "proxy-authorization", "" }, { "range", "" }, { "referer", "" },
	{ "refresh", "" }, { "retry-after", "" }, { "server", "" },
	{ "set-cookie", "" }, { "strict-transport-security", "" },
	{ "transfer-encoding", "" }, { "user-agent", "" }, { "vary", "" },
	{ "via", "" }, { "www-authenticate", "" },
};

long tlsi_hpack_huffman(const uint8_t *in, size_t len, uint8_t *out,
			size_t outlen)
{
	uint32_t code = 0, bits = 0;
	size_t i, o = 0;
	int b;

	for (i = 0; i < len; i++) {
		for (b = 7; b >= 0; b--) {
			uint32_t k;

			code = code << 1 | ((in[i] >> b) & 1);
			if (++bits < HUFF_MIN_LEN)
				continue;
			if (bits > HUFF_MAX_LEN)
				return -1;
			k = bits - HUFF_MIN_LEN;
			if (code - huff_first[k] >= huff_count[k])
				continue;
			k = huff_syms[huff_offset[k] + code - huff_first[k]];
			if (k == 256)
				return -1;	/* EOS is never sent */
			if (o >= outlen)
				return -2;
			out[o++] = (uint8_t)k;
			code = 0;
			bits = 0;
		}
	}
	/* padding: a prefix of EOS (all ones), shorter than a byte */
	if (bits > 7 || code != (1u << bits) - 1)
		return -1;
	return (long)o;
}

/* ---- the dynamic table ----------------------------------------------------- */

void tlsi_hpack_init(struct tlsi_hpack *h)
{
	h->max = TLSI_HPACK_TABLE_MAX;
	h->limit = TLSI_HPACK_TABLE_MAX;
	h->size = 0;
	h->first = 0;
	h->n = 0;
	h->head = 0;
	h->used = 0;
}

void tlsi_hpack_set_limit(struct tlsi_hpack *h, uint32_t limit)
{
	h->limit = limit;
}

static void evict(struct tlsi_hpack *h)
{
	const struct tlsi_hpack_entry *e = &h->ent[h->first];
	uint32_t n = (uint32_t)e->nlen + e->vlen;

	h->head = (uint16_t)((h->head + n) % TLSI_HPACK_TABLE_MAX);
	h->used = (uint16_t)(h->used - n);
	h->size -= n + 32;
	h->first = (uint16_t)((h->first + 1) % TLSI_HPACK_ENTRIES);
	h->n--;
}

static void ring_put(struct tlsi_hpack *h, uint32_t pos, const uint8_t *p,
		     uint32_t n)
{
	uint32_t a = TLSI_ENG_MIN(n, TLSI_HPACK_TABLE_MAX - pos);

	memcpy(h->data + pos, p, a);
	memcpy(h->data, p + a, n - a);
}

static void ring_get(const struct tlsi_hpack *h, uint32_t pos, uint8_t *p,
		     uint32_t n)
{
	uint32_t a;

	pos %= TLSI_HPACK_TABLE_MAX;
	a = TLSI_ENG_MIN(n, TLSI_HPACK_TABLE_MAX - pos);
	memcpy(p, h->data + pos, a);
	memcpy(p + a, h->data, n - a);
}

static void set_max(struct tlsi_hpack *h, uint32_t max)
{
	h->max = max;
	while (h->n && h->size > h->max)
		evict(h);
}

static void insert(struct tlsi_hpack *h, const uint8_t *name, uint32_t nlen,
		   const uint8_t *val, uint32_t vlen)
{
	uint32_t esize = nlen + vlen + 32, pos;
	struct tlsi_hpack_entry *e;

	while (h->n && h->size + esize > h->max)
		evict(h);
	if (esize > h->max)
		return;		/* RFC 7541 4.4: the table is now empty */
	/* size <= max <= TLSI_HPACK_TABLE_MAX with 32 bytes of overhead per
	 * entry: the ring and ent[] have room */
	pos = (h->head + h->used) % TLSI_HPACK_TABLE_MAX;
	ring_put(h, pos, name, nlen);
	ring_put(h, (pos + nlen) % TLSI_HPACK_TABLE_MAX, val, vlen);
	e = &h->ent[(h->first + h->n) % TLSI_HPACK_ENTRIES];
	e->off = (uint16_t)pos;
	e->nlen = (uint16_t)nlen;
	e->vlen = (uint16_t)vlen;
	h->n++;
	h->used = (uint16_t)(h->used + nlen + vlen);
	h->size += esize;
}

int tlsi_hpack_entry(const struct tlsi_hpack *h, uint32_t i, uint8_t *buf,
		     size_t buflen, uint32_t *nlen, uint32_t *vlen)
{
	const struct tlsi_hpack_entry *e;
	uint32_t d;

	if (i == 0)
		return -1;
	if (i <= TLSI_HPACK_STATIC) {
		const char *n = static_table[i - 1][0], *v = static_table[i - 1][1];

		*nlen = (uint32_t)strlen(n);
		*vlen = (uint32_t)strlen(v);
		if (*nlen + *vlen > buflen)
			return -1;
		memcpy(buf, n, *nlen);
		memcpy(buf + *nlen, v, *vlen);
		return 0;
	}
	d = i - TLSI_HPACK_STATIC;	/* 1 = newest */
	if (d > h->n)
		return -1;
	e = &h->ent[(h->first + h->n - d) % TLSI_HPACK_ENTRIES];
	*nlen = e->nlen;
	*vlen = e->vlen;
	if ((size_t)e->nlen + e->vlen > buflen)
		return -1;
	ring_get(h, e->off, buf, e->nlen + e->vlen);
	return 0;
}

/* ---- blocks ------------------------------------------------------------------- */

/* An integer with an N-bit prefix (RFC 7541 5.1), at most 2^32 - 1. */
static enum tlsi_hpack_err get_int(const uint8_t *in, size_t len, size_t *pos,
				   unsigned int prefix, uint32_t *out)
{
	uint32_t mask = (1u << prefix) - 1, v;
	uint64_t acc;
	unsigned int shift = 0;

	if (*pos >= len)
		return TLSI_HPACK_E_TRUNCATED;
	v = in[(*pos)++] & mask;
	if (v < mask) {
		*out = v;
		return TLSI_HPACK_OK;
	}
	acc = v;
	for (;;) {
		uint8_t b;

		if (*pos >= len)
			return TLSI_HPACK_E_TRUNCATED;
		b = in[(*pos)++];
		if (shift > 28)
			return TLSI_HPACK_E_INT;
		acc += (uint64_t)(b & 0x7f) << shift;
		if (acc > 0xffffffffu)
			return TLSI_HPACK_E_INT;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*out = (uint32_t)acc;
	return TLSI_HPACK_OK;
}

/* A string literal (5.2) into out[0..room); its length in *n. */
static enum tlsi_hpack_err get_str(const uint8_t *in, size_t len, size_t *pos,
				   uint8_t *out, size_t room, uint32_t *n)
{
	enum tlsi_hpack_err err;
	uint32_t slen;
	int huff;
	long r;

	if (*pos >= len)
		return TLSI_HPACK_E_TRUNCATED;
	huff = in[*pos] & 0x80;
	err = get_int(in, len, pos, 7, &slen);
	if (err)
		return err;
	if (slen > len - *pos)
		return TLSI_HPACK_E_TRUNCATED;
	if (huff) {
		r = tlsi_hpack_huffman(in + *pos, slen, out, room);
		if (r < 0)
			return r == -2 ? TLSI_HPACK_E_FIELD_TOO_LONG : TLSI_HPACK_E_HUFFMAN;
		*n = (uint32_t)r;
	} else {
		if (slen > room)
			return TLSI_HPACK_E_FIELD_TOO_LONG;
		memcpy(out, in + *pos, slen);
		*n = slen;
	}
	*pos += slen;
	return TLSI_HPACK_OK;
}

enum tlsi_hpack_err tlsi_hpack_decode(struct tlsi_hpack *h, const uint8_t *in,
				      size_t len, uint8_t *buf, size_t buflen,
				      tlsi_hpack_emit_fn emit, void *arg)
{
	unsigned int updates = 0, fields = 0;
	size_t pos = 0;

	while (pos < len) {
		enum tlsi_hpack_err err;
		uint8_t b = in[pos];
		uint32_t idx, nlen, vlen;
		int indexing = 0;

		if (b & 0x80) {				/* indexed field */
			err = get_int(in, len, &pos, 7, &idx);
			if (err)
				return err;
			if (tlsi_hpack_entry(h, idx, buf, buflen, &nlen, &vlen))
				return idx && idx <= TLSI_HPACK_STATIC + (uint32_t)h->n
					? TLSI_HPACK_E_FIELD_TOO_LONG : TLSI_HPACK_E_INDEX;
		} else if ((b & 0xe0) == 0x20) {	/* table size update */
			err = get_int(in, len, &pos, 5, &idx);
			if (err)
				return err;
			/* only before the first field (RFC 7541 4.2), at most
			 * two (a decrease then the new size) */
			if (fields || ++updates > TLSI_HPACK_UPDATES_MAX ||
			    idx > h->limit || idx > TLSI_HPACK_TABLE_MAX)
				return TLSI_HPACK_E_TABLE_SIZE;
			set_max(h, idx);
			continue;
		} else {				/* literal */
			unsigned int prefix = (b & 0xc0) == 0x40 ? 6 : 4;

			indexing = prefix == 6;
			err = get_int(in, len, &pos, prefix, &idx);
			if (err)
				return err;
			if (idx) {
				uint32_t unused;

				if (tlsi_hpack_entry(h, idx, buf, buflen, &nlen, &unused))
					return idx <= TLSI_HPACK_STATIC + (uint32_t)h->n
						? TLSI_HPACK_E_FIELD_TOO_LONG : TLSI_HPACK_E_INDEX;
			} else {
				err = get_str(in, len, &pos, buf, buflen, &nlen);
				if (err)
					return err;
			}
			err = get_str(in, len, &pos, buf + nlen, buflen - nlen, &vlen);
			if (err)
				return err;
			if (indexing)
				insert(h, buf, nlen, buf + nlen, vlen);
		}
		fields++;
		if (emit && emit(arg, buf, nlen, buf + nlen, vlen))
			return TLSI_HPACK_E_STOP;
	}
	return TLSI_HPACK_OK;
}
