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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certrepo.h"
#include "certrepo_int.h"

int certrepo_test_fail_write;
void __attribute__((format(printf, 2, 3))) cr_sb_printf(struct sb *b, const char *fmt, ...)
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

/*
 * Write what b holds to path (atomically, mode 0600) and free it. b out of
 * memory or path_failed (the path did not fit): "out of memory".
 */
int cr_sb_save(struct sb *b, bool path_failed, const char *path, char *err, size_t errlen)
{
	int rc;

	if (b->oom || path_failed) {
		free(b->p);
		cr_err(err, errlen, "out of memory");
		return -1;
	}
	rc = cr_atomic_write(path, b->p, b->len, 0600, err, errlen);
	free(b->p);
	return rc;
}

int cr_strv_add(char ***v, size_t *n, const char *s)
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

void cr_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

ssize_t cr_strv_find(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return (ssize_t)i;
	return -1;
}

void cr_strv_del(char **v, size_t *n, size_t i)
{
	free(v[i]);
	memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
	(*n)--;
}

int cr_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool cr_has_suffix(const char *s, const char *suffix)
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

time_t cr_now_of(const struct certrepo *r)
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

const char *cr_kind_article(enum certrepo_kind k)
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

const char *cr_check_name(enum check_state c)
{
	return c == CHECK_OK ? "ok" : c == CHECK_NO_ANCHOR ? "no-trust-anchor" : "key-mismatch";
}

/* ---- paths and files ------------------------------------------------- */

int cr_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The injected failure of certrepo_test_fail_write, if it is now. */
bool cr_failpoint(void)
{
	if (certrepo_test_fail_write > 0 && --certrepo_test_fail_write == 0) {
		errno = EIO;
		return true;
	}
	return false;
}

void cr_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void cr_sync_parent(const char *path)
{
	char d[PATH_MAX];
	char *s;

	snprintf(d, sizeof(d), "%s", path);
	s = strrchr(d, '/');
	if (s) {
		*s = '\0';
		cr_sync_dir(d[0] ? d : "/");
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
int cr_write_new_file(const char *path, const void *buf, size_t len,
		      mode_t mode, char *err, size_t errlen)
{
	int fd;

	if (cr_failpoint())
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
int cr_atomic_write(const char *path, const void *buf, size_t len,
		    mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || cr_pathf(tmp, sizeof(tmp), "%.*s/.tmp-XXXXXX", (int)(slash - path), path)) {
		cr_err(err, errlen, "path too long: `%s'", path);
		return -1;
	}
	if (cr_failpoint())
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
	if (cr_failpoint() || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		goto fail;
	}
	cr_sync_parent(path);
	return 0;
fail:
	cr_err(err, errlen, "cannot write `%s': %s", path, strerror(errno));
	return -1;
}

int cr_do_rename(const char *from, const char *to, char *err, size_t errlen)
{
	if (cr_failpoint() || rename(from, to) < 0) {
		cr_err(err, errlen, "cannot rename `%s' to `%s': %s", from, to, strerror(errno));
		return -1;
	}
	cr_sync_parent(to);
	return 0;
}

/* Remove a directory of plain files (an object directory). */
void cr_rm_dir(const char *path)
{
	char p[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!cr_pathf(p, sizeof(p), "%s/%s", path, de->d_name))
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

int cr_obj_dir(const struct certrepo *r, const char *name, char *buf, size_t len)
{
	return cr_pathf(buf, len, "%s/objects/%s", r->path, name);
}

int cr_ts_path(const struct certrepo *r, const char *name, char *buf, size_t len)
{
	return cr_pathf(buf, len, "%s/truststores/%s", r->path, name);
}

bool cr_exists(const char *path)
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
	if (cr_pathf(path, sizeof(path), "%s/config", r->path) || !(f = fopen(path, "re")))
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

	cr_sb_printf(&b, "persist-keys %s\ndefault-ca %s\n", r->persist_keys ? "on" : "off",
		     r->default_ca[0] ? r->default_ca : "none");
	return cr_sb_save(&b, cr_pathf(path, sizeof(path), "%s/config", r->path) != 0, path,
			  err, errlen);
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
		if (cr_pathf(p, sizeof(p), "%s/%s", dir, de->d_name))
			continue;
		if (!strncmp(de->d_name, ".tmp-", 5) || !strncmp(de->d_name, ".trash-", 7)) {
			if (unlink(p) < 0 && (errno == EISDIR || errno == EPERM))
				cr_rm_dir(p);
		} else if (objects && de->d_name[0] != '.') {
			clean_stale(p, false);
		}
	}
	closedir(d);
}

/* 1: the repository does not exist (reads only); 0: locked; -1: error. */
int cr_lock(struct certrepo *r, bool write, char *err, size_t errlen)
{
	char p[PATH_MAX];

	if (r->lock_fd >= 0) {
		close(r->lock_fd);
		r->lock_fd = -1;
	}
	if (write) {
		if (mkdir_p(r->path, err, errlen))
			return -1;
		if (cr_pathf(p, sizeof(p), "%s/objects", r->path) ||
		    (mkdir(p, 0700) < 0 && errno != EEXIST) ||
		    cr_pathf(p, sizeof(p), "%s/truststores", r->path) ||
		    (mkdir(p, 0700) < 0 && errno != EEXIST)) {
			cr_err(err, errlen, "cannot create `%s': %s", p, strerror(errno));
			return -1;
		}
	} else if (!cr_exists(r->path)) {
		return 1;
	}
	if (cr_pathf(p, sizeof(p), "%s/.lock", r->path)) {
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
		cr_pathf(p, sizeof(p), "%s/objects", r->path);
		clean_stale(p, true);
		cr_pathf(p, sizeof(p), "%s/truststores", r->path);
		clean_stale(p, false);
	}
	return 0;
}

void cr_unlock(struct certrepo *r)
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
	cr_unlock(r);
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

	if (cr_lock(r, true, err, errlen))
		return -1;
	r->persist_keys = on;
	rc = config_save(r, err, errlen);
	if (rc)
		config_load(r);
	cr_unlock(r);
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
	if (cr_lock(r, true, err, errlen))
		return -1;
	snprintf(r->default_ca, sizeof(r->default_ca), "%s", path);
	rc = config_save(r, err, errlen);
	if (rc)
		config_load(r);
	cr_unlock(r);
	return rc;
}
