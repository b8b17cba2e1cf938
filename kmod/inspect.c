// SPDX-License-Identifier: GPL-2.0
/*
 * The inspection hook of the relays: every plaintext chunk of a handed-off
 * session passes here, in order per direction, and goes through the filter
 * engine with the namespace's live IPS rules (ips.c).
 *
 * Per session: struct tlsi_ips_session (the engine's flow state, about
 * 37 KB), allocated when the session starts if rules are loaded, else with
 * the first chunk seen while rules are loaded; a failed allocation leaves
 * the session uninspected (counted), never fails it. Sessions relayed
 * without decryption are not inspected (ciphertext). Per call: the image's
 * scratch of the current CPU, under its mutex (so a call may sleep: it
 * sends events and may quarantine a host).
 *
 * Verdicts: an alerting rule sends an IPS_ALERT event; a drop or reject
 * rule makes the session's verdict BLOCK (the relay resets it); a pass rule
 * stops inspecting the session. A rule with metadata "tlsi_quarantine
 * [SECONDS]", or any blocking rule when the namespace's IPS setting
 * "quarantine" is on, quarantines the client (tlsi_quar_add()).
 */
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "ips.h"
#include "../engine/http_meta.h"

#define TLSI_IPS_DEFER		16	/* raw-stream alerts per call, reported after it */
#define TLSI_IPS_PIECE		(64 * 1024)	/* bytes per engine call */
#define TLSI_IPS_URL_MAX	2048
#define TLSI_IPS_HOST_MAX	256
#define TLSI_IPS_UA_MAX		512
#define TLSI_IPS_METHOD_MAX	32

struct tlsi_ips_session {
	struct tlsi_eng_flow f;
	u64 flow_id;
	bool blocked;			/* the engine's verdict was DROP or REJECT */
	bool passed;			/* counted as passed */
	bool quarantined;		/* the client was quarantined */
	bool tls_done;			/* tlsi_eng_tls() was called */
	struct tlsi_trace_flow trace;	/* packet trace (trace.c) */
};

/* One alert whose event waits for the end of the engine call. */
struct tlsi_ips_deferred {
	u32 rule;
	u8 dir;
	u8 quarantine;
};

/* State of one engine call, the callbacks' argument. */
struct tlsi_ips_call {
	struct tlsi_inspect_session *is;
	struct tlsi_ips_session *ss;
	struct tlsi_ips_image *im;
	struct tlsi_net *tn;
	u32 quarantine;			/* seconds + 1 to quarantine the client for */
	u32 quarantine_rule;
	u32 timeout;			/* the setting, for U32_MAX metadata */
	bool global_quarantine;
	u8 trace_mode;			/* the setting: enum tlsi_ips_trace */
	bool trace;			/* a traced rule fired in this call */
	u32 trace_sid;			/* the first of them */
	unsigned int ndefer;
	struct tlsi_ips_deferred defer[TLSI_IPS_DEFER];
};

u32 tlsi_ips_session_size(void)
{
	return sizeof(struct tlsi_ips_session);
}

static const char *tlsi_ips_app_name(const struct tlsi_inspect_session *is,
				     const struct tlsi_eng_flow *f)
{
	if (tlsi_eng_is_http2(f))
		return "http2";
	if (f->apps & TLSI_APPS(TLSI_APP_HTTP))
		return "http";
	if (f->apps & TLSI_APPS(TLSI_APP_SMTP))
		return "smtp";
	if (f->apps & TLSI_APPS(TLSI_APP_IMAP))
		return "imap";
	if (f->apps & TLSI_APPS(TLSI_APP_POP3))
		return "pop3";
	if (f->apps & TLSI_APPS(TLSI_APP_DNS))
		return "dns";
	return is->decrypted ? "tls" : NULL;
}

static int tlsi_ips_put_bytes(struct sk_buff *skb, int type, const u8 *p, u32 len,
			      u32 max)
{
	if (!p || !len)
		return 0;
	return tlsi_ips_put_str(skb, type, (const char *)p, min(len, max));
}

