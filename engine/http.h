/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP/1.x pieces that tests and tools use directly; the stream decoder
 * itself is driven through engine.h.
 */
#ifndef TLSI_HTTP_H
#define TLSI_HTTP_H

#include "compat.h"

/* What normalisation undid (flags of tlsi_http_normalize_path()). */
#define TLSI_URI_PCT		0x01	/* %XX */
#define TLSI_URI_DOUBLE		0x02	/* %25XX decoded twice */
#define TLSI_URI_U		0x04	/* %uXXXX */
#define TLSI_URI_OVERLONG	0x08	/* overlong UTF-8 (C0 AE = '.') */
#define TLSI_URI_FULLWIDTH	0x10	/* U+FF01..FF5E best-fit to ASCII */
#define TLSI_URI_BACKSLASH	0x20
#define TLSI_URI_DOTS		0x40	/* "/./", "/../" */
#define TLSI_URI_SLASHES	0x80	/* "//" */
#define TLSI_URI_EVASION	(TLSI_URI_DOUBLE | TLSI_URI_U | TLSI_URI_OVERLONG | \
				 TLSI_URI_FULLWIDTH)

/*
 * The http.uri form of a request target: for an absolute target
 * ("http://host/p") only the path and query are kept; the path is
 * percent-decoded (twice when "%25" produced new escapes), %uXXXX and
 * overlong or full-width UTF-8 are turned into ASCII, '\' becomes '/',
 * "." and ".." segments are resolved (never above the root) and repeated
 * slashes are folded; the query ("?...") is kept as sent. Writes at most
 * len bytes to out (never more than the input needs) and returns the
 * length; *flags gets TLSI_URI_* bits.
 */
uint32_t tlsi_http_normalize_uri(const uint8_t *in, uint32_t len, uint8_t *out,
				 uint32_t *flags);

/* The request method names recognised when detecting HTTP. */
int tlsi_http_is_method(const uint8_t *p, size_t len);

#endif /* TLSI_HTTP_H */
