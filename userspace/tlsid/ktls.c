// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS for the hand-off: the session keys of a finished OpenSSL handshake,
 * installed into the kernel's TLS layer of its socket, and /dev/tlsi, where
 * tlsi.ko takes both sockets of a session and relays it from then on.
 *
 * OpenSSL 3.0 gives no API for the record keys, so they are derived here
 * the way OpenSSL derives them:
 *   TLS 1.3  key/iv = HKDF-Expand-Label(traffic secret 0, "key"/"iv"), the
 *            secrets taken from the keylog callback (RFC 8446 7.3);
 *   TLS 1.2  key_block = PRF(master secret, "key expansion",
 *            server_random + client_random) = client key, server key,
 *            client iv, server iv (RFC 5246 6.3; AEAD suites have no MAC
 *            keys; the iv is 4 bytes for GCM, 12 for ChaCha20, RFC 7905).
 *
 * The record sequence numbers are not available either; they follow from
 * how tlsid drives OpenSSL (no application data read or written, read-ahead
 * off, no tickets sent to clients): TLS 1.2 starts at 1 both ways (the
 * Finished messages had 0), TLS 1.3 at 0 both ways.
 *
 * Nothing here logs or counts: relay.c decides and tells.
 * tests/unit/check_ktls.c includes this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/tcp.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "tlsid.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static EVP_KDF *tls13_kdf, *tls1_prf;
static int dev_fd = -1;

int tlsid_ktls_init(void)
{
	tls13_kdf = EVP_KDF_fetch(NULL, "TLS13-KDF", NULL);
	tls1_prf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	return tls13_kdf && tls1_prf ? 0 : -1;
}

void tlsid_ktls_free(void)
{
	EVP_KDF_free(tls13_kdf);
	EVP_KDF_free(tls1_prf);
	tls13_kdf = tls1_prf = NULL;
}

/* ---- secrets --------------------------------------------------------- */

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex at s, up to the end of the string, into out; its length or -1. */
static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1]) {
		int hi = hex_nibble(s[0]), lo = hex_nibble(s[1]);

		if (hi < 0 || lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return s[0] ? -1 : (int)n;
}

/*
 * SSL_CTX_set_keylog_callback: OpenSSL hands every secret of the handshake
 * over as an NSS key log line, "LABEL <client random> <secret>". Only the
 * TLS 1.3 application traffic secrets are kept, on the session of the SSL
 * (ex-data tlsid_ssl_idx): tlsid is the server on s->down, the client on
 * s->up.
 */
void tlsid_ktls_keylog(const SSL *ssl, const char *line)
{
	static const char client_label[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server_label[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct tlsid_session *s = SSL_get_ex_data(ssl, tlsid_ssl_idx);
	struct tlsid_tls13_secrets *sec;
	uint8_t *dst, *len;
	const char *p;
	int n;

	if (!s)
		return;
	sec = SSL_is_server(ssl) ? &s->down_secrets : &s->up_secrets;
	if (!strncmp(line, client_label, sizeof(client_label) - 1)) {
		dst = sec->client;
		len = &sec->client_len;
	} else if (!strncmp(line, server_label, sizeof(server_label) - 1)) {
		dst = sec->server;
		len = &sec->server_len;
	} else {
		return;
	}
	*len = 0;		/* until the line proves good */
	p = strchr(line + sizeof(client_label) - 1, ' ');	/* after the random */
	if (!p)
		return;
	n = unhex(p + 1, dst, TLSID_SECRET_MAX);
	if (n > 0)
		*len = (uint8_t)n;
}

/* ---- keys ------------------------------------------------------------ */

int tlsid_ktls_cipher(const SSL *ssl)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	int version = SSL_version(ssl);

	if (!c || (version != TLS1_2_VERSION && version != TLS1_3_VERSION))
		return 0;
	/* A TLS 1.3 server's TX sequence counts the tickets it sent: none. */
	if (version == TLS1_3_VERSION && SSL_is_server(ssl) && SSL_get_num_tickets(ssl))
		return 0;
	if (!SSL_CIPHER_is_aead(c))
		return 0;
	switch (SSL_CIPHER_get_cipher_nid(c)) {
	case NID_aes_128_gcm:
		return TLS_CIPHER_AES_GCM_128;
	case NID_aes_256_gcm:
		return TLS_CIPHER_AES_GCM_256;
	case NID_chacha20_poly1305:
		return TLS_CIPHER_CHACHA20_POLY1305;
	default:
		return 0;	/* CCM: kTLS has it, but no one offers it first */
	}
}

int tlsid_tls13_expand(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		       const char *label, uint8_t *out, size_t out_len)
{
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[6], *p = params;
	EVP_KDF_CTX *kctx;
	int rc;

	if (!tls13_kdf || !md)
		return -1;
	kctx = EVP_KDF_CTX_new(tls13_kdf);
	if (!kctx)
		return -1;
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md), 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, "tls13 ", 6);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label,
						 strlen(label));
	*p = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(kctx, out, out_len, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	return rc;
}

