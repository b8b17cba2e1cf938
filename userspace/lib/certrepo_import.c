// SPDX-License-Identifier: GPL-2.0
/*
 * New objects in the certificate repository: generated (signing keys,
 * requests) or imported from PEM, DER and PKCS#12 files, CA bundles
 * included. Staged first, installed together (certrepo.c has the write
 * pattern).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- generating ------------------------------------------------------ */

void cr_meta_init(struct meta *m, enum certrepo_kind kind, bool exportable,
		  const char *source)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->exportable = exportable;
	m->created = (long long)time(NULL);
	snprintf(m->source, sizeof(m->source), "%s", source);
}

static int name_free_check(const struct certrepo *r, const char *name, char *err,
			   size_t errlen)
{
	enum certrepo_kind k = cr_obj_kind(r, name);
	char v[128], dir[PATH_MAX];

	if (k) {
		cr_err(err, errlen, "name `%s': already exists (%s)",
		       cr_show(name, v, sizeof(v)), cr_kind_article(k));
		return -1;
	}
	if (cr_obj_dir(r, name, dir, sizeof(dir)) || cr_exists(dir)) {
		cr_err(err, errlen, "name `%s': already exists (damaged)",
		       cr_show(name, v, sizeof(v)));
		return -1;
	}
	return 0;
}

/* Stage and rename into objects/name. */
static int obj_create(struct certrepo *r, const char *name, const struct meta *m,
		      X509 *cert, STACK_OF(X509) *chain, X509_REQ *req, EVP_PKEY *key,
		      char *err, size_t errlen)
{
	char tmp[PATH_MAX], dir[PATH_MAX];

	if (cr_obj_stage(r, m, cert, chain, req, key, tmp, sizeof(tmp), err, errlen))
		return -1;
	cr_obj_dir(r, name, dir, sizeof(dir));
	if (cr_do_rename(tmp, dir, err, errlen)) {
		cr_rm_dir(tmp);
		return -1;
	}
	return 0;
}

/* A new signing certificate (request false) or request with a new key. */
static int new_generated(struct certrepo *r, const char *name, const struct certrepo_gen *g,
			 bool request, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	X509 *x = NULL;
	struct meta m;
	int rc = -1;

	if (certrepo_check_name("name", name, err, errlen) ||
	    certrepo_check_gen(g, request, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (name_free_check(r, name, err, errlen))
		goto out;
	if (!(key = certrepo_keygen(g->key, err, errlen)))
		goto out;
	if (request) {
		if (!(req = cr_make_request(g, key, err, errlen)))
			goto out;
		cr_meta_init(&m, CERTREPO_REQUEST, g->exportable, "generated");
		m.signing = g->signing;
	} else {
		if (!(x = cr_make_signing(g, key, err, errlen)))
			goto out;
		cr_meta_init(&m, CERTREPO_CERT, g->exportable, "generated");
		m.check = CHECK_OK;
	}
	rc = obj_create(r, name, &m, x, NULL, req, key, err, errlen);
out:
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	cr_unlock(r);
	return rc;
}

int certrepo_new_signing(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err, size_t errlen)
{
	return new_generated(r, name, g, false, err, errlen);
}

int certrepo_new_request(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err, size_t errlen)
{
	return new_generated(r, name, g, true, err, errlen);
}

/* ---- importing ------------------------------------------------------- */

void certrepo_names_free(struct certrepo_names *n)
{
	if (!n)
		return;
	cr_strv_free(n->v, n->n);
	n->v = NULL;
	n->n = 0;
}

/* The stored request whose key pairs with x (o loaded with its key). */
int cr_find_request(const struct certrepo *r, X509 *x, struct obj *o)
{
	char **names;
	size_t n, i;
	int found = 0;

	if (cr_obj_names(r, &names, &n))
		return 0;
	for (i = 0; i < n && !found; i++) {
		if (cr_obj_kind(r, names[i]) != CERTREPO_REQUEST ||
		    cr_obj_load(r, names[i], LOAD_KEY, o, NULL, 0))
			continue;
		if (cr_key_matches(x, o->key))
			found = 1;
		else
			cr_obj_free(o);
	}
	cr_strv_free(names, n);
	return found;
}

/* Rename every staged object into place; on failure put them back. */
static int install_all(struct certrepo *r, struct staged *s, size_t n, char *err,
		       size_t errlen)
{
	char dir[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		cr_obj_dir(r, s[i].name, dir, sizeof(dir));
		if (cr_do_rename(s[i].tmp, dir, err, errlen))
			goto undo;
		s[i].installed = true;
	}
	return 0;
undo:
	while (i--) {
		cr_obj_dir(r, s[i].name, dir, sizeof(dir));
		rename(dir, s[i].tmp);
		s[i].installed = false;
	}
	return -1;
}

void cr_staged_cleanup(struct staged *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i].installed && s[i].tmp[0])
			cr_rm_dir(s[i].tmp);
}

