// SPDX-License-Identifier: GPL-2.0
/*
 * TCP inside tunnels (GRE with or without key, IPv4-in-IPv4: hook.c
 * classifies them by the inner packet), inspected on the bridge itself by
 * an inline stream normaliser.
 *
 * Cleartext TCP outside tunnels goes through the kernel relay by a divert
 * up the appliance's own stack (cleartext.c). A tunnelled frame cannot go
 * that way: the stack would decapsulate it and answer from the
 * appliance's addresses rather than the tunnel peer's. So its bytes are
 * inspected where they pass, and the hook makes sure that the receiver
 * gets exactly the bytes the engine saw, in the order it saw them. Per
 * flow and direction it keeps the next expected sequence number, learnt
 * from the SYN (client) and the SYN-ACK (server):
 *
 *   - a segment that starts there: its payload goes to the engine
 *     (inspect.c, with the flow's own driver state) before the frame is
 *     forwarded, and the expected number moves past it;
 *   - a segment wholly before it (a retransmission of bytes forwarded
 *     already): forwarded without inspection, the receiver has them;
 *   - a segment beyond it (out of order), or one that overlaps forwarded
 *     bytes and carries new ones: dropped, counted; the sender retransmits
 *     in order;
 *   - a block verdict: this frame and every later one of the flow are
 *     dropped, without a reset (it would have to go back inside the
 *     tunnel); the alert event names the inner addresses;
 *   - past the inspection depth of a direction: forwarded as it comes;
 *   - inner IP fragments: dropped (TCP sets DF: only an evasion sends
 *     them, and their bytes would pass the normaliser);
 *   - both FINs in order end the engine's flow; a reset ends nothing
 *     (the receiver ignores one outside its window).
 *
 * Bounds: a stream takes a session slot (max-ssl-sessions, shared with the
 * SSL and cleartext relays) and one GFP_ATOMIC allocation of the engine's
 * flow state (37 KB: an order-4 block). No slot or no memory: the flow passes
 * uninspected, counted. So does a flow picked up mid-stream (its SYN was
 * not seen while rules were loaded), whose sequence numbers are unknown.
 *
 * Lifetime: f->ts is set once, by cmpxchg on the packet path; the flow's
 * end (flow.c: expiry, a restart by SYN, namespace exit, unload) takes it
 * with xchg and frees it after a grace period, since a CPU that read the
 * pointer before may still be inside the stream's lock.
 */
#include <linux/slab.h>
#include <linux/random.h>

#include "ips.h"
#include "flow.h"

enum { TLSI_TS_C2S, TLSI_TS_S2C };

struct tlsi_tstream {
	struct rcu_head rcu;		/* first: kfree_rcu() wants it near */
	spinlock_t lock;		/* both directions; bottom halves off */
	u32 next_seq[2];		/* next byte expected, per direction */
	u8 seq_known[2];
	u8 fin[2];			/* an in-order FIN seen */
	u8 ended;			/* the engine saw the end */
	u32 depth;			/* the profile's, or TLSI_INSPECT_DEPTH_DEFAULT */
	struct tlsi_drv_flow d;		/* the engine's state of the flow */
};

/* Mark the flow passed uninspected (once) and count why. */
static void tlsi_tstream_pass(struct tlsi_net *tn, struct tlsi_flow *f, enum tlsi_counter why)
{
	if (cmpxchg(&f->ts, NULL, TLSI_TSTREAM_PASS))
		return;
	tlsi_count(tn, why);
	tlsi_count(tn, TLSI_CNT_CLEAR_TUNNEL);
}

/* The client's SYN of a flow to inspect: its stream, or NULL (passed). */
static struct tlsi_tstream *tlsi_tstream_new(struct tlsi_net *tn, struct tlsi_flow *f,
					     u32 isn, u32 depth)
{
	struct tlsi_tstream *ts;
	u8 c[16], s[16];

	if (atomic_inc_return(&tn->ssl_sessions) > READ_ONCE(tn->cfg.max_ssl_sessions)) {
		atomic_dec(&tn->ssl_sessions);
		tlsi_tstream_pass(tn, f, TLSI_CNT_TUNNEL_TCP_FULL);
		net_warn_ratelimited("tlsi: tunnelled TCP inspection reached max-ssl-sessions (%u): connection passed uninspected\n",
				     READ_ONCE(tn->cfg.max_ssl_sessions));
		return NULL;
	}
	ts = kzalloc(sizeof(*ts), GFP_ATOMIC | __GFP_NOWARN);
	if (!ts) {
		atomic_dec(&tn->ssl_sessions);
		tlsi_tstream_pass(tn, f, TLSI_CNT_TUNNEL_TCP_NOMEM);
		return NULL;
	}
	spin_lock_init(&ts->lock);
	ts->next_seq[TLSI_TS_C2S] = isn + 1;
	ts->seq_known[TLSI_TS_C2S] = 1;
	ts->depth = depth;
	tlsi_addr_to_bytes(&f->key.saddr, c);
	tlsi_addr_to_bytes(&f->key.daddr, s);
	tlsi_drv_flow_init(&ts->d, c, f->key.sport, s, f->key.dport, get_random_u64(), 0);
	/* Another CPU's copy of the SYN, or the flow going meanwhile. */
	if (cmpxchg(&f->ts, NULL, ts)) {
		kfree(ts);
		atomic_dec(&tn->ssl_sessions);
		return NULL;
	}
	tlsi_count(tn, TLSI_CNT_TUNNEL_TCP_INSPECTED);
	return ts;
}

/* Has direction dir reached the inspection depth? Then order no longer
 * matters to the engine. */
