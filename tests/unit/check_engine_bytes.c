// SPDX-License-Identifier: GPL-2.0
/*
 * byte_test and byte_jump as Suricata evaluates them (detect-bytetest.c,
 * detect-bytejump.c, util-byte.c): string numbers read by strtoull()
 * (white space, sign, 0x, base 0), 0 bytes of string (to the first
 * non-digit), up to 23 string bytes, bitmask with its right shift,
 * byte_jump after the digits strtoull() consumed, backward jumps clamped
 * to the buffer's start, and ET's rules that use these forms.
 */
#include "engine_harness.h"

static struct et T;

static void teardown(void)
{
	et_free(&T);
}

static void raw(const char *s)
{
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, s, 0);
}

START_TEST(test_string_zero_bytes)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"gt\"; content:\"len=\"; byte_test:0,>,4000,0,relative,string,dec; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"eq0\"; content:\"n=\"; byte_test:0,=,0,0,relative,string,dec; sid:2;)\n");
	raw("len=4001;");
	ET_FIRED(&T, 1);
	raw("len=4000;");
	ET_SILENT(&T, 1);
	raw("len=123456789x");		/* longer than any fixed count */
	ET_FIRED(&T, 1);
	raw("len=;");			/* no digits: no match */
	ET_SILENT(&T, 1);
	raw("len=  5000 ");		/* strtoull skips white space */
	ET_FIRED(&T, 1);
	raw("len=+5000;");
	ET_FIRED(&T, 1);
	/* digits up to the end: the number is complete only at the end */
	raw("len=5000");
	ET_SILENT(&T, 1);
	tlsi_eng_eof(&T.ctx, T.f, TLSI_DIR_TO_SERVER);
	ET_FIRED(&T, 1);
	raw("n=0,");
	ET_FIRED(&T, 2);
	raw("n=x");
	ET_SILENT(&T, 2);
	/* across chunks: the number may go on in the next one */
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "len=40", 0);
	ET_SILENT(&T, 1);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "01;", 0);
	ET_FIRED(&T, 1);
}
END_TEST

START_TEST(test_strtoull_forms)
{
	et_load(&T, "alert tcp any any -> any any (msg:\"hex\"; content:\"h=\"; byte_test:4,=,255,0,relative,string,hex; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"auto\"; content:\"a=\"; byte_test:4,=,8,0,relative,string; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"neg\"; content:\"m=\"; byte_test:2,>,1000,0,relative,string,dec; sid:3;)\n"
		    "alert tcp any any -> any any (msg:\"long\"; content:\"L=\"; byte_test:20,=,12345678901234567890,0,relative,string,dec; sid:4;)\n"
		    "alert tcp any any -> any any (msg:\"over\"; content:\"O=\"; byte_test:21,>,0,0,relative,string,dec; sid:5;)\n");
	raw("h=0xff..");
	ET_FIRED(&T, 1);
	raw("h=00ff..");
	ET_FIRED(&T, 1);
	raw("h=0xf...");		/* 0xf = 15 */
	ET_SILENT(&T, 1);
	raw("a=010...");		/* base 0: leading 0 is octal */
	ET_FIRED(&T, 2);
	raw("a=0x8...");
	ET_FIRED(&T, 2);
	raw("a=8.....");
	ET_FIRED(&T, 2);
	raw("a=08....");		/* octal stops at 8: 0 */
	ET_SILENT(&T, 2);
	raw("m=-1");			/* wraps to 2^64 - 1 */
	ET_FIRED(&T, 3);
	raw("L=12345678901234567890");
	ET_FIRED(&T, 4);
	raw("O=999999999999999999999");	/* beyond 64 bits: no match */
	ET_SILENT(&T, 5);
	raw("O=000000000000000000001");
	ET_FIRED(&T, 5);
}
END_TEST

