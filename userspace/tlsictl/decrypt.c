// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl decrypt-policy: named lists of domains SSL client inspection does
 * not decrypt. The policies are files tlsid reads (userspace/lib/decrypt.h);
 * an SSL client policy names one (`tlsictl ssl-policy ... decrypt-policy').
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "category.h"
#include "conffile.h"
#include "decrypt.h"
#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl decrypt-policy add NAME [description TEXT] [domain DOMAIN]...\n"
"                                  [import FILE|default] [category LIST]...\n"
"                                  [override LIST]... [decide-by sni|cert]\n"
"       tlsictl decrypt-policy set NAME [description TEXT] [domain DOMAIN]...\n"
"                                  [del-domain DOMAIN]... [import FILE|default]\n"
"                                  [category LIST]... [del-category LIST]...\n"
"                                  [override LIST]... [del-override LIST]...\n"
"                                  [decide-by sni|cert]\n"
"                                  [flush]\n"
"       tlsictl decrypt-policy define NAME [the keywords of add]\n"
"       tlsictl decrypt-policy del NAME\n"
"       tlsictl decrypt-policy export NAME [out FILE]\n"
"       tlsictl decrypt-policy match NAME SERVER-NAME\n"
"       tlsictl [-j] decrypt-policy show|list [NAME]\n"
"\n"
"A decryption policy lists the domains that SSL client inspection does not\n"
"decrypt (banks, health sites, update services, pinned applications). An\n"
"SSL client policy names at most one (`tlsictl ssl-policy set P profile PR\n"
"decrypt-policy NAME'); tlsid reads the server name (SNI) of each\n"
"ClientHello, and a session to a listed domain passes untouched: the client\n"
"completes its handshake with the real server and sees its certificate.\n"
"Policies are files in $TLSI_DECRYPT_DIR (default " DECRYPT_DEFAULT_DIR "),\n"
"which tlsid reads when they change.\n"
"\n"
"Commands:\n"
"  add     create a policy\n"
"  set     change one: `domain' adds, `del-domain' removes, `import' adds a\n"
"          file's domains, `flush' empties the domains, categories and\n"
"          overrides first (`set P flush import default': the shipped list\n"
"          again, after an update)\n"
"  define  create NAME, or replace all of it, with exactly what is given\n"
"          (the form `tlsictl save' prints)\n"
"  del     delete one; refused while an SSL client policy names it\n"
"  export  the domains, one a line (the format `import' reads)\n"
"  match   whether a server name is decrypted, and the domain, category or\n"
"          override that decided it\n"
"  show    one line per policy, or the one named with its domains\n"
"\n"
"Arguments:\n"
"  NAME               1..128 letters, digits, `_', `-' and spaces (quote it)\n"
"  description TEXT   up to 512 bytes, no control characters\n"
"  domain LIST        a host name (or several, comma-separated) (case-insensitive; international names as\n"
"                     IDNA A-labels, `xn--...'), or `*.DOMAIN': every name\n"
"                     below DOMAIN at any depth, not DOMAIN itself; repeat.\n"
"                     At most 4096 domains per policy\n"
"  import FILE        one domain a line, `#' comments; `-' is standard input;\n"
"                     `default': the list shipped with tlsi of services that\n"
"                     break under interception (" DECRYPT_DEFAULT_LIST ",\n"
"                     or $TLSI_DECRYPT_DEFAULT_LIST)\n"
"  category LIST      do-not-decrypt categories of the category database\n"
"                     (`tlsictl category'), comma-separated; a name whose\n"
"                     nearest listed domain is in one is not decrypted.\n"
"                     A category the database lacks is refused\n"
"  override LIST      domains (as `domain') decrypted even when their\n"
"                     category is listed, comma-separated\n"
"  decide-by sni|cert what is compared: the ClientHello's server name\n"
"                     (default), or the names of the server's certificate\n"
"                     (DNS subject alternative names, else the common name;\n"
"                     `*.x' is decided as x): tlsid makes the server\n"
"                     handshake first, and for a session it does not\n"
"                     decrypt connects again and passes it through\n"
"  out FILE           export: write to FILE, not standard output\n"
"\n"
"A refused change (a bad domain names the domain and the line) changes\n"
"nothing.\n"
"\n"
"Exit status: 0 success (match: not decrypted), 1 error or decrypted,\n"
"2 bad usage.\n"
"\n"
"Examples:\n"
"  tlsictl decrypt-policy add banks description \"Never decrypted\" \\\n"
"          domain '*.bank.example' domain login.example.com\n"
"  tlsictl decrypt-policy set banks import banks.txt\n"
"  tlsictl ssl-policy set outbound profile p1 decrypt-policy banks\n"
"  tlsictl decrypt-policy match banks www.bank.example\n"
"  tlsictl decrypt-policy add private category finance,health \\\n"
"          override '*.broker.example'\n"
"  tlsictl decrypt-policy add default import default\n";

static int dp_fail(const char *msg)
{
	errmsg("%s", msg);
	return EXIT_ERROR;
}

static const char *dp_name(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];

	if (argc < 2)
		usage_error("missing NAME");
	check(decrypt_name_check(argv[1], err, sizeof(err)), err);
	return argv[1];
}

