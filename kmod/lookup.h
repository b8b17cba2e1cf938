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
#include <string.h>
#include <linux/types.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

/*
 * One address type for both families: four 32-bit words in host byte
 * order, an IPv4 address held as the IPv4-mapped IPv6 address
 * ::ffff:a.b.c.d (RFC 4291 2.5.5.2). Every table, the flow key and every
 * prefix are 128-bit, so one match, hash and longest-prefix path serves
 * both families, and an IPv4 prefix a.b.c.d/n is the 128-bit prefix of
 * length 96 + n. The packet parser refuses IPv6 packets that carry mapped
 * addresses (they never appear on the wire), so the encoding is
 * unambiguous.
 */
struct tlsi_addr {
	u32 w[4];
};

#define TLSI_AF_V4 4
#define TLSI_AF_V6 6
#define TLSI_V4_PLEN_BASE 96	/* an IPv4 prefix of length n is 96 + n */

static inline struct tlsi_addr tlsi_addr_v4(u32 host)
{
	struct tlsi_addr a = { { 0, 0, 0xffff, host } };

	return a;
}

static inline bool tlsi_addr_is_v4(const struct tlsi_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == 0xffff;
}

/* TLSI_AF_V4 or TLSI_AF_V6. */
static inline u8 tlsi_addr_family(const struct tlsi_addr *a)
{
	return tlsi_addr_is_v4(a) ? TLSI_AF_V4 : TLSI_AF_V6;
}

/* From / to the 16 bytes of an IPv6 address in network order. */
static inline struct tlsi_addr tlsi_addr_v6(const u8 b[16])
{
	struct tlsi_addr a;
	int i;

	for (i = 0; i < 4; i++)
		a.w[i] = (u32)b[4 * i] << 24 | (u32)b[4 * i + 1] << 16 |
			 (u32)b[4 * i + 2] << 8 | b[4 * i + 3];
	return a;
}

static inline void tlsi_addr_to_bytes(const struct tlsi_addr *a, u8 b[16])
{
	int i;

	for (i = 0; i < 4; i++) {
		b[4 * i] = a->w[i] >> 24;
		b[4 * i + 1] = a->w[i] >> 16;
		b[4 * i + 2] = a->w[i] >> 8;
		b[4 * i + 3] = a->w[i];
	}
}

static inline bool tlsi_addr_eq(const struct tlsi_addr *a, const struct tlsi_addr *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) |
		(a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}

