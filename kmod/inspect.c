// SPDX-License-Identifier: GPL-2.0
/*
 * The inspection hook of the relays: every plaintext chunk of a handed-off
 * session passes here, in order per direction, and goes through the filter
 * engine with the namespace's live IPS rules (ips.c), by way of the
 * engine's session driver (engine/driver.h), of which this file is the
 * kernel's host: its operations below send the alert events, quarantine
 * the client (tlsi_quar_add()), record packet traces (trace.c), count, and
 * lend the engine the image's per-CPU scratch.
 *
 * Per session: struct tlsi_ips_session (the driver's flow state, about
 * 37 KB), allocated when the session starts if rules are loaded, else with
 * the first chunk seen while rules are loaded; a failed allocation leaves
 * the session uninspected (counted), never fails it. Sessions relayed
 * without decryption are not inspected (ciphertext); cleartext
 * connections (cleartext.c) are, without the TLS step. Per call: the image's
 * scratch of the current CPU, under its mutex (so a call may sleep: it
 * sends events and may quarantine a host).
 *
 * Verdicts (the driver's): an alerting rule sends an IPS_ALERT event; a
 * drop or reject rule makes the session's verdict BLOCK for good (the
 * relay resets it); a pass rule stops inspecting the session. A rule with
 * metadata "tlsi_quarantine [SECONDS]", or any blocking rule when the
 * namespace's IPS setting "quarantine" is on, quarantines the client.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "ips.h"

#define TLSI_IPS_URL_MAX	2048
#define TLSI_IPS_HOST_MAX	256
#define TLSI_IPS_UA_MAX		512
#define TLSI_IPS_METHOD_MAX	32

struct tlsi_ips_session {
	struct tlsi_drv_flow d;		/* the driver's: engine flow, verdicts */
	struct tlsi_trace_flow trace;	/* packet trace (trace.c) */
};

/* The host's side of one driver call (struct tlsi_drv_call.arg). */
struct tlsi_ips_call {
	struct tlsi_drv_call c;
	struct tlsi_inspect_session *is;
	struct tlsi_ips_session *ss;
	struct tlsi_ips_image *im;
	struct tlsi_net *tn;
	struct tlsi_ips_scratch *slot;	/* held during the engine calls */
	struct tlsi_ips_bh *bh;		/* UDP (softirq): this CPU's slot */
	u8 proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	gfp_t gfp;			/* GFP_KERNEL, GFP_ATOMIC on the packet path */
};

u32 tlsi_ips_session_size(void)
{
	return sizeof(struct tlsi_ips_session);
}

static struct tlsi_ips_call *tlsi_ips_call_of(struct tlsi_drv_call *c)
{
	return container_of(c, struct tlsi_ips_call, c);
}

static int tlsi_ips_put_bytes(struct sk_buff *skb, int type, const u8 *p, u32 len,
			      u32 max)
{
	if (!p || !len)
		return 0;
	return tlsi_ips_put_str(skb, type, (const char *)p, min(len, max));
}

static int tlsi_ips_put_http(struct sk_buff *skb, const struct tlsi_drv_flow *df, u8 dir)
{
	struct tlsi_http_meta m;

	tlsi_drv_http_meta(df, dir, &m);
	if (tlsi_ips_put_bytes(skb, TLSI_A_HTTP_HOST, m.host, m.host_len, TLSI_IPS_HOST_MAX) ||
	    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_URL, m.url, m.url_len, TLSI_IPS_URL_MAX) ||
	    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_METHOD, m.method, m.method_len,
			       TLSI_IPS_METHOD_MAX) ||
	    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_USER_AGENT, m.ua, m.ua_len, TLSI_IPS_UA_MAX) ||
	    (m.status && nla_put_u16(skb, TLSI_A_HTTP_STATUS, m.status)))
		return -EMSGSIZE;
	return 0;
}

