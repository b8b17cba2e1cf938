/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter engine: rules from a validated image, matched against the two
 * directions of TCP streams, with HTTP/1.x, HTTP/2, SMTP, IMAP, POP3 and
 * DNS (over TCP or TLS) decoding.
 *
 * Objects, all allocated by the caller (the engine never allocates):
 *
 *   struct tlsi_eng          one loaded image (read-only while in use) plus
 *                            the caller's hit counters and threshold table
 *   struct tlsi_eng_scratch  per thread / per CPU working memory, of
 *                            tlsi_eng_scratch_size() bytes; one inspection
 *                            call at a time uses it
 *   struct tlsi_eng_flow     per connection state, sizeof(struct
 *                            tlsi_eng_flow) bytes (TLSI_ENG_FLOW_SIZE
 *                            documents the figure), bound to one image;
 *                            a flow inspected with a different image starts
 *                            its inspection state afresh (flowbits too)
 *
 * Calls: tlsi_eng_init() once per image; tlsi_eng_flow_init() per
 * connection; tlsi_eng_inspect() for each chunk of payload of a direction,
 * in stream order; tlsi_eng_tls() when the TLS parameters of an intercepted
 * connection are known; tlsi_eng_eof() when a direction ends. Alerts and
 * protocol anomalies are reported through the callbacks of struct
 * tlsi_eng_cfg during those calls.
 */
#ifndef TLSI_ENGINE_H
#define TLSI_ENGINE_H

#include "compat.h"
#include "image.h"
#include "mpm.h"
#include "regex.h"
#include "http2.h"

/* ---- sizes (see Documentation/engine.md, "Memory") --------------------- */

#define TLSI_ENG_WINDOW		2048	/* history kept per stream buffer */
#define TLSI_ENG_PIECE		16384	/* largest piece matched at once */
/* base64_decode output: all of the largest view decodes */
#define TLSI_ENG_B64_MAX	((TLSI_ENG_WINDOW + TLSI_ENG_PIECE) / 4 * 3)
#define TLSI_ENG_PENDING	16	/* rules waiting for more data, per
					 * stream buffer */
#define TLSI_ENG_FIRED		8	/* body rules already alerted in the
					 * current HTTP message */
#define TLSI_ENG_CAND_MAX	8192	/* candidate rules per inspection */
#define TLSI_ENG_STEPS_MAX	4096	/* searches per rule evaluation */
#define TLSI_ENG_RE_STEPS_MAX	(1u << 21) /* regex steps per rule evaluation
					 * (TLSI_EV_STEPS when exceeded) */
#define TLSI_HTTP_HDR_MAX	8192	/* start line + headers kept */
#define TLSI_HTTP_DERIVED_MAX	(3 * TLSI_HTTP_HDR_MAX) /* normalised copies */
#define TLSI_ENG_HEADQ		32	/* pipelined requests remembered */
#define TLSI_TLS_MSG_MAX	8192	/* bytes of a ClientHello fingerprinted */
#define TLSI_JA4_LEN		36	/* a JA4 fingerprint's characters */
#define TLSI_TLS_FP_MAX		(3 * TLSI_TLS_MSG_MAX + 64) /* its JA3 text: at
					 * most 6 characters per 2 bytes */

/* ---- configuration and results ------------------------------------------ */

enum tlsi_eng_verdict {
	TLSI_ENG_V_CONTINUE,	/* nothing decided; keep forwarding */
	TLSI_ENG_V_PASS,	/* a pass rule matched: stop inspecting */
	TLSI_ENG_V_DROP,	/* block the flow */
	TLSI_ENG_V_REJECT,	/* block and reset */
};

