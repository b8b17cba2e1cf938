// SPDX-License-Identifier: GPL-2.0
/*
 * Decryption policies: domain validation and matching, domain list files,
 * the policy files tlsictl writes and tlsid reads (decrypt.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "category.h"
#include "decrypt.h"

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

const char *decrypt_dir(void)
{
	const char *d = getenv("TLSI_DECRYPT_DIR");

	return d && *d ? d : DECRYPT_DEFAULT_DIR;
}

const char *decrypt_default_list(void)
{
	const char *f = getenv("TLSI_DECRYPT_DEFAULT_LIST");

	return f && *f ? f : DECRYPT_DEFAULT_LIST;
}

int decrypt_name_check(const char *name, char *err, size_t len)
{
	const char *s;

	if (!*name)
		return fail(err, len, "decryption policy name: empty");
	if (strlen(name) > DECRYPT_NAME_MAX)
		return fail(err, len, "decryption policy name `%.40s...': longer than %d bytes",
			    name, DECRYPT_NAME_MAX);
	for (s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != ' ')
			return fail(err, len, "decryption policy name `%s': may hold only "
				    "letters, digits, `_', `-' and spaces", name);
	}
	return 0;
}

int decrypt_desc_check(const char *desc, char *err, size_t len)
{
	const unsigned char *s;

	if (strlen(desc) > DECRYPT_DESC_MAX)
		return fail(err, len, "description: longer than %d bytes", DECRYPT_DESC_MAX);
	for (s = (const unsigned char *)desc; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return fail(err, len, "description: control character 0x%02x", *s);
	return 0;
}

static bool ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Labels of the lower-case name s (n bytes): LDH, 1..63 bytes, no hyphen
 * at either end. in: the name as given, for messages. */
static int labels_check(const char *in, const char *s, size_t n, char *err, size_t len)
{
	size_t i = 0, start;

	while (i <= n) {
		start = i;
		while (i < n && s[i] != '.')
			i++;
		if (i == start)
			return fail(err, len, "domain `%s': empty label", in);
		if (i - start > DECRYPT_LABEL_MAX)
			return fail(err, len, "domain `%s': label `%.*s' is longer than %d bytes",
				    in, (int)(i - start), s + start, DECRYPT_LABEL_MAX);
		if (s[start] == '-' || s[i - 1] == '-')
			return fail(err, len, "domain `%s': label `%.*s' starts or ends with `-'",
				    in, (int)(i - start), s + start);
		i++;	/* the dot, or one past the end */
	}
	return 0;
}

int decrypt_domain_normalize(const char *in, char *out, char *err, size_t len)
{
	char buf[DECRYPT_DOMAIN_MAX + 4];
	size_t n = strlen(in), i, skip = 0;

	if (!n)
		return fail(err, len, "domain: empty");
	if (n > DECRYPT_DOMAIN_MAX + 1 || (n == DECRYPT_DOMAIN_MAX + 1 && in[n - 1] != '.'))
		return fail(err, len, "domain `%.40s...': longer than %d bytes", in,
			    DECRYPT_DOMAIN_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '*') {
			if (i != 0 || (n > 1 && in[1] != '.') || n == 1)
				return fail(err, len, "domain `%s': a wildcard is `*.' at the start, "
					    "followed by a domain (`*.company.com')", in);
		} else if (c != '.' && !ldh(c)) {
			if (c >= 0x80)
				return fail(err, len, "domain `%s': byte 0x%02x is not a letter, digit "
					    "or hyphen (write international names as IDNA A-labels, "
					    "`xn--...')", in, c);
			return fail(err, len, "domain `%s': byte 0x%02x (`%c') is not a letter, "
				    "digit or hyphen", in, c, c >= 0x20 && c < 0x7f ? c : '?');
		}
		buf[i] = (char)c;
	}
	buf[n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';	/* the root's dot */
	if (buf[0] == '*')
		skip = 2;
	if (n <= skip)
		return fail(err, len, "domain `%s': a wildcard needs a domain after `*.'", in);
	if (labels_check(in, buf + skip, n - skip, err, len))
		return -1;
	memcpy(out, buf, n + 1);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates of the list v (*n strings). */
static void list_sort(char **v, size_t *n)
{
	size_t i, j;

	qsort(v, *n, sizeof(*v), cmp_str);
	for (i = 0, j = 0; i < *n; i++) {
		if (j && !strcmp(v[j - 1], v[i]))
			free(v[i]);
		else
			v[j++] = v[i];
	}
	*n = j;
}

void decrypt_policy_sort(struct decrypt_policy *p)
{
	if (!p->sorted)
		list_sort(p->domains, &p->n);
	p->sorted = true;
	if (!p->over_sorted)
		list_sort(p->overrides, &p->nover);
	p->over_sorted = true;
}

static ssize_t list_find(char *const *v, size_t n, const char *d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid], d);

		if (!c)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static ssize_t find(const struct decrypt_policy *p, const char *d)
{
	return list_find(p->domains, p->n, d);
}

