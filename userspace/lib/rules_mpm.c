// SPDX-License-Identifier: GPL-2.0
/*
 * Aho-Corasick automaton construction for the image (struct tlsi_img_mpm).
 *
 * 1. A trie over the case-folded patterns (hash of (state, byte) -> state).
 * 2. Byte classes: each folded byte that labels an edge gets a class, all
 *    other bytes share class 0; 'A' and 'a' share a class.
 * 3. States renumbered breadth first, failure links computed.
 * 4. The shallow states (depth <= DENSE_DEPTH) and the crowded ones get
 *    full DFA rows while the budget lasts. Every deeper state s keeps a "default" dense state d (the
 *    first dense state on its failure chain) and the sorted list of the
 *    classes on which delta(s, c) differs from delta(d, c); that list is
 *    its own goto edges merged with the list of its failure state.
 * 5. Outputs: a state's patterns plus those of its failure state.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "rules_compile.h"

#define MATCH TLSI_IMG_MPM_MATCH

/* delta(f, c) of a state already given a row or a difference list */
#define delta(f, c) delta_of(isdense, rowof, rows, def, sfirst, scount, edges, nclass, (f), (c))

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

int rm_build(const struct rm_pattern *pats, uint32_t n, size_t dense_budget,
	     struct rc_buf *data, struct tlsi_img_mpm *out, char *err,
	     size_t errlen)
{
	uint8_t cls[256], cmap[256];
	uint32_t nclass, nn = 1, i, k;
	size_t total = 0, cap;
	struct hmap h = { 0 };
	uint32_t *eparent = NULL, *echild = NULL, *own_head = NULL, *pat_next = NULL;
	uint8_t *ebyte = NULL, *depth = NULL;
	uint32_t *cfirst = NULL, *newid = NULL, *order = NULL, *fail = NULL;
	uint32_t *outidx = NULL, *outs = NULL, *dense = NULL, *sfirst = NULL, *scount = NULL;
	uint32_t *def = NULL, *rowof = NULL, *rows = NULL;
	uint8_t *isdense = NULL;
	size_t rowcap = 0;
	struct child *ch = NULL, *tmpch = NULL;
	struct pair *edges = NULL;
	size_t nedges = 0, edcap = 0, nouts = 0, ocap = 0, nover = 0;
	uint32_t ndense, maxlen = 0;
	int rc = -1;
	bool used[256] = { false };

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		total += pats[i].len;
		if (pats[i].len > maxlen)
			maxlen = pats[i].len;
		for (k = 0; k < pats[i].len; k++)
			used[tlsi_lower(pats[i].p[k])] = true;
	}
	if (total + 1 > TLSI_IMG_MPM_STATES_MAX) {
		snprintf(err, errlen, "automaton would have %zu states, more than %u",
			 total + 1, TLSI_IMG_MPM_STATES_MAX);
		return -1;
	}
	memset(cls, 0, sizeof(cls));
	nclass = 1;
	for (i = 0; i < 256; i++)
		if (used[i])
			cls[i] = (uint8_t)nclass++;
	for (i = 0; i < 256; i++)
		cmap[i] = cls[tlsi_lower((uint8_t)i)];

	/* 1. trie */
	for (cap = 16; cap < 2 * total + 16; cap <<= 1)
		;
	h.keys = calloc(cap, sizeof(*h.keys));
	h.vals = calloc(cap, sizeof(*h.vals));
	h.mask = cap - 1;
	eparent = malloc((total + 1) * sizeof(*eparent));
	echild = malloc((total + 1) * sizeof(*echild));
	ebyte = malloc(total + 1);
	own_head = malloc((total + 1) * sizeof(*own_head));
	pat_next = malloc((n + 1) * sizeof(*pat_next));
	if (!h.keys || !h.vals || !eparent || !echild || !ebyte || !own_head || !pat_next)
		goto oom;
	memset(own_head, 0xff, (total + 1) * sizeof(*own_head));
	for (i = 0; i < n; i++) {
		uint32_t s = 0;

		for (k = 0; k < pats[i].len; k++) {
			uint8_t c = cls[tlsi_lower(pats[i].p[k])];
			int found;
			uint32_t *slot = hmap_slot(&h, (uint64_t)s << 8 | c, &found);

			if (!found) {
				*slot = nn;
				eparent[nn - 1] = s;
				echild[nn - 1] = nn;
				ebyte[nn - 1] = c;
				nn++;
			}
			s = *slot;
		}
		pat_next[i] = own_head[s];
		own_head[s] = i;
	}
	free(h.keys);
	free(h.vals);
	h.keys = NULL;
	h.vals = NULL;

	/* children in CSR by old id */
	cfirst = calloc(nn + 1, sizeof(*cfirst));
	ch = malloc((nn ? nn : 1) * sizeof(*ch));
	tmpch = malloc((nn ? nn : 1) * sizeof(*tmpch));
	if (!cfirst || !ch || !tmpch)
		goto oom;
	for (i = 0; i + 1 < nn; i++)
		cfirst[eparent[i] + 1]++;
	for (i = 0; i < nn; i++)
		cfirst[i + 1] += cfirst[i];
	{
		uint32_t *fill = malloc((nn + 1) * sizeof(*fill));

		if (!fill)
			goto oom;
		memcpy(fill, cfirst, (nn + 1) * sizeof(*fill));
		for (i = 0; i + 1 < nn; i++) {
			ch[fill[eparent[i]]].node = echild[i];
			ch[fill[eparent[i]]].cls = ebyte[i];
			fill[eparent[i]]++;
		}
		free(fill);
	}
	for (i = 0; i < nn; i++)
		qsort(ch + cfirst[i], cfirst[i + 1] - cfirst[i], sizeof(*ch), cmp_child);

	/* 3. breadth-first renumbering */
	newid = malloc(nn * sizeof(*newid));
	order = malloc(nn * sizeof(*order));
	depth = malloc(nn);
	if (!newid || !order || !depth)
		goto oom;
	{
		uint32_t head = 0, tail = 0;
		uint8_t *odepth = calloc(nn, 1);

		if (!odepth)
			goto oom;
		order[tail++] = 0;
		while (head < tail) {
			uint32_t s = order[head++];

			for (k = cfirst[s]; k < cfirst[s + 1]; k++) {
				odepth[ch[k].node] = (uint8_t)TLSI_ENG_MIN(odepth[s] + 1, 255);
				order[tail++] = ch[k].node;
			}
		}
		for (i = 0; i < nn; i++) {
			newid[order[i]] = i;
			depth[i] = odepth[order[i]];
		}
		free(odepth);
	}
	/* rebuild CSR and outputs by new id */
	{
		uint32_t *ncf = calloc(nn + 1, sizeof(*ncf));
		uint32_t *nown = malloc(nn * sizeof(*nown));

		if (!ncf || !nown) {
			free(ncf);
			free(nown);
			goto oom;
		}
		for (i = 0; i < nn; i++) {
			uint32_t o = order[i];

			ncf[i + 1] = ncf[i] + (cfirst[o + 1] - cfirst[o]);
			nown[i] = own_head[o];
		}
		for (i = 0; i < nn; i++) {
			uint32_t o = order[i];

			for (k = 0; k < cfirst[o + 1] - cfirst[o]; k++) {
				tmpch[ncf[i] + k].node = newid[ch[cfirst[o] + k].node];
				tmpch[ncf[i] + k].cls = ch[cfirst[o] + k].cls;
			}
		}
		free(cfirst);
		cfirst = ncf;
		free(ch);
		ch = tmpch;
		tmpch = NULL;
		free(own_head);
		own_head = nown;
	}

	/* failure links */
	fail = calloc(nn, sizeof(*fail));
	if (!fail)
		goto oom;
	for (i = 0; i < nn; i++) {
		for (k = cfirst[i]; k < cfirst[i + 1]; k++) {
			uint32_t v = ch[k].node, f = fail[i], t;

			if (i == 0) {
				fail[v] = 0;
				continue;
			}
			for (;;) {
				t = go(cfirst, ch, f, ch[k].cls);
				if (t != UINT32_MAX || f == 0)
					break;
				f = fail[f];
			}
			fail[v] = (t != UINT32_MAX && t != v) ? t : 0;
		}
	}

	/* 5. outputs (BFS order: the failure state's list is complete) */
	outidx = malloc((nn + 1) * sizeof(*outidx));
	if (!outidx)
		goto oom;
	outidx[0] = 0;
	for (i = 0; i < nn; i++) {
		uint32_t p, need = 0, fs = fail[i];

		for (p = own_head[i]; p != UINT32_MAX; p = pat_next[p])
			need++;
		if (i)
			need += outidx[fs + 1] - outidx[fs];
		if (nouts + need > ocap) {
			size_t nc = (ocap ? ocap * 2 : 1024);
			uint32_t *no;

			while (nc < nouts + need)
				nc *= 2;
			no = realloc(outs, nc * sizeof(*outs));
			if (!no)
				goto oom;
			outs = no;
			ocap = nc;
		}
		for (p = own_head[i]; p != UINT32_MAX; p = pat_next[p])
			outs[nouts++] = p;
		if (i)
			for (k = outidx[fs]; k < outidx[fs + 1]; k++)
				outs[nouts++] = outs[k];
		outidx[i + 1] = (uint32_t)nouts;
	}

	/*
	 * 4. Rows, in breadth-first order (a failure state always comes
	 * first). A state is dense if it is the root, at depth <= DENSE_DEPTH, or would
	 * differ from its default row in more than SPARSE_MAX classes, while
	 * the budget lasts; the others keep their differences as edges.
	 * Targets are old (breadth-first) numbers until serialization.
	 */
	isdense = calloc(nn, 1);
	rowof = malloc(nn * sizeof(*rowof));
	def = malloc(nn * sizeof(*def));
	sfirst = calloc(nn, sizeof(*sfirst));
	scount = calloc(nn, sizeof(*scount));
	if (!isdense || !rowof || !def || !sfirst || !scount)
		goto oom;
	ndense = 0;
	for (i = 0; i < nn; i++) {
		uint32_t fs = fail[i], a, b, ae, be;
		size_t start = nedges;
		bool make_dense;

		if (i) {
			def[i] = isdense[fs] ? fs : def[fs];
			/* merge own edges (a) with the failure state's list (b) */
			a = cfirst[i];
			ae = cfirst[i + 1];
			if (isdense[fs]) {
				b = be = 0;
			} else {
				b = sfirst[fs];
				be = b + scount[fs];
			}
			while (a < ae || b < be) {
				struct pair pr;

				if (edcap == nedges) {
					size_t nc = edcap ? edcap * 2 : 4096;
					struct pair *ne = realloc(edges, nc * sizeof(*edges));

					if (!ne)
						goto oom;
					edges = ne;
					edcap = nc;
				}
				if (b >= be || (a < ae && ch[a].cls <= edges[b].cls)) {
					if (b < be && edges[b].cls == ch[a].cls)
						b++;	/* own edge wins */
					pr.cls = ch[a].cls;
					pr.next = ch[a].node;
					a++;
					if (pr.next == rows[(size_t)rowof[def[i]] * nclass + pr.cls])
						continue;
				} else {
					pr = edges[b++];
				}
				edges[nedges++] = pr;
			}
			sfirst[i] = (uint32_t)start;
			scount[i] = (uint32_t)(nedges - start);
		}
		make_dense = !i || ((depth[i] <= DENSE_DEPTH || scount[i] > SPARSE_MAX) &&
				    ((size_t)ndense + 1) * nclass * 4 <= dense_budget);
		if (!make_dense)
			continue;
		nedges = start;		/* drop the list: a full row instead */
		scount[i] = 0;
		if ((size_t)(ndense + 1) * nclass > rowcap) {
			size_t nc = rowcap ? rowcap * 2 : (size_t)64 * nclass;
			uint32_t *nr;

			while (nc < (size_t)(ndense + 1) * nclass)
				nc *= 2;
			nr = realloc(rows, nc * sizeof(*rows));
			if (!nr)
				goto oom;
			rows = nr;
			rowcap = nc;
		}
		rowof[i] = ndense;
		for (k = 0; k < nclass; k++) {
			uint32_t t = go(cfirst, ch, i, (uint8_t)k);

			if (t == UINT32_MAX)
				t = i ? delta(fs, (uint8_t)k) : 0;
			rows[(size_t)ndense * nclass + k] = t;
		}
		isdense[i] = 1;
		ndense++;
	}

	/* dense states first, each group in breadth-first order */
	newid = realloc(newid, nn * sizeof(*newid));
	if (!newid)
		goto oom;
	{
		uint32_t nd = 0, ns = ndense;

		for (i = 0; i < nn; i++)
			newid[i] = isdense[i] ? nd++ : ns++;
		for (i = 0; i < nn; i++)
			order[newid[i]] = i;	/* order: new -> old */
	}
