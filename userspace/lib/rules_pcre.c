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
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_pcre.h"
#include "image.h"

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

struct pstate {
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

static void fail(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(ps->why, ps->whylen, fmt, ap);
	va_end(ap);
}

static struct node *new_node(struct pstate *ps, enum nkind k)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		fail(ps, "out of memory");
		return NULL;
	}
	n->k = k;
	n->next_alloc = ps->nodes;
	ps->nodes = n;
	return n;
}

static void free_nodes(struct pstate *ps)
{
	while (ps->nodes) {
		struct node *n = ps->nodes;

		ps->nodes = n->next_alloc;
		free(n->kids);
		free(n);
	}
}

static void add_kid(struct pstate *ps, struct node *n, struct node *kid)
{
	struct node **k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));

	if (!k) {
		fail(ps, "out of memory");
		return;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
}

/* ---- byte sets ---------------------------------------------------------------- */

static void set_add(uint8_t *s, unsigned int c)
{
	s[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int set_has(const uint8_t *s, unsigned int c)
{
	return (s[c >> 3] >> (c & 7)) & 1;
}

static void set_range(uint8_t *s, unsigned int lo, unsigned int hi)
{
	unsigned int c;

	for (c = lo; c <= hi; c++)
		set_add(s, c);
}

static void set_fold(uint8_t *s)
{
	unsigned int c;

	for (c = 'a'; c <= 'z'; c++) {
		if (set_has(s, c) || set_has(s, c - 32)) {
			set_add(s, c);
			set_add(s, c - 32);
		}
	}
}

static void set_invert(uint8_t *s)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		s[i] = (uint8_t)~s[i];
}

static void set_or(uint8_t *s, const uint8_t *t, bool invert)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		s[i] |= invert ? (uint8_t)~t[i] : t[i];
}

static unsigned int set_count(const uint8_t *s)
{
	unsigned int c, n = 0;

	for (c = 0; c < 256; c++)
		n += (unsigned int)set_has(s, c);
	return n;
}

/* \d \w \s \h \v (lower case; upper case is the complement) */
static bool class_escape(char e, uint8_t *out)
{
	uint8_t s[32] = { 0 };
	char l = (char)tolower((unsigned char)e);

	switch (l) {
	case 'd':
		set_range(s, '0', '9');
		break;
	case 'w':
		set_range(s, '0', '9');
		set_range(s, 'a', 'z');
		set_range(s, 'A', 'Z');
		set_add(s, '_');
		break;
	case 's':
		set_range(s, 0x09, 0x0d);
		set_add(s, ' ');
		break;
	case 'h':
		set_add(s, 0x09);
		set_add(s, 0x20);
		set_add(s, 0xa0);
		break;
	case 'v':
		set_range(s, 0x0a, 0x0d);
		set_add(s, 0x85);
		break;
	default:
		return false;
	}
	if (e != l)
		set_invert(s);
	memcpy(out, s, 32);
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A character escape after the backslash at ps->p (which points past it):
 * 1 with *c, 0 when it is not one (the caller handles it), -1 on error.
 * in_class: \b is backspace there, and digits are octal.
 */
static int char_escape(struct pstate *ps, bool in_class, unsigned int *c)
{
	char e;
	int v, k;

	if (ps->p >= ps->end) {
		fail(ps, "\\ at end of expression");
		return -1;
	}
	e = *ps->p;
	switch (e) {
	case 'a': *c = 0x07; break;
	case 'e': *c = 0x1b; break;
	case 'f': *c = 0x0c; break;
	case 'n': *c = 0x0a; break;
	case 'r': *c = 0x0d; break;
	case 't': *c = 0x09; break;
	case 'b':
		if (!in_class)
			return 0;
		*c = 0x08;
		break;
	case 'x':
		ps->p++;
		if (ps->p < ps->end && *ps->p == '{') {
			unsigned int x = 0;
			const char *q = ps->p + 1;

			while (q < ps->end && hexval(*q) >= 0) {
				x = x * 16 + (unsigned int)hexval(*q);
				if (x > 0xff) {
					fail(ps, "\\x{...} beyond one byte (no UTF mode)");
					return -1;
				}
				q++;
			}
			if (q >= ps->end || *q != '}' || q == ps->p + 1) {
				fail(ps, "bad \\x{...}");
				return -1;
			}
			ps->p = q + 1;
			*c = x;
			return 1;
		}
		v = 0;
		for (k = 0; k < 2 && ps->p < ps->end && hexval(*ps->p) >= 0; k++)
			v = v * 16 + hexval(*ps->p++);
		*c = (unsigned int)v;
		return 1;
	case 'c':
		ps->p++;
		if (ps->p >= ps->end || *ps->p < 0x20 || *ps->p > 0x7e) {
			fail(ps, "bad \\c");
			return -1;
		}
		*c = (unsigned int)(toupper((unsigned char)*ps->p) ^ 0x40);
		break;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (e != '0' && !in_class)
			return 0;	/* backreference: the caller refuses it */
		v = 0;
		for (k = 0; k < 3 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7'; k++)
			v = v * 8 + (*ps->p++ - '0');
		if (v > 0xff) {
			fail(ps, "octal escape beyond one byte (no UTF mode)");
			return -1;
		}
		*c = (unsigned int)v;
		return 1;
	default:
		if (isalnum((unsigned char)e))
			return 0;
		*c = (unsigned char)e;	/* escaped punctuation: itself */
		break;
	}
	ps->p++;
	return 1;
}

/* An option setting, comment, \Q or \E: nothing to match, and nothing a
 * quantifier may follow (PCRE2 would apply it to the item before). */
static struct node *empty_mark(struct pstate *ps)
{
	struct node *n = new_node(ps, N_CAT);

	if (n)
		n->kind = 1;
	return n;
}

static struct node *set_node(struct pstate *ps, const uint8_t *s)
{
	struct node *n = new_node(ps, N_SET);

	if (n)
		memcpy(n->set, s, 32);
	return n;
}

static struct node *char_node(struct pstate *ps, unsigned int c)
{
	uint8_t s[32] = { 0 };

	set_add(s, c);
	if (ps->opts & RX_CASELESS)
		set_fold(s);
	return set_node(ps, s);
}

static const struct { const char *name; const char *ranges; } posix[] = {
	{ "alpha", "azAZ" }, { "digit", "09" }, { "alnum", "azAZ09" },
	{ "upper", "AZ" }, { "lower", "az" }, { "xdigit", "09afAF" },
	{ "space", "\x09\x0d  " }, { "blank", "\x09\x09  " }, { "punct", "!/:@[`{~" },
	{ "print", " ~" }, { "graph", "!~" }, { "cntrl", "\x00\x1f\x7f\x7f" },
	{ "word", "azAZ09__" }, { "ascii", "\x00\x7f" },
};

static int posix_class(struct pstate *ps, uint8_t *s)
{
	const char *q = ps->p + 2, *e;	/* after "[:" */
	bool neg = false;
	size_t i, len;

	if (q < ps->end && *q == '^') {
		neg = true;
		q++;
	}
	for (e = q; e + 1 < ps->end && isalpha((unsigned char)*e); e++)
		;
	if (e + 1 >= ps->end || e[0] != ':' || e[1] != ']') {
		fail(ps, "unknown POSIX class");
		return -1;
	}
	len = (size_t)(e - q);
	for (i = 0; i < sizeof(posix) / sizeof(posix[0]); i++) {
		uint8_t t[32] = { 0 };
		const char *r = posix[i].ranges;
		size_t k, rl = !strcmp(posix[i].name, "cntrl") || !strcmp(posix[i].name, "ascii") ?
			       (!strcmp(posix[i].name, "cntrl") ? 4 : 2) : strlen(r);

		if (strlen(posix[i].name) != len || memcmp(posix[i].name, q, len))
			continue;
		for (k = 0; k + 1 < rl; k += 2)
			set_range(t, (unsigned char)r[k], (unsigned char)r[k + 1]);
		set_or(s, t, neg);
		ps->p = e + 2;
		return 1;
	}
	fail(ps, "unknown POSIX class");
	return -1;
}

/* PCRE2's test for "[:name:]", "[.x.]", "[=x=]" at p ('[' then t). */
static bool posix_syntax(const char *p, const char *end)
{
	char t = p[1];

	for (p += 2; p < end; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == ']' || p[1] == '\\'))
			p++;
		else if ((*p == '[' && p + 1 < end && p[1] == t) || *p == ']')
			return false;
		else if (*p == t && p + 1 < end && p[1] == ']')
			return true;
	}
	return false;
}

