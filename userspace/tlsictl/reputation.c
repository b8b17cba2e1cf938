// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl reputation: IP reputation entries.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl reputation add CIDR score SCORE [category CATEGORY]\n"
"       tlsictl reputation del CIDR\n"
"       tlsictl [-j] reputation show|list [ADDRESS]\n"
"       tlsictl reputation flush\n"
"       tlsictl reputation load FILE [replace]\n"
"\n"
"The reputation table scores IPv4 and IPv6 subnets from 0 (harmless) to 100\n"
"(hostile). Profiles block or alert on traffic whose score reaches their\n"
"thresholds. Lookups use the longest matching prefix.\n"
"\n"
"Commands:\n"
"  add    add an entry, or update the entry for the same CIDR\n"
"  del    delete the entry for exactly CIDR\n"
"  show   list every entry; with ADDRESS, only the entry that ADDRESS\n"
"         matches (longest prefix), and exit 1 with \"no entry\" if none;\n"
"         `list' is the same\n"
"  flush  delete every entry\n"
"  load   add every entry of FILE at once: the file is checked whole\n"
"         first, then sent in batches that take effect together at the\n"
"         end, or not at all if anything fails. With `replace', the\n"
"         table is replaced by the file's entries instead.\n"
"\n"
"Arguments:\n"
"  CIDR               IPv4 or IPv6 subnet, e.g. 203.0.113.0/24 or\n"
"                     2001:db8:bad::/48 (host bits must be\n"
"                     zero); a plain address means /32\n"
"  score SCORE        0..100\n"
"  category CATEGORY  1..31 characters of letters, digits, `_', `-', `.'\n"
"  ADDRESS            an IPv4 or IPv6 address\n"
"  FILE               a file (or `-' for standard input) with one entry a\n"
"                     line: `CIDR SCORE [CATEGORY]', fields separated by\n"
"                     blanks; `#' starts a comment; blank lines are skipped.\n"
"                     The first bad line is reported as FILE:LINE and\n"
"                     nothing is loaded (exit 2).\n"
"\n"
"Output (one line per entry; with -j a JSON array):\n"
"  CIDR score N [category C] hits N\n"
"\n"
"Examples:\n"
"  tlsictl reputation add 203.0.113.0/24 score 90 category botnet\n"
"  tlsictl reputation show 203.0.113.7\n"
"  tlsictl reputation load /etc/tlsi/reputation.txt replace\n"
"\n"
"  # reputation.txt\n"
"  198.51.100.0/24  80  scanner\n"
"  203.0.113.5      100 c2     # a single host\n";

static void fill_entry(struct nlmsghdr *nlh, const void *arg)
{
	const struct tlsi_rep_entry *e = arg;

	tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &e->cidr);
	mnl_attr_put_u8(nlh, TLSI_A_SCORE, e->score);
	if (e->category[0])
		mnl_attr_put_strz(nlh, TLSI_A_CATEGORY, e->category);
}

static int cmd_add(int argc, char **argv)
{
	struct tlsi_rep_entry e = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	if (argc < 2)
		usage_error("missing CIDR");
	check(parse_cidr("cidr", argv[1], &e.cidr, err, sizeof(err)), err);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "score")) {
			kw_once(&seen, 1 << 0, k);
			check(parse_score(k, kw_value(argc, argv, &i), &e.score, err,
					  sizeof(err)), err);
		} else if (!strcmp(k, "category")) {
			kw_once(&seen, 1 << 1, k);
			v = kw_value(argc, argv, &i);
			check(parse_category(k, v, err, sizeof(err)), err);
			strcpy(e.category, v);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!(seen & 1))
		usage_error("missing `score SCORE'");
	return ctl_simple(TLSI_CMD_REP_NEW, fill_entry, &e);
}

static void fill_src(struct nlmsghdr *nlh, const void *arg)
{
	tlsi_nl_put_cidr(nlh, TLSI_A_SRC, arg);
}

static int cmd_del(int argc, char **argv)
{
	char err[TLSI_ERR_MAX];
	struct tlsi_cidr c;

	if (argc < 2)
		usage_error("missing CIDR");
	check(parse_cidr("cidr", argv[1], &c, err, sizeof(err)), err);
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	return ctl_simple(TLSI_CMD_REP_DEL, fill_src, &c);
}

static int cmd_flush(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_simple(TLSI_CMD_REP_FLUSH, NULL, NULL);
}

