// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser. See rules_parse.h and Documentation/engine.md for
 * what is supported; everything else makes the rule skipped with a reason.
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

/* ---- small helpers ----------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "tlsi: out of memory\n");
		abort();
	}
	return q;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Trim in place; returns s. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Parse an unsigned decimal (or 0x hex when hex_ok) in [0, max]. */
static int parse_num(const char *s, uint64_t max, uint64_t *out, bool hex_ok)
{
	char *end;
	unsigned long long v;

	s = skip_ws(s);
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	end = (char *)skip_ws(end);
	if (*end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int32_t min, int32_t max, int32_t *out)
{
	char *end;
	long v;

	s = skip_ws(s);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	end = (char *)skip_ws(end);
	if (*end || v < min || v > max)
		return -1;
	*out = (int32_t)v;
	return 0;
}

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
static int buf_dir(unsigned int buf)
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

/* ---- the set ---------------------------------------------------------- */

struct sidset {
	uint64_t *keys;
	size_t cap, n;
};

static bool sid_add(struct sidset *h, uint32_t gid, uint32_t sid)
{
	uint64_t key = ((uint64_t)gid << 32 | sid) + 1;
	size_t i;

	if (2 * (h->n + 1) > h->cap) {
		struct sidset nh = { 0 };
		size_t k;

		nh.cap = h->cap ? h->cap * 2 : 1024;
		nh.keys = xrealloc(NULL, nh.cap * sizeof(*nh.keys));
		memset(nh.keys, 0, nh.cap * sizeof(*nh.keys));
		for (k = 0; k < h->cap; k++) {
			if (!h->keys[k])
				continue;
			i = (size_t)(h->keys[k] * 0x9e3779b97f4a7c15ULL >> 20) & (nh.cap - 1);
			while (nh.keys[i])
				i = (i + 1) & (nh.cap - 1);
			nh.keys[i] = h->keys[k];
		}
		nh.n = h->n;
		free(h->keys);
		*h = nh;
	}
	i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (h->cap - 1);
	while (h->keys[i]) {
		if (h->keys[i] == key)
			return false;
		i = (i + 1) & (h->cap - 1);
	}
	h->keys[i] = key;
	h->n++;
	return true;
}

static const char *const default_vars[][2] = {
	{ "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "HTTP_SERVERS", "$HOME_NET" },
	{ "SMTP_SERVERS", "$HOME_NET" },
	{ "SQL_SERVERS", "$HOME_NET" },
	{ "DNS_SERVERS", "$HOME_NET" },
	{ "TELNET_SERVERS", "$HOME_NET" },
	{ "AIM_SERVERS", "$EXTERNAL_NET" },
	{ "DC_SERVERS", "$HOME_NET" },
	{ "DNP3_SERVER", "$HOME_NET" },
	{ "DNP3_CLIENT", "$HOME_NET" },
	{ "MODBUS_CLIENT", "$HOME_NET" },
	{ "MODBUS_SERVER", "$HOME_NET" },
	{ "ENIP_CLIENT", "$HOME_NET" },
	{ "ENIP_SERVER", "$HOME_NET" },
	{ "HTTP_PORTS", "[80,443,8000,8008,8080,8443,3128]" },
	{ "SHELLCODE_PORTS", "!80" },
	{ "ORACLE_PORTS", "1521" },
	{ "SSH_PORTS", "22" },
	{ "DNP3_PORTS", "20000" },
	{ "MODBUS_PORTS", "502" },
	{ "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ "FTP_PORTS", "21" },
	{ "GENEVE_PORTS", "6081" },
	{ "VXLAN_PORTS", "4789" },
	{ "TEREDO_PORTS", "3544" },
};

static struct rp_var *find_var(const struct rp_set *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nvars; i++)
		if (strlen(s->vars[i].name) == n && !strncmp(s->vars[i].name, name, n))
			return &s->vars[i];
	return NULL;
}

void rp_set_init(struct rp_set *s)
{
	char err[256];
	size_t i;

	memset(s, 0, sizeof(*s));
	s->sids = xrealloc(NULL, sizeof(struct sidset));
	memset(s->sids, 0, sizeof(struct sidset));
	for (i = 0; i < sizeof(default_vars) / sizeof(default_vars[0]); i++)
		rp_set_var(s, default_vars[i][0], default_vars[i][1], err, sizeof(err));
}

static void free_rule(struct rp_rule *r)
{
	size_t i, k;

	for (i = 0; i < r->src.n; i++)
		free(r->src.v[i].var);
	for (i = 0; i < r->dst.n; i++)
		free(r->dst.v[i].var);
	for (i = 0; i < r->sport.n; i++)
		free(r->sport.v[i].var);
	for (i = 0; i < r->dport.n; i++)
		free(r->dport.v[i].var);
	free(r->src.v);
	free(r->dst.v);
	free(r->sport.v);
	free(r->dport.v);
	free(r->msg);
	free(r->classtype);
	free(r->meta);
	for (i = 0; i < r->nitems; i++) {
		free(r->items[i].pat);
		if (r->items[i].re) {
			rx_prog_free(r->items[i].re);
			free(r->items[i].re);
		}
	}
	free(r->items);
	for (i = 0; i < r->nfb; i++)
		for (k = 0; k < r->fb[i].n; k++)
			free(r->fb[i].names[k]);
	free(r->fb);
	free(r->xb);
	free(r->fi);
	memset(r, 0, sizeof(*r));
}

static void free_var_lists(struct rp_var *v)
{
	free(v->addrs.v);
	free(v->ports.v);
	v->addrs.v = NULL;
	v->ports.v = NULL;
	v->addrs.n = v->ports.n = 0;
}

void rp_set_free(struct rp_set *s)
{
	size_t i;

	for (i = 0; i < s->nrules; i++)
		free_rule(&s->rules[i]);
	free(s->rules);
	for (i = 0; i < s->nvars; i++) {
		free(s->vars[i].name);
		free(s->vars[i].value);
		free_var_lists(&s->vars[i]);
	}
	free(s->vars);
	for (i = 0; i < s->nclasses; i++) {
		free(s->classes[i].name);
		free(s->classes[i].desc);
	}
	free(s->classes);
	for (i = 0; i < s->nskips; i++)
		free(s->skips[i].reason);
	free(s->skips);
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	for (i = 0; i < s->nflowbits; i++)
		free(s->flowbits[i]);
	free(s->flowbits);
	if (s->sids)
		free(((struct sidset *)s->sids)->keys);
	free(s->sids);
	memset(s, 0, sizeof(*s));
}

/* ---- addresses and ports ------------------------------------------------ */

struct perr {
	char *buf;
	size_t len;
};

static int pfail(struct perr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int pfail(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -1;
}

static void addr_push(struct rp_addrs *l, const struct rp_addr *a)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *a;
}

static void port_push(struct rp_ports *l, const struct rp_port *p)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *p;
}

/* Split a list body "a,[b,c],!d" at top-level commas. */
static int split_list(const char *p, size_t n, size_t *starts, size_t *lens,
		      size_t max, size_t *count)
{
	size_t i, depth = 0, st = 0, k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] == '[')
			depth++;
		else if (i < n && p[i] == ']')
			depth--;
		if (i == n || (p[i] == ',' && depth == 0)) {
			if (k == max)
				return -1;
			starts[k] = st;
			lens[k] = i - st;
			k++;
			st = i + 1;
		}
	}
	*count = k;
	return 0;
}

#define LIST_MAX 4096

static int parse_cidr(const char *p, size_t n, struct rp_addr *a, struct perr *e)
{
	char tmp[64], *slash;
	uint64_t plen;
	struct in_addr v4;
	struct in6_addr v6;

	if (n >= sizeof(tmp))
		return pfail(e, "address `%.*s' too long", (int)n, p);
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	memset(a->addr, 0, 16);
	if (inet_pton(AF_INET, tmp, &v4) == 1) {
		a->addr[10] = a->addr[11] = 0xff;
		memcpy(a->addr + 12, &v4, 4);
		if (slash) {
			if (strchr(slash, '.')) {	/* netmask form */
				struct in_addr m;
				uint32_t mask;

				if (inet_pton(AF_INET, slash, &m) != 1)
					return pfail(e, "bad netmask in `%s'", p);
				mask = ntohl(m.s_addr);
				for (plen = 0; plen < 32 && (mask & (1u << (31 - plen))); plen++)
					;
			} else if (parse_num(slash, 32, &plen, false)) {
				return pfail(e, "bad prefix length in `%.*s'", (int)n, p);
			}
		} else {
			plen = 32;
		}
		a->plen = (uint8_t)(96 + plen);
	} else if (inet_pton(AF_INET6, tmp, &v6) == 1) {
		memcpy(a->addr, &v6, 16);
		plen = 128;
		if (slash && parse_num(slash, 128, &plen, false))
			return pfail(e, "bad prefix length in `%.*s'", (int)n, p);
		a->plen = (uint8_t)plen;
	} else {
		return pfail(e, "bad address `%.*s'", (int)n, p);
	}
	return 0;
}

/*
 * Add the items of address expression p[0..n) to out, negated when neg.
 * Variables stay references when keep_vars, else they are expanded.
 */
