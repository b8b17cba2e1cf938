// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TCP / TLS: recognition, the query decoder and dns.query rules.
 * Real Emerging Threats rules (the ET Open snapshot, build/et-open, read
 * at test time) against crafted queries: split at every byte, pipelined, several
 * questions; endswith, bsize, dotprefix, nocase, isdataat; responses;
 * malformed queries; other protocols not taken for DNS.
 */
#include <dirent.h>

#include "engine_harness.h"

static struct et T;

static void teardown(void)
{
	et_free(&T);
}

/* ---- building queries ------------------------------------------------------ */

#define MSG_MAX 2048

struct msg {
	uint8_t b[MSG_MAX];
	size_t len;		/* with the length prefix */
};

static void put8(struct msg *m, unsigned int v)
{
	ck_assert_uint_lt(m->len, MSG_MAX);
	m->b[m->len++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned int v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

/* A name as labels ("a.b.c"; "" is the root). */
static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned int)n);
		ck_assert_uint_lt(m->len + n, MSG_MAX);
		memcpy(m->b + m->len, name, n);
		m->len += n;
		name += n + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void fix_len(struct msg *m)
{
	m->b[0] = (uint8_t)((m->len - 2) >> 8);
	m->b[1] = (uint8_t)(m->len - 2);
}

/* A query (flags: 0x0100, recursion desired) for n names, type A, with
 * arcount additional records' worth of trailing bytes (an EDNS OPT). */
static void query_n(struct msg *m, unsigned int flags, const char *const *names,
		    unsigned int n, unsigned int arcount)
{
	unsigned int i;

	m->len = 2;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, n);
	put16(m, 0);
	put16(m, 0);
	put16(m, arcount);
	for (i = 0; i < n; i++) {
		put_name(m, names[i]);
		put16(m, 1);	/* A */
		put16(m, 1);	/* IN */
	}
	for (i = 0; i < arcount; i++) {
		put8(m, 0);	/* root */
		put16(m, 41);	/* OPT */
		put16(m, 1232);
		put16(m, 0);
		put16(m, 0);
		put16(m, 0);
	}
	fix_len(m);
}

static void query(struct msg *m, const char *name)
{
	query_n(m, 0x0100, &name, 1, 1);
}

static void send_msg(struct et *t, unsigned int dir, const struct msg *m)
{
	et_send(t, dir, m->b, m->len);
}

/* ---- ET rules by sid ------------------------------------------------------- */

/* The enabled ET Open rules with these sids, one per line. */
static char *et_rules(const uint32_t *sids, unsigned int n)
{
	const char *dir = et_open_dir();
	struct dirent **names;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap), line[16384], path[4096 + 512];
	unsigned int found = 0, i;
	int nf, k;

	ck_assert(out);
	nf = scandir(dir, &names, NULL, alphasort);
	ck_assert_msg(nf > 0, "ET Open not found at %s (make et-open, or set TLSI_ET_OPEN)", dir);
	for (k = 0; k < nf; k++) {
		size_t l = strlen(names[k]->d_name);
		FILE *fp;

		if (l > 6 && !strcmp(names[k]->d_name + l - 6, ".rules")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[k]->d_name);
			fp = fopen(path, "r");
			ck_assert(fp);
			while (fgets(line, sizeof(line), fp)) {
				char tag[32];

				if (line[0] == '#')
					continue;
				for (i = 0; i < n; i++) {
					snprintf(tag, sizeof(tag), " sid:%u;", sids[i]);
					if (strstr(line, tag))
						break;
				}
				if (i == n)
					continue;
				ck_assert_uint_lt(len + strlen(line) + 1, cap);
				memcpy(out + len, line, strlen(line));
				len += strlen(line);
				if (out[len - 1] != '\n')
					out[len++] = '\n';
				found++;
			}
			fclose(fp);
		}
		free(names[k]);
	}
	free(names);
	ck_assert_msg(found == n, "found %u of %u ET rules", found, n);
	return out;
}