/* import FILE into p (all or nothing: p is a scratch copy). */
static int import_file(struct decrypt_policy *p, const char *file, char *err, size_t len)
{
	FILE *f;
	int rc;

	if (!strcmp(file, "default"))
		file = decrypt_default_list();
	f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		snprintf(err, len, "import `%s': %s", file, strerror(errno));
		return -1;
	}
	rc = decrypt_list_read(f, strcmp(file, "-") ? file : "standard input", p, err, len);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Each comma-separated item of list through fn. */
static int each_item(struct decrypt_policy *p, const char *list,
		     int (*fn)(struct decrypt_policy *, const char *, char *, size_t),
		     char *err, size_t len)
{
	char *buf, *item, *save = NULL;
	int rc = 0;

	if (!*list || list[strlen(list) - 1] == ',' || *list == ',' || strstr(list, ",,")) {
		snprintf(err, len, "list `%.60s': an empty item", list);
		return -1;
	}
	buf = strdup(list);
	if (!buf) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (item = strtok_r(buf, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save))
		rc = fn(p, item, err, len);
	free(buf);
	return rc;
}

/* The categories of p against the category database (when it has any). */
static int categories_check(const struct decrypt_policy *p, char *err, size_t len)
{
	char path[4200], e[DECRYPT_ERR_MAX];
	struct category_db db;
	int rc;

	if (!p->ncat)
		return 0;
	if (category_db_open(category_db_path(path, sizeof(path), decrypt_dir()), &db, e,
			     sizeof(e)))
		return decrypt_policy_check_categories(p, NULL, err, len);
	rc = decrypt_policy_check_categories(p, &db, err, len);
	category_db_close(&db);
	return rc;
}

