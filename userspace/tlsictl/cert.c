// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl cert: the certificate repository (userspace/lib/certrepo.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cert.h"

static const char help[] =
"Usage: tlsictl cert [--repo DIR] COMMAND [ARGUMENTS]\n"
"\n"
"  tlsictl cert new-signing NAME cn CN [SUBJECT] [key TYPE] [days N]\n"
"                           [exportable]\n"
"  tlsictl cert request NAME cn CN [SUBJECT] [key TYPE] [signing] [exportable]\n"
"  tlsictl cert export-request NAME [der] [out FILE]\n"
"  tlsictl cert import NAME cert FILE [key FILE] [password-file FILE]\n"
"                      [signing] [exportable]\n"
"  tlsictl cert import-p12 NAME file FILE [password-file FILE] [signing]\n"
"                          [exportable]\n"
"  tlsictl cert import-ca NAME file FILE [password-file FILE]\n"
"  tlsictl cert replace NAME cert FILE [key FILE] [password-file FILE]\n"
"                       [signing] [exportable]\n"
"  tlsictl cert replace NAME p12 FILE [password-file FILE] [signing]\n"
"                       [exportable]\n"
"  tlsictl cert export NAME [key] [chain] [der] [out FILE]\n"
"                      [password-file FILE]\n"
"  tlsictl cert del NAME\n"
"  tlsictl cert refresh\n"
"  tlsictl cert option [persist-keys on|off] [default-ca FILE|none]\n"
"  tlsictl [-j] cert show|list [NAME]\n"
"  tlsictl cert acme request|renew|renew-due|status|del ...\n"
"\n"
"  SUBJECT := [email ADDR] [ou UNIT]... [o ORG] [l LOCALITY] [st STATE]\n"
"             [c CC] [dns HOST]... [email-san ADDR]...\n"
"\n"
"The certificate repository holds what SSL inspection signs and decrypts\n"
"with: signing certificates (CA certificates with their private key, for\n"
"client inspection), server certificates with their keys (server\n"
"inspection), signing requests waiting for a CA, and CA certificates (no\n"
"key) that decide which chains are trusted. Everything is addressed by\n"
"NAME; certificates, requests and CA certificates share one name space.\n"
"The repository is a directory: --repo DIR (anywhere after `cert'), else\n"
"$TLSI_CERT_REPO, else /etc/tlsi/certs. It works without the kernel module.\n"
"\n"
"Commands:\n"
"  new-signing     generate a key and a self-signed signing certificate: a\n"
"                  CA (basicConstraints CA:TRUE, keyCertSign, key identifiers)\n"
"                  for client inspection to sign server certificates with\n"
"  request         generate a key and a signing request (PKCS#10) for a CA\n"
"                  to sign: with `signing' for a signing certificate, else\n"
"                  for a server certificate\n"
"  export-request  write the request, never its key\n"
"  import          a certificate (PEM, its chain after it; or DER) with its\n"
"                  key (PEM or DER, maybe encrypted). Without `key', the key\n"
"                  of the stored request the certificate answers is taken\n"
"                  and the request is consumed\n"
"  import-p12      certificates with their keys from a PKCS#12 file, chains\n"
"                  included. Several keys make NAME_ALIAS each (the friendly\n"
"                  name, else 1, 2, ...); the names are printed\n"
"  import-ca       CA certificates from a PEM, DER or PKCS#12 file (keys, and\n"
"                  the server certificates they go with, are ignored).\n"
"                  Several make NAME_1, NAME_2, ... (PKCS#12: NAME_ALIAS);\n"
"                  the names are printed\n"
"  replace         put a renewed certificate (and key) in place under the\n"
"                  same name: whatever uses NAME keeps working. The old one\n"
"                  is kept as NAME_REPLACED (an older one is discarded).\n"
"                  Without `key' the current key is kept if it matches. A\n"
"                  signing certificate is only replaced by a CA certificate\n"
"  export          write the certificate (PEM; `chain' adds its chain, `der'\n"
"                  writes DER) or a request; with `key' the private key\n"
"                  instead (PKCS#8), only of objects marked exportable\n"
"  del             delete; refused while anything references NAME, or an\n"
"                  SSL proxy of the kernel names it (`cert NAME')\n"
"  refresh         check every chain and key again (after importing CA\n"
"                  certificates), then list\n"
"  option          show or set the repository options below\n"
"  acme            server certificates from an ACME CA (Let's Encrypt),\n"
"                  renewed in place: `tlsictl cert acme help'\n"
"  show            one line per object; `show NAME' prints every detail;\n"
"                  `list' is the same\n"
"\n"
"Arguments:\n"
"  NAME              1..64 letters, digits, `-', `_' and spaces (quote the\n"
"                    name), no leading or trailing space; `ca' and names\n"
"                    ending in _REPLACED are reserved\n"
"  cn CN             common name, 1..64 bytes (required); for a server\n"
"                    request a host name such as www.example.com or\n"
"                    *.example.com\n"
"  key TYPE          rsa2048 (default), rsa3072, rsa4096, p256 or p384\n"
"                    (ECDSA); RSA keys below 2048 bits are refused\n"
"  days N            validity of a signing certificate, 1..36500 (3650)\n"
"  exportable        the private key may be exported later\n"
"  signing           request: ask for a signing (CA) certificate. import,\n"
"                    replace: refuse a certificate that is not a CA\n"
"  email ADDR        e-mail address in the subject\n"
"  ou UNIT           organizational unit; repeat for several\n"
"  o ORG             organization (legal name)\n"
"  l LOCALITY        city, not abbreviated\n"
"  st STATE          state or province, not abbreviated\n"
"  c CC              country: ISO 3166 two-letter code, e.g. US\n"
"  dns HOST          subjectAltName DNS name; repeat for several. A\n"
"                    wildcard `*.' only as the whole leftmost label. A\n"
"                    server request's CN is added when it is a host name\n"
"  email-san ADDR    subjectAltName RFC 822 (e-mail) name; repeat\n"
"  cert FILE         the certificate file\n"
"  key FILE          the private key file\n"
"  file FILE         the PKCS#12 (import-p12) or certificate (import-ca) file\n"
"  p12 FILE          replace: a PKCS#12 file with one key\n"
"  password-file FILE\n"
"                    the password is the file's first line; without it\n"
"                    $TLSI_PASSWORD is used. Passwords are never arguments.\n"
"                    For `export key' the password encrypts the key\n"
"                    (AES-256-CBC)\n"
"  out FILE          write to FILE, not standard output (keys: mode 0600)\n"
"\n"
"Status:\n"
"  valid             the chain reaches a known root and the key pairs\n"
"  expired           past its end date\n"
"  not-yet-valid     before its start date\n"
"  no-trust-anchor   the chain reaches neither a CA certificate of the\n"
"                    repository nor the default CA package: import the CA\n"
"                    certificates, then `refresh'\n"
"  key-mismatch      the stored key is not the certificate's\n"
"  pending           a request, waiting for its certificate\n"
"The chain and the key are checked at import, replace and refresh; the\n"
"dates whenever the status is shown.\n"
"\n"
"Options:\n"
"  persist-keys on|off   off (default): tlsid keeps private keys only in\n"
"                        locked memory, read from the repository when it\n"
"                        starts; on: they also stay in its keystore on disk\n"
"                        (Documentation/certificates.md weighs the two)\n"
"  default-ca FILE|none  the default CA package, a PEM bundle trusted for\n"
"                        the status and by trust stores that include it\n"
"                        (/etc/ssl/certs/ca-certificates.crt)\n"
"\n"
"Output (show, list), one line per object:\n"
"  NAME kind certificate|request|ca status STATUS [days-left N not-after TIME]\n"
"       key TYPE cn CN [signing] [exportable] [replaced-by NAME]\n"
"       [ref REFERRER]...\n"
"With -j, an array of objects (`show NAME': one object with every detail).\n"
"\n"
"Exit status: 0 success, 1 error (refused, bad file, wrong password, I/O),\n"
"2 bad usage.\n"
"\n"
"Examples:\n"
"  tlsictl cert new-signing inspect cn \"Example Inspection CA\" key p256 \\\n"
"      o \"Example Corp\" c US days 1825\n"
"  tlsictl cert request www cn www.example.com dns example.com exportable\n"
"  tlsictl cert export-request www out www.csr\n"
"  tlsictl cert import www cert www.crt\n"
"  TLSI_PASSWORD=secret tlsictl cert import-p12 mail file mail.p12\n"
"  tlsictl cert import-ca \"Corp Root\" file root.der\n"
"  tlsictl cert refresh\n"
"  tlsictl cert replace www cert www-2026.crt key www-2026.key\n"
"  tlsictl cert export inspect out inspect-ca.pem\n"
"  tlsictl -j cert list | jq '.[] | select(.days_left < 30) | .name'\n";

