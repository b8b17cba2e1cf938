// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/decrypt.c: domain validation and matching,
 * domain list files, policy files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decrypt.h"

static char err[DECRYPT_ERR_MAX];

#define ERR_HAS(s) ck_assert_msg(strstr(err, (s)) != NULL, \
				 "error `%s' lacks `%s'", err, (s))

static void norm_ok(const char *in, const char *want)
{
	char out[DECRYPT_DOMAIN_MAX + 1];

	ck_assert_msg(decrypt_domain_normalize(in, out, err, sizeof(err)) == 0,
		      "`%s' refused: %s", in, err);
	ck_assert_str_eq(out, want);
}

static void norm_bad(const char *in, const char *why)
{
	char out[DECRYPT_DOMAIN_MAX + 1];

	err[0] = '\0';
	ck_assert_msg(decrypt_domain_normalize(in, out, err, sizeof(err)) < 0,
		      "`%s' accepted", in);
	ERR_HAS(why);
}

START_TEST(test_normalize)
{
	char name[300];

	norm_ok("Example.COM", "example.com");
	norm_ok("example.com.", "example.com");
	norm_ok("*.Company.com", "*.company.com");
	norm_ok("xn--bcher-kva.example", "xn--bcher-kva.example");
	norm_ok("a-b.c1", "a-b.c1");
	norm_ok("localhost", "localhost");
	norm_ok("*.com", "*.com");

	norm_bad("", "empty");
	norm_bad("*foo.com", "domain `*foo.com': a wildcard");
	norm_bad("a.*.b", "domain `a.*.b': a wildcard");
	norm_bad("*", "a wildcard");
	norm_bad("*.", "needs a domain");
	norm_bad("**.a", "a wildcard");
	norm_bad("a..b", "empty label");
	norm_bad(".a", "empty label");
	norm_bad("a.b..", "empty label");
	norm_bad("-a.com", "label `-a' starts or ends");
	norm_bad("a-.com", "label `a-' starts or ends");
	norm_bad("under_score.com", "byte 0x5f");
	norm_bad("sp ace.com", "byte 0x20");
	norm_bad("b\xc3\xbc" "cher.example", "IDNA A-labels");
	norm_bad("a\x01.com", "byte 0x01");

	/* A 63-byte label is fine, 64 is not. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	norm_ok(name, name);
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	norm_bad(name, "is longer than 63 bytes");

	/* 253 bytes (and a trailing dot) are fine, 254 are not. */
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 25; i++)
		memcpy(name + i * 10, "abcdefghi.", 10);
	memcpy(name + 250, "abc", 3);		/* 253 bytes */
	norm_ok(name, name);
	name[253] = '.';
	{
		char want[300];

		memcpy(want, name, 253);
		want[253] = '\0';
		norm_ok(name, want);
	}
	name[253] = 'd';			/* 254 bytes */
	norm_bad(name, "longer than 253 bytes");
}
END_TEST

static void add(struct decrypt_policy *p, const char *d)
{
	ck_assert_msg(decrypt_policy_add(p, d, err, sizeof(err)) == 0, "%s: %s", d, err);
}

START_TEST(test_match)
{
	struct decrypt_policy p = { .name = "t" };

	ck_assert_ptr_null(decrypt_policy_match(&p, "a.example"));
	add(&p, "*.company.com");
	add(&p, "Exact.Example");
	add(&p, "exact.example");		/* a duplicate */
	add(&p, "*.b.c.d");
	decrypt_policy_sort(&p);
	ck_assert_uint_eq(p.n, 3);

	ck_assert_str_eq(decrypt_policy_match(&p, "a.company.com"), "*.company.com");
	ck_assert_str_eq(decrypt_policy_match(&p, "legal.compliance.company.com"),
			 "*.company.com");
	ck_assert_str_eq(decrypt_policy_match(&p, "LEGAL.Compliance.COMPANY.com."),
			 "*.company.com");
	ck_assert_ptr_null(decrypt_policy_match(&p, "company.com"));
	ck_assert_ptr_null(decrypt_policy_match(&p, "xcompany.com"));
	ck_assert_ptr_null(decrypt_policy_match(&p, "company.com.evil"));
	ck_assert_str_eq(decrypt_policy_match(&p, "EXACT.example"), "exact.example");
	ck_assert_ptr_null(decrypt_policy_match(&p, "sub.exact.example"));
	ck_assert_ptr_null(decrypt_policy_match(&p, "xexact.example"));
	ck_assert_str_eq(decrypt_policy_match(&p, "x.y.b.c.d"), "*.b.c.d");
	ck_assert_ptr_null(decrypt_policy_match(&p, "b.c.d"));
	ck_assert_ptr_null(decrypt_policy_match(&p, "c.d"));
	/* Names that are not host names match nothing. */
	ck_assert_ptr_null(decrypt_policy_match(&p, "*.company.com"));
	ck_assert_ptr_null(decrypt_policy_match(&p, "a_b.company.com"));
	ck_assert_ptr_null(decrypt_policy_match(&p, ""));

	ck_assert_int_eq(decrypt_policy_del(&p, "EXACT.example", err, sizeof(err)), 0);
	ck_assert_ptr_null(decrypt_policy_match(&p, "exact.example"));
	ck_assert_int_lt(decrypt_policy_del(&p, "exact.example", err, sizeof(err)), 0);
	ERR_HAS("not in decryption policy `t'");
	decrypt_policy_free(&p);
}
END_TEST

