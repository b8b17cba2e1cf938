// SPDX-License-Identifier: GPL-2.0
/*
 * Keyword semantics of the filter engine: contents and their modifiers,
 * relative chains and backtracking, negation, byte tests, sizes, streams
 * cut at every position, flowbits, thresholds, actions and rule headers.
 * Rules are compiled from text and run through the whole engine.
 */
#include "engine_harness.h"

#define RAW(t, s) et_sendc((t), TLSI_DIR_TO_SERVER, (s), 0)

static struct et T;

static void teardown(void)
{
	et_free(&T);
}

/* ---- content ------------------------------------------------------------ */

START_TEST(test_content_case)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"cs\"; content:\"Secret\"; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"ci\"; content:\"Secret\"; nocase; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"hex\"; content:\"|00 01|AB|ff|\"; sid:3;)\n");
	RAW(&T, "xx secret yy");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW(&T, "xx Secret yy");
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "\x00\x01" "AB\xff", 5);
	ET_FIRED(&T, 3);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "\x00\x01" "ab\xff", 5);
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_offset_depth)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"od\"; content:\"abc\"; offset:2; depth:3; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"d\"; content:\"abc\"; depth:4; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"sw\"; content:\"abc\"; startswith; sid:3;)\n");
	RAW(&T, "xxabcyyy");		/* abc at 2..5: beyond depth 4 */
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ET_SILENT(&T, 3);
	et_flow(&T);
	RAW(&T, "xabcyyyy");
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW(&T, "xxxabcyy");		/* abc at 3..6: beyond offset 2 + depth 3 */
	ET_SILENT(&T, 1);
	ET_SILENT(&T, 2);
	et_flow(&T);
	RAW(&T, "abcxxxxx");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_distance_within_chain)
{
	/* A, then B 2..7 bytes after A's end, then C right after B */
	et_load(&T, "alert tcp any any -> any any (msg:\"chain\"; content:\"AAA\"; "
		    "content:\"BBB\"; distance:2; within:8; content:\"CC\"; distance:0; within:2; sid:1;)\n");
	RAW(&T, "AAA..BBBCC");
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW(&T, "AAA.BBBCC");		/* B only 1 byte after A */
	ET_SILENT(&T, 1);
	et_flow(&T);
	RAW(&T, "AAA......BBBCC");	/* B at 6..9 after A: inside 2..10 */
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW(&T, "AAA.........BBBCC");	/* B ends 12 after A: beyond 2 + 8 */
	ET_SILENT(&T, 1);
	et_flow(&T);
	RAW(&T, "AAA..BBB.CC");		/* C not right after B */
	ET_SILENT(&T, 1);
}
END_TEST

START_TEST(test_backtracking)
{
	/* the first A has no B close after it, the second does */
	et_load(&T, "alert tcp any any -> any any (msg:\"bt\"; content:\"A\"; "
		    "content:\"B\"; distance:0; within:2; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"bt3\"; content:\"key=\"; "
		    "content:\"x\"; within:1; content:\"!\"; distance:0; within:1; sid:2;)\n");
	RAW(&T, "A....A.B");
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW(&T, "A....A...B");
	ET_SILENT(&T, 1);
	et_flow(&T);
	/* three levels: key=x? fails twice before key=x! */
	RAW(&T, "key=y key=x? key=x!");
	ET_FIRED(&T, 2);
}
END_TEST

