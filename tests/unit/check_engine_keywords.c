// SPDX-License-Identifier: GPL-2.0
/*
 * Keywords beyond payload matching, with real Emerging Threats rules:
 * stream_size (what each side of the TCP connection has sent, as
 * Suricata's next_seq - isn) and xbits (bits of an address or address
 * pair shared by flows, with expiry), base64_decode/base64_data, flowint.
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


/* ET 2029986 sets ET.IBMDRM1 on the server (track ip_dst, expire 10);
 * 2029987 needs it in a later connection. 1000010/11 track ip_pair. */
static const char xbits_rules[] =
	"alert http any any -> $HOME_NET any (msg:\"ET EXPLOIT IBM Data Risk Manager Authentication Bypass - Session ID Assignment (set)\"; flow:established,to_server; xbits:set,ET.IBMDRM1,track ip_dst, expire 10; noalert; http.method; content:\"GET\"; http.uri; content:\"/albatross/saml/idpSelection\"; startswith; fast_pattern; content:\"id=\"; content:\"userName=\"; classtype:attempted-admin; sid:2029986; rev:2;)\n"
	"alert http any any -> $HOME_NET any (msg:\"ET EXPLOIT IBM Data Risk Manager Authentication Bypass - Password Retrieval\"; flow:established,to_server; xbits:isset,ET.IBMDRM1,track ip_dst; http.method; content:\"POST\"; http.uri; bsize:21; content:\"/albatross/user/login\"; fast_pattern; http.content_type; content:\"multipart/form-data|3b 20|\"; startswith; http.request_body; content:\"name=|22|username|22 0d 0a|\"; content:\"name=|22|clientDetails|22 0d 0a|\"; content:\"name=|22|password|22 0d 0a|\"; content:\"name=|22|sessionId|22 0d 0a|\"; classtype:attempted-admin; sid:2029987; rev:2;)\n"
	"alert tcp any any -> any any (msg:\"pair set\"; content:\"pair-set\"; xbits:set,p,track ip_pair; noalert; sid:1000010; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"pair isset\"; content:\"pair-check\"; xbits:isset,p,track ip_pair; sid:1000011; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"pair isnotset\"; content:\"pair-check\"; xbits:isnotset,p,track ip_pair; sid:1000012; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"toggle\"; content:\"toggle-src\"; xbits:toggle,t,track ip_src,expire 5; noalert; sid:1000013; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"unset\"; content:\"unset-src\"; xbits:unset,t,track ip_src; noalert; sid:1000014; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"src isset\"; content:\"check-src\"; xbits:isset,t,track ip_src; sid:1000015; rev:1;)\n";

static void flow_between(struct et *t, const uint8_t c4[4], uint16_t cport,
			 const uint8_t s4[4], uint16_t sport)
{
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_eng_flow_init(t->f, ca, cport, sa, sport);
	t->nalerts = 0;
	t->events = 0;
}

static const char drm_login[] =
	"POST /albatross/user/login HTTP/1.1\r\nHost: drm\r\n"
	"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 245\r\n\r\n"
	"--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nadmin\r\n"
	"--b\r\nContent-Disposition: form-data; name=\"clientDetails\"\r\n\r\nx\r\n"
	"--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n\r\n"
	"--b\r\nContent-Disposition: form-data; name=\"sessionId\"\r\n\r\n1\r\n";

