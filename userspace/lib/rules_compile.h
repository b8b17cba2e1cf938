/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule compiler: parsed rules (rules_parse.h) to the binary image of
 * engine/image.h, with one multi-pattern automaton per direction and buffer
 * (rules_mpm.c).
 */
#ifndef TLSI_RULES_COMPILE_H
#define TLSI_RULES_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "rules_parse.h"

/* A growable byte buffer. */
struct rc_buf {
	uint8_t *p;
	size_t len, cap;
};

/* Append n bytes (p may be NULL: zeroes); returns the offset or -1. */
long rc_buf_put(struct rc_buf *b, const void *p, size_t n);
/* Pad with zeroes to a multiple of a. */
int rc_buf_align(struct rc_buf *b, size_t a);
void rc_buf_free(struct rc_buf *b);

/* ---- automata (rules_mpm.c) ---------------------------------------------- */

struct rm_pattern {
	const uint8_t *p;
	uint32_t len;
};

/*
 * Build the automaton over n patterns (matched case-insensitively) into
 * data (MPMDATA, offsets relative to it) and fill out (all but pat_first
 * and pat_count). The root, the states at depth <= 3 and those whose
 * transitions differ from their default state's in many classes get full
 * rows, as long as the rows fit in dense_budget bytes. Returns 0 or -1
 * (out of memory or limits) with err set.
 */
int rm_build(const struct rm_pattern *pats, uint32_t n, size_t dense_budget,
	     struct rc_buf *data, struct tlsi_img_mpm *out, char *err,
	     size_t errlen);

#define RM_DENSE_BUDGET		((size_t)1 << 20)

/* ---- the compiler ---------------------------------------------------------- */

struct rc_stats {
	uint32_t rules;
	uint32_t patterns;		/* distinct fast patterns */
	uint32_t automata;
	uint32_t states;
	uint32_t nonmpm;		/* rules without a fast pattern */
	size_t mpm_bytes;		/* MPMDATA */
	size_t image_bytes;
};

/*
 * Compile the rules of set (every rule in set->rules is compilable) into a
 * freshly allocated image (*img, *len; free() it). Returns 0 or -1 with err.
 */
int rc_compile(const struct rp_set *set, uint8_t **img, size_t *len,
	       struct rc_stats *st, char *err, size_t errlen);

/* Read an image file into 8-byte aligned memory (free() it). */
int rc_read_image(const char *path, uint8_t **img, size_t *len, char *err,
		  size_t errlen);

#endif /* TLSI_RULES_COMPILE_H */
