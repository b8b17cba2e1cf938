// SPDX-License-Identifier: GPL-2.0
/*
 * What tlsi makes works with other TLS software, and what other software
 * makes imports:
 *
 *  - a signing certificate from `tlsictl cert new-signing' and a server
 *    certificate it signs (certrepo_issue_leaf(), as tlsid will forge them)
 *    pass `openssl verify -x509_strict', and curl and Python's ssl module
 *    complete a TLS handshake with `openssl s_server' serving them on
 *    127.0.0.1 (an ephemeral port), and refuse it without the CA;
 *  - PKCS#12 files made by `openssl pkcs12' (current and -legacy) import,
 *    and the imported key serves TLS;
 *  - a request from `tlsictl cert request', signed by an external
 *    `openssl ca', imports and pairs with its key; a signing request signed
 *    as a CA becomes a signing certificate that issues usable leaves.
 *
 * Needs openssl, curl and python3 on PATH; without them the tests say so
 * and pass. No network beyond 127.0.0.1, no root.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "certrepo.h"
#include "cli_harness.h"

static char base[64], dir[128], repo[192];
static struct cli_result r;
static pid_t server_pid = -1;
static bool have_tools;

/* Run a shell command line in dir; stdout and stderr captured in r. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return cli_spawn(dir, NULL, "/bin/sh", (const char *const[]){ "sh", "-c", cmd, NULL }, &r);
}

#define SH_OK(...) do {								\
	int rc_ = sh(__VA_ARGS__);						\
	ck_assert_msg(rc_ == 0, "exit %d: %s\nstdout: %s\nstderr: %s", rc_, #__VA_ARGS__, \
		      r.out, r.err);						\
} while (0)
#define OUT_HAS(s) ck_assert_msg(strstr(r.out, (s)) != NULL, "stdout lacks `%s':\n%s", (s), r.out)
#define ERR_HAS(s) ck_assert_msg(strstr(r.err, (s)) != NULL, "stderr lacks `%s':\n%s", (s), r.err)

static bool tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

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
	setenv("T", cli_tlsictl, 1);
	unsetenv("TLSI_PASSWORD");
	/* No proxy for 127.0.0.1, whatever the environment says. */
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	server_pid = -1;
}

static void stop_server(void)
{
	int status;

	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, &status, 0);
		server_pid = -1;
	}
}

static void teardown(void)
{
	stop_server();
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A free TCP port on 127.0.0.1 (the kernel's choice). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool accepting(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * `openssl s_server' on 127.0.0.1, an ephemeral port (returned), serving
 * cert (and chain) with key; -www answers each HTTP request with a page.
 */
static int start_server(const char *cert, const char *key, const char *chain)
{
	char cmd[1024];
	int port = free_port(), i, status;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exec openssl s_server -accept 127.0.0.1:%d -www -cert %s "
		 "-key %s%s%s", port, cert, key, chain ? " -cert_chain " : "", chain ? chain : "");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* Never outlive the test, even one that failed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (chdir(dir) < 0)
			_exit(126);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	server_pid = pid;
	for (i = 0; i < 200 && !accepting(port); i++) {
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "s_server exited: %s", cmd);
		usleep(50000);
	}
	ck_assert_msg(i < 200, "s_server did not start: %s", cmd);
	return port;
}

static const char python_client[] =
	"import socket, ssl, sys\n"
	"ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
	"try:\n"
	"    with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=10) as s:\n"
	"        with ctx.wrap_socket(s, server_hostname=sys.argv[3]) as t:\n"
	"            print('handshake', t.version(), t.getpeercert()['subject'])\n"
	"except ssl.SSLCertVerificationError as e:\n"
	"    print('refused', e.verify_message)\n"
	"    sys.exit(3)\n";

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

/* TLS clients against a server presenting cert/key for localhost (and
 * 127.0.0.1 when ip_san): trusted with ca, refused with other_ca. */
