// SPDX-License-Identifier: GPL-2.0
/*
 * udp, icmp and ip rules: tlsi_eng_datagram() on single datagrams and
 * packets (payload keywords on the packet alone, dsize, itype, icode,
 * ip_proto, ttl, flow direction and established, flowbits across
 * datagrams), ip rules on TCP streams as well; TCP packet rules (flags
 * with Suricata's semantics, flow:no_stream, not_established) on TCP
 * packets and flow:stateless; real ET Open rules, the parser's refusals
 * and the image validator's checks of what is new.
 */
#include "engine_harness.h"

static struct et T;

static void teardown(void)
{
	et_free(&T);
}

/* A datagram flow from client c4:cport to server s4:sport. */
static void pkt_flow(const uint8_t c4[4], uint16_t cport, const uint8_t s4[4], uint16_t sport)
{
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_eng_flow_init(T.f, ca, cport, sa, sport);
	T.nalerts = 0;
	T.events = 0;
}

static const uint8_t home[4] = { 10, 0, 0, 1 }, ext[4] = { 192, 0, 2, 1 };

/* One packet of protocol proto and direction dir. */
static enum tlsi_eng_verdict pkt(unsigned int dir, uint8_t proto, uint8_t type, uint8_t code,
				 const void *payload, size_t len)
{
	struct tlsi_eng_pkt p = { .proto = proto, .ttl = 64, .icmp_type = type,
				  .icmp_code = code, .payload = payload, .len = (uint32_t)len };

	return tlsi_eng_datagram(&T.ctx, T.f, dir, &p);
}

static enum tlsi_eng_verdict udp(unsigned int dir, const char *s)
{
	return pkt(dir, TLSI_PROTO_UDP, 0, 0, s, strlen(s));
}

/* Matches of the rule with this sid (counted before thresholds). */
static uint64_t hits(uint32_t sid)
{
	uint32_t i;

	for (i = 0; i < T.eng.nrules; i++)
		if (T.eng.rules[i].sid == sid)
			return T.hits[i];
	ck_abort_msg("no rule with sid %u", sid);
	return 0;
}

/* ---- protocols ------------------------------------------------------------ */

START_TEST(test_udp_only_datagrams)
{
	et_load(&T, "alert udp any any -> any 53 (msg:\"u\"; content:\"evil\"; depth:8; sid:1;)\n"
		    "alert tcp any any -> any 53 (msg:\"t\"; content:\"evil\"; sid:2;)\n"
		    "alert icmp any any -> any any (msg:\"i\"; content:\"evil\"; sid:3;)\n");
	pkt_flow(home, 40000, ext, 53);
	udp(TLSI_DIR_TO_SERVER, "xxevilyy");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);
	ck_assert_uint_eq(T.alert_buf[0], TLSI_BUF_PKT);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "xxxxxevil");	/* ends beyond depth 8 */
	ET_SILENT(&T, 1);
	/* a UDP rule never sees a TCP stream */
	et_flow_port(&T, 53);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "xxevilyy", 0);
	ET_FIRED(&T, 2);
	ET_SILENT(&T, 1);
	/* wrong port */
	pkt_flow(home, 40000, ext, 54);
	udp(TLSI_DIR_TO_SERVER, "evil");
	ET_SILENT(&T, 1);
	/* the ICMP rule sees ICMP, not UDP */
	pkt_flow(home, 0, ext, 0);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, "evil", 4);
	ET_FIRED(&T, 3);
	ET_SILENT(&T, 1);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMPV6, 128, 0, "evil", 4);
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_datagrams_are_separate)
{
	/* nothing carries over from one datagram to the next but flowbits */
	et_load(&T, "alert udp any any -> any any (msg:\"ab\"; content:\"AAAA\"; content:\"BBBB\"; distance:0; sid:1;)\n"
		    "alert udp any any -> any any (msg:\"end\"; content:\"ZZ\"; endswith; sid:2;)\n"
		    "alert udp any any -> any any (msg:\"nc\"; content:\"ok\"; content:!\"bad\"; sid:3;)\n");
	pkt_flow(home, 40000, ext, 9999);
	udp(TLSI_DIR_TO_SERVER, "xxAAAA");
	udp(TLSI_DIR_TO_SERVER, "BBBBxx");
	ET_SILENT(&T, 1);
	udp(TLSI_DIR_TO_SERVER, "AAAA..BBBB");
	ET_FIRED(&T, 1);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "xZZ");
	ET_FIRED(&T, 2);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "xZZx");
	ET_SILENT(&T, 2);
	udp(TLSI_DIR_TO_SERVER, "ok bad");
	ET_SILENT(&T, 3);
	udp(TLSI_DIR_TO_SERVER, "ok");	/* "bad" in the next one does not count */
	udp(TLSI_DIR_TO_SERVER, "bad");
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_dsize_and_empty)
{
	et_load(&T, "alert udp any any -> any any (msg:\"eq\"; dsize:4; sid:1;)\n"
		    "alert udp any any -> any any (msg:\"gt\"; dsize:>10; content:\"x\"; sid:2;)\n"
		    "alert udp any any -> any any (msg:\"rng\"; dsize:2<>5; sid:3;)\n"
		    "alert udp any any -> any any (msg:\"zero\"; dsize:0; sid:4;)\n");
	pkt_flow(home, 40000, ext, 9999);
	udp(TLSI_DIR_TO_SERVER, "abcd");
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 3);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 4);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "xxxxxxxxxxx");
	ET_FIRED(&T, 2);
	ET_SILENT(&T, 1);
	ET_SILENT(&T, 3);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "xxxxx");	/* 2 < 5 < 5 is false: exclusive */
	ET_SILENT(&T, 3);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, NULL, 0);
	ET_FIRED(&T, 4);
	ET_SILENT(&T, 1);
}
END_TEST

