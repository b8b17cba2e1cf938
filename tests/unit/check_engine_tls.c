// SPDX-License-Identifier: GPL-2.0
/*
 * TLS hellos in the clear (engine/tls.c): MD5 against RFC 1321's vectors,
 * SHA-256 against FIPS 180-2's, JA3 and JA3S against published
 * fingerprints (the salesforce/ja3 README's example; JA3S values that
 * Emerging Threats rules carry), JA4 against FoxIO's test captures and
 * Suricata's, field by field, and the ja3.* / ja3s.* / ja4.hash / tls.sni
 * keywords of real ET rules on TLS streams the engine sees undecrypted:
 * whole, byte by byte, across records, malformed and too long.
 */
#include "engine_harness.h"

/* ---- building hellos ------------------------------------------------------------ */

struct hb {
	uint8_t b[20000];
	size_t n;
};

static void put8(struct hb *h, unsigned int v)
{
	ck_assert(h->n < sizeof(h->b));
	h->b[h->n++] = (uint8_t)v;
}

static void put16(struct hb *h, unsigned int v)
{
	put8(h, v >> 8);
	put8(h, v & 0xff);
}

static void put_bytes(struct hb *h, const void *p, size_t n)
{
	ck_assert(h->n + n <= sizeof(h->b));
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

/* Patch a length of `bytes' at `at' to cover everything after it. */
static void fix_len(struct hb *h, size_t at, unsigned int bytes)
{
	size_t v = h->n - at - bytes;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		h->b[at + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

struct ext {
	unsigned int type;
	const uint8_t *body;
	size_t len;
};

/*
 * A handshake message: ClientHello (ciphers: n16 values) or ServerHello
 * (ciphers[0] is the chosen suite). pad: bytes of a padding extension
 * (21) appended to make it long; 0 none.
 */
static void hello_msg(struct hb *h, int client, unsigned int version,
		      const unsigned int *ciphers, size_t nc,
		      const struct ext *exts, size_t ne, size_t pad)
{
	static const uint8_t random[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	size_t start = h->n, at, i;

	put8(h, client ? 1 : 2);
	put8(h, 0);
	put16(h, 0);
	put16(h, version);
	put_bytes(h, random, sizeof(random));
	put8(h, 0);			/* empty session id */
	if (client) {
		at = h->n;
		put16(h, 0);
		for (i = 0; i < nc; i++)
			put16(h, ciphers[i]);
		fix_len(h, at, 2);
		put8(h, 1);
		put8(h, 0);		/* null compression */
	} else {
		put16(h, ciphers[0]);
		put8(h, 0);
	}
	if (ne || pad) {
		at = h->n;
		put16(h, 0);
		for (i = 0; i < ne; i++) {
			put16(h, exts[i].type);
			put16(h, (unsigned int)exts[i].len);
			put_bytes(h, exts[i].body, exts[i].len);
		}
		if (pad) {
			put16(h, 21);
			put16(h, (unsigned int)pad);
			for (i = 0; i < pad; i++)
				put8(h, 0);
		}
		fix_len(h, at, 2);
	}
	fix_len(h, start + 1, 3);
}

/* Wrap message m into handshake records of at most rmax bytes each. */
static void records(struct hb *out, const struct hb *m, size_t rmax)
{
	size_t off;

	for (off = 0; off < m->n; off += rmax) {
		size_t n = m->n - off < rmax ? m->n - off : rmax;

		put8(out, 22);
		put16(out, 0x0301);
		put16(out, (unsigned int)n);
		put_bytes(out, m->b + off, n);
	}
}

/*
 * The ClientHello behind the salesforce/ja3 README's example fingerprint
 * 769,255-49162-...-10,0-10-11-35,23-24-25,0 (2aef69b4...), with the
 * server name `sni' (NULL: the example's empty host name list) and, if
 * grease, GREASE values (RFC 8701) among the ciphers, extensions and
 * groups, which JA3 leaves out.
 */
static const char ja3_example[] =
	"769,255-49162-49172-136-135-57-56-49167-49157-132-53-49159-49161-49169-"
	"49171-69-68-51-50-49164-49166-49154-49156-150-65-4-5-47-49160-49170-22-19-"
	"49165-49155-65279-10,0-10-11-35,23-24-25,0";
static const char ja3_example_hash[] = "2aef69b4ba1938c3a400de4188743185";

static void example_hello(struct hb *m, const char *sni, int grease, size_t pad)
{
	static const unsigned int ciphers[] = {
		255, 49162, 49172, 136, 135, 57, 56, 49167, 49157, 132, 53, 49159,
		49161, 49169, 49171, 69, 68, 51, 50, 49164, 49166, 49154, 49156, 150,
		65, 4, 5, 47, 49160, 49170, 22, 19, 49165, 49155, 65279, 10,
	};
	unsigned int c[64];
	uint8_t sni_body[300], groups[10] = { 0, 6, 0, 23, 0, 24, 0, 25 };
	static const uint8_t formats[] = { 1, 0 };
	struct ext e[6];
	size_t nc = 0, ne = 0, i, sl = sni ? strlen(sni) : 0;

	if (grease)
		c[nc++] = 0x0a0a;
	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		c[nc++] = ciphers[i];
	if (grease)
		c[nc++] = 0xfafa;
	/* server_name: list length, type 0, name length, name */
	sni_body[0] = (uint8_t)((sl + 3) >> 8);
	sni_body[1] = (uint8_t)(sl + 3);
	sni_body[2] = 0;
	sni_body[3] = (uint8_t)(sl >> 8);
	sni_body[4] = (uint8_t)sl;
	if (sl)
		memcpy(sni_body + 5, sni, sl);
	if (grease) {
		e[ne++] = (struct ext){ 0x1a1a, NULL, 0 };
		/* a GREASE group first */
		memcpy(groups, (uint8_t[]){ 0, 8, 0x2a, 0x2a, 0, 23, 0, 24, 0, 25 }, 10);
	}
	e[ne++] = (struct ext){ 0, sni_body, sl ? sl + 5 : 0 };
	e[ne++] = (struct ext){ 10, groups, grease ? 10u : 8u };
	e[ne++] = (struct ext){ 11, formats, sizeof(formats) };
	e[ne++] = (struct ext){ 35, NULL, 0 };
	hello_msg(m, 1, 769, c, nc, e, ne, pad);
}

/* A TLS 1.3 ServerHello as OpenSSL sends it: supported_versions, then
 * key_share (x25519), with the suite `cipher'. */
static void server_hello(struct hb *m, unsigned int cipher, int key_share_first)
{
	static const uint8_t versions[] = { 3, 4 };
	uint8_t ks[36] = { 0, 29, 0, 32 };
	struct ext e[2];

	e[key_share_first ? 1 : 0] = (struct ext){ 43, versions, sizeof(versions) };
	e[key_share_first ? 0 : 1] = (struct ext){ 51, ks, sizeof(ks) };
	hello_msg(m, 0, 0x0303, &cipher, 1, e, 2, 0);
}

/* ---- MD5 and the fingerprints ---------------------------------------------------- */

static void check_md5(const char *in, const char *want)
{
	char out[33];

	tlsi_md5_hex(in, strlen(in), out);
	out[32] = '\0';
	ck_assert_str_eq(out, want);
}

START_TEST(test_md5)
{
	/* RFC 1321 A.5 */
	check_md5("", "d41d8cd98f00b204e9800998ecf8427e");
	check_md5("a", "0cc175b9c0f1b6a831c399e269772661");
	check_md5("abc", "900150983cd24fb0d6963f7d28e17f72");
	check_md5("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	check_md5("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
	check_md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f");
	check_md5("1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a");
	/* the salesforce/ja3 README's example */
	check_md5(ja3_example, ja3_example_hash);
}
END_TEST

START_TEST(test_ja3_published_example)
{
	struct tlsi_tls_hello h;
	char fp[TLSI_TLS_FP_MAX];
	struct hb m = { .n = 0 };
	int grease;

	for (grease = 0; grease < 2; grease++) {
		m.n = 0;
		example_hello(&m, "www.example.com", grease, 0);
		ck_assert_int_eq(tlsi_tls_hello(m.b, m.n, fp, sizeof(fp), &h), 0);
		ck_assert(h.client);
		ck_assert_uint_eq(h.version, 769);
		ck_assert_uint_eq(h.fp_len, strlen(ja3_example));
		ck_assert_msg(!memcmp(fp, ja3_example, h.fp_len), "ja3 %.*s", (int)h.fp_len, fp);
		ck_assert(!memcmp(h.hash, ja3_example_hash, 32));
		ck_assert_uint_eq(h.sni_len, 15);
		ck_assert(!memcmp(h.sni, "www.example.com", 15));
	}
	/* the text must fit the caller's buffer */
	ck_assert_int_eq(tlsi_tls_hello(m.b, m.n, fp, 40, &h), -2);
}
END_TEST

START_TEST(test_ja3s_published)
{
	struct tlsi_tls_hello h;
	char fp[256];
	struct hb m = { .n = 0 };

	/* ET 2037959's and 2033055's JA3S values */
	server_hello(&m, 4865, 0);
	ck_assert_int_eq(tlsi_tls_hello(m.b, m.n, fp, sizeof(fp), &h), 0);
	ck_assert(!h.client);
	ck_assert_uint_eq(h.fp_len, strlen("771,4865,43-51"));
	ck_assert(!memcmp(fp, "771,4865,43-51", h.fp_len));
	ck_assert(!memcmp(h.hash, "f4febc55ea12b31ae17cfb7e614afda8", 32));
	m.n = 0;
	server_hello(&m, 4865, 1);
	ck_assert_int_eq(tlsi_tls_hello(m.b, m.n, fp, sizeof(fp), &h), 0);
	ck_assert(!memcmp(h.hash, "eb1d94daa7e0344597e756a1fb6e7054", 32));
}
END_TEST

START_TEST(test_hello_malformed)
{
	struct tlsi_tls_hello h;
	char fp[TLSI_TLS_FP_MAX];
	struct hb m = { .n = 0 }, r = { .n = 0 };
	uint8_t bad[20000];
	size_t i;

	example_hello(&m, "a.example", 1, 0);
	/* every truncation is refused, never read beyond */
	for (i = 0; i < m.n; i++) {
		memcpy(bad, m.b, i);
		ck_assert_int_eq(tlsi_tls_hello(bad, i, fp, sizeof(fp), &h), -1);
	}
	/* trailing bytes after the extensions inside the message */
	memcpy(bad, m.b, m.n);
	bad[m.n] = 0;
	bad[3]++;
	ck_assert_int_eq(tlsi_tls_hello(bad, m.n + 1, fp, sizeof(fp), &h), -1);
	/* an odd cipher list length */
	memcpy(bad, m.b, m.n);
	bad[4 + 2 + 32 + 1 + 1]++;
	ck_assert_int_eq(tlsi_tls_hello(bad, m.n, fp, sizeof(fp), &h), -1);
	/* another handshake type */
	memcpy(bad, m.b, m.n);
	bad[0] = 11;
	ck_assert_int_eq(tlsi_tls_hello(bad, m.n, fp, sizeof(fp), &h), -1);
	/* every byte flipped: no crash, parsed or refused */
	for (i = 0; i < m.n; i++) {
		memcpy(bad, m.b, m.n);
		bad[i] ^= 0xff;
		(void)tlsi_tls_hello(bad, m.n, fp, sizeof(fp), &h);
	}

	/* records: complete, incomplete, not handshake */
	records(&r, &m, 100);
	ck_assert_int_eq(tlsi_tls_first_message(r.b, r.n, (uint8_t *)bad, sizeof(bad)),
			 (long)m.n);
	ck_assert(!memcmp(bad, m.b, m.n));
	ck_assert_int_eq(tlsi_tls_first_message(r.b, r.n - 1, (uint8_t *)bad, sizeof(bad)), 0);
	ck_assert_int_eq(tlsi_tls_first_message(r.b, r.n, (uint8_t *)bad, 64), -2);
	r.b[0] = 21;	/* an alert first: no hello */
	ck_assert_int_eq(tlsi_tls_first_message(r.b, r.n, (uint8_t *)bad, sizeof(bad)), -3);
	r.b[0] = 24;
	ck_assert_int_eq(tlsi_tls_first_message(r.b, r.n, (uint8_t *)bad, sizeof(bad)), -1);
}
END_TEST

/* ---- rules on cleartext TLS streams ---------------------------------------------- */

/*
 * Real ET rules: 2025487 (tls.sni endswith), 2028301 (ja3_hash,
 * Metasploit's fingerprint: must stay silent on other clients),
 * 2037959 and 2033157 (ja3s.hash behind a flowbit that ET's client-side
 * "(set)" rules set for fingerprints we cannot reproduce: 1000001 sets
 * them here). 1000002 has ET's ja3.hash rule shape with the published
 * example's hash, 1000003 ja3.string with startswith.
 */
static const char tls_rules[] =
	"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET ADWARE_PUP Observed Win32/Foniad Domain (maraukog .info in TLS SNI)\"; flow:established,to_server; tls.sni; content:\"maraukog.info\"; endswith; classtype:pup-activity; sid:2025487; rev:4;)\n"
	"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET JA3 Hash - Metasploit http scanner (tested: 4.11.5 Kali)\"; ja3_hash; content:\"16f17c896273d1d098314a02e87dd4cb\"; classtype:unknown; sid:2028301; rev:2;)\n"
	"alert tls $EXTERNAL_NET any -> $HOME_NET any (msg:\"ET JA3 HASH - DeimosC2 Agent Activity\"; flowbits:isset,ET.deimosc2.ja3; ja3s.hash; content:\"f4febc55ea12b31ae17cfb7e614afda8\"; reference:url,github.com/DeimosC2/DeimosC2; classtype:bad-unknown; sid:2037959; rev:1;)\n"
	"alert tls $EXTERNAL_NET any -> $HOME_NET any (msg:\"ET JA3 HASH - Possible Cobalt Strike Server\"; flowbits:isset,ET.cobaltstrike.ja3; ja3s.hash; content:\"eb1d94daa7e0344597e756a1fb6e7054\"; classtype:bad-unknown; sid:2033157; rev:1;)\n"
	"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"set\"; flow:established,to_server; ja3.string; content:\"769,\"; startswith; flowbits:set,ET.deimosc2.ja3; flowbits:set,ET.cobaltstrike.ja3; flowbits:noalert; sid:1000001; rev:1;)\n"
	"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"JA3 published example\"; flow:established,to_server; ja3.hash; content:\"2AEF69B4BA1938C3A400DE4188743185\"; sid:1000002; rev:1;)\n"
	"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"JA3 string\"; ja3.string; content:\"769,255-49162-\"; startswith; content:\",23-24-25,0\"; endswith; sid:1000003; rev:1;)\n";

static struct et T;

static void setup(void)
{
	et_load(&T, tls_rules);
}

static void teardown(void)
{
	et_free(&T);
}

static void send_chunks(unsigned int dir, const struct hb *b, size_t chunk)
{
	size_t i;

	for (i = 0; i < b->n; i += chunk)
		et_send(&T, dir, b->b + i, b->n - i < chunk ? b->n - i : chunk);
}

START_TEST(test_rules_client_hello)
{
	static const size_t chunks[] = { 100000, 1, 7, 64 };
	struct hb m = { .n = 0 }, r = { .n = 0 };
	unsigned int i;

	example_hello(&m, "cdn.maraukog.info", 1, 0);
	for (i = 0; i < 4; i++) {
		r.n = 0;
		/* one record, or the handshake message cut into records */
		records(&r, &m, i & 1 ? 50 : 16384);
		et_flow_port(&T, 443);
		send_chunks(TLSI_DIR_TO_SERVER, &r, chunks[i]);
		ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_TLS));
		ET_FIRED_N(&T, 2025487, 1);
		ET_FIRED_N(&T, 1000002, 1);
		ET_FIRED_N(&T, 1000003, 1);
		ET_SILENT(&T, 2028301);
		ET_SILENT(&T, 1000001);	/* noalert */
		ck_assert_uint_eq(T.events, 0);
		/* application data afterwards: nothing more */
		et_send(&T, TLSI_DIR_TO_SERVER, "\x17\x03\x03\x00\x01x", 6);
		ck_assert_uint_eq(T.nalerts, 3);
	}
	/* another client: another fingerprint and server name */
	m.n = 0;
	r.n = 0;
	{
		static const unsigned int c[] = { 4865, 4866, 49195 };

		hello_msg(&m, 1, 771, c, 3, NULL, 0, 0);
	}
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	ck_assert_uint_eq(T.nalerts, 0);
}
END_TEST

START_TEST(test_rules_server_hello)
{
	struct hb m = { .n = 0 }, r = { .n = 0 }, s = { .n = 0 }, sr = { .n = 0 };
	uint8_t cert[3000];
	int first_chunk_big;

	example_hello(&m, "c2.example", 0, 0);
	records(&r, &m, 16384);
	server_hello(&s, 4865, 0);
	records(&sr, &s, 16384);
	/* the server's flight: ServerHello and more handshake records in
	 * one read (beyond the raw window), or the ServerHello alone */
	memset(cert, 0x41, sizeof(cert));
	for (first_chunk_big = 0; first_chunk_big < 2; first_chunk_big++) {
		struct hb flight = sr;

		if (first_chunk_big) {
			put8(&flight, 22);
			put16(&flight, 0x0303);
			put16(&flight, sizeof(cert));
			put_bytes(&flight, cert, sizeof(cert));
		}
		et_flow_port(&T, 443);
		send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
		send_chunks(TLSI_DIR_TO_CLIENT, &flight, 100000);
		ET_FIRED_N(&T, 2037959, 1);
		ET_SILENT(&T, 2033157);	/* the other extension order */
		ck_assert_uint_eq(T.events, 0);
	}
	/* without the client's flowbit the ja3s rule stays silent */
	m.n = 0;
	r.n = 0;
	{
		static const unsigned int c[] = { 4865 };

		hello_msg(&m, 1, 771, c, 1, NULL, 0, 0);
	}
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	send_chunks(TLSI_DIR_TO_CLIENT, &sr, 100000);
	ET_SILENT(&T, 2037959);
	/* key_share first: Cobalt Strike's JA3S */
	s.n = 0;
	sr.n = 0;
	server_hello(&s, 4865, 1);
	records(&sr, &s, 16384);
	m.n = 0;
	r.n = 0;
	example_hello(&m, NULL, 0, 0);
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	send_chunks(TLSI_DIR_TO_CLIENT, &sr, 3);
	ET_FIRED_N(&T, 2033157, 1);
	ET_SILENT(&T, 2037959);
}
END_TEST

START_TEST(test_rules_bad_streams)
{
	struct hb m = { .n = 0 }, r = { .n = 0 };

	/* a ClientHello longer than the raw window, sent in pieces: counted,
	 * not fingerprinted */
	example_hello(&m, "cdn.maraukog.info", 0, 3000);
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 1000);
	ck_assert(T.events & (1u << TLSI_EV_TLS_HELLO_TOO_LONG));
	ck_assert_uint_eq(T.nalerts, 0);
	/* ... in one piece it is whole in the chunk: fingerprinted */
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	ck_assert_uint_eq(T.events, 0);
	ET_FIRED(&T, 2025487);
	ET_SILENT(&T, 1000002);		/* the padding extension changes JA3 */

	/* the server refuses with an alert: no ServerHello, no anomaly */
	m.n = 0;
	r.n = 0;
	example_hello(&m, NULL, 0, 0);
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	et_send(&T, TLSI_DIR_TO_CLIENT, "\x15\x03\x03\x00\x02\x02\x46", 7);
	ck_assert_uint_eq(T.events, 0);

	/* a record that claims a ClientHello but holds garbage */
	m.n = 0;
	r.n = 0;
	put8(&m, 1);
	put8(&m, 0);
	put16(&m, 10);
	put_bytes(&m, "0123456789", 10);
	records(&r, &m, 16384);
	et_flow_port(&T, 443);
	send_chunks(TLSI_DIR_TO_SERVER, &r, 100000);
	ck_assert(T.events & (1u << TLSI_EV_TLS_MALFORMED));
	ck_assert_uint_eq(T.nalerts, 0);

	/* not TLS at all: no TLS app, no events */
	et_flow_port(&T, 443);
	et_req(&T, "GET / HTTP/1.1\r\nHost: cdn.maraukog.info\r\n\r\n");
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_TLS)));
	ck_assert_uint_eq(T.events, 0);
	ck_assert_uint_eq(T.nalerts, 0);
}
END_TEST