/* ops->alert: an IPS_ALERT event, built only while someone listens. */
static void tlsi_ips_on_alert(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);
	const struct tlsi_inspect_session *is = k->is;
	const struct tlsi_drv_flow *df = c->df;
	const struct tlsi_img_rule *r = a->r;
	struct tlsi_cidr client = tlsi_cidr_host(&is->caddr);
	struct tlsi_cidr server = tlsi_cidr_host(&is->saddr);
	struct net *net = k->tn->net;
	const char *s, *app;
	struct sk_buff *skb;
	void *hdr;
	u32 n;

	if (!genl_has_listeners(&tlsi_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, k->gfp);
	if (!skb)
		goto fail;
	hdr = genlmsg_put(skb, 0, 0, &tlsi_genl_family, 0, TLSI_CMD_EVENT);
	if (!hdr)
		goto fail_free;
	if (nla_put_u8(skb, TLSI_A_EVENT_TYPE, TLSI_EVENT_IPS_ALERT) ||
	    nla_put_u8(skb, TLSI_A_TABLE, TLSI_TABLE_IPS) ||
	    nla_put_u32(skb, TLSI_A_SID, le32v(r->sid)) ||
	    nla_put_u32(skb, TLSI_A_GID, le32v(r->gid)) ||
	    nla_put_u32(skb, TLSI_A_REV, le32v(r->rev)) ||
	    nla_put_u8(skb, TLSI_A_PRIORITY, r->priority) ||
	    nla_put_u8(skb, TLSI_A_IPS_ACTION, r->action) ||
	    nla_put_u8(skb, TLSI_A_BLOCKED, a->blocked) ||
	    nla_put_u8(skb, TLSI_A_DIRECTION, a->dir) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_SRC, &client) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_DST, &server) ||
	    nla_put_u8(skb, TLSI_A_PROTO, k->proto) ||
	    nla_put_u16(skb, TLSI_A_SPORT, is->cport) ||
	    nla_put_u16(skb, TLSI_A_DPORT, is->sport) ||
	    nla_put_u64_64bit(skb, TLSI_A_FLOW_ID, df->flow_id, TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_TIMESTAMP, ktime_get_real_ns(), TLSI_A_PAD) ||
	    nla_put_u8(skb, TLSI_A_SSL_INSPECTED, is->decrypted) ||
	    (is->decrypted && nla_put_u8(skb, TLSI_A_SSL_ROLE, is->role)))
		goto fail_free;
	n = tlsi_ips_str(k->im, &r->msg, &s, TLSI_IPS_MSG_MAX);
	if (tlsi_ips_put_str(skb, TLSI_A_MSG, s, n))
		goto fail_free;
	n = tlsi_ips_str(k->im, &r->classtype, &s, TLSI_IPS_CLASSTYPE_MAX);
	if (n && tlsi_ips_put_str(skb, TLSI_A_CLASSTYPE, s, n))
		goto fail_free;
	app = tlsi_drv_app_name(df);
	if (app && nla_put_string(skb, TLSI_A_APP_PROTO, app))
		goto fail_free;
	if (tlsi_ips_put_http(skb, df, a->dir))
		goto fail_free;
	if (is->sni[0] && nla_put_string(skb, TLSI_A_TLS_SNI, is->sni))
		goto fail_free;
	if (a->quarantine && (nla_put_u8(skb, TLSI_A_QUARANTINED, 1) ||
			      nla_put_u32(skb, TLSI_A_TIMEOUT, a->quarantine - 1)))
		goto fail_free;
	genlmsg_end(skb, hdr);
	if (genlmsg_multicast_netns(&tlsi_genl_family, net, skb, 0, 0, k->gfp) &&
	    genl_has_listeners(&tlsi_genl_family, net, 0))
		goto fail;
	tlsi_count(k->tn, TLSI_CNT_EVENTS_SENT);
	return;

fail_free:
	nlmsg_free(skb);
fail:
	tlsi_count(k->tn, TLSI_CNT_EVENTS_FAILED);
	net_info_ratelimited("tlsi: IPS alert event (sid %u) not delivered\n", le32v(r->sid));
}

