// SPDX-License-Identifier: GPL-2.0
/*
 * The session driver (driver.h): the engine calls of a session and what an
 * IPS does around them, once for every host. Builds in the kernel
 * (kmod/engine_driver.c) and in libtlsi.a like the rest of engine/.
 *
 * A call: the host fills a struct tlsi_drv_call (ops, its argument, the
 * image, its settings) and calls tlsi_drv_start(), _data() or _end(). The
 * engine's callbacks land in on_alert()/on_event() below with the call as
 * their argument; what must wait for the engine to finish (raw-stream
 * alerts, the quarantine, starting a trace) is done in call_after(), once
 * the engine's scratch is given back, so that a host may sleep there.
 */
#include "compat.h"
#include "driver.h"
#include <uapi/linux/tlsi.h>	/* enum tlsi_ssl_service */

/* ---- images ------------------------------------------------------------------ */

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

static void resched(const struct tlsi_drv_ops *ops, uint32_t i)
{
	if (ops->resched && !(i & 4095))
		ops->resched();
}

/* Does rule r set (or toggle) an xbit? */
static int sets_xbits(const struct tlsi_eng *e, const struct tlsi_img_rule *r)
{
	const struct tlsi_img_insn *in = e->insns + le32v(r->insn_first);
	uint32_t n = le32v(r->insn_count), k;

	for (k = 0; k < n; k++)
		if (in[k].op == TLSI_OP_XBITS &&
		    (in[k].cmp == TLSI_FB_SET || in[k].cmp == TLSI_FB_TOGGLE))
			return 1;
	return 0;
}

/* The rules' metadata, thresholds and xbits: what needs a table. */
static void image_scan(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops,
		       uint32_t *nthresh, uint32_t *nquar, uint32_t *ntrace, uint32_t *nxbits)
{
	uint32_t i;

	*nthresh = *nquar = *ntrace = *nxbits = 0;
	for (i = 0; i < im->eng.nrules; i++) {
		const struct tlsi_img_rule *r = &im->eng.rules[i];
		uint32_t mlen;
		const char *m = tlsi_eng_str(&im->eng, &r->meta, &mlen);

		if (sets_xbits(&im->eng, r))
			(*nxbits)++;
		if (r->thresh_type != TLSI_THRESH_NONE)
			(*nthresh)++;
		if (mlen && tlsi_img_meta_quarantine(m, mlen, TLSI_DRV_QUARANTINE_MAX))
			(*nquar)++;
		if (mlen && tlsi_img_meta_trace(m, mlen))
			(*ntrace)++;
		resched(ops, i);
	}
}

static int image_meta_tables(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops,
			     uint32_t nquar, uint32_t ntrace)
{
	uint32_t i, n = im->eng.nrules;

	if (nquar) {
		im->quarantine = ops->zalloc(n, sizeof(*im->quarantine));
		if (!im->quarantine)
			return -1;
		im->memory += (uint64_t)n * sizeof(*im->quarantine);
	}
	if (ntrace) {
		im->trace = ops->zalloc(n, sizeof(*im->trace));
		if (!im->trace)
			return -1;
		im->memory += n;
	}
	for (i = 0; (nquar || ntrace) && i < n; i++) {
		uint32_t mlen;
		const char *m = tlsi_eng_str(&im->eng, &im->eng.rules[i].meta, &mlen);

		if (mlen && im->quarantine)
			im->quarantine[i] = tlsi_img_meta_quarantine(m, mlen,
								     TLSI_DRV_QUARANTINE_MAX);
		if (mlen && im->trace)
			im->trace[i] = (uint8_t)tlsi_img_meta_trace(m, mlen);
		resched(ops, i);
	}
	return 0;
}

