// SPDX-License-Identifier: GPL-2.0
/*
 * Per-session settings. tlsi.ko knows which SSL client policy diverted a
 * connection (and so its SSL proxy); tlsid asks for the accepted socket
 * (TLSI_IOC_SESSION_INFO) and applies them:
 *
 *   block-invalid   a chain that does not validate is refused (CERT_INVALID,
 *                   CERT_EXPIRED when what failed was a date); OR-ed with
 *                   --block-invalid
 *   block-expired   a server certificate past its notAfter or before its
 *                   notBefore (or a chain certificate the verification found
 *                   expired) is refused even without block-invalid
 *   min-rsa-bits    a server leaf with a smaller RSA key is refused
 *                   (CERT_WEAK_KEY); min-ec-bits: the same for EC keys
 *   min-dh-bits     a server key exchange with a smaller DH (min-ec-bits:
 *   min-ec-bits     EC) key is refused or bypassed as `unsupported'
 *                   (SERVER_CIPHER)
 *   min-version, max-version, client-ciphers, server-ciphers, etm
 *                   onto each SSL (the upstream offer then narrows the
 *                   server side to what the client offered: offer.c)
 *   reset           a refused client gets a TCP reset, not a TLS alert
 *   logging         the session goes to the SSL inspection log (always
 *                   with --log-all, and when the policy is unknown)
 *   cert            the signing certificate (repository name)
 *   trust-store     the policy's trust store (repository name)
 *   decrypt-policy  the policy's decryption policy (decrypt.c)
 *
 * Policy id 0 (not diverted by tlsi.ko, --no-kernel, no /dev/tlsi, or the
 * policy was deleted in between): the command line's settings, and the
 * session is logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "certrepo.h"
#include "ciphersel.h"
#include "tlsid.h"

static atomic_bool info_failed_logged;

static void copy_name(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void tlsid_policy_lookup(int fd, struct tlsid_policy *p)
{
	struct tlsi_session_info info;

	memset(p, 0, sizeof(*p));
	p->inspect_depth = TLSI_INSPECT_DEPTH_DEFAULT;
	p->service = TLSI_SSL_SERVICE_AUTO;
	/* Without a proxy: the proxies' defaults. */
	p->min_version = TLS1_2_VERSION;
	p->max_version = TLS1_3_VERSION;
	p->min_dh_bits = TLSI_SSL_MIN_DH_BITS_DEFAULT;
	p->min_ec_bits = TLSI_SSL_MIN_EC_BITS_DEFAULT;
	snprintf(p->client_ciphers, sizeof(p->client_ciphers), "%s", TLSI_CIPHERS_DEFAULT);
	snprintf(p->server_ciphers, sizeof(p->server_ciphers), "%s", TLSI_CIPHERS_DEFAULT);
	memset(&info, 0, sizeof(info));
	info.client_fd = fd;
	if (tlsid_dev_session_info(&info) == 0) {
		if (info.policy_id) {
			p->id = info.policy_id;
			p->flags = info.ssl_flags & __TLSI_SSL_F_ALL;
			p->min_rsa_bits = info.min_rsa_bits;
			p->service = info.service;
			p->inspect_depth = info.inspect_depth;
			copy_name(p->name, sizeof(p->name), info.policy, sizeof(info.policy));
			copy_name(p->proxy, sizeof(p->proxy), info.proxy, sizeof(info.proxy));
			copy_name(p->cert, sizeof(p->cert), info.cert, sizeof(info.cert));
			copy_name(p->trust_store, sizeof(p->trust_store), info.trust_store,
				  sizeof(info.trust_store));
			copy_name(p->decrypt_policy, sizeof(p->decrypt_policy),
				  info.decrypt_policy, sizeof(info.decrypt_policy));
			p->role = info.role;
			p->proxy_id = info.proxy_id;
			p->min_version = info.min_version;
			p->max_version = info.max_version;
			p->min_dh_bits = info.min_dh_bits;
			p->min_ec_bits = info.min_ec_bits;
			copy_name(p->client_ciphers, sizeof(p->client_ciphers),
				  info.client_ciphers, sizeof(info.client_ciphers));
			copy_name(p->server_ciphers, sizeof(p->server_ciphers),
				  info.server_ciphers, sizeof(info.server_ciphers));
		}
	} else if (errno != ENODEV && !atomic_exchange(&info_failed_logged, true)) {
		tlsid_log_perror("/dev/" TLSI_DEV_NAME ": session info (sessions get the command "
				 "line's settings)");
	}
	if (!p->id)
		p->flags |= TLSI_SSL_F_LOGGING;
	if (tlsid_cfg.block_invalid)
		p->flags |= TLSI_SSL_F_BLOCK_INVALID;
	if (tlsid_cfg.log_all)
		p->flags |= TLSI_SSL_F_LOGGING;
}