START_TEST(test_itype_icode)
{
	et_load(&T, "alert icmp any any -> any any (msg:\"echo\"; itype:8; icode:0; sid:1;)\n"
		    "alert icmp any any -> any any (msg:\"gt\"; itype:>30; sid:2;)\n"
		    "alert icmp any any -> any any (msg:\"rng\"; itype:2<>5; sid:3;)\n"
		    "alert icmp any any -> any any (msg:\"ne\"; icode:!0; sid:4;)\n"
		    "alert ip any any -> any any (msg:\"ip-itype\"; itype:3; sid:5;)\n"
		    "alert icmp any any -> any any (msg:\"le\"; itype:<=3; icode:>=1; sid:6;)\n");
	pkt_flow(ext, 0, home, 0);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, "", 0);
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);
	ET_SILENT(&T, 4);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 1, "", 0);
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 4);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 31, 0, "", 0);
	ET_FIRED(&T, 2);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 3, 1, "", 0);
	ET_FIRED(&T, 3);
	ET_FIRED(&T, 5);
	ET_FIRED(&T, 6);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 5, 0, "", 0);
	ET_SILENT(&T, 3);		/* exclusive range */
	ET_SILENT(&T, 6);
	/* an ip rule with itype: only ICMP packets have a type, negated or not */
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 3, 1, "x", 1);
	ET_SILENT(&T, 5);
	ET_SILENT(&T, 4);
}
END_TEST

START_TEST(test_ip_proto_ttl)
{
	et_load(&T, "alert ip any any -> any any (msg:\"6in4\"; ip_proto:41; sid:1;)\n"
		    "alert ip any any -> any any (msg:\"not-udp\"; ip_proto:!udp; content:\"zz\"; sid:2;)\n"
		    "alert udp any any -> any any (msg:\"ttl\"; ttl:<5; sid:3;)\n"
		    "alert ip any any -> any any (msg:\"tcp\"; ip_proto:tcp; content:\"yy\"; sid:4;)\n");
	pkt_flow(ext, 0, home, 0);
	pkt(TLSI_DIR_TO_SERVER, 41, 0, 0, "zz", 2);
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	ET_SILENT(&T, 3);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, "zz", 2);
	ET_SILENT(&T, 1);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);		/* ttl 64 */
	{
		struct tlsi_eng_pkt p = { .proto = TLSI_PROTO_UDP, .ttl = 4, .payload = (const uint8_t *)"a",
					  .len = 1 };

		tlsi_eng_datagram(&T.ctx, T.f, TLSI_DIR_TO_SERVER, &p);
		ET_FIRED(&T, 3);
	}
	/* on a TCP stream an ip rule sees protocol 6 */
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "yy zz", 0);
	ET_FIRED(&T, 4);
	ET_FIRED(&T, 2);
	ET_SILENT(&T, 1);
}
END_TEST

START_TEST(test_ip_rules_everywhere)
{
	/* ET's reputation rules: an address list, no payload */
	et_load(&T, "alert ip [192.0.2.1,198.51.100.0/24] any -> $HOME_NET any (msg:\"rep\"; sid:1;)\n"
		    "alert ip $EXTERNAL_NET any -> $HOME_NET any (msg:\"sc\"; content:\"/bin/sh\"; sid:2;)\n");
	pkt_flow(ext, 5000, home, 53);
	udp(TLSI_DIR_TO_SERVER, "hello");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_CLIENT, "hello");	/* from home: not the rule's direction */
	ET_SILENT(&T, 1);
	pkt_flow(ext, 0, home, 0);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, "/bin/sh", 7);
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	pkt_flow(ext, 0, home, 0);
	pkt(TLSI_DIR_TO_SERVER, 47, 0, 0, "x", 1);	/* GRE */
	ET_FIRED(&T, 1);
	/* a TCP stream from a listed address, and its payload */
	pkt_flow(ext, 40000, home, 80);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "GET /x HTTP/1.0\r\n", 0);
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	T.nalerts = 0;
	et_sendc(&T, TLSI_DIR_TO_SERVER, "..../bi", 0);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "n/sh..", 0);	/* across two chunks of the stream */
	ET_FIRED(&T, 2);
	/* not from a listed address */
	pkt_flow(home, 40000, (const uint8_t[4]){ 10, 0, 0, 2 }, 53);
	udp(TLSI_DIR_TO_SERVER, "hello");
	ET_SILENT(&T, 1);
}
END_TEST

