// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: TLS hellos in the clear (engine/tls.c). Each input is
 * taken as a client stream (records), as a handshake message (JA3 and
 * JA4), and as the server's answer to a fixed ClientHello, through the
 * engine with ja3, ja3s, ja4.hash and tls.sni rules, in one piece and in
 * 7-byte chunks. Nothing may read outside the input or the scratch; the
 * JA3 text must fit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"

static struct tlsi_eng eng;
static struct tlsi_eng_scratch *scratch;
static struct tlsi_eng_flow *flow;
static struct tlsi_eng_xbit xbits[4096];
static uint8_t *img;

static const char *rules =
	"alert tls any any -> any any (msg:\"a\"; ja3.hash; content:\"2aef69b4ba1938c3a400de4188743185\"; sid:1;)\n"
	"alert tls any any -> any any (msg:\"b\"; ja3.string; content:\"771,\"; startswith; xbits:set,x,track ip_pair; sid:2;)\n"
	"alert tls any any -> any any (msg:\"c\"; ja3s.string; content:\",4865,\"; sid:3;)\n"
	"alert tls any any -> any any (msg:\"d\"; tls.sni; content:\"a\"; xbits:isset,x,track ip_pair; sid:4;)\n"
	"alert tls any any -> any any (msg:\"e\"; ja4.hash; content:\"t13d\"; startswith; sid:5;)\n";

static const uint8_t client_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x00,
};

static void setup(void)
{
	struct rp_set s;
	char err[256];
	const char *p = rules;
	unsigned int line = 0;
	size_t len;

	rp_set_init(&s);
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *l = strndup(p, (size_t)(nl - p));

		rp_parse_rule(&s, "seed", ++line, l);
		free(l);
		p = nl + 1;
	}
	err[0] = '\0';
	if (s.nrules != 5 || rc_compile(&s, &img, &len, NULL, err, sizeof(err)) ||
	    tlsi_eng_init(&eng, img, len, err, sizeof(err))) {
		fprintf(stderr, "setup: %s\n", err);
		abort();
	}
	rp_set_free(&s);
	eng.xbits = xbits;
	eng.nxbits = 4096;
	scratch = calloc(1, tlsi_eng_scratch_size(&eng));
	flow = calloc(1, sizeof(*flow));
	if (!scratch || !flow)
		abort();
}

static void run(struct tlsi_eng_ctx *c, unsigned int dir, const uint8_t *p, size_t n,
		size_t chunk)
{
	size_t i;

	for (i = 0; i < n; i += chunk)
		tlsi_eng_inspect(c, flow, dir, p + i, n - i < chunk ? n - i : chunk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t a[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	static const uint8_t b[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	struct tlsi_eng_cfg cfg = { 0 };
	struct tlsi_eng_ctx c = { .cfg = &cfg };
	struct tlsi_tls_hello h;
	static char fp[TLSI_TLS_FP_MAX];
	static uint8_t msg[TLSI_TLS_MSG_MAX];
	static uint16_t work[TLSI_TLS_MSG_MAX / 2];
	char ja4[TLSI_JA4_LEN];
	size_t chunk;

	if (!scratch)
		setup();
	c.eng = &eng;
	c.s = scratch;
	(void)tlsi_tls_hello(data, size, fp, sizeof(fp), &h);
	(void)tlsi_tls_ja4(data, size, work, TLSI_ENG_MIN(size / 2, sizeof(work) / sizeof(work[0])), ja4);
	(void)tlsi_tls_first_message(data, size, msg, sizeof(msg));
	for (chunk = 7; chunk <= size + 7; chunk += size ? size : 1) {
		tlsi_eng_flow_init(flow, a, 40000, b, 443);
		run(&c, TLSI_DIR_TO_SERVER, data, size, chunk);
		tlsi_eng_flow_init(flow, a, 40000, b, 443);
		run(&c, TLSI_DIR_TO_SERVER, client_hello, sizeof(client_hello), chunk);
		run(&c, TLSI_DIR_TO_CLIENT, data, size, chunk);
	}
	return 0;
}
