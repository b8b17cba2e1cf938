// SPDX-License-Identifier: GPL-2.0
/*
 * After both handshakes: the session goes to tlsi.ko's relay when it can
 * (kTLS on both sockets, then TLSI_IOC_HANDOFF), else tlsid relays the
 * plaintext itself.
 *
 * The hand-off is decided before either socket is touched: both sides
 * negotiated a version and suite kTLS carries (TLS 1.2 or 1.3 with
 * AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305), and OpenSSL holds no
 * bytes it read from a socket but did not use. Setting TCP_ULP "tls"
 * changes nothing yet, so a failure there still leaves the userspace relay;
 * from the first key on, OpenSSL can no longer use the socket, and a
 * failure to install resets both sides rather than relay records nobody
 * can read. A hand-off the kernel refuses (full, say) after the keys are in
 * is relayed here over the kTLS sockets: plaintext in, plaintext out.
 *
 * The userspace relay: each direction has a buffer of one record's
 * plaintext. A direction reads only when its buffer is empty, so a slow
 * reader stops the writer by TCP's own flow control (backpressure), and
 * memory per session is bounded. Endings are passed on as they came:
 * close_notify as close_notify (then FIN), a bare FIN as a bare FIN, a
 * reset as a reset (the other side gets one too); a TLS error on one side
 * resets the other. Each chunk of plaintext read goes through the filter
 * engine (ips.c) before it is written on; a drop or reject rule ends the
 * session as the kernel relay ends it: the server is reset, the client too
 * when the SSL proxy says `reset', else it gets a FIN.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "tlsid.h"

enum pump_rc {
	P_BLOCKED,	/* waiting for the socket */
	P_DONE,		/* the source ended and the destination was told */
	P_SRC_RESET,	/* the source's peer reset (or lost) the connection */
	P_DST_RESET,
	P_SRC_ERROR,	/* TLS error on the source */
	P_DST_ERROR,
	P_BLOCK,	/* the filter engine blocked the session */
};

enum handoff_rc {
	HANDOFF_DONE,		/* the kernel relays it */
	HANDOFF_USERSPACE,	/* both sockets untouched: relay here */
	HANDOFF_KTLS_USERSPACE,	/* refused with kTLS installed: relay here */
	HANDOFF_LOST,		/* keys were set, then it failed: reset */
};

/* Say once that kTLS itself is missing, not every session. */
static atomic_bool ktls_missing_logged;

static enum handoff_rc ktls_handoff(struct tlsid_session *s)
{
	struct tlsid_server_certs certs = { 0 };
	struct tlsid_ktls_keys down, up;
	struct tlsi_ssl_report report;
	enum handoff_rc rc = HANDOFF_USERSPACE;
	bool verify = tlsid_cfg.verbose >= 2;
	const char *what;