/* ---- shared with truststore.c ---------------------------------------- */

static const char *repo_path;
static char password_buf[1024];

void cert_take_repo_option(const char *object, int *argc, char **argv)
{
	int i, j;

	set_context(object, NULL);
	for (i = 1; i < *argc;) {
		const char *v;
		int n;

		if (!strcmp(argv[i], "--repo")) {
			if (i + 1 >= *argc)
				usage_error("option `--repo' needs a directory");
			v = argv[i + 1];
			n = 2;
		} else if (!strncmp(argv[i], "--repo=", 7)) {
			v = argv[i] + 7;
			n = 1;
		} else {
			i++;
			continue;
		}
		if (!*v)
			usage_error("option `--repo': empty directory");
		repo_path = v;
		for (j = i; j + n <= *argc; j++)
			argv[j] = argv[j + n];
		*argc -= n;
	}
}

struct certrepo *cert_repo_open(void)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r;
	const char *path = repo_path;

	if (!path)
		path = getenv("TLSI_CERT_REPO");
	if (path && !*path)
		path = NULL;
	if (certrepo_open(path, &r, err, sizeof(err))) {
		errmsg("%s", err);
		exit(EXIT_ERROR);
	}
	return r;
}

const char *cert_password(const char *file)
{
	char err[CERTREPO_ERR_MAX];
	const char *env;

	if (file) {
		if (certrepo_read_password_file(file, password_buf, sizeof(password_buf),
						err, sizeof(err))) {
			errmsg("%s", err);
			exit(EXIT_ERROR);
		}
		return password_buf;
	}
	env = getenv("TLSI_PASSWORD");
	if (!env)
		return NULL;
	if (strlen(env) >= sizeof(password_buf)) {
		errmsg("TLSI_PASSWORD: too long (max %zu bytes)", sizeof(password_buf) - 1);
		exit(EXIT_ERROR);
	}
	snprintf(password_buf, sizeof(password_buf), "%s", env);
	return password_buf;
}

