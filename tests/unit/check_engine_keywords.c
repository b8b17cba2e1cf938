// SPDX-License-Identifier: GPL-2.0
/*
 * Keywords beyond payload matching, with real Emerging Threats rules:
 * stream_size (what each side of the TCP connection has sent, as
 * Suricata's next_seq - isn) and xbits (bits of an address or address
 * pair shared by flows, with expiry), base64_decode/base64_data, flowint,
 * byte_extract and app-layer-event (the ET rules read from the ET Open
 * snapshot, make et-open).
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


/* ---- rules from the ET Open snapshot ------------------------------------------ */

/* The rule with sid `sid' in ET Open's file `name', appended to out. */
static void et_rule_text(const char *name, uint32_t sid, char *out, size_t cap)
{
	char path[8192], key[32], *line = NULL;
	size_t lcap = 0;
	FILE *fp;
	bool found = false;

	ck_assert_uint_lt(strlen(et_open_dir()) + strlen(name) + 2, sizeof(path));
	snprintf(path, sizeof(path), "%s/%s", et_open_dir(), name);
	snprintf(key, sizeof(key), " sid:%u;", (unsigned)sid);
	fp = fopen(path, "r");
	ck_assert_msg(fp, "%s not found (make et-open, or set TLSI_ET_OPEN)", path);
	while (getline(&line, &lcap, fp) > 0) {
		if (line[0] == 'a' && strstr(line, key)) {
			ck_assert_uint_lt(strlen(out) + strlen(line), cap);
			strcat(out, line);
			found = true;
			break;
		}
	}
	free(line);
	fclose(fp);
	ck_assert_msg(found, "sid %u not in %s", (unsigned)sid, path);
}

/* ---- byte_extract ------------------------------------------------------------- */

static const uint8_t outside[4] = { 203, 0, 113, 7 }, home_srv[4] = { 10, 0, 0, 5 };

/* A TLS heartbeat record (type 24, TLS 1.1) of record length rec holding
 * a request (type 1) that claims payload_len bytes; 16 bytes follow. */
static size_t heartbeat(uint8_t *out, uint16_t rec, uint16_t payload_len)
{
	static const uint8_t head[] = { 0x18, 0x03, 0x02 };

	memcpy(out, head, 3);
	out[3] = (uint8_t)(rec >> 8);
	out[4] = (uint8_t)rec;
	out[5] = 0x01;
	out[6] = (uint8_t)(payload_len >> 8);
	out[7] = (uint8_t)payload_len;
	memset(out + 8, 0x41, 16);
	return 24;
}

START_TEST(test_byte_extract_heartbleed)
{
	static char rules[8192];
	uint8_t rec[64];
	size_t n;
	struct et t;

	rules[0] = '\0';
	et_rule_text("emerging-exploit.rules", 2018372, rules, sizeof(rules));
	et_rule_text("emerging-exploit.rules", 2018389, rules, sizeof(rules));
	ck_assert(strstr(rules, "byte_extract:2,3,record_len;"));
	ck_assert(strstr(rules, "byte_extract:2,1,rec_len,relative;"));

	/* 2018372, to a home server on a port that is not HTTP's: a
	 * heartbeat record of 3 bytes claiming 16384 (the Heartbleed probe) */
	et_load(&t, rules);
	et_flow_addrs(&t, outside, home_srv, 4433);
	n = heartbeat(rec, 3, 0x4000);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_FIRED_N(&t, 2018372, 1);
	et_free(&t);
	/* a benign heartbeat: 16 bytes of payload in a 35-byte record */
	et_load(&t, rules);
	et_flow_addrs(&t, outside, home_srv, 4433);
	n = heartbeat(rec, 35, 16);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_SILENT(&t, 2018372);
	/* the claim equal to the record length: not larger */
	et_flow_addrs(&t, outside, home_srv, 4433);
	n = heartbeat(rec, 3, 3);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_SILENT(&t, 2018372);
	et_free(&t);

	/* 2018389 on port 443 (record length 16 read relative to "18 03",
	 * payload length after the type byte): 16384 > 16 */
	et_load(&t, rules);
	et_flow_addrs(&t, outside, home_srv, 443);
	n = heartbeat(rec, 16, 0x4000);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_FIRED_N(&t, 2018389, 1);
	et_free(&t);
	/* near miss: 160 > 150, but not more than the record's 256 bytes */
	et_load(&t, rules);
	et_flow_addrs(&t, outside, home_srv, 443);
	n = heartbeat(rec, 256, 160);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_SILENT(&t, 2018389);
	/* the same claim in a 16-byte record: the variable decides */
	et_flow_addrs(&t, outside, home_srv, 443);
	n = heartbeat(rec, 16, 160);
	et_send(&t, TLSI_DIR_TO_SERVER, rec, n);
	ET_FIRED_N(&t, 2018389, 1);
	et_free(&t);
}
END_TEST