	if (!tlsid_dev_ready())
		return HANDOFF_USERSPACE;
	if (!tlsid_ktls_cipher(s->down) || !tlsid_ktls_cipher(s->up)) {
		tlsid_count(TLSID_C_ktls_unsupported_suite);
		return HANDOFF_USERSPACE;
	}
	/* Read-ahead is off, but make sure: bytes OpenSSL holds would be lost. */
	if (SSL_has_pending(s->down) || SSL_has_pending(s->up)) {
		tlsid_count(TLSID_C_ktls_pending_data);
		return HANDOFF_USERSPACE;
	}
	if (tlsid_ktls_derive(s->down, &s->down_secrets, &down) ||
	    tlsid_ktls_derive(s->up, &s->up_secrets, &up)) {
		tlsid_count(TLSID_C_internal_errors);
		tlsid_log_ssl("deriving the kTLS keys (%s, %s)", s->down_cipher, s->up_cipher);
		goto out;
	}
	if (tlsid_ktls_ulp(s->cfd) || tlsid_ktls_ulp(s->ufd)) {
		/* ENOTCONN: a peer closed already. Else kTLS is missing. */
		if (errno != ENOTCONN && !atomic_exchange(&ktls_missing_logged, true))
			tlsid_log_perror("kTLS (TCP_ULP \"tls\"): sessions stay in userspace");
		tlsid_count(TLSID_C_ktls_unavailable);
		goto out;
	}
	rc = HANDOFF_LOST;
	what = "client";
	if (tlsid_ktls_install(s->cfd, s->down, &down, verify))
		goto install_failed;
	what = "server";
	if (tlsid_ktls_install(s->ufd, s->up, &up, verify))
		goto install_failed;
	s->relay = TLSI_RELAY_KERNEL;
	tlsid_session_report(s, &report);
	/* Without them (no memory) tls.cert_* rules just do not match. */
	tlsid_server_certs_get(s->up, &certs);
	if (tlsid_dev_handoff(s->cfd, s->ufd, tlsid_cfg.idle_timeout, &report,
			      s->ch.has_sni ? s->ch.sni : NULL, &certs, s->hello, s->hello_len)) {
		tlsid_count(TLSID_C_handoff_failed);
		tlsid_log_debug("hand-off to tlsi.ko refused (%s): relayed over kTLS here",
				strerror(errno));
		s->relay = TLSI_RELAY_NONE;
		rc = HANDOFF_KTLS_USERSPACE;
		goto out;
	}
	/* The kernel holds its own references now. */
	close(s->cfd);
	close(s->ufd);
	s->cfd = s->ufd = -1;
	rc = HANDOFF_DONE;
	goto out;
install_failed:
	tlsid_count(TLSID_C_ktls_install_failed);
	snprintf(s->reason, sizeof(s->reason), "kTLS install on the %s socket failed: %s",
		 what, strerror(errno));
out:
	tlsid_server_certs_free(&certs);
	OPENSSL_cleanse(&down, sizeof(down));
	OPENSSL_cleanse(&up, sizeof(up));
	OPENSSL_cleanse(&s->down_secrets, sizeof(s->down_secrets));
	OPENSSL_cleanse(&s->up_secrets, sizeof(s->up_secrets));
	return rc;
}

int tlsid_relay_start(struct tlsid_session *s)
{
	s->last_active = tlsid_now();
	switch (ktls_handoff(s)) {
	case HANDOFF_DONE:
		tlsid_count(TLSID_C_handed_off);
		s->state = TLSID_S_DONE;
		return -1;
	case HANDOFF_LOST:
		/* Half-installed kTLS cannot be undone: nothing but a reset. */
		tlsid_log_error("%s", s->reason);
		s->kreason = TLSI_SSL_REASON_INTERNAL;
		tlsid_close_reset(s->cfd);
		tlsid_close_reset(s->ufd);
		s->cfd = s->ufd = -1;
		s->state = TLSID_S_DONE;
		return -1;
	case HANDOFF_KTLS_USERSPACE:
		s->ktls = true;
		break;
	case HANDOFF_USERSPACE:
		break;
	}
	tlsid_count(TLSID_C_userspace_relayed);
	s->relay = TLSI_RELAY_USERSPACE;
	tlsid_ips_start(s);
	return 0;
}

/* Does errno err say the peer reset (or was lost)? */
static bool reset_errno(int err)
{
	return err == ECONNRESET || err == EPIPE || err == ETIMEDOUT || err == EHOSTUNREACH;
}

/* Was the last failed call on ssl the peer's reset? */
static bool is_reset(int e, int err)
{
	return e == SSL_ERROR_SYSCALL && reset_errno(err);
}

/* The engine's direction of pipe p (uapi names, the same values). */
static unsigned int ips_dir(const struct tlsid_session *s, const struct tlsid_pipe *p)
{
	return p == &s->c2s ? TLSI_IPS_DIR_TO_SERVER : TLSI_IPS_DIR_TO_CLIENT;
}

static enum pump_rc pump(struct tlsid_session *s, SSL *from, SSL *to, int to_fd,
			 struct tlsid_pipe *p, bool *progress)
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
			if (tlsid_ips_data(s, ips_dir(s, p), p->buf, (size_t)n))
				return P_BLOCK;
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

#define TLS_CONTENT_ALERT	21
#define TLS_CONTENT_HANDSHAKE	22
#define TLS_CONTENT_DATA	23
#define TLS_HS_NEW_SESSION_TICKET 4

