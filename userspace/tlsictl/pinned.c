// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl pinned-cache: tlsid's pinned-application cache (the server names
 * whose clients refused a forged certificate; userspace/lib/decrypt.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decrypt.h"
#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl [-j] pinned-cache show\n"
"       tlsictl pinned-cache add NAME [ttl SECONDS]\n"
"       tlsictl pinned-cache del NAME\n"
"       tlsictl pinned-cache clear\n"
"\n"
"The pinned-application cache: server names whose clients refused the\n"
"forged certificate through an SSL proxy with `pinned bypass' (a pinned\n"
"application). While a name is in it, sessions to it through such a proxy\n"
"pass through untouched (`Decrypted but not inspected' in the SSL log).\n"
"tlsid adds names itself, for 12 hours by default (tlsid --pinned-ttl),\n"
"and holds at most --pinned-max of them (default 1024; the entry closest\n"
"to expiry goes first). The cache is the file $TLSI_PINNED_CACHE (default\n"
PINNED_DEFAULT_FILE "), which tlsid reads again when it changes.\n"
"\n"
"Commands:\n"
"  show    NAME expires TIME ttl SECONDS, one line per entry\n"
"  add     put NAME in the cache (ttl: default 43200 s, 1..31536000)\n"
"  del     take NAME out\n"
"  clear   empty the cache\n"
"\n"
"Exit status: 0 success, 1 error, 2 bad usage.\n";

/* The cache file, locked; -1 with a message. */
static int open_locked(bool create, int lock)
{
	const char *path = pinned_file();
	int fd = open(path, (create ? O_RDWR | O_CREAT : O_RDWR) | O_CLOEXEC, 0644);

	if (fd < 0 && create && errno == ENOENT) {
		/* /run/tlsi may not exist before tlsid made it. */
		char dir[4096], *slash;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0755);
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		}
	}
	if (fd < 0) {
		errmsg("pinned-application cache %s: %s%s", path, strerror(errno),
		       errno == ENOENT ? " (tlsid not started?)" : "");
		return -1;
	}
	if (flock(fd, lock) < 0) {
		errmsg("pinned-application cache %s: lock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Read, change with fn, write back: under the lock. */
static int edit(bool create, int (*fn)(struct pinned_entry **v, size_t *n, void *arg),
		void *arg)
{
	char err[DECRYPT_ERR_MAX];
	struct pinned_entry *v;
	size_t n;
	int fd = open_locked(create, LOCK_EX), rc = EXIT_OK;

	if (fd < 0)
		return EXIT_ERROR;
	if (pinned_read(fd, (long long)time(NULL), 0, &v, &n, err, sizeof(err))) {
		errmsg("%s", err);
		close(fd);
		return EXIT_ERROR;
	}
	rc = fn(&v, &n, arg);
	if (rc == EXIT_OK && pinned_write(fd, v, n, err, sizeof(err))) {
		errmsg("%s", err);
		rc = EXIT_ERROR;
	}
	free(v);
	close(fd);
	return rc;
}

struct add_arg {
	const char *name;
	unsigned ttl;
};

static int do_add(struct pinned_entry **v, size_t *n, void *arg)
{
	const struct add_arg *a = arg;
	char err[DECRYPT_ERR_MAX];

	if (pinned_put(v, n, 0, a->name, (long long)time(NULL) + a->ttl, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int cmd_add(int argc, char **argv)
{
	struct add_arg a = { .ttl = PINNED_DEFAULT_TTL };
	char err[TLSI_ERR_MAX], d[DECRYPT_DOMAIN_MAX + 1], derr[DECRYPT_ERR_MAX];
	unsigned long seen = 0;
	uint32_t ttl;
	int i;

	if (argc < 2)
		usage_error("missing NAME");
	a.name = argv[1];
	if (*a.name == '*' || decrypt_domain_normalize(a.name, d, derr, sizeof(derr)))
		usage_error("%s", *a.name == '*' ? "NAME: a server name, not a wildcard" : derr);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "ttl")) {
			kw_once(&seen, 1, "ttl");
			check(parse_u32("ttl", kw_value(argc, argv, &i), 1, 31536000, &ttl, err,
					sizeof(err)), err);
			a.ttl = ttl;
		} else {
			usage_error("unknown keyword `%s'", argv[i]);
		}
	}
	return edit(true, do_add, &a);
}

static int do_del(struct pinned_entry **v, size_t *n, void *arg)
{
	char d[DECRYPT_DOMAIN_MAX + 1], err[DECRYPT_ERR_MAX];
	ssize_t i;

	if (decrypt_domain_normalize(arg, d, err, sizeof(err)) ||
	    (i = pinned_find(*v, *n, d)) < 0) {
		errmsg("name `%s': not in the pinned-application cache", (const char *)arg);
		return EXIT_ERROR;
	}
	(*v)[i] = (*v)[--*n];
	return EXIT_OK;
}

static int cmd_del(int argc, char **argv)
{
	if (argc != 2)
		usage_error("usage: del NAME");
	return edit(false, do_del, argv[1]);
}

static int do_clear(struct pinned_entry **v, size_t *n, void *arg)
{
	(void)v;
	(void)arg;
	*n = 0;
	return EXIT_OK;
}

static int cmd_clear(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return edit(false, do_clear, NULL);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pinned_entry *)a)->name,
		      ((const struct pinned_entry *)b)->name);
}

static int cmd_show(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX], when[32], ttl[32];
	long long now = (long long)time(NULL);
	struct pinned_entry *v;
	size_t n, i;
	int fd;

	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	fd = open(pinned_file(), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		out_list_begin();	/* no tlsid has made one: empty */
		out_list_end();
		return EXIT_OK;
	}
	if (fd < 0 || flock(fd, LOCK_SH) < 0) {
		errmsg("pinned-application cache %s: %s", pinned_file(), strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_ERROR;
	}
	if (pinned_read(fd, now, 0, &v, &n, err, sizeof(err))) {
		errmsg("%s", err);
		close(fd);
		return EXIT_ERROR;
	}
	close(fd);
	qsort(v, n, sizeof(*v), by_name);
	out_list_begin();
	for (i = 0; i < n; i++) {
		time_t t = (time_t)v[i].expires;
		struct tm tm;

		out_obj_begin();
		out_name("name", v[i].name);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		out_str("expires", when);
		snprintf(ttl, sizeof(ttl), "%lld", v[i].expires - now);
		out_str_or_u64("ttl", ttl, (uint64_t)(v[i].expires - now));
		out_obj_end();
	}
	out_list_end();
	free(v);
	return EXIT_OK;
}

static const struct command cmds[] = {
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ "add", cmd_add, NULL },
	{ "del", cmd_del, NULL },
	{ "clear", cmd_clear, NULL },
	{ NULL, NULL, NULL }
};

int pinned_cache_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
