// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tlsid's ClientHello parser, which reads bytes straight
 * from the network. Every prefix of the input is parsed too, as tlsid
 * parses whatever MSG_PEEK returned so far; the parser must never read
 * outside the buffer (ASan) and must say TRUNCATED only for prefixes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../userspace/tlsid/clienthello.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsid_ch ch;
	uint8_t *copy;
	size_t cut;
	int rc;

	if (size > TLSID_CH_PEEK_MAX)
		size = TLSID_CH_PEEK_MAX;
	/* An exact-size heap copy, so that ASan sees any overread. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = tlsid_ch_parse(copy, size, &ch);
	if (rc == TLSID_CH_OK) {
		if (ch.consumed > size || strlen(ch.sni) > TLSID_CH_SNI_MAX ||
		    ch.alpn_len > TLSID_CH_ALPN_MAX)
			abort();
		(void)tlsid_ch_max_version(&ch);
		/* A complete hello: each shorter prefix is at most TRUNCATED. */
		for (cut = 0; cut < ch.consumed; cut += 1 + cut / 8)
			if (tlsid_ch_parse(copy, cut, &ch) == TLSID_CH_OK)
				abort();
	} else if (!tlsid_ch_strerror(rc)) {
		abort();
	}
	free(copy);
	return 0;
}
