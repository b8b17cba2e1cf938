// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/eve.c (Suricata EVE alert records), of
 * userspace/lib/eve_kernel.c (the kernel's events as EVE records and the log
 * each goes to, as tlslogd and tlsictl monitor write them) and of
 * engine/http_meta.h (what alerts report of HTTP messages), both shared by
 * tlsi.ko's IPS events and tlsictl.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "eve.h"
#include "http_meta.h"
#include "nl.h"

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

/* ---- kernel events (eve_kernel.c) ----------------------------------- */

static char msgbuf[4096];

static struct nlmsghdr *event_begin(uint8_t type, uint8_t table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msgbuf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = TLSI_CMD_EVENT;
	mnl_attr_put_u8(nlh, TLSI_A_EVENT_TYPE, type);
	mnl_attr_put_u8(nlh, TLSI_A_TABLE, table);
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const char *ip)
{
	struct tlsi_cidr c = { .family = AF_INET, .plen = 32 };

	if (strchr(ip, ':')) {
		c.family = AF_INET6;
		c.plen = 128;
	}
	/* network byte order, as on the wire */
	ck_assert_int_eq(inet_pton(c.family, ip, c.addr), 1);
	tlsi_nl_put_cidr(nlh, type, &c);
}

/* The record without its "timestamp" (the time of writing) into out. */
static int event_record(struct nlmsghdr *nlh, char *out, size_t outlen)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	const char *rec, *rest;
	int log;

	ck_assert_int_eq(tlsi_nl_parse(nlh, tb), 0);
	open_buf();
	log = eve_write_kernel_event(f, tb);
	rec = close_buf();
	rest = strstr(rec, "+0000\",");
	if (!strncmp(rec, "{\"timestamp\":\"", 14) && rest)
		snprintf(out, outlen, "%s", rest + 7);
	else
		snprintf(out, outlen, "%s", rec);
	return log;
}

START_TEST(test_kernel_tm_block)
{
	struct nlmsghdr *nlh = event_begin(TLSI_EVENT_BLOCK, TLSI_TABLE_TM);
	char rec[2048];

	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	put_addr(nlh, TLSI_A_DST, "10.9.0.2");
	mnl_attr_put_u8(nlh, TLSI_A_PROTO, 6);
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, 8081);
	mnl_attr_put_u16(nlh, TLSI_A_VLAN, 7);
	mnl_attr_put_strz(nlh, TLSI_A_NAME, "no-8081");
	mnl_attr_put_strz(nlh, TLSI_A_SEGMENT, "seg1");
	mnl_attr_put_strz(nlh, TLSI_A_PROFILE, "p1");
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_BLOCK);
	ck_assert_str_eq(rec, "\"event_type\":\"alert\",\"src_ip\":\"10.9.0.1\",\"src_port\":40000,"
		"\"dest_ip\":\"10.9.0.2\",\"dest_port\":8081,\"proto\":\"TCP\",\"vlan\":[7],"
		"\"alert\":{\"action\":\"blocked\",\"signature\":\"traffic management filter no-8081\","
		"\"category\":\"tm\"},\"ssl_inspected\":false,\"tlsi\":{\"table\":\"tm\","
		"\"rule\":\"no-8081\",\"segment\":\"seg1\",\"profile\":\"p1\"}}\n");
}
END_TEST

/* IPv6 hosts in RFC 5952 form. */
START_TEST(test_kernel_tm_block_ipv6)
{
	struct nlmsghdr *nlh = event_begin(TLSI_EVENT_BLOCK, TLSI_TABLE_TM);
	char rec[2048];

	put_addr(nlh, TLSI_A_SRC, "2001:DB8:0:0::1");
	put_addr(nlh, TLSI_A_DST, "2001:db8::2");
	mnl_attr_put_u8(nlh, TLSI_A_PROTO, 6);
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, 8081);
	mnl_attr_put_strz(nlh, TLSI_A_NAME, "v6");
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_BLOCK);
	ck_assert_msg(strstr(rec, "\"src_ip\":\"2001:db8::1\",\"src_port\":40000,"
				  "\"dest_ip\":\"2001:db8::2\"") != NULL, "%s", rec);
}
END_TEST

