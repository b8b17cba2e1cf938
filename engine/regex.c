// SPDX-License-Identifier: GPL-2.0
/*
 * The Pike VM of engine/regex.h. Threads of one input position are kept in
 * a list in priority order; adding a thread follows JMP, SPLIT (x before
 * y), assertions and lookarounds depth-first, so the list stays ordered
 * and holds each instruction at most once. When the first-priority live
 * thread reaches MATCH, the threads after it are dropped: what remains can
 * only extend that match (greedy) or would have lost to it (PCRE's
 * leftmost-first rule).
 */
#include "compat.h"
#include "regex.h"

#define NO_END	((uint32_t)-1)	/* lookahead: a match may end anywhere */

static int is_word(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int assert_ok(unsigned int kind, const struct tlsi_re_subject *s, uint32_t i)
{
	const uint8_t *p = s->p;
	uint32_t n = s->len;
	int wb, wa;

	switch (kind) {
	case TLSI_RE_A_BOT:
		return i == 0 && s->bos;
	case TLSI_RE_A_BOL:
		return (i == 0 && s->bos) || (i > 0 && i < n && p[i - 1] == '\n');
	case TLSI_RE_A_EOT:
		return i == n;
	case TLSI_RE_A_EOTNL:
		return i == n || (i + 1 == n && p[i] == '\n');
	case TLSI_RE_A_EOL:
		return i == n || p[i] == '\n';
	case TLSI_RE_A_WORDB:
	case TLSI_RE_A_NWORDB:
		wb = i > 0 && is_word(p[i - 1]);
		wa = i < n && is_word(p[i]);
		return (kind == TLSI_RE_A_WORDB) == (wb != wa);
	}
	return 0;
}

static int consumes(const struct tlsi_re_prog *g, const struct tlsi_img_re_insn *in,
		    uint8_t c)
{
	switch (in->op) {
	case TLSI_RE_BYTE:
		return in->arg == c;
	case TLSI_RE_CLASS:
		return tlsi_re_class_has(&g->classes[le16v(in->x)], c);
	case TLSI_RE_ANY:
		return 1;
	}
	return 0;
}

/*
 * Run the lookaround body [x, y) anchored at `at' of s: does it match
 * (ending exactly at `end' when end != NO_END)? Order does not matter
 * here, only whether some thread reaches MATCH. One level: a LOOK in a
 * body fails (the validator refuses it anyway). -1: budget ran out.
 */
static int sub_match(const struct tlsi_re_prog *g, struct tlsi_re_scratch *sc,
		     const struct tlsi_re_subject *s, uint32_t x,
		     uint32_t at, uint32_t end, uint64_t *budget)
{
	uint32_t *seeds = sc->slist[0], *live = sc->slist[1];
	uint32_t ns = 1, i, k;

	seeds[0] = x;
	for (i = at;; i++) {
		uint32_t sp = 0, nl = 0;

		if (++sc->sgen == 0) {
			memset(sc->smark, 0, sizeof(sc->smark));
			sc->sgen = 1;
		}
		for (k = 0; k < ns; k++)
			sc->sstack[sp++] = seeds[k];
		while (sp) {
			uint32_t pc = sc->sstack[--sp];
			const struct tlsi_img_re_insn *in = &g->insns[pc];

			if (sc->smark[pc - x] == sc->sgen)
				continue;
			sc->smark[pc - x] = sc->sgen;
			if (!*budget)
				return -1;
			(*budget)--;
			switch (in->op) {
			case TLSI_RE_JMP:
				sc->sstack[sp++] = le16v(in->x);
				break;
			case TLSI_RE_SPLIT:
				sc->sstack[sp++] = le16v(in->y);
				sc->sstack[sp++] = le16v(in->x);
				break;
			case TLSI_RE_ASSERT:
				if (assert_ok(in->arg, s, i))
					sc->sstack[sp++] = pc + 1;
				break;
			case TLSI_RE_MATCH:
				if (end == NO_END || i == end)
					return 1;
				break;
			case TLSI_RE_LOOK:
				break;
			default:
				live[nl++] = pc;
			}
		}
		if (!nl || i >= s->len || (end != NO_END && i >= end))
			return 0;
		ns = 0;
		for (k = 0; k < nl; k++)
			if (consumes(g, &g->insns[live[k]], s->p[i]))
				seeds[ns++] = live[k] + 1;
		if (!ns)
			return 0;
	}
}

static int look_ok(const struct tlsi_re_prog *g, struct tlsi_re_scratch *sc,
		   const struct tlsi_img_re_insn *in, const struct tlsi_re_subject *s,
		   uint32_t i, uint64_t *budget)
{
	uint32_t x = le16v(in->x), z = le16v(in->z);
	int m;

	if (in->arg & TLSI_RE_LOOK_BEHIND)
		m = i < z ? 0 : sub_match(g, sc, s, x, i - z, i, budget);
	else
		m = sub_match(g, sc, s, x, i, NO_END, budget);
	if (m < 0)
		return -1;
	return (in->arg & TLSI_RE_LOOK_NEG) ? !m : m;
}

/*
 * Add thread pc (and all it leads to without consuming input) at
 * position i to list l, after the threads already there. Returns -1 when
 * the budget ran out, 1 when a MATCH was reached (it is added as a thread
 * too: the step loop decides in priority order), else 0.
 */
static int add_thread(const struct tlsi_re_prog *g, struct tlsi_re_scratch *sc,
		      const struct tlsi_re_subject *s, uint32_t i, unsigned int l,
		      uint32_t *nl, uint32_t pc0, uint32_t start, uint64_t *budget)
{
	uint32_t sp = 0;

	sc->stack[sp++] = pc0;
	while (sp) {
		uint32_t pc = sc->stack[--sp];
		const struct tlsi_img_re_insn *in = &g->insns[pc];
		int r;

		if (sc->mark[pc] == sc->gen)
			continue;
		sc->mark[pc] = sc->gen;
		if (!*budget)
			return -1;
		(*budget)--;
		switch (in->op) {
		case TLSI_RE_JMP:
			sc->stack[sp++] = le16v(in->x);
			break;
		case TLSI_RE_SPLIT:
			sc->stack[sp++] = le16v(in->y);
			sc->stack[sp++] = le16v(in->x);
			break;
		case TLSI_RE_ASSERT:
			if (assert_ok(in->arg, s, i))
				sc->stack[sp++] = pc + 1;
			break;
		case TLSI_RE_LOOK:
			r = look_ok(g, sc, in, s, i, budget);
			if (r < 0)
				return -1;
			if (r)
				sc->stack[sp++] = le16v(in->y);
			break;
		default:	/* BYTE, CLASS, ANY, MATCH */
			sc->list[l][*nl].pc = pc;
			sc->list[l][*nl].start = start;
			(*nl)++;
		}
	}
	return 0;
}

/* A new mark generation: marks of all earlier searches stay below it. */
static void next_gen(struct tlsi_re_scratch *sc)
{
	if (++sc->gen == 0) {
		memset(sc->mark, 0, sizeof(sc->mark));
		sc->gen = 1;
	}
}

static int is_letter(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Is g->lit at p, compared without case? */
static int lit_at(const struct tlsi_re_prog *g, const uint8_t *p)
{
	uint32_t k;

	for (k = 0; k < g->litlen; k++)
		if (tlsi_lower(p[k]) != g->lit[k])
			return 0;
	return 1;
}

/*
 * Does s[from..] contain g->lit, compared without case? memchr() finds
 * the candidates (a vector loop in userspace): on a byte of the string
 * that is not a letter when it has one (such bytes match only
 * themselves), else on its first letter in either case.
 */
static int has_lit(const struct tlsi_re_prog *g, const struct tlsi_re_subject *s, uint32_t from)
{
	uint32_t n = g->litlen, j, last;
	const uint8_t *p = s->p, *q, *lo, *up;
	uint8_t c0, c1;

	if (s->len < n || from > s->len - n)
		return 0;
	last = s->len - n;		/* the last place the string can start */
	for (j = 0; j < n && is_letter(g->lit[j]); j++)
		;
	if (j < n) {
		for (q = p + from + j; q <= p + last + j; q++) {
			q = memchr(q, g->lit[j], (size_t)(p + last + j - q) + 1);
			if (!q)
				return 0;
			if (lit_at(g, q - j))
				return 1;
		}
		return 0;
	}
	c0 = g->lit[0];
	c1 = (uint8_t)(c0 - 32);
	lo = memchr(p + from, c0, last - from + 1);
	up = memchr(p + from, c1, last - from + 1);
	while (lo || up) {
		q = !up || (lo && lo < up) ? lo : up;
		if (lit_at(g, q))
			return 1;
		if (q == p + last)
			return 0;
		if (q == lo)
			lo = memchr(q + 1, c0, (size_t)(p + last - q));
		else
			up = memchr(q + 1, c1, (size_t)(p + last - q));
	}
	return 0;
}

#define DFA_MAYBE	1	/* the relaxed program matches: run the VM */
#define DFA_NONE	0	/* no match up to the subject's end */
#define DFA_DEAD	(-1)	/* anchored: every thread died */

/* The program's DFA over s[from..]. */
static int dfa_scan(const struct tlsi_re_prog *g, const struct tlsi_re_subject *s,
		    uint32_t from)
{
	const struct tlsi_img_re_dfa *h = (const struct tlsi_img_re_dfa *)g->dfa;
	const uint8_t *cols = g->dfa + 8, *p = s->p;
	const uint16_t *next = (const uint16_t *)(g->dfa + TLSI_RE_DFA_HDR);
	uint32_t i, st = le16v((from == 0 && s->bos) ? h->start_bot : h->start_mid);

	for (i = from;; i++) {
		if (st >= TLSI_RE_DFA_DEAD)
			return st == TLSI_RE_DFA_DEAD ? DFA_DEAD : DFA_MAYBE;
		if (i >= s->len)
			return DFA_NONE;
		st = le16v(next[st + cols[p[i]]]);	/* st: a row's offset */
	}
}

int tlsi_re_search(const struct tlsi_re_prog *g, struct tlsi_re_scratch *sc,
		   const struct tlsi_re_subject *s, uint32_t from,
		   uint32_t *mstart, uint32_t *mend, uint64_t *budget, int *partial)
{
	const struct tlsi_img_re_class *first =
		g->first != TLSI_RE_NO_CLASS ? &g->classes[g->first] : NULL;
	int anchored = g->flags & TLSI_RE_F_ANCHORED;
	uint32_t n = 0, i, k;
	unsigned int cur = 0;
	int matched = 0, dummy, want_partial = partial != NULL;

	if (!partial)
		partial = &dummy;
	*partial = 0;
	if (from > s->len)
		return 0;
	if ((g->flags & TLSI_RE_F_ANCHORED) && (from != 0 || !s->bos))
		return 0;
	/* A string every match contains, absent from the rest: no match.
	 * (Unanchored only: a failed unanchored search always says more
	 * bytes could help, so *partial is what the matcher would say; an
	 * anchored one may die inside the subject and say no.) */
	if (!anchored && (g->flags & TLSI_RE_F_LIT) && !has_lit(g, s, from)) {
		*partial = 1;
		return 0;
	}
	/* A byte every match consumes, absent from the rest of the subject:
	 * no match here (later bytes of a stream may still bring one). */
	if (!anchored && (g->flags & TLSI_RE_F_REQ) &&
	    (from == s->len ||
	     (!memchr(s->p + from, g->req[0], s->len - from) &&
	      (g->req[1] == g->req[0] || !memchr(s->p + from, g->req[1], s->len - from))))) {
		*partial = 1;
		return 0;
	}
	/* The DFA of the relaxed program: no match of it, none of this one.
	 * Unanchored, the VM would say more bytes could help; anchored and
	 * dead, it would say they cannot; anchored and alive at the end, so
	 * would the VM with an exact DFA, else the VM decides (it may have
	 * died where the relaxed program did not), when the caller asks. */
	if (g->flags & TLSI_RE_F_DFA) {
		int d = dfa_scan(g, s, from);

		if (d == DFA_DEAD ||
		    (d == DFA_NONE && (!anchored || (g->flags & TLSI_RE_F_DFA_EXACT) ||
				       !want_partial))) {
			*partial = d == DFA_NONE;
			return 0;
		}
	}
	next_gen(sc);
	for (i = from;; i++) {
		uint32_t nn = 0;

		/* a new thread starting here, after all earlier starts;
		 * none where the byte cannot start a match */
		if (!matched && (i == from || !anchored) &&
		    (!first || !n || (i < s->len && tlsi_re_class_has(first, s->p[i])))) {
			if (!n && first) {
				/* nothing alive: skip to a byte a match can
				 * start with (then no match is empty) */
				while (i < s->len && !tlsi_re_class_has(first, s->p[i]))
					i++;
				if (i >= s->len) {
					*partial = 1;	/* a later byte may start one */
					return 0;
				}
			}
			if (add_thread(g, sc, s, i, cur, &n, 0, i, budget) < 0)
				return -1;
		}
		if (!n) {
			/* nothing alive: done, unless a later start may match */
			if (matched || anchored || i >= s->len) {
				/* unanchored: bytes still to come may start one */
				*partial = !matched && !anchored;
				return matched;
			}
			next_gen(sc);
			continue;
		}
		next_gen(sc);
		for (k = 0; k < n; k++) {
			const struct tlsi_re_thread *t = &sc->list[cur][k];
			const struct tlsi_img_re_insn *in = &g->insns[t->pc];

			if (in->op == TLSI_RE_MATCH) {
				matched = 1;
				*mstart = t->start;
				*mend = i;
				break;	/* lower priorities lose to this match */
			}
			if (i >= s->len || !consumes(g, in, s->p[i]))
				continue;
			if (add_thread(g, sc, s, i + 1, !cur, &nn, t->pc + 1, t->start,
				       budget) < 0)
				return -1;
		}
		cur = !cur;
		n = nn;
		if (i >= s->len) {
			/* threads were waiting for bytes past the end */
			*partial = !matched;
			return matched;
		}
	}
}

int tlsi_re_validate(const struct tlsi_re_prog *g, char *err, size_t errlen)
{
	uint32_t pc, n = g->ninsns;

#define RFAIL(...) do {							\
		if (errlen)						\
			snprintf(err, errlen, __VA_ARGS__);		\
		return -1;						\
	} while (0)

	if (!n || n > TLSI_RE_INSNS_MAX || g->nclasses > TLSI_RE_CLASSES_MAX)
		RFAIL("%u instructions, %u classes", n, g->nclasses);
	if (g->flags & ~TLSI_RE_F_ALL)
		RFAIL("flags 0x%x", g->flags);
	if ((g->flags & TLSI_RE_F_LIT) &&
	    (!g->lit || g->litlen < 2 || g->litlen > TLSI_RE_LIT_MAX))
		RFAIL("required string of %u bytes", g->litlen);
	if (g->first != TLSI_RE_NO_CLASS && g->first >= g->nclasses)
		RFAIL("first class %u of %u", g->first, g->nclasses);
	if ((g->flags & TLSI_RE_F_DFA_EXACT) && !(g->flags & TLSI_RE_F_DFA))
		RFAIL("flags 0x%x", g->flags);
	for (pc = 0; (g->flags & TLSI_RE_F_DFA_EXACT) && pc < n; pc++)
		if (g->insns[pc].op == TLSI_RE_LOOK ||
		    (g->insns[pc].op == TLSI_RE_ASSERT && g->insns[pc].arg != TLSI_RE_A_BOT))
			RFAIL("insn %u: an exact DFA with an assertion", pc);
	if (g->flags & TLSI_RE_F_DFA) {
		const struct tlsi_img_re_dfa *h = (const struct tlsi_img_re_dfa *)g->dfa;
		const uint16_t *next;
		uint32_t ns, nc, k, x;

		if (!g->dfa || g->dfalen < TLSI_RE_DFA_HDR)
			RFAIL("DFA of %u bytes", g->dfalen);
		ns = le16v(h->nstates);
		nc = le16v(h->ncols);
		if (!ns || ns > TLSI_RE_DFA_STATES_MAX || !nc || nc > 256 ||
		    tlsi_re_dfa_bytes(ns, nc) != g->dfalen || g->dfalen > TLSI_RE_DFA_BYTES_MAX)
			RFAIL("DFA of %u states, %u columns in %u bytes", ns, nc, g->dfalen);
		for (k = 0; k < 256; k++)
			if (g->dfa[8 + k] >= nc)
				RFAIL("DFA column %u of %u", g->dfa[8 + k], nc);
		next = (const uint16_t *)(g->dfa + TLSI_RE_DFA_HDR);
		for (k = 0; k < ns * nc + 2; k++) {
			x = k < ns * nc ? le16v(next[k]) :
			    le16v(k == ns * nc ? h->start_bot : h->start_mid);
			x &= ~TLSI_RE_DFA_ACCEPT;
			if (x != TLSI_RE_DFA_DEAD && (x % nc || x / nc >= ns))
				RFAIL("DFA state at %u of %u x %u", x, ns, nc);
		}
	}
	for (pc = 0; pc < n; pc++) {
		const struct tlsi_img_re_insn *in = &g->insns[pc];
		uint32_t x = le16v(in->x), y = le16v(in->y), z = le16v(in->z), k;
		int falls = 1;

		switch (in->op) {
		case TLSI_RE_BYTE:
		case TLSI_RE_ANY:
			if (x || y || z || (in->op == TLSI_RE_ANY && in->arg))
				RFAIL("insn %u: unused fields not zero", pc);
			break;
		case TLSI_RE_CLASS:
			if (x >= g->nclasses || in->arg || y || z)
				RFAIL("insn %u: class %u of %u", pc, x, g->nclasses);
			break;
		case TLSI_RE_SPLIT:
		case TLSI_RE_JMP:
			if (x >= n || (in->op == TLSI_RE_SPLIT ? y >= n : y != 0) ||
			    in->arg || z)
				RFAIL("insn %u: jump beyond the program", pc);
			falls = 0;
			break;
		case TLSI_RE_ASSERT:
			if (in->arg >= TLSI_RE_A_MAX || x || y || z)
				RFAIL("insn %u: assertion %u", pc, in->arg);
			break;
		case TLSI_RE_MATCH:
			if (in->arg || x || y || z)
				RFAIL("insn %u: unused fields not zero", pc);
			falls = 0;
			break;
		case TLSI_RE_LOOK:
			if (in->arg & ~TLSI_RE_LOOK_ALL || x != pc + 1 || y <= x ||
			    y >= n || y - x > TLSI_RE_SUB_MAX ||
			    (!(in->arg & TLSI_RE_LOOK_BEHIND) && z) || z > 255)
				RFAIL("insn %u: bad lookaround", pc);
			/* the body stays inside itself and holds no LOOK */
			for (k = x; k < y; k++) {
				const struct tlsi_img_re_insn *b = &g->insns[k];
				uint32_t bx = le16v(b->x), by = le16v(b->y);

				if (b->op == TLSI_RE_LOOK ||
				    ((b->op == TLSI_RE_JMP || b->op == TLSI_RE_SPLIT) &&
				     (bx < x || bx >= y)) ||
				    (b->op == TLSI_RE_SPLIT && (by < x || by >= y)))
					RFAIL("insn %u: lookaround body leaves itself", pc);
			}
			if (g->insns[y - 1].op != TLSI_RE_MATCH &&
			    g->insns[y - 1].op != TLSI_RE_JMP &&
			    g->insns[y - 1].op != TLSI_RE_SPLIT)
				RFAIL("insn %u: lookaround body runs off its end", pc);
			break;
		default:
			RFAIL("insn %u: opcode %u", pc, in->op);
		}
		if (falls && pc + 1 >= n)
			RFAIL("insn %u: runs off the end of the program", pc);
	}
	return 0;
#undef RFAIL
}
