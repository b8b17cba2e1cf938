// SPDX-License-Identifier: GPL-2.0
/*
 * The regular expression matcher (engine/regex.c) and its compiler
 * (userspace/lib/rules_pcre*.c), with PCRE2 as the oracle: hand-written
 * cases, every pcre expression of ET Open that tlsi compiles run by both
 * on inputs made from the expression and the rule's contents (matching,
 * near misses) and on random data, and the linear-time bound on a
 * pathological expression.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <ctype.h>
#include <dirent.h>

#include "engine_harness.h"
#include "regex.h"
#include "rules_pcre.h"

static struct tlsi_re_scratch *SC;

static void setup(void)
{
	SC = calloc(1, sizeof(*SC));
}

static void teardown(void)
{
	free(SC);
}

static uint32_t pcre2_opts(unsigned int o)
{
	uint32_t r = 0;

	if (o & RX_CASELESS) r |= PCRE2_CASELESS;
	if (o & RX_DOTALL) r |= PCRE2_DOTALL;
	if (o & RX_MULTILINE) r |= PCRE2_MULTILINE;
	if (o & RX_EXTENDED) r |= PCRE2_EXTENDED;
	if (o & RX_DOLLAR_END) r |= PCRE2_DOLLAR_ENDONLY;
	if (o & RX_UNGREEDY) r |= PCRE2_UNGREEDY;
	return r;
}

struct oracle {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static int oracle_init(struct oracle *o, const char *pat, size_t len, unsigned int opts)
{
	int err;
	PCRE2_SIZE off;

	o->code = pcre2_compile((PCRE2_SPTR)pat, len, pcre2_opts(opts), &err, &off, NULL);
	if (!o->code)
		return -1;
	o->md = pcre2_match_data_create_from_pattern(o->code, NULL);
	o->mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(o->mc, 10000000);
	return 0;
}

static void oracle_free(struct oracle *o)
{
	pcre2_match_data_free(o->md);
	pcre2_match_context_free(o->mc);
	pcre2_code_free(o->code);
}

/* 1 match (with start/end), 0 none, -1 PCRE2 gave up (limit). */
static int oracle_run(struct oracle *o, const uint8_t *s, size_t len, uint32_t *ms, uint32_t *me)
{
	int rc = pcre2_match(o->code, s, len, 0, 0, o->md, o->mc);

	if (rc >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(o->md);

		*ms = (uint32_t)ov[0];
		*me = (uint32_t)ov[1];
		return 1;
	}
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int tlsi_run(const struct rx_prog *p, const uint8_t *s, size_t len, uint32_t *ms,
		    uint32_t *me, uint64_t *steps)
{
	struct tlsi_re_prog g = rx_view(p);
	struct tlsi_re_subject sub = { .p = s, .len = (uint32_t)len, .bos = 1 };
	uint64_t budget = UINT64_MAX / 2, before = budget;
	int r = tlsi_re_search(&g, SC, &sub, 0, ms, me, &budget, NULL);

	if (steps)
		*steps = before - budget;
	return r;
}

/* ---- hand-written cases ----------------------------------------------------- */

static const struct {
	const char *pcre;	/* as in a rule */
	const char *subject;
	int match;
	int start, end;		/* when match */
} cases[] = {
	{ "\"/abc/\"", "xxabcxx", 1, 2, 5 },
	{ "\"/ABC/i\"", "xxabcxx", 1, 2, 5 },
	{ "\"/^abc/\"", "xabc", 0, 0, 0 },
	{ "\"/^abc/m\"", "x\nabc", 1, 2, 5 },
	{ "\"/abc$/\"", "abc\n", 1, 0, 3 },
	{ "\"/abc$/E\"", "abc\n", 0, 0, 0 },
	{ "\"/a.c/\"", "a\nc", 0, 0, 0 },
	{ "\"/a.c/s\"", "a\nc", 1, 0, 3 },
	{ "\"/a\\d{2,3}/\"", "a1234", 1, 0, 4 },
	{ "\"/a\\d{2,3}?/\"", "a1234", 1, 0, 3 },
	{ "\"/a\\d{2,}/\"", "a1", 0, 0, 0 },
	{ "\"/(?:ab|a)c/\"", "abc", 1, 0, 3 },
	{ "\"/x(a|ab)(c|bcd)/\"", "xabcd", 1, 0, 5 },
	{ "\"/<.+>/\"", "<a><b>", 1, 0, 6 },
	{ "\"/<.+?>/\"", "<a><b>", 1, 0, 3 },
	{ "\"/<.+>/G\"", "<a><b>", 1, 0, 3 },
	{ "\"/\\bfoo\\b/\"", "a foo.", 1, 2, 5 },
	{ "\"/\\bfoo\\b/\"", "afoo", 0, 0, 0 },
	{ "\"/\\x41\\x{42}[\\x43-\\x45]/\"", "ABD", 1, 0, 3 },
	{ "\"/[^\\r\\n]{3}\\r\\n/\"", "ab\r\nabc\r\n", 1, 4, 9 },
	{ "\"/a b # comment\n c/x\"", "abc", 1, 0, 3 },
	{ "\"/(?i)ab(?-i)C/\"", "ABC", 1, 0, 3 },
	{ "\"/(?i)ab(?-i)C/\"", "ABc", 0, 0, 0 },
	{ "\"/foo(?!bar)/\"", "foobar foobaz", 1, 7, 10 },
	{ "\"/(?<=x)y/\"", "ay xy", 1, 4, 5 },
	{ "\"/(?<!x)y/\"", "xy ay", 1, 4, 5 },
	{ "\"/^(?:(?!<\\/s>).)+?X/s\"", "ab</s>X", 0, 0, 0 },
	{ "\"/^(?:(?!<\\/s>).)+?X/s\"", "abX</s>", 1, 0, 3 },
	{ "\"/[[:digit:]]+[[:alpha:]]/\"", "12a", 1, 0, 3 },
	{ "\"/(?P<q>[\\x22\\x27])x/\"", "'x", 1, 0, 2 },
	{ "\"/a{,2}/\"", "a{,2}", 1, 0, 5 },
	{ "\"/\\Qa.b\\E+/\"", "a.bb", 1, 0, 4 },
	{ "\"/\\Qa.b\\E+/\"", "axb", 0, 0, 0 },
	/* possessive repetition of a byte set: the run is never given back */
	{ "\"/a++a/\"", "aaaa", 0, 0, 0 },
	{ "\"/a++b/\"", "xaab", 1, 1, 4 },
	{ "\"/^\\d{2,5}+(?!&|\\d)/\"", "123456", 0, 0, 0 },
	{ "\"/^\\d{2,5}+(?!&|\\d)/\"", "1234x", 1, 0, 4 },
	{ "\"/^\\d{2,5}+\\d/\"", "1234", 0, 0, 0 },
	{ "\"/^\\d{2,5}+\\d/\"", "123456", 1, 0, 6 },
	{ "\"/x[a-z]{3,20}+&/i\"", "xAbCd&", 1, 0, 6 },
};

START_TEST(test_cases)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		char why[160];
		uint32_t ms = 0, me = 0, os = 0, oe = 0;
		struct oracle o;
		int r, orc;

		ck_assert_msg(rx_parse_pcre(cases[i].pcre, &pc, why, sizeof(why)) == 0,
			      "%s: %s", cases[i].pcre, why);
		ck_assert_msg(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0,
			      "%s: %s", cases[i].pcre, why);
		r = tlsi_run(&p, (const uint8_t *)cases[i].subject, strlen(cases[i].subject),
			     &ms, &me, NULL);
		ck_assert_msg(r == cases[i].match, "%s on \"%s\": %d", cases[i].pcre,
			      cases[i].subject, r);
		if (r == 1)
			ck_assert_msg((int)ms == cases[i].start && (int)me == cases[i].end,
				      "%s: match [%u, %u)", cases[i].pcre, ms, me);
		/* and the oracle agrees with the table */
		ck_assert(oracle_init(&o, pc.pattern, pc.len, pc.opts) == 0);
		orc = oracle_run(&o, (const uint8_t *)cases[i].subject,
				 strlen(cases[i].subject), &os, &oe);
		ck_assert_msg(orc == r && (!r || (os == ms && oe == me)),
			      "%s: PCRE2 says %d [%u, %u)", cases[i].pcre, orc, os, oe);
		oracle_free(&o);
		rx_prog_free(&p);
		free(pc.pattern);
	}
}
END_TEST