void cert_password_wipe(void)
{
	OPENSSL_cleanse(password_buf, sizeof(password_buf));
}

int cert_fail(const char *err)
{
	errmsg("%s", err);
	return EXIT_ERROR;
}

int cert_write_out(const char *path, const char *buf, size_t len, bool secret)
{
	size_t off = 0;
	int fd;

	if (!path || !strcmp(path, "-")) {
		if (fwrite(buf, 1, len, stdout) != len)
			return cert_fail("write error");
		return EXIT_OK;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  secret ? 0600 : 0644);
	if (fd < 0) {
		errmsg("out `%s': cannot create: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	if (secret && fchmod(fd, 0600) < 0) {
		errmsg("out `%s': %s", path, strerror(errno));
		close(fd);
		return EXIT_ERROR;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errmsg("out `%s': write error: %s", path, strerror(errno));
			close(fd);
			return EXIT_ERROR;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		errmsg("out `%s': write error: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

/* ---- output ---------------------------------------------------------- */

static struct json cj;
static bool cj_ready, first;

static struct json *J(void)
{
	if (!cj_ready) {
		json_init(&cj, stdout);
		cj_ready = true;
	}
	return &cj;
}

static void pkey(const char *key)
{
	if (!first)
		putchar(' ');
	first = false;
	fputs(key, stdout);
}

void cout_list_begin(void)
{
	if (opt_json)
		json_begin_array(J(), NULL);
}

void cout_list_end(void)
{
	if (opt_json)
		json_end_array(J());
}

void cout_obj_begin(void)
{
	if (opt_json)
		json_begin_object(J(), NULL);
	first = true;
}

void cout_obj_end(void)
{
	if (opt_json)
		json_end_object(J());
	else if (!first)
		putchar('\n');
}

void cout_name(const char *key, const char *val)
{
	char k[64];

	if (opt_json) {
		json_string(J(), out_json_key(key, k, sizeof(k)), val);
		return;
	}
	if (!first)
		putchar(' ');
	first = false;
	out_plain_value(val);
}

void cout_str(const char *key, const char *val)
{
	char k[64];

	if (opt_json) {
		json_string(J(), out_json_key(key, k, sizeof(k)), val);
		return;
	}
	pkey(key);
	putchar(' ');
	out_plain_value(val);
}

void cout_num(const char *key, long long v)
{
	char k[64];

	if (opt_json) {
		json_i64(J(), out_json_key(key, k, sizeof(k)), v);
		return;
	}
	pkey(key);
	printf(" %lld", v);
}

void cout_flag(const char *key, bool set)
{
	char k[64];

	if (opt_json) {
		json_bool(J(), out_json_key(key, k, sizeof(k)), set);
		return;
	}
	if (set)
		pkey(key);
}

void cout_strv(const char *key, const char *json_key, char *const *v, size_t n)
{
	size_t i;

	if (opt_json) {
		json_begin_array(J(), json_key);
		for (i = 0; i < n; i++)
			json_string(J(), NULL, v[i]);
		json_end_array(J());
		return;
	}
	for (i = 0; i < n; i++)
		cout_str(key, v[i]);
}

void cout_detail(const char *key, const char *val)
{
	char k[64];

	if (opt_json)
		json_string(J(), out_json_key(key, k, sizeof(k)), val);
	else
		printf("%-12s %s\n", key, val);
}

/* ---- arguments ------------------------------------------------------- */

/* NAME of a new object. */
static const char *new_name(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];

	if (argc < 2)
		usage_error("missing NAME");
	check(certrepo_check_name("name", argv[1], err, sizeof(err)), err);
	return argv[1];
}

/* NAME of an object that may exist. */
static const char *old_name(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];

	if (argc < 2)
		usage_error("missing NAME");
	check(certrepo_check_lookup_name("name", argv[1], err, sizeof(err)), err);
	return argv[1];
}

static void list_add(const char **v, size_t *n, const char *kw, const char *val)
{
	if (*n >= CERTREPO_LIST_MAX)
		usage_error("keyword `%s': at most %d values", kw, CERTREPO_LIST_MAX);
	v[(*n)++] = val;
}

enum {
	G_CN = 1 << 0, G_KEY = 1 << 1, G_DAYS = 1 << 2, G_EXPORT = 1 << 3,
	G_SIGNING = 1 << 4, G_EMAIL = 1 << 5, G_O = 1 << 6, G_L = 1 << 7,
	G_ST = 1 << 8, G_C = 1 << 9,
};

/* new-signing and request: cn, key, subject fields, SANs. */
static void parse_gen(int argc, char **argv, bool request, struct certrepo_gen *g)
{
	char err[CERTREPO_ERR_MAX];
	unsigned long seen = 0;
	uint32_t days;
	int i;

	memset(g, 0, sizeof(*g));
	g->key = CERTREPO_KEY_RSA2048;
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "cn")) {
			kw_once(&seen, G_CN, k);
			g->dn.cn = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "key")) {
			kw_once(&seen, G_KEY, k);
			v = kw_value(argc, argv, &i);
			check(certrepo_parse_key_type("key", v, &g->key, err, sizeof(err)), err);
		} else if (!strcmp(k, "days") && !request) {
			kw_once(&seen, G_DAYS, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1, CERTREPO_DAYS_MAX, &days,
					err, sizeof(err)), err);
			g->days = days;
		} else if (!strcmp(k, "exportable")) {
			kw_once(&seen, G_EXPORT, k);
			g->exportable = true;
		} else if (!strcmp(k, "signing") && request) {
			kw_once(&seen, G_SIGNING, k);
			g->signing = true;
		} else if (!strcmp(k, "email")) {
			kw_once(&seen, G_EMAIL, k);
			g->dn.email = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "ou")) {
			list_add(g->dn.ou, &g->dn.n_ou, k, kw_value(argc, argv, &i));
		} else if (!strcmp(k, "o")) {
			kw_once(&seen, G_O, k);
			g->dn.o = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "l")) {
			kw_once(&seen, G_L, k);
			g->dn.l = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "st")) {
			kw_once(&seen, G_ST, k);
			g->dn.st = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "c") || !strcmp(k, "country")) {
			kw_once(&seen, G_C, "c");
			g->dn.c = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "dns")) {
			list_add(g->dn.dns, &g->dn.n_dns, k, kw_value(argc, argv, &i));
		} else if (!strcmp(k, "email-san")) {
			list_add(g->dn.email_san, &g->dn.n_email_san, k, kw_value(argc, argv, &i));
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!g->dn.cn)
		usage_error("missing `cn COMMON-NAME'");
	check(certrepo_check_gen(g, request, err, sizeof(err)), err);
}

