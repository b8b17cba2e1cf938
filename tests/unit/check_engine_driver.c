// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's session driver (engine/driver.h) through a fake host: rules
 * compiled by the userspace compiler, a session driven chunk by chunk in
 * both directions, and the host's operations recorded: alerts (raw-stream
 * ones deferred to the end of their call, with the request decoded),
 * sticky blocks, passes, quarantine by rule metadata and by setting, trace
 * selection, the TLS step, the end of a session, depth and protocol
 * anomalies counted, per-rule hits/alerts/drops adding up with the
 * counters, per-image tables and their allocation failures.
 */
#include "engine_harness.h"
#include "driver.h"
#include <uapi/linux/tlsi.h>

#define MAX_SEEN 64

struct seen_alert {
	uint32_t sid;
	uint8_t dir, buf, blocked;
	uint32_t quarantine;
	char url[64];
	char app[8];
	uint16_t status;
};

struct fake {
	struct et t;			/* the compiled rules (t.img) */
	struct tlsi_drv_image im;
	struct tlsi_drv_call c;
	struct tlsi_eng_scratch *s;
	struct tlsi_drv_flow df;
	uint64_t counts[TLSI_DRV_C_MAX];	/* this session's */
	uint64_t all_counts[TLSI_DRV_C_MAX];	/* since load() */
	unsigned int all_alerts, all_blocked;
	struct seen_alert alerts[MAX_SEEN];
	unsigned int nalerts;
	unsigned int nquar;
	uint32_t quar_seconds;
	char quar_reason[TLSI_DRV_REASON_MAX];
	int quar_rc;			/* what the quarantine op returns */
	unsigned int ntrace_start, ntrace_data, ntrace_end;
	uint32_t trace_sid;
	unsigned int trace_dir;
	size_t trace_len;		/* the chunk given to trace_start */
	bool trace_refuse;
	uint64_t trace_bytes[TLSI_DIRS];
	unsigned int ntls_info, ntls_put;
	const char *sni;
	int scratch_held;
	uint64_t now;
};

static struct fake F;
static unsigned int allocs, frees, fail_alloc_at, nresched;

static void f_alert(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a)
{
	struct seen_alert *s;
	struct tlsi_http_meta m;
	const char *app = tlsi_drv_app_name(c->df);

	ck_assert_ptr_eq(c, &F.c);
	/* decoded buffers' alerts come during the engine call */
	if (a->buf != TLSI_BUF_RAW)
		ck_assert_int_eq(F.scratch_held, 1);
	F.all_alerts++;
	F.all_blocked += a->blocked;
	if (F.nalerts == MAX_SEEN)
		return;
	s = &F.alerts[F.nalerts++];
	s->sid = le32v(a->r->sid);
	s->dir = a->dir;
	s->buf = a->buf;
	s->blocked = a->blocked;
	s->quarantine = a->quarantine;
	tlsi_drv_http_meta(c->df, a->dir, &m);
	if (m.url)
		snprintf(s->url, sizeof(s->url), "%.*s", (int)m.url_len, (const char *)m.url);
	snprintf(s->app, sizeof(s->app), "%s", app ? app : "-");
	s->status = m.status;
}

static int f_quarantine(struct tlsi_drv_call *c, uint32_t seconds, const char *reason)
{
	ck_assert_int_eq(F.scratch_held, 0);	/* hosts may sleep here */
	F.nquar++;
	F.quar_seconds = seconds;
	snprintf(F.quar_reason, sizeof(F.quar_reason), "%s", reason);
	return F.quar_rc;
}

static bool f_trace_start(struct tlsi_drv_call *c, uint32_t sid, unsigned int dir, size_t len)
{
	F.ntrace_start++;
	F.trace_sid = sid;
	F.trace_dir = dir;
	F.trace_len = len;
	return !F.trace_refuse;
}

static void f_trace_data(struct tlsi_drv_call *c, unsigned int dir, const uint8_t *data,
			 size_t len)
{
	F.ntrace_data++;
	F.trace_bytes[dir] += len;
}

static void f_trace_end(struct tlsi_drv_call *c)
{
	F.ntrace_end++;
}

static void f_tls_info(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti)
{
	F.ntls_info++;
	if (F.sni) {
		ti->sni = (const uint8_t *)F.sni;
		ti->sni_len = (uint32_t)strlen(F.sni);
	}
}

static void f_tls_put(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti)
{
	F.ntls_put++;
}

static void f_count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n)
{
	ck_assert_int_lt(what, TLSI_DRV_C_MAX);
	F.counts[what] += n;
	F.all_counts[what] += n;
}

static uint64_t f_now(struct tlsi_drv_call *c)
{
	return F.now;
}

static struct tlsi_eng_scratch *f_scratch_get(struct tlsi_drv_call *c)
{
	ck_assert_int_eq(F.scratch_held, 0);
	F.scratch_held = 1;
	return F.s;
}

static void f_scratch_put(struct tlsi_drv_call *c, struct tlsi_eng_scratch *s)
{
	ck_assert_ptr_eq(s, F.s);
	F.scratch_held = 0;
}

static void f_resched(void)
{
	nresched++;
}

