// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/2 decoder (RFC 9113): the client's connection preface, frames of
 * both directions, HPACK header blocks (hpack.c) and each stream's request
 * and response mapped onto the HTTP/1 buffers: a request's or response's
 * pseudo-header fields and fields are rebuilt as HTTP/1 text in the
 * direction's head buffer (struct tlsi_http_dir.hdr, so http.c derives
 * http.method, http.uri, http.host, http.header, ... and alerts read the
 * URL and host from it as for HTTP/1), DATA frames are the body.
 *
 *   request:  "<:method> <:path> HTTP/2\r\nHost: <:authority>\r\n"
 *             then "Name: value\r\n" per field (names in the usual
 *             HTTP/1 capitals, "user-agent" -> "User-Agent"), the cookie
 *             fields joined into one "Cookie: a; b" line, "\r\n"
 *   response: "HTTP/2 <:status>\r\n" and the fields likewise
 *
 * A header block is assembled in that same head buffer (so the flow holds
 * no second 8 KB per direction); its decoded head then replaces it.
 * Blocks without pseudo-header fields (trailers) and PUSH_PROMISE blocks
 * are decoded only to keep the HPACK table in step. One BODY stream per
 * direction: DATA of another stream, or a new block, ends the current
 * body; body rules see the header buffers only when the body belongs to
 * the direction's latest head (interleaved streams get raw and body
 * buffers only).
 *
 * Protocol errors that lose the framing or the HPACK tables end HTTP/2
 * decoding of the flow (TLSI_EV_HTTP2_*; raw inspection goes on, and with
 * cfg.http2_block the verdict becomes DROP).
 */
#include "compat.h"
#include "engine.h"
#include "http2.h"

enum { F_PREFACE, F_HDR, F_DATA_PAD, F_DATA, F_BLOCK, F_SETTINGS, F_SKIP, F_DEAD };

enum {
	T_DATA, T_HEADERS, T_PRIORITY, T_RST_STREAM, T_SETTINGS, T_PUSH_PROMISE,
	T_PING, T_GOAWAY, T_WINDOW_UPDATE, T_CONTINUATION,
};

#define FL_END_STREAM	0x01
#define FL_ACK		0x01
#define FL_END_HEADERS	0x04
#define FL_PADDED	0x08
#define FL_PRIORITY	0x20

#define S_HEADER_TABLE_SIZE	0x1
#define S_MAX_FRAME_SIZE	0x5

static const uint8_t preface[TLSI_H2_PREFACE_LEN + 1] = TLSI_H2_PREFACE;

/* Header blocks are assembled in the direction's HTTP head buffer. */
_Static_assert(TLSI_H2_BLOCK_MAX <= TLSI_HTTP_HDR_MAX, "block buffer");
_Static_assert(2 * TLSI_HTTP_HDR_MAX <= TLSI_ENG_WINDOW + TLSI_ENG_PIECE, "scratch");

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void dir_init(struct tlsi_h2_dir *hd, int with_preface)
{
	memset(hd, 0, __builtin_offsetof(struct tlsi_h2_dir, hpack));
	hd->state = with_preface ? F_PREFACE : F_HDR;
	hd->max_frame = TLSI_H2_FRAME_DEFAULT;
	tlsi_hpack_init(&hd->hpack);
}

/* ---- detection ------------------------------------------------------------------ */

