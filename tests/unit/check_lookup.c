// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/lookup.h: the match logic tlsi.ko runs on every flow,
 * compiled in userspace.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

/* An address of either family, as the packet parser makes it. */
static struct tlsi_addr ip(const char *s)
{
	uint8_t b[16];

	if (strchr(s, ':')) {
		ck_assert_int_eq(inet_pton(AF_INET6, s, b), 1);
		return tlsi_addr_v6(b);
	}
	return tlsi_addr_v4(ntohl(inet_addr(s)));
}

/* "a/len" as the netlink parser makes it (IPv4 lengths 0..32). */
static struct tlsi_cidr cidr(const char *s)
{
	char a[64];
	const char *slash = strchr(s, '/');
	struct tlsi_cidr c;
	unsigned int plen;

	ck_assert_ptr_nonnull(slash);
	snprintf(a, sizeof(a), "%.*s", (int)(slash - s), s);
	plen = (unsigned int)atoi(slash + 1);
	c.addr = ip(a);
	if (strchr(a, ':')) {
		c.family = TLSI_AF_V6;
		c.plen = (uint8_t)plen;
	} else {
		c.family = TLSI_AF_V4;
		c.plen = (uint8_t)(TLSI_V4_PLEN_BASE + plen);
	}
	return c;
}

static bool cmatch(const struct tlsi_cidr *c, const char *a)
{
	struct tlsi_addr x = ip(a);

	return tlsi_cidr_match(c, &x);
}

static struct tlsi_pkt_tuple tuple(const char *s, uint16_t sp, const char *d,
				   uint16_t dp, uint8_t proto, uint16_t vlan)
{
	struct tlsi_pkt_tuple t = {
		.saddr = ip(s), .daddr = ip(d), .sport = sp, .dport = dp,
		.proto = proto, .vlan = vlan,
	};
	return t;
}

START_TEST(test_addr)
{
	struct tlsi_addr a = ip("10.9.0.1"), b = ip("2001:db8::1");
	uint8_t bytes[16], want[16];

	ck_assert(tlsi_addr_is_v4(&a));
	ck_assert_uint_eq(tlsi_addr_family(&a), TLSI_AF_V4);
	ck_assert_uint_eq(a.w[3], 0x0a090001u);
	ck_assert(!tlsi_addr_is_v4(&b));
	ck_assert_uint_eq(tlsi_addr_family(&b), TLSI_AF_V6);
	ck_assert_uint_eq(b.w[0], 0x20010db8u);
	ck_assert_uint_eq(b.w[3], 1);
	tlsi_addr_to_bytes(&b, bytes);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", want), 1);
	ck_assert(!memcmp(bytes, want, 16));
	ck_assert(tlsi_addr_eq(&b, &(struct tlsi_addr){ { 0x20010db8u, 0, 0, 1 } }));
	ck_assert(!tlsi_addr_eq(&a, &b));
	/* The IPv4-mapped form is the IPv4 address. */
	a = ip("::ffff:10.9.0.1");
	ck_assert(tlsi_addr_is_v4(&a));
	ck_assert(tlsi_addr_is_zero(&(struct tlsi_addr){ { 0 } }));
	ck_assert_uint_eq(tlsi_prefix_word_mask(0, 0), 0);
	ck_assert_uint_eq(tlsi_prefix_word_mask(1, 0), 0x80000000u);
	ck_assert_uint_eq(tlsi_prefix_word_mask(120, 3), 0xffffff00u);
	ck_assert_uint_eq(tlsi_prefix_word_mask(120, 2), 0xffffffffu);
	ck_assert_uint_eq(tlsi_prefix_word_mask(31, 1), 0);
	ck_assert_uint_eq(tlsi_prefix_word_mask(128, 3), 0xffffffffu);
}
END_TEST