static struct node *parse_class(struct pstate *ps)
{
	uint8_t s[32] = { 0 };
	bool neg = false, first = true;

	ps->p++;	/* '[' */
	if (ps->p < ps->end && *ps->p == '^') {
		neg = true;
		ps->p++;
	}
	for (;;) {
		unsigned int lo, hi;
		int r;

		if (ps->p >= ps->end) {
			fail(ps, "missing ] in a class");
			return NULL;
		}
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (*ps->p == '[' && ps->p + 1 < ps->end &&
		    (ps->p[1] == '.' || ps->p[1] == '=') && posix_syntax(ps->p, ps->end)) {
			fail(ps, "POSIX collating element");
			return NULL;
		}
		if (*ps->p == '[' && ps->p + 1 < ps->end && ps->p[1] == ':' &&
		    posix_syntax(ps->p, ps->end)) {
			r = posix_class(ps, s);
			if (r < 0)
				return NULL;
			if (r)
				continue;
		}
		if (*ps->p == '\\') {
			uint8_t t[32];

			ps->p++;
			if (ps->p < ps->end && class_escape(*ps->p, t)) {
				set_or(s, t, false);
				ps->p++;
				if (ps->p + 1 < ps->end && *ps->p == '-' && ps->p[1] != ']') {
					fail(ps, "range starting at a class escape");
					return NULL;
				}
				continue;
			}
			r = char_escape(ps, true, &lo);
			if (r < 0)
				return NULL;
			if (!r) {
				fail(ps, "escape \\%c in a class", *ps->p);
				return NULL;
			}
		} else {
			lo = (unsigned char)*ps->p++;
		}
		hi = lo;
		if (ps->p + 1 < ps->end && *ps->p == '-' && ps->p[1] != ']') {
			ps->p++;
			if (*ps->p == '\\') {
				uint8_t t[32];

				ps->p++;
				if (ps->p < ps->end && class_escape(*ps->p, t)) {
					fail(ps, "range ending in a class escape");
					return NULL;
				}
				r = char_escape(ps, true, &hi);
				if (r <= 0) {
					if (!r)
						fail(ps, "bad range end in a class");
					return NULL;
				}
			} else if (*ps->p == '[' && ps->p + 1 < ps->end &&
				   (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=') &&
				   posix_syntax(ps->p, ps->end)) {
				fail(ps, "range ending in a POSIX class");
				return NULL;
			} else {
				hi = (unsigned char)*ps->p++;
			}
			if (hi < lo) {
				fail(ps, "range out of order in a class");
				return NULL;
			}
		}
		set_range(s, lo, hi);
	}
	if (ps->opts & RX_CASELESS)
		set_fold(s);
	if (neg)
		set_invert(s);
	return set_node(ps, s);
}

static void skip_extended(struct pstate *ps)
{
	if (!(ps->opts & RX_EXTENDED))
		return;
	while (ps->p < ps->end) {
		/* PCRE2 without UTF counts NEL (0x85) as white space too */
		if (isspace((unsigned char)*ps->p) || (unsigned char)*ps->p == 0x85) {
			ps->p++;
		} else if (*ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
}

static struct node *parse_alt(struct pstate *ps);

/* "(?i-s)" / "(?i-s:": option letters at ps->p; *colon set for a group. */
static int parse_opts(struct pstate *ps, bool *colon)
{
	unsigned int on = 0, off = 0, *cur = &on;

	if (ps->p < ps->end && *ps->p == '^') {
		off = RX_CASELESS | RX_MULTILINE | RX_DOTALL | RX_EXTENDED;
		ps->p++;
	}
	for (; ps->p < ps->end; ps->p++) {
		switch (*ps->p) {
		case 'i': *cur |= RX_CASELESS; break;
		case 'm': *cur |= RX_MULTILINE; break;
		case 's': *cur |= RX_DOTALL; break;
		case 'x': *cur |= RX_EXTENDED; break;
		case 'U': *cur |= RX_UNGREEDY; break;
		case 'n': case 'J': break;	/* captures and names: no effect */
		case '-':
			if (cur == &off || (off && !on)) {	/* "--", "^-" */
				fail(ps, "invalid hyphen in option setting");
				return -1;
			}
			cur = &off;
			break;
		case ')': case ':':
			*colon = *ps->p == ':';
			ps->p++;
			ps->opts = (ps->opts | on) & ~off;
			return 0;
		default:
			fail(ps, "group (?%c...)", *ps->p);
			return -1;
		}
	}
	fail(ps, "missing ) after options");
	return -1;
}

static int group_name(struct pstate *ps, const char *name, size_t len)
{
	unsigned int i;

	if (len > 32 || isdigit((unsigned char)name[0])) {
		fail(ps, "bad group name");
		return -1;
	}
	for (i = 0; i < ps->nnames; i++)
		if (strlen(ps->names[i]) == len && !memcmp(ps->names[i], name, len)) {
			fail(ps, "two groups with one name");
			return -1;
		}
	if (ps->nnames == sizeof(ps->names) / sizeof(ps->names[0])) {
		fail(ps, "more than 64 named groups");
		return -1;
	}
	memcpy(ps->names[ps->nnames], name, len);
	ps->names[ps->nnames++][len] = '\0';
	return 0;
}

static struct node *parse_group(struct pstate *ps)
{
	unsigned int saved = ps->opts;
	struct node *n, *look = NULL;
	const char *q;

	ps->p++;	/* '(' */
	if (ps->p < ps->end && *ps->p == '*') {
		fail(ps, "verb (*...)");
		return NULL;
	}
	if (ps->p < ps->end && *ps->p == '?') {
		ps->p++;
		if (ps->p >= ps->end) {
			fail(ps, "missing ) after (?");
			return NULL;
		}
		switch (*ps->p) {
		case '#':
			while (ps->p < ps->end && *ps->p != ')')
				ps->p++;
			if (ps->p >= ps->end) {
				fail(ps, "missing ) after comment");
				return NULL;
			}
			ps->p++;
			return empty_mark(ps);
		case ':':
		case '|':	/* branch reset: only capture numbers differ */
			ps->p++;
			break;
		case '=':
		case '!':
			look = new_node(ps, N_LOOK);
			if (look)
				look->kind = *ps->p == '!' ? TLSI_RE_LOOK_NEG : 0;
			ps->p++;
			break;
		case '<':
			if (ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '!')) {
				look = new_node(ps, N_LOOK);
				if (look)
					look->kind = TLSI_RE_LOOK_BEHIND |
						     (ps->p[1] == '!' ? TLSI_RE_LOOK_NEG : 0);
				ps->p += 2;
				break;
			}
			/* (?<name> */
			__attribute__((fallthrough));
		case 'P':
		case '\'':
			if (*ps->p == 'P') {
				if (ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '>')) {
					fail(ps, ps->p[1] == '=' ? "backreference (?P=name)"
								 : "subroutine call (?P>name)");
					return NULL;
				}
				ps->p++;
			}
			if (ps->p >= ps->end || (*ps->p != '<' && *ps->p != '\'')) {
				fail(ps, "bad named group");
				return NULL;
			}
			q = ps->p + 1;
			while (q < ps->end && (isalnum((unsigned char)*q) || *q == '_'))
				q++;
			if (q >= ps->end || *q != (*ps->p == '<' ? '>' : '\'') || q == ps->p + 1) {
				fail(ps, "bad group name");
				return NULL;
			}
			if (group_name(ps, ps->p + 1, (size_t)(q - ps->p - 1)))
				return NULL;
			ps->p = q + 1;
			break;
		case '>':
			fail(ps, "atomic group (?>...)");
			return NULL;
		case '(':
			fail(ps, "conditional group (?(...)");
			return NULL;
		case 'R': case '&': case '+': case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': case '8': case '9':
			fail(ps, "recursion or subroutine call (?%c", *ps->p);
			return NULL;
		default: {
			bool colon = false;

			if (parse_opts(ps, &colon))
				return NULL;
			if (!colon)
				return empty_mark(ps);	/* applies to the rest */
			break;
		}
		}
	}
	if (++ps->depth > RX_DEPTH_MAX) {
		fail(ps, "groups nested deeper than %d", RX_DEPTH_MAX);
		return NULL;
	}
	n = parse_alt(ps);
	ps->depth--;
	if (ps->failed)
		return NULL;
	if (ps->p >= ps->end || *ps->p != ')') {
		fail(ps, "missing )");
		return NULL;
	}
	ps->p++;
	ps->opts = saved;
	if (look) {
		look->sub = n;
		return look;
	}
	return n;
}

static struct node *assert_node(struct pstate *ps, uint8_t kind)
{
	struct node *n = new_node(ps, N_ASSERT);

