// SPDX-License-Identifier: GPL-2.0
/*
 * The multi-pattern matcher: automata built by rules_mpm.c, scanned by
 * engine/mpm.h, compared with a naive search on random pattern sets and
 * texts, whole and cut into chunks, for every dense-row budget.
 */
#include "engine_harness.h"

struct mset {
	struct rc_buf data, bytes;
	struct tlsi_img_mpm m;
	struct tlsi_img_pattern *ip;
	struct tlsi_mpm view;
	uint8_t **pats;
	uint32_t *lens;
	uint32_t n;
};

static void mset_build(struct mset *s, uint8_t **pats, uint32_t *lens, uint32_t n,
		       size_t budget, const bool *nocase)
{
	struct rm_pattern *rp = calloc(n + 1, sizeof(*rp));
	char err[256];
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->pats = pats;
	s->lens = lens;
	s->n = n;
	s->ip = calloc(n + 1, sizeof(*s->ip));
	for (i = 0; i < n; i++) {
		rp[i].p = pats[i];
		rp[i].len = lens[i];
		s->ip[i].bytes_off = (uint32_t)rc_buf_put(&s->bytes, pats[i], lens[i]);
		s->ip[i].len = (uint16_t)lens[i];
		s->ip[i].flags = nocase && nocase[i] ? TLSI_PAT_F_NOCASE : 0;
	}
	ck_assert_msg(rm_build(rp, n, budget, &s->data, &s->m, err, sizeof(err)) == 0, "%s", err);
	free(rp);
	s->view.cmap = s->data.p + s->m.cmap_off;
	s->view.dense = (const uint32_t *)(s->data.p + s->m.dense_off);
	s->view.sparse = (const struct tlsi_img_mpm_sparse *)(s->data.p + s->m.sparse_off);
	s->view.ecls = s->data.p + s->m.ecls_off;
	s->view.enext = (const uint32_t *)(s->data.p + s->m.enext_off);
	s->view.outidx = (const uint32_t *)(s->data.p + s->m.outidx_off);
	s->view.outs = (const uint32_t *)(s->data.p + s->m.outs_off);
	s->view.pats = s->ip;
	s->view.bytes = s->bytes.p;
	s->view.ndense = s->m.ndense;
	s->view.nclass = s->m.nclass;
	s->view.npats = n;
	s->view.maxlen = s->m.maxlen;
}

static void mset_free(struct mset *s)
{
	rc_buf_free(&s->data);
	rc_buf_free(&s->bytes);
	free(s->ip);
}

/* Matches as a sorted list of (end << 20 | pattern). */
struct hits {
	uint64_t *v;
	size_t n, cap;
	size_t base;		/* added to ends (streaming) */
};

static void hit_add(struct hits *h, uint64_t x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
	}
	h->v[h->n++] = x;
}

