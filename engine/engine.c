// SPDX-License-Identifier: GPL-2.0
/*
 * The filter engine's core: flows, stream inspection with a window and
 * pending rules, candidate collection from the automata, rule headers,
 * flowbits, thresholds and verdicts. The protocol decoders (the table
 * tlsi_eng_decoders[]: http2.c, http.c, mail.c, dns.c) call back in here
 * with the buffers they produce.
 */
#include "compat.h"
#include "engine.h"

int tlsi_eng_init(struct tlsi_eng *e, const void *img, size_t len, char *err,
		  size_t errlen)
{
	unsigned int d, b;

	memset(e, 0, sizeof(*e));
	if (tlsi_img_validate(img, len, err, errlen))
		return -1;
	e->img = img;
	e->len = len;
	e->hdr = img;
	e->id = le32v(e->hdr->crc32) ^ le32v(e->hdr->build_id);
	e->nrules = le32v(e->hdr->nrules);
	e->nflowbits = le32v(e->hdr->nflowbits);
	e->rules = tlsi_img_sect(img, TLSI_IMG_S_RULES);
	e->insns = tlsi_img_sect(img, TLSI_IMG_S_INSNS);
	e->ninsns = tlsi_img_sect_size(img, TLSI_IMG_S_INSNS) / sizeof(struct tlsi_img_insn);
	e->strtab = tlsi_img_sect(img, TLSI_IMG_S_STRTAB);
	e->bytes = tlsi_img_sect(img, TLSI_IMG_S_BYTES);
	e->addrs = tlsi_img_sect(img, TLSI_IMG_S_ADDRS);
	e->ports = tlsi_img_sect(img, TLSI_IMG_S_PORTS);
	e->vars = tlsi_img_sect(img, TLSI_IMG_S_VARS);
	e->trig = tlsi_img_sect(img, TLSI_IMG_S_TRIGGERS);
	e->ruleidx = tlsi_img_sect(img, TLSI_IMG_S_RULEIDX);
	e->pats = tlsi_img_sect(img, TLSI_IMG_S_PATTERNS);
	for (d = 0; d < TLSI_DIRS; d++) {
		for (b = 0; b < TLSI_BUF_MAX; b++) {
			uint32_t m = le32v(e->trig[d * TLSI_BUF_MAX + b].mpm);

			if (m == TLSI_IMG_NO_MPM)
				continue;
			tlsi_mpm_view(&e->mpm[d][b], img, m);
			e->has_mpm[d][b] = 1;
		}
	}
	for (b = 0; b < e->nrules; b++)
		if (le16v(e->rules[b].flags) & TLSI_RULE_F_TCP_PKT)
			e->ntcp_pkt++;
	tlsi_eng_lock_init(&e->thresh_lock);
	tlsi_eng_lock_init(&e->xbits_lock);
	return 0;
}

size_t tlsi_eng_scratch_size(const struct tlsi_eng *e)
{
	return sizeof(struct tlsi_eng_scratch) + (e->nrules + 7) / 8;
}

void tlsi_eng_flow_init(struct tlsi_eng_flow *f, const uint8_t caddr[16],
			uint16_t cport, const uint8_t saddr[16], uint16_t sport)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->caddr, caddr, 16);
	memcpy(f->saddr, saddr, 16);
	f->cport = cport;
	f->sport = sport;
}

void tlsi_eng_set_app(struct tlsi_eng_flow *f, enum tlsi_app app)
{
	if (app < TLSI_APP_MAX)
		f->apps |= TLSI_APPS(app);
}

void tlsi_eng_set_raw_only(struct tlsi_eng_flow *f)
{
	f->raw_only = 1;
	f->decoder = 0;
	f->detect = TLSI_DETECT_DONE;
}

void tlsi_eng_set_datagram(struct tlsi_eng_flow *f)
{
	f->dns.datagram = 1;
}

/* A flow last inspected with another image starts over: tuple,
 * recognised protocols and the chosen decoder survive, and so does the
 * framing state (DNS lengths, HTTP/2 frames and HPACK tables at the end of
 * the struct, and the HTTP heads where HTTP/2 assembles its header blocks):
 * it owes nothing to the image, and a framed stream cannot be picked up
 * again in the middle. Reset in place: the flow is too big for a kernel
 * stack copy. */
static void flow_bind(const struct tlsi_eng *e, struct tlsi_eng_flow *f)
{
	uint8_t caddr[16], saddr[16];
	uint16_t cport = f->cport, sport = f->sport, apps = f->apps;
	uint8_t decoder = f->decoder, raw_only = f->raw_only;
	unsigned int d;

	if (f->eng_id == e->id)
		return;
	memcpy(caddr, f->caddr, 16);
	memcpy(saddr, f->saddr, 16);
	memset(f, 0, __builtin_offsetof(struct tlsi_eng_flow, dir));
	for (d = 0; d < TLSI_DIRS; d++) {
		struct tlsi_eng_dir *dd = &f->dir[d];

		if (decoder && tlsi_eng_decoders[decoder - 1].keeps_heads) {
			memset(dd, 0, __builtin_offsetof(struct tlsi_eng_dir, http));
			memset(&dd->mail, 0, sizeof(dd->mail));
		} else {
			memset(dd, 0, sizeof(*dd));
		}
	}
	memcpy(f->caddr, caddr, 16);
	memcpy(f->saddr, saddr, 16);
	f->cport = cport;
	f->sport = sport;
	f->apps = apps;
	f->decoder = decoder;
	f->raw_only = raw_only;
	if (decoder || raw_only)
		f->detect = TLSI_DETECT_DONE;
	f->eng_id = e->id;
}

void tlsi_eng_report(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     enum tlsi_eng_event ev, unsigned int dir)
{
	if (f->events & (1u << ev))
		return;
	f->events |= 1u << ev;
	if (c->cfg && c->cfg->event)
		c->cfg->event(c->cfg->arg, f, ev, (uint8_t)dir);
}

void tlsi_eng_views_reset(struct tlsi_eng_scratch *s)
{
	unsigned int b;

	for (b = 0; b < TLSI_BUF_MAX; b++)
		s->views[b].state = TLSI_VIEW_ABSENT;
}

/* ---- rule headers ---------------------------------------------------------- */

