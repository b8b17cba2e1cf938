/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The certificate repository: signing certificates, server certificates,
 * signing requests and CA certificates with their private keys, and the
 * trust stores built from them. Used by tlsictl now and by tlsid later.
 *
 * On disk (Documentation/certificates.md):
 *
 *	REPO/			0700
 *	  .lock			flock(): shared to read, exclusive to write
 *	  config		"persist-keys off", "default-ca FILE"
 *	  objects/NAME/		0700, one directory per object
 *	    meta		kind, flags, stored status, references
 *	    cert.pem		certificate, then its chain
 *	    key.pem		0600, PKCS#8, unencrypted
 *	    csr.pem		signing requests only
 *	  truststores/NAME	one file per trust store
 *
 * Every file is written to a temporary name, synced and renamed into place;
 * an object is assembled in a temporary directory and renamed into place
 * whole. A refused operation leaves the repository as it was.
 *
 * Certificates, signing requests and CA certificates share one name space;
 * trust stores have their own.
 *
 * Functions that can fail return 0 on success and -1 on failure with a
 * message in err (errlen bytes) of the form "<field> `<value>': <reason>",
 * naming the argument at fault. They never print.
 *
 * Processes are serialized by the repository's lock file; threads must not
 * share one struct certrepo without a mutex of their own (open one each).
 */
#ifndef TLSI_CERTREPO_H
#define TLSI_CERTREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define CERTREPO_DEFAULT_PATH		"/etc/tlsi/certs"
#define CERTREPO_DEFAULT_CA_FILE	"/etc/ssl/certs/ca-certificates.crt"
#define CERTREPO_REPLACED_SUFFIX	"_REPLACED"

#define CERTREPO_NAME_MAX	64	/* characters of a name given by a user */
#define CERTREPO_OBJNAME_MAX	(CERTREPO_NAME_MAX + 9)	/* + "_REPLACED" */
#define CERTREPO_DESC_MAX	512	/* trust store description, bytes */
#define CERTREPO_REFERRER_MAX	128	/* "policy:office", bytes */
#define CERTREPO_LIST_MAX	64	/* OUs, DNS names, e-mail SANs each */
#define CERTREPO_DAYS_MAX	36500
#define CERTREPO_DAYS_DEFAULT	3650	/* new signing certificates */
#define CERTREPO_WARN_DAYS	30	/* expiry warning horizon */
#define CERTREPO_RSA_MIN_BITS	2048
#define CERTREPO_ERR_MAX	512

struct certrepo;

enum certrepo_kind {
	CERTREPO_CERT = 1,	/* certificate with its private key */
	CERTREPO_REQUEST,	/* signing request with its private key */
	CERTREPO_CA,		/* CA certificate, no key */
	CERTREPO_TRUSTSTORE,
};

enum certrepo_status {
	CERTREPO_VALID,
	CERTREPO_EXPIRED,
	CERTREPO_NOT_YET_VALID,
	CERTREPO_NO_TRUST_ANCHOR,	/* the chain reaches no known root */
	CERTREPO_KEY_MISMATCH,		/* the stored key is not the certificate's */
	CERTREPO_PENDING,		/* a signing request: not signed yet */
};

enum certrepo_key_type {
	CERTREPO_KEY_RSA2048,
	CERTREPO_KEY_RSA3072,
	CERTREPO_KEY_RSA4096,
	CERTREPO_KEY_P256,
	CERTREPO_KEY_P384,
};

/* ---- repository ------------------------------------------------------ */

/*
 * Open the repository at path (NULL: CERTREPO_DEFAULT_PATH). A missing
 * directory is fine: it reads as empty and is created (0700, parents 0755)
 * by the first change.
 */
int certrepo_open(const char *path, struct certrepo **out, char *err,
		  size_t errlen);
void certrepo_close(struct certrepo *r);
const char *certrepo_path(const struct certrepo *r);
/* Use t as the current time for status and expiry (0: the clock). Tests. */
void certrepo_set_now(struct certrepo *r, time_t t);

