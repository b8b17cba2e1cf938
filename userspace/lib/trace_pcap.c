// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel packet-trace records to pcap (trace_pcap.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"
#include "trace_pcap.h"

int tlsi_trace_set_add(struct tlsi_trace_set *s, const struct nlattr *const *tb)
{
	static const uint16_t need[] = {
		TLSI_A_FLOW_ID, TLSI_A_SRC, TLSI_A_DST, TLSI_A_SPORT, TLSI_A_DPORT,
		TLSI_A_DIRECTION, TLSI_A_TRACE_OFFSET, TLSI_A_TIMESTAMP, TLSI_A_SID,
		TLSI_A_TRACE_FLAGS, TLSI_A_BYTES, TLSI_A_TRACE_ID,
	};
	struct tlsi_trace_rec r = { 0 };
	uint64_t bytes;
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!tb[need[i]])
			return -EPROTO;
	r.id = mnl_attr_get_u64(tb[TLSI_A_TRACE_ID]);
	r.flow_id = mnl_attr_get_u64(tb[TLSI_A_FLOW_ID]);
	r.offset = mnl_attr_get_u64(tb[TLSI_A_TRACE_OFFSET]);
	r.ts = mnl_attr_get_u64(tb[TLSI_A_TIMESTAMP]);
	/* Either family (tlsi_nl_get_cidr() checks the length matches it),
	 * the same at both ends as on the wire. */
	if (tlsi_nl_get_cidr(tb[TLSI_A_SRC], &r.caddr) < 0 ||
	    tlsi_nl_get_cidr(tb[TLSI_A_DST], &r.saddr) < 0 ||
	    r.caddr.family != r.saddr.family)
		return -EPROTO;
	r.cport = mnl_attr_get_u16(tb[TLSI_A_SPORT]);
	r.sport = mnl_attr_get_u16(tb[TLSI_A_DPORT]);
	r.dir = mnl_attr_get_u8(tb[TLSI_A_DIRECTION]);
	r.flags = mnl_attr_get_u32(tb[TLSI_A_TRACE_FLAGS]);
	r.sid = mnl_attr_get_u32(tb[TLSI_A_SID]);
	bytes = mnl_attr_get_u64(tb[TLSI_A_BYTES]);
	if (r.dir > TLSI_IPS_DIR_TO_CLIENT || bytes > UINT32_MAX)
		return -EPROTO;
	r.len = (uint32_t)bytes;
	if (tb[TLSI_A_TRACE_DATA]) {
		if (mnl_attr_get_payload_len(tb[TLSI_A_TRACE_DATA]) != r.len)
			return -EPROTO;
		r.data = malloc(r.len ? r.len : 1);
		if (!r.data)
			return -ENOMEM;
		memcpy(r.data, mnl_attr_get_payload(tb[TLSI_A_TRACE_DATA]), r.len);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct tlsi_trace_rec *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			free(r.data);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = r;
	return 0;
}

void tlsi_trace_set_free(struct tlsi_trace_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].data);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct tlsi_trace_flow *flow_find(struct tlsi_trace_flows *t, uint64_t flow_id)
{
	size_t i;

	if (t->n && t->v[t->last].flow_id == flow_id)
		return &t->v[t->last];
	for (i = 0; i < t->n; i++) {
		if (t->v[i].flow_id == flow_id) {
			t->last = i;
			return &t->v[i];
		}
	}
	return NULL;
}

/* The flow of record r, added (from r) when new; NULL: out of memory. */
static struct tlsi_trace_flow *flow_get(struct tlsi_trace_flows *t,
					const struct tlsi_trace_rec *r)
{
	struct tlsi_trace_flow *f = flow_find(t, r->flow_id);

	if (f)
		return f;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tlsi_trace_flow *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	f = &t->v[t->n];
	memset(f, 0, sizeof(*f));
	f->flow_id = r->flow_id;
	f->sid = r->sid;
	f->caddr = r->caddr;
	f->saddr = r->saddr;
	f->cport = r->cport;
	f->sport = r->sport;
	f->first_ts = r->ts;
	t->last = t->n++;
	return f;
}

int tlsi_trace_flows_build(struct tlsi_trace_flows *t, const struct tlsi_trace_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct tlsi_trace_rec *r = &s->v[i];
		struct tlsi_trace_flow *f = flow_get(t, r);

		if (!f)
			return -ENOMEM;
		f->records++;
		if (r->flags & TLSI_TRACE_F_CAPPED)
			f->capped = true;
		if (r->flags & TLSI_TRACE_F_END) {
			f->ended[r->dir] = true;
			if (!f->have_data[r->dir])
				f->base[r->dir] = r->offset;
			continue;
		}
		f->bytes += r->len;
		if (!f->have_data[r->dir] || r->offset < f->base[r->dir])
			f->base[r->dir] = r->offset;
		f->have_data[r->dir] = true;
	}
	return 0;
}

void tlsi_trace_flows_free(struct tlsi_trace_flows *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* An address as the pcap writer takes it: 16 bytes, IPv4 mapped. */
static void pcap_addr(uint8_t out[16], const struct tlsi_cidr *c)
{
	if (c->family == AF_INET6)
		memcpy(out, c->addr, 16);
	else
		tlsi_pcap_addr4(out, c->addr);
}

int tlsi_trace_write_pcap(struct tlsi_pcap *w, struct tlsi_trace_flows *t,
			  const struct tlsi_trace_set *s, uint64_t *last_id,
			  char *err, size_t errlen)
{
	size_t i;
	int e;

	*last_id = 0;
	for (i = 0; i < t->n; i++) {
		struct tlsi_trace_flow *f = &t->v[i];
		uint8_t c[16], srv[16];

		pcap_addr(c, &f->caddr);
		pcap_addr(srv, &f->saddr);
		tlsi_pcap_flow_init_addr(&f->pf, c, f->cport, srv, f->sport, f->flow_id, f->base);
	}
	for (i = 0; i < s->n; i++) {
		const struct tlsi_trace_rec *r = &s->v[i];
		struct tlsi_trace_flow *f = flow_find(t, r->flow_id);

		if (!f) {		/* t not built from s */
			snprintf(err, errlen, "internal error: trace record of an unknown flow");
			tlsi_pcap_abort(w);
			return -1;
		}
		/* A headers-only record (or a kernel that left the data out). */
		if (!(r->flags & TLSI_TRACE_F_END) && r->len && !r->data) {
			snprintf(err, errlen,
				 "malformed trace record %llu from the kernel: %u bytes without data",
				 (unsigned long long)r->id, r->len);
			tlsi_pcap_abort(w);
			return -1;
		}
		if (r->id > *last_id)
			*last_id = r->id;
		if (r->flags & TLSI_TRACE_F_END)
			e = tlsi_pcap_fin(w, &f->pf, r->dir, r->offset, r->ts, err, errlen);
		else
			e = tlsi_pcap_data(w, &f->pf, r->dir, r->offset, r->data, r->len, r->ts,
					   err, errlen);
		if (e) {
			tlsi_pcap_abort(w);
			return -1;
		}
	}
	return 0;
}
