/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsid, the TLS handshake daemon of tlsi: the one internal header.
 *
 * Files:
 *   main.c         options, start-up, signals, shutdown
 *   log.c          log helpers, the SSL inspection log, counters
 *   setup.c        policy routing (rtnetlink) and the kernel's divert settings
 *   ca.c           the signing CA, the untrusted CA, leaf keys, trust store
 *   forge.c        forged leaf certificates and their LRU cache
 *   clienthello.c  the bounded ClientHello parser (no OpenSSL)
 *   worker.c       listeners, epoll loops, the handshake state machine
 *   relay.c        the plaintext relay after both handshakes
 *
 * Documentation/tlsid.md describes the behaviour and the threading model.
 */
#ifndef TLSID_H
#define TLSID_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TLSID_DEFAULT_PORT	15443
#define TLSID_DEFAULT_MARK	0x7a5
#define TLSID_DEFAULT_TABLE	233
#define TLSID_RULE_PRIORITY	1000	/* of the fwmark rule, before main's 32766 */
#define TLSID_DEFAULT_CACHE	4096	/* forged certificates kept */
#define TLSID_DEFAULT_SESSIONS	10000	/* concurrent sessions per daemon */
#define TLSID_DEFAULT_HS_TIMEOUT 15	/* seconds from accept to relaying */
#define TLSID_DEFAULT_IDLE	300	/* seconds without traffic while relaying */
#define TLSID_SYSTEM_TRUST	"/etc/ssl/certs/ca-certificates.crt"
#define TLSID_TRUST_MAX		16	/* --trust files */
#define TLSID_WORKERS_MAX	256

/* ---- ClientHello (clienthello.c) ------------------------------------- */

#define TLSID_CH_MSG_MAX	16384	/* largest ClientHello body accepted */
#define TLSID_CH_PEEK_MAX	20480	/* bytes peeked at most (records + headers) */
#define TLSID_CH_SNI_MAX	255
#define TLSID_CH_ALPN_MAX	256	/* wire bytes of the protocol name list */
#define TLSID_CH_CIPHERS_MAX	128	/* cipher suites kept (all are counted) */
#define TLSID_CH_VERSIONS_MAX	32

enum tlsid_ch_result {
	TLSID_CH_OK		= 0,
	TLSID_CH_TRUNCATED	= -1,	/* a prefix of a ClientHello: need more bytes */
	TLSID_CH_NOT_TLS	= -2,	/* not a TLS handshake record */
	TLSID_CH_NOT_HELLO	= -3,	/* a handshake message other than ClientHello */
	TLSID_CH_MALFORMED	= -4,	/* inconsistent lengths or bad fields */
	TLSID_CH_TOO_BIG	= -5,	/* more than TLSID_CH_MSG_MAX bytes */
};

struct tlsid_ch {
	uint16_t record_version;
	uint16_t legacy_version;
	uint8_t random[32];
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t n_ciphers;			/* all offered */
	uint16_t ciphers[TLSID_CH_CIPHERS_MAX];	/* the first ones */
	uint8_t n_compressions;
	bool null_compression;
	uint16_t n_extensions;
	bool has_sni;
	char sni[TLSID_CH_SNI_MAX + 1];		/* host name, NUL-terminated */
	bool has_alpn;
	uint16_t n_alpn;			/* protocols */
	uint16_t alpn_len;
	uint8_t alpn[TLSID_CH_ALPN_MAX];	/* wire format: len, name, len, name */
	bool has_versions;
	uint8_t n_versions;
	uint16_t versions[TLSID_CH_VERSIONS_MAX];
	size_t consumed;			/* bytes of the records that carried it */
	const char *err;			/* what was wrong (not OK) */
};

/*
 * Parse the ClientHello at the start of buf (bytes as received from the
 * client: TLS records). Never reads outside buf[0..len). Returns
 * TLSID_CH_OK, or a negative enum tlsid_ch_result with ch->err set.
 * TLSID_CH_TRUNCATED means every byte so far is consistent with a
 * ClientHello; anything else is final.
 */
int tlsid_ch_parse(const uint8_t *buf, size_t len, struct tlsid_ch *ch);
const char *tlsid_ch_strerror(int rc);
/* The highest version offered (supported_versions if present, GREASE and
 * unknown values ignored; else legacy_version). */
