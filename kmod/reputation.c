// SPDX-License-Identifier: GPL-2.0
/*
 * IP reputation: CIDR entries with a score (0-100) and a category.
 *
 * Longest-prefix match through one hash table keyed by (masked address,
 * prefix length): a lookup probes only the prefix lengths that have
 * entries in the address's family, longest first (a bitmap per family),
 * so it costs at most 33 bucket walks for IPv4, 129 for IPv6, and usually
 * a handful. IPv4 and IPv6 entries share the table (one address type,
 * lookup.h). The table is RCU-protected; writers hold cfg_lock.
 * It grows by building a larger copy and swapping it in, which is also how
 * bulk loads are made atomic: entries are staged by REP_LOAD messages and
 * REP_COMMIT builds the next table (old entries + staged, or staged only
 * with "replace") off to the side. Any failure leaves the live table as it
 * was. One entry is sizeof(struct tlsi_rep_entry) bytes plus a bucket
 * pointer; 1,000,000 entries take about 100 MB.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/log2.h>
#include <net/genetlink.h>

#include "tlsi.h"

#define TLSI_REP_MIN_BUCKETS 1024

static struct kmem_cache *tlsi_rep_cache;
static u32 tlsi_rep_seed __read_mostly;

int tlsi_rep_init(void)
{
	tlsi_rep_seed = get_random_u32();
	tlsi_rep_cache = KMEM_CACHE(tlsi_rep_entry, SLAB_ACCOUNT);
	return tlsi_rep_cache ? 0 : -ENOMEM;
}

void tlsi_rep_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(tlsi_rep_cache);
}

static u32 tlsi_rep_bucket(const struct tlsi_rep_table *t, const struct tlsi_addr *addr,
			   u8 plen)
{
	return jhash2(addr->w, 4, tlsi_rep_seed + plen) & (t->nbuckets - 1);
}

/* Index of a family's prefix-length bookkeeping: 0 IPv4, 1 IPv6. */
static int tlsi_rep_fam(u8 family)
{
	return family == TLSI_AF_V6;
}

static struct tlsi_rep_table *tlsi_rep_table_alloc(u32 entries)
{
	struct tlsi_rep_table *t;
	u32 n = TLSI_REP_MIN_BUCKETS;

	if (entries > n)
		n = roundup_pow_of_two(entries);
	t = kvzalloc(struct_size(t, buckets, n), GFP_KERNEL_ACCOUNT);
	if (t)
		t->nbuckets = n;
	return t;
}

/* Free a table no reader can see any more, with all its entries. */
static void tlsi_rep_table_destroy(struct tlsi_rep_table *t)
{
	struct tlsi_rep_entry *e;
	struct hlist_node *tmp;
	u32 i;

	if (!t)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		hlist_for_each_entry_safe(e, tmp, &t->buckets[i], node)
			kmem_cache_free(tlsi_rep_cache, e);
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(t);
}

static struct tlsi_rep_entry *tlsi_rep_find_exact(const struct tlsi_rep_table *t,
						  const struct tlsi_addr *addr, u8 plen)
{
	struct tlsi_rep_entry *e;

	hlist_for_each_entry_rcu(e, &t->buckets[tlsi_rep_bucket(t, addr, plen)], node,
				 true)
		if (e->plen == plen && tlsi_addr_eq(&e->addr, addr))
			return e;
	return NULL;
}

/* Insert into a table that is not yet visible, or under cfg_lock. */
/* Mark prefix length plen of a family present or absent (readers race). */
static void tlsi_rep_plen_mark(struct tlsi_rep_table *t, int fam, u8 plen, bool present)
{
	u64 *w = &t->plens[fam].w[plen / 64];
	u64 bit = 1ULL << (plen % 64);

	WRITE_ONCE(*w, present ? *w | bit : *w & ~bit);
}

/* Insert into a table that is not yet visible, or under cfg_lock. */
static void tlsi_rep_insert(struct tlsi_rep_table *t, struct tlsi_rep_entry *e)
{
	int fam = tlsi_rep_fam(e->family);

	if (!t->plen_count[fam][e->plen]++)
		tlsi_rep_plen_mark(t, fam, e->plen, true);
	hlist_add_head_rcu(&e->node, &t->buckets[tlsi_rep_bucket(t, &e->addr, e->plen)]);
	t->count++;
}