int tlsi_drv_image_init(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops,
			const void *img, size_t len, char *err, size_t errlen)
{
	uint32_t nthresh, nquar, ntrace, nxbits, n;

	memset(im, 0, sizeof(*im));
	if (tlsi_eng_init(&im->eng, img, len, err, errlen))
		return -1;
	snprintf(err, errlen, "out of memory for %u rules", im->eng.nrules);
	n = im->eng.nrules ? im->eng.nrules : 1;
	im->hits = ops->zalloc(n, sizeof(uint64_t));
	im->alerts = ops->zalloc(n, sizeof(uint64_t));
	im->drops = ops->zalloc(n, sizeof(uint64_t));
	if (!im->hits || !im->alerts || !im->drops)
		goto fail;
	im->memory = 3 * (uint64_t)n * sizeof(uint64_t);
	im->eng.hits = im->hits;
	image_scan(im, ops, &nthresh, &nquar, &ntrace, &nxbits);
	if (image_meta_tables(im, ops, nquar, ntrace))
		goto fail;
	if (nthresh) {
		nthresh = pow2_at_least(4 * nthresh);
		nthresh = TLSI_ENG_MAX(nthresh, TLSI_DRV_THRESH_MIN);
		nthresh = TLSI_ENG_MIN(nthresh, TLSI_DRV_THRESH_MAX);
		im->thresh = ops->zalloc(nthresh, sizeof(*im->thresh));
		if (!im->thresh)
			goto fail;
		im->eng.thresh = im->thresh;
		im->eng.nthresh = nthresh;
		im->memory += (uint64_t)nthresh * sizeof(*im->thresh);
	}
	if (nxbits) {
		nxbits = pow2_at_least(TLSI_ENG_MIN(64 * nxbits, TLSI_DRV_XBITS_MAX));
		nxbits = TLSI_ENG_MAX(nxbits, TLSI_DRV_XBITS_MIN);
		nxbits = TLSI_ENG_MIN(nxbits, TLSI_DRV_XBITS_MAX);
		im->xbits = ops->zalloc(nxbits, sizeof(*im->xbits));
		if (!im->xbits)
			goto fail;
		im->eng.xbits = im->xbits;
		im->eng.nxbits = nxbits;
		im->memory += (uint64_t)nxbits * sizeof(*im->xbits);
	}
	err[0] = '\0';
	return 0;
fail:
	tlsi_drv_image_free(im, ops);
	return -1;
}

void tlsi_drv_image_free(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops)
{
	ops->free(im->thresh);
	ops->free(im->xbits);
	ops->free(im->trace);
	ops->free(im->quarantine);
	ops->free(im->drops);
	ops->free(im->alerts);
	ops->free(im->hits);
	memset(im, 0, sizeof(*im));
}

void tlsi_drv_image_copy_counters(struct tlsi_drv_image *im,
				  const struct tlsi_drv_image *from,
				  const struct tlsi_drv_ops *ops)
{
	uint32_t i, n = TLSI_ENG_MIN(im->eng.nrules, from->eng.nrules);

	for (i = 0; i < n; i++) {
		im->hits[i] = __atomic_load_n(&from->hits[i], __ATOMIC_RELAXED);
		im->alerts[i] = __atomic_load_n(&from->alerts[i], __ATOMIC_RELAXED);
		im->drops[i] = __atomic_load_n(&from->drops[i], __ATOMIC_RELAXED);
		resched(ops, i);
	}
}