/* ---- commands -------------------------------------------------------- */

static int cmd_new_signing(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = new_name(argc, argv);
	struct certrepo_gen g;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_gen(argc, argv, false, &g);
	r = cert_repo_open();
	if (certrepo_new_signing(r, name, &g, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	return rc;
}

static int cmd_request(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = new_name(argc, argv);
	struct certrepo_gen g;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_gen(argc, argv, true, &g);
	r = cert_repo_open();
	if (certrepo_new_request(r, name, &g, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	return rc;
}

/* Export into memory, then to out: nothing is written on failure. */
static int export_to(struct certrepo *r, const char *name, unsigned flags,
		     const char *password, const char *out)
{
	char err[CERTREPO_ERR_MAX];
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc;

	if (!m)
		return cert_fail("out of memory");
	rc = certrepo_export(r, name, flags, password, m, err, sizeof(err));
	fclose(m);
	if (rc)
		rc = cert_fail(err);
	else
		rc = cert_write_out(out, buf, len, flags & CERTREPO_EXPORT_KEY);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

static int cmd_export_request(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = old_name(argc, argv), *out = NULL;
	struct certrepo_info info;
	unsigned long seen = 0;
	unsigned flags = 0;
	struct certrepo *r;
	int i, rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "out")) {
			kw_once(&seen, 1, argv[i]);
			out = kw_value(argc, argv, &i);
		} else if (!strcmp(argv[i], "der")) {
			kw_once(&seen, 2, argv[i]);
			flags |= CERTREPO_EXPORT_DER;
		} else {
			usage_error("unknown keyword `%s'", argv[i]);
		}
	}
	r = cert_repo_open();
	if (certrepo_get(r, name, &info, err, sizeof(err))) {
		rc = cert_fail(err);
	} else if (info.kind != CERTREPO_REQUEST) {
		errmsg("name `%s': not a signing request (a %s)", name,
		       certrepo_kind_name(info.kind));
		rc = EXIT_ERROR;
	} else {
		rc = export_to(r, name, flags, NULL, out);
	}
	certrepo_info_free(&info);
	certrepo_close(r);
	return rc;
}

static void print_names(const struct certrepo_names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		printf("%s\n", n->v[i]);
}

enum {
	I_CERT = 1 << 0, I_KEY = 1 << 1, I_PW = 1 << 2, I_SIGNING = 1 << 3,
	I_EXPORT = 1 << 4, I_FILE = 1 << 5, I_P12 = 1 << 6,
};

/* Keywords of import, import-p12, import-ca and replace; allowed: I_*. */
static void parse_import(int argc, char **argv, unsigned long allowed,
			 struct certrepo_import *im, const char **pwfile,
			 const char **file)
{
	unsigned long seen = 0;
	int i;

	memset(im, 0, sizeof(*im));
	*pwfile = NULL;
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "cert") && (allowed & I_CERT)) {
			kw_once(&seen, I_CERT, k);
			im->cert_file = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "key") && (allowed & I_KEY)) {
			kw_once(&seen, I_KEY, k);
			im->key_file = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "file") && (allowed & I_FILE)) {
			kw_once(&seen, I_FILE, k);
			*file = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "p12") && (allowed & I_P12)) {
			kw_once(&seen, I_P12, k);
			im->p12_file = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "password-file") && (allowed & I_PW)) {
			kw_once(&seen, I_PW, k);
			*pwfile = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "signing") && (allowed & I_SIGNING)) {
			kw_once(&seen, I_SIGNING, k);
			im->signing = true;
		} else if (!strcmp(k, "exportable") && (allowed & I_EXPORT)) {
			kw_once(&seen, I_EXPORT, k);
			im->exportable = true;
		} else if (!strcmp(k, "password")) {
			usage_error("passwords are not given as arguments: use "
				    "`password-file FILE' or TLSI_PASSWORD");
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
}