static int addr_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		     bool keep_vars, struct rp_addrs *out, int depth, struct perr *e)
{
	struct rp_addr a = { 0 };

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return pfail(e, "empty address");
	if (depth > 8)
		return pfail(e, "addresses nested too deeply");
	if (*p == '!')
		return addr_expr(s, p + 1, n - 1, !neg, keep_vars, out, depth + 1, e);
	if (*p == '[') {
		size_t st[LIST_MAX], ln[LIST_MAX], k, cnt, before = out->n;

		if (p[n - 1] != ']')
			return pfail(e, "unbalanced `[' in `%.*s'", (int)n, p);
		if (split_list(p + 1, n - 2, st, ln, LIST_MAX, &cnt))
			return pfail(e, "address list too long");
		for (k = 0; k < cnt; k++)
			if (addr_expr(s, p + 1 + st[k], ln[k], false, keep_vars, out,
				      depth + 1, e))
				return -1;
		if (neg) {
			/* ![a,b] = !a and !b, only if no item is negated */
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "negated list with negations inside: `%.*s'",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n == 3 && !strncmp(p, "any", 3)) {
		a.plen = 0;	/* ::/0 */
		a.flags = neg ? TLSI_ADDR_F_NEG : 0;
		addr_push(out, &a);
		return 0;
	}
	if (*p == '$') {
		const struct rp_var *v = find_var(s, p + 1, n - 1);
		size_t k, before = out->n;

		if (!v || v->kind != TLSI_VAR_ADDR)
			return pfail(e, "unknown address variable `%.*s'", (int)n, p);
		if (keep_vars) {
			a.flags = TLSI_ADDR_F_VAR | (neg ? TLSI_ADDR_F_NEG : 0);
			a.var = xstrndup(p + 1, n - 1);
			addr_push(out, &a);
			return 0;
		}
		if (addr_expr(s, v->value, strlen(v->value), false, false, out,
			      depth + 1, e))
			return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "cannot negate `%.*s': its value has negations",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (parse_cidr(p, n, &a, e))
		return -1;
	a.flags = neg ? TLSI_ADDR_F_NEG : 0;
	addr_push(out, &a);
	return 0;
}

static int port_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		     bool keep_vars, struct rp_ports *out, int depth, struct perr *e)
{
	struct rp_port pt = { 0 };
	char tmp[32], *colon;
	uint64_t lo, hi;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return pfail(e, "empty port");
	if (depth > 8)
		return pfail(e, "ports nested too deeply");
	if (*p == '!')
		return port_expr(s, p + 1, n - 1, !neg, keep_vars, out, depth + 1, e);
	if (*p == '[') {
		size_t st[LIST_MAX], ln[LIST_MAX], k, cnt, before = out->n;

		if (p[n - 1] != ']')
			return pfail(e, "unbalanced `[' in `%.*s'", (int)n, p);
		if (split_list(p + 1, n - 2, st, ln, LIST_MAX, &cnt))
			return pfail(e, "port list too long");
		for (k = 0; k < cnt; k++)
			if (port_expr(s, p + 1 + st[k], ln[k], false, keep_vars, out,
				      depth + 1, e))
				return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "negated port list with negations inside");
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n == 3 && !strncmp(p, "any", 3)) {
		pt.lo = 0;
		pt.hi = 65535;
		pt.flags = neg ? TLSI_ADDR_F_NEG : 0;
		port_push(out, &pt);
		return 0;
	}
	if (*p == '$') {
		const struct rp_var *v = find_var(s, p + 1, n - 1);
		size_t k, before = out->n;

		if (!v || v->kind != TLSI_VAR_PORT)
			return pfail(e, "unknown port variable `%.*s'", (int)n, p);
		if (keep_vars) {
			pt.flags = TLSI_ADDR_F_VAR | (neg ? TLSI_ADDR_F_NEG : 0);
			pt.var = xstrndup(p + 1, n - 1);
			port_push(out, &pt);
			return 0;
		}
		if (port_expr(s, v->value, strlen(v->value), false, false, out,
			      depth + 1, e))
			return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "cannot negate `%.*s': its value has negations",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n >= sizeof(tmp))
		return pfail(e, "bad port `%.*s'", (int)n, p);
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	colon = strchr(tmp, ':');
	if (colon) {
		*colon++ = '\0';
		lo = 0;
		hi = 65535;
		if ((*tmp && parse_num(tmp, 65535, &lo, false)) ||
		    (*colon && parse_num(colon, 65535, &hi, false)) || lo > hi)
			return pfail(e, "bad port range `%.*s'", (int)n, p);
	} else {
		if (parse_num(tmp, 65535, &lo, false))
			return pfail(e, "bad port `%.*s'", (int)n, p);
		hi = lo;
	}
	pt.lo = (uint16_t)lo;
	pt.hi = (uint16_t)hi;
	pt.flags = neg ? TLSI_ADDR_F_NEG : 0;
	port_push(out, &pt);
	return 0;
}

static bool looks_like_ports(const char *name, const char *value)
{
	const char *p;
	size_t n = strlen(name);

	if ((n > 5 && !strcmp(name + n - 5, "_PORTS")) ||
	    (n > 5 && !strcmp(name + n - 5, "_PORT")))
		return true;
	for (p = value; *p; p++)
		if (*p == '.' || (*p == ':' && p[1] == ':') || isalpha((unsigned char)*p))
			return strstr(value, "PORTS") != NULL;
	return true;
}

int rp_set_var(struct rp_set *s, const char *name, const char *value,
	       char *err, size_t errlen)
{
	struct perr e = { err, errlen };
	struct rp_var *v, tmp = { 0 };
	const char *p;
	size_t i;

	if (*name == '$')
		name++;
	if (!*name)
		return pfail(&e, "empty variable name");
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return pfail(&e, "variable name `%s': only letters, digits and `_'",
				     name);
	v = find_var(s, name, strlen(name));
	tmp.name = xstrdup(name);
	tmp.value = xstrdup(value);
	tmp.kind = v ? v->kind : (looks_like_ports(name, value) ? TLSI_VAR_PORT
							       : TLSI_VAR_ADDR);
	/* check the value now (variables it names must exist) */
	if (tmp.kind == TLSI_VAR_ADDR) {
		if (addr_expr(s, value, strlen(value), false, false, &tmp.addrs, 0, &e))
			goto bad;
	} else {
		if (port_expr(s, value, strlen(value), false, false, &tmp.ports, 0, &e))
			goto bad;
	}
	if (v) {
		free(v->name);
		free(v->value);
		free_var_lists(v);
		*v = tmp;
	} else {
		s->vars = xrealloc(s->vars, (s->nvars + 1) * sizeof(*s->vars));
		s->vars[s->nvars++] = tmp;
	}
	/* variables defined in terms of others follow them */
	for (i = 0; i < s->nvars; i++) {
		struct rp_var *o = &s->vars[i];
		char e2[256];
		struct perr ee = { e2, sizeof(e2) };

		if (o == (v ? v : &s->vars[s->nvars - 1]))
			continue;
		free_var_lists(o);
		if (o->kind == TLSI_VAR_ADDR)
			addr_expr(s, o->value, strlen(o->value), false, false, &o->addrs, 0, &ee);
		else
			port_expr(s, o->value, strlen(o->value), false, false, &o->ports, 0, &ee);
	}
	return 0;
bad:
	free(tmp.name);
	free(tmp.value);
	free_var_lists(&tmp);
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "variable %s: %s", name, err);
		snprintf(err, errlen, "%s", msg);
	}
	return -1;
}

int rp_load_classification(struct rp_set *s, const char *path, char *err,
			   size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned int ln = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = trim(line), *name, *desc, *prio;
		uint64_t pr;
		size_t i;

		ln++;
		if (strncmp(p, "config classification:", 22))
			continue;
		name = trim(p + 22);
		desc = strchr(name, ',');
		prio = desc ? strrchr(desc + 1, ',') : NULL;
		if (!desc || !prio || parse_num(prio + 1, 255, &pr, false) || !pr) {
			snprintf(err, errlen, "%s:%u: expected `config classification: name,description,priority'",
				 path, ln);
			fclose(f);
			return -1;
		}
		*desc++ = '\0';
		*prio = '\0';
		name = trim(name);
		for (i = 0; i < s->nclasses; i++)
			if (!strcmp(s->classes[i].name, name))
				break;
		if (i == s->nclasses) {
			s->classes = xrealloc(s->classes, (s->nclasses + 1) * sizeof(*s->classes));
			s->nclasses++;
		} else {
			free(s->classes[i].name);
			free(s->classes[i].desc);
		}
		s->classes[i].name = xstrdup(name);
		s->classes[i].desc = xstrdup(trim(desc));
		s->classes[i].prio = (uint8_t)pr;
	}
	fclose(f);
	return 0;
}

uint8_t rp_rule_priority(const struct rp_set *s, const struct rp_rule *r)
{
	size_t i;

	if (r->priority)
		return r->priority;
	if (r->classtype)
		for (i = 0; i < s->nclasses; i++)
			if (!strcmp(s->classes[i].name, r->classtype))
				return s->classes[i].prio;
	return 3;
}

/* ---- rule options ----------------------------------------------------------- */

#define RP_BYTE_VAR_NAME_MAX	64

struct pstate {
	struct rp_set *s;
	struct rp_rule *r;
	int cur_buf;		/* sticky buffer, RAW when none */
	int last;		/* index of the last content, -1 */
	int last_payload;	/* last content/isdataat/byte_* */
	int body_dir;		/* http.request_body (1), .response_body (2) */
	int b64_item;		/* the base64_decode item, -1 */
	bool b64_data;		/* base64_data is the sticky buffer */
	/* byte_extract variables: name, and the buffer they were read on */
	unsigned int nbvars;
	char bvar[TLSI_IMG_BYTE_VARS][RP_BYTE_VAR_NAME_MAX + 1];
	uint8_t bvar_buf[TLSI_IMG_BYTE_VARS];
	bool bvar_b64[TLSI_IMG_BYTE_VARS];
	char reason[96];
	char detail[256];
};