void tlsi_drv_image_reset_counters(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops)
{
	uint32_t i;

	for (i = 0; i < im->eng.nrules; i++) {
		__atomic_store_n(&im->hits[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&im->alerts[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&im->drops[i], 0, __ATOMIC_RELAXED);
		resched(ops, i);
	}
}

void tlsi_drv_rule_reason(const struct tlsi_drv_image *im, uint32_t ri, char *buf,
			  size_t len, uint32_t msg_max)
{
	const struct tlsi_img_rule *r = &im->eng.rules[ri];
	uint32_t n;
	const char *m = tlsi_eng_str(&im->eng, &r->msg, &n);

	snprintf(buf, len, "ips sid %u: %.*s", le32v(r->sid), (int)TLSI_ENG_MIN(n, msg_max), m);
}

/* ---- sessions -------------------------------------------------------------------- */

void tlsi_drv_flow_init(struct tlsi_drv_flow *df, const uint8_t caddr[16],
			uint16_t cport, const uint8_t saddr[16], uint16_t sport,
			uint64_t random, unsigned int flags)
{
	memset(df, 0, sizeof(*df));
	tlsi_eng_flow_init(&df->f, caddr, cport, saddr, sport);
	df->flags = (uint8_t)flags;
	if (flags & TLSI_DRV_F_TLS)
		tlsi_eng_set_app(&df->f, TLSI_APP_TLS);
	else
		df->tls_done = 1;
	if (flags & TLSI_DRV_F_DATAGRAM)
		tlsi_eng_set_datagram(&df->f);
	/* EVE flow ids are positive and exact in a JSON double */
	df->flow_id = (random >> 11) | 1;
}

void tlsi_drv_flow_service(struct tlsi_drv_flow *df, unsigned int service)
{
	switch (service) {
	case TLSI_SSL_SERVICE_HTTP:
		/* HTTP/2's preface is still recognised: h2 is HTTP too */
		tlsi_eng_set_app(&df->f, TLSI_APP_HTTP);
		break;
	case TLSI_SSL_SERVICE_IMAP:
		tlsi_eng_set_app(&df->f, TLSI_APP_IMAP);
		break;
	case TLSI_SSL_SERVICE_POP3:
		tlsi_eng_set_app(&df->f, TLSI_APP_POP3);
		break;
	case TLSI_SSL_SERVICE_SMTP:
		tlsi_eng_set_app(&df->f, TLSI_APP_SMTP);
		break;
	case TLSI_SSL_SERVICE_OTHER:
		tlsi_eng_set_raw_only(&df->f);
		break;
	default:		/* AUTO: detected from the stream */
		break;
	}
}

static const struct {
	enum tlsi_app app;
	const char *name;
} app_names[] = {
	{ TLSI_APP_HTTP, "http" },
	{ TLSI_APP_SMTP, "smtp" },
	{ TLSI_APP_IMAP, "imap" },
	{ TLSI_APP_POP3, "pop3" },
	{ TLSI_APP_DNS, "dns" },
	{ TLSI_APP_TLS, "tls" },	/* last: what TLS carries comes first */
};

const char *tlsi_drv_app_name(const struct tlsi_drv_flow *df)
{
	unsigned int i;

	if (tlsi_eng_is_http2(&df->f))
		return "http2";
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(app_names); i++)
		if (df->f.apps & TLSI_APPS(app_names[i].app))
			return app_names[i].name;
	return NULL;
}

static uint32_t head_len(const struct tlsi_http_dir *h)
{
	return TLSI_ENG_MIN((uint32_t)h->hdr_len, (uint32_t)TLSI_HTTP_HDR_MAX);
}

void tlsi_drv_http_meta(const struct tlsi_drv_flow *df, unsigned int dir,
			struct tlsi_http_meta *m)
{
	const struct tlsi_http_dir *rq = &df->f.dir[TLSI_DIR_TO_SERVER].http;
	const struct tlsi_http_dir *rs = &df->f.dir[TLSI_DIR_TO_CLIENT].http;

	memset(m, 0, sizeof(*m));
	if (!(df->f.apps & TLSI_APPS(TLSI_APP_HTTP)))
		return;
	tlsi_http_meta_request(rq->hdr, head_len(rq), m);
	if (dir == TLSI_DIR_TO_CLIENT)
		m->status = tlsi_http_meta_status(rs->hdr, head_len(rs));
}

/* ---- engine callbacks ------------------------------------------------------------- */

enum tlsi_drv_counter tlsi_drv_event_counter(enum tlsi_eng_event ev)
{
	switch (ev) {
	case TLSI_EV_DEPTH:
		return TLSI_DRV_C_DEPTH;
	case TLSI_EV_PENDING_OVERFLOW:
	case TLSI_EV_CAND_OVERFLOW:
	case TLSI_EV_STEPS:
	case TLSI_EV_XBITS_FULL:
	case TLSI_EV_FLOWINT_FULL:
		return TLSI_DRV_C_ENGINE_ERRORS;
	case TLSI_EV_DNS_MALFORMED:
		return TLSI_DRV_C_DNS_ANOMALIES;
	case TLSI_EV_HTTP2_PREFACE ... TLSI_EV_HTTP2_STREAMS:
		return TLSI_DRV_C_HTTP2_ANOMALIES;
	case TLSI_EV_TLS_MALFORMED:
	case TLSI_EV_TLS_HELLO_TOO_LONG:
		return TLSI_DRV_C_TLS_ANOMALIES;
	case TLSI_EV_WINDOW:
		return TLSI_DRV_C_WINDOW;
	default:
		return TLSI_DRV_C_HTTP_ANOMALIES;
	}
}

static void count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n)
{
	if (c->ops->count)
		c->ops->count(c, what, n);
}

