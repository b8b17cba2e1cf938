// SPDX-License-Identifier: GPL-2.0
/*
 * Packet trace, an IPS action: once a traced rule fires on a relayed
 * session (rule metadata "tlsi_trace", or any alert with the namespace's
 * setting "trace alerts"), the decrypted chunk that fired it and every later
 * chunk of both directions are recorded, up to trace_bytes per flow, into
 * the namespace's trace buffer; userspace dumps them (TLSI_CMD_TRACE_GET)
 * and writes a pcap with synthetic TCP/IP headers (tlsictl trace save).
 *
 * Memory: a record holds at most TLSI_TRACE_REC_MAX bytes of data and is
 * charged sizeof(struct tlsi_trace_rec) + its data; the buffer never holds
 * more than trace_buffer bytes: the oldest whole records are evicted
 * (counted) for a new one. Records are allocated in the relay's process
 * context (a workqueue) with GFP_KERNEL, outside the buffer's spinlock;
 * evicted records are freed after it is dropped. A failed allocation loses
 * that chunk from the trace (counted), never the session.
 */
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "ips.h"

/* Small enough for kmalloc without high-order pressure; a relay chunk
 * (TLSI_RELAY_BUF, 16 KiB) is one record. */
#define TLSI_TRACE_REC_MAX	16384

static u64 tlsi_trace_cost(u32 len)
{
	return sizeof(struct tlsi_trace_rec) + len;
}

/* Take the oldest records off until used + need <= limit; caller frees. */
static u32 tlsi_trace_evict_locked(struct tlsi_trace_buf *tb, u64 need, u64 limit,
				   struct list_head *gone)
{
	struct tlsi_trace_rec *rec;
	u32 n = 0;

	while (tb->used + need > limit && !list_empty(&tb->recs)) {
		rec = list_first_entry(&tb->recs, struct tlsi_trace_rec, list);
		list_move_tail(&rec->list, gone);
		tb->used -= tlsi_trace_cost(rec->len);
		tb->nrecs--;
		n++;
	}
	return n;
}

static void tlsi_trace_free_list(struct list_head *gone)
{
	struct tlsi_trace_rec *rec, *tmp;

	list_for_each_entry_safe(rec, tmp, gone, list) {
		list_del(&rec->list);
		kfree(rec);
	}
}

/* Append one record made of hdr and len bytes of data (len <= REC_MAX). */
static int tlsi_trace_append(struct tlsi_net *tn, const struct tlsi_trace_rec *hdr,
			     const u8 *data, u32 len)
{
	struct tlsi_ips_net *in = tlsi_ips_pernet(tn);
	struct tlsi_trace_buf *tb = &in->trace;
	u64 limit = READ_ONCE(in->cfg.trace_buffer);
	struct tlsi_trace_rec *rec;
	LIST_HEAD(gone);
	u32 evicted;

	rec = kmalloc(struct_size(rec, data, len), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!rec) {
		tlsi_count(tn, TLSI_CNT_IPS_TRACE_FAILED_NOMEM);
		net_info_ratelimited("tlsi: no memory for a trace record of flow %llu (%u bytes lost)\n",
				     hdr->flow_id, len);
		return -ENOMEM;
	}
	*rec = *hdr;
	rec->len = len;
	if (len)
		memcpy(rec->data, data, len);

	spin_lock(&tb->lock);
	evicted = tlsi_trace_evict_locked(tb, tlsi_trace_cost(len), limit, &gone);
	rec->id = tb->next_id++;
	list_add_tail(&rec->list, &tb->recs);
	tb->used += tlsi_trace_cost(len);
	tb->nrecs++;
	spin_unlock(&tb->lock);

	tlsi_trace_free_list(&gone);
	if (evicted)
		tlsi_count_add(tn, TLSI_CNT_IPS_TRACE_EVICTED, evicted);
	tlsi_count(tn, TLSI_CNT_IPS_TRACE_RECORDS);
	tlsi_count_add(tn, TLSI_CNT_IPS_TRACE_BYTES, len);
	return 0;
}

