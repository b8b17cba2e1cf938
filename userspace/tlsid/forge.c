// SPDX-License-Identifier: GPL-2.0
/*
 * Forged leaf certificates: what the client sees instead of the server's
 * certificate. The subject CN and the DNS/IP subject alternative names are
 * the server's; validity runs from an hour ago to the server's notAfter,
 * but at most 397 days (the CA/Browser Forum's limit for leaves); the key is
 * one of the two leaf keys made at start, of the server's kind (ECDSA for an
 * EC server key, RSA otherwise); SHA-256; signed by the signing CA or by the
 * untrusted CA.
 *
 * Forged leaves are kept in an LRU cache keyed by the SHA-256 fingerprint
 * of the server's certificate and the generation of the CA that signs (each
 * load of a signing CA has its own, so a replaced CA gets new leaves and
 * the old ones age out): every connection to a site after the first costs
 * a lookup, not a signature. One mutex guards the cache; signing happens
 * outside it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "tlsid.h"

#define LEAF_MAX_DAYS	397

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (!e)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* The server's DNS and IP names; NULL when it has none. */
static GENERAL_NAMES *copy_sans(X509 *server)
{
	GENERAL_NAMES *in = X509_get_ext_d2i(server, NID_subject_alt_name, NULL, NULL);
	GENERAL_NAMES *out;
	int i;

	if (!in)
		return NULL;
	out = sk_GENERAL_NAME_new_null();
	for (i = 0; out && i < sk_GENERAL_NAME_num(in); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(in, i);

		if (g->type != GEN_DNS && g->type != GEN_IPADD)
			continue;
		g = GENERAL_NAME_dup(g);
		if (!g || !sk_GENERAL_NAME_push(out, g)) {
			GENERAL_NAME_free(g);
			sk_GENERAL_NAME_pop_free(out, GENERAL_NAME_free);
			out = NULL;
		}
	}
	GENERAL_NAMES_free(in);
	if (out && !sk_GENERAL_NAME_num(out)) {
		GENERAL_NAMES_free(out);
		out = NULL;
	}
	return out;
}

/* SAN DNS:<cn> for a server that names itself only in its CN. */
static GENERAL_NAMES *san_from_cn(const X509_NAME_ENTRY *cn)
{
	const ASN1_STRING *d = X509_NAME_ENTRY_get_data(cn);
	const unsigned char *p = ASN1_STRING_get0_data(d);
	int i, n = ASN1_STRING_length(d);
	GENERAL_NAMES *gens;
	GENERAL_NAME *g;
	ASN1_IA5STRING *ia5;

	if (n <= 0 || n > 253)
		return NULL;
	for (i = 0; i < n; i++)
		if (!(p[i] == '.' || p[i] == '-' || p[i] == '*' || p[i] == '_' ||
		      (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= 'A' && p[i] <= 'Z')))
			return NULL;
	gens = sk_GENERAL_NAME_new_null();
	g = GENERAL_NAME_new();
	ia5 = ASN1_IA5STRING_new();
	if (!gens || !g || !ia5 || !ASN1_STRING_set(ia5, p, n) || !sk_GENERAL_NAME_push(gens, g)) {
		ASN1_IA5STRING_free(ia5);
		GENERAL_NAME_free(g);
		GENERAL_NAMES_free(gens);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
	return gens;
}

static const EVP_MD *sign_md(EVP_PKEY *key)
{
	int id = EVP_PKEY_get_base_id(key);

	return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

X509 *tlsid_forge_leaf(X509 *server, const struct tlsid_ca *ca, EVP_PKEY *key, time_t now)
{
	const X509_NAME *sname = X509_get_subject_name(server);
	const ASN1_TIME *s_na = X509_get0_notAfter(server);
	const X509_NAME_ENTRY *cn = NULL;
	GENERAL_NAMES *sans = NULL;
	X509_NAME *subj;
	X509V3_CTX ctx;
	time_t limit = now + LEAF_MAX_DAYS * 86400L;
	int i, ok = 0;
	X509 *x;

	x = X509_new();
	if (!x)
		return NULL;
	i = X509_NAME_get_index_by_NID(sname, NID_commonName, -1);
	for (; i >= 0; i = X509_NAME_get_index_by_NID(sname, NID_commonName, i))
		cn = X509_NAME_get_entry(sname, i);	/* the last (most specific) */
	subj = X509_get_subject_name(x);
	if (cn && !X509_NAME_add_entry(subj, cn, -1, 0))
		goto out_sans;
	sans = copy_sans(server);
	if (!sans && cn)
		sans = san_from_cn(cn);
	if (!X509_set_version(x, 2) || tlsid_random_serial(x) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &now))
		goto out_sans;
	if (ASN1_TIME_cmp_time_t(s_na, limit) > 0) {
		if (!X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &limit))
			goto out_sans;
	} else if (!X509_set1_notAfter(x, s_na)) {
		goto out_sans;
	}
	/* An expired server certificate: keep notBefore <= notAfter. */
	if (ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notBefore(x)) < 0 &&
	    !X509_set1_notBefore(x, X509_get0_notBefore(server)))
		goto out_sans;
	if (!X509_set_pubkey(x, key))
		goto out_sans;
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, &ctx, NID_key_usage,
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ?
		    "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") ||
	    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid,issuer"))
		goto out_sans;
	/* Without a subject the names are critical (RFC 5280 4.2.1.6). */
	if (sans && !X509_add1_ext_i2d(x, NID_subject_alt_name, sans, cn ? 0 : 1, 0))
		goto out_sans;
	if (!X509_sign(x, ca->key, sign_md(ca->key)))
		goto out_sans;
	ok = 1;
