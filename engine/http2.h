/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP/2 decoder state (http2.c), part of struct tlsi_eng_flow: the frame
 * parser of each direction with its HPACK table (the header block being
 * assembled lives in the direction's HTTP head buffer), and the streams the
 * connection has open. Fixed size, no
 * allocation; see Documentation/engine.md, "HTTP/2".
 */
#ifndef TLSI_HTTP2_H
#define TLSI_HTTP2_H

#include "compat.h"
#include "hpack.h"

#define TLSI_H2_PREFACE		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define TLSI_H2_PREFACE_LEN	24
#define TLSI_H2_BLOCK_MAX	8192	/* encoded header block: HEADERS or
					 * PUSH_PROMISE and its CONTINUATIONs,
					 * assembled in the direction's HTTP
					 * head buffer (TLSI_HTTP_HDR_MAX) */
#define TLSI_H2_CONT_MAX	32	/* CONTINUATION frames per block */
#define TLSI_H2_STREAMS		32	/* open streams tracked per connection */
#define TLSI_H2_FRAME_DEFAULT	16384	/* SETTINGS_MAX_FRAME_SIZE initial */
#define TLSI_H2_FRAME_LIMIT	16777215

/* One direction's frames. */
struct tlsi_h2_dir {
	uint8_t state;			/* enum in http2.c */
	uint8_t fhlen;			/* frame header bytes in fh[] */
	uint8_t type, flags;		/* of the current frame */
	uint8_t fh[9];
	uint8_t tmp_len;		/* bytes of a SETTINGS entry in tmp[] */
	uint8_t tmp[6];
	uint8_t block_flags;		/* HEADERS / PUSH_PROMISE that opened
					 * the block in progress */
	uint8_t block_type;
	uint8_t ncont;			/* its CONTINUATION frames */
	uint8_t reserved;
	uint32_t sid;			/* stream of the current frame */
	uint32_t flen, fpos;		/* payload length, bytes consumed */
	uint32_t data_left;		/* DATA bytes before the padding */
	uint32_t max_frame;		/* largest payload this side may send:
					 * the other side's SETTINGS */
	uint32_t block_sid;		/* stream whose block awaits
					 * CONTINUATION, 0: none */
	uint32_t block_len;		/* bytes of the block in http.hdr */
	uint32_t frame_start;		/* where the current frame's payload
					 * starts there */
	uint32_t body_sid;		/* stream whose DATA the BODY stream
					 * carries now, 0: none */
	uint32_t head_sid;		/* stream of the head in http.hdr */
	struct tlsi_hpack hpack;	/* decodes this direction's blocks */
};

struct tlsi_h2_stream {
	uint32_t sid;			/* 0: free slot */
	uint8_t open[2];		/* per direction: END_STREAM not yet seen */
	uint8_t reserved[2];
};

/* struct tlsi_h2.state */
enum {
	TLSI_H2_OFF,			/* not HTTP/2 (or not known yet) */
	TLSI_H2_TENTATIVE,		/* the server spoke first with a
					 * SETTINGS frame: followed until the
					 * client's preface decides */
	TLSI_H2_ON,			/* the client sent the preface */
	TLSI_H2_DEAD,			/* an anomaly ended decoding */
};

struct tlsi_h2 {
	uint8_t state;			/* TLSI_H2_* */
	uint8_t nstreams;		/* slots in use in streams[] */
	uint8_t reserved[2];
	uint32_t frames;		/* frames parsed, both directions */
	struct tlsi_h2_stream streams[TLSI_H2_STREAMS];
	struct tlsi_h2_dir dir[2];
};

#endif /* TLSI_HTTP2_H */
