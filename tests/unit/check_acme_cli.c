// SPDX-License-Identifier: GPL-2.0
/*
 * `tlsictl cert acme' through the built binary, with tests/unit/fake-uacme
 * in uacme's place (the same command line and hook protocol, a local CA)
 * and the real hook, scripts/tlsi-acme-hook:
 *   - bad input (wildcards, bad domains, key types, URLs, e-mail, unknown
 *     keywords, a name taken by a certificate that is not ACME's) refused
 *     with a message naming it, and nothing created: neither the ACME
 *     directory nor the repository;
 *   - request: the certificate in the repository with its ACME record,
 *     the key type passed on, challenges published where tlsid reads them
 *     and removed after;
 *   - renew and renew-due (by the days left) replace it with a new serial,
 *     the old one kept as NAME_REPLACED;
 *   - a failed validation: exit 1, the CA's words in the message and in
 *     status, the certificate untouched; a failed first request retried
 *     by renew;
 *   - del.
 * The pebble-backed run through tlsi.ko is tests/vm/47-acme.sh.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_harness.h"

static char base[64], dir[128], repo[192], acme[192], flog[192];
static char fake[PATH_MAX], hook[PATH_MAX];
static struct cli_result r;

static int run(const char *const *args)
{
	return cli_tlsictl_run(dir, NULL, args, &r);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })
#define ERR_HAS(s) ck_assert_msg(strstr(r.err, (s)) != NULL, "stderr lacks `%s':\n%s", (s), r.err)
#define OUT_HAS(s) ck_assert_msg(strstr(r.out, (s)) != NULL, "stdout lacks `%s':\n%s", (s), r.out)
#define OUT_LACKS(s) ck_assert_msg(strstr(r.out, (s)) == NULL, "stdout has `%s':\n%s", (s), r.out)
#define OK(...) ck_assert_msg(RUN(__VA_ARGS__) == 0, "exit %d: %s", r.code, r.err)

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void setup(void)
{
	char cmd[1024];

	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(repo, sizeof(repo), "%s/repo", dir);
	snprintf(acme, sizeof(acme), "%s/acme", dir);
	snprintf(flog, sizeof(flog), "%s/fake.log", dir);
	setenv("TLSI_CERT_REPO", repo, 1);
	setenv("TLSI_ACME_DIR", acme, 1);
	setenv("TLSI_UACME", fake, 1);
	setenv("TLSI_ACME_HOOK", hook, 1);
	setenv("FAKE_LOG", flog, 1);
	unsetenv("FAKE_FAIL");
	unsetenv("FAKE_DAYS");
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -days 30 -subj '/CN=fake ACME CA' -keyout %s/ca.key -out %s/ca.crt "
		 "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
		 "2>/dev/null", dir, dir);
	sh(cmd);
	snprintf(cmd, sizeof(cmd), "%s/ca.crt", dir);
	setenv("FAKE_CA_CERT", cmd, 1);
	snprintf(cmd, sizeof(cmd), "%s/ca.key", dir);
	setenv("FAKE_CA_KEY", cmd, 1);
}

static void teardown(void)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The value after key in the first line of r.out that starts with name. */
static void field(const char *name, const char *key, char *out, size_t len)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), " %s ", key);
	p = strstr(r.out, pat);
	ck_assert_msg(p != NULL, "%s: no `%s' in:\n%s", name, key, r.out);
	p += strlen(pat);
	snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
}

