// SPDX-License-Identifier: GPL-2.0
/*
 * The certificate repository's objects: their metadata file, loading,
 * staging and trashing them, checking them against the trust anchors,
 * and what `get' and `list' report of them (certrepo_info). Every
 * operation of the other certrepo_*.c files works through these.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- metadata -------------------------------------------------------- */

void cr_meta_free(struct meta *m)
{
	cr_strv_free(m->refs, m->n_refs);
	m->refs = NULL;
	m->n_refs = 0;
}

static int meta_parse(const char *buf, struct meta *m)
{
	const char *p = buf;

	memset(m, 0, sizeof(*m));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1200];
		const char *v;

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (nl ? 1 : 0);
		v = strchr(line, ' ');
		if (!v)
			continue;
		v++;
		if (!strncmp(line, "kind ", 5)) {
			if (!strcmp(v, "certificate"))
				m->kind = CERTREPO_CERT;
			else if (!strcmp(v, "request"))
				m->kind = CERTREPO_REQUEST;
			else if (!strcmp(v, "ca"))
				m->kind = CERTREPO_CA;
		} else if (!strncmp(line, "exportable ", 11)) {
			m->exportable = !strcmp(v, "yes");
		} else if (!strncmp(line, "signing ", 8)) {
			m->signing = !strcmp(v, "yes");
		} else if (!strncmp(line, "created ", 8)) {
			m->created = strtoll(v, NULL, 10);
		} else if (!strncmp(line, "source ", 7)) {
			snprintf(m->source, sizeof(m->source), "%s", v);
		} else if (!strncmp(line, "check ", 6)) {
			m->check = !strcmp(v, "no-trust-anchor") ? CHECK_NO_ANCHOR :
				   !strcmp(v, "key-mismatch") ? CHECK_KEY_MISMATCH : CHECK_OK;
		} else if (!strncmp(line, "check-detail ", 13)) {
			snprintf(m->detail, sizeof(m->detail), "%s", v);
		} else if (!strncmp(line, "replaced-by ", 12)) {
			snprintf(m->replaced_by, sizeof(m->replaced_by), "%s", v);
		} else if (!strncmp(line, "ref ", 4)) {
			if (cr_strv_add(&m->refs, &m->n_refs, v))
				return -1;
		} else if (!strncmp(line, "acme-domains ", 13)) {
			snprintf(m->acme.domains, sizeof(m->acme.domains), "%s", v);
		} else if (!strncmp(line, "acme-directory ", 15)) {
			snprintf(m->acme.directory, sizeof(m->acme.directory), "%s", v);
		} else if (!strncmp(line, "acme-key ", 9)) {
			snprintf(m->acme.key, sizeof(m->acme.key), "%s", v);
		} else if (!strncmp(line, "acme-email ", 11)) {
			snprintf(m->acme.email, sizeof(m->acme.email), "%s", v);
		}
	}
	return m->kind ? 0 : -1;
}