START_TEST(test_cidr)
{
	struct tlsi_cidr net = cidr("10.9.0.0/24"), host = cidr("10.9.0.2/32");
	struct tlsi_cidr v4any = cidr("0.0.0.0/0"), v6any = cidr("::/0");
	struct tlsi_cidr net6 = cidr("2001:db8::/32"), host6 = cidr("2001:db8::2/128");
	struct tlsi_cidr any = { .plen = 0, .family = 0 };
	struct tlsi_cidr bad = cidr("10.9.0.1/24"), bad6 = cidr("2001:db8::1/64");
	struct tlsi_cidr mapped = cidr("::ffff:10.0.0.0/104");
	struct tlsi_cidr toolong = cidr("2001:db8::/129");
	struct tlsi_cidr anyplen = { .plen = 3, .family = 0 };

	ck_assert(tlsi_cidr_valid(&net) && tlsi_cidr_valid(&host) && tlsi_cidr_valid(&v4any));
	ck_assert(tlsi_cidr_valid(&v6any) && tlsi_cidr_valid(&net6) && tlsi_cidr_valid(&host6));
	ck_assert(tlsi_cidr_valid(&any));
	ck_assert(!tlsi_cidr_valid(&bad) && !tlsi_cidr_valid(&bad6));
	ck_assert(!tlsi_cidr_valid(&toolong) && !tlsi_cidr_valid(&anyplen));
	/* A mapped prefix written as IPv6 is refused: one spelling per prefix. */
	mapped.family = TLSI_AF_V6;
	ck_assert(!tlsi_cidr_valid(&mapped));
	ck_assert(cmatch(&net, "10.9.0.255"));
	ck_assert(!cmatch(&net, "10.9.1.0"));
	ck_assert(cmatch(&host, "10.9.0.2"));
	ck_assert(!cmatch(&host, "10.9.0.3"));
	ck_assert(cmatch(&net6, "2001:db8:ffff::1"));
	ck_assert(!cmatch(&net6, "2001:db9::"));
	ck_assert(cmatch(&host6, "2001:db8::2"));
	/* Family-wide prefixes stay in their family; family 0 takes all. */
	ck_assert(cmatch(&v4any, "255.1.2.3"));
	ck_assert(!cmatch(&v4any, "2001:db8::2"));
	ck_assert(cmatch(&v6any, "2001:db8::2"));
	ck_assert(!cmatch(&v6any, "10.0.0.1"));
	ck_assert(cmatch(&any, "10.0.0.1"));
	ck_assert(cmatch(&any, "fe80::1"));
	ck_assert_uint_eq(tlsi_cidr_family_plen(&net), 24);
	ck_assert_uint_eq(tlsi_cidr_family_plen(&net6), 32);
}
END_TEST

START_TEST(test_match_fields)
{
	struct tlsi_match m;
	struct tlsi_pkt_tuple t = tuple("10.9.0.1", 40000, "10.9.0.2", 8080, 6, 0);

	tlsi_match_init_any(&m);
	ck_assert(tlsi_match_tuple(&m, &t));

	m.proto = 17;
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.proto = 6;
	ck_assert(tlsi_match_tuple(&m, &t));

	m.dport.min = 8080; m.dport.max = 8080;
	ck_assert(tlsi_match_tuple(&m, &t));
	m.dport.min = 8081; m.dport.max = 9000;
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.dport.min = 0; m.dport.max = 65535;

	m.sport.min = 1024; m.sport.max = 65535;
	ck_assert(tlsi_match_tuple(&m, &t));
	m.sport.min = 0; m.sport.max = 1023;
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.sport.min = 0; m.sport.max = 65535;

	m.src = cidr("10.9.0.0/24");
	ck_assert(tlsi_match_tuple(&m, &t));
	m.dst = cidr("10.9.0.1/32");
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.dst = cidr("10.9.0.2/32");
	ck_assert(tlsi_match_tuple(&m, &t));
	/* An IPv6 rule never matches an IPv4 packet, and the other way. */
	m.dst = cidr("::/0");
	ck_assert(!tlsi_match_tuple(&m, &t));
	t = tuple("2001:db8::1", 40000, "2001:db8::2", 8080, 6, 0);
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.src = cidr("2001:db8::/64");
	ck_assert(tlsi_match_tuple(&m, &t));
	m.dst = cidr("2001:db8::3/128");
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.dst = cidr("2001:db8::2/128");
	ck_assert(tlsi_match_tuple(&m, &t));

	m.vlan = 100;
	ck_assert(!tlsi_match_tuple(&m, &t));
	t.vlan = 100;
	ck_assert(tlsi_match_tuple(&m, &t));
}
END_TEST