static bool blocking_action(uint8_t action)
{
	return action == TLSI_ACT_DROP || action == TLSI_ACT_REJECT;
}

/* The quarantine an alert of rule ri asks for: seconds + 1, or 0. */
static uint32_t quarantine_for(struct tlsi_drv_call *c, uint32_t ri)
{
	const struct tlsi_img_rule *r = &c->im->eng.rules[ri];
	uint32_t q = c->im->quarantine ? c->im->quarantine[ri] : 0;

	if (!c->ops->quarantine || c->set.quarantine_off || c->df->quarantined)
		return 0;
	if (!q && c->set.quarantine_blocks && blocking_action(r->action))
		q = TLSI_DRV_Q_CONFIGURED;
	if (!q)
		return 0;
	return (q == TLSI_DRV_Q_CONFIGURED ? c->set.quarantine_timeout : q) + 1;
}

static void report(struct tlsi_drv_call *c, const struct tlsi_drv_deferred *d,
		   uint32_t quarantine)
{
	const struct tlsi_img_rule *r = &c->im->eng.rules[d->rule];
	struct tlsi_drv_alert a = {
		.rule = d->rule,
		.r = r,
		.dir = d->dir,
		.buf = d->buf,
		.action = r->action,
		.blocked = blocking_action(r->action),
		.tx = d->tx,
		.stream_off = d->stream_off,
		.quarantine = quarantine,
	};

	c->ops->alert(c, &a);
}

static void on_alert(void *arg, struct tlsi_eng_flow *f, const struct tlsi_eng_alert *a)
{
	struct tlsi_drv_call *c = arg;
	struct tlsi_drv_deferred d = {
		.stream_off = a->stream_off,
		.rule = a->rule,
		.tx = a->tx,
		.dir = a->dir,
		.buf = a->buf,
	};
	uint32_t q;

	tlsi_eng_count(&c->im->alerts[a->rule]);
	if (blocking_action(a->action)) {
		tlsi_eng_count(&c->im->drops[a->rule]);
		if (!c->df->block_rule)
			c->df->block_rule = a->rule + 1;
	}
	count(c, TLSI_DRV_C_ALERTS, 1);
	if (!c->trace && !c->df->traced && c->ops->trace_start &&
	    (c->set.trace_alerts || (c->im->trace && c->im->trace[a->rule]))) {
		c->trace = 1;
		c->trace_sid = le32v(c->im->eng.rules[a->rule].sid);
	}
	q = quarantine_for(c, a->rule);
	if (q && !c->quarantine) {
		c->quarantine = q;
		c->quarantine_rule = a->rule;
	}
	/*
	 * Header and body alerts are reported now, while the decoder's copy
	 * of the message head is theirs; raw-stream alerts after the call,
	 * when the head of the request in this chunk has been decoded.
	 */
	if (a->buf != TLSI_BUF_RAW || c->ndefer == TLSI_DRV_DEFER) {
		report(c, &d, q);
		return;
	}
	d.quarantine = q != 0;
	c->defer[c->ndefer++] = d;
}

static void on_event(void *arg, struct tlsi_eng_flow *f, enum tlsi_eng_event ev, uint8_t dir)
{
	count(arg, tlsi_drv_event_counter(ev), 1);
}

/* ---- calls -------------------------------------------------------------------------- */

static bool final_verdict(enum tlsi_eng_verdict v)
{
	return v == TLSI_ENG_V_DROP || v == TLSI_ENG_V_REJECT || v == TLSI_ENG_V_PASS;
}

