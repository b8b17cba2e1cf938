// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: the checks after a rule's options are parsed
 * (rp_finish()): what the engine cannot honour in the whole rule makes it
 * skipped with a reason, the rest is completed for the compiler.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"

/* ---- checks after parsing ------------------------------------------------------ */

/* What a rule's items use: buffer kinds, keywords per buffer, direction. */
struct buf_use {
	bool raw, http, tls, body, dns;
	unsigned int per_buf[TLSI_BUF_MAX], groups;
	int dir_need;		/* 1 requests, 2 responses */
};

/* flags and flow:no_stream (pkt_kw): the rule matches TCP packets. */
static int finish_packet_keywords(struct pstate *ps)
{
	struct rp_rule *r = ps->r;
	size_t i;

	if (r->pkt_kw && r->proto == RP_PROTO_IP)
		/* it would have to see TCP packets, not streams */
		return rp_skip(ps, "packet keyword in an ip rule",
			       "%s in an ip rule (ip rules see TCP as streams)", r->pkt_kw);
	if (r->pkt_kw && r->proto == RP_PROTO_TCP) {
		/* flags and flow:no_stream make Suricata match the rule on
		 * packets (SIG_FLAG_REQUIRE_PACKET), payload keywords on the
		 * packet's payload; not_established holds only before the
		 * handshake completed, where there is no stream yet */
		if (r->app != TLSI_APP_ANY)
			return rp_skip(ps, "packet keyword in an application-layer rule",
				       "%s in a %s rule (its streams are inspected, not packets)",
				       r->pkt_kw, rp_app_name(r->app));
		if (r->has_stream_size)
			return rp_skip(ps, "stream_size in a TCP packet rule",
				       "stream_size with %s", r->pkt_kw);
		r->proto = RP_PROTO_TCP_PKT;
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].buf == TLSI_BUF_RAW)
				r->items[i].buf = TLSI_BUF_TCP_PKT;
	}
	return 0;
}

static int check_base64(struct pstate *ps)
{
	struct rp_rule *r = ps->r;
	const struct rp_item *d;
	size_t i;

	if (ps->b64_item < 0)
		return 0;
	/* base64_data is the end of its buffer's keywords (the engine
	 * matches the rest of the group on the decoded bytes) */
	d = &r->items[ps->b64_item];
	for (i = (size_t)ps->b64_item + 1; i < r->nitems; i++)
		if (r->items[i].buf == d->buf && !r->items[i].b64)
			return rp_skip(ps, "unsupported option",
				       "%s keyword after base64_decode on the same buffer",
				       rp_buf_name(d->buf));
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].b64 && r->items[i].buf != d->buf)
			return rp_skip(ps, "unsupported option",
				       "base64_data keyword moved to %s",
				       rp_buf_name(r->items[i].buf));
	return 0;
}

/* A content's own checks; nth: its place among its buffer's keywords. */
static int check_content(struct pstate *ps, struct rp_item *it, unsigned int nth)
{
	unsigned int b = it->buf;

	if (b == TLSI_BUF_TLS_JA3_HASH || b == TLSI_BUF_TLS_JA3S_HASH) {
		/* as Suricata: contents are lower-cased (the buffer
		 * is lower-case hex) and the first must be a whole
		 * hash, or the rule could never match */
		uint32_t u;

		for (u = 0; u < it->len; u++)
			it->pat[u] = (uint8_t)tolower(it->pat[u]);
		if (nth == 1 && it->len != 32)
			return rp_skip(ps, "invalid content", "%s content of %u bytes, not a"
				       " 32-character MD5", rp_buf_name(b), it->len);
	}
	if ((it->flags & TLSI_IF_DEPTH) && !(it->vars & TLSI_IV(3)) && it->depth < it->len &&
	    !(it->flags & (TLSI_IF_DISTANCE | TLSI_IF_WITHIN)))
		return rp_skip(ps, "invalid content", "depth %u shorter than content (%u bytes)",
			       it->depth, it->len);
	if ((it->flags & TLSI_IF_WITHIN) && !(it->vars & TLSI_IV(5)) && it->within < it->len)
		return rp_skip(ps, "invalid content", "within %u shorter than content (%u bytes)",
			       it->within, it->len);
	if (it->startswith && (it->flags & (TLSI_IF_OFFSET | TLSI_IF_DEPTH |
					    TLSI_IF_DISTANCE | TLSI_IF_WITHIN)))
		return rp_skip(ps, "invalid content", "startswith with offset/depth/distance/within");
	return 0;
}

/* The buffers the items use (u), and the direction they need. */
static int check_items(struct pstate *ps, struct buf_use *u)
{
	struct rp_rule *r = ps->r;
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		struct rp_item *it = &r->items[i];
		unsigned int b = it->buf;
		int d = rp_buf_dir(b);

		if (!u->per_buf[b]++)
			u->groups++;
		if (b == TLSI_BUF_RAW)
			u->raw = true;
		else if (b == TLSI_BUF_BODY)
			u->body = true;
		else if (tlsi_buf_is_http(b))
			u->http = true;
		else if (tlsi_buf_is_tls(b))
			u->tls = true;
		else if (tlsi_buf_is_dns(b))
			u->dns = true;
		if (d) {
			if (u->dir_need && u->dir_need != d)
				return rp_skip(ps, "mixes request and response buffers",
					       "%s with buffers of the other direction",
					       rp_buf_name(b));
			u->dir_need = d;
		}
		if (it->kind == RP_CONTENT && check_content(ps, it, u->per_buf[b]))
			return -1;
	}
	if (u->body && ps->body_dir) {
		if (u->dir_need && u->dir_need != ps->body_dir)
			return rp_skip(ps, "mixes request and response buffers",
				       "request and response body with other buffers");
		u->dir_need = ps->body_dir;
	}
	return 0;
}