static int cidr_match(const uint8_t *net, unsigned int plen, const uint8_t *a)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(net, a, full))
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (net[full] & mask) == (a[full] & mask);
	}
	return 1;
}

static int addr_list(const struct tlsi_eng *e, uint32_t first, uint32_t count,
		     const uint8_t *a, int depth)
{
	int pos = 0, pos_match = 0;
	uint32_t i;

	for (i = first; i < first + count; i++) {
		const struct tlsi_img_addr *it = &e->addrs[i];
		int m;

		if (it->flags & TLSI_ADDR_F_VAR) {
			const struct tlsi_img_var *v = &e->vars[le32v(it->var)];

			/* validated: a variable's items are never variables */
			m = depth ? 0 : addr_list(e, le32v(v->first), le32v(v->count), a, 1);
		} else {
			m = cidr_match(it->addr, it->plen, a);
		}
		if (it->flags & TLSI_ADDR_F_NEG) {
			if (m)
				return 0;
		} else {
			pos = 1;
			pos_match |= m;
		}
	}
	return !pos || pos_match;
}

static int port_list(const struct tlsi_eng *e, uint32_t first, uint32_t count,
		     uint16_t port, int depth)
{
	int pos = 0, pos_match = 0;
	uint32_t i;

	for (i = first; i < first + count; i++) {
		const struct tlsi_img_port *it = &e->ports[i];
		int m;

		if (it->flags & TLSI_ADDR_F_VAR) {
			const struct tlsi_img_var *v = &e->vars[le32v(it->var)];

			m = depth ? 0 : port_list(e, le32v(v->first), le32v(v->count), port, 1);
		} else {
			m = port >= le16v(it->lo) && port <= le16v(it->hi);
		}
		if (it->flags & TLSI_ADDR_F_NEG) {
			if (m)
				return 0;
		} else {
			pos = 1;
			pos_match |= m;
		}
	}
	return !pos || pos_match;
}

static int header_side(const struct tlsi_eng *e, const struct tlsi_img_rule *r,
		       const uint8_t *src, uint16_t sp, const uint8_t *dst,
		       uint16_t dp)
{
	return addr_list(e, le32v(r->src_first), le32v(r->src_count), src, 0) &&
	       addr_list(e, le32v(r->dst_first), le32v(r->dst_count), dst, 0) &&
	       port_list(e, le16v(r->sport_first), le16v(r->sport_count), sp, 0) &&
	       port_list(e, le16v(r->dport_first), le16v(r->dport_count), dp, 0);
}

/*
 * Is rule r about IP protocol proto, on a packet p (tlsi_eng_datagram())
 * or, p NULL, a TCP stream? TCP packets are for the TCP packet rules
 * alone: ip rules see TCP as streams.
 */
static int proto_applies(const struct tlsi_img_rule *r, unsigned int proto,
			 const struct tlsi_eng_pkt *p)
{
	uint16_t fl = le16v(r->flags);

	if (fl & TLSI_RULE_F_TCP_PKT)
		return p && proto == TLSI_PROTO_TCP;
	if (p && proto == TLSI_PROTO_TCP)
		return 0;
	if (fl & TLSI_RULE_F_IP)
		return 1;
	if (fl & TLSI_RULE_F_UDP)
		return proto == TLSI_PROTO_UDP;
	if (fl & TLSI_RULE_F_ICMP)
		return proto == TLSI_PROTO_ICMP || proto == TLSI_PROTO_ICMPV6;
	return proto == TLSI_PROTO_TCP;
}

/* Is the flow established for packet p (NULL: a stream, which is)? */
static int established(const struct tlsi_eng_flow *f, unsigned int dir,
		       const struct tlsi_eng_pkt *p)
{
	if (!p)
		return 1;
	if (p->proto == TLSI_PROTO_TCP)
		return p->established;
	/* a datagram flow is established once both sides have sent (the
	 * first reply included), as Suricata's UDP and ICMP flows */
	return dir == TLSI_DIR_TO_CLIENT || f->dir[TLSI_DIR_TO_CLIENT].pkts;
}

static int rule_applies(const struct tlsi_eng *e, const struct tlsi_img_rule *r,
			const struct tlsi_eng_flow *f, unsigned int dir,
			unsigned int proto, const struct tlsi_eng_pkt *p)
{
	const uint8_t *src = dir == TLSI_DIR_TO_SERVER ? f->caddr : f->saddr;
	const uint8_t *dst = dir == TLSI_DIR_TO_SERVER ? f->saddr : f->caddr;
	uint16_t sp = dir == TLSI_DIR_TO_SERVER ? f->cport : f->sport;
	uint16_t dp = dir == TLSI_DIR_TO_SERVER ? f->sport : f->cport;

	if (!proto_applies(r, proto, p))
		return 0;
	if ((r->flow & TLSI_FLOW_ESTABLISHED) && !established(f, dir, p))
		return 0;
	if ((r->flow & TLSI_FLOW_NOT_ESTABLISHED) && established(f, dir, p))
		return 0;
	if ((r->flow & TLSI_FLOW_TO_SERVER) && dir != TLSI_DIR_TO_SERVER)
		return 0;
	if ((r->flow & TLSI_FLOW_TO_CLIENT) && dir != TLSI_DIR_TO_CLIENT)
		return 0;
	if (r->app != TLSI_APP_ANY && !(f->apps & TLSI_APPS(r->app)))
		return 0;
	if (header_side(e, r, src, sp, dst, dp))
		return 1;
	return (le16v(r->flags) & TLSI_RULE_F_BIDIR) &&
	       header_side(e, r, dst, dp, src, sp);
}

/* ---- candidates ------------------------------------------------------------- */

struct collect {
	struct tlsi_eng_ctx *c;
	struct tlsi_eng_flow *f;
	const struct tlsi_mpm *m;
	unsigned int dir;
};

static void cand_add(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, uint32_t ri)
{
	struct tlsi_eng_scratch *s = c->s;

	if (s->candbits[ri >> 3] & (1u << (ri & 7)))
		return;
	if (s->ncand >= TLSI_ENG_CAND_MAX) {
		tlsi_eng_report(c, f, TLSI_EV_CAND_OVERFLOW, dir);
		return;
	}
	s->candbits[ri >> 3] |= 1u << (ri & 7);
	s->cand[s->ncand++] = ri;
}

