// SPDX-License-Identifier: GPL-2.0
/*
 * The rule compiler: rules_parse.c's rules to the image of engine/image.h.
 *
 * Rules are ordered the way the engine must try them when several match
 * the same data: pass, drop, reject, alert; within an action, rules that
 * only set flowbits before rules that test them; then by priority. Each
 * rule gets a program (flowbit tests and dsize first, then one group per
 * buffer in the order the rule first names it) and one fast pattern: the
 * content marked fast_pattern, else its longest positive content. Fast
 * patterns go into the automaton of their (direction, buffer); rules with
 * no positive content are listed on their first buffer's trigger.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules_compile.h"
#include "rules_pcre.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the rule compiler writes images in host order: little-endian hosts only"
#endif

long rc_buf_put(struct rc_buf *b, const void *p, size_t n)
{
	size_t off = b->len;

	if (n > (size_t)1 << 31 || b->len + n > TLSI_IMG_SIZE_MAX)
		return -1;
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		uint8_t *np;

		while (nc < b->len + n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np)
			return -1;
		b->p = np;
		b->cap = nc;
	}
	if (p)
		memcpy(b->p + b->len, p, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
	return (long)off;
}

int rc_buf_align(struct rc_buf *b, size_t a)
{
	size_t pad = (a - b->len % a) % a;

	return pad && rc_buf_put(b, NULL, pad) < 0 ? -1 : 0;
}

void rc_buf_free(struct rc_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- string table with sharing ---------------------------------------------- */

struct strtab {
	struct rc_buf b;
	uint32_t *slots;	/* index + 1 into offs/lens */
	uint32_t *offs, *lens;
	size_t n, cap;
};

static uint32_t fnv(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *s++) * 16777619u;
	return h;
}

static int str_put(struct strtab *t, const char *s, struct tlsi_img_str *out)
{
	size_t n = s ? strlen(s) : 0, i;
	long off;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	if (2 * (t->n + 1) > t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 4096, k;
		uint32_t *ns = calloc(nc, sizeof(*ns));

		if (!ns)
			return -1;
		for (k = 0; k < t->cap; k++) {
			uint32_t e = t->slots ? t->slots[k] : 0;

			if (!e)
				continue;
			i = fnv(t->b.p + t->offs[e - 1], t->lens[e - 1]) & (nc - 1);
			while (ns[i])
				i = (i + 1) & (nc - 1);
			ns[i] = e;
		}
		free(t->slots);
		t->slots = ns;
		t->cap = nc;
		t->offs = realloc(t->offs, nc * sizeof(*t->offs));
		t->lens = realloc(t->lens, nc * sizeof(*t->lens));
		if (!t->offs || !t->lens)
			return -1;
	}
	i = fnv(s, n) & (t->cap - 1);
	while (t->slots[i]) {
		uint32_t e = t->slots[i] - 1;

		if (t->lens[e] == n && !memcmp(t->b.p + t->offs[e], s, n)) {
			out->off = t->offs[e];
			out->len = (uint32_t)n;
			return 0;
		}
		i = (i + 1) & (t->cap - 1);
	}
	off = rc_buf_put(&t->b, s, n);
	if (off < 0)
		return -1;
	t->offs[t->n] = (uint32_t)off;
	t->lens[t->n] = (uint32_t)n;
	t->slots[i] = (uint32_t)++t->n;
	out->off = (uint32_t)off;
	out->len = (uint32_t)n;
	return 0;
}

static void strtab_free(struct strtab *t)
{
	rc_buf_free(&t->b);
	free(t->slots);
	free(t->offs);
	free(t->lens);
}

/* ---- compilation state ---------------------------------------------------------- */

struct fp_entry {
	uint16_t slot;		/* dir * TLSI_BUF_MAX + buf */
	uint8_t nocase;
	const uint8_t *p;
	uint32_t len;
	uint32_t bytes_off;
	uint32_t rule;
};

struct cstate {
	const struct rp_set *set;
	struct strtab str;
	struct rc_buf bytes, rules, insns, addrs, ports, vars, fbs, ruleidx, mpms,
		      pats, mpmdata, regexes, regexdata;
	struct fp_entry *fp;
	size_t nfp, fpcap;
	uint32_t *nonmpm[TLSI_DIRS * TLSI_BUF_MAX];
	size_t nnonmpm[TLSI_DIRS * TLSI_BUF_MAX];
	uint32_t *once[TLSI_DIRS * TLSI_BUF_MAX];	/* RAW: header-only rules */
	size_t nonce[TLSI_DIRS * TLSI_BUF_MAX];
	struct tlsi_img_trigger trig[TLSI_DIRS * TLSI_BUF_MAX];
	char *err;
	size_t errlen;
};

