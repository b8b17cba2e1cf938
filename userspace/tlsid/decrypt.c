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
 * Policies are cached by name and read again when their file changes
 * (checked at most once a second). A policy that cannot be read bypasses
 * its sessions (not decrypted, with the reason): an exception list that is
 * missing must not expose what it protects.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void tlsid_decrypt_decide(struct tlsid_session *s)
{
	const char *name = s->pol.decrypt_policy, *m;
	struct dp_entry *e;

	if (!name[0])
		return;
	pthread_mutex_lock(&dp_lock);
	e = entry_get(name);
	if (e)
		refresh(e, tlsid_now());
	if (!e || !e->ok) {
		s->passthrough = s->bypassed = true;
		snprintf(s->reason, sizeof(s->reason), "decryption policy `%.64s' unavailable: %.120s",
			 name, e ? e->err : "out of memory");
	} else if (s->ch.has_sni && (m = decrypt_policy_match(&e->p, s->ch.sni))) {
		s->passthrough = true;
		snprintf(s->decrypt_match, sizeof(s->decrypt_match), "%s", m);
	}
	pthread_mutex_unlock(&dp_lock);
}

void tlsid_passthrough_start(struct tlsid_session *s)
{
	struct tlsi_ssl_report r = {
		.result = TLSI_SSL_RESULT_NOT_DECRYPTED,
		.reason = TLSI_SSL_REASON_DECRYPT_POLICY,
		.relay = TLSI_RELAY_KERNEL,
	};

	s->result = TLSID_R_NOT_DECRYPTED;
	s->kreason = TLSI_SSL_REASON_DECRYPT_POLICY;
	if (!s->reason[0])
		snprintf(s->reason, sizeof(s->reason), "decryption policy `%.64s': domain %.160s",
			 s->pol.decrypt_policy, s->decrypt_match);
	if (tlsid_dev_handoff_plain(s->cfd, s->ufd, tlsid_cfg.idle_timeout, &r,
				    s->ch.has_sni ? s->ch.sni : NULL) == 0) {
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
	pthread_mutex_unlock(&dp_lock);
}
