/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The compiled rule image: what `tlsictl rules compile` writes, what the
 * kernel receives (in chunks over netlink) and what the engine matches with.
 *
 * Layout rules
 *   - Every integer is little-endian. Fields named with a trailing comment
 *     "signed" hold two's complement int32.
 *   - There are no pointers: every reference is an index into a section's
 *     array, a (first, count) range of such indices, or an (off, len) range
 *     of a byte section. Offsets are relative to the start of the section
 *     they point into.
 *   - The image starts with struct tlsi_img_hdr, whose section directory
 *     has one entry per enum tlsi_img_sect, in that order. Sections start
 *     8-byte aligned, lie inside the image and do not overlap the header.
 *   - tlsi_img_validate() (engine/image.c) checks every offset, index,
 *     count and length of an image before anything else reads it; the
 *     matcher and the evaluator rely on that and on nothing else.
 *
 * Version: TLSI_IMG_VERSION changes whenever the layout or the meaning of
 * a field changes; loaders refuse any other version. Reserved fields are
 * written as zero and refused otherwise, so they can be given meaning later
 * only together with a version bump.
 *
 *   hdr | STRTAB | BYTES | RULES | INSNS | ADDRS | PORTS | VARS | FLOWBITS |
 *       TRIGGERS | RULEIDX | MPMS | PATTERNS | MPMDATA | REGEXES | REGEXDATA
 *
 * Matching model: for each direction and buffer (enum tlsi_buf) there is a
 * trigger: an optional multi-pattern automaton (struct tlsi_img_mpm) over
 * the rules' fast patterns, and a list of rules that have no fast pattern
 * in that buffer but must be tried whenever it is inspected. A pattern hit
 * makes its rules candidates; each candidate's program (a run of struct
 * tlsi_img_insn) is then evaluated over the buffers of the inspection.
 */
#ifndef TLSI_IMG_H
#define TLSI_IMG_H

#include "compat.h"

#define TLSI_IMG_MAGIC		0x31524c54u	/* "TLR1" */
#define TLSI_IMG_VERSION	7	/* 2: dns app and buffers; 3: regexes;
					 * 4: udp/icmp/ip rules, pkt buffer;
					 * 5: ja3/ja3s buffers;
					 * 6: ja4.hash buffer, TCP packet
					 * rules (flags);
					 * 7: byte_extract and its variables
					 * (insn vars), app-layer-event */
#define TLSI_IMG_ALIGN		8

/* Limits the validator enforces (and the compiler respects). */
#define TLSI_IMG_SIZE_MAX	(256u << 20)	/* whole image */
#define TLSI_IMG_RULES_MAX	200000
#define TLSI_IMG_GROUP_MAX	64	/* instructions after one OP_BUFFER */
#define TLSI_IMG_INSNS_MAX	512	/* instructions per rule */
#define TLSI_IMG_FLOWBITS_MAX	4096
#define TLSI_IMG_PATTERN_MAX	65535	/* bytes of one content */
#define TLSI_IMG_MPM_STATES_MAX	(1u << 24)
#define TLSI_IMG_MPM_MATCH	0x80000000u	/* state flag: has outputs */

enum tlsi_img_sect {
	TLSI_IMG_S_STRTAB,	/* bytes: strings, referenced by struct tlsi_img_str */
	TLSI_IMG_S_BYTES,	/* bytes: content patterns */
	TLSI_IMG_S_RULES,	/* struct tlsi_img_rule[] */
	TLSI_IMG_S_INSNS,	/* struct tlsi_img_insn[] */
	TLSI_IMG_S_ADDRS,	/* struct tlsi_img_addr[] */
	TLSI_IMG_S_PORTS,	/* struct tlsi_img_port[] */
	TLSI_IMG_S_VARS,	/* struct tlsi_img_var[] */
	TLSI_IMG_S_FLOWBITS,	/* struct tlsi_img_str[]: names; index = bit */
	TLSI_IMG_S_TRIGGERS,	/* struct tlsi_img_trigger[TLSI_DIRS * TLSI_BUF_MAX] */
	TLSI_IMG_S_RULEIDX,	/* le32[]: rule indices, for triggers and patterns */
	TLSI_IMG_S_MPMS,	/* struct tlsi_img_mpm[] */
	TLSI_IMG_S_PATTERNS,	/* struct tlsi_img_pattern[] */
	TLSI_IMG_S_MPMDATA,	/* bytes: automaton tables, 4-byte aligned parts */
	TLSI_IMG_S_REGEXES,	/* struct tlsi_img_regex[] */
	TLSI_IMG_S_REGEXDATA,	/* bytes: regex programs (engine/regex.h) */
	TLSI_IMG_NSECT
};