/* ET rules used below (emerging-*.rules) */
#define SID_URBANVILLAGER	2029107	/* "appsdown.urbanvillager.xyz"; nocase; endswith */
#define SID_HONEYPOC		2034111	/* "honeypoc.io"; endswith (case matters) */
#define SID_DRP_SU		2037895	/* dotprefix; ".drp.su"; nocase; endswith */
#define SID_GDPR		2030014	/* "gdprcountryrestriction.com"; nocase; bsize:26 */
#define SID_RANA		2031309	/* dns_query; "wherisdomaintv.com"; isdataat:!1,relative */
#define SID_TXT_POWERSHELL	2026932	/* raw content in a DNS TXT response */

static void load_et(void)
{
	static const uint32_t sids[] = { SID_URBANVILLAGER, SID_HONEYPOC, SID_DRP_SU,
					 SID_GDPR, SID_RANA, SID_TXT_POWERSHELL };
	char *rules = et_rules(sids, TLSI_ENG_ARRAY_SIZE(sids));

	et_load(&T, rules);
	free(rules);
	et_flow_port(&T, 853);
}

/* One query for name on a new flow; returns whether sid fired. */
static bool fires(uint32_t sid, const char *name)
{
	struct msg m;

	et_flow_port(&T, 853);
	query(&m, name);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_DNS));
	return et_count(&T, sid) > 0;
}