int tlsi_http2_detect(struct tlsi_eng_flow *f, unsigned int dir,
		      const uint8_t *p, size_t n)
{
	struct tlsi_h2 *h2 = &f->h2;

	if (dir != TLSI_DIR_TO_SERVER || !n)
		return 0;
	/* the first 16 bytes decide ("PRI * HTTP/2.0\r\n"); the rest of the
	 * preface is checked by the frame parser */
	if (memcmp(p, preface, TLSI_ENG_MIN(n, (size_t)16)))
		return 0;
	if (n < 16)
		return -1;
	if (h2->state == TLSI_H2_OFF) {
		dir_init(&h2->dir[TLSI_DIR_TO_SERVER], 1);
		dir_init(&h2->dir[TLSI_DIR_TO_CLIENT], 0);
		/* the server spoke first with something else: its frames
		 * cannot be followed */
		if (f->dir[TLSI_DIR_TO_CLIENT].seen)
			h2->dir[TLSI_DIR_TO_CLIENT].state = F_DEAD;
	}
	/* TLSI_H2_TENTATIVE: both directions were set up when the server's
	 * SETTINGS came first; its direction is in step */
	h2->state = TLSI_H2_ON;
	f->apps |= TLSI_APPS(TLSI_APP_HTTP);
	return 1;
}

/* ---- errors ------------------------------------------------------------------------ */

static void body_end(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir)
{
	struct tlsi_h2_dir *hd = &f->h2.dir[dir];

	if (!hd->body_sid)
		return;
	tlsi_http_body_end(c, f, dir);
	hd->body_sid = 0;
}

/* The framing or the tables are lost: stop decoding the flow. */
static void fail(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		 unsigned int dir, enum tlsi_eng_event ev)
{
	struct tlsi_h2 *h2 = &f->h2;

	if (h2->state == TLSI_H2_TENTATIVE) {
		/* not HTTP/2 after all, or not followable: no anomaly yet */
		h2->dir[dir].state = F_DEAD;
		return;
	}
	tlsi_eng_report(c, f, ev, dir);
	h2->state = TLSI_H2_DEAD;
	h2->dir[TLSI_DIR_TO_SERVER].state = F_DEAD;
	h2->dir[TLSI_DIR_TO_CLIENT].state = F_DEAD;
	body_end(c, f, TLSI_DIR_TO_SERVER);
	body_end(c, f, TLSI_DIR_TO_CLIENT);
	if (c->cfg && c->cfg->http2_block && f->verdict != TLSI_ENG_V_REJECT)
		f->verdict = TLSI_ENG_V_DROP;
}

/* ---- streams ------------------------------------------------------------------------ */

static struct tlsi_h2_stream *stream_find(struct tlsi_h2 *h2, uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < TLSI_H2_STREAMS; i++)
		if (h2->streams[i].sid == sid)
			return &h2->streams[i];
	return NULL;
}

static void stream_open(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			uint32_t sid, unsigned int dir)
{
	struct tlsi_h2 *h2 = &f->h2;
	struct tlsi_h2_stream *s = stream_find(h2, sid);

	if (s)
		return;
	s = stream_find(h2, 0);
	if (!s) {
		/* more concurrent streams than tracked: this one is decoded
		 * all the same, only not counted */
		tlsi_eng_report(c, f, TLSI_EV_HTTP2_STREAMS, dir);
		return;
	}
	s->sid = sid;
	s->open[0] = 1;
	s->open[1] = 1;
	h2->nstreams++;
}

static void stream_close(struct tlsi_h2 *h2, uint32_t sid, int dir)
{
	struct tlsi_h2_stream *s = stream_find(h2, sid);

	if (!s)
		return;
	if (dir >= 0)
		s->open[dir] = 0;
	if (dir < 0 || (!s->open[0] && !s->open[1])) {
		s->sid = 0;
		h2->nstreams--;
	}
}

/* ---- header blocks -------------------------------------------------------------------- */

#define PSEUDO_MAX	4096	/* pseudo-header values kept while decoding */
#define COOKIE_MAX	TLSI_HTTP_HDR_MAX