static void serial_of(const char *name, char *out, size_t len)
{
	const char *p;

	OK("cert", "show", name);
	p = strstr(r.out, "serial");
	ck_assert_ptr_nonnull(p);
	p += strspn(p + 6, " ") + 6;
	snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* ---- bad input ------------------------------------------------------- */

static void refused(int code, const char *msg, const char *const *args)
{
	ck_assert_msg(run(args) == code, "exit %d, expected %d: %s", r.code, code, r.err);
	ERR_HAS(msg);
	ck_assert_msg(!exists(acme), "a refused request made %s", acme);
	ck_assert_msg(!exists(flog), "a refused request ran uacme");
}

#define REFUSED(code, msg, ...) refused(code, msg, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(bad_input)
{
	REFUSED(2, "wildcard certificates need the dns-01 challenge",
		"cert", "acme", "request", "w", "domains", "*.example.test");
	REFUSED(2, "domain `*.example.test': wildcard",
		"cert", "acme", "request", "w", "domains", "www.example.test,*.example.test");
	REFUSED(2, "domain `a..example.test'", "cert", "acme", "request", "w", "domains",
		"a..example.test");
	REFUSED(2, "domain `-a.example.test'", "cert", "acme", "request", "w", "domains",
		"-a.example.test");
	REFUSED(2, "domain `a_b.example.test'", "cert", "acme", "request", "w", "domains",
		"a_b.example.test");
	REFUSED(2, "domain `localhost': not a fully qualified", "cert", "acme", "request", "w",
		"domains", "localhost");
	REFUSED(2, "domain `10.9.0.2': an IP address", "cert", "acme", "request", "w",
		"domains", "10.9.0.2");
	REFUSED(2, "domain `a.example.test': listed twice", "cert", "acme", "request", "w",
		"domains", "a.example.test,A.example.test");
	REFUSED(2, "an empty domain", "cert", "acme", "request", "w", "domains",
		"a.example.test,,b.example.test");
	REFUSED(2, "an empty domain", "cert", "acme", "request", "w", "domains", "a.example.test,");
	REFUSED(2, "domains `': empty", "cert", "acme", "request", "w", "domains", "");
	REFUSED(2, "missing `domains", "cert", "acme", "request", "w", "key", "ec:256");
	REFUSED(2, "key `rsa:1024': must be rsa:2048", "cert", "acme", "request", "w",
		"domains", "a.example.test", "key", "rsa:1024");
	REFUSED(2, "key `rsa2048'", "cert", "acme", "request", "w", "domains", "a.example.test",
		"key", "rsa2048");
	REFUSED(2, "directory `http://ca.test/dir': must be an https:// URL", "cert", "acme",
		"request", "w", "domains", "a.example.test", "directory", "http://ca.test/dir");
	REFUSED(2, "directory `https://ca test/'", "cert", "acme", "request", "w", "domains",
		"a.example.test", "directory", "https://ca test/");
	REFUSED(2, "email", "cert", "acme", "request", "w", "domains", "a.example.test",
		"email", "not-an-address");
	REFUSED(2, "unknown keyword `dns'", "cert", "acme", "request", "w", "domains",
		"a.example.test", "dns", "b.example.test");
	REFUSED(2, "keyword `key' given twice", "cert", "acme", "request", "w", "domains",
		"a.example.test", "key", "ec:256", "key", "ec:256");
	REFUSED(2, "name `ca'", "cert", "acme", "request", "ca", "domains", "a.example.test");
	REFUSED(2, "name `a/b'", "cert", "acme", "request", "a/b", "domains", "a.example.test");
	REFUSED(2, "missing NAME", "cert", "acme", "request");
	REFUSED(1, "ca-bundle `/nonexistent.pem'", "cert", "acme", "request", "w", "domains",
		"a.example.test", "ca-bundle", "/nonexistent.pem");
	REFUSED(1, "ca-bundle `/etc/hostname': no PEM certificate", "cert", "acme", "request",
		"w", "domains", "a.example.test", "ca-bundle", "/etc/hostname");
	REFUSED(2, "unknown command `fetch'", "cert", "acme", "fetch", "w");
	REFUSED(2, "days", "cert", "acme", "renew-due", "days", "0");
	REFUSED(1, "name `w': no such ACME certificate", "cert", "acme", "renew", "w");
	REFUSED(1, "name `w': no such ACME certificate", "cert", "acme", "del", "w");
	ck_assert_msg(!exists(repo), "refusals created the repository");
}
END_TEST

START_TEST(name_taken)
{
	char before[CLI_OUT_MAX];

	OK("cert", "new-signing", "web", "cn", "Web CA", "key", "p256");
	/* days-left moves with the clock: the fingerprint and names do not. */
	OK("cert", "show", "web");
	snprintf(before, sizeof(before), "%s", strstr(r.out, "sha256"));
	REFUSED(1, "name `web': already exists (a certificate not managed by ACME)",
		"cert", "acme", "request", "web", "domains", "www.example.test");
	REFUSED(1, "name `web': not an ACME certificate", "cert", "acme", "renew", "web");
	REFUSED(1, "name `web': not an ACME certificate: `cert del'", "cert", "acme", "del",
		"web");
	OK("cert", "show", "web");
	ck_assert_str_eq(strstr(r.out, "sha256"), before);
	OK("cert", "list");
	ck_assert_int_eq(strchr(r.out, '\n') - r.out + 1, (long)strlen(r.out));
	ck_assert(!strncmp(r.out, "web ", 4));
}
END_TEST

/* ---- request, renew, failures ------------------------------------------ */

START_TEST(request_renew)
{
	char s1[128], s2[128], s3[128], v[256];

	OK("cert", "acme", "request", "www", "domains", "www.example.test,Example.test",
	   "key", "ec:256", "email", "admin@example.test", "directory",
	   "https://ca.example.test/dir");
	OK("cert", "list");
	OUT_HAS("www kind certificate");
	OUT_HAS("key p256 cn www.example.test");
	OK("cert", "show", "www");
	OUT_HAS("DNS:www.example.test, DNS:example.test");
	OUT_HAS("CN=fake ACME CA");
	/* uacme was asked for what was requested. */
	r.out[0] = '\0';
	{
		FILE *f = fopen(flog, "r");

		ck_assert_ptr_nonnull(f);
		r.out[fread(r.out, 1, CLI_OUT_MAX - 1, f)] = '\0';
		fclose(f);
	}
	OUT_HAS("-a https://ca.example.test/dir new admin@example.test");
	OUT_HAS("-t EC -b 256 -h ");
	OUT_HAS("issue www.example.test example.test");
	/* The hook removed what it published. */
	snprintf(v, sizeof(v), "%s/challenges", acme);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", v);
		sh(cmd);
	}
	OK("cert", "acme", "status", "www");
	OUT_HAS("www state valid domains www.example.test,example.test key ec:256 "
		"directory https://ca.example.test/dir email admin@example.test");
	OUT_HAS(" next-renewal ");
	field("www", "days-left", v, sizeof(v));
	ck_assert_msg(atoi(v) >= 89 && atoi(v) <= 90, "days-left %s", v);
	OK("-j", "cert", "acme", "status");
	OUT_HAS("\"state\":\"valid\"");
	serial_of("www", s1, sizeof(s1));

	/* A request for a name ACME already has: renew is the way. */
	ck_assert_int_eq(RUN("cert", "acme", "request", "www", "domains", "a.example.test"), 1);
	ERR_HAS("already an ACME certificate");

	OK("cert", "acme", "renew", "www");
	serial_of("www", s2, sizeof(s2));
	ck_assert_str_ne(s1, s2);
	OK("cert", "show", "www_REPLACED");
	OUT_HAS(s1);
	OK("cert", "acme", "status");
	OUT_LACKS("www_REPLACED");

	/* renew-due: 90 days left is not due in 30, is in 91. */
	OK("cert", "acme", "renew-due");
	OUT_HAS("www result not-due days-left ");
	serial_of("www", s3, sizeof(s3));
	ck_assert_str_eq(s2, s3);
	OK("cert", "acme", "renew-due", "days", "91");
	OUT_HAS("www result renewed");
	serial_of("www", s3, sizeof(s3));
	ck_assert_str_ne(s2, s3);
}
END_TEST

