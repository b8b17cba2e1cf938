// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: rule options. The names of buffers and their
 * keywords, the state of one rule's parse, and the dispatcher from an
 * option keyword to what handles it (here, or in rules_parse_payload.c and
 * rules_parse_flow.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void meta_add(struct rp_rule *r, const char *kw, const char *val)
{
	size_t old = r->meta ? strlen(r->meta) : 0;
	size_t add = strlen(kw) + strlen(val) + 4;

	r->meta = rp_xrealloc(r->meta, old + add + 1);
	snprintf(r->meta + old, add + 1, "%s%s:%s", old ? "; " : "", kw, val);
}

/* msg:"TEXT". */
static int opt_msg(struct pstate *ps, const char *kw, char *val)
{
	free(ps->r->msg);
	ps->r->msg = rp_unquote(val);
	return 0;
}

/* sid, rev and gid. */
static int opt_id(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	uint64_t x;

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

static int opt_classtype(struct pstate *ps, const char *kw, char *val)
{
	free(ps->r->classtype);
	ps->r->classtype = rp_xstrdup(rp_trim(val));
	return 0;
}

static int opt_priority(struct pstate *ps, const char *kw, char *val)
{
	uint64_t x;

	if (rp_parse_num(val, 255, &x, false) || !x)
		return rp_skip(ps, "syntax error", "priority `%s'", val);
	ps->r->priority = (uint8_t)x;
	return 0;
}

/* reference and metadata: kept for alerts only. */
static int opt_meta(struct pstate *ps, const char *kw, char *val)
{
	meta_add(ps->r, kw, rp_trim(val));
	return 0;
}

static int opt_dsize(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;

	if (rp_parse_size_cmp(val, &r->dsize_cmp, &r->dsize_a, &r->dsize_b))
		return rp_skip(ps, "syntax error", "dsize `%s'", val);
	r->has_dsize = true;
	return 0;
}

/* tls.version: 1.0 1.1 1.2 1.3, or 0xNNNN as is; quotes allowed. */
static int opt_tls_version(struct pstate *ps, const char *kw, char *val)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
	struct rp_rule *r = ps->r;
	char tmp[16], *v = tmp, *end;
	unsigned long x;
	size_t i;

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

static int opt_noalert(struct pstate *ps, const char *kw, char *val)
{
	ps->r->flags |= TLSI_RULE_F_NOALERT;
	return 0;
}

/* pcre: evaluated, skipped or dropped (the set's --pcre mode). */
static int opt_pcre_mode(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;

	r->had_pcre = true;
	if (ps->s->pcre == RP_PCRE_SKIP)
		return rp_skip(ps, "pcre (--pcre=skip)", "pcre:%s", val);
	if (ps->s->pcre == RP_PCRE_EXACT)
		return rp_opt_pcre(ps, kw, val);
	r->flags |= TLSI_RULE_F_PCRE_DROPPED;
	/* a later relative keyword would be relative to the pcre:
	 * it now follows the last content instead */
	return 0;
}

/*
 * A sticky buffer keyword (http.uri, file.data, ...): the buffer of the
 * contents that follow; a legacy content modifier (http_uri, ...): the
 * buffer of the content before.
 */
static int opt_buffer(struct pstate *ps, const struct bufkw *bk, const char *kw,
		      const char *val)
{
	struct rp_item *it;

	if (*val)
		return rp_skip(ps, "syntax error", "`%s' takes no value", kw);
	if (bk->legacy) {
		if (!(it = rp_last_content(ps, kw)))
			return -1;
		if (it->b64)
			return rp_skip(ps, "unsupported option",
				       "%s on a base64_data content", kw);
		it->buf = bk->buf;
	} else {
		ps->b64_data = false;
		ps->cur_buf = bk->buf;
		/* pkt_data of a udp, icmp or ip rule: its packet */
		if (bk->buf == TLSI_BUF_RAW && ps->r->proto != RP_PROTO_TCP)
			ps->cur_buf = TLSI_BUF_PKT;
	}
	if (bk->buf == TLSI_BUF_BODY && bk->dir)
		ps->body_dir = bk->dir;
	return 0;
}

/* The option keywords and what handles each (buffers are bufkws[]). */
static const struct {
	const char *kw;
	int (*handle)(struct pstate *ps, const char *kw, char *val);
} opt_handlers[] = {
	{ "msg", opt_msg },
	{ "sid", opt_id },
	{ "rev", opt_id },
	{ "gid", opt_id },
	{ "classtype", opt_classtype },
	{ "priority", opt_priority },
	{ "reference", opt_meta },
	{ "metadata", opt_meta },
	{ "content", rp_opt_content },
	{ "uricontent", rp_opt_content },
	{ "nocase", rp_opt_nocase },
	{ "depth", rp_opt_position },
	{ "offset", rp_opt_position },
	{ "distance", rp_opt_position },
	{ "within", rp_opt_position },
	{ "startswith", rp_opt_anchor },
	{ "endswith", rp_opt_anchor },
	{ "fast_pattern", rp_opt_fast_pattern },
	{ "base64_decode", rp_opt_base64_decode },
	{ "base64_data", rp_opt_base64_data },
	{ "dotprefix", rp_opt_dotprefix },
	{ "isdataat", rp_opt_isdataat },
	{ "byte_test", rp_opt_byte },
	{ "byte_jump", rp_opt_byte },
	{ "byte_extract", rp_opt_byte_extract },
	{ "app-layer-event", rp_opt_app_event },
	{ "bsize", rp_opt_bsize },
	{ "urilen", rp_opt_urilen },
	{ "itype", rp_opt_pkt },
	{ "icode", rp_opt_pkt },
	{ "ip_proto", rp_opt_pkt },
	{ "ttl", rp_opt_pkt },
	{ "flags", rp_opt_flags },
	{ "stream_size", rp_opt_stream_size },
	{ "dsize", opt_dsize },
	{ "flow", rp_opt_flow },
	{ "flowbits", rp_opt_flowbits },
	{ "xbits", rp_opt_xbits },
	{ "flowint", rp_opt_flowint },
	{ "tls.version", opt_tls_version },
	{ "noalert", opt_noalert },
	{ "threshold", rp_opt_threshold },
	{ "detection_filter", rp_opt_threshold },
	{ "pcre", opt_pcre_mode },
};

/* Transforms of a sticky buffer the engine does not have. */
static const char *const unsupported_transforms[] = {
	"to_lowercase", "to_uppercase", "strip_whitespace", "compress_whitespace",
	"url_decode", "to_md5", "to_sha1", "to_sha256", "pcrexform", "xor",
	"header_lowercase", "strip_pseudo_headers",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * One option of a rule: its handler, a buffer keyword, an ignored keyword,
 * or the rule is skipped (an unsupported transform or keyword).
 */
int rp_parse_option(struct pstate *ps, char *kw, char *val)
{
	const struct bufkw *bk;
	char reason[96];
	size_t i;

	for (i = 0; i < ARRAY_LEN(opt_handlers); i++)
		if (!strcmp(kw, opt_handlers[i].kw))
			return opt_handlers[i].handle(ps, kw, val);
	if ((bk = find_bufkw(kw)))
		return opt_buffer(ps, bk, kw, val);
	for (i = 0; i < ARRAY_LEN(ignored_kws); i++)
		if (!strcmp(kw, ignored_kws[i]))
			return 0;
	for (i = 0; i < ARRAY_LEN(unsupported_transforms); i++)
		if (!strcmp(kw, unsupported_transforms[i]))
			return rp_skip(ps, "unsupported transform", "transform `%s'", kw);
	snprintf(reason, sizeof(reason), "unsupported keyword `%s'", kw);
	return rp_skip(ps, reason, "%s%s%s", kw, *val ? ":" : "", val);
}
