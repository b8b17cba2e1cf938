// SPDX-License-Identifier: GPL-2.0
/*
 * Decryption policies (tlsictl decrypt-policy; userspace/lib/decrypt.h).
 *
 * tlsi.ko tells tlsid the name of the session's decryption policy with its
 * SSL client policy (TLSI_IOC_SESSION_INFO); the policy is a file that
 * tlsictl writes. After the ClientHello, a server name (SNI) the policy
 * lists is not decrypted: tlsid connects to the server and hands both plain
 * TCP sockets to tlsi.ko, with the ClientHello still unread in the client's
 * socket. The kernel relay then carries every byte as it came, the
 * ClientHello first: the client completes its handshake with the real
 * server, sees its certificate, and no certificate is forged.
 *
 * The pinned-application cache: a proxy with `pinned bypass' whose client
 * refuses the forged certificate puts the server name in it; while it is
 * there, that proxy's sessions to the name pass through ("Decrypted but
 * not inspected"). It lives in memory and in --pinned-cache FILE, which
 * tlsictl shows and changes (decrypt.h); tlsid reads it again when its
 * size or time changed since tlsid last wrote or read it.
 *
 * Policies are cached by name and read again when their file changes
 * (checked at most once a second). A policy that cannot be read bypasses
 * its sessions (not decrypted, with the reason): an exception list that is
 * missing must not expose what it protects.
 *
 * Do-not-decrypt categories: the category database (DIR/categories.db,
 * tlsictl category load; category.h) is mapped read-only and mapped again
 * when the file changes (checked at most once a second, like policies).
 * A policy naming categories while the database cannot be read bypasses
 * its sessions, for the same reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "category.h"
#include "decrypt.h"
#include "tlsid.h"

#define CACHE_MAX	256	/* policies held (SSL client policies name them) */

struct dp_entry {
	struct dp_entry *next;
	char name[DECRYPT_NAME_MAX + 1];
	struct decrypt_policy p;
	bool ok;
	char err[DECRYPT_ERR_MAX];
	time_t checked;			/* tlsid_now() of the last stat */
	struct stat st;			/* of the file read (ok) */
};

static pthread_mutex_t dp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dp_entry *dp_cache;
static unsigned dp_count;