START_TEST(test_match_ports_need_port_protocols)
{
	struct tlsi_match m;
	struct tlsi_pkt_tuple icmp = tuple("10.9.0.1", 7, "10.9.0.2", 7, 1, 0);
	struct tlsi_pkt_tuple udp = tuple("10.9.0.1", 5000, "10.9.0.2", 53, 17, 0);

	tlsi_match_init_any(&m);
	m.dport.min = 0; m.dport.max = 100;
	/* An ICMP echo id that happens to fall in the range never matches. */
	ck_assert(!tlsi_match_tuple(&m, &icmp));
	ck_assert(tlsi_match_tuple(&m, &udp));
	/* A rule without ports matches every protocol. */
	tlsi_match_init_any(&m);
	ck_assert(tlsi_match_tuple(&m, &icmp));
	ck_assert(tlsi_proto_has_ports(6) && tlsi_proto_has_ports(17) &&
		  tlsi_proto_has_ports(132) && !tlsi_proto_has_ports(1) &&
		  !tlsi_proto_has_ports(47));
}
END_TEST

START_TEST(test_token_bucket)
{
	struct tlsi_token_bucket tb;
	uint64_t now = 5000000000ULL;
	int i, passed = 0;

	tlsi_tb_init(&tb, 10, now);
	/* A full bucket: a burst of one second's worth. */
	for (i = 0; i < 50; i++)
		passed += tlsi_tb_take(&tb, now);
	ck_assert_int_eq(passed, 10);
	/* 100 ms later exactly one more. */
	now += 100000000ULL;
	ck_assert(tlsi_tb_take(&tb, now));
	ck_assert(!tlsi_tb_take(&tb, now));
	/* A long pause does not bank more than one second. */
	now += 3600ULL * 1000000000ULL;
	for (passed = 0, i = 0; i < 50; i++)
		passed += tlsi_tb_take(&tb, now);
	ck_assert_int_eq(passed, 10);
	/* A clock that steps back does not mint credit, now or later. */
	ck_assert(!tlsi_tb_take(&tb, now - 1000000000ULL));
	ck_assert(!tlsi_tb_take(&tb, now));
	/* 1 packet per second: the second packet waits a second. */
	tlsi_tb_init(&tb, 1, now);
	ck_assert(tlsi_tb_take(&tb, now));
	ck_assert(!tlsi_tb_take(&tb, now + 500000000ULL));
	ck_assert(tlsi_tb_take(&tb, now + 1000000000ULL));
}
END_TEST

