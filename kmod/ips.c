// SPDX-License-Identifier: GPL-2.0
/*
 * IPS rules in the kernel: the compiled image (engine/image.h) arrives in
 * chunks (RULES_LOAD) into a staging buffer, is validated whole by
 * tlsi_img_validate() at RULES_COMMIT, and replaces the live image with one
 * pointer swap; until then the old rules keep inspecting. Each image
 * carries what inspecting with it needs: per-rule counters, the threshold
 * table, and per-CPU working memory (engine scratch), all allocated before
 * the swap so that inspection never allocates. Variables of the live image
 * change without recompiling (RULES_VAR_SET): the new values are appended
 * to the image's address or port section, the variables point at them, and
 * the rewritten image is validated and swapped in like a new load (hit
 * counters carry over).
 *
 * Locking: tlsi_ips_net.lock (a mutex) serialises loads, commits, flushes,
 * variable changes and settings; inspection reads the image under RCU and
 * holds a reference for one call (see ips.h).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "ips.h"

static unsigned int tlsi_ips_net_id __read_mostly;

/* The image's enum tlsi_action is the uapi's enum tlsi_ips_action. */
static_assert((int)TLSI_IPS_ACT_PASS == TLSI_ACT_PASS &&
	      (int)TLSI_IPS_ACT_DROP == TLSI_ACT_DROP &&
	      (int)TLSI_IPS_ACT_REJECT == TLSI_ACT_REJECT &&
	      (int)TLSI_IPS_ACT_ALERT == TLSI_ACT_ALERT);
static_assert((int)TLSI_IPS_DIR_TO_SERVER == TLSI_DIR_TO_SERVER &&
	      (int)TLSI_IPS_DIR_TO_CLIENT == TLSI_DIR_TO_CLIENT);
static_assert(TLSI_RULES_IMAGE_MAX == TLSI_IMG_SIZE_MAX);
static_assert(TLSI_RULES_VAR_ITEMS_MAX * sizeof(struct tlsi_img_addr) <= U16_MAX - NLA_HDRLEN);

/* The session driver's bounds are the uapi's. */
static_assert(TLSI_DRV_REASON_MAX == TLSI_REASON_MAX);
static_assert(TLSI_DRV_QUARANTINE_MAX == TLSI_TIMEOUT_MAX);

struct tlsi_ips_net *tlsi_ips_pernet(struct tlsi_net *tn)
{
	return net_generic(tn->net, tlsi_ips_net_id);
}

static struct tlsi_ips_net *tlsi_ips_info_net(struct genl_info *info)
{
	return net_generic(genl_info_net(info), tlsi_ips_net_id);
}

/* ---- images ----------------------------------------------------------- */

static void tlsi_ips_image_free(struct tlsi_ips_image *im)
{
	int cpu;

	if (im->scratch) {
		for_each_possible_cpu(cpu) {
			mutex_destroy(&im->scratch[cpu].lock);
			kvfree(im->scratch[cpu].s);
		}
		kvfree(im->scratch);
	}
	if (im->bh) {
		for_each_possible_cpu(cpu) {
			kvfree(im->bh[cpu].s);
			kvfree(im->bh[cpu].flow);
			kvfree(im->bh[cpu].buf);
		}
		kvfree(im->bh);
	}
	tlsi_drv_image_free(&im->d, &tlsi_ips_drv_ops);
	kvfree(im->img);
	kfree(im);
}

/*
 * `tlsictl stats reset`: zero the live image's per-rule counters. An
 * increment racing with it may survive; the counters are statistics.
 */
void tlsi_ips_reset_hits(struct tlsi_net *tn)
{
	struct tlsi_ips_image *im = tlsi_ips_get(tlsi_ips_pernet(tn));

	if (!im)
		return;
	tlsi_drv_image_reset_counters(&im->d, &tlsi_ips_drv_ops);
	tlsi_ips_put(im);
}

/*
 * tlsi_ips_get - a reference to the namespace's live image, or NULL
 *
 * Any context; the caller drops it with tlsi_ips_put() (process context).
 */
struct tlsi_ips_image *tlsi_ips_get(struct tlsi_ips_net *in)
{
	struct tlsi_ips_image *im;

	rcu_read_lock();
	im = rcu_dereference(in->cur);
	if (im && !refcount_inc_not_zero(&im->ref))
		im = NULL;
	rcu_read_unlock();
	return im;
}

