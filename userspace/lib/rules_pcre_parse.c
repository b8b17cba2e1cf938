// SPDX-License-Identifier: GPL-2.0
/*
 * PCRE syntax to the expression tree of rules_pcre_int.h: byte sets and
 * escapes, classes (POSIX ones included), groups and their options,
 * quantifiers, concatenation and alternation, with PCRE2's refusals.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_pcre.h"
#include "image.h"
#include "rules_pcre_int.h"

void rx_fail(struct rx_parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(ps->why, ps->whylen, fmt, ap);
	va_end(ap);
}

static struct node *new_node(struct rx_parser *ps, enum nkind k)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		rx_fail(ps, "out of memory");
		return NULL;
	}
	n->k = k;
	n->next_alloc = ps->nodes;
	ps->nodes = n;
	return n;
}

void rx_free_nodes(struct rx_parser *ps)
{
	while (ps->nodes) {
		struct node *n = ps->nodes;

		ps->nodes = n->next_alloc;
		free(n->kids);
		free(n);
	}
}

static void add_kid(struct rx_parser *ps, struct node *n, struct node *kid)
{
	struct node **k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));

	if (!k) {
		rx_fail(ps, "out of memory");
		return;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
}

/* ---- byte sets ---------------------------------------------------------------- */

void rx_set_add(uint8_t *s, unsigned int c)
{
	s[c >> 3] |= (uint8_t)(1u << (c & 7));
}

int rx_set_has(const uint8_t *s, unsigned int c)
{
	return (s[c >> 3] >> (c & 7)) & 1;
}

static void set_range(uint8_t *s, unsigned int lo, unsigned int hi)
{
	unsigned int c;

	for (c = lo; c <= hi; c++)
		rx_set_add(s, c);
}

static void set_fold(uint8_t *s)
{
	unsigned int c;

	for (c = 'a'; c <= 'z'; c++) {
		if (rx_set_has(s, c) || rx_set_has(s, c - 32)) {
			rx_set_add(s, c);
			rx_set_add(s, c - 32);
		}
	}
}

static void set_invert(uint8_t *s)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		s[i] = (uint8_t)~s[i];
}

void rx_set_or(uint8_t *s, const uint8_t *t, bool invert)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		s[i] |= invert ? (uint8_t)~t[i] : t[i];
}

unsigned int rx_set_count(const uint8_t *s)
{
	unsigned int c, n = 0;

	for (c = 0; c < 256; c++)
		n += (unsigned int)rx_set_has(s, c);
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
		rx_set_add(s, '_');
		break;
	case 's':
		set_range(s, 0x09, 0x0d);
		rx_set_add(s, ' ');
		break;
	case 'h':
		rx_set_add(s, 0x09);
		rx_set_add(s, 0x20);
		rx_set_add(s, 0xa0);
		break;
	case 'v':
		set_range(s, 0x0a, 0x0d);
		rx_set_add(s, 0x85);
		break;
	default:
		return false;
	}
	if (e != l)
		set_invert(s);
	memcpy(out, s, 32);
	return true;
}

int rx_hexval(char c)
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
static int char_escape(struct rx_parser *ps, bool in_class, unsigned int *c)
{
	char e;
	int v, k;

	if (ps->p >= ps->end) {
		rx_fail(ps, "\\ at end of expression");
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

			while (q < ps->end && rx_hexval(*q) >= 0) {
				x = x * 16 + (unsigned int)rx_hexval(*q);
				if (x > 0xff) {
					rx_fail(ps, "\\x{...} beyond one byte (no UTF mode)");
					return -1;
				}
				q++;
			}
			if (q >= ps->end || *q != '}' || q == ps->p + 1) {
				rx_fail(ps, "bad \\x{...}");
				return -1;
			}
			ps->p = q + 1;
			*c = x;
			return 1;
		}
		v = 0;
		for (k = 0; k < 2 && ps->p < ps->end && rx_hexval(*ps->p) >= 0; k++)
			v = v * 16 + rx_hexval(*ps->p++);
		*c = (unsigned int)v;
		return 1;
	case 'c':
		ps->p++;
		if (ps->p >= ps->end || *ps->p < 0x20 || *ps->p > 0x7e) {
			rx_fail(ps, "bad \\c");
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
			rx_fail(ps, "octal escape beyond one byte (no UTF mode)");
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
static struct node *empty_mark(struct rx_parser *ps)
{
	struct node *n = new_node(ps, N_CAT);

	if (n)
		n->kind = 1;
	return n;
}

static struct node *set_node(struct rx_parser *ps, const uint8_t *s)
{
	struct node *n = new_node(ps, N_SET);

	if (n)
		memcpy(n->set, s, 32);
	return n;
}

static struct node *char_node(struct rx_parser *ps, unsigned int c)
{
	uint8_t s[32] = { 0 };

	rx_set_add(s, c);
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

static int posix_class(struct rx_parser *ps, uint8_t *s)
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
		rx_fail(ps, "unknown POSIX class");
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
		rx_set_or(s, t, neg);
		ps->p = e + 2;
		return 1;
	}
	rx_fail(ps, "unknown POSIX class");
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

static struct node *parse_class(struct rx_parser *ps)
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
			rx_fail(ps, "missing ] in a class");
			return NULL;
		}
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (*ps->p == '[' && ps->p + 1 < ps->end &&
		    (ps->p[1] == '.' || ps->p[1] == '=') && posix_syntax(ps->p, ps->end)) {
			rx_fail(ps, "POSIX collating element");
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
				rx_set_or(s, t, false);
				ps->p++;
				if (ps->p + 1 < ps->end && *ps->p == '-' && ps->p[1] != ']') {
					rx_fail(ps, "range starting at a class escape");
					return NULL;
				}
				continue;
			}
			r = char_escape(ps, true, &lo);
			if (r < 0)
				return NULL;
			if (!r) {
				rx_fail(ps, "escape \\%c in a class", *ps->p);
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
					rx_fail(ps, "range ending in a class escape");
					return NULL;
				}
				r = char_escape(ps, true, &hi);
				if (r <= 0) {
					if (!r)
						rx_fail(ps, "bad range end in a class");
					return NULL;
				}
			} else if (*ps->p == '[' && ps->p + 1 < ps->end &&
				   (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=') &&
				   posix_syntax(ps->p, ps->end)) {
				rx_fail(ps, "range ending in a POSIX class");
				return NULL;
			} else {
				hi = (unsigned char)*ps->p++;
			}
			if (hi < lo) {
				rx_fail(ps, "range out of order in a class");
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

static void skip_extended(struct rx_parser *ps)
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

/* "(?i-s)" / "(?i-s:": option letters at ps->p; *colon set for a group. */
static int parse_opts(struct rx_parser *ps, bool *colon)
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
				rx_fail(ps, "invalid hyphen in option setting");
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
			rx_fail(ps, "group (?%c...)", *ps->p);
			return -1;
		}
	}
	rx_fail(ps, "missing ) after options");
	return -1;
}

