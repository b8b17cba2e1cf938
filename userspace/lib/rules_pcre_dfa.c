// SPDX-License-Identifier: GPL-2.0
/*
 * The DFA prefilter of a regex program (engine/regex.h): the subset
 * construction over byte columns, bounded in states and work, tried with
 * shorter cuts when the whole program is too large.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_pcre.h"
#include "image.h"
#include "rules_pcre_int.h"

/* ---- the DFA prefilter (engine/regex.h) ------------------------------------------ */

#define DFA_WORK_MAX	(8u << 20)	/* set elements handled per expression */

struct dfa_build {
	const struct rx_prog *p;
	uint32_t n;			/* program instructions */
	uint32_t *mark, gen;
	uint32_t *stack;
	uint8_t cols[256];
	uint32_t ncols;
	uint8_t rep[256];		/* a byte of each column */
	/* states: sorted sets of instructions, in one array */
	uint32_t nstates, cap;
	uint32_t *set_off, *set_len;
	uint16_t *elems;
	size_t nelems, elems_cap;
	uint32_t *hash;			/* open addressing: state + 1, 0 empty */
	uint32_t hcap;
	uint16_t *next;			/* nstates x ncols, host order */
	uint64_t work;
	bool fail;
	uint32_t cut;			/* 0, or: instructions this many bytes
					 * or more into every match accept */
	uint16_t *dist;			/* with cut: bytes before each pc */
};

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Columns: bytes that no BYTE or CLASS instruction tells apart share one. */
static void dfa_columns(struct dfa_build *d)
{
	uint8_t map[256];
	uint32_t pc, b, k;

	uint8_t done_byte[32] = { 0 }, done_class[TLSI_RE_CLASSES_MAX / 8] = { 0 };

	memset(d->cols, 0, sizeof(d->cols));
	d->ncols = 1;
	for (pc = 0; pc < d->n && !d->fail; pc++) {
		const struct tlsi_img_re_insn *in = &d->p->insns[pc];
		uint16_t seen[256][2];
		unsigned int nc = 0;
		uint8_t *done;
		uint32_t x;

		if (in->op != TLSI_RE_BYTE && in->op != TLSI_RE_CLASS)
			continue;
		/* each byte and class splits the columns once */
		done = in->op == TLSI_RE_BYTE ? done_byte : done_class;
		x = in->op == TLSI_RE_BYTE ? in->arg : le16v(in->x);
		if (x >= (in->op == TLSI_RE_BYTE ? 256u : TLSI_RE_CLASSES_MAX) ||
		    (done[x >> 3] >> (x & 7)) & 1)
			continue;
		done[x >> 3] |= (uint8_t)(1u << (x & 7));
		/* split each column by membership in this instruction's set */
		for (k = 0; k < 256; k++)
			seen[k][0] = seen[k][1] = 0xffff;
		for (b = 0; b < 256; b++) {
			int in_set = in->op == TLSI_RE_BYTE ? in->arg == b :
				     tlsi_re_class_has(&d->p->classes[le16v(in->x)], (uint8_t)b);
			uint16_t *slot = &seen[d->cols[b]][in_set];

			if (*slot == 0xffff)
				*slot = (uint16_t)nc++;
			map[b] = (uint8_t)*slot;
		}
		memcpy(d->cols, map, sizeof(map));
		d->ncols = nc;
	}
	for (b = 256; b-- > 0;)
		d->rep[d->cols[b]] = (uint8_t)b;
}

/* Add the closure of pc to the set being built (d->elems from `base'):
 * assertions other than \A (only with bot) and lookarounds pass. */