static void tlsi_rep_remove(struct tlsi_rep_table *t, struct tlsi_rep_entry *e)
{
	int fam = tlsi_rep_fam(e->family);

	hlist_del_rcu(&e->node);
	t->count--;
	if (!--t->plen_count[fam][e->plen])
		tlsi_rep_plen_mark(t, fam, e->plen, false);
}

/*
 * Longest-prefix match under RCU: only the prefix lengths that entries of
 * the address's family have are probed, longest first.
 */
const struct tlsi_rep_entry *tlsi_rep_lookup(struct tlsi_net *tn,
					     const struct tlsi_addr *addr)
{
	const struct tlsi_rep_table *t = rcu_dereference(tn->rep);
	u8 family = tlsi_addr_family(addr);
	struct tlsi_plen_set set;
	int plen, i;

	if (!t)
		return NULL;
	for (i = 0; i < 3; i++)
		set.w[i] = READ_ONCE(t->plens[tlsi_rep_fam(family)].w[i]);
	while ((plen = tlsi_plen_take_longest(&set)) >= 0) {
		struct tlsi_addr key = tlsi_addr_masked(addr, plen);
		const struct tlsi_rep_entry *e;

		hlist_for_each_entry_rcu(e, &t->buckets[tlsi_rep_bucket(t, &key, plen)], node)
			if (e->plen == plen && e->family == family &&
			    tlsi_addr_eq(&e->addr, &key))
				return e;
	}
	return NULL;
}

static struct tlsi_rep_table *tlsi_rep_locked(struct tlsi_net *tn)
{
	return rcu_dereference_protected(tn->rep, lockdep_is_held(&tn->cfg_lock));
}

u32 tlsi_rep_count(struct tlsi_net *tn)
{
	struct tlsi_rep_table *t;
	u32 n;

	rcu_read_lock();
	t = rcu_dereference(tn->rep);
	n = t ? READ_ONCE(t->count) : 0;
	rcu_read_unlock();
	return n;
}

/*
 * Build the next table: a copy of @old (unless NULL) with room for @extra
 * more entries. Returns NULL on allocation failure, having freed its work.
 */
static struct tlsi_rep_table *tlsi_rep_table_copy(const struct tlsi_rep_table *old,
						  u32 extra)
{
	struct tlsi_rep_table *t;
	struct tlsi_rep_entry *e, *c;
	u32 i;

	t = tlsi_rep_table_alloc((old ? old->count : 0) + extra);
	if (!t)
		return NULL;
	for (i = 0; old && i < old->nbuckets; i++) {
		hlist_for_each_entry(e, &old->buckets[i], node) {
			c = kmem_cache_alloc(tlsi_rep_cache, GFP_KERNEL_ACCOUNT);
			if (!c) {
				tlsi_rep_table_destroy(t);
				return NULL;
			}
			c->addr = e->addr;
			c->plen = e->plen;
			c->family = e->family;
			c->score = e->score;
			memcpy(c->category, e->category, sizeof(c->category));
			atomic64_set(&c->hits, atomic64_read(&e->hits));
			tlsi_rep_insert(t, c);
		}
		if (!(i & 1023))
			cond_resched();
	}
	return t;
}

/* Swap in @t and free the previous table once no reader can hold it. */
static void tlsi_rep_publish(struct tlsi_net *tn, struct tlsi_rep_table *t)
{
	struct tlsi_rep_table *old = tlsi_rep_locked(tn);

	rcu_assign_pointer(tn->rep, t);
	tlsi_config_changed(tn);
	synchronize_rcu();
	tlsi_rep_table_destroy(old);
}

static int tlsi_rep_parse_entry(struct nlattr **tb, struct nlattr *where,
				struct tlsi_rep_entry *e, struct netlink_ext_ack *extack)
{
	struct tlsi_cidr c;
	int err;

