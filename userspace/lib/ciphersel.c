// SPDX-License-Identifier: GPL-2.0
/*
 * Cipher suite selections (ciphersel.h): the guide's classes over the
 * suites OpenSSL has, by their properties (SSL_CIPHER_get_kx_nid() and
 * friends), not by OpenSSL's cipher-string language, so that a name or a
 * class it does not know is refused instead of silently matching nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/objects.h>

#include "ciphersel.h"

enum crit { CRIT_KX, CRIT_AUTH, CRIT_ENC, CRIT_MAC, NCRIT };

static const char *const crit_names[NCRIT] = { "kx", "auth", "enc", "mac" };
static const char *const crit_long[NCRIT] = {
	"key exchange", "authentication", "encryption", "MAC"
};

struct class {
	enum crit crit;
	const char *name;
	int nid;		/* NID_undef: MAC "aead" */
};

static const struct class classes[] = {
	{ CRIT_KX, "ecdhe", NID_kx_ecdhe },
	{ CRIT_KX, "dhe", NID_kx_dhe },
	{ CRIT_KX, "rsa", NID_kx_rsa },
	{ CRIT_AUTH, "rsa", NID_auth_rsa },
	{ CRIT_AUTH, "ecdsa", NID_auth_ecdsa },
	{ CRIT_ENC, "aes128-gcm", NID_aes_128_gcm },
	{ CRIT_ENC, "aes256-gcm", NID_aes_256_gcm },
	{ CRIT_ENC, "chacha20", NID_chacha20_poly1305 },
	{ CRIT_ENC, "aes128-ccm", NID_aes_128_ccm },
	{ CRIT_ENC, "aes256-ccm", NID_aes_256_ccm },
	{ CRIT_ENC, "aria128-gcm", NID_aria_128_gcm },
	{ CRIT_ENC, "aria256-gcm", NID_aria_256_gcm },
	{ CRIT_ENC, "aes128-cbc", NID_aes_128_cbc },
	{ CRIT_ENC, "aes256-cbc", NID_aes_256_cbc },
	{ CRIT_ENC, "camellia128", NID_camellia_128_cbc },
	{ CRIT_ENC, "camellia256", NID_camellia_256_cbc },
	{ CRIT_MAC, "aead", NID_undef },
	{ CRIT_MAC, "sha1", NID_sha1 },
	{ CRIT_MAC, "sha256", NID_sha256 },
	{ CRIT_MAC, "sha384", NID_sha384 },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* TLS 1.3's five suites, all of them (OpenSSL enables three by default). */
#define TLS13_ALL "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:" \
		  "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
#define TLS12_ALL "ALL:!aNULL:!eNULL:!PSK:!SRP:!aDSS:!kECDHEPSK:!kDHEPSK:!kRSAPSK:@SECLEVEL=0"

static struct ciphersel universe;
static bool universe_ok;
static pthread_once_t universe_once = PTHREAD_ONCE_INIT;

static void universe_build(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	STACK_OF(SSL_CIPHER) *sk;
	int i;

	if (!ctx)
		return;
	/* The context stays: the SSL_CIPHERs are OpenSSL's own static tables,
	 * but nothing promises that. */
	if (SSL_CTX_set_cipher_list(ctx, TLS12_ALL) && SSL_CTX_set_ciphersuites(ctx, TLS13_ALL)) {
		sk = SSL_CTX_get_ciphers(ctx);
		for (i = 0; sk && i < sk_SSL_CIPHER_num(sk) && universe.n < CIPHERSEL_MAX; i++)
			universe.suite[universe.n++] = sk_SSL_CIPHER_value(sk, i);
		universe_ok = universe.n > 0;
	}
}

const struct ciphersel *ciphersel_universe(void)
{
	pthread_once(&universe_once, universe_build);
	return universe_ok ? &universe : NULL;
}

bool ciphersel_is_tls13(const SSL_CIPHER *c)
{
	return (SSL_CIPHER_get_protocol_id(c) >> 8) == 0x13;
}

/* Does suite c belong to class k? TLS 1.3 suites (kx and auth "any") are
 * always (EC)DHE and take any certificate. */
static bool in_class(const SSL_CIPHER *c, const struct class *k)
{
	switch (k->crit) {
	case CRIT_KX:
		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
			return k->nid == NID_kx_ecdhe || k->nid == NID_kx_dhe;
		return SSL_CIPHER_get_kx_nid(c) == k->nid;
	case CRIT_AUTH:
		if (SSL_CIPHER_get_auth_nid(c) == NID_auth_any)
			return true;
		return SSL_CIPHER_get_auth_nid(c) == k->nid;
	case CRIT_ENC:
		return SSL_CIPHER_get_cipher_nid(c) == k->nid;
	case CRIT_MAC:
		if (k->nid == NID_undef)
			return SSL_CIPHER_is_aead(c);
		return !SSL_CIPHER_is_aead(c) && SSL_CIPHER_get_digest_nid(c) == k->nid;
	default:
		return false;
	}
}

/* A filter term: for each criterion, the classes allowed (none: any). */
struct filter {
	bool named[NCRIT];
	bool allow[NCLASSES];
};

static bool filter_match(const struct filter *f, const SSL_CIPHER *c)
{
	size_t k;
	int cr;

	for (cr = 0; cr < NCRIT; cr++) {
		bool any = false;

		if (!f->named[cr])
			continue;
		for (k = 0; k < NCLASSES && !any; k++)
			any = f->allow[k] && classes[k].crit == (enum crit)cr && in_class(c, &classes[k]);
		if (!any)
			return false;
	}
	return true;
}

static void class_list(enum crit cr, char *buf, size_t len)
{
	size_t k, n = 0;

	buf[0] = '\0';
	for (k = 0; k < NCLASSES; k++)
		if (classes[k].crit == cr)
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
				      classes[k].name);
}

