// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tlsid's ClientHello parser (userspace/tlsid/clienthello.c,
 * included so that the test needs no library): a ClientHello captured from
 * curl, ClientHellos made by OpenSSL (also cut into many records),
 * hand-made ones with one defect each, every truncation, and garbage.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../../userspace/tlsid/clienthello.c"

/* curl 7.88.1 (OpenSSL 3.0) to https://site.test:18443/: SNI site.test,
 * ALPN h2 and http/1.1, TLS 1.3 and 1.2, padded to 517 bytes. */
static const uint8_t curl_hello[] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x9d,
	0x32, 0x4e, 0x5d, 0x67, 0x75, 0x82, 0xc5, 0x18, 0x01, 0x85, 0x3a, 0xa0,
	0xb6, 0x85, 0xee, 0xdb, 0x67, 0xcb, 0xa9, 0xb8, 0x3f, 0xa7, 0x1f, 0x92,
	0x99, 0xc4, 0x2f, 0x14, 0xb7, 0xba, 0x29, 0x20, 0x6f, 0x05, 0x73, 0xbc,
	0x03, 0x2b, 0x51, 0x22, 0xf2, 0x20, 0xbc, 0xe6, 0xb7, 0xd2, 0xb6, 0x44,
	0xb9, 0xf3, 0x71, 0x29, 0x71, 0x51, 0x0a, 0x99, 0x06, 0x85, 0x09, 0x77,
	0x6b, 0x4c, 0x6a, 0x09, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x01, 0x75,
	0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x73, 0x69, 0x74,
	0x65, 0x2e, 0x74, 0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00,
	0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17,
	0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02,
	0x01, 0x03, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68,
	0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16,
	0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09,
	0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0xd9, 0xe1, 0x53, 0x89, 0xc4, 0xc2, 0x4b, 0x7a, 0x76, 0xbb, 0x00,
	0x21, 0xe9, 0x37, 0x2b, 0xe4, 0xdb, 0x1a, 0x06, 0x42, 0x28, 0x9f, 0x54,
	0xd9, 0x3b, 0x2a, 0x42, 0x19, 0x66, 0x8f, 0x44, 0x25, 0x00, 0x15, 0x00,
	0xb4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};

static struct tlsid_ch ch;

#define RC_IS(rc, want) ck_assert_msg((rc) == (want), "rc %d (%s: %s), expected %d (%s)", \
				      (rc), tlsid_ch_strerror(rc), ch.err ? ch.err : "", \
				      (want), tlsid_ch_strerror(want))

/* ---- a builder for hand-made ClientHellos ----------------------------- */