START_TEST(test_et_rules)
{
	load_et();
	ck_assert(fires(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz"));
	ck_assert(fires(SID_URBANVILLAGER, "cdn.APPSDOWN.UrbanVillager.XYZ"));	/* nocase */
	ck_assert(!fires(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz.example"));	/* endswith */
	ck_assert(fires(SID_HONEYPOC, "a.honeypoc.io"));
	ck_assert(!fires(SID_HONEYPOC, "a.HONEYPOC.io"));	/* no nocase */
	ck_assert(fires(SID_DRP_SU, "drp.su"));			/* dotprefix: the whole name */
	ck_assert(fires(SID_DRP_SU, "update.DRP.su"));
	ck_assert(!fires(SID_DRP_SU, "xdrp.su"));
	ck_assert(fires(SID_GDPR, "gdprcountryrestriction.com"));
	ck_assert(!fires(SID_GDPR, "a.gdprcountryrestriction.com"));	/* bsize:26 */
	ck_assert(fires(SID_RANA, "wherisdomaintv.com"));
	ck_assert(!fires(SID_RANA, "wherisdomaintv.com.evil"));	/* isdataat:!1,relative */
	/* the alert names the decoded buffer and the message */
	ck_assert(fires(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz"));
	ck_assert_uint_eq(T.alert_buf[0], TLSI_BUF_DNS_QUERY);
	ck_assert_uint_eq(T.alert_tx[0], 1);
	ck_assert(!T.events);
}
END_TEST

START_TEST(test_split_every_byte)
{
	struct msg m;
	size_t cut;

	load_et();
	query(&m, "www.appsdown.urbanvillager.xyz");
	for (cut = 1; cut < m.len; cut++) {
		et_flow_port(&T, 853);
		et_send(&T, TLSI_DIR_TO_SERVER, m.b, cut);
		et_send(&T, TLSI_DIR_TO_SERVER, m.b + cut, m.len - cut);
		ck_assert_msg(et_count(&T, SID_URBANVILLAGER) == 1, "cut at %zu: alerts %s", cut,
			      et_alert_list(&T));
		ck_assert_msg(!T.events, "cut at %zu: events 0x%x", cut, T.events);
	}
	/* and one byte at a time */
	et_flow_port(&T, 853);
	for (cut = 0; cut < m.len; cut++)
		et_send(&T, TLSI_DIR_TO_SERVER, m.b + cut, 1);
	ET_FIRED_N(&T, SID_URBANVILLAGER, 1);
}
END_TEST

START_TEST(test_pipelined_and_questions)
{
	static const char *const two[] = { "benign.example", "x.honeypoc.io" };
	struct msg a, b, c;
	uint8_t both[2 * MSG_MAX];

	load_et();
	/* two queries in one chunk: both decoded */
	query(&a, "gdprcountryrestriction.com");
	query(&b, "drp.su");
	memcpy(both, a.b, a.len);
	memcpy(both + a.len, b.b, b.len);
	et_flow_port(&T, 853);
	et_send(&T, TLSI_DIR_TO_SERVER, both, a.len + b.len);
	ET_FIRED_N(&T, SID_GDPR, 1);
	ET_FIRED_N(&T, SID_DRP_SU, 1);
	ck_assert_uint_eq(T.f->dns.tx, 2);
	ck_assert_uint_eq(T.alert_tx[1], 2);
	/* the second query split across the chunks */
	et_flow_port(&T, 853);
	et_send(&T, TLSI_DIR_TO_SERVER, both, a.len + 5);
	et_send(&T, TLSI_DIR_TO_SERVER, both + a.len + 5, b.len - 5);
	ET_FIRED_N(&T, SID_GDPR, 1);
	ET_FIRED_N(&T, SID_DRP_SU, 1);
	/* two questions in one message: the second one matches */
	query_n(&c, 0x0100, two, 2, 0);
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &c);
	ET_FIRED_N(&T, SID_HONEYPOC, 1);
	ck_assert(!T.events);
}
END_TEST

START_TEST(test_root_and_custom_rules)
{
	static const char *const root = "";
	struct msg m;

	et_load(&T,
		"alert dns any any -> any any (dns.query; bsize:0; sid:1;)\n"
		"alert dns any any -> any any (dns.query; content:\"a.b\"; startswith; bsize:3; sid:2;)\n"
		"alert dns any any -> any any (content:\"|00 01 00 01|\"; sid:3;)\n"
		"alert tcp any any -> any any (dns.query; content:\"b\"; endswith; sid:4;)\n"
		"drop dns any any -> any any (content:\"|04|evil\"; dns.query; content:\"evil\"; sid:5;)\n");
	query_n(&m, 0x0100, &root, 1, 0);
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ET_FIRED(&T, 1);	/* the root is the empty name */
	ET_SILENT(&T, 2);
	ET_FIRED(&T, 3);	/* raw payload of a dns rule */
	query(&m, "a.b");
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ET_SILENT(&T, 1);
	ET_FIRED(&T, 2);
	ET_FIRED(&T, 4);	/* a tcp rule with dns.query becomes a dns rule */
	ck_assert_int_eq(T.f->verdict, TLSI_ENG_V_CONTINUE);
	query(&m, "evil.example");	/* raw and dns.query in one rule */
	et_flow_port(&T, 853);
	ck_assert_int_eq(et_send(&T, TLSI_DIR_TO_SERVER, m.b, m.len), TLSI_ENG_V_DROP);
	ET_FIRED(&T, 5);
	/* raw content of a dns rule does not apply to a flow that is not DNS */
	et_flow_port(&T, 80);
	et_req(&T, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	et_send(&T, TLSI_DIR_TO_SERVER, "\x00\x01\x00\x01", 4);
	ET_SILENT(&T, 3);
}
END_TEST

START_TEST(test_reload_mid_query)
{
	struct et U;
	struct msg a, b;
	uint8_t both[2 * MSG_MAX];

	/* a new image between two chunks: the decoder keeps its place in the
	 * framing, the rest of the message is matched with the new rules */
	et_load(&T, "alert dns any any -> any any (dns.query; content:\"one\"; sid:1;)\n");
	et_load(&U, "alert dns any any -> any any (dns.query; content:\"two\"; sid:2;)\n");
	query(&a, "one.example");
	query(&b, "two.example");
	memcpy(both, a.b, a.len);
	memcpy(both + a.len, b.b, b.len);
	et_flow_port(&T, 853);
	et_send(&T, TLSI_DIR_TO_SERVER, both, a.len + 7);
	ET_FIRED(&T, 1);
	tlsi_eng_inspect(&U.ctx, T.f, TLSI_DIR_TO_SERVER, both + a.len + 7, b.len - 7);
	ck_assert_msg(et_count(&U, 2) == 1, "after the reload: alerts %s", et_alert_list(&U));
	ck_assert(!U.events);
	et_free(&U);
}
END_TEST

START_TEST(test_set_app)
{
	struct msg m;

	et_load(&T, "alert dns any any -> any any (dns.query; content:\"a.b\"; sid:1;)\n");
	/* a query with a QR-less opcode recognition would refuse (IQUERY),
	 * on a flow the caller declares DNS */
	query_n(&m, 0x0800, (const char *const[]){ "a.b" }, 1, 0);
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
	ET_SILENT(&T, 1);
	et_flow_port(&T, 853);
	tlsi_eng_set_app(T.f, TLSI_APP_DNS);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ET_FIRED(&T, 1);
}
END_TEST

START_TEST(test_responses)
{
	struct msg q, r;
	static const char txt[] = "Zva2UtV21pTWV";
	size_t i;

	load_et();
	/* a response echoes the question: dns.query is about requests */
	query(&q, "appsdown.urbanvillager.xyz");
	r = q;
	r.b[4] |= 0x80;		/* QR */
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &q);
	ET_FIRED_N(&T, SID_URBANVILLAGER, 1);
	send_msg(&T, TLSI_DIR_TO_CLIENT, &r);
	ET_FIRED_N(&T, SID_URBANVILLAGER, 1);
	/* a QR message sent to the server is not a query either */
	et_flow_port(&T, 853);
	tlsi_eng_set_app(T.f, TLSI_APP_DNS);
	send_msg(&T, TLSI_DIR_TO_SERVER, &r);
	ET_SILENT(&T, SID_URBANVILLAGER);
	ck_assert(!T.events);
	/* raw content rules see responses: a TXT answer (ET DNSlivery) */
	query(&q, "t.example");
	q.b[2 + 12 + 11 + 1] = 16;	/* QTYPE TXT */
	r = q;
	r.len -= 11;		/* without the OPT record */
	r.b[4] |= 0x80;
	r.b[13] = 0;		/* arcount */
	r.b[9] = 1;		/* ancount */
	put16(&r, 0xc00c);
	put16(&r, 16);		/* TXT */
	put16(&r, 1);
	put16(&r, 0);
	put16(&r, 60);
	put16(&r, (unsigned int)sizeof(txt));
	put8(&r, sizeof(txt) - 1);
	for (i = 0; i + 1 < sizeof(txt); i++)
		put8(&r, (uint8_t)txt[i]);
	fix_len(&r);
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &q);
	send_msg(&T, TLSI_DIR_TO_CLIENT, &r);
	ET_FIRED(&T, SID_TXT_POWERSHELL);
}
END_TEST

/* A query, then a corruption: the anomaly, no crash, no more decoding. */
static void malformed(const uint8_t *p, size_t n, const char *what)
{
	struct msg good;

	et_flow_port(&T, 853);
	tlsi_eng_set_app(T.f, TLSI_APP_DNS);
	et_send(&T, TLSI_DIR_TO_SERVER, p, n);
	ck_assert_msg(T.events & (1u << TLSI_EV_DNS_MALFORMED), "%s: no anomaly", what);
	/* a good query after it is not decoded any more; raw inspection goes on */
	query(&good, "appsdown.urbanvillager.xyz");
	send_msg(&T, TLSI_DIR_TO_SERVER, &good);
	ck_assert_msg(et_count(&T, SID_URBANVILLAGER) == 0, "%s: decoded after the anomaly",
		      what);
	ck_assert_uint_gt(T.f->dir[TLSI_DIR_TO_SERVER].raw.off, n);
}

START_TEST(test_malformed)
{
	struct msg m;
	uint8_t label64[80];
	size_t i;

	load_et();
	/* the reference: the same query well-formed fires */
	ck_assert(fires(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz"));

	/* length shorter than a header */
	malformed((const uint8_t *)"\x00\x0b" "0123456789a", 13, "length 11");
	/* a label of 64 bytes */
	memset(label64, 'a', sizeof(label64));
	label64[64] = '\0';
	query(&m, (const char *)label64);
	malformed(m.b, m.len, "label 64");
	/* a name of 256 wire bytes: 4 labels of 63 + 4 length octets + root */
	{
		char name[300];
		size_t o = 0;
		unsigned int k;

		for (k = 0; k < 4; k++) {
			if (k)
				name[o++] = '.';
			memset(name + o, 'b', 63);
			o += 63;
		}
		name[o] = '\0';
		query(&m, name);
		malformed(m.b, m.len, "name of 257 bytes");
		/* 253 characters (255 wire bytes) are fine */
		name[o - 2] = '\0';
		et_flow_port(&T, 853);
		query(&m, name);
		send_msg(&T, TLSI_DIR_TO_SERVER, &m);
		ck_assert(!T.events);
	}
	/* a compression pointer in a question */
	query(&m, "x.example");
	m.b[14] = 0xc0;
	m.b[15] = 0x0c;
	malformed(m.b, m.len, "pointer");
	/* qdcount beyond the message: 3 questions announced, one sent */
	query_n(&m, 0x0100, (const char *const[]){ "a.example" }, 1, 0);
	m.b[7] = 3;
	malformed(m.b, m.len, "qdcount");
	/* a question cut by the end of its message */
	query_n(&m, 0x0100, (const char *const[]){ "a.example" }, 1, 0);
	m.len -= 2;
	fix_len(&m);
	malformed(m.b, m.len, "cut question");
	/* a label running past the message */
	query_n(&m, 0x0100, (const char *const[]){ "abcdefgh" }, 1, 0);
	m.b[14] = 40;
	malformed(m.b, m.len, "label past the end");

	/* random garbage after a valid start never reads out of bounds
	 * (ASan/valgrind would tell) and never alerts on dns.query */
	srand(7);
	for (i = 0; i < 2000; i++) {
		uint8_t junk[64];
		size_t k, n = (size_t)(rand() % (int)sizeof(junk)) + 1;

		for (k = 0; k < n; k++)
			junk[k] = (uint8_t)rand();
		et_flow_port(&T, 853);
		tlsi_eng_set_app(T.f, TLSI_APP_DNS);
		et_send(&T, TLSI_DIR_TO_SERVER, junk, n);
		ET_SILENT(&T, SID_URBANVILLAGER);
	}
}
END_TEST

START_TEST(test_detect)
{
	static const uint8_t client_hello[] = {
		0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
		0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	struct msg m;

	query(&m, "www.example.com");
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 16), 1);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 15), 1);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 14), -1);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 2), -1);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_CLIENT, m.b, 16), 0);
	m.b[4] |= 0x80;		/* a response */
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 16), 0);
	m.b[4] &= 0x7f;
	m.b[7] = 0;		/* no question */
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 16), 0);
	m.b[7] = 1;
	m.b[1] = 16;		/* too short for a question */
	m.b[0] = 0;
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, m.b, 16), 0);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER, client_hello, 16), 0);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER,
					 (const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0);
	ck_assert_int_eq(tlsi_dns_detect(TLSI_DIR_TO_SERVER,
					 (const uint8_t *)"EHLO mail.exampl", 16), 0);

	/* through the engine: HTTP, a TLS record, SMTP and a DNS query */
	et_load(&T, "alert dns any any -> any any (content:\"|00|\"; sid:1;)\n");
	et_flow_port(&T, 853);
	et_req(&T, "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_HTTP));
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
	et_flow_port(&T, 853);
	et_send(&T, TLSI_DIR_TO_SERVER, client_hello, sizeof(client_hello));
	et_send(&T, TLSI_DIR_TO_SERVER, client_hello, sizeof(client_hello));
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
	ET_SILENT(&T, 1);
	et_flow_port(&T, 25);
	et_resp(&T, "220 mail.example ESMTP\r\n");
	et_req(&T, "EHLO client.example\r\n");
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_SMTP));
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
	query(&m, "www.example.com");
	et_flow_port(&T, 853);
	send_msg(&T, TLSI_DIR_TO_SERVER, &m);
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_DNS));
	ET_FIRED(&T, 1);
	/* the length prefix alone first, as some clients write it */
	et_flow_port(&T, 853);
	et_send(&T, TLSI_DIR_TO_SERVER, m.b, 2);
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
	et_send(&T, TLSI_DIR_TO_SERVER, m.b + 2, m.len - 2);
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_DNS));
}
END_TEST

