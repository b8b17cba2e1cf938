// SPDX-License-Identifier: GPL-2.0
/*
 * The rule image published for tlsid (userspace/lib/rules_image.c): the
 * kernel's variable rewrite reproduced in userspace (the rewritten image
 * validates and matches with the new values, the rules untouched), the
 * atomic publication, the path from the environment, and the
 * tlsi_quarantine metadata as tlsi.ko reads it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "rules_compile.h"
#include "rules_image.h"
#include "rules_parse.h"
#include <uapi/linux/tlsi.h>

struct img {
	uint8_t *p;
	size_t len;
	struct tlsi_eng e;
};

static void compile(struct img *im, const char *home_net, const char *http_ports,
		    const char *rule)
{
	struct rp_set set;
	char err[512];

	rp_set_init(&set);
	ck_assert_msg(rp_set_var(&set, "HOME_NET", home_net, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(rp_set_var(&set, "HTTP_PORTS", http_ports, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(rp_parse_rule(&set, "t.rules", 1, rule), 1);
	ck_assert_uint_eq(set.nrules, 1);
	ck_assert_msg(rc_compile(&set, &im->p, &im->len, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(tlsi_eng_init(&im->e, im->p, im->len, err, sizeof(err)) == 0, "%s", err);
	rp_set_free(&set);
}

static unsigned int alerts;

static void on_alert(void *arg, struct tlsi_eng_flow *f, const struct tlsi_eng_alert *a)
{
	alerts++;
}

/* Does the rule of im fire on client c4 -> 192.0.2.1:sport sending "xabcx"? */
static bool fires(struct img *im, const uint8_t c4[4], uint16_t sport)
{
	static const uint8_t s4[4] = { 192, 0, 2, 1 };
	struct tlsi_eng_cfg cfg = { .alert = on_alert };
	struct tlsi_eng_ctx c = { .eng = &im->e, .cfg = &cfg };
	struct tlsi_eng_flow *f = calloc(1, sizeof(*f));
	uint8_t ca[16], sa[16];

	c.s = calloc(1, tlsi_eng_scratch_size(&im->e));
	ck_assert(f && c.s);
	tlsi_eng_addr4(ca, c4);
	tlsi_eng_addr4(sa, s4);
	tlsi_eng_flow_init(f, ca, 40000, sa, sport);
	alerts = 0;
	tlsi_eng_inspect(&c, f, TLSI_DIR_TO_SERVER, (const uint8_t *)"xabcx", 5);
	free(c.s);
	free(f);
	return alerts > 0;
}

static const char rule[] =
	"alert tcp $HOME_NET any -> any $HTTP_PORTS (msg:\"t\"; flow:to_server; "
	"content:\"abc\"; sid:1; rev:1;)";
static const uint8_t ten[4] = { 10, 0, 0, 1 }, home[4] = { 172, 16, 5, 5 };

static struct tlsi_img_addr addr_item(uint8_t a, uint8_t b, uint8_t plen)
{
	struct tlsi_img_addr x;

	memset(&x, 0, sizeof(x));
	x.addr[10] = 0xff;
	x.addr[11] = 0xff;
	x.addr[12] = a;
	x.addr[13] = b;
	x.plen = (uint8_t)(96 + plen);
	return x;
}

START_TEST(test_no_change_is_identity)
{
	struct img im;
	uint8_t *out;
	size_t len;
	char err[256];

	compile(&im, "[10.0.0.0/8]", "[80,8080]", rule);
	ck_assert_int_eq(ri_with_vars(im.p, im.len, NULL, 0, &out, &len, err, sizeof(err)), 0);
	/* the compiler lays the sections out as the kernel's rewrite does */
	ck_assert_uint_eq(len, im.len);
	ck_assert(!memcmp(out, im.p, len));
	free(out);
	free(im.p);
}
END_TEST