START_TEST(test_kernel_reputation_alert)
{
	struct nlmsghdr *nlh = event_begin(TLSI_EVENT_ALERT, TLSI_TABLE_REPUTATION);
	char rec[2048];

	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	put_addr(nlh, TLSI_A_DST, "10.9.0.2");
	mnl_attr_put_u8(nlh, TLSI_A_PROTO, 17);
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, 5000);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, 53);
	mnl_attr_put_u8(nlh, TLSI_A_SCORE, 60);
	mnl_attr_put_strz(nlh, TLSI_A_CATEGORY, "scanner \"x\"");
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_ALERT);
	ck_assert_str_eq(rec, "\"event_type\":\"alert\",\"src_ip\":\"10.9.0.1\",\"src_port\":5000,"
		"\"dest_ip\":\"10.9.0.2\",\"dest_port\":53,\"proto\":\"UDP\","
		"\"alert\":{\"action\":\"allowed\",\"signature\":\"reputation score 60 category "
		"scanner \\\"x\\\"\",\"category\":\"reputation\"},\"ssl_inspected\":false,"
		"\"tlsi\":{\"table\":\"reputation\",\"score\":60,\"category\":\"scanner \\\"x\\\"\"}}\n");
}
END_TEST

START_TEST(test_kernel_quarantine)
{
	struct nlmsghdr *nlh;
	char rec[2048];

	/* added: the host, no destination */
	nlh = event_begin(TLSI_EVENT_QUARANTINE, TLSI_TABLE_QUARANTINE);
	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	mnl_attr_put_strz(nlh, TLSI_A_REASON, "infected");
	mnl_attr_put_u32(nlh, TLSI_A_TIMEOUT, 15);
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_QUARANTINE);
	ck_assert_str_eq(rec, "\"event_type\":\"tlsi_quarantine\",\"src_ip\":\"10.9.0.1\","
		"\"tlsi_quarantine\":{\"event\":\"added\",\"reason\":\"infected\",\"timeout\":15}}\n");
	/* expired */
	nlh = event_begin(TLSI_EVENT_QUARANTINE_EXPIRED, TLSI_TABLE_QUARANTINE);
	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	mnl_attr_put_strz(nlh, TLSI_A_REASON, "infected");
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_QUARANTINE);
	ck_assert_str_eq(rec, "\"event_type\":\"tlsi_quarantine\",\"src_ip\":\"10.9.0.1\","
		"\"tlsi_quarantine\":{\"event\":\"expired\",\"reason\":\"infected\"}}\n");
	/* a flow blocked by it */
	nlh = event_begin(TLSI_EVENT_BLOCK, TLSI_TABLE_QUARANTINE);
	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	put_addr(nlh, TLSI_A_DST, "10.9.0.2");
	mnl_attr_put_u8(nlh, TLSI_A_PROTO, 1);
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_QUARANTINE);
	ck_assert_str_eq(rec, "\"event_type\":\"tlsi_quarantine\",\"src_ip\":\"10.9.0.1\","
		"\"dest_ip\":\"10.9.0.2\",\"proto\":\"ICMP\",\"tlsi_quarantine\":{\"event\":\"hit\","
		"\"action\":\"blocked\"}}\n");
}
END_TEST

