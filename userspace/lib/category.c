// SPDX-License-Identifier: GPL-2.0
/*
 * The category database (category.h): reading the category files the user
 * loads, the compiled file tlsid maps, and the parent-walking lookup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "category.h"
#include "decrypt.h"

#define MAGIC		"TLSICAT1"
#define LINE_MAX_BYTES	1024
#define HDR_F_SKIP_INVALID	1u

/* On disk, in the host's byte order (tlsictl and tlsid share the host). */
struct cat_hdr {
	char magic[8];
	uint32_t ncat, n, slen, duplicates, skipped, flags;
	int64_t loaded;
	char source[CATEGORY_SOURCE_MAX + 1];
};

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Offsets of the sections in a file of ncat categories and n entries. */
struct layout {
	size_t names, counts, ent, strings, total;
};

static void layout(size_t ncat, size_t n, size_t slen, struct layout *l)
{
	l->names = align8(sizeof(struct cat_hdr));
	l->counts = align8(l->names + ncat * (CATEGORY_NAME_MAX + 1));
	l->ent = align8(l->counts + ncat * sizeof(uint32_t));
	l->strings = l->ent + n * sizeof(struct category_entry);
	l->total = l->strings + slen;
}

int category_name_normalize(const char *in, char *out, char *err, size_t len)
{
	size_t i, n = strlen(in);

	if (!n)
		return fail(err, len, "category: empty");
	if (n > CATEGORY_NAME_MAX)
		return fail(err, len, "category `%.40s...': longer than %d bytes", in,
			    CATEGORY_NAME_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '-')
			return fail(err, len, "category `%s': byte 0x%02x is not a letter, digit, "
				    "`_' or `-'", in, c);
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* ---- building ---------------------------------------------------------- */

static int intern_category(struct category_builder *b, const char *category, char *err,
			   size_t len)
{
	char c[CATEGORY_NAME_MAX + 1];
	size_t i;

	if (b->ncat && !strcmp(b->names[b->last], category))
		return (int)b->last;
	if (category_name_normalize(category, c, err, len))
		return -1;
	for (i = 0; i < b->ncat; i++)
		if (!strcmp(b->names[i], c))
			return (int)(b->last = i);
	if (b->ncat >= CATEGORY_MAX)
		return fail(err, len, "category `%s': more than %d categories", c, CATEGORY_MAX) - 1;
	if (!(b->ncat & 15)) {
		void *nv = realloc(b->names, (b->ncat + 16) * sizeof(*b->names));

		if (!nv)
			return fail(err, len, "category `%s': out of memory", c) - 1;
		b->names = nv;
	}
	memcpy(b->names[b->ncat], c, sizeof(c));
	b->last = b->ncat++;
	return (int)b->last;
}

int category_builder_add(struct category_builder *b, const char *domain,
			 const char *category, char *err, size_t len)
{
	char d[DECRYPT_DOMAIN_MAX + 1];
	size_t dl;
	int cat;

	if (domain[0] == '*')
		return fail(err, len, "domain `%s': no wildcards in a category list (an entry "
			    "covers its subdomains: write `%s')", domain,
			    domain[1] == '.' ? domain + 2 : "DOMAIN");
	if (decrypt_domain_normalize(domain, d, err, len))
		return -1;
	cat = intern_category(b, category, err, len);
	if (cat < 0)
		return cat;
	dl = strlen(d) + 1;
	if (b->n >= CATEGORY_ENTRIES_MAX)
		return fail(err, len, "domain `%s': more than %u entries in the category database",
			    d, CATEGORY_ENTRIES_MAX) - 1;
	if (b->slen + dl > CATEGORY_STRINGS_MAX)
		return fail(err, len, "domain `%s': more than %u MiB of names in the category "
			    "database", d, CATEGORY_STRINGS_MAX >> 20) - 1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		void *nv = realloc(b->ent, cap * sizeof(*b->ent));

		if (!nv)
			return fail(err, len, "domain `%s': out of memory", d) - 1;
		b->ent = nv;
		b->cap = cap;
	}
	if (b->slen + dl > b->scap) {
		size_t cap = b->scap ? b->scap * 2 : 65536;
		void *nv;

		while (cap < b->slen + dl)
			cap *= 2;
		nv = realloc(b->strings, cap);
		if (!nv)
			return fail(err, len, "domain `%s': out of memory", d) - 1;
		b->strings = nv;
		b->scap = cap;
	}
	memcpy(b->strings + b->slen, d, dl);
	b->ent[b->n].name = (uint32_t)b->slen;
	b->ent[b->n].category = (uint16_t)cat;
	b->ent[b->n].reserved = 0;
	b->n++;
	b->slen += dl;
	return 0;
}

