// SPDX-License-Identifier: GPL-2.0
/*
 * OpenSSL 3 work of the certificate repository: reading certificates, keys
 * and PKCS#12 files the administrator gives us, making keys, self-signed
 * CAs, requests and leaf certificates.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- files ----------------------------------------------------------- */

int cr_read_file(const char *field, const char *path, unsigned char **buf,
		 size_t *len, char *err, size_t errlen)
{
	char v[300];
	struct stat st;
	unsigned char *b;
	size_t n = 0;
	int fd;

	cr_show(path, v, sizeof(v));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cr_err(err, errlen, "%s `%s': cannot open: %s", field, v, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cr_err(err, errlen, "%s `%s': not a regular file", field, v);
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > CR_FILE_MAX) {
		cr_err(err, errlen, "%s `%s': too big (max %u MiB)", field, v,
		       CR_FILE_MAX >> 20);
		close(fd);
		return -1;
	}
	b = OPENSSL_malloc((size_t)st.st_size + 1);
	if (!b) {
		cr_err(err, errlen, "%s `%s': out of memory", field, v);
		close(fd);
		return -1;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			cr_err(err, errlen, "%s `%s': read error: %s", field, v,
			       r < 0 ? strerror(errno) : "file shrank");
			OPENSSL_clear_free(b, (size_t)st.st_size + 1);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	if (!n) {
		cr_err(err, errlen, "%s `%s': empty file", field, v);
		OPENSSL_free(b);
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

void cr_free_file(unsigned char *buf, size_t len)
{
	if (buf)
		OPENSSL_clear_free(buf, len + 1);
}

static const char *find(const unsigned char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s));
}

/* Never prompt: keys we read without a password must not be encrypted. */
static int no_password_cb(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* Was the last OpenSSL failure just "no more PEM blocks"? */
static bool pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

int cr_load_certs(const char *field, const char *path, STACK_OF(X509) **out,
		  char *err, size_t errlen)
{
	STACK_OF(X509) *sk = NULL;
	unsigned char *buf;
	char v[300];
	size_t len;
	int rc = -1;

	if (cr_read_file(field, path, &buf, &len, err, errlen))
		return -1;
	cr_show(path, v, sizeof(v));
	sk = sk_X509_new_null();
	if (!sk)
		goto out;
	ERR_clear_error();
	if (find(buf, len, "-----BEGIN ")) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		X509 *x;

		while (b && (x = PEM_read_bio_X509(b, NULL, no_password_cb, NULL)))
			sk_X509_push(sk, x);
		BIO_free(b);
		if (!pem_at_end()) {
			cr_err(err, errlen, "%s `%s': corrupt PEM certificate", field, v);
			goto out;
		}
		if (!sk_X509_num(sk)) {
			if (find(buf, len, "PRIVATE KEY-----"))
				cr_err(err, errlen, "%s `%s': a private key, not a certificate",
				       field, v);
			else if (find(buf, len, "-----BEGIN CERTIFICATE REQUEST"))
				cr_err(err, errlen, "%s `%s': a signing request, not a "
				       "certificate", field, v);
			else
				cr_err(err, errlen, "%s `%s': no certificate in the PEM file",
				       field, v);
			goto out;
		}
	} else {
		const unsigned char *p = buf;
		X509 *x = d2i_X509(NULL, &p, (long)len);

		if (!x || p != buf + len) {
			X509_free(x);
			p = buf;
			PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);

			if (p12) {
				PKCS12_free(p12);
				rc = 1;
				goto out;
			}
			cr_err(err, errlen, "%s `%s': not a PEM or DER certificate (corrupt?)",
			       field, v);
			goto out;
		}
		sk_X509_push(sk, x);
	}
	*out = sk;
	sk = NULL;
	rc = 0;
out:
	ERR_clear_error();
	sk_X509_pop_free(sk, X509_free);
	cr_free_file(buf, len);
	return rc;
}

static bool key_encrypted(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_SIG *sig;

	if (find(buf, len, "ENCRYPTED PRIVATE KEY-----") ||
	    find(buf, len, "Proc-Type: 4,ENCRYPTED"))
		return true;
	sig = d2i_X509_SIG(NULL, &p, (long)len);
	X509_SIG_free(sig);
	return sig != NULL;
}