/* Size of one array element of each section (1 = byte section). */
#define TLSI_IMG_SECT_ELEM_SIZES { 1, 1, 96, 32, 24, 12, 20, 8, 16, 4, 64, 16, 1, 16, 1 }

struct tlsi_img_sectdesc {
	uint32_t off;		/* from the start of the image */
	uint32_t size;		/* bytes */
};

struct tlsi_img_hdr {
	uint32_t magic;		/* TLSI_IMG_MAGIC */
	uint16_t version;	/* TLSI_IMG_VERSION */
	uint16_t hdr_size;	/* sizeof(struct tlsi_img_hdr) */
	uint32_t total_size;	/* bytes of the whole image */
	uint32_t crc32;		/* CRC-32 (IEEE) of the image with this field 0 */
	uint32_t nrules;	/* = RULES size / 96, repeated as a check */
	uint32_t nflowbits;	/* = FLOWBITS size / 8 */
	uint32_t flags;		/* TLSI_IMG_F_* */
	uint32_t build_id;	/* compiler-chosen, shown by `rules show` */
	uint32_t reserved[4];	/* zero */
	struct tlsi_img_sectdesc sect[TLSI_IMG_NSECT];
};

#define TLSI_IMG_F_PCRE_PREFILTER	0x1	/* compiled with --pcre=prefilter */
#define TLSI_IMG_F_ALL			0x1

/* A string in STRTAB (not NUL-terminated; len 0 = absent). */
struct tlsi_img_str {
	uint32_t off;
	uint32_t len;
};

/* ---- buffers and directions ------------------------------------------- */

enum tlsi_img_dir {
	TLSI_DIR_TO_SERVER,
	TLSI_DIR_TO_CLIENT,
	TLSI_DIRS
};

/*
 * Inspection buffers. RAW and BODY are streams (seen in chunks, matched
 * with state carried over); the others are whole values from one decoded
 * message. The keyword(s) that select each are in rules_parse_options.c.
 */
enum tlsi_buf {
	TLSI_BUF_RAW,		/* the TCP payload stream of a direction */
	TLSI_BUF_BODY,		/* HTTP body (de-chunked), SMTP DATA: file.data,
				 * http.request_body, http.response_body */
	TLSI_BUF_HTTP_METHOD,	/* upper-cased */
	TLSI_BUF_HTTP_URI,	/* normalised path + raw query */
	TLSI_BUF_HTTP_URI_RAW,
	TLSI_BUF_HTTP_PROTOCOL,
	TLSI_BUF_HTTP_REQUEST_LINE,
	TLSI_BUF_HTTP_RESPONSE_LINE,
	TLSI_BUF_HTTP_STAT_CODE,
	TLSI_BUF_HTTP_STAT_MSG,
	TLSI_BUF_HTTP_START,	/* start line + header lines + CRLF CRLF */
	TLSI_BUF_HTTP_HEADER,	/* "Name: value\r\n"..., values trimmed */
	TLSI_BUF_HTTP_HEADER_RAW,
	TLSI_BUF_HTTP_HEADER_NAMES, /* "\r\nName\r\n...\r\n\r\n" */
	TLSI_BUF_HTTP_HOST,	/* lower-cased, without port */
	TLSI_BUF_HTTP_HOST_RAW,
	TLSI_BUF_HTTP_HOST_DOT,	/* "." + http.host (dotprefix) */
	TLSI_BUF_HTTP_USER_AGENT,
	TLSI_BUF_HTTP_COOKIE,	/* Cookie (request), Set-Cookie (response) */
	TLSI_BUF_HTTP_CONTENT_TYPE,
	TLSI_BUF_HTTP_CONTENT_LEN,
	TLSI_BUF_HTTP_REFERER,
	TLSI_BUF_HTTP_ACCEPT,
	TLSI_BUF_HTTP_ACCEPT_ENC,
	TLSI_BUF_HTTP_ACCEPT_LANG,
	TLSI_BUF_HTTP_CONNECTION,
	TLSI_BUF_HTTP_LOCATION,
	TLSI_BUF_HTTP_SERVER,
	TLSI_BUF_TLS_SNI,
	TLSI_BUF_TLS_SNI_DOT,	/* "." + tls.sni (dotprefix) */
	TLSI_BUF_TLS_JA3_HASH,	/* MD5 of ja3.string, lower-case hex */
	TLSI_BUF_TLS_JA3_STRING, /* the ClientHello's JA3 text (tls.c) */
	TLSI_BUF_TLS_JA4_HASH,	/* the ClientHello's JA4 (36 characters) */
	TLSI_BUF_TLS_JA3S_HASH,
	TLSI_BUF_TLS_JA3S_STRING, /* the ServerHello's JA3S text */
	TLSI_BUF_TLS_CERT_SUBJECT,
	TLSI_BUF_TLS_CERT_ISSUER,
	TLSI_BUF_TLS_CERT_SERIAL,
	TLSI_BUF_TLS_CERTS,	/* each certificate's DER, one at a time */
	TLSI_BUF_DNS_QUERY,	/* a question's name, dotted, no trailing dot */
	TLSI_BUF_DNS_QUERY_DOT,	/* "." + dns.query (dotprefix) */
	TLSI_BUF_PKT,		/* the payload of one datagram or packet: what
				 * payload keywords of udp, icmp and ip rules
				 * see (tlsi_eng_datagram()); ip rules see
				 * the TCP stream as RAW there */
	TLSI_BUF_TCP_PKT,	/* the payload of one TCP packet: what payload
				 * keywords of TCP packet rules (flags,
				 * no_stream, not_established) see; apart
				 * from PKT so that TCP packets meet only
				 * those rules' automaton and lists */
	TLSI_BUF_MAX
};
#define TLSI_BUF_NONE		0xff	/* instructions that read no buffer */

