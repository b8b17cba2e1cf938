// SPDX-License-Identifier: GPL-2.0
/*
 * The workers: one thread per core, each with its own transparent listener
 * on the divert port (SO_REUSEPORT: the kernel spreads new connections over
 * the listeners by their 4-tuple hash) and its own epoll loop. A session
 * lives and dies on the worker that accepted it, so sessions need no locks;
 * what workers share (the forged-certificate cache, counters, logs) has its
 * own.
 *
 * A session walks these states, all non-blocking, edge-triggered:
 *
 *   PEEK      MSG_PEEK the client's first bytes until they hold a whole
 *             ClientHello (SNI, ALPN, versions); anything else: dropped
 *   CONNECT   connect to the original destination (getsockname() of the
 *             accepted socket) from the client's own address and port
 *             (IP_TRANSPARENT); failure: the client gets a reset
 *   UP_HS     TLS client handshake with the server, with the client's SNI
 *             and ALPN; the chain is checked against the trust store and
 *             the SNI; failure: the client is closed
 *   DOWN_HS   TLS server handshake with the client (the ClientHello is
 *             still in the socket), presenting a forged leaf
 *   RELAY     relay.c: handed to tlsi.ko (kTLS; the session ends here at
 *             once) or relayed in userspace
 *
 * Every session that tlsi.ko did not take is reported to it once, at its
 * end (TLSI_IOC_REPORT), so that the kernel counts every outcome.
 * Each second a worker sweeps its sessions for handshake and idle timeouts.
 *
 * A client that ends its side (FIN) before its handshake is done cannot
 * finish it: the session ends at once (CLIENT_CLOSED) rather than holding
 * its slot until the handshake timeout. And one client address holds at most
 * --max-handshakes-per-source unfinished handshakes (PEEK to DOWN_HS) across
 * the workers; more are reset (LIMIT), so that one host cannot take every
 * slot of --max-sessions with connections that never say anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "engine.h"
#include "ciphersel.h"
#include "tlsid.h"

#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif

#define EVENTS_MAX	64

struct tlsid_worker {
	int id;
	pthread_t thread;
	bool started;
	int epfd;
	int lfd;
	enum tlsid_obj_kind lobj, wobj;	/* epoll data of the listener and wake fd */
	bool accept_paused;		/* out of descriptors: retry on the sweep */
	struct tlsid_session *sessions;
	struct tlsid_session *dead;	/* freed after the current batch */
	uint8_t peek[TLSID_CH_PEEK_MAX];
};

static struct tlsid_worker *workers;
static int nworkers;
static int wake_fd = -1;
static SSL_CTX *client_ctx, *server_ctx;
int tlsid_ssl_idx = -1;

/* ---- OpenSSL contexts ------------------------------------------------ */

/* Offer the client the protocol the server chose, if the client asked for it. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tlsid_session *s = SSL_get_ex_data(ssl, tlsid_ssl_idx);
	unsigned int i = 0;

	if (!s || !s->alpn_len)
		return SSL_TLSEXT_ERR_NOACK;
	while (i < inlen) {
		unsigned int n = in[i];

		if (i + 1 + n > inlen)
			break;
		if (n == s->alpn_len && !memcmp(in + i + 1, s->alpn, n)) {
			*out = in + i + 1;
			*outlen = (unsigned char)n;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/*
 * A server that asks for a client certificate gets none (tlsid has none to
 * give); it may go on without, or fail the handshake, and then this is why.
 */
static int client_cert_requested(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tlsid_session *s = SSL_get_ex_data(ssl, tlsid_ssl_idx);

	if (s)
		s->cert_requested = true;
	return 0;
}

int tlsid_ssl_ctx_init(void)
{
	const long mode = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			  SSL_MODE_RELEASE_BUFFERS;
	/* Encrypt-then-MAC off, as the reference guide's default (it only
	 * concerns CBC suites). */
	const uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			      SSL_OP_NO_ENCRYPT_THEN_MAC;

	/* The suites proxies' selections name, known before the sandbox. */
	if (!ciphersel_universe()) {
		tlsid_log_ssl("OpenSSL's cipher suites");
		return -1;
	}
	tlsid_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	client_ctx = SSL_CTX_new(TLS_client_method());
	server_ctx = SSL_CTX_new(TLS_server_method());
	if (tlsid_ssl_idx < 0 || !client_ctx || !server_ctx) {
		tlsid_log_ssl("OpenSSL contexts");
		return -1;
	}
	/* Verified, but never refused by OpenSSL: tlsid decides (untrusted CA). */
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set1_cert_store(client_ctx, tlsid_keys.trust);
	SSL_CTX_set_mode(client_ctx, mode);
	SSL_CTX_set_options(client_ctx, opts);
	SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_client_cert_cb(client_ctx, client_cert_requested);
	/*
	 * For the kTLS hand-off: the TLS 1.3 traffic secrets, and OpenSSL must
	 * not read past the handshake (read-ahead is off by default: keep it).
	 */
	SSL_CTX_set_keylog_callback(client_ctx, tlsid_ktls_keylog);
	SSL_CTX_set_keylog_callback(server_ctx, tlsid_ktls_keylog);
	SSL_CTX_set_read_ahead(client_ctx, 0);
	SSL_CTX_set_read_ahead(server_ctx, 0);

	SSL_CTX_set_mode(server_ctx, mode);
	SSL_CTX_set_options(server_ctx, opts | SSL_OP_NO_TICKET);
	/* No tickets: the kTLS hand-off wants the record sequence at 0. */
	SSL_CTX_set_num_tickets(server_ctx, 0);
	SSL_CTX_set_session_cache_mode(server_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_alpn_select_cb(server_ctx, alpn_select, NULL);
	/* DHE suites facing the client need DH parameters: the RFC 7919
	 * group matching the forged key's strength. */
	SSL_CTX_set_dh_auto(server_ctx, 1);
	return 0;
}

void tlsid_ssl_ctx_free(void)
{
	SSL_CTX_free(client_ctx);
	SSL_CTX_free(server_ctx);
	client_ctx = server_ctx = NULL;
}

SSL_CTX *tlsid_client_ctx(void)
{
	return client_ctx;
}

SSL_CTX *tlsid_server_ctx(void)
{
	return server_ctx;
}

/* ---- sockets --------------------------------------------------------- */

/*
 * Every connection tlsid holds is reset if tlsid dies holding it (SO_LINGER
 * 0: the kernel's close of a dead process's sockets sends a reset, not a
 * FIN), so that a crash never looks like the end of a session. The ends
 * tlsid chooses to make orderly go through tlsid_close_graceful(); tlsi.ko
 * clears the option on the sockets handed off to it.
 */
void tlsid_sock_reset_on_death(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

void tlsid_close_reset(int fd)
{
	if (fd < 0)
		return;
	tlsid_sock_reset_on_death(fd);	/* the same option: close() resets */
	close(fd);
}

void tlsid_close_graceful(int fd)
{
	struct linger l = { .l_onoff = 0, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * One dual-stack transparent listener (IPv6, not v6only) per worker: tlsi.ko
 * assigns diverted SYNs of both families to it. Where IPv6 is disabled, an
 * IPv4 one.
 */
static int listener_open(uint16_t port)
{
	union tlsid_sockaddr a;
	int fd, one = 1, zero = 0;
	bool v6 = true;

	memset(&a, 0, sizeof(a));
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		v6 = false;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		tlsid_log_perror("listener: socket");
		return -1;
	}
	if (v6) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_addr = in6addr_any;
		a.in6.sin6_port = htons(port);
		if (setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
		    setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) < 0) {
			tlsid_log_perror("listener: IPV6_TRANSPARENT (needs CAP_NET_ADMIN)");
			goto fail;
		}
	} else {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port);
		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0) {
			tlsid_log_perror("listener: IP_TRANSPARENT (needs CAP_NET_ADMIN)");
			goto fail;
		}
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		tlsid_log_perror("listener: SO_REUSEADDR/SO_REUSEPORT");
		goto fail;
	}
	if (bind(fd, &a.sa, tlsid_sockaddr_len(&a)) < 0) {
		tlsid_log_perror("listener: bind to port %u", port);
		goto fail;
	}
	if (listen(fd, 1024) < 0) {
		tlsid_log_perror("listener: listen");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int ep_add(struct tlsid_worker *w, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- unfinished handshakes per source address ------------------------ */

/*
 * A chained hash table of the client addresses that have handshakes in
 * progress, shared by the workers (SO_REUSEPORT spreads one address's
 * connections over all of them). An entry lives while its count is above
 * zero, so there are at most --max-sessions of them. The hash is keyed with
 * a random seed, so that a client cannot choose addresses that share a chain.
 */
#define SRC_BUCKETS	4096

struct src_count {
	struct src_count *next;
	uint8_t addr[16];		/* tlsid_sockaddr_bytes() */
	unsigned int n;
};

static struct src_count *src_table[SRC_BUCKETS];
static pthread_mutex_t src_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t src_seed;

static unsigned int src_bucket(const uint8_t addr[16])
{
	uint32_t h = src_seed, w;
	int i;

	for (i = 0; i < 16; i += 4) {
		memcpy(&w, addr + i, 4);
		h = (h ^ w) * 0x9e3779b1u;
		h ^= h >> 15;
	}
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h % SRC_BUCKETS;
}

/* One more unfinished handshake for addr: false when it has its limit (or
 * no memory for a new entry). */
static bool src_hold(const uint8_t addr[16], unsigned int *held)
{
	struct src_count **pp, *e;
	bool ok = true;

	pthread_mutex_lock(&src_lock);
	pp = &src_table[src_bucket(addr)];
	for (e = *pp; e && memcmp(e->addr, addr, 16); e = e->next)
		;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e) {
			memcpy(e->addr, addr, 16);
			e->next = *pp;
			*pp = e;
		}
	}
	if (!e || e->n >= tlsid_cfg.max_hs_per_source)
		ok = false;
	else
		e->n++;
	*held = e ? e->n : 0;
	pthread_mutex_unlock(&src_lock);
	return ok;
}

