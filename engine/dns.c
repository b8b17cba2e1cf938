// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TCP (RFC 1035 4.2.2), DNS over TLS (RFC 7858: the same
 * framing inside the decrypted stream) and DNS over UDP (a datagram is a
 * message, no length prefix: tlsi_eng_set_datagram()): recognition from the client's
 * first bytes, and a streaming decoder of the client's queries that hands
 * each question's name to the engine as dns.query, as Suricata presents
 * it: labels as sent joined with '.', no trailing dot, the root empty.
 *
 * The decoder works a byte (or a run of bytes) at a time, so messages may
 * be cut anywhere between chunks and several may share a chunk; its state
 * is struct tlsi_dns_req. Everything after the questions (answers,
 * authority, additional records) is skipped, and so are messages with
 * QR set. Responses are not decoded: dns.query is request-only, and raw
 * payload rules see both directions anyway. A malformed query raises
 * TLSI_EV_DNS_MALFORMED and stops the decoding of the direction; the raw
 * stream is still inspected.
 */
#include "compat.h"
#include "engine.h"

enum {
	D_LEN,			/* the two-byte length prefix */
	D_HEADER,		/* the 12-byte header */
	D_LABEL_LEN,		/* a length octet of a question's name */
	D_LABEL,		/* label bytes */
	D_QTAIL,		/* QTYPE and QCLASS */
	D_SKIP,			/* the rest of the message */
	D_ERROR,		/* malformed: no more decoding */
};

#define DNS_HDR_LEN		12
#define DNS_QUESTION_MIN	5	/* root name + QTYPE + QCLASS */
#define DNS_LABEL_MAX		63
#define DNS_QR			0x80	/* flags[0]: a response */

/* Recognition: counts a client's query may plausibly carry. */
#define DNS_DETECT_COUNT_MAX	16

static int opcode_ok(uint8_t flags0)
{
	unsigned int op = (flags0 >> 3) & 0xf;

	/* QUERY, STATUS, NOTIFY, UPDATE (IQUERY is obsolete) */
	return op == 0 || op == 2 || op == 4 || op == 5;
}

/*
 * Does the client's stream start with a DNS query over TCP? 1 yes, 0 no,
 * -1 not known yet. Decided from the first 15 bytes: length prefix (room
 * for a header and a question), header (QR clear, a known opcode, RCODE
 * 0, at least one question and few records of each other kind) and the
 * first name's first length octet. HTTP, TLS records and mail commands
 * fail one of these (TLS: RCODE would be the handshake type, a
 * ClientHello's 1; text protocols: the counts are printable characters).
 */
int tlsi_dns_detect(unsigned int dir, const uint8_t *p, size_t n)
{
	unsigned int len, qd, i;

	if (dir != TLSI_DIR_TO_SERVER)
		return 0;
	if (n >= 2) {
		len = (unsigned int)p[0] << 8 | p[1];
		if (len < DNS_HDR_LEN + DNS_QUESTION_MIN)
			return 0;
	}
	if (n >= 5 && ((p[4] & DNS_QR) || !opcode_ok(p[4])))
		return 0;
	if (n >= 6 && (p[5] & 0x0f))
		return 0;
	if (n >= 8) {
		qd = (unsigned int)p[6] << 8 | p[7];
		len = (unsigned int)p[0] << 8 | p[1];
		if (!qd || qd > DNS_DETECT_COUNT_MAX ||
		    DNS_HDR_LEN + qd * DNS_QUESTION_MIN > len)
			return 0;
	}
	/* ANCOUNT, NSCOUNT, ARCOUNT */
	for (i = 8; i + 2 <= 14 && i + 2 <= n; i += 2)
		if (((unsigned int)p[i] << 8 | p[i + 1]) > DNS_DETECT_COUNT_MAX)
			return 0;
	if (n >= 15 && p[14] > DNS_LABEL_MAX)
		return 0;
	return n >= 15 ? 1 : -1;
}

static void malformed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir)
{
	f->dns.state = D_ERROR;
	tlsi_eng_report(c, f, TLSI_EV_DNS_MALFORMED, dir);
}

static void set_view(struct tlsi_eng_scratch *s, unsigned int b,
		     const uint8_t *p, uint32_t len)
{
	s->views[b].p = p;
	s->views[b].len = len;
	s->views[b].base = 0;
	s->views[b].final = 1;
	s->views[b].state = TLSI_VIEW_PRESENT;
}

/* A question is complete: match its name (with the raw stream's window
 * for payload keywords of the same rules). */
