// SPDX-License-Identifier: GPL-2.0
/*
 * Profiles: named sets of settings that segments are bound to: the
 * reputation thresholds, the inspection depth of the sessions diverted
 * under them, what happens to new SSL flows while tlsid is away and whether
 * their cleartext flows are inspected; SSL policies and TM filters hang on
 * them. A profile cannot be deleted while a segment, an SSL policy or a TM
 * filter uses it.
 *
 * The settings are one RCU-published object (struct tlsi_profile_settings)
 * that a change replaces whole, so that a packet sees all of one version
 * (Documentation/tlsictl.md, "Profile changes and locked objects"). A
 * locked profile refuses SET and DEL without TLSI_A_UNLOCK.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "tlsi.h"

/* Caller holds cfg_lock or rcu_read_lock. */
struct tlsi_profile *tlsi_profile_find(struct tlsi_net *tn, const char *name)
{
	struct tlsi_profile *p;

	list_for_each_entry_rcu(p, &tn->profiles, list,
				lockdep_is_held(&tn->cfg_lock))
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static struct tlsi_profile_settings *tlsi_profile_settings_locked(struct tlsi_net *tn,
								   struct tlsi_profile *p)
{
	return rcu_dereference_protected(p->settings, lockdep_is_held(&tn->cfg_lock));
}

/* The request's settings over base's, into a new object. */
static struct tlsi_profile_settings *
tlsi_profile_settings_new(const struct tlsi_profile_settings *base, struct genl_info *info)
{
	struct tlsi_profile_settings *ps;
	struct nlattr **attrs = info->attrs;

	ps = kmemdup(base, sizeof(*base), GFP_KERNEL_ACCOUNT);
	if (!ps)
		return NULL;
	if (attrs[TLSI_A_REP_BLOCK_THRESHOLD])
		ps->rep_block = nla_get_u8(attrs[TLSI_A_REP_BLOCK_THRESHOLD]);
	if (attrs[TLSI_A_REP_ALERT_THRESHOLD])
		ps->rep_alert = nla_get_u8(attrs[TLSI_A_REP_ALERT_THRESHOLD]);
	if (attrs[TLSI_A_INSPECT_DEPTH])
		ps->inspect_depth = nla_get_u32(attrs[TLSI_A_INSPECT_DEPTH]);
	if (attrs[TLSI_A_SSL_NO_DAEMON])
		ps->ssl_no_daemon = nla_get_u8(attrs[TLSI_A_SSL_NO_DAEMON]);
	if (attrs[TLSI_A_INSPECT_CLEARTEXT])
		ps->inspect_cleartext = nla_get_u8(attrs[TLSI_A_INSPECT_CLEARTEXT]);
	return ps;
}

int tlsi_locked_check(struct genl_info *info, bool locked, const char *what,
		      const char *name)
{
	struct nlattr *unlock = info->attrs[TLSI_A_UNLOCK];

	if (!locked || (unlock && nla_get_u8(unlock)))
		return 0;
	tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_NAME],
			"%s \"%s\" is locked: changing or deleting it needs --unlock",
			what, name);
	return -EPERM;
}