/* Strip a comment, the end of line and surrounding blanks. */
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

/* The next line into buf (trimmed into *s); 1 at the end, -1 with err. */
static int next_line(FILE *f, char *buf, size_t size, const char *what, unsigned long line,
		     char **s, char *err, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)size, f)) {
		if (ferror(f))
			return fail(err, len, "%s: read error", what);
		return 1;
	}
	n = strlen(buf);
	if (n == size - 1 && buf[n - 1] != '\n' && !feof(f))
		return fail(err, len, "%s:%lu: line longer than %zu bytes", what, line, size - 2);
	*s = trim(buf);
	return 0;
}

/* A bad line: fatal (-1, err as given), or skipped and counted (0). */
static int bad_line(struct category_builder *b, char *err, size_t len)
{
	if (!b->skip_invalid)
		return -1;
	if (!b->skipped++)
		snprintf(b->first_skipped, sizeof(b->first_skipped), "%s", err);
	(void)len;
	return 0;
}

int category_read_lines(struct category_builder *b, FILE *f, const char *what, char *err,
			size_t len)
{
	char buf[LINE_MAX_BYTES + 2], e[DECRYPT_ERR_MAX];
	unsigned long line = 0;

	for (;;) {
		char *s, *sp, *cat;
		int rc;

		line++;
		rc = next_line(f, buf, sizeof(buf), what, line, &s, err, len);
		if (rc < 0)
			return -1;
		if (rc)
			return 0;
		if (!*s)
			continue;
		sp = strpbrk(s, " \t");
		if (!sp) {
			fail(err, len, "%s:%lu: `%.60s': not DOMAIN CATEGORY", what, line, s);
			if (bad_line(b, err, len))
				return -1;
			continue;
		}
		*sp = '\0';
		cat = sp + 1 + strspn(sp + 1, " \t");
		if (strpbrk(cat, " \t")) {
			fail(err, len, "%s:%lu: `%.60s %.60s': not DOMAIN CATEGORY (one category a "
			     "line)", what, line, s, cat);
			if (bad_line(b, err, len))
				return -1;
			continue;
		}
		rc = category_builder_add(b, s, cat, e, sizeof(e));
		if (rc) {
			fail(err, len, "%s:%lu: %s", what, line, e);
			/* A limit or no memory (-2) is no bad line: it stays fatal. */
			if (rc < -1 || bad_line(b, err, len))
				return -1;
		}
	}
}

