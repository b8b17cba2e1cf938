// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: a bridge PRE_ROUTING hook per namespace. It finds the
 * frame's virtual segment by ingress port (a port belongs to one pair), its
 * flow, and the flow's verdict from the four tables in the order of the
 * reference guide: inspection bypass, traffic management, reputation,
 * quarantine. The verdict is cached in the flow until the configuration
 * generation moves.
 */
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/gre.h>
#include <linux/etherdevice.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/netfilter/nf_tproxy.h>

#include "tlsi.h"
#include "flow.h"

/*
 * What the parser makes of a frame: a tuple to classify, a malformed
 * packet (dropped on segment ports), or one passed untouched and counted
 * (tunnels tlsi does not look into).
 */
enum tlsi_parse {
	TLSI_PARSE_OK,
	TLSI_PARSE_MALFORMED,
	TLSI_PARSE_PASS,
};

static bool tlsi_parse_transport(struct sk_buff *skb, unsigned int off,
				 struct tlsi_pkt_tuple *t, struct tlsi_l4 *l4);
static enum tlsi_parse tlsi_parse_ipv6(struct tlsi_net *tn, struct sk_buff *skb,
				       unsigned int at, int depth, struct tlsi_pkt_tuple *t,
				       struct tlsi_l4 *l4);
static enum tlsi_parse tlsi_parse_tunnel(struct tlsi_net *tn, struct sk_buff *skb,
					 unsigned int off, struct tlsi_pkt_tuple *t,
					 struct tlsi_l4 *l4);

static bool tlsi_proto_is_tunnel(u8 proto)
{
	return proto == IPPROTO_GRE || proto == IPPROTO_IPIP || proto == IPPROTO_IPV6;
}

/*
 * Parse the IPv4 header at offset at and its ports. depth 0 is the frame's
 * own header, 1 the inner header of a tunnel (one layer is looked into).
 */
static enum tlsi_parse tlsi_parse_ipv4(struct tlsi_net *tn, struct sk_buff *skb,
				       unsigned int at, int depth, struct tlsi_pkt_tuple *t,
				       struct tlsi_l4 *l4)
{
	const struct iphdr *iph;
	struct iphdr _iph;
	unsigned int ihl, len;

	iph = skb_header_pointer(skb, at, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return TLSI_PARSE_MALFORMED;
	ihl = iph->ihl * 4;
	len = ntohs(iph->tot_len);
	if (len < ihl || at + len > skb->len)
		return TLSI_PARSE_MALFORMED;

	t->saddr = tlsi_addr_v4(ntohl(iph->saddr));
	t->daddr = tlsi_addr_v4(ntohl(iph->daddr));
	t->proto = iph->protocol;
	l4->end = at + len;

	l4->frag = !!(iph->frag_off & htons(IP_OFFSET | IP_MF));
	if (iph->frag_off & htons(IP_OFFSET)) {
		/* No transport header here: a portless tuple of its own. */
		tlsi_count(tn, TLSI_CNT_FRAGMENTS);
		return TLSI_PARSE_OK;
	}
	if (iph->frag_off & htons(IP_MF))
		tlsi_count(tn, TLSI_CNT_FRAGMENTS);
	if (tlsi_proto_is_tunnel(t->proto)) {
		if (depth) {
			tlsi_count(tn, TLSI_CNT_TUNNEL_NESTED);
			return TLSI_PARSE_PASS;
		}
		/* A fragmented tunnel packet is classified by its outer
		 * header: the inner one is only whole after reassembly. */
		if (!(iph->frag_off & htons(IP_MF)))
			return tlsi_parse_tunnel(tn, skb, at + ihl, t, l4);
		return TLSI_PARSE_OK;
	}
	return tlsi_parse_transport(skb, at + ihl, t, l4) ?
	       TLSI_PARSE_OK : TLSI_PARSE_MALFORMED;
}

/*
 * One tunnel layer over IPv4 (the reference guide's GRE with or without a
 * key, RFC 2784/2890, and IPv4-in-IPv4): the tuple becomes the inner
 * packet's, with the encapsulation and the GRE key as part of the flow
 * key (so the key must be the same both ways, as the guide says). Passed
 * untouched and counted: GRE versions other than 0, the deprecated
 * routing fields, payloads other than IPv4 and IPv6, IPv6 in IPv4.
 */
static enum tlsi_parse tlsi_parse_tunnel(struct tlsi_net *tn, struct sk_buff *skb,
					 unsigned int off, struct tlsi_pkt_tuple *t,
					 struct tlsi_l4 *l4)
{
	__be16 _gre[2];
	const __be16 *gre;
	__be32 _key;
	const __be32 *key;
	__be16 flags;	/* GRE_* are in network order */
	u16 ptype;

	if (t->proto == IPPROTO_IPV6) {
		tlsi_count(tn, TLSI_CNT_TUNNEL_IPV6_ENCAP);
		return TLSI_PARSE_PASS;
	}
	if (t->proto == IPPROTO_IPIP) {
		tlsi_count(tn, TLSI_CNT_TUNNEL_IPIP);
		t->encap = TLSI_ENCAP_IPIP;
		t->tunnel_key = 0;
		return tlsi_parse_ipv4(tn, skb, off, 1, t, l4);
	}
	gre = skb_header_pointer(skb, off, sizeof(_gre), _gre);
	if (!gre)
		return TLSI_PARSE_MALFORMED;
	flags = gre[0];
	ptype = ntohs(gre[1]);
	/* Version 0 only (1 is PPTP's); no routing (RFC 1701), no
	 * recursion control or strict source route. */
	if ((flags & (GRE_VERSION | GRE_ROUTING | GRE_REC | GRE_STRICT)) ||
	    (ptype != ETH_P_IP && ptype != ETH_P_IPV6)) {
		tlsi_count(tn, TLSI_CNT_TUNNEL_GRE_UNSUPPORTED);
		return TLSI_PARSE_PASS;
	}
	tlsi_count(tn, TLSI_CNT_TUNNEL_GRE);
	t->encap = TLSI_ENCAP_GRE;
	t->tunnel_key = 0;
	off += 4;
	if (flags & GRE_CSUM)
		off += 4;
	if (flags & GRE_KEY) {
		key = skb_header_pointer(skb, off, sizeof(_key), &_key);
		if (!key)
			return TLSI_PARSE_MALFORMED;
		t->tunnel_key = ntohl(*key);
		t->encap = TLSI_ENCAP_GRE_KEY;
		off += 4;
	}
	if (flags & GRE_SEQ)
		off += 4;
	if (ptype == ETH_P_IP)
		return tlsi_parse_ipv4(tn, skb, off, 1, t, l4);
	return tlsi_parse_ipv6(tn, skb, off, 1, t, l4);
}

/*
 * Ports (or the ICMP echo id), TCP flags and sequence number from the
 * transport header at offset off. False for a truncated header.
 */
static bool tlsi_parse_transport(struct sk_buff *skb, unsigned int off,
				 struct tlsi_pkt_tuple *t, struct tlsi_l4 *l4)
{
	unsigned int ihl = off;

