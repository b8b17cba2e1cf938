// SPDX-License-Identifier: GPL-2.0
/*
 * Ordered rule tables: inspection bypass rules and traffic-management
 * filters. Each table is an array of rule pointers replaced whole under RCU
 * on every change (copy on write), together with an index built from it
 * under cfg_lock before it is published: the first match in table order
 * wins, and the index finds it by probing the keys a packet can match
 * instead of walking every rule (lookup.h, struct tlsi_mindex). Verdicts
 * are cached per flow, so a lookup happens once per flow and configuration
 * generation, not once per packet.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <net/genetlink.h>

#include "tlsi.h"

enum tlsi_rule_kind { TLSI_RULES_BYPASS, TLSI_RULES_TM };

static const char *const tlsi_rule_kind_name[] = {
	[TLSI_RULES_BYPASS] = "bypass rule",
	[TLSI_RULES_TM] = "TM filter",
};

static struct tlsi_rule_array __rcu **tlsi_rules_slot(struct tlsi_net *tn, int kind)
{
	return kind == TLSI_RULES_BYPASS ? &tn->bypass : &tn->tm;
}

static struct tlsi_rule_array *tlsi_rules_locked(struct tlsi_net *tn, int kind)
{
	return rcu_dereference_protected(*tlsi_rules_slot(tn, kind),
					 lockdep_is_held(&tn->cfg_lock));
}

/* What a candidate rule of the index must satisfy for a packet. */
struct tlsi_rule_candidate {
	const struct tlsi_rule_array *ra;
	const struct tlsi_pkt_tuple *t;
	const struct tlsi_profile *profile;	/* bypass rules have none */
};

static bool tlsi_rule_accept(const void *ctx, u32 pos)
{
	const struct tlsi_rule_candidate *c = ctx;
	const struct tlsi_rule *r = c->ra->rules[pos];

	if (r->profile && r->profile != c->profile)
		return false;
	return tlsi_match_tuple(&r->match, c->t);
}

/* The first rule in table order that matches: the index finds it. */
static struct tlsi_rule *tlsi_rules_first_match(const struct tlsi_rule_array *ra,
						const struct tlsi_pkt_tuple *t,
						const struct tlsi_profile *profile)
{
	struct tlsi_rule_candidate c = { .ra = ra, .t = t, .profile = profile };
	u32 pos;

	if (!ra)
		return NULL;
	pos = tlsi_mindex_lookup(&ra->index, t, tlsi_rule_accept, &c);
	return pos < ra->count ? ra->rules[pos] : NULL;
}

const struct tlsi_rule *tlsi_bypass_lookup(struct tlsi_net *tn,
					   const struct tlsi_pkt_tuple *t)
{
	return tlsi_rules_first_match(rcu_dereference(tn->bypass), t, NULL);
}

struct tlsi_rule *tlsi_tm_lookup(struct tlsi_net *tn, const struct tlsi_pkt_tuple *t,
				 const struct tlsi_profile *profile)
{
	return tlsi_rules_first_match(rcu_dereference(tn->tm), t, profile);
}

bool tlsi_tm_uses_profile(struct tlsi_net *tn, const struct tlsi_profile *p,
			  const char **user)
{
	struct tlsi_rule_array *ra = tlsi_rules_locked(tn, TLSI_RULES_TM);
	u32 i;

	for (i = 0; ra && i < ra->count; i++) {
		if (ra->rules[i]->profile == p) {
			*user = ra->rules[i]->name;
			return true;
		}
	}
	return false;
}

/*
 * A table of count rules with room for its index: the array, then one
 * index node per rule, then the bucket heads. count <= TLSI_*_MAX + 1, so
 * the sizes cannot overflow (about 40 bytes per rule in all).
 */
static struct tlsi_rule_array *tlsi_rule_array_alloc(u32 count)
{
	struct tlsi_rule_array *ra;
	u32 nbuckets = tlsi_mindex_buckets(count);
	size_t nodes_off, heads_off, size;

	BUILD_BUG_ON(TLSI_TM_MAX > 1000000 || TLSI_BYPASS_MAX > 1000000);
	nodes_off = ALIGN(struct_size(ra, rules, count),
			  __alignof__(struct tlsi_mindex_node));
	heads_off = ALIGN(nodes_off + (size_t)count * sizeof(struct tlsi_mindex_node),
			  sizeof(u32));
	size = heads_off + (size_t)nbuckets * sizeof(u32);
	ra = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!ra)
		return NULL;
	memset(ra, 0, sizeof(*ra));
	ra->count = count;
	tlsi_mindex_init(&ra->index, count, (u32 *)((char *)ra + heads_off),
			 (struct tlsi_mindex_node *)((char *)ra + nodes_off));
	return ra;
}