/* ops->quarantine: the client, in the namespace's quarantine table. */
static int tlsi_ips_on_quarantine(struct tlsi_drv_call *c, u32 seconds, const char *reason)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);

	return tlsi_quar_add(k->tn, &k->is->caddr, seconds, reason);
}

static enum tlsi_dir tlsi_ips_relay_dir(unsigned int dir)
{
	return dir == TLSI_DIR_TO_SERVER ? TLSI_DIR_C2S : TLSI_DIR_S2C;
}

static bool tlsi_ips_on_trace_start(struct tlsi_drv_call *c, u32 sid, unsigned int dir,
				    size_t len)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);

	tlsi_trace_start(k->is, &k->ss->trace, k->ss->d.flow_id, sid);
	return true;
}

static void tlsi_ips_on_trace_data(struct tlsi_drv_call *c, unsigned int dir,
				   const u8 *data, size_t len)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);

	tlsi_trace_chunk(k->is, &k->ss->trace, k->ss->d.flow_id, tlsi_ips_relay_dir(dir),
			 data, len);
}

static void tlsi_ips_on_trace_end(struct tlsi_drv_call *c)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);

	tlsi_trace_end(k->is, &k->ss->trace, k->ss->d.flow_id);
}

/* ops->tls_info: what tlsid saw of the handshake (certificates during
 * tlsi_inspect_start() only). */
static void tlsi_ips_on_tls_info(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti)
{
	const struct tlsi_inspect_session *is = tlsi_ips_call_of(c)->is;
	const struct tlsi_inspect_certs *certs = is->certs;

	ti->sni = (const u8 *)is->sni;
	ti->sni_len = strnlen(is->sni, sizeof(is->sni));
	ti->client_hello = is->client_hello;
	ti->client_hello_len = is->client_hello_len;
	if (!certs)
		return;
	ti->subject = certs->subject;
	ti->subject_len = certs->subject_len;
	ti->issuer = certs->issuer;
	ti->issuer_len = certs->issuer_len;
	ti->serial = certs->serial;
	ti->serial_len = certs->serial_len;
	ti->certs = certs->der;
	ti->cert_lens = certs->der_len;
	ti->ncerts = certs->nder;
}

static const u16 tlsi_ips_counters[TLSI_DRV_C_MAX] = {
	[TLSI_DRV_C_BYTES] = TLSI_CNT_IPS_BYTES,
	[TLSI_DRV_C_ALERTS] = TLSI_CNT_IPS_ALERTS,
	[TLSI_DRV_C_BLOCKS] = TLSI_CNT_IPS_BLOCKS,
	[TLSI_DRV_C_PASSES] = TLSI_CNT_IPS_PASSES,
	[TLSI_DRV_C_QUARANTINES] = TLSI_CNT_IPS_QUARANTINES,
	[TLSI_DRV_C_QUARANTINE_FAILED] = TLSI_CNT_IPS_QUARANTINE_FAILED,
	[TLSI_DRV_C_DEPTH] = TLSI_CNT_IPS_DEPTH,
	[TLSI_DRV_C_ENGINE_ERRORS] = TLSI_CNT_IPS_ENGINE_ERRORS,
	[TLSI_DRV_C_HTTP_ANOMALIES] = TLSI_CNT_IPS_HTTP_ANOMALIES,
	[TLSI_DRV_C_DNS_ANOMALIES] = TLSI_CNT_IPS_DNS_ANOMALIES,
	[TLSI_DRV_C_HTTP2_ANOMALIES] = TLSI_CNT_IPS_HTTP2_ANOMALIES,
	[TLSI_DRV_C_TLS_ANOMALIES] = TLSI_CNT_IPS_TLS_ANOMALIES,
	[TLSI_DRV_C_WINDOW] = TLSI_CNT_IPS_WINDOW,
};

static void tlsi_ips_on_count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, u64 n)
{
	tlsi_count_add(tlsi_ips_call_of(c)->tn, tlsi_ips_counters[what], n);
}

