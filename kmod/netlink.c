// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "tlsi": policy, operations, events.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/socket.h>
#include <linux/if.h>
#include <linux/ctype.h>
#include <net/genetlink.h>

#include "tlsi.h"

static const struct nla_policy tlsi_cidr_policy[TLSI_CIDR_A_MAX + 1] = {
	[TLSI_CIDR_A_FAMILY]	= { .type = NLA_U8 },
	[TLSI_CIDR_A_ADDR]	= { .type = NLA_BINARY, .len = 16 },	/* 4 or 16 */
	[TLSI_CIDR_A_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

/*
 * Policies, generated from the uapi header's tables (TLSI_ATTRS: each
 * attribute's type and limits; TLSI_CMD_ATTRS and TLSI_ITEM_ATTRS: what each
 * command and each nest element takes), so that the ABI is written once.
 *
 * Every command gets a policy of all TLSI_A_MAX attributes: the ones it takes
 * with their limits, every other one refused with a message that names it
 * ("attribute RATE is not taken by PROFILE_NEW"). The genetlink core then
 * parses strictly: wrong lengths, trailing bytes and unknown types are
 * refused as well. 6.1 formats no extack messages, hence a validation
 * function per command that formats one (tlsi_extack_fmt). Nested attributes
 * (SRC, REP_ENTRIES, ...) cannot carry one (the core checks NLA_F_NESTED
 * first); those are refused as "Unsupported attribute", the extack offset
 * naming them. The tables are built once at load and read-only after.
 */
enum tlsi_item {
#define TLSI_ITEM_ENUM(item, ...) TLSI_ITEM_##item,
	TLSI_ITEM_ATTRS(TLSI_ITEM_ENUM)
#undef TLSI_ITEM_ENUM
	TLSI_ITEMS
};

static struct nla_policy tlsi_cmd_policy[TLSI_CMD_MAX + 1][TLSI_A_MAX + 1] __ro_after_init;
static struct nla_policy tlsi_item_policy[TLSI_ITEMS][TLSI_A_MAX + 1] __ro_after_init;

#define TLSI_POL_ANY(t)			{ .type = NLA_##t }
#define TLSI_POL_RANGE(t, lo, hi)	NLA_POLICY_FULL_RANGE(NLA_##t,			\
		(&(struct netlink_range_validation){ .min = (lo), .max = (hi) }))
#define TLSI_POL_LEN(t, max)		{ .type = NLA_##t, .len = (max) }
#define TLSI_POL_NEST(t, tree)		NLA_POLICY_NESTED(tlsi_##tree##_policy)
#define TLSI_POL_NESTS(t, item)		NLA_POLICY_NESTED_ARRAY(tlsi_item_policy[TLSI_ITEM_##item])
#define TLSI_POL_ITEM(t)		{ .type = NLA_REJECT }
#define TLSI_POL_OUT(t)			{ .type = NLA_REJECT }
#define TLSI_ATTR_POLICY(attr, t, check, ...) \
	[TLSI_A_##attr] = TLSI_POL_##check(t, ##__VA_ARGS__),
#define TLSI_ATTR_TYPE(attr, t, ...)	[TLSI_A_##attr] = NLA_##t,
#define TLSI_ATTR_NAME(attr, ...)	[TLSI_A_##attr] = #attr,

/* What a command that takes the attribute accepts (NLA_REJECT: none takes it). */
static const struct nla_policy tlsi_attr_policy[TLSI_A_MAX + 1] = {
	TLSI_ATTRS(TLSI_ATTR_POLICY)
};

static const u8 tlsi_attr_type[TLSI_A_MAX + 1] = {
	TLSI_ATTRS(TLSI_ATTR_TYPE)
};

static const char *const tlsi_attr_names[TLSI_A_MAX + 1] = {
	TLSI_ATTRS(TLSI_ATTR_NAME)
};

static int tlsi_attr_not_taken(const struct nlattr *na, struct netlink_ext_ack *extack,
			       const char *by)
{
	int type = nla_type(na);

	tlsi_extack_fmt(extack, na, "attribute %s is not taken %s",
			type > 0 && type <= TLSI_A_MAX ? tlsi_attr_names[type] : "?", by);
	return -EINVAL;
}

#define TLSI_CMD_REFUSE(cmd, ...)							\
static int tlsi_refuse_##cmd(const struct nlattr *na, struct netlink_ext_ack *extack)	\
{											\
	return tlsi_attr_not_taken(na, extack, "by " #cmd);				\
}
#define TLSI_ITEM_REFUSE(item, ...)							\
static int tlsi_refuse_item_##item(const struct nlattr *na,				\
				   struct netlink_ext_ack *extack)			\
{											\
	return tlsi_attr_not_taken(na, extack, "in " #item);				\
}
TLSI_CMD_ATTRS(TLSI_CMD_REFUSE)
TLSI_ITEM_ATTRS(TLSI_ITEM_REFUSE)

struct tlsi_takes {
	struct nla_policy *policy;	/* [TLSI_A_MAX + 1], built from: */
	int (*refuse)(const struct nlattr *na, struct netlink_ext_ack *extack);
	const u16 *attrs;		/* attrs[1..n_attrs - 1] are taken */
	unsigned int n_attrs;
};

#define TLSI_TAKES(pol, fn, ...) {							\
	.policy = (pol), .refuse = (fn),						\
	.attrs = (const u16[]){ TLSI_A_UNSPEC, ##__VA_ARGS__ },				\
	.n_attrs = ARRAY_SIZE(((u16[]){ TLSI_A_UNSPEC, ##__VA_ARGS__ })) }
#define TLSI_CMD_TAKES(c, ...)								\
	{ .cmd = TLSI_CMD_##c, .t = TLSI_TAKES(tlsi_cmd_policy[TLSI_CMD_##c],		\
					       tlsi_refuse_##c, ##__VA_ARGS__) },
#define TLSI_ITEM_TAKES(item, ...)							\
	TLSI_TAKES(tlsi_item_policy[TLSI_ITEM_##item], tlsi_refuse_item_##item,		\
		   ##__VA_ARGS__),

static const struct {
	u8 cmd;
	struct tlsi_takes t;
} tlsi_cmd_takes[] = {
	TLSI_CMD_ATTRS(TLSI_CMD_TAKES)
};

static const struct tlsi_takes tlsi_item_takes[TLSI_ITEMS] = {
	TLSI_ITEM_ATTRS(TLSI_ITEM_TAKES)
};

static int tlsi_policy_build(const struct tlsi_takes *t, const char *what)
{
	const struct nla_policy refused = NLA_POLICY_VALIDATE_FN(NLA_BINARY, t->refuse);
	const struct nla_policy refused_nest = { .type = NLA_UNSPEC };
	unsigned int i;

	for (i = 1; i <= TLSI_A_MAX; i++)
		/* memcpy: struct nla_policy has const members */
		memcpy(&t->policy[i], tlsi_attr_type[i] == NLA_NESTED ? &refused_nest : &refused,
		       sizeof(refused));
	for (i = 1; i < t->n_attrs; i++) {
		u16 a = t->attrs[i];

		if (a == TLSI_A_UNSPEC || a > TLSI_A_MAX ||
		    tlsi_attr_policy[a].type == NLA_REJECT) {
			pr_err("tlsi: %s takes attribute %u, which no request may carry\n",
			       what, a);
			return -EINVAL;
		}
		memcpy(&t->policy[a], &tlsi_attr_policy[a], sizeof(refused));
	}
	return 0;
}

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

/*
 * Names of profiles, segments and rules: 1..TLSI_NAME_MAX-1 of letters,
 * digits, '_', '-', '.' (what tlsictl accepts, so that whatever the kernel
 * holds can be named on tlsictl's command line again, e.g. to delete it).
 */
int tlsi_name_check(struct netlink_ext_ack *extack, const struct nlattr *na,
		    const char *what)
{
	const char *name = nla_data(na);
	size_t len = strnlen(name, nla_len(na)), i;

	if (!len) {
		tlsi_extack_fmt(extack, na, "%s name is empty", what);
		return -EINVAL;
	}
	if (len >= TLSI_NAME_MAX) {
		tlsi_extack_fmt(extack, na, "%s name is too long (%zu characters, at most %u)",
				what, len, TLSI_NAME_MAX - 1);
		return -ENAMETOOLONG;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.') {
			tlsi_extack_fmt(extack, na,
					"%s name has a bad character 0x%02x at %zu (allowed: letters, digits, _ - .)",
					what, c, i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A cidr nest: AF_INET with 4 address bytes and a prefix of 0..32, or
 * AF_INET6 with 16 bytes and 0..128. An IPv4-mapped IPv6 prefix is refused
 * (write it as IPv4), so one prefix has one spelling.
 */
int tlsi_nla_get_cidr(const struct nlattr *nest, struct tlsi_cidr *c,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TLSI_CIDR_A_MAX + 1];
	char buf[TLSI_ADDR_STR_MAX];
	u8 family, plen;
	int err;

	err = nla_parse_nested(tb, TLSI_CIDR_A_MAX, nest, tlsi_cidr_policy, extack);
	if (err)
		return err;
	if (!tb[TLSI_CIDR_A_FAMILY] || !tb[TLSI_CIDR_A_ADDR] ||
	    !tb[TLSI_CIDR_A_PREFIXLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "address needs family, address and prefix length");
		return -EINVAL;
	}
	family = nla_get_u8(tb[TLSI_CIDR_A_FAMILY]);
	plen = nla_get_u8(tb[TLSI_CIDR_A_PREFIXLEN]);
	if (family == AF_INET) {
		if (nla_len(tb[TLSI_CIDR_A_ADDR]) != 4) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_ADDR],
					    "an IPv4 address is 4 bytes");
			return -EINVAL;
		}
		if (plen > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_PREFIXLEN],
					    "an IPv4 prefix length is 0..32");
			return -EINVAL;
		}
		*c = tlsi_cidr_v4(ntohl(nla_get_in_addr(tb[TLSI_CIDR_A_ADDR])), plen);
	} else if (family == AF_INET6) {
		if (nla_len(tb[TLSI_CIDR_A_ADDR]) != 16) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_ADDR],
					    "an IPv6 address is 16 bytes");
			return -EINVAL;
		}
		c->addr = tlsi_addr_v6(nla_data(tb[TLSI_CIDR_A_ADDR]));
		c->plen = plen;
		c->family = TLSI_AF_V6;
		if (plen >= TLSI_V4_PLEN_BASE && tlsi_addr_is_v4(&c->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_ADDR],
					    "IPv4-mapped IPv6 prefix: write it as IPv4");
			return -EINVAL;
		}
	} else {
		NL_SET_ERR_MSG_ATTR(extack, tb[TLSI_CIDR_A_FAMILY],
				    "address family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (!tlsi_cidr_valid(c)) {
		tlsi_extack_fmt(extack, nest, "host bits set in %s/%u",
				tlsi_addr_str(&c->addr, buf), tlsi_cidr_family_plen(c));
		return -EINVAL;
	}
	return 0;
}

int tlsi_nla_put_cidr(struct sk_buff *skb, int type, const struct tlsi_cidr *c)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	u8 bytes[16];
	bool v4 = c->family != TLSI_AF_V6;

	if (!nest)
		return -EMSGSIZE;
	tlsi_addr_to_bytes(&c->addr, bytes);
	if (nla_put_u8(skb, TLSI_CIDR_A_FAMILY, v4 ? AF_INET : AF_INET6) ||
	    nla_put(skb, TLSI_CIDR_A_ADDR, v4 ? 4 : 16, v4 ? bytes + 12 : bytes) ||
	    nla_put_u8(skb, TLSI_CIDR_A_PREFIXLEN, v4 ? tlsi_cidr_family_plen(c) : c->plen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One host address as a cidr nest of a full-length prefix. */
int tlsi_nla_put_addr(struct sk_buff *skb, int type, const struct tlsi_addr *a)
{
	struct tlsi_cidr c = { .addr = *a };

	c.family = tlsi_addr_family(a);
	c.plen = 128;
	return tlsi_nla_put_cidr(skb, type, &c);
}

const char *tlsi_addr_str(const struct tlsi_addr *a, char *buf)
{
	u8 b[16];

	if (tlsi_addr_is_v4(a)) {
		snprintf(buf, TLSI_ADDR_STR_MAX, "%pI4h", &a->w[3]);
	} else {
		tlsi_addr_to_bytes(a, b);
		snprintf(buf, TLSI_ADDR_STR_MAX, "%pI6c", b);
	}
	return buf;
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

/* Each command parses with its own policy (tlsi_policies_build). */
#define TLSI_POLICY(c)	 .policy = tlsi_cmd_policy[c], .maxattr = TLSI_A_MAX
#define TLSI_ADMIN	GENL_UNS_ADMIN_PERM	/* narrowed at init: tlsi_ops_init() */
#define TLSI_DO(c, fn)   { .cmd = c, .doit = fn, .flags = TLSI_ADMIN, TLSI_POLICY(c) }
#define TLSI_DUMP(c, fn) { .cmd = c, .dumpit = fn, .flags = TLSI_ADMIN, TLSI_POLICY(c) }

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
	  .flags = TLSI_ADMIN, TLSI_POLICY(TLSI_CMD_REP_GET) },
	TLSI_DO(TLSI_CMD_REP_FLUSH, tlsi_rep_flush),
	TLSI_DO(TLSI_CMD_REP_LOAD, tlsi_rep_load),
	TLSI_DO(TLSI_CMD_REP_COMMIT, tlsi_rep_commit),
	TLSI_DO(TLSI_CMD_REP_ABORT, tlsi_rep_abort),
	TLSI_DO(TLSI_CMD_QUAR_NEW, tlsi_quar_new),
	TLSI_DO(TLSI_CMD_QUAR_DEL, tlsi_quar_del),
	TLSI_DUMP(TLSI_CMD_QUAR_GET, tlsi_quar_dump),
	TLSI_DO(TLSI_CMD_QUAR_FLUSH, tlsi_quar_flush),
	{ .cmd = TLSI_CMD_CONFIG_GET, .doit = tlsi_config_get, .flags = TLSI_ADMIN,
	  TLSI_POLICY(TLSI_CMD_CONFIG_GET) },
	TLSI_DO(TLSI_CMD_CONFIG_SET, tlsi_config_set),
	/* counters only: public */
	{ .cmd = TLSI_CMD_STATS_GET, .doit = tlsi_stats_get, TLSI_POLICY(TLSI_CMD_STATS_GET) },
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
	  .dumpit = tlsi_rules_dump, .done = tlsi_rules_dump_done, .flags = TLSI_ADMIN,
	  TLSI_POLICY(TLSI_CMD_RULES_GET) },
	TLSI_DO(TLSI_CMD_RULES_FLUSH, tlsi_rules_flush),
	TLSI_DO(TLSI_CMD_RULES_VAR_SET, tlsi_rules_var_set),
	{ .cmd = TLSI_CMD_RULES_VAR_GET, .start = tlsi_rules_var_dump_start,
	  .dumpit = tlsi_rules_var_dump, .done = tlsi_rules_dump_done, .flags = TLSI_ADMIN,
	  TLSI_POLICY(TLSI_CMD_RULES_VAR_GET) },
	{ .cmd = TLSI_CMD_IPS_GET, .doit = tlsi_ips_cfg_get, .flags = TLSI_ADMIN,
	  TLSI_POLICY(TLSI_CMD_IPS_GET) },
	TLSI_DO(TLSI_CMD_IPS_SET, tlsi_ips_cfg_set),
	{ .cmd = TLSI_CMD_TRACE_GET, .start = tlsi_trace_dump_start,
	  .dumpit = tlsi_trace_dump, .flags = TLSI_ADMIN, TLSI_POLICY(TLSI_CMD_TRACE_GET) },
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
	.policy		= tlsi_cmd_policy[TLSI_CMD_UNSPEC],
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
	if (nla_put_u8(skb, TLSI_A_EVENT_TYPE, type) ||
	    nla_put_u8(skb, TLSI_A_TABLE, table) ||
	    tlsi_nla_put_addr(skb, TLSI_A_SRC, &t->saddr) ||
	    (t->proto && nla_put_u8(skb, TLSI_A_PROTO, t->proto)))
		goto fail_free;
	if (!tlsi_addr_is_zero(&t->daddr) || t->proto)
		if (tlsi_nla_put_addr(skb, TLSI_A_DST, &t->daddr))
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

static int tlsi_policies_build(void)
{
	DECLARE_BITMAP(has_policy, TLSI_CMD_MAX + 1) = { 0 };
	unsigned int i;
	int err;

	for (i = 0; i < TLSI_ITEMS; i++) {
		err = tlsi_policy_build(&tlsi_item_takes[i], "a nest element");
		if (err)
			return err;
	}
	for (i = 0; i < ARRAY_SIZE(tlsi_cmd_takes); i++) {
		err = tlsi_policy_build(&tlsi_cmd_takes[i].t, "a command");
		if (err)
			return err;
		__set_bit(tlsi_cmd_takes[i].cmd, has_policy);
	}
	/* TLSI_CMD_UNSPEC's policy (all zero) refuses every attribute: it is
	 * the family's, for an operation that would have none. */
	for (i = 0; i < ARRAY_SIZE(tlsi_ops); i++) {
		if (!test_bit(tlsi_ops[i].cmd, has_policy)) {
			pr_err("tlsi: command %u has no row in TLSI_CMD_ATTRS\n",
			       tlsi_ops[i].cmd);
			return -EINVAL;
		}
	}
	return 0;
}

int __init tlsi_netlink_init(void)
{
	int err = tlsi_policies_build();

	if (err)
		return err;
	tlsi_ops_init();
	return genl_register_family(&tlsi_genl_family);
}

void tlsi_netlink_exit(void)
{
	genl_unregister_family(&tlsi_genl_family);
}
