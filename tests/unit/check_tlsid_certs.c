// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid's certificates by name and per-session settings
 * (userspace/tlsid/certs.c, policy.c, with ca.c and forge.c; included):
 *
 *   - signing certificates and trust stores loaded from a repository by
 *     name, cached, refused names and unknown ones;
 *   - `replace' reaching tlsid: a new generation, new forged leaves from the
 *     new CA, old references still valid;
 *   - expiry warnings and errors in the daemon log, for certificates made
 *     here with short and negative validity;
 *   - persist-keys: off writes nothing and removes an old keystore; on
 *     mirrors keys, certificates and trust stores (0700/0600 under a
 *     permissive umask), and tlsid starts from the keystore when the
 *     repository is gone, and goes back to the repository when it returns;
 *   - the policy verdicts (block-invalid, block-expired, min-rsa-bits) and
 *     the session info defaults.
 *
 * Each test has its own directory under /tmp (repository and keystore).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certrepo.h"
#include "../../userspace/tlsid/tlsid.h"

/* Four files of tlsid in one unit: their static names must not meet. */
#define add_ext ca_add_ext
#include "../../userspace/tlsid/ca.c"
#undef add_ext
#define add_ext forge_add_ext
#define entry forge_entry
#include "../../userspace/tlsid/forge.c"
#undef add_ext
#undef entry
#include "../../userspace/tlsid/certs.c"
#include "../../userspace/tlsid/policy.c"

/* ---- what the rest of tlsid would provide ----------------------------- */

struct tlsid_config tlsid_cfg;
atomic_uint_fast64_t tlsid_counters[__TLSID_C_MAX];

static char logbuf[1 << 16];
static size_t loglen;

static void logv(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	loglen += (size_t)snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s %s%s%s\n", level,
				   line, suffix ? ": " : "", suffix ? suffix : "");
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
	if (getenv("TLSID_TEST_LOG"))
		fprintf(stderr, "%s %s\n", level, line);
}

#define LOGFN(fn, level, suffix)				\
	void fn(const char *fmt, ...)				\
	{							\
		va_list ap;					\
								\
		va_start(ap, fmt);				\
		logv(level, fmt, ap, suffix);			\
		va_end(ap);					\
	}
LOGFN(tlsid_log_info, "I", NULL)
LOGFN(tlsid_log_debug, "D", NULL)
LOGFN(tlsid_log_error, "E", NULL)
LOGFN(tlsid_log_perror, "E", strerror(errno))
LOGFN(tlsid_log_ssl, "E", "openssl")

const char *tlsid_ssl_errstr(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();

	if (!e)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static struct tlsi_session_info fake_info;
static int fake_info_errno = ENODEV;

int tlsid_dev_session_info(struct tlsi_session_info *info)
{
	if (fake_info_errno) {
		errno = fake_info_errno;
		return -1;
	}
	ck_assert_int_eq(info->client_fd, fake_info.client_fd);
	*info = fake_info;
	return 0;
}

/* ---- fixture --------------------------------------------------------- */

static char dir[128], repo_path[192], ks_path[192];
static struct certrepo *r;
static char err[CERTREPO_ERR_MAX];

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, err)

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(p);
}

static void setup(void)
{
	umask(0);	/* modes must not depend on it */
	snprintf(dir, sizeof(dir), "/tmp/check_tlsid_certs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(repo_path, sizeof(repo_path), "%s/repo", dir);
	snprintf(ks_path, sizeof(ks_path), "%s/var/lib/tlsid/keys", dir);
	OK(certrepo_open(repo_path, &r, err, sizeof(err)));
	OK(certrepo_set_default_ca_file(r, "none", err, sizeof(err)));
	memset(&tlsid_cfg, 0, sizeof(tlsid_cfg));
	tlsid_cfg.cert_repo = repo_path;
	tlsid_cfg.keystore = ks_path;
	tlsid_cfg.no_system_trust = true;
	loglen = 0;
	logbuf[0] = '\0';
}

static void teardown(void)
{
	tlsid_forge_cache_free();
	tlsid_keys_free();	/* and tlsid_certs_free() */
	certrepo_close(r);
	r = NULL;
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *P(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static const char *KS(const char *rel)
{
	static char buf[4][320];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", ks_path, rel);
	return buf[i];
}

static bool log_has(const char *s)
{
	return strstr(logbuf, s) != NULL;
}

#define LOG_HAS(s) ck_assert_msg(log_has(s), "no `%s' in the log:\n%s", s, logbuf)
/* "N days" or, in the second the certificate was made, "N+1 days". */
#define LOG_HAS_DAYS(pre, n, post)						\
	ck_assert_msg(log_has(pre #n " days" post) ||					\
		      log_has(pre DAYS_PLUS_1_##n " days" post),			\
		      "no `%s%d days%s' in the log:\n%s", pre, n, post, logbuf)
#define DAYS_PLUS_1_2 "3"
#define DAYS_PLUS_1_4 "5"
#define DAYS_PLUS_1_9 "10"
#define LOG_HASNT(s) ck_assert_msg(!log_has(s), "`%s' in the log:\n%s", s, logbuf)

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The registry looks at files at most once a second: let one pass. */
static void next_second(void)
{
	time_t t = tlsid_now();

	while (tlsid_now() == t)
		usleep(20000);
}

/* ---- making certificates --------------------------------------------- */

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

static EVP_PKEY *rsa_key(int bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	ck_assert_ptr_nonnull(k);
	return k;
}

static void t_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, v);

	ck_assert_ptr_nonnull(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* Valid from now+nb to now+na days; signed by issuer/ikey (NULL: itself). */
static X509 *mk_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca,
		     long nb, long na)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	char san[300];

	X509_set_version(x, X509_VERSION_3);
	ck_assert_int_eq(tlsid_random_serial(x), 0);
	X509_time_adj_ex(X509_getm_notBefore(x), (int)nb, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)na, 0, NULL);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	t_ext(x, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	t_ext(x, &ctx, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" :
	      "critical,digitalSignature,keyEncipherment");
	t_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (!ca) {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		t_ext(x, &ctx, NID_subject_alt_name, san);
	}
	ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
	X509_NAME_free(n);
	return x;
}

