// SPDX-License-Identifier: GPL-2.0
/*
 * The certificates tlsid signs and verifies with, by name: signing CAs
 * (certificates of the repository, or the --ca-cert/--ca-key files) and
 * trust stores (of the repository, or the command line's: the system
 * bundle, --trust files and --trust-store). An SSL proxy names its signing
 * certificate and an SSL policy its trust store (policy.c); "" means the
 * command line's.
 *
 * The registry. A name is loaded on first use (the command line's at
 * start), kept, and reloaded when the files behind it change (device,
 * inode, size, mtime and ctime of each; looked at no more than once a
 * second per name): `tlsictl cert replace NAME' swaps the object's
 * directory in, so new sessions get the new certificate without a restart.
 * A reload that fails keeps what was loaded before (logged); a name whose
 * object is no longer in the repository becomes unknown. Every load of a
 * signing CA gets a new generation number, which keys the forged-leaf cache:
 * a replaced CA signs new leaves. An unknown name is looked for again when
 * its files appear. One mutex guards the registry, and loading happens
 * under it (first use, or a change); sessions hold references.
 *
 * Private keys (Documentation/certificates.md, "Persist private keys"). The
 * repository's keys are read at start into the key ring, one mlock()ed,
 * MADV_DONTDUMP mapping (certrepo_keyring_load), and again when a signing
 * certificate's key is not in it (a replacement with a new key); it is
 * wiped at exit. With persist-keys off, tlsid writes no key anywhere, and
 * removes a keystore that an earlier `on' left. With persist-keys on it
 * mirrors the repository's keys, certificates and trust stores into its
 * keystore (--keystore DIR, 0700, files 0600, each written to a temporary
 * name, synced and renamed; unchanged files are not rewritten), and, when
 * the repository is unavailable at start (no REPO/objects), runs from that
 * copy until the repository appears. The option is read again when
 * REPO/config changes.
 *
 * Expiry: each load tells the daemon log about the certificates it brought
 * in (the signing certificate; a repository trust store's CA certificates)
 * that expire within TLSID_EXPIRY_WARN_DAYS days (a warning) or have
 * expired (an error: tlsid uses them), and again once a day while in use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certrepo.h"
#include "tlsid.h"

#define SECURE_HEAP_SIZE	(4u << 20)	/* OpenSSL's secure heap */
#define EXPIRY_RETELL_S		86400
#define GEN_FIRST		16		/* below: fixed CAs (the untrusted one) */

/* A certificate whose dates are told. */
struct note {
	const char *what;			/* "certificate", "CA certificate" */
	char name[CERTREPO_OBJNAME_MAX + 1];
	char user[CERTREPO_NAME_MAX + 32];	/* what uses it */
	time_t not_before, not_after;
};

struct entry {
	struct entry *next;
	bool trust;		/* a trust store, else a signing CA */
	bool server;		/* not trust: a protected server's certificate */
	bool base;		/* trust: the command line's (system, --trust, --trust-store) */
	char name[CERTREPO_OBJNAME_MAX + 1];	/* repository name; base: --trust-store or "" */
	struct tlsid_signer *signer;
	X509_STORE *store;
	char **watch;		/* the files it was loaded from */
	size_t nwatch;
	uint64_t sig;		/* ... as they were then */
	bool tried;
	time_t checked;		/* tlsid_now() of the last look at them */
	time_t told;		/* time() of the last expiry messages */
	struct note *notes;
	size_t nnotes;
	char err[CERTREPO_ERR_MAX];	/* why there is none */
};

static struct {
	pthread_mutex_t lock;
	const struct tlsid_config *cfg;
	const char *ks;			/* keystore directory */
	struct entry *entries;
	struct tlsid_signer *files;	/* --ca-cert/--ca-key */
	struct certrepo_keyring *kr;
	bool keystore_mode;		/* running from the keystore's copy */
	bool repo_missing;		/* REPO/objects is not there */
	bool persist;			/* the repository's persist-keys */
	uint64_t config_sig;
	time_t probed;
	bool system_told;
	uint64_t gen;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- small helpers --------------------------------------------------- */

static int pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void tlsid_name_line(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int k;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	k = BIO_read(b, buf, (int)len - 1);
	buf[k > 0 ? k : 0] = '\0';
	BIO_free(b);
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 1099511628211ULL;
	}
	return h;
}

static bool repo_available(void)
{
	char p[PATH_MAX];

	return reg.cfg->cert_repo && !pathf(p, sizeof(p), "%s/objects", reg.cfg->cert_repo) &&
	       is_dir(p);
}

/* What the files at these paths are now; never 0. */
static uint64_t files_sig(char *const *paths, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		struct stat st;

		h = fnv(h, paths[i], strlen(paths[i]) + 1);
		if (stat(paths[i], &st) == 0) {
			int64_t v[] = { (int64_t)st.st_dev, (int64_t)st.st_ino, (int64_t)st.st_size,
					st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
					st.st_ctim.tv_sec, st.st_ctim.tv_nsec };

			h = fnv(h, v, sizeof(v));
		} else {
			int e = errno;

			h = fnv(h, &e, sizeof(e));
		}
	}
	return h | 1;
}