/* Protocol anomalies and engine limits, each reported once per flow. */
enum tlsi_eng_event {
	TLSI_EV_HTTP_CL_TE,		/* Content-Length and Transfer-Encoding */
	TLSI_EV_HTTP_MULTI_CL,		/* differing Content-Length values */
	TLSI_EV_HTTP_BAD_CL,		/* unparsable Content-Length */
	TLSI_EV_HTTP_BAD_CHUNK,		/* bad chunk size line */
	TLSI_EV_HTTP_HDR_TOO_LONG,	/* headers beyond TLSI_HTTP_HDR_MAX */
	TLSI_EV_HTTP_BAD_TE,		/* Transfer-Encoding other than chunked */
	TLSI_EV_HTTP_URI_ENCODING,	/* double/%u/overlong encoding in path */
	TLSI_EV_HTTP_BAD_START,		/* a message that is not HTTP/1.x */
	TLSI_EV_DEPTH,			/* inspection depth reached */
	TLSI_EV_PENDING_OVERFLOW,	/* TLSI_ENG_PENDING exceeded */
	TLSI_EV_CAND_OVERFLOW,		/* TLSI_ENG_CAND_MAX exceeded */
	TLSI_EV_STEPS,			/* a rule hit TLSI_ENG_STEPS_MAX */
	TLSI_EV_DNS_MALFORMED,		/* a DNS query that is not RFC 1035:
					 * its direction is not decoded further */
	/* HTTP/2 (http2.c). The first five end the flow's HTTP/2 decoding
	 * (raw inspection goes on; cfg.http2_block makes them DROP). */
	TLSI_EV_HTTP2_PREFACE,		/* the client's preface is not HTTP/2's */
	TLSI_EV_HTTP2_FRAME,		/* oversized frame, bad length or
					 * padding for its type, bad stream 0 */
	TLSI_EV_HTTP2_HPACK,		/* index out of range, bad Huffman code,
					 * truncated field, integer overflow */
	TLSI_EV_HTTP2_TABLE_SIZE,	/* dynamic table size update above the
					 * SETTINGS limit or TLSI_HPACK_TABLE_MAX,
					 * or out of place */
	TLSI_EV_HTTP2_CONTINUATION,	/* header block beyond TLSI_H2_BLOCK_MAX
					 * or TLSI_H2_CONT_MAX frames, or broken
					 * by another frame */
	TLSI_EV_HTTP2_HEADER,		/* malformed field (CR, LF or NUL in it,
					 * upper case name): sanitised */
	TLSI_EV_HTTP2_HDR_TOO_LONG,	/* decoded head beyond TLSI_HTTP_HDR_MAX:
					 * cut */
	TLSI_EV_HTTP2_STREAMS,		/* more than TLSI_H2_STREAMS open
					 * streams: the rest are not tracked */
	TLSI_EV_XBITS_FULL,		/* an xbit not set: its TLSI_XBITS_PROBE
					 * slots hold other unexpired bits */
	/* TLS handshakes seen in the clear (tls.c) */
	TLSI_EV_TLS_MALFORMED,		/* a hello that is not TLS's: the
					 * direction is not fingerprinted */
	TLSI_EV_TLS_HELLO_TOO_LONG,	/* a hello beyond the raw window (or
					 * TLSI_TLS_MSG_MAX): not fingerprinted */
	TLSI_EV_FLOWINT_FULL,		/* a flowint not stored: the flow holds
					 * TLSI_ENG_FLOWINTS others */
	TLSI_EV_WINDOW,			/* a rule waiting for more of a stream
					 * given up: the chunk of its anchor
					 * left the TLSI_ENG_WINDOW window */
	TLSI_EV_MAX
};
/* events are bits of a 32-bit word (struct tlsi_eng_flow.events) */
_Static_assert(TLSI_EV_MAX <= 32, "enum tlsi_eng_event");

struct tlsi_eng_alert {
	uint32_t rule;			/* index in the image */
	const struct tlsi_img_rule *r;
	uint8_t dir;			/* enum tlsi_img_dir of the data */
	uint8_t buf;			/* buffer whose inspection matched */
	uint8_t action;			/* enum tlsi_action */
	uint64_t stream_off;		/* bytes of the direction before this chunk */
	uint32_t tx;			/* HTTP or DNS message number (1..) or 0 */
};

struct tlsi_eng_flow;

struct tlsi_eng_cfg {
	uint64_t depth;			/* bytes inspected per direction, 0 = all;
					 * beyond it the direction is forwarded
					 * uninspected (TLSI_EV_DEPTH once) */
	uint64_t body_depth;		/* bytes of each HTTP body inspected,
					 * 0 = all; beyond it the body is
					 * skipped, headers of later messages
					 * are still inspected */
	void (*alert)(void *arg, struct tlsi_eng_flow *f,
		      const struct tlsi_eng_alert *a);
	void (*event)(void *arg, struct tlsi_eng_flow *f,
		      enum tlsi_eng_event ev, uint8_t dir);
	void *arg;
	uint8_t http2_block;		/* an HTTP/2 anomaly that ends decoding
					 * also makes the verdict DROP */
};

