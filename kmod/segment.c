// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual segments: a pair of bridge ports, optional VLANs and addresses,
 * bound to a profile. Matching runs on ingress (bridge PRE_ROUTING), where
 * the egress port is not known yet, so a port pairs with one other port
 * only: several segments may share a pair (split by VLAN or address), but a
 * port is never in two different pairs.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "tlsi.h"

static bool tlsi_segment_vlan_ok(const struct tlsi_segment *s, u16 vlan)
{
	u16 i;

	if (!s->nvlans)
		return true;
	for (i = 0; i < s->nvlans; i++)
		if (s->vlans[i] == vlan)
			return true;
	return false;
}

/**
 * tlsi_segment_lookup - the segment a frame belongs to, first match in order
 * @reversed: set when the frame runs B -> A
 *
 * Under RCU. With NULL addresses (an unparsable packet) addresses are not
 * compared.
 */
const struct tlsi_segment *tlsi_segment_lookup(struct tlsi_net *tn, int in_ifindex,
					       u16 vlan, const struct tlsi_addr *saddr,
					       const struct tlsi_addr *daddr, bool *reversed)
{
	const struct tlsi_segment_array *sa = rcu_dereference(tn->segments);
	bool no_addr = !saddr || !daddr;
	u32 i;

	if (!sa)
		return NULL;
	for (i = 0; i < sa->count; i++) {
		const struct tlsi_segment *s = sa->segs[i];
		const struct tlsi_addr *a_side, *b_side;

		if (in_ifindex == s->port_a) {
			a_side = saddr;
			b_side = daddr;
			*reversed = false;
		} else if (in_ifindex == s->port_b) {
			a_side = daddr;
			b_side = saddr;
			*reversed = true;
		} else {
			continue;
		}
		if (!tlsi_segment_vlan_ok(s, vlan))
			continue;
		if (!no_addr) {
			if (s->has_src && !tlsi_cidr_match(&s->src, a_side))
				continue;
			if (s->has_dst && !tlsi_cidr_match(&s->dst, b_side))
				continue;
		}
		return s;
	}
	return NULL;
}

static struct tlsi_segment_array *tlsi_segments_locked(struct tlsi_net *tn)
{
	return rcu_dereference_protected(tn->segments, lockdep_is_held(&tn->cfg_lock));
}

bool tlsi_segment_uses_profile(struct tlsi_net *tn, const struct tlsi_profile *p,
			       const char **user)
{
	struct tlsi_segment_array *sa = tlsi_segments_locked(tn);
	u32 i;

	for (i = 0; sa && i < sa->count; i++) {
		if (sa->segs[i]->profile == p) {
			*user = sa->segs[i]->name;
			return true;
		}
	}
	return false;
}

static int tlsi_segment_port(struct net *net, struct nlattr *na, int *ifindex,
			     char *name, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err = 0;

	rtnl_lock();
	dev = __dev_get_by_name(net, nla_data(na));
	if (!dev) {
		tlsi_extack_fmt(extack, na, "no network device \"%s\"", (char *)nla_data(na));
		err = -ENODEV;
	} else if (!netif_is_bridge_port(dev)) {
		tlsi_extack_fmt(extack, na, "\"%s\" is not a bridge port", dev->name);
		err = -EINVAL;
	} else {
		*ifindex = dev->ifindex;
		strscpy(name, dev->name, IFNAMSIZ);
	}
	rtnl_unlock();
	return err;
}

static struct tlsi_segment_array *tlsi_segment_array_alloc(u32 count)
{
	struct tlsi_segment_array *sa;

	sa = kzalloc(struct_size(sa, segs, count ? count : 1), GFP_KERNEL_ACCOUNT);
	if (sa)
		sa->count = count;
	return sa;
}