static void *f_zalloc(size_t n, size_t size)
{
	if (fail_alloc_at && ++allocs == fail_alloc_at)
		return NULL;
	if (!fail_alloc_at)
		allocs++;
	return calloc(n, size);
}

static void f_free(void *p)
{
	if (p)
		frees++;
	free(p);
}

static const struct tlsi_drv_ops fake_ops = {
	.alert = f_alert,
	.quarantine = f_quarantine,
	.trace_start = f_trace_start,
	.trace_data = f_trace_data,
	.trace_end = f_trace_end,
	.tls_info = f_tls_info,
	.tls_put = f_tls_put,
	.count = f_count,
	.now_ms = f_now,
	.scratch_get = f_scratch_get,
	.scratch_put = f_scratch_put,
	.resched = f_resched,
	.zalloc = f_zalloc,
	.free = f_free,
};

/* A new session 10.0.0.1:40000 -> 192.0.2.1:80, records cleared. */
static void new_flow(unsigned int flags)
{
	static const uint8_t c4[4] = { 10, 0, 0, 1 }, s4[4] = { 192, 0, 2, 1 };
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_drv_flow_init(&F.df, ca, 40000, sa, 80, 0x123456789abcdefULL, flags);
	memset(F.counts, 0, sizeof(F.counts));
	F.nalerts = F.nquar = F.ntrace_start = F.ntrace_data = F.ntrace_end = 0;
	F.ntls_info = F.ntls_put = 0;
	memset(F.trace_bytes, 0, sizeof(F.trace_bytes));
}

/* Compile rules and set up the host around them. */
static void load(const char *rules)
{
	char err[512];

	memset(&F, 0, sizeof(F));
	et_load(&F.t, rules);
	allocs = frees = fail_alloc_at = nresched = 0;
	ck_assert_msg(tlsi_drv_image_init(&F.im, &fake_ops, F.t.img, F.t.len, err,
					  sizeof(err)) == 0, "image: %s", err);
	F.s = calloc(1, tlsi_eng_scratch_size(&F.im.eng));
	ck_assert_ptr_nonnull(F.s);
	F.c.ops = &fake_ops;
	F.c.im = &F.im;
	new_flow(0);
}

static void teardown(void)
{
	tlsi_drv_image_free(&F.im, &fake_ops);
	ck_assert_uint_eq(allocs, frees);
	free(F.s);
	et_free(&F.t);
}

static bool send(unsigned int dir, const char *s)
{
	return tlsi_drv_data(&F.c, &F.df, dir, (const uint8_t *)s, strlen(s));
}

static bool req(const char *s)
{
	return send(TLSI_DIR_TO_SERVER, s);
}

static bool resp(const char *s)
{
	return send(TLSI_DIR_TO_CLIENT, s);
}

static unsigned int fired(uint32_t sid)
{
	unsigned int i, n = 0;

	for (i = 0; i < F.nalerts; i++)
		n += F.alerts[i].sid == sid;
	return n;
}

static const struct seen_alert *alert_of(uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < F.nalerts; i++)
		if (F.alerts[i].sid == sid)
			return &F.alerts[i];
	ck_abort_msg("sid %u did not fire", sid);
	return NULL;
}

/* The image index of sid. */
static uint32_t rule_of(uint32_t sid)
{
	uint32_t i;

	for (i = 0; i < F.im.eng.nrules; i++)
		if (le32v(F.im.eng.rules[i].sid) == sid)
			return i;
	ck_abort_msg("no rule with sid %u", sid);
	return 0;
}

/* Per-rule alerts add up to the ALERTS counter and to the alerts the host
 * saw, drops to the blocking ones, and every alert was also a hit. */
static void counters_add_up(void)
{
	uint64_t alerts = 0, drops = 0;
	uint32_t i;

	for (i = 0; i < F.im.eng.nrules; i++) {
		ck_assert_uint_ge(F.im.hits[i], F.im.alerts[i]);
		ck_assert_uint_le(F.im.drops[i], F.im.alerts[i]);
		alerts += F.im.alerts[i];
		drops += F.im.drops[i];
	}
	ck_assert_uint_eq(alerts, F.all_counts[TLSI_DRV_C_ALERTS]);
	ck_assert_uint_eq(alerts, F.all_alerts);
	ck_assert_uint_eq(drops, F.all_blocked);
}

#define REQ "GET /admin/login.php?id=1 HTTP/1.1\r\nHost: site.test\r\nUser-Agent: t\r\n\r\n"
#define RESP "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope\n"

/* ---- alerts, both directions, counters ------------------------------------------- */