static u64 tlsi_ips_now_ms(struct tlsi_drv_call *c)
{
	return div_u64(ktime_get_boottime_ns(), NSEC_PER_MSEC);
}

/* The slot of the CPU the call starts on, held (a mutex: the call may be
 * preempted or migrate) until scratch_put. */
static struct tlsi_eng_scratch *tlsi_ips_scratch_get(struct tlsi_drv_call *c)
{
	struct tlsi_ips_call *k = tlsi_ips_call_of(c);

	k->slot = &k->im->scratch[raw_smp_processor_id()];
	mutex_lock(&k->slot->lock);
	return k->slot->s;
}

static void tlsi_ips_scratch_put(struct tlsi_drv_call *c, struct tlsi_eng_scratch *s)
{
	mutex_unlock(&tlsi_ips_call_of(c)->slot->lock);
}

static void tlsi_ips_resched(void)
{
	cond_resched();
}

static void *tlsi_ips_zalloc(size_t n, size_t size)
{
	return kvcalloc(n, size, GFP_KERNEL_ACCOUNT);
}

static void tlsi_ips_free(void *p)
{
	kvfree(p);
}

const struct tlsi_drv_ops tlsi_ips_drv_ops = {
	.alert = tlsi_ips_on_alert,
	.quarantine = tlsi_ips_on_quarantine,
	.trace_start = tlsi_ips_on_trace_start,
	.trace_data = tlsi_ips_on_trace_data,
	.trace_end = tlsi_ips_on_trace_end,
	.tls_info = tlsi_ips_on_tls_info,
	.count = tlsi_ips_on_count,
	.now_ms = tlsi_ips_now_ms,
	.scratch_get = tlsi_ips_scratch_get,
	.scratch_put = tlsi_ips_scratch_put,
	.resched = tlsi_ips_resched,
	.zalloc = tlsi_ips_zalloc,
	.free = tlsi_ips_free,
};

/* ---- the packet path: UDP datagrams, TCP inside tunnels ------------------ */

/* The CPU's own slot: the caller runs with bottom halves off, so nothing
 * else on this CPU uses it meanwhile. */
static struct tlsi_eng_scratch *tlsi_ips_bh_scratch_get(struct tlsi_drv_call *c)
{
	return tlsi_ips_call_of(c)->bh->s;
}

static void tlsi_ips_bh_scratch_put(struct tlsi_drv_call *c, struct tlsi_eng_scratch *s)
{
}

/* No quarantine (it takes a mutex) and no trace (it allocates records with
 * GFP_KERNEL) from softirq: alerts, counters and verdicts only. */
static const struct tlsi_drv_ops tlsi_ips_bh_ops = {
	.alert = tlsi_ips_on_alert,
	.count = tlsi_ips_on_count,
	.now_ms = tlsi_ips_now_ms,
	.scratch_get = tlsi_ips_bh_scratch_get,
	.scratch_put = tlsi_ips_bh_scratch_put,
	.zalloc = tlsi_ips_zalloc,
	.free = tlsi_ips_free,
};

/*
 * A driver call on the packet path, for the flow from client
 * key->saddr:sport to key->daddr:dport: this CPU's slot (the caller has
 * bottom halves off until the call ends), the namespace's settings, the
 * ends for the alert events. Packet path, under RCU: the live image is
 * used without a reference (it is freed a grace period after it is
 * unpublished).
 */
static void tlsi_ips_bh_begin(struct tlsi_ips_call *k, struct tlsi_net *tn,
			      struct tlsi_ips_image *im, const struct tlsi_pkt_tuple *key)
{
	struct tlsi_ips_net *in = tlsi_ips_pernet(tn);
	struct tlsi_inspect_session *is;

