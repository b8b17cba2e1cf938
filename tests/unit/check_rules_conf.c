// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/rules_conf.c: suricata-update's
 * enable/disable/drop/modify.conf formats and how they select rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules_conf.h"

static char err[512];

static const char rules_a[] =
	"# a comment line, not a rule\n"
	"alert tcp any any -> any 80 (msg:\"ET A one\"; content:\"x\"; classtype:trojan-activity; sid:100; rev:1;)\n"
	"#alert tcp any any -> any 81 (msg:\"ET A two\"; content:\"y\"; sid:101; rev:2;)\n"
	"# alert http any any -> any any (msg:\"ET A three\"; gid:3; sid:102; rev:1;)\n"
	"alert udp any any -> any 53 (msg:\"ET A dns\"; content:\"z\"; sid:103; rev:1;)\n"
	"pass tcp any any -> any 22 (msg:\"ET A pass\"; sid:104; rev:1;)\n"
	"alert tcp any any -> any any (msg:\"no sid\"; content:\"q\";)\n"
	"alertx tcp any any -> any any (msg:\"bad action\"; sid:105;)\n";
static const char rules_b[] =
	"alert tcp any any -> any 443 (msg:\"ET B one\"; content:\"w\"; sid:200; rev:1;)\n"
	"alert tcp any any -> any 80 (msg:\"ET A one v2\"; content:\"x\"; sid:100; rev:3;)\n"
	"alert tcp any any -> any 80 (msg:\"ET A one old\"; sid:100; rev:2;)\n";

static void load_set(struct ru_set *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(ru_set_add_text(s, "emerging-a.rules", rules_a, err, sizeof(err)), 0);
	ck_assert_int_eq(ru_set_add_text(s, "local-b.rules", rules_b, err, sizeof(err)), 0);
}

static const struct ru_rule *find(const struct ru_set *s, uint32_t gid, uint32_t sid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].gid == gid && s->v[i].sid == sid)
			return &s->v[i];
	return NULL;
}

START_TEST(test_set)
{
	struct ru_set s;
	const struct ru_rule *r;

	load_set(&s);
	/* 100..104 and 200: the rule without a sid and `alertx' are left out */
	ck_assert_uint_eq(s.n, 6);
	ck_assert_uint_eq(s.duplicates, 2);
	r = find(&s, 1, 100);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->rev, 3);		/* the highest rev stays */
	ck_assert_str_eq(r->group, "local-b.rules");
	ck_assert(strstr(r->text, "ET A one v2"));
	r = find(&s, 1, 101);
	ck_assert(!r->enabled);
	ck_assert(!strncmp(r->text, "alert tcp", 9));	/* without the `#' */
	ck_assert_ptr_nonnull(find(&s, 3, 102));
	ck_assert_ptr_null(find(&s, 1, 102));
	ck_assert(find(&s, 1, 104)->enabled);
	ru_set_free(&s);
}
END_TEST

static int parse(const char *line, bool modify, struct ru_matcher *m)
{
	return ru_conf_parse_line(m, line, modify, err, sizeof(err));
}

static void conf_from(struct ru_conf *c, bool modify, const char *text)
{
	char path[] = "/tmp/check_rules_conf.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	ck_assert_msg(ru_conf_load(c, path, modify, false, err, sizeof(err)) == 0, "%s", err);
	unlink(path);
}

