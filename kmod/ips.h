/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filter engine in tlsi.ko: loaded rule images (ips.c) and their use
 * on relayed sessions (inspect.c). Internal to those two files; the rest of
 * the module sees the declarations in tlsi.h.
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
#include "../engine/engine.h"

/* Working memory of one inspection call, one per possible CPU; the caller
 * takes the slot of the CPU it runs on and holds its mutex for one call
 * (the call may be preempted or migrate: the mutex, not the CPU, owns it). */
struct tlsi_ips_scratch {
	struct mutex lock;
	struct tlsi_eng_scratch *s;
};

struct tlsi_ips_image {
	refcount_t ref;
	struct tlsi_eng eng;
	void *img;			/* kvmalloc, eng.len bytes */
	u64 *hits;			/* per rule: matches (eng.hits) */
	u64 *alerts;			/* per rule: alerts reported */
	u64 *drops;			/* per rule: alerts of drop/reject rules */
	u32 *quarantine;		/* per rule: metadata tlsi_quarantine
					 * seconds (U32_MAX: the global
					 * timeout), 0 none; NULL: no rule has it */
	struct tlsi_eng_thresh *thresh;
	struct tlsi_ips_scratch *scratch;	/* [nr_cpu_ids] */
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
};

struct tlsi_ips_net {
	struct mutex lock;		/* stage, cur (writers), cfg writers */
	struct tlsi_ips_image __rcu *cur;
	struct tlsi_ips_stage stage;
	struct tlsi_ips_config cfg;	/* read without the lock (READ_ONCE) */
	atomic_t sessions;		/* sessions with engine flow state */
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

/* A string of the image, bounded for messages and events. */
static inline u32 tlsi_ips_str(const struct tlsi_ips_image *im,
			       const struct tlsi_img_str *s, const char **p,
			       u32 max)
{
	u32 len;

	*p = tlsi_eng_str(&im->eng, s, &len);
	return min(len, max);
}

#endif /* TLSI_IPS_H */
