// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/lib/ciphersel.c: SSL proxies' cipher suite
 * selections (names, the guide's classes, removal, refusals) and the
 * protocol range check, against the OpenSSL the tools link.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciphersel.h"

static char err[256];

#define ERR_HAS(s) ck_assert_msg(strstr(err, (s)) != NULL, "error `%s' lacks `%s'", err, (s))

static struct ciphersel sel(const char *spec)
{
	struct ciphersel cs;

	ck_assert_msg(ciphersel_parse("client-ciphers", spec, &cs, err, sizeof(err)) == 0,
		      "`%s' refused: %s", spec, err);
	return cs;
}

static bool has(const struct ciphersel *cs, const char *name)
{
	unsigned i;

	for (i = 0; i < cs->n; i++)
		if (!strcmp(SSL_CIPHER_get_name(cs->suite[i]), name))
			return true;
	return false;
}

static void refused(const char *spec, const char *msg)
{
	struct ciphersel cs;

	ck_assert_msg(ciphersel_parse("client-ciphers", spec, &cs, err, sizeof(err)) != 0,
		      "`%s' accepted", spec);
	ERR_HAS(msg);
	ERR_HAS("client-ciphers");
}

/* The default: forward-secret AEAD only, TLS 1.3's three usual suites. */
START_TEST(test_default)
{
	struct ciphersel cs = sel("default");
	unsigned i;

	ck_assert(has(&cs, "TLS_AES_128_GCM_SHA256"));
	ck_assert(has(&cs, "TLS_AES_256_GCM_SHA384"));
	ck_assert(has(&cs, "TLS_CHACHA20_POLY1305_SHA256"));
	ck_assert(!has(&cs, "TLS_AES_128_CCM_SHA256"));
	ck_assert(has(&cs, "ECDHE-RSA-AES128-GCM-SHA256"));
	ck_assert(has(&cs, "ECDHE-ECDSA-CHACHA20-POLY1305"));
	ck_assert(has(&cs, "DHE-RSA-AES256-GCM-SHA384"));
	for (i = 0; i < cs.n; i++) {
		int kx = SSL_CIPHER_get_kx_nid(cs.suite[i]);

		ck_assert_msg(SSL_CIPHER_is_aead(cs.suite[i]), "%s",
			      SSL_CIPHER_get_name(cs.suite[i]));
		ck_assert_msg(kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any, "%s",
			      SSL_CIPHER_get_name(cs.suite[i]));
		ck_assert_msg(!strstr(SSL_CIPHER_get_name(cs.suite[i]), "CCM") &&
			      !strstr(SSL_CIPHER_get_name(cs.suite[i]), "ARIA"), "%s",
			      SSL_CIPHER_get_name(cs.suite[i]));
	}
	ck_assert_uint_eq(cs.n, 12);
	ck_assert_int_eq(ciphersel_covers("c", &cs, TLS1_2_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
}
END_TEST

START_TEST(test_names)
{
	struct ciphersel cs = sel("ECDHE-RSA-AES128-GCM-SHA256,TLS_AES_256_GCM_SHA384");

	ck_assert_uint_eq(cs.n, 2);
	/* IANA names, any case. */
	cs = sel("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,ecdhe-rsa-aes256-sha");
	ck_assert_uint_eq(cs.n, 2);
	ck_assert(has(&cs, "ECDHE-RSA-AES128-SHA"));
	ck_assert(has(&cs, "ECDHE-RSA-AES256-SHA"));
}
END_TEST

/* Classes: every criterion of a term, any value within one. */
START_TEST(test_classes)
{
	struct ciphersel cs = sel("kx:ecdhe+auth:rsa+enc:aes128-gcm/aes256-gcm");
	unsigned i;

	/* TLS 1.3's two GCM suites and ECDHE-RSA's two. */
	ck_assert_uint_eq(cs.n, 4);
	ck_assert(has(&cs, "TLS_AES_128_GCM_SHA256"));
	ck_assert(has(&cs, "ECDHE-RSA-AES256-GCM-SHA384"));
	cs = sel("kx:rsa");
	for (i = 0; i < cs.n; i++)
		ck_assert(SSL_CIPHER_get_kx_nid(cs.suite[i]) == NID_kx_rsa);
	ck_assert(has(&cs, "AES128-SHA"));
	ck_assert(!has(&cs, "TLS_AES_128_GCM_SHA256"));
	cs = sel("mac:sha1+auth:ecdsa");
	ck_assert(has(&cs, "ECDHE-ECDSA-AES128-SHA"));
	ck_assert(!has(&cs, "ECDHE-RSA-AES128-SHA"));
	ck_assert(!has(&cs, "ECDHE-ECDSA-AES128-SHA256"));
	cs = sel("mac:aead+enc:chacha20");
	ck_assert(has(&cs, "TLS_CHACHA20_POLY1305_SHA256"));
	ck_assert(has(&cs, "DHE-RSA-CHACHA20-POLY1305"));
}
END_TEST

START_TEST(test_remove)
{
	struct ciphersel cs = sel("default,-kx:dhe");
	unsigned i;

	for (i = 0; i < cs.n; i++)
		ck_assert(SSL_CIPHER_get_kx_nid(cs.suite[i]) != NID_kx_dhe);
	/* TLS 1.3 suites count as DHE too: gone with it. */
	ck_assert(!has(&cs, "TLS_AES_128_GCM_SHA256"));
	cs = sel("all,-mac:sha1,-kx:rsa");
	ck_assert(!has(&cs, "ECDHE-RSA-AES128-SHA"));
	ck_assert(!has(&cs, "AES128-GCM-SHA256"));
	ck_assert(has(&cs, "ECDHE-RSA-AES128-SHA256"));
	cs = sel("default,-TLS_AES_128_GCM_SHA256,TLS_AES_128_CCM_SHA256");
	ck_assert(!has(&cs, "TLS_AES_128_GCM_SHA256"));
	ck_assert(has(&cs, "TLS_AES_128_CCM_SHA256"));
}
END_TEST

START_TEST(test_refused)
{
	refused("", "empty selection");
	refused("NOPE", "unknown cipher suite `NOPE'");
	refused("default,NULL-SHA256", "unknown cipher suite `NULL-SHA256'");
	refused("ADH-AES128-SHA", "unknown cipher suite");
	refused("kx:foo", "unknown key exchange class `foo' (ecdhe, dhe, rsa)");
	refused("enc:rc4", "unknown encryption class `rc4'");
	refused("mac:md5", "unknown MAC class `md5'");
	refused("auth:dss", "unknown authentication class `dss'");
	refused("size:big", "unknown criterion `size'");
	refused("kx:ecdhe+kx:dhe", "twice");
	refused("kx:", "without a class");
	refused("default,", "empty term");
	refused(",default", "empty term");
	refused("default,,all", "empty term");
	refused("-", "without a suite");
	refused("default,-all", "selects no cipher suite");
	refused("kx:rsa+enc:chacha20", "selects no cipher suite");
}
END_TEST

/* Every version of the range needs a suite of its own. */
START_TEST(test_covers)
{
	struct ciphersel cs = sel("default");

	ck_assert_int_ne(ciphersel_covers("c", &cs, TLS1_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
	ERR_HAS("no selected suite works in tls1.0");
	cs = sel("default,kx:ecdhe+enc:aes128-cbc+mac:sha1");
	ck_assert_int_eq(ciphersel_covers("c", &cs, TLS1_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
	cs = sel("ECDHE-RSA-AES128-GCM-SHA256");
	ck_assert_int_ne(ciphersel_covers("c", &cs, TLS1_2_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
	ERR_HAS("tls1.3");
	ck_assert_int_eq(ciphersel_covers("c", &cs, TLS1_2_VERSION, TLS1_2_VERSION, err,
					  sizeof(err)), 0);
	cs = sel("TLS_AES_128_GCM_SHA256");
	ck_assert_int_ne(ciphersel_covers("c", &cs, TLS1_2_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
	ERR_HAS("tls1.2");
	ck_assert_int_eq(ciphersel_covers("c", &cs, TLS1_3_VERSION, TLS1_3_VERSION, err,
					  sizeof(err)), 0);
}
END_TEST

START_TEST(test_openssl_lists)
{
	struct ciphersel cs = sel("ECDHE-RSA-AES128-GCM-SHA256,TLS_AES_256_GCM_SHA384,AES128-SHA");
	char l12[1024], l13[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());

	ciphersel_openssl(&cs, l12, sizeof(l12), l13, sizeof(l13));
	ck_assert_str_eq(l13, "TLS_AES_256_GCM_SHA384");
	ck_assert_ptr_nonnull(strstr(l12, "ECDHE-RSA-AES128-GCM-SHA256"));
	ck_assert_ptr_nonnull(strstr(l12, "AES128-SHA"));
	/* OpenSSL takes what it gave. */
	ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, l12), 1);
	ck_assert_int_eq(SSL_CTX_set_ciphersuites(ctx, l13), 1);
	SSL_CTX_free(ctx);
}
END_TEST

START_TEST(test_versions)
{
	ck_assert_int_eq(ciphersel_version("tls1.0"), TLS1_VERSION);
	ck_assert_int_eq(ciphersel_version("TLS1.3"), TLS1_3_VERSION);
	ck_assert_int_eq(ciphersel_version("ssl3"), 0);
	ck_assert_int_eq(ciphersel_version("tls1.4"), 0);
	ck_assert_str_eq(ciphersel_version_name(TLS1_1_VERSION), "tls1.1");
	ck_assert_ptr_null(ciphersel_version_name(SSL3_VERSION));
}
END_TEST

static Suite *ciphersel_suite(void)
{
	Suite *s = suite_create("ciphersel");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_covers);
	tcase_add_test(tc, test_openssl_lists);
	tcase_add_test(tc, test_versions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ciphersel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
