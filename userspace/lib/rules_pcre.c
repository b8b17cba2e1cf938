// SPDX-License-Identifier: GPL-2.0
/*
 * PCRE syntax to Pike VM programs (engine/regex.h).
 *
 * The expression is parsed into a small tree (byte sets, concatenation,
 * alternation, repetition, assertions, lookaround), then emitted as a
 * Thompson NFA: bounded repetition is unrolled, alternation and optional
 * parts become SPLITs whose first target is the branch PCRE tries first,
 * so the matcher's priority order is PCRE's. Case-insensitivity, dot-all,
 * multiline and ungreedy are resolved here (into byte sets and assertion
 * kinds): the program carries no options.
 *
 * Semantics follow PCRE2 without UTF (what Suricata uses): bytes, ASCII
 * case folding, \s = [\t\n\v\f\r ], \w = [A-Za-z0-9_], newline = \n.
 *
 * This file is the frame: the pcre keyword's value, one expression's way
 * through parse (rules_pcre_parse.c), emit (rules_pcre_emit.c) and the DFA
 * prefilter (rules_pcre_dfa.c), and backreferences to a small finite
 * capture. What these share is rules_pcre_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_pcre.h"
#include "image.h"
#include "rules_pcre_int.h"

static int compile_one(const char *pattern, size_t len, unsigned int opts, struct rx_prog *out,
		       char *why, size_t whylen)
{
	struct rx_parser ps = { .p = pattern, .end = pattern + len, .opts = opts,
				.why = why, .whylen = whylen };
	struct rx_emit e = { .p = out };
	struct node *root;
	uint64_t size;
	uint32_t i;
	char err[160];

	memset(out, 0, sizeof(*out));
	if (opts & RX_ANCHORED) {
		snprintf(why, whylen, "modifier A (anchored at the start offset)");
		return -1;
	}
	root = rx_parse_alt(&ps);
	if (!ps.failed && ps.p < ps.end)
		rx_fail(&ps, "unmatched )");
	if (ps.failed || !root) {
		rx_free_nodes(&ps);
		return -1;
	}
	if (rx_check_looks(&ps, root)) {
		rx_free_nodes(&ps);
		return -1;
	}
	size = rx_node_size(root) + 1;
	if (size > TLSI_RE_INSNS_MAX) {
		snprintf(why, whylen, "expression too large: %llu instructions (at most %d)",
			 (unsigned long long)size, TLSI_RE_INSNS_MAX);
		rx_free_nodes(&ps);
		return -1;
	}
	rx_emit_node(&e, root);
	rx_emit(&e, TLSI_RE_MATCH, 0, 0, 0, 0);
	{
		int bestn = 0, score = 1 << 30;

		rx_required(root, out->req, &bestn, &score);
		if (bestn)
			out->flags |= TLSI_RE_F_REQ;
		rx_required_lit(root, out);
		if (out->litlen)
			out->flags |= TLSI_RE_F_LIT;
	}
	rx_free_nodes(&ps);
	if (!e.oom)
		out->first = rx_first_class(&e);
	if (e.oom || out->nclasses > TLSI_RE_CLASSES_MAX) {
		snprintf(why, whylen, e.oom ? "out of memory" : "more than %d byte classes",
			 TLSI_RE_CLASSES_MAX);
		rx_prog_free(out);
		return -1;
	}
	if (out->insns[0].op == TLSI_RE_ASSERT && out->insns[0].arg == TLSI_RE_A_BOT)
		out->flags |= TLSI_RE_F_ANCHORED;
	for (i = 0; i < out->ninsns; i++) {	/* to the image's byte order */
		out->insns[i].x = le16v(out->insns[i].x);
		out->insns[i].y = le16v(out->insns[i].y);
		out->insns[i].z = le16v(out->insns[i].z);
	}
	rx_build_dfa(out);
	{
		struct tlsi_re_prog g = rx_view(out);

		if (tlsi_re_validate(&g, err, sizeof(err))) {
			snprintf(why, whylen, "internal error: %s", err);
			rx_prog_free(out);
			return -1;
		}
	}
	return 0;
}

