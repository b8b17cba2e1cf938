// SPDX-License-Identifier: GPL-2.0
/*
 * The certificate repository: storage and operations (certrepo.h).
 *
 * Writes follow one pattern: check everything, take the exclusive lock,
 * stage new files under a temporary name (".tmp-*", never a valid object
 * name), then rename them into place. Until the last rename (the commit),
 * a failure undoes what was done and the repository is as it was; after
 * it, only cleanup is left. Leftover ".tmp-*" and ".trash-*" entries of a
 * crash are removed by the next writer.
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

int certrepo_test_fail_write;

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

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *np;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static ssize_t strv_find(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return (ssize_t)i;
	return -1;
}

static void strv_del(char **v, size_t *n, size_t i)
{
	free(v[i]);
	memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
	(*n)--;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* strlcpy() without the result. */
static void scopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static time_t now_of(const struct certrepo *r)
{
	return r->now ? r->now : time(NULL);
}

char *certrepo_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
	return buf;
}

static const char *kind_article(enum certrepo_kind k)
{
	switch (k) {
	case CERTREPO_CERT:
		return "a certificate";
	case CERTREPO_REQUEST:
		return "a signing request";
	case CERTREPO_CA:
		return "a CA certificate";
	case CERTREPO_TRUSTSTORE:
		return "a trust store";
	}
	return "an object";
}

const char *certrepo_kind_name(enum certrepo_kind k)
{
	switch (k) {
	case CERTREPO_CERT:
		return "certificate";
	case CERTREPO_REQUEST:
		return "request";
	case CERTREPO_CA:
		return "ca";
	case CERTREPO_TRUSTSTORE:
		return "truststore";
	}
	return "unknown";
}

const char *certrepo_status_name(enum certrepo_status s)
{
	switch (s) {
	case CERTREPO_VALID:
		return "valid";
	case CERTREPO_EXPIRED:
		return "expired";
	case CERTREPO_NOT_YET_VALID:
		return "not-yet-valid";
	case CERTREPO_NO_TRUST_ANCHOR:
		return "no-trust-anchor";
	case CERTREPO_KEY_MISMATCH:
		return "key-mismatch";
	case CERTREPO_PENDING:
		return "pending";
	}
	return "unknown";
}

static const char *check_name(enum check_state c)
{
	return c == CHECK_OK ? "ok" : c == CHECK_NO_ANCHOR ? "no-trust-anchor" : "key-mismatch";
}

/* ---- paths and files ------------------------------------------------- */

static int pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The injected failure of certrepo_test_fail_write, if it is now. */
static bool failpoint(void)
{
	if (certrepo_test_fail_write > 0 && --certrepo_test_fail_write == 0) {
		errno = EIO;
		return true;
	}
	return false;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void sync_parent(const char *path)
{
	char d[PATH_MAX];
	char *s;

	snprintf(d, sizeof(d), "%s", path);
	s = strrchr(d, '/');
	if (s) {
		*s = '\0';
		sync_dir(d[0] ? d : "/");
	}
}

static int write_fd_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file with exactly mode, synced. */
static int write_new_file(const char *path, const void *buf, size_t len,
			  mode_t mode, char *err, size_t errlen)
{
	int fd;

	if (failpoint())
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || write_fd_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(path);
		errno = e;
		goto fail;
	}
	if (close(fd) < 0) {
		unlink(path);
		goto fail;
	}
	return 0;
fail:
	cr_err(err, errlen, "cannot write `%s': %s", path, strerror(errno));
	return -1;
}

/* Replace path atomically: a temporary file in the same directory, then
 * rename(). */
static int atomic_write(const char *path, const void *buf, size_t len,
			mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || pathf(tmp, sizeof(tmp), "%.*s/.tmp-XXXXXX", (int)(slash - path), path)) {
		cr_err(err, errlen, "path too long: `%s'", path);
		return -1;
	}
	if (failpoint())
		goto fail;
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || write_fd_all(fd, buf, len) < 0 || fsync(fd) < 0 ||
	    close(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (failpoint() || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		goto fail;
	}
	sync_parent(path);
	return 0;
fail:
	cr_err(err, errlen, "cannot write `%s': %s", path, strerror(errno));
	return -1;
}

static int do_rename(const char *from, const char *to, char *err, size_t errlen)
{
	if (failpoint() || rename(from, to) < 0) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", from, to, strerror(errno));
		return -1;
	}
	sync_parent(to);
	return 0;
}

/* Remove a directory of plain files (an object directory). */
static void rm_dir(const char *path)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!pathf(p, sizeof(p), "%s/%s", path, de->d_name))
				unlink(p);
		}
		closedir(d);
	}
	rmdir(path);
}

static int mkdir_p(const char *path, char *err, size_t errlen)
{
	char p[PATH_MAX];
	size_t i;

	snprintf(p, sizeof(p), "%s", path);
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			cr_err(err, errlen, "cannot create `%s': %s", p, strerror(errno));
			return -1;
		}
		p[i] = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		cr_err(err, errlen, "cannot create repository `%s': %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

static int obj_dir(const struct certrepo *r, const char *name, char *buf, size_t len)
{
	return pathf(buf, len, "%s/objects/%s", r->path, name);
}

static int ts_path(const struct certrepo *r, const char *name, char *buf, size_t len)
{
	return pathf(buf, len, "%s/truststores/%s", r->path, name);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- configuration --------------------------------------------------- */

static void config_load(struct certrepo *r)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	FILE *f;

	r->persist_keys = false;
	snprintf(r->default_ca, sizeof(r->default_ca), "%s", CERTREPO_DEFAULT_CA_FILE);
	if (pathf(path, sizeof(path), "%s/config", r->path) || !(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "persist-keys on"))
			r->persist_keys = true;
		else if (!strcmp(line, "persist-keys off"))
			r->persist_keys = false;
		else if (!strncmp(line, "default-ca ", 11))
			scopy(r->default_ca, sizeof(r->default_ca),
			      strcmp(line + 11, "none") ? line + 11 : "");
	}
	fclose(f);
}

static int config_save(struct certrepo *r, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct sb b = { 0 };
	int rc;

	sb_printf(&b, "persist-keys %s\ndefault-ca %s\n", r->persist_keys ? "on" : "off",
		  r->default_ca[0] ? r->default_ca : "none");
	if (b.oom || pathf(path, sizeof(path), "%s/config", r->path)) {
		free(b.p);
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	rc = atomic_write(path, b.p, b.len, 0600, err, errlen);
	free(b.p);
	return rc;
}

/* ---- locking --------------------------------------------------------- */

/* Leftovers of an interrupted writer (we hold the exclusive lock). */
static void clean_stale(const char *dir, bool objects)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (pathf(p, sizeof(p), "%s/%s", dir, de->d_name))
			continue;
		if (!strncmp(de->d_name, ".tmp-", 5) || !strncmp(de->d_name, ".trash-", 7)) {
			if (unlink(p) < 0 && (errno == EISDIR || errno == EPERM))
				rm_dir(p);
		} else if (objects && de->d_name[0] != '.') {
			clean_stale(p, false);
		}
	}
	closedir(d);
}