static char *meta_format(const struct meta *m, size_t *len)
{
	struct sb b = { 0 };
	size_t i;

	cr_sb_printf(&b, "kind %s\n", certrepo_kind_name(m->kind));
	cr_sb_printf(&b, "exportable %s\n", m->exportable ? "yes" : "no");
	if (m->kind == CERTREPO_REQUEST)
		cr_sb_printf(&b, "signing %s\n", m->signing ? "yes" : "no");
	cr_sb_printf(&b, "created %lld\n", m->created);
	if (m->source[0])
		cr_sb_printf(&b, "source %s\n", m->source);
	if (m->kind != CERTREPO_REQUEST)
		cr_sb_printf(&b, "check %s\n", cr_check_name(m->check));
	if (m->detail[0])
		cr_sb_printf(&b, "check-detail %s\n", m->detail);
	if (m->replaced_by[0])
		cr_sb_printf(&b, "replaced-by %s\n", m->replaced_by);
	for (i = 0; i < m->n_refs; i++)
		cr_sb_printf(&b, "ref %s\n", m->refs[i]);
	if (m->acme.domains[0]) {
		cr_sb_printf(&b, "acme-domains %s\n", m->acme.domains);
		cr_sb_printf(&b, "acme-directory %s\n", m->acme.directory);
		cr_sb_printf(&b, "acme-key %s\n", m->acme.key);
		if (m->acme.email[0])
			cr_sb_printf(&b, "acme-email %s\n", m->acme.email);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

int cr_meta_copy_refs(struct meta *dst, const struct meta *src)
{
	size_t i;

	for (i = 0; i < src->n_refs; i++)
		if (cr_strv_add(&dst->refs, &dst->n_refs, src->refs[i]))
			return -1;
	return 0;
}

int cr_read_text(const char *path, char **out, size_t *len)
{
	unsigned char *b;

	if (cr_read_file("file", path, &b, len, NULL, 0))
		return -1;
	*out = (char *)b;
	return 0;
}

int cr_meta_load(const struct certrepo *r, const char *name, struct meta *m)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rc;

	if (cr_obj_dir(r, name, path, sizeof(path)) || strlen(path) + 6 > sizeof(path))
		return -1;
	strcat(path, "/meta");
	if (cr_read_text(path, &buf, &len))
		return -1;
	rc = meta_parse(buf, m);
	if (rc)
		cr_meta_free(m);
	cr_free_file((unsigned char *)buf, len);
	return rc;
}

int cr_meta_save(const struct certrepo *r, const char *dir, const struct meta *m,
		 char *err, size_t errlen)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rc;

	if (cr_pathf(path, sizeof(path), "%s/meta", dir) || !(buf = meta_format(m, &len))) {
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	rc = cr_atomic_write(path, buf, len, 0600, err, errlen);
	free(buf);
	return rc;
}

/* The kind of object name, 0 if there is none. */
enum certrepo_kind cr_obj_kind(const struct certrepo *r, const char *name)
{
	struct meta m;
	enum certrepo_kind k;

	if (cr_meta_load(r, name, &m))
		return 0;
	k = m.kind;
	cr_meta_free(&m);
	return k;
}

/* ---- objects --------------------------------------------------------- */

void cr_obj_free(struct obj *o)
{
	cr_meta_free(&o->m);
	X509_free(o->cert);
	sk_X509_pop_free(o->chain, X509_free);
	X509_REQ_free(o->req);
	EVP_PKEY_free(o->key);
	memset(o, 0, sizeof(*o));
}

int cr_obj_load(const struct certrepo *r, const char *name, unsigned what,
		struct obj *o, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX], v[128], *buf;
	size_t len;

	memset(o, 0, sizeof(*o));
	if (cr_check_objname("name", name, err, errlen))
		return -1;
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (cr_obj_dir(r, name, dir, sizeof(dir)) || !cr_exists(dir)) {
		cr_err(err, errlen, "name `%s': no such certificate, request or CA "
		       "certificate", cr_show(name, v, sizeof(v)));
		return -1;
	}
	if (cr_meta_load(r, name, &o->m)) {
		cr_err(err, errlen, "name `%s': unreadable metadata in `%s'",
		       cr_show(name, v, sizeof(v)), dir);
		return -1;
	}
	if (o->m.kind == CERTREPO_REQUEST) {
		if (cr_pathf(path, sizeof(path), "%s/csr.pem", dir) || cr_read_text(path, &buf, &len))
			goto bad;
		o->req = cr_parse_req(buf, len);
		cr_free_file((unsigned char *)buf, len);
		if (!o->req)
			goto bad;
	} else {
		if (cr_pathf(path, sizeof(path), "%s/cert.pem", dir) || cr_read_text(path, &buf, &len))
			goto bad;
		cr_parse_certs(buf, len, &o->cert, &o->chain);
		cr_free_file((unsigned char *)buf, len);
		if (!o->cert)
			goto bad;
	}
	if ((what & LOAD_KEY) && o->m.kind != CERTREPO_CA) {
		if (cr_pathf(path, sizeof(path), "%s/key.pem", dir) || cr_read_text(path, &buf, &len))
			goto bad;
		o->key = cr_parse_key(buf, len);
		cr_free_file((unsigned char *)buf, len);
		if (!o->key)
			goto bad;
	}
	return 0;
bad:
	cr_err(err, errlen, "name `%s': damaged object: cannot read `%s'",
	       cr_show(name, v, sizeof(v)), path);
	cr_obj_free(o);
	return -1;
}