START_TEST(test_negated)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"neg rel\"; content:\"user=\"; "
		    "content:!\"admin\"; within:5; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"neg abs\"; content:\"GO\"; content:!\"STOP\"; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"neg depth\"; content:\"X\"; content:!\"MZ\"; depth:2; sid:3;)\n");
	RAW(&T, "user=admin GO");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW(&T, "user=guest GO STOP");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	et_flow(&T);
	RAW(&T, "MZ X");
	ET_SILENT(&T, 3);
	et_flow(&T);
	RAW(&T, "ZM X");
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_isdataat)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"more\"; content:\"LEN\"; isdataat:4,relative; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"end\"; content:\"END\"; isdataat:!1,relative; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"abs\"; content:\"Q\"; isdataat:9; sid:3;)\n");
	RAW(&T, "LEN1234 END");
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW(&T, "END. LEN12");		/* 2 bytes after LEN; data after END */
	ET_SILENT(&T, 1);
	ET_SILENT(&T, 2);
	RAW(&T, "34");			/* now 4 bytes follow LEN */
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW(&T, "Q123456789");
	ET_FIRED(&T, 3);
	et_flow(&T);
	RAW(&T, "Q12345678");
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_byte_test)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"be\"; content:\"HDR\"; byte_test:2,>,1000,0,relative; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"le\"; content:\"HDR\"; byte_test:2,=,0x0102,0,relative,little; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"str\"; content:\"len=\"; byte_test:4,>=,512,0,relative,string,dec; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"and\"; content:\"FL\"; byte_test:1,&,0x80,0,relative; sid:4;)\n"
		    "alert tcp any any -> any any (msg:\"nand\"; content:\"FL\"; byte_test:1,!&,0x80,0,relative; sid:5;)\n"
		    "alert tcp any any -> any any (msg:\"abs\"; content:\"Z\"; byte_test:1,=,90,0; sid:6;)\n");
	et_send(&T, TLSI_DIR_TO_SERVER, "HDR\x04\x00", 5);	/* 1024 BE, 4 LE */
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "HDR\x02\x01", 5);	/* 513 BE, 0x0102 LE */
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	RAW(&T, "len=1024;");
	ET_FIRED(&T, 3);
	et_flow(&T);
	RAW(&T, "len=0511;");
	ET_SILENT(&T, 3);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "FL\x81", 3);
	ET_FIRED(&T, 4);
	ET_SILENT(&T, 5);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "FL\x01", 3);
	ET_SILENT(&T, 4);
	ET_FIRED(&T, 5);
	et_flow(&T);
	RAW(&T, "Zebra");
	ET_FIRED(&T, 6);
}
END_TEST

START_TEST(test_byte_jump)
{
	/* length byte, then skip that many bytes, then the marker */
	et_load(&T, "alert tcp any any -> any any (msg:\"jump\"; content:\"TLV\"; byte_jump:1,0,relative; "
		    "content:\"MK\"; within:2; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"begin\"; content:\"P\"; byte_jump:1,1,from_beginning; "
		    "content:\"!!\"; within:2; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"mult\"; content:\"M\"; byte_jump:1,0,relative,multiplier 2,post_offset 1; "
		    "content:\"#\"; within:1; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"str\"; content:\"S\"; byte_jump:2,0,relative,string,dec; "
		    "content:\"@\"; within:1; sid:4;)\n");
	et_send(&T, TLSI_DIR_TO_SERVER, "TLV\x03xyzMK", 9);
	ET_FIRED(&T, 1);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "TLV\x02xyzMK", 9);
	ET_SILENT(&T, 1);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "P\x05...!!", 7);	/* jump to offset 5 */
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "M\x02....x#", 8);	/* 2*2 + 1 */
	ET_FIRED(&T, 3);
	et_flow(&T);
	RAW(&T, "S03abc@");
	ET_FIRED(&T, 4);
}
END_TEST

START_TEST(test_dsize_bsize_urilen)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"dsize\"; content:\"PING\"; dsize:<10; sid:1;)\n"
		    "alert http any any -> any any (msg:\"bsize\"; http.uri; content:\"/a\"; bsize:5; sid:2;)\n"
		    "alert http any any -> any any (msg:\"urilen\"; http.uri; content:\"/b\"; urilen:3<>6; sid:3;)\n"
		    "alert http any any -> any any (msg:\"bsize gt\"; http.host; content:\"ex\"; bsize:>7; sid:4;)\n");
	RAW(&T, "PING");
	ET_FIRED(&T, 1);
	et_flow(&T);
	RAW(&T, "PING 1234567890");
	ET_SILENT(&T, 1);
	et_flow(&T);
	et_req(&T, "GET /a123 HTTP/1.1\r\nHost: example.com\r\n\r\n");
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 4);
	et_req(&T, "GET /a1234 HTTP/1.1\r\nHost: ex.com\r\n\r\n");
	ET_FIRED_N(&T, 2, 1);
	ET_FIRED_N(&T, 4, 1);
	et_req(&T, "GET /b12 HTTP/1.1\r\n\r\nGET /b123456 HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
	ET_FIRED_N(&T, 3, 1);
}
END_TEST

START_TEST(test_fast_pattern_forms)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"only\"; content:\"needle\"; fast_pattern:only; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"chop\"; content:\"abcdefgh\"; fast_pattern:2,4; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"same fp\"; content:\"needle\"; content:\"hay\"; sid:3;)\n");
	RAW(&T, "hay needle");
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 3);
	et_flow(&T);
	RAW(&T, "xxcdefxx");	/* the chop alone is not a match */
	ET_SILENT(&T, 2);
	RAW(&T, "abcdefgh");
	ET_FIRED(&T, 2);
}
END_TEST