/* 1: the repository does not exist (reads only); 0: locked; -1: error. */
static int lock(struct certrepo *r, bool write, char *err, size_t errlen)
{
	char p[PATH_MAX];

	if (r->lock_fd >= 0) {
		close(r->lock_fd);
		r->lock_fd = -1;
	}
	if (write) {
		if (mkdir_p(r->path, err, errlen))
			return -1;
		if (pathf(p, sizeof(p), "%s/objects", r->path) ||
		    (mkdir(p, 0700) < 0 && errno != EEXIST) ||
		    pathf(p, sizeof(p), "%s/truststores", r->path) ||
		    (mkdir(p, 0700) < 0 && errno != EEXIST)) {
			cr_err(err, errlen, "cannot create `%s': %s", p, strerror(errno));
			return -1;
		}
	} else if (!exists(r->path)) {
		return 1;
	}
	if (pathf(p, sizeof(p), "%s/.lock", r->path)) {
		cr_err(err, errlen, "repository path too long");
		return -1;
	}
	r->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (r->lock_fd < 0 && !write)
		r->lock_fd = open(p, O_RDONLY | O_CLOEXEC);
	if (r->lock_fd < 0) {
		if (!write && errno == ENOENT)
			return 0;	/* read-only, never written: nothing to lock */
		cr_err(err, errlen, "repository `%s': %s", r->path, strerror(errno));
		return -1;
	}
	while (flock(r->lock_fd, write ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			cr_err(err, errlen, "repository `%s': lock: %s", r->path, strerror(errno));
			close(r->lock_fd);
			r->lock_fd = -1;
			return -1;
		}
	}
	config_load(r);
	if (write) {
		clean_stale(r->path, false);
		pathf(p, sizeof(p), "%s/objects", r->path);
		clean_stale(p, true);
		pathf(p, sizeof(p), "%s/truststores", r->path);
		clean_stale(p, false);
	}
	return 0;
}

static void unlock(struct certrepo *r)
{
	if (r->lock_fd >= 0) {
		close(r->lock_fd);
		r->lock_fd = -1;
	}
}

/* ---- open, options --------------------------------------------------- */

