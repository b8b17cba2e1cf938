// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP/1.x decoder and its buffers: URI normalisation against
 * evasions, request and response transcripts in both directions,
 * pipelining, chunked and Content-Length bodies cut anywhere, framing
 * anomalies, tunnels; then the SMTP/IMAP/POP3 decoders and TLS buffers.
 */
#include "engine_harness.h"

static struct et T;

static void teardown(void)
{
	et_free(&T);
}

/* ---- URI normalisation --------------------------------------------------- */

static void norm(const char *in, const char *want, uint32_t want_flags)
{
	uint8_t out[512];
	uint32_t n, flags;

	n = tlsi_http_normalize_uri((const uint8_t *)in, (uint32_t)strlen(in), out, &flags);
	ck_assert_msg(n == strlen(want) && !memcmp(out, want, n),
		      "normalize `%s': got `%.*s', want `%s'", in, (int)n, out, want);
	ck_assert_msg((flags & want_flags) == want_flags,
		      "normalize `%s': flags 0x%x lack 0x%x", in, flags, want_flags);
}

START_TEST(test_normalize)
{
	norm("/index.html", "/index.html", 0);
	norm("/a%2Fb%20c", "/a/b c", TLSI_URI_PCT);
	norm("/%61dmin", "/admin", TLSI_URI_PCT);
	norm("/a%252fb", "/a/b", TLSI_URI_DOUBLE);
	norm("/%2561dmin", "/admin", TLSI_URI_DOUBLE);
	norm("/%u0061dmin", "/admin", TLSI_URI_U);
	norm("/%uFF0Fetc", "//etc" + 1, TLSI_URI_U);	/* full-width '/' */
	norm("/a%c0%afb", "/a/b", TLSI_URI_OVERLONG);
	norm("/a/%c0%ae%c0%ae/b", "/b", TLSI_URI_OVERLONG | TLSI_URI_DOTS);
	norm("/a%e0%80%aeb", "/a.b", TLSI_URI_OVERLONG);
	norm("/scripts/..%c1%9c../winnt", "/winnt", TLSI_URI_OVERLONG);
	norm("/a\\b\\c", "/a/b/c", TLSI_URI_BACKSLASH);
	norm("/a/./b/.", "/a/b/", TLSI_URI_DOTS);
	norm("/a/b/../c", "/a/c", TLSI_URI_DOTS);
	norm("/../../etc/passwd", "/etc/passwd", TLSI_URI_DOTS);
	norm("/a/b/..", "/a/", TLSI_URI_DOTS);
	norm("//a///b", "/a/b", TLSI_URI_SLASHES);
	norm("/x?q=%2e%2e/../a", "/x?q=%2e%2e/../a", 0);	/* query as sent */
	norm("/p%3Fq?r", "/p?q?r", TLSI_URI_PCT);
	norm("http://Example.com:8080/a/../b?x", "/b?x", TLSI_URI_DOTS);
	norm("*", "*", 0);
	norm("/bad%zzescape%", "/bad%zzescape%", 0);
	norm("", "", 0);
	norm("/", "/", 0);
	norm("/.", "/", TLSI_URI_DOTS);
}
END_TEST

START_TEST(test_method_detect)
{
	ck_assert(tlsi_http_is_method((const uint8_t *)"GET", 3));
	ck_assert(tlsi_http_is_method((const uint8_t *)"propfind", 8));
	ck_assert(!tlsi_http_is_method((const uint8_t *)"EHLO", 4));
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"get / HTTP/1.0", 14), 1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"PO", 2), -1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"POST", 4), -1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"POST ", 5), 1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"\r\nGET\t/", 7), 1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"POSTX", 5), 0);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_SERVER, (const uint8_t *)"EHLO x", 6), 0);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_CLIENT, (const uint8_t *)"HTTP/1.1 200", 12), 1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_CLIENT, (const uint8_t *)"HTT", 3), -1);
	ck_assert_int_eq(tlsi_http_detect(TLSI_DIR_TO_CLIENT, (const uint8_t *)"SSH-2.0", 7), 0);
}
END_TEST

/* ---- request buffers ------------------------------------------------------ */