START_TEST(test_header_only_once_per_direction)
{
	/* A rule only the header decides is the same for every chunk of a
	 * stream direction: tried with the first, not again; one with a
	 * flowbit test or dsize is tried on every chunk. Datagrams: every
	 * packet. */
	et_load(&T, "alert ip any any -> [192.0.2.1] any (msg:\"rep\"; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"hdr\"; flow:to_client; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"fb\"; flowbits:isset,x; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"set\"; content:\"SETX\"; flowbits:set,x; flowbits:noalert; sid:4;)\n"
		    "alert tcp any any -> any any (msg:\"ds\"; dsize:3; sid:5;)\n");
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "abc", 0);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "def", 0);
	ck_assert_uint_eq(et_count(&T, 1), 1);	/* to 192.0.2.1: once */
	ck_assert_uint_eq(et_count(&T, 5), 2);	/* dsize: each chunk */
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "xyz", 0);
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "xyz", 0);
	ck_assert_uint_eq(et_count(&T, 2), 1);
	ck_assert_uint_eq(et_count(&T, 1), 1);	/* from 192.0.2.1: not the header */
	ET_SILENT(&T, 3);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "SETX", 0);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "more", 0);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "more", 0);
	ck_assert_uint_ge(et_count(&T, 3), 2);	/* flowbit test: each chunk once set */
	/* datagrams: each packet */
	pkt_flow(home, 40000, ext, 53);
	udp(TLSI_DIR_TO_SERVER, "a");
	udp(TLSI_DIR_TO_SERVER, "b");
	ck_assert_uint_eq(et_count(&T, 1), 2);
}
END_TEST

START_TEST(test_flow_direction_established)
{
	et_load(&T, "alert udp any any -> any any (msg:\"ts\"; flow:to_server; content:\"q\"; sid:1;)\n"
		    "alert udp any any -> any any (msg:\"tc\"; flow:from_server; content:\"q\"; sid:2;)\n"
		    "alert udp any any -> any any (msg:\"est\"; flow:established,to_server; content:\"q\"; sid:3;)\n"
		    "alert udp any any -> any any (msg:\"est-tc\"; flow:established,to_client; content:\"q\"; sid:4;)\n");
	pkt_flow(home, 40000, ext, 9999);
	udp(TLSI_DIR_TO_SERVER, "q");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);		/* no reply yet */
	T.nalerts = 0;
	udp(TLSI_DIR_TO_CLIENT, "q");
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 4);		/* the first reply is established */
	ET_SILENT(&T, 1);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "q");
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_flowbits_and_pass)
{
	et_load(&T, "alert udp any any -> any 7 (msg:\"set\"; content:\"login\"; flowbits:set,u.l; flowbits:noalert; sid:1;)\n"
		    "alert udp any 7 -> any any (msg:\"isset\"; flowbits:isset,u.l; content:\"ok\"; sid:2;)\n"
		    "pass udp any any -> any 7 (msg:\"p\"; content:\"trusted\"; sid:3;)\n"
		    "drop udp any any -> any 7 (msg:\"d\"; content:\"attack\"; sid:4;)\n");
	pkt_flow(home, 40000, ext, 7);
	udp(TLSI_DIR_TO_CLIENT, "ok");
	ET_SILENT(&T, 2);
	udp(TLSI_DIR_TO_SERVER, "login");
	ET_SILENT(&T, 1);
	ck_assert_uint_eq(hits(1), 1);
	udp(TLSI_DIR_TO_CLIENT, "ok");
	ET_FIRED(&T, 2);
	ck_assert_int_eq(udp(TLSI_DIR_TO_SERVER, "attack"), TLSI_ENG_V_DROP);
	ET_FIRED(&T, 4);
	/* a pass rule ends the flow's inspection */
	pkt_flow(home, 40000, ext, 7);
	ck_assert_int_eq(udp(TLSI_DIR_TO_SERVER, "trusted"), TLSI_ENG_V_PASS);
	udp(TLSI_DIR_TO_SERVER, "attack");
	ET_SILENT(&T, 4);
}
END_TEST

/* ---- real ET Open rules ---------------------------------------------------- */