/* Once rules[] is filled: file every rule, the last first (lookup.h). */
static void tlsi_rule_array_index(struct tlsi_rule_array *ra)
{
	u32 i;

	for (i = ra->count; i-- > 0;)
		tlsi_mindex_insert(&ra->index, i, &ra->rules[i]->match);
}

static void tlsi_rule_array_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct tlsi_rule_array, rcu));
}

static int tlsi_get_port_range(struct genl_info *info, int amin, int amax,
			       struct tlsi_port_range *r, const char *what)
{
	struct nlattr *lo = info->attrs[amin], *hi = info->attrs[amax];

	r->min = 0;
	r->max = 65535;
	if (!lo && !hi)
		return 0;
	if (!lo || !hi) {
		tlsi_extack_fmt(info->extack, lo ? lo : hi,
				"%s range needs both ends", what);
		return -EINVAL;
	}
	r->min = nla_get_u16(lo);
	r->max = nla_get_u16(hi);
	if (r->min > r->max) {
		tlsi_extack_fmt(info->extack, lo, "%s range %u-%u is reversed",
				what, r->min, r->max);
		return -EINVAL;
	}
	return 0;
}

/* Parse the match part shared by both kinds. */
static int tlsi_rule_parse_match(struct genl_info *info, struct tlsi_match *m)
{
	struct nlattr **attrs = info->attrs;
	int err;

	tlsi_match_init_any(m);
	if (attrs[TLSI_A_SRC]) {
		err = tlsi_nla_get_cidr(attrs[TLSI_A_SRC], &m->src, info->extack);
		if (err)
			return err;
	}
	if (attrs[TLSI_A_DST]) {
		err = tlsi_nla_get_cidr(attrs[TLSI_A_DST], &m->dst, info->extack);
		if (err)
			return err;
	}
	if (attrs[TLSI_A_PROTO])
		m->proto = nla_get_u8(attrs[TLSI_A_PROTO]);
	err = tlsi_get_port_range(info, TLSI_A_SPORT_MIN, TLSI_A_SPORT_MAX, &m->sport,
				  "source port");
	if (err)
		return err;
	err = tlsi_get_port_range(info, TLSI_A_DPORT_MIN, TLSI_A_DPORT_MAX, &m->dport,
				  "destination port");
	if (err)
		return err;
	if ((attrs[TLSI_A_SPORT_MIN] || attrs[TLSI_A_DPORT_MIN]) &&
	    (!m->proto || !tlsi_proto_has_ports(m->proto))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TLSI_A_PROTO] ? attrs[TLSI_A_PROTO] :
				    attrs[TLSI_A_SPORT_MIN] ? attrs[TLSI_A_SPORT_MIN] :
				    attrs[TLSI_A_DPORT_MIN],
				    "ports need a protocol with ports (tcp, udp, sctp)");
		return -EINVAL;
	}
	if (attrs[TLSI_A_VLAN])
		m->vlan = nla_get_u16(attrs[TLSI_A_VLAN]);
	return 0;
}

