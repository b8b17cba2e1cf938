/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsid, the TLS handshake daemon of tlsi: the one internal header.
 *
 * Files:
 *   main.c         options, start-up, signals, shutdown
 *   log.c          log helpers, the SSL inspection log, counters
 *   setup.c        policy routing (rtnetlink) and the kernel's divert settings
 *   ca.c           the untrusted CA, leaf keys
 *   certs.c        signing CAs and trust stores by name (the repository),
 *                  key ring and keystore (persist-keys), expiry warnings
 *   policy.c       per-session settings of the diverting SSL policy
 *   forge.c        forged leaf certificates and their LRU cache
 *   clienthello.c  the bounded ClientHello parser (no OpenSSL)
 *   worker.c       listeners, epoll loops, the handshake state machine
 *   relay.c        after both handshakes: the hand-off to tlsi.ko, or the
 *                  plaintext relay in userspace
 *   ktls.c         session keys into kTLS, /dev/tlsi (hand-off and reports)
 *   offer.c        the upstream offer: never weaker than the client's
 *   decrypt.c      decryption policies: the decision by SNI, and the
 *                  pass-through of what is not decrypted
 *   ips.c          the filter engine on the sessions relayed here: the
 *                  rule image tlsictl publishes, alerts (EVE), blocks
 *
 * Documentation/tlsid.md describes the behaviour and the threading model.
 */
#ifndef TLSID_H
#define TLSID_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <linux/tls.h>
#include <uapi/linux/tlsi.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TLSID_DEFAULT_PORT	15443
#define TLSID_DEFAULT_MARK	0x7a5
#define TLSID_DEFAULT_TABLE	233
#define TLSID_RULE_PRIORITY	1000	/* of the fwmark rule, before main's 32766 */
#define TLSID_DEFAULT_CACHE	4096	/* forged certificates kept */
#define TLSID_DEFAULT_SESSIONS	10000	/* concurrent sessions per daemon */
#define TLSID_DEFAULT_HS_TIMEOUT 15	/* seconds from accept to relaying */
/* Default --max-handshakes-per-source: this share of --max-sessions. */
#define TLSID_DEFAULT_HS_PER_SOURCE_DIV 10
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
/* The lowest version in supported_versions (GREASE and unknown values
 * ignored); 0 without the extension (the client said no floor). */
uint16_t tlsid_ch_min_version(const struct tlsid_ch *ch);
/* Whether the client offered cipher suite id (among the first
 * TLSID_CH_CIPHERS_MAX it sent). */
bool tlsid_ch_offers_cipher(const struct tlsid_ch *ch, uint16_t id);

/* ---- configuration (main.c) ------------------------------------------ */