START_TEST(test_bitmask_shift)
{
	/* Suricata shifts the masked value right by the mask's trailing zeros */
	et_load(&T, "alert tcp any any -> any any (msg:\"bm\"; content:\"B\"; byte_test:2,=,1,0,relative,bitmask 0x0100; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"bm3\"; content:\"C\"; byte_test:1,=,3,0,relative,bitmask 0x30; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"jbm\"; content:\"J\"; byte_jump:1,0,relative,bitmask 0xf0; content:\"!\"; within:1; sid:3;)\n");
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "B\x01\x00", 3);
	ET_FIRED(&T, 1);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "B\x00\x01", 3);
	ET_SILENT(&T, 1);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "C\x3f", 2);
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "C\x10", 2);
	ET_SILENT(&T, 2);
	/* 0x2f & 0xf0 = 0x20 >> 4 = 2: skip two bytes after the length */
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "J\x2fxx!", 5);
	ET_FIRED(&T, 3);
	et_flow(&T);
	et_send(&T, TLSI_DIR_TO_SERVER, "J\x2fxxx!", 6);
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_jump_string_consumed)
{
	/* the jump starts after the digits strtoull() consumed, not after
	 * the byte count */
	et_load(&T, "alert tcp any any -> any any (msg:\"s\"; content:\"S\"; byte_jump:4,0,relative,string,dec; content:\"!\"; within:1; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"z\"; content:\"Z\"; byte_jump:0,0,relative,string,dec; content:\"!\"; within:1; sid:2;)\n"
		    "alert tcp any any -> any any (msg:\"back\"; content:\"K\"; byte_jump:2,0,relative,string,dec,post_offset -100; content:\"AK\"; within:2; sid:3;)\n");
	raw("S2.a!");			/* "2" consumed: 1 + 2 */
	ET_FIRED(&T, 1);
	raw("S2.abcd!");		/* 4 bytes + 2 would land on "!" */
	ET_SILENT(&T, 1);
	raw("S12............!");	/* 2 digits + 12 */
	ET_FIRED(&T, 1);
	raw("Z3abc!");
	ET_FIRED(&T, 2);
	{
		char buf[200];

		memset(buf, '.', sizeof(buf));
		memcpy(buf, "Z123", 4);
		buf[4 + 123] = '!';
		buf[4 + 124] = '\0';
		raw(buf);
		ET_FIRED(&T, 2);
		buf[4 + 123] = '.';
		buf[4 + 122] = '!';
		raw(buf);
		ET_SILENT(&T, 2);
	}
	/* a jump before the buffer starts it over (Suricata resets it) */
	raw("AK10......");
	ET_FIRED(&T, 3);
}
END_TEST

START_TEST(test_parse)
{
	struct et t;

	et_load_mode(&t, "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; byte_test:0,>,1,0,relative; sid:1;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 1);
	ck_assert_msg(strstr(t.skip_reason, "0 bytes without string"), "%s", t.skip_reason);
	et_free(&t);
	et_load_mode(&t, "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; byte_test:24,>,1,0,relative,string; sid:1;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 1);
	et_free(&t);
	et_load_mode(&t, "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; byte_test:9,>,1,0,relative; sid:1;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 1);
	et_free(&t);
	et_load(&T, "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; byte_test:23,>,1,0,relative,string,oct; sid:1;)\n");
}
END_TEST

START_TEST(test_et_rules)
{
	/* ET rules with byte_test:0 (verbatim but for reference/metadata) */
	et_load(&T,
		"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET ADWARE_PUP BoostBeast Checkin M1\"; flow:established,to_server; http.method; content:\"POST\"; http.uri; content:\"/api/taskforecast/installed\"; bsize:27; fast_pattern; http.content_len; byte_test:0,=,0,0,string,dec; classtype:pup-activity; sid:2044040; rev:1;)\n"
		"alert http any any -> [$HTTP_SERVERS,$HOME_NET] any (msg:\"ET EXPLOIT Attempted Netgear Buffer Overflow into RCE Inbound M1\"; flow:established,to_server; http.method; content:\"POST\"; http.uri; content:\"/upgrade_check.cgi\"; bsize:18; http.content_len; byte_test:0,>,4000,0,string,dec; http.request_body; content:\"mknod|20 2f|dev/ptyp\"; fast_pattern; classtype:attempted-admin; sid:2030630; rev:1;)\n");
	et_flow(&T);
	et_req(&T, "POST /api/taskforecast/installed HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
	ET_FIRED(&T, 2044040);
	et_flow(&T);
	et_req(&T, "POST /api/taskforecast/installed HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab");
	ET_SILENT(&T, 2044040);
	{
		static char req[8192];
		char body[4100];
		static const uint8_t c4[4] = { 192, 0, 2, 7 }, s4[4] = { 10, 0, 0, 9 };
		uint8_t ca[16], sa[16];
		int n;

		memset(body, 'x', sizeof(body));
		memcpy(body + 100, "mknod /dev/ptyp", 15);
		tlsi_eng_addr4(ca, c4);
		tlsi_eng_addr4(sa, s4);
		tlsi_eng_flow_init(T.f, ca, 40000, sa, 80);
		T.nalerts = 0;
		n = snprintf(req, sizeof(req), "POST /upgrade_check.cgi HTTP/1.1\r\nHost: r\r\n"
			     "Content-Length: %zu\r\n\r\n", sizeof(body));
		memcpy(req + n, body, sizeof(body));
		et_send(&T, TLSI_DIR_TO_SERVER, req, (size_t)n + sizeof(body));
		ET_FIRED(&T, 2030630);
		tlsi_eng_flow_init(T.f, ca, 40000, sa, 80);
		T.nalerts = 0;
		n = snprintf(req, sizeof(req), "POST /upgrade_check.cgi HTTP/1.1\r\nHost: r\r\n"
			     "Content-Length: 4000\r\n\r\n");
		memcpy(req + n, body, 4000);
		et_send(&T, TLSI_DIR_TO_SERVER, req, (size_t)n + 4000);
		ET_SILENT(&T, 2030630);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine-bytes");
	TCase *tc = tcase_create("bytes");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_string_zero_bytes);
	tcase_add_test(tc, test_strtoull_forms);
	tcase_add_test(tc, test_bitmask_shift);
	tcase_add_test(tc, test_jump_string_consumed);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_et_rules);
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
