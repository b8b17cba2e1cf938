// SPDX-License-Identifier: GPL-2.0
/*
 * What the daemon loads from the certificate repository to use it: an
 * issuer or server object with its key, the keyring of every private key
 * held in locked memory, the expiry check, and password files.
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

/* ---- issuer ---------------------------------------------------------- */

static int issuer_load(struct certrepo *r, const char *name, bool need_ca,
		       struct certrepo_issuer **out, char *err, size_t errlen);

int certrepo_issuer_load(struct certrepo *r, const char *name,
			 struct certrepo_issuer **out, char *err, size_t errlen)
{
	return issuer_load(r, name, true, out, err, errlen);
}

int certrepo_server_load(struct certrepo *r, const char *name,
			 struct certrepo_issuer **out, char *err, size_t errlen)
{
	return issuer_load(r, name, false, out, err, errlen);
}

static int issuer_load(struct certrepo *r, const char *name, bool need_ca,
		       struct certrepo_issuer **out, char *err, size_t errlen)
{
	struct obj o;
	char v[128];
	int rc;

	rc = cr_lock(r, false, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "name `%s': no such certificate", cr_show(name, v, sizeof(v)));
	if (rc)
		return -1;
	rc = cr_obj_load(r, name, LOAD_KEY, &o, err, errlen);
	cr_unlock(r);
	if (rc)
		return -1;
	cr_show(name, v, sizeof(v));
	if (o.m.kind != CERTREPO_CERT) {
		cr_err(err, errlen, "name `%s': %s, not a %s certificate with its key", v,
		       cr_kind_article(o.m.kind), need_ca ? "signing" : "server");
		goto fail;
	}
	if (need_ca && !cr_is_ca(o.cert)) {
		cr_err(err, errlen, "name `%s': not a signing certificate (not a CA)", v);
		goto fail;
	}
	if (!cr_key_matches(o.cert, o.key)) {
		cr_err(err, errlen, "name `%s': the private key does not match", v);
		goto fail;
	}
	*out = cr_issuer_new(o.cert, o.key, o.chain);
	if (!*out) {
		cr_err(err, errlen, "out of memory");
		goto fail;
	}
	o.cert = NULL;
	o.key = NULL;
	o.chain = NULL;
	cr_obj_free(&o);
	return 0;
fail:
	cr_obj_free(&o);
	return -1;
}

/* ---- expiry ---------------------------------------------------------- */

int certrepo_expiry_check(struct certrepo *r, int warn_days,
			  void (*fn)(void *arg, const struct certrepo_expiry *e),
			  void *arg, char *err, size_t errlen)
{
	struct certrepo_info *v;
	size_t n, i;
	int count = 0;

	if (certrepo_list(r, &v, &n, err, errlen))
		return -1;
	for (i = 0; i < n; i++) {
		struct certrepo_expiry e = { 0 };
		char msg[512], when[32], refs[300];
		const char *what = v[i].kind == CERTREPO_CA ? "CA certificate" : "certificate";

		if (v[i].kind == CERTREPO_REQUEST)
			continue;
		e.name = v[i].name;
		e.kind = v[i].kind;
		e.days_left = v[i].days_left;
		e.in_use = v[i].n_refs > 0;
		e.message = msg;
		certrepo_time_str(v[i].not_after, when, sizeof(when));
		cr_refs_str(v[i].refs, v[i].n_refs, refs, sizeof(refs));
		if (v[i].status == CERTREPO_EXPIRED) {
			e.error = e.in_use;
			if (e.in_use)
				snprintf(msg, sizeof(msg), "%s `%s' expired on %s and is in use by %s",
					 what, v[i].name, when, refs);
			else
				snprintf(msg, sizeof(msg), "%s `%s' expired on %s (not in use)",
					 what, v[i].name, when);
		} else if (v[i].days_left < warn_days && v[i].status != CERTREPO_NOT_YET_VALID) {
			snprintf(msg, sizeof(msg), "%s `%s' expires in %ld day%s (%s)", what,
				 v[i].name, v[i].days_left, v[i].days_left == 1 ? "" : "s", when);
		} else {
			continue;
		}
		if (fn)
			fn(arg, &e);
		count++;
	}
	certrepo_list_free(v, n);
	return count;
}

/* ---- keyring --------------------------------------------------------- */

struct keyring_entry {
	char name[CERTREPO_OBJNAME_MAX + 1];
	size_t off, len;
};

struct certrepo_keyring {
	unsigned char *mem;	/* mmap()ed, locked if possible */
	size_t size, used;
	bool locked;
	struct keyring_entry *e;
	size_t n;
};

void certrepo_keyring_wipe(struct certrepo_keyring *kr)
{
	if (kr && kr->mem)
		OPENSSL_cleanse(kr->mem, kr->size);
}

void certrepo_keyring_free(struct certrepo_keyring *kr)
{
	if (!kr)
		return;
	if (kr->mem) {
		certrepo_keyring_wipe(kr);
		if (kr->locked)
			munlock(kr->mem, kr->size);
		munmap(kr->mem, kr->size);
	}
	free(kr->e);
	free(kr);
}

