/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter engine in tlsi.ko: loaded rule images (ips.c) and their use
 * on relayed sessions (inspect.c, a host of the engine's session driver,
 * engine/driver.h). Internal to those files and trace.c; the rest of the
 * module sees the declarations in tlsi.h.
 *
 * Lifetime: a namespace has at most one live image (tlsi_ips_net.cur, RCU).
 * Readers take a reference (tlsi_ips_get) for one inspection call at a time;
 * commit, flush and namespace exit unpublish the image, wait a grace period
 * and drop the namespace's reference, so the last caller frees it. A session
 * keeps only its engine flow state between calls: when the image changed
 * since its last chunk, the engine restarts the flow's inspection state
 * (flowbits, windows, HTTP state) on the next chunk with the new rules.
 */
#ifndef TLSI_IPS_H
#define TLSI_IPS_H

#include <linux/mutex.h>
#include <linux/refcount.h>

#include "tlsi.h"
#include "../engine/driver.h"

/* Working memory of one inspection call, one per possible CPU; the caller
 * takes the slot of the CPU it runs on and holds its mutex for one call
 * (the call may be preempted or migrate: the mutex, not the CPU, owns it). */
struct tlsi_ips_scratch {
	struct mutex lock;
	struct tlsi_eng_scratch *s;
};

/* What inspecting a UDP datagram on the packet path (softirq) needs, one
 * per possible CPU: its own engine scratch (the relays' slots take a
 * mutex), a driver flow made afresh for each datagram, and the datagram's
 * bytes copied out of the skb. Nothing is allocated per packet. */
#define TLSI_IPS_DATAGRAM_MAX	65535
struct tlsi_ips_bh {
	struct tlsi_inspect_session is;	/* the ends, for the alert events */
	struct tlsi_eng_scratch *s;
	struct tlsi_drv_flow *flow;
	u8 *buf;			/* TLSI_IPS_DATAGRAM_MAX bytes */
};

struct tlsi_ips_image {
	refcount_t ref;
	struct tlsi_drv_image d;	/* the engine, per-rule counters and
					 * metadata, thresholds (engine/driver.h) */
	void *img;			/* kvmalloc, d.eng.len bytes */
	struct tlsi_ips_scratch *scratch;	/* [nr_cpu_ids] */
	struct tlsi_ips_bh *bh;			/* [nr_cpu_ids] */
	size_t scratch_size;
	u64 memory;			/* bytes allocated for this image */
	time64_t loaded;
	u32 vars_changed;
};

struct tlsi_ips_stage {
	u32 batch;			/* 0: nothing staged */
	u32 portid;
	u8 *buf;			/* kvmalloc, size bytes */
	u32 size;			/* the header's total size */
	u32 have;			/* bytes staged */
};

struct tlsi_ips_config {
	u8 quarantine;			/* quarantine the client of blocked flows */
	u32 quarantine_timeout;		/* s, 0 = never expires */
	u32 depth;			/* per direction, 0 = all */
	u32 body_depth;			/* per HTTP body, 0 = all */
	u8 trace;			/* enum tlsi_ips_trace */
	u32 trace_bytes;		/* recorded per traced flow */
	u32 trace_buffer;		/* bytes of records per namespace */
};

/*
 * Packet trace (trace.c): the decrypted chunks of traced flows, oldest
 * first, bounded by the trace_buffer setting (a record is charged its
 * struct and its data); the oldest whole records are evicted for new ones.
 */
struct tlsi_trace_rec {
	struct list_head list;
	u64 id;				/* dump cursor: ids only grow */
	u64 flow_id;
	u64 offset;			/* of data[0] in its direction */
	u64 ts;				/* ns since the epoch */
	struct tlsi_addr caddr, saddr;
	u16 cport, sport;		/* host order */
	u32 sid;			/* the rule that started the trace */
	u32 len;
	u8 dir;				/* enum tlsi_ips_dir */
	u8 flags;			/* TLSI_TRACE_F_* */
	u8 data[];
};

struct tlsi_trace_buf {
	spinlock_t lock;		/* list, counts; never held to allocate */
	struct list_head recs;
	u64 next_id;
	u64 used;			/* bytes charged */
	u32 nrecs;
	u32 mid_removals;		/* clears of one flow's records (dump hints) */
};

struct tlsi_ips_net {
	struct mutex lock;		/* stage, cur (writers), cfg writers */
	struct tlsi_ips_image __rcu *cur;
	struct tlsi_ips_stage stage;
	struct tlsi_ips_config cfg;	/* read without the lock (READ_ONCE) */
	atomic_t sessions;		/* sessions with engine flow state */
	struct tlsi_trace_buf trace;
};

#define TLSI_IPS_MSG_MAX		1024	/* bytes of a rule message in replies */
#define TLSI_IPS_CLASSTYPE_MAX		256
#define TLSI_IPS_QUARANTINE_DEFAULT	3600	/* s */

struct tlsi_ips_net *tlsi_ips_pernet(struct tlsi_net *tn);
struct tlsi_ips_image *tlsi_ips_get(struct tlsi_ips_net *in);
void tlsi_ips_put(struct tlsi_ips_image *im);
int tlsi_ips_put_str(struct sk_buff *skb, int type, const char *p, u32 len);

/* inspect.c */
u32 tlsi_ips_session_size(void);
/* Tunnelled TCP on the packet path (tunnel.c): see inspect.c. */
bool tlsi_inspect_stream(struct tlsi_net *tn, struct tlsi_drv_flow *df,
			 const struct tlsi_pkt_tuple *key, u32 depth, bool reply,
			 const struct sk_buff *skb, unsigned int off, unsigned int len);
void tlsi_inspect_stream_end(struct tlsi_net *tn, struct tlsi_drv_flow *df,
			     const struct tlsi_pkt_tuple *key);
/* The kernel's host operations of the session driver (their allocation
 * part is what ips.c uses for images). */
extern const struct tlsi_drv_ops tlsi_ips_drv_ops;

/* trace.c */

/* A session's trace state (in inspect.c's per-session engine state). */
struct tlsi_trace_flow {
	bool on;			/* a traced rule fired */
	bool capped;			/* trace_bytes reached */
	u32 sid;			/* the rule that started it */
	u64 bytes;			/* data recorded, both directions */
};

void tlsi_trace_start(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		      u64 flow_id, u32 sid);
/* A decrypted chunk of a traced session; its offset is is->bytes[dir] - len. */
void tlsi_trace_chunk(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		      u64 flow_id, enum tlsi_dir dir, const u8 *data, u32 len);
/* The session ended: an END record per direction. */
void tlsi_trace_end(struct tlsi_inspect_session *is, struct tlsi_trace_flow *tf,
		    u64 flow_id);
void tlsi_trace_net_init(struct tlsi_ips_net *in);
void tlsi_trace_net_exit(struct tlsi_ips_net *in);
/* Evict the oldest records until at most limit bytes are held. */
void tlsi_trace_shrink(struct tlsi_net *tn, u64 limit);
void tlsi_trace_usage(struct tlsi_ips_net *in, u64 *used, u32 *nrecs);

/* A string of the image, bounded for messages and events. */
static inline u32 tlsi_ips_str(const struct tlsi_ips_image *im,
			       const struct tlsi_img_str *s, const char **p,
			       u32 max)
{
	u32 len;

	*p = tlsi_eng_str(&im->d.eng, s, &len);
	return min(len, max);
}

#endif /* TLSI_IPS_H */
