// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tlsid's kTLS key derivation (userspace/tlsid/ktls.c,
 * included).
 *
 * The host kernel has no kTLS, so what tlsid would install is checked
 * against OpenSSL itself: a real handshake between two SSL objects over a
 * socketpair, then one record each way the way the kernel would do it with
 * the crypto info tlsid builds (its key, salt, iv, rec_seq and the kernel's
 * nonce and AAD rules): a record sealed by hand must be read by the peer's
 * SSL_read, and a record the peer's SSL_write sent must open by hand. That
 * proves keys, ivs and sequence numbers, for TLS 1.2 and 1.3, AES-128-GCM,
 * AES-256-GCM and ChaCha20-Poly1305, on the client-facing socket (tlsid the
 * server) and on the upstream one (tlsid the client). The sealing itself is
 * checked against RFC 8448's first application record.
 *
 * Known-answer tests: RFC 8448 section 3 (keys and ivs from the application
 * traffic secrets) and the TLS 1.2 PRF vector published for the IETF TLS WG.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "../../userspace/tlsid/ktls.c"

int tlsid_ssl_idx = -1;

static size_t unhex_test(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned v;

		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* ---- sealing and opening records as the kernel does -------------------- */

struct dir_keys {
	int version, cipher;
	uint8_t key[32], salt[4], iv[12];	/* iv: 8 (GCM) or 12 (ChaCha) */
	size_t key_len, iv_len;
	uint64_t seq;
};

/* Read the crypto info back into the fields, the way tls_set_sw_offload does. */
static void dir_from_info(const union tlsid_ktls_crypto *ci, struct dir_keys *d)
{
	const uint8_t *seq;
	int i;

	memset(d, 0, sizeof(*d));
	d->version = ci->info.version;
	d->cipher = ci->info.cipher_type;
	switch (d->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		d->key_len = 16;
		d->iv_len = 8;
		memcpy(d->key, ci->gcm128.key, 16);
		memcpy(d->salt, ci->gcm128.salt, 4);
		memcpy(d->iv, ci->gcm128.iv, 8);
		seq = ci->gcm128.rec_seq;
		break;
	case TLS_CIPHER_AES_GCM_256:
		d->key_len = 32;
		d->iv_len = 8;
		memcpy(d->key, ci->gcm256.key, 32);
		memcpy(d->salt, ci->gcm256.salt, 4);
		memcpy(d->iv, ci->gcm256.iv, 8);
		seq = ci->gcm256.rec_seq;
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		d->key_len = 32;
		d->iv_len = 12;
		memcpy(d->key, ci->chacha.key, 32);
		memcpy(d->iv, ci->chacha.iv, 12);
		seq = ci->chacha.rec_seq;
		break;
	default:
		ck_abort_msg("cipher %d", d->cipher);
		return;
	}
	for (i = 0; i < 8; i++)
		d->seq = d->seq << 8 | seq[i];
}

static const EVP_CIPHER *dir_evp(const struct dir_keys *d)
{
	return d->cipher == TLS_CIPHER_AES_GCM_128 ? EVP_aes_128_gcm() :
	       d->cipher == TLS_CIPHER_AES_GCM_256 ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}

static bool explicit_nonce(const struct dir_keys *d)
{
	return d->version == TLS_1_2_VERSION && d->cipher != TLS_CIPHER_CHACHA20_POLY1305;
}

/* The 12-byte nonce of record d->seq; wire_explicit: a TLS 1.2 GCM record's. */
static void dir_nonce(const struct dir_keys *d, const uint8_t *wire_explicit, uint8_t nonce[12])
{
	int i;

	if (explicit_nonce(d)) {
		memcpy(nonce, d->salt, 4);
		memcpy(nonce + 4, wire_explicit, 8);
		return;
	}
	if (d->cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(nonce, d->iv, 12);
	} else {
		memcpy(nonce, d->salt, 4);
		memcpy(nonce + 4, d->iv, 8);
	}
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
}

/* AAD: TLS 1.3 the record header; TLS 1.2 seq, type, version, length. */
static size_t dir_aad(const struct dir_keys *d, const uint8_t hdr[5], size_t plain_len,
		      uint8_t aad[13])
{
	int i;

	if (d->version == TLS_1_3_VERSION) {
		memcpy(aad, hdr, 5);
		return 5;
	}
	for (i = 0; i < 8; i++)
		aad[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	aad[8] = hdr[0];
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(plain_len >> 8);
	aad[12] = (uint8_t)plain_len;
	return 13;
}

/* Seal one application record at d->seq (then seq++). Returns its size. */
static size_t seal(struct dir_keys *d, const uint8_t *data, size_t len, uint8_t *rec)
{
	uint8_t plain[256], nonce[12], aad[13], explicit[8];
	size_t plen = len, hdr_len = 5, aad_len, body;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, i;

	ck_assert_uint_lt(len, sizeof(plain) - 1);
	memcpy(plain, data, len);
	if (d->version == TLS_1_3_VERSION)
		plain[plen++] = 23;		/* the inner content type */
	/* The kernel's first TLS 1.2 GCM explicit nonce is the iv it was given. */
	for (i = 0; i < 8; i++)
		explicit[i] = explicit_nonce(d) ? d->iv[i] : 0;
	body = (explicit_nonce(d) ? 8 : 0) + plen + 16;
	rec[0] = 23;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)(body >> 8);
	rec[4] = (uint8_t)body;
	if (explicit_nonce(d)) {
		memcpy(rec + 5, explicit, 8);
		hdr_len += 8;
	}
	dir_nonce(d, explicit, nonce);
	aad_len = dir_aad(d, rec, plen, aad);
	ck_assert(EVP_EncryptInit_ex(c, dir_evp(d), NULL, NULL, NULL));
	ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL));
	ck_assert(EVP_EncryptInit_ex(c, NULL, NULL, d->key, nonce));
	ck_assert(EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len));
	ck_assert(EVP_EncryptUpdate(c, rec + hdr_len, &n, plain, (int)plen));
	ck_assert_int_eq(n, (int)plen);
	ck_assert(EVP_EncryptFinal_ex(c, rec + hdr_len + plen, &n));
	ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec + hdr_len + plen));
	EVP_CIPHER_CTX_free(c);
	d->seq++;
	return 5 + body;
}