bool tlsi_ips_loaded(struct tlsi_net *tn)
{
	return rcu_access_pointer(tlsi_ips_pernet(tn)->cur) != NULL;
}

void tlsi_ips_put(struct tlsi_ips_image *im)
{
	if (im && refcount_dec_and_test(&im->ref))
		tlsi_ips_image_free(im);
}

/*
 * Validate img (kvmalloc'd, len bytes; owned by the result, freed on
 * failure) and allocate everything inspecting with it needs.
 */
static struct tlsi_ips_image *tlsi_ips_image_new(void *img, size_t len, char *err,
						 size_t errlen)
{
	struct tlsi_ips_image *im;
	int cpu;

	im = kzalloc(sizeof(*im), GFP_KERNEL_ACCOUNT);
	if (!im) {
		kvfree(img);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	im->img = img;
	/* validation, per-rule counters, metadata tables, thresholds */
	if (tlsi_drv_image_init(&im->d, &tlsi_ips_drv_ops, img, len, err, errlen))
		goto fail;
	im->memory = sizeof(*im) + len + im->d.memory;

	snprintf(err, errlen, "out of memory for %u rules", im->d.eng.nrules);
	im->scratch_size = tlsi_eng_scratch_size(&im->d.eng);
	im->scratch = kvcalloc(nr_cpu_ids, sizeof(*im->scratch), GFP_KERNEL_ACCOUNT);
	if (!im->scratch)
		goto fail;
	for_each_possible_cpu(cpu)
		mutex_init(&im->scratch[cpu].lock);
	for_each_possible_cpu(cpu) {
		im->scratch[cpu].s = kvzalloc_node(im->scratch_size, GFP_KERNEL_ACCOUNT,
						   cpu_to_node(cpu));
		if (!im->scratch[cpu].s)
			goto fail;
		im->memory += im->scratch_size;
	}
	im->bh = kvcalloc(nr_cpu_ids, sizeof(*im->bh), GFP_KERNEL_ACCOUNT);
	if (!im->bh)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct tlsi_ips_bh *b = &im->bh[cpu];

		b->s = kvzalloc_node(im->scratch_size, GFP_KERNEL_ACCOUNT, cpu_to_node(cpu));
		b->flow = kvzalloc_node(sizeof(*b->flow), GFP_KERNEL_ACCOUNT, cpu_to_node(cpu));
		b->buf = kvmalloc_node(TLSI_IPS_DATAGRAM_MAX, GFP_KERNEL_ACCOUNT, cpu_to_node(cpu));
		if (!b->s || !b->flow || !b->buf)
			goto fail;
		im->memory += im->scratch_size + sizeof(*b->flow) + TLSI_IPS_DATAGRAM_MAX;
	}
	refcount_set(&im->ref, 1);
	im->loaded = ktime_get_real_seconds();
	err[0] = '\0';
	return im;

fail:
	tlsi_ips_image_free(im);
	return NULL;
}

/* Swap in im (may be NULL) and drop the old image's namespace reference. */
static void tlsi_ips_publish(struct tlsi_ips_net *in, struct tlsi_ips_image *im)
{
	struct tlsi_ips_image *old;

	old = rcu_replace_pointer(in->cur, im, lockdep_is_held(&in->lock));
	if (old) {
		synchronize_rcu();	/* no new references after this */
		tlsi_ips_put(old);
	}
}

static struct tlsi_ips_image *tlsi_ips_locked(struct tlsi_ips_net *in)
{
	return rcu_dereference_protected(in->cur, lockdep_is_held(&in->lock));
}

/* ---- loading ---------------------------------------------------------- */

static void tlsi_ips_stage_clear(struct tlsi_ips_stage *st)
{
	kvfree(st->buf);
	memset(st, 0, sizeof(*st));
}

/*
 * RULES_LOAD: stage one chunk. Chunks come in order; the first one holds
 * the image header, whose size allocates the staging buffer. A chunk for a
 * new batch id discards an unfinished batch (last loader wins); a refused
 * chunk discards its own batch, so nothing of it can be committed.
 */