static inline int tlsi_buf_is_stream(unsigned int b)
{
	return b == TLSI_BUF_RAW || b == TLSI_BUF_BODY;
}
static inline int tlsi_buf_is_http(unsigned int b)
{
	return b >= TLSI_BUF_HTTP_METHOD && b <= TLSI_BUF_HTTP_SERVER;
}
static inline int tlsi_buf_is_tls(unsigned int b)
{
	return b >= TLSI_BUF_TLS_SNI && b <= TLSI_BUF_TLS_CERTS;
}
static inline int tlsi_buf_is_dns(unsigned int b)
{
	return b == TLSI_BUF_DNS_QUERY || b == TLSI_BUF_DNS_QUERY_DOT;
}

/* Application protocols a rule may require of a flow. */
enum tlsi_app {
	TLSI_APP_ANY,		/* "tcp" rules: any TCP stream */
	TLSI_APP_HTTP,
	TLSI_APP_TLS,
	TLSI_APP_SMTP,
	TLSI_APP_IMAP,
	TLSI_APP_POP3,
	TLSI_APP_DNS,		/* DNS over TCP (RFC 1035 4.2.2), DoT decrypted */
	TLSI_APP_MAX
};

/* ---- rules -------------------------------------------------------------- */

enum tlsi_action {
	TLSI_ACT_PASS,		/* stop inspecting the flow, no alert */
	TLSI_ACT_DROP,		/* alert and block the flow */
	TLSI_ACT_REJECT,	/* alert, block and reset */
	TLSI_ACT_ALERT,
	TLSI_ACT_MAX
};

/* struct tlsi_img_rule.flow */
#define TLSI_FLOW_TO_SERVER	0x01
#define TLSI_FLOW_TO_CLIENT	0x02
#define TLSI_FLOW_ESTABLISHED	0x04
#define TLSI_FLOW_NOT_ESTABLISHED 0x08	/* packet rules: before the TCP
					 * handshake completed, or before a
					 * datagram flow's first reply */
#define TLSI_FLOW_ALL		0x0f

/* struct tlsi_img_rule.flags */
#define TLSI_RULE_F_NOALERT	0x0001	/* flowbits:noalert */
#define TLSI_RULE_F_BIDIR	0x0002	/* header "<>" */
#define TLSI_RULE_F_PCRE_DROPPED 0x0004	/* had pcre, matched on contents only */
#define TLSI_RULE_F_PROTO_APPROX 0x0008	/* ftp/smb/ssh/...: matched as tcp */
#define TLSI_RULE_F_UDP		0x0010	/* "udp": UDP datagrams only */
#define TLSI_RULE_F_ICMP	0x0020	/* "icmp": ICMP and ICMPv6 packets only */
#define TLSI_RULE_F_IP		0x0040	/* "ip": every packet, and TCP streams */
#define TLSI_RULE_F_TCP_PKT	0x0080	/* "tcp" with flags, flow:no_stream or
					 * not_established: each TCP packet
					 * (tlsi_eng_datagram()), not streams */
#define TLSI_RULE_F_PROTOS	0x00f0	/* at most one of these; none: TCP */
#define TLSI_RULE_F_ALL		0x00ff

/* threshold / detection_filter */
enum tlsi_thresh_type {
	TLSI_THRESH_NONE,
	TLSI_THRESH_LIMIT,	/* at most count alerts per seconds */
	TLSI_THRESH_THRESHOLD,	/* an alert every count-th match per seconds */
	TLSI_THRESH_BOTH,	/* one alert per seconds once count matched */
	TLSI_THRESH_DETECTION,	/* detection_filter: every match after count */
	TLSI_THRESH_MAX
};
enum tlsi_track {
	TLSI_TRACK_SRC,
	TLSI_TRACK_DST,
	TLSI_TRACK_MAX
};