START_TEST(test_xbits)
{
	static const uint8_t outside[4] = { 192, 0, 2, 1 }, other[4] = { 198, 51, 100, 7 },
			     drm[4] = { 10, 0, 0, 5 }, drm2[4] = { 10, 0, 0, 6 };
	struct tlsi_eng_xbit slots[1024];
	struct et t;
	char body[512];

	et_load(&t, xbits_rules);
	memset(slots, 0, sizeof(slots));
	t.eng.xbits = slots;
	t.eng.nxbits = 1024;
	/* the Content-Length must be right for the body rules */
	snprintf(body, sizeof(body), "%s", strstr(drm_login, "--b"));
	ck_assert_uint_eq(strlen(body), 245);

	/* the login alone: the bit is not set */
	flow_between(&t, outside, 40000, drm, 8443);
	t.ctx.now_ms = 1000;
	et_req(&t, drm_login);
	ET_SILENT(&t, 2029987);
	/* the session id request sets it on the server (no alert) ... */
	flow_between(&t, outside, 40001, drm, 8443);
	et_req(&t, "GET /albatross/saml/idpSelection?id=1&userName=admin HTTP/1.1\r\nHost: drm\r\n\r\n");
	ck_assert_uint_eq(t.nalerts, 0);
	/* ... and a login to it from anywhere, in another connection, alerts */
	flow_between(&t, other, 50000, drm, 8443);
	t.ctx.now_ms = 5000;
	et_req(&t, drm_login);
	ET_FIRED_N(&t, 2029987, 1);
	/* another server: not set */
	flow_between(&t, outside, 40002, drm2, 8443);
	et_req(&t, drm_login);
	ET_SILENT(&t, 2029987);
	/* 10 s after the set it has expired */
	flow_between(&t, outside, 40003, drm, 8443);
	t.ctx.now_ms = 1000 + 10001;
	et_req(&t, drm_login);
	ET_SILENT(&t, 2029987);

	/* ip_pair: either direction, any ports; not another pair */
	t.ctx.now_ms = 100000;
	flow_between(&t, outside, 1, drm, 2);
	et_req(&t, "pair-set");
	flow_between(&t, drm, 3, outside, 4);
	et_resp(&t, "pair-check");		/* from outside to drm */
	ET_FIRED_N(&t, 1000011, 1);
	ET_SILENT(&t, 1000012);
	flow_between(&t, other, 3, drm, 4);
	et_req(&t, "pair-check");
	ET_SILENT(&t, 1000011);
	ET_FIRED_N(&t, 1000012, 1);

	/* toggle on, check, toggle off, toggle on, unset */
	flow_between(&t, outside, 5, drm, 6);
	et_req(&t, "toggle-src");
	et_req(&t, "check-src");
	ET_FIRED_N(&t, 1000015, 1);
	et_req(&t, "toggle-src");
	et_req(&t, "check-src");
	ET_FIRED_N(&t, 1000015, 1);
	et_req(&t, "toggle-src");
	et_req(&t, "unset-src");
	et_req(&t, "check-src");
	ET_FIRED_N(&t, 1000015, 1);
	/* the source is the sender of the data: the server's reply is not */
	et_req(&t, "toggle-src");
	et_resp(&t, "check-src");
	ET_FIRED_N(&t, 1000015, 1);
	ck_assert_uint_eq(t.events, 0);

	/* a full table: the bit is not set, and that is reported */
	memset(slots, 0, sizeof(slots));
	t.eng.nxbits = 8;
	{
		unsigned int i;

		for (i = 0; i < 9; i++) {
			uint8_t a[4] = { 10, 1, 0, (uint8_t)i };

			flow_between(&t, a, 5, drm, 6);
			et_req(&t, "toggle-src");
		}
		ck_assert(t.events & (1u << TLSI_EV_XBITS_FULL));
		/* the ones set are there; expired slots are reused */
		flow_between(&t, (uint8_t[4]){ 10, 1, 0, 0 }, 5, drm, 6);
		et_req(&t, "check-src");
		ET_FIRED_N(&t, 1000015, 1);
		t.ctx.now_ms += 6000;
		flow_between(&t, (uint8_t[4]){ 10, 1, 0, 8 }, 5, drm, 6);
		et_req(&t, "toggle-src");
		ck_assert_uint_eq(t.events, 0);
		et_req(&t, "check-src");
		ET_FIRED_N(&t, 1000015, 1);
	}
	t.eng.xbits = NULL;
	et_free(&t);
}
END_TEST

