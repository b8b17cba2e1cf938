// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl tm: traffic management filters.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl tm add NAME action block|permit|trust|rate-limit\n"
"                      [rate PPS] [reset] [profile PROFILE]\n"
"                      [src CIDR] [dst CIDR] [proto PROTO]\n"
"                      [sport PORT[-PORT]] [dport PORT[-PORT]] [position N]\n"
"       tlsictl tm del NAME\n"
"       tlsictl tm flush\n"
"       tlsictl [-j] tm show|list\n"
"\n"
"Traffic management (TM) filters are checked in order; the first filter\n"
"whose fields all match a packet applies its action. Fields left out match\n"
"anything.\n"
"\n"
"Commands:\n"
"  add    insert a filter (appended unless `position' is given)\n"
"  del    delete a filter\n"
"  flush  delete every filter\n"
"  show   list filters in order with their hit counters; `list' is the same\n"
"\n"
"Arguments:\n"
"  NAME              1..31 characters of letters, digits, `_', `-', `.'\n"
"  action ACTION     block       drop the traffic\n"
"                    permit      allow it; later tables still apply\n"
"                    trust       allow it and skip every later table; SSL\n"
"                                is still proxied by its SSL policy, but\n"
"                                never inspected by the IPS\n"
"                    rate-limit  allow up to `rate' packets per second;\n"
"                                later tables still apply\n"
"  rate PPS          packets per second (at least 1); required with\n"
"                    rate-limit and only valid with it\n"
"  reset             answer blocked TCP with a reset (block only)\n"
"  profile PROFILE   only traffic of segments using this profile\n"
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
"  position N        0-based place in the filter list; default: last\n"
"\n"
"Output (one line per filter; with -j a JSON array, port ranges as\n"
"sport_min/sport_max and dport_min/dport_max):\n"
"  NAME action ACTION [rate PPS] [reset] [profile P] [src CIDR] [dst CIDR]\n"
"       [proto P] [sport R] [dport R] position N hits N\n"
"\n"
"Examples:\n"
"  tlsictl tm add web action block reset src 10.9.0.1 proto tcp dport 80\n"
"  tlsictl tm add dns-limit action rate-limit rate 1000 proto udp dport 53\n"
"  tlsictl tm add admins action trust src 10.0.5.0/24 position 0\n"
"  tlsictl tm del web\n";

static const struct {
	const char *name;
	uint8_t action;
} actions[] = {
	{ "block", TLSI_TM_BLOCK },
	{ "permit", TLSI_TM_PERMIT },
	{ "trust", TLSI_TM_TRUST },
	{ "rate-limit", TLSI_TM_RATE_LIMIT },
};

struct tm_args {
	const char *name, *profile;
	struct match m;
	uint8_t action;
	bool has_action, has_rate, reset, has_position;
	uint32_t rate, position;
};

static void fill_add(struct nlmsghdr *nlh, const void *arg)
{
	const struct tm_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	mnl_attr_put_u8(nlh, TLSI_A_ACTION, a->action);
	if (a->has_rate)
		mnl_attr_put_u32(nlh, TLSI_A_RATE, a->rate);
	if (a->profile)
		mnl_attr_put_strz(nlh, TLSI_A_PROFILE, a->profile);
	match_put(nlh, &a->m);
	if (a->reset)
		mnl_attr_put_u32(nlh, TLSI_A_FLAGS, TLSI_RULE_F_RESET);
	if (a->has_position)
		mnl_attr_put_u32(nlh, TLSI_A_POSITION, a->position);
}

static int cmd_add(int argc, char **argv)
{
	struct tm_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	size_t j;
	int i;

	a.name = positional(argc, argv, "name");
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (match_keyword(&a.m, argc, argv, &i))
			continue;
		if (!strcmp(k, "action")) {
			kw_once(&seen, 1 << 0, k);
			v = kw_value(argc, argv, &i);
			for (j = 0; j < sizeof(actions) / sizeof(actions[0]); j++)
				if (!strcmp(v, actions[j].name))
					break;
			if (j == sizeof(actions) / sizeof(actions[0]))
				usage_error("action `%s': unknown action "
					    "(block, permit, trust or rate-limit)", v);
			a.action = actions[j].action;
			a.has_action = true;
		} else if (!strcmp(k, "rate")) {
			kw_once(&seen, 1 << 1, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1, TLSI_RATE_MAX,
					&a.rate, err, sizeof(err)), err);
			a.has_rate = true;
		} else if (!strcmp(k, "reset")) {
			kw_once(&seen, 1 << 2, k);
			a.reset = true;
		} else if (!strcmp(k, "profile")) {
			kw_once(&seen, 1 << 3, k);
			a.profile = kw_value(argc, argv, &i);
			check(parse_name(k, a.profile, err, sizeof(err)), err);
		} else if (!strcmp(k, "position")) {
			kw_once(&seen, 1 << 4, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 0, UINT32_MAX,
					&a.position, err, sizeof(err)), err);
			a.has_position = true;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	match_check(&a.m);
	if (!a.has_action)
		usage_error("missing `action block|permit|trust|rate-limit'");
	if (a.action == TLSI_TM_RATE_LIMIT && !a.has_rate)
		usage_error("action rate-limit needs `rate PPS'");
	if (a.action != TLSI_TM_RATE_LIMIT && a.has_rate)
		usage_error("`rate' is only valid with action rate-limit");
	if (a.action != TLSI_TM_BLOCK && a.reset)
		usage_error("`reset' is only valid with action block");
	return ctl_simple(TLSI_CMD_TM_NEW, fill_add, &a);
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
	return ctl_simple(TLSI_CMD_TM_DEL, fill_name, name);
}

static int cmd_flush(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_simple(TLSI_CMD_TM_FLUSH, NULL, NULL);
}

static void print_tm(const struct nlattr **tb)
{
	uint32_t flags = tb[TLSI_A_FLAGS] ? mnl_attr_get_u32(tb[TLSI_A_FLAGS]) : 0;

	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	if (tb[TLSI_A_ACTION])
		out_str("action", tm_action_name(mnl_attr_get_u8(tb[TLSI_A_ACTION])));
	if (tb[TLSI_A_RATE])
		out_u64("rate", mnl_attr_get_u32(tb[TLSI_A_RATE]));
	out_flag("reset", flags & TLSI_RULE_F_RESET);
	if (tb[TLSI_A_PROFILE])
		out_str("profile", mnl_attr_get_str(tb[TLSI_A_PROFILE]));
	out_match(tb);
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
	return ctl_dump(TLSI_CMD_TM_GET, print_tm);
}

/* tlsictl save: the TM filters in their order, as `tm add'. */
int tm_save(void)
{
	int rc;

	out_save_begin("tm add");
	rc = ctl_dump(TLSI_CMD_TM_GET, print_tm);
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

int tm_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
