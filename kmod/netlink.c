// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "tlsi": policy, operations, events.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/socket.h>
#include <linux/if.h>
#include <net/genetlink.h>

#include "tlsi.h"

static const struct nla_policy tlsi_cidr_policy[TLSI_CIDR_A_MAX + 1] = {
	[TLSI_CIDR_A_FAMILY]	= { .type = NLA_U8 },
	[TLSI_CIDR_A_ADDR]	= NLA_POLICY_EXACT_LEN(4),
	[TLSI_CIDR_A_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 32),
};

static const struct nla_policy tlsi_rep_entry_policy[TLSI_A_MAX + 1] = {
	[TLSI_A_SRC]		= NLA_POLICY_NESTED(tlsi_cidr_policy),
	[TLSI_A_SCORE]		= NLA_POLICY_MAX(NLA_U8, 100),
	[TLSI_A_CATEGORY]	= { .type = NLA_NUL_STRING, .len = TLSI_CATEGORY_MAX - 1 },
};

/* One variable of TLSI_CMD_RULES_VAR_SET (ips.c checks names and items). */
static const struct nla_policy tlsi_rules_var_policy[TLSI_A_MAX + 1] = {
	[TLSI_A_NAME]		= { .type = NLA_NUL_STRING, .len = 127 },
	[TLSI_A_VAR_KIND]	= NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[TLSI_A_VAR_ITEMS]	= { .type = NLA_BINARY,
				    .len = TLSI_RULES_VAR_ITEMS_MAX * 24 },
};

static struct netlink_range_validation tlsi_rate_range = { .min = 1, .max = TLSI_RATE_MAX };
static struct netlink_range_validation tlsi_timeout_range = { .min = 0, .max = TLSI_TIMEOUT_MAX };
static struct netlink_range_validation tlsi_max_flows_range = { .min = 1, .max = TLSI_FLOWS_LIMIT };
static struct netlink_range_validation tlsi_day_range = { .min = 1, .max = 86400 };
static struct netlink_range_validation tlsi_sessions_range = { .min = 1, .max = TLSI_SSL_SESSIONS_LIMIT };
static struct netlink_range_validation tlsi_mark_range = { .min = 1, .max = U32_MAX };
static struct netlink_range_validation tlsi_ten_days_range = { .min = 1, .max = 864000 };
static struct netlink_range_validation tlsi_trace_bytes_range = {
	.min = 1, .max = TLSI_TRACE_BUFFER_MAX };
static struct netlink_range_validation tlsi_trace_buffer_range = {
	.min = TLSI_TRACE_BUFFER_MIN, .max = TLSI_TRACE_BUFFER_MAX };