START_TEST(test_xbits_parse)
{
	struct et t;

	et_load_mode(&t,
		     "alert tcp any any -> any any (xbits:set,a; content:\"a\"; sid:1;)\n"
		     "alert tcp any any -> any any (xbits:set,a,track ip_host; content:\"a\"; sid:2;)\n"
		     "alert tcp any any -> any any (xbits:set,a,track ip_src,expire 0; content:\"a\"; sid:3;)\n"
		     "alert tcp any any -> any any (xbits:flip,a,track ip_src; content:\"a\"; sid:4;)\n"
		     "alert tcp any any -> any any (xbits:set,a,track ip_src,expire x; content:\"a\"; sid:5;)\n"
		     "alert tcp any any -> any any (xbits:isset, a, track ip_pair, expire 60; content:\"a\"; sid:6;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 5);
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

/* ---- base64_decode / base64_data ---------------------------------------- */

/* ET 2031507 (Exchange CVE-2020-17141, bytes 300) and 2045301
 * (ManageEngine CVE-2022-47966 M10, no bytes), their text as in ET Open. */
static const char b64_et_rules[] =
	"alert http any any -> any any (msg:\"ET EXPLOIT Microsoft Exchange Server Exploitation (CVE-2020-17141)\"; flow:to_server,established; http.method; content:\"POST\"; http.uri; content:\"/ews/Exchange.asmx\"; startswith; http.request_body; content:\"<m:RouteComplaint|20|\"; content:\"<m:Data>\"; distance:0; base64_decode:bytes 300, offset 0, relative; base64_data; content:\"<!DOCTYPE\"; content:\"SYSTEM\"; distance:0; classtype:web-application-attack; sid:2031507; rev:1; metadata:attack_target Server, created_at 2021_01_08, cve CVE_2020_17141, deployment Perimeter, deployment Internal, former_category EXPLOIT, signature_severity Major, updated_at 2023_04_19;)\n"
	"alert http any any -> [$HOME_NET,$HTTP_SERVERS] any (msg:\"ET EXPLOIT ManageEngine Unauthenticated RCE Attempt M10 (CVE-2022-47966)\"; flow:established,to_server; http.method; content:\"POST\"; http.request_body; content:\"SAMLResponse=\"; startswith; fast_pattern; nocase; base64_decode:offset 0, relative; base64_data; content:\"|3a|getRuntime|28 29|\"; nocase; content:\"|3a|exec|28|\"; nocase; reference:cve,2022-47966; classtype:attempted-admin; sid:2045301; rev:1; metadata:attack_target Server, created_at 2023_05_02, cve CVE_2022_47966, deployment Perimeter, deployment Internal, deployment SSLDecrypt, former_category EXPLOIT, performance_impact Low, confidence High, signature_severity Major, tag ManageEngine, updated_at 2023_05_02; target:dest_ip;)\n";

static void b64_encode(const char *in, size_t n, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3, out += 4) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 16 | (uint32_t)(uint8_t)in[i + 1] << 8 |
			     (uint8_t)in[i + 2];

		out[0] = a[v >> 18];
		out[1] = a[(v >> 12) & 63];
		out[2] = a[(v >> 6) & 63];
		out[3] = a[v & 63];
	}
	if (n - i == 1) {
		out[0] = a[(uint8_t)in[i] >> 2];
		out[1] = a[((uint8_t)in[i] & 3) << 4];
		out[2] = out[3] = '=';
		out += 4;
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 8 | (uint8_t)in[i + 1];

		out[0] = a[v >> 10];
		out[1] = a[(v >> 4) & 63];
		out[2] = a[(v << 2) & 63];
		out[3] = '=';
		out += 4;
	}
	*out = '\0';
}

/* A POST to uri whose body is pre, then plain base64-encoded, then post. */
static void b64_post(struct et *t, const char *uri, const char *pre, const char *plain,
		     const char *post)
{
	static char body[8192], enc[8192], req[10000];

	b64_encode(plain, strlen(plain), enc);
	snprintf(body, sizeof(body), "%s%s%s", pre, enc, post);
	snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: mail.example\r\n"
		 "Content-Length: %zu\r\n\r\n%s", uri, strlen(body), body);
	inbound(t);
	et_req(t, req);
}

START_TEST(test_base64_et)
{
	static const char xxe[] = "<!DOCTYPE x [<!ENTITY e SYSTEM \"http://203.0.113.9/x\">]>";
	static char filler[400];
	struct et t;

	et_load(&t, b64_et_rules);
	b64_post(&t, "/ews/Exchange.asmx", "<m:RouteComplaint ><m:Data>", xxe, "</m:Data>");
	ET_FIRED_N(&t, 2031507, 1);
	/* PUBLIC, not SYSTEM: the decoded text decides */
	b64_post(&t, "/ews/Exchange.asmx", "<m:RouteComplaint ><m:Data>",
		 "<!DOCTYPE x PUBLIC \"-//x\" \"y\">", "</m:Data>");
	ET_SILENT(&t, 2031507);
	/* the same text not encoded: the raw body has it, base64_data not */
	b64_post(&t, "/ews/Exchange.asmx", "<m:RouteComplaint ><m:Data>", "", xxe);
	ET_SILENT(&t, 2031507);
	/* bytes 300: 300 characters decode to 225 bytes; SYSTEM beyond them */
	memset(filler, 'A', 230);
	filler[230] = '\0';
	strcat(filler, xxe);
	b64_post(&t, "/ews/Exchange.asmx", "<m:RouteComplaint ><m:Data>", filler, "");
	ET_SILENT(&t, 2031507);
	filler[150] = '\0';
	strcat(filler, xxe);
	b64_post(&t, "/ews/Exchange.asmx", "<m:RouteComplaint ><m:Data>", filler, "");
	ET_FIRED_N(&t, 2031507, 1);

	b64_post(&t, "/SamlResponseServlet", "SAMLResponse=",
		 "<xsl:value-of select=\"rt:exec(rt:getRuntime(),'id')\" "
		 "xmlns:rt=\"http://xml.apache.org/xalan/java/java.lang.Runtime\"/>", "");
	ET_FIRED_N(&t, 2045301, 1);
	b64_post(&t, "/SamlResponseServlet", "SAMLResponse=",
		 "<samlp:Response ID=\"_1\"><saml:Assertion/></samlp:Response>", "");
	ET_SILENT(&t, 2045301);
	et_free(&t);
}
END_TEST

