// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/2 decoding (engine/http2.c, engine/hpack.c): RFC 7541 Appendix C,
 * Huffman and HPACK errors, HPACK checked against nghttp2's encoder, frames
 * (padding, priority, CONTINUATION, SETTINGS), requests and responses
 * built by this test and by nghttp2 sessions matched by real ET Open rules
 * through the http.* buffers, every byte boundary, the server speaking
 * first, a rule reload in the middle of a connection, and bad input: each
 * anomaly counted, decoding ended, no crash.
 */
#include <dirent.h>
#include <nghttp2/nghttp2.h>

#include "engine_harness.h"
#include "hpack.h"
#include "http2.h"

/* ---- helpers ------------------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned int v;

	while (h[0] && h[1]) {
		ck_assert(sscanf(h, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* Decoded fields as "name: value\n" lines. */
struct fields {
	char text[65536];
	size_t len;
	unsigned int n;
};

static int collect(void *arg, const uint8_t *name, uint32_t nlen,
		   const uint8_t *val, uint32_t vlen)
{
	struct fields *fl = arg;

	ck_assert(fl->len + nlen + vlen + 3 < sizeof(fl->text));
	memcpy(fl->text + fl->len, name, nlen);
	fl->len += nlen;
	memcpy(fl->text + fl->len, ": ", 2);
	fl->len += 2;
	memcpy(fl->text + fl->len, val, vlen);
	fl->len += vlen;
	fl->text[fl->len++] = '\n';
	fl->text[fl->len] = '\0';
	fl->n++;
	return 0;
}

/* The dynamic table, newest first, as "name: value\n" lines. */
static char *table_text(const struct tlsi_hpack *h)
{
	static char out[16384];
	uint8_t buf[4096];
	uint32_t i, nl, vl;
	size_t o = 0;

	out[0] = '\0';
	for (i = 0; i < h->n; i++) {
		ck_assert(tlsi_hpack_entry(h, TLSI_HPACK_STATIC + 1 + i, buf, sizeof(buf), &nl, &vl) == 0);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s: %.*s\n", (int)nl,
				      (char *)buf, (int)vl, (char *)buf + nl);
	}
	return out;
}

static uint8_t fieldbuf[8192];

static enum tlsi_hpack_err decode_hex(struct tlsi_hpack *h, const char *hex,
				      struct fields *fl)
{
	uint8_t in[1024];
	size_t n = unhex(hex, in);

	memset(fl, 0, sizeof(*fl));
	return tlsi_hpack_decode(h, in, n, fieldbuf, sizeof(fieldbuf), collect, fl);
}

struct step {
	const char *hex, *fields, *table;
	uint32_t size;
};

static void run_steps(const struct step *st, unsigned int n, uint32_t max)
{
	static struct tlsi_hpack h;
	static struct fields fl;
	unsigned int i;

	tlsi_hpack_init(&h);
	h.max = h.limit = max;
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(decode_hex(&h, st[i].hex, &fl), TLSI_HPACK_OK);
		ck_assert_str_eq(fl.text, st[i].fields);
		ck_assert_str_eq(table_text(&h), st[i].table);
		ck_assert_uint_eq(h.size, st[i].size);
	}
}

/* ---- RFC 7541 Appendix C ---------------------------------------------------------- */

START_TEST(hpack_c2_fields)
{
	static const struct step c21[] = {
		{ "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
		  "custom-key: custom-header\n", "custom-key: custom-header\n", 55 },
	}, c22[] = {
		{ "040c2f73616d706c652f70617468", ":path: /sample/path\n", "", 0 },
	}, c23[] = {
		{ "100870617373776f726406736563726574", "password: secret\n", "", 0 },
	}, c24[] = {
		{ "82", ":method: GET\n", "", 0 },
	};

	run_steps(c21, 1, 4096);
	run_steps(c22, 1, 4096);
	run_steps(c23, 1, 4096);
	run_steps(c24, 1, 4096);
}
END_TEST

#define REQ1 ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
#define REQ2 REQ1 "cache-control: no-cache\n"
#define REQ3 ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n" \
	     "custom-key: custom-value\n"
#define T1 ":authority: www.example.com\n"
#define T2 "cache-control: no-cache\n" T1
#define T3 "custom-key: custom-value\n" T2

START_TEST(hpack_c3_requests)
{
	static const struct step s[] = {
		{ "828684410f7777772e6578616d706c652e636f6d", REQ1, T1, 57 },
		{ "828684be58086e6f2d6361636865", REQ2, T2, 110 },
		{ "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", REQ3, T3, 164 },
	};

	run_steps(s, 3, 4096);
}
END_TEST

START_TEST(hpack_c4_requests_huffman)
{
	static const struct step s[] = {
		{ "828684418cf1e3c2e5f23a6ba0ab90f4ff", REQ1, T1, 57 },
		{ "828684be5886a8eb10649cbf", REQ2, T2, 110 },
		{ "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", REQ3, T3, 164 },
	};

	run_steps(s, 3, 4096);
}
END_TEST

#define DATE1 "date: Mon, 21 Oct 2013 20:13:21 GMT\n"
#define DATE2 "date: Mon, 21 Oct 2013 20:13:22 GMT\n"
#define LOC "location: https://www.example.com\n"
#define COOKIE "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n"
#define RESP1 ":status: 302\ncache-control: private\n" DATE1 LOC
#define RESP2 ":status: 307\ncache-control: private\n" DATE1 LOC
#define RESP3 ":status: 200\ncache-control: private\n" DATE2 LOC "content-encoding: gzip\n" COOKIE
#define RT1 LOC DATE1 "cache-control: private\n:status: 302\n"
#define RT2 ":status: 307\n" LOC DATE1 "cache-control: private\n"
#define RT3 COOKIE "content-encoding: gzip\n" DATE2