enum tlsid_seccomp_mode {
	TLSID_SECCOMP_KILL,		/* the default: any other call kills tlsid */
	TLSID_SECCOMP_LOG,		/* allowed, and logged by the kernel */
	TLSID_SECCOMP_OFF,
};

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
	unsigned max_hs_per_source;	/* unfinished handshakes per client address; 0: no limit */
	unsigned hs_timeout, idle_timeout;
	int verbose;
	bool log_all;			/* every session in the inspection log */
	const char *decrypt_dir;	/* decrypt.c: NULL: decrypt_dir() */
	const char *pinned_cache;	/* decrypt.c: NULL: pinned_file() */
	const char *acme_challenges;	/* acme.c: published http-01 answers */
	unsigned pinned_ttl, pinned_max;
	const char *keystore;		/* persist-keys on: tlsid's copy (certs.c) */
	const char *rules_image;	/* ips.c: the published image; NULL: none */
	const char *eve_file;		/* ips.c: EVE alerts of the userspace relay */
	const char *events;		/* events.c: tlslogd's socket */
	const char *trace_file;		/* trace.c: pcap traces of the userspace relay */
	unsigned long trace_file_max;	/* bytes; traces stop there */
	const char *user;		/* sandbox.c: --user; NULL: the default */
	enum tlsid_seccomp_mode seccomp;
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
	X(blocked_expired)						\
	X(blocked_weak_key)						\
	X(cert_unavailable)						\
	X(forge_failed)							\
	X(forged)							\
	X(forge_cache_hits)						\
	X(client_handshake_failed)					\
	X(handshake_timeout)						\
	X(decrypted)							\
	X(handed_off)							\
	X(userspace_relayed)						\
	X(ktls_unsupported_suite)					\
	X(ktls_unavailable)						\
	X(ktls_pending_data)						\
	X(ktls_install_failed)						\
	X(handoff_failed)						\
	X(kernel_reports_failed)					\
	X(idle_timeout)							\
	X(resets_propagated)						\
	X(relay_errors)							\
	X(bytes_client_to_server)					\
	X(bytes_server_to_client)					\
	X(ips_rule_loads)						\
	X(ips_rule_loads_refused)					\
	X(ips_inspected_sessions)					\
	X(ips_bytes)							\
	X(ips_alerts)							\
	X(ips_blocks)							\
	X(ips_passes)							\
	X(ips_quarantines)						\
	X(ips_quarantine_failed)					\
	X(ips_traces_started)						\
	X(ips_trace_bytes)						\
	X(ips_trace_capped)						\
	X(ips_trace_errors)						\
	X(ips_trace_file_full)						\
	X(ips_depth_reached)						\
	X(ips_engine_errors)						\
	X(ips_http_anomalies)						\
	X(ips_dns_anomalies)						\
	X(ips_http2_anomalies)						\
	X(ips_tls_anomalies)						\
	X(ips_stream_window_exceeded)					\
	X(internal_errors)						\
	X(source_limit_dropped)						\
	X(not_decrypted_policy)						\
	X(decrypt_policy_unavailable)					\
	X(bypassed_client_cert)						\
	X(bypassed_unsupported)						\
	X(bypassed_timeout)						\
	X(pinned_detected)						\
	X(not_decrypted_pinned)						\
	X(pinned_cache_errors)						\
	X(client_offer_refused)						\
	X(events_lost)							\
	X(not_decrypted_category)					\
	X(decrypted_override)						\
	X(http2_downgraded)						\
	X(blocked_weak_kx)						\
	X(proxy_settings_failed)					\
	X(acme_answered)						\
	X(acme_passed)							\
	X(acme_failed)

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
	char name[256];		/* for messages: the repository name or file */
	uint64_t gen;		/* this load of it: keys the forged-leaf cache */
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
X509 *tlsid_forge(X509 *server, const struct tlsid_ca *ca, EVP_PKEY **key);
/* Exposed for the cache and tests. */
X509 *tlsid_forge_leaf(X509 *server, const struct tlsid_ca *ca, EVP_PKEY *key,
		       time_t now);
int tlsid_forge_cache_init(unsigned size);
void tlsid_forge_cache_free(void);

/* ---- certs.c: signing CAs and trust stores by name ------------------- */

#define TLSID_DEFAULT_KEYSTORE	"/var/lib/tlsid/keys"
#define TLSID_EXPIRY_WARN_DAYS	30

/* A signing CA of the registry, or a protected server's certificate with
 * its key, shared by reference (tlsid_signer_put). */
struct tlsid_signer {
	atomic_int refs;
	struct tlsid_ca ca;	/* ca.chain: the CA itself, then its own chain */
};

/* Start: key ring, keystore, the command line's signing CA and trust
 * (tlsid_keys.trust); -1 (logged) when they cannot be had. */
int tlsid_certs_init(const struct tlsid_config *cfg);
/* After daemon(): memory locks are not inherited; lock the key ring again. */
void tlsid_certs_daemonized(void);
void tlsid_certs_free(void);
/* The signing CA called name ("" or NULL: the command line's): loaded on
 * first use, reloaded when its files change. NULL with err set. */
struct tlsid_signer *tlsid_signer_get(const char *name, char *err, size_t len);
void tlsid_signer_put(struct tlsid_signer *s);
/* A protected server's certificate called name, with its key and the chain
 * stored with it (ca.chain, without the certificate), for SSL server
 * inspection: loaded and reloaded like a signing CA. NULL with err set. */
struct tlsid_signer *tlsid_server_cert_get(const char *name, char *err, size_t len);
/* The trust store called name ("" or NULL: the command line's); a new
 * reference (X509_STORE_free it), NULL with err set. */
X509_STORE *tlsid_trust_get(const char *name, char *err, size_t len);
/* One line (RFC 2253) of a name. */
void tlsid_name_line(const X509_NAME *n, char *buf, size_t len);

/* ---- policy.c: the settings of the policy that diverted a session ---- */