/* Suricata's decoding and options, on the raw stream. */
static const char b64_rules[] =
	"alert tcp any any -> any any (msg:\"offset, bytes\"; content:\"b64:\"; base64_decode:bytes 8, offset 1, relative; base64_data; content:\"hello\"; startswith; sid:1000010;)\n"
	"alert tcp any any -> any any (msg:\"bytes 4\"; content:\"b64:\"; base64_decode:bytes 4, offset 1, relative; base64_data; content:\"hel\"; isdataat:!1,relative; sid:1000011;)\n"
	"alert tcp any any -> any any (msg:\"relative\"; content:\"x64:\"; base64_decode:relative; base64_data; content:\"hi\"; startswith; sid:1000012;)\n"
	"alert tcp any any -> any any (msg:\"absolute\"; content:\"abs:\"; depth:4; base64_decode:offset 4; base64_data; content:\"yes\"; bsize:3; sid:1000013;)\n"
	"alert tcp any any -> any any (msg:\"retry\"; content:\"k=\"; base64_decode:relative; base64_data; content:\"key\"; sid:1000014;)\n";

START_TEST(test_base64_decode)
{
	struct et t;

	et_load(&t, b64_rules);
	et_flow(&t);
	et_req(&t, "b64: aGVsbG8gd29ybGQ=");	/* offset 1 skips the blank */
	ET_FIRED_N(&t, 1000010, 1);
	ET_FIRED_N(&t, 1000011, 1);		/* bytes 4: "hel", nothing after */
	et_flow(&t);
	et_req(&t, "b64:aGVsbG8gd29ybGQ=");	/* offset 1 skips 'a' */
	ET_SILENT(&t, 1000010);
	et_flow(&t);
	et_req(&t, "b64: aGV");			/* padded: "he" */
	ET_SILENT(&t, 1000011);

	et_flow(&t);
	et_req(&t, "x64:aGk=");
	ET_FIRED_N(&t, 1000012, 1);
	et_flow(&t);
	et_req(&t, "x64:aGk");			/* the last quad is padded */
	ET_FIRED_N(&t, 1000012, 1);
	et_flow(&t);
	et_req(&t, "x64:aGk!aGk=");		/* '!' ends the input */
	ET_FIRED_N(&t, 1000012, 1);
	et_flow(&t);
	et_req(&t, "x64:=Gk=");			/* '=' first in a quad: nothing */
	ET_SILENT(&t, 1000012);
	et_flow(&t);
	et_req(&t, "x64:aGk=a");		/* a lone last character: nothing */
	ET_SILENT(&t, 1000012);
	et_flow(&t);
	et_req(&t, "x64: aGk=");		/* a blank is not base64 */
	ET_SILENT(&t, 1000012);
	et_flow(&t);
	et_req(&t, "x64:aGk=aGk=");		/* '=' inside: decoding goes on */
	ET_FIRED_N(&t, 1000012, 1);

	et_flow(&t);
	et_req(&t, "abs:eWVz");
	ET_FIRED_N(&t, 1000013, 1);
	et_flow(&t);
	et_req(&t, "abs:eWVzeWVz");		/* bsize of the decoded bytes */
	ET_SILENT(&t, 1000013);
	et_flow(&t);
	et_req(&t, "abs:");			/* offset at the end: no match */
	ET_SILENT(&t, 1000013);

	/* the first "k=" decodes to nothing useful, the second to "key" */
	et_flow(&t);
	et_req(&t, "k=AAAA k=a2V5");
	ET_FIRED_N(&t, 1000014, 1);

	/* the encoded text split across chunks: found when it is whole */
	et_flow(&t);
	et_sendc(&t, TLSI_DIR_TO_SERVER, "x64:aGk=", 6);
	ET_FIRED_N(&t, 1000012, 1);
	et_free(&t);
}
END_TEST

