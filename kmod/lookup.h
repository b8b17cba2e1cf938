/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure match logic shared by tlsi.ko and the userspace unit tests: no
 * allocation, no locking, no kernel or libc calls beyond fixed-width types.
 * Everything here is a static inline so both builds get the same code.
 */
#ifndef TLSI_LOOKUP_H
#define TLSI_LOOKUP_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <linux/types.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#endif

/* An IPv4 prefix in host byte order; plen 0 matches everything. */
struct tlsi_cidr4 {
	u32 addr;
	u8 plen;
};

static inline u32 tlsi_prefix_mask(u8 plen)
{
	return plen ? ~(u32)0 << (32 - plen) : 0;
}

static inline bool tlsi_cidr4_valid(const struct tlsi_cidr4 *c)
{
	return c->plen <= 32 && (c->addr & ~tlsi_prefix_mask(c->plen)) == 0;
}

static inline bool tlsi_cidr4_match(const struct tlsi_cidr4 *c, u32 addr)
{
	return (addr & tlsi_prefix_mask(c->plen)) == c->addr;
}

struct tlsi_port_range {
	u16 min, max;	/* {0, 65535} = any */
};

static inline bool tlsi_port_match(const struct tlsi_port_range *r, u16 port)
{
	return port >= r->min && port <= r->max;
}

/* The packet as the tables see it: host order, originator's direction. */
struct tlsi_pkt_tuple {
	u32 saddr, daddr;
	u16 sport, dport;	/* 0 for protocols without ports */
	u8 proto;
	u16 vlan;		/* 0 = untagged */
};

/* Match part shared by inspection-bypass rules and TM filters. */
struct tlsi_match {
	struct tlsi_cidr4 src, dst;
	struct tlsi_port_range sport, dport;
	u8 proto;		/* 0 = any */
	u16 vlan;		/* 0 = any */
};

static inline void tlsi_match_init_any(struct tlsi_match *m)
{
	m->src.addr = 0; m->src.plen = 0;
	m->dst.addr = 0; m->dst.plen = 0;
	m->sport.min = 0; m->sport.max = 65535;
	m->dport.min = 0; m->dport.max = 65535;
	m->proto = 0;
	m->vlan = 0;
}