static int oom(struct cstate *c)
{
	snprintf(c->err, c->errlen, "image too large or out of memory");
	return -1;
}

static int var_index(const struct rp_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i].name, name))
			return (int)i;
	return -1;
}

static int put_addrs(struct cstate *c, const struct rp_addrs *l, uint32_t *first,
		     uint32_t *count)
{
	size_t i;

	*first = (uint32_t)(c->addrs.len / sizeof(struct tlsi_img_addr));
	*count = (uint32_t)l->n;
	for (i = 0; i < l->n; i++) {
		struct tlsi_img_addr a = { 0 };

		a.flags = l->v[i].flags;
		a.plen = l->v[i].plen;
		memcpy(a.addr, l->v[i].addr, 16);
		if (a.flags & TLSI_ADDR_F_VAR) {
			int v = var_index(c->set, l->v[i].var);

			if (v < 0) {
				snprintf(c->err, c->errlen, "unknown variable $%s", l->v[i].var);
				return -1;
			}
			a.var = (uint32_t)v;
		}
		if (rc_buf_put(&c->addrs, &a, sizeof(a)) < 0)
			return oom(c);
	}
	return 0;
}

static int put_ports(struct cstate *c, const struct rp_ports *l, uint32_t *first,
		     uint32_t *count)
{
	size_t i;

	*first = (uint32_t)(c->ports.len / sizeof(struct tlsi_img_port));
	*count = (uint32_t)l->n;
	for (i = 0; i < l->n; i++) {
		struct tlsi_img_port p = { 0 };

		p.flags = l->v[i].flags;
		p.lo = l->v[i].lo;
		p.hi = l->v[i].hi;
		if (p.flags & TLSI_ADDR_F_VAR) {
			int v = var_index(c->set, l->v[i].var);

			if (v < 0) {
				snprintf(c->err, c->errlen, "unknown variable $%s", l->v[i].var);
				return -1;
			}
			p.var = (uint32_t)v;
		}
		if (rc_buf_put(&c->ports, &p, sizeof(p)) < 0)
			return oom(c);
	}
	return 0;
}

/* Port lists are short and repeat: share identical ones (16-bit indices). */
static int put_ports_shared(struct cstate *c, const struct rp_ports *l,
			    uint16_t *first, uint16_t *count)
{
	size_t nports = c->ports.len / sizeof(struct tlsi_img_port), i, k;
	uint32_t f, n;

	if (!l->n) {
		*first = 0;
		*count = 0;
		return 0;
	}
	/* look for the same list already stored (lists are short) */
	for (i = 0; i + l->n <= nports && i < 4096; i++) {
		const struct tlsi_img_port *p = (const struct tlsi_img_port *)c->ports.p + i;

		for (k = 0; k < l->n; k++) {
			int v = (l->v[k].flags & TLSI_ADDR_F_VAR) ? var_index(c->set, l->v[k].var) : 0;

			if (p[k].flags != l->v[k].flags || p[k].lo != l->v[k].lo ||
			    p[k].hi != l->v[k].hi || p[k].var != (uint32_t)v)
				break;
		}
		if (k == l->n) {
			*first = (uint16_t)i;
			*count = (uint16_t)l->n;
			return 0;
		}
	}
	if (put_ports(c, l, &f, &n))
		return -1;
	if (f + n > 65535) {
		snprintf(c->err, c->errlen, "more than 65535 distinct port list items");
		return -1;
	}
	*first = (uint16_t)f;
	*count = (uint16_t)n;
	return 0;
}

static int flowbit_no(const struct rp_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nflowbits; i++)
		if (!strcmp(s->flowbits[i], name))
			return (int)i;
	return -1;
}

static int put_insn(struct cstate *c, const struct tlsi_img_insn *in)
{
	return rc_buf_put(&c->insns, in, sizeof(*in)) < 0 ? oom(c) : 0;
}

/* A pcre program into REGEXDATA (8-byte aligned, in order) and REGEXES. */
static int put_regex(struct cstate *c, const struct rx_prog *p, uint32_t *index)
{
	struct tlsi_img_regex rx = { 0 };
	long off;

	if (rc_buf_align(&c->regexdata, 8))
		return oom(c);
	off = rc_buf_put(&c->regexdata, p->insns, p->ninsns * sizeof(*p->insns));
	if (off < 0 ||
	    rc_buf_put(&c->regexdata, p->classes, p->nclasses * sizeof(*p->classes)) < 0 ||
	    (p->litlen && (rc_buf_put(&c->regexdata, p->lit, p->litlen) < 0 ||
			   rc_buf_align(&c->regexdata, 8))) ||
	    (p->dfalen && rc_buf_put(&c->regexdata, p->dfa, p->dfalen) < 0))
		return oom(c);
	rx.off = (uint32_t)off;
	rx.ninsns = (uint16_t)p->ninsns;
	rx.nclasses = (uint16_t)p->nclasses;
	rx.flags = (uint16_t)p->flags;
	rx.first = (uint16_t)p->first;
	rx.req[0] = p->req[0];
	rx.req[1] = p->req[1];
	rx.litlen = (uint16_t)p->litlen;
	*index = (uint32_t)(c->regexes.len / sizeof(rx));
	return rc_buf_put(&c->regexes, &rx, sizeof(rx)) < 0 ? oom(c) : 0;
}

