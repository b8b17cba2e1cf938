// SPDX-License-Identifier: GPL-2.0
/*
 * Pure parsers for tlsictl arguments and reputation files. See parse.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* Longest value quoted in an error message. */
#define QUOTE_MAX 64

static int fail(char *err, size_t errlen, const char *field, const char *s,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *field, const char *s,
		const char *fmt, ...)
{
	char reason[160];
	size_t slen = strlen(s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s `%.*s%s': %s", field,
			 QUOTE_MAX, s, slen > QUOTE_MAX ? "..." : "", reason);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decimal digits at *p (at least one, no sign, no leading zeros unless the
 * number is 0). Advances *p. Returns false on no digits or overflow of max.
 */
static bool take_uint(const char **p, unsigned long max, unsigned long *out,
		      bool allow_leading_zero)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!is_digit(*s))
		return false;
	if (!allow_leading_zero && s[0] == '0' && is_digit(s[1]))
		return false;
	while (is_digit(*s)) {
		unsigned long d = (unsigned long)(*s - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

/* Dotted quad at *p; advances *p past it. why receives the reason on error. */
static bool take_addr4(const char **p, uint32_t *addr, const char **why)
{
	const char *s = *p;
	uint32_t a = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned long o;

		if (i > 0) {
			if (*s != '.') {
				*why = "expected 4 dot-separated octets";
				return false;
			}
			s++;
		}
		if (!is_digit(*s)) {
			*why = "expected 4 dot-separated octets";
			return false;
		}
		if (s[0] == '0' && is_digit(s[1])) {
			*why = "bad octet (leading zero)";
			return false;
		}
		if (!take_uint(&s, 255, &o, false)) {
			*why = "bad octet (must be 0..255)";
			return false;
		}
		a = (a << 8) | (uint32_t)o;
	}
	*p = s;
	*addr = htonl(a);
	return true;
}

static uint32_t mask4(uint8_t plen)
{
	return plen ? htonl(~0U << (32 - plen)) : 0;
}

static int parse_cidr6(const char *field, const char *s, struct tlsi_cidr *out,
		       char *err, size_t errlen)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[64];
	const char *slash = strchr(s, '/'), *p;
	unsigned long plen = 128;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	uint8_t a[16];
	unsigned int i;

	if (n >= sizeof(text))
		return fail(err, errlen, field, s, "not an IPv6 address: too long");
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, a) != 1)
		return fail(err, errlen, field, s, "not an IPv4 or IPv6 address or CIDR");
	if (slash) {
		p = slash + 1;
		if (!*p)
			return fail(err, errlen, field, s, "missing prefix length after `/'");
		if (!take_uint(&p, 1000, &plen, false) || *p || plen > 128)
			return fail(err, errlen, field, s, "bad prefix length (must be 0..128)");
	}
	if (plen >= 96 && !memcmp(a, mapped, sizeof(mapped)))
		return fail(err, errlen, field, s,
			    "IPv4-mapped IPv6 address: write the IPv4 address instead");
	for (i = 0; i < 16; i++) {
		int bits = (int)plen - 8 * (int)i;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		if (a[i] & ~m) {
			struct tlsi_cidr net = { .family = AF_INET6, .plen = (uint8_t)plen };
			char buf[TLSI_CIDR_STR_MAX];
			unsigned int j;

			for (j = 0; j < 16; j++) {
				int b = (int)plen - 8 * (int)j;

				net.addr[j] = a[j] & (b >= 8 ? 0xff : b <= 0 ? 0 : (uint8_t)(0xff << (8 - b)));
			}
			return fail(err, errlen, field, s, "host bits set (did you mean %s?)",
				    format_cidr(&net, buf));
		}
	}
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->plen = (uint8_t)plen;
	memcpy(out->addr, a, 16);
	return 0;
}