struct tlsid_policy {
	uint32_t id;			/* 0: unknown: the command line's settings */
	uint32_t flags;			/* TLSI_SSL_F_*, the command line's OR-ed in */
	uint32_t min_rsa_bits;		/* 0: no minimum */
	uint8_t service;		/* enum tlsi_ssl_service */
	char name[TLSI_SSL_NAME_MAX];	/* the policy's */
	char proxy[TLSI_SSL_NAME_MAX];
	char cert[TLSI_CERT_NAME_MAX];	/* signing certificate; "": tlsid's */
	char trust_store[TLSI_CERT_NAME_MAX];	/* "": tlsid's */
	uint32_t inspect_depth;		/* the profile's; TLSI_INSPECT_DEPTH_DEFAULT:
					 * the IPS setting */
	char decrypt_policy[TLSI_SSL_NAME_MAX];	/* "": none */
	uint16_t min_version, max_version;	/* the proxy's TLS range */
	uint16_t min_dh_bits, min_ec_bits;	/* 0: no minimum */
	char client_ciphers[TLSI_CIPHERS_MAX];	/* selections (ciphersel.h) */
	char server_ciphers[TLSI_CIPHERS_MAX];
	uint8_t role;			/* enum tlsi_ssl_role: the proxy's */
	uint32_t proxy_id;		/* its certificates are cached by it */
};

struct tlsid_session;
/* TLSI_IOC_SESSION_INFO for the accepted socket fd. */
void tlsid_policy_lookup(int fd, struct tlsid_policy *p);
/* After the server's handshake (s->chain_ok, s->verify_err set): a reason
 * to refuse the session, or TLSI_SSL_REASON_NONE; why says it. Counts. */
enum tlsi_ssl_reason tlsid_policy_verdict(const struct tlsid_session *s, X509 *peer,
					  char *why, size_t len);
/* The session's trust store onto its upstream SSL; -1 with why. */
int tlsid_policy_trust(const struct tlsid_session *s, SSL *up, char *why, size_t len);
/* The proxy's protocol range, cipher suites of that side (upstream: the
 * server-side list) and Encrypt-then-MAC onto ssl; -1 with why. */
int tlsid_policy_tls(const struct tlsid_session *s, SSL *ssl, bool upstream, char *why,
		     size_t len);
/* After the server's handshake: its key exchange key (DH, EC) below the
 * proxy's minimum? A reason (SERVER_CIPHER) with why, else NONE. */
enum tlsi_ssl_reason tlsid_policy_kx_verdict(const struct tlsid_session *s, char *why,
					     size_t len);
/* The session's signing CA (tlsid_signer_put it); NULL with why. */
struct tlsid_signer *tlsid_policy_signer(const struct tlsid_session *s, char *why, size_t len);

/* ---- sessions (worker.c, relay.c) ------------------------------------ */

enum tlsid_state {
	TLSID_S_PEEK,		/* waiting for the whole ClientHello */
	TLSID_S_CONNECT,	/* connecting upstream as the client */
	TLSID_S_UP_HS,		/* TLS client handshake with the server */
	TLSID_S_DOWN_HS,	/* TLS server handshake with the client */
	TLSID_S_RELAY,		/* plaintext relay */
	TLSID_S_DONE,
};

/* TLS 1.3 application traffic secrets of one SSL (ktls.c's keylog callback). */
#define TLSID_SECRET_MAX	48	/* SHA-384 */
struct tlsid_tls13_secrets {
	uint8_t client[TLSID_SECRET_MAX], server[TLSID_SECRET_MAX];
	uint8_t client_len, server_len;
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

/* addr.c: a socket address of either family (IPv4 never mapped). */
union tlsid_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};
/* "[2001:db8::1]:65535" */
#define TLSID_SOCKADDR_STR_MAX	(INET6_ADDRSTRLEN + 8)
void tlsid_sockaddr_unmap(union tlsid_sockaddr *a);
socklen_t tlsid_sockaddr_len(const union tlsid_sockaddr *a);
uint16_t tlsid_sockaddr_port(const union tlsid_sockaddr *a);
void tlsid_sockaddr_bytes(const union tlsid_sockaddr *a, uint8_t out[16]);
const char *tlsid_sockaddr_ip(const union tlsid_sockaddr *a, char *buf, size_t len);
const char *tlsid_sockaddr_str(const union tlsid_sockaddr *a, char *buf, size_t len);

struct tlsid_worker;
struct tlsid_ips_flow;