static int skip(struct pstate *ps, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int skip(struct pstate *ps, const char *reason, const char *fmt, ...)
{
	va_list ap;

	snprintf(ps->reason, sizeof(ps->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(ps->detail, sizeof(ps->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static struct rp_item *new_item(struct pstate *ps, enum rp_kind kind)
{
	struct rp_rule *r = ps->r;
	struct rp_item *it;

	if (r->nitems == r->items_cap) {
		r->items_cap = r->items_cap ? r->items_cap * 2 : 8;
		r->items = xrealloc(r->items, r->items_cap * sizeof(*r->items));
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
static int parse_content(struct pstate *ps, const char *v, struct rp_item *it)
{
	const char *p = skip_ws(v);
	uint8_t *out;
	size_t n = 0;
	bool hex = false;
	int nib = -1;

	if (*p == '!') {
		it->flags |= TLSI_IF_NEGATE;
		p = skip_ws(p + 1);
	}
	if (*p != '"')
		return skip(ps, "syntax error", "content `%s' is not quoted", v);
	p++;
	out = xrealloc(NULL, strlen(p) + 1);
	for (; *p && *p != '"'; p++) {
		if (hex) {
			int d;

			if (*p == '|') {
				if (nib >= 0)
					goto bad_hex;
				hex = false;
				continue;
			}
			if (*p == ' ' || *p == '\t')
				continue;
			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if (tolower((unsigned char)*p) >= 'a' && tolower((unsigned char)*p) <= 'f')
				d = tolower((unsigned char)*p) - 'a' + 10;
			else
				goto bad_hex;
			if (nib < 0) {
				nib = d;
			} else {
				out[n++] = (uint8_t)(nib << 4 | d);
				nib = -1;
			}
			continue;
		}
		if (*p == '|') {
			hex = true;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p++;
			out[n++] = (uint8_t)*p;
			continue;
		}
		out[n++] = (uint8_t)*p;
	}
	if (*p != '"' || hex) {
		free(out);
		return skip(ps, "syntax error", "content `%s': unterminated string or hex", v);
	}
	if (!n || n > TLSI_IMG_PATTERN_MAX) {
		free(out);
		return skip(ps, "invalid content", "content of %zu bytes", n);
	}
	it->pat = out;
	it->len = (uint32_t)n;
	return 0;
bad_hex:
	free(out);
	return skip(ps, "syntax error", "bad hex in content `%s'", v);
}

/* Unquote msg-style strings. */
static char *unquote(const char *v)
{
	const char *p = skip_ws(v);
	size_t n = strlen(p);
	char *out, *o;

	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	out = o = xrealloc(NULL, n + 1);
	while (n) {
		if (*p == '\\' && n > 1) {
			p++;
			n--;
		}
		*o++ = *p++;
		n--;
	}
	*o = '\0';
	return out;
}

/* "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M", "N-M" into cmp, a, b. */
static int parse_size_cmp(const char *v, uint8_t *cmp, uint32_t *a, uint32_t *b)
{
	char tmp[64], *sep;
	uint64_t x, y;
	const char *p = skip_ws(v);

	if (strlen(p) >= sizeof(tmp))
		return -1;
	strcpy(tmp, p);
	trim(tmp);
	*b = 0;
	if ((sep = strstr(tmp, "<>")) || (sep = strchr(tmp + 1, '-'))) {
		size_t sl = sep[0] == '<' ? 2 : 1;

		*sep = '\0';
		if (parse_num(tmp, UINT32_MAX, &x, false) ||
		    parse_num(sep + sl, UINT32_MAX, &y, false) || x >= y)
			return -1;
		*cmp = TLSI_CMP_RANGE;
		*a = (uint32_t)x;
		*b = (uint32_t)y;
		return 0;
	}
	p = tmp;
	if (!strncmp(p, "<=", 2)) {
		*cmp = TLSI_CMP_LE;
		p += 2;
	} else if (!strncmp(p, ">=", 2)) {
		*cmp = TLSI_CMP_GE;
		p += 2;
	} else if (*p == '<') {
		*cmp = TLSI_CMP_LT;
		p++;
	} else if (*p == '>') {
		*cmp = TLSI_CMP_GT;
		p++;
	} else if (*p == '!') {
		*cmp = TLSI_CMP_NE;
		p++;
	} else if (*p == '=') {
		*cmp = TLSI_CMP_EQ;
		p++;
	} else {
		*cmp = TLSI_CMP_EQ;
	}
	if (parse_num(p, UINT32_MAX, &x, false))
		return -1;
	*a = (uint32_t)x;
	return 0;
}

/* Split "a, b ,c" at commas into trimmed fields (in place). */
static size_t split_fields(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *p = s;

	while (n < max) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		f[n++] = trim(p);
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

/* Does an operand name a byte_extract variable (not a number)? */
static bool is_var_ref(const char *v)
{
	v = skip_ws(v);
	return isalpha((unsigned char)*v) || *v == '_';
}

/*
 * The number of the byte_extract variable `name' for operand `what' of
 * item it (which must be on the buffer the variable was read from, after
 * it: the engine keeps variables per buffer group), or -1 refused.
 */
static int var_ref(struct pstate *ps, const struct rp_item *it, const char *name,
		   const char *what, uint32_t *out)
{
	char tmp[RP_BYTE_VAR_NAME_MAX + 2];
	unsigned int i;

	if (strlen(name) >= sizeof(tmp))
		return skip(ps, "unknown byte_extract variable", "%s: `%s'", what, name);
	strcpy(tmp, name);
	name = trim(tmp);
	for (i = 0; i < ps->nbvars; i++)
		if (!strcmp(ps->bvar[i], name))
			break;
	if (i == ps->nbvars)
		return skip(ps, "unknown byte_extract variable",
			    "%s: `%s' is not a number nor a byte_extract variable before it",
			    what, name);
	if (ps->bvar_buf[i] != it->buf || ps->bvar_b64[i] != it->b64)
		return skip(ps, "unsupported option",
			    "%s: byte_extract variable `%s' read on %s, used on %s", what, name,
			    rp_buf_name(ps->bvar_buf[i]), rp_buf_name(it->buf));
	*out = i;
	return 0;
}

/*
 * app-layer-event:PROTO.EVENT, for the events the engine's decoders raise
 * with Suricata's meaning (enum tlsi_app_event); names compared without
 * case, as Suricata's event tables are.
 */
static const struct {
	const char *proto, *event;
	uint8_t id;			/* enum tlsi_app_event */
	uint8_t app;			/* enum tlsi_app */
} app_events[] = {
	{ "http", "invalid_transfer_encoding_value_in_request",
	  TLSI_AEV_HTTP_INVALID_TE_REQUEST, TLSI_APP_HTTP },
};

static int opt_app_event(struct pstate *ps, const char *val)
{
	struct rp_rule *r = ps->r;
	char tmp[128], reason[96], *name, *dot;
	size_t i;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "app-layer-event too long");
	strcpy(tmp, val);
	name = trim(tmp);
	if (!*name)
		return skip(ps, "syntax error", "app-layer-event without an event");
	dot = strchr(name, '.');
	for (i = 0; dot && i < sizeof(app_events) / sizeof(app_events[0]); i++)
		if ((size_t)(dot - name) == strlen(app_events[i].proto) &&
		    !strncasecmp(name, app_events[i].proto, (size_t)(dot - name)) &&
		    !strcasecmp(dot + 1, app_events[i].event))
			break;
	if (!dot || i == sizeof(app_events) / sizeof(app_events[0])) {
		snprintf(reason, sizeof(reason), "app-layer-event `%.60s' not raised", name);
		return skip(ps, reason, "app-layer-event:%s: %s", name,
			    dot ? "no decoder of the engine raises this event"
				: "an engine or stream event, not an application-layer one");
	}
	if (r->proto != RP_PROTO_TCP)
		return skip(ps, "app-layer-event in a packet rule",
			    "app-layer-event:%s in a udp, icmp or ip rule", name);
	if ((r->app != TLSI_APP_ANY && r->app != app_events[i].app) ||
	    (r->flags & TLSI_RULE_F_PROTO_APPROX))
		return skip(ps, "app-layer-event of another protocol",
			    "app-layer-event:%s in a %s rule", name, rp_app_name(r->app));
	r->app = app_events[i].app;
	r->app_events |= 1u << app_events[i].id;
	return 0;
}

/*
 * byte_extract:NBYTES,OFFSET,NAME[,relative][,multiplier N][,big|little]
 * [,string[,hex|dec|oct]][,align 2|4], checked as Suricata's parser does
 * (rust/src/detect/byte_extract.rs and detect-byte-extract.c).
 */
static int opt_byte_extract(struct pstate *ps, const char *val)
{
	char tmp[256], *f[16];
	size_t n, i, k;
	uint64_t x;
	int32_t off;
	struct rp_item *it;
	const char *name;
	bool endian = false, base = false, mult = false, align = false, rel = false;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "byte_extract too long");
	strcpy(tmp, val);
	n = split_fields(tmp, f, 16);
	if (n < 3)
		return skip(ps, "invalid byte_extract",
			    "byte_extract:%s: needs bytes, offset and a variable name", val);
	if (n > 10)
		return skip(ps, "invalid byte_extract", "byte_extract:%s: too many fields", val);
	if (parse_num(f[0], 255, &x, false) || !x)
		return skip(ps, "invalid byte_extract", "byte_extract: bad byte count `%s'", f[0]);
	it = new_item(ps, RP_BYTE_EXTRACT);
	it->nbytes = (uint8_t)x;
	it->mult = 1;
	if (parse_int(f[1], -32768, 32767, &off))
		return skip(ps, "invalid byte_extract", "byte_extract: bad offset `%s'", f[1]);
	it->boff = off;
	name = f[2];
	if (!*name || !is_var_ref(name))
		return skip(ps, "invalid byte_extract",
			    "byte_extract: `%s' is not a variable name", name);
	for (k = 0; name[k]; k++)
		if (!isalnum((unsigned char)name[k]) && name[k] != '_' && name[k] != '-' &&
		    name[k] != '.')
			return skip(ps, "invalid byte_extract",
				    "byte_extract: `%s' is not a variable name", name);
	if (k > RP_BYTE_VAR_NAME_MAX)
		return skip(ps, "invalid byte_extract", "byte_extract: name of %zu characters",
			    k);
	for (i = 3; i < n; i++) {
		const char *o = f[i];

		if (!strcmp(o, "relative") && !rel) {
			it->flags |= TLSI_IF_RELATIVE;
			rel = true;
		} else if ((!strcmp(o, "big") || !strcmp(o, "little")) && !endian) {
			if (o[0] == 'l')
				it->flags |= TLSI_IF_LITTLE;
			endian = true;
		} else if (!strcmp(o, "dce")) {
			return skip(ps, "unsupported option",
				    "byte_extract: dce (DCE/RPC is not decoded)");
		} else if (!strcmp(o, "slice")) {
			return skip(ps, "unsupported option",
				    "byte_extract: slice (Suricata refuses it too)");
		} else if (!strcmp(o, "string") && !(it->flags & TLSI_IF_STRING)) {
			if (base)
				return skip(ps, "invalid byte_extract",
					    "byte_extract: base before string");
			it->flags |= TLSI_IF_STRING;
		} else if ((!strcmp(o, "hex") || !strcmp(o, "dec") || !strcmp(o, "oct")) &&
			   !base) {
			if (!(it->flags & TLSI_IF_STRING))
				return skip(ps, "invalid byte_extract",
					    "byte_extract: `%s' without string before it", o);
			it->base = o[0] == 'h' ? 16 : o[0] == 'd' ? 10 : 8;
			base = true;
		} else if (!strncmp(o, "multiplier", 10) && isspace((unsigned char)o[10]) &&
			   !mult) {
			if (parse_num(o + 10, 65535, &x, false) || !x)
				return skip(ps, "invalid byte_extract",
					    "byte_extract: `%s' (1 to 65535)", o);
			it->mult = (uint32_t)x;
			mult = true;
		} else if (!strncmp(o, "align", 5) && isspace((unsigned char)o[5]) && !align) {
			if (parse_num(o + 5, 4, &x, false) || (x != 2 && x != 4))
				return skip(ps, "invalid byte_extract",
					    "byte_extract: `%s' (2 or 4)", o);
			it->a = (uint32_t)x;
			align = true;
		} else {
			return skip(ps, "invalid byte_extract",
				    "byte_extract: unknown or repeated option `%s'", o);
		}
	}
	if (it->flags & TLSI_IF_STRING) {
		unsigned int max;

		if (endian)
			return skip(ps, "invalid byte_extract", "byte_extract: string with an endianness");
		if (!it->base)
			it->base = 10;		/* Suricata's default */
		max = it->base == 8 ? 23 : it->base == 10 ? 20 : 14;
		if (it->nbytes > max)
			return skip(ps, "invalid byte_extract",
				    "byte_extract: %u string bytes (at most %u in base %u)",
				    it->nbytes, max, it->base);
	} else if (it->nbytes > 8) {
		return skip(ps, "invalid byte_extract", "byte_extract: %u bytes (at most 8)",
			    it->nbytes);
	}
	for (i = 0; i < ps->nbvars; i++)
		if (!strcmp(ps->bvar[i], name))
			return skip(ps, "invalid byte_extract",
				    "byte_extract: variable `%s' set twice", name);
	if (ps->nbvars >= TLSI_IMG_BYTE_VARS)
		return skip(ps, "limit", "byte_extract: more than %d variables in a rule",
			    TLSI_IMG_BYTE_VARS);
	strcpy(ps->bvar[ps->nbvars], name);
	ps->bvar_buf[ps->nbvars] = it->buf;
	ps->bvar_b64[ps->nbvars] = it->b64;
	it->b = ps->nbvars++;
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

static int opt_byte(struct pstate *ps, const char *kw, const char *val, bool jump)
{
	char tmp[256], *f[16];
	size_t n, i;
	uint64_t x;
	struct rp_item *it;
	int32_t off;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "%s too long", kw);
	strcpy(tmp, val);
	n = split_fields(tmp, f, 16);
	if (n < (jump ? 2u : 4u))
		return skip(ps, "syntax error", "%s:%s: too few fields", kw, val);
	if (is_var_ref(f[0]))
		return skip(ps, "unsupported option", "%s: byte count from a variable (`%s')", kw,
			    f[0]);
	if (parse_num(f[0], 23, &x, false))
		return skip(ps, "invalid byte_test/byte_jump", "%s: bad byte count `%s'", kw, f[0]);
	it = new_item(ps, jump ? RP_BYTE_JUMP : RP_BYTE_TEST);
	it->nbytes = (uint8_t)x;
	if (!jump) {
		const char *op = f[1];

		if (*op == '!') {
			it->flags |= TLSI_IF_NEGATE;
			op++;
		}
		if (!strcmp(op, "<"))
			it->cmp = TLSI_CMP_LT;
		else if (!strcmp(op, ">"))
			it->cmp = TLSI_CMP_GT;
		else if (!strcmp(op, "=") || !*op)
			it->cmp = TLSI_CMP_EQ;
		else if (!strcmp(op, "<="))
			it->cmp = TLSI_CMP_LE;
		else if (!strcmp(op, ">="))
			it->cmp = TLSI_CMP_GE;
		else if (!strcmp(op, "&"))
			it->cmp = TLSI_CMP_AND;
		else if (!strcmp(op, "^"))
			it->cmp = TLSI_CMP_XOR;
		else
			return skip(ps, "syntax error", "byte_test: operator `%s'", f[1]);
		if (is_var_ref(f[2])) {
			uint32_t v;

			if (var_ref(ps, it, f[2], "byte_test value", &v))
				return -1;
			it->value = v;
			it->vars |= TLSI_IV(0);
		} else if (parse_num(f[2], UINT64_MAX, &it->value, true)) {
			return skip(ps, "syntax error", "byte_test: value `%s'", f[2]);
		}
		if (is_var_ref(f[3])) {
			uint32_t v;

			if (var_ref(ps, it, f[3], "byte_test offset", &v))
				return -1;
			it->boff = (int32_t)v;
			it->vars |= TLSI_IV(2);
		} else if (parse_int(f[3], -65535, 65535, &off)) {
			return skip(ps, "syntax error", "byte_test: offset `%s'", f[3]);
		} else {
			it->boff = off;
		}
		i = 4;
	} else {
		if (is_var_ref(f[1])) {
			uint32_t v;

			if (var_ref(ps, it, f[1], "byte_jump offset", &v))
				return -1;
			it->boff = (int32_t)v;
			it->vars |= TLSI_IV(2);
		} else if (parse_int(f[1], -65535, 65535, &off)) {
			return skip(ps, "syntax error", "byte_jump: offset `%s'", f[1]);
		} else {
			it->boff = off;
		}
		i = 2;
	}
	for (; i < n; i++) {
		const char *o = f[i];

		if (!strcmp(o, "relative"))
			it->flags |= TLSI_IF_RELATIVE;
		else if (!strcmp(o, "little"))
			it->flags |= TLSI_IF_LITTLE;
		else if (!strcmp(o, "big"))
			it->flags &= ~TLSI_IF_LITTLE;
		else if (!strcmp(o, "string"))
			it->flags |= TLSI_IF_STRING;
		else if (!strcmp(o, "dec"))
			it->base = 10;
		else if (!strcmp(o, "hex"))
			it->base = 16;
		else if (!strcmp(o, "oct"))
			it->base = 8;
		else if (jump && !strcmp(o, "align"))
			it->flags |= TLSI_IF_ALIGN;
		else if (jump && !strcmp(o, "from_beginning"))
			it->flags |= TLSI_IF_BEGIN;
		else if (jump && !strcmp(o, "from_end"))
			it->flags |= TLSI_IF_END;
		else if (jump && !strncmp(o, "multiplier", 10)) {
			if (parse_num(o + 10, 65535, &x, false) || !x)
				return skip(ps, "syntax error", "byte_jump: `%s'", o);
			it->mult = (uint32_t)x;
		} else if (jump && !strncmp(o, "post_offset", 11)) {
			if (parse_int(o + 11, -65535, 65535, &off))
				return skip(ps, "syntax error", "byte_jump: `%s'", o);
			it->post = off;
		} else if (!strncmp(o, "bitmask", 7)) {
			if (parse_num(o + 7, UINT32_MAX, &x, true))
				return skip(ps, "syntax error", "byte_test: `%s'", o);
			it->bitmask = (uint32_t)x;
			it->flags |= TLSI_IF_BITMASK;
		} else if (!strcmp(o, "dce")) {
			return skip(ps, "unsupported option", "%s: dce", kw);
		} else {
			return skip(ps, "syntax error", "%s: unknown option `%s'", kw, o);
		}
	}
	/* Suricata: a string without dec/hex/oct is read by strtoull() with
	 * base 0 (0x hex, 0 octal); 0 bytes read to the first non-digit */
	if (it->flags & TLSI_IF_STRING) {
		if (it->nbytes > 23)
			return skip(ps, "invalid option", "%s: at most 23 string bytes", kw);
	} else if (!it->nbytes) {
		return skip(ps, "invalid byte_test/byte_jump", "%s: 0 bytes without string", kw);
	} else if (it->nbytes > 8) {
		return skip(ps, "invalid option", "%s: at most 8 bytes", kw);
	} else if (it->base) {
		return skip(ps, "syntax error", "%s: base without string", kw);
	}
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

/*
 * pcre, compiled for the engine's matcher. Refusals are grouped by what
 * was refused ("pcre: backreference"), the expression in the detail.
 */
static int opt_pcre(struct pstate *ps, const char *val)
{
	struct rx_pcre pc;
	struct rx_prog prog;
	struct rp_item *it;
	char why[160], reason[96];
	size_t n;

	if (rx_parse_pcre(val, &pc, why, sizeof(why)))
		return skip(ps, "pcre: syntax error", "%s: pcre:%s", why, val);
	if (rx_compile(pc.pattern, pc.len, pc.opts, &prog, why, sizeof(why))) {
		free(pc.pattern);
		n = strcspn(why, "\\(`{0123456789");
		while (n && why[n - 1] == ' ')
			n--;
		snprintf(reason, sizeof(reason), "pcre: %.*s", (int)n, why);
		return skip(ps, reason, "%s: pcre:%s", why, val);
	}
	free(pc.pattern);
	it = new_item(ps, RP_PCRE);
	if (pc.buf >= 0) {
		it->buf = (uint8_t)pc.buf;
		if (strchr(strrchr(val, '/'), 'P'))
			ps->body_dir = 1;	/* P: the request body */
	}
	if (pc.negate)
		it->flags |= TLSI_IF_NEGATE;
	if (pc.relative)
		it->flags |= TLSI_IF_RELATIVE;
	it->re = xrealloc(NULL, sizeof(*it->re));
	*it->re = prog;
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

/*
 * base64_decode[:[bytes N][,][offset N][,][relative]] (Suricata's
 * syntax; options in that order). It decodes from the buffer of the
 * sticky buffer, or without one from that of the last payload keyword.
 */
static int opt_base64_decode(struct pstate *ps, const char *val)
{
	struct rp_rule *r = ps->r;
	const char *p = skip_ws(val);
	uint64_t bytes = 0, offset = 0;
	struct rp_item *it;
	bool relative = false;
	char *end;

	if (ps->b64_item >= 0)
		return skip(ps, "unsupported option", "a second base64_decode");
	if (!strncmp(p, "bytes", 5) && isspace((unsigned char)p[5])) {
		p = skip_ws(p + 5);
		if (!isdigit((unsigned char)*p))
			return skip(ps, "syntax error", "base64_decode bytes `%s'", val);
		errno = 0;
		bytes = strtoull(p, &end, 10);
		if (errno || !bytes || bytes > 65535)
			return skip(ps, "syntax error", "base64_decode bytes `%s'", val);
		p = skip_ws(end);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	if (!strncmp(p, "offset", 6) && isspace((unsigned char)p[6])) {
		p = skip_ws(p + 6);
		if (!isdigit((unsigned char)*p))
			return skip(ps, "syntax error", "base64_decode offset `%s'", val);
		errno = 0;
		offset = strtoull(p, &end, 10);
		if (errno || offset > 65535)
			return skip(ps, "syntax error", "base64_decode offset `%s'", val);
		p = skip_ws(end);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	if (!strncmp(p, "relative", 8)) {
		relative = true;
		p = skip_ws(p + 8);
	}
	if (*p)
		return skip(ps, "syntax error", "base64_decode option `%s'", p);
	if (ps->b64_data)
		return skip(ps, "unsupported option", "base64_decode after base64_data");
	it = new_item(ps, RP_BASE64);
	if (ps->cur_buf == TLSI_BUF_RAW && ps->last_payload >= 0)
		it->buf = r->items[ps->last_payload].buf;
	it->value = bytes;
	it->boff = (int32_t)offset;
	if (relative)
		it->flags |= TLSI_IF_RELATIVE;
	ps->b64_item = (int)(it - r->items);
	return 0;
}

static int opt_threshold(struct pstate *ps, const char *kw, const char *val)
{
	char tmp[256], *f[8];
	size_t n, i;
	uint64_t x;
	struct rp_rule *r = ps->r;
	bool det = !strcmp(kw, "detection_filter");
	bool have_track = false, have_count = false, have_secs = false;

	if (r->thresh_type != TLSI_THRESH_NONE)
		return skip(ps, "unsupported option", "both threshold and detection_filter");
	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "%s too long", kw);
	strcpy(tmp, val);
	n = split_fields(tmp, f, 8);
	r->thresh_type = det ? TLSI_THRESH_DETECTION : TLSI_THRESH_NONE;
	for (i = 0; i < n; i++) {
		char *k = f[i], *v = k;

		while (*v && *v != ' ' && *v != '\t')
			v++;
		if (*v)
			*v++ = '\0';
		v = trim(v);
		if (!strcmp(k, "type") && !det) {
			if (!strcmp(v, "limit"))
				r->thresh_type = TLSI_THRESH_LIMIT;
			else if (!strcmp(v, "threshold"))
				r->thresh_type = TLSI_THRESH_THRESHOLD;
			else if (!strcmp(v, "both"))
				r->thresh_type = TLSI_THRESH_BOTH;
			else
				return skip(ps, "syntax error", "%s type `%s'", kw, v);
		} else if (!strcmp(k, "track")) {
			if (!strcmp(v, "by_src"))
				r->thresh_track = TLSI_TRACK_SRC;
			else if (!strcmp(v, "by_dst"))
				r->thresh_track = TLSI_TRACK_DST;
			else
				return skip(ps, "unsupported option", "%s track %s", kw, v);
			have_track = true;
		} else if (!strcmp(k, "count")) {
			if (parse_num(v, UINT32_MAX, &x, false) || !x)
				return skip(ps, "syntax error", "%s count `%s'", kw, v);
			r->thresh_count = (uint32_t)x;
			have_count = true;
		} else if (!strcmp(k, "seconds")) {
			if (parse_num(v, 86400 * 365, &x, false) || !x)
				return skip(ps, "syntax error", "%s seconds `%s'", kw, v);
			r->thresh_seconds = (uint32_t)x;
			have_secs = true;
		} else {
			return skip(ps, "syntax error", "%s: unknown field `%s'", kw, k);
		}
	}
	if (r->thresh_type == TLSI_THRESH_NONE || !have_track || !have_count || !have_secs)
		return skip(ps, "syntax error", "%s needs type, track, count and seconds", kw);
	return 0;
}

static int flowbit_index(struct rp_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nflowbits; i++)
		if (!strcmp(s->flowbits[i], name))
			return (int)i;
	if (s->nflowbits >= TLSI_IMG_FLOWBITS_MAX)
		return -1;
	s->flowbits = xrealloc(s->flowbits, (s->nflowbits + 1) * sizeof(*s->flowbits));
	s->flowbits[s->nflowbits] = xstrdup(name);
	return (int)s->nflowbits++;
}

static int opt_flowbits(struct pstate *ps, const char *val)
{
	char tmp[512], *op, *names, *p;
	struct rp_flowbit fb = { 0 };
	bool any = false, all = false;
	size_t k;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "flowbits too long");
	strcpy(tmp, val);
	op = trim(tmp);
	if (!strcmp(op, "noalert")) {
		ps->r->flags |= TLSI_RULE_F_NOALERT;
		return 0;
	}
	names = strchr(op, ',');
	if (!names)
		return skip(ps, "syntax error", "flowbits `%s' without a name", val);
	*names++ = '\0';
	op = trim(op);
	names = trim(names);
	if (!strcmp(op, "set"))
		fb.op = TLSI_FB_SET;
	else if (!strcmp(op, "unset"))
		fb.op = TLSI_FB_UNSET;
	else if (!strcmp(op, "toggle"))
		fb.op = TLSI_FB_TOGGLE;
	else if (!strcmp(op, "isset"))
		fb.op = TLSI_FB_ISSET;
	else if (!strcmp(op, "isnotset"))
		fb.op = TLSI_FB_ISNOTSET;
	else
		return skip(ps, "unsupported option", "flowbits:%s", op);
	for (p = names; *p; p++) {
		if (*p == '|')
			any = true;
		else if (*p == '&')
			all = true;
	}
	if (any && all)
		return skip(ps, "unsupported option", "flowbits mixing | and &");
	if (any && fb.op >= TLSI_FB_SET)
		return skip(ps, "unsupported option", "flowbits %s with |", op);
	p = names;
	for (;;) {
		char *sep = strpbrk(p, "|&");
		char *name;

		if (sep)
			*sep = '\0';
		name = trim(p);
		if (!*name)
			return skip(ps, "syntax error", "flowbits: empty name");
		if (fb.n == TLSI_FB_BITS_MAX) {
			if (any)
				return skip(ps, "unsupported option", "more than %d flowbits with |",
					    TLSI_FB_BITS_MAX);
			ps->r->fb = xrealloc(ps->r->fb, (ps->r->nfb + 1) * sizeof(*ps->r->fb));
			ps->r->fb[ps->r->nfb++] = fb;
			memset(fb.names, 0, sizeof(fb.names));
			fb.n = 0;
		}
		fb.names[fb.n++] = xstrdup(name);
		if (!sep)
			break;
		p = sep + 1;
	}
	if (any)
		fb.op = fb.op == TLSI_FB_ISSET ? TLSI_FB_ISSET_ANY : TLSI_FB_ISNOTSET_ANY;
	ps->r->fb = xrealloc(ps->r->fb, (ps->r->nfb + 1) * sizeof(*ps->r->fb));
	ps->r->fb[ps->r->nfb++] = fb;
	for (k = 0; k < fb.n; k++)
		if (flowbit_index(ps->s, fb.names[k]) < 0)
			return skip(ps, "limit", "more than %d flowbit names", TLSI_IMG_FLOWBITS_MAX);
	return 0;
}

/*
 * xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>
 * [,expire <seconds>] (Suricata's; expire defaults to 30 s).
 */
static int opt_xbits(struct pstate *ps, const char *val)
{
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "set", TLSI_FB_SET }, { "unset", TLSI_FB_UNSET },
		{ "toggle", TLSI_FB_TOGGLE }, { "isset", TLSI_FB_ISSET },
		{ "isnotset", TLSI_FB_ISNOTSET },
	};
	static const char *const tracks[] = { "ip_src", "ip_dst", "ip_pair" };
	struct rp_xbit xb = { .expire = 30 };
	char tmp[512], *f[6], *end;
	unsigned long v;
	size_t n, i;
	int bit;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "xbits too long");
	strcpy(tmp, val);
	n = split_fields(tmp, f, 6);
	if (n < 3 || n > 4)
		return skip(ps, "syntax error", "xbits `%s'", val);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[0], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return skip(ps, "unsupported option", "xbits:%s", f[0]);
	xb.op = ops[i].op;
	if (!*f[1] || strpbrk(f[1], "|& \t"))
		return skip(ps, "syntax error", "xbits name `%s'", f[1]);
	if (strncmp(f[2], "track", 5) || !isspace((unsigned char)f[2][5]))
		return skip(ps, "syntax error", "xbits `%s': track first", val);
	f[2] = trim(f[2] + 5);
	for (i = 0; i < 3 && strcmp(f[2], tracks[i]); i++)
		;
	if (i == 3)
		return skip(ps, "unsupported option", "xbits track %s", f[2]);
	xb.track = (uint8_t)i;
	if (n == 4) {
		if (strncmp(f[3], "expire", 6) || !isspace((unsigned char)f[3][6]))
			return skip(ps, "syntax error", "xbits `%s'", val);
		f[3] = trim(f[3] + 6);
		errno = 0;
		v = strtoul(f[3], &end, 10);
		if (!isdigit((unsigned char)*f[3]) || *end || errno || !v ||
		    v > TLSI_XBITS_EXPIRE_MAX)
			return skip(ps, "syntax error", "xbits expire `%s'", f[3]);
		xb.expire = (uint32_t)v;
	}
	bit = flowbit_index(ps->s, f[1]);
	if (bit < 0)
		return skip(ps, "limit", "more than %d flowbit and xbit names",
			    TLSI_IMG_FLOWBITS_MAX);
	xb.bit = (uint32_t)bit;
	ps->r->xb = xrealloc(ps->r->xb, (ps->r->nxb + 1) * sizeof(*ps->r->xb));
	ps->r->xb[ps->r->nxb++] = xb;
	return 0;
}

/*
 * flowint:NAME, OP, VALUE (OP: = + - == != < <= > >=) or flowint:NAME,
 * isset|notset|isnotset (Suricata's syntax). A value that names another
 * variable is not supported.
 */
static int opt_flowint(struct pstate *ps, const char *val)
{
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "isset", TLSI_FI_ISSET }, { "notset", TLSI_FI_NOTSET },
		{ "isnotset", TLSI_FI_NOTSET }, { "==", TLSI_FI_EQ }, { "!=", TLSI_FI_NE },
		{ "<", TLSI_FI_LT }, { "<=", TLSI_FI_LE }, { ">", TLSI_FI_GT },
		{ ">=", TLSI_FI_GE }, { "=", TLSI_FI_SET }, { "+", TLSI_FI_ADD },
		{ "-", TLSI_FI_SUB },
	};
	struct rp_flowint fi = { 0 };
	char tmp[256], *f[4], *end;
	unsigned long long v;
	size_t n, i;
	int var;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "flowint too long");
	strcpy(tmp, val);
	n = split_fields(tmp, f, 4);
	if (n < 2 || n > 3 || !*f[0] || strpbrk(f[0], "|& \t"))
		return skip(ps, "syntax error", "flowint `%s'", val);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[1], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return skip(ps, "syntax error", "flowint operator `%s'", f[1]);
	fi.op = ops[i].op;
	if ((fi.op <= TLSI_FI_NOTSET) != (n == 2))
		return skip(ps, "syntax error", "flowint `%s': %s", val,
			    n == 2 ? "no value" : "a value after isset/notset");
	if (n == 3) {
		if (!isdigit((unsigned char)*f[2]))
			return skip(ps, "unsupported option",
				    "flowint value `%s' (another variable)", f[2]);
		errno = 0;
		v = strtoull(f[2], &end, 10);
		if (*end || errno || v > 0xffffffffull)
			return skip(ps, "syntax error", "flowint value `%s'", f[2]);
		fi.val = (uint32_t)v;
	}
	var = flowbit_index(ps->s, f[0]);
	if (var < 0)
		return skip(ps, "limit", "more than %d flowbit, xbit and flowint names",
			    TLSI_IMG_FLOWBITS_MAX);
	fi.var = (uint32_t)var;
	ps->r->fi = xrealloc(ps->r->fi, (ps->r->nfi + 1) * sizeof(*ps->r->fi));
	ps->r->fi[ps->r->nfi++] = fi;
	return 0;
}

static struct rp_item *last_content(struct pstate *ps, const char *kw)
{
	if (ps->last < 0) {
		skip(ps, "syntax error", "`%s' without a preceding content", kw);
		return NULL;
	}
	return &ps->r->items[ps->last];
}

static void meta_add(struct rp_rule *r, const char *kw, const char *val)
{
	size_t old = r->meta ? strlen(r->meta) : 0;
	size_t add = strlen(kw) + strlen(val) + 4;

	r->meta = xrealloc(r->meta, old + add + 1);
	snprintf(r->meta + old, add + 1, "%s%s:%s", old ? "; " : "", kw, val);
}

/* IP protocol names ip_proto takes besides numbers (Suricata asks
 * getprotobyname(); these are /etc/protocols' names ET could use). */
static const struct { const char *name; uint8_t proto; } ip_protos[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 }, { "udp", 17 },
	{ "ipv6", 41 }, { "ipv6-route", 43 }, { "ipv6-frag", 44 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "ipv6-nonxt", 59 },
	{ "ipv6-opts", 60 }, { "sctp", 132 },
};

/*
 * stream_size:<server|client|both|either>,<op>,<n> with op one of < > =
 * != <= >= (Suricata's; TCP rules only).
 */
static int opt_stream_size(struct pstate *ps, const char *val)
{
	static const char *const sides[] = { "server", "client", "both", "either" };
	static const struct { const char *s; uint8_t cmp; } ops[] = {
		{ "<", TLSI_CMP_LT }, { ">", TLSI_CMP_GT }, { "=", TLSI_CMP_EQ },
		{ "!=", TLSI_CMP_NE }, { "<=", TLSI_CMP_LE }, { ">=", TLSI_CMP_GE },
	};
	struct rp_rule *r = ps->r;
	char tmp[128], *f[4], *end;
	unsigned long long v;
	size_t n, i;

	if (r->proto != RP_PROTO_TCP)
		return skip(ps, "stream_size in a non-TCP rule", "stream_size `%s'", val);
	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "stream_size too long");
	strcpy(tmp, val);
	n = split_fields(tmp, f, 4);
	if (n != 3)
		return skip(ps, "syntax error", "stream_size `%s'", val);
	for (i = 0; i < 4 && strcmp(f[0], sides[i]); i++)
		;
	if (i == 4)
		return skip(ps, "syntax error", "stream_size side `%s'", f[0]);
	r->ss_side = (uint8_t)i;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[1], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return skip(ps, "syntax error", "stream_size operator `%s'", f[1]);
	r->ss_cmp = ops[i].cmp;
	errno = 0;
	v = strtoull(f[2], &end, 10);
	if (!isdigit((unsigned char)f[2][0]) || *end || errno || v > 0xffffffffull)
		return skip(ps, "syntax error", "stream_size value `%s'", f[2]);
	r->ss_value = (uint32_t)v;
	r->has_stream_size = true;
	return 0;
}