	l4->off = off;
	switch (t->proto) {
	case IPPROTO_TCP: {
		struct tcphdr _th;
		const struct tcphdr *th;

		th = skb_header_pointer(skb, ihl, sizeof(_th), &_th);
		if (!th || th->doff < 5)
			return false;
		t->sport = ntohs(th->source);
		t->dport = ntohs(th->dest);
		l4->tcp_flags = ((u8 *)th)[13];
		l4->tcp_seq = ntohl(th->seq);
		l4->tcp_hlen = th->doff * 4;
		break;
	}
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP: {
		__be16 _ports[2];
		const __be16 *ports;

		ports = skb_header_pointer(skb, ihl, sizeof(_ports), _ports);
		if (!ports)
			return false;
		t->sport = ntohs(ports[0]);
		t->dport = ntohs(ports[1]);
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr _ih;
		const struct icmphdr *ih;

		ih = skb_header_pointer(skb, ihl, sizeof(_ih), &_ih);
		if (!ih)
			return false;
		/* Echo request and reply share a flow through their id. */
		if (ih->type == ICMP_ECHO || ih->type == ICMP_ECHOREPLY) {
			t->sport = ntohs(ih->un.echo.id);
			t->dport = t->sport;
		}
		break;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr _ih;
		const struct icmp6hdr *ih;

		ih = skb_header_pointer(skb, ihl, sizeof(_ih), &_ih);
		if (!ih)
			return false;
		if (ih->icmp6_type == ICMPV6_ECHO_REQUEST || ih->icmp6_type == ICMPV6_ECHO_REPLY) {
			t->sport = ntohs(ih->icmp6_identifier);
			t->dport = t->sport;
		}
		break;
	}
	default:
		break;
	}
	return true;
}

/*
 * Extension headers walked before giving up on a packet: real traffic has
 * one or two; a long chain is an evasion attempt (the transport header
 * pushed past what a middlebox reads) and is dropped on segment ports.
 */
#define TLSI_IPV6_EXT_MAX 8

/*
 * Parse the IPv6 header, walk its extension headers to the transport
 * header and read the ports. A non-first fragment is a portless tuple of
 * its own, as for IPv4. Returns false for a malformed packet, a chain
 * longer than TLSI_IPV6_EXT_MAX, or IPv4-mapped addresses (never on the
 * wire, and they would alias IPv4 in the tables).
 */
static enum tlsi_parse tlsi_parse_ipv6(struct tlsi_net *tn, struct sk_buff *skb,
				       unsigned int at, int depth, struct tlsi_pkt_tuple *t,
				       struct tlsi_l4 *l4)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	unsigned int off = at + sizeof(_ip6h), n;
	u8 nexthdr;

	ip6h = skb_header_pointer(skb, at, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return TLSI_PARSE_MALFORMED;
	/* A jumbogram (payload length 0) has no place on a bridge. */
	if (!ip6h->payload_len || off + ntohs(ip6h->payload_len) > skb->len)
		return TLSI_PARSE_MALFORMED;
	tlsi_count(tn, TLSI_CNT_IPV6_PACKETS);
	l4->end = off + ntohs(ip6h->payload_len);
	t->saddr = tlsi_addr_v6(ip6h->saddr.s6_addr);
	t->daddr = tlsi_addr_v6(ip6h->daddr.s6_addr);
	if (tlsi_addr_is_v4(&t->saddr) || tlsi_addr_is_v4(&t->daddr)) {
		tlsi_count(tn, TLSI_CNT_IPV6_MAPPED);
		return TLSI_PARSE_MALFORMED;
	}
	nexthdr = ip6h->nexthdr;
	for (n = 0; ; n++) {
		struct ipv6_opt_hdr _eh;
		const struct ipv6_opt_hdr *eh;

		if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING &&
		    nexthdr != NEXTHDR_DEST && nexthdr != NEXTHDR_FRAGMENT &&
		    nexthdr != NEXTHDR_AUTH)
			break;
		if (n == TLSI_IPV6_EXT_MAX) {
			tlsi_count(tn, TLSI_CNT_IPV6_EXT_TOO_DEEP);
			return TLSI_PARSE_MALFORMED;
		}
		eh = skb_header_pointer(skb, off, sizeof(_eh), &_eh);
		if (!eh)
			return TLSI_PARSE_MALFORMED;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			struct frag_hdr _fh;
			const struct frag_hdr *fh;

			fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
			if (!fh)
				return TLSI_PARSE_MALFORMED;
			tlsi_count(tn, TLSI_CNT_FRAGMENTS);
			l4->frag = 1;
			if (fh->frag_off & htons(IP6_OFFSET)) {
				t->proto = fh->nexthdr;
				return TLSI_PARSE_OK;
			}
			off += sizeof(_fh);
		} else if (nexthdr == NEXTHDR_AUTH) {
			off += ipv6_authlen(eh);
		} else {
			off += ipv6_optlen(eh);
		}
		nexthdr = eh->nexthdr;
	}
	t->proto = nexthdr;
	if (nexthdr == NEXTHDR_NONE)
		return TLSI_PARSE_OK;
	/* Tunnels over IPv6, and any tunnel inside a tunnel: passed. */
	if (tlsi_proto_is_tunnel(nexthdr)) {
		tlsi_count(tn, depth ? TLSI_CNT_TUNNEL_NESTED : TLSI_CNT_TUNNEL_IPV6_ENCAP);
		return TLSI_PARSE_PASS;
	}
	return tlsi_parse_transport(skb, off, t, l4) ?
	       TLSI_PARSE_OK : TLSI_PARSE_MALFORMED;
}