	if (n)
		n->kind = kind;
	return n;
}

static struct node *parse_escape(struct pstate *ps)
{
	uint8_t s[32];
	unsigned int c;
	char e;
	int r;

	ps->p++;	/* '\\' */
	if (ps->p >= ps->end) {
		fail(ps, "\\ at end of expression");
		return NULL;
	}
	e = *ps->p;
	if (class_escape(e, s)) {
		ps->p++;
		return set_node(ps, s);
	}
	switch (e) {
	case 'b': ps->p++; return assert_node(ps, TLSI_RE_A_WORDB);
	case 'B': ps->p++; return assert_node(ps, TLSI_RE_A_NWORDB);
	case 'A': ps->p++; return assert_node(ps, TLSI_RE_A_BOT);
	case 'z': ps->p++; return assert_node(ps, TLSI_RE_A_EOT);
	case 'Z': ps->p++; return assert_node(ps, TLSI_RE_A_EOTNL);
	case 'N':
		ps->p++;
		if (ps->p < ps->end && *ps->p == '{') {
			fail(ps, "\\N{...}");
			return NULL;
		}
		memset(s, 0xff, sizeof(s));
		s['\n' >> 3] &= (uint8_t)~(1u << ('\n' & 7));
		return set_node(ps, s);
	case 'C':
		ps->p++;
		memset(s, 0xff, sizeof(s));
		return set_node(ps, s);
	case 'Q':	/* parse_cat reads the quoted bytes one by one */
		ps->p++;
		ps->quote = true;
		return empty_mark(ps);
	case 'E':
		ps->p++;
		return empty_mark(ps);
	case 'G':
		fail(ps, "\\G");
		return NULL;
	case 'K':
		fail(ps, "\\K (match start reset)");
		return NULL;
	case 'R':
		fail(ps, "\\R (atomic newline)");
		return NULL;
	case 'X': case 'p': case 'P':
		fail(ps, "Unicode property \\%c", e);
		return NULL;
	case 'g': case 'k':
		fail(ps, "backreference \\%c", e);
		return NULL;
	}
	r = char_escape(ps, false, &c);
	if (r < 0)
		return NULL;
	if (!r) {
		if (e >= '1' && e <= '9')
			fail(ps, "backreference \\%c", e);
		else
			fail(ps, "unknown escape \\%c", e);
		return NULL;
	}
	return char_node(ps, c);
}

static struct node *parse_atom(struct pstate *ps)
{
	uint8_t s[32];