/* 256-byte table: the later responses evict the earlier entries */
START_TEST(hpack_c5_responses_eviction)
{
	static const struct step s[] = {
		{ "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a"
		  "323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d", RESP1, RT1, 222 },
		{ "4803333037c1c0bf", RESP2, RT2, 222 },
		{ "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a"
		  "69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d"
		  "61782d6167653d333630303b2076657273696f6e3d31", RESP3, RT3, 215 },
	};

	run_steps(s, 3, 256);
}
END_TEST

START_TEST(hpack_c6_responses_huffman_eviction)
{
	static const struct step s[] = {
		{ "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29"
		  "ad171863c78f0b97c8e9ae82ae43d3", RESP1, RT1, 222 },
		{ "4883640effc1c0bf", RESP2, RT2, 222 },
		{ "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7"
		  "f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d50"
		  "07", RESP3, RT3, 215 },
	};

	run_steps(s, 3, 256);
}
END_TEST

START_TEST(hpack_bad_input)
{
	static struct tlsi_hpack h;
	static struct fields fl;
	uint8_t in[8], out[8];

	/* Huffman: EOS, padding of more than 7 bits, padding with a zero */
	ck_assert_int_eq(tlsi_hpack_huffman(in, unhex("ffffffff", in), out, sizeof(out)), -1);
	ck_assert_int_eq(tlsi_hpack_huffman(in, unhex("1fff", in), out, sizeof(out)), -1);
	ck_assert_int_eq(tlsi_hpack_huffman(in, unhex("18", in), out, sizeof(out)), -1);
	ck_assert_int_eq(tlsi_hpack_huffman(in, unhex("1f", in), out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], 'a');
	ck_assert_int_eq(tlsi_hpack_huffman(in, unhex("1f", in), out, 0), -2);

	tlsi_hpack_init(&h);
	ck_assert_int_eq(decode_hex(&h, "80", &fl), TLSI_HPACK_E_INDEX);
	ck_assert_int_eq(decode_hex(&h, "be", &fl), TLSI_HPACK_E_INDEX);	/* 62, empty */
	ck_assert_int_eq(decode_hex(&h, "7f", &fl), TLSI_HPACK_E_TRUNCATED);
	ck_assert_int_eq(decode_hex(&h, "7f00", &fl), TLSI_HPACK_E_INDEX);	/* 63 */
	ck_assert_int_eq(decode_hex(&h, "410f77", &fl), TLSI_HPACK_E_TRUNCATED);
	ck_assert_int_eq(decode_hex(&h, "ffffffffff0f", &fl), TLSI_HPACK_E_INT);
	ck_assert_int_eq(decode_hex(&h, "4081ff0161", &fl), TLSI_HPACK_E_HUFFMAN);
	/* table size: above the 4096 limit, after a field, three in a row */
	ck_assert_int_eq(decode_hex(&h, "3fe13f", &fl), TLSI_HPACK_E_TABLE_SIZE);
	ck_assert_int_eq(decode_hex(&h, "8220", &fl), TLSI_HPACK_E_TABLE_SIZE);
	ck_assert_int_eq(decode_hex(&h, "202020", &fl), TLSI_HPACK_E_TABLE_SIZE);
	/* a size update to 0 empties the table; back to 4096 is allowed */
	tlsi_hpack_init(&h);
	ck_assert_int_eq(decode_hex(&h, "400a637573746f6d2d6b65790d637573746f6d2d686561646572", &fl),
			 TLSI_HPACK_OK);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_int_eq(decode_hex(&h, "203fe11f82", &fl), TLSI_HPACK_OK);
	ck_assert_uint_eq(h.n, 0);
	ck_assert_uint_eq(h.max, 4096);
	ck_assert_str_eq(fl.text, ":method: GET\n");
	/* a lower SETTINGS limit makes 4096 an attack */
	tlsi_hpack_set_limit(&h, 256);
	ck_assert_int_eq(decode_hex(&h, "3fe11f", &fl), TLSI_HPACK_E_TABLE_SIZE);
	/* a field longer than the caller's buffer */
	tlsi_hpack_init(&h);
	ck_assert_int_eq(tlsi_hpack_decode(&h, in, unhex("82", in), out, 2, NULL, NULL),
			 TLSI_HPACK_E_FIELD_TOO_LONG);
}
END_TEST

/* ---- HPACK against nghttp2's encoder -------------------------------------------------- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

START_TEST(hpack_nghttp2_oracle)
{
	static const char *const names[] = {
		":method", ":path", ":authority", ":scheme", "user-agent", "cookie",
		"accept", "x-custom", "referer", "content-type", "x-long-header-name",
	};
	static struct tlsi_hpack h;
	static struct fields fl;
	static uint8_t block[65536];
	static char vals[16][600], expect[65536];
	nghttp2_hd_deflater *def;
	unsigned int round;

	ck_assert_int_eq(nghttp2_hd_deflate_new(&def, 4096), 0);
	tlsi_hpack_init(&h);
	for (round = 0; round < 500; round++) {
		nghttp2_nv nv[16];
		unsigned int n = 1 + rnd() % 16, i, j;
		size_t e = 0;
		ssize_t len;

		if (round == 200)	/* the encoder shrinks its table, then grows it */
			ck_assert_int_eq(nghttp2_hd_deflate_change_table_size(def, 300), 0);
		if (round == 300)
			ck_assert_int_eq(nghttp2_hd_deflate_change_table_size(def, 4096), 0);
		for (i = 0; i < n; i++) {
			unsigned int vl = rnd() % (rnd() % 8 ? 40 : 500);

			for (j = 0; j < vl; j++)	/* repeats make indexing pay */
				vals[i][j] = (char)(round % 3 ? 'a' + (rnd() + j) % 26
							      : 32 + rnd() % 95);
			if (rnd() % 3 == 0)
				vl = (unsigned int)snprintf(vals[i], sizeof(vals[i]), "v%u", rnd() % 20);
			nv[i].name = (uint8_t *)names[rnd() % TLSI_ENG_ARRAY_SIZE(names)];
			nv[i].namelen = strlen((char *)nv[i].name);
			nv[i].value = (uint8_t *)vals[i];
			nv[i].valuelen = vl;
			nv[i].flags = rnd() % 7 == 0 ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE;
			e += (size_t)snprintf(expect + e, sizeof(expect) - e, "%s: %.*s\n",
					      (char *)nv[i].name, (int)vl, vals[i]);
		}
		len = nghttp2_hd_deflate_hd(def, block, sizeof(block), nv, n);
		ck_assert_int_gt(len, 0);
		memset(&fl, 0, sizeof(fl));
		ck_assert_int_eq(tlsi_hpack_decode(&h, block, (size_t)len, fieldbuf,
						   sizeof(fieldbuf), collect, &fl), TLSI_HPACK_OK);
		ck_assert_str_eq(fl.text, expect);
	}
	nghttp2_hd_deflate_del(def);
}
END_TEST

