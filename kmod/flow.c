// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: one entry per 5-tuple and segment, both directions.
 *
 * Buckets are RCU hlists; writers take one of TLSI_FLOW_LOCKS striped
 * spinlocks (softirq context, so the _bh variants from process context).
 * The table never grows: the bucket count is fixed at namespace creation
 * (module parameter flow_buckets) and the number of entries is capped by the
 * runtime setting max_flows. A flow is sizeof(struct tlsi_flow) bytes
 * (Documentation/kernel-module.md lists the figure), from a dedicated slab.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/mm.h>
#include <linux/in.h>

#include "tlsi.h"
#include "flow.h"

static unsigned int flow_buckets = 1 << 16;
module_param(flow_buckets, uint, 0444);
MODULE_PARM_DESC(flow_buckets, "flow hash buckets per namespace (power of two, 1024..4194304)");

#define TLSI_FLOW_LOCKS 1024

struct tlsi_flow_table {
	u32 mask;
	u32 seed;
	atomic_t count;
	atomic_t peak;
	spinlock_t locks[TLSI_FLOW_LOCKS];
	struct hlist_head buckets[];
};

static struct kmem_cache *tlsi_flow_cache;

int tlsi_flow_cache_init(void)
{
	if (flow_buckets < 1024 || flow_buckets > (1U << 22) ||
	    !is_power_of_2(flow_buckets)) {
		pr_err("tlsi: flow_buckets=%u is not a power of two in 1024..4194304\n",
		       flow_buckets);
		return -EINVAL;
	}
	tlsi_flow_cache = KMEM_CACHE(tlsi_flow, 0);
	return tlsi_flow_cache ? 0 : -ENOMEM;
}

void tlsi_flow_cache_exit(void)
{
	/* Flows are freed by call_rcu: wait for the callbacks first. */
	rcu_barrier();
	kmem_cache_destroy(tlsi_flow_cache);
}

int tlsi_flow_table_init(struct tlsi_net *tn)
{
	struct tlsi_flow_table *ft;
	u32 i;

	ft = kvzalloc(struct_size(ft, buckets, flow_buckets), GFP_KERNEL_ACCOUNT);
	if (!ft)
		return -ENOMEM;
	ft->mask = flow_buckets - 1;
	ft->seed = get_random_u32();
	for (i = 0; i < TLSI_FLOW_LOCKS; i++)
		spin_lock_init(&ft->locks[i]);
	tn->flows = ft;
	return 0;
}

static void tlsi_flow_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tlsi_flow_cache, container_of(head, struct tlsi_flow, rcu));
}

static void tlsi_flow_unlink(struct tlsi_net *tn, struct tlsi_flow *f)
{
	struct tlsi_flow_table *ft = tn->flows;

	if (f->flags & TLSI_FLOW_F_DIVERTED) {
		tlsi_divert_del(tn, &f->key);
		atomic_dec(&tn->ssl_sessions);
	}
	tlsi_tunnel_flow_gone(tn, f);
	/* _init: a racing CPU that found the same flow sees it unhashed. */
	hlist_del_init_rcu(&f->node);
	atomic_dec(&ft->count);
	call_rcu(&f->rcu, tlsi_flow_free_rcu);
}

/* Called after the hooks are gone: no reader can start, some may finish. */
void tlsi_flow_table_free(struct tlsi_net *tn)
{
	struct tlsi_flow_table *ft = tn->flows;
	struct hlist_node *tmp;
	struct tlsi_flow *f;
	u32 i;

	if (!ft)
		return;
	for (i = 0; i <= ft->mask; i++) {
		spin_lock_bh(&ft->locks[i % TLSI_FLOW_LOCKS]);
		hlist_for_each_entry_safe(f, tmp, &ft->buckets[i], node)
			tlsi_flow_unlink(tn, f);
		spin_unlock_bh(&ft->locks[i % TLSI_FLOW_LOCKS]);
	}
	synchronize_rcu();
	kvfree(ft);
	tn->flows = NULL;
}

