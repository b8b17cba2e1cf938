// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the image validator. A valid image is compiled once;
 * each input is a list of patches (3-byte offset, 1-byte xor) applied to
 * it, with the checksum recomputed unless the first byte says otherwise,
 * so the structural checks are what is exercised. Inputs that do not start
 * with 'R' are also tried as whole images. Whatever validates is run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"

static uint8_t *base;
static size_t base_len;

static const char *rules =
	"alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"a\"; content:\"abcdef\"; content:\"xyz\"; distance:0; within:10; flowbits:set,f; sid:1;)\n"
	"alert http any any -> any any (msg:\"b\"; flowbits:isset,f; http.uri; content:\"/evil\"; byte_test:1,>,10,0,relative; isdataat:2,relative; sid:2;)\n"
	"drop http any any -> any any (msg:\"c\"; http.stat_code; content:\"500\"; file.data; content:!\"ok\"; byte_jump:2,0,relative,string,dec; sid:3;)\n"
	"alert tcp any any -> any ![22,23] (msg:\"d\"; dsize:>5; content:!\"zz\"; threshold:type limit,track by_src,count 1,seconds 9; sid:4;)\n"
	"alert tls any any -> any any (msg:\"e\"; tls.sni; dotprefix; content:\".bad.example\"; endswith; sid:5;)\n"
	"alert http any any -> any any (msg:\"f\"; http.header; content:\"X-A|3a 20|\"; nocase; bsize:<100; sid:6;)\n"
	"alert tcp any any -> any any (msg:\"g\"; content:\"id=\"; pcre:\"/^\\d+(?:[a-f]|x(?!y))*\\b/Ri\"; content:\"z\"; within:4; sid:7;)\n"
	"alert http any any -> any any (msg:\"i\"; app-layer-event:http.invalid_transfer_encoding_value_in_request; sid:9;)\n"
	"alert tcp any any -> any any (msg:\"h\"; content:\"H\"; byte_extract:2,0,n,relative,multiplier 2,align 4; byte_test:2,>,n,0,relative; isdataat:n,relative; content:\"q\"; distance:n; within:n; byte_jump:1,n,relative; sid:8;)\n";

static void build(void)
{
	struct rp_set s;
	char err[256];
	const char *p = rules;
	unsigned int line = 0;

	rp_set_init(&s);
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *l = strndup(p, (size_t)(nl - p));

		rp_parse_rule(&s, "seed", ++line, l);
		free(l);
		p = nl + 1;
	}
	if (rc_compile(&s, &base, &base_len, NULL, err, sizeof(err)))
		abort();
	rp_set_free(&s);
}

static void run(const uint8_t *img, size_t len)
{
	static const char req[] = "GET /evil\x20 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\nabcdefxyz zz";
	static const char resp[] = "HTTP/1.1 500 x\r\nContent-Length: 6\r\n\r\n12ok..";
	struct tlsi_eng e;
	char err[512];
	struct tlsi_eng_thresh th[4];

	if (tlsi_eng_init(&e, img, len, err, sizeof(err)))
		return;
	{
		struct tlsi_eng_scratch *sc = calloc(1, tlsi_eng_scratch_size(&e));
		struct tlsi_eng_flow *f = calloc(1, sizeof(*f));
		struct tlsi_eng_ctx c = { .eng = &e, .s = sc };
		struct tlsi_eng_tls_info ti = { .sni = (const uint8_t *)"x.bad.example", .sni_len = 13 };
		uint8_t a[16] = { 0 }, b[16] = { 0 };

		memset(th, 0, sizeof(th));
		e.thresh = th;
		e.nthresh = 4;
		a[10] = a[11] = b[10] = b[11] = 0xff;
		a[12] = 10;
		b[12] = 192;
		tlsi_eng_flow_init(f, a, 40000, b, 80);
		tlsi_eng_tls(&c, f, &ti);
		tlsi_eng_inspect(&c, f, 0, (const uint8_t *)req, sizeof(req) - 1);
		tlsi_eng_inspect(&c, f, 1, (const uint8_t *)resp, sizeof(resp) - 1);
		tlsi_eng_eof(&c, f, 0);
		tlsi_eng_eof(&c, f, 1);
		{
			/* packet rules: a UDP datagram each way, an ICMP echo */
			struct tlsi_eng_pkt pk = { .proto = 17, .ttl = 3, .payload = (const uint8_t *)req,
						   .len = sizeof(req) - 1 };

			tlsi_eng_flow_init(f, a, 40000, b, 53);
			tlsi_eng_datagram(&c, f, 0, &pk);
			pk.payload = (const uint8_t *)resp;
			pk.len = sizeof(resp) - 1;
			tlsi_eng_datagram(&c, f, 1, &pk);
			pk.proto = 1;
			pk.icmp_type = 8;
			tlsi_eng_flow_init(f, a, 0, b, 0);
			tlsi_eng_datagram(&c, f, 0, &pk);
		}
		free(sc);
		free(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *img;
	size_t i;

	if (!base)
		build();
	if (size && data[0] != 'R') {
		/* the input as a whole image (aligned copy) */
		img = aligned_alloc(8, (size + 7) & ~(size_t)7);
		memcpy(img, data, size);
		run(img, size);
		free(img);
	}
	img = aligned_alloc(8, (base_len + 7) & ~(size_t)7);
	memcpy(img, base, base_len);
	for (i = 1; i + 4 <= size; i += 4) {
		size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8 | (size_t)data[i + 2] << 16) %
			     base_len;

		img[off] ^= data[i + 3];
	}
	if (!size || !(data[0] & 0x80)) {
		struct tlsi_img_hdr *h = (struct tlsi_img_hdr *)img;

		h->crc32 = 0;
		h->crc32 = tlsi_img_crc32(0, img, base_len);
	}
	run(img, base_len);
	free(img);
	return 0;
}