uint16_t tlsid_ch_max_version(const struct tlsid_ch *ch);

/* ---- configuration (main.c) ------------------------------------------ */

struct tlsid_config {
	uint16_t port;
	uint32_t mark;
	uint32_t table;
	const char *ca_cert, *ca_key;
	const char *cert_repo, *signing_cert, *trust_store;
	const char *trust[TLSID_TRUST_MAX];
	int n_trust;
	bool no_system_trust;
	const char *log_file;
	bool foreground;
	bool block_invalid;
	bool no_kernel;			/* do not talk to tlsi.ko */
	bool no_route;			/* do not set up policy routing */
	int workers;
	unsigned cache_size;
	unsigned max_sessions;
	unsigned hs_timeout, idle_timeout;
	int verbose;
};

extern struct tlsid_config tlsid_cfg;
extern atomic_bool tlsid_stopping;

/* ---- logging and counters (log.c) ------------------------------------ */

void tlsid_log_init(bool foreground, int verbose);
void tlsid_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tlsid_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tlsid_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* msg: strerror(errno) */
void tlsid_log_perror(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* msg: the OpenSSL error queue (emptied) */
void tlsid_log_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first OpenSSL error in the queue as text, and clear the queue. */
const char *tlsid_ssl_errstr(char *buf, size_t len);

/* X(name): counters kept by the daemon, dumped on SIGUSR1 and at exit. */
#define TLSID_COUNTERS(X)						\
	X(accepted)							\
	X(sessions_limit_dropped)					\
	X(not_tls_dropped)						\
	X(clienthello_malformed)					\
	X(clienthello_timeout)						\
	X(client_closed_early)						\
	X(upstream_unreachable)						\
	X(upstream_handshake_failed)					\
	X(chain_invalid)						\
	X(blocked_invalid)						\
	X(forge_failed)							\
	X(forged)							\
	X(forge_cache_hits)						\
	X(client_handshake_failed)					\
	X(handshake_timeout)						\
	X(decrypted)							\
	X(idle_timeout)							\
	X(resets_propagated)						\
	X(relay_errors)							\
	X(bytes_client_to_server)					\
	X(bytes_server_to_client)					\
	X(internal_errors)

#define TLSID_COUNTER_ENUM(n) TLSID_C_##n,
enum tlsid_counter {
	TLSID_COUNTERS(TLSID_COUNTER_ENUM)
	__TLSID_C_MAX
};
#undef TLSID_COUNTER_ENUM

extern atomic_uint_fast64_t tlsid_counters[__TLSID_C_MAX];
extern atomic_int tlsid_sessions_active;

/* Seconds on the monotonic clock: timeouts do not jump with the date. */
static inline time_t tlsid_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static inline void tlsid_count(enum tlsid_counter c)
{
	atomic_fetch_add_explicit(&tlsid_counters[c], 1, memory_order_relaxed);
}

static inline void tlsid_count_add(enum tlsid_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&tlsid_counters[c], n, memory_order_relaxed);
}

/* The SSL inspection log (--log): JSON lines. */
int tlsid_inspect_log_open(const char *path);
void tlsid_inspect_log_close(void);
struct tlsid_session;
void tlsid_inspect_log_session(const struct tlsid_session *s);
/* One JSON line with every counter, to the inspection log (if any) and to
 * the daemon's log. */
void tlsid_stats_dump(void);

/* ---- setup.c: policy routing and the kernel's settings --------------- */

int tlsid_route_setup(uint32_t mark, uint32_t table);
void tlsid_route_teardown(uint32_t mark, uint32_t table);
/* divert-port/divert-mark over the tlsi genl family; port 0 stops it. */
int tlsid_kernel_set_divert(uint16_t port, uint32_t mark, bool set_mark);

/* ---- ca.c: keys, CAs and trust --------------------------------------- */

enum tlsid_ca_id {
	TLSID_CA_SIGNING,	/* the administrator's CA: clients trust it */
	TLSID_CA_UNTRUSTED,	/* made at start: clients warn */
	__TLSID_CA_MAX
};

struct tlsid_ca {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;	/* served after the leaf: cert, then its chain */
	char subject[256];	/* one line, for the inspection log */
};