/* A new flow and no threshold history (ET 2008538 has a limit). */
static void fresh(struct et *t)
{
	et_flow_port(t, 443);
	memset(t->thresh, 0, sizeof(t->thresh));
}

/* ---- frames built by the test ----------------------------------------------------------- */

struct wire {
	uint8_t p[1 << 17];
	size_t n;
};

static void frame(struct wire *w, uint8_t type, uint8_t flags, uint32_t sid,
		  const void *pl, size_t len)
{
	uint8_t *o = w->p + w->n;

	ck_assert(w->n + 9 + len <= sizeof(w->p));
	o[0] = (uint8_t)(len >> 16);
	o[1] = (uint8_t)(len >> 8);
	o[2] = (uint8_t)len;
	o[3] = type;
	o[4] = flags;
	o[5] = (uint8_t)(sid >> 24);
	o[6] = (uint8_t)(sid >> 16);
	o[7] = (uint8_t)(sid >> 8);
	o[8] = (uint8_t)sid;
	if (len)
		memcpy(o + 9, pl, len);
	w->n += 9 + len;
}

static void raw(struct wire *w, const void *p, size_t n)
{
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static size_t hp_int(uint8_t *o, uint8_t top, unsigned int prefix, uint32_t v)
{
	uint32_t max = (1u << prefix) - 1;
	size_t n = 0;

	if (v < max) {
		o[n++] = (uint8_t)(top | v);
		return n;
	}
	o[n++] = (uint8_t)(top | max);
	v -= max;
	while (v >= 128) {
		o[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o[n++] = (uint8_t)v;
	return n;
}

/* A literal field with a new name; top 0x40 indexes it, 0x00 does not. */
static size_t hp_lit(uint8_t *o, uint8_t top, const char *name, const char *val)
{
	size_t n = hp_int(o, top, top == 0x40 ? 6 : 4, 0);

	n += hp_int(o + n, 0, 7, (uint32_t)strlen(name));
	memcpy(o + n, name, strlen(name));
	n += strlen(name);
	n += hp_int(o + n, 0, 7, (uint32_t)strlen(val));
	memcpy(o + n, val, strlen(val));
	return n + strlen(val);
}

#define T_DATA 0
#define T_HEADERS 1
#define T_PRIORITY 2
#define T_RST 3
#define T_SETTINGS 4
#define T_PUSH 5
#define T_PING 6
#define T_GOAWAY 7
#define T_WINDOW 8
#define T_CONT 9

#define ATTACK_PATH "/index.php?id=1+union+select+password+from+mysql.user"

/* The ET rules of this test (any address: the flow's are test ones). */
static const unsigned int et_sids[] = {
	2017807,	/* http.uri: select ... mysql.user */
	2013939,	/* http.header: "aGVsbF9l" (Weevely) */
	2008538,	/* http.user_agent: "sqlmap" at the start */
	2014612,	/* http.cookie: "sutraRULEZcookiessupport" */
};

static char *et_rules(const char *extra)
{
	static char out[1 << 16];
	size_t o = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(et_sids); i++) {
		char want[32], line[8192], path[4096];
		struct dirent *de;
		DIR *d = opendir(et_open_dir());
		int found = 0;

		ck_assert_msg(d != NULL, "ET Open not found at %s (make et-open, or set TLSI_ET_OPEN)", et_open_dir());
		snprintf(want, sizeof(want), "sid:%u;", et_sids[i]);
		while (!found && (de = readdir(d))) {
			FILE *fp;

			if (!strstr(de->d_name, ".rules"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", et_open_dir(), de->d_name);
			fp = fopen(path, "r");
			while (fp && fgets(line, sizeof(line), fp)) {
				char *v;

				if (strncmp(line, "alert ", 6) || !strstr(line, want))
					continue;
				while ((v = strchr(line, '$'))) {	/* $VAR -> any */
					size_t k = strspn(v + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

					memmove(v + 3, v + 1 + k, strlen(v + 1 + k) + 1);
					memcpy(v, "any", 3);
				}
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", line);
				found = 1;
				break;
			}
			if (fp)
				fclose(fp);
		}
		closedir(d);
		ck_assert_msg(found, "ET rule %u not found", et_sids[i]);
	}
	snprintf(out + o, sizeof(out) - o, "%s", extra ? extra : "");
	return out;
}

#define LOCAL_RULES \
	"alert http any any -> any any (msg:\"h2 response\"; flow:to_client; http.stat_code; " \
	"content:\"200\"; file.data; content:\"says hello\"; sid:9200001; rev:1;)\n" \
	"alert http any any -> any any (msg:\"h2 body\"; flow:to_server; http.method; " \
	"content:\"POST\"; http.request_body; content:\"secret-payload\"; sid:9200002; rev:1;)\n" \
	"alert http any any -> any any (msg:\"h2 host\"; flow:to_server; http.host; " \
	"content:\"site.test\"; endswith; sid:9200003; rev:1;)\n" \
	"alert tcp any any -> any any (msg:\"raw marker\"; flow:to_server; " \
	"content:\"RAWMARK\"; sid:9200004; rev:1;)\n"

/* Client: preface, SETTINGS, the attack as HEADERS (padded, priority)
 * + CONTINUATION, then a POST with a padded DATA body; server: SETTINGS,
 * the response HEADERS and DATA. */
static void build_conversation(struct wire *c, struct wire *s)
{
	uint8_t blk[2048], pl[4096];
	size_t n = 0, k;
	static const uint8_t settings[] = { 0, 1, 0, 0, 0x10, 0, 0, 4, 0, 0, 0xff, 0xff };

	c->n = s->n = 0;
	raw(c, TLSI_H2_PREFACE, TLSI_H2_PREFACE_LEN);
	frame(c, T_SETTINGS, 0, 0, settings, sizeof(settings));
	frame(c, T_WINDOW, 0, 0, "\0\0\x10\0", 4);
	/* stream 1: GET attack */
	n += hp_int(blk + n, 0x80, 7, 2);			/* :method GET */
	n += hp_int(blk + n, 0x80, 7, 7);			/* :scheme https */
	n += hp_lit(blk + n, 0x00, ":path", ATTACK_PATH);
	n += hp_lit(blk + n, 0x40, ":authority", "site.test");
	n += hp_lit(blk + n, 0x00, "user-agent", "sqlmap/1.7");
	n += hp_lit(blk + n, 0x00, "cookie", "a=1");
	n += hp_lit(blk + n, 0x00, "x-weevely", "aGVsbF9leGVj");
	n += hp_lit(blk + n, 0x00, "cookie", "sutraRULEZcookiessupport=1");
	/* HEADERS: pad length 3, priority 5 bytes, first 20 bytes of block */
	pl[0] = 3;
	memcpy(pl + 1, "\x00\x00\x00\x00\x10", 5);
	memcpy(pl + 6, blk, 20);
	memset(pl + 26, 0, 3);
	frame(c, T_HEADERS, 0x08 | 0x20 | 0x01, 1, pl, 29);
	for (k = 20; k < n; k += 25)
		frame(c, T_CONT, k + 25 >= n ? 0x04 : 0, 1, blk + k, n - k < 25 ? n - k : 25);
	/* stream 3: POST with a body in two padded DATA frames */
	n = 0;
	n += hp_int(blk + n, 0x80, 7, 3);			/* :method POST */
	n += hp_int(blk + n, 0x80, 7, 7);
	n += hp_lit(blk + n, 0x00, ":path", "/upload");
	n += hp_int(blk + n, 0x80, 7, 62);			/* :authority from the table */
	frame(c, T_HEADERS, 0x04, 3, blk, n);
	pl[0] = 2;
	memcpy(pl + 1, "data: secret-", 13);
	memset(pl + 14, 0, 2);
	frame(c, T_DATA, 0x08, 3, pl, 16);
	frame(c, T_PING, 0, 0, "12345678", 8);
	frame(c, T_DATA, 0x01, 3, "payload end", 11);

	/* server */
	frame(s, T_SETTINGS, 0, 0, settings + 6, 6);
	frame(s, T_SETTINGS, 0x01, 0, NULL, 0);
	n = 0;
	n += hp_int(blk + n, 0x80, 7, 8);			/* :status 200 */
	n += hp_lit(blk + n, 0x40, "server", "nginx");
	frame(s, T_HEADERS, 0x04, 1, blk, n);
	frame(s, T_DATA, 0, 1, "site.test ", 10);
	frame(s, T_DATA, 0x01, 1, "says hello", 10);
}

/* Feed the conversation in chunks of `chunk' bytes (0: whole); the server
 * speaks first when server_first. */
static void run_conversation(struct et *t, size_t chunk, int server_first)
{
	static struct wire c, s;
	size_t i, k = chunk;

	build_conversation(&c, &s);
	if (!k)
		k = sizeof(c.p);
	if (server_first)	/* only its connection SETTINGS */
		for (i = 0; i < 15; i += k)
			et_send(t, TLSI_DIR_TO_CLIENT, s.p + i, 15 - i < k ? 15 - i : k);
	for (i = 0; i < c.n; i += k)
		et_send(t, TLSI_DIR_TO_SERVER, c.p + i, c.n - i < k ? c.n - i : k);
	for (i = server_first ? 15 : 0; i < s.n; i += k)
		et_send(t, TLSI_DIR_TO_CLIENT, s.p + i, s.n - i < k ? s.n - i : k);
	tlsi_eng_eof(&t->ctx, t->f, TLSI_DIR_TO_SERVER);
	tlsi_eng_eof(&t->ctx, t->f, TLSI_DIR_TO_CLIENT);
}

START_TEST(h2_et_rules_match)
{
	static struct et t;
	unsigned int i;

	et_load(&t, et_rules(LOCAL_RULES));
	fresh(&t);
	run_conversation(&t, 0, 0);
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(et_sids); i++)
		ET_FIRED(&t, et_sids[i]);
	ET_FIRED(&t, 9200001);
	ET_FIRED(&t, 9200002);
	ET_FIRED_N(&t, 9200003, 2);
	ck_assert_msg(t.events == 0, "events 0x%x", t.events);
	ck_assert(tlsi_eng_is_http2(t.f));
	ck_assert(t.f->apps & TLSI_APPS(TLSI_APP_HTTP));
	/* the head as HTTP/1 text, for alerts (http_meta.h) */
	ck_assert_msg(strstr((char *)t.f->dir[TLSI_DIR_TO_CLIENT].http.hdr,
			     "HTTP/2 200\r\nServer: nginx\r\n\r\n") != NULL, "%.*s",
		      t.f->dir[TLSI_DIR_TO_CLIENT].http.hdr_len,
		      (char *)t.f->dir[TLSI_DIR_TO_CLIENT].http.hdr);
	ck_assert_uint_eq(t.f->dir[TLSI_DIR_TO_SERVER].http.tx, 2);
	/* stream 3 got no response: still open */
	ck_assert_uint_eq(t.f->h2.nstreams, 1);
	et_free(&t);
}
END_TEST

START_TEST(h2_request_head_text)
{
	static struct et t;
	static struct wire c, s;
	const char *want = "GET " ATTACK_PATH " HTTP/2\r\nHost: site.test\r\n"
			   "User-Agent: sqlmap/1.7\r\nX-Weevely: aGVsbF9leGVj\r\n"
			   "Cookie: a=1; sutraRULEZcookiessupport=1\r\n\r\n";
	size_t cut;

	et_load(&t, "alert http any any -> any any (msg:\"x\"; http.uri; content:\"nothing\"; sid:1;)");
	build_conversation(&c, &s);
	/* up to the end of stream 1's block: the first CONTINUATION with
	 * END_HEADERS; feed everything before stream 3's HEADERS */
	for (cut = 0; cut < c.n; cut++)
		if (c.p[cut + 3] == T_HEADERS && c.p[cut + 8] == 3 && cut > 100)
			break;
	fresh(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, c.p, cut);
	ck_assert_uint_eq(t.f->dir[TLSI_DIR_TO_SERVER].http.hdr_len, strlen(want));
	ck_assert(!memcmp(t.f->dir[TLSI_DIR_TO_SERVER].http.hdr, want, strlen(want)));
	et_free(&t);
}
END_TEST

/* Every byte boundary: 1-byte chunks, and the conversation cut in two at
 * every offset, give the alerts of the whole. */
START_TEST(h2_split_every_byte)
{
	static struct et t;
	static struct wire c, s;
	uint32_t whole[64];
	unsigned int nwhole, i;
	size_t cut;

	et_load(&t, et_rules(LOCAL_RULES));
	fresh(&t);
	run_conversation(&t, 0, 0);
	nwhole = t.nalerts;
	ck_assert_uint_ge(nwhole, 7);
	memcpy(whole, t.alerts, nwhole * sizeof(whole[0]));

	fresh(&t);
	run_conversation(&t, 1, 0);
	ck_assert_uint_eq(t.nalerts, nwhole);
	for (i = 0; i < nwhole; i++)
		ck_assert_uint_eq(t.alerts[i], whole[i]);

	build_conversation(&c, &s);
	for (cut = 1; cut < c.n; cut++) {
		fresh(&t);
		et_send(&t, TLSI_DIR_TO_SERVER, c.p, cut);
		et_send(&t, TLSI_DIR_TO_SERVER, c.p + cut, c.n - cut);
		et_send(&t, TLSI_DIR_TO_CLIENT, s.p, s.n);
		tlsi_eng_eof(&t.ctx, t.f, TLSI_DIR_TO_SERVER);
		tlsi_eng_eof(&t.ctx, t.f, TLSI_DIR_TO_CLIENT);
		ck_assert_msg(t.nalerts == nwhole, "cut at %zu: %u alerts (%s), want %u", cut,
			      t.nalerts, et_alert_list(&t), nwhole);
		ck_assert_uint_eq(t.events, 0);
	}
	et_free(&t);
}
END_TEST

/* TLS with ALPN h2: the server's SETTINGS may come before the preface. */
START_TEST(h2_server_speaks_first)
{
	static struct et t;

	et_load(&t, et_rules(LOCAL_RULES));
	fresh(&t);
	run_conversation(&t, 0, 1);
	ET_FIRED(&t, 2017807);
	ET_FIRED(&t, 9200001);
	ck_assert_uint_eq(t.events, 0);
	fresh(&t);
	run_conversation(&t, 1, 1);
	ET_FIRED(&t, 2017807);
	ET_FIRED(&t, 9200001);
	ck_assert_uint_eq(t.events, 0);
	et_free(&t);
}
END_TEST

/* Where the first frame of type `type' starts in the client's bytes. */
static size_t frame_at(const struct wire *c, uint8_t type)
{
	size_t off = TLSI_H2_PREFACE_LEN;

	while (off + 9 <= c->n && c->p[off + 3] != type)
		off += 9 + ((size_t)c->p[off] << 16 | (size_t)c->p[off + 1] << 8 | c->p[off + 2]);
	ck_assert(off + 9 <= c->n);
	return off;
}

/* A new image in the middle of a connection, even in the middle of a header
 * block (between HEADERS and CONTINUATION), keeps the HPACK tables and the
 * block: the request completes and the next one's :authority by index
 * still decodes. */
START_TEST(h2_rule_reload_keeps_tables)
{
	static struct et a, b;
	static struct wire c, s;
	size_t cut;

	et_load(&a, "alert http any any -> any any (msg:\"a\"; http.uri; content:\"nothing\"; sid:1;)");
	et_load(&b, et_rules(LOCAL_RULES));
	build_conversation(&c, &s);
	cut = frame_at(&c, T_CONT) + 4;		/* inside its frame header */
	et_flow_port(&a, 443);
	et_send(&a, TLSI_DIR_TO_SERVER, c.p, cut);
	ck_assert_uint_eq(a.nalerts, 0);
	/* b's engine takes over a's flow */
	tlsi_eng_inspect(&b.ctx, a.f, TLSI_DIR_TO_SERVER, c.p + cut, c.n - cut);
	tlsi_eng_eof(&b.ctx, a.f, TLSI_DIR_TO_SERVER);
	ET_FIRED(&b, 2017807);	/* the request whose block straddled the reload */
	ET_FIRED(&b, 9200002);
	ET_FIRED_N(&b, 9200003, 2);	/* site.test, the second time from the table */
	ck_assert_uint_eq(b.events, 0);
	et_free(&a);
	et_free(&b);
}
END_TEST

/* ---- nghttp2 sessions as the client and the server ---------------------------------- */

struct ngio {
	struct wire out;
	const char *body;
	size_t body_off;
	nghttp2_session *peer_server;
	int32_t req_stream;
};

static ssize_t ng_send(nghttp2_session *ss, const uint8_t *data, size_t len,
			     int flags, void *ud)
{
	struct ngio *io = ud;

	raw(&io->out, data, len);
	return (ssize_t)len;
}

static ssize_t ng_read_body(nghttp2_session *ss, int32_t sid, uint8_t *buf,
				  size_t len, uint32_t *flags, nghttp2_data_source *src,
				  void *ud)
{
	struct ngio *io = ud;
	size_t left = strlen(io->body) - io->body_off, n = left < len ? left : len;

	if (n > 7)
		n = 7;		/* several DATA frames */
	memcpy(buf, io->body + io->body_off, n);
	io->body_off += n;
	if (io->body_off == strlen(io->body))
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int ng_server_frame(nghttp2_session *ss, const nghttp2_frame *fr, void *ud)
{
	struct ngio *io = ud;

	if (fr->hd.type == NGHTTP2_HEADERS && fr->headers.cat == NGHTTP2_HCAT_REQUEST)
		io->req_stream = fr->hd.stream_id;
	return 0;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, \
		   NGHTTP2_NV_FLAG_NONE }

START_TEST(h2_nghttp2_sessions)
{
	static struct et t;
	static struct ngio cli, srv;
	nghttp2_session_callbacks *cb;
	nghttp2_session *client, *server;
	nghttp2_settings_entry set[] = { { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 1024 } };
	nghttp2_nv req[] = {
		NV(":method", "POST"), NV(":scheme", "https"), NV(":authority", "site.test"),
		NV(":path", ATTACK_PATH), NV("user-agent", "sqlmap/1.7"),
		NV("cookie", "sutraRULEZcookiessupport=1"), NV("cookie", "b=2"),
		NV("x-data", "aGVsbF9leGVj"),
	};
	nghttp2_nv resp[] = { NV(":status", "200"), NV("server", "nginx") };
	nghttp2_data_provider cprov = { .read_callback = ng_read_body };
	nghttp2_data_provider sprov = { .read_callback = ng_read_body };
	unsigned int i, order;

	memset(&cli, 0, sizeof(cli));
	memset(&srv, 0, sizeof(srv));
	cli.body = "post data: secret-payload, and more of it";
	srv.body = "site.test says hello over h2";
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_send_callback(cb, ng_send);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, ng_server_frame);
	ck_assert_int_eq(nghttp2_session_client_new(&client, cb, &cli), 0);
	ck_assert_int_eq(nghttp2_session_server_new(&server, cb, &srv), 0);
	ck_assert_int_eq(nghttp2_submit_settings(client, 0, set, 1), 0);
	ck_assert_int_eq(nghttp2_submit_settings(server, 0, NULL, 0), 0);
	ck_assert_int_gt(nghttp2_submit_request(client, NULL, req, TLSI_ENG_ARRAY_SIZE(req),
						 &cprov, NULL), 0);
	ck_assert_int_eq(nghttp2_session_send(client), 0);
	ck_assert_int_eq(nghttp2_session_send(server), 0);	/* its SETTINGS */
	{
		size_t server_settings = srv.out.n;

		ck_assert_int_eq(nghttp2_session_mem_recv(server, cli.out.p, cli.out.n),
				 (ssize_t)cli.out.n);
		ck_assert_int_gt(srv.req_stream, 0);
		ck_assert_int_eq(nghttp2_submit_response(server, srv.req_stream, resp,
							  TLSI_ENG_ARRAY_SIZE(resp), &sprov), 0);
		ck_assert_int_eq(nghttp2_session_send(server), 0);

		/* both orders: the server's SETTINGS before and after the
		 * client's preface, whole and in 1-byte chunks */
		et_load(&t, et_rules(LOCAL_RULES));
		for (order = 0; order < 4; order++) {
			size_t k = order & 1 ? 1 : sizeof(cli.out.p), first = order & 2 ? server_settings : 0;

			fresh(&t);
			for (i = 0; i < first; i += k)
				et_send(&t, TLSI_DIR_TO_CLIENT, srv.out.p + i, first - i < k ? first - i : k);
			for (i = 0; i < cli.out.n; i += k)
				et_send(&t, TLSI_DIR_TO_SERVER, cli.out.p + i,
					cli.out.n - i < k ? cli.out.n - i : k);
			for (i = first; i < srv.out.n; i += k)
				et_send(&t, TLSI_DIR_TO_CLIENT, srv.out.p + i,
					srv.out.n - i < k ? srv.out.n - i : k);
			for (i = 0; i < TLSI_ENG_ARRAY_SIZE(et_sids); i++)
				ET_FIRED(&t, et_sids[i]);
			ET_FIRED(&t, 9200001);
			ET_FIRED(&t, 9200002);
			ET_FIRED(&t, 9200003);
			ck_assert_msg(t.events == 0, "order %u: events 0x%x", order, t.events);
		}
	}
	nghttp2_session_del(client);
	nghttp2_session_del(server);
	nghttp2_session_callbacks_del(cb);
	et_free(&t);
}
END_TEST

/* ---- bad input -------------------------------------------------------------------------- */

static void preface_and_settings(struct wire *w)
{
	w->n = 0;
	raw(w, TLSI_H2_PREFACE, TLSI_H2_PREFACE_LEN);
	frame(w, T_SETTINGS, 0, 0, NULL, 0);
}

/* Send w to the server; the anomaly ev ends decoding; then raw inspection
 * goes on (a raw rule still matches); with http2_block the verdict is DROP. */
static void expect_anomaly(struct wire *w, enum tlsi_eng_event ev, const char *what)
{
	static struct et t;
	unsigned int block;

	et_load(&t, LOCAL_RULES);
	for (block = 0; block < 2; block++) {
		enum tlsi_eng_verdict v;
		size_t i;

		t.cfg.http2_block = (uint8_t)block;
		for (i = 0; i < 2; i++) {	/* whole, then 1-byte chunks */
			size_t k = i ? 1 : w->n, j;

			fresh(&t);
			for (j = 0; j < w->n; j += k)
				v = et_send(&t, TLSI_DIR_TO_SERVER, w->p + j, w->n - j < k ? w->n - j : k);
			ck_assert_msg(t.events & (1u << ev), "%s: events 0x%x", what, t.events);
			ck_assert_msg(t.f->h2.state == TLSI_H2_DEAD || ev == TLSI_EV_HTTP2_PREFACE,
				      "%s: decoding not ended", what);
			ck_assert_int_eq(v, block ? TLSI_ENG_V_DROP : TLSI_ENG_V_CONTINUE);
			v = et_send(&t, TLSI_DIR_TO_SERVER, "xxRAWMARKxx", 11);
			ET_FIRED(&t, 9200004);
		}
	}
	et_free(&t);
}

START_TEST(h2_bad_preface)
{
	static struct wire w;

	w.n = 0;
	raw(&w, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", 24);
	frame(&w, T_SETTINGS, 0, 0, NULL, 0);
	expect_anomaly(&w, TLSI_EV_HTTP2_PREFACE, "bad preface");
}
END_TEST

START_TEST(h2_bad_frames)
{
	static struct wire w;
	static uint8_t big[20000];

	preface_and_settings(&w);
	frame(&w, T_DATA, 0, 1, big, 16385);		/* beyond 16384 */
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "oversized frame");

	preface_and_settings(&w);
	frame(&w, T_SETTINGS, 0, 0, "\0\x05\0\0\0\x10", 6);	/* max frame 16 */
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "MAX_FRAME_SIZE below 16384");

	preface_and_settings(&w);
	frame(&w, T_SETTINGS, 0, 0, "\0\x01\0\0\0", 5);	/* not a multiple of 6 */
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "SETTINGS length");

	preface_and_settings(&w);
	frame(&w, T_DATA, 0x08, 1, "\x09" "abc", 4);	/* padding beyond the frame */
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "DATA padding");

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0x0c, 1, "\x05" "\x82", 2);
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "HEADERS padding");

	preface_and_settings(&w);
	frame(&w, T_PING, 0, 0, "1234", 4);
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "PING length");

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0x04, 0, "\x82", 1);	/* stream 0 */
	expect_anomaly(&w, TLSI_EV_HTTP2_FRAME, "HEADERS on stream 0");
}
END_TEST

