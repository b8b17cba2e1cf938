// SPDX-License-Identifier: GPL-2.0
/*
 * Quarantined hosts: every flow to or from them is blocked, unless an
 * earlier table (bypass, TM trust) decided first. Entries may expire; the
 * per-namespace GC work removes them and moves the configuration generation
 * so that flows blocked by them are classified again.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <net/genetlink.h>

#include "tlsi.h"

static u32 tlsi_quar_bucket(const struct tlsi_addr *addr)
{
	return jhash2(addr->w, 4, 0x71a5) & (TLSI_QUAR_BUCKETS - 1);
}

static bool tlsi_quar_expired(const struct tlsi_quar_entry *q)
{
	unsigned long exp = READ_ONCE(q->expires);

	return exp && time_after_eq(jiffies, exp);
}

const struct tlsi_quar_entry *tlsi_quar_lookup(struct tlsi_net *tn,
					       const struct tlsi_addr *addr)
{
	const struct tlsi_quar_entry *q;

	hlist_for_each_entry_rcu(q, &tn->quar[tlsi_quar_bucket(addr)], node)
		if (tlsi_addr_eq(&q->addr, addr) && !tlsi_quar_expired(q))
			return q;
	return NULL;
}

static struct tlsi_quar_entry *tlsi_quar_find_locked(struct tlsi_net *tn,
						     const struct tlsi_addr *addr)
{
	struct tlsi_quar_entry *q;

	hlist_for_each_entry(q, &tn->quar[tlsi_quar_bucket(addr)], node)
		if (tlsi_addr_eq(&q->addr, addr))
			return q;
	return NULL;
}

static int tlsi_quar_get_host(struct genl_info *info, struct tlsi_addr *addr)
{
	char buf[TLSI_ADDR_STR_MAX];
	struct tlsi_cidr c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_SRC))
		return -EINVAL;
	err = tlsi_nla_get_cidr(info->attrs[TLSI_A_SRC], &c, info->extack);
	if (err)
		return err;
	if (c.plen != 128) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"quarantine takes hosts, not networks (%s/%u)",
				tlsi_addr_str(&c.addr, buf), tlsi_cidr_family_plen(&c));
		return -EINVAL;
	}
	*addr = c.addr;
	return 0;
}

/*
 * tlsi_quar_add - quarantine host addr for timeout seconds
 * (0: until removed) with a reason; an already quarantined host gets the
 * new timeout and reason. Process context. Returns 0, -ENOMEM, or
 * -ENOSPC when the table is full.
 */
int tlsi_quar_add(struct tlsi_net *tn, const struct tlsi_addr *addr, u32 timeout,
		  const char *reason)
{
	struct tlsi_quar_entry *q, *old;
	struct tlsi_pkt_tuple t = {};

	q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	q->addr = *addr;
	q->expires = timeout ? jiffies + (unsigned long)timeout * HZ : 0;
	if (q->expires == 0 && timeout)
		q->expires = 1;
	if (reason)
		strscpy(q->reason, reason, sizeof(q->reason));

	mutex_lock(&tn->cfg_lock);
	old = tlsi_quar_find_locked(tn, addr);
	if (!old && tn->nquar >= TLSI_QUAR_MAX) {
		mutex_unlock(&tn->cfg_lock);
		kfree(q);
		return -ENOSPC;
	}
	if (old) {
		/* Re-quarantining a host renews its timeout and reason. */
		atomic64_set(&q->hits, atomic64_read(&old->hits));
		hlist_replace_rcu(&old->node, &q->node);
		kfree_rcu(old, rcu);
	} else {
		hlist_add_head_rcu(&q->node, &tn->quar[tlsi_quar_bucket(addr)]);
		tn->nquar++;
	}
	tlsi_config_changed(tn);
	t.saddr = *addr;
	tlsi_event_send(tn, TLSI_EVENT_QUARANTINE, TLSI_TABLE_QUARANTINE, &t, NULL,
			NULL, 0, NULL, q->reason, timeout);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}

int tlsi_quar_new(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	char reason[TLSI_REASON_MAX] = "";
	struct tlsi_addr addr;
	u32 timeout = 0;
	int err;

	err = tlsi_quar_get_host(info, &addr);
	if (err)
		return err;
	if (info->attrs[TLSI_A_TIMEOUT])
		timeout = nla_get_u32(info->attrs[TLSI_A_TIMEOUT]);
	if (info->attrs[TLSI_A_REASON])
		nla_strscpy(reason, info->attrs[TLSI_A_REASON], sizeof(reason));
	err = tlsi_quar_add(tn, &addr, timeout, reason);
	if (err == -ENOSPC)
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"quarantine table is full (%u hosts)", TLSI_QUAR_MAX);
	return err;
}