/* Append a copy of s to *v (*n entries). */
static int list_append(char ***v, size_t *n, const char *s)
{
	char *copy = strdup(s), **nv;

	if (!copy)
		return -1;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = copy;
	return 0;
}

static void list_remove(char **v, size_t *n, size_t i)
{
	free(v[i]);
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
	(*n)--;
}

static void list_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

int decrypt_policy_add(struct decrypt_policy *p, const char *domain, char *err, size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1], **v, *copy;

	if (decrypt_domain_normalize(domain, d, err, len))
		return -1;
	decrypt_policy_sort(p);
	if (find(p, d) >= 0)
		return 0;
	if (p->n >= DECRYPT_DOMAINS_MAX)
		return fail(err, len, "domain `%s': more than %d domains in decryption policy `%s'",
			    domain, DECRYPT_DOMAINS_MAX, p->name);
	copy = strdup(d);
	v = realloc(p->domains, (p->n + 1) * sizeof(*v));
	if (!copy || !v) {
		free(copy);
		if (v)
			p->domains = v;
		return fail(err, len, "domain `%s': out of memory", domain);
	}
	p->domains = v;
	p->domains[p->n++] = copy;
	p->sorted = false;
	return 0;
}

int decrypt_policy_del(struct decrypt_policy *p, const char *domain, char *err, size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1];
	ssize_t i;

	if (decrypt_domain_normalize(domain, d, err, len))
		return -1;
	decrypt_policy_sort(p);
	i = find(p, d);
	if (i < 0)
		return fail(err, len, "domain `%s': not in decryption policy `%s'", domain, p->name);
	free(p->domains[i]);
	memmove(&p->domains[i], &p->domains[i + 1], (p->n - (size_t)i - 1) * sizeof(*p->domains));
	p->n--;
	return 0;
}

void decrypt_policy_free(struct decrypt_policy *p)
{
	list_free(&p->domains, &p->n);
	list_free(&p->categories, &p->ncat);
	list_free(&p->overrides, &p->nover);
	p->sorted = p->over_sorted = false;
}

/* The entry of the sorted list v that name matches (itself, or "*.PARENT"). */
static const char *list_match(char *const *v, size_t n, const char *name)
{
	char d[DECRYPT_DOMAIN_MAX + 3], e[8];
	const char *dot;
	ssize_t i;

	if (!n || *name == '*' || decrypt_domain_normalize(name, d + 1, e, sizeof(e)))
		return NULL;
	i = list_find(v, n, d + 1);
	if (i >= 0)
		return v[i];
	/* "*.company.com" for every parent: d[0] is free for the '*'. */
	for (dot = strchr(d + 1, '.'); dot; dot = strchr(dot + 1, '.')) {
		char *w = (char *)dot - 1;
		char save = *w;

		*w = '*';
		i = list_find(v, n, w);
		*w = save;
		if (i >= 0)
			return v[i];
	}
	return NULL;
}

const char *decrypt_policy_match(const struct decrypt_policy *p, const char *name)
{
	return list_match(p->domains, p->n, name);
}

const char *decrypt_policy_match_override(const struct decrypt_policy *p, const char *name)
{
	return list_match(p->overrides, p->nover, name);
}

