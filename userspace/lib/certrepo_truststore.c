// SPDX-License-Identifier: GPL-2.0
/*
 * Trust stores: named lists of CA objects of the certificate repository,
 * which tlsid uses to verify servers; kept as files beside the objects
 * and written with the same stage-and-rename pattern.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certrepo.h"
#include "certrepo_int.h"

/* ---- trust stores ---------------------------------------------------- */

void certrepo_truststore_free(struct certrepo_truststore *t)
{
	cr_strv_free(t->cas, t->n_cas);
	cr_strv_free(t->refs, t->n_refs);
	t->cas = t->refs = NULL;
	t->n_cas = t->n_refs = 0;
}

void certrepo_truststore_list_free(struct certrepo_truststore *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		certrepo_truststore_free(&v[i]);
	free(v);
}

int cr_ts_load(const struct certrepo *r, const char *name,
	       struct certrepo_truststore *t, char *err, size_t errlen)
{
	char path[PATH_MAX], v[128], *buf, *p;
	size_t len;

	memset(t, 0, sizeof(*t));
	if (cr_ts_path(r, name, path, sizeof(path)) || cr_read_text(path, &buf, &len)) {
		cr_err(err, errlen, "name `%s': no such trust store", cr_show(name, v, sizeof(v)));
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	for (p = buf; *p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (!strncmp(p, "description ", 12))
			snprintf(t->description, sizeof(t->description), "%s", p + 12);
		else if (!strcmp(p, "default-ca on"))
			t->default_ca = true;
		else if (!strncmp(p, "ca ", 3))
			cr_strv_add(&t->cas, &t->n_cas, p + 3);
		else if (!strncmp(p, "ref ", 4))
			cr_strv_add(&t->refs, &t->n_refs, p + 4);
		if (!nl)
			break;
		p = nl + 1;
	}
	cr_free_file((unsigned char *)buf, len);
	return 0;
}

int cr_ts_save(const struct certrepo *r, const struct certrepo_truststore *t,
	       char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct sb b = { 0 };
	size_t i;

	cr_sb_printf(&b, "description %s\ndefault-ca %s\n", t->description,
		     t->default_ca ? "on" : "off");
	for (i = 0; i < t->n_cas; i++)
		cr_sb_printf(&b, "ca %s\n", t->cas[i]);
	for (i = 0; i < t->n_refs; i++)
		cr_sb_printf(&b, "ref %s\n", t->refs[i]);
	return cr_sb_save(&b, cr_ts_path(r, t->name, path, sizeof(path)) != 0, path,
			  err, errlen);
}

static int check_description(const char *d, char *err, size_t errlen)
{
	return d[0] ? cr_check_text("description", d, CERTREPO_DESC_MAX, err, errlen) : 0;
}

/* The CA names of a spec: well formed, not repeated. */
static int check_ca_list(const char *field, const char *const *v, size_t n, char *err,
			 size_t errlen)
{
	char s[128];
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (cr_check_objname(field, v[i], err, errlen))
			return -1;
		for (j = 0; j < i; j++) {
			if (!strcmp(v[i], v[j])) {
				cr_err(err, errlen, "%s `%s': given twice", field,
				       cr_show(v[i], s, sizeof(s)));
				return -1;
			}
		}
	}
	return 0;
}

/* Reference the CAs added (undone on failure), then save t. */
static int ts_commit(struct certrepo *r, struct certrepo_truststore *t,
		     const char *const *add, size_t n_add, const char *const *del,
		     size_t n_del, char *err, size_t errlen)
{
	char referrer[CERTREPO_REFERRER_MAX + 1];
	size_t i;

	snprintf(referrer, sizeof(referrer), "truststore:%s", t->name);
	for (i = 0; i < n_add; i++)
		if (cr_obj_ref(r, CERTREPO_CA, add[i], referrer, true, err, errlen))
			goto undo;
	if (cr_ts_save(r, t, err, errlen))
		goto undo;
	/* Committed; dropping references is cleanup (refresh redoes it). */
	for (i = 0; i < n_del; i++)
		cr_obj_ref(r, CERTREPO_CA, del[i], referrer, false, NULL, 0);
	return 0;
undo:
	while (i--)
		cr_obj_ref(r, CERTREPO_CA, add[i], referrer, false, NULL, 0);
	return -1;
}