static bool is_relative(const struct rp_item *it)
{
	if (it->kind == RP_CONTENT)
		return it->flags & (TLSI_IF_DISTANCE | TLSI_IF_WITHIN);
	if (it->kind == RP_ISDATAAT || it->kind == RP_BYTE_TEST || it->kind == RP_BYTE_JUMP ||
	    it->kind == RP_PCRE || it->kind == RP_BASE64 || it->kind == RP_BYTE_EXTRACT)
		return it->flags & TLSI_IF_RELATIVE;
	return false;
}

/* Must a failure after content `it' try its next occurrence? Only if the
 * next keyword depends on where it matched in a way a later match could
 * satisfy: not a positive content bounded only by distance. */
static bool needs_retry(const struct rp_item *it, const struct rp_item *next)
{
	if (!next || !is_relative(next))
		return false;
	if (next->kind == RP_CONTENT && !(next->flags & TLSI_IF_NEGATE) &&
	    !(next->flags & (TLSI_IF_WITHIN | TLSI_IF_DEPTH)))
		return false;
	return true;
}

static int add_fp(struct cstate *c, uint16_t slot, const struct rp_item *it,
		  uint32_t bytes_off, uint32_t rule)
{
	struct fp_entry *e;

	if (c->nfp == c->fpcap) {
		size_t nc = c->fpcap ? c->fpcap * 2 : 1024;
		struct fp_entry *n = realloc(c->fp, nc * sizeof(*n));

		if (!n)
			return oom(c);
		c->fp = n;
		c->fpcap = nc;
	}
	e = &c->fp[c->nfp++];
	e->slot = slot;
	e->nocase = (it->flags & TLSI_IF_NOCASE) != 0;
	e->p = it->pat + (it->fast_chop ? it->fp_off : 0);
	e->len = it->fast_chop ? it->fp_len : it->len;
	e->bytes_off = bytes_off + (it->fast_chop ? it->fp_off : 0);
	e->rule = rule;
	return 0;
}

static int add_once(struct cstate *c, unsigned int slot, uint32_t rule)
{
	uint32_t *n = realloc(c->once[slot], (c->nonce[slot] + 1) * sizeof(*n));

	if (!n)
		return oom(c);
	n[c->nonce[slot]++] = rule;
	c->once[slot] = n;
	return 0;
}

/*
 * Does the rule say the same of every chunk of a stream direction? No
 * payload keyword, no dsize, no flowbit test: only the header (addresses,
 * ports, protocol, header fields) decides, so on a stream it is tried on
 * a direction's first chunk only (TLSI_IMG trigger once_count), not again
 * on each of the others.
 */
static bool flow_constant(const struct rp_rule *r)
{
	size_t i;

	if (r->nitems || r->has_dsize || r->has_stream_size || r->has_tls_version ||
	    r->app_events)
		return false;
	for (i = 0; i < r->nxb; i++)
		if (r->xb[i].op < TLSI_FB_SET)
			return false;
	for (i = 0; i < r->nfi; i++)
		if (r->fi[i].op < TLSI_FI_SET)
			return false;
	for (i = 0; i < r->nfb; i++)
		if (r->fb[i].op < TLSI_FB_SET)
			return false;
	return true;
}

static int add_nonmpm(struct cstate *c, unsigned int slot, uint32_t rule)
{
	uint32_t *n = realloc(c->nonmpm[slot], (c->nnonmpm[slot] + 1) * sizeof(*n));

	if (!n)
		return oom(c);
	n[c->nnonmpm[slot]++] = rule;
	c->nonmpm[slot] = n;
	return 0;
}

static int compile_rule(struct cstate *c, const struct rp_rule *r, uint32_t idx,
			struct rc_stats *st)
{
	const struct rp_set *s = c->set;
	struct tlsi_img_rule out = { 0 };
	uint32_t first_insn = (uint32_t)(c->insns.len / sizeof(struct tlsi_img_insn));
	uint32_t *item_off = NULL;
	int bufs[TLSI_BUF_MAX], nbufs = 0, fp = -1;
	bool decoded = false;
	size_t i, k;
	unsigned int d;
	int rc = -1;

