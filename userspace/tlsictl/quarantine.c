// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl quarantine: quarantined hosts.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl quarantine add HOST [timeout DURATION] [reason TEXT]\n"
"       tlsictl quarantine del HOST\n"
"       tlsictl quarantine flush\n"
"       tlsictl [-j] quarantine show|list\n"
"\n"
"Traffic of a quarantined host is dropped until its entry expires or is\n"
"deleted.\n"
"\n"
"Commands:\n"
"  add    quarantine a host; adding a quarantined host again renews its\n"
"         timeout and reason\n"
"  del    release a host\n"
"  flush  release every host\n"
"  show   list quarantined hosts with the seconds left and hit counters;\n"
"         `list' is the same\n"
"\n"
"Arguments:\n"
"  HOST              an IPv4 or IPv6 address (ADDRESS/32, ADDRESS/128 are\n"
"                    the same)\n"
"  timeout DURATION  expire after DURATION: seconds, or a number with the\n"
"                    suffix s, m, h or d (300, 5m, 2h, 1d); 0 or left out:\n"
"                    never expires\n"
"  reason TEXT       free text up to 127 bytes, shown by `show' and in\n"
"                    events (quote it if it has blanks)\n"
"\n"
"Output (one line per host; with -j a JSON array with timeout 0 for\n"
"entries that never expire):\n"
"  ADDRESS [timeout SECONDS_LEFT] [reason TEXT] hits N\n"
"\n"
"Examples:\n"
"  tlsictl quarantine add 10.9.0.7 timeout 2h reason \"port scan\"\n"
"  tlsictl quarantine del 10.9.0.7\n";

struct quar_args {
	struct tlsi_cidr host;
	bool has_timeout;
	uint32_t timeout;
	const char *reason;
};

static void fill(struct nlmsghdr *nlh, const void *arg)
{
	const struct quar_args *a = arg;

	tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &a->host);
	if (a->has_timeout)
		mnl_attr_put_u32(nlh, TLSI_A_TIMEOUT, a->timeout);
	if (a->reason)
		mnl_attr_put_strz(nlh, TLSI_A_REASON, a->reason);
}

static void parse_host_args(int argc, char **argv, struct quar_args *a)
{
	char err[TLSI_ERR_MAX];

	if (argc < 2)
		usage_error("missing HOST");
	/* A network parses, and the kernel refuses it by name. */
	check(parse_cidr("host", argv[1], &a->host, err, sizeof(err)), err);
}

static int cmd_add(int argc, char **argv)
{
	struct quar_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	parse_host_args(argc, argv, &a);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "timeout")) {
			kw_once(&seen, 1 << 0, k);
			check(parse_duration(k, kw_value(argc, argv, &i), 0, TLSI_TIMEOUT_MAX,
					     &a.timeout, err, sizeof(err)), err);
			a.has_timeout = a.timeout != 0;
		} else if (!strcmp(k, "reason")) {
			kw_once(&seen, 1 << 1, k);
			a.reason = kw_value(argc, argv, &i);
			check(parse_reason(k, a.reason, err, sizeof(err)), err);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	return ctl_simple(TLSI_CMD_QUAR_NEW, fill, &a);
}

static int cmd_del(int argc, char **argv)
{
	struct quar_args a = { 0 };

	parse_host_args(argc, argv, &a);
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	return ctl_simple(TLSI_CMD_QUAR_DEL, fill, &a);
}

static int cmd_flush(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_simple(TLSI_CMD_QUAR_FLUSH, NULL, NULL);
}

static void print_quar(const struct nlattr **tb)
{
	char buf[TLSI_CIDR_STR_MAX];
	struct tlsi_cidr c;
	uint32_t timeout = tb[TLSI_A_TIMEOUT] ? mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]) : 0;

	/* Hosts with a timeout are state (the IPS quarantines for a while),
	 * not configuration: save leaves them out. */
	if (out_saving && timeout)
		return;
	out_obj_begin();
	if (tb[TLSI_A_SRC]) {
		if (tlsi_nl_get_cidr(tb[TLSI_A_SRC], &c) < 0)
			out_name("host", "?");
		else if (c.plen == cidr_host_plen(&c))
			out_name("host", format_addr(&c, buf));
		else
			out_name("host", format_cidr(&c, buf));
	}
	if (timeout || opt_json)
		out_u64("timeout", timeout);
	if (tb[TLSI_A_REASON] && *mnl_attr_get_str(tb[TLSI_A_REASON]))
		out_str("reason", mnl_attr_get_str(tb[TLSI_A_REASON]));
	if (tb[TLSI_A_HITS])
		out_stat("hits", mnl_attr_get_u64(tb[TLSI_A_HITS]));
	out_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_dump(TLSI_CMD_QUAR_GET, print_quar);
}

/* tlsictl save: the hosts quarantined without a timeout. */
int quarantine_save(void)
{
	int rc;

	out_save_begin("quarantine add");
	rc = ctl_dump(TLSI_CMD_QUAR_GET, print_quar);
	out_save_end();
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "del", cmd_del, NULL },
	{ "flush", cmd_flush, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int quarantine_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