/* Whether more bytes could still make a failed search match. */
START_TEST(test_partial)
{
	static const struct { const char *pcre, *subject; int partial; } t[] = {
		{ "\"/^abc/\"", "abx", 0 },	/* anchored, dead inside */
		{ "\"/^abc/\"", "ab", 1 },	/* waiting for the c */
		{ "\"/abc/\"", "xyz", 1 },	/* a later start may match */
		{ "\"/^a\\d+b/\"", "a12", 1 },
		{ "\"/^a\\d+b/\"", "a12c", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		struct tlsi_re_prog g;
		struct tlsi_re_subject sub = { .p = (const uint8_t *)t[i].subject,
					       .len = (uint32_t)strlen(t[i].subject), .bos = 1 };
		uint64_t budget = 1000000;
		uint32_t ms, me;
		char why[160];
		int partial = -1;

		ck_assert(rx_parse_pcre(t[i].pcre, &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		g = rx_view(&p);
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, &partial), 0);
		ck_assert_msg(partial == t[i].partial, "%s on %s: partial %d", t[i].pcre,
			      t[i].subject, partial);
		rx_prog_free(&p);
		free(pc.pattern);
	}
}
END_TEST

/* What every match needs, looked for before the matcher runs. */
START_TEST(test_required)
{
	static const struct { const char *pcre, *lit; int req; } t[] = {
		{ "\"/.+SELECT.+FROM/i\"", "select", 's' },
		{ "\"/ASCII\\(.+SELECT/i\"", "ascii(", 0 },
		{ "\"/x=(?:a|b)[0-9]+;/\"", "x=", '=' },
		{ "\"/(a|aa)*b/\"", "", 'b' },
		{ "\"/A[bB]c/\"", "abc", 0 },
		{ "\"/[a-z]+/\"", "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		char why[160];

		ck_assert(rx_parse_pcre(t[i].pcre, &pc, why, sizeof(why)) == 0);
		ck_assert_msg(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0,
			      "%s: %s", t[i].pcre, why);
		ck_assert_msg(p.litlen == strlen(t[i].lit) && !memcmp(p.lit, t[i].lit, p.litlen),
			      "%s: required string \"%.*s\"", t[i].pcre, (int)p.litlen, p.lit);
		ck_assert_int_eq(!!(p.flags & TLSI_RE_F_LIT), !!*t[i].lit);
		if (t[i].req)
			ck_assert_msg((p.flags & TLSI_RE_F_REQ) &&
				      (p.req[0] == t[i].req || p.req[1] == t[i].req),
				      "%s: required byte %c/%c", t[i].pcre, p.req[0], p.req[1]);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	/* absent: not searched (no step taken); present in another case:
	 * searched, and the matcher decides */
	{
		static const struct { const char *s; int m; uint64_t steps; } in[] = {
			{ "GET /index.php?id=1 HTTP/1.1 from here", 0, 0 },
			{ "GET /index.php?id=1+SeLeCt+x+FROM+t", 1, 1 },
			/* string there, no FROM after: the DFA says no match
			 * without running the VM */
			{ "GET /x?q=select", 0, 0 },
		};
		struct rx_pcre pc;
		struct rx_prog p;
		char why[160];

		ck_assert(rx_parse_pcre(t[0].pcre, &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		ck_assert(p.flags & TLSI_RE_F_DFA);
		for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			uint32_t ms, me;
			uint64_t steps;

			ck_assert_int_eq(tlsi_run(&p, (const uint8_t *)in[i].s, strlen(in[i].s), &ms,
						  &me, &steps), in[i].m);
			ck_assert_msg(in[i].steps ? steps > 0 : steps == 0, "%s: %llu steps", in[i].s,
				      (unsigned long long)steps);
		}
		rx_prog_free(&p);
		free(pc.pattern);
	}
}
END_TEST

/* A backreference to a named one-byte capture of a small class, captured
 * once: rewritten exactly; PCRE2 (with the backreference) is the oracle. */
START_TEST(test_backref_expansion)
{
	static const char *const ok[] = {
		"\"/^(?P<q>[\\x22\\x27])\\+(?P=q)\\?(?P=q)\\+(?P=q)/R\"",
		"\"/name=(?P<q>[\\x22\\x27])a(?P=q)[^\\r\\n]*/i\"",
		"\"/x(?<q>[ab])y\\k<q>z\\k{q}\\g{q}/\"",
	};
	static const char *const inputs[] = {
		"\"+\"?\"+\"", "'+'?'+'", "\"+'?\"+\"", "'+\"?'+'", "x\"+\"?\"+\"",
		"name=\"a\"", "NAME='A'", "name=\"a'", "name='a\"", "xayazaa", "xaybzbb", "xbybzbb",
		"xbyazbb", "",
	};
	static const struct { const char *pcre; } no[] = {
		{ "\"/(?P<q>[ab])?x(?P=q)/\"" },	/* optional capture */
		{ "\"/(?P<q>[ab])|y(?P=q)/\"" },	/* top-level alternative */
		{ "\"/(?P<q>[ab])(?!(?P=q))c/\"" },	/* in a lookaround */
		{ "\"/(?P<q>[abcde])(?P=q)/\"" },	/* five values */
		{ "\"/(a)(?P<q>[ab])(?P=q)\\1/\"" },	/* a numbered reference */
		{ "\"/(?:(?P<q>[ab]))+(?P=q)/\"" },	/* repeated */
		{ "\"/(?P<q>[a-c])(?P=q)/\"" },	/* a range */
		{ "\"/y(?P=q)?x(?P<q>[ab])/\"" },	/* referenced before it is set */
	};
	size_t i, k;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		struct oracle o;
		char why[160];

		ck_assert(rx_parse_pcre(ok[i], &pc, why, sizeof(why)) == 0);
		ck_assert_msg(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0,
			      "%s: %s", ok[i], why);
		ck_assert(oracle_init(&o, pc.pattern, pc.len, pc.opts) == 0);
		for (k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
			uint32_t ms = 0, me = 0, os = 0, oe = 0;
			size_t n = strlen(inputs[k]);
			int r = tlsi_run(&p, (const uint8_t *)inputs[k], n, &ms, &me, NULL);
			int orc = oracle_run(&o, (const uint8_t *)inputs[k], n, &os, &oe);

			ck_assert_msg(r == orc && (!r || (ms == os && me == oe)),
				      "%s on %s: tlsi %d [%u,%u), PCRE2 %d [%u,%u)", ok[i], inputs[k],
				      r, ms, me, orc, os, oe);
		}
		oracle_free(&o);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		char why[160];

		ck_assert(rx_parse_pcre(no[i].pcre, &pc, why, sizeof(why)) == 0);
		ck_assert_msg(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == -1,
			      "%s compiled", no[i].pcre);
		ck_assert_msg(strstr(why, "backreference"), "%s: %s", no[i].pcre, why);
		free(pc.pattern);
	}
}
END_TEST

static const struct { const char *pcre, *why; } refused[] = {
	{ "\"/(a)\\1/\"", "backreference" },
	{ "\"/(?P<q>a)(?P=q)/\"", "backreference" },
	{ "\"/(?>a+)b/\"", "atomic" },
	{ "\"/(?:ab)++c/\"", "possessive" },
	{ "\"/(?=a*b)c/\"", "unbounded" },
	{ "\"/(?<=a+)b/\"", "variable length" },
	{ "\"/(?=(?!a)b)c/\"", "nested" },
	{ "\"/(?(1)a|b)/\"", "conditional" },
	{ "\"/a(?R)?/\"", "recursion" },
	{ "\"/(a/\"", "missing )" },
	{ "\"/[a/\"", "missing ]" },
	{ "\"/a{3,2}/\"", "out of order" },
	{ "\"/*a/\"", "quantifier" },
	{ "\"/(?:a{1000}){1000}/\"", "too large" },
	{ "\"/a/A\"", "anchored" },
	{ "\"/a/K\"", "modifier" },
};

START_TEST(test_refused)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		char why[160] = "";
		int r = rx_parse_pcre(refused[i].pcre, &pc, why, sizeof(why));

		if (!r) {
			r = rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why));
			free(pc.pattern);
		}
		ck_assert_msg(r == -1, "%s compiled", refused[i].pcre);
		ck_assert_msg(strstr(why, refused[i].why), "%s: reason \"%s\", expected \"%s\"",
			      refused[i].pcre, why, refused[i].why);
	}
}
END_TEST

