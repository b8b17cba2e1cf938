// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/eve.c (Suricata EVE alert records) and of
 * engine/http_meta.h (what alerts report of HTTP messages), both shared by
 * tlsi.ko's IPS events and tlsictl.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eve.h"
#include "http_meta.h"

static char *buf;
static size_t len;
static FILE *f;

static void open_buf(void)
{
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
}

static const char *close_buf(void)
{
	fclose(f);
	return buf;
}

START_TEST(test_timestamp)
{
	char ts[40];

	eve_timestamp(1700000000123456789ull, ts, sizeof(ts));
	ck_assert_str_eq(ts, "2023-11-14T22:13:20.123456+0000");
	eve_timestamp(1000, ts, sizeof(ts));
	ck_assert_str_eq(ts, "1970-01-01T00:00:00.000001+0000");
	eve_timestamp(0, ts, sizeof(ts));	/* now */
	ck_assert_uint_eq(strlen(ts), 31);
	ck_assert_str_eq(ts + 26, "+0000");
}
END_TEST

START_TEST(test_full_record)
{
	struct eve_alert a;

	eve_alert_init(&a);
	a.ts_ns = 1700000000000000000ull;
	a.flow_id = 1234567890123ull;
	a.src_ip = "10.9.0.1";
	a.src_port = 40000;
	a.dest_ip = "10.9.0.2";
	a.dest_port = 443;
	a.app_proto = "http";
	a.direction = "to_server";
	a.blocked = true;
	a.gid = 1;
	a.sid = 2017807;
	a.rev = 4;
	a.signature = "ET WEB_SERVER Possible \"SQLi\"";
	a.category = "web-application-attack";
	a.severity = 1;
	a.http_hostname = "site.test";
	a.http_url = "/i.php?id=1";
	a.http_method = "GET";
	a.http_user_agent = "curl/7.88.1";
	a.http_status = 200;
	a.tls_sni = "site.test";
	a.ssl_inspected = 1;
	a.quarantined = true;
	a.quarantine_timeout = 600;
	open_buf();
	eve_write(f, &a);
	ck_assert_str_eq(close_buf(),
		"{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"flow_id\":1234567890123,"
		"\"event_type\":\"alert\",\"src_ip\":\"10.9.0.1\",\"src_port\":40000,"
		"\"dest_ip\":\"10.9.0.2\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"http\","
		"\"direction\":\"to_server\",\"alert\":{\"action\":\"blocked\",\"gid\":1,"
		"\"signature_id\":2017807,\"rev\":4,\"signature\":\"ET WEB_SERVER Possible \\\"SQLi\\\"\","
		"\"category\":\"web-application-attack\",\"severity\":1},"
		"\"http\":{\"hostname\":\"site.test\",\"url\":\"/i.php?id=1\","
		"\"http_user_agent\":\"curl/7.88.1\",\"http_method\":\"GET\",\"status\":200},"
		"\"tls\":{\"sni\":\"site.test\"},\"ssl_inspected\":true,"
		"\"tlsi\":{\"quarantined\":true,\"quarantine_timeout\":600}}\n");
}
END_TEST

START_TEST(test_minimal_record)
{
	struct eve_alert a;

	eve_alert_init(&a);
	a.ts_ns = 1700000000000000000ull;
	a.sid = 9;
	a.ssl_inspected = 0;
	a.stream_offset = 0;
	a.tx_id = 3;
	a.buffer = "http.uri";
	open_buf();
	eve_write(f, &a);
	ck_assert_str_eq(close_buf(),
		"{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"event_type\":\"alert\","
		"\"src_port\":0,\"dest_port\":0,\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\","
		"\"gid\":0,\"signature_id\":9,\"rev\":0,\"signature\":\"\",\"category\":\"\","
		"\"severity\":0},\"ssl_inspected\":false,\"buffer\":\"http.uri\","
		"\"stream_offset\":0,\"tx_id\":3}\n");
}
END_TEST

static char *field(const uint8_t *p, uint32_t n)
{
	static char out[4][256];
	static int k;

	k = (k + 1) % 4;
	if (!p)
		return strcpy(out[k], "(null)");
	snprintf(out[k], sizeof(out[k]), "%.*s", (int)n, (const char *)p);
	return out[k];
}

static struct tlsi_http_meta req(const char *head)
{
	struct tlsi_http_meta m = { 0 };

	tlsi_http_meta_request((const uint8_t *)head, (uint32_t)strlen(head), &m);
	return m;
}

