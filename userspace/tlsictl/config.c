// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl config: flow table settings.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl [-j] config show\n"
"       tlsictl config set [max-flows N] [flow-full drop|bypass]\n"
"                          [timeout-tcp-syn S] [timeout-tcp-established S]\n"
"                          [timeout-tcp-close S] [timeout-udp S]\n"
"                          [timeout-icmp S] [timeout-other S]\n"
"                          [ssl-client on|off] [ssl-server on|off]\n"
"                          [max-ssl-sessions N]\n"
"                          [divert-port PORT] [divert-mark MARK]\n"
"\n"
"Device settings of the current network namespace: the flow table and\n"
"SSL inspection.\n"
"\n"
"Commands:\n"
"  show   print the settings on one line, as `config set' takes them\n"
"         (with -j one JSON object, keys with `_' for `-')\n"
"  set    change the settings given (at least one)\n"
"\n"
"Arguments:\n"
"  max-flows N                  flow table size, 1..4000000\n"
"  flow-full drop|bypass        what happens to new flows while the table\n"
"                               is full: drop them (fail closed) or pass\n"
"                               them untracked and uninspected\n"
"  timeout-tcp-syn S            idle timeout of TCP flows being opened\n"
"  timeout-tcp-established S    ... of established TCP flows (1..864000)\n"
"  timeout-tcp-close S          ... of TCP flows being closed\n"
"  timeout-udp S                ... of UDP flows\n"
"  timeout-icmp S               ... of ICMP flows\n"
"  timeout-other S              ... of other flows\n"
"  S is seconds, 1..86400 unless noted, or a number with the suffix s, m,\n"
"  h or d (30, 5m, 2h, 1d).\n"
"  ssl-client on|off            client SSL inspection (default off)\n"
"  ssl-server on|off            server SSL inspection (default off): SSL\n"
"                               policies with server proxies, decided before\n"
"                               the client ones\n"
"  max-ssl-sessions N           concurrent intercepted sessions, 1..1000000\n"
"                               (default 10000); above it new sessions pass\n"
"                               uninspected and the kernel log says so once\n"
"                               in a while (\"allow but bypass inspection\")\n"
"  divert-port PORT             the port of tlsid's transparent listener;\n"
"                               tlsid sets it at start and 0 at exit\n"
"  divert-mark MARK             the fwmark (1..4294967295) that tlsid's\n"
"                               policy routing delivers locally\n"
"\n"
"Examples:\n"
"  tlsictl config set max-flows 1000000 flow-full bypass\n"
"  tlsictl config set timeout-tcp-established 2h timeout-udp 30\n";

static const struct timeout_kw {
	const char *kw;
	uint16_t attr;
	uint32_t max;
} timeouts[] = {
	{ "timeout-tcp-syn",		TLSI_A_TIMEOUT_TCP_SYN,		86400 },
	{ "timeout-tcp-established",	TLSI_A_TIMEOUT_TCP_EST,		864000 },
	{ "timeout-tcp-close",		TLSI_A_TIMEOUT_TCP_CLOSE,	86400 },
	{ "timeout-udp",		TLSI_A_TIMEOUT_UDP,		86400 },
	{ "timeout-icmp",		TLSI_A_TIMEOUT_ICMP,		86400 },
	{ "timeout-other",		TLSI_A_TIMEOUT_OTHER,		86400 },
};
#define NTIMEOUTS (sizeof(timeouts) / sizeof(timeouts[0]))

struct config_args {
	bool has_max_flows, has_full, has_timeout[NTIMEOUTS];
	bool has_ssl, has_ssl_server, has_sessions, has_port, has_mark;
	uint32_t max_flows, timeout[NTIMEOUTS], sessions, port, mark;
	uint8_t full, ssl, ssl_server;
};

static void fill(struct nlmsghdr *nlh, const void *arg)
{
	const struct config_args *a = arg;
	size_t t;

	if (a->has_max_flows)
		mnl_attr_put_u32(nlh, TLSI_A_MAX_FLOWS, a->max_flows);
	if (a->has_full)
		mnl_attr_put_u8(nlh, TLSI_A_FLOW_FULL_ACTION, a->full);
	for (t = 0; t < NTIMEOUTS; t++)
		if (a->has_timeout[t])
			mnl_attr_put_u32(nlh, timeouts[t].attr, a->timeout[t]);
	if (a->has_ssl)
		mnl_attr_put_u8(nlh, TLSI_A_SSL_CLIENT, a->ssl);
	if (a->has_ssl_server)
		mnl_attr_put_u8(nlh, TLSI_A_SSL_SERVER, a->ssl_server);
	if (a->has_sessions)
		mnl_attr_put_u32(nlh, TLSI_A_MAX_SSL_SESSIONS, a->sessions);
	if (a->has_port)
		mnl_attr_put_u16(nlh, TLSI_A_DIVERT_PORT, a->port);
	if (a->has_mark)
		mnl_attr_put_u32(nlh, TLSI_A_DIVERT_MARK, a->mark);
}

