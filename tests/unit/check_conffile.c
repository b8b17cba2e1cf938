// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/conffile.c (the line syntax of `tlsictl -f')
 * and confdiff.c (the commands that make one configuration another).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "confdiff.h"

static char err[512];

/* The words of s joined by '|', or "ERR: reason". */
static const char *split(const char *s)
{
	static char out[1024];
	char **argv;
	int argc, i;

	if (conf_split(s, &argc, &argv, err, sizeof(err))) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < argc; i++) {
		strcat(out, i ? "|" : "");
		strcat(out, argv[i]);
	}
	ck_assert_ptr_null(argc ? argv[argc] : NULL);
	conf_argv_free(argv);
	return out;
}

START_TEST(test_split)
{
	ck_assert_str_eq(split("profile add office rep-block 80"),
			 "profile|add|office|rep-block|80");
	ck_assert_str_eq(split("  \ttm add x   action block  "), "tm|add|x|action|block");
	ck_assert_str_eq(split("# a comment"), "");
	ck_assert_str_eq(split(""), "");
	ck_assert_str_eq(split("tm add x # the rest is a comment"), "tm|add|x");
	ck_assert_str_eq(split("a \"two words\" b"), "a|two words|b");
	ck_assert_str_eq(split("a \"with # hash\""), "a|with # hash");
	ck_assert_str_eq(split("a \"q\\\"uote\\\\\""), "a|q\"uote\\");
	ck_assert_str_eq(split("a \"\""), "a|");
	ck_assert_str_eq(split("a x\"y z\"w"), "a|xy zw");
	ck_assert_str_eq(split("a x#y"), "a|x#y");
	ck_assert_str_eq(split("a \"open"), "ERR: unterminated quote");
	ck_assert_str_eq(split("a \x01"), "ERR: control character 0x01");
	ck_assert_str_eq(split("a \"\x1b\""), "ERR: control character 0x1b");
}
END_TEST

START_TEST(test_too_many_words)
{
	char *s = malloc(CONF_ARGS_MAX * 2 + 3);
	int i;

	for (i = 0; i <= CONF_ARGS_MAX; i++) {
		s[2 * i] = 'w';
		s[2 * i + 1] = ' ';
	}
	s[2 * i] = '\0';
	ck_assert_str_eq(split(s), "ERR: more than 1024 words");
	free(s);
}
END_TEST

static int read_text(const char *text, struct conf_file *cf, unsigned int *errline)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ck_assert_ptr_nonnull(f);
	rc = conf_read(f, cf, errline, err, sizeof(err));
	fclose(f);
	return rc;
}

START_TEST(test_read)
{
	struct conf_file cf;
	unsigned int errline;

	ck_assert_int_eq(read_text("# head\n\nprofile add a\r\n"
				   "ssl-proxy add web ports 443 \\\n"
				   "   description \"x y\"\n"
				   "\n   # indented comment\n"
				   "tm add t action block", &cf, &errline), 0);
	ck_assert_uint_eq(cf.n, 3);
	ck_assert_uint_eq(cf.lines[0].lineno, 3);
	ck_assert_int_eq(cf.lines[0].argc, 3);
	ck_assert_str_eq(cf.lines[0].argv[2], "a");
	ck_assert_uint_eq(cf.lines[1].lineno, 4);
	ck_assert_int_eq(cf.lines[1].argc, 7);
	ck_assert_str_eq(cf.lines[1].argv[6], "x y");
	ck_assert_uint_eq(cf.lines[2].lineno, 8);
	ck_assert_str_eq(cf.lines[2].argv[4], "block");
	conf_free(&cf);

	/* the first bad line's number; a continued line counts from its start */
	ck_assert_int_eq(read_text("a\nb\nc \\\n d \"e\n", &cf, &errline), -1);
	ck_assert_uint_eq(errline, 3);
	ck_assert_str_eq(err, "unterminated quote");
	ck_assert_uint_eq(cf.n, 0);
	{
		static const char nul[] = "a\nb\0c\n";
		FILE *f = fmemopen((void *)nul, sizeof(nul) - 1, "r");

		ck_assert_int_eq(conf_read(f, &cf, &errline, err, sizeof(err)), -1);
		ck_assert_uint_eq(errline, 2);
		ck_assert_str_eq(err, "NUL byte");
		fclose(f);
	}
}
END_TEST

START_TEST(test_print_roundtrip)
{
	char *words[] = { "ssl-proxy", "add", "web", "description", "a \"b\" \\ # c",
			  "empty", "", NULL };
	char *buf = NULL, **argv;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	int argc, i;

	conf_print_argv(f, 7, words);
	fclose(f);
	ck_assert_str_eq(buf, "ssl-proxy add web description \"a \\\"b\\\" \\\\ # c\" empty \"\"\n");
	buf[len - 1] = '\0';
	ck_assert_int_eq(conf_split(buf, &argc, &argv, err, sizeof(err)), 0);
	ck_assert_int_eq(argc, 7);
	for (i = 0; i < 7; i++)
		ck_assert_str_eq(argv[i], words[i]);
	conf_argv_free(argv);
	free(buf);
}
END_TEST

