// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-engine: the filter engine against Hyperscan, same machine,
 * same run, one core.
 *
 *   1. All loadable ET Open HTTP rules (pcre as prefilter) are parsed and
 *      compiled: compile time and image size.
 *   2. Full engine: a synthetic HTTP corpus (http_corpus.h) goes through
 *      tlsi_eng_inspect() in 16 KB chunks (a TLS record), both directions,
 *      HTTP decoding, all buffers, rule evaluation: Gbit/s.
 *   3. Literal-only prefiltering: the rules' fast patterns, as one
 *      automaton of ours and as one Hyperscan literal database in
 *      streaming mode, scan the same streams in the same chunks: Gbit/s
 *      each and the ratio (target >= 0.5).
 *   4. The same engine pass with the rules compiled as by default: their
 *      pcre evaluated by the regex matcher (engine/regex.c).
 *   5. Regular expressions alone, ours against PCRE2's JIT (when built
 *      with libpcre2-8): every pcre of the ET HTTP rules that loads
 *      exactly, searched by both in the same message heads of the corpus
 *      (request heads for request expressions, response heads for
 *      response ones: start line and headers, as http.start), the same
 *      (expression, head) pairs in the same order; both must agree on
 *      every match. MB/s of subject bytes each and the ratio.
 *
 * Passes 2 to 4 take turns, round by round, and so do the two of 5: on a
 * machine shared with other work, load then falls on all of them alike.
 * Times are the CPU time of this (single) thread, best round of each:
 * time spent waiting for the CPU while other work runs is not counted.
 *
 * Usage: bench_engine [ET_DIR [CORPUS_MB]]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"
#include "http_corpus.h"

#include "rules_pcre.h"

#if __has_include(<pcre2.h>)
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#define HAVE_PCRE2 1
#endif

#if __has_include(<hs/hs.h>)
#include <hs/hs.h>
#define HAVE_HS 1
#endif

#define CHUNK 16384
#define ROUNDS 5

/* CPU seconds of this thread (see the top of the file) */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double gbps(size_t bytes, double secs)
{
	return (double)bytes * 8 / secs / 1e9;
}

static int load_dir(struct rp_set *s, const char *dir)
{
	char path[4200], err[512];
	struct dirent **names;
	int n, i, files = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/classification.config", dir);
	rp_load_classification(s, path, err, sizeof(err));
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 6 && !strcmp(names[i]->d_name + l - 6, ".rules")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (!rp_parse_file(s, path, err, sizeof(err)))
				files++;
		}
		free(names[i]);
	}
	free(names);
	return files;
}

struct counts {
	uint64_t alerts, matches;
};

static void on_alert(void *arg, struct tlsi_eng_flow *f, const struct tlsi_eng_alert *a)
{
	((struct counts *)arg)->alerts++;
	if (getenv("BENCH_ALERTS"))
		fprintf(stderr, "alert sid %u\n", a->r->sid);
}

static int count_cb(void *arg, uint32_t pat, size_t end)
{
	((struct counts *)arg)->matches++;
	return 0;
}

#ifdef HAVE_HS
static int hs_count(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	((struct counts *)ctx)->matches++;
	return 0;
}
#endif

/* ET's HTTP rules, with their pcre as mode says (RP_PCRE_EXACT: as loaded by
 * default). */
static int load_http_rules(const char *dir, enum rp_pcre_mode mode, struct rp_set *set)
{
	size_t i, keep;

	rp_set_init(set);
	set->pcre = mode;
	if (load_dir(set, dir) < 1)
		return -1;
	for (i = 0, keep = 0; i < set->nrules; i++) {
		if (set->rules[i].app == TLSI_APP_HTTP)
			set->rules[keep++] = set->rules[i];
		else
			memset(&set->rules[i], 0, sizeof(set->rules[i]));	/* leaked: bench */
	}
	set->nrules = keep;
	return 0;
}