/* add and set: apply the keywords to p; -1 with err (nothing stored). */
static int apply(int argc, char **argv, struct decrypt_policy *p, bool set, char *err,
		 size_t len)
{
	unsigned long seen = 0;
	int i;

	/* flush first, wherever it is written: it empties the old list. */
	for (i = 2; i < argc; i++)
		if (set && !strcmp(argv[i], "flush"))
			decrypt_policy_free(p);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "description")) {
			kw_once(&seen, 1, k);
			v = kw_value(argc, argv, &i);
			if (decrypt_desc_check(v, err, len))
				return -1;
			snprintf(p->description, sizeof(p->description), "%s", v);
		} else if (!strcmp(k, "domain")) {
			if (each_item(p, kw_value(argc, argv, &i), decrypt_policy_add, err, len))
				return -1;
		} else if (set && !strcmp(k, "del-domain")) {
			if (decrypt_policy_del(p, kw_value(argc, argv, &i), err, len))
				return -1;
		} else if (!strcmp(k, "import")) {
			if (import_file(p, kw_value(argc, argv, &i), err, len))
				return -1;
		} else if (!strcmp(k, "category")) {
			if (each_item(p, kw_value(argc, argv, &i), decrypt_policy_add_category, err, len))
				return -1;
		} else if (set && !strcmp(k, "del-category")) {
			if (each_item(p, kw_value(argc, argv, &i), decrypt_policy_del_category, err, len))
				return -1;
		} else if (!strcmp(k, "override")) {
			if (each_item(p, kw_value(argc, argv, &i), decrypt_policy_add_override, err, len))
				return -1;
		} else if (set && !strcmp(k, "del-override")) {
			if (each_item(p, kw_value(argc, argv, &i), decrypt_policy_del_override, err, len))
				return -1;
		} else if (!strcmp(k, "decide-by")) {
			kw_once(&seen, 4, k);
			v = kw_value(argc, argv, &i);
			if (strcmp(v, "sni") && strcmp(v, "cert"))
				usage_error("decide-by `%s': sni or cert", v);
			p->by_cert = !strcmp(v, "cert");
		} else if (set && !strcmp(k, "flush")) {
			kw_once(&seen, 2, k);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	decrypt_policy_sort(p);
	return categories_check(p, err, len);
}

static int cmd_add(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];
	const char *name = dp_name(argc, argv);
	struct decrypt_policy p = { 0 };
	int rc = EXIT_OK;

	snprintf(p.name, sizeof(p.name), "%s", name);
	if (decrypt_policy_exists(decrypt_dir(), name)) {
		snprintf(err, sizeof(err), "decryption policy `%s' already exists", name);
		return dp_fail(err);
	}
	if (apply(argc, argv, &p, false, err, sizeof(err)) ||
	    decrypt_policy_store(decrypt_dir(), &p, err, sizeof(err)))
		rc = dp_fail(err);
	decrypt_policy_free(&p);
	return rc;
}

/* Create NAME or replace all of it (configuration files: tlsictl save). */
static int cmd_define(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];
	const char *name = dp_name(argc, argv);
	struct decrypt_policy p = { 0 };
	int rc = EXIT_OK;

	snprintf(p.name, sizeof(p.name), "%s", name);
	if (apply(argc, argv, &p, false, err, sizeof(err)) ||
	    decrypt_policy_store(decrypt_dir(), &p, err, sizeof(err)))
		rc = dp_fail(err);
	decrypt_policy_free(&p);
	return rc;
}

static int cmd_set(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];
	const char *name = dp_name(argc, argv);
	struct decrypt_policy p;
	int rc = EXIT_OK;

	if (argc < 3)
		usage_error("nothing to set");
	if (decrypt_policy_load(decrypt_dir(), name, &p, err, sizeof(err)))
		return dp_fail(err);
	if (apply(argc, argv, &p, true, err, sizeof(err)) ||
	    decrypt_policy_store(decrypt_dir(), &p, err, sizeof(err)))
		rc = dp_fail(err);
	decrypt_policy_free(&p);
	return rc;
}

/* The SSL client policies that name a decryption policy (a dump). */
struct users {
	const char *name;
	char first[256];
	unsigned n;
};

static int users_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1] = { 0 };
	struct users *u = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (tb[TLSI_A_DECRYPT_POLICY] &&
	    !strcmp(mnl_attr_get_str(tb[TLSI_A_DECRYPT_POLICY]), u->name)) {
		if (!u->n++)
			snprintf(u->first, sizeof(u->first), "\"%s\" of profile \"%s\"",
				 tb[TLSI_A_NAME] ? mnl_attr_get_str(tb[TLSI_A_NAME]) : "?",
				 tb[TLSI_A_PROFILE] ? mnl_attr_get_str(tb[TLSI_A_PROFILE]) : "?");
	}
	return MNL_CB_OK;
}