	switch (*ps->p) {
	case '(':
		return parse_group(ps);
	case '[':
		if (ps->p + 1 < ps->end && (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=') &&
		    posix_syntax(ps->p, ps->end)) {
			fail(ps, "POSIX class outside a class");
			return NULL;
		}
		return parse_class(ps);
	case '.':
		ps->p++;
		memset(s, 0xff, sizeof(s));
		if (!(ps->opts & RX_DOTALL))
			s['\n' >> 3] &= (uint8_t)~(1u << ('\n' & 7));
		return set_node(ps, s);
	case '^':
		ps->p++;
		return assert_node(ps, (ps->opts & RX_MULTILINE) ? TLSI_RE_A_BOL : TLSI_RE_A_BOT);
	case '$':
		ps->p++;
		return assert_node(ps, (ps->opts & RX_MULTILINE) ? TLSI_RE_A_EOL :
				       (ps->opts & RX_DOLLAR_END) ? TLSI_RE_A_EOT :
				       TLSI_RE_A_EOTNL);
	case '\\':
		return parse_escape(ps);
	case '*': case '+': case '?':
		fail(ps, "quantifier without an item");
		return NULL;
	default:
		return char_node(ps, (unsigned char)*ps->p++);
	}
}

static bool parse_count(struct pstate *ps, const char **pp, const char *end, uint32_t *v)
{
	const char *p = *pp;
	uint32_t x = 0;

	if (p >= end || !isdigit((unsigned char)*p))
		return false;
	while (p < end && isdigit((unsigned char)*p)) {
		x = x * 10 + (uint32_t)(*p++ - '0');
		if (x > RX_REPEAT_MAX) {
			fail(ps, "number too big in {} (at most %d)", RX_REPEAT_MAX);
			return false;
		}
	}
	*v = x;
	*pp = p;
	return true;
}

/* A quantifier at ps->p: 1 with min/max, 0 if none ("{" literal). */
static int parse_quant(struct pstate *ps, uint32_t *min, uint32_t *max)
{
	const char *q;

	if (ps->p >= ps->end)
		return 0;
	switch (*ps->p) {
	case '*': *min = 0; *max = RX_INF; ps->p++; return 1;
	case '+': *min = 1; *max = RX_INF; ps->p++; return 1;
	case '?': *min = 0; *max = 1; ps->p++; return 1;
	case '{':
		q = ps->p + 1;
		if (!parse_count(ps, &q, ps->end, min))
			return ps->failed ? -1 : 0;
		if (q < ps->end && *q == '}') {
			*max = *min;
		} else if (q < ps->end && *q == ',') {
			q++;
			if (q < ps->end && *q == '}')
				*max = RX_INF;
			else if (!parse_count(ps, &q, ps->end, max) || q >= ps->end || *q != '}')
				return ps->failed ? -1 : 0;
		} else {
			return 0;
		}
		if (*max < *min) {
			fail(ps, "{%u,%u}: numbers out of order", *min, *max);
			return -1;
		}
		ps->p = q + 1;
		return 1;
	}
	return 0;
}

/*
 * A possessive repetition of one byte set S never gives bytes back: it
 * takes the whole run (up to max). That is exactly S{min,} followed by
 * "no S next", or for a bounded max, S{max} or else S{min,max-1} with no
 * S next. Possessive repetition of anything longer has no such rewrite.
 */
static struct node *possessive(struct pstate *ps, struct node *r)
{
	struct node *look, *body, *cat, *alt, *full;