/* The host's ClientHello (intercepted sessions): tlsi_eng_tls(). */
START_TEST(test_rules_host_client_hello)
{
	struct tlsi_eng_tls_info ti;
	struct hb m = { .n = 0 };

	example_hello(&m, "x.example", 1, 0);
	memset(&ti, 0, sizeof(ti));
	ti.client_hello = m.b;
	ti.client_hello_len = (uint32_t)m.n;
	et_flow_port(&T, 443);
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_FIRED_N(&T, 1000002, 1);
	ET_FIRED_N(&T, 1000003, 1);
	/* malformed: counted, nothing fires */
	ti.client_hello_len = 20;
	et_flow_port(&T, 443);
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ck_assert(T.events & (1u << TLSI_EV_TLS_MALFORMED));
	ck_assert_uint_eq(T.nalerts, 0);
}
END_TEST

/* tls.version (Suricata's): the ClientHello's legacy version to_server,
 * the ServerHello's (or the one its supported_versions selects)
 * to_client; TLS 1.3 drafts count as 1.3 unless written raw. */
static const char version_rules[] =
	"alert tls any any -> any any (msg:\"client 1.0\"; flow:to_server; tls.version:1.0; sid:1001;)\n"
	"alert tls any any -> any any (msg:\"client 1.2\"; flow:to_server; tls.version:\"1.2\"; sid:1002;)\n"
	"alert tls any any -> any any (msg:\"server 1.3\"; flow:to_client; tls.version:1.3; sid:1003;)\n"
	"alert tls any any -> any any (msg:\"server 1.2\"; flow:to_client; tls.version:1.2; sid:1004;)\n"
	"alert tls any any -> any any (msg:\"server draft 28\"; flow:to_client; tls.version:0x7f1c; sid:1005;)\n";