static void print_rep(const struct nlattr **tb)
{
	char buf[TLSI_CIDR_STR_MAX];
	struct tlsi_cidr c;

	out_obj_begin();
	if (tb[TLSI_A_SRC]) {
		if (tlsi_nl_get_cidr(tb[TLSI_A_SRC], &c) == 0)
			out_name("cidr", format_cidr(&c, buf));
		else
			out_name("cidr", "?");
	}
	if (tb[TLSI_A_SCORE])
		out_u64("score", mnl_attr_get_u8(tb[TLSI_A_SCORE]));
	if (tb[TLSI_A_CATEGORY] && *mnl_attr_get_str(tb[TLSI_A_CATEGORY]))
		out_str("category", mnl_attr_get_str(tb[TLSI_A_CATEGORY]));
	if (tb[TLSI_A_HITS])
		out_stat("hits", mnl_attr_get_u64(tb[TLSI_A_HITS]));
	out_obj_end();
}

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	bool *found = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[TLSI_A_SRC])
		return MNL_CB_OK;
	if (!*found)
		out_list_begin();
	*found = true;
	print_rep(tb);
	return MNL_CB_OK;
}

/* tlsictl save: every entry as `reputation add'. */
int reputation_save(void)
{
	int rc;

	out_save_begin("reputation add");
	rc = ctl_dump(TLSI_CMD_REP_GET, print_rep);
	out_save_end();
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	char buf[TLSI_NL_MSGBUF], err[TLSI_ERR_MAX], addr[TLSI_ADDR_STR_MAX];
	struct tlsi_cidr host;
	struct tlsi_nl nl;
	struct nlmsghdr *nlh;
	bool found = false;
	int rc;

	if (argc < 2)
		return ctl_dump(TLSI_CMD_REP_GET, print_rep);
	check(parse_host("address", argv[1], &host, err, sizeof(err)), err);
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	format_addr(&host, addr);

	ctl_open(&nl);
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_REP_GET, 0);
	tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &host);
	if (tlsi_nl_request(&nl, nlh, lookup_cb, &found) < 0) {
		if (nl.kernel_error && nl.error == ENOENT) {
			errmsg("no entry for %s", addr);
			rc = EXIT_ERROR;
		} else {
			rc = ctl_report(&nl);
		}
	} else if (!found) {
		errmsg("no entry for %s", addr);
		rc = EXIT_ERROR;
	} else {
		rc = EXIT_OK;
	}
	if (found)
		out_list_end();
	tlsi_nl_close(&nl);
	return rc;
}

/* ---- load ------------------------------------------------------------ */

/* Encoded size of one TLSI_A_REP_ENTRY nest. */
static size_t entry_size(const struct tlsi_rep_entry *e)
{
	/* The cidr nest: family and prefix length (u8 each), the address. */
	size_t alen = e->cidr.family == AF_INET6 ? 16 : 4;
	size_t cidr = MNL_ATTR_HDRLEN + 2 * MNL_ALIGN(MNL_ATTR_HDRLEN + 1) +
		      MNL_ALIGN(MNL_ATTR_HDRLEN + alen);
	size_t sz = MNL_ATTR_HDRLEN + cidr + MNL_ALIGN(MNL_ATTR_HDRLEN + 1);

	if (e->category[0])
		sz += MNL_ALIGN(MNL_ATTR_HDRLEN + strlen(e->category) + 1);
	return sz;
}

struct rep_file {
	struct tlsi_rep_entry *v;
	size_t n, cap;
};