static int cmd_del(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX], buf[TLSI_NL_MSGBUF];
	const char *name = dp_name(argc, argv);
	struct users u = { .name = name };
	struct tlsi_nl nl;
	struct nlmsghdr *nlh;

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	if (!decrypt_policy_exists(decrypt_dir(), name)) {
		snprintf(err, sizeof(err), "decryption policy `%s': no such policy", name);
		return dp_fail(err);
	}
	/* Refused while in use: tlsid would bypass those sessions. Without
	 * the module loaded there is no user to ask about (and none to hurt). */
	if (!tlsi_nl_open(&nl, err, sizeof(err))) {
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_SSL_POLICY_GET, NLM_F_DUMP);
		if (ctl_request(&nl, nlh, users_cb, &u) != EXIT_OK) {
			tlsi_nl_close(&nl);
			return EXIT_ERROR;
		}
		tlsi_nl_close(&nl);
		if (u.n) {
			snprintf(err, sizeof(err), "decryption policy `%s' is used by SSL policy %s%s",
				 name, u.first, u.n > 1 ? " and others" : "");
			return dp_fail(err);
		}
	}
	if (decrypt_policy_remove(decrypt_dir(), name, err, sizeof(err)))
		return dp_fail(err);
	return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX];
	const char *name = dp_name(argc, argv), *out = NULL;
	struct decrypt_policy p;
	FILE *f = stdout;
	int rc = EXIT_OK, i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "out") && !out)
			out = kw_value(argc, argv, &i);
		else
			usage_error("unknown keyword `%s'", argv[i]);
	}
	if (decrypt_policy_load(decrypt_dir(), name, &p, err, sizeof(err)))
		return dp_fail(err);
	if (out && !(f = fopen(out, "we"))) {
		snprintf(err, sizeof(err), "out `%s': %s", out, strerror(errno));
		decrypt_policy_free(&p);
		return dp_fail(err);
	}
	if (decrypt_list_write(f, &p) || fflush(f) || ferror(f)) {
		snprintf(err, sizeof(err), "out `%s': %s", out ? out : "-", strerror(errno));
		rc = dp_fail(err);
	}
	if (out && fclose(f) && rc == EXIT_OK) {
		snprintf(err, sizeof(err), "out `%s': %s", out, strerror(errno));
		rc = dp_fail(err);
	}
	decrypt_policy_free(&p);
	return rc;
}

static int cmd_match(int argc, char **argv)
{
	static const char *const verdicts[] = {
		[DECRYPT_YES] = "decrypted",
		[DECRYPT_YES_OVERRIDE] = "decrypted (override)",
		[DECRYPT_NO_DOMAIN] = "not decrypted (domain)",
		[DECRYPT_NO_CATEGORY] = "not decrypted (category)",
	};
	char err[DECRYPT_ERR_MAX], path[4200];
	const char *name = dp_name(argc, argv);
	struct decrypt_decision d;
	struct decrypt_policy p;
	struct category_db db = { 0 };
	bool have_db = false;

	if (argc != 3)
		usage_error("usage: match NAME SERVER-NAME");
	if (decrypt_policy_load(decrypt_dir(), name, &p, err, sizeof(err)))
		return dp_fail(err);
	if (p.ncat) {
		if (category_db_open(category_db_path(path, sizeof(path), decrypt_dir()), &db, err,
				     sizeof(err))) {
			decrypt_policy_free(&p);
			return dp_fail(err);
		}
		have_db = true;
	}
	decrypt_policy_decide(&p, have_db ? &db : NULL, argv[2], &d);
	out_list_begin();
	out_obj_begin();
	out_name("name", argv[2]);
	out_str("decrypt-policy", name);
	out_str("matched", d.verdict == DECRYPT_NO_DOMAIN ? d.domain : "none");
	if (d.category) {
		out_str("category", d.category);
		out_str(d.verdict == DECRYPT_YES_OVERRIDE ? "override" : "listed", d.domain);
	}
	out_str("verdict", verdicts[d.verdict]);
	out_obj_end();
	out_list_end();
	if (have_db)
		category_db_close(&db);
	decrypt_policy_free(&p);
	return d.verdict == DECRYPT_NO_DOMAIN || d.verdict == DECRYPT_NO_CATEGORY ? EXIT_OK
										 : EXIT_ERROR;
}

