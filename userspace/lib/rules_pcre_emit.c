// SPDX-License-Identifier: GPL-2.0
/*
 * From the expression tree to a Pike VM program (engine/regex.h): its
 * size and lookaround checks, the Thompson NFA emitted with PCRE's branch
 * priorities, the byte classes, and the required bytes and literal the
 * engine's prefilters use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_pcre.h"
#include "image.h"
#include "rules_pcre_int.h"

/* ---- sizes -------------------------------------------------------------------- */

static uint64_t sat(uint64_t x)
{
	return x > (1u << 30) ? (1u << 30) : x;
}

/* Instructions the node emits (saturated). */
uint64_t rx_node_size(const struct node *n)
{
	uint64_t s = 0, c;
	size_t i;

	switch (n->k) {
	case N_SET:
	case N_ASSERT:
		return 1;
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			s = sat(s + rx_node_size(n->kids[i]));
		return s;
	case N_ALT:
		for (i = 0; i < n->nkids; i++)
			s = sat(s + rx_node_size(n->kids[i]) + 2);
		return s;
	case N_REP:
		c = rx_node_size(n->sub);
		if (n->max == RX_INF)
			return sat(n->min ? (uint64_t)n->min * c + 1 : c + 2);
		return sat((uint64_t)n->min * c + (uint64_t)(n->max - n->min) * (c + 1));
	case N_LOOK:
		return sat(rx_node_size(n->sub) + 2);
	}
	return 0;
}

/* Shortest and longest match of a node (RX_INF: unbounded). */
static void node_len(const struct node *n, uint64_t *lo, uint64_t *hi)
{
	uint64_t a, b;
	size_t i;

	switch (n->k) {
	case N_SET:
		*lo = *hi = 1;
		return;
	case N_ASSERT:
	case N_LOOK:
		*lo = *hi = 0;
		return;
	case N_CAT:
		*lo = *hi = 0;
		for (i = 0; i < n->nkids; i++) {
			node_len(n->kids[i], &a, &b);
			*lo = sat(*lo + a);
			*hi = (*hi == RX_INF || b == RX_INF) ? RX_INF : sat(*hi + b);
		}
		return;
	case N_ALT:
		*lo = RX_INF;
		*hi = 0;
		for (i = 0; i < n->nkids; i++) {
			node_len(n->kids[i], &a, &b);
			*lo = a < *lo ? a : *lo;
			*hi = (*hi == RX_INF || b == RX_INF) ? RX_INF : (b > *hi ? b : *hi);
		}
		if (!n->nkids)
			*lo = 0;
		return;
	case N_REP:
		node_len(n->sub, &a, &b);
		*lo = sat(a * n->min);
		if (b == 0)
			*hi = 0;
		else if (n->max == RX_INF || b == RX_INF)
			*hi = RX_INF;
		else
			*hi = sat(b * n->max);
		return;
	}
}

static bool has_look(const struct node *n)
{
	size_t i;

	if (n->k == N_LOOK)
		return true;
	if (n->k == N_REP)
		return has_look(n->sub);
	for (i = 0; (n->k == N_CAT || n->k == N_ALT) && i < n->nkids; i++)
		if (has_look(n->kids[i]))
			return true;
	return false;
}

/* Lookaround the matcher can run in bounded time per position. */
int rx_check_looks(struct rx_parser *ps, const struct node *n)
{
	uint64_t lo, hi;
	size_t i;

	switch (n->k) {
	case N_LOOK:
		if (has_look(n->sub)) {
			rx_fail(ps, "nested lookaround");
			return -1;
		}
		if (rx_node_size(n->sub) + 1 > TLSI_RE_SUB_MAX) {
			rx_fail(ps, "lookaround body beyond %d instructions", TLSI_RE_SUB_MAX);
			return -1;
		}
		node_len(n->sub, &lo, &hi);
		if (n->kind & TLSI_RE_LOOK_BEHIND) {
			if (lo != hi || hi > 255) {
				rx_fail(ps, "lookbehind of variable length (or beyond 255 bytes)");
				return -1;
			}
		} else if (hi == RX_INF) {
			rx_fail(ps, "lookahead of unbounded length");
			return -1;
		}
		return 0;
	case N_REP:
		return rx_check_looks(ps, n->sub);
	case N_CAT:
	case N_ALT:
		for (i = 0; i < n->nkids; i++)
			if (rx_check_looks(ps, n->kids[i]))
				return -1;
		return 0;
	default:
		return 0;
	}
}

