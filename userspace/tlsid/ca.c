// SPDX-License-Identifier: GPL-2.0
/*
 * Keys and certificates tlsid holds for its whole life: the signing CA
 * (files, or a signing certificate of the certificate repository), the
 * untrusted CA made at start (it signs the leaves of servers whose chain
 * does not validate, so that clients warn), one RSA-2048 and one ECDSA
 * P-256 leaf key, and the trust store upstream chains are checked against.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certrepo.h"
#include "tlsid.h"

struct tlsid_keys tlsid_keys;

static void subject_line(X509 *x, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_read(b, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* The signing CA from PEM files: the certificate (then its chain) and key. */
static int load_ca_files(const char *certfile, const char *keyfile, struct tlsid_ca *ca)
{
	FILE *f;
	X509 *x;

	f = fopen(certfile, "r");
	if (!f) {
		tlsid_log_perror("--ca-cert `%s'", certfile);
		return -1;
	}
	ca->cert = PEM_read_X509(f, NULL, NULL, NULL);
	ca->chain = sk_X509_new_null();
	while (ca->cert && ca->chain && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(ca->chain, x);
	ERR_clear_error();	/* the end of the file */
	fclose(f);
	if (!ca->cert || !ca->chain) {
		tlsid_log_error("--ca-cert `%s': no PEM certificate", certfile);
		return -1;
	}
	f = fopen(keyfile, "r");
	if (!f) {
		tlsid_log_perror("--ca-key `%s'", keyfile);
		return -1;
	}
	ca->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!ca->key) {
		tlsid_log_ssl("--ca-key `%s': no (unencrypted) PEM private key", keyfile);
		return -1;
	}
	return 0;
}

/* The signing certificate NAME of the certificate repository at DIR. */
static int load_ca_repo(const char *dir, const char *name, struct tlsid_ca *ca)
{
	struct certrepo_keyring *kr = NULL;
	struct certrepo_issuer *is = NULL;
	struct certrepo *r = NULL;
	char err[CERTREPO_ERR_MAX];
	STACK_OF(X509) *chain;
	int ret = -1, i;

	if (certrepo_open(dir, &r, err, sizeof(err)) ||
	    certrepo_issuer_load(r, name, &is, err, sizeof(err)) ||
	    certrepo_keyring_load(r, &kr, err, sizeof(err))) {
		tlsid_log_error("certificate repository `%s': %s", dir, err);
		goto out;
	}
	ca->key = certrepo_keyring_get(kr, name);
	if (!ca->key) {
		tlsid_log_error("certificate repository `%s': no private key for `%s'", dir, name);
		goto out;
	}
	ca->cert = certrepo_issuer_cert(is);
	X509_up_ref(ca->cert);
	ca->chain = sk_X509_new_null();
	chain = certrepo_issuer_chain(is);
	for (i = 0; ca->chain && chain && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		X509_up_ref(x);
		sk_X509_push(ca->chain, x);
	}
	ret = ca->chain ? 0 : -1;
out:
	certrepo_keyring_free(kr);
	certrepo_issuer_free(is);
	certrepo_close(r);
	return ret;
}

static EVP_PKEY *keygen(const char *what)
{
	EVP_PKEY *k;

	if (!strcmp(what, "RSA"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k)
		tlsid_log_ssl("generating a %s key", what);
	return k;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (!e)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* A random positive serial of 16 bytes. */
int tlsid_random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[0] &= 0x7f;
	b[0] |= 0x40;
	bn = BN_bin2bn(b, sizeof(b), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -1;
}

/* The untrusted CA: ECDSA P-256, self-signed, ten years, made per start. */
static int make_untrusted_ca(struct tlsid_ca *ca)
{
	char host[64] = "localhost", org[64];
	X509_NAME *n;
	X509V3_CTX ctx;
	X509 *x;

	ca->key = keygen("EC");
	x = X509_new();
	if (!ca->key || !x)
		goto fail;
	gethostname(host, sizeof(host) - 1);
	snprintf(org, sizeof(org), "tlsi on %.50s", host);
	n = X509_get_subject_name(x);
	/* Each of these is at most 64 characters (RFC 5280's upper bounds). */
	if (!X509_set_version(x, 2) || tlsid_random_serial(x) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
					(const unsigned char *)"The server's certificate did not validate",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					(const unsigned char *)"tlsi untrusted CA", -1, -1, 0) ||
	    !X509_set_issuer_name(x, n) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400) ||
	    !X509_set_pubkey(x, ca->key))
		goto fail;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    !X509_sign(x, ca->key, EVP_sha256()))
		goto fail;
	ca->cert = x;
	ca->chain = sk_X509_new_null();
	return ca->chain ? 0 : -1;