static int cmd_import(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = new_name(argc, argv), *pwfile, *file = NULL;
	struct certrepo_names created = { 0 };
	struct certrepo_import im;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_import(argc, argv, I_CERT | I_KEY | I_PW | I_SIGNING | I_EXPORT, &im, &pwfile,
		     &file);
	if (!im.cert_file)
		usage_error("missing `cert FILE'");
	if (pwfile && !im.key_file)
		usage_error("`password-file' is for an encrypted `key FILE'");
	im.password = im.key_file ? cert_password(pwfile) : NULL;
	r = cert_repo_open();
	if (certrepo_import(r, name, &im, &created, err, sizeof(err)))
		rc = cert_fail(err);
	cert_password_wipe();
	certrepo_names_free(&created);
	certrepo_close(r);
	return rc;
}

static int cmd_import_p12(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = new_name(argc, argv), *pwfile, *file = NULL;
	struct certrepo_names created = { 0 };
	struct certrepo_import im;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_import(argc, argv, I_FILE | I_PW | I_SIGNING | I_EXPORT, &im, &pwfile, &file);
	if (!file)
		usage_error("missing `file FILE'");
	im.p12_file = file;
	im.password = cert_password(pwfile);
	r = cert_repo_open();
	if (certrepo_import(r, name, &im, &created, err, sizeof(err)))
		rc = cert_fail(err);
	else
		print_names(&created);
	cert_password_wipe();
	certrepo_names_free(&created);
	certrepo_close(r);
	return rc;
}