int tlsi_segment_new(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct tlsi_segment_array *old, *sa;
	struct tlsi_segment *s;
	u32 i, pos;
	int err, id;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_PROFILE) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_PORT_A) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_PORT_B))
		return -EINVAL;
	err = tlsi_name_check(extack, attrs[TLSI_A_NAME], "segment");
	if (err)
		return err;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	nla_strscpy(s->name, attrs[TLSI_A_NAME], sizeof(s->name));

	if (attrs[TLSI_A_VLANS]) {
		const u16 *v = nla_data(attrs[TLSI_A_VLANS]);
		int len = nla_len(attrs[TLSI_A_VLANS]);

		if (len % sizeof(u16) || !len) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_VLANS],
					    "VLAN list must be a non-empty array of u16");
			err = -EINVAL;
			goto free;
		}
		s->nvlans = len / sizeof(u16);
		for (i = 0; i < s->nvlans; i++) {
			if (v[i] < 1 || v[i] > 4094) {
				tlsi_extack_fmt(extack, attrs[TLSI_A_VLANS],
						"VLAN ID %u out of range 1-4094", v[i]);
				err = -ERANGE;
				goto free;
			}
			s->vlans[i] = v[i];
		}
	}
	if (attrs[TLSI_A_SRC]) {
		err = tlsi_nla_get_cidr(attrs[TLSI_A_SRC], &s->src, extack);
		if (err)
			goto free;
		s->has_src = true;
	}
	if (attrs[TLSI_A_DST]) {
		err = tlsi_nla_get_cidr(attrs[TLSI_A_DST], &s->dst, extack);
		if (err)
			goto free;
		s->has_dst = true;
	}
	err = tlsi_segment_port(genl_info_net(info), attrs[TLSI_A_PORT_A], &s->port_a,
				s->port_a_name, extack);
	if (err)
		goto free;
	err = tlsi_segment_port(genl_info_net(info), attrs[TLSI_A_PORT_B], &s->port_b,
				s->port_b_name, extack);
	if (err)
		goto free;
	if (s->port_a == s->port_b) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_PORT_B],
				    "a segment needs two different ports");
		err = -EINVAL;
		goto free;
	}

	mutex_lock(&tn->cfg_lock);
	old = tlsi_segments_locked(tn);
	for (i = 0; old && i < old->count; i++) {
		const struct tlsi_segment *o = old->segs[i];
		bool same_pair = (o->port_a == s->port_a && o->port_b == s->port_b) ||
				 (o->port_a == s->port_b && o->port_b == s->port_a);

		if (!strcmp(o->name, s->name)) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_NAME],
					"segment \"%s\" already exists", s->name);
			err = -EEXIST;
			goto unlock;
		}
		if (!same_pair && (o->port_a == s->port_a || o->port_a == s->port_b ||
				   o->port_b == s->port_a || o->port_b == s->port_b)) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_PORT_A],
					"port already paired as %s-%s in segment \"%s\"",
					o->port_a_name, o->port_b_name, o->name);
			err = -EBUSY;
			goto unlock;
		}
	}
	if (old && old->count >= TLSI_SEGMENTS_MAX) {
		tlsi_extack_fmt(extack, NULL, "segment table is full (%u segments)",
				TLSI_SEGMENTS_MAX);
		err = -ENOSPC;
		goto unlock;
	}
	s->profile = tlsi_profile_find(tn, nla_data(attrs[TLSI_A_PROFILE]));
	if (!s->profile) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_PROFILE], "no profile \"%s\"",
				(char *)nla_data(attrs[TLSI_A_PROFILE]));
		err = -ENOENT;
		goto unlock;
	}
	id = find_next_zero_bit(tn->segment_ids, TLSI_SEGMENTS_MAX + 1, 1);
	if (id > TLSI_SEGMENTS_MAX) {
		err = -ENOSPC;
		goto unlock;
	}

	pos = old ? old->count : 0;
	if (attrs[TLSI_A_POSITION]) {
		u32 want = nla_get_u32(attrs[TLSI_A_POSITION]);

		if (want > pos) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_POSITION],
					"position %u is past the end (%u segments)", want, pos);
			err = -ERANGE;
			goto unlock;
		}
		pos = want;
	}
	sa = tlsi_segment_array_alloc((old ? old->count : 0) + 1);
	if (!sa) {
		err = -ENOMEM;
		goto unlock;
	}
	for (i = 0; i < pos; i++)
		sa->segs[i] = old->segs[i];
	sa->segs[pos] = s;
	for (i = pos; old && i < old->count; i++)
		sa->segs[i + 1] = old->segs[i];

	s->id = id;
	__set_bit(id, tn->segment_ids);
	s->profile->refcnt++;
	rcu_assign_pointer(tn->segments, sa);
	tlsi_config_changed(tn);
	mutex_unlock(&tn->cfg_lock);
	if (old)
		kfree_rcu(old, rcu);
	return 0;

unlock:
	mutex_unlock(&tn->cfg_lock);
free:
	kfree(s);
	return err;
}

int tlsi_segment_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_segment_array *old, *sa;
	struct tlsi_segment *victim = NULL;
	u32 i, j;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	old = tlsi_segments_locked(tn);
	for (i = 0; old && i < old->count; i++)
		if (!strcmp(old->segs[i]->name, nla_data(na)))
			victim = old->segs[i];
	if (!victim) {
		tlsi_extack_fmt(info->extack, na, "no segment \"%s\"", (char *)nla_data(na));
		err = -ENOENT;
		goto out;
	}
	sa = tlsi_segment_array_alloc(old->count - 1);
	if (!sa) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, j = 0; i < old->count; i++)
		if (old->segs[i] != victim)
			sa->segs[j++] = old->segs[i];
	rcu_assign_pointer(tn->segments, sa);
	tlsi_config_changed(tn);
	__clear_bit(victim->id, tn->segment_ids);
	victim->profile->refcnt--;
	kfree_rcu(old, rcu);
	kfree_rcu(victim, rcu);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