int tlsi_profile_new(struct sk_buff *skb, struct genl_info *info)
{
	static const struct tlsi_profile_settings defaults = {
		.rep_block = 101,
		.rep_alert = 101,
		.inspect_depth = TLSI_INSPECT_DEPTH_DEFAULT,
		.ssl_no_daemon = TLSI_SSL_NO_DAEMON_BYPASS,
		.inspect_cleartext = 1,
	};
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_profile_settings *ps;
	struct tlsi_profile *p;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	err = tlsi_name_check(info->extack, na, "profile");
	if (err)
		return err;
	mutex_lock(&tn->cfg_lock);
	if (tlsi_profile_find(tn, nla_data(na))) {
		tlsi_extack_fmt(info->extack, na, "profile \"%s\" already exists",
				(char *)nla_data(na));
		err = -EEXIST;
		goto out;
	}
	if (tn->nprofiles >= TLSI_PROFILES_MAX) {
		tlsi_extack_fmt(info->extack, na, "profile table is full (%u profiles)",
				TLSI_PROFILES_MAX);
		err = -ENOSPC;
		goto out;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	ps = tlsi_profile_settings_new(&defaults, info);
	if (!p || !ps) {
		kfree(p);
		kfree(ps);
		err = -ENOMEM;
		goto out;
	}
	nla_strscpy(p->name, na, sizeof(p->name));
	if (info->attrs[TLSI_A_LOCKED])
		p->locked = nla_get_u8(info->attrs[TLSI_A_LOCKED]);
	RCU_INIT_POINTER(p->settings, ps);
	list_add_tail_rcu(&p->list, &tn->profiles);
	tn->nprofiles++;
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

/*
 * A change builds the profile's new settings aside and publishes them with
 * one pointer store: segments, TM filters and SSL policies keep referring
 * to the same profile, and every packet classified from then on reads the
 * new settings whole; one classified before read the old ones whole.
 */
int tlsi_profile_set(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_profile_settings *old, *ps;
	struct tlsi_profile *p;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	p = tlsi_profile_find(tn, nla_data(na));
	if (!p) {
		tlsi_extack_fmt(info->extack, na, "no profile \"%s\"", (char *)nla_data(na));
		err = -ENOENT;
		goto out;
	}
	err = tlsi_locked_check(info, p->locked, "profile", p->name);
	if (err)
		goto out;
	old = tlsi_profile_settings_locked(tn, p);
	ps = tlsi_profile_settings_new(old, info);
	if (!ps) {
		err = -ENOMEM;
		goto out;
	}
	if (info->attrs[TLSI_A_LOCKED])
		p->locked = nla_get_u8(info->attrs[TLSI_A_LOCKED]);
	rcu_assign_pointer(p->settings, ps);
	kfree_rcu(old, rcu);
	tlsi_config_changed(tn);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

/* The profile and its settings, after the readers that may hold them. */
static void tlsi_profile_free(struct tlsi_profile *p)
{
	kfree_rcu(rcu_dereference_protected(p->settings, true), rcu);
	kfree_rcu(p, rcu);
}

int tlsi_profile_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct nlattr *na = info->attrs[TLSI_A_NAME];
	struct tlsi_profile *p;
	const char *user;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_NAME))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	p = tlsi_profile_find(tn, nla_data(na));
	if (!p) {
		tlsi_extack_fmt(info->extack, na, "no profile \"%s\"", (char *)nla_data(na));
		err = -ENOENT;
		goto out;
	}
	err = tlsi_locked_check(info, p->locked, "profile", p->name);
	if (err)
		goto out;
	if (tlsi_segment_uses_profile(tn, p, &user)) {
		tlsi_extack_fmt(info->extack, na, "profile \"%s\" is used by segment \"%s\"",
				p->name, user);
		err = -EBUSY;
		goto out;
	}
	if (tlsi_ssl_profile_in_use(tn, p, &user)) {
		tlsi_extack_fmt(info->extack, na, "profile \"%s\" is used by SSL policy \"%s\"",
				p->name, user);
		err = -EBUSY;
		goto out;
	}
	if (tlsi_tm_uses_profile(tn, p, &user)) {
		tlsi_extack_fmt(info->extack, na, "profile \"%s\" is used by TM filter \"%s\"",
				p->name, user);
		err = -EBUSY;
		goto out;
	}
	list_del_rcu(&p->list);
	tn->nprofiles--;
	tlsi_profile_free(p);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

int tlsi_profile_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	long idx = 0, start = cb->args[0];
	struct tlsi_profile *p;
	void *hdr;

	mutex_lock(&tn->cfg_lock);
	list_for_each_entry(p, &tn->profiles, list) {
		const struct tlsi_profile_settings *ps;

		if (idx++ < start)
			continue;
		ps = tlsi_profile_settings_locked(tn, p);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_PROFILE_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, TLSI_A_NAME, p->name) ||
		    nla_put_u8(skb, TLSI_A_REP_BLOCK_THRESHOLD, ps->rep_block) ||
		    nla_put_u8(skb, TLSI_A_REP_ALERT_THRESHOLD, ps->rep_alert) ||
		    nla_put_u32(skb, TLSI_A_INSPECT_DEPTH, ps->inspect_depth) ||
		    nla_put_u8(skb, TLSI_A_SSL_NO_DAEMON, ps->ssl_no_daemon) ||
		    nla_put_u8(skb, TLSI_A_INSPECT_CLEARTEXT, ps->inspect_cleartext) ||
		    nla_put_u8(skb, TLSI_A_LOCKED, p->locked) ||
		    nla_put_u32(skb, TLSI_A_REFCNT, p->refcnt)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

void tlsi_profiles_free(struct tlsi_net *tn)
{
	struct tlsi_profile *p, *tmp;

	list_for_each_entry_safe(p, tmp, &tn->profiles, list) {
		list_del_rcu(&p->list);
		tlsi_profile_free(p);
	}
	tn->nprofiles = 0;
}