static void dfa_closure(struct dfa_build *d, uint32_t pc0, bool bot)
{
	uint32_t sp = 0;

	d->stack[sp++] = pc0;
	while (sp) {
		uint32_t pc = d->stack[--sp];
		const struct tlsi_img_re_insn *in = &d->p->insns[pc];

		if (d->mark[pc] == d->gen)
			continue;
		d->mark[pc] = d->gen;
		d->work++;
		switch (in->op) {
		case TLSI_RE_JMP:
			d->stack[sp++] = le16v(in->x);
			break;
		case TLSI_RE_SPLIT:
			d->stack[sp++] = le16v(in->y);
			d->stack[sp++] = le16v(in->x);
			break;
		case TLSI_RE_ASSERT:
			if (in->arg != TLSI_RE_A_BOT || bot)
				d->stack[sp++] = pc + 1;
			break;
		case TLSI_RE_LOOK:
			d->stack[sp++] = le16v(in->y);
			break;
		default:	/* BYTE, CLASS, ANY, MATCH */
			if (d->cut && d->dist[pc] >= d->cut) {
				/* the cut: one "accept" element, n */
				if (d->mark[d->n] == d->gen)
					break;
				d->mark[d->n] = d->gen;
				pc = d->n;
			}
			if (d->nelems == d->elems_cap) {
				d->elems_cap = d->elems_cap ? d->elems_cap * 2 : 4096;
				d->elems = realloc(d->elems, d->elems_cap * sizeof(*d->elems));
				if (!d->elems) {
					d->fail = true;
					return;
				}
			}
			d->elems[d->nelems++] = (uint16_t)pc;
		}
	}
}

static uint32_t dfa_hash(const uint16_t *v, uint32_t n)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ v[i]) * 16777619u;
	return h;
}

/* The set d->elems[base..] as a state: found or added (its index), or
 * TLSI_RE_DFA_DEAD for the empty set; the elements are dropped when it
 * already exists. */