static void tlsi_trace_hdr(struct tlsi_trace_rec *h, const struct tlsi_inspect_session *is,
			   const struct tlsi_trace_flow *tf, u64 flow_id, enum tlsi_dir dir)
{
	memset(h, 0, sizeof(*h));
	h->flow_id = flow_id;
	h->ts = ktime_get_real_ns();
	h->caddr = is->caddr;
	h->saddr = is->saddr;
	h->cport = is->cport;
	h->sport = is->sport;
	h->sid = tf->sid;
	h->dir = dir == TLSI_DIR_C2S ? TLSI_IPS_DIR_TO_SERVER : TLSI_IPS_DIR_TO_CLIENT;
}

void tlsi_trace_start(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		      u64 flow_id, u32 sid)
{
	if (tf->on)
		return;
	tf->on = true;
	tf->sid = sid;
	tlsi_count(is->tn, TLSI_CNT_IPS_TRACES_STARTED);
}

void tlsi_trace_chunk(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		      u64 flow_id, enum tlsi_dir dir, const u8 *data, u32 len)
{
	u64 cap = READ_ONCE(tlsi_ips_pernet(is->tn)->cfg.trace_bytes);
	u64 offset = is->bytes[dir] - len;
	struct tlsi_trace_rec h;
	u32 take, done = 0;

	if (!tf->on || tf->capped || !len)
		return;
	take = tf->bytes >= cap ? 0 : min_t(u64, len, cap - tf->bytes);
	tlsi_trace_hdr(&h, is, tf, flow_id, dir);
	while (done < take) {
		u32 n = min_t(u32, take - done, TLSI_TRACE_REC_MAX);

		h.offset = offset + done;
		h.flags = 0;
		if (take < len && done + n == take)
			h.flags = TLSI_TRACE_F_CAPPED;
		if (tlsi_trace_append(is->tn, &h, data + done, n))
			break;
		done += n;
	}
	/* The cap was reached exactly at a chunk's end: say so in a record. */
	if (!take) {
		h.offset = offset;
		h.flags = TLSI_TRACE_F_CAPPED;
		tlsi_trace_append(is->tn, &h, NULL, 0);
	}
	tf->bytes += take;	/* a lost piece still counts: the cap is on memory */
	if (take < len) {
		tf->capped = true;
		tlsi_count(is->tn, TLSI_CNT_IPS_TRACE_CAPPED);
	}
}

void tlsi_trace_end(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		    u64 flow_id)
{
	struct tlsi_trace_rec h;
	int d;

	if (!tf->on)
		return;
	for (d = TLSI_DIR_C2S; d < __TLSI_DIR_MAX; d++) {
		tlsi_trace_hdr(&h, is, tf, flow_id, d);
		h.offset = is->bytes[d];
		h.flags = TLSI_TRACE_F_END;
		tlsi_trace_append(is->tn, &h, NULL, 0);
	}
}

void tlsi_trace_shrink(struct tlsi_net *tn, u64 limit)
{
	struct tlsi_trace_buf *tb = &tlsi_ips_pernet(tn)->trace;
	LIST_HEAD(gone);
	u32 evicted;

	spin_lock(&tb->lock);
	evicted = tlsi_trace_evict_locked(tb, 0, limit, &gone);
	spin_unlock(&tb->lock);
	tlsi_trace_free_list(&gone);
	if (evicted)
		tlsi_count_add(tn, TLSI_CNT_IPS_TRACE_EVICTED, evicted);
}

void tlsi_trace_usage(struct tlsi_ips_net *in, u64 *used, u32 *nrecs)
{
	spin_lock(&in->trace.lock);
	*used = in->trace.used;
	*nrecs = in->trace.nrecs;
	spin_unlock(&in->trace.lock);
}

/* ---- netlink ---------------------------------------------------------- */

/* A dump's position, in cb->ctx: the next record id and the byte in it. */
struct tlsi_trace_cursor {
	u64 id;
	u64 flow_id;
	/*
	 * Where the last call stopped, so the next one need not walk the
	 * list from its head: the last record it visited (hint_after: done
	 * with it, go on after it). Used only while it is provably on the
	 * list: no record was removed from the middle since
	 * (tlsi_trace_buf.mid_removals) and the oldest record's id is not
	 * above hint_id (eviction and prefix clears remove the lowest ids
	 * first).
	 */
	struct tlsi_trace_rec *hint;
	u64 hint_id;
	u32 hint_mid;
	u32 pos;
	u32 flags;			/* TLSI_TRACE_DUMP_F_* */
	bool has_flow;
	bool checked;			/* the request, in the first call */
	bool hint_after;
};
static_assert(sizeof(struct tlsi_trace_cursor) <= sizeof_field(struct netlink_callback, ctx));