/* One round of the engine over the whole corpus: seconds. */
static double engine_round(struct tlsi_eng_ctx *ctx, struct tlsi_eng_flow *flow,
			   const struct corpus *cp)
{
	uint8_t c4[4] = { 192, 168, 1, 2 }, s4[4] = { 203, 0, 113, 7 }, ca[16], sa[16];
	double t;
	size_t i, k;

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	t = now();
	for (i = 0; i < cp->n; i++) {
		tlsi_eng_flow_init(flow, ca, 50000, sa, 80);
		for (k = 0; k < cp->f[i].clen; k += CHUNK)
			tlsi_eng_inspect(ctx, flow, TLSI_DIR_TO_SERVER, cp->f[i].c + k,
					 TLSI_ENG_MIN((size_t)CHUNK, cp->f[i].clen - k));
		for (k = 0; k < cp->f[i].slen; k += CHUNK)
			tlsi_eng_inspect(ctx, flow, TLSI_DIR_TO_CLIENT, cp->f[i].s + k,
					 TLSI_ENG_MIN((size_t)CHUNK, cp->f[i].slen - k));
	}
	return now() - t;
}

/* An engine pass: its image, scratch, flow and alert count. */
struct epass {
	struct tlsi_eng eng;
	struct tlsi_eng_cfg cfg;
	struct tlsi_eng_ctx ctx;
	struct tlsi_eng_flow *flow;
	struct counts n;
	double best;
};

static void epass_init(struct epass *p)
{
	p->cfg.alert = on_alert;
	p->cfg.arg = &p->n;
	p->ctx.eng = &p->eng;
	p->ctx.s = calloc(1, tlsi_eng_scratch_size(&p->eng));
	p->ctx.cfg = &p->cfg;
	p->flow = calloc(1, sizeof(*p->flow));
	p->best = 1e9;
}

static void epass_round(struct epass *p, const struct corpus *cp)
{
	double t;

	p->n.alerts = 0;
	t = engine_round(&p->ctx, p->flow, cp);
	if (t < p->best)
		p->best = t;
}

static void epass_free(struct epass *p)
{
	free(p->ctx.s);
	free(p->flow);
}

/* ---- 5: regular expressions ------------------------------------------------- */

#ifdef HAVE_PCRE2
#define HEADS_PER_DIR 256	/* message heads per direction */

struct bexpr {
	struct rx_prog prog;
	pcre2_code *code;
	pcre2_match_data *md;
	int dir;		/* TLSI_DIR_* of the rule */
};

struct head {
	const uint8_t *p;
	uint32_t len;
};

static uint32_t pcre2_opts(unsigned int o)
{
	uint32_t r = 0;

	if (o & RX_CASELESS) r |= PCRE2_CASELESS;
	if (o & RX_DOTALL) r |= PCRE2_DOTALL;
	if (o & RX_MULTILINE) r |= PCRE2_MULTILINE;
	if (o & RX_EXTENDED) r |= PCRE2_EXTENDED;
	if (o & RX_ANCHORED) r |= PCRE2_ANCHORED;
	if (o & RX_DOLLAR_END) r |= PCRE2_DOLLAR_ENDONLY;
	if (o & RX_UNGREEDY) r |= PCRE2_UNGREEDY;
	return r;
}

/* Every pcre of the rule lines of ET's files whose rule loads as an HTTP
 * rule, compiled by both. */