	if (!tb[TLSI_A_SRC] || !tb[TLSI_A_SCORE]) {
		NL_SET_ERR_MSG_ATTR(extack, where, "reputation entry needs an address and a score");
		return -EINVAL;
	}
	err = tlsi_nla_get_cidr(tb[TLSI_A_SRC], &c, extack);
	if (err)
		return err;
	e->addr = c.addr;
	e->plen = c.plen;
	e->family = c.family;
	e->score = nla_get_u8(tb[TLSI_A_SCORE]);
	memset(e->category, 0, sizeof(e->category));
	if (tb[TLSI_A_CATEGORY])
		nla_strscpy(e->category, tb[TLSI_A_CATEGORY], sizeof(e->category));
	atomic64_set(&e->hits, 0);
	return 0;
}

int tlsi_rep_new(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_rep_table *t, *next;
	struct tlsi_rep_entry tmp, *e;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_SRC) || GENL_REQ_ATTR_CHECK(info, TLSI_A_SCORE))
		return -EINVAL;
	err = tlsi_rep_parse_entry(info->attrs, NULL, &tmp, info->extack);
	if (err)
		return err;

	mutex_lock(&tn->cfg_lock);
	t = tlsi_rep_locked(tn);
	e = t ? tlsi_rep_find_exact(t, &tmp.addr, tmp.plen) : NULL;
	if (e) {
		/* Update in place; readers see either the old or new score. */
		WRITE_ONCE(e->score, tmp.score);
		memcpy(e->category, tmp.category, sizeof(e->category) - 1);
		tlsi_config_changed(tn);
		goto out;
	}
	if (t && t->count >= TLSI_REP_MAX) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"reputation table is full (%u entries)", TLSI_REP_MAX);
		err = -ENOSPC;
		goto out;
	}
	e = kmem_cache_alloc(tlsi_rep_cache, GFP_KERNEL_ACCOUNT);
	if (!e) {
		err = -ENOMEM;
		goto out;
	}
	*e = tmp;
	if (!t || t->count + 1 > t->nbuckets * 2) {
		next = tlsi_rep_table_copy(t, 1 + (t ? t->count : 0));
		if (!next) {
			kmem_cache_free(tlsi_rep_cache, e);
			err = -ENOMEM;
			goto out;
		}
		tlsi_rep_insert(next, e);
		tlsi_rep_publish(tn, next);
		goto out;
	}
	tlsi_rep_insert(t, e);
	tlsi_config_changed(tn);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static void tlsi_rep_entry_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tlsi_rep_cache, container_of(head, struct tlsi_rep_entry, rcu));
}

int tlsi_rep_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_rep_table *t;
	struct tlsi_rep_entry *e;
	char buf[TLSI_ADDR_STR_MAX];
	struct tlsi_cidr c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_SRC))
		return -EINVAL;
	err = tlsi_nla_get_cidr(info->attrs[TLSI_A_SRC], &c, info->extack);
	if (err)
		return err;
	mutex_lock(&tn->cfg_lock);
	t = tlsi_rep_locked(tn);
	e = t ? tlsi_rep_find_exact(t, &c.addr, c.plen) : NULL;
	if (!e) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"no reputation entry %s/%u", tlsi_addr_str(&c.addr, buf),
				tlsi_cidr_family_plen(&c));
		err = -ENOENT;
		goto out;
	}
	tlsi_rep_remove(t, e);
	tlsi_config_changed(tn);
	call_rcu(&e->rcu, tlsi_rep_entry_free_rcu);
out:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

int tlsi_rep_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));

	mutex_lock(&tn->cfg_lock);
	tlsi_rep_publish(tn, NULL);
	mutex_unlock(&tn->cfg_lock);
	return 0;
}

