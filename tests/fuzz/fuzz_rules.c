// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the rule parser and compiler. The input is rule text
 * (one rule a line); every rule that loads is compiled, the image must
 * validate, and the engine runs it over a short HTTP exchange, UDP and
 * ICMP packets and TCP packets (flags, established).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"

static const char req[] = "POST /a/b.php?x=1 HTTP/1.1\r\nHost: h.example\r\nUser-Agent: ua\r\n"
			  "Cookie: c=1\r\nContent-Length: 5\r\n\r\nhello";
static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_set s;
	char *text = malloc(size + 1), *p, *nl, err[512];
	unsigned int line = 0;
	uint8_t *img = NULL;
	size_t len = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rp_set_init(&s);
	s.pcre = size && (data[0] & 1) ? RP_PCRE_PREFILTER : RP_PCRE_SKIP;
	for (p = text; p && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		rp_parse_rule(&s, "fuzz", ++line, p);
	}
	if (!rc_compile(&s, &img, &len, NULL, err, sizeof(err))) {
		struct tlsi_eng e;

		if (tlsi_eng_init(&e, img, len, err, sizeof(err))) {
			fprintf(stderr, "compiled image refused: %s\n", err);
			abort();
		} else {
			struct tlsi_eng_scratch *sc = calloc(1, tlsi_eng_scratch_size(&e));
			struct tlsi_eng_flow *f = calloc(1, sizeof(*f));
			struct tlsi_eng_ctx c = { .eng = &e, .s = sc };
			uint8_t a[16] = { 0 }, b[16] = { 0 };

			a[10] = a[11] = b[10] = b[11] = 0xff;
			a[12] = 10;
			b[12] = 192;
			tlsi_eng_flow_init(f, a, 40000, b, 80);
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
				/* TCP packet rules: a handshake, then data */
				pk.proto = 6;
				pk.payload = NULL;
				pk.len = 0;
				tlsi_eng_flow_init(f, a, 40000, b, 80);
				pk.tcp_flags = 0x02;
				tlsi_eng_datagram(&c, f, 0, &pk);
				pk.tcp_flags = 0x12;
				tlsi_eng_datagram(&c, f, 1, &pk);
				pk.tcp_flags = 0x18;
				pk.established = 1;
				pk.payload = (const uint8_t *)req;
				pk.len = sizeof(req) - 1;
				tlsi_eng_datagram(&c, f, 0, &pk);
				pk.tcp_flags = size ? data[size - 1] : 0;
				tlsi_eng_datagram(&c, f, 1, &pk);
			}
			free(sc);
			free(f);
		}
	}
	free(img);
	rp_set_free(&s);
	free(text);
	return 0;
}