static bool is_der_cert(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	X509_free(x);
	ERR_clear_error();
	return x != NULL;
}

int cr_load_key(const char *field, const char *path, const char *password,
		EVP_PKEY **out, char *err, size_t errlen)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey = NULL;
	unsigned char *buf;
	const unsigned char *data;
	const char *type = "DER";
	char v[300];
	size_t len, dlen;

	if (cr_read_file(field, path, &buf, &len, err, errlen))
		return -1;
	cr_show(path, v, sizeof(v));
	data = buf;
	dlen = len;
	if (find(buf, len, "-----BEGIN ")) {
		/* The first key block; certificates around it are skipped. */
		const unsigned char *p = buf;
		const char *b, *e;

		type = "PEM";
		data = NULL;
		while ((b = find(p, len - (size_t)(p - buf), "-----BEGIN "))) {
			e = memchr(b, '\n', len - (size_t)((const unsigned char *)b - buf));
			if (e && memmem(b, (size_t)(e - b), "PRIVATE KEY-----", 16)) {
				data = (const unsigned char *)b;
				break;
			}
			p = (const unsigned char *)b + 11;
		}
		if (!data) {
			if (find(buf, len, "-----BEGIN CERTIFICATE"))
				cr_err(err, errlen, "%s `%s': a certificate, not a private key",
				       field, v);
			else
				cr_err(err, errlen, "%s `%s': no private key in the PEM file",
				       field, v);
			cr_free_file(buf, len);
			return -1;
		}
		dlen = len - (size_t)(data - buf);
	}
	ERR_clear_error();
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, type, NULL, NULL,
					     OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
	if (dctx) {
		if (password)
			OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)password,
							strlen(password));
		else
			OSSL_DECODER_CTX_set_pem_password_cb(dctx, no_password_cb, NULL);
		if (!OSSL_DECODER_from_data(dctx, &data, &dlen)) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
		OSSL_DECODER_CTX_free(dctx);
	}
	ERR_clear_error();
	if (!pkey) {
		if (key_encrypted(buf, len) && !password)
			cr_err(err, errlen, "%s `%s': the key is encrypted: give its password "
			       "(password-file FILE or TLSI_PASSWORD)", field, v);
		else if (key_encrypted(buf, len))
			cr_err(err, errlen, "password: wrong password for %s `%s'", field, v);
		else if (!strcmp(type, "DER") && is_der_cert(buf, len))
			cr_err(err, errlen, "%s `%s': a certificate, not a private key",
			       field, v);
		else
			cr_err(err, errlen, "%s `%s': not a PEM or DER private key (corrupt?)",
			       field, v);
		cr_free_file(buf, len);
		return -1;
	}
	cr_free_file(buf, len);
	*out = pkey;
	return 0;
}

/* ---- PKCS#12 --------------------------------------------------------- */

struct p12_bag {
	EVP_PKEY *key;
	X509 *cert;
	unsigned char kid[64];
	int kid_len;
	char alias[CERTREPO_NAME_MAX + 1];
};

struct p12_walk {
	struct p12_bag *v;
	size_t n;
	const char *pass;
	int passlen;
	bool bad_key;
};

/* Friendly names become name suffixes: [A-Za-z0-9_-], others `_'. */
static void sanitize_alias(const char *in, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; in && in[i] && o + 1 < len; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = (isalnum(c) || c == '-' || c == '_') ? (char)c : '_';
	}
	out[o] = '\0';
}