static size_t collect_exprs(const char *dir, struct bexpr **out)
{
	struct dirent **names;
	struct bexpr *v = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	char path[4200], *line = NULL, why[256];
	int nf, i;

	nf = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < nf; i++) {
		size_t l = strlen(names[i]->d_name);
		FILE *f;

		if (l <= 6 || strcmp(names[i]->d_name + l - 6, ".rules")) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (getline(&line, &lcap, f) > 0) {
			struct rp_set one;
			char *p = line;
			int dirn;

			if (line[0] == '#' || !strstr(line, "pcre:"))
				continue;
			rp_set_init(&one);
			one.pcre = RP_PCRE_EXACT;
			if (rp_parse_rule(&one, "x", 1, line) != 1 ||
			    one.rules[0].app != TLSI_APP_HTTP) {
				rp_set_free(&one);
				continue;
			}
			dirn = (one.rules[0].flow & TLSI_FLOW_TO_CLIENT) ? TLSI_DIR_TO_CLIENT
									: TLSI_DIR_TO_SERVER;
			rp_set_free(&one);
			while ((p = strstr(p, "pcre:"))) {
				struct rx_pcre pc;
				char *q, save;
				int err;
				PCRE2_SIZE off;

				p += 5;
				for (q = p; *q && *q != ';'; q++)
					if (*q == '\\' && q[1])
						q++;
				save = *q;
				*q = '\0';
				if (!rx_parse_pcre(p, &pc, why, sizeof(why))) {
					if (n == cap) {
						cap = cap ? cap * 2 : 1024;
						v = realloc(v, cap * sizeof(*v));
					}
					if (!rx_compile(pc.pattern, pc.len, pc.opts, &v[n].prog, why,
							sizeof(why))) {
						v[n].code = pcre2_compile((PCRE2_SPTR)pc.pattern, pc.len,
									  pcre2_opts(pc.opts), &err,
									  &off, NULL);
						if (v[n].code &&
						    !pcre2_jit_compile(v[n].code, PCRE2_JIT_COMPLETE)) {
							v[n].md = pcre2_match_data_create_from_pattern(
								v[n].code, NULL);
							v[n].dir = dirn;
							n++;
						} else {
							if (v[n].code)
								pcre2_code_free(v[n].code);
							rx_prog_free(&v[n].prog);
						}
					}
					free(pc.pattern);
				}
				*q = save;
				p = q;
			}
		}
		fclose(f);
	}
	free(names);
	free(line);
	*out = v;
	return n;
}

/* The first message head (up to and with CRLF CRLF) of up to max streams. */
static size_t collect_heads(const struct corpus *cp, int server, struct head *h, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < cp->n && n < max; i++) {
		const uint8_t *p = server ? cp->f[i].s : cp->f[i].c;
		size_t len = server ? cp->f[i].slen : cp->f[i].clen;
		const uint8_t *e = memmem(p, len, "\r\n\r\n", 4);

		if (!e)
			continue;
		h[n].p = p;
		h[n].len = (uint32_t)(e + 4 - p);
		n++;
	}
	return n;
}

#define REGEX_ROUNDS 5

static void regex_pass(const char *dir, const struct corpus *cp)
{
	static struct tlsi_re_scratch rsc;
	struct head heads[2][HEADS_PER_DIR];
	size_t nh[2], nx, i, j;
	struct bexpr *x;
	uint64_t ours_m = 0, pcre_m = 0, limits = 0, pairs = 0, bytes = 0, disagree = 0;
	double best_ours = 1e9, best_pcre = 1e9;
	uint8_t *mine;
	int r;

	nx = collect_exprs(dir, &x);
	nh[0] = collect_heads(cp, 0, heads[0], HEADS_PER_DIR);
	nh[1] = collect_heads(cp, 1, heads[1], HEADS_PER_DIR);
	for (i = 0; i < nx; i++)
		for (j = 0; j < nh[x[i].dir]; j++) {
			pairs++;
			bytes += heads[x[i].dir][j].len;
		}
	mine = calloc(pairs ? pairs : 1, 1);
	/* the two take turns, round by round, so that a machine shared with
	 * other work slows both alike */
	for (r = 0; r < REGEX_ROUNDS; r++) {
		size_t k = 0;
		double t = now();

		ours_m = limits = 0;
		for (i = 0; i < nx; i++) {
			struct tlsi_re_prog g = rx_view(&x[i].prog);

			for (j = 0; j < nh[x[i].dir]; j++) {
				const struct head *h = &heads[x[i].dir][j];
				struct tlsi_re_subject sub = { .p = h->p, .len = h->len, .bos = 1 };
				uint64_t budget = TLSI_ENG_RE_STEPS_MAX;
				uint32_t ms, me;
				int m = tlsi_re_search(&g, &rsc, &sub, 0, &ms, &me, &budget, NULL);

				limits += m < 0;
				ours_m += m > 0;
				mine[k++] = (uint8_t)(m > 0);
			}
		}
		t = now() - t;
		if (t < best_ours)
			best_ours = t;

		k = 0;
		t = now();
		pcre_m = disagree = 0;
		for (i = 0; i < nx; i++) {
			for (j = 0; j < nh[x[i].dir]; j++) {
				const struct head *h = &heads[x[i].dir][j];
				int m = pcre2_jit_match(x[i].code, h->p, h->len, 0, 0, x[i].md, NULL);

				pcre_m += m >= 0;
				disagree += (m >= 0) != mine[k++];
			}
		}
		t = now() - t;
		if (t < best_pcre)
			best_pcre = t;
	}
	printf("regex:            %zu pcre of ET HTTP rules x %zu request / %zu response heads "
	       "= %llu searches, %.1f MB of subjects\n", nx, nh[0], nh[1],
	       (unsigned long long)pairs, (double)bytes / (1 << 20));
	printf("regex, ours:      %.1f MB/s  (DFA prefilter and Pike VM, engine/regex.c; %llu matches, %llu step "
	       "budgets exhausted)\n", (double)bytes / (1 << 20) / best_ours,
	       (unsigned long long)ours_m, (unsigned long long)limits);
	printf("regex, PCRE2 JIT: %.1f MB/s  (PCRE2 %d.%d; %llu matches, %llu disagreements)\n",
	       (double)bytes / (1 << 20) / best_pcre, PCRE2_MAJOR, PCRE2_MINOR,
	       (unsigned long long)pcre_m, (unsigned long long)disagree);
	printf("regex ratio:      %.2fx PCRE2 JIT (target >= 0.5)\n", best_pcre / best_ours);
	free(mine);
	for (i = 0; i < nx; i++) {
		rx_prog_free(&x[i].prog);
		pcre2_match_data_free(x[i].md);
		pcre2_code_free(x[i].code);
	}
	free(x);
}
#endif