START_TEST(test_alerts_both_directions)
{
	load("alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin/\"; sid:1;)\n"
	     "alert http any any -> any any (msg:\"status\"; http.stat_code; content:\"404\"; sid:2;)\n"
	     "alert http any any -> any any (msg:\"body\"; flow:to_client; file.data; content:\"nope\"; sid:3;)\n"
	     "alert http any any -> any any (msg:\"never\"; http.uri; content:\"/nothere\"; sid:4;)\n");
	ck_assert(!req(REQ));
	ck_assert_uint_eq(fired(1), 1);
	ck_assert_int_eq(alert_of(1)->dir, TLSI_DIR_TO_SERVER);
	ck_assert_str_eq(alert_of(1)->url, "/admin/login.php?id=1");
	ck_assert_str_eq(alert_of(1)->app, "http");
	ck_assert(!resp(RESP));
	ck_assert_uint_eq(fired(2), 1);
	ck_assert_uint_eq(fired(3), 1);
	ck_assert_int_eq(alert_of(2)->dir, TLSI_DIR_TO_CLIENT);
	ck_assert_uint_eq(alert_of(2)->status, 404);
	ck_assert_str_eq(alert_of(2)->url, "/admin/login.php?id=1");
	ck_assert_uint_eq(fired(4), 0);
	ck_assert_uint_eq(F.df.seen[TLSI_DIR_TO_SERVER], strlen(REQ));
	ck_assert_uint_eq(F.df.seen[TLSI_DIR_TO_CLIENT], strlen(RESP));
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BYTES], strlen(REQ) + strlen(RESP));
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 0);
	ck_assert_uint_eq(F.im.alerts[rule_of(1)], 1);
	ck_assert_uint_eq(F.im.alerts[rule_of(4)], 0);
	ck_assert_uint_eq(F.im.hits[rule_of(4)], 0);
	counters_add_up();
	/* a second session adds to the same per-rule counters */
	new_flow(0);
	ck_assert(!req(REQ));
	ck_assert_uint_eq(F.im.alerts[rule_of(1)], 2);
	ck_assert_uint_eq(F.im.hits[rule_of(1)], 2);
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_int_eq(F.scratch_held, 0);
	/* stats reset, and a rewrite of the same rules keeps them */
	{
		struct tlsi_drv_image copy;
		char err[256];

		ck_assert_int_eq(tlsi_drv_image_init(&copy, &fake_ops, F.t.img, F.t.len, err,
						     sizeof(err)), 0);
		tlsi_drv_image_copy_counters(&copy, &F.im, &fake_ops);
		ck_assert_uint_eq(copy.alerts[rule_of(1)], 2);
		ck_assert_uint_eq(copy.alerts[rule_of(2)], 1);
		tlsi_drv_image_reset_counters(&copy, &fake_ops);
		ck_assert_uint_eq(copy.alerts[rule_of(1)], 0);
		ck_assert_uint_eq(copy.hits[rule_of(1)], 0);
		tlsi_drv_image_free(&copy, &fake_ops);
	}
}
END_TEST

/* ---- raw-stream alerts after the call ------------------------------------------------ */

START_TEST(test_raw_alerts_deferred)
{
	load("alert tcp any any -> any any (msg:\"raw\"; content:\"login.php\"; sid:10;)\n"
	     "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"login.php\"; sid:11;)\n");
	ck_assert(!req(REQ));
	ck_assert_uint_eq(F.nalerts, 2);
	/* the engine matches the raw stream first; its alert is reported
	 * after the request head was decoded, with its URL */
	ck_assert_uint_eq(F.alerts[0].sid, 11);
	ck_assert_uint_eq(F.alerts[1].sid, 10);
	ck_assert_int_eq(F.alerts[1].buf, TLSI_BUF_RAW);
	ck_assert_str_eq(F.alerts[1].url, "/admin/login.php?id=1");
	counters_add_up();
}
END_TEST

START_TEST(test_raw_alerts_overflow)
{
	char rules[8192];
	size_t o = 0;
	unsigned int i;

	for (i = 0; i < TLSI_DRV_DEFER + 4; i++)
		o += (size_t)snprintf(rules + o, sizeof(rules) - o,
				      "alert tcp any any -> any any (msg:\"r%u\"; content:\"tok%02u\"; sid:%u;)\n",
				      i, i, 100 + i);
	load(rules);
	{
		char data[512];

		o = 0;
		for (i = 0; i < TLSI_DRV_DEFER + 4; i++)
			o += (size_t)snprintf(data + o, sizeof(data) - o, "tok%02u ", i);
		ck_assert(!req(data));
	}
	/* all are reported: the first TLSI_DRV_DEFER at the end of the call,
	 * the ones beyond at once (so first) */
	ck_assert_uint_eq(F.nalerts, TLSI_DRV_DEFER + 4);
	for (i = 0; i < TLSI_DRV_DEFER + 4; i++)
		ck_assert_uint_eq(fired(100 + i), 1);
	for (i = 0; i < 4; i++)
		ck_assert_uint_ge(F.alerts[i].sid, 100 + TLSI_DRV_DEFER);
	counters_add_up();
}
END_TEST

/* ---- verdicts ------------------------------------------------------------------------ */

