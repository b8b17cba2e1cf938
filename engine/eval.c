// SPDX-License-Identifier: GPL-2.0
/*
 * Rule program evaluation: the contents, byte tests and sizes of one rule
 * against the buffers of an inspection, with Suricata's semantics for
 * offset/depth/distance/within and its backtracking: when an instruction
 * fails, the nearest earlier content whose position matters (TLSI_IF_RETRY)
 * is searched again from its next occurrence.
 *
 * Positions are kept in "view coordinates": 0 is the first byte the view
 * holds, -base is the start of the buffer (streams keep only a window).
 * A search that would need bytes the stream has not delivered yet makes the
 * rule TLSI_EV_MORE instead of a final no-match, so the caller can try it
 * again with the next chunk.
 */
#include "compat.h"
#include "engine.h"

#define NONE_POS	(-1)

struct geval {
	const struct tlsi_eng_view *v;
	const uint8_t *bytes;
	const uint8_t *img;
	int more;			/* a test was cut short by missing data */
	uint32_t steps;
	uint64_t re_budget;		/* regex steps left (TLSI_ENG_RE_STEPS_MAX) */
	uint64_t vars[TLSI_IMG_BYTE_VARS]; /* byte_extract values of the group */
};

/*
 * Operand i of an instruction: its value, or the byte_extract variable it
 * names (TLSI_IV(i) in vars; the validator checked the number and that a
 * byte_extract of the group stores it first).
 */
static uint64_t operand(const struct geval *g, const struct tlsi_img_insn *in, unsigned int i)
{
	uint32_t x = tlsi_insn_arg(in, i);

	if (le16v(in->vars) & TLSI_IV(i))
		return g->vars[x % TLSI_IMG_BYTE_VARS];
	return x;
}

/* A signed operand (offset, distance): from a variable, Suricata's cast of
 * the 64-bit value to int32 (its low 32 bits). */
static int32_t operand_s32(const struct geval *g, const struct tlsi_img_insn *in,
			   unsigned int i)
{
	return (int32_t)(uint32_t)operand(g, in, i);
}

/* First occurrence of pat in hay[from, to) (pattern entirely inside). */
static int64_t find(const uint8_t *hay, int64_t from, int64_t to,
		    const uint8_t *pat, uint32_t plen, int nocase)
{
	int64_t last = to - plen, i;
	uint8_t f0, f1;

	if (from < 0)
		from = 0;
	if (last < from)
		return NONE_POS;
	if (!nocase) {
		f0 = pat[0];
		for (i = from; i <= last; i++) {
			const uint8_t *q = memchr(hay + i, f0, (size_t)(last - i + 1));

			if (!q)
				return NONE_POS;
			i = q - hay;
			if (!memcmp(hay + i + 1, pat + 1, plen - 1))
				return i;
		}
		return NONE_POS;
	}
	f0 = tlsi_lower(pat[0]);
	f1 = tlsi_upper(pat[0]);
	for (i = from; i <= last; i++) {
		uint32_t k;

		if (hay[i] != f0 && hay[i] != f1)
			continue;
		for (k = 1; k < plen; k++)
			if (tlsi_lower(hay[i + k]) != tlsi_lower(pat[k]))
				break;
		if (k == plen)
			return i;
	}
	return NONE_POS;
}

static int cmp_u64(uint8_t cmp, uint64_t x, uint64_t a, uint64_t b)
{
	switch (cmp) {
	case TLSI_CMP_EQ: return x == a;
	case TLSI_CMP_NE: return x != a;
	case TLSI_CMP_LT: return x < a;
	case TLSI_CMP_LE: return x <= a;
	case TLSI_CMP_GT: return x > a;
	case TLSI_CMP_GE: return x >= a;
	case TLSI_CMP_AND: return (x & a) != 0;
	case TLSI_CMP_XOR: return (x ^ a) != 0;
	case TLSI_CMP_RANGE: return x > a && x < b;
	}
	return 0;
}

