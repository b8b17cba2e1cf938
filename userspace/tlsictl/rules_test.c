// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: test, the engine over a conversation with EVE JSON out (see rules.h for the other parts).
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tlsictl.h"
#include "driver.h"
#include "eve.h"
#include "rules_compile.h"
#include "rules_image.h"
#include "rules_parse.h"
#include "rules.h"

/* ---- test: the engine over a conversation, EVE JSON out ---------------------- */

/*
 * A host of the engine's session driver (engine/driver.h), as tlsi.ko's
 * relay and tlsid are: what `rules test' prints is what they would report
 * for the same bytes (alert order included: raw-stream alerts after the
 * chunk's decoded ones), with the default settings and no quarantine or
 * trace.
 */
struct test_host {
	struct tlsi_drv_call c;
	struct tlsi_eng_scratch *s;
	uint64_t counts[TLSI_DRV_C_MAX];
};

static struct test_host *test_host_of(struct tlsi_drv_call *c)
{
	return (struct test_host *)((char *)c - offsetof(struct test_host, c));
}

static void test_alert(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a)
{
	const struct tlsi_eng *e = &c->im->eng;
	const struct tlsi_drv_flow *df = c->df;
	const struct tlsi_img_rule *r = a->r;
	char msg[1024], cls[128], host[256], url[2048], method[32], ua[512];
	bool ts = a->dir == TLSI_DIR_TO_SERVER;
	struct tlsi_http_meta m;
	struct eve_alert ev;

	rules_str_field(e, &r->msg, msg, sizeof(msg));
	rules_str_field(e, &r->classtype, cls, sizeof(cls));
	eve_alert_init(&ev);
	ev.src_ip = ts ? "10.0.0.1" : "192.0.2.1";
	ev.src_port = ts ? df->f.cport : df->f.sport;
	ev.dest_ip = ts ? "192.0.2.1" : "10.0.0.1";
	ev.dest_port = ts ? df->f.sport : df->f.cport;
	ev.blocked = a->blocked;
	ev.gid = le32v(r->gid);
	ev.sid = le32v(r->sid);
	ev.rev = le32v(r->rev);
	ev.signature = msg;
	ev.category = cls;
	ev.severity = r->priority;
	ev.direction = ts ? "to_server" : "to_client";
	ev.buffer = rp_buf_name(a->buf);
	ev.stream_offset = (int64_t)a->stream_off;
	if (a->tx)
		ev.tx_id = a->tx - 1;
	ev.app_proto = tlsi_drv_app_name(df);
	tlsi_drv_http_meta(df, a->dir, &m);
	if (m.host) {
		snprintf(host, sizeof(host), "%.*s", (int)m.host_len, (const char *)m.host);
		ev.http_hostname = host;
	}
	if (m.url) {
		snprintf(url, sizeof(url), "%.*s", (int)m.url_len, (const char *)m.url);
		ev.http_url = url;
	}
	if (m.method) {
		snprintf(method, sizeof(method), "%.*s", (int)m.method_len, (const char *)m.method);
		ev.http_method = method;
	}
	if (m.ua) {
		snprintf(ua, sizeof(ua), "%.*s", (int)m.ua_len, (const char *)m.ua);
		ev.http_user_agent = ua;
	}
	ev.http_status = m.status;
	eve_write(stdout, &ev);
}

static void test_count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n)
{
	test_host_of(c)->counts[what] += n;
}

static struct tlsi_eng_scratch *test_scratch(struct tlsi_drv_call *c)
{
	return test_host_of(c)->s;
}

static void *test_zalloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static const struct tlsi_drv_ops test_ops = {
	.alert = test_alert,
	.count = test_count,
	.scratch_get = test_scratch,
	.zalloc = test_zalloc,
	.free = free,
};

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	char err[512];

	if (rc_read_image(path, buf, len, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	return 0;
}

static const char *verdict_name(uint8_t v)
{
	return v == TLSI_ENG_V_DROP ? "drop" : v == TLSI_ENG_V_REJECT ? "reject" :
	       v == TLSI_ENG_V_PASS ? "pass" : "continue";
}

int rules_cmd_test(int argc, char **argv)
{
	static const uint8_t client[4] = { 10, 0, 0, 1 }, server[4] = { 192, 0, 2, 1 };
	struct tlsi_drv_image im = { 0 };
	struct test_host h = { 0 };
	struct tlsi_drv_flow *df = NULL;
	uint8_t *img = NULL, *cbuf = NULL, *sbuf = NULL, ca[16], sa[16];
	size_t ilen = 0, clen = 0, slen = 0;
	char err[512];
	uint64_t n;
	int rc;

	if (argc < 3 || argc > 4)
		usage_error("expected IMAGE CLIENT_FILE [SERVER_FILE]");
	rc = read_all(argv[1], &img, &ilen);
	if (rc)
		return rc;
	if (tlsi_drv_image_init(&im, &test_ops, img, ilen, err, sizeof(err))) {
		errmsg("%s: image refused: %s", argv[1], err);
		free(img);
		return EXIT_ERROR;
	}
	rc = read_all(argv[2], &cbuf, &clen);
	if (!rc && argc == 4)
		rc = read_all(argv[3], &sbuf, &slen);
	if (rc)
		goto out;
	h.s = calloc(1, tlsi_eng_scratch_size(&im.eng));
	df = calloc(1, sizeof(*df));
	if (!h.s || !df) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	h.c.ops = &test_ops;
	h.c.im = &im;
	tlsi_eng_addr4(ca, client);
	tlsi_eng_addr4(sa, server);
	tlsi_drv_flow_init(df, ca, 40000, sa, 80, 1 << 11, 0);
	tlsi_drv_data(&h.c, df, TLSI_DIR_TO_SERVER, cbuf, clen);
	if (sbuf)
		tlsi_drv_data(&h.c, df, TLSI_DIR_TO_CLIENT, sbuf, slen);
	tlsi_drv_end(&h.c, df);
	n = h.counts[TLSI_DRV_C_ALERTS];
	fprintf(stderr, "%llu alert%s, verdict %s", (unsigned long long)n, n == 1 ? "" : "s",
		verdict_name(df->f.verdict));
	n = h.counts[TLSI_DRV_C_HTTP_ANOMALIES] + h.counts[TLSI_DRV_C_DNS_ANOMALIES];
	if (n)
		fprintf(stderr, ", %llu protocol anomal%s", (unsigned long long)n,
			n == 1 ? "y" : "ies");
	if (h.counts[TLSI_DRV_C_ENGINE_ERRORS])
		fprintf(stderr, ", %llu engine limit%s reached",
			(unsigned long long)h.counts[TLSI_DRV_C_ENGINE_ERRORS],
			h.counts[TLSI_DRV_C_ENGINE_ERRORS] == 1 ? "" : "s");
	if (h.counts[TLSI_DRV_C_WINDOW])
		fprintf(stderr, ", rules given up beyond the %u-byte stream window",
			(unsigned int)TLSI_ENG_WINDOW);
	fputc('\n', stderr);
out:
	tlsi_drv_image_free(&im, &test_ops);
	free(h.s);
	free(df);
	free(img);
	free(cbuf);
	free(sbuf);
	return rc;
}
