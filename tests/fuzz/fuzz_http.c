// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HTTP/1.x decoder (and the mail decoders) under a
 * rule set that reads every HTTP buffer. The input is a conversation: its
 * first byte chooses the chunk size, then parts separated by "\n--\n"
 * alternate client, server, client, ... The URI normaliser also gets the
 * raw input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "http.h"
#include "rules_compile.h"
#include "rules_parse.h"

static uint8_t *img;
static size_t img_len;
static struct tlsi_eng eng;
static struct tlsi_eng_scratch *scratch;

static const char *const rules[] = {
	"alert http any any -> any any (http.method; content:\"POST\"; http.uri; content:\"/a\"; "
	"content:\"b\"; distance:0; within:5; http.request_body; content:\"x\"; isdataat:1,relative; sid:1;)",
	"alert http any any -> any any (http.uri.raw; content:\"%\"; http.host; content:\"h\"; bsize:>1; sid:2;)",
	"alert http any any -> any any (http.header; content:\"|0d 0a|\"; http.header_names; content:\"|0d 0a|\"; sid:3;)",
	"alert http any any -> any any (http.user_agent; content:\"u\"; http.cookie; content:\"c\"; http.start; content:\"H\"; sid:4;)",
	"alert http any any -> any any (http.stat_code; content:\"2\"; file.data; content:\"z\"; endswith; sid:5;)",
	"alert http any any -> any any (http.stat_msg; content:\"O\"; http.location; content:\"/\"; http.server; content:\"s\"; sid:6;)",
	"alert http any any -> any any (http.content_type; content:\"t\"; http.content_len; content:\"1\"; http.protocol; content:\"1\"; sid:7;)",
	"alert http any any -> any any (http.accept; content:\"a\"; http.accept_enc; content:\"g\"; http.referer; content:\"r\"; sid:8;)",
	"alert http any any -> any any (http.request_line; content:\" \"; http.uri; bsize:>2; sid:9;)",
	"alert http any any -> any any (http.response_line; content:\" \"; sid:14;)",
	"alert http any any -> any any (http.host; dotprefix; content:\".h\"; http.host.raw; content:\":\"; http.header.raw; content:\"a\"; sid:10;)",
	"alert tcp any any -> any any (content:\"a\"; byte_jump:1,0,relative; content:\"b\"; within:3; sid:11;)",
	"alert smtp any any -> any any (file.data; content:\"m\"; sid:12;)",
	"alert http any any -> any any (content:\"|0d 0a 0d 0a|\"; http.method; content:\"G\"; sid:13;)",
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
	uint8_t a[16] = { 0 }, b[16] = { 0 }, *norm;
	size_t chunk, pos = 1;
	unsigned int dir = 0;
	uint32_t flags;

	if (!img)
		init();
	if (!size)
		return 0;
	norm = malloc(size);
	tlsi_http_normalize_uri(data, (uint32_t)size, norm, &flags);
	free(norm);
	chunk = 1 + data[0] % 64;
	if (data[0] & 0x80)
		cfg.body_depth = 7;
	if (data[0] & 0x40)
		cfg.depth = 300;
	c.eng = &eng;
	c.s = scratch;
	c.cfg = &cfg;
	f = calloc(1, sizeof(*f));
	tlsi_eng_flow_init(f, a, 1, b, 80);
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