/* ---- confdiff -------------------------------------------------------- */

static const char *const none[] = { NULL };
static const char *const prof_def[] = { "rep-block off", "rep-alert off", NULL };
static const char *const seg_pairs[] = { "ports", NULL };
static const char *const tm_flags[] = { "reset", NULL };
static const char *const pol_flags[] = { "enabled", "disabled", NULL };
static const char *const pol_def[] = { "enabled", NULL };

static const char *const durations[] = { "timeout-udp", NULL };
static const char *const sizes[] = { "inspect-depth", NULL };

static const struct conf_type types[] = {
	{ .object = "config", .verb = "set", .kind = CONF_SETTINGS,
	  .flags = none, .pairs = none, .defaults = none, .durations = durations },
	{ .object = "profile", .verb = "add", .kind = CONF_OBJECT, .set_verb = "set",
	  .flags = none, .pairs = none, .defaults = prof_def, .sizes = sizes },
	{ .object = "segment", .verb = "add", .kind = CONF_OBJECT, .ordered = true,
	  .flags = none, .pairs = seg_pairs, .defaults = none },
	{ .object = "tm", .verb = "add", .kind = CONF_OBJECT, .ordered = true,
	  .flags = tm_flags, .pairs = none, .defaults = none },
	{ .object = "reputation", .verb = "add", .kind = CONF_OBJECT, .set_verb = "add",
	  .flags = none, .pairs = none, .defaults = none, .cidr_name = true },
	{ .object = "reputation", .verb = "load", .kind = CONF_ACTION,
	  .flags = none, .pairs = none, .defaults = none, .manages = "reputation" },
	{ .object = "ssl-policy", .verb = "add", .kind = CONF_OBJECT, .key_kw = "profile",
	  .flags = pol_flags, .pairs = none, .defaults = pol_def },
	{ .object = "rules", .verb = "load", .kind = CONF_ACTION,
	  .flags = none, .pairs = none, .defaults = none },
	{ NULL }
};

/* The commands, one per line, "@LINE " before those from the file. */
static char *diff(const char *have, const char *want)
{
	static char out[4096];
	struct conf_file h, w;
	struct conf_ops ops;
	unsigned int errline;
	size_t i;
	int j;

	ck_assert_int_eq(read_text(have, &h, &errline), 0);
	ck_assert_int_eq(read_text(want, &w, &errline), 0);
	out[0] = '\0';
	if (conf_diff(types, &h, &w, &ops, &errline, err, sizeof(err))) {
		snprintf(out, sizeof(out), "ERR %u: %s", errline, err);
	} else {
		for (i = 0; i < ops.n; i++) {
			if (ops.v[i].lineno)
				sprintf(out + strlen(out), "@%u ", ops.v[i].lineno);
			for (j = 0; j < ops.v[i].argc; j++)
				sprintf(out + strlen(out), "%s%s", j ? " " : "", ops.v[i].argv[j]);
			strcat(out, "\n");
		}
		sprintf(out + strlen(out), "+%zu ~%zu -%zu", ops.added, ops.changed,
			ops.removed);
		conf_ops_free(&ops);
	}
	conf_free(&h);
	conf_free(&w);
	return out;
}

static const char running[] =
	"config set max-flows 100 flow-full drop\n"
	"profile add p1 rep-block 80 rep-alert off\n"
	"profile add p2 rep-block off rep-alert off\n"
	"segment add s1 profile p1 ports eth0 eth1\n"
	"tm add a action block reset\n"
	"tm add b action permit\n"
	"tm add c action block\n"
	"tm add d action trust\n"
	"reputation add 10.0.0.0/8 score 50\n"
	"ssl-policy add pol profile p1 proxy web enabled\n";