/* ---- the engine ------------------------------------------------------------ */

struct tlsi_eng_thresh {		/* one threshold tracking slot */
	uint32_t rule;			/* index + 1; 0 = free */
	uint32_t count;
	uint64_t start_ms;
	uint8_t addr[16];
};

struct tlsi_eng_xbit {			/* one xbit that is set */
	uint32_t bit;			/* number + 1; 0 = free */
	uint8_t track;			/* enum tlsi_xbits_track */
	uint8_t reserved[3];
	uint64_t expire_ms;		/* ctx now_ms after which it is unset */
	uint8_t addr[32];		/* ip_src/ip_dst: 16 bytes; ip_pair:
					 * the lower address first */
};
#define TLSI_XBITS_PROBE	8	/* slots tried from an xbit's hash */

struct tlsi_eng {
	const uint8_t *img;
	size_t len;
	uint32_t id;			/* image CRC: flows bound to another id reset */
	uint32_t nrules, ninsns, nflowbits;
	uint32_t ntcp_pkt;		/* TCP packet rules: hosts give
					 * tlsi_eng_datagram() TCP packets only
					 * when there are some */
	const struct tlsi_img_hdr *hdr;
	const struct tlsi_img_rule *rules;
	const struct tlsi_img_insn *insns;
	const uint8_t *strtab, *bytes;
	const struct tlsi_img_addr *addrs;
	const struct tlsi_img_port *ports;
	const struct tlsi_img_var *vars;
	const struct tlsi_img_trigger *trig;
	const uint32_t *ruleidx;
	const struct tlsi_img_pattern *pats;
	struct tlsi_mpm mpm[TLSI_DIRS][TLSI_BUF_MAX];
	uint8_t has_mpm[TLSI_DIRS][TLSI_BUF_MAX];
	/* caller-provided, optional */
	uint64_t *hits;			/* nrules counters */
	struct tlsi_eng_thresh *thresh;	/* nthresh slots, a power of two */
	uint32_t nthresh;
	tlsi_eng_lock_t thresh_lock;
	struct tlsi_eng_xbit *xbits;	/* nxbits slots, a power of two */
	uint32_t nxbits;
	tlsi_eng_lock_t xbits_lock;
};

/*
 * Validate img (len bytes, 8-byte aligned, kept alive and unchanged by the
 * caller while e is used) and set e up. hits and thresh are NULL until the
 * caller sets them. Returns 0 or -1 with the reason in err.
 */
int tlsi_eng_init(struct tlsi_eng *e, const void *img, size_t len, char *err,
		  size_t errlen);

/* A string of the image (not NUL-terminated). */
static inline const char *tlsi_eng_str(const struct tlsi_eng *e,
				       const struct tlsi_img_str *s, uint32_t *len)
{
	*len = le32v(s->len);
	return (const char *)e->strtab + le32v(s->off);
}

/* ---- per-call working memory --------------------------------------------------- */

enum { TLSI_VIEW_ABSENT, TLSI_VIEW_LATER, TLSI_VIEW_PRESENT };

/* A buffer as the evaluator sees it. */
struct tlsi_eng_view {
	const uint8_t *p;
	uint32_t len;			/* bytes at p */
	uint8_t state;			/* TLSI_VIEW_* */
	uint8_t final;			/* nothing follows p[len - 1] */
	uint64_t base;			/* offset of p[0] in the buffer */
};

struct tlsi_eng_frame {
	int64_t dp_in;			/* detection pointer before the insn */
	int64_t last;			/* where the content last matched */
	int64_t retry;			/* search again from here, or -1 */
};

#define TLSI_HTTP_FIELDS_MAX	128	/* header fields looked at per message */

struct tlsi_http_field {
	const uint8_t *name, *val;
	uint16_t nlen, vlen;
};