/*
 * flow: to_server/from_client, to_client/from_server, established,
 * not_established, stateless (no effect on matching, as Suricata's
 * FlowMatch()), no_stream (the packet's payload, never the stream),
 * only_stream, no_frag and only_frag (no effect here).
 */
static int opt_flow(struct pstate *ps, const char *val)
{
	struct rp_rule *r = ps->r;
	char tmp[128], *f[8];
	size_t n, i;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "flow too long");
	strcpy(tmp, val);
	n = split_fields(tmp, f, 8);
	for (i = 0; i < n; i++) {
		if (!strcmp(f[i], "established")) {
			if (r->flow & TLSI_FLOW_NOT_ESTABLISHED || r->stateless)
				return skip(ps, "syntax error",
					    "flow: established with not_established or stateless");
			r->flow |= TLSI_FLOW_ESTABLISHED;
		} else if (!strcmp(f[i], "not_established")) {
			if (r->flow & TLSI_FLOW_ESTABLISHED)
				return skip(ps, "syntax error",
					    "flow: not_established with established");
			r->flow |= TLSI_FLOW_NOT_ESTABLISHED;
			if (!r->pkt_kw)
				r->pkt_kw = "flow:not_established";
		} else if (!strcmp(f[i], "stateless")) {
			/* Suricata's FlowMatch() counts it as matched
			 * whatever the state */
			if (r->flow & TLSI_FLOW_ESTABLISHED)
				return skip(ps, "syntax error",
					    "flow: stateless with established");
			r->stateless = true;
		} else if (!strcmp(f[i], "no_stream")) {
			/* the packet's payload, never the stream */
			if (!r->pkt_kw)
				r->pkt_kw = "flow:no_stream";
		} else if (!strcmp(f[i], "to_server") || !strcmp(f[i], "from_client"))
			r->flow |= TLSI_FLOW_TO_SERVER;
		else if (!strcmp(f[i], "to_client") || !strcmp(f[i], "from_server"))
			r->flow |= TLSI_FLOW_TO_CLIENT;
		else if (!strcmp(f[i], "only_stream") || !strcmp(f[i], "no_frag") ||
			 !strcmp(f[i], "only_frag"))
			continue;
		else
			return skip(ps, "unsupported flow option", "flow:%s", f[i]);
	}
	if ((r->flow & TLSI_FLOW_TO_SERVER) && (r->flow & TLSI_FLOW_TO_CLIENT))
		return skip(ps, "syntax error", "flow both to_server and to_client");
	return 0;
}