int certrepo_truststore_add(struct certrepo *r, const char *name,
			    const struct certrepo_ts_spec *s, char *err,
			    size_t errlen)
{
	struct certrepo_truststore t = { 0 };
	char v[128];
	size_t i;
	int rc = -1;

	if (certrepo_check_truststore_name("name", name, err, errlen) ||
	    (s->description && check_description(s->description, err, errlen)) ||
	    check_ca_list("ca", s->add_ca, s->n_add_ca, err, errlen))
		return -1;
	if (s->n_del_ca) {
		cr_err(err, errlen, "del-ca: only for a trust store that exists");
		return -1;
	}
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (cr_ts_exists(r, name)) {
		cr_err(err, errlen, "name `%s': already exists (a trust store)",
		       cr_show(name, v, sizeof(v)));
		goto out;
	}
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.description, sizeof(t.description), "%s",
		 s->description ? s->description : "");
	t.default_ca = s->default_ca != 0;
	for (i = 0; i < s->n_add_ca; i++)
		if (cr_strv_add(&t.cas, &t.n_cas, s->add_ca[i]))
			goto out;
	rc = ts_commit(r, &t, s->add_ca, s->n_add_ca, NULL, 0, err, errlen);
out:
	certrepo_truststore_free(&t);
	cr_unlock(r);
	return rc;
}