static int walk_bags(struct p12_walk *w, const STACK_OF(PKCS12_SAFEBAG) *bags)
{
	int i;

	for (i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
		struct p12_bag b = { 0 }, *nv;
		const ASN1_TYPE *kid;
		char *fname;

		switch (PKCS12_SAFEBAG_get_nid(bag)) {
		case NID_keyBag:
			b.key = EVP_PKCS82PKEY(PKCS12_SAFEBAG_get0_p8inf(bag));
			if (!b.key)
				w->bad_key = true;
			break;
		case NID_pkcs8ShroudedKeyBag: {
			PKCS8_PRIV_KEY_INFO *p8 = PKCS12_decrypt_skey(bag, w->pass, w->passlen);

			if (p8) {
				b.key = EVP_PKCS82PKEY(p8);
				PKCS8_PRIV_KEY_INFO_free(p8);
			}
			if (!b.key)
				w->bad_key = true;
			break;
		}
		case NID_certBag:
			if (PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate)
				b.cert = PKCS12_SAFEBAG_get1_cert(bag);
			break;
		case NID_safeContentsBag:
			if (walk_bags(w, PKCS12_SAFEBAG_get0_safes(bag)))
				return -1;
			continue;
		default:
			continue;
		}
		if (!b.key && !b.cert)
			continue;
		kid = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
		if (kid && kid->type == V_ASN1_OCTET_STRING &&
		    kid->value.octet_string->length <= (int)sizeof(b.kid)) {
			b.kid_len = kid->value.octet_string->length;
			memcpy(b.kid, kid->value.octet_string->data, (size_t)b.kid_len);
		}
		fname = PKCS12_get_friendlyname((PKCS12_SAFEBAG *)bag);
		sanitize_alias(fname, b.alias, sizeof(b.alias));
		OPENSSL_free(fname);
		nv = realloc(w->v, (w->n + 1) * sizeof(*w->v));
		if (!nv) {
			EVP_PKEY_free(b.key);
			X509_free(b.cert);
			return -1;
		}
		w->v = nv;
		w->v[w->n++] = b;
	}
	return 0;
}

static void load_legacy_provider(void)
{
	static bool tried;

	/* RC2/3DES PKCS#12 files of older tools; the default stays loaded. */
	if (!tried) {
		tried = true;
		OSSL_PROVIDER_try_load(NULL, "legacy", 1);
		ERR_clear_error();
	}
}

void cr_p12_free(struct cr_p12 *p)
{
	size_t i;

	for (i = 0; i < p->n_keyed; i++) {
		EVP_PKEY_free(p->keyed[i].key);
		X509_free(p->keyed[i].cert);
		sk_X509_pop_free(p->keyed[i].chain, X509_free);
	}
	free(p->keyed);
	sk_X509_pop_free(p->certs, X509_free);
	free(p->cert_alias);
	memset(p, 0, sizeof(*p));
}

/*
 * The issuer path of leaf through pool (several leaves may share issuers);
 * used marks what some path took. take_rest appends the unused others.
 */
static STACK_OF(X509) *build_chain(X509 *leaf, STACK_OF(X509) *pool,
				   bool *used, bool take_rest)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *cur = leaf;
	int depth, i;

	if (!chain)
		return NULL;
	for (depth = 0; depth < 10 && !cr_self_signed(cur); depth++) {
		for (i = 0; i < sk_X509_num(pool); i++) {
			X509 *c = sk_X509_value(pool, i);

			if (c != cur && sk_X509_find(chain, c) < 0 &&
			    X509_check_issued(c, cur) == X509_V_OK)
				break;
		}
		if (i == sk_X509_num(pool))
			break;
		used[i] = true;
		cur = sk_X509_value(pool, i);
		X509_up_ref(cur);
		sk_X509_push(chain, cur);
	}
	for (i = 0; take_rest && i < sk_X509_num(pool); i++) {
		if (!used[i]) {
			used[i] = true;
			X509_up_ref(sk_X509_value(pool, i));
			sk_X509_push(chain, sk_X509_value(pool, i));
		}
	}
	return chain;
}

int cr_load_p12(const char *field, const char *path, const char *password,
		struct cr_p12 *out, char *err, size_t errlen)
{
	struct p12_walk w = { 0 };
	STACK_OF(PKCS7) *safes = NULL;
	STACK_OF(X509) *pool = NULL;
	unsigned char *buf;
	const unsigned char *p;
	const char *pass = password;
	PKCS12 *p12;
	char v[300];
	size_t len, i, j;
	bool *used = NULL;
	int rc = -1, k;

