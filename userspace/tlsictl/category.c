// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl category: the category database that decryption policies' do-not-
 * decrypt categories refer to (userspace/lib/category.h). `load' compiles a
 * file or a UT1 / squidGuard directory into DIR/categories.db, which tlsid
 * maps and maps again when it changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "category.h"
#include "decrypt.h"
#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl category load FILE|DIR [skip-invalid]\n"
"       tlsictl [-j] category show\n"
"       tlsictl [-j] category lookup NAME...\n"
"       tlsictl category clear\n"
"\n"
"The category database says which category a domain is in (finance,\n"
"health, ...): decryption policies name categories not to decrypt\n"
"(`tlsictl decrypt-policy set P category finance'). It is compiled into\n"
"$TLSI_DECRYPT_DIR/" CATEGORY_DB_FILE " (default " DECRYPT_DEFAULT_DIR "), which\n"
"tlsid reads again when it changes.\n"
"\n"
"Commands:\n"
"  load    replace the database with FILE (`DOMAIN CATEGORY' lines, `#'\n"
"          comments) or DIR in the UT1 / squidGuard blacklist layout\n"
"          (DIR/CATEGORY/domains, one domain a line)\n"
"          skip-invalid: skip the lines that are not valid (counted, the\n"
"          first named) instead of refusing the file: for published lists\n"
"          with a few names outside the rules\n"
"  show    when it was loaded, from what, how many entries, per category\n"
"  lookup  the categories of NAME: of NAME itself or of its nearest\n"
"          listed parent domain (a.b.bank.example finds bank.example)\n"
"  clear   remove the database; refused while a decryption policy names a\n"
"          category\n"
"\n"
"A domain covers its subdomains; domains are host names (IDNA A-labels for\n"
"international names, no wildcards); categories are 1..64 letters,\n"
"digits, `_' and `-' (case-insensitive). A domain may be in several\n"
"categories; a repeated line is counted as a duplicate. A file with a bad\n"
"line is refused (FILE:LINE names it) and the database stays as it was;\n"
"so is a database that lacks a category a decryption policy names.\n"
"Limits: 16777216 entries, 256 MiB of names, 1024 categories.\n"
"\n"
"Exit status: 0 success (lookup: every NAME is listed), 1 error or not\n"
"listed, 2 bad usage.\n"
"\n"
"Examples:\n"
"  tlsictl category load /srv/ut1/blacklists\n"
"  tlsictl category load categories.txt\n"
"  tlsictl category lookup www.bank.example\n";

static const char *db_path(void)
{
	static char path[4200];

	return category_db_path(path, sizeof(path), decrypt_dir());
}

static int cat_fail(const char *msg)
{
	errmsg("%s", msg);
	return EXIT_ERROR;
}

/* The decryption policies that name categories: each must be in b (load),
 * or there must be none (clear, b NULL). */
static int policies_check(const struct category_builder *b, char *err, size_t len)
{
	char **names, e[DECRYPT_ERR_MAX];
	size_t n, i, k, j;
	int rc = 0;

	if (decrypt_policy_names(decrypt_dir(), &names, &n, err, len))
		return -1;
	for (i = 0; i < n; i++) {
		struct decrypt_policy p;

		if (!rc && !decrypt_policy_load(decrypt_dir(), names[i], &p, e, sizeof(e))) {
			for (k = 0; k < p.ncat && !rc; k++) {
				for (j = 0; b && j < b->ncat; j++)
					if (!strcmp(b->names[j], p.categories[k]))
						break;
				if (!b)
					rc = -snprintf(err, len, "decryption policy `%s' names category "
						       "`%s'", p.name, p.categories[k]);
				else if (j == b->ncat)
					rc = -snprintf(err, len, "category `%s' is not in the new "
						       "database, and decryption policy `%s' names it",
						       p.categories[k], p.name);
			}
			decrypt_policy_free(&p);
		}
		free(names[i]);
	}
	free(names);
	return rc ? -1 : 0;
}