/* Open the record rec at d->seq (then seq++): its inner type, plaintext in out. */
static int open_record(struct dir_keys *d, const uint8_t *rec, size_t rec_len, uint8_t *out,
		       size_t *out_len)
{
	size_t body = (size_t)rec[3] << 8 | rec[4], off = 5, clen;
	uint8_t nonce[12], aad[13], tag[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t aad_len;
	int n, type;

	ck_assert_uint_eq(rec_len, 5 + body);
	ck_assert_int_eq(rec[0], 23);	/* TLS 1.3 hides the type; 1.2 data */
	/* TLS 1.2 GCM: the explicit nonce is the sender's choice (OpenSSL counts
	 * from a random start, the kernel from the iv it was given). */
	if (explicit_nonce(d))
		off += 8;
	clen = 5 + body - off - 16;
	dir_nonce(d, rec + 5, nonce);
	aad_len = dir_aad(d, rec, clen, aad);
	memcpy(tag, rec + 5 + body - 16, 16);
	ck_assert(EVP_DecryptInit_ex(c, dir_evp(d), NULL, NULL, NULL));
	ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL));
	ck_assert(EVP_DecryptInit_ex(c, NULL, NULL, d->key, nonce));
	ck_assert(EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len));
	ck_assert(EVP_DecryptUpdate(c, out, &n, rec + off, (int)clen));
	ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag));
	ck_assert_msg(EVP_DecryptFinal_ex(c, out + n, &n) == 1,
		      "record %llu does not open with the installed RX keys",
		      (unsigned long long)d->seq);
	EVP_CIPHER_CTX_free(c);
	*out_len = clen;
	type = 23;
	if (d->version == TLS_1_3_VERSION) {
		while (*out_len && !out[*out_len - 1])
			(*out_len)--;	/* padding */
		ck_assert_uint_gt(*out_len, 0);
		type = out[--*out_len];
	}
	d->seq++;
	return type;
}

/* ---- RFC 8448 and the PRF vector ---------------------------------------- */