/* The value of digit c in base (2..16), or -1. */
static int digit_of(uint8_t c, uint32_t base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (tlsi_lower(c) >= 'a' && tlsi_lower(c) <= 'f')
		d = tlsi_lower(c) - 'a' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/*
 * A string number as Suricata reads it (strtoull() over the n bytes, or
 * up to the first non-digit when n is 0): leading white space, a sign,
 * "0x" in base 16 and base 0 (automatic: 0x hex, 0 octal, else decimal).
 * Returns the bytes consumed (> 0) with *out, 0 without digits or on
 * overflow (Suricata: no match), -1 when the digits reach the end of a
 * view that is not final (n 0: more may follow).
 */
static int read_string_number(const uint8_t *p, uint32_t lim, uint32_t base, int open,
			      uint64_t *out)
{
	uint32_t i = 0, digits = 0;
	uint64_t x = 0;
	int neg = 0, over = 0, d;

	while (i < lim && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (i < lim && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	if ((base == 16 || base == 0) && i + 2 < lim + 0u && p[i] == '0' &&
	    tlsi_lower(p[i + 1]) == 'x' && digit_of(p[i + 2], 16) >= 0) {
		i += 2;
		base = 16;
	} else if (base == 0) {
		base = (i < lim && p[i] == '0') ? 8 : 10;
	}
	for (; i < lim && (d = digit_of(p[i], base)) >= 0; i++) {
		if (x > (~(uint64_t)0 - (uint64_t)d) / base)
			over = 1;
		x = x * base + (uint64_t)d;
		digits++;
	}
	if (open && i == lim)
		return -1;
	if (!digits || over)
		return 0;
	*out = neg ? (uint64_t)0 - x : x;
	return (int)i;
}

/*
 * Read the number byte_test/byte_jump look at: nbytes at view position
 * pos (a string number: nbytes 0 reads to the first non-digit). Returns
 * 1 with *out and *used (bytes the number took: nbytes, or the string's
 * characters as strtoull() consumed them), 0 if it cannot be read (too
 * little data, no digits in a string number, overflow), and sets g->more
 * when data may still come.
 */
static int read_number(struct geval *g, const struct tlsi_img_insn *in,
		       int64_t pos, uint64_t *out, uint32_t *used)
{
	const struct tlsi_eng_view *v = g->v;
	uint16_t fl = le16v(in->flags);
	uint32_t n = in->nbytes, i;
	const uint8_t *p;
	uint64_t x = 0;

	if (pos < 0 || pos > (int64_t)v->len)
		return 0;
	if (pos + n > v->len) {
		if (!v->final)
			g->more = 1;
		return 0;
	}
	p = v->p + pos;
	if (fl & TLSI_IF_STRING) {
		uint32_t lim = n ? n : v->len - (uint32_t)pos;
		int r = read_string_number(p, lim, le32v(in->e), !n && !v->final, &x);

		if (r < 0)
			g->more = 1;
		if (r <= 0)
			return 0;
		*used = (uint32_t)r;
	} else if (fl & TLSI_IF_LITTLE) {
		for (i = n; i-- > 0;)
			x = (x << 8) | p[i];
		*used = n;
	} else {
		for (i = 0; i < n; i++)
			x = (x << 8) | p[i];
		*used = n;
	}
	*out = x;
	return 1;
}

/* Suricata's bitmask: AND, then one right shift per trailing zero bit of
 * the mask (a nonzero result only). */
static uint64_t apply_bitmask(uint64_t x, uint32_t mask)
{
	x &= mask;
	if (x && mask)
		x >>= __builtin_ctz(mask);
	return x;
}

/* Does the buffer's total length (known when final) satisfy cmp? */
/*
 * stream_size: what each side has sent, as Suricata's next_seq - isn of
 * its TCP stream (32 bits, the SYN counted), the chunk being inspected
 * included.
 */
static uint32_t side_size(const struct tlsi_eng_flow *f, unsigned int dir, unsigned int side)
{
	uint64_t n = f->dir[side].seen + 1;

	if (side == dir)
		n += f->dir[dir].chunk;
	return (uint32_t)n;
}

static int stream_size_test(const struct tlsi_eng_flow *f, unsigned int dir,
			    const struct tlsi_img_insn *in)
{
	uint64_t a = le32v(in->a);
	int s = cmp_u64(in->cmp, side_size(f, dir, TLSI_DIR_TO_CLIENT), a, 0);
	int c = cmp_u64(in->cmp, side_size(f, dir, TLSI_DIR_TO_SERVER), a, 0);

	switch (in->nbytes) {
	case TLSI_SS_SERVER:
		return s;
	case TLSI_SS_CLIENT:
		return c;
	case TLSI_SS_BOTH:
		return s && c;
	default:
		return s || c;
	}
}

static int size_test(struct geval *g, const struct tlsi_img_insn *in)
{
	const struct tlsi_eng_view *v = g->v;
	uint64_t have = v->base + v->len;
	uint64_t a = le32v(in->a), b = le32v(in->b);

	if (v->final)
		return cmp_u64(in->cmp, have, a, b);
	/* Still growing: only an upper bound already broken is final. */
	if ((in->cmp == TLSI_CMP_EQ && have > a) ||
	    (in->cmp == TLSI_CMP_LT && have >= a) ||
	    (in->cmp == TLSI_CMP_LE && have > a) ||
	    (in->cmp == TLSI_CMP_RANGE && have >= b))
		return 0;
	g->more = 1;
	return 0;
}

/*
 * One content instruction from detection pointer dp (view coordinates).
 * Returns the match start or NONE_POS; for negated contents 0 means "not
 * there" (success) and NONE_POS "there" (failure).
 */
static int64_t do_content(struct geval *g, const struct tlsi_img_insn *in,
			  int64_t dp, int64_t retry)
{
	const struct tlsi_eng_view *v = g->v;
	uint16_t fl = le16v(in->flags);
	uint32_t plen = le32v(in->b);
	const uint8_t *pat = g->bytes + le32v(in->a);
	int64_t start = -(int64_t)v->base;	/* buffer start */
	int64_t lo, hi, f, avail = v->len;
	int64_t big = (int64_t)1 << 60;
	uint16_t vars = le16v(in->vars);
	/* depth and within from variables: Suricata reads 64 bits, bounded
	 * here far beyond any buffer */
	int64_t depth = (int64_t)TLSI_ENG_MIN(operand(g, in, 3), (uint64_t)1 << 40);
	int64_t within = (int64_t)(uint32_t)operand(g, in, 5);
	int64_t offset = (vars & TLSI_IV(2)) ? (int64_t)(uint32_t)operand(g, in, 2)
					     : le32sv(in->c);
	int trunc;

	if (fl & (TLSI_IF_DISTANCE | TLSI_IF_WITHIN)) {
		int64_t dist = (fl & TLSI_IF_DISTANCE) ? operand_s32(g, in, 4) : 0;

		lo = dp + dist;
		if (lo < start)
			lo = start;
		hi = (fl & TLSI_IF_WITHIN) ? dp + dist + within : big;
		if ((fl & TLSI_IF_DEPTH) && dp + depth < hi)
			hi = dp + depth;
		if ((fl & TLSI_IF_OFFSET) && start + offset > lo)
			lo = start + offset;
		/* Suricata adds the offset to the depth bound when either
		 * came from a variable (its depth is then counted from the
		 * offset reached) */
		if ((vars & (TLSI_IV(2) | TLSI_IV(3))) && hi != big)
			hi += lo - start;
	} else {
		lo = start + ((fl & TLSI_IF_OFFSET) ? offset : 0);
		if (lo < start)
			lo = start;
		hi = (fl & TLSI_IF_DEPTH) ? start + depth : big;
		/* from a variable, d is the depth as written: counted from
		 * the offset */
		if ((vars & (TLSI_IV(2) | TLSI_IV(3))) && (fl & TLSI_IF_DEPTH))
			hi += lo - start;
	}
	if (retry != NONE_POS && retry > lo)
		lo = retry;
	trunc = !v->final && hi > avail;
	if (hi > avail)
		hi = avail;
	g->steps++;

	if (fl & TLSI_IF_ENDSWITH) {
		/* only an occurrence ending at the buffer's end counts */
		if (!v->final) {
			f = NONE_POS;
			if (!(fl & TLSI_IF_NEGATE))
				g->more = 1;
		} else if (hi < avail || avail - plen < lo || avail < plen) {
			f = NONE_POS;
		} else {
			f = find(v->p, avail - plen, avail, pat, plen,
				 fl & TLSI_IF_NOCASE);
		}
		if (fl & TLSI_IF_NEGATE)
			return f == NONE_POS ? 0 : NONE_POS;
		return f;
	}
	f = (lo <= hi) ? find(v->p, lo, hi, pat, plen, fl & TLSI_IF_NOCASE)
		       : NONE_POS;
	if (fl & TLSI_IF_NEGATE)
		return f == NONE_POS ? 0 : NONE_POS;
	if (f == NONE_POS && trunc)
		g->more = 1;
	return f;
}

/*
 * A pcre instruction from detection pointer dp: 1 with the match [*ms, *me)
 * in view coordinates, 0 without, -1 when the regex budget ran out.
 * Suricata's subject: the whole buffer, or with /R the rest of it from dp
 * (so ^ anchors there); a retry searches again from `retry'. *partial:
 * more bytes of a stream could still make it match.
 */
static int do_pcre(struct tlsi_eng_scratch *sc, struct geval *g,
		   const struct tlsi_img_insn *in, int64_t dp, int64_t retry,
		   int64_t *ms, int64_t *me, int *partial)
{
	const struct tlsi_eng_view *v = g->v;
	const struct tlsi_img_regex *rx =
		(const struct tlsi_img_regex *)tlsi_img_sect(g->img, TLSI_IMG_S_REGEXES) +
		le32v(in->a);
	const uint8_t *data = (const uint8_t *)tlsi_img_sect(g->img, TLSI_IMG_S_REGEXDATA) +
			      le32v(rx->off);
	struct tlsi_re_prog prog;
	struct tlsi_re_subject sub;
	int64_t base = 0;		/* view position of the subject's start */
	uint32_t from = 0, s0, s1;
	int r;

	prog.insns = (const struct tlsi_img_re_insn *)data;
	prog.ninsns = le16v(rx->ninsns);
	prog.classes = (const struct tlsi_img_re_class *)
		       (data + (size_t)prog.ninsns * sizeof(struct tlsi_img_re_insn));
	prog.nclasses = le16v(rx->nclasses);
	prog.flags = le16v(rx->flags);
	prog.first = le16v(rx->first);
	prog.req[0] = rx->req[0];
	prog.req[1] = rx->req[1];
	prog.litlen = le16v(rx->litlen);
	prog.lit = (const uint8_t *)(prog.classes + prog.nclasses);
	prog.dfa = prog.lit + ((prog.litlen + 7) & ~7u);	/* with F_DFA */
	prog.dfalen = 0;		/* validated with the image */
	sub.bos = v->base == 0;
	if (le16v(in->flags) & TLSI_IF_RELATIVE) {
		if (dp > 0)
			base = dp;
		/* a window that slid past dp loses the subject's start */
		sub.bos = dp >= 0;
	}
	*partial = 1;
	if (base > (int64_t)v->len)
		return 0;
	sub.p = v->p + base;
	sub.len = v->len - (uint32_t)base;
	if (retry != NONE_POS && retry > base)
		from = (uint32_t)TLSI_ENG_MIN(retry - base, (int64_t)sub.len + 1);
	g->steps++;
	/* a complete buffer: whether more bytes could match is moot */
	r = tlsi_re_search(&prog, &sc->re, &sub, from, &s0, &s1, &g->re_budget,
			   v->final ? NULL : partial);
	if (r == 1) {
		*ms = base + s0;
		*me = base + s1;
	}
	return r;
}

/* The value of a base64 character (RFC 4648 alphabet), or -1. */
static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Suricata's base64_decode (its RFC 4648 mode): characters of the
 * alphabet and '=' are taken four at a time; the first other byte (or the
 * end) ends the input, a last incomplete quad is padded with '='. A quad
 * "xx=?" gives one byte, "xxx=" two; '=' in the first two places of a
 * quad voids the whole decoding (Suricata returns nothing then). Output
 * stops at max bytes. Returns the bytes decoded; *at_end: the input ran to
 * the end of what was given (more data could have continued it).
 */
static uint32_t b64_decode(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t max,
			   int *at_end)
{
	uint32_t i = 0, o = 0, nb;
	uint8_t q[4];

	*at_end = 0;
	while (i < n) {
		int stop = 0, v0, v1, v2, v3;

		for (nb = 0; nb < 4; nb++) {
			if (i < n && (b64_value(in[i]) >= 0 || in[i] == '=')) {
				q[nb] = in[i++];
				continue;
			}
			*at_end = i >= n;
			if (!nb)
				return o;
			for (; nb < 4; nb++)
				q[nb] = '=';
			stop = 1;
		}
		v0 = b64_value(q[0]);
		v1 = b64_value(q[1]);
		if (v0 < 0 || v1 < 0)
			return 0;
		if (o + 3 > max)
			return o;
		out[o++] = (uint8_t)(v0 << 2 | v1 >> 4);
		if (q[2] != '=') {
			v2 = b64_value(q[2]);
			out[o++] = (uint8_t)(v1 << 4 | v2 >> 2);
			if (q[3] != '=') {
				v3 = b64_value(q[3]);
				out[o++] = (uint8_t)(v2 << 6 | v3);
			}
		}
		if (stop)
			return o;
	}
	*at_end = 1;
	return o;
}

static int eval_group(struct tlsi_eng_scratch *s, struct geval *g,
		      const struct tlsi_img_insn *ops, uint32_t n,
		      struct tlsi_eng_frame *fr);

/*
 * base64_decode at detection pointer dp, then the rest of the group
 * (ops[0, n)) on the decoded bytes, as Suricata's base64_data: a buffer
 * of its own, complete, positions from its start. 1, 0, or -1 (step
 * budget).
 */
static int do_base64(struct tlsi_eng_scratch *s, struct geval *g,
		     const struct tlsi_img_insn *in, int64_t dp,
		     const struct tlsi_img_insn *ops, uint32_t n, struct tlsi_eng_frame *fr)
{
	const struct tlsi_eng_view *v = g->v;
	struct tlsi_eng_view dv = { .state = TLSI_VIEW_PRESENT, .final = 1 };
	uint32_t bytes = le32v(in->a) ? le32v(in->a) : 65535, avail, len;
	int64_t at = (le16v(in->flags) & TLSI_IF_RELATIVE) ? dp : -(int64_t)v->base;
	int at_end, r;

	if (at < 0 || at > (int64_t)v->len)
		return 0;	/* its start has left the stream's window */
	avail = v->len - (uint32_t)at;
	/* Suricata: an offset at or past the end decodes nothing */
	if (le32v(in->c) >= avail) {
		if (!v->final)
			g->more = 1;
		return 0;
	}
	at += le32v(in->c);
	avail -= le32v(in->c);
	len = b64_decode(v->p + at, TLSI_ENG_MIN(avail, bytes), s->b64, sizeof(s->b64),
			 &at_end);
	/* input cut by the end of a stream's data so far, not by `bytes' */
	if (at_end && avail < bytes && !v->final)
		g->more = 1;
	if (!len)
		return 0;
	dv.p = s->b64;
	dv.len = len;
	g->v = &dv;
	r = n ? eval_group(s, g, ops, n, fr) : 1;
	g->v = v;
	return r;
}

/* Evaluate the instructions of one buffer group (frames fr[0, n]). */
static int eval_group(struct tlsi_eng_scratch *s, struct geval *g,
		      const struct tlsi_img_insn *ops, uint32_t n,
		      struct tlsi_eng_frame *fr)
{
	const struct tlsi_eng_view *v = g->v;
	int64_t dp = -(int64_t)v->base;
	uint32_t i = 0;

	fr[0].retry = NONE_POS;
	while (i < n) {
		const struct tlsi_img_insn *in = &ops[i];
		uint16_t fl = le16v(in->flags);
		int ok = 1;

		if (g->steps > TLSI_ENG_STEPS_MAX)
			return -1;
		fr[i].dp_in = dp;
		switch (in->op) {
		case TLSI_OP_CONTENT: {
			int64_t at = do_content(g, in, dp, fr[i].retry);

			if (at == NONE_POS) {
				ok = 0;
			} else if (!(fl & TLSI_IF_NEGATE)) {
				fr[i].last = at;
				dp = at + le32v(in->b);
			}
			break;
		}
		case TLSI_OP_PCRE: {
			int64_t ms = 0, me = 0;
			int partial = 0;
			int r = do_pcre(s, g, in, dp, fr[i].retry, &ms, &me, &partial);

			if (r < 0)
				return -1;
			if (fl & TLSI_IF_NEGATE) {
				ok = !r;
			} else if (r) {
				fr[i].last = ms;
				dp = me;
			} else {
				ok = 0;
				if (!v->final && partial)
					g->more = 1;
			}
			break;
		}
		case TLSI_OP_ISDATAAT: {
			uint64_t need = operand(g, in, 0);
			int64_t end;
			int there;

			/* Suricata: a variable of 100,000,000 or more is
			 * beyond any buffer */
			if (need >= 100000000) {
				ok = !!(fl & TLSI_IF_NEGATE);
				break;
			}
			end = (fl & TLSI_IF_RELATIVE) ? dp + (int64_t)need
						      : (int64_t)need + 1 - (int64_t)v->base;
			there = end <= (int64_t)v->len;

			if (!there && !v->final && !(fl & TLSI_IF_NEGATE))
				g->more = 1;
			ok = (fl & TLSI_IF_NEGATE) ? !there : there;
			break;
		}
		case TLSI_OP_BYTE_TEST: {
			int64_t pos = ((fl & TLSI_IF_RELATIVE) ? dp : -(int64_t)v->base) +
				      operand_s32(g, in, 2);
			uint64_t x, val = (le16v(in->vars) & TLSI_IV(0)) ? operand(g, in, 0) :
					  le32v(in->a) | ((uint64_t)le32v(in->b) << 32);
			uint32_t used;

			/* relative at or past the end: no relative base */
			if ((fl & TLSI_IF_RELATIVE) && pos >= (int64_t)v->len && v->final) {
				ok = 0;
				break;
			}
			ok = read_number(g, in, pos, &x, &used);
			if (ok) {
				if (fl & TLSI_IF_BITMASK)
					x = apply_bitmask(x, le32v(in->d));
				ok = cmp_u64(in->cmp, x, val, 0);
				if (fl & TLSI_IF_NEGATE)
					ok = !ok;
			}
			break;
		}
		case TLSI_OP_BYTE_JUMP: {
			int64_t pos = ((fl & TLSI_IF_RELATIVE) ? dp : -(int64_t)v->base) +
				      operand_s32(g, in, 2);
			uint64_t x;
			uint32_t used;
			int64_t to, sx;

			if ((fl & TLSI_IF_RELATIVE) && in->nbytes && pos >= (int64_t)v->len &&
			    v->final) {
				ok = 0;
				break;
			}
			ok = read_number(g, in, pos, &x, &used);
			if (!ok)
				break;
			/* Suricata's arithmetic, in 64 bits that wrap (a string
			 * "-4" jumps back): bitmask, multiplier, align, post
			 * offset; then from the start, the end, or after the
			 * number */
			if (fl & TLSI_IF_BITMASK)
				x = apply_bitmask(x, le32v(in->f));
			if (le32v(in->a) > 1)
				x *= le32v(in->a);
			if ((fl & TLSI_IF_ALIGN) && (x % 4))
				x += 4 - x % 4;
			x += (uint64_t)(int64_t)le32sv(in->d);
			sx = (int64_t)x;
			if (sx > ((int64_t)1 << 40))
				sx = (int64_t)1 << 40;	/* far beyond any buffer */
			else if (sx < -((int64_t)1 << 40))
				sx = -((int64_t)1 << 40);
			if (fl & TLSI_IF_BEGIN)
				to = -(int64_t)v->base + sx;
			else if (fl & TLSI_IF_END)
				to = (int64_t)v->len + sx;
			else
				to = pos + used + sx;
			if (to < -(int64_t)v->base) {
				/* before the buffer: Suricata starts it over */
				dp = -(int64_t)v->base;
			} else if (to > (int64_t)v->len) {
				if (!v->final)
					g->more = 1;
				ok = 0;
			} else {
				dp = to;
			}
			break;
		}
		case TLSI_OP_BYTE_EXTRACT: {
			/* Suricata's byte_extract: read as byte_test does,
			 * multiply, align up, store; the detection pointer
			 * moves past the bytes read, relative or not */
			int64_t pos = ((fl & TLSI_IF_RELATIVE) ? dp : -(int64_t)v->base) +
				      le32sv(in->c);
			uint32_t used, align = le32v(in->d);
			uint64_t x;

			if ((fl & TLSI_IF_RELATIVE) && pos >= (int64_t)v->len && v->final) {
				ok = 0;
				break;
			}
			ok = read_number(g, in, pos, &x, &used);
			if (!ok)
				break;
			x *= le32v(in->a);
			/* align is 2 or 4 (validated): a mask, no 64-bit
			 * division in the kernel */
			if (align && (x & (align - 1)))
				x += align - (x & (align - 1));
			g->vars[le32v(in->b) % TLSI_IMG_BYTE_VARS] = x;
			dp = pos + used;
			break;
		}
		case TLSI_OP_BSIZE:
			ok = size_test(g, in);
			break;
		case TLSI_OP_BASE64: {
			/* terminal: the rest of the group is base64_data's */
			int r = do_base64(s, g, in, dp, ops + i + 1, n - i - 1, fr + i + 1);

			if (r)
				return r;
			ok = 0;
			break;
		}
		default:
			ok = 0;
		}
		if (ok) {
			i++;
			fr[i].retry = NONE_POS;
			continue;
		}
		/* Backtrack to the nearest content whose position matters. */
		for (;;) {
			const struct tlsi_img_insn *b;

			if (i == 0)
				return 0;
			i--;
			b = &ops[i];
			if ((b->op != TLSI_OP_CONTENT && b->op != TLSI_OP_PCRE) ||
			    (le16v(b->flags) & TLSI_IF_NEGATE))
				continue;
			if (!(le16v(b->flags) & TLSI_IF_RETRY))
				return 0;
			fr[i].retry = fr[i].last + 1;
			dp = fr[i].dp_in;
			break;
		}
	}
	return 1;
}

/* Suricata's FlagsMatch(): pflags the packet's, dflags the rule's, iflags
 * the flags that count. */
static int tcp_flags_match(uint8_t pflags, uint8_t mod, uint8_t dflags, uint8_t iflags)
{
	uint8_t x = pflags & iflags;

	if (!dflags && pflags)
		return mod == TLSI_TCPFL_NOT;
	switch (mod) {
	case TLSI_TCPFL_ANY:
		return (x & dflags) != 0;
	case TLSI_TCPFL_PLUS:
		return (x & dflags) == dflags;
	case TLSI_TCPFL_NOT:
		return (x & dflags) != dflags;
	default:
		return x == dflags;
	}
}

/*
 * A header field test (TLSI_OP_PKT) on the packet of tlsi_eng_datagram(),
 * else on a TCP stream. A field the packet does not have never matches,
 * negated or not: itype/icode on a UDP datagram, the TTL of a stream.
 */
static int pkt_test(const struct tlsi_eng_pkt *p, const struct tlsi_img_insn *in)
{
	int icmp = p && (p->proto == TLSI_PROTO_ICMP || p->proto == TLSI_PROTO_ICMPV6);
	uint64_t x;
	int m;

	switch (in->nbytes) {
	case TLSI_PKT_ITYPE:
		if (!icmp)
			return 0;
		x = p->icmp_type;
		break;
	case TLSI_PKT_ICODE:
		if (!icmp)
			return 0;
		x = p->icmp_code;
		break;
	case TLSI_PKT_IP_PROTO:
		x = p ? p->proto : TLSI_PROTO_TCP;
		break;
	case TLSI_PKT_TTL:
		if (!p)
			return 0;
		x = p->ttl;
		break;
	case TLSI_PKT_TCP_FLAGS:
		return p && p->proto == TLSI_PROTO_TCP &&
		       tcp_flags_match(p->tcp_flags, in->cmp, (uint8_t)le32v(in->a),
				       (uint8_t)le32v(in->b));
	default:
		return 0;
	}
	m = cmp_u64(in->cmp, x, le32v(in->a), le32v(in->b));
	return (le16v(in->flags) & TLSI_IF_NEGATE) ? !m : m;
}

static int flowbits_test(const struct tlsi_eng_flow *f, const struct tlsi_img_insn *in)
{
	unsigned int i, set = 0;

	for (i = 0; i < in->nbytes; i++) {
		uint32_t bit = tlsi_insn_arg(in, i);

		set += (f->flowbits[bit >> 3] >> (bit & 7)) & 1;
	}
	switch (in->cmp) {
	case TLSI_FB_ISSET: return set == in->nbytes;
	case TLSI_FB_ISSET_ANY: return set > 0;
	case TLSI_FB_ISNOTSET: return set == 0;
	case TLSI_FB_ISNOTSET_ANY: return set < in->nbytes;
	default: return 1;	/* SET/UNSET/TOGGLE act after a match */
	}
}

/* A flowint test (the changes happen after the match: engine.c). */
static int flowint_test(const struct tlsi_eng_flow *f, const struct tlsi_img_insn *in)
{
	const struct tlsi_eng_flowint *v = NULL;
	uint32_t b = le32v(in->b);
	unsigned int i;

	for (i = 0; i < TLSI_ENG_FLOWINTS; i++)
		if (f->flowints[i].set && f->flowints[i].var == le32v(in->a))
			v = &f->flowints[i];
	switch (in->cmp) {
	case TLSI_FI_ISSET: return v != NULL;
	case TLSI_FI_NOTSET: return v == NULL;
	case TLSI_FI_EQ: return v && v->val == b;
	case TLSI_FI_NE: return v && v->val != b;
	case TLSI_FI_LT: return v && v->val < b;
	case TLSI_FI_LE: return v && v->val <= b;
	case TLSI_FI_GT: return v && v->val > b;
	case TLSI_FI_GE: return v && v->val >= b;
	default: return 1;	/* SET/ADD/SUB act after a match */
	}
}

int tlsi_eval_rule(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, uint32_t ri, unsigned int *more_buf)
{
	const struct tlsi_eng *e = c->eng;
	const struct tlsi_img_rule *r = &e->rules[ri];
	const struct tlsi_img_insn *ins = e->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k = 0;
	int more = 0;
	struct geval g;

	g.bytes = e->bytes;
	g.img = e->img;
	g.steps = 0;
	g.re_budget = TLSI_ENG_RE_STEPS_MAX;
	while (k < n) {
		const struct tlsi_img_insn *in = &ins[k];
		const struct tlsi_eng_view *v;
		uint32_t gs, ge;
		int rc;

		if (in->op == TLSI_OP_DSIZE) {
			struct tlsi_eng_view dv = { .state = TLSI_VIEW_PRESENT,
						    .final = 1 };

			dv.len = f->dir[dir].chunk;
			g.v = &dv;
			g.more = 0;
			if (!size_test(&g, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_PKT) {
			if (!pkt_test(c->pkt, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_XBITS) {
			if (!tlsi_eng_xbits_test(c, f, dir, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_STREAM_SIZE) {
			if (!stream_size_test(f, dir, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_FLOWBITS) {
			if (!flowbits_test(f, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_FLOWINT) {
			if (!flowint_test(f, in))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_APP_EVENT) {
			if (!tlsi_eng_app_event(f, dir, in->nbytes))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op == TLSI_OP_TLS_VERSION) {
			uint32_t v = f->dir[dir].tls_version;

			/* Suricata: TLS 1.3 drafts are 1.3 unless raw */
			if (!in->nbytes && (v >> 8) == 0x7f)
				v = 0x0304;
			if (!v || v != le32v(in->a))
				return TLSI_EV_NOMATCH;
			k++;
			continue;
		}
		if (in->op != TLSI_OP_BUFFER) {	/* cannot happen (validated) */
			k++;
			continue;
		}
		gs = k + 1;
		for (ge = gs; ge < n && ins[ge].op != TLSI_OP_BUFFER &&
		     ins[ge].op != TLSI_OP_FLOWBITS && ins[ge].op != TLSI_OP_DSIZE &&
		     ins[ge].op != TLSI_OP_PKT && ins[ge].op != TLSI_OP_STREAM_SIZE &&
		     ins[ge].op != TLSI_OP_XBITS && ins[ge].op != TLSI_OP_FLOWINT &&
		     ins[ge].op != TLSI_OP_TLS_VERSION && ins[ge].op != TLSI_OP_APP_EVENT; ge++)
			;
		k = ge;
		if (in->buf == TLSI_BUF_NONE || gs == ge)
			continue;
		v = &c->s->views[in->buf];
		if (v->state == TLSI_VIEW_LATER) {
			more = 1;
			*more_buf = in->buf;
			continue;
		}
		if (v->state != TLSI_VIEW_PRESENT)
			return TLSI_EV_NOMATCH;
		g.v = v;
		g.more = 0;
		memset(g.vars, 0, sizeof(g.vars));
		rc = eval_group(c->s, &g, ins + gs, ge - gs, c->s->frames);
		if (rc < 0) {
			tlsi_eng_report(c, f, TLSI_EV_STEPS, dir);
			return TLSI_EV_NOMATCH;
		}
		if (!rc) {
			if (!g.more)
				return TLSI_EV_NOMATCH;
			more = 1;
			*more_buf = in->buf;
		}
	}
	return more ? TLSI_EV_MORE : TLSI_EV_MATCH;
}
