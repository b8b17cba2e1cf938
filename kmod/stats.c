// SPDX-License-Identifier: GPL-2.0
/*
 * Counters and settings: per-CPU device counters, /proc/net/tlsi/ (stable,
 * per namespace), /sys/kernel/debug/tlsi/<netns inode>/ (debug detail), and
 * the STATS and CONFIG netlink commands.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/debugfs.h>
#include <net/genetlink.h>

#include "tlsi.h"
#include "flow.h"

#define TLSI_COUNTER_NAME(name, str) [TLSI_CNT_##name] = str,
const char *const tlsi_counter_names[__TLSI_CNT_MAX] = {
	TLSI_COUNTERS(TLSI_COUNTER_NAME)
};
#undef TLSI_COUNTER_NAME

static struct dentry *tlsi_debug_root;

u64 tlsi_counter_read(struct tlsi_net *tn, enum tlsi_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(tn->counters, cpu)[c]);
	return sum;
}

static int tlsi_proc_stats_show(struct seq_file *m, void *v)
{
	struct tlsi_net *tn = tlsi_pernet(seq_file_single_net(m));
	int i;

	for (i = 0; i < __TLSI_CNT_MAX; i++)
		seq_printf(m, "%s %llu\n", tlsi_counter_names[i],
			   tlsi_counter_read(tn, i));
	seq_printf(m, "flows_current %u\n", tlsi_flows_current(tn));
	seq_printf(m, "flows_peak %u\n", tlsi_flows_peak(tn));
	seq_printf(m, "flows_max %u\n", READ_ONCE(tn->cfg.max_flows));
	seq_printf(m, "reputation_entries %u\n", tlsi_rep_count(tn));
	seq_printf(m, "quarantine_entries %u\n", READ_ONCE(tn->nquar));
	seq_printf(m, "ssl_sessions_active %u\n", atomic_read(&tn->ssl_sessions));
	seq_printf(m, "relay_sessions_active %u\n", READ_ONCE(tn->nrelays));
	return 0;
}

static int tlsi_proc_segments_show(struct seq_file *m, void *v)
{
	struct tlsi_net *tn = tlsi_pernet(seq_file_single_net(m));
	const struct tlsi_segment_array *sa;
	u32 i;

	seq_puts(m, "# name profile port_a port_b packets bytes\n");
	rcu_read_lock();
	sa = rcu_dereference(tn->segments);
	for (i = 0; sa && i < sa->count; i++) {
		const struct tlsi_segment *s = sa->segs[i];

		seq_printf(m, "%s %s %s %s %lld %lld\n", s->name, s->profile->name,
			   s->port_a_name, s->port_b_name,
			   (long long)atomic64_read(&s->packets),
			   (long long)atomic64_read(&s->bytes));
	}
	rcu_read_unlock();
	return 0;
}

static int tlsi_debug_flows_show(struct seq_file *m, void *v)
{
	return tlsi_flow_debug_show(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(tlsi_debug_flows);

static int tlsi_debug_state_show(struct seq_file *m, void *v)
{
	struct tlsi_net *tn = m->private;
	int i;

	seq_printf(m, "generation %d\n", atomic_read(&tn->gen));
	seq_printf(m, "flow_size %zu\n", sizeof(struct tlsi_flow));
	seq_printf(m, "rep_entry_size %zu\n", sizeof(struct tlsi_rep_entry));
	seq_printf(m, "quar_entry_size %zu\n", sizeof(struct tlsi_quar_entry));
	seq_printf(m, "profiles %u\n", READ_ONCE(tn->nprofiles));
	seq_printf(m, "rep_stage_batch %u entries %u\n", READ_ONCE(tn->stage.batch),
		   READ_ONCE(tn->stage.count));
	for (i = 0; i <= TLSI_TO_OTHER; i++)
		seq_printf(m, "timeout[%d] %u\n", i, READ_ONCE(tn->cfg.timeout[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tlsi_debug_state);

int tlsi_stats_net_init(struct tlsi_net *tn)
{
	struct net *net = tn->net;
	char name[24];

	tn->proc_dir = proc_net_mkdir(net, "tlsi", net->proc_net);
	if (!tn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("stats", 0444, tn->proc_dir,
				    tlsi_proc_stats_show, NULL) ||
	    !proc_create_net_single("segments", 0444, tn->proc_dir,
				    tlsi_proc_segments_show, NULL)) {
		remove_proc_subtree("tlsi", net->proc_net);
		tn->proc_dir = NULL;
		return -ENOMEM;
	}
	/* debugfs is best effort by design: failures are not errors. */
	if (tlsi_debug_root) {
		snprintf(name, sizeof(name), "%u", net->ns.inum);
		tn->debug_dir = debugfs_create_dir(name, tlsi_debug_root);
		debugfs_create_file("flows", 0400, tn->debug_dir, tn, &tlsi_debug_flows_fops);
		debugfs_create_file("state", 0400, tn->debug_dir, tn, &tlsi_debug_state_fops);
	}
	return 0;
}

void tlsi_stats_net_exit(struct tlsi_net *tn)
{
	debugfs_remove(tn->debug_dir);
	tn->debug_dir = NULL;
	if (tn->proc_dir)
		remove_proc_subtree("tlsi", tn->net->proc_net);
	tn->proc_dir = NULL;
}

int tlsi_stats_init(void)
{
	tlsi_debug_root = debugfs_create_dir("tlsi", NULL);
	if (IS_ERR(tlsi_debug_root))
		tlsi_debug_root = NULL;
	return 0;
}

void tlsi_stats_exit(void)
{
	debugfs_remove(tlsi_debug_root);
	tlsi_debug_root = NULL;
}