static uint64_t config_sig(void)
{
	char p[PATH_MAX], *v[1] = { p };

	if (pathf(p, sizeof(p), "%s/config", reg.cfg->cert_repo))
		return 1;
	return files_sig(v, 1);
}

/* ---- expiry ---------------------------------------------------------- */

static void note_set(struct note *n, const char *what, const char *name, const char *user,
		     time_t nb, time_t na)
{
	n->what = what;
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->user, sizeof(n->user), "%s", user);
	n->not_before = nb;
	n->not_after = na;
}

static void tell(const struct note *n)
{
	time_t now = time(NULL);
	long long d = (long long)n->not_after - (long long)now;
	long days = (long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
	char when[32];

	if (!n->not_after)
		return;
	if (d < 0) {
		certrepo_time_str(n->not_after, when, sizeof(when));
		tlsid_log_error("%s `%s' expired on %s and is in use (%s)", n->what, n->name, when,
				n->user);
	} else if (n->not_before > now) {
		certrepo_time_str(n->not_before, when, sizeof(when));
		tlsid_log_info("warning: %s `%s' is not valid before %s (%s)", n->what, n->name,
			       when, n->user);
	} else if (days < TLSID_EXPIRY_WARN_DAYS) {
		certrepo_time_str(n->not_after, when, sizeof(when));
		tlsid_log_info("warning: %s `%s' expires in %ld day%s (%s)", n->what, n->name, days,
			       days == 1 ? "" : "s", when);
	}
}

static void tell_all(struct entry *e)
{
	size_t i;

	for (i = 0; i < e->nnotes; i++)
		tell(&e->notes[i]);
	e->told = time(NULL);
}

/* ---- signers --------------------------------------------------------- */

static struct tlsid_signer *signer_new(void)
{
	struct tlsid_signer *sg = calloc(1, sizeof(*sg));

	if (!sg)
		return NULL;
	atomic_init(&sg->refs, 1);
	sg->ca.chain = sk_X509_new_null();
	if (!sg->ca.chain) {
		free(sg);
		return NULL;
	}
	return sg;
}

void tlsid_signer_put(struct tlsid_signer *sg)
{
	if (!sg || atomic_fetch_sub(&sg->refs, 1) != 1)
		return;
	X509_free(sg->ca.cert);
	EVP_PKEY_free(sg->ca.key);
	sk_X509_pop_free(sg->ca.chain, X509_free);
	free(sg);
}

static struct tlsid_signer *signer_ref(struct tlsid_signer *sg)
{
	if (sg)
		atomic_fetch_add(&sg->refs, 1);
	return sg;
}

/* The checks, and the chain served after the leaf: the CA, then its own
 * (a server's certificate: the chain stored with it). */
static int signer_finish(struct tlsid_signer *sg, const char *name, bool server, char *err,
			 size_t len)
{
	if (!server && X509_check_ca(sg->ca.cert) < 1) {
		snprintf(err, len, "not a CA certificate (basicConstraints CA:TRUE and keyCertSign "
			 "needed)");
		return -1;
	}
	if (X509_check_private_key(sg->ca.cert, sg->ca.key) != 1) {
		ERR_clear_error();
		snprintf(err, len, "the private key does not belong to the certificate");
		return -1;
	}
	/* A server's chain is served as stored; a CA's starts with the CA. */
	if (!server) {
		X509_up_ref(sg->ca.cert);
		if (!sk_X509_insert(sg->ca.chain, sg->ca.cert, 0)) {
			X509_free(sg->ca.cert);
			snprintf(err, len, "out of memory");
			return -1;
		}
	}
	tlsid_name_line(X509_get_subject_name(sg->ca.cert), sg->ca.subject, sizeof(sg->ca.subject));
	snprintf(sg->ca.name, sizeof(sg->ca.name), "%s", name);
	sg->ca.gen = ++reg.gen;
	return 0;
}

/* A PEM file: the certificate, then its chain. */
static int read_certs(const char *path, X509 **cert, STACK_OF(X509) *chain, char *err, size_t len)
{
	FILE *f = fopen(path, "re");
	X509 *x;

	if (!f) {
		snprintf(err, len, "`%s': %s", path, strerror(errno));
		return -1;
	}
	*cert = PEM_read_X509(f, NULL, NULL, NULL);
	while (*cert && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(chain, x);
	ERR_clear_error();	/* the end of the file */
	fclose(f);
	if (!*cert) {
		snprintf(err, len, "`%s': no PEM certificate", path);
		return -1;
	}
	return 0;
}

static EVP_PKEY *read_key(const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (!f) {
		snprintf(err, len, "`%s': %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!k)
		snprintf(err, len, "`%s': no (unencrypted) PEM private key", path);
	return k;
}

static struct tlsid_signer *signer_from_files(const char *certfile, const char *keyfile,
					      char *err, size_t len)
{
	struct tlsid_signer *sg = signer_new();

	if (!sg) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (read_certs(certfile, &sg->ca.cert, sg->ca.chain, err, len) ||
	    !(sg->ca.key = read_key(keyfile, err, len)) ||
	    signer_finish(sg, certfile, false, err, len)) {
		tlsid_signer_put(sg);
		return NULL;
	}
	return sg;
}

static void ks_sync_keys(struct certrepo *r);

/* The key ring again: the repository's keys as they are now. */
static int keyring_reload(struct certrepo *r, char *err, size_t len)
{
	struct certrepo_keyring *kr;

	if (certrepo_keyring_load(r, &kr, err, len))
		return -1;
	certrepo_keyring_free(reg.kr);	/* wiped */
	reg.kr = kr;
	tlsid_log_debug("key ring: %zu private keys in %s memory", certrepo_keyring_count(kr),
			certrepo_keyring_locked(kr) ? "locked" : "unlocked (RLIMIT_MEMLOCK)");
	return 0;
}

static struct tlsid_signer *signer_from_repo(const char *name, bool server, char *err,
					     size_t len)
{
	struct tlsid_signer *sg = NULL;
	struct certrepo_issuer *is = NULL;
	struct certrepo *r = NULL;
	STACK_OF(X509) *chain;
	int i;

	if (certrepo_open(reg.cfg->cert_repo, &r, err, len) ||
	    (server ? certrepo_server_load(r, name, &is, err, len) :
		      certrepo_issuer_load(r, name, &is, err, len)))
		goto out;
	sg = signer_new();
	if (!sg) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	sg->ca.cert = certrepo_issuer_cert(is);
	X509_up_ref(sg->ca.cert);
	chain = certrepo_issuer_chain(is);
	for (i = 0; chain && i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		X509_up_ref(x);
		if (!sk_X509_push(sg->ca.chain, x))
			X509_free(x);
	}
	/* From the key ring; a new key (replaced) is not in it yet. */
	sg->ca.key = reg.kr ? certrepo_keyring_get(reg.kr, name) : NULL;
	if (!sg->ca.key || X509_check_private_key(sg->ca.cert, sg->ca.key) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(sg->ca.key);
		sg->ca.key = NULL;
		if (keyring_reload(r, err, len))
			goto fail;
		sg->ca.key = certrepo_keyring_get(reg.kr, name);
	}
	if (!sg->ca.key) {
		snprintf(err, len, "name `%s': no private key in the key ring", name);
		goto fail;
	}
	if (signer_finish(sg, name, server, err, len))
		goto fail;
	if (reg.persist)
		ks_sync_keys(r);
	goto out;
fail:
	tlsid_signer_put(sg);
	sg = NULL;
out:
	certrepo_issuer_free(is);
	certrepo_close(r);
	return sg;
}

static struct tlsid_signer *signer_from_keystore(const char *name, bool server, char *err,
						 size_t len)
{
	struct tlsid_signer *sg = signer_new();
	char c[PATH_MAX], k[PATH_MAX];

	if (!sg) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (pathf(c, sizeof(c), "%s/certs/%s.pem", reg.ks, name) ||
	    pathf(k, sizeof(k), "%s/keys/%s.pem", reg.ks, name)) {
		snprintf(err, len, "keystore path too long");
		goto fail;
	}
	if (access(c, F_OK) < 0) {
		snprintf(err, len, "name `%s': not in the keystore `%s'", name, reg.ks);
		goto fail;
	}
	if (read_certs(c, &sg->ca.cert, sg->ca.chain, err, len) ||
	    !(sg->ca.key = read_key(k, err, len)) || signer_finish(sg, name, server, err, len))
		goto fail;
	return sg;
fail:
	tlsid_signer_put(sg);
	return NULL;
}

/* ---- trust stores ---------------------------------------------------- */

static void store_add_all(X509_STORE *to, X509_STORE *from)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(from);
	int i;

	for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

		if (x)
			X509_STORE_add_cert(to, x);
	}
	ERR_clear_error();	/* duplicates */
}

static void ks_write_store(struct certrepo *r, const char *name);

/* Repository trust store name (or its keystore copy); notes: its CAs. */
static X509_STORE *named_store(const char *name, struct note **notes, size_t *nnotes,
			       char *err, size_t len)
{
	struct certrepo_truststore t;
	struct certrepo *r = NULL;
	X509_STORE *st;
	size_t i;

	if (reg.keystore_mode) {
		char p[PATH_MAX];

		if (pathf(p, sizeof(p), "%s/truststores/%s.pem", reg.ks, name) ||
		    access(p, R_OK) < 0) {
			snprintf(err, len, "name `%s': no such trust store in the keystore `%s'", name,
				 reg.ks);
			return NULL;
		}
		st = X509_STORE_new();
		if (!st || !X509_STORE_load_file(st, p)) {
			ERR_clear_error();
			X509_STORE_free(st);
			snprintf(err, len, "trust store `%s' in the keystore: unreadable", name);
			return NULL;
		}
		return st;
	}
	if (certrepo_open(reg.cfg->cert_repo, &r, err, len))
		return NULL;
	st = certrepo_truststore_load(r, name, err, len);
	if (st && !certrepo_truststore_get(r, name, &t, err, len)) {
		*notes = calloc(t.n_cas ? t.n_cas : 1, sizeof(**notes));
		for (i = 0; *notes && i < t.n_cas; i++) {
			struct certrepo_info info;
			char user[CERTREPO_NAME_MAX + 32];

			if (certrepo_get(r, t.cas[i], &info, err, len))
				continue;
			snprintf(user, sizeof(user), "trust store `%s'", name);
			note_set(&(*notes)[(*nnotes)++], "CA certificate", t.cas[i], user,
				 info.not_before, info.not_after);
			certrepo_info_free(&info);
		}
		certrepo_truststore_free(&t);
		err[0] = '\0';
		if (reg.persist)
			ks_write_store(r, name);
	}
	certrepo_close(r);
	return st;
}

static X509_STORE *trust_load(struct entry *e, struct note **notes, size_t *nnotes,
			      char *err, size_t len)
{
	const struct tlsid_config *cfg = reg.cfg;
	X509_STORE *st, *named;
	int i;

	if (!e->base)
		return named_store(e->name, notes, nnotes, err, len);
	st = X509_STORE_new();
	if (!st) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (!cfg->no_system_trust) {
		if (access(TLSID_SYSTEM_TRUST, R_OK) == 0) {
			if (!X509_STORE_load_file(st, TLSID_SYSTEM_TRUST)) {
				tlsid_ssl_errstr(err, len);
				goto fail;
			}
		} else if (!reg.system_told) {
			tlsid_log_info("trust: no system bundle %s", TLSID_SYSTEM_TRUST);
			reg.system_told = true;
		}
	}
	for (i = 0; i < cfg->n_trust; i++) {
		if (!X509_STORE_load_file(st, cfg->trust[i])) {
			char e2[200];

			snprintf(err, len, "--trust `%s': %s", cfg->trust[i],
				 tlsid_ssl_errstr(e2, sizeof(e2)));
			goto fail;
		}
	}
	if (e->name[0]) {
		named = named_store(e->name, notes, nnotes, err, len);
		if (!named)
			goto fail;
		store_add_all(st, named);
		X509_STORE_free(named);
	}
	return st;
fail:
	X509_STORE_free(st);
	return NULL;
}

/* ---- the keystore (persist-keys on) ---------------------------------- */

static const char *const ks_subs[] = { "keys", "certs", "truststores" };

/* DIR and its subdirectories, 0700 (parents 0755). */
static int ks_mkdirs(void)
{
	char p[PATH_MAX];
	struct stat st;
	size_t i;
	char *s;

	if (pathf(p, sizeof(p), "%s", reg.ks))
		return -1;
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	for (i = 0; i <= sizeof(ks_subs) / sizeof(ks_subs[0]); i++) {
		if (i && pathf(p, sizeof(p), "%s/%s", reg.ks, ks_subs[i - 1]))
			return -1;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		if (lstat(p, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
		if ((st.st_mode & 07777) != 0700 && chmod(p, 0700) < 0)
			return -1;
	}
	return 0;
}

/* Does path hold exactly buf? (Nothing is rewritten for nothing: every
 * write of a key leaves one more copy on the medium.) */
static bool same_content(const char *path, const void *buf, size_t len)
{
	unsigned char *old;
	struct stat st;
	bool same = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len &&
	    (st.st_mode & 07777) == 0600 && (old = malloc(len + 1))) {
		same = read(fd, old, len + 1) == (ssize_t)len && !memcmp(old, buf, len);
		OPENSSL_cleanse(old, len);
		free(old);
	}
	close(fd);
	return same;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* KEYSTORE/sub/name.pem, 0600, atomically. */
static int ks_write(const char *sub, const char *name, const void *buf, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	int fd;

	if (pathf(dir, sizeof(dir), "%s/%s", reg.ks, sub) ||
	    pathf(path, sizeof(path), "%s/%s.pem", dir, name) ||
	    pathf(tmp, sizeof(tmp), "%s/.tmp-%s.pem", dir, name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (same_content(path, buf, len))
		return 0;
	if (ks_mkdirs() < 0)
		return -1;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		return -1;
	}
	sync_dir(dir);
	return 0;
}

/* Remove KEYSTORE/sub/X.pem for every X not in keep (n names). */
static void ks_prune(const char *sub, char **keep, size_t n)
{
	char dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;
	size_t i;

	if (pathf(dir, sizeof(dir), "%s/%s", reg.ks, sub) || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		bool kept = false;

		if (de->d_name[0] == '.' && strncmp(de->d_name, ".tmp-", 5))
			continue;
		for (i = 0; i < n && de->d_name[0] != '.'; i++)
			if (l == strlen(keep[i]) + 4 && !strncmp(de->d_name, keep[i], l - 4) &&
			    !strcmp(de->d_name + l - 4, ".pem"))
				kept = true;
		if (!kept && !pathf(p, sizeof(p), "%s/%s", dir, de->d_name))
			unlink(p);
	}
	closedir(d);
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -1;
	(*n)++;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	while (n--)
		free(v[n]);
	free(v);
}

static void ks_error(const char *what)
{
	tlsid_log_perror("keystore `%s': %s", reg.ks, what);
}

/* Every key of the key ring, with its certificate and chain. */
static void ks_sync_keys(struct certrepo *r)
{
	char dir[PATH_MAX], err[CERTREPO_ERR_MAX];
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (!reg.kr || pathf(dir, sizeof(dir), "%s/objects", reg.cfg->cert_repo) ||
	    !(d = opendir(dir)))
		return;
	if (ks_mkdirs() < 0) {
		ks_error("cannot create it");
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		EVP_PKEY *k;
		BIO *b;
		char *buf = NULL, *pem = NULL;
		size_t blen = 0;
		long plen;
		FILE *f;

		if (de->d_name[0] == '.' || !(k = certrepo_keyring_get(reg.kr, de->d_name)))
			continue;
		b = BIO_new(BIO_s_secmem());
		if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) ||
		    (plen = BIO_get_mem_data(b, &pem)) <= 0 ||
		    ks_write("keys", de->d_name, pem, (size_t)plen) < 0) {
			ERR_clear_error();
			ks_error(de->d_name);
		}
		BIO_free(b);	/* secure memory: cleansed */
		EVP_PKEY_free(k);
		f = open_memstream(&buf, &blen);
		if (f && !certrepo_export(r, de->d_name, CERTREPO_EXPORT_CHAIN, NULL, f, err,
					  sizeof(err)) && fclose(f) == 0) {
			if (ks_write("certs", de->d_name, buf, blen) < 0)
				ks_error(de->d_name);
		} else if (f) {
			fclose(f);
		}
		free(buf);
		strv_push(&names, &n, de->d_name);
	}
	closedir(d);
	ks_prune("keys", names, n);
	ks_prune("certs", names, n);
	strv_free(names, n);
}

static void ks_write_store(struct certrepo *r, const char *name)
{
	char err[CERTREPO_ERR_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f && !certrepo_truststore_export(r, name, f, err, sizeof(err)) && fclose(f) == 0) {
		if (ks_write("truststores", name, buf, len) < 0)
			ks_error(name);
	} else if (f) {
		fclose(f);
	}
	free(buf);
}

/* Keys, certificates and every trust store; what is gone is removed. */
static void ks_sync_all(struct certrepo *r)
{
	struct certrepo_truststore *v;
	char err[CERTREPO_ERR_MAX], **names = NULL;
	size_t n, i, nn = 0;

	ks_sync_keys(r);
	if (certrepo_truststore_list(r, &v, &n, err, sizeof(err)))
		return;
	for (i = 0; i < n; i++) {
		ks_write_store(r, v[i].name);
		strv_push(&names, &nn, v[i].name);
	}
	ks_prune("truststores", names, nn);
	strv_free(names, nn);
	certrepo_truststore_list_free(v, n);
}

static bool ks_present(void)
{
	char p[PATH_MAX];

	return !pathf(p, sizeof(p), "%s/keys", reg.ks) && is_dir(p);
}

/* persist-keys off: no copy outside the repository. Key files are
 * overwritten before they are unlinked (best effort: a journaling or
 * copy-on-write file system, or flash, may keep the old blocks). */
static void ks_remove(void)
{
	char dir[PATH_MAX], p[PATH_MAX + 300];
	unsigned removed = 0;
	size_t i;

	for (i = 0; i < sizeof(ks_subs) / sizeof(ks_subs[0]); i++) {
		struct dirent *de;
		DIR *d;

		if (pathf(dir, sizeof(dir), "%s/%s", reg.ks, ks_subs[i]) || !(d = opendir(dir)))
			continue;
		while ((de = readdir(d))) {
			struct stat st;
			int fd;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    pathf(p, sizeof(p), "%s/%s", dir, de->d_name))
				continue;
			if (i == 0 && (fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
				if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
					static const char zero[4096];
					off_t left = st.st_size;

					while (left > 0) {
						size_t k = left > (off_t)sizeof(zero) ? sizeof(zero) :
							   (size_t)left;

						if (write_all(fd, zero, k) < 0)
							break;
						left -= (off_t)k;
					}
					fsync(fd);
				}
				close(fd);
			}
			if (unlink(p) == 0)
				removed++;
		}
		closedir(d);
		rmdir(dir);
	}
	rmdir(reg.ks);
	if (removed)
		tlsid_log_info("persist-keys off: removed tlsid's keystore `%s' (%u files)", reg.ks,
			       removed);
}

/* ---- the repository's state ------------------------------------------ */

/* persist-keys as the repository says now, and what follows from it. */
static void persist_apply(struct certrepo *r, bool first)
{
	bool on = certrepo_persist_keys(r);

	if (!first && on == reg.persist)
		return;
	reg.persist = on;
	if (!first)
		tlsid_log_info("certificate repository `%s': persist-keys %s", reg.cfg->cert_repo,
			       on ? "on" : "off");
	if (on)
		ks_sync_all(r);
	else
		ks_remove();
}

/* Once a second: is the repository there, and did its config change? */
static void probe(time_t now)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r = NULL;
	struct entry *e;
	uint64_t cs;

	if (!reg.cfg->cert_repo || reg.probed == now)
		return;
	reg.probed = now;
	if (!repo_available()) {
		if (!reg.repo_missing && !reg.keystore_mode)
			tlsid_log_error("certificate repository `%s' is unavailable: tlsid keeps "
					"what it loaded", reg.cfg->cert_repo);
		reg.repo_missing = true;
		return;
	}
	if (certrepo_open(reg.cfg->cert_repo, &r, err, sizeof(err)))
		return;
	if (reg.keystore_mode) {
		if (keyring_reload(r, err, sizeof(err))) {
			certrepo_close(r);
			return;
		}
		tlsid_log_info("certificate repository `%s' is available: using it instead of the "
			       "keystore", reg.cfg->cert_repo);
		reg.keystore_mode = false;
		reg.config_sig = 0;
		for (e = reg.entries; e; e = e->next)
			e->sig = 0;	/* load everything from the repository */
	} else if (reg.repo_missing) {
		tlsid_log_info("certificate repository `%s' is available again", reg.cfg->cert_repo);
	}
	reg.repo_missing = false;
	cs = config_sig();
	if (cs != reg.config_sig) {
		persist_apply(r, reg.config_sig == 0);
		reg.config_sig = cs;
	}
	certrepo_close(r);
}

/* ---- entries --------------------------------------------------------- */

static void watch_free(struct entry *e)
{
	strv_free(e->watch, e->nwatch);
	e->watch = NULL;
	e->nwatch = 0;
}

static void watch_add(struct entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void watch_add(struct entry *e, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(p))
		strv_push(&e->watch, &e->nwatch, p);
}

/* The files e is made of. */
static void watch_build(struct entry *e)
{
	const char *repo = reg.cfg->cert_repo;
	struct certrepo_truststore t;
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r = NULL;
	size_t i;

	watch_free(e);
	if (!e->name[0])
		return;		/* the command line's files alone: never reloaded */
	if (reg.keystore_mode) {
		if (e->trust) {
			watch_add(e, "%s/truststores/%s.pem", reg.ks, e->name);
		} else {
			watch_add(e, "%s/certs/%s.pem", reg.ks, e->name);
			watch_add(e, "%s/keys/%s.pem", reg.ks, e->name);
		}
		return;
	}
	if (!e->trust) {
		watch_add(e, "%s/objects/%s/cert.pem", repo, e->name);
		watch_add(e, "%s/objects/%s/key.pem", repo, e->name);
		return;
	}
	watch_add(e, "%s/truststores/%s", repo, e->name);
	watch_add(e, "%s/config", repo);
	if (certrepo_open(repo, &r, err, sizeof(err)))
		return;
	if (!certrepo_truststore_get(r, e->name, &t, err, sizeof(err))) {
		for (i = 0; i < t.n_cas; i++)
			watch_add(e, "%s/objects/%s/cert.pem", repo, t.cas[i]);
		if (t.default_ca && certrepo_default_ca_file(r)[0])
			watch_add(e, "%s", certrepo_default_ca_file(r));
		certrepo_truststore_free(&t);
	}
	certrepo_close(r);
}

/* Is e's object gone (rather than broken)? */
static bool object_gone(const struct entry *e)
{
	char p[PATH_MAX];

	if (!e->name[0])
		return false;
	if (reg.keystore_mode)
		return pathf(p, sizeof(p), "%s/%s/%s.pem", reg.ks, e->trust ? "truststores" : "certs",
			     e->name) || access(p, F_OK) < 0;
	if (e->trust)
		return pathf(p, sizeof(p), "%s/truststores/%s", reg.cfg->cert_repo, e->name) ||
		       access(p, F_OK) < 0;
	return pathf(p, sizeof(p), "%s/objects/%s", reg.cfg->cert_repo, e->name) ||
	       access(p, F_OK) < 0;
}

static const char *entry_what(const struct entry *e)
{
	return e->trust ? (e->base ? "trust (--trust-store)" : "trust store") :
	       e->server ? "server certificate" : "signing certificate";
}

static void load(struct entry *e)
{
	char err[CERTREPO_ERR_MAX] = "";
	struct tlsid_signer *sg = NULL;
	struct note *notes = NULL;
	size_t nnotes = 0;
	X509_STORE *st = NULL;
	bool had = e->signer || e->store;

	if (e->trust) {
		st = trust_load(e, &notes, &nnotes, err, sizeof(err));
	} else {
		sg = reg.keystore_mode ? signer_from_keystore(e->name, e->server, err, sizeof(err)) :
		     signer_from_repo(e->name, e->server, err, sizeof(err));
		if (sg) {
			notes = calloc(1, sizeof(*notes));
			if (notes) {
				note_set(notes, "certificate", e->name,
					 e->server ? "tlsid serves it (server inspection)" :
					 "tlsid signs with it",
					 asn1_time_t(X509_get0_notBefore(sg->ca.cert)),
					 asn1_time_t(X509_get0_notAfter(sg->ca.cert)));
				nnotes = 1;
			}
		}
	}
	ERR_clear_error();
	if (sg || st) {
		tlsid_signer_put(e->signer);
		X509_STORE_free(e->store);
		e->signer = sg;
		e->store = st;
		free(e->notes);
		e->notes = notes;
		e->nnotes = nnotes;
		e->err[0] = '\0';
		if (e->name[0])
			tlsid_log_info("%s `%s' %s%s%s%s", entry_what(e), e->name,
				       had ? "reloaded" : "loaded",
				       reg.keystore_mode ? " from the keystore" : "",
				       sg ? ": " : "", sg ? sg->ca.subject : "");
		tell_all(e);
		return;
	}
	free(notes);
	if (had && !object_gone(e)) {
		tlsid_log_error("%s `%s': reloading failed: %s; keeping the one loaded before",
				entry_what(e), e->name, err);
		return;
	}
	tlsid_signer_put(e->signer);
	X509_STORE_free(e->store);
	e->signer = NULL;
	e->store = NULL;
	snprintf(e->err, sizeof(e->err), "%s", err[0] ? err : "cannot be loaded");
	if (e->name[0])
		tlsid_log_error("%s `%s': %s%s", entry_what(e), e->name, e->err,
				had ? " (no longer in the repository: sessions that name it are "
				"refused)" : "");
	else
		tlsid_log_error("%s: %s", entry_what(e), e->err);
}

/* Under the lock. */
static void refresh(struct entry *e, time_t now)
{
	if (e->tried) {
		if (e->checked == now || !e->nwatch)
			return;
		e->checked = now;
		if (!reg.keystore_mode && reg.repo_missing)
			return;		/* keep what there is */
		if (files_sig(e->watch, e->nwatch) == e->sig)
			return;
	}
	e->checked = now;
	e->tried = true;
	watch_build(e);
	e->sig = files_sig(e->watch, e->nwatch);
	load(e);
}

static struct entry *entry_get(bool trust, bool base, bool server, const char *name)
{
	struct entry *e;

	for (e = reg.entries; e; e = e->next)
		if (e->trust == trust && e->base == base && e->server == server &&
		    !strcmp(e->name, name))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->trust = trust;
	e->base = base;
	e->server = server;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->next = reg.entries;
	reg.entries = e;
	return e;
}

static void entry_free(struct entry *e)
{
	tlsid_signer_put(e->signer);
	X509_STORE_free(e->store);
	watch_free(e);
	free(e->notes);
	free(e);
}

/* ---- lookups --------------------------------------------------------- */

/* A signing CA (server false) or a server's certificate (true) from the
 * repository by name: loaded on first use, reloaded when its files change. */
static struct tlsid_signer *named_get(const char *name, bool server, char *err, size_t len)
{
	struct tlsid_signer *sg = NULL;
	time_t now = tlsid_now();
	struct entry *e;

	if (!reg.cfg->cert_repo) {
		snprintf(err, len, "name `%s': tlsid has no certificate repository (--cert-repo)",
			 name);
		return NULL;
	}
	if (certrepo_check_lookup_name("name", name, err, len))
		return NULL;
	pthread_mutex_lock(&reg.lock);
	probe(now);
	e = entry_get(false, false, server, name);
	if (e) {
		refresh(e, now);
		sg = signer_ref(e->signer);
		if (!sg)
			snprintf(err, len, "%s", e->err);
		else if (time(NULL) - e->told >= EXPIRY_RETELL_S)
			tell_all(e);
	} else {
		snprintf(err, len, "out of memory");
	}
	pthread_mutex_unlock(&reg.lock);
	return sg;
}

struct tlsid_signer *tlsid_signer_get(const char *name, char *err, size_t len)
{
	if (!name || !name[0]) {
		if (reg.files)
			return signer_ref(reg.files);
		if (!reg.cfg->signing_cert) {
			snprintf(err, len, "tlsid has none of its own (--ca-cert or --signing-cert)");
			return NULL;
		}
		name = reg.cfg->signing_cert;
	}
	return named_get(name, false, err, len);
}

struct tlsid_signer *tlsid_server_cert_get(const char *name, char *err, size_t len)
{
	return named_get(name, true, err, len);
}

X509_STORE *tlsid_trust_get(const char *name, char *err, size_t len)
{
	bool base = !name || !name[0];
	X509_STORE *st = NULL;
	time_t now = tlsid_now();
	struct entry *e;

	if (base)
		name = reg.cfg->trust_store ? reg.cfg->trust_store : "";
	if (name[0]) {
		if (!reg.cfg->cert_repo) {
			snprintf(err, len, "name `%s': tlsid has no certificate repository "
				 "(--cert-repo)", name);
			return NULL;
		}
		if (certrepo_check_truststore_name("name", name, err, len))
			return NULL;
	}
	pthread_mutex_lock(&reg.lock);
	probe(now);
	e = entry_get(true, base, false, name);
	if (e) {
		refresh(e, now);
		st = e->store;
		if (st)
			X509_STORE_up_ref(st);
		else
			snprintf(err, len, "%s", e->err);
		if (st && time(NULL) - e->told >= EXPIRY_RETELL_S)
			tell_all(e);
	} else {
		snprintf(err, len, "out of memory");
	}
	pthread_mutex_unlock(&reg.lock);
	return st;
}

/* ---- start and end --------------------------------------------------- */

static int repo_init(void)
{
	const char *repo = reg.cfg->cert_repo;
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r = NULL;

	if (!certrepo_secure_heap_init(SECURE_HEAP_SIZE))
		tlsid_log_info("OpenSSL's secure heap is unavailable: keys OpenSSL decodes live "
			       "in ordinary memory");
	if (repo_available()) {
		if (certrepo_open(repo, &r, err, sizeof(err)) || keyring_reload(r, err, sizeof(err))) {
			tlsid_log_error("certificate repository `%s': %s", repo, err);
			certrepo_close(r);
			return -1;
		}
		tlsid_log_info("certificate repository `%s': %zu private keys in %s memory, "
			       "persist-keys %s", repo, certrepo_keyring_count(reg.kr),
			       certrepo_keyring_locked(reg.kr) ? "locked" : "unlocked",
			       certrepo_persist_keys(r) ? "on" : "off");
		persist_apply(r, true);
		reg.config_sig = config_sig();
		reg.probed = tlsid_now();
		certrepo_close(r);
		return 0;
	}
	if (ks_present()) {
		reg.keystore_mode = true;
		reg.repo_missing = true;
		tlsid_log_error("certificate repository `%s' is unavailable (no %s/objects): using "
				"tlsid's keystore `%s' (persist-keys on) until it is there", repo,
				repo, reg.ks);
		return 0;
	}
	tlsid_log_error("certificate repository `%s' is unavailable (no %s/objects), and there is "
			"no keystore `%s' (persist-keys off): inspection that needs its keys does "
			"not start", repo, repo, reg.ks);
	return -1;
}

int tlsid_certs_init(const struct tlsid_config *cfg)
{
	char err[CERTREPO_ERR_MAX];
	struct tlsid_signer *sg;
	struct note n;

	reg.cfg = cfg;
	reg.ks = cfg->keystore ? cfg->keystore : TLSID_DEFAULT_KEYSTORE;
	if (reg.gen < GEN_FIRST)
		reg.gen = GEN_FIRST;
	if (cfg->cert_repo && repo_init())
		return -1;
	if (cfg->ca_cert) {
		reg.files = signer_from_files(cfg->ca_cert, cfg->ca_key, err, sizeof(err));
		if (!reg.files) {
			tlsid_log_error("signing CA (--ca-cert/--ca-key): %s", err);
			return -1;
		}
		note_set(&n, "certificate", cfg->ca_cert, "tlsid signs with it",
			 asn1_time_t(X509_get0_notBefore(reg.files->ca.cert)),
			 asn1_time_t(X509_get0_notAfter(reg.files->ca.cert)));
		tell(&n);
	}
	if (cfg->signing_cert) {
		sg = tlsid_signer_get(NULL, err, sizeof(err));
		if (!sg) {
			tlsid_log_error("--signing-cert `%s': not starting without it",
					cfg->signing_cert);
			return -1;
		}
		tlsid_signer_put(sg);
	}
	tlsid_keys.trust = tlsid_trust_get(NULL, err, sizeof(err));
	if (!tlsid_keys.trust) {
		if (cfg->trust_store)
			tlsid_log_error("--trust-store `%s': not starting without it", cfg->trust_store);
		return -1;
	}
	sg = tlsid_signer_get(NULL, err, sizeof(err));
	if (sg)
		tlsid_log_info("signing CA: %s", sg->ca.subject);
	else
		tlsid_log_info("no signing CA of tlsid's own: only SSL proxies that name a "
			       "signing certificate are decrypted");
	tlsid_signer_put(sg);
	return 0;
}

void tlsid_certs_daemonized(void)
{
	const unsigned char *p;
	size_t len;

	pthread_mutex_lock(&reg.lock);
	if (reg.kr && certrepo_keyring_locked(reg.kr) &&
	    (p = certrepo_keyring_data(reg.kr, &len)) && len && mlock(p, len) < 0)
		tlsid_log_perror("key ring: mlock after daemonizing");
	pthread_mutex_unlock(&reg.lock);
}

void tlsid_certs_free(void)
{
	pthread_mutex_lock(&reg.lock);
	while (reg.entries) {
		struct entry *e = reg.entries;

		reg.entries = e->next;
		entry_free(e);
	}
	tlsid_signer_put(reg.files);
	reg.files = NULL;
	certrepo_keyring_free(reg.kr);	/* wiped */
	reg.kr = NULL;
	reg.keystore_mode = reg.repo_missing = reg.persist = reg.system_told = false;
	reg.config_sig = 0;
	reg.probed = 0;
	pthread_mutex_unlock(&reg.lock);
}