static int add_created(struct certrepo_names *created, const char *name)
{
	return created ? cr_strv_add(&created->v, &created->n, name) : 0;
}

/* "NAME_ALIAS" (or NAME_N), cut to the length limit and unique in used. */
static void compose_name(const char *base, const char *alias, size_t idx,
			 char **used, size_t n_used, char *out, size_t len)
{
	char a[CERTREPO_NAME_MAX + 1];
	size_t room, k = 0;

	if (alias && alias[0])
		snprintf(a, sizeof(a), "%s", alias);
	else
		snprintf(a, sizeof(a), "%zu", idx);
	for (;;) {
		room = CERTREPO_NAME_MAX > strlen(base) + 1 ? CERTREPO_NAME_MAX - strlen(base) - 1 : 0;
		if (k)
			snprintf(out, len, "%s_%.*s%zu", base, (int)(room > 4 ? room - 4 : 0), a, k);
		else
			snprintf(out, len, "%s_%.*s", base, (int)room, a);
		if (cr_strv_find(used, n_used, out) < 0 && !cr_has_suffix(out, CERTREPO_REPLACED_SUFFIX))
			return;
		k++;
	}
}

int cr_signing_check(const char *field, const char *path, X509 *x,
		     const char *why, char *err, size_t errlen)
{
	char v[300], cn[128];

	if (cr_is_ca(x))
		return 0;
	cr_name_cn(X509_get_subject_name(x), cn, sizeof(cn));
	cr_err(err, errlen, "%s `%s': not a CA certificate (CN=%s lacks basicConstraints "
	       "CA:TRUE with keyCertSign): %s", field, cr_show(path, v, sizeof(v)), cn, why);
	return -1;
}

static int import_pem(struct certrepo *r, const char *name,
		      const struct certrepo_import *im,
		      struct certrepo_names *created, char *err, size_t errlen)
{
	STACK_OF(X509) *certs = NULL;
	X509_STORE *st = NULL;
	EVP_PKEY *key = NULL;
	struct obj req = { 0 };
	struct staged s = { 0 };
	struct meta m;
	enum certrepo_kind existing;
	char v[300], dir[PATH_MAX];
	bool have_req = false, same_name = false;
	X509 *x;
	int rc = -1, lrc;

