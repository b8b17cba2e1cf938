/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The category database: which category a domain belongs to (finance,
 * health, ...), for the do-not-decrypt categories of decryption policies
 * (decrypt.h). The user loads it from a file or a directory
 * (`tlsictl category load'):
 *
 *   - a file of `DOMAIN CATEGORY' lines (blanks between, `#' comments);
 *   - a directory in the layout of the UT1 / squidGuard blacklists:
 *     DIR/CATEGORY/domains, one domain a line (other files, such as
 *     `urls' and `usage', are not read).
 *
 * A domain covers its subdomains: the lookup of a.b.bank.example walks
 * a.b.bank.example, b.bank.example, bank.example, example and stops at the
 * first name listed; the categories of that name are the answer (the most
 * specific entry wins, as squidGuard's domain lists do). A domain may be in
 * several categories; the same domain and category twice is one entry
 * (counted as a duplicate, not an error). A line that is not valid refuses
 * the whole load (FILE:LINE named), unless the builder skips invalid lines
 * (`tlsictl category load ... skip-invalid', for published lists that hold
 * a few names outside the rules): then they are counted. Domains follow decrypt.h's rules,
 * without wildcards (every entry already covers its subdomains).
 * Categories: 1..64 letters (kept in lower case), digits, `_' and `-'.
 *
 * tlsictl compiles what it read into one file, DIR/categories.db next to
 * the decryption policies (DIR: decrypt_dir()), written atomically (a
 * temporary name, fsync, rename): a refused load leaves the old database.
 * tlsid maps it read-only and maps it again when it changes. The file
 * holds a header, the category names and their entry counts, the entries
 * (8 bytes each: the offset of the domain in the string area and the
 * category) sorted by domain, then the domains, NUL-terminated: a lookup
 * is a binary search per parent name, loading costs no parsing, and the
 * memory is the file's pages (shared with the page cache).
 *
 * Limits (checked when building and again when opening a file):
 * CATEGORY_ENTRIES_MAX entries (16 Mi: the UT1 lists hold about 5 Mi),
 * CATEGORY_STRINGS_MAX bytes of domain names (256 MiB), CATEGORY_MAX
 * categories: a full database is at most about 400 MB on disk, and
 * building one needs about the same in memory.
 */
#ifndef TLSI_CATEGORY_H
#define TLSI_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define CATEGORY_DB_FILE	"categories.db"	/* in decrypt_dir() */
#define CATEGORY_NAME_MAX	64
#define CATEGORY_MAX		1024
#define CATEGORY_ENTRIES_MAX	(16u << 20)
#define CATEGORY_STRINGS_MAX	(256u << 20)
#define CATEGORY_SOURCE_MAX	255

struct category_entry {
	uint32_t name;		/* offset of the domain in the string area */
	uint16_t category;	/* index into the category names */
	uint16_t reserved;
};

/* ---- building (tlsictl) ----------------------------------------------- */

struct category_builder {
	char (*names)[CATEGORY_NAME_MAX + 1];	/* categories, in order of appearance */
	size_t ncat;
	struct category_entry *ent;
	size_t n, cap;
	char *strings;
	size_t slen, scap;
	size_t duplicates;	/* after category_builder_finish() */
	uint32_t *counts;	/* entries per category, ditto */
	size_t last;		/* the category of the previous line (a cache) */
	bool skip_invalid;	/* a bad line is skipped and counted, not fatal */
	size_t skipped;
	char first_skipped[512];	/* the first one's message (FILE:LINE: ...) */
};

/* A category name: checked and lower-cased into out (CATEGORY_NAME_MAX + 1). */
int category_name_normalize(const char *in, char *out, char *err, size_t len);

/* One entry; err names the domain or the category. -1 for a bad domain or
 * category, -2 for a limit reached or no memory. */
int category_builder_add(struct category_builder *b, const char *domain,
			 const char *category, char *err, size_t len);
/* `DOMAIN CATEGORY' lines; what names the source ("FILE:LINE: ..."). */
int category_read_lines(struct category_builder *b, FILE *f, const char *what, char *err,
			size_t len);
/* A UT1 `domains' file: one domain a line, all in category. */
int category_read_domains(struct category_builder *b, FILE *f, const char *what,
			  const char *category, char *err, size_t len);
/* A file of lines, or a directory of CATEGORY/domains files. */
int category_read_path(struct category_builder *b, const char *path, char *err, size_t len);
/* Sort, drop duplicates, count per category. */
void category_builder_finish(struct category_builder *b);
/* Write the finished database to path atomically (mode 0644). */
int category_db_write(const struct category_builder *b, const char *path, const char *source,
		      time_t loaded, char *err, size_t len);
void category_builder_free(struct category_builder *b);

/* ---- reading (tlsid, tlsictl) ----------------------------------------- */

struct category_db {
	void *map;
	size_t size;
	size_t ncat, n;
	int64_t loaded;			/* time() of the load */
	uint32_t duplicates;
	uint32_t skipped;		/* bad lines skipped (skip-invalid) */
	bool skip_invalid;		/* loaded with skip-invalid */
	const char *source;		/* what was loaded (a path) */
	const char (*names)[CATEGORY_NAME_MAX + 1];
	const uint32_t *counts;
	const struct category_entry *ent;
	const char *strings;
	size_t slen;
};

/* $TLSI_DECRYPT_DIR/categories.db (or the default directory's). */
const char *category_db_path(char *buf, size_t size, const char *dir);
/* Map and check path (every offset and index in bounds); 0, or -1 with err
 * (errno ENOENT kept when there is no file). */
int category_db_open(const char *path, struct category_db *db, char *err, size_t len);
void category_db_close(struct category_db *db);
/* The index of category (any case), or -1. */
int category_db_find(const struct category_db *db, const char *category);

/* The listed domain that name (or its nearest listed parent) is, or NULL;
 * *first and *count: its entries in db->ent (one per category). */
const char *category_db_lookup(const struct category_db *db, const char *name, size_t *first,
			       size_t *count);

#endif /* TLSI_CATEGORY_H */