	memset(out, 0, sizeof(*out));
	if (cr_read_file(field, path, &buf, &len, err, errlen))
		return -1;
	cr_show(path, v, sizeof(v));
	load_legacy_provider();
	p = buf;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12) {
		ERR_clear_error();
		cr_free_file(buf, len);
		return 1;
	}
	if (PKCS12_mac_present(p12)) {
		if (pass) {
			if (!PKCS12_verify_mac(p12, pass, -1)) {
				cr_err(err, errlen, "password: wrong password for %s `%s' "
				       "(PKCS#12 integrity check failed)", field, v);
				goto out;
			}
		} else if (PKCS12_verify_mac(p12, "", 0)) {
			pass = "";
		} else if (!PKCS12_verify_mac(p12, NULL, 0)) {
			cr_err(err, errlen, "%s `%s': protected by a password: give "
			       "password-file FILE or set TLSI_PASSWORD", field, v);
			goto out;
		}
	} else if (!pass) {
		pass = "";
	}
	w.pass = pass;
	w.passlen = pass ? (int)strlen(pass) : 0;
	safes = PKCS12_unpack_authsafes(p12);
	if (!safes) {
		cr_err(err, errlen, "%s `%s': corrupt PKCS#12 file", field, v);
		goto out;
	}
	for (k = 0; k < sk_PKCS7_num(safes); k++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, k);
		STACK_OF(PKCS12_SAFEBAG) *bags = NULL;

		if (PKCS7_type_is_data(p7))
			bags = PKCS12_unpack_p7data(p7);
		else if (PKCS7_type_is_encrypted(p7))
			bags = PKCS12_unpack_p7encdata(p7, w.pass, w.passlen);
		else
			continue;
		if (!bags) {
			cr_err(err, errlen, "%s `%s': cannot decrypt the PKCS#12 contents "
			       "(wrong password, or an unsupported cipher)", field, v);
			goto out;
		}
		if (walk_bags(&w, bags)) {
			sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
			cr_err(err, errlen, "%s `%s': out of memory", field, v);
			goto out;
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	if (w.bad_key) {
		cr_err(err, errlen, "%s `%s': cannot decrypt a private key of the "
		       "PKCS#12 file (wrong password, or an unsupported cipher)", field, v);
		goto out;
	}
	out->certs = sk_X509_new_null();
	pool = sk_X509_new_null();
	if (!out->certs || !pool)
		goto oom;
	for (i = 0; i < w.n; i++) {
		if (w.v[i].cert) {
			X509_up_ref(w.v[i].cert);
			sk_X509_push(out->certs, w.v[i].cert);
		}
	}
	out->cert_alias = calloc((size_t)sk_X509_num(out->certs) + 1,
				 sizeof(*out->cert_alias));
	if (!out->cert_alias)
		goto oom;
	for (i = 0, k = 0; i < w.n; i++)
		if (w.v[i].cert)
			memcpy(out->cert_alias[k++], w.v[i].alias, sizeof(w.v[i].alias));

	/* Pair each key with its certificate: localKeyID, else the key. */
	out->keyed = calloc(w.n + 1, sizeof(*out->keyed));
	if (!out->keyed)
		goto oom;
	for (i = 0; i < w.n; i++) {
		struct p12_bag *kb = &w.v[i], *cb = NULL;

		if (!kb->key)
			continue;
		for (j = 0; j < w.n && !cb; j++)
			if (w.v[j].cert && kb->kid_len && kb->kid_len == w.v[j].kid_len &&
			    !memcmp(kb->kid, w.v[j].kid, (size_t)kb->kid_len) &&
			    cr_key_matches(w.v[j].cert, kb->key))
				cb = &w.v[j];
		for (j = 0; j < w.n && !cb; j++)
			if (w.v[j].cert && cr_key_matches(w.v[j].cert, kb->key))
				cb = &w.v[j];
		if (!cb) {
			cr_err(err, errlen, "%s `%s': a private key of the PKCS#12 file "
			       "matches none of its certificates", field, v);
			goto out;
		}
		out->keyed[out->n_keyed].key = kb->key;
		kb->key = NULL;
		out->keyed[out->n_keyed].cert = cb->cert;
		X509_up_ref(cb->cert);
		memcpy(out->keyed[out->n_keyed].alias, kb->alias[0] ? kb->alias : cb->alias,
		       sizeof(kb->alias));
		cb->kid_len = -1;	/* keyed: not part of any chain */
		out->n_keyed++;
	}
	for (i = 0; i < w.n; i++) {
		if (w.v[i].cert && w.v[i].kid_len >= 0) {
			X509_up_ref(w.v[i].cert);
			sk_X509_push(pool, w.v[i].cert);
		}
	}
	used = calloc((size_t)sk_X509_num(pool) + 1, sizeof(*used));
	if (!used)
		goto oom;
	for (i = 0; i < out->n_keyed; i++) {
		out->keyed[i].chain = build_chain(out->keyed[i].cert, pool, used,
						  out->n_keyed == 1);
		if (!out->keyed[i].chain)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	cr_err(err, errlen, "%s `%s': out of memory", field, v);
out:
	if (rc)
		cr_p12_free(out);
	for (i = 0; i < w.n; i++) {
		EVP_PKEY_free(w.v[i].key);
		X509_free(w.v[i].cert);
	}
	free(w.v);
	free(used);
	sk_X509_pop_free(pool, X509_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
	ERR_clear_error();
	cr_free_file(buf, len);
	return rc;
}

/* ---- properties ------------------------------------------------------ */

bool cr_is_ca(X509 *x)
{
	uint32_t f = X509_get_extension_flags(x);

	if (!(f & EXFLAG_CA))
		return false;
	if ((f & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		return false;
	return true;
}

bool cr_self_signed(X509 *x)
{
	int rc = X509_self_signed(x, 1);

	ERR_clear_error();
	return rc == 1;
}

bool cr_key_matches(X509 *x, EVP_PKEY *k)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);
	bool ok = pub && k && EVP_PKEY_eq(pub, k) == 1;

	ERR_clear_error();
	return ok;
}

int cr_check_key_size(const char *field, const char *path, EVP_PKEY *k,
		      char *err, size_t errlen)
{
	char v[300];
	int id = EVP_PKEY_get_base_id(k);

	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) &&
	    EVP_PKEY_get_bits(k) < CERTREPO_RSA_MIN_BITS) {
		cr_err(err, errlen, "%s `%s': %s key of %d bits is below the minimum of %d",
		       field, cr_show(path, v, sizeof(v)), id == EVP_PKEY_DSA ? "DSA" : "RSA",
		       EVP_PKEY_get_bits(k), CERTREPO_RSA_MIN_BITS);
		return -1;
	}
	return 0;
}