/*
 * Neighbour discovery (RS, RA, NS, NA, redirect: RFC 4861, always with hop
 * limit 255) is the IPv6 counterpart of ARP, which no table sees either:
 * a block-everything filter must not cut a segment's hosts off from their
 * neighbours and routers. Multicast listener discovery (RFC 2710/3810:
 * hop limit 1, a hop-by-hop router alert, a link-local or unspecified
 * source) is the counterpart of IGMP that every IPv6 interface sends when
 * it comes up; it stays on the link, and tracking it would fill the flow
 * table with one flow per host and group.
 */
enum tlsi_ipv6_link_control { TLSI_V6_DATA, TLSI_V6_ND, TLSI_V6_MLD };

static enum tlsi_ipv6_link_control
tlsi_ipv6_link_control(struct sk_buff *skb, const struct tlsi_pkt_tuple *t)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	unsigned int off = sizeof(_ip6h);
	u8 _hbh[2], _type;
	const u8 *hbh, *type;

	if (t->proto != IPPROTO_ICMPV6)
		return TLSI_V6_DATA;
	ip6h = skb_header_pointer(skb, 0, sizeof(_ip6h), &_ip6h);
	if (!ip6h)
		return TLSI_V6_DATA;
	/* ND messages carry no extension headers that we would skip. */
	if (ip6h->hop_limit == 255 && ip6h->nexthdr == IPPROTO_ICMPV6) {
		type = skb_header_pointer(skb, off, 1, &_type);
		if (type && *type >= NDISC_ROUTER_SOLICITATION && *type <= NDISC_REDIRECT)
			return TLSI_V6_ND;
		return TLSI_V6_DATA;
	}
	if (ip6h->hop_limit != 1 || ip6h->nexthdr != NEXTHDR_HOP ||
	    !(ipv6_addr_any(&ip6h->saddr) ||
	      (ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL)))
		return TLSI_V6_DATA;
	hbh = skb_header_pointer(skb, off, sizeof(_hbh), &_hbh);
	if (!hbh || hbh[0] != IPPROTO_ICMPV6)
		return TLSI_V6_DATA;
	off += (hbh[1] + 1) * 8;
	type = skb_header_pointer(skb, off, 1, &_type);
	if (type && (*type == ICMPV6_MGM_QUERY || *type == ICMPV6_MGM_REPORT ||
		     *type == ICMPV6_MGM_REDUCTION || *type == ICMPV6_MLD2_REPORT))
		return TLSI_V6_MLD;
	return TLSI_V6_DATA;
}

/* Answer a TCP packet with a reset out of the port it came in on. */
static void tlsi_send_reset(struct tlsi_net *tn, struct sk_buff *oldskb,
			    const struct net_device *in)
{
	struct sk_buff *nskb;
	struct ethhdr *eth;

	if (!skb_mac_header_was_set(oldskb) ||
	    is_multicast_ether_addr(eth_hdr(oldskb)->h_dest))
		goto fail;
	if (oldskb->protocol == htons(ETH_P_IPV6))
		nskb = nf_reject_skb_v6_tcp_reset(tn->net, oldskb, in, NF_INET_PRE_ROUTING);
	else
		nskb = nf_reject_skb_v4_tcp_reset(tn->net, oldskb, in, NF_INET_PRE_ROUTING);
	if (!nskb)
		goto fail;
	eth = skb_push(nskb, ETH_HLEN);
	skb_reset_mac_header(nskb);
	ether_addr_copy(eth->h_source, eth_hdr(oldskb)->h_dest);
	ether_addr_copy(eth->h_dest, eth_hdr(oldskb)->h_source);
	eth->h_proto = oldskb->protocol;
	nskb->protocol = oldskb->protocol;
	if (skb_vlan_tag_present(oldskb))
		__vlan_hwaccel_put_tag(nskb, oldskb->vlan_proto,
				       skb_vlan_tag_get(oldskb));
	nskb->dev = (struct net_device *)in;
	if (dev_queue_xmit(nskb) == NET_XMIT_SUCCESS) {
		tlsi_count(tn, TLSI_CNT_RESETS_SENT);
		return;
	}
fail:
	tlsi_count(tn, TLSI_CNT_RESETS_FAILED);
}

struct tlsi_decision {
	u8 verdict;
	u8 table;
	u8 flags;
	u32 ssl_policy;			/* SSL policy that would intercept */
	u8 ssl_kind;			/* TLSI_SSL_DIVERT_*: what for */
	int ssl_why;			/* why not: a counter, or __TLSI_CNT_MAX */
	bool inspect;			/* every table let it pass: the IPS may see it */
	bool trusted;			/* a TM trust filter: proxied, not inspected */
	struct tlsi_rule *tm_rule;
	/* The profile's settings as this decision read them: everything
	 * about the flow's first packet comes from this one snapshot. */
	const struct tlsi_profile_settings *ps;
};