static void handshakes(const char *cert, const char *key, const char *chain,
		       const char *ca, const char *other_ca, bool ip_san)
{
	int port = start_server(cert, key, chain);

	SH_OK("curl --silent --show-error --noproxy '*' --max-time 10 --cacert %s "
	      "--resolve localhost:%d:127.0.0.1 https://localhost:%d/ -o /dev/null", ca, port, port);
	ck_assert_int_eq(sh("curl --silent --noproxy '*' --max-time 10 --cacert %s --resolve "
			    "localhost:%d:127.0.0.1 https://localhost:%d/ -o /dev/null",
			    other_ca, port, port), 60);	/* peer certificate not trusted */
	SH_OK("python3 client.py %s %d localhost", ca, port);
	OUT_HAS("handshake TLSv1.3");
	if (ip_san)
		SH_OK("python3 client.py %s %d 127.0.0.1", ca, port);
	ck_assert_int_eq(sh("python3 client.py %s %d localhost", other_ca, port), 3);
	OUT_HAS("refused");
	ck_assert_int_eq(sh("python3 client.py %s %d www.elsewhere.example", ca, port), 3);
	OUT_HAS("Hostname mismatch");
	stop_server();
}

#define NEED_TOOLS() do {							\
	if (!have_tools) {							\
		fprintf(stderr, "check_cert_interop: openssl, curl or python3 "	\
			"missing: skipped\n");					\
		return;								\
	}									\
} while (0)

/* ---- tlsi's signing certificates and forged leaves -------------------- */