	memset(k, 0, sizeof(*k));
	k->tn = tn;
	k->im = im;
	k->proto = key->proto;
	k->gfp = GFP_ATOMIC;
	k->c.ops = &tlsi_ips_bh_ops;
	k->c.im = &im->d;
	k->c.set.depth = READ_ONCE(in->cfg.depth);
	k->c.set.body_depth = READ_ONCE(in->cfg.body_depth);
	k->c.set.quarantine_off = 1;
	k->bh = &im->bh[smp_processor_id()];
	is = &k->bh->is;
	memset(is, 0, sizeof(*is));
	is->tn = tn;
	is->caddr = key->saddr;
	is->saddr = key->daddr;
	is->cport = key->sport;
	is->sport = key->dport;
	is->cleartext = true;
	k->is = is;
}

/*
 * One packet (len payload bytes at off in skb) of the flow from client
 * key->saddr:sport to key->daddr:dport, from the server when reply, through
 * the live image im: as data for the app decoders and stream rules first
 * when app_data (UDP: DNS), then as a packet (pkt, its payload set here).
 * Packet path, under RCU: the image is used without a reference (it is
 * freed a grace period after it is unpublished). Each packet is one
 * message of a flow of its own (DNS rules need nothing across datagrams;
 * the relay's TCP stream state is not reachable from softirq): nothing is
 * kept per flow. Returns whether the packet is to be dropped.
 */
static bool tlsi_inspect_packet(struct tlsi_net *tn, struct tlsi_ips_image *im,
				const struct tlsi_pkt_tuple *key, bool reply,
				const struct sk_buff *skb, unsigned int off,
				unsigned int len, struct tlsi_eng_pkt *pkt, bool app_data)
{
	unsigned int dir = reply ? TLSI_DIR_TO_CLIENT : TLSI_DIR_TO_SERVER;
	struct tlsi_ips_call k;
	u8 c[16], sv[16];
	bool blocked = false;

	local_bh_disable();
	tlsi_ips_bh_begin(&k, tn, im, key);
	if (len && skb_copy_bits(skb, off, k.bh->buf, len)) {
		local_bh_enable();
		return false;
	}
	tlsi_addr_to_bytes(&key->saddr, c);
	tlsi_addr_to_bytes(&key->daddr, sv);
	tlsi_drv_flow_init(k.bh->flow, c, key->sport, sv, key->dport, get_random_u64(),
			   app_data ? TLSI_DRV_F_DATAGRAM : 0);
	pkt->payload = k.bh->buf;
	pkt->len = len;
	/* The app decoders (DNS) and stream rules see a datagram as data;
	 * then the packet rules (ports, dsize, ttl, flags...) see it as a
	 * packet. */
	if (app_data)
		blocked = tlsi_drv_data(&k.c, k.bh->flow, dir, k.bh->buf, len);
	if (!blocked)
		blocked = tlsi_drv_datagram(&k.c, k.bh->flow, dir, pkt);
	if (!blocked)
		tlsi_drv_end(&k.c, k.bh->flow);
	local_bh_enable();
	return blocked;
}

/* The IPv4 TTL or IPv6 hop limit of skb. */
static u8 tlsi_inspect_ttl(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr _ip6h;

		ip6h = skb_header_pointer(skb, 0, sizeof(_ip6h), &_ip6h);
		return ip6h ? ip6h->hop_limit : 0;
	} else {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
		return iph ? iph->ttl : 0;
	}
}

/* One UDP datagram (len payload bytes at off in skb): true to drop it. */
bool tlsi_inspect_datagram(struct tlsi_net *tn, const struct tlsi_pkt_tuple *key,
			   bool reply, const struct sk_buff *skb, unsigned int off,
			   unsigned int len)
{
	struct tlsi_ips_image *im = rcu_dereference(tlsi_ips_pernet(tn)->cur);
	struct tlsi_eng_pkt pkt = { .proto = IPPROTO_UDP };
	bool blocked;

	if (!im || !len)
		return false;
	if (len > TLSI_IPS_DATAGRAM_MAX) {
		tlsi_count(tn, TLSI_CNT_CLEAR_UDP_TRUNCATED);
		len = TLSI_IPS_DATAGRAM_MAX;
	}
	pkt.ttl = tlsi_inspect_ttl(skb);
	blocked = tlsi_inspect_packet(tn, im, key, reply, skb, off, len, &pkt, true);
	tlsi_count(tn, TLSI_CNT_CLEAR_UDP_INSPECTED);
	return blocked;
}