struct buf {
	uint8_t b[70000];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	ck_assert(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	put(b, &x, 1);
}

static void put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put24(struct buf *b, unsigned v)
{
	put8(b, v >> 16);
	put16(b, v & 0xffff);
}

/* Fields of a hand-made ClientHello; lengths < 0 mean "the right one". */
struct spec {
	unsigned version;
	int sid_len;		/* bytes of session id written */
	int sid_len_field;
	int cs_len_field;
	int n_cs;
	int comp_len_field;
	bool no_extensions;
	int ext_len_field;
	struct buf ext;		/* extensions, already encoded */
};

static void spec_init(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->version = 0x0303;
	s->sid_len = 32;
	s->sid_len_field = -1;
	s->cs_len_field = -1;
	s->n_cs = 3;
	s->comp_len_field = -1;
	s->ext_len_field = -1;
}

static void ext_add(struct spec *s, unsigned type, const void *data, size_t n)
{
	put16(&s->ext, type);
	put16(&s->ext, (unsigned)n);
	put(&s->ext, data, n);
}

static void ext_sni(struct spec *s, const char *name)
{
	struct buf e = { .n = 0 };
	size_t n = strlen(name);

	put16(&e, (unsigned)(n + 3));
	put8(&e, 0);
	put16(&e, (unsigned)n);
	put(&e, name, n);
	ext_add(s, 0, e.b, e.n);
}

static void body(const struct spec *s, struct buf *b)
{
	uint8_t rnd[32];
	int i;

	for (i = 0; i < 32; i++)
		rnd[i] = (uint8_t)i;
	put16(b, s->version);
	put(b, rnd, 32);
	put8(b, s->sid_len_field >= 0 ? (unsigned)s->sid_len_field : (unsigned)s->sid_len);
	for (i = 0; i < s->sid_len; i++)
		put8(b, 0xa0 + (unsigned)i);
	put16(b, s->cs_len_field >= 0 ? (unsigned)s->cs_len_field : (unsigned)s->n_cs * 2);
	for (i = 0; i < s->n_cs; i++)
		put16(b, 0x1301 + (unsigned)i);
	put8(b, s->comp_len_field >= 0 ? (unsigned)s->comp_len_field : 1);
	put8(b, 0);
	if (s->no_extensions)
		return;
	put16(b, s->ext_len_field >= 0 ? (unsigned)s->ext_len_field : (unsigned)s->ext.n);
	put(b, s->ext.b, s->ext.n);
}

/* Wrap a handshake body as message type ht in records of at most frag bytes. */
static void wrap(const uint8_t *p, size_t n, unsigned ht, size_t frag, struct buf *out)
{
	struct buf msg = { .n = 0 };
	size_t off = 0;

	put8(&msg, ht);
	put24(&msg, (unsigned)n);
	put(&msg, p, n);
	out->n = 0;
	while (off < msg.n) {
		size_t k = msg.n - off < frag ? msg.n - off : frag;

		put8(out, 22);
		put16(out, 0x0301);
		put16(out, (unsigned)k);
		put(out, msg.b + off, k);
		off += k;
	}
}

static int build_parse(const struct spec *s)
{
	static struct buf b, rec;

	b.n = 0;
	body(s, &b);
	wrap(b.b, b.n, 1, 16384, &rec);
	return tlsid_ch_parse(rec.b, rec.n, &ch);
}

/* Every strict prefix is "truncated"; the whole is rc. */
static void check_prefixes(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = tlsid_ch_parse(p, i, &ch);

		ck_assert_msg(rc == TLSID_CH_TRUNCATED, "prefix %zu of %zu: rc %d (%s)",
			      i, n, rc, ch.err ? ch.err : "");
	}
}

/* ---- real ClientHellos ------------------------------------------------ */

START_TEST(test_curl)
{
	static const uint8_t alpn[] = "\x02h2\x08http/1.1";
	bool tls13 = false;
	unsigned i;

	RC_IS(tlsid_ch_parse(curl_hello, sizeof(curl_hello), &ch), TLSID_CH_OK);
	ck_assert_str_eq(ch.sni, "site.test");
	ck_assert(ch.has_sni && ch.has_alpn && ch.has_versions);
	ck_assert_uint_eq(ch.n_alpn, 2);
	ck_assert_uint_eq(ch.alpn_len, sizeof(alpn) - 1);
	ck_assert(!memcmp(ch.alpn, alpn, sizeof(alpn) - 1));
	for (i = 0; i < ch.n_versions; i++)
		tls13 |= ch.versions[i] == 0x0304;
	ck_assert(tls13);
	ck_assert_uint_eq(tlsid_ch_max_version(&ch), 0x0304);
	ck_assert_uint_eq(ch.legacy_version, 0x0303);
	ck_assert_uint_eq(ch.record_version, 0x0301);
	ck_assert_uint_eq(ch.session_id_len, 32);
	ck_assert_uint_eq(ch.n_ciphers, 0x3e / 2);
	ck_assert_uint_eq(ch.ciphers[0], 0x1302);
	ck_assert(ch.null_compression);
	ck_assert_uint_eq(ch.consumed, sizeof(curl_hello));
	ck_assert_uint_eq(memcmp(ch.random, curl_hello + 11, 32), 0);
	check_prefixes(curl_hello, sizeof(curl_hello));
}
END_TEST