static const char *dir(void)
{
	return tlsid_cfg.decrypt_dir ? tlsid_cfg.decrypt_dir : decrypt_dir();
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* (Re)read e when its file changed; under dp_lock. */
static void refresh(struct dp_entry *e, time_t now)
{
	char path[4096];
	struct stat st;

	if (e->checked == now)
		return;
	e->checked = now;
	snprintf(path, sizeof(path), "%s/%s", dir(), e->name);
	if (stat(path, &st) == 0 && e->ok && same_file(&st, &e->st))
		return;
	decrypt_policy_free(&e->p);
	e->ok = decrypt_policy_load(dir(), e->name, &e->p, e->err, sizeof(e->err)) == 0;
	if (e->ok) {
		e->st = st;
		tlsid_log_info("decryption policy `%s': %zu domains", e->name, e->p.n);
	} else {
		tlsid_count(TLSID_C_decrypt_policy_unavailable);
		tlsid_log_error("%s", e->err);
	}
}

/* The category database, under dp_lock. */
static struct category_db cat_db;
static bool cat_ok;
static char cat_err[DECRYPT_ERR_MAX];
static struct stat cat_st;
static time_t cat_checked = -1;

static void cat_refresh(time_t now)
{
	char path[4200];
	struct stat st;

	if (cat_checked == now)
		return;
	cat_checked = now;
	category_db_path(path, sizeof(path), dir());
	if (stat(path, &st) == 0 && cat_ok && same_file(&st, &cat_st))
		return;
	category_db_close(&cat_db);
	cat_ok = category_db_open(path, &cat_db, cat_err, sizeof(cat_err)) == 0;
	if (cat_ok) {
		cat_st = st;
		tlsid_log_info("category database: %zu entries in %zu categories", cat_db.n,
			       cat_db.ncat);
	} else if (errno != ENOENT) {
		tlsid_log_error("%s", cat_err);
	}
}

static struct dp_entry *entry_get(const char *name)
{
	struct dp_entry *e;

	for (e = dp_cache; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	if (dp_count >= CACHE_MAX)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->checked = -1;
	e->next = dp_cache;
	dp_cache = e;
	dp_count++;
	return e;
}

/* ---- the pinned-application cache ----------------------------------- */

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static int pin_fd = -1;
static struct pinned_entry *pin_v;
static size_t pin_n;
static struct stat pin_st;		/* the file as tlsid last saw it */
static time_t pin_checked = -1;

int tlsid_pinned_open(void)
{
	const char *path = tlsid_cfg.pinned_cache ? tlsid_cfg.pinned_cache : pinned_file();
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* /run/tlsi: made at boot by nobody else */
	}
	pin_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* Not fatal: pinned applications then just fail every time. */
	if (pin_fd < 0)
		tlsid_log_perror("pinned-application cache %s (none kept)", path);
	return 0;
}

/* Read the file again if someone else changed it; under pin_lock. */
static void pin_refresh(time_t now)
{
	char err[DECRYPT_ERR_MAX];
	struct pinned_entry *v;
	struct stat st;
	size_t n;

	if (pin_fd < 0 || pin_checked == now)
		return;
	pin_checked = now;
	if (fstat(pin_fd, &st) < 0 ||
	    (st.st_size == pin_st.st_size && st.st_mtim.tv_sec == pin_st.st_mtim.tv_sec &&
	     st.st_mtim.tv_nsec == pin_st.st_mtim.tv_nsec))
		return;
	if (flock(pin_fd, LOCK_SH) < 0)
		return;
	if (pinned_read(pin_fd, (long long)time(NULL), tlsid_cfg.pinned_max, &v, &n, err,
			sizeof(err))) {
		tlsid_count(TLSID_C_pinned_cache_errors);
		tlsid_log_error("%s", err);
	} else {
		free(pin_v);
		pin_v = v;
		pin_n = n;
	}
	fstat(pin_fd, &pin_st);
	flock(pin_fd, LOCK_UN);
}

static bool pinned_has(const char *name)
{
	long long now = (long long)time(NULL);
	char d[DECRYPT_DOMAIN_MAX + 1], e[8];
	ssize_t i;
	bool hit = false;

	if (decrypt_domain_normalize(name, d, e, sizeof(e)))
		return false;
	pthread_mutex_lock(&pin_lock);
	pin_refresh(tlsid_now());
	i = pinned_find(pin_v, pin_n, d);
	hit = i >= 0 && pin_v[i].expires > now;
	pthread_mutex_unlock(&pin_lock);
	return hit;
}

void tlsid_pinned_add(const char *name)
{
	long long now = (long long)time(NULL);
	char err[DECRYPT_ERR_MAX];
	struct pinned_entry *v;
	size_t n;

	pthread_mutex_lock(&pin_lock);
	if (pin_fd < 0 || flock(pin_fd, LOCK_EX) < 0) {
		pthread_mutex_unlock(&pin_lock);
		tlsid_count(TLSID_C_pinned_cache_errors);
		return;
	}
	/* The file's entries (tlsictl's changes), then this one. */
	if (!pinned_read(pin_fd, now, tlsid_cfg.pinned_max, &v, &n, err, sizeof(err))) {
		free(pin_v);
		pin_v = v;
		pin_n = n;
	}
	if (pinned_put(&pin_v, &pin_n, tlsid_cfg.pinned_max, name, now + tlsid_cfg.pinned_ttl,
		       err, sizeof(err)) ||
	    pinned_write(pin_fd, pin_v, pin_n, err, sizeof(err))) {
		tlsid_count(TLSID_C_pinned_cache_errors);
		tlsid_log_error("%s", err);
	} else {
		tlsid_log_info("pinned application: %s passes through for %us", name,
			       tlsid_cfg.pinned_ttl);
	}
	fstat(pin_fd, &pin_st);
	flock(pin_fd, LOCK_UN);
	pthread_mutex_unlock(&pin_lock);
}

/* ---- the decision ----------------------------------------------------- */

/* The session's policy, read again if its file changed; under dp_lock.
 * NULL when it cannot be had: the session is bypassed, said why. */
static struct dp_entry *policy_locked(struct tlsid_session *s)
{
	const char *name = s->pol.decrypt_policy;
	struct dp_entry *e = entry_get(name);

	if (e)
		refresh(e, tlsid_now());
	if (e && e->ok)
		return e;
	s->passthrough = s->bypassed = true;
	snprintf(s->reason, sizeof(s->reason), "decryption policy `%.64s' unavailable: %.120s",
		 name, e ? e->err : "out of memory");
	return NULL;
}

/* The decision of e's policy for names (the SNI, or the certificate's)
 * into s; under dp_lock. The category database is needed only when the
 * policy's domains do not decide. */
static void decide_locked(struct tlsid_session *s, const struct dp_entry *e, char *const *names,
			  size_t n)
{
	char d_err[DECRYPT_ERR_MAX];
	struct decrypt_decision d;

	decrypt_policy_decide_names(&e->p, NULL, names, n, &d);
	if (d.verdict != DECRYPT_NO_DOMAIN && e->p.ncat) {
		cat_refresh(tlsid_now());
		if (!cat_ok || decrypt_policy_check_categories(&e->p, &cat_db, d_err, sizeof(d_err))) {
			/* Its categories cannot be told: not decrypted, said why. */
			tlsid_count(TLSID_C_decrypt_policy_unavailable);
			s->passthrough = s->bypassed = true;
			snprintf(s->reason, sizeof(s->reason),
				 "decryption policy `%.64s': category database unavailable: %.120s",
				 s->pol.decrypt_policy, cat_ok ? d_err : cat_err);
			return;
		}
		decrypt_policy_decide_names(&e->p, &cat_db, names, n, &d);
	}
	switch (d.verdict) {
	case DECRYPT_NO_DOMAIN:
		s->passthrough = true;
		snprintf(s->decrypt_match, sizeof(s->decrypt_match), "%s", d.domain);
		break;
	case DECRYPT_NO_CATEGORY:
		s->passthrough = true;
		snprintf(s->decrypt_category, sizeof(s->decrypt_category), "%s", d.category);
		snprintf(s->category_match, sizeof(s->category_match), "%s", d.domain);
		break;
	case DECRYPT_YES_OVERRIDE:
		tlsid_count(TLSID_C_decrypted_override);
		snprintf(s->decrypt_override, sizeof(s->decrypt_override), "%s", d.domain);
		snprintf(s->decrypt_category, sizeof(s->decrypt_category), "%s", d.category);
		break;
	case DECRYPT_YES:
		break;
	}
}

void tlsid_decrypt_decide(struct tlsid_session *s)
{
	struct dp_entry *e;

	if ((s->pol.flags & TLSI_SSL_F_BYPASS_PINNED) && s->ch.has_sni && pinned_has(s->ch.sni)) {
		s->passthrough = s->pinned = true;
		snprintf(s->reason, sizeof(s->reason),
			 "pinned application: %.200s is in the pinned-application cache", s->ch.sni);
		return;
	}
	if (!s->pol.decrypt_policy[0])
		return;
	pthread_mutex_lock(&dp_lock);
	e = policy_locked(s);
	if (e && e->p.by_cert) {
		s->decide_by_cert = true;	/* after the server handshake */
	} else if (e && s->ch.has_sni) {
		char *sni = s->ch.sni;

		decide_locked(s, e, &sni, 1);
	}
	pthread_mutex_unlock(&dp_lock);
}

/* The DNS names of cert (its subject alternative names, else its common
 * name), at most max, into v (malloc'ed copies); the count. */
static size_t cert_names(X509 *cert, char **v, size_t max)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t n = 0;
	int i;

	for (i = 0; sans && i < sk_GENERAL_NAME_num(sans) && n < max; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *d;
		int len;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		/* An embedded NUL or an oversized name is no name. */
		if (len <= 0 || len > DECRYPT_DOMAIN_MAX || memchr(d, '\0', (size_t)len))
			continue;
		v[n] = strndup((const char *)d, (size_t)len);
		if (v[n])
			n++;
	}
	GENERAL_NAMES_free(sans);
	if (!n) {
		char cn[DECRYPT_DOMAIN_MAX + 2];
		int len = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
						    sizeof(cn));

		if (len > 0 && len <= DECRYPT_DOMAIN_MAX && (v[0] = strdup(cn)))
			n = 1;
	}
	return n;
}

