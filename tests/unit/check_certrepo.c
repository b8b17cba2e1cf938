// SPDX-License-Identifier: GPL-2.0
/*
 * The certificate repository library (userspace/lib/certrepo.h): every
 * operation, every refusal with the field it names, the repository tree
 * unchanged after each refusal (paths, modes and contents compared before
 * and after), permissions, atomic writes (an injected failure at each write
 * of an operation leaves nothing behind).
 *
 * Each test gets its own repository under /tmp, removed afterwards. The
 * default CA package is switched off so results do not depend on the host.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certrepo.h"

static char base[64], dir[128], repo_path[192];
static struct certrepo *r;
static char err[CERTREPO_ERR_MAX];

/* ---- fixture --------------------------------------------------------- */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(p);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(repo_path, sizeof(repo_path), "%s/repo", dir);
	ck_assert_int_eq(certrepo_open(repo_path, &r, err, sizeof(err)), 0);
	ck_assert_msg(certrepo_set_default_ca_file(r, "none", err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	certrepo_test_fail_write = 0;
	certrepo_close(r);
	r = NULL;
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path in the test directory (8 rotating buffers). */
static const char *P(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* ---- the repository tree --------------------------------------------- */

static char *tree;
static size_t tree_len, tree_cap;

static void tree_add(const char *s)
{
	size_t n = strlen(s);

	if (tree_len + n + 2 > tree_cap) {
		tree_cap = (tree_len + n + 2) * 2;
		tree = realloc(tree, tree_cap);
		ck_assert_ptr_nonnull(tree);
	}
	memcpy(tree + tree_len, s, n);
	tree_len += n;
	tree[tree_len++] = '\n';
	tree[tree_len] = '\0';
}

static int tree_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	unsigned char md[32], buf[65536];
	char line[1024], hex[65] = "";
	unsigned int i;

	if (S_ISREG(sb->st_mode)) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		int fd = open(p, O_RDONLY);
		ssize_t n;

		ck_assert_int_ge(fd, 0);
		EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			EVP_DigestUpdate(c, buf, (size_t)n);
		close(fd);
		EVP_DigestFinal_ex(c, md, NULL);
		EVP_MD_CTX_free(c);
		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", md[i]);
	}
	snprintf(line, sizeof(line), "%s %o %s", p + strlen(repo_path),
		 (unsigned)(sb->st_mode & 07777) | (S_ISDIR(sb->st_mode) ? 040000 : 0), hex);
	tree_add(line);
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path of the repository with its mode and content hash, sorted. */
static char *snapshot(void)
{
	char *copy, **lines = NULL, *p, *out;
	size_t n = 0, i, len;

	tree_len = 0;
	if (tree)
		tree[0] = '\0';
	nftw(repo_path, tree_cb, 16, FTW_PHYS);
	copy = strdup(tree ? tree : "");
	for (p = strtok(copy, "\n"); p; p = strtok(NULL, "\n")) {
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = p;
	}
	qsort(lines, n, sizeof(*lines), cmp_lines);
	for (len = 1, i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	out = calloc(1, len);
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	free(lines);
	free(copy);
	return out;
}

/* call must fail with a message containing msg, the tree untouched. */
#define REFUSED(call, msg) do {							\
	char *before_ = snapshot(), *after_;					\
	err[0] = '\0';								\
	ck_assert_msg((call) == -1, "%s succeeded", #call);			\
	ck_assert_msg(strstr(err, (msg)) != NULL, "%s: error `%s' lacks `%s'",	\
		      #call, err, (msg));					\
	after_ = snapshot();							\
	ck_assert_str_eq(before_, after_);					\
	free(before_);								\
	free(after_);								\
} while (0)

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, err)

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static const char *R(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", repo_path, rel);
	return buf[i];
}

/* ---- making test material -------------------------------------------- */

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

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, v);

	ck_assert_ptr_nonnull(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for key, valid from now+nb to now+na days, signed by
 * issuer/ikey (NULL: self-signed), CA or server.
 */
static X509 *mk_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
		     bool ca, long nb, long na)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	unsigned char rnd[8];
	char san[300];
	uint64_t serial;

	RAND_bytes(rnd, sizeof(rnd));
	memcpy(&serial, rnd, sizeof(serial));
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1);
	X509_time_adj_ex(X509_getm_notBefore(x), (int)nb, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)na, 0, NULL);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, &ctx, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" :
		"critical,digitalSignature,keyEncipherment");
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (!ca && !strchr(cn, ' ')) {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		add_ext(x, &ctx, NID_subject_alt_name, san);
	}
	ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
	X509_NAME_free(n);
	return x;
}

static const char *w_certs(const char *name, X509 *x, X509 *c1, X509 *c2)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	if (c1)
		PEM_write_X509(f, c1);
	if (c2)
		PEM_write_X509(f, c2);
	fclose(f);
	return path;
}

static const char *w_der(const char *name, X509 *x)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	i2d_X509_fp(f, x);
	fclose(f);
	return path;
}

/* PKCS#8 PEM, encrypted with AES-256-CBC when pw is set. */
static const char *w_key(const char *name, EVP_PKEY *k, const char *pw)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PKCS8PrivateKey(f, k, pw ? EVP_aes_256_cbc() : NULL,
						   NULL, 0, NULL, (void *)pw), 1);
	fclose(f);
	return path;
}

/* PKCS#8 DER, maybe encrypted. */
static const char *w_key_der(const char *name, EVP_PKEY *k, const char *pw)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(i2d_PKCS8PrivateKey_fp(f, k, pw ? EVP_aes_256_cbc() : NULL, NULL, 0,
						NULL, (void *)pw), 1);
	fclose(f);
	return path;
}

static const char *w_text(const char *name, const void *data, size_t len)
{
	const char *path = P(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

struct p12_item {
	EVP_PKEY *key;		/* NULL: a certificate alone */
	X509 *cert;
	const char *alias;	/* NULL: none */
};

/* A PKCS#12 file of items (keys shrouded with AES-256, MAC with pw). */
static const char *w_p12(const char *name, const struct p12_item *it, size_t n,
			 const char *pw)
{
	STACK_OF(PKCS12_SAFEBAG) *certs = NULL, *keys = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	const char *path = P(name);
	PKCS12_SAFEBAG *bag;
	unsigned char id;
	PKCS12 *p12;
	FILE *f;
	size_t i;

	for (i = 0; i < n; i++) {
		id = (unsigned char)(i + 1);
		bag = PKCS12_add_cert(&certs, it[i].cert);
		ck_assert_ptr_nonnull(bag);
		if (it[i].alias)
			PKCS12_add_friendlyname(bag, it[i].alias, -1);
		if (it[i].key) {
			PKCS12_add_localkeyid(bag, &id, 1);
			bag = PKCS12_add_key(&keys, it[i].key, 0, PKCS12_DEFAULT_ITER,
					     NID_aes_256_cbc, pw);
			ck_assert_ptr_nonnull(bag);
			PKCS12_add_localkeyid(bag, &id, 1);
			if (it[i].alias)
				PKCS12_add_friendlyname(bag, it[i].alias, -1);
		}
	}
	ck_assert_int_eq(PKCS12_add_safe(&safes, certs, -1, 0, NULL), 1);
	if (keys)
		ck_assert_int_eq(PKCS12_add_safe(&safes, keys, -1, 0, NULL), 1);
	p12 = PKCS12_add_safes(safes, 0);
	ck_assert_ptr_nonnull(p12);
	ck_assert_int_eq(PKCS12_set_mac(p12, pw, -1, NULL, 0, PKCS12_DEFAULT_ITER, NULL), 1);
	f = fopen(path, "w");
	i2d_PKCS12_fp(f, p12);
	fclose(f);
	PKCS12_free(p12);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
	sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
	return path;
}

/* Sign a request's key and subject with ca/cakey. */
static X509 *sign_req(X509_REQ *req, X509 *ca, EVP_PKEY *cakey, bool as_ca, long days)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL);
	X509_set_subject_name(x, X509_REQ_get_subject_name(req));
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	X509_set_pubkey(x, X509_REQ_get0_pubkey(req));
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_basic_constraints, as_ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (as_ca)
		add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	ck_assert_int_gt(X509_sign(x, cakey, EVP_sha256()), 0);
	return x;
}

/* Export name into memory (NUL-terminated). */
static char *export_mem(const char *name, unsigned flags, const char *pw, size_t *len,
			int *rc)
{
	FILE *m = tmpfile();
	char *out;
	long l;

	ck_assert_ptr_nonnull(m);
	*rc = certrepo_export(r, name, flags, pw, m, err, sizeof(err));
	l = ftell(m);
	rewind(m);
	out = calloc(1, (size_t)l + 1);
	ck_assert_int_eq(fread(out, 1, (size_t)l, m), l);
	fclose(m);
	if (len)
		*len = (size_t)l;
	return out;
}

static X509_REQ *request_of(const char *name)
{
	int rc;
	char *pem = export_mem(name, 0, NULL, NULL, &rc);
	BIO *b;
	X509_REQ *req;

	ck_assert_msg(rc == 0, "%s", err);
	b = BIO_new_mem_buf(pem, -1);
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	ck_assert_ptr_nonnull(req);
	return req;
}