static bool tlsi_trace_has_flow_locked(struct tlsi_trace_buf *tb, u64 flow_id)
{
	struct tlsi_trace_rec *rec;

	list_for_each_entry(rec, &tb->recs, list)
		if (rec->flow_id == flow_id)
			return true;
	return false;
}

int tlsi_trace_dump_start(struct netlink_callback *cb)
{
	struct tlsi_trace_cursor *cur = (struct tlsi_trace_cursor *)cb->ctx;
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);

	memset(cur, 0, sizeof(*cur));
	if (di->attrs[TLSI_A_FLAGS])
		cur->flags = nla_get_u32(di->attrs[TLSI_A_FLAGS]);
	if (di->attrs[TLSI_A_FLOW_ID]) {
		cur->has_flow = true;
		cur->flow_id = nla_get_u64(di->attrs[TLSI_A_FLOW_ID]);
	}
	return 0;
}

/*
 * The request is checked in the first dump call, not in start: in 6.1 a
 * dump's start has no extack (cb->extack is set around dump calls only),
 * and an error of the first call reaches userspace in NLMSG_DONE with it.
 */
static int tlsi_trace_dump_check(struct netlink_callback *cb, struct tlsi_trace_buf *tb)
{
	struct tlsi_trace_cursor *cur = (struct tlsi_trace_cursor *)cb->ctx;
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	bool found;

	cur->checked = true;
	if (cur->flags & ~__TLSI_TRACE_DUMP_F_ALL) {
		tlsi_extack_fmt(cb->extack, di->attrs[TLSI_A_FLAGS],
				"unknown trace dump flags 0x%x", cur->flags);
		return -EOPNOTSUPP;
	}
	if (!cur->has_flow)
		return 0;
	spin_lock(&tb->lock);
	found = tlsi_trace_has_flow_locked(tb, cur->flow_id);
	spin_unlock(&tb->lock);
	if (!found) {
		tlsi_extack_fmt(cb->extack, di->attrs[TLSI_A_FLOW_ID],
				"no trace records of flow %llu", cur->flow_id);
		return -ENOENT;
	}
	return 0;
}

static int tlsi_trace_fill(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct tlsi_trace_rec *rec, u32 pos, u32 n, bool data)
{
	struct tlsi_cidr client = tlsi_cidr_host(&rec->caddr);
	struct tlsi_cidr server = tlsi_cidr_host(&rec->saddr);
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tlsi_genl_family, NLM_F_MULTI, TLSI_CMD_TRACE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, TLSI_A_FLOW_ID, rec->flow_id, TLSI_A_PAD) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_SRC, &client) ||
	    tlsi_nla_put_cidr(skb, TLSI_A_DST, &server) ||
	    nla_put_u16(skb, TLSI_A_SPORT, rec->cport) ||
	    nla_put_u16(skb, TLSI_A_DPORT, rec->sport) ||
	    nla_put_u8(skb, TLSI_A_DIRECTION, rec->dir) ||
	    nla_put_u64_64bit(skb, TLSI_A_TRACE_OFFSET, rec->offset + pos, TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_TIMESTAMP, rec->ts, TLSI_A_PAD) ||
	    nla_put_u32(skb, TLSI_A_SID, rec->sid) ||
	    /* CAPPED belongs to the record's last byte: its last piece */
	    nla_put_u32(skb, TLSI_A_TRACE_FLAGS,
			pos + n == rec->len ? rec->flags : rec->flags & ~TLSI_TRACE_F_CAPPED) ||
	    nla_put_u64_64bit(skb, TLSI_A_BYTES, n, TLSI_A_PAD) ||
	    nla_put_u64_64bit(skb, TLSI_A_TRACE_ID, rec->id, TLSI_A_PAD) ||
	    (data && n && nla_put(skb, TLSI_A_TRACE_DATA, n, rec->data + pos))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Records are found again by id on each call (they may have been evicted
 * in between: the dump then goes on with the next one). The data is copied
 * into the skb under the buffer's spinlock; nothing in here sleeps.
 */