START_TEST(test_vars_rewritten)
{
	struct tlsi_img_addr a = addr_item(172, 16, 12);
	struct tlsi_img_port p;
	struct tlsi_img_var_update u[2];
	struct img im, nim;
	char err[256];
	int hv, pv;

	compile(&im, "[10.0.0.0/8]", "80", rule);
	ck_assert(fires(&im, ten, 80));
	ck_assert(!fires(&im, home, 80));
	ck_assert(!fires(&im, ten, 8080));
	hv = ri_var_find(&im.e, "HOME_NET");
	pv = ri_var_find(&im.e, "HTTP_PORTS");
	ck_assert_int_ge(hv, 0);
	ck_assert_int_ge(pv, 0);
	ck_assert_int_eq(ri_var_find(&im.e, "NO_SUCH_VAR"), -1);

	memset(&p, 0, sizeof(p));
	p.lo = 8000;
	p.hi = 8080;
	u[0] = (struct tlsi_img_var_update){ .var = (uint32_t)pv, .kind = TLSI_VAR_PORT, .items = &p,
				       .count = 1 };
	u[1] = (struct tlsi_img_var_update){ .var = (uint32_t)hv, .kind = TLSI_VAR_ADDR, .items = &a,
				       .count = 1 };
	ck_assert_int_eq(ri_with_vars(im.p, im.len, u, 2, &nim.p, &nim.len, err, sizeof(err)), 0);
	ck_assert_msg(tlsi_img_validate(nim.p, nim.len, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(tlsi_eng_init(&nim.e, nim.p, nim.len, err, sizeof(err)), 0);
	/* one 24-byte address and one 12-byte port more, sections padded to 8
	 * bytes (the old padding may hold some of the port) */
	ck_assert_uint_ge(nim.len, im.len + 24 + 8);
	ck_assert_uint_le(nim.len, im.len + 24 + 16);
	ck_assert_uint_eq(le32v(nim.e.hdr->total_size), nim.len);
	/* the new items sit after the old ones; the variables point at them */
	ck_assert_uint_eq(u[1].first, tlsi_img_sect_size(im.p, TLSI_IMG_S_ADDRS) / 24);
	ck_assert_uint_eq(u[0].first, tlsi_img_sect_size(im.p, TLSI_IMG_S_PORTS) / 12);
	ck_assert_uint_eq(le32v(nim.e.vars[hv].first), u[1].first);
	ck_assert_uint_eq(le32v(nim.e.vars[hv].count), 1);
	ck_assert(!memcmp(&nim.e.addrs[u[1].first], &a, sizeof(a)));
	/* the rules and their programs are the same bytes, the id is new */
	ck_assert(!memcmp(nim.e.rules, im.e.rules, im.e.nrules * sizeof(*im.e.rules)));
	ck_assert(!memcmp(nim.e.insns, im.e.insns, im.e.ninsns * sizeof(*im.e.insns)));
	ck_assert_uint_ne(nim.e.id, im.e.id);
	ck_assert_uint_eq(le32v(nim.e.hdr->build_id), le32v(im.e.hdr->build_id));
	/* and they match with the new values */
	ck_assert(!fires(&nim, ten, 8080));
	ck_assert(fires(&nim, home, 8080));
	ck_assert(!fires(&nim, home, 80));
	/* a second change grows the image again, the same way */
	{
		struct tlsi_img_addr b[2] = { addr_item(10, 0, 8), addr_item(172, 16, 12) };
		struct tlsi_img_var_update v = { .var = (uint32_t)hv, .kind = TLSI_VAR_ADDR,
					   .items = b, .count = 2 };
		struct img n2;

		ck_assert_int_eq(ri_with_vars(nim.p, nim.len, &v, 1, &n2.p, &n2.len, err,
					      sizeof(err)), 0);
		ck_assert_int_eq(tlsi_eng_init(&n2.e, n2.p, n2.len, err, sizeof(err)), 0);
		ck_assert_uint_eq(v.first, u[1].first + 1);
		ck_assert(fires(&n2, ten, 8080));
		ck_assert(fires(&n2, home, 8000));
		free(n2.p);
	}
	free(nim.p);
	free(im.p);
}
END_TEST

START_TEST(test_bad_input)
{
	struct img im;
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;
	char err[256];
	struct tlsi_img_port p = { 0 };
	struct tlsi_img_var_update u = { .var = 9999, .kind = TLSI_VAR_PORT, .items = &p, .count = 1 };

	ck_assert_int_eq(ri_with_vars("x", 1, NULL, 0, &out, &len, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	compile(&im, "any", "80", rule);
	ck_assert_int_eq(ri_with_vars(im.p, im.len, &u, 1, &out, &len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "variable 9999") != NULL, "%s", err);
	free(im.p);
}
END_TEST

static char tmpdir[64];

static void rm_rf_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static unsigned int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(test_publish)
{
	char dir[128], path[160], err[512], buf[16];
	struct stat st, st2;
	FILE *f;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_rules_image.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	snprintf(path, sizeof(path), "%s/rules.img", dir);
	umask(077);
	ck_assert_msg(ri_publish(path, "first", 5, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);	/* whatever the umask */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_uint_eq(st.st_size, 5);
	/* replaced by a new file (a new inode: readers see one or the other) */
	ck_assert_msg(ri_publish(path, "second!", 7, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_ne(st.st_ino, st2.st_ino);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, sizeof(buf), f), 7);
	ck_assert(!memcmp(buf, "second!", 7));
	fclose(f);
	ck_assert_uint_eq(entries(dir), 1);		/* no temporary file left */
	ck_assert_int_eq(ri_unpublish(path, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(ri_unpublish(path, err, sizeof(err)), 0);	/* gone: fine */
	/* a missing parent is not created */
	snprintf(path, sizeof(path), "%s/no/such/rules.img", tmpdir);
	ck_assert_int_eq(ri_publish(path, "x", 1, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	rm_rf_tmp();
}
END_TEST

START_TEST(test_path)
{
	unsetenv(TLSI_RULES_IMAGE_ENV);
	ck_assert_str_eq(ri_path(), "/run/tlsi/rules.img");
	setenv(TLSI_RULES_IMAGE_ENV, "/tmp/x.img", 1);
	ck_assert_str_eq(ri_path(), "/tmp/x.img");
	setenv(TLSI_RULES_IMAGE_ENV, "", 1);
	ck_assert_ptr_null(ri_path());
	unsetenv(TLSI_RULES_IMAGE_ENV);
}
END_TEST

START_TEST(test_meta_quarantine)
{
#define Q(s) tlsi_img_meta_quarantine((s), (uint32_t)strlen(s), TLSI_TIMEOUT_MAX)
	ck_assert_uint_eq(Q(""), 0);
	ck_assert_uint_eq(Q("tlsi_quarantine 120"), 120);
	ck_assert_uint_eq(Q("created_at 2020_01_01, tlsi_quarantine 60"), 60);
	ck_assert_uint_eq(Q("tlsi_quarantine on"), UINT32_MAX);
	ck_assert_uint_eq(Q("tlsi_quarantine"), UINT32_MAX);
	ck_assert_uint_eq(Q("tlsi_quarantine 0"), UINT32_MAX);
	ck_assert_uint_eq(Q("tlsi_quarantine,x 5"), UINT32_MAX);
	ck_assert_uint_eq(Q("tlsi_quarantine 99999999999999"), TLSI_TIMEOUT_MAX);
	ck_assert_uint_eq(Q("xtlsi_quarantine 5"), 0);
	ck_assert_uint_eq(Q("tlsi_quarantines 5"), 0);
	ck_assert_uint_eq(Q("tlsi_quarantin"), 0);
#undef Q
}
END_TEST

static Suite *rules_image_suite(void)
{
	Suite *s = suite_create("rules_image");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_no_change_is_identity);
	tcase_add_test(tc, test_vars_rewritten);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_publish);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_meta_quarantine);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rules_image_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