/*
 * flags: Suricata's DetectFlagsParse(): an optional modifier (! + *), the
 * flags (S A F R P U C E, 1 and 2 for C and E, 0 for none; upper case),
 * and after a comma the flags to ignore. Matched on each TCP packet.
 */
static int opt_flags(struct pstate *ps, const char *val)
{
	static const char letters[] = "FSRPAUEC";	/* bit i: letters[i] */
	struct rp_rule *r = ps->r;
	struct rp_pkt_test *t;
	char tmp[64], *v, *ign;
	uint8_t flags = 0, mask = 0xff;
	int mod = -1, found = 0;
	const char *p;

	if (strlen(val) >= sizeof(tmp))
		return skip(ps, "syntax error", "flags too long");
	strcpy(tmp, val);
	v = (char *)skip_ws(tmp);
	ign = strchr(v, ',');
	if (ign)
		*ign++ = '\0';
	trim(v);
	if (!*v)
		return skip(ps, "syntax error", "flags `%s'", val);
	for (p = v; *p; p++) {
		const char *l = strchr(letters, *p);
		int m = *p == '!' ? TLSI_TCPFL_NOT : *p == '+' ? TLSI_TCPFL_PLUS :
			*p == '*' ? TLSI_TCPFL_ANY : -1;

		if (m >= 0) {
			/* one modifier, first or among the flags */
			if (mod >= 0)
				return skip(ps, "syntax error",
					    "flags `%s': one modifier at most", val);
			mod = m;
		} else if (*p == '1' || *p == '2') {
			flags |= *p == '1' ? 0x80 : 0x40;
			found++;
		} else if (*p == '0') {
			flags = 0;
			found++;
		} else if (*p && l) {
			flags |= (uint8_t)(1u << (l - letters));
			found++;
		} else if (isspace((unsigned char)*p) && p == v + 1 && mod >= 0) {
			continue;	/* "! S": space after the modifier */
		} else {
			return skip(ps, "syntax error", "flags `%s'", val);
		}
	}
	if (!found)
		return skip(ps, "syntax error", "flags `%s': no flag", val);
	if (ign) {
		int n = 0;

		ign = trim(ign);
		for (p = ign; *p; p++) {
			const char *l = strchr(letters, *p);

			if (*p == '1' || *p == 'C')
				mask &= (uint8_t)~0x80;
			else if (*p == '2' || *p == 'E')
				mask &= (uint8_t)~0x40;
			else if (l)
				mask &= (uint8_t)~(1u << (l - letters));
			else
				return skip(ps, "syntax error", "flags `%s': ignored `%c'", val, *p);
			n++;
		}
		if (!n)
			return skip(ps, "syntax error", "flags `%s': nothing ignored", val);
	}
	if (r->proto != RP_PROTO_TCP)
		return skip(ps, "flags in a udp, icmp or ip rule",
			    "flags:%s (only TCP packets have flags)", val);
	if (r->npkt >= RP_PKT_TESTS_MAX)
		return skip(ps, "limit", "more than %d header tests", RP_PKT_TESTS_MAX);
	t = &r->pkt[r->npkt++];
	t->field = TLSI_PKT_TCP_FLAGS;
	t->cmp = (uint8_t)(mod < 0 ? TLSI_TCPFL_EXACT : mod);
	t->a = flags;
	t->b = mask;
	if (!r->pkt_kw)
		r->pkt_kw = "flags";
	return 0;
}