static void tlsi_ips_event(struct tlsi_ips_call *k, u32 ri, u8 dir, u32 quarantine)
{
	const struct tlsi_inspect_session *is = k->is;
	const struct tlsi_eng_flow *f = &k->ss->f;
	const struct tlsi_img_rule *r = &k->im->eng.rules[ri];
	struct tlsi_cidr4 client = { .addr = ntohl(is->caddr), .plen = 32 };
	struct tlsi_cidr4 server = { .addr = ntohl(is->saddr), .plen = 32 };
	struct tlsi_http_meta m = {};
	struct net *net = k->tn->net;
	const char *s, *app;
	struct sk_buff *skb;
	void *hdr;
	u32 n;

	if (!genl_has_listeners(&tlsi_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto fail;
	hdr = genlmsg_put(skb, 0, 0, &tlsi_genl_family, 0, TLSI_CMD_EVENT);
	if (!hdr)
		goto fail_free;
	if (nla_put_u8(skb, TLSI_A_EVENT_TYPE, TLSI_EVENT_IPS_ALERT) ||
	    nla_put_u8(skb, TLSI_A_TABLE, TLSI_TABLE_IPS) ||
	    nla_put_u32(skb, TLSI_A_SID, le32v(r->sid)) ||
	    nla_put_u32(skb, TLSI_A_GID, le32v(r->gid)) ||
	    nla_put_u32(skb, TLSI_A_REV, le32v(r->rev)) ||
	    nla_put_u8(skb, TLSI_A_PRIORITY, r->priority) ||
	    nla_put_u8(skb, TLSI_A_IPS_ACTION, r->action) ||
	    nla_put_u8(skb, TLSI_A_BLOCKED, r->action == TLSI_ACT_DROP ||
					     r->action == TLSI_ACT_REJECT) ||
	    nla_put_u8(skb, TLSI_A_DIRECTION, dir) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_SRC, &client) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_DST, &server) ||
	    nla_put_u8(skb, TLSI_A_PROTO, IPPROTO_TCP) ||
	    nla_put_u16(skb, TLSI_A_SPORT, ntohs(is->cport)) ||
	    nla_put_u16(skb, TLSI_A_DPORT, ntohs(is->sport)) ||
	    nla_put_u64_64bit(skb, TLSI_A_FLOW_ID, k->ss->flow_id, TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_TIMESTAMP, ktime_get_real_ns(), TLSI_A_PAD) ||
	    nla_put_u8(skb, TLSI_A_SSL_INSPECTED, is->decrypted))
		goto fail_free;
	n = tlsi_ips_str(k->im, &r->msg, &s, TLSI_IPS_MSG_MAX);
	if (tlsi_ips_put_str(skb, TLSI_A_MSG, s, n))
		goto fail_free;
	n = tlsi_ips_str(k->im, &r->classtype, &s, TLSI_IPS_CLASSTYPE_MAX);
	if (n && tlsi_ips_put_str(skb, TLSI_A_CLASSTYPE, s, n))
		goto fail_free;
	app = tlsi_ips_app_name(is, f);
	if (app && nla_put_string(skb, TLSI_A_APP_PROTO, app))
		goto fail_free;
	if (f->apps & TLSI_APPS(TLSI_APP_HTTP)) {
		const struct tlsi_http_dir *rq = &f->dir[TLSI_DIR_TO_SERVER].http;
		const struct tlsi_http_dir *rs = &f->dir[TLSI_DIR_TO_CLIENT].http;

		tlsi_http_meta_request(rq->hdr, min_t(u32, rq->hdr_len, TLSI_HTTP_HDR_MAX), &m);
		if (dir == TLSI_DIR_TO_CLIENT)
			m.status = tlsi_http_meta_status(rs->hdr,
							 min_t(u32, rs->hdr_len, TLSI_HTTP_HDR_MAX));
		if (tlsi_ips_put_bytes(skb, TLSI_A_HTTP_HOST, m.host, m.host_len, TLSI_IPS_HOST_MAX) ||
		    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_URL, m.url, m.url_len, TLSI_IPS_URL_MAX) ||
		    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_METHOD, m.method, m.method_len,
				       TLSI_IPS_METHOD_MAX) ||
		    tlsi_ips_put_bytes(skb, TLSI_A_HTTP_USER_AGENT, m.ua, m.ua_len, TLSI_IPS_UA_MAX) ||
		    (m.status && nla_put_u16(skb, TLSI_A_HTTP_STATUS, m.status)))
			goto fail_free;
	}
	if (is->sni[0] && nla_put_string(skb, TLSI_A_TLS_SNI, is->sni))
		goto fail_free;
	if (quarantine && (nla_put_u8(skb, TLSI_A_QUARANTINED, 1) ||
			   nla_put_u32(skb, TLSI_A_TIMEOUT, quarantine - 1)))
		goto fail_free;
	genlmsg_end(skb, hdr);
	if (genlmsg_multicast_netns(&tlsi_genl_family, net, skb, 0, 0, GFP_KERNEL) &&
	    genl_has_listeners(&tlsi_genl_family, net, 0))
		goto fail;
	tlsi_count(k->tn, TLSI_CNT_EVENTS_SENT);
	return;