/* ---- linear time ---------------------------------------------------------------- */

START_TEST(test_pathological)
{
	size_t n = 4u << 20, i;
	uint8_t *s = malloc(n);
	struct rx_pcre pc;
	struct rx_prog p;
	char why[160];
	uint32_t ms, me;
	uint64_t steps;
	const char *pats[] = { "\"/(a|aa)*b/\"", "\"/(a*)*b/\"", "\"/(?:a+)+$/E\"",
			       "\"/(.*a){20}b/s\"" };

	memset(s, 'a', n);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		ck_assert(rx_parse_pcre(pats[i], &pc, why, sizeof(why)) == 0);
		ck_assert_msg(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0,
			      "%s", why);
		/* the matcher itself: without the required-byte skip (the
		 * subject has no b, so it would not even start) and the DFA
		 * (which would say so in one lookup per byte) */
		p.flags &= ~(uint32_t)(TLSI_RE_F_REQ | TLSI_RE_F_DFA);
		ck_assert_int_eq(tlsi_run(&p, s, n - (i == 2), &ms, &me, &steps), i == 2);
		printf("%s: %u instructions, %.1f steps per byte over %zu bytes\n", pats[i],
		       p.ninsns, (double)steps / (double)n, n);
		/* each byte: at most every instruction once while adding
		 * threads, once while stepping them */
		ck_assert_msg(steps <= 2 * (uint64_t)p.ninsns * (n + 1), "%llu steps",
			      (unsigned long long)steps);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	/* the budget stops a search and says so */
	ck_assert(rx_parse_pcre(pats[0], &pc, why, sizeof(why)) == 0);
	ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
	{
		struct tlsi_re_prog g = rx_view(&p);
		struct tlsi_re_subject sub = { .p = s, .len = (uint32_t)n, .bos = 1 };
		uint64_t budget = 100000;
		int partial = 0;

		/* b is required and absent: no search at all, and a stream
		 * may still bring one */
		ck_assert(g.flags & TLSI_RE_F_REQ);
		ck_assert_uint_eq(g.req[0], 'b');
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, &partial), 0);
		ck_assert_uint_eq(budget, 100000);
		ck_assert_int_eq(partial, 1);
		/* a b at the very end: found, and matched */
		s[n - 1] = 'b';
		budget = UINT64_MAX / 2;
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, NULL), 1);
		s[n - 1] = 'a';
		g.flags &= ~(uint32_t)TLSI_RE_F_REQ;
		/* the DFA: no match of the relaxed program, no VM step */
		ck_assert(g.flags & TLSI_RE_F_DFA);
		budget = 100000;
		partial = 0;
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, &partial), 0);
		ck_assert_uint_eq(budget, 100000);
		ck_assert_int_eq(partial, 1);
		g.flags &= ~(uint32_t)TLSI_RE_F_DFA;
		budget = 100000;
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, NULL), -1);
		ck_assert(budget == 0);
	}
	rx_prog_free(&p);
	free(pc.pattern);
	free(s);
}
END_TEST