/* The TLS step, once per flow, with the host's facts. */
static enum tlsi_eng_verdict run_tls(struct tlsi_drv_call *c, struct tlsi_eng_ctx *ctx)
{
	struct tlsi_eng_tls_info ti;
	enum tlsi_eng_verdict v;

	memset(&ti, 0, sizeof(ti));
	c->df->tls_done = 1;
	if (c->ops->tls_info)
		c->ops->tls_info(c, &ti);
	v = tlsi_eng_tls(ctx, &c->df->f, &ti);
	if (c->ops->tls_put)
		c->ops->tls_put(c, &ti);
	return v;
}

enum run_what { RUN_TLS_ONLY, RUN_DATA, RUN_EOF, RUN_DATAGRAM };

/* The engine over data (RUN_DATA) or the end of both directions, after the
 * TLS step if it has not run yet. */
static enum tlsi_eng_verdict run(struct tlsi_drv_call *c, enum run_what what, unsigned int dir,
				 const uint8_t *data, size_t len, const struct tlsi_eng_pkt *pkt)
{
	struct tlsi_eng_cfg cfg = {
		.depth = c->set.depth,
		.body_depth = c->set.body_depth,
		.alert = on_alert,
		.event = on_event,
		.arg = c,
	};
	struct tlsi_eng_ctx ctx = {
		.eng = &c->im->eng,
		.cfg = &cfg,
		.now_ms = c->ops->now_ms ? c->ops->now_ms(c) : 0,
	};
	enum tlsi_eng_verdict v = TLSI_ENG_V_CONTINUE;
	struct tlsi_drv_flow *df = c->df;

	ctx.s = c->ops->scratch_get(c);
	if (!ctx.s)
		return TLSI_ENG_V_CONTINUE;
	if (!df->tls_done) {
		v = run_tls(c, &ctx);
		if (final_verdict(v))
			goto out;
	}
	if (what == RUN_DATAGRAM)
		v = tlsi_eng_datagram(&ctx, &df->f, dir, pkt);
	if (what == RUN_EOF) {
		tlsi_eng_eof(&ctx, &df->f, TLSI_DIR_TO_SERVER);
		v = tlsi_eng_eof(&ctx, &df->f, TLSI_DIR_TO_CLIENT);
	}
	while (what == RUN_DATA && len) {
		size_t n = TLSI_ENG_MIN(len, (size_t)TLSI_DRV_PIECE);

		v = tlsi_eng_inspect(&ctx, &df->f, dir, data, n);
		data += n;
		len -= n;
		if (final_verdict(v))
			break;
		if (len && c->ops->resched)
			c->ops->resched();
	}
out:
	if (c->ops->scratch_put)
		c->ops->scratch_put(c, ctx.s);
	return v;
}

/* After the engine: deferred alerts, then the quarantine (hosts may sleep). */
static void call_after(struct tlsi_drv_call *c)
{
	char reason[TLSI_DRV_REASON_MAX];
	unsigned int i;
	int err;

	for (i = 0; i < c->ndefer; i++)
		report(c, &c->defer[i], c->defer[i].quarantine ? c->quarantine : 0);
	c->ndefer = 0;
	if (!c->quarantine || c->df->quarantined)
		return;
	c->df->quarantined = 1;
	tlsi_drv_rule_reason(c->im, c->quarantine_rule, reason, sizeof(reason),
			     TLSI_DRV_REASON_MSG);
	err = c->ops->quarantine(c, c->quarantine - 1, reason);
	count(c, err ? TLSI_DRV_C_QUARANTINE_FAILED : TLSI_DRV_C_QUARANTINES, 1);
}

/* A rule of this call asked for a trace: from the chunk that fired it on. */
static void trace_begin(struct tlsi_drv_call *c, unsigned int dir, const uint8_t *data,
			size_t len)
{
	if (!c->trace || c->df->traced || !c->ops->trace_start(c, c->trace_sid, dir, len))
		return;
	c->df->traced = 1;
	c->df->trace_sid = c->trace_sid;
	if (len && c->ops->trace_data)
		c->ops->trace_data(c, dir, data, len);
}

