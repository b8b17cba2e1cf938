/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Regular expressions that cannot backtrack: the matcher of the `pcre'
 * keyword, in the kernel and in userspace.
 *
 * The rule compiler (userspace/lib/rules_pcre*.c) turns a PCRE expression
 * into a program for a Thompson NFA; tlsi_re_search() runs it as a Pike VM
 * (threads kept in priority order, so the match found is the one PCRE
 * finds: leftmost, then first by alternation order and greediness). Each
 * input byte costs at most one step per instruction, whatever the
 * expression, so a search is linear in its input. Memory is the caller's
 * struct tlsi_re_scratch, of a fixed size; a search never allocates.
 *
 * A program lives in the image's REGEXDATA section (engine/image.h): an
 * array of struct tlsi_img_re_insn followed by an array of 256-bit byte
 * classes. Execution starts at instruction 0; every instruction but JMP,
 * SPLIT and MATCH continues at the next one.
 *
 * Lookaround: LOOK runs a sub-program (instructions [x, y), which end in
 * MATCH) anchored at the current position: ahead, or behind from z bytes
 * before it (z fixed: the compiler only accepts fixed-length lookbehind).
 * Sub-programs are at most TLSI_RE_SUB_MAX instructions, hold no LOOK and
 * are only entered through their LOOK; the compiler only emits bodies of
 * bounded length, so the cost per position stays bounded.
 */
#ifndef TLSI_REGEX_H
#define TLSI_REGEX_H

#include "compat.h"

#define TLSI_RE_INSNS_MAX	4096	/* instructions per program */
#define TLSI_RE_CLASSES_MAX	1024	/* byte classes per program */
#define TLSI_RE_SUB_MAX		256	/* instructions per lookaround body */
#define TLSI_RE_NO_CLASS	0xffff

enum tlsi_re_op {
	TLSI_RE_BYTE = 1,	/* arg: the byte */
	TLSI_RE_CLASS,		/* x: class index */
	TLSI_RE_ANY,		/* any byte */
	TLSI_RE_SPLIT,		/* try x, then y */
	TLSI_RE_JMP,		/* x */
	TLSI_RE_ASSERT,		/* arg: enum tlsi_re_assert */
	TLSI_RE_LOOK,		/* arg: TLSI_RE_LOOK_*; body [x, y); z: behind */
	TLSI_RE_MATCH,
	TLSI_RE_OP_MAX
};

enum tlsi_re_assert {
	TLSI_RE_A_BOT,		/* start of subject: \A, ^ */
	TLSI_RE_A_BOL,		/* ^ with /m */
	TLSI_RE_A_EOT,		/* end of subject: \z, $ with /E */
	TLSI_RE_A_EOTNL,	/* end, or before a final \n: \Z, $ */
	TLSI_RE_A_EOL,		/* $ with /m */
	TLSI_RE_A_WORDB,	/* \b */
	TLSI_RE_A_NWORDB,	/* \B */
	TLSI_RE_A_MAX
};

#define TLSI_RE_LOOK_NEG	0x1	/* (?! (?<! */
#define TLSI_RE_LOOK_BEHIND	0x2	/* (?<= (?<! */
#define TLSI_RE_LOOK_ALL	0x3

struct tlsi_img_re_insn {		/* 8 bytes */
	uint8_t op;			/* enum tlsi_re_op */
	uint8_t arg;
	uint16_t x, y, z;
};

struct tlsi_img_re_class {		/* 32 bytes: bit b set = byte b */
	uint8_t bits[32];
};

/* TLSI_RE_F_*: struct tlsi_img_regex.flags */
#define TLSI_RE_F_ANCHORED	0x1	/* begins with \A: only tried at the
					 * search's start */
#define TLSI_RE_F_REQ		0x2	/* every match consumes a byte
					 * req[0] or req[1]: a subject
					 * without one is not searched */
#define TLSI_RE_F_LIT		0x4	/* every match contains the string
					 * lit (litlen bytes, lower case,
					 * compared without case): a subject
					 * without it is not searched */
#define TLSI_RE_F_DFA		0x8	/* a DFA (below) follows the
					 * required string */
#define TLSI_RE_F_DFA_EXACT	0x10	/* with DFA: the program has no
					 * assertion but \A and no lookaround,
					 * so its DFA is exact: an anchored
					 * search alive at the end without a
					 * match is the VM's answer too */
#define TLSI_RE_F_ALL		0x1f
#define TLSI_RE_LIT_MAX		16

/*
 * The DFA of a program, a prefilter: it tells, in one table lookup per
 * byte, whether the subject holds a match of a relaxed program (every
 * assertion but \A taken as true, every lookaround as passed), so every
 * real match is one of its matches. The compiler builds it by subset
 * construction when it stays small; without a match of the relaxed
 * program the Pike VM is not run. Unanchored programs restart the
 * program at every byte (the DFA of .*(re)); anchored ones do not and can
 * die.
 *
 * Layout (REGEXDATA, 8-byte aligned): this header, cols[256] (the
 * column of each byte: bytes no instruction tells apart share one), then
 * next[nstates][ncols], little-endian 16-bit: the state after a byte as
 * the offset of its row in next (state x ncols: no multiplication on the
 * path of each byte), TLSI_RE_DFA_ACCEPT set when that state holds a
 * match, or TLSI_RE_DFA_DEAD; padded to 8 bytes. The start states are
 * coded the same way.
 */
struct tlsi_img_re_dfa {		/* 8 bytes */
	uint16_t nstates, ncols;
	uint16_t start_bot;		/* state at the buffer's start (\A holds) */
	uint16_t start_mid;		/* state anywhere else */
};

#define TLSI_RE_DFA_ACCEPT	0x8000
#define TLSI_RE_DFA_DEAD	0x7fff
#define TLSI_RE_DFA_STATES_MAX	4096
#define TLSI_RE_DFA_HDR		(8 + 256)
#define TLSI_RE_DFA_BYTES_MAX	65536	/* table and header: every row
					 * offset stays below DEAD */

static inline uint64_t tlsi_re_dfa_bytes(uint32_t nstates, uint32_t ncols)
{
	return ((uint64_t)TLSI_RE_DFA_HDR + 2ull * nstates * ncols + 7) & ~7ull;
}

/* A program, as tlsi_re_search() takes it (pointers into a validated
 * image, or the compiler's own arrays). */
struct tlsi_re_prog {
	const struct tlsi_img_re_insn *insns;
	const struct tlsi_img_re_class *classes;
	uint32_t ninsns, nclasses;
	uint32_t flags;			/* TLSI_RE_F_* */
	uint32_t first;			/* class every match starts with, or
					 * TLSI_RE_NO_CLASS */
	uint8_t req[2];			/* with TLSI_RE_F_REQ */
	const uint8_t *lit;		/* with TLSI_RE_F_LIT */
	uint32_t litlen;
	const uint8_t *dfa;		/* with TLSI_RE_F_DFA: the header */
	uint32_t dfalen;		/* its bytes, tlsi_re_dfa_bytes() */
};

struct tlsi_re_thread {
	uint32_t pc;
	uint32_t start;
};

/* Working memory of one search (about 100 KB; per CPU / per thread). */
struct tlsi_re_scratch {
	uint32_t gen;
	uint32_t mark[TLSI_RE_INSNS_MAX];
	struct tlsi_re_thread list[2][TLSI_RE_INSNS_MAX];
	uint32_t stack[2 * TLSI_RE_INSNS_MAX + 2];
	/* lookaround bodies: one level, small */
	uint32_t sgen;
	uint32_t smark[TLSI_RE_SUB_MAX];
	uint32_t slist[2][TLSI_RE_SUB_MAX];
	uint32_t sstack[3 * TLSI_RE_SUB_MAX + 2];
};

/* Subject of a search: bytes p[0, len), where p[0] is the start of the
 * buffer when bos is set (otherwise ^ and \A cannot match at 0). */
struct tlsi_re_subject {
	const uint8_t *p;
	uint32_t len;
	uint8_t bos;
};

/*
 * Search s for the program's first match starting at or after `from'.
 * Returns 1 with *mstart, *mend (match [start, end)), 0 when there is
 * none, -1 when *budget steps ran out first (a step is one thread on one
 * byte; *budget is decreased by the steps taken either way). On 0,
 * *partial (when not NULL) says whether bytes after the subject's end
 * could still make a match: 0 when every thread died inside the subject
 * (an anchored expression that failed), so a stream need not wait. A
 * caller with a complete subject passes NULL: finding that out may cost
 * a run of the VM the DFA would spare.
 */
int tlsi_re_search(const struct tlsi_re_prog *prog, struct tlsi_re_scratch *sc,
		   const struct tlsi_re_subject *s, uint32_t from,
		   uint32_t *mstart, uint32_t *mend, uint64_t *budget, int *partial);

/*
 * Check a program (insns and classes as found in an image) for what the
 * matcher relies on: opcodes, targets, classes, lookaround bodies. 0, or
 * -1 with the reason in err.
 */
int tlsi_re_validate(const struct tlsi_re_prog *prog, char *err, size_t errlen);

static inline int tlsi_re_class_has(const struct tlsi_img_re_class *c, uint8_t b)
{
	return (c->bits[b >> 3] >> (b & 7)) & 1;
}

_Static_assert(sizeof(struct tlsi_img_re_insn) == 8, "struct tlsi_img_re_insn");
_Static_assert(sizeof(struct tlsi_img_re_class) == 32, "struct tlsi_img_re_class");

#endif /* TLSI_REGEX_H */