/* The DFA prefilter: which programs get one, anchored expressions that
 * die, \A only at the buffer's start, and the validator's checks. */
START_TEST(test_dfa)
{
	static const struct { const char *pcre, *s; uint32_t from; int m, partial; } t[] = {
		{ "\"/^GET [^\\r\\n]*\\.php/\"", "GET /a.php HTTP/1.1", 0, 1, 0 },
		{ "\"/^GET [^\\r\\n]*\\.php/\"", "POST /a.php HTTP/1.1", 0, 0, 0 },
		{ "\"/^GET [^\\r\\n]*\\.php/\"", "GET /a.ph", 0, 0, 1 },
		{ "\"/(?:^|x)abc/\"", "abc", 0, 1, 0 },
		{ "\"/(?:^|x)abc/\"", "zabc", 1, 0, 1 },	/* not the start */
		{ "\"/(?:^|x)abc/\"", "zxabc", 1, 1, 0 },
		{ "\"/a\\b/\"", "ab", 0, 0, 1 },	/* relaxed \b: the VM decides */
		{ "\"/a(?!b)/\"", "abac", 0, 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rx_pcre pc;
		struct rx_prog p;
		struct tlsi_re_prog g;
		struct tlsi_re_subject sub = { .p = (const uint8_t *)t[i].s,
					       .len = (uint32_t)strlen(t[i].s), .bos = 1 };
		uint64_t budget = 1000000;
		uint32_t ms, me;
		char why[160];
		int partial = -1;

		ck_assert(rx_parse_pcre(t[i].pcre, &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		ck_assert_msg(p.flags & TLSI_RE_F_DFA, "%s: no DFA", t[i].pcre);
		g = rx_view(&p);
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, t[i].from, &ms, &me, &budget,
						&partial), t[i].m);
		if (!t[i].m)
			ck_assert_msg(partial == t[i].partial, "%s on %s: partial %d", t[i].pcre,
				      t[i].s, partial);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	/* anchored, with a lookahead (the DFA is not exact), alive at the
	 * end without a match: the VM runs only when the caller asks
	 * whether more bytes could match */
	{
		struct rx_pcre pc;
		struct rx_prog p;
		struct tlsi_re_prog g;
		struct tlsi_re_subject sub = { .p = (const uint8_t *)"xaaaa", .len = 5, .bos = 1 };
		uint64_t budget = 1000000;
		uint32_t ms, me;
		char why[160];
		int partial = -1;

		ck_assert(rx_parse_pcre("\"/^x(?!y)[a-z]*Q/\"", &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		ck_assert((p.flags & TLSI_RE_F_DFA) && !(p.flags & TLSI_RE_F_DFA_EXACT));
		g = rx_view(&p);
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, NULL), 0);
		ck_assert_uint_eq(budget, 1000000);
		ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, &partial), 0);
		ck_assert(budget < 1000000);
		ck_assert_int_eq(partial, 1);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	/* a corrupt table is refused */
	{
		struct rx_pcre pc;
		struct rx_prog p;
		struct tlsi_re_prog g;
		char why[160], err[128];
		uint16_t *next;

		ck_assert(rx_parse_pcre("\"/foo[0-9]+bar/\"", &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		g = rx_view(&p);
		ck_assert_int_eq(tlsi_re_validate(&g, err, sizeof(err)), 0);
		next = (uint16_t *)(p.dfa + TLSI_RE_DFA_HDR);
		next[1] = 0x7ffe;			/* beyond the states */
		ck_assert_int_eq(tlsi_re_validate(&g, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "DFA state"), "%s", err);
		next[1] = 1;				/* inside a row */
		ck_assert_int_eq(tlsi_re_validate(&g, err, sizeof(err)), -1);
		next[1] = 0;
		p.dfa[8 + 'f'] = 0xff;			/* a column beyond */
		ck_assert_int_eq(tlsi_re_validate(&g, err, sizeof(err)), -1);
		p.dfa[8 + 'f'] = 0;
		g.dfalen -= 8;				/* a size that does not add up */
		ck_assert_int_eq(tlsi_re_validate(&g, err, sizeof(err)), -1);
		rx_prog_free(&p);
		free(pc.pattern);
	}
	/* with too many states (a position counted back from the end: 2^12
	 * sets), the DFA of the first bytes of every match: still a superset,
	 * not exact, and the VM decides where it accepts */
	{
		struct rx_pcre pc;
		struct rx_prog p;
		struct tlsi_re_prog g;
		static const struct { const char *s; int m; int steps; } in[] = {
			{ "xxaabababababab c", 0, 1 },	/* "aababa" is there */
			{ "xxaababababababc", 1, 1 },
			{ "bbbbbbbbbbbbbbbbbbbbb", 0, 0 },	/* no a at all */
			{ "abbbbbbbbbbbbbbbbbbbb", 0, 1 },
			{ "acacacacacacacacacacac", 0, 0 },	/* never "a[ab]" */
		};
		char why[160];

		ck_assert(rx_parse_pcre("\"/a[ab]{12}c/\"", &pc, why, sizeof(why)) == 0);
		ck_assert(rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why)) == 0);
		ck_assert((p.flags & TLSI_RE_F_DFA) && !(p.flags & TLSI_RE_F_DFA_EXACT));
		g = rx_view(&p);
		g.flags &= ~(uint32_t)(TLSI_RE_F_REQ | TLSI_RE_F_LIT);
		for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			struct tlsi_re_subject sub = { .p = (const uint8_t *)in[i].s,
						       .len = (uint32_t)strlen(in[i].s), .bos = 1 };
			uint64_t budget = 1000000;
			uint32_t ms, me;

			ck_assert_int_eq(tlsi_re_search(&g, SC, &sub, 0, &ms, &me, &budget, NULL),
					 in[i].m);
			ck_assert_msg((budget < 1000000) == in[i].steps, "%s: %llu steps", in[i].s,
				      (unsigned long long)(1000000 - budget));
		}
		rx_prog_free(&p);
		free(pc.pattern);
	}
}
END_TEST