/* Rebuilding one head as HTTP/1 text (see the top of the file). */
struct synth {
	struct tlsi_eng_ctx *c;
	struct tlsi_eng_flow *f;
	unsigned int dir;
	uint8_t *head;			/* TLSI_HTTP_HDR_MAX bytes: the head */
	uint32_t head_len;
	uint8_t kind;			/* 0: no start line (trailers), 1:
					 * request, 2: response */
	uint8_t started;		/* the start line is written */
	uint8_t full;			/* the head was cut */
	uint8_t malformed;
	uint8_t have_authority;
	uint16_t status;
	uint8_t *pseudo;		/* PSEUDO_MAX bytes: the values below */
	uint32_t pseudo_used;
	uint32_t method, path, authority, status_s;	/* offsets in pseudo */
	uint32_t method_len, path_len, authority_len, status_len;
	uint8_t has_method, has_path, has_status;
	uint8_t *cookie;		/* COOKIE_MAX bytes */
	uint32_t cookie_len;
};

static void put(struct synth *y, const void *p, uint32_t n)
{
	/* room is kept for the final CRLF */
	if (y->full || n > TLSI_HTTP_HDR_MAX - 2u - y->head_len) {
		y->full = 1;
		return;
	}
	memcpy(y->head + y->head_len, p, n);
	y->head_len += n;
}

static void puts_(struct synth *y, const char *s)
{
	put(y, s, (uint32_t)strlen(s));
}

static int is(const uint8_t *p, uint32_t n, const char *s)
{
	return n == strlen(s) && !memcmp(p, s, n);
}

static int keep_pseudo(struct synth *y, const uint8_t *v, uint32_t n,
		       uint32_t *off, uint32_t *len)
{
	if (n > PSEUDO_MAX - y->pseudo_used) {
		y->full = 1;
		n = PSEUDO_MAX - y->pseudo_used;
	}
	memcpy(y->pseudo + y->pseudo_used, v, n);
	*off = y->pseudo_used;
	*len = n;
	y->pseudo_used += n;
	return 1;
}

static void start_line(struct synth *y)
{
	if (y->started)
		return;
	y->started = 1;
	if (y->has_method) {
		y->kind = 1;
		put(y, y->pseudo + y->method, y->method_len);
		puts_(y, " ");
		if (y->has_path)
			put(y, y->pseudo + y->path, y->path_len);
		else if (y->have_authority)	/* CONNECT */
			put(y, y->pseudo + y->authority, y->authority_len);
		else
			puts_(y, "*");
		puts_(y, " HTTP/2\r\n");
		if (y->have_authority) {
			puts_(y, "Host: ");
			put(y, y->pseudo + y->authority, y->authority_len);
			puts_(y, "\r\n");
		}
	} else if (y->has_status) {
		y->kind = 2;
		puts_(y, "HTTP/2 ");
		put(y, y->pseudo + y->status_s, y->status_len);
		puts_(y, "\r\n");
	}
}

/* A field value as HTTP/1 text: CR, LF and NUL (malformed in HTTP/2) would
 * make lines of their own; they become spaces. */
static void put_value(struct synth *y, uint8_t *v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == '\r' || v[i] == '\n' || v[i] == 0) {
			v[i] = ' ';
			y->malformed = 1;
		}
	}
	put(y, v, n);
}