START_TEST(test_drop_sticky)
{
	load("drop http any any -> any any (msg:\"evil uri\"; http.uri; content:\"/evil\"; sid:20;)\n"
	     "alert tcp any any -> any any (msg:\"any later\"; content:\"later\"; sid:21;)\n");
	ck_assert(!req("GET /fine HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert(!F.df.blocked);
	ck_assert(req("GET /evil HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert(F.df.blocked);
	ck_assert_uint_eq(F.df.block_rule, rule_of(20) + 1);
	ck_assert(alert_of(20)->blocked);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 1);
	ck_assert_uint_eq(F.im.drops[rule_of(20)], 1);
	/* once blocked, blocked: nothing more is inspected or counted again */
	ck_assert(resp("HTTP/1.1 200 OK later\r\n\r\n"));
	ck_assert(req("later"));
	ck_assert_uint_eq(fired(21), 0);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 1);
	ck_assert(tlsi_drv_data(&F.c, &F.df, TLSI_DIR_TO_SERVER, NULL, 0));
	/* the end of a blocked session matches nothing */
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(F.nalerts, 1);
	counters_add_up();
	{
		char reason[TLSI_DRV_REASON_MAX];

		tlsi_drv_rule_reason(&F.im, rule_of(20), reason, sizeof(reason), 4);
		ck_assert_str_eq(reason, "ips sid 20: evil");
	}
}
END_TEST

START_TEST(test_reject_and_pass)
{
	load("pass http any any -> any any (msg:\"trusted\"; http.host; content:\"trusted.test\"; sid:30;)\n"
	     "reject tcp any any -> any any (msg:\"bad\"; content:\"badness\"; sid:31;)\n");
	ck_assert(!req("GET / HTTP/1.1\r\nHost: trusted.test\r\n\r\n"));
	ck_assert(F.df.passed);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_PASSES], 1);
	ck_assert(!req("GET /badness HTTP/1.1\r\nHost: trusted.test\r\n\r\n"));
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_PASSES], 1);
	ck_assert_uint_eq(F.nalerts, 0);
	new_flow(0);
	ck_assert(req("GET /badness HTTP/1.1\r\nHost: other.test\r\n\r\n"));
	ck_assert_int_eq(F.df.f.verdict, TLSI_ENG_V_REJECT);
	ck_assert(F.df.rejected);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 1);
	counters_add_up();
}
END_TEST

START_TEST(test_drop_not_rejected)
{
	load("drop tcp any any -> any any (msg:\"bad\"; content:\"badness\"; sid:32;)\n");
	ck_assert(req("GET /badness HTTP/1.1\r\nHost: other.test\r\n\r\n"));
	ck_assert(F.df.blocked);
	ck_assert(!F.df.rejected);
}
END_TEST

/* ---- a proxy's decrypted service ---------------------------------------------------------- */

#define SVC_RULES \
	"alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin/\"; sid:40;)\n" \
	"alert tcp any any -> any any (msg:\"raw\"; content:\"/admin/\"; sid:41;)\n" \
	"alert imap any any -> any any (msg:\"imap\"; content:\"LOGIN\"; sid:42;)\n"

START_TEST(test_service_other_raw_only)
{
	load(SVC_RULES);
	new_flow(TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&F.df, TLSI_SSL_SERVICE_OTHER);
	ck_assert(!req(REQ));
	ck_assert_uint_eq(fired(40), 0);	/* no HTTP decoder */
	ck_assert_uint_eq(fired(41), 1);	/* the raw stream is inspected */
	ck_assert_str_eq(tlsi_drv_app_name(&F.df), "tls");
	tlsi_drv_end(&F.c, &F.df);
}
END_TEST

START_TEST(test_service_chooses_decoder)
{
	load(SVC_RULES);
	/* AUTO: detected from the stream */
	new_flow(TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&F.df, TLSI_SSL_SERVICE_AUTO);
	ck_assert(!req(REQ));
	ck_assert_uint_eq(fired(40), 1);
	tlsi_drv_end(&F.c, &F.df);
	/* HTTP forced */
	new_flow(TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&F.df, TLSI_SSL_SERVICE_HTTP);
	ck_assert(!req(REQ));
	ck_assert_uint_eq(fired(40), 1);
	ck_assert_str_eq(alert_of(40)->app, "http");
	tlsi_drv_end(&F.c, &F.df);
	/* IMAP forced: an IMAP command the detector would need more of */
	new_flow(TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&F.df, TLSI_SSL_SERVICE_IMAP);
	ck_assert(!req("a1 LOGIN"));
	ck_assert_uint_eq(fired(42), 1);
	ck_assert_uint_eq(fired(40), 0);
	ck_assert_str_eq(alert_of(42)->app, "imap");
	tlsi_drv_end(&F.c, &F.df);
	/* HTTP forced on an IMAP stream: no IMAP rule */
	new_flow(TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&F.df, TLSI_SSL_SERVICE_HTTP);
	ck_assert(!req("a1 LOGIN user pass\r\n"));
	ck_assert_uint_eq(fired(42), 0);
	tlsi_drv_end(&F.c, &F.df);
}
END_TEST

/* ---- datagrams ------------------------------------------------------------------------------ */

static bool dgram(unsigned int dir, uint8_t proto, const char *payload)
{
	struct tlsi_eng_pkt p = { .proto = proto, .ttl = 64, .icmp_type = 8,
				  .payload = (const uint8_t *)payload,
				  .len = (uint32_t)strlen(payload) };

	return tlsi_drv_datagram(&F.c, &F.df, dir, &p);
}