START_TEST(test_tcp_states)
{
	uint8_t s = TLSI_TCP_NONE;

	s = tlsi_tcp_next_state(s, TLSI_TCPF_SYN, false);
	ck_assert_int_eq(s, TLSI_TCP_SYN_SENT);
	/* A retransmitted SYN and a stray ACK from the client change nothing. */
	ck_assert_int_eq(tlsi_tcp_next_state(s, TLSI_TCPF_SYN, false), TLSI_TCP_SYN_SENT);
	ck_assert_int_eq(tlsi_tcp_next_state(s, TLSI_TCPF_ACK, false), TLSI_TCP_SYN_SENT);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_SYN | TLSI_TCPF_ACK, true);
	ck_assert_int_eq(s, TLSI_TCP_SYN_RECV);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_ACK, false);
	ck_assert_int_eq(s, TLSI_TCP_ESTABLISHED);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_ACK, true);
	ck_assert_int_eq(s, TLSI_TCP_ESTABLISHED);
	/* A half-close, then the other side's FIN. */
	s = tlsi_tcp_next_state(s, TLSI_TCPF_FIN | TLSI_TCPF_ACK, true);
	ck_assert_int_eq(s, TLSI_TCP_FIN_REPLY);
	ck_assert_int_eq(tlsi_tcp_next_state(s, TLSI_TCPF_ACK, false), TLSI_TCP_FIN_REPLY);
	ck_assert_int_eq(tlsi_tcp_next_state(s, TLSI_TCPF_FIN | TLSI_TCPF_ACK, true),
			 TLSI_TCP_FIN_REPLY);	/* a retransmitted FIN */
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_ESTABLISHED, TLSI_TCPF_FIN, false),
			 TLSI_TCP_FIN_ORIG);
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_FIN_ORIG, TLSI_TCPF_FIN, true),
			 TLSI_TCP_FIN_BOTH);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_FIN | TLSI_TCPF_ACK, false);
	ck_assert_int_eq(s, TLSI_TCP_FIN_BOTH);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_RST, false);
	ck_assert_int_eq(s, TLSI_TCP_CLOSE);
	/* The responder closes before the hook saw the originator's ACK. */
	s = tlsi_tcp_next_state(TLSI_TCP_SYN_RECV, TLSI_TCPF_FIN | TLSI_TCPF_ACK, true);
	ck_assert_int_eq(s, TLSI_TCP_FIN_REPLY);
	ck_assert_int_eq(tlsi_tcp_next_state(s, TLSI_TCPF_ACK, false), TLSI_TCP_FIN_REPLY);
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_SYN_RECV, TLSI_TCPF_SYN | TLSI_TCPF_ACK, true),
			 TLSI_TCP_SYN_RECV);	/* a retransmitted SYN-ACK */
	/* Mid-stream pickup (module loaded under traffic). */
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_NONE, TLSI_TCPF_ACK, false),
			 TLSI_TCP_ESTABLISHED);
	/* A reset in any state closes. */
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_SYN_SENT, TLSI_TCPF_RST | TLSI_TCPF_ACK, true),
			 TLSI_TCP_CLOSE);
}
END_TEST

/* The tunnel stream normaliser's view of a segment, across the wrap. */
START_TEST(test_seg_classify)
{
	static const u32 nexts[] = { 1000, 0, 0xffffff00u, 0x7fffffffu };
	unsigned int i;

	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		u32 n = nexts[i];

		ck_assert_int_eq(tlsi_seg_classify(n, n, 1), TLSI_SEG_IN_ORDER);
		ck_assert_int_eq(tlsi_seg_classify(n, n, 65535), TLSI_SEG_IN_ORDER);
		/* wholly before: a retransmission, a keep-alive's byte */
		ck_assert_int_eq(tlsi_seg_classify(n, n - 100, 100), TLSI_SEG_OLD);
		ck_assert_int_eq(tlsi_seg_classify(n, n - 1, 1), TLSI_SEG_OLD);
		ck_assert_int_eq(tlsi_seg_classify(n, n - 3000, 1448), TLSI_SEG_OLD);
		/* beyond: out of order */
		ck_assert_int_eq(tlsi_seg_classify(n, n + 1, 1), TLSI_SEG_AHEAD);
		ck_assert_int_eq(tlsi_seg_classify(n, n + 1448, 1448), TLSI_SEG_AHEAD);
		/* old bytes and new ones */
		ck_assert_int_eq(tlsi_seg_classify(n, n - 1, 2), TLSI_SEG_OVERLAP);
		ck_assert_int_eq(tlsi_seg_classify(n, n - 1000, 2896), TLSI_SEG_OVERLAP);
	}
	/* across the wrap: 0xfffffff0 + 0x20 ends at 0x10 */
	ck_assert_int_eq(tlsi_seg_classify(0x10, 0xfffffff0u, 0x20), TLSI_SEG_OLD);
	ck_assert_int_eq(tlsi_seg_classify(0x10, 0xfffffff0u, 0x21), TLSI_SEG_OVERLAP);
	ck_assert_int_eq(tlsi_seg_classify(0xfffffff0u, 0x10, 5), TLSI_SEG_AHEAD);
	ck_assert_int_eq(tlsi_seg_classify(0xfffffff0u, 0xfffffff0u, 0x20), TLSI_SEG_IN_ORDER);
}
END_TEST