/* The unspecified address (::), also "no address" in events. */
static inline bool tlsi_addr_is_zero(const struct tlsi_addr *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* The mask of word i (0..3) of a 128-bit prefix of length plen. */
static inline u32 tlsi_prefix_word_mask(u8 plen, int i)
{
	int bits = (int)plen - 32 * i;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return ~(u32)0;
	return ~(u32)0 << (32 - bits);
}

static inline struct tlsi_addr tlsi_addr_masked(const struct tlsi_addr *a, u8 plen)
{
	struct tlsi_addr m;
	int i;

	for (i = 0; i < 4; i++)
		m.w[i] = a->w[i] & tlsi_prefix_word_mask(plen, i);
	return m;
}

/*
 * A prefix: family 0 is "any address" (plen 0); an IPv4 prefix has plen
 * 96..128 over the mapped form, an IPv6 one 0..128. The family takes part
 * in the match, so ::/0 is every IPv6 address and no IPv4 one.
 */
struct tlsi_cidr {
	struct tlsi_addr addr;
	u8 plen;
	u8 family;		/* 0 (any), TLSI_AF_V4, TLSI_AF_V6 */
};

static inline bool tlsi_cidr_valid(const struct tlsi_cidr *c)
{
	struct tlsi_addr m;

	switch (c->family) {
	case 0:
		if (c->plen)
			return false;
		break;
	case TLSI_AF_V4:
		if (c->plen < TLSI_V4_PLEN_BASE || !tlsi_addr_is_v4(&c->addr))
			return false;
		break;
	case TLSI_AF_V6:
		/* A mapped IPv4 prefix is written in its IPv4 form. */
		if (c->plen >= TLSI_V4_PLEN_BASE && tlsi_addr_is_v4(&c->addr))
			return false;
		break;
	default:
		return false;
	}
	if (c->plen > 128)
		return false;
	m = tlsi_addr_masked(&c->addr, c->plen);
	return tlsi_addr_eq(&m, &c->addr);
}

static inline bool tlsi_cidr_match(const struct tlsi_cidr *c, const struct tlsi_addr *a)
{
	int i;

	if (c->family && c->family != tlsi_addr_family(a))
		return false;
	for (i = 0; i < 4; i++)
		if ((a->w[i] & tlsi_prefix_word_mask(c->plen, i)) != c->addr.w[i])
			return false;
	return true;
}

/* The IPv4 prefix a/plen (plen 0..32, a masked) as a tlsi_cidr. */
static inline struct tlsi_cidr tlsi_cidr_v4(u32 host, u8 plen)
{
	struct tlsi_cidr c;

	c.addr = tlsi_addr_v4(host);
	c.plen = TLSI_V4_PLEN_BASE + plen;
	c.family = TLSI_AF_V4;
	return c;
}

/* One host of either family as a tlsi_cidr (/32 or /128). */
static inline struct tlsi_cidr tlsi_cidr_host(const struct tlsi_addr *a)
{
	struct tlsi_cidr c;

	c.addr = *a;
	c.plen = 128;
	c.family = tlsi_addr_family(a);
	return c;
}

/* The prefix length as its family writes it (IPv4: 0..32). */
static inline u8 tlsi_cidr_family_plen(const struct tlsi_cidr *c)
{
	return c->family == TLSI_AF_V4 ? c->plen - TLSI_V4_PLEN_BASE : c->plen;
}

/* Prefix lengths 0..128 present in a table, one bit each. */
struct tlsi_plen_set {
	u64 w[3];
};

static inline void tlsi_plen_set_add(struct tlsi_plen_set *s, u8 plen)
{
	s->w[plen / 64] |= 1ULL << (plen % 64);
}

/* A 32-bit digest of an address, for hash keys. */
static inline u32 tlsi_addr_fold(const struct tlsi_addr *a)
{
	return a->w[0] ^ a->w[1] ^ (a->w[2] * 0x9e3779b1u) ^ a->w[3];
}

struct tlsi_port_range {
	u16 min, max;	/* {0, 65535} = any */
};

static inline bool tlsi_port_match(const struct tlsi_port_range *r, u16 port)
{
	return port >= r->min && port <= r->max;
}

/* The packet as the tables see it: host order, originator's direction. */
/* How a tunnelled packet reached the tables (its tuple is the inner one). */
enum tlsi_encap {
	TLSI_ENCAP_NONE,
	TLSI_ENCAP_GRE,
	TLSI_ENCAP_GRE_KEY,	/* tunnel_key is the GRE key */
	TLSI_ENCAP_IPIP,
};

struct tlsi_pkt_tuple {
	struct tlsi_addr saddr, daddr;
	u16 sport, dport;	/* 0 for protocols without ports */
	u8 proto;
	u8 encap;		/* enum tlsi_encap; part of the flow key */
	u16 vlan;		/* 0 = untagged */
	u32 tunnel_key;		/* GRE key; part of the flow key */
};

/* Match part shared by inspection-bypass rules and TM filters. */
struct tlsi_match {
	struct tlsi_cidr src, dst;
	struct tlsi_port_range sport, dport;
	u8 proto;		/* 0 = any */
	u16 vlan;		/* 0 = any */
};

static inline void tlsi_match_init_any(struct tlsi_match *m)
{
	memset(&m->src, 0, sizeof(m->src));	/* family 0: any */
	memset(&m->dst, 0, sizeof(m->dst));
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
	if (!tlsi_cidr_match(&m->src, &t->saddr) ||
	    !tlsi_cidr_match(&m->dst, &t->daddr))
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

/*
 * TCP connection states the flow table tracks (a simplified conntrack).
 * A FIN from one side only is a half-close, which may last as long as an
 * established connection (a client still uploading after the server's
 * FIN, or a diverted session whose two ends close at different times):
 * only when both sides have sent theirs does the close timeout apply.
 */
enum tlsi_tcp_state {
	TLSI_TCP_NONE,
	TLSI_TCP_SYN_SENT,
	TLSI_TCP_SYN_RECV,
	TLSI_TCP_ESTABLISHED,
	TLSI_TCP_FIN_ORIG,	/* the originator sent a FIN */
	TLSI_TCP_FIN_REPLY,	/* the responder sent a FIN */
	TLSI_TCP_FIN_BOTH,	/* both did */
	TLSI_TCP_CLOSE,		/* a reset */
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
/* The state after a FIN from one side of an established connection. */
static inline u8 tlsi_tcp_fin(u8 state, bool reply)
{
	if (state == TLSI_TCP_FIN_BOTH ||
	    state == (reply ? TLSI_TCP_FIN_ORIG : TLSI_TCP_FIN_REPLY))
		return TLSI_TCP_FIN_BOTH;
	return reply ? TLSI_TCP_FIN_REPLY : TLSI_TCP_FIN_ORIG;
}

static inline u8 tlsi_tcp_next_state(u8 state, u8 flags, bool reply)
{
	bool fin = flags & TLSI_TCPF_FIN;

	if (flags & TLSI_TCPF_RST)
		return TLSI_TCP_CLOSE;
	switch (state) {
	case TLSI_TCP_NONE:
		if ((flags & (TLSI_TCPF_SYN | TLSI_TCPF_ACK)) == TLSI_TCPF_SYN)
			return TLSI_TCP_SYN_SENT;
		return fin ? tlsi_tcp_fin(TLSI_TCP_ESTABLISHED, reply) : TLSI_TCP_ESTABLISHED;
	case TLSI_TCP_SYN_SENT:
		if (reply && (flags & TLSI_TCPF_SYN) && (flags & TLSI_TCPF_ACK))
			return TLSI_TCP_SYN_RECV;
		return state;
	case TLSI_TCP_SYN_RECV:
		if (!reply && (flags & TLSI_TCPF_ACK) && !(flags & TLSI_TCPF_SYN))
			return fin ? tlsi_tcp_fin(TLSI_TCP_ESTABLISHED, reply) : TLSI_TCP_ESTABLISHED;
		/*
		 * The responder, established since its SYN-ACK, may close
		 * before the hook sees the originator's ACK: a diverted
		 * client's ACKs go to the relay first, so a server that
		 * sends its answer and FIN at once gets here. Forgetting that
		 * FIN would keep the half-closed flow for the established
		 * timeout.
		 */
		if (reply && fin && !(flags & TLSI_TCPF_SYN))
			return TLSI_TCP_FIN_REPLY;
		return state;
	case TLSI_TCP_ESTABLISHED:
	case TLSI_TCP_FIN_ORIG:
	case TLSI_TCP_FIN_REPLY:
		return fin ? tlsi_tcp_fin(state, reply) : state;
	case TLSI_TCP_FIN_BOTH:
	case TLSI_TCP_CLOSE:
	default:
		return state;
	}
}

/*
 * What the stream normaliser of tunnelled TCP (tunnel.c) makes of a
 * segment of len > 0 payload bytes starting at sequence number seq, when
 * next is the next byte expected in its direction. Serial-number
 * arithmetic (RFC 1982): it holds across the 2^32 wrap.
 */
enum tlsi_seg_class {
	TLSI_SEG_IN_ORDER,	/* starts at next: inspect, forward */
	TLSI_SEG_OLD,		/* ends at or before next: a retransmission */
	TLSI_SEG_AHEAD,		/* starts beyond next: out of order */
	TLSI_SEG_OVERLAP,	/* starts before next, ends beyond it */
};

static inline enum tlsi_seg_class tlsi_seg_classify(u32 next, u32 seq, u32 len)
{
	if ((s32)(seq + len - next) <= 0)
		return TLSI_SEG_OLD;
	if ((s32)(seq - next) > 0)
		return TLSI_SEG_AHEAD;
	if ((s32)(seq - next) < 0)
		return TLSI_SEG_OVERLAP;
	return TLSI_SEG_IN_ORDER;
}

/* Symmetric flow hash input: both directions of a flow hash alike. */
static inline void tlsi_flow_hash_words(const struct tlsi_pkt_tuple *t, u16 seg,
					u32 w[3])
{
	u32 s = tlsi_addr_fold(&t->saddr), d = tlsi_addr_fold(&t->daddr);

	w[0] = s ^ d ^ t->tunnel_key;
	w[1] = ((u32)(u16)(t->sport ^ t->dport) << 16) | ((u32)t->proto << 8) | t->encap;
	w[2] = (s + d) ^ ((u32)seg << 16) ^ (u32)(t->sport + t->dport);
}

/*
 * Longest-prefix match probes prefix lengths from the longest present one
 * down: take the highest set bit of the set and clear it. Returns -1 when
 * the set is empty.
 */
static inline int tlsi_plen_take_longest(struct tlsi_plen_set *s)
{
	int i, bit;

	for (i = 2; i >= 0; i--) {
		if (!s->w[i])
			continue;
		bit = 63 - __builtin_clzll(s->w[i]);
		s->w[i] &= ~(1ULL << bit);
		return 64 * i + bit;
	}
	return -1;
}

/*
 * An index over an ordered rule table (TM filters, bypass rules), so that
 * classifying a new flow does not walk every rule. Each rule is filed under
 * one key, chosen from the field it pins most narrowly:
 *
 *   SRC / DST   an address prefix of non-zero length (the longer side; src
 *               on a tie), keyed by (side, prefix length, prefix)
 *   PORT        else a protocol with ports and one destination port
 *   PROTO       else a protocol
 *   SRC / DST   else a family's whole range (0.0.0.0/0, ::/0)
 *   WILD        else (no address, no protocol: every packet is a candidate)
 *
 * A packet is looked up under every key that can name it: the masked
 * source and destination for each prefix length present, (protocol, dport),
 * (protocol) and the wildcard list. Every rule that can match is under one
 * of those keys, so the candidates are a superset of the matches; each
 * candidate is then checked in full (tlsi_match_tuple() and the caller's
 * own conditions), and the first match in table order wins exactly as in a
 * linear walk: node i is rule i, every chain is kept in ascending order, and
 * a chain is left as soon as it reaches a position at or after the best
 * match found so far.
 *
 * The caller provides the memory (tlsi_mindex_buckets() heads and one node
 * per rule) and inserts the rules from the last to the first.
 */
enum tlsi_mindex_kind {
	TLSI_MIX_WILD,
	TLSI_MIX_SRC,
	TLSI_MIX_DST,
	TLSI_MIX_PORT,
	TLSI_MIX_PROTO,
};

#define TLSI_MIX_END 0xffffffffu

struct tlsi_mindex_key {
	struct tlsi_addr addr;	/* SRC/DST: the prefix, masked; else zero */
	u16 port;		/* PORT: the destination port */
	u8 kind;		/* enum tlsi_mindex_kind */
	u8 plen;		/* SRC/DST: 0..128 */
	u8 proto;		/* PORT/PROTO */
};

struct tlsi_mindex_node {
	struct tlsi_mindex_key key;
	u32 next;		/* next node of the chain, TLSI_MIX_END at the end */
};

struct tlsi_mindex {
	u32 count;		/* rules (nodes) */
	u32 mask;		/* buckets - 1 */
	u32 wild;		/* first WILD node */
	u32 nport, nproto;	/* PORT and PROTO nodes: probe only if any */
	struct tlsi_plen_set src_plens, dst_plens;
	u32 *heads;		/* [mask + 1] */
	struct tlsi_mindex_node *nodes;	/* [count]: node i is rule i */
};

/* Buckets for count rules: a power of two >= count (load factor <= 1). */
static inline u32 tlsi_mindex_buckets(u32 count)
{
	u32 n = 1;

	while (n < count)
		n <<= 1;
	return n;
}

static inline void tlsi_mindex_init(struct tlsi_mindex *ix, u32 count, u32 *heads,
				    struct tlsi_mindex_node *nodes)
{
	u32 i, nb = tlsi_mindex_buckets(count);

	memset(ix, 0, sizeof(*ix));
	ix->count = count;
	ix->mask = nb - 1;
	ix->wild = TLSI_MIX_END;
	ix->heads = heads;
	ix->nodes = nodes;
	for (i = 0; i < nb; i++)
		heads[i] = TLSI_MIX_END;
}

/* Address bits a prefix pins within its family; -1 for "any family". */
static inline int tlsi_cidr_bits(const struct tlsi_cidr *c)
{
	return c->family ? tlsi_cidr_family_plen(c) : -1;
}

static inline void tlsi_mindex_key_addr(struct tlsi_mindex_key *k, u8 kind,
					const struct tlsi_cidr *c)
{
	k->kind = kind;
	k->plen = c->plen;
	k->addr = c->addr;
}

/* The key rule m is filed under (see above). */
static inline void tlsi_mindex_key_of(const struct tlsi_match *m, struct tlsi_mindex_key *k)
{
	int sbits = tlsi_cidr_bits(&m->src), dbits = tlsi_cidr_bits(&m->dst);

	memset(k, 0, sizeof(*k));
	if (sbits > 0 && sbits >= dbits)
		tlsi_mindex_key_addr(k, TLSI_MIX_SRC, &m->src);
	else if (dbits > 0)
		tlsi_mindex_key_addr(k, TLSI_MIX_DST, &m->dst);
	else if (m->proto && tlsi_proto_has_ports(m->proto) &&
		 m->dport.min == m->dport.max) {
		k->kind = TLSI_MIX_PORT;
		k->proto = m->proto;
		k->port = m->dport.min;
	} else if (m->proto) {
		k->kind = TLSI_MIX_PROTO;
		k->proto = m->proto;
	} else if (sbits == 0) {
		tlsi_mindex_key_addr(k, TLSI_MIX_SRC, &m->src);
	} else if (dbits == 0) {
		tlsi_mindex_key_addr(k, TLSI_MIX_DST, &m->dst);
	} else {
		k->kind = TLSI_MIX_WILD;
	}
}

static inline u32 tlsi_mindex_hash(const struct tlsi_mindex_key *k)
{
	u32 h = tlsi_addr_fold(&k->addr);

	h ^= ((u32)k->kind << 24 | (u32)k->plen << 16) + ((u32)k->proto << 16 | k->port);
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

static inline bool tlsi_mindex_key_eq(const struct tlsi_mindex_key *a,
				      const struct tlsi_mindex_key *b)
{
	return a->kind == b->kind && a->plen == b->plen && a->proto == b->proto &&
	       a->port == b->port && tlsi_addr_eq(&a->addr, &b->addr);
}

/*
 * File rule pos (its match m) in the index. Rules must be inserted from
 * the last position to the first: each goes to the head of its chain, so
 * every chain is in ascending order.
 */
static inline void tlsi_mindex_insert(struct tlsi_mindex *ix, u32 pos,
				      const struct tlsi_match *m)
{
	struct tlsi_mindex_node *n = &ix->nodes[pos];
	u32 *head;

	tlsi_mindex_key_of(m, &n->key);
	switch (n->key.kind) {
	case TLSI_MIX_WILD:
		head = &ix->wild;
		break;
	case TLSI_MIX_SRC:
		tlsi_plen_set_add(&ix->src_plens, n->key.plen);
		head = &ix->heads[tlsi_mindex_hash(&n->key) & ix->mask];
		break;
	case TLSI_MIX_DST:
		tlsi_plen_set_add(&ix->dst_plens, n->key.plen);
		head = &ix->heads[tlsi_mindex_hash(&n->key) & ix->mask];
		break;
	case TLSI_MIX_PORT:
		ix->nport++;
		head = &ix->heads[tlsi_mindex_hash(&n->key) & ix->mask];
		break;
	default:
		ix->nproto++;
		head = &ix->heads[tlsi_mindex_hash(&n->key) & ix->mask];
		break;
	}
	n->next = *head;
	*head = pos;
}

/*
 * Candidate check: does rule pos match the packet (and whatever else the
 * caller requires of it, such as its profile)?
 */
typedef bool (*tlsi_mindex_accept_fn)(const void *ctx, u32 pos);

/* The first accepted rule of chain n before position best, else best. */
static inline u32 tlsi_mindex_walk(const struct tlsi_mindex *ix, u32 n,
				   const struct tlsi_mindex_key *k, u32 best,
				   tlsi_mindex_accept_fn accept, const void *ctx)
{
	for (; n < best; n = ix->nodes[n].next)
		if ((!k || tlsi_mindex_key_eq(&ix->nodes[n].key, k)) && accept(ctx, n))
			return n;
	return best;
}

static inline u32 tlsi_mindex_probe(const struct tlsi_mindex *ix,
				    const struct tlsi_mindex_key *k, u32 best,
				    tlsi_mindex_accept_fn accept, const void *ctx)
{
	return tlsi_mindex_walk(ix, ix->heads[tlsi_mindex_hash(k) & ix->mask], k, best,
				accept, ctx);
}

static inline u32 tlsi_mindex_probe_addr(const struct tlsi_mindex *ix, u8 kind,
					 struct tlsi_plen_set plens,
					 const struct tlsi_addr *a, u32 best,
					 tlsi_mindex_accept_fn accept, const void *ctx)
{
	struct tlsi_mindex_key k;
	int plen;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	while ((plen = tlsi_plen_take_longest(&plens)) >= 0) {
		k.plen = plen;
		k.addr = tlsi_addr_masked(a, plen);
		best = tlsi_mindex_probe(ix, &k, best, accept, ctx);
	}
	return best;
}

/*
 * The position of the first rule in table order that accept() takes for
 * packet t, or TLSI_MIX_END: what a walk from position 0 would return.
 */
static inline u32 tlsi_mindex_lookup(const struct tlsi_mindex *ix,
				     const struct tlsi_pkt_tuple *t,
				     tlsi_mindex_accept_fn accept, const void *ctx)
{
	struct tlsi_mindex_key k;
	u32 best;

	best = tlsi_mindex_walk(ix, ix->wild, NULL, TLSI_MIX_END, accept, ctx);
	best = tlsi_mindex_probe_addr(ix, TLSI_MIX_SRC, ix->src_plens, &t->saddr,
				      best, accept, ctx);
	best = tlsi_mindex_probe_addr(ix, TLSI_MIX_DST, ix->dst_plens, &t->daddr,
				      best, accept, ctx);
	if (!t->proto || (!ix->nport && !ix->nproto))
		return best;
	memset(&k, 0, sizeof(k));
	k.proto = t->proto;
	if (ix->nport && tlsi_proto_has_ports(t->proto)) {
		k.kind = TLSI_MIX_PORT;
		k.port = t->dport;
		best = tlsi_mindex_probe(ix, &k, best, accept, ctx);
		k.port = 0;
	}
	if (ix->nproto) {
		k.kind = TLSI_MIX_PROTO;
		best = tlsi_mindex_probe(ix, &k, best, accept, ctx);
	}
	return best;
}

/* Reputation: the best score among the entries that src or dst hit. */
static inline bool tlsi_rep_blocks(u8 score, u8 block_threshold)
{
	return block_threshold <= 100 && score >= block_threshold;
}

#endif /* TLSI_LOOKUP_H */
