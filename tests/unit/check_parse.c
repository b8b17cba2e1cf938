// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/parse.c.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static char err[TLSI_ERR_MAX];

#define ERR_HAS(s) ck_assert_msg(strstr(err, (s)) != NULL, \
				 "error `%s' lacks `%s'", err, (s))

/* ---- CIDR ------------------------------------------------------------ */

static void cidr_ok(const char *s, const char *addr, unsigned plen)
{
	struct tlsi_cidr c;

	char buf[TLSI_CIDR_STR_MAX], want[TLSI_CIDR_STR_MAX];

	ck_assert_msg(parse_cidr("src", s, &c, err, sizeof(err)) == 0,
		      "`%s' refused: %s", s, err);
	snprintf(want, sizeof(want), "%s/%u", addr, plen);
	ck_assert_str_eq(format_cidr(&c, buf), want);
	ck_assert_uint_eq(c.family, strchr(addr, ':') ? AF_INET6 : AF_INET);
	ck_assert_uint_eq(c.plen, plen);
}

static void cidr_bad(const char *s, const char *why)
{
	struct tlsi_cidr c;

	err[0] = '\0';
	ck_assert_msg(parse_cidr("src", s, &c, err, sizeof(err)) == -1,
		      "`%s' accepted", s);
	/* The message names the field and quotes the value. */
	ck_assert_msg(!strncmp(err, "src `", 5), "error `%s'", err);
	ERR_HAS(why);
}