#define ENC(t) (newid[t] | (outidx[(t) + 1] > outidx[(t)] ? MATCH : 0))
	dense = malloc((size_t)ndense * nclass * sizeof(*dense) + 4);
	if (!dense)
		goto oom;
	for (i = 0; i < nn; i++) {
		if (!isdense[i])
			continue;
		for (k = 0; k < nclass; k++)
			dense[(size_t)newid[i] * nclass + k] =
				ENC(rows[(size_t)rowof[i] * nclass + k]);
	}
	for (i = 0; i < nedges; i++)
		edges[i].next = ENC(edges[i].next);
#undef ENC
	/* outputs renumbered */
	{
		uint32_t *noutidx = malloc((nn + 1) * sizeof(*noutidx));
		uint32_t *nouts_v = malloc((nouts + 1) * sizeof(*nouts_v));
		uint32_t o = 0;

		if (!noutidx || !nouts_v) {
			free(noutidx);
			free(nouts_v);
			goto oom;
		}
		for (i = 0; i < nn; i++) {
			uint32_t old = order[i];

			noutidx[i] = o;
			for (k = outidx[old]; k < outidx[old + 1]; k++)
				nouts_v[o++] = outs[k];
		}
		noutidx[nn] = o;
		free(outidx);
		free(outs);
		outidx = noutidx;
		outs = nouts_v;
	}

	/* serialize */
	{
		struct tlsi_img_mpm_sparse *sp;
		uint8_t *ecls;
		uint32_t *enext;
		long off;

		if (rc_buf_align(data, 4))
			goto oom;
		out->cmap_off = (uint32_t)data->len;
		if (rc_buf_put(data, cmap, 256) < 0 || rc_buf_align(data, 4))
			goto oom;
		off = rc_buf_put(data, dense, (size_t)ndense * nclass * 4);
		if (off < 0)
			goto oom;
		out->dense_off = (uint32_t)off;
		sp = calloc(nn - ndense + 1, sizeof(*sp));
		ecls = malloc(nedges + 1);
		enext = malloc((nedges + 1) * sizeof(*enext));
		if (!sp || !ecls || !enext) {
			free(sp);
			free(ecls);
			free(enext);
			goto oom;
		}
		nover = 0;
		for (i = ndense; i < nn; i++) {
			uint32_t old = order[i], e, n = scount[old];
			struct tlsi_img_mpm_sparse *x = &sp[i - ndense];

			x->def = newid[def[old]];
			x->count = (uint16_t)n;
			x->first = n > TLSI_MPM_INLINE ? (uint32_t)nover : 0;
			for (e = 0; e < n; e++) {
				const struct pair *pr = &edges[sfirst[old] + e];

				if (e < TLSI_MPM_INLINE) {
					x->cls[e] = pr->cls;
					x->next[e] = pr->next;
				} else {
					ecls[nover] = pr->cls;
					enext[nover] = pr->next;
					nover++;
				}
			}
		}
		off = rc_buf_put(data, sp, (size_t)(nn - ndense) * sizeof(*sp));
		out->sparse_off = (uint32_t)off;
		if (off >= 0) {
			off = rc_buf_put(data, ecls, nover);
			out->ecls_off = (uint32_t)off;
		}
		if (off >= 0 && !rc_buf_align(data, 4)) {
			off = rc_buf_put(data, enext, nover * 4);
			out->enext_off = (uint32_t)off;
		}
		if (off >= 0) {
			off = rc_buf_put(data, outidx, ((size_t)nn + 1) * 4);
			out->outidx_off = (uint32_t)off;
		}
		if (off >= 0) {
			off = rc_buf_put(data, outs, nouts * 4);
			out->outs_off = (uint32_t)off;
		}
		free(sp);
		free(ecls);
		free(enext);
		if (off < 0)
			goto oom;
	}
	out->nstates = nn;
	out->ndense = ndense;
	out->nclass = nclass;
	out->nedges = (uint32_t)nover;
	out->nouts = (uint32_t)nouts;
	out->maxlen = maxlen;
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory building an automaton of %zu bytes of patterns",
		 total);
done:
	free(h.keys);
	free(h.vals);
	free(eparent);
	free(echild);
	free(ebyte);
	free(own_head);
	free(pat_next);
	free(cfirst);
	free(ch);
	free(tmpch);
	free(newid);
	free(order);
	free(depth);
	free(fail);
	free(outidx);
	free(outs);
	free(dense);
	free(def);
	free(rowof);
	free(rows);
	free(isdense);
	free(sfirst);
	free(scount);
	free(edges);
	return rc;
}