static X509 *cert_of(const char *name)
{
	int rc;
	char *pem = export_mem(name, 0, NULL, NULL, &rc);
	BIO *b;
	X509 *x;

	ck_assert_msg(rc == 0, "%s", err);
	b = BIO_new_mem_buf(pem, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	ck_assert_ptr_nonnull(x);
	return x;
}

static void info(const char *name, struct certrepo_info *i)
{
	ck_assert_msg(certrepo_get(r, name, i, err, sizeof(err)) == 0, "get %s: %s", name, err);
}

static enum certrepo_status status(const char *name)
{
	struct certrepo_info i;
	enum certrepo_status s;

	info(name, &i);
	s = i.status;
	certrepo_info_free(&i);
	return s;
}

static bool exists(const char *name)
{
	struct certrepo_info i;

	if (certrepo_get(r, name, &i, err, sizeof(err)))
		return false;
	certrepo_info_free(&i);
	return true;
}

static struct certrepo_gen gen(const char *cn, enum certrepo_key_type k)
{
	struct certrepo_gen g;

	memset(&g, 0, sizeof(g));
	g.dn.cn = cn;
	g.key = k;
	return g;
}

static void new_ca(const char *name)
{
	struct certrepo_gen g = gen("Test CA", CERTREPO_KEY_P256);

	OK(certrepo_new_signing(r, name, &g, err, sizeof(err)));
}

/* ---- opening --------------------------------------------------------- */

START_TEST(test_open_missing)
{
	struct certrepo *r2;
	struct certrepo_info *v;
	struct certrepo_truststore *t;
	size_t n;
	char p[256];

	snprintf(p, sizeof(p), "%s/nothing/here", dir);
	OK(certrepo_open(p, &r2, err, sizeof(err)));
	ck_assert_int_eq(certrepo_list(r2, &v, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 0);
	certrepo_list_free(v, n);
	ck_assert_int_eq(certrepo_truststore_list(r2, &t, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 0);
	certrepo_truststore_list_free(t, n);
	ck_assert_int_eq(certrepo_get(r2, "web", &(struct certrepo_info){ 0 }, err,
				      sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "name `web': no such"));
	ck_assert_int_ne(access(p, F_OK), 0);	/* reading created nothing */
	ck_assert_str_eq(certrepo_path(r2), p);
	ck_assert(!certrepo_persist_keys(r2));
	ck_assert_str_eq(certrepo_default_ca_file(r2), CERTREPO_DEFAULT_CA_FILE);
	certrepo_close(r2);
}
END_TEST

START_TEST(test_permissions)
{
	struct certrepo_gen g = gen("Perm CA", CERTREPO_KEY_P256);
	struct certrepo *r2;
	char p[256];

	snprintf(p, sizeof(p), "%s/a/b/repo", dir);
	OK(certrepo_open(p, &r2, err, sizeof(err)));
	OK(certrepo_new_signing(r2, "perm", &g, err, sizeof(err)));
	certrepo_close(r2);
	ck_assert_int_eq(mode_of(p), 0700);
	ck_assert_int_eq(mode_of(P("a")), 0755);
	snprintf(p, sizeof(p), "%s/a/b/repo/objects", dir);
	ck_assert_int_eq(mode_of(p), 0700);
	snprintf(p, sizeof(p), "%s/a/b/repo/objects/perm", dir);
	ck_assert_int_eq(mode_of(p), 0700);
	snprintf(p, sizeof(p), "%s/a/b/repo/objects/perm/key.pem", dir);
	ck_assert_int_eq(mode_of(p), 0600);
	snprintf(p, sizeof(p), "%s/a/b/repo/objects/perm/cert.pem", dir);
	ck_assert_int_eq(mode_of(p), 0600);
	/* A permissive umask changes nothing. */
	umask(0);
	OK(certrepo_new_request(r, "req", &g, err, sizeof(err)));
	umask(022);
	ck_assert_int_eq(mode_of(R("objects/req")), 0700);
	ck_assert_int_eq(mode_of(R("objects/req/key.pem")), 0600);
	ck_assert_int_eq(mode_of(R("objects/req/csr.pem")), 0600);
	ck_assert_int_eq(mode_of(R("objects/req/meta")), 0600);
}
END_TEST

/* ---- signing certificates -------------------------------------------- */

START_TEST(test_new_signing)
{
	struct certrepo_gen g = gen("Example Inspection CA", CERTREPO_KEY_P256);
	struct certrepo_info i;
	X509 *x;
	X509_NAME *n;
	BASIC_CONSTRAINTS *bc;
	ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *aki;
	GENERAL_NAMES *gens;
	char buf[256];

	g.days = 400;
	g.exportable = true;
	g.dn.email = "pki@example.com";
	g.dn.ou[g.dn.n_ou++] = "Research and Development";
	g.dn.ou[g.dn.n_ou++] = "Security";
	g.dn.o = "Example Corp";
	g.dn.l = "Saint Louis";
	g.dn.st = "Missouri";
	g.dn.c = "US";
	g.dn.dns[g.dn.n_dns++] = "login.example.com";
	g.dn.email_san[g.dn.n_email_san++] = "susan@example.com";
	OK(certrepo_new_signing(r, "inspect", &g, err, sizeof(err)));

	x = cert_of("inspect");
	n = X509_get_subject_name(x);
	ck_assert_int_eq(X509_NAME_cmp(n, X509_get_issuer_name(x)), 0);
	X509_NAME_get_text_by_NID(n, NID_countryName, buf, sizeof(buf));
	ck_assert_str_eq(buf, "US");
	X509_NAME_get_text_by_NID(n, NID_stateOrProvinceName, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Missouri");
	X509_NAME_get_text_by_NID(n, NID_localityName, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Saint Louis");
	X509_NAME_get_text_by_NID(n, NID_organizationName, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Example Corp");
	ck_assert_int_eq(X509_NAME_entry_count(n), 8);	/* C ST L O OU OU CN email */
	X509_NAME_get_text_by_NID(n, NID_pkcs9_emailAddress, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pki@example.com");

	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert(bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	ck_assert_int_eq(X509_get_ext_by_critical(x, 1, -1) >= 0, 1);
	ck_assert(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
	ck_assert(X509_check_ca(x) == 1);
	ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	ck_assert_ptr_nonnull(ski);
	ck_assert_ptr_nonnull(aki);
	ck_assert_ptr_nonnull(aki->keyid);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(ski, aki->keyid), 0);
	ASN1_OCTET_STRING_free(ski);
	AUTHORITY_KEYID_free(aki);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ck_assert_int_eq(sk_GENERAL_NAME_num(gens), 2);
	GENERAL_NAMES_free(gens);
	ck_assert_int_eq(X509_verify(x, X509_get0_pubkey(x)), 1);
	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	X509_free(x);

	info("inspect", &i);
	ck_assert_int_eq(i.kind, CERTREPO_CERT);
	ck_assert_int_eq(i.status, CERTREPO_VALID);
	ck_assert(i.signing);
	ck_assert(i.has_key);
	ck_assert(i.exportable);
	ck_assert_str_eq(i.cn, "Example Inspection CA");
	ck_assert_str_eq(i.key_type, "p256");
	ck_assert_int_ge(i.days_left, 399);
	ck_assert_int_le(i.days_left, 400);
	ck_assert_int_eq(i.n_san, 2);
	ck_assert_str_eq(i.san[0], "DNS:login.example.com");
	ck_assert_str_eq(i.san[1], "email:susan@example.com");
	ck_assert_int_eq(strlen(i.sha256), 95);
	ck_assert_int_eq(i.n_refs, 0);
	certrepo_info_free(&i);
}
END_TEST

START_TEST(test_key_types)
{
	static const struct {
		enum certrepo_key_type t;
		const char *name;
	} types[] = {
		{ CERTREPO_KEY_P384, "p384" },
		{ CERTREPO_KEY_RSA2048, "rsa2048" },
		{ CERTREPO_KEY_RSA3072, "rsa3072" },
		{ CERTREPO_KEY_RSA4096, "rsa4096" },
	};
	enum certrepo_key_type t;
	struct certrepo_info i;
	size_t k;

	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		struct certrepo_gen g = gen("Key CA", types[k].t);

		ck_assert_int_eq(certrepo_parse_key_type("key", types[k].name, &t, err,
							 sizeof(err)), 0);
		ck_assert_int_eq(t, types[k].t);
		ck_assert_str_eq(certrepo_key_type_name(t), types[k].name);
		OK(certrepo_new_signing(r, types[k].name, &g, err, sizeof(err)));
		info(types[k].name, &i);
		ck_assert_str_eq(i.key_type, types[k].name);
		ck_assert_int_eq(i.status, CERTREPO_VALID);
		ck_assert_int_ge(i.days_left, CERTREPO_DAYS_DEFAULT - 1);	/* default days */
		certrepo_info_free(&i);
	}
	ck_assert_int_eq(certrepo_parse_key_type("key", "p256", &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t, CERTREPO_KEY_P256);
}
END_TEST

/* ---- requests -------------------------------------------------------- */

static X509_EXTENSION *req_ext(X509_REQ *req, int nid)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	X509_EXTENSION *e = NULL;
	int i;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i))) == nid)
			e = X509_EXTENSION_dup(sk_X509_EXTENSION_value(exts, i));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return e;
}

START_TEST(test_request_endpoint)
{
	struct certrepo_gen g = gen("www.example.com", CERTREPO_KEY_P256);
	struct certrepo_info i;
	X509_EXTENSION *e;
	BASIC_CONSTRAINTS *bc;
	GENERAL_NAMES *gens;
	X509_REQ *req;
	char *pem;
	size_t len;
	int rc;

	g.dn.dns[g.dn.n_dns++] = "*.example.com";
	g.dn.dns[g.dn.n_dns++] = "example.com";
	g.dn.o = "Example";
	OK(certrepo_new_request(r, "www", &g, err, sizeof(err)));
	info("www", &i);
	ck_assert_int_eq(i.kind, CERTREPO_REQUEST);
	ck_assert_int_eq(i.status, CERTREPO_PENDING);
	ck_assert(!i.signing);
	ck_assert(!i.exportable);
	ck_assert_int_eq(i.n_san, 3);
	ck_assert_str_eq(i.san[0], "DNS:www.example.com");	/* the CN first */
	ck_assert_str_eq(i.san[1], "DNS:*.example.com");
	certrepo_info_free(&i);

	req = request_of("www");
	ck_assert_int_eq(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	e = req_ext(req, NID_basic_constraints);
	ck_assert_ptr_nonnull(e);
	bc = X509V3_EXT_d2i(e);
	ck_assert(!bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	X509_EXTENSION_free(e);
	e = req_ext(req, NID_ext_key_usage);
	ck_assert_ptr_nonnull(e);
	X509_EXTENSION_free(e);
	e = req_ext(req, NID_subject_alt_name);
	gens = X509V3_EXT_d2i(e);
	ck_assert_int_eq(sk_GENERAL_NAME_num(gens), 3);
	GENERAL_NAMES_free(gens);
	X509_EXTENSION_free(e);
	X509_REQ_free(req);

	/* The export is the request alone, never the key. */
	pem = export_mem("www", 0, NULL, &len, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN CERTIFICATE REQUEST-----"));
	ck_assert_ptr_null(strstr(pem, "PRIVATE"));
	free(pem);
	pem = export_mem("www", CERTREPO_EXPORT_DER, NULL, &len, &rc);
	ck_assert_int_eq(rc, 0);
	{
		const unsigned char *p = (unsigned char *)pem;
		X509_REQ *d = d2i_X509_REQ(NULL, &p, (long)len);

		ck_assert_ptr_nonnull(d);
		X509_REQ_free(d);
	}
	free(pem);
	/* Its key is not exportable. */
	REFUSED(certrepo_export(r, "www", CERTREPO_EXPORT_KEY, NULL, stdout, err, sizeof(err)),
		"name `www': the private key is not exportable");
}
END_TEST

START_TEST(test_request_signing)
{
	struct certrepo_gen g = gen("Example Sub CA", CERTREPO_KEY_RSA2048);
	struct certrepo_info i;
	X509_EXTENSION *e;
	BASIC_CONSTRAINTS *bc;
	X509_REQ *req;

	g.signing = true;
	g.exportable = true;
	g.dn.email_san[g.dn.n_email_san++] = "ca@example.com";
	OK(certrepo_new_request(r, "sub", &g, err, sizeof(err)));
	info("sub", &i);
	ck_assert(i.signing);
	ck_assert(i.exportable);
	ck_assert_str_eq(i.key_type, "rsa2048");
	ck_assert_int_eq(i.n_san, 1);	/* no CN added for a CA */
	ck_assert_str_eq(i.san[0], "email:ca@example.com");
	certrepo_info_free(&i);
	req = request_of("sub");
	e = req_ext(req, NID_basic_constraints);
	bc = X509V3_EXT_d2i(e);
	ck_assert(bc->ca);
	ck_assert(X509_EXTENSION_get_critical(e));
	BASIC_CONSTRAINTS_free(bc);
	X509_EXTENSION_free(e);
	X509_REQ_free(req);
}
END_TEST

/* ---- importing ------------------------------------------------------- */

START_TEST(test_import_pem_chain)
{
	EVP_PKEY *rk = ec_key(), *ik = ec_key(), *lk = ec_key();
	X509 *root = mk_cert("Root", rk, NULL, NULL, true, -1, 100);
	X509 *inter = mk_cert("Inter", ik, root, rk, true, -1, 90);
	X509 *leaf = mk_cert("www.example.com", lk, inter, ik, false, -1, 30);
	struct certrepo_import im = { 0 };
	struct certrepo_names names = { 0 };
	struct certrepo_info i;
	size_t changed;
	int rc;
	char *pem;

	im.cert_file = w_certs("leaf.pem", leaf, inter, NULL);
	im.key_file = w_key("leaf.key", lk, NULL);
	OK(certrepo_import(r, "www", &im, &names, err, sizeof(err)));
	ck_assert_int_eq(names.n, 1);
	ck_assert_str_eq(names.v[0], "www");
	certrepo_names_free(&names);
	info("www", &i);
	ck_assert_int_eq(i.chain_len, 1);
	ck_assert_int_eq(i.status, CERTREPO_NO_TRUST_ANCHOR);
	ck_assert(!i.signing);
	ck_assert_str_eq(i.issuer, "CN=Inter");
	certrepo_info_free(&i);

	/* The root arrives: the stored status holds until refresh. */
	OK(certrepo_import_ca(r, "root", w_certs("root.pem", root, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	ck_assert_int_eq(status("root"), CERTREPO_VALID);
	ck_assert_int_eq(status("www"), CERTREPO_NO_TRUST_ANCHOR);
	OK(certrepo_refresh(r, &changed, err, sizeof(err)));
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(status("www"), CERTREPO_VALID);
	OK(certrepo_refresh(r, &changed, err, sizeof(err)));
	ck_assert_int_eq(changed, 0);

	/* The chain comes back with the certificate. */
	pem = export_mem("www", CERTREPO_EXPORT_CHAIN, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(strstr(pem, "END CERTIFICATE") + 1, "BEGIN CERTIFICATE"));
	free(pem);
	pem = export_mem("www", 0, NULL, NULL, &rc);
	ck_assert_ptr_null(strstr(strstr(pem, "END CERTIFICATE") + 1, "BEGIN CERTIFICATE"));
	free(pem);

	/* The intermediate alone is no anchor: the chain must reach a root. */
	OK(certrepo_del(r, "root", err, sizeof(err)));
	OK(certrepo_import_ca(r, "inter", w_certs("inter.pem", inter, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	ck_assert_int_eq(status("inter"), CERTREPO_NO_TRUST_ANCHOR);
	OK(certrepo_refresh(r, &changed, err, sizeof(err)));
	ck_assert_int_eq(status("www"), CERTREPO_NO_TRUST_ANCHOR);
	info("www", &i);
	ck_assert_msg(strstr(i.detail, "issuer") != NULL, "detail: %s", i.detail);
	certrepo_info_free(&i);

	X509_free(root);
	X509_free(inter);
	X509_free(leaf);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
}
END_TEST

START_TEST(test_import_der_and_key_formats)
{
	EVP_PKEY *k1 = rsa_key(2048), *k2 = ec_key(), *k3 = ec_key(), *k4 = ec_key();
	X509 *c1 = mk_cert("one.example", k1, NULL, NULL, false, -1, 10);
	X509 *c2 = mk_cert("two.example", k2, NULL, NULL, false, -1, 10);
	X509 *c3 = mk_cert("three.example", k3, NULL, NULL, false, -1, 10);
	X509 *c4 = mk_cert("four.example", k4, NULL, NULL, false, -1, 10);
	struct certrepo_import im = { 0 };
	BIO *b;

	/* DER certificate, traditional PEM RSA key. */
	im.cert_file = w_der("one.der", c1);
	b = BIO_new_file(P("one.key"), "w");
	PEM_write_bio_PrivateKey_traditional(b, k1, NULL, NULL, 0, NULL, NULL);
	BIO_free(b);
	im.key_file = P("one.key");
	OK(certrepo_import(r, "one", &im, NULL, err, sizeof(err)));
	ck_assert_int_eq(status("one"), CERTREPO_VALID);	/* self-signed */

	/* DER certificate, DER PKCS#8 key. */
	im.cert_file = w_der("two.der", c2);
	im.key_file = w_key_der("two.key", k2, NULL);
	OK(certrepo_import(r, "two", &im, NULL, err, sizeof(err)));

	/* Encrypted PEM PKCS#8 key with its password. */
	im.cert_file = w_certs("three.pem", c3, NULL, NULL);
	im.key_file = w_key("three.key", k3, "s3cret");
	im.password = "s3cret";
	OK(certrepo_import(r, "three", &im, NULL, err, sizeof(err)));

	/* Encrypted DER PKCS#8 key; a name with spaces. */
	im.cert_file = w_der("four.der", c4);
	im.key_file = w_key_der("four.key", k4, "pw 4");
	im.password = "pw 4";
	OK(certrepo_import(r, "four with spaces", &im, NULL, err, sizeof(err)));
	ck_assert(exists("four with spaces"));

	X509_free(c1);
	X509_free(c2);
	X509_free(c3);
	X509_free(c4);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
	EVP_PKEY_free(k4);
}
END_TEST

START_TEST(test_import_pairs_request)
{
	EVP_PKEY *cak = ec_key();
	X509 *ca = mk_cert("Ext CA", cak, NULL, NULL, true, -1, 100);
	struct certrepo_gen g = gen("srv.example.com", CERTREPO_KEY_P256);
	struct certrepo_gen s = gen("Sub CA", CERTREPO_KEY_P256);
	struct certrepo_import im = { 0 };
	struct certrepo_info i;
	X509_REQ *req;
	X509 *x;
	int rc;
	char *pem;

	g.exportable = true;
	OK(certrepo_new_request(r, "srv", &g, err, sizeof(err)));
	req = request_of("srv");
	x = sign_req(req, ca, cak, false, 30);
	X509_REQ_free(req);

	/* Same name: the request turns into the certificate. */
	im.cert_file = w_certs("srv.pem", x, NULL, NULL);
	OK(certrepo_import(r, "srv", &im, NULL, err, sizeof(err)));
	X509_free(x);
	info("srv", &i);
	ck_assert_int_eq(i.kind, CERTREPO_CERT);
	ck_assert(i.exportable);	/* from the request */
	ck_assert(i.has_key);
	certrepo_info_free(&i);
	pem = export_mem("srv", CERTREPO_EXPORT_KEY, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(pem, "BEGIN PRIVATE KEY"));
	free(pem);

	/* Another name: the request is consumed. A signing request must come
	 * back as a CA certificate. */
	s.signing = true;
	OK(certrepo_new_request(r, "sub req", &s, err, sizeof(err)));
	req = request_of("sub req");
	x = sign_req(req, ca, cak, false, 30);
	im.cert_file = w_certs("sub-bad.pem", x, NULL, NULL);
	REFUSED(certrepo_import(r, "sub", &im, NULL, err, sizeof(err)),
		"the request asked for a signing certificate");
	X509_free(x);
	x = sign_req(req, ca, cak, true, 30);
	im.cert_file = w_certs("sub.pem", x, ca, NULL);
	OK(certrepo_import(r, "sub", &im, NULL, err, sizeof(err)));
	ck_assert(!exists("sub req"));
	info("sub", &i);
	ck_assert(i.signing);
	ck_assert_int_eq(i.chain_len, 1);
	certrepo_info_free(&i);
	X509_free(x);
	X509_REQ_free(req);

	/* No key and no request: refused. */
	im.cert_file = w_certs("ca.pem", ca, NULL, NULL);
	REFUSED(certrepo_import(r, "lonely", &im, NULL, err, sizeof(err)),
		"key: none given, and no signing request in the repository matches");
	X509_free(ca);
	EVP_PKEY_free(cak);
}
END_TEST

START_TEST(test_import_p12)
{
	EVP_PKEY *cak = ec_key(), *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key();
	X509 *ca = mk_cert("P12 CA", cak, NULL, NULL, true, -1, 100);
	X509 *c1 = mk_cert("a.example.com", k1, ca, cak, false, -1, 30);
	X509 *c2 = mk_cert("b.example.com", k2, ca, cak, false, -1, 30);
	X509 *c3 = mk_cert("c.example.com", k3, ca, cak, false, -1, 30);
	struct p12_item one[] = { { k1, c1, "web server" }, { NULL, ca, "the ca" } };
	struct p12_item many[] = {
		{ k1, c1, "alpha one" }, { k2, c2, "beta" }, { k3, c3, NULL }, { NULL, ca, NULL },
	};
	struct certrepo_import im = { 0 };
	struct certrepo_names names = { 0 };
	struct certrepo_info i;

	im.p12_file = w_p12("one.p12", one, 2, "pw");
	im.password = "pw";
	im.exportable = true;
	OK(certrepo_import(r, "web", &im, &names, err, sizeof(err)));
	ck_assert_int_eq(names.n, 1);
	ck_assert_str_eq(names.v[0], "web");
	certrepo_names_free(&names);
	info("web", &i);
	ck_assert_int_eq(i.chain_len, 1);	/* the CA came with it */
	ck_assert_int_eq(i.status, CERTREPO_NO_TRUST_ANCHOR);
	ck_assert(i.exportable);
	ck_assert_str_eq(i.cn, "a.example.com");
	certrepo_info_free(&i);

	/* Several keys: base name + alias each. */
	im.p12_file = w_p12("many.p12", many, 4, "pw");
	im.exportable = false;
	OK(certrepo_import(r, "multi", &im, &names, err, sizeof(err)));
	ck_assert_int_eq(names.n, 3);
	ck_assert_str_eq(names.v[0], "multi_alpha_one");
	ck_assert_str_eq(names.v[1], "multi_beta");
	ck_assert_str_eq(names.v[2], "multi_3");
	certrepo_names_free(&names);
	info("multi_beta", &i);
	ck_assert_str_eq(i.cn, "b.example.com");
	ck_assert_int_eq(i.chain_len, 1);
	certrepo_info_free(&i);

	/* An empty password works when the file has one. */
	im.p12_file = w_p12("empty.p12", one, 1, "");
	im.password = NULL;
	OK(certrepo_import(r, "nopw", &im, NULL, err, sizeof(err)));

	X509_free(ca);
	X509_free(c1);
	X509_free(c2);
	X509_free(c3);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}
END_TEST

START_TEST(test_import_ca_formats)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key(), *lk = ec_key();
	X509 *r1 = mk_cert("Root One", k1, NULL, NULL, true, -1, 100);
	X509 *r2 = mk_cert("Root Two", k2, NULL, NULL, true, -1, 100);
	X509 *i3 = mk_cert("Inter Three", k3, r1, k1, true, -1, 100);
	X509 *leaf = mk_cert("leaf.example.com", lk, i3, k3, false, -1, 10);
	struct p12_item items[] = { { lk, leaf, "srv" }, { NULL, i3, "inter" }, { NULL, r1, "root" } };
	struct p12_item cas[] = { { NULL, i3, "inter" }, { NULL, r1, "root" } };
	struct p12_item noca[] = { { NULL, r1, "root" }, { NULL, leaf, "leaf" } };
	struct certrepo_names names = { 0 };
	struct certrepo_info i;

	OK(certrepo_import_ca(r, "pem", w_certs("r1.pem", r1, NULL, NULL), NULL, &names, err,
			      sizeof(err)));
	OK(certrepo_import_ca(r, "der", w_der("r2.der", r2), NULL, &names, err, sizeof(err)));
	OK(certrepo_import_ca(r, "bundle", w_certs("b.pem", r1, r2, i3), NULL, &names, err,
			      sizeof(err)));
	OK(certrepo_import_ca(r, "p12", w_p12("cas.p12", cas, 2, "x"), "x", &names, err,
			      sizeof(err)));
	ck_assert_int_eq(names.n, 7);
	ck_assert_str_eq(names.v[0], "pem");
	ck_assert_str_eq(names.v[1], "der");
	ck_assert_str_eq(names.v[2], "bundle_1");
	ck_assert_str_eq(names.v[3], "bundle_2");
	ck_assert_str_eq(names.v[4], "bundle_3");
	ck_assert_str_eq(names.v[5], "p12_inter");
	ck_assert_str_eq(names.v[6], "p12_root");
	certrepo_names_free(&names);
	info("bundle_3", &i);
	ck_assert_int_eq(i.kind, CERTREPO_CA);
	ck_assert(!i.has_key);
	ck_assert_int_eq(i.status, CERTREPO_VALID);	/* its root came along */
	certrepo_info_free(&i);
	ck_assert_int_eq(status("p12_inter"), CERTREPO_VALID);

	/* A server's PKCS#12: key and server certificate ignored, the chain
	 * imported. */
	OK(certrepo_import_ca(r, "mixed", w_p12("mixed.p12", items, 3, "x"), "x", &names, err,
			      sizeof(err)));
	ck_assert_int_eq(names.n, 2);
	ck_assert_str_eq(names.v[0], "mixed_inter");
	ck_assert_str_eq(names.v[1], "mixed_root");
	certrepo_names_free(&names);
	/* But a key-less server certificate refuses the file. */
	REFUSED(certrepo_import_ca(r, "bad", w_p12("bad.p12", noca, 2, "x"), "x", NULL, err,
				   sizeof(err)),
		"certificate 2 (CN=leaf.example.com) is not a CA certificate");
	REFUSED(certrepo_import_ca(r, "onlyleaf", w_p12("onlyleaf.p12", items, 1, "x"), "x",
				   NULL, err, sizeof(err)),
		"onlyleaf.p12': no CA certificate in the PKCS#12 file");
	REFUSED(certrepo_import_ca(r, "leaf", w_certs("leaf.pem", leaf, NULL, NULL), NULL,
				   NULL, err, sizeof(err)),
		"file `");
	ck_assert_ptr_nonnull(strstr(err, "leaf.pem': not a CA certificate (CN=leaf.example.com"));
	/* A CA certificate is no private-key certificate. */
	REFUSED(certrepo_export(r, "pem", CERTREPO_EXPORT_KEY, NULL, stdout, err, sizeof(err)),
		"name `pem': a CA certificate has no private key");

	X509_free(r1);
	X509_free(r2);
	X509_free(i3);
	X509_free(leaf);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
	EVP_PKEY_free(lk);
}
END_TEST

/* ---- status ---------------------------------------------------------- */

START_TEST(test_status)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key();
	X509 *old = mk_cert("old.example.com", k1, NULL, NULL, false, -20, -10);
	X509 *future = mk_cert("future.example.com", k2, NULL, NULL, false, 5, 20);
	struct certrepo_import im = { 0 };
	struct certrepo_gen g = gen("Time CA", CERTREPO_KEY_P256);
	struct certrepo_info i;
	size_t changed;
	FILE *f;

	im.cert_file = w_certs("old.pem", old, NULL, NULL);
	im.key_file = w_key("old.key", k1, NULL);
	OK(certrepo_import(r, "old", &im, NULL, err, sizeof(err)));
	info("old", &i);
	ck_assert_int_eq(i.status, CERTREPO_EXPIRED);
	ck_assert_int_eq(i.days_left, -10);
	certrepo_info_free(&i);

	im.cert_file = w_certs("future.pem", future, NULL, NULL);
	im.key_file = w_key("future.key", k2, NULL);
	OK(certrepo_import(r, "future", &im, NULL, err, sizeof(err)));
	ck_assert_int_eq(status("future"), CERTREPO_NOT_YET_VALID);

	/* Time moves on: a year-long certificate expires. */
	g.days = 365;
	OK(certrepo_new_signing(r, "year", &g, err, sizeof(err)));
	ck_assert_int_eq(status("year"), CERTREPO_VALID);
	certrepo_set_now(r, time(NULL) + 366 * 86400L);
	ck_assert_int_eq(status("year"), CERTREPO_EXPIRED);
	certrepo_set_now(r, time(NULL) + 10 * 86400L);
	ck_assert_int_eq(status("future"), CERTREPO_VALID);
	certrepo_set_now(r, 0);

	/* A key that no longer belongs: refresh reports it. */
	f = fopen(R("objects/year/key.pem"), "w");
	PEM_write_PrivateKey(f, k3, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	OK(certrepo_refresh(r, &changed, err, sizeof(err)));
	ck_assert_int_eq(changed, 1);
	info("year", &i);
	ck_assert_int_eq(i.status, CERTREPO_KEY_MISMATCH);
	ck_assert_str_eq(i.detail, "the private key does not match the certificate");
	certrepo_info_free(&i);
	/* A signing certificate with a wrong key cannot sign. */
	{
		struct certrepo_issuer *ca;

		REFUSED(certrepo_issuer_load(r, "year", &ca, err, sizeof(err)),
			"name `year': the private key does not match");
	}

	ck_assert_str_eq(certrepo_status_name(CERTREPO_VALID), "valid");
	ck_assert_str_eq(certrepo_status_name(CERTREPO_EXPIRED), "expired");
	ck_assert_str_eq(certrepo_status_name(CERTREPO_NOT_YET_VALID), "not-yet-valid");
	ck_assert_str_eq(certrepo_status_name(CERTREPO_NO_TRUST_ANCHOR), "no-trust-anchor");
	ck_assert_str_eq(certrepo_status_name(CERTREPO_KEY_MISMATCH), "key-mismatch");
	ck_assert_str_eq(certrepo_status_name(CERTREPO_PENDING), "pending");
	X509_free(old);
	X509_free(future);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}
END_TEST

START_TEST(test_default_ca_package)
{
	EVP_PKEY *rk = ec_key(), *lk = ec_key();
	X509 *root = mk_cert("Package Root", rk, NULL, NULL, true, -1, 100);
	X509 *leaf = mk_cert("pkg.example.com", lk, root, rk, false, -1, 10);
	struct certrepo_import im = { 0 };
	size_t changed;

	im.cert_file = w_certs("leaf.pem", leaf, NULL, NULL);
	im.key_file = w_key("leaf.key", lk, NULL);
	OK(certrepo_import(r, "pkg", &im, NULL, err, sizeof(err)));
	ck_assert_int_eq(status("pkg"), CERTREPO_NO_TRUST_ANCHOR);
	/* The package's roots are known roots too. */
	OK(certrepo_set_default_ca_file(r, w_certs("bundle.pem", root, NULL, NULL), err,
					sizeof(err)));
	OK(certrepo_refresh(r, &changed, err, sizeof(err)));
	ck_assert_int_eq(status("pkg"), CERTREPO_VALID);
	REFUSED(certrepo_set_default_ca_file(r, "relative/path", err, sizeof(err)),
		"default-ca `relative/path': must be an absolute path");
	X509_free(root);
	X509_free(leaf);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(lk);
}
END_TEST

/* ---- replace --------------------------------------------------------- */

START_TEST(test_replace)
{
	EVP_PKEY *cak = ec_key(), *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key();
	X509 *ca = mk_cert("Rep CA", cak, NULL, NULL, true, -1, 100);
	X509 *c1 = mk_cert("rep.example.com", k1, ca, cak, false, -1, 10);
	X509 *c2 = mk_cert("rep.example.com", k2, ca, cak, false, -1, 20);
	X509 *c3 = mk_cert("rep.example.com", k2, ca, cak, false, -1, 30);
	X509 *c4 = mk_cert("rep.example.com", k3, ca, cak, false, -1, 40);
	struct p12_item p4[] = { { k3, c4, "x" } };
	struct certrepo_import im = { 0 };
	struct certrepo_info i;
	X509 *got;

	im.cert_file = w_certs("c1.pem", c1, NULL, NULL);
	im.key_file = w_key("k1.pem", k1, NULL);
	im.exportable = true;
	OK(certrepo_import(r, "rep", &im, NULL, err, sizeof(err)));
	OK(certrepo_ref_add(r, CERTREPO_CERT, "rep", "policy:office", err, sizeof(err)));

	/* A mismatched key is refused. */
	memset(&im, 0, sizeof(im));
	im.cert_file = w_certs("c2.pem", c2, NULL, NULL);
	im.key_file = w_key("k1b.pem", k1, NULL);
	REFUSED(certrepo_replace(r, "rep", &im, err, sizeof(err)),
		"k1b.pem': does not match the certificate");
	/* No key given, and the old one does not fit the new certificate. */
	im.key_file = NULL;
	REFUSED(certrepo_replace(r, "rep", &im, err, sizeof(err)),
		"key: none given, and neither the current key of `rep'");

	im.key_file = w_key("k2.pem", k2, NULL);
	OK(certrepo_replace(r, "rep", &im, err, sizeof(err)));
	info("rep", &i);
	ck_assert_int_eq(i.n_refs, 1);	/* the reference stays with the name */
	ck_assert_str_eq(i.refs[0], "policy:office");
	ck_assert(i.exportable);	/* kept */
	ck_assert_int_ge(i.days_left, 19);
	certrepo_info_free(&i);
	info("rep_REPLACED", &i);
	ck_assert_int_eq(i.n_refs, 0);
	ck_assert_str_eq(i.replaced_by, "rep");
	ck_assert_int_le(i.days_left, 10);
	certrepo_info_free(&i);
	got = cert_of("rep_REPLACED");
	ck_assert_int_eq(X509_cmp(got, c1), 0);
	X509_free(got);

	/* Renewed with the same key: no key needed; the older _REPLACED goes. */
	memset(&im, 0, sizeof(im));
	im.cert_file = w_certs("c3.pem", c3, NULL, NULL);
	OK(certrepo_replace(r, "rep", &im, err, sizeof(err)));
	got = cert_of("rep_REPLACED");
	ck_assert_int_eq(X509_cmp(got, c2), 0);
	X509_free(got);
	got = cert_of("rep");
	ck_assert_int_eq(X509_cmp(got, c3), 0);
	X509_free(got);

	/* From a PKCS#12 file. */
	memset(&im, 0, sizeof(im));
	im.p12_file = w_p12("c4.p12", p4, 1, "pw");
	im.password = "pw";
	OK(certrepo_replace(r, "rep", &im, err, sizeof(err)));
	info("rep", &i);
	ck_assert_int_eq(i.n_refs, 1);
	ck_assert_int_ge(i.days_left, 39);
	certrepo_info_free(&i);

	/* A referenced _REPLACED is not discarded. */
	OK(certrepo_ref_add(r, CERTREPO_CERT, "rep_REPLACED", "policy:old", err, sizeof(err)));
	memset(&im, 0, sizeof(im));
	im.cert_file = w_certs("c1b.pem", c1, NULL, NULL);
	im.key_file = w_key("k1c.pem", k1, NULL);
	REFUSED(certrepo_replace(r, "rep", &im, err, sizeof(err)),
		"name `rep_REPLACED': in use by policy:old");
	REFUSED(certrepo_replace(r, "rep_REPLACED", &im, err, sizeof(err)),
		"a replaced certificate cannot be replaced");
	REFUSED(certrepo_replace(r, "nosuch", &im, err, sizeof(err)),
		"name `nosuch': no such certificate");

	X509_free(ca);
	X509_free(c1);
	X509_free(c2);
	X509_free(c3);
	X509_free(c4);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}
END_TEST

START_TEST(test_replace_signing_and_ca)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key();
	X509 *leaf = mk_cert("not.a.ca", k1, NULL, NULL, false, -1, 10);
	X509 *ca2 = mk_cert("New CA", k2, NULL, NULL, true, -1, 10);
	X509 *root = mk_cert("Root v2", k3, NULL, NULL, true, -1, 50);
	struct certrepo_gen g = gen("Request", CERTREPO_KEY_P256);
	struct certrepo_import im = { 0 };
	X509 *got;

	new_ca("signer");
	OK(certrepo_ref_add(r, CERTREPO_CERT, "signer", "policy:clients", err, sizeof(err)));
	im.cert_file = w_certs("leaf.pem", leaf, NULL, NULL);
	im.key_file = w_key("leaf.key", k1, NULL);
	REFUSED(certrepo_replace(r, "signer", &im, err, sizeof(err)),
		"not a CA certificate (CN=not.a.ca lacks basicConstraints CA:TRUE with "
		"keyCertSign): it replaces a signing certificate");
	im.cert_file = w_certs("ca2.pem", ca2, NULL, NULL);
	im.key_file = w_key("ca2.key", k2, NULL);
	OK(certrepo_replace(r, "signer", &im, err, sizeof(err)));
	got = cert_of("signer");
	ck_assert_int_eq(X509_cmp(got, ca2), 0);
	X509_free(got);

	/* CA certificates: one certificate, no key. */
	OK(certrepo_import_ca(r, "root", w_certs("root1.pem", ca2, NULL, NULL), NULL, NULL, err,
			      sizeof(err)));
	OK(certrepo_truststore_add(r, "ts", &(struct certrepo_ts_spec){
		.default_ca = 0, .add_ca = (const char *[]){ "root" }, .n_add_ca = 1 },
		err, sizeof(err)));
	memset(&im, 0, sizeof(im));
	im.cert_file = w_certs("leaf2.pem", leaf, NULL, NULL);
	REFUSED(certrepo_replace(r, "root", &im, err, sizeof(err)),
		"leaf2.pem': not a CA certificate");
	im.cert_file = w_certs("two.pem", root, ca2, NULL);
	REFUSED(certrepo_replace(r, "root", &im, err, sizeof(err)),
		"two.pem': holds 2 certificates");
	im.cert_file = w_certs("root2.pem", root, NULL, NULL);
	im.key_file = w_key("k3.key", k3, NULL);
	REFUSED(certrepo_replace(r, "root", &im, err, sizeof(err)),
		"a CA certificate has no private key");
	im.key_file = NULL;
	OK(certrepo_replace(r, "root", &im, err, sizeof(err)));
	got = cert_of("root");
	ck_assert_int_eq(X509_cmp(got, root), 0);
	X509_free(got);
	ck_assert(exists("root_REPLACED"));
	/* Still in the trust store, still referenced. */
	REFUSED(certrepo_del(r, "root", err, sizeof(err)), "referenced by truststore:ts");

	/* A request is not replaced. */
	OK(certrepo_new_request(r, "req", &g, err, sizeof(err)));
	REFUSED(certrepo_replace(r, "req", &im, err, sizeof(err)),
		"name `req': a signing request is not replaced");

	X509_free(leaf);
	X509_free(ca2);
	X509_free(root);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}
END_TEST

/* ---- export ---------------------------------------------------------- */

START_TEST(test_export)
{
	struct certrepo_gen g = gen("Export CA", CERTREPO_KEY_P256);
	char *pem, *der;
	size_t len;
	int rc;
	BIO *b;
	EVP_PKEY *k;
	X509 *x;

	OK(certrepo_new_signing(r, "locked", &g, err, sizeof(err)));
	g.exportable = true;
	OK(certrepo_new_signing(r, "open", &g, err, sizeof(err)));

	/* The certificate, always. */
	pem = export_mem("locked", 0, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(pem, "BEGIN CERTIFICATE"));
	free(pem);
	der = export_mem("locked", CERTREPO_EXPORT_DER, NULL, &len, &rc);
	ck_assert_int_eq(rc, 0);
	{
		const unsigned char *p = (unsigned char *)der;

		x = d2i_X509(NULL, &p, (long)len);
		ck_assert_ptr_nonnull(x);
		X509_free(x);
	}
	free(der);

	/* The key only when exportable. */
	REFUSED(certrepo_export(r, "locked", CERTREPO_EXPORT_KEY, NULL, stdout, err, sizeof(err)),
		"name `locked': the private key is not exportable");
	pem = export_mem("open", CERTREPO_EXPORT_KEY, NULL, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
	b = BIO_new_mem_buf(pem, -1);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	x = cert_of("open");
	ck_assert_int_eq(X509_check_private_key(x, k), 1);
	EVP_PKEY_free(k);

	/* Encrypted with a password. */
	pem = export_mem("open", CERTREPO_EXPORT_KEY, "t0p", NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
	b = BIO_new_mem_buf(pem, -1);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"t0p");
	BIO_free(b);
	free(pem);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(X509_check_private_key(x, k), 1);
	EVP_PKEY_free(k);
	X509_free(x);

	REFUSED(certrepo_export(r, "open", CERTREPO_EXPORT_CHAIN | CERTREPO_EXPORT_DER, NULL,
				stdout, err, sizeof(err)), "chain: DER holds one certificate");
	REFUSED(certrepo_export(r, "missing", 0, NULL, stdout, err, sizeof(err)),
		"name `missing': no such certificate, request or CA certificate");
}
END_TEST

/* ---- delete and references ------------------------------------------- */

START_TEST(test_delete_and_refs)
{
	EVP_PKEY *k = ec_key();
	X509 *root = mk_cert("Ref Root", k, NULL, NULL, true, -1, 10);

	new_ca("used");
	OK(certrepo_ref_add(r, CERTREPO_CERT, "used", "policy:office", err, sizeof(err)));
	OK(certrepo_ref_add(r, CERTREPO_CERT, "used", "policy:lab", err, sizeof(err)));
	OK(certrepo_ref_add(r, CERTREPO_CERT, "used", "policy:lab", err, sizeof(err)));
	REFUSED(certrepo_del(r, "used", err, sizeof(err)),
		"name `used': in use: referenced by policy:office, policy:lab");
	OK(certrepo_ref_del(r, CERTREPO_CERT, "used", "policy:office", err, sizeof(err)));
	REFUSED(certrepo_ref_del(r, CERTREPO_CERT, "used", "policy:office", err, sizeof(err)),
		"referrer `policy:office': does not use `used'");
	REFUSED(certrepo_del(r, "used", err, sizeof(err)), "referenced by policy:lab");
	OK(certrepo_ref_del(r, CERTREPO_CERT, "used", "policy:lab", err, sizeof(err)));
	OK(certrepo_del(r, "used", err, sizeof(err)));
	ck_assert(!exists("used"));
	REFUSED(certrepo_del(r, "used", err, sizeof(err)), "name `used': no such");

	/* Typed references. */
	OK(certrepo_import_ca(r, "root", w_certs("root.pem", root, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	REFUSED(certrepo_ref_add(r, CERTREPO_CERT, "root", "policy:x", err, sizeof(err)),
		"name `root': a CA certificate, not a certificate");
	REFUSED(certrepo_ref_add(r, CERTREPO_CA, "nosuch", "policy:x", err, sizeof(err)),
		"ca `nosuch': no such CA certificate");
	REFUSED(certrepo_ref_add(r, CERTREPO_REQUEST, "root", "policy:x", err, sizeof(err)),
		"kind: only certificates, CA certificates and trust stores");
	REFUSED(certrepo_ref_add(r, CERTREPO_CA, "root", "bad\nref", err, sizeof(err)),
		"referrer `bad\\x0aref': bad character");
	REFUSED(certrepo_ref_add(r, CERTREPO_CA, "root", "", err, sizeof(err)),
		"referrer `': 1..128 bytes");
	X509_free(root);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- trust stores ---------------------------------------------------- */

START_TEST(test_truststore)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key(), *lk = ec_key();
	X509 *r1 = mk_cert("TS Root One", k1, NULL, NULL, true, -1, 10);
	X509 *r2 = mk_cert("TS Root Two", k2, NULL, NULL, true, -1, 10);
	X509 *leaf = mk_cert("up.example.com", lk, r2, k2, false, -1, 5);
	const char *one[] = { "root one" }, *two[] = { "root two" };
	struct certrepo_ts_spec s = { 0 };
	struct certrepo_truststore t, *v;
	X509_STORE *st;
	X509_STORE_CTX *ctx;
	char desc[600], longname[70];
	size_t n;

	OK(certrepo_import_ca(r, "root one", w_certs("r1.pem", r1, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	OK(certrepo_import_ca(r, "root two", w_certs("r2.pem", r2, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	new_ca("signer");

	s.description = "Office clients";
	s.default_ca = 1;
	s.add_ca = one;
	s.n_add_ca = 1;
	OK(certrepo_truststore_add(r, "office store", &s, err, sizeof(err)));
	OK(certrepo_truststore_get(r, "office store", &t, err, sizeof(err)));
	ck_assert_str_eq(t.description, "Office clients");
	ck_assert(t.default_ca);
	ck_assert_int_eq(t.n_cas, 1);
	ck_assert_str_eq(t.cas[0], "root one");
	certrepo_truststore_free(&t);

	/* The CA is referenced by the store. */
	REFUSED(certrepo_del(r, "root one", err, sizeof(err)),
		"referenced by truststore:office store");

	/* Refusals. */
	REFUSED(certrepo_truststore_add(r, "office store", &s, err, sizeof(err)),
		"name `office store': already exists (a trust store)");
	memset(longname, 'a', 65);
	longname[65] = '\0';
	REFUSED(certrepo_truststore_add(r, longname, &s, err, sizeof(err)),
		"too long (max 64 characters)");
	REFUSED(certrepo_truststore_add(r, "bad/name", &s, err, sizeof(err)),
		"name `bad/name': bad character `/'");
	memset(desc, 'd', 513);
	desc[513] = '\0';
	s.description = desc;
	REFUSED(certrepo_truststore_add(r, "x", &s, err, sizeof(err)),
		"description `");
	ck_assert_ptr_nonnull(strstr(err, "too long (max 512 bytes)"));
	desc[512] = '\0';
	s.description = "line\nbreak";
	REFUSED(certrepo_truststore_add(r, "x", &s, err, sizeof(err)), "control character");
	s.description = NULL;
	s.add_ca = (const char *[]){ "nosuch" };
	REFUSED(certrepo_truststore_add(r, "x", &s, err, sizeof(err)),
		"ca `nosuch': no such CA certificate");
	s.add_ca = (const char *[]){ "signer" };
	REFUSED(certrepo_truststore_add(r, "x", &s, err, sizeof(err)),
		"ca `signer': a certificate, not a CA certificate");
	s.add_ca = (const char *[]){ "root one", "root one" };
	s.n_add_ca = 2;
	REFUSED(certrepo_truststore_add(r, "x", &s, err, sizeof(err)),
		"ca `root one': given twice");
	s.description = desc;	/* 512 bytes: fine */
	s.n_add_ca = 0;
	OK(certrepo_truststore_add(r, "x", &s, err, sizeof(err)));

	/* set: switch CAs and the package. */
	memset(&s, 0, sizeof(s));
	s.default_ca = 0;
	s.add_ca = two;
	s.n_add_ca = 1;
	s.del_ca = one;
	s.n_del_ca = 1;
	OK(certrepo_truststore_set(r, "office store", &s, err, sizeof(err)));
	OK(certrepo_truststore_get(r, "office store", &t, err, sizeof(err)));
	ck_assert(!t.default_ca);
	ck_assert_int_eq(t.n_cas, 1);
	ck_assert_str_eq(t.cas[0], "root two");
	ck_assert_str_eq(t.description, "Office clients");
	certrepo_truststore_free(&t);
	OK(certrepo_del(r, "root one", err, sizeof(err)));	/* released */
	REFUSED(certrepo_truststore_set(r, "office store", &s, err, sizeof(err)),
		"del-ca `root one': not in trust store `office store'");
	s.n_del_ca = 0;
	REFUSED(certrepo_truststore_set(r, "office store", &s, err, sizeof(err)),
		"ca `root two': already in trust store");
	REFUSED(certrepo_truststore_set(r, "nosuch", &s, err, sizeof(err)),
		"name `nosuch': no such trust store");

	/* What tlsid loads: a store that trusts the chain of root two. */
	st = certrepo_truststore_load(r, "office store", err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, st, leaf, NULL);
	ck_assert_int_eq(X509_verify_cert(ctx), 1);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);

	OK(certrepo_truststore_list(r, &v, &n, err, sizeof(err)));
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(v[0].name, "office store");
	ck_assert_str_eq(v[1].name, "x");
	certrepo_truststore_list_free(v, n);

	/* In use by a policy: no deletion. */
	OK(certrepo_ref_add(r, CERTREPO_TRUSTSTORE, "office store", "policy:office", err,
			    sizeof(err)));
	REFUSED(certrepo_truststore_del(r, "office store", err, sizeof(err)),
		"name `office store': in use: referenced by policy:office");
	OK(certrepo_ref_del(r, CERTREPO_TRUSTSTORE, "office store", "policy:office", err,
			    sizeof(err)));
	OK(certrepo_truststore_del(r, "office store", err, sizeof(err)));
	OK(certrepo_del(r, "root two", err, sizeof(err)));	/* released */
	REFUSED(certrepo_truststore_del(r, "office store", err, sizeof(err)),
		"no such trust store");

	X509_free(r1);
	X509_free(r2);
	X509_free(leaf);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(lk);
}
END_TEST

START_TEST(test_truststore_default_package)
{
	EVP_PKEY *k = ec_key();
	X509 *root = mk_cert("Bundle Root", k, NULL, NULL, true, -1, 10);
	struct certrepo_ts_spec s = { .default_ca = 1 };
	X509_STORE *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	OK(certrepo_truststore_add(r, "pkg", &s, err, sizeof(err)));
	/* No package configured (the fixture turned it off). */
	st = certrepo_truststore_load(r, "pkg", err, sizeof(err));
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err, "includes the default CA package, but none is "
				     "configured"));
	OK(certrepo_set_default_ca_file(r, w_certs("bundle.pem", root, root, NULL), err,
					sizeof(err)));
	st = certrepo_truststore_load(r, "pkg", err, sizeof(err));
	ck_assert_ptr_nonnull(st);
	X509_STORE_free(st);
	m = open_memstream(&buf, &len);
	OK(certrepo_truststore_export(r, "pkg", m, err, sizeof(err)));
	fclose(m);
	ck_assert_ptr_nonnull(strstr(buf, "BEGIN CERTIFICATE"));
	free(buf);
	X509_free(root);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- forged certificates --------------------------------------------- */

START_TEST(test_issue_leaf)
{
	struct certrepo_gen g = gen("Forging CA", CERTREPO_KEY_P256);
	const char *sans[] = { "alt.example.com", "*.example.com", "192.0.2.7", "2001:db8::1" };
	struct certrepo_issuer *ca;
	EVP_PKEY *key = ec_key(), *rkey = rsa_key(2048);
	X509_STORE *st;
	X509_STORE_CTX *ctx;
	GENERAL_NAMES *gens;
	X509 *leaf;

	g.days = 10;
	OK(certrepo_new_signing(r, "forger", &g, err, sizeof(err)));
	OK(certrepo_issuer_load(r, "forger", &ca, err, sizeof(err)));
	ck_assert_int_eq(sk_X509_num(certrepo_issuer_chain(ca)), 0);
	OK(certrepo_issue_leaf(ca, "www.example.com", sans, 4, key, 365, &leaf, err,
			       sizeof(err)));
	ck_assert(!X509_check_ca(leaf));
	ck_assert(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER);
	ck_assert_int_eq(X509_check_host(leaf, "www.example.com", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_host(leaf, "foo.example.com", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "192.0.2.7", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "2001:db8::1", 0), 1);
	gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	ck_assert_int_eq(sk_GENERAL_NAME_num(gens), 5);	/* the CN first */
	GENERAL_NAMES_free(gens);
	/* Never beyond the CA. */
	ck_assert_int_le(ASN1_TIME_compare(X509_get0_notAfter(leaf),
					   X509_get0_notAfter(certrepo_issuer_cert(ca))), 0);
	st = X509_STORE_new();
	X509_STORE_add_cert(st, certrepo_issuer_cert(ca));
	ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, st, leaf, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	ck_assert_msg(X509_verify_cert(ctx) == 1, "%s",
		      X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(leaf);

	/* An RSA leaf also gets keyEncipherment. */
	OK(certrepo_issue_leaf(ca, "rsa.example.com", NULL, 0, rkey, 1, &leaf, err, sizeof(err)));
	ck_assert(X509_get_key_usage(leaf) & KU_KEY_ENCIPHERMENT);
	X509_free(leaf);

	ck_assert_int_eq(certrepo_issue_leaf(ca, "x", (const char *[]){ "a.*.com" }, 1, key, 1,
					     &leaf, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "san `a.*.com'"));
	ck_assert_int_eq(certrepo_issue_leaf(ca, "x", NULL, 0, key, 0, &leaf, err,
					     sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "days `0': out of range"));
	ck_assert_int_eq(certrepo_issue_leaf(ca, "x", NULL, 0, NULL, 1, &leaf, err,
					     sizeof(err)), -1);
	certrepo_issuer_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(rkey);
}
END_TEST

START_TEST(test_issuer_refusals)
{
	EVP_PKEY *k = ec_key();
	X509 *leaf = mk_cert("server.example.com", k, NULL, NULL, false, -1, 10);
	struct certrepo_gen g = gen("Req", CERTREPO_KEY_P256);
	struct certrepo_import im = { 0 };
	struct certrepo_issuer *ca;

	im.cert_file = w_certs("leaf.pem", leaf, NULL, NULL);
	im.key_file = w_key("leaf.key", k, NULL);
	OK(certrepo_import(r, "server", &im, NULL, err, sizeof(err)));
	OK(certrepo_new_request(r, "req", &g, err, sizeof(err)));
	REFUSED(certrepo_issuer_load(r, "server", &ca, err, sizeof(err)),
		"name `server': not a signing certificate (not a CA)");
	REFUSED(certrepo_issuer_load(r, "req", &ca, err, sizeof(err)),
		"name `req': a signing request, not a signing certificate");
	REFUSED(certrepo_issuer_load(r, "none", &ca, err, sizeof(err)), "name `none': no such");
	X509_free(leaf);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- expiry ---------------------------------------------------------- */

struct seen {
	int n, errors;
	char last[512];
};

static void expiry_cb(void *arg, const struct certrepo_expiry *e)
{
	struct seen *s = arg;

	s->n++;
	s->errors += e->error;
	snprintf(s->last, sizeof(s->last), "%s", e->message);
}

START_TEST(test_expiry)
{
	struct certrepo_gen g = gen("Soon CA", CERTREPO_KEY_P256);
	struct seen s = { 0 };

	g.days = 20;
	OK(certrepo_new_signing(r, "soon", &g, err, sizeof(err)));
	g.days = 100;
	OK(certrepo_new_signing(r, "later", &g, err, sizeof(err)));
	ck_assert_int_eq(certrepo_expiry_check(r, CERTREPO_WARN_DAYS, expiry_cb, &s, err,
					       sizeof(err)), 1);
	ck_assert_int_eq(s.errors, 0);
	ck_assert_msg(strstr(s.last, "certificate `soon' expires in 20 days") ||
		      strstr(s.last, "certificate `soon' expires in 19 days"), "%s", s.last);

	/* 25 days on: expired, unused: a warning; in use: an error. */
	certrepo_set_now(r, time(NULL) + 25 * 86400L);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(certrepo_expiry_check(r, 30, expiry_cb, &s, err, sizeof(err)), 1);
	ck_assert_int_eq(s.errors, 0);
	ck_assert_ptr_nonnull(strstr(s.last, "expired on"));
	ck_assert_ptr_nonnull(strstr(s.last, "(not in use)"));
	OK(certrepo_ref_add(r, CERTREPO_CERT, "soon", "policy:clients", err, sizeof(err)));
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(certrepo_expiry_check(r, 30, expiry_cb, &s, err, sizeof(err)), 1);
	ck_assert_int_eq(s.errors, 1);
	ck_assert_ptr_nonnull(strstr(s.last, "is in use by policy:clients"));

	/* 75 days on: `later' is within 30 days. */
	certrepo_set_now(r, time(NULL) + 75 * 86400L);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(certrepo_expiry_check(r, 30, expiry_cb, &s, err, sizeof(err)), 2);
	ck_assert_int_eq(s.errors, 1);
}
END_TEST

/* ---- keys in memory -------------------------------------------------- */

START_TEST(test_keyring)
{
	struct certrepo_gen g = gen("Ring CA", CERTREPO_KEY_P256);
	struct certrepo_keyring *kr;
	const unsigned char *data;
	size_t len, i, nonzero = 0;
	EVP_PKEY *k;
	X509 *x;

	OK(certrepo_new_signing(r, "one", &g, err, sizeof(err)));
	g.key = CERTREPO_KEY_RSA2048;
	OK(certrepo_new_signing(r, "two", &g, err, sizeof(err)));
	OK(certrepo_new_request(r, "req", &g, err, sizeof(err)));	/* not loaded */
	OK(certrepo_keyring_load(r, &kr, err, sizeof(err)));
	ck_assert_int_eq(certrepo_keyring_count(kr), 2);
	k = certrepo_keyring_get(kr, "two");
	ck_assert_ptr_nonnull(k);
	x = cert_of("two");
	ck_assert_int_eq(X509_check_private_key(x, k), 1);
	X509_free(x);
	EVP_PKEY_free(k);
	ck_assert_ptr_null(certrepo_keyring_get(kr, "req"));
	ck_assert_ptr_null(certrepo_keyring_get(kr, "nosuch"));
	if (!certrepo_keyring_locked(kr))
		fprintf(stderr, "check_certrepo: note: keyring not locked (RLIMIT_MEMLOCK)\n");
	data = certrepo_keyring_data(kr, &len);
	ck_assert_int_gt(len, 100);
	for (i = 0; i < len; i++)
		nonzero += data[i] != 0;
	ck_assert_int_gt(nonzero, 50);
	certrepo_keyring_wipe(kr);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(data[i], 0);
	ck_assert_ptr_null(certrepo_keyring_get(kr, "one"));	/* wiped: undecodable */
	certrepo_keyring_free(kr);
	ck_assert_int_eq(certrepo_secure_heap_init(32768), 1);
}
END_TEST

/* ---- options --------------------------------------------------------- */

START_TEST(test_options)
{
	struct certrepo *r2;

	ck_assert(!certrepo_persist_keys(r));
	OK(certrepo_set_persist_keys(r, true, err, sizeof(err)));
	OK(certrepo_open(repo_path, &r2, err, sizeof(err)));
	ck_assert(certrepo_persist_keys(r2));
	ck_assert_str_eq(certrepo_default_ca_file(r2), "");
	OK(certrepo_set_default_ca_file(r2, "/etc/x.pem", err, sizeof(err)));
	certrepo_close(r2);
	OK(certrepo_open(repo_path, &r2, err, sizeof(err)));
	ck_assert_str_eq(certrepo_default_ca_file(r2), "/etc/x.pem");
	OK(certrepo_set_persist_keys(r2, false, err, sizeof(err)));
	certrepo_close(r2);
	OK(certrepo_open(repo_path, &r2, err, sizeof(err)));
	ck_assert(!certrepo_persist_keys(r2));
	ck_assert_int_eq(mode_of(R("config")), 0600);
	certrepo_close(r2);
}
END_TEST

START_TEST(test_password_file)
{
	char pw[64];

	w_text("pw", "secret\nignored\n", 15);
	OK(certrepo_read_password_file(P("pw"), pw, sizeof(pw), err, sizeof(err)));
	ck_assert_str_eq(pw, "secret");
	w_text("pw2", "crlf\r\n", 6);
	OK(certrepo_read_password_file(P("pw2"), pw, sizeof(pw), err, sizeof(err)));
	ck_assert_str_eq(pw, "crlf");
	w_text("empty", "", 0);
	OK(certrepo_read_password_file(P("empty"), pw, sizeof(pw), err, sizeof(err)));
	ck_assert_str_eq(pw, "");
	ck_assert_int_eq(certrepo_read_password_file(P("nope"), pw, sizeof(pw), err,
						     sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "password-file `"));
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* ---- refusals -------------------------------------------------------- */

START_TEST(test_refuse_names)
{
	struct certrepo_gen g = gen("Name CA", CERTREPO_KEY_P256);
	struct certrepo_import im = { 0 };
	char longname[70];

	new_ca("taken");
	memset(longname, 'n', 65);
	longname[65] = '\0';
	REFUSED(certrepo_new_signing(r, "a/b", &g, err, sizeof(err)),
		"name `a/b': bad character `/' (letters, digits, `-', `_' and space)");
	REFUSED(certrepo_new_signing(r, "a.b", &g, err, sizeof(err)), "bad character `.'");
	REFUSED(certrepo_new_signing(r, "ca", &g, err, sizeof(err)), "name `ca': reserved");
	REFUSED(certrepo_new_signing(r, "CA", &g, err, sizeof(err)), "name `CA': reserved");
	REFUSED(certrepo_new_signing(r, "", &g, err, sizeof(err)), "name `': empty");
	REFUSED(certrepo_new_signing(r, longname, &g, err, sizeof(err)),
		"too long (max 64 characters)");
	REFUSED(certrepo_new_signing(r, " lead", &g, err, sizeof(err)),
		"name ` lead': leading or trailing space");
	REFUSED(certrepo_new_signing(r, "x_REPLACED", &g, err, sizeof(err)),
		"the suffix `_REPLACED' is reserved");
	REFUSED(certrepo_new_signing(r, "tab\there", &g, err, sizeof(err)),
		"name `tab\\x09here': bad character 0x09");
	REFUSED(certrepo_new_request(r, "..", &g, err, sizeof(err)), "bad character `.'");
	im.cert_file = "/dev/null";
	REFUSED(certrepo_import(r, "x/y", &im, NULL, err, sizeof(err)), "name `x/y'");
	REFUSED(certrepo_import_ca(r, "ca", "/dev/null", NULL, NULL, err, sizeof(err)),
		"name `ca': reserved");
	/* Allowed: spaces, `-', `_', 64 characters. */
	longname[64] = '\0';
	OK(certrepo_check_name("name", longname, err, sizeof(err)));
	OK(certrepo_check_name("name", "My Cert-2_b", err, sizeof(err)));
}
END_TEST

START_TEST(test_refuse_duplicates)
{
	EVP_PKEY *k = ec_key(), *k2 = ec_key();
	X509 *root = mk_cert("Dup Root", k, NULL, NULL, true, -1, 10);
	X509 *c2 = mk_cert("dup.example.com", k2, root, k, false, -1, 10);
	struct certrepo_gen g = gen("Dup", CERTREPO_KEY_P256);
	struct p12_item two[] = { { k, root, "a" }, { k2, c2, "b" } };
	struct certrepo_import im = { 0 };

	new_ca("cert");
	OK(certrepo_new_request(r, "req", &g, err, sizeof(err)));
	OK(certrepo_import_ca(r, "root", w_certs("root.pem", root, NULL, NULL), NULL, NULL,
			      err, sizeof(err)));
	REFUSED(certrepo_new_signing(r, "cert", &g, err, sizeof(err)),
		"name `cert': already exists (a certificate)");
	REFUSED(certrepo_new_request(r, "root", &g, err, sizeof(err)),
		"name `root': already exists (a CA certificate)");
	REFUSED(certrepo_new_signing(r, "req", &g, err, sizeof(err)),
		"name `req': already exists (a signing request)");
	REFUSED(certrepo_import_ca(r, "cert", w_certs("r.pem", root, NULL, NULL), NULL, NULL,
				   err, sizeof(err)), "name `cert': already exists");
	im.cert_file = w_certs("c2.pem", c2, NULL, NULL);
	im.key_file = w_key("k2.pem", k2, NULL);
	REFUSED(certrepo_import(r, "root", &im, NULL, err, sizeof(err)),
		"name `root': already exists (a CA certificate)");
	/* The request's name, but not its key. */
	REFUSED(certrepo_import(r, "req", &im, NULL, err, sizeof(err)),
		"name `req': already exists (a signing request)");
	/* One name of a PKCS#12 set taken: none is imported. */
	new_ca("set_b");
	memset(&im, 0, sizeof(im));
	im.p12_file = w_p12("two.p12", two, 2, "pw");
	im.password = "pw";
	REFUSED(certrepo_import(r, "set", &im, NULL, err, sizeof(err)),
		"name `set_b': already exists");
	ck_assert(!exists("set_a"));
	X509_free(root);
	X509_free(c2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}
END_TEST

START_TEST(test_refuse_fields)
{
	struct certrepo_gen g = gen("Field CA", CERTREPO_KEY_P256);
	enum certrepo_key_type t;
	char big[80];

	new_ca("existing");
	g.dn.c = "XX";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)),
		"country `XX': not an ISO 3166 code");
	g.dn.c = "us";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)),
		"country `us': not an ISO 3166 code (use upper case");
	g.dn.c = "UK";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "the United Kingdom is GB");
	g.dn.c = "USA";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "country `USA'");
	g.dn.c = "GB";
	OK(certrepo_check_gen(&g, false, err, sizeof(err)));
	g.dn.c = NULL;

	g.dn.cn = NULL;
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "cn: missing");
	memset(big, 'c', 65);
	big[65] = '\0';
	g.dn.cn = big;
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "too long (max 64 bytes)");
	g.dn.cn = "bad\001cn";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "cn `bad\\x01cn': control");
	g.dn.cn = "bad \xff utf8";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "not valid UTF-8");
	g.dn.cn = "Field CA";

	g.dn.email = "no-at-sign";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)),
		"email `no-at-sign': not an e-mail address");
	g.dn.email = "a@bad_domain";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "email `a@bad_domain': bad domain");
	g.dn.email = NULL;
	g.dn.email_san[g.dn.n_email_san++] = "x y@example.com";
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)),
		"email-san `x y@example.com': bad character");
	g.dn.n_email_san = 0;

	/* Wildcards: only `*.' as the whole leftmost label. */
	g.dn.dns[0] = "www.*.example.com";
	g.dn.n_dns = 1;
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)),
		"dns `www.*.example.com': `*' only as the whole leftmost label");
	g.dn.dns[0] = "w*.example.com";
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)), "dns `w*.example.com'");
	g.dn.dns[0] = "*.com";
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)),
		"a wildcard must cover a domain of two labels");
	g.dn.dns[0] = "a..b";
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)), "dns `a..b': empty label");
	g.dn.dns[0] = "-a.b";
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)), "starts or ends with `-'");
	g.dn.dns[0] = "*.example.com";
	OK(certrepo_check_gen(&g, true, err, sizeof(err)));
	g.dn.n_dns = 0;
	g.dn.cn = "*.*.example.com";	/* a server request's CN is a host name */
	REFUSED(certrepo_new_request(r, "a", &g, err, sizeof(err)), "cn `*.*.example.com'");
	g.signing = true;		/* a CA's CN is free text */
	OK(certrepo_check_gen(&g, true, err, sizeof(err)));
	g.signing = false;
	g.dn.cn = "Field CA";

	g.dn.ou[0] = "";
	g.dn.n_ou = 1;
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "ou `': empty");
	g.dn.n_ou = 0;
	g.days = CERTREPO_DAYS_MAX + 1;
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "days `36501': out of range");
	g.days = 0;

	/* Key sizes. */
	ck_assert_int_eq(certrepo_parse_key_type("key", "rsa1024", &t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "key `rsa1024': RSA keys below 2048 bits are refused");
	ck_assert_int_eq(certrepo_parse_key_type("key", "rsa2500", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unsupported RSA size"));
	ck_assert_int_eq(certrepo_parse_key_type("key", "dsa", &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "key `dsa': unknown key type"));
	g.key = 99;
	REFUSED(certrepo_new_signing(r, "a", &g, err, sizeof(err)), "key: unknown key type");
}
END_TEST

START_TEST(test_refuse_files)
{
	EVP_PKEY *k = ec_key(), *other = ec_key(), *small = rsa_key(1024);
	X509 *c = mk_cert("file.example.com", k, NULL, NULL, false, -1, 10);
	X509 *cs = mk_cert("small.example.com", small, NULL, NULL, false, -1, 10);
	struct p12_item one[] = { { k, c, "f" } }, sm[] = { { small, cs, "s" } };
	struct certrepo_import im = { 0 };
	char *pem;
	FILE *f;
	long len;
	unsigned char junk[300];

	new_ca("existing");	/* a repository with something in it */

	/* Corrupt PEM: base64 damaged in the middle. */
	w_certs("good.pem", c, NULL, NULL);
	f = fopen(P("good.pem"), "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	pem = calloc(1, (size_t)len + 1);
	ck_assert_int_eq(fread(pem, 1, (size_t)len, f), len);
	fclose(f);
	memcpy(pem + 100, "!!!!", 4);
	im.cert_file = w_text("corrupt.pem", pem, (size_t)len);
	im.key_file = w_key("k.pem", k, NULL);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"corrupt.pem': corrupt PEM certificate");
	pem[len / 2] = '\0';		/* truncated */
	im.cert_file = w_text("short.pem", pem, (size_t)len / 2);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)), "cert `");
	free(pem);
	/* Corrupt DER. */
	RAND_bytes(junk, sizeof(junk));
	junk[0] = 0x30;
	im.cert_file = w_text("junk.der", junk, sizeof(junk));
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"junk.der': not a PEM or DER certificate");
	im.cert_file = w_text("empty", "", 0);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)), "empty': empty file");
	im.cert_file = P("missing");
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"missing': cannot open: No such file");
	im.cert_file = w_key("key-as-cert.pem", k, NULL);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"key-as-cert.pem': a private key, not a certificate");

	/* Keys: corrupt, a certificate, mismatched, encrypted. */
	im.cert_file = w_certs("c.pem", c, NULL, NULL);
	im.key_file = w_text("junk.key", junk, sizeof(junk));
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"key `");
	ck_assert_ptr_nonnull(strstr(err, "junk.key': not a PEM or DER private key"));
	im.key_file = w_certs("cert-as-key.pem", c, NULL, NULL);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"cert-as-key.pem': a certificate, not a private key");
	im.key_file = w_key("other.key", other, NULL);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"other.key': does not match the certificate");
	im.key_file = w_key("enc.key", k, "right");
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"enc.key': the key is encrypted: give its password");
	im.password = "wrong";
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"password: wrong password for key `");
	im.key_file = w_key_der("enc.der", k, "right");
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"password: wrong password for key `");
	im.password = NULL;

	/* A 1024-bit RSA key. */
	im.cert_file = w_certs("small.pem", cs, NULL, NULL);
	im.key_file = w_key("small.key", small, NULL);
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"small.key': RSA key of 1024 bits is below the minimum of 2048");

	/* A non-CA certificate offered as a signing certificate. */
	im.cert_file = w_certs("c.pem", c, NULL, NULL);
	im.key_file = w_key("k.pem", k, NULL);
	im.signing = true;
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"c.pem': not a CA certificate (CN=file.example.com lacks basicConstraints "
		"CA:TRUE with keyCertSign): a signing certificate must be a CA");
	im.signing = false;

	/* PKCS#12: wrong password, none, corrupt, no key, small key. */
	memset(&im, 0, sizeof(im));
	im.p12_file = w_p12("one.p12", one, 1, "right");
	im.password = "wrong";
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"password: wrong password for file `");
	im.password = NULL;
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"one.p12': protected by a password");
	im.password = "right";
	im.signing = true;
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"one.p12': not a CA certificate");
	im.signing = false;
	im.p12_file = w_text("junk.p12", junk, sizeof(junk));
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"junk.p12': not a PKCS#12 file");
	{
		struct p12_item ca_only[] = { { NULL, c, "c" } };

		im.p12_file = w_p12("nokey.p12", ca_only, 1, "right");
		REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
			"nokey.p12': no private key in the PKCS#12 file");
	}
	im.p12_file = w_p12("small.p12", sm, 1, "right");
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"RSA key of 1024 bits is below the minimum");
	im.cert_file = "c.pem";
	REFUSED(certrepo_import(r, "x", &im, NULL, err, sizeof(err)),
		"no separate cert or key");

	/* CA certificates: corrupt, wrong password. */
	REFUSED(certrepo_import_ca(r, "y", P("junk.der"), NULL, NULL, err, sizeof(err)),
		"file `");
	ck_assert_ptr_nonnull(strstr(err, "junk.der': not a PEM or DER certificate"));
	REFUSED(certrepo_import_ca(r, "y", P("one.p12"), "wrong", NULL, err, sizeof(err)),
		"password: wrong password for file `");

	X509_free(c);
	X509_free(cs);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	EVP_PKEY_free(small);
}
END_TEST