int tlsi_quar_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_quar_entry *q;
	char buf[TLSI_ADDR_STR_MAX];
	struct tlsi_addr addr;
	int err;

	err = tlsi_quar_get_host(info, &addr);
	if (err)
		return err;
	mutex_lock(&tn->cfg_lock);
	q = tlsi_quar_find_locked(tn, &addr);
	if (!q) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"host %s is not quarantined", tlsi_addr_str(&addr, buf));
		err = -ENOENT;
	} else {
		hlist_del_rcu(&q->node);
		tn->nquar--;
		tlsi_config_changed(tn);
		kfree_rcu(q, rcu);
	}
	mutex_unlock(&tn->cfg_lock);
	return err;
}

/* The quarantine log's "expired" record (only built while someone listens). */
static void tlsi_quar_event_expired(struct tlsi_net *tn, const struct tlsi_quar_entry *q)
{
	struct tlsi_pkt_tuple t = { .saddr = q->addr };

	tlsi_event_send(tn, TLSI_EVENT_QUARANTINE_EXPIRED, TLSI_TABLE_QUARANTINE, &t, NULL,
			NULL, 0, NULL, q->reason, 0);
}

static void tlsi_quar_flush_locked(struct tlsi_net *tn, bool expired_only)
{
	struct tlsi_quar_entry *q;
	struct hlist_node *tmp;
	u32 i, n = 0;

	for (i = 0; i < TLSI_QUAR_BUCKETS; i++) {
		hlist_for_each_entry_safe(q, tmp, &tn->quar[i], node) {
			if (expired_only && !tlsi_quar_expired(q))
				continue;
			if (expired_only)
				tlsi_quar_event_expired(tn, q);
			hlist_del_rcu(&q->node);
			tn->nquar--;
			kfree_rcu(q, rcu);
			n++;
		}
	}
	if (n) {
		tlsi_config_changed(tn);
		if (expired_only)
			this_cpu_add(tn->counters[TLSI_CNT_QUAR_EXPIRED], n);
	}
}

int tlsi_quar_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));

	mutex_lock(&tn->cfg_lock);
	tlsi_quar_flush_locked(tn, false);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}

/* From the GC work: drop expired hosts so their flows are decided again. */
void tlsi_quar_expire(struct tlsi_net *tn)
{
	mutex_lock(&tn->cfg_lock);
	if (tn->nquar)
		tlsi_quar_flush_locked(tn, true);
	mutex_unlock(&tn->cfg_lock);
}

/* Dump cursor: args[0] bucket, args[1] entries already sent from it. */
int tlsi_quar_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	struct tlsi_quar_entry *q;
	u32 b = cb->args[0];
	long skip = cb->args[1], n;
	void *hdr;

	mutex_lock(&tn->cfg_lock);
	for (; b < TLSI_QUAR_BUCKETS; b++, skip = 0) {
		n = 0;
		hlist_for_each_entry(q, &tn->quar[b], node) {
			u32 left = 0;

			if (n++ < skip)
				continue;
			if (q->expires) {
				long d = (long)(q->expires - jiffies);

				left = d > 0 ? DIV_ROUND_UP(d, HZ) : 0;
			}
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_QUAR_GET);
			if (!hdr)
				goto full;
			if (tlsi_nla_put_addr(skb, TLSI_A_SRC, &q->addr) ||
			    nla_put_u32(skb, TLSI_A_TIMEOUT, left) ||
			    (q->reason[0] && nla_put_string(skb, TLSI_A_REASON, q->reason)) ||
			    nla_put_u64_64bit(skb, TLSI_A_HITS, atomic64_read(&q->hits), TLSI_A_PAD)) {
				genlmsg_cancel(skb, hdr);
				goto full;
			}
			genlmsg_end(skb, hdr);
		}
	}
	cb->args[0] = b;
	cb->args[1] = 0;
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
full:
	cb->args[0] = b;
	cb->args[1] = n - 1;
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

void tlsi_quar_reset_hits(struct tlsi_net *tn)
{
	struct tlsi_quar_entry *q;
	u32 i;

	for (i = 0; i < TLSI_QUAR_BUCKETS; i++)
		hlist_for_each_entry(q, &tn->quar[i], node)
			atomic64_set(&q->hits, 0);
}

void tlsi_quar_free(struct tlsi_net *tn)
{
	mutex_lock(&tn->cfg_lock);
	tlsi_quar_flush_locked(tn, false);
	mutex_unlock(&tn->cfg_lock);
}