START_TEST(test_et_rules)
{
	/* verbatim from the snapshot (metadata trimmed) */
	et_load(&T,
		"alert icmp $EXTERNAL_NET any -> $HOME_NET any (msg:\"GPL ICMP_INFO PING *NIX\"; itype:8; content:\"|10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F|\"; depth:32; classtype:misc-activity; sid:2100366; rev:8;)\n"
		"alert icmp $EXTERNAL_NET any -> $HOME_NET any (msg:\"ET INFO PTUNNEL INBOUND\"; itype:0; icode:0; content:\"|D5 20 08 80|\"; depth:4; reference:url,github.com/madeye/ptunnel; classtype:protocol-command-decode; sid:2016146; rev:3;)\n"
		"alert udp any any -> any 9993 (msg:\"ET ADWARE_PUP ZeroTier P2P VPN Activity M1\"; dsize:137; content:\"|01 0c 01 0a 00 01 00 00 01 82|\"; offset:27; depth:10; fast_pattern; threshold: type both, track by_src, count 20, seconds 300; classtype:pup-activity; sid:2038708; rev:1;)\n"
		"alert udp $EXTERNAL_NET any -> any 11211 (msg:\"ET DOS Possible Memcached DDoS Amplification Query (set)\"; content:\"|00 00 00 00 00 01 00|\"; depth:7; fast_pattern; content:\"|0d 0a|\"; within:20; endswith; threshold: type both, count 100, seconds 60, track by_dst; flowbits:set,ET.memcached.ddos; classtype:attempted-dos; sid:2025401; rev:4;)\n"
		"alert udp any 11211 -> $EXTERNAL_NET any (msg:\"ET DOS Possible Memcached DDoS Amplification Response Outbound\"; flowbits:isset,ET.memcached.ddos; content:\"STATS|20|pid\"; depth:9; fast_pattern; threshold: type both, count 100, seconds 60, track by_dst; classtype:attempted-dos; sid:2025402; rev:1;)\n"
		"alert ip $HOME_NET any -> [103.82.243.5] any (msg:\"ET CNC Feodo Tracker Reported CnC Server group 1\"; threshold: type limit, track by_src, seconds 3600, count 1; flowbits:set,ET.Evil; flowbits:set,ET.BotccIP; classtype:trojan-activity; sid:2404300; rev:7167;)\n"
		"alert ip any any -> any 5060 (msg:\"GPL VOIP SIP INVITE message flooding\"; content:\"INVITE\"; depth:6; threshold: type both, track by_src, count 100, seconds 60; classtype:attempted-dos; sid:2100158; rev:4;)\n");
	{
		uint8_t ping[56];
		unsigned int i;

		for (i = 0; i < sizeof(ping); i++)
			ping[i] = (uint8_t)(i < 8 ? 0xaa : i);	/* timestamp, then 0x08.. */
		pkt_flow(ext, 0, home, 0);
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, ping, sizeof(ping));
		ET_FIRED(&T, 2100366);
		T.nalerts = 0;
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 0, 0, ping, sizeof(ping)); /* a reply */
		ET_SILENT(&T, 2100366);
		pkt_flow(home, 0, ext, 0);
		pkt(TLSI_DIR_TO_CLIENT, TLSI_PROTO_ICMP, 8, 0, ping, sizeof(ping));
		ET_FIRED(&T, 2100366);	/* by the rule's header, not the flow's sides */
		T.nalerts = 0;
		pkt_flow(home, 0, ext, 0);
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, ping, sizeof(ping)); /* outbound */
		ET_SILENT(&T, 2100366);
	}
	pkt_flow(ext, 0, home, 0);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 0, 0, "\xd5\x20\x08\x80xxxx", 8);
	ET_FIRED(&T, 2016146);
	T.nalerts = 0;
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, 8, 0, "\xd5\x20\x08\x80xxxx", 8);
	ET_SILENT(&T, 2016146);
	{
		uint8_t zt[137];

		memset(zt, 0x41, sizeof(zt));
		memcpy(zt + 27, "\x01\x0c\x01\x0a\x00\x01\x00\x00\x01\x82", 10);
		pkt_flow(home, 40000, ext, 9993);
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, zt, sizeof(zt));
		ck_assert_uint_eq(hits(2038708), 1);
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, zt, sizeof(zt) - 1);	/* dsize */
		ck_assert_uint_eq(hits(2038708), 1);
		memmove(zt + 28, zt + 27, 10);
		zt[27] = 0x41;
		pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, zt, sizeof(zt));	/* offset */
		ck_assert_uint_eq(hits(2038708), 1);
	}
	/* memcached: the query sets the bit the response needs; both are
	 * thresholded (type both, count 100), so matches are counted */
	pkt_flow(ext, 5555, home, 11211);
	pkt(TLSI_DIR_TO_CLIENT, TLSI_PROTO_UDP, 0, 0, "STATS pid 1\r\n", 13);
	ck_assert_uint_eq(hits(2025402), 0);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, "\x00\x00\x00\x00\x00\x01\x00stats\r\n", 14);
	ck_assert_uint_eq(hits(2025401), 1);
	pkt(TLSI_DIR_TO_CLIENT, TLSI_PROTO_UDP, 0, 0, "STATS pid 1\r\n", 13);
	ck_assert_uint_eq(hits(2025402), 1);
	pkt(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, 0, 0, "\x00\x00\x00\x00\x00\x01\x00stats\r\nx", 15);
	ck_assert_uint_eq(hits(2025401), 1);	/* endswith */
	/* Feodo: any protocol to the C2, once per source and hour; it
	 * sets ET.Evil on the flow */
	pkt_flow(home, 40000, (const uint8_t[4]){ 103, 82, 243, 5 }, 443);
	udp(TLSI_DIR_TO_SERVER, "x");
	ET_FIRED(&T, 2404300);
	ck_assert(T.f->flowbits[0] != 0);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "x");
	ET_SILENT(&T, 2404300);
	ck_assert_uint_eq(hits(2404300), 2);
	et_flow_port(&T, 443);
	memcpy(T.f->saddr + 12, (const uint8_t[4]){ 103, 82, 243, 5 }, 4);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "\x16\x03\x01", 0);
	ck_assert_uint_eq(hits(2404300), 3);
	/* SIP flood over UDP and over TCP */
	pkt_flow(ext, 5060, home, 5060);
	udp(TLSI_DIR_TO_SERVER, "INVITE sip:a@b SIP/2.0\r\n");
	ck_assert_uint_eq(hits(2100158), 1);
	udp(TLSI_DIR_TO_SERVER, " INVITE sip:a@b SIP/2.0\r\n");
	ck_assert_uint_eq(hits(2100158), 1);
	et_flow_port(&T, 5060);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "INVITE sip:a@b SIP/2.0\r\n", 0);
	ck_assert_uint_eq(hits(2100158), 2);
}
END_TEST

/* ---- TCP packet rules: flags, flow:no_stream, not_established, stateless ---------- */

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20
#define F_ECE 0x40
#define F_CWR 0x80