/* Walk the four tables for a flow's original tuple. Under RCU. */
static void tlsi_decide(struct tlsi_net *tn, const struct tlsi_segment *seg,
			const struct tlsi_pkt_tuple *t, struct tlsi_decision *d)
{
	const struct tlsi_profile *profile = seg->profile;
	const struct tlsi_profile_settings *ps = tlsi_profile_settings(profile);
	const struct tlsi_rep_entry *rs, *rd, *best;
	const struct tlsi_quar_entry *q;
	const struct tlsi_rule *bp;
	struct tlsi_rule *tm;

	d->verdict = TLSI_VERDICT_FORWARD;
	d->table = TLSI_TABLE_NONE;
	d->flags = 0;
	d->ssl_policy = 0;
	d->ssl_kind = TLSI_SSL_DIVERT_NONE;
	d->ssl_why = __TLSI_CNT_MAX;
	d->inspect = false;
	d->trusted = false;
	d->tm_rule = NULL;
	d->ps = ps;

	/* 1. Inspection bypass: forward, nothing else applies. */
	bp = tlsi_bypass_lookup(tn, t);
	if (bp) {
		atomic64_inc((atomic64_t *)&bp->hits);
		tlsi_count(tn, TLSI_CNT_BYPASS_HITS);
		d->table = TLSI_TABLE_BYPASS;
		return;
	}

	/* 2. Traffic management, first match in order. */
	tm = tlsi_tm_lookup(tn, t, profile);
	if (tm) {
		atomic64_inc(&tm->hits);
		tlsi_count(tn, TLSI_CNT_TM_HITS);
		switch (tm->action) {
		case TLSI_TM_BLOCK:
			tlsi_count(tn, TLSI_CNT_TM_BLOCK);
			d->verdict = TLSI_VERDICT_DROP;
			d->table = TLSI_TABLE_TM;
			if (tm->flags & TLSI_RULE_F_RESET)
				d->flags |= TLSI_FLOW_F_RESET;
			tlsi_event_send(tn, TLSI_EVENT_BLOCK, TLSI_TABLE_TM, t, seg,
					tm->name, 0, NULL, NULL, 0);
			return;
		case TLSI_TM_TRUST:
			/* The guide's Trust: no reputation, quarantine or IPS;
			 * an SSL session is still proxied (decrypted, not
			 * inspected), so that the SSL policies' certificate
			 * checks and logging still apply. */
			tlsi_count(tn, TLSI_CNT_TM_TRUST);
			d->table = TLSI_TABLE_TM;
			d->trusted = true;
			goto ssl;
		case TLSI_TM_RATE_LIMIT:
			d->tm_rule = tm;
			d->table = TLSI_TABLE_TM;
			break;
		default:
			tlsi_count(tn, TLSI_CNT_TM_PERMIT);
			d->table = TLSI_TABLE_TM;
			break;
		}
	}

	/* 3. Reputation of either end. */
	rs = tlsi_rep_lookup(tn, &t->saddr);
	rd = tlsi_rep_lookup(tn, &t->daddr);
	best = rs;
	if (rd && (!best || rd->score > best->score))
		best = rd;
	if (best) {
		u8 block = ps->rep_block;
		u8 alert = ps->rep_alert;

		atomic64_inc((atomic64_t *)&best->hits);
		tlsi_count(tn, TLSI_CNT_REP_HITS);
		if (tlsi_rep_blocks(best->score, block)) {
			tlsi_count(tn, TLSI_CNT_REP_BLOCK);
			d->verdict = TLSI_VERDICT_DROP;
			d->table = TLSI_TABLE_REPUTATION;
			d->tm_rule = NULL;
			tlsi_event_send(tn, TLSI_EVENT_BLOCK, TLSI_TABLE_REPUTATION,
					t, seg, NULL, best->score, best->category,
					NULL, 0);
			return;
		}
		if (tlsi_rep_blocks(best->score, alert)) {
			tlsi_count(tn, TLSI_CNT_REP_ALERT);
			tlsi_event_send(tn, TLSI_EVENT_ALERT, TLSI_TABLE_REPUTATION,
					t, seg, NULL, best->score, best->category,
					NULL, 0);
		}
	}

	/* 4. Quarantined hosts, either end. */
	q = tlsi_quar_lookup(tn, &t->saddr);
	if (!q)
		q = tlsi_quar_lookup(tn, &t->daddr);
	if (q) {
		atomic64_inc((atomic64_t *)&q->hits);
		tlsi_count(tn, TLSI_CNT_QUAR_HITS);
		d->verdict = TLSI_VERDICT_DROP;
		d->table = TLSI_TABLE_QUARANTINE;
		d->tm_rule = NULL;
		tlsi_event_send(tn, TLSI_EVENT_BLOCK, TLSI_TABLE_QUARANTINE, t, seg,
				NULL, 0, NULL, q->reason, 0);
		return;
	}

	/* 5. SSL client inspection, after every table has let it pass;
	 * else cleartext inspection (cleartext.c). Both divert through the
	 * appliance's own IPv4 or IPv6 stack, which would decapsulate a
	 * tunnelled frame and answer from the appliance: a tunnelled flow
	 * is never diverted; its TCP is inspected on the bridge instead
	 * (tunnel.c), its UDP datagrams as any (cleartext.c). */
	d->inspect = !t->encap;
	if (ps->inspect_cleartext)
		d->flags |= TLSI_FLOW_F_INSPECT;
	if (d->inspect && tlsi_cleartext_fragments(tn, ps, t))
		d->flags |= TLSI_FLOW_F_STEER;
ssl:
	d->ssl_policy = tlsi_ssl_divert_policy(tn, profile, t, &d->ssl_why, &d->ssl_kind);
	if (d->ssl_policy && t->encap) {
		d->ssl_policy = 0;
		d->ssl_why = TLSI_CNT_SSL_TUNNEL_PASSED;
	}
}

/*
 * The offset of an IPv6 packet's TCP header (skb->data at the IPv6
 * header), or -1 for anything else, a non-first fragment included.
 */
static int tlsi_ipv6_tcp_offset(const struct sk_buff *skb)
{
	u8 nexthdr;
	__be16 frag_off;
	int off;

	if (!pskb_may_pull((struct sk_buff *)skb, sizeof(struct ipv6hdr)))
		return -1;
	nexthdr = ipv6_hdr(skb)->nexthdr;
	off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_TCP || (frag_off & htons(~0x7)))
		return -1;
	return off;
}

/*
 * Does a transparent socket of the appliance (tlsid's, the relay's, the
 * cleartext listener's) take this TCP segment: a listener on dport
 * (NF_TPROXY_LOOKUP_LISTENER) or the connection of the segment's own tuple
 * (NF_TPROXY_LOOKUP_ESTABLISHED, dport 0: the segment's)?
 */