int tlsid_tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
		    const char *label, const uint8_t *seed, size_t seed_len,
		    uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[5], *p = params;
	EVP_KDF_CTX *kctx;
	int rc;

	if (!tls1_prf || !md)
		return -1;
	kctx = EVP_KDF_CTX_new(tls1_prf);
	if (!kctx)
		return -1;
	/* The label is the seed's first part; repeated seeds are concatenated. */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md), 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label,
						 strlen(label));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len);
	*p = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(kctx, out, out_len, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	return rc;
}

static int derive_tls13(const SSL *ssl, const struct tlsid_tls13_secrets *sec,
			struct tlsid_ktls_keys *k)
{
	const EVP_MD *md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	size_t hash_len = md ? (size_t)EVP_MD_get_size(md) : 0;

	if (!sec || !hash_len || sec->client_len != hash_len || sec->server_len != hash_len)
		return -1;
	k->iv_len = 12;
	if (tlsid_tls13_expand(md, sec->client, hash_len, "key", k->client_key, k->key_len) ||
	    tlsid_tls13_expand(md, sec->client, hash_len, "iv", k->client_iv, k->iv_len) ||
	    tlsid_tls13_expand(md, sec->server, hash_len, "key", k->server_key, k->key_len) ||
	    tlsid_tls13_expand(md, sec->server, hash_len, "iv", k->server_iv, k->iv_len))
		return -1;
	return 0;
}