static int emit(void *arg, const uint8_t *name, uint32_t nlen,
		const uint8_t *val, uint32_t vlen)
{
	struct synth *y = arg;
	uint8_t *v = (uint8_t *)val;	/* the decoder's buffer, ours now */
	uint32_t i;

	if (nlen && name[0] == ':') {
		if (y->started) {
			y->malformed = 1;	/* pseudo-header after a field */
			return 0;
		}
		if (is(name, nlen, ":method") && !y->has_method)
			y->has_method = keep_pseudo(y, val, vlen, &y->method, &y->method_len);
		else if (is(name, nlen, ":path") && !y->has_path)
			y->has_path = keep_pseudo(y, val, vlen, &y->path, &y->path_len);
		else if (is(name, nlen, ":authority") && !y->have_authority)
			y->have_authority = keep_pseudo(y, val, vlen, &y->authority,
							&y->authority_len);
		else if (is(name, nlen, ":status") && !y->has_status)
			y->has_status = keep_pseudo(y, val, vlen, &y->status_s, &y->status_len);
		return 0;
	}
	if (!y->started)
		start_line(y);
	if (!y->kind)
		return 0;	/* trailers: decoded for the table only */
	if (is(name, nlen, "cookie")) {
		/* RFC 9113 8.2.3: crumbs are joined with "; " */
		if (y->cookie_len && COOKIE_MAX - y->cookie_len >= 2) {
			y->cookie[y->cookie_len++] = ';';
			y->cookie[y->cookie_len++] = ' ';
		}
		if (vlen > COOKIE_MAX - y->cookie_len) {
			vlen = COOKIE_MAX - y->cookie_len;
			y->full = 1;
		}
		memcpy(y->cookie + y->cookie_len, val, vlen);
		y->cookie_len += vlen;
		return 0;
	}
	if (is(name, nlen, "host") && y->have_authority)
		return 0;	/* :authority made the Host line */
	for (i = 0; i < nlen; i++) {
		uint8_t ch = name[i];

		if ((ch >= 'A' && ch <= 'Z') || ch <= ' ' || ch == ':' || ch == 0x7f)
			y->malformed = 1;
		ch = tlsi_lower(ch);
		if (ch == '\r' || ch == '\n' || ch == ':' || ch == 0)
			ch = '_';
		/* HTTP/1 capitals: what rules written for HTTP/1 expect */
		if (i == 0 || name[i - 1] == '-')
			ch = tlsi_upper(ch);
		put(y, &ch, 1);
	}
	puts_(y, ": ");
	put_value(y, v, vlen);
	puts_(y, "\r\n");
	return 0;
}

/*
 * The complete block of the frame's stream hd->sid, in the direction's head
 * buffer (http.hdr, hd->block_len bytes): decoded, and a head rebuilt in
 * its place.
 */
static void block_done(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		       unsigned int dir)
{
	struct tlsi_h2_dir *hd = &f->h2.dir[dir];
	struct tlsi_eng_scratch *s = c->s;
	struct tlsi_http_dir *out = &f->dir[dir].http;
	uint32_t sid = hd->sid;
	int end_stream = hd->block_flags & FL_END_STREAM, body;
	enum tlsi_hpack_err err;
	struct synth y;

	memset(&y, 0, sizeof(y));
	/* scratch while no rule runs: the field being decoded and the head
	 * being rebuilt in stream[], pseudo-header values and cookies in
	 * derived[] */
	y.head = s->stream + TLSI_HTTP_HDR_MAX;
	y.pseudo = s->derived;
	y.cookie = s->derived + PSEUDO_MAX;
	err = tlsi_hpack_decode(&hd->hpack, out->hdr, hd->block_len, s->stream,
				TLSI_HTTP_HDR_MAX,
				hd->block_type == T_PUSH_PROMISE ? NULL : emit, &y);
	if (err) {
		fail(c, f, dir, err == TLSI_HPACK_E_TABLE_SIZE ?
		     TLSI_EV_HTTP2_TABLE_SIZE : TLSI_EV_HTTP2_HPACK);
		return;
	}
	if (hd->block_type == T_PUSH_PROMISE)
		return;		/* the promised request: for the table only */
	start_line(&y);		/* a head of pseudo-header fields only */
	if (y.malformed)
		tlsi_eng_report(c, f, TLSI_EV_HTTP2_HEADER, dir);
	if (!y.kind) {		/* trailers */
		if (end_stream)
			stream_close(&f->h2, sid, (int)dir);
		return;
	}
	if (y.cookie_len) {
		puts_(&y, y.kind == 1 ? "Cookie: " : "Set-Cookie: ");
		put(&y, y.cookie, y.cookie_len);
		puts_(&y, "\r\n");
	}
	/* the final CRLF always fits: put() keeps room for it */
	y.head[y.head_len++] = '\r';
	y.head[y.head_len++] = '\n';
	memcpy(out->hdr, y.head, y.head_len);
	out->hdr_len = (uint16_t)y.head_len;
	out->hdr_full = y.full;
	if (y.full)
		tlsi_eng_report(c, f, TLSI_EV_HTTP2_HDR_TOO_LONG, dir);

	body = !end_stream;
	if (y.kind == 2 && y.status_len == 3 && y.pseudo[y.status_s] == '1')
		body = 0;	/* interim response: the final one follows */
	if (y.kind == 1 && dir == TLSI_DIR_TO_SERVER)
		stream_open(c, f, sid, dir);
	hd->head_sid = sid;
	tlsi_http_head_unit(c, f, dir, body);
	if (body)
		hd->body_sid = sid;
	if (end_stream)
		stream_close(&f->h2, sid, (int)dir);
}