struct tlsid_session {
	enum tlsid_obj_kind kind;	/* TLSID_OBJ_SESSION; first: epoll data */
	struct tlsid_worker *w;
	struct tlsid_session *prev, *next;	/* the worker's list */
	enum tlsid_state state;
	int cfd, ufd;			/* client-facing, upstream */
	bool ufd_added;
	union tlsid_sockaddr client, server;
	SSL *down, *up;			/* daemon as server / as client */
	struct tlsid_ch ch;
	uint8_t *hello;			/* the ClientHello message (records
					 * removed) for ja3.* rules, or NULL */
	uint32_t hello_len;
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
	enum tlsi_ssl_reason kreason;	/* the kernel's name for reason */
	enum tlsi_relay_kind relay;	/* how it was relayed (if it was) */
	bool cert_requested;		/* the server asked for a client certificate */
	char reason[256];
	char up_version[16], up_cipher[64], down_version[16], down_cipher[64];
	uint16_t up_wire_version, up_cipher_id;	/* for the kernel's report */
	uint16_t down_wire_version, down_cipher_id;
	struct tlsid_tls13_secrets down_secrets, up_secrets;
	bool ktls;			/* kTLS on both sockets, OpenSSL done with them */
	char upstream_issuer[256];
	struct tlsid_policy pol;	/* policy.c */
	char issuer[256];		/* subject of the CA that signed the leaf served */
	bool logged;
	bool src_held;			/* counted in its source's unfinished handshakes */
	bool src_refused;		/* refused: its source had its limit */
	struct tlsid_ips_flow *ips;	/* ips.c: engine state (userspace relay) */
	bool ips_blocked;		/* ... which blocked it (s->reason says why) */
	bool passthrough;		/* decrypt.c: not decrypted, relayed untouched */
	bool bypassed;			/* ... for a reason (s->reason), not a domain */
	bool pinned;			/* ... the name is in the pinned cache */
	bool offer_set;			/* offer.c ran on s->up */
	char decrypt_match[256];	/* the policy's domain that matched the SNI */
	char decrypt_category[65];	/* ... or the category (category.h) */
	char category_match[256];	/* ... of this listed domain */
	char decrypt_override[256];	/* decrypted: this override beat decrypt_category */
	bool decide_by_cert;		/* the policy decides after the server handshake */
	char server_cert[TLSI_CERT_NAME_MAX];	/* server inspection: the one served */
};

/* ---- server.c: SSL server inspection ---------------------------------- */

/*
 * The server's handshake done for a session of a server proxy: check the
 * server if the proxy says so (verify-server), choose the protected
 * server's certificate by the client's SNI and set up s->down (from ctx)
 * with it. TLSI_SSL_REASON_NONE, or the reason the session is refused with
 * *res and why (counted).
 */
enum tlsi_ssl_reason tlsid_server_down_setup(struct tlsid_session *s, SSL_CTX *ctx,
					     enum tlsid_result *res, char *why, size_t len);
void tlsid_server_free(void);

/* ---- offer.c: what tlsid offers the server --------------------------- */

/* On the upstream SSL up of s: versions and cipher suites bounded by what
 * the client offered. -1 with why when nothing remains. */
int tlsid_upstream_offer(const struct tlsid_session *s, SSL *up, char *why, size_t len);

/* ---- acme.c: ACME http-01 challenges on the protected servers' port 80 - */

#define TLSID_DEFAULT_ACME_CHALLENGES	"/var/lib/tlsi/acme/challenges"
#define TLSID_ACME_REQ_MAX	4096	/* a challenge request, headers included */
#define TLSID_ACME_TOKEN_MAX	128	/* base64url characters (RFC 8555: >= 22) */
#define TLSID_ACME_AUTH_MAX	512	/* TOKEN.THUMBPRINT, bytes */
#define TLSID_ACME_PORT		80	/* where http-01 is validated (RFC 8555 8.3) */

enum tlsid_acme_parse {
	TLSID_ACME_NOT_HTTP,	/* not an HTTP method: not the responder's */
	TLSID_ACME_MORE,	/* could be a challenge: wait for more bytes */
	TLSID_ACME_CHALLENGE,	/* a complete GET for a well-formed token */
	TLSID_ACME_OTHER,	/* HTTP, not a challenge (or too big, malformed) */
};

/* Open the challenge directory (before the sandbox); NULL: none. -1 when
 * it cannot be opened (logged: no challenge is answered then). */