int tlsi_rules_load(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct tlsi_ips_stage *st = &in->stage;
	struct nlattr *data;
	u32 batch, off, n;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_RULES_OFFSET) ||
	    GENL_REQ_ATTR_CHECK(info, TLSI_A_RULES_DATA))
		return -EINVAL;
	batch = nla_get_u32(info->attrs[TLSI_A_BATCH]);
	off = nla_get_u32(info->attrs[TLSI_A_RULES_OFFSET]);
	data = info->attrs[TLSI_A_RULES_DATA];
	n = nla_len(data);

	mutex_lock(&in->lock);
	if (st->batch != batch) {
		tlsi_ips_stage_clear(st);
		st->batch = batch;
		st->portid = info->snd_portid;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(info->extack, data, "empty rule image chunk");
		err = -EINVAL;
		goto fail;
	}
	if (off != st->have) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_RULES_OFFSET],
				"rule image chunk at offset %u, expected %u (chunks must come in order)",
				off, st->have);
		err = -EINVAL;
		goto fail;
	}
	if (!off) {
		const struct tlsi_img_hdr *h = nla_data(data);
		u32 size;

		if (n < sizeof(*h)) {
			tlsi_extack_fmt(info->extack, data,
					"first rule image chunk of %u bytes is shorter than the image header (%zu)",
					n, sizeof(*h));
			err = -EINVAL;
			goto fail;
		}
		if (le32v(h->magic) != TLSI_IMG_MAGIC) {
			tlsi_extack_fmt(info->extack, data,
					"not a tlsi rule image (bad magic 0x%08x)", le32v(h->magic));
			err = -EINVAL;
			goto fail;
		}
		if (le16v(h->version) != TLSI_IMG_VERSION) {
			tlsi_extack_fmt(info->extack, data,
					"rule image version %u, this module reads version %u",
					le16v(h->version), TLSI_IMG_VERSION);
			err = -EPROTONOSUPPORT;
			goto fail;
		}
		size = le32v(h->total_size);
		if (size < sizeof(*h) || size > TLSI_RULES_IMAGE_MAX) {
			tlsi_extack_fmt(info->extack, data,
					"rule image header says %u bytes (%zu..%u allowed)",
					size, sizeof(*h), TLSI_RULES_IMAGE_MAX);
			err = -EFBIG;
			goto fail;
		}
		st->buf = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!st->buf) {
			tlsi_extack_fmt(info->extack, data,
					"out of memory staging a %u-byte rule image", size);
			err = -ENOMEM;
			goto fail;
		}
		st->size = size;
	}
	if (n > st->size - st->have) {
		tlsi_extack_fmt(info->extack, data,
				"rule image chunk of %u bytes at offset %u runs past the image's %u bytes",
				n, off, st->size);
		err = -EINVAL;
		goto fail;
	}
	memcpy(st->buf + off, nla_data(data), n);
	st->have += n;
	mutex_unlock(&in->lock);
	return 0;

fail:
	tlsi_ips_stage_clear(st);
	mutex_unlock(&in->lock);
	tlsi_count(tn, TLSI_CNT_IPS_LOADS_REFUSED);
	return err;
}

static int tlsi_rules_reply(struct genl_info *info, struct sk_buff *msg, u8 cmd,
			    const struct tlsi_ips_image *im)
{
	void *hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, cmd);

	if (!hdr || nla_put_u32(msg, TLSI_A_COUNT, im->d.eng.nrules) ||
	    nla_put_u32(msg, TLSI_A_RULES_SIZE, im->d.eng.len) ||
	    nla_put_u32(msg, TLSI_A_RULES_BUILD_ID, le32v(im->d.eng.hdr->build_id))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int tlsi_rules_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_net *tn = tlsi_pernet(genl_info_net(info));
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct tlsi_ips_stage *st = &in->stage;
	struct tlsi_ips_image *im;
	struct sk_buff *msg;
	char err[160];
	u32 batch;
	void *img;
	size_t len;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH))
		return -EINVAL;
	batch = nla_get_u32(info->attrs[TLSI_A_BATCH]);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&in->lock);
	if (!st->batch || st->batch != batch) {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_BATCH],
				"unknown batch %u (nothing staged, or another load replaced it)",
				batch);
		mutex_unlock(&in->lock);
		nlmsg_free(msg);
		tlsi_count(tn, TLSI_CNT_IPS_LOADS_REFUSED);
		return -ENOENT;
	}
	if (st->have != st->size || !st->size) {
		tlsi_extack_fmt(info->extack, NULL,
				"rule image incomplete: %u of %u bytes staged (truncated?)",
				st->have, st->size);
		tlsi_ips_stage_clear(st);
		mutex_unlock(&in->lock);
		nlmsg_free(msg);
		tlsi_count(tn, TLSI_CNT_IPS_LOADS_REFUSED);
		return -EINVAL;
	}
	img = st->buf;
	len = st->size;
	st->buf = NULL;
	tlsi_ips_stage_clear(st);
	im = tlsi_ips_image_new(img, len, err, sizeof(err));
	if (!im) {
		tlsi_extack_fmt(info->extack, NULL, "rule image refused: %s", err);
		mutex_unlock(&in->lock);
		nlmsg_free(msg);
		tlsi_count(tn, TLSI_CNT_IPS_LOADS_REFUSED);
		return -EINVAL;
	}
	refcount_inc(&im->ref);		/* for the reply below */
	tlsi_ips_publish(in, im);
	mutex_unlock(&in->lock);
	tlsi_count(tn, TLSI_CNT_IPS_LOADS);
	pr_info("tlsi: %u IPS rules loaded (image %zu bytes, build id 0x%08x)\n",
		im->d.eng.nrules, len, le32v(im->d.eng.hdr->build_id));
	/* The rules are live: a lost reply does not make this a failure. */
	tlsi_rules_reply(info, msg, TLSI_CMD_RULES_COMMIT, im);
	tlsi_ips_put(im);
	return 0;
}

