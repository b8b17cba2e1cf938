// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl stats: device counters.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl [-j] stats [show]\n"
"       tlsictl [-j] stats ssl\n"
"       tlsictl stats reset\n"
"\n"
"Counters of the current network namespace since tlsi was loaded or the\n"
"last reset, and the flow table's usage.\n"
"\n"
"Commands:\n"
"  show   print one `NAME VALUE' line per counter, then flows_current,\n"
"         flows_peak and max_flows; with -j one JSON object mapping each\n"
"         name to its value. `show' is the default.\n"
"  ssl    the SSL inspection counters only, grouped: sessions (diverted,\n"
"         decrypted, not decrypted, blocked, failed, bypassed and why, active\n"
"         now), handshake failures by reason, client side and server side\n"
"         by TLS version and cipher, and the relay (kernel and userspace\n"
"         sessions, endings, bytes each way, hand-offs refused by reason);\n"
"         with -j one JSON object per group\n"
"  reset  zero the counters and the hit counters of every rule and entry\n"
"         (flows are kept)\n"
"\n"
"Counters (as in /proc/net/tlsi/stats):\n"
"  packets, bytes                     packets and bytes seen\n"
"  non_ip_forwarded, no_segment_forwarded, malformed_forwarded\n"
"                                     passed without inspection, and why\n"
"  ipv6_packets                       IPv6 packets seen\n"
"  ipv6_ext_headers_too_deep, ipv6_mapped_address\n"
"                                     IPv6 packets refused as malformed\n"
"  ipv6_nd_passed                     neighbour discovery, never filtered\n"
"  ipv6_mld_passed                    multicast listener discovery, never\n"
"                                     filtered or tracked\n"
"  tunnel_gre_packets, tunnel_ipip_packets\n"
"                                     tunnelled packets classified by their\n"
"                                     inner packet\n"
"  tunnel_nested_passed, tunnel_gre_unsupported_passed,\n"
"  tunnel_ipv6_encap_passed           tunnels passed untouched, and why\n"
"  tunnel_reset_not_sent              blocks inside a tunnel: dropped, no reset\n"
"  fragments                          IPv4 and IPv6 fragments seen\n"
"  flows_created, flows_expired, flows_reclassified\n"
"  bypass_hits, tm_hits, tm_block, tm_permit, tm_trust,\n"
"  tm_rate_limit_passed, reputation_hits, reputation_block,\n"
"  reputation_alert, quarantine_hits, quarantine_expired\n"
"                                     decisions of each table\n"
"  action_forward, action_drop        final verdicts\n"
"  tcp_resets_sent, tcp_resets_failed\n"
"  drop_*                             drops, by cause\n"
"  flow_full_bypassed                 flows passed untracked, table full\n"
"  events_sent, events_failed         multicast events\n"
"  ssl_*, relay_*, inspect_*, handoff_refused_*\n"
"                                     SSL inspection (see `stats ssl')\n"
"\n"
"Examples:\n"
"  tlsictl stats\n"
"  tlsictl -j stats | jq .drop_reputation\n";

#define COUNTER_NAME(e, s) s,
static const char *const counter_names[] = { TLSI_COUNTERS(COUNTER_NAME) };
#undef COUNTER_NAME

static void out_counter(const char *name, uint64_t v)
{
	if (opt_json)
		out_u64(name, v);
	else
		printf("%-24s %llu\n", name, (unsigned long long)v);
}

static void out_counter_indent(const char *name, uint64_t v)
{
	if (opt_json)
		out_u64(name, v);
	else
		printf("  %-36s %llu\n", name, (unsigned long long)v);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1], *a;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (opt_json)
		out_obj_begin();
	if (tb[TLSI_A_STATS]) {
		mnl_attr_for_each_nested(a, tb[TLSI_A_STATS]) {
			uint16_t type = mnl_attr_get_type(a);
			char name[64];	/* the longest counter name is 37 */

			if (!type || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				continue;
			if (type - 1U < __TLSI_CNT_MAX)
				snprintf(name, sizeof(name), "%s", counter_names[type - 1]);
			else
				snprintf(name, sizeof(name), "counter_%u", type - 1U);
			out_counter(name, mnl_attr_get_u64(a));
		}
	}
	if (tb[TLSI_A_FLOWS_CURRENT])
		out_counter("flows_current", mnl_attr_get_u32(tb[TLSI_A_FLOWS_CURRENT]));
	if (tb[TLSI_A_FLOWS_PEAK])
		out_counter("flows_peak", mnl_attr_get_u32(tb[TLSI_A_FLOWS_PEAK]));
	if (tb[TLSI_A_MAX_FLOWS])
		out_counter("max_flows", mnl_attr_get_u32(tb[TLSI_A_MAX_FLOWS]));
	if (tb[TLSI_A_SSL_ACTIVE])
		out_counter("ssl_sessions_active", mnl_attr_get_u32(tb[TLSI_A_SSL_ACTIVE]));
	if (tb[TLSI_A_RELAY_ACTIVE])
		out_counter("relay_sessions_active", mnl_attr_get_u32(tb[TLSI_A_RELAY_ACTIVE]));
	if (opt_json)
		out_obj_end();
	return MNL_CB_OK;
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_get(TLSI_CMD_STATS_GET, show_cb);
}