static uint32_t dfa_intern(struct dfa_build *d, size_t base)
{
	uint32_t n = (uint32_t)(d->nelems - base), h, i;
	uint16_t *v = d->elems + base;

	if (!n)
		return TLSI_RE_DFA_DEAD;
	if (n > 16) {
		qsort(v, n, sizeof(*v), cmp_u16);
	} else {
		for (i = 1; i < n; i++) {	/* small sets: insertion */
			uint16_t x = v[i];
			uint32_t j = i;

			for (; j && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	h = dfa_hash(v, n);
	for (i = h & (d->hcap - 1);; i = (i + 1) & (d->hcap - 1)) {
		uint32_t st = d->hash[i];

		if (!st)
			break;
		st--;
		if (d->set_len[st] == n &&
		    !memcmp(d->elems + d->set_off[st], v, n * sizeof(*v))) {
			d->nelems = base;
			return st;
		}
	}
	if (d->nstates == TLSI_RE_DFA_STATES_MAX) {
		d->fail = true;
		return TLSI_RE_DFA_DEAD;
	}
	d->hash[i] = d->nstates + 1;
	d->set_off[d->nstates] = (uint32_t)base;
	d->set_len[d->nstates] = n;
	return d->nstates++;
}

static bool dfa_accepts(const struct dfa_build *d, uint32_t st)
{
	uint32_t k;

	for (k = 0; k < d->set_len[st]; k++) {
		uint32_t pc = d->elems[d->set_off[st] + k];

		if (pc == d->n || d->p->insns[pc].op == TLSI_RE_MATCH)
			return true;
	}
	return false;
}

/* A state as the table holds it: its row's offset, and the accept bit. */
static uint16_t dfa_code(const struct dfa_build *d, uint32_t st)
{
	if (st == TLSI_RE_DFA_DEAD)
		return TLSI_RE_DFA_DEAD;
	return (uint16_t)(st * d->ncols | (dfa_accepts(d, st) ? TLSI_RE_DFA_ACCEPT : 0));
}

/*
 * The fewest bytes a thread of the relaxed program consumes before each
 * instruction, up to cut (d->dist; cut or more: cut). Along any run a
 * thread's distance grows by at most one per byte, so every match that
 * reaches distance cut passes an instruction at exactly cut: accepting
 * there (a DFA of the program's first cut bytes) is still a superset.
 */
static bool dfa_distances(struct dfa_build *d)
{
	uint32_t *seeds = calloc(2 * (size_t)d->n + 2, sizeof(*seeds));
	uint32_t nseeds = 1, level, k, pc;

	d->dist = malloc(((size_t)d->n + 1) * sizeof(*d->dist));
	if (!seeds || !d->dist) {
		free(seeds);
		return false;
	}
	for (pc = 0; pc <= d->n; pc++)
		d->dist[pc] = (uint16_t)d->cut;
	seeds[0] = 0;
	for (level = 0; level < d->cut && nseeds; level++) {
		uint32_t sp = 0, next = 0;

		for (k = 0; k < nseeds; k++)
			d->stack[sp++] = seeds[k];
		nseeds = 0;
		while (sp) {
			const struct tlsi_img_re_insn *in;

			pc = d->stack[--sp];
			if (d->dist[pc] < d->cut)
				continue;
			d->dist[pc] = (uint16_t)level;
			in = &d->p->insns[pc];
			switch (in->op) {
			case TLSI_RE_JMP:
				d->stack[sp++] = le16v(in->x);
				break;
			case TLSI_RE_SPLIT:
				d->stack[sp++] = le16v(in->y);
				d->stack[sp++] = le16v(in->x);
				break;
			case TLSI_RE_ASSERT:
				d->stack[sp++] = pc + 1;
				break;
			case TLSI_RE_LOOK:
				d->stack[sp++] = le16v(in->y);
				break;
			case TLSI_RE_MATCH:
				break;
			default:
				seeds[d->n + 1 + next++] = pc + 1;
			}
		}
		for (k = 0; k < next; k++)	/* the next level's seeds */
			seeds[nseeds++] = seeds[d->n + 1 + k];
	}
	free(seeds);
	return true;
}

/*
 * Build p's DFA prefilter when it stays within TLSI_RE_DFA_STATES_MAX
 * states and TLSI_RE_DFA_BYTES_MAX bytes: of the whole program, else of
 * its first bytes (cut, see dfa_distances()); otherwise the program has
 * none (the Pike VM alone is exact either way).
 */
/* The closure of instruction 0 at the start (bot) or within the input. */
static uint32_t dfa_start(struct dfa_build *d, bool bot)
{
	size_t base;

	d->gen++;
	base = d->nelems;
	dfa_closure(d, 0, bot);
	return dfa_intern(d, base);
}

/* The state st goes to on column c (*to); false: too much work (d->fail). */
static bool dfa_step(struct dfa_build *d, uint32_t st, uint32_t c, bool anchored,
		     uint32_t *to)
{
	const struct rx_prog *p = d->p;
	size_t base;
	uint32_t k;

	d->gen++;
	base = d->nelems;
	for (k = 0; k < d->set_len[st]; k++) {
		uint32_t pc = d->elems[d->set_off[st] + k];
		const struct tlsi_img_re_insn *in = &p->insns[pc];
		uint8_t b = d->rep[c];
		int ok = in->op == TLSI_RE_ANY ||
			 (in->op == TLSI_RE_BYTE && in->arg == b) ||
			 (in->op == TLSI_RE_CLASS &&
			  tlsi_re_class_has(&p->classes[le16v(in->x)], b));

		if (ok)
			dfa_closure(d, pc + 1, false);
	}
	if (!anchored)
		dfa_closure(d, 0, false);
	if (d->fail || d->work > DFA_WORK_MAX) {
		d->fail = true;
		return false;
	}
	*to = dfa_intern(d, base);
	return true;
}

/* Every state's transitions; states are numbered in discovery order. */
static void dfa_expand(struct dfa_build *d, bool anchored)
{
	uint32_t st, c;

	for (st = 0; st < d->nstates && !d->fail; st++) {
		bool acc = dfa_accepts(d, st);

		for (c = 0; c < d->ncols && !d->fail; c++) {
			uint32_t to;

			if (acc) {	/* the search stops there */
				d->next[st * d->ncols + c] = dfa_code(d, st);
				continue;
			}
			if (!dfa_step(d, st, c, anchored, &to))
				break;
			d->next[st * d->ncols + c] = dfa_code(d, to);
		}
		if (tlsi_re_dfa_bytes(d->nstates, d->ncols) > TLSI_RE_DFA_BYTES_MAX)
			d->fail = true;	/* a table this size is not worth its bytes */
	}
}

/* The DFA in the image's layout, into p (exact if no cut and no lookaround). */
static void dfa_table(const struct dfa_build *d, struct rx_prog *p, uint32_t start_bot,
		      uint32_t start_mid, uint32_t cut)
{
	uint64_t len = tlsi_re_dfa_bytes(d->nstates, d->ncols);
	uint8_t *out = calloc(1, len);
	struct tlsi_img_re_dfa h;
	uint16_t *next;
	uint32_t k;

	if (!out)
		return;
	h.nstates = le16v((uint16_t)d->nstates);
	h.ncols = le16v((uint16_t)d->ncols);
	h.start_bot = le16v(dfa_code(d, start_bot));
	h.start_mid = le16v(dfa_code(d, start_mid));
	memcpy(out, &h, sizeof(h));
	memcpy(out + 8, d->cols, 256);
	next = (uint16_t *)(out + TLSI_RE_DFA_HDR);
	for (k = 0; k < d->nstates * d->ncols; k++)
		next[k] = le16v(d->next[k]);
	p->dfa = out;
	p->dfalen = (uint32_t)len;
	p->flags |= TLSI_RE_F_DFA | (cut ? 0 : TLSI_RE_F_DFA_EXACT);
	for (k = 0; k < p->ninsns; k++)
		if (p->insns[k].op == TLSI_RE_LOOK ||
		    (p->insns[k].op == TLSI_RE_ASSERT && p->insns[k].arg != TLSI_RE_A_BOT))
			p->flags &= ~(uint32_t)TLSI_RE_F_DFA_EXACT;
}

static bool try_dfa(struct rx_prog *p, uint32_t cut)
{
	struct dfa_build d = { .p = p, .n = p->ninsns, .cut = cut };
	uint32_t start_bot, start_mid;

	d.mark = calloc((size_t)d.n + 1, sizeof(*d.mark));
	d.stack = calloc(3 * (size_t)d.n + 4, sizeof(*d.stack));
	d.cap = TLSI_RE_DFA_STATES_MAX;
	d.set_off = calloc(d.cap, sizeof(*d.set_off));
	d.set_len = calloc(d.cap, sizeof(*d.set_len));
	d.hcap = 4 * TLSI_RE_DFA_STATES_MAX;
	d.hash = calloc(d.hcap, sizeof(*d.hash));
	if (!d.mark || !d.stack || !d.set_off || !d.set_len || !d.hash ||
	    (cut && !dfa_distances(&d)))
		goto out;
	dfa_columns(&d);
	/* the table stops at TLSI_RE_DFA_BYTES_MAX (dfa_expand) */
	d.next = malloc(TLSI_RE_DFA_BYTES_MAX + 2 * 256 * (size_t)d.ncols);
	if (d.fail || !d.next)
		goto out;
	start_bot = dfa_start(&d, true);
	start_mid = dfa_start(&d, false);
	dfa_expand(&d, p->flags & TLSI_RE_F_ANCHORED);
	if (!d.fail)
		dfa_table(&d, p, start_bot, start_mid, cut);
out:
	free(d.dist);
	free(d.mark);
	free(d.stack);
	free(d.set_off);
	free(d.set_len);
	free(d.hash);
	free(d.next);
	free(d.elems);
	return p->dfa != NULL;
}

/* The whole program's DFA, else that of its first 6 or 3 bytes. */
void rx_build_dfa(struct rx_prog *p)
{
	static const uint32_t cuts[] = { 0, 6, 3 };
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (try_dfa(p, cuts[i]))
			return;
}
