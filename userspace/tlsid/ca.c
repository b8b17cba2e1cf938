// SPDX-License-Identifier: GPL-2.0
/*
 * Keys and certificates tlsid holds for its whole life: the untrusted CA
 * made at start (it signs the leaves of servers whose chain does not
 * validate, so that clients warn) and one RSA-2048 and one ECDSA P-256 leaf
 * key. The signing CAs and trust stores, by name and reloadable, are
 * certs.c's; tlsid_keys.ca[TLSID_CA_SIGNING] is not used.
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

#include "tlsid.h"

struct tlsid_keys tlsid_keys;

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

int tlsid_keys_init(const struct tlsid_config *cfg)
{
	struct tlsid_ca *u = &tlsid_keys.ca[TLSID_CA_UNTRUSTED];

	if (make_untrusted_ca(u))
		return -1;
	X509_up_ref(u->cert);
	sk_X509_push(u->chain, u->cert);
	tlsid_name_line(X509_get_subject_name(u->cert), u->subject, sizeof(u->subject));
	snprintf(u->name, sizeof(u->name), "untrusted CA");
	u->gen = 1;
	tlsid_keys.rsa = keygen("RSA");
	tlsid_keys.ec = keygen("EC");
	if (!tlsid_keys.rsa || !tlsid_keys.ec)
		return -1;
	/* The signing CAs and trust stores: certs.c (tlsid_keys.trust too). */
	return tlsid_certs_init(cfg);
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
	tlsid_certs_free();
}
