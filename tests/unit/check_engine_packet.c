// SPDX-License-Identifier: GPL-2.0
/*
 * udp, icmp and ip rules: tlsi_eng_datagram() on single datagrams and
 * packets (payload keywords on the packet alone, dsize, itype, icode,
 * ip_proto, ttl, flow direction and established, flowbits across
 * datagrams), ip rules on TCP streams as well, real ET Open rules, the
 * parser's refusals and the image validator's checks of what is new.
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

/* ---- what is refused ----------------------------------------------------------- */

START_TEST(test_refused)
{
	static const struct { const char *rule, *why; } bad[] = {
		{ "alert udp any any -> any any (msg:\"x\"; http.uri; content:\"a\"; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		{ "alert icmp any any -> any any (msg:\"x\"; dns.query; content:\"a\"; sid:1;)",
		  "decoded buffers in a udp, icmp or ip rule" },
		{ "alert ip any any -> any any (msg:\"x\"; ttl:3; sid:1;)", "ttl on TCP streams" },
		{ "alert tcp any any -> any any (msg:\"x\"; ttl:3; sid:1;)", "ttl on TCP streams" },
		{ "alert icmp any any -> any any (msg:\"x\"; itype:256; sid:1;)", "syntax error" },
		{ "alert icmp any any -> any any (msg:\"x\"; itype:abc; sid:1;)", "syntax error" },
		{ "alert icmp any any -> any any (msg:\"x\"; icode:5<>3; sid:1;)", "syntax error" },
		{ "alert ip any any -> any any (msg:\"x\"; ip_proto:nosuch; sid:1;)", "syntax error" },
		{ "alert ip any any -> any any (msg:\"x\"; ip_proto:300; sid:1;)", "syntax error" },
		{ "alert sctp any any -> any any (msg:\"x\"; sid:1;)", "unsupported protocol `sctp'" },
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
