/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TLSI_FLOW_H
#define TLSI_FLOW_H

#include "tlsi.h"

enum tlsi_verdict {
	TLSI_VERDICT_FORWARD,
	TLSI_VERDICT_DROP,
};

#define TLSI_FLOW_F_RESET	0x01	/* answer dropped TCP with a reset */
#define TLSI_FLOW_F_DIVERTED	0x02	/* steered to tlsid; holds a session slot */
#define TLSI_FLOW_F_STEER	0x08	/* TCP fragments of an inspecting segment:
					 * steered up the stack like diverted
					 * flows, which reassembles them */
#define TLSI_FLOW_F_PICKED	0x10	/* a connection whose flow expired
					 * while a transparent socket of
					 * tlsid or the relay still holds it:
					 * steered to that socket, no slot */
#define TLSI_FLOW_F_INSPECT	0x04	/* cleartext: its UDP datagrams and
					 * TCP packets go through the IPS
					 * rules (cleartext.c) */

/*
 * One tracked connection. The verdict fields are valid while gen equals
 * tlsi_net.gen; tm_rule (a rate-limiting TM filter) is only dereferenced
 * then, and rules are freed a grace period after the generation moves.
 * A flow expires when it has been idle for the timeout of its protocol and
 * state, read from the current settings, so changed timeouts apply to live
 * flows too.
 * Fields written on the packet path use WRITE_ONCE: two CPUs may see the two
 * directions of one flow, and a lost update of a timestamp is harmless.
 */
struct tlsi_flow {
	struct hlist_node node;
	struct rcu_head rcu;
	struct tlsi_pkt_tuple key;	/* the originator's direction */
	u16 seg_id;
	u8 tcp_state;			/* enum tlsi_tcp_state */
	u8 verdict;			/* enum tlsi_verdict */
	u8 table;			/* enum tlsi_table that decided */
	u8 flags;			/* TLSI_FLOW_F_* */
	int gen;
	u32 syn_seq;			/* sequence number of the opening SYN */
	unsigned long last_seen;	/* jiffies of the last packet */
	struct tlsi_rule *tm_rule;	/* RATE_LIMIT filter, or NULL */
	/* TCP inside a tunnel (tunnel.c): NULL, TLSI_TSTREAM_PASS (passed
	 * uninspected), TLSI_TSTREAM_GONE (the flow is going), or the
	 * stream's state; set once by cmpxchg, taken by xchg. */
	struct tlsi_tstream *ts;
};

struct tlsi_tstream;
#define TLSI_TSTREAM_PASS	((struct tlsi_tstream *)1)
#define TLSI_TSTREAM_GONE	((struct tlsi_tstream *)2)
static inline bool tlsi_tstream_live(const struct tlsi_tstream *ts)
{
	return (unsigned long)ts > (unsigned long)TLSI_TSTREAM_GONE;
}

u32 tlsi_flow_timeout(struct tlsi_net *tn, const struct tlsi_flow *f);
bool tlsi_flow_expired(struct tlsi_net *tn, const struct tlsi_flow *f);

struct tlsi_flow *tlsi_flow_get(struct tlsi_net *tn,
				const struct tlsi_pkt_tuple *t, u16 seg,
				bool syn, u32 syn_seq, bool *reply, int *err);

#endif /* TLSI_FLOW_H */