static int group_name(struct rx_parser *ps, const char *name, size_t len)
{
	unsigned int i;

	if (len > 32 || isdigit((unsigned char)name[0])) {
		rx_fail(ps, "bad group name");
		return -1;
	}
	for (i = 0; i < ps->nnames; i++)
		if (strlen(ps->names[i]) == len && !memcmp(ps->names[i], name, len)) {
			rx_fail(ps, "two groups with one name");
			return -1;
		}
	if (ps->nnames == sizeof(ps->names) / sizeof(ps->names[0])) {
		rx_fail(ps, "more than 64 named groups");
		return -1;
	}
	memcpy(ps->names[ps->nnames], name, len);
	ps->names[ps->nnames++][len] = '\0';
	return 0;
}

/* A named group's (?<name>, (?'name' or (?P<name>: the name checked. */
static int named_group(struct rx_parser *ps)
{
	const char *q;

	if (*ps->p == 'P') {
		if (ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '>')) {
			rx_fail(ps, ps->p[1] == '=' ? "backreference (?P=name)"
						 : "subroutine call (?P>name)");
			return -1;
		}
		ps->p++;
	}
	if (ps->p >= ps->end || (*ps->p != '<' && *ps->p != '\'')) {
		rx_fail(ps, "bad named group");
		return -1;
	}
	q = ps->p + 1;
	while (q < ps->end && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	if (q >= ps->end || *q != (*ps->p == '<' ? '>' : '\'') || q == ps->p + 1) {
		rx_fail(ps, "bad group name");
		return -1;
	}
	if (group_name(ps, ps->p + 1, (size_t)(q - ps->p - 1)))
		return -1;
	ps->p = q + 1;
	return 0;
}

/*
 * What follows "(?": -1 refused; 1 the group is all there is (a comment,
 * options for the rest), *whole it; 0 its body follows, in *look if it
 * is a lookaround.
 */
static int group_head(struct rx_parser *ps, struct node **look, struct node **whole)
{
	ps->p++;
	if (ps->p >= ps->end) {
		rx_fail(ps, "missing ) after (?");
		return -1;
	}
	switch (*ps->p) {
	case '#':
		while (ps->p < ps->end && *ps->p != ')')
			ps->p++;
		if (ps->p >= ps->end) {
			rx_fail(ps, "missing ) after comment");
			return -1;
		}
		ps->p++;
		*whole = empty_mark(ps);
		return 1;
	case ':':
	case '|':	/* branch reset: only capture numbers differ */
		ps->p++;
		return 0;
	case '=':
	case '!':
		*look = new_node(ps, N_LOOK);
		if (*look)
			(*look)->kind = *ps->p == '!' ? TLSI_RE_LOOK_NEG : 0;
		ps->p++;
		return 0;
	case '<':
		if (ps->p + 1 < ps->end && (ps->p[1] == '=' || ps->p[1] == '!')) {
			*look = new_node(ps, N_LOOK);
			if (*look)
				(*look)->kind = TLSI_RE_LOOK_BEHIND |
						(ps->p[1] == '!' ? TLSI_RE_LOOK_NEG : 0);
			ps->p += 2;
			return 0;
		}
		/* (?<name> */
		__attribute__((fallthrough));
	case 'P':
	case '\'':
		return named_group(ps);
	case '>':
		rx_fail(ps, "atomic group (?>...)");
		return -1;
	case '(':
		rx_fail(ps, "conditional group (?(...)");
		return -1;
	case 'R': case '&': case '+': case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7': case '8': case '9':
		rx_fail(ps, "recursion or subroutine call (?%c", *ps->p);
		return -1;
	default: {
		bool colon = false;

		if (parse_opts(ps, &colon))
			return -1;
		if (!colon) {
			*whole = empty_mark(ps);	/* applies to the rest */
			return 1;
		}
		return 0;
	}
	}
}