START_TEST(test_parse_errors)
{
	struct ru_matcher m;
	struct ru_conf c;
	char path[] = "/tmp/check_rules_conf.XXXXXX";
	static const char bad[] = "100\n# comment\n\n  re:ok\nnot-a-sid\n";
	int fd;

	ck_assert_int_eq(parse("abc", false, &m), -1);
	ck_assert_str_eq(err, "`abc': expected SID, GID:SID, group:FILE or re:REGEX");
	ck_assert_int_eq(parse("1:", false, &m), -1);
	ck_assert_int_eq(parse("99999999999", false, &m), -1);
	ck_assert_int_eq(parse("re:", false, &m), -1);
	ck_assert_str_eq(err, "re: without an expression");
	ck_assert_int_eq(parse("re:a(b", false, &m), -1);
	ck_assert(strstr(err, "re: `a(b': missing closing parenthesis"));
	ck_assert_int_eq(parse("group:", false, &m), -1);
	ck_assert_int_eq(parse("100 \"a\"", true, &m), -1);
	ck_assert_str_eq(err, "expected 100 \"FROM\" \"TO\"");
	ck_assert_int_eq(parse("100 \"a\" \"b\" extra", true, &m), -1);
	ck_assert_int_eq(parse("100 \"a\" \"b", true, &m), -1);
	ck_assert_int_eq(parse("re:x \"(\" \"b\"", true, &m), -1);
	ck_assert(strstr(err, "FROM `('"));

	/* the file's line number */
	fd = mkstemp(path);
	ck_assert_int_eq(write(fd, bad, sizeof(bad) - 1), (int)sizeof(bad) - 1);
	close(fd);
	ck_assert_int_eq(ru_conf_load(&c, path, false, false, err, sizeof(err)), -1);
	ck_assert(strstr(err, ":5: `not-a-sid'"));
	ck_assert_uint_eq(c.n, 0);
	unlink(path);
	/* missing: empty if optional, else an error */
	ck_assert_int_eq(ru_conf_load(&c, path, false, true, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(ru_conf_load(&c, path, false, false, err, sizeof(err)), -1);
	ck_assert(strstr(err, "No such file"));
}
END_TEST

START_TEST(test_select)
{
	struct ru_conf en, dis, drop, mod;
	struct ru_counts n;
	struct ru_set s;

	load_set(&s);
	conf_from(&dis, false, "# off\ngroup:emerging-*\n1:200\n");
	conf_from(&en, false, "re:ET A (two|three)\n104\n");
	conf_from(&drop, false, "103\n101\n104\n200\n");
	conf_from(&mod, true,
		  "101 \"any 81\" \"any 8081\"\n"
		  "re:ET\\sA\\st \"msg:\\\"ET ([A-Z]) \" \"msg:\\\"LOCAL \\1 \"\n"
		  "group:local-b.rules \"rev:(\\d+);\" \"rev:\\1; metadata:updated;\"\n");
	ck_assert_int_eq(ru_apply(&s, &en, &dis, &drop, &mod, &n, err, sizeof(err)), 0);
	/* group:emerging-* disabled 103 and 104; 104 enabled again (enable wins);
	 * 101 and 3:102 enabled by re:; 100 is local-b's now: enabled; 200 off */
	ck_assert(find(&s, 1, 100)->enabled);
	ck_assert(find(&s, 1, 101)->enabled);
	ck_assert(find(&s, 3, 102)->enabled);
	ck_assert(!find(&s, 1, 103)->enabled);
	ck_assert(find(&s, 1, 104)->enabled);
	ck_assert(!find(&s, 1, 200)->enabled);
	ck_assert_uint_eq(n.enabled, 4);
	ck_assert_uint_eq(n.disabled, 2);
	/* drop: only enabled alert rules (103 is disabled, 104 is pass) */
	ck_assert_str_eq(find(&s, 1, 101)->text,
			 "drop tcp any any -> any 8081 (msg:\"LOCAL A two\"; content:\"y\"; sid:101; rev:2;)");
	ck_assert(!strncmp(find(&s, 1, 103)->text, "alert ", 6));
	ck_assert(!strncmp(find(&s, 1, 104)->text, "pass ", 5));
	ck_assert(!strncmp(find(&s, 1, 200)->text, "alert ", 6));
	ck_assert_uint_eq(n.dropped, 1);
	/* modify: \1 groups, every match, by sid, re: and group: */
	ck_assert(strstr(find(&s, 3, 102)->text, "msg:\"LOCAL A three\""));
	ck_assert(strstr(find(&s, 1, 100)->text, "rev:3; metadata:updated;"));
	ck_assert(strstr(find(&s, 1, 200)->text, "rev:1; metadata:updated;"));
	ck_assert_uint_eq(n.modified, 4);
	ru_conf_free(&en);
	ru_conf_free(&dis);
	ru_conf_free(&drop);
	ru_conf_free(&mod);
	ru_set_free(&s);
}
END_TEST

START_TEST(test_write)
{
	struct ru_set s;
	char *buf = NULL;
	size_t len;
	FILE *f;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ru_set_add_text(&s, "g", "alert tcp any any -> any any (sid:1;)\n"
					 "##   alert tcp any any -> any any (sid:2;)\n", err,
					 sizeof(err)), 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(ru_set_write(&s, f), 0);
	fclose(f);
	ck_assert_str_eq(buf, "alert tcp any any -> any any (sid:1;)\n"
			 "# alert tcp any any -> any any (sid:2;)\n");
	free(buf);
	ru_set_free(&s);
}
END_TEST

static Suite *rules_conf_suite(void)
{
	Suite *s = suite_create("rules_conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rules_conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