START_TEST(test_limit)
{
	struct decrypt_policy p = { .name = "big" };
	char d[64];
	int i;

	for (i = 0; i < DECRYPT_DOMAINS_MAX; i++) {
		snprintf(d, sizeof(d), "h%d.example", i);
		add(&p, d);
	}
	add(&p, "h7.example");			/* already there: no error */
	ck_assert_int_lt(decrypt_policy_add(&p, "one-more.example", err, sizeof(err)), 0);
	ERR_HAS("domain `one-more.example': more than 4096 domains");
	ck_assert_uint_eq(p.n, DECRYPT_DOMAINS_MAX);
	decrypt_policy_sort(&p);
	ck_assert_str_eq(decrypt_policy_match(&p, "h4095.example"), "h4095.example");
	decrypt_policy_free(&p);
}
END_TEST

static int list_read(const char *text, struct decrypt_policy *p)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ck_assert_ptr_nonnull(f);
	rc = decrypt_list_read(f, "list", p, err, sizeof(err));
	fclose(f);
	return rc;
}

START_TEST(test_list)
{
	struct decrypt_policy p = { .name = "l" };
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(list_read("# banks\n\n  *.Bank.example  # all of it\r\nb.example\n"
				   "a.example", &p), 0);
	ck_assert_uint_eq(p.n, 3);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(decrypt_list_write(f, &p), 0);
	fclose(f);
	ck_assert_str_eq(out, "*.bank.example\na.example\nb.example\n");
	free(out);
	decrypt_policy_free(&p);

	ck_assert_int_lt(list_read("a.example\n*foo.com\n", &p), 0);
	ERR_HAS("list:2: domain `*foo.com'");
	decrypt_policy_free(&p);
	ck_assert_int_lt(list_read("a.example b.example\n", &p), 0);
	ERR_HAS("list:1: `a.example b.example': one domain a line");
	decrypt_policy_free(&p);
	{
		char longline[2100];

		memset(longline, 'a', sizeof(longline) - 2);
		longline[sizeof(longline) - 2] = '\n';
		longline[sizeof(longline) - 1] = '\0';
		ck_assert_int_lt(list_read(longline, &p), 0);
		ERR_HAS("list:1: line longer than");
		decrypt_policy_free(&p);
	}
}
END_TEST