START_TEST(test_rfc8448)
{
	/* RFC 8448 3: {server}/{client} derive write traffic keys for
	 * application data, TLS_AES_128_GCM_SHA256. */
	static const char c_secret[] = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52"
				       "87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5";
	static const char c_key[] = "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
	static const char c_iv[] = "5b 78 92 3d ee 08 57 90 33 e5 23 d9";
	static const char s_secret[] = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32"
				       "82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
	static const char s_key[] = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
	static const char s_iv[] = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
	/* {client} send application_data record: 00 01 .. 31 at sequence 0 */
	static const char c_record[] =
		"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55"
		"cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39"
		"5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd"
		"1e 3d ea e6 3a ee bb 21 69 49 15 e4";
	uint8_t secret[32], want[128], got[16], rec[128], data[50];
	struct tlsid_ktls_keys k = { .version = TLS1_3_VERSION, .cipher = TLS_CIPHER_AES_GCM_128,
				     .key_len = 16, .iv_len = 12 };
	union tlsid_ktls_crypto ci;
	struct dir_keys d;
	size_t n, i;

	ck_assert_int_eq(unhex_test(c_secret, secret, sizeof(secret)), 32);
	ck_assert_int_eq(tlsid_tls13_expand(EVP_sha256(), secret, 32, "key", k.client_key, 16), 0);
	ck_assert_int_eq(tlsid_tls13_expand(EVP_sha256(), secret, 32, "iv", k.client_iv, 12), 0);
	ck_assert_int_eq(unhex_test(c_key, want, sizeof(want)), 16);
	ck_assert_mem_eq(k.client_key, want, 16);
	ck_assert_int_eq(unhex_test(c_iv, want, sizeof(want)), 12);
	ck_assert_mem_eq(k.client_iv, want, 12);

	ck_assert_int_eq(unhex_test(s_secret, secret, sizeof(secret)), 32);
	ck_assert_int_eq(tlsid_tls13_expand(EVP_sha256(), secret, 32, "key", got, 16), 0);
	ck_assert_int_eq(unhex_test(s_key, want, sizeof(want)), 16);
	ck_assert_mem_eq(got, want, 16);
	ck_assert_int_eq(tlsid_tls13_expand(EVP_sha256(), secret, 32, "iv", got, 12), 0);
	ck_assert_int_eq(unhex_test(s_iv, want, sizeof(want)), 12);
	ck_assert_mem_eq(got, want, 12);

	/* The client's first record, sealed from the crypto info kTLS would get. */
	ck_assert_uint_eq(tlsid_ktls_crypto_info(&k, false, 0, &ci), sizeof(ci.gcm128));
	dir_from_info(&ci, &d);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	n = seal(&d, data, sizeof(data), rec);
	ck_assert_uint_eq(unhex_test(c_record, want, sizeof(want)), n);
	ck_assert_mem_eq(rec, want, n);
}
END_TEST

START_TEST(test_tls12_prf)
{
	/* The TLS 1.2 PRF (SHA-256) vector published for the IETF TLS WG. */
	static const char secret_hex[] = "9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35";
	static const char seed_hex[] = "a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c";
	static const char out_hex[] =
		"e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95"
		"32 9b 52 d4 e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af"
		"0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e 9d ef 9b"
		"97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01"
		"87 34 7b 66";
	uint8_t secret[16], seed[16], want[100], got[100];

	ck_assert_uint_eq(unhex_test(secret_hex, secret, sizeof(secret)), 16);
	ck_assert_uint_eq(unhex_test(seed_hex, seed, sizeof(seed)), 16);
	ck_assert_uint_eq(unhex_test(out_hex, want, sizeof(want)), 100);
	ck_assert_int_eq(tlsid_tls12_prf(EVP_sha256(), secret, 16, "test label", seed, 16,
					 got, 100), 0);
	ck_assert_mem_eq(got, want, 100);
}
END_TEST

/* ---- a real handshake over a socketpair --------------------------------- */

static EVP_PKEY *test_key;
static X509 *test_cert;