int decrypt_policy_add_category(struct decrypt_policy *p, const char *category, char *err,
				size_t len)
{
	char c[CATEGORY_NAME_MAX + 1];
	size_t i;

	if (category_name_normalize(category, c, err, len))
		return -1;
	for (i = 0; i < p->ncat; i++)
		if (!strcmp(p->categories[i], c))
			return 0;
	if (p->ncat >= DECRYPT_CATEGORIES_MAX)
		return fail(err, len, "category `%s': more than %d categories in decryption policy "
			    "`%s'", c, DECRYPT_CATEGORIES_MAX, p->name);
	if (list_append(&p->categories, &p->ncat, c))
		return fail(err, len, "category `%s': out of memory", c);
	qsort(p->categories, p->ncat, sizeof(*p->categories), cmp_str);
	return 0;
}

int decrypt_policy_del_category(struct decrypt_policy *p, const char *category, char *err,
				size_t len)
{
	char c[CATEGORY_NAME_MAX + 1];
	ssize_t i;

	if (category_name_normalize(category, c, err, len))
		return -1;
	i = list_find(p->categories, p->ncat, c);
	if (i < 0)
		return fail(err, len, "category `%s': not in decryption policy `%s'", c, p->name);
	list_remove(p->categories, &p->ncat, (size_t)i);
	return 0;
}

int decrypt_policy_add_override(struct decrypt_policy *p, const char *domain, char *err,
				size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1];

	if (decrypt_domain_normalize(domain, d, err, len))
		return -1;
	decrypt_policy_sort(p);
	if (list_find(p->overrides, p->nover, d) >= 0)
		return 0;
	if (p->nover >= DECRYPT_DOMAINS_MAX)
		return fail(err, len, "override `%s': more than %d overrides in decryption policy "
			    "`%s'", domain, DECRYPT_DOMAINS_MAX, p->name);
	if (list_append(&p->overrides, &p->nover, d))
		return fail(err, len, "override `%s': out of memory", domain);
	p->over_sorted = false;
	return 0;
}

int decrypt_policy_del_override(struct decrypt_policy *p, const char *domain, char *err,
				size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1];
	ssize_t i;

	if (decrypt_domain_normalize(domain, d, err, len))
		return -1;
	decrypt_policy_sort(p);
	i = list_find(p->overrides, p->nover, d);
	if (i < 0)
		return fail(err, len, "override `%s': not in decryption policy `%s'", domain,
			    p->name);
	list_remove(p->overrides, &p->nover, (size_t)i);
	return 0;
}

int decrypt_policy_check_categories(const struct decrypt_policy *p, const struct category_db *db,
				    char *err, size_t len)
{
	size_t i;

	for (i = 0; i < p->ncat; i++) {
		if (!db)
			return fail(err, len, "category `%s': no category database loaded (tlsictl "
				    "category load)", p->categories[i]);
		if (category_db_find(db, p->categories[i]) < 0)
			return fail(err, len, "category `%s': not in the category database "
				    "(tlsictl category show lists them)", p->categories[i]);
	}
	return 0;
}

void decrypt_policy_decide(const struct decrypt_policy *p, const struct category_db *db,
			   const char *name, struct decrypt_decision *d)
{
	const char *m, *listed, *over;
	size_t first, count, i, k;

	memset(d, 0, sizeof(*d));
	m = decrypt_policy_match(p, name);
	if (m) {
		d->verdict = DECRYPT_NO_DOMAIN;
		d->domain = m;
		return;
	}
	if (!p->ncat || !db)
		return;
	listed = category_db_lookup(db, name, &first, &count);
	if (!listed)
		return;
	for (i = first; i < first + count; i++) {
		const char *cat = db->names[db->ent[i].category];

		for (k = 0; k < p->ncat; k++) {
			if (strcmp(p->categories[k], cat))
				continue;
			over = decrypt_policy_match_override(p, name);
			if (over) {
				d->verdict = DECRYPT_YES_OVERRIDE;
				d->domain = over;
			} else {
				d->verdict = DECRYPT_NO_CATEGORY;
				d->domain = listed;
			}
			d->category = cat;
			return;
		}
	}
}