static void print_one(const struct decrypt_policy *p, bool domains)
{
	char count[32];

	out_obj_begin();
	out_name("name", p->name);
	snprintf(count, sizeof(count), "%zu", p->n);
	out_str_or_u64("count", count, p->n);
	if (p->description[0])
		out_str("description", p->description);
	if (p->ncat)
		out_str_list("category", "categories", p->categories, p->ncat);
	if (p->by_cert)
		out_str("decide-by", "cert");
	if (domains) {
		out_str_list("domain", "domains", p->domains, p->n);
		out_str_list("override", "overrides", p->overrides, p->nover);
	}
	out_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	char err[DECRYPT_ERR_MAX], **names;
	struct decrypt_policy p;
	size_t n, i;
	int rc = EXIT_OK;

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	if (argc == 2) {
		if (decrypt_policy_load(decrypt_dir(), dp_name(argc, argv), &p, err, sizeof(err)))
			return dp_fail(err);
		out_list_begin();
		print_one(&p, true);
		out_list_end();
		decrypt_policy_free(&p);
		return EXIT_OK;
	}
	if (decrypt_policy_names(decrypt_dir(), &names, &n, err, sizeof(err)))
		return dp_fail(err);
	out_list_begin();
	for (i = 0; i < n; i++) {
		if (decrypt_policy_load(decrypt_dir(), names[i], &p, err, sizeof(err))) {
			errmsg("%s", err);
			rc = EXIT_ERROR;
		} else {
			print_one(&p, false);
			decrypt_policy_free(&p);
		}
		free(names[i]);
	}
	out_list_end();
	free(names);
	return rc;
}

/* A comma-separated list of v, or NULL (out of memory). */
static char *joined(char *const *v, size_t n)
{
	size_t len = 1, i;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", v[i]);
	return s;
}

/* tlsictl save: `decrypt-policy define NAME ...' per policy; one too large
 * for a configuration line (conffile.h) is a comment, its file kept. */
int decrypt_policy_save(void)
{
	char err[DECRYPT_ERR_MAX], **names;
	size_t n, i;
	int rc = EXIT_OK;

	if (decrypt_policy_names(decrypt_dir(), &names, &n, err, sizeof(err)))
		return dp_fail(err);
	for (i = 0; i < n; i++) {
		struct decrypt_policy p;
		char *d = NULL, *c = NULL, *o = NULL;

		if (decrypt_policy_load(decrypt_dir(), names[i], &p, err, sizeof(err))) {
			errmsg("%s", err);
			rc = EXIT_ERROR;
			free(names[i]);
			continue;
		}
		d = joined(p.domains, p.n);
		c = joined(p.categories, p.ncat);
		o = joined(p.overrides, p.nover);
		if (!d || !c || !o) {
			errmsg("out of memory");
			rc = EXIT_ERROR;
		} else if (strlen(d) + strlen(c) + strlen(o) + strlen(p.description) + 1024 >
			   CONF_LINE_MAX) {
			printf("# decrypt-policy %s: %zu domains, too many for one line: its file "
			       "%s/%s stays as it is\n", p.name, p.n, decrypt_dir(), p.name);
		} else {
			out_save_begin("decrypt-policy define");
			out_obj_begin();
			out_name("name", p.name);
			if (p.description[0])
				out_str("description", p.description);
			if (p.n)
				out_str("domain", d);
			if (p.ncat)
				out_str("category", c);
			if (p.nover)
				out_str("override", o);
			if (p.by_cert)
				out_str("decide-by", "cert");
			out_obj_end();
			out_save_end();
		}
		free(d);
		free(c);
		free(o);
		decrypt_policy_free(&p);
		free(names[i]);
	}
	free(names);
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "set", cmd_set, NULL },
	{ "define", cmd_define, NULL },
	{ "del", cmd_del, NULL },
	{ "export", cmd_export, NULL },
	{ "match", cmd_match, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int decrypt_policy_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