static void src_release(const uint8_t addr[16])
{
	struct src_count **pp, *e;

	pthread_mutex_lock(&src_lock);
	for (pp = &src_table[src_bucket(addr)]; (e = *pp); pp = &e->next) {
		if (memcmp(e->addr, addr, 16))
			continue;
		if (--e->n == 0) {
			*pp = e->next;
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&src_lock);
}

/* The session's handshake is over (relaying, or ending). */
static void session_hs_over(struct tlsid_session *s)
{
	if (s->src_held) {
		uint8_t a[16];

		tlsid_sockaddr_bytes(&s->client, a);
		src_release(a);
		s->src_held = false;
	}
}

/* ---- sessions -------------------------------------------------------- */

static void session_end(struct tlsid_session *s);

/* Why the session ends, in words (logs) and as the kernel counts it. */
static void set_reason(struct tlsid_session *s, enum tlsid_result r, enum tlsi_ssl_reason kr,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_reason(struct tlsid_session *s, enum tlsid_result r, enum tlsi_ssl_reason kr,
		       const char *fmt, ...)
{
	va_list ap;

	if (s->reason[0])
		return;		/* the first reason is the real one */
	s->result = r;
	s->kreason = kr;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

static void close_fds(struct tlsid_session *s, bool reset_client, bool reset_up)
{
	if (reset_client)
		tlsid_close_reset(s->cfd);
	else
		tlsid_close_graceful(s->cfd);
	if (reset_up)
		tlsid_close_reset(s->ufd);
	else
		tlsid_close_graceful(s->ufd);
	s->cfd = s->ufd = -1;
}

#define ALERT_HANDSHAKE_FAILURE	40
#define ALERT_ACCESS_DENIED	49
#define ALERT_INTERNAL_ERROR	80

/*
 * Close both sides now. A session that tlsid cuts while relaying (idle
 * timeout, tlsid stopping) must not look complete to either peer, so it
 * ends with a fatal alert (kTLS: the kernel's keys can say it) or, where
 * OpenSSL holds the keys (it sends no chosen alert), a reset; never with
 * close_notify. Before the relay, close_notify just ends a handshake.
 */
static void session_abort(struct tlsid_session *s, bool reset_client, bool reset_up)
{
	if (s->state == TLSID_S_RELAY && !s->ktls) {
		reset_client = reset_up = true;
	} else if (s->ktls) {
		if (!reset_up)
			tlsid_ktls_send_alert(s->ufd, 2, ALERT_INTERNAL_ERROR);
		if (!reset_client)
			tlsid_ktls_send_alert(s->cfd, 2, ALERT_INTERNAL_ERROR);
	} else {
		if (s->up && !reset_up && s->up_done)
			SSL_shutdown(s->up);
		if (s->down && !reset_client && s->state > TLSID_S_DOWN_HS)
			SSL_shutdown(s->down);
	}
	ERR_clear_error();
	close_fds(s, reset_client, reset_up);
	s->state = TLSID_S_DONE;
}

/*
 * Refuse a client whose ClientHello is still unread (before DOWN_HS) with a
 * fatal TLS alert, so that it says why instead of "connection reset": the
 * ClientHello is read first (closing a socket with unread data resets it),
 * then the alert, then FIN.
 */
static void refuse_client(struct tlsid_session *s, uint8_t alert)
{
	uint8_t rec[7] = { 21, 3, 3, 0, 2, 2, alert };
	size_t left = s->ch.consumed;

	if (s->cfd < 0 || s->state > TLSID_S_UP_HS)
		return;
	while (left) {
		ssize_t n = recv(s->cfd, s->w->peek, left < sizeof(s->w->peek) ? left : sizeof(s->w->peek),
				 MSG_DONTWAIT);

		if (n <= 0)
			break;
		left -= (size_t)n;
	}
	if (send(s->cfd, rec, sizeof(rec), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(rec))
		shutdown(s->cfd, SHUT_WR);
	tlsid_close_graceful(s->cfd);
	s->cfd = -1;
}

/* The server connection goes (reset) and the session starts again at
 * connecting, to pass through on a new connection (s->passthrough): a
 * bypassed failure, or decide-by cert. */
static void passthrough_restart(struct tlsid_session *s)
{
	SSL_free(s->up);
	s->up = NULL;
	s->up_done = false;
	s->cert_requested = false;
	s->offer_set = false;
	s->up_version[0] = s->up_cipher[0] = '\0';
	s->up_wire_version = s->up_cipher_id = 0;
	tlsid_close_reset(s->ufd);
	s->ufd = -1;
	ERR_clear_error();
	s->state = TLSID_S_CONNECT;
	s->started = tlsid_now();	/* a new handshake timeout for the new connection */
}

/*
 * A failure on the server's side whose proxy says bypass (client-cert,
 * unsupported, timeout). The client's ClientHello is still unread (tlsid
 * only peeked at it), so the session can still pass through untouched:
 * the server connection goes (reset), a new one is made from the client's
 * address and port, and both go to the kernel relay (decrypt.c). False
 * when it is too late (the client's handshake began) or not wanted.
 */
static bool bypass_restart(struct tlsid_session *s, uint32_t flag, enum tlsid_counter c,
			   enum tlsi_ssl_reason kr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static bool bypass_restart(struct tlsid_session *s, uint32_t flag, enum tlsid_counter c,
			   enum tlsi_ssl_reason kr, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!(s->pol.flags & flag) || s->state > TLSID_S_UP_HS || s->cfd < 0 || s->passthrough)
		return false;
	tlsid_count(c);
	s->passthrough = s->bypassed = true;
	s->kreason = kr;
	n = snprintf(s->reason, sizeof(s->reason), "bypassed: ");
	va_start(ap, fmt);
	vsnprintf(s->reason + n, sizeof(s->reason) - (size_t)n, fmt, ap);
	va_end(ap);
	passthrough_restart(s);
	return true;
}


static void log_end(struct tlsid_session *s)
{
	static _Atomic time_t src_refused_told;
	char c[TLSID_SOCKADDR_STR_MAX], d[TLSID_SOCKADDR_STR_MAX];
	time_t now;

	/* A flood of refusals is told once a second (the counter has them all). */
	if (s->src_refused) {
		now = tlsid_now();
		if (atomic_exchange(&src_refused_told, now) == now)
			return;
	}

	tlsid_sockaddr_str(&s->client, c, sizeof(c));
	tlsid_sockaddr_str(&s->server, d, sizeof(d));
	if (s->relay == TLSI_RELAY_KERNEL)
		tlsid_log_debug("%s -> %s (%s): handed off to tlsi.ko (%s, %s)", c, d,
				s->ch.has_sni ? s->ch.sni : "no SNI", s->down_cipher, s->up_cipher);
	else if (s->result == TLSID_R_DECRYPTED && !s->reason[0])
		tlsid_log_debug("%s -> %s (%s): done, %llu bytes up, %llu down", c, d,
				s->ch.has_sni ? s->ch.sni : "no SNI",
				(unsigned long long)s->c2s.bytes, (unsigned long long)s->s2c.bytes);
	else
		tlsid_log_info("%s -> %s (%s): %s", c, d, s->ch.has_sni ? s->ch.sni : "no SNI",
			       s->reason[0] ? s->reason : "closed");
}

static void session_end(struct tlsid_session *s)
{
	struct tlsid_worker *w = s->w;

	session_hs_over(s);
	if (s->result == TLSID_R_NONE)
		s->result = TLSID_R_NOT_DECRYPTED;
	tlsid_ips_end(s);
	close_fds(s, false, false);
	log_end(s);
	tlsid_inspect_log_session(s);
	if (s->relay != TLSI_RELAY_KERNEL) {
		/* The kernel counted the ones it took at their hand-off. */
		struct tlsi_ssl_report r;

		tlsid_session_report(s, &r);
		if (tlsid_dev_report(&r))
			tlsid_count(TLSID_C_kernel_reports_failed);
	}
	tlsid_count_add(TLSID_C_bytes_client_to_server, s->c2s.bytes);
	tlsid_count_add(TLSID_C_bytes_server_to_client, s->s2c.bytes);
	SSL_free(s->down);
	SSL_free(s->up);
	s->down = s->up = NULL;
	OPENSSL_cleanse(&s->down_secrets, sizeof(s->down_secrets));
	OPENSSL_cleanse(&s->up_secrets, sizeof(s->up_secrets));
	if (s->prev)
		s->prev->next = s->next;
	else
		w->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	/* Another event of this batch may still point at s. */
	s->next = w->dead;
	s->prev = NULL;
	w->dead = s;
	atomic_fetch_sub(&tlsid_sessions_active, 1);
}

void tlsid_session_report(const struct tlsid_session *s, struct tlsi_ssl_report *r)
{
	memset(r, 0, sizeof(*r));
	r->relay = (uint8_t)s->relay;
	r->role = s->pol.role;
	if (s->result == TLSID_R_DECRYPTED && s->relay != TLSI_RELAY_NONE) {
		r->result = TLSI_SSL_RESULT_DECRYPTED;	/* however it ended later */
	} else if (s->ips_blocked) {
		r->result = TLSI_SSL_RESULT_BLOCKED;	/* by an IPS rule: no SSL reason */
	} else {
		r->result = s->result == TLSID_R_BLOCKED ? TLSI_SSL_RESULT_BLOCKED :
			    TLSI_SSL_RESULT_FAILED;
		r->reason = (uint8_t)(s->kreason ? s->kreason : TLSI_SSL_REASON_INTERNAL);
	}
	r->client_version = s->down_wire_version;
	r->client_cipher = s->down_cipher_id;
	r->server_version = s->up_wire_version;
	r->server_cipher = s->up_cipher_id;
}

/* A session refused before it had a state. */
static void report_refused(enum tlsi_ssl_reason reason)
{
	struct tlsi_ssl_report r = {
		.result = TLSI_SSL_RESULT_FAILED,
		.reason = (uint8_t)reason,
	};

	if (tlsid_dev_report(&r))
		tlsid_count(TLSID_C_kernel_reports_failed);
}

static void reap(struct tlsid_worker *w)
{
	while (w->dead) {
		struct tlsid_session *s = w->dead;

		w->dead = s->next;
		free(s->hello);
		free(s);
	}
}

/* The first OpenSSL error's reason if it is one of libssl's, else 0. */
static int ssl_err_reason(void)
{
	unsigned long e = ERR_peek_error();

	return ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

/* Why the handshake with the server failed, as the kernel counts it. */
static enum tlsi_ssl_reason server_hs_reason(const struct tlsid_session *s)
{
	if (s->cert_requested)
		return TLSI_SSL_REASON_SERVER_CLIENT_CERT;
	switch (ssl_err_reason()) {
	case SSL_R_NO_CIPHERS_AVAILABLE:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_WRONG_CIPHER_RETURNED:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_VERSION_TOO_HIGH:
	case SSL_R_WRONG_SSL_VERSION:
	case SSL_R_NO_SHARED_GROUPS:
	case SSL_R_NO_SUITABLE_GROUPS:
	case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
	case SSL_R_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED:	/* TLS 1.0/1.1's SHA-1 */
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:	/* the server's alerts */
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
		return TLSI_SSL_REASON_SERVER_CIPHER;
	default:
		return TLSI_SSL_REASON_SERVER_HANDSHAKE;
	}
}

/* Why the handshake with the client failed: its alert says, mostly. */
static enum tlsi_ssl_reason client_hs_reason(void)
{
	switch (ssl_err_reason()) {
	case SSL_R_NO_SHARED_CIPHER:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_NO_SHARED_GROUPS:
	case SSL_R_NO_SUITABLE_KEY_SHARE:
	case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
	case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
		return TLSI_SSL_REASON_CLIENT_CIPHER;
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:		/* the client's alerts */
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
		return TLSI_SSL_REASON_CLIENT_BAD_CERT;
	default:
		return TLSI_SSL_REASON_CLIENT_HANDSHAKE;
	}
}

static void ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r ? r : e ? "OpenSSL error" : "connection closed");
	ERR_clear_error();
}

/*
 * The client ended its side (FIN, or the connection is gone) while its
 * handshake is unfinished: the rest of its ClientHello, or its answer to
 * the server's flight, can never come.
 */
static bool client_ended(const struct tlsid_session *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (s->cfd < 0 || getsockopt(s->cfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return false;
	return ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_CLOSE ||
	       ti.tcpi_state == TCP_LAST_ACK;
}

/* End a session whose client left before its handshake was done. */
static void client_left(struct tlsid_session *s, size_t have)
{
	tlsid_count(TLSID_C_client_closed_early);
	if (s->state == TLSID_S_PEEK)
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_CLIENT_CLOSED,
			   "client closed during its ClientHello (%zu bytes of it)", have);
	else
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_CLIENT_CLOSED,
			   "client closed before the handshake");
	session_abort(s, true, s->state > TLSID_S_PEEK);
}

/* Keep the ClientHello message (its records' headers removed) for the
 * engine's ja3.* rules; without memory, or if longer than the kernel
 * takes, those rules just do not see this session. */
static void keep_hello(struct tlsid_session *s, size_t n)
{
	uint8_t *m = malloc(TLSI_HELLO_MAX);
	long len;

	if (!m)
		return;
	len = tlsi_tls_first_message(s->w->peek, n, m, TLSI_HELLO_MAX);
	if (len <= 0) {
		free(m);
		return;
	}
	s->hello = realloc(m, (size_t)len);
	if (!s->hello)
		s->hello = m;
	s->hello_len = (uint32_t)len;
}

/* PEEK: true to go on, false to wait (or the session is over). */
static bool step_peek(struct tlsid_session *s)
{
	ssize_t n = recv(s->cfd, s->w->peek, sizeof(s->w->peek), MSG_PEEK);
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		tlsid_count(TLSID_C_client_closed_early);
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_CLIENT_CLOSED,
			   "client closed before its ClientHello%s%s",
			   n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		session_abort(s, false, false);
		return false;
	}
	/* A server proxy's port 80, diverted for ACME http-01 (acme.c):
	 * challenges answered, every other byte to the server untouched. */
	if (tlsid_acme_session(s))
		return tlsid_acme_handle(s, s->w->peek, (size_t)n);
	rc = tlsid_ch_parse(s->w->peek, (size_t)n, &s->ch);
	if (rc == TLSID_CH_TRUNCATED && (size_t)n < sizeof(s->w->peek)) {
		/* MSG_PEEK shows the bytes before a FIN, never the FIN. */
		if (client_ended(s))
			client_left(s, (size_t)n);
		return false;
	}
	if (rc == TLSID_CH_NOT_TLS || rc == TLSID_CH_NOT_HELLO) {
		tlsid_count(TLSID_C_not_tls_dropped);
		set_reason(s, TLSID_R_BLOCKED, TLSI_SSL_REASON_NOT_TLS, "not a TLS ClientHello: %s",
			   s->ch.err);
		session_abort(s, true, false);
		return false;
	}
	if (rc) {
		tlsid_count(TLSID_C_clienthello_malformed);
		set_reason(s, TLSID_R_BLOCKED, TLSI_SSL_REASON_CLIENTHELLO, "%s: %s",
			   tlsid_ch_strerror(rc),
			   rc == TLSID_CH_TRUNCATED ? "longer than the peek buffer" : s->ch.err);
		session_abort(s, true, false);
		return false;
	}
	keep_hello(s, (size_t)n);
	/* The SNI against the policy's decryption policy (decrypt.c); a
	 * protected server's own traffic has none. */
	if (s->pol.role != TLSI_SSL_ROLE_SERVER)
		tlsid_decrypt_decide(s);
	s->state = TLSID_S_CONNECT;
	return true;
}

static bool step_connect(struct tlsid_session *s)
{
	int one = 1, err = 0;
	socklen_t len = sizeof(err);

	if (s->ufd < 0) {
		bool v6 = s->client.sa.sa_family == AF_INET6;

		s->ufd = socket(s->client.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->ufd < 0)
			goto fail;
		tlsid_sock_reset_on_death(s->ufd);
		/* The server must see the client: its address, its port. */
		if (setsockopt(s->ufd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
			       &one, sizeof(one)) < 0 ||
		    setsockopt(s->ufd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(s->ufd, &s->client.sa, tlsid_sockaddr_len(&s->client)) < 0)
			goto fail;
		setsockopt(s->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (ep_add(s->w, s->ufd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, s) < 0)
			goto fail;
		if (connect(s->ufd, &s->server.sa, tlsid_sockaddr_len(&s->server)) == 0)
			goto connected;
		if (errno != EINPROGRESS)
			goto fail;
		return false;
	}
	if (getsockopt(s->ufd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail;
	if (err) {
		errno = err;
		goto fail;
	}
	if (connect(s->ufd, &s->server.sa, tlsid_sockaddr_len(&s->server)) < 0 &&
	    errno != EISCONN) {
		if (errno == EALREADY || errno == EINPROGRESS)
			return false;
		goto fail;
	}
connected:
	if (s->passthrough) {
		/* Not decrypted: the kernel relays it untouched. */
		tlsid_passthrough_start(s);
		return false;
	}
	s->state = TLSID_S_UP_HS;
	return true;
fail:
	tlsid_count(TLSID_C_upstream_unreachable);
	set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_UNREACHABLE, "upstream unreachable: %s",
		   strerror(errno));
	session_abort(s, true, false);
	return false;
}

static void name_line(X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int k;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	k = BIO_read(b, buf, (int)len - 1);
	buf[k > 0 ? k : 0] = '\0';
	BIO_free(b);
}

/*
 * The ALPN list offered upstream: the client's, without "h2" when the
 * proxy downgrades HTTP/2 (the guide's option). The server then selects
 * http/1.1 or nothing, and the client is answered with that selection
 * (alpn_select), so both sides speak HTTP/1.1. Returns its length.
 */
static unsigned int alpn_offer(const struct tlsid_session *s, unsigned char *out)
{
	unsigned int i, n, len = 0;

	if (!(s->pol.flags & TLSI_SSL_F_DOWNGRADE_H2)) {
		memcpy(out, s->ch.alpn, s->ch.alpn_len);
		return s->ch.alpn_len;
	}
	for (i = 0; i < s->ch.alpn_len; i += 1 + n) {
		n = s->ch.alpn[i];
		if (i + 1 + n > s->ch.alpn_len)
			break;
		if (n == 2 && !memcmp(s->ch.alpn + i + 1, "h2", 2)) {
			tlsid_count(TLSID_C_http2_downgraded);
			continue;
		}
		memcpy(out + len, s->ch.alpn + i, 1 + n);
		len += 1 + n;
	}
	return len;
}

static int upstream_ssl(struct tlsid_session *s)
{
	X509_VERIFY_PARAM *vp;

	s->up = SSL_new(client_ctx);
	if (!s->up || !SSL_set_fd(s->up, s->ufd))
		return -1;
	SSL_set_ex_data(s->up, tlsid_ssl_idx, s);
	vp = SSL_get0_param(s->up);
	if (s->ch.has_sni) {
		if (!SSL_set_tlsext_host_name(s->up, s->ch.sni) ||
		    !X509_VERIFY_PARAM_set1_host(vp, s->ch.sni, 0))
			return -1;
	} else if (s->server.sa.sa_family == AF_INET6 ?
		   !X509_VERIFY_PARAM_set1_ip(vp, s->server.in6.sin6_addr.s6_addr, 16) :
		   !X509_VERIFY_PARAM_set1_ip(vp, (const unsigned char *)&s->server.in.sin_addr, 4)) {
		return -1;
	}
	if (s->ch.has_alpn) {
		unsigned char alpn[sizeof(s->ch.alpn)];
		unsigned int alpn_len = alpn_offer(s, alpn);

		/* OpenSSL: 0 is success here. An empty list offers none. */
		if (alpn_len && SSL_set_alpn_protos(s->up, alpn, alpn_len))
			return -1;
	}
	SSL_set_connect_state(s->up);
	return 0;
}

/* Server inspection: the protected server's own certificate (server.c). */
static bool server_upstream_done(struct tlsid_session *s)
{
	const unsigned char *alpn;
	enum tlsi_ssl_reason kr;
	enum tlsid_result res;
	unsigned int alpn_len;
	char why[512];

	SSL_get0_alpn_selected(s->up, &alpn, &alpn_len);
	if (alpn_len && alpn_len < sizeof(s->alpn)) {
		memcpy(s->alpn, alpn, alpn_len);
		s->alpn_len = (uint8_t)alpn_len;
	}
	kr = tlsid_server_down_setup(s, server_ctx, &res, why, sizeof(why));
	if (kr != TLSI_SSL_REASON_NONE) {
		set_reason(s, res, kr, "%s", why);
		if (res == TLSID_R_BLOCKED && (s->pol.flags & TLSI_SSL_F_RESET)) {
			tlsid_close_reset(s->cfd);
			s->cfd = -1;
		} else {
			refuse_client(s, res == TLSID_R_BLOCKED ? ALERT_ACCESS_DENIED :
				      ALERT_INTERNAL_ERROR);
		}
		session_abort(s, false, false);
		return false;
	}
	SSL_set_ex_data(s->down, tlsid_ssl_idx, s);
	SSL_set_accept_state(s->down);
	s->state = TLSID_S_DOWN_HS;
	return true;
}

/* The server's certificate is known: decide, forge, set up the client side. */
static bool upstream_done(struct tlsid_session *s)
{
	X509 *peer = SSL_get0_peer_certificate(s->up), *leaf;
	struct tlsid_signer *signer = NULL;
	const struct tlsid_ca *ca;
	enum tlsi_ssl_reason kr;
	const unsigned char *alpn;
	unsigned int alpn_len;
	char why[512];
	EVP_PKEY *key;

	/* TLS 1.3 asks within the handshake too, but the server finds the
	 * empty answer only after tlsid's side is done: decide now, before
	 * the client is answered, not with a reset in the middle of its
	 * request. (TLS 1.2: an optional request that went on without.) */
	if (s->cert_requested) {
		if (bypass_restart(s, TLSI_SSL_F_BYPASS_CLIENT_CERT, TLSID_C_bypassed_client_cert,
				   TLSI_SSL_REASON_SERVER_CLIENT_CERT,
				   "server requested a client certificate (%s)",
				   SSL_get_version(s->up)))
			return true;
		tlsid_count(TLSID_C_upstream_handshake_failed);
		set_reason(s, TLSID_R_BLOCKED, TLSI_SSL_REASON_SERVER_CLIENT_CERT,
			   "server requested a client certificate (%s; client-cert block)",
			   SSL_get_version(s->up));
		refuse_client(s, ALERT_HANDSHAKE_FAILURE);
		session_abort(s, false, false);
		return false;
	}
	s->up_done = true;
	snprintf(s->up_version, sizeof(s->up_version), "%s", SSL_get_version(s->up));
	snprintf(s->up_cipher, sizeof(s->up_cipher), "%s", SSL_get_cipher_name(s->up));
	s->up_wire_version = (uint16_t)SSL_version(s->up);
	s->up_cipher_id = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(s->up));
	if (!peer) {
		tlsid_count(TLSID_C_upstream_handshake_failed);
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_SERVER_HANDSHAKE,
			   "server sent no certificate");
		refuse_client(s, ALERT_HANDSHAKE_FAILURE);
		session_abort(s, false, false);
		return false;
	}
	/* The proxy's min-dh-bits and min-ec-bits: a weak key exchange is a
	 * server tlsid does not support (the `unsupported' action). */
	kr = tlsid_policy_kx_verdict(s, why, sizeof(why));
	if (kr != TLSI_SSL_REASON_NONE) {
		if (bypass_restart(s, TLSI_SSL_F_BYPASS_UNSUPPORTED, TLSID_C_bypassed_unsupported,
				   kr, "%s", why))
			return true;
		tlsid_count(TLSID_C_blocked_weak_kx);
		set_reason(s, TLSID_R_BLOCKED, kr, "%s", why);
		refuse_client(s, ALERT_HANDSHAKE_FAILURE);
		session_abort(s, false, false);
		return false;
	}
	name_line(X509_get_issuer_name(peer), s->upstream_issuer, sizeof(s->upstream_issuer));
	if (s->pol.role == TLSI_SSL_ROLE_SERVER)
		return server_upstream_done(s);
	/* A policy deciding by the server's certificate (decrypt.c): not
	 * decrypted, the probe connection goes and a new one passes through,
	 * the client's ClientHello still unread. */
	if (s->decide_by_cert && tlsid_decrypt_decide_cert(s, peer)) {
		passthrough_restart(s);
		return true;
	}
	s->verify_err = SSL_get_verify_result(s->up);
	s->chain_ok = s->verify_err == X509_V_OK;
	s->ca = TLSID_CA_SIGNING;
	if (!s->chain_ok)
		tlsid_count(TLSID_C_chain_invalid);
	/* The policy's block-invalid, block-expired and min-rsa-bits (policy.c). */
	kr = tlsid_policy_verdict(s, peer, why, sizeof(why));
	if (kr != TLSI_SSL_REASON_NONE) {
		set_reason(s, TLSID_R_BLOCKED, kr, "%s", why);
		if (s->pol.flags & TLSI_SSL_F_RESET) {
			tlsid_close_reset(s->cfd);
			s->cfd = -1;
		} else {
			refuse_client(s, ALERT_ACCESS_DENIED);
		}
		session_abort(s, false, false);
		return false;
	}
	if (!s->chain_ok) {
		s->ca = TLSID_CA_UNTRUSTED;
		snprintf(s->reason, sizeof(s->reason), "server certificate invalid (%s): untrusted CA",
			 X509_verify_cert_error_string(s->verify_err));
	} else if (!(signer = tlsid_policy_signer(s, why, sizeof(why)))) {
		/* A name tlsid cannot resolve: not decrypted, and said so. */
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL, "%s", why);
		refuse_client(s, ALERT_INTERNAL_ERROR);
		session_abort(s, false, false);
		return false;
	}
	ca = signer ? &signer->ca : &tlsid_keys.ca[TLSID_CA_UNTRUSTED];
	SSL_get0_alpn_selected(s->up, &alpn, &alpn_len);
	if (alpn_len && alpn_len < sizeof(s->alpn)) {
		memcpy(s->alpn, alpn, alpn_len);
		s->alpn_len = (uint8_t)alpn_len;
	}
	leaf = tlsid_forge(peer, ca, &key);
	if (!leaf)
		goto internal;
	snprintf(s->issuer, sizeof(s->issuer), "%s", ca->subject);
	s->down = SSL_new(server_ctx);
	if (!s->down || !SSL_set_fd(s->down, s->cfd) ||
	    !SSL_use_cert_and_key(s->down, leaf, key, ca->chain, 1) ||
	    tlsid_policy_tls(s, s->down, false, why, sizeof(why))) {
		X509_free(leaf);
		goto internal;
	}
	X509_free(leaf);
	tlsid_signer_put(signer);	/* the SSL holds its own references */
	SSL_set_ex_data(s->down, tlsid_ssl_idx, s);
	SSL_set_accept_state(s->down);
	s->state = TLSID_S_DOWN_HS;
	return true;
internal:
	tlsid_signer_put(signer);
	tlsid_count(TLSID_C_internal_errors);
	s->reason[0] = '\0';
	set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL,
		   "internal error setting up the client side");
	tlsid_log_ssl("session setup");
	refuse_client(s, ALERT_INTERNAL_ERROR);
	session_abort(s, false, false);
	return false;
}

static bool step_up_hs(struct tlsid_session *s)
{
	enum tlsi_ssl_reason kr;
	char why[128], cwhy[512];
	int r, e;

	cwhy[0] = '\0';
	/* The policy's trust store (policy.c); cwhy says why it is missing. */
	if (!s->up && (upstream_ssl(s) || tlsid_policy_trust(s, s->up, cwhy, sizeof(cwhy)) ||
		       tlsid_policy_tls(s, s->up, true, cwhy, sizeof(cwhy)))) {
		if (!cwhy[0]) {
			tlsid_count(TLSID_C_internal_errors);
			tlsid_log_ssl("upstream SSL");
		}
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL, "%s",
			   cwhy[0] ? cwhy : "internal error setting up the server side");
		refuse_client(s, ALERT_INTERNAL_ERROR);
		session_abort(s, false, true);
		return false;
	}
	/* Once, before the first flight: the offer (offer.c). */
	if (!s->offer_set) {
		s->offer_set = true;
		if (tlsid_upstream_offer(s, s->up, cwhy, sizeof(cwhy))) {
			if (bypass_restart(s, TLSI_SSL_F_BYPASS_UNSUPPORTED, TLSID_C_bypassed_unsupported,
					   TLSI_SSL_REASON_CLIENT_CIPHER, "%s", cwhy))
				return true;
			tlsid_count(TLSID_C_client_offer_refused);
			set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_CLIENT_CIPHER, "%s", cwhy);
			refuse_client(s, ALERT_HANDSHAKE_FAILURE);
			session_abort(s, false, true);
			return false;
		}
	}
	ERR_clear_error();
	r = SSL_do_handshake(s->up);
	if (r == 1)
		return upstream_done(s);
	e = SSL_get_error(s->up, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return false;
	kr = server_hs_reason(s);
	if (e == SSL_ERROR_SYSCALL && errno)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else
		ssl_reason(why, sizeof(why));
	if (kr == TLSI_SSL_REASON_SERVER_CLIENT_CERT &&
	    bypass_restart(s, TLSI_SSL_F_BYPASS_CLIENT_CERT, TLSID_C_bypassed_client_cert, kr,
			   "server requested a client certificate (server handshake: %s)", why))
		return true;
	if (kr == TLSI_SSL_REASON_SERVER_CIPHER &&
	    bypass_restart(s, TLSI_SSL_F_BYPASS_UNSUPPORTED, TLSID_C_bypassed_unsupported, kr,
			   "no version or cipher suite in common with the server (%s)", why))
		return true;
	tlsid_count(TLSID_C_upstream_handshake_failed);
	if (kr == TLSI_SSL_REASON_SERVER_CLIENT_CERT)
		set_reason(s, TLSID_R_NOT_DECRYPTED, kr,
			   "server requested a client certificate: server handshake failed: %s",
			   why);
	set_reason(s, TLSID_R_NOT_DECRYPTED, kr, "server handshake failed: %s", why);
	refuse_client(s, ALERT_HANDSHAKE_FAILURE);
	session_abort(s, false, false);
	return false;
}