/* ---- differential testing against PCRE2 on ET Open --------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* A random walk through the program: bytes it would accept, ignoring
 * assertions (PCRE2 decides whether they hold). */
static size_t walk(const struct rx_prog *p, uint8_t *out, size_t cap)
{
	uint32_t pc = 0, n = 0, guard = 0;

	while (n < cap && guard++ < 20000) {
		const struct tlsi_img_re_insn *in = &p->insns[pc];
		uint32_t c, k;

		switch (in->op) {
		case TLSI_RE_BYTE:
			out[n++] = in->arg;
			pc++;
			break;
		case TLSI_RE_ANY:
			out[n++] = (uint8_t)(rnd() % 3 ? 0x20 + rnd() % 95 : rnd());
			pc++;
			break;
		case TLSI_RE_CLASS:
			c = rnd() & 0xff;
			for (k = 0; k < 256; k++)
				if (tlsi_re_class_has(&p->classes[le16v(in->x)], (uint8_t)((c + k) & 0xff)))
					break;
			out[n++] = (uint8_t)((c + k) & 0xff);
			pc++;
			break;
		case TLSI_RE_SPLIT:
			/* loops: leave them more often as the input grows */
			pc = (rnd() % 100) < (n > cap / 2 ? 20u : 60u) ? le16v(in->x) : le16v(in->y);
			break;
		case TLSI_RE_JMP:
			pc = le16v(in->x);
			break;
		case TLSI_RE_ASSERT:
			pc++;
			break;
		case TLSI_RE_LOOK:
			pc = le16v(in->y);
			break;
		default:
			return n;
		}
	}
	return n;
}

