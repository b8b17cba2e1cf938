/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decryption policies: named lists of domains that SSL client inspection
 * does not decrypt (Documentation/tlsictl.md, "decrypt-policy"). Written
 * by tlsictl, read by tlsid; an SSL client policy names at most one
 * (TLSI_A_DECRYPT_POLICY), and tlsid decides by the ClientHello's SNI.
 *
 * On disk, one file per policy in DIR ($TLSI_DECRYPT_DIR, else
 * /etc/tlsi/decrypt), mode 0644 (tlsid reads it after dropping root):
 *
 *	# tlsi decryption policy
 *	description TEXT
 *	domain NAME			one line per domain, sorted
 *	category NAME			do-not-decrypt categories (category.h)
 *	override NAME			domains decrypted whatever their category
 *	decide-by cert			decide by the server certificate's names
 *
 * Files are written to a temporary name, synced and renamed into place: a
 * refused change leaves the file as it was.
 *
 * Domains: host names in ASCII (IDNA A-labels, "xn--..."), letters, digits
 * and hyphens, labels of 1..63 bytes, at most 253 bytes; case-insensitive
 * (kept in lower case), one trailing dot ignored. "*.company.com" matches
 * every name below company.com at any depth (a.company.com,
 * legal.compliance.company.com), not company.com itself; any other name
 * matches only itself.
 *
 * Functions that can fail return 0, or -1 with a message in err naming the
 * culprit ("domain `*foo.com': ..."). They never print.
 */
#ifndef TLSI_DECRYPT_H
#define TLSI_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define DECRYPT_DEFAULT_DIR	"/etc/tlsi/decrypt"
#define DECRYPT_DOMAINS_MAX	4096	/* exceptions per policy */
#define DECRYPT_DOMAIN_MAX	253	/* bytes of a name, without a trailing dot */
#define DECRYPT_LABEL_MAX	63
#define DECRYPT_NAME_MAX	128	/* bytes of a policy's name (TLSI_SSL_NAME_MAX - 1) */
#define DECRYPT_DESC_MAX	512
#define DECRYPT_ERR_MAX		512
#define DECRYPT_LINE_MAX	1024	/* bytes of one line of a file read */

struct decrypt_policy {
	char name[DECRYPT_NAME_MAX + 1];
	char description[DECRYPT_DESC_MAX + 1];
	size_t n;		/* domains */
	char **domains;		/* normalised, sorted, unique; "*.x" wildcards */
	bool sorted;
	/* Do-not-decrypt categories of the category database (category.h):
	 * lower case, sorted, unique; and the overrides: names decrypted even
	 * when their category is listed (the domain syntax; sorted, unique). */
	size_t ncat;
	char **categories;
	size_t nover;
	char **overrides;
	bool over_sorted;
	/* Decide by the names of the server's certificate (its DNS subject
	 * alternative names, else its common name) instead of the SNI: tlsid
	 * makes the upstream handshake first. */
	bool by_cert;
};

/* Why a server name is or is not decrypted (decrypt_policy_decide). */
enum decrypt_verdict {
	DECRYPT_YES,			/* decrypted */
	DECRYPT_YES_OVERRIDE,		/* decrypted: an override beat its category */
	DECRYPT_NO_DOMAIN,		/* not decrypted: a domain of the policy */
	DECRYPT_NO_CATEGORY,		/* not decrypted: a category of the policy */
};

struct decrypt_decision {
	enum decrypt_verdict verdict;
	const char *domain;		/* the policy's domain, override, or the
					 * category database's listed domain */
	const char *category;		/* the category (NO_CATEGORY, YES_OVERRIDE) */
};

/* $TLSI_DECRYPT_DIR or the default. */
const char *decrypt_dir(void);

/* The default client decryption policy shipped with tlsi (a domain list,
 * data/decrypt/default-policy.txt installed in DATADIR/decrypt): what
 * `import default' reads. $TLSI_DECRYPT_DEFAULT_LIST overrides it. */
#ifndef TLSI_DATADIR
#define TLSI_DATADIR		"/usr/local/share/tlsi"
#endif
#define DECRYPT_DEFAULT_LIST	TLSI_DATADIR "/decrypt/default-policy.txt"
const char *decrypt_default_list(void);

/* A policy name: 1..128 letters, digits, '_', '-' and spaces. */
int decrypt_name_check(const char *name, char *err, size_t len);
/* A description: up to 512 bytes, no control characters. */
int decrypt_desc_check(const char *desc, char *err, size_t len);

/* The canonical form of domain in (out: DECRYPT_DOMAIN_MAX + 1 bytes). */
int decrypt_domain_normalize(const char *in, char *out, char *err, size_t len);

/* Add (normalised; a duplicate is not an error) or remove one domain.
 * Refused beyond DECRYPT_DOMAINS_MAX, or for a domain not there (del). */
int decrypt_policy_add(struct decrypt_policy *p, const char *domain, char *err, size_t len);
int decrypt_policy_del(struct decrypt_policy *p, const char *domain, char *err, size_t len);
/* Sort and drop duplicates (after adds; the lookups need it). */
void decrypt_policy_sort(struct decrypt_policy *p);
void decrypt_policy_free(struct decrypt_policy *p);