/* DNS over UDP: each datagram one message without the length prefix
 * (tlsi_eng_set_datagram(), the kernel's per-datagram host). */
static bool fires_datagram(uint32_t sid, const char *name)
{
	struct msg m;

	et_flow_port(&T, 53);
	tlsi_eng_set_datagram(T.f);
	query(&m, name);
	et_send(&T, TLSI_DIR_TO_SERVER, m.b + 2, m.len - 2);
	ck_assert(T.f->apps & TLSI_APPS(TLSI_APP_DNS));
	return et_count(&T, sid) > 0;
}

START_TEST(test_datagram)
{
	struct msg m;

	load_et();
	ck_assert(fires_datagram(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz"));
	ck_assert(fires_datagram(SID_URBANVILLAGER, "cdn.APPSDOWN.UrbanVillager.XYZ"));
	ck_assert(!fires_datagram(SID_URBANVILLAGER, "appsdown.urbanvillager.xyz.example"));
	ck_assert(fires_datagram(SID_GDPR, "gdprcountryrestriction.com"));	/* bsize */
	ck_assert(fires_datagram(SID_RANA, "wherisdomaintv.com"));	/* isdataat:!1 */
	/* with the prefix, a datagram is not a DNS query */
	et_flow_port(&T, 53);
	tlsi_eng_set_datagram(T.f);
	query(&m, "appsdown.urbanvillager.xyz");
	et_send(&T, TLSI_DIR_TO_SERVER, m.b, m.len);
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)) ||
		  !et_count(&T, SID_URBANVILLAGER));
	/* an HTTP request in a datagram is not DNS */
	et_flow_port(&T, 53);
	tlsi_eng_set_datagram(T.f);
	et_send(&T, TLSI_DIR_TO_SERVER, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);
	ck_assert(!(T.f->apps & TLSI_APPS(TLSI_APP_DNS)));
}
END_TEST

START_TEST(test_flow_size)
{
	/* the decoder's state is small and bounded (Documentation/engine.md) */
	ck_assert_uint_le(sizeof(struct tlsi_dns_req), 288);
	printf("struct tlsi_dns_req: %zu bytes, struct tlsi_eng_flow: %zu bytes\n",
	       sizeof(struct tlsi_dns_req), TLSI_ENG_FLOW_SIZE);
}
END_TEST

Suite *engine_dns_suite(void)
{
	Suite *s = suite_create("engine-dns");
	TCase *tc = tcase_create("dns");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_et_rules);
	tcase_add_test(tc, test_split_every_byte);
	tcase_add_test(tc, test_pipelined_and_questions);
	tcase_add_test(tc, test_root_and_custom_rules);
	tcase_add_test(tc, test_reload_mid_query);
	tcase_add_test(tc, test_set_app);
	tcase_add_test(tc, test_responses);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_detect);
	tcase_add_test(tc, test_datagram);
	suite_add_tcase(s, tc);
	tc = tcase_create("memory");
	tcase_add_test(tc, test_flow_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