static int cmd_import_ca(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = new_name(argc, argv), *pwfile, *file = NULL;
	struct certrepo_names created = { 0 };
	struct certrepo_import im;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_import(argc, argv, I_FILE | I_PW, &im, &pwfile, &file);
	if (!file)
		usage_error("missing `file FILE'");
	r = cert_repo_open();
	if (certrepo_import_ca(r, name, file, cert_password(pwfile), &created, err,
			       sizeof(err)))
		rc = cert_fail(err);
	else
		print_names(&created);
	cert_password_wipe();
	certrepo_names_free(&created);
	certrepo_close(r);
	return rc;
}

static int cmd_replace(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = old_name(argc, argv), *pwfile, *file = NULL;
	struct certrepo_import im;
	struct certrepo *r;
	int rc = EXIT_OK;

	parse_import(argc, argv, I_CERT | I_KEY | I_P12 | I_PW | I_SIGNING | I_EXPORT, &im,
		     &pwfile, &file);
	if (!im.cert_file && !im.p12_file)
		usage_error("missing `cert FILE' or `p12 FILE'");
	if (im.p12_file && (im.cert_file || im.key_file))
		usage_error("`p12 FILE' holds the certificate and the key: no `cert' or `key'");
	if (pwfile && !im.key_file && !im.p12_file)
		usage_error("`password-file' is for an encrypted `key FILE' or `p12 FILE'");
	im.password = im.key_file || im.p12_file ? cert_password(pwfile) : NULL;
	r = cert_repo_open();
	if (certrepo_replace(r, name, &im, err, sizeof(err)))
		rc = cert_fail(err);
	cert_password_wipe();
	certrepo_close(r);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	const char *name = old_name(argc, argv), *out = NULL, *pwfile = NULL, *pw = NULL;
	unsigned long seen = 0;
	unsigned flags = 0;
	struct certrepo *r;
	int i, rc;

	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "key")) {
			kw_once(&seen, 1, k);
			flags |= CERTREPO_EXPORT_KEY;
		} else if (!strcmp(k, "chain")) {
			kw_once(&seen, 2, k);
			flags |= CERTREPO_EXPORT_CHAIN;
		} else if (!strcmp(k, "der")) {
			kw_once(&seen, 4, k);
			flags |= CERTREPO_EXPORT_DER;
		} else if (!strcmp(k, "out")) {
			kw_once(&seen, 8, k);
			out = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "password-file")) {
			kw_once(&seen, 16, k);
			pwfile = kw_value(argc, argv, &i);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if ((flags & CERTREPO_EXPORT_KEY) && (flags & CERTREPO_EXPORT_CHAIN))
		usage_error("`key' and `chain' do not go together: export them one at a time");
	if ((flags & CERTREPO_EXPORT_DER) && (flags & CERTREPO_EXPORT_CHAIN))
		usage_error("`chain' needs PEM: DER holds one certificate");
	if (pwfile && !(flags & CERTREPO_EXPORT_KEY))
		usage_error("`password-file' encrypts an exported `key'");
	if (flags & CERTREPO_EXPORT_KEY)
		pw = cert_password(pwfile);
	r = cert_repo_open();
	rc = export_to(r, name, flags, pw, out);
	cert_password_wipe();
	certrepo_close(r);
	return rc;
}