struct tlsi_img_rule {			/* 96 bytes */
	uint32_t sid;
	uint32_t gid;
	uint32_t rev;
	uint8_t action;			/* enum tlsi_action */
	uint8_t app;			/* enum tlsi_app */
	uint8_t flow;			/* TLSI_FLOW_* */
	uint8_t priority;		/* 1 (high) .. 255 */
	uint16_t flags;			/* TLSI_RULE_F_* */
	uint8_t thresh_type;		/* enum tlsi_thresh_type */
	uint8_t thresh_track;		/* enum tlsi_track */
	uint32_t thresh_count;
	uint32_t thresh_seconds;
	struct tlsi_img_str msg;
	struct tlsi_img_str classtype;
	struct tlsi_img_str meta;	/* reference/metadata text, for logs */
	struct tlsi_img_str file;	/* source file name */
	uint32_t line;			/* and line */
	uint32_t insn_first;		/* program: INSNS[first .. first+count) */
	uint32_t insn_count;
	uint32_t src_first, src_count;	/* ADDRS ranges; count 0 = any */
	uint32_t dst_first, dst_count;
	uint16_t sport_first, sport_count; /* PORTS ranges; count 0 = any */
	uint16_t dport_first, dport_count;
};

/* ---- programs ----------------------------------------------------------- */

enum tlsi_op {
	TLSI_OP_BUFFER = 1,	/* buf: start a group on that buffer */
	TLSI_OP_CONTENT,	/* see struct tlsi_img_insn */
	TLSI_OP_ISDATAAT,	/* a = n */
	TLSI_OP_BYTE_TEST,
	TLSI_OP_BYTE_JUMP,
	TLSI_OP_BSIZE,		/* buffer length: cmp, a, b */
	TLSI_OP_DSIZE,		/* chunk length: cmp, a, b (group NONE) */
	TLSI_OP_FLOWBITS,	/* check or change: cmp = TLSI_FB_*, bits in a..e */
	TLSI_OP_PCRE,		/* a = REGEXES index */
	TLSI_OP_PKT,		/* packet header field nbytes (enum
				 * tlsi_pkt_field): cmp, a, b (group NONE);
				 * IF_NEGATE inverts the comparison */
	TLSI_OP_STREAM_SIZE,	/* bytes a side has sent, as Suricata's
				 * next_seq - isn (payload + 1 for the SYN):
				 * nbytes = enum tlsi_stream_side, cmp, a
				 * (group NONE) */
	TLSI_OP_XBITS,		/* a bit of an address or address pair,
				 * shared by flows: cmp = TLSI_FB_ISSET,
				 * ISNOTSET, SET, UNSET or TOGGLE, nbytes =
				 * enum tlsi_xbits_track, a = bit (a flowbit
				 * name's number), b = expire seconds (set,
				 * toggle) (group NONE) */
	TLSI_OP_FLOWINT,	/* a flow's integer variable: cmp = enum
				 * tlsi_flowint_op, a = variable (a flowbit
				 * name's number), b = value (group NONE) */
	TLSI_OP_TLS_VERSION,	/* the direction's TLS hello version is a
				 * (group NONE); nbytes 1: as written (a
				 * 0x form), else TLS 1.3 drafts (0x7fXX)
				 * count as 1.3 */
	TLSI_OP_BASE64,		/* base64_decode: the rest of the group is
				 * matched against the decoded bytes
				 * (base64_data); see struct tlsi_img_insn */
	TLSI_OP_BYTE_EXTRACT,	/* see struct tlsi_img_insn */
	TLSI_OP_APP_EVENT,	/* the decoder raised event nbytes (enum
				 * tlsi_app_event) on the current message
				 * (group NONE) */
	TLSI_OP_MAX
};

/* Content and other payload flags (struct tlsi_img_insn.flags) */
#define TLSI_IF_NOCASE		0x0001
#define TLSI_IF_NEGATE		0x0002
#define TLSI_IF_OFFSET		0x0004
#define TLSI_IF_DEPTH		0x0008
#define TLSI_IF_DISTANCE	0x0010
#define TLSI_IF_WITHIN		0x0020
#define TLSI_IF_ENDSWITH	0x0040
#define TLSI_IF_RETRY		0x0080	/* a later instruction depends on
					 * where this content matched: try
					 * its next occurrence on failure */
#define TLSI_IF_RELATIVE	0x0100	/* isdataat/byte_*: from the last match */
#define TLSI_IF_FAST		0x0200	/* informational: the fast pattern */
#define TLSI_IF_LITTLE		0x0400	/* byte_*: little-endian */
#define TLSI_IF_STRING		0x0800	/* byte_*: ASCII number; base in c */
#define TLSI_IF_ALIGN		0x1000	/* byte_jump: align to 4 */
#define TLSI_IF_BEGIN		0x2000	/* byte_jump: from_beginning */
#define TLSI_IF_END		0x4000	/* byte_jump: from_end */
#define TLSI_IF_BITMASK		0x8000	/* byte_test: AND with bitmask first */