/* Every object name in the repository, sorted. */
int cr_obj_names(const struct certrepo *r, char ***out, size_t *n)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	char e[CERTREPO_ERR_MAX];

	*out = NULL;
	*n = 0;
	if (cr_pathf(dir, sizeof(dir), "%s/objects", r->path))
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || cr_check_objname("name", de->d_name, e, sizeof(e)))
			continue;
		if (cr_strv_add(out, n, de->d_name)) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cr_cmp_str);
	return 0;
}

/*
 * An object directory staged under objects/.tmp-*: the files, then meta.
 * tmp receives the directory's path.
 */
int cr_obj_stage(const struct certrepo *r, const struct meta *m, X509 *cert,
		 STACK_OF(X509) *chain, X509_REQ *req, EVP_PKEY *key,
		 char *tmp, size_t tmplen, char *err, size_t errlen)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	int rc;

	if (cr_pathf(tmp, tmplen, "%s/objects/.tmp-XXXXXX", r->path) || !mkdtemp(tmp)) {
		cr_err(err, errlen, "cannot create a directory in `%s/objects': %s", r->path,
		       strerror(errno));
		return -1;
	}
	if (chmod(tmp, 0700) < 0)
		goto io;
	if (cert) {
		if (cr_pem_certs(cert, chain, &buf, &len))
			goto oom;
		cr_pathf(path, sizeof(path), "%s/cert.pem", tmp);
		rc = cr_write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_free(buf);
		if (rc)
			goto fail;
	}
	if (req) {
		if (cr_pem_req(req, &buf, &len))
			goto oom;
		cr_pathf(path, sizeof(path), "%s/csr.pem", tmp);
		rc = cr_write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_free(buf);
		if (rc)
			goto fail;
	}
	if (key) {
		if (cr_pem_key(key, &buf, &len))
			goto oom;
		cr_pathf(path, sizeof(path), "%s/key.pem", tmp);
		rc = cr_write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_secure_clear_free(buf, len + 1);
		if (rc)
			goto fail;
	}
	buf = meta_format(m, &len);
	if (!buf)
		goto oom;
	cr_pathf(path, sizeof(path), "%s/meta", tmp);
	rc = cr_write_new_file(path, buf, len, 0600, err, errlen);
	free(buf);
	if (rc)
		goto fail;
	cr_sync_dir(tmp);
	return 0;
io:
	cr_err(err, errlen, "cannot write `%s': %s", tmp, strerror(errno));
	goto fail;
oom:
	cr_err(err, errlen, "out of memory");
fail:
	cr_rm_dir(tmp);
	tmp[0] = '\0';
	return -1;
}

/* Move objects/name out of the way (objects/.trash-*); trash gets the path. */
int cr_obj_trash(const struct certrepo *r, const char *name, char *trash,
		 size_t len, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	cr_obj_dir(r, name, dir, sizeof(dir));
	if (cr_pathf(trash, len, "%s/objects/.trash-XXXXXX", r->path) || !mkdtemp(trash)) {
		cr_err(err, errlen, "cannot create a directory in `%s/objects': %s", r->path,
		       strerror(errno));
		trash[0] = '\0';
		return -1;
	}
	if (cr_do_rename(dir, trash, err, errlen)) {
		rmdir(trash);
		trash[0] = '\0';
		return -1;
	}
	return 0;
}

/* Swap two paths at once; where the file system cannot, two renames. */
int cr_exchange(const char *a, const char *b, char *err, size_t errlen)
{
	char tmp[PATH_MAX];

	if (cr_failpoint()) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		return -1;
	}
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) {
		cr_sync_parent(b);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		return -1;
	}
	if (cr_pathf(tmp, sizeof(tmp), "%s.x", a) || rename(b, tmp) < 0) {
		cr_err(err, errlen, "cannot rename `%s': %s", b, strerror(errno));
		return -1;
	}
	if (rename(a, b) < 0) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		rename(tmp, b);
		return -1;
	}
	rename(tmp, a);
	cr_sync_parent(b);
	return 0;
}

/* ---- trust anchors and status ---------------------------------------- */