static bool tlsi_transparent_sock(struct tlsi_net *tn, struct sk_buff *skb,
				  const struct net_device *in, u16 dport,
				  enum nf_tproxy_lookup_t lookup)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	struct sock *sk;
	int thoff;

	if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		thoff = tlsi_ipv6_tcp_offset(skb);
		if (thoff < 0)
			return false;
		th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
		if (!th)
			return false;
		sk = nf_tproxy_get_sock_v6(tn->net, skb, thoff, IPPROTO_TCP, &ip6h->saddr,
					   &ip6h->daddr, th->source,
					   dport ? htons(dport) : th->dest, in, lookup);
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
		if (!th)
			return false;
		sk = nf_tproxy_get_sock_v4(tn->net, skb, IPPROTO_TCP, iph->saddr, iph->daddr,
					   th->source, dport ? htons(dport) : th->dest,
					   in, lookup);
	}
	/* nf_tproxy_sk_is_transparent() puts sk when it is not. */
	if (!sk || !nf_tproxy_sk_is_transparent(sk))
		return false;
	sock_gen_put(sk);
	return true;
}

/* Is tlsid's transparent listener there to take a diverted SYN? */
static bool tlsi_divert_listener_ok(struct tlsi_net *tn, struct sk_buff *skb,
				    const struct net_device *in)
{
	u16 port = READ_ONCE(tn->cfg.divert_port);

	/* No daemon has registered, or it stopped and said so. */
	if (!port || !READ_ONCE(tn->cfg.divert_mark))
		return false;
	return tlsi_transparent_sock(tn, skb, in, port, NF_TPROXY_LOOKUP_LISTENER);
}

/*
 * A TCP segment of a connection the flow table no longer knows (no SYN
 * seen): does a transparent socket of tlsid or the relay own it? A
 * diverted flow's half-close lives by the close timeout (flow.c), so a
 * client's FIN or last data coming later than that (a slow client, a busy
 * host, a long half-close) found no flow and was bridged to the server,
 * which has no such connection: the client got a reset and the relay's
 * sockets stayed half-closed. Like iptables' "socket --transparent" match
 * in front of a TPROXY rule, such a segment goes to its socket.
 */
static bool tlsi_divert_socket_owns(struct tlsi_net *tn, struct sk_buff *skb,
				    const struct net_device *in)
{
	if (!READ_ONCE(tn->cfg.divert_mark))
		return false;
	return tlsi_transparent_sock(tn, skb, in, 0, NF_TPROXY_LOOKUP_ESTABLISHED);
}

/*
 * tlsid is not listening: the profile says whether the flow passes
 * uninspected (fail open) or is refused with a reset (fail closed). Either
 * way it is counted, logged and an event is sent.
 */
static void tlsi_divert_no_daemon(struct tlsi_net *tn, const struct tlsi_segment *seg,
				  const struct tlsi_pkt_tuple *t, struct tlsi_decision *d)
{
	bool block = d->ps->ssl_no_daemon == TLSI_SSL_NO_DAEMON_BLOCK;
	char sbuf[TLSI_ADDR_STR_MAX], dbuf[TLSI_ADDR_STR_MAX];

	if (block) {
		d->verdict = TLSI_VERDICT_DROP;
		d->table = TLSI_TABLE_SSL;
		d->flags |= TLSI_FLOW_F_RESET;
	}
	tlsi_count(tn, block ? TLSI_CNT_SSL_NO_DAEMON_BLOCK : TLSI_CNT_SSL_NO_DAEMON);
	net_warn_ratelimited("tlsi: %s:%u -> %s:%u: SSL inspection daemon not listening; profile %s: %s\n",
			     tlsi_addr_str(&t->saddr, sbuf), t->sport,
			     tlsi_addr_str(&t->daddr, dbuf), t->dport, seg->profile->name,
			     block ? "block" : "bypass inspection");
	tlsi_event_send(tn, block ? TLSI_EVENT_BLOCK : TLSI_EVENT_ALERT, TLSI_TABLE_SSL, t,
			seg, NULL, 0, NULL,
			block ? "no SSL inspection daemon" : "no SSL inspection daemon: not inspected",
			0);
}

/*
 * A new SSL flow: claim a session slot and divert it, or let it pass
 * uninspected (the guide's "allow but bypass inspection") when the session
 * limit is reached; when tlsid is not listening, as the profile says.
 */
static void tlsi_divert_start(struct tlsi_net *tn, const struct tlsi_segment *seg,
			      struct tlsi_flow *f, struct tlsi_decision *d,
			      struct sk_buff *skb, const struct net_device *in)
{
	u32 policy_id = d->ssl_policy;

	if (!tlsi_divert_listener_ok(tn, skb, in)) {
		tlsi_divert_no_daemon(tn, seg, &f->key, d);
		return;
	}
	if (atomic_inc_return(&tn->ssl_sessions) > READ_ONCE(tn->cfg.max_ssl_sessions)) {
		atomic_dec(&tn->ssl_sessions);
		tlsi_count(tn, TLSI_CNT_SSL_SESSIONS_FULL);
		net_warn_ratelimited("tlsi: SSL Inspection reached Critical threshold of Max Concurrent Connections (%u). Action: Allow but bypass Inspection\n",
				     READ_ONCE(tn->cfg.max_ssl_sessions));
		return;
	}
	/* The flow's slot and the address map entry go together (flow.c). */
	tlsi_divert_add(tn, &f->key, policy_id, false, 0, d->trusted);
	f->flags |= TLSI_FLOW_F_DIVERTED;	/* kept by the caller's flag write */
	tlsi_count(tn, TLSI_CNT_SSL_DIVERTED);
	if (!tlsi_addr_is_v4(&f->key.saddr))
		tlsi_count(tn, TLSI_CNT_SSL_DIVERTED_IPV6);
	if (d->ssl_kind == TLSI_SSL_DIVERT_SERVER)
		tlsi_count(tn, TLSI_CNT_SSL_SERVER_DIVERTED);
	else if (d->ssl_kind == TLSI_SSL_DIVERT_ACME)
		tlsi_count(tn, TLSI_CNT_SSL_ACME_DIVERTED);
}

/*
 * Send a diverted flow's frame up the appliance's own stack, as
 * ebt_redirect does: to the bridge device's MAC, marked so that tlsid's
 * policy routing delivers it locally.
 */