static int cmd_del(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX], who[512];
	const char *name = old_name(argc, argv);
	struct certrepo *r;
	int rc = EXIT_OK;

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	/* What tlsid would fail to load at each session: refused while named. */
	if (ssl_repo_name_users(name, false, who, sizeof(who))) {
		errmsg("certificate `%s' is used by %s", name, who);
		return EXIT_ERROR;
	}
	r = cert_repo_open();
	if (certrepo_del(r, name, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	return rc;
}

static void print_line(const struct certrepo_info *i)
{
	char t[32];

	cout_obj_begin();
	cout_name("name", i->name);
	cout_str("kind", certrepo_kind_name(i->kind));
	cout_str("status", certrepo_status_name(i->status));
	if (i->kind != CERTREPO_REQUEST) {
		cout_num("days-left", i->days_left);
		cout_str("not-after", certrepo_time_str(i->not_after, t, sizeof(t)));
	}
	cout_str("key", i->key_type);
	cout_str("cn", i->cn);
	cout_flag("signing", i->signing);
	if (i->kind != CERTREPO_CA)
		cout_flag("exportable", i->exportable);
	if (i->replaced_by[0])
		cout_str("replaced-by", i->replaced_by);
	cout_strv("ref", "refs", i->refs, i->n_refs);
	cout_obj_end();
}

static void join(char *const *v, size_t n, char *buf, size_t len)
{
	size_t k, o = 0;

	buf[0] = '\0';
	for (k = 0; k < n && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? ", " : "", v[k]);
}

static void print_detail(const struct certrepo_info *i)
{
	char t[32], buf[4096];

	if (opt_json)
		json_begin_object(J(), NULL);
	cout_detail("name", i->name);
	cout_detail("kind", certrepo_kind_name(i->kind));
	cout_detail("status", certrepo_status_name(i->status));
	if (i->detail[0] && i->status != CERTREPO_VALID)
		cout_detail("detail", i->detail);
	if (opt_json) {
		json_bool(J(), "signing", i->signing);
		json_bool(J(), "has_key", i->has_key);
		json_bool(J(), "exportable", i->exportable);
	} else {
		cout_detail("signing", i->signing ? "yes" : "no");
		if (i->kind != CERTREPO_CA)
			cout_detail("exportable", i->exportable ? "yes" : "no");
	}
	cout_detail("subject", i->subject);
	cout_detail("cn", i->cn);
	cout_detail("key", i->key_type);
	if (i->kind != CERTREPO_REQUEST) {
		cout_detail("issuer", i->issuer);
		cout_detail("serial", i->serial);
		cout_detail("not-before", certrepo_time_str(i->not_before, t, sizeof(t)));
		cout_detail("not-after", certrepo_time_str(i->not_after, t, sizeof(t)));
		if (opt_json) {
			json_i64(J(), "days_left", i->days_left);
			json_u64(J(), "chain", i->chain_len);
		} else {
			snprintf(buf, sizeof(buf), "%ld", i->days_left);
			cout_detail("days-left", buf);
			snprintf(buf, sizeof(buf), "%zu certificate%s", i->chain_len,
				 i->chain_len == 1 ? "" : "s");
			cout_detail("chain", buf);
		}
		cout_detail("sha256", i->sha256);
	}
	if (opt_json) {
		cout_strv("san", "san", i->san, i->n_san);
		cout_strv("ref", "refs", i->refs, i->n_refs);
	} else {
		if (i->n_san) {
			join(i->san, i->n_san, buf, sizeof(buf));
			cout_detail("san", buf);
		}
		if (i->n_refs) {
			join(i->refs, i->n_refs, buf, sizeof(buf));
			cout_detail("refs", buf);
		}
	}
	if (i->created)
		cout_detail("created", certrepo_time_str(i->created, t, sizeof(t)));
	if (i->replaced_by[0])
		cout_detail("replaced-by", i->replaced_by);
	if (opt_json)
		json_end_object(J());
}

static int list_all(struct certrepo *r)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo_info *v;
	size_t n, i;

	if (certrepo_list(r, &v, &n, err, sizeof(err)))
		return cert_fail(err);
	cout_list_begin();
	for (i = 0; i < n; i++)
		print_line(&v[i]);
	cout_list_end();
	certrepo_list_free(v, n);
	return EXIT_OK;
}