static const char *w_cert(const char *name, X509 *x)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	fclose(f);
	return path;
}

static const char *w_key(const char *name, EVP_PKEY *k)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	return path;
}

static void new_signing(const char *name, const char *cn, unsigned days)
{
	struct certrepo_gen g;

	memset(&g, 0, sizeof(g));
	g.dn.cn = cn;
	g.key = CERTREPO_KEY_P256;
	g.days = days;
	OK(certrepo_new_signing(r, name, &g, err, sizeof(err)));
}

/* A signing certificate from a certificate and key made here. */
static void import_signing(const char *name, X509 *x, EVP_PKEY *k, bool replace)
{
	struct certrepo_import im = { 0 };

	im.cert_file = w_cert("in.crt", x);
	im.key_file = w_key("in.key", k);
	im.signing = true;
	if (replace)
		OK(certrepo_replace(r, name, &im, err, sizeof(err)));
	else
		OK(certrepo_import(r, name, &im, NULL, err, sizeof(err)));
}

static void import_ca(const char *name, X509 *x, bool replace)
{
	if (replace) {
		struct certrepo_import im = { 0 };

		im.cert_file = w_cert("ca.crt", x);
		OK(certrepo_replace(r, name, &im, err, sizeof(err)));
	} else {
		OK(certrepo_import_ca(r, name, w_cert("ca.crt", x), NULL, NULL, err, sizeof(err)));
	}
}

static void add_store(const char *name, const char *ca)
{
	struct certrepo_ts_spec s = { .default_ca = 0 };
	const char *cas[1] = { ca };

	s.add_ca = cas;
	s.n_add_ca = ca ? 1 : 0;
	OK(certrepo_truststore_add(r, name, &s, err, sizeof(err)));
}

static bool store_has(X509_STORE *st, X509 *x)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);
	int i;

	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *y = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

		if (y && !X509_cmp(x, y))
			return true;
	}
	return false;
}

static int store_count(X509_STORE *st)
{
	return sk_X509_OBJECT_num(X509_STORE_get0_objects(st));
}

