// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the regex compiler and matcher against PCRE2. Input:
 * one byte of options (i s m x E G), the expression up to the first NUL
 * (at most 256 bytes), then the subject. Whatever tlsi compiles PCRE2
 * must compile too, and both must agree on whether the subject matches;
 * the program must pass the kernel's validator, and the search must stay
 * within its linear bound of steps.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "rules_pcre.h"

static struct tlsi_re_scratch sc;

static uint32_t pcre2_opts(unsigned int o)
{
	return ((o & RX_CASELESS) ? PCRE2_CASELESS : 0) |
	       ((o & RX_DOTALL) ? PCRE2_DOTALL : 0) |
	       ((o & RX_MULTILINE) ? PCRE2_MULTILINE : 0) |
	       ((o & RX_EXTENDED) ? PCRE2_EXTENDED : 0) |
	       ((o & RX_DOLLAR_END) ? PCRE2_DOLLAR_ENDONLY : 0) |
	       ((o & RX_UNGREEDY) ? PCRE2_UNGREEDY : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int optbits[] = { RX_CASELESS, RX_DOTALL, RX_MULTILINE,
						RX_EXTENDED, RX_DOLLAR_END, RX_UNGREEDY };
	const uint8_t *nul;
	unsigned int opts = 0, i;
	size_t plen;
	struct rx_prog p;
	char why[200];
	struct tlsi_re_prog g;
	struct tlsi_re_subject sub;
	uint32_t ms, me;
	uint64_t budget, limit;
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int err, r, orc;
	PCRE2_SIZE off;

	if (size < 2)
		return 0;
	for (i = 0; i < 6; i++)
		if (data[0] & (1u << i))
			opts |= optbits[i];
	data++;
	size--;
	nul = memchr(data, 0, size);
	plen = nul ? (size_t)(nul - data) : size;
	if (plen > 256)
		return 0;
	if (rx_compile((const char *)data, plen, opts, &p, why, sizeof(why)))
		return 0;
	g = rx_view(&p);
	if (tlsi_re_validate(&g, why, sizeof(why))) {
		fprintf(stderr, "compiled program refused: %s\n", why);
		abort();
	}
	code = pcre2_compile(data, plen, pcre2_opts(opts), &err, &off, NULL);
	if (!code) {
		fprintf(stderr, "tlsi compiled what PCRE2 refuses: %.*s\n", (int)plen, data);
		abort();
	}
	sub.p = nul ? nul + 1 : data + size;
	sub.len = nul ? (uint32_t)(size - plen - 1) : 0;
	sub.bos = 1;
	limit = budget = 2 * (uint64_t)(p.ninsns + 1) * (sub.len + 1) * (TLSI_RE_SUB_MAX + 1);
	r = tlsi_re_search(&g, &sc, &sub, 0, &ms, &me, &budget, NULL);
	if (r < 0) {
		fprintf(stderr, "search beyond %llu steps\n", (unsigned long long)limit);
		abort();
	}
	md = pcre2_match_data_create_from_pattern(code, NULL);
	mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 100000);
	pcre2_set_depth_limit(mc, 1000);
	orc = pcre2_match(code, sub.p, sub.len, 0, 0, md, mc);
	if (orc >= 0 || orc == PCRE2_ERROR_NOMATCH) {
		if ((orc >= 0) != (r == 1)) {
			fprintf(stderr, "disagree on /%.*s/ (opts 0x%x): tlsi %d, PCRE2 %d\n",
				(int)plen, data, opts, r, orc);
			abort();
		}
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_code_free(code);
	rx_prog_free(&p);
	return 0;
}
