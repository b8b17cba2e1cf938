// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl truststore: which CA certificates SSL client inspection trusts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

static const char help[] =
"Usage: tlsictl truststore [--repo DIR] add NAME [description TEXT]\n"
"                              [default-ca on|off] [ca CA]...\n"
"       tlsictl truststore set NAME [description TEXT] [default-ca on|off]\n"
"                              [ca CA]... [del-ca CA]...\n"
"       tlsictl truststore del NAME\n"
"       tlsictl truststore export NAME [out FILE]\n"
"       tlsictl [-j] truststore show|list [NAME]\n"
"\n"
"A trust store decides which upstream servers SSL client inspection trusts:\n"
"a server whose certificate chain reaches one of its CA certificates is\n"
"trusted, and the client is shown a certificate from the trusted signing\n"
"certificate; any other server gets one the client will warn about. A trust\n"
"store holds the default CA package (the system bundle, see `tlsictl cert\n"
"option default-ca'), CA certificates of the repository (`tlsictl cert\n"
"import-ca'), or both; the individual certificates of the package cannot be\n"
"picked. Each SSL client policy uses one trust store. Trust stores live in\n"
"the certificate repository (--repo DIR, $TLSI_CERT_REPO, /etc/tlsi/certs).\n"
"\n"
"Commands:\n"
"  add     create a trust store\n"
"  set     change one: `ca' adds CA certificates, `del-ca' removes them\n"
"  del     delete one; refused while an SSL policy of the kernel names\n"
"          it (`trust-store NAME')\n"
"  export  write every certificate it trusts as one PEM bundle\n"
"  show    one line per trust store, or the one named; `list' is the same\n"
"\n"
"Arguments:\n"
"  NAME               1..64 letters, digits, `_', `-' and spaces (quote it)\n"
"  description TEXT   up to 512 bytes, no control characters\n"
"  default-ca on|off  include the default CA package (add: on)\n"
"  ca CA              a CA certificate of the repository, by name; repeat\n"
"                     for several. While a trust store lists it, the CA\n"
"                     certificate cannot be deleted (`tlsictl cert del')\n"
"  del-ca CA          set: remove CA from the trust store; repeat\n"
"  out FILE           export: write to FILE, not standard output\n"
"\n"
"Output (show, list), one line per trust store:\n"
"  NAME default-ca on|off [description TEXT] [ca CA]... [ref REFERRER]...\n"
"With -j, an array of objects with `cas' and `refs' arrays.\n"
"\n"
"Exit status: 0 success, 1 error (refused, I/O), 2 bad usage.\n"
"\n"
"Examples:\n"
"  tlsictl cert import-ca \"Corp Root\" file corp-root.pem\n"
"  tlsictl truststore add office description \"Office clients\" ca \"Corp Root\"\n"
"  tlsictl truststore set office default-ca off\n"
"  tlsictl truststore export office out office-bundle.pem\n"
"  tlsictl -j truststore show office\n";

static const char *ts_name(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];

	if (argc < 2)
		usage_error("missing NAME");
	check(certrepo_check_truststore_name("name", argv[1], err, sizeof(err)), err);
	return argv[1];
}

static int on_off(const char *kw, const char *v)
{
	if (!strcmp(v, "on"))
		return 1;
	if (!strcmp(v, "off"))
		return 0;
	usage_error("%s `%s': must be on or off", kw, v);
}

/* add and set: description, default-ca, ca, del-ca (set only). */
static void parse_spec(int argc, char **argv, bool set, struct certrepo_ts_spec *s,
		       const char **add, const char **del)
{
	char err[CERTREPO_ERR_MAX];
	unsigned long seen = 0;
	int i;

	memset(s, 0, sizeof(*s));
	s->default_ca = -1;
	s->add_ca = add;
	s->del_ca = del;
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "description")) {
			kw_once(&seen, 1, k);
			s->description = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "default-ca")) {
			kw_once(&seen, 2, k);
			s->default_ca = on_off(k, kw_value(argc, argv, &i));
		} else if (!strcmp(k, "ca") || (set && !strcmp(k, "del-ca"))) {
			bool is_del = k[0] == 'd';
			size_t *n = is_del ? &s->n_del_ca : &s->n_add_ca;

			v = kw_value(argc, argv, &i);
			check(certrepo_check_lookup_name(k, v, err, sizeof(err)), err);
			if (*n >= 1024)
				usage_error("keyword `%s': too many", k);
			(is_del ? del : add)[(*n)++] = v;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
}