START_TEST(h2_bad_hpack)
{
	static struct wire w;

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0x05, 1, "\x82\xff\x40", 3);	/* index 127 */
	expect_anomaly(&w, TLSI_EV_HTTP2_HPACK, "index out of range");

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0x05, 1, "\x82\x40\x81\xff\x01\x61", 6);
	expect_anomaly(&w, TLSI_EV_HTTP2_HPACK, "bad Huffman");

	/* table size attack: an update beyond the default 4096 */
	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0x05, 1, "\x3f\xe1\xff\x03\x82", 5);
	expect_anomaly(&w, TLSI_EV_HTTP2_TABLE_SIZE, "table size beyond 4096");

	/* the server allows 65536; tlsi follows 4096 only */
	w.n = 0;
	raw(&w, TLSI_H2_PREFACE, TLSI_H2_PREFACE_LEN);
	frame(&w, T_SETTINGS, 0, 0, NULL, 0);
	frame(&w, T_HEADERS, 0x05, 1, "\x3f\xe1\x3f\x82", 4);	/* 8192 */
	expect_anomaly(&w, TLSI_EV_HTTP2_TABLE_SIZE, "table size 8192");
}
END_TEST

START_TEST(h2_endless_continuation)
{
	static struct wire w;
	static uint8_t junk[1000];
	unsigned int i;

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0, 1, "\x82", 1);
	for (i = 0; i < TLSI_H2_CONT_MAX + 1; i++)
		frame(&w, T_CONT, 0, 1, NULL, 0);
	expect_anomaly(&w, TLSI_EV_HTTP2_CONTINUATION, "CONTINUATION count");

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0, 1, "\x82", 1);
	memset(junk, 0x82, sizeof(junk));
	for (i = 0; i < 9; i++)
		frame(&w, T_CONT, 0, 1, junk, sizeof(junk));
	expect_anomaly(&w, TLSI_EV_HTTP2_CONTINUATION, "block beyond 8 KB");

	preface_and_settings(&w);
	frame(&w, T_HEADERS, 0, 1, "\x82", 1);
	frame(&w, T_DATA, 0, 1, "x", 1);		/* the block is broken */
	expect_anomaly(&w, TLSI_EV_HTTP2_CONTINUATION, "DATA inside a block");

	preface_and_settings(&w);
	frame(&w, T_CONT, 0x04, 1, "\x82", 1);		/* no block */
	expect_anomaly(&w, TLSI_EV_HTTP2_CONTINUATION, "CONTINUATION alone");
}
END_TEST

