// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: DNS over TCP recognition and the query decoder, under
 * rules that read dns.query (and its dotprefix form) with every kind of
 * keyword, and raw payload rules of the dns protocol. The input: its
 * first byte chooses the chunk size and whether the flow is declared DNS
 * (else it must be recognised); then parts separated by "\n--\n"
 * alternate client, server, client, ...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"

static uint8_t *img;
static size_t img_len;
static struct tlsi_eng eng;
static struct tlsi_eng_scratch *scratch;

static const char *const rules[] = {
	"alert dns any any -> any any (dns.query; content:\"example\"; nocase; endswith; sid:1;)",
	"alert dns any any -> any any (dns.query; dotprefix; content:\".a\"; content:\"b\"; distance:0; sid:2;)",
	"alert dns any any -> any any (dns.query; content:\"x\"; bsize:>3; isdataat:!1,relative; sid:3;)",
	"alert dns any any -> any any (dns_query; bsize:0; sid:4;)",
	"alert dns any any -> any any (content:\"|00 01 00 01|\"; dns.query; content:\".\"; sid:5;)",
	"alert dns any any -> any any (content:\"|c0 0c|\"; byte_test:1,>,3,0,relative; sid:6;)",
	"alert dns any any -> any any (dns.query; content:\"q\"; byte_jump:1,0,relative; content:\"r\"; within:4; sid:7;)",
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	tlsi_dns_detect(TLSI_DIR_TO_SERVER, data, size < 16 ? size : 16);
	chunk = 1 + data[0] % 64;
	c.eng = &eng;
	c.s = scratch;
	c.cfg = &cfg;
	f = calloc(1, sizeof(*f));
	tlsi_eng_flow_init(f, a, 1, b, 853);
	if (data[0] & 0x80)
		tlsi_eng_set_app(f, TLSI_APP_DNS);
	while (pos < size) {
		const uint8_t *end = NULL;
		size_t i, n;

		for (i = pos; i + 4 <= size; i++)
			if (!memcmp(data + i, "\n--\n", 4)) {
				end = data + i;
				break;
			}
		n = end ? (size_t)(end - (data + pos)) : size - pos;
		for (i = 0; i < n; i += chunk)
			tlsi_eng_inspect(&c, f, dir, data + pos + i, n - i < chunk ? n - i : chunk);
		pos += n + (end ? 4 : 0);
		dir ^= 1;
	}
	tlsi_eng_eof(&c, f, 0);
	tlsi_eng_eof(&c, f, 1);
	free(f);
	return 0;
}