static void version_flow(struct et *t, const struct hb *client, const struct hb *server)
{
	struct hb r = { .n = 0 };

	et_flow_port(t, 443);
	records(&r, client, 16384);
	et_send(t, TLSI_DIR_TO_SERVER, r.b, r.n);
	if (server) {
		r.n = 0;
		records(&r, server, 16384);
		et_send(t, TLSI_DIR_TO_CLIENT, r.b, r.n);
	}
}

START_TEST(test_tls_version)
{
	static const unsigned int c[] = { 4865, 49195 };
	static const uint8_t draft[] = { 0x7f, 0x1c };
	const struct ext dext = { 43, draft, sizeof(draft) };
	unsigned int cipher = 4865;
	struct hb c10 = { .n = 0 }, c12 = { .n = 0 }, s13 = { .n = 0 }, s12 = { .n = 0 },
		  sd = { .n = 0 };
	struct tlsi_eng_tls_info ti;
	struct et t;

	et_load(&t, version_rules);
	example_hello(&c10, "x.example", 0, 0);		/* 0x0301 */
	hello_msg(&c12, 1, 0x0303, c, 2, NULL, 0, 0);
	server_hello(&s13, 4865, 0);			/* 0x0303, selects 0x0304 */
	hello_msg(&s12, 0, 0x0303, &cipher, 1, NULL, 0, 0);
	hello_msg(&sd, 0, 0x0303, &cipher, 1, &dext, 1, 0);

	version_flow(&t, &c10, &s13);
	ET_FIRED_N(&t, 1001, 1);
	ET_SILENT(&t, 1002);
	ET_FIRED_N(&t, 1003, 1);
	ET_SILENT(&t, 1004);		/* its legacy 1.2 is not what counts */
	ET_SILENT(&t, 1005);
	version_flow(&t, &c12, &s12);
	ET_FIRED_N(&t, 1002, 1);
	ET_FIRED_N(&t, 1004, 1);
	ET_SILENT(&t, 1003);
	version_flow(&t, &c12, &sd);
	ET_FIRED_N(&t, 1003, 1);	/* a draft is 1.3 */
	ET_FIRED_N(&t, 1005, 1);	/* and itself, written raw */
	/* no hello yet: no version */
	et_flow_port(&t, 443);
	et_send(&t, TLSI_DIR_TO_CLIENT, "\x16\x03\x03", 3);
	ck_assert_uint_eq(t.nalerts, 0);
	/* an intercepted session: the host's ClientHello */
	memset(&ti, 0, sizeof(ti));
	ti.client_hello = c10.b;
	ti.client_hello_len = (uint32_t)c10.n;
	et_flow_port(&t, 443);
	tlsi_eng_tls(&t.ctx, t.f, &ti);
	ET_FIRED_N(&t, 1001, 1);
	ck_assert_uint_eq(t.nalerts, 1);
	et_free(&t);

	et_load_mode(&t, "alert tls any any -> any any (tls.version:1.4; sid:1;)\n"
		     "alert tls any any -> any any (tls.version:0x303; sid:2;)\n"
		     "alert tls any any -> any any (tls.version:0xgg03; sid:3;)\n"
		     "alert http any any -> any any (tls.version:1.2; sid:4;)\n"
		     "alert tls any any -> any any (tls.version:1.2; content:\"|16 03|\"; sid:5;)\n"
		     "alert tls any any -> any any (tls.version:1.2; tls.version:1.3; sid:6;)\n"
		     "alert tls any any -> any any (tls.version:0x0303; tls.sni; content:\"a\"; sid:7;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 6);
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

/* Suricata's checks on ja3.hash contents. */
START_TEST(test_parse_ja3_hash)
{
	struct et t;

	et_load_mode(&t, "alert tls any any -> any any (msg:\"short\"; ja3.hash; content:\"abc\"; sid:1;)\n"
		     "alert tls any any -> any any (msg:\"mixed\"; ja3_hash; content:\"2aef69b4ba1938c3a400de4188743185\"; tls.cert_subject; content:\"x\"; sid:2;)\n"
		     "alert http any any -> any any (msg:\"http\"; ja3.string; content:\"771\"; sid:3;)\n"
		     "alert tls any any -> any any (msg:\"ok\"; ja3s.string; content:\"771,\"; sid:4;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 3);
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

/*
 * JA4 known answers: ClientHellos of FoxIO-LLC/ja4's test captures (pcap/,
 * handshake messages without their record headers) and the JA4 its
 * python/test/testdata gives for them.
 */
static const struct { const char *hex, *ja4; } ja4_known[] = {
	/* tls-alpn-h2.pcap (www.cloudflare.com): TLS 1.2, 46 ciphers, ALPN h2 */
	{ "010000e40303858226c04fbaeddef4246093b4cfdab38f9dcfef145360e41768"
	  "6575cac49c7000005cc030c02cc028c024c014c00a009f006b0039cca9cca8cc"
	  "aaff8500c400880081009d003d003500c00084c02fc02bc027c023c013c00900"
	  "9e0067003300be0045009c003c002f00ba0041c011c00700050004c012c00800"
	  "16000a00ff0100005f0000001700150000127777772e636c6f7564666c617265"
	  "2e636f6d000b00020100000a00080006001d00170018000d001c001a06010603"
	  "efef0501050304010403eeeeeded03010303020102030010000e000c02683208"
	  "687474702f312e31"
	  , "t12d4605h2_85626a9a5f7f_aaf95bb78ec9" },
	/* latest.pcapng (discovery.cem.cloud.us): TLS 1.2, no ALPN */
	{ "010000b4030364960ddb84e92e8d5a9be477e2f7112257269dc7421437937328"
	  "13c25ec65af0000026c02cc02bc030c02fc024c023c028c027c00ac009c014c0"
	  "13009d009c003d003c0035002f000a010000650000001b001900001664697363"
	  "6f766572792e63656d2e636c6f75642e7573000500050100000000000a000800"
	  "06001d00170018000b00020100000d001a001808040805080604010501020104"
	  "03050302030202060106030023000000170000ff01000100"
	  , "t12d190800_d83cc789557e_7af1ed941c26" },
	/* tls-non-ascii-alpn.pcapng: first ALPN 0xba 0xad. FoxIO's testdata and Rust
	 * snapshot say "99" (an older rule); its JA4.md and Suricata 7 take the
	 * outer hex digits: "bd" */
	{ "010001fc03030f9e38acb9a54a7c6e00e29a70ac2feee180ff76d7f25dca8493"
	  "2a66a42d1e5a20bc58b92f865e6b9aa4a6371cadcb0afe1da1c0f705209a11d5"
	  "2357f56d5dd9620020aaaa130113021303c02bc02fc02cc030cca9cca8c013c0"
	  "14009c009d002f0035010001939a9a0000ff010001000033002b00290a0a0001"
	  "00001d0020cf55af2603e92f59eb321779706a18fa6b96b16c16404c2264ed68"
	  "7a59401878002d00020101000500050100000000446900050003026832000d00"
	  "120010040308040401050308050501080606010010000e000c02baad08687474"
	  "702f312e3100230000001b0003020002002b0007060a0a030403030000002200"
	  "2000001d636c69656e7473657276696365732e676f6f676c65617069732e636f"
	  "6d00120000000a000a00080a0a001d0017001800170000000b000201006a6a00"
	  "0100001500ba0000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  , "t13d1516bd_8daaf6152771_e5627efa2ab1" },
	/* tls-sni.pcapng (clientservices.googleapis.com): Chrome, GREASE, the
	 * JA4.md example */
	{ "010001fc03030f9e38acb9a54a7c6e00e29a70ac2feee180ff76d7f25dca8493"
	  "2a66a42d1e5a20bc58b92f865e6b9aa4a6371cadcb0afe1da1c0f705209a11d5"
	  "2357f56d5dd9620020aaaa130113021303c02bc02fc02cc030cca9cca8c013c0"
	  "14009c009d002f0035010001939a9a0000ff010001000033002b00290a0a0001"
	  "00001d0020cf55af2603e92f59eb321779706a18fa6b96b16c16404c2264ed68"
	  "7a59401878002d00020101000500050100000000446900050003026832000d00"
	  "120010040308040401050308050501080606010010000e000c02683208687474"
	  "702f312e3100230000001b0003020002002b0007060a0a030403030000002200"
	  "2000001d636c69656e7473657276696365732e676f6f676c65617069732e636f"
	  "6d00120000000a000a00080a0a001d0017001800170000000b000201006a6a00"
	  "0100001500ba0000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  , "t13d1516h2_8daaf6152771_e5627efa2ab1" },
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned int v;

		ck_assert(n < cap);
		ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* JA4 of message m (0 if it has one, else -1), as a NUL-terminated string. */
static int ja4_of(const struct hb *m, char out[TLSI_JA4_LEN + 1])
{
	static uint16_t work[TLSI_TLS_MSG_MAX];
	int rc = tlsi_tls_ja4(m->b, m->n, work, m->n / 2, out);

	out[rc ? 0 : TLSI_JA4_LEN] = 0;
	return rc;
}

static void check_sha256(const char *in, const char *want)
{
	char got[65] = { 0 };

	tlsi_sha256_hex(in, strlen(in), got);
	ck_assert_str_eq(got, want);
}

/* FIPS 180-2 appendix B's vectors, and one of a block and a byte */
START_TEST(test_sha256)
{
	char a65[66];

	check_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(a65, 'a', 65);
	a65[65] = 0;
	check_sha256(a65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}
END_TEST

START_TEST(test_ja4_known)
{
	unsigned int i;

	for (i = 0; i < sizeof(ja4_known) / sizeof(ja4_known[0]); i++) {
		struct hb m = { .n = 0 };
		char got[TLSI_JA4_LEN + 1];

		m.n = unhex(ja4_known[i].hex, m.b, sizeof(m.b));
		ck_assert_int_eq(ja4_of(&m, got), 0);
		ck_assert_str_eq(got, ja4_known[i].ja4);
	}
}
END_TEST

/* A ClientHello of version v with ciphers c and extensions e. */
static void ja4_hello(struct hb *m, unsigned int v, const unsigned int *c, size_t nc,
		      const struct ext *e, size_t ne)
{
	m->n = 0;
	hello_msg(m, 1, v, c, nc, e, ne, 0);
}

/* The parts of JA4 one at a time, on built hellos; the hashes computed
 * with Python's hashlib from the strings in the comments. */
START_TEST(test_ja4_fields)
{
	static const unsigned int one[] = { 0x1301 };
	static const unsigned int suri[] = { 0x1111, 0x0a20, 0xbada };
	static const uint8_t sv13[] = { 6, 0x3a, 0x3a, 3, 4, 3, 3 }, sv_draft[] = { 2, 0x7f, 0x1c },
			     sv10[] = { 2, 3, 1 };
	static const uint8_t sigs[] = { 0, 8, 4, 3, 8, 4, 0x0a, 0x0a, 4, 1 },
			     sigs2[] = { 0, 6, 8, 4, 4, 3, 4, 1 }, sigs_odd[] = { 0, 3, 4, 3, 8 };
	static const struct { uint8_t body[10]; size_t len; const char *want; } alpns[] = {
		/* Suricata 7's rust/src/ja4.rs tests, and JA4.md's examples */
		{ { 0, 2, 1, 'b' }, 4, "bb" },
		{ { 0, 3, 2, 'h', '2' }, 5, "h2" },
		{ { 0, 7, 3, 'h', '3', '9', 2, 'h', '2' }, 9, "h9" },	/* the first */
		{ { 0, 3, 2, 0x2a, 0x2a }, 5, "00" },		/* GREASE */
		{ { 0, 2, 1, 0xab }, 4, "ab" },
		{ { 0, 3, 2, 0xab, 0xcd }, 5, "ad" },
		{ { 0, 3, 2, 0x30, 0xab }, 5, "3b" },
		{ { 0, 5, 4, 0x30, 0x31, 0xab, 0xcd }, 7, "3d" },
		{ { 0, 5, 4, 0x30, 0xab, 0xcd, 0x31 }, 7, "01" },
		{ { 0, 3, 0, 1, 'x' }, 5, "00" },		/* first one empty */
		{ { 0, 3, 5, 'h', '2' }, 5, "00" },		/* runs past the list */
		{ { 0 }, 0, "00" },				/* empty extension */
	};
	unsigned int many[120];
	struct hb m = { .n = 0 };
	char got[TLSI_JA4_LEN + 1];
	struct ext e[3];
	unsigned int i;

	/* nothing at all: Suricata's empty JA4 (hashes of "" and "_") */
	ja4_hello(&m, 0x0303, NULL, 0, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t12i000000_e3b0c44298fc_d2e2adf7177b");
	/* ciphers sorted: "0a20,1111,bada" (Suricata's test value) */
	ja4_hello(&m, 0x0303, suri, 3, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t12i030000_f500716053f9_d2e2adf7177b");
	/* the JA3 example with GREASE: GREASE out of every count and list;
	 * "000a,000b,0023_" (SNI out of the hash, in the count) */
	m.n = 0;
	example_hello(&m, "x.example", 1, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t10d360400_77f462745360_185d58148c9c");
	m.n = 0;
	example_hello(&m, NULL, 0, 0);		/* an empty server_name: still d */
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t10d360400_77f462745360_185d58148c9c");
	/* no server_name: i */
	ja4_hello(&m, 0x0303, one, 1, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t12i010000_0f2cb44170f4_d2e2adf7177b");
	/* signature algorithms in their order, GREASE out:
	 * "000d_0403,0804,0401" and "000d_0804,0403,0401" */
	e[0] = (struct ext){ 13, sigs, sizeof(sigs) };
	ja4_hello(&m, 0x0303, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t12i010100_0f2cb44170f4_6e046beb9a6e");
	e[0] = (struct ext){ 13, sigs2, sizeof(sigs2) };
	ja4_hello(&m, 0x0303, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert_str_eq(got, "t12i010100_0f2cb44170f4_c9c820075e28");
	/* a malformed signature_algorithms: no JA4 (Suricata: invalid) */
	e[0] = (struct ext){ 13, sigs_odd, sizeof(sigs_odd) };
	ja4_hello(&m, 0x0303, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), -1);
	/* versions: the higher of legacy_version and the first known
	 * supported_versions entry; drafts and unknown ones are 00 */
	e[0] = (struct ext){ 43, sv13, sizeof(sv13) };
	ja4_hello(&m, 0x0303, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "t13i0101", 8));
	e[0] = (struct ext){ 43, sv_draft, sizeof(sv_draft) };
	ja4_hello(&m, 0x0303, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "t00i0101", 8));
	e[0] = (struct ext){ 43, sv10, sizeof(sv10) };
	ja4_hello(&m, 0x0302, one, 1, e, 1);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "t11i0101", 8));
	ja4_hello(&m, 0x0300, one, 1, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "ts3i0100", 8));
	ja4_hello(&m, 0x0200, one, 1, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "t00i0100", 8));
	/* counts stop at 99 */
	for (i = 0; i < 120; i++)
		many[i] = 0x0100 + i;
	ja4_hello(&m, 0x0303, many, 120, NULL, 0);
	ck_assert_int_eq(ja4_of(&m, got), 0);
	ck_assert(!strncmp(got, "t12i9900", 8));
	/* ALPN: the first protocol's first and last characters */
	for (i = 0; i < sizeof(alpns) / sizeof(alpns[0]); i++) {
		e[0] = (struct ext){ 16, alpns[i].body, alpns[i].len };
		ja4_hello(&m, 0x0303, one, 1, e, 1);
		ck_assert_int_eq(ja4_of(&m, got), 0);
		ck_assert_msg(!strncmp(got + 4, "0101", 4), "%s", got);
		ck_assert_msg(!strncmp(got + 8, alpns[i].want, 2), "ALPN case %u: %s", i, got);
		/* ALPN is out of the extension hash */
		ck_assert_str_eq(got + 10, "_0f2cb44170f4_d2e2adf7177b");
	}
	/* not a ClientHello, cut short, or too little work space: none */
	m.n = 0;
	server_hello(&m, 4865, 0);
	ck_assert_int_eq(ja4_of(&m, got), -1);
	m.n = 0;
	example_hello(&m, "x.example", 1, 0);
	m.n -= 3;
	ck_assert_int_eq(ja4_of(&m, got), -1);
	m.n = 0;
	example_hello(&m, "x.example", 1, 0);
	{
		uint16_t work[40];

		ck_assert_int_eq(tlsi_tls_ja4(m.b, m.n, work, 36, got), -1);
		ck_assert_int_eq(tlsi_tls_ja4(m.b, m.n, work, 40, got), 0);
	}
}
END_TEST

/* ja4.hash rules: on a ClientHello in the clear and on the host's. */
START_TEST(test_rules_ja4)
{
	static const char rules[] =
		"alert tls any any -> any any (msg:\"ja4 a\"; ja4.hash; content:\"t13d1516h2_8daaf6152771_e5627efa2ab1\"; sid:1;)\n"
		"alert tls any any -> any any (msg:\"ja4 prefix\"; flow:to_server; ja4_hash; content:\"t13d\"; startswith; sid:2;)\n"
		"alert tls any any -> any any (msg:\"ja4 b\"; ja4.hash; content:\"_8daaf6152771_\"; sid:3;)\n"
		"alert tls any any -> any any (msg:\"ja4 12\"; ja4.hash; content:\"t12d4605h2_85626a9a5f7f_aaf95bb78ec9\"; sid:4;)\n"
		"alert tls any any -> any any (msg:\"case\"; ja4.hash; content:\"T13D1516H2\"; sid:5;)\n"
		"alert tls any any -> any any (msg:\"nocase\"; ja4.hash; content:\"T13D1516H2\"; nocase; sid:6;)\n";
	struct tlsi_eng_tls_info ti;
	struct hb m = { .n = 0 }, r = { .n = 0 };
	struct et t;

	et_load(&t, rules);
	m.n = unhex(ja4_known[3].hex, m.b, sizeof(m.b));
	records(&r, &m, 100);
	et_flow_port(&t, 443);
	et_send(&t, TLSI_DIR_TO_SERVER, r.b, r.n);
	ET_FIRED_N(&t, 1, 1);
	ET_FIRED_N(&t, 2, 1);
	ET_FIRED_N(&t, 3, 1);
	ET_SILENT(&t, 4);
	ET_SILENT(&t, 5);
	ET_FIRED_N(&t, 6, 1);
	/* the host's ClientHello (an intercepted session) */
	m.n = unhex(ja4_known[0].hex, m.b, sizeof(m.b));
	memset(&ti, 0, sizeof(ti));
	ti.client_hello = m.b;
	ti.client_hello_len = (uint32_t)m.n;
	et_flow_port(&t, 443);
	tlsi_eng_tls(&t.ctx, t.f, &ti);
	ET_FIRED_N(&t, 4, 1);
	ck_assert_uint_eq(t.nalerts, 1);
	/* a hello without a JA4 (malformed signature algorithms): JA3 still */
	et_free(&t);
	et_load(&t, "alert tls any any -> any any (ja4.hash; content:\"t\"; sid:7;)\n"
		    "alert tls any any -> any any (ja3.string; content:\"771,\"; sid:8;)\n");
	{
		static const unsigned int one[] = { 0x1301 };
		static const uint8_t sigs_odd[] = { 0, 3, 4, 3, 8 };
		const struct ext e = { 13, sigs_odd, sizeof(sigs_odd) };

		ja4_hello(&m, 0x0303, one, 1, &e, 1);
	}
	r.n = 0;
	records(&r, &m, 16384);
	et_flow_port(&t, 443);
	et_send(&t, TLSI_DIR_TO_SERVER, r.b, r.n);
	ET_SILENT(&t, 7);
	ET_FIRED_N(&t, 8, 1);
	et_free(&t);
	/* as Suricata: a TLS buffer, to_server */
	et_load_mode(&t, "alert http any any -> any any (ja4.hash; content:\"t13\"; sid:1;)\n"
		     "alert tls any any -> any any (flow:to_client; ja4.hash; content:\"t13\"; sid:2;)\n"
		     "alert tls any any -> any any (ja4.hash; content:\"t13\"; tls.cert_subject; content:\"x\"; sid:3;)\n"
		     "alert tls any any -> any any (ja4.hash; content:\"t13\"; tls.sni; content:\"x\"; sid:4;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 3);
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_tls");
	TCase *tc = tcase_create("hello");
	TCase *tr = tcase_create("rules");

	tcase_add_test(tc, test_md5);
	tcase_add_test(tc, test_ja3_published_example);
	tcase_add_test(tc, test_ja3s_published);
	tcase_add_test(tc, test_hello_malformed);
	tcase_add_test(tc, test_parse_ja3_hash);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_ja4_known);
	tcase_add_test(tc, test_ja4_fields);
	tcase_add_test(tc, test_rules_ja4);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, test_rules_client_hello);
	tcase_add_test(tr, test_rules_server_hello);
	tcase_add_test(tr, test_rules_bad_streams);
	tcase_add_test(tr, test_rules_host_client_hello);
	tcase_add_test(tc, test_tls_version);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