static const struct nla_policy tlsi_policy[TLSI_A_MAX + 1] = {
	/* Names of SSL objects may be longer; tlsi_name_check() applies the
	 * limit of each kind of object. */
	[TLSI_A_NAME]		= { .type = NLA_NUL_STRING, .len = TLSI_SSL_NAME_MAX - 1 },
	[TLSI_A_PROFILE]	= { .type = NLA_NUL_STRING, .len = TLSI_NAME_MAX - 1 },
	[TLSI_A_SEGMENT]	= { .type = NLA_NUL_STRING, .len = TLSI_NAME_MAX - 1 },
	[TLSI_A_PORT_A]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TLSI_A_PORT_B]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TLSI_A_VLANS]		= { .type = NLA_BINARY, .len = TLSI_VLANS_MAX * sizeof(u16) },
	[TLSI_A_VLAN]		= NLA_POLICY_RANGE(NLA_U16, 1, 4094),
	[TLSI_A_SRC]		= NLA_POLICY_NESTED(tlsi_cidr_policy),
	[TLSI_A_DST]		= NLA_POLICY_NESTED(tlsi_cidr_policy),
	[TLSI_A_PROTO]		= { .type = NLA_U8 },
	[TLSI_A_SPORT_MIN]	= { .type = NLA_U16 },
	[TLSI_A_SPORT_MAX]	= { .type = NLA_U16 },
	[TLSI_A_DPORT_MIN]	= { .type = NLA_U16 },
	[TLSI_A_DPORT_MAX]	= { .type = NLA_U16 },
	[TLSI_A_ACTION]		= NLA_POLICY_MAX(NLA_U8, TLSI_TM_ACTION_MAX),
	[TLSI_A_RATE]		= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_rate_range),
	[TLSI_A_FLAGS]		= { .type = NLA_U32 },
	[TLSI_A_POSITION]	= { .type = NLA_U32 },
	[TLSI_A_SCORE]		= NLA_POLICY_MAX(NLA_U8, 100),
	[TLSI_A_CATEGORY]	= { .type = NLA_NUL_STRING, .len = TLSI_CATEGORY_MAX - 1 },
	[TLSI_A_REP_BLOCK_THRESHOLD] = NLA_POLICY_MAX(NLA_U8, 101),
	[TLSI_A_REP_ALERT_THRESHOLD] = NLA_POLICY_MAX(NLA_U8, 101),
	[TLSI_A_REP_ENTRIES]	= NLA_POLICY_NESTED_ARRAY(tlsi_rep_entry_policy),
	[TLSI_A_BATCH]		= NLA_POLICY_MIN(NLA_U32, 1),
	[TLSI_A_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_timeout_range),
	[TLSI_A_REASON]		= { .type = NLA_NUL_STRING, .len = TLSI_REASON_MAX - 1 },
	[TLSI_A_MAX_FLOWS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_max_flows_range),
	[TLSI_A_FLOW_FULL_ACTION] = NLA_POLICY_MAX(NLA_U8, TLSI_FLOW_FULL_MAX),
	[TLSI_A_TIMEOUT_TCP_SYN]   = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_day_range),
	[TLSI_A_TIMEOUT_TCP_EST]   = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_ten_days_range),
	[TLSI_A_TIMEOUT_TCP_CLOSE] = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_day_range),
	[TLSI_A_TIMEOUT_UDP]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_day_range),
	[TLSI_A_TIMEOUT_ICMP]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_day_range),
	[TLSI_A_TIMEOUT_OTHER]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_day_range),
	[TLSI_A_DESCRIPTION]	= { .type = NLA_NUL_STRING, .len = TLSI_DESCRIPTION_MAX - 1 },
	[TLSI_A_PROXY]		= { .type = NLA_NUL_STRING, .len = TLSI_SSL_NAME_MAX - 1 },
	[TLSI_A_CERT]		= { .type = NLA_NUL_STRING, .len = TLSI_CERT_NAME_MAX - 1 },
	[TLSI_A_PORTS]		= { .type = NLA_BINARY,
				    .len = TLSI_SSL_PORTS_MAX * sizeof(struct tlsi_port_range_uapi) },
	[TLSI_A_SERVICE]	= NLA_POLICY_MAX(NLA_U8, TLSI_SSL_SERVICE_MAX),
	[TLSI_A_SSL_FLAGS]	= { .type = NLA_U32 },
	[TLSI_A_MIN_RSA_BITS]	= NLA_POLICY_MAX(NLA_U16, 16384),
	[TLSI_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TLSI_A_TRUST_STORE]	= { .type = NLA_NUL_STRING, .len = TLSI_CERT_NAME_MAX - 1 },
	[TLSI_A_NEVER_DECRYPT]	= { .type = NLA_NESTED },
	[TLSI_A_ALWAYS_DECRYPT]	= { .type = NLA_NESTED },
	[TLSI_A_SSL_CLIENT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TLSI_A_MAX_SSL_SESSIONS] = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_sessions_range),
	[TLSI_A_DIVERT_PORT]	= { .type = NLA_U16 },
	[TLSI_A_DIVERT_MARK]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_mark_range),
	/* IPS rules (ips.c) */
	[TLSI_A_RULES_OFFSET]	= { .type = NLA_U32 },
	[TLSI_A_RULES_DATA]	= { .type = NLA_BINARY, .len = TLSI_RULES_CHUNK_MAX },
	[TLSI_A_SID]		= { .type = NLA_U32 },
	[TLSI_A_RULES_VARS]	= NLA_POLICY_NESTED_ARRAY(tlsi_rules_var_policy),
	[TLSI_A_IPS_QUARANTINE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TLSI_A_IPS_DEPTH]	= { .type = NLA_U32 },
	[TLSI_A_INSPECT_DEPTH]	= { .type = NLA_U32 },
	[TLSI_A_SSL_NO_DAEMON]	= NLA_POLICY_MAX(NLA_U8, TLSI_SSL_NO_DAEMON_MAX),
	[TLSI_A_IPS_BODY_DEPTH]	= { .type = NLA_U32 },
	/* packet trace (trace.c) */
	[TLSI_A_FLOW_ID]	= { .type = NLA_U64 },
	[TLSI_A_TRACE_ID]	= { .type = NLA_U64 },
	[TLSI_A_IPS_TRACE]	= NLA_POLICY_MAX(NLA_U8, TLSI_IPS_TRACE_MAX),
	[TLSI_A_IPS_TRACE_BYTES] = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_trace_bytes_range),
	[TLSI_A_IPS_TRACE_BUFFER] = NLA_POLICY_FULL_RANGE(NLA_U32, &tlsi_trace_buffer_range),
};

