// SPDX-License-Identifier: GPL-2.0
/*
 * `tlsictl cert' and `tlsictl truststore' through the built binary: help,
 * usage errors (exit 2, a message naming the value, nothing written),
 * refusals (exit 1, repository unchanged), plain and JSON output, the
 * --repo option and TLSI_CERT_REPO, password files and TLSI_PASSWORD,
 * modes of exported files.
 *
 * The binary is $TLSICTL, else userspace/tlsictl/tlsictl from the current
 * directory or from the test binary's ../../ (build it with make userspace).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli_harness.h"

static char base[64], dir[128], repo[192];
static struct cli_result r;

/* Run tlsictl with args (NULL-terminated) in dir. */
static int run(const char *const *args)
{
	return cli_tlsictl_run(dir, NULL, args, &r);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })
#define ERR_HAS(s) ck_assert_msg(strstr(r.err, (s)) != NULL, "stderr lacks `%s':\n%s", (s), r.err)
#define OUT_HAS(s) ck_assert_msg(strstr(r.out, (s)) != NULL, "stdout lacks `%s':\n%s", (s), r.out)
#define OK(...) ck_assert_msg(RUN(__VA_ARGS__) == 0, "exit %d: %s", r.code, r.err)

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(repo, sizeof(repo), "%s/repo", dir);
	setenv("TLSI_CERT_REPO", repo, 1);
	unsetenv("TLSI_PASSWORD");
}

static void teardown(void)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static mode_t mode_of(const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_mode & 07777;
}

/* The repository tree: paths, modes, content hashes. */
static char snap[65536];
static size_t snap_len;

static int snap_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	unsigned char md[32], buf[8192];
	unsigned int i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = S_ISREG(sb->st_mode) ? open(p, O_RDONLY) : -1;
	ssize_t n;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	snap_len += (size_t)snprintf(snap + snap_len, sizeof(snap) - snap_len, "%s %o ", p,
				     (unsigned)sb->st_mode);
	for (i = 0; i < 32 && snap_len + 3 < sizeof(snap); i++)
		snap_len += (size_t)snprintf(snap + snap_len, sizeof(snap) - snap_len, "%02x", md[i]);
	snap_len += (size_t)snprintf(snap + snap_len, sizeof(snap) - snap_len, "\n");
	return 0;
}

static char *snapshot(void)
{
	snap_len = 0;
	snap[0] = '\0';
	nftw(repo, snap_cb, 16, FTW_PHYS);
	return strdup(snap);
}

/* ---- help ------------------------------------------------------------ */

START_TEST(test_help)
{
	static const char *const objects[] = { "cert", "truststore" };
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(RUN(objects[i], "help"), 0);
		OUT_HAS("Usage: tlsictl");
		OUT_HAS("Examples:");
		OUT_HAS("Exit status");
		ck_assert_str_eq(r.err, "");
		ck_assert_int_eq(RUN("help", objects[i]), 0);
		OUT_HAS("Usage: tlsictl");
		ck_assert_int_eq(RUN(objects[i], "add", "--help"), 0);
		OUT_HAS("Usage: tlsictl");
	}
	ck_assert_int_eq(RUN("--help"), 0);
	OUT_HAS("cert ");
	OUT_HAS("truststore ");
	ck_assert_int_eq(RUN("cert", "help"), 0);
	OUT_HAS("new-signing");
	OUT_HAS("persist-keys");
	OUT_HAS("no-trust-anchor");
}
END_TEST

/* ---- usage errors ---------------------------------------------------- */