START_TEST(test_datagrams)
{
	load("alert udp any any -> any 80 (msg:\"probe\"; content:\"probe\"; sid:40;)\n"
	     "drop udp any any -> any 80 (msg:\"attack\"; content:\"attack\"; "
	     "metadata:tlsi_trace; sid:41;)\n"
	     "alert icmp any any -> any any (msg:\"ping\"; itype:8; content:\"probe\"; sid:42;)\n"
	     "alert tcp any any -> any any (msg:\"tcp\"; content:\"probe\"; sid:43;)\n");
	ck_assert(!dgram(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, "a probe"));
	ck_assert_uint_eq(fired(40), 1);
	ck_assert_uint_eq(fired(42) + fired(43), 0);
	ck_assert_uint_eq(alert_of(40)->buf, TLSI_BUF_PKT);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BYTES], 7);
	ck_assert_uint_eq(F.df.seen[TLSI_DIR_TO_SERVER], 7);
	/* a drop rule blocks the flow: later datagrams are not inspected */
	ck_assert(dgram(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, "attack"));
	ck_assert(alert_of(41)->blocked);
	ck_assert_uint_eq(F.ntrace_start, 1);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 1);
	ck_assert(dgram(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, "probe"));
	ck_assert_uint_eq(fired(40), 1);
	ck_assert_uint_eq(F.trace_bytes[TLSI_DIR_TO_SERVER], 6 + 5);
	/* ICMP */
	new_flow(0);
	ck_assert(!dgram(TLSI_DIR_TO_SERVER, TLSI_PROTO_ICMP, "probe"));
	ck_assert_uint_eq(fired(42), 1);
	ck_assert_uint_eq(fired(40), 0);
	/* no rules, no packet: nothing */
	new_flow(0);
	ck_assert(!tlsi_drv_datagram(&F.c, &F.df, TLSI_DIR_TO_SERVER, NULL));
	ck_assert(!tlsi_drv_datagram(&F.c, &F.df, TLSI_DIRS, NULL));
	F.c.im = NULL;
	ck_assert(!dgram(TLSI_DIR_TO_SERVER, TLSI_PROTO_UDP, "attack"));
	F.c.im = &F.im;
	ck_assert_uint_eq(F.nalerts, 0);
	counters_add_up();
}
END_TEST

/* ---- quarantine ---------------------------------------------------------------------------- */