/*
 * extack messages that name the offending value. 6.1 has no
 * NL_SET_ERR_MSG_FMT and the ack is built after the genl lock is dropped,
 * so messages are formatted into a ring of slots that is far larger than
 * the number of requests that can be between a doit and its ack. A slot is
 * always NUL-terminated, so a reader never runs past it.
 */
#define TLSI_EXTACK_SLOTS	256
#define TLSI_EXTACK_LEN		160
static char tlsi_extack_ring[TLSI_EXTACK_SLOTS][TLSI_EXTACK_LEN];
static atomic_t tlsi_extack_next = ATOMIC_INIT(0);

void tlsi_extack_fmt(struct netlink_ext_ack *extack, const struct nlattr *attr,
		     const char *fmt, ...)
{
	unsigned int slot;
	va_list args;
	char *buf;

	if (!extack)
		return;
	slot = (unsigned int)atomic_inc_return(&tlsi_extack_next) % TLSI_EXTACK_SLOTS;
	buf = tlsi_extack_ring[slot];
	va_start(args, fmt);
	vsnprintf(buf, TLSI_EXTACK_LEN, fmt, args);
	va_end(args);
	buf[TLSI_EXTACK_LEN - 1] = '\0';
	extack->_msg = buf;
	if (attr)
		extack->bad_attr = attr;
}

/* Names of profiles, segments and rules: 1..TLSI_NAME_MAX-1 characters. */
int tlsi_name_check(struct netlink_ext_ack *extack, const struct nlattr *na,
		    const char *what)
{
	size_t len = strnlen(nla_data(na), nla_len(na));

	if (!len) {
		tlsi_extack_fmt(extack, na, "%s name is empty", what);
		return -EINVAL;
	}
	if (len >= TLSI_NAME_MAX) {
		tlsi_extack_fmt(extack, na, "%s name is too long (%zu characters, at most %u)",
				what, len, TLSI_NAME_MAX - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

int tlsi_nla_get_cidr(const struct nlattr *nest, struct tlsi_cidr4 *c,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TLSI_CIDR_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, TLSI_CIDR_A_MAX, nest, tlsi_cidr_policy, extack);
	if (err)
		return err;
	if (!tb[TLSI_CIDR_A_FAMILY] || !tb[TLSI_CIDR_A_ADDR] ||
	    !tb[TLSI_CIDR_A_PREFIXLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "address needs family, address and prefix length");
		return -EINVAL;
	}
	if (nla_get_u8(tb[TLSI_CIDR_A_FAMILY]) != AF_INET) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_FAMILY],
				    "only IPv4 (AF_INET) addresses are supported");
		return -EAFNOSUPPORT;
	}
	c->addr = ntohl(nla_get_in_addr(tb[TLSI_CIDR_A_ADDR]));
	c->plen = nla_get_u8(tb[TLSI_CIDR_A_PREFIXLEN]);
	if (!tlsi_cidr4_valid(c)) {
		tlsi_extack_fmt(extack, nest, "host bits set in %pI4h/%u", &c->addr, c->plen);
		return -EINVAL;
	}
	return 0;
}