	if (r->sub->k != N_SET) {
		fail(ps, "possessive quantifier (of more than one byte)");
		return NULL;
	}
	r->greedy = true;
	if (r->min == r->max)
		return r;	/* nothing to give back anyway */
	look = new_node(ps, N_LOOK);
	body = set_node(ps, r->sub->set);
	cat = new_node(ps, N_CAT);
	if (!look || !body || !cat)
		return NULL;
	look->kind = TLSI_RE_LOOK_NEG;
	look->sub = body;
	if (r->max == RX_INF) {
		add_kid(ps, cat, r);
		add_kid(ps, cat, look);
		return ps->failed ? NULL : cat;
	}
	full = new_node(ps, N_REP);
	alt = new_node(ps, N_ALT);
	if (!full || !alt)
		return NULL;
	full->sub = r->sub;
	full->min = full->max = r->max;
	full->greedy = true;
	r->max--;
	add_kid(ps, cat, r);
	add_kid(ps, cat, look);
	add_kid(ps, alt, full);
	add_kid(ps, alt, cat);
	return ps->failed ? NULL : alt;
}

static struct node *parse_cat(struct pstate *ps)
{
	struct node *cat = new_node(ps, N_CAT);

	while (cat && !ps->failed) {
		struct node *a, *rep;
		uint32_t min, max;
		int q;

		if (ps->quote) {
			/* a literal byte; a quantifier may follow its \E */
			if (ps->p >= ps->end) {
				ps->quote = false;
				break;
			}
			if (*ps->p == '\\' && ps->p + 1 < ps->end && ps->p[1] == 'E') {
				ps->p += 2;
				ps->quote = false;
				continue;
			}
			a = char_node(ps, (unsigned char)*ps->p++);
			if (!a)
				return NULL;
			if (ps->p + 1 < ps->end && ps->p[0] == '\\' && ps->p[1] == 'E') {
				ps->p += 2;
				ps->quote = false;
			} else {
				add_kid(ps, cat, a);
				continue;
			}
			goto quantifier;
		}
		skip_extended(ps);
		if (ps->p >= ps->end || *ps->p == '|' || *ps->p == ')')
			break;
		if (*ps->p == '{') {	/* a literal unless a quantifier */
			uint32_t a1, a2;
			const char *save = ps->p;

			int qq = parse_quant(ps, &a1, &a2);

			if (qq < 0)
				return NULL;
			if (qq == 1) {
				ps->p = save;
				fail(ps, "quantifier without an item");
				return NULL;
			}
		}
		a = parse_atom(ps);
		if (!a)
			return NULL;
		if (ps->quote)
			goto add;	/* \\Q: no quantifier on it */
quantifier:
		skip_extended(ps);
		q = parse_quant(ps, &min, &max);
		if (q < 0)
			return NULL;
		if (q && (a->k == N_ASSERT || a->k == N_LOOK)) {
			fail(ps, "quantifier after an assertion");
			return NULL;
		}
		if (q && a->k == N_CAT && a->kind) {
			fail(ps, "quantifier after an option setting or comment");
			return NULL;
		}
		if (q) {
			rep = new_node(ps, N_REP);
			if (!rep)
				return NULL;
			rep->sub = a;
			rep->min = min;
			rep->max = max;
			rep->greedy = !(ps->opts & RX_UNGREEDY);
			if (ps->p < ps->end && *ps->p == '?') {
				rep->greedy = !rep->greedy;
				ps->p++;
			} else if (ps->p < ps->end && *ps->p == '+') {
				ps->p++;
				rep = possessive(ps, rep);
				if (!rep)
					return NULL;
			}
			skip_extended(ps);
			if (ps->p < ps->end && (*ps->p == '*' || *ps->p == '+' || *ps->p == '?')) {
				fail(ps, "quantifier after a quantifier");
				return NULL;
			}
			a = rep;
		}
add:
		add_kid(ps, cat, a);
	}
	return cat;
}

static struct node *parse_alt(struct pstate *ps)
{
	struct node *first = parse_cat(ps), *alt;