/* ---- the keyword ---------------------------------------------------------------- */

int rx_parse_pcre(const char *val, struct rx_pcre *out, char *why, size_t whylen)
{
	const char *p = val, *q, *last;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->buf = -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '!') {
		out->negate = true;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n < 2 || p[0] != '"' || p[n - 1] != '"') {
		snprintf(why, whylen, "pcre value not in quotes");
		return -1;
	}
	p++;
	n -= 2;
	if (*p == '!' && !out->negate) {	/* "!/.../" */
		out->negate = true;
		p++;
		n--;
	}
	if (n < 2 || p[0] != '/') {
		snprintf(why, whylen, "pcre value not /expression/modifiers");
		return -1;
	}
	last = NULL;
	for (q = p + 1; q < p + n; q++)
		if (*q == '/')
			last = q;
	if (!last) {
		snprintf(why, whylen, "pcre without closing /");
		return -1;
	}
	for (q = last + 1; q < p + n; q++) {
		int b = -2;

		switch (*q) {
		case 'i': out->opts |= RX_CASELESS; break;
		case 's': out->opts |= RX_DOTALL; break;
		case 'm': out->opts |= RX_MULTILINE; break;
		case 'x': out->opts |= RX_EXTENDED; break;
		case 'A': out->opts |= RX_ANCHORED; break;
		case 'E': out->opts |= RX_DOLLAR_END; break;
		case 'G': out->opts |= RX_UNGREEDY; break;
		case 'R': out->relative = true; break;
		case 'B': case 'O': break;	/* rawbytes; match limit override */
		case 'U': b = TLSI_BUF_HTTP_URI; break;
		case 'I': b = TLSI_BUF_HTTP_URI_RAW; break;
		case 'P': b = TLSI_BUF_BODY; break;	/* request body */
		case 'Q': b = TLSI_BUF_BODY; break;	/* file.data */
		case 'H': b = TLSI_BUF_HTTP_HEADER; break;
		case 'D': b = TLSI_BUF_HTTP_HEADER_RAW; break;
		case 'M': b = TLSI_BUF_HTTP_METHOD; break;
		case 'C': b = TLSI_BUF_HTTP_COOKIE; break;
		case 'S': b = TLSI_BUF_HTTP_STAT_CODE; break;
		case 'Y': b = TLSI_BUF_HTTP_STAT_MSG; break;
		case 'V': b = TLSI_BUF_HTTP_USER_AGENT; break;
		case 'W': b = TLSI_BUF_HTTP_HOST; break;
		case 'Z': b = TLSI_BUF_HTTP_HOST_RAW; break;
		default:
			snprintf(why, whylen, "pcre modifier `%c'", *q);
			return -1;
		}
		if (b != -2) {
			if (out->buf >= 0 && out->buf != b) {
				snprintf(why, whylen, "pcre with two buffer modifiers");
				return -1;
			}
			out->buf = b;
		}
	}
	out->len = (size_t)(last - (p + 1));
	out->pattern = malloc(out->len + 1);
	if (!out->pattern) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	memcpy(out->pattern, p + 1, out->len);
	out->pattern[out->len] = '\0';
	return 0;
}

/* ---- backreferences to a small finite capture ------------------------------ */

#define BR_VALUES_MAX	4	/* strings the capture may hold */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sput(struct sbuf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->len + n + 1) * 2;
		char *np = realloc(b->p, nc);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* "[...]" at p holding 1..BR_VALUES_MAX plain bytes or \xHH, no range or
 * negation: its bytes, and the length of the class text; 0 otherwise. */