struct tlsi_eng_scratch {
	struct tlsi_eng_view views[TLSI_BUF_MAX];
	struct tlsi_http_field fields[TLSI_HTTP_FIELDS_MAX];
	struct tlsi_eng_frame frames[TLSI_IMG_GROUP_MAX + 1];
	uint32_t ncand;
	uint32_t cand[TLSI_ENG_CAND_MAX];
	uint8_t stream[TLSI_ENG_WINDOW + TLSI_ENG_PIECE];
	uint8_t derived[TLSI_HTTP_DERIVED_MAX + 64];
	uint8_t tls_msg[TLSI_TLS_MSG_MAX];	/* a hello, records removed */
	char tls_fp[TLSI_TLS_FP_MAX];		/* its JA3 or JA3S text */
	uint16_t tls_work[TLSI_TLS_MSG_MAX / 2]; /* JA4's sorted lists */
	char tls_ja4[TLSI_JA4_LEN];		/* the ClientHello's JA4 */
	struct tlsi_re_scratch re;	/* the pcre matcher's thread lists */
	uint8_t b64[TLSI_ENG_B64_MAX];	/* base64_decode's output */
	uint8_t candbits[];		/* nrules bits */
};

size_t tlsi_eng_scratch_size(const struct tlsi_eng *e);

/* ---- flows ----------------------------------------------------------------------- */

/* A flowint variable of a flow (set: 1 when in use). */
#define TLSI_ENG_FLOWINTS	8	/* variables per flow */
struct tlsi_eng_flowint {
	uint16_t var;			/* the name's number */
	uint16_t set;
	uint32_t val;
};

struct tlsi_eng_pending {
	uint32_t rule;
	uint8_t anchored;		/* triggered by this stream: expires when
					 * its trigger leaves the window */
	uint64_t since;			/* stream offset when it began waiting */
};

/* One stream buffer (RAW or BODY) of one direction. */
struct tlsi_eng_stream {
	uint64_t off;			/* bytes seen */
	uint32_t mpm_state;
	uint16_t win_len;
	uint8_t npend, nfired;
	struct tlsi_eng_pending pend[TLSI_ENG_PENDING];
	uint32_t fired[TLSI_ENG_FIRED];
	uint8_t win[TLSI_ENG_WINDOW];	/* the last win_len bytes */
};

/* HTTP/1.x decoder state of one direction. */
struct tlsi_http_dir {
	uint8_t state;			/* enum in http.c */
	uint8_t body_kind;		/* none, length, chunked, until close */
	uint8_t chunk_state;
	uint8_t line_len;		/* chunk size line bytes in line[] */
	uint16_t hdr_len;		/* bytes in hdr[] */
	uint8_t hdr_full;		/* hdr[] overflowed: skipping to CRLFCRLF */
	uint8_t eoh;			/* CR/LF run while looking for the end */
	uint8_t connect;		/* a CONNECT awaits its response */
	uint8_t reserved[3];
	uint32_t tx;			/* messages started in this direction */
	uint32_t app_events;		/* enum tlsi_app_event bits the decoder
					 * raised on the current message (its
					 * head), for app-layer-event */
	uint64_t left;			/* body or chunk bytes still to come */
	uint64_t body_seen;		/* body bytes of this message */
	char line[24];
	uint8_t hdr[TLSI_HTTP_HDR_MAX];
};

/* Line-based mail protocol state (SMTP, IMAP, POP3) of one direction. */
struct tlsi_mail_dir {
	uint8_t data;			/* SMTP: inside DATA */
	uint8_t bol;			/* at the beginning of a line */
	uint8_t dot;			/* "\r\n." seen: end marker progress */
	uint8_t reserved;
	uint32_t lines;
};

/*
 * DNS over TCP request decoder (dns.c): two-byte length prefix, header,
 * questions; the rest of each message is skipped. Only the client's
 * direction is decoded (dns.query is about questions), so a flow has one.
 */
#define TLSI_DNS_NAME_MAX	255	/* wire bytes of a name (RFC 1035 2.3.4) */