START_TEST(test_curl_followed_by_data)
{
	uint8_t b[sizeof(curl_hello) + 10];

	/* Bytes after the ClientHello's records (early data) are not its business. */
	memcpy(b, curl_hello, sizeof(curl_hello));
	memset(b + sizeof(curl_hello), 0x17, 10);
	RC_IS(tlsid_ch_parse(b, sizeof(b), &ch), TLSID_CH_OK);
	ck_assert_uint_eq(ch.consumed, sizeof(curl_hello));
}
END_TEST

/* The first flight of an OpenSSL client. */
static size_t openssl_hello(const char *sni, const unsigned char *alpn, unsigned alpn_len,
			    int max_version, uint8_t *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
	SSL *ssl;
	int n;

	ck_assert(ctx && rbio && wbio);
	if (max_version)
		SSL_CTX_set_max_proto_version(ctx, max_version);
	ssl = SSL_new(ctx);
	ck_assert(ssl);
	SSL_set_bio(ssl, rbio, wbio);
	if (sni)
		SSL_set_tlsext_host_name(ssl, sni);
	if (alpn)
		ck_assert_int_eq(SSL_set_alpn_protos(ssl, alpn, alpn_len), 0);
	SSL_set_connect_state(ssl);
	ck_assert_int_le(SSL_do_handshake(ssl), 0);
	n = BIO_read(wbio, out, (int)cap);
	ck_assert_int_gt(n, 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return (size_t)n;
}

START_TEST(test_openssl)
{
	static const unsigned char alpn[] = "\x08http/1.1\x06spdy/1\x02h2";
	static uint8_t b[8192];
	static struct buf split;
	size_t n = openssl_hello("www.example.com", alpn, sizeof(alpn) - 1, 0, b, sizeof(b));

	RC_IS(tlsid_ch_parse(b, n, &ch), TLSID_CH_OK);
	ck_assert_str_eq(ch.sni, "www.example.com");
	ck_assert_uint_eq(ch.n_alpn, 3);
	ck_assert(!memcmp(ch.alpn, alpn, sizeof(alpn) - 1));
	ck_assert_uint_eq(tlsid_ch_max_version(&ch), 0x0304);
	ck_assert_uint_eq(ch.consumed, n);
	check_prefixes(b, n);

	/* The same message cut into records of 7 bytes. */
	wrap(b + 9, n - 9, 1, 7, &split);
	RC_IS(tlsid_ch_parse(split.b, split.n, &ch), TLSID_CH_OK);
	ck_assert_str_eq(ch.sni, "www.example.com");
	ck_assert_uint_eq(ch.n_alpn, 3);
	ck_assert_uint_eq(ch.consumed, split.n);
	check_prefixes(split.b, split.n);

	/* TLS 1.2 at most, no SNI, no ALPN. */
	n = openssl_hello(NULL, NULL, 0, TLS1_2_VERSION, b, sizeof(b));
	RC_IS(tlsid_ch_parse(b, n, &ch), TLSID_CH_OK);
	ck_assert(!ch.has_sni && !ch.has_alpn);
	ck_assert_uint_eq(tlsid_ch_max_version(&ch), 0x0303);
}
END_TEST

/* ---- hand-made ------------------------------------------------------- */

START_TEST(test_minimal)
{
	struct spec s;

	spec_init(&s);
	s.no_extensions = true;
	s.sid_len = 0;
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert(!ch.has_sni && !ch.has_alpn && !ch.has_versions);
	ck_assert_uint_eq(ch.n_ciphers, 3);
	ck_assert_uint_eq(ch.n_extensions, 0);
	ck_assert_uint_eq(tlsid_ch_max_version(&ch), 0x0303);

	/* An empty extension list is fine too. */
	spec_init(&s);
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_uint_eq(ch.session_id_len, 32);
	ck_assert_uint_eq(ch.session_id[31], 0xa0 + 31);
}
END_TEST

START_TEST(test_many_ciphers)
{
	struct spec s;

	spec_init(&s);
	s.n_cs = 1000;
	ext_sni(&s, "a.b");
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_uint_eq(ch.n_ciphers, 1000);
	ck_assert_uint_eq(ch.ciphers[TLSID_CH_CIPHERS_MAX - 1], 0x1301 + TLSID_CH_CIPHERS_MAX - 1);
	ck_assert_str_eq(ch.sni, "a.b");
}
END_TEST

START_TEST(test_sni)
{
	char longname[300];
	struct spec s;
	struct buf e = { .n = 0 };

	memset(longname, 'a', sizeof(longname));
	longname[255] = '\0';
	spec_init(&s);
	ext_sni(&s, longname);
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_uint_eq(strlen(ch.sni), 255);

	longname[255] = 'a';
	longname[256] = '\0';
	spec_init(&s);
	ext_sni(&s, longname);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	spec_init(&s);
	ext_sni(&s, "bad host");
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	ck_assert_str_eq(ch.err, "server_name: bad character in host name");

	spec_init(&s);
	ext_sni(&s, "");
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* A NUL inside the name. */
	spec_init(&s);
	put16(&e, 8);
	put8(&e, 0);
	put16(&e, 5);
	put(&e, "ab\0cd", 5);
	ext_add(&s, 0, e.b, e.n);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* List length larger than the extension. */
	spec_init(&s);
	e.n = 0;
	put16(&e, 20);
	put8(&e, 0);
	put16(&e, 3);
	put(&e, "a.b", 3);
	ext_add(&s, 0, e.b, e.n);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* Name length beyond the list. */
	spec_init(&s);
	e.n = 0;
	put16(&e, 6);
	put8(&e, 0);
	put16(&e, 4);
	put(&e, "a.b", 3);
	ext_add(&s, 0, e.b, e.n);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* An unknown name type is skipped, then a host name. */
	spec_init(&s);
	e.n = 0;
	put16(&e, 12);
	put8(&e, 7);
	put16(&e, 3);
	put(&e, "xyz", 3);
	put8(&e, 0);
	put16(&e, 3);
	put(&e, "a.b", 3);
	ext_add(&s, 0, e.b, e.n);
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_str_eq(ch.sni, "a.b");

	/* Two host names. */
	spec_init(&s);
	e.n = 0;
	put16(&e, 12);
	put8(&e, 0);
	put16(&e, 3);
	put(&e, "a.b", 3);
	put8(&e, 0);
	put16(&e, 3);
	put(&e, "c.d", 3);
	ext_add(&s, 0, e.b, e.n);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
}
END_TEST

START_TEST(test_alpn_versions)
{
	static const uint8_t good[] = { 0, 6, 2, 'h', '2', 2, 'h', '3' };
	static const uint8_t empty_name[] = { 0, 4, 2, 'h', '2', 0 };
	static const uint8_t overrun[] = { 0, 4, 2, 'h', '2', 3 };
	static const uint8_t sv[] = { 6, 0x0a, 0x0a, 3, 4, 3, 3 };
	static const uint8_t sv_odd[] = { 3, 3, 4, 3 };
	static const uint8_t sv_len[] = { 4, 3, 4 };
	uint8_t big[600];
	struct spec s;

	spec_init(&s);
	ext_add(&s, 16, good, sizeof(good));
	ext_add(&s, 43, sv, sizeof(sv));
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_uint_eq(ch.n_alpn, 2);
	ck_assert_uint_eq(ch.n_versions, 3);
	/* GREASE (0x0a0a) is ignored. */
	ck_assert_uint_eq(tlsid_ch_max_version(&ch), 0x0304);

	spec_init(&s);
	ext_add(&s, 16, empty_name, sizeof(empty_name));
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	ext_add(&s, 16, overrun, sizeof(overrun));
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	ext_add(&s, 16, good, 1);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* A protocol list over 256 bytes. */
	memset(big, 'x', sizeof(big));
	big[0] = 0x02;
	big[1] = 0x00;
	big[2] = 0xff;
	big[258] = 0xff;
	spec_init(&s);
	ext_add(&s, 16, big, 514);
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	spec_init(&s);
	ext_add(&s, 43, sv_odd, sizeof(sv_odd));
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	ext_add(&s, 43, sv_len, sizeof(sv_len));
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);

	/* The same extension twice. */
	spec_init(&s);
	ext_add(&s, 16, good, sizeof(good));
	ext_add(&s, 16, good, sizeof(good));
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	ck_assert_str_eq(ch.err, "an extension appears twice");

	/* Unknown extensions are skipped, even empty ones. */
	spec_init(&s);
	ext_add(&s, 0xfe0d, "abc", 3);
	ext_add(&s, 21, "", 0);
	ext_sni(&s, "x.y");
	RC_IS(build_parse(&s), TLSID_CH_OK);
	ck_assert_uint_eq(ch.n_extensions, 3);
	ck_assert_str_eq(ch.sni, "x.y");
}
END_TEST