struct diff {
	unsigned int exprs, compiled, refused, inputs, agree, disagree, oracle_limit, end_diff;
};

static void compare(struct diff *d, struct oracle *o, const struct rx_prog *p,
		    const uint8_t *s, size_t len, const char *expr)
{
	uint32_t ms = 0, me = 0, os = 0, oe = 0;
	int r = tlsi_run(p, s, len, &ms, &me, NULL), orc = oracle_run(o, s, len, &os, &oe);

	d->inputs++;
	if (orc < 0) {
		d->oracle_limit++;
		return;
	}
	if (r == orc) {
		d->agree++;
		if (r && (ms != os || me != oe))
			d->end_diff++;
		return;
	}
	if (d->disagree++ < 10) {
		size_t i;

		printf("DISAGREE %s: tlsi %d, PCRE2 %d on %zu bytes \"", expr, r, orc, len);
		for (i = 0; i < len && i < 120; i++)
			printf(s[i] >= 0x20 && s[i] < 0x7f ? "%c" : "\\x%02x", s[i]);
		printf("\"\n");
	}
}

/* The content strings of a rule line, decoded, concatenated with blanks. */
static size_t rule_contents(const char *line, uint8_t *out, size_t cap)
{
	const char *p = line;
	size_t n = 0;

	while ((p = strstr(p, "content:\"")) && n + 2 < cap) {
		bool hex = false;

		for (p += 9; *p && *p != '"' && n + 1 < cap; p++) {
			if (*p == '|') {
				hex = !hex;
			} else if (hex) {
				if (isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
					unsigned int v;

					sscanf(p, "%2x", &v);
					out[n++] = (uint8_t)v;
					p++;
				}
			} else if (*p == '\\' && p[1]) {
				out[n++] = (uint8_t)*++p;
			} else {
				out[n++] = (uint8_t)*p;
			}
		}
		out[n++] = ' ';
	}
	return n;
}