int tlsid_acme_init(const char *dir);
/* The first n bytes a client sent. CHALLENGE: token (TLSID_ACME_TOKEN_MAX
 * + 1 bytes) and *req_len (the request's bytes, headers included) set. */
enum tlsid_acme_parse tlsid_acme_parse(const uint8_t *buf, size_t n, char *token,
				       size_t *req_len);
/* The key authorization published for token, NUL-terminated in out; its
 * length, or -1 when there is none (or the file is not one). */
ssize_t tlsid_acme_key_auth(const char *token, char *out, size_t len);
/* A session tlsi.ko diverted for ACME: port 80 of a server proxy with
 * acme-http01 on (TLSI_SSL_F_ACME_HTTP01; its other ports are TLS). */
bool tlsid_acme_session(const struct tlsid_session *s);
/*
 * PEEK of such a session, peek its first n bytes: a complete challenge
 * request for a published token is answered (s->state DONE, the client
 * closed); anything else goes to the server untouched (s->passthrough,
 * state CONNECT: returns true, go on). False while an unfinished
 * challenge request waits for its bytes, or once answered.
 */
bool tlsid_acme_handle(struct tlsid_session *s, const uint8_t *peek, size_t n);

/* ---- decrypt.c: decryption policies ---------------------------------- */

/* After the ClientHello: does the session's decryption policy except its
 * SNI, by domain or by category? Sets s->passthrough (and s->decrypt_match
 * or s->decrypt_category, or s->bypassed with s->reason when the policy or
 * the category database it needs cannot be read). */
void tlsid_decrypt_decide(struct tlsid_session *s);
/* s->decide_by_cert, the server handshake done: decide by the names of
 * its certificate peer. True when the session is not to be decrypted
 * (s->passthrough and the fields above set): the caller connects again
 * and passes it through. */
bool tlsid_decrypt_decide_cert(struct tlsid_session *s, X509 *peer);
/* Connected upstream, s->passthrough: hand both plain sockets to tlsi.ko,
 * the ClientHello still unread in the client's; the session leaves tlsid
 * (s->state TLSID_S_DONE). */
void tlsid_passthrough_start(struct tlsid_session *s);
void tlsid_decrypt_free(void);
/* The pinned-application cache file (--pinned-cache), opened as root;
 * when it cannot be (logged), no name is kept. 0. */
int tlsid_pinned_open(void);
/* A client refused the forged certificate for name: into the cache. */
void tlsid_pinned_add(const char *name);

/* relay.c: after both handshakes, hand the session to tlsi.ko or relay it
 * here. Returns 0 when tlsid relays it, -1 when the session left tlsid
 * (handed off, or reset: s->state is TLSID_S_DONE). */
int tlsid_relay_start(struct tlsid_session *s);
/* Make all the progress possible; true when the session is over. */
bool tlsid_relay_step(struct tlsid_session *s);

/* ---- ips.c: the filter engine on the userspace relay ----------------- */

/* The image at tlsid_cfg.rules_image, if any (main, before the workers). */
void tlsid_ips_init(void);
/* Main thread, about once a second: reload the image when the file
 * changed (mtime, inode, size), unload it when it is gone; the kernel's
 * IPS settings (depth, body-depth, quarantine). */
void tlsid_ips_check(void);
void tlsid_ips_free(void);
/* events.c: records to tlslogd (--events PATH). tlsid_events_send()
 * returns false when there is no tlslogd (write the record yourself), true
 * when it was sent or lost (counted). */
int tlsid_events_open(const char *path);
void tlsid_events_close(void);
bool tlsid_events_enabled(void);
bool tlsid_events_send(const char *line, size_t len);
void tlsid_events_system(const char *severity, const char *message);
/* The counters as one "stats" record to tlslogd (main loop, every 5 s). */
void tlsid_stats_send(void);

/* --eve FILE; reopened on SIGHUP. */
int tlsid_eve_open(const char *path);
void tlsid_eve_close(void);
/* The session goes to the userspace relay. */
void tlsid_ips_start(struct tlsid_session *s);
/* "ips_rules": [{gid, sid, rev, hits, alerts, drops}] of the rules in use
 * that counted anything (the stats line; nothing without rules). */
struct json;
void tlsid_ips_rule_counters(struct json *j);

/* ---- trace.c: packet traces of the userspace relay (--trace-file) ------ */

#include "pcap.h"