START_TEST(test_diff_same)
{
	/* keyword order and defaults do not count */
	ck_assert_str_eq(diff(running, running), "+0 ~0 -0");
	ck_assert_str_eq(diff(running,
		"profile add p2\n"
		"config set flow-full drop max-flows 100\n"
		"profile add p1 rep-alert off rep-block 80\n"
		"segment add s1 ports eth0 eth1 profile p1\n"
		"tm add a reset action block\n"
		"tm add b action permit\n"
		"tm add c action block\n"
		"tm add d action trust\n"
		"reputation add 10.0.0.0/8 score 50\n"
		"ssl-policy add pol proxy web profile p1\n"), "+0 ~0 -0");
	ck_assert_str_eq(diff("", ""), "+0 ~0 -0");
	/* values as the running configuration prints them */
	ck_assert_str_eq(diff("config set max-flows 256 timeout-udp 300\n"
			      "profile add p inspect-depth 1048576\n"
			      "reputation add 10.0.0.1/32 score 5\n",
			      "config set max-flows 0x100 timeout-udp 5m\n"
			      "profile add p inspect-depth 1m\n"
			      "reputation add 10.0.0.1 score 5\n"), "+0 ~0 -0");
	/* addresses as save prints them: prefix length, RFC 5952 */
	ck_assert_str_eq(diff("reputation add 2001:db8::1/128 score 5\n"
			      "tm add a action block src 10.0.0.1/32 dst 2001:db8::/32\n",
			      "reputation add 2001:DB8:0::1 score 5\n"
			      "tm add a action block src 10.0.0.1 dst 2001:db8:0:0::/32\n"),
			 "+0 ~0 -0");
	ck_assert_str_eq(diff("tm add a action block src 2001:db8::1/128\n",
			      "tm add a action block src 2001:db8::2\n"),
			 "tm del a\n@1 tm add a action block src 2001:db8::2 position 0\n+0 ~1 -0");
	/* a size suffix on a duration is another value */
	ck_assert_str_eq(diff("config set timeout-udp 300\n", "config set timeout-udp 5k\n"),
			 "@1 config set timeout-udp 5k\n+0 ~1 -0");
}
END_TEST

START_TEST(test_diff_changes)
{
	ck_assert_str_eq(diff(running,
		"config set max-flows 200 flow-full drop\n"	/* 1 */
		"profile add p1 rep-alert 30\n"			/* 2 */
		"profile add p3\n"				/* 3 */
		"segment add s1 profile p3 ports eth0 eth1\n"	/* 4 */
		"tm add a action block reset\n"			/* 5 */
		"tm add c action block\n"			/* 6 */
		"tm add new action block\n"			/* 7 */
		"tm add d action trust\n"			/* 8 */
		"reputation add 10.0.0.0/8 score 60\n"		/* 9 */
		"ssl-policy add pol profile p3 proxy web\n"	/* 10 */
		"rules load x.rules\n"),			/* 11 */
		"ssl-policy del pol profile p1\n"
		"tm del b\n"
		"segment del s1\n"
		"profile del p2\n"
		"@1 config set max-flows 200\n"
		"@2 profile set p1 rep-block off rep-alert 30\n"
		"@3 profile add p3\n"
		"@4 segment add s1 profile p3 ports eth0 eth1 position 0\n"
		"@7 tm add new action block position 2\n"
		"@9 reputation add 10.0.0.0/8 score 60\n"
		"@10 ssl-policy add pol profile p3 proxy web\n"
		"@11 rules load x.rules\n"
		"+3 ~4 -3");
}
END_TEST

START_TEST(test_diff_order)
{
	/* d moved to the front: only d moves */
	ck_assert_str_eq(diff(running,
		"config set max-flows 100 flow-full drop\n"
		"profile add p1 rep-block 80\nprofile add p2\n"
		"segment add s1 profile p1 ports eth0 eth1\n"
		"tm add d action trust\n"
		"tm add a action block reset\n"
		"tm add b action permit\n"
		"tm add c action block\n"
		"reputation add 10.0.0.0/8 score 50\n"
		"ssl-policy add pol profile p1 proxy web\n"),
		"tm del d\n"
		"@5 tm add d action trust position 0\n"
		"+0 ~1 -0");
	/* everything removed, last type first */
	ck_assert_str_eq(diff(running, ""),
		"ssl-policy del pol profile p1\n"
		"reputation del 10.0.0.0/8\n"
		"tm del a\ntm del b\ntm del c\ntm del d\n"
		"segment del s1\n"
		"profile del p1\nprofile del p2\n"
		"+0 ~0 -9");
}
END_TEST

/* `reputation load' keeps the entries the file does not list */
START_TEST(test_diff_managed)
{
	ck_assert_str_eq(diff("reputation add 10.0.0.0/8 score 50\n"
			      "reputation add 10.1.0.0/16 score 5\n"
			      "tm add a action block\n",
			      "reputation add 10.1.0.0/16 score 6\n"
			      "reputation load feed.txt\n"),
			 "tm del a\n"
			 "@1 reputation add 10.1.0.0/16 score 6\n"
			 "@2 reputation load feed.txt\n"
			 "+0 ~1 -1");
}
END_TEST