START_TEST(test_kernel_ssl_and_ips)
{
	struct nlmsghdr *nlh;
	char rec[2048];

	nlh = event_begin(TLSI_EVENT_BLOCK, TLSI_TABLE_SSL);
	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	put_addr(nlh, TLSI_A_DST, "10.9.0.2");
	mnl_attr_put_u8(nlh, TLSI_A_PROTO, 6);
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, 1);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, 443);
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_SSL);
	ck_assert_str_eq(rec, "\"event_type\":\"tlsi_ssl\",\"src_ip\":\"10.9.0.1\",\"src_port\":1,"
		"\"dest_ip\":\"10.9.0.2\",\"dest_port\":443,\"proto\":\"TCP\",\"tlsi_ssl\":"
		"{\"result\":\"blocked\",\"reason\":\"no SSL inspection daemon\"}}\n");

	/* IPS alerts: blocked ones go to the block log, with ssl_inspected */
	nlh = event_begin(TLSI_EVENT_IPS_ALERT, TLSI_TABLE_IPS);
	put_addr(nlh, TLSI_A_SRC, "10.9.0.1");
	put_addr(nlh, TLSI_A_DST, "10.9.0.2");
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, 443);
	mnl_attr_put_u32(nlh, TLSI_A_SID, 9200001);
	mnl_attr_put_u32(nlh, TLSI_A_GID, 1);
	mnl_attr_put_u32(nlh, TLSI_A_REV, 2);
	mnl_attr_put_u8(nlh, TLSI_A_BLOCKED, 1);
	mnl_attr_put_u8(nlh, TLSI_A_SSL_INSPECTED, 1);
	mnl_attr_put_u64(nlh, TLSI_A_TIMESTAMP, 1700000000000000000ull);
	mnl_attr_put_strz(nlh, TLSI_A_MSG, "block me");
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_BLOCK);
	ck_assert_ptr_nonnull(strstr(rec, "\"alert\":{\"action\":\"blocked\",\"gid\":1,"
				      "\"signature_id\":9200001,\"rev\":2,\"signature\":\"block me\""));
	ck_assert_ptr_nonnull(strstr(rec, "\"ssl_inspected\":true"));
	nlh = event_begin(TLSI_EVENT_IPS_ALERT, TLSI_TABLE_IPS);
	mnl_attr_put_u32(nlh, TLSI_A_SID, 5);
	mnl_attr_put_u8(nlh, TLSI_A_SSL_INSPECTED, 0);
	ck_assert_int_eq(event_record(nlh, rec, sizeof(rec)), EVE_LOG_ALERT);
	ck_assert_ptr_nonnull(strstr(rec, "\"ssl_inspected\":false"));
}
END_TEST

START_TEST(test_kernel_untyped_and_names)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msgbuf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	int i;

	g->cmd = TLSI_CMD_EVENT;
	ck_assert_int_eq(tlsi_nl_parse(nlh, tb), 0);
	open_buf();
	ck_assert_int_eq(eve_write_kernel_event(f, tb), -1);
	ck_assert_str_eq(close_buf(), "");
	for (i = 0; i < __EVE_LOG_MAX; i++)
		ck_assert_int_eq(eve_log_from_name(eve_log_name(i)), i);
	ck_assert_int_eq(eve_log_from_name("blocks"), -1);
	ck_assert_ptr_null(eve_log_name(__EVE_LOG_MAX));
}
END_TEST

START_TEST(test_system_record)
{
	open_buf();
	eve_write_system(f, 1700000000123456789ull, "tlsid", "warning",
			 "certificate `a\nb' expires");
	ck_assert_str_eq(close_buf(), "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\","
		"\"event_type\":\"tlsi_system\",\"tlsi_system\":{\"source\":\"tlsid\","
		"\"severity\":\"warning\",\"message\":\"certificate `a\\nb' expires\"}}\n");
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
	tcase_add_test(tc, test_kernel_tm_block);
	tcase_add_test(tc, test_kernel_tm_block_ipv6);
	tcase_add_test(tc, test_kernel_reputation_alert);
	tcase_add_test(tc, test_kernel_quarantine);
	tcase_add_test(tc, test_kernel_ssl_and_ips);
	tcase_add_test(tc, test_kernel_untyped_and_names);
	tcase_add_test(tc, test_system_record);
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
