// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/lookup.h: the match logic tlsi.ko runs on every flow,
 * compiled in userspace.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

static uint32_t ip(const char *s)
{
	return ntohl(inet_addr(s));
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

START_TEST(test_prefix_mask)
{
	ck_assert_uint_eq(tlsi_prefix_mask(0), 0);
	ck_assert_uint_eq(tlsi_prefix_mask(1), 0x80000000u);
	ck_assert_uint_eq(tlsi_prefix_mask(24), 0xffffff00u);
	ck_assert_uint_eq(tlsi_prefix_mask(31), 0xfffffffeu);
	ck_assert_uint_eq(tlsi_prefix_mask(32), 0xffffffffu);
}
END_TEST

START_TEST(test_cidr)
{
	struct tlsi_cidr4 net = { ip("10.9.0.0"), 24 };
	struct tlsi_cidr4 any = { 0, 0 };
	struct tlsi_cidr4 host = { ip("10.9.0.2"), 32 };
	struct tlsi_cidr4 bad = { ip("10.9.0.1"), 24 };
	struct tlsi_cidr4 toolong = { 0, 33 };

	ck_assert(tlsi_cidr4_valid(&net));
	ck_assert(tlsi_cidr4_valid(&any));
	ck_assert(tlsi_cidr4_valid(&host));
	ck_assert(!tlsi_cidr4_valid(&bad));
	ck_assert(!tlsi_cidr4_valid(&toolong));
	ck_assert(tlsi_cidr4_match(&net, ip("10.9.0.255")));
	ck_assert(!tlsi_cidr4_match(&net, ip("10.9.1.0")));
	ck_assert(tlsi_cidr4_match(&any, ip("255.1.2.3")));
	ck_assert(tlsi_cidr4_match(&host, ip("10.9.0.2")));
	ck_assert(!tlsi_cidr4_match(&host, ip("10.9.0.3")));
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

	m.src.addr = ip("10.9.0.0"); m.src.plen = 24;
	ck_assert(tlsi_match_tuple(&m, &t));
	m.dst.addr = ip("10.9.0.1"); m.dst.plen = 32;
	ck_assert(!tlsi_match_tuple(&m, &t));
	m.dst.addr = ip("10.9.0.2");
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
	s = tlsi_tcp_next_state(s, TLSI_TCPF_FIN | TLSI_TCPF_ACK, true);
	ck_assert_int_eq(s, TLSI_TCP_FIN_WAIT);
	s = tlsi_tcp_next_state(s, TLSI_TCPF_RST, false);
	ck_assert_int_eq(s, TLSI_TCP_CLOSE);
	/* Mid-stream pickup (module loaded under traffic). */
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_NONE, TLSI_TCPF_ACK, false),
			 TLSI_TCP_ESTABLISHED);
	/* A reset in any state closes. */
	ck_assert_int_eq(tlsi_tcp_next_state(TLSI_TCP_SYN_SENT, TLSI_TCPF_RST | TLSI_TCPF_ACK, true),
			 TLSI_TCP_CLOSE);
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
}
END_TEST

/* A model of the reputation lookup: the kernel's probing order over a list. */
struct rep { uint32_t addr; uint8_t plen; uint8_t score; };

static const struct rep *lpm(const struct rep *r, int n, uint32_t addr)
{
	uint64_t mask = 0;
	int i, plen;

	for (i = 0; i < n; i++)
		mask |= 1ULL << r[i].plen;
	while ((plen = tlsi_plen_take_longest(&mask)) >= 0)
		for (i = 0; i < n; i++)
			if (r[i].plen == plen && r[i].addr == (addr & tlsi_prefix_mask(plen)))
				return &r[i];
	return NULL;
}

START_TEST(test_longest_prefix_order)
{
	const struct rep r[] = {
		{ 0, 0, 1 },
		{ ip("10.0.0.0"), 8, 10 },
		{ ip("10.9.0.0"), 24, 40 },
		{ ip("10.9.0.2"), 32, 90 },
		{ ip("10.9.0.0"), 25, 50 },
	};
	uint64_t mask = (1ULL << 32) | (1ULL << 0) | (1ULL << 17);

	ck_assert_int_eq(tlsi_plen_take_longest(&mask), 32);
	ck_assert_int_eq(tlsi_plen_take_longest(&mask), 17);
	ck_assert_int_eq(tlsi_plen_take_longest(&mask), 0);
	ck_assert_int_eq(tlsi_plen_take_longest(&mask), -1);

	ck_assert_uint_eq(lpm(r, 5, ip("10.9.0.2"))->score, 90);
	ck_assert_uint_eq(lpm(r, 5, ip("10.9.0.3"))->score, 50);
	ck_assert_uint_eq(lpm(r, 5, ip("10.9.0.200"))->score, 40);
	ck_assert_uint_eq(lpm(r, 5, ip("10.200.0.1"))->score, 10);
	ck_assert_uint_eq(lpm(r, 5, ip("192.0.2.1"))->score, 1);
	ck_assert_ptr_null(lpm(r + 1, 4, ip("192.0.2.1")));
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

int main(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_prefix_mask);
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_match_fields);
	tcase_add_test(tc, test_match_ports_need_port_protocols);
	tcase_add_test(tc, test_token_bucket);
	tcase_add_test(tc, test_tcp_states);
	tcase_add_test(tc, test_flow_hash_symmetric);
	tcase_add_test(tc, test_longest_prefix_order);
	tcase_add_test(tc, test_reputation_thresholds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