static int tlsi_rule_new(struct genl_info *info, int kind)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	const char *kname = tlsi_rule_kind_name[kind];
	struct tlsi_rule_array *old, *ra;
	struct tlsi_rule *r;
	u32 i, pos, count, max;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	if (kind == TLSI_RULES_TM && GENL_REQ_ATTR_CHECK(info, TLSI_A_ACTION))
		return -EINVAL;
	err = tlsi_name_check(extack, attrs[TLSI_A_NAME], kname);
	if (err)
		return err;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	nla_strscpy(r->name, attrs[TLSI_A_NAME], sizeof(r->name));
	spin_lock_init(&r->tb_lock);
	err = tlsi_rule_parse_match(info, &r->match);
	if (err)
		goto free;

	if (kind == TLSI_RULES_BYPASS) {
		if (attrs[TLSI_A_ACTION] || attrs[TLSI_A_RATE] || attrs[TLSI_A_PROFILE] ||
		    attrs[TLSI_A_FLAGS]) {
			NL_SET_ERR_MSG_MOD(extack, "bypass rules take no action, rate, profile or flags");
			err = -EINVAL;
			goto free;
		}
	} else {
		r->action = nla_get_u8(attrs[TLSI_A_ACTION]);
		if (attrs[TLSI_A_FLAGS]) {
			r->flags = nla_get_u32(attrs[TLSI_A_FLAGS]);
			if (r->flags & ~__TLSI_RULE_F_ALL) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_FLAGS], "unknown rule flags");
				err = -EOPNOTSUPP;
				goto free;
			}
			if ((r->flags & TLSI_RULE_F_RESET) && r->action != TLSI_TM_BLOCK) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_FLAGS],
						    "reset only goes with action block");
				err = -EINVAL;
				goto free;
			}
		}
		if (r->action == TLSI_TM_RATE_LIMIT) {
			if (!attrs[TLSI_A_RATE]) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_ACTION],
						    "action rate-limit needs a rate");
				err = -EINVAL;
				goto free;
			}
			tlsi_tb_init(&r->tb, nla_get_u32(attrs[TLSI_A_RATE]),
				     ktime_get_mono_fast_ns());
		} else if (attrs[TLSI_A_RATE]) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TLSI_A_RATE],
					    "a rate only goes with action rate-limit");
			err = -EINVAL;
			goto free;
		}
	}

	mutex_lock(&tn->cfg_lock);
	if (kind == TLSI_RULES_TM && attrs[TLSI_A_PROFILE]) {
		r->profile = tlsi_profile_find(tn, nla_data(attrs[TLSI_A_PROFILE]));
		if (!r->profile) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_PROFILE], "no profile \"%s\"",
					(char *)nla_data(attrs[TLSI_A_PROFILE]));
			err = -ENOENT;
			goto unlock;
		}
	}
	old = tlsi_rules_locked(tn, kind);
	count = old ? old->count : 0;
	for (i = 0; i < count; i++) {
		if (!strcmp(old->rules[i]->name, r->name)) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_NAME], "%s \"%s\" already exists",
					kname, r->name);
			err = -EEXIST;
			goto unlock;
		}
	}
	max = kind == TLSI_RULES_BYPASS ? TLSI_BYPASS_MAX : TLSI_TM_MAX;
	if (count >= max) {
		tlsi_extack_fmt(extack, attrs[TLSI_A_NAME], "%s table is full (%u entries)",
				kname, max);
		err = -ENOSPC;
		goto unlock;
	}
	pos = count;
	if (attrs[TLSI_A_POSITION]) {
		u32 want = nla_get_u32(attrs[TLSI_A_POSITION]);

		if (want > count) {
			tlsi_extack_fmt(extack, attrs[TLSI_A_POSITION],
					"position %u is past the end (%u entries)", want, count);
			err = -ERANGE;
			goto unlock;
		}
		pos = want;
	}
	ra = tlsi_rule_array_alloc(count + 1);
	if (!ra) {
		err = -ENOMEM;
		goto unlock;
	}
	for (i = 0; i < pos; i++)
		ra->rules[i] = old->rules[i];
	ra->rules[pos] = r;
	for (i = pos; i < count; i++)
		ra->rules[i + 1] = old->rules[i];
	tlsi_rule_array_index(ra);
	if (r->profile)
		r->profile->refcnt++;
	rcu_assign_pointer(*tlsi_rules_slot(tn, kind), ra);
	tlsi_config_changed(tn);
	mutex_unlock(&tn->cfg_lock);
	if (old)
		call_rcu(&old->rcu, tlsi_rule_array_free_rcu);
	return 0;

unlock:
	mutex_unlock(&tn->cfg_lock);
free:
	kfree(r);
	return err;
}

static int tlsi_rule_del(struct genl_info *info, int kind)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_rule_array *old, *ra;
	struct tlsi_rule *victim = NULL;
	u32 i, j;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	old = tlsi_rules_locked(tn, kind);
	for (i = 0; old && i < old->count; i++)
		if (!strcmp(old->rules[i]->name, nla_data(na)))
			victim = old->rules[i];
	if (!victim) {
		tlsi_extack_fmt(info->extack, na, "no %s \"%s\"", tlsi_rule_kind_name[kind],
				(char *)nla_data(na));
		err = -ENOENT;
		goto out;
	}
	ra = tlsi_rule_array_alloc(old->count - 1);
	if (!ra) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, j = 0; i < old->count; i++)
		if (old->rules[i] != victim)
			ra->rules[j++] = old->rules[i];
	tlsi_rule_array_index(ra);
	rcu_assign_pointer(*tlsi_rules_slot(tn, kind), ra);
	/* Flows holding the victim see a new generation before it is freed. */
	tlsi_config_changed(tn);
	if (victim->profile)
		victim->profile->refcnt--;
	call_rcu(&old->rcu, tlsi_rule_array_free_rcu);
	kfree_rcu(victim, rcu);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static void tlsi_rule_flush_locked(struct tlsi_net *tn, int kind)
{
	struct tlsi_rule_array *old = tlsi_rules_locked(tn, kind);
	u32 i;

	if (!old)
		return;
	RCU_INIT_POINTER(*tlsi_rules_slot(tn, kind), NULL);
	tlsi_config_changed(tn);
	for (i = 0; i < old->count; i++) {
		if (old->rules[i]->profile)
			old->rules[i]->profile->refcnt--;
		kfree_rcu(old->rules[i], rcu);
	}
	call_rcu(&old->rcu, tlsi_rule_array_free_rcu);
}