/* An EC key's size as its curve's: X25519 counts as 256 bits, X448 as 448
 * (OpenSSL says 253 and 448). 0 for other keys. */
static int ec_bits(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_EC:
		return EVP_PKEY_get_bits(k);
	case EVP_PKEY_X25519:
	case EVP_PKEY_ED25519:
		return 256;
	case EVP_PKEY_X448:
	case EVP_PKEY_ED448:
		return 448;
	default:
		return 0;
	}
}

static bool time_error(long err)
{
	return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID;
}

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
}

enum tlsi_ssl_reason tlsid_policy_verdict(const struct tlsid_session *s, X509 *peer,
					  char *why, size_t len)
{
	const struct tlsid_policy *p = &s->pol;
	const ASN1_TIME *na = X509_get0_notAfter(peer), *nb = X509_get0_notBefore(peer);
	bool expired = X509_cmp_current_time(na) < 0, early = X509_cmp_current_time(nb) > 0;
	char when[32];

	if ((p->flags & TLSI_SSL_F_BLOCK_EXPIRED) &&
	    (expired || early || time_error(s->verify_err))) {
		tlsid_count(TLSID_C_blocked_expired);
		if (expired || early) {
			asn1_time_str(expired ? na : nb, when, sizeof(when));
			snprintf(why, len, "server certificate %s %s", expired ? "expired on" :
				 "not valid before", when);
		} else {
			snprintf(why, len, "server chain: %s",
				 X509_verify_cert_error_string(s->verify_err));
		}
		return TLSI_SSL_REASON_CERT_EXPIRED;
	}
	if (!s->chain_ok && (p->flags & TLSI_SSL_F_BLOCK_INVALID)) {
		tlsid_count(TLSID_C_blocked_invalid);
		snprintf(why, len, "server certificate invalid: %s",
			 X509_verify_cert_error_string(s->verify_err));
		return time_error(s->verify_err) ? TLSI_SSL_REASON_CERT_EXPIRED :
		       TLSI_SSL_REASON_CERT_INVALID;
	}
	if (p->min_rsa_bits) {
		EVP_PKEY *k = X509_get0_pubkey(peer);
		int id = k ? EVP_PKEY_get_base_id(k) : 0, bits;

		ERR_clear_error();
		if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
			bits = EVP_PKEY_get_bits(k);
			if (bits < (int)p->min_rsa_bits) {
				tlsid_count(TLSID_C_blocked_weak_key);
				snprintf(why, len, "server RSA key of %d bits is below the minimum of %u",
					 bits, p->min_rsa_bits);
				return TLSI_SSL_REASON_CERT_WEAK_KEY;
			}
		}
	}
	if (p->min_ec_bits) {
		EVP_PKEY *k = X509_get0_pubkey(peer);
		int bits = k ? ec_bits(k) : 0;

		if (bits && bits < (int)p->min_ec_bits) {
			tlsid_count(TLSID_C_blocked_weak_key);
			snprintf(why, len, "server EC key of %d bits is below the minimum of %u",
				 bits, p->min_ec_bits);
			return TLSI_SSL_REASON_CERT_WEAK_KEY;
		}
	}
	return TLSI_SSL_REASON_NONE;
}