START_TEST(test_files)
{
	char dir[] = "/tmp/check_decrypt.XXXXXX", path[256], **names;
	struct decrypt_policy p = { .name = "office" }, q;
	struct stat st;
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p.description, sizeof(p.description), "Banks # and health");
	add(&p, "*.bank.example");
	add(&p, "health.example");
	ck_assert_int_eq(decrypt_policy_store(dir, &p, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/office", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert(decrypt_policy_exists(dir, "office"));
	ck_assert(!decrypt_policy_exists(dir, "nosuch"));
	ck_assert(!decrypt_policy_exists(dir, "../etc"));

	ck_assert_int_eq(decrypt_policy_load(dir, "office", &q, err, sizeof(err)), 0);
	ck_assert_str_eq(q.description, "Banks # and health");
	ck_assert_uint_eq(q.n, 2);
	ck_assert_str_eq(decrypt_policy_match(&q, "www.bank.example"), "*.bank.example");
	decrypt_policy_free(&q);

	ck_assert_int_lt(decrypt_policy_load(dir, "nosuch", &q, err, sizeof(err)), 0);
	ERR_HAS("decryption policy `nosuch': no such policy");
	ck_assert_int_lt(decrypt_policy_load(dir, "../x", &q, err, sizeof(err)), 0);
	ERR_HAS("may hold only");

	/* A damaged file is refused whole, naming the line. */
	snprintf(path, sizeof(path), "%s/broken", dir);
	f = fopen(path, "w");
	fputs("description x\ndomain ok.example\ndomain a.*.b\n", f);
	fclose(f);
	ck_assert_int_lt(decrypt_policy_load(dir, "broken", &q, err, sizeof(err)), 0);
	ERR_HAS("broken:3: domain `a.*.b'");
	ck_assert_uint_eq(q.n, 0);
	f = fopen(path, "w");
	fputs("colour blue\n", f);
	fclose(f);
	ck_assert_int_lt(decrypt_policy_load(dir, "broken", &q, err, sizeof(err)), 0);
	ERR_HAS("broken:1: unknown line `colour blue'");

	ck_assert_int_eq(decrypt_policy_names(dir, &names, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "broken");
	ck_assert_str_eq(names[1], "office");
	free(names[0]);
	free(names[1]);
	free(names);

	ck_assert_int_eq(decrypt_policy_remove(dir, "office", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_policy_remove(dir, "office", err, sizeof(err)), 0);
	ERR_HAS("no such policy");
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
	decrypt_policy_free(&p);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_int_eq(decrypt_name_check("Banks and health-1_x", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_name_check("", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_name_check("a/b", err, sizeof(err)), 0);
	ERR_HAS("name `a/b'");
	ck_assert_int_lt(decrypt_name_check(".hidden", err, sizeof(err)), 0);
	ck_assert_int_lt(decrypt_desc_check("tab\there", err, sizeof(err)), 0);
	ERR_HAS("control character 0x09");
}
END_TEST

START_TEST(test_pinned)
{
	char path[] = "/tmp/check_pinned.XXXXXX";
	struct pinned_entry *v = NULL, *r;
	size_t n = 0, rn;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pinned_put(&v, &n, 3, "App.Example", 100, err, sizeof(err)), 0);
	ck_assert_int_eq(pinned_put(&v, &n, 3, "b.example", 300, err, sizeof(err)), 0);
	ck_assert_int_eq(pinned_put(&v, &n, 3, "c.example", 200, err, sizeof(err)), 0);
	ck_assert_int_eq(pinned_put(&v, &n, 3, "app.example", 400, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);			/* refreshed, not added */
	ck_assert_int_eq(pinned_find(v, n, "app.example"), 0);
	ck_assert_int_eq(v[0].expires, 400);
	/* Full: the entry closest to expiry (c, 200) makes room. */
	ck_assert_int_eq(pinned_put(&v, &n, 3, "d.example", 500, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_lt(pinned_find(v, n, "c.example"), 0);
	ck_assert_int_ge(pinned_find(v, n, "d.example"), 0);
	ck_assert_int_lt(pinned_put(&v, &n, 3, "*.x.example", 500, err, sizeof(err)), 0);
	ERR_HAS("not a wildcard");
	ck_assert_int_lt(pinned_put(&v, &n, 3, "a b", 500, err, sizeof(err)), 0);
	ERR_HAS("byte 0x20");

	ck_assert_int_eq(pinned_write(fd, v, n, err, sizeof(err)), 0);
	/* Read back at time 350: b (300) has expired. */
	ck_assert_int_eq(pinned_read(fd, 350, 0, &r, &rn, err, sizeof(err)), 0);
	ck_assert_uint_eq(rn, 2);
	ck_assert_int_ge(pinned_find(r, rn, "app.example"), 0);
	ck_assert_int_ge(pinned_find(r, rn, "d.example"), 0);
	free(r);
	/* A shorter rewrite leaves nothing of the longer one behind. */
	ck_assert_int_eq(pinned_write(fd, v, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(pinned_read(fd, 0, 0, &r, &rn, err, sizeof(err)), 0);
	ck_assert_uint_eq(rn, 1);
	free(r);
	/* A damaged line is refused, naming it. */
	ck_assert_int_eq(pwrite(fd, "ok.example 999\nbroken\n", 22, 0), 22);
	ck_assert_int_eq(ftruncate(fd, 22), 0);
	ck_assert_int_lt(pinned_read(fd, 0, 0, &r, &rn, err, sizeof(err)), 0);
	ERR_HAS("cache:2: `broken': not NAME EXPIRES");
	ck_assert_ptr_null(r);
	close(fd);
	unlink(path);
	free(v);
}
END_TEST

static Suite *decrypt_suite(void)
{
	Suite *s = suite_create("decrypt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_pinned);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decrypt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