/* ---- options (REPO/config) ------------------------------------------- */

/* "persist private keys": see Documentation/certificates.md. Default off. */
bool certrepo_persist_keys(const struct certrepo *r);
int certrepo_set_persist_keys(struct certrepo *r, bool on, char *err,
			      size_t errlen);
/* The default CA package (system bundle) file; "" when disabled. */
const char *certrepo_default_ca_file(const struct certrepo *r);
/* path must be absolute; "" or "none" disables the default package. */
int certrepo_set_default_ca_file(struct certrepo *r, const char *path,
				 char *err, size_t errlen);

/* ---- validation (also done by every operation) ------------------------ */

/*
 * Names of certificates, requests and CA certificates: 1..64 letters,
 * digits, `-', `_' and spaces, not starting or ending with a space; `ca'
 * (any case) and names ending in _REPLACED are reserved.
 */
int certrepo_check_name(const char *field, const char *s, char *err,
			size_t errlen);
/* Names of objects that may exist: as above, but `ca' and NAME_REPLACED
 * (up to 73 characters) pass. */
int certrepo_check_lookup_name(const char *field, const char *s, char *err,
			       size_t errlen);
/* Trust store names: 1..64 letters, digits, `_', `-', spaces. */
int certrepo_check_truststore_name(const char *field, const char *s,
				   char *err, size_t errlen);
/* ISO 3166-1 alpha-2 code, upper case ("US"). */
int certrepo_check_country(const char *field, const char *s, char *err,
			   size_t errlen);
/* Host name; "*." only as the whole leftmost label when wildcard. */
int certrepo_check_dns_name(const char *field, const char *s, bool wildcard,
			    char *err, size_t errlen);
int certrepo_check_email(const char *field, const char *s, char *err,
			 size_t errlen);
/* rsa2048 rsa3072 rsa4096 p256 p384; rsaN below 2048 refused as such. */
int certrepo_parse_key_type(const char *field, const char *s,
			    enum certrepo_key_type *out, char *err,
			    size_t errlen);
const char *certrepo_key_type_name(enum certrepo_key_type t);

/* ---- generating ------------------------------------------------------ */

struct certrepo_dn {
	const char *cn;				/* required */
	const char *email;			/* subject emailAddress */
	const char *ou[CERTREPO_LIST_MAX];
	size_t n_ou;
	const char *o, *l, *st, *c;
	const char *dns[CERTREPO_LIST_MAX];	/* subjectAltName DNS */
	size_t n_dns;
	const char *email_san[CERTREPO_LIST_MAX]; /* subjectAltName RFC822 */
	size_t n_email_san;
};

struct certrepo_gen {
	struct certrepo_dn dn;
	enum certrepo_key_type key;
	unsigned days;		/* signing certificates; 0: the default */
	bool exportable;	/* the private key may be exported */
	bool signing;		/* requests: ask for a CA (signing) certificate */
};

/* Check every field of g (request: for a request). */
int certrepo_check_gen(const struct certrepo_gen *g, bool request, char *err,
		       size_t errlen);
/* A self-signed CA: basicConstraints CA:TRUE, keyCertSign, SKI/AKI. */
int certrepo_new_signing(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err,
			 size_t errlen);
/* A new key and a PKCS#10 request for it (signing or endpoint). */
int certrepo_new_request(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err,
			 size_t errlen);
EVP_PKEY *certrepo_keygen(enum certrepo_key_type t, char *err, size_t errlen);

/* ---- importing ------------------------------------------------------- */

/*
 * An ACME-managed certificate (tlsictl cert acme): what it was requested
 * with, recorded in its meta so that renewals ask for the same again.
 * Every field printable, no newline.
 */