static void cand_list(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir, uint32_t first, uint32_t count)
{
	uint32_t i;

	for (i = first; i < first + count; i++)
		cand_add(c, f, dir, le32v(c->eng->ruleidx[i]));
}

static int collect_cb(void *arg, uint32_t pat, size_t end)
{
	struct collect *k = arg;
	const struct tlsi_img_pattern *p = &k->m->pats[pat];

	cand_list(k->c, k->f, k->dir, le32v(p->rules_first), le32v(p->rules_count));
	return 0;
}

static void cand_sort_clear_bits(struct tlsi_eng_scratch *s)
{
	static const uint32_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	uint32_t n = s->ncand, g, i, j;

	for (g = 0; g < TLSI_ENG_ARRAY_SIZE(gaps); g++) {
		uint32_t gap = gaps[g];

		for (i = gap; i < n; i++) {
			uint32_t t = s->cand[i];

			for (j = i; j >= gap && s->cand[j - gap] > t; j -= gap)
				s->cand[j] = s->cand[j - gap];
			s->cand[j] = t;
		}
	}
	for (i = 0; i < n; i++)
		s->candbits[s->cand[i] >> 3] &= ~(1u << (s->cand[i] & 7));
}

/* ---- matches ----------------------------------------------------------------- */

static void flowbits_apply(const struct tlsi_eng *e, struct tlsi_eng_flow *f,
			   const struct tlsi_img_rule *r)
{
	const struct tlsi_img_insn *in = e->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k, i;

	for (k = 0; k < n; k++) {
		if (in[k].op != TLSI_OP_FLOWBITS || in[k].cmp < TLSI_FB_SET)
			continue;
		for (i = 0; i < in[k].nbytes; i++) {
			uint32_t bit = tlsi_insn_arg(&in[k], i);
			uint8_t m = (uint8_t)(1u << (bit & 7));

			if (in[k].cmp == TLSI_FB_SET)
				f->flowbits[bit >> 3] |= m;
			else if (in[k].cmp == TLSI_FB_UNSET)
				f->flowbits[bit >> 3] &= ~m;
			else
				f->flowbits[bit >> 3] ^= m;
		}
	}
}

/* The changes rule r's flowint keywords make on a match. */
static void flowints_apply(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f, unsigned int dir,
			   const struct tlsi_img_rule *r)
{
	const struct tlsi_img_insn *in = c->eng->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k, i;

	for (k = 0; k < n; k++) {
		struct tlsi_eng_flowint *v = NULL, *free_slot = NULL;
		uint32_t b;

		if (in[k].op != TLSI_OP_FLOWINT || in[k].cmp < TLSI_FI_SET)
			continue;
		for (i = 0; i < TLSI_ENG_FLOWINTS; i++) {
			if (!f->flowints[i].set) {
				if (!free_slot)
					free_slot = &f->flowints[i];
			} else if (f->flowints[i].var == le32v(in[k].a)) {
				v = &f->flowints[i];
			}
		}
		/* Suricata: subtracting from a variable not set does nothing */
		if (!v && in[k].cmp == TLSI_FI_SUB)
			continue;
		if (!v) {
			if (!free_slot) {
				tlsi_eng_report(c, f, TLSI_EV_FLOWINT_FULL, dir);
				continue;
			}
			v = free_slot;
			v->var = (uint16_t)le32v(in[k].a);
			v->set = 1;
			v->val = 0;
		}
		b = le32v(in[k].b);
		if (in[k].cmp == TLSI_FI_SET)
			v->val = b;
		else if (in[k].cmp == TLSI_FI_ADD)
			v->val += b;
		else
			v->val -= b;
	}
}

/* ---- xbits ------------------------------------------------------------------------ */