static int derive_tls12(const SSL *ssl, struct tlsid_ktls_keys *k)
{
	const EVP_MD *md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	uint8_t master[SSL_MAX_MASTER_KEY_LENGTH], crand[32], srand[32], randoms[64];
	uint8_t block[2 * 32 + 2 * 12];
	SSL_SESSION *sess = SSL_get_session(ssl);
	size_t master_len;
	int rc = -1;

	if (!sess)
		return -1;
	master_len = SSL_SESSION_get_master_key(sess, master, sizeof(master));
	if (!master_len || SSL_get_client_random(ssl, crand, sizeof(crand)) != sizeof(crand) ||
	    SSL_get_server_random(ssl, srand, sizeof(srand)) != sizeof(srand))
		goto out;
	k->iv_len = k->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 12 : 4;
	memcpy(randoms, srand, 32);
	memcpy(randoms + 32, crand, 32);
	if (tlsid_tls12_prf(md, master, master_len, "key expansion", randoms, sizeof(randoms),
			    block, 2 * (size_t)(k->key_len + k->iv_len)))
		goto out;
	memcpy(k->client_key, block, k->key_len);
	memcpy(k->server_key, block + k->key_len, k->key_len);
	memcpy(k->client_iv, block + 2 * k->key_len, k->iv_len);
	memcpy(k->server_iv, block + 2 * k->key_len + k->iv_len, k->iv_len);
	rc = 0;
out:
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

int tlsid_ktls_derive(const SSL *ssl, const struct tlsid_tls13_secrets *sec,
		      struct tlsid_ktls_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->cipher = (uint16_t)tlsid_ktls_cipher(ssl);
	k->version = (uint16_t)SSL_version(ssl);
	switch (k->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		k->key_len = 16;
		break;
	case TLS_CIPHER_AES_GCM_256:
	case TLS_CIPHER_CHACHA20_POLY1305:
		k->key_len = 32;
		break;
	default:
		return -1;
	}
	if (k->version == TLS1_3_VERSION)
		return derive_tls13(ssl, sec, k);
	return derive_tls12(ssl, k);
}

uint64_t tlsid_ktls_initial_seq(const struct tlsid_ktls_keys *k)
{
	return k->version == TLS1_2_VERSION ? 1 : 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/*
 * The kernel's view of one direction: the writer's key and iv. GCM splits
 * the 12-byte nonce base into salt (4) and iv (8): in TLS 1.3 both are the
 * derived iv; in TLS 1.2 the salt is the derived 4-byte iv and the iv is
 * the first explicit nonce, which OpenSSL and the kernel both take from the
 * sequence number. ChaCha20 has the whole 12 bytes as iv (nonce = iv XOR
 * sequence, in both versions).
 */
size_t tlsid_ktls_crypto_info(const struct tlsid_ktls_keys *k, bool server_writes,
			      uint64_t seq, union tlsid_ktls_crypto *ci)
{
	const uint8_t *key = server_writes ? k->server_key : k->client_key;
	const uint8_t *iv = server_writes ? k->server_iv : k->client_iv;
	uint8_t rec_seq[8];
	size_t len;

	memset(ci, 0, sizeof(*ci));
	put_be64(rec_seq, seq);
	ci->info.version = k->version;
	ci->info.cipher_type = k->cipher;
	switch (k->cipher) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256: {
		/* Same layout but for the key size: fill through the 256 view. */
		uint8_t *salt, *civ, *ckey, *cseq;

		if (k->cipher == TLS_CIPHER_AES_GCM_128) {
			salt = ci->gcm128.salt;
			civ = ci->gcm128.iv;
			ckey = ci->gcm128.key;
			cseq = ci->gcm128.rec_seq;
			len = sizeof(ci->gcm128);
		} else {
			salt = ci->gcm256.salt;
			civ = ci->gcm256.iv;
			ckey = ci->gcm256.key;
			cseq = ci->gcm256.rec_seq;
			len = sizeof(ci->gcm256);
		}
		memcpy(ckey, key, k->key_len);
		memcpy(salt, iv, 4);
		if (k->version == TLS1_3_VERSION)
			memcpy(civ, iv + 4, 8);
		else
			memcpy(civ, rec_seq, 8);
		memcpy(cseq, rec_seq, 8);
		break;
	}
	case TLS_CIPHER_CHACHA20_POLY1305:
		memcpy(ci->chacha.key, key, 32);
		memcpy(ci->chacha.iv, iv, 12);
		memcpy(ci->chacha.rec_seq, rec_seq, 8);
		len = sizeof(ci->chacha);
		break;
	default:
		return 0;
	}
	return len;
}

/* ---- sockets --------------------------------------------------------- */

int tlsid_ktls_ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
}

static int install_dir(int fd, int optname, const union tlsid_ktls_crypto *ci, size_t len,
		       bool verify)
{
	union tlsid_ktls_crypto back;
	socklen_t blen = (socklen_t)len;	/* the kernel wants the cipher's size */

	if (setsockopt(fd, SOL_TLS, optname, ci, (socklen_t)len) < 0)
		return -1;
	if (!verify)
		return 0;
	memset(&back, 0, sizeof(back));
	if (getsockopt(fd, SOL_TLS, optname, &back, &blen) < 0)
		return -1;
	if (blen != len || memcmp(&back, ci, len)) {
		OPENSSL_cleanse(&back, sizeof(back));
		errno = EBADE;	/* "invalid exchange": not what was set */
		return -1;
	}
	OPENSSL_cleanse(&back, sizeof(back));
	return 0;
}

/*
 * TX with the keys of our own role (the server's keys on s->down, where
 * tlsid is the server), RX with the peer's. TCP_ULP must be set already.
 * Once TX or RX is set, OpenSSL can no longer use the socket.
 */