int tlsi_rules_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_BATCH))
		return -EINVAL;
	mutex_lock(&in->lock);
	if (in->stage.batch && in->stage.batch == nla_get_u32(info->attrs[TLSI_A_BATCH])) {
		tlsi_ips_stage_clear(&in->stage);
	} else {
		tlsi_extack_fmt(info->extack, info->attrs[TLSI_A_BATCH], "unknown batch %u",
				nla_get_u32(info->attrs[TLSI_A_BATCH]));
		err = -ENOENT;
	}
	mutex_unlock(&in->lock);
	return err;
}

int tlsi_rules_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);

	mutex_lock(&in->lock);
	tlsi_ips_publish(in, NULL);
	mutex_unlock(&in->lock);
	return 0;
}

/* ---- reading ---------------------------------------------------------- */

/* A string attribute from image text (not NUL-terminated), at most max bytes. */
int tlsi_ips_put_str(struct sk_buff *skb, int type, const char *p, u32 len)
{
	struct nlattr *a = nla_reserve(skb, type, len + 1);

	if (!a)
		return -EMSGSIZE;
	memcpy(nla_data(a), p, len);
	((char *)nla_data(a))[len] = '\0';
	return 0;
}

int tlsi_rules_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct tlsi_ips_image *im = tlsi_ips_get(in);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		tlsi_ips_put(im);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, TLSI_CMD_RULES_GET);
	if (!hdr)
		goto full;
	if (nla_put_u32(msg, TLSI_A_IPS_SESSIONS, atomic_read(&in->sessions)) ||
	    nla_put_u32(msg, TLSI_A_IPS_SESSION_BYTES, tlsi_ips_session_size()))
		goto full;
	if (im && (nla_put_u32(msg, TLSI_A_COUNT, im->d.eng.nrules) ||
		   nla_put_u32(msg, TLSI_A_RULES_SIZE, im->d.eng.len) ||
		   nla_put_u32(msg, TLSI_A_RULES_BUILD_ID, le32v(im->d.eng.hdr->build_id)) ||
		   nla_put_u32(msg, TLSI_A_RULES_IMG_FLAGS, le32v(im->d.eng.hdr->flags)) ||
		   nla_put_u64_64bit(msg, TLSI_A_RULES_LOADED, im->loaded, TLSI_A_PAD) ||
		   nla_put_u32(msg, TLSI_A_VARS_CHANGED, im->vars_changed) ||
		   nla_put_u32(msg, TLSI_A_IPS_SCRATCH_BYTES, im->scratch_size) ||
		   nla_put_u64_64bit(msg, TLSI_A_IPS_MEMORY, im->memory, TLSI_A_PAD)))
		goto full;
	genlmsg_end(msg, hdr);
	tlsi_ips_put(im);
	return genlmsg_reply(msg, info);
full:
	tlsi_ips_put(im);
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Dumps of rules and variables hold a reference to the image they started
 * with (cb->args[0]) until done, so a reload in between does not mix two
 * rule sets. args[1]: next index; args[2]: SID filter + 1; args[3]: flags.
 */