/* Does the live image have TCP packet rules? (packet path, RCU) */
bool tlsi_inspect_tcp_packets(struct tlsi_net *tn)
{
	struct tlsi_ips_image *im = rcu_dereference(tlsi_ips_pernet(tn)->cur);

	return im && im->d.eng.ntcp_pkt;
}

/*
 * One TCP packet (len payload bytes at off in skb, the header's flags
 * tcp_flags) of an inspected flow, for the TCP packet rules (flags,
 * flow:no_stream, not_established), when the live image has some.
 * established: the connection was established before this packet (the
 * bridge's flow table). True to drop the packet.
 */
bool tlsi_inspect_tcp_packet(struct tlsi_net *tn, const struct tlsi_pkt_tuple *key,
			     bool reply, const struct sk_buff *skb, unsigned int off,
			     unsigned int len, u8 tcp_flags, bool established)
{
	struct tlsi_ips_image *im = rcu_dereference(tlsi_ips_pernet(tn)->cur);
	struct tlsi_eng_pkt pkt = { .proto = IPPROTO_TCP };
	bool blocked;

	if (!im || !im->d.eng.ntcp_pkt)
		return false;
	if (len > TLSI_IPS_DATAGRAM_MAX) {
		tlsi_count(tn, TLSI_CNT_CLEAR_TCP_PKT_TRUNCATED);
		len = TLSI_IPS_DATAGRAM_MAX;
	}
	pkt.ttl = tlsi_inspect_ttl(skb);
	pkt.tcp_flags = tcp_flags;
	pkt.established = established;
	blocked = tlsi_inspect_packet(tn, im, key, reply, skb, off, len, &pkt, false);
	tlsi_count(tn, TLSI_CNT_CLEAR_TCP_PKT_INSPECTED);
	return blocked;
}

/*
 * The next len bytes (at off in skb) of one direction of a tunnelled TCP
 * flow, in stream order (tunnel.c checked the sequence), through the
 * engine with the flow's own driver state df. Packet path, the stream's
 * lock held. depth: the profile's, or TLSI_INSPECT_DEPTH_DEFAULT for the
 * IPS setting. Returns whether the flow is blocked.
 */
bool tlsi_inspect_stream(struct tlsi_net *tn, struct tlsi_drv_flow *df,
			 const struct tlsi_pkt_tuple *key, u32 depth, bool reply,
			 const struct sk_buff *skb, unsigned int off, unsigned int len)
{
	struct tlsi_ips_image *im = rcu_dereference(tlsi_ips_pernet(tn)->cur);
	unsigned int dir = reply ? TLSI_DIR_TO_CLIENT : TLSI_DIR_TO_SERVER;
	struct tlsi_ips_call k;
	bool blocked = df->blocked;

	tlsi_count_add(tn, reply ? TLSI_CNT_INSPECT_BYTES_S2C : TLSI_CNT_INSPECT_BYTES_C2S, len);
	if (!im)
		return blocked;
	local_bh_disable();
	tlsi_ips_bh_begin(&k, tn, im, key);
	if (depth != TLSI_INSPECT_DEPTH_DEFAULT)
		k.c.set.depth = depth;
	/* An IP packet's payload fits the slot's buffer; the loop is for
	 * the bound, not for real traffic. */
	while (len && !blocked) {
		unsigned int n = min_t(unsigned int, len, TLSI_IPS_DATAGRAM_MAX);

		if (skb_copy_bits(skb, off, k.bh->buf, n))
			break;
		blocked = tlsi_drv_data(&k.c, df, dir, k.bh->buf, n);
		off += n;
		len -= n;
	}
	local_bh_enable();
	return blocked;
}