u32 tlsi_flow_timeout(struct tlsi_net *tn, const struct tlsi_flow *f)
{
	const u32 *to = tn->cfg.timeout;

	switch (f->key.proto) {
	case IPPROTO_TCP:
		/*
		 * A diverted connection is two TCP connections that end in
		 * tlsid's (then the relay's) sockets: the hook sees only the
		 * client's side of one and the server's side of the other, so
		 * it may see no handshake answer for as long as tlsid takes
		 * to reach the server. Until a FIN or reset such a flow lives
		 * by the established timeout; the sockets and the relay's
		 * idle timeout end the session.
		 */
		if ((READ_ONCE(f->flags) & TLSI_FLOW_F_DIVERTED) &&
		    (f->tcp_state == TLSI_TCP_SYN_SENT || f->tcp_state == TLSI_TCP_SYN_RECV))
			return READ_ONCE(to[TLSI_TO_TCP_EST]);
		switch (f->tcp_state) {
		case TLSI_TCP_SYN_SENT:
		case TLSI_TCP_SYN_RECV:
			return READ_ONCE(to[TLSI_TO_TCP_SYN]);
		case TLSI_TCP_FIN_ORIG:
		case TLSI_TCP_FIN_REPLY:
			/*
			 * A half-close lives as long as an established
			 * connection, but not a diverted one: the appliance's
			 * own ends (the relay's FIN or reset to the client)
			 * never pass this hook, so its second FIN may never
			 * come, and the flow holds a session slot.
			 */
			if (READ_ONCE(f->flags) & (TLSI_FLOW_F_DIVERTED | TLSI_FLOW_F_PICKED))
				return READ_ONCE(to[TLSI_TO_TCP_CLOSE]);
			return READ_ONCE(to[TLSI_TO_TCP_EST]);
		case TLSI_TCP_FIN_BOTH:
		case TLSI_TCP_CLOSE:
			return READ_ONCE(to[TLSI_TO_TCP_CLOSE]);
		default:
			return READ_ONCE(to[TLSI_TO_TCP_EST]);
		}
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return READ_ONCE(to[TLSI_TO_UDP]);
	case IPPROTO_ICMP:
		return READ_ONCE(to[TLSI_TO_ICMP]);
	default:
		return READ_ONCE(to[TLSI_TO_OTHER]);
	}
}

bool tlsi_flow_expired(struct tlsi_net *tn, const struct tlsi_flow *f)
{
	return time_after(jiffies, READ_ONCE(f->last_seen) +
			  (unsigned long)tlsi_flow_timeout(tn, f) * HZ);
}

static u32 tlsi_flow_hash(const struct tlsi_flow_table *ft,
			  const struct tlsi_pkt_tuple *t, u16 seg)
{
	u32 w[3];

	tlsi_flow_hash_words(t, seg, w);
	return jhash_3words(w[0], w[1], w[2], ft->seed) & ft->mask;
}

/* Which way does @t run relative to @f? 0: no match, 1: original, 2: reply. */
static int tlsi_flow_match(const struct tlsi_flow *f,
			   const struct tlsi_pkt_tuple *t, u16 seg)
{
	const struct tlsi_pkt_tuple *k = &f->key;

	if (f->seg_id != seg || k->proto != t->proto || k->vlan != t->vlan ||
	    k->encap != t->encap || k->tunnel_key != t->tunnel_key)
		return 0;
	if (k->sport == t->sport && k->dport == t->dport &&
	    tlsi_addr_eq(&k->saddr, &t->saddr) && tlsi_addr_eq(&k->daddr, &t->daddr))
		return 1;
	if (k->sport == t->dport && k->dport == t->sport &&
	    tlsi_addr_eq(&k->saddr, &t->daddr) && tlsi_addr_eq(&k->daddr, &t->saddr))
		return 2;
	return 0;
}

static struct tlsi_flow *tlsi_flow_create_locked(struct tlsi_net *tn, u32 h,
						 const struct tlsi_pkt_tuple *t,
						 u16 seg, int *err);

/*
 * A SYN that opens a new connection on the tuple of a live flow (a client
 * reused its source port while the flow of its previous connection is still
 * in the table), rather than a retransmission of the flow's own first SYN:
 * the flow is past its handshake, or its opening SYN had another sequence
 * number. A SYN from the responder's side is a simultaneous open: kept.
 */
static bool tlsi_syn_starts_new_conn(const struct tlsi_flow *f, bool reply, u32 seq)
{
	switch (READ_ONCE(f->tcp_state)) {
	case TLSI_TCP_NONE:
		return false;
	case TLSI_TCP_SYN_SENT:
	case TLSI_TCP_SYN_RECV:
		return !reply && READ_ONCE(f->syn_seq) != seq;
	default:
		return !reply;
	}
}