START_TEST(test_flow_hash_symmetric)
{
	struct tlsi_pkt_tuple a = tuple("10.9.0.1", 40000, "10.9.0.2", 443, 6, 0);
	struct tlsi_pkt_tuple b = tuple("10.9.0.2", 443, "10.9.0.1", 40000, 6, 0);
	struct tlsi_pkt_tuple c = tuple("10.9.0.1", 40001, "10.9.0.2", 443, 6, 0);
	uint32_t wa[3], wb[3], wc[3], wd[3];

	tlsi_flow_hash_words(&a, 3, wa);
	tlsi_flow_hash_words(&b, 3, wb);
	tlsi_flow_hash_words(&c, 3, wc);
	tlsi_flow_hash_words(&a, 4, wd);
	ck_assert(!memcmp(wa, wb, sizeof(wa)));
	ck_assert(memcmp(wa, wc, sizeof(wa)));
	ck_assert(memcmp(wa, wd, sizeof(wa)));

	a = tuple("2001:db8::1", 40000, "2001:db8::2", 443, 6, 0);
	b = tuple("2001:db8::2", 443, "2001:db8::1", 40000, 6, 0);
	c = tuple("2001:db8::1:1", 40000, "2001:db8::2", 443, 6, 0);
	tlsi_flow_hash_words(&a, 3, wa);
	tlsi_flow_hash_words(&b, 3, wb);
	tlsi_flow_hash_words(&c, 3, wc);
	ck_assert(!memcmp(wa, wb, sizeof(wa)));
	ck_assert(memcmp(wa, wc, sizeof(wa)));
}
END_TEST

/* A model of the reputation lookup: the kernel's probing order over a list. */
struct rep { const char *cidr; uint8_t score; };

static const struct rep *lpm(const struct rep *r, int n, const char *addr_text)
{
	struct tlsi_addr addr = ip(addr_text);
	struct tlsi_plen_set set = { { 0 } };
	int i, plen;

	for (i = 0; i < n; i++) {
		struct tlsi_cidr c = cidr(r[i].cidr);

		if (c.family == tlsi_addr_family(&addr))
			tlsi_plen_set_add(&set, c.plen);
	}
	while ((plen = tlsi_plen_take_longest(&set)) >= 0)
		for (i = 0; i < n; i++) {
			struct tlsi_cidr c = cidr(r[i].cidr);
			struct tlsi_addr key = tlsi_addr_masked(&addr, (uint8_t)plen);

			if (c.plen == plen && c.family == tlsi_addr_family(&addr) &&
			    tlsi_addr_eq(&c.addr, &key))
				return &r[i];
		}
	return NULL;
}

START_TEST(test_longest_prefix_order)
{
	const struct rep r[] = {
		{ "0.0.0.0/0", 1 },
		{ "10.0.0.0/8", 10 },
		{ "10.9.0.0/24", 40 },
		{ "10.9.0.2/32", 90 },
		{ "10.9.0.0/25", 50 },
		{ "::/0", 2 },
		{ "2001:db8::/32", 20 },
		{ "2001:db8::/127", 70 },
		{ "2001:db8::1/128", 95 },
	};
	struct tlsi_plen_set set = { { 0 } };

	tlsi_plen_set_add(&set, 128);
	tlsi_plen_set_add(&set, 64);
	tlsi_plen_set_add(&set, 63);
	tlsi_plen_set_add(&set, 17);
	tlsi_plen_set_add(&set, 0);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), 128);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), 64);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), 63);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), 17);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), 0);
	ck_assert_int_eq(tlsi_plen_take_longest(&set), -1);

	ck_assert_uint_eq(lpm(r, 9, "10.9.0.2")->score, 90);
	ck_assert_uint_eq(lpm(r, 9, "10.9.0.3")->score, 50);
	ck_assert_uint_eq(lpm(r, 9, "10.9.0.200")->score, 40);
	ck_assert_uint_eq(lpm(r, 9, "10.200.0.1")->score, 10);
	ck_assert_uint_eq(lpm(r, 9, "192.0.2.1")->score, 1);
	ck_assert_ptr_null(lpm(r + 1, 4, "192.0.2.1"));
	ck_assert_uint_eq(lpm(r, 9, "2001:db8::1")->score, 95);
	ck_assert_uint_eq(lpm(r, 9, "2001:db8::")->score, 70);
	ck_assert_uint_eq(lpm(r, 9, "2001:db8::2")->score, 20);
	ck_assert_uint_eq(lpm(r, 9, "2001:db9::2")->score, 2);
	/* ::/0 is IPv6 only: an IPv4 address outside 0.0.0.0/0's list misses. */
	ck_assert_ptr_null(lpm(r + 1, 8, "192.0.2.1"));
	ck_assert_ptr_null(lpm(r, 5, "2001:db9::2"));
}
END_TEST

