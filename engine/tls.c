// SPDX-License-Identifier: GPL-2.0
/*
 * TLS handshakes in the clear: the ClientHello and ServerHello of a TLS
 * stream the engine sees undecrypted (a cleartext-inspected port that
 * carries TLS), and the ClientHello a host hands over with the session
 * (struct tlsi_eng_tls_info). From them come the JA3 and JA3S
 * fingerprints (ja3.hash, ja3.string, ja3s.hash, ja3s.string) with
 * Suricata's meaning, tls.version (the hello's version; a ServerHello's
 * supported_versions choice wins), and, on the cleartext path, tls.sni.
 *
 * JA3 (github.com/salesforce/ja3): the decimal fields
 *   legacy_version,ciphers,extensions,supported_groups,ec_point_formats
 * of the ClientHello, list items joined by '-', GREASE values (RFC 8701)
 * left out of the first three lists; ja3.hash is its MD5 in lower-case
 * hex. JA3S: legacy_version,cipher,extensions of the ServerHello.
 *
 * The decoder does not buffer anything of its own: while a direction has
 * sent no more than TLSI_ENG_WINDOW bytes, the raw stream's window holds
 * all of it, and the hello is parsed from there once its handshake
 * message is complete (it may span records and chunks). A hello that
 * does not fit raises TLSI_EV_TLS_HELLO_TOO_LONG, a malformed one
 * TLSI_EV_TLS_MALFORMED; either way the direction is not fingerprinted
 * and the raw stream is inspected as before.
 */
#include "compat.h"
#include "engine.h"

/* ---- message digests ----------------------------------------------------------- */

/* MD5 and SHA-256 share their framing: 64-byte blocks, then a 0x80 byte,
 * zeros and the message's length in bits (little-endian for MD5,
 * big-endian for SHA-256). Only the block function and the state differ. */
struct md_state {
	uint32_t h[8];			/* MD5 uses 4 */
	uint64_t len;
	uint8_t buf[64];
	void (*block)(uint32_t *h, const uint8_t *p);
};

static void md_update(struct md_state *m, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t have = (size_t)(m->len % 64);

	m->len += n;
	if (have) {
		size_t take = TLSI_ENG_MIN(n, 64 - have);

		memcpy(m->buf + have, p, take);
		p += take;
		n -= take;
		if (have + take < 64)
			return;
		m->block(m->h, m->buf);
	}
	for (; n >= 64; p += 64, n -= 64)
		m->block(m->h, p);
	memcpy(m->buf, p, n);
}

static void md_pad(struct md_state *m, int big_endian)
{
	static const uint8_t pad[64] = { 0x80 };
	uint64_t bits = m->len * 8;
	uint8_t lenb[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (8 * (big_endian ? 7 - i : i)));
	md_update(m, pad, 1 + (size_t)((119 - m->len % 64) % 64));
	md_update(m, lenb, 8);
}

/* ---- MD5 (RFC 1321) ------------------------------------------------------------ */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const uint8_t md5_r[16] = {
	7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21,
};