struct tlsi_dns_req {
	uint8_t state;			/* enum in dns.c */
	uint8_t pos;			/* length prefix / header bytes read */
	uint8_t label_left;		/* bytes of the current label to come */
	uint8_t tail_left;		/* QTYPE and QCLASS bytes to come */
	uint16_t msg_left;		/* bytes of the current message to come */
	uint16_t qd_left;		/* questions of the message to come */
	uint16_t name_len;		/* dotted name bytes in name[1..] */
	uint16_t wire_len;		/* bytes of the name on the wire so far */
	uint8_t flags[2];		/* header flags of the current message */
	uint8_t qdcount[2];
	uint32_t tx;			/* messages started */
	uint8_t datagram;		/* DNS over UDP: each chunk of the client
					 * is one message, without a length prefix */
	uint8_t name[1 + TLSI_DNS_NAME_MAX]; /* "." then the dotted name */
};

struct tlsi_eng_dir {
	uint64_t seen;			/* payload bytes of this direction */
	uint32_t chunk;			/* length of the current chunk (dsize) */
	uint8_t done;			/* depth reached or eof */
	uint8_t pkts;			/* datagrams seen (tlsi_eng_datagram()),
					 * saturating at 255 */
	uint8_t tls_hello;		/* tls.c: the hello of this direction
					 * was fingerprinted or given up */
	uint8_t reserved;
	uint16_t tls_version;		/* tls.version of this direction (as
					 * Suricata: the ClientHello's legacy
					 * version; the ServerHello's, or the
					 * one its supported_versions selects);
					 * 0: no hello seen */
	struct tlsi_eng_stream raw, body;
	struct tlsi_http_dir http;
	struct tlsi_mail_dir mail;
};

/* struct tlsi_eng_flow.detect */
enum { TLSI_DETECT_NONE, TLSI_DETECT_SAW_220, TLSI_DETECT_DONE };

/* struct tlsi_eng_flow.apps: what the flow has been recognised as */
#define TLSI_APPS(app)		(1u << (app))

struct tlsi_eng_flow {
	uint32_t eng_id;		/* image the state belongs to */
	uint16_t apps;			/* TLSI_APPS() bits */
	uint8_t passed;			/* a pass rule matched */
	uint8_t verdict;		/* enum tlsi_eng_verdict so far */
	uint32_t events;		/* enum tlsi_eng_event bits reported */
	uint8_t caddr[16], saddr[16];	/* client and server, IPv4-mapped */
	uint16_t cport, sport;		/* host order */
	uint8_t detect;			/* TLSI_DETECT_* */
	uint8_t headq_len;		/* requests awaiting a response */
	uint8_t headq_pos;
	uint8_t decoder;		/* row of tlsi_eng_decoders + 1, 0: none */
	uint8_t raw_only;		/* tlsi_eng_set_raw_only(): no decoder */
	uint32_t headq;			/* bit per awaited response: HEAD */
	uint8_t dlen[TLSI_DIRS];	/* first bytes kept for detection */
	uint8_t dbuf[TLSI_DIRS][16];
	uint8_t flowbits[TLSI_IMG_FLOWBITS_MAX / 8];
	struct tlsi_eng_flowint flowints[TLSI_ENG_FLOWINTS];
	struct tlsi_eng_dir dir[TLSI_DIRS];
	/* Framing state that owes nothing to the rules: kept when the flow
	 * meets a new image (from here to the end of the struct). */
	struct tlsi_dns_req dns;	/* the client's DNS queries */
	struct tlsi_h2 h2;		/* HTTP/2 frames and HPACK tables */
};

/*
 * Did the decoder raise app-layer event ev (enum tlsi_app_event) on the
 * current message? Request events are the latest request's, whichever
 * direction is being inspected (Suricata keeps them on the transaction).
 */
int tlsi_eng_app_event(const struct tlsi_eng_flow *f, unsigned int dir, unsigned int ev);

/* Is f decoded as HTTP/2 (its alerts name app_proto "http2")? */
static inline int tlsi_eng_is_http2(const struct tlsi_eng_flow *f)
{
	return f->h2.state == TLSI_H2_ON || f->h2.state == TLSI_H2_DEAD;
}

/* The per-connection memory, for documentation and tests. */
#define TLSI_ENG_FLOW_SIZE	sizeof(struct tlsi_eng_flow)

/*
 * A connection from client caddr:cport to server saddr:sport; addresses
 * are 16 bytes (IPv4 as ::ffff:a.b.c.d, see tlsi_eng_addr4()).
 */
