// SPDX-License-Identifier: GPL-2.0
/*
 * The inspection hook of the relays: every plaintext chunk of a handed-off
 * session passes here, in order per direction. Until the filter engine is
 * attached it counts the bytes it was shown and passes everything.
 */
#include "tlsi.h"

int tlsi_inspect_start(struct tlsi_inspect_session *is)
{
	is->engine = NULL;
	return 0;
}

enum tlsi_inspect_verdict tlsi_inspect_data(struct tlsi_inspect_session *is,
					    enum tlsi_dir dir, const u8 *data,
					    size_t len)
{
	is->bytes[dir] += len;
	tlsi_count_add(is->tn, dir == TLSI_DIR_C2S ? TLSI_CNT_INSPECT_BYTES_C2S :
			       TLSI_CNT_INSPECT_BYTES_S2C, len);
	return TLSI_INSPECT_PASS;
}

void tlsi_inspect_end(struct tlsi_inspect_session *is)
{
}