/*
 * byte_extract variables: a rule evaluation has TLSI_IMG_BYTE_VARS of
 * them, all 0 when a buffer group starts. BYTE_EXTRACT stores into one
 * (b); an operand whose bit is set in struct tlsi_img_insn.vars holds a
 * variable's number instead of a value. The validator accepts a variable
 * only after a BYTE_EXTRACT of the same group stored into it.
 */
#define TLSI_IMG_BYTE_VARS	8
#define TLSI_IV(i)		(1u << (i))	/* operand i (0..5 = a..f) */

/* Application-layer events a rule can test (TLSI_OP_APP_EVENT nbytes):
 * the decoder events of Suricata's app-layer-event that the engine's
 * decoders raise with Suricata's meaning. */
enum tlsi_app_event {
	TLSI_AEV_HTTP_INVALID_TE_REQUEST,	/* http.invalid_transfer_encoding_
						 * value_in_request */
	TLSI_AEV_MAX
};

/* Comparisons (cmp): byte_test, bsize, dsize */
enum tlsi_cmp {
	TLSI_CMP_EQ, TLSI_CMP_NE, TLSI_CMP_LT, TLSI_CMP_LE, TLSI_CMP_GT,
	TLSI_CMP_GE, TLSI_CMP_AND, TLSI_CMP_XOR, TLSI_CMP_RANGE, /* a < x < b */
	TLSI_CMP_MAX
};

/* Header fields TLSI_OP_PKT tests (nbytes). Only a packet given to
 * tlsi_eng_datagram() has them: on TCP streams IP_PROTO is 6 and the
 * others never match (itype/icode imply ICMP, as in Suricata). */
enum tlsi_pkt_field {
	TLSI_PKT_ITYPE,		/* ICMP type */
	TLSI_PKT_ICODE,		/* ICMP code */
	TLSI_PKT_IP_PROTO,	/* IPv4 protocol / IPv6 next header */
	TLSI_PKT_TTL,		/* IPv4 TTL / IPv6 hop limit */
	TLSI_PKT_TCP_FLAGS,	/* TCP flags (Suricata's `flags'): cmp is
				 * enum tlsi_tcp_flags_mod, a the flags, b
				 * the flags that count (the ignored ones
				 * cleared); TCP packets only */
	TLSI_PKT_FIELD_MAX
};

/* The modifier of `flags' (TLSI_PKT_TCP_FLAGS): none (exactly these),
 * `+' (these and maybe others), `*' (any of these), `!' (not all of
 * these). */
enum tlsi_tcp_flags_mod {
	TLSI_TCPFL_EXACT,
	TLSI_TCPFL_PLUS,
	TLSI_TCPFL_ANY,
	TLSI_TCPFL_NOT,
	TLSI_TCPFL_MAX
};

/* The side(s) TLSI_OP_STREAM_SIZE tests (nbytes). */
enum tlsi_stream_side {
	TLSI_SS_SERVER,		/* what the server sent */
	TLSI_SS_CLIENT,
	TLSI_SS_BOTH,		/* both sides pass the test */
	TLSI_SS_EITHER,		/* one of them does */
	TLSI_SS_MAX
};

/* Whose bit TLSI_OP_XBITS reads or changes (nbytes): the addresses of the
 * data being inspected. */
enum tlsi_xbits_track {
	TLSI_XT_IP_SRC,
	TLSI_XT_IP_DST,
	TLSI_XT_IP_PAIR,	/* both, in either order */
	TLSI_XT_MAX
};
#define TLSI_XBITS_EXPIRE_MAX	86400	/* s */

/* Flowbit operations (cmp of TLSI_OP_FLOWBITS) */
enum tlsi_fb {
	TLSI_FB_ISSET,		/* all of the bits */
	TLSI_FB_ISSET_ANY,	/* any of the bits (a|b) */
	TLSI_FB_ISNOTSET,	/* none of the bits */
	TLSI_FB_ISNOTSET_ANY,	/* not all of them (a|b) */
	TLSI_FB_SET,		/* on match */
	TLSI_FB_UNSET,
	TLSI_FB_TOGGLE,
	TLSI_FB_MAX
};
#define TLSI_FB_BITS_MAX	5

/* flowint operations (cmp of TLSI_OP_FLOWINT): tests, then the changes a
 * match makes (Suricata's): a test of a variable the flow has not set
 * fails (notset holds); adding to one sets it, subtracting from one does
 * nothing. */
