// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded parser for the TLS ClientHello that starts a diverted
 * connection: the record layer (handshake records, reassembled when the
 * message spans several), the handshake header, and the fields tlsid needs
 * (RFC 8446 4.1.2, RFC 5246 7.4.1.2): legacy_version, random, session id,
 * cipher suites, compression methods and the extensions server_name
 * (RFC 6066), ALPN (RFC 7301) and supported_versions.
 *
 * Every length is checked against what encloses it before it is used;
 * nothing outside buf[0..len) is read. No allocation, no OpenSSL: the unit
 * tests include this file.
 */
#include <string.h>

#include "tlsid.h"

#define REC_HDR		5
#define HS_HDR		4
#define REC_MAX		16384	/* TLSPlaintext.length limit */
#define CT_HANDSHAKE	22
#define HT_CLIENT_HELLO	1

#define EXT_SERVER_NAME		0
#define EXT_ALPN		16
#define EXT_SUPPORTED_VERSIONS	43

/* A read cursor over [p, end). */
struct cur {
	const uint8_t *p, *end;
};

static size_t left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static bool get_u8(struct cur *c, uint8_t *v)
{
	if (left(c) < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static bool get_u16(struct cur *c, uint16_t *v)
{
	if (left(c) < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return true;
}

/* A sub-cursor of n bytes, advancing c past them. */
static bool get_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (left(c) < n)
		return false;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return true;
}

static int ch_fail(struct tlsid_ch *ch, int rc, const char *why)
{
	ch->err = why;
	return rc;
}

static bool host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int parse_sni(struct cur *e, struct tlsid_ch *ch)
{
	struct cur list, name;
	uint16_t n, nlen;
	uint8_t type;

	if (!get_u16(e, &n) || n != left(e) || n < 3)
		return ch_fail(ch, TLSID_CH_MALFORMED, "server_name: bad list length");
	get_sub(e, n, &list);
	while (left(&list)) {
		if (!get_u8(&list, &type) || !get_u16(&list, &nlen) ||
		    !get_sub(&list, nlen, &name))
			return ch_fail(ch, TLSID_CH_MALFORMED, "server_name: entry overruns the list");
		if (type != 0)
			continue;	/* unknown name types are skipped */
		if (ch->has_sni)
			return ch_fail(ch, TLSID_CH_MALFORMED, "server_name: two host names");
		if (nlen == 0 || nlen > TLSID_CH_SNI_MAX)
			return ch_fail(ch, TLSID_CH_MALFORMED, "server_name: bad host name length");
		for (size_t i = 0; i < nlen; i++)
			if (!host_char(name.p[i]))
				return ch_fail(ch, TLSID_CH_MALFORMED,
					    "server_name: bad character in host name");
		memcpy(ch->sni, name.p, nlen);
		ch->sni[nlen] = '\0';
		ch->has_sni = true;
	}
	return TLSID_CH_OK;
}

static int parse_alpn(struct cur *e, struct tlsid_ch *ch)
{
	struct cur list, name;
	uint16_t n;
	uint8_t nlen;

	if (!get_u16(e, &n) || n != left(e) || n < 2)
		return ch_fail(ch, TLSID_CH_MALFORMED, "ALPN: bad list length");
	if (n > TLSID_CH_ALPN_MAX)
		return ch_fail(ch, TLSID_CH_MALFORMED, "ALPN: list longer than 256 bytes");
	get_sub(e, n, &list);
	memcpy(ch->alpn, list.p, n);
	ch->alpn_len = n;
	while (left(&list)) {
		if (!get_u8(&list, &nlen) || nlen == 0 || !get_sub(&list, nlen, &name))
			return ch_fail(ch, TLSID_CH_MALFORMED, "ALPN: bad protocol name");
		ch->n_alpn++;
	}
	ch->has_alpn = true;
	return TLSID_CH_OK;
}

static int parse_versions(struct cur *e, struct tlsid_ch *ch)
{
	uint16_t v;
	uint8_t n;

	if (!get_u8(e, &n) || n != left(e) || n < 2 || n % 2)
		return ch_fail(ch, TLSID_CH_MALFORMED, "supported_versions: bad length");
	while (get_u16(e, &v))
		if (ch->n_versions < TLSID_CH_VERSIONS_MAX)
			ch->versions[ch->n_versions++] = v;
	ch->has_versions = true;
	return TLSID_CH_OK;
}

/* The body of the ClientHello handshake message. */
static int parse_body(const uint8_t *p, size_t n, struct tlsid_ch *ch)
{
	struct cur c = { p, p + n }, sid, cs, comp, exts, e;
	uint64_t seen[1024] = { 0 };	/* extension types, one bit each */
	uint16_t cslen, extlen, type, elen, v;
	uint8_t sidlen, complen;
	int rc;

	if (!get_u16(&c, &ch->legacy_version))
		return ch_fail(ch, TLSID_CH_MALFORMED, "no legacy_version");
	if (ch->legacy_version >> 8 != 3)
		return ch_fail(ch, TLSID_CH_MALFORMED, "legacy_version is not 3.x");
	if (left(&c) < sizeof(ch->random))
		return ch_fail(ch, TLSID_CH_MALFORMED, "random overruns the message");
	memcpy(ch->random, c.p, sizeof(ch->random));
	c.p += sizeof(ch->random);
	if (!get_u8(&c, &sidlen) || sidlen > 32 || !get_sub(&c, sidlen, &sid))
		return ch_fail(ch, TLSID_CH_MALFORMED, "bad session id length");
	ch->session_id_len = sidlen;
	memcpy(ch->session_id, sid.p, sidlen);
	if (!get_u16(&c, &cslen) || cslen < 2 || cslen % 2 || !get_sub(&c, cslen, &cs))
		return ch_fail(ch, TLSID_CH_MALFORMED, "bad cipher_suites length");
	while (get_u16(&cs, &v)) {
		if (ch->n_ciphers < TLSID_CH_CIPHERS_MAX)
			ch->ciphers[ch->n_ciphers] = v;
		ch->n_ciphers++;
	}
	if (!get_u8(&c, &complen) || complen < 1 || !get_sub(&c, complen, &comp))
		return ch_fail(ch, TLSID_CH_MALFORMED, "bad compression_methods length");
	ch->n_compressions = complen;
	for (size_t i = 0; i < complen; i++)
		if (comp.p[i] == 0)
			ch->null_compression = true;
	if (!left(&c))
		return TLSID_CH_OK;	/* no extensions (before TLS 1.2: allowed) */
	if (!get_u16(&c, &extlen) || extlen != left(&c))
		return ch_fail(ch, TLSID_CH_MALFORMED, "extensions length does not match the message");
	get_sub(&c, extlen, &exts);
	while (left(&exts)) {
		if (!get_u16(&exts, &type) || !get_u16(&exts, &elen) ||
		    !get_sub(&exts, elen, &e))
			return ch_fail(ch, TLSID_CH_MALFORMED, "extension overruns the list");
		if (seen[type / 64] & (1ULL << (type % 64)))
			return ch_fail(ch, TLSID_CH_MALFORMED, "an extension appears twice");
		seen[type / 64] |= 1ULL << (type % 64);
		ch->n_extensions++;
		switch (type) {
		case EXT_SERVER_NAME:
			rc = parse_sni(&e, ch);
			break;
		case EXT_ALPN:
			rc = parse_alpn(&e, ch);
			break;
		case EXT_SUPPORTED_VERSIONS:
			rc = parse_versions(&e, ch);
			break;
		default:
			rc = TLSID_CH_OK;
		}
		if (rc)
			return rc;
	}
	return TLSID_CH_OK;
}

int tlsid_ch_parse(const uint8_t *buf, size_t len, struct tlsid_ch *ch)
{
	static __thread uint8_t msg[HS_HDR + TLSID_CH_MSG_MAX];
	size_t pos = 0, have = 0, need = 0;
	int rc;

	memset(ch, 0, sizeof(*ch));
	for (;;) {
		size_t avail = len - pos, rlen, take;
		const uint8_t *r = buf + pos;

		/* Decide "not TLS" on as few bytes as possible. */
		if (avail >= 1 && r[0] != CT_HANDSHAKE)
			return ch_fail(ch, pos ? TLSID_CH_MALFORMED : TLSID_CH_NOT_TLS,
				    pos ? "a non-handshake record inside the ClientHello" :
					  "not a TLS handshake record");
		if (avail >= 2 && r[1] != 3)
			return ch_fail(ch, pos ? TLSID_CH_MALFORMED : TLSID_CH_NOT_TLS,
				    "record version is not 3.x");
		if (avail < REC_HDR)
			return ch_fail(ch, TLSID_CH_TRUNCATED, "truncated record header");
		if (!pos)
			ch->record_version = (uint16_t)(r[1] << 8 | r[2]);
		rlen = (size_t)r[3] << 8 | r[4];
		if (rlen == 0)
			return ch_fail(ch, TLSID_CH_MALFORMED, "empty handshake record");
		if (rlen > REC_MAX)
			return ch_fail(ch, TLSID_CH_MALFORMED, "record longer than 2^14 bytes");
		/* Copy what is there of this record's fragment. */
		take = avail - REC_HDR < rlen ? avail - REC_HDR : rlen;
		if (have + take > sizeof(msg)) {
			if (need && have + take > need)
				return ch_fail(ch, TLSID_CH_MALFORMED, "data after the ClientHello");
			return ch_fail(ch, TLSID_CH_TOO_BIG, "ClientHello longer than 16384 bytes");
		}
		memcpy(msg + have, r + REC_HDR, take);
		have += take;
		if (have >= HS_HDR && !need) {
			size_t mlen = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];

			if (msg[0] != HT_CLIENT_HELLO)
				return ch_fail(ch, TLSID_CH_NOT_HELLO,
					    "handshake message is not a ClientHello");
			if (mlen > TLSID_CH_MSG_MAX)
				return ch_fail(ch, TLSID_CH_TOO_BIG,
					    "ClientHello longer than 16384 bytes");
			need = HS_HDR + mlen;
		}
		/* The whole record must belong to the ClientHello. */
		if (need && have - take + rlen > need)
			return ch_fail(ch, TLSID_CH_MALFORMED, "data after the ClientHello");
		if (take < rlen)
			return ch_fail(ch, TLSID_CH_TRUNCATED, "truncated record");
		pos += REC_HDR + rlen;
		if (need && have == need)
			break;
		if (pos == len)
			return ch_fail(ch, TLSID_CH_TRUNCATED, "ClientHello continues in the next record");
	}
	rc = parse_body(msg + HS_HDR, need - HS_HDR, ch);
	if (rc)
		return rc;
	ch->consumed = pos;
	ch->err = NULL;
	return TLSID_CH_OK;
}

const char *tlsid_ch_strerror(int rc)
{
	switch (rc) {
	case TLSID_CH_OK:
		return "ok";
	case TLSID_CH_TRUNCATED:
		return "truncated";
	case TLSID_CH_NOT_TLS:
		return "not TLS";
	case TLSID_CH_NOT_HELLO:
		return "not a ClientHello";
	case TLSID_CH_MALFORMED:
		return "malformed ClientHello";
	case TLSID_CH_TOO_BIG:
		return "ClientHello too big";
	}
	return "unknown error";
}

static bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

uint16_t tlsid_ch_max_version(const struct tlsid_ch *ch)
{
	uint16_t best = 0;

	if (!ch->has_versions)
		return ch->legacy_version;
	for (unsigned i = 0; i < ch->n_versions; i++) {
		uint16_t v = ch->versions[i];

		if (is_grease(v) || v >> 8 != 3 || v > 0x0304)
			continue;
		if (v > best)
			best = v;
	}
	return best ? best : ch->legacy_version;
}

uint16_t tlsid_ch_min_version(const struct tlsid_ch *ch)
{
	uint16_t low = 0;

	if (!ch->has_versions)
		return 0;	/* legacy_version is a maximum: no floor said */
	for (unsigned i = 0; i < ch->n_versions; i++) {
		uint16_t v = ch->versions[i];

		if (is_grease(v) || v >> 8 != 3 || v > 0x0304)
			continue;
		if (!low || v < low)
			low = v;
	}
	return low;
}

bool tlsid_ch_offers_cipher(const struct tlsid_ch *ch, uint16_t id)
{
	unsigned n = ch->n_ciphers < TLSID_CH_CIPHERS_MAX ? ch->n_ciphers : TLSID_CH_CIPHERS_MAX;

	for (unsigned i = 0; i < n; i++)
		if (ch->ciphers[i] == id)
			return true;
	return false;
}