/* ---- frames ------------------------------------------------------------------------- */

static void frame_end(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir)
{
	struct tlsi_h2_dir *hd = &f->h2.dir[dir];

	hd->state = F_HDR;
	switch (hd->type) {
	case T_DATA:
		if (hd->flags & FL_END_STREAM) {
			if (hd->body_sid == hd->sid)
				body_end(c, f, dir);
			stream_close(&f->h2, hd->sid, (int)dir);
		}
		break;
	case T_HEADERS:
	case T_PUSH_PROMISE: {
		uint8_t *p = f->dir[dir].http.hdr;
		uint32_t len = hd->flen, off = 0, pad = 0;

		/* strip the pad length, priority or promised stream, padding */
		if (hd->flags & FL_PADDED) {
			if (!len) {
				fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
				return;
			}
			pad = p[0];
			off = 1;
		}
		if (hd->type == T_HEADERS && (hd->flags & FL_PRIORITY))
			off += 5;
		if (hd->type == T_PUSH_PROMISE)
			off += 4;
		if (off + pad > len) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		memmove(p, p + off, len - off - pad);
		hd->block_len = len - off - pad;
		goto block;
	}
	case T_CONTINUATION:
		hd->block_len = hd->frame_start + hd->flen;
block:
		if (!(hd->flags & FL_END_HEADERS)) {
			hd->block_sid = hd->sid;
			break;
		}
		hd->block_sid = 0;
		block_done(c, f, dir);
		break;
	case T_RST_STREAM:
		if (f->h2.dir[0].body_sid == hd->sid)
			body_end(c, f, 0);
		if (f->h2.dir[1].body_sid == hd->sid)
			body_end(c, f, 1);
		stream_close(&f->h2, hd->sid, -1);
		break;
	}
}

/* A SETTINGS entry from this direction's sender: about what it receives. */
static void setting(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir)
{
	struct tlsi_h2_dir *hd = &f->h2.dir[dir], *peer = &f->h2.dir[dir ^ 1];
	uint32_t id = (uint32_t)hd->tmp[0] << 8 | hd->tmp[1], v = be32(hd->tmp + 2);

	if (id == S_HEADER_TABLE_SIZE) {
		tlsi_hpack_set_limit(&peer->hpack, v);
	} else if (id == S_MAX_FRAME_SIZE) {
		if (v < TLSI_H2_FRAME_DEFAULT || v > TLSI_H2_FRAME_LIMIT) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		peer->max_frame = v;
	}
}