/*
 * A pinned application: its client refused the certificate tlsid forged
 * (a certificate alert), or closed the connection right after receiving it
 * (no alert: tlsid's flight was out and nothing came back), while the
 * server's chain was valid (an invalid one is the untrusted CA's, and a
 * refusal then is the point).
 */
static bool pinned_refusal(const struct tlsid_session *s, int e, enum tlsi_ssl_reason kr)
{
	OSSL_HANDSHAKE_STATE st = SSL_get_state(s->down);

	/* Server inspection serves the server's own certificate. */
	if (s->ca != TLSID_CA_SIGNING || s->pol.role == TLSI_SSL_ROLE_SERVER)
		return false;
	if (kr == TLSI_SSL_REASON_CLIENT_BAD_CERT)
		return true;
	if (e != SSL_ERROR_SYSCALL && e != SSL_ERROR_ZERO_RETURN &&
	    !(e == SSL_ERROR_SSL && ssl_err_reason() == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		return false;
	/* Reading the client's second flight: ours (with the certificate)
	 * was written. */
	return st == TLS_ST_SR_CERT || st == TLS_ST_SR_KEY_EXCH || st == TLS_ST_SR_CERT_VRFY ||
	       st == TLS_ST_SR_CHANGE || st == TLS_ST_SR_FINISHED ||
	       st == TLS_ST_SW_SRVR_DONE || st == TLS_ST_SW_FINISHED ||
	       st == TLS_ST_SR_END_OF_EARLY_DATA;
}

static bool step_down_hs(struct tlsid_session *s)
{
	enum tlsi_ssl_reason kr;
	char why[128];
	bool pinned;
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(s->down);
	if (r == 1) {
		snprintf(s->down_version, sizeof(s->down_version), "%s", SSL_get_version(s->down));
		snprintf(s->down_cipher, sizeof(s->down_cipher), "%s", SSL_get_cipher_name(s->down));
		s->down_wire_version = (uint16_t)SSL_version(s->down);
		s->down_cipher_id = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(s->down));
		s->result = TLSID_R_DECRYPTED;
		tlsid_count(TLSID_C_decrypted);
		s->state = TLSID_S_RELAY;
		s->last_active = tlsid_now();
		session_hs_over(s);
		if (tlsid_relay_start(s) < 0)
			return false;
		return true;
	}
	e = SSL_get_error(s->down, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return false;
	kr = client_hs_reason();
	pinned = pinned_refusal(s, e, kr);
	if (e == SSL_ERROR_SYSCALL && errno)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else
		ssl_reason(why, sizeof(why));
	tlsid_count(TLSID_C_client_handshake_failed);
	s->reason[0] = '\0';
	set_reason(s, TLSID_R_NOT_DECRYPTED, kr, "client handshake failed: %s%s%s", why,
		   s->ca == TLSID_CA_UNTRUSTED ? " (certificate from the untrusted CA)" : "",
		   !pinned ? "" : (s->pol.flags & TLSI_SSL_F_BYPASS_PINNED) && s->ch.has_sni ?
		   "; pinned application: its next sessions pass through" :
		   "; pinned application? (pinned block)");
	if (pinned) {
		tlsid_count(TLSID_C_pinned_detected);
		if ((s->pol.flags & TLSI_SSL_F_BYPASS_PINNED) && s->ch.has_sni)
			tlsid_pinned_add(s->ch.sni);
	}
	session_abort(s, false, false);
	return false;
}

static void session_step(struct tlsid_session *s)
{
	bool go = true;

	/* A client gone while tlsid talks to the server: no use going on. */
	if ((s->state == TLSID_S_CONNECT || s->state == TLSID_S_UP_HS) && client_ended(s)) {
		client_left(s, s->ch.consumed);
		go = false;
	}
	while (go) {
		switch (s->state) {
		case TLSID_S_PEEK:
			go = step_peek(s);
			break;
		case TLSID_S_CONNECT:
			go = step_connect(s);
			break;
		case TLSID_S_UP_HS:
			go = step_up_hs(s);
			break;
		case TLSID_S_DOWN_HS:
			go = step_down_hs(s);
			break;
		case TLSID_S_RELAY:
			if (tlsid_relay_step(s))
				s->state = TLSID_S_DONE;
			go = false;
			break;
		case TLSID_S_DONE:
			go = false;
			break;
		}
	}
	if (s->state == TLSID_S_DONE)
		session_end(s);
}

static void session_new(struct tlsid_worker *w, int fd, const union tlsid_sockaddr *peer)
{
	socklen_t len = sizeof(union tlsid_sockaddr);
	struct tlsid_session *s;
	int one = 1;

	tlsid_count(TLSID_C_accepted);
	tlsid_sock_reset_on_death(fd);
	if ((unsigned)atomic_load(&tlsid_sessions_active) >= tlsid_cfg.max_sessions) {
		tlsid_count(TLSID_C_sessions_limit_dropped);
		tlsid_close_reset(fd);
		report_refused(TLSI_SSL_REASON_LIMIT);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		tlsid_count(TLSID_C_internal_errors);
		tlsid_close_reset(fd);
		report_refused(TLSI_SSL_REASON_INTERNAL);
		return;
	}
	s->kind = TLSID_OBJ_SESSION;
	s->w = w;
	s->cfd = fd;
	s->ufd = -1;
	s->client = *peer;
	tlsid_policy_lookup(fd, &s->pol);
	s->started = s->last_active = tlsid_now();
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->next = w->sessions;
	if (w->sessions)
		w->sessions->prev = s;
	w->sessions = s;
	atomic_fetch_add(&tlsid_sessions_active, 1);
	/* TPROXY keeps the original destination as the local address. */
	if (getsockname(fd, &s->server.sa, &len) < 0) {
		tlsid_count(TLSID_C_internal_errors);
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL, "getsockname: %s",
			   strerror(errno));
		session_abort(s, true, false);
		session_end(s);
		return;
	}
	tlsid_sockaddr_unmap(&s->server);
	if (tlsid_cfg.max_hs_per_source) {
		unsigned int held;
		uint8_t a[16];

		tlsid_sockaddr_bytes(peer, a);
		if (!src_hold(a, &held)) {
			tlsid_count(TLSID_C_source_limit_dropped);
			s->src_refused = true;
			set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_LIMIT,
				   "%u unfinished handshakes from this address: its limit "
				   "(--max-handshakes-per-source %u)", held,
				   tlsid_cfg.max_hs_per_source);
			session_abort(s, true, false);
			session_end(s);
			return;
		}
		s->src_held = true;
	}
	if (tlsid_sockaddr_port(&s->server) == tlsid_cfg.port) {
		/* Someone connected to the listener itself: nowhere to go. */
		tlsid_count(TLSID_C_not_tls_dropped);
		set_reason(s, TLSID_R_BLOCKED, TLSI_SSL_REASON_NOT_TLS,
			   "connection to the divert port itself");
		session_abort(s, true, false);
		session_end(s);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ep_add(w, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, s) < 0) {
		tlsid_count(TLSID_C_internal_errors);
		set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL, "epoll: %s",
			   strerror(errno));
		session_abort(s, true, false);
		session_end(s);
		return;
	}
	session_step(s);
}