	out.sid = r->sid;
	out.gid = r->gid;
	out.rev = r->rev;
	out.action = r->action;
	out.app = r->app;
	out.flow = r->flow;
	out.priority = rp_rule_priority(s, r);
	out.flags = r->flags;
	if (r->proto == RP_PROTO_UDP)
		out.flags |= TLSI_RULE_F_UDP;
	else if (r->proto == RP_PROTO_ICMP)
		out.flags |= TLSI_RULE_F_ICMP;
	else if (r->proto == RP_PROTO_IP)
		out.flags |= TLSI_RULE_F_IP;
	else if (r->proto == RP_PROTO_TCP_PKT)
		out.flags |= TLSI_RULE_F_TCP_PKT;
	out.thresh_type = r->thresh_type;
	out.thresh_track = r->thresh_track;
	out.thresh_count = r->thresh_count;
	out.thresh_seconds = r->thresh_seconds;
	out.line = r->line;
	if (str_put(&c->str, r->msg, &out.msg) || str_put(&c->str, r->classtype, &out.classtype) ||
	    str_put(&c->str, r->meta, &out.meta) || str_put(&c->str, r->file, &out.file))
		return oom(c);
	if (put_addrs(c, &r->src, &out.src_first, &out.src_count) ||
	    put_addrs(c, &r->dst, &out.dst_first, &out.dst_count) ||
	    put_ports_shared(c, &r->sport, &out.sport_first, &out.sport_count) ||
	    put_ports_shared(c, &r->dport, &out.dport_first, &out.dport_count))
		return -1;