static int cmd_reset(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_simple(TLSI_CMD_STATS_RESET, NULL, NULL);
}

/*
 * The SSL groups, in the spirit of the guide's npSslInspStats,
 * npSslInspProtocolStats and npTcpProxyStats. A counter belongs to the first
 * group whose prefix it has; the prefix is not repeated in the output.
 */
static const struct ssl_group {
	const char *title, *key, *prefix;
} ssl_groups[] = {
	{ "Handshake failures", "failures", "ssl_fail_" },
	{ "Client side (tlsid as server)", "client", "ssl_client_" },
	{ "Server side (tlsid as client)", "server", "ssl_server_" },
	{ "Sessions", "sessions", "ssl_" },
	{ "Relay", "relay", "relay_" },
	{ "Inspection", "inspection", "inspect_" },
	{ "Hand-offs refused", "handoff_refused", "handoff_refused_" },
};
#define N_SSL_GROUPS (sizeof(ssl_groups) / sizeof(ssl_groups[0]))

static bool in_group(const char *name, size_t g)
{
	size_t i;

	for (i = 0; i < g; i++)
		if (!strncmp(name, ssl_groups[i].prefix, strlen(ssl_groups[i].prefix)))
			return false;
	return !strncmp(name, ssl_groups[g].prefix, strlen(ssl_groups[g].prefix));
}

static int ssl_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1], *a;
	size_t g;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[TLSI_A_STATS])
		return MNL_CB_ERROR;
	if (opt_json)
		out_obj_begin();
	for (g = 0; g < N_SSL_GROUPS; g++) {
		const char *prefix = ssl_groups[g].prefix;

		if (opt_json) {
			out_obj_begin_key(ssl_groups[g].key);
		} else {
			printf("%s%s\n", g ? "\n" : "", ssl_groups[g].title);
		}
		if (!strcmp(ssl_groups[g].key, "sessions")) {
			if (tb[TLSI_A_SSL_ACTIVE])
				out_counter_indent("active", mnl_attr_get_u32(tb[TLSI_A_SSL_ACTIVE]));
		} else if (!strcmp(ssl_groups[g].key, "relay")) {
			if (tb[TLSI_A_RELAY_ACTIVE])
				out_counter_indent("active", mnl_attr_get_u32(tb[TLSI_A_RELAY_ACTIVE]));
		}
		mnl_attr_for_each_nested(a, tb[TLSI_A_STATS]) {
			uint16_t type = mnl_attr_get_type(a);
			const char *name;

			if (!type || type - 1U >= __TLSI_CNT_MAX ||
			    mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				continue;
			name = counter_names[type - 1];
			/* drop_ssl_steer is a drop, shown with the sessions */
			if (!strcmp(name, "drop_ssl_steer") && !strcmp(prefix, "ssl_")) {
				out_counter_indent(name, mnl_attr_get_u64(a));
				continue;
			}
			if (in_group(name, g))
				out_counter_indent(name + strlen(prefix), mnl_attr_get_u64(a));
		}
		if (opt_json)
			out_obj_end();
	}
	if (opt_json)
		out_obj_end();
	return MNL_CB_OK;
}

static int cmd_ssl(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_get(TLSI_CMD_STATS_GET, ssl_cb);
}

static const struct command cmds[] = {
	{ "show", cmd_show, NULL },
	{ "ssl", cmd_ssl, NULL },
	{ "list", cmd_show, NULL },
	{ "reset", cmd_reset, NULL },
	{ NULL, NULL, NULL }
};

int stats_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
