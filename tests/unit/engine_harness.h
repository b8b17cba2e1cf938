/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness shared by the check_engine_*.c tests: compile rules from text,
 * load the image into an engine, run a flow through it and collect alerts
 * and events. (Not named check_*: that would make it a test binary for
 * the Makefile and an ignored file for git.)
 */
#ifndef TLSI_ENGINE_HARNESS_H
#define TLSI_ENGINE_HARNESS_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "http.h"
#include "rules_compile.h"
#include "rules_parse.h"

#define ET_MAX_ALERTS 1024

struct et {
	struct rp_set set;
	uint8_t *img;
	size_t len;
	struct tlsi_eng eng;
	struct tlsi_eng_scratch *s;
	struct tlsi_eng_cfg cfg;
	struct tlsi_eng_ctx ctx;
	struct tlsi_eng_flow *f;
	struct tlsi_eng_thresh thresh[256];
	uint64_t hits[4096];
	uint32_t alerts[ET_MAX_ALERTS];	/* sids in order */
	uint8_t alert_buf[ET_MAX_ALERTS];
	uint32_t alert_tx[ET_MAX_ALERTS];
	unsigned int nalerts;
	uint32_t events;
	char skip_reason[256];		/* the last skip */
	unsigned int skipped;
};

static void et_on_alert(void *arg, struct tlsi_eng_flow *f, const struct tlsi_eng_alert *a)
{
	struct et *t = arg;

	if (t->nalerts < ET_MAX_ALERTS) {
		t->alert_buf[t->nalerts] = a->buf;
		t->alert_tx[t->nalerts] = a->tx;
		t->alerts[t->nalerts++] = a->r->sid;
	}
}

static void et_on_event(void *arg, struct tlsi_eng_flow *f, enum tlsi_eng_event ev,
			uint8_t dir)
{
	struct et *t = arg;

	t->events |= 1u << ev;
}

static void et_on_skip(void *arg, const char *file, unsigned int line,
		       const char *reason, const char *detail)
{
	struct et *t = arg;

	t->skipped++;
	snprintf(t->skip_reason, sizeof(t->skip_reason), "%s: %s", reason, detail);
}

/* A new flow from client c4:40000 to server s4:sport; alerts and events reset. */
static inline void et_flow_addrs(struct et *t, const uint8_t c4[4], const uint8_t s4[4],
				 uint16_t sport)
{
	uint8_t ca[16], sa[16];

	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_eng_flow_init(t->f, ca, 40000, sa, sport);
	t->nalerts = 0;
	t->events = 0;
}

/* A new flow 10.0.0.1:40000 -> 192.0.2.1:sport. */
static inline void et_flow_port(struct et *t, uint16_t sport)
{
	static const uint8_t c4[4] = { 10, 0, 0, 1 }, s4[4] = { 192, 0, 2, 1 };

	et_flow_addrs(t, c4, s4, sport);
}

static inline void et_flow(struct et *t)
{
	et_flow_port(t, 80);
}

/* Compile rules (one per line) into t; every rule must load unless
 * allow_skip. */
static inline void et_load_mode(struct et *t, const char *rules, bool allow_skip,
				enum rp_pcre_mode pcre)
{
	char err[512];
	const char *p = rules;
	unsigned int line = 0;

	memset(t, 0, sizeof(*t));
	rp_set_init(&t->set);
	t->set.pcre = pcre;
	t->set.on_skip = et_on_skip;
	t->set.arg = t;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *l = strndup(p, n);

		rp_parse_rule(&t->set, "test.rules", ++line, l);
		free(l);
		p += n + (nl ? 1 : 0);
	}
	if (!allow_skip)
		ck_assert_msg(t->skipped == 0, "rule skipped: %s", t->skip_reason);
	ck_assert_msg(rc_compile(&t->set, &t->img, &t->len, NULL, err, sizeof(err)) == 0,
		      "compile: %s", err);
	ck_assert_msg(tlsi_eng_init(&t->eng, t->img, t->len, err, sizeof(err)) == 0,
		      "image refused: %s", err);
	t->eng.thresh = t->thresh;
	t->eng.nthresh = 256;
	if (t->eng.nrules <= 4096)
		t->eng.hits = t->hits;
	t->s = calloc(1, tlsi_eng_scratch_size(&t->eng));
	t->f = calloc(1, sizeof(*t->f));
	ck_assert(t->s && t->f);
	t->cfg.alert = et_on_alert;
	t->cfg.event = et_on_event;
	t->cfg.arg = t;
	t->ctx.eng = &t->eng;
	t->ctx.s = t->s;
	t->ctx.cfg = &t->cfg;
	et_flow(t);
}

static inline void et_load(struct et *t, const char *rules)
{
	et_load_mode(t, rules, false, RP_PCRE_SKIP);
}

static inline void et_free(struct et *t)
{
	free(t->s);
	free(t->f);
	free(t->img);
	rp_set_free(&t->set);
}

static inline enum tlsi_eng_verdict et_send(struct et *t, unsigned int dir,
					    const void *data, size_t len)
{
	return tlsi_eng_inspect(&t->ctx, t->f, dir, data, len);
}

/* Send a string, in pieces of chunk bytes (0: whole). */
static inline void et_sendc(struct et *t, unsigned int dir, const char *s, size_t chunk)
{
	size_t n = strlen(s), i;

	if (!chunk)
		chunk = n ? n : 1;
	for (i = 0; i < n; i += chunk)
		et_send(t, dir, s + i, n - i < chunk ? n - i : chunk);
}

static inline void et_req(struct et *t, const char *s)
{
	et_sendc(t, TLSI_DIR_TO_SERVER, s, 0);
}

static inline void et_resp(struct et *t, const char *s)
{
	et_sendc(t, TLSI_DIR_TO_CLIENT, s, 0);
}

static inline unsigned int et_count(const struct et *t, uint32_t sid)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->nalerts; i++)
		n += t->alerts[i] == sid;
	return n;
}

static inline char *et_alert_list(const struct et *t)
{
	static char buf[2048];
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < t->nalerts && o < sizeof(buf) - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u", i ? "," : "", t->alerts[i]);
	return buf;
}

#define ET_FIRED(t, sid) ck_assert_msg(et_count((t), (sid)) > 0, \
	"sid %u did not fire (alerts: %s)", (unsigned)(sid), et_alert_list(t))
#define ET_SILENT(t, sid) ck_assert_msg(et_count((t), (sid)) == 0, \
	"sid %u fired (alerts: %s)", (unsigned)(sid), et_alert_list(t))
#define ET_FIRED_N(t, sid, n) ck_assert_msg(et_count((t), (sid)) == (n), \
	"sid %u fired %u times, expected %u (alerts: %s)", (unsigned)(sid), \
	et_count((t), (sid)), (unsigned)(n), et_alert_list(t))

/*
 * The ET Open ruleset: $TLSI_ET_OPEN (make sets it), else the snapshot
 * unpacked by `make et-open' into <repo>/build/et-open (the repository found
 * from the test binary, <repo>/tests/unit/...).
 */
static inline const char *et_open_dir(void)
{
	static char path[4096];
	const char *env = getenv("TLSI_ET_OPEN");
	char exe[3072];
	ssize_t n;
	int up;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 3; up++) {
			char *sl = strrchr(exe, '/');

			if (sl)
				*sl = '\0';
		}
		snprintf(path, sizeof(path), "%s/build/et-open", exe);
		return path;
	}
	return "build/et-open";
}

#endif /* TLSI_ENGINE_HARNESS_H */