/* The first command that touches a locked running object, or "none". */
static char *locked(const char *have, const char *want)
{
	static char out[1024];
	struct conf_file h, w;
	struct conf_ops ops;
	unsigned int errline;
	long i;

	ck_assert_int_eq(read_text(have, &h, &errline), 0);
	ck_assert_int_eq(read_text(want, &w, &errline), 0);
	ck_assert_int_eq(conf_diff(types, &h, &w, &ops, &errline, err, sizeof(err)), 0);
	i = conf_locked_op(types, &h, &w, &ops, &errline, err, sizeof(err));
	if (i < 0)
		snprintf(out, sizeof(out), "none");
	else
		snprintf(out, sizeof(out), "%s %s @%u: %s", ops.v[i].argv[0],
			 ops.v[i].argv[1], errline, err);
	conf_ops_free(&ops);
	conf_free(&h);
	conf_free(&w);
	return out;
}

START_TEST(test_locked)
{
	static const char run[] =
		"profile add p1 rep-block 80 locked on\n"
		"profile add p2 rep-block 80\n"
		"ssl-policy add pol profile p1 proxy web locked on\n";

	/* nothing changes: nothing to refuse */
	ck_assert_str_eq(locked(run, run), "none");
	/* an unlocked object changes; a locked one stays */
	ck_assert_str_eq(locked(run, "profile add p1 rep-block 80 locked on\n"
				     "profile add p2 rep-block 70\n"
				     "ssl-policy add pol profile p1 proxy web locked on\n"), "none");
	/* locking an unlocked one is no change of a locked object */
	ck_assert_str_eq(locked(run, "profile add p1 rep-block 80 locked on\n"
				     "profile add p2 rep-block 80 locked on\n"
				     "ssl-policy add pol profile p1 proxy web locked on\n"), "none");
	/* a setting of a locked profile: its line */
	ck_assert_str_eq(locked(run, "profile add p2 rep-block 80\n"
				     "profile add p1 rep-block 60 locked on\n"
				     "ssl-policy add pol profile p1 proxy web locked on\n"),
			 "profile set @2: profile p1 is locked: changing it needs --unlock");
	/* unlocking is a change */
	ck_assert_str_eq(locked(run, "profile add p1 rep-block 80\n"
				     "profile add p2 rep-block 80\n"
				     "ssl-policy add pol profile p1 proxy web locked on\n"),
			 "profile set @1: profile p1 is locked: changing it needs --unlock");
	/* a locked SSL policy changed (del and add again): the file's line */
	ck_assert_str_eq(locked(run, "profile add p1 rep-block 80 locked on\n"
				     "profile add p2 rep-block 80\n"
				     "ssl-policy add pol profile p1 proxy web disabled locked on\n"),
			 "ssl-policy del @3: ssl-policy pol (profile p1) is locked: "
			 "changing it needs --unlock");
	/* removed by the file */
	ck_assert_str_eq(locked(run, "profile add p1 rep-block 80 locked on\n"),
			 "ssl-policy del @0: ssl-policy pol (profile p1) is locked: "
			 "removing it needs --unlock");
	ck_assert_str_eq(locked("profile add p1 locked on\n", ""),
			 "profile del @0: profile p1 is locked: removing it needs --unlock");
	/* `locked off' on the running side is not locked */
	ck_assert_str_eq(locked("profile add p1 locked off\n", ""), "none");
}
END_TEST

START_TEST(test_diff_errors)
{
	ck_assert_str_eq(diff("", "profile add a\n\n# x\nprofile add b\nprofile add a rep-block 3\n"),
			 "ERR 5: profile a: already on line 1");
	/* the same name under another key keyword is another object */
	ck_assert_str_eq(diff("", "ssl-policy add x profile a proxy w\n"
			      "ssl-policy add x profile b proxy w\n"),
			 "@1 ssl-policy add x profile a proxy w\n"
			 "@2 ssl-policy add x profile b proxy w\n+2 ~0 -0");
	ck_assert_str_eq(diff("", "profile add a\ntm del x\n"),
			 "ERR 2: `tm del' is not a configuration command "
			 "(see `tlsictl save' for what a file holds)");
	ck_assert_str_eq(diff("", "stats\n"),
			 "ERR 1: `stats' alone is not a configuration line");
	ck_assert_str_eq(diff("", "profile add\n"), "ERR 1: profile add: missing name");
	ck_assert_str_eq(diff("", "ssl-policy add x proxy w\n"),
			 "ERR 1: ssl-policy add x: missing profile");
	ck_assert_str_eq(diff("", "tm add x action block position 0\n"),
			 "ERR 1: tm add x: no `position' in a configuration file: "
			 "the order of the lines is the order");
}
END_TEST

static Suite *conffile_suite(void)
{
	Suite *s = suite_create("conffile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_too_many_words);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_print_roundtrip);
	tcase_add_test(tc, test_diff_same);
	tcase_add_test(tc, test_diff_changes);
	tcase_add_test(tc, test_diff_order);
	tcase_add_test(tc, test_diff_managed);
	tcase_add_test(tc, test_diff_errors);
	tcase_add_test(tc, test_locked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(conffile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