/* Malformed fields and heads beyond TLSI_HTTP_HDR_MAX: counted, decoding
 * goes on, the rules still see the request. */
START_TEST(h2_malformed_fields_and_long_heads)
{
	static struct et t;
	static struct wire w;
	static uint8_t blk[9000];
	static char longv[2000];
	size_t n = 0;
	unsigned int i;

	et_load(&t, et_rules(LOCAL_RULES));
	preface_and_settings(&w);
	n += hp_int(blk + n, 0x80, 7, 2);
	n += hp_lit(blk + n, 0x00, ":path", ATTACK_PATH);
	n += hp_lit(blk + n, 0x00, ":authority", "site.test");
	n += hp_lit(blk + n, 0x00, "x-evil", "a\r\nUser-Agent: sqlmap");
	frame(&w, T_HEADERS, 0x05, 1, blk, n);
	fresh(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, w.p, w.n);
	ck_assert(t.events & (1u << TLSI_EV_HTTP2_HEADER));
	ck_assert_int_eq(t.f->h2.state, TLSI_H2_ON);
	ET_FIRED(&t, 2017807);
	ET_SILENT(&t, 2008538);		/* no injected User-Agent line */

	memset(longv, 'v', sizeof(longv) - 1);
	preface_and_settings(&w);
	n = 0;
	n += hp_int(blk + n, 0x80, 7, 2);
	n += hp_lit(blk + n, 0x00, ":path", ATTACK_PATH);
	n += hp_lit(blk + n, 0x40, "x-long", longv);	/* then by index */
	for (i = 0; i < 4; i++)
		n += hp_int(blk + n, 0x80, 7, 62);
	n += hp_lit(blk + n, 0x00, "user-agent", "sqlmap/1.7");
	frame(&w, T_HEADERS, 0x05, 1, blk, n);
	frame(&w, T_HEADERS, 0x05, 3, "\x82\x84", 2);	/* decoding goes on */
	fresh(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, w.p, w.n);
	ck_assert(t.events & (1u << TLSI_EV_HTTP2_HDR_TOO_LONG));
	ck_assert_int_eq(t.f->h2.state, TLSI_H2_ON);
	ck_assert_uint_eq(t.f->dir[TLSI_DIR_TO_SERVER].http.tx, 2);
	ET_FIRED(&t, 2017807);
	et_free(&t);
}
END_TEST