void tlsi_eng_flow_init(struct tlsi_eng_flow *f, const uint8_t caddr[16],
			uint16_t cport, const uint8_t saddr[16], uint16_t sport);

/* An IPv4 address (network byte order bytes a.b.c.d) as 16 bytes. */
static inline void tlsi_eng_addr4(uint8_t out[16], const uint8_t v4[4])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/* ---- inspection -------------------------------------------------------------------- */

struct tlsi_eng_pkt;

struct tlsi_eng_ctx {
	const struct tlsi_eng *eng;
	struct tlsi_eng_scratch *s;
	const struct tlsi_eng_cfg *cfg;
	uint64_t now_ms;		/* for thresholds */
	const struct tlsi_eng_pkt *pkt;	/* set by tlsi_eng_datagram() for
					 * its call; NULL otherwise */
};

/*
 * Inspect the next len bytes of direction dir of flow f. Returns the
 * flow's verdict so far (sticky: once DROP, always DROP).
 */
enum tlsi_eng_verdict tlsi_eng_inspect(struct tlsi_eng_ctx *c,
				       struct tlsi_eng_flow *f, unsigned int dir,
				       const uint8_t *data, size_t len);

/* The direction ended (FIN): bodies delimited by close end here. */
enum tlsi_eng_verdict tlsi_eng_eof(struct tlsi_eng_ctx *c,
				   struct tlsi_eng_flow *f, unsigned int dir);

/* What an intercepting proxy knows about the TLS session. */
struct tlsi_eng_tls_info {
	const uint8_t *sni;		/* server name from the ClientHello */
	uint32_t sni_len;
	const uint8_t *subject, *issuer, *serial; /* server leaf, as text */
	uint32_t subject_len, issuer_len, serial_len;
	const uint8_t *const *certs;	/* DER of each certificate of the chain */
	const uint32_t *cert_lens;
	uint32_t ncerts;
	const uint8_t *client_hello;	/* the ClientHello handshake message
					 * (type, length, body), for ja3.*;
					 * NULL = not known */
	uint32_t client_hello_len;
};

/* Mark f as TLS and match tls.* rules (to_server: sni; to_client: certs). */
enum tlsi_eng_verdict tlsi_eng_tls(struct tlsi_eng_ctx *c,
				   struct tlsi_eng_flow *f,
				   const struct tlsi_eng_tls_info *ti);

/*
 * One datagram or packet that is not part of a TCP stream: a UDP datagram,
 * an ICMP or ICMPv6 message, or any other IP protocol. The flow gives the
 * addresses and ports (0 for protocols without ports) and the direction:
 * the client is whoever sent the flow's first packet, as in Suricata.
 */
struct tlsi_eng_pkt {
	uint8_t proto;			/* IPv4 protocol / IPv6 next header
					 * (after extension headers):
					 * 17 UDP, 1 ICMP, 58 ICMPv6, ... */
	uint8_t ttl;			/* IPv4 TTL / IPv6 hop limit */
	uint8_t icmp_type, icmp_code;	/* ICMP and ICMPv6 */
	uint8_t tcp_flags;		/* TCP: the header's flags byte */
	uint8_t established;		/* TCP: the connection was established
					 * before this packet (Suricata's
					 * FLOW_PKT_ESTABLISHED: from the
					 * packet after the handshake's ACK,
					 * or that ACK if it carries data) */
	const uint8_t *payload;		/* UDP: after the 8-byte header; ICMP:
					 * after the 8-byte ICMP header; TCP:
					 * after the TCP header; other
					 * protocols: after the IP header */
	uint32_t len;			/* payload bytes (dsize) */
};

#define TLSI_PROTO_ICMP		1
#define TLSI_PROTO_TCP		6
#define TLSI_PROTO_UDP		17
#define TLSI_PROTO_ICMPV6	58

/*
 * Match the udp, icmp and ip rules against packet p of direction dir of
 * flow f: header fields (itype, icode, ip_proto, ttl, dsize), flowbits
 * and payload keywords on the packet's payload alone (nothing is carried
 * over from earlier packets but flowbits and thresholds). The flow's
 * verdict so far is returned, as by tlsi_eng_inspect(); for protocols
 * without flows, give each packet a freshly initialised f. A TCP packet
 * (p->proto 6) is matched against the TCP packet rules only (flags,
 * flow:no_stream, not_established); ip rules see TCP as streams.
 */