	/* group NONE: header tests, dsize, flowbit tests, flowbit changes */
	for (i = 0; i < r->npkt; i++) {
		struct tlsi_img_insn in = { .op = TLSI_OP_PKT, .nbytes = r->pkt[i].field,
					    .cmp = r->pkt[i].cmp, .a = r->pkt[i].a,
					    .b = r->pkt[i].b };

		if (put_insn(c, &in))
			return -1;
	}
	for (i = 0; i < r->nxb; i++) {
		struct tlsi_img_insn in = { .op = TLSI_OP_XBITS, .cmp = r->xb[i].op,
					    .nbytes = r->xb[i].track, .a = r->xb[i].bit,
					    .b = r->xb[i].expire };

		if (put_insn(c, &in))
			return -1;
	}
	for (i = 0; i < TLSI_AEV_MAX; i++) {
		struct tlsi_img_insn in = { .op = TLSI_OP_APP_EVENT, .nbytes = (uint8_t)i };

		if ((r->app_events >> i) & 1 && put_insn(c, &in))
			return -1;
	}
	if (r->has_tls_version) {
		struct tlsi_img_insn in = { .op = TLSI_OP_TLS_VERSION,
					    .nbytes = r->tls_version_raw, .a = r->tls_version };

		if (put_insn(c, &in))
			return -1;
	}
	for (i = 0; i < r->nfi; i++) {
		struct tlsi_img_insn in = { .op = TLSI_OP_FLOWINT, .cmp = r->fi[i].op,
					    .a = r->fi[i].var, .b = r->fi[i].val };

		if (put_insn(c, &in))
			return -1;
	}
	if (r->has_stream_size) {
		struct tlsi_img_insn in = { .op = TLSI_OP_STREAM_SIZE, .nbytes = r->ss_side,
					    .cmp = r->ss_cmp, .a = r->ss_value };

		if (put_insn(c, &in))
			return -1;
	}
	if (r->has_dsize) {
		struct tlsi_img_insn in = { .op = TLSI_OP_DSIZE, .cmp = r->dsize_cmp,
					    .a = r->dsize_a, .b = r->dsize_b };

		if (put_insn(c, &in))
			return -1;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < r->nfb; i++) {
			const struct rp_flowbit *fb = &r->fb[i];
			struct tlsi_img_insn in = { .op = TLSI_OP_FLOWBITS, .cmp = fb->op,
						    .nbytes = fb->n };
			uint32_t *args[] = { &in.a, &in.b, &in.c, &in.d, &in.e };
			unsigned int j;

			if ((fb->op >= TLSI_FB_SET) != (k == 1))
				continue;
			for (j = 0; j < fb->n; j++) {
				int bit = flowbit_no(s, fb->names[j]);

				if (bit < 0) {
					snprintf(c->err, c->errlen, "flowbit %s not registered",
						 fb->names[j]);
					return -1;
				}
				*args[j] = (uint32_t)bit;
			}
			if (put_insn(c, &in))
				return -1;
		}
	}

	/* fast pattern: in a rule that also has decoded buffers (HTTP,
	 * dns.query), payload contents are only checked, never the trigger */
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].buf != TLSI_BUF_RAW)
			decoded = true;
	/* an app-layer event is known once the head is parsed: payload
	 * keywords with it are checked then, on the stream window */
	if (r->app_events)
		decoded = true;
	for (i = 0; i < r->nitems; i++) {
		const struct rp_item *it = &r->items[i];

		/* base64_data contents are not in the scanned buffer */
		if (it->kind != RP_CONTENT || (it->flags & TLSI_IF_NEGATE) || it->b64 ||
		    (decoded && it->buf == TLSI_BUF_RAW))
			continue;
		if (it->fast) {
			fp = (int)i;
			break;
		}
		if (fp < 0 || it->len > r->items[fp].len)
			fp = (int)i;
	}

	/* buffer groups in order of first appearance */
	for (i = 0; i < r->nitems; i++) {
		int b = r->items[i].buf, j;

		for (j = 0; j < nbufs && bufs[j] != b; j++)
			;
		if (j == nbufs)
			bufs[nbufs++] = b;
	}
	item_off = calloc(r->nitems + 1, sizeof(*item_off));
	if (!item_off)
		return oom(c);
	for (k = 0; k < (size_t)nbufs; k++) {
		struct tlsi_img_insn bin = { .op = TLSI_OP_BUFFER, .buf = (uint8_t)bufs[k] };
		if (put_insn(c, &bin))
			goto out;
		for (i = 0; i < r->nitems; i++) {
			const struct rp_item *it = &r->items[i], *next = NULL;
			struct tlsi_img_insn in = { 0 };
			size_t j;

			if (it->buf != bufs[k])
				continue;
			for (j = i + 1; j < r->nitems; j++)
				if (r->items[j].buf == bufs[k]) {
					next = &r->items[j];
					break;
				}
			in.flags = it->flags & ~TLSI_IF_RETRY;
			in.vars = it->vars;
			switch (it->kind) {
			case RP_CONTENT: {
				long off = rc_buf_put(&c->bytes, it->pat, it->len);

				if (off < 0) {
					oom(c);
					goto out;
				}
				item_off[i] = (uint32_t)off;
				in.op = TLSI_OP_CONTENT;
				in.a = (uint32_t)off;
				in.b = it->len;
				in.c = (uint32_t)it->offset;
				in.e = (uint32_t)it->distance;
				in.f = it->within;
				if (it->startswith) {
					in.flags |= TLSI_IF_DEPTH;
					in.d = it->len;
				} else if ((it->flags & TLSI_IF_DEPTH) &&
					   !(it->flags & (TLSI_IF_DISTANCE | TLSI_IF_WITHIN)) &&
					   !(it->vars & (TLSI_IV(2) | TLSI_IV(3)))) {
					/* from variables, the engine adds them */
					in.d = (uint32_t)(((it->flags & TLSI_IF_OFFSET) ? it->offset : 0) +
							  (int64_t)it->depth);
				} else {
					in.d = it->depth;
				}
				if ((int)i == fp)
					in.flags |= TLSI_IF_FAST;
				if (!(it->flags & TLSI_IF_NEGATE) && needs_retry(it, next))
					in.flags |= TLSI_IF_RETRY;
				break;
			}
			case RP_ISDATAAT:
				in.op = TLSI_OP_ISDATAAT;
				in.a = (uint32_t)it->value;
				break;
			case RP_BYTE_TEST:
				in.op = TLSI_OP_BYTE_TEST;
				in.nbytes = it->nbytes;
				in.cmp = it->cmp;
				in.a = (uint32_t)it->value;
				in.b = (uint32_t)(it->value >> 32);
				in.c = (uint32_t)it->boff;
				in.d = it->bitmask;
				in.e = it->base;
				break;
			case RP_BYTE_JUMP:
				in.op = TLSI_OP_BYTE_JUMP;
				in.nbytes = it->nbytes;
				in.a = it->mult;
				in.c = (uint32_t)it->boff;
				in.d = (uint32_t)it->post;
				in.e = it->base;
				in.f = it->bitmask;
				break;
			case RP_PCRE:
				in.op = TLSI_OP_PCRE;
				if (put_regex(c, it->re, &in.a))
					goto out;
				if (!(it->flags & TLSI_IF_NEGATE) && needs_retry(it, next))
					in.flags |= TLSI_IF_RETRY;
				break;
			case RP_BYTE_EXTRACT:
				in.op = TLSI_OP_BYTE_EXTRACT;
				in.nbytes = it->nbytes;
				in.a = it->mult;
				in.b = it->b;
				in.c = (uint32_t)it->boff;
				in.d = it->a;
				in.e = it->base;
				break;
			case RP_BASE64:
				in.op = TLSI_OP_BASE64;
				in.a = (uint32_t)it->value;
				in.c = (uint32_t)it->boff;
				break;
			case RP_BSIZE:
				in.op = TLSI_OP_BSIZE;
				in.flags = 0;
				in.cmp = it->cmp;
				in.a = it->a;
				in.b = it->b;
				break;
			}
			if (put_insn(c, &in))
				goto out;
		}
	}
	out.insn_first = first_insn;
	out.insn_count = (uint32_t)(c->insns.len / sizeof(struct tlsi_img_insn)) - first_insn;

	/* triggers */
	for (d = 0; d < TLSI_DIRS; d++) {
		unsigned int slot;

		if ((r->flow & TLSI_FLOW_TO_SERVER) && d != TLSI_DIR_TO_SERVER)
			continue;
		if ((r->flow & TLSI_FLOW_TO_CLIENT) && d != TLSI_DIR_TO_CLIENT)
			continue;
		if (fp >= 0) {
			slot = d * TLSI_BUF_MAX + r->items[fp].buf;
			if (add_fp(c, (uint16_t)slot, &r->items[fp], item_off[fp], idx))
				goto out;
			/* ip rules also match TCP streams: the stream's
			 * trigger too (their packet view is the stream's) */
			if (r->proto == RP_PROTO_IP &&
			    add_fp(c, (uint16_t)(d * TLSI_BUF_MAX + TLSI_BUF_RAW), &r->items[fp],
				   item_off[fp], idx))
				goto out;
			continue;
		}
		if (r->proto != RP_PROTO_TCP) {
			if (add_nonmpm(c, d * TLSI_BUF_MAX +
				       (r->proto == RP_PROTO_TCP_PKT ? TLSI_BUF_TCP_PKT : TLSI_BUF_PKT),
				       idx))
				goto out;
			if (r->proto == RP_PROTO_IP &&
			    (flow_constant(r) ? add_once(c, d * TLSI_BUF_MAX + TLSI_BUF_RAW, idx)
					      : add_nonmpm(c, d * TLSI_BUF_MAX + TLSI_BUF_RAW, idx)))
				goto out;
			continue;
		}
		if (nbufs) {
			slot = (unsigned int)bufs[0];
			if (slot == TLSI_BUF_RAW && nbufs > 1)
				slot = (unsigned int)bufs[1];
			else if (slot == TLSI_BUF_RAW && r->app_events &&
				 r->app == TLSI_APP_HTTP)
				slot = TLSI_BUF_HTTP_PROTOCOL;	/* each head */
		}
		else if (r->app == TLSI_APP_TLS && r->has_tls_version)
			/* tried with each hello (their JA3/JA3S views) */
			slot = d == TLSI_DIR_TO_SERVER ? TLSI_BUF_TLS_JA3_HASH : TLSI_BUF_TLS_JA3S_HASH;
		else if (r->app == TLSI_APP_TLS)
			slot = d == TLSI_DIR_TO_SERVER ? TLSI_BUF_TLS_SNI : TLSI_BUF_TLS_CERT_SUBJECT;
		else if (r->app == TLSI_APP_HTTP)
			slot = TLSI_BUF_HTTP_PROTOCOL;
		else
			slot = TLSI_BUF_RAW;
		if (slot == TLSI_BUF_RAW && flow_constant(r) ?
		    add_once(c, d * TLSI_BUF_MAX + slot, idx) :
		    add_nonmpm(c, d * TLSI_BUF_MAX + slot, idx))
			goto out;
	}
	if (fp < 0)
		st->nonmpm++;
	if (rc_buf_put(&c->rules, &out, sizeof(out)) < 0) {
		oom(c);
		goto out;
	}
	rc = 0;