#define CERTREPO_ACME_DOMAINS_MAX	800	/* "a.example,b.example", bytes */
#define CERTREPO_ACME_URL_MAX		400
struct certrepo_acme {
	char domains[CERTREPO_ACME_DOMAINS_MAX + 1];	/* comma-separated */
	char directory[CERTREPO_ACME_URL_MAX + 1];	/* the ACME directory URL */
	char key[16];					/* "rsa:2048", "ec:256" */
	char email[256];				/* account contact; "" none */
};

struct certrepo_import {
	const char *cert_file;	/* PEM (certificate, then chain) or DER */
	const char *key_file;	/* PEM or DER, maybe encrypted; NULL: the
				 * key of a stored request (or, replacing,
				 * the current key) that matches */
	const char *p12_file;	/* PKCS#12 instead of cert_file + key_file */
	const char *password;	/* encrypted key or PKCS#12; NULL: none */
	bool exportable;
	bool signing;		/* must be a CA (signing) certificate */
	/* ACME-managed (cert_file + key_file only). NULL: an import is not;
	 * a replacement keeps what the replaced object had. */
	const struct certrepo_acme *acme;
};

/* Names of the objects an import created. */
struct certrepo_names {
	char **v;
	size_t n;
};
void certrepo_names_free(struct certrepo_names *n);

/*
 * A certificate with its key. A PKCS#12 file with several keys makes one
 * certificate each, named NAME_ALIAS (the friendly name, else 1, 2, ...).
 * A request whose key pairs with the certificate is consumed.
 * created (may be NULL) receives the names.
 */
int certrepo_import(struct certrepo *r, const char *name,
		    const struct certrepo_import *im,
		    struct certrepo_names *created, char *err, size_t errlen);
/*
 * CA certificates from a PEM, DER or PKCS#12 file (keys, and the non-CA
 * certificates they belong to, ignored). Several certificates make NAME_1,
 * NAME_2, ... (PKCS#12: NAME_ALIAS).
 */
int certrepo_import_ca(struct certrepo *r, const char *name, const char *file,
		       const char *password, struct certrepo_names *created,
		       char *err, size_t errlen);
/*
 * Replace certificate or CA certificate name in place: references stay with
 * name, the old object becomes name_REPLACED (an older one is discarded).
 * Certificates: the new key must match the new certificate; a signing
 * certificate must be replaced by a CA certificate.
 */
int certrepo_replace(struct certrepo *r, const char *name,
		     const struct certrepo_import *im, char *err,
		     size_t errlen);

/* ---- status, listing ------------------------------------------------- */

struct certrepo_info {
	char name[CERTREPO_OBJNAME_MAX + 1];
	enum certrepo_kind kind;
	bool signing;		/* a CA (signing) certificate, or a CA request */
	bool has_key, exportable;
	enum certrepo_status status;
	char detail[256];	/* why there is no trust anchor */
	char subject[512];	/* RFC 2253 */
	char issuer[512];
	char cn[256];
	char serial[128];	/* hex */
	char key_type[32];	/* "rsa2048", "p256", ... */
	char sha256[100];	/* fingerprint AA:BB:... */
	time_t not_before, not_after, created;
	long days_left;		/* whole days until not_after (negative:
				 * expired) */
	size_t chain_len;	/* certificates stored after this one */
	char replaced_by[CERTREPO_OBJNAME_MAX + 1]; /* for NAME_REPLACED */
	char **san;		/* "DNS:x", "email:y", "IP:z" */
	size_t n_san;
	char **refs;		/* referrers, "policy:office" */
	size_t n_refs;
	bool acme_managed;	/* requested with ACME: acme says how */
	struct certrepo_acme acme;
};

int certrepo_get(struct certrepo *r, const char *name,
		 struct certrepo_info *out, char *err, size_t errlen);
/* Every object, sorted by name. */
int certrepo_list(struct certrepo *r, struct certrepo_info **out, size_t *n,
		  char *err, size_t errlen);
void certrepo_info_free(struct certrepo_info *i);
void certrepo_list_free(struct certrepo_info *v, size_t n);