/* ---- streams ------------------------------------------------------------ */

static const char *split_rules =
	"alert tcp any any -> any any (msg:\"long\"; content:\"0123456789abcdef\"; sid:1;)\n"
	"alert tcp any any -> any any (msg:\"rel\"; content:\"<begin>\"; content:\"<end>\"; "
	"distance:3; within:20; sid:2;)\n"
	"alert tcp any any -> any any (msg:\"ci\"; content:\"MiXeD\"; nocase; sid:3;)\n";

START_TEST(test_chunk_boundaries)
{
	const char *data = "..0123456789abcdef..<begin>...xx<end>..mixed..";
	size_t n = strlen(data), cut, c2;

	et_load(&T, split_rules);
	/* every single cut */
	for (cut = 1; cut < n; cut++) {
		et_flow(&T);
		et_send(&T, TLSI_DIR_TO_SERVER, data, cut);
		et_send(&T, TLSI_DIR_TO_SERVER, data + cut, n - cut);
		ET_FIRED_N(&T, 1, 1);
		ET_FIRED_N(&T, 2, 1);
		ET_FIRED_N(&T, 3, 1);
	}
	/* every pair of cuts */
	for (cut = 1; cut < n; cut += 3) {
		for (c2 = cut + 1; c2 < n; c2 += 2) {
			et_flow(&T);
			et_send(&T, TLSI_DIR_TO_SERVER, data, cut);
			et_send(&T, TLSI_DIR_TO_SERVER, data + cut, c2 - cut);
			et_send(&T, TLSI_DIR_TO_SERVER, data + c2, n - c2);
			ET_FIRED_N(&T, 1, 1);
			ET_FIRED_N(&T, 2, 1);
		}
	}
	/* one byte at a time */
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, data, 1);
	ET_FIRED_N(&T, 1, 1);
	ET_FIRED_N(&T, 2, 1);
	ET_FIRED_N(&T, 3, 1);
}
END_TEST

START_TEST(test_relative_across_chunks)
{
	char *big;
	size_t i;

	et_load(&T, "alert tcp any any -> any any (msg:\"far\"; content:\"START\"; "
		    "content:\"STOP\"; distance:0; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"abs\"; content:\"MAGIC\"; depth:5; "
		    "content:\"TAIL\"; distance:0; sid:2;)\n");
	/* START and STOP 1000 bytes apart, in many chunks */
	big = malloc(1200);
	memset(big, '.', 1200);
	memcpy(big, "MAGIC", 5);
	memcpy(big + 10, "START", 5);
	memcpy(big + 1010, "STOP", 4);
	memcpy(big + 1100, "TAIL", 4);
	for (i = 0; i < 1200; i += 100)
		et_send(&T, TLSI_DIR_TO_SERVER, big + i, 100);
	ET_FIRED_N(&T, 1, 1);
	ET_FIRED_N(&T, 2, 1);
	free(big);
}
END_TEST

START_TEST(test_beyond_window)
{
	char buf[4 * TLSI_ENG_WINDOW];
	size_t i;

	/* the anchor left the window before its partner came: the
	 * documented limit of stream inspection, counted (TLSI_EV_WINDOW)
	 * with the chunk that pushes the anchor's chunk out of the window,
	 * not before */
	et_load(&T, "alert tcp any any -> any any (msg:\"far\"; content:\"START\"; "
		    "content:\"STOP\"; distance:0; sid:1;)\n");
	memset(buf, '.', sizeof(buf));
	memcpy(buf, "START", 5);
	memcpy(buf + sizeof(buf) - 4, "STOP", 4);
	for (i = 0; i < sizeof(buf); i += 128) {
		et_send(&T, TLSI_DIR_TO_SERVER, buf + i, 128);
		if (i + 128 <= TLSI_ENG_WINDOW)
			ck_assert_msg(!(T.events & (1u << TLSI_EV_WINDOW)),
				      "given up with the anchor in the window, %zu bytes", i + 128);
		else
			ck_assert_msg(T.events & (1u << TLSI_EV_WINDOW),
				      "not counted, %zu bytes", i + 128);
	}
	ET_SILENT(&T, 1);
	/* the same after 4 bytes of another chunk: counted from the chunk
	 * in which the rule began to wait */
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "....", 4);
	for (i = 0; i < sizeof(buf); i += 512) {
		et_send(&T, TLSI_DIR_TO_SERVER, buf + i, 512);
		ck_assert_int_eq(!!(T.events & (1u << TLSI_EV_WINDOW)),
				 i + 512 > TLSI_ENG_WINDOW);
	}
	ET_SILENT(&T, 1);
	/* within the window plus the chunk it is found: no event */
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, buf, 100);
	et_send(&T, TLSI_DIR_TO_SERVER, buf + 100, sizeof(buf) - 100);
	ET_FIRED(&T, 1);
	ck_assert(!(T.events & (1u << TLSI_EV_WINDOW)));
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, buf, sizeof(buf));
	ET_FIRED(&T, 1);
	ck_assert(!(T.events & (1u << TLSI_EV_WINDOW)));
	/* a rule that waits on the window's edge and then gets its partner
	 * is not given up: 16 chunks of 128 bytes fill the window exactly */
	et_flow(&T);
	memcpy(buf + TLSI_ENG_WINDOW - 4, "STOP", 4);
	for (i = 0; i < TLSI_ENG_WINDOW; i += 128)
		et_send(&T, TLSI_DIR_TO_SERVER, buf + i, 128);
	ET_FIRED(&T, 1);
	ck_assert(!(T.events & (1u << TLSI_EV_WINDOW)));
}
END_TEST