static void frame_begin(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			unsigned int dir)
{
	struct tlsi_h2 *h2 = &f->h2;
	struct tlsi_h2_dir *hd = &h2->dir[dir];
	const uint8_t *fh = hd->fh;
	uint32_t flen;
	uint8_t type;

	hd->flen = flen = (uint32_t)fh[0] << 16 | (uint32_t)fh[1] << 8 | fh[2];
	hd->type = type = fh[3];
	hd->flags = fh[4];
	hd->sid = be32(fh + 5) & 0x7fffffffu;
	hd->fpos = 0;
	hd->fhlen = 0;
	h2->frames++;

	if (h2->state == TLSI_H2_TENTATIVE) {
		/* before the client's preface only the server's connection
		 * frames are believed, SETTINGS first */
		if ((h2->frames == 1 && type != T_SETTINGS) ||
		    (type != T_SETTINGS && type != T_WINDOW_UPDATE &&
		     type != T_PING && type != T_GOAWAY)) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
	}
	if (flen > hd->max_frame) {
		fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
		return;
	}
	/* a header block is only continued by CONTINUATION frames of its
	 * stream (RFC 9113 6.10) */
	if (hd->block_sid ? (type != T_CONTINUATION || hd->sid != hd->block_sid)
			  : type == T_CONTINUATION) {
		fail(c, f, dir, TLSI_EV_HTTP2_CONTINUATION);
		return;
	}
	switch (type) {
	case T_DATA:
		if (!hd->sid) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		if (hd->body_sid != hd->sid) {
			body_end(c, f, dir);
			hd->body_sid = hd->sid;
		}
		if (hd->flags & FL_PADDED) {
			if (!flen) {
				fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
				return;
			}
			hd->state = F_DATA_PAD;
			return;
		}
		hd->data_left = flen;
		hd->state = F_DATA;
		break;
	case T_HEADERS:
	case T_PUSH_PROMISE:
		if (!hd->sid) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		if (flen > TLSI_H2_BLOCK_MAX) {
			fail(c, f, dir, TLSI_EV_HTTP2_CONTINUATION);
			return;
		}
		/* The block is assembled in the direction's head buffer: the
		 * body in progress ends here (trailers follow all of their
		 * stream's DATA; another stream's head replaces the buffer
		 * anyway), and alerts meanwhile show no head. */
		body_end(c, f, dir);
		hd->head_sid = 0;
		f->dir[dir].http.hdr_len = 0;
		f->dir[dir].http.hdr_full = 0;
		hd->block_type = type;
		hd->block_flags = hd->flags;
		hd->block_len = 0;
		hd->frame_start = 0;
		hd->ncont = 0;
		hd->state = F_BLOCK;
		break;
	case T_CONTINUATION:
		if (++hd->ncont > TLSI_H2_CONT_MAX ||
		    flen > TLSI_H2_BLOCK_MAX - hd->block_len) {
			fail(c, f, dir, TLSI_EV_HTTP2_CONTINUATION);
			return;
		}
		hd->frame_start = hd->block_len;
		hd->state = F_BLOCK;
		break;
	case T_SETTINGS:
		if (hd->sid || flen % 6 || ((hd->flags & FL_ACK) && flen)) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		hd->tmp_len = 0;
		hd->state = F_SETTINGS;
		break;
	case T_PRIORITY:
	case T_RST_STREAM:
	case T_PING:
	case T_GOAWAY:
	case T_WINDOW_UPDATE:
		if ((type == T_PRIORITY && (flen != 5 || !hd->sid)) ||
		    (type == T_RST_STREAM && (flen != 4 || !hd->sid)) ||
		    (type == T_PING && (flen != 8 || hd->sid)) ||
		    (type == T_GOAWAY && (flen < 8 || hd->sid)) ||
		    (type == T_WINDOW_UPDATE && flen != 4)) {
			fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
			return;
		}
		hd->state = F_SKIP;
		break;
	default:
		hd->state = F_SKIP;	/* unknown types are ignored (5.5) */
	}
	if (!flen)
		frame_end(c, f, dir);
}