static void accept_all(struct tlsid_worker *w)
{
	for (;;) {
		union tlsid_sockaddr peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(w->lfd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				if (!w->accept_paused)
					tlsid_log_perror("worker %d: accept (paused for a second)", w->id);
				w->accept_paused = true;
			}
			return;
		}
		w->accept_paused = false;
		if (peer.sa.sa_family != AF_INET && peer.sa.sa_family != AF_INET6) {
			close(fd);
			continue;
		}
		tlsid_sockaddr_unmap(&peer);
		session_new(w, fd, &peer);
	}
}

/* Handshake and idle timeouts. */
static void sweep(struct tlsid_worker *w, time_t now)
{
	struct tlsid_session *s, *next;

	for (s = w->sessions; s; s = next) {
		next = s->next;
		if (s->state < TLSID_S_RELAY &&
		    now - s->started >= (time_t)tlsid_cfg.hs_timeout) {
			if (s->state == TLSID_S_PEEK) {
				tlsid_count(TLSID_C_clienthello_timeout);
				set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_TIMEOUT,
					   "no ClientHello within %us",
					   tlsid_cfg.hs_timeout);
				session_abort(s, true, false);
			} else if (s->state == TLSID_S_CONNECT) {
				tlsid_count(TLSID_C_upstream_unreachable);
				set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_UNREACHABLE,
					   "upstream unreachable: no answer within %us",
					   tlsid_cfg.hs_timeout);
				session_abort(s, true, true);
			} else if (s->state == TLSID_S_UP_HS && !s->passthrough &&
				   (s->pol.flags & TLSI_SSL_F_BYPASS_TIMEOUT)) {
				tlsid_count(TLSID_C_handshake_timeout);
				bypass_restart(s, TLSI_SSL_F_BYPASS_TIMEOUT, TLSID_C_bypassed_timeout,
					       TLSI_SSL_REASON_TIMEOUT,
					       "server handshake timed out after %us",
					       tlsid_cfg.hs_timeout);
				session_step(s);
				continue;
			} else {
				tlsid_count(TLSID_C_handshake_timeout);
				s->reason[0] = '\0';
				set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_TIMEOUT,
					   "%s handshake timed out",
					   s->state == TLSID_S_UP_HS ? "server" : "client");
				refuse_client(s, ALERT_HANDSHAKE_FAILURE);
				session_abort(s, false, false);
			}
			session_end(s);
		} else if (s->state == TLSID_S_RELAY &&
			   now - s->last_active >= (time_t)tlsid_cfg.idle_timeout) {
			tlsid_count(TLSID_C_idle_timeout);
			set_reason(s, TLSID_R_DECRYPTED, TLSI_SSL_REASON_NONE, "idle for %us",
				   tlsid_cfg.idle_timeout);
			session_abort(s, false, false);
			session_end(s);
		}
	}
}

