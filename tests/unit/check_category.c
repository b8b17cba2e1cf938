// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/category.c: the category files (DOMAIN
 * CATEGORY lines and the UT1 / squidGuard directory layout), malformed
 * input, the compiled database and its checks, the parent-walking lookup,
 * decryption policies' categories and overrides, and a 1M-entry load
 * (timed: printed, and bounded generously for a loaded machine).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "category.h"
#include "decrypt.h"

static char err[DECRYPT_ERR_MAX];
static char tmpdir[64];

#define ERR_HAS(s) ck_assert_msg(strstr(err, (s)) != NULL, \
				 "error `%s' lacks `%s'", err, (s))

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_category.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void sub(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* Read text as DOMAIN CATEGORY lines into b (fresh). */
static int lines(struct category_builder *b, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	memset(b, 0, sizeof(*b));
	ck_assert_ptr_nonnull(f);
	err[0] = '\0';
	rc = category_read_lines(b, f, "cats.txt", err, sizeof(err));
	fclose(f);
	return rc;
}

static void lines_bad(const char *text, const char *why)
{
	struct category_builder b;

	ck_assert_msg(lines(&b, text) < 0, "accepted: %s", text);
	ERR_HAS(why);
	category_builder_free(&b);
}

/* Build, write and open a database of text. */
static void db_of(const char *text, struct category_db *db)
{
	struct category_builder b;
	char path[512];

	ck_assert_msg(lines(&b, text) == 0, "%s", err);
	category_builder_finish(&b);
	snprintf(path, sizeof(path), "%s/db", tmpdir);
	ck_assert_msg(category_db_write(&b, path, "test", 1000, err, sizeof(err)) == 0, "%s", err);
	category_builder_free(&b);
	ck_assert_msg(category_db_open(path, db, err, sizeof(err)) == 0, "%s", err);
}

START_TEST(test_lines)
{
	struct category_builder b;
	char name[300], line[400];

	ck_assert_int_eq(lines(&b, "# bank list\nBank.Example finance\n\n"
			       "clinic.example\thealth  # a comment\n"
			       "bank.example Finance\nbank.example news\n"), 0);
	category_builder_finish(&b);
	ck_assert_uint_eq(b.ncat, 3);
	ck_assert_uint_eq(b.n, 3);		/* bank.example twice in finance: one */
	ck_assert_uint_eq(b.duplicates, 1);
	ck_assert_str_eq(b.names[0], "finance");
	ck_assert_uint_eq(b.counts[0], 1);
	category_builder_free(&b);

	/* skip-invalid: bad lines counted, the first named, the rest kept. */
	{
		static const char text[] = "a.example finance\nb_c.example health\nx\n"
					   "*.w.example finance\nok.example fin/ance\n"
					   "ok.example health\n";
		FILE *f = fmemopen((void *)text, strlen(text), "r");

		memset(&b, 0, sizeof(b));
		b.skip_invalid = true;
		ck_assert_int_eq(category_read_lines(&b, f, "cats.txt", err, sizeof(err)), 0);
		fclose(f);
		category_builder_finish(&b);
		ck_assert_uint_eq(b.n, 2);
		ck_assert_uint_eq(b.skipped, 4);
		ck_assert_msg(strstr(b.first_skipped, "cats.txt:2: domain `b_c.example'") != NULL,
			      "%s", b.first_skipped);
		category_builder_free(&b);
	}

	lines_bad("ok.example finance\nbank.example\n", "cats.txt:2: `bank.example': not DOMAIN CATEGORY");
	lines_bad("a.example finance health\n", "cats.txt:1:");
	lines_bad("a.example finance health\n", "one category a line");
	lines_bad("under_score.example finance\n", "cats.txt:1: domain `under_score.example': byte 0x5f");
	lines_bad("b\xc3\xbc" "cher.example finance\n", "IDNA A-labels");
	lines_bad("a..example finance\n", "empty label");
	lines_bad("-a.example finance\n", "starts or ends with `-'");
	lines_bad("*.bank.example finance\n", "no wildcards in a category list");
	lines_bad("*.bank.example finance\n", "write `bank.example'");
	lines_bad("a.example fin/ance\n", "category `fin/ance': byte 0x2f");
	lines_bad("a.example fin.ance\n", "byte 0x2e");

	/* A 64-byte label, a 254-byte name, a 65-byte category. */
	memset(name, 'a', 64);
	snprintf(name + 64, sizeof(name) - 64, ".example");
	snprintf(line, sizeof(line), "ok.example x\n%s finance\n", name);
	lines_bad(line, "cats.txt:2:");
	lines_bad(line, "is longer than 63 bytes");
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 25; i++)
		memcpy(name + i * 10, "abcdefghi.", 10);
	memcpy(name + 250, "abcd", 4);		/* 254 bytes */
	snprintf(line, sizeof(line), "%s finance\n", name);
	lines_bad(line, "longer than 253 bytes");
	name[253] = '\0';			/* 253: fine */
	snprintf(line, sizeof(line), "%s finance\n", name);
	ck_assert_msg(lines(&b, line) == 0, "%s", err);
	category_builder_free(&b);
	memset(name, 'c', 65);
	name[65] = '\0';
	snprintf(line, sizeof(line), "a.example %s\n", name);
	lines_bad(line, "longer than 64 bytes");
	name[64] = '\0';
	snprintf(line, sizeof(line), "a.example %s\n", name);
	ck_assert_msg(lines(&b, line) == 0, "%s", err);
	category_builder_free(&b);
}
END_TEST