static void feed_dir(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, const uint8_t *p, size_t n)
{
	struct tlsi_h2_dir *hd = &f->h2.dir[dir];
	size_t i = 0, take;

	while (i < n && hd->state != F_DEAD && f->h2.state != TLSI_H2_DEAD &&
	       !f->passed) {
		switch (hd->state) {
		case F_PREFACE:
			if (p[i] != preface[hd->fpos]) {
				fail(c, f, dir, TLSI_EV_HTTP2_PREFACE);
				break;
			}
			i++;
			if (++hd->fpos == TLSI_H2_PREFACE_LEN) {
				hd->fpos = 0;
				hd->state = F_HDR;
			}
			break;
		case F_HDR:
			take = TLSI_ENG_MIN(n - i, (size_t)(9 - hd->fhlen));
			memcpy(hd->fh + hd->fhlen, p + i, take);
			hd->fhlen = (uint8_t)(hd->fhlen + take);
			i += take;
			if (hd->fhlen == 9)
				frame_begin(c, f, dir);
			break;
		case F_DATA_PAD:
			hd->fpos = 1;
			if (p[i] > hd->flen - 1) {
				fail(c, f, dir, TLSI_EV_HTTP2_FRAME);
				break;
			}
			hd->data_left = hd->flen - 1 - p[i++];
			hd->state = F_DATA;
			if (hd->fpos == hd->flen)
				frame_end(c, f, dir);
			break;
		case F_DATA:
			take = TLSI_ENG_MIN(n - i, (size_t)hd->data_left);
			if (take) {
				tlsi_http_body(c, f, dir, p + i, take);
				hd->data_left -= (uint32_t)take;
			} else {	/* padding */
				take = TLSI_ENG_MIN(n - i, (size_t)(hd->flen - hd->fpos));
			}
			hd->fpos += (uint32_t)take;
			i += take;
			if (hd->fpos == hd->flen)
				frame_end(c, f, dir);
			break;
		case F_BLOCK:
			/* frame_begin() checked frame_start + flen fits */
			take = TLSI_ENG_MIN(n - i, (size_t)(hd->flen - hd->fpos));
			memcpy(f->dir[dir].http.hdr + hd->frame_start + hd->fpos, p + i, take);
			hd->fpos += (uint32_t)take;
			i += take;
			if (hd->fpos == hd->flen)
				frame_end(c, f, dir);
			break;
		case F_SETTINGS:
			hd->tmp[hd->tmp_len++] = p[i++];
			hd->fpos++;
			if (hd->tmp_len == 6) {
				hd->tmp_len = 0;
				setting(c, f, dir);
			}
			if (hd->state == F_SETTINGS && hd->fpos == hd->flen)
				frame_end(c, f, dir);
			break;
		default:	/* F_SKIP */
			take = TLSI_ENG_MIN(n - i, (size_t)(hd->flen - hd->fpos));
			hd->fpos += (uint32_t)take;
			i += take;
			if (hd->fpos == hd->flen)
				frame_end(c, f, dir);
		}
	}
}

/* ---- the decoder's entry points ------------------------------------------------------- */

void tlsi_http2_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		     unsigned int dir, const uint8_t *data, size_t len)
{
	if (f->h2.state == TLSI_H2_ON && dir < TLSI_DIRS)
		feed_dir(c, f, dir, data, len);
}

void tlsi_http2_undecided(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			  unsigned int dir, const uint8_t *data, size_t len)
{
	struct tlsi_h2 *h2 = &f->h2;

	if (dir != TLSI_DIR_TO_CLIENT)
		return;
	if (h2->state == TLSI_H2_OFF) {
		/* the server's SETTINGS may come before the client's preface
		 * (TLS with ALPN h2): follow its frames from the first byte */
		if (f->dir[dir].seen || data[0] != 0)
			return;
		dir_init(&h2->dir[TLSI_DIR_TO_SERVER], 1);
		dir_init(&h2->dir[TLSI_DIR_TO_CLIENT], 0);
		h2->state = TLSI_H2_TENTATIVE;
	}
	if (h2->state == TLSI_H2_TENTATIVE)
		feed_dir(c, f, dir, data, len);
}

void tlsi_http2_eof(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir)
{
	if (f->h2.state == TLSI_H2_ON && dir < TLSI_DIRS)
		body_end(c, f, dir);
}

void tlsi_http2_views(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		      unsigned int dir)
{
	const struct tlsi_h2_dir *hd = &f->h2.dir[dir];

	if (hd->head_sid && hd->head_sid == hd->body_sid)
		tlsi_http_views(c, f, dir);
}