/**
 * tlsi_flow_get - find or create the flow of a packet
 * @tn: namespace state
 * @t: the packet's tuple
 * @seg: segment id
 * @syn: the packet is a TCP SYN without ACK (or RST), with sequence number
 *	@syn_seq
 * @syn_seq: see @syn
 * @reply: set when the packet runs in the flow's reply direction
 * @err: on NULL return, -ENOSPC (table full) or -ENOMEM
 *
 * A flow that has expired, or whose tuple a new connection takes over (a
 * SYN that tlsi_syn_starts_new_conn()), is replaced by a new one: the old
 * flow's decision (a divert, a verdict) belongs to the old connection, and
 * the new one is classified by the configuration in force now.
 *
 * Call under rcu_read_lock(); the flow stays valid until it is dropped.
 */
struct tlsi_flow *tlsi_flow_get(struct tlsi_net *tn,
				const struct tlsi_pkt_tuple *t, u16 seg,
				bool syn, u32 syn_seq, bool *reply, int *err)
{
	struct tlsi_flow_table *ft = tn->flows;
	u32 h = tlsi_flow_hash(ft, t, seg);
	spinlock_t *lock = &ft->locks[h % TLSI_FLOW_LOCKS];
	struct tlsi_flow *f, *stale = NULL;
	bool restarted = false;
	int dir;

	hlist_for_each_entry_rcu(f, &ft->buckets[h], node) {
		dir = tlsi_flow_match(f, t, seg);
		if (!dir)
			continue;
		if (tlsi_flow_expired(tn, f)) {
			stale = f;
			break;
		}
		if (syn && tlsi_syn_starts_new_conn(f, dir == 2, syn_seq)) {
			stale = f;
			restarted = true;
			break;
		}
		*reply = dir == 2;
		return f;
	}

	spin_lock_bh(lock);
	if (stale && !hlist_unhashed(&stale->node)) {
		/* A new flow takes its place. */
		tlsi_flow_unlink(tn, stale);
		tlsi_count(tn, restarted ? TLSI_CNT_FLOWS_RESTARTED : TLSI_CNT_FLOWS_EXPIRED);
	}
	/* Another CPU may have created it while we looked without the lock. */
	hlist_for_each_entry(f, &ft->buckets[h], node) {
		dir = tlsi_flow_match(f, t, seg);
		if (dir && !tlsi_flow_expired(tn, f)) {
			spin_unlock_bh(lock);
			*reply = dir == 2;
			return f;
		}
	}
	f = tlsi_flow_create_locked(tn, h, t, seg, err);
	spin_unlock_bh(lock);
	*reply = false;
	return f;
}

/* A new, unclassified flow in bucket @h, whose lock the caller holds. */
static struct tlsi_flow *tlsi_flow_create_locked(struct tlsi_net *tn, u32 h,
						 const struct tlsi_pkt_tuple *t,
						 u16 seg, int *err)
{
	struct tlsi_flow_table *ft = tn->flows;
	struct tlsi_flow *f;
	int count, peak;

	count = atomic_read(&ft->count);
	if (count >= READ_ONCE(tn->cfg.max_flows)) {
		*err = -ENOSPC;
		return NULL;
	}
	f = kmem_cache_zalloc(tlsi_flow_cache, GFP_ATOMIC);
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->key = *t;
	f->seg_id = seg;
	f->gen = atomic_read(&tn->gen) - 1;	/* not yet classified */
	f->last_seen = jiffies;
	hlist_add_head_rcu(&f->node, &ft->buckets[h]);
	count = atomic_inc_return(&ft->count);

	peak = atomic_read(&ft->peak);
	while (count > peak) {
		int old = atomic_cmpxchg(&ft->peak, peak, count);

		if (old == peak)
			break;
		peak = old;
	}
	tlsi_count(tn, TLSI_CNT_FLOWS_CREATED);
	return f;
}

/* Collect expired flows. Runs from the per-namespace GC work every second. */
void tlsi_flow_gc(struct tlsi_net *tn)
{
	struct tlsi_flow_table *ft = tn->flows;
	struct hlist_node *tmp;
	struct tlsi_flow *f;
	u32 i, expired = 0;

	if (!atomic_read(&ft->count))
		return;		/* the usual case for namespaces without segments */
	for (i = 0; i <= ft->mask; i++) {
		if (hlist_empty(&ft->buckets[i]))
			continue;
		spin_lock_bh(&ft->locks[i % TLSI_FLOW_LOCKS]);
		hlist_for_each_entry_safe(f, tmp, &ft->buckets[i], node) {
			if (tlsi_flow_expired(tn, f)) {
				tlsi_flow_unlink(tn, f);
				expired++;
			}
		}
		spin_unlock_bh(&ft->locks[i % TLSI_FLOW_LOCKS]);
		if (!(i & 4095))
			cond_resched();
	}
	if (expired)
		this_cpu_add(tn->counters[TLSI_CNT_FLOWS_EXPIRED], expired);
}