static void md5_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		uint32_t fv, t;
		unsigned int g, s = md5_r[(i / 16) * 4 + i % 4];

		if (i < 16) {
			fv = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			fv = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			fv = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			fv = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		fv += a + md5_k[i] + w[g];
		b += (fv << s) | (fv >> (32 - s));
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

static void md5_init(struct md_state *m)
{
	m->h[0] = 0x67452301;
	m->h[1] = 0xefcdab89;
	m->h[2] = 0x98badcfe;
	m->h[3] = 0x10325476;
	m->len = 0;
	m->block = md5_block;
}

static void md5_final(struct md_state *m, uint8_t out[16])
{
	unsigned int i;

	md_pad(m, 0);
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(m->h[i / 4] >> (8 * (i % 4)));
}

void tlsi_md5_hex(const void *p, size_t n, char out[32])
{
	static const char hex[] = "0123456789abcdef";
	struct md_state m;
	uint8_t d[16];
	unsigned int i;

	md5_init(&m);
	md_update(&m, p, n);
	md5_final(&m, d);
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
}

/* ---- SHA-256 (FIPS 180-4), for JA4's hashes -------------------------------------- */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32v(uint32_t x, unsigned int n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror32v(w[i - 15], 7) ^ ror32v(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       (ror32v(w[i - 2], 17) ^ ror32v(w[i - 2], 19) ^ (w[i - 2] >> 10));
	memcpy(v, h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror32v(v[4], 6) ^ ror32v(v[4], 11) ^ ror32v(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		t2 = (ror32v(v[0], 2) ^ ror32v(v[0], 13) ^ ror32v(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
}

static void sha256_init(struct md_state *m)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(m->h, iv, sizeof(iv));
	m->len = 0;
	m->block = sha256_block;
}

/* The first `digits' hex digits of the digest, lower-case. */
static void sha256_hex(struct md_state *m, char *out, unsigned int digits)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	md_pad(m, 1);
	for (i = 0; i < digits && i < 64; i++)
		out[i] = hex[(m->h[i / 8] >> (28 - 4 * (i % 8))) & 15];
}

void tlsi_sha256_hex(const void *p, size_t n, char out[64])
{
	struct md_state m;

	sha256_init(&m);
	md_update(&m, p, n);
	sha256_hex(&m, out, 64);
}

/* ---- hello parsing ------------------------------------------------------------- */

#define TLS_CT_CCS		20
#define TLS_CT_HANDSHAKE	22
#define TLS_CT_APPDATA		23
#define TLS_HS_CLIENT_HELLO	1
#define TLS_HS_SERVER_HELLO	2
#define TLS_EXT_SNI		0
#define TLS_EXT_GROUPS		10
#define TLS_EXT_POINT_FORMATS	11
#define TLS_EXT_SUPPORTED_VERSIONS 43

struct rd {
	const uint8_t *p;
	size_t n;
	int bad;
};

static uint32_t rd_u(struct rd *r, unsigned int bytes)
{
	uint32_t v = 0;
	unsigned int i;

	if (r->bad || r->n < bytes) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v = v << 8 | r->p[i];
	r->p += bytes;
	r->n -= bytes;
	return v;
}

/* A length-prefixed vector as a reader of its own. */
static struct rd rd_vec(struct rd *r, unsigned int lenbytes)
{
	struct rd v = { 0 };
	uint32_t len = rd_u(r, lenbytes);

	if (r->bad || r->n < len) {
		r->bad = 1;
		v.bad = 1;
		return v;
	}
	v.p = r->p;
	v.n = len;
	r->p += len;
	r->n -= len;
	return v;
}

static int is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Bounded text output: cap is checked before every item. */
struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void out_num(struct out *o, char sep, uint32_t v)
{
	char tmp[12];
	unsigned int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (o->len + n + 1 > o->cap) {
		o->full = 1;
		return;
	}
	if (sep)
		o->p[o->len++] = sep;
	while (n)
		o->p[o->len++] = tmp[--n];
}

/* The items of vector v (each isize bytes), joined by '-'. */
static void out_list(struct out *o, struct rd v, unsigned int isize, int grease)
{
	int first = 1;

	while (v.n >= isize && !v.bad) {
		uint32_t x = rd_u(&v, isize);

		if (grease && is_grease(x))
			continue;
		out_num(o, first ? 0 : '-', x);
		first = 0;
	}
	if (v.n)
		v.bad = 1;
}

static void out_char(struct out *o, char ch)
{
	if (o->len + 1 > o->cap) {
		o->full = 1;
		return;
	}
	o->p[o->len++] = ch;
}

int tlsi_tls_hello(const uint8_t *msg, size_t len, char *fp, size_t cap,
		   struct tlsi_tls_hello *h)
{
	struct rd r = { .p = msg, .n = len };
	struct rd ciphers = { 0 }, exts, groups = { 0 }, formats = { 0 };
	struct out o = { .p = fp, .cap = cap };
	uint32_t type, mlen, version, cipher = 0;
	int client, first;

	memset(h, 0, sizeof(*h));
	type = rd_u(&r, 1);
	mlen = rd_u(&r, 3);
	if (r.bad || r.n < mlen ||
	    (type != TLS_HS_CLIENT_HELLO && type != TLS_HS_SERVER_HELLO))
		return -1;
	r.n = mlen;
	client = type == TLS_HS_CLIENT_HELLO;
	version = rd_u(&r, 2);
	rd_u(&r, 32);			/* random */
	rd_vec(&r, 1);			/* session id */
	if (client) {
		ciphers = rd_vec(&r, 2);
		rd_vec(&r, 1);		/* compression methods */
	} else {
		cipher = rd_u(&r, 2);
		rd_u(&r, 1);		/* compression method */
	}
	if (r.bad || (client && (ciphers.n & 1)))
		return -1;
	/* extensions may be absent altogether (SSLv3, early TLS) */
	exts = r.n ? rd_vec(&r, 2) : (struct rd){ 0 };
	if (r.bad || r.n)
		return -1;

	h->client = (uint8_t)client;
	h->version = (uint16_t)version;
	out_num(&o, 0, version);
	out_char(&o, ',');
	if (client)
		out_list(&o, ciphers, 2, 1);
	else
		out_num(&o, 0, cipher);
	out_char(&o, ',');
	first = 1;
	while (exts.n && !exts.bad) {
		uint32_t et = rd_u(&exts, 2);
		struct rd body = rd_vec(&exts, 2);

		if (exts.bad)
			return -1;
		if (!is_grease(et)) {
			out_num(&o, first ? 0 : '-', et);
			first = 0;
		}
		if (!client) {
			/* TLS 1.3: the version the server chose */
			if (et == TLS_EXT_SUPPORTED_VERSIONS && body.n == 2)
				h->selected = (uint16_t)rd_u(&body, 2);
			continue;
		}
		if (et == TLS_EXT_GROUPS) {
			groups = rd_vec(&body, 2);
		} else if (et == TLS_EXT_POINT_FORMATS) {
			formats = rd_vec(&body, 1);
		} else if (et == TLS_EXT_SNI && !h->sni) {
			struct rd list = rd_vec(&body, 2);

			/* the first name of type host_name */
			while (list.n && !list.bad && !h->sni) {
				uint32_t nt = rd_u(&list, 1);
				struct rd name = rd_vec(&list, 2);

				if (!list.bad && nt == 0 && name.n) {
					h->sni = name.p;
					h->sni_len = (uint16_t)name.n;
				}
			}
		}
	}
	if (exts.bad || groups.bad || formats.bad || (groups.n & 1))
		return -1;
	if (client) {
		out_char(&o, ',');
		out_list(&o, groups, 2, 1);
		out_char(&o, ',');
		out_list(&o, formats, 1, 0);
	}
	if (o.full)
		return -2;
	h->fp_len = (uint32_t)o.len;
	tlsi_md5_hex(fp, o.len, h->hash);
	return 0;
}

/* ---- JA4 ------------------------------------------------------------------------ */

#define TLS_EXT_SIG_ALGS	13
#define TLS_EXT_ALPN		16

/* Suricata's TLSVersionValid(): the versions a supported_versions entry
 * may name to count (TLS 1.3 drafts included, GREASE and noise not). */
static int ja4_version_known(uint32_t v)
{
	return (v >= 0x0300 && v <= 0x0304) || v == 0x7f01 ||
	       (v >= 0x7f10 && v <= 0x7f1c) || (v >= 0xfb14 && v <= 0xfb17) ||
	       v == 0xfb1a;
}

static const char *ja4_version_code(uint32_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	}
	return "00";			/* none, SSL 2, drafts */
}

static int ja4_alnum(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= 'a' && ch <= 'z');
}

/* Heapsort: no recursion, no memory, O(n log n) on hostile lists. */
static void sort_u16(uint16_t *a, size_t n)
{
	size_t start = n / 2, end = n;

	while (end > 1) {
		size_t root, child;
		uint16_t t;

		if (start) {
			start--;
		} else {
			end--;
			t = a[end];
			a[end] = a[0];
			a[0] = t;
		}
		for (root = start; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && a[child] < a[child + 1])
				child++;
			if (a[root] >= a[child])
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
		}
	}
}

/* One item as 4 lower-case hex digits, after a ',' unless first. */
static void sha256_item(struct md_state *m, uint16_t v, int first)
{
	static const char hex[] = "0123456789abcdef";
	char t[5] = { ',', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15] };

	md_update(m, first ? t + 1 : t, first ? 4 : 5);
}