static int cmd_set(int argc, char **argv)
{
	struct config_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	size_t t;
	int i;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "max-flows")) {
			kw_once(&seen, 1 << 0, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1, TLSI_FLOWS_LIMIT,
					&a.max_flows, err, sizeof(err)), err);
			a.has_max_flows = true;
			continue;
		}
		if (!strcmp(k, "flow-full")) {
			kw_once(&seen, 1 << 1, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "drop"))
				a.full = TLSI_FLOW_FULL_DROP;
			else if (!strcmp(v, "bypass"))
				a.full = TLSI_FLOW_FULL_BYPASS;
			else
				usage_error("flow-full `%s': must be drop or bypass", v);
			a.has_full = true;
			continue;
		}
		if (!strcmp(k, "ssl-client")) {
			kw_once(&seen, 1UL << 20, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "on"))
				a.ssl = 1;
			else if (!strcmp(v, "off"))
				a.ssl = 0;
			else
				usage_error("ssl-client `%s': must be on or off", v);
			a.has_ssl = true;
			continue;
		}
		if (!strcmp(k, "ssl-server")) {
			kw_once(&seen, 1UL << 24, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "on"))
				a.ssl_server = 1;
			else if (!strcmp(v, "off"))
				a.ssl_server = 0;
			else
				usage_error("ssl-server `%s': must be on or off", v);
			a.has_ssl_server = true;
			continue;
		}
		if (!strcmp(k, "max-ssl-sessions")) {
			kw_once(&seen, 1UL << 21, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1, TLSI_SSL_SESSIONS_LIMIT,
					&a.sessions, err, sizeof(err)), err);
			a.has_sessions = true;
			continue;
		}
		if (!strcmp(k, "divert-port")) {
			kw_once(&seen, 1UL << 22, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 0, 65535,
					&a.port, err, sizeof(err)), err);
			a.has_port = true;
			continue;
		}
		if (!strcmp(k, "divert-mark")) {
			kw_once(&seen, 1UL << 23, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1, UINT32_MAX,
					&a.mark, err, sizeof(err)), err);
			a.has_mark = true;
			continue;
		}
		for (t = 0; t < NTIMEOUTS; t++)
			if (!strcmp(k, timeouts[t].kw))
				break;
		if (t == NTIMEOUTS)
			usage_error("unknown keyword `%s'", k);
		kw_once(&seen, 1UL << (2 + t), k);
		check(parse_duration(k, kw_value(argc, argv, &i), 1, timeouts[t].max,
				     &a.timeout[t], err, sizeof(err)), err);
		a.has_timeout[t] = true;
	}
	if (!seen)
		usage_error("nothing to set");
	return ctl_simple(TLSI_CMD_CONFIG_SET, fill, &a);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	size_t t;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	out_obj_begin();
	if (tb[TLSI_A_MAX_FLOWS])
		out_u64("max-flows", mnl_attr_get_u32(tb[TLSI_A_MAX_FLOWS]));
	if (tb[TLSI_A_FLOW_FULL_ACTION]) {
		uint8_t f = mnl_attr_get_u8(tb[TLSI_A_FLOW_FULL_ACTION]);

		out_str("flow-full", f == TLSI_FLOW_FULL_DROP ? "drop" :
			f == TLSI_FLOW_FULL_BYPASS ? "bypass" : "unknown");
	}
	for (t = 0; t < NTIMEOUTS; t++)
		if (tb[timeouts[t].attr])
			out_u64(timeouts[t].kw, mnl_attr_get_u32(tb[timeouts[t].attr]));
	if (tb[TLSI_A_SSL_CLIENT])
		out_str("ssl-client", mnl_attr_get_u8(tb[TLSI_A_SSL_CLIENT]) ? "on" : "off");
	if (tb[TLSI_A_SSL_SERVER])
		out_str("ssl-server", mnl_attr_get_u8(tb[TLSI_A_SSL_SERVER]) ? "on" : "off");
	if (tb[TLSI_A_MAX_SSL_SESSIONS])
		out_u64("max-ssl-sessions", mnl_attr_get_u32(tb[TLSI_A_MAX_SSL_SESSIONS]));
	/* tlsid sets the divert settings when it starts: not saved. */
	if (tb[TLSI_A_DIVERT_PORT] && !out_saving)
		out_u64("divert-port", mnl_attr_get_u16(tb[TLSI_A_DIVERT_PORT]));
	if (tb[TLSI_A_DIVERT_MARK] && !out_saving)
		out_u64("divert-mark", mnl_attr_get_u32(tb[TLSI_A_DIVERT_MARK]));
	out_obj_end();
	return MNL_CB_OK;
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_get(TLSI_CMD_CONFIG_GET, show_cb);
}

/* tlsictl save: the settings as one `config set'. */
int config_save(void)
{
	int rc;

	out_save_begin("config set");
	rc = ctl_get(TLSI_CMD_CONFIG_GET, show_cb);
	out_save_end();
	return rc;
}

static const struct command cmds[] = {
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ "set", cmd_set, NULL },
	{ NULL, NULL, NULL }
};

int config_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