/* More open streams than tracked: counted, all still inspected. */
START_TEST(h2_many_streams)
{
	static struct et t;
	static struct wire w;
	uint8_t blk[256];
	unsigned int i;
	size_t n;

	et_load(&t, et_rules(LOCAL_RULES));
	preface_and_settings(&w);
	for (i = 0; i < TLSI_H2_STREAMS + 8; i++) {
		n = 0;
		n += hp_int(blk + n, 0x80, 7, 3);		/* POST, body follows */
		n += hp_lit(blk + n, 0x00, ":path", i == TLSI_H2_STREAMS + 5 ? ATTACK_PATH : "/a");
		frame(&w, T_HEADERS, 0x04, 1 + 2 * i, blk, n);
	}
	fresh(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, w.p, w.n);
	ck_assert(t.events & (1u << TLSI_EV_HTTP2_STREAMS));
	ck_assert_uint_eq(t.f->h2.nstreams, TLSI_H2_STREAMS);
	ET_FIRED(&t, 2017807);
	et_free(&t);
}
END_TEST

/* h2c with prior knowledge on a flow declared HTTP (a port known to carry
 * it): the preface still makes it HTTP/2; HTTP/1 on such a flow stays
 * HTTP/1, also when its first bytes come one at a time. */
START_TEST(h2_forced_http_flow)
{
	static struct et t;
	const char *req = "POST " ATTACK_PATH " HTTP/1.1\r\nHost: site.test\r\n"
			  "Content-Length: 0\r\n\r\n";
	size_t i;

	et_load(&t, et_rules(LOCAL_RULES));
	fresh(&t);
	tlsi_eng_set_app(t.f, TLSI_APP_HTTP);
	run_conversation(&t, 1, 0);
	ck_assert(tlsi_eng_is_http2(t.f));
	ET_FIRED(&t, 2017807);
	ET_FIRED(&t, 9200001);
	ck_assert_uint_eq(t.events, 0);
	fresh(&t);
	tlsi_eng_set_app(t.f, TLSI_APP_HTTP);
	for (i = 0; req[i]; i++)
		et_send(&t, TLSI_DIR_TO_SERVER, req + i, 1);
	ck_assert(!tlsi_eng_is_http2(t.f));
	ET_FIRED(&t, 2017807);
	ET_FIRED(&t, 9200003);
	et_free(&t);
}
END_TEST

