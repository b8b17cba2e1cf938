// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: rule options. The names of buffers and their
 * keywords, the state of one rule's parse, and the dispatcher from an
 * option keyword to what handles it (here, or in rules_parse_payload.c and
 * rules_parse_flow.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"
/* ---- names --------------------------------------------------------------- */

static const char *const buf_names[TLSI_BUF_MAX] = {
	[TLSI_BUF_RAW] = "payload",
	[TLSI_BUF_BODY] = "file.data",
	[TLSI_BUF_HTTP_METHOD] = "http.method",
	[TLSI_BUF_HTTP_URI] = "http.uri",
	[TLSI_BUF_HTTP_URI_RAW] = "http.uri.raw",
	[TLSI_BUF_HTTP_PROTOCOL] = "http.protocol",
	[TLSI_BUF_HTTP_REQUEST_LINE] = "http.request_line",
	[TLSI_BUF_HTTP_RESPONSE_LINE] = "http.response_line",
	[TLSI_BUF_HTTP_STAT_CODE] = "http.stat_code",
	[TLSI_BUF_HTTP_STAT_MSG] = "http.stat_msg",
	[TLSI_BUF_HTTP_START] = "http.start",
	[TLSI_BUF_HTTP_HEADER] = "http.header",
	[TLSI_BUF_HTTP_HEADER_RAW] = "http.header.raw",
	[TLSI_BUF_HTTP_HEADER_NAMES] = "http.header_names",
	[TLSI_BUF_HTTP_HOST] = "http.host",
	[TLSI_BUF_HTTP_HOST_RAW] = "http.host.raw",
	[TLSI_BUF_HTTP_HOST_DOT] = "http.host (dotprefix)",
	[TLSI_BUF_HTTP_USER_AGENT] = "http.user_agent",
	[TLSI_BUF_HTTP_COOKIE] = "http.cookie",
	[TLSI_BUF_HTTP_CONTENT_TYPE] = "http.content_type",
	[TLSI_BUF_HTTP_CONTENT_LEN] = "http.content_len",
	[TLSI_BUF_HTTP_REFERER] = "http.referer",
	[TLSI_BUF_HTTP_ACCEPT] = "http.accept",
	[TLSI_BUF_HTTP_ACCEPT_ENC] = "http.accept_enc",
	[TLSI_BUF_HTTP_ACCEPT_LANG] = "http.accept_lang",
	[TLSI_BUF_HTTP_CONNECTION] = "http.connection",
	[TLSI_BUF_HTTP_LOCATION] = "http.location",
	[TLSI_BUF_HTTP_SERVER] = "http.server",
	[TLSI_BUF_TLS_SNI] = "tls.sni",
	[TLSI_BUF_TLS_SNI_DOT] = "tls.sni (dotprefix)",
	[TLSI_BUF_TLS_JA3_HASH] = "ja3.hash",
	[TLSI_BUF_TLS_JA3_STRING] = "ja3.string",
	[TLSI_BUF_TLS_JA4_HASH] = "ja4.hash",
	[TLSI_BUF_TLS_JA3S_HASH] = "ja3s.hash",
	[TLSI_BUF_TLS_JA3S_STRING] = "ja3s.string",
	[TLSI_BUF_TLS_CERT_SUBJECT] = "tls.cert_subject",
	[TLSI_BUF_TLS_CERT_ISSUER] = "tls.cert_issuer",
	[TLSI_BUF_TLS_CERT_SERIAL] = "tls.cert_serial",
	[TLSI_BUF_TLS_CERTS] = "tls.certs",
	[TLSI_BUF_PKT] = "packet payload",
	[TLSI_BUF_TCP_PKT] = "tcp packet payload",
	[TLSI_BUF_DNS_QUERY] = "dns.query",
	[TLSI_BUF_DNS_QUERY_DOT] = "dns.query (dotprefix)",
};

const char *rp_buf_name(unsigned int buf)
{
	return buf < TLSI_BUF_MAX ? buf_names[buf] : "?";
}

const char *rp_action_name(unsigned int a)
{
	static const char *const n[] = { "pass", "drop", "reject", "alert" };

	return a < TLSI_ACT_MAX ? n[a] : "?";
}

const char *rp_app_name(unsigned int app)
{
	static const char *const n[] = { "tcp", "http", "tls", "smtp", "imap", "pop3", "dns" };

	return app < TLSI_APP_MAX ? n[app] : "?";
}

/* Sticky buffers and the legacy content modifiers. dir: 0 both,
 * 1 requests only, 2 responses only. */
struct bufkw {
	const char *name;
	uint8_t buf;
	uint8_t dir;
	bool legacy;	/* modifier of the previous content */
};

static const struct bufkw bufkws[] = {
	{ "pkt_data", TLSI_BUF_RAW, 0, false },
	{ "file.data", TLSI_BUF_BODY, 0, false },
	{ "file_data", TLSI_BUF_BODY, 0, false },
	{ "http.request_body", TLSI_BUF_BODY, 1, false },
	{ "http_client_body", TLSI_BUF_BODY, 1, true },
	{ "http.response_body", TLSI_BUF_BODY, 2, false },
	{ "http_server_body", TLSI_BUF_BODY, 2, true },
	{ "http.method", TLSI_BUF_HTTP_METHOD, 1, false },
	{ "http_method", TLSI_BUF_HTTP_METHOD, 1, true },
	{ "http.uri", TLSI_BUF_HTTP_URI, 1, false },
	{ "http_uri", TLSI_BUF_HTTP_URI, 1, true },
	{ "http.uri.raw", TLSI_BUF_HTTP_URI_RAW, 1, false },
	{ "http_raw_uri", TLSI_BUF_HTTP_URI_RAW, 1, true },
	{ "http.protocol", TLSI_BUF_HTTP_PROTOCOL, 0, false },
	{ "http.request_line", TLSI_BUF_HTTP_REQUEST_LINE, 1, false },
	{ "http_request_line", TLSI_BUF_HTTP_REQUEST_LINE, 1, false },
	{ "http.response_line", TLSI_BUF_HTTP_RESPONSE_LINE, 2, false },
	{ "http_response_line", TLSI_BUF_HTTP_RESPONSE_LINE, 2, false },
	{ "http.stat_code", TLSI_BUF_HTTP_STAT_CODE, 2, false },
	{ "http_stat_code", TLSI_BUF_HTTP_STAT_CODE, 2, true },
	{ "http.stat_msg", TLSI_BUF_HTTP_STAT_MSG, 2, false },
	{ "http_stat_msg", TLSI_BUF_HTTP_STAT_MSG, 2, true },
	{ "http.start", TLSI_BUF_HTTP_START, 0, false },
	{ "http.header", TLSI_BUF_HTTP_HEADER, 0, false },
	{ "http_header", TLSI_BUF_HTTP_HEADER, 0, true },
	{ "http.header.raw", TLSI_BUF_HTTP_HEADER_RAW, 0, false },
	{ "http_raw_header", TLSI_BUF_HTTP_HEADER_RAW, 0, true },
	{ "http.header_names", TLSI_BUF_HTTP_HEADER_NAMES, 0, false },
	{ "http.host", TLSI_BUF_HTTP_HOST, 1, false },
	{ "http_host", TLSI_BUF_HTTP_HOST, 1, true },
	{ "http.host.raw", TLSI_BUF_HTTP_HOST_RAW, 1, false },
	{ "http_raw_host", TLSI_BUF_HTTP_HOST_RAW, 1, true },
	{ "http.user_agent", TLSI_BUF_HTTP_USER_AGENT, 1, false },
	{ "http_user_agent", TLSI_BUF_HTTP_USER_AGENT, 1, true },
	{ "http.cookie", TLSI_BUF_HTTP_COOKIE, 0, false },
	{ "http_cookie", TLSI_BUF_HTTP_COOKIE, 0, true },
	{ "http.content_type", TLSI_BUF_HTTP_CONTENT_TYPE, 0, false },
	{ "http_content_type", TLSI_BUF_HTTP_CONTENT_TYPE, 0, false },
	{ "http.content_len", TLSI_BUF_HTTP_CONTENT_LEN, 0, false },
	{ "http_content_len", TLSI_BUF_HTTP_CONTENT_LEN, 0, false },
	{ "http.referer", TLSI_BUF_HTTP_REFERER, 1, false },
	{ "http_referer", TLSI_BUF_HTTP_REFERER, 1, false },
	{ "http.accept", TLSI_BUF_HTTP_ACCEPT, 1, false },
	{ "http_accept", TLSI_BUF_HTTP_ACCEPT, 1, false },
	{ "http.accept_enc", TLSI_BUF_HTTP_ACCEPT_ENC, 1, false },
	{ "http_accept_enc", TLSI_BUF_HTTP_ACCEPT_ENC, 1, false },
	{ "http.accept_lang", TLSI_BUF_HTTP_ACCEPT_LANG, 1, false },
	{ "http_accept_lang", TLSI_BUF_HTTP_ACCEPT_LANG, 1, false },
	{ "http.connection", TLSI_BUF_HTTP_CONNECTION, 0, false },
	{ "http_connection", TLSI_BUF_HTTP_CONNECTION, 0, false },
	{ "http.location", TLSI_BUF_HTTP_LOCATION, 2, false },
	{ "http.server", TLSI_BUF_HTTP_SERVER, 2, false },
	{ "tls.sni", TLSI_BUF_TLS_SNI, 1, false },
	{ "tls_sni", TLSI_BUF_TLS_SNI, 1, false },
	{ "ja3.hash", TLSI_BUF_TLS_JA3_HASH, 1, false },
	{ "ja3_hash", TLSI_BUF_TLS_JA3_HASH, 1, false },
	{ "ja3.string", TLSI_BUF_TLS_JA3_STRING, 1, false },
	{ "ja3_string", TLSI_BUF_TLS_JA3_STRING, 1, false },
	{ "ja4.hash", TLSI_BUF_TLS_JA4_HASH, 1, false },
	{ "ja4_hash", TLSI_BUF_TLS_JA4_HASH, 1, false },
	{ "ja3s.hash", TLSI_BUF_TLS_JA3S_HASH, 2, false },
	{ "ja3s.string", TLSI_BUF_TLS_JA3S_STRING, 2, false },
	{ "tls.cert_subject", TLSI_BUF_TLS_CERT_SUBJECT, 2, false },
	{ "tls_cert_subject", TLSI_BUF_TLS_CERT_SUBJECT, 2, false },
	{ "tls.cert_issuer", TLSI_BUF_TLS_CERT_ISSUER, 2, false },
	{ "tls_cert_issuer", TLSI_BUF_TLS_CERT_ISSUER, 2, false },
	{ "tls.cert_serial", TLSI_BUF_TLS_CERT_SERIAL, 2, false },
	{ "tls_cert_serial", TLSI_BUF_TLS_CERT_SERIAL, 2, false },
	{ "tls.certs", TLSI_BUF_TLS_CERTS, 2, false },
	{ "dns.query", TLSI_BUF_DNS_QUERY, 1, false },
	{ "dns_query", TLSI_BUF_DNS_QUERY, 1, false },
};

static const struct bufkw *find_bufkw(const char *kw)
{
	size_t i;

	for (i = 0; i < sizeof(bufkws) / sizeof(bufkws[0]); i++)
		if (!strcmp(kw, bufkws[i].name))
			return &bufkws[i];
	return NULL;
}

/* Direction a buffer exists in: 0 both, 1 requests, 2 responses. */
int rp_buf_dir(unsigned int buf)
{
	switch (buf) {
	case TLSI_BUF_HTTP_METHOD: case TLSI_BUF_HTTP_URI: case TLSI_BUF_HTTP_URI_RAW:
	case TLSI_BUF_HTTP_REQUEST_LINE: case TLSI_BUF_HTTP_HOST:
	case TLSI_BUF_HTTP_HOST_RAW: case TLSI_BUF_HTTP_HOST_DOT:
	case TLSI_BUF_HTTP_USER_AGENT: case TLSI_BUF_HTTP_REFERER:
	case TLSI_BUF_HTTP_ACCEPT: case TLSI_BUF_HTTP_ACCEPT_ENC:
	case TLSI_BUF_HTTP_ACCEPT_LANG: case TLSI_BUF_TLS_SNI: case TLSI_BUF_TLS_SNI_DOT:
	case TLSI_BUF_TLS_JA3_HASH: case TLSI_BUF_TLS_JA3_STRING:
	case TLSI_BUF_TLS_JA4_HASH:
	case TLSI_BUF_DNS_QUERY: case TLSI_BUF_DNS_QUERY_DOT:
		return 1;
	case TLSI_BUF_HTTP_RESPONSE_LINE: case TLSI_BUF_HTTP_STAT_CODE:
	case TLSI_BUF_HTTP_STAT_MSG: case TLSI_BUF_HTTP_LOCATION: case TLSI_BUF_HTTP_SERVER:
	case TLSI_BUF_TLS_CERT_SUBJECT: case TLSI_BUF_TLS_CERT_ISSUER:
	case TLSI_BUF_TLS_CERT_SERIAL: case TLSI_BUF_TLS_CERTS:
	case TLSI_BUF_TLS_JA3S_HASH: case TLSI_BUF_TLS_JA3S_STRING:
		return 2;
	}
	return 0;
}

/* Keywords accepted without effect on matching. */
static const char *const ignored_kws[] = {
	"rawbytes", "target", "tag", "only_stream",
};

/* ---- rule options ----------------------------------------------------------- */

int rp_skip(struct pstate *ps, const char *reason, const char *fmt, ...)
{
	va_list ap;

	snprintf(ps->reason, sizeof(ps->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(ps->detail, sizeof(ps->detail), fmt, ap);
	va_end(ap);
	return -1;
}

struct rp_item *rp_new_item(struct pstate *ps, enum rp_kind kind)
{
	struct rp_rule *r = ps->r;
	struct rp_item *it;

	if (r->nitems == r->items_cap) {
		r->items_cap = r->items_cap ? r->items_cap * 2 : 8;
		r->items = rp_xrealloc(r->items, r->items_cap * sizeof(*r->items));
	}
	it = &r->items[r->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->buf = (uint8_t)ps->cur_buf;
	if (ps->b64_data) {
		it->buf = r->items[ps->b64_item].buf;
		it->b64 = true;
	}
	return it;
}

/* Decode a quoted content string with |hex| runs. */
static struct rp_item *last_content(struct pstate *ps, const char *kw)
{
	if (ps->last < 0) {
		rp_skip(ps, "syntax error", "`%s' without a preceding content", kw);
		return NULL;
	}
	return &ps->r->items[ps->last];
}

static void meta_add(struct rp_rule *r, const char *kw, const char *val)
{
	size_t old = r->meta ? strlen(r->meta) : 0;
	size_t add = strlen(kw) + strlen(val) + 4;

	r->meta = rp_xrealloc(r->meta, old + add + 1);
	snprintf(r->meta + old, add + 1, "%s%s:%s", old ? "; " : "", kw, val);
}

int rp_opt(struct pstate *ps, char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	const struct bufkw *bk;
	struct rp_item *it;
	uint64_t x;
	int32_t si;
	size_t i;

	if (!strcmp(kw, "msg")) {
		free(r->msg);
		r->msg = rp_unquote(val);
		return 0;
	}
	if (!strcmp(kw, "sid") || !strcmp(kw, "rev") || !strcmp(kw, "gid")) {
		if (rp_parse_num(val, UINT32_MAX, &x, false))
			return rp_skip(ps, "syntax error", "%s `%s'", kw, val);
		if (kw[0] == 's')
			r->sid = (uint32_t)x;
		else if (kw[0] == 'r')
			r->rev = (uint32_t)x;
		else
			r->gid = (uint32_t)x;
		return 0;
	}
	if (!strcmp(kw, "classtype")) {
		free(r->classtype);
		r->classtype = rp_xstrdup(rp_trim(val));
		return 0;
	}
	if (!strcmp(kw, "priority")) {
		if (rp_parse_num(val, 255, &x, false) || !x)
			return rp_skip(ps, "syntax error", "priority `%s'", val);
		r->priority = (uint8_t)x;
		return 0;
	}
	if (!strcmp(kw, "reference") || !strcmp(kw, "metadata")) {
		meta_add(r, kw, rp_trim(val));
		return 0;
	}
	if (!strcmp(kw, "content") || !strcmp(kw, "uricontent")) {
		it = rp_new_item(ps, RP_CONTENT);
		if (kw[0] == 'u')
			it->buf = TLSI_BUF_HTTP_URI;
		if (rp_parse_content(ps, val, it))
			return -1;
		ps->last = (int)(it - r->items);
		ps->last_payload = ps->last;
		return 0;
	}
	if (!strcmp(kw, "nocase")) {
		if (!(it = last_content(ps, kw)))
			return -1;
		it->flags |= TLSI_IF_NOCASE;
		return 0;
	}
	if (!strcmp(kw, "depth") || !strcmp(kw, "offset") || !strcmp(kw, "distance") ||
	    !strcmp(kw, "within")) {
		unsigned int opnd = kw[0] == 'o' ? 2 : kw[1] == 'e' ? 3 : kw[0] == 'd' ? 4 : 5;

		if (!(it = last_content(ps, kw)))
			return -1;
		if (rp_is_var_ref(val)) {
			uint32_t v;

			if (rp_var_ref(ps, it, val, kw, &v))
				return -1;
			si = (int32_t)v;
			it->vars |= (uint16_t)TLSI_IV(opnd);
		} else if (rp_parse_int(val, !strcmp(kw, "distance") ? -65535 : 0, 65535, &si)) {
			/* only distance may be negative (back into the
			 * previous match) */
			return rp_skip(ps, "syntax error", "%s `%s'", kw, val);
		} else {
			it->vars &= (uint16_t)~TLSI_IV(opnd);
		}
		if (kw[0] == 'd' && kw[1] == 'e') {
			it->depth = (uint32_t)si;
			it->flags |= TLSI_IF_DEPTH;
		} else if (kw[0] == 'o') {
			it->offset = si;
			it->flags |= TLSI_IF_OFFSET;
		} else if (kw[0] == 'd') {
			it->distance = si;
			it->flags |= TLSI_IF_DISTANCE;
		} else {
			it->within = (uint32_t)si;
			it->flags |= TLSI_IF_WITHIN;
		}
		return 0;
	}
	if (!strcmp(kw, "startswith") || !strcmp(kw, "endswith")) {
		if (!(it = last_content(ps, kw)))
			return -1;
		if (kw[0] == 's')
			it->startswith = true;
		else
			it->flags |= TLSI_IF_ENDSWITH;
		return 0;
	}
	if (!strcmp(kw, "fast_pattern")) {
		if (!(it = last_content(ps, kw)))
			return -1;
		it->fast = true;
		val = rp_trim(val);
		if (!strcmp(val, "only")) {
			it->fast_only = true;
		} else if (*val) {
			char *c = strchr(val, ',');
			uint64_t a, b;

			if (!c)
				return rp_skip(ps, "syntax error", "fast_pattern `%s'", val);
			*c = '\0';
			if (rp_parse_num(val, 65535, &a, false) || rp_parse_num(c + 1, 65535, &b, false) ||
			    !b || a + b > it->len)
				return rp_skip(ps, "syntax error", "fast_pattern chop beyond the content");
			it->fast_chop = true;
			it->fp_off = (uint32_t)a;
			it->fp_len = (uint32_t)b;
		}
		return 0;
	}
	if ((bk = find_bufkw(kw))) {
		if (*val)
			return rp_skip(ps, "syntax error", "`%s' takes no value", kw);
		if (bk->legacy) {
			if (!(it = last_content(ps, kw)))
				return -1;
			if (it->b64)
				return rp_skip(ps, "unsupported option",
					       "%s on a base64_data content", kw);
			it->buf = bk->buf;
		} else {
			ps->b64_data = false;
			ps->cur_buf = bk->buf;
			/* pkt_data of a udp, icmp or ip rule: its packet */
			if (bk->buf == TLSI_BUF_RAW && r->proto != RP_PROTO_TCP)
				ps->cur_buf = TLSI_BUF_PKT;
		}
		if (bk->buf == TLSI_BUF_BODY && bk->dir)
			ps->body_dir = bk->dir;
		return 0;
	}
	if (!strcmp(kw, "base64_decode"))
		return rp_opt_base64_decode(ps, val);
	if (!strcmp(kw, "base64_data")) {
		if (*val)
			return rp_skip(ps, "syntax error", "`%s' takes no value", kw);
		if (ps->b64_item < 0)
			return rp_skip(ps, "base64_data without base64_decode",
				       "base64_data before any base64_decode");
		ps->b64_data = true;
		return 0;
	}
	if (!strcmp(kw, "dotprefix")) {
		uint8_t from = (uint8_t)ps->cur_buf, to;

		if (ps->b64_data)
			return rp_skip(ps, "unsupported transform", "dotprefix on base64_data");
		if (from == TLSI_BUF_HTTP_HOST)
			to = TLSI_BUF_HTTP_HOST_DOT;
		else if (from == TLSI_BUF_TLS_SNI)
			to = TLSI_BUF_TLS_SNI_DOT;
		else if (from == TLSI_BUF_DNS_QUERY)
			to = TLSI_BUF_DNS_QUERY_DOT;
		else
			return rp_skip(ps, "unsupported transform", "dotprefix on %s",
				       rp_buf_name(from));
		/* the transform applies to the whole sticky buffer */
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].buf == from)
				r->items[i].buf = to;
		ps->cur_buf = to;
		return 0;
	}
	if (!strcmp(kw, "isdataat")) {
		char tmp[64], *f[4];
		size_t n;
		const char *num;

		if (strlen(val) >= sizeof(tmp))
			return rp_skip(ps, "syntax error", "isdataat too long");
		strcpy(tmp, val);
		n = rp_split_fields(tmp, f, 4);
		it = rp_new_item(ps, RP_ISDATAAT);
		num = f[0];
		if (*num == '!') {
			it->flags |= TLSI_IF_NEGATE;
			num++;
		}
		if (rp_is_var_ref(num)) {
			uint32_t v;

			if (rp_var_ref(ps, it, num, "isdataat", &v))
				return -1;
			it->value = v;
			it->vars |= TLSI_IV(0);
		} else if (rp_parse_num(num, 65535, &it->value, false)) {
			return rp_skip(ps, "syntax error", "isdataat `%s'", val);
		}
		for (i = 1; i < n; i++) {
			if (!strcmp(f[i], "relative"))
				it->flags |= TLSI_IF_RELATIVE;
			else if (strcmp(f[i], "rawbytes"))
				return rp_skip(ps, "syntax error", "isdataat option `%s'", f[i]);
		}
		ps->last_payload = (int)(it - r->items);
		return 0;
	}
	if (!strcmp(kw, "byte_test"))
		return rp_opt_byte(ps, kw, val, false);
	if (!strcmp(kw, "byte_jump"))
		return rp_opt_byte(ps, kw, val, true);
	if (!strcmp(kw, "byte_extract"))
		return rp_opt_byte_extract(ps, val);
	if (!strcmp(kw, "app-layer-event"))
		return rp_opt_app_event(ps, val);
	if (!strcmp(kw, "bsize")) {
		it = rp_new_item(ps, RP_BSIZE);
		if (rp_parse_size_cmp(val, &it->cmp, &it->a, &it->b))
			return rp_skip(ps, "syntax error", "bsize `%s'", val);
		return 0;
	}
	if (!strcmp(kw, "urilen")) {
		char tmp[64], *c;
		int saved = ps->cur_buf;

		if (strlen(val) >= sizeof(tmp))
			return rp_skip(ps, "syntax error", "urilen too long");
		strcpy(tmp, val);
		c = strchr(tmp, ',');
		ps->cur_buf = TLSI_BUF_HTTP_URI;
		if (c) {
			*c++ = '\0';
			c = rp_trim(c);
			if (!strcmp(c, "raw"))
				ps->cur_buf = TLSI_BUF_HTTP_URI_RAW;
			else if (strcmp(c, "norm"))
				return rp_skip(ps, "syntax error", "urilen option `%s'", c);
		}
		if (ps->b64_data)
			return rp_skip(ps, "unsupported option", "urilen after base64_data");
		it = rp_new_item(ps, RP_BSIZE);
		ps->cur_buf = saved;
		if (rp_parse_size_cmp(tmp, &it->cmp, &it->a, &it->b))
			return rp_skip(ps, "syntax error", "urilen `%s'", val);
		return 0;
	}
	if (!strcmp(kw, "itype") || !strcmp(kw, "icode") || !strcmp(kw, "ip_proto") ||
	    !strcmp(kw, "ttl"))
		return rp_opt_pkt(ps, kw, val);
	if (!strcmp(kw, "flags"))
		return rp_opt_flags(ps, val);
	if (!strcmp(kw, "stream_size"))
		return rp_opt_stream_size(ps, val);
	if (!strcmp(kw, "dsize")) {
		if (rp_parse_size_cmp(val, &r->dsize_cmp, &r->dsize_a, &r->dsize_b))
			return rp_skip(ps, "syntax error", "dsize `%s'", val);
		r->has_dsize = true;
		return 0;
	}
	if (!strcmp(kw, "flow"))
		return rp_opt_flow(ps, val);
	if (!strcmp(kw, "flowbits"))
		return rp_opt_flowbits(ps, val);
	if (!strcmp(kw, "xbits"))
		return rp_opt_xbits(ps, val);
	if (!strcmp(kw, "flowint"))
		return rp_opt_flowint(ps, val);
	if (!strcmp(kw, "tls.version")) {
		/* 1.0 1.1 1.2 1.3, or 0xNNNN as is; quotes allowed */
		static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
		char tmp[16], *v = tmp, *end;
		unsigned long x;

		if (strlen(rp_trim(val)) >= sizeof(tmp))
			return rp_skip(ps, "syntax error", "tls.version `%s'", val);
		strcpy(tmp, rp_trim(val));
		if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (r->has_tls_version)
			return rp_skip(ps, "unsupported option", "a second tls.version");
		for (i = 0; i < 4 && strcmp(v, names[i]); i++)
			;
		if (i < 4) {
			r->tls_version = (uint16_t)(0x0301 + i);
		} else if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && strlen(v) == 6) {
			errno = 0;
			x = strtoul(v + 2, &end, 16);
			if (*end || errno || !isxdigit((unsigned char)v[2]))
				return rp_skip(ps, "syntax error", "tls.version `%s'", val);
			r->tls_version = (uint16_t)x;
			r->tls_version_raw = true;
		} else {
			return rp_skip(ps, "syntax error", "tls.version `%s'", val);
		}
		r->has_tls_version = true;
		return 0;
	}
	if (!strcmp(kw, "noalert")) {
		r->flags |= TLSI_RULE_F_NOALERT;
		return 0;
	}
	if (!strcmp(kw, "threshold") || !strcmp(kw, "detection_filter"))
		return rp_opt_threshold(ps, kw, val);
	if (!strcmp(kw, "pcre")) {
		r->had_pcre = true;
		if (ps->s->pcre == RP_PCRE_SKIP)
			return rp_skip(ps, "pcre (--pcre=skip)", "pcre:%s", val);
		if (ps->s->pcre == RP_PCRE_EXACT)
			return rp_opt_pcre(ps, val);
		r->flags |= TLSI_RULE_F_PCRE_DROPPED;
		/* a later relative keyword would be relative to the pcre:
		 * it now follows the last content instead */
		return 0;
	}
	for (i = 0; i < sizeof(ignored_kws) / sizeof(ignored_kws[0]); i++)
		if (!strcmp(kw, ignored_kws[i]))
			return 0;
	if (!strcmp(kw, "to_lowercase") || !strcmp(kw, "to_uppercase") ||
	    !strcmp(kw, "strip_whitespace") || !strcmp(kw, "compress_whitespace") ||
	    !strcmp(kw, "url_decode") || !strcmp(kw, "to_md5") || !strcmp(kw, "to_sha1") ||
	    !strcmp(kw, "to_sha256") || !strcmp(kw, "pcrexform") || !strcmp(kw, "xor") ||
	    !strcmp(kw, "header_lowercase") || !strcmp(kw, "strip_pseudo_headers"))
		return rp_skip(ps, "unsupported transform", "transform `%s'", kw);
	{
		char reason[96];

		snprintf(reason, sizeof(reason), "unsupported keyword `%s'", kw);
		return rp_skip(ps, reason, "%s%s%s", kw, *val ? ":" : "", val);
	}
}