enum tlsi_flowint_op {
	TLSI_FI_ISSET, TLSI_FI_NOTSET,
	TLSI_FI_EQ, TLSI_FI_NE, TLSI_FI_LT, TLSI_FI_LE, TLSI_FI_GT, TLSI_FI_GE,
	TLSI_FI_SET,		/* = b */
	TLSI_FI_ADD,		/* + b (wraps at 2^32, as Suricata's uint32) */
	TLSI_FI_SUB,		/* - b */
	TLSI_FI_MAX
};

/*
 * One instruction, 32 bytes. Field use by op:
 *   BUFFER    buf
 *   CONTENT   a = BYTES offset, b = length (1..TLSI_IMG_PATTERN_MAX),
 *             c = offset (signed, used with IF_OFFSET), d = depth
 *             (absolute end: offset+depth, or relative with distance),
 *             e = distance (signed), f = within
 *   ISDATAAT  a = n
 *   BYTE_TEST nbytes (1..8; string 0..23, 0: to the first non-digit),
 *             cmp, a = value low, b = value high, c = offset (signed),
 *             d = bitmask, e = string base (10, 16, 8; 0 automatic, as
 *             strtoull()); IF_NEGATE inverts the comparison ("!&", "!=")
 *   BYTE_JUMP nbytes, a = multiplier, c = offset (signed), d = post_offset
 *             (signed), e = string base, f = bitmask (IF_BITMASK)
 *   BYTE_EXTRACT nbytes (1..8; string 1..23), b = variable stored
 *             (< TLSI_IMG_BYTE_VARS), a = multiplier (1..65535), c =
 *             offset (signed), d = align (0, 2 or 4), e = string base
 *             (8, 10, 16); IF_RELATIVE, IF_LITTLE, IF_STRING. Moves the
 *             detection pointer past the bytes read.
 *   Operands from variables (vars): BYTE_TEST a (the value, b 0) and c,
 *             BYTE_JUMP c, ISDATAAT a, CONTENT c, d, e, f (d then is
 *             the depth as written, not offset + depth)
 *   APP_EVENT nbytes = enum tlsi_app_event
 *   BSIZE, DSIZE  cmp, a, b
 *   PKT       nbytes = enum tlsi_pkt_field, cmp, a, b; IF_NEGATE
 *   FLOWBITS  cmp = enum tlsi_fb, nbytes = number of bits (1..5), a..e
 *   BASE64    a = bytes of encoded input at most (0: Suricata's 65535),
 *             c = offset; IF_RELATIVE: from the previous match's end
 *             (else the buffer's start). The instructions after it in
 *             its group match the decoded bytes as a buffer of their own
 *             (base64_data); at most one per group.
 *   PCRE      a = REGEXES index; IF_RELATIVE: the subject starts at the
 *             previous match's end (else it is the whole buffer);
 *             IF_NEGATE: the rule needs no match; IF_RETRY as for content.
 *             A match moves the detection pointer to its end.
 */
struct tlsi_img_insn {
	uint8_t op;
	uint8_t buf;		/* BUFFER: enum tlsi_buf or TLSI_BUF_NONE */
	uint8_t cmp;
	uint8_t nbytes;
	uint16_t flags;		/* TLSI_IF_* */
	uint16_t vars;		/* TLSI_IV(): operands that name a
				 * byte_extract variable */
	uint32_t a, b, c, d, e, f;
};

/* Operand i (0..5 = a..f) of an instruction, in host order. */
static inline uint32_t tlsi_insn_arg(const struct tlsi_img_insn *in, unsigned int i)
{
	switch (i) {
	case 0: return le32v(in->a);
	case 1: return le32v(in->b);
	case 2: return le32v(in->c);
	case 3: return le32v(in->d);
	case 4: return le32v(in->e);
	default: return le32v(in->f);
	}
}

/*
 * A regular expression: its program lies in REGEXDATA at off, 8-byte
 * aligned: ninsns struct tlsi_img_re_insn, then nclasses struct
 * tlsi_img_re_class (engine/regex.h), then litlen bytes of its required
 * string padded to a multiple of 8, then with TLSI_RE_F_DFA its DFA
 * (struct tlsi_img_re_dfa and its tables, regex.h). Programs follow each other in
 * REGEXES order without overlapping, so validation reads each byte once.
 */
struct tlsi_img_regex {			/* 16 bytes */
	uint32_t off;
	uint16_t ninsns, nclasses;
	uint16_t flags;			/* TLSI_RE_F_* */
	uint16_t first;			/* class index or TLSI_RE_NO_CLASS */
	uint8_t req[2];			/* TLSI_RE_F_REQ: a byte every match
					 * consumes (one of the two); else 0 */
	uint16_t litlen;		/* TLSI_RE_F_LIT: 2..16 bytes of a
					 * string every match contains (lower
					 * case), after the classes, padded to
					 * 8 bytes; else 0 */
};

/* ---- header addresses and ports ---------------------------------------- */