	lrc = cr_load_certs("cert", im->cert_file, &certs, err, errlen);
	if (lrc == 1)
		cr_err(err, errlen, "cert `%s': a PKCS#12 file: use import-p12",
		       cr_show(im->cert_file, v, sizeof(v)));
	if (lrc)
		return -1;
	x = sk_X509_shift(certs);
	if (im->key_file && cr_load_key("key", im->key_file, im->password, &key, err, errlen))
		goto out_nolock;
	if (cr_lock(r, true, err, errlen))
		goto out_nolock;
	existing = cr_obj_kind(r, name);
	if (existing && existing != CERTREPO_REQUEST) {
		name_free_check(r, name, err, errlen);
		goto out;
	}
	if (!key) {
		have_req = cr_find_request(r, x, &req);
		if (!have_req) {
			cr_err(err, errlen, "key: none given, and no signing request in the "
			       "repository matches the certificate `%s'",
			       cr_show(im->cert_file, v, sizeof(v)));
			goto out;
		}
		key = req.key;
		req.key = NULL;
		same_name = !strcmp(req.name, name);
	} else if (!cr_key_matches(x, key)) {
		cr_err(err, errlen, "key `%s': does not match the certificate `%s'",
		       cr_show(im->key_file, v, sizeof(v)), im->cert_file);
		goto out;
	}
	if (existing && !same_name) {
		name_free_check(r, name, err, errlen);
		goto out;
	}
	if (cr_check_key_size("key", im->key_file ? im->key_file : req.name, key, err, errlen))
		goto out;
	if (im->signing && cr_signing_check("cert", im->cert_file, x,
					    "a signing certificate must be a CA", err, errlen))
		goto out;
	if (have_req && req.m.signing && cr_signing_check("cert", im->cert_file, x,
			"the request asked for a signing certificate", err, errlen))
		goto out;
	cr_meta_init(&m, CERTREPO_CERT, im->exportable || (have_req && req.m.exportable),
		     im->acme ? "acme" : have_req ? "request" : "import");
	if (im->acme)
		m.acme = *im->acme;
	st = cr_anchor_store(r, NULL);
	m.check = cr_check_object(st, x, certs, key, m.detail, sizeof(m.detail));
	if (cr_obj_stage(r, &m, x, certs, NULL, key, s.tmp, sizeof(s.tmp), err, errlen))
		goto out;
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (same_name) {
		/* The request becomes the certificate in one step. */
		cr_obj_dir(r, name, dir, sizeof(dir));
		if (cr_exchange(s.tmp, dir, err, errlen))
			goto out;
		cr_rm_dir(s.tmp);	/* now the request */
		s.installed = true;
	} else {
		if (install_all(r, &s, 1, err, errlen))
			goto out;
		if (have_req) {
			char trash[PATH_MAX];

			/* Committed: the request's key lives on in name. */
			if (!cr_obj_trash(r, req.name, trash, sizeof(trash), NULL, 0))
				cr_rm_dir(trash);
		}
	}
	rc = add_created(created, name);
out:
	cr_unlock(r);
out_nolock:
	cr_staged_cleanup(&s, 1);
	X509_STORE_free(st);
	cr_obj_free(&req);
	EVP_PKEY_free(key);
	X509_free(x);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

static int import_p12(struct certrepo *r, const char *name,
		      const struct certrepo_import *im,
		      struct certrepo_names *created, char *err, size_t errlen)
{
	struct cr_p12 p;
	struct staged *s = NULL;
	X509_STORE *st = NULL;
	char **names = NULL, v[300], e[CERTREPO_ERR_MAX];
	size_t n_names = 0, i;
	int rc = -1, lrc;

