/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `pcre' keyword: Suricata's "[!]/expression/modifiers" parsed, and the
 * expression compiled to a program for the matcher of engine/regex.h.
 * Everything PCRE accepts and a non-backtracking matcher can evaluate with
 * the same meaning is compiled; the rest (backreferences, unbounded or
 * nested lookaround, atomic groups, possessive quantifiers, recursion,
 * conditionals...) is refused with the reason.
 */
#ifndef TLSI_RULES_PCRE_H
#define TLSI_RULES_PCRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regex.h"

/* Compile options (the modifiers PCRE itself knows). */
#define RX_CASELESS	0x01	/* i */
#define RX_DOTALL	0x02	/* s */
#define RX_MULTILINE	0x04	/* m */
#define RX_EXTENDED	0x08	/* x */
#define RX_ANCHORED	0x10	/* A */
#define RX_DOLLAR_END	0x20	/* E */
#define RX_UNGREEDY	0x40	/* G */

/* A compiled program (arrays owned; free with rx_prog_free). */
struct rx_prog {
	struct tlsi_img_re_insn *insns;
	uint32_t ninsns;
	struct tlsi_img_re_class *classes;
	uint32_t nclasses;
	uint32_t flags;		/* TLSI_RE_F_* */
	uint32_t first;		/* class index or TLSI_RE_NO_CLASS */
	uint8_t req[2];		/* TLSI_RE_F_REQ */
	uint8_t lit[TLSI_RE_LIT_MAX];	/* TLSI_RE_F_LIT, lower case */
	uint32_t litlen;
	uint8_t *dfa;		/* TLSI_RE_F_DFA: image layout (regex.h) */
	uint32_t dfalen;
};

/*
 * Compile pattern (len bytes, no delimiters) with RX_* options. 0, or -1
 * with why ("backreference \\1", "lookbehind of variable length").
 */
int rx_compile(const char *pattern, size_t len, unsigned int opts, struct rx_prog *out,
	       char *why, size_t whylen);
void rx_prog_free(struct rx_prog *p);

/* The program as the matcher takes it. */
static inline struct tlsi_re_prog rx_view(const struct rx_prog *p)
{
	struct tlsi_re_prog g = {
		.insns = p->insns, .classes = p->classes, .ninsns = p->ninsns,
		.nclasses = p->nclasses, .flags = p->flags, .first = p->first,
		.req = { p->req[0], p->req[1] },
		.lit = p->lit, .litlen = p->litlen,
		.dfa = p->dfa, .dfalen = p->dfalen,
	};
	return g;
}

/* A pcre keyword's value. */
struct rx_pcre {
	bool negate;		/* "!/.../" */
	bool relative;		/* R */
	int buf;		/* enum tlsi_buf of a buffer modifier, or -1 */
	unsigned int opts;	/* RX_* */
	char *pattern;		/* between the slashes, owned */
	size_t len;
};

/*
 * Split val (as written after "pcre:", quotes included) into expression
 * and modifiers. 0, or -1 with why (syntax, or a modifier tlsi refuses).
 */
int rx_parse_pcre(const char *val, struct rx_pcre *out, char *why, size_t whylen);

#endif /* TLSI_RULES_PCRE_H */