static bool tlsi_tstream_past_depth(struct tlsi_net *tn, const struct tlsi_tstream *ts,
				    unsigned int dir)
{
	u64 depth = ts->depth != TLSI_INSPECT_DEPTH_DEFAULT ? ts->depth :
		    READ_ONCE(tlsi_ips_pernet(tn)->cfg.depth);

	return depth && ts->d.seen[dir] >= depth;
}

static void tlsi_tstream_end(struct tlsi_net *tn, struct tlsi_flow *f, struct tlsi_tstream *ts)
{
	if (ts->ended)
		return;
	ts->ended = 1;
	tlsi_inspect_stream_end(tn, &ts->d, &f->key);
}

/*
 * One frame of the stream, under its lock: true to drop it (counted).
 * The payload is what the inner IP packet carries past the TCP header.
 */
static bool tlsi_tstream_segment(struct tlsi_net *tn, struct tlsi_flow *f,
				 struct tlsi_tstream *ts, bool reply, bool inspect,
				 const struct sk_buff *skb, const struct tlsi_l4 *l4)
{
	unsigned int dir = reply ? TLSI_TS_S2C : TLSI_TS_C2S;
	unsigned int hdr = l4->off + l4->tcp_hlen, len;
	u8 fl = l4->tcp_flags;
	u32 seq = l4->tcp_seq;

	if (ts->d.blocked) {
		tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL);
		return true;
	}
	/* inspect-cleartext turned off since. A header the packet does not
	 * hold: the receiver discards it. */
	if (!inspect || hdr > l4->end || l4->end > skb->len)
		return false;
	len = l4->end - hdr;
	if (fl & TLSI_TCPF_SYN) {
		if (reply && !ts->seq_known[dir]) {
			ts->next_seq[dir] = seq + 1;
			ts->seq_known[dir] = 1;
		}
		seq++;		/* data in a SYN (fast open) follows it */
	}
	/* A reset passes and ends nothing here: one the receiver finds out
	 * of its window is ignored, and the data after it still counts. */
	if (len) {
		/* Server data without a SYN-ACK seen: nothing legitimate. */
		if (!ts->seq_known[dir]) {
			tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL_OOO);
			return true;
		}
		if (tlsi_tstream_past_depth(tn, ts, dir)) {
			tlsi_count(tn, TLSI_CNT_TUNNEL_TCP_DEPTH);
			return false;
		}
		switch (tlsi_seg_classify(ts->next_seq[dir], seq, len)) {
		case TLSI_SEG_OLD:
			tlsi_count(tn, TLSI_CNT_TUNNEL_TCP_RETRANSMIT);
			return false;
		case TLSI_SEG_AHEAD:
			tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL_OOO);
			return true;
		case TLSI_SEG_OVERLAP:
			tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL_OVERLAP);
			return true;
		case TLSI_SEG_IN_ORDER:
			/* new bytes after both FINs: no receiver takes them */
			if (ts->ended) {
				tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL_OOO);
				return true;
			}
			break;
		}
		if (tlsi_inspect_stream(tn, &ts->d, &f->key, ts->depth, reply, skb, hdr, len)) {
			tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL);
			return true;
		}
		ts->next_seq[dir] = seq + len;
	}
	/* An in-order FIN: the direction ends; both: the engine's end. */
	if ((fl & TLSI_TCPF_FIN) && ts->seq_known[dir] && seq + len == ts->next_seq[dir]) {
		ts->fin[dir] = 1;
		if (ts->fin[!dir])
			tlsi_tstream_end(tn, f, ts);
	}
	return false;
}

bool tlsi_tunnel_tcp(struct tlsi_net *tn, struct tlsi_flow *f, bool reply,
		     struct sk_buff *skb, const struct tlsi_l4 *l4,
		     const struct tlsi_profile_settings *ps)
{
	struct tlsi_tstream *ts = READ_ONCE(f->ts);
	bool inspect = READ_ONCE(f->flags) & TLSI_FLOW_F_INSPECT;
	bool drop;

	/* Inner IP fragments (the later ones are a portless flow of their
	 * own) would carry bytes past the normaliser: TCP sets DF, so only
	 * an evasion sends them. */
	if (l4->frag) {
		if (!inspect || !tlsi_ips_loaded(tn))
			return false;
		tlsi_count(tn, TLSI_CNT_DROP_IPS_TUNNEL_FRAGMENT);
		return true;
	}
	if (!ts) {
		if (!inspect || !tlsi_ips_loaded(tn) || !l4->off)
			return false;
		if (reply || (l4->tcp_flags & (TLSI_TCPF_SYN | TLSI_TCPF_ACK | TLSI_TCPF_RST)) !=
			     TLSI_TCPF_SYN) {
			tlsi_tstream_pass(tn, f, TLSI_CNT_TUNNEL_TCP_MIDSTREAM);
			return false;
		}
		ts = tlsi_tstream_new(tn, f, l4->tcp_seq, ps->inspect_depth);
		if (!ts)
			ts = READ_ONCE(f->ts);	/* another CPU's */
	}
	if (!tlsi_tstream_live(ts))
		return false;
	spin_lock_bh(&ts->lock);
	drop = tlsi_tstream_segment(tn, f, ts, reply, inspect, skb, l4);
	spin_unlock_bh(&ts->lock);
	return drop;
}

void tlsi_tunnel_flow_gone(struct tlsi_net *tn, struct tlsi_flow *f)
{
	struct tlsi_tstream *ts = xchg(&f->ts, TLSI_TSTREAM_GONE);

	if (!tlsi_tstream_live(ts))
		return;
	atomic_dec(&tn->ssl_sessions);
	kfree_rcu(ts, rcu);
}
