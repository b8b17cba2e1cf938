// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl save: the running configuration as the lines of a configuration
 * file (`tlsictl -f'), and the table of what such a file may contain.
 *
 * Every object type that belongs in a configuration file has one entry in
 * conf_types[] below, in the order a file applies them (what others refer
 * to first), and a save function in its own subcommand file that prints
 * its objects as the commands that make them (out_save_begin(), then the
 * object's usual show printer: counters go through out_stat() and are left
 * out). apply.c works from this table alone.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsictl.h"

static const char *const no_words[] = { NULL };

static const char *const profile_defaults[] = {
	"locked off",
	"rep-block off", "rep-alert off", "inspect-depth default",
	"ssl-no-daemon bypass", "inspect-cleartext on", NULL
};
static const char *const segment_pairs[] = { "ports", NULL };
static const char *const tm_flags[] = { "reset", NULL };
static const char *const proxy_flags[] = {
	"block-invalid", "block-expired", "reset", "logging", "downgrade-http2",
	"verify-server", "acme-http01", NULL
};
static const char *const proxy_defaults[] = {
	"service auto", "client-cert block", "unsupported block", "pinned block",
	"timeout block", "min-dh-bits 2048", "min-ec-bits 224", "min-version tls1.2",
	"max-version tls1.3", "client-ciphers default", "server-ciphers default", "etm off",
	NULL
};
static const char *const policy_flags[] = { "enabled", "disabled", NULL };
static const char *const policy_defaults[] = { "enabled", "locked off", NULL };
static const char *const config_durations[] = {
	"timeout-tcp-syn", "timeout-tcp-established", "timeout-tcp-close",
	"timeout-udp", "timeout-icmp", "timeout-other", NULL
};
static const char *const ips_durations[] = { "timeout", NULL };
static const char *const ips_sizes[] = { "trace-bytes", "trace-buffer", NULL };
static const char *const profile_sizes[] = { "inspect-depth", NULL };

const struct conf_type conf_types[] = {
	{ .object = "config", .verb = "set", .kind = CONF_SETTINGS,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .durations = config_durations, .save = config_save },
	{ .object = "rules", .verb = "config", .kind = CONF_SETTINGS,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .durations = ips_durations, .sizes = ips_sizes, .save = rules_config_save },
	{ .object = "profile", .verb = "add", .kind = CONF_OBJECT,
	  .set_verb = "set", .flags = no_words, .pairs = no_words,
	  .defaults = profile_defaults, .sizes = profile_sizes, .save = profile_save },
	{ .object = "ssl-proxy", .verb = "add", .kind = CONF_OBJECT,
	  .flags = proxy_flags, .pairs = no_words, .defaults = proxy_defaults,
	  .save = ssl_proxy_save },
	{ .object = "segment", .verb = "add", .kind = CONF_OBJECT, .ordered = true,
	  .flags = no_words, .pairs = segment_pairs, .defaults = no_words,
	  .save = segment_save },
	{ .object = "bypass", .verb = "add", .kind = CONF_OBJECT,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .save = bypass_save },
	{ .object = "tm", .verb = "add", .kind = CONF_OBJECT, .ordered = true,
	  .flags = tm_flags, .pairs = no_words, .defaults = no_words,
	  .save = tm_save },
	{ .object = "reputation", .verb = "add", .kind = CONF_OBJECT,
	  .set_verb = "add", .flags = no_words, .pairs = no_words,
	  .defaults = no_words, .cidr_name = true, .save = reputation_save },
	{ .object = "reputation", .verb = "load", .kind = CONF_ACTION,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .manages = "reputation" },
	{ .object = "quarantine", .verb = "add", .kind = CONF_OBJECT,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .save = quarantine_save },
	/* The category database and decryption policies are files tlsid
	 * reads (they survive a reboot): before the SSL policies that name
	 * them; a file without them leaves them as they are. */
	{ .object = "category", .verb = "load", .kind = CONF_SETTINGS,
	  .flags = no_words, .pairs = no_words, .defaults = no_words,
	  .save = category_save },
	{ .object = "decrypt-policy", .verb = "define", .kind = CONF_OBJECT,
	  .set_verb = "define", .flags = no_words, .pairs = no_words,
	  .defaults = no_words, .keep_unlisted = true, .save = decrypt_policy_save },
	{ .object = "ssl-policy", .verb = "add", .kind = CONF_OBJECT,
	  .key_kw = "profile", .flags = policy_flags, .pairs = no_words,
	  .defaults = policy_defaults, .save = ssl_policy_save },
	{ .object = "rules", .verb = "load", .kind = CONF_ACTION,
	  .flags = no_words, .pairs = no_words, .defaults = no_words },
	{ NULL }
};

/* Print the running configuration; 0 or the first failure's status. */
int save_all(void)
{
	const struct conf_type *t;
	int rc;

	for (t = conf_types; t->object; t++) {
		if (!t->save)
			continue;
		set_context("save", t->object);
		rc = t->save();
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

static const char help[] =
"Usage: tlsictl save\n"
"\n"
"Print the running configuration as a configuration file: the lines that\n"
"`tlsictl -f FILE' applies to make it again (device and IPS settings,\n"
"profiles, SSL proxies, segments, bypass rules, TM filters, reputation\n"
"entries, hosts quarantined without a timeout, the category database's\n"
"source, decryption policies, SSL policies), without counters.\n"
"`tlsictl save | tlsictl -f -' changes nothing. A decryption policy too\n"
"large for one line is a comment: its file stays as it is.\n"
"Rule files are not saved: keep their `rules load' line in the file.\n";

int save_main(int argc, char **argv)
{
	bool json = opt_json;
	int rc;

	if (argc > 1 && is_help(argv[1])) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "show"))
		usage_error("unexpected argument `%s'", argv[1]);
	opt_json = false;	/* the file syntax only */
	rc = save_all();
	opt_json = json;
	return rc;
}