static int parse_cidr4(const char *field, const char *s, struct tlsi_cidr *out,
		       char *err, size_t errlen)
{
	const char *p = s, *why = NULL;
	unsigned long plen = 32;
	uint32_t addr;

	if (!take_addr4(&p, &addr, &why))
		return fail(err, errlen, field, s, "not an IPv4 address or CIDR: %s", why);
	if (*p == '/') {
		p++;
		if (!*p)
			return fail(err, errlen, field, s, "missing prefix length after `/'");
		if (!take_uint(&p, 1000, &plen, false) || *p || plen > 32)
			return fail(err, errlen, field, s, "bad prefix length (must be 0..32)");
	} else if (*p) {
		return fail(err, errlen, field, s, "not an IPv4 address or CIDR: trailing characters");
	}
	if (addr & ~mask4((uint8_t)plen)) {
		char net[16];

		format_addr4(addr & mask4((uint8_t)plen), net);
		return fail(err, errlen, field, s, "host bits set (did you mean %s/%lu?)",
			    net, plen);
	}
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->addr, &addr, 4);
	out->plen = (uint8_t)plen;
	return 0;
}

int parse_cidr(const char *field, const char *s, struct tlsi_cidr *out,
	       char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (!*s)
		return fail(err, errlen, field, s, "empty");
	/* A colon before any '/' can only be IPv6. */
	if (memchr(s, ':', n))
		return parse_cidr6(field, s, out, err, errlen);
	return parse_cidr4(field, s, out, err, errlen);
}

unsigned int cidr_host_plen(const struct tlsi_cidr *c)
{
	return c->family == AF_INET6 ? 128 : 32;
}

int parse_host(const char *field, const char *s, struct tlsi_cidr *out,
	       char *err, size_t errlen)
{
	struct tlsi_cidr c;
	const char *slash = strchr(s, '/');
	char addr_only[64];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (!*s)
		return fail(err, errlen, field, s, "empty");
	/* Report a bad address before complaining about the prefix. */
	if (n < sizeof(addr_only)) {
		memcpy(addr_only, s, n);
		addr_only[n] = '\0';
		if (parse_cidr(field, addr_only, &c, err, errlen))
			return -1;
	}
	if (parse_cidr(field, s, &c, err, errlen))
		return -1;
	if (c.plen != cidr_host_plen(&c))
		return fail(err, errlen, field, s, "must be a single host (/%u)",
			    cidr_host_plen(&c));
	*out = c;
	return 0;
}

int parse_host4(const char *field, const char *s, struct tlsi_cidr *out,
		char *err, size_t errlen)
{
	if (parse_host(field, s, out, err, errlen))
		return -1;
	if (out->family != AF_INET)
		return fail(err, errlen, field, s, "must be an IPv4 address");
	return 0;
}

/* Hex digits at *p (at least one); advances *p. False on overflow of max. */
static bool take_hex(const char **p, unsigned long max, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	int d;

	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (max - (unsigned long)d) / 16)
			return false;
		v = v * 16 + (unsigned long)d;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

/*
 * Decimal, or hexadecimal with 0x (marks are often written so). A number
 * too large for 32 bits is out of range, like any other beyond max.
 */
