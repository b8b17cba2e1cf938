// SPDX-License-Identifier: GPL-2.0
/*
 * Aho-Corasick automaton construction for the image (struct tlsi_img_mpm).
 *
 * 1. A trie over the case-folded patterns (hash of (state, byte) -> state).
 * 2. Byte classes: each folded byte that labels an edge gets a class, all
 *    other bytes share class 0; 'A' and 'a' share a class.
 * 3. States renumbered breadth first, failure links computed.
 * 4. The shallow states (depth <= DENSE_DEPTH) and the crowded ones get
 *    full DFA rows while the budget lasts. Every other state s keeps a
 *    "default" dense state d (the first dense state on its failure chain)
 *    and the sorted list of the classes on which delta(s, c) differs from
 *    delta(d, c); that list is its own goto edges merged with the list of
 *    its failure state.
 * 5. Outputs: a state's patterns plus those of its failure state.
 *
 * rm_build() runs the steps in turn (rm_classes(), rm_trie(), ...: 2
 * comes first, 5 before 4) on one struct rm, which owns every table.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "rules_compile.h"

#define MATCH TLSI_IMG_MPM_MATCH

/* delta(f, c) of a state already given a row or a difference list */
#define delta(f, c) delta_of(ac->isdense, ac->rowof, ac->rows, ac->def, ac->sfirst, \
			     ac->scount, ac->edges, ac->nclass, (f), (c))

struct hmap {
	uint64_t *keys;		/* (state << 8 | byte) + 1; 0 = empty */
	uint32_t *vals;
	size_t mask;
};

static size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static uint32_t *hmap_slot(struct hmap *h, uint64_t key, int *found)
{
	size_t i = hash64(key) & h->mask;

	while (h->keys[i] && h->keys[i] != key + 1)
		i = (i + 1) & h->mask;
	*found = h->keys[i] != 0;
	if (!*found)
		h->keys[i] = key + 1;
	return &h->vals[i];
}

struct child {
	uint32_t node;		/* target */
	uint8_t cls;
};

static int cmp_child(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return (int)x->cls - (int)y->cls;
}