void cr_key_type_str(EVP_PKEY *k, char *buf, size_t len)
{
	char group[64];
	const char *t;
	size_t i;

	if (!k) {
		snprintf(buf, len, "none");
		return;
	}
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		snprintf(buf, len, "rsa%d", EVP_PKEY_get_bits(k));
		return;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(k, group, sizeof(group), NULL)) {
			if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
				snprintf(buf, len, "p256");
			else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
				snprintf(buf, len, "p384");
			else if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521"))
				snprintf(buf, len, "p521");
			else
				snprintf(buf, len, "ec-%s", group);
			return;
		}
		snprintf(buf, len, "ec");
		return;
	default:
		t = EVP_PKEY_get0_type_name(k);
		snprintf(buf, len, "%s", t ? t : "unknown");
		for (i = 0; buf[i]; i++)
			if (buf[i] >= 'A' && buf[i] <= 'Z')
				buf[i] = (char)(buf[i] - 'A' + 'a');
	}
}

const EVP_MD *cr_md_for(EVP_PKEY *k)
{
	int id = EVP_PKEY_get_base_id(k);

	if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448)
		return NULL;
	if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(k) > 256)
		return EVP_sha384();
	return EVP_sha256();
}

/* 127 random bits: positive, unique enough, within RFC 5280's 20 bytes. */
int cr_random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *ai = NULL;
	int ok = 0;

	if (bn && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) && X509_set_serialNumber(x, ai))
		ok = 1;
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok ? 0 : -1;
}

time_t cr_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

void cr_name_str(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long l;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		l = BIO_get_mem_data(b, &p);
		snprintf(buf, len, "%.*s", (int)l, p);
	}
	BIO_free(b);
}

void cr_name_cn(const X509_NAME *n, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	unsigned char *u = NULL;
	int l;

	buf[0] = '\0';
	if (i < 0)
		return;
	l = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (l >= 0)
		snprintf(buf, len, "%.*s", l, u);
	OPENSSL_free(u);
}

/* ---- making ---------------------------------------------------------- */