/*
 * itype, icode, ttl ([<|>|<=|>=|!]N or N<>M, as dsize: Suricata's
 * DetectU8Parse) and ip_proto ([!|<|>]N or a protocol name), all 0..255.
 */
static int opt_pkt(struct pstate *ps, const char *kw, const char *val)
{
	struct rp_rule *r = ps->r;
	struct rp_pkt_test *t;
	uint8_t field;
	uint32_t a, b;
	uint8_t cmp;
	size_t i;

	if (!strcmp(kw, "itype"))
		field = TLSI_PKT_ITYPE;
	else if (!strcmp(kw, "icode"))
		field = TLSI_PKT_ICODE;
	else if (!strcmp(kw, "ip_proto"))
		field = TLSI_PKT_IP_PROTO;
	else
		field = TLSI_PKT_TTL;
	if (field == TLSI_PKT_TTL && r->proto != RP_PROTO_UDP && r->proto != RP_PROTO_ICMP)
		return skip(ps, "ttl on TCP streams",
			    "ttl in a %s rule (TCP streams are inspected without their packets' TTL)",
			    r->proto == RP_PROTO_IP ? "ip" : "tcp");
	if (r->npkt >= RP_PKT_TESTS_MAX)
		return skip(ps, "limit", "more than %d header tests", RP_PKT_TESTS_MAX);
	if (field == TLSI_PKT_IP_PROTO) {
		const char *v = skip_ws(val);
		uint64_t x;

		cmp = TLSI_CMP_EQ;
		if (*v == '!' || *v == '<' || *v == '>') {
			cmp = *v == '!' ? TLSI_CMP_NE : *v == '<' ? TLSI_CMP_LT : TLSI_CMP_GT;
			v = skip_ws(v + 1);
		}
		b = 0;
		if (!parse_num(v, 255, &x, false)) {
			a = (uint32_t)x;
		} else {
			for (i = 0; i < sizeof(ip_protos) / sizeof(ip_protos[0]); i++)
				if (!strcasecmp(v, ip_protos[i].name))
					break;
			if (i == sizeof(ip_protos) / sizeof(ip_protos[0]))
				return skip(ps, "syntax error", "ip_proto `%s'", val);
			a = ip_protos[i].proto;
		}
	} else if (parse_size_cmp(val, &cmp, &a, &b) || a > 255 || b > 255) {
		return skip(ps, "syntax error", "%s `%s'", kw, val);
	}
	t = &r->pkt[r->npkt++];
	t->field = field;
	t->cmp = cmp;
	t->a = a;
	t->b = b;
	return 0;
}