/* ---- 3: literal-only prefiltering ----------------------------------------- */

/* The image's fast patterns, each distinct literal once, as one automaton of
 * ours (view, over mdata and mbytes); lits/litflags for Hyperscan. */
struct literals {
	struct rm_pattern *lits;
	unsigned int *litflags;
	size_t n;
	struct rc_buf mdata, mbytes;
	struct tlsi_img_pattern *ip;
	struct tlsi_mpm view;
};

static int literals_build(const uint8_t *img, struct literals *l, char *err, size_t errlen)
{
	const struct tlsi_img_pattern *pats = tlsi_img_sect(img, TLSI_IMG_S_PATTERNS);
	const uint8_t *bytes = tlsi_img_sect(img, TLSI_IMG_S_BYTES);
	uint32_t np = tlsi_img_sect_size(img, TLSI_IMG_S_PATTERNS) / sizeof(*pats), p;
	struct tlsi_img_mpm m;
	size_t k;

	memset(l, 0, sizeof(*l));
	l->lits = calloc(np, sizeof(*l->lits));
	l->litflags = calloc(np, sizeof(*l->litflags));
	l->ip = calloc(np, sizeof(*l->ip));
	for (p = 0; p < np; p++) {
		/* the same literal may serve several buffers: once */
		for (k = 0; k < l->n; k++)
			if (l->lits[k].len == pats[p].len &&
			    l->litflags[k] == (pats[p].flags & TLSI_PAT_F_NOCASE) &&
			    !memcmp(l->lits[k].p, bytes + pats[p].bytes_off, pats[p].len))
				break;
		if (k < l->n)
			continue;
		l->lits[l->n].p = bytes + pats[p].bytes_off;
		l->lits[l->n].len = pats[p].len;
		l->litflags[l->n] = pats[p].flags & TLSI_PAT_F_NOCASE;
		l->ip[l->n].bytes_off = (uint32_t)rc_buf_put(&l->mbytes, l->lits[l->n].p,
							    l->lits[l->n].len);
		l->ip[l->n].len = (uint16_t)l->lits[l->n].len;
		l->ip[l->n].flags = (uint16_t)l->litflags[l->n];
		l->n++;
	}
	if (rm_build(l->lits, (uint32_t)l->n, RM_DENSE_BUDGET, &l->mdata, &m, err, errlen))
		return -1;
	l->view.cmap = l->mdata.p + m.cmap_off;
	l->view.dense = (const uint32_t *)(l->mdata.p + m.dense_off);
	l->view.sparse = (const struct tlsi_img_mpm_sparse *)(l->mdata.p + m.sparse_off);
	l->view.ecls = l->mdata.p + m.ecls_off;
	l->view.enext = (const uint32_t *)(l->mdata.p + m.enext_off);
	l->view.outidx = (const uint32_t *)(l->mdata.p + m.outidx_off);
	l->view.outs = (const uint32_t *)(l->mdata.p + m.outs_off);
	l->view.pats = l->ip;
	l->view.bytes = l->mbytes.p;
	l->view.ndense = m.ndense;
	l->view.nclass = m.nclass;
	l->view.npats = (uint32_t)l->n;
	return 0;
}

