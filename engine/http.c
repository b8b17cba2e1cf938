// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.x decoder: splits each direction's stream into messages (start
 * line and headers, then a body delimited by Content-Length, chunked
 * encoding or the end of the connection), hands the header buffers
 * (http.method, http.uri, ...) to the engine as one unit per message and
 * the de-chunked body as the BODY stream. Pipelined requests are followed
 * in order; a request's method tells whether its response has a body.
 *
 * Only the header block of the current message is kept (TLSI_HTTP_HDR_MAX
 * bytes); the header buffers are rebuilt from it when body rules need
 * them. Decoding never stops the stream: on anything that is not HTTP the
 * direction falls back to raw inspection.
 */
#include "compat.h"
#include "engine.h"
#include "http.h"

enum {
	H_START,		/* before a start line (CR/LF skipped) */
	H_HEAD,			/* start line and headers */
	H_BODY,			/* Content-Length body */
	H_CHUNK_SIZE,		/* chunk-size line */
	H_CHUNK_DATA,
	H_CHUNK_END,		/* CRLF after chunk data */
	H_TRAILER,		/* trailer lines up to the empty line */
	H_CLOSE,		/* body until the connection closes */
	H_TUNNEL,		/* CONNECT / 101: not HTTP any more */
	H_ERROR,		/* not HTTP: raw inspection only */
};

enum { B_NONE, B_LEN, B_CHUNKED, B_CLOSE };
enum { M_OTHER, M_HEAD, M_CONNECT };

static const char *const methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE",
	"PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
	"UNLOCK", "SEARCH", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE",
	"SUBSCRIBE", "UNSUBSCRIBE", "NOTIFY", "M-SEARCH", "PURGE", "ACL",
};

static int ieq(const uint8_t *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tlsi_lower(a[i]) != tlsi_lower((uint8_t)b[i]))
			return 0;
	return 1;
}

static int name_is(const uint8_t *p, size_t n, const char *name)
{
	return n == strlen(name) && ieq(p, name, n);
}

int tlsi_http_is_method(const uint8_t *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(methods); i++)
		if (name_is(p, len, methods[i]))
			return 1;
	return 0;
}

/*
 * Does the start of a direction look like HTTP? 1 yes, 0 no, -1 not yet
 * known (a prefix of a method or of "HTTP/"). Leading CR/LF are skipped.
 */
int tlsi_http_detect(unsigned int dir, const uint8_t *p, size_t len)
{
	unsigned int i;
	int maybe = 0;

	while (len && (*p == '\r' || *p == '\n')) {
		p++;
		len--;
	}
	if (!len)
		return -1;
	if (dir == TLSI_DIR_TO_CLIENT) {
		if (len >= 5)
			return ieq(p, "HTTP/", 5);
		return ieq(p, "HTTP/", len) ? -1 : 0;
	}
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(methods); i++) {
		size_t ml = strlen(methods[i]);

		if (len <= ml) {
			if (ieq(p, methods[i], len))
				maybe = 1;
			continue;
		}
		if (ieq(p, methods[i], ml) && (p[ml] == ' ' || p[ml] == '\t'))
			return 1;
	}
	return maybe ? -1 : 0;
}

/* ---- URI normalisation ------------------------------------------------------- */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tlsi_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode p[0..n) in place; returns the new length. */
static uint32_t pct_decode(uint8_t *p, uint32_t n, uint32_t *flags)
{
	uint32_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '%' && i + 3 <= n && hexval(p[i + 1]) >= 0 &&
		    hexval(p[i + 2]) >= 0) {
			c = (uint8_t)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
			*flags |= TLSI_URI_PCT;
			i += 2;
		} else if (c == '%' && i + 6 <= n && tlsi_lower(p[i + 1]) == 'u' &&
			   hexval(p[i + 2]) >= 0 && hexval(p[i + 3]) >= 0 &&
			   hexval(p[i + 4]) >= 0 && hexval(p[i + 5]) >= 0) {
			uint32_t cp = (uint32_t)(hexval(p[i + 2]) << 12 |
						 hexval(p[i + 3]) << 8 |
						 hexval(p[i + 4]) << 4 | hexval(p[i + 5]));

			if (cp < 0x100)
				c = (uint8_t)cp;
			else if (cp >= 0xff01 && cp <= 0xff5e)
				c = (uint8_t)(cp - 0xfee0);
			else
				c = '?';
			*flags |= TLSI_URI_U;
			i += 5;
		}
		p[o++] = c;
	}
	return o;
}

static int has_escape(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 2 < n; i++)
		if (p[i] == '%' && ((hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) ||
				    tlsi_lower(p[i + 1]) == 'u'))
			return 1;
	return 0;
}

