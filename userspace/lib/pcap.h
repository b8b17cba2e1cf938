/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A classic pcap writer for packet traces: the decrypted stream of a flow
 * as IPv4/TCP or IPv6/TCP packets with synthetic headers that tcpdump and
 * Wireshark take for a real connection (Follow TCP Stream works).
 *
 * Per flow: a SYN, SYN-ACK, ACK before its first data; data segments of at
 * most TLSI_PCAP_MSS (IPv4) or TLSI_PCAP_MSS6 (IPv6) bytes with
 * seq = isn[dir] + 1 + (offset - base[dir])
 * (base: the first stream offset of that direction in the trace, so a trace
 * that starts mid-stream still begins right after the handshake), ack =
 * the other direction's next seq; a FIN per direction that ended. IPv4 and
 * TCP checksums are correct; lengths are real (caplen = len).
 *
 * Addresses are 16 bytes, IPv4 as the mapped ::ffff:a.b.c.d (the engine's
 * form, tlsi_eng_addr4()): a flow of two mapped addresses is written as
 * IPv4 (DF, TTL 64), any other as IPv6 (hop limit 64, flow label 0, no
 * extension headers; Ethernet type 0x86DD).
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
#include <string.h>

#define TLSI_PCAP_LINKTYPE_ETHERNET	1
#define TLSI_PCAP_LINKTYPE_RAW		101	/* IPv4/IPv6 without link header */
#define TLSI_PCAP_SNAPLEN		262144
/* 65535 (IPv4 total length) - 20 (IPv4) - 20 (TCP) */
#define TLSI_PCAP_MSS			65495
/* 65535 (IPv6 payload length, the TCP header included) - 20 (TCP) */
#define TLSI_PCAP_MSS6			65515

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
	uint8_t caddr[16], saddr[16];	/* network order, IPv4 mapped */
	uint16_t cport, sport;		/* host byte order */
	uint32_t isn[2];		/* per direction */
	uint64_t base[2];		/* first stream offset in the trace */
	uint64_t next[2];		/* stream offset after the last byte written */
	bool ipv6;			/* not both addresses mapped */
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

/* An IPv4 address (network order bytes a.b.c.d) as ::ffff:a.b.c.d, the
 * layout of the engine's tlsi_eng_addr4(). */
static inline void tlsi_pcap_addr4(uint8_t out[16], const uint8_t v4[4])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/*
 * A flow of client caddr:cport (16-byte network order address, IPv4 as
 * ::ffff:a.b.c.d; host order port) and server saddr:sport; flow_id seeds
 * the initial sequence numbers, base (NULL: 0, 0) the first stream offset
 * each direction has in the trace. Both addresses mapped: IPv4 packets;
 * else IPv6 (a flow mixing the two is written as IPv6).
 */
void tlsi_pcap_flow_init_addr(struct tlsi_pcap_flow *fl, const uint8_t caddr[16],
			      uint16_t cport, const uint8_t saddr[16], uint16_t sport,
			      uint64_t flow_id, const uint64_t base[2]);
/* The same with IPv4 addresses (uint32_t in network byte order). */
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