/* One TCP packet with flags fl, established before it or not. */
static enum tlsi_eng_verdict tcp(unsigned int dir, uint8_t fl, int est, const void *payload,
				 size_t len)
{
	struct tlsi_eng_pkt p = { .proto = TLSI_PROTO_TCP, .ttl = 64, .tcp_flags = fl,
				  .established = (uint8_t)est, .payload = payload,
				  .len = (uint32_t)len };

	return tlsi_eng_datagram(&T.ctx, T.f, dir, &p);
}

/*
 * flags as Suricata 7's detect-tcp-flags.c: the cases of its unit tests
 * (FlagsTestParse03..15) and of FlagsMatch() around them.
 */
START_TEST(test_tcp_flags_semantics)
{
	static const struct { const char *flags; uint8_t pkt; int match; } cases[] = {
		{ "AP+", F_ACK | F_PSH | F_SYN | F_RST, 1 },
		{ "A", F_SYN, 0 },
		{ "+AP,UR", F_ACK | F_PSH | F_SYN | F_RST, 1 },
		{ "*AP", F_SYN | F_RST, 0 },
		{ "*SA", F_SYN | F_RST, 1 },
		{ "!PA", F_SYN | F_RST, 1 },
		{ "!AP", F_SYN | F_RST, 1 },
		{ "*AP,SR", F_SYN | F_RST | F_URG, 0 },
		{ "0", F_SYN, 0 },
		{ "0", 0, 1 },
		{ "!0", F_SYN, 1 },	/* no flags wanted, some there: only ! */
		{ "EC+", F_ECE | F_CWR | F_SYN | F_RST, 1 },
		{ "EC*", F_ECE | F_SYN | F_RST, 1 },
		{ "EC+", F_ECE | F_SYN | F_RST, 0 },
		{ "21", F_ECE | F_CWR, 1 },
		{ "S", F_SYN, 1 },
		{ "S", F_SYN | F_ACK, 0 },
		{ "S", F_SYN | F_ECE | F_CWR, 0 },
		{ "S,12", F_SYN | F_ECE | F_CWR, 1 },	/* ET's scan rules */
		{ "S,CE", F_SYN | F_ECE, 1 },
		{ "S,12", F_SYN | F_ACK, 0 },
		{ "SA", F_SYN | F_ACK, 1 },
		{ "PA", F_PSH | F_ACK, 1 },
		{ "PA", F_PSH | F_ACK | F_FIN, 0 },
		{ "! S", F_ACK, 1 },
		{ "S!", F_SYN, 0 },
		{ "F", F_FIN, 1 },
		{ "U", F_URG, 1 },
		{ "R", F_RST | F_ACK, 0 },
		{ "R+", F_RST | F_ACK, 1 },
	};
	unsigned int i;

	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(cases); i++) {
		char rule[160];

		snprintf(rule, sizeof(rule),
			 "alert tcp any any -> any any (msg:\"f\"; flags:%s; sid:1;)\n", cases[i].flags);
		if (i)
			et_free(&T);
		et_load(&T, rule);
		pkt_flow(home, 40000, ext, 22);
		tcp(TLSI_DIR_TO_SERVER, cases[i].pkt, 0, NULL, 0);
		ck_assert_msg(T.nalerts == (unsigned int)cases[i].match, "flags:%s on 0x%02x: %u alerts",
			      cases[i].flags, cases[i].pkt, T.nalerts);
	}
}
END_TEST

START_TEST(test_tcp_packet_rules)
{
	et_load(&T,
		"alert tcp any any -> any 22 (msg:\"syn\"; flow:to_server; flags:S,12; sid:1;)\n"
		"alert tcp any any -> any any (msg:\"psh data\"; flags:PA; content:\"evil\"; sid:2;)\n"
		"alert tcp any any -> any any (msg:\"no_stream\"; flow:to_server,established,no_stream; content:\"PASS\"; depth:4; sid:3;)\n"
		"alert tcp any any -> any any (msg:\"stream\"; flow:to_server,established; content:\"PASS\"; depth:4; sid:4;)\n"
		"alert tcp any any -> any any (msg:\"not est\"; flow:not_established; flags:S; sid:5;)\n"
		"alert tcp any any -> any any (msg:\"stateless\"; flow:stateless; content:\"evil\"; sid:6;)\n"
		"alert ip any any -> any any (msg:\"ip\"; content:\"evil\"; sid:7;)\n"
		"alert tcp any any -> any any (msg:\"dsize\"; flags:A; dsize:0; flow:to_client; sid:8;)\n");
	pkt_flow(home, 40000, ext, 22);
	/* the handshake: SYN (not established), SYN/ACK, ACK */
	tcp(TLSI_DIR_TO_SERVER, F_SYN | F_ECE | F_CWR, 0, NULL, 0);
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 5);	/* ECE and CWR are not ignored there */
	ck_assert_uint_eq(T.nalerts, 1);
	ck_assert_uint_eq(T.alert_buf[0], TLSI_BUF_TCP_PKT);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_SERVER, F_SYN, 0, NULL, 0);
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 5);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_SERVER, F_SYN, 1, NULL, 0);	/* a SYN on an established flow */
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 5);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_CLIENT, F_SYN | F_ACK, 0, NULL, 0);
	ck_assert_uint_eq(T.nalerts, 0);
	tcp(TLSI_DIR_TO_CLIENT, F_ACK, 1, NULL, 0);
	ET_FIRED(&T, 8);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_CLIENT, F_ACK, 1, "x", 1);	/* dsize is the packet's */
	ET_SILENT(&T, 8);
	/* data: the packet rules see the packet's payload alone; stream
	 * rules, ip rules and stateless ones do not see packets at all */
	tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, "PASS xxevil", 11);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 3);
	ET_SILENT(&T, 4);
	ET_SILENT(&T, 6);
	ET_SILENT(&T, 7);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_SERVER, F_ACK, 1, "PASS xxevil", 11);	/* no PSH */
	ET_SILENT(&T, 2);
	ET_FIRED(&T, 3);
	T.nalerts = 0;
	tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, "xPASS ev", 8);	/* split: per packet */
	tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, "il", 2);
	ck_assert_uint_eq(T.nalerts, 0);
	tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 0, "PASS", 4);	/* not established */
	ET_SILENT(&T, 3);
	/* the stream: TCP packet rules never match it; stateless is a plain
	 * stream rule (Suricata's FlowMatch() counts it whatever the state) */
	et_flow_port(&T, 22);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "PASS xxevil", 0);
	ET_FIRED(&T, 4);
	ET_FIRED(&T, 6);
	ET_FIRED(&T, 7);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);
	/* UDP: no flags */
	pkt_flow(home, 40000, ext, 22);
	udp(TLSI_DIR_TO_SERVER, "PASS xxevil");
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);
	ET_FIRED(&T, 7);
}
END_TEST