int parse_u32(const char *field, const char *s, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *p = hex ? s + 2 : s;
	unsigned long v;
	bool fits;

	if (!*s)
		return fail(err, errlen, field, s, "empty");
	if (hex) {
		const char *q = p;

		while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
		       (*q >= 'A' && *q <= 'F'))
			q++;
		if (q == p || *q)
			return fail(err, errlen, field, s, "not a number");
		fits = take_hex(&p, 0xffffffffUL, &v);
	} else {
		const char *q = p;

		while (is_digit(*q))
			q++;
		if (q == p || *q)
			return fail(err, errlen, field, s, "not a number");
		fits = take_uint(&p, 0xffffffffUL, &v, true);
	}
	if (!fits || v < min || v > max)
		return fail(err, errlen, field, s, "out of range (%u..%u)", min, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_port(const char *field, const char *whole, const char *s,
		      size_t len, uint16_t *out, char *err, size_t errlen)
{
	unsigned long v;
	const char *p = s;

	if (!len)
		return fail(err, errlen, field, whole, "empty port");
	if (!is_digit(*s))
		return fail(err, errlen, field, whole, "not a port number");
	if (!take_uint(&p, 0xffffffffUL, &v, true) || v > 65535)
		return fail(err, errlen, field, whole, "port out of range (0..65535)");
	if ((size_t)(p - s) != len)
		return fail(err, errlen, field, whole, "not a port number");
	*out = (uint16_t)v;
	return 0;
}

int parse_port_range(const char *field, const char *s, uint16_t *min,
		     uint16_t *max, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	uint16_t lo, hi;

	if (!*s)
		return fail(err, errlen, field, s, "empty");
	if (!dash) {
		if (parse_port(field, s, s, strlen(s), &lo, err, errlen))
			return -1;
		*min = *max = lo;
		return 0;
	}
	if (parse_port(field, s, s, (size_t)(dash - s), &lo, err, errlen) ||
	    parse_port(field, s, dash + 1, strlen(dash + 1), &hi, err, errlen))
		return -1;
	if (lo > hi)
		return fail(err, errlen, field, s, "empty range (%u > %u)", lo, hi);
	*min = lo;
	*max = hi;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "any", 0 },
	{ "icmp", 1 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "sctp", 132 },
	{ "udplite", 136 },
};

int parse_proto(const char *field, const char *s, uint8_t *out,
		char *err, size_t errlen)
{
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			*out = protos[i].proto;
			return 0;
		}
	}
	if (!*s || !is_digit(*s))
		return fail(err, errlen, field, s,
			    "unknown protocol (tcp, udp, icmp, sctp, udplite, any or 0..255)");
	if (parse_u32(field, s, 0, 255, &v, err, errlen))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