START_TEST(test_ut1_dir)
{
	struct category_builder b = { 0 };
	struct category_db db;
	char path[512];
	size_t first, count;

	sub("bl");
	sub("bl/finance");
	sub("bl/health");
	sub("bl/news");		/* urls only: not a category */
	put("bl/finance/domains", "bank.example\nbroker.example\r\nbank.example\n");
	put("bl/finance/urls", "bank.example/x\n");
	put("bl/health/domains", "# comment\nclinic.example\nbank.example\n");
	put("bl/news/urls", "news.example/a\n");
	put("bl/README", "not a category\n");
	snprintf(path, sizeof(path), "%s/bl", tmpdir);
	ck_assert_msg(category_read_path(&b, path, err, sizeof(err)) == 0, "%s", err);
	category_builder_finish(&b);
	ck_assert_uint_eq(b.ncat, 2);
	ck_assert_uint_eq(b.n, 4);
	ck_assert_uint_eq(b.duplicates, 1);
	snprintf(path, sizeof(path), "%s/db", tmpdir);
	ck_assert_int_eq(category_db_write(&b, path, "bl", 1234, err, sizeof(err)), 0);
	category_builder_free(&b);
	ck_assert_int_eq(category_db_open(path, &db, err, sizeof(err)), 0);
	ck_assert_int_eq(db.loaded, 1234);
	ck_assert_str_eq(db.source, "bl");
	/* bank.example is in both categories. */
	ck_assert_str_eq(category_db_lookup(&db, "www.bank.example", &first, &count), "bank.example");
	ck_assert_uint_eq(count, 2);
	ck_assert_int_ge(category_db_find(&db, "HEALTH"), 0);
	ck_assert_int_lt(category_db_find(&db, "news"), 0);
	category_db_close(&db);

	/* A bad line in a domains file names the file and the line. */
	put("bl/health/domains", "clinic.example\nbad name.example\n");
	snprintf(path, sizeof(path), "%s/bl", tmpdir);
	memset(&b, 0, sizeof(b));
	ck_assert_int_lt(category_read_path(&b, path, err, sizeof(err)), 0);
	ERR_HAS("bl/health/domains:2: `bad name.example': one domain a line");
	category_builder_free(&b);
	/* A directory without the layout. */
	sub("empty");
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	ck_assert_int_lt(category_read_path(&b, path, err, sizeof(err)), 0);
	ERR_HAS("no CATEGORY/domains file");
	category_builder_free(&b);
	/* A directory name that is not a category name. */
	sub("bad");
	sub("bad/fi nance");
	put("bad/fi nance/domains", "a.example\n");
	snprintf(path, sizeof(path), "%s/bad", tmpdir);
	ck_assert_int_lt(category_read_path(&b, path, err, sizeof(err)), 0);
	ERR_HAS("the directory name is the category");
	category_builder_free(&b);
}
END_TEST