static int tlsi_rep_fill(struct sk_buff *skb, const struct tlsi_rep_entry *e,
			 u32 portid, u32 seq, int flags)
{
	struct tlsi_cidr c = { .addr = e->addr, .plen = e->plen, .family = e->family };
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tlsi_genl_family, flags, TLSI_CMD_REP_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (tlsi_nla_put_cidr(skb, TLSI_A_SRC, &c) ||
	    nla_put_u8(skb, TLSI_A_SCORE, READ_ONCE(e->score)) ||
	    (e->category[0] && nla_put_string(skb, TLSI_A_CATEGORY, e->category)) ||
	    nla_put_u64_64bit(skb, TLSI_A_HITS, atomic64_read(&e->hits), TLSI_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* GET with an address: the entry that address hits, longest prefix first. */
int tlsi_rep_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	const struct tlsi_rep_entry *e;
	char buf[TLSI_ADDR_STR_MAX];
	struct tlsi_cidr c;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_SRC))
		return -EINVAL;
	err = tlsi_nla_get_cidr(info->attrs[TLSI_A_SRC], &c, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	e = tlsi_rep_lookup(tn, &c.addr);
	if (!e) {
		rcu_read_unlock();
		nlmsg_free(msg);
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_SRC],
				"no reputation entry covers %s", tlsi_addr_str(&c.addr, buf));
		return -ENOENT;
	}
	err = tlsi_rep_fill(msg, e, info->snd_portid, info->snd_seq, 0);
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dump cursor: args[0] bucket, args[1] entries already sent from it. */
int tlsi_rep_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(skb->sk));
	struct tlsi_rep_table *t;
	struct tlsi_rep_entry *e;
	u32 b = cb->args[0];
	long skip = cb->args[1], n;

	mutex_lock(&tn->cfg_lock);
	t = tlsi_rep_locked(tn);
	for (; t && b < t->nbuckets; b++, skip = 0) {
		n = 0;
		hlist_for_each_entry(e, &t->buckets[b], node) {
			if (n++ < skip)
				continue;
			if (tlsi_rep_fill(skb, e, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI)) {
				cb->args[0] = b;
				cb->args[1] = n - 1;
				goto out;
			}
		}
	}
	cb->args[0] = b;
	cb->args[1] = 0;
out:
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

static void tlsi_rep_stage_clear(struct tlsi_rep_stage *st)
{
	u32 i;

	for (i = 0; i < st->count; i++)
		kmem_cache_free(tlsi_rep_cache, st->entries[i]);
	kvfree(st->entries);
	memset(st, 0, sizeof(*st));
}

/*
 * REP_LOAD: stage a chunk. A chunk for a new batch id discards whatever an
 * earlier, unfinished batch staged (its sender died or gave up): the last
 * loader wins and the other's commit fails with "unknown batch".
 */
int tlsi_rep_load(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_rep_stage *st = &tn->stage;
	struct nlattr *tb[TLSI_A_MAX + 1];
	struct nlattr *entry;
	u32 batch, n = 0;
	int rem, err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_REP_ENTRIES))
		return -EINVAL;
	batch = nla_get_u32(info->attrs[TLSI_A_BATCH]);
	nla_for_each_nested(entry, info->attrs[TLSI_A_REP_ENTRIES], rem)
		n++;
	if (n > TLSI_REP_CHUNK_MAX) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_REP_ENTRIES],
				"%u entries in one message, at most %u", n, TLSI_REP_CHUNK_MAX);
		return -E2BIG;
	}

	mutex_lock(&tn->cfg_lock);
	if (st->batch != batch) {
		tlsi_rep_stage_clear(st);
		st->batch = batch;
		st->portid = info->snd_portid;
	}
	if (st->count + n > TLSI_REP_MAX) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_REP_ENTRIES],
				"bulk load exceeds %u entries", TLSI_REP_MAX);
		err = -ENOSPC;
		goto fail;
	}
	if (st->count + n > st->cap) {
		u32 cap = max3(st->cap * 2, st->count + n, 4096U);
		struct tlsi_rep_entry **p;

		p = kvmalloc_array(cap, sizeof(*p), GFP_KERNEL_ACCOUNT);
		if (!p) {
			err = -ENOMEM;
			goto fail;
		}
		if (st->count)
			memcpy(p, st->entries, st->count * sizeof(*p));
		kvfree(st->entries);
		st->entries = p;
		st->cap = cap;
	}
	nla_for_each_nested(entry, info->attrs[TLSI_A_REP_ENTRIES], rem) {
		struct tlsi_rep_entry *e;

		/* The family policy has validated each entry already. */
		err = nla_parse_nested(tb, TLSI_A_MAX, entry, NULL, info->extack);
		if (err)
			goto fail;
		e = kmem_cache_alloc(tlsi_rep_cache, GFP_KERNEL_ACCOUNT);
		if (!e) {
			err = -ENOMEM;
			goto fail;
		}
		err = tlsi_rep_parse_entry(tb, entry, e, info->extack);
		if (err) {
			kmem_cache_free(tlsi_rep_cache, e);
			goto fail;
		}
		st->entries[st->count++] = e;
	}
	mutex_unlock(&tn->cfg_lock);
	return 0;