static int tlsi_rule_flush(struct genl_info *info, int kind)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));

	mutex_lock(&tn->cfg_lock);
	tlsi_rule_flush_locked(tn, kind);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}

static int tlsi_put_match(struct sk_buff *skb, const struct tlsi_match *m)
{
	if (m->src.family && tlsi_nla_put_cidr(skb, TLSI_A_SRC, &m->src))
		return -EMSGSIZE;
	if (m->dst.family && tlsi_nla_put_cidr(skb, TLSI_A_DST, &m->dst))
		return -EMSGSIZE;
	if (m->proto && nla_put_u8(skb, TLSI_A_PROTO, m->proto))
		return -EMSGSIZE;
	if ((m->sport.min || m->sport.max != 65535) &&
	    (nla_put_u16(skb, TLSI_A_SPORT_MIN, m->sport.min) ||
	     nla_put_u16(skb, TLSI_A_SPORT_MAX, m->sport.max)))
		return -EMSGSIZE;
	if ((m->dport.min || m->dport.max != 65535) &&
	    (nla_put_u16(skb, TLSI_A_DPORT_MIN, m->dport.min) ||
	     nla_put_u16(skb, TLSI_A_DPORT_MAX, m->dport.max)))
		return -EMSGSIZE;
	if (m->vlan && nla_put_u16(skb, TLSI_A_VLAN, m->vlan))
		return -EMSGSIZE;
	return 0;
}

static int tlsi_rule_dump(struct sk_buff *skb, struct netlink_callback *cb, int kind)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	struct tlsi_rule_array *ra;
	u8 cmd = kind == TLSI_RULES_BYPASS ? TLSI_CMD_BYPASS_GET : TLSI_CMD_TM_GET;
	u32 i;
	void *hdr;

	mutex_lock(&tn->cfg_lock);
	ra = tlsi_rules_locked(tn, kind);
	for (i = cb->args[0]; ra && i < ra->count; i++) {
		const struct tlsi_rule *r = ra->rules[i];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		if (nla_put_string(skb, TLSI_A_NAME, r->name) ||
		    tlsi_put_match(skb, &r->match) ||
		    nla_put_u32(skb, TLSI_A_POSITION, i) ||
		    nla_put_u64_64bit(skb, TLSI_A_HITS, atomic64_read(&r->hits), TLSI_A_PAD) ||
		    (kind == TLSI_RULES_TM &&
		     (nla_put_u8(skb, TLSI_A_ACTION, r->action) ||
		      (r->flags && nla_put_u32(skb, TLSI_A_FLAGS, r->flags)) ||
		      (r->action == TLSI_TM_RATE_LIMIT && nla_put_u32(skb, TLSI_A_RATE, r->tb.rate)) ||
		      (r->profile && nla_put_string(skb, TLSI_A_PROFILE, r->profile->name))))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

int tlsi_bypass_new(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_new(info, TLSI_RULES_BYPASS);
}

int tlsi_bypass_del(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_del(info, TLSI_RULES_BYPASS);
}

int tlsi_bypass_flush(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_flush(info, TLSI_RULES_BYPASS);
}

int tlsi_bypass_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return tlsi_rule_dump(skb, cb, TLSI_RULES_BYPASS);
}

int tlsi_tm_new(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_new(info, TLSI_RULES_TM);
}

int tlsi_tm_del(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_del(info, TLSI_RULES_TM);
}

int tlsi_tm_flush(struct sk_buff *skb, struct genl_info *info)
{
	return tlsi_rule_flush(info, TLSI_RULES_TM);
}

int tlsi_tm_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return tlsi_rule_dump(skb, cb, TLSI_RULES_TM);
}

void tlsi_rules_reset_hits(struct tlsi_net *tn)
{
	int kind;
	u32 i;

	for (kind = TLSI_RULES_BYPASS; kind <= TLSI_RULES_TM; kind++) {
		struct tlsi_rule_array *ra = tlsi_rules_locked(tn, kind);

		for (i = 0; ra && i < ra->count; i++)
			atomic64_set(&ra->rules[i]->hits, 0);
	}
}

void tlsi_rules_free(struct tlsi_net *tn)
{
	mutex_lock(&tn->cfg_lock);
	tlsi_rule_flush_locked(tn, TLSI_RULES_BYPASS);
	tlsi_rule_flush_locked(tn, TLSI_RULES_TM);
	mutex_unlock(&tn->cfg_lock);
}
