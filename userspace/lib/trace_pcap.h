/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's packet-trace records (TLSI_CMD_TRACE_GET) as pcap: parse a
 * record's attributes, group the records by flow, and write them with
 * the pcap writer (pcap.h), IPv4 or IPv6 as the flow's addresses are.
 * tlsictl trace save and show use it; the parse is hostile-input safe
 * (a malformed record is refused, nothing kept of it).
 */
#ifndef TLSI_TRACE_PCAP_H
#define TLSI_TRACE_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <uapi/linux/tlsi.h>

#include "parse.h"
#include "pcap.h"

struct tlsi_trace_rec {
	uint64_t id, flow_id, offset, ts;
	struct tlsi_cidr caddr, saddr;	/* either family, the same for both */
	uint16_t cport, sport;
	uint8_t dir;			/* TLSI_IPS_DIR_* */
	uint32_t flags, sid, len;
	uint8_t *data;			/* len bytes, or NULL (headers only) */
};

struct tlsi_trace_set {
	struct tlsi_trace_rec *v;
	size_t n, cap;
};

/*
 * Append the record whose attributes tlsi_nl_parse() put in tb: 0,
 * -EPROTO when one is missing or malformed (families differ, a direction
 * out of range, data not TLSI_A_BYTES long), -ENOMEM.
 */
int tlsi_trace_set_add(struct tlsi_trace_set *s, const struct nlattr *const *tb);
void tlsi_trace_set_free(struct tlsi_trace_set *s);

struct tlsi_trace_flow {
	uint64_t flow_id;
	struct tlsi_pcap_flow pf;
	uint64_t base[2];		/* first offset of data, else of the END */
	bool have_data[2];
	uint64_t bytes, records;
	uint32_t sid;			/* of its first record */
	struct tlsi_cidr caddr, saddr;
	uint16_t cport, sport;
	uint64_t first_ts;
	bool ended[2], capped;
};

struct tlsi_trace_flows {
	struct tlsi_trace_flow *v;
	size_t n, cap;
	size_t last;			/* cache: records of a flow come in runs */
};

/* Per flow: the first offset of each direction, byte and record counts;
 * 0 or -ENOMEM. */
int tlsi_trace_flows_build(struct tlsi_trace_flows *t, const struct tlsi_trace_set *s);
void tlsi_trace_flows_free(struct tlsi_trace_flows *t);

/*
 * Write every record of s (flows built from s) to w in order: the flow's
 * handshake before its first record, data, FINs. *last_id: the highest
 * record id written. 0, or -1 with a message in err (w is then aborted).
 */
int tlsi_trace_write_pcap(struct tlsi_pcap *w, struct tlsi_trace_flows *t,
			  const struct tlsi_trace_set *s, uint64_t *last_id,
			  char *err, size_t errlen);

#endif /* TLSI_TRACE_PCAP_H */
