// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HTTP/2 decoder (frames, HPACK, the HTTP/1 text it
 * rebuilds) under rules that read the http.* buffers. The input's first
 * byte chooses the chunk size and the mode; the rest is a conversation of
 * parts separated by "\n--\n" alternating client, server, client, ... The
 * client's first part gets the connection preface in front (unless bit
 * 0x40 is set) so the fuzzer starts inside HTTP/2; bit 0x80 also runs the
 * whole input through the HPACK decoder alone, and sets cfg.http2_block.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hpack.h"
#include "rules_compile.h"
#include "rules_parse.h"

static uint8_t *img;
static size_t img_len;
static struct tlsi_eng eng;
static struct tlsi_eng_scratch *scratch;

static const char *const rules[] = {
	"alert http any any -> any any (http.method; content:\"POST\"; http.uri; content:\"/a\"; "
	"http.request_body; content:\"x\"; sid:1;)",
	"alert http any any -> any any (http.host; content:\"h\"; http.header; content:\"|0d 0a|\"; sid:2;)",
	"alert http any any -> any any (http.user_agent; content:\"u\"; http.cookie; content:\"c\"; sid:3;)",
	"alert http any any -> any any (http.stat_code; content:\"2\"; file.data; content:\"z\"; sid:4;)",
	"alert http any any -> any any (http.header_names; content:\"|0d 0a|X\"; http.protocol; "
	"content:\"2\"; sid:5;)",
	"alert tcp any any -> any any (content:\"PRI\"; sid:6;)",
};

static void init(void)
{
	struct rp_set s;
	char err[256];
	size_t i;

	rp_set_init(&s);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rp_parse_rule(&s, "fuzz", (unsigned int)i + 1, rules[i]) != 1) {
			fprintf(stderr, "rule %zu does not load\n", i + 1);
			abort();
		}
	if (rc_compile(&s, &img, &img_len, NULL, err, sizeof(err)) ||
	    tlsi_eng_init(&eng, img, img_len, err, sizeof(err)))
		abort();
	scratch = calloc(1, tlsi_eng_scratch_size(&eng));
	rp_set_free(&s);
}

static void feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f, unsigned int dir,
		 const uint8_t *p, size_t n, size_t chunk)
{
	size_t i;

	for (i = 0; i < n; i += chunk)
		tlsi_eng_inspect(c, f, dir, p + i, n - i < chunk ? n - i : chunk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsi_hpack hp;
	static uint8_t field[8192];
	struct tlsi_eng_flow *f;
	struct tlsi_eng_ctx c = { 0 };
	struct tlsi_eng_cfg cfg = { 0 };
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	size_t chunk, pos = 1;
	unsigned int dir = 0;

	if (!img)
		init();
	if (!size)
		return 0;
	if (data[0] & 0x80) {
		tlsi_hpack_init(&hp);
		tlsi_hpack_decode(&hp, data + 1, size - 1, field, sizeof(field), NULL, NULL);
		cfg.http2_block = 1;
	}
	chunk = 1 + data[0] % 32;
	if (data[0] & 0x20)
		chunk = 4096;
	c.eng = &eng;
	c.s = scratch;
	c.cfg = &cfg;
	f = calloc(1, sizeof(*f));
	tlsi_eng_flow_init(f, a, 1, b, 443);
	if (!(data[0] & 0x40))
		feed(&c, f, 0, (const uint8_t *)TLSI_H2_PREFACE, TLSI_H2_PREFACE_LEN, chunk);
	while (pos < size) {
		const uint8_t *end = NULL;
		size_t i, n;

		for (i = pos; i + 4 <= size; i++)
			if (!memcmp(data + i, "\n--\n", 4)) {
				end = data + i;
				break;
			}
		n = end ? (size_t)(end - (data + pos)) : size - pos;
		feed(&c, f, dir, data + pos, n, chunk);
		pos += n + (end ? 4 : 0);
		dir ^= 1;
	}
	tlsi_eng_eof(&c, f, 0);
	tlsi_eng_eof(&c, f, 1);
	free(f);
	return 0;
}