/* The flow ended with both FINs or a reset: bodies delimited by the close
 * end for the engine (alerts only). Packet path, the stream's lock held. */
void tlsi_inspect_stream_end(struct tlsi_net *tn, struct tlsi_drv_flow *df,
			     const struct tlsi_pkt_tuple *key)
{
	struct tlsi_ips_image *im = rcu_dereference(tlsi_ips_pernet(tn)->cur);
	struct tlsi_ips_call k;

	if (!im)
		return;
	local_bh_disable();
	tlsi_ips_bh_begin(&k, tn, im, key);
	tlsi_drv_end(&k.c, df);
	local_bh_enable();
}

/* A driver call on is with image im (may be NULL): the namespace's settings. */
static void tlsi_ips_call_init(struct tlsi_ips_call *k, struct tlsi_inspect_session *is,
			       struct tlsi_ips_image *im)
{
	struct tlsi_ips_net *in = tlsi_ips_pernet(is->tn);
	struct tlsi_drv_settings *set = &k->c.set;

	memset(k, 0, sizeof(*k));
	k->is = is;
	k->ss = is->engine;
	k->tn = is->tn;
	k->im = im;
	k->c.ops = &tlsi_ips_drv_ops;
	k->c.im = im ? &im->d : NULL;
	k->proto = IPPROTO_TCP;
	k->gfp = GFP_KERNEL;
	set->depth = is->depth != TLSI_INSPECT_DEPTH_DEFAULT ? is->depth : READ_ONCE(in->cfg.depth);
	set->body_depth = READ_ONCE(in->cfg.body_depth);
	set->quarantine_blocks = READ_ONCE(in->cfg.quarantine);
	set->quarantine_timeout = READ_ONCE(in->cfg.quarantine_timeout);
	set->trace_alerts = READ_ONCE(in->cfg.trace) == TLSI_IPS_TRACE_ALERTS;
}

static struct tlsi_ips_session *tlsi_ips_session_new(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_session *ss;
	u8 c[16], s[16];

	ss = kvzalloc(sizeof(*ss), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ss) {
		char cbuf[TLSI_ADDR_STR_MAX], sbuf[TLSI_ADDR_STR_MAX];

		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NOMEM);
		net_info_ratelimited("tlsi: no memory to inspect %s:%u -> %s:%u: passed uninspected\n",
				     tlsi_addr_str(&is->caddr, cbuf), is->cport,
				     tlsi_addr_str(&is->saddr, sbuf), is->sport);
		return ERR_PTR(-ENOMEM);
	}
	tlsi_addr_to_bytes(&is->caddr, c);
	tlsi_addr_to_bytes(&is->saddr, s);
	tlsi_drv_flow_init(&ss->d, c, is->cport, s, is->sport,
			   get_random_u64(), is->cleartext ? 0 : TLSI_DRV_F_TLS);
	if (!is->cleartext)
		tlsi_drv_flow_service(&ss->d, is->service);
	atomic_inc(&tlsi_ips_pernet(is->tn)->sessions);
	tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_INSPECTED);
	return ss;
}

static void tlsi_ips_session_free(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_session *ss = is->engine;

	is->engine = NULL;
	if (IS_ERR_OR_NULL(ss))
		return;
	atomic_dec(&tlsi_ips_pernet(is->tn)->sessions);
	kvfree(ss);
}

/*
 * Check the hand-off's certificate records (from tlsid: untrusted, bounded
 * by TLSI_CERTS_MAX) and point out at them.
 */