static const struct usage_case {
	const char *args[20];
	const char *msg;
} usage_cases[] = {
	{ { "cert", "frob" }, "tlsictl: cert: unknown command `frob'" },
	{ { "cert", "new-signing" }, "tlsictl: cert new-signing: missing NAME" },
	{ { "cert", "new-signing", "a" }, "tlsictl: cert new-signing: missing `cn COMMON-NAME'" },
	{ { "cert", "new-signing", "a", "cn", "X", "c", "XX" },
	  "tlsictl: cert new-signing: country `XX': not an ISO 3166 code" },
	{ { "cert", "new-signing", "a", "cn", "X", "country", "us" }, "country `us'" },
	{ { "cert", "new-signing", "a", "cn", "X", "key", "rsa1024" },
	  "tlsictl: cert new-signing: key `rsa1024': RSA keys below 2048 bits are refused" },
	{ { "cert", "new-signing", "a", "cn", "X", "key", "ed448" }, "key `ed448': unknown key type" },
	{ { "cert", "new-signing", "a/b", "cn", "X" }, "name `a/b': bad character `/'" },
	{ { "cert", "new-signing", "ca", "cn", "X" }, "name `ca': reserved" },
	{ { "cert", "new-signing", "x_REPLACED", "cn", "X" }, "the suffix `_REPLACED' is reserved" },
	{ { "cert", "new-signing", "a", "cn", "X", "days", "0" }, "days `0': out of range" },
	{ { "cert", "new-signing", "a", "cn", "X", "days", "36501" }, "days `36501': out of range" },
	{ { "cert", "new-signing", "a", "cn", "X", "signing" }, "unknown keyword `signing'" },
	{ { "cert", "new-signing", "a", "cn", "X", "color", "red" }, "unknown keyword `color'" },
	{ { "cert", "new-signing", "a", "cn", "X", "cn", "Y" }, "keyword `cn' given twice" },
	{ { "cert", "new-signing", "a", "cn" }, "keyword `cn' needs a value" },
	{ { "cert", "new-signing", "a", "cn", "X", "email", "nobody" },
	  "email `nobody': not an e-mail address" },
	{ { "cert", "new-signing", "a", "cn", "X", "email-san", "a@b@c" }, "email-san `a@b@c'" },
	{ { "cert", "request", "a", "cn", "X", "dns", "a.*.example.com" },
	  "dns `a.*.example.com': `*' only as the whole leftmost label" },
	{ { "cert", "request", "a", "cn", "w*.example.com" }, "cn `w*.example.com'" },
	{ { "cert", "request", "a", "cn", "X", "days", "5" }, "unknown keyword `days'" },
	{ { "cert", "request", "a", "cn", "X", "ou", "" }, "ou `': empty" },
	{ { "cert", "import", "a" }, "tlsictl: cert import: missing `cert FILE'" },
	{ { "cert", "import", "a", "cert", "f", "password", "secret" },
	  "passwords are not given as arguments" },
	{ { "cert", "import", "a", "cert", "f", "password-file", "p" },
	  "`password-file' is for an encrypted `key FILE'" },
	{ { "cert", "import", "a", "file", "f" }, "unknown keyword `file'" },
	{ { "cert", "import-p12", "a" }, "tlsictl: cert import-p12: missing `file FILE'" },
	{ { "cert", "import-ca", "a" }, "tlsictl: cert import-ca: missing `file FILE'" },
	{ { "cert", "import-ca", "a", "file", "f", "exportable" }, "unknown keyword `exportable'" },
	{ { "cert", "replace", "a" }, "missing `cert FILE' or `p12 FILE'" },
	{ { "cert", "replace", "a", "p12", "x", "cert", "y" }, "no `cert' or `key'" },
	{ { "cert", "export", "a", "key", "chain" }, "`key' and `chain' do not go together" },
	{ { "cert", "export", "a", "chain", "der" }, "`chain' needs PEM" },
	{ { "cert", "export", "a", "password-file", "x" }, "`password-file' encrypts an exported `key'" },
	{ { "cert", "export-request", "a", "key" }, "unknown keyword `key'" },
	{ { "cert", "del" }, "tlsictl: cert del: missing NAME" },
	{ { "cert", "del", "a", "b" }, "unexpected argument `b'" },
	{ { "cert", "show", "a", "b" }, "unexpected argument `b'" },
	{ { "cert", "show", "a.b" }, "name `a.b': bad character `.'" },
	{ { "cert", "refresh", "now" }, "unexpected argument `now'" },
	{ { "cert", "option", "persist-keys", "maybe" }, "persist-keys `maybe': must be on or off" },
	{ { "cert", "option", "default-ca", "relative.pem" }, "must be an absolute path or none" },
	{ { "cert", "option", "colour", "x" }, "unknown keyword `colour'" },
	{ { "cert", "--repo" }, "tlsictl: cert: option `--repo' needs a directory" },
	{ { "cert", "--repo=", "list" }, "option `--repo': empty directory" },
	{ { "truststore", "add" }, "tlsictl: truststore add: missing NAME" },
	{ { "truststore", "add", "t", "default-ca", "maybe" }, "default-ca `maybe': must be on or off" },
	{ { "truststore", "add", "bad/x" }, "name `bad/x': bad character `/'" },
	{ { "truststore", "add", "t", "del-ca", "x" }, "unknown keyword `del-ca'" },
	{ { "truststore", "add", "t", "ca", "a.b" }, "ca `a.b': bad character" },
	{ { "truststore", "set", "t" }, "tlsictl: truststore set: nothing to set" },
	{ { "truststore", "del", "t", "x" }, "unexpected argument `x'" },
	{ { "truststore", "export", "t", "der" }, "unknown keyword `der'" },
	{ { "truststore", "frob" }, "tlsictl: truststore: unknown command `frob'" },
};