static X509 *repo_cert(const char *name)
{
	char path[512];
	X509 *x;
	FILE *f;

	snprintf(path, sizeof(path), "%s/objects/%s/cert.pem", repo_path, name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	return x;
}

/* ---- loading by name ------------------------------------------------- */

START_TEST(test_load_by_name)
{
	struct tlsid_signer *a, *b;
	X509_STORE *st;
	X509 *corp, *inspect;
	EVP_PKEY *ck = ec_key();

	new_signing("inspect", "Inspect CA", 0);
	new_signing("other CA", "Other CA", 0);
	corp = mk_cert("Corp Root", ck, NULL, NULL, true, -1, 100);
	import_ca("corp", corp, false);
	add_store("office", "corp");
	add_store("empty", NULL);

	/* A repository alone: no signing CA of tlsid's own. */
	OK(tlsid_keys_init(&tlsid_cfg));
	LOG_HAS("no signing CA of tlsid's own");
	ck_assert_ptr_null(tlsid_signer_get("", err, sizeof(err)));
	ck_assert_msg(strstr(err, "--ca-cert or --signing-cert"), "%s", err);

	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	inspect = repo_cert("inspect");
	ck_assert_int_eq(X509_cmp(a->ca.cert, inspect), 0);
	ck_assert_ptr_eq(sk_X509_value(a->ca.chain, 0), a->ca.cert);
	ck_assert_int_eq(X509_check_private_key(a->ca.cert, a->ca.key), 1);
	ck_assert_str_eq(a->ca.subject, "CN=Inspect CA");
	ck_assert_str_eq(a->ca.name, "inspect");
	ck_assert_uint_ge(a->ca.gen, GEN_FIRST);
	LOG_HAS("signing certificate `inspect' loaded: CN=Inspect CA");
	/* Cached: the same object, however often. */
	b = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_ptr_eq(a, b);
	tlsid_signer_put(b);
	b = tlsid_signer_get("other CA", err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_ne(a->ca.gen, b->ca.gen);
	tlsid_signer_put(b);

	/* Unknown, not signing, and bad names: NULL and why. */
	ck_assert_ptr_null(tlsid_signer_get("nope", err, sizeof(err)));
	ck_assert_msg(strstr(err, "`nope'"), "%s", err);
	LOG_HAS("E signing certificate `nope': name `nope': no such");
	ck_assert_ptr_null(tlsid_signer_get("corp", err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a signing certificate"), "%s", err);
	ck_assert_ptr_null(tlsid_signer_get("../x", err, sizeof(err)));
	ck_assert_msg(strstr(err, "bad character"), "%s", err);

	st = tlsid_trust_get("office", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert(store_has(st, corp));
	ck_assert_int_eq(store_count(st), 1);
	X509_STORE_free(st);
	st = tlsid_trust_get("empty", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_count(st), 0);
	X509_STORE_free(st);
	ck_assert_ptr_null(tlsid_trust_get("nope", err, sizeof(err)));
	ck_assert_msg(strstr(err, "no such trust store"), "%s", err);
	/* The command line's trust (no system bundle here): empty, not NULL. */
	ck_assert_ptr_nonnull(tlsid_keys.trust);
	st = tlsid_trust_get(NULL, err, sizeof(err));
	ck_assert_ptr_eq(st, tlsid_keys.trust);
	X509_STORE_free(st);

	/* persist-keys off: nothing written outside the repository. */
	ck_assert(!exists(ks_path));
	tlsid_signer_put(a);
	X509_free(inspect);
	X509_free(corp);
	EVP_PKEY_free(ck);
}
END_TEST

START_TEST(test_command_line)
{
	struct tlsid_signer *a;
	X509_STORE *st;
	EVP_PKEY *k = ec_key(), *ck = ec_key(), *ek;
	X509 *files = mk_cert("Files CA", k, NULL, NULL, true, -1, 3), *corp, *extra;

	new_signing("inspect", "Inspect CA", 0);
	corp = mk_cert("Corp Root", ck, NULL, NULL, true, -1, 100);
	import_ca("corp", corp, false);
	add_store("office", "corp");
	/* --signing-cert and --ca-cert exclude each other; files here. */
	tlsid_cfg.ca_cert = w_cert("files.crt", files);
	tlsid_cfg.ca_key = w_key("files.key", k);
	tlsid_cfg.trust_store = "office";
	ek = ec_key();
	extra = mk_cert("Extra", ek, NULL, NULL, true, -1, 100);
	tlsid_cfg.trust[tlsid_cfg.n_trust++] = w_cert("extra.crt", extra);
	OK(tlsid_keys_init(&tlsid_cfg));
	LOG_HAS("signing CA: CN=Files CA");
	/* Expires in 3 days (a few seconds less): 2 whole days. */
	LOG_HAS("warning: certificate `");
	LOG_HAS_DAYS("files.crt' expires in ", 2, " (");
	a = tlsid_signer_get(NULL, err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(X509_cmp(a->ca.cert, files), 0);
	ck_assert_uint_ge(a->ca.gen, GEN_FIRST);
	tlsid_signer_put(a);
	/* The default trust: --trust files and --trust-store together. */
	st = tlsid_trust_get("", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert(store_has(st, corp));
	ck_assert_int_eq(store_count(st), 2);
	X509_STORE_free(st);
	X509_free(files);
	X509_free(corp);
	X509_free(extra);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(ek);
}
END_TEST

START_TEST(test_missing_signing_cert_fails_start)
{
	tlsid_cfg.signing_cert = "absent";
	new_signing("inspect", "Inspect CA", 0);
	ck_assert_int_eq(tlsid_keys_init(&tlsid_cfg), -1);
	LOG_HAS("signing certificate `absent': name `absent': no such");
	LOG_HAS("--signing-cert `absent': not starting without it");
}
END_TEST

START_TEST(test_no_repository_no_keystore)
{
	tlsid_cfg.cert_repo = P("nowhere");
	ck_assert_int_eq(tlsid_keys_init(&tlsid_cfg), -1);
	LOG_HAS("is unavailable (no ");
	LOG_HAS("persist-keys off): inspection that needs its keys does not start");
}
END_TEST

/* ---- replace --------------------------------------------------------- */

START_TEST(test_reload_after_replace)
{
	struct tlsid_signer *a, *b, *c;
	EVP_PKEY *k2 = ec_key(), *srvk = rsa_key(2048), *lk, *ck = ec_key(), *ck2 = ec_key();
	X509 *new_ca = mk_cert("Inspect CA 2", k2, NULL, NULL, true, -1, 365);
	X509 *srv = mk_cert("www.example.com", srvk, NULL, NULL, false, -1, 30);
	X509 *corp = mk_cert("Corp Root", ck, NULL, NULL, true, -1, 100);
	X509 *corp2 = mk_cert("Corp Root 2", ck2, NULL, NULL, true, -1, 100);
	X509 *l1, *l1b, *l2;
	X509_STORE *st;
	uint64_t hits, forged;

	new_signing("inspect", "Inspect CA", 0);
	import_ca("corp", corp, false);
	add_store("office", "corp");
	tlsid_cfg.signing_cert = "inspect";
	OK(tlsid_keys_init(&tlsid_cfg));
	OK(tlsid_forge_cache_init(16));

	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	st = tlsid_trust_get("office", err, sizeof(err));
	ck_assert(store_has(st, corp));
	X509_STORE_free(st);

	/* A leaf from the first CA, and from the cache the second time. */
	l1 = tlsid_forge(srv, &a->ca, &lk);
	ck_assert_ptr_nonnull(l1);
	ck_assert_int_eq(X509_check_issued(a->ca.cert, l1), X509_V_OK);
	hits = atomic_load(&tlsid_counters[TLSID_C_forge_cache_hits]);
	l1b = tlsid_forge(srv, &a->ca, &lk);
	ck_assert_ptr_eq(l1, l1b);
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_forge_cache_hits]), hits + 1);

	/* tlsictl cert replace inspect cert ... key ... (a new key) */
	import_signing("inspect", new_ca, k2, true);
	import_ca("corp", corp2, true);
	/* Within the same second nothing is looked at; then it is reloaded. */
	next_second();
	b = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(X509_cmp(b->ca.cert, new_ca), 0);
	ck_assert_int_eq(X509_check_private_key(b->ca.cert, k2), 1);
	ck_assert_uint_gt(b->ca.gen, a->ca.gen);
	ck_assert_str_eq(b->ca.subject, "CN=Inspect CA 2");
	LOG_HAS("signing certificate `inspect' reloaded: CN=Inspect CA 2");
	/* The default (--signing-cert inspect) is the same entry. */
	c = tlsid_signer_get(NULL, err, sizeof(err));
	ck_assert_ptr_eq(b, c);
	tlsid_signer_put(c);
	/* The old one lives on while a session holds it. */
	ck_assert_int_eq(X509_check_private_key(a->ca.cert, a->ca.key), 1);

	/* New leaves come from the new CA: the cache is keyed by generation. */
	forged = atomic_load(&tlsid_counters[TLSID_C_forged]);
	l2 = tlsid_forge(srv, &b->ca, &lk);
	ck_assert_ptr_nonnull(l2);
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_forged]), forged + 1);
	ck_assert_int_eq(X509_check_issued(b->ca.cert, l2), X509_V_OK);
	ck_assert_int_eq(X509_verify(l2, k2), 1);

	/* The trust store follows its replaced CA certificate. */
	st = tlsid_trust_get("office", err, sizeof(err));
	ck_assert(store_has(st, corp2));
	ck_assert(!store_has(st, corp));
	X509_STORE_free(st);
	LOG_HAS("trust store `office' reloaded");

	/* Unchanged files: no reload. */
	next_second();
	c = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_ptr_eq(b, c);
	tlsid_signer_put(c);

	tlsid_signer_put(a);
	tlsid_signer_put(b);
	X509_free(l1);
	X509_free(l1b);
	X509_free(l2);
	X509_free(new_ca);
	X509_free(srv);
	X509_free(corp);
	X509_free(corp2);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(srvk);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(ck2);
}
END_TEST

START_TEST(test_deleted_becomes_unknown)
{
	struct tlsid_signer *a;

	new_signing("inspect", "Inspect CA", 0);
	new_signing("gone", "Gone CA", 0);
	OK(tlsid_keys_init(&tlsid_cfg));
	a = tlsid_signer_get("gone", err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	tlsid_signer_put(a);
	OK(certrepo_del(r, "gone", err, sizeof(err)));
	next_second();
	ck_assert_ptr_null(tlsid_signer_get("gone", err, sizeof(err)));
	LOG_HAS("no longer in the repository");
	/* ... and known again when it comes back. */
	new_signing("gone", "Back CA", 0);
	next_second();
	a = tlsid_signer_get("gone", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_str_eq(a->ca.subject, "CN=Back CA");
	tlsid_signer_put(a);
}
END_TEST

/* ---- expiry ---------------------------------------------------------- */

START_TEST(test_expiry_messages)
{
	EVP_PKEY *k = ec_key(), *ck1 = ec_key(), *ck2 = ec_key(), *ck3 = ec_key();
	X509 *old = mk_cert("Old CA", k, NULL, NULL, true, -30, -2);
	X509 *oldca = mk_cert("Old Root", ck1, NULL, NULL, true, -30, -1);
	X509 *soonca = mk_cert("Soon Root", ck2, NULL, NULL, true, -30, 5);
	X509 *fine = mk_cert("Fine Root", ck3, NULL, NULL, true, -30, 300);
	struct tlsid_signer *a;
	X509_STORE *st;
	struct certrepo_ts_spec s = { .default_ca = 0 };
	const char *cas[3] = { "oldca", "soonca", "fineca" };

	new_signing("soon", "Soon CA", 10);
	new_signing("later", "Later CA", 365);
	import_signing("old", old, k, false);
	import_ca("oldca", oldca, false);
	import_ca("soonca", soonca, false);
	import_ca("fineca", fine, false);
	s.add_ca = cas;
	s.n_add_ca = 3;
	OK(certrepo_truststore_add(r, "office", &s, err, sizeof(err)));

	tlsid_cfg.signing_cert = "soon";
	OK(tlsid_keys_init(&tlsid_cfg));
	/* 10 days from now, a moment ago: 9 whole days left (10 within its second). */
	LOG_HAS_DAYS("I warning: certificate `soon' expires in ", 9, " (");
	loglen = 0;
	logbuf[0] = '\0';
	a = tlsid_signer_get("later", err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	tlsid_signer_put(a);
	LOG_HASNT("warning");
	/* Expired and in use: an error; it is still used (clients will warn). */
	a = tlsid_signer_get("old", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	tlsid_signer_put(a);
	LOG_HAS("E certificate `old' expired on ");
	LOG_HAS("and is in use (tlsid signs with it)");
	st = tlsid_trust_get("office", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	X509_STORE_free(st);
	LOG_HAS("E CA certificate `oldca' expired on ");
	LOG_HAS("is in use (trust store `office')");
	LOG_HAS_DAYS("I warning: CA certificate `soonca' expires in ", 4, " (");
	LOG_HASNT("fineca");
	/* Told again a day later (while in use), not on every lookup. */
	loglen = 0;
	logbuf[0] = '\0';
	a = tlsid_signer_get("soon", err, sizeof(err));
	tlsid_signer_put(a);
	LOG_HASNT("soon");
	pthread_mutex_lock(&reg.lock);
	for (struct entry *e = reg.entries; e; e = e->next)
		e->told -= EXPIRY_RETELL_S;
	pthread_mutex_unlock(&reg.lock);
	a = tlsid_signer_get("soon", err, sizeof(err));
	tlsid_signer_put(a);
	LOG_HAS_DAYS("warning: certificate `soon' expires in ", 9, "");

	X509_free(old);
	X509_free(oldca);
	X509_free(soonca);
	X509_free(fine);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ck1);
	EVP_PKEY_free(ck2);
	EVP_PKEY_free(ck3);
}
END_TEST

/* ---- persist-keys ---------------------------------------------------- */

static void w_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_persist_off)
{
	struct tlsid_signer *a;
	char p[700];

	new_signing("inspect", "Inspect CA", 0);
	add_store("office", NULL);
	/* What an earlier `persist-keys on' left. */
	snprintf(p, sizeof(p), "mkdir -p '%s/keys' '%s/certs' '%s/truststores'", ks_path, ks_path,
		 ks_path);
	ck_assert_int_eq(system(p), 0);
	w_text(KS("keys/inspect.pem"), "-----BEGIN PRIVATE KEY-----\nold\n");
	w_text(KS("certs/inspect.pem"), "x");
	w_text(KS("truststores/office.pem"), "x");
	OK(tlsid_keys_init(&tlsid_cfg));
	LOG_HAS("persist-keys off: removed tlsid's keystore");
	ck_assert(!exists(ks_path));
	ck_assert(exists(P("var/lib/tlsid")));
	LOG_HAS("persist-keys off");
	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	tlsid_signer_put(a);
	/* The keys are in the key ring, in memory only. */
	ck_assert_ptr_nonnull(reg.kr);
	ck_assert_uint_eq(certrepo_keyring_count(reg.kr), 1);
	ck_assert(!exists(ks_path));
}
END_TEST

static EVP_PKEY *read_pem_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(k);
	return k;
}

START_TEST(test_persist_on)
{
	struct tlsid_signer *a;
	X509_STORE *st;
	EVP_PKEY *k, *ck = ec_key();
	X509 *inspect, *corp = mk_cert("Corp Root", ck, NULL, NULL, true, -1, 100);
	char away[256];
	struct stat st1, st2;

	new_signing("inspect", "Inspect CA", 0);
	import_ca("corp", corp, false);
	add_store("office", "corp");
	OK(certrepo_set_persist_keys(r, true, err, sizeof(err)));
	tlsid_cfg.signing_cert = "inspect";
	OK(tlsid_keys_init(&tlsid_cfg));
	LOG_HAS("persist-keys on");

	/* 0700 directories, 0600 files, under umask 0. */
	ck_assert_uint_eq(mode_of(ks_path), 0700);
	ck_assert_uint_eq(mode_of(KS("keys")), 0700);
	ck_assert_uint_eq(mode_of(KS("certs")), 0700);
	ck_assert_uint_eq(mode_of(KS("truststores")), 0700);
	ck_assert_uint_eq(mode_of(KS("keys/inspect.pem")), 0600);
	ck_assert_uint_eq(mode_of(KS("certs/inspect.pem")), 0600);
	ck_assert_uint_eq(mode_of(KS("truststores/office.pem")), 0600);
	ck_assert(!exists(KS("keys/corp.pem")));	/* a CA certificate has no key */
	inspect = repo_cert("inspect");
	k = read_pem_key(KS("keys/inspect.pem"));
	ck_assert_int_eq(X509_check_private_key(inspect, k), 1);
	EVP_PKEY_free(k);
	/* Unchanged files are not rewritten (no new copy of a key). */
	ck_assert_int_eq(stat(KS("keys/inspect.pem"), &st1), 0);
	pthread_mutex_lock(&reg.lock);
	{
		struct certrepo *rr;

		OK(certrepo_open(repo_path, &rr, err, sizeof(err)));
		ks_sync_all(rr);
		certrepo_close(rr);
	}
	pthread_mutex_unlock(&reg.lock);
	ck_assert_int_eq(stat(KS("keys/inspect.pem"), &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);

	/* The repository goes away (not mounted, say): start from the keystore. */
	tlsid_keys_free();
	snprintf(away, sizeof(away), "%s.away", repo_path);
	ck_assert_int_eq(rename(repo_path, away), 0);
	loglen = 0;
	OK(tlsid_keys_init(&tlsid_cfg));
	LOG_HAS("using tlsid's keystore");
	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_int_eq(X509_cmp(a->ca.cert, inspect), 0);
	LOG_HAS("signing certificate `inspect' loaded from the keystore");
	tlsid_signer_put(a);
	st = tlsid_trust_get("office", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert(store_has(st, corp));
	X509_STORE_free(st);
	ck_assert_ptr_null(tlsid_signer_get("corp", err, sizeof(err)));

	/* It comes back: tlsid uses it again. */
	ck_assert_int_eq(rename(away, repo_path), 0);
	next_second();
	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	tlsid_signer_put(a);
	LOG_HAS("is available: using it instead of the keystore");
	LOG_HAS("signing certificate `inspect' reloaded: CN=Inspect CA");

	/* persist-keys off while running: the keystore goes. */
	OK(certrepo_set_persist_keys(r, false, err, sizeof(err)));
	next_second();
	a = tlsid_signer_get("inspect", err, sizeof(err));
	tlsid_signer_put(a);
	LOG_HAS("persist-keys off: removed tlsid's keystore");
	ck_assert(!exists(ks_path));
	/* ... and on again: it is back. */
	OK(certrepo_set_persist_keys(r, true, err, sizeof(err)));
	next_second();
	a = tlsid_signer_get("inspect", err, sizeof(err));
	tlsid_signer_put(a);
	ck_assert_uint_eq(mode_of(KS("keys/inspect.pem")), 0600);

	X509_free(inspect);
	X509_free(corp);
	EVP_PKEY_free(ck);
}
END_TEST

START_TEST(test_persist_replace_updates_keystore)
{
	EVP_PKEY *k2 = ec_key(), *k;
	X509 *new_ca = mk_cert("Inspect CA 2", k2, NULL, NULL, true, -1, 365);
	struct tlsid_signer *a;

	new_signing("inspect", "Inspect CA", 0);
	OK(certrepo_set_persist_keys(r, true, err, sizeof(err)));
	tlsid_cfg.signing_cert = "inspect";
	OK(tlsid_keys_init(&tlsid_cfg));
	import_signing("inspect", new_ca, k2, true);
	next_second();
	a = tlsid_signer_get("inspect", err, sizeof(err));
	ck_assert_int_eq(X509_cmp(a->ca.cert, new_ca), 0);
	tlsid_signer_put(a);
	k = read_pem_key(KS("keys/inspect.pem"));
	ck_assert_int_eq(X509_check_private_key(new_ca, k), 1);
	EVP_PKEY_free(k);
	/* inspect_REPLACED keeps the old key in the repository, and here. */
	ck_assert(exists(KS("keys/inspect_REPLACED.pem")));
	X509_free(new_ca);
	EVP_PKEY_free(k2);
}
END_TEST

/* ---- policy ---------------------------------------------------------- */

START_TEST(test_policy_lookup)
{
	struct tlsid_policy p;

	fake_info_errno = ENODEV;
	tlsid_cfg.block_invalid = false;
	tlsid_policy_lookup(7, &p);
	ck_assert_uint_eq(p.id, 0);
	ck_assert_uint_eq(p.flags, TLSI_SSL_F_LOGGING);	/* unknown: logged */
	tlsid_cfg.block_invalid = true;
	tlsid_policy_lookup(7, &p);
	ck_assert_uint_eq(p.flags, TLSI_SSL_F_LOGGING | TLSI_SSL_F_BLOCK_INVALID);

	fake_info_errno = 0;
	memset(&fake_info, 0, sizeof(fake_info));
	fake_info.client_fd = 7;
	fake_info.policy_id = 3;
	fake_info.ssl_flags = TLSI_SSL_F_RESET;
	fake_info.min_rsa_bits = 3072;
	fake_info.service = TLSI_SSL_SERVICE_IMAP;
	snprintf(fake_info.policy, sizeof(fake_info.policy), "outbound");
	snprintf(fake_info.proxy, sizeof(fake_info.proxy), "web");
	snprintf(fake_info.cert, sizeof(fake_info.cert), "inspect");
	snprintf(fake_info.trust_store, sizeof(fake_info.trust_store), "office");
	tlsid_cfg.block_invalid = false;
	tlsid_policy_lookup(7, &p);
	ck_assert_uint_eq(p.id, 3);
	ck_assert_uint_eq(p.flags, TLSI_SSL_F_RESET);	/* no logging flag: not logged */
	ck_assert_uint_eq(p.min_rsa_bits, 3072);
	ck_assert_uint_eq(p.service, TLSI_SSL_SERVICE_IMAP);
	ck_assert_str_eq(p.name, "outbound");
	ck_assert_str_eq(p.proxy, "web");
	ck_assert_str_eq(p.cert, "inspect");
	ck_assert_str_eq(p.trust_store, "office");
	tlsid_cfg.block_invalid = true;
	tlsid_cfg.log_all = true;
	tlsid_policy_lookup(7, &p);
	ck_assert_uint_eq(p.flags, TLSI_SSL_F_RESET | TLSI_SSL_F_BLOCK_INVALID | TLSI_SSL_F_LOGGING);
	/* Names without their NUL stay inside. */
	memset(fake_info.policy, 'a', sizeof(fake_info.policy));
	tlsid_policy_lookup(7, &p);
	ck_assert_uint_eq(strlen(p.name), sizeof(p.name) - 1);
	fake_info_errno = ENODEV;
}
END_TEST

START_TEST(test_policy_verdict)
{
	static struct tlsid_session s;	/* big */
	EVP_PKEY *cak = ec_key(), *r2048 = rsa_key(2048), *r3072 = rsa_key(3072), *ek = ec_key();
	X509 *ca = mk_cert("CA", cak, NULL, NULL, true, -10, 100);
	X509 *good = mk_cert("good.test", r2048, ca, cak, false, -1, 30);
	X509 *expired = mk_cert("old.test", r3072, ca, cak, false, -10, -1);
	X509 *early = mk_cert("new.test", r3072, ca, cak, false, 2, 30);
	X509 *big = mk_cert("big.test", r3072, ca, cak, false, -1, 30);
	X509 *ec = mk_cert("ec.test", ek, ca, cak, false, -1, 30);
	char why[256];

	memset(&s, 0, sizeof(s));
	s.chain_ok = true;
	s.verify_err = X509_V_OK;
	ck_assert_int_eq(tlsid_policy_verdict(&s, good, why, sizeof(why)), TLSI_SSL_REASON_NONE);

	/* min-rsa-bits: 2048 < 3072 refused; 3072 and ECDSA pass. */
	s.pol.min_rsa_bits = 3072;
	ck_assert_int_eq(tlsid_policy_verdict(&s, good, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_WEAK_KEY);
	ck_assert_str_eq(why, "server RSA key of 2048 bits is below the minimum of 3072");
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_blocked_weak_key]), 1);
	ck_assert_int_eq(tlsid_policy_verdict(&s, big, why, sizeof(why)), TLSI_SSL_REASON_NONE);
	ck_assert_int_eq(tlsid_policy_verdict(&s, ec, why, sizeof(why)), TLSI_SSL_REASON_NONE);
	s.pol.min_rsa_bits = 0;

	/* An expired chain: not refused without a flag (the untrusted CA). */
	s.chain_ok = false;
	s.verify_err = X509_V_ERR_CERT_HAS_EXPIRED;
	ck_assert_int_eq(tlsid_policy_verdict(&s, expired, why, sizeof(why)), TLSI_SSL_REASON_NONE);
	/* block-expired alone refuses it, and a not-yet-valid one. */
	s.pol.flags = TLSI_SSL_F_BLOCK_EXPIRED;
	ck_assert_int_eq(tlsid_policy_verdict(&s, expired, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_EXPIRED);
	ck_assert_msg(!strncmp(why, "server certificate expired on ", 30), "%s", why);
	s.verify_err = X509_V_ERR_CERT_NOT_YET_VALID;
	ck_assert_int_eq(tlsid_policy_verdict(&s, early, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_EXPIRED);
	ck_assert_msg(!strncmp(why, "server certificate not valid before ", 36), "%s", why);
	/* ... even when the verification found something else first. */
	s.verify_err = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
	ck_assert_int_eq(tlsid_policy_verdict(&s, expired, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_EXPIRED);
	/* but not an invalid chain of a current certificate. */
	ck_assert_int_eq(tlsid_policy_verdict(&s, good, why, sizeof(why)), TLSI_SSL_REASON_NONE);
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_blocked_expired]), 3);

	/* block-invalid: CERT_INVALID, or CERT_EXPIRED when a date failed. */
	s.pol.flags = TLSI_SSL_F_BLOCK_INVALID;
	ck_assert_int_eq(tlsid_policy_verdict(&s, good, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_INVALID);
	ck_assert_msg(!strncmp(why, "server certificate invalid: ", 28), "%s", why);
	s.verify_err = X509_V_ERR_CERT_HAS_EXPIRED;
	ck_assert_int_eq(tlsid_policy_verdict(&s, expired, why, sizeof(why)),
			 TLSI_SSL_REASON_CERT_EXPIRED);
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_blocked_invalid]), 2);
	s.chain_ok = true;
	s.verify_err = X509_V_OK;
	ck_assert_int_eq(tlsid_policy_verdict(&s, good, why, sizeof(why)), TLSI_SSL_REASON_NONE);

	X509_free(ca);
	X509_free(good);
	X509_free(expired);
	X509_free(early);
	X509_free(big);
	X509_free(ec);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(r2048);
	EVP_PKEY_free(r3072);
	EVP_PKEY_free(ek);
}
END_TEST

START_TEST(test_policy_names)
{
	static struct tlsid_session s;
	struct tlsid_signer *sg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	char why[512];

	new_signing("inspect", "Inspect CA", 0);
	add_store("office", NULL);
	OK(tlsid_keys_init(&tlsid_cfg));
	memset(&s, 0, sizeof(s));
	snprintf(s.pol.proxy, sizeof(s.pol.proxy), "web");
	snprintf(s.pol.name, sizeof(s.pol.name), "outbound");
	snprintf(s.pol.cert, sizeof(s.pol.cert), "inspect");
	snprintf(s.pol.trust_store, sizeof(s.pol.trust_store), "office");
	sg = tlsid_policy_signer(&s, why, sizeof(why));
	ck_assert_msg(sg != NULL, "%s", why);
	tlsid_signer_put(sg);
	ck_assert_int_eq(tlsid_policy_trust(&s, ssl, why, sizeof(why)), 0);
	snprintf(s.pol.cert, sizeof(s.pol.cert), "missing");
	snprintf(s.pol.trust_store, sizeof(s.pol.trust_store), "nostore");
	ck_assert_ptr_null(tlsid_policy_signer(&s, why, sizeof(why)));
	ck_assert_msg(strstr(why, "signing certificate `missing' of SSL proxy `web' unavailable"),
		      "%s", why);
	ck_assert_int_eq(tlsid_policy_trust(&s, ssl, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "trust store `nostore' of policy `outbound' unavailable"), "%s",
		      why);
	ck_assert_uint_eq(atomic_load(&tlsid_counters[TLSID_C_cert_unavailable]), 2);
	/* The proxy names none and tlsid has none. */
	s.pol.cert[0] = '\0';
	ck_assert_ptr_null(tlsid_policy_signer(&s, why, sizeof(why)));
	ck_assert_msg(strstr(why, "no signing certificate"), "%s", why);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tlsid_certs");
	TCase *tc = tcase_create("certs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_by_name);
	tcase_add_test(tc, test_command_line);
	tcase_add_test(tc, test_missing_signing_cert_fails_start);
	tcase_add_test(tc, test_no_repository_no_keystore);
	tcase_add_test(tc, test_reload_after_replace);
	tcase_add_test(tc, test_deleted_becomes_unknown);
	tcase_add_test(tc, test_expiry_messages);
	tcase_add_test(tc, test_persist_off);
	tcase_add_test(tc, test_persist_on);
	tcase_add_test(tc, test_persist_replace_updates_keystore);
	tcase_add_test(tc, test_policy_lookup);
	tcase_add_test(tc, test_policy_verdict);
	tcase_add_test(tc, test_policy_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