static int cmd_show(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo_info info;
	struct certrepo *r;
	const char *name = NULL;
	int rc = EXIT_OK;

	if (argc > 1)
		name = old_name(argc, argv);
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	r = cert_repo_open();
	if (!name) {
		rc = list_all(r);
	} else if (certrepo_get(r, name, &info, err, sizeof(err))) {
		rc = cert_fail(err);
	} else {
		print_detail(&info);
		certrepo_info_free(&info);
	}
	certrepo_close(r);
	return rc;
}

static int cmd_refresh(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r;
	int rc;

	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	r = cert_repo_open();
	if (certrepo_refresh(r, NULL, err, sizeof(err)))
		rc = cert_fail(err);
	else
		rc = list_all(r);
	certrepo_close(r);
	return rc;
}

static int cmd_option(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *persist = NULL, *ca = NULL;
	unsigned long seen = 0;
	struct certrepo *r;
	int i, rc = EXIT_OK;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "persist-keys")) {
			kw_once(&seen, 1, k);
			persist = kw_value(argc, argv, &i);
			if (strcmp(persist, "on") && strcmp(persist, "off"))
				usage_error("persist-keys `%s': must be on or off", persist);
		} else if (!strcmp(k, "default-ca")) {
			kw_once(&seen, 2, k);
			ca = kw_value(argc, argv, &i);
			if (strcmp(ca, "none") && ca[0] != '/')
				usage_error("default-ca `%s': must be an absolute path or none", ca);
		} else if (!strcmp(k, "show") && argc == 2) {
			break;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	r = cert_repo_open();
	if (persist && certrepo_set_persist_keys(r, !strcmp(persist, "on"), err, sizeof(err)))
		rc = cert_fail(err);
	else if (ca && certrepo_set_default_ca_file(r, ca, err, sizeof(err)))
		rc = cert_fail(err);
	if (!persist && !ca) {
		cout_obj_begin();
		if (opt_json)
			json_bool(J(), "persist_keys", certrepo_persist_keys(r));
		else
			cout_str("persist-keys", certrepo_persist_keys(r) ? "on" : "off");
		cout_str("default-ca", certrepo_default_ca_file(r)[0] ?
			 certrepo_default_ca_file(r) : "none");
		cout_obj_end();
	}
	certrepo_close(r);
	return rc;
}

static const struct command cmds[] = {
	{ "new-signing", cmd_new_signing, NULL },
	{ "request", cmd_request, NULL },
	{ "export-request", cmd_export_request, NULL },
	{ "import", cmd_import, NULL },
	{ "import-p12", cmd_import_p12, NULL },
	{ "import-ca", cmd_import_ca, NULL },
	{ "replace", cmd_replace, NULL },
	{ "export", cmd_export, NULL },
	{ "del", cmd_del, NULL },
	{ "refresh", cmd_refresh, NULL },
	{ "option", cmd_option, NULL },
	{ "acme", cert_acme_main, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int cert_main(int argc, char **argv)
{
	cert_take_repo_option(argv[0], &argc, argv);
	return dispatch(argc, argv, cmds, help);
}