EVP_PKEY *certrepo_keygen(enum certrepo_key_type t, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;

	switch (t) {
	case CERTREPO_KEY_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case CERTREPO_KEY_RSA3072:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case CERTREPO_KEY_RSA4096:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case CERTREPO_KEY_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CERTREPO_KEY_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	}
	if (!k)
		cr_err(err, errlen, "key: generating a %s key failed",
		       certrepo_key_type_name(t));
	ERR_clear_error();
	return k;
}

static X509_NAME *make_name(const struct certrepo_dn *dn)
{
	X509_NAME *n = X509_NAME_new();
	size_t i;
	int ok = 1;

#define ADD(nid, v) \
	(ok = ok && X509_NAME_add_entry_by_NID(n, (nid), MBSTRING_UTF8, \
					       (const unsigned char *)(v), -1, -1, 0))
	if (!n)
		return NULL;
	if (dn->c)
		ADD(NID_countryName, dn->c);
	if (dn->st)
		ADD(NID_stateOrProvinceName, dn->st);
	if (dn->l)
		ADD(NID_localityName, dn->l);
	if (dn->o)
		ADD(NID_organizationName, dn->o);
	for (i = 0; i < dn->n_ou; i++)
		ADD(NID_organizationalUnitName, dn->ou[i]);
	ADD(NID_commonName, dn->cn);
	if (dn->email)
		ADD(NID_pkcs9_emailAddress, dn->email);
#undef ADD
	if (!ok) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int push_name(GENERAL_NAMES *gens, int type, const char *v)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *s = NULL;

	if (!g)
		return -1;
	if (type == GEN_IPADD) {
		s = a2i_IPADDRESS(v);
	} else {
		s = ASN1_IA5STRING_new();
		if (s && !ASN1_STRING_set(s, v, -1)) {
			ASN1_STRING_free(s);
			s = NULL;
		}
	}
	if (!s) {
		GENERAL_NAME_free(g);
		return -1;
	}
	GENERAL_NAME_set0_value(g, type, s);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return -1;
	}
	return 0;
}

/* DNS names (plus the CN when add_cn and it is a host name) and e-mails. */
static GENERAL_NAMES *make_sans(const struct certrepo_dn *dn, bool add_cn)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	char e[CERTREPO_ERR_MAX];
	size_t i;
	bool listed = false;

	if (!gens)
		return NULL;
	for (i = 0; i < dn->n_dns; i++)
		listed = listed || !strcasecmp(dn->dns[i], dn->cn);
	if (add_cn && !listed && !certrepo_check_dns_name("cn", dn->cn, true, e, sizeof(e)) &&
	    push_name(gens, GEN_DNS, dn->cn))
		goto fail;
	for (i = 0; i < dn->n_dns; i++)
		if (push_name(gens, GEN_DNS, dn->dns[i]))
			goto fail;
	for (i = 0; i < dn->n_email_san; i++)
		if (push_name(gens, GEN_EMAIL, dn->email_san[i]))
			goto fail;
	return gens;
fail:
	GENERAL_NAMES_free(gens);
	return NULL;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

X509 *cr_make_signing(const struct certrepo_gen *g, EVP_PKEY *key, char *err,
		      size_t errlen)
{
	unsigned days = g->days ? g->days : CERTREPO_DAYS_DEFAULT;
	X509_NAME *name = make_name(&g->dn);
	GENERAL_NAMES *sans = make_sans(&g->dn, false);
	X509 *x = X509_new();
	X509V3_CTX ctx;

	if (!x || !name || !sans || !X509_set_version(x, X509_VERSION_3) ||
	    cr_random_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    !X509_set_pubkey(x, key))
		goto fail;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
		goto fail;
	if (sk_GENERAL_NAME_num(sans) &&
	    !X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT))
		goto fail;
	if (!X509_sign(x, key, cr_md_for(key)))
		goto fail;
	X509_NAME_free(name);
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return x;
fail:
	cr_err(err, errlen, "making the certificate failed: %s",
	       ERR_reason_error_string(ERR_peek_last_error()) ?
	       ERR_reason_error_string(ERR_peek_last_error()) : "unknown error");
	ERR_clear_error();
	X509_free(x);
	X509_NAME_free(name);
	GENERAL_NAMES_free(sans);
	return NULL;
}

static int push_ext(STACK_OF(X509_EXTENSION) *exts, X509V3_CTX *ctx, int nid,
		    const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (!ext || !sk_X509_EXTENSION_push(exts, ext)) {
		X509_EXTENSION_free(ext);
		return -1;
	}
	return 0;
}