int tlsi_trace_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tlsi_trace_cursor *cur = (struct tlsi_trace_cursor *)cb->ctx;
	struct tlsi_net *tn = tlsi_pernet(sock_net(cb->skb->sk));
	struct tlsi_trace_buf *tb = &tlsi_ips_pernet(tn)->trace;
	bool data = !(cur->flags & TLSI_TRACE_DUMP_F_HEADERS_ONLY);
	struct tlsi_trace_rec *rec, *last = NULL;
	int err = 0;

	if (!cur->checked) {
		err = tlsi_trace_dump_check(cb, tb);
		if (err)
			return err;
	}
	spin_lock(&tb->lock);
	rec = list_first_entry(&tb->recs, struct tlsi_trace_rec, list);
	if (cur->hint && cur->hint_mid == tb->mid_removals && !list_empty(&tb->recs) &&
	    rec->id <= cur->hint_id)
		rec = cur->hint_after ? list_next_entry(cur->hint, list) : cur->hint;
	list_for_each_entry_from(rec, &tb->recs, list) {
		last = rec;
		if (rec->id < cur->id)
			continue;
		if (rec->id > cur->id) {
			cur->id = rec->id;
			cur->pos = 0;
		}
		if (cur->has_flow && rec->flow_id != cur->flow_id) {
			cur->id = rec->id + 1;
			continue;
		}
		do {
			u32 n = data ? min_t(u32, rec->len - cur->pos, TLSI_TRACE_PIECE_MAX)
				     : rec->len;

			err = tlsi_trace_fill(skb, cb, rec, cur->pos, n, data);
			if (err)
				goto out;
			cur->pos += n;
		} while (data && cur->pos < rec->len);
		cur->id = rec->id + 1;
		cur->pos = 0;
	}
out:
	if (last) {
		cur->hint = last;
		cur->hint_id = last->id;
		cur->hint_after = !err;		/* stopped inside last, or after it */
		cur->hint_mid = tb->mid_removals;
	}
	spin_unlock(&tb->lock);
	/* Not even one piece fits an empty skb: say so instead of looping. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

int tlsi_trace_clear(struct sk_buff *skb, struct genl_info *info)
{
	struct tlsi_trace_buf *tb = &tlsi_ips_pernet(tlsi_pernet(genl_info_net(info)))->trace;
	struct nlattr *fa = info->attrs[TLSI_A_FLOW_ID];
	struct nlattr *ia = info->attrs[TLSI_A_TRACE_ID];
	struct tlsi_trace_rec *rec, *tmp;
	u64 flow_id = fa ? nla_get_u64(fa) : 0;
	u64 last = ia ? nla_get_u64(ia) : U64_MAX;
	LIST_HEAD(gone);
	u32 n = 0;

	spin_lock(&tb->lock);
	list_for_each_entry_safe(rec, tmp, &tb->recs, list) {
		if (rec->id > last)
			break;
		if (fa && rec->flow_id != flow_id)
			continue;
		list_move_tail(&rec->list, &gone);
		tb->used -= tlsi_trace_cost(rec->len);
		tb->nrecs--;
		n++;
	}
	if (fa && n)
		tb->mid_removals++;	/* invalidates the dumps' hints */
	spin_unlock(&tb->lock);
	tlsi_trace_free_list(&gone);
	if (fa && !n) {
		tlsi_extack_fmt(info->extack, fa, "no trace records of flow %llu", flow_id);
		return -ENOENT;
	}
	return 0;
}

/* ---- namespaces ---------------------------------------------------------- */

void tlsi_trace_net_init(struct tlsi_ips_net *in)
{
	spin_lock_init(&in->trace.lock);
	INIT_LIST_HEAD(&in->trace.recs);
	in->cfg.trace = TLSI_IPS_TRACE_OFF;
	in->cfg.trace_bytes = TLSI_TRACE_BYTES_DEFAULT;
	in->cfg.trace_buffer = TLSI_TRACE_BUFFER_DEFAULT;
}

/* No session is left to add records (see tlsi_ips_net_exit()). */
void tlsi_trace_net_exit(struct tlsi_ips_net *in)
{
	LIST_HEAD(gone);

	spin_lock(&in->trace.lock);
	list_splice_init(&in->trace.recs, &gone);
	in->trace.used = 0;
	in->trace.nrecs = 0;
	spin_unlock(&in->trace.lock);
	tlsi_trace_free_list(&gone);
}