#define TLSI_ADDR_F_NEG		0x01	/* "!": the item must not match */
#define TLSI_ADDR_F_VAR		0x02	/* the item is variable `var' */
#define TLSI_ADDR_F_ALL		0x03

/*
 * A list matches when it has no positive item or one positive item
 * matches, and no negated item matches. A variable's own list holds no
 * variables (the compiler flattens them), so evaluation is one level deep.
 */
struct tlsi_img_addr {			/* 24 bytes */
	uint8_t flags;
	uint8_t plen;			/* 0..128 over the 16-byte address */
	uint16_t reserved;
	uint32_t var;			/* VARS index with TLSI_ADDR_F_VAR */
	uint8_t addr[16];		/* IPv4 as ::ffff:a.b.c.d, plen + 96 */
};

struct tlsi_img_port {			/* 12 bytes */
	uint8_t flags;			/* TLSI_ADDR_F_* */
	uint8_t reserved;
	uint16_t lo, hi;		/* inclusive */
	uint16_t reserved2;
	uint32_t var;
};

#define TLSI_VAR_ADDR		1
#define TLSI_VAR_PORT		2
struct tlsi_img_var {			/* 20 bytes */
	struct tlsi_img_str name;	/* without "$" */
	uint8_t kind;			/* TLSI_VAR_* */
	uint8_t reserved[3];
	uint32_t first, count;		/* ADDRS or PORTS range, no var items */
};

/* ---- triggers and automata ---------------------------------------------- */

#define TLSI_IMG_NO_MPM		0xffffffffu

struct tlsi_img_trigger {		/* 16 bytes; index dir * TLSI_BUF_MAX + buf */
	uint32_t mpm;			/* MPMS index or TLSI_IMG_NO_MPM */
	uint32_t once_count;		/* RAW only: the once_count RULEIDX
					 * entries after the rules_count ones
					 * are header-only rules, tried on the
					 * first chunk of a stream direction */
	uint32_t rules_first;		/* RULEIDX range: rules without fast */
	uint32_t rules_count;		/* pattern here, tried every time */
};

/*
 * A multi-pattern automaton: Aho-Corasick over case-folded input, compiled
 * to a DFA. The first `ndense' states (state 0 is the root) have a full
 * row of nclass transitions: the root, the states at depth 1 to 3 (the
 * compiler's choice: where text keeps the automaton most of the time), and
 * the states whose transitions differ from their default row in more than
 * TLSI_MPM_INLINE classes, as far as the compiler's budget allows. Every
 * other state is sparse: it names a dense "default" state (the first dense
 * state on its failure chain) and lists, sorted by class, only the
 * transitions that differ from the default's row; the first
 * TLSI_MPM_INLINE of them are stored in the state's own record, the rest
 * (rare: only when the budget ran out) in the edge arrays. So an input
 * byte costs one row lookup, or one 32-byte record plus at most one row
 * lookup. Transition values are state numbers, with TLSI_IMG_MPM_MATCH set
 * when the target state has outputs (patterns ending there).
 *
 * All *_off fields are byte offsets into MPMDATA, 4-byte aligned:
 *   cmap_off      uint8[256]: input byte -> class (< nclass)
 *   dense_off     le32[ndense * nclass]
 *   sparse_off    struct tlsi_img_mpm_sparse[nstates - ndense]
 *   ecls_off      uint8[nedges]: class of each overflow edge
 *   enext_off     le32[nedges]: target of each overflow edge
 *   outidx_off    le32[nstates + 1]: state s outputs are
 *                 outs[outidx[s] .. outidx[s+1])
 *   outs_off      le32[nouts]: pattern numbers relative to pat_first
 */
struct tlsi_img_mpm {			/* 64 bytes */
	uint32_t nstates, ndense, nclass, nedges, nouts;
	uint32_t cmap_off, dense_off, sparse_off, ecls_off, enext_off;
	uint32_t outidx_off, outs_off;
	uint32_t pat_first, pat_count;	/* PATTERNS range */
	uint32_t maxlen;		/* longest pattern */
	uint32_t reserved;
};

#define TLSI_MPM_INLINE		4

struct tlsi_img_mpm_sparse {		/* 32 bytes */
	uint32_t def;			/* dense state (< ndense) */
	uint16_t count;			/* differing transitions (<= nclass) */
	uint8_t cls[TLSI_MPM_INLINE];	/* the first ones; unused slots 0 */
	uint8_t reserved[2];
	uint32_t first;			/* the others: edges first .. first +
					 * count - TLSI_MPM_INLINE */
	uint32_t next[TLSI_MPM_INLINE];
};

