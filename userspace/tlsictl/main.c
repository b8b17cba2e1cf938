// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl: administer tlsi, inline TLS inspection on a Linux bridge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsictl.h"

const char *prog = "tlsictl";
bool opt_json;
bool opt_unlock;

static const struct command objects[] = {
	{ "profile",	profile_main,	 "Inspection profiles: reputation thresholds" },
	{ "segment",	segment_main,	 "Segments: which bridge traffic is inspected, with which profile" },
	{ "bypass",	bypass_main,	 "Bypass rules: traffic passed uninspected" },
	{ "tm",		tm_main,	 "Traffic management filters: block, permit, trust, rate-limit" },
	{ "reputation",	reputation_main, "IP reputation entries: add, delete, look up, bulk load" },
	{ "quarantine",	quarantine_main, "Quarantined hosts" },
	{ "ssl-proxy",	ssl_proxy_main,	 "SSL client proxies: detection ports and interception settings" },
	{ "ssl-policy",	ssl_policy_main, "SSL client policies: which profiles intercept, with exceptions" },
	{ "decrypt-policy", decrypt_policy_main, "Decryption policies: domains SSL inspection does not decrypt" },
	{ "category",	category_main,	 "The category database: domain categories for decryption policies" },
	{ "pinned-cache", pinned_cache_main, "tlsid's pinned-application cache: names passed through" },
	{ "config",	config_main,	 "Flow table, client SSL inspection and divert settings" },
	{ "stats",	stats_main,	 "Device counters and flow table usage" },
	{ "monitor",	monitor_main,	 "Print events (blocks, alerts, quarantines) as JSON lines" },
	{ "cert",	cert_main,	 "Certificate repository: signing and server certificates, requests, CAs" },
	{ "truststore",	truststore_main, "Trust stores: which CA certificates SSL inspection trusts" },
	{ "rules",	rules_main,	 "IPS rules (Suricata syntax): check, compile, load, show, test, update" },
	{ "trace",	trace_main,	 "Packet traces of IPS verdicts: decrypted flows as pcap" },
	{ "save",	save_main,	 "Print the running configuration as a configuration file" },
	{ "log",	log_main,	 "The logs tlslogd writes: block, alert, quarantine, ssl, system" },
	{ NULL, NULL, NULL }
};

const struct command *find_object(const char *name)
{
	const struct command *c;

	for (c = objects; c->name; c++)
		if (!strcmp(name, c->name))
			return c;
	return NULL;
}

static void show_usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
		"Usage: %s [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
		"       %s [-c] -f FILE\n"
		"\n"
		"Administer tlsi, inline TLS inspection and intrusion prevention on a\n"
		"Linux bridge, through the generic netlink family \"" TLSI_GENL_NAME "\".\n"
		"Changes need CAP_NET_ADMIN and apply to the current network namespace.\n"
		"\n"
		"Objects:\n", prog, prog);
	for (c = objects; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->description);
	fprintf(f,
		"\n"
		"Options (before OBJECT):\n"
		"  -j, --json     print show, list, stats and config show output as JSON\n"
		"  -h, --help     print this help\n"
		"  -V, --version  print the version\n"
		"  -f, --file FILE  apply the configuration file FILE (`-': standard\n"
		"                   input) as a whole: what differs from the running\n"
		"                   configuration, all or nothing; errors name the line\n"
		"  -c, --check      with -f: only check the file\n"
		"  --unlock         allow changing and deleting locked profiles and SSL\n"
		"                   policies (`locked on'), also with -f\n"
		"\n"
		"`%s OBJECT help' describes an object's commands.\n"
		"A COMMAND left out means `show'.\n"
		"\n"
		"Exit status: 0 success, 1 error (kernel refused, I/O), 2 bad usage.\n",
		prog);
}

/* Output goes to stdout buffered: a failed write shows only at the end. */
static int finish(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		set_context(NULL, NULL);
		errmsg("write error: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *file = NULL;
	bool check_only = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			opt_json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			show_usage(stdout);
			return finish(EXIT_OK);
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("%s %s (tlsi netlink interface version %d)\n", prog,
			       TLSICTL_VERSION, TLSI_GENL_VERSION);
			return finish(EXIT_OK);
		} else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) {
			if (i + 1 >= argc)
				usage_error("option `%s' needs a FILE", argv[i]);
			file = argv[++i];
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--check")) {
			check_only = true;
		} else if (!strcmp(argv[i], "--unlock")) {
			opt_unlock = true;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage_error("unknown option `%s'", argv[i]);
		}
	}
	if (file) {
		if (i < argc)
			usage_error("-f FILE takes no OBJECT (`%s')", argv[i]);
		out_init();
		return finish(apply_main(file, check_only));
	}
	if (check_only)
		usage_error("-c needs -f FILE");
	if (i >= argc) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc) {
			show_usage(stdout);
			return finish(EXIT_OK);
		}
		/* "tlsictl help tm" = "tlsictl tm help" */
		argv[i] = argv[i + 1];
		argv[i + 1] = "help";
		argc = i + 2;
	}
	for (c = objects; c->name; c++)
		if (!strcmp(argv[i], c->name))
			break;
	if (!c->name)
		usage_error("unknown object `%s'", argv[i]);

	out_init();
	return finish(c->fn(argc - i, argv + i));
}