/*
 * Recompute the stored status of every object (key pairing, trust anchor)
 * and drop references from trust stores that no longer exist. changed (may
 * be NULL) receives how many objects changed status.
 */
int certrepo_refresh(struct certrepo *r, size_t *changed, char *err,
		     size_t errlen);

const char *certrepo_status_name(enum certrepo_status s);
const char *certrepo_kind_name(enum certrepo_kind k);

/* ---- export, delete -------------------------------------------------- */

#define CERTREPO_EXPORT_KEY	(1u << 0)	/* the private key, not the cert */
#define CERTREPO_EXPORT_CHAIN	(1u << 1)	/* append the chain (PEM) */
#define CERTREPO_EXPORT_DER	(1u << 2)

/*
 * Certificates and CA certificates: the certificate. Requests: the request
 * (never its key). With CERTREPO_EXPORT_KEY: the private key as PKCS#8,
 * only for exportable objects, encrypted (AES-256-CBC) when password is set.
 */
int certrepo_export(struct certrepo *r, const char *name, unsigned flags,
		    const char *password, FILE *out, char *err,
		    size_t errlen);
/* Refused while referenced; the message names the referrers. */
int certrepo_del(struct certrepo *r, const char *name, char *err,
		 size_t errlen);

/* ---- references ------------------------------------------------------ */

/*
 * referrer (1..128 printable bytes, e.g. "policy:office") uses object name
 * of the given kind (CERTREPO_CERT, CERTREPO_CA or CERTREPO_TRUSTSTORE).
 * Adding an existing reference is not an error; deleting a missing one is.
 */
int certrepo_ref_add(struct certrepo *r, enum certrepo_kind kind,
		     const char *name, const char *referrer, char *err,
		     size_t errlen);
int certrepo_ref_del(struct certrepo *r, enum certrepo_kind kind,
		     const char *name, const char *referrer, char *err,
		     size_t errlen);

/* ---- trust stores ---------------------------------------------------- */

struct certrepo_truststore {
	char name[CERTREPO_NAME_MAX + 1];
	char description[CERTREPO_DESC_MAX + 1];
	bool default_ca;	/* include the default CA package */
	char **cas;		/* CA certificate names */
	size_t n_cas;
	char **refs;
	size_t n_refs;
};

struct certrepo_ts_spec {
	const char *description;	/* NULL: unchanged ("" on add) */
	int default_ca;			/* -1 unchanged (add: on), 0, 1 */
	const char *const *add_ca;	/* CA certificate names */
	size_t n_add_ca;
	const char *const *del_ca;	/* set only */
	size_t n_del_ca;
};

int certrepo_truststore_add(struct certrepo *r, const char *name,
			    const struct certrepo_ts_spec *s, char *err,
			    size_t errlen);
int certrepo_truststore_set(struct certrepo *r, const char *name,
			    const struct certrepo_ts_spec *s, char *err,
			    size_t errlen);
/* Refused while referenced (by a policy). */
int certrepo_truststore_del(struct certrepo *r, const char *name, char *err,
			    size_t errlen);
int certrepo_truststore_get(struct certrepo *r, const char *name,
			    struct certrepo_truststore *out, char *err,
			    size_t errlen);
int certrepo_truststore_list(struct certrepo *r,
			     struct certrepo_truststore **out, size_t *n,
			     char *err, size_t errlen);
void certrepo_truststore_free(struct certrepo_truststore *t);
void certrepo_truststore_list_free(struct certrepo_truststore *v, size_t n);
/* The trusted certificates: the default package (if on), then the CAs. */
X509_STORE *certrepo_truststore_load(struct certrepo *r, const char *name,
				     char *err, size_t errlen);
/* The same as PEM, one certificate after another. */
int certrepo_truststore_export(struct certrepo *r, const char *name,
			       FILE *out, char *err, size_t errlen);

