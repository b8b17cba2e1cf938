/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the certificate repository shared by certrepo*.c (storage,
 * operations), certcheck.c (input checks) and certx509.c (OpenSSL).
 */
#ifndef TLSI_CERTREPO_INT_H
#define TLSI_CERTREPO_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

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

/* ---- the certrepo*.c files ------------------------------------------- */

/*
 * certrepo.c holds the helpers, paths, locking and opening; the others
 * one concept each (objects, import, replace, refs, truststore, keyring).
 * What they share is below, by the file that defines it.
 */

struct certrepo {
	char path[PATH_MAX - 128];
	int lock_fd;
	time_t now;
	bool persist_keys;
	char default_ca[PATH_MAX];
};

enum check_state {
	CHECK_OK,
	CHECK_NO_ANCHOR,
	CHECK_KEY_MISMATCH,
};

struct meta {
	enum certrepo_kind kind;
	bool exportable, signing;
	long long created;
	char source[32];
	enum check_state check;
	char detail[256];
	char replaced_by[CERTREPO_OBJNAME_MAX + 1];
	char **refs;
	size_t n_refs;
	struct certrepo_acme acme;	/* acme.domains[0]: ACME-managed */
};

struct obj {
	char name[CERTREPO_OBJNAME_MAX + 1];
	struct meta m;
	X509 *cert;
	STACK_OF(X509) *chain;
	X509_REQ *req;
	EVP_PKEY *key;
};

#define LOAD_KEY	1u

/* ---- small helpers --------------------------------------------------- */
struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

/* A staged object waiting for its rename into objects/name. */
struct staged {
	char name[CERTREPO_OBJNAME_MAX + 1];
	char tmp[PATH_MAX];
	bool installed;
};

/* ---- certrepo.c -------------------------------------------------------- */

void cr_sb_printf(struct sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* b's text to path (atomically, 0600), b freed; -1 "out of memory" if
 * b->oom or path_failed. */
int cr_sb_save(struct sb *b, bool path_failed, const char *path, char *err, size_t errlen);
int cr_strv_add(char ***v, size_t *n, const char *s);
void cr_strv_free(char **v, size_t n);
ssize_t cr_strv_find(char *const *v, size_t n, const char *s);
void cr_strv_del(char **v, size_t *n, size_t i);
int cr_cmp_str(const void *a, const void *b);
bool cr_has_suffix(const char *s, const char *suffix);
time_t cr_now_of(const struct certrepo *r);
const char *cr_kind_article(enum certrepo_kind k);
const char *cr_check_name(enum check_state c);
int cr_pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool cr_failpoint(void);
void cr_sync_dir(const char *dir);
void cr_sync_parent(const char *path);
int cr_write_new_file(const char *path, const void *buf, size_t len,
		      mode_t mode, char *err, size_t errlen);
int cr_atomic_write(const char *path, const void *buf, size_t len,
		    mode_t mode, char *err, size_t errlen);
int cr_do_rename(const char *from, const char *to, char *err, size_t errlen);
void cr_rm_dir(const char *path);
int cr_obj_dir(const struct certrepo *r, const char *name, char *buf, size_t len);
int cr_ts_path(const struct certrepo *r, const char *name, char *buf, size_t len);
bool cr_exists(const char *path);
int cr_lock(struct certrepo *r, bool write, char *err, size_t errlen);
void cr_unlock(struct certrepo *r);

/* ---- certrepo_objects.c ------------------------------------------------ */

void cr_meta_free(struct meta *m);
int cr_meta_copy_refs(struct meta *dst, const struct meta *src);
int cr_read_text(const char *path, char **out, size_t *len);
int cr_meta_load(const struct certrepo *r, const char *name, struct meta *m);
int cr_meta_save(const struct certrepo *r, const char *dir, const struct meta *m,
		 char *err, size_t errlen);
enum certrepo_kind cr_obj_kind(const struct certrepo *r, const char *name);
void cr_obj_free(struct obj *o);
int cr_obj_load(const struct certrepo *r, const char *name, unsigned what,
		struct obj *o, char *err, size_t errlen);
int cr_obj_names(const struct certrepo *r, char ***out, size_t *n);
int cr_obj_stage(const struct certrepo *r, const struct meta *m, X509 *cert,
		 STACK_OF(X509) *chain, X509_REQ *req, EVP_PKEY *key,
		 char *tmp, size_t tmplen, char *err, size_t errlen);
int cr_obj_trash(const struct certrepo *r, const char *name, char *trash,
		 size_t len, char *err, size_t errlen);
int cr_exchange(const char *a, const char *b, char *err, size_t errlen);
X509_STORE *cr_anchor_store(const struct certrepo *r, STACK_OF(X509) *extra);
enum check_state cr_check_object(X509_STORE *st, X509 *x, STACK_OF(X509) *chain,
				 EVP_PKEY *key, char *detail, size_t len);
long cr_days_left(const struct certrepo *r, X509 *x);

/* ---- certrepo_import.c ------------------------------------------------- */

void cr_meta_init(struct meta *m, enum certrepo_kind kind, bool exportable,
		  const char *source);
int cr_find_request(const struct certrepo *r, X509 *x, struct obj *o);
void cr_staged_cleanup(struct staged *s, size_t n);
int cr_signing_check(const char *field, const char *path, X509 *x,
		     const char *why, char *err, size_t errlen);
int cr_check_acme(const struct certrepo_acme *a, char *err, size_t errlen);
bool cr_ca_acceptable(X509 *x);

/* ---- certrepo_replace.c ------------------------------------------------ */

bool cr_ts_exists(const struct certrepo *r, const char *name);

/* ---- certrepo_refs.c --------------------------------------------------- */

void cr_refs_str(char *const *refs, size_t n, char *buf, size_t len);
int cr_obj_ref(const struct certrepo *r, enum certrepo_kind kind, const char *name,
	       const char *referrer, bool add, char *err, size_t errlen);

/* ---- certrepo_truststore.c --------------------------------------------- */

int cr_ts_load(const struct certrepo *r, const char *name,
	       struct certrepo_truststore *t, char *err, size_t errlen);
int cr_ts_save(const struct certrepo *r, const struct certrepo_truststore *t,
	       char *err, size_t errlen);

#endif /* TLSI_CERTREPO_INT_H */