/* A DTLS 1.0 record with two ClientHello fragments: the first of message
 * length len1, the second len2, each fragment 4 bytes. */
static size_t dtls_hello(uint8_t *out, uint32_t len1, uint32_t len2)
{
	static const uint8_t head[] = { 0x16, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22 };
	size_t n = sizeof(head);
	int i;

	memcpy(out, head, n);
	for (i = 0; i < 2; i++) {
		uint32_t len = i ? len2 : len1;
		uint8_t frag[12] = { 0x01, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
				     0, 0, 0, 0, 0, 0, 0, 4 };

		memcpy(out + n, frag, 12);
		memcpy(out + n + 12, "\xfe\xff\x00\x00", 4);
		n += 16;
	}
	return n;
}

START_TEST(test_byte_extract_dtls)
{
	static char rules[4096];
	struct tlsi_eng_pkt p = { .proto = TLSI_PROTO_UDP };
	uint8_t dg[64];
	struct et t;

	rules[0] = '\0';
	et_rule_text("emerging-exploit.rules", 2018560, rules, sizeof(rules));
	ck_assert(strstr(rules, "byte_extract:3,0,frag_len,relative;"));
	et_load(&t, rules);
	p.payload = dg;
	/* CVE-2014-0195: the second fragment says the message is 4096
	 * bytes, the first said 64 */
	et_flow_addrs(&t, outside, home_srv, 4433);
	p.len = (uint32_t)dtls_hello(dg, 64, 4096);
	tlsi_eng_datagram(&t.ctx, t.f, TLSI_DIR_TO_SERVER, &p);
	ET_FIRED_N(&t, 2018560, 1);
	/* consistent fragments */
	et_flow_addrs(&t, outside, home_srv, 4433);
	p.len = (uint32_t)dtls_hello(dg, 64, 64);
	tlsi_eng_datagram(&t.ctx, t.f, TLSI_DIR_TO_SERVER, &p);
	ET_SILENT(&t, 2018560);
	/* cut inside the second fragment's length: byte_test cannot read it */
	et_flow_addrs(&t, outside, home_srv, 4433);
	p.len = 13 + 16 + 2;
	dtls_hello(dg, 64, 4096);
	tlsi_eng_datagram(&t.ctx, t.f, TLSI_DIR_TO_SERVER, &p);
	ET_SILENT(&t, 2018560);
	et_free(&t);
}
END_TEST

/* The options, with Suricata's meaning, on the raw stream. */
static const char bx_rules[] =
	/* string, dec (Suricata's default base), then isdataat and within */
	"alert tcp any any -> any any (msg:\"len prefix\"; content:\"L=\"; byte_extract:3,0,n,relative,string; content:\":\"; within:1; isdataat:n,relative; sid:1000050;)\n"
	"alert tcp any any -> any any (msg:\"short\"; content:\"S=\"; byte_extract:3,0,n,relative,string; content:\":\"; within:1; isdataat:!n,relative; sid:1000057;)\n"
	/* little endian, multiplier, align; byte_test value from it */
	"alert tcp any any -> any any (msg:\"mult align\"; content:\"M\"; depth:1; byte_extract:1,0,m,relative,little,multiplier 3,align 4; byte_test:1,=,m,0,relative; sid:1000051;)\n"
	/* hex string; content offset and depth from variables */
	"alert tcp any any -> any any (msg:\"hex offset\"; content:\"O\"; depth:1; byte_extract:2,1,off,string,hex; content:\"here\"; offset:off; depth:4; sid:1000052;)\n"
	/* distance from a variable, byte_jump offset from one */
	"alert tcp any any -> any any (msg:\"distance\"; content:\"D\"; depth:1; byte_extract:1,0,skip,relative,string,dec; content:\"x\"; distance:skip; within:1; sid:1000053;)\n"
	"alert tcp any any -> any any (msg:\"jump\"; content:\"J\"; depth:1; byte_extract:1,0,o,relative,string,oct; byte_jump:1,o,relative,string,dec; content:\"!\"; within:1; sid:1000054;)\n"
	/* byte_test offset from a variable */
	"alert tcp any any -> any any (msg:\"test offset\"; content:\"T\"; depth:1; byte_extract:1,1,at,string; byte_test:1,=,0x5a,at; sid:1000055;)\n"
	/* backtracking: the first \"K\" has a bad length, the second a good one */
	"alert tcp any any -> any any (msg:\"retry\"; content:\"K\"; byte_extract:1,0,k,relative,string; content:\"#\"; distance:k; within:1; sid:1000056;)\n";