X509_REQ *cr_make_request(const struct certrepo_gen *g, EVP_PKEY *key,
			  char *err, size_t errlen)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_NAME *name = make_name(&g->dn);
	GENERAL_NAMES *sans = make_sans(&g->dn, !g->signing);
	X509_REQ *req = X509_REQ_new();
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;

	if (!exts || !name || !sans || !req || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, key))
		goto fail;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, NULL, NULL, req, NULL, 0);
	if (g->signing) {
		if (push_ext(exts, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
		    push_ext(exts, &ctx, NID_key_usage,
			     "critical,keyCertSign,cRLSign,digitalSignature"))
			goto fail;
	} else {
		if (push_ext(exts, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
		    push_ext(exts, &ctx, NID_key_usage,
			     rsa ? "critical,digitalSignature,keyEncipherment"
				 : "critical,digitalSignature") ||
		    push_ext(exts, &ctx, NID_ext_key_usage, "serverAuth"))
			goto fail;
	}
	if (sk_GENERAL_NAME_num(sans)) {
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, sans);
		if (!ext || !sk_X509_EXTENSION_push(exts, ext)) {
			X509_EXTENSION_free(ext);
			goto fail;
		}
	}
	if (!X509_REQ_add_extensions(req, exts) || !X509_REQ_sign(req, key, cr_md_for(key)))
		goto fail;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return req;
fail:
	cr_err(err, errlen, "making the signing request failed");
	ERR_clear_error();
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	GENERAL_NAMES_free(sans);
	X509_REQ_free(req);
	return NULL;
}

/* ---- leaf certificates ----------------------------------------------- */

struct certrepo_issuer {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
};

struct certrepo_issuer *cr_issuer_new(X509 *cert, EVP_PKEY *key,
				      STACK_OF(X509) *chain)
{
	struct certrepo_issuer *ca = calloc(1, sizeof(*ca));

	if (!ca)
		return NULL;
	ca->cert = cert;
	ca->key = key;
	ca->chain = chain ? chain : sk_X509_new_null();
	return ca;
}

void certrepo_issuer_free(struct certrepo_issuer *ca)
{
	if (!ca)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	sk_X509_pop_free(ca->chain, X509_free);
	free(ca);
}

X509 *certrepo_issuer_cert(const struct certrepo_issuer *ca)
{
	return ca->cert;
}

STACK_OF(X509) *certrepo_issuer_chain(const struct certrepo_issuer *ca)
{
	return ca->chain;
}

int certrepo_issue_leaf(const struct certrepo_issuer *ca, const char *cn,
			const char *const *sans, size_t n_sans, EVP_PKEY *key,
			unsigned days, X509 **out, char *err, size_t errlen)
{
	GENERAL_NAMES *gens = NULL;
	X509_NAME *name = NULL;
	ASN1_TIME *limit;
	X509 *x = NULL;
	X509V3_CTX ctx;
	char e[CERTREPO_ERR_MAX], v[300];
	bool listed = false, rsa;
	size_t i;

	if (!ca || !ca->cert || !ca->key) {
		cr_err(err, errlen, "ca: no signing certificate");
		return -1;
	}
	if (!cr_is_ca(ca->cert)) {
		cr_err(err, errlen, "ca: not a CA certificate: it cannot sign");
		return -1;
	}
	if (!key) {
		cr_err(err, errlen, "key: missing");
		return -1;
	}
	if (!cn || cr_check_text("cn", cn, 64, err, errlen))
		return cn ? -1 : (cr_err(err, errlen, "cn: missing"), -1);
	if (days < 1 || days > CERTREPO_DAYS_MAX) {
		cr_err(err, errlen, "days `%u': out of range (1..%d)", days, CERTREPO_DAYS_MAX);
		return -1;
	}
	gens = sk_GENERAL_NAME_new_null();
	if (!gens)
		goto fail;
	for (i = 0; i < n_sans; i++) {
		ASN1_OCTET_STRING *ip = a2i_IPADDRESS(sans[i]);

		ERR_clear_error();
		if (ip) {
			ASN1_OCTET_STRING_free(ip);
			if (push_name(gens, GEN_IPADD, sans[i]))
				goto fail;
			continue;
		}
		if (certrepo_check_dns_name("san", sans[i], true, err, errlen))
			goto bad;
		listed = listed || !strcasecmp(sans[i], cn);
		if (push_name(gens, GEN_DNS, sans[i]))
			goto fail;
	}
	if (!listed && !certrepo_check_dns_name("cn", cn, true, e, sizeof(e))) {
		GENERAL_NAME *g;

		if (push_name(gens, GEN_DNS, cn))
			goto fail;
		/* The CN goes first. */
		g = sk_GENERAL_NAME_pop(gens);
		sk_GENERAL_NAME_unshift(gens, g);
	}
	rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
	name = X509_NAME_new();
	x = X509_new();
	if (!name || !x ||
	    !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_version(x, X509_VERSION_3) || cr_random_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_set_pubkey(x, key))
		goto fail;
	/* Never outlive the CA: clients would refuse the chain. */
	limit = X509_getm_notAfter(ca->cert);
	if (ASN1_TIME_compare(X509_get0_notAfter(x), limit) > 0 &&
	    !X509_set1_notAfter(x, limit))
		goto fail;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, &ctx, NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment"
						 : "critical,digitalSignature") ||
	    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid,issuer"))
		goto fail;
	if (sk_GENERAL_NAME_num(gens) &&
	    !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT))
		goto fail;
	if (!X509_sign(x, ca->key, cr_md_for(ca->key)))
		goto fail;
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	ERR_clear_error();
	*out = x;
	return 0;