static void diff_expr(struct diff *d, const char *val, const char *line)
{
	uint8_t buf[1200], contents[600], m[1200];
	struct rx_pcre pc;
	struct rx_prog p;
	struct oracle o;
	char why[200];
	size_t n, cn, k;
	int t;

	d->exprs++;
	if (rx_parse_pcre(val, &pc, why, sizeof(why)))
		return;
	if (rx_compile(pc.pattern, pc.len, pc.opts, &p, why, sizeof(why))) {
		d->refused++;
		free(pc.pattern);
		return;
	}
	d->compiled++;
	ck_assert_msg(oracle_init(&o, pc.pattern, pc.len, pc.opts) == 0,
		      "PCRE2 refuses what tlsi compiled: %s", val);
	cn = rule_contents(line, contents, sizeof(contents));
	for (t = 0; t < 24; t++) {
		/* matching: a walk, alone or around the rule's contents */
		n = walk(&p, buf, 400);
		compare(d, &o, &p, buf, n, val);
		if (t % 4 == 0 && cn) {
			memcpy(m, contents, cn);
			memcpy(m + cn, buf, n);
			compare(d, &o, &p, m, cn + n, val);
		}
		/* near misses: one byte changed, dropped or doubled */
		if (n) {
			memcpy(m, buf, n);
			k = rnd() % n;
			switch (t % 3) {
			case 0:
				m[k] = (uint8_t)rnd();
				compare(d, &o, &p, m, n, val);
				break;
			case 1:
				memmove(m + k, m + k + 1, n - k - 1);
				compare(d, &o, &p, m, n - 1, val);
				break;
			default:
				memmove(m + k + 1, m + k, n - k);
				compare(d, &o, &p, m, n + 1, val);
			}
			/* cut short, and with a newline appended */
			compare(d, &o, &p, buf, k, val);
			buf[n] = '\n';
			compare(d, &o, &p, buf, n + 1, val);
		}
		/* random: printable or any byte */
		n = rnd() % 300;
		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)(t & 1 ? rnd() : 0x20 + rnd() % 95);
		compare(d, &o, &p, buf, n, val);
	}
	oracle_free(&o);
	rx_prog_free(&p);
	free(pc.pattern);
}