START_TEST(test_byte_extract_options)
{
	struct et t;

	et_load(&t, bx_rules);
	et_req(&t, "L=005:abcde");
	ET_FIRED_N(&t, 1000050, 1);
	et_flow(&t);
	et_req(&t, "L=005:abcdef");		/* at least 5 */
	ET_FIRED_N(&t, 1000050, 1);
	et_flow(&t);
	et_req(&t, "L=005:abcd");		/* 4 bytes, not 5 */
	ET_SILENT(&t, 1000050);
	et_flow(&t);
	et_req(&t, "S=005:abcd");
	ET_FIRED_N(&t, 1000057, 1);
	et_flow(&t);
	et_req(&t, "S=005:abcde");
	ET_SILENT(&t, 1000057);
	et_flow(&t);
	et_req(&t, "L=x05:abcde");		/* no digits: no value */
	ET_SILENT(&t, 1000050);

	/* 0x03 * 3 = 9, aligned up to 12 (0x0c) */
	et_flow(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, "M\x03\x0c", 3);
	ET_FIRED_N(&t, 1000051, 1);
	et_flow(&t);
	et_send(&t, TLSI_DIR_TO_SERVER, "M\x03\x09", 3);
	ET_SILENT(&t, 1000051);

	/* "0a": offset 10, depth 4 from it */
	et_flow(&t);
	et_req(&t, "O0a.......here");
	ET_FIRED_N(&t, 1000052, 1);
	et_flow(&t);
	et_req(&t, "O0a........here");	/* one byte beyond offset + depth */
	ET_SILENT(&t, 1000052);
	et_flow(&t);
	et_req(&t, "O0ahere.......");	/* before the offset */
	ET_SILENT(&t, 1000052);

	et_flow(&t);
	et_req(&t, "D3abcx");
	ET_FIRED_N(&t, 1000053, 1);
	et_flow(&t);
	et_req(&t, "D2abcx");
	ET_SILENT(&t, 1000053);

	/* octal "7": byte_jump reads its number 7 bytes after it ("2")
	 * and lands 2 bytes after that */
	et_flow(&t);
	et_req(&t, "J7.......2..!");
	ET_FIRED_N(&t, 1000054, 1);
	et_flow(&t);
	et_req(&t, "J7.......2.!");
	ET_SILENT(&t, 1000054);

	et_flow(&t);
	et_req(&t, "T3.Z");
	ET_FIRED_N(&t, 1000055, 1);
	et_flow(&t);
	et_req(&t, "T2.Z");
	ET_SILENT(&t, 1000055);

	et_flow(&t);
	et_req(&t, "K5ab#..K2ab#");
	ET_FIRED_N(&t, 1000056, 1);
	et_flow(&t);
	et_req(&t, "K5ab#..K3ab#");
	ET_SILENT(&t, 1000056);
	et_free(&t);
}
END_TEST