START_TEST(test_quarantine_metadata)
{
	load("alert http any any -> any any (msg:\"scanner\"; http.user_agent; content:\"sqlmap\"; metadata:tlsi_quarantine 600; sid:40;)\n"
	     "alert http any any -> any any (msg:\"configured\"; http.uri; content:\"/q\"; metadata:tlsi_quarantine, created_at 2020; sid:41;)\n"
	     "drop http any any -> any any (msg:\"blocked\"; http.uri; content:\"/drop\"; sid:42;)\n");
	ck_assert_ptr_nonnull(F.im.quarantine);
	ck_assert_uint_eq(F.im.quarantine[rule_of(40)], 600);
	ck_assert_uint_eq(F.im.quarantine[rule_of(41)], TLSI_DRV_Q_CONFIGURED);
	ck_assert_uint_eq(F.im.quarantine[rule_of(42)], 0);
	ck_assert_ptr_null(F.im.trace);
	F.c.set.quarantine_timeout = 1234;

	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: sqlmap/1.0\r\n\r\n"));
	ck_assert_uint_eq(F.nquar, 1);
	ck_assert_uint_eq(F.quar_seconds, 600);
	ck_assert_str_eq(F.quar_reason, "ips sid 40: scanner");
	ck_assert_uint_eq(alert_of(40)->quarantine, 601);
	ck_assert(F.df.quarantined);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_QUARANTINES], 1);
	/* once per session */
	ck_assert(!req("GET /q HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.nquar, 1);
	ck_assert_uint_eq(alert_of(41)->quarantine, 0);

	/* "tlsi_quarantine" alone: the configured timeout; a failure counted */
	new_flow(0);
	F.quar_rc = -1;
	ck_assert(!req("GET /q HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.nquar, 1);
	ck_assert_uint_eq(F.quar_seconds, 1234);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_QUARANTINE_FAILED], 1);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_QUARANTINES], 0);

	/* a drop rule without metadata does not, with the setting off */
	new_flow(0);
	F.quar_rc = 0;
	ck_assert(req("GET /drop HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.nquar, 0);

	/* a host that cannot quarantine now: none, and the alert says so */
	new_flow(0);
	F.c.set.quarantine_off = 1;
	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: sqlmap/1.0\r\n\r\n"));
	ck_assert_uint_eq(F.nquar, 0);
	ck_assert_uint_eq(alert_of(40)->quarantine, 0);
	ck_assert(!F.df.quarantined);
}
END_TEST

START_TEST(test_quarantine_setting)
{
	load("drop tcp any any -> any any (msg:\"raw drop\"; content:\"exploit\"; sid:50;)\n"
	     "alert tcp any any -> any any (msg:\"only alert\"; content:\"harmless\"; sid:51;)\n");
	ck_assert_ptr_null(F.im.quarantine);
	F.c.set.quarantine_blocks = 1;
	F.c.set.quarantine_timeout = 0;		/* no expiry */
	ck_assert(!req("harmless"));
	ck_assert_uint_eq(F.nquar, 0);
	ck_assert(req("exploit"));
	ck_assert_uint_eq(F.nquar, 1);
	ck_assert_uint_eq(F.quar_seconds, 0);
	/* a raw-stream alert, deferred, carries the call's quarantine */
	ck_assert_int_eq(alert_of(50)->buf, TLSI_BUF_RAW);
	ck_assert_uint_eq(alert_of(50)->quarantine, 1);
	counters_add_up();
}
END_TEST

/* ---- trace ----------------------------------------------------------------------------- */

START_TEST(test_trace_metadata)
{
	load("alert http any any -> any any (msg:\"traced\"; http.uri; content:\"/trace-me\"; metadata:tlsi_trace; sid:60;)\n"
	     "alert http any any -> any any (msg:\"not traced\"; http.uri; content:\"/plain\"; sid:61;)\n");
	ck_assert_ptr_nonnull(F.im.trace);
	ck_assert_int_eq(F.im.trace[rule_of(60)], 1);
	ck_assert_int_eq(F.im.trace[rule_of(61)], 0);
	ck_assert(!req("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.ntrace_start, 0);
	ck_assert_uint_eq(F.ntrace_data, 0);
	ck_assert(!req("GET /trace-me HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.ntrace_start, 1);
	ck_assert_uint_eq(F.trace_sid, 60);
	ck_assert_uint_eq(F.df.trace_sid, 60);
	ck_assert_int_eq(F.trace_dir, TLSI_DIR_TO_SERVER);
	ck_assert_uint_eq(F.trace_len, strlen("GET /trace-me HTTP/1.1\r\nHost: a\r\n\r\n"));
	/* from the chunk that fired the rule on, both directions */
	ck_assert_uint_eq(F.ntrace_data, 1);
	ck_assert(!resp(RESP));
	ck_assert(!req("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.ntrace_data, 3);
	ck_assert_uint_eq(F.trace_bytes[TLSI_DIR_TO_CLIENT], strlen(RESP));
	/* with no rules loaded now, the chunks are still recorded */
	F.c.im = NULL;
	ck_assert(!req("more"));
	ck_assert_uint_eq(F.ntrace_data, 4);
	ck_assert_uint_eq(F.ntrace_start, 1);
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(F.ntrace_end, 1);
	F.c.im = &F.im;
}
END_TEST

START_TEST(test_trace_setting)
{
	load("alert tcp any any -> any any (msg:\"any\"; content:\"ping\"; sid:70;)\n");
	ck_assert_ptr_null(F.im.trace);
	ck_assert(!req("ping"));
	ck_assert_uint_eq(F.ntrace_start, 0);
	/* trace alerts: any alerting rule traces */
	new_flow(0);
	F.c.set.trace_alerts = 1;
	ck_assert(!req("ping"));
	ck_assert_uint_eq(F.ntrace_start, 1);
	ck_assert_uint_eq(F.ntrace_data, 1);
	ck_assert(!req("ping"));
	ck_assert_uint_eq(F.ntrace_start, 1);
	ck_assert_uint_eq(F.ntrace_data, 2);
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(F.ntrace_end, 1);
	/* a host with nowhere to record: not traced, no data, no end */
	new_flow(0);
	F.trace_refuse = true;
	ck_assert(!req("ping"));
	ck_assert_uint_eq(F.ntrace_start, 1);
	ck_assert(!F.df.traced);
	ck_assert(!req("ping"));
	ck_assert_uint_eq(F.ntrace_data, 0);
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(F.ntrace_end, 0);
}
END_TEST

/* ---- TLS, the end of a session, no rules ----------------------------------------------- */

START_TEST(test_tls_step)
{
	load("drop tls any any -> any any (msg:\"bad sni\"; tls.sni; content:\"evil.test\"; sid:80;)\n"
	     "alert tls any any -> any any (msg:\"any sni\"; tls.sni; content:\".test\"; sid:81;)\n");
	/* at the hand-off */
	new_flow(TLSI_DRV_F_TLS);
	F.sni = "good.test";
	ck_assert(!tlsi_drv_start(&F.c, &F.df));
	ck_assert_uint_eq(F.ntls_info, 1);
	ck_assert_uint_eq(F.ntls_put, 1);
	ck_assert_uint_eq(fired(81), 1);
	ck_assert_str_eq(alert_of(81)->app, "tls");
	ck_assert(!req("GET / HTTP/1.1\r\nHost: good.test\r\n\r\n"));
	ck_assert_uint_eq(F.ntls_info, 1);		/* once */
	ck_assert_str_eq(tlsi_drv_app_name(&F.df), "http");
	/* with the first data when the session met rules later */
	new_flow(TLSI_DRV_F_TLS);
	F.sni = "evil.test";
	ck_assert(req("GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n"));
	ck_assert_uint_eq(F.ntls_info, 1);
	ck_assert_uint_eq(fired(80), 1);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BLOCKS], 1);
	/* a block at the hand-off is returned by the first data */
	new_flow(TLSI_DRV_F_TLS);
	ck_assert(tlsi_drv_start(&F.c, &F.df));
	ck_assert(req("GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n"));
	ck_assert_uint_eq(F.ntls_info, 1);
	/* not a TLS session: no TLS step, no tls app */
	new_flow(0);
	ck_assert(!tlsi_drv_start(&F.c, &F.df));
	ck_assert(!req("hello"));
	ck_assert_uint_eq(F.ntls_info, 0);
	ck_assert_ptr_null(tlsi_drv_app_name(&F.df));
	counters_add_up();
}
END_TEST

START_TEST(test_end_of_session)
{
	load("alert http any any -> any any (msg:\"tail\"; flow:to_client; file.data; content:\"END\"; endswith; sid:90;)\n");
	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert(!resp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the END"));
	ck_assert_uint_eq(fired(90), 0);
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(fired(90), 1);
	/* not with other rules than the flow's state belongs to */
	new_flow(0);
	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert(!resp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the END"));
	F.df.f.eng_id ^= 1;
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(fired(90), 0);
	/* nor without rules */
	new_flow(0);
	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert(!resp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the END"));
	F.c.im = NULL;
	tlsi_drv_end(&F.c, &F.df);
	ck_assert_uint_eq(fired(90), 0);
	/* a session given data only while no rules were loaded */
	new_flow(0);
	ck_assert(!req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BYTES], 0);
	F.c.im = &F.im;
}
END_TEST

/* ---- limits and events -------------------------------------------------------------------- */

START_TEST(test_depth_counted)
{
	load("alert tcp any any -> any any (msg:\"late\"; content:\"deep-inside\"; sid:100;)\n");
	F.c.set.depth = 16;
	ck_assert(!req("0123456789abcdef0123456789 deep-inside"));
	ck_assert_uint_eq(fired(100), 0);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_DEPTH], 1);
	ck_assert(!req("deep-inside"));
	ck_assert_uint_eq(fired(100), 0);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_DEPTH], 1);	/* once per flow */
	/* the other direction has its own depth */
	ck_assert(!resp("deep-inside"));
	ck_assert_uint_eq(fired(100), 1);
	/* the host's setting per call: all */
	new_flow(0);
	F.c.set.depth = 0;
	ck_assert(!req("0123456789abcdef0123456789 deep-inside"));
	ck_assert_uint_eq(fired(100), 1);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_DEPTH], 0);
}
END_TEST

START_TEST(test_events_counted)
{
	load("alert tcp any any -> any any (msg:\"x\"; content:\"never-sent\"; sid:110;)\n");
	ck_assert(!req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_HTTP_ANOMALIES], 1);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_DEPTH), TLSI_DRV_C_DEPTH);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_STEPS), TLSI_DRV_C_ENGINE_ERRORS);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_PENDING_OVERFLOW), TLSI_DRV_C_ENGINE_ERRORS);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_CAND_OVERFLOW), TLSI_DRV_C_ENGINE_ERRORS);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_DNS_MALFORMED), TLSI_DRV_C_DNS_ANOMALIES);
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_HTTP_BAD_CHUNK), TLSI_DRV_C_HTTP_ANOMALIES);
	/* a malformed DNS query over TCP: a 70-byte label */
	new_flow(0);
	{
		uint8_t q[128] = { 0, 0, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
		size_t n = 14;

		q[n++] = 3;
		memcpy(q + n, "www", 3);
		n += 3;
		q[n++] = 70;
		memset(q + n, 'a', 70);
		n += 70;
		q[n++] = 0;
		q[n++] = 0;
		q[n++] = 1;
		q[n++] = 0;
		q[n++] = 1;
		q[1] = (uint8_t)(n - 2);
		ck_assert(!tlsi_drv_data(&F.c, &F.df, TLSI_DIR_TO_SERVER, q, n));
	}
	ck_assert_str_eq(tlsi_drv_app_name(&F.df), "dns");
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_DNS_ANOMALIES], 1);
}
END_TEST