static unsigned int tlsi_divert_steer(struct tlsi_net *tn, struct sk_buff *skb,
				      const struct net_device *in)
{
	struct net_device *br = netdev_master_upper_dev_get_rcu((struct net_device *)in);

	if (!br || skb_ensure_writable(skb, 0)) {
		tlsi_count(tn, TLSI_CNT_DROP_SSL_STEER);
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}
	ether_addr_copy(eth_hdr(skb)->h_dest, br->dev_addr);
	skb->pkt_type = PACKET_HOST;
	skb->mark = READ_ONCE(tn->cfg.divert_mark);
	tlsi_count(tn, TLSI_CNT_SSL_STEERED);
	tlsi_count(tn, TLSI_CNT_ACTION_FORWARD);
	return NF_ACCEPT;
}

static unsigned int tlsi_drop(struct tlsi_net *tn, u8 table)
{
	switch (table) {
	case TLSI_TABLE_TM:
		tlsi_count(tn, TLSI_CNT_DROP_TM_BLOCK);
		break;
	case TLSI_TABLE_REPUTATION:
		tlsi_count(tn, TLSI_CNT_DROP_REPUTATION);
		break;
	case TLSI_TABLE_QUARANTINE:
		tlsi_count(tn, TLSI_CNT_DROP_QUARANTINE);
		break;
	}
	tlsi_count(tn, TLSI_CNT_ACTION_DROP);
	return NF_DROP;
}

unsigned int tlsi_classify_skb(struct tlsi_net *tn, struct sk_buff *skb,
			       const struct net_device *in)
{
	const struct tlsi_segment *seg;
	struct tlsi_pkt_tuple t = {};
	struct tlsi_flow *f;
	bool reversed, reply, syn;
	enum tlsi_parse parsed;
	struct tlsi_l4 l4 = {};
	int gen, err = 0;
	u8 state = TLSI_TCP_NONE;

	tlsi_count(tn, TLSI_CNT_PACKETS);
	tlsi_count_add(tn, TLSI_CNT_BYTES, skb->len);

	if (skb->protocol == htons(ETH_P_IP)) {
		parsed = tlsi_parse_ipv4(tn, skb, 0, 0, &t, &l4);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		parsed = tlsi_parse_ipv6(tn, skb, 0, 0, &t, &l4);
		switch (parsed == TLSI_PARSE_OK && !t.encap ?
			tlsi_ipv6_link_control(skb, &t) : TLSI_V6_DATA) {
		case TLSI_V6_ND:
			tlsi_count(tn, TLSI_CNT_IPV6_ND_PASSED);
			return NF_ACCEPT;
		case TLSI_V6_MLD:
			tlsi_count(tn, TLSI_CNT_IPV6_MLD_PASSED);
			return NF_ACCEPT;
		case TLSI_V6_DATA:
			break;
		}
	} else {
		tlsi_count(tn, TLSI_CNT_NON_IP);
		return NF_ACCEPT;
	}
	if (parsed == TLSI_PARSE_PASS) {
		tlsi_count(tn, TLSI_CNT_ACTION_FORWARD);
		return NF_ACCEPT;
	}
	t.vlan = skb_vlan_tag_present(skb) ? skb_vlan_tag_get_id(skb) : 0;

	if (parsed == TLSI_PARSE_MALFORMED) {
		/* Unclassifiable: dropped on segment ports, else not ours. */
		seg = tlsi_segment_lookup(tn, in->ifindex, t.vlan, NULL, NULL, &reversed);
		if (!seg) {
			tlsi_count(tn, TLSI_CNT_NO_SEGMENT);
			return NF_ACCEPT;
		}
		tlsi_count(tn, TLSI_CNT_DROP_MALFORMED);
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}

	seg = tlsi_segment_lookup(tn, in->ifindex, t.vlan, &t.saddr, &t.daddr,
				  &reversed);
	if (!seg) {
		tlsi_count(tn, TLSI_CNT_NO_SEGMENT);
		return NF_ACCEPT;
	}
	atomic64_inc((atomic64_t *)&seg->packets);
	atomic64_add(skb->len, (atomic64_t *)&seg->bytes);

	syn = t.proto == IPPROTO_TCP &&
	      (l4.tcp_flags & (TLSI_TCPF_SYN | TLSI_TCPF_ACK | TLSI_TCPF_RST)) == TLSI_TCPF_SYN;
	f = tlsi_flow_get(tn, &t, seg->id, syn, l4.tcp_seq, &reply, &err);
	if (!f) {
		if (err == -ENOSPC) {
			if (READ_ONCE(tn->cfg.flow_full_action) == TLSI_FLOW_FULL_BYPASS) {
				tlsi_count(tn, TLSI_CNT_FLOW_FULL_BYPASS);
				tlsi_count(tn, TLSI_CNT_ACTION_FORWARD);
				return NF_ACCEPT;
			}
			tlsi_count(tn, TLSI_CNT_DROP_FLOW_TABLE_FULL);
		} else {
			tlsi_count(tn, TLSI_CNT_DROP_NO_MEMORY);
		}
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}

	if (t.proto == IPPROTO_TCP) {
		state = READ_ONCE(f->tcp_state);
		if (syn && !reply && state == TLSI_TCP_NONE)
			WRITE_ONCE(f->syn_seq, l4.tcp_seq);
		WRITE_ONCE(f->tcp_state, tlsi_tcp_next_state(state, l4.tcp_flags, reply));
	}
	WRITE_ONCE(f->last_seen, jiffies);

	gen = atomic_read(&tn->gen);
	if (READ_ONCE(f->gen) != gen) {
		struct tlsi_decision d;

		/* Read the generation before the tables (see tlsi.h). */
		smp_rmb();
		if (f->table != TLSI_TABLE_NONE || f->verdict != TLSI_VERDICT_FORWARD)
			tlsi_count(tn, TLSI_CNT_FLOWS_RECLASSIFIED);
		tlsi_decide(tn, seg, &f->key, &d);
		/* Only a connection's first SYN can be intercepted; a diverted
		 * flow stays diverted (tlsid owns both of its sockets), and a
		 * new connection on its tuple gets a new flow (above). */
		if (d.verdict == TLSI_VERDICT_FORWARD && !reply && syn &&
		    !(f->flags & TLSI_FLOW_F_DIVERTED)) {
			if (d.ssl_policy) {
				tlsi_divert_start(tn, seg, f, &d, skb, in);
			} else {
				/* An SSL flow a policy chose not to decrypt
				 * (never-decrypt) passes uninspected as the
				 * guide says; every other one is cleartext's. */
				if (d.ssl_why != __TLSI_CNT_MAX)
					tlsi_count(tn, d.ssl_why);
				else if (d.inspect && tlsi_cleartext_divert(tn, d.ps, f))
					f->flags |= TLSI_FLOW_F_DIVERTED;
			}
		} else if (d.verdict == TLSI_VERDICT_FORWARD && t.proto == IPPROTO_TCP && !syn &&
			   state == TLSI_TCP_NONE && !t.encap &&
			   !(f->flags & (TLSI_FLOW_F_DIVERTED | TLSI_FLOW_F_PICKED)) &&
			   tlsi_divert_socket_owns(tn, skb, in)) {
			f->flags |= TLSI_FLOW_F_PICKED;
			tlsi_count(tn, TLSI_CNT_SSL_PICKED_UP);
		}
		WRITE_ONCE(f->verdict, d.verdict);
		WRITE_ONCE(f->table, d.table);
		/* A picked-up connection's bytes are its socket's (the relay
		 * inspects them): only steered. */
		if (f->flags & TLSI_FLOW_F_PICKED)
			d.flags &= ~(TLSI_FLOW_F_INSPECT | TLSI_FLOW_F_STEER);
		WRITE_ONCE(f->flags, d.flags | (f->flags & (TLSI_FLOW_F_DIVERTED | TLSI_FLOW_F_PICKED)));
		WRITE_ONCE(f->tm_rule, d.tm_rule);
		smp_wmb();
		WRITE_ONCE(f->gen, gen);
	} else {
		smp_rmb();
	}

	if (READ_ONCE(f->verdict) == TLSI_VERDICT_DROP) {
		if ((READ_ONCE(f->flags) & TLSI_FLOW_F_RESET) &&
		    t.proto == IPPROTO_TCP && !(l4.tcp_flags & TLSI_TCPF_RST)) {
			/* A reset would have to go back inside the tunnel. */
			if (t.encap)
				tlsi_count(tn, TLSI_CNT_TUNNEL_RESET_NOT_SENT);
			else
				tlsi_send_reset(tn, skb, in);
		}
		return tlsi_drop(tn, READ_ONCE(f->table));
	}

	if (t.proto == IPPROTO_TCP && (READ_ONCE(f->flags) & TLSI_FLOW_F_INSPECT) &&
	    tlsi_cleartext_tcp(tn, f, reply, skb, &l4, state)) {
		tlsi_count(tn, TLSI_CNT_DROP_IPS_TCP_PKT);
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}
	if (READ_ONCE(f->flags) & (TLSI_FLOW_F_DIVERTED | TLSI_FLOW_F_STEER | TLSI_FLOW_F_PICKED))
		return tlsi_divert_steer(tn, skb, in);

	if (READ_ONCE(f->tm_rule)) {
		struct tlsi_rule *rl = READ_ONCE(f->tm_rule);
		bool ok;

		spin_lock_bh(&rl->tb_lock);
		ok = tlsi_tb_take(&rl->tb, ktime_get_mono_fast_ns());
		spin_unlock_bh(&rl->tb_lock);
		if (!ok) {
			tlsi_count(tn, TLSI_CNT_DROP_TM_RATE_LIMIT);
			tlsi_count(tn, TLSI_CNT_ACTION_DROP);
			return NF_DROP;
		}
		tlsi_count(tn, TLSI_CNT_TM_RATE_LIMIT_PASS);
	}
	/* TCP inside a tunnel: inspected here, in order (tunnel.c). */
	if (t.proto == IPPROTO_TCP && t.encap &&
	    tlsi_tunnel_tcp(tn, f, reply, skb, &l4, tlsi_profile_settings(seg->profile))) {
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}
	if (t.proto == IPPROTO_UDP && (READ_ONCE(f->flags) & TLSI_FLOW_F_INSPECT) &&
	    tlsi_cleartext_udp(tn, f, reply, skb, &l4)) {
		tlsi_count(tn, TLSI_CNT_DROP_IPS_UDP);
		tlsi_count(tn, TLSI_CNT_ACTION_DROP);
		return NF_DROP;
	}
	tlsi_count(tn, TLSI_CNT_ACTION_FORWARD);
	return NF_ACCEPT;
}