START_TEST(test_lookup)
{
	struct category_db db;
	size_t first, count;
	const char *hit;

	db_of("bank.example finance\nnews.bank.example news\nexample health\n"
	      "b.example finance\nbank.examplf other\n", &db);
	/* The walk: a.b.bank.example, b.bank.example, bank.example. */
	hit = category_db_lookup(&db, "a.b.bank.example", &first, &count);
	ck_assert_str_eq(hit, "bank.example");
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(db.names[db.ent[first].category], "finance");
	ck_assert_str_eq(category_db_lookup(&db, "BANK.example.", &first, &count), "bank.example");
	/* The most specific listed name wins. */
	hit = category_db_lookup(&db, "x.news.bank.example", &first, &count);
	ck_assert_str_eq(hit, "news.bank.example");
	ck_assert_str_eq(db.names[db.ent[first].category], "news");
	/* Up to the last label. */
	ck_assert_str_eq(category_db_lookup(&db, "other.example", &first, &count), "example");
	/* A label boundary, not a suffix of bytes: xbank.example is not bank.example's. */
	ck_assert_str_eq(category_db_lookup(&db, "xbank.example", &first, &count), "example");
	ck_assert_ptr_null(category_db_lookup(&db, "example.org", &first, &count));
	ck_assert_uint_eq(count, 0);
	ck_assert_ptr_null(category_db_lookup(&db, "*.bank.example", &first, &count));
	ck_assert_ptr_null(category_db_lookup(&db, "bad_name.bank.example", &first, &count));
	ck_assert_ptr_null(category_db_lookup(&db, "", &first, &count));
	category_db_close(&db);
}
END_TEST