fail_free:
	nlmsg_free(skb);
fail:
	tlsi_count(k->tn, TLSI_CNT_EVENTS_FAILED);
	net_info_ratelimited("tlsi: IPS alert event (sid %u) not delivered\n", le32v(r->sid));
}

/* The quarantine an alert of rule ri asks for: seconds + 1, or 0. */
static u32 tlsi_ips_quarantine_for(struct tlsi_ips_call *k, u32 ri)
{
	const struct tlsi_img_rule *r = &k->im->eng.rules[ri];
	u32 q = k->im->quarantine ? k->im->quarantine[ri] : 0;

	if (!q && k->global_quarantine &&
	    (r->action == TLSI_ACT_DROP || r->action == TLSI_ACT_REJECT))
		q = U32_MAX;
	if (!q || k->ss->quarantined)
		return 0;
	return (q == U32_MAX ? k->timeout : q) + 1;
}

static void tlsi_ips_on_alert(void *arg, struct tlsi_eng_flow *f,
			      const struct tlsi_eng_alert *a)
{
	struct tlsi_ips_call *k = arg;
	u32 q;

	tlsi_eng_count(&k->im->alerts[a->rule]);
	if (a->action == TLSI_ACT_DROP || a->action == TLSI_ACT_REJECT)
		tlsi_eng_count(&k->im->drops[a->rule]);
	tlsi_count(k->tn, TLSI_CNT_IPS_ALERTS);
	if (!k->trace && (k->trace_mode == TLSI_IPS_TRACE_ALERTS ||
			  (k->im->trace && k->im->trace[a->rule]))) {
		k->trace = true;
		k->trace_sid = le32v(k->im->eng.rules[a->rule].sid);
	}
	q = tlsi_ips_quarantine_for(k, a->rule);
	if (q && !k->quarantine) {
		k->quarantine = q;
		k->quarantine_rule = a->rule;
	}
	/*
	 * Header and body alerts are reported now, while the decoder's copy
	 * of the message head is theirs; raw-stream alerts after the call,
	 * when the head of the request in this chunk has been decoded.
	 */
	if (a->buf != TLSI_BUF_RAW || k->ndefer == TLSI_IPS_DEFER) {
		tlsi_ips_event(k, a->rule, a->dir, q);
		return;
	}
	k->defer[k->ndefer].rule = a->rule;
	k->defer[k->ndefer].dir = a->dir;
	k->defer[k->ndefer].quarantine = q != 0;
	k->ndefer++;
}

static void tlsi_ips_on_event(void *arg, struct tlsi_eng_flow *f,
			      enum tlsi_eng_event ev, uint8_t dir)
{
	struct tlsi_ips_call *k = arg;

	switch (ev) {
	case TLSI_EV_DEPTH:
		tlsi_count(k->tn, TLSI_CNT_IPS_DEPTH);
		break;
	case TLSI_EV_PENDING_OVERFLOW:
	case TLSI_EV_CAND_OVERFLOW:
	case TLSI_EV_STEPS:
		tlsi_count(k->tn, TLSI_CNT_IPS_ENGINE_ERRORS);
		break;
	case TLSI_EV_DNS_MALFORMED:
		tlsi_count(k->tn, TLSI_CNT_IPS_DNS_ANOMALIES);
		break;
	case TLSI_EV_HTTP2_PREFACE ... TLSI_EV_HTTP2_STREAMS:
		tlsi_count(k->tn, TLSI_CNT_IPS_HTTP2_ANOMALIES);
		break;
	default:
		tlsi_count(k->tn, TLSI_CNT_IPS_HTTP_ANOMALIES);
	}
}