bool tlsid_decrypt_decide_cert(struct tlsid_session *s, X509 *peer)
{
	char *names[64];
	size_t n = cert_names(peer, names, 64), i;
	struct dp_entry *e;

	pthread_mutex_lock(&dp_lock);
	e = policy_locked(s);
	if (e)
		decide_locked(s, e, names, n);
	pthread_mutex_unlock(&dp_lock);
	for (i = 0; i < n; i++)
		free(names[i]);
	return s->passthrough;
}

void tlsid_passthrough_start(struct tlsid_session *s)
{
	struct tlsi_ssl_report r = {
		.result = TLSI_SSL_RESULT_NOT_DECRYPTED,
		.relay = TLSI_RELAY_KERNEL,
	};

	s->result = TLSID_R_NOT_DECRYPTED;
	/* A bypassed failure keeps its reason (the kernel counts it). */
	if (s->pinned)
		s->kreason = TLSI_SSL_REASON_PINNED;
	else if (!s->bypassed || !s->kreason)
		s->kreason = TLSI_SSL_REASON_DECRYPT_POLICY;
	r.reason = (uint8_t)s->kreason;
	if (!s->reason[0] && s->decide_by_cert && s->decrypt_category[0])
		snprintf(s->reason, sizeof(s->reason),
			 "decryption policy `%.64s': server certificate: category %.40s (%.90s)",
			 s->pol.decrypt_policy, s->decrypt_category, s->category_match);
	else if (!s->reason[0] && s->decide_by_cert)
		snprintf(s->reason, sizeof(s->reason),
			 "decryption policy `%.64s': server certificate: domain %.140s",
			 s->pol.decrypt_policy, s->decrypt_match);
	else if (!s->reason[0] && s->decrypt_category[0])
		snprintf(s->reason, sizeof(s->reason), "decryption policy `%.64s': category %.40s (%.100s)",
			 s->pol.decrypt_policy, s->decrypt_category, s->category_match);
	else if (!s->reason[0])
		snprintf(s->reason, sizeof(s->reason), "decryption policy `%.64s': domain %.160s",
			 s->pol.decrypt_policy, s->decrypt_match);
	if (tlsid_dev_handoff_plain(s->cfd, s->ufd, tlsid_cfg.idle_timeout, &r,
				    s->ch.has_sni ? s->ch.sni : NULL) == 0) {
		if (s->pinned)
			tlsid_count(TLSID_C_not_decrypted_pinned);
		else if (!s->bypassed && s->decrypt_category[0])
			tlsid_count(TLSID_C_not_decrypted_category);
		else if (!s->bypassed)
			tlsid_count(TLSID_C_not_decrypted_policy);
		s->relay = TLSI_RELAY_KERNEL;
		/* tlsi.ko holds its own references: ours just go. */
		close(s->cfd);
		close(s->ufd);
		s->cfd = s->ufd = -1;
		s->state = TLSID_S_DONE;
		return;
	}
	/* Not decrypting is the promise; without the kernel relay nothing
	 * carries the bytes untouched: the session ends, said so. */
	tlsid_count(TLSID_C_handoff_failed);
	snprintf(s->reason + strlen(s->reason), sizeof(s->reason) - strlen(s->reason),
		 "; not decrypted, but the hand-off to tlsi.ko failed: %s", strerror(errno));
	s->kreason = TLSI_SSL_REASON_INTERNAL;
	tlsid_close_reset(s->cfd);
	tlsid_close_reset(s->ufd);
	s->cfd = s->ufd = -1;
	s->state = TLSID_S_DONE;
}

void tlsid_decrypt_free(void)
{
	pthread_mutex_lock(&dp_lock);
	while (dp_cache) {
		struct dp_entry *e = dp_cache;

		dp_cache = e->next;
		decrypt_policy_free(&e->p);
		free(e);
	}
	dp_count = 0;
	category_db_close(&cat_db);
	cat_ok = false;
	cat_checked = -1;
	pthread_mutex_unlock(&dp_lock);
	pthread_mutex_lock(&pin_lock);
	free(pin_v);
	pin_v = NULL;
	pin_n = 0;
	if (pin_fd >= 0)
		close(pin_fd);
	pin_fd = -1;
	pthread_mutex_unlock(&pin_lock);
}
