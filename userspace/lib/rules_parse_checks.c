// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: the checks after a rule's options are parsed
 * (finish()): what the engine cannot honour in the whole rule makes it
 * skipped with a reason, the rest is completed for the compiler.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"
/* ---- checks after parsing ------------------------------------------------------ */

int rp_finish(struct pstate *ps)
{
	struct rp_rule *r = ps->r;
	bool raw = false, http = false, tls = false, body = false, dns = false;
	unsigned int per_buf[TLSI_BUF_MAX] = { 0 }, groups = 0;
	int dir_need = 0;	/* 1 requests, 2 responses */
	size_t i, k;

	if (!r->sid)
		return rp_skip(ps, "syntax error", "no sid");
	if (!r->gid)
		r->gid = 1;
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
	if (ps->b64_item >= 0) {
		/* base64_data is the end of its buffer's keywords (the engine
		 * matches the rest of the group on the decoded bytes) */
		const struct rp_item *d = &r->items[ps->b64_item];

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
	}
	for (i = 0; i < r->nitems; i++) {
		struct rp_item *it = &r->items[i];
		unsigned int b = it->buf;
		int d = rp_buf_dir(b);

		if (!per_buf[b]++)
			groups++;
		if (b == TLSI_BUF_RAW)
			raw = true;
		else if (b == TLSI_BUF_BODY)
			body = true;
		else if (tlsi_buf_is_http(b))
			http = true;
		else if (tlsi_buf_is_tls(b))
			tls = true;
		else if (tlsi_buf_is_dns(b))
			dns = true;
		if (d) {
			if (dir_need && dir_need != d)
				return rp_skip(ps, "mixes request and response buffers",
					       "%s with buffers of the other direction",
					       rp_buf_name(b));
			dir_need = d;
		}
		if (it->kind != RP_CONTENT)
			continue;
		if (b == TLSI_BUF_TLS_JA3_HASH || b == TLSI_BUF_TLS_JA3S_HASH) {
			/* as Suricata: contents are lower-cased (the buffer
			 * is lower-case hex) and the first must be a whole
			 * hash, or the rule could never match */
			uint32_t u;

			for (u = 0; u < it->len; u++)
				it->pat[u] = (uint8_t)tolower(it->pat[u]);
			if (per_buf[b] == 1 && it->len != 32)
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
	}
	if (body && ps->body_dir) {
		if (dir_need && dir_need != ps->body_dir)
			return rp_skip(ps, "mixes request and response buffers",
				       "request and response body with other buffers");
		dir_need = ps->body_dir;
	}
	for (k = 0; k < TLSI_BUF_MAX; k++)
		if (per_buf[k] > TLSI_IMG_GROUP_MAX)
			return rp_skip(ps, "limit", "more than %d keywords on %s", TLSI_IMG_GROUP_MAX,
				       rp_buf_name((unsigned int)k));
	if (r->nitems + groups + 2 * r->nfb + r->nxb + r->nfi + TLSI_AEV_MAX + 3 >
	    TLSI_IMG_INSNS_MAX)
		return rp_skip(ps, "limit", "more than %d instructions", TLSI_IMG_INSNS_MAX);
	if (r->proto != RP_PROTO_TCP) {
		static const char *const names[] = { "tcp", "udp", "icmp", "ip", "tcp packet" };

		for (k = 0; k < TLSI_BUF_MAX; k++)
			if (per_buf[k] && k != (r->proto == RP_PROTO_TCP_PKT ?
						 TLSI_BUF_TCP_PKT : TLSI_BUF_PKT))
				return rp_skip(ps, "decoded buffers in a udp, icmp or ip rule",
					       "%s in a %s rule (its packets are inspected, not streams)",
					       rp_buf_name((unsigned int)k), names[r->proto]);
	}
	if (r->has_tls_version && raw && !http && !body)
		return rp_skip(ps, "content on TLS records",
			       "tls.version with payload keywords (the engine sees decrypted data)");
	if (r->has_tls_version)
		tls = true;	/* a TLS keyword, like the tls.* buffers */
	if (tls && (raw || http || body))
		return rp_skip(ps, "mixes stream and TLS buffers", "tls.* with other buffers");
	if (dns && (http || body || tls))
		return rp_skip(ps, "mixes DNS and other decoded buffers",
			       "dns.query with HTTP, TLS or body buffers");
	if (raw && (http || body)) {
		/* payload keywords next to HTTP buffers look at the stream
		 * window when the HTTP buffers are inspected */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "mixes raw stream and HTTP buffers",
				       "payload and HTTP buffers in a %s rule", rp_app_name(r->app));
		r->app = TLSI_APP_HTTP;
	}
	if (raw && r->app == TLSI_APP_TLS)
		return rp_skip(ps, "content on TLS records",
			       "tls rule matching raw record bytes (the engine sees decrypted data)");
	if (http) {
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "HTTP buffers in a non-HTTP rule",
				       "HTTP buffers in a rule for another protocol");
		r->app = TLSI_APP_HTTP;
	}
	if (tls) {
		if (r->app != TLSI_APP_ANY && r->app != TLSI_APP_TLS)
			return rp_skip(ps, "TLS buffers in a non-TLS rule", "%s rule with tls.*",
				       rp_app_name(r->app));
		r->app = TLSI_APP_TLS;
	}
	if (dns) {
		/* payload keywords next to dns.query see the stream window
		 * when the question is inspected, as next to HTTP buffers */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_DNS) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return rp_skip(ps, "DNS buffers in a non-DNS rule", "%s rule with dns.query",
				       rp_app_name(r->app));
		r->app = TLSI_APP_DNS;
	}
	/* direction */
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
	if ((r->flags & TLSI_RULE_F_PCRE_DROPPED)) {
		bool content = false;

		for (i = 0; i < r->nitems; i++)
			if (r->items[i].kind == RP_CONTENT &&
			    !(r->items[i].flags & TLSI_IF_NEGATE))
				content = true;
		if (!content)
			return rp_skip(ps, "pcre without content",
				       "pcre is the only pattern (nothing left to match)");
	}
	return 0;
}