void decrypt_policy_decide_names(const struct decrypt_policy *p, const struct category_db *db,
				 char *const *names, size_t n, struct decrypt_decision *d)
{
	struct decrypt_decision one, over = { .verdict = DECRYPT_YES };
	size_t i;

	for (i = 0; i < n; i++) {
		const char *name = names[i];

		if (name[0] == '*' && name[1] == '.')
			name += 2;
		decrypt_policy_decide(p, db, name, &one);
		if (one.verdict == DECRYPT_NO_DOMAIN || one.verdict == DECRYPT_NO_CATEGORY) {
			*d = one;
			return;
		}
		if (one.verdict == DECRYPT_YES_OVERRIDE && over.verdict == DECRYPT_YES)
			over = one;
	}
	*d = over;
}

/* Strip a line's comment, its end of line and surrounding blanks. */
static char *trim(char *s)
{
	char *e, *hash = strchr(s, '#');

	if (hash)
		*hash = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line into buf; -1 with err for a line too long or a NUL byte. */
static int read_line(FILE *f, char *buf, size_t size, const char *what, unsigned long line,
		     char *err, size_t len, bool *eof)
{
	size_t n;

	*eof = false;
	if (!fgets(buf, (int)size, f)) {
		if (ferror(f))
			return fail(err, len, "%s: read error", what);
		*eof = true;
		return 0;
	}
	n = strlen(buf);
	if (n == size - 1 && buf[n - 1] != '\n' && !feof(f))
		return fail(err, len, "%s:%lu: line longer than %zu bytes", what, line, size - 2);
	return 0;
}

int decrypt_list_read(FILE *f, const char *what, struct decrypt_policy *p, char *err,
		      size_t len)
{
	char buf[DECRYPT_LINE_MAX + 2], e[DECRYPT_ERR_MAX];
	unsigned long line = 0;
	bool eof;

	for (;;) {
		char *s;

		line++;
		if (read_line(f, buf, sizeof(buf), what, line, err, len, &eof))
			return -1;
		if (eof)
			break;
		s = trim(buf);
		if (!*s)
			continue;
		if (strpbrk(s, " \t"))
			return fail(err, len, "%s:%lu: `%s': one domain a line", what, line, s);
		if (decrypt_policy_add(p, s, e, sizeof(e)))
			return fail(err, len, "%s:%lu: %s", what, line, e);
	}
	decrypt_policy_sort(p);
	return 0;
}

int decrypt_list_write(FILE *f, const struct decrypt_policy *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (fprintf(f, "%s\n", p->domains[i]) < 0)
			return -1;
	return 0;
}

static int policy_path(char *buf, size_t size, const char *dir, const char *name, char *err,
		       size_t len)
{
	if (decrypt_name_check(name, err, len))
		return -1;
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		return fail(err, len, "decryption policy directory `%s': path too long", dir);
	return 0;
}

int decrypt_policy_load(const char *dir, const char *name, struct decrypt_policy *p,
			char *err, size_t len)
{
	char path[4096], buf[DECRYPT_LINE_MAX + 2], raw[DECRYPT_LINE_MAX + 2];
	char e[DECRYPT_ERR_MAX];
	unsigned long line = 0;
	FILE *f;
	bool eof;

	memset(p, 0, sizeof(*p));
	if (policy_path(path, sizeof(path), dir, name, err, len))
		return -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return fail(err, len, "decryption policy `%s': no such policy (in %s)", name, dir);
		return fail(err, len, "decryption policy `%s': %s: %s", name, path, strerror(errno));
	}
	for (;;) {
		char *s;

		line++;
		if (read_line(f, buf, sizeof(buf), path, line, err, len, &eof))
			goto bad;
		if (eof)
			break;
		memcpy(raw, buf, sizeof(raw));
		s = trim(buf);
		if (!*s)
			continue;
		if (!strncmp(s, "domain ", 7)) {
			if (decrypt_policy_add(p, trim(s + 7), e, sizeof(e))) {
				fail(err, len, "%s:%lu: %s", path, line, e);
				goto bad;
			}
		} else if (!strncmp(s, "category ", 9)) {
			if (decrypt_policy_add_category(p, trim(s + 9), e, sizeof(e))) {
				fail(err, len, "%s:%lu: %s", path, line, e);
				goto bad;
			}
		} else if (!strncmp(s, "override ", 9)) {
			if (decrypt_policy_add_override(p, trim(s + 9), e, sizeof(e))) {
				fail(err, len, "%s:%lu: %s", path, line, e);
				goto bad;
			}
		} else if (!strcmp(s, "decide-by cert") || !strcmp(s, "decide-by sni")) {
			p->by_cert = !strcmp(s, "decide-by cert");
		} else if (!strncmp(s, "description ", 12)) {
			/* Not comment-stripped: the rest of the raw line. */
			char *d = strstr(raw, "description ") + 12;

			d[strcspn(d, "\r\n")] = '\0';
			if (decrypt_desc_check(d, e, sizeof(e))) {
				fail(err, len, "%s:%lu: %s", path, line, e);
				goto bad;
			}
			snprintf(p->description, sizeof(p->description), "%s", d);
		} else {
			fail(err, len, "%s:%lu: unknown line `%.40s'", path, line, s);
			goto bad;
		}
	}
	fclose(f);
	decrypt_policy_sort(p);
	return 0;
bad:
	fclose(f);
	decrypt_policy_free(p);
	return -1;
}