START_TEST(test_byte_extract_parse)
{
	static const struct {
		const char *opts, *reason;
	} bad[] = {
		{ "byte_extract:2,0;", "needs bytes, offset and a variable name" },
		{ "byte_extract:2,0,1x;", "is not a variable name" },
		{ "byte_extract:2,0,v; byte_test:1,=,w,0;", "`w' is not a number nor" },
		{ "byte_test:1,=,v,0; byte_extract:2,0,v;", "`v' is not a number nor" },
		{ "byte_extract:2,0,v,string,dec,big;", "string with an endianness" },
		{ "byte_extract:2,0,v,string,bin;", "unknown or repeated option `bin'" },
		{ "byte_extract:2,0,v,hex;", "`hex' without string" },
		{ "byte_extract:21,0,v,string,dec;", "21 string bytes (at most 20" },
		{ "byte_extract:15,0,v,string,hex;", "at most 14" },
		{ "byte_extract:9,0,v;", "9 bytes (at most 8)" },
		{ "byte_extract:0,0,v;", "bad byte count" },
		{ "byte_extract:2,40000,v;", "bad offset" },
		{ "byte_extract:2,0,v,align 3;", "(2 or 4)" },
		{ "byte_extract:2,0,v,multiplier 0;", "(1 to 65535)" },
		{ "byte_extract:2,0,v,dce;", "dce" },
		{ "byte_extract:2,0,v; byte_extract:2,2,v;", "set twice" },
		{ "byte_extract:1,0,a; byte_extract:1,0,b; byte_extract:1,0,c; "
		  "byte_extract:1,0,d; byte_extract:1,0,e; byte_extract:1,0,f; "
		  "byte_extract:1,0,g; byte_extract:1,0,h; byte_extract:1,0,i;",
		  "more than 8 variables" },
		{ "byte_extract:1,0,v; http.uri; content:\"x\"; depth:v;", "read on payload, used on http.uri" },
		{ "byte_extract:1,0,v; byte_jump:v,0;", "byte count from a variable" },
	};
	char rule[1024];
	size_t i;
	struct et t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rule, sizeof(rule),
			 "alert tcp any any -> any any (msg:\"bad\"; content:\"a\"; %s sid:1;)\n",
			 bad[i].opts);
		et_load_mode(&t, rule, true, RP_PCRE_SKIP);
		ck_assert_msg(t.skipped == 1 && strstr(t.skip_reason, bad[i].reason),
			      "%s: skipped %u, `%s'", bad[i].opts, t.skipped, t.skip_reason);
		et_free(&t);
	}
	/* eight variables are fine, and every later keyword may use them */
	et_load(&t, "alert tcp any any -> any any (content:\"a\"; byte_extract:1,0,a; "
		    "byte_extract:1,0,b; byte_extract:1,0,c; byte_extract:1,0,d; "
		    "byte_extract:1,0,e; byte_extract:1,0,f; byte_extract:1,0,g; "
		    "byte_extract:1,0,h; byte_test:1,=,h,0; isdataat:a; content:\"b\"; "
		    "offset:b; depth:c; content:\"c\"; distance:d; within:e; "
		    "byte_jump:1,f; sid:2;)\n");
	ck_assert_uint_eq(t.set.nrules, 1);
	et_free(&t);
}
END_TEST

/* ---- app-layer-event -------------------------------------------------------------- */

static const uint8_t home4[4] = { 10, 0, 0, 9 }, srv4[4] = { 198, 51, 100, 4 };

/* The F5 BIG-IP AJP smuggling request of CVE-2023-46747 (an AJP message
 * to /tmui/Control/form in the chunked body of a request to
 * /tmui/login.jsp), with protocol proto and Transfer-Encoding te, from
 * outside to the home server. */
static void f5_request(struct et *t, const char *proto, const char *te)
{
	static const char ajp[] =
		"\x00\x08HTTP/1.1\x00\x00\x12/tmui/Control/form\x00\x00\x09" "127.0.0.1"
		"\x00\x00\x09localhost\x00\x00\x09localhost\x00\x00\x50\x00\x00\x03\xa0\x0b"
		"\x00\x09localhost\x00\x03\x00\x05" "admin\x00\x05\x00_form_page=%2Ftmui%2F"
		"system%2Fuser%2Fcreate.jsp&name=smuggled\x00\xff\x00";
	char req[2048];
	size_t n;

	ck_assert_uint_lt(strlen(proto) + strlen(te), 64);
	n = (size_t)snprintf(req, 256, "POST /tmui/login.jsp %s\r\nHost: big-ip\r\n"
			     "Transfer-Encoding: %s\r\nContent-Type: "
			     "application/x-www-form-urlencoded\r\n\r\n%zx\r\n", proto, te,
			     sizeof(ajp) - 1);
	memcpy(req + n, ajp, sizeof(ajp) - 1);
	n += sizeof(ajp) - 1;
	memcpy(req + n, "\r\n0\r\n\r\n", 7);
	n += 7;
	et_flow_addrs(t, outside, home_srv, 443);
	et_send(t, TLSI_DIR_TO_SERVER, req, n);
}