START_TEST(test_base64_parse)
{
	struct et t;

	et_load_mode(&t,
		     "alert tcp any any -> any any (content:\"a\"; base64_data; content:\"b\"; sid:1;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode:bytes x; base64_data; content:\"b\"; sid:2;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode:relatve; base64_data; content:\"b\"; sid:3;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode:bytes 0; base64_data; content:\"b\"; sid:4;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode; base64_decode; base64_data; content:\"b\"; sid:5;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode; content:\"b\"; sid:6;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode:offset 99999999; base64_data; content:\"b\"; sid:7;)\n"
		     "alert tcp any any -> any any (content:\"a\"; base64_decode:bytes 10 offset 2 relative; base64_data; content:\"b\"; sid:8;)\n"
		     "alert http any any -> any any (http.uri; content:\"a\"; base64_decode; base64_data; content:\"b\"; http_header; sid:9;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 8);
	ck_assert_uint_eq(t.set.nrules, 1);	/* sid 8: commas are optional */
	et_free(&t);
}
END_TEST

/* ---- flowint -------------------------------------------------------------- */

/* ET 2044301 and 2044302 (GET of sqlite3.dll / mozglue.dll: flowint +1),
 * their text as in ET Open, and rules that read the counter. */
static const char flowint_rules[] =
	"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET HUNTING HTTP GET Request for sqlite3.dll - Possible Infostealer Activity\"; flow:established,to_server; http.method; content:\"GET\"; http.uri; content:\"sqlite3.dll\"; fast_pattern; xbits:set,ET.infostealer.pattern.1,track ip_src,expire 15; xbits:set,ET.infostealer.pattern.2,track ip_pair,expire 15; flowint: ET.infostealer.dll.download, +, 1; classtype:suspicious-filename-detect; sid:2044301; rev:1; metadata:affected_product Windows_XP_Vista_7_8_10_Server_32_64_Bit, attack_target Client_Endpoint, created_at 2023_02_22, deployment Perimeter, deployment SSLDecrypt, former_category HUNTING, performance_impact Low, confidence Medium, signature_severity Informational, updated_at 2023_02_22;)\n"
	"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET HUNTING HTTP GET Request for mozglue.dll - Possible Infostealer Activity\"; flow:established,to_server; http.method; content:\"GET\"; http.uri; content:\"mozglue.dll\"; fast_pattern; xbits:set,ET.infostealer.pattern.1,track ip_src,expire 15; xbits:set,ET.infostealer.pattern.2,track ip_pair,expire 15; flowint: ET.infostealer.dll.download, +, 1; classtype:suspicious-filename-detect; sid:2044302; rev:1; metadata:affected_product Windows_XP_Vista_7_8_10_Server_32_64_Bit, attack_target Client_Endpoint, created_at 2023_02_22, deployment Perimeter, deployment SSLDecrypt, former_category HUNTING, performance_impact Low, confidence Medium, signature_severity Informational, updated_at 2023_02_22;)\n"
	"alert http any any -> any any (msg:\"two dlls\"; flow:established,to_server; http.uri; content:\"/done\"; flowint:ET.infostealer.dll.download,>=,2; sid:1000030;)\n"
	"alert http any any -> any any (msg:\"none yet\"; flow:established,to_server; http.uri; content:\"/done\"; flowint:ET.infostealer.dll.download,notset; sid:1000031;)\n"
	"alert tcp any any -> any any (msg:\"reset\"; content:\"RESET\"; flowint:ET.infostealer.dll.download,=,0; sid:1000032;)\n"
	"alert tcp any any -> any any (msg:\"down\"; content:\"DOWN\"; flowint:ET.infostealer.dll.download,-,1; sid:1000033;)\n"
	"alert tcp any any -> any any (msg:\"unset\"; content:\"UNSET\"; flowint:ET.infostealer.dll.download,isnotset; sid:1000038;)\n"
	"alert tcp any any -> any any (msg:\"zero\"; content:\"ZERO\"; flowint:ET.infostealer.dll.download,isset; flowint:ET.infostealer.dll.download,==,0; sid:1000034;)\n"
	"alert tcp any any -> any any (msg:\"nine\"; content:\"NINE\"; flowint:a,=,1; flowint:b,=,1; flowint:c,=,1; flowint:d,=,1; flowint:e,=,1; flowint:f,=,1; flowint:g,=,1; flowint:h,=,1; flowint:i,=,1; sid:1000035;)\n"
	"alert tcp any any -> any any (msg:\"i set\"; content:\"ASK\"; flowint:i,isset; sid:1000036;)\n"
	"alert tcp any any -> any any (msg:\"h is 1\"; content:\"ASK\"; flowint:h,!=,0; flowint:h,<,2; sid:1000037;)\n";

static const char get_sqlite[] = "GET /lib/sqlite3.dll HTTP/1.1\r\nHost: cdn.example\r\n\r\n";
static const char get_mozglue[] = "GET /lib/mozglue.dll HTTP/1.1\r\nHost: cdn.example\r\n\r\n";
static const char get_done[] = "GET /done HTTP/1.1\r\nHost: cdn.example\r\n\r\n";

START_TEST(test_flowint)
{
	struct et t;

	et_load(&t, flowint_rules);
	et_flow(&t);
	et_req(&t, get_done);			/* not set yet */
	ET_FIRED_N(&t, 1000031, 1);
	ET_SILENT(&t, 1000030);
	et_req(&t, get_sqlite);			/* 1 */
	ET_FIRED_N(&t, 2044301, 1);
	et_req(&t, get_done);
	ET_FIRED_N(&t, 1000031, 1);		/* set now: notset fails */
	ET_SILENT(&t, 1000030);
	et_req(&t, get_mozglue);		/* 2 */
	ET_FIRED_N(&t, 2044302, 1);
	et_req(&t, get_done);
	ET_FIRED_N(&t, 1000030, 1);
	/* another flow has its own counter */
	et_flow(&t);
	et_req(&t, get_sqlite);
	et_req(&t, get_done);
	ET_SILENT(&t, 1000030);
	et_free(&t);

	/* =, -, isset, == on the raw stream */
	et_load(&t, flowint_rules);
	et_flow(&t);
	et_req(&t, "ZERO");			/* not set: isset fails */
	ET_SILENT(&t, 1000034);
	et_req(&t, "DOWN");			/* not set: nothing to subtract from */
	et_req(&t, "UNSET");
	ET_FIRED_N(&t, 1000038, 1);
	et_req(&t, "RESET");
	et_req(&t, "ZERO");
	ET_FIRED_N(&t, 1000034, 1);
	et_req(&t, "UNSET");
	ET_FIRED_N(&t, 1000038, 1);		/* set now */
	et_req(&t, "DOWN");			/* 0 - 1 wraps, as a uint32 */
	et_req(&t, "ZERO");
	ET_FIRED_N(&t, 1000034, 1);

	/* nine variables in a flow that holds eight: the ninth is counted */
	et_flow(&t);
	et_req(&t, "NINE");
	ck_assert(t.events & (1u << TLSI_EV_FLOWINT_FULL));
	et_req(&t, "ASK");
	ET_SILENT(&t, 1000036);
	ET_FIRED_N(&t, 1000037, 1);
	et_free(&t);
}
END_TEST

START_TEST(test_flowint_parse)
{
	struct et t;

	et_load_mode(&t,
		     "alert tcp any any -> any any (content:\"a\"; flowint:x,~,1; sid:1;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint:x,+; sid:2;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint:x,isset,1; sid:3;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint:x,+,y; sid:4;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint:x,=,4294967296; sid:5;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint:,=,1; sid:6;)\n"
		     "alert tcp any any -> any any (content:\"a\"; flowint: x , <= , 4294967295; sid:7;)\n",
		     true, RP_PCRE_SKIP);
	ck_assert_uint_eq(t.skipped, 6);
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
	tc = tcase_create("xbits");
	tcase_add_test(tc, test_xbits);
	tcase_add_test(tc, test_xbits_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64");
	tcase_add_test(tc, test_base64_et);
	tcase_add_test(tc, test_base64_decode);
	tcase_add_test(tc, test_base64_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("flowint");
	tcase_add_test(tc, test_flowint);
	tcase_add_test(tc, test_flowint_parse);
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