int certrepo_truststore_set(struct certrepo *r, const char *name,
			    const struct certrepo_ts_spec *s, char *err,
			    size_t errlen)
{
	struct certrepo_truststore t;
	char v[128];
	size_t i;
	ssize_t at;
	int rc = -1;

	if (certrepo_check_truststore_name("name", name, err, errlen) ||
	    (s->description && check_description(s->description, err, errlen)) ||
	    check_ca_list("ca", s->add_ca, s->n_add_ca, err, errlen) ||
	    check_ca_list("del-ca", s->del_ca, s->n_del_ca, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (cr_ts_load(r, name, &t, err, errlen))
		goto out_unlock;
	if (s->description)
		snprintf(t.description, sizeof(t.description), "%s", s->description);
	if (s->default_ca >= 0)
		t.default_ca = s->default_ca;
	for (i = 0; i < s->n_del_ca; i++) {
		at = cr_strv_find(t.cas, t.n_cas, s->del_ca[i]);
		if (at < 0) {
			cr_err(err, errlen, "del-ca `%s': not in trust store `%s'",
			       cr_show(s->del_ca[i], v, sizeof(v)), name);
			goto out;
		}
		cr_strv_del(t.cas, &t.n_cas, (size_t)at);
	}
	for (i = 0; i < s->n_add_ca; i++) {
		if (cr_strv_find(t.cas, t.n_cas, s->add_ca[i]) >= 0) {
			cr_err(err, errlen, "ca `%s': already in trust store `%s'",
			       cr_show(s->add_ca[i], v, sizeof(v)), name);
			goto out;
		}
		if (cr_strv_add(&t.cas, &t.n_cas, s->add_ca[i]))
			goto out;
	}
	rc = ts_commit(r, &t, s->add_ca, s->n_add_ca, s->del_ca, s->n_del_ca, err, errlen);
out:
	certrepo_truststore_free(&t);
out_unlock:
	cr_unlock(r);
	return rc;
}

int certrepo_truststore_del(struct certrepo *r, const char *name, char *err,
			    size_t errlen)
{
	struct certrepo_truststore t;
	char referrer[CERTREPO_REFERRER_MAX + 1], path[PATH_MAX], v[128], refs[400];
	size_t i;
	int rc = -1;

	if (certrepo_check_truststore_name("name", name, err, errlen))
		return -1;
	if (cr_lock(r, true, err, errlen))
		return -1;
	if (cr_ts_load(r, name, &t, err, errlen))
		goto out_unlock;
	if (t.n_refs) {
		cr_refs_str(t.refs, t.n_refs, refs, sizeof(refs));
		cr_err(err, errlen, "name `%s': in use: referenced by %s",
		       cr_show(name, v, sizeof(v)), refs);
		goto out;
	}
	snprintf(referrer, sizeof(referrer), "truststore:%s", name);
	for (i = 0; i < t.n_cas; i++)
		if (cr_obj_ref(r, CERTREPO_CA, t.cas[i], referrer, false, err, errlen))
			goto undo;
	cr_ts_path(r, name, path, sizeof(path));
	if (cr_failpoint() || unlink(path) < 0) {
		cr_err(err, errlen, "cannot remove `%s': %s", path, strerror(errno));
		goto undo;
	}
	cr_sync_parent(path);
	rc = 0;
	goto out;
undo:
	while (i--)
		cr_obj_ref(r, CERTREPO_CA, t.cas[i], referrer, true, NULL, 0);
out:
	certrepo_truststore_free(&t);
out_unlock:
	cr_unlock(r);
	return rc;
}

int certrepo_truststore_get(struct certrepo *r, const char *name,
			    struct certrepo_truststore *out, char *err,
			    size_t errlen)
{
	char v[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if (certrepo_check_truststore_name("name", name, err, errlen))
		return -1;
	rc = cr_lock(r, false, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		cr_err(err, errlen, "name `%s': no such trust store", cr_show(name, v, sizeof(v)));
		return -1;
	}
	rc = cr_ts_load(r, name, out, err, errlen);
	cr_unlock(r);
	return rc;
}

int certrepo_truststore_list(struct certrepo *r, struct certrepo_truststore **out,
			     size_t *n, char *err, size_t errlen)
{
	char dir[PATH_MAX], e[CERTREPO_ERR_MAX];
	char **names = NULL;
	size_t count = 0, i;
	struct dirent *de;
	DIR *d;
	int rc;

	*out = NULL;
	*n = 0;
	rc = cr_lock(r, false, err, errlen);
	if (rc)
		return rc < 0 ? -1 : 0;
	cr_pathf(dir, sizeof(dir), "%s/truststores", r->path);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    !certrepo_check_truststore_name("name", de->d_name, e, sizeof(e)))
				cr_strv_add(&names, &count, de->d_name);
		closedir(d);
	}
	if (count)
		qsort(names, count, sizeof(*names), cr_cmp_str);
	*out = calloc(count + 1, sizeof(**out));
	if (!*out) {
		cr_err(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (i = 0; i < count; i++)
		if (!cr_ts_load(r, names[i], &(*out)[*n], NULL, 0))
			(*n)++;
out:
	cr_strv_free(names, count);
	cr_unlock(r);
	return rc;
}

/* The certificates a trust store stands for (locked). */
static STACK_OF(X509) *ts_certs(const struct certrepo *r, const char *name, char *err,
				size_t errlen)
{
	struct certrepo_truststore t;
	STACK_OF(X509) *sk = NULL, *bundle = NULL;
	char v[300];
	size_t i;

	if (cr_ts_load(r, name, &t, err, errlen))
		return NULL;
	if (t.default_ca && r->default_ca[0]) {
		if (cr_load_certs("default-ca", r->default_ca, &bundle, err, errlen))
			goto fail;
	} else if (t.default_ca) {
		cr_err(err, errlen, "trust store `%s': includes the default CA package, but "
		       "none is configured (cert option default-ca FILE)",
		       cr_show(name, v, sizeof(v)));
		goto fail;
	}
	sk = bundle ? bundle : sk_X509_new_null();
	bundle = NULL;
	if (!sk)
		goto fail;
	for (i = 0; i < t.n_cas; i++) {
		struct obj o;

		if (cr_obj_load(r, t.cas[i], 0, &o, err, errlen))
			goto fail;
		sk_X509_push(sk, o.cert);
		o.cert = NULL;
		cr_obj_free(&o);
	}
	certrepo_truststore_free(&t);
	return sk;
fail:
	sk_X509_pop_free(sk, X509_free);
	certrepo_truststore_free(&t);
	return NULL;
}

X509_STORE *certrepo_truststore_load(struct certrepo *r, const char *name,
				     char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	X509_STORE *st = NULL;
	int i, rc;

	if (certrepo_check_truststore_name("name", name, err, errlen))
		return NULL;
	rc = cr_lock(r, false, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "name `%s': no such trust store", name);
	if (rc)
		return NULL;
	sk = ts_certs(r, name, err, errlen);
	if (sk && (st = X509_STORE_new()))
		for (i = 0; i < sk_X509_num(sk); i++)
			X509_STORE_add_cert(st, sk_X509_value(sk, i));
	ERR_clear_error();
	sk_X509_pop_free(sk, X509_free);
	cr_unlock(r);
	return st;
}

int certrepo_truststore_export(struct certrepo *r, const char *name, FILE *out,
			       char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	int i, rc;

	if (certrepo_check_truststore_name("name", name, err, errlen))
		return -1;
	rc = cr_lock(r, false, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "name `%s': no such trust store", name);
	if (rc)
		return -1;
	sk = ts_certs(r, name, err, errlen);
	cr_unlock(r);
	if (!sk)
		return -1;
	for (i = 0; i < sk_X509_num(sk); i++)
		PEM_write_X509(out, sk_X509_value(sk, i));
	sk_X509_pop_free(sk, X509_free);
	if (fflush(out) || ferror(out)) {
		cr_err(err, errlen, "write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}