static struct node *parse_group(struct rx_parser *ps)
{
	unsigned int saved = ps->opts;
	struct node *n, *look = NULL;

	ps->p++;	/* '(' */
	if (ps->p < ps->end && *ps->p == '*') {
		rx_fail(ps, "verb (*...)");
		return NULL;
	}
	if (ps->p < ps->end && *ps->p == '?') {
		struct node *whole = NULL;
		int rc = group_head(ps, &look, &whole);

		if (rc)
			return rc < 0 ? NULL : whole;
	}
	if (++ps->depth > RX_DEPTH_MAX) {
		rx_fail(ps, "groups nested deeper than %d", RX_DEPTH_MAX);
		return NULL;
	}
	n = rx_parse_alt(ps);
	ps->depth--;
	if (ps->failed)
		return NULL;
	if (ps->p >= ps->end || *ps->p != ')') {
		rx_fail(ps, "missing )");
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

static struct node *assert_node(struct rx_parser *ps, uint8_t kind)
{
	struct node *n = new_node(ps, N_ASSERT);

	if (n)
		n->kind = kind;
	return n;
}

static struct node *parse_escape(struct rx_parser *ps)
{
	uint8_t s[32];
	unsigned int c;
	char e;
	int r;

	ps->p++;	/* '\\' */
	if (ps->p >= ps->end) {
		rx_fail(ps, "\\ at end of expression");
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
			rx_fail(ps, "\\N{...}");
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
		rx_fail(ps, "\\G");
		return NULL;
	case 'K':
		rx_fail(ps, "\\K (match start reset)");
		return NULL;
	case 'R':
		rx_fail(ps, "\\R (atomic newline)");
		return NULL;
	case 'X': case 'p': case 'P':
		rx_fail(ps, "Unicode property \\%c", e);
		return NULL;
	case 'g': case 'k':
		rx_fail(ps, "backreference \\%c", e);
		return NULL;
	}
	r = char_escape(ps, false, &c);
	if (r < 0)
		return NULL;
	if (!r) {
		if (e >= '1' && e <= '9')
			rx_fail(ps, "backreference \\%c", e);
		else
			rx_fail(ps, "unknown escape \\%c", e);
		return NULL;
	}
	return char_node(ps, c);
}

static struct node *parse_atom(struct rx_parser *ps)
{
	uint8_t s[32];

	switch (*ps->p) {
	case '(':
		return parse_group(ps);
	case '[':
		if (ps->p + 1 < ps->end && (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=') &&
		    posix_syntax(ps->p, ps->end)) {
			rx_fail(ps, "POSIX class outside a class");
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
		rx_fail(ps, "quantifier without an item");
		return NULL;
	default:
		return char_node(ps, (unsigned char)*ps->p++);
	}
}

static bool parse_count(struct rx_parser *ps, const char **pp, const char *end, uint32_t *v)
{
	const char *p = *pp;
	uint32_t x = 0;

	if (p >= end || !isdigit((unsigned char)*p))
		return false;
	while (p < end && isdigit((unsigned char)*p)) {
		x = x * 10 + (uint32_t)(*p++ - '0');
		if (x > RX_REPEAT_MAX) {
			rx_fail(ps, "number too big in {} (at most %d)", RX_REPEAT_MAX);
			return false;
		}
	}
	*v = x;
	*pp = p;
	return true;
}

/* A quantifier at ps->p: 1 with min/max, 0 if none ("{" literal). */
static int parse_quant(struct rx_parser *ps, uint32_t *min, uint32_t *max)
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
			rx_fail(ps, "{%u,%u}: numbers out of order", *min, *max);
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
static struct node *possessive(struct rx_parser *ps, struct node *r)
{
	struct node *look, *body, *cat, *alt, *full;

	if (r->sub->k != N_SET) {
		rx_fail(ps, "possessive quantifier (of more than one byte)");
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

static struct node *parse_cat(struct rx_parser *ps)
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
				rx_fail(ps, "quantifier without an item");
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
			rx_fail(ps, "quantifier after an assertion");
			return NULL;
		}
		if (q && a->k == N_CAT && a->kind) {
			rx_fail(ps, "quantifier after an option setting or comment");
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
				rx_fail(ps, "quantifier after a quantifier");
				return NULL;
			}
			a = rep;
		}
add:
		add_kid(ps, cat, a);
	}
	return cat;
}

struct node *rx_parse_alt(struct rx_parser *ps)
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