START_TEST(test_damaged)
{
	struct category_db db;
	char path[512];
	struct stat st;
	FILE *f;

	db_of("bank.example finance\nclinic.example health\n", &db);
	category_db_close(&db);
	snprintf(path, sizeof(path), "%s/db", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	/* One byte short. */
	ck_assert_int_eq(truncate(path, st.st_size - 1), 0);
	ck_assert_int_lt(category_db_open(path, &db, err, sizeof(err)), 0);
	ERR_HAS("not a category database");
	ck_assert_ptr_null(db.map);
	/* A bad magic. */
	ck_assert_int_eq(truncate(path, st.st_size), 0);
	f = fopen(path, "r+");
	fputs("NOTACAT!", f);
	fclose(f);
	ck_assert_int_lt(category_db_open(path, &db, err, sizeof(err)), 0);
	/* An entry pointing past the names. */
	db_of("bank.example finance\nclinic.example health\n", &db);
	category_db_close(&db);
	f = fopen(path, "r+");
	fseek(f, st.st_size - (long)(strlen("bank.example") + strlen("clinic.example") + 2) -
		 2 * (long)sizeof(struct category_entry), SEEK_SET);
	fputc(0x7f, f);
	fputc(0x7f, f);
	fclose(f);
	ck_assert_int_lt(category_db_open(path, &db, err, sizeof(err)), 0);
	ERR_HAS("damaged");
	/* None at all. */
	snprintf(path, sizeof(path), "%s/nothing", tmpdir);
	ck_assert_int_lt(category_db_open(path, &db, err, sizeof(err)), 0);
	ck_assert_int_eq(errno, ENOENT);
	ERR_HAS("no category database");
	/* An empty database is fine. */
	db_of("# nothing\n", &db);
	ck_assert_uint_eq(db.n, 0);
	ck_assert_ptr_null(category_db_lookup(&db, "a.example", &(size_t){0}, &(size_t){0}));
	category_db_close(&db);
}
END_TEST

START_TEST(test_policy_categories)
{
	struct decrypt_policy p = { .name = "pol" }, q;
	struct decrypt_decision d;
	struct category_db db;

	db_of("bank.example finance\nclinic.example health\nnews.example news\n", &db);
	ck_assert_int_eq(decrypt_policy_add(&p, "exact.example", err, sizeof(err)), 0);
	ck_assert_int_eq(decrypt_policy_add_category(&p, "Finance", err, sizeof(err)), 0);
	ck_assert_int_eq(decrypt_policy_add_category(&p, "health", err, sizeof(err)), 0);
	ck_assert_int_eq(decrypt_policy_add_category(&p, "finance", err, sizeof(err)), 0);
	ck_assert_uint_eq(p.ncat, 2);
	ck_assert_int_lt(decrypt_policy_add_category(&p, "fin ance", err, sizeof(err)), 0);
	ERR_HAS("category `fin ance'");
	ck_assert_int_eq(decrypt_policy_add_override(&p, "*.trade.bank.example", err, sizeof(err)), 0);
	ck_assert_int_eq(decrypt_policy_add_override(&p, "Clinic.Example", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_policy_add_override(&p, "a_b.example", err, sizeof(err)), 0);
	ERR_HAS("byte 0x5f");
	decrypt_policy_sort(&p);
	ck_assert_int_eq(decrypt_policy_check_categories(&p, &db, err, sizeof(err)), 0);

	decrypt_policy_decide(&p, &db, "www.bank.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_NO_CATEGORY);
	ck_assert_str_eq(d.category, "finance");
	ck_assert_str_eq(d.domain, "bank.example");
	decrypt_policy_decide(&p, &db, "a.trade.bank.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_YES_OVERRIDE);
	ck_assert_str_eq(d.domain, "*.trade.bank.example");
	decrypt_policy_decide(&p, &db, "trade.bank.example", &d);	/* not below *.trade */
	ck_assert_int_eq(d.verdict, DECRYPT_NO_CATEGORY);
	decrypt_policy_decide(&p, &db, "clinic.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_YES_OVERRIDE);
	decrypt_policy_decide(&p, &db, "www.clinic.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_NO_CATEGORY);
	ck_assert_str_eq(d.category, "health");
	decrypt_policy_decide(&p, &db, "news.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_YES);
	decrypt_policy_decide(&p, &db, "exact.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_NO_DOMAIN);
	/* Without the database, categories do not match (tlsid bypasses). */
	decrypt_policy_decide(&p, NULL, "www.bank.example", &d);
	ck_assert_int_eq(d.verdict, DECRYPT_YES);

	/* By a certificate's names: the first name not decrypted decides,
	 * a wildcard name as its base. */
	{
		char *cert1[] = { "news.example", "*.bank.example" };
		char *cert2[] = { "news.example", "clinic.example" };
		char *cert3[] = { "news.example", "other.example" };

		decrypt_policy_decide_names(&p, &db, cert1, 2, &d);
		ck_assert_int_eq(d.verdict, DECRYPT_NO_CATEGORY);
		ck_assert_str_eq(d.category, "finance");
		decrypt_policy_decide_names(&p, &db, cert2, 2, &d);
		ck_assert_int_eq(d.verdict, DECRYPT_YES_OVERRIDE);
		decrypt_policy_decide_names(&p, &db, cert3, 2, &d);
		ck_assert_int_eq(d.verdict, DECRYPT_YES);
		decrypt_policy_decide_names(&p, &db, cert3, 0, &d);
		ck_assert_int_eq(d.verdict, DECRYPT_YES);
	}
	p.by_cert = true;

	/* The policy file keeps them. */
	ck_assert_int_eq(decrypt_policy_store(tmpdir, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(decrypt_policy_load(tmpdir, "pol", &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.ncat, 2);
	ck_assert_str_eq(q.categories[0], "finance");
	ck_assert_uint_eq(q.nover, 2);
	ck_assert(q.by_cert);
	ck_assert_str_eq(q.overrides[0], "*.trade.bank.example");
	ck_assert_str_eq(decrypt_policy_match_override(&q, "x.y.trade.bank.example"),
			 "*.trade.bank.example");
	decrypt_policy_free(&q);

	/* An unknown category is refused, naming it. */
	ck_assert_int_eq(decrypt_policy_add_category(&p, "gambling", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_policy_check_categories(&p, &db, err, sizeof(err)), 0);
	ERR_HAS("category `gambling': not in the category database");
	ck_assert_int_lt(decrypt_policy_check_categories(&p, NULL, err, sizeof(err)), 0);
	ERR_HAS("no category database loaded");
	ck_assert_int_eq(decrypt_policy_del_category(&p, "gambling", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_policy_del_category(&p, "gambling", err, sizeof(err)), 0);
	ERR_HAS("not in decryption policy `pol'");
	ck_assert_int_eq(decrypt_policy_del_override(&p, "clinic.example", err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nover, 1);
	decrypt_policy_free(&p);
	category_db_close(&db);
}
END_TEST

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 1M entries: build (read, sort, write) and open; lookups of listed and
 * unlisted names. Times are printed; the bound is generous (a shared,
 * loaded machine), the point is that it is seconds, not minutes. */
START_TEST(test_million)
{
	static const char *const cats[] = { "adult", "finance", "health", "news", "shopping" };
	struct category_builder b = { 0 };
	struct category_db db;
	struct timespec t0;
	char path[512], name[64];
	size_t first, count, i, mem;
	double t_build, t_open, t_lookup;
	FILE *f;

	snprintf(path, sizeof(path), "%s/million.txt", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 1000000; i++)
		fprintf(f, "host%zu.site%zu.example %s\n", i * 7919 % 1000003, i % 5000,
			cats[i % 5]);
	fclose(f);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(category_read_path(&b, path, err, sizeof(err)) == 0, "%s", err);
	category_builder_finish(&b);
	mem = b.cap * sizeof(*b.ent) + b.scap;
	snprintf(path, sizeof(path), "%s/million.db", tmpdir);
	ck_assert_int_eq(category_db_write(&b, path, "million", 1, err, sizeof(err)), 0);
	t_build = since(&t0);
	ck_assert_uint_eq(b.n, 1000000);
	category_builder_free(&b);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(category_db_open(path, &db, err, sizeof(err)) == 0, "%s", err);
	t_open = since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "www.host%zu.site%zu.example", i * 7919 % 1000003,
			 i % 5000);
		ck_assert_ptr_nonnull(category_db_lookup(&db, name, &first, &count));
		snprintf(name, sizeof(name), "www.host%zu.other.example", i);
		ck_assert_ptr_null(category_db_lookup(&db, name, &first, &count));
	}
	t_lookup = since(&t0);
	printf("category 1M entries: build %.2fs (builder memory %zu MB, file %zu MB), "
	       "open and check %.2fs, 200k lookups %.2fs\n", t_build, mem >> 20, db.size >> 20,
	       t_open, t_lookup);
	category_db_close(&db);
	ck_assert_msg(t_build < 60 && t_open < 20 && t_lookup < 20, "too slow");
}
END_TEST

static Suite *category_suite(void)
{
	Suite *s = suite_create("category");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_ut1_dir);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_policy_categories);
	tcase_add_test(tc, test_million);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(category_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