/* The known roots: the default CA package and every CA certificate. */
X509_STORE *cr_anchor_store(const struct certrepo *r, STACK_OF(X509) *extra)
{
	X509_STORE *st = X509_STORE_new();
	char **names;
	size_t n, i;
	int j;

	if (!st)
		return NULL;
	if (r->default_ca[0] && access(r->default_ca, R_OK) == 0)
		X509_STORE_load_file(st, r->default_ca);
	ERR_clear_error();
	if (!cr_obj_names(r, &names, &n)) {
		for (i = 0; i < n; i++) {
			struct obj o;

			if (cr_obj_kind(r, names[i]) != CERTREPO_CA ||
			    cr_obj_load(r, names[i], 0, &o, NULL, 0))
				continue;
			X509_STORE_add_cert(st, o.cert);
			cr_obj_free(&o);
		}
		cr_strv_free(names, n);
	}
	for (j = 0; extra && j < sk_X509_num(extra); j++)
		X509_STORE_add_cert(st, sk_X509_value(extra, j));
	ERR_clear_error();
	return st;
}

enum check_state cr_check_object(X509_STORE *st, X509 *x, STACK_OF(X509) *chain,
				 EVP_PKEY *key, char *detail, size_t len)
{
	X509_STORE_CTX *ctx;
	int ok = 0;

	detail[0] = '\0';
	if (key && !cr_key_matches(x, key)) {
		snprintf(detail, len, "the private key does not match the certificate");
		return CHECK_KEY_MISMATCH;
	}
	if (cr_self_signed(x))
		return CHECK_OK;	/* its own root */
	ctx = X509_STORE_CTX_new();
	if (ctx && st && X509_STORE_CTX_init(ctx, st, x, chain)) {
		/* Time is judged when shown; here only the path counts. */
		X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
					    X509_V_FLAG_NO_CHECK_TIME);
		ok = X509_verify_cert(ctx) == 1;
		if (!ok)
			snprintf(detail, len, "%s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	} else {
		snprintf(detail, len, "out of memory");
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok ? CHECK_OK : CHECK_NO_ANCHOR;
}

static enum certrepo_status status_of(const struct certrepo *r, X509 *x,
				      enum check_state check)
{
	time_t now = cr_now_of(r);

	if (check == CHECK_KEY_MISMATCH)
		return CERTREPO_KEY_MISMATCH;
	if (X509_cmp_time(X509_get0_notAfter(x), &now) < 0)
		return CERTREPO_EXPIRED;
	if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0)
		return CERTREPO_NOT_YET_VALID;
	if (check == CHECK_NO_ANCHOR)
		return CERTREPO_NO_TRUST_ANCHOR;
	return CERTREPO_VALID;
}

long cr_days_left(const struct certrepo *r, X509 *x)
{
	long long d = (long long)cr_asn1_time(X509_get0_notAfter(x)) - (long long)cr_now_of(r);

	return (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* ---- info ------------------------------------------------------------ */

static void san_strings(const GENERAL_NAMES *gens, struct certrepo_info *i)
{
	char buf[600], ip[INET6_ADDRSTRLEN];
	int k;

	for (k = 0; k < sk_GENERAL_NAME_num(gens); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);
		const ASN1_STRING *s;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			snprintf(buf, sizeof(buf), "%s:%.*s",
				 g->type == GEN_DNS ? "DNS" : g->type == GEN_EMAIL ? "email" : "URI",
				 ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16)
				inet_ntop(ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6,
					  ASN1_STRING_get0_data(s), ip, sizeof(ip));
			else
				snprintf(ip, sizeof(ip), "?");
			snprintf(buf, sizeof(buf), "IP:%s", ip);
			break;
		default:
			snprintf(buf, sizeof(buf), "other");
		}
		cr_strv_add(&i->san, &i->n_san, buf);
	}
}