static struct tlsi_ips_session *tlsi_ips_session_new(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_session *ss;
	u8 c[16], s[16];

	ss = kvzalloc(sizeof(*ss), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ss) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NOMEM);
		net_info_ratelimited("tlsi: no memory to inspect %pI4:%u -> %pI4:%u: passed uninspected\n",
				     &is->caddr, ntohs(is->cport), &is->saddr, ntohs(is->sport));
		return ERR_PTR(-ENOMEM);
	}
	tlsi_eng_addr4(c, (const u8 *)&is->caddr);
	tlsi_eng_addr4(s, (const u8 *)&is->saddr);
	tlsi_eng_flow_init(&ss->f, c, ntohs(is->cport), s, ntohs(is->sport));
	tlsi_eng_set_app(&ss->f, TLSI_APP_TLS);
	/* EVE flow ids are positive and exact in a JSON double */
	ss->flow_id = (get_random_u64() >> 11) | 1;
	atomic_inc(&tlsi_ips_pernet(is->tn)->sessions);
	tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_INSPECTED);
	return ss;
}

static void tlsi_ips_session_free(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_session *ss = is->engine;

	is->engine = NULL;
	if (IS_ERR_OR_NULL(ss))
		return;
	atomic_dec(&tlsi_ips_pernet(is->tn)->sessions);
	kvfree(ss);
}

/*
 * Check the hand-off's certificate records (from tlsid: untrusted, bounded
 * by TLSI_CERTS_MAX) and point out at them.
 */
int tlsi_inspect_certs_parse(const u8 *p, u32 len, struct tlsi_inspect_certs *out)
{
	u32 off = 0, seen = 0;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		struct tlsi_cert_rec rec;
		const u8 *val;

		if (len - off < sizeof(rec))
			return -EINVAL;
		memcpy(&rec, p + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.reserved || rec.len > len - off || !rec.len ||
		    rec.type < TLSI_CERT_REC_SUBJECT || rec.type >= __TLSI_CERT_REC_MAX)
			return -EINVAL;
		val = p + off;
		off += rec.len;
		if (rec.type == TLSI_CERT_REC_DER) {
			if (out->nder >= TLSI_CERTS_CHAIN_MAX)
				return -EINVAL;
			out->der[out->nder] = val;
			out->der_len[out->nder++] = rec.len;
			continue;
		}
		if ((seen & BIT(rec.type)) || rec.len > TLSI_CERT_TEXT_MAX)
			return -EINVAL;
		seen |= BIT(rec.type);
		switch (rec.type) {
		case TLSI_CERT_REC_SUBJECT:
			out->subject = val;
			out->subject_len = rec.len;
			break;
		case TLSI_CERT_REC_ISSUER:
			out->issuer = val;
			out->issuer_len = rec.len;
			break;
		default:
			out->serial = val;
			out->serial_len = rec.len;
		}
	}
	return 0;
}

/*
 * Run the engine over data (or end both directions when data is NULL); the
 * session's TLS step first, once. tls_only: only that step.
 */