/* goto(s, c) in the CSR child lists, or UINT32_MAX */
static uint32_t go(const uint32_t *cfirst, const struct child *ch, uint32_t s,
		   uint8_t c)
{
	uint32_t lo = cfirst[s], hi = cfirst[s + 1];

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ch[mid].cls == c)
			return ch[mid].node;
		if (ch[mid].cls < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

struct pair {
	uint8_t cls;
	uint32_t next;		/* target; with MATCH flag once serialized */
};

/* A sparse state with more differing classes than this gets a full row. */
#define SPARSE_MAX	TLSI_MPM_INLINE

/*
 * States this close to the root get a full row whatever their differences:
 * text keeps the automaton mostly at depth 1 to 3 (on the HTTP corpus of
 * make bench-engine, 78% of the bytes of the response body automaton), and
 * a row is one dependent load per byte where a sparse state costs its
 * record, then its default row. Depth 3 rather than 1 made the scan about
 * a quarter faster for 1 MB more image (ET's HTTP rules); depth 2 gave
 * about half of that, deeper ones almost nothing for more memory. (More
 * shallow rows also make deeper states differ less from their default
 * row, so fewer of them become crowded.)
 */
#define DENSE_DEPTH	3

static uint32_t delta_of(const uint8_t *isdense, const uint32_t *rowof, const uint32_t *rows,
			 const uint32_t *def, const uint32_t *sfirst, const uint32_t *scount,
			 const struct pair *edges, uint32_t nclass, uint32_t f, uint8_t c)
{
	uint32_t lo, hi;

	if (isdense[f])
		return rows[(size_t)rowof[f] * nclass + c];
	lo = sfirst[f];
	hi = lo + scount[f];
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (edges[mid].cls == c)
			return edges[mid].next;
		if (edges[mid].cls < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return rows[(size_t)rowof[def[f]] * nclass + c];
}


/* One automaton under construction: the steps of rm_build() in turn. */
struct rm {
	const struct rm_pattern *pats;
	uint32_t npats;
	size_t dense_budget;
	size_t total;			/* pattern bytes: a bound on states */
	uint32_t maxlen;
	uint8_t cls[256];		/* folded byte -> class */
	uint8_t cmap[256];		/* any byte -> class */
	uint32_t nclass;
	/* 1. the trie: state nn - 1 is the last made; edge i is
	 * eparent[i] -cls ebyte[i]-> echild[i]; patterns ending at a state
	 * are listed from own_head[] through pat_next[] */
	uint32_t nn;
	uint32_t *eparent, *echild, *own_head, *pat_next;
	uint8_t *ebyte;
	/* children by class, CSR (cfirst[s] .. cfirst[s + 1]) */
	uint32_t *cfirst;
	struct child *ch, *tmpch;
	/* 3. breadth-first numbers (newid: old -> new, order: new -> old;
	 * after step 4, dense states first), depths, failure links */
	uint32_t *newid, *order, *fail;
	uint8_t *depth;
	/* 5. outputs of state s: outs[outidx[s] .. outidx[s + 1]) */
	uint32_t *outidx, *outs;
	size_t nouts, ocap;
	/* 4. rows of the dense states, difference lists of the others */
	uint8_t *isdense;
	uint32_t *rowof, *def, *sfirst, *scount, *rows, *dense;
	size_t rowcap;
	struct pair *edges;
	size_t nedges, edcap, nover;
	uint32_t ndense;
};

/* Byte classes: each folded byte of a pattern gets one, the others share 0. */
static void rm_classes(struct rm *ac)
{
	bool used[256] = { false };
	uint32_t i, k;

	for (i = 0; i < ac->npats; i++) {
		ac->total += ac->pats[i].len;
		if (ac->pats[i].len > ac->maxlen)
			ac->maxlen = ac->pats[i].len;
		for (k = 0; k < ac->pats[i].len; k++)
			used[tlsi_lower(ac->pats[i].p[k])] = true;
	}
	memset(ac->cls, 0, sizeof(ac->cls));
	ac->nclass = 1;
	for (i = 0; i < 256; i++)
		if (used[i])
			ac->cls[i] = (uint8_t)ac->nclass++;
	for (i = 0; i < 256; i++)
		ac->cmap[i] = ac->cls[tlsi_lower((uint8_t)i)];
}

/* 1. The trie over the folded patterns (a hash of (state, class) -> state). */
static int rm_trie(struct rm *ac)
{
	struct hmap h = { 0 };
	size_t cap;
	uint32_t i, k;
	int rc = -1;

	for (cap = 16; cap < 2 * ac->total + 16; cap <<= 1)
		;
	h.keys = calloc(cap, sizeof(*h.keys));
	h.vals = calloc(cap, sizeof(*h.vals));
	h.mask = cap - 1;
	ac->eparent = malloc((ac->total + 1) * sizeof(*ac->eparent));
	ac->echild = malloc((ac->total + 1) * sizeof(*ac->echild));
	ac->ebyte = malloc(ac->total + 1);
	ac->own_head = malloc((ac->total + 1) * sizeof(*ac->own_head));
	ac->pat_next = malloc((ac->npats + 1) * sizeof(*ac->pat_next));
	if (!h.keys || !h.vals || !ac->eparent || !ac->echild || !ac->ebyte || !ac->own_head ||
	    !ac->pat_next)
		goto oom;
	memset(ac->own_head, 0xff, (ac->total + 1) * sizeof(*ac->own_head));
	for (i = 0; i < ac->npats; i++) {
		uint32_t s = 0;

		for (k = 0; k < ac->pats[i].len; k++) {
			uint8_t c = ac->cls[tlsi_lower(ac->pats[i].p[k])];
			int found;
			uint32_t *slot = hmap_slot(&h, (uint64_t)s << 8 | c, &found);

			if (!found) {
				*slot = ac->nn;
				ac->eparent[ac->nn - 1] = s;
				ac->echild[ac->nn - 1] = ac->nn;
				ac->ebyte[ac->nn - 1] = c;
				ac->nn++;
			}
			s = *slot;
		}
		ac->pat_next[i] = ac->own_head[s];
		ac->own_head[s] = i;
	}
	rc = 0;
oom:
	free(h.keys);
	free(h.vals);
	return rc;
}

/* Each state's children, sorted by class, in CSR by old id. */
static int rm_children(struct rm *ac)
{
	uint32_t i;

	ac->cfirst = calloc(ac->nn + 1, sizeof(*ac->cfirst));
	ac->ch = malloc((ac->nn ? ac->nn : 1) * sizeof(*ac->ch));
	ac->tmpch = malloc((ac->nn ? ac->nn : 1) * sizeof(*ac->tmpch));
	if (!ac->cfirst || !ac->ch || !ac->tmpch)
		return -1;
	for (i = 0; i + 1 < ac->nn; i++)
		ac->cfirst[ac->eparent[i] + 1]++;
	for (i = 0; i < ac->nn; i++)
		ac->cfirst[i + 1] += ac->cfirst[i];
	{
		uint32_t *fill = malloc((ac->nn + 1) * sizeof(*fill));

		if (!fill)
			return -1;
		memcpy(fill, ac->cfirst, (ac->nn + 1) * sizeof(*fill));
		for (i = 0; i + 1 < ac->nn; i++) {
			ac->ch[fill[ac->eparent[i]]].node = ac->echild[i];
			ac->ch[fill[ac->eparent[i]]].cls = ac->ebyte[i];
			fill[ac->eparent[i]]++;
		}
		free(fill);
	}
	for (i = 0; i < ac->nn; i++)
		qsort(ac->ch + ac->cfirst[i], ac->cfirst[i + 1] - ac->cfirst[i], sizeof(*ac->ch), cmp_child);
	return 0;
}

/* 3. Breadth-first renumbering: the children and outputs by new id. */
static int rm_bfs(struct rm *ac)
{
	uint32_t i, k;

	ac->newid = malloc(ac->nn * sizeof(*ac->newid));
	ac->order = malloc(ac->nn * sizeof(*ac->order));
	ac->depth = malloc(ac->nn);
	if (!ac->newid || !ac->order || !ac->depth)
		return -1;
	{
		uint32_t head = 0, tail = 0;
		uint8_t *odepth = calloc(ac->nn, 1);

		if (!odepth)
			return -1;
		ac->order[tail++] = 0;
		while (head < tail) {
			uint32_t s = ac->order[head++];

			for (k = ac->cfirst[s]; k < ac->cfirst[s + 1]; k++) {
				odepth[ac->ch[k].node] = (uint8_t)TLSI_ENG_MIN(odepth[s] + 1, 255);
				ac->order[tail++] = ac->ch[k].node;
			}
		}
		for (i = 0; i < ac->nn; i++) {
			ac->newid[ac->order[i]] = i;
			ac->depth[i] = odepth[ac->order[i]];
		}
		free(odepth);
	}
	/* rebuild CSR and outputs by new id */
	{
		uint32_t *ncf = calloc(ac->nn + 1, sizeof(*ncf));
		uint32_t *nown = malloc(ac->nn * sizeof(*nown));

		if (!ncf || !nown) {
			free(ncf);
			free(nown);
			return -1;
		}
		for (i = 0; i < ac->nn; i++) {
			uint32_t o = ac->order[i];

			ncf[i + 1] = ncf[i] + (ac->cfirst[o + 1] - ac->cfirst[o]);
			nown[i] = ac->own_head[o];
		}
		for (i = 0; i < ac->nn; i++) {
			uint32_t o = ac->order[i];

			for (k = 0; k < ac->cfirst[o + 1] - ac->cfirst[o]; k++) {
				ac->tmpch[ncf[i] + k].node = ac->newid[ac->ch[ac->cfirst[o] + k].node];
				ac->tmpch[ncf[i] + k].cls = ac->ch[ac->cfirst[o] + k].cls;
			}
		}
		free(ac->cfirst);
		ac->cfirst = ncf;
		free(ac->ch);
		ac->ch = ac->tmpch;
		ac->tmpch = NULL;
		free(ac->own_head);
		ac->own_head = nown;
	}
	return 0;
}

/* Failure links, in breadth-first order. */
static int rm_fail(struct rm *ac)
{
	uint32_t i, k;

	ac->fail = calloc(ac->nn, sizeof(*ac->fail));
	if (!ac->fail)
		return -1;
	for (i = 0; i < ac->nn; i++) {
		for (k = ac->cfirst[i]; k < ac->cfirst[i + 1]; k++) {
			uint32_t v = ac->ch[k].node, f = ac->fail[i], t;

			if (i == 0) {
				ac->fail[v] = 0;
				continue;
			}
			for (;;) {
				t = go(ac->cfirst, ac->ch, f, ac->ch[k].cls);
				if (t != UINT32_MAX || f == 0)
					break;
				f = ac->fail[f];
			}
			ac->fail[v] = (t != UINT32_MAX && t != v) ? t : 0;
		}
	}
	return 0;
}

/* 5. Outputs (BFS order: the failure state's list is complete). */
static int rm_outputs(struct rm *ac)
{
	uint32_t i, k;

	ac->outidx = malloc((ac->nn + 1) * sizeof(*ac->outidx));
	if (!ac->outidx)
		return -1;
	ac->outidx[0] = 0;
	for (i = 0; i < ac->nn; i++) {
		uint32_t p, need = 0, fs = ac->fail[i];

		for (p = ac->own_head[i]; p != UINT32_MAX; p = ac->pat_next[p])
			need++;
		if (i)
			need += ac->outidx[fs + 1] - ac->outidx[fs];
		if (ac->nouts + need > ac->ocap) {
			size_t nc = (ac->ocap ? ac->ocap * 2 : 1024);
			uint32_t *no;

			while (nc < ac->nouts + need)
				nc *= 2;
			no = realloc(ac->outs, nc * sizeof(*ac->outs));
			if (!no)
				return -1;
			ac->outs = no;
			ac->ocap = nc;
		}
		for (p = ac->own_head[i]; p != UINT32_MAX; p = ac->pat_next[p])
			ac->outs[ac->nouts++] = p;
		if (i)
			for (k = ac->outidx[fs]; k < ac->outidx[fs + 1]; k++)
				ac->outs[ac->nouts++] = ac->outs[k];
		ac->outidx[i + 1] = (uint32_t)ac->nouts;
	}
	return 0;
}

/*
 * 4. Rows, in breadth-first order (a failure state always comes
 * first). A state is dense if it is the root, at depth <= DENSE_DEPTH,
 * or would differ from its default row in more than SPARSE_MAX classes,
 * while the budget lasts; the others keep their differences as edges.
 * Targets are old (breadth-first) numbers until serialization.
 */
static int rm_rows(struct rm *ac)
{
	uint32_t i, k;

	ac->isdense = calloc(ac->nn, 1);
	ac->rowof = malloc(ac->nn * sizeof(*ac->rowof));
	ac->def = malloc(ac->nn * sizeof(*ac->def));
	ac->sfirst = calloc(ac->nn, sizeof(*ac->sfirst));
	ac->scount = calloc(ac->nn, sizeof(*ac->scount));
	if (!ac->isdense || !ac->rowof || !ac->def || !ac->sfirst || !ac->scount)
		return -1;
	ac->ndense = 0;
	for (i = 0; i < ac->nn; i++) {
		uint32_t fs = ac->fail[i], a, b, ae, be;
		size_t start = ac->nedges;
		bool make_dense;

		if (i) {
			ac->def[i] = ac->isdense[fs] ? fs : ac->def[fs];
			/* merge own edges (a) with the failure state's list (b) */
			a = ac->cfirst[i];
			ae = ac->cfirst[i + 1];
			if (ac->isdense[fs]) {
				b = be = 0;
			} else {
				b = ac->sfirst[fs];
				be = b + ac->scount[fs];
			}
			while (a < ae || b < be) {
				struct pair pr;

				if (ac->edcap == ac->nedges) {
					size_t nc = ac->edcap ? ac->edcap * 2 : 4096;
					struct pair *ne = realloc(ac->edges, nc * sizeof(*ac->edges));

					if (!ne)
						return -1;
					ac->edges = ne;
					ac->edcap = nc;
				}
				if (b >= be || (a < ae && ac->ch[a].cls <= ac->edges[b].cls)) {
					if (b < be && ac->edges[b].cls == ac->ch[a].cls)
						b++;	/* own edge wins */
					pr.cls = ac->ch[a].cls;
					pr.next = ac->ch[a].node;
					a++;
					if (pr.next == ac->rows[(size_t)ac->rowof[ac->def[i]] * ac->nclass + pr.cls])
						continue;
				} else {
					pr = ac->edges[b++];
				}
				ac->edges[ac->nedges++] = pr;
			}
			ac->sfirst[i] = (uint32_t)start;
			ac->scount[i] = (uint32_t)(ac->nedges - start);
		}
		make_dense = !i || ((ac->depth[i] <= DENSE_DEPTH || ac->scount[i] > SPARSE_MAX) &&
				    ((size_t)ac->ndense + 1) * ac->nclass * 4 <= ac->dense_budget);
		if (!make_dense)
			continue;
		ac->nedges = start;		/* drop the list: a full row instead */
		ac->scount[i] = 0;
		if ((size_t)(ac->ndense + 1) * ac->nclass > ac->rowcap) {
			size_t nc = ac->rowcap ? ac->rowcap * 2 : (size_t)64 * ac->nclass;
			uint32_t *nr;

			while (nc < (size_t)(ac->ndense + 1) * ac->nclass)
				nc *= 2;
			nr = realloc(ac->rows, nc * sizeof(*ac->rows));
			if (!nr)
				return -1;
			ac->rows = nr;
			ac->rowcap = nc;
		}
		ac->rowof[i] = ac->ndense;
		for (k = 0; k < ac->nclass; k++) {
			uint32_t t = go(ac->cfirst, ac->ch, i, (uint8_t)k);

			if (t == UINT32_MAX)
				t = i ? delta(fs, (uint8_t)k) : 0;
			ac->rows[(size_t)ac->ndense * ac->nclass + k] = t;
		}
		ac->isdense[i] = 1;
		ac->ndense++;
	}
	return 0;
}

/* Dense states first, then the final numbers in every table. */
static int rm_renumber(struct rm *ac)
{
	uint32_t i, k, *nid;

	nid = realloc(ac->newid, ac->nn * sizeof(*ac->newid));
	if (!nid)
		return -1;
	ac->newid = nid;
	{
		uint32_t nd = 0, ns = ac->ndense;

		for (i = 0; i < ac->nn; i++)
			ac->newid[i] = ac->isdense[i] ? nd++ : ns++;
		for (i = 0; i < ac->nn; i++)
			ac->order[ac->newid[i]] = i;	/* order: new -> old */
	}
#define ENC(t) (ac->newid[t] | (ac->outidx[(t) + 1] > ac->outidx[(t)] ? MATCH : 0))
	ac->dense = malloc((size_t)ac->ndense * ac->nclass * sizeof(*ac->dense) + 4);
	if (!ac->dense)
		return -1;
	for (i = 0; i < ac->nn; i++) {
		if (!ac->isdense[i])
			continue;
		for (k = 0; k < ac->nclass; k++)
			ac->dense[(size_t)ac->newid[i] * ac->nclass + k] =
				ENC(ac->rows[(size_t)ac->rowof[i] * ac->nclass + k]);
	}
	for (i = 0; i < ac->nedges; i++)
		ac->edges[i].next = ENC(ac->edges[i].next);
#undef ENC
	/* outputs renumbered */
	{
		uint32_t *noutidx = malloc((ac->nn + 1) * sizeof(*noutidx));
		uint32_t *nouts_v = malloc((ac->nouts + 1) * sizeof(*nouts_v));
		uint32_t o = 0;

		if (!noutidx || !nouts_v) {
			free(noutidx);
			free(nouts_v);
			return -1;
		}
		for (i = 0; i < ac->nn; i++) {
			uint32_t old = ac->order[i];

			noutidx[i] = o;
			for (k = ac->outidx[old]; k < ac->outidx[old + 1]; k++)
				nouts_v[o++] = ac->outs[k];
		}
		noutidx[ac->nn] = o;
		free(ac->outidx);
		free(ac->outs);
		ac->outidx = noutidx;
		ac->outs = nouts_v;
	}
	return 0;
}

/* The automaton into data (MPMDATA) and out. */
static int rm_serialize(struct rm *ac, struct rc_buf *data, struct tlsi_img_mpm *out)
{
	struct tlsi_img_mpm_sparse *sp;
	uint8_t *ecls;
	uint32_t *enext, i;
	long off;

	if (rc_buf_align(data, 4))
		return -1;
	out->cmap_off = (uint32_t)data->len;
	if (rc_buf_put(data, ac->cmap, 256) < 0 || rc_buf_align(data, 4))
		return -1;
	off = rc_buf_put(data, ac->dense, (size_t)ac->ndense * ac->nclass * 4);
	if (off < 0)
		return -1;
	out->dense_off = (uint32_t)off;
	sp = calloc(ac->nn - ac->ndense + 1, sizeof(*sp));
	ecls = malloc(ac->nedges + 1);
	enext = malloc((ac->nedges + 1) * sizeof(*enext));
	if (!sp || !ecls || !enext) {
		free(sp);
		free(ecls);
		free(enext);
		return -1;
	}
	ac->nover = 0;
	for (i = ac->ndense; i < ac->nn; i++) {
		uint32_t old = ac->order[i], e, n = ac->scount[old];
		struct tlsi_img_mpm_sparse *x = &sp[i - ac->ndense];

		x->def = ac->newid[ac->def[old]];
		x->count = (uint16_t)n;
		x->first = n > TLSI_MPM_INLINE ? (uint32_t)ac->nover : 0;
		for (e = 0; e < n; e++) {
			const struct pair *pr = &ac->edges[ac->sfirst[old] + e];

			if (e < TLSI_MPM_INLINE) {
				x->cls[e] = pr->cls;
				x->next[e] = pr->next;
			} else {
				ecls[ac->nover] = pr->cls;
				enext[ac->nover] = pr->next;
				ac->nover++;
			}
		}
	}
	off = rc_buf_put(data, sp, (size_t)(ac->nn - ac->ndense) * sizeof(*sp));
	out->sparse_off = (uint32_t)off;
	if (off >= 0) {
		off = rc_buf_put(data, ecls, ac->nover);
		out->ecls_off = (uint32_t)off;
	}
	if (off >= 0 && !rc_buf_align(data, 4)) {
		off = rc_buf_put(data, enext, ac->nover * 4);
		out->enext_off = (uint32_t)off;
	}
	if (off >= 0) {
		off = rc_buf_put(data, ac->outidx, ((size_t)ac->nn + 1) * 4);
		out->outidx_off = (uint32_t)off;
	}
	if (off >= 0) {
		off = rc_buf_put(data, ac->outs, ac->nouts * 4);
		out->outs_off = (uint32_t)off;
	}
	free(sp);
	free(ecls);
	free(enext);
	if (off < 0)
		return -1;
	return 0;
}

static void rm_free(struct rm *ac)
{
	free(ac->eparent);
	free(ac->echild);
	free(ac->ebyte);
	free(ac->own_head);
	free(ac->pat_next);
	free(ac->cfirst);
	free(ac->ch);
	free(ac->tmpch);
	free(ac->newid);
	free(ac->order);
	free(ac->depth);
	free(ac->fail);
	free(ac->outidx);
	free(ac->outs);
	free(ac->dense);
	free(ac->def);
	free(ac->rowof);
	free(ac->rows);
	free(ac->isdense);
	free(ac->sfirst);
	free(ac->scount);
	free(ac->edges);
}

int rm_build(const struct rm_pattern *pats, uint32_t n, size_t dense_budget,
	     struct rc_buf *data, struct tlsi_img_mpm *out, char *err,
	     size_t errlen)
{
	struct rm ac = { .pats = pats, .npats = n, .dense_budget = dense_budget, .nn = 1 };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	rm_classes(&ac);
	if (ac.total + 1 > TLSI_IMG_MPM_STATES_MAX) {
		snprintf(err, errlen, "automaton would have %zu states, more than %u",
			 ac.total + 1, TLSI_IMG_MPM_STATES_MAX);
		return -1;
	}
	if (rm_trie(&ac) || rm_children(&ac) || rm_bfs(&ac) || rm_fail(&ac) ||
	    rm_outputs(&ac) || rm_rows(&ac) || rm_renumber(&ac) ||
	    rm_serialize(&ac, data, out)) {
		snprintf(err, errlen, "out of memory building an automaton of %zu bytes of patterns",
			 ac.total);
	} else {
		out->nstates = ac.nn;
		out->ndense = ac.ndense;
		out->nclass = ac.nclass;
		out->nedges = (uint32_t)ac.nover;
		out->nouts = (uint32_t)ac.nouts;
		out->maxlen = ac.maxlen;
		rc = 0;
	}
	rm_free(&ac);
	return rc;
}