/* A session's trace (in its IPS state). */
struct tlsid_trace {
	bool on;			/* a traced rule fired (and a file is open) */
	bool capped;			/* trace-bytes reached */
	uint32_t sid;
	uint64_t bytes;			/* data written */
	struct tlsi_pcap_flow pf;
};

#define TLSID_TRACE_FILE_MAX_DEFAULT	(256UL << 20)

/* Open FILE for appending; 0 or -1 (logged). */
int tlsid_trace_open(const char *path);
void tlsid_trace_close(void);
bool tlsid_trace_enabled(void);
/* base: the first stream offset of each direction the trace will hold. */
void tlsid_trace_start(const struct tlsid_session *s, struct tlsid_trace *t, uint64_t flow_id,
		       uint32_t sid, const uint64_t base[2]);
/* A chunk at stream offset off of direction dir; at most cap bytes per flow. */
void tlsid_trace_data(struct tlsid_trace *t, unsigned int dir, uint64_t off,
		      const uint8_t *data, size_t len, uint64_t cap);
/* The session ended after seen[dir] bytes each way: FINs. */
void tlsid_trace_end(struct tlsid_trace *t, const uint64_t seen[2]);
/* A plaintext chunk of direction dir (TLSI_IPS_DIR_TO_SERVER/_TO_CLIENT) before
 * it is written on: true when the session is blocked (then s->result,
 * s->reason and s->ips_blocked say so; the relay ends it). */
bool tlsid_ips_data(struct tlsid_session *s, unsigned int dir, const uint8_t *data,
		    size_t len);
/* The session was blocked by a reject rule (both sides are reset). */
bool tlsid_ips_rejected(const struct tlsid_session *s);
/* The session ends (worker thread): both directions' end, state freed. */
void tlsid_ips_end(struct tlsid_session *s);
/* A worker thread stops: its image reference and scratch go. */
void tlsid_ips_thread_done(void);

/* ---- ktls.c: kTLS keys and /dev/tlsi -------------------------------- */

/* Both directions' keys of one TLS connection, by who writes with them. */
struct tlsid_ktls_keys {
	uint16_t version;		/* TLS1_2_VERSION or TLS1_3_VERSION */
	uint16_t cipher;		/* TLS_CIPHER_* of <linux/tls.h> */
	uint8_t key_len;
	uint8_t iv_len;			/* derived: 4 for GCM in TLS 1.2, else 12 */
	uint8_t client_key[32], server_key[32];
	uint8_t client_iv[12], server_iv[12];
};

/* What setsockopt(SOL_TLS, TLS_TX or TLS_RX) takes. */
union tlsid_ktls_crypto {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

int tlsid_ktls_init(void);
void tlsid_ktls_free(void);
/* SSL_CTX_set_keylog_callback of both contexts: keeps the TLS 1.3 traffic
 * secrets on the SSL's session. */
void tlsid_ktls_keylog(const SSL *ssl, const char *line);
/* The kTLS cipher (TLS_CIPHER_*) that carries ssl's negotiated version and
 * suite, 0 when kTLS cannot. */
int tlsid_ktls_cipher(const SSL *ssl);
/* HKDF-Expand-Label(secret, "tls13 " label, "", out_len), RFC 8446 7.1. */
int tlsid_tls13_expand(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		       const char *label, uint8_t *out, size_t out_len);
/* The TLS 1.2 PRF, RFC 5246 5: PRF(secret, label, seed), out_len bytes. */
int tlsid_tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		    const char *label, const uint8_t *seed, size_t seed_len,
		    uint8_t *out, size_t out_len);
/* The record keys of ssl after its handshake (sec: its TLS 1.3 secrets). */
int tlsid_ktls_derive(const SSL *ssl, const struct tlsid_tls13_secrets *sec,
		      struct tlsid_ktls_keys *k);
/* The sequence number of the first record after the handshake. */
uint64_t tlsid_ktls_initial_seq(const struct tlsid_ktls_keys *k);
/* The crypto info of the direction written by the server (or the client),
 * at record seq; its size, 0 for an unknown cipher. */
size_t tlsid_ktls_crypto_info(const struct tlsid_ktls_keys *k, bool server_writes,
			      uint64_t seq, union tlsid_ktls_crypto *ci);
/* setsockopt(TCP_ULP, "tls"): keys can be set after it; without keys the
 * socket still carries OpenSSL's records unchanged. */
int tlsid_ktls_ulp(int fd);
/* TX and RX for ssl's role on fd; verify: read both back (getsockopt) and
 * compare. -1 with errno. */