/* A rule given up beyond the stream window: its own counter, once per
 * flow, not an engine error. */
START_TEST(test_window_counted)
{
	ck_assert_int_eq(tlsi_drv_event_counter(TLSI_EV_WINDOW), TLSI_DRV_C_WINDOW);
	load("alert tcp any any -> any any (msg:\"far\"; content:\"START\"; "
	     "content:\"STOP\"; distance:0; sid:111;)\n");
	ck_assert(!req("START"));
	{
		char dots[1025];

		memset(dots, '.', 1024);
		dots[1024] = '\0';
		ck_assert(!req(dots));
		ck_assert_uint_eq(F.counts[TLSI_DRV_C_WINDOW], 0);
		ck_assert(!req(dots));		/* 2053 bytes since the anchor's chunk */
		ck_assert_uint_eq(F.counts[TLSI_DRV_C_WINDOW], 1);
		ck_assert(!req(dots));
	}
	ck_assert(!req("STOP"));
	ck_assert_uint_eq(fired(111), 0);
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_WINDOW], 1);	/* once per flow */
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_ENGINE_ERRORS], 0);
}
END_TEST

START_TEST(test_long_chunk_in_pieces)
{
	size_t n = 3 * TLSI_DRV_PIECE + 100;
	uint8_t *big = malloc(n);

	load("alert tcp any any -> any any (msg:\"tail\"; content:\"needle!\"; sid:120;)\n");
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	memcpy(big + n - 7, "needle!", 7);
	nresched = 0;
	ck_assert(!tlsi_drv_data(&F.c, &F.df, TLSI_DIR_TO_SERVER, big, n));
	ck_assert_uint_eq(fired(120), 1);
	ck_assert_uint_eq(nresched, 3);		/* between the four pieces */
	ck_assert_uint_eq(F.counts[TLSI_DRV_C_BYTES], n);
	free(big);
}
END_TEST