fail:
	cr_err(err, errlen, "cn `%s': issuing the certificate failed",
	       cr_show(cn, v, sizeof(v)));
bad:
	ERR_clear_error();
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_free(x);
	return -1;
}

/* ---- encodings ------------------------------------------------------- */

static int bio_take(BIO *b, char **out, size_t *len)
{
	char *p;
	long l = BIO_get_mem_data(b, &p);

	if (l <= 0 || !(*out = OPENSSL_malloc((size_t)l + 1)))
		return -1;
	memcpy(*out, p, (size_t)l);
	(*out)[l] = '\0';
	*len = (size_t)l;
	return 0;
}

int cr_pem_certs(X509 *x, STACK_OF(X509) *chain, char **out, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int i, rc = -1;

	if (!b || !PEM_write_bio_X509(b, x))
		goto out;
	for (i = 0; chain && i < sk_X509_num(chain); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(chain, i)))
			goto out;
	rc = bio_take(b, out, len);
out:
	BIO_free(b);
	return rc;
}

int cr_pem_req(X509_REQ *req, char **out, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int rc = -1;

	if (b && PEM_write_bio_X509_REQ(b, req))
		rc = bio_take(b, out, len);
	BIO_free(b);
	return rc;
}

int cr_pem_key(EVP_PKEY *k, char **out, size_t *len)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *p;
	long l;
	int rc = -1;

	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
		l = BIO_get_mem_data(b, &p);
		if (l > 0 && (*out = OPENSSL_secure_malloc((size_t)l + 1))) {
			memcpy(*out, p, (size_t)l);
			(*out)[l] = '\0';
			*len = (size_t)l;
			rc = 0;
		}
	}
	BIO_free(b);
	return rc;
}

int cr_parse_certs(const char *buf, size_t len, X509 **x, STACK_OF(X509) **chain)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *c;

	*x = NULL;
	*chain = sk_X509_new_null();
	if (!b || !*chain)
		goto fail;
	*x = PEM_read_bio_X509(b, NULL, no_password_cb, NULL);
	if (!*x)
		goto fail;
	while ((c = PEM_read_bio_X509(b, NULL, no_password_cb, NULL)))
		sk_X509_push(*chain, c);
	BIO_free(b);
	ERR_clear_error();
	return 0;
fail:
	BIO_free(b);
	X509_free(*x);
	*x = NULL;
	sk_X509_pop_free(*chain, X509_free);
	*chain = NULL;
	ERR_clear_error();
	return -1;
}

X509_REQ *cr_parse_req(const char *buf, size_t len)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509_REQ *req = b ? PEM_read_bio_X509_REQ(b, NULL, no_password_cb, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return req;
}

EVP_PKEY *cr_parse_key(const char *buf, size_t len)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_password_cb, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return k;
}