int tlsid_ktls_install(int fd, const SSL *ssl, const struct tlsid_ktls_keys *k, bool verify);

/* On a kTLS socket (after a refused hand-off): one record's plaintext and
 * its type (23 data, 21 alert, 22 handshake), and a TLS alert out. */
ssize_t tlsid_ktls_recv(int fd, void *buf, size_t len, uint8_t *type);
int tlsid_ktls_send_alert(int fd, uint8_t level, uint8_t description);

/* servercerts.c: the upstream server's certificates for the IPS rules
 * (tls.cert_subject/issuer/serial of the leaf, tls.certs DER, leaf first),
 * and the same as the hand-off's struct tlsi_cert_rec records. */
struct tlsid_server_certs {
	char subject[TLSI_CERT_TEXT_MAX], issuer[TLSI_CERT_TEXT_MAX];
	char serial[TLSI_CERT_TEXT_MAX];
	size_t subject_len, issuer_len, serial_len;
	const uint8_t *der[TLSI_CERTS_CHAIN_MAX];	/* into blob */
	uint32_t der_len[TLSI_CERTS_CHAIN_MAX];
	uint32_t nder;
	uint8_t *blob;			/* the records, blob_len bytes */
	size_t blob_len;
};
/* 0, or -1 (no peer certificate, no memory: c is then empty). */
int tlsid_server_certs_get(SSL *up, struct tlsid_server_certs *c);
void tlsid_server_certs_free(struct tlsid_server_certs *c);

/* /dev/tlsi: open at start (unless --no-kernel), shared by the workers. */
int tlsid_dev_open(void);
void tlsid_dev_close(void);
bool tlsid_dev_ready(void);
/* TLSI_IOC_HANDOFF: -1 with errno; on success the kernel holds both
 * sockets and the caller closes its descriptors. */
/* sni: the ClientHello's server name (tls.sni rules in the kernel), or NULL;
 * certs: the server's certificates (tls.cert_* rules), or NULL */
/* hello: the ClientHello message (ja3.* rules), or NULL */
int tlsid_dev_handoff(int client_fd, int server_fd, unsigned idle_timeout,
		      const struct tlsi_ssl_report *report, const char *sni,
		      const struct tlsid_server_certs *certs,
		      const uint8_t *hello, uint32_t hello_len);
/* TLSI_IOC_HANDOFF with TLSI_HANDOFF_F_PLAIN: two plain TCP sockets (a
 * session not decrypted); -1 with errno. */
int tlsid_dev_handoff_plain(int client_fd, int server_fd, unsigned idle_timeout,
			    const struct tlsi_ssl_report *report, const char *sni);
/* TLSI_IOC_REPORT; 0 when there is no device. */
int tlsid_dev_report(const struct tlsi_ssl_report *report);
/* TLSI_IOC_SESSION_INFO (info->client_fd set); -1 with errno (ENODEV
 * without the device). */
int tlsid_dev_session_info(struct tlsi_session_info *info);

/* sandbox.c: resolve the user to run as (at start, before any setup);
 * then, set up, drop to it with the capabilities tlsid needs, no_new_privs
 * and the seccomp filter (before the workers start). -1 logged. */
int tlsid_sandbox_prepare(const struct tlsid_config *cfg);
int tlsid_sandbox_enter(const struct tlsid_config *cfg);

/* worker.c: the lock (before touching anything), the listeners (before
 * daemonizing), then the threads. */
int tlsid_instance_lock(uint16_t port);
int tlsid_listeners_open(int n, uint16_t port);
int tlsid_workers_start(void);
void tlsid_workers_stop(void);
/* Close a socket with a TCP reset; or in order (a FIN after what is queued).
 * Session sockets reset when tlsid dies holding them. */
void tlsid_close_reset(int fd);
void tlsid_close_graceful(int fd);
void tlsid_sock_reset_on_death(int fd);
/* Ex-data index of the session on its SSL objects. */
extern int tlsid_ssl_idx;
SSL_CTX *tlsid_client_ctx(void);
SSL_CTX *tlsid_server_ctx(void);
int tlsid_ssl_ctx_init(void);
void tlsid_ssl_ctx_free(void);
/* The session's outcome as the kernel counts it. */
void tlsid_session_report(const struct tlsid_session *s, struct tlsi_ssl_report *r);

#endif /* TLSID_H */