START_TEST(test_app_layer_event_et)
{
	static char rules[8192];
	struct et t;

	rules[0] = '\0';
	et_rule_text("emerging-exploit.rules", 2049057, rules, sizeof(rules));
	et_rule_text("emerging-web_specific_apps.rules", 2048367, rules, sizeof(rules));
	ck_assert(strstr(rules, "app-layer-event:http.invalid_transfer_encoding_value_in_request;"));
	et_load(&t, rules);

	/* 2049057: chunked on an HTTP/1.0 request is libhtp's invalid T-E */
	f5_request(&t, "HTTP/1.0", "chunked");
	ET_FIRED_N(&t, 2049057, 1);
	/* a value without the token "chunked" */
	f5_request(&t, "HTTP/1.1", "chunked-false");
	ET_FIRED_N(&t, 2049057, 1);
	/* valid framing: the same AJP body is no event, no alert */
	f5_request(&t, "HTTP/1.1", "chunked");
	ET_SILENT(&t, 2049057);
	/* the published exploit's "chunked, chunked": valid since libhtp
	 * 0.5.46 (Suricata 7.0.3, the ET snapshot's version) */
	f5_request(&t, "HTTP/1.1", "chunked, chunked");
	ET_SILENT(&t, 2049057);

	/* 2048367 (DoubleQlik): a client of HOME_NET, the session cookie */
	et_flow_addrs(&t, home4, srv4, 443);
	et_req(&t, "GET /hub/ HTTP/1.1\r\nHost: qlik.example\r\nTransfer-Encoding: xchunked\r\n"
		   "Cookie: X-Qlik-Session=12ab\r\n\r\n");
	ET_FIRED_N(&t, 2048367, 1);
	et_flow_addrs(&t, home4, srv4, 443);
	et_req(&t, "GET /hub/ HTTP/1.1\r\nHost: qlik.example\r\nCookie: X-Qlik-Session=12ab\r\n\r\n");
	ET_SILENT(&t, 2048367);
	/* the event belongs to its request: the next one on the connection
	 * (pipelined) has none */
	et_flow_addrs(&t, home4, srv4, 443);
	et_req(&t, "POST /a HTTP/1.0\r\nHost: q\r\nTransfer-Encoding: chunked\r\n"
		   "Cookie: X-Qlik-Session=1\r\n\r\n0\r\n\r\n"
		   "GET /b HTTP/1.1\r\nHost: q\r\nCookie: X-Qlik-Session=2\r\n\r\n");
	ET_FIRED_N(&t, 2048367, 1);
	ck_assert_uint_eq(t.alert_tx[0], 1);
	et_free(&t);
}
END_TEST

/* Suricata's own rule for the event (rules/http-events.rules, 2221005),
 * on every request head: which Transfer-Encoding values raise it. */