static void sha256_list(struct md_state *m, const uint16_t *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sha256_item(m, a[i], i == 0);
}

static void two_digits(char *o, size_t n)
{
	n = TLSI_ENG_MIN(n, (size_t)99);
	o[0] = (char)('0' + n / 10);
	o[1] = (char)('0' + n % 10);
}

int tlsi_tls_ja4(const uint8_t *msg, size_t len, uint16_t *work, size_t nwork,
		 char out[TLSI_JA4_LEN])
{
	static const char hex[] = "0123456789abcdef";
	struct rd r = { .p = msg, .n = len }, ciphers, exts = { 0 };
	size_t nc = 0, ne = 0, ns = 0, next = 0, i;
	uint32_t mlen, version;
	char alpn[2] = { '0', '0' };
	struct md_state m;
	int sni = 0;

	if (rd_u(&r, 1) != TLS_HS_CLIENT_HELLO)
		return -1;
	mlen = rd_u(&r, 3);
	if (r.bad || r.n < mlen)
		return -1;
	r.n = mlen;
	version = rd_u(&r, 2);
	if (is_grease(version))
		version = 0;
	rd_u(&r, 32);			/* random */
	rd_vec(&r, 1);			/* session id */
	ciphers = rd_vec(&r, 2);
	rd_vec(&r, 1);			/* compression methods */
	if (r.n)
		exts = rd_vec(&r, 2);
	if (r.bad || r.n || (ciphers.n & 1) || ciphers.n / 2 > nwork)
		return -1;
	while (ciphers.n) {
		uint32_t v = rd_u(&ciphers, 2);

		if (!is_grease(v))
			work[nc++] = (uint16_t)v;
	}
	/* work: ciphers, then the hashed extensions, then signature
	 * algorithms at the end, growing down; each item takes at least 2
	 * bytes of the message, so nwork >= len / 2 always suffices */
	while (exts.n) {
		uint32_t et = rd_u(&exts, 2);
		struct rd body = rd_vec(&exts, 2);

		if (exts.bad)
			return -1;
		if (is_grease(et))
			continue;
		next++;
		if (et == TLS_EXT_SNI) {
			sni = 1;
			continue;
		}
		if (et == TLS_EXT_ALPN) {
			struct rd list;
			uint32_t plen;

			if (!body.n)
				continue;
			list = rd_vec(&body, 2);
			plen = rd_u(&list, 1);
			if (body.bad || list.bad || plen > list.n || !plen)
				continue;	/* Suricata: no first value */
			/* the first protocol: its first and last characters,
			 * a GREASE value of two bytes left out, anything not
			 * alphanumeric as the outer hex digits */
			if (plen == 2 && is_grease((uint32_t)list.p[0] << 8 | list.p[1]))
				continue;
			if (ja4_alnum(list.p[0]) && ja4_alnum(list.p[plen - 1])) {
				alpn[0] = (char)list.p[0];
				alpn[1] = (char)list.p[plen - 1];
			} else {
				alpn[0] = hex[list.p[0] >> 4];
				alpn[1] = hex[list.p[plen - 1] & 15];
			}
			continue;
		}
		if (nc + ne + ns >= nwork)
			return -1;
		work[nc + ne++] = (uint16_t)et;
		if (et == TLS_EXT_SIG_ALGS) {
			struct rd list = rd_vec(&body, 2);

			if (body.bad || (list.n & 1))
				return -1;
			while (list.n) {
				uint32_t v = rd_u(&list, 2);

				if (is_grease(v))
					continue;
				if (nc + ne + ns >= nwork)
					return -1;
				work[nwork - 1 - ns++] = (uint16_t)v;
			}
		} else if (et == TLS_EXT_SUPPORTED_VERSIONS && body.n) {
			/* the first version Suricata knows, if higher */
			struct rd list = rd_vec(&body, 1);
			uint32_t sv = 0;

			if (body.bad || list.n < 2)
				return -1;
			while (list.n >= 2 && !sv) {
				uint32_t v = rd_u(&list, 2);

				if (ja4_version_known(v))
					sv = v;
			}
			if (sv > version)
				version = sv;
		}
	}

	memcpy(out, "t", 1);
	memcpy(out + 1, ja4_version_code(version), 2);
	out[3] = sni ? 'd' : 'i';
	two_digits(out + 4, nc);
	two_digits(out + 6, next);
	out[8] = alpn[0];
	out[9] = alpn[1];
	out[10] = '_';
	sort_u16(work, nc);
	sha256_init(&m);
	sha256_list(&m, work, nc);
	sha256_hex(&m, out + 11, 12);
	out[23] = '_';
	sort_u16(work + nc, ne);
	sha256_init(&m);
	sha256_list(&m, work + nc, ne);
	md_update(&m, "_", 1);
	/* signature algorithms in their order: stored backwards */
	for (i = 0; i < ns; i++)
		sha256_item(&m, work[nwork - 1 - i], i == 0);
	sha256_hex(&m, out + 24, 12);
	return 0;
}