static int cmd_add(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = ts_name(argc, argv);
	const char **add = calloc((size_t)argc, sizeof(*add));
	struct certrepo_ts_spec s;
	struct certrepo *r;
	int rc = EXIT_OK;

	if (!add)
		return cert_fail("out of memory");
	parse_spec(argc, argv, false, &s, add, NULL);
	if (s.default_ca < 0)
		s.default_ca = 1;
	r = cert_repo_open();
	if (certrepo_truststore_add(r, name, &s, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	free(add);
	return rc;
}

static int cmd_set(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = ts_name(argc, argv);
	const char **add = calloc((size_t)argc, sizeof(*add));
	const char **del = calloc((size_t)argc, sizeof(*del));
	struct certrepo_ts_spec s;
	struct certrepo *r;
	int rc = EXIT_OK;

	if (!add || !del) {
		free(add);
		free(del);
		return cert_fail("out of memory");
	}
	parse_spec(argc, argv, true, &s, add, del);
	if (!s.description && s.default_ca < 0 && !s.n_add_ca && !s.n_del_ca)
		usage_error("nothing to set");
	r = cert_repo_open();
	if (certrepo_truststore_set(r, name, &s, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	free(add);
	free(del);
	return rc;
}

static int cmd_del(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX], who[512];
	const char *name = ts_name(argc, argv);
	struct certrepo *r;
	int rc = EXIT_OK;

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	/* What tlsid would fail to load at each session: refused while named. */
	if (ssl_repo_name_users(name, true, who, sizeof(who))) {
		errmsg("trust store `%s' is used by %s", name, who);
		return EXIT_ERROR;
	}
	r = cert_repo_open();
	if (certrepo_truststore_del(r, name, err, sizeof(err)))
		rc = cert_fail(err);
	certrepo_close(r);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	const char *name = ts_name(argc, argv), *out = NULL;
	unsigned long seen = 0;
	struct certrepo *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int i, rc;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "out")) {
			kw_once(&seen, 1, argv[i]);
			out = kw_value(argc, argv, &i);
		} else {
			usage_error("unknown keyword `%s'", argv[i]);
		}
	}
	r = cert_repo_open();
	m = open_memstream(&buf, &len);
	if (!m) {
		certrepo_close(r);
		return cert_fail("out of memory");
	}
	rc = certrepo_truststore_export(r, name, m, err, sizeof(err));
	fclose(m);
	rc = rc ? cert_fail(err) : cert_write_out(out, buf, len, false);
	free(buf);
	certrepo_close(r);
	return rc;
}

static void print_ts(const struct certrepo_truststore *t)
{
	cout_obj_begin();
	cout_name("name", t->name);
	if (opt_json)
		cout_flag("default-ca", t->default_ca);
	else
		cout_str("default-ca", t->default_ca ? "on" : "off");
	if (t->description[0] || opt_json)
		cout_str("description", t->description);
	cout_strv("ca", "cas", t->cas, t->n_cas);
	cout_strv("ref", "refs", t->refs, t->n_refs);
	cout_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo_truststore *v, t;
	struct certrepo *r;
	size_t n, i;
	int rc = EXIT_OK;

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	if (argc > 1)
		ts_name(argc, argv);
	r = cert_repo_open();
	if (argc > 1) {
		if (certrepo_truststore_get(r, argv[1], &t, err, sizeof(err))) {
			rc = cert_fail(err);
		} else {
			print_ts(&t);
			certrepo_truststore_free(&t);
		}
	} else if (certrepo_truststore_list(r, &v, &n, err, sizeof(err))) {
		rc = cert_fail(err);
	} else {
		cout_list_begin();
		for (i = 0; i < n; i++)
			print_ts(&v[i]);
		cout_list_end();
		certrepo_truststore_list_free(v, n);
	}
	certrepo_close(r);
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "set", cmd_set, NULL },
	{ "del", cmd_del, NULL },
	{ "export", cmd_export, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int truststore_main(int argc, char **argv)
{
	cert_take_repo_option(argv[0], &argc, argv);
	return dispatch(argc, argv, cmds, help);
}