START_TEST(test_http_request)
{
	struct tlsi_http_meta m;

	m = req("GET /a/b?c=d HTTP/1.1\r\nHost: Site.Test:8443\r\nUser-Agent:  curl/8  \r\n\r\n");
	ck_assert_str_eq(field(m.method, m.method_len), "GET");
	ck_assert_str_eq(field(m.url, m.url_len), "/a/b?c=d");
	ck_assert_str_eq(field(m.protocol, m.protocol_len), "HTTP/1.1");
	ck_assert_str_eq(field(m.host, m.host_len), "Site.Test");
	ck_assert_str_eq(field(m.ua, m.ua_len), "curl/8");

	/* names in any case, blanks before the colon, LF-only lines */
	m = req("\r\nPOST http://x/y HTTP/1.0\nuser-AGENT : a b\nhOsT:h\n\nHost: later\n");
	ck_assert_str_eq(field(m.method, m.method_len), "POST");
	ck_assert_str_eq(field(m.url, m.url_len), "http://x/y");
	ck_assert_str_eq(field(m.host, m.host_len), "h");
	ck_assert_str_eq(field(m.ua, m.ua_len), "a b");

	/* IPv6 literal: the port goes, the address's colons stay */
	m = req("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
	ck_assert_str_eq(field(m.host, m.host_len), "[::1]");
	m = req("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n");
	ck_assert_str_eq(field(m.host, m.host_len), "[::1]");
	m = req("GET / HTTP/1.1\r\nHost: :80\r\n\r\n");
	ck_assert_str_eq(field(m.host, m.host_len), "");

	/* no headers after the blank line count; missing ones stay NULL */
	m = req("GET / HTTP/1.1\r\n\r\nHost: smuggled\r\n");
	ck_assert_ptr_null(m.host);
	ck_assert_ptr_null(m.ua);
	/* truncated heads: whatever is complete */
	m = req("GET /trunc");
	ck_assert_str_eq(field(m.method, m.method_len), "GET");
	ck_assert_str_eq(field(m.url, m.url_len), "/trunc");
	ck_assert_uint_eq(m.protocol_len, 0);
	m = req("GET");
	ck_assert_ptr_null(m.method);
	m = req("");
	ck_assert_ptr_null(m.method);
	m = req("GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent");
	ck_assert_str_eq(field(m.host, m.host_len), "a");
	ck_assert_ptr_null(m.ua);
}
END_TEST

START_TEST(test_http_request_every_prefix)
{
	static const char head[] = "GET /p?q HTTP/1.1\r\nHost: h:1\r\nUser-Agent: u\r\n\r\n";
	uint32_t n;

	/* every prefix parses without reading past it (ASan/valgrind) */
	for (n = 0; n <= sizeof(head) - 1; n++) {
		struct tlsi_http_meta m = { 0 };
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, head, n);
		tlsi_http_meta_request(copy, n, &m);
		if (m.host)
			ck_assert(m.host + m.host_len <= copy + n);
		if (m.ua)
			ck_assert(m.ua + m.ua_len <= copy + n);
		if (m.url)
			ck_assert(m.url + m.url_len <= copy + n);
		tlsi_http_meta_status(copy, n);
		free(copy);
	}
}
END_TEST

START_TEST(test_http_status)
{
#define ST(s) tlsi_http_meta_status((const uint8_t *)(s), (uint32_t)strlen(s))
	ck_assert_uint_eq(ST("HTTP/1.1 200 OK\r\n\r\n"), 200);
	ck_assert_uint_eq(ST("\r\nHTTP/1.0 404\r\n"), 404);
	ck_assert_uint_eq(ST("http/1.1  301 Moved\r\n"), 301);
	ck_assert_uint_eq(ST("HTTP/1.1 20"), 0);
	ck_assert_uint_eq(ST("HTTP/1.1 abc"), 0);
	ck_assert_uint_eq(ST("GET / HTTP/1.1\r\n"), 0);
	ck_assert_uint_eq(ST(""), 0);
	ck_assert_uint_eq(ST("HTTP"), 0);
#undef ST
}
END_TEST

static Suite *eve_suite(void)
{
	Suite *s = suite_create("eve");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_timestamp);
	tcase_add_test(tc, test_full_record);
	tcase_add_test(tc, test_minimal_record);
	tcase_add_test(tc, test_http_request);
	tcase_add_test(tc, test_http_request_every_prefix);
	tcase_add_test(tc, test_http_status);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(eve_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