/* The engine's verdict v on the flow: blocks are sticky, each counted once. */
static bool verdict(struct tlsi_drv_call *c, enum tlsi_eng_verdict v)
{
	struct tlsi_drv_flow *df = c->df;

	if (v == TLSI_ENG_V_DROP || v == TLSI_ENG_V_REJECT) {
		if (!df->blocked)
			count(c, TLSI_DRV_C_BLOCKS, 1);
		df->blocked = 1;
		if (v == TLSI_ENG_V_REJECT)
			df->rejected = 1;
	} else if (v == TLSI_ENG_V_PASS && !df->passed) {
		df->passed = 1;
		count(c, TLSI_DRV_C_PASSES, 1);
	}
	return df->blocked;
}

static void call_begin(struct tlsi_drv_call *c, struct tlsi_drv_flow *df)
{
	c->df = df;
	c->quarantine = 0;
	c->quarantine_rule = 0;
	c->trace = 0;
	c->trace_sid = 0;
	c->ndefer = 0;
}

bool tlsi_drv_start(struct tlsi_drv_call *c, struct tlsi_drv_flow *df)
{
	enum tlsi_eng_verdict v;

	call_begin(c, df);
	if (!c->im || df->tls_done || df->blocked)
		return df->blocked;
	v = run(c, RUN_TLS_ONLY, 0, NULL, 0, NULL);
	verdict(c, v);
	trace_begin(c, 0, NULL, 0);
	call_after(c);
	return df->blocked;
}

bool tlsi_drv_data(struct tlsi_drv_call *c, struct tlsi_drv_flow *df, unsigned int dir,
		   const uint8_t *data, size_t len)
{
	enum tlsi_eng_verdict v;

	call_begin(c, df);
	if (!len || dir >= TLSI_DIRS)
		return df->blocked;
	df->seen[dir] += len;
	/* A traced flow records every chunk, inspected or not. */
	if (df->traced && c->ops->trace_data)
		c->ops->trace_data(c, dir, data, len);
	if (df->blocked || !c->im)
		return df->blocked;
	v = run(c, RUN_DATA, dir, data, len, NULL);
	count(c, TLSI_DRV_C_BYTES, len);
	trace_begin(c, dir, data, len);
	call_after(c);
	return verdict(c, v);
}

bool tlsi_drv_datagram(struct tlsi_drv_call *c, struct tlsi_drv_flow *df, unsigned int dir,
		       const struct tlsi_eng_pkt *pkt)
{
	/* A UDP host that gave the datagram to tlsi_drv_data() first (its
	 * app decoders) has counted and traced it there. */
	bool given = df->flags & TLSI_DRV_F_DATAGRAM;
	enum tlsi_eng_verdict v;

	call_begin(c, df);
	if (dir >= TLSI_DIRS || !pkt)
		return df->blocked;

	if (!given) {
		df->seen[dir] += pkt->len;
		if (df->traced && c->ops->trace_data && pkt->len)
			c->ops->trace_data(c, dir, pkt->payload, pkt->len);
	}
	if (df->blocked || !c->im)
		return df->blocked;
	v = run(c, RUN_DATAGRAM, dir, NULL, 0, pkt);
	if (!given)
		count(c, TLSI_DRV_C_BYTES, pkt->len);
	trace_begin(c, dir, pkt->payload, pkt->len);
	call_after(c);
	return verdict(c, v);
}

void tlsi_drv_end(struct tlsi_drv_call *c, struct tlsi_drv_flow *df)
{
	call_begin(c, df);
	/* Bodies delimited by the close end here (alerts only: too late to
	 * block); not with an image the flow state does not belong to. */
	if (c->im && !df->blocked && df->f.eng_id == c->im->eng.id) {
		run(c, RUN_EOF, 0, NULL, 0, NULL);
		trace_begin(c, 0, NULL, 0);
		call_after(c);
	}
	if (df->traced && c->ops->trace_end)
		c->ops->trace_end(c);
}