int decrypt_policy_store(const char *dir, const struct decrypt_policy *p, char *err,
			 size_t len)
{
	char path[4096], tmp[4200];
	FILE *f;
	int fd;
	size_t i;

	if (policy_path(path, sizeof(path), dir, p->name, err, len) ||
	    decrypt_desc_check(p->description, err, len))
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fail(err, len, "decryption policy directory `%s': %s", dir, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, p->name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(err, len, "decryption policy `%s': %s: %s", p->name, tmp, strerror(errno));
	fchmod(fd, 0644);	/* whatever the umask: tlsid reads it as its own user */
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return fail(err, len, "decryption policy `%s': %s", p->name, strerror(errno));
	}
	fprintf(f, "# tlsi decryption policy `%s' (written by tlsictl)\n", p->name);
	if (p->description[0])
		fprintf(f, "description %s\n", p->description);
	for (i = 0; i < p->n; i++)
		fprintf(f, "domain %s\n", p->domains[i]);
	for (i = 0; i < p->ncat; i++)
		fprintf(f, "category %s\n", p->categories[i]);
	for (i = 0; i < p->nover; i++)
		fprintf(f, "override %s\n", p->overrides[i]);
	if (p->by_cert)
		fprintf(f, "decide-by cert\n");
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		fclose(f);
		unlink(tmp);
		return fail(err, len, "decryption policy `%s': writing %s: %s", p->name, tmp,
			    strerror(errno));
	}
	if (fclose(f) || rename(tmp, path) < 0) {
		unlink(tmp);
		return fail(err, len, "decryption policy `%s': %s: %s", p->name, path, strerror(errno));
	}
	return 0;
}

int decrypt_policy_remove(const char *dir, const char *name, char *err, size_t len)
{
	char path[4096];

	if (policy_path(path, sizeof(path), dir, name, err, len))
		return -1;
	if (unlink(path) < 0)
		return fail(err, len, "decryption policy `%s': %s", name,
			    errno == ENOENT ? "no such policy" : strerror(errno));
	return 0;
}

bool decrypt_policy_exists(const char *dir, const char *name)
{
	char path[4096], e[DECRYPT_ERR_MAX];
	struct stat st;

	return !policy_path(path, sizeof(path), dir, name, e, sizeof(e)) &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int decrypt_policy_names(const char *dir, char ***names, size_t *n, char *err, size_t len)
{
	char e[DECRYPT_ERR_MAX], **v = NULL, **nv;
	struct dirent *de;
	DIR *d = opendir(dir);

	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return fail(err, len, "decryption policy directory `%s': %s", dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || decrypt_name_check(de->d_name, e, sizeof(e)))
			continue;	/* temporary files, strangers */
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv || !(nv[*n] = strdup(de->d_name))) {
			if (nv)
				v = nv;
			closedir(d);
			while (*n)
				free(v[--*n]);
			free(v);
			return fail(err, len, "decryption policies: out of memory");
		}
		v = nv;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*names = v;
	return 0;
}