out_sans:
	GENERAL_NAMES_free(sans);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* ---- the cache ------------------------------------------------------- */

#define KEY_LEN	(32 + 8)

struct entry {
	unsigned char key[KEY_LEN];	/* SHA-256 of the server cert, CA generation */
	X509 *leaf;
	EVP_PKEY *pkey;			/* tlsid_keys.rsa or .ec */
	struct entry *hnext;		/* bucket chain */
	struct entry *prev, *next;	/* LRU: head is the newest */
};

static struct {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets, count, max;
	struct entry *head, *tail;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

int tlsid_forge_cache_init(unsigned size)
{
	size_t n = 16;

	cache.max = size;
	while (n < 2 * (size_t)size)
		n <<= 1;
	cache.buckets = calloc(n, sizeof(*cache.buckets));
	if (!cache.buckets)
		return -1;
	cache.nbuckets = n;
	return 0;
}

static struct entry **bucket(const unsigned char *key)
{
	uint64_t gen;
	size_t h;

	memcpy(&h, key, sizeof(h));
	memcpy(&gen, key + 32, sizeof(gen));
	h ^= (size_t)(gen * 0x9e3779b97f4a7c15ULL);
	return &cache.buckets[h & (cache.nbuckets - 1)];
}

static void lru_unlink(struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		cache.head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		cache.tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct entry *e)
{
	e->next = cache.head;
	e->prev = NULL;
	if (cache.head)
		cache.head->prev = e;
	cache.head = e;
	if (!cache.tail)
		cache.tail = e;
}

static struct entry *find(const unsigned char *key)
{
	struct entry *e;

	for (e = *bucket(key); e; e = e->hnext)
		if (!memcmp(e->key, key, KEY_LEN))
			return e;
	return NULL;
}

static void evict(struct entry *e)
{
	struct entry **pp = bucket(e->key);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(e);
	X509_free(e->leaf);
	free(e);
	cache.count--;
}

/* Under the lock: a new reference to the cached leaf for key, or NULL. */
static X509 *lookup(const unsigned char *key, X509 *server, EVP_PKEY **pkey)
{
	struct entry *e = find(key);

	if (!e)
		return NULL;
	/* A leaf that ran out before its server's certificate is redone. */
	if (X509_cmp_current_time(X509_get0_notAfter(e->leaf)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(server)) > 0) {
		evict(e);
		return NULL;
	}
	lru_unlink(e);
	lru_push(e);
	X509_up_ref(e->leaf);
	*pkey = e->pkey;
	return e->leaf;
}

X509 *tlsid_forge(X509 *server, const struct tlsid_ca *ca, EVP_PKEY **pkey)
{
	unsigned char key[KEY_LEN];
	unsigned int len = 32;
	EVP_PKEY *spk = X509_get0_pubkey(server), *leafkey;
	struct entry *e;
	X509 *leaf;

	leafkey = spk && EVP_PKEY_get_base_id(spk) == EVP_PKEY_EC ? tlsid_keys.ec : tlsid_keys.rsa;
	if (!X509_digest(server, EVP_sha256(), key, &len) || len != 32) {
		tlsid_log_ssl("fingerprint of the server certificate");
		return NULL;
	}
	memcpy(key + 32, &ca->gen, sizeof(ca->gen));
	if (cache.max) {
		pthread_mutex_lock(&cache.lock);
		leaf = lookup(key, server, pkey);
		pthread_mutex_unlock(&cache.lock);
		if (leaf) {
			tlsid_count(TLSID_C_forge_cache_hits);
			return leaf;
		}
	}
	leaf = tlsid_forge_leaf(server, ca, leafkey, time(NULL));
	if (!leaf) {
		tlsid_count(TLSID_C_forge_failed);
		tlsid_log_ssl("forging a certificate");
		return NULL;
	}
	tlsid_count(TLSID_C_forged);
	*pkey = leafkey;
	if (!cache.max)
		return leaf;
	e = calloc(1, sizeof(*e));
	if (!e)
		return leaf;
	pthread_mutex_lock(&cache.lock);
	if (find(key)) {
		/* Another worker forged the same one meanwhile: keep theirs. */
		pthread_mutex_unlock(&cache.lock);
		free(e);
		return leaf;
	}
	memcpy(e->key, key, KEY_LEN);
	X509_up_ref(leaf);
	e->leaf = leaf;
	e->pkey = leafkey;
	e->hnext = *bucket(key);
	*bucket(key) = e;
	lru_push(e);
	if (++cache.count > cache.max)
		evict(cache.tail);
	pthread_mutex_unlock(&cache.lock);
	return leaf;
}

void tlsid_forge_cache_free(void)
{
	pthread_mutex_lock(&cache.lock);
	while (cache.tail)
		evict(cache.tail);
	free(cache.buckets);
	cache.buckets = NULL;
	cache.nbuckets = 0;
	pthread_mutex_unlock(&cache.lock);
}