	if (!first || ps->p >= ps->end || *ps->p != '|')
		return first;
	alt = new_node(ps, N_ALT);
	if (!alt)
		return NULL;
	add_kid(ps, alt, first);
	while (!ps->failed && ps->p < ps->end && *ps->p == '|') {
		ps->p++;
		add_kid(ps, alt, parse_cat(ps));
	}
	return ps->failed ? NULL : alt;
}

/* ---- sizes -------------------------------------------------------------------- */

static uint64_t sat(uint64_t x)
{
	return x > (1u << 30) ? (1u << 30) : x;
}

/* Instructions the node emits (saturated). */
static uint64_t node_size(const struct node *n)
{
	uint64_t s = 0, c;
	size_t i;

	switch (n->k) {
	case N_SET:
	case N_ASSERT:
		return 1;
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			s = sat(s + node_size(n->kids[i]));
		return s;
	case N_ALT:
		for (i = 0; i < n->nkids; i++)
			s = sat(s + node_size(n->kids[i]) + 2);
		return s;
	case N_REP:
		c = node_size(n->sub);
		if (n->max == RX_INF)
			return sat(n->min ? (uint64_t)n->min * c + 1 : c + 2);
		return sat((uint64_t)n->min * c + (uint64_t)(n->max - n->min) * (c + 1));
	case N_LOOK:
		return sat(node_size(n->sub) + 2);
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
static int check_looks(struct pstate *ps, const struct node *n)
{
	uint64_t lo, hi;
	size_t i;

	switch (n->k) {
	case N_LOOK:
		if (has_look(n->sub)) {
			fail(ps, "nested lookaround");
			return -1;
		}
		if (node_size(n->sub) + 1 > TLSI_RE_SUB_MAX) {
			fail(ps, "lookaround body beyond %d instructions", TLSI_RE_SUB_MAX);
			return -1;
		}
		node_len(n->sub, &lo, &hi);
		if (n->kind & TLSI_RE_LOOK_BEHIND) {
			if (lo != hi || hi > 255) {
				fail(ps, "lookbehind of variable length (or beyond 255 bytes)");
				return -1;
			}
		} else if (hi == RX_INF) {
			fail(ps, "lookahead of unbounded length");
			return -1;
		}
		return 0;
	case N_REP:
		return check_looks(ps, n->sub);
	case N_CAT:
	case N_ALT:
		for (i = 0; i < n->nkids; i++)
			if (check_looks(ps, n->kids[i]))
				return -1;
		return 0;
	default:
		return 0;
	}
}

/* ---- emitting ----------------------------------------------------------------- */

struct emit {
	struct rx_prog *p;
	uint32_t cap, ccap;
	bool oom;
};

static uint32_t emit(struct emit *e, uint8_t op, uint8_t arg, uint32_t x, uint32_t y,
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

static uint32_t class_index(struct emit *e, const uint8_t *s)
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

static void emit_node(struct emit *e, const struct node *n);

static void emit_set(struct emit *e, const uint8_t *s)
{
	unsigned int cnt = set_count(s), c;

	if (cnt == 256) {
		emit(e, TLSI_RE_ANY, 0, 0, 0, 0);
	} else if (cnt == 1) {
		for (c = 0; !set_has(s, c); c++)
			;
		emit(e, TLSI_RE_BYTE, (uint8_t)c, 0, 0, 0);
	} else {
		emit(e, TLSI_RE_CLASS, 0, class_index(e, s), 0, 0);
	}
}

static void patch_split(struct emit *e, uint32_t at, uint32_t body, uint32_t out,
			bool greedy)
{
	e->p->insns[at].x = (uint16_t)(greedy ? body : out);
	e->p->insns[at].y = (uint16_t)(greedy ? out : body);
}

static void emit_rep(struct emit *e, const struct node *n)
{
	uint32_t i, split, top, j, *pend = NULL, npend = 0;

	if (n->max == RX_INF) {
		if (n->min == 0) {
			/* L: SPLIT body, out; body; JMP L */
			split = emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
			emit_node(e, n->sub);
			emit(e, TLSI_RE_JMP, 0, split, 0, 0);
			if (!e->oom)
				patch_split(e, split, split + 1, e->p->ninsns, n->greedy);
			return;
		}
		for (i = 0; i + 1 < n->min; i++)
			emit_node(e, n->sub);
		/* L: body; SPLIT L, out */
		top = e->p->ninsns;
		emit_node(e, n->sub);
		split = emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
		if (!e->oom)
			patch_split(e, split, top, split + 1, n->greedy);
		return;
	}
	for (i = 0; i < n->min; i++)
		emit_node(e, n->sub);
	if (n->max == n->min)
		return;
	pend = calloc(n->max - n->min, sizeof(*pend));
	if (!pend) {
		e->oom = true;
		return;
	}
	/* (body (body (...)?)?)?: every SPLIT's "skip" leads to the end */
	for (i = n->min; i < n->max && !e->oom; i++) {
		pend[npend++] = emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
		emit_node(e, n->sub);
	}
	for (j = 0; j < npend && !e->oom; j++)
		patch_split(e, pend[j], pend[j] + 1, e->p->ninsns, n->greedy);
	free(pend);
}

static void emit_node(struct emit *e, const struct node *n)
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
		emit(e, TLSI_RE_ASSERT, n->kind, 0, 0, 0);
		return;
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			emit_node(e, n->kids[i]);
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
				at = emit(e, TLSI_RE_SPLIT, 0, 0, 0, 0);
			emit_node(e, n->kids[i]);
			if (i + 1 < n->nkids) {
				jmps[i] = emit(e, TLSI_RE_JMP, 0, 0, 0, 0);
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
		at = emit(e, TLSI_RE_LOOK, n->kind, 0, 0,
			  (n->kind & TLSI_RE_LOOK_BEHIND) ? (uint32_t)lo : 0);
		emit_node(e, n->sub);
		emit(e, TLSI_RE_MATCH, 0, 0, 0, 0);
		if (!e->oom) {
			e->p->insns[at].x = (uint16_t)(at + 1);
			e->p->insns[at].y = (uint16_t)e->p->ninsns;
		}
		return;
	}
}

/* The bytes every match starts with, when that is known without looking
 * at assertions and no match can be empty; else TLSI_RE_NO_CLASS. */
static uint32_t first_class(struct emit *e)
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
			set_add(s, in->arg);
			break;
		case TLSI_RE_CLASS:
			set_or(s, p->classes[in->x].bits, false);
			break;
		default:	/* ANY, ASSERT, LOOK, MATCH */
			ok = false;
		}
	}
	if (ok && set_count(s) < 256)
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
static void required(const struct node *n, uint8_t req[2], int *bestn, int *score)
{
	size_t i;

	switch (n->k) {
	case N_SET: {
		unsigned int c, got = 0, b[2] = { 0, 0 }, cnt = set_count(n->set);
		int sc;

		if (cnt < 1 || cnt > 2)
			return;
		for (c = 0; c < 256 && got < cnt; c++)
			if (set_has(n->set, c))
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
			required(n->kids[i], req, bestn, score);
		return;
	case N_REP:
		if (n->min >= 1)
			required(n->sub, req, bestn, score);
		return;
	default:
		return;
	}
}

/* A set that is one byte, or one letter in both cases: its lower-case
 * byte (comparing without case then accepts at least what it does). */
static int lit_byte(const uint8_t *set)
{
	unsigned int cnt = set_count(set), c, b[2] = { 0, 0 }, got = 0;

	if (cnt < 1 || cnt > 2)
		return -1;
	for (c = 0; c < 256 && got < cnt; c++)
		if (set_has(set, c))
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
static void required_lit(const struct node *n, struct rx_prog *out)
{
	uint8_t run[TLSI_RE_LIT_MAX];
	uint32_t len = 0;
	size_t i;
	int b;

	if (n->k == N_REP) {
		if (n->min >= 1)
			required_lit(n->sub, out);
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
			required_lit(k, out);
	}
}

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
static bool try_dfa(struct rx_prog *p, uint32_t cut)
{
	struct dfa_build d = { .p = p, .n = p->ninsns, .cut = cut };
	bool anchored = p->flags & TLSI_RE_F_ANCHORED;
	uint32_t start_bot, start_mid, st, c, k;
	size_t base;

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
	/* the table stops at TLSI_RE_DFA_BYTES_MAX (below) */
	d.next = malloc(TLSI_RE_DFA_BYTES_MAX + 2 * 256 * (size_t)d.ncols);
	if (d.fail || !d.next)
		goto out;
	d.gen++;
	base = d.nelems;
	dfa_closure(&d, 0, true);
	start_bot = dfa_intern(&d, base);
	d.gen++;
	base = d.nelems;
	dfa_closure(&d, 0, false);
	start_mid = dfa_intern(&d, base);
	/* states are numbered in discovery order: expand them in turn */
	for (st = 0; st < d.nstates && !d.fail; st++) {
		bool acc = dfa_accepts(&d, st);

		for (c = 0; c < d.ncols && !d.fail; c++) {
			uint32_t to;

			if (acc) {	/* the search stops there */
				d.next[st * d.ncols + c] = dfa_code(&d, st);
				continue;
			}
			d.gen++;
			base = d.nelems;
			for (k = 0; k < d.set_len[st]; k++) {
				uint32_t pc = d.elems[d.set_off[st] + k];
				const struct tlsi_img_re_insn *in = &p->insns[pc];
				uint8_t b = d.rep[c];
				int ok = in->op == TLSI_RE_ANY ||
					 (in->op == TLSI_RE_BYTE && in->arg == b) ||
					 (in->op == TLSI_RE_CLASS &&
					  tlsi_re_class_has(&p->classes[le16v(in->x)], b));

				if (ok)
					dfa_closure(&d, pc + 1, false);
			}
			if (!anchored)
				dfa_closure(&d, 0, false);
			if (d.fail || d.work > DFA_WORK_MAX) {
				d.fail = true;
				break;
			}
			to = dfa_intern(&d, base);
			d.next[st * d.ncols + c] = dfa_code(&d, to);
		}
		if (tlsi_re_dfa_bytes(d.nstates, d.ncols) > TLSI_RE_DFA_BYTES_MAX)
			d.fail = true;	/* a table this size is not worth its bytes */
	}
	if (d.fail)
		goto out;
	{
		uint64_t len = tlsi_re_dfa_bytes(d.nstates, d.ncols);
		uint8_t *out = calloc(1, len);
		struct tlsi_img_re_dfa h;
		uint16_t *next;

		if (!out)
			goto out;
		h.nstates = le16v((uint16_t)d.nstates);
		h.ncols = le16v((uint16_t)d.ncols);
		h.start_bot = le16v(dfa_code(&d, start_bot));
		h.start_mid = le16v(dfa_code(&d, start_mid));
		memcpy(out, &h, sizeof(h));
		memcpy(out + 8, d.cols, 256);
		next = (uint16_t *)(out + TLSI_RE_DFA_HDR);
		for (k = 0; k < d.nstates * d.ncols; k++)
			next[k] = le16v(d.next[k]);
		p->dfa = out;
		p->dfalen = (uint32_t)len;
		p->flags |= TLSI_RE_F_DFA | (cut ? 0 : TLSI_RE_F_DFA_EXACT);
		for (k = 0; k < p->ninsns; k++)
			if (p->insns[k].op == TLSI_RE_LOOK ||
			    (p->insns[k].op == TLSI_RE_ASSERT && p->insns[k].arg != TLSI_RE_A_BOT))
				p->flags &= ~(uint32_t)TLSI_RE_F_DFA_EXACT;
	}
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
static void build_dfa(struct rx_prog *p)
{
	static const uint32_t cuts[] = { 0, 6, 3 };
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (try_dfa(p, cuts[i]))
			return;
}

static int compile_one(const char *pattern, size_t len, unsigned int opts, struct rx_prog *out,
		       char *why, size_t whylen)
{
	struct pstate ps = { .p = pattern, .end = pattern + len, .opts = opts,
			     .why = why, .whylen = whylen };
	struct emit e = { .p = out };
	struct node *root;
	uint64_t size;
	uint32_t i;
	char err[160];

	memset(out, 0, sizeof(*out));
	if (opts & RX_ANCHORED) {
		snprintf(why, whylen, "modifier A (anchored at the start offset)");
		return -1;
	}
	root = parse_alt(&ps);
	if (!ps.failed && ps.p < ps.end)
		fail(&ps, "unmatched )");
	if (ps.failed || !root) {
		free_nodes(&ps);
		return -1;
	}
	if (check_looks(&ps, root)) {
		free_nodes(&ps);
		return -1;
	}
	size = node_size(root) + 1;
	if (size > TLSI_RE_INSNS_MAX) {
		snprintf(why, whylen, "expression too large: %llu instructions (at most %d)",
			 (unsigned long long)size, TLSI_RE_INSNS_MAX);
		free_nodes(&ps);
		return -1;
	}
	emit_node(&e, root);
	emit(&e, TLSI_RE_MATCH, 0, 0, 0, 0);
	{
		int bestn = 0, score = 1 << 30;

		required(root, out->req, &bestn, &score);
		if (bestn)
			out->flags |= TLSI_RE_F_REQ;
		required_lit(root, out);
		if (out->litlen)
			out->flags |= TLSI_RE_F_LIT;
	}
	free_nodes(&ps);
	if (!e.oom)
		out->first = first_class(&e);
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
	build_dfa(out);
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
			if (q + 3 < end && q[1] == 'x' && hexval(q[2]) >= 0 && hexval(q[3]) >= 0) {
				c = (unsigned int)(hexval(q[2]) * 16 + hexval(q[3]));
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
static char *expand_backrefs(const char *pat, size_t len)
{
	const char *end = pat + len, *p, *g = NULL, *gend = NULL;
	char name[64];
	size_t nlen = 0, clen;
	uint8_t vals[BR_VALUES_MAX];
	unsigned int nv = 0, v, depth = 0, look = 0;
	struct sbuf out = { 0 };
	/* lookaround depth per paren level */
	unsigned char kind[RX_DEPTH_MAX];

	/* find the group: (?P<name>[...]) or (?<name>[...]) at depth 0 */
	for (p = pat; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 < end && p[1] >= '1' && p[1] <= '9')
				return NULL;	/* a numbered reference */
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
			return NULL;
		if (*p == '(') {
			if (depth + 1 >= RX_DEPTH_MAX)
				return NULL;
			kind[depth] = (p + 2 < end && p[1] == '?' &&
				       (p[2] == '=' || p[2] == '!' ||
					(p[2] == '<' && p + 3 < end && (p[3] == '=' || p[3] == '!'))));
			look += kind[depth];
			if (depth == 0 && !g && p + 3 < end && p[1] == '?' &&
			    (p[2] == '<' || (p[2] == 'P' && p[3] == '<')) &&
			    !kind[depth]) {
				const char *n0 = p + (p[2] == 'P' ? 4 : 3), *n1 = n0;

				while (n1 < end && *n1 != '>')
					n1++;
				if (n1 >= end || n1 == n0 || (size_t)(n1 - n0) >= sizeof(name))
					return NULL;
				clen = finite_class(n1 + 1, end, vals, &nv);
				if (!clen || n1 + 1 + clen >= end || n1[1 + clen] != ')')
					return NULL;
				gend = n1 + 1 + clen + 1;
				if (gend < end && (*gend == '?' || *gend == '*' || *gend == '+' ||
						   *gend == '{'))
					return NULL;
				g = p;
				nlen = (size_t)(n1 - n0);
				memcpy(name, n0, nlen);
				name[nlen] = '\0';
				p = gend - 1;
				continue;
			}
			depth++;
			continue;
		}
		if (*p == ')') {
			if (!depth)
				return NULL;
			depth--;
			look -= kind[depth];
			continue;
		}
		if (g && p + 4 + nlen < end && !strncmp(p, "(?P=", 4)) {
			/* handled above as '(' */
		}
	}
	if (!g || depth)
		return NULL;
	/* references: (?P=name), \k<name>, \k{name}, \g{name}: none inside
	 * lookaround (checked by scanning again with depth kinds) */
	depth = look = 0;
	for (p = pat; p < end; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == 'k' || p[1] == 'g') && look)
			return NULL;
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
				return NULL;
			kind[depth] = (p + 2 < end && p[1] == '?' &&
				       (p[2] == '=' || p[2] == '!' ||
					(p[2] == '<' && p + 3 < end && (p[3] == '=' || p[3] == '!'))));
			look += kind[depth];
			depth++;
		} else if (*p == ')' && depth) {
			depth--;
			look -= kind[depth];
		}
	}
	sput(&out, "(?:", 3);
	for (v = 0; v < nv; v++) {
		char lit[16];

		snprintf(lit, sizeof(lit), "(?:\\x%02x)", vals[v]);
		if (v)
			sput(&out, "|", 1);
		for (p = pat; p < end;) {
			size_t rl = 0;

			if (p == g) {
				sput(&out, lit, strlen(lit));
				p = gend;
				continue;
			}
			if (*p == '\\' && p + 1 < end && p[1] != 'k' && p[1] != 'g') {
				sput(&out, p, 2);
				p += 2;
				continue;
			}
			if (!strncmp(p, "(?P=", 4) && (size_t)(end - p) > 4 + nlen &&
			    !strncmp(p + 4, name, nlen) && p[4 + nlen] == ')')
				rl = 5 + nlen;
			else if (*p == '\\' && (size_t)(end - p) > 3 + nlen &&
				 (p[2] == '<' || p[2] == '{') && !strncmp(p + 3, name, nlen) &&
				 p[3 + nlen] == (p[2] == '<' ? '>' : '}'))
				rl = 4 + nlen;
			if (rl && p < g) {	/* before the capture: it fails */
				free(out.p);
				return NULL;
			}
			if (rl) {
				sput(&out, lit, strlen(lit));
				p += rl;
				continue;
			}
			if (*p == '\\') {	/* another \k or \g: not ours */
				free(out.p);
				return NULL;
			}
			sput(&out, p, 1);
			p++;
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