/* The image's limits, and the buffers a packet rule can have. */
static int check_limits(struct pstate *ps, const struct buf_use *u)
{
	struct rp_rule *r = ps->r;
	size_t k;

	for (k = 0; k < TLSI_BUF_MAX; k++)
		if (u->per_buf[k] > TLSI_IMG_GROUP_MAX)
			return rp_skip(ps, "limit", "more than %d keywords on %s", TLSI_IMG_GROUP_MAX,
				       rp_buf_name((unsigned int)k));
	if (r->nitems + u->groups + 2 * r->nfb + r->nxb + r->nfi + TLSI_AEV_MAX + 3 >
	    TLSI_IMG_INSNS_MAX)
		return rp_skip(ps, "limit", "more than %d instructions", TLSI_IMG_INSNS_MAX);
	if (r->proto != RP_PROTO_TCP) {
		static const char *const names[] = { "tcp", "udp", "icmp", "ip", "tcp packet" };

		/* tls.version is a TLS keyword without a buffer of its own. */
		if (r->has_tls_version)
			return rp_skip(ps, "decoded buffers in a udp, icmp or ip rule",
				       "tls.version in a %s rule (its packets are inspected, not streams)",
				       names[r->proto]);
		for (k = 0; k < TLSI_BUF_MAX; k++)
			if (u->per_buf[k] && k != (r->proto == RP_PROTO_TCP_PKT ?
						    TLSI_BUF_TCP_PKT : TLSI_BUF_PKT))
				return rp_skip(ps, "decoded buffers in a udp, icmp or ip rule",
					       "%s in a %s rule (its packets are inspected, not streams)",
					       rp_buf_name((unsigned int)k), names[r->proto]);
	}
	return 0;
}

/* The application protocol the buffers make the rule (r->app). */
static int settle_app(struct pstate *ps, struct buf_use *u)
{
	struct rp_rule *r = ps->r;

	if (r->has_tls_version && u->raw && !u->http && !u->body)
		return rp_skip(ps, "content on TLS records",
			       "tls.version with payload keywords (the engine sees decrypted data)");
	if (r->has_tls_version)
		u->tls = true;	/* a TLS keyword, like the tls.* buffers */
	if (u->tls && (u->raw || u->http || u->body))
		return rp_skip(ps, "mixes stream and TLS buffers", "tls.* with other buffers");
	if (u->dns && (u->http || u->body || u->tls))
		return rp_skip(ps, "mixes DNS and other decoded buffers",
			       "dns.query with HTTP, TLS or body buffers");
	if (u->raw && (u->http || u->body)) {
		/* payload keywords next to HTTP buffers look at the stream
		 * window when the HTTP buffers are inspected */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "mixes raw stream and HTTP buffers",
				       "payload and HTTP buffers in a %s rule", rp_app_name(r->app));
		r->app = TLSI_APP_HTTP;
	}
	if (u->raw && r->app == TLSI_APP_TLS)
		return rp_skip(ps, "content on TLS records",
			       "tls rule matching raw record bytes (the engine sees decrypted data)");
	if (u->http) {
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "HTTP buffers in a non-HTTP rule",
				       "HTTP buffers in a rule for another protocol");
		r->app = TLSI_APP_HTTP;
	}
	if (u->tls) {
		if (r->app != TLSI_APP_ANY && r->app != TLSI_APP_TLS)
			return rp_skip(ps, "TLS buffers in a non-TLS rule", "%s rule with tls.*",
				       rp_app_name(r->app));
		r->app = TLSI_APP_TLS;
	}
	if (u->dns) {
		/* payload keywords next to dns.query see the stream window
		 * when the question is inspected, as next to HTTP buffers */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_DNS) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "DNS buffers in a non-DNS rule", "%s rule with dns.query",
				       rp_app_name(r->app));
		r->app = TLSI_APP_DNS;
	}
	return 0;
}

/* The flow direction the buffers need (r->flow). */
static int settle_direction(struct pstate *ps, int dir_need)
{
	struct rp_rule *r = ps->r;

	if (dir_need == 1) {
		if (r->flow & TLSI_FLOW_TO_CLIENT)
			return rp_skip(ps, "buffer not in this direction",
				       "request buffers in a to_client rule");
		r->flow |= TLSI_FLOW_TO_SERVER;
	} else if (dir_need == 2) {
		if (r->flow & TLSI_FLOW_TO_SERVER)
			return rp_skip(ps, "buffer not in this direction",
				       "response buffers in a to_server rule");
		r->flow |= TLSI_FLOW_TO_CLIENT;
	}
	return 0;
}

/* A dropped pcre (--pcre=prefilter) needs a content left to match. */
static int check_pcre_dropped(struct pstate *ps)
{
	struct rp_rule *r = ps->r;
	size_t i;

	if (!(r->flags & TLSI_RULE_F_PCRE_DROPPED))
		return 0;
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].kind == RP_CONTENT && !(r->items[i].flags & TLSI_IF_NEGATE))
			return 0;
	return rp_skip(ps, "pcre without content",
		       "pcre is the only pattern (nothing left to match)");
}

int rp_finish(struct pstate *ps)
{
	struct buf_use u = { 0 };

	if (!ps->r->sid)
		return rp_skip(ps, "syntax error", "no sid");
	if (!ps->r->gid)
		ps->r->gid = 1;
	if (finish_packet_keywords(ps) || check_base64(ps) || check_items(ps, &u) ||
	    check_limits(ps, &u) || settle_app(ps, &u) || settle_direction(ps, u.dir_need) ||
	    check_pcre_dropped(ps))
		return -1;
	return 0;
}