/* not_established on datagrams: before the first reply. */
START_TEST(test_not_established_datagrams)
{
	et_load(&T, "alert udp any any -> any any (msg:\"new\"; flow:not_established; content:\"q\"; sid:1;)\n"
		    "alert udp any any -> any any (msg:\"est\"; flow:established; content:\"q\"; sid:2;)\n");
	pkt_flow(home, 40000, ext, 53);
	udp(TLSI_DIR_TO_SERVER, "q");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_CLIENT, "q");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	T.nalerts = 0;
	udp(TLSI_DIR_TO_SERVER, "q");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
}
END_TEST

/* ET Open's flags / no_stream / stateless / not_established rules. */
START_TEST(test_et_tcp_packet_rules)
{
	/* verbatim from the snapshot (metadata trimmed) */
	et_load_mode(&T,
		"alert tcp $EXTERNAL_NET any -> $HOME_NET 22 (msg:\"ET SCAN Potential SSH Scan\"; flow:to_server; flags:S,12; threshold: type both, track by_src, count 5, seconds 120; reference:url,en.wikipedia.org/wiki/Brute_force_attack; classtype:attempted-recon; sid:2001219; rev:20;)\n"
		"alert tcp $HOME_NET 3389 -> any any (msg:\"ET DOS Microsoft Remote Desktop (RDP) Syn/Ack Outbound Flowbit Set\"; flow:from_server; flags:SA; flowbits:isnotset,ms.rdp.synack; flowbits:set,ms.rdp.synack; flowbits:noalert; reference:cve,2012-0152; classtype:not-suspicious; sid:2014385; rev:5;)\n"
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:\"ET SCAN Amap TCP Service Scan Detected\"; flow:to_server; flags:PA; content:\"service|3A|thc|3A 2F 2F|\"; depth:105; content:\"service|3A|thc\"; within:40; reference:url,freeworld.thc.org/thc-amap/; classtype:attempted-recon; sid:2010371; rev:2;)\n"
		"alert tcp $EXTERNAL_NET any -> $HOME_NET 3389 (msg:\"ET SCAN Behavioral Unusually fast Terminal Server Traffic Potential Scan or Infection (Inbound)\"; flow:not_established,to_server; flags: S,12; threshold: type both, track by_src, count 20, seconds 360; classtype:network-scan; sid:2001972; rev:21;)\n"
		"alert tcp $EXTERNAL_NET any -> $HOME_NET 33434 (msg:\"ET INFO Noction IRP Probe\"; flow:stateless; flags:SP; content:\"|4E 4F 43 54 49 4F 4E 20 49 52 50|\"; reference:url,www.noction.com/faq; classtype:bad-unknown; sid:2023640; rev:1;)\n"
		"alert ftp $EXTERNAL_NET any -> $HOME_NET 21 (msg:\"GPL FTP PASS overflow attempt\"; flow:to_server,established,no_stream; content:\"PASS\"; nocase; isdataat:100,relative; pcre:\"/^PASS\\s[^\\n]{100}/smi\"; classtype:attempted-admin; sid:2101972; rev:19;)\n",
		false, RP_PCRE_EXACT);
	{
		unsigned int i;

		/* five SYNs from one source to port 22: one alert */
		for (i = 0; i < 5; i++) {
			pkt_flow(ext, (uint16_t)(40000 + i), home, 22);
			tcp(TLSI_DIR_TO_SERVER, F_SYN, 0, NULL, 0);
		}
		ck_assert_uint_eq(hits(2001219), 5);
		ck_assert_uint_eq(et_count(&T, 2001219), 1);
		T.nalerts = 0;
	}
	pkt_flow(ext, 40000, home, 3389);
	tcp(TLSI_DIR_TO_CLIENT, F_SYN | F_ACK, 0, NULL, 0);
	ck_assert_uint_eq(hits(2014385), 1);
	ck_assert(T.f->flowbits[0] != 0);
	ck_assert_uint_eq(T.nalerts, 0);	/* noalert */
	tcp(TLSI_DIR_TO_SERVER, F_SYN, 0, NULL, 0);
	ck_assert_uint_eq(hits(2001972), 1);
	tcp(TLSI_DIR_TO_SERVER, F_SYN, 1, NULL, 0);	/* established: not this one */
	ck_assert_uint_eq(hits(2001972), 1);
	pkt_flow(ext, 40000, home, 8080);
	tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, "GET service:thc://x service:thc", 31);
	ET_FIRED(&T, 2010371);
	T.nalerts = 0;
	pkt_flow(ext, 40000, home, 33434);
	tcp(TLSI_DIR_TO_SERVER, F_SYN | F_PSH, 0, "NOCTION IRP", 11);
	ET_FIRED(&T, 2023640);
	T.nalerts = 0;
	{
		char pass[200];

		memset(pass, 'A', sizeof(pass));
		memcpy(pass, "PASS ", 5);
		pkt_flow(ext, 40000, home, 21);
		tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, pass, sizeof(pass));
		ET_FIRED(&T, 2101972);
		T.nalerts = 0;
		tcp(TLSI_DIR_TO_SERVER, F_PSH | F_ACK, 1, pass, 100);	/* short */
		ET_SILENT(&T, 2101972);
	}
}
END_TEST