static size_t finite_class(const char *p, const char *end, uint8_t *vals, unsigned int *n)
{
	const char *q = p + 1;

	*n = 0;
	if (p >= end || *p != '[' || q >= end || *q == '^' || *q == ']')
		return 0;
	while (q < end && *q != ']') {
		unsigned int c;

		if (*n == BR_VALUES_MAX)
			return 0;
		if (*q == '\\') {
			if (q + 3 < end && q[1] == 'x' && rx_hexval(q[2]) >= 0 && rx_hexval(q[3]) >= 0) {
				c = (unsigned int)(rx_hexval(q[2]) * 16 + rx_hexval(q[3]));
				q += 4;
			} else {
				return 0;
			}
		} else if (*q == '-' || *q == '[' || (unsigned char)*q < 0x20 ||
			   (unsigned char)*q >= 0x7f) {
			return 0;
		} else {
			c = (unsigned char)*q++;
		}
		vals[(*n)++] = (uint8_t)c;
	}
	return q < end ? (size_t)(q + 1 - p) : 0;
}

/*
 * An exact rewrite of an expression whose backreferences all refer to one
 * named group that captures one byte of a small class, exactly once: the
 * group at the top level (no alternation there, no quantifier after it),
 * every reference outside lookaround, no numbered reference. The result
 * is the alternation, over each byte, of the expression with the group and
 * its references replaced by that byte. NULL when it does not apply.
 */
/* The named group a backreference expansion replaces. */
struct br_group {
	const char *start, *end;	/* "(?<name>[...])" in the pattern */
	char name[64];
	size_t nlen;
	uint8_t vals[BR_VALUES_MAX];	/* the bytes its class holds */
	unsigned int nv;
};

/* A lookaround opens at p ("(?=", "(?!", "(?<=", "(?<!")? */
static unsigned char opens_look(const char *p, const char *end)
{
	return p + 2 < end && p[1] == '?' &&
	       (p[2] == '=' || p[2] == '!' ||
		(p[2] == '<' && p + 3 < end && (p[3] == '=' || p[3] == '!')));
}

/* Find the group: (?P<name>[...]) or (?<name>[...]) at depth 0. */
static bool find_capture(const char *pat, const char *end, struct br_group *grp)
{
	/* a lookaround per paren level (it cannot be the group) */
	unsigned char kind[RX_DEPTH_MAX];
	unsigned int depth = 0;
	const char *p;
	size_t clen;

	for (p = pat; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 < end && p[1] >= '1' && p[1] <= '9')
				return false;	/* a numbered reference */
			p++;
			continue;
		}
		if (*p == '[') {	/* skip classes */
			for (p++; p < end && *p != ']'; p++)
				if (*p == '\\')
					p++;
			continue;
		}
		if (*p == '|' && depth == 0)
			return false;
		if (*p == '(') {
			if (depth + 1 >= RX_DEPTH_MAX)
				return false;
			kind[depth] = opens_look(p, end);
			if (depth == 0 && !grp->start && p + 3 < end && p[1] == '?' &&
			    (p[2] == '<' || (p[2] == 'P' && p[3] == '<')) &&
			    !kind[depth]) {
				const char *n0 = p + (p[2] == 'P' ? 4 : 3), *n1 = n0;

				while (n1 < end && *n1 != '>')
					n1++;
				if (n1 >= end || n1 == n0 || (size_t)(n1 - n0) >= sizeof(grp->name))
					return false;
				clen = finite_class(n1 + 1, end, grp->vals, &grp->nv);
				if (!clen || n1 + 1 + clen >= end || n1[1 + clen] != ')')
					return false;
				grp->end = n1 + 1 + clen + 1;
				if (grp->end < end && (*grp->end == '?' || *grp->end == '*' ||
						       *grp->end == '+' || *grp->end == '{'))
					return false;
				grp->start = p;
				grp->nlen = (size_t)(n1 - n0);
				memcpy(grp->name, n0, grp->nlen);
				grp->name[grp->nlen] = '\0';
				p = grp->end - 1;
				continue;
			}
			depth++;
			continue;
		}
		if (*p == ')') {
			if (!depth)
				return false;
			depth--;
		}
	}
	return grp->start && !depth;
}