fail:
	tlsid_log_ssl("making the untrusted CA");
	X509_free(x);
	return -1;
}

static int check_ca(struct tlsid_ca *ca, const char *what)
{
	if (X509_check_ca(ca->cert) < 1) {
		tlsid_log_error("%s: not a CA certificate (basicConstraints CA:TRUE and keyCertSign needed)",
				what);
		return -1;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		ERR_clear_error();
		tlsid_log_error("%s: the private key does not belong to the certificate", what);
		return -1;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(ca->cert)) < 0)
		tlsid_log_error("%s: warning: the signing certificate has expired", what);
	return 0;
}

static int load_trust(const struct tlsid_config *cfg)
{
	X509_STORE *st = X509_STORE_new();
	int i;

	if (!st)
		return -1;
	tlsid_keys.trust = st;
	if (!cfg->no_system_trust) {
		if (access(TLSID_SYSTEM_TRUST, R_OK) == 0) {
			if (!X509_STORE_load_file(st, TLSID_SYSTEM_TRUST)) {
				tlsid_log_ssl("trust: `%s'", TLSID_SYSTEM_TRUST);
				return -1;
			}
		} else {
			tlsid_log_info("trust: no system bundle %s", TLSID_SYSTEM_TRUST);
		}
	}
	for (i = 0; i < cfg->n_trust; i++) {
		if (!X509_STORE_load_file(st, cfg->trust[i])) {
			tlsid_log_ssl("--trust `%s'", cfg->trust[i]);
			return -1;
		}
	}
	if (cfg->trust_store) {
		char err[CERTREPO_ERR_MAX];
		struct certrepo *r = NULL;
		X509_STORE *rs = NULL;
		STACK_OF(X509_OBJECT) *objs;

		if (certrepo_open(cfg->cert_repo, &r, err, sizeof(err)) ||
		    !(rs = certrepo_truststore_load(r, cfg->trust_store, err, sizeof(err)))) {
			tlsid_log_error("--trust-store `%s': %s", cfg->trust_store, err);
			certrepo_close(r);
			return -1;
		}
		objs = X509_STORE_get0_objects(rs);
		for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
			X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

			if (x)
				X509_STORE_add_cert(st, x);
		}
		ERR_clear_error();	/* duplicates */
		X509_STORE_free(rs);
		certrepo_close(r);
	}
	return 0;
}

int tlsid_keys_init(const struct tlsid_config *cfg)
{
	struct tlsid_ca *sig = &tlsid_keys.ca[TLSID_CA_SIGNING];
	const char *what;
	int i;

	if (cfg->signing_cert) {
		what = cfg->signing_cert;
		if (load_ca_repo(cfg->cert_repo, cfg->signing_cert, sig))
			return -1;
	} else {
		what = cfg->ca_cert;
		if (load_ca_files(cfg->ca_cert, cfg->ca_key, sig))
			return -1;
	}
	if (check_ca(sig, what))
		return -1;
	/* Served after the leaf: the CA itself, then its own chain. */
	X509_up_ref(sig->cert);
	if (!sk_X509_insert(sig->chain, sig->cert, 0))
		return -1;
	if (make_untrusted_ca(&tlsid_keys.ca[TLSID_CA_UNTRUSTED]))
		return -1;
	X509_up_ref(tlsid_keys.ca[TLSID_CA_UNTRUSTED].cert);
	sk_X509_push(tlsid_keys.ca[TLSID_CA_UNTRUSTED].chain, tlsid_keys.ca[TLSID_CA_UNTRUSTED].cert);
	for (i = 0; i < __TLSID_CA_MAX; i++)
		subject_line(tlsid_keys.ca[i].cert, tlsid_keys.ca[i].subject,
			     sizeof(tlsid_keys.ca[i].subject));
	tlsid_keys.rsa = keygen("RSA");
	tlsid_keys.ec = keygen("EC");
	if (!tlsid_keys.rsa || !tlsid_keys.ec)
		return -1;
	if (load_trust(cfg))
		return -1;
	tlsid_log_info("signing CA: %s", sig->subject);
	return 0;
}

void tlsid_keys_free(void)
{
	int i;

	for (i = 0; i < __TLSID_CA_MAX; i++) {
		X509_free(tlsid_keys.ca[i].cert);
		EVP_PKEY_free(tlsid_keys.ca[i].key);
		sk_X509_pop_free(tlsid_keys.ca[i].chain, X509_free);
	}
	EVP_PKEY_free(tlsid_keys.rsa);
	EVP_PKEY_free(tlsid_keys.ec);
	X509_STORE_free(tlsid_keys.trust);
	memset(&tlsid_keys, 0, sizeof(tlsid_keys));
}
