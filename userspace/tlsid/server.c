// SPDX-License-Identifier: GPL-2.0
/*
 * SSL server inspection: inbound TLS to a protected server, diverted by an
 * SSL policy whose proxy has the server role. The client is answered with
 * the server's own certificate and key from the repository (not a forged
 * one), the real server is reached with a TLS client handshake as for client
 * inspection (checked against the policy's trust store only with the proxy's
 * verify-server: internal servers often have private CAs), and the session
 * goes to tlsi.ko's relay like any other.
 *
 * A server proxy names up to 1000 certificates; tlsi.ko keeps the names,
 * and this file fetches them once per proxy (a proxy never changes, so its
 * ID is the cache key) and picks one per connection by the client's SNI:
 * an exact DNS name of the certificate (its subjectAltName, else its CN),
 * then a wildcard (`*.example.com' covers one label), else the first
 * certificate. The certificates themselves come from certs.c, which reloads
 * a replaced one (`tlsictl cert replace') for the next sessions; the names
 * used for matching are taken again from it every few seconds.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "nl.h"
#include "tlsid.h"

#define REFRESH_S	2	/* matching names taken again from certs.c */
#define PROXIES_CACHED	TLSI_SSL_PROXIES_MAX

struct server_cert {
	char name[TLSI_CERT_NAME_MAX];
	struct tlsid_signer *sg;	/* NULL: cannot be loaded (err) */
	char **dns;			/* its DNS names, as written ("*.x" kept) */
	size_t ndns;
	char err[160];
};

struct server_proxy {
	struct server_proxy *next;
	uint32_t id;
	time_t refreshed;		/* tlsid_now() */
	size_t n;
	struct server_cert *certs;
};

static struct {
	pthread_mutex_t lock;
	struct server_proxy *proxies;	/* most recently fetched first */
	size_t nproxies;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- the names of a certificate --------------------------------------- */

static void dns_free(struct server_cert *c)
{
	size_t i;

	for (i = 0; i < c->ndns; i++)
		free(c->dns[i]);
	free(c->dns);
	c->dns = NULL;
	c->ndns = 0;
}

static void dns_push(struct server_cert *c, const char *name, size_t len)
{
	char **grown, *copy;

	if (!len || len > 255 || memchr(name, '\0', len))
		return;
	grown = realloc(c->dns, (c->ndns + 1) * sizeof(*grown));
	if (!grown)
		return;
	c->dns = grown;
	copy = strndup(name, len);
	if (copy)
		c->dns[c->ndns++] = copy;
}

/* The subjectAltName DNS names, or the CN when there are none. */
static void dns_collect(struct server_cert *c, X509 *x)
{
	GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i;

	dns_free(c);
	for (i = 0; san && i < sk_GENERAL_NAME_num(san); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);

		if (g->type == GEN_DNS)
			dns_push(c, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
				 (size_t)ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(san);
	if (!c->ndns) {
		X509_NAME *subj = X509_get_subject_name(x);
		int k = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
		ASN1_STRING *cn = k >= 0 ? X509_NAME_ENTRY_get_data(
				X509_NAME_get_entry(subj, k)) : NULL;

		if (cn)
			dns_push(c, (const char *)ASN1_STRING_get0_data(cn),
				 (size_t)ASN1_STRING_length(cn));
	}
	ERR_clear_error();
}

/* The certificate from certs.c again (a replacement is a new object). */
static void cert_refresh(struct server_cert *c)
{
	struct tlsid_signer *sg = tlsid_server_cert_get(c->name, c->err, sizeof(c->err));

	if (sg == c->sg) {
		tlsid_signer_put(sg);
		return;
	}
	tlsid_signer_put(c->sg);
	c->sg = sg;
	if (sg)
		dns_collect(c, sg->ca.cert);
	else
		dns_free(c);
}

/* ---- a proxy's certificate names from tlsi.ko ------------------------- */

struct fetch {
	uint32_t id;
	bool found;
	char *names;
	size_t len;
};

static int fetch_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct fetch *f = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[TLSI_A_ID] || mnl_attr_get_u32(tb[TLSI_A_ID]) != f->id)
		return MNL_CB_OK;
	f->found = true;
	if (tb[TLSI_A_CERT_NAMES] &&
	    tlsi_nl_append_payload(&f->names, &f->len, tb[TLSI_A_CERT_NAMES]) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static struct server_proxy *proxy_fetch(uint32_t id, char *why, size_t len)
{
	char buf[TLSI_NL_MSGBUF], err[256];
	struct fetch f = { .id = id };
	struct server_proxy *p = NULL;
	struct tlsi_nl nl;
	size_t off, n = 0;
	int rc;

	if (tlsi_nl_open(&nl, err, sizeof(err)) < 0) {
		snprintf(why, len, "server proxy certificates: %s", err);
		return NULL;
	}
	rc = tlsi_nl_request(&nl, tlsi_nl_msg(&nl, buf, TLSI_CMD_SSL_PROXY_GET, NLM_F_DUMP),
			     fetch_cb, &f);
	if (rc < 0) {
		tlsi_nl_strerror(&nl, err, sizeof(err));
		snprintf(why, len, "server proxy certificates: asking tlsi.ko: %s", err);
	}
	tlsi_nl_close(&nl);
	if (rc < 0)
		goto out;
	/* The names end with NUL bytes (tlsi.ko checks): count them. */
	for (off = 0; off < f.len; off++)
		n += !f.names[off];
	if (!f.found || !n || f.names[f.len - 1]) {
		snprintf(why, len, "server proxy %u %s", id,
			 f.found ? "has no certificates" : "is gone");
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->certs = calloc(n, sizeof(*p->certs)))) {
		free(p);
		p = NULL;
		snprintf(why, len, "out of memory");
		goto out;
	}
	p->id = id;
	for (off = 0; off < f.len; off += strlen(f.names + off) + 1)
		snprintf(p->certs[p->n++].name, sizeof(p->certs[0].name), "%s", f.names + off);
out:
	free(f.names);
	return p;
}

static void proxy_free(struct server_proxy *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		tlsid_signer_put(p->certs[i].sg);
		dns_free(&p->certs[i]);
	}
	free(p->certs);
	free(p);
}