/* ---- images ------------------------------------------------------------------------------ */

START_TEST(test_image_tables)
{
	char err[256];
	struct tlsi_drv_image im;
	unsigned int total, i;

	load("alert tcp any any -> any any (msg:\"t\"; content:\"abc\"; threshold:type limit, track by_src, count 1, seconds 60; sid:130;)\n"
	     "alert tcp any any -> any any (msg:\"q\"; content:\"def\"; metadata:tlsi_quarantine 5; sid:131;)\n"
	     "alert tcp any any -> any any (msg:\"tr\"; content:\"ghi\"; metadata:tlsi_trace; sid:132;)\n");
	ck_assert_ptr_nonnull(F.im.thresh);
	ck_assert_uint_eq(F.im.eng.nthresh, TLSI_DRV_THRESH_MIN);
	ck_assert_ptr_eq(F.im.eng.thresh, F.im.thresh);
	ck_assert_ptr_eq(F.im.eng.hits, F.im.hits);
	ck_assert_uint_eq(F.im.memory, 3 * 3 * 8 + 3 * 4 + 3 + TLSI_DRV_THRESH_MIN *
			  sizeof(struct tlsi_eng_thresh));
	/* thresholds work through the driver's table: limit 1 per minute */
	F.now = 1000;
	ck_assert(!req("abc"));
	ck_assert(!req("abc"));
	ck_assert_uint_eq(fired(130), 1);
	F.now += 61000;
	ck_assert(!req("abc"));
	ck_assert_uint_eq(fired(130), 2);
	/* every allocation failing in turn: refused, nothing leaked */
	total = allocs;
	for (i = 1; i <= 6; i++) {
		allocs = frees = 0;
		fail_alloc_at = i;
		ck_assert_int_eq(tlsi_drv_image_init(&im, &fake_ops, F.t.img, F.t.len, err,
						     sizeof(err)), -1);
		ck_assert_msg(strstr(err, "out of memory"), "err: %s", err);
		ck_assert_uint_eq(allocs - 1, frees);
	}
	fail_alloc_at = 0;
	allocs = total;
	frees = 0;
	/* a corrupt image: the validator's reason */
	F.t.img[F.t.len / 2] ^= 0x55;
	ck_assert_int_eq(tlsi_drv_image_init(&im, &fake_ops, F.t.img, F.t.len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "CRC") || strstr(err, "checksum") || err[0], "err: %s", err);
	F.t.img[F.t.len / 2] ^= 0x55;
}
END_TEST

START_TEST(test_flow_fixed)
{
	struct tlsi_drv_flow a, b;
	static const uint8_t c4[4] = { 10, 0, 0, 1 }, s4[4] = { 192, 0, 2, 1 };
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_drv_flow_init(&a, ca, 1, sa, 2, ~0ULL, TLSI_DRV_F_TLS);
	tlsi_drv_flow_init(&b, ca, 1, sa, 2, 0, 0);
	/* EVE flow ids: positive and exact in a double */
	ck_assert_uint_le(a.flow_id, (1ULL << 53) - 1);
	ck_assert_uint_ne(a.flow_id, 0);
	ck_assert_uint_eq(b.flow_id, 1);
	ck_assert(!a.tls_done);
	ck_assert(b.tls_done);
	ck_assert_str_eq(tlsi_drv_app_name(&a), "tls");
	ck_assert_ptr_null(tlsi_drv_app_name(&b));
	ck_assert_uint_lt(sizeof(struct tlsi_drv_flow), sizeof(struct tlsi_eng_flow) + 128);
}
END_TEST

static Suite *engine_driver_suite(void)
{
	Suite *s = suite_create("engine_driver");
	TCase *tc = tcase_create("driver");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_alerts_both_directions);
	tcase_add_test(tc, test_raw_alerts_deferred);
	tcase_add_test(tc, test_raw_alerts_overflow);
	tcase_add_test(tc, test_drop_sticky);
	tcase_add_test(tc, test_reject_and_pass);
	tcase_add_test(tc, test_drop_not_rejected);
	tcase_add_test(tc, test_service_other_raw_only);
	tcase_add_test(tc, test_service_chooses_decoder);
	tcase_add_test(tc, test_datagrams);
	tcase_add_test(tc, test_quarantine_metadata);
	tcase_add_test(tc, test_quarantine_setting);
	tcase_add_test(tc, test_trace_metadata);
	tcase_add_test(tc, test_trace_setting);
	tcase_add_test(tc, test_tls_step);
	tcase_add_test(tc, test_end_of_session);
	tcase_add_test(tc, test_depth_counted);
	tcase_add_test(tc, test_events_counted);
	tcase_add_test(tc, test_window_counted);
	tcase_add_test(tc, test_long_chunk_in_pieces);
	tcase_add_test(tc, test_image_tables);
	suite_add_tcase(s, tc);

	tc = tcase_create("flow");
	tcase_add_test(tc, test_flow_fixed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_driver_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