static const char *req_rules =
	"alert http any any -> any any (msg:\"method\"; http.method; content:\"POST\"; bsize:4; sid:1;)\n"
	"alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin/login.php\"; startswith; sid:2;)\n"
	"alert http any any -> any any (msg:\"raw\"; http.uri.raw; content:\"/ADMIN/./login.php?\"; sid:3;)\n"
	"alert http any any -> any any (msg:\"host\"; http.host; content:\"victim.example\"; bsize:14; sid:4;)\n"
	"alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"sqlmap/1.\"; startswith; sid:5;)\n"
	"alert http any any -> any any (msg:\"cookie\"; http.cookie; content:\"session=\"; content:\"admin\"; distance:0; sid:6;)\n"
	"alert http any any -> any any (msg:\"hdr\"; http.header; content:\"X-Forwarded-For|3a 20|127.0.0.1|0d 0a|\"; sid:7;)\n"
	"alert http any any -> any any (msg:\"names\"; http.header_names; content:\"|0d 0a|Host|0d 0a|User-Agent|0d 0a|\"; sid:8;)\n"
	"alert http any any -> any any (msg:\"ctype\"; http.content_type; content:\"application/x-www-form-urlencoded\"; sid:9;)\n"
	"alert http any any -> any any (msg:\"body\"; http.request_body; content:\"user=admin\"; content:\"&pass=\"; within:6; sid:10;)\n"
	"alert http any any -> any any (msg:\"line\"; http.request_line; content:\"POST /ADMIN\"; startswith; sid:11;)\n"
	"alert http any any -> any any (msg:\"proto\"; http.protocol; content:\"HTTP/1.1\"; sid:12;)\n"
	"alert http any any -> any any (msg:\"referer\"; http.referer; content:\"evil.example\"; sid:13;)\n"
	"alert http any any -> any any (msg:\"legacy\"; content:\"/ADMIN/\"; http_uri; content:\"sqlmap\"; http_user_agent; sid:14;)\n"
	"alert http any any -> any any (msg:\"start\"; http.start; content:\"POST /ADMIN\"; content:\"|0d 0a 0d 0a|\"; endswith; sid:15;)\n"
	"alert http any any -> any any (msg:\"dot\"; http.host; dotprefix; content:\".example\"; endswith; sid:16;)\n"
	"alert http any any -> any any (msg:\"clen\"; http.content_len; content:\"21\"; bsize:2; sid:17;)\n";

static const char *post_req =
	"POST /ADMIN/./login.php?next=%2F HTTP/1.1\r\n"
	"Host: Victim.Example:8080\r\n"
	"User-Agent: sqlmap/1.7.2#stable\r\n"
	"Cookie: theme=dark; session=xyz; role=admin\r\n"
	"X-Forwarded-For:   127.0.0.1  \r\n"
	"Referer: http://evil.example/\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n"
	"Content-Length: 21\r\n"
	"\r\n"
	"user=admin&pass=12345";

static void check_post_alerts(const char *how)
{
	uint32_t sid;

	for (sid = 1; sid <= 17; sid++) {
		if (sid == 2)	/* "/ADMIN/login.php": case is kept */
			continue;
		ck_assert_msg(et_count(&T, sid) == 1, "%s: sid %u fired %u times (alerts %s)",
			      how, sid, et_count(&T, sid), et_alert_list(&T));
	}
	ET_SILENT(&T, 2);
}

START_TEST(test_request_buffers)
{
	size_t n = strlen(post_req), cut;

	et_load(&T, req_rules);
	et_req(&T, post_req);
	check_post_alerts("one chunk");
	/* every cut, and one byte at a time */
	for (cut = 1; cut < n; cut += 7) {
		et_flow(&T);
		et_send(&T, TLSI_DIR_TO_SERVER, post_req, cut);
		et_send(&T, TLSI_DIR_TO_SERVER, post_req + cut, n - cut);
		check_post_alerts("two chunks");
	}
	et_flow(&T);
	et_sendc(&T, TLSI_DIR_TO_SERVER, post_req, 1);
	check_post_alerts("bytewise");
}
END_TEST