/* Under the lock. The proxy of id, fetched if new, refreshed if due. */
static struct server_proxy *proxy_get(uint32_t id, char *why, size_t len)
{
	struct server_proxy **pp, *p;
	time_t now = tlsid_now();
	size_t i;

	for (pp = &cache.proxies; (p = *pp); pp = &p->next)
		if (p->id == id)
			break;
	if (!p) {
		p = proxy_fetch(id, why, len);
		if (!p)
			return NULL;
		p->next = cache.proxies;
		cache.proxies = p;
		/* Bounded: proxies deleted long ago go first. */
		if (++cache.nproxies > PROXIES_CACHED) {
			struct server_proxy **last = &cache.proxies;

			while ((*last)->next)
				last = &(*last)->next;
			proxy_free(*last);
			*last = NULL;
			cache.nproxies--;
		}
		p->refreshed = 0;
	}
	if (!p->refreshed || now - p->refreshed >= REFRESH_S) {
		for (i = 0; i < p->n; i++)
			cert_refresh(&p->certs[i]);
		p->refreshed = now;
	}
	return p;
}

/* ---- choosing by SNI -------------------------------------------------- */

static bool name_exact(const struct server_cert *c, const char *sni)
{
	size_t i;

	for (i = 0; i < c->ndns; i++)
		if (c->dns[i][0] != '*' && !strcasecmp(c->dns[i], sni))
			return true;
	return false;
}

/* `*.example.com' covers `www.example.com', not `example.com' nor
 * `a.b.example.com' (RFC 6125: one label). */