/* ---- atomicity ------------------------------------------------------- */

/*
 * Run op with the n-th write failing, n = 1, 2, ... until it succeeds:
 * every failure must leave the repository as it was.
 */
#define EACH_FAILURE(op) do {							\
	int n_, rc_ = -1;							\
	for (n_ = 1; n_ < 60 && rc_; n_++) {					\
		char *before_ = snapshot(), *after_;				\
		certrepo_test_fail_write = n_;					\
		rc_ = (op);							\
		certrepo_test_fail_write = 0;					\
		after_ = snapshot();						\
		if (rc_)							\
			ck_assert_msg(!strcmp(before_, after_),			\
				      "%s, write %d failing (%s):\n%s\n---\n%s",\
				      #op, n_, err, before_, after_);		\
		free(before_);							\
		free(after_);							\
	}									\
	ck_assert_msg(rc_ == 0, "%s never succeeded: %s", #op, err);		\
	ck_assert_msg(n_ > 2, "%s: no failure was injected", #op);		\
} while (0)

START_TEST(test_atomic_failures)
{
	EVP_PKEY *cak = ec_key(), *k1 = ec_key(), *k2 = ec_key(), *k3 = ec_key();
	X509 *ca = mk_cert("Atomic CA", cak, NULL, NULL, true, -1, 100);
	X509 *c1 = mk_cert("a1.example.com", k1, ca, cak, false, -1, 10);
	X509 *c2 = mk_cert("a2.example.com", k2, ca, cak, false, -1, 10);
	X509 *c3 = mk_cert("a1.example.com", k3, ca, cak, false, -1, 20);
	struct p12_item two[] = { { k1, c1, "one" }, { k2, c2, "two" } };
	struct certrepo_gen g = gen("Atomic", CERTREPO_KEY_P256);
	struct certrepo_import im = { 0 }, rep = { 0 };
	struct certrepo_ts_spec s = { .default_ca = 0 };
	const char *cas[] = { "root_1", "root_2" };
	X509_REQ *req;
	X509 *signed_req;

	EACH_FAILURE(certrepo_new_signing(r, "gen", &g, err, sizeof(err)));
	EACH_FAILURE(certrepo_new_request(r, "req", &g, err, sizeof(err)));
	im.p12_file = w_p12("two.p12", two, 2, "pw");
	im.password = "pw";
	EACH_FAILURE(certrepo_import(r, "p12", &im, NULL, err, sizeof(err)));
	EACH_FAILURE(certrepo_import_ca(r, "root", w_certs("ca.pem", ca, ca, NULL), NULL, NULL,
					err, sizeof(err)));
	EACH_FAILURE(certrepo_ref_add(r, CERTREPO_CERT, "p12_one", "policy:p", err, sizeof(err)));
	rep.cert_file = w_certs("c3.pem", c3, NULL, NULL);
	rep.key_file = w_key("k3.pem", k3, NULL);
	EACH_FAILURE(certrepo_replace(r, "p12_one", &rep, err, sizeof(err)));
	ck_assert(exists("p12_one_REPLACED"));
	EACH_FAILURE(certrepo_replace(r, "p12_one", &rep, err, sizeof(err)));
	s.add_ca = cas;
	s.n_add_ca = 2;
	EACH_FAILURE(certrepo_truststore_add(r, "ts", &s, err, sizeof(err)));
	s.add_ca = NULL;
	s.n_add_ca = 0;
	s.del_ca = cas;
	s.n_del_ca = 1;
	EACH_FAILURE(certrepo_truststore_set(r, "ts", &s, err, sizeof(err)));
	EACH_FAILURE(certrepo_truststore_del(r, "ts", err, sizeof(err)));
	EACH_FAILURE(certrepo_set_persist_keys(r, true, err, sizeof(err)));

	/* The request becomes a certificate in one step. */
	req = request_of("req");
	signed_req = sign_req(req, ca, cak, false, 10);
	memset(&im, 0, sizeof(im));
	im.cert_file = w_certs("signed.pem", signed_req, NULL, NULL);
	EACH_FAILURE(certrepo_import(r, "req", &im, NULL, err, sizeof(err)));
	ck_assert_int_eq(status("req"), CERTREPO_VALID);
	X509_REQ_free(req);
	X509_free(signed_req);

	EACH_FAILURE(certrepo_del(r, "gen", err, sizeof(err)));
	ck_assert(!exists("gen"));

	X509_free(ca);
	X509_free(c1);
	X509_free(c2);
	X509_free(c3);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}
END_TEST

static int leftovers;

static int leftover_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	const char *base = p + f->base;

	if (!strncmp(base, ".tmp-", 5) || !strncmp(base, ".trash-", 7))
		leftovers++;
	return 0;
}

START_TEST(test_atomic_rename)
{
	char buf[512];
	ssize_t n;
	int fd, k;

	new_ca("obj");
	/* Updates go to a new file renamed over the old: a reader holding
	 * the old file sees it whole and unchanged. */
	fd = open(R("objects/obj/meta"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	OK(certrepo_ref_add(r, CERTREPO_CERT, "obj", "policy:p", err, sizeof(err)));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_null(strstr(buf, "ref policy:p"));
	close(fd);
	fd = open(R("objects/obj/meta"), O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	close(fd);
	ck_assert_ptr_nonnull(strstr(buf, "ref policy:p"));

	/* Nothing temporary is left behind. */
	leftovers = 0;
	nftw(repo_path, leftover_cb, 16, FTW_PHYS);
	ck_assert_int_eq(leftovers, 0);

	/* The next writer removes what a crash left. */
	ck_assert_int_eq(mkdir(R("objects/.tmp-crash"), 0700), 0);
	w_text("x", "x", 1);
	ck_assert_int_eq(rename(P("x"), R("objects/.tmp-crash/meta")), 0);
	ck_assert_int_eq(mkdir(R("objects/.trash-crash"), 0700), 0);
	fd = open(R("truststores/.tmp-abc"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = open(R("objects/obj/.tmp-meta"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert(exists("obj"));	/* readers ignore them */
	for (k = 0; k < 1; k++)
		OK(certrepo_ref_del(r, CERTREPO_CERT, "obj", "policy:p", err, sizeof(err)));
	leftovers = 0;
	nftw(repo_path, leftover_cb, 16, FTW_PHYS);
	ck_assert_int_eq(leftovers, 0);
}
END_TEST

static Suite *certrepo_suite(void)
{
	Suite *s = suite_create("certrepo");
	TCase *tc = tcase_create("repo");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_permissions);
	tcase_add_test(tc, test_new_signing);
	tcase_add_test(tc, test_key_types);
	tcase_add_test(tc, test_request_endpoint);
	tcase_add_test(tc, test_request_signing);
	tcase_add_test(tc, test_import_pem_chain);
	tcase_add_test(tc, test_import_der_and_key_formats);
	tcase_add_test(tc, test_import_pairs_request);
	tcase_add_test(tc, test_import_p12);
	tcase_add_test(tc, test_import_ca_formats);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_default_ca_package);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_replace_signing_and_ca);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_delete_and_refs);
	tcase_add_test(tc, test_truststore);
	tcase_add_test(tc, test_truststore_default_package);
	tcase_add_test(tc, test_issue_leaf);
	tcase_add_test(tc, test_issuer_refusals);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_keyring);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_password_file);
	tcase_add_test(tc, test_refuse_names);
	tcase_add_test(tc, test_refuse_duplicates);
	tcase_add_test(tc, test_refuse_fields);
	tcase_add_test(tc, test_refuse_files);
	tcase_add_test(tc, test_atomic_failures);
	tcase_add_test(tc, test_atomic_rename);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	/* Per-test directories live here; removed even when tests fail. */
	snprintf(base, sizeof(base), "/tmp/check_certrepo.XXXXXX");
	if (!mkdtemp(base))
		return EXIT_FAILURE;
	sr = srunner_create(certrepo_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