START_TEST(test_pending_overflow)
{
	char rules[8192], data[64];
	size_t o = 0;
	int i;

	/* 24 rules wait for their second content after the same anchor */
	for (i = 1; i <= 24; i++)
		o += (size_t)snprintf(rules + o, sizeof(rules) - o,
				      "alert tcp any any -> any any (msg:\"w%d\"; content:\"ANCHOR\"; "
				      "content:\"B%02d\"; distance:0; sid:%d;)\n", i, i, i);
	et_load(&T, rules);
	RAW(&T, "..ANCHOR..");
	ck_assert(T.events & (1u << TLSI_EV_PENDING_OVERFLOW));
	for (i = 0; i < 40; i++)
		RAW(&T, "..");			/* the waiting list stays bounded */
	RAW(&T, "B01 B16 B24");
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 16);
	ET_SILENT(&T, 24);			/* it never got a place */
	et_flow(&T);
	snprintf(data, sizeof(data), "..ANCHOR..B24");
	RAW(&T, data);
	ET_FIRED(&T, 24);
}
END_TEST

START_TEST(test_depth_limit)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"early\"; content:\"EARLY\"; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"late\"; content:\"LATE\"; sid:2;)\n");
	T.cfg.depth = 20;
	RAW(&T, "EARLY..............LATE....");
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ck_assert(T.events & (1u << TLSI_EV_DEPTH));
	RAW(&T, "LATE");
	ET_SILENT(&T, 2);
	T.cfg.depth = 0;
}
END_TEST

/* ---- flowbits, thresholds, actions ------------------------------------- */

START_TEST(test_flowbits)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"login\"; flow:to_server; content:\"LOGIN\"; "
		    "flowbits:set,auth; flowbits:noalert; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"ok after login\"; flow:to_client; content:\"OK\"; "
		    "flowbits:isset,auth; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"ok without login\"; flow:to_client; content:\"OK\"; "
		    "flowbits:isnotset,auth; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"logout\"; flow:to_server; content:\"LOGOUT\"; "
		    "flowbits:unset,auth; flowbits:noalert; sid:4;)\n"
		    "alert tcp any any -> any any (msg:\"either\"; flow:to_client; content:\"BYE\"; "
		    "flowbits:isset,auth|other; sid:5;)\n");
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "OK", 0);
	ET_SILENT(&T, 2);
	ET_FIRED(&T, 3);
	RAW(&T, "LOGIN");
	ET_SILENT(&T, 1);	/* noalert */
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "OK BYE", 0);
	ET_FIRED_N(&T, 2, 1);
	ET_FIRED_N(&T, 3, 1);
	ET_FIRED_N(&T, 5, 1);
	RAW(&T, "LOGOUT");
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "OK BYE", 0);
	ET_FIRED_N(&T, 2, 1);
	ET_FIRED_N(&T, 3, 2);
	ET_FIRED_N(&T, 5, 1);
	ck_assert_uint_eq(T.hits[0] + T.hits[1] + T.hits[2] + T.hits[3] + T.hits[4], 6);
}
END_TEST