/* term: "kx:ecdhe/dhe+enc:aes128-gcm" (modified in place). */
static int filter_parse(const char *what, char *term, struct filter *f, char *err, size_t errlen)
{
	char *cond, *save = NULL, *val, *vsave = NULL, *colon, known[256];
	size_t k;
	int cr;

	memset(f, 0, sizeof(*f));
	for (cond = strtok_r(term, "+", &save); cond; cond = strtok_r(NULL, "+", &save)) {
		colon = strchr(cond, ':');
		if (!colon) {
			snprintf(err, errlen, "%s: `%s' is not CRITERION:CLASS (kx, auth, enc, mac)",
				 what, cond);
			return -1;
		}
		*colon = '\0';
		for (cr = 0; cr < NCRIT; cr++)
			if (!strcasecmp(cond, crit_names[cr]))
				break;
		if (cr == NCRIT) {
			snprintf(err, errlen, "%s: unknown criterion `%s' (kx, auth, enc, mac)",
				 what, cond);
			return -1;
		}
		if (f->named[cr]) {
			snprintf(err, errlen, "%s: criterion `%s' twice in one term (write "
				 "%s:A/B for either)", what, cond, crit_names[cr]);
			return -1;
		}
		f->named[cr] = true;
		if (!colon[1]) {
			snprintf(err, errlen, "%s: criterion `%s' without a class", what, cond);
			return -1;
		}
		for (val = strtok_r(colon + 1, "/", &vsave); val; val = strtok_r(NULL, "/", &vsave)) {
			for (k = 0; k < NCLASSES; k++)
				if (classes[k].crit == (enum crit)cr && !strcasecmp(val, classes[k].name))
					break;
			if (k == NCLASSES) {
				class_list(cr, known, sizeof(known));
				snprintf(err, errlen, "%s: unknown %s class `%s' (%s)", what,
					 crit_long[cr], val, known);
				return -1;
			}
			f->allow[k] = true;
		}
	}
	return 0;
}

static const SSL_CIPHER *find_suite(const struct ciphersel *u, const char *name)
{
	unsigned i;

	for (i = 0; i < u->n; i++) {
		const char *std = SSL_CIPHER_standard_name(u->suite[i]);

		if (!strcasecmp(name, SSL_CIPHER_get_name(u->suite[i])) ||
		    (std && !strcasecmp(name, std)))
			return u->suite[i];
	}
	return NULL;
}

/* `default': the forward-secret AEAD suites (TLS 1.3's count as (EC)DHE). */
#define DEFAULT_FILTER "kx:ecdhe/dhe+enc:aes128-gcm/aes256-gcm/chacha20"

