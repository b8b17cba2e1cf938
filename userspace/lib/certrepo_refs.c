// SPDX-License-Identifier: GPL-2.0
/*
 * Getting objects out of the certificate repository: export and delete,
 * and the references (from trust stores, tlsid's configuration) that make
 * a delete refuse while something still uses the object.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- export, delete -------------------------------------------------- */

static int export_key(EVP_PKEY *k, bool der, const char *password, FILE *out)
{
	OSSL_ENCODER_CTX *ctx;
	int ok = 0;

	ctx = OSSL_ENCODER_CTX_new_for_pkey(k, OSSL_KEYMGMT_SELECT_KEYPAIR |
					    OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS,
					    der ? "DER" : "PEM",
					    password ? "EncryptedPrivateKeyInfo" : "PrivateKeyInfo",
					    NULL);
	if (ctx && OSSL_ENCODER_CTX_get_num_encoders(ctx) > 0 &&
	    (!password || (OSSL_ENCODER_CTX_set_cipher(ctx, "AES-256-CBC", NULL) &&
			   OSSL_ENCODER_CTX_set_passphrase(ctx, (const unsigned char *)password,
							   strlen(password)))))
		ok = OSSL_ENCODER_to_fp(ctx, out);
	OSSL_ENCODER_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int certrepo_export(struct certrepo *r, const char *name, unsigned flags,
		    const char *password, FILE *out, char *err, size_t errlen)
{
	bool der = flags & CERTREPO_EXPORT_DER;
	struct obj o;
	char v[128];
	int rc = -1, i, lrc;

	if (cr_check_objname("name", name, err, errlen))
		return -1;
	if (der && (flags & CERTREPO_EXPORT_CHAIN) && !(flags & CERTREPO_EXPORT_KEY)) {
		cr_err(err, errlen, "chain: DER holds one certificate: export the chain as PEM");
		return -1;
	}
	lrc = cr_lock(r, false, err, errlen);
	if (lrc < 0)
		return -1;
	if (lrc == 1) {
		cr_err(err, errlen, "name `%s': no such certificate, request or CA certificate",
		       cr_show(name, v, sizeof(v)));
		return -1;
	}
	if (cr_obj_load(r, name, flags & CERTREPO_EXPORT_KEY ? LOAD_KEY : 0, &o, err, errlen))
		goto out_unlock;
	cr_show(name, v, sizeof(v));
	if (flags & CERTREPO_EXPORT_KEY) {
		if (o.m.kind == CERTREPO_CA) {
			cr_err(err, errlen, "name `%s': a CA certificate has no private key", v);
			goto out;
		}
		if (!o.m.exportable) {
			cr_err(err, errlen, "name `%s': the private key is not exportable (it was "
			       "not created or imported with `exportable')", v);
			goto out;
		}
		if (export_key(o.key, der, password, out)) {
			cr_err(err, errlen, "name `%s': encoding the private key failed", v);
			goto out;
		}
	} else if (o.req) {
		if (!(der ? i2d_X509_REQ_fp(out, o.req) : PEM_write_X509_REQ(out, o.req)))
			goto werr;
	} else if (der) {
		if (!i2d_X509_fp(out, o.cert))
			goto werr;
	} else {
		if (!PEM_write_X509(out, o.cert))
			goto werr;
		for (i = 0; (flags & CERTREPO_EXPORT_CHAIN) && o.chain && i < sk_X509_num(o.chain); i++)
			if (!PEM_write_X509(out, sk_X509_value(o.chain, i)))
				goto werr;
	}
	if (fflush(out) || ferror(out))
		goto werr;
	rc = 0;
	goto out;
werr:
	cr_err(err, errlen, "write error: %s", strerror(errno));
out:
	ERR_clear_error();
	cr_obj_free(&o);
out_unlock:
	cr_unlock(r);
	return rc;
}

void cr_refs_str(char *const *refs, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", refs[i]);
}

int certrepo_del(struct certrepo *r, const char *name, char *err, size_t errlen)
{
	char trash[PATH_MAX], v[128], refs[400];
	struct meta m;
	int rc = -1;

	if (cr_check_objname("name", name, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (cr_meta_load(r, name, &m)) {
		char dir[PATH_MAX];

		cr_obj_dir(r, name, dir, sizeof(dir));
		if (!cr_exists(dir)) {
			cr_err(err, errlen, "name `%s': no such certificate, request or CA "
			       "certificate", cr_show(name, v, sizeof(v)));
			goto out;
		}
		memset(&m, 0, sizeof(m));	/* damaged: can go */
	}
	if (m.n_refs) {
		cr_refs_str(m.refs, m.n_refs, refs, sizeof(refs));
		cr_err(err, errlen, "name `%s': in use: referenced by %s",
		       cr_show(name, v, sizeof(v)), refs);
		cr_meta_free(&m);
		goto out;
	}
	cr_meta_free(&m);
	if (cr_obj_trash(r, name, trash, sizeof(trash), err, errlen))
		goto out;
	cr_rm_dir(trash);
	rc = 0;
out:
	cr_unlock(r);
	return rc;
}

/* ---- references ------------------------------------------------------ */

/* Add or drop referrer on an object (locked). */
int cr_obj_ref(const struct certrepo *r, enum certrepo_kind kind, const char *name,
	       const char *referrer, bool add, char *err, size_t errlen)
{
	char dir[PATH_MAX], v[128];
	struct meta m;
	ssize_t at;
	int rc = -1;

	if (cr_meta_load(r, name, &m)) {
		cr_err(err, errlen, "%s `%s': no such %s", kind == CERTREPO_CA ? "ca" : "name",
		       cr_show(name, v, sizeof(v)), cr_kind_article(kind) + 2);
		return -1;
	}
	if (m.kind != kind) {
		cr_err(err, errlen, "%s `%s': %s, not %s", kind == CERTREPO_CA ? "ca" : "name",
		       cr_show(name, v, sizeof(v)), cr_kind_article(m.kind), cr_kind_article(kind));
		goto out;
	}
	at = cr_strv_find(m.refs, m.n_refs, referrer);
	if (add && at >= 0) {
		rc = 0;
		goto out;
	}
	if (!add && at < 0) {
		cr_err(err, errlen, "referrer `%s': does not use `%s'", referrer,
		       cr_show(name, v, sizeof(v)));
		goto out;
	}
	if (add ? cr_strv_add(&m.refs, &m.n_refs, referrer) : (cr_strv_del(m.refs, &m.n_refs, (size_t)at), 0)) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	cr_obj_dir(r, name, dir, sizeof(dir));
	rc = cr_meta_save(r, dir, &m, err, errlen);
out:
	cr_meta_free(&m);
	return rc;
}

static int ref_op(struct certrepo *r, enum certrepo_kind kind, const char *name,
		  const char *referrer, bool add, char *err, size_t errlen)
{
	struct certrepo_truststore t;
	ssize_t at;
	int rc = -1;

	if (kind != CERTREPO_CERT && kind != CERTREPO_CA && kind != CERTREPO_TRUSTSTORE) {
		cr_err(err, errlen, "kind: only certificates, CA certificates and trust stores "
		       "are referenced");
		return -1;
	}
	if ((kind == CERTREPO_TRUSTSTORE ?
	     certrepo_check_truststore_name("name", name, err, errlen) :
	     cr_check_objname("name", name, err, errlen)) ||
	    cr_check_referrer(referrer, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (kind != CERTREPO_TRUSTSTORE) {
		rc = cr_obj_ref(r, kind, name, referrer, add, err, errlen);
		goto out;
	}
	if (cr_ts_load(r, name, &t, err, errlen))
		goto out;
	at = cr_strv_find(t.refs, t.n_refs, referrer);
	if (add && at >= 0) {
		rc = 0;
	} else if (!add && at < 0) {
		cr_err(err, errlen, "referrer `%s': does not use trust store `%s'", referrer, name);
	} else {
		if (add ? cr_strv_add(&t.refs, &t.n_refs, referrer) :
		    (cr_strv_del(t.refs, &t.n_refs, (size_t)at), 0))
			cr_err(err, errlen, "out of memory");
		else
			rc = cr_ts_save(r, &t, err, errlen);
	}
	certrepo_truststore_free(&t);
out:
	cr_unlock(r);
	return rc;
}

int certrepo_ref_add(struct certrepo *r, enum certrepo_kind kind, const char *name,
		     const char *referrer, char *err, size_t errlen)
{
	return ref_op(r, kind, name, referrer, true, err, errlen);
}

int certrepo_ref_del(struct certrepo *r, enum certrepo_kind kind, const char *name,
		     const char *referrer, char *err, size_t errlen)
{
	return ref_op(r, kind, name, referrer, false, err, errlen);
}