static void *worker_main(void *arg)
{
	struct tlsid_worker *w = arg;
	struct epoll_event ev[EVENTS_MAX];
	time_t next_sweep = tlsid_now() + 1;

	while (!atomic_load(&tlsid_stopping)) {
		int n = epoll_wait(w->epfd, ev, EVENTS_MAX, 1000), i;
		time_t now;

		if (n < 0 && errno != EINTR) {
			tlsid_log_perror("worker %d: epoll_wait", w->id);
			break;
		}
		for (i = 0; i < n; i++) {
			enum tlsid_obj_kind *k = ev[i].data.ptr;

			if (*k == TLSID_OBJ_LISTENER) {
				accept_all(w);
			} else if (*k == TLSID_OBJ_SESSION) {
				struct tlsid_session *s = (struct tlsid_session *)k;

				if (s->state != TLSID_S_DONE)
					session_step(s);
			}
		}
		reap(w);
		now = tlsid_now();
		if (now >= next_sweep) {
			sweep(w, now);
			reap(w);
			if (w->accept_paused)
				accept_all(w);
			next_sweep = now + 1;
		}
	}
	/* Stopping: every session ends now. */
	while (w->sessions) {
		struct tlsid_session *s = w->sessions;

		if (s->result == TLSID_R_DECRYPTED)
			set_reason(s, TLSID_R_DECRYPTED, TLSI_SSL_REASON_NONE, "tlsid stopping");
		else
			set_reason(s, TLSID_R_NOT_DECRYPTED, TLSI_SSL_REASON_INTERNAL,
				   "tlsid stopping");
		session_abort(s, s->state < TLSID_S_RELAY, false);
		session_end(s);
	}
	reap(w);
	tlsid_ips_thread_done();
	return NULL;
}