static int opt(struct pstate *ps, char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	const struct bufkw *bk;
	struct rp_item *it;
	uint64_t x;
	int32_t si;
	size_t i;

	if (!strcmp(kw, "msg")) {
		free(r->msg);
		r->msg = unquote(val);
		return 0;
	}
	if (!strcmp(kw, "sid") || !strcmp(kw, "rev") || !strcmp(kw, "gid")) {
		if (parse_num(val, UINT32_MAX, &x, false))
			return skip(ps, "syntax error", "%s `%s'", kw, val);
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
		r->classtype = xstrdup(trim(val));
		return 0;
	}
	if (!strcmp(kw, "priority")) {
		if (parse_num(val, 255, &x, false) || !x)
			return skip(ps, "syntax error", "priority `%s'", val);
		r->priority = (uint8_t)x;
		return 0;
	}
	if (!strcmp(kw, "reference") || !strcmp(kw, "metadata")) {
		meta_add(r, kw, trim(val));
		return 0;
	}
	if (!strcmp(kw, "content") || !strcmp(kw, "uricontent")) {
		it = new_item(ps, RP_CONTENT);
		if (kw[0] == 'u')
			it->buf = TLSI_BUF_HTTP_URI;
		if (parse_content(ps, val, it))
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
		if (is_var_ref(val)) {
			uint32_t v;

			if (var_ref(ps, it, val, kw, &v))
				return -1;
			si = (int32_t)v;
			it->vars |= (uint16_t)TLSI_IV(opnd);
		} else if (parse_int(val, !strcmp(kw, "distance") ? -65535 : 0, 65535, &si)) {
			/* only distance may be negative (back into the
			 * previous match) */
			return skip(ps, "syntax error", "%s `%s'", kw, val);
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
		val = trim(val);
		if (!strcmp(val, "only")) {
			it->fast_only = true;
		} else if (*val) {
			char *c = strchr(val, ',');
			uint64_t a, b;

			if (!c)
				return skip(ps, "syntax error", "fast_pattern `%s'", val);
			*c = '\0';
			if (parse_num(val, 65535, &a, false) || parse_num(c + 1, 65535, &b, false) ||
			    !b || a + b > it->len)
				return skip(ps, "syntax error", "fast_pattern chop beyond the content");
			it->fast_chop = true;
			it->fp_off = (uint32_t)a;
			it->fp_len = (uint32_t)b;
		}
		return 0;
	}
	if ((bk = find_bufkw(kw))) {
		if (*val)
			return skip(ps, "syntax error", "`%s' takes no value", kw);
		if (bk->legacy) {
			if (!(it = last_content(ps, kw)))
				return -1;
			if (it->b64)
				return skip(ps, "unsupported option",
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
		return opt_base64_decode(ps, val);
	if (!strcmp(kw, "base64_data")) {
		if (*val)
			return skip(ps, "syntax error", "`%s' takes no value", kw);
		if (ps->b64_item < 0)
			return skip(ps, "base64_data without base64_decode",
				    "base64_data before any base64_decode");
		ps->b64_data = true;
		return 0;
	}
	if (!strcmp(kw, "dotprefix")) {
		uint8_t from = (uint8_t)ps->cur_buf, to;

		if (ps->b64_data)
			return skip(ps, "unsupported transform", "dotprefix on base64_data");
		if (from == TLSI_BUF_HTTP_HOST)
			to = TLSI_BUF_HTTP_HOST_DOT;
		else if (from == TLSI_BUF_TLS_SNI)
			to = TLSI_BUF_TLS_SNI_DOT;
		else if (from == TLSI_BUF_DNS_QUERY)
			to = TLSI_BUF_DNS_QUERY_DOT;
		else
			return skip(ps, "unsupported transform", "dotprefix on %s",
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
			return skip(ps, "syntax error", "isdataat too long");
		strcpy(tmp, val);
		n = split_fields(tmp, f, 4);
		it = new_item(ps, RP_ISDATAAT);
		num = f[0];
		if (*num == '!') {
			it->flags |= TLSI_IF_NEGATE;
			num++;
		}
		if (is_var_ref(num)) {
			uint32_t v;

			if (var_ref(ps, it, num, "isdataat", &v))
				return -1;
			it->value = v;
			it->vars |= TLSI_IV(0);
		} else if (parse_num(num, 65535, &it->value, false)) {
			return skip(ps, "syntax error", "isdataat `%s'", val);
		}
		for (i = 1; i < n; i++) {
			if (!strcmp(f[i], "relative"))
				it->flags |= TLSI_IF_RELATIVE;
			else if (strcmp(f[i], "rawbytes"))
				return skip(ps, "syntax error", "isdataat option `%s'", f[i]);
		}
		ps->last_payload = (int)(it - r->items);
		return 0;
	}
	if (!strcmp(kw, "byte_test"))
		return opt_byte(ps, kw, val, false);
	if (!strcmp(kw, "byte_jump"))
		return opt_byte(ps, kw, val, true);
	if (!strcmp(kw, "byte_extract"))
		return opt_byte_extract(ps, val);
	if (!strcmp(kw, "app-layer-event"))
		return opt_app_event(ps, val);
	if (!strcmp(kw, "bsize")) {
		it = new_item(ps, RP_BSIZE);
		if (parse_size_cmp(val, &it->cmp, &it->a, &it->b))
			return skip(ps, "syntax error", "bsize `%s'", val);
		return 0;
	}
	if (!strcmp(kw, "urilen")) {
		char tmp[64], *c;
		int saved = ps->cur_buf;

		if (strlen(val) >= sizeof(tmp))
			return skip(ps, "syntax error", "urilen too long");
		strcpy(tmp, val);
		c = strchr(tmp, ',');
		ps->cur_buf = TLSI_BUF_HTTP_URI;
		if (c) {
			*c++ = '\0';
			c = trim(c);
			if (!strcmp(c, "raw"))
				ps->cur_buf = TLSI_BUF_HTTP_URI_RAW;
			else if (strcmp(c, "norm"))
				return skip(ps, "syntax error", "urilen option `%s'", c);
		}
		if (ps->b64_data)
			return skip(ps, "unsupported option", "urilen after base64_data");
		it = new_item(ps, RP_BSIZE);
		ps->cur_buf = saved;
		if (parse_size_cmp(tmp, &it->cmp, &it->a, &it->b))
			return skip(ps, "syntax error", "urilen `%s'", val);
		return 0;
	}
	if (!strcmp(kw, "itype") || !strcmp(kw, "icode") || !strcmp(kw, "ip_proto") ||
	    !strcmp(kw, "ttl"))
		return opt_pkt(ps, kw, val);
	if (!strcmp(kw, "flags"))
		return opt_flags(ps, val);
	if (!strcmp(kw, "stream_size"))
		return opt_stream_size(ps, val);
	if (!strcmp(kw, "dsize")) {
		if (parse_size_cmp(val, &r->dsize_cmp, &r->dsize_a, &r->dsize_b))
			return skip(ps, "syntax error", "dsize `%s'", val);
		r->has_dsize = true;
		return 0;
	}
	if (!strcmp(kw, "flow"))
		return opt_flow(ps, val);
	if (!strcmp(kw, "flowbits"))
		return opt_flowbits(ps, val);
	if (!strcmp(kw, "xbits"))
		return opt_xbits(ps, val);
	if (!strcmp(kw, "flowint"))
		return opt_flowint(ps, val);
	if (!strcmp(kw, "tls.version")) {
		/* 1.0 1.1 1.2 1.3, or 0xNNNN as is; quotes allowed */
		static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
		char tmp[16], *v = tmp, *end;
		unsigned long x;

		if (strlen(trim(val)) >= sizeof(tmp))
			return skip(ps, "syntax error", "tls.version `%s'", val);
		strcpy(tmp, trim(val));
		if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (r->has_tls_version)
			return skip(ps, "unsupported option", "a second tls.version");
		for (i = 0; i < 4 && strcmp(v, names[i]); i++)
			;
		if (i < 4) {
			r->tls_version = (uint16_t)(0x0301 + i);
		} else if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && strlen(v) == 6) {
			errno = 0;
			x = strtoul(v + 2, &end, 16);
			if (*end || errno || !isxdigit((unsigned char)v[2]))
				return skip(ps, "syntax error", "tls.version `%s'", val);
			r->tls_version = (uint16_t)x;
			r->tls_version_raw = true;
		} else {
			return skip(ps, "syntax error", "tls.version `%s'", val);
		}
		r->has_tls_version = true;
		return 0;
	}
	if (!strcmp(kw, "noalert")) {
		r->flags |= TLSI_RULE_F_NOALERT;
		return 0;
	}
	if (!strcmp(kw, "threshold") || !strcmp(kw, "detection_filter"))
		return opt_threshold(ps, kw, val);
	if (!strcmp(kw, "pcre")) {
		r->had_pcre = true;
		if (ps->s->pcre == RP_PCRE_SKIP)
			return skip(ps, "pcre (--pcre=skip)", "pcre:%s", val);
		if (ps->s->pcre == RP_PCRE_EXACT)
			return opt_pcre(ps, val);
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
		return skip(ps, "unsupported transform", "transform `%s'", kw);
	{
		char reason[96];

		snprintf(reason, sizeof(reason), "unsupported keyword `%s'", kw);
		return skip(ps, reason, "%s%s%s", kw, *val ? ":" : "", val);
	}
}

/* ---- checks after parsing ------------------------------------------------------ */

static int finish(struct pstate *ps)
{
	struct rp_rule *r = ps->r;
	bool raw = false, http = false, tls = false, body = false, dns = false;
	unsigned int per_buf[TLSI_BUF_MAX] = { 0 }, groups = 0;
	int dir_need = 0;	/* 1 requests, 2 responses */
	size_t i, k;

	if (!r->sid)
		return skip(ps, "syntax error", "no sid");
	if (!r->gid)
		r->gid = 1;
	if (r->pkt_kw && r->proto == RP_PROTO_IP)
		/* it would have to see TCP packets, not streams */
		return skip(ps, "packet keyword in an ip rule",
			    "%s in an ip rule (ip rules see TCP as streams)", r->pkt_kw);
	if (r->pkt_kw && r->proto == RP_PROTO_TCP) {
		/* flags and flow:no_stream make Suricata match the rule on
		 * packets (SIG_FLAG_REQUIRE_PACKET), payload keywords on the
		 * packet's payload; not_established holds only before the
		 * handshake completed, where there is no stream yet */
		if (r->app != TLSI_APP_ANY)
			return skip(ps, "packet keyword in an application-layer rule",
				    "%s in a %s rule (its streams are inspected, not packets)",
				    r->pkt_kw, rp_app_name(r->app));
		if (r->has_stream_size)
			return skip(ps, "stream_size in a TCP packet rule",
				    "stream_size with %s", r->pkt_kw);
		r->proto = RP_PROTO_TCP_PKT;
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].buf == TLSI_BUF_RAW)
				r->items[i].buf = TLSI_BUF_TCP_PKT;
	}
	if (ps->b64_item >= 0) {
		/* base64_data is the end of its buffer's keywords (the engine
		 * matches the rest of the group on the decoded bytes) */
		const struct rp_item *d = &r->items[ps->b64_item];

		for (i = (size_t)ps->b64_item + 1; i < r->nitems; i++)
			if (r->items[i].buf == d->buf && !r->items[i].b64)
				return skip(ps, "unsupported option",
					    "%s keyword after base64_decode on the same buffer",
					    rp_buf_name(d->buf));
		for (i = 0; i < r->nitems; i++)
			if (r->items[i].b64 && r->items[i].buf != d->buf)
				return skip(ps, "unsupported option",
					    "base64_data keyword moved to %s",
					    rp_buf_name(r->items[i].buf));
	}
	for (i = 0; i < r->nitems; i++) {
		struct rp_item *it = &r->items[i];
		unsigned int b = it->buf;
		int d = buf_dir(b);

		if (!per_buf[b]++)
			groups++;
		if (b == TLSI_BUF_RAW)
			raw = true;
		else if (b == TLSI_BUF_BODY)
			body = true;
		else if (tlsi_buf_is_http(b))
			http = true;
		else if (tlsi_buf_is_tls(b))
			tls = true;
		else if (tlsi_buf_is_dns(b))
			dns = true;
		if (d) {
			if (dir_need && dir_need != d)
				return skip(ps, "mixes request and response buffers",
					    "%s with buffers of the other direction",
					    rp_buf_name(b));
			dir_need = d;
		}
		if (it->kind != RP_CONTENT)
			continue;
		if (b == TLSI_BUF_TLS_JA3_HASH || b == TLSI_BUF_TLS_JA3S_HASH) {
			/* as Suricata: contents are lower-cased (the buffer
			 * is lower-case hex) and the first must be a whole
			 * hash, or the rule could never match */
			uint32_t u;

			for (u = 0; u < it->len; u++)
				it->pat[u] = (uint8_t)tolower(it->pat[u]);
			if (per_buf[b] == 1 && it->len != 32)
				return skip(ps, "invalid content", "%s content of %u bytes, not a"
					    " 32-character MD5", rp_buf_name(b), it->len);
		}
		if ((it->flags & TLSI_IF_DEPTH) && !(it->vars & TLSI_IV(3)) && it->depth < it->len &&
		    !(it->flags & (TLSI_IF_DISTANCE | TLSI_IF_WITHIN)))
			return skip(ps, "invalid content", "depth %u shorter than content (%u bytes)",
				    it->depth, it->len);
		if ((it->flags & TLSI_IF_WITHIN) && !(it->vars & TLSI_IV(5)) && it->within < it->len)
			return skip(ps, "invalid content", "within %u shorter than content (%u bytes)",
				    it->within, it->len);
		if (it->startswith && (it->flags & (TLSI_IF_OFFSET | TLSI_IF_DEPTH |
						    TLSI_IF_DISTANCE | TLSI_IF_WITHIN)))
			return skip(ps, "invalid content", "startswith with offset/depth/distance/within");
	}
	if (body && ps->body_dir) {
		if (dir_need && dir_need != ps->body_dir)
			return skip(ps, "mixes request and response buffers",
				    "request and response body with other buffers");
		dir_need = ps->body_dir;
	}
	for (k = 0; k < TLSI_BUF_MAX; k++)
		if (per_buf[k] > TLSI_IMG_GROUP_MAX)
			return skip(ps, "limit", "more than %d keywords on %s", TLSI_IMG_GROUP_MAX,
				    rp_buf_name((unsigned int)k));
	if (r->nitems + groups + 2 * r->nfb + r->nxb + r->nfi + TLSI_AEV_MAX + 3 >
	    TLSI_IMG_INSNS_MAX)
		return skip(ps, "limit", "more than %d instructions", TLSI_IMG_INSNS_MAX);
	if (r->proto != RP_PROTO_TCP) {
		static const char *const names[] = { "tcp", "udp", "icmp", "ip", "tcp packet" };

		for (k = 0; k < TLSI_BUF_MAX; k++)
			if (per_buf[k] && k != (r->proto == RP_PROTO_TCP_PKT ?
						 TLSI_BUF_TCP_PKT : TLSI_BUF_PKT))
				return skip(ps, "decoded buffers in a udp, icmp or ip rule",
					    "%s in a %s rule (its packets are inspected, not streams)",
					    rp_buf_name((unsigned int)k), names[r->proto]);
	}
	if (r->has_tls_version && raw && !http && !body)
		return skip(ps, "content on TLS records",
			    "tls.version with payload keywords (the engine sees decrypted data)");
	if (r->has_tls_version)
		tls = true;	/* a TLS keyword, like the tls.* buffers */
	if (tls && (raw || http || body))
		return skip(ps, "mixes stream and TLS buffers", "tls.* with other buffers");
	if (dns && (http || body || tls))
		return skip(ps, "mixes DNS and other decoded buffers",
			    "dns.query with HTTP, TLS or body buffers");
	if (raw && (http || body)) {
		/* payload keywords next to HTTP buffers look at the stream
		 * window when the HTTP buffers are inspected */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return skip(ps, "mixes raw stream and HTTP buffers",
				    "payload and HTTP buffers in a %s rule", rp_app_name(r->app));
		r->app = TLSI_APP_HTTP;
	}
	if (raw && r->app == TLSI_APP_TLS)
		return skip(ps, "content on TLS records",
			    "tls rule matching raw record bytes (the engine sees decrypted data)");
	if (http) {
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_HTTP) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return skip(ps, "HTTP buffers in a non-HTTP rule",
				    "HTTP buffers in a rule for another protocol");
		r->app = TLSI_APP_HTTP;
	}
	if (tls) {
		if (r->app != TLSI_APP_ANY && r->app != TLSI_APP_TLS)
			return skip(ps, "TLS buffers in a non-TLS rule", "%s rule with tls.*",
				    rp_app_name(r->app));
		r->app = TLSI_APP_TLS;
	}
	if (dns) {
		/* payload keywords next to dns.query see the stream window
		 * when the question is inspected, as next to HTTP buffers */
		if ((r->app != TLSI_APP_ANY && r->app != TLSI_APP_DNS) ||
		    (r->flags & TLSI_RULE_F_PROTO_APPROX))
			return skip(ps, "DNS buffers in a non-DNS rule", "%s rule with dns.query",
				    rp_app_name(r->app));
		r->app = TLSI_APP_DNS;
	}
	/* direction */
	if (dir_need == 1) {
		if (r->flow & TLSI_FLOW_TO_CLIENT)
			return skip(ps, "buffer not in this direction",
				    "request buffers in a to_client rule");
		r->flow |= TLSI_FLOW_TO_SERVER;
	} else if (dir_need == 2) {
		if (r->flow & TLSI_FLOW_TO_SERVER)
			return skip(ps, "buffer not in this direction",
				    "response buffers in a to_server rule");
		r->flow |= TLSI_FLOW_TO_CLIENT;
	}
	if ((r->flags & TLSI_RULE_F_PCRE_DROPPED)) {
		bool content = false;

		for (i = 0; i < r->nitems; i++)
			if (r->items[i].kind == RP_CONTENT &&
			    !(r->items[i].flags & TLSI_IF_NEGATE))
				content = true;
		if (!content)
			return skip(ps, "pcre without content",
				    "pcre is the only pattern (nothing left to match)");
	}
	return 0;
}

/* ---- rules ------------------------------------------------------------------------ */

static const struct { const char *name; uint8_t app; bool approx; uint8_t proto; } protos[] = {
	{ "tcp", TLSI_APP_ANY, false, RP_PROTO_TCP },
	{ "udp", TLSI_APP_ANY, false, RP_PROTO_UDP },
	{ "icmp", TLSI_APP_ANY, false, RP_PROTO_ICMP },
	{ "ip", TLSI_APP_ANY, false, RP_PROTO_IP },
	{ "http", TLSI_APP_HTTP, false, RP_PROTO_TCP },
	{ "tls", TLSI_APP_TLS, false, RP_PROTO_TCP },
	{ "smtp", TLSI_APP_SMTP, false, RP_PROTO_TCP },
	{ "imap", TLSI_APP_IMAP, false, RP_PROTO_TCP },
	{ "pop3", TLSI_APP_POP3, false, RP_PROTO_TCP },
	{ "dns", TLSI_APP_DNS, false, RP_PROTO_TCP },
	{ "tcp-stream", TLSI_APP_ANY, false, RP_PROTO_TCP },
	{ "tcp-pkt", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ftp", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ftp-data", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "smb", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ssh", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "dcerpc", TLSI_APP_ANY, true, RP_PROTO_TCP },
};

/* Next header token (brackets may hold blanks); NULL at '(' or end. */
static const char *token(const char **pp, size_t *len)
{
	const char *p = skip_ws(*pp), *st;
	int depth = 0;

	if (!*p || *p == '(')
		return NULL;
	st = p;
	for (; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if ((*p == ' ' || *p == '\t') && depth <= 0)
			break;
		else if (*p == '(' && depth <= 0)
			break;
	}
	*len = (size_t)(p - st);
	*pp = p;
	return st;
}

static const char *intern_file(struct rp_set *s, const char *file)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i], file))
			return s->files[i];
	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	s->files[s->nfiles] = xstrdup(file);
	return s->files[s->nfiles++];
}