enum tlsi_ssl_reason tlsid_policy_kx_verdict(const struct tlsid_session *s, char *why,
					     size_t len)
{
	const struct tlsid_policy *p = &s->pol;
	EVP_PKEY *k = NULL;
	enum tlsi_ssl_reason r = TLSI_SSL_REASON_NONE;
	int id, bits;

	/* RSA key exchange has no temporary key: the certificate's is checked
	 * (min-rsa-bits). */
	if (!SSL_get_peer_tmp_key(s->up, &k) || !k)
		return r;
	id = EVP_PKEY_get_base_id(k);
	if (id == EVP_PKEY_DH || id == EVP_PKEY_DHX) {
		bits = EVP_PKEY_get_bits(k);
		if (p->min_dh_bits && bits < (int)p->min_dh_bits) {
			snprintf(why, len, "server DH key exchange of %d bits is below the "
				 "minimum of %u (min-dh-bits)", bits, p->min_dh_bits);
			r = TLSI_SSL_REASON_SERVER_CIPHER;
		}
	} else {
		bits = ec_bits(k);
		if (bits && p->min_ec_bits && bits < (int)p->min_ec_bits) {
			snprintf(why, len, "server EC key exchange of %d bits is below the "
				 "minimum of %u (min-ec-bits)", bits, p->min_ec_bits);
			r = TLSI_SSL_REASON_SERVER_CIPHER;
		}
	}
	EVP_PKEY_free(k);
	return r;
}

int tlsid_policy_tls(const struct tlsid_session *s, SSL *ssl, bool upstream, char *why,
		     size_t len)
{
	const struct tlsid_policy *p = &s->pol;
	const char *what = upstream ? "server-ciphers" : "client-ciphers";
	char err[256], l12[4096], l13[512];
	struct ciphersel cs;

	/* The kernel and tlsictl checked both: a failure here is tlsid's. */
	if (ciphersel_parse(what, upstream ? p->server_ciphers : p->client_ciphers, &cs, err,
			    sizeof(err))) {
		snprintf(why, len, "SSL proxy `%s': %s", p->proxy, err);
		goto fail;
	}
	ciphersel_openssl(&cs, l12, sizeof(l12), l13, sizeof(l13));
	/* OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0; the
	 * proxy's min-*-bits are then the key size floor. */
	if (p->min_version < TLS1_2_VERSION)
		SSL_set_security_level(ssl, 0);
	if (!SSL_set_min_proto_version(ssl, p->min_version) ||
	    !SSL_set_max_proto_version(ssl, p->max_version) ||
	    (l12[0] && !SSL_set_cipher_list(ssl, l12)) || !SSL_set_ciphersuites(ssl, l13)) {
		snprintf(why, len, "SSL proxy `%s': OpenSSL refused its %s or protocol range "
			 "(TLS 0x%04x to 0x%04x)", p->proxy, what, p->min_version, p->max_version);
		goto fail;
	}
	if (p->flags & TLSI_SSL_F_ETM)
		SSL_clear_options(ssl, SSL_OP_NO_ENCRYPT_THEN_MAC);
	return 0;
fail:
	tlsid_count(TLSID_C_proxy_settings_failed);
	tlsid_log_error("%s", why);
	return -1;
}

int tlsid_policy_trust(const struct tlsid_session *s, SSL *up, char *why, size_t len)
{
	char err[CERTREPO_ERR_MAX];
	X509_STORE *st = tlsid_trust_get(s->pol.trust_store, err, sizeof(err));
	int ok;

	if (!st) {
		tlsid_count(TLSID_C_cert_unavailable);
		if (s->pol.trust_store[0])
			snprintf(why, len, "trust store `%s' of policy `%s' unavailable: %s",
				 s->pol.trust_store, s->pol.name, err);
		else
			snprintf(why, len, "trust store unavailable: %s", err);
		return -1;
	}
	ok = SSL_set1_verify_cert_store(up, st);
	X509_STORE_free(st);
	if (!ok) {
		snprintf(why, len, "internal error setting the trust store");
		return -1;
	}
	return 0;
}

struct tlsid_signer *tlsid_policy_signer(const struct tlsid_session *s, char *why, size_t len)
{
	char err[CERTREPO_ERR_MAX];
	struct tlsid_signer *sg = tlsid_signer_get(s->pol.cert, err, sizeof(err));

	if (sg)
		return sg;
	tlsid_count(TLSID_C_cert_unavailable);
	if (s->pol.cert[0])
		snprintf(why, len, "signing certificate `%s' of SSL proxy `%s' unavailable: %s",
			 s->pol.cert, s->pol.proxy, err);
	else
		snprintf(why, len, "no signing certificate: %s", err);
	return NULL;
}