START_TEST(test_usage_errors)
{
	const struct usage_case *c = &usage_cases[_i];

	ck_assert_msg(run(c->args) == 2, "`%s %s ...' exited %d, stderr:\n%s", c->args[0],
		      c->args[1] ? c->args[1] : "", r.code, r.err);
	ERR_HAS(c->msg);
	ck_assert_msg(!strncmp(r.err, "tlsictl: ", 9), "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "");
	/* Usage errors come before the repository is touched. */
	ck_assert_int_ne(access(repo, F_OK), 0);
}
END_TEST

/* ---- a session ------------------------------------------------------- */

START_TEST(test_session)
{
	char *before, *after;

	OK("cert", "new-signing", "inspect ca", "cn", "Example Inspection CA", "key", "p256",
	   "o", "Example Corp", "ou", "R&D", "ou", "Security", "c", "US", "st", "Missouri",
	   "l", "Saint Louis", "email", "pki@example.com", "days", "365", "exportable");
	ck_assert_str_eq(r.out, "");
	ck_assert_int_eq(RUN("cert", "list"), 0);
	OUT_HAS("\"inspect ca\" kind certificate status valid days-left 36");
	OUT_HAS("key p256 cn \"Example Inspection CA\" signing exportable\n");
	ck_assert_int_eq(RUN("-j", "cert", "list"), 0);
	OUT_HAS("[\n{\"name\":\"inspect ca\",\"kind\":\"certificate\",\"status\":\"valid\","
		"\"days_left\":36");
	OUT_HAS("\"signing\":true,\"exportable\":true,\"refs\":[]}\n]\n");
	ck_assert_int_eq(RUN("cert", "show", "inspect ca"), 0);
	OUT_HAS("status       valid\n");
	OUT_HAS("subject      emailAddress=pki@example.com,CN=Example Inspection CA,OU=Security,"
		"OU=R&D,O=Example Corp,L=Saint Louis,ST=Missouri,C=US\n");
	ck_assert_int_eq(RUN("-j", "cert", "show", "inspect ca"), 0);
	ck_assert_int_eq(r.out[0], '{');
	OUT_HAS("\"has_key\":true");
	OUT_HAS("\"san\":[]");

	/* Exports: a certificate 0644 by umask, a key 0600. */
	umask(022);
	OK("cert", "export", "inspect ca", "out", "ca.pem");
	ck_assert_int_eq(mode_of("ca.pem"), 0644);
	OK("cert", "export", "inspect ca", "key", "out", "ca.key");
	ck_assert_int_eq(mode_of("ca.key"), 0600);
	ck_assert_int_eq(RUN("cert", "export", "inspect ca", "der"), 0);
	ck_assert_int_eq((unsigned char)r.out[0], 0x30);

	/* A request, its export, and the refusals that name the field. */
	OK("cert", "request", "www", "cn", "www.example.com", "dns", "*.example.com", "key", "p256");
	OK("cert", "export-request", "www");
	OUT_HAS("-----BEGIN CERTIFICATE REQUEST-----");
	ck_assert_ptr_null(strstr(r.out, "PRIVATE"));
	ck_assert_int_eq(RUN("cert", "export-request", "inspect ca"), 1);
	ERR_HAS("tlsictl: cert export-request: name `inspect ca': not a signing request");

	before = snapshot();
	ck_assert_int_eq(RUN("cert", "new-signing", "www", "cn", "X", "key", "p256"), 1);
	ck_assert_str_eq(r.err, "tlsictl: cert new-signing: name `www': already exists "
			 "(a signing request)\n");
	ck_assert_int_eq(RUN("cert", "export", "www", "key"), 1);
	ERR_HAS("name `www': the private key is not exportable");
	ck_assert_str_eq(r.out, "");
	ck_assert_int_eq(RUN("cert", "export", "www", "key", "out", "www.key"), 1);
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/www.key", dir);
		ck_assert_int_ne(access(p, F_OK), 0);	/* nothing written */
	}
	ck_assert_int_eq(RUN("cert", "show", "nosuch"), 1);
	ck_assert_str_eq(r.err, "tlsictl: cert show: name `nosuch': no such certificate, "
			 "request or CA certificate\n");
	ck_assert_int_eq(RUN("cert", "import", "x", "cert", "ca.pem"), 1);
	ERR_HAS("key: none given, and no signing request in the repository matches the "
		"certificate `ca.pem'");
	ck_assert_int_eq(RUN("cert", "import", "x", "cert", "ca.pem", "key", "ca.pem"), 1);
	ERR_HAS("key `ca.pem': a certificate, not a private key");
	ck_assert_int_eq(RUN("cert", "import-p12", "x", "file", "ca.pem"), 1);
	ERR_HAS("file `ca.pem': not a PKCS#12 file");
	ck_assert_int_eq(RUN("cert", "import", "x", "cert", "nofile"), 1);
	ERR_HAS("cert `nofile': cannot open: No such file or directory");
	after = snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);

	/* CA certificates, trust stores, references. */
	ck_assert_int_eq(RUN("cert", "import-ca", "corp root", "file", "ca.pem"), 0);
	ck_assert_str_eq(r.out, "corp root\n");
	OK("truststore", "add", "office", "description", "Office clients", "ca", "corp root");
	ck_assert_int_eq(RUN("truststore", "show"), 0);
	ck_assert_str_eq(r.out, "office default-ca on description \"Office clients\" ca "
			 "\"corp root\"\n");
	ck_assert_int_eq(RUN("-j", "truststore", "show", "office"), 0);
	ck_assert_str_eq(r.out, "{\"name\":\"office\",\"default_ca\":true,\"description\":"
			 "\"Office clients\",\"cas\":[\"corp root\"],\"refs\":[]}\n");
	ck_assert_int_eq(RUN("cert", "del", "corp root"), 1);
	ck_assert_str_eq(r.err, "tlsictl: cert del: name `corp root': in use: referenced by "
			 "truststore:office\n");
	ck_assert_int_eq(RUN("truststore", "add", "office"), 1);
	ERR_HAS("name `office': already exists (a trust store)");
	ck_assert_int_eq(RUN("truststore", "add", "t2", "ca", "www"), 1);
	ERR_HAS("ca `www': a signing request, not a CA certificate");
	OK("cert", "option", "default-ca", "none");
	ck_assert_int_eq(RUN("truststore", "export", "office"), 1);
	ERR_HAS("includes the default CA package, but none is configured");
	OK("truststore", "set", "office", "default-ca", "off");
	OK("truststore", "export", "office", "out", "bundle.pem");
	OK("truststore", "set", "office", "del-ca", "corp root");
	OK("cert", "del", "corp root");
	OK("truststore", "del", "office");
	ck_assert_int_eq(RUN("-j", "truststore", "list"), 0);
	ck_assert_str_eq(r.out, "[]\n");

	/* Options. */
	ck_assert_int_eq(RUN("cert", "option"), 0);
	ck_assert_str_eq(r.out, "persist-keys off default-ca none\n");
	OK("cert", "option", "persist-keys", "on");
	ck_assert_int_eq(RUN("-j", "cert", "option"), 0);
	ck_assert_str_eq(r.out, "{\"persist_keys\":true,\"default_ca\":\"none\"}\n");

	/* refresh lists what it checked. */
	ck_assert_int_eq(RUN("cert", "refresh"), 0);
	OUT_HAS("\"inspect ca\" kind certificate status valid");
	OUT_HAS("www kind request status pending key p256 cn www.example.com\n");

	OK("cert", "del", "www");
	ck_assert_int_eq(RUN("cert", "del", "www"), 1);
	ERR_HAS("name `www': no such");
}
END_TEST