/*
 * pump() over kTLS sockets: the kernel seals and opens the records, and
 * reports the type of those that are not data. Tickets from the server are
 * dropped (nothing here resumes); anything else that is not data or a
 * close_notify (a KeyUpdate, which 6.1 cannot follow; a fatal alert) ends
 * the session as a TLS error.
 */
static enum pump_rc pump_ktls(struct tlsid_session *s, int from, int to, struct tlsid_pipe *p,
			      bool *progress)
{
	uint8_t type;
	ssize_t n;

	for (;;) {
		if (p->len) {
			n = send(to, p->buf + p->off, p->len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				p->off += (size_t)n;
				p->len -= (size_t)n;
				p->bytes += (uint64_t)n;
				*progress = true;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return P_BLOCKED;
			return n < 0 && reset_errno(errno) ? P_DST_RESET : P_DST_ERROR;
		}
		if (p->eof) {
			if (p->eof_sent)
				return P_DONE;
			/* close_notify = warning(1) alert 0; a peer gone already: FIN anyway */
			if (p->close_notify && tlsid_ktls_send_alert(to, 1, 0) && errno == EAGAIN)
				return P_BLOCKED;
			shutdown(to, SHUT_WR);
			p->eof_sent = true;
			*progress = true;
			return P_DONE;
		}
		p->off = 0;
		n = tlsid_ktls_recv(from, p->buf, sizeof(p->buf), &type);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return P_BLOCKED;
			return reset_errno(errno) ? P_SRC_RESET : P_SRC_ERROR;
		}
		*progress = true;
		if (n == 0) {
			p->eof = true;		/* FIN without close_notify */
			continue;
		}
		switch (type) {
		case TLS_CONTENT_DATA:
			if (tlsid_ips_data(s, ips_dir(s, p), p->buf, (size_t)n))
				return P_BLOCK;
			p->len = (size_t)n;
			continue;
		case TLS_CONTENT_ALERT:
			if (n == 2 && p->buf[1] == 0) {
				p->eof = true;
				p->close_notify = true;
				continue;
			}
			return P_SRC_ERROR;
		case TLS_CONTENT_HANDSHAKE:
			if (p->buf[0] == TLS_HS_NEW_SESSION_TICKET)
				continue;
			return P_SRC_ERROR;
		default:
			return P_SRC_ERROR;
		}
	}
}

/* The filter engine blocked the session (ips.c set the reason): as the
 * kernel relay does, the unprotected side (the server of a client proxy, the
 * client of a server proxy) is reset; the protected side too when the proxy
 * says `reset' (the guide's "send TCP reset to client/server for blocked
 * sessions") or a reject rule blocked, else it gets a fatal access_denied
 * alert and a FIN; where OpenSSL holds the keys (it sends no chosen alert),
 * a reset. Never a clean close_notify: the peer must not take the cut
 * session for a whole one. */
static void block(struct tlsid_session *s)
{
	bool server_role = s->pol.role == TLSI_SSL_ROLE_SERVER;
	int protected_fd = server_role ? s->ufd : s->cfd;

	tlsid_close_reset(server_role ? s->cfd : s->ufd);
	if ((s->pol.flags & TLSI_SSL_F_RESET) || tlsid_ips_rejected(s) || !s->ktls) {
		tlsid_close_reset(protected_fd);
	} else {
		tlsid_ktls_send_alert(protected_fd, 2, 49);	/* access_denied */
		shutdown(protected_fd, SHUT_RDWR);
		tlsid_close_graceful(protected_fd);
	}
	s->cfd = s->ufd = -1;
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
		tlsid_close_graceful(s->cfd);
		tlsid_close_reset(s->ufd);
	} else {
		tlsid_close_graceful(s->ufd);
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
		if (s->ktls)
			up = pump_ktls(s, s->cfd, s->ufd, &s->c2s, &progress);
		else
			up = pump(s, s->down, s->up, s->ufd, &s->c2s, &progress);
		if (up != P_BLOCKED && up != P_DONE)
			break;
		if (s->ktls)
			down = pump_ktls(s, s->ufd, s->cfd, &s->s2c, &progress);
		else
			down = pump(s, s->up, s->down, s->cfd, &s->s2c, &progress);
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
	case P_BLOCK:
		block(s);
		break;
	default:
		return false;
	}
	return true;
}