#define TLSI_PAT_F_NOCASE	0x1
struct tlsi_img_pattern {		/* 16 bytes */
	uint32_t bytes_off;		/* BYTES */
	uint16_t len;			/* 1 .. */
	uint16_t flags;			/* TLSI_PAT_F_* */
	uint32_t rules_first, rules_count; /* RULEIDX: rules it triggers */
};

/* The layout is the ABI: sizes are fixed (TLSI_IMG_SECT_ELEM_SIZES). */
_Static_assert(sizeof(struct tlsi_img_hdr) == 168, "struct tlsi_img_hdr");
_Static_assert(sizeof(struct tlsi_img_rule) == 96, "struct tlsi_img_rule");
_Static_assert(sizeof(struct tlsi_img_insn) == 32, "struct tlsi_img_insn");
_Static_assert(sizeof(struct tlsi_img_addr) == 24, "struct tlsi_img_addr");
_Static_assert(sizeof(struct tlsi_img_port) == 12, "struct tlsi_img_port");
_Static_assert(sizeof(struct tlsi_img_var) == 20, "struct tlsi_img_var");
_Static_assert(sizeof(struct tlsi_img_trigger) == 16, "struct tlsi_img_trigger");
_Static_assert(sizeof(struct tlsi_img_mpm) == 64, "struct tlsi_img_mpm");
_Static_assert(sizeof(struct tlsi_img_mpm_sparse) == 32, "struct tlsi_img_mpm_sparse");
_Static_assert(sizeof(struct tlsi_img_pattern) == 16, "struct tlsi_img_pattern");
_Static_assert(sizeof(struct tlsi_img_regex) == 16, "struct tlsi_img_regex");

/* ---- validation ----------------------------------------------------------- */

/*
 * Check every field of the image at img (len bytes, 8-byte aligned) that
 * the engine will ever read. Returns 0, or -1 with a message in err
 * ("rule 12 (sid 2001): instruction 3: content beyond BYTES").
 * Runs in time linear in len; allocates nothing; usable in the kernel.
 */
int tlsi_img_validate(const void *img, size_t len, char *err, size_t errlen);

/* CRC-32 (IEEE 802.3, as zlib's crc32()), seeded with crc (0 to start). */
uint32_t tlsi_img_crc32(uint32_t crc, const void *buf, size_t len);

/* ---- rewriting variables -------------------------------------------------- */

/* New contents for variable var: count items (struct tlsi_img_addr[] for
 * TLSI_VAR_ADDR, struct tlsi_img_port[] for TLSI_VAR_PORT). */
struct tlsi_img_var_update {
	uint32_t var;			/* VARS index */
	uint8_t kind;			/* TLSI_VAR_ADDR or TLSI_VAR_PORT */
	const void *items;
	uint32_t count;
	uint32_t first;			/* out: where they went in ADDRS/PORTS */
};

/*
 * The size of img (len bytes) rewritten with the nu updates u, or 0 with
 * err when img's sections do not lie in len or the result would exceed
 * TLSI_IMG_SIZE_MAX. The kernel and tlsictl rewrite the same way, so that
 * tlsid's copy stays the kernel's image byte for byte.
 */
uint64_t tlsi_img_with_vars_size(const void *img, size_t len,
				 const struct tlsi_img_var_update *u, unsigned int nu,
				 char *err, size_t errlen);

/*
 * Write the rewritten image into out (size bytes as returned above,
 * zeroed): each update's items appended to ADDRS or PORTS and its
 * variable pointed at them, sections laid out again in order, 8-byte
 * aligned, total size and CRC updated. -1 with err when an update's
 * variable is beyond VARS. Validate the result before use.
 */
int tlsi_img_with_vars(const void *img, struct tlsi_img_var_update *u, unsigned int nu,
		       uint8_t *out, uint64_t size, char *err, size_t errlen);

/* ---- rule metadata read by the appliance ----------------------------------- */

/*
 * metadata "tlsi_quarantine [SECONDS|on]" in a rule's meta text (len
 * bytes): the seconds (at most max), UINT32_MAX for "the configured
 * timeout" (no number, "on" or 0), 0 when absent.
 */
uint32_t tlsi_img_meta_quarantine(const char *m, uint32_t len, uint32_t max);

/* metadata "tlsi_trace": 1 when the rule's meta text has it, else 0. */
int tlsi_img_meta_trace(const char *m, uint32_t len);

/* Section base and element count of a validated image. */
static inline const void *tlsi_img_sect(const void *img, enum tlsi_img_sect s)
{
	const struct tlsi_img_hdr *h = (const struct tlsi_img_hdr *)img;

	return (const uint8_t *)img + le32v(h->sect[s].off);
}
static inline uint32_t tlsi_img_sect_size(const void *img, enum tlsi_img_sect s)
{
	const struct tlsi_img_hdr *h = (const struct tlsi_img_hdr *)img;

	return le32v(h->sect[s].size);
}

#endif /* TLSI_IMG_H */