static int hit_cb(void *arg, uint32_t pat, size_t end)
{
	struct hits *h = arg;

	hit_add(h, (uint64_t)(end + h->base) << 20 | pat);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void naive(const struct mset *s, const uint8_t *t, size_t n, struct hits *h)
{
	uint32_t p;
	size_t i, k;

	for (p = 0; p < s->n; p++) {
		for (i = 0; i + s->lens[p] <= n; i++) {
			for (k = 0; k < s->lens[p]; k++)
				if (tlsi_lower(t[i + k]) != tlsi_lower(s->pats[p][k]))
					break;
			if (k == s->lens[p])
				hit_add(h, (uint64_t)(i + s->lens[p]) << 20 | p);
		}
	}
}

static void same(struct hits *a, struct hits *b, const char *what)
{
	size_t i;

	qsort(a->v, a->n, sizeof(*a->v), cmp_u64);
	qsort(b->v, b->n, sizeof(*b->v), cmp_u64);
	ck_assert_msg(a->n == b->n, "%s: %zu matches, naive %zu", what, a->n, b->n);
	for (i = 0; i < a->n; i++)
		ck_assert_msg(a->v[i] == b->v[i], "%s: match %zu differs", what, i);
}

START_TEST(test_classic)
{
	static const char *const p[] = { "he", "she", "his", "hers" };
	uint8_t *pats[4];
	uint32_t lens[4], i;
	struct mset s;
	struct hits h = { 0 }, n = { 0 };
	const char *text = "uSHers and his HE";

	for (i = 0; i < 4; i++) {
		pats[i] = (uint8_t *)p[i];
		lens[i] = (uint32_t)strlen(p[i]);
	}
	mset_build(&s, pats, lens, 4, 1 << 20, NULL);
	tlsi_mpm_scan(&s.view, 0, (const uint8_t *)text, strlen(text), hit_cb, &h);
	naive(&s, (const uint8_t *)text, strlen(text), &n);
	ck_assert_uint_eq(h.n, 5);	/* she, he, hers, his, he */
	same(&h, &n, "classic");
	free(h.v);
	free(n.v);
	mset_free(&s);
}
END_TEST

START_TEST(test_verify_case)
{
	uint8_t *pats[2] = { (uint8_t *)"Admin", (uint8_t *)"Admin" };
	uint32_t lens[2] = { 5, 5 };
	bool nocase[2] = { false, true };
	struct mset s;

	mset_build(&s, pats, lens, 2, 1 << 20, nocase);
	ck_assert(tlsi_mpm_verify(&s.view, 0, (const uint8_t *)"xAdmin", 6));
	ck_assert(!tlsi_mpm_verify(&s.view, 0, (const uint8_t *)"xADMIN", 6));
	ck_assert(tlsi_mpm_verify(&s.view, 1, (const uint8_t *)"xADMIN", 6));
	ck_assert(!tlsi_mpm_verify(&s.view, 1, (const uint8_t *)"min", 3));	/* began earlier */
	ck_assert(!tlsi_mpm_verify(&s.view, 7, (const uint8_t *)"Admin", 5));
	mset_free(&s);
}
END_TEST

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void random_round(uint32_t npat, uint32_t maxlen, const uint8_t *alpha,
			 size_t nalpha, size_t textlen)
{
	static const size_t budgets[] = { 0, 64, 4096, 1 << 20, (size_t)1 << 30 };
	uint8_t **pats = calloc(npat, sizeof(*pats));
	uint32_t *lens = calloc(npat, sizeof(*lens)), i;
	uint8_t *text = malloc(textlen + 1);
	size_t b, k;

	for (i = 0; i < npat; i++) {
		lens[i] = 1 + rnd() % maxlen;
		pats[i] = malloc(lens[i]);
		for (k = 0; k < lens[i]; k++)
			pats[i][k] = alpha[rnd() % nalpha];
	}
	for (k = 0; k < textlen; k++)
		text[k] = alpha[rnd() % nalpha];
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		struct mset s;
		struct hits whole = { 0 }, chunks = { 0 }, ref = { 0 };
		uint32_t st = 0;
		size_t pos = 0;

		mset_build(&s, pats, lens, npat, budgets[b], NULL);
		tlsi_mpm_scan(&s.view, 0, text, textlen, hit_cb, &whole);
		naive(&s, text, textlen, &ref);
		same(&whole, &ref, "whole");
		/* random chunks, the state carried over */
		while (pos < textlen) {
			size_t c = 1 + rnd() % 17;

			if (c > textlen - pos)
				c = textlen - pos;
			chunks.base = pos;
			st = tlsi_mpm_scan(&s.view, st, text + pos, c, hit_cb, &chunks);
			pos += c;
		}
		same(&chunks, &ref, "chunks");
		free(whole.v);
		free(chunks.v);
		free(ref.v);
		mset_free(&s);
	}
	for (i = 0; i < npat; i++)
		free(pats[i]);
	free(pats);
	free(lens);
	free(text);
}

START_TEST(test_random_small_alphabet)
{
	static const uint8_t alpha[] = { 'a', 'b', 'A', 'B', 0, 0xff, 'c' };
	int r;

	for (r = 0; r < 40; r++)
		random_round(1 + rnd() % 60, 8, alpha, sizeof(alpha), 600);
}
END_TEST

START_TEST(test_random_bytes)
{
	uint8_t alpha[256];
	int i;

	for (i = 0; i < 256; i++)
		alpha[i] = (uint8_t)i;
	for (i = 0; i < 10; i++)
		random_round(200 + rnd() % 300, 6, alpha, 40 + rnd() % 216, 4000);
}
END_TEST

START_TEST(test_many_patterns)
{
	static const uint8_t alpha[] = "abcdefghijklmnopqrstuvwxyz/.-_=?&0123456789";

	random_round(5000, 24, alpha, sizeof(alpha) - 1, 20000);
}
END_TEST

static int stop_cb(void *arg, uint32_t pat, size_t end)
{
	++*(size_t *)arg;
	return 1;
}

START_TEST(test_stop)
{
	uint8_t *pats[1] = { (uint8_t *)"x" };
	uint32_t lens[1] = { 1 };
	struct mset s;
	size_t count = 0;

	mset_build(&s, pats, lens, 1, 1 << 20, NULL);
	tlsi_mpm_scan(&s.view, 0, (const uint8_t *)"xxxx", 4, stop_cb, &count);
	ck_assert_uint_eq(count, 1);
	mset_free(&s);
}
END_TEST

Suite *engine_mpm_suite(void)
{
	Suite *s = suite_create("engine-mpm");
	TCase *tc = tcase_create("mpm");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_classic);
	tcase_add_test(tc, test_verify_case);
	tcase_add_test(tc, test_random_small_alphabet);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_many_patterns);
	tcase_add_test(tc, test_stop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_mpm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