static int tlsi_ips_dump_start(struct netlink_callback *cb)
{
	struct tlsi_net *tn = tlsi_pernet(sock_net(cb->skb->sk));
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);

	cb->args[0] = (long)tlsi_ips_get(tlsi_ips_pernet(tn));
	cb->args[1] = 0;
	cb->args[2] = di->attrs[TLSI_A_SID] ? (long)nla_get_u32(di->attrs[TLSI_A_SID]) + 1 : 0;
	cb->args[3] = di->attrs[TLSI_A_FLAGS] ? nla_get_u32(di->attrs[TLSI_A_FLAGS]) : 0;
	return 0;
}

int tlsi_rules_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);

	if (di->attrs[TLSI_A_FLAGS] &&
	    (nla_get_u32(di->attrs[TLSI_A_FLAGS]) & ~__TLSI_RULES_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(cb->extack, di->attrs[TLSI_A_FLAGS], "unknown rules dump flags");
		return -EOPNOTSUPP;
	}
	return tlsi_ips_dump_start(cb);
}

int tlsi_rules_dump_done(struct netlink_callback *cb)
{
	tlsi_ips_put((struct tlsi_ips_image *)cb->args[0]);
	cb->args[0] = 0;
	return 0;
}

static int tlsi_rules_fill(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct tlsi_ips_image *im, u32 i)
{
	const struct tlsi_img_rule *r = &im->d.eng.rules[i];
	const char *s;
	u32 n;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_RULES_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TLSI_A_SID, le32v(r->sid)) ||
	    nla_put_u32(skb, TLSI_A_GID, le32v(r->gid)) ||
	    nla_put_u32(skb, TLSI_A_REV, le32v(r->rev)) ||
	    nla_put_u8(skb, TLSI_A_IPS_ACTION, r->action) ||
	    nla_put_u8(skb, TLSI_A_PRIORITY, r->priority) ||
	    nla_put_u64_64bit(skb, TLSI_A_HITS, READ_ONCE(im->d.hits[i]), TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_ALERTS, READ_ONCE(im->d.alerts[i]), TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_DROPS, READ_ONCE(im->d.drops[i]), TLSI_A_PAD))
		goto cancel;
	n = tlsi_ips_str(im, &r->msg, &s, TLSI_IPS_MSG_MAX);
	if (tlsi_ips_put_str(skb, TLSI_A_MSG, s, n))
		goto cancel;
	n = tlsi_ips_str(im, &r->classtype, &s, TLSI_IPS_CLASSTYPE_MAX);
	if (n && tlsi_ips_put_str(skb, TLSI_A_CLASSTYPE, s, n))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int tlsi_rules_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct tlsi_ips_image *im = (const struct tlsi_ips_image *)cb->args[0];
	u32 i = cb->args[1];

	for (; im && i < im->d.eng.nrules; i++) {
		const struct tlsi_img_rule *r = &im->d.eng.rules[i];

		if (cb->args[2] && le32v(r->sid) != cb->args[2] - 1)
			continue;
		if ((cb->args[3] & TLSI_RULES_F_HIT) && !READ_ONCE(im->d.hits[i]))
			continue;
		if (tlsi_rules_fill(skb, cb, im, i))
			break;
	}
	cb->args[1] = i;
	return skb->len;
}

int tlsi_rules_var_dump_start(struct netlink_callback *cb)
{
	return tlsi_ips_dump_start(cb);
}