START_TEST(test_uri_evasions)
{
	static const char *const variants[] = {
		"GET /admin/config.php HTTP/1.1\r\n\r\n",
		"GET /%61dmin/config%2ephp HTTP/1.1\r\n\r\n",
		"GET /%2561dmin/config.php HTTP/1.1\r\n\r\n",
		"GET /%u0061dmin/config.php HTTP/1.1\r\n\r\n",
		"GET /admin%c0%afconfig.php HTTP/1.1\r\n\r\n",
		"GET /admin%e0%80%afconfig.php HTTP/1.1\r\n\r\n",
		"GET /admin\\config.php HTTP/1.1\r\n\r\n",
		"GET /./admin/./config.php HTTP/1.1\r\n\r\n",
		"GET /static/../admin/x/../config.php HTTP/1.1\r\n\r\n",
		"GET //admin////config.php HTTP/1.1\r\n\r\n",
		"GET http://host.example/admin/config.php HTTP/1.1\r\n\r\n",
		"gEt /admin/config.php HTTP/1.1\r\n\r\n",
		"GET   /admin/config.php   HTTP/1.1\r\n\r\n",
		"\r\n\r\nGET /admin/config.php HTTP/1.1\r\n\r\n",
		"GET /admin/config.php HTTP/1.1\n\n",
	};
	size_t i;

	et_load(&T, "alert http any any -> any any (msg:\"cfg\"; http.method; content:\"GET\"; "
		    "http.uri; content:\"/admin/config.php\"; sid:1;)\n");
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		et_flow(&T);
		et_req(&T, variants[i]);
		ck_assert_msg(et_count(&T, 1) == 1, "variant %zu `%s' missed", i, variants[i]);
	}
	et_flow(&T);
	et_req(&T, "GET /admin/config.php5 HTTP/1.1\r\n\r\nGET /administrator HTTP/1.1\r\n\r\n");
	ET_FIRED_N(&T, 1, 1);
	et_flow(&T);
	et_req(&T, "GET /%2561dmin/config.php HTTP/1.1\r\n\r\n");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_URI_ENCODING));
}
END_TEST

START_TEST(test_header_evasions)
{
	static const char *const variants[] = {
		"GET / HTTP/1.1\r\nUser-Agent: BadBot\r\n\r\n",
		"GET / HTTP/1.1\r\nuser-AGENT: BadBot\r\n\r\n",
		"GET / HTTP/1.1\r\nUser-Agent :BadBot\r\n\r\n",
		"GET / HTTP/1.1\r\nUser-Agent:\t BadBot \t\r\n\r\n",
		"GET / HTTP/1.1\r\nX: y\r\nUser-Agent: Mozilla\r\n  BadBot\r\n\r\n",
		"GET / HTTP/1.1\nUser-Agent: BadBot\n\n",
	};
	size_t i;

	et_load(&T, "alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"BadBot\"; sid:1;)\n");
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		et_flow(&T);
		et_req(&T, variants[i]);
		ck_assert_msg(et_count(&T, 1) == 1, "variant %zu missed", i);
	}
}
END_TEST

/* ---- responses, pipelining, bodies ------------------------------------------ */

static const char *resp_rules =
	"alert http any any -> any any (msg:\"code\"; flow:to_client; http.stat_code; content:\"404\"; sid:1;)\n"
	"alert http any any -> any any (msg:\"msg\"; http.stat_msg; content:\"Not Found\"; sid:2;)\n"
	"alert http any any -> any any (msg:\"server\"; http.server; content:\"Apache/2.2\"; sid:3;)\n"
	"alert http any any -> any any (msg:\"loc\"; http.location; content:\"evil.example\"; sid:4;)\n"
	"alert http any any -> any any (msg:\"setcookie\"; flow:to_client; http.cookie; content:\"tracker=\"; sid:5;)\n"
	"alert http any any -> any any (msg:\"page\"; flow:to_client; http.stat_code; content:\"200\"; "
	"file.data; content:\"<script>\"; content:\"eval(unescape(\"; distance:0; sid:6;)\n"
	"alert http any any -> any any (msg:\"tail\"; flow:to_client; file.data; content:\"</html>\"; endswith; sid:7;)\n"
	"alert http any any -> any any (msg:\"line\"; http.response_line; content:\"HTTP/1.1 302\"; startswith; sid:8;)\n"
	"alert http any any -> any any (msg:\"req\"; flow:to_server; http.uri; content:\"/page\"; sid:9;)\n";