/*
 * The first handshake message of a TLS stream that starts at p (n bytes),
 * its record headers taken off, into out (cap bytes). Returns its length,
 * 0 while incomplete, -1 if the stream is not TLS handshake records, -2
 * if the message does not fit cap, -3 if it opens with another TLS record
 * (a server's alert refusing the client's versions: no hello to see).
 */
long tlsi_tls_first_message(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t have = 0, need = 0;

	while (n >= 5) {
		size_t rlen = (size_t)p[3] << 8 | p[4], take;

		if (!have && p[0] != TLS_CT_HANDSHAKE && p[0] >= TLS_CT_CCS &&
		    p[0] <= TLS_CT_APPDATA && p[1] == 3)
			return -3;
		if (p[0] != TLS_CT_HANDSHAKE || p[1] != 3 || !rlen || rlen > 16384 + 2048)
			return -1;
		take = TLSI_ENG_MIN(rlen, n - 5);
		if (have + take > cap)
			take = cap - have;
		memcpy(out + have, p + 5, take);
		have += take;
		if (have >= 4 && !need) {
			need = 4 + ((size_t)out[1] << 16 | (size_t)out[2] << 8 | out[3]);
			if (need > cap)
				return -2;
		}
		if (need && have >= need)
			return (long)need;
		if (take < rlen)
			return have >= cap ? -2 : 0;
		p += 5 + rlen;
		n -= 5 + rlen;
	}
	return 0;
}