int certrepo_keyring_load(struct certrepo *r, struct certrepo_keyring **out,
			  char *err, size_t errlen)
{
	struct certrepo_keyring *kr;
	unsigned char **der = NULL;
	int *len = NULL;
	char **names = NULL;
	size_t n = 0, i, total = 0, page = (size_t)sysconf(_SC_PAGESIZE);
	int rc;

	*out = NULL;
	kr = calloc(1, sizeof(*kr));
	if (!kr)
		goto oom;
	rc = cr_lock(r, false, err, errlen);
	if (rc < 0) {
		free(kr);
		return -1;
	}
	if (rc == 0 && cr_obj_names(r, &names, &n)) {
		cr_unlock(r);
		free(kr);
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		return -1;
	}
	der = calloc(n + 1, sizeof(*der));
	len = calloc(n + 1, sizeof(*len));
	kr->e = calloc(n + 1, sizeof(*kr->e));
	if (!der || !len || !kr->e) {
		cr_unlock(r);
		goto oom;
	}
	for (i = 0; i < n; i++) {
		struct obj o;

		if (cr_obj_kind(r, names[i]) != CERTREPO_CERT)
			continue;
		if (cr_obj_load(r, names[i], LOAD_KEY, &o, err, errlen)) {
			cr_unlock(r);
			goto fail;
		}
		len[i] = i2d_PrivateKey(o.key, &der[i]);
		cr_obj_free(&o);
		if (len[i] <= 0) {
			cr_unlock(r);
			cr_err(err, errlen, "name `%s': cannot encode the private key", names[i]);
			goto fail;
		}
		total += (size_t)len[i];
	}
	cr_unlock(r);
	kr->size = (total + page) / page * page;
	kr->mem = mmap(NULL, kr->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kr->mem == MAP_FAILED) {
		kr->mem = NULL;
		goto oom;
	}
	madvise(kr->mem, kr->size, MADV_DONTDUMP);
	kr->locked = mlock(kr->mem, kr->size) == 0;
	for (i = 0; i < n; i++) {
		if (!der[i])
			continue;
		snprintf(kr->e[kr->n].name, sizeof(kr->e[kr->n].name), "%s", names[i]);
		kr->e[kr->n].off = kr->used;
		kr->e[kr->n].len = (size_t)len[i];
		memcpy(kr->mem + kr->used, der[i], (size_t)len[i]);
		kr->used += (size_t)len[i];
		kr->n++;
	}
	for (i = 0; i < n; i++)
		if (der[i])
			OPENSSL_clear_free(der[i], (size_t)len[i]);
	free(der);
	free(len);
	cr_strv_free(names, n);
	*out = kr;
	return 0;
oom:
	cr_err(err, errlen, "out of memory");
fail:
	for (i = 0; der && i < n; i++)
		if (der[i])
			OPENSSL_clear_free(der[i], (size_t)len[i]);
	free(der);
	free(len);
	cr_strv_free(names, n);
	certrepo_keyring_free(kr);
	return -1;
}

size_t certrepo_keyring_count(const struct certrepo_keyring *kr)
{
	return kr->n;
}

bool certrepo_keyring_locked(const struct certrepo_keyring *kr)
{
	return kr->locked;
}

EVP_PKEY *certrepo_keyring_get(const struct certrepo_keyring *kr, const char *name)
{
	const unsigned char *p;
	EVP_PKEY *k;
	size_t i;

	for (i = 0; i < kr->n; i++) {
		if (strcmp(kr->e[i].name, name))
			continue;
		p = kr->mem + kr->e[i].off;
		k = d2i_AutoPrivateKey(NULL, &p, (long)kr->e[i].len);
		ERR_clear_error();
		return k;
	}
	return NULL;
}

const unsigned char *certrepo_keyring_data(const struct certrepo_keyring *kr,
					   size_t *len)
{
	*len = kr->used;
	return kr->mem;
}

int certrepo_secure_heap_init(size_t size)
{
	return CRYPTO_secure_malloc_initialized() ? 1 : CRYPTO_secure_malloc_init(size, 64);
}

/* ---- utilities ------------------------------------------------------- */

int certrepo_read_password_file(const char *path, char *buf, size_t len,
				char *err, size_t errlen)
{
	unsigned char *b;
	size_t n, l;

	if (cr_read_file("password-file", path, &b, &n, err, errlen)) {
		/* An empty file is an empty password. */
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
			buf[0] = '\0';
			return 0;
		}
		return -1;
	}
	l = strcspn((char *)b, "\r\n");
	if (l >= len) {
		cr_err(err, errlen, "password-file `%s': password too long (max %zu bytes)",
		       path, len - 1);
		cr_free_file(b, n);
		return -1;
	}
	memcpy(buf, b, l);
	buf[l] = '\0';
	cr_free_file(b, n);
	return 0;
}
