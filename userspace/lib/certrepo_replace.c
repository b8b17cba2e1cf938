// SPDX-License-Identifier: GPL-2.0
/*
 * Changing objects in place: replacing an object's certificate (renewal,
 * a CA's answer to a request) under the same name, and refreshing the
 * status of every object and trust store after the anchors changed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- replace --------------------------------------------------------- */

/* The new certificate (and key) of a replacement. */
static int replacement_load(const struct certrepo_import *im, X509 **x,
			    STACK_OF(X509) **chain, EVP_PKEY **key, char *err,
			    size_t errlen)
{
	char v[300];
	int rc;

	*x = NULL;
	*chain = NULL;
	*key = NULL;
	if (im->p12_file) {
		struct cr_p12 p;

		if (im->cert_file || im->key_file) {
			cr_err(err, errlen, "p12: a PKCS#12 file holds the certificate and the "
			       "key: no separate cert or key");
			return -1;
		}
		rc = cr_load_p12("p12", im->p12_file, im->password, &p, err, errlen);
		if (rc == 1)
			cr_err(err, errlen, "p12 `%s': not a PKCS#12 file (corrupt?)",
			       cr_show(im->p12_file, v, sizeof(v)));
		if (rc)
			return -1;
		if (p.n_keyed != 1) {
			cr_err(err, errlen, "p12 `%s': holds %zu private keys; a replacement "
			       "needs exactly one", cr_show(im->p12_file, v, sizeof(v)), p.n_keyed);
			cr_p12_free(&p);
			return -1;
		}
		*x = p.keyed[0].cert;
		*key = p.keyed[0].key;
		*chain = p.keyed[0].chain;
		p.keyed[0].cert = NULL;
		p.keyed[0].key = NULL;
		p.keyed[0].chain = NULL;
		cr_p12_free(&p);
		return 0;
	}
	if (!im->cert_file) {
		cr_err(err, errlen, "cert: missing (the new certificate file)");
		return -1;
	}
	rc = cr_load_certs("cert", im->cert_file, chain, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "cert `%s': a PKCS#12 file: use `p12 FILE'",
		       cr_show(im->cert_file, v, sizeof(v)));
	if (rc)
		return -1;
	*x = sk_X509_shift(*chain);
	if (im->key_file && cr_load_key("key", im->key_file, im->password, key, err, errlen)) {
		X509_free(*x);
		sk_X509_pop_free(*chain, X509_free);
		*x = NULL;
		*chain = NULL;
		return -1;
	}
	return 0;
}

/* A CA object is replaced by one CA certificate, without a key. */
static int ca_replacement_check(const char *name, const struct certrepo_import *im,
				const char *src, X509 *x, STACK_OF(X509) *chain, EVP_PKEY *key,
				char *err, size_t errlen)
{
	char v[300];

	if (key || im->p12_file) {
		cr_err(err, errlen, "name `%s': a CA certificate has no private key: "
		       "give only `cert FILE'", cr_show(name, v, sizeof(v)));
		return -1;
	}
	if (sk_X509_num(chain)) {
		cr_err(err, errlen, "cert `%s': holds %d certificates; a CA certificate "
		       "is replaced by one", cr_show(src, v, sizeof(v)),
		       sk_X509_num(chain) + 1);
		return -1;
	}
	if (!cr_ca_acceptable(x)) {
		cr_signing_check("cert", src, x, "`ca' objects hold CA certificates", err,
				 errlen);
		return -1;
	}
	return 0;
}

/*
 * The key of a replacing certificate: the one given, else the old
 * object's (renewed with the same key) or a signing request's (moved out
 * of old or req into *key; *have_req: req holds that request).
 */
static int replacement_key(struct certrepo *r, const char *name,
			   const struct certrepo_import *im, const char *src, X509 *x,
			   struct obj *old, EVP_PKEY **key, struct obj *req, bool *have_req,
			   char *err, size_t errlen)
{
	char v[300];

	if (!*key) {
		if (cr_key_matches(x, old->key)) {
			*key = old->key;	/* renewed with the same key */
			old->key = NULL;
		} else if ((*have_req = cr_find_request(r, x, req))) {
			*key = req->key;
			req->key = NULL;
		} else {
			cr_err(err, errlen, "key: none given, and neither the current key "
			       "of `%s' nor a signing request matches the certificate `%s'",
			       cr_show(name, v, sizeof(v)), src);
			return -1;
		}
	} else if (!cr_key_matches(x, *key)) {
		cr_err(err, errlen, "key `%s': does not match the certificate `%s'",
		       cr_show(im->key_file, v, sizeof(v)), src);
		return -1;
	}
	if (cr_check_key_size(im->key_file ? "key" : "p12", im->key_file ?
			      im->key_file : src, *key, err, errlen))
		return -1;
	if ((im->signing || cr_is_ca(old->cert)) &&
	    cr_signing_check("cert", src, x, "it replaces a signing certificate", err, errlen))
		return -1;
	return 0;
}

