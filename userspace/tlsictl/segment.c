// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl segment: which bridge traffic is inspected, with which profile.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl segment add NAME profile PROFILE ports PORT_A PORT_B\n"
"                           [vlan LIST] [src CIDR] [dst CIDR] [position N]\n"
"       tlsictl segment del NAME\n"
"       tlsictl [-j] segment show|list\n"
"\n"
"A segment selects bridged IPv4 and IPv6 traffic between two bridge ports,\n"
"optionally narrowed to VLANs and subnets, and inspects it with a profile.\n"
"Segments are tried in order; the first that matches a packet applies.\n"
"\n"
"Commands:\n"
"  add    create a segment\n"
"  del    delete a segment\n"
"  show   list segments with their packet and byte counters; `list' is the\n"
"         same\n"
"\n"
"Arguments:\n"
"  NAME                  1..31 characters of letters, digits, `_', `-', `.'\n"
"  profile PROFILE       the profile to apply (must exist)\n"
"  ports PORT_A PORT_B   the two bridge ports (interface names) between which\n"
"                        traffic is inspected\n"
"  vlan LIST             VLAN IDs 1..4094, comma-separated, ranges with `-'\n"
"                        (at most 64 IDs), e.g. 10,20-25\n"
"  src CIDR, dst CIDR    IPv4 or IPv6 subnet, e.g. 10.0.0.0/8 (host bits must be\n"
"                        zero); a plain address means /32\n"
"  position N            0-based place in the segment list; default: last\n"
"\n"
"Output (one line per segment; with -j a JSON array):\n"
"  NAME profile PROFILE ports PORT_A PORT_B [vlan LIST] [src CIDR]\n"
"       [dst CIDR] position N packets N bytes N\n"
"\n"
"Examples:\n"
"  tlsictl segment add dmz profile strict ports eth1 eth2\n"
"  tlsictl segment add lab profile default ports eth1 eth2 vlan 10,20-25 \\\n"
"          src 192.168.0.0/16 position 0\n"
"  tlsictl segment del lab\n";

struct segment_args {
	const char *name, *profile, *port_a, *port_b;
	uint16_t vlans[TLSI_VLANS_MAX];
	size_t nvlans;
	bool has_src, has_dst, has_position;
	struct tlsi_cidr src, dst;
	uint32_t position;
};

static void fill_add(struct nlmsghdr *nlh, const void *arg)
{
	const struct segment_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	mnl_attr_put_strz(nlh, TLSI_A_PROFILE, a->profile);
	mnl_attr_put_strz(nlh, TLSI_A_PORT_A, a->port_a);
	mnl_attr_put_strz(nlh, TLSI_A_PORT_B, a->port_b);
	if (a->nvlans)
		mnl_attr_put(nlh, TLSI_A_VLANS, a->nvlans * sizeof(uint16_t), a->vlans);
	if (a->has_src)
		tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &a->src);
	if (a->has_dst)
		tlsi_nl_put_cidr(nlh, TLSI_A_DST, &a->dst);
	if (a->has_position)
		mnl_attr_put_u32(nlh, TLSI_A_POSITION, a->position);
}

static int cmd_add(int argc, char **argv)
{
	struct segment_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	a.name = positional(argc, argv, "name");
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "profile")) {
			kw_once(&seen, 1 << 0, k);
			a.profile = kw_value(argc, argv, &i);
			check(parse_name(k, a.profile, err, sizeof(err)), err);
		} else if (!strcmp(k, "ports")) {
			kw_once(&seen, 1 << 1, k);
			if (i + 2 >= argc)
				usage_error("keyword `ports' needs two values (PORT_A PORT_B)");
			a.port_a = argv[++i];
			check(parse_ifname("port", a.port_a, err, sizeof(err)), err);
			a.port_b = argv[++i];
			check(parse_ifname("port", a.port_b, err, sizeof(err)), err);
			if (!strcmp(a.port_a, a.port_b))
				usage_error("ports `%s' and `%s' must differ", a.port_a,
					    a.port_b);
		} else if (!strcmp(k, "vlan")) {
			kw_once(&seen, 1 << 2, k);
			check(parse_vlan_list(k, kw_value(argc, argv, &i), a.vlans,
					      TLSI_VLANS_MAX, &a.nvlans, err, sizeof(err)), err);
		} else if (!strcmp(k, "src")) {
			kw_once(&seen, 1 << 3, k);
			check(parse_cidr(k, kw_value(argc, argv, &i), &a.src, err,
					  sizeof(err)), err);
			a.has_src = true;
		} else if (!strcmp(k, "dst")) {
			kw_once(&seen, 1 << 4, k);
			check(parse_cidr(k, kw_value(argc, argv, &i), &a.dst, err,
					  sizeof(err)), err);
			a.has_dst = true;
		} else if (!strcmp(k, "position")) {
			kw_once(&seen, 1 << 5, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 0, UINT32_MAX,
					&a.position, err, sizeof(err)), err);
			a.has_position = true;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!a.profile)
		usage_error("missing `profile PROFILE'");
	if (!a.port_a)
		usage_error("missing `ports PORT_A PORT_B'");
	return ctl_simple(TLSI_CMD_SEGMENT_NEW, fill_add, &a);
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
	return ctl_simple(TLSI_CMD_SEGMENT_DEL, fill_name, name);
}

static void out_vlans(const struct nlattr *a)
{
	uint16_t vlans[TLSI_VLANS_MAX * 4];
	size_t n;

	if (!a)
		return;
	n = mnl_attr_get_payload_len(a) / sizeof(uint16_t);
	if (n > sizeof(vlans) / sizeof(vlans[0]))
		n = sizeof(vlans) / sizeof(vlans[0]);
	memcpy(vlans, mnl_attr_get_payload(a), n * sizeof(uint16_t));
	if (n)
		out_vlan_list("vlan", "vlans", vlans, n);
}

static void print_segment(const struct nlattr **tb)
{
	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	if (tb[TLSI_A_PROFILE])
		out_str("profile", mnl_attr_get_str(tb[TLSI_A_PROFILE]));
	if (opt_json) {
		if (tb[TLSI_A_PORT_A])
			out_str("port-a", mnl_attr_get_str(tb[TLSI_A_PORT_A]));
		if (tb[TLSI_A_PORT_B])
			out_str("port-b", mnl_attr_get_str(tb[TLSI_A_PORT_B]));
	} else if (tb[TLSI_A_PORT_A] && tb[TLSI_A_PORT_B]) {
		out_pair("ports", mnl_attr_get_str(tb[TLSI_A_PORT_A]),
			 mnl_attr_get_str(tb[TLSI_A_PORT_B]));
	}
	out_vlans(tb[TLSI_A_VLANS]);
	out_cidr("src", tb[TLSI_A_SRC]);
	out_cidr("dst", tb[TLSI_A_DST]);
	if (tb[TLSI_A_POSITION])
		out_stat("position", mnl_attr_get_u32(tb[TLSI_A_POSITION]));
	if (tb[TLSI_A_PACKETS])
		out_stat("packets", mnl_attr_get_u64(tb[TLSI_A_PACKETS]));
	if (tb[TLSI_A_BYTES])
		out_stat("bytes", mnl_attr_get_u64(tb[TLSI_A_BYTES]));
	out_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_dump(TLSI_CMD_SEGMENT_GET, print_segment);
}

/* tlsictl save: the segments in their order, as `segment add'. */
int segment_save(void)
{
	int rc;

	out_save_begin("segment add");
	rc = ctl_dump(TLSI_CMD_SEGMENT_GET, print_segment);
	out_save_end();
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "del", cmd_del, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int segment_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