/* ---- emitting ----------------------------------------------------------------- */

uint32_t rx_emit(struct rx_emit *e, uint8_t op, uint8_t arg, uint32_t x, uint32_t y,
		 uint32_t z)
{
	struct tlsi_img_re_insn *in;

	if (e->p->ninsns == e->cap) {
		uint32_t nc = e->cap ? e->cap * 2 : 64;
		struct tlsi_img_re_insn *ni = realloc(e->p->insns, nc * sizeof(*ni));

		if (!ni) {
			e->oom = true;
			return 0;
		}
		e->p->insns = ni;
		e->cap = nc;
	}
	in = &e->p->insns[e->p->ninsns];
	in->op = op;
	in->arg = arg;
	in->x = (uint16_t)x;	/* host order; rx_compile swaps at the end */
	in->y = (uint16_t)y;
	in->z = (uint16_t)z;
	return e->p->ninsns++;
}

static uint32_t class_index(struct rx_emit *e, const uint8_t *s)
{
	uint32_t i;

	for (i = 0; i < e->p->nclasses; i++)
		if (!memcmp(e->p->classes[i].bits, s, 32))
			return i;
	if (e->p->nclasses == e->ccap) {
		uint32_t nc = e->ccap ? e->ccap * 2 : 16;
		struct tlsi_img_re_class *ncl = realloc(e->p->classes, nc * sizeof(*ncl));

		if (!ncl) {
			e->oom = true;
			return 0;
		}
		e->p->classes = ncl;
		e->ccap = nc;
	}
	memcpy(e->p->classes[e->p->nclasses].bits, s, 32);
	return e->p->nclasses++;
}

static void emit_set(struct rx_emit *e, const uint8_t *s)
{
	unsigned int cnt = rx_set_count(s), c;

	if (cnt == 256) {
		rx_emit(e, TLSI_RE_ANY, 0, 0, 0, 0);
	} else if (cnt == 1) {
		for (c = 0; !rx_set_has(s, c); c++)
			;
		rx_emit(e, TLSI_RE_BYTE, (uint8_t)c, 0, 0, 0);
	} else {
		rx_emit(e, TLSI_RE_CLASS, 0, class_index(e, s), 0, 0);
	}
}

static void patch_split(struct rx_emit *e, uint32_t at, uint32_t body, uint32_t out,
			bool greedy)
{
	e->p->insns[at].x = (uint16_t)(greedy ? body : out);
	e->p->insns[at].y = (uint16_t)(greedy ? out : body);
}

static void emit_rep(struct rx_emit *e, const struct node *n)
{
	uint32_t i, split, top, j, *pend = NULL, npend = 0;

	if (n->max == RX_INF) {
		if (n->min == 0) {
			/* L: SPLIT body, out; body; JMP L */
			split = rx_emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
			rx_emit_node(e, n->sub);
			rx_emit(e, TLSI_RE_JMP, 0, split, 0, 0);
			if (!e->oom)
				patch_split(e, split, split + 1, e->p->ninsns, n->greedy);
			return;
		}
		for (i = 0; i + 1 < n->min; i++)
			rx_emit_node(e, n->sub);
		/* L: body; SPLIT L, out */
		top = e->p->ninsns;
		rx_emit_node(e, n->sub);
		split = rx_emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
		if (!e->oom)
			patch_split(e, split, top, split + 1, n->greedy);
		return;
	}
	for (i = 0; i < n->min; i++)
		rx_emit_node(e, n->sub);
	if (n->max == n->min)
		return;
	pend = calloc(n->max - n->min, sizeof(*pend));
	if (!pend) {
		e->oom = true;
		return;
	}
	/* (body (body (...)?)?)?: every SPLIT's "skip" leads to the end */
	for (i = n->min; i < n->max && !e->oom; i++) {
		pend[npend++] = rx_emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
		rx_emit_node(e, n->sub);
	}
	for (j = 0; j < npend && !e->oom; j++)
		patch_split(e, pend[j], pend[j] + 1, e->p->ninsns, n->greedy);
	free(pend);
}