START_TEST(test_cidr_valid)
{
	cidr_ok("10.0.0.0/8", "10.0.0.0", 8);
	cidr_ok("10.1.2.3", "10.1.2.3", 32);
	cidr_ok("10.1.2.3/32", "10.1.2.3", 32);
	cidr_ok("0.0.0.0/0", "0.0.0.0", 0);
	cidr_ok("255.255.255.255", "255.255.255.255", 32);
	cidr_ok("192.168.128.0/17", "192.168.128.0", 17);
	cidr_ok("0.0.0.0", "0.0.0.0", 32);
	/* IPv6, printed in RFC 5952 form whatever the input's spelling. */
	cidr_ok("2001:db8::/32", "2001:db8::", 32);
	cidr_ok("2001:DB8:0:0:0:0:0:1", "2001:db8::1", 128);
	cidr_ok("2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1", 128);
	cidr_ok("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 128);
	cidr_ok("::/0", "::", 0);
	cidr_ok("fe80::/10", "fe80::", 10);
	cidr_ok("::1", "::1", 128);
	cidr_ok("64:ff9b::/96", "64:ff9b::", 96);
}
END_TEST

START_TEST(test_cidr_invalid)
{
	cidr_bad("10.0.0.1/8", "host bits set");
	cidr_bad("10.0.0.1/8", "did you mean 10.0.0.0/8?");
	cidr_bad("192.168.1.0/16", "host bits set");
	cidr_bad("1.2.3.4/0", "host bits set");
	cidr_bad("10.0.0.256", "bad octet");
	cidr_bad("10.0.0.999/32", "bad octet");
	cidr_bad("10.0.0", "4 dot-separated octets");
	cidr_bad("10.0.0.0.0", "trailing");
	cidr_bad("10..0.0", "octets");
	cidr_bad("a.b.c.d", "octets");
	cidr_bad("10.0.0.01", "leading zero");
	cidr_bad("10.0.0.0/33", "prefix length");
	cidr_bad("10.0.0.0/", "missing prefix length");
	cidr_bad("10.0.0.0/x", "prefix length");
	cidr_bad("10.0.0.0/8x", "prefix length");
	cidr_bad("10.0.0.0/-1", "prefix length");
	cidr_bad("", "empty");
	cidr_bad(" 10.0.0.0/8", "octets");
	cidr_bad("10.0.0.0/8 ", "prefix length");
	cidr_bad("-10.0.0.0", "octets");
	cidr_bad("4294967296.0.0.0", "bad octet");
	ck_assert_str_eq(err, "src `4294967296.0.0.0': not an IPv4 address or CIDR: "
			      "bad octet (must be 0..255)");
	cidr_bad("2001:db8::1/64", "host bits set (did you mean 2001:db8::/64?)");
	cidr_bad("2001:db8::/129", "prefix length (must be 0..128)");
	cidr_bad("2001:db8::/", "missing prefix length");
	cidr_bad("2001:db8:::1", "not an IPv4 or IPv6 address");
	cidr_bad("2001:db8::g", "not an IPv4 or IPv6 address");
	cidr_bad("1:2:3:4:5:6:7:8:9", "not an IPv4 or IPv6 address");
	cidr_bad("::ffff:10.0.0.1", "IPv4-mapped");
	cidr_bad("::ffff:10.0.0.0/104", "IPv4-mapped");
	cidr_bad("2001:db8::/64 ", "prefix length");
	cidr_bad("fe80::1%eth0", "not an IPv4 or IPv6 address");
}
END_TEST

START_TEST(test_host)
{
	struct tlsi_cidr c;

	ck_assert_int_eq(parse_host4("host", "10.9.0.1", &c, err, sizeof(err)), 0);
	ck_assert(!memcmp(c.addr, &(uint32_t){ inet_addr("10.9.0.1") }, 4));
	ck_assert_uint_eq(c.plen, 32);
	ck_assert_int_eq(parse_host("host", "2001:db8::5", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.family, AF_INET6);
	ck_assert_uint_eq(c.plen, 128);
	ck_assert_int_eq(parse_host("host", "2001:db8::/64", &c, err, sizeof(err)), -1);
	ERR_HAS("single host (/128)");
	ck_assert_int_eq(parse_host4("host", "2001:db8::5", &c, err, sizeof(err)), -1);
	ERR_HAS("must be an IPv4 address");
	ck_assert_int_eq(parse_host4("host", "10.9.0.1/32", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(parse_host4("host", "10.9.0.0/24", &c, err, sizeof(err)), -1);
	ERR_HAS("single host");
	ck_assert_int_eq(parse_host4("host", "10.9.0.1/24", &c, err, sizeof(err)), -1);
	ERR_HAS("host bits set");
	ck_assert_int_eq(parse_host4("host", "10.9.0.300", &c, err, sizeof(err)), -1);
	ERR_HAS("host `10.9.0.300'");
	ck_assert_int_eq(parse_host4("host", "foo", &c, err, sizeof(err)), -1);
	ERR_HAS("not an IPv4 address");
}
END_TEST

/* ---- ports, protocols ------------------------------------------------ */

START_TEST(test_ports)
{
	uint16_t lo, hi;

	ck_assert_int_eq(parse_port_range("dport", "80", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 80);
	ck_assert_uint_eq(hi, 80);
	ck_assert_int_eq(parse_port_range("dport", "10-20", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 10);
	ck_assert_uint_eq(hi, 20);
	ck_assert_int_eq(parse_port_range("dport", "0-65535", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 65535);
	ck_assert_int_eq(parse_port_range("dport", "7-7", &lo, &hi, err, sizeof(err)), 0);

	ck_assert_int_eq(parse_port_range("dport", "10-5", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "dport `10-5': empty range (10 > 5)");
	ck_assert_int_eq(parse_port_range("sport", "65536", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "sport `65536': port out of range (0..65535)");
	ck_assert_int_eq(parse_port_range("dport", "1-99999999999", &lo, &hi, err, sizeof(err)), -1);
	ERR_HAS("out of range");
	ck_assert_int_eq(parse_port_range("dport", "", &lo, &hi, err, sizeof(err)), -1);
	ERR_HAS("empty");
	ck_assert_int_eq(parse_port_range("dport", "10-", &lo, &hi, err, sizeof(err)), -1);
	ERR_HAS("empty port");
	ck_assert_int_eq(parse_port_range("dport", "-10", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "http", &lo, &hi, err, sizeof(err)), -1);
	ERR_HAS("not a port number");
	ck_assert_int_eq(parse_port_range("dport", "1-2-3", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "80x", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "+80", &lo, &hi, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_proto)
{
	uint8_t p;

	ck_assert_int_eq(parse_proto("proto", "tcp", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 6);
	ck_assert_int_eq(parse_proto("proto", "udp", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 17);
	ck_assert_int_eq(parse_proto("proto", "icmp", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 1);
	ck_assert_int_eq(parse_proto("proto", "any", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 0);
	ck_assert_int_eq(parse_proto("proto", "47", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 47);
	ck_assert_int_eq(parse_proto("proto", "255", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 255);
	ck_assert_int_eq(parse_proto("proto", "0", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 0);

	ck_assert_int_eq(parse_proto("proto", "256", &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "proto `256': out of range (0..255)");
	ck_assert_int_eq(parse_proto("proto", "sctp", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 132);
	ck_assert_int_eq(parse_proto("proto", "udplite", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 136);
	ck_assert_int_eq(parse_proto("proto", "gre", &p, err, sizeof(err)), -1);
	ERR_HAS("unknown protocol");
	ck_assert_int_eq(parse_proto("proto", "TCP", &p, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_proto("proto", "", &p, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_proto("proto", "6x", &p, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_proto("proto", "-1", &p, err, sizeof(err)), -1);
}
END_TEST

/* ---- VLANs ----------------------------------------------------------- */

START_TEST(test_vlan)
{
	uint16_t v;

	ck_assert_int_eq(parse_vlan("vlan", "1", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_vlan("vlan", "4094", &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 4094);
	ck_assert_int_eq(parse_vlan("vlan", "0", &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vlan `0': out of range (1..4094)");
	ck_assert_int_eq(parse_vlan("vlan", "4095", &v, err, sizeof(err)), -1);
	ERR_HAS("out of range");
	ck_assert_int_eq(parse_vlan("vlan", "x", &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
}
END_TEST

START_TEST(test_vlan_list)
{
	uint16_t v[TLSI_VLANS_MAX];
	char many[TLSI_VLANS_MAX * 6];
	size_t n, i;

	ck_assert_int_eq(parse_vlan_list("vlan", "10,20-25", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(v[0], 10);
	for (i = 1; i < 7; i++)
		ck_assert_uint_eq(v[i], 19 + i);
	ck_assert_int_eq(parse_vlan_list("vlan", "4094", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(parse_vlan_list("vlan", "1-64", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), 0);
	ck_assert_uint_eq(n, TLSI_VLANS_MAX);

	ck_assert_int_eq(parse_vlan_list("vlan", "0", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vlan `0': VLAN ID 0 out of range (1..4094)");
	ck_assert_int_eq(parse_vlan_list("vlan", "10,4095", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("VLAN ID 4095 out of range");
	ck_assert_int_eq(parse_vlan_list("vlan", "1-65", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("too many VLANs (max 64)");
	ck_assert_int_eq(parse_vlan_list("vlan", "1-4094", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("too many VLANs");
	ck_assert_int_eq(parse_vlan_list("vlan", "25-20", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("empty VLAN range 25-20");
	ck_assert_int_eq(parse_vlan_list("vlan", "10,10", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("duplicate VLAN ID 10");
	ck_assert_int_eq(parse_vlan_list("vlan", "10,", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("empty VLAN ID");
	ck_assert_int_eq(parse_vlan_list("vlan", ",10", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ck_assert_int_eq(parse_vlan_list("vlan", "", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ck_assert_int_eq(parse_vlan_list("vlan", "1-", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ck_assert_int_eq(parse_vlan_list("vlan", "a", v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("not a VLAN ID");
	ck_assert_int_eq(parse_vlan_list("vlan", "99999999999999", v, TLSI_VLANS_MAX,
					 &n, err, sizeof(err)), -1);
	ERR_HAS("out of range");

	/* 65 single IDs. */
	many[0] = '\0';
	for (i = 1; i <= TLSI_VLANS_MAX + 1; i++)
		sprintf(many + strlen(many), "%s%zu", i > 1 ? "," : "", i);
	ck_assert_int_eq(parse_vlan_list("vlan", many, v, TLSI_VLANS_MAX, &n,
					 err, sizeof(err)), -1);
	ERR_HAS("too many VLANs");
}
END_TEST

START_TEST(test_format_vlan_list)
{
	uint16_t v[] = { 10, 20, 21, 22, 23, 24, 25, 30, 32, 33 };
	char buf[64];

	ck_assert_str_eq(format_vlan_list(v, 10, buf, sizeof(buf)), "10,20-25,30,32-33");
	ck_assert_str_eq(format_vlan_list(v, 1, buf, sizeof(buf)), "10");
	ck_assert_str_eq(format_vlan_list(v, 0, buf, sizeof(buf)), "");
	ck_assert_str_eq(format_vlan_list(v, 10, buf, 12), "10...");
}
END_TEST

/* ---- names ----------------------------------------------------------- */

START_TEST(test_name)
{
	char longest[TLSI_NAME_MAX], toolong[TLSI_NAME_MAX + 1];

	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(toolong, 'a', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';

	ck_assert_int_eq(parse_name("name", "web", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_name("name", "A-z_0.9", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_name("name", longest, err, sizeof(err)), 0);

	ck_assert_int_eq(parse_name("name", toolong, err, sizeof(err)), -1);
	ERR_HAS("name too long (max 31 characters)");
	ck_assert_int_eq(parse_name("name", "", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "name `': empty name");
	ck_assert_int_eq(parse_name("profile", "a b", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "profile `a b': bad character 0x20 in name "
			      "(allowed: letters, digits, _ - .)");
	ck_assert_int_eq(parse_name("name", "a/b", err, sizeof(err)), -1);
	ERR_HAS("bad character `/'");
	ck_assert_int_eq(parse_name("name", "caf\xc3\xa9", err, sizeof(err)), -1);
	ERR_HAS("bad character 0xc3");
	ck_assert_int_eq(parse_name("name", "x\"y", err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_category)
{
	char toolong[TLSI_CATEGORY_MAX + 1];

	memset(toolong, 'c', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	ck_assert_int_eq(parse_category("category", "botnet-c2.v1_x", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_category("category", toolong, err, sizeof(err)), -1);
	ERR_HAS("category too long (max 31 characters)");
	ck_assert_int_eq(parse_category("category", "a,b", err, sizeof(err)), -1);
	ERR_HAS("bad character `,'");
}
END_TEST

START_TEST(test_ifname)
{
	ck_assert_int_eq(parse_ifname("port", "eth0", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_ifname("port", "veth-a.10@x", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_ifname("port", "abcdefghijklmno", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_ifname("port", "abcdefghijklmnop", err, sizeof(err)), -1);
	ERR_HAS("interface name too long (max 15 characters)");
	ck_assert_int_eq(parse_ifname("port", "", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_ifname("port", "a/b", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_ifname("port", "a b", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_ifname("port", "..", err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_reason)
{
	char toolong[TLSI_REASON_MAX + 1];

	memset(toolong, 'r', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	ck_assert_int_eq(parse_reason("reason", "port scan, from \"x\"", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_reason("reason", toolong + 2, err, sizeof(err)), 0);
	ck_assert_int_eq(parse_reason("reason", toolong, err, sizeof(err)), -1);
	ERR_HAS("too long (max 127 bytes)");
	ck_assert_int_eq(parse_reason("reason", "a\nb", err, sizeof(err)), -1);
	ERR_HAS("control character");
	ck_assert_int_eq(parse_reason("reason", "", err, sizeof(err)), -1);
}
END_TEST

/* ---- numbers --------------------------------------------------------- */

START_TEST(test_u32)
{
	uint32_t v;

	ck_assert_int_eq(parse_u32("rate", "1", 1, 100, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_u32("n", "4294967295", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("n", "007", 0, 10, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 7);

	ck_assert_int_eq(parse_u32("n", "4294967296", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ERR_HAS("out of range");
	ck_assert_int_eq(parse_u32("rate", "0", 1, 100, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rate `0': out of range (1..100)");
	ck_assert_int_eq(parse_u32("rate", "101", 1, 100, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("rate", "-1", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
	ck_assert_int_eq(parse_u32("rate", "1e3", 0, 10000, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("rate", " 1", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");

	/* Hexadecimal, as marks are often written; too large is out of range. */
	ck_assert_int_eq(parse_u32("rate", "0x10", 0, 100, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(parse_u32("divert-mark", "0xFFFFffff", 1, UINT32_MAX, &v, err,
				   sizeof(err)), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("divert-mark", "0x1ffffffff", 1, UINT32_MAX, &v, err,
				   sizeof(err)), -1);
	ck_assert_str_eq(err, "divert-mark `0x1ffffffff': out of range (1..4294967295)");
	ck_assert_int_eq(parse_u32("divert-mark", "0x00000000000000000000001", 1, UINT32_MAX, &v,
				   err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_u32("max-flows", "99999999999999999999999", 1, 4000000, &v, err,
				   sizeof(err)), -1);
	ck_assert_str_eq(err, "max-flows `99999999999999999999999': out of range (1..4000000)");
	ck_assert_int_eq(parse_u32("rate", "0x101", 1, 100, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rate `0x101': out of range (1..100)");
	ck_assert_int_eq(parse_u32("rate", "0x", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
	ck_assert_int_eq(parse_u32("rate", "0x1g", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
	ck_assert_int_eq(parse_u32("rate", "0x-1", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
	ck_assert_int_eq(parse_u32("rate", "12abc", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("not a number");
	ck_assert_int_eq(parse_u32("rate", " 1", 0, 100, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("rate", "", 0, 100, &v, err, sizeof(err)), -1);
	ERR_HAS("empty");
}
END_TEST

START_TEST(test_score)
{
	uint8_t s;

	ck_assert_int_eq(parse_score("score", "0", &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_int_eq(parse_score("score", "100", &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s, 100);
	ck_assert_int_eq(parse_score("score", "101", &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "score `101': out of range (0..100)");
	ck_assert_int_eq(parse_score("score", "high", &s, err, sizeof(err)), -1);

	ck_assert_int_eq(parse_threshold("rep-block", "off", &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s, 101);
	ck_assert_int_eq(parse_threshold("rep-block", "80", &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s, 80);
	ck_assert_int_eq(parse_threshold("rep-block", "101", &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rep-block `101': out of range (0..100 or off)");
	ck_assert_int_eq(parse_threshold("rep-block", "never", &s, err, sizeof(err)), -1);
	ERR_HAS("0..100 or off");
	ck_assert_int_eq(parse_threshold("rep-block", "", &s, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_duration)
{
	uint32_t v;

	ck_assert_int_eq(parse_duration("timeout", "300", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 300);
	ck_assert_int_eq(parse_duration("timeout", "300s", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 300);
	ck_assert_int_eq(parse_duration("timeout", "5m", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 300);
	ck_assert_int_eq(parse_duration("timeout", "2h", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 7200);
	ck_assert_int_eq(parse_duration("timeout", "1d", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 86400);
	ck_assert_int_eq(parse_duration("timeout", "0", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_duration("t", "10d", 1, 864000, &v, err, sizeof(err)), 0);

	ck_assert_int_eq(parse_duration("t", "11d", 1, 864000, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t `11d': out of range (1..864000 seconds)");
	ck_assert_int_eq(parse_duration("t", "0", 1, 86400, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_duration("t", "50000d", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ERR_HAS("out of range");
	ck_assert_int_eq(parse_duration("t", "5x", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ERR_HAS("not a duration");
	ck_assert_int_eq(parse_duration("t", "5mm", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_duration("t", "m", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_duration("t", "", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_duration("t", "-5", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
}
END_TEST

/* ---- reputation lines ------------------------------------------------ */

static int rep(const char *line, struct tlsi_rep_entry *e)
{
	err[0] = '\0';
	return parse_rep_line(line, strlen(line), e, err, sizeof(err));
}

START_TEST(test_rep_line)
{
	struct tlsi_rep_entry e;

	ck_assert_int_eq(rep("10.0.0.0/8 80 spam\n", &e), 1);
	ck_assert(!memcmp(e.cidr.addr, &(uint32_t){ inet_addr("10.0.0.0") }, 4));
	ck_assert_uint_eq(e.cidr.plen, 8);
	ck_assert_uint_eq(e.score, 80);
	ck_assert_str_eq(e.category, "spam");

	ck_assert_int_eq(rep("  1.2.3.4\t100  \r\n", &e), 1);
	ck_assert_uint_eq(e.cidr.plen, 32);
	ck_assert_uint_eq(e.score, 100);
	ck_assert_str_eq(e.category, "");

	ck_assert_int_eq(rep("1.2.3.0/24 0 c2 # trailing comment", &e), 1);
	ck_assert_str_eq(e.category, "c2");
	ck_assert_int_eq(rep("1.2.3.0/24 5#no blank before comment", &e), 1);
	ck_assert_uint_eq(e.score, 5);
	ck_assert_int_eq(rep("2001:db8:bad::/48 90 botnet", &e), 1);
	ck_assert_uint_eq(e.cidr.family, AF_INET6);
	ck_assert_uint_eq(e.cidr.plen, 48);
	ck_assert_str_eq(e.category, "botnet");

	ck_assert_int_eq(rep("", &e), 0);
	ck_assert_int_eq(rep("\n", &e), 0);
	ck_assert_int_eq(rep("   \t \r\n", &e), 0);
	ck_assert_int_eq(rep("# comment 1.2.3.4 x", &e), 0);
	ck_assert_int_eq(rep("   # indented comment", &e), 0);
}
END_TEST

START_TEST(test_rep_line_bad)
{
	struct tlsi_rep_entry e;
	char line[256];

	ck_assert_int_eq(rep("10.0.0.1/8 80", &e), -1);
	ERR_HAS("cidr `10.0.0.1/8': host bits set");
	ck_assert_int_eq(rep("10.0.0.0/8", &e), -1);
	ck_assert_str_eq(err, "missing score after `10.0.0.0/8'");
	ck_assert_int_eq(rep("10.0.0.0/8 101", &e), -1);
	ck_assert_str_eq(err, "score `101': out of range (0..100)");
	ck_assert_int_eq(rep("10.0.0.0/8 abc", &e), -1);
	ERR_HAS("score `abc'");
	ck_assert_int_eq(rep("10.0.0.0/8 50 bad/cat", &e), -1);
	ERR_HAS("category `bad/cat'");
	ck_assert_int_eq(rep("10.0.0.0/8 50 cat extra", &e), -1);
	ERR_HAS("`extra'");
	ck_assert_int_eq(rep("bogus 50", &e), -1);
	ERR_HAS("cidr `bogus'");
	ck_assert_int_eq(rep("10.0.0.0/8,50", &e), -1);

	snprintf(line, sizeof(line), "10.0.0.0/8 50 %040d", 0);
	ck_assert_int_eq(rep(line, &e), -1);
	ERR_HAS("category too long");

	/* A token longer than the copy buffer is cut but stays invalid. */
	snprintf(line, sizeof(line), "10.0.0.0/8 50 %0200d", 0);
	ck_assert_int_eq(rep(line, &e), -1);
	ERR_HAS("category too long");
	memset(line, '1', 200);
	line[200] = '\0';
	ck_assert_int_eq(rep(line, &e), -1);
	ERR_HAS("...");
}
END_TEST

START_TEST(test_rep_line_not_terminated)
{
	struct tlsi_rep_entry e;
	const char buf[] = "10.0.0.0/8 80 spamXXXXX";

	/* Only the first 16 bytes belong to the line. */
	ck_assert_int_eq(parse_rep_line(buf, 17, &e, err, sizeof(err)), 1);
	ck_assert_str_eq(e.category, "spa");
}
END_TEST

START_TEST(test_format)
{
	struct tlsi_cidr c = { .family = AF_INET, .plen = 24 };
	char buf[TLSI_CIDR_STR_MAX];
	uint32_t a = inet_addr("192.168.1.0");

	memcpy(c.addr, &a, 4);
	ck_assert_str_eq(format_cidr(&c, buf), "192.168.1.0/24");
	a = inet_addr("255.255.255.255");
	memcpy(c.addr, &a, 4);
	c.plen = 32;
	ck_assert_str_eq(format_cidr(&c, buf), "255.255.255.255/32");
	ck_assert_str_eq(format_addr(&c, buf), "255.255.255.255");
	/* The longest IPv6 text fits the buffer. */
	c.family = AF_INET6;
	memset(c.addr, 0xff, 16);
	c.plen = 128;
	ck_assert_str_eq(format_cidr(&c, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	{
		char ep[TLSI_ENDPOINT_STR_MAX];

		/* An endpoint: IPv6 in brackets (RFC 5952 section 6), the
		 * longest text fits; IPv4 without; the prefix is not shown. */
		ck_assert_str_eq(format_endpoint(&c, 65535, ep),
				 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
		ck_assert_uint_le(strlen(ep) + 1, TLSI_ENDPOINT_STR_MAX);
		ck_assert_int_eq(inet_pton(AF_INET6, "2001:0db8:0:0:0:0:0:1", c.addr), 1);
		c.plen = 64;
		ck_assert_str_eq(format_endpoint(&c, 443, ep), "[2001:db8::1]:443");
		ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:10.0.0.1", c.addr), 1);
		ck_assert_str_eq(format_endpoint(&c, 0, ep), "[::ffff:10.0.0.1]:0");
		c.family = AF_INET;
		a = inet_addr("192.0.2.10");
		memcpy(c.addr, &a, 4);
		ck_assert_str_eq(format_endpoint(&c, 8443, ep), "192.0.2.10:8443");
		c.family = AF_INET6;
		memset(c.addr, 0xff, 16);
		c.plen = 128;
	}
	ck_assert_str_eq(format_addr4(inet_addr("10.9.0.1"), buf), "10.9.0.1");
	ck_assert_str_eq(proto_name(6), "tcp");
	ck_assert_str_eq(proto_name(17), "udp");
	ck_assert_str_eq(proto_name(1), "icmp");
	ck_assert_ptr_null(proto_name(0));
	ck_assert_ptr_null(proto_name(47));
	ck_assert_str_eq(proto_name(132), "sctp");
	ck_assert(proto_has_ports(6) && proto_has_ports(17) && proto_has_ports(132) &&
		  proto_has_ports(136));
	ck_assert(!proto_has_ports(0) && !proto_has_ports(1) && !proto_has_ports(47));
}
END_TEST

START_TEST(test_err_truncation)
{
	char small[16];
	struct tlsi_cidr c;

	/* Never overflows the caller's buffer. */
	ck_assert_int_eq(parse_cidr("src", "10.0.0.1/8", &c, small, sizeof(small)), -1);
	ck_assert_uint_lt(strlen(small), sizeof(small));
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cidr_valid);
	tcase_add_test(tc, test_cidr_invalid);
	tcase_add_test(tc, test_host);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_proto);
	tcase_add_test(tc, test_vlan);
	tcase_add_test(tc, test_vlan_list);
	tcase_add_test(tc, test_format_vlan_list);
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_category);
	tcase_add_test(tc, test_ifname);
	tcase_add_test(tc, test_reason);
	tcase_add_test(tc, test_u32);
	tcase_add_test(tc, test_score);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_rep_line);
	tcase_add_test(tc, test_rep_line_bad);
	tcase_add_test(tc, test_rep_line_not_terminated);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_err_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