static bool name_wildcard(const struct server_cert *c, const char *sni)
{
	const char *rest = strchr(sni, '.');
	size_t i;

	if (!rest || rest == sni)
		return false;
	for (i = 0; i < c->ndns; i++)
		if (c->dns[i][0] == '*' && c->dns[i][1] == '.' && !strcasecmp(c->dns[i] + 2, rest + 1))
			return true;
	return false;
}

/* The certificate for the session (a reference), NULL with why. */
static struct tlsid_signer *cert_choose(const struct tlsid_session *s, char *name, size_t nlen,
				       char *why, size_t len)
{
	struct tlsid_signer *sg = NULL;
	const struct server_cert *pick = NULL;
	struct server_proxy *p;
	size_t i;

	pthread_mutex_lock(&cache.lock);
	p = proxy_get(s->pol.proxy_id, why, len);
	if (!p)
		goto out;
	if (s->ch.has_sni) {
		for (i = 0; i < p->n && !pick; i++)
			if (p->certs[i].sg && name_exact(&p->certs[i], s->ch.sni))
				pick = &p->certs[i];
		for (i = 0; i < p->n && !pick; i++)
			if (p->certs[i].sg && name_wildcard(&p->certs[i], s->ch.sni))
				pick = &p->certs[i];
	}
	if (!pick)
		pick = &p->certs[0];	/* the default */
	if (!pick->sg) {
		snprintf(why, len, "server certificate `%s': %s", pick->name, pick->err);
		goto out;
	}
	sg = pick->sg;
	atomic_fetch_add(&sg->refs, 1);
	snprintf(name, nlen, "%s", pick->name);
out:
	pthread_mutex_unlock(&cache.lock);
	return sg;
}

/* ---- the session ------------------------------------------------------ */

enum tlsi_ssl_reason tlsid_server_down_setup(struct tlsid_session *s, SSL_CTX *ctx,
					     enum tlsid_result *res, char *why, size_t len)
{
	struct tlsid_signer *sg;

	why[0] = '\0';
	*res = TLSID_R_NOT_DECRYPTED;
	/* verify-server: the real server must chain to the trust store. */
	s->verify_err = SSL_get_verify_result(s->up);
	s->chain_ok = s->verify_err == X509_V_OK;
	if ((s->pol.flags & TLSI_SSL_F_VERIFY_SERVER) && !s->chain_ok) {
		tlsid_count(TLSID_C_chain_invalid);
		*res = TLSID_R_BLOCKED;
		snprintf(why, len, "protected server's certificate invalid (%s; verify-server)",
			 X509_verify_cert_error_string(s->verify_err));
		return TLSI_SSL_REASON_CERT_INVALID;
	}
	sg = cert_choose(s, s->server_cert, sizeof(s->server_cert), why, len);
	if (!sg) {
		tlsid_count(TLSID_C_internal_errors);
		return TLSI_SSL_REASON_INTERNAL;
	}
	s->down = SSL_new(ctx);
	if (!s->down || !SSL_set_fd(s->down, s->cfd) ||
	    !SSL_use_cert_and_key(s->down, sg->ca.cert, sg->ca.key, sg->ca.chain, 1) ||
	    tlsid_policy_tls(s, s->down, false, why, len)) {
		tlsid_signer_put(sg);
		tlsid_count(TLSID_C_internal_errors);
		if (!why[0])
			snprintf(why, len, "internal error setting up the client side (server "
				 "certificate `%s')", s->server_cert);
		tlsid_log_ssl("server inspection session setup");
		return TLSI_SSL_REASON_INTERNAL;
	}
	tlsid_name_line(X509_get_issuer_name(sg->ca.cert), s->issuer, sizeof(s->issuer));
	tlsid_signer_put(sg);	/* the SSL holds its own references */
	return TLSI_SSL_REASON_NONE;
}

void tlsid_server_free(void)
{
	struct server_proxy *p, *next;

	pthread_mutex_lock(&cache.lock);
	for (p = cache.proxies; p; p = next) {
		next = p->next;
		proxy_free(p);
	}
	cache.proxies = NULL;
	cache.nproxies = 0;
	pthread_mutex_unlock(&cache.lock);
}