int tlsid_ktls_install(int fd, const SSL *ssl, const struct tlsid_ktls_keys *k, bool verify)
{
	bool server = SSL_is_server(ssl);
	uint64_t seq = tlsid_ktls_initial_seq(k);
	union tlsid_ktls_crypto ci;
	size_t len;
	int rc;

	len = tlsid_ktls_crypto_info(k, server, seq, &ci);
	rc = len ? install_dir(fd, TLS_TX, &ci, len, verify) : -1;
	if (!rc) {
		len = tlsid_ktls_crypto_info(k, !server, seq, &ci);
		rc = len ? install_dir(fd, TLS_RX, &ci, len, verify) : -1;
	}
	OPENSSL_cleanse(&ci, sizeof(ci));
	if (!len)
		errno = EINVAL;
	return rc;
}

ssize_t tlsid_ktls_recv(int fd, void *buf, size_t len, uint8_t *type)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return n;
	*type = 23;	/* application data: kTLS adds no cmsg */
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_TLS && cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
		*type = *CMSG_DATA(cmsg);
	return n;
}

int tlsid_ktls_send_alert(int fd, uint8_t level, uint8_t description)
{
	uint8_t alert[2] = { level, description };
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cmsg) = 21;	/* alert */
	return sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(alert) ? 0 : -1;
}

/* ---- /dev/tlsi ------------------------------------------------------- */

int tlsid_dev_open(void)
{
	dev_fd = open("/dev/" TLSI_DEV_NAME, O_RDWR | O_CLOEXEC);
	return dev_fd < 0 ? -1 : 0;
}

void tlsid_dev_close(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
}

bool tlsid_dev_ready(void)
{
	return dev_fd >= 0;
}

int tlsid_dev_handoff(int client_fd, int server_fd, unsigned idle_timeout,
		      const struct tlsi_ssl_report *report, const char *sni,
		      const struct tlsid_server_certs *certs,
		      const uint8_t *hello, uint32_t hello_len)
{
	struct tlsi_handoff h = {
		.client_fd = client_fd,
		.server_fd = server_fd,
		/* The kernel takes at most a day: it ends the session then. */
		.idle_timeout = idle_timeout < TLSI_RELAY_IDLE_MAX ? idle_timeout :
				TLSI_RELAY_IDLE_MAX,
		.report = *report,
	};

	/* The parser keeps at most 255 bytes of name: it always fits. */
	snprintf(h.sni, sizeof(h.sni), "%s", sni ? sni : "");
	if (certs && certs->blob_len) {
		h.server_certs = (uintptr_t)certs->blob;
		h.server_certs_len = (uint32_t)certs->blob_len;
	}
	if (hello && hello_len && hello_len <= TLSI_HELLO_MAX) {
		h.client_hello = (uintptr_t)hello;
		h.client_hello_len = hello_len;
	}

	if (dev_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	return ioctl(dev_fd, TLSI_IOC_HANDOFF, &h) < 0 ? -1 : 0;
}

int tlsid_dev_handoff_plain(int client_fd, int server_fd, unsigned idle_timeout,
			    const struct tlsi_ssl_report *report, const char *sni)
{
	struct tlsi_handoff h = {
		.client_fd = client_fd,
		.server_fd = server_fd,
		.flags = TLSI_HANDOFF_F_PLAIN,
		.idle_timeout = idle_timeout < TLSI_RELAY_IDLE_MAX ? idle_timeout :
				TLSI_RELAY_IDLE_MAX,
		.report = *report,
	};

	snprintf(h.sni, sizeof(h.sni), "%s", sni ? sni : "");
	if (dev_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	return ioctl(dev_fd, TLSI_IOC_HANDOFF, &h) < 0 ? -1 : 0;
}

int tlsid_dev_report(const struct tlsi_ssl_report *report)
{
	struct tlsi_ssl_report r = *report;

	if (dev_fd < 0)
		return 0;
	return ioctl(dev_fd, TLSI_IOC_REPORT, &r) < 0 ? -1 : 0;
}

int tlsid_dev_session_info(struct tlsi_session_info *info)
{
	if (dev_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	return ioctl(dev_fd, TLSI_IOC_SESSION_INFO, info) < 0 ? -1 : 0;
}