u32 tlsi_flows_current(struct tlsi_net *tn)
{
	return atomic_read(&tn->flows->count);
}

u32 tlsi_flows_peak(struct tlsi_net *tn)
{
	return atomic_read(&tn->flows->peak);
}

void tlsi_flows_reset_peak(struct tlsi_net *tn)
{
	atomic_set(&tn->flows->peak, atomic_read(&tn->flows->count));
}

static const char *const tlsi_tcp_state_names[] = {
	[TLSI_TCP_NONE] = "none",
	[TLSI_TCP_SYN_SENT] = "syn_sent",
	[TLSI_TCP_SYN_RECV] = "syn_recv",
	[TLSI_TCP_ESTABLISHED] = "established",
	[TLSI_TCP_FIN_ORIG] = "fin_orig",
	[TLSI_TCP_FIN_REPLY] = "fin_reply",
	[TLSI_TCP_FIN_BOTH] = "fin_both",
	[TLSI_TCP_CLOSE] = "close",
};

/* A flow's TLSI_FLOW_F_* flags by name, comma-separated, "-" for none. */
static const char *tlsi_flow_flags_str(u8 flags, char *buf, size_t size)
{
	static const struct {
		u8 flag;
		const char *name;
	} names[] = {
		{ TLSI_FLOW_F_RESET, "reset" },
		{ TLSI_FLOW_F_DIVERTED, "diverted" },
		{ TLSI_FLOW_F_INSPECT, "inspect" },
		{ TLSI_FLOW_F_STEER, "steer" },
		{ TLSI_FLOW_F_PICKED, "picked" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & names[i].flag)
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? "," : "", names[i].name);
	return len ? buf : "-";
}

/* debugfs "flows": every live flow, one line each. */
int tlsi_flow_debug_show(struct seq_file *m, struct tlsi_net *tn)
{
	struct tlsi_flow_table *ft = tn->flows;
	struct tlsi_flow *f;
	u32 i;

	seq_printf(m, "# flows %u peak %u max %u flow_size %zu buckets %u\n",
		   atomic_read(&ft->count), atomic_read(&ft->peak),
		   READ_ONCE(tn->cfg.max_flows), sizeof(struct tlsi_flow),
		   ft->mask + 1);
	rcu_read_lock();
	for (i = 0; i <= ft->mask; i++) {
		hlist_for_each_entry_rcu(f, &ft->buckets[i], node) {
			const struct tlsi_pkt_tuple *k = &f->key;
			long left = (long)(READ_ONCE(f->last_seen) +
					   tlsi_flow_timeout(tn, f) * HZ - jiffies);
			u8 st = READ_ONCE(f->tcp_state);
			u8 table = READ_ONCE(f->table);
			char sbuf[TLSI_ADDR_STR_MAX], dbuf[TLSI_ADDR_STR_MAX];
			bool v6 = !tlsi_addr_is_v4(&k->saddr);
			u8 flags = READ_ONCE(f->flags);
			char fbuf[48];

			/* IPv6 addresses in brackets, as in URLs. */
			seq_printf(m, "seg %u proto %u %s%s%s:%u -> %s%s%s:%u vlan %u state %s verdict %s table %s expires %ld flags %s\n",
				   f->seg_id, k->proto, v6 ? "[" : "",
				   tlsi_addr_str(&k->saddr, sbuf), v6 ? "]" : "", k->sport,
				   v6 ? "[" : "", tlsi_addr_str(&k->daddr, dbuf), v6 ? "]" : "",
				   k->dport, k->vlan,
				   st < ARRAY_SIZE(tlsi_tcp_state_names) ? tlsi_tcp_state_names[st] : "?",
				   READ_ONCE(f->verdict) == TLSI_VERDICT_DROP ? "drop" : "forward",
				   tlsi_table_name(table),
				   left > 0 ? left / HZ : 0,
				   tlsi_flow_flags_str(flags, fbuf, sizeof(fbuf)));
		}
		if (seq_has_overflowed(m))
			break;
	}
	rcu_read_unlock();
	return 0;
}
