/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A classic pcap writer for packet traces: the decrypted stream of a flow
 * as IPv4/TCP packets with synthetic headers that tcpdump and Wireshark
 * take for a real connection (Follow TCP Stream works).
 *
 * Per flow: a SYN, SYN-ACK, ACK before its first data; data segments of at
 * most TLSI_PCAP_MSS bytes with seq = isn[dir] + 1 + (offset - base[dir])
 * (base: the first stream offset of that direction in the trace, so a trace
 * that starts mid-stream still begins right after the handshake), ack =
 * the other direction's next seq; a FIN per direction that ended. IPv4 and
 * TCP checksums are correct; lengths are real (caplen = len).
 *
 * Files: tlsi_pcap_create() writes to a temporary file in the target's
 * directory that tlsi_pcap_commit() renames over the target (atomic);
 * tlsi_pcap_append() opens a growing file (tlsid) and checks the header of
 * an existing one. Functions return 0, or -1 with a message in err.
 */
#ifndef TLSI_PCAP_H
#define TLSI_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TLSI_PCAP_LINKTYPE_ETHERNET	1
#define TLSI_PCAP_LINKTYPE_RAW		101	/* IPv4/IPv6 without link header */
#define TLSI_PCAP_SNAPLEN		262144
/* 65535 (IPv4 total length) - 20 (IPv4) - 20 (TCP) */
#define TLSI_PCAP_MSS			65495

enum {
	TLSI_PCAP_TO_SERVER,		/* = TLSI_IPS_DIR_TO_SERVER */
	TLSI_PCAP_TO_CLIENT,
};

struct tlsi_pcap {
	FILE *f;
	uint32_t linktype;
	char *path;			/* the target */
	char *tmp;			/* create: the temporary file, else NULL */
	uint64_t packets;
};

struct tlsi_pcap_flow {
	uint32_t caddr, saddr;		/* network byte order */
	uint16_t cport, sport;		/* host byte order */
	uint32_t isn[2];		/* per direction */
	uint64_t base[2];		/* first stream offset in the trace */
	uint64_t next[2];		/* stream offset after the last byte written */
	bool started;			/* handshake written */
	bool fin[2];
	uint16_t ip_id[2];
};

int tlsi_pcap_create(struct tlsi_pcap *w, const char *path, uint32_t linktype,
		     char *err, size_t errlen);
int tlsi_pcap_append(struct tlsi_pcap *w, const char *path, uint32_t linktype,
		     char *err, size_t errlen);
/* Flush, fsync and (create) rename into place; the writer is closed. */
int tlsi_pcap_commit(struct tlsi_pcap *w, char *err, size_t errlen);
/* Close; a created file's temporary file is removed. */
void tlsi_pcap_abort(struct tlsi_pcap *w);

/*
 * A flow of client caddr:cport (network order address, host order port)
 * and server saddr:sport; id seeds the initial sequence numbers, base the
 * first stream offset each direction has in the trace.
 */
void tlsi_pcap_flow_init(struct tlsi_pcap_flow *fl, uint32_t caddr, uint16_t cport,
			 uint32_t saddr, uint16_t sport, uint64_t id,
			 const uint64_t base[2]);
/* len bytes at stream offset off of direction dir (handshake first). */
int tlsi_pcap_data(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, int dir,
		   uint64_t off, const void *data, size_t len, uint64_t ts_ns,
		   char *err, size_t errlen);
/* Direction dir ended at stream offset off: a FIN (once). */
int tlsi_pcap_fin(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, int dir,
		  uint64_t off, uint64_t ts_ns, char *err, size_t errlen);

/* The Internet checksum (RFC 1071) of len bytes, folded, starting at sum. */
uint16_t tlsi_inet_csum(const void *p, size_t len, uint32_t sum);

#endif /* TLSI_PCAP_H */