/* ---- what is refused ----------------------------------------------------------- */

START_TEST(test_refused)
{
	static const struct { const char *rule, *why; } bad[] = {
		{ "alert udp any any -> any any (msg:\"x\"; http.uri; content:\"a\"; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		{ "alert icmp any any -> any any (msg:\"x\"; dns.query; content:\"a\"; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		/* a TLS keyword without a buffer (found by fuzz_rules: it
		 * reached the compiler, which made an image that does not
		 * validate) */
		{ "alert udp any any -> any 53 (msg:\"x\"; tls.version:1.2; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		{ "alert icmp any any -> any any (msg:\"x\"; content:\"GET\"; tls.version:1.3; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		{ "alert ip any any -> any any (msg:\"x\"; ttl:3; sid:1;)", "ttl on TCP streams" },
		{ "alert tcp any any -> any any (msg:\"x\"; ttl:3; sid:1;)", "ttl on TCP streams" },
		{ "alert icmp any any -> any any (msg:\"x\"; itype:256; sid:1;)", "syntax error" },
		{ "alert icmp any any -> any any (msg:\"x\"; itype:abc; sid:1;)", "syntax error" },
		{ "alert icmp any any -> any any (msg:\"x\"; icode:5<>3; sid:1;)", "syntax error" },
		{ "alert ip any any -> any any (msg:\"x\"; ip_proto:nosuch; sid:1;)", "syntax error" },
		{ "alert ip any any -> any any (msg:\"x\"; ip_proto:300; sid:1;)", "syntax error" },
		{ "alert sctp any any -> any any (msg:\"x\"; sid:1;)", "unsupported protocol `sctp'" },
		{ "alert udp any any -> any any (msg:\"x\"; flags:S; sid:1;)",
		  "flags in a udp, icmp or ip rule" },
		{ "alert ip any any -> any any (msg:\"x\"; flags:S; sid:1;)",
		  "flags in a udp, icmp or ip rule" },
		{ "alert ip any any -> any any (msg:\"x\"; flow:not_established; sid:1;)",
		  "packet keyword in an ip rule" },
		{ "alert ip any any -> any any (msg:\"x\"; flow:no_stream; content:\"a\"; sid:1;)",
		  "packet keyword in an ip rule" },
		{ "alert http any any -> any any (msg:\"x\"; flags:PA; http.uri; content:\"a\"; sid:1;)",
		  "packet keyword in an application-layer rule" },
		{ "alert tls any any -> any any (msg:\"x\"; flow:no_stream; tls.sni; content:\"a\"; sid:1;)",
		  "packet keyword in an application-layer rule" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:S; http.uri; content:\"a\"; sid:1;)",
		  "decoded buffers" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:S; stream_size:server,>,1; sid:1;)",
		  "stream_size in a TCP packet rule" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:s; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:SX; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:+S*; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:!; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:S,; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:S,0; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:S A; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flags:; sid:1;)", "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flow:established,not_established; sid:1;)",
		  "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flow:stateless,established; sid:1;)",
		  "syntax error" },
		{ "alert tcp any any -> any any (msg:\"x\"; flow:established,stateless; sid:1;)",
		  "syntax error" },
	};
	unsigned int i;

	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(bad); i++) {
		struct rp_set s;
		struct et t = { 0 };

		rp_set_init(&s);
		s.on_skip = et_on_skip;
		s.arg = &t;
		ck_assert_msg(rp_parse_rule(&s, "t.rules", 1, bad[i].rule) == 0, "loaded: %s",
			      bad[i].rule);
		ck_assert_msg(strstr(t.skip_reason, bad[i].why), "`%s': `%s' lacks `%s'",
			      bad[i].rule, t.skip_reason, bad[i].why);
		rp_set_free(&s);
	}
}
END_TEST