int tlsi_nla_put_cidr(struct sk_buff *skb, int type, const struct tlsi_cidr4 *c)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, TLSI_CIDR_A_FAMILY, AF_INET) ||
	    nla_put_in_addr(skb, TLSI_CIDR_A_ADDR, htonl(c->addr)) ||
	    nla_put_u8(skb, TLSI_CIDR_A_PREFIXLEN, c->plen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Who may do what (Documentation/kernel-module.md, "Permissions"): every
 * command but STATS_GET needs CAP_NET_ADMIN, reads included, because the
 * tables name hosts (quarantine, reputation, exceptions) and the rules and
 * events carry decrypted metadata. Counters are public, as in
 * /proc/net/tlsi/stats. Which user namespace the capability must be held in
 * is the module parameter userns_admin: by default the initial one, so an
 * unprivileged user cannot make the kernel hold tables from a user
 * namespace of its own; with userns_admin=1 the namespace's own.
 */
static bool userns_admin;
module_param(userns_admin, bool, 0444);
MODULE_PARM_DESC(userns_admin,
		 "let CAP_NET_ADMIN in a network namespace's own user namespace configure tlsi (default: the initial user namespace only)");

bool tlsi_admin_capable(const struct net *net)
{
	return ns_capable(userns_admin ? net->user_ns : &init_user_ns, CAP_NET_ADMIN);
}

#define TLSI_ADMIN	GENL_UNS_ADMIN_PERM	/* narrowed at init: tlsi_ops_init() */
#define TLSI_DO(c, fn)   { .cmd = c, .doit = fn, .flags = TLSI_ADMIN }
#define TLSI_DUMP(c, fn) { .cmd = c, .dumpit = fn, .flags = TLSI_ADMIN }

static struct genl_ops tlsi_ops[] __ro_after_init = {
	TLSI_DO(TLSI_CMD_PROFILE_NEW, tlsi_profile_new),
	TLSI_DO(TLSI_CMD_PROFILE_SET, tlsi_profile_set),
	TLSI_DO(TLSI_CMD_PROFILE_DEL, tlsi_profile_del),
	TLSI_DUMP(TLSI_CMD_PROFILE_GET, tlsi_profile_dump),
	TLSI_DO(TLSI_CMD_SEGMENT_NEW, tlsi_segment_new),
	TLSI_DO(TLSI_CMD_SEGMENT_DEL, tlsi_segment_del),
	TLSI_DUMP(TLSI_CMD_SEGMENT_GET, tlsi_segment_dump),
	TLSI_DO(TLSI_CMD_BYPASS_NEW, tlsi_bypass_new),
	TLSI_DO(TLSI_CMD_BYPASS_DEL, tlsi_bypass_del),
	TLSI_DUMP(TLSI_CMD_BYPASS_GET, tlsi_bypass_dump),
	TLSI_DO(TLSI_CMD_BYPASS_FLUSH, tlsi_bypass_flush),
	TLSI_DO(TLSI_CMD_TM_NEW, tlsi_tm_new),
	TLSI_DO(TLSI_CMD_TM_DEL, tlsi_tm_del),
	TLSI_DUMP(TLSI_CMD_TM_GET, tlsi_tm_dump),
	TLSI_DO(TLSI_CMD_TM_FLUSH, tlsi_tm_flush),
	TLSI_DO(TLSI_CMD_REP_NEW, tlsi_rep_new),
	TLSI_DO(TLSI_CMD_REP_DEL, tlsi_rep_del),
	{ .cmd = TLSI_CMD_REP_GET, .doit = tlsi_rep_get, .dumpit = tlsi_rep_dump,
	  .flags = TLSI_ADMIN },
	TLSI_DO(TLSI_CMD_REP_FLUSH, tlsi_rep_flush),
	TLSI_DO(TLSI_CMD_REP_LOAD, tlsi_rep_load),
	TLSI_DO(TLSI_CMD_REP_COMMIT, tlsi_rep_commit),
	TLSI_DO(TLSI_CMD_REP_ABORT, tlsi_rep_abort),
	TLSI_DO(TLSI_CMD_QUAR_NEW, tlsi_quar_new),
	TLSI_DO(TLSI_CMD_QUAR_DEL, tlsi_quar_del),
	TLSI_DUMP(TLSI_CMD_QUAR_GET, tlsi_quar_dump),
	TLSI_DO(TLSI_CMD_QUAR_FLUSH, tlsi_quar_flush),
	{ .cmd = TLSI_CMD_CONFIG_GET, .doit = tlsi_config_get, .flags = TLSI_ADMIN },
	TLSI_DO(TLSI_CMD_CONFIG_SET, tlsi_config_set),
	/* counters only: public */
	{ .cmd = TLSI_CMD_STATS_GET, .doit = tlsi_stats_get },
	TLSI_DO(TLSI_CMD_STATS_RESET, tlsi_stats_reset),
	TLSI_DO(TLSI_CMD_SSL_PROXY_NEW, tlsi_ssl_proxy_new),
	TLSI_DO(TLSI_CMD_SSL_PROXY_DEL, tlsi_ssl_proxy_del),
	TLSI_DUMP(TLSI_CMD_SSL_PROXY_GET, tlsi_ssl_proxy_dump),
	TLSI_DO(TLSI_CMD_SSL_POLICY_NEW, tlsi_ssl_policy_new),
	TLSI_DO(TLSI_CMD_SSL_POLICY_SET, tlsi_ssl_policy_set),
	TLSI_DO(TLSI_CMD_SSL_POLICY_DEL, tlsi_ssl_policy_del),
	TLSI_DUMP(TLSI_CMD_SSL_POLICY_GET, tlsi_ssl_policy_dump),
	TLSI_DO(TLSI_CMD_RULES_LOAD, tlsi_rules_load),
	TLSI_DO(TLSI_CMD_RULES_COMMIT, tlsi_rules_commit),
	TLSI_DO(TLSI_CMD_RULES_ABORT, tlsi_rules_abort),
	{ .cmd = TLSI_CMD_RULES_GET, .doit = tlsi_rules_get, .start = tlsi_rules_dump_start,
	  .dumpit = tlsi_rules_dump, .done = tlsi_rules_dump_done, .flags = TLSI_ADMIN },
	TLSI_DO(TLSI_CMD_RULES_FLUSH, tlsi_rules_flush),
	TLSI_DO(TLSI_CMD_RULES_VAR_SET, tlsi_rules_var_set),
	{ .cmd = TLSI_CMD_RULES_VAR_GET, .start = tlsi_rules_var_dump_start,
	  .dumpit = tlsi_rules_var_dump, .done = tlsi_rules_dump_done, .flags = TLSI_ADMIN },
	{ .cmd = TLSI_CMD_IPS_GET, .doit = tlsi_ips_cfg_get, .flags = TLSI_ADMIN },
	TLSI_DO(TLSI_CMD_IPS_SET, tlsi_ips_cfg_set),
	{ .cmd = TLSI_CMD_TRACE_GET, .start = tlsi_trace_dump_start,
	  .dumpit = tlsi_trace_dump, .flags = TLSI_ADMIN },
	TLSI_DO(TLSI_CMD_TRACE_CLEAR, tlsi_trace_clear),
};

/* Events carry decrypted metadata (URLs, hosts, SNI): admins only. */
static const struct genl_multicast_group tlsi_mcgrps[] = {
	{ .name = TLSI_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family tlsi_genl_family __ro_after_init = {
	.name		= TLSI_GENL_NAME,
	.version	= TLSI_GENL_VERSION,
	.maxattr	= TLSI_A_MAX,
	.policy		= tlsi_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= tlsi_ops,
	.n_ops		= ARRAY_SIZE(tlsi_ops),
	.resv_start_op	= TLSI_CMD_MAX + 1,
	.mcgrps		= tlsi_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(tlsi_mcgrps),
};

static const char *const tlsi_table_names[] = {
	[TLSI_TABLE_NONE] = "none",
	[TLSI_TABLE_BYPASS] = "bypass",
	[TLSI_TABLE_TM] = "tm",
	[TLSI_TABLE_REPUTATION] = "reputation",
	[TLSI_TABLE_QUARANTINE] = "quarantine",
	[TLSI_TABLE_FLOW] = "flow",
	[TLSI_TABLE_IPS] = "ips",
	[TLSI_TABLE_SSL] = "ssl",
};

const char *tlsi_table_name(u8 table)
{
	return table < ARRAY_SIZE(tlsi_table_names) ? tlsi_table_names[table] : "?";
}

/**
 * tlsi_event_send - multicast an event to "tlsictl monitor" listeners
 *
 * Any context. Events are one per flow decision (not per packet), and also
 * logged through the kernel's rate-limited log so that they are visible
 * without a listener.
 */
void tlsi_event_send(struct tlsi_net *tn, u8 type, u8 table,
		     const struct tlsi_pkt_tuple *t,
		     const struct tlsi_segment *seg, const char *rule,
		     u8 score, const char *category, const char *reason,
		     u32 timeout)
{
	struct tlsi_cidr4 src = { .plen = 32 }, dst = { .plen = 32 };
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&tlsi_genl_family, tn->net, 0))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto fail;
	hdr = genlmsg_put(skb, 0, 0, &tlsi_genl_family, 0, TLSI_CMD_EVENT);
	if (!hdr)
		goto fail_free;
	src.addr = t->saddr;
	dst.addr = t->daddr;
	if (nla_put_u8(skb, TLSI_A_EVENT_TYPE, type) ||
	    nla_put_u8(skb, TLSI_A_TABLE, table) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_SRC, &src) ||
	    (t->proto && nla_put_u8(skb, TLSI_A_PROTO, t->proto)))
		goto fail_free;
	if (t->daddr || t->proto)
		if (tlsi_nla_put_cidr(skb, TLSI_A_DST, &dst))
			goto fail_free;
	if (tlsi_proto_has_ports(t->proto) &&
	    (nla_put_u16(skb, TLSI_A_SPORT, t->sport) ||
	     nla_put_u16(skb, TLSI_A_DPORT, t->dport)))
		goto fail_free;
	if (t->vlan && nla_put_u16(skb, TLSI_A_VLAN, t->vlan))
		goto fail_free;
	if (seg && (nla_put_string(skb, TLSI_A_SEGMENT, seg->name) ||
		    nla_put_string(skb, TLSI_A_PROFILE, seg->profile->name)))
		goto fail_free;
	if (rule && nla_put_string(skb, TLSI_A_NAME, rule))
		goto fail_free;
	if (table == TLSI_TABLE_REPUTATION && nla_put_u8(skb, TLSI_A_SCORE, score))
		goto fail_free;
	if (category && category[0] && nla_put_string(skb, TLSI_A_CATEGORY, category))
		goto fail_free;
	if (reason && reason[0] && nla_put_string(skb, TLSI_A_REASON, reason))
		goto fail_free;
	if (type == TLSI_EVENT_QUARANTINE && nla_put_u32(skb, TLSI_A_TIMEOUT, timeout))
		goto fail_free;
	genlmsg_end(skb, hdr);
	if (genlmsg_multicast_netns(&tlsi_genl_family, tn->net, skb, 0, 0, GFP_ATOMIC) &&
	    genl_has_listeners(&tlsi_genl_family, tn->net, 0))
		goto fail;
	tlsi_count(tn, TLSI_CNT_EVENTS_SENT);
	return;

fail_free:
	nlmsg_free(skb);
fail:
	tlsi_count(tn, TLSI_CNT_EVENTS_FAILED);
	net_info_ratelimited("tlsi: event %u (%s) not delivered\n", type,
			     tlsi_table_name(table));
}

/* Without userns_admin, the capability must be held in the initial user
 * namespace: GENL_ADMIN_PERM checks that one. */
static void __init tlsi_ops_init(void)
{
	unsigned int i;

	if (userns_admin)
		return;
	for (i = 0; i < ARRAY_SIZE(tlsi_ops); i++)
		if (tlsi_ops[i].flags & GENL_UNS_ADMIN_PERM)
			tlsi_ops[i].flags = (tlsi_ops[i].flags & ~GENL_UNS_ADMIN_PERM) |
					    GENL_ADMIN_PERM;
}

int __init tlsi_netlink_init(void)
{
	tlsi_ops_init();
	return genl_register_family(&tlsi_genl_family);
}

void tlsi_netlink_exit(void)
{
	genl_unregister_family(&tlsi_genl_family);
}