/*
 * One tlsid per port and network namespace: SO_REUSEPORT would let a second
 * one share the listeners. An abstract unix socket name is per namespace and
 * goes away with the process, however it ends.
 */
int tlsid_instance_lock(uint16_t port)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, len;

	len = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "tlsid:%u", port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tlsid_log_perror("instance lock: socket");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0) {
		if (errno == EADDRINUSE)
			tlsid_log_error("another tlsid serves port %u in this network namespace", port);
		else
			tlsid_log_perror("instance lock");
		close(fd);
		return -1;
	}
	return fd;	/* kept open for the process's life */
}

int tlsid_listeners_open(int n, uint16_t port)
{
	int i;

	if (RAND_bytes((unsigned char *)&src_seed, sizeof(src_seed)) != 1) {
		tlsid_log_ssl("random seed");
		return -1;
	}
	workers = calloc((size_t)n, sizeof(*workers));
	if (!workers)
		return -1;
	nworkers = n;
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0) {
		tlsid_log_perror("eventfd");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct tlsid_worker *w = &workers[i];

		w->id = i;
		w->lobj = TLSID_OBJ_LISTENER;
		w->wobj = TLSID_OBJ_WAKE;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0) {
			tlsid_log_perror("epoll_create1");
			return -1;
		}
		w->lfd = listener_open(port);
		if (w->lfd < 0)
			return -1;
		if (ep_add(w, w->lfd, EPOLLIN | EPOLLET, &w->lobj) < 0 ||
		    ep_add(w, wake_fd, EPOLLIN, &w->wobj) < 0) {
			tlsid_log_perror("epoll_ctl");
			return -1;
		}
	}
	return 0;
}

int tlsid_workers_start(void)
{
	int i, err;

	for (i = 0; i < nworkers; i++) {
		err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (err) {
			errno = err;
			tlsid_log_perror("starting worker %d", i);
			return -1;
		}
		workers[i].started = true;
	}
	return 0;
}

void tlsid_workers_stop(void)
{
	uint64_t one = 1;
	int i;

	atomic_store(&tlsid_stopping, true);
	if (wake_fd >= 0 && write(wake_fd, &one, sizeof(one)) < 0)
		tlsid_log_perror("waking the workers");
	for (i = 0; workers && i < nworkers; i++) {
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
		if (workers[i].lfd > 0)
			close(workers[i].lfd);
		if (workers[i].epfd > 0)
			close(workers[i].epfd);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	if (wake_fd >= 0)
		close(wake_fd);
	wake_fd = -1;
}