START_TEST(test_repo_option_and_passwords)
{
	char other[256], path[300];

	/* --repo anywhere after the object beats TLSI_CERT_REPO. */
	snprintf(other, sizeof(other), "%s/other", dir);
	OK("cert", "--repo", other, "new-signing", "a", "cn", "A", "key", "p256");
	OK("cert", "new-signing", "b", "cn", "B", "key", "p256", "--repo", other);
	snprintf(path, sizeof(path), "--repo=%s", other);
	ck_assert_int_eq(RUN("cert", path, "list"), 0);
	OUT_HAS("a kind");
	OUT_HAS("b kind");
	ck_assert_int_eq(RUN("cert", "list"), 0);	/* $TLSI_CERT_REPO: empty */
	ck_assert_str_eq(r.out, "");
	ck_assert_int_ne(access(repo, F_OK), 0);
	ck_assert_int_eq(RUN("truststore", "--repo", other, "list"), 0);

	/* Exported key encrypted with a password file, read back with
	 * TLSI_PASSWORD. */
	OK("cert", "new-signing", "c", "cn", "C", "key", "p256", "exportable");
	OK("cert", "export", "c", "out", "c.pem");
	write_file("pw", "correct horse\n");
	OK("cert", "export", "c", "key", "out", "c.key", "password-file", "pw");
	ck_assert_int_eq(RUN("cert", "import", "d", "cert", "c.pem", "key", "c.key"), 1);
	ERR_HAS("key `c.key': the key is encrypted: give its password");
	write_file("bad", "wrong\n");
	ck_assert_int_eq(RUN("cert", "import", "d", "cert", "c.pem", "key", "c.key",
			     "password-file", "bad"), 1);
	ERR_HAS("tlsictl: cert import: password: wrong password for key `c.key'");
	ck_assert_int_eq(RUN("cert", "import", "d", "cert", "c.pem", "key", "c.key",
			     "password-file", "nofile"), 1);
	ERR_HAS("password-file `nofile': cannot open");
	setenv("TLSI_PASSWORD", "correct horse", 1);
	OK("cert", "import", "d", "cert", "c.pem", "key", "c.key");
	unsetenv("TLSI_PASSWORD");
	OK("cert", "show", "d");
	OUT_HAS("kind         certificate");
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cert_cli");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_help);
	tcase_add_loop_test(tc, test_usage_errors, 0,
			    sizeof(usage_cases) / sizeof(usage_cases[0]));
	tcase_add_test(tc, test_session);
	tcase_add_test(tc, test_repo_option_and_passwords);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	cli_find_tlsictl();
	/* Per-test directories live here; removed even when tests fail. */
	snprintf(base, sizeof(base), "/tmp/check_cert_cli.XXXXXX");
	if (!mkdtemp(base))
		return EXIT_FAILURE;
	sr = srunner_create(cli_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