/* Both streams of every connection through our automaton: seconds. */
static double literals_round(const struct literals *l, const struct corpus *cp, struct counts *cm)
{
	double t = now();
	size_t i, k;

	cm->matches = 0;
	for (i = 0; i < cp->n; i++) {
		const uint8_t *sd[2] = { cp->f[i].c, cp->f[i].s };
		size_t sl[2] = { cp->f[i].clen, cp->f[i].slen };
		int d;

		for (d = 0; d < 2; d++) {
			uint32_t state = 0;

			for (k = 0; k < sl[d]; k += CHUNK)
				state = tlsi_mpm_scan(&l->view, state, sd[d] + k,
						      TLSI_ENG_MIN((size_t)CHUNK, sl[d] - k),
						      count_cb, cm);
		}
	}
	return now() - t;
}

#ifdef HAVE_HS
static int hs_build(const struct literals *l, hs_database_t **db, hs_scratch_t **hsc)
{
	const char **ex = calloc(l->n, sizeof(*ex));
	unsigned int *fl = calloc(l->n, sizeof(*fl)), *ids = calloc(l->n, sizeof(*ids));
	size_t *ln = calloc(l->n, sizeof(*ln)), k;
	hs_compile_error_t *cerr;
	int rc = 0;

	for (k = 0; k < l->n; k++) {
		ex[k] = (const char *)l->lits[k].p;
		ln[k] = l->lits[k].len;
		ids[k] = (unsigned int)k;
		fl[k] = l->litflags[k] ? HS_FLAG_CASELESS : 0;
	}
	*hsc = NULL;
	if (hs_compile_lit_multi(ex, fl, ids, ln, (unsigned int)l->n, HS_MODE_STREAM, NULL,
				 db, &cerr) != HS_SUCCESS || hs_alloc_scratch(*db, hsc))
		rc = -1;
	free(ex);
	free(fl);
	free(ids);
	free(ln);
	return rc;
}

/* The same streams in the same chunks through Hyperscan: seconds. */
static double hs_round(const hs_database_t *db, hs_scratch_t *hsc, const struct corpus *cp,
		       struct counts *ch)
{
	double t = now();
	size_t i, k;

	ch->matches = 0;
	for (i = 0; i < cp->n; i++) {
		const uint8_t *sd[2] = { cp->f[i].c, cp->f[i].s };
		size_t sl[2] = { cp->f[i].clen, cp->f[i].slen };
		int d;

		for (d = 0; d < 2; d++) {
			hs_stream_t *hst;

			hs_open_stream(db, 0, &hst);
			for (k = 0; k < sl[d]; k += CHUNK)
				hs_scan_stream(hst, (const char *)sd[d] + k,
					       (unsigned int)TLSI_ENG_MIN((size_t)CHUNK, sl[d] - k),
					       0, hsc, hs_count, ch);
			hs_close_stream(hst, hsc, hs_count, ch);
		}
	}
	return now() - t;
}
#endif

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/et-open";
	size_t mb = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	struct rp_set set, xs;
	struct rc_stats st, xst;
	struct epass pe = { 0 }, px = { 0 };
	struct literals lit;
	struct corpus cp;
	struct counts cm = { 0 };
	uint8_t *img, *ximg;
	size_t len, xlen;
	char err[512];
	double t0, t, t_compile, best_ours = 1e9;
	int r;
#ifdef HAVE_HS
	hs_database_t *db;
	hs_scratch_t *hsc;
	struct counts ch = { 0 };
	double best_hs = 1e9;