/* HTTP/1 is still HTTP/1; a server that speaks first with something else
 * is not followed. */
START_TEST(h2_not_h2)
{
	static struct et t;

	et_load(&t, et_rules(LOCAL_RULES));
	et_flow(&t);
	et_resp(&t, "HTTP/1.1 200 OK\r\n");
	et_req(&t, "GET " ATTACK_PATH " HTTP/1.1\r\nHost: site.test\r\n\r\n");
	ET_FIRED(&t, 2017807);
	ck_assert(!tlsi_eng_is_http2(t.f));
	et_flow(&t);
	et_req(&t, "PRI * HTTP/1.1\r\n\r\n");
	ck_assert(!tlsi_eng_is_http2(t.f));
	ck_assert_uint_eq(t.events, 0);
	et_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine-http2");
	TCase *hp = tcase_create("hpack"), *fr = tcase_create("http2");
	SRunner *sr;
	int failed;

	tcase_add_test(hp, hpack_c2_fields);
	tcase_add_test(hp, hpack_c3_requests);
	tcase_add_test(hp, hpack_c4_requests_huffman);
	tcase_add_test(hp, hpack_c5_responses_eviction);
	tcase_add_test(hp, hpack_c6_responses_huffman_eviction);
	tcase_add_test(hp, hpack_bad_input);
	tcase_add_test(hp, hpack_nghttp2_oracle);
	tcase_set_timeout(fr, 120);
	tcase_add_test(fr, h2_et_rules_match);
	tcase_add_test(fr, h2_request_head_text);
	tcase_add_test(fr, h2_split_every_byte);
	tcase_add_test(fr, h2_server_speaks_first);
	tcase_add_test(fr, h2_rule_reload_keeps_tables);
	tcase_add_test(fr, h2_nghttp2_sessions);
	tcase_add_test(fr, h2_bad_preface);
	tcase_add_test(fr, h2_bad_frames);
	tcase_add_test(fr, h2_bad_hpack);
	tcase_add_test(fr, h2_endless_continuation);
	tcase_add_test(fr, h2_malformed_fields_and_long_heads);
	tcase_add_test(fr, h2_many_streams);
	tcase_add_test(fr, h2_not_h2);
	tcase_add_test(fr, h2_forced_http_flow);
	suite_add_tcase(s, hp);
	suite_add_tcase(s, fr);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
