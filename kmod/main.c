// SPDX-License-Identifier: GPL-2.0
/*
 * tlsi.ko: module and namespace setup and teardown only.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "tlsi.h"

unsigned int tlsi_net_id __read_mostly;

static const struct tlsi_config tlsi_default_config = {
	.max_flows = 262144,
	.flow_full_action = TLSI_FLOW_FULL_DROP,
	.max_ssl_sessions = 10000,
	.timeout = {
		[TLSI_TO_TCP_SYN] = 30,
		[TLSI_TO_TCP_EST] = 3600,
		[TLSI_TO_TCP_CLOSE] = 10,
		[TLSI_TO_UDP] = 60,
		[TLSI_TO_ICMP] = 30,
		[TLSI_TO_OTHER] = 60,
	},
};

static void tlsi_gc_work(struct work_struct *work)
{
	struct tlsi_net *tn = container_of(to_delayed_work(work), struct tlsi_net, gc_work);

	tlsi_flow_gc(tn);
	tlsi_quar_expire(tn);
	tlsi_relay_gc(tn);
	queue_delayed_work(system_power_efficient_wq, &tn->gc_work, HZ);
}

static int __net_init tlsi_net_init(struct net *net)
{
	struct tlsi_net *tn = tlsi_pernet(net);
	int err;

	tn->net = net;
	mutex_init(&tn->cfg_lock);
	INIT_LIST_HEAD(&tn->profiles);
	INIT_LIST_HEAD(&tn->ssl_proxies);
	tn->cfg = tlsi_default_config;
	tlsi_relay_net_init(tn);
	INIT_DELAYED_WORK(&tn->gc_work, tlsi_gc_work);

	tn->counters = __alloc_percpu_gfp(sizeof(u64) * __TLSI_CNT_MAX, sizeof(u64), GFP_KERNEL_ACCOUNT);
	if (!tn->counters)
		return -ENOMEM;
	err = tlsi_flow_table_init(tn);
	if (err)
		goto err_counters;
	err = tlsi_stats_net_init(tn);
	if (err)
		goto err_flows;
	/* Without its listener the namespace inspects no cleartext TCP
	 * (counted in cleartext_no_divert_bypassed), but works. */
	err = tlsi_cleartext_net_init(tn);
	if (err)
		pr_warn("tlsi: no listener for cleartext inspection (error %d)\n", err);
	err = tlsi_hooks_register(tn);
	if (err)
		goto err_listener;
	queue_delayed_work(system_power_efficient_wq, &tn->gc_work, HZ);
	return 0;

err_listener:
	tlsi_cleartext_net_exit(tn);
	tlsi_stats_net_exit(tn);
err_flows:
	tlsi_flow_table_free(tn);
err_counters:
	free_percpu(tn->counters);
	return err;
}

static void __net_exit tlsi_net_exit(struct net *net)
{
	struct tlsi_net *tn = tlsi_pernet(net);

	/* Stop the packet path first; unregistering waits for it to drain. */
	tlsi_hooks_unregister(tn);
	cancel_delayed_work_sync(&tn->gc_work);
	tlsi_cleartext_net_exit(tn);
	/* Sessions still relayed (module unload only) are reset. */
	tlsi_relay_net_exit(tn);
	tlsi_stats_net_exit(tn);
	synchronize_rcu();
	tlsi_flow_table_free(tn);
	tlsi_divert_free(tn);
	tlsi_rules_free(tn);
	tlsi_rep_free(tn);
	tlsi_quar_free(tn);
	tlsi_segments_free(tn);
	tlsi_ssl_free(tn);
	/* Segments, SSL policies and rules are gone: profiles have no users left. */
	tlsi_profiles_free(tn);
	free_percpu(tn->counters);
	tn->net = NULL;		/* late netdev events must leave us alone */
}

static struct pernet_operations tlsi_net_ops = {
	.init = tlsi_net_init,
	.exit = tlsi_net_exit,
	.id = &tlsi_net_id,
	.size = sizeof(struct tlsi_net),
};

static int __init tlsi_init(void)
{
	int err;

	err = tlsi_flow_cache_init();
	if (err)
		return err;
	err = tlsi_rep_init();
	if (err)
		goto err_flow_cache;
	tlsi_stats_init();
	/* IPS rules first: their namespace exit then runs after the main
	 * one, which ends the relayed sessions that use them. */
	err = tlsi_ips_init();
	if (err)
		goto err_stats;
	err = register_pernet_subsys(&tlsi_net_ops);
	if (err)
		goto err_ips;
	err = tlsi_segment_init();
	if (err)
		goto err_pernet;
	err = tlsi_relay_init();
	if (err)
		goto err_segment;
	/* Last: userspace can reach us only once every namespace is ready. */
	err = tlsi_netlink_init();
	if (err)
		goto err_relay;
	pr_info("tlsi: loaded\n");
	return 0;

err_relay:
	tlsi_relay_exit();
err_segment:
	tlsi_segment_exit();
err_pernet:
	unregister_pernet_subsys(&tlsi_net_ops);
err_ips:
	tlsi_ips_exit();
err_stats:
	tlsi_stats_exit();
	tlsi_rep_exit();
err_flow_cache:
	tlsi_flow_cache_exit();
	return err;
}

static void __exit tlsi_exit(void)
{
	tlsi_netlink_exit();
	tlsi_segment_exit();
	/* Ends the relayed sessions of every namespace; then the device. */
	unregister_pernet_subsys(&tlsi_net_ops);
	tlsi_relay_exit();
	tlsi_ips_exit();
	tlsi_stats_exit();
	tlsi_rep_exit();
	tlsi_flow_cache_exit();
	pr_info("tlsi: unloaded\n");
}

module_init(tlsi_init);
module_exit(tlsi_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("tlsi developers");
MODULE_DESCRIPTION("tlsi: inline TLS inspection and intrusion prevention on a bridge");
MODULE_ALIAS_GENL_FAMILY(TLSI_GENL_NAME);
