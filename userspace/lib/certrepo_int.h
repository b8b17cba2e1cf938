/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the certificate repository shared by certrepo.c (storage,
 * operations), certcheck.c (input checks) and certx509.c (OpenSSL).
 */
#ifndef TLSI_CERTREPO_INT_H
#define TLSI_CERTREPO_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certrepo.h"

#define CR_FILE_MAX	(16u << 20)	/* biggest file read (CA bundles) */

/* ---- certcheck.c ----------------------------------------------------- */

void cr_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s for a message: control bytes escaped, long values cut. */
const char *cr_show(const char *s, char *buf, size_t len);
/* Names that may exist (user names and NAME_REPLACED). */
int cr_check_objname(const char *field, const char *s, char *err,
		     size_t errlen);
/* Printable UTF-8, 1..max bytes. */
int cr_check_text(const char *field, const char *s, size_t max, char *err,
		  size_t errlen);
int cr_check_referrer(const char *s, char *err, size_t errlen);

/* ---- certx509.c ------------------------------------------------------ */

/* Whole file into *buf (NUL-terminated, OPENSSL_clear_free() it). */
int cr_read_file(const char *field, const char *path, unsigned char **buf,
		 size_t *len, char *err, size_t errlen);
void cr_free_file(unsigned char *buf, size_t len);

/*
 * Certificates of a PEM file (all of them, in order) or a DER file (one).
 * Returns 1 if the file is PKCS#12 instead (nothing loaded).
 */
int cr_load_certs(const char *field, const char *path, STACK_OF(X509) **out,
		  char *err, size_t errlen);
/* A private key, PEM or DER, maybe encrypted (password may be NULL). */
int cr_load_key(const char *field, const char *path, const char *password,
		EVP_PKEY **out, char *err, size_t errlen);

struct cr_p12_keyed {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;
	char alias[CERTREPO_NAME_MAX + 1];	/* sanitized friendly name */
};

struct cr_p12 {
	struct cr_p12_keyed *keyed;	/* certificates with their key */
	size_t n_keyed;
	STACK_OF(X509) *certs;		/* every certificate, in file order */
	char (*cert_alias)[CERTREPO_NAME_MAX + 1];
};

/* 1 if the file is not PKCS#12 at all (nothing loaded). */
int cr_load_p12(const char *field, const char *path, const char *password,
		struct cr_p12 *out, char *err, size_t errlen);
void cr_p12_free(struct cr_p12 *p);

/* basicConstraints CA:TRUE and, if keyUsage is present, keyCertSign. */
bool cr_is_ca(X509 *x);
bool cr_self_signed(X509 *x);
/* RSA/DSA keys below CERTREPO_RSA_MIN_BITS refused. */
int cr_check_key_size(const char *field, const char *path, EVP_PKEY *k,
		      char *err, size_t errlen);
bool cr_key_matches(X509 *x, EVP_PKEY *k);
void cr_key_type_str(EVP_PKEY *k, char *buf, size_t len);
const EVP_MD *cr_md_for(EVP_PKEY *k);
int cr_random_serial(X509 *x);

X509 *cr_make_signing(const struct certrepo_gen *g, EVP_PKEY *key, char *err,
		      size_t errlen);
X509_REQ *cr_make_request(const struct certrepo_gen *g, EVP_PKEY *key,
			  char *err, size_t errlen);

/* PEM encodings into OPENSSL_malloc()ed buffers (key: clear_free it). */
int cr_pem_certs(X509 *x, STACK_OF(X509) *chain, char **out, size_t *len);
int cr_pem_req(X509_REQ *req, char **out, size_t *len);
int cr_pem_key(EVP_PKEY *k, char **out, size_t *len);
/* Parse what the repository itself wrote. */
int cr_parse_certs(const char *buf, size_t len, X509 **x,
		   STACK_OF(X509) **chain);
X509_REQ *cr_parse_req(const char *buf, size_t len);
EVP_PKEY *cr_parse_key(const char *buf, size_t len);

/* Takes ownership of cert, key and chain (NULL: empty). */
struct certrepo_issuer *cr_issuer_new(X509 *cert, EVP_PKEY *key,
				      STACK_OF(X509) *chain);

time_t cr_asn1_time(const ASN1_TIME *t);
void cr_name_str(const X509_NAME *n, char *buf, size_t len);
/* The CN of n, "" if none. */
void cr_name_cn(const X509_NAME *n, char *buf, size_t len);

#endif /* TLSI_CERTREPO_INT_H */