int tlsi_segment_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	struct tlsi_segment_array *sa;
	u32 i;
	void *hdr;

	mutex_lock(&tn->cfg_lock);
	sa = tlsi_segments_locked(tn);
	for (i = cb->args[0]; sa && i < sa->count; i++) {
		const struct tlsi_segment *s = sa->segs[i];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_SEGMENT_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, TLSI_A_NAME, s->name) ||
		    nla_put_string(skb, TLSI_A_PROFILE, s->profile->name) ||
		    nla_put_string(skb, TLSI_A_PORT_A, s->port_a_name) ||
		    nla_put_string(skb, TLSI_A_PORT_B, s->port_b_name) ||
		    (s->nvlans && nla_put(skb, TLSI_A_VLANS, s->nvlans * sizeof(u16), s->vlans)) ||
		    (s->has_src && tlsi_nla_put_cidr(skb, TLSI_A_SRC, &s->src)) ||
		    (s->has_dst && tlsi_nla_put_cidr(skb, TLSI_A_DST, &s->dst)) ||
		    nla_put_u32(skb, TLSI_A_POSITION, i) ||
		    nla_put_u64_64bit(skb, TLSI_A_PACKETS, atomic64_read(&s->packets), TLSI_A_PAD) ||
		    nla_put_u64_64bit(skb, TLSI_A_BYTES, atomic64_read(&s->bytes), TLSI_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

void tlsi_segments_reset_counters(struct tlsi_net *tn)
{
	struct tlsi_segment_array *sa = tlsi_segments_locked(tn);
	u32 i;

	for (i = 0; sa && i < sa->count; i++) {
		atomic64_set(&sa->segs[i]->packets, 0);
		atomic64_set(&sa->segs[i]->bytes, 0);
	}
}

/*
 * Ports are stored by ifindex for the packet path and by name for people: a
 * port that goes away stops matching, and a device registered later under
 * the same name (a re-created veth, a renamed NIC) takes its place.
 */
static int tlsi_segment_netdev_event(struct notifier_block *nb, unsigned long event,
				     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct tlsi_net *tn = tlsi_pernet(dev_net(dev));
	struct tlsi_segment_array *sa;
	u32 i;

	if (event != NETDEV_UNREGISTER && event != NETDEV_REGISTER &&
	    event != NETDEV_CHANGENAME)
		return NOTIFY_DONE;
	if (!tn->net)
		return NOTIFY_DONE;	/* namespace not (or no longer) set up */
	mutex_lock(&tn->cfg_lock);
	sa = tlsi_segments_locked(tn);
	for (i = 0; sa && i < sa->count; i++) {
		struct tlsi_segment *s = sa->segs[i];

		if (event == NETDEV_UNREGISTER || event == NETDEV_CHANGENAME) {
			if (s->port_a == dev->ifindex)
				WRITE_ONCE(s->port_a, 0);
			if (s->port_b == dev->ifindex)
				WRITE_ONCE(s->port_b, 0);
		}
		if (event == NETDEV_REGISTER || event == NETDEV_CHANGENAME) {
			if (!strcmp(s->port_a_name, dev->name))
				WRITE_ONCE(s->port_a, dev->ifindex);
			if (!strcmp(s->port_b_name, dev->name))
				WRITE_ONCE(s->port_b, dev->ifindex);
		}
	}
	mutex_unlock(&tn->cfg_lock);
	return NOTIFY_DONE;
}

static struct notifier_block tlsi_segment_notifier = {
	.notifier_call = tlsi_segment_netdev_event,
};

int tlsi_segment_init(void)
{
	return register_netdevice_notifier(&tlsi_segment_notifier);
}

void tlsi_segment_exit(void)
{
	unregister_netdevice_notifier(&tlsi_segment_notifier);
}

/* Namespace teardown: the hooks are gone and a grace period has passed. */
void tlsi_segments_free(struct tlsi_net *tn)
{
	struct tlsi_segment_array *sa = rcu_dereference_protected(tn->segments, 1);
	u32 i;

	if (!sa)
		return;
	for (i = 0; i < sa->count; i++)
		kfree(sa->segs[i]);
	kfree(sa);
	RCU_INIT_POINTER(tn->segments, NULL);
}