START_TEST(validation_fails)
{
	static char pem1[CLI_OUT_MAX], pem2[CLI_OUT_MAX];
	char s1[128], s2[128];

	OK("cert", "acme", "request", "www", "domains", "www.example.test");
	serial_of("www", s1, sizeof(s1));
	OK("cert", "export", "www");
	memcpy(pem1, r.out, sizeof(pem1));
	setenv("FAKE_FAIL", "1", 1);
	ck_assert_int_eq(RUN("cert", "acme", "renew", "www"), 1);
	ERR_HAS("renewal failed: the CA: Connection refused to \"www.example.test\"");
	OK("cert", "acme", "status", "www");
	OUT_HAS("www state failed");
	OUT_HAS("last-error \"the CA: Connection refused to \\\"www.example.test\\\"\"");
	OUT_HAS("last-success");
	/* The certificate is untouched. */
	serial_of("www", s2, sizeof(s2));
	ck_assert_str_eq(s1, s2);
	OK("cert", "export", "www");
	memcpy(pem2, r.out, sizeof(pem2));
	ck_assert_str_eq(pem1, pem2);
	ck_assert_int_eq(RUN("cert", "show", "www_REPLACED"), 1);
	/* renew-due reports it and says so in its exit status. */
	ck_assert_int_eq(RUN("cert", "acme", "renew-due", "days", "1000"), 1);
	OUT_HAS("www result failed");

	/* A first request that fails leaves no certificate, only its state. */
	ck_assert_int_eq(RUN("cert", "acme", "request", "new", "domains", "new.example.test"), 1);
	ERR_HAS("request failed: the CA: Connection refused");
	ck_assert_int_eq(RUN("cert", "show", "new"), 1);
	OK("cert", "acme", "status", "new");
	OUT_HAS("new state failed domains new.example.test");
	OUT_LACKS("not-after");
	/* ... which renew retries. */
	unsetenv("FAKE_FAIL");
	OK("cert", "acme", "renew", "new");
	OK("cert", "acme", "status", "new");
	OUT_HAS("new state valid");
	OUT_LACKS("last-error");
	OK("cert", "show", "new");
}
END_TEST