static void count_skip(struct rp_set *s, const char *file, unsigned int line,
		       const char *reason, const char *detail)
{
	size_t i;

	s->skipped++;
	for (i = 0; i < s->nskips; i++)
		if (!strcmp(s->skips[i].reason, reason))
			break;
	if (i == s->nskips) {
		s->skips = xrealloc(s->skips, (s->nskips + 1) * sizeof(*s->skips));
		s->skips[i].reason = xstrdup(reason);
		s->skips[i].count = 0;
		s->nskips++;
	}
	s->skips[i].count++;
	if (s->on_skip)
		s->on_skip(s->arg, file, line, reason, detail);
}

static int parse_header(struct pstate *ps, const char **pp)
{
	struct rp_rule *r = ps->r;
	const char *t[7];
	size_t n[7], i;
	char err[256];
	struct perr e = { err, sizeof(err) };
	const char *act;

	for (i = 0; i < 7; i++) {
		t[i] = token(pp, &n[i]);
		if (!t[i])
			return skip(ps, "syntax error", "rule header has %zu fields, expected 7", i);
	}
	act = t[0];
	if (n[0] == 5 && !strncmp(act, "alert", 5))
		r->action = TLSI_ACT_ALERT;
	else if (n[0] == 4 && !strncmp(act, "drop", 4))
		r->action = TLSI_ACT_DROP;
	else if (n[0] == 6 && !strncmp(act, "reject", 6))
		r->action = TLSI_ACT_REJECT;
	else if (n[0] == 4 && !strncmp(act, "pass", 4))
		r->action = TLSI_ACT_PASS;
	else if ((n[0] == 9 && !strncmp(act, "rejectsrc", 9)) ||
		 (n[0] == 9 && !strncmp(act, "rejectdst", 9)) ||
		 (n[0] == 10 && !strncmp(act, "rejectboth", 10)))
		r->action = TLSI_ACT_REJECT;
	else
		return skip(ps, "unsupported action", "action `%.*s'", (int)n[0], act);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strlen(protos[i].name) == n[1] && !strncmp(t[1], protos[i].name, n[1])) {
			r->app = protos[i].app;
			r->proto = protos[i].proto;
			if (r->proto != RP_PROTO_TCP)
				ps->cur_buf = TLSI_BUF_PKT;
			if (protos[i].approx)
				r->flags |= TLSI_RULE_F_PROTO_APPROX;
			break;
		}
	}
	if (i == sizeof(protos) / sizeof(protos[0])) {
		char reason[64];

		snprintf(reason, sizeof(reason), "unsupported protocol `%.*s'",
			 (int)TLSI_ENG_MIN(n[1], 20), t[1]);
		return skip(ps, reason, "protocol `%.*s' (tcp, udp, icmp, ip and the TCP application protocols are inspected)",
			    (int)n[1], t[1]);
	}
	if (n[4] == 2 && !strncmp(t[4], "<>", 2))
		r->flags |= TLSI_RULE_F_BIDIR;
	else if (n[4] != 2 || strncmp(t[4], "->", 2))
		return skip(ps, "syntax error", "direction `%.*s'", (int)n[4], t[4]);
	if (addr_expr(ps->s, t[2], n[2], false, true, &r->src, 0, &e) ||
	    port_expr(ps->s, t[3], n[3], false, true, &r->sport, 0, &e) ||
	    addr_expr(ps->s, t[5], n[5], false, true, &r->dst, 0, &e) ||
	    port_expr(ps->s, t[6], n[6], false, true, &r->dport, 0, &e))
		return skip(ps, strstr(err, "variable") ? "unknown variable" : "bad address or port",
			    "%s", err);
	return 0;
}

/* Split the option list "(k:v; k; ...)" and feed opt(). */
static int parse_options(struct pstate *ps, const char *p)
{
	size_t n = strlen(p);
	char *buf, *q, *end;

	p = skip_ws(p);
	if (*p != '(')
		return skip(ps, "syntax error", "no option list");
	n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n < 2 || p[n - 1] != ')')
		return skip(ps, "syntax error", "option list not closed with `)'");
	buf = xstrndup(p + 1, n - 2);
	q = buf;
	end = buf + strlen(buf);
	while (q < end) {
		char *st = q, *kw, *val, *colon;

		/* the option ends at the first ';' not escaped (as in
		 * Suricata, quotes do not protect a ';') */
		for (; q < end; q++) {
			if (*q == '\\' && q + 1 < end) {
				q++;
				continue;
			}
			if (*q == ';')
				break;
		}
		*q++ = '\0';
		kw = trim(st);
		if (!*kw)
			continue;
		colon = strchr(kw, ':');
		if (colon) {
			*colon = '\0';
			val = trim(colon + 1);
			kw = trim(kw);
		} else {
			val = kw + strlen(kw);
		}
		if (opt(ps, kw, val)) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

int rp_parse_rule(struct rp_set *s, const char *file, unsigned int line,
		  const char *text)
{
	struct rp_rule r;
	struct pstate ps = { 0 };
	const char *p = skip_ws(text);

	if (!*p || *p == '\r' || *p == '\n')
		return 0;
	if (*p == '#') {
		p = skip_ws(p + 1);
		if (!strncmp(p, "alert ", 6) || !strncmp(p, "drop ", 5) ||
		    !strncmp(p, "reject ", 7) || !strncmp(p, "pass ", 5))
			s->commented++;
		return 0;
	}
	file = intern_file(s, file);
	s->enabled++;
	memset(&r, 0, sizeof(r));
	r.file = file;
	r.line = line;
	ps.s = s;
	ps.r = &r;
	ps.cur_buf = TLSI_BUF_RAW;
	ps.last = -1;
	ps.last_payload = -1;
	ps.b64_item = -1;
	if (parse_header(&ps, &p) || parse_options(&ps, p) || finish(&ps))
		goto skipped;
	if (!sid_add(s->sids, r.gid, r.sid)) {
		skip(&ps, "duplicate sid", "sid %u (gid %u) already loaded", r.sid, r.gid);
		goto skipped;
	}
	if (s->nrules == s->rules_cap) {
		s->rules_cap = s->rules_cap ? s->rules_cap * 2 : 256;
		s->rules = xrealloc(s->rules, s->rules_cap * sizeof(*s->rules));
	}
	s->rules[s->nrules++] = r;
	return 1;
skipped:
	count_skip(s, file, line, ps.reason, ps.detail);
	free_rule(&r);
	return 0;
}

int rp_parse_file(struct rp_set *s, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *acc = NULL;
	size_t cap = 0, acclen = 0;
	ssize_t n;
	unsigned int ln = 0, start = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!acclen)
			start = ln;
		/* a trailing backslash continues the rule on the next line */
		if (n && line[n - 1] == '\\') {
			acc = xrealloc(acc, acclen + (size_t)n + 1);
			memcpy(acc + acclen, line, (size_t)n - 1);
			acclen += (size_t)n - 1;
			acc[acclen] = '\0';
			continue;
		}
		if (acclen) {
			acc = xrealloc(acc, acclen + (size_t)n + 1);
			memcpy(acc + acclen, line, (size_t)n + 1);
			rp_parse_rule(s, path, start, acc);
			acclen = 0;
		} else {
			rp_parse_rule(s, path, ln, line);
		}
	}
	if (acclen)
		rp_parse_rule(s, path, start, acc);
	free(line);
	free(acc);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}
