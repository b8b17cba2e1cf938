// SPDX-License-Identifier: GPL-2.0
/*
 * The relay, after both handshakes: plaintext from the client's TLS session
 * to the server's and back, in userspace (v1).
 *
 * Each direction has a buffer of one record's plaintext. A direction reads
 * only when its buffer is empty, so a slow reader stops the writer by TCP's
 * own flow control (backpressure), and memory per session is bounded.
 * Endings are passed on as they came: close_notify as close_notify (then
 * FIN), a bare FIN as a bare FIN, a reset as a reset (the other side gets
 * one too); a TLS error on one side resets the other.
 *
 * tlsid_relay_start() is the one place that decides how a session is
 * relayed: a later version installs the session keys into kTLS on both
 * sockets here and hands them to tlsi.ko, and the session leaves tlsid.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tlsid.h"

enum pump_rc {
	P_BLOCKED,	/* waiting for the socket */
	P_DONE,		/* the source ended and the destination was told */
	P_SRC_RESET,	/* the source's peer reset (or lost) the connection */
	P_DST_RESET,
	P_SRC_ERROR,	/* TLS error on the source */
	P_DST_ERROR,
};

int tlsid_relay_start(struct tlsid_session *s)
{
	/* v1: the userspace relay (tlsid_relay_step) takes it from here. */
	s->last_active = tlsid_now();
	return 0;
}

/* Was the last failed call on ssl the peer's reset? */
static bool is_reset(int e, int err)
{
	return e == SSL_ERROR_SYSCALL && (err == ECONNRESET || err == EPIPE || err == ETIMEDOUT ||
					   err == EHOSTUNREACH);
}

static enum pump_rc pump(SSL *from, SSL *to, int to_fd, struct tlsid_pipe *p, bool *progress)
{
	int n, e;

	for (;;) {
		if (p->len) {
			ERR_clear_error();
			n = SSL_write(to, p->buf + p->off, (int)p->len);
			if (n > 0) {
				p->off += (size_t)n;
				p->len -= (size_t)n;
				p->bytes += (uint64_t)n;
				*progress = true;
				continue;
			}
			e = SSL_get_error(to, n);
			if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
				return P_BLOCKED;
			return e == SSL_ERROR_SYSCALL ? P_DST_RESET : P_DST_ERROR;
		}
		if (p->eof) {
			if (p->eof_sent)
				return P_DONE;
			if (p->close_notify) {
				ERR_clear_error();
				n = SSL_shutdown(to);
				if (n < 0 && SSL_get_error(to, n) == SSL_ERROR_WANT_WRITE)
					return P_BLOCKED;
				ERR_clear_error();	/* a peer gone already: FIN anyway */
			}
			shutdown(to_fd, SHUT_WR);
			p->eof_sent = true;
			*progress = true;
			return P_DONE;
		}
		p->off = 0;
		ERR_clear_error();
		errno = 0;
		n = SSL_read(from, p->buf, sizeof(p->buf));
		if (n > 0) {
			p->len = (size_t)n;
			*progress = true;
			continue;
		}
		e = SSL_get_error(from, n);
		switch (e) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return P_BLOCKED;
		case SSL_ERROR_ZERO_RETURN:
			p->eof = true;
			p->close_notify = true;
			*progress = true;
			continue;
		case SSL_ERROR_SYSCALL:
			if (is_reset(e, errno))
				return P_SRC_RESET;
			if (errno)
				return P_SRC_ERROR;
			p->eof = true;		/* FIN without close_notify */
			*progress = true;
			continue;
		case SSL_ERROR_SSL:
			if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
				ERR_clear_error();
				p->eof = true;
				*progress = true;
				continue;
			}
			return P_SRC_ERROR;
		default:
			return P_SRC_ERROR;
		}
	}
}

/* How the session ends when a direction failed: the side at fault is closed,
 * the other is reset. */
static void fail(struct tlsid_session *s, bool client_side, const char *what)
{
	char err[160];

	tlsid_ssl_errstr(err, sizeof(err));
	if (!s->reason[0] || s->ca == TLSID_CA_UNTRUSTED)
		snprintf(s->reason, sizeof(s->reason), "%s %s%s%s", client_side ? "client" : "server",
			 what, strcmp(err, "unknown error") ? ": " : "",
			 strcmp(err, "unknown error") ? err : "");
	if (client_side) {
		close(s->cfd);
		tlsid_close_reset(s->ufd);
	} else {
		close(s->ufd);
		tlsid_close_reset(s->cfd);
	}
	s->cfd = s->ufd = -1;
}

bool tlsid_relay_step(struct tlsid_session *s)
{
	enum pump_rc up, down = P_BLOCKED;
	bool progress;

	do {
		progress = false;
		up = pump(s->down, s->up, s->ufd, &s->c2s, &progress);
		if (up != P_BLOCKED && up != P_DONE)
			break;
		down = pump(s->up, s->down, s->cfd, &s->s2c, &progress);
		if (down != P_BLOCKED && down != P_DONE) {
			up = P_BLOCKED;
			break;
		}
		if (progress)
			s->last_active = tlsid_now();
		if (up == P_DONE && down == P_DONE)
			return true;	/* both ended cleanly: closed by the caller */
	} while (progress);
	if (up == P_BLOCKED && down == P_BLOCKED && !progress)
		return false;

	/* A failure in one direction ends the session. */
	switch (up != P_BLOCKED && up != P_DONE ? up : down) {
	case P_SRC_RESET:
		tlsid_count(TLSID_C_resets_propagated);
		fail(s, up == P_SRC_RESET, "reset the connection");
		break;
	case P_DST_RESET:
		tlsid_count(TLSID_C_resets_propagated);
		fail(s, up != P_DST_RESET, "reset the connection");
		break;
	case P_SRC_ERROR:
		tlsid_count(TLSID_C_relay_errors);
		fail(s, up == P_SRC_ERROR, "TLS error");
		break;
	case P_DST_ERROR:
		tlsid_count(TLSID_C_relay_errors);
		fail(s, up != P_DST_ERROR, "TLS error");
		break;
	default:
		return false;
	}
	return true;
}