int category_read_domains(struct category_builder *b, FILE *f, const char *what,
			  const char *category, char *err, size_t len)
{
	char buf[LINE_MAX_BYTES + 2], e[DECRYPT_ERR_MAX];
	unsigned long line = 0;

	for (;;) {
		char *s;
		int rc;

		line++;
		rc = next_line(f, buf, sizeof(buf), what, line, &s, err, len);
		if (rc < 0)
			return -1;
		if (rc)
			return 0;
		if (!*s)
			continue;
		if (strpbrk(s, " \t")) {
			fail(err, len, "%s:%lu: `%.60s': one domain a line", what, line, s);
			if (bad_line(b, err, len))
				return -1;
			continue;
		}
		rc = category_builder_add(b, s, category, e, sizeof(e));
		if (rc) {
			fail(err, len, "%s:%lu: %s", what, line, e);
			if (rc < -1 || bad_line(b, err, len))
				return -1;
		}
	}
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/CATEGORY/domains for every CATEGORY, in name order. */
static int read_dir(struct category_builder *b, const char *path, char *err, size_t len)
{
	char **names = NULL, file[4096], e[DECRYPT_ERR_MAX];
	size_t n = 0, i, found = 0;
	struct dirent *de;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d)
		return fail(err, len, "%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.')
			continue;
		nv = realloc(names, (n + 1) * sizeof(*names));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			if (nv)
				names = nv;
			rc = fail(err, len, "%s: out of memory", path);
			goto out;
		}
		names = nv;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n && !rc; i++) {
		struct stat st;
		FILE *f;

		if ((size_t)snprintf(file, sizeof(file), "%s/%s/domains", path, names[i]) >=
		    sizeof(file)) {
			rc = fail(err, len, "%s/%s: path too long", path, names[i]);
			break;
		}
		if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
			continue;	/* README, a category with only `urls' */
		if (category_name_normalize(names[i], e, e, sizeof(e))) {
			rc = fail(err, len, "%s: the directory name is the category: %s", file, e);
			break;
		}
		f = fopen(file, "re");
		if (!f) {
			rc = fail(err, len, "%s: %s", file, strerror(errno));
			break;
		}
		rc = category_read_domains(b, f, file, names[i], err, len);
		fclose(f);
		found++;
	}
	if (!rc && !found)
		rc = fail(err, len, "%s: no CATEGORY/domains file in it (the UT1 / squidGuard "
			  "layout), nor is it a file of DOMAIN CATEGORY lines", path);
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int category_read_path(struct category_builder *b, const char *path, char *err, size_t len)
{
	struct stat st;
	FILE *f;
	int rc;

	if (stat(path, &st) < 0)
		return fail(err, len, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return read_dir(b, path, err, len);
	f = fopen(path, "re");
	if (!f)
		return fail(err, len, "%s: %s", path, strerror(errno));
	rc = category_read_lines(b, f, path, err, len);
	fclose(f);
	return rc;
}

static int cmp_entry(const void *a, const void *b, void *arg)
{
	const struct category_entry *x = a, *y = b;
	const char *s = arg;
	int c = strcmp(s + x->name, s + y->name);

	if (c)
		return c;
	return (int)x->category - (int)y->category;
}

void category_builder_finish(struct category_builder *b)
{
	size_t i, j;

	free(b->counts);
	b->counts = calloc(b->ncat ? b->ncat : 1, sizeof(*b->counts));
	if (b->n)
		qsort_r(b->ent, b->n, sizeof(*b->ent), cmp_entry, b->strings);
	b->duplicates = 0;
	for (i = 0, j = 0; i < b->n; i++) {
		if (j && !cmp_entry(&b->ent[j - 1], &b->ent[i], b->strings)) {
			b->duplicates++;
			continue;
		}
		b->ent[j++] = b->ent[i];
		if (b->counts)
			b->counts[b->ent[i].category]++;
	}
	b->n = j;
}

void category_builder_free(struct category_builder *b)
{
	free(b->names);
	free(b->ent);
	free(b->strings);
	free(b->counts);
	memset(b, 0, sizeof(*b));
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pad_to(int fd, size_t *at, size_t to)
{
	static const char zero[8];

	if (to > *at && write_all(fd, zero, to - *at))
		return -1;
	*at = to;
	return 0;
}

int category_db_write(const struct category_builder *b, const char *path, const char *source,
		      time_t loaded, char *err, size_t len)
{
	char tmp[4200];
	struct cat_hdr h;
	struct layout l;
	size_t at = 0, i;
	int fd;

	if (!b->counts)
		return fail(err, len, "category database: out of memory");
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	h.ncat = (uint32_t)b->ncat;
	h.n = (uint32_t)b->n;
	h.slen = (uint32_t)b->slen;
	h.duplicates = (uint32_t)b->duplicates;
	h.skipped = (uint32_t)b->skipped;
	h.flags = b->skip_invalid ? HDR_F_SKIP_INVALID : 0;
	h.loaded = (int64_t)loaded;
	snprintf(h.source, sizeof(h.source), "%s", source);
	layout(b->ncat, b->n, b->slen, &l);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return fail(err, len, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(err, len, "category database: %s: %s", tmp, strerror(errno));
	fchmod(fd, 0644);	/* tlsid reads it as its own user */
	if (write_all(fd, &h, sizeof(h)) || ((at = sizeof(h)), pad_to(fd, &at, l.names)))
		goto io;
	for (i = 0; i < b->ncat; i++)
		if (write_all(fd, b->names[i], CATEGORY_NAME_MAX + 1))
			goto io;
	at += b->ncat * (CATEGORY_NAME_MAX + 1);
	if (pad_to(fd, &at, l.counts) || write_all(fd, b->counts, b->ncat * sizeof(uint32_t)))
		goto io;
	at += b->ncat * sizeof(uint32_t);
	if (pad_to(fd, &at, l.ent) || write_all(fd, b->ent, b->n * sizeof(*b->ent)) ||
	    write_all(fd, b->strings, b->slen) || fsync(fd))
		goto io;
	if (close(fd) < 0) {
		fd = -1;
		goto io;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return fail(err, len, "category database: %s: %s", path, strerror(errno));
	}
	return 0;
io:
	fail(err, len, "category database: writing %s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* ---- reading ----------------------------------------------------------- */

const char *category_db_path(char *buf, size_t size, const char *dir)
{
	snprintf(buf, size, "%s/%s", dir ? dir : decrypt_dir(), CATEGORY_DB_FILE);
	return buf;
}

/* Every offset and index in bounds, names terminated, entries sorted. */
static int db_check(const struct category_db *db, const char *path, char *err, size_t len)
{
	size_t i;

	for (i = 0; i < db->ncat; i++)
		if (!memchr(db->names[i], '\0', CATEGORY_NAME_MAX + 1) || !db->names[i][0])
			return fail(err, len, "%s: damaged (category %zu)", path, i);
	if (db->slen && db->strings[db->slen - 1])
		return fail(err, len, "%s: damaged (names)", path);
	if (!db->slen && db->n)
		return fail(err, len, "%s: damaged (names)", path);
	for (i = 0; i < db->n; i++) {
		if (db->ent[i].name >= db->slen || db->ent[i].category >= db->ncat)
			return fail(err, len, "%s: damaged (entry %zu)", path, i);
		if (i && cmp_entry(&db->ent[i - 1], &db->ent[i], (void *)db->strings) >= 0)
			return fail(err, len, "%s: damaged (entry %zu out of order)", path, i);
	}
	return 0;
}

int category_db_open(const char *path, struct category_db *db, char *err, size_t len)
{
	const struct cat_hdr *h;
	struct layout l;
	struct stat st;
	void *map;
	int fd, e;

	memset(db, 0, sizeof(*db));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			fail(err, len, "no category database (tlsictl category load)");
		else
			fail(err, len, "category database %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	layout(CATEGORY_MAX, CATEGORY_ENTRIES_MAX, CATEGORY_STRINGS_MAX, &l);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(*h) || (size_t)st.st_size > l.total) {
		close(fd);
		errno = EINVAL;
		return fail(err, len, "category database %s: not a category database (size)", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	e = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = e;
		return fail(err, len, "category database %s: %s", path, strerror(e));
	}
	h = map;
	db->map = map;
	db->size = (size_t)st.st_size;
	if (memcmp(h->magic, MAGIC, 8) || h->ncat > CATEGORY_MAX || h->n > CATEGORY_ENTRIES_MAX ||
	    h->slen > CATEGORY_STRINGS_MAX || !memchr(h->source, '\0', sizeof(h->source)))
		goto bad;
	layout(h->ncat, h->n, h->slen, &l);
	if (l.total != db->size)
		goto bad;
	db->ncat = h->ncat;
	db->n = h->n;
	db->slen = h->slen;
	db->loaded = h->loaded;
	db->duplicates = h->duplicates;
	db->skipped = h->skipped;
	db->skip_invalid = h->flags & HDR_F_SKIP_INVALID;
	db->source = h->source;
	db->names = (const void *)((const char *)map + l.names);
	db->counts = (const void *)((const char *)map + l.counts);
	db->ent = (const void *)((const char *)map + l.ent);
	db->strings = (const char *)map + l.strings;
	if (db_check(db, path, err, len)) {
		category_db_close(db);
		errno = EINVAL;
		return -1;
	}
	return 0;
bad:
	category_db_close(db);
	errno = EINVAL;
	return fail(err, len, "category database %s: not a category database, or damaged", path);
}

void category_db_close(struct category_db *db)
{
	if (db->map)
		munmap(db->map, db->size);
	memset(db, 0, sizeof(*db));
}

int category_db_find(const struct category_db *db, const char *category)
{
	size_t i;

	for (i = 0; i < db->ncat; i++)
		if (!strcasecmp(db->names[i], category))
			return (int)i;
	return -1;
}

/* The first entry of name d, or -1. */
static ssize_t first_of(const struct category_db *db, const char *d)
{
	size_t lo = 0, hi = db->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(db->strings + db->ent[mid].name, d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < db->n && !strcmp(db->strings + db->ent[lo].name, d))
		return (ssize_t)lo;
	return -1;
}

const char *category_db_lookup(const struct category_db *db, const char *name, size_t *first,
			       size_t *count)
{
	char d[DECRYPT_DOMAIN_MAX + 1], e[8];
	const char *s;

	*first = *count = 0;
	if (!db || !db->n || *name == '*' || decrypt_domain_normalize(name, d, e, sizeof(e)))
		return NULL;
	for (s = d; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
		ssize_t i = first_of(db, s);

		if (i >= 0) {
			size_t j = (size_t)i;
			const char *hit = db->strings + db->ent[j].name;

			/* Entries of one name may have separate copies of it. */
			for (j = (size_t)i; j < db->n && !strcmp(db->strings + db->ent[j].name, hit);
			     j++)
				;
			*first = (size_t)i;
			*count = j - (size_t)i;
			return hit;
		}
	}
	return NULL;
}