#endif

	/* 1. rules: prefilter (passes 2 and 3) */
	t0 = now();
	if (load_http_rules(dir, RP_PCRE_PREFILTER, &set)) {
		fprintf(stderr, "bench-engine: no rules in %s\n", dir);
		return 1;
	}
	if (rc_compile(&set, &img, &len, &st, err, sizeof(err)) ||
	    tlsi_eng_init(&pe.eng, img, len, err, sizeof(err))) {
		fprintf(stderr, "bench-engine: %s\n", err);
		return 1;
	}
	t_compile = now() - t0;
	/* as loaded by default (pass 4) */
	if (load_http_rules(dir, RP_PCRE_EXACT, &xs) ||
	    rc_compile(&xs, &ximg, &xlen, &xst, err, sizeof(err)) ||
	    tlsi_eng_init(&px.eng, ximg, xlen, err, sizeof(err))) {
		fprintf(stderr, "bench-engine: %s\n", err);
		return 1;
	}
	epass_init(&pe);
	epass_init(&px);
	if (literals_build(img, &lit, err, sizeof(err))) {
		fprintf(stderr, "bench-engine: %s\n", err);
		return 1;
	}
#ifdef HAVE_HS
	if (hs_build(&lit, &db, &hsc)) {
		fprintf(stderr, "bench-engine: hyperscan compile failed\n");
		return 1;
	}
#endif

	/* the corpus */
	corpus_make(&cp, mb << 20, 1, NULL, 0, 0);

	/* 2, 3 and 4 in turns */
	for (r = 0; r < ROUNDS; r++) {
		epass_round(&pe, &cp);
		t = literals_round(&lit, &cp, &cm);
		if (t < best_ours)
			best_ours = t;
#ifdef HAVE_HS
		t = hs_round(db, hsc, &cp, &ch);
		if (t < best_hs)
			best_hs = t;
#endif
		epass_round(&px, &cp);
	}

	printf("rules:            %zu ET Open HTTP rules loaded (pcre as prefilter), %u fast patterns, "
	       "%u automata, %u states\n", set.nrules, st.patterns, st.automata, st.states);
	printf("compile:          %.0f ms (parse + compile, all ET files read)\n", t_compile * 1e3);
	printf("image:            %.1f MB (%zu bytes)\n", (double)len / (1 << 20), len);
	printf("corpus:           %zu HTTP connections, %.1f MB, %d rounds in turns, best taken, "
	       "one core (CPU time)\n", cp.n, (double)cp.bytes / (1 << 20), ROUNDS);
	printf("engine:           %.2f Gbit/s  (HTTP decoding, all buffers, rule evaluation; "
	       "%llu alerts)\n", gbps(cp.bytes, pe.best), (unsigned long long)pe.n.alerts);
	printf("literals, ours:   %.2f Gbit/s  (%zu literals, one automaton, streaming; %llu candidates)\n",
	       gbps(cp.bytes, best_ours), lit.n, (unsigned long long)cm.matches);
#ifdef HAVE_HS
	printf("literals, hs:     %.2f Gbit/s  (Hyperscan %s, streaming; %llu matches)\n",
	       gbps(cp.bytes, best_hs), hs_version(), (unsigned long long)ch.matches);
	printf("ratio:            %.2fx Hyperscan on literal-only prefiltering (target >= 0.5)\n",
	       best_hs / best_ours);
	printf("engine vs hs:     %.2fx Hyperscan literal-only (target >= 0.5)\n", best_hs / pe.best);
#else
	printf("hyperscan:        not available (install libhyperscan-dev)\n");
#endif
	printf("engine, pcre:     %.2f Gbit/s  (%zu HTTP rules as loaded by default, pcre "
	       "evaluated; %llu alerts)\n", gbps(cp.bytes, px.best), xs.nrules,
	       (unsigned long long)px.n.alerts);
#ifdef HAVE_HS
	printf("engine, pcre, vs hs: %.2fx Hyperscan literal-only (target >= 0.5)\n",
	       best_hs / px.best);
	hs_free_scratch(hsc);
	hs_free_database(db);
#endif
	epass_free(&pe);
	epass_free(&px);
#ifdef HAVE_PCRE2
	/* 5. regular expressions alone */
	regex_pass(dir, &cp);
#else
	printf("regex:            PCRE2 not available (install libpcre2-dev)\n");
#endif
	corpus_free(&cp);
	return 0;
}