/* ---- signing with a stored CA (tlsid's forged certificates) ----------- */

struct certrepo_issuer;

/* A signing certificate (a CA certificate with its key) from the repository. */
int certrepo_issuer_load(struct certrepo *r, const char *name,
			 struct certrepo_issuer **out, char *err,
			 size_t errlen);
/* Any certificate with its key (a protected server's, for SSL server
 * inspection), in the same form. */
int certrepo_server_load(struct certrepo *r, const char *name,
			 struct certrepo_issuer **out, char *err, size_t errlen);
void certrepo_issuer_free(struct certrepo_issuer *ca);
X509 *certrepo_issuer_cert(const struct certrepo_issuer *ca);
/* The issuer's own chain (not including its certificate). */
STACK_OF(X509) *certrepo_issuer_chain(const struct certrepo_issuer *ca);

/*
 * A server certificate for key, signed by ca: subject CN=cn, subjectAltName
 * from sans (DNS names, "*." wildcards, IPv4/IPv6 addresses; cn is added
 * when it is a host name and not listed), CA:FALSE, serverAuth, SKI/AKI,
 * valid from an hour ago for days days but never beyond the CA.
 */
int certrepo_issue_leaf(const struct certrepo_issuer *ca, const char *cn,
			const char *const *sans, size_t n_sans, EVP_PKEY *key,
			unsigned days, X509 **out, char *err, size_t errlen);

/* ---- expiry ---------------------------------------------------------- */

struct certrepo_expiry {
	const char *name;
	enum certrepo_kind kind;
	long days_left;
	bool in_use;		/* referenced */
	bool error;		/* expired and in use; else a warning */
	const char *message;	/* "certificate `web' expires in 12 days" */
};

/*
 * Report certificates and CA certificates expiring within warn_days days
 * (warnings) and expired ones (errors when in use, else warnings) to fn.
 * Returns the number reported, or -1.
 */
int certrepo_expiry_check(struct certrepo *r, int warn_days,
			  void (*fn)(void *arg, const struct certrepo_expiry *e),
			  void *arg, char *err, size_t errlen);

/* ---- private keys in memory (tlsid) ----------------------------------- */

struct certrepo_keyring;

/*
 * The private keys of every certificate, DER-encoded in one mlock()ed,
 * MADV_DONTDUMP mapping, wiped with OPENSSL_cleanse() by keyring_free().
 * Failing to lock (RLIMIT_MEMLOCK) is not an error: see keyring_locked().
 */
int certrepo_keyring_load(struct certrepo *r, struct certrepo_keyring **out,
			  char *err, size_t errlen);
size_t certrepo_keyring_count(const struct certrepo_keyring *kr);
bool certrepo_keyring_locked(const struct certrepo_keyring *kr);
/* A new EVP_PKEY decoded from the ring (NULL if none); EVP_PKEY_free() it. */
EVP_PKEY *certrepo_keyring_get(const struct certrepo_keyring *kr,
			       const char *name);
/* The locked bytes (tests). */
const unsigned char *certrepo_keyring_data(const struct certrepo_keyring *kr,
					   size_t *len);
void certrepo_keyring_wipe(struct certrepo_keyring *kr);
void certrepo_keyring_free(struct certrepo_keyring *kr);
/*
 * OpenSSL's secure heap (locked, guarded, not dumped) for the key material
 * OpenSSL itself allocates; call once at start. 1 on success.
 */
int certrepo_secure_heap_init(size_t size);

/* ---- utilities ------------------------------------------------------- */

/* The first line of file path (password files), at most len-1 bytes. */
int certrepo_read_password_file(const char *path, char *buf, size_t len,
				char *err, size_t errlen);
/* "2026-01-31T12:00:00Z" */
char *certrepo_time_str(time_t t, char *buf, size_t len);

/* Testing: make the n-th file write from now fail with EIO (0: never). */
extern int certrepo_test_fail_write;

#endif /* TLSI_CERTREPO_H */