START_TEST(test_app_layer_event_values)
{
	static const struct {
		const char *proto, *headers;
		int event;
	} cases[] = {
		{ "HTTP/1.1", "Transfer-Encoding: chunked\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: CHUNKED\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding:   chunked  \r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: gzip, chunked\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: chunked, gzip\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: chunked , chunked\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 0 },
		{ "HTTP/1.1", "Content-Length: 0\r\n", 0 },
		{ "HTTP/1.1", "Transfer-Encoding: identity\r\n", 1 },
		{ "HTTP/1.1", "Transfer-Encoding: xchunked\r\n", 1 },
		{ "HTTP/1.1", "Transfer-Encoding: chunked x\r\n", 1 },
		{ "HTTP/1.1", "Transfer-Encoding: chunked;q=1\r\n", 1 },
		{ "HTTP/1.1", "Transfer-Encoding: gzip\r\nTransfer-Encoding: deflate\r\n", 1 },
		{ "HTTP/1.0", "Transfer-Encoding: chunked\r\n", 1 },
		{ "HTTP/1.2", "Transfer-Encoding: chunked\r\n", 1 },
		{ "http/1.1", "Transfer-Encoding: chunked\r\n", 1 },
	};
	char req[512];
	size_t i;
	struct et t;

	et_load(&t, "alert http any any -> any any (msg:\"SURICATA HTTP invalid transfer encoding value in request\"; flow:established,to_server; app-layer-event:http.invalid_transfer_encoding_value_in_request; flowint:http.anomaly.count,+,1; classtype:protocol-command-decode; sid:2221005; rev:1;)\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		et_flow(&t);
		snprintf(req, sizeof(req), "GET / %s\r\nHost: x\r\n%s\r\n", cases[i].proto,
			 cases[i].headers);
		et_req(&t, req);
		ck_assert_msg(et_count(&t, 2221005) == (unsigned int)cases[i].event,
			      "%s %s: %u alerts", cases[i].proto, cases[i].headers,
			      et_count(&t, 2221005));
	}
	/* a response's Transfer-Encoding is not the request's event */
	et_flow(&t);
	et_req(&t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	et_resp(&t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nabc");
	ET_SILENT(&t, 2221005);
	/* an event with payload keywords only: tried when the head is
	 * parsed, on the stream window, as payload next to HTTP buffers */
	et_free(&t);
	et_load(&t, "alert http any any -> any any (msg:\"te payload\"; app-layer-event:http.invalid_transfer_encoding_value_in_request; content:\"smuggle\"; sid:4;)\n");
	et_req(&t, "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nsmuggle\r\n0\r\n\r\n");
	ET_FIRED_N(&t, 4, 1);
	et_flow(&t);
	et_req(&t, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nsmuggle\r\n0\r\n\r\n");
	ET_SILENT(&t, 4);
	et_free(&t);
}
END_TEST

START_TEST(test_app_layer_event_parse)
{
	static const struct {
		const char *rule, *reason;
	} bad[] = {
		{ "alert http any any -> any any (app-layer-event:http.request_field_missing_colon; sid:1;)",
		  "app-layer-event `http.request_field_missing_colon' not raised" },
		{ "alert tcp any any -> any any (app-layer-event:applayer_mismatch_protocol_both_directions; sid:1;)",
		  "an engine or stream event" },
		{ "alert http any any -> any any (app-layer-event:tls.invalid_transfer_encoding_value_in_request; sid:1;)",
		  "app-layer-event `tls.invalid_transfer_encoding_value_in_request' not raised" },
		{ "alert http any any -> any any (app-layer-event:; sid:1;)", "without an event" },
		{ "alert tls any any -> any any (app-layer-event:http.invalid_transfer_encoding_value_in_request; sid:1;)",
		  "in a tls rule" },
		{ "alert udp any any -> any any (app-layer-event:http.invalid_transfer_encoding_value_in_request; sid:1;)",
		  "in a udp, icmp or ip rule" },
	};
	size_t i;
	struct et t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		et_load_mode(&t, bad[i].rule, true, RP_PCRE_SKIP);
		ck_assert_msg(t.skipped == 1 && strstr(t.skip_reason, bad[i].reason),
			      "%s: skipped %u, `%s'", bad[i].rule, t.skipped, t.skip_reason);
		et_free(&t);
	}
	/* names compare without case (Suricata's event tables); a tcp rule
	 * becomes an HTTP one */
	et_load(&t, "alert tcp any any -> any any (app-layer-event:HTTP.Invalid_Transfer_Encoding_Value_In_Request; sid:3;)\n");
	ck_assert_uint_eq(t.eng.rules[0].app, TLSI_APP_HTTP);
	et_req(&t, "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	ET_FIRED_N(&t, 3, 1);
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
	tc = tcase_create("byte_extract");
	tcase_add_test(tc, test_byte_extract_heartbleed);
	tcase_add_test(tc, test_byte_extract_dtls);
	tcase_add_test(tc, test_byte_extract_options);
	tcase_add_test(tc, test_byte_extract_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("app_layer_event");
	tcase_add_test(tc, test_app_layer_event_et);
	tcase_add_test(tc, test_app_layer_event_values);
	tcase_add_test(tc, test_app_layer_event_parse);
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