static int cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/* Overlong and full-width UTF-8 forms of ASCII, in place. */
static uint32_t utf8_fold(uint8_t *p, uint32_t n, uint32_t *flags)
{
	uint32_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		uint32_t cp;

		if ((c == 0xc0 || c == 0xc1) && i + 1 < n && cont(p[i + 1])) {
			p[o++] = (uint8_t)(((c & 0x1f) << 6) | (p[i + 1] & 0x3f));
			*flags |= TLSI_URI_OVERLONG;
			i += 1;
			continue;
		}
		if ((c & 0xf0) == 0xe0 && i + 2 < n && cont(p[i + 1]) && cont(p[i + 2])) {
			cp = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(p[i + 1] & 0x3f) << 6) |
			     (p[i + 2] & 0x3f);
			if (cp < 0x80 || (cp >= 0xff01 && cp <= 0xff5e)) {
				*flags |= cp < 0x80 ? TLSI_URI_OVERLONG : TLSI_URI_FULLWIDTH;
				p[o++] = (uint8_t)(cp < 0x80 ? cp : cp - 0xfee0);
				i += 2;
				continue;
			}
		}
		if (c == 0xf0 && i + 3 < n && cont(p[i + 1]) && cont(p[i + 2]) &&
		    cont(p[i + 3]) && (p[i + 1] & 0x3f) < 0x10) {
			cp = ((uint32_t)(p[i + 1] & 0x3f) << 12) |
			     ((uint32_t)(p[i + 2] & 0x3f) << 6) | (p[i + 3] & 0x3f);
			if (cp < 0x80) {
				p[o++] = (uint8_t)cp;
				*flags |= TLSI_URI_OVERLONG;
				i += 3;
				continue;
			}
		}
		p[o++] = c;
	}
	return o;
}

/* Resolve "." and "..", fold "//"; in place. */
static uint32_t path_segments(uint8_t *p, uint32_t n, uint32_t *flags)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint32_t j, seg;

		if (p[i] == '/') {
			if (o == 0 || p[o - 1] != '/')
				p[o++] = '/';
			else
				*flags |= TLSI_URI_SLASHES;
			i++;
			continue;
		}
		for (j = i; j < n && p[j] != '/'; j++)
			;
		seg = j - i;
		if (seg == 1 && p[i] == '.') {
			*flags |= TLSI_URI_DOTS;
			i = j < n ? j + 1 : j;
			continue;
		}
		if (seg == 2 && p[i] == '.' && p[i + 1] == '.') {
			*flags |= TLSI_URI_DOTS;
			if (o > 1 && p[o - 1] == '/') {
				o--;
				while (o > 0 && p[o - 1] != '/')
					o--;
			} else if (o > 0 && p[o - 1] != '/') {
				while (o > 0 && p[o - 1] != '/')
					o--;
			}
			i = j < n ? j + 1 : j;
			continue;
		}
		memmove(p + o, p + i, seg);
		o += seg;
		i = j;
	}
	return o;
}

uint32_t tlsi_http_normalize_uri(const uint8_t *in, uint32_t len, uint8_t *out,
				 uint32_t *flags)
{
	uint32_t i, plen, qlen, n;
	const uint8_t *path = in;

	*flags = 0;
	/* absolute form: drop scheme and authority */
	if ((len >= 7 && ieq(in, "http://", 7)) || (len >= 8 && ieq(in, "https://", 8))) {
		uint32_t a = in[4] == ':' ? 7 : 8;

		for (i = a; i < len && in[i] != '/' && in[i] != '?'; i++)
			;
		path = in + i;
		len -= i;
	}
	for (plen = 0; plen < len && path[plen] != '?'; plen++)
		;
	qlen = len - plen;
	memcpy(out, path, plen);
	n = pct_decode(out, plen, flags);
	if ((*flags & TLSI_URI_PCT) && has_escape(out, n)) {
		uint32_t f2 = 0;

		n = pct_decode(out, n, &f2);
		if (f2)
			*flags |= TLSI_URI_DOUBLE | f2;
	}
	n = utf8_fold(out, n, flags);
	for (i = 0; i < n; i++) {
		if (out[i] == '\\') {
			out[i] = '/';
			*flags |= TLSI_URI_BACKSLASH;
		}
	}
	n = path_segments(out, n, flags);
	if (!n && plen && path[0] == '/')
		out[n++] = '/';
	memcpy(out + n, path + plen, qlen);
	return n + qlen;
}

/* ---- header block parsing -------------------------------------------------------- */