int tlsi_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int i;

	/* Every counter, whatever their number, plus the gauges. */
	msg = genlmsg_new(nla_total_size(0) + __TLSI_CNT_MAX * nla_total_size_64bit(sizeof(u64)) +
			  8 * nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, TLSI_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, TLSI_A_STATS);
	if (!nest)
		goto nospace;
	for (i = 0; i < __TLSI_CNT_MAX; i++)
		if (nla_put_u64_64bit(msg, i + 1, tlsi_counter_read(tn, i), 0))
			goto nospace;
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, TLSI_A_FLOWS_CURRENT, tlsi_flows_current(tn)) ||
	    nla_put_u32(msg, TLSI_A_FLOWS_PEAK, tlsi_flows_peak(tn)) ||
	    nla_put_u32(msg, TLSI_A_SSL_ACTIVE, atomic_read(&tn->ssl_sessions)) ||
	    nla_put_u32(msg, TLSI_A_RELAY_ACTIVE, READ_ONCE(tn->nrelays)) ||
	    nla_put_u32(msg, TLSI_A_MAX_FLOWS, READ_ONCE(tn->cfg.max_flows)))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int tlsi_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	int cpu;

	mutex_lock(&tn->cfg_lock);
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(tn->counters, cpu), 0, sizeof(u64) * __TLSI_CNT_MAX);
	tlsi_flows_reset_peak(tn);
	tlsi_rules_reset_hits(tn);
	tlsi_rep_reset_hits(tn);
	tlsi_quar_reset_hits(tn);
	tlsi_segments_reset_counters(tn);
	tlsi_ips_reset_hits(tn);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}

static const int tlsi_timeout_attrs[] = {
	[TLSI_TO_TCP_SYN] = TLSI_A_TIMEOUT_TCP_SYN,
	[TLSI_TO_TCP_EST] = TLSI_A_TIMEOUT_TCP_EST,
	[TLSI_TO_TCP_CLOSE] = TLSI_A_TIMEOUT_TCP_CLOSE,
	[TLSI_TO_UDP] = TLSI_A_TIMEOUT_UDP,
	[TLSI_TO_ICMP] = TLSI_A_TIMEOUT_ICMP,
	[TLSI_TO_OTHER] = TLSI_A_TIMEOUT_OTHER,
};

int tlsi_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, TLSI_CMD_CONFIG_GET);
	if (!hdr)
		goto nospace;
	mutex_lock(&tn->cfg_lock);
	if (nla_put_u32(msg, TLSI_A_MAX_FLOWS, tn->cfg.max_flows) ||
	    nla_put_u8(msg, TLSI_A_FLOW_FULL_ACTION, tn->cfg.flow_full_action) ||
	    nla_put_u8(msg, TLSI_A_SSL_CLIENT, tn->cfg.ssl_client) ||
	    nla_put_u8(msg, TLSI_A_SSL_SERVER, tn->cfg.ssl_server) ||
	    nla_put_u32(msg, TLSI_A_MAX_SSL_SESSIONS, tn->cfg.max_ssl_sessions) ||
	    nla_put_u16(msg, TLSI_A_DIVERT_PORT, tn->cfg.divert_port) ||
	    (tn->cfg.divert_mark && nla_put_u32(msg, TLSI_A_DIVERT_MARK, tn->cfg.divert_mark)))
		goto unlock_nospace;
	for (i = 0; i < ARRAY_SIZE(tlsi_timeout_attrs); i++)
		if (nla_put_u32(msg, tlsi_timeout_attrs[i], tn->cfg.timeout[i]))
			goto unlock_nospace;
	mutex_unlock(&tn->cfg_lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
unlock_nospace:
	mutex_unlock(&tn->cfg_lock);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int tlsi_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	int i;

	/* The policy bounds every value: nothing below can fail halfway. */
	mutex_lock(&tn->cfg_lock);
	if (attrs[TLSI_A_MAX_FLOWS])
		WRITE_ONCE(tn->cfg.max_flows, nla_get_u32(attrs[TLSI_A_MAX_FLOWS]));
	if (attrs[TLSI_A_FLOW_FULL_ACTION])
		WRITE_ONCE(tn->cfg.flow_full_action, nla_get_u8(attrs[TLSI_A_FLOW_FULL_ACTION]));
	for (i = 0; i < ARRAY_SIZE(tlsi_timeout_attrs); i++)
		if (attrs[tlsi_timeout_attrs[i]])
			WRITE_ONCE(tn->cfg.timeout[i], nla_get_u32(attrs[tlsi_timeout_attrs[i]]));
	if (attrs[TLSI_A_SSL_CLIENT])
		WRITE_ONCE(tn->cfg.ssl_client, nla_get_u8(attrs[TLSI_A_SSL_CLIENT]));
	if (attrs[TLSI_A_SSL_SERVER])
		WRITE_ONCE(tn->cfg.ssl_server, nla_get_u8(attrs[TLSI_A_SSL_SERVER]));
	if (attrs[TLSI_A_MAX_SSL_SESSIONS])
		WRITE_ONCE(tn->cfg.max_ssl_sessions, nla_get_u32(attrs[TLSI_A_MAX_SSL_SESSIONS]));
	if (attrs[TLSI_A_DIVERT_PORT])
		WRITE_ONCE(tn->cfg.divert_port, nla_get_u16(attrs[TLSI_A_DIVERT_PORT]));
	if (attrs[TLSI_A_DIVERT_MARK])
		WRITE_ONCE(tn->cfg.divert_mark, nla_get_u32(attrs[TLSI_A_DIVERT_MARK]));
	/* New SSL settings apply to flows not yet decided. */
	tlsi_config_changed(tn);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}