enum tlsi_eng_verdict tlsi_eng_datagram(struct tlsi_eng_ctx *c,
					struct tlsi_eng_flow *f, unsigned int dir,
					const struct tlsi_eng_pkt *p);

/* Force the application protocol (e.g. HTTP on a port known to carry it). */
void tlsi_eng_set_app(struct tlsi_eng_flow *f, enum tlsi_app app);

/* No application decoder for f (a proxy's "other" service): only the
 * raw-stream ("tcp") rules see its data. */
void tlsi_eng_set_raw_only(struct tlsi_eng_flow *f);

/* f is a UDP flow: each chunk given to tlsi_eng_data() is one datagram
 * (DNS is then recognised and decoded without TCP's length prefix). */
void tlsi_eng_set_datagram(struct tlsi_eng_flow *f);

/* ---- internal: shared by engine.c, http.c, mail.c, dns.c and eval.c ---------------- */

enum { TLSI_EV_NOMATCH, TLSI_EV_MATCH, TLSI_EV_MORE };

/* Evaluate rule ri with c->s->views; *more_buf gets the stream it waits for. */
int tlsi_eval_rule(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, uint32_t ri, unsigned int *more_buf);

/* Feed stream buffer buf (RAW or BODY) of dir; views other than buf's are
 * taken from c->s->views as they are. final: no more data follows. */
void tlsi_eng_stream(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, unsigned int buf, const uint8_t *data,
		     size_t len, int final);

/* Match the header-like views now in c->s->views (HTTP headers, TLS):
 * buffers in [first, last] are scanned; stream views must be set. */
void tlsi_eng_unit(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, unsigned int first, unsigned int last);

void tlsi_eng_report(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     enum tlsi_eng_event ev, unsigned int dir);

/* RAW view for decoded units: the raw stream's window (what payload
 * keywords of HTTP rules see). */
void tlsi_eng_raw_view(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		       unsigned int dir);

/* xbits (engine.c): is bit `in' set for the data of dir now; apply the
 * SET/UNSET/TOGGLE of rule r after a match. */
int tlsi_eng_xbits_test(struct tlsi_eng_ctx *c, const struct tlsi_eng_flow *f,
			unsigned int dir, const struct tlsi_img_insn *in);

/* Clear every view to ABSENT. */
void tlsi_eng_views_reset(struct tlsi_eng_scratch *s);

/*
 * The application decoders, in detection order. A decoder is one file and
 * one row here (engine.c): detect() looks at the first bytes of a direction
 * (f->dbuf, up to 16) and says 1 (this protocol: it sets the app bits of
 * f->apps it stands for), 0 (not this) or -1 (not known yet); feed() gets
 * each chunk of a direction once chosen; the rest are optional.
 */
struct tlsi_eng_decoder {
	const char *name;
	uint16_t forced;		/* TLSI_APPS() bits that choose this
					 * decoder without detection
					 * (tlsi_eng_set_app()) */
	uint8_t keeps_heads;		/* its framing state includes
					 * f->dir[].http (HTTP/2 assembles
					 * header blocks there): kept across
					 * rule reloads */
	int (*detect)(struct tlsi_eng_flow *f, unsigned int dir,
		      const uint8_t *p, size_t n);
	void (*feed)(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, const uint8_t *p, size_t n);
	/* the direction ended */
	void (*eof)(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir);
	/* header views of dir's current message, for body rules */
	void (*views)(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir);
	/* bytes of dir while no decoder is chosen yet */
	void (*undecided)(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			  unsigned int dir, const uint8_t *p, size_t n);
};

extern const struct tlsi_eng_decoder tlsi_eng_decoders[];
extern const unsigned int tlsi_eng_ndecoders;

/* http.c */
void tlsi_http_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len);
void tlsi_http_eof(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir);
/* Rebuild the header views of the current message of dir (for body rules). */
void tlsi_http_views(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir);
int tlsi_http_detect(unsigned int dir, const uint8_t *data, size_t len);
/* For HTTP/2: the head already in f->dir[dir].http.hdr (rebuilt as
 * HTTP/1 text) as one unit; body: a body follows (BODY stream data through
 * tlsi_http_body(), ended by tlsi_http_body_end()). */