START_TEST(test_flowbits_same_chunk_order)
{
	/* the setter is ordered before the tester even if written after */
	et_load(&T, "alert tcp any any -> any any (msg:\"test\"; content:\"B\"; flowbits:isset,x; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"set\"; content:\"A\"; flowbits:set,x; sid:2;)\n");
	RAW(&T, "A B");
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 1);
}
END_TEST

static void hits(unsigned int n, uint64_t t_ms)
{
	unsigned int i;

	T.ctx.now_ms = t_ms;
	for (i = 0; i < n; i++) {
		et_flow(&T);	/* a new flow each time: thresholds are global */
		RAW(&T, "hit");
		T.nalerts = 0;
	}
}

static unsigned int alerts_for(unsigned int n, uint64_t t_ms, uint32_t sid)
{
	unsigned int i, a = 0;

	T.ctx.now_ms = t_ms;
	for (i = 0; i < n; i++) {
		et_flow(&T);
		RAW(&T, "hit");
		a += et_count(&T, sid);
	}
	return a;
}

START_TEST(test_thresholds)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"limit\"; content:\"hit\"; "
		    "threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\n");
	ck_assert_uint_eq(alerts_for(5, 1000, 1), 2);
	ck_assert_uint_eq(alerts_for(5, 30000, 1), 0);
	ck_assert_uint_eq(alerts_for(5, 62000, 1), 2);	/* a new window */
	et_free(&T);

	et_load(&T, "alert tcp any any -> any any (msg:\"threshold\"; content:\"hit\"; "
		    "threshold:type threshold, track by_dst, count 3, seconds 60; sid:1;)\n");
	ck_assert_uint_eq(alerts_for(7, 1000, 1), 2);	/* the 3rd and 6th */
	et_free(&T);

	et_load(&T, "alert tcp any any -> any any (msg:\"both\"; content:\"hit\"; "
		    "threshold:type both, track by_src, count 3, seconds 60; sid:1;)\n");
	ck_assert_uint_eq(alerts_for(10, 1000, 1), 1);
	et_free(&T);

	et_load(&T, "drop tcp any any -> any any (msg:\"df\"; content:\"hit\"; "
		    "detection_filter:track by_src, count 2, seconds 60; sid:1;)\n");
	hits(2, 1000);
	ck_assert_uint_eq(alerts_for(3, 1000, 1), 3);	/* every match after 2 */
	/* below the filter the drop does not happen either */
	hits(0, 0);
	T.ctx.now_ms = 200000;
	et_flow(&T);
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, "hit", 3), TLSI_ENG_V_CONTINUE);
}
END_TEST

START_TEST(test_actions)
{
	et_load(&T, "pass tcp any any -> any any (msg:\"pass\"; content:\"trusted\"; sid:1;)\n"
		    "drop tcp any any -> any any (msg:\"drop\"; content:\"attack\"; sid:2;)\n"
		    "reject tcp any any -> any any (msg:\"reject\"; content:\"worse\"; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"alert\"; content:\"attack\"; sid:4;)\n");
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, "attack", 6), TLSI_ENG_V_DROP);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 4);
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, "worse", 5), TLSI_ENG_V_REJECT);
	et_flow(&T);
	/* pass wins over drop in the same data, and ends inspection */
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, "trusted attack", 14), TLSI_ENG_V_PASS);
	ET_SILENT(&T, 2);
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, "attack", 6), TLSI_ENG_V_PASS);
	ET_SILENT(&T, 2);
	ck_assert_uint_eq(T.nalerts, 0);
}
END_TEST

/* ---- headers ------------------------------------------------------------- */

START_TEST(test_header_addresses)
{
	et_load(&T, "alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"out\"; content:\"x\"; sid:1;)\n"
		    "alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:\"in\"; content:\"x\"; sid:2;)\n"
		    "alert tcp any any -> 192.0.2.0/24 [80,443] (msg:\"net\"; content:\"x\"; sid:3;)\n"
		    "alert tcp any any -> ![192.0.2.1,198.51.100.0/24] any (msg:\"not\"; content:\"x\"; sid:4;)\n"
		    "alert tcp any any -> any !80 (msg:\"port\"; content:\"x\"; sid:5;)\n"
		    "alert tcp any 1024: -> any 1:100 (msg:\"range\"; content:\"x\"; sid:6;)\n"
		    "alert tcp any any <> 10.0.0.0/8 40000 (msg:\"bidir\"; flow:to_client; content:\"x\"; sid:7;)\n"
		    "alert tcp any any -> any $HTTP_PORTS (msg:\"var port\"; content:\"x\"; sid:8;)\n");
	RAW(&T, "x");	/* 10.0.0.1:40000 -> 192.0.2.1:80 */
	ET_FIRED(&T, 1);
	ET_SILENT(&T, 2);
	ET_FIRED(&T, 3);
	ET_SILENT(&T, 4);
	ET_SILENT(&T, 5);
	ET_FIRED(&T, 6);
	ET_FIRED(&T, 8);
	et_sendc(&T, TLSI_DIR_TO_CLIENT, "x", 0);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 7);
	et_flow_port(&T, 8081);
	RAW(&T, "x");
	ET_SILENT(&T, 3);
	ET_FIRED(&T, 5);
	ET_SILENT(&T, 6);
	ET_SILENT(&T, 8);
}
END_TEST