/* ---- the decoder ----------------------------------------------------------------- */

int tlsi_tls_detect(struct tlsi_eng_flow *f, unsigned int dir,
		    const uint8_t *p, size_t n)
{
	/* a handshake record of TLS 1.0..1.3 (or SSL 3.0) opening with a
	 * ClientHello: 16 03 0x LL LL 01 */
	static const uint8_t lo[6] = { 0x16, 0x03, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t hi[6] = { 0x16, 0x03, 0x04, 0xff, 0xff, 0x01 };
	size_t i;

	if (dir != TLSI_DIR_TO_SERVER)
		return 0;
	for (i = 0; i < n && i < 6; i++)
		if (p[i] < lo[i] || p[i] > hi[i])
			return 0;
	if (i < 6)
		return -1;
	f->apps |= TLSI_APPS(TLSI_APP_TLS);
	return 1;
}

static void set_view(struct tlsi_eng_scratch *s, unsigned int b,
		     const void *p, uint32_t len)
{
	s->views[b].p = p;
	s->views[b].len = len;
	s->views[b].base = 0;
	s->views[b].final = 1;
	s->views[b].state = TLSI_VIEW_PRESENT;
}

void tlsi_tls_views(struct tlsi_eng_scratch *s, const struct tlsi_tls_hello *h,
		    const uint8_t *msg, size_t len)
{
	if (h->client) {
		set_view(s, TLSI_BUF_TLS_JA3_HASH, h->hash, sizeof(h->hash));
		set_view(s, TLSI_BUF_TLS_JA3_STRING, s->tls_fp, h->fp_len);
		if (!tlsi_tls_ja4(msg, len, s->tls_work, TLSI_ENG_ARRAY_SIZE(s->tls_work),
				  s->tls_ja4))
			set_view(s, TLSI_BUF_TLS_JA4_HASH, s->tls_ja4, TLSI_JA4_LEN);
	} else {
		set_view(s, TLSI_BUF_TLS_JA3S_HASH, h->hash, sizeof(h->hash));
		set_view(s, TLSI_BUF_TLS_JA3S_STRING, s->tls_fp, h->fp_len);
	}
}

/*
 * Parse the hello of dir if its handshake message is complete. The
 * stream's start is in the window while no more than TLSI_ENG_WINDOW
 * bytes have passed, or in this chunk (p, n) if it is the first one.
 */
static void hello(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f, unsigned int dir,
		  const uint8_t *p, size_t n)
{
	const struct tlsi_eng_stream *st = &f->dir[dir].raw;
	struct tlsi_eng_scratch *s = c->s;
	struct tlsi_tls_hello h;
	long mlen = 0;
	int rc;

	if (st->off <= TLSI_ENG_WINDOW)
		mlen = tlsi_tls_first_message(st->win, st->win_len, s->tls_msg,
					      sizeof(s->tls_msg));
	else if (st->off == n)
		mlen = tlsi_tls_first_message(p, n, s->tls_msg, sizeof(s->tls_msg));
	if (!mlen && st->off < TLSI_ENG_WINDOW)
		return;				/* more to come */
	f->dir[dir].tls_hello = 1;
	if (mlen == -3)
		return;				/* no hello in this direction */
	if (mlen == 0 || mlen == -2) {
		tlsi_eng_report(c, f, TLSI_EV_TLS_HELLO_TOO_LONG, dir);
		return;
	}
	rc = mlen < 0 ? -1 : tlsi_tls_hello(s->tls_msg, (size_t)mlen, s->tls_fp,
					    sizeof(s->tls_fp), &h);
	if (rc == 0 && h.client != (dir == TLSI_DIR_TO_SERVER))
		rc = -1;
	if (rc == -2) {
		tlsi_eng_report(c, f, TLSI_EV_TLS_HELLO_TOO_LONG, dir);
		return;
	}
	if (rc) {
		tlsi_eng_report(c, f, TLSI_EV_TLS_MALFORMED, dir);
		return;
	}
	f->dir[dir].tls_version = h.selected ? h.selected : h.version;
	tlsi_eng_views_reset(s);
	tlsi_eng_raw_view(c, f, dir);
	tlsi_tls_views(s, &h, s->tls_msg, (size_t)mlen);
	if (h.client && h.sni && h.sni_len < sizeof(s->derived)) {
		set_view(s, TLSI_BUF_TLS_SNI, h.sni, h.sni_len);
		s->derived[0] = '.';
		memcpy(s->derived + 1, h.sni, h.sni_len);
		set_view(s, TLSI_BUF_TLS_SNI_DOT, s->derived, h.sni_len + 1u);
	}
	if (h.client)
		tlsi_eng_unit(c, f, dir, TLSI_TLS_UNIT_CLIENT_FIRST, TLSI_TLS_UNIT_CLIENT_LAST);
	else
		tlsi_eng_unit(c, f, dir, TLSI_TLS_UNIT_SERVER_FIRST, TLSI_TLS_UNIT_SERVER_LAST);
}

void tlsi_tls_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, const uint8_t *p, size_t n)
{
	/* the raw stream has this chunk already (tlsi_eng_stream() runs
	 * first): its window and offset include it */
	if (!f->dir[dir].tls_hello && !f->passed)
		hello(c, f, dir, p, n);
}