void rx_emit_node(struct rx_emit *e, const struct node *n)
{
	uint32_t i, at, *jmps;
	uint64_t lo, hi;

	if (e->oom)
		return;
	switch (n->k) {
	case N_SET:
		emit_set(e, n->set);
		return;
	case N_ASSERT:
		rx_emit(e, TLSI_RE_ASSERT, n->kind, 0, 0, 0);
		return;
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			rx_emit_node(e, n->kids[i]);
		return;
	case N_ALT:
		jmps = calloc(n->nkids, sizeof(*jmps));
		if (!jmps) {
			e->oom = true;
			return;
		}
		for (i = 0; i < n->nkids && !e->oom; i++) {
			at = 0;
			if (i + 1 < n->nkids)
				at = rx_emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
			rx_emit_node(e, n->kids[i]);
			if (i + 1 < n->nkids) {
				jmps[i] = rx_emit(e, TLSI_RE_JMP, 0, 0, 0, 0);
				if (!e->oom) {
					e->p->insns[at].x = (uint16_t)(at + 1);
					e->p->insns[at].y = (uint16_t)e->p->ninsns;
				}
			}
		}
		for (i = 0; i + 1 < n->nkids && !e->oom; i++)
			e->p->insns[jmps[i]].x = (uint16_t)e->p->ninsns;
		free(jmps);
		return;
	case N_REP:
		emit_rep(e, n);
		return;
	case N_LOOK:
		node_len(n->sub, &lo, &hi);
		at = rx_emit(e, TLSI_RE_LOOK, n->kind, 0, 0,
			     (n->kind & TLSI_RE_LOOK_BEHIND) ? (uint32_t)lo : 0);
		rx_emit_node(e, n->sub);
		rx_emit(e, TLSI_RE_MATCH, 0, 0, 0, 0);
		if (!e->oom) {
			e->p->insns[at].x = (uint16_t)(at + 1);
			e->p->insns[at].y = (uint16_t)e->p->ninsns;
		}
		return;
	}
}

/* The bytes every match starts with, when that is known without looking
 * at assertions and no match can be empty; else TLSI_RE_NO_CLASS. */
uint32_t rx_first_class(struct rx_emit *e)
{
	const struct rx_prog *p = e->p;
	uint8_t s[32] = { 0 };
	uint8_t *seen = calloc(p->ninsns, 1);
	uint32_t *stack = calloc(2 * (size_t)p->ninsns + 2, sizeof(*stack));
	uint32_t sp = 0, r = TLSI_RE_NO_CLASS;
	bool ok = seen && stack;

	if (ok)
		stack[sp++] = 0;
	while (ok && sp) {
		uint32_t pc = stack[--sp];
		const struct tlsi_img_re_insn *in = &p->insns[pc];

		if (seen[pc])
			continue;
		seen[pc] = 1;
		switch (in->op) {
		case TLSI_RE_JMP:
			stack[sp++] = in->x;
			break;
		case TLSI_RE_SPLIT:
			stack[sp++] = in->x;
			stack[sp++] = in->y;
			break;
		case TLSI_RE_BYTE:
			rx_set_add(s, in->arg);
			break;
		case TLSI_RE_CLASS:
			rx_set_or(s, p->classes[in->x].bits, false);
			break;
		default:	/* ANY, ASSERT, LOOK, MATCH */
			ok = false;
		}
	}
	if (ok && rx_set_count(s) < 256)
		r = class_index(e, s);
	free(seen);
	free(stack);
	return r;
}