START_TEST(test_bad_fields)
{
	struct spec s;

	spec_init(&s);
	s.sid_len = 33;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.sid_len_field = 200;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.cs_len_field = 5;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.n_cs = 0;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.cs_len_field = 0xfffe;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.comp_len_field = 0;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.comp_len_field = 9;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	ext_sni(&s, "a.b");
	s.ext_len_field = (int)s.ext.n + 1;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	ext_sni(&s, "a.b");
	s.ext_len_field = (int)s.ext.n - 1;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
	spec_init(&s);
	s.version = 0x0200;
	RC_IS(build_parse(&s), TLSID_CH_MALFORMED);
}
END_TEST

START_TEST(test_records)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: site.test\r\n\r\n";
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01 };
	static struct buf b, rec;
	struct spec s;

	RC_IS(tlsid_ch_parse(http, sizeof(http) - 1, &ch), TLSID_CH_NOT_TLS);
	/* One byte is enough to say "not TLS". */
	RC_IS(tlsid_ch_parse(http, 1, &ch), TLSID_CH_NOT_TLS);
	RC_IS(tlsid_ch_parse(sslv2, sizeof(sslv2), &ch), TLSID_CH_NOT_TLS);
	RC_IS(tlsid_ch_parse((const uint8_t *)"\x16\x02", 2, &ch), TLSID_CH_NOT_TLS);
	RC_IS(tlsid_ch_parse((const uint8_t *)"", 0, &ch), TLSID_CH_TRUNCATED);
	/* An alert record. */
	RC_IS(tlsid_ch_parse((const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28", 7, &ch),
	      TLSID_CH_NOT_TLS);
	/* Empty and oversized records. */
	RC_IS(tlsid_ch_parse((const uint8_t *)"\x16\x03\x01\x00\x00", 5, &ch), TLSID_CH_MALFORMED);
	RC_IS(tlsid_ch_parse((const uint8_t *)"\x16\x03\x01\x40\x01", 5, &ch), TLSID_CH_MALFORMED);

	spec_init(&s);
	ext_sni(&s, "a.b");
	body(&s, &b);
	/* A ServerHello. */
	wrap(b.b, b.n, 2, 16384, &rec);
	RC_IS(tlsid_ch_parse(rec.b, rec.n, &ch), TLSID_CH_NOT_HELLO);
	/* Data after the message in the same record. */
	wrap(b.b, b.n, 1, 16384, &rec);
	rec.b[3] = (uint8_t)((rec.n - 5 + 1) >> 8);
	rec.b[4] = (uint8_t)(rec.n - 5 + 1);
	rec.b[rec.n++] = 0;
	RC_IS(tlsid_ch_parse(rec.b, rec.n, &ch), TLSID_CH_MALFORMED);
	/* ... detected from the record header alone. */
	RC_IS(tlsid_ch_parse(rec.b, rec.n - 1, &ch), TLSID_CH_MALFORMED);
	/* A non-handshake record between the fragments. */
	wrap(b.b, b.n, 1, 10, &rec);
	rec.b[15] = 23;
	RC_IS(tlsid_ch_parse(rec.b, rec.n, &ch), TLSID_CH_MALFORMED);
	/* Handshake length that disagrees with the body (shorter). */
	wrap(b.b, b.n, 1, 16384, &rec);
	rec.b[8]--;
	rec.b[4]--;
	rec.n--;
	RC_IS(tlsid_ch_parse(rec.b, rec.n, &ch), TLSID_CH_MALFORMED);
}
END_TEST

START_TEST(test_too_big)
{
	static struct buf b, rec;
	struct spec s;
	int i;

	/* 20000 bytes of padding: a ClientHello larger than we accept. */
	spec_init(&s);
	for (i = 0; i < 4; i++) {
		static uint8_t pad[5000];

		ext_add(&s, 0x100 + (unsigned)i, pad, sizeof(pad));
	}
	body(&s, &b);
	wrap(b.b, b.n, 1, 16384, &rec);
	RC_IS(tlsid_ch_parse(rec.b, rec.n, &ch), TLSID_CH_TOO_BIG);
	/* Decided from the handshake header. */
	RC_IS(tlsid_ch_parse(rec.b, 9, &ch), TLSID_CH_TOO_BIG);
}
END_TEST

/* ---- garbage --------------------------------------------------------- */

static void sane(int rc, size_t len)
{
	ck_assert(rc <= 0 && rc >= TLSID_CH_TOO_BIG);
	if (rc == TLSID_CH_OK) {
		ck_assert(ch.consumed <= len);
		ck_assert(strlen(ch.sni) <= TLSID_CH_SNI_MAX);
		ck_assert(ch.alpn_len <= TLSID_CH_ALPN_MAX);
		ck_assert(ch.n_versions <= TLSID_CH_VERSIONS_MAX);
	} else {
		ck_assert(ch.err != NULL);
	}
}

START_TEST(test_garbage)
{
	static uint8_t b[4096];
	unsigned seed = 1;
	int i, ok = 0;
	size_t n, j;

	srand(seed);
	for (i = 0; i < 200000; i++) {
		n = (size_t)rand() % sizeof(b);
		for (j = 0; j < n; j++)
			b[j] = (uint8_t)rand();
		/* Half of them start like a handshake record. */
		if (i & 1 && n >= 6) {
			b[0] = 22;
			b[1] = 3;
			b[5] = 1;
		}
		sane(tlsid_ch_parse(b, n, &ch), n);
	}
	/* Mutations of the real ClientHello: 1..4 bytes changed. */
	for (i = 0; i < 200000; i++) {
		int k = 1 + rand() % 4;

		memcpy(b, curl_hello, sizeof(curl_hello));
		while (k--)
			b[(size_t)rand() % sizeof(curl_hello)] = (uint8_t)rand();
		n = sizeof(curl_hello) - (size_t)(rand() % 2 ? 0 : rand() % 40);
		int rc = tlsid_ch_parse(b, n, &ch);

		sane(rc, n);
		ok += rc == TLSID_CH_OK;
	}
	/* Most single changes hit the random or padding: still a ClientHello. */
	ck_assert_int_gt(ok, 1000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("clienthello");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_curl);
	tcase_add_test(tc, test_curl_followed_by_data);
	tcase_add_test(tc, test_openssl);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_many_ciphers);
	tcase_add_test(tc, test_sni);
	tcase_add_test(tc, test_alpn_versions);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