/* An older NAME_REPLACED is discarded, unless something uses it. */
static int replaced_discardable(struct certrepo *r, const char *rname, char *err,
				size_t errlen)
{
	struct meta rm;
	char v[300];

	if (!cr_obj_kind(r, rname) || cr_meta_load(r, rname, &rm))
		return 0;
	if (rm.n_refs) {
		struct sb b = { 0 };
		size_t i;

		for (i = 0; i < rm.n_refs; i++)
			cr_sb_printf(&b, "%s%s", i ? ", " : "", rm.refs[i]);
		cr_err(err, errlen, "name `%s': in use by %s: it cannot be discarded "
		       "to make room for the replaced certificate",
		       cr_show(rname, v, sizeof(v)), b.p ? b.p : "?");
		free(b.p);
		cr_meta_free(&rm);
		return -1;
	}
	cr_meta_free(&rm);
	return 0;
}

int certrepo_replace(struct certrepo *r, const char *name,
		     const struct certrepo_import *im, char *err, size_t errlen)
{
	char rname[CERTREPO_OBJNAME_MAX + 16], dir[PATH_MAX], rdir[PATH_MAX];
	char trash[PATH_MAX] = "", oldtmp[PATH_MAX] = "", v[300];
	const char *src = im->p12_file ? im->p12_file : im->cert_file;
	STACK_OF(X509) *chain = NULL;
	X509_STORE *st = NULL;
	EVP_PKEY *key = NULL;
	struct obj old = { 0 }, req = { 0 };
	struct staged s = { 0 };
	struct meta m, om;
	bool have_req = false, moved_old = false;
	X509 *x = NULL;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	memset(&om, 0, sizeof(om));
	if (cr_check_objname("name", name, err, errlen) || cr_check_acme(im->acme, err, errlen))
		return -1;
	if (cr_has_suffix(name, CERTREPO_REPLACED_SUFFIX)) {
		cr_err(err, errlen, "name `%s': a replaced certificate cannot be replaced",
		       cr_show(name, v, sizeof(v)));
		return -1;
	}
	snprintf(rname, sizeof(rname), "%s%s", name, CERTREPO_REPLACED_SUFFIX);
	if (replacement_load(im, &x, &chain, &key, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		goto out_nolock;
	if (cr_obj_load(r, name, LOAD_KEY, &old, err, errlen))
		goto out;
	if (old.m.kind == CERTREPO_REQUEST) {
		cr_err(err, errlen, "name `%s': a signing request is not replaced: import "
		       "the signed certificate", cr_show(name, v, sizeof(v)));
		goto out;
	}
	if (old.m.kind == CERTREPO_CA ? ca_replacement_check(name, im, src, x, chain, key,
							      err, errlen) :
	    replacement_key(r, name, im, src, x, &old, &key, &req, &have_req, err, errlen))
		goto out;
	if (replaced_discardable(r, rname, err, errlen))
		goto out;
	cr_meta_init(&m, old.m.kind, old.m.exportable || im->exportable ||
		     (have_req && req.m.exportable), im->acme ? "acme" : "replace");
	/* An ACME renewal says so; another replacement keeps the record. */
	m.acme = im->acme ? *im->acme : old.m.acme;
	if (cr_meta_copy_refs(&m, &old.m)) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = cr_anchor_store(r, NULL);
	m.check = cr_check_object(st, x, old.m.kind == CERTREPO_CA ? NULL : chain,
				  old.m.kind == CERTREPO_CA ? NULL : key, m.detail, sizeof(m.detail));
	if (cr_obj_stage(r, &m, x, old.m.kind == CERTREPO_CA ? NULL : chain, NULL,
			 old.m.kind == CERTREPO_CA ? NULL : key, s.tmp, sizeof(s.tmp), err, errlen))
		goto out;
	/* The old object, as NAME_REPLACED: no references, a pointer to NAME. */
	om = old.m;
	om.refs = NULL;
	om.n_refs = 0;
	/* Not renewed any more: the name carries the ACME record on. */
	memset(&om.acme, 0, sizeof(om.acme));
	snprintf(om.replaced_by, sizeof(om.replaced_by), "%s", name);
	if (cr_obj_stage(r, &om, old.cert, old.chain, NULL, old.key, oldtmp, sizeof(oldtmp),
			 err, errlen))
		goto out;
	cr_obj_dir(r, name, dir, sizeof(dir));
	cr_obj_dir(r, rname, rdir, sizeof(rdir));
	if (cr_exists(rdir) && cr_obj_trash(r, rname, trash, sizeof(trash), err, errlen))
		goto out;
	if (cr_do_rename(oldtmp, rdir, err, errlen))
		goto undo;
	moved_old = true;
	if (cr_exchange(s.tmp, dir, err, errlen))
		goto undo;
	/* Committed. s.tmp now holds the old directory. */
	cr_rm_dir(s.tmp);
	s.installed = true;
	if (trash[0])
		cr_rm_dir(trash);
	if (have_req && !cr_obj_trash(r, req.name, trash, sizeof(trash), NULL, 0))
		cr_rm_dir(trash);
	rc = 0;
	goto out;
undo:
	if (moved_old)
		rename(rdir, oldtmp);
	if (trash[0])
		rename(trash, rdir);
out:
	cr_unlock(r);
out_nolock:
	cr_staged_cleanup(&s, 1);
	if (oldtmp[0] && cr_exists(oldtmp))
		cr_rm_dir(oldtmp);
	cr_meta_free(&m);
	X509_STORE_free(st);
	cr_obj_free(&old);
	cr_obj_free(&req);
	EVP_PKEY_free(key);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* ---- refresh --------------------------------------------------------- */

bool cr_ts_exists(const struct certrepo *r, const char *name)
{
	char p[PATH_MAX];

	return !cr_ts_path(r, name, p, sizeof(p)) && cr_exists(p);
}

int certrepo_refresh(struct certrepo *r, size_t *changed, char *err,
		     size_t errlen)
{
	char **names = NULL, dir[PATH_MAX];
	size_t n = 0, i, nchanged = 0;
	X509_STORE *st;
	int rc = 0;

	if (changed)
		*changed = 0;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (cr_obj_names(r, &names, &n)) {
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		cr_unlock(r);
		return -1;
	}
	st = cr_anchor_store(r, NULL);
	for (i = 0; i < n && !rc; i++) {
		struct obj o;
		struct meta m;
		bool dirty = false;
		size_t k;

		if (cr_obj_load(r, names[i], LOAD_KEY, &o, err, errlen)) {
			/* A key that no longer parses is a key mismatch too. */
			if (cr_obj_load(r, names[i], 0, &o, NULL, 0)) {
				rc = -1;
				break;
			}
			if (o.m.kind == CERTREPO_CERT && o.m.check != CHECK_KEY_MISMATCH) {
				o.m.check = CHECK_KEY_MISMATCH;
				snprintf(o.m.detail, sizeof(o.m.detail), "the private key is unreadable");
				dirty = true;
				nchanged++;
			}
		} else if (o.m.kind != CERTREPO_REQUEST) {
			char detail[sizeof(m.detail)];
			enum check_state c = cr_check_object(st, o.cert, o.m.kind == CERTREPO_CA ?
							     NULL : o.chain, o.key, detail,
							     sizeof(detail));

			if (c != o.m.check || strcmp(detail, o.m.detail)) {
				nchanged += c != o.m.check;
				o.m.check = c;
				snprintf(o.m.detail, sizeof(o.m.detail), "%s", detail);
				dirty = true;
			}
		}
		/* References of trust stores that are gone. */
		for (k = 0; k < o.m.n_refs;) {
			if (!strncmp(o.m.refs[k], "truststore:", 11) &&
			    !cr_ts_exists(r, o.m.refs[k] + 11)) {
				cr_strv_del(o.m.refs, &o.m.n_refs, k);
				dirty = true;
			} else {
				k++;
			}
		}
		if (dirty) {
			cr_obj_dir(r, names[i], dir, sizeof(dir));
			rc = cr_meta_save(r, dir, &o.m, err, errlen);
		}
		cr_obj_free(&o);
	}
	X509_STORE_free(st);
	cr_strv_free(names, n);
	cr_unlock(r);
	if (changed)
		*changed = nchanged;
	return rc;
}