static void forge(const char *ca_name, enum certrepo_key_type kt, const char *cert_path,
		  const char *key_path)
{
	const char *sans[] = { "localhost", "127.0.0.1" };
	char err[CERTREPO_ERR_MAX], p[256];
	struct certrepo_issuer *ca;
	struct certrepo *r;
	EVP_PKEY *key;
	X509 *leaf;
	FILE *f;

	ck_assert_msg(certrepo_open(repo, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(certrepo_issuer_load(r, ca_name, &ca, err, sizeof(err)) == 0, "%s", err);
	key = certrepo_keygen(kt, err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	ck_assert_msg(certrepo_issue_leaf(ca, "localhost", sans, 2, key, 30, &leaf, err,
					  sizeof(err)) == 0, "%s", err);
	snprintf(p, sizeof(p), "%s/%s", dir, cert_path);
	f = fopen(p, "w");
	PEM_write_X509(f, leaf);
	fclose(f);
	snprintf(p, sizeof(p), "%s/%s", dir, key_path);
	f = fopen(p, "w");
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_free(leaf);
	EVP_PKEY_free(key);
	certrepo_issuer_free(ca);
	certrepo_close(r);
}

START_TEST(test_tlsi_ca_handshakes)
{
	static const struct {
		const char *key;
		enum certrepo_key_type kt;
	} kinds[] = {
		{ "p256", CERTREPO_KEY_P256 },
		{ "rsa2048", CERTREPO_KEY_RSA2048 },
	};
	size_t i;

	NEED_TOOLS();
	write_file("client.py", python_client);
	/* Another CA, to show that trust is what makes the handshake work. */
	SH_OK("$T cert new-signing other cn 'Somebody Else' key p256 && "
	      "$T cert export other out other.pem");
	for (i = 0; i < 2; i++) {
		SH_OK("$T cert new-signing ca-%s cn 'tlsi Interop CA %s' key %s days 60 "
		      "o 'Example Corp' ou Security c US && "
		      "$T cert export ca-%s out ca-%s.pem",
		      kinds[i].key, kinds[i].key, kinds[i].key, kinds[i].key, kinds[i].key);
		SH_OK("openssl verify -x509_strict -CAfile ca-%s.pem ca-%s.pem", kinds[i].key,
		      kinds[i].key);
		SH_OK("openssl x509 -in ca-%s.pem -noout -text", kinds[i].key);
		OUT_HAS("CA:TRUE");
		OUT_HAS("Certificate Sign");
		OUT_HAS("X509v3 Subject Key Identifier");
		OUT_HAS("X509v3 Authority Key Identifier");

		forge(i ? "ca-rsa2048" : "ca-p256", kinds[i].kt, "leaf.pem", "leaf.key");
		SH_OK("openssl verify -x509_strict -purpose sslserver -CAfile ca-%s.pem leaf.pem",
		      kinds[i].key);
		SH_OK("openssl x509 -in leaf.pem -noout -ext subjectAltName,extendedKeyUsage");
		OUT_HAS("DNS:localhost");
		OUT_HAS("IP Address:127.0.0.1");
		OUT_HAS("TLS Web Server Authentication");
		{
			char ca[32];

			snprintf(ca, sizeof(ca), "ca-%s.pem", kinds[i].key);
			handshakes("leaf.pem", "leaf.key", NULL, ca, "other.pem", true);
		}
	}
}
END_TEST

/* ---- PKCS#12 from openssl -------------------------------------------- */

static void make_openssl_ca(void)
{
	static const char cnf[] =
		"[ ca ]\ndefault_ca = CA_default\n"
		"[ CA_default ]\ndir = ./xca\ndatabase = $dir/index.txt\n"
		"new_certs_dir = $dir/newcerts\nserial = $dir/serial\n"
		"certificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n"
		"default_md = sha256\ndefault_days = 30\npolicy = policy_any\n"
		"copy_extensions = copy\nunique_subject = no\n"
		"[ policy_any ]\ncommonName = supplied\norganizationName = optional\n"
		"countryName = optional\n"
		"[ server ]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
		"extendedKeyUsage = serverAuth\n"
		"[ sub_ca ]\nbasicConstraints = critical,CA:TRUE\n"
		"keyUsage = critical,keyCertSign,cRLSign\n"
		"subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
		"[ req ]\ndistinguished_name = dn\n[ dn ]\n"
		"[ v3_root ]\nbasicConstraints = critical,CA:TRUE\n"
		"keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n";

	SH_OK("mkdir -p xca/newcerts && touch xca/index.txt && echo 1000 > xca/serial");
	write_file("xca/ca.cnf", cnf);
	SH_OK("openssl req -x509 -config xca/ca.cnf -extensions v3_root -newkey ec "
	      "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout xca/ca.key -out xca/ca.pem "
	      "-subj '/CN=External Root' -days 60");
	/* An unrelated CA, for the clients that must refuse. */
	SH_OK("openssl req -x509 -config xca/ca.cnf -extensions v3_root -newkey ec "
	      "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.pem "
	      "-subj '/CN=Unrelated Root' -days 60");
}

START_TEST(test_openssl_pkcs12_imports)
{
	NEED_TOOLS();
	write_file("client.py", python_client);
	make_openssl_ca();
	SH_OK("openssl req -new -newkey rsa:2048 -nodes -keyout web.key -out web.csr "
	      "-subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1'");
	SH_OK("openssl ca -batch -config xca/ca.cnf -extensions server -in web.csr -out web.pem");
	write_file("pw", "p12 password\n");
	SH_OK("openssl pkcs12 -export -in web.pem -inkey web.key -certfile xca/ca.pem "
	      "-name 'web server' -passout file:pw -out web.p12");

	/* Wrong password, then the right one: the chain comes along. */
	write_file("badpw", "nope\n");
	ck_assert_int_eq(sh("$T cert import-p12 web file web.p12 password-file badpw"), 1);
	ERR_HAS("password: wrong password for file `web.p12'");
	SH_OK("$T cert import-p12 web file web.p12 password-file pw exportable");
	ck_assert_str_eq(r.out, "web\n");
	SH_OK("$T cert show web");
	OUT_HAS("chain        1 certificate\n");
	OUT_HAS("key          rsa2048\n");
	/* A root that only travels in the chain is no trust anchor. */
	OUT_HAS("status       no-trust-anchor\n");

	/* The imported key serves TLS. */
	SH_OK("$T cert export web out web-out.pem && $T cert export web key out web-out.key");
	handshakes("web-out.pem", "web-out.key", NULL, "xca/ca.pem", "other.pem", true);

	/* Older tools' PKCS#12 (RC2/3DES, SHA-1 MAC) and TLSI_PASSWORD. */
	if (sh("openssl pkcs12 -export -legacy -in web.pem -inkey web.key -passout file:pw "
	       "-out legacy.p12") == 0)
		SH_OK("TLSI_PASSWORD='p12 password' $T cert import-p12 legacy file legacy.p12");
	else
		fprintf(stderr, "check_cert_interop: openssl pkcs12 -legacy unavailable\n");

	/* CA certificates out of a key-less PKCS#12. */
	SH_OK("openssl pkcs12 -export -nokeys -in xca/ca.pem -name 'ext root' -passout file:pw "
	      "-out cas.p12");
	SH_OK("$T cert import-ca external file cas.p12 password-file pw");
	ck_assert_str_eq(r.out, "external\n");
	SH_OK("$T cert show external");
	OUT_HAS("kind         ca\n");
	OUT_HAS("status       valid\n");
	SH_OK("$T cert refresh");
	OUT_HAS("web kind certificate status valid");
}
END_TEST

/* ---- requests signed by openssl ca ----------------------------------- */

START_TEST(test_openssl_ca_signs_requests)
{
	static char a[CLI_OUT_MAX], b[CLI_OUT_MAX];

	NEED_TOOLS();
	write_file("client.py", python_client);
	make_openssl_ca();

	/* A server request. */
	SH_OK("$T cert request srv cn localhost dns srv.example.com key p256 exportable "
	      "o 'Example Corp' c US && $T cert export-request srv out srv.csr");
	SH_OK("openssl req -in srv.csr -noout -verify -text");
	ERR_HAS("verify OK");
	OUT_HAS("DNS:localhost");
	ck_assert_int_ne(sh("grep -q PRIVATE srv.csr"), 0);
	SH_OK("openssl ca -batch -config xca/ca.cnf -extensions server -in srv.csr -out srv.crt");
	SH_OK("$T cert import srv cert srv.crt");	/* pairs with the request's key */
	SH_OK("$T cert show srv");
	OUT_HAS("kind         certificate\n");
	OUT_HAS("status       no-trust-anchor\n");
	SH_OK("$T cert import-ca 'external root' file xca/ca.pem && $T cert refresh");
	OUT_HAS("srv kind certificate status valid");
	SH_OK("$T cert export srv key out srv.key");
	/* The stored key is the request's: same public key as the certificate. */
	SH_OK("openssl x509 -in srv.crt -noout -pubkey");
	memcpy(a, r.out, sizeof(a));
	SH_OK("openssl pkey -in srv.key -pubout");
	memcpy(b, r.out, sizeof(b));
	ck_assert_str_eq(a, b);
	handshakes("srv.crt", "srv.key", NULL, "xca/ca.pem", "other.pem", false);

	/* A signing request signed as a CA: a signing certificate whose
	 * forged leaves verify through the external root. */
	SH_OK("$T cert request inspect cn 'Inspection Sub CA' signing key p256 && "
	      "$T cert export-request inspect out inspect.csr");
	SH_OK("openssl ca -batch -config xca/ca.cnf -extensions server -in inspect.csr "
	      "-out inspect-bad.crt");
	ck_assert_int_eq(sh("$T cert import inspect cert inspect-bad.crt"), 1);
	ERR_HAS("not a CA certificate");
	ERR_HAS("the request asked for a signing certificate");
	SH_OK("openssl ca -batch -config xca/ca.cnf -extensions sub_ca -in inspect.csr "
	      "-out inspect.crt");
	SH_OK("$T cert import inspect cert inspect.crt");
	SH_OK("$T cert show inspect");
	OUT_HAS("signing      yes\n");
	OUT_HAS("status       valid\n");
	forge("inspect", CERTREPO_KEY_P256, "leaf.pem", "leaf.key");
	SH_OK("openssl verify -x509_strict -purpose sslserver -CAfile xca/ca.pem "
	      "-untrusted inspect.crt leaf.pem");
	handshakes("leaf.pem", "leaf.key", "inspect.crt", "xca/ca.pem", "other.pem", true);
}
END_TEST

static Suite *interop_suite(void)
{
	Suite *s = suite_create("cert_interop");
	TCase *tc = tcase_create("interop");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tlsi_ca_handshakes);
	tcase_add_test(tc, test_openssl_pkcs12_imports);
	tcase_add_test(tc, test_openssl_ca_signs_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	cli_find_tlsictl();
	have_tools = tool("openssl") && tool("curl") && tool("python3");
	/* Per-test directories live here; removed even when tests fail. */
	snprintf(base, sizeof(base), "/tmp/check_cert_interop.XXXXXX");
	if (!mkdtemp(base))
		return EXIT_FAILURE;
	sr = srunner_create(interop_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