START_TEST(test_et_differential)
{
	const char *dir = et_open_dir();
	struct diff d = { 0 };
	struct dirent **names;
	char path[8192], *line = NULL;
	size_t cap = 0;
	int nf, i;

	nf = scandir(dir, &names, NULL, alphasort);
	ck_assert_msg(nf > 0, "ET Open not found at %s (make et-open, or set TLSI_ET_OPEN)", dir);
	for (i = 0; i < nf; i++) {
		size_t l = strlen(names[i]->d_name);
		FILE *f;

		if (l > 6 && !strcmp(names[i]->d_name + l - 6, ".rules")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			f = fopen(path, "r");
			ck_assert(f);
			while (getline(&line, &cap, f) > 0) {
				char *p = line;

				if (line[0] == '#')
					continue;
				while ((p = strstr(p, "pcre:"))) {
					char *q, save;

					if (p > line && (p[-1] == '_' || p[-1] == '.' || isalpha((unsigned char)p[-1]))) {
						p += 5;
						continue;
					}
					p += 5;
					/* the value ends at the first ';' outside quotes */
					for (q = p; *q && *q != ';'; q++)
						if (*q == '\\' && q[1])
							q++;
					save = *q;
					*q = '\0';
					diff_expr(&d, p, line);
					*q = save;
					p = q;
				}
			}
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	free(line);
	printf("ET pcre differential: %u expressions, %u compiled, %u refused; %u inputs, "
	       "%u agree, %u disagree, %u PCRE2 limit; %u matches with other bounds\n",
	       d.exprs, d.compiled, d.refused, d.inputs, d.agree, d.disagree, d.oracle_limit,
	       d.end_diff);
	ck_assert_msg(d.compiled > 3500, "only %u ET expressions compiled", d.compiled);
	ck_assert_msg(d.disagree == 0, "%u disagreements with PCRE2", d.disagree);
}
END_TEST

/* ---- pcre in rules, through the whole engine --------------------------------------- */

static struct et T;

static void eng_teardown(void)
{
	et_free(&T);
}

#define RAW(s) et_sendc(&T, TLSI_DIR_TO_SERVER, (s), 0)
#define EXACT(rules) et_load_mode(&T, (rules), false, RP_PCRE_EXACT)

START_TEST(test_rule_pcre)
{
	EXACT("alert tcp any any -> any any (msg:\"a\"; content:\"cmd=\"; pcre:\"/cmd=[a-z]+\\.sh/\"; sid:1;)\n"
	      "alert tcp any any -> any any (msg:\"neg\"; content:\"GET\"; pcre:!\"/evil/i\"; sid:2;)\n"
	      "alert tcp any any -> any any (msg:\"alone\"; pcre:\"/passw(or)?d=[^&]{20,}/\"; sid:3;)\n");
	RAW("x cmd=run.sh y");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 3);
	et_flow(&T);
	RAW("x cmd=run.exe y cmd=1.sh");
	ET_SILENT(&T, 1);
	et_flow(&T);
	RAW("GET /good");
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW("GET /EVIL");
	ET_SILENT(&T, 2);
	et_flow(&T);
	RAW("user=a&password=0123456789abcdefghij");
	ET_FIRED(&T, 3);
	et_flow(&T);
	RAW("user=a&password=0123456789abcdefghi&");
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_rule_pcre_relative)
{
	/* ^ anchors at the previous match's end; a failure retries the
	 * content's next occurrence; the match's end moves the detection
	 * pointer (ET ATTACK_RESPONSE "Output of id command" pattern) */
	EXACT("alert tcp any any -> any any (msg:\"rel\"; content:\"user=\"; pcre:\"/^[0-9]{3}\\b/R\"; sid:1;)\n"
	      "alert tcp any any -> any any (msg:\"id\"; content:\"uid=\"; pcre:\"/^\\d+[^\\r\\n\\s]+/R\"; "
	      "content:\" gid=\"; within:5; pcre:\"/^\\d+[^\\r\\n\\s]+/R\"; content:\" groups=\"; within:8; sid:2;)\n");
	RAW("user=123 ");
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW("user=x123 user=1234 ");
	ET_SILENT(&T, 1);
	et_flow(&T);
	RAW("user=x123 user=456;");
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW("uid=33(www-data) gid=33(www-data) groups=33(www-data)\n");
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW("uid=33(www-data)  gid=33(www-data) groups=33(www-data)\n");
	ET_SILENT(&T, 2);	/* " gid=" not within 5 of the pcre's end */
	et_flow(&T);
	RAW("uid=www gid=33(www-data) groups=33(www-data)\n");
	ET_SILENT(&T, 2);
}
END_TEST

START_TEST(test_rule_pcre_buffers)
{
	/* /U: the normalised URI, whatever the sticky buffer; /P: the
	 * request body; the stream: split across chunks */
	EXACT("alert http any any -> any any (msg:\"uri\"; flow:to_server; http.method; content:\"GET\"; "
	      "pcre:\"/^\\/dl\\/[a-f0-9]{8}\\.exe$/U\"; sid:1;)\n"
	      "alert http any any -> any any (msg:\"body\"; flow:to_server; content:\"POST\"; http_method; "
	      "pcre:\"/(?:^|&)cmd=(?:wget|curl)\\x20/P\"; sid:2;)\n"
	      "alert tcp any any -> any any (msg:\"split\"; pcre:\"/BEGIN[0-9]{4}END/\"; sid:3;)\n");
	et_req(&T, "GET /dl/deadbeef.exe HTTP/1.1\r\nHost: x\r\n\r\n");
	ET_FIRED(&T, 1);
	et_flow(&T);
	et_req(&T, "GET /dl/deadbeef.exe?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	ET_SILENT(&T, 1);
	et_flow(&T);
	et_req(&T, "GET /x HTTP/1.1\r\nHost: x\r\nX-A: /dl/deadbeef.exe\r\n\r\n");
	ET_SILENT(&T, 1);
	et_flow(&T);
	et_req(&T, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 19\r\n\r\nx=1&cmd=wget http:/");
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_req(&T, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 19\r\n\r\nx=1&xcmd=wget http");
	ET_SILENT(&T, 2);
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "xx BEGIN1234END yy", 3);
	ET_FIRED(&T, 3);
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "xx BEGIN123END yy", 3);
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_rule_pcre_budget)
{
	/* a rule whose regex runs out of steps does not match, and says so */
	static char big[300000];
	size_t i;

	EXACT("alert tcp any any -> any any (msg:\"slow\"; content:\"aaaa\"; "
	      "pcre:\"/(?:a|aa){1,60}(?:b|ab){1,60}c/\"; sid:1;)\n");
	/* a c (the byte every match needs) now and then, so that the
	 * matcher runs instead of skipping */
	for (i = 0; i + 1 < sizeof(big); i++)
		big[i] = i % 4096 == 4095 ? 'c' : 'a';
	big[i] = '\0';
	et_sendc(&T, TLSI_DIR_TO_SERVER, big, 16000);
	ET_SILENT(&T, 1);
	ck_assert_msg(T.events & (1u << TLSI_EV_STEPS), "no TLSI_EV_STEPS event (events 0x%x)",
		      T.events);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_regex");
	TCase *tc = tcase_create("regex");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_backref_expansion);
	tcase_add_test(tc, test_pathological);
	tcase_add_test(tc, test_dfa);
	tcase_add_test(tc, test_et_differential);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, NULL, eng_teardown);
	tcase_add_test(tc, test_rule_pcre);
	tcase_add_test(tc, test_rule_pcre_relative);
	tcase_add_test(tc, test_rule_pcre_buffers);
	tcase_add_test(tc, test_rule_pcre_budget);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