static int te_space(uint8_t c)
{
	return c == ' ' || c == '\f' || c == '\v' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Does a Transfer-Encoding value hold the token "chunked"? libhtp's
 * htp_header_has_token(): comma-separated tokens, spaces before and
 * after a token ignored, compared without case; "chunked x" or
 * "xchunked" are not the token.
 */
static int te_has_chunked(const uint8_t *p, uint32_t n)
{
	static const char tok[] = "chunked";
	unsigned int state = 0, off = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		switch (state) {
		case 0:
			if (!off && te_space(p[i]))
				continue;
			if (tlsi_lower(p[i]) == (uint8_t)tok[off]) {
				if (!tok[++off])
					state = 2;
				continue;
			}
			/* not the token: wait for the next one (this byte
			 * may be its comma) */
			off = 0;
			state = p[i] == ',' ? 0 : 1;
			break;
		case 1:
			if (p[i] == ',')
				state = 0;
			break;
		default:
			if (p[i] == ',')
				return 1;
			if (!te_space(p[i])) {
				off = 0;
				state = 1;
			}
		}
	}
	return state == 2;
}

struct head {
	uint8_t response;
	uint8_t method;		/* M_* */
	uint8_t body;		/* B_* */
	uint8_t upgrade;	/* 101 Switching Protocols */
	uint16_t status;
	uint64_t clen;
	uint32_t anomalies;	/* enum tlsi_eng_event bits */
	uint32_t app_events;	/* enum tlsi_app_event bits (app-layer-event) */
	uint32_t uri_flags;
	uint8_t http11;		/* request line's protocol is "HTTP/1.1" */
	uint8_t has_proto;	/* request line has a protocol */
};

struct arena {
	uint8_t *p;
	uint32_t used, max;
};

static uint8_t *alloc(struct arena *a, uint32_t n)
{
	uint8_t *r;

	if (n > a->max - a->used)
		return NULL;
	r = a->p + a->used;
	a->used += n;
	return r;
}

static void view(struct tlsi_eng_scratch *s, unsigned int b, const uint8_t *p,
		 uint32_t len)
{
	if (!p)
		return;
	s->views[b].p = p;
	s->views[b].len = len;
	s->views[b].base = 0;
	s->views[b].final = 1;
	s->views[b].state = TLSI_VIEW_PRESENT;
}