void tlsi_http_head_unit(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			 unsigned int dir, int body);
void tlsi_http_body(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len);
void tlsi_http_body_end(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			unsigned int dir);

/* http2.c */
int tlsi_http2_detect(struct tlsi_eng_flow *f, unsigned int dir,
		      const uint8_t *data, size_t len);
void tlsi_http2_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, const uint8_t *data, size_t len);
void tlsi_http2_eof(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir);
void tlsi_http2_views(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir);
void tlsi_http2_undecided(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			  unsigned int dir, const uint8_t *data, size_t len);

/* mail.c */
void tlsi_mail_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len);
int tlsi_mail_detect(struct tlsi_eng_flow *f, unsigned int dir,
		     const uint8_t *data, size_t len);

/* dns.c */
void tlsi_dns_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, const uint8_t *data, size_t len);
int tlsi_dns_detect(unsigned int dir, const uint8_t *data, size_t len);

/* tls.c */
struct tlsi_tls_hello {
	uint8_t client;			/* ClientHello (JA3), else ServerHello */
	uint16_t version;		/* legacy_version */
	uint16_t selected;		/* ServerHello: supported_versions, 0 */
	const uint8_t *sni;		/* the first host_name, in the message */
	uint16_t sni_len;
	uint32_t fp_len;		/* JA3 or JA3S text in the caller's buffer */
	char hash[32];			/* its MD5, lower-case hex */
};
/* The TLS buffers a ClientHello's unit scans (tls.sni, ja3.*, ja4.hash), and a
 * ServerHello's (ja3s.*, then the certificate fields). */
#define TLSI_TLS_UNIT_CLIENT_FIRST	TLSI_BUF_TLS_SNI
#define TLSI_TLS_UNIT_CLIENT_LAST	TLSI_BUF_TLS_JA4_HASH
#define TLSI_TLS_UNIT_SERVER_FIRST	TLSI_BUF_TLS_JA3S_HASH
#define TLSI_TLS_UNIT_SERVER_LAST	TLSI_BUF_TLS_JA3S_STRING

/* MD5 of n bytes at p, as 32 lower-case hex digits (no NUL). */
void tlsi_md5_hex(const void *p, size_t n, char out[32]);
/*
 * Parse handshake message msg (type, 24-bit length, body: a ClientHello
 * or ServerHello) into h and its JA3/JA3S text into fp (cap bytes).
 * Returns 0, -1 if malformed, -2 if the text does not fit.
 */
int tlsi_tls_hello(const uint8_t *msg, size_t len, char *fp, size_t cap,
		   struct tlsi_tls_hello *h);
/*
 * The first handshake message of a TLS stream that starts at p (n bytes),
 * its record headers taken off, into out (cap bytes): its length, 0 while
 * incomplete, -1 if not TLS handshake records, -2 if longer than cap, -3
 * if the stream opens with another record type (alert, ...).
 */
long tlsi_tls_first_message(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
/*
 * JA4 (FoxIO's, as Suricata 7 computes it) of ClientHello message msg
 * into out: 36 characters, no NUL. work holds nwork items (len / 2 always
 * suffice). Returns 0, or -1 if msg is not a well-formed ClientHello.
 */
int tlsi_tls_ja4(const uint8_t *msg, size_t len, uint16_t *work, size_t nwork,
		 char out[TLSI_JA4_LEN]);
/* SHA-256 of n bytes at p, as 64 lower-case hex digits (no NUL). */
void tlsi_sha256_hex(const void *p, size_t n, char out[64]);
/* Set the ja3.* (or ja3s.*) views of h, whose text is in s->tls_fp, and
 * for a ClientHello (message msg, len bytes) the ja4.hash view. */
void tlsi_tls_views(struct tlsi_eng_scratch *s, const struct tlsi_tls_hello *h,
		    const uint8_t *msg, size_t len);
int tlsi_tls_detect(struct tlsi_eng_flow *f, unsigned int dir,
		    const uint8_t *p, size_t n);
void tlsi_tls_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, const uint8_t *p, size_t n);

#endif /* TLSI_ENGINE_H */