START_TEST(test_reputation_thresholds)
{
	ck_assert(tlsi_rep_blocks(80, 80));
	ck_assert(!tlsi_rep_blocks(79, 80));
	ck_assert(tlsi_rep_blocks(100, 0));
	ck_assert(tlsi_rep_blocks(0, 0));
	/* 101 means never, even for a score of 100. */
	ck_assert(!tlsi_rep_blocks(100, 101));
}
END_TEST

/*
 * The rule index (struct tlsi_mindex) against the linear first-match walk
 * it replaces: random tables over a small universe of addresses, ports,
 * protocols, VLANs and profiles (so that many rules overlap and order
 * decides), every packet of the universe looked up both ways.
 */
struct mix_table {
	uint32_t count;
	struct tlsi_match *m;
	uint8_t *profile;		/* 0 = every profile */
	struct tlsi_mindex ix;
	uint32_t *heads;
	struct tlsi_mindex_node *nodes;
};

struct mix_ctx {
	const struct mix_table *tb;
	const struct tlsi_pkt_tuple *t;
	uint8_t profile;
	unsigned int checked;
};

static bool mix_accept(const void *ctx, uint32_t pos)
{
	struct mix_ctx *c = (struct mix_ctx *)ctx;

	c->checked++;
	if (c->tb->profile[pos] && c->tb->profile[pos] != c->profile)
		return false;
	return tlsi_match_tuple(&c->tb->m[pos], c->t);
}

static void mix_build(struct mix_table *tb)
{
	uint32_t i;

	tb->heads = calloc(tlsi_mindex_buckets(tb->count), sizeof(*tb->heads));
	tb->nodes = calloc(tb->count ? tb->count : 1, sizeof(*tb->nodes));
	ck_assert(tb->heads && tb->nodes);
	tlsi_mindex_init(&tb->ix, tb->count, tb->heads, tb->nodes);
	for (i = tb->count; i-- > 0;)
		tlsi_mindex_insert(&tb->ix, i, &tb->m[i]);
}

static void mix_free(struct mix_table *tb)
{
	free(tb->heads);
	free(tb->nodes);
	free(tb->m);
	free(tb->profile);
}

static uint32_t mix_linear(const struct mix_table *tb, const struct tlsi_pkt_tuple *t,
			   uint8_t profile)
{
	uint32_t i;

	for (i = 0; i < tb->count; i++)
		if ((!tb->profile[i] || tb->profile[i] == profile) &&
		    tlsi_match_tuple(&tb->m[i], t))
			return i;
	return TLSI_MIX_END;
}

static const char *const mix_v4[] = { "10.0.0.1", "10.0.0.2", "10.0.1.1", "192.168.5.5" };
static const char *const mix_v6[] = { "2001:db8::1", "2001:db8::2", "2001:db8:1::1", "fd00::5" };
static const uint8_t mix_protos[] = { 6, 17, 1, 47 };
static const uint16_t mix_ports[] = { 53, 80, 443, 8080 };