int tlsi_inspect_certs_parse(const u8 *p, u32 len, struct tlsi_inspect_certs *out)
{
	u32 off = 0, seen = 0;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		struct tlsi_cert_rec rec;
		const u8 *val;

		if (len - off < sizeof(rec))
			return -EINVAL;
		memcpy(&rec, p + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.reserved || rec.len > len - off || !rec.len ||
		    rec.type < TLSI_CERT_REC_SUBJECT || rec.type >= __TLSI_CERT_REC_MAX)
			return -EINVAL;
		val = p + off;
		off += rec.len;
		if (rec.type == TLSI_CERT_REC_DER) {
			if (out->nder >= TLSI_CERTS_CHAIN_MAX)
				return -EINVAL;
			out->der[out->nder] = val;
			out->der_len[out->nder++] = rec.len;
			continue;
		}
		if ((seen & BIT(rec.type)) || rec.len > TLSI_CERT_TEXT_MAX)
			return -EINVAL;
		seen |= BIT(rec.type);
		switch (rec.type) {
		case TLSI_CERT_REC_SUBJECT:
			out->subject = val;
			out->subject_len = rec.len;
			break;
		case TLSI_CERT_REC_ISSUER:
			out->issuer = val;
			out->issuer_len = rec.len;
			break;
		default:
			out->serial = val;
			out->serial_len = rec.len;
		}
	}
	return 0;
}

int tlsi_inspect_start(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_call k;
	struct tlsi_ips_image *im;

	is->engine = NULL;
	if (!is->decrypted && !is->cleartext) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NOT_DECRYPTED);
		return 0;
	}
	if (is->trusted) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_TRUSTED);
		return 0;
	}
	im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	if (!im) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NO_RULES);
		return 0;	/* allocated with the first chunk under rules */
	}
	is->engine = tlsi_ips_session_new(is);
	if (!IS_ERR(is->engine)) {
		/* The handshake's facts now, while the certificates are here:
		 * a block is returned by the first tlsi_inspect_data(). */
		tlsi_ips_call_init(&k, is, im);
		tlsi_drv_start(&k.c, &k.ss->d);
	}
	tlsi_ips_put(im);
	return 0;
}

enum tlsi_inspect_verdict tlsi_inspect_data(struct tlsi_inspect_session *is,
					    enum tlsi_dir dir, const u8 *data,
					    size_t len)
{
	struct tlsi_ips_session *ss = is->engine;
	struct tlsi_ips_image *im;
	struct tlsi_ips_call k;
	bool blocked;

	might_sleep();
	is->bytes[dir] += len;
	tlsi_count_add(is->tn, dir == TLSI_DIR_C2S ? TLSI_CNT_INSPECT_BYTES_C2S :
			       TLSI_CNT_INSPECT_BYTES_S2C, len);
	if ((!is->decrypted && !is->cleartext) || is->trusted || IS_ERR(ss) || !len)
		return ss && !IS_ERR(ss) && ss->d.blocked ? TLSI_INSPECT_BLOCK : TLSI_INSPECT_PASS;
	im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	if (!ss) {
		if (!im)
			return TLSI_INSPECT_PASS;
		ss = tlsi_ips_session_new(is);
		is->engine = ss;
		if (IS_ERR(ss)) {
			tlsi_ips_put(im);
			return TLSI_INSPECT_PASS;
		}
	}
	/* With no rules now, a traced session still records its chunks. */
	tlsi_ips_call_init(&k, is, im);
	blocked = tlsi_drv_data(&k.c, &ss->d,
				dir == TLSI_DIR_C2S ? TLSI_DIR_TO_SERVER : TLSI_DIR_TO_CLIENT,
				data, len);
	tlsi_ips_put(im);
	return blocked ? TLSI_INSPECT_BLOCK : TLSI_INSPECT_PASS;
}

bool tlsi_inspect_rejected(const struct tlsi_inspect_session *is)
{
	const struct tlsi_ips_session *ss = is->engine;

	return !IS_ERR_OR_NULL(ss) && ss->d.rejected;
}

void tlsi_inspect_end(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_session *ss = is->engine;
	struct tlsi_ips_image *im;
	struct tlsi_ips_call k;

	if (IS_ERR_OR_NULL(ss))
		goto out;
	im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	tlsi_ips_call_init(&k, is, im);
	tlsi_drv_end(&k.c, &ss->d);
	tlsi_ips_put(im);
out:
	tlsi_ips_session_free(is);
}
