/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the PCRE compiler shared by its files: rules_pcre.c (the
 * keyword, one expression's compile, backreferences), rules_pcre_parse.c
 * (syntax to tree), rules_pcre_emit.c (tree to program) and
 * rules_pcre_dfa.c (the DFA prefilter). Not a public header: the
 * interface is rules_pcre.h.
 */
#ifndef TLSI_RULES_PCRE_INT_H
#define TLSI_RULES_PCRE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules_pcre.h"

#define RX_INF		UINT32_MAX
#define RX_DEPTH_MAX	200
#define RX_REPEAT_MAX	65535	/* PCRE2's own limit on {n,m} */

enum nkind { N_SET, N_CAT, N_ALT, N_REP, N_ASSERT, N_LOOK };

struct node {
	enum nkind k;
	uint8_t set[32];		/* N_SET */
	struct node **kids;		/* N_CAT, N_ALT */
	size_t nkids;
	struct node *sub;		/* N_REP, N_LOOK */
	uint32_t min, max;		/* N_REP */
	bool greedy;
	uint8_t kind;			/* N_ASSERT: enum tlsi_re_assert;
					 * N_LOOK: TLSI_RE_LOOK_* */
	struct node *next_alloc;
};

struct rx_parser {
	const char *p, *end;
	unsigned int opts;
	int depth;
	char *why;
	size_t whylen;
	bool failed;
	bool quote;			/* inside \Q...\E */
	char names[64][33];		/* group names seen (PCRE2: unique,
					 * at most 32 characters) */
	unsigned int nnames;
	struct node *nodes;		/* every node, for freeing */
};

/* A program being emitted (p's arrays grown as needed). */
struct rx_emit {
	struct rx_prog *p;
	uint32_t cap, ccap;
	bool oom;
};

/* ---- rules_pcre_parse.c ------------------------------------------------ */

/* The first failure's message goes to ps->why; later ones are dropped. */
void rx_fail(struct rx_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rx_free_nodes(struct rx_parser *ps);
void rx_set_add(uint8_t *s, unsigned int c);
int rx_set_has(const uint8_t *s, unsigned int c);
void rx_set_or(uint8_t *s, const uint8_t *t, bool invert);
unsigned int rx_set_count(const uint8_t *s);
int rx_hexval(char c);
struct node *rx_parse_alt(struct rx_parser *ps);

/* ---- rules_pcre_emit.c ------------------------------------------------- */

uint64_t rx_node_size(const struct node *n);
int rx_check_looks(struct rx_parser *ps, const struct node *n);
uint32_t rx_emit(struct rx_emit *e, uint8_t op, uint8_t arg, uint32_t x, uint32_t y,
		 uint32_t z);
void rx_emit_node(struct rx_emit *e, const struct node *n);
uint32_t rx_first_class(struct rx_emit *e);
void rx_required(const struct node *n, uint8_t req[2], int *bestn, int *score);
void rx_required_lit(const struct node *n, struct rx_prog *out);

/* ---- rules_pcre_dfa.c -------------------------------------------------- */

void rx_build_dfa(struct rx_prog *p);

#endif /* TLSI_RULES_PCRE_INT_H */