static struct tlsi_cidr mix_cidr(unsigned int r, bool v6)
{
	static const unsigned int v4len[] = { 0, 8, 16, 24, 32, 31 };
	static const unsigned int v6len[] = { 0, 32, 48, 64, 128, 127 };
	struct tlsi_cidr c;
	char buf[80];
	unsigned int len;

	if (r % 7 == 0) {
		memset(&c, 0, sizeof(c));	/* any family */
		return c;
	}
	len = v6 ? v6len[r % 6] : v4len[r % 6];
	snprintf(buf, sizeof(buf), "%s/%u", v6 ? mix_v6[(r / 6) % 4] : mix_v4[(r / 6) % 4], len);
	c = cidr(buf);
	c.addr = tlsi_addr_masked(&c.addr, c.plen);
	ck_assert(tlsi_cidr_valid(&c));
	return c;
}

static void mix_random_rule(struct tlsi_match *m, uint8_t *profile)
{
	bool v6 = rand() % 2;
	int r = rand();

	tlsi_match_init_any(m);
	if (r % 3)
		m->src = mix_cidr((unsigned int)rand(), v6);
	if (r % 5 < 2)
		m->dst = mix_cidr((unsigned int)rand(), rand() % 4 ? v6 : !v6);
	if (rand() % 3) {
		m->proto = mix_protos[rand() % 4];
		if (tlsi_proto_has_ports(m->proto)) {
			switch (rand() % 4) {
			case 0:
				m->dport.min = m->dport.max = mix_ports[rand() % 4];
				break;
			case 1:
				m->dport.min = 50;
				m->dport.max = 443;
				break;
			case 2:
				m->sport.min = m->sport.max = mix_ports[rand() % 4];
				break;
			}
		}
	}
	if (rand() % 8 == 0)
		m->vlan = 10 + rand() % 2;
	*profile = rand() % 4 == 0 ? 1 + rand() % 2 : 0;
}

START_TEST(test_index_equals_linear_walk)
{
	unsigned int round, s, d, p, sp, dp, v, prof, checked = 0, lookups = 0, hits = 0;

	srand(1234);
	for (round = 0; round < 60; round++) {
		struct mix_table tb;
		uint32_t i;

		tb.count = round < 5 ? round : (uint32_t)(1 + rand() % 200);
		tb.m = calloc(tb.count ? tb.count : 1, sizeof(*tb.m));
		tb.profile = calloc(tb.count ? tb.count : 1, 1);
		ck_assert(tb.m && tb.profile);
		for (i = 0; i < tb.count; i++)
			mix_random_rule(&tb.m[i], &tb.profile[i]);
		mix_build(&tb);
		for (s = 0; s < 8; s++)
		for (d = 0; d < 8; d++)
		for (p = 0; p < 4; p++)
		for (sp = 0; sp < 2; sp++)
		for (dp = 0; dp < 4; dp++)
		for (v = 0; v < 2; v++)
		for (prof = 0; prof < 3; prof++) {
			struct tlsi_pkt_tuple t = tuple(s < 4 ? mix_v4[s] : mix_v6[s - 4],
							sp ? 53 : 40000,
							(s < 4) == (d < 4) ? (d < 4 ? mix_v4[d] : mix_v6[d - 4])
									   : (s < 4 ? mix_v4[d % 4] : mix_v6[d % 4]),
							mix_ports[dp], mix_protos[p], v ? 10 : 0);
			struct mix_ctx c = { .tb = &tb, .t = &t, .profile = (uint8_t)prof };
			uint32_t want, got;

			if (!tlsi_proto_has_ports(t.proto))
				t.sport = t.dport = 0;
			want = mix_linear(&tb, &t, (uint8_t)prof);
			got = tlsi_mindex_lookup(&tb.ix, &t, mix_accept, &c);
			if (got != want)
				ck_abort_msg("round %u (%u rules): index says %d, walk %d (s %u d %u p %u dp %u)",
					     round, tb.count, (int)got, (int)want, s, d, p, dp);
			checked += c.checked;
			lookups++;
			hits += want != TLSI_MIX_END;
		}
		mix_free(&tb);
	}
	/* Both outcomes occurred often, and the index checked fewer rules. */
	ck_assert_uint_gt(hits, lookups / 10);
	ck_assert_uint_lt(hits, lookups - lookups / 10);
	printf("index vs walk: %u lookups, %u matched, %.1f candidates checked per lookup\n",
	       lookups, hits, (double)checked / lookups);
}
END_TEST