static inline bool tlsi_proto_has_ports(u8 proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/*
 * Ports only take part for protocols that have them: a rule with a port
 * range never matches ICMP, a rule without one matches every protocol.
 */
static inline bool tlsi_match_tuple(const struct tlsi_match *m,
				    const struct tlsi_pkt_tuple *t)
{
	bool any_sport = m->sport.min == 0 && m->sport.max == 65535;
	bool any_dport = m->dport.min == 0 && m->dport.max == 65535;

	if (m->proto && m->proto != t->proto)
		return false;
	if (m->vlan && m->vlan != t->vlan)
		return false;
	if (!tlsi_cidr4_match(&m->src, t->saddr) ||
	    !tlsi_cidr4_match(&m->dst, t->daddr))
		return false;
	if (!any_sport || !any_dport) {
		if (!tlsi_proto_has_ports(t->proto))
			return false;
		if (!tlsi_port_match(&m->sport, t->sport) ||
		    !tlsi_port_match(&m->dport, t->dport))
			return false;
	}
	return true;
}

/*
 * Token bucket in packets per second, kept in nanoseconds of credit so that
 * integer math is exact at low rates: each packet costs 1e9 / rate ns, the
 * bucket holds at most one second of credit (a burst of "rate" packets).
 * Caller serialises access.
 */
struct tlsi_token_bucket {
	u64 credit_ns;
	u64 last_ns;
	u32 rate;
};

static inline void tlsi_tb_init(struct tlsi_token_bucket *tb, u32 rate, u64 now_ns)
{
	tb->rate = rate;
	tb->credit_ns = 1000000000ULL;
	tb->last_ns = now_ns;
}

static inline bool tlsi_tb_take(struct tlsi_token_bucket *tb, u64 now_ns)
{
	u64 cost = 1000000000ULL / (tb->rate ? tb->rate : 1);

	/* A clock that steps back neither mints nor loses credit. */
	if (now_ns > tb->last_ns) {
		tb->credit_ns += now_ns - tb->last_ns;
		if (tb->credit_ns > 1000000000ULL)
			tb->credit_ns = 1000000000ULL;
		tb->last_ns = now_ns;
	}
	if (tb->credit_ns < cost)
		return false;
	tb->credit_ns -= cost;
	return true;
}

/* TCP connection states the flow table tracks (a simplified conntrack). */
enum tlsi_tcp_state {
	TLSI_TCP_NONE,
	TLSI_TCP_SYN_SENT,
	TLSI_TCP_SYN_RECV,
	TLSI_TCP_ESTABLISHED,
	TLSI_TCP_FIN_WAIT,
	TLSI_TCP_CLOSE,
};

#define TLSI_TCPF_FIN 0x01
#define TLSI_TCPF_SYN 0x02
#define TLSI_TCPF_RST 0x04
#define TLSI_TCPF_ACK 0x10

/*
 * Next state from the current one, the TCP flags of a packet and its
 * direction (reply = from the responder). A flow first seen mid-stream
 * (module loaded under live traffic) is taken as established.
 */
static inline u8 tlsi_tcp_next_state(u8 state, u8 flags, bool reply)
{
	if (flags & TLSI_TCPF_RST)
		return TLSI_TCP_CLOSE;
	switch (state) {
	case TLSI_TCP_NONE:
		if ((flags & (TLSI_TCPF_SYN | TLSI_TCPF_ACK)) == TLSI_TCPF_SYN)
			return TLSI_TCP_SYN_SENT;
		return (flags & TLSI_TCPF_FIN) ? TLSI_TCP_FIN_WAIT : TLSI_TCP_ESTABLISHED;
	case TLSI_TCP_SYN_SENT:
		if (reply && (flags & TLSI_TCPF_SYN) && (flags & TLSI_TCPF_ACK))
			return TLSI_TCP_SYN_RECV;
		return state;
	case TLSI_TCP_SYN_RECV:
		if (!reply && (flags & TLSI_TCPF_ACK) && !(flags & TLSI_TCPF_SYN))
			return (flags & TLSI_TCPF_FIN) ? TLSI_TCP_FIN_WAIT : TLSI_TCP_ESTABLISHED;
		return state;
	case TLSI_TCP_ESTABLISHED:
		return (flags & TLSI_TCPF_FIN) ? TLSI_TCP_FIN_WAIT : state;
	case TLSI_TCP_FIN_WAIT:
	case TLSI_TCP_CLOSE:
	default:
		return state;
	}
}

/* Symmetric flow hash input: both directions of a flow hash alike. */
static inline void tlsi_flow_hash_words(const struct tlsi_pkt_tuple *t, u16 seg,
					u32 w[3])
{
	w[0] = t->saddr ^ t->daddr;
	w[1] = ((u32)(u16)(t->sport ^ t->dport) << 16) | ((u32)t->proto << 8);
	w[2] = (t->saddr + t->daddr) ^ ((u32)seg << 16) ^ (u32)(t->sport + t->dport);
}

/*
 * Longest-prefix match probes prefix lengths from the longest present one
 * down: take the highest set bit of a prefix-length mask and clear it.
 * Returns -1 when the mask is empty.
 */
static inline int tlsi_plen_take_longest(u64 *mask)
{
	int plen;

	if (!*mask)
		return -1;
	plen = 63 - __builtin_clzll(*mask);
	*mask &= ~(1ULL << plen);
	return plen;
}

/* Reputation: the best score among the entries that src or dst hit. */
static inline bool tlsi_rep_blocks(u8 score, u8 block_threshold)
{
	return block_threshold <= 100 && score >= block_threshold;
}

#endif /* TLSI_LOOKUP_H */