static void make_cert(void)
{
	X509_NAME *name;

	if (test_cert)
		return;
	test_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(test_key);
	test_cert = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(test_cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(test_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(test_cert), 3600);
	X509_set_pubkey(test_cert, test_key);
	name = X509_get_subject_name(test_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ktls.test",
				   -1, -1, 0);
	X509_set_issuer_name(test_cert, name);
	ck_assert(X509_sign(test_cert, test_key, EVP_sha256()));
}

struct pair {
	SSL_CTX *sctx, *cctx;
	SSL *server, *client;		/* tlsid's s->down and s->up roles */
	int sfd, cfd;
	struct tlsid_session *sess;
};

static const char *const tls12_suites[] = {
	"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305",
};
static const char *const tls13_suites[] = {
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
};
static const int ktls_ciphers[] = {
	TLS_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_256, TLS_CIPHER_CHACHA20_POLY1305,
};

/* tickets: what a TLS 1.3 server sends after the handshake (tlsid sends 0;
 * servers upstream send some, which the client's RX must count). */
static void pair_up(struct pair *p, int version, const char *suite, int tickets)
{
	int fds[2], i, rs = 0, rc = 0;

	make_cert();
	memset(p, 0, sizeof(*p));
	p->sctx = SSL_CTX_new(TLS_server_method());
	p->cctx = SSL_CTX_new(TLS_client_method());
	ck_assert(p->sctx && p->cctx);
	ck_assert(SSL_CTX_use_certificate(p->sctx, test_cert));
	ck_assert(SSL_CTX_use_PrivateKey(p->sctx, test_key));
	SSL_CTX_set_min_proto_version(p->sctx, version);
	SSL_CTX_set_max_proto_version(p->sctx, version);
	SSL_CTX_set_min_proto_version(p->cctx, version);
	SSL_CTX_set_max_proto_version(p->cctx, version);
	if (version == TLS1_3_VERSION) {
		ck_assert(SSL_CTX_set_ciphersuites(p->sctx, suite));
		ck_assert(SSL_CTX_set_ciphersuites(p->cctx, suite));
	} else {
		ck_assert(SSL_CTX_set_cipher_list(p->sctx, suite));
		ck_assert(SSL_CTX_set_cipher_list(p->cctx, suite));
	}
	SSL_CTX_set_num_tickets(p->sctx, (size_t)tickets);
	SSL_CTX_set_keylog_callback(p->sctx, tlsid_ktls_keylog);
	SSL_CTX_set_keylog_callback(p->cctx, tlsid_ktls_keylog);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	p->sfd = fds[0];
	p->cfd = fds[1];
	p->server = SSL_new(p->sctx);
	p->client = SSL_new(p->cctx);
	p->sess = calloc(1, sizeof(*p->sess));
	ck_assert(p->server && p->client && p->sess);
	SSL_set_fd(p->server, p->sfd);
	SSL_set_fd(p->client, p->cfd);
	SSL_set_ex_data(p->server, tlsid_ssl_idx, p->sess);
	SSL_set_ex_data(p->client, tlsid_ssl_idx, p->sess);
	SSL_set_accept_state(p->server);
	SSL_set_connect_state(p->client);
	for (i = 0; i < 100 && (rs != 1 || rc != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(p->client);
		if (rs != 1)
			rs = SSL_do_handshake(p->server);
	}
	ck_assert_msg(rs == 1 && rc == 1, "handshake %s: %s", suite,
		      ERR_error_string(ERR_get_error(), NULL));
	ck_assert_int_eq(SSL_version(p->server), version);
	ck_assert_int_eq(SSL_has_pending(p->server), 0);
	ck_assert_int_eq(SSL_has_pending(p->client), 0);
}

static void pair_down(struct pair *p)
{
	SSL_free(p->server);
	SSL_free(p->client);
	SSL_CTX_free(p->sctx);
	SSL_CTX_free(p->cctx);
	close(p->sfd);
	close(p->cfd);
	free(p->sess);
}

/* Every byte the socket has now. */
static size_t drain(int fd, uint8_t *buf, size_t max)
{
	size_t n = 0;
	ssize_t r;

	while ((r = recv(fd, buf + n, max - n, 0)) > 0)
		n += (size_t)r;
	return n;
}

/*
 * What the kernel would do on the socket of `me` (tlsid's SSL there):
 * seal a record with its TX info for the peer's SSL_read, and open the
 * records the peer's SSL_write sent with its RX info. Tickets a TLS 1.3
 * server sent come first on the client's RX and count in its sequence.
 */
static void check_socket(struct pair *p, bool me_server, int version, int cipher, int tickets)
{
	SSL *me = me_server ? p->server : p->client, *peer = me_server ? p->client : p->server;
	int me_fd = me_server ? p->sfd : p->cfd;
	const struct tlsid_tls13_secrets *sec = me_server ? &p->sess->down_secrets :
							    &p->sess->up_secrets;
	static const char to_peer[] = "sealed like kTLS TX";
	static const char from_peer[] = "opened like kTLS RX";
	uint8_t rec[512], wire[8192], out[8192];
	struct tlsid_ktls_keys k, k_peer;
	union tlsid_ktls_crypto tx, rx;
	struct dir_keys dtx, drx;
	size_t n, off, olen;
	int r, type, seen_tickets = 0;
	uint64_t seq;

	ck_assert_int_eq(tlsid_ktls_cipher(me), cipher);
	ck_assert_int_eq(tlsid_ktls_derive(me, sec, &k), 0);
	ck_assert_int_eq(k.version, version);
	ck_assert_int_eq(k.cipher, cipher);
	/* The peer's view of the same connection has the same keys (a server
	 * that sent tickets is no candidate for kTLS). */
	if (!tickets) {
		ck_assert_int_eq(tlsid_ktls_derive(peer, me_server ? &p->sess->up_secrets :
						   &p->sess->down_secrets, &k_peer), 0);
		ck_assert_mem_eq(&k, &k_peer, sizeof(k));
	}
	ck_assert_uint_eq(tlsid_ktls_initial_seq(&k), version == TLS1_2_VERSION ? 1 : 0);

	seq = tlsid_ktls_initial_seq(&k);
	ck_assert_uint_gt(tlsid_ktls_crypto_info(&k, me_server, seq, &tx), 0);
	ck_assert_uint_gt(tlsid_ktls_crypto_info(&k, !me_server, seq, &rx), 0);
	dir_from_info(&tx, &dtx);
	dir_from_info(&rx, &drx);
	ck_assert_int_eq(dtx.version, version);
	ck_assert_int_eq(dtx.cipher, cipher);
	if (explicit_nonce(&dtx)) {
		/* The kernel counts its explicit nonces from this iv: the
		 * record sequence, so that they never repeat under this key. */
		uint8_t seq_be[8];

		put_be64(seq_be, dtx.seq);
		ck_assert_mem_eq(dtx.iv, seq_be, 8);
	}

	/* TX: a record sealed as kTLS would, read by the peer's OpenSSL. */
	n = seal(&dtx, (const uint8_t *)to_peer, sizeof(to_peer), rec);
	ck_assert_int_eq(send(me_fd, rec, n, 0), (ssize_t)n);
	r = SSL_read(peer, out, sizeof(out));
	ck_assert_msg(r == (int)sizeof(to_peer), "peer SSL_read: %d, %s", r,
		      ERR_error_string(ERR_get_error(), NULL));
	ck_assert_mem_eq(out, to_peer, sizeof(to_peer));

	/* RX: the peer's record, opened as kTLS would (tickets first). */
	ck_assert_int_eq(SSL_write(peer, from_peer, sizeof(from_peer)), (int)sizeof(from_peer));
	n = drain(me_fd, wire, sizeof(wire));
	for (off = 0;;) {
		size_t rec_len;

		ck_assert_uint_ge(n - off, 5);
		rec_len = 5 + ((size_t)wire[off + 3] << 8 | wire[off + 4]);
		ck_assert_uint_ge(n - off, rec_len);
		type = open_record(&drx, wire + off, rec_len, out, &olen);
		off += rec_len;
		if (type != 22)
			break;
		ck_assert_int_eq(out[0], 4);	/* NewSessionTicket */
		seen_tickets++;
	}
	ck_assert_int_eq(type, 23);
	ck_assert_uint_eq(olen, sizeof(from_peer));
	ck_assert_mem_eq(out, from_peer, sizeof(from_peer));
	ck_assert_uint_eq(off, n);
	ck_assert_int_eq(seen_tickets, me_server ? 0 : tickets);
	OPENSSL_cleanse(&k, sizeof(k));
}

/* _i: version (2) x cipher (3) x socket (2: client-facing, upstream). */
START_TEST(test_handshake_records)
{
	int version = _i / 6 ? TLS1_3_VERSION : TLS1_2_VERSION;
	int c = _i / 2 % 3;
	bool me_server = !(_i % 2);
	/* Upstream TLS 1.3 servers send tickets; tlsid as a server sends none. */
	int tickets = version == TLS1_3_VERSION && !me_server ? 2 : 0;
	struct pair p;

	pair_up(&p, version, version == TLS1_3_VERSION ? tls13_suites[c] : tls12_suites[c],
		tickets);
	check_socket(&p, me_server, version, ktls_ciphers[c], tickets);
	pair_down(&p);
}
END_TEST

/* What kTLS cannot carry is refused before a socket is touched. */
START_TEST(test_not_ktls)
{
	struct pair p;

	pair_up(&p, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256", 0);
	ck_assert_int_eq(tlsid_ktls_cipher(p.server), 0);
	ck_assert_int_eq(tlsid_ktls_cipher(p.client), 0);
	pair_down(&p);

	pair_up(&p, TLS1_3_VERSION, "TLS_AES_128_CCM_SHA256", 0);
	ck_assert_int_eq(tlsid_ktls_cipher(p.server), 0);
	pair_down(&p);

	/* A TLS 1.3 server that sends tickets does not know its TX sequence. */
	pair_up(&p, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 2);
	ck_assert_int_eq(tlsid_ktls_cipher(p.server), 0);
	ck_assert_int_eq(tlsid_ktls_cipher(p.client), TLS_CIPHER_AES_GCM_128);
	pair_down(&p);
}
END_TEST

/* The keylog lines come from OpenSSL, but take nothing on trust. */
START_TEST(test_keylog_lines)
{
	static const char *const bad[] = {
		"CLIENT_TRAFFIC_SECRET_0 ",
		"CLIENT_TRAFFIC_SECRET_0 00112233",
		"CLIENT_TRAFFIC_SECRET_0 0011 zz",
		"CLIENT_TRAFFIC_SECRET_0 0011 0",
		"CLIENT_TRAFFIC_SECRET_0 0011 001",
		"CLIENT_TRAFFIC_SECRET_0 0011 "
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff00",	/* 49 bytes */
	};
	struct pair p;
	size_t i;

	pair_up(&p, TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 0);
	ck_assert_int_eq(p.sess->down_secrets.client_len, 48);
	ck_assert_int_eq(p.sess->down_secrets.server_len, 48);
	ck_assert_int_eq(p.sess->up_secrets.client_len, 48);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.sess->down_secrets.client_len = 48;
		tlsid_ktls_keylog(p.server, bad[i]);
		ck_assert_msg(p.sess->down_secrets.client_len == 0, "line %zu kept", i);
	}
	/* A secret of the wrong length is refused when deriving. */
	{
		struct tlsid_ktls_keys k;

		tlsid_ktls_keylog(p.server, "SERVER_TRAFFIC_SECRET_0 00 00112233");
		ck_assert_int_eq(p.sess->down_secrets.server_len, 4);
		ck_assert_int_eq(tlsid_ktls_derive(p.server, &p.sess->down_secrets, &k), -1);
	}
	/* Other labels leave the secrets alone. */
	tlsid_ktls_keylog(p.server, "CLIENT_TRAFFIC_SECRET_0");
	tlsid_ktls_keylog(p.server, "CLIENT_HANDSHAKE_TRAFFIC_SECRET 00 0011");
	ck_assert_int_eq(p.sess->down_secrets.client_len, 0);
	ck_assert_int_eq(p.sess->down_secrets.server_len, 4);
	/* No session on the SSL: ignored. */
	SSL_set_ex_data(p.client, tlsid_ssl_idx, NULL);
	tlsid_ktls_keylog(p.client, "CLIENT_TRAFFIC_SECRET_0 00 0011");
	pair_down(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ktls");
	TCase *tc = tcase_create("keys");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rfc8448);
	tcase_add_test(tc, test_tls12_prf);
	tcase_add_loop_test(tc, test_handshake_records, 0, 12);
	tcase_add_test(tc, test_not_ktls);
	tcase_add_test(tc, test_keylog_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	tlsid_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (tlsid_ssl_idx < 0 || tlsid_ktls_init()) {
		fprintf(stderr, "OpenSSL set-up failed\n");
		return 1;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tlsid_ktls_free();
	return failed ? 1 : 0;
}