/*
 * The benchmark's policy: 10,000 filters, one source host each, UDP/TCP
 * 5000-5999. A packet that matches none checks no rule; one that matches
 * checks only its own; a wildcard filter placed last is still found, and
 * one placed first still wins.
 */
START_TEST(test_index_many_host_filters)
{
	struct mix_table tb;
	struct tlsi_pkt_tuple t;
	struct mix_ctx c = { .tb = &tb, .t = &t };
	uint32_t i, n = 10000, got;

	tb.count = n + 1;
	tb.m = calloc(tb.count, sizeof(*tb.m));
	tb.profile = calloc(tb.count, 1);
	ck_assert(tb.m && tb.profile);
	for (i = 0; i < n; i++) {
		tlsi_match_init_any(&tb.m[i]);
		tb.m[i].src = tlsi_cidr_v4(0x64400000u + i, 32);	/* 100.64.x.y */
		tb.m[i].proto = i % 2 ? 6 : 17;
		tb.m[i].dport.min = 5000;
		tb.m[i].dport.max = 5999;
	}
	tlsi_match_init_any(&tb.m[n]);
	tb.m[n].proto = 17;	/* last: every UDP packet */
	mix_build(&tb);

	t = tuple("10.9.0.1", 1000, "10.9.0.99", 9, 6, 0);
	ck_assert_uint_eq(tlsi_mindex_lookup(&tb.ix, &t, mix_accept, &c), TLSI_MIX_END);
	ck_assert_uint_eq(c.checked, 0);

	t = tuple("100.64.10.1", 1000, "10.9.0.99", 5500, 6, 0);	/* filter 2561 (TCP) */
	c.checked = 0;
	ck_assert_uint_eq(tlsi_mindex_lookup(&tb.ix, &t, mix_accept, &c), 2561);
	ck_assert_uint_le(c.checked, 3);

	t.proto = 17;	/* filter 2561 is TCP: the UDP filter at the end */
	c.checked = 0;
	ck_assert_uint_eq(tlsi_mindex_lookup(&tb.ix, &t, mix_accept, &c), n);
	ck_assert_uint_le(c.checked, 3);
	mix_free(&tb);

	/* The same wildcard first wins over the host filter. */
	tb.count = n + 1;
	tb.m = calloc(tb.count, sizeof(*tb.m));
	tb.profile = calloc(tb.count, 1);
	ck_assert(tb.m && tb.profile);
	tlsi_match_init_any(&tb.m[0]);
	tb.m[0].proto = 17;
	for (i = 1; i <= n; i++) {
		tlsi_match_init_any(&tb.m[i]);
		tb.m[i].src = tlsi_cidr_v4(0x64400000u + i - 1, 32);
		tb.m[i].proto = 17;
	}
	mix_build(&tb);
	t = tuple("100.64.10.1", 1000, "10.9.0.99", 5500, 17, 0);
	c.checked = 0;
	got = tlsi_mindex_lookup(&tb.ix, &t, mix_accept, &c);
	ck_assert_uint_eq(got, 0);
	ck_assert_uint_le(c.checked, 2);	/* its own and filter 2562 */
	mix_free(&tb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_match_fields);
	tcase_add_test(tc, test_match_ports_need_port_protocols);
	tcase_add_test(tc, test_token_bucket);
	tcase_add_test(tc, test_tcp_states);
	tcase_add_test(tc, test_seg_classify);
	tcase_add_test(tc, test_flow_hash_symmetric);
	tcase_add_test(tc, test_longest_prefix_order);
	tcase_add_test(tc, test_reputation_thresholds);
	tcase_add_test(tc, test_index_equals_linear_walk);
	tcase_add_test(tc, test_index_many_host_filters);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
