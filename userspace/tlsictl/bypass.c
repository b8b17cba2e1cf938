// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl bypass: traffic passed without inspection.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl bypass add NAME [src CIDR] [dst CIDR] [proto PROTO]\n"
"                          [sport PORT[-PORT]] [dport PORT[-PORT]] [vlan VID]\n"
"       tlsictl bypass del NAME\n"
"       tlsictl bypass flush\n"
"       tlsictl [-j] bypass show|list\n"
"\n"
"Bypass rules name traffic that tlsi forwards without tracking or\n"
"inspecting it. A rule matches a packet when every field given matches;\n"
"fields left out match anything.\n"
"\n"
"Commands:\n"
"  add    append a rule\n"
"  del    delete a rule\n"
"  flush  delete every rule\n"
"  show   list rules in order with their hit counters; `list' is the same\n"
"\n"
"Arguments:\n"
"  NAME              1..31 characters of letters, digits, `_', `-', `.'\n"
"  src CIDR          source subnet, IPv4 or IPv6, e.g. 10.0.0.0/8 or\n"
"                    2001:db8::/32 (host bits must be zero); a plain address\n"
"                    means /32 or /128; 0.0.0.0/0 is every IPv4 address,\n"
"                    ::/0 every IPv6 one; left out: both families\n"
"  dst CIDR          destination subnet, as src\n"
"  proto PROTO       tcp, udp, icmp, sctp, udplite, any, or an IP protocol\n"
"                    number 0..255\n"
"  sport PORT[-PORT] source port or inclusive range, 0..65535; ports need\n"
"                    proto tcp, udp, sctp or udplite\n"
"  dport PORT[-PORT] destination port or inclusive range\n"
"  vlan VID          VLAN ID 1..4094\n"
"\n"
"Output (one line per rule; with -j a JSON array, port ranges as\n"
"sport_min/sport_max and dport_min/dport_max):\n"
"  NAME [src CIDR] [dst CIDR] [proto P] [sport R] [dport R] [vlan VID]\n"
"       position N hits N\n"
"\n"
"Examples:\n"
"  tlsictl bypass add backup src 10.1.2.0/24 proto tcp dport 873\n"
"  tlsictl bypass add voip proto udp dport 16384-32767 vlan 30\n"
"  tlsictl bypass del backup\n";

struct bypass_args {
	const char *name;
	struct match m;
	bool has_vlan;
	uint16_t vlan;
};

static void fill_add(struct nlmsghdr *nlh, const void *arg)
{
	const struct bypass_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	match_put(nlh, &a->m);
	if (a->has_vlan)
		mnl_attr_put_u16(nlh, TLSI_A_VLAN, a->vlan);
}

static int cmd_add(int argc, char **argv)
{
	struct bypass_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	a.name = positional(argc, argv, "name");
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (match_keyword(&a.m, argc, argv, &i))
			continue;
		if (!strcmp(k, "vlan")) {
			kw_once(&seen, 1, k);
			check(parse_vlan(k, kw_value(argc, argv, &i), &a.vlan, err,
					 sizeof(err)), err);
			a.has_vlan = true;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	match_check(&a.m);
	return ctl_simple(TLSI_CMD_BYPASS_NEW, fill_add, &a);
}

static void fill_name(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, TLSI_A_NAME, arg);
}

static int cmd_del(int argc, char **argv)
{
	const char *name = positional(argc, argv, "name");

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	return ctl_simple(TLSI_CMD_BYPASS_DEL, fill_name, name);
}

static int cmd_flush(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_simple(TLSI_CMD_BYPASS_FLUSH, NULL, NULL);
}

static void print_bypass(const struct nlattr **tb)
{
	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	out_match(tb);
	if (tb[TLSI_A_VLAN])
		out_u64("vlan", mnl_attr_get_u16(tb[TLSI_A_VLAN]));
	if (tb[TLSI_A_POSITION])
		out_stat("position", mnl_attr_get_u32(tb[TLSI_A_POSITION]));
	if (tb[TLSI_A_HITS])
		out_stat("hits", mnl_attr_get_u64(tb[TLSI_A_HITS]));
	out_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_dump(TLSI_CMD_BYPASS_GET, print_bypass);
}

/* tlsictl save: the bypass rules as `bypass add'. */
int bypass_save(void)
{
	int rc;

	out_save_begin("bypass add");
	rc = ctl_dump(TLSI_CMD_BYPASS_GET, print_bypass);
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

int bypass_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