/* The key of an xbit for the data of dir: its address(es) and hash. */
static uint32_t xbit_key(const struct tlsi_eng_flow *f, unsigned int dir,
			 const struct tlsi_img_insn *in, uint8_t key[32])
{
	const uint8_t *src = dir == TLSI_DIR_TO_SERVER ? f->caddr : f->saddr;
	const uint8_t *dst = dir == TLSI_DIR_TO_SERVER ? f->saddr : f->caddr;
	uint32_t h = (le32v(in->a) + 1) * 2654435761u ^ in->nbytes;
	unsigned int i;

	memset(key, 0, 32);
	if (in->nbytes == TLSI_XT_IP_SRC) {
		memcpy(key, src, 16);
	} else if (in->nbytes == TLSI_XT_IP_DST) {
		memcpy(key, dst, 16);
	} else {
		int lower = memcmp(src, dst, 16) <= 0;

		memcpy(key, lower ? src : dst, 16);
		memcpy(key + 16, lower ? dst : src, 16);
	}
	for (i = 0; i < 32; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static int xbit_is(const struct tlsi_eng_xbit *x, const struct tlsi_img_insn *in,
		   const uint8_t key[32])
{
	return x->bit == le32v(in->a) + 1 && x->track == in->nbytes &&
	       !memcmp(x->addr, key, 32);
}

/* The slot of the bit (live), else NULL; *room: a free or expired slot.
 * Called with the lock held. */
static struct tlsi_eng_xbit *xbit_find(const struct tlsi_eng *e, uint64_t now,
				       const struct tlsi_img_insn *in, const uint8_t key[32],
				       uint32_t h, struct tlsi_eng_xbit **room)
{
	unsigned int i;

	*room = NULL;
	for (i = 0; i < TLSI_XBITS_PROBE && i < e->nxbits; i++) {
		struct tlsi_eng_xbit *x = &e->xbits[(h + i) & (e->nxbits - 1)];
		int live = x->bit && now <= x->expire_ms;

		if (live && xbit_is(x, in, key))
			return x;
		if (!live && !*room)
			*room = x;
	}
	return NULL;
}

int tlsi_eng_xbits_test(struct tlsi_eng_ctx *c, const struct tlsi_eng_flow *f,
			unsigned int dir, const struct tlsi_img_insn *in)
{
	const struct tlsi_eng *e = c->eng;
	struct tlsi_eng_xbit *room;
	uint8_t key[32];
	uint32_t h;
	int set;

	if (in->cmp != TLSI_FB_ISSET && in->cmp != TLSI_FB_ISNOTSET)
		return 1;		/* changes act after a match */
	if (!e->xbits || !e->nxbits)
		return in->cmp == TLSI_FB_ISNOTSET;
	h = xbit_key(f, dir, in, key);
	tlsi_eng_lock((tlsi_eng_lock_t *)&e->xbits_lock);
	set = xbit_find(e, c->now_ms, in, key, h, &room) != NULL;
	tlsi_eng_unlock((tlsi_eng_lock_t *)&e->xbits_lock);
	return in->cmp == TLSI_FB_ISSET ? set : !set;
}

static void xbits_apply(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			unsigned int dir, const struct tlsi_img_rule *r)
{
	const struct tlsi_eng *e = c->eng;
	const struct tlsi_img_insn *in = e->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k;

	if (!e->xbits || !e->nxbits)
		return;
	for (k = 0; k < n; k++) {
		struct tlsi_eng_xbit *x, *room;
		uint8_t key[32];
		uint32_t h;
		int full = 0;

		if (in[k].op != TLSI_OP_XBITS || in[k].cmp < TLSI_FB_SET)
			continue;
		h = xbit_key(f, dir, &in[k], key);
		tlsi_eng_lock((tlsi_eng_lock_t *)&e->xbits_lock);
		x = xbit_find(e, c->now_ms, &in[k], key, h, &room);
		if (x && in[k].cmp != TLSI_FB_SET) {
			x->bit = 0;		/* unset, or toggled off */
		} else if (in[k].cmp != TLSI_FB_UNSET) {
			if (!x)
				x = room;
			if (x) {
				x->bit = le32v(in[k].a) + 1;
				x->track = in[k].nbytes;
				memcpy(x->addr, key, 32);
				x->expire_ms = c->now_ms + (uint64_t)le32v(in[k].b) * 1000;
			} else {
				full = 1;
			}
		}
		tlsi_eng_unlock((tlsi_eng_lock_t *)&e->xbits_lock);
		if (full)
			tlsi_eng_report(c, f, TLSI_EV_XBITS_FULL, dir);
	}
}

/*
 * Threshold bookkeeping: returns whether this match counts as a match
 * (detection_filter) and, in *alert, whether it alerts. Without a table
 * from the caller every match counts and alerts.
 */
static int thresh_check(struct tlsi_eng_ctx *c, const struct tlsi_eng_flow *f,
			unsigned int dir, uint32_t ri, int *alert)
{
	const struct tlsi_eng *e = c->eng;
	const struct tlsi_img_rule *r = &e->rules[ri];
	struct tlsi_eng_thresh *t;
	const uint8_t *addr;
	uint64_t win;
	uint32_t h, i, cnt;
	int counts = 1;

	*alert = 1;
	if (r->thresh_type == TLSI_THRESH_NONE || !e->thresh || !e->nthresh)
		return 1;
	/* by_src/by_dst: the rule's notion of source is the data's sender */
	if (r->thresh_track == TLSI_TRACK_SRC)
		addr = dir == TLSI_DIR_TO_SERVER ? f->caddr : f->saddr;
	else
		addr = dir == TLSI_DIR_TO_SERVER ? f->saddr : f->caddr;
	h = ri * 2654435761u;
	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	win = (uint64_t)le32v(r->thresh_seconds) * 1000;
	cnt = le32v(r->thresh_count);

	tlsi_eng_lock((tlsi_eng_lock_t *)&e->thresh_lock);
	t = &e->thresh[h & (e->nthresh - 1)];
	if (t->rule != ri + 1 || memcmp(t->addr, addr, 16) ||
	    c->now_ms - t->start_ms >= win) {
		/* new window (an unrelated entry in the slot is evicted) */
		t->rule = ri + 1;
		memcpy(t->addr, addr, 16);
		t->start_ms = c->now_ms;
		t->count = 0;
	}
	t->count++;
	switch (r->thresh_type) {
	case TLSI_THRESH_LIMIT:
		*alert = t->count <= cnt;
		break;
	case TLSI_THRESH_THRESHOLD:
		*alert = t->count % cnt == 0;
		break;
	case TLSI_THRESH_BOTH:
		*alert = t->count == cnt;
		break;
	case TLSI_THRESH_DETECTION:
		counts = t->count > cnt;
		*alert = counts;
		break;
	}
	tlsi_eng_unlock((tlsi_eng_lock_t *)&e->thresh_lock);
	return counts;
}

/* The buffer a rule is about: its fast pattern's, else its first. */
static unsigned int rule_buf(const struct tlsi_eng *e, const struct tlsi_img_rule *r)
{
	const struct tlsi_img_insn *in = e->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k;
	unsigned int group = TLSI_BUF_NONE, first = TLSI_BUF_NONE;

	for (k = 0; k < n; k++) {
		if (in[k].op == TLSI_OP_BUFFER) {
			group = in[k].buf;
			if (first == TLSI_BUF_NONE)
				first = group;
		} else if (in[k].op == TLSI_OP_CONTENT &&
			   (le16v(in[k].flags) & TLSI_IF_FAST)) {
			return group;
		}
	}
	return first == TLSI_BUF_NONE ? TLSI_BUF_RAW : first;
}

static void fire(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		 unsigned int dir, uint32_t ri, unsigned int buf)
{
	const struct tlsi_eng *e = c->eng;
	const struct tlsi_img_rule *r = &e->rules[ri];
	struct tlsi_eng_alert a;
	int alert;

	if (!thresh_check(c, f, dir, ri, &alert))
		return;
	if (e->hits)
		tlsi_eng_count(&e->hits[ri]);
	flowbits_apply(e, f, r);
	flowints_apply(c, f, dir, r);
	xbits_apply(c, f, dir, r);
	switch (r->action) {
	case TLSI_ACT_PASS:
		f->passed = 1;
		if (f->verdict == TLSI_ENG_V_CONTINUE)
			f->verdict = TLSI_ENG_V_PASS;
		return;
	case TLSI_ACT_DROP:
		if (f->verdict != TLSI_ENG_V_REJECT)
			f->verdict = TLSI_ENG_V_DROP;
		break;
	case TLSI_ACT_REJECT:
		f->verdict = TLSI_ENG_V_REJECT;
		break;
	}
	if (!alert || (le16v(r->flags) & TLSI_RULE_F_NOALERT))
		return;
	if (!c->cfg || !c->cfg->alert)
		return;
	if (!tlsi_buf_is_stream(buf) && buf != TLSI_BUF_PKT && buf != TLSI_BUF_TCP_PKT)
		buf = rule_buf(e, r);
	a.rule = ri;
	a.r = r;
	a.dir = (uint8_t)dir;
	a.buf = (uint8_t)buf;
	a.action = r->action;
	a.stream_off = f->dir[dir].seen;
	if (tlsi_buf_is_dns(buf))
		a.tx = f->dns.tx;
	else
		a.tx = (buf == TLSI_BUF_RAW || buf == TLSI_BUF_PKT || buf == TLSI_BUF_TCP_PKT ||
			tlsi_buf_is_tls(buf)) ?
		       0 : f->dir[dir].http.tx;
	c->cfg->alert(c->cfg->arg, f, &a);
}

static int fired_before(const struct tlsi_eng_stream *st, uint32_t ri)
{
	unsigned int i;

	for (i = 0; i < st->nfired; i++)
		if (st->fired[i] == ri)
			return 1;
	return 0;
}

static void pend_add(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, struct tlsi_eng_stream *st, uint32_t ri,
		     int anchored)
{
	unsigned int i;

	for (i = 0; i < st->npend; i++)
		if (st->pend[i].rule == ri)
			return;
	if (st->npend >= TLSI_ENG_PENDING) {
		tlsi_eng_report(c, f, TLSI_EV_PENDING_OVERFLOW, dir);
		return;
	}
	st->pend[st->npend].rule = ri;
	st->pend[st->npend].anchored = (uint8_t)anchored;
	st->pend[st->npend].since = st->off;
	st->npend++;
}

/* ---- header-like units (HTTP headers, TLS) -------------------------------------- */

void tlsi_eng_unit(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, unsigned int first, unsigned int last)
{
	const struct tlsi_eng *e = c->eng;
	struct tlsi_eng_scratch *s = c->s;
	struct collect k = { .c = c, .f = f, .dir = dir };
	unsigned int b;
	uint32_t i;

	s->ncand = 0;
	for (b = first; b <= last && b < TLSI_BUF_MAX; b++) {
		const struct tlsi_img_trigger *t = &e->trig[dir * TLSI_BUF_MAX + b];
		const struct tlsi_eng_view *v = &s->views[b];

		if (v->state != TLSI_VIEW_PRESENT)
			continue;
		if (e->has_mpm[dir][b]) {
			k.m = &e->mpm[dir][b];
			tlsi_mpm_scan(k.m, 0, v->p, v->len, collect_cb, &k);
		}
		cand_list(c, f, dir, le32v(t->rules_first), le32v(t->rules_count));
	}
	cand_sort_clear_bits(s);
	for (i = 0; i < s->ncand && !f->passed; i++) {
		uint32_t ri = s->cand[i];
		unsigned int more_buf = TLSI_BUF_BODY;
		int rc;

		if (!rule_applies(e, &e->rules[ri], f, dir, TLSI_PROTO_TCP, NULL))
			continue;
		rc = tlsi_eval_rule(c, f, dir, ri, &more_buf);
		if (rc == TLSI_EV_MATCH)
			fire(c, f, dir, ri, first);
		else if (rc == TLSI_EV_MORE && more_buf == TLSI_BUF_BODY)
			pend_add(c, f, dir, &f->dir[dir].body, ri, 0);
	}
	s->ncand = 0;
}

/* ---- decoders ------------------------------------------------------------------ */

/* SMTP is only believed after a 220 greeting (FTP greets with 220 too). */
static int mail_detect(struct tlsi_eng_flow *f, unsigned int dir,
		       const uint8_t *p, size_t n)
{
	int m = tlsi_mail_detect(f, dir, p, n);

	if (m > 0 && (f->apps & TLSI_APPS(TLSI_APP_SMTP)) &&
	    f->detect != TLSI_DETECT_SAW_220) {
		f->apps &= ~TLSI_APPS(TLSI_APP_SMTP);
		m = 0;
	}
	if (m <= 0 && dir == TLSI_DIR_TO_CLIENT && n >= 3 && !memcmp(p, "220", 3))
		f->detect = TLSI_DETECT_SAW_220;
	return m;
}

static int http_detect(struct tlsi_eng_flow *f, unsigned int dir,
		       const uint8_t *p, size_t n)
{
	int h = tlsi_http_detect(dir, p, n);

	if (h > 0)
		f->apps |= TLSI_APPS(TLSI_APP_HTTP);
	return h;
}

static int dns_detect(struct tlsi_eng_flow *f, unsigned int dir,
		      const uint8_t *p, size_t n)
{
	uint8_t framed[sizeof(f->dbuf[0])];
	int d;

	if (f->dns.datagram) {
		/* A datagram is one message: judge it as TCP's framing would
		 * present it, with a length prefix that fits any question. */
		framed[0] = 0xff;
		framed[1] = 0xff;
		n = TLSI_ENG_MIN(n, sizeof(framed) - 2);
		memcpy(framed + 2, p, n);
		p = framed;
		n += 2;
	}
	d = tlsi_dns_detect(dir, p, n);

	if (d > 0)
		f->apps |= TLSI_APPS(TLSI_APP_DNS);
	return d;
}

const struct tlsi_eng_decoder tlsi_eng_decoders[] = {
	/* first: its preface would otherwise read as an unknown method */
	{ .name = "http2", .keeps_heads = 1,
	  .detect = tlsi_http2_detect, .feed = tlsi_http2_feed,
	  .eof = tlsi_http2_eof, .views = tlsi_http2_views,
	  .undecided = tlsi_http2_undecided },
	/* TLS in the clear: no app forces it (a decrypted flow's TLS bit
	 * means what is inside is inspected, not the records) */
	{ .name = "tls", .detect = tlsi_tls_detect, .feed = tlsi_tls_feed },
	{ .name = "http", .forced = TLSI_APPS(TLSI_APP_HTTP),
	  .detect = http_detect, .feed = tlsi_http_feed, .eof = tlsi_http_eof,
	  .views = tlsi_http_views },
	{ .name = "mail", .forced = TLSI_APPS(TLSI_APP_SMTP) |
	  TLSI_APPS(TLSI_APP_IMAP) | TLSI_APPS(TLSI_APP_POP3),
	  .detect = mail_detect, .feed = tlsi_mail_feed },
	{ .name = "dns", .forced = TLSI_APPS(TLSI_APP_DNS),
	  .detect = dns_detect, .feed = tlsi_dns_feed },
};
const unsigned int tlsi_eng_ndecoders = TLSI_ENG_ARRAY_SIZE(tlsi_eng_decoders);

/* The row a forced app (tlsi_eng_set_app()) names, or -1. */
static int forced_row(const struct tlsi_eng_flow *f)
{
	unsigned int i;

	for (i = 0; i < tlsi_eng_ndecoders; i++)
		if (tlsi_eng_decoders[i].forced & f->apps)
			return (int)i;
	return -1;
}

/* The flow's decoder: the one chosen, else none. */
static const struct tlsi_eng_decoder *decoder_of(const struct tlsi_eng_flow *f)
{
	return f->decoder ? &tlsi_eng_decoders[f->decoder - 1] : NULL;
}

/* ---- streams -------------------------------------------------------------------- */

void tlsi_eng_raw_view(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		       unsigned int dir)
{
	const struct tlsi_eng_stream *st = &f->dir[dir].raw;
	struct tlsi_eng_view *v = &c->s->views[TLSI_BUF_RAW];

	v->p = st->win;
	v->len = st->win_len;
	v->base = st->off - st->win_len;
	v->final = 1;
	v->state = TLSI_VIEW_PRESENT;
}

static void win_push(struct tlsi_eng_stream *st, const uint8_t *p, size_t n)
{
	size_t keep;

	if (n >= TLSI_ENG_WINDOW) {
		memcpy(st->win, p + n - TLSI_ENG_WINDOW, TLSI_ENG_WINDOW);
		st->win_len = TLSI_ENG_WINDOW;
		return;
	}
	keep = TLSI_ENG_MIN((size_t)st->win_len, TLSI_ENG_WINDOW - n);
	if (keep < st->win_len)
		memmove(st->win, st->win + st->win_len - keep, keep);
	memcpy(st->win + keep, p, n);
	st->win_len = (uint16_t)(keep + n);
}

static void stream_piece(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			 unsigned int dir, unsigned int buf,
			 struct tlsi_eng_stream *st, const uint8_t *p, size_t n,
			 int final)
{
	const struct tlsi_eng *e = c->eng;
	struct tlsi_eng_scratch *s = c->s;
	const struct tlsi_img_trigger *t = &e->trig[dir * TLSI_BUF_MAX + buf];
	struct tlsi_eng_pending old[TLSI_ENG_PENDING];
	unsigned int nold = st->npend, i, j;
	struct tlsi_eng_view *v;

	s->ncand = 0;
	if (n && e->has_mpm[dir][buf]) {
		struct collect k = { .c = c, .f = f, .dir = dir,
				     .m = &e->mpm[dir][buf] };

		st->mpm_state = tlsi_mpm_scan(k.m, st->mpm_state, p, n, collect_cb, &k);
	}
	if (n)
		cand_list(c, f, dir, le32v(t->rules_first), le32v(t->rules_count));
	/* header-only rules: once per direction, with its first bytes */
	if (n && !st->off && buf == TLSI_BUF_RAW)
		cand_list(c, f, dir, le32v(t->rules_first) + le32v(t->rules_count),
			  le32v(t->once_count));
	memcpy(old, st->pend, sizeof(old[0]) * nold);
	for (i = 0; i < nold; i++)
		cand_add(c, f, dir, old[i].rule);
	st->npend = 0;

	if (s->ncand) {
		cand_sort_clear_bits(s);
		tlsi_eng_views_reset(s);
		if (buf == TLSI_BUF_BODY) {
			const struct tlsi_eng_decoder *dec = decoder_of(f);

			if (dec && dec->views)
				dec->views(c, f, dir);
			tlsi_eng_raw_view(c, f, dir);
		}
		memcpy(s->stream, st->win, st->win_len);
		if (n)
			memcpy(s->stream + st->win_len, p, n);
		v = &s->views[buf];
		v->p = s->stream;
		v->len = (uint32_t)(st->win_len + n);
		v->base = st->off - st->win_len;
		v->state = TLSI_VIEW_PRESENT;
		v->final = (uint8_t)final;
		/* ip rules' payload keywords read the TCP stream as RAW */
		if (buf == TLSI_BUF_RAW)
			s->views[TLSI_BUF_PKT] = *v;

		for (i = 0; i < s->ncand && !f->passed; i++) {
			uint32_t ri = s->cand[i];
			unsigned int more_buf = buf;
			int rc, was = -1;

			for (j = 0; j < nold; j++)
				if (old[j].rule == ri)
					was = (int)j;
			if (buf == TLSI_BUF_BODY && fired_before(st, ri))
				continue;
			if (!rule_applies(e, &e->rules[ri], f, dir, TLSI_PROTO_TCP, NULL))
				continue;
			rc = tlsi_eval_rule(c, f, dir, ri, &more_buf);
			if (more_buf == TLSI_BUF_PKT && buf == TLSI_BUF_RAW)
				more_buf = buf;
			if (rc == TLSI_EV_MATCH) {
				if (buf == TLSI_BUF_BODY && st->nfired < TLSI_ENG_FIRED)
					st->fired[st->nfired++] = ri;
				fire(c, f, dir, ri, buf);
				continue;
			}
			if (rc != TLSI_EV_MORE || final || more_buf != buf)
				continue;
			if (was >= 0 && old[was].anchored &&
			    st->off + n - old[was].since > TLSI_ENG_WINDOW) {
				/* still waiting, but the chunk in which it
				 * began to wait leaves the window with this
				 * one: given up */
				tlsi_eng_report(c, f, TLSI_EV_WINDOW, dir);
			} else if (st->npend >= TLSI_ENG_PENDING) {
				tlsi_eng_report(c, f, TLSI_EV_PENDING_OVERFLOW, dir);
			} else if (was >= 0) {
				st->pend[st->npend++] = old[was];
			} else {
				st->pend[st->npend].rule = ri;
				st->pend[st->npend].anchored = 1;
				st->pend[st->npend].since = st->off;
				st->npend++;
			}
		}
		s->ncand = 0;
	}
	if (n) {
		win_push(st, p, n);
		st->off += n;
	}
}

void tlsi_eng_stream(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, unsigned int buf, const uint8_t *data,
		     size_t len, int final)
{
	struct tlsi_eng_stream *st = buf == TLSI_BUF_RAW ? &f->dir[dir].raw
							  : &f->dir[dir].body;

	while (len > TLSI_ENG_PIECE && !f->passed) {
		stream_piece(c, f, dir, buf, st, data, TLSI_ENG_PIECE, 0);
		data += TLSI_ENG_PIECE;
		len -= TLSI_ENG_PIECE;
	}
	if (!f->passed && (len || final))
		stream_piece(c, f, dir, buf, st, data, len, final);
	if (final)
		st->npend = 0;
}

/* ---- entry points ------------------------------------------------------------------- */

/*
 * Protocol recognition from the first bytes of each direction, kept in
 * f->dbuf until decided: each decoder of the table in turn. Returns how
 * many earlier bytes of dir (before this chunk) the decoder that was just
 * chosen has not seen yet.
 */
static size_t detect(struct tlsi_eng_flow *f, unsigned int dir,
		     const uint8_t *p, size_t n)
{
	size_t before = f->dlen[dir], take;
	int maybe = 0, forced = forced_row(f);
	unsigned int i;

	if (f->decoder) {
		f->detect = TLSI_DETECT_DONE;
		return 0;
	}
	take = TLSI_ENG_MIN(n, sizeof(f->dbuf[dir]) - before);
	memcpy(f->dbuf[dir] + before, p, take);
	f->dlen[dir] = (uint8_t)(before + take);
	for (i = 0; i < tlsi_eng_ndecoders; i++) {
		const struct tlsi_eng_decoder *dec = &tlsi_eng_decoders[i];
		int r;

		/* A forced app chooses its decoder, unless a decoder no app
		 * forces (HTTP/2, known by its preface: h2c on a port said
		 * to carry HTTP) recognises the stream first. */
		if (forced >= 0 && (i == (unsigned int)forced || dec->forced)) {
			if (maybe && f->dlen[dir] < sizeof(f->dbuf[dir]))
				return 0;	/* that decoder is not sure yet */
			i = (unsigned int)forced;
			f->decoder = (uint8_t)(i + 1);
			f->detect = TLSI_DETECT_DONE;
			return before;
		}
		r = dec->detect(f, dir, f->dbuf[dir], f->dlen[dir]);
		if (r > 0) {
			f->decoder = (uint8_t)(i + 1);
			f->detect = TLSI_DETECT_DONE;
			return before;
		}
		maybe |= r < 0;
	}
	if (f->detect == TLSI_DETECT_SAW_220 && dir == TLSI_DIR_TO_CLIENT)
		return 0;
	if (maybe && f->dlen[dir] < sizeof(f->dbuf[dir]))
		return 0;	/* undecided: wait for more bytes */
	if (dir == TLSI_DIR_TO_SERVER)
		f->detect = TLSI_DETECT_DONE;	/* the client spoke: decided */
	return 0;
}

enum tlsi_eng_verdict tlsi_eng_inspect(struct tlsi_eng_ctx *c,
				       struct tlsi_eng_flow *f, unsigned int dir,
				       const uint8_t *data, size_t len)
{
	const struct tlsi_eng_cfg *cfg = c->cfg;
	const struct tlsi_eng_decoder *dec;
	struct tlsi_eng_dir *d;
	size_t n = len, early = 0;

	if (dir >= TLSI_DIRS)
		return (enum tlsi_eng_verdict)f->verdict;
	flow_bind(c->eng, f);
	d = &f->dir[dir];
	if (f->passed || d->done || !len)
		return (enum tlsi_eng_verdict)f->verdict;
	if (cfg && cfg->depth) {
		if (d->seen >= cfg->depth) {
			d->done = 1;
			return (enum tlsi_eng_verdict)f->verdict;
		}
		if (n > cfg->depth - d->seen) {
			n = (size_t)(cfg->depth - d->seen);
			tlsi_eng_report(c, f, TLSI_EV_DEPTH, dir);
		}
	}
	d->chunk = (uint32_t)TLSI_ENG_MIN(len, (size_t)0xffffffffu);
	if (f->detect != TLSI_DETECT_DONE)
		early = detect(f, dir, data, n);
	else if (!f->decoder && !f->raw_only && forced_row(f) >= 0)	/* declared late */
		f->decoder = (uint8_t)(forced_row(f) + 1);

	tlsi_eng_stream(c, f, dir, TLSI_BUF_RAW, data, n, 0);
	dec = f->passed ? NULL : decoder_of(f);
	if (dec) {
		if (early)
			dec->feed(c, f, dir, f->dbuf[dir], early);
		dec->feed(c, f, dir, data, n);
	} else if (!f->passed && f->detect != TLSI_DETECT_DONE) {
		unsigned int i;

		for (i = 0; i < tlsi_eng_ndecoders; i++)
			if (tlsi_eng_decoders[i].undecided)
				tlsi_eng_decoders[i].undecided(c, f, dir, data, n);
	}
	d->seen += n;
	if (cfg && cfg->depth && d->seen >= cfg->depth)
		d->done = 1;
	return (enum tlsi_eng_verdict)f->verdict;
}

enum tlsi_eng_verdict tlsi_eng_eof(struct tlsi_eng_ctx *c,
				   struct tlsi_eng_flow *f, unsigned int dir)
{
	const struct tlsi_eng_decoder *dec;
	struct tlsi_eng_dir *d;

	if (dir >= TLSI_DIRS)
		return (enum tlsi_eng_verdict)f->verdict;
	flow_bind(c->eng, f);
	d = &f->dir[dir];
	if (f->passed || d->done)
		return (enum tlsi_eng_verdict)f->verdict;
	d->chunk = 0;
	tlsi_eng_stream(c, f, dir, TLSI_BUF_RAW, NULL, 0, 1);
	dec = f->passed ? NULL : decoder_of(f);
	if (dec && dec->eof)
		dec->eof(c, f, dir);
	d->done = 1;
	return (enum tlsi_eng_verdict)f->verdict;
}

static void set_view(struct tlsi_eng_scratch *s, unsigned int b,
		     const uint8_t *p, uint32_t len)
{
	if (!p)
		return;
	s->views[b].p = p;
	s->views[b].len = len;
	s->views[b].base = 0;
	s->views[b].final = 1;
	s->views[b].state = TLSI_VIEW_PRESENT;
}

enum tlsi_eng_verdict tlsi_eng_tls(struct tlsi_eng_ctx *c,
				   struct tlsi_eng_flow *f,
				   const struct tlsi_eng_tls_info *ti)
{
	struct tlsi_eng_scratch *s = c->s;
	uint32_t i;

	flow_bind(c->eng, f);
	f->apps |= TLSI_APPS(TLSI_APP_TLS);
	if (f->passed)
		return (enum tlsi_eng_verdict)f->verdict;
	f->dir[TLSI_DIR_TO_SERVER].chunk = 0;
	f->dir[TLSI_DIR_TO_CLIENT].chunk = 0;

	tlsi_eng_views_reset(s);
	if (ti->client_hello) {
		struct tlsi_tls_hello h;
		int rc = tlsi_tls_hello(ti->client_hello, ti->client_hello_len,
					s->tls_fp, sizeof(s->tls_fp), &h);

		if (rc == 0 && h.client) {
			f->dir[TLSI_DIR_TO_SERVER].tls_version = h.version;
			tlsi_tls_views(s, &h, ti->client_hello, ti->client_hello_len);
		} else
			tlsi_eng_report(c, f, rc == -2 ? TLSI_EV_TLS_HELLO_TOO_LONG :
					TLSI_EV_TLS_MALFORMED, TLSI_DIR_TO_SERVER);
	}
	if (ti->sni && ti->sni_len < sizeof(s->derived)) {
		set_view(s, TLSI_BUF_TLS_SNI, ti->sni, ti->sni_len);
		s->derived[0] = '.';
		memcpy(s->derived + 1, ti->sni, ti->sni_len);
		set_view(s, TLSI_BUF_TLS_SNI_DOT, s->derived, ti->sni_len + 1);
	}
	tlsi_eng_unit(c, f, TLSI_DIR_TO_SERVER, TLSI_TLS_UNIT_CLIENT_FIRST,
		      TLSI_TLS_UNIT_CLIENT_LAST);
	tlsi_eng_views_reset(s);
	set_view(s, TLSI_BUF_TLS_CERT_SUBJECT, ti->subject, ti->subject_len);
	set_view(s, TLSI_BUF_TLS_CERT_ISSUER, ti->issuer, ti->issuer_len);
	set_view(s, TLSI_BUF_TLS_CERT_SERIAL, ti->serial, ti->serial_len);
	tlsi_eng_unit(c, f, TLSI_DIR_TO_CLIENT, TLSI_BUF_TLS_CERT_SUBJECT,
		      TLSI_BUF_TLS_CERT_SERIAL);
	for (i = 0; i < ti->ncerts && !f->passed; i++) {
		tlsi_eng_views_reset(s);
		set_view(s, TLSI_BUF_TLS_CERTS, ti->certs[i], ti->cert_lens[i]);
		tlsi_eng_unit(c, f, TLSI_DIR_TO_CLIENT, TLSI_BUF_TLS_CERTS,
			      TLSI_BUF_TLS_CERTS);
	}
	return (enum tlsi_eng_verdict)f->verdict;
}

/* ---- datagrams and packets -------------------------------------------------------- */

enum tlsi_eng_verdict tlsi_eng_datagram(struct tlsi_eng_ctx *c,
					struct tlsi_eng_flow *f, unsigned int dir,
					const struct tlsi_eng_pkt *p)
{
	static const uint8_t empty[1];
	const struct tlsi_eng *e = c->eng;
	struct tlsi_eng_scratch *s = c->s;
	const struct tlsi_img_trigger *t;
	struct tlsi_eng_view *v;
	struct tlsi_eng_dir *d;
	unsigned int b;
	uint32_t i;

	if (dir >= TLSI_DIRS || !p || (!p->payload && p->len))
		return (enum tlsi_eng_verdict)f->verdict;
	flow_bind(e, f);
	d = &f->dir[dir];
	if (f->passed)
		return (enum tlsi_eng_verdict)f->verdict;
	/* the first reply makes the flow established (rule_applies()) */
	if (d->pkts < 255)
		d->pkts++;
	d->chunk = p->len;
	c->pkt = p;
	/* TCP packets meet the TCP packet rules alone (their own buffer,
	 * automaton and lists), other packets the udp, icmp and ip rules */
	b = p->proto == TLSI_PROTO_TCP ? TLSI_BUF_TCP_PKT : TLSI_BUF_PKT;
	tlsi_eng_views_reset(s);
	v = &s->views[b];
	v->p = p->len ? p->payload : empty;
	v->len = p->len;
	v->base = 0;
	v->final = 1;
	v->state = TLSI_VIEW_PRESENT;

	s->ncand = 0;
	if (p->len && e->has_mpm[dir][b]) {
		struct collect k = { .c = c, .f = f, .dir = dir,
				     .m = &e->mpm[dir][b] };

		tlsi_mpm_scan(k.m, 0, p->payload, p->len, collect_cb, &k);
	}
	t = &e->trig[dir * TLSI_BUF_MAX + b];
	cand_list(c, f, dir, le32v(t->rules_first), le32v(t->rules_count));
	cand_sort_clear_bits(s);
	for (i = 0; i < s->ncand && !f->passed; i++) {
		uint32_t ri = s->cand[i];
		unsigned int more_buf = b;

		if (!rule_applies(e, &e->rules[ri], f, dir, p->proto, p))
			continue;
		/* the view is final: MORE cannot come back */
		if (tlsi_eval_rule(c, f, dir, ri, &more_buf) == TLSI_EV_MATCH)
			fire(c, f, dir, ri, b);
	}
	s->ncand = 0;
	d->seen += p->len;
	c->pkt = NULL;
	return (enum tlsi_eng_verdict)f->verdict;
}