START_TEST(test_response_transcript)
{
	const char *resp =
		"HTTP/1.1 302 Found\r\nLocation: http://evil.example/x\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nServer: Apache/2.2.3\r\nSet-Cookie: tracker=1\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"10\r\n<html><script>ev\r\n"
		"1c\r\nal(unescape('%75'))</script>\r\n"
		"7\r\n</html>\r\n0\r\nX-Trailer: 1\r\n\r\n"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
	size_t n = strlen(resp), cut;

	et_load(&T, resp_rules);
	for (cut = 0; cut < n; cut += 5) {
		et_flow(&T);
		et_req(&T, "GET /page HTTP/1.1\r\n\r\nGET /page2 HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
		ET_FIRED_N(&T, 9, 2);
		if (cut)
			et_send(&T, TLSI_DIR_TO_CLIENT, resp, cut);
		et_send(&T, TLSI_DIR_TO_CLIENT, resp + cut, n - cut);
		ck_assert_msg(et_count(&T, 1) == 1 && et_count(&T, 2) == 1 && et_count(&T, 3) == 1 &&
			      et_count(&T, 4) == 1 && et_count(&T, 5) == 1 && et_count(&T, 6) == 1 &&
			      et_count(&T, 7) == 1 && et_count(&T, 8) == 1,
			      "cut %zu: alerts %s", cut, et_alert_list(&T));
	}
}
END_TEST

START_TEST(test_pipelined_requests)
{
	unsigned int i;

	et_load(&T, "alert http any any -> any any (msg:\"p\"; http.uri; content:\"/item\"; sid:1;)\n"
		    "alert http any any -> any any (msg:\"b\"; http.request_body; content:\"secret\"; sid:2;)\n");
	et_req(&T, "GET /item1 HTTP/1.1\r\nHost: a\r\n\r\n"
		   "POST /form HTTP/1.1\r\nContent-Length: 10\r\n\r\nmy secret!"
		   "GET /item2 HTTP/1.1\r\n\r\n"
		   "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nret\r\n0\r\n\r\n"
		   "GET /item3 HTTP/1.1\r\n\r\n");
	ET_FIRED_N(&T, 1, 3);
	ET_FIRED_N(&T, 2, 2);
	/* transactions are numbered per direction */
	for (i = 0; i < T.nalerts; i++)
		if (T.alerts[i] == 1)
			ck_assert(T.alert_tx[i] == 1 || T.alert_tx[i] == 3 || T.alert_tx[i] == 5);
	ck_assert_uint_eq(T.events, 0);
}
END_TEST

START_TEST(test_head_and_interim)
{
	et_load(&T, "alert http any any -> any any (msg:\"code\"; http.stat_code; content:\"201\"; sid:1;)\n"
		    "alert http any any -> any any (msg:\"body\"; flow:to_client; file.data; content:\"BODY\"; sid:2;)\n");
	et_req(&T, "HEAD /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
	/* the HEAD answer announces 4 bytes but has no body; then a 100
	 * Continue before the real answer; then 304 without body */
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
		    "HTTP/1.1 100 Continue\r\n\r\n"
		    "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nBODY"
		    "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
		    "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	ET_FIRED_N(&T, 1, 2);
	ET_FIRED_N(&T, 2, 1);
}
END_TEST

START_TEST(test_body_until_close)
{
	et_load(&T, "alert http any any -> any any (msg:\"end\"; flow:to_client; file.data; content:\"</html>\"; endswith; sid:1;)\n"
		    "alert http any any -> any any (msg:\"bs\"; flow:to_client; file.data; content:\"<html>\"; bsize:13; sid:2;)\n");
	et_req(&T, "GET / HTTP/1.0\r\n\r\n");
	et_resp(&T, "HTTP/1.0 200 OK\r\n\r\n<html>");
	et_resp(&T, "</html>");
	ET_SILENT(&T, 1);	/* the end is not known yet */
	tlsi_eng_eof(&T.ctx, T.f, TLSI_DIR_TO_CLIENT);
	ET_FIRED_N(&T, 1, 1);
	ET_FIRED_N(&T, 2, 1);
}
END_TEST

START_TEST(test_body_relative_across_chunks)
{
	et_load(&T, "alert http any any -> any any (msg:\"rel\"; flow:to_client; file.data; "
		    "content:\"function exploit(\"; content:\"shellcode\"; distance:0; within:200; sid:1;)\n");
	et_req(&T, "GET / HTTP/1.1\r\n\r\n");
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n");
	et_resp(&T, "...function exp");
	et_resp(&T, "loit(a,b){ var s = shell");
	et_resp(&T, "code; }....................");
	ET_FIRED_N(&T, 1, 1);
}
END_TEST

START_TEST(test_framing_anomalies)
{
	et_load(&T, "alert http any any -> any any (msg:\"b\"; http.request_body; content:\"SMUGGLED\"; sid:1;)\n"
		    "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/next\"; sid:2;)\n");
	/* CL and TE together: chunked wins, and it is flagged */
	et_req(&T, "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "8\r\nSMUGGLED\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_CL_TE));
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_req(&T, "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_MULTI_CL));
	et_flow(&T);
	et_req(&T, "POST / HTTP/1.1\r\nContent-Length: 4x\r\n\r\nSMUGGLED");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_BAD_CL));
	ET_FIRED(&T, 1);	/* unknown length: the rest is inspected as body */
	et_flow(&T);
	et_req(&T, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nSMUGGLED");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_BAD_CHUNK));
	ET_FIRED(&T, 1);
	et_flow(&T);
	et_req(&T, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nSMUGGLED");
	ck_assert(T.events & (1u << TLSI_EV_HTTP_BAD_TE));
	ET_FIRED(&T, 1);
	et_flow(&T);
	et_req(&T, "POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd");
	ck_assert_uint_eq(T.events, 0);
}
END_TEST

START_TEST(test_long_headers)
{
	char *req = malloc(TLSI_HTTP_HDR_MAX * 2 + 200);
	size_t n;

	et_load(&T, "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/first\"; sid:1;)\n"
		    "alert http any any -> any any (msg:\"n\"; http.uri; content:\"/next\"; sid:2;)\n");
	n = (size_t)sprintf(req, "GET /first HTTP/1.1\r\nX-Pad: ");
	memset(req + n, 'a', TLSI_HTTP_HDR_MAX * 2);
	n += TLSI_HTTP_HDR_MAX * 2;
	strcpy(req + n, "\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
	et_sendc(&T, TLSI_DIR_TO_SERVER, req, 1000);
	ck_assert(T.events & (1u << TLSI_EV_HTTP_HDR_TOO_LONG));
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	free(req);
}
END_TEST

START_TEST(test_tunnel_and_not_http)
{
	et_load(&T, "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/inner\"; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"raw\"; content:\"/inner\"; sid:2;)\n");
	et_req(&T, "CONNECT host:443 HTTP/1.1\r\n\r\n");
	et_resp(&T, "HTTP/1.1 200 Connection established\r\n\r\n");
	et_req(&T, "GET /inner HTTP/1.1\r\n\r\n");
	ET_SILENT(&T, 1);	/* inside the tunnel: not HTTP of this flow */
	ET_FIRED(&T, 2);
	et_flow(&T);
	et_req(&T, "\x16\x03\x01 GET /inner");
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
}
END_TEST

START_TEST(test_body_depth)
{
	et_load(&T, "alert http any any -> any any (msg:\"b\"; flow:to_client; file.data; content:\"LATE\"; sid:1;)\n"
		    "alert http any any -> any any (msg:\"c\"; http.stat_code; content:\"202\"; sid:2;)\n");
	T.cfg.body_depth = 16;
	et_req(&T, "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
		    "........................LATE............"
		    "HTTP/1.1 202 OK\r\nContent-Length: 4\r\n\r\nLATE");
	ET_FIRED_N(&T, 1, 1);	/* the second body, not the first */
	ET_FIRED_N(&T, 2, 1);	/* headers after a skipped body still seen */
	T.cfg.body_depth = 0;
}
END_TEST

/* ---- mail and TLS ---------------------------------------------------------- */

START_TEST(test_smtp)
{
	et_load(&T, "alert smtp any any -> any any (msg:\"smtp data\"; flow:to_server; file.data; "
		    "content:\"X-Mailer: BadMailer\"; sid:1;)\n"
		    "alert smtp any any -> any any (msg:\"dots\"; flow:to_server; file.data; "
		    "content:\"|0d 0a|.hidden\"; sid:2;)\n"
		    "alert smtp any any -> any any (msg:\"cmd\"; flow:to_server; content:\"RCPT TO\"; sid:3;)\n"
		    "alert pop3 any any -> any any (msg:\"pop\"; content:\"USER \"; sid:4;)\n");
	et_flow_port(&T, 25);
	et_resp(&T, "220 mail.example ESMTP\r\n");
	et_req(&T, "EHLO client\r\n");
	et_resp(&T, "250 ok\r\n");
	et_req(&T, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	et_resp(&T, "354 go\r\n");
	et_req(&T, "Subject: hi\r\nX-Mailer: BadMailer 1.0\r\n\r\nbody\r\n..hidden line\r\n.\r\nQUIT\r\n");
	ET_FIRED_N(&T, 1, 1);
	ET_FIRED_N(&T, 2, 1);	/* ".." unstuffed to "." */
	ET_FIRED_N(&T, 3, 1);
	ET_SILENT(&T, 4);
	/* POP3 */
	et_flow_port(&T, 110);
	et_resp(&T, "+OK POP3 ready\r\n");
	et_req(&T, "USER bob\r\n");
	ET_FIRED(&T, 4);
	/* an SMTP rule does not fire on an unrecognised flow */
	et_flow_port(&T, 25);
	et_req(&T, "RCPT TO:<x>\r\n");
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_tls_buffers)
{
	struct tlsi_eng_tls_info ti = { 0 };
	const uint8_t *certs[1] = { (const uint8_t *)"\x30\x82..evil-cert-der.." };
	uint32_t lens[1] = { 20 };

	et_load(&T, "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"bad.example\"; bsize:11; sid:1;)\n"
		    "alert tls any any -> any any (msg:\"dot\"; flow:to_server; tls.sni; dotprefix; "
		    "content:\".bad.example\"; endswith; sid:2;)\n"
		    "alert tls any any -> any any (msg:\"subj\"; tls.cert_subject; content:\"CN=Evil CA\"; sid:3;)\n"
		    "alert tls any any -> any any (msg:\"der\"; tls.certs; content:\"evil-cert\"; sid:4;)\n"
		    "alert http any any -> any any (msg:\"inner\"; http.uri; content:\"/x\"; sid:5;)\n");
	ti.sni = (const uint8_t *)"bad.example";
	ti.sni_len = 11;
	ti.subject = (const uint8_t *)"C=US, CN=Evil CA";
	ti.subject_len = 16;
	ti.certs = certs;
	ti.cert_lens = lens;
	ti.ncerts = 1;
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_FIRED(&T, 1);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 3);
	ET_FIRED(&T, 4);
	/* then the decrypted stream is HTTP */
	et_req(&T, "GET /x HTTP/1.1\r\n\r\n");
	ET_FIRED(&T, 5);
	et_flow(&T);
	ti.sni = (const uint8_t *)"www.bad.example";
	ti.sni_len = 15;
	ti.subject_len = 0;
	ti.ncerts = 0;
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	et_flow(&T);
	ti.sni = (const uint8_t *)"notbad.example";
	ti.sni_len = 14;
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_SILENT(&T, 2);
}
END_TEST

Suite *engine_http_suite(void)
{
	Suite *s = suite_create("engine-http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_method_detect);
	tcase_add_test(tc, test_request_buffers);
	tcase_add_test(tc, test_uri_evasions);
	tcase_add_test(tc, test_header_evasions);
	tcase_add_test(tc, test_response_transcript);
	tcase_add_test(tc, test_pipelined_requests);
	tcase_add_test(tc, test_head_and_interim);
	tcase_add_test(tc, test_body_until_close);
	tcase_add_test(tc, test_body_relative_across_chunks);
	tcase_add_test(tc, test_framing_anomalies);
	tcase_add_test(tc, test_long_headers);
	tcase_add_test(tc, test_tunnel_and_not_http);
	tcase_add_test(tc, test_body_depth);
	tcase_add_test(tc, test_smtp);
	tcase_add_test(tc, test_tls_buffers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