static int ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void trim(const uint8_t **p, uint32_t *n)
{
	while (*n && (ows(**p) || **p == '\r')) {
		(*p)++;
		(*n)--;
	}
	while (*n && (ows((*p)[*n - 1]) || (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* The value of header `name' (several fields joined with ", "). */
static void field_view(struct tlsi_eng_scratch *s, struct arena *a,
		       unsigned int nf, const char *name, unsigned int b)
{
	const struct tlsi_http_field *first = NULL;
	uint32_t total = 0, count = 0, i;
	uint8_t *out;

	for (i = 0; i < nf; i++) {
		if (!name_is(s->fields[i].name, s->fields[i].nlen, name))
			continue;
		if (!first)
			first = &s->fields[i];
		total += s->fields[i].vlen + 2;
		count++;
	}
	if (!count)
		return;
	if (count == 1) {
		view(s, b, first->val, first->vlen);
		return;
	}
	out = alloc(a, total);
	if (!out) {
		view(s, b, first->val, first->vlen);
		return;
	}
	total = 0;
	for (i = 0; i < nf; i++) {
		if (!name_is(s->fields[i].name, s->fields[i].nlen, name))
			continue;
		if (total) {
			out[total++] = ',';
			out[total++] = ' ';
		}
		memcpy(out + total, s->fields[i].val, s->fields[i].vlen);
		total += s->fields[i].vlen;
	}
	view(s, b, out, total);
}

/* Parse a decimal Content-Length; a list of equal values counts as one. */
static int parse_clen(const uint8_t *p, uint32_t n, uint64_t *out)
{
	uint64_t v = 0, first = 0;
	uint32_t i = 0;
	int have = 0, digits;

	while (i < n) {
		while (i < n && ows(p[i]))
			i++;
		for (v = 0, digits = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
			if (v > (((uint64_t)1 << 62) / 10))
				return -1;
			v = v * 10 + (p[i] - '0');
		}
		while (i < n && ows(p[i]))
			i++;
		if (!digits || (i < n && p[i] != ','))
			return -1;
		if (have && v != first)
			return -1;
		first = v;
		have = 1;
		if (i < n)
			i++;	/* ',' */
	}
	if (!have)
		return -1;
	*out = first;
	return 0;
}

/*
 * The body framing of a head from its fields (Content-Length,
 * Transfer-Encoding), the framing anomalies and the app-layer events they
 * raise.
 */
static void head_framing(const struct tlsi_http_field *fields, uint32_t nf, struct head *h)
{
	int have_cl = 0, have_te = 0, chunked = 0, te_token = 0;
	const uint8_t *p;
	uint32_t i;

	for (i = 0; i < nf; i++) {
		const struct tlsi_http_field *fl = &fields[i];

		if (name_is(fl->name, fl->nlen, "Content-Length")) {
			uint64_t v;

			if (parse_clen(fl->val, fl->vlen, &v)) {
				h->anomalies |= 1u << TLSI_EV_HTTP_BAD_CL;
			} else if (have_cl && v != h->clen) {
				h->anomalies |= 1u << TLSI_EV_HTTP_MULTI_CL;
			} else {
				h->clen = v;
				have_cl = 1;
			}
		} else if (name_is(fl->name, fl->nlen, "Transfer-Encoding")) {
			uint32_t k = fl->vlen, t0;

			have_te = 1;
			p = fl->val;
			while (k && (ows(p[k - 1]) || p[k - 1] == ','))
				k--;
			for (t0 = k; t0 > 0 && p[t0 - 1] != ',' && !ows(p[t0 - 1]); t0--)
				;
			chunked = name_is(p + t0, k - t0, "chunked");
			te_token |= te_has_chunked(fl->val, fl->vlen);
		}
	}
	/* Suricata's http.invalid_transfer_encoding_value_in_request (libhtp
	 * 0.5.46+, Suricata 7.0.3+): a Transfer-Encoding without a "chunked"
	 * token, or with one on a request that is not HTTP/1.1. libhtp joins
	 * repeated headers with ", ", so a token in any of them counts. A
	 * request line without a protocol is HTTP/0.9 to libhtp: no headers. */
	if (!h->response && have_te && h->has_proto && (!te_token || !h->http11))
		h->app_events |= 1u << TLSI_AEV_HTTP_INVALID_TE_REQUEST;
	if (have_te && (have_cl || (h->anomalies & (1u << TLSI_EV_HTTP_BAD_CL))))
		h->anomalies |= 1u << TLSI_EV_HTTP_CL_TE;
	if (have_te && !chunked)
		h->anomalies |= 1u << TLSI_EV_HTTP_BAD_TE;
	if (h->response && h->status == 101)
		h->upgrade = 1;
	if (have_te)
		h->body = chunked ? B_CHUNKED : B_CLOSE;
	else if (have_cl)
		h->body = h->clen ? B_LEN : B_NONE;
	else if (h->anomalies & (1u << TLSI_EV_HTTP_BAD_CL))
		h->body = B_CLOSE;	/* unknown length: inspect the rest */
	else
		h->body = h->response ? B_CLOSE : B_NONE;
}

/*
 * Build the header views of the message in hd->hdr into c->s->views (and
 * the derived buffers into c->s->derived); fill h.
 */
static void parse_head(struct tlsi_eng_ctx *c, struct tlsi_http_dir *hd,
		       unsigned int dir, struct head *h)
{
	struct tlsi_eng_scratch *s = c->s;
	struct arena a = { .p = s->derived, .used = 0, .max = TLSI_HTTP_DERIVED_MAX };
	const uint8_t *blk = hd->hdr, *line, *uri = NULL, *authority = NULL;
	uint32_t len = hd->hdr_len, pos, ll, nf = 0, i, urilen = 0, alen = 0;
	uint8_t *out;

	memset(h, 0, sizeof(*h));
	tlsi_eng_views_reset(s);
	view(s, TLSI_BUF_HTTP_START, blk, len);

	/* start line */
	for (ll = 0; ll < len && blk[ll] != '\n'; ll++)
		;
	line = blk;
	pos = ll < len ? ll + 1 : ll;
	if (ll && line[ll - 1] == '\r')
		ll--;
	h->response = dir == TLSI_DIR_TO_CLIENT;
	if (!h->response) {
		uint32_t m, u0, u1, v0;

		view(s, TLSI_BUF_HTTP_REQUEST_LINE, line, ll);
		for (m = 0; m < ll && !ows(line[m]); m++)
			;
		out = alloc(&a, m);
		if (out) {
			for (i = 0; i < m; i++)
				out[i] = tlsi_upper(line[i]);
			view(s, TLSI_BUF_HTTP_METHOD, out, m);
			if (name_is(line, m, "HEAD"))
				h->method = M_HEAD;
			else if (name_is(line, m, "CONNECT"))
				h->method = M_CONNECT;
		}
		for (u0 = m; u0 < ll && ows(line[u0]); u0++)
			;
		for (u1 = u0; u1 < ll && !ows(line[u1]); u1++)
			;
		for (v0 = u1; v0 < ll && ows(line[v0]); v0++)
			;
		if (v0 < ll) {
			view(s, TLSI_BUF_HTTP_PROTOCOL, line + v0, ll - v0);
			h->has_proto = 1;
			/* libhtp's htp_parse_protocol(): exactly these bytes */
			h->http11 = ll - v0 == 8 && !memcmp(line + v0, "HTTP/1.1", 8);
		}
		uri = line + u0;
		urilen = u1 - u0;
		view(s, TLSI_BUF_HTTP_URI_RAW, uri, urilen);
		out = alloc(&a, urilen);
		if (out) {
			view(s, TLSI_BUF_HTTP_URI, out,
			     tlsi_http_normalize_uri(uri, urilen, out, &h->uri_flags));
			if (h->uri_flags & TLSI_URI_EVASION)
				h->anomalies |= 1u << TLSI_EV_HTTP_URI_ENCODING;
		}
		if ((urilen >= 7 && ieq(uri, "http://", 7)) ||
		    (urilen >= 8 && ieq(uri, "https://", 8))) {
			authority = uri + (uri[4] == ':' ? 7 : 8);
			for (alen = 0; authority + alen < uri + urilen &&
			     authority[alen] != '/' && authority[alen] != '?'; alen++)
				;
		}
	} else {
		uint32_t v1, c0, c1;

		view(s, TLSI_BUF_HTTP_RESPONSE_LINE, line, ll);
		for (v1 = 0; v1 < ll && !ows(line[v1]); v1++)
			;
		view(s, TLSI_BUF_HTTP_PROTOCOL, line, v1);
		for (c0 = v1; c0 < ll && ows(line[c0]); c0++)
			;
		for (c1 = c0; c1 < ll && !ows(line[c1]); c1++)
			;
		view(s, TLSI_BUF_HTTP_STAT_CODE, line + c0, c1 - c0);
		for (i = c0; i < c1 && i < c0 + 3; i++)
			if (line[i] >= '0' && line[i] <= '9')
				h->status = (uint16_t)(h->status * 10 + (line[i] - '0'));
		for (; c1 < ll && ows(line[c1]); c1++)
			;
		view(s, TLSI_BUF_HTTP_STAT_MSG, line + c1, ll - c1);
	}
	view(s, TLSI_BUF_HTTP_HEADER_RAW, blk + pos, len - pos);

	/* header fields */
	while (pos < len) {
		const uint8_t *val;
		uint32_t n, colon, vlen;

		for (n = 0; pos + n < len && blk[pos + n] != '\n'; n++)
			;
		line = blk + pos;
		pos += n < len - pos ? n + 1 : n;
		if (n && line[n - 1] == '\r')
			n--;
		if (!n)
			break;		/* end of headers */
		if (ows(line[0])) {	/* obs-fold: continues the last value */
			struct tlsi_http_field *fl = nf ? &s->fields[nf - 1] : NULL;

			val = line;
			vlen = n;
			trim(&val, &vlen);
			if (!fl || !vlen)
				continue;
			out = alloc(&a, fl->vlen + 1 + vlen);
			if (!out)
				continue;
			memcpy(out, fl->val, fl->vlen);
			out[fl->vlen] = ' ';
			memcpy(out + fl->vlen + 1, val, vlen);
			fl->val = out;
			fl->vlen = (uint16_t)(fl->vlen + 1 + vlen);
			continue;
		}
		for (colon = 0; colon < n && line[colon] != ':'; colon++)
			;
		if (colon == n || nf >= TLSI_HTTP_FIELDS_MAX)
			continue;
		s->fields[nf].name = line;
		s->fields[nf].nlen = (uint16_t)colon;
		while (s->fields[nf].nlen && ows(line[s->fields[nf].nlen - 1]))
			s->fields[nf].nlen--;	/* "Host :" */
		val = line + colon + 1;
		vlen = n - colon - 1;
		trim(&val, &vlen);
		s->fields[nf].val = val;
		s->fields[nf].vlen = (uint16_t)vlen;
		nf++;
	}

	/* http.header and http.header_names */
	{
		uint32_t hl = 0, nl = 4;

		for (i = 0; i < nf; i++) {
			hl += s->fields[i].nlen + s->fields[i].vlen + 4;
			nl += s->fields[i].nlen + 2;
		}
		out = alloc(&a, hl);
		if (out) {
			hl = 0;
			for (i = 0; i < nf; i++) {
				memcpy(out + hl, s->fields[i].name, s->fields[i].nlen);
				hl += s->fields[i].nlen;
				out[hl++] = ':';
				out[hl++] = ' ';
				memcpy(out + hl, s->fields[i].val, s->fields[i].vlen);
				hl += s->fields[i].vlen;
				out[hl++] = '\r';
				out[hl++] = '\n';
			}
			view(s, TLSI_BUF_HTTP_HEADER, out, hl);
		}
		out = alloc(&a, nl);
		if (out) {
			nl = 0;
			out[nl++] = '\r';
			out[nl++] = '\n';
			for (i = 0; i < nf; i++) {
				memcpy(out + nl, s->fields[i].name, s->fields[i].nlen);
				nl += s->fields[i].nlen;
				out[nl++] = '\r';
				out[nl++] = '\n';
			}
			out[nl++] = '\r';
			out[nl++] = '\n';
			view(s, TLSI_BUF_HTTP_HEADER_NAMES, out, nl);
		}
	}

	field_view(s, &a, nf, "Content-Type", TLSI_BUF_HTTP_CONTENT_TYPE);
	field_view(s, &a, nf, "Content-Length", TLSI_BUF_HTTP_CONTENT_LEN);
	field_view(s, &a, nf, "Connection", TLSI_BUF_HTTP_CONNECTION);
	if (!h->response) {
		field_view(s, &a, nf, "User-Agent", TLSI_BUF_HTTP_USER_AGENT);
		field_view(s, &a, nf, "Cookie", TLSI_BUF_HTTP_COOKIE);
		field_view(s, &a, nf, "Referer", TLSI_BUF_HTTP_REFERER);
		field_view(s, &a, nf, "Accept", TLSI_BUF_HTTP_ACCEPT);
		field_view(s, &a, nf, "Accept-Encoding", TLSI_BUF_HTTP_ACCEPT_ENC);
		field_view(s, &a, nf, "Accept-Language", TLSI_BUF_HTTP_ACCEPT_LANG);
		field_view(s, &a, nf, "Host", TLSI_BUF_HTTP_HOST_RAW);
	} else {
		field_view(s, &a, nf, "Set-Cookie", TLSI_BUF_HTTP_COOKIE);
		field_view(s, &a, nf, "Location", TLSI_BUF_HTTP_LOCATION);
		field_view(s, &a, nf, "Server", TLSI_BUF_HTTP_SERVER);
	}

	/* http.host: from an absolute target, else the Host header; no
	 * userinfo, no port, lower case, no trailing dot */
	if (!h->response && (authority || s->views[TLSI_BUF_HTTP_HOST_RAW].state)) {
		const uint8_t *hp = authority;
		uint32_t hn = alen;

		if (!hp) {
			hp = s->views[TLSI_BUF_HTTP_HOST_RAW].p;
			hn = s->views[TLSI_BUF_HTTP_HOST_RAW].len;
		}
		for (i = hn; i > 0; i--) {
			if (hp[i - 1] == '@') {
				hp += i;
				hn -= i;
				break;
			}
		}
		if (hn && hp[0] == '[') {
			for (i = 0; i < hn && hp[i] != ']'; i++)
				;
			if (i < hn)
				hn = i + 1;
		} else {
			for (i = 0; i < hn && hp[i] != ':'; i++)
				;
			hn = i;
		}
		while (hn && hp[hn - 1] == '.')
			hn--;
		out = alloc(&a, hn + 1);
		if (out) {
			out[0] = '.';
			for (i = 0; i < hn; i++)
				out[i + 1] = tlsi_lower(hp[i]);
			view(s, TLSI_BUF_HTTP_HOST, out + 1, hn);
			view(s, TLSI_BUF_HTTP_HOST_DOT, out, hn + 1);
		}
	}

	head_framing(s->fields, nf, h);
}

/* ---- the stream decoder --------------------------------------------------------- */

void tlsi_http_views(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir)
{
	struct head h;

	parse_head(c, &f->dir[dir].http, dir, &h);
}

static void body_reset(struct tlsi_eng_stream *st)
{
	st->off = 0;
	st->mpm_state = 0;
	st->win_len = 0;
	st->npend = 0;
	st->nfired = 0;
}

static void msg_end(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;

	tlsi_eng_stream(c, f, dir, TLSI_BUF_BODY, NULL, 0, 1);
	body_reset(&f->dir[dir].body);
	if (hd->state != H_TUNNEL && hd->state != H_ERROR)
		hd->state = H_START;
}

static void body_data(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir, const uint8_t *p, size_t n)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;
	uint64_t limit = c->cfg ? c->cfg->body_depth : 0;
	size_t take = n;

	if (limit) {
		if (hd->body_seen >= limit)
			take = 0;
		else if (take > limit - hd->body_seen)
			take = (size_t)(limit - hd->body_seen);
	}
	hd->body_seen += n;
	if (take)
		tlsi_eng_stream(c, f, dir, TLSI_BUF_BODY, p, take, 0);
}

static void head_done(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;
	unsigned int ev, interim = 0, tunnel = 0;
	struct head h;
	int head_req = 0;

	parse_head(c, hd, dir, &h);
	for (ev = 0; ev < TLSI_EV_MAX; ev++)
		if (h.anomalies & (1u << ev))
			tlsi_eng_report(c, f, (enum tlsi_eng_event)ev, dir);
	if (hd->hdr_full)
		tlsi_eng_report(c, f, TLSI_EV_HTTP_HDR_TOO_LONG, dir);

	if (!h.response) {
		/* remember what the response will answer */
		if (f->headq_len < TLSI_ENG_HEADQ) {
			unsigned int slot = (f->headq_pos + f->headq_len) % TLSI_ENG_HEADQ;

			if (h.method == M_HEAD)
				f->headq |= 1u << slot;
			else
				f->headq &= ~(1u << slot);
			f->headq_len++;
		}
		if (h.method == M_CONNECT)
			h.body = B_NONE;
		hd->connect = h.method == M_CONNECT;
	} else {
		interim = h.status >= 100 && h.status < 200 && h.status != 101;
		if (!interim && f->headq_len) {
			head_req = (f->headq >> f->headq_pos) & 1;
			f->headq_pos = (f->headq_pos + 1) % TLSI_ENG_HEADQ;
			f->headq_len--;
		}
		if (interim || head_req || h.status == 204 || h.status == 304)
			h.body = B_NONE;
		if (h.upgrade)
			tunnel = 1;
		/* a 2xx answer to CONNECT turns the connection into a tunnel */
		if (!interim && f->dir[TLSI_DIR_TO_SERVER].http.connect) {
			if (h.status >= 200 && h.status < 300) {
				tunnel = 1;
				h.body = B_NONE;
			}
			f->dir[TLSI_DIR_TO_SERVER].http.connect = 0;
		}
	}

	hd->tx++;
	hd->app_events = h.app_events;
	hd->body_kind = h.body;
	hd->body_seen = 0;
	body_reset(&f->dir[dir].body);
	c->s->views[TLSI_BUF_BODY].state = h.body != B_NONE ? TLSI_VIEW_LATER
							     : TLSI_VIEW_ABSENT;
	tlsi_eng_raw_view(c, f, dir);
	tlsi_eng_unit(c, f, dir, TLSI_BUF_HTTP_METHOD, TLSI_BUF_HTTP_SERVER);

	switch (h.body) {
	case B_LEN:
		hd->left = h.clen;
		hd->state = H_BODY;
		break;
	case B_CHUNKED:
		hd->state = H_CHUNK_SIZE;
		hd->line_len = 0;
		break;
	case B_CLOSE:
		hd->state = H_CLOSE;
		break;
	default:
		msg_end(c, f, dir);
	}
	if (tunnel) {
		f->dir[TLSI_DIR_TO_SERVER].http.state = H_TUNNEL;
		f->dir[TLSI_DIR_TO_CLIENT].http.state = H_TUNNEL;
	}
}

/* Chunk-size line complete in hd->line: returns 0 and the size, -1 if bad. */
static int chunk_size(struct tlsi_http_dir *hd, uint64_t *size)
{
	uint64_t v = 0;
	unsigned int i = 0, digits = 0;

	while (i < hd->line_len && ows((uint8_t)hd->line[i]))
		i++;
	for (; i < hd->line_len; i++) {
		int x = hexval((uint8_t)hd->line[i]);

		if (x < 0)
			break;
		if (++digits > 15)
			return -1;
		v = v << 4 | (uint64_t)x;
	}
	while (i < hd->line_len && ows((uint8_t)hd->line[i]))
		i++;
	if (!digits || (i < hd->line_len && hd->line[i] != ';'))
		return -1;
	*size = v;
	return 0;
}

void tlsi_http_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;
	size_t i = 0;

	while (i < len && !f->passed) {
		switch (hd->state) {
		case H_START:
			while (i < len && (data[i] == '\r' || data[i] == '\n'))
				i++;
			if (i == len)
				break;
			if (dir == TLSI_DIR_TO_CLIENT ? tlsi_lower(data[i]) != 'h'
			    : !((tlsi_lower(data[i]) >= 'a' && tlsi_lower(data[i]) <= 'z') ||
				data[i] == '-')) {
				tlsi_eng_report(c, f, TLSI_EV_HTTP_BAD_START, dir);
				hd->state = H_ERROR;
				break;
			}
			hd->hdr_len = 0;
			hd->hdr_full = 0;
			hd->eoh = 0;
			hd->state = H_HEAD;
			break;
		case H_HEAD:
			for (; i < len; i++) {
				uint8_t b = data[i];

				if (hd->hdr_len < TLSI_HTTP_HDR_MAX)
					hd->hdr[hd->hdr_len++] = b;
				else
					hd->hdr_full = 1;
				if (b == '\n') {
					if (hd->eoh) {
						i++;
						head_done(c, f, dir);
						break;
					}
					hd->eoh = 1;
				} else if (b == '\r') {
					if (hd->eoh == 1)
						hd->eoh = 2;
				} else {
					hd->eoh = 0;
				}
			}
			break;
		case H_BODY:
		case H_CHUNK_DATA: {
			size_t take = len - i;

			if (take > hd->left)
				take = (size_t)hd->left;
			body_data(c, f, dir, data + i, take);
			i += take;
			hd->left -= take;
			if (hd->left)
				break;
			if (hd->state == H_BODY)
				msg_end(c, f, dir);
			else
				hd->state = H_CHUNK_END;
			break;
		}
		case H_CHUNK_END:
			if (data[i] == '\r') {
				i++;
			} else if (data[i] == '\n') {
				i++;
				hd->state = H_CHUNK_SIZE;
				hd->line_len = 0;
			} else {
				tlsi_eng_report(c, f, TLSI_EV_HTTP_BAD_CHUNK, dir);
				hd->state = H_CHUNK_SIZE;
				hd->line_len = 0;
			}
			break;
		case H_CHUNK_SIZE: {
			uint64_t size;

			for (; i < len && data[i] != '\n'; i++) {
				if (data[i] == '\r')
					continue;
				if (hd->line_len < sizeof(hd->line))
					hd->line[hd->line_len++] = (char)data[i];
			}
			if (i == len)
				break;
			i++;	/* '\n' */
			if (chunk_size(hd, &size)) {
				/* cannot follow the framing: inspect the
				 * rest of the connection as body */
				tlsi_eng_report(c, f, TLSI_EV_HTTP_BAD_CHUNK, dir);
				hd->state = H_CLOSE;
			} else if (size) {
				hd->left = size;
				hd->state = H_CHUNK_DATA;
			} else {
				hd->state = H_TRAILER;
				hd->eoh = 1;
			}
			break;
		}
		case H_TRAILER:
			for (; i < len; i++) {
				uint8_t b = data[i];

				if (b == '\n') {
					if (hd->eoh) {
						i++;
						msg_end(c, f, dir);
						break;
					}
					hd->eoh = 1;
				} else if (b == '\r') {
					if (hd->eoh == 1)
						hd->eoh = 2;
				} else {
					hd->eoh = 0;
				}
			}
			break;
		case H_CLOSE:
			body_data(c, f, dir, data + i, len - i);
			i = len;
			break;
		default:	/* H_TUNNEL, H_ERROR */
			i = len;
		}
	}
}

void tlsi_http_eof(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;

	if (hd->state == H_CLOSE || hd->state == H_BODY ||
	    hd->state == H_CHUNK_DATA || hd->state == H_CHUNK_SIZE ||
	    hd->state == H_CHUNK_END || hd->state == H_TRAILER)
		msg_end(c, f, dir);
}

/* ---- heads and bodies of another framing (HTTP/2, http2.c) ----------------- */

void tlsi_http_head_unit(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			 unsigned int dir, int body)
{
	struct tlsi_http_dir *hd = &f->dir[dir].http;
	unsigned int ev;
	struct head h;

	parse_head(c, hd, dir, &h);
	for (ev = 0; ev < TLSI_EV_MAX; ev++)
		if (h.anomalies & (1u << ev))
			tlsi_eng_report(c, f, (enum tlsi_eng_event)ev, dir);
	hd->tx++;
	hd->app_events = 0;	/* libhtp's events are HTTP/1's */
	hd->body_kind = body ? B_CLOSE : B_NONE;
	hd->body_seen = 0;
	body_reset(&f->dir[dir].body);
	c->s->views[TLSI_BUF_BODY].state = body ? TLSI_VIEW_LATER : TLSI_VIEW_ABSENT;
	tlsi_eng_raw_view(c, f, dir);
	tlsi_eng_unit(c, f, dir, TLSI_BUF_HTTP_METHOD, TLSI_BUF_HTTP_SERVER);
}

void tlsi_http_body(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len)
{
	body_data(c, f, dir, data, len);
}

void tlsi_http_body_end(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			unsigned int dir)
{
	tlsi_eng_stream(c, f, dir, TLSI_BUF_BODY, NULL, 0, 1);
	body_reset(&f->dir[dir].body);
	f->dir[dir].http.body_seen = 0;
}

int tlsi_eng_app_event(const struct tlsi_eng_flow *f, unsigned int dir, unsigned int ev)
{
	(void)dir;
	switch (ev) {
	case TLSI_AEV_HTTP_INVALID_TE_REQUEST:
		return (f->dir[TLSI_DIR_TO_SERVER].http.app_events >> ev) & 1;
	default:
		return 0;
	}
}