const char *proto_name(uint8_t proto)
{
	size_t i;

	for (i = 1; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

int proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

int parse_vlan(const char *field, const char *s, uint16_t *out,
	       char *err, size_t errlen)
{
	uint32_t v;

	if (parse_u32(field, s, 1, 4094, &v, err, errlen))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* One VLAN ID of a list, s[0..len). */
static int list_vlan(const char *field, const char *whole, const char *s,
		     size_t len, uint16_t *out, char *err, size_t errlen)
{
	const char *p = s;
	unsigned long v;

	if (!len)
		return fail(err, errlen, field, whole, "empty VLAN ID");
	if (!is_digit(*s) || !take_uint(&p, 0xffffffffUL, &v, true) ||
	    (size_t)(p - s) != len) {
		if (is_digit(*s) && is_digit(*p))
			return fail(err, errlen, field, whole,
				    "VLAN ID out of range (1..4094)");
		return fail(err, errlen, field, whole, "not a VLAN ID");
	}
	if (v < 1 || v > 4094)
		return fail(err, errlen, field, whole,
			    "VLAN ID %lu out of range (1..4094)", v);
	*out = (uint16_t)v;
	return 0;
}

int parse_vlan_list(const char *field, const char *s, uint16_t *vlans,
		    size_t max, size_t *n, char *err, size_t errlen)
{
	const char *p = s;
	size_t count = 0;

	if (max > TLSI_VLANS_MAX)
		max = TLSI_VLANS_MAX;
	if (!*s)
		return fail(err, errlen, field, s, "empty");
	for (;;) {
		const char *end = strchr(p, ',');
		const char *dash;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint16_t lo, hi;
		unsigned v;

		dash = memchr(p, '-', len);
		if (dash) {
			if (list_vlan(field, s, p, (size_t)(dash - p), &lo, err, errlen) ||
			    list_vlan(field, s, dash + 1, len - (size_t)(dash - p) - 1,
				      &hi, err, errlen))
				return -1;
			if (lo > hi)
				return fail(err, errlen, field, s,
					    "empty VLAN range %u-%u", lo, hi);
		} else {
			if (list_vlan(field, s, p, len, &lo, err, errlen))
				return -1;
			hi = lo;
		}
		if ((size_t)(hi - lo) + 1 > max - count)
			return fail(err, errlen, field, s, "too many VLANs (max %zu)", max);
		for (v = lo; v <= hi; v++) {
			size_t i;

			for (i = 0; i < count; i++)
				if (vlans[i] == v)
					return fail(err, errlen, field, s,
						    "duplicate VLAN ID %u", v);
			vlans[count++] = (uint16_t)v;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*n = count;
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '-' || c == '.';
}

static int parse_word(const char *field, const char *s, size_t maxlen,
		      const char *what, char *err, size_t errlen)
{
	size_t len = strlen(s), i;

	if (!len)
		return fail(err, errlen, field, s, "empty %s", what);
	if (len > maxlen)
		return fail(err, errlen, field, s, "%s too long (max %zu characters)",
			    what, maxlen);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!name_char((char)c)) {
			if (c >= 0x21 && c < 0x7f)
				return fail(err, errlen, field, s,
					    "bad character `%c' in %s (allowed: letters, digits, _ - .)",
					    c, what);
			return fail(err, errlen, field, s,
				    "bad character 0x%02x in %s (allowed: letters, digits, _ - .)",
				    c, what);
		}
	}
	return 0;
}

int parse_name(const char *field, const char *s, char *err, size_t errlen)
{
	return parse_word(field, s, TLSI_NAME_MAX - 1, "name", err, errlen);
}

int parse_category(const char *field, const char *s, char *err, size_t errlen)
{
	return parse_word(field, s, TLSI_CATEGORY_MAX - 1, "category", err, errlen);
}

int parse_ifname(const char *field, const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s), i;

	if (!len)
		return fail(err, errlen, field, s, "empty interface name");
	if (len >= TLSI_IFNAME_MAX)
		return fail(err, errlen, field, s,
			    "interface name too long (max %d characters)",
			    TLSI_IFNAME_MAX - 1);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return fail(err, errlen, field, s, "not a valid interface name");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
			return fail(err, errlen, field, s,
				    "bad character in interface name");
	}
	return 0;
}

int parse_reason(const char *field, const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s), i;

	if (!len)
		return fail(err, errlen, field, s, "empty");
	if (len >= TLSI_REASON_MAX)
		return fail(err, errlen, field, s, "too long (max %d bytes)",
			    TLSI_REASON_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(err, errlen, field, s, "control character in text");
	return 0;
}

int parse_score(const char *field, const char *s, uint8_t *out,
		char *err, size_t errlen)
{
	uint32_t v;

	if (parse_u32(field, s, 0, 100, &v, err, errlen))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

int parse_threshold(const char *field, const char *s, uint8_t *out,
		    char *err, size_t errlen)
{
	uint32_t v;

	if (!strcmp(s, "off")) {
		*out = TLSI_SCORE_OFF;
		return 0;
	}
	if (!*s)
		return fail(err, errlen, field, s, "empty");
	if (!is_digit(*s))
		return fail(err, errlen, field, s, "not a score (0..100 or off)");
	if (parse_u32(field, s, 0, 100, &v, err, errlen))
		return fail(err, errlen, field, s, "out of range (0..100 or off)");
	*out = (uint8_t)v;
	return 0;
}

int parse_duration(const char *field, const char *s, uint32_t min,
		   uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	const char *p = s;
	unsigned long v, mult = 1;

	if (!*s)
		return fail(err, errlen, field, s, "empty");
	if (!is_digit(*s) || !take_uint(&p, 0xffffffffUL, &v, true)) {
		if (is_digit(*s))
			return fail(err, errlen, field, s, "out of range (%u..%u seconds)",
				    min, max);
		return fail(err, errlen, field, s,
			    "not a duration (seconds, or a number with s, m, h or d)");
	}
	switch (*p) {
	case '\0':
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default:
		return fail(err, errlen, field, s,
			    "not a duration (seconds, or a number with s, m, h or d)");
	}
	if (*p && p[1])
		return fail(err, errlen, field, s,
			    "not a duration (seconds, or a number with s, m, h or d)");
	if (v > 0xffffffffUL / mult || v * mult < min || v * mult > max)
		return fail(err, errlen, field, s, "out of range (%u..%u seconds)",
			    min, max);
	*out = (uint32_t)(v * mult);
	return 0;
}

/* Next blank-separated token in [*p, end); false at end of data. */
static bool next_token(const char **p, const char *end, const char **tok,
		       size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return false;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

/* Copy a token for the string parsers; long ones are cut (still invalid). */
static void copy_token(char *dst, size_t dstlen, const char *tok, size_t len)
{
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, tok, len);
	dst[len] = '\0';
}

int parse_rep_line(const char *line, size_t len, struct tlsi_rep_entry *e,
		   char *err, size_t errlen)
{
	/* 80 bytes: longer than any valid field, so a cut token stays invalid. */
	char buf[80];
	const char *hash, *end, *p, *tok;
	size_t tlen;

	hash = memchr(line, '#', len);
	end = hash ? hash : line + len;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' ||
			      end[-1] == ' ' || end[-1] == '\t'))
		end--;
	p = line;
	if (!next_token(&p, end, &tok, &tlen))
		return 0;

	copy_token(buf, sizeof(buf), tok, tlen);
	if (parse_cidr("cidr", buf, &e->cidr, err, errlen))
		return -1;

	if (!next_token(&p, end, &tok, &tlen)) {
		snprintf(err, errlen, "missing score after `%s'", buf);
		return -1;
	}
	copy_token(buf, sizeof(buf), tok, tlen);
	if (parse_score("score", buf, &e->score, err, errlen))
		return -1;

	e->category[0] = '\0';
	if (next_token(&p, end, &tok, &tlen)) {
		copy_token(buf, sizeof(buf), tok, tlen);
		if (parse_category("category", buf, err, errlen))
			return -1;
		memcpy(e->category, buf, strlen(buf) + 1);
	}
	if (next_token(&p, end, &tok, &tlen)) {
		copy_token(buf, sizeof(buf), tok, tlen);
		fail(err, errlen, "field", buf,
		     "unexpected (expected: CIDR SCORE [CATEGORY])");
		return -1;
	}
	return 1;
}