int certrepo_open(const char *path, struct certrepo **out, char *err,
		  size_t errlen)
{
	struct certrepo *r;
	size_t len;

	if (!path)
		path = CERTREPO_DEFAULT_PATH;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (!len) {
		cr_err(err, errlen, "repository: empty path");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	if (len >= sizeof(r->path)) {
		cr_err(err, errlen, "repository `%s': path too long", path);
		free(r);
		return -1;
	}
	memcpy(r->path, path, len);
	r->lock_fd = -1;
	config_load(r);
	*out = r;
	return 0;
}

void certrepo_close(struct certrepo *r)
{
	if (!r)
		return;
	unlock(r);
	free(r);
}

const char *certrepo_path(const struct certrepo *r)
{
	return r->path;
}

void certrepo_set_now(struct certrepo *r, time_t t)
{
	r->now = t;
}

bool certrepo_persist_keys(const struct certrepo *r)
{
	return r->persist_keys;
}

const char *certrepo_default_ca_file(const struct certrepo *r)
{
	return r->default_ca;
}

int certrepo_set_persist_keys(struct certrepo *r, bool on, char *err,
			      size_t errlen)
{
	int rc;

	if (lock(r, true, err, errlen))
		return -1;
	r->persist_keys = on;
	rc = config_save(r, err, errlen);
	if (rc)
		config_load(r);
	unlock(r);
	return rc;
}

int certrepo_set_default_ca_file(struct certrepo *r, const char *path,
				 char *err, size_t errlen)
{
	char v[300];
	int rc;

	if (!strcmp(path, "none"))
		path = "";
	if (path[0] && (path[0] != '/' || strlen(path) >= sizeof(r->default_ca) ||
			strchr(path, '\n'))) {
		cr_err(err, errlen, "default-ca `%s': must be an absolute path",
		       cr_show(path, v, sizeof(v)));
		return -1;
	}
	if (lock(r, true, err, errlen))
		return -1;
	snprintf(r->default_ca, sizeof(r->default_ca), "%s", path);
	rc = config_save(r, err, errlen);
	if (rc)
		config_load(r);
	unlock(r);
	return rc;
}

/* ---- metadata -------------------------------------------------------- */

static void meta_free(struct meta *m)
{
	strv_free(m->refs, m->n_refs);
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
			if (strv_add(&m->refs, &m->n_refs, v))
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

	sb_printf(&b, "kind %s\n", certrepo_kind_name(m->kind));
	sb_printf(&b, "exportable %s\n", m->exportable ? "yes" : "no");
	if (m->kind == CERTREPO_REQUEST)
		sb_printf(&b, "signing %s\n", m->signing ? "yes" : "no");
	sb_printf(&b, "created %lld\n", m->created);
	if (m->source[0])
		sb_printf(&b, "source %s\n", m->source);
	if (m->kind != CERTREPO_REQUEST)
		sb_printf(&b, "check %s\n", check_name(m->check));
	if (m->detail[0])
		sb_printf(&b, "check-detail %s\n", m->detail);
	if (m->replaced_by[0])
		sb_printf(&b, "replaced-by %s\n", m->replaced_by);
	for (i = 0; i < m->n_refs; i++)
		sb_printf(&b, "ref %s\n", m->refs[i]);
	if (m->acme.domains[0]) {
		sb_printf(&b, "acme-domains %s\n", m->acme.domains);
		sb_printf(&b, "acme-directory %s\n", m->acme.directory);
		sb_printf(&b, "acme-key %s\n", m->acme.key);
		if (m->acme.email[0])
			sb_printf(&b, "acme-email %s\n", m->acme.email);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static int meta_copy_refs(struct meta *dst, const struct meta *src)
{
	size_t i;

	for (i = 0; i < src->n_refs; i++)
		if (strv_add(&dst->refs, &dst->n_refs, src->refs[i]))
			return -1;
	return 0;
}

static int read_text(const char *path, char **out, size_t *len)
{
	unsigned char *b;

	if (cr_read_file("file", path, &b, len, NULL, 0))
		return -1;
	*out = (char *)b;
	return 0;
}

static int meta_load(const struct certrepo *r, const char *name, struct meta *m)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rc;

	if (obj_dir(r, name, path, sizeof(path)) || strlen(path) + 6 > sizeof(path))
		return -1;
	strcat(path, "/meta");
	if (read_text(path, &buf, &len))
		return -1;
	rc = meta_parse(buf, m);
	if (rc)
		meta_free(m);
	cr_free_file((unsigned char *)buf, len);
	return rc;
}

static int meta_save(const struct certrepo *r, const char *dir, const struct meta *m,
		     char *err, size_t errlen)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int rc;

	if (pathf(path, sizeof(path), "%s/meta", dir) || !(buf = meta_format(m, &len))) {
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	rc = atomic_write(path, buf, len, 0600, err, errlen);
	free(buf);
	return rc;
}

/* The kind of object name, 0 if there is none. */
static enum certrepo_kind obj_kind(const struct certrepo *r, const char *name)
{
	struct meta m;
	enum certrepo_kind k;

	if (meta_load(r, name, &m))
		return 0;
	k = m.kind;
	meta_free(&m);
	return k;
}

/* ---- objects --------------------------------------------------------- */

static void obj_free(struct obj *o)
{
	meta_free(&o->m);
	X509_free(o->cert);
	sk_X509_pop_free(o->chain, X509_free);
	X509_REQ_free(o->req);
	EVP_PKEY_free(o->key);
	memset(o, 0, sizeof(*o));
}

static int obj_load(const struct certrepo *r, const char *name, unsigned what,
		    struct obj *o, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX], v[128], *buf;
	size_t len;

	memset(o, 0, sizeof(*o));
	if (cr_check_objname("name", name, err, errlen))
		return -1;
	snprintf(o->name, sizeof(o->name), "%s", name);
	if (obj_dir(r, name, dir, sizeof(dir)) || !exists(dir)) {
		cr_err(err, errlen, "name `%s': no such certificate, request or CA "
		       "certificate", cr_show(name, v, sizeof(v)));
		return -1;
	}
	if (meta_load(r, name, &o->m)) {
		cr_err(err, errlen, "name `%s': unreadable metadata in `%s'",
		       cr_show(name, v, sizeof(v)), dir);
		return -1;
	}
	if (o->m.kind == CERTREPO_REQUEST) {
		if (pathf(path, sizeof(path), "%s/csr.pem", dir) || read_text(path, &buf, &len))
			goto bad;
		o->req = cr_parse_req(buf, len);
		cr_free_file((unsigned char *)buf, len);
		if (!o->req)
			goto bad;
	} else {
		if (pathf(path, sizeof(path), "%s/cert.pem", dir) || read_text(path, &buf, &len))
			goto bad;
		cr_parse_certs(buf, len, &o->cert, &o->chain);
		cr_free_file((unsigned char *)buf, len);
		if (!o->cert)
			goto bad;
	}
	if ((what & LOAD_KEY) && o->m.kind != CERTREPO_CA) {
		if (pathf(path, sizeof(path), "%s/key.pem", dir) || read_text(path, &buf, &len))
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
	obj_free(o);
	return -1;
}

/* Every object name in the repository, sorted. */
static int obj_names(const struct certrepo *r, char ***out, size_t *n)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	char e[CERTREPO_ERR_MAX];

	*out = NULL;
	*n = 0;
	if (pathf(dir, sizeof(dir), "%s/objects", r->path))
		return -1;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || cr_check_objname("name", de->d_name, e, sizeof(e)))
			continue;
		if (strv_add(out, n, de->d_name)) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

/*
 * An object directory staged under objects/.tmp-*: the files, then meta.
 * tmp receives the directory's path.
 */
static int obj_stage(const struct certrepo *r, const struct meta *m, X509 *cert,
		     STACK_OF(X509) *chain, X509_REQ *req, EVP_PKEY *key,
		     char *tmp, size_t tmplen, char *err, size_t errlen)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	int rc;

	if (pathf(tmp, tmplen, "%s/objects/.tmp-XXXXXX", r->path) || !mkdtemp(tmp)) {
		cr_err(err, errlen, "cannot create a directory in `%s/objects': %s", r->path,
		       strerror(errno));
		return -1;
	}
	if (chmod(tmp, 0700) < 0)
		goto io;
	if (cert) {
		if (cr_pem_certs(cert, chain, &buf, &len))
			goto oom;
		pathf(path, sizeof(path), "%s/cert.pem", tmp);
		rc = write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_free(buf);
		if (rc)
			goto fail;
	}
	if (req) {
		if (cr_pem_req(req, &buf, &len))
			goto oom;
		pathf(path, sizeof(path), "%s/csr.pem", tmp);
		rc = write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_free(buf);
		if (rc)
			goto fail;
	}
	if (key) {
		if (cr_pem_key(key, &buf, &len))
			goto oom;
		pathf(path, sizeof(path), "%s/key.pem", tmp);
		rc = write_new_file(path, buf, len, 0600, err, errlen);
		OPENSSL_secure_clear_free(buf, len + 1);
		if (rc)
			goto fail;
	}
	buf = meta_format(m, &len);
	if (!buf)
		goto oom;
	pathf(path, sizeof(path), "%s/meta", tmp);
	rc = write_new_file(path, buf, len, 0600, err, errlen);
	free(buf);
	if (rc)
		goto fail;
	sync_dir(tmp);
	return 0;
io:
	cr_err(err, errlen, "cannot write `%s': %s", tmp, strerror(errno));
	goto fail;
oom:
	cr_err(err, errlen, "out of memory");
fail:
	rm_dir(tmp);
	tmp[0] = '\0';
	return -1;
}

/* Move objects/name out of the way (objects/.trash-*); trash gets the path. */
static int obj_trash(const struct certrepo *r, const char *name, char *trash,
		     size_t len, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	obj_dir(r, name, dir, sizeof(dir));
	if (pathf(trash, len, "%s/objects/.trash-XXXXXX", r->path) || !mkdtemp(trash)) {
		cr_err(err, errlen, "cannot create a directory in `%s/objects': %s", r->path,
		       strerror(errno));
		trash[0] = '\0';
		return -1;
	}
	if (do_rename(dir, trash, err, errlen)) {
		rmdir(trash);
		trash[0] = '\0';
		return -1;
	}
	return 0;
}