static unsigned int tlsi_br_prerouting(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	if (!state->in)
		return NF_ACCEPT;
	return tlsi_classify_skb(priv, skb, state->in);
}

/*
 * The IP half of the divert: a steered SYN is assigned to tlsid's
 * transparent listener (the logic of xt_TPROXY), or to the module's own
 * for a cleartext connection. It has to happen here, after ip_rcv_core()
 * or ipv6_rcv(), which orphan any socket assigned earlier. Later packets
 * of the connection need nothing: the fwmark route delivers them locally
 * and TCP finds the sockets by their addresses. One listener of each kind
 * is dual-stack and takes both families.
 */
/* The listener a steered SYN goes to: the module's own for a cleartext
 * connection, else tlsid's; 0: none. */
static u16 tlsi_divert_listen_port(struct tlsi_net *tn, const struct tlsi_addr *saddr,
				   const struct tlsi_addr *daddr, const struct tcphdr *th)
{
	if (tlsi_divert_cleartext(tn, saddr, ntohs(th->source), daddr, ntohs(th->dest), NULL))
		return READ_ONCE(tn->clear_port);
	return READ_ONCE(tn->cfg.divert_port);
}

/* Both families' end: assign the socket found if it is a transparent one
 * (nf_tproxy_assign_sock() consumes the reference, and
 * nf_tproxy_sk_is_transparent() drops it when it is not), else drop the
 * SYN, counted. */