START_TEST(delete)
{
	char p[300];

	OK("cert", "acme", "request", "www", "domains", "www.example.test");
	OK("cert", "acme", "del", "www");
	OK("cert", "list");
	OUT_LACKS("www");
	OK("cert", "acme", "status");
	OUT_LACKS("www");
	snprintf(p, sizeof(p), "%s/uacme/www", acme);
	ck_assert(!exists(p));
	snprintf(p, sizeof(p), "%s/state/www", acme);
	ck_assert(!exists(p));
	ck_assert_int_eq(RUN("cert", "acme", "status", "www"), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("acme_cli");
	TCase *t = tcase_create("acme");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, bad_input);
	tcase_add_test(t, name_taken);
	tcase_add_test(t, request_renew);
	tcase_add_test(t, validation_fails);
	tcase_add_test(t, delete);
	suite_add_tcase(s, t);
	return s;
}

/* A file of the source tree: from the current directory or ../../ of the
 * test binary. */
static void find(const char *rel, char *out)
{
	char self[PATH_MAX - 64], p[PATH_MAX];
	ssize_t n;

	if (realpath(rel, out) && access(out, X_OK) == 0)
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(p, sizeof(p), "%s/../../%s", self, rel);
	if (!realpath(p, out))
		snprintf(out, PATH_MAX, "%s", rel);
}

int main(void)
{
	SRunner *sr;
	int failed;

	cli_find_tlsictl();
	find("tests/unit/fake-uacme", fake);
	find("scripts/tlsi-acme-hook", hook);
	snprintf(base, sizeof(base), "/tmp/check_acme_cli.XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rmdir(base);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