struct tlsid_keys {
	struct tlsid_ca ca[__TLSID_CA_MAX];
	EVP_PKEY *rsa;		/* leaf key for RSA (and other) servers */
	EVP_PKEY *ec;		/* leaf key for ECDSA servers */
	X509_STORE *trust;	/* what upstream chains must reach */
};

extern struct tlsid_keys tlsid_keys;

int tlsid_keys_init(const struct tlsid_config *cfg);
/* A random positive 16-byte serial number. */
int tlsid_random_serial(X509 *x);
void tlsid_keys_free(void);

/* ---- forge.c --------------------------------------------------------- */

/* A leaf for the server certificate, signed by CA ca; a new reference
 * (X509_free it), from the cache when possible. *key: the leaf's key (not a
 * new reference). NULL on failure (logged). */
X509 *tlsid_forge(X509 *server, enum tlsid_ca_id ca, EVP_PKEY **key);
/* Exposed for the cache and tests. */
X509 *tlsid_forge_leaf(X509 *server, const struct tlsid_ca *ca, EVP_PKEY *key,
		       time_t now);
int tlsid_forge_cache_init(unsigned size);
void tlsid_forge_cache_free(void);

/* ---- sessions (worker.c, relay.c) ------------------------------------ */

enum tlsid_state {
	TLSID_S_PEEK,		/* waiting for the whole ClientHello */
	TLSID_S_CONNECT,	/* connecting upstream as the client */
	TLSID_S_UP_HS,		/* TLS client handshake with the server */
	TLSID_S_DOWN_HS,	/* TLS server handshake with the client */
	TLSID_S_RELAY,		/* plaintext relay */
	TLSID_S_DONE,
};

enum tlsid_result {
	TLSID_R_NONE,
	TLSID_R_DECRYPTED,
	TLSID_R_BLOCKED,
	TLSID_R_NOT_DECRYPTED,
};

/* One direction of the relay: read from one SSL, write to the other. */
struct tlsid_pipe {
	uint8_t buf[16384];
	size_t off, len;	/* unsent plaintext: buf[off..off+len) */
	bool eof;		/* the source ended (close_notify or FIN) */
	bool eof_sent;		/* ... and that was passed on */
	bool close_notify;	/* the source sent close_notify */
	uint64_t bytes;
};

enum tlsid_obj_kind { TLSID_OBJ_LISTENER, TLSID_OBJ_WAKE, TLSID_OBJ_SESSION };

struct tlsid_worker;

struct tlsid_session {
	enum tlsid_obj_kind kind;	/* TLSID_OBJ_SESSION; first: epoll data */
	struct tlsid_worker *w;
	struct tlsid_session *prev, *next;	/* the worker's list */
	enum tlsid_state state;
	int cfd, ufd;			/* client-facing, upstream */
	bool ufd_added;
	struct sockaddr_in client, server;
	SSL *down, *up;			/* daemon as server / as client */
	struct tlsid_ch ch;
	time_t started, last_active;	/* tlsid_now() */
	struct timespec t0;
	bool up_done;			/* the server's handshake completed */
	bool chain_ok;
	long verify_err;
	enum tlsid_ca_id ca;
	char alpn[256];			/* what the server selected */
	uint8_t alpn_len;
	struct tlsid_pipe c2s, s2c;
	enum tlsid_result result;
	char reason[256];
	char up_version[16], up_cipher[64], down_version[16], down_cipher[64];
	char upstream_issuer[256];
	bool logged;
};

/* relay.c: after both handshakes. Returns 0, or -1 when the session ended
 * at once. The one place a kTLS hand-off would replace. */
int tlsid_relay_start(struct tlsid_session *s);
/* Make all the progress possible; true when the session is over. */
bool tlsid_relay_step(struct tlsid_session *s);

/* worker.c: the lock (before touching anything), the listeners (before
 * daemonizing), then the threads. */
int tlsid_instance_lock(uint16_t port);
int tlsid_listeners_open(int n, uint16_t port);
int tlsid_workers_start(void);
void tlsid_workers_stop(void);
/* Close a socket with a TCP reset. */
void tlsid_close_reset(int fd);
/* Ex-data index of the session on its SSL objects. */
extern int tlsid_ssl_idx;
SSL_CTX *tlsid_client_ctx(void);
SSL_CTX *tlsid_server_ctx(void);
int tlsid_ssl_ctx_init(void);
void tlsid_ssl_ctx_free(void);

#endif /* TLSID_H */