/* Parse the whole file; on a bad line print FILE:LINE and exit 2. */
static int read_file(const char *path, struct rep_file *rf)
{
	char err[TLSI_ERR_MAX];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned long lineno = 0;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;

	if (!f) {
		errmsg("cannot open `%s': %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		struct tlsi_rep_entry e;
		int r;

		lineno++;
		r = parse_rep_line(line, (size_t)len, &e, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "%s:%lu: %s\n", path, lineno, err);
			goto bad_file;
		}
		if (!r)
			continue;
		if (rf->n == TLSI_REP_MAX) {
			fprintf(stderr, "%s:%lu: too many entries (the table holds at most %d)\n",
				path, lineno, TLSI_REP_MAX);
			goto bad_file;
		}
		if (rf->n == rf->cap) {
			size_t cap = rf->cap ? rf->cap * 2 : 4096;
			struct tlsi_rep_entry *v = realloc(rf->v, cap * sizeof(*v));

			if (!v) {
				errmsg("out of memory");
				free(line);
				if (f != stdin)
					fclose(f);
				cmd_exit(EXIT_ERROR);
			}
			rf->v = v;
			rf->cap = cap;
		}
		rf->v[rf->n++] = e;
	}
	if (ferror(f)) {
		errmsg("reading `%s': %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return EXIT_OK;
bad_file:
	/* a usage error, as if on the command line (cmd_exit: -f's line) */
	free(line);
	if (f != stdin)
		fclose(f);
	cmd_exit(EXIT_USAGE);
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static uint32_t new_batch_id(void)
{
	uint32_t id = 0;

	while (!id) {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	}
	return id;
}

static void send_abort(struct tlsi_nl *nl, uint32_t batch)
{
	char buf[TLSI_NL_MSGBUF];
	struct nlmsghdr *nlh = tlsi_nl_msg(nl, buf, TLSI_CMD_REP_ABORT, 0);

	mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
	tlsi_nl_request(nl, nlh, NULL, NULL);	/* best effort */
}

/* Send entries [*next, n) as one REP_LOAD, as many as fit. */
static int send_chunk(struct tlsi_nl *nl, char *buf, uint32_t batch,
		      const struct rep_file *rf, size_t *next)
{
	struct nlmsghdr *nlh = tlsi_nl_msg(nl, buf, TLSI_CMD_REP_LOAD, 0);
	struct nlattr *entries, *ent;
	size_t nest_len = MNL_ATTR_HDRLEN, count = 0;

	mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
	entries = mnl_attr_nest_start(nlh, TLSI_A_REP_ENTRIES);
	while (*next < rf->n && count < TLSI_REP_CHUNK_MAX) {
		const struct tlsi_rep_entry *e = &rf->v[*next];
		size_t sz = entry_size(e);

		if (nest_len + sz > TLSI_NLA_MAX_LEN)
			break;
		ent = mnl_attr_nest_start(nlh, TLSI_A_REP_ENTRY);
		fill_entry(nlh, e);
		mnl_attr_nest_end(nlh, ent);
		nest_len += sz;
		count++;
		(*next)++;
	}
	mnl_attr_nest_end(nlh, entries);
	if (entries->nla_len != nest_len) {
		errmsg("internal error: entry size %u != %zu", entries->nla_len, nest_len);
		return EXIT_ERROR;
	}
	return ctl_request(nl, nlh, NULL, NULL);
}

/* The REP_COMMIT reply: the table's size afterwards. */
static int commit_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	long long *count = data;

	if (tlsi_nl_parse(nlh, tb) == 0 && tb[TLSI_A_COUNT])
		*count = mnl_attr_get_u32(tb[TLSI_A_COUNT]);
	return MNL_CB_OK;
}

static int cmd_load(int argc, char **argv)
{
	long long table = -1;
	struct rep_file rf = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct tlsi_nl nl;
	struct nlmsghdr *nlh;
	const char *path;
	bool replace = false;
	uint32_t batch;
	size_t next = 0;
	char *buf;
	int rc, i;

	if (argc < 2)
		usage_error("missing FILE");
	path = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "replace") && !replace)
			replace = true;
		else if (!strcmp(argv[i], "replace"))
			usage_error("keyword `replace' given twice");
		else
			usage_error("unknown keyword `%s'", argv[i]);
	}
	rc = read_file(path, &rf);
	if (rc)
		return rc;

	/* Message: headers, BATCH and one REP_ENTRIES nest (<= 64 KiB). */
	buf = malloc(2 * TLSI_NLA_MAX_LEN);
	if (!buf) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	ctl_open(&nl);
	if (!rf.n) {
		/* Nothing staged: replacing with nothing is a flush. */
		if (replace) {
			nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_REP_FLUSH, 0);
			rc = ctl_request(&nl, nlh, NULL, NULL);
		}
		goto out;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	batch = new_batch_id();
	while (next < rf.n && !rc && !interrupted)
		rc = send_chunk(&nl, buf, batch, &rf, &next);
	if (!rc && interrupted) {
		errmsg("interrupted; nothing loaded");
		rc = EXIT_ERROR;
	}
	if (rc) {
		send_abort(&nl, batch);
		goto out;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_REP_COMMIT, 0);
	mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
	if (replace)
		mnl_attr_put_u32(nlh, TLSI_A_FLAGS, TLSI_REP_F_REPLACE);
	rc = ctl_request(&nl, nlh, commit_cb, &table);
	if (rc)
		send_abort(&nl, batch);
out:
	if (!rc && table >= 0)
		printf("loaded %zu entries (the table now holds %lld)\n", rf.n, table);
	else if (!rc)
		printf("loaded %zu entries\n", rf.n);
	tlsi_nl_close(&nl);
	free(buf);
	free(rf.v);
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "del", cmd_del, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ "flush", cmd_flush, NULL },
	{ "load", cmd_load, NULL },
	{ NULL, NULL, NULL }
};

int reputation_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