static enum tlsi_eng_verdict tlsi_ips_run(struct tlsi_ips_call *k, unsigned int dir,
					  const u8 *data, size_t len, bool tls_only)
{
	struct tlsi_ips_net *in = tlsi_ips_pernet(k->tn);
	struct tlsi_eng_cfg cfg = {
		.depth = k->is->depth != TLSI_INSPECT_DEPTH_DEFAULT ? k->is->depth :
			 READ_ONCE(in->cfg.depth),
		.body_depth = READ_ONCE(in->cfg.body_depth),
		.alert = tlsi_ips_on_alert,
		.event = tlsi_ips_on_event,
		.arg = k,
	};
	struct tlsi_eng_ctx c = {
		.eng = &k->im->eng,
		.cfg = &cfg,
		.now_ms = div_u64(ktime_get_boottime_ns(), NSEC_PER_MSEC),
	};
	struct tlsi_ips_scratch *slot = &k->im->scratch[raw_smp_processor_id()];
	enum tlsi_eng_verdict v = TLSI_ENG_V_CONTINUE;

	k->global_quarantine = READ_ONCE(in->cfg.quarantine);
	k->timeout = READ_ONCE(in->cfg.quarantine_timeout);
	k->trace_mode = READ_ONCE(in->cfg.trace);
	mutex_lock(&slot->lock);
	c.s = slot->s;
	/* What tlsid saw of the handshake, once per session: tls.* rules. */
	if (!k->ss->tls_done) {
		const struct tlsi_inspect_certs *certs = k->is->certs;
		struct tlsi_eng_tls_info ti = {
			.sni = (const u8 *)k->is->sni,
			.sni_len = strnlen(k->is->sni, sizeof(k->is->sni)),
		};

		if (certs) {
			ti.subject = certs->subject;
			ti.subject_len = certs->subject_len;
			ti.issuer = certs->issuer;
			ti.issuer_len = certs->issuer_len;
			ti.serial = certs->serial;
			ti.serial_len = certs->serial_len;
			ti.certs = certs->der;
			ti.cert_lens = certs->der_len;
			ti.ncerts = certs->nder;
		}
		k->ss->tls_done = true;
		v = tlsi_eng_tls(&c, &k->ss->f, &ti);
		if (v == TLSI_ENG_V_DROP || v == TLSI_ENG_V_REJECT || v == TLSI_ENG_V_PASS)
			goto out;
	}
	if (tls_only)
		goto out;
	if (!data) {
		tlsi_eng_eof(&c, &k->ss->f, TLSI_DIR_TO_SERVER);
		v = tlsi_eng_eof(&c, &k->ss->f, TLSI_DIR_TO_CLIENT);
	}
	while (data && len) {
		size_t n = min_t(size_t, len, TLSI_IPS_PIECE);

		v = tlsi_eng_inspect(&c, &k->ss->f, dir, data, n);
		data += n;
		len -= n;
		if (v == TLSI_ENG_V_DROP || v == TLSI_ENG_V_REJECT || v == TLSI_ENG_V_PASS)
			break;
		if (len)
			cond_resched();
	}
out:
	mutex_unlock(&slot->lock);
	return v;
}

/* After a call: deferred events, then the quarantine (takes cfg_lock). */
static void tlsi_ips_after(struct tlsi_ips_call *k)
{
	unsigned int i;
	char reason[TLSI_REASON_MAX];
	const char *msg;
	u32 n;
	int err;

	for (i = 0; i < k->ndefer; i++)
		tlsi_ips_event(k, k->defer[i].rule, k->defer[i].dir,
			       k->defer[i].quarantine ? k->quarantine : 0);
	if (!k->quarantine || k->ss->quarantined)
		return;
	k->ss->quarantined = true;
	n = tlsi_ips_str(k->im, &k->im->eng.rules[k->quarantine_rule].msg, &msg, 80);
	snprintf(reason, sizeof(reason), "ips sid %u: %.*s",
		 le32v(k->im->eng.rules[k->quarantine_rule].sid), (int)n, msg);
	err = tlsi_quar_add(k->tn, ntohl(k->is->caddr), k->quarantine - 1, reason);
	tlsi_count(k->tn, err ? TLSI_CNT_IPS_QUARANTINE_FAILED : TLSI_CNT_IPS_QUARANTINES);
}

/* Record the engine's verdict v on the session (blocks are sticky). */
static enum tlsi_inspect_verdict tlsi_ips_verdict(struct tlsi_inspect_session *is,
						  struct tlsi_ips_session *ss,
						  enum tlsi_eng_verdict v)
{
	if (v == TLSI_ENG_V_DROP || v == TLSI_ENG_V_REJECT) {
		if (!ss->blocked)
			tlsi_count(is->tn, TLSI_CNT_IPS_BLOCKS);
		ss->blocked = true;
		return TLSI_INSPECT_BLOCK;
	}
	if (v == TLSI_ENG_V_PASS && !ss->passed) {
		ss->passed = true;
		tlsi_count(is->tn, TLSI_CNT_IPS_PASSES);
	}
	return TLSI_INSPECT_PASS;
}