char *format_addr4(uint32_t addr, char *buf)
{
	uint32_t a = ntohl(addr);

	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		a & 0xff);
	return buf;
}

char *format_addr(const struct tlsi_cidr *c, char *buf)
{
	if (!inet_ntop(c->family == AF_INET6 ? AF_INET6 : AF_INET, c->addr, buf,
		       TLSI_ADDR_STR_MAX))
		strcpy(buf, "?");
	return buf;
}

char *format_cidr(const struct tlsi_cidr *c, char *buf)
{
	format_addr(c, buf);
	sprintf(buf + strlen(buf), "/%u", c->plen);
	return buf;
}

char *format_endpoint(const struct tlsi_cidr *c, uint16_t port, char *buf)
{
	char a[TLSI_ADDR_STR_MAX];

	format_addr(c, a);
	sprintf(buf, c->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

char *format_vlan_list(const uint16_t *vlans, size_t n, char *buf,
		       size_t buflen)
{
	size_t i = 0, off = 0;

	buf[0] = '\0';
	while (i < n) {
		size_t j = i;
		char item[16];
		int len;

		while (j + 1 < n && vlans[j + 1] == vlans[j] + 1)
			j++;
		if (j > i)
			len = snprintf(item, sizeof(item), "%s%u-%u", off ? "," : "",
				       vlans[i], vlans[j]);
		else
			len = snprintf(item, sizeof(item), "%s%u", off ? "," : "",
				       vlans[i]);
		if (off + (size_t)len + 4 >= buflen) {
			if (off + 4 < buflen)
				strcpy(buf + off, "...");
			break;
		}
		memcpy(buf + off, item, (size_t)len + 1);
		off += (size_t)len;
		i = j + 1;
	}
	return buf;
}
