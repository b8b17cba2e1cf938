/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an alert can tell about the HTTP messages of its flow: method, URL,
 * Host and User-Agent of the latest request, status of the latest
 * response, read from the raw message heads the HTTP decoder keeps in the
 * flow (struct tlsi_http_dir.hdr, up to TLSI_HTTP_HDR_MAX bytes, valid from
 * the head's end until the next message of that direction starts). For
 * logs only: nothing here decides a match. Header-only so that tlsi.ko's
 * alert events and the userspace tools read them the same way.
 */
#ifndef TLSI_HTTP_META_H
#define TLSI_HTTP_META_H

#include "compat.h"

struct tlsi_http_meta {
	const uint8_t *method, *url, *protocol, *host, *ua;
	uint32_t method_len, url_len, protocol_len, host_len, ua_len;
	uint16_t status;		/* 0: no response seen */
};

/* The end of the line starting at p (the CR of CRLF, or the LF). */
static inline uint32_t tlsi_hm_line(const uint8_t *h, uint32_t len, uint32_t p,
				    uint32_t *next)
{
	uint32_t e = p;

	while (e < len && h[e] != '\n')
		e++;
	*next = e < len ? e + 1 : len;
	if (e > p && h[e - 1] == '\r')
		e--;
	return e;
}

static inline int tlsi_hm_name(const uint8_t *p, uint32_t n, const char *name)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!name[i] || tlsi_lower(p[i]) != (uint8_t)name[i])
			return 0;
	return name[n] == '\0';
}

/* The value of header `name' (lower case) in the head h[from..len). */
static inline void tlsi_hm_field(const uint8_t *h, uint32_t len, uint32_t from,
				 const char *name, const uint8_t **val,
				 uint32_t *vlen)
{
	uint32_t p = from, next, e, c, n;

	while (p < len) {
		e = tlsi_hm_line(h, len, p, &next);
		if (e == p)
			return;			/* blank line: end of the head */
		for (c = p; c < e && h[c] != ':'; c++)
			;
		n = c - p;
		while (n && (h[p + n - 1] == ' ' || h[p + n - 1] == '\t'))
			n--;
		if (c < e && tlsi_hm_name(h + p, n, name)) {
			c++;
			while (c < e && (h[c] == ' ' || h[c] == '\t'))
				c++;
			while (e > c && (h[e - 1] == ' ' || h[e - 1] == '\t'))
				e--;
			*val = h + c;
			*vlen = e - c;
			return;
		}
		p = next;
	}
}

/* Method, URL (as sent), protocol, Host (without port) and User-Agent of a
 * request head. */
static inline void tlsi_http_meta_request(const uint8_t *h, uint32_t len,
					  struct tlsi_http_meta *m)
{
	uint32_t p = 0, next, e, s;

	while (p < len && (h[p] == '\r' || h[p] == '\n'))
		p++;
	e = tlsi_hm_line(h, len, p, &next);
	s = p;
	while (p < e && h[p] != ' ')
		p++;
	if (p == e || p == s)
		return;
	m->method = h + s;
	m->method_len = p - s;
	while (p < e && h[p] == ' ')
		p++;
	s = p;
	while (p < e && h[p] != ' ')
		p++;
	m->url = h + s;
	m->url_len = p - s;
	while (p < e && h[p] == ' ')
		p++;
	m->protocol = h + p;
	m->protocol_len = e - p;
	tlsi_hm_field(h, len, next, "host", &m->host, &m->host_len);
	if (m->host) {
		uint32_t i = m->host_len;

		/* "host:port", but not the colons of "[v6]" */
		while (i && m->host[i - 1] >= '0' && m->host[i - 1] <= '9')
			i--;
		if (i && i < m->host_len && m->host[i - 1] == ':')
			m->host_len = i - 1;
	}
	tlsi_hm_field(h, len, next, "user-agent", &m->ua, &m->ua_len);
}

/* The status code of a response head ("HTTP/1.1 200 OK"), 0 if none. */
static inline uint16_t tlsi_http_meta_status(const uint8_t *h, uint32_t len)
{
	uint32_t p = 0, v = 0, d = 0;

	while (p < len && (h[p] == '\r' || h[p] == '\n'))
		p++;
	if (len - p < 5 || tlsi_lower(h[p]) != 'h')
		return 0;
	while (p < len && h[p] != ' ' && h[p] != '\n')
		p++;
	while (p < len && h[p] == ' ')
		p++;
	for (; p < len && d < 3 && h[p] >= '0' && h[p] <= '9'; p++, d++)
		v = v * 10 + (uint32_t)(h[p] - '0');
	return d == 3 ? (uint16_t)v : 0;
}

#endif /* TLSI_HTTP_META_H */