out:
	free(item_off);
	return rc;
}

static int cmp_fp(const void *a, const void *b)
{
	const struct fp_entry *x = a, *y = b;
	int r;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	r = memcmp(x->p, y->p, x->len);
	if (r)
		return r;
	if (x->nocase != y->nocase)
		return x->nocase < y->nocase ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Build PATTERNS, RULEIDX lists, automata and triggers. */
static int build_matchers(struct cstate *c, struct rc_stats *st)
{
	struct tlsi_img_trigger *trig = c->trig;
	size_t i = 0, slot;

	if (c->nfp)
		qsort(c->fp, c->nfp, sizeof(*c->fp), cmp_fp);
	memset(c->trig, 0, sizeof(c->trig));
	for (slot = 0; slot < TLSI_DIRS * TLSI_BUF_MAX; slot++) {
		size_t j, start = i, npat = 0, k;
		struct rm_pattern *rp = NULL;
		struct tlsi_img_mpm m;
		uint32_t pat_first = (uint32_t)(c->pats.len / sizeof(struct tlsi_img_pattern));

		trig[slot].mpm = TLSI_IMG_NO_MPM;
		trig[slot].rules_first = (uint32_t)(c->ruleidx.len / 4);
		trig[slot].rules_count = (uint32_t)c->nnonmpm[slot];
		for (k = 0; k < c->nnonmpm[slot]; k++)
			if (rc_buf_put(&c->ruleidx, &c->nonmpm[slot][k], 4) < 0)
				return oom(c);
		trig[slot].once_count = (uint32_t)c->nonce[slot];
		for (k = 0; k < c->nonce[slot]; k++)
			if (rc_buf_put(&c->ruleidx, &c->once[slot][k], 4) < 0)
				return oom(c);
		while (i < c->nfp && c->fp[i].slot == slot)
			i++;
		if (i == start)
			continue;
		rp = malloc((i - start) * sizeof(*rp));
		if (!rp)
			return oom(c);
		for (j = start; j < i;) {
			struct tlsi_img_pattern p = { 0 };
			size_t e = j;

			p.bytes_off = c->fp[j].bytes_off;
			p.len = (uint16_t)c->fp[j].len;
			p.flags = c->fp[j].nocase ? TLSI_PAT_F_NOCASE : 0;
			p.rules_first = (uint32_t)(c->ruleidx.len / 4);
			while (e < i && c->fp[e].len == c->fp[j].len &&
			       c->fp[e].nocase == c->fp[j].nocase &&
			       !memcmp(c->fp[e].p, c->fp[j].p, c->fp[j].len)) {
				if (rc_buf_put(&c->ruleidx, &c->fp[e].rule, 4) < 0) {
					free(rp);
					return oom(c);
				}
				e++;
			}
			p.rules_count = (uint32_t)(e - j);
			if (rc_buf_put(&c->pats, &p, sizeof(p)) < 0) {
				free(rp);
				return oom(c);
			}
			rp[npat].p = c->fp[j].p;
			rp[npat].len = c->fp[j].len;
			npat++;
			j = e;
		}
		if (rm_build(rp, (uint32_t)npat, RM_DENSE_BUDGET, &c->mpmdata, &m, c->err,
			     c->errlen)) {
			free(rp);
			return -1;
		}
		free(rp);
		m.pat_first = pat_first;
		m.pat_count = (uint32_t)npat;
		trig[slot].mpm = (uint32_t)(c->mpms.len / sizeof(m));
		if (rc_buf_put(&c->mpms, &m, sizeof(m)) < 0)
			return oom(c);
		st->patterns += (uint32_t)npat;
		st->automata++;
		st->states += m.nstates;
	}
	return 0;
}

struct order {
	uint32_t idx;
	uint8_t action, fbrank, prio;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->action != y->action)
		return x->action < y->action ? -1 : 1;
	if (x->fbrank != y->fbrank)
		return x->fbrank < y->fbrank ? -1 : 1;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int rc_compile(const struct rp_set *set, uint8_t **img, size_t *len,
	       struct rc_stats *st, char *err, size_t errlen)
{
	struct cstate c = { .set = set, .err = err, .errlen = errlen };
	struct rc_stats dummy;
	struct order *ord = NULL;
	struct tlsi_img_hdr h = { 0 };
	struct rc_buf *sect[TLSI_IMG_NSECT];
	struct rc_buf out = { 0 };
	size_t i, k;
	int rc = -1;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	*img = NULL;
	*len = 0;

	/* variables (flattened) */
	for (i = 0; i < set->nvars; i++) {
		const struct rp_var *v = &set->vars[i];
		struct tlsi_img_var iv = { 0 };

		if (str_put(&c.str, v->name, &iv.name))
			goto oomed;
		iv.kind = (uint8_t)v->kind;
		if (v->kind == TLSI_VAR_ADDR) {
			if (put_addrs(&c, &v->addrs, &iv.first, &iv.count))
				goto fail;
		} else {
			if (put_ports(&c, &v->ports, &iv.first, &iv.count))
				goto fail;
		}
		if (rc_buf_put(&c.vars, &iv, sizeof(iv)) < 0)
			goto oomed;
	}
	for (i = 0; i < set->nflowbits; i++) {
		struct tlsi_img_str fs;

		if (str_put(&c.str, set->flowbits[i], &fs) ||
		    rc_buf_put(&c.fbs, &fs, sizeof(fs)) < 0)
			goto oomed;
	}

	ord = calloc(set->nrules + 1, sizeof(*ord));
	if (!ord)
		goto oomed;
	for (i = 0; i < set->nrules; i++) {
		const struct rp_rule *r = &set->rules[i];
		bool sets = false, tests = false;

		for (k = 0; k < r->nfb; k++) {
			if (r->fb[k].op >= TLSI_FB_SET)
				sets = true;
			else
				tests = true;
		}
		ord[i].idx = (uint32_t)i;
		ord[i].action = r->action;
		ord[i].fbrank = sets && !tests ? 0 : (tests && !sets ? 2 : 1);
		ord[i].prio = rp_rule_priority(set, r);
	}
	qsort(ord, set->nrules, sizeof(*ord), cmp_order);
	for (i = 0; i < set->nrules; i++)
		if (compile_rule(&c, &set->rules[ord[i].idx], (uint32_t)i, st))
			goto fail;
	st->rules = (uint32_t)set->nrules;
	if (build_matchers(&c, st))
		goto fail;

	/* lay out: header, then the sections in order, 8-byte aligned */
	sect[TLSI_IMG_S_STRTAB] = &c.str.b;
	sect[TLSI_IMG_S_BYTES] = &c.bytes;
	sect[TLSI_IMG_S_RULES] = &c.rules;
	sect[TLSI_IMG_S_INSNS] = &c.insns;
	sect[TLSI_IMG_S_ADDRS] = &c.addrs;
	sect[TLSI_IMG_S_PORTS] = &c.ports;
	sect[TLSI_IMG_S_VARS] = &c.vars;
	sect[TLSI_IMG_S_FLOWBITS] = &c.fbs;
	sect[TLSI_IMG_S_TRIGGERS] = NULL;
	sect[TLSI_IMG_S_RULEIDX] = &c.ruleidx;
	sect[TLSI_IMG_S_MPMS] = &c.mpms;
	sect[TLSI_IMG_S_PATTERNS] = &c.pats;
	sect[TLSI_IMG_S_MPMDATA] = &c.mpmdata;
	sect[TLSI_IMG_S_REGEXES] = &c.regexes;
	sect[TLSI_IMG_S_REGEXDATA] = &c.regexdata;
	if (rc_buf_put(&out, NULL, sizeof(h)) < 0)
		goto oomed;
	for (k = 0; k < TLSI_IMG_NSECT; k++) {
		long off;

		if (rc_buf_align(&out, TLSI_IMG_ALIGN))
			goto oomed;
		if (k == TLSI_IMG_S_TRIGGERS) {
			off = rc_buf_put(&out, c.trig, sizeof(c.trig));
			h.sect[k].size = sizeof(c.trig);
		} else {
			off = rc_buf_put(&out, sect[k]->p, sect[k]->len);
			h.sect[k].size = (uint32_t)sect[k]->len;
		}
		if (off < 0)
			goto oomed;
		h.sect[k].off = (uint32_t)off;
	}
	h.magic = TLSI_IMG_MAGIC;
	h.version = TLSI_IMG_VERSION;
	h.hdr_size = sizeof(h);
	h.total_size = (uint32_t)out.len;
	h.nrules = (uint32_t)set->nrules;
	h.nflowbits = (uint32_t)set->nflowbits;
	h.flags = set->pcre == RP_PCRE_PREFILTER ? TLSI_IMG_F_PCRE_PREFILTER : 0;
	h.build_id = tlsi_img_crc32(0, out.p + sizeof(h), out.len - sizeof(h));
	memcpy(out.p, &h, sizeof(h));
	h.crc32 = tlsi_img_crc32(0, out.p, out.len);
	memcpy(out.p, &h, sizeof(h));
	st->mpm_bytes = c.mpmdata.len;
	st->image_bytes = out.len;
	*img = out.p;
	*len = out.len;
	out.p = NULL;
	rc = 0;
	goto done;
oomed:
	oom(&c);
fail:
	rc_buf_free(&out);
done:
	free(ord);
	strtab_free(&c.str);
	rc_buf_free(&c.bytes);
	rc_buf_free(&c.rules);
	rc_buf_free(&c.insns);
	rc_buf_free(&c.addrs);
	rc_buf_free(&c.ports);
	rc_buf_free(&c.vars);
	rc_buf_free(&c.fbs);
	rc_buf_free(&c.ruleidx);
	rc_buf_free(&c.mpms);
	rc_buf_free(&c.pats);
	rc_buf_free(&c.mpmdata);
	rc_buf_free(&c.regexes);
	rc_buf_free(&c.regexdata);
	free(c.fp);
	for (i = 0; i < TLSI_DIRS * TLSI_BUF_MAX; i++) {
		free(c.nonmpm[i]);
		free(c.once[i]);
	}
	return rc;
}

int rc_read_image(const char *path, uint8_t **img, size_t *len, char *err,
		  size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;

	*img = NULL;
	*len = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 20;
			if (cap > (size_t)TLSI_IMG_SIZE_MAX * 2) {
				snprintf(err, errlen, "%s: larger than %u bytes", path,
					 TLSI_IMG_SIZE_MAX);
				goto fail;
			}
			nb = realloc(buf, cap);	/* malloc memory is 16-byte aligned */
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*img = buf;
	*len = n;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}
