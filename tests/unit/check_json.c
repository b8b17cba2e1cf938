// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/json.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static char *buf;
static size_t len;
static FILE *f;

static void open_buf(void)
{
	free(buf);	/* the previous result, no longer needed */
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
}

static const char *close_buf(void)
{
	fclose(f);
	return buf;
}

static const char *escape(const char *s)
{
	open_buf();
	json_write_string(f, s);
	return close_buf();
}

START_TEST(test_escape)
{
	ck_assert_str_eq(escape("plain"), "\"plain\"");
	ck_assert_str_eq(escape(""), "\"\"");
	ck_assert_str_eq(escape("a\"b\\c"), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(escape("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
	ck_assert_str_eq(escape("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	ck_assert_str_eq(escape("/"), "\"/\"");
	/* Valid UTF-8 passes through. */
	ck_assert_str_eq(escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Invalid bytes become U+FFFD. */
	ck_assert_str_eq(escape("a\xff" "b"), "\"a\\ufffdb\"");
	ck_assert_str_eq(escape("\xc3"), "\"\\ufffd\"");
	ck_assert_str_eq(escape("\xc0\xaf"), "\"\\ufffd\\ufffd\"");	/* overlong */
	ck_assert_str_eq(escape("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	ck_assert_str_eq(escape("\xe2\x82"), "\"\\ufffd\\ufffd\"");	/* truncated */
}
END_TEST

START_TEST(test_object)
{
	struct json j;

	open_buf();
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "type", "block");
	json_u64(&j, "sport", 1234);
	json_i64(&j, "neg", -5);
	json_bool(&j, "reset", true);
	json_bool(&j, "x", false);
	json_null(&j, "n");
	json_u64(&j, "big", 18446744073709551615ULL);
	json_end_object(&j);
	ck_assert_str_eq(close_buf(),
			 "{\"type\":\"block\",\"sport\":1234,\"neg\":-5,\"reset\":true,"
			 "\"x\":false,\"n\":null,\"big\":18446744073709551615}\n");
}
END_TEST

START_TEST(test_lines)
{
	struct json j;

	/* Consecutive top-level objects: one per line, no commas. */
	open_buf();
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_u64(&j, "a", 1);
	json_end_object(&j);
	json_begin_object(&j, NULL);
	json_u64(&j, "a", 2);
	json_end_object(&j);
	ck_assert_str_eq(close_buf(), "{\"a\":1}\n{\"a\":2}\n");
}
END_TEST

START_TEST(test_array)
{
	struct json j;

	open_buf();
	json_init(&j, f);
	json_begin_array(&j, NULL);
	json_begin_object(&j, NULL);
	json_string(&j, "name", "s1");
	json_begin_array(&j, "vlans");
	json_u64(&j, NULL, 10);
	json_u64(&j, NULL, 20);
	json_end_array(&j);
	json_begin_object(&j, "nested");
	json_end_object(&j);
	json_end_object(&j);
	json_begin_object(&j, NULL);
	json_string(&j, "name", "s\"2");
	json_end_object(&j);
	json_end_array(&j);
	ck_assert_str_eq(close_buf(),
			 "[\n{\"name\":\"s1\",\"vlans\":[10,20],\"nested\":{}},\n"
			 "{\"name\":\"s\\\"2\"}\n]\n");
}
END_TEST

START_TEST(test_empty_array)
{
	struct json j;

	open_buf();
	json_init(&j, f);
	json_begin_array(&j, NULL);
	json_end_array(&j);
	ck_assert_str_eq(close_buf(), "[]\n");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_object);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_array);
	tcase_add_test(tc, test_empty_array);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