/* Swap two paths at once; where the file system cannot, two renames. */
static int exchange(const char *a, const char *b, char *err, size_t errlen)
{
	char tmp[PATH_MAX];

	if (failpoint()) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		return -1;
	}
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) {
		sync_parent(b);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		return -1;
	}
	if (pathf(tmp, sizeof(tmp), "%s.x", a) || rename(b, tmp) < 0) {
		cr_err(err, errlen, "cannot rename `%s': %s", b, strerror(errno));
		return -1;
	}
	if (rename(a, b) < 0) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", a, b, strerror(errno));
		rename(tmp, b);
		return -1;
	}
	rename(tmp, a);
	sync_parent(b);
	return 0;
}

/* ---- trust anchors and status ---------------------------------------- */

/* The known roots: the default CA package and every CA certificate. */
static X509_STORE *anchor_store(const struct certrepo *r, STACK_OF(X509) *extra)
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
	if (!obj_names(r, &names, &n)) {
		for (i = 0; i < n; i++) {
			struct obj o;

			if (obj_kind(r, names[i]) != CERTREPO_CA ||
			    obj_load(r, names[i], 0, &o, NULL, 0))
				continue;
			X509_STORE_add_cert(st, o.cert);
			obj_free(&o);
		}
		strv_free(names, n);
	}
	for (j = 0; extra && j < sk_X509_num(extra); j++)
		X509_STORE_add_cert(st, sk_X509_value(extra, j));
	ERR_clear_error();
	return st;
}

static enum check_state check_object(X509_STORE *st, X509 *x, STACK_OF(X509) *chain,
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
	time_t now = now_of(r);

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

static long days_left(const struct certrepo *r, X509 *x)
{
	long long d = (long long)cr_asn1_time(X509_get0_notAfter(x)) - (long long)now_of(r);

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
		strv_add(&i->san, &i->n_san, buf);
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
		strv_add(&i->refs, &i->n_refs, o->m.refs[n]);
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
	i->days_left = days_left(r, o->cert);
	i->chain_len = o->chain ? (size_t)sk_X509_num(o->chain) : 0;
	gens = X509_get_ext_d2i(o->cert, NID_subject_alt_name, NULL, NULL);
	san_strings(gens, i);
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
}

void certrepo_info_free(struct certrepo_info *i)
{
	strv_free(i->san, i->n_san);
	strv_free(i->refs, i->n_refs);
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
	rc = lock(r, false, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (!cr_check_objname("name", name, err, errlen))
			cr_err(err, errlen, "name `%s': no such certificate, request or CA "
			       "certificate", cr_show(name, v, sizeof(v)));
		return -1;
	}
	rc = obj_load(r, name, 0, &o, err, errlen);
	if (!rc) {
		fill_info(r, &o, out);
		obj_free(&o);
	}
	unlock(r);
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
	rc = lock(r, false, err, errlen);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (obj_names(r, &names, &count)) {
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		unlock(r);
		return -1;
	}
	*out = calloc(count + 1, sizeof(**out));
	if (!*out) {
		strv_free(names, count);
		unlock(r);
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct obj o;

		if (obj_load(r, names[i], 0, &o, NULL, 0))
			continue;	/* damaged: skipped (refresh reports it) */
		fill_info(r, &o, &(*out)[(*n)++]);
		obj_free(&o);
	}
	strv_free(names, count);
	unlock(r);
	return 0;
}

/* ---- generating ------------------------------------------------------ */

static void meta_init(struct meta *m, enum certrepo_kind kind, bool exportable,
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
	enum certrepo_kind k = obj_kind(r, name);
	char v[128], dir[PATH_MAX];

	if (k) {
		cr_err(err, errlen, "name `%s': already exists (%s)",
		       cr_show(name, v, sizeof(v)), kind_article(k));
		return -1;
	}
	if (obj_dir(r, name, dir, sizeof(dir)) || exists(dir)) {
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

	if (obj_stage(r, m, cert, chain, req, key, tmp, sizeof(tmp), err, errlen))
		return -1;
	obj_dir(r, name, dir, sizeof(dir));
	if (do_rename(tmp, dir, err, errlen)) {
		rm_dir(tmp);
		return -1;
	}
	return 0;
}

int certrepo_new_signing(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	struct meta m;
	int rc = -1;

	if (certrepo_check_name("name", name, err, errlen) ||
	    certrepo_check_gen(g, false, err, errlen))
		return -1;
	if (lock(r, true, err, errlen))
		return -1;
	if (name_free_check(r, name, err, errlen))
		goto out;
	if (!(key = certrepo_keygen(g->key, err, errlen)) ||
	    !(x = cr_make_signing(g, key, err, errlen)))
		goto out;
	meta_init(&m, CERTREPO_CERT, g->exportable, "generated");
	m.check = CHECK_OK;
	rc = obj_create(r, name, &m, x, NULL, NULL, key, err, errlen);
out:
	X509_free(x);
	EVP_PKEY_free(key);
	unlock(r);
	return rc;
}

int certrepo_new_request(struct certrepo *r, const char *name,
			 const struct certrepo_gen *g, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	struct meta m;
	int rc = -1;

	if (certrepo_check_name("name", name, err, errlen) ||
	    certrepo_check_gen(g, true, err, errlen))
		return -1;
	if (lock(r, true, err, errlen))
		return -1;
	if (name_free_check(r, name, err, errlen))
		goto out;
	if (!(key = certrepo_keygen(g->key, err, errlen)) ||
	    !(req = cr_make_request(g, key, err, errlen)))
		goto out;
	meta_init(&m, CERTREPO_REQUEST, g->exportable, "generated");
	m.signing = g->signing;
	rc = obj_create(r, name, &m, NULL, NULL, req, key, err, errlen);
out:
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	unlock(r);
	return rc;
}

/* ---- importing ------------------------------------------------------- */

void certrepo_names_free(struct certrepo_names *n)
{
	if (!n)
		return;
	strv_free(n->v, n->n);
	n->v = NULL;
	n->n = 0;
}

/* The stored request whose key pairs with x (o loaded with its key). */
static int find_request(const struct certrepo *r, X509 *x, struct obj *o)
{
	char **names;
	size_t n, i;
	int found = 0;

	if (obj_names(r, &names, &n))
		return 0;
	for (i = 0; i < n && !found; i++) {
		if (obj_kind(r, names[i]) != CERTREPO_REQUEST ||
		    obj_load(r, names[i], LOAD_KEY, o, NULL, 0))
			continue;
		if (cr_key_matches(x, o->key))
			found = 1;
		else
			obj_free(o);
	}
	strv_free(names, n);
	return found;
}

/* A staged object waiting for its rename into objects/name. */
struct staged {
	char name[CERTREPO_OBJNAME_MAX + 1];
	char tmp[PATH_MAX];
	bool installed;
};

/* Rename every staged object into place; on failure put them back. */
static int install_all(struct certrepo *r, struct staged *s, size_t n, char *err,
		       size_t errlen)
{
	char dir[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		obj_dir(r, s[i].name, dir, sizeof(dir));
		if (do_rename(s[i].tmp, dir, err, errlen))
			goto undo;
		s[i].installed = true;
	}
	return 0;
undo:
	while (i--) {
		obj_dir(r, s[i].name, dir, sizeof(dir));
		rename(dir, s[i].tmp);
		s[i].installed = false;
	}
	return -1;
}

static void staged_cleanup(struct staged *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i].installed && s[i].tmp[0])
			rm_dir(s[i].tmp);
}