int ciphersel_parse(const char *what, const char *spec, struct ciphersel *out,
		    char *err, size_t errlen)
{
	const struct ciphersel *u = ciphersel_universe();
	bool sel[CIPHERSEL_MAX] = { false };
	char *copy, *term, *save = NULL, dflt[sizeof(DEFAULT_FILTER)];
	struct filter f;
	unsigned i;
	int ret = -1;

	out->n = 0;
	if (!u) {
		snprintf(err, errlen, "%s: OpenSSL lists no cipher suites", what);
		return -1;
	}
	if (!spec || !*spec) {
		snprintf(err, errlen, "%s: empty selection", what);
		return -1;
	}
	copy = strdup(spec);
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	/* strtok_r would skip empty terms: refuse them first. */
	if (spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,")) {
		snprintf(err, errlen, "%s `%s': an empty term", what, spec);
		goto out;
	}
	for (term = strtok_r(copy, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		bool add = true;
		const SSL_CIPHER *c;

		if (*term == '-') {
			add = false;
			term++;
		}
		if (!*term) {
			snprintf(err, errlen, "%s: `-' without a suite or class", what);
			goto out;
		}
		if (!strcasecmp(term, "all")) {
			for (i = 0; i < u->n; i++)
				sel[i] = add;
		} else if (!strcasecmp(term, "default") || strchr(term, ':')) {
			char *ft = term;

			if (!strcasecmp(term, "default"))
				ft = strcpy(dflt, DEFAULT_FILTER);

			if (filter_parse(what, ft, &f, err, errlen))
				goto out;
			for (i = 0; i < u->n; i++)
				if (filter_match(&f, u->suite[i]))
					sel[i] = add;
		} else if ((c = find_suite(u, term))) {
			for (i = 0; i < u->n; i++)
				if (u->suite[i] == c)
					sel[i] = add;
		} else {
			snprintf(err, errlen, "%s: unknown cipher suite `%s' (OpenSSL or IANA name, "
				 "`default', `all', or CRITERION:CLASS)", what, term);
			goto out;
		}
	}
	for (i = 0; i < u->n; i++)
		if (sel[i])
			out->suite[out->n++] = u->suite[i];
	if (!out->n) {
		snprintf(err, errlen, "%s `%s': selects no cipher suite", what, spec);
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

static const struct {
	const char *name;
	int v;
} versions[] = {
	{ "tls1.0", TLS1_VERSION },
	{ "tls1.1", TLS1_1_VERSION },
	{ "tls1.2", TLS1_2_VERSION },
	{ "tls1.3", TLS1_3_VERSION },
};

int ciphersel_version(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcasecmp(name, versions[i].name))
			return versions[i].v;
	return 0;
}

const char *ciphersel_version_name(int v)
{
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i].v == v)
			return versions[i].name;
	return NULL;
}

/* Can suite c be used at version v? */
static bool usable_at(const SSL_CIPHER *c, int v)
{
	const char *min = SSL_CIPHER_get_version(c);

	if (ciphersel_is_tls13(c))
		return v == TLS1_3_VERSION;
	if (v == TLS1_3_VERSION)
		return false;
	if (v == TLS1_2_VERSION)
		return true;
	/* Suites first defined for TLS 1.2 (AEAD, SHA-256/384 MACs). */
	return strcmp(min, "TLSv1.2") != 0;
}

int ciphersel_covers(const char *what, const struct ciphersel *sel, int min, int max,
		     char *err, size_t errlen)
{
	unsigned i;
	int v;

	for (v = min; v <= max; v++) {
		for (i = 0; i < sel->n; i++)
			if (usable_at(sel->suite[i], v))
				break;
		if (i == sel->n) {
			snprintf(err, errlen, "%s: no selected suite works in %s, which the "
				 "proxy's protocol range includes%s", what,
				 ciphersel_version_name(v) ? ciphersel_version_name(v) : "?",
				 v == TLS1_3_VERSION ? " (add a TLS 1.3 suite, or max-version tls1.2)" :
				 v < TLS1_2_VERSION ? " (TLS 1.0 and 1.1 have only CBC suites: add "
				 "e.g. kx:ecdhe+enc:aes128-cbc+mac:sha1)" :
				 " (add a TLS 1.2 suite, or min-version tls1.3)");
			return -1;
		}
	}
	return 0;
}

static void join(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf);

	if (n + strlen(name) + 2 <= len)
		snprintf(buf + n, len - n, "%s%s", n ? ":" : "", name);
}

void ciphersel_openssl(const struct ciphersel *sel, char *tls12, size_t len12,
		       char *tls13, size_t len13)
{
	unsigned i;

	tls12[0] = tls13[0] = '\0';
	for (i = 0; i < sel->n; i++) {
		if (ciphersel_is_tls13(sel->suite[i]))
			join(tls13, len13, SSL_CIPHER_get_name(sel->suite[i]));
		else
			join(tls12, len12, SSL_CIPHER_get_name(sel->suite[i]));
	}
}