/* ---- the pinned-application cache ----------------------------------- */

const char *pinned_file(void)
{
	const char *f = getenv("TLSI_PINNED_CACHE");

	return f && *f ? f : PINNED_DEFAULT_FILE;
}

ssize_t pinned_find(const struct pinned_entry *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return (ssize_t)i;
	return -1;
}

int pinned_put(struct pinned_entry **v, size_t *n, size_t max, const char *name,
	       long long expires, char *err, size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1];
	struct pinned_entry *nv;
	ssize_t i;
	size_t k, soonest;

	if (*name == '*')
		return fail(err, len, "name `%s': a server name, not a wildcard", name);
	if (decrypt_domain_normalize(name, d, err, len))
		return -1;
	i = pinned_find(*v, *n, d);
	if (i >= 0) {
		(*v)[i].expires = expires;
		return 0;
	}
	if (max && *n >= max) {
		for (soonest = 0, k = 1; k < *n; k++)
			if ((*v)[k].expires < (*v)[soonest].expires)
				soonest = k;
		(*v)[soonest] = (*v)[--*n];
	}
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return fail(err, len, "name `%s': out of memory", name);
	*v = nv;
	memcpy(nv[*n].name, d, sizeof(d));
	nv[*n].expires = expires;
	(*n)++;
	return 0;
}

int pinned_read(int fd, long long now, size_t max, struct pinned_entry **v, size_t *n,
		char *err, size_t len)
{
	char buf[DECRYPT_LINE_MAX + 2], e[DECRYPT_ERR_MAX];
	unsigned long line = 0;
	int fd2 = dup(fd);
	FILE *f;
	bool eof;

	*v = NULL;
	*n = 0;
	if (fd2 < 0 || lseek(fd2, 0, SEEK_SET) < 0 || !(f = fdopen(fd2, "r"))) {
		if (fd2 >= 0)
			close(fd2);
		return fail(err, len, "pinned-application cache: %s", strerror(errno));
	}
	for (;;) {
		char name[DECRYPT_LINE_MAX + 2], *s;
		long long exp;
		int used = 0;

		line++;
		if (read_line(f, buf, sizeof(buf), "pinned-application cache", line, err, len, &eof))
			goto bad;
		if (eof)
			break;
		s = trim(buf);
		if (!*s)
			continue;
		if (sscanf(s, "%1024s %lld%n", name, &exp, &used) != 2 || s[used]) {
			fail(err, len, "pinned-application cache:%lu: `%.60s': not NAME EXPIRES", line, s);
			goto bad;
		}
		if (exp <= now)
			continue;
		if (pinned_put(v, n, max, name, exp, e, sizeof(e))) {
			fail(err, len, "pinned-application cache:%lu: %s", line, e);
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

int pinned_write(int fd, const struct pinned_entry *v, size_t n, char *err, size_t len)
{
	static const char head[] =
		"# tlsi pinned-application cache: NAME EXPIRES (seconds since the epoch)\n";
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	size_t i, off = 0;

	if (!m)
		return fail(err, len, "pinned-application cache: out of memory");
	fputs(head, m);
	for (i = 0; i < n; i++)
		fprintf(m, "%s %lld\n", v[i].name, v[i].expires);
	if (fclose(m)) {
		free(buf);
		return fail(err, len, "pinned-application cache: out of memory");
	}
	if (ftruncate(fd, 0) < 0)
		goto io;
	while (off < size) {
		ssize_t w = pwrite(fd, buf + off, size - off, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto io;
		}
		off += (size_t)w;
	}
	free(buf);
	return 0;
io:
	free(buf);
	return fail(err, len, "pinned-application cache: writing: %s", strerror(errno));
}