static void question(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir)
{
	struct tlsi_dns_req *q = &f->dns;
	struct tlsi_eng_scratch *s = c->s;

	q->name[0] = '.';
	tlsi_eng_views_reset(s);
	tlsi_eng_raw_view(c, f, dir);
	set_view(s, TLSI_BUF_DNS_QUERY, q->name + 1, q->name_len);
	set_view(s, TLSI_BUF_DNS_QUERY_DOT, q->name, q->name_len + 1u);
	tlsi_eng_unit(c, f, dir, TLSI_BUF_DNS_QUERY, TLSI_BUF_DNS_QUERY_DOT);
}

static void name_start(struct tlsi_dns_req *q)
{
	q->name_len = 0;
	q->wire_len = 0;
	q->state = D_LABEL_LEN;
}

/* The header is complete: decide what to do with the message. */
static void header_done(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			unsigned int dir)
{
	struct tlsi_dns_req *q = &f->dns;
	unsigned int qd = (unsigned int)q->qdcount[0] << 8 | q->qdcount[1];

	if ((q->flags[0] & DNS_QR) || !qd) {
		q->state = D_SKIP;
		return;
	}
	if ((uint32_t)qd * DNS_QUESTION_MIN > q->msg_left) {
		malformed(c, f, dir);	/* qdcount beyond the message */
		return;
	}
	q->qd_left = (uint16_t)qd;
	name_start(q);
}

void tlsi_dns_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		   unsigned int dir, const uint8_t *p, size_t n)
{
	struct tlsi_dns_req *q = &f->dns;
	size_t i = 0, take;
	uint8_t b;

	if (dir != TLSI_DIR_TO_SERVER)
		return;
	for (;;) {
		if (f->passed || q->state == D_ERROR)
			return;
		if (q->state == D_SKIP && !q->msg_left) {
			q->state = D_LEN;
			q->pos = 0;
		}
		/* a question must end inside its message */
		if ((q->state == D_LABEL_LEN || q->state == D_LABEL ||
		     q->state == D_QTAIL) && !q->msg_left) {
			malformed(c, f, dir);
			return;
		}
		if (i == n)
			return;
		switch (q->state) {
		case D_LEN:
			if (q->datagram) {
				/* the rest of the datagram is the message */
				q->msg_left = (uint16_t)TLSI_ENG_MIN(n - i, (size_t)0xffff);
				if (q->msg_left < DNS_HDR_LEN) {
					malformed(c, f, dir);
					return;
				}
				q->tx++;
				q->pos = 0;
				q->state = D_HEADER;
				break;
			}
			if (!q->pos++) {
				q->msg_left = (uint16_t)(p[i++] << 8);
				break;
			}
			q->msg_left |= p[i++];
			if (q->msg_left < DNS_HDR_LEN) {
				malformed(c, f, dir);
				return;
			}
			q->tx++;
			q->pos = 0;
			q->state = D_HEADER;
			break;
		case D_HEADER:
			b = p[i++];
			q->msg_left--;
			if (q->pos == 2 || q->pos == 3)
				q->flags[q->pos - 2] = b;
			else if (q->pos == 4 || q->pos == 5)
				q->qdcount[q->pos - 4] = b;
			if (++q->pos == DNS_HDR_LEN)
				header_done(c, f, dir);
			break;
		case D_LABEL_LEN:
			b = p[i++];
			q->msg_left--;
			q->wire_len++;
			if (!b) {
				q->tail_left = 4;
				q->state = D_QTAIL;
				break;
			}
			/* compression pointers (0xc0) have no place in a
			 * question; 0x40 and 0x80 are not defined */
			if (b > DNS_LABEL_MAX ||
			    q->wire_len + b + 1u > TLSI_DNS_NAME_MAX) {
				malformed(c, f, dir);
				return;
			}
			if (q->name_len)
				q->name[1 + q->name_len++] = '.';
			q->label_left = b;
			q->state = D_LABEL;
			break;
		case D_LABEL:
			take = TLSI_ENG_MIN(n - i, (size_t)q->label_left);
			take = TLSI_ENG_MIN(take, (size_t)q->msg_left);
			/* wire_len bounds name_len: the name fits in name[] */
			memcpy(q->name + 1 + q->name_len, p + i, take);
			q->name_len += (uint16_t)take;
			q->wire_len += (uint16_t)take;
			q->label_left -= (uint8_t)take;
			q->msg_left -= (uint16_t)take;
			i += take;
			if (!q->label_left)
				q->state = D_LABEL_LEN;
			break;
		case D_QTAIL:
			i++;
			q->msg_left--;
			if (--q->tail_left)
				break;
			question(c, f, dir);
			if (--q->qd_left)
				name_start(q);
			else
				q->state = D_SKIP;
			break;
		case D_SKIP:
			take = TLSI_ENG_MIN(n - i, (size_t)q->msg_left);
			q->msg_left -= (uint16_t)take;
			i += take;
			break;
		}
	}
}