static unsigned int tlsi_divert_assign(struct tlsi_net *tn, struct sk_buff *skb, struct sock *sk)
{
	if (sk && nf_tproxy_sk_is_transparent(sk)) {
		nf_tproxy_assign_sock(skb, sk);
		tlsi_count(tn, TLSI_CNT_SSL_ASSIGNED);
		return NF_ACCEPT;
	}
	tlsi_count(tn, TLSI_CNT_DROP_SSL_STEER);
	return NF_DROP;
}

static unsigned int tlsi_ipv4_prerouting(void *priv, struct sk_buff *skb,
					 const struct nf_hook_state *state)
{
	struct tlsi_net *tn = priv;
	u32 mark = READ_ONCE(tn->cfg.divert_mark);
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct tlsi_addr saddr, daddr;
	struct tcphdr _th;
	struct sock *sk;
	__be32 laddr;
	u16 port;

	if (!mark || skb->mark != mark || !state->in)
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (iph->protocol != IPPROTO_TCP || (iph->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th || !th->syn || th->ack)
		return NF_ACCEPT;
	saddr = tlsi_addr_v4(ntohl(iph->saddr));
	daddr = tlsi_addr_v4(ntohl(iph->daddr));
	port = tlsi_divert_listen_port(tn, &saddr, &daddr, th);
	if (!port)
		return NF_ACCEPT;

	sk = nf_tproxy_get_sock_v4(tn->net, skb, IPPROTO_TCP, iph->saddr, iph->daddr,
				   th->source, th->dest, state->in,
				   NF_TPROXY_LOOKUP_ESTABLISHED);
	laddr = nf_tproxy_laddr4(skb, 0, iph->daddr);
	if (sk && sk->sk_state == TCP_TIME_WAIT)
		sk = nf_tproxy_handle_time_wait4(tn->net, skb, laddr, htons(port), sk);
	else if (!sk)
		sk = nf_tproxy_get_sock_v4(tn->net, skb, IPPROTO_TCP, iph->saddr, laddr,
					   th->source, htons(port), state->in,
					   NF_TPROXY_LOOKUP_LISTENER);
	return tlsi_divert_assign(tn, skb, sk);
}

static unsigned int tlsi_ipv6_prerouting(void *priv, struct sk_buff *skb,
					 const struct nf_hook_state *state)
{
	struct tlsi_net *tn = priv;
	u32 mark = READ_ONCE(tn->cfg.divert_mark);
	const struct in6_addr *laddr;
	const struct ipv6hdr *ip6h;
	struct tlsi_addr saddr, daddr;
	const struct tcphdr *th;
	struct tcphdr _th;
	struct sock *sk;
	int thoff;
	u16 port;

	if (!mark || skb->mark != mark || !state->in)
		return NF_ACCEPT;
	thoff = tlsi_ipv6_tcp_offset(skb);
	if (thoff < 0)
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th || !th->syn || th->ack)
		return NF_ACCEPT;
	saddr = tlsi_addr_v6(ip6h->saddr.s6_addr);
	daddr = tlsi_addr_v6(ip6h->daddr.s6_addr);
	port = tlsi_divert_listen_port(tn, &saddr, &daddr, th);
	if (!port)
		return NF_ACCEPT;

	sk = nf_tproxy_get_sock_v6(tn->net, skb, thoff, IPPROTO_TCP, &ip6h->saddr,
				   &ip6h->daddr, th->source, th->dest, state->in,
				   NF_TPROXY_LOOKUP_ESTABLISHED);
	laddr = nf_tproxy_laddr6(skb, &in6addr_any, &ip6h->daddr);
	if (sk && sk->sk_state == TCP_TIME_WAIT)
		sk = nf_tproxy_handle_time_wait6(skb, IPPROTO_TCP, thoff, tn->net, &in6addr_any,
						 htons(port), sk);
	else if (!sk)
		sk = nf_tproxy_get_sock_v6(tn->net, skb, thoff, IPPROTO_TCP, &ip6h->saddr,
					   laddr, th->source, htons(port), state->in,
					   NF_TPROXY_LOOKUP_LISTENER);
	return tlsi_divert_assign(tn, skb, sk);
}

int tlsi_hooks_register(struct tlsi_net *tn)
{
	struct nf_hook_ops *ops = &tn->hook_ops;
	struct nf_hook_ops *ops4 = &tn->ipv4_hook_ops;
	struct nf_hook_ops *ops6 = &tn->ipv6_hook_ops;
	int err;

	/* The core keeps a pointer to ops: they live in tlsi_net. */
	ops->hook = tlsi_br_prerouting;
	ops->pf = NFPROTO_BRIDGE;
	ops->hooknum = NF_BR_PRE_ROUTING;
	ops->priority = NF_BR_PRI_FILTER_BRIDGED;
	ops->priv = tn;
	ops4->hook = tlsi_ipv4_prerouting;
	ops4->pf = NFPROTO_IPV4;
	ops4->hooknum = NF_INET_PRE_ROUTING;
	ops4->priority = NF_IP_PRI_MANGLE + 1;	/* where xt_TPROXY runs */
	ops4->priv = tn;
	ops6->hook = tlsi_ipv6_prerouting;
	ops6->pf = NFPROTO_IPV6;
	ops6->hooknum = NF_INET_PRE_ROUTING;
	ops6->priority = NF_IP6_PRI_MANGLE + 1;
	ops6->priv = tn;
	err = nf_register_net_hook(tn->net, ops);
	if (err)
		return err;
	err = nf_register_net_hook(tn->net, ops4);
	if (err)
		goto err_ops;
	err = nf_register_net_hook(tn->net, ops6);
	if (err)
		goto err_ops4;
	tn->hooks_registered = true;
	return 0;

err_ops4:
	nf_unregister_net_hook(tn->net, ops4);
err_ops:
	nf_unregister_net_hook(tn->net, ops);
	return err;
}

void tlsi_hooks_unregister(struct tlsi_net *tn)
{
	if (tn->hooks_registered) {
		nf_unregister_net_hook(tn->net, &tn->ipv6_hook_ops);
		nf_unregister_net_hook(tn->net, &tn->ipv4_hook_ops);
		nf_unregister_net_hook(tn->net, &tn->hook_ops);
	}
	tn->hooks_registered = false;
}
