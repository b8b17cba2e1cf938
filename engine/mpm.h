/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multi-pattern matcher: scans input with one automaton of a validated
 * image (struct tlsi_img_mpm, described in image.h). Case-insensitive: the
 * automaton runs over case-folded input, so a case-sensitive pattern is a
 * candidate whenever its folded form occurs; tlsi_mpm_verify() (or the
 * rule program) settles the case.
 *
 * The scan keeps a single 32-bit state, so streaming is free: pass the
 * state returned for one chunk to the scan of the next and a pattern split
 * across them is found where it ends. No allocation, no recursion.
 */
#ifndef TLSI_MPM_H
#define TLSI_MPM_H

#include "compat.h"
#include "image.h"

struct tlsi_mpm {
	const uint8_t *cmap;
	const uint32_t *dense;
	const struct tlsi_img_mpm_sparse *sparse;
	const uint8_t *ecls;
	const uint32_t *enext;
	const uint32_t *outidx;
	const uint32_t *outs;
	const struct tlsi_img_pattern *pats;	/* this automaton's first pattern */
	const uint8_t *bytes;			/* the image's BYTES section */
	uint32_t ndense, nclass, npats, maxlen;
};

/* Fill m for automaton idx of a validated image. */
void tlsi_mpm_view(struct tlsi_mpm *m, const void *img, uint32_t idx);

/*
 * Report each pattern occurrence ending in data[0..len): cb(arg, pattern,
 * end) with pattern relative to the automaton's first and end the offset
 * just past the occurrence's last byte in data (it may have begun in an
 * earlier chunk). A nonzero return from cb stops the scan. Returns the
 * state to pass with the next chunk of the same stream (0 starts afresh).
 */
static inline uint32_t tlsi_mpm_scan(const struct tlsi_mpm *m, uint32_t s,
				     const uint8_t *data, size_t len,
				     int (*cb)(void *arg, uint32_t pat, size_t end),
				     void *arg)
{
	const uint8_t *cmap = m->cmap;
	const uint32_t *dense = m->dense;
	const uint32_t nclass = m->nclass, ndense = m->ndense;
	size_t i;

	for (i = 0; i < len; i++) {
		uint32_t c = cmap[data[i]], t;

		if (likely(s < ndense)) {
			t = le32v(dense[s * nclass + c]);
		} else {
			const struct tlsi_img_mpm_sparse *sp = &m->sparse[s - ndense];
			uint32_t n = le16v(sp->count), k;

			t = le32v(dense[le32v(sp->def) * nclass + c]);
			for (k = 0; k < TLSI_MPM_INLINE && k < n; k++) {
				if (sp->cls[k] == c) {
					t = le32v(sp->next[k]);
					goto found;
				}
			}
			if (unlikely(n > TLSI_MPM_INLINE)) {
				uint32_t e = le32v(sp->first), end = e + n - TLSI_MPM_INLINE;

				for (; e < end; e++) {
					if (m->ecls[e] == c) {
						t = le32v(m->enext[e]);
						break;
					}
				}
			}
found:
			;
		}
		s = t & ~TLSI_IMG_MPM_MATCH;
		if (unlikely(t & TLSI_IMG_MPM_MATCH)) {
			uint32_t o = le32v(m->outidx[s]), oe = le32v(m->outidx[s + 1]);

			for (; o < oe; o++)
				if (cb(arg, le32v(m->outs[o]), i + 1))
					return s;
		}
	}
	return s;
}

/*
 * Exact check of pattern pat ending at data[end] (end as reported by the
 * scan), honouring its case flag. 0 when the bytes are not all in
 * data[0..end) (the occurrence began in an earlier chunk): the caller
 * decides with the history it kept.
 */
int tlsi_mpm_verify(const struct tlsi_mpm *m, uint32_t pat,
		    const uint8_t *data, size_t end);

#endif /* TLSI_MPM_H */
