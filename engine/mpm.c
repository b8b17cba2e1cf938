// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-pattern matcher: views over a validated image (the scan loop itself
 * is inline in mpm.h).
 */
#include "compat.h"
#include "image.h"
#include "mpm.h"

void tlsi_mpm_view(struct tlsi_mpm *m, const void *img, uint32_t idx)
{
	const struct tlsi_img_mpm *a =
		&((const struct tlsi_img_mpm *)tlsi_img_sect(img, TLSI_IMG_S_MPMS))[idx];
	const uint8_t *d = tlsi_img_sect(img, TLSI_IMG_S_MPMDATA);

	m->cmap = d + le32v(a->cmap_off);
	m->dense = (const uint32_t *)(d + le32v(a->dense_off));
	m->sparse = (const struct tlsi_img_mpm_sparse *)(d + le32v(a->sparse_off));
	m->ecls = d + le32v(a->ecls_off);
	m->enext = (const uint32_t *)(d + le32v(a->enext_off));
	m->outidx = (const uint32_t *)(d + le32v(a->outidx_off));
	m->outs = (const uint32_t *)(d + le32v(a->outs_off));
	m->pats = (const struct tlsi_img_pattern *)tlsi_img_sect(img, TLSI_IMG_S_PATTERNS) +
		  le32v(a->pat_first);
	m->bytes = tlsi_img_sect(img, TLSI_IMG_S_BYTES);
	m->ndense = le32v(a->ndense);
	m->nclass = le32v(a->nclass);
	m->npats = le32v(a->pat_count);
	m->maxlen = le32v(a->maxlen);
}

int tlsi_mpm_verify(const struct tlsi_mpm *m, uint32_t pat,
		    const uint8_t *data, size_t end)
{
	const struct tlsi_img_pattern *p;
	const uint8_t *b, *d;
	size_t len, i;

	if (pat >= m->npats)
		return 0;
	p = &m->pats[pat];
	b = m->bytes + le32v(p->bytes_off);
	len = le16v(p->len);
	if (len > end)
		return 0;
	d = data + end - len;
	if (!(le16v(p->flags) & TLSI_PAT_F_NOCASE))
		return !memcmp(d, b, len);
	for (i = 0; i < len; i++)
		if (tlsi_lower(d[i]) != tlsi_lower(b[i]))
			return 0;
	return 1;
}