static void fill_info(const struct certrepo *r, const struct obj *o,
		      struct certrepo_info *i)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, k;
	GENERAL_NAMES *gens;
	size_t n;

	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", o->name);
	i->kind = o->m.kind;
	i->exportable = o->m.exportable;
	i->has_key = o->m.kind != CERTREPO_CA;
	i->created = (time_t)o->m.created;
	snprintf(i->replaced_by, sizeof(i->replaced_by), "%s", o->m.replaced_by);
	for (n = 0; n < o->m.n_refs; n++)
		cr_strv_add(&i->refs, &i->n_refs, o->m.refs[n]);
	i->acme_managed = o->m.acme.domains[0] != '\0';
	i->acme = o->m.acme;
	if (o->req) {
		STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(o->req);

		i->signing = o->m.signing;
		i->status = CERTREPO_PENDING;
		cr_name_str(X509_REQ_get_subject_name(o->req), i->subject, sizeof(i->subject));
		cr_name_cn(X509_REQ_get_subject_name(o->req), i->cn, sizeof(i->cn));
		cr_key_type_str(X509_REQ_get0_pubkey(o->req), i->key_type, sizeof(i->key_type));
		gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
		san_strings(gens, i);
		GENERAL_NAMES_free(gens);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		ERR_clear_error();
		return;
	}
	i->signing = cr_is_ca(o->cert);
	i->status = status_of(r, o->cert, o->m.check);
	snprintf(i->detail, sizeof(i->detail), "%s", o->m.detail);
	cr_name_str(X509_get_subject_name(o->cert), i->subject, sizeof(i->subject));
	cr_name_str(X509_get_issuer_name(o->cert), i->issuer, sizeof(i->issuer));
	cr_name_cn(X509_get_subject_name(o->cert), i->cn, sizeof(i->cn));
	cr_key_type_str(X509_get0_pubkey(o->cert), i->key_type, sizeof(i->key_type));
	{
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(o->cert), NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;

		snprintf(i->serial, sizeof(i->serial), "%s", hex ? hex : "?");
		OPENSSL_free(hex);
		BN_free(bn);
	}
	if (X509_digest(o->cert, EVP_sha256(), md, &mdlen)) {
		/* 32 bytes: "AA:" * 31 + "AA" fits in 100. */
		for (k = 0; k < mdlen && k < 32; k++)
			snprintf(i->sha256 + 3 * k, sizeof(i->sha256) - 3 * k, "%02X%s",
				 md[k], k + 1 < mdlen ? ":" : "");
	}
	i->not_before = cr_asn1_time(X509_get0_notBefore(o->cert));
	i->not_after = cr_asn1_time(X509_get0_notAfter(o->cert));
	i->days_left = cr_days_left(r, o->cert);
	i->chain_len = o->chain ? (size_t)sk_X509_num(o->chain) : 0;
	gens = X509_get_ext_d2i(o->cert, NID_subject_alt_name, NULL, NULL);
	san_strings(gens, i);
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
}

void certrepo_info_free(struct certrepo_info *i)
{
	cr_strv_free(i->san, i->n_san);
	cr_strv_free(i->refs, i->n_refs);
	i->san = i->refs = NULL;
	i->n_san = i->n_refs = 0;
}

void certrepo_list_free(struct certrepo_info *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		certrepo_info_free(&v[i]);
	free(v);
}

int certrepo_get(struct certrepo *r, const char *name, struct certrepo_info *out,
		 char *err, size_t errlen)
{
	struct obj o;
	char v[128];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = cr_lock(r, false, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (!cr_check_objname("name", name, err, errlen))
			cr_err(err, errlen, "name `%s': no such certificate, request or CA "
			       "certificate", cr_show(name, v, sizeof(v)));
		return -1;
	}
	rc = cr_obj_load(r, name, 0, &o, err, errlen);
	if (!rc) {
		fill_info(r, &o, out);
		cr_obj_free(&o);
	}
	cr_unlock(r);
	return rc;
}

int certrepo_list(struct certrepo *r, struct certrepo_info **out, size_t *n,
		  char *err, size_t errlen)
{
	char **names;
	size_t count, i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = cr_lock(r, false, err, errlen);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (cr_obj_names(r, &names, &count)) {
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		cr_unlock(r);
		return -1;
	}
	*out = calloc(count + 1, sizeof(**out));
	if (!*out) {
		cr_strv_free(names, count);
		cr_unlock(r);
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct obj o;

		if (cr_obj_load(r, names[i], 0, &o, NULL, 0))
			continue;	/* damaged: skipped (refresh reports it) */
		fill_info(r, &o, &(*out)[(*n)++]);
		cr_obj_free(&o);
	}
	cr_strv_free(names, count);
	cr_unlock(r);
	return 0;
}