START_TEST(test_variables)
{
	char err[256];

	et_load(&T, "alert tcp $HOME_NET any -> any any (msg:\"home\"; content:\"x\"; sid:1;)\n");
	RAW(&T, "x");
	ET_FIRED(&T, 1);
	et_free(&T);
	/* a variable set before compiling changes what a rule covers */
	memset(&T, 0, sizeof(T));
	rp_set_init(&T.set);
	ck_assert_int_eq(rp_set_var(&T.set, "HOME_NET", "[172.16.0.0/12]", err, sizeof(err)), 0);
	ck_assert_int_eq(rp_set_var(&T.set, "BAD", "[1.2.3.4", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unbalanced"));
	ck_assert_int_eq(rp_set_var(&T.set, "X", "$NOPE", err, sizeof(err)), -1);
	ck_assert_int_eq(rp_parse_rule(&T.set, "t", 1,
		"alert tcp $HOME_NET any -> any any (msg:\"home\"; content:\"x\"; sid:1;)"), 1);
	ck_assert_int_eq(rc_compile(&T.set, &T.img, &T.len, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_eng_init(&T.eng, T.img, T.len, err, sizeof(err)), 0);
	T.s = calloc(1, tlsi_eng_scratch_size(&T.eng));
	T.f = calloc(1, sizeof(*T.f));
	T.cfg.alert = et_on_alert;
	T.cfg.arg = &T;
	T.ctx.eng = &T.eng;
	T.ctx.s = T.s;
	T.ctx.cfg = &T.cfg;
	et_flow(&T);
	RAW(&T, "x");	/* 10.0.0.1 is not in 172.16/12 any more */
	ET_SILENT(&T, 1);
}
END_TEST

START_TEST(test_pcre_modes)
{
	const char *r = "alert http any any -> any any (msg:\"p\"; flow:to_server; http.uri; "
			"content:\"/cgi\"; pcre:\"/\\/cgi[0-9]+/U\"; sid:1;)\n";

	et_load_mode(&T, r, true, RP_PCRE_SKIP);
	ck_assert_uint_eq(T.skipped, 1);
	ck_assert_ptr_nonnull(strstr(T.skip_reason, "pcre"));
	ck_assert_uint_eq(T.eng.nrules, 0);
	et_free(&T);
	et_load_mode(&T, r, false, RP_PCRE_PREFILTER);
	ck_assert_uint_eq(T.eng.nrules, 1);
	ck_assert(T.eng.rules[0].flags & TLSI_RULE_F_PCRE_DROPPED);
	et_req(&T, "GET /cgi-bin HTTP/1.0\r\n\r\n");
	ET_FIRED(&T, 1);	/* the contents decide */
}
END_TEST

Suite *engine_eval_suite(void)
{
	Suite *s = suite_create("engine-eval");
	TCase *tc = tcase_create("keywords");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_content_case);
	tcase_add_test(tc, test_offset_depth);
	tcase_add_test(tc, test_distance_within_chain);
	tcase_add_test(tc, test_backtracking);
	tcase_add_test(tc, test_negated);
	tcase_add_test(tc, test_isdataat);
	tcase_add_test(tc, test_byte_test);
	tcase_add_test(tc, test_byte_jump);
	tcase_add_test(tc, test_dsize_bsize_urilen);
	tcase_add_test(tc, test_fast_pattern_forms);
	tcase_add_test(tc, test_chunk_boundaries);
	tcase_add_test(tc, test_relative_across_chunks);
	tcase_add_test(tc, test_beyond_window);
	tcase_add_test(tc, test_pending_overflow);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_flowbits);
	tcase_add_test(tc, test_flowbits_same_chunk_order);
	tcase_add_test(tc, test_thresholds);
	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_header_addresses);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_pcre_modes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_eval_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