START_TEST(test_image_checks)
{
	struct tlsi_img_rule *r;
	struct tlsi_img_insn *in;
	uint8_t *img;
	char err[256];

	et_load(&T, "alert icmp any any -> any any (msg:\"x\"; itype:8; content:\"abc\"; sid:1;)\n");
	img = T.img;
	r = (struct tlsi_img_rule *)(img + ((struct tlsi_img_hdr *)img)->sect[TLSI_IMG_S_RULES].off);
	in = (struct tlsi_img_insn *)(img + ((struct tlsi_img_hdr *)img)->sect[TLSI_IMG_S_INSNS].off);
	ck_assert_uint_eq(r->flags & TLSI_RULE_F_PROTOS, TLSI_RULE_F_ICMP);
	ck_assert_uint_eq(in[r->insn_first].op, TLSI_OP_PKT);
#define REFUSE(change, undo, want) do {						\
		change;								\
		((struct tlsi_img_hdr *)img)->crc32 = 0;			\
		((struct tlsi_img_hdr *)img)->crc32 = tlsi_img_crc32(0, img, T.len); \
		ck_assert_int_eq(tlsi_img_validate(img, T.len, err, sizeof(err)), -1); \
		ck_assert_msg(strstr(err, want), "`%s' lacks `%s'", err, want); \
		undo;								\
	} while (0)
	REFUSE(r->flags |= TLSI_RULE_F_UDP, r->flags &= ~TLSI_RULE_F_UDP, "flags");
	REFUSE(r->app = TLSI_APP_HTTP, r->app = TLSI_APP_ANY, "protocol");
	REFUSE(in[r->insn_first].nbytes = TLSI_PKT_FIELD_MAX, in[r->insn_first].nbytes = 0,
	       "header field");
	REFUSE(in[r->insn_first].cmp = TLSI_CMP_AND, in[r->insn_first].cmp = TLSI_CMP_EQ,
	       "operator");
	REFUSE(in[r->insn_first].d = 1, in[r->insn_first].d = 0, "unused operands");
	REFUSE(in[r->insn_first].flags = TLSI_IF_NOCASE, in[r->insn_first].flags = 0, "flags");
	/* a header test after a buffer instruction */
	{
		struct tlsi_img_insn a = in[r->insn_first], b = in[r->insn_first + 1];

		REFUSE((in[r->insn_first] = b, in[r->insn_first + 1] = a),
		       (in[r->insn_first] = a, in[r->insn_first + 1] = b), "after a buffer");
	}
	((struct tlsi_img_hdr *)img)->crc32 = 0;
	((struct tlsi_img_hdr *)img)->crc32 = tlsi_img_crc32(0, img, T.len);
	ck_assert_int_eq(tlsi_img_validate(img, T.len, err, sizeof(err)), 0);
	et_free(&T);

	/* a TCP packet rule and its flags test */
	et_load(&T, "alert tcp any any -> any any (msg:\"x\"; flags:S,12; sid:1;)\n");
	img = T.img;
	r = (struct tlsi_img_rule *)(img + ((struct tlsi_img_hdr *)img)->sect[TLSI_IMG_S_RULES].off);
	in = (struct tlsi_img_insn *)(img + ((struct tlsi_img_hdr *)img)->sect[TLSI_IMG_S_INSNS].off);
	ck_assert_uint_eq(r->flags & TLSI_RULE_F_PROTOS, TLSI_RULE_F_TCP_PKT);
	ck_assert_uint_eq(T.eng.ntcp_pkt, 1);
	ck_assert_uint_eq(in[r->insn_first].op, TLSI_OP_PKT);
	ck_assert_uint_eq(in[r->insn_first].nbytes, TLSI_PKT_TCP_FLAGS);
	ck_assert_uint_eq(in[r->insn_first].a, 0x02);
	ck_assert_uint_eq(in[r->insn_first].b, 0x3f);
	REFUSE(r->flags |= TLSI_RULE_F_IP, r->flags &= ~TLSI_RULE_F_IP, "flags");
	REFUSE(r->app = TLSI_APP_HTTP, r->app = TLSI_APP_ANY, "protocol");
	REFUSE(in[r->insn_first].cmp = TLSI_TCPFL_MAX, in[r->insn_first].cmp = TLSI_TCPFL_EXACT,
	       "flags test");
	REFUSE(in[r->insn_first].a = 0x100, in[r->insn_first].a = 0x02, "flags test");
	REFUSE(in[r->insn_first].b = 0x1ff, in[r->insn_first].b = 0x3f, "flags test");
	REFUSE(in[r->insn_first].flags = TLSI_IF_NEGATE, in[r->insn_first].flags = 0, "flags test");
	REFUSE(r->flow = 0x10, r->flow = 0, "flow");
	((struct tlsi_img_hdr *)img)->crc32 = 0;
	((struct tlsi_img_hdr *)img)->crc32 = tlsi_img_crc32(0, img, T.len);
	ck_assert_int_eq(tlsi_img_validate(img, T.len, err, sizeof(err)), 0);
#undef REFUSE
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine-packet");
	TCase *tc = tcase_create("packet");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_udp_only_datagrams);
	tcase_add_test(tc, test_datagrams_are_separate);
	tcase_add_test(tc, test_dsize_and_empty);
	tcase_add_test(tc, test_itype_icode);
	tcase_add_test(tc, test_ip_proto_ttl);
	tcase_add_test(tc, test_ip_rules_everywhere);
	tcase_add_test(tc, test_header_only_once_per_direction);
	tcase_add_test(tc, test_flow_direction_established);
	tcase_add_test(tc, test_flowbits_and_pass);
	tcase_add_test(tc, test_et_rules);
	tcase_add_test(tc, test_tcp_flags_semantics);
	tcase_add_test(tc, test_tcp_packet_rules);
	tcase_add_test(tc, test_not_established_datagrams);
	tcase_add_test(tc, test_et_tcp_packet_rules);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_image_checks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