void rx_prog_free(struct rx_prog *p)
{
	free(p->insns);
	free(p->classes);
	free(p->dfa);
	memset(p, 0, sizeof(*p));
}

/* How common a byte is in the text expressions run on (HTTP heads,
 * scripts): lower is rarer, a better byte to look for first. */
static int byte_score(unsigned int c)
{
	if (c >= 'a' && c <= 'z')
		return 10;
	if (c >= 'A' && c <= 'Z')
		return 6;
	if (c >= '0' && c <= '9')
		return 7;
	if (strchr(" /.:-=\r\n,;_&?", (int)c) && c)
		return 9;
	if (c >= 0x21 && c < 0x7f)
		return 4;
	return 2;
}

/*
 * A byte (or a case pair) every match of n consumes, outside lookaround:
 * the rarest one of the single-byte sets along the mandatory spine (the
 * items of a concatenation, the body of a repetition of at least one).
 * Alternatives are not looked into (each branch would need its own).
 */
void rx_required(const struct node *n, uint8_t req[2], int *bestn, int *score)
{
	size_t i;

	switch (n->k) {
	case N_SET: {
		unsigned int c, got = 0, b[2] = { 0, 0 }, cnt = rx_set_count(n->set);
		int sc;

		if (cnt < 1 || cnt > 2)
			return;
		for (c = 0; c < 256 && got < cnt; c++)
			if (rx_set_has(n->set, c))
				b[got++] = c;
		sc = byte_score(b[0]) + (cnt == 2 ? byte_score(b[1]) : 0);
		if (sc < *score) {
			*score = sc;
			req[0] = (uint8_t)b[0];
			req[1] = (uint8_t)(cnt == 2 ? b[1] : b[0]);
			*bestn = (int)cnt;
		}
		return;
	}
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			rx_required(n->kids[i], req, bestn, score);
		return;
	case N_REP:
		if (n->min >= 1)
			rx_required(n->sub, req, bestn, score);
		return;
	default:
		return;
	}
}

/* A set that is one byte, or one letter in both cases: its lower-case
 * byte (comparing without case then accepts at least what it does). */
static int lit_byte(const uint8_t *set)
{
	unsigned int cnt = rx_set_count(set), c, b[2] = { 0, 0 }, got = 0;

	if (cnt < 1 || cnt > 2)
		return -1;
	for (c = 0; c < 256 && got < cnt; c++)
		if (rx_set_has(set, c))
			b[got++] = c;
	if (cnt == 1)
		return b[0] >= 'A' && b[0] <= 'Z' ? (int)b[0] + 32 : (int)b[0];
	if (b[0] >= 'A' && b[0] <= 'Z' && b[1] == b[0] + 32)
		return (int)b[1];
	return -1;
}

/*
 * The longest string every match contains: a run of single-byte (or
 * case pair) items of a concatenation on the expression's mandatory
 * spine, at most TLSI_RE_LIT_MAX bytes, lower case.
 */
void rx_required_lit(const struct node *n, struct rx_prog *out)
{
	uint8_t run[TLSI_RE_LIT_MAX];
	uint32_t len = 0;
	size_t i;
	int b;

	if (n->k == N_REP) {
		if (n->min >= 1)
			rx_required_lit(n->sub, out);
		return;
	}
	if (n->k != N_CAT)
		return;
	for (i = 0; i <= n->nkids; i++) {
		const struct node *k = i < n->nkids ? n->kids[i] : NULL;

		if (k && k->k == N_SET && (b = lit_byte(k->set)) >= 0) {
			if (len < TLSI_RE_LIT_MAX)
				run[len++] = (uint8_t)b;
			continue;
		}
		if (len >= 2 && len > out->litlen) {
			memcpy(out->lit, run, len);
			out->litlen = len;
		}
		len = 0;
		if (k)
			rx_required_lit(k, out);
	}
}