	lrc = cr_load_p12("file", im->p12_file, im->password, &p, err, errlen);
	if (lrc == 1)
		cr_err(err, errlen, "file `%s': not a PKCS#12 file (corrupt?)",
		       cr_show(im->p12_file, v, sizeof(v)));
	if (lrc)
		return -1;
	if (!p.n_keyed) {
		cr_err(err, errlen, "file `%s': no private key in the PKCS#12 file (CA "
		       "certificates are imported with import-ca)",
		       cr_show(im->p12_file, v, sizeof(v)));
		goto out_nolock;
	}
	for (i = 0; i < p.n_keyed; i++) {
		char nm[CERTREPO_OBJNAME_MAX + 8];

		if (p.n_keyed == 1)
			snprintf(nm, sizeof(nm), "%s", name);
		else
			compose_name(name, p.keyed[i].alias, i + 1, names, n_names, nm, sizeof(nm));
		if (cr_check_objname("name", nm, err, errlen) || cr_strv_add(&names, &n_names, nm))
			goto out_nolock;
		if (cr_check_key_size("file", im->p12_file, p.keyed[i].key, err, errlen))
			goto out_nolock;
		if (im->signing && cr_signing_check("file", im->p12_file, p.keyed[i].cert,
						    "a signing certificate must be a CA", err, errlen))
			goto out_nolock;
	}
	if (cr_lock(r, true, err, errlen))
		goto out_nolock;
	for (i = 0; i < n_names; i++)
		if (name_free_check(r, names[i], err, errlen))
			goto out;
	s = calloc(n_names, sizeof(*s));
	if (!s) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = cr_anchor_store(r, NULL);
	for (i = 0; i < n_names; i++) {
		struct meta m;

		cr_meta_init(&m, CERTREPO_CERT, im->exportable, "pkcs12");
		m.check = cr_check_object(st, p.keyed[i].cert, p.keyed[i].chain, p.keyed[i].key,
					  m.detail, sizeof(m.detail));
		snprintf(s[i].name, sizeof(s[i].name), "%s", names[i]);
		if (cr_obj_stage(r, &m, p.keyed[i].cert, p.keyed[i].chain, NULL, p.keyed[i].key,
				 s[i].tmp, sizeof(s[i].tmp), err, errlen))
			goto out;
	}
	if (install_all(r, s, n_names, err, errlen))
		goto out;
	rc = 0;
	for (i = 0; i < n_names; i++)
		if (add_created(created, names[i]))
			rc = -1;
	if (rc)
		cr_err(e, sizeof(e), "out of memory");
out:
	cr_unlock(r);
out_nolock:
	if (s)
		cr_staged_cleanup(s, n_names);
	free(s);
	X509_STORE_free(st);
	cr_strv_free(names, n_names);
	cr_p12_free(&p);
	return rc;
}

/* What meta will hold of an ACME record: one line each, printable. */
int cr_check_acme(const struct certrepo_acme *a, char *err, size_t errlen)
{
	if (!a)
		return 0;
	if (cr_check_text("acme domains", a->domains, CERTREPO_ACME_DOMAINS_MAX, err, errlen) ||
	    cr_check_text("acme directory", a->directory, CERTREPO_ACME_URL_MAX, err, errlen) ||
	    cr_check_text("acme key", a->key, sizeof(a->key) - 1, err, errlen) ||
	    (a->email[0] && cr_check_text("acme email", a->email, sizeof(a->email) - 1, err,
					  errlen)))
		return -1;
	return 0;
}

int certrepo_import(struct certrepo *r, const char *name,
		    const struct certrepo_import *im,
		    struct certrepo_names *created, char *err, size_t errlen)
{
	if (certrepo_check_name("name", name, err, errlen) || cr_check_acme(im->acme, err, errlen))
		return -1;
	if (im->acme && im->p12_file) {
		cr_err(err, errlen, "file: an ACME certificate comes as PEM, not PKCS#12");
		return -1;
	}
	if (im->p12_file && (im->cert_file || im->key_file)) {
		cr_err(err, errlen, "file: a PKCS#12 file holds the certificate and the key: "
		       "no separate cert or key");
		return -1;
	}
	if (im->p12_file)
		return import_p12(r, name, im, created, err, errlen);
	if (!im->cert_file) {
		cr_err(err, errlen, "cert: missing (the certificate file)");
		return -1;
	}
	return import_pem(r, name, im, created, err, errlen);
}

bool cr_ca_acceptable(X509 *x)
{
	/* Old v1 roots have no extensions at all. */
	return cr_is_ca(x) || (X509_get_version(x) == X509_VERSION_1 && cr_self_signed(x));
}

/*
 * CA certificates of a PEM, DER or PKCS#12 file; aliases may be NULL.
 * PKCS#12: the certificates that have a key and are no CA are left out.
 */
static int load_ca_file(const char *file, const char *password, STACK_OF(X509) **certs,
			char (**aliases)[CERTREPO_NAME_MAX + 1], char *err, size_t errlen)
{
	struct cr_p12 p;
	char v[300];
	int rc, i;

	*aliases = NULL;
	rc = cr_load_certs("file", file, certs, err, errlen);
	if (rc != 1)
		return rc;
	if (cr_load_p12("file", file, password, &p, err, errlen))
		return -1;
	if (!sk_X509_num(p.certs)) {
		cr_err(err, errlen, "file `%s': no certificate in the PKCS#12 file",
		       cr_show(file, v, sizeof(v)));
		cr_p12_free(&p);
		return -1;
	}
	/* Keys are ignored, and so are the end-entity certificates they go
	 * with (a server's PKCS#12 file brings its CA chain along). */
	for (i = sk_X509_num(p.certs) - 1; i >= 0; i--) {
		X509 *x = sk_X509_value(p.certs, i);
		size_t k;

		for (k = 0; k < p.n_keyed; k++)
			if (p.keyed[k].cert == x && !cr_is_ca(x))
				break;
		if (k < p.n_keyed) {
			sk_X509_delete(p.certs, i);
			X509_free(x);
			memmove(p.cert_alias[i], p.cert_alias[i + 1],
				(size_t)(sk_X509_num(p.certs) - i) * sizeof(*p.cert_alias));
		}
	}
	if (!sk_X509_num(p.certs)) {
		cr_err(err, errlen, "file `%s': no CA certificate in the PKCS#12 file",
		       cr_show(file, v, sizeof(v)));
		cr_p12_free(&p);
		return -1;
	}
	*certs = p.certs;
	*aliases = p.cert_alias;
	p.certs = NULL;
	p.cert_alias = NULL;
	cr_p12_free(&p);
	return 0;
}

int certrepo_import_ca(struct certrepo *r, const char *name, const char *file,
		       const char *password, struct certrepo_names *created,
		       char *err, size_t errlen)
{
	char (*aliases)[CERTREPO_NAME_MAX + 1] = NULL;
	STACK_OF(X509) *certs = NULL;
	struct staged *s = NULL;
	X509_STORE *st = NULL;
	char **names = NULL, v[300], cn[128];
	size_t n_names = 0, i, n;
	int rc = -1;

	if (certrepo_check_name("name", name, err, errlen))
		return -1;
	if (!file) {
		cr_err(err, errlen, "file: missing (the certificate file)");
		return -1;
	}
	if (load_ca_file(file, password, &certs, &aliases, err, errlen))
		return -1;
	n = (size_t)sk_X509_num(certs);
	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(certs, i);
		char nm[CERTREPO_OBJNAME_MAX + 8];

		if (!cr_ca_acceptable(x)) {
			cr_name_cn(X509_get_subject_name(x), cn, sizeof(cn));
			if (n == 1)
				cr_err(err, errlen, "file `%s': not a CA certificate (CN=%s lacks "
				       "basicConstraints CA:TRUE)", cr_show(file, v, sizeof(v)), cn);
			else
				cr_err(err, errlen, "file `%s': certificate %zu (CN=%s) is not a CA "
				       "certificate", cr_show(file, v, sizeof(v)), i + 1, cn);
			goto out_nolock;
		}
		if (n == 1)
			snprintf(nm, sizeof(nm), "%s", name);
		else
			compose_name(name, aliases ? aliases[i] : NULL, i + 1, names, n_names,
				     nm, sizeof(nm));
		if (cr_check_objname("name", nm, err, errlen) || cr_strv_add(&names, &n_names, nm))
			goto out_nolock;
	}
	if (cr_lock(r, true, err, errlen))
		goto out_nolock;
	for (i = 0; i < n_names; i++)
		if (name_free_check(r, names[i], err, errlen))
			goto out;
	s = calloc(n_names, sizeof(*s));
	if (!s) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = cr_anchor_store(r, certs);
	for (i = 0; i < n_names; i++) {
		struct meta m;

		cr_meta_init(&m, CERTREPO_CA, false, "import");
		m.check = cr_check_object(st, sk_X509_value(certs, i), NULL, NULL, m.detail,
					  sizeof(m.detail));
		snprintf(s[i].name, sizeof(s[i].name), "%s", names[i]);
		if (cr_obj_stage(r, &m, sk_X509_value(certs, i), NULL, NULL, NULL, s[i].tmp,
				 sizeof(s[i].tmp), err, errlen))
			goto out;
	}
	if (install_all(r, s, n_names, err, errlen))
		goto out;
	rc = 0;
	for (i = 0; i < n_names; i++)
		add_created(created, names[i]);
out:
	cr_unlock(r);
out_nolock:
	if (s)
		cr_staged_cleanup(s, n_names);
	free(s);
	X509_STORE_free(st);
	cr_strv_free(names, n_names);
	free(aliases);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}
