// SPDX-License-Identifier: GPL-2.0
/*
 * Keywords beyond payload matching, with real Emerging Threats rules:
 * stream_size (what each side of the TCP connection has sent, as
 * Suricata's next_seq - isn).
 */
#include "engine_harness.h"

/* ET 2038605 (stream_size:server,<,5: the client speaks first) and
 * 2034839 (stream_size:client,<,10000), their text as in ET Open. */
static const char stream_rules[] =
	"alert tcp-pkt $HOME_NET any -> any any (msg:\"ET ATTACK_RESPONSE Nishang Invoke-PowerShellTcp Shell Prompt Outbound\"; flow:established,to_server; stream_size:server,<,5; content:\"Windows PowerShell running as user\"; startswith; fast_pattern; content:\"|20|on|20|\"; within:258; reference:url,github.com/samratashok/nishang/blob/master/Shells/Invoke-PowerShellTcp.ps1; classtype:bad-unknown; sid:2038605; rev:1;)\n"
	"alert tcp any any -> [$HOME_NET,$HTTP_SERVERS] any (msg:\"ET EXPLOIT Possible Apache log4j Uncontrolled Recursion Lookup (CVE-2021-45105)\"; flow:established,to_server; stream_size:client,<,10000; content:\"|24 7b 24 7b 3a 3a 2d 24 7b 3a 3a 2d 24 24 7b 3a 3a 2d|\"; fast_pattern; content:\"|7d 7d 7d 7d|\"; distance:0; within:6; reference:cve,2021-45105; classtype:attempted-admin; sid:2034839; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"both\"; stream_size:both,>=,3; content:\"both-test\"; sid:1000001; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"either\"; stream_size:either,=,11; content:\"either-test\"; sid:1000002; rev:1;)\n";

static const char prompt[] = "Windows PowerShell running as user alice on DESKTOP-1\r\n";
static const char log4j[] = "GET /${${::-${::-$${::-j}}}} HTTP/1.1\r\n\r\n";

/* A flow from outside (192.0.2.1:40000) to a home server 10.0.0.1:80. */
static void inbound(struct et *t)
{
	static const uint8_t c4[4] = { 192, 0, 2, 1 }, s4[4] = { 10, 0, 0, 1 };
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_eng_flow_init(t->f, ca, 40000, sa, 80);
	t->nalerts = 0;
	t->events = 0;
}

START_TEST(test_stream_size)
{
	struct et t;
	static char pad[12000];

	et_load(&t, stream_rules);
	/* the reverse shell's prompt before the server said anything */
	et_flow_port(&t, 4444);
	et_req(&t, prompt);
	ET_FIRED_N(&t, 2038605, 1);
	/* ... after the server sent 4 bytes (server size 5): silent */
	et_flow_port(&t, 4444);
	et_resp(&t, "abc");		/* 3 bytes: size 4, still < 5 */
	et_req(&t, prompt);
	ET_FIRED_N(&t, 2038605, 1);
	et_flow_port(&t, 4444);
	et_resp(&t, "abcd");		/* 4 bytes: size 5 */
	et_req(&t, prompt);
	ET_SILENT(&t, 2038605);

	/* log4j: early in the client's stream, not after 10,000 bytes */
	inbound(&t);
	et_req(&t, log4j);
	ET_FIRED_N(&t, 2034839, 1);
	memset(pad, 'a', sizeof(pad) - 1);
	inbound(&t);
	et_req(&t, pad);
	et_req(&t, log4j);
	ET_SILENT(&t, 2034839);
	/* the chunk that carries it counts: 1 + 9,950 + 41 bytes is below
	 * 10,000, 1 + 9,960 + 41 is not */
	ck_assert_uint_eq(strlen(log4j), 41);
	pad[9950] = '\0';
	inbound(&t);
	et_req(&t, pad);
	et_req(&t, log4j);
	ET_FIRED_N(&t, 2034839, 1);
	pad[9950] = 'a';
	pad[9960] = '\0';
	inbound(&t);
	et_req(&t, pad);
	et_req(&t, log4j);
	ET_SILENT(&t, 2034839);
	pad[9960] = 'a';

	/* both / either */
	et_flow_port(&t, 80);
	et_resp(&t, "x");		/* server size 2 */
	et_req(&t, "both-test");	/* client size 10 */
	ET_SILENT(&t, 1000001);
	et_resp(&t, "y");		/* server size 3 */
	et_req(&t, "both-test");
	ET_FIRED_N(&t, 1000001, 1);
	et_flow_port(&t, 80);
	et_req(&t, "either-tes");	/* client size 11 */
	et_req(&t, "t");		/* now 12: neither is 11 */
	ET_SILENT(&t, 1000002);
	et_flow_port(&t, 80);
	et_req(&t, "either-test");	/* client size 12 */
	ET_SILENT(&t, 1000002);
	et_flow_port(&t, 80);
	et_resp(&t, "0123456789");	/* server size 11 */
	et_req(&t, "either-test");
	ET_FIRED_N(&t, 1000002, 1);
	et_free(&t);
}
END_TEST

START_TEST(test_stream_size_parse)
{
	struct et t;

	et_load_mode(&t,
		     "alert tcp any any -> any any (stream_size:server,~,5; content:\"a\"; sid:1;)\n"
		     "alert tcp any any -> any any (stream_size:sever,<,5; content:\"a\"; sid:2;)\n"
		     "alert tcp any any -> any any (stream_size:server,<,99999999999; content:\"a\"; sid:3;)\n"
		     "alert tcp any any -> any any (stream_size:server,<; content:\"a\"; sid:4;)\n"
		     "alert udp any any -> any any (stream_size:server,<,5; content:\"a\"; sid:5;)\n"
		     "alert tcp any any -> any any (stream_size:client, <=, 5; content:\"a\"; sid:6;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 5);
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("engine_keywords");
	TCase *tc = tcase_create("stream_size");

	tcase_add_test(tc, test_stream_size);
	tcase_add_test(tc, test_stream_size_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
