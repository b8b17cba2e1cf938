/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsers for tlsictl arguments and reputation files.
 *
 * Every parser returns 0 on success and -1 on failure. On failure it writes
 * a message into err (errlen bytes) of the form
 *
 *	<field> `<value>': <reason>
 *
 * where <field> is the caller-supplied name of what is being parsed ("src",
 * "dport", "name", ...). Parsers never print and never touch global state.
 */
#ifndef TLSI_PARSE_H
#define TLSI_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/linux/tlsi.h>

#define TLSI_ERR_MAX		256
#define TLSI_IFNAME_MAX		16	/* IFNAMSIZ, including the NUL */
#define TLSI_SCORE_OFF		101	/* threshold value meaning "never" */

/*
 * An address or prefix of either family, as the netlink cidr nest carries
 * it: IPv4 in addr[0..3], IPv6 in all 16 bytes, network byte order.
 */
struct tlsi_cidr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t plen;		/* 0..32 or 0..128 */
	uint8_t addr[16];
};

struct tlsi_rep_entry {
	struct tlsi_cidr cidr;
	uint8_t score;
	char category[TLSI_CATEGORY_MAX];	/* "" when absent */
};

/*
 * "10.0.0.0/8" or "2001:db8::/32"; a plain address is /32 or /128. Refuses
 * host bits set, and IPv4-mapped IPv6 ("::ffff:10.0.0.1": write 10.0.0.1).
 */
int parse_cidr(const char *field, const char *s, struct tlsi_cidr *out,
	       char *err, size_t errlen);
/* A single host: "10.0.0.1", "10.0.0.1/32", "2001:db8::1" or ".../128". */
int parse_host(const char *field, const char *s, struct tlsi_cidr *out,
	       char *err, size_t errlen);
/* An IPv4 address only (IPv4-only features), as a /32. */
int parse_host4(const char *field, const char *s, struct tlsi_cidr *out,
		char *err, size_t errlen);
/* The full prefix length of a family: 32 or 128. */
unsigned int cidr_host_plen(const struct tlsi_cidr *c);
/* "80" (min = max = 80) or "10-20"; 0..65535, min <= max. */
int parse_port_range(const char *field, const char *s, uint16_t *min,
		     uint16_t *max, char *err, size_t errlen);
/* "tcp", "udp", "icmp", "sctp", "udplite", "any" (0) or a number 0..255. */
int parse_proto(const char *field, const char *s, uint8_t *out,
		char *err, size_t errlen);
/* One VLAN ID 1..4094. */
int parse_vlan(const char *field, const char *s, uint16_t *out,
	       char *err, size_t errlen);
/* "10,20-25": IDs 1..4094, no duplicates, at most max (<= TLSI_VLANS_MAX). */
int parse_vlan_list(const char *field, const char *s, uint16_t *vlans,
		    size_t max, size_t *n, char *err, size_t errlen);
/* Object names: 1..TLSI_NAME_MAX-1 chars of [A-Za-z0-9_.-]. */
int parse_name(const char *field, const char *s, char *err, size_t errlen);
/* Reputation categories: as names, 1..TLSI_CATEGORY_MAX-1 chars. */
int parse_category(const char *field, const char *s, char *err,
		   size_t errlen);
/* Bridge port (interface) names: 1..15 chars, no '/', ':' or whitespace. */
int parse_ifname(const char *field, const char *s, char *err, size_t errlen);
/* Free text (quarantine reason): 1..TLSI_REASON_MAX-1 printable chars. */
int parse_reason(const char *field, const char *s, char *err, size_t errlen);
/* Decimal number in min..max. */
int parse_u32(const char *field, const char *s, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen);
/* Reputation score 0..100. */
int parse_score(const char *field, const char *s, uint8_t *out,
		char *err, size_t errlen);
/* Threshold: a score 0..100, or "off" (TLSI_SCORE_OFF). */
int parse_threshold(const char *field, const char *s, uint8_t *out,
		    char *err, size_t errlen);
/* Seconds: "300", "300s", "5m", "2h", "1d"; result in min..max. */
int parse_duration(const char *field, const char *s, uint32_t min,
		   uint32_t max, uint32_t *out, char *err, size_t errlen);

/*
 * One line of a reputation file: "CIDR SCORE [CATEGORY]", fields separated
 * by blanks; '#' starts a comment; a trailing '\n' or "\r\n" is ignored.
 * len is the line's length (the line need not be NUL-terminated).
 * Returns 1 and fills *e for an entry, 0 for a blank or comment line,
 * -1 on error with err set as "<what> `<value>': <reason>".
 */
int parse_rep_line(const char *line, size_t len, struct tlsi_rep_entry *e,
		   char *err, size_t errlen);

/* Formatting helpers (never fail; buffers must be big enough). */
/* RFC 5952 for IPv6 ("2001:db8::1/64"); IPv4 dotted quad. */
#define TLSI_ADDR_STR_MAX	46	/* INET6_ADDRSTRLEN */
#define TLSI_CIDR_STR_MAX	50	/* an IPv6 address, "/128" and NUL */
#define TLSI_ENDPOINT_STR_MAX	54	/* "[", an IPv6 address, "]:65535", NUL */
char *format_addr4(uint32_t addr, char *buf);		/* network order, >= 16 bytes */
char *format_addr(const struct tlsi_cidr *c, char *buf);	/* address only */
char *format_cidr(const struct tlsi_cidr *c, char *buf);
/* "192.0.2.1:443", "[2001:db8::1]:443" (RFC 5952 section 6); the
 * address of c only; buf of TLSI_ENDPOINT_STR_MAX. */
char *format_endpoint(const struct tlsi_cidr *c, uint16_t port, char *buf);
const char *proto_name(uint8_t proto);			/* NULL if unknown */
/* Protocols whose packets have ports (rules may match on them). */
int proto_has_ports(uint8_t proto);
/* "10,20-25" into buf (size buflen), truncated with "..." if needed. */
char *format_vlan_list(const uint16_t *vlans, size_t n, char *buf,
		       size_t buflen);

#endif /* TLSI_PARSE_H */
