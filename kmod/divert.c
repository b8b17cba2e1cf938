// SPDX-License-Identifier: GPL-2.0
/*
 * Diverted connections by address. tlsid accepts a diverted connection on
 * its transparent listener and asks (TLSI_IOC_SESSION_INFO) which SSL
 * client policy sent it there, to apply that policy's proxy settings. The
 * accepted socket knows the client's address and the original destination,
 * but not the bridge segment or VLAN that key the flow table, so the divert
 * keeps its own small map from the address 4-tuple to the policy id.
 *
 * Cleartext connections diverted to the module's own listener (cleartext.c)
 * have entries too, marked cleartext and carrying the profile's inspection
 * depth: the IPv4 hook sends their SYN to that listener, and the listener
 * relays only connections that have one.
 *
 * An entry lives exactly as long as the flow's session slot: added when a
 * SYN is diverted, removed when the flow is freed. It is therefore bounded
 * by max-ssl-sessions. A failed allocation diverts the connection anyway
 * (tlsid then applies its own defaults) and is counted.
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "tlsi.h"

struct tlsi_divert_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	struct tlsi_addr saddr, daddr;	/* as in tlsi_pkt_tuple */
	u16 sport, dport;
	u32 policy_id;			/* SSL: the client policy */
	u32 depth;			/* cleartext: the profile's inspect-depth */
	bool cleartext;
	bool trusted;			/* SSL: a TM trust filter's: not inspected */
};

static u32 tlsi_divert_hash(const struct tlsi_addr *saddr, u16 sport,
			    const struct tlsi_addr *daddr, u16 dport)
{
	return jhash_3words(tlsi_addr_fold(saddr), tlsi_addr_fold(daddr),
			    ((u32)sport << 16) | dport, 0) & (TLSI_DIVERT_BUCKETS - 1);
}

static bool tlsi_divert_entry_is(const struct tlsi_divert_entry *e,
				 const struct tlsi_addr *saddr, u16 sport,
				 const struct tlsi_addr *daddr, u16 dport)
{
	return e->sport == sport && e->dport == dport &&
	       tlsi_addr_eq(&e->saddr, saddr) && tlsi_addr_eq(&e->daddr, daddr);
}

/* Called from the packet path (softirq). */
int tlsi_divert_add(struct tlsi_net *tn, const struct tlsi_pkt_tuple *t, u32 policy_id,
		    bool cleartext, u32 depth, bool trusted)
{
	u32 h = tlsi_divert_hash(&t->saddr, t->sport, &t->daddr, t->dport);
	struct tlsi_divert_entry *e;

	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		tlsi_count(tn, TLSI_CNT_SSL_DIVERT_INFO_NOMEM);
		return -ENOMEM;
	}
	e->saddr = t->saddr;
	e->daddr = t->daddr;
	e->sport = t->sport;
	e->dport = t->dport;
	e->policy_id = policy_id;
	e->cleartext = cleartext;
	e->depth = depth;
	e->trusted = trusted;
	spin_lock_bh(&tn->divert_lock);
	hlist_add_head_rcu(&e->node, &tn->divert[h]);
	spin_unlock_bh(&tn->divert_lock);
	return 0;
}

void tlsi_divert_del(struct tlsi_net *tn, const struct tlsi_pkt_tuple *t)
{
	u32 h = tlsi_divert_hash(&t->saddr, t->sport, &t->daddr, t->dport);
	struct tlsi_divert_entry *e;

	spin_lock_bh(&tn->divert_lock);
	hlist_for_each_entry(e, &tn->divert[h], node) {
		if (tlsi_divert_entry_is(e, &t->saddr, t->sport, &t->daddr, t->dport)) {
			hlist_del_rcu(&e->node);
			kfree_rcu(e, rcu);
			break;
		}
	}
	spin_unlock_bh(&tn->divert_lock);
}

/* Under RCU: the entry of client saddr:sport -> daddr:dport, or NULL. */
static struct tlsi_divert_entry *tlsi_divert_find(struct tlsi_net *tn,
						  const struct tlsi_addr *saddr, u16 sport,
						  const struct tlsi_addr *daddr, u16 dport)
{
	struct tlsi_divert_entry *e;

	hlist_for_each_entry_rcu(e, &tn->divert[tlsi_divert_hash(saddr, sport, daddr, dport)],
				 node)
		if (tlsi_divert_entry_is(e, saddr, sport, daddr, dport))
			return e;
	return NULL;
}

/* The policy that diverted client saddr:sport -> daddr:dport; 0 if none
 * (or a cleartext connection). *trusted (if not NULL): a TM trust filter
 * passed it, so it is relayed uninspected. */
u32 tlsi_divert_policy(struct tlsi_net *tn, const struct tlsi_addr *saddr, u16 sport,
		       const struct tlsi_addr *daddr, u16 dport, bool *trusted)
{
	struct tlsi_divert_entry *e;
	u32 id = 0;

	rcu_read_lock();
	e = tlsi_divert_find(tn, saddr, sport, daddr, dport);
	if (e && !e->cleartext) {
		id = e->policy_id;
		if (trusted)
			*trusted = e->trusted;
	}
	rcu_read_unlock();
	return id;
}

/* Was client saddr:sport -> daddr:dport diverted for cleartext inspection?
 * Then *depth is its profile's inspect-depth. */
bool tlsi_divert_cleartext(struct tlsi_net *tn, const struct tlsi_addr *saddr, u16 sport,
			   const struct tlsi_addr *daddr, u16 dport, u32 *depth)
{
	struct tlsi_divert_entry *e;
	bool found = false;

	rcu_read_lock();
	e = tlsi_divert_find(tn, saddr, sport, daddr, dport);
	if (e && e->cleartext) {
		found = true;
		if (depth)
			*depth = e->depth;
	}
	rcu_read_unlock();
	return found;
}

/* After the hooks and the flow table are gone. */
void tlsi_divert_free(struct tlsi_net *tn)
{
	struct tlsi_divert_entry *e;
	struct hlist_node *tmp;
	u32 i;

	for (i = 0; i < TLSI_DIVERT_BUCKETS; i++) {
		hlist_for_each_entry_safe(e, tmp, &tn->divert[i], node) {
			hlist_del(&e->node);
			kfree_rcu(e, rcu);
		}
	}
}