/* References: (?P=name), \k<name>, \k{name}, \g{name}: none inside lookaround. */
static bool refs_outside_lookaround(const char *pat, const char *end)
{
	unsigned char kind[RX_DEPTH_MAX];
	unsigned int depth = 0, look = 0;
	const char *p;

	for (p = pat; p < end; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == 'k' || p[1] == 'g') && look)
			return false;
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == '[') {
			for (p++; p < end && *p != ']'; p++)
				if (*p == '\\')
					p++;
			continue;
		}
		if (*p == '(') {
			if (p + 3 < end && p[1] == '?' && p[2] == 'P' && p[3] == '=' && look)
				return false;
			kind[depth] = opens_look(p, end);
			look += kind[depth];
			depth++;
		} else if (*p == ')' && depth) {
			depth--;
			look -= kind[depth];
		}
	}
	return true;
}

/* The expression with the group and its references as the byte lit; false:
 * a reference before the capture (it fails) or another \k or \g. */
static bool put_with_byte(struct sbuf *out, const char *pat, const char *end,
			  const struct br_group *grp, const char *lit)
{
	const char *p;

	for (p = pat; p < end;) {
		size_t rl = 0;

		if (p == grp->start) {
			sput(out, lit, strlen(lit));
			p = grp->end;
			continue;
		}
		if (*p == '\\' && p + 1 < end && p[1] != 'k' && p[1] != 'g') {
			sput(out, p, 2);
			p += 2;
			continue;
		}
		if (!strncmp(p, "(?P=", 4) && (size_t)(end - p) > 4 + grp->nlen &&
		    !strncmp(p + 4, grp->name, grp->nlen) && p[4 + grp->nlen] == ')')
			rl = 5 + grp->nlen;
		else if (*p == '\\' && (size_t)(end - p) > 3 + grp->nlen &&
			 (p[2] == '<' || p[2] == '{') && !strncmp(p + 3, grp->name, grp->nlen) &&
			 p[3 + grp->nlen] == (p[2] == '<' ? '>' : '}'))
			rl = 4 + grp->nlen;
		if (rl && p < grp->start)	/* before the capture: it fails */
			return false;
		if (rl) {
			sput(out, lit, strlen(lit));
			p += rl;
			continue;
		}
		if (*p == '\\')		/* another \k or \g: not ours */
			return false;
		sput(out, p, 1);
		p++;
	}
	return true;
}

static char *expand_backrefs(const char *pat, size_t len)
{
	const char *end = pat + len;
	struct br_group grp = { 0 };
	struct sbuf out = { 0 };
	unsigned int v;

	if (!find_capture(pat, end, &grp) || !refs_outside_lookaround(pat, end))
		return NULL;
	sput(&out, "(?:", 3);
	for (v = 0; v < grp.nv; v++) {
		char lit[16];

		snprintf(lit, sizeof(lit), "(?:\\x%02x)", grp.vals[v]);
		if (v)
			sput(&out, "|", 1);
		if (!put_with_byte(&out, pat, end, &grp, lit)) {
			free(out.p);
			return NULL;
		}
	}
	sput(&out, ")", 1);
	if (out.oom) {
		free(out.p);
		return NULL;
	}
	return out.p;
}

int rx_compile(const char *pattern, size_t len, unsigned int opts, struct rx_prog *out,
	       char *why, size_t whylen)
{
	char *x;
	int rc = compile_one(pattern, len, opts, out, why, whylen);

	if (!rc || !strstr(why, "backreference"))
		return rc;
	x = expand_backrefs(pattern, len);
	if (!x)
		return rc;
	{
		char why2[160];

		rc = compile_one(x, strlen(x), opts, out, why2, sizeof(why2));
	}
	free(x);
	return rc;
}