static int add_created(struct certrepo_names *created, const char *name)
{
	return created ? strv_add(&created->v, &created->n, name) : 0;
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
		if (strv_find(used, n_used, out) < 0 && !has_suffix(out, CERTREPO_REPLACED_SUFFIX))
			return;
		k++;
	}
}

static int signing_check(const char *field, const char *path, X509 *x,
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
	if (lock(r, true, err, errlen))
		goto out_nolock;
	existing = obj_kind(r, name);
	if (existing && existing != CERTREPO_REQUEST) {
		name_free_check(r, name, err, errlen);
		goto out;
	}
	if (!key) {
		have_req = find_request(r, x, &req);
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
	if (im->signing && signing_check("cert", im->cert_file, x,
					 "a signing certificate must be a CA", err, errlen))
		goto out;
	if (have_req && req.m.signing && signing_check("cert", im->cert_file, x,
			"the request asked for a signing certificate", err, errlen))
		goto out;
	meta_init(&m, CERTREPO_CERT, im->exportable || (have_req && req.m.exportable),
		  im->acme ? "acme" : have_req ? "request" : "import");
	if (im->acme)
		m.acme = *im->acme;
	st = anchor_store(r, NULL);
	m.check = check_object(st, x, certs, key, m.detail, sizeof(m.detail));
	if (obj_stage(r, &m, x, certs, NULL, key, s.tmp, sizeof(s.tmp), err, errlen))
		goto out;
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (same_name) {
		/* The request becomes the certificate in one step. */
		obj_dir(r, name, dir, sizeof(dir));
		if (exchange(s.tmp, dir, err, errlen))
			goto out;
		rm_dir(s.tmp);	/* now the request */
		s.installed = true;
	} else {
		if (install_all(r, &s, 1, err, errlen))
			goto out;
		if (have_req) {
			char trash[PATH_MAX];

			/* Committed: the request's key lives on in name. */
			if (!obj_trash(r, req.name, trash, sizeof(trash), NULL, 0))
				rm_dir(trash);
		}
	}
	rc = add_created(created, name);
out:
	unlock(r);
out_nolock:
	staged_cleanup(&s, 1);
	X509_STORE_free(st);
	obj_free(&req);
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
		if (cr_check_objname("name", nm, err, errlen) || strv_add(&names, &n_names, nm))
			goto out_nolock;
		if (cr_check_key_size("file", im->p12_file, p.keyed[i].key, err, errlen))
			goto out_nolock;
		if (im->signing && signing_check("file", im->p12_file, p.keyed[i].cert,
						 "a signing certificate must be a CA", err, errlen))
			goto out_nolock;
	}
	if (lock(r, true, err, errlen))
		goto out_nolock;
	for (i = 0; i < n_names; i++)
		if (name_free_check(r, names[i], err, errlen))
			goto out;
	s = calloc(n_names, sizeof(*s));
	if (!s) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = anchor_store(r, NULL);
	for (i = 0; i < n_names; i++) {
		struct meta m;

		meta_init(&m, CERTREPO_CERT, im->exportable, "pkcs12");
		m.check = check_object(st, p.keyed[i].cert, p.keyed[i].chain, p.keyed[i].key,
				       m.detail, sizeof(m.detail));
		snprintf(s[i].name, sizeof(s[i].name), "%s", names[i]);
		if (obj_stage(r, &m, p.keyed[i].cert, p.keyed[i].chain, NULL, p.keyed[i].key,
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
	unlock(r);
out_nolock:
	if (s)
		staged_cleanup(s, n_names);
	free(s);
	X509_STORE_free(st);
	strv_free(names, n_names);
	cr_p12_free(&p);
	return rc;
}

/* What meta will hold of an ACME record: one line each, printable. */
static int check_acme(const struct certrepo_acme *a, char *err, size_t errlen)
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
	if (certrepo_check_name("name", name, err, errlen) || check_acme(im->acme, err, errlen))
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

static bool ca_acceptable(X509 *x)
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

		if (!ca_acceptable(x)) {
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
		if (cr_check_objname("name", nm, err, errlen) || strv_add(&names, &n_names, nm))
			goto out_nolock;
	}
	if (lock(r, true, err, errlen))
		goto out_nolock;
	for (i = 0; i < n_names; i++)
		if (name_free_check(r, names[i], err, errlen))
			goto out;
	s = calloc(n_names, sizeof(*s));
	if (!s) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = anchor_store(r, certs);
	for (i = 0; i < n_names; i++) {
		struct meta m;

		meta_init(&m, CERTREPO_CA, false, "import");
		m.check = check_object(st, sk_X509_value(certs, i), NULL, NULL, m.detail,
				       sizeof(m.detail));
		snprintf(s[i].name, sizeof(s[i].name), "%s", names[i]);
		if (obj_stage(r, &m, sk_X509_value(certs, i), NULL, NULL, NULL, s[i].tmp,
			      sizeof(s[i].tmp), err, errlen))
			goto out;
	}
	if (install_all(r, s, n_names, err, errlen))
		goto out;
	rc = 0;
	for (i = 0; i < n_names; i++)
		add_created(created, names[i]);
out:
	unlock(r);
out_nolock:
	if (s)
		staged_cleanup(s, n_names);
	free(s);
	X509_STORE_free(st);
	strv_free(names, n_names);
	free(aliases);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

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
	if (cr_check_objname("name", name, err, errlen) || check_acme(im->acme, err, errlen))
		return -1;
	if (has_suffix(name, CERTREPO_REPLACED_SUFFIX)) {
		cr_err(err, errlen, "name `%s': a replaced certificate cannot be replaced",
		       cr_show(name, v, sizeof(v)));
		return -1;
	}
	snprintf(rname, sizeof(rname), "%s%s", name, CERTREPO_REPLACED_SUFFIX);
	if (replacement_load(im, &x, &chain, &key, err, errlen))
		return -1;
	if (lock(r, true, err, errlen))
		goto out_nolock;
	if (obj_load(r, name, LOAD_KEY, &old, err, errlen))
		goto out;
	if (old.m.kind == CERTREPO_REQUEST) {
		cr_err(err, errlen, "name `%s': a signing request is not replaced: import "
		       "the signed certificate", cr_show(name, v, sizeof(v)));
		goto out;
	}
	if (old.m.kind == CERTREPO_CA) {
		if (key || im->p12_file) {
			cr_err(err, errlen, "name `%s': a CA certificate has no private key: "
			       "give only `cert FILE'", cr_show(name, v, sizeof(v)));
			goto out;
		}
		if (sk_X509_num(chain)) {
			cr_err(err, errlen, "cert `%s': holds %d certificates; a CA certificate "
			       "is replaced by one", cr_show(src, v, sizeof(v)),
			       sk_X509_num(chain) + 1);
			goto out;
		}
		if (!ca_acceptable(x)) {
			signing_check("cert", src, x, "`ca' objects hold CA certificates", err,
				      errlen);
			goto out;
		}
	} else {
		if (!key) {
			if (cr_key_matches(x, old.key)) {
				key = old.key;	/* renewed with the same key */
				old.key = NULL;
			} else if ((have_req = find_request(r, x, &req))) {
				key = req.key;
				req.key = NULL;
			} else {
				cr_err(err, errlen, "key: none given, and neither the current key "
				       "of `%s' nor a signing request matches the certificate `%s'",
				       cr_show(name, v, sizeof(v)), src);
				goto out;
			}
		} else if (!cr_key_matches(x, key)) {
			cr_err(err, errlen, "key `%s': does not match the certificate `%s'",
			       cr_show(im->key_file, v, sizeof(v)), src);
			goto out;
		}
		if (cr_check_key_size(im->key_file ? "key" : "p12", im->key_file ?
				      im->key_file : src, key, err, errlen))
			goto out;
		if ((im->signing || cr_is_ca(old.cert)) &&
		    signing_check("cert", src, x, "it replaces a signing certificate", err, errlen))
			goto out;
	}
	/* An older NAME_REPLACED is discarded, unless something uses it. */
	if (obj_kind(r, rname)) {
		struct meta rm;

		if (!meta_load(r, rname, &rm)) {
			if (rm.n_refs) {
				struct sb b = { 0 };
				size_t i;

				for (i = 0; i < rm.n_refs; i++)
					sb_printf(&b, "%s%s", i ? ", " : "", rm.refs[i]);
				cr_err(err, errlen, "name `%s': in use by %s: it cannot be discarded "
				       "to make room for the replaced certificate",
				       cr_show(rname, v, sizeof(v)), b.p ? b.p : "?");
				free(b.p);
				meta_free(&rm);
				goto out;
			}
			meta_free(&rm);
		}
	}
	meta_init(&m, old.m.kind, old.m.exportable || im->exportable ||
		  (have_req && req.m.exportable), im->acme ? "acme" : "replace");
	/* An ACME renewal says so; another replacement keeps the record. */
	m.acme = im->acme ? *im->acme : old.m.acme;
	if (meta_copy_refs(&m, &old.m)) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	st = anchor_store(r, NULL);
	m.check = check_object(st, x, old.m.kind == CERTREPO_CA ? NULL : chain,
			       old.m.kind == CERTREPO_CA ? NULL : key, m.detail, sizeof(m.detail));
	if (obj_stage(r, &m, x, old.m.kind == CERTREPO_CA ? NULL : chain, NULL,
		      old.m.kind == CERTREPO_CA ? NULL : key, s.tmp, sizeof(s.tmp), err, errlen))
		goto out;
	/* The old object, as NAME_REPLACED: no references, a pointer to NAME. */
	om = old.m;
	om.refs = NULL;
	om.n_refs = 0;
	/* Not renewed any more: the name carries the ACME record on. */
	memset(&om.acme, 0, sizeof(om.acme));
	snprintf(om.replaced_by, sizeof(om.replaced_by), "%s", name);
	if (obj_stage(r, &om, old.cert, old.chain, NULL, old.key, oldtmp, sizeof(oldtmp),
		      err, errlen))
		goto out;
	obj_dir(r, name, dir, sizeof(dir));
	obj_dir(r, rname, rdir, sizeof(rdir));
	if (exists(rdir) && obj_trash(r, rname, trash, sizeof(trash), err, errlen))
		goto out;
	if (do_rename(oldtmp, rdir, err, errlen))
		goto undo;
	moved_old = true;
	if (exchange(s.tmp, dir, err, errlen))
		goto undo;
	/* Committed. s.tmp now holds the old directory. */
	rm_dir(s.tmp);
	s.installed = true;
	if (trash[0])
		rm_dir(trash);
	if (have_req && !obj_trash(r, req.name, trash, sizeof(trash), NULL, 0))
		rm_dir(trash);
	rc = 0;
	goto out;
undo:
	if (moved_old)
		rename(rdir, oldtmp);
	if (trash[0])
		rename(trash, rdir);
out:
	unlock(r);
out_nolock:
	staged_cleanup(&s, 1);
	if (oldtmp[0] && exists(oldtmp))
		rm_dir(oldtmp);
	meta_free(&m);
	X509_STORE_free(st);
	obj_free(&old);
	obj_free(&req);
	EVP_PKEY_free(key);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* ---- refresh --------------------------------------------------------- */

static bool ts_exists(const struct certrepo *r, const char *name)
{
	char p[PATH_MAX];

	return !ts_path(r, name, p, sizeof(p)) && exists(p);
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
	if (lock(r, true, err, errlen))
		return -1;
	if (obj_names(r, &names, &n)) {
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		unlock(r);
		return -1;
	}
	st = anchor_store(r, NULL);
	for (i = 0; i < n && !rc; i++) {
		struct obj o;
		struct meta m;
		bool dirty = false;
		size_t k;

		if (obj_load(r, names[i], LOAD_KEY, &o, err, errlen)) {
			/* A key that no longer parses is a key mismatch too. */
			if (obj_load(r, names[i], 0, &o, NULL, 0)) {
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
			enum check_state c = check_object(st, o.cert, o.m.kind == CERTREPO_CA ?
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
			    !ts_exists(r, o.m.refs[k] + 11)) {
				strv_del(o.m.refs, &o.m.n_refs, k);
				dirty = true;
			} else {
				k++;
			}
		}
		if (dirty) {
			obj_dir(r, names[i], dir, sizeof(dir));
			rc = meta_save(r, dir, &o.m, err, errlen);
		}
		obj_free(&o);
	}
	X509_STORE_free(st);
	strv_free(names, n);
	unlock(r);
	if (changed)
		*changed = nchanged;
	return rc;
}

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
	lrc = lock(r, false, err, errlen);
	if (lrc < 0)
		return -1;
	if (lrc == 1) {
		cr_err(err, errlen, "name `%s': no such certificate, request or CA certificate",
		       cr_show(name, v, sizeof(v)));
		return -1;
	}
	if (obj_load(r, name, flags & CERTREPO_EXPORT_KEY ? LOAD_KEY : 0, &o, err, errlen))
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
	obj_free(&o);
out_unlock:
	unlock(r);
	return rc;
}

static void refs_str(char *const *refs, size_t n, char *buf, size_t len)
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
	if (lock(r, true, err, errlen))
		return -1;
	if (meta_load(r, name, &m)) {
		char dir[PATH_MAX];

		obj_dir(r, name, dir, sizeof(dir));
		if (!exists(dir)) {
			cr_err(err, errlen, "name `%s': no such certificate, request or CA "
			       "certificate", cr_show(name, v, sizeof(v)));
			goto out;
		}
		memset(&m, 0, sizeof(m));	/* damaged: can go */
	}
	if (m.n_refs) {
		refs_str(m.refs, m.n_refs, refs, sizeof(refs));
		cr_err(err, errlen, "name `%s': in use: referenced by %s",
		       cr_show(name, v, sizeof(v)), refs);
		meta_free(&m);
		goto out;
	}
	meta_free(&m);
	if (obj_trash(r, name, trash, sizeof(trash), err, errlen))
		goto out;
	rm_dir(trash);
	rc = 0;
out:
	unlock(r);
	return rc;
}

/* ---- references ------------------------------------------------------ */

static int ts_load(const struct certrepo *r, const char *name,
		   struct certrepo_truststore *t, char *err, size_t errlen);
static int ts_save(const struct certrepo *r, const struct certrepo_truststore *t,
		   char *err, size_t errlen);

/* Add or drop referrer on an object (locked). */
static int obj_ref(const struct certrepo *r, enum certrepo_kind kind, const char *name,
		   const char *referrer, bool add, char *err, size_t errlen)
{
	char dir[PATH_MAX], v[128];
	struct meta m;
	ssize_t at;
	int rc = -1;

	if (meta_load(r, name, &m)) {
		cr_err(err, errlen, "%s `%s': no such %s", kind == CERTREPO_CA ? "ca" : "name",
		       cr_show(name, v, sizeof(v)), kind_article(kind) + 2);
		return -1;
	}
	if (m.kind != kind) {
		cr_err(err, errlen, "%s `%s': %s, not %s", kind == CERTREPO_CA ? "ca" : "name",
		       cr_show(name, v, sizeof(v)), kind_article(m.kind), kind_article(kind));
		goto out;
	}
	at = strv_find(m.refs, m.n_refs, referrer);
	if (add && at >= 0) {
		rc = 0;
		goto out;
	}
	if (!add && at < 0) {
		cr_err(err, errlen, "referrer `%s': does not use `%s'", referrer,
		       cr_show(name, v, sizeof(v)));
		goto out;
	}
	if (add ? strv_add(&m.refs, &m.n_refs, referrer) : (strv_del(m.refs, &m.n_refs, (size_t)at), 0)) {
		cr_err(err, errlen, "out of memory");
		goto out;
	}
	obj_dir(r, name, dir, sizeof(dir));
	rc = meta_save(r, dir, &m, err, errlen);
out:
	meta_free(&m);
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
	if (lock(r, true, err, errlen))
		return -1;
	if (kind != CERTREPO_TRUSTSTORE) {
		rc = obj_ref(r, kind, name, referrer, add, err, errlen);
		goto out;
	}
	if (ts_load(r, name, &t, err, errlen))
		goto out;
	at = strv_find(t.refs, t.n_refs, referrer);
	if (add && at >= 0) {
		rc = 0;
	} else if (!add && at < 0) {
		cr_err(err, errlen, "referrer `%s': does not use trust store `%s'", referrer, name);
	} else {
		if (add ? strv_add(&t.refs, &t.n_refs, referrer) :
		    (strv_del(t.refs, &t.n_refs, (size_t)at), 0))
			cr_err(err, errlen, "out of memory");
		else
			rc = ts_save(r, &t, err, errlen);
	}
	certrepo_truststore_free(&t);
out:
	unlock(r);
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

/* ---- trust stores ---------------------------------------------------- */

void certrepo_truststore_free(struct certrepo_truststore *t)
{
	strv_free(t->cas, t->n_cas);
	strv_free(t->refs, t->n_refs);
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

static int ts_load(const struct certrepo *r, const char *name,
		   struct certrepo_truststore *t, char *err, size_t errlen)
{
	char path[PATH_MAX], v[128], *buf, *p;
	size_t len;

	memset(t, 0, sizeof(*t));
	if (ts_path(r, name, path, sizeof(path)) || read_text(path, &buf, &len)) {
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
			strv_add(&t->cas, &t->n_cas, p + 3);
		else if (!strncmp(p, "ref ", 4))
			strv_add(&t->refs, &t->n_refs, p + 4);
		if (!nl)
			break;
		p = nl + 1;
	}
	cr_free_file((unsigned char *)buf, len);
	return 0;
}

static int ts_save(const struct certrepo *r, const struct certrepo_truststore *t,
		   char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct sb b = { 0 };
	size_t i;
	int rc;

	sb_printf(&b, "description %s\ndefault-ca %s\n", t->description,
		  t->default_ca ? "on" : "off");
	for (i = 0; i < t->n_cas; i++)
		sb_printf(&b, "ca %s\n", t->cas[i]);
	for (i = 0; i < t->n_refs; i++)
		sb_printf(&b, "ref %s\n", t->refs[i]);
	if (b.oom || ts_path(r, t->name, path, sizeof(path))) {
		free(b.p);
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	rc = atomic_write(path, b.p, b.len, 0600, err, errlen);
	free(b.p);
	return rc;
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
		if (obj_ref(r, CERTREPO_CA, add[i], referrer, true, err, errlen))
			goto undo;
	if (ts_save(r, t, err, errlen))
		goto undo;
	/* Committed; dropping references is cleanup (refresh redoes it). */
	for (i = 0; i < n_del; i++)
		obj_ref(r, CERTREPO_CA, del[i], referrer, false, NULL, 0);
	return 0;
undo:
	while (i--)
		obj_ref(r, CERTREPO_CA, add[i], referrer, false, NULL, 0);
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
	if (lock(r, true, err, errlen))
		return -1;
	if (ts_exists(r, name)) {
		cr_err(err, errlen, "name `%s': already exists (a trust store)",
		       cr_show(name, v, sizeof(v)));
		goto out;
	}
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.description, sizeof(t.description), "%s",
		 s->description ? s->description : "");
	t.default_ca = s->default_ca != 0;
	for (i = 0; i < s->n_add_ca; i++)
		if (strv_add(&t.cas, &t.n_cas, s->add_ca[i]))
			goto out;
	rc = ts_commit(r, &t, s->add_ca, s->n_add_ca, NULL, 0, err, errlen);
out:
	certrepo_truststore_free(&t);
	unlock(r);
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
	if (lock(r, true, err, errlen))
		return -1;
	if (ts_load(r, name, &t, err, errlen))
		goto out_unlock;
	if (s->description)
		snprintf(t.description, sizeof(t.description), "%s", s->description);
	if (s->default_ca >= 0)
		t.default_ca = s->default_ca;
	for (i = 0; i < s->n_del_ca; i++) {
		at = strv_find(t.cas, t.n_cas, s->del_ca[i]);
		if (at < 0) {
			cr_err(err, errlen, "del-ca `%s': not in trust store `%s'",
			       cr_show(s->del_ca[i], v, sizeof(v)), name);
			goto out;
		}
		strv_del(t.cas, &t.n_cas, (size_t)at);
	}
	for (i = 0; i < s->n_add_ca; i++) {
		if (strv_find(t.cas, t.n_cas, s->add_ca[i]) >= 0) {
			cr_err(err, errlen, "ca `%s': already in trust store `%s'",
			       cr_show(s->add_ca[i], v, sizeof(v)), name);
			goto out;
		}
		if (strv_add(&t.cas, &t.n_cas, s->add_ca[i]))
			goto out;
	}
	rc = ts_commit(r, &t, s->add_ca, s->n_add_ca, s->del_ca, s->n_del_ca, err, errlen);
out:
	certrepo_truststore_free(&t);
out_unlock:
	unlock(r);
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
	if (lock(r, true, err, errlen))
		return -1;
	if (ts_load(r, name, &t, err, errlen))
		goto out_unlock;
	if (t.n_refs) {
		refs_str(t.refs, t.n_refs, refs, sizeof(refs));
		cr_err(err, errlen, "name `%s': in use: referenced by %s",
		       cr_show(name, v, sizeof(v)), refs);
		goto out;
	}
	snprintf(referrer, sizeof(referrer), "truststore:%s", name);
	for (i = 0; i < t.n_cas; i++)
		if (obj_ref(r, CERTREPO_CA, t.cas[i], referrer, false, err, errlen))
			goto undo;
	ts_path(r, name, path, sizeof(path));
	if (failpoint() || unlink(path) < 0) {
		cr_err(err, errlen, "cannot remove `%s': %s", path, strerror(errno));
		goto undo;
	}
	sync_parent(path);
	rc = 0;
	goto out;
undo:
	while (i--)
		obj_ref(r, CERTREPO_CA, t.cas[i], referrer, true, NULL, 0);
out:
	certrepo_truststore_free(&t);
out_unlock:
	unlock(r);
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
	rc = lock(r, false, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		cr_err(err, errlen, "name `%s': no such trust store", cr_show(name, v, sizeof(v)));
		return -1;
	}
	rc = ts_load(r, name, out, err, errlen);
	unlock(r);
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
	rc = lock(r, false, err, errlen);
	if (rc)
		return rc < 0 ? -1 : 0;
	pathf(dir, sizeof(dir), "%s/truststores", r->path);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    !certrepo_check_truststore_name("name", de->d_name, e, sizeof(e)))
				strv_add(&names, &count, de->d_name);
		closedir(d);
	}
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	*out = calloc(count + 1, sizeof(**out));
	if (!*out) {
		cr_err(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	for (i = 0; i < count; i++)
		if (!ts_load(r, names[i], &(*out)[*n], NULL, 0))
			(*n)++;
out:
	strv_free(names, count);
	unlock(r);
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

	if (ts_load(r, name, &t, err, errlen))
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

		if (obj_load(r, t.cas[i], 0, &o, err, errlen))
			goto fail;
		sk_X509_push(sk, o.cert);
		o.cert = NULL;
		obj_free(&o);
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
	rc = lock(r, false, err, errlen);
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
	unlock(r);
	return st;
}

int certrepo_truststore_export(struct certrepo *r, const char *name, FILE *out,
			       char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	int i, rc;

	if (certrepo_check_truststore_name("name", name, err, errlen))
		return -1;
	rc = lock(r, false, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "name `%s': no such trust store", name);
	if (rc)
		return -1;
	sk = ts_certs(r, name, err, errlen);
	unlock(r);
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

	rc = lock(r, false, err, errlen);
	if (rc == 1)
		cr_err(err, errlen, "name `%s': no such certificate", cr_show(name, v, sizeof(v)));
	if (rc)
		return -1;
	rc = obj_load(r, name, LOAD_KEY, &o, err, errlen);
	unlock(r);
	if (rc)
		return -1;
	cr_show(name, v, sizeof(v));
	if (o.m.kind != CERTREPO_CERT) {
		cr_err(err, errlen, "name `%s': %s, not a %s certificate with its key", v,
		       kind_article(o.m.kind), need_ca ? "signing" : "server");
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
	obj_free(&o);
	return 0;
fail:
	obj_free(&o);
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
		refs_str(v[i].refs, v[i].n_refs, refs, sizeof(refs));
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
	rc = lock(r, false, err, errlen);
	if (rc < 0) {
		free(kr);
		return -1;
	}
	if (rc == 0 && obj_names(r, &names, &n)) {
		unlock(r);
		free(kr);
		cr_err(err, errlen, "repository `%s': cannot list: %s", r->path, strerror(errno));
		return -1;
	}
	der = calloc(n + 1, sizeof(*der));
	len = calloc(n + 1, sizeof(*len));
	kr->e = calloc(n + 1, sizeof(*kr->e));
	if (!der || !len || !kr->e) {
		unlock(r);
		goto oom;
	}
	for (i = 0; i < n; i++) {
		struct obj o;

		if (obj_kind(r, names[i]) != CERTREPO_CERT)
			continue;
		if (obj_load(r, names[i], LOAD_KEY, &o, err, errlen)) {
			unlock(r);
			goto fail;
		}
		len[i] = i2d_PrivateKey(o.key, &der[i]);
		obj_free(&o);
		if (len[i] <= 0) {
			unlock(r);
			cr_err(err, errlen, "name `%s': cannot encode the private key", names[i]);
			goto fail;
		}
		total += (size_t)len[i];
	}
	unlock(r);
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
	strv_free(names, n);
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
	strv_free(names, n);
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