int tlsi_inspect_start(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_call k = { .is = is, .tn = is->tn };
	struct tlsi_ips_image *im;

	is->engine = NULL;
	if (!is->decrypted) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NOT_DECRYPTED);
		return 0;
	}
	im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	if (!im) {
		tlsi_count(is->tn, TLSI_CNT_IPS_FLOWS_NO_RULES);
		return 0;	/* allocated with the first chunk under rules */
	}
	is->engine = tlsi_ips_session_new(is);
	if (!IS_ERR(is->engine)) {
		/* The handshake's facts now, while the certificates are here:
		 * a block is returned by the first tlsi_inspect_data(). */
		k.im = im;
		k.ss = is->engine;
		tlsi_ips_verdict(is, k.ss, tlsi_ips_run(&k, 0, NULL, 0, true));
		/* a traced tls.* rule: the session's chunks from the first on */
		if (k.trace)
			tlsi_trace_start(is, &k.ss->trace, k.ss->flow_id, k.trace_sid);
		tlsi_ips_after(&k);
	}
	tlsi_ips_put(im);
	return 0;
}

enum tlsi_inspect_verdict tlsi_inspect_data(struct tlsi_inspect_session *is,
					    enum tlsi_dir dir, const u8 *data,
					    size_t len)
{
	struct tlsi_ips_call k = { .is = is, .tn = is->tn };
	struct tlsi_ips_session *ss = is->engine;
	enum tlsi_eng_verdict v;

	might_sleep();
	is->bytes[dir] += len;
	tlsi_count_add(is->tn, dir == TLSI_DIR_C2S ? TLSI_CNT_INSPECT_BYTES_C2S :
			       TLSI_CNT_INSPECT_BYTES_S2C, len);
	if (!is->decrypted || IS_ERR(ss) || !len)
		return ss && !IS_ERR(ss) && ss->blocked ? TLSI_INSPECT_BLOCK : TLSI_INSPECT_PASS;
	/* A traced session records every chunk, inspected or not. */
	if (ss && ss->trace.on)
		tlsi_trace_chunk(is, &ss->trace, ss->flow_id, dir, data, len);
	if (ss && ss->blocked)
		return TLSI_INSPECT_BLOCK;
	k.im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	if (!k.im)
		return TLSI_INSPECT_PASS;
	if (!ss) {
		ss = tlsi_ips_session_new(is);
		is->engine = ss;
		if (IS_ERR(ss)) {
			tlsi_ips_put(k.im);
			return TLSI_INSPECT_PASS;
		}
	}
	k.ss = ss;
	v = tlsi_ips_run(&k, dir == TLSI_DIR_C2S ? TLSI_DIR_TO_SERVER : TLSI_DIR_TO_CLIENT,
			 data, len, false);
	tlsi_count_add(is->tn, TLSI_CNT_IPS_BYTES, len);
	if (k.trace && !ss->trace.on) {
		/* from the chunk that fired the rule on */
		tlsi_trace_start(is, &ss->trace, ss->flow_id, k.trace_sid);
		tlsi_trace_chunk(is, &ss->trace, ss->flow_id, dir, data, len);
	}
	tlsi_ips_after(&k);
	tlsi_ips_put(k.im);
	return tlsi_ips_verdict(is, ss, v);
}

void tlsi_inspect_end(struct tlsi_inspect_session *is)
{
	struct tlsi_ips_call k = { .is = is, .tn = is->tn };
	struct tlsi_ips_session *ss = is->engine;

	if (IS_ERR_OR_NULL(ss))
		goto out;
	k.im = tlsi_ips_get(tlsi_ips_pernet(is->tn));
	/* Bodies delimited by the close end here (alerts only: too late to
	 * block); not with an image the flow state does not belong to. */
	if (k.im && !ss->blocked && ss->f.eng_id == k.im->eng.id) {
		k.ss = ss;
		tlsi_ips_run(&k, 0, NULL, 0, false);
		if (k.trace)
			tlsi_trace_start(is, &ss->trace, ss->flow_id, k.trace_sid);
		tlsi_ips_after(&k);
	}
	tlsi_ips_put(k.im);
	tlsi_trace_end(is, &ss->trace, ss->flow_id);
out:
	tlsi_ips_session_free(is);
}