static int cmd_load(int argc, char **argv)
{
	struct category_builder b = { 0 };
	char err[DECRYPT_ERR_MAX], src[4096];
	struct timespec t0, t1;
	const char *path;
	int rc = EXIT_OK;

	if (argc < 2)
		usage_error("missing FILE or DIR");
	if (argc > 3 || (argc == 3 && strcmp(argv[2], "skip-invalid")))
		usage_error("unexpected argument `%s'", argv[2]);
	b.skip_invalid = argc == 3;
	path = argv[1];
	if (!realpath(path, src))
		snprintf(src, sizeof(src), "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (category_read_path(&b, path, err, sizeof(err))) {
		rc = cat_fail(err);
		goto out;
	}
	category_builder_finish(&b);
	if (policies_check(&b, err, sizeof(err))) {
		rc = cat_fail(err);
		goto out;
	}
	if (mkdir(decrypt_dir(), 0755) < 0 && errno != EEXIST) {
		snprintf(err, sizeof(err), "%s: %s", decrypt_dir(), strerror(errno));
		rc = cat_fail(err);
		goto out;
	}
	if (category_db_write(&b, db_path(), src, time(NULL), err, sizeof(err))) {
		rc = cat_fail(err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!opt_json)
		printf("loaded %zu entries in %zu categories from %s (%zu duplicates, %zu invalid "
		       "lines skipped) in %.2fs\n", b.n, b.ncat, src, b.duplicates, b.skipped,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (b.skipped)
		errmsg("warning: skipped %zu invalid lines; the first: %s", b.skipped,
		       b.first_skipped);
out:
	category_builder_free(&b);
	return rc;
}

static int cmp_cat(const void *a, const void *b, void *arg)
{
	const struct category_db *db = arg;

	return strcmp(db->names[*(const size_t *)a], db->names[*(const size_t *)b]);
}

static int cmd_show(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX], when[64];
	struct category_db db;
	size_t i, *order;
	struct tm tm;
	time_t t;

	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	if (category_db_open(db_path(), &db, err, sizeof(err)))
		return cat_fail(err);
	t = (time_t)db.loaded;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	order = calloc(db.ncat ? db.ncat : 1, sizeof(*order));
	if (!order) {
		category_db_close(&db);
		return cat_fail("out of memory");
	}
	for (i = 0; i < db.ncat; i++)
		order[i] = i;
	qsort_r(order, db.ncat, sizeof(*order), cmp_cat, &db);
	out_list_begin();
	out_obj_begin();
	out_str("loaded", when);
	out_str("source", db.source);
	out_u64("entries", db.n);
	out_u64("categories", db.ncat);
	out_u64("duplicates", db.duplicates);
	if (db.skip_invalid)
		out_u64("skipped", db.skipped);
	out_obj_end();
	for (i = 0; i < db.ncat; i++) {
		out_obj_begin();
		out_str("category", db.names[order[i]]);
		out_u64("entries", db.counts[order[i]]);
		out_obj_end();
	}
	out_list_end();
	free(order);
	category_db_close(&db);
	return EXIT_OK;
}

static int cmd_lookup(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX], d[DECRYPT_DOMAIN_MAX + 1];
	struct category_db db;
	int rc = EXIT_OK, i;

	if (argc < 2)
		usage_error("missing NAME");
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '*')
			usage_error("name `%s': a server name, not a wildcard", argv[i]);
		if (decrypt_domain_normalize(argv[i], d, err, sizeof(err)))
			usage_error("%s", err);
	}
	if (category_db_open(db_path(), &db, err, sizeof(err)))
		return cat_fail(err);
	out_list_begin();
	for (i = 1; i < argc; i++) {
		size_t first, count, k;
		const char *hit = category_db_lookup(&db, argv[i], &first, &count);
		char cats[4096] = "";
		size_t off = 0;

		for (k = first; k < first + count; k++)
			off += (size_t)snprintf(cats + off, off < sizeof(cats) ? sizeof(cats) - off : 0,
						"%s%s", k > first ? "," : "",
						db.names[db.ent[k].category]);
		out_obj_begin();
		out_name("name", argv[i]);
		out_str("listed", hit ? hit : "none");
		out_str("categories", hit ? cats : "none");
		out_obj_end();
		if (!hit)
			rc = EXIT_ERROR;
	}
	out_list_end();
	category_db_close(&db);
	return rc;
}

static int cmd_clear(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];

	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	if (policies_check(NULL, err, sizeof(err)))
		return cat_fail(err);
	if (unlink(db_path()) < 0 && errno != ENOENT) {
		snprintf(err, sizeof(err), "%s: %s", db_path(), strerror(errno));
		return cat_fail(err);
	}
	return EXIT_OK;
}

/* tlsictl save: `category load SOURCE' when a database is loaded. */
int category_save(void)
{
	char err[DECRYPT_ERR_MAX];
	struct category_db db;

	if (category_db_open(db_path(), &db, err, sizeof(err)))
		return errno == ENOENT ? EXIT_OK : cat_fail(err);
	out_save_begin("category load");
	out_obj_begin();
	out_name("source", db.source);
	if (db.skip_invalid)
		out_name("skip-invalid", "skip-invalid");
	out_obj_end();
	out_save_end();
	category_db_close(&db);
	return EXIT_OK;
}

static const struct command cmds[] = {
	{ "load", cmd_load, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ "lookup", cmd_lookup, NULL },
	{ "clear", cmd_clear, NULL },
	{ NULL, NULL, NULL }
};

int category_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