/* The entry that name (a server name, any case) matches, or NULL. p must be
 * sorted. A name that is not a valid host name matches nothing. */
const char *decrypt_policy_match(const struct decrypt_policy *p, const char *name);

/* Do-not-decrypt categories and overrides. A category is checked for its
 * syntax here (category_name_normalize); whether the category database has
 * it is the caller's (decrypt_policy_check_categories). At most
 * DECRYPT_CATEGORIES_MAX categories and DECRYPT_DOMAINS_MAX overrides. */
#define DECRYPT_CATEGORIES_MAX	256
int decrypt_policy_add_category(struct decrypt_policy *p, const char *category, char *err,
				size_t len);
int decrypt_policy_del_category(struct decrypt_policy *p, const char *category, char *err,
				size_t len);
int decrypt_policy_add_override(struct decrypt_policy *p, const char *domain, char *err,
				size_t len);
int decrypt_policy_del_override(struct decrypt_policy *p, const char *domain, char *err,
				size_t len);
/* The override that name matches, or NULL. */
const char *decrypt_policy_match_override(const struct decrypt_policy *p, const char *name);

struct category_db;
/* Every category of p is in db (-1 names the first that is not; db NULL:
 * no database loaded). 0 for a policy without categories. */
int decrypt_policy_check_categories(const struct decrypt_policy *p, const struct category_db *db,
				    char *err, size_t len);
/* The decision for server name: the policy's domains first, then (if the
 * policy has categories) its overrides, then the category of the name's
 * nearest listed domain in db. db may be NULL (categories then never
 * match: the caller refuses or bypasses a policy whose database is gone). */
void decrypt_policy_decide(const struct decrypt_policy *p, const struct category_db *db,
			   const char *name, struct decrypt_decision *d);

/* The decision for a server certificate's names (decide-by cert): each
 * name as decrypt_policy_decide() decides a server name, a wildcard name
 * "*.x" as x; the first name not decrypted decides, else the first
 * override that beat a category, else decrypted. */
void decrypt_policy_decide_names(const struct decrypt_policy *p, const struct category_db *db,
				 char *const *names, size_t n, struct decrypt_decision *d);

/* A domain list: one domain a line, blank lines and '#' comments ignored;
 * every domain is added to p. what names the source in messages
 * ("FILE:LINE: domain ..."). Refuses the whole list on the first error. */
int decrypt_list_read(FILE *f, const char *what, struct decrypt_policy *p, char *err,
		      size_t len);
/* One domain a line, sorted. */
int decrypt_list_write(FILE *f, const struct decrypt_policy *p);

/* The policy file DIR/NAME: read (and sorted), written atomically, removed;
 * the names of all policies (sorted; free each and the array). */
int decrypt_policy_load(const char *dir, const char *name, struct decrypt_policy *p,
			char *err, size_t len);
int decrypt_policy_store(const char *dir, const struct decrypt_policy *p, char *err,
			 size_t len);
int decrypt_policy_remove(const char *dir, const char *name, char *err, size_t len);
int decrypt_policy_names(const char *dir, char ***names, size_t *n, char *err, size_t len);
bool decrypt_policy_exists(const char *dir, const char *name);

/*
 * The pinned-application cache: server names whose clients refused a
 * forged certificate (a proxy with `pinned bypass'); their next sessions
 * pass through untouched until the entry expires. tlsid keeps it and
 * writes it to a file ($TLSI_PINNED_CACHE, else /run/tlsi/pinned-cache)
 * that tlsictl shows and changes; both rewrite it in place under flock()
 * (tlsid keeps its descriptor after dropping root), and tlsid reads it
 * again when someone else changed it.
 *
 *	# tlsi pinned-application cache: NAME EXPIRES (seconds since the epoch)
 *	app.example 1765432100
 */
#define PINNED_DEFAULT_FILE	"/run/tlsi/pinned-cache"
#define PINNED_DEFAULT_TTL	(12 * 3600)
#define PINNED_DEFAULT_MAX	1024
#define PINNED_MAX_LIMIT	65536

struct pinned_entry {
	char name[DECRYPT_DOMAIN_MAX + 1];	/* normalised */
	long long expires;			/* time(), seconds */
};

const char *pinned_file(void);
/* Entries of the file at fd not expired at now (at most max: the rest,
 * soonest to expire first, are dropped); *v malloc'ed. Lines that do not
 * parse are refused (-1, err names the line). */
int pinned_read(int fd, long long now, size_t max, struct pinned_entry **v, size_t *n,
		char *err, size_t len);
/* Rewrite the file at fd with v (in place). */
int pinned_write(int fd, const struct pinned_entry *v, size_t n, char *err, size_t len);
/* Add or refresh name (normalised) to expire at expires; when the table
 * holds max, the entry soonest to expire goes. *v grows as needed. */
int pinned_put(struct pinned_entry **v, size_t *n, size_t max, const char *name,
	       long long expires, char *err, size_t len);
/* The index of name in v, or -1. */
ssize_t pinned_find(const struct pinned_entry *v, size_t n, const char *name);

#endif /* TLSI_DECRYPT_H */