fail:
	/* A bad chunk poisons the whole batch: nothing of it will commit. */
	tlsi_rep_stage_clear(st);
	mutex_unlock(&tn->cfg_lock);
	return err;
}

int tlsi_rep_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_rep_stage *st = &tn->stage;
	struct tlsi_rep_table *old, *t;
	struct sk_buff *msg;
	bool replace = false;
	u32 i, count;
	void *hdr;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH))
		return -EINVAL;
	if (info->attrs[TLSI_A_FLAGS]) {
		u32 flags = nla_get_u32(info->attrs[TLSI_A_FLAGS]);

		if (flags & ~__TLSI_REP_F_ALL) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[TLSI_A_FLAGS],
					    "unknown reputation commit flags");
			return -EOPNOTSUPP;
		}
		replace = flags & TLSI_REP_F_REPLACE;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&tn->cfg_lock);
	if (!st->batch || st->batch != nla_get_u32(info->attrs[TLSI_A_BATCH])) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_BATCH],
				"unknown batch %u (nothing staged, or another load replaced it)",
				nla_get_u32(info->attrs[TLSI_A_BATCH]));
		err = -ENOENT;
		goto out;
	}
	old = tlsi_rep_locked(tn);
	if ((replace ? 0 : (old ? old->count : 0)) + st->count > TLSI_REP_MAX) {
		tlsi_extack_fmt(info->extack, NULL, "the table would exceed %u entries",
				TLSI_REP_MAX);
		err = -ENOSPC;
		tlsi_rep_stage_clear(st);
		goto out;
	}
	t = tlsi_rep_table_copy(replace ? NULL : old, st->count);
	if (!t) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory building the reputation table");
		err = -ENOMEM;
		tlsi_rep_stage_clear(st);
		goto out;
	}
	for (i = 0; i < st->count; i++) {
		struct tlsi_rep_entry *e = st->entries[i], *dup;

		dup = tlsi_rep_find_exact(t, &e->addr, e->plen);
		if (dup) {
			/* A later line for the same prefix wins. */
			dup->score = e->score;
			memcpy(dup->category, e->category, sizeof(dup->category));
			kmem_cache_free(tlsi_rep_cache, e);
		} else {
			tlsi_rep_insert(t, e);
		}
		st->entries[i] = NULL;
		if (!(i & 4095))
			cond_resched();
	}
	st->count = 0;
	tlsi_rep_stage_clear(st);
	count = t->count;
	tlsi_rep_publish(tn, t);

	hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, TLSI_CMD_REP_COMMIT);
	if (!hdr || nla_put_u32(msg, TLSI_A_COUNT, count)) {
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	mutex_unlock(&tn->cfg_lock);
	return genlmsg_reply(msg, info);
out:
	mutex_unlock(&tn->cfg_lock);
	nlmsg_free(msg);
	return err;
}

int tlsi_rep_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH))
		return -EINVAL;
	mutex_lock(&tn->cfg_lock);
	if (tn->stage.batch == nla_get_u32(info->attrs[TLSI_A_BATCH]))
		tlsi_rep_stage_clear(&tn->stage);
	else
		err = -ENOENT;
	mutex_unlock(&tn->cfg_lock);
	return err;
}

void tlsi_rep_reset_hits(struct tlsi_net *tn)
{
	struct tlsi_rep_table *t = tlsi_rep_locked(tn);
	struct tlsi_rep_entry *e;
	u32 i;

	for (i = 0; t && i < t->nbuckets; i++)
		hlist_for_each_entry(e, &t->buckets[i], node)
			atomic64_set(&e->hits, 0);
}

/* Namespace teardown: no reader is left. */
void tlsi_rep_free(struct tlsi_net *tn)
{
	mutex_lock(&tn->cfg_lock);
	tlsi_rep_stage_clear(&tn->stage);
	tlsi_rep_table_destroy(rcu_dereference_protected(tn->rep, 1));
	RCU_INIT_POINTER(tn->rep, NULL);
	mutex_unlock(&tn->cfg_lock);
}