int tlsi_rules_var_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct tlsi_ips_image *im = (const struct tlsi_ips_image *)cb->args[0];
	const u32 nvars = im ? tlsi_img_sect_size(im->img, TLSI_IMG_S_VARS) /
			       sizeof(struct tlsi_img_var) : 0;
	u32 i = cb->args[1];

	for (; i < nvars; i++) {
		const struct tlsi_img_var *v = &im->d.eng.vars[i];
		u32 first = le32v(v->first), count = le32v(v->count), n, esz;
		const void *items;
		const char *name;
		void *hdr;

		if (v->kind == TLSI_VAR_ADDR) {
			items = &im->d.eng.addrs[first];
			esz = sizeof(struct tlsi_img_addr);
		} else {
			items = &im->d.eng.ports[first];
			esz = sizeof(struct tlsi_img_port);
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_RULES_VAR_GET);
		if (!hdr)
			break;
		n = tlsi_ips_str(im, &v->name, &name, 255);
		if (tlsi_ips_put_str(skb, TLSI_A_NAME, name, n) ||
		    nla_put_u8(skb, TLSI_A_VAR_KIND, v->kind) ||
		    nla_put_u32(skb, TLSI_A_COUNT, count) ||
		    nla_put(skb, TLSI_A_VAR_ITEMS,
			    min(count, (u32)TLSI_RULES_VAR_ITEMS_MAX) * esz, items)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[1] = i;
	return skb->len;
}

/* ---- variables ---------------------------------------------------------- */

static int tlsi_ips_var_find(const struct tlsi_ips_image *im, const char *name)
{
	u32 nvars = tlsi_img_sect_size(im->img, TLSI_IMG_S_VARS) / sizeof(struct tlsi_img_var);
	size_t nlen = strlen(name);
	u32 i;

	for (i = 0; i < nvars; i++) {
		const char *s;
		u32 len = tlsi_ips_str(im, &im->d.eng.vars[i].name, &s, U32_MAX);

		if (len == nlen && !memcmp(s, name, len))
			return i;
	}
	return -1;
}

static int tlsi_ips_var_items_check(const struct tlsi_img_var_update *u,
				    const struct nlattr *a, const char *name,
				    struct netlink_ext_ack *extack)
{
	u32 i;

	for (i = 0; i < u->count; i++) {
		if (u->kind == TLSI_VAR_ADDR) {
			const struct tlsi_img_addr *x = (const struct tlsi_img_addr *)u->items + i;

			if (x->flags & ~TLSI_ADDR_F_NEG || x->reserved || x->var) {
				tlsi_extack_fmt(extack, a,
						"variable %s: item %u: only addresses and negation (no variables, reserved bits zero)",
						name, i);
				return -EINVAL;
			}
			if (x->plen > 128) {
				tlsi_extack_fmt(extack, a, "variable %s: item %u: prefix length %u > 128",
						name, i, x->plen);
				return -EINVAL;
			}
		} else {
			const struct tlsi_img_port *x = (const struct tlsi_img_port *)u->items + i;

			if (x->flags & ~TLSI_ADDR_F_NEG || x->reserved || x->reserved2 || x->var) {
				tlsi_extack_fmt(extack, a,
						"variable %s: item %u: only ports and negation (no variables, reserved bits zero)",
						name, i);
				return -EINVAL;
			}
			if (le16v(x->lo) > le16v(x->hi)) {
				tlsi_extack_fmt(extack, a, "variable %s: item %u: port range %u:%u reversed",
						name, i, le16v(x->lo), le16v(x->hi));
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* A copy of im's image with the updates (tlsi_img_with_vars()). */
static void *tlsi_ips_image_with_vars(const struct tlsi_ips_image *im,
				      struct tlsi_img_var_update *u, unsigned int nu,
				      size_t *newlen, char *err, size_t errlen)
{
	u64 len = tlsi_img_with_vars_size(im->img, im->d.eng.len, u, nu, err, errlen);
	u8 *buf;

	if (!len)
		return ERR_PTR(-EFBIG);
	buf = kvzalloc(len, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf) {
		snprintf(err, errlen, "out of memory rewriting the rule image");
		return ERR_PTR(-ENOMEM);
	}
	if (tlsi_img_with_vars(im->img, u, nu, buf, len, err, errlen)) {
		kvfree(buf);
		return ERR_PTR(-EINVAL);
	}
	*newlen = len;
	return buf;
}

int tlsi_rules_var_set(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct tlsi_img_var_update *u;
	struct tlsi_ips_image *old, *im;
	struct nlattr *tb[TLSI_A_MAX + 1];
	struct nlattr *entry;
	unsigned int nu = 0, j;
	char err[160];
	size_t len;
	void *img;
	int rem, rc;

	if (GENL_REQ_ATTR_CHECK(info, TLSI_A_RULES_VARS))
		return -EINVAL;
	u = kcalloc(TLSI_RULES_VARS_MAX, sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
	mutex_lock(&in->lock);
	old = tlsi_ips_locked(in);
	if (!old) {
		NL_SET_ERR_MSG_MOD(info->extack, "no IPS rules loaded");
		rc = -ENOENT;
		goto out;
	}
	nla_for_each_nested(entry, info->attrs[TLSI_A_RULES_VARS], rem) {
		struct tlsi_img_var_update *x = &u[nu];
		char name[128];
		u8 vkind;
		int idx;

		if (nu == TLSI_RULES_VARS_MAX) {
			tlsi_extack_fmt(info->extack, entry, "more than %u variables in one request",
					TLSI_RULES_VARS_MAX);
			rc = -E2BIG;
			goto out;
		}
		/* The family policy has validated each entry already. */
		rc = nla_parse_nested(tb, TLSI_A_MAX, entry, NULL, info->extack);
		if (rc)
			goto out;
		if (!tb[TLSI_A_NAME] || !tb[TLSI_A_VAR_KIND] || !tb[TLSI_A_VAR_ITEMS]) {
			NL_SET_ERR_MSG_ATTR(info->extack, entry,
					    "a variable needs a name, a kind and items");
			rc = -EINVAL;
			goto out;
		}
		nla_strscpy(name, tb[TLSI_A_NAME], sizeof(name));
		idx = tlsi_ips_var_find(old, name);
		if (idx < 0) {
			tlsi_extack_fmt(info->extack, tb[TLSI_A_NAME],
					"the loaded rules have no variable %s", name);
			rc = -ENOENT;
			goto out;
		}
		for (j = 0; j < nu; j++) {
			if (u[j].var == idx) {
				tlsi_extack_fmt(info->extack, tb[TLSI_A_NAME],
						"variable %s given twice", name);
				rc = -EINVAL;
				goto out;
			}
		}
		vkind = nla_get_u8(tb[TLSI_A_VAR_KIND]);
		if (vkind != old->d.eng.vars[idx].kind) {
			tlsi_extack_fmt(info->extack, tb[TLSI_A_VAR_KIND],
					"variable %s holds %s, not %s", name,
					old->d.eng.vars[idx].kind == TLSI_VAR_ADDR ? "addresses" : "ports",
					vkind == TLSI_VAR_ADDR ? "addresses" : "ports");
			rc = -EINVAL;
			goto out;
		}
		x->var = idx;
		x->kind = vkind;
		x->items = nla_data(tb[TLSI_A_VAR_ITEMS]);
		len = nla_len(tb[TLSI_A_VAR_ITEMS]);
		j = vkind == TLSI_VAR_ADDR ? sizeof(struct tlsi_img_addr)
					   : sizeof(struct tlsi_img_port);
		if (len % j || len / j > TLSI_RULES_VAR_ITEMS_MAX) {
			tlsi_extack_fmt(info->extack, tb[TLSI_A_VAR_ITEMS],
					"variable %s: %zu bytes of items is not 0..%u items of %u bytes",
					name, len, TLSI_RULES_VAR_ITEMS_MAX, j);
			rc = -EINVAL;
			goto out;
		}
		x->count = len / j;
		rc = tlsi_ips_var_items_check(x, tb[TLSI_A_VAR_ITEMS], name, info->extack);
		if (rc)
			goto out;
		nu++;
	}
	if (!nu) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[TLSI_A_RULES_VARS], "no variable given");
		rc = -EINVAL;
		goto out;
	}
	img = tlsi_ips_image_with_vars(old, u, nu, &len, err, sizeof(err));
	if (IS_ERR(img)) {
		rc = PTR_ERR(img);
		tlsi_extack_fmt(info->extack, NULL, "%s", err);
		goto out;
	}
	im = tlsi_ips_image_new(img, len, err, sizeof(err));
	if (!im) {
		tlsi_extack_fmt(info->extack, NULL, "rule image with the new values refused: %s", err);
		rc = -EINVAL;
		goto out;
	}
	/* The same rules: their counters carry over. */
	tlsi_drv_image_copy_counters(&im->d, &old->d, &tlsi_ips_drv_ops);
	im->loaded = old->loaded;
	im->vars_changed = old->vars_changed + nu;
	tlsi_ips_publish(in, im);
	rc = 0;
out:
	mutex_unlock(&in->lock);
	kfree(u);
	return rc;
}

/* ---- settings --------------------------------------------------------- */

int tlsi_ips_cfg_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct tlsi_ips_config c;
	struct sk_buff *msg;
	u64 trace_used;
	u32 trace_recs;
	void *hdr;

	mutex_lock(&in->lock);
	c = in->cfg;
	mutex_unlock(&in->lock);
	tlsi_trace_usage(in, &trace_used, &trace_recs);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsi_genl_family, 0, TLSI_CMD_IPS_GET);
	if (!hdr || nla_put_u8(msg, TLSI_A_IPS_QUARANTINE, c.quarantine) ||
	    nla_put_u32(msg, TLSI_A_TIMEOUT, c.quarantine_timeout) ||
	    nla_put_u32(msg, TLSI_A_IPS_DEPTH, c.depth) ||
	    nla_put_u32(msg, TLSI_A_IPS_BODY_DEPTH, c.body_depth) ||
	    nla_put_u8(msg, TLSI_A_IPS_TRACE, c.trace) ||
	    nla_put_u32(msg, TLSI_A_IPS_TRACE_BYTES, c.trace_bytes) ||
	    nla_put_u32(msg, TLSI_A_IPS_TRACE_BUFFER, c.trace_buffer) ||
	    nla_put_u64_64bit(msg, TLSI_A_TRACE_USED, trace_used, TLSI_A_PAD) ||
	    nla_put_u32(msg, TLSI_A_TRACE_RECORDS, trace_recs)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int tlsi_ips_cfg_set(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_ips_net *in = tlsi_ips_info_net(info);
	struct nlattr **a = info->attrs;

	if (!a[TLSI_A_IPS_QUARANTINE] && !a[TLSI_A_TIMEOUT] && !a[TLSI_A_IPS_DEPTH] &&
	    !a[TLSI_A_IPS_BODY_DEPTH] && !a[TLSI_A_IPS_TRACE] && !a[TLSI_A_IPS_TRACE_BYTES] &&
	    !a[TLSI_A_IPS_TRACE_BUFFER]) {
		NL_SET_ERR_MSG_MOD(info->extack, "no IPS setting given");
		return -EINVAL;
	}
	mutex_lock(&in->lock);
	if (a[TLSI_A_IPS_QUARANTINE])
		WRITE_ONCE(in->cfg.quarantine, nla_get_u8(a[TLSI_A_IPS_QUARANTINE]));
	if (a[TLSI_A_TIMEOUT])
		WRITE_ONCE(in->cfg.quarantine_timeout, nla_get_u32(a[TLSI_A_TIMEOUT]));
	if (a[TLSI_A_IPS_DEPTH])
		WRITE_ONCE(in->cfg.depth, nla_get_u32(a[TLSI_A_IPS_DEPTH]));
	if (a[TLSI_A_IPS_BODY_DEPTH])
		WRITE_ONCE(in->cfg.body_depth, nla_get_u32(a[TLSI_A_IPS_BODY_DEPTH]));
	/* Ranges are checked by the policy (extack names the attribute). */
	if (a[TLSI_A_IPS_TRACE])
		WRITE_ONCE(in->cfg.trace, nla_get_u8(a[TLSI_A_IPS_TRACE]));
	if (a[TLSI_A_IPS_TRACE_BYTES])
		WRITE_ONCE(in->cfg.trace_bytes, nla_get_u32(a[TLSI_A_IPS_TRACE_BYTES]));
	if (a[TLSI_A_IPS_TRACE_BUFFER]) {
		WRITE_ONCE(in->cfg.trace_buffer, nla_get_u32(a[TLSI_A_IPS_TRACE_BUFFER]));
		tlsi_trace_shrink(tlsi_pernet(genl_info_net(info)), in->cfg.trace_buffer);
	}
	mutex_unlock(&in->lock);
	return 0;
}

/* ---- namespaces ---------------------------------------------------------- */

static int __net_init tlsi_ips_net_init(struct net *net)
{
	struct tlsi_ips_net *in = net_generic(net, tlsi_ips_net_id);

	mutex_init(&in->lock);
	in->cfg.quarantine_timeout = TLSI_IPS_QUARANTINE_DEFAULT;
	tlsi_trace_net_init(in);
	return 0;
}

/* After the relay's namespace exit (registered before it): no session is
 * left that could take a new reference. */
static void __net_exit tlsi_ips_net_exit(struct net *net)
{
	struct tlsi_ips_net *in = net_generic(net, tlsi_ips_net_id);

	mutex_lock(&in->lock);
	tlsi_ips_stage_clear(&in->stage);
	tlsi_ips_publish(in, NULL);
	mutex_unlock(&in->lock);
	tlsi_trace_net_exit(in);
	mutex_destroy(&in->lock);
}

static struct pernet_operations tlsi_ips_net_ops = {
	.init = tlsi_ips_net_init,
	.exit = tlsi_ips_net_exit,
	.id = &tlsi_ips_net_id,
	.size = sizeof(struct tlsi_ips_net),
};

/* Before the main namespace operations: ours then exit after theirs. */
int tlsi_ips_init(void)
{
	return register_pernet_subsys(&tlsi_ips_net_ops);
}

void tlsi_ips_exit(void)
{
	unregister_pernet_subsys(&tlsi_ips_net_ops);
}
