// SPDX-License-Identifier: GPL-2.0
/*
 * Classic pcap files of traced flows with synthetic IPv4/TCP or IPv6/TCP
 * headers (pcap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "pcap.h"

#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define TCP_FIN			0x01
#define TCP_SYN			0x02
#define TCP_PSH			0x08
#define TCP_ACK			0x10
#define ETH_HLEN_		14
#define IP_HLEN_		20
#define IP6_HLEN_		40
#define TCP_HLEN_		20

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

static uint64_t csum_add(uint64_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t tlsi_inet_csum(const void *p, size_t len, uint32_t sum)
{
	return csum_fold(csum_add(sum, p, len));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static int pcap_write_hdr(struct tlsi_pcap *w, char *err, size_t errlen)
{
	const struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_USEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = TLSI_PCAP_SNAPLEN,
		.linktype = w->linktype,
	};

	if (fwrite(&h, sizeof(h), 1, w->f) != 1) {
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int linktype_check(uint32_t linktype, char *err, size_t errlen)
{
	if (linktype != TLSI_PCAP_LINKTYPE_RAW && linktype != TLSI_PCAP_LINKTYPE_ETHERNET) {
		snprintf(err, errlen, "unsupported pcap link type %u", linktype);
		return -1;
	}
	return 0;
}

int tlsi_pcap_create(struct tlsi_pcap *w, const char *path, uint32_t linktype,
		     char *err, size_t errlen)
{
	char *d1 = NULL, *d2 = NULL;
	int fd, e;

	memset(w, 0, sizeof(*w));
	if (linktype_check(linktype, err, errlen))
		return -1;
	w->linktype = linktype;
	w->path = strdup(path);
	d1 = strdup(path);
	d2 = strdup(path);
	if (!w->path || !d1 || !d2 ||
	    asprintf(&w->tmp, "%s/.%s.XXXXXX", dirname(d1), basename(d2)) < 0) {
		w->tmp = NULL;
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		goto fail;
	}
	/* Decrypted traffic: readable by the owner only. */
	fd = mkstemp(w->tmp);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot write %s: cannot create a temporary file beside it: %s",
			 path, strerror(e));
		free(w->tmp);
		w->tmp = NULL;
		goto fail;
	}
	w->f = fdopen(fd, "w");
	if (!w->f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	free(d1);
	free(d2);
	if (pcap_write_hdr(w, err, errlen)) {
		tlsi_pcap_abort(w);
		return -1;
	}
	return 0;
fail:
	free(d1);
	free(d2);
	tlsi_pcap_abort(w);
	return -1;
}

int tlsi_pcap_append(struct tlsi_pcap *w, const char *path, uint32_t linktype,
		     char *err, size_t errlen)
{
	struct pcap_file_hdr h;
	struct stat st;
	int fd;

	memset(w, 0, sizeof(*w));
	if (errlen)
		err[0] = '\0';
	if (linktype_check(linktype, err, errlen))
		return -1;
	w->linktype = linktype;
	w->path = strdup(path);
	if (!w->path) {
		snprintf(err, errlen, "cannot open %s: out of memory", path);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot append to %s: not a regular file", path);
		goto fail_fd;
	}
	if (st.st_size) {
		if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != PCAP_MAGIC_USEC) {
			snprintf(err, errlen, "cannot append to %s: not a pcap file written by tlsi",
				 path);
			goto fail_fd;
		}
		if (h.linktype != linktype) {
			snprintf(err, errlen, "cannot append to %s: its link type is %u, not %u",
				 path, h.linktype, linktype);
			goto fail_fd;
		}
	}
	w->f = fdopen(fd, "a");
	if (!w->f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail_fd;
	}
	if (!st.st_size && (pcap_write_hdr(w, err, errlen) || fflush(w->f))) {
		if (!err[0])
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		tlsi_pcap_abort(w);
		return -1;
	}
	return 0;
fail_fd:
	if (fd >= 0)
		close(fd);
	free(w->path);
	w->path = NULL;
	return -1;
}

int tlsi_pcap_commit(struct tlsi_pcap *w, char *err, size_t errlen)
{
	int rc = 0;

	if (fflush(w->f) || fsync(fileno(w->f))) {
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno));
		rc = -1;
	}
	if (fclose(w->f) && !rc) {
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno));
		rc = -1;
	}
	w->f = NULL;
	if (!rc && w->tmp && rename(w->tmp, w->path)) {
		snprintf(err, errlen, "cannot write %s: rename from %s: %s", w->path, w->tmp,
			 strerror(errno));
		rc = -1;
	}
	if (!rc) {
		free(w->tmp);
		w->tmp = NULL;
	}
	tlsi_pcap_abort(w);
	return rc;
}

void tlsi_pcap_abort(struct tlsi_pcap *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	free(w->path);
	w->path = NULL;
}

/* splitmix64: distinct, stable initial sequence numbers per flow */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static bool addr_is_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

void tlsi_pcap_flow_init_addr(struct tlsi_pcap_flow *fl, const uint8_t caddr[16],
			      uint16_t cport, const uint8_t saddr[16], uint16_t sport,
			      uint64_t flow_id, const uint64_t base[2])
{
	uint64_t m = mix64(flow_id);

	memset(fl, 0, sizeof(*fl));
	memcpy(fl->caddr, caddr, 16);
	memcpy(fl->saddr, saddr, 16);
	fl->ipv6 = !addr_is_mapped(caddr) || !addr_is_mapped(saddr);
	fl->cport = cport;
	fl->sport = sport;
	fl->isn[TLSI_PCAP_TO_SERVER] = (uint32_t)m;
	fl->isn[TLSI_PCAP_TO_CLIENT] = (uint32_t)(m >> 32);
	fl->base[0] = fl->next[0] = base ? base[0] : 0;
	fl->base[1] = fl->next[1] = base ? base[1] : 0;
}

void tlsi_pcap_flow_init(struct tlsi_pcap_flow *fl, uint32_t caddr, uint16_t cport,
			 uint32_t saddr, uint16_t sport, uint64_t id,
			 const uint64_t base[2])
{
	uint8_t c[16], s[16];

	tlsi_pcap_addr4(c, (const uint8_t *)&caddr);
	tlsi_pcap_addr4(s, (const uint8_t *)&saddr);
	tlsi_pcap_flow_init_addr(fl, c, cport, s, sport, id, base);
}

static size_t flow_mss(const struct tlsi_pcap_flow *fl)
{
	return fl->ipv6 ? TLSI_PCAP_MSS6 : TLSI_PCAP_MSS;
}

static uint32_t flow_seq(const struct tlsi_pcap_flow *fl, int dir, uint64_t off)
{
	return fl->isn[dir] + 1 + (uint32_t)(off - fl->base[dir]);
}

/* The next sequence number the other side of dir has sent, for ack. */
static uint32_t flow_ack(const struct tlsi_pcap_flow *fl, int dir)
{
	int o = !dir;

	return flow_seq(fl, o, fl->next[o]) + fl->fin[o];
}

/* The IPv4 header of a packet with len bytes of TCP data; ip: 20 bytes. */
static void ip4_header(uint8_t *ip, struct tlsi_pcap_flow *fl, int dir, const uint8_t *src,
		       const uint8_t *dst, size_t len)
{
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN_ + TCP_HLEN_ + len));
	put16(ip + 4, fl->ip_id[dir]++);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = 6;			/* TCP */
	memcpy(ip + 12, src + 12, 4);
	memcpy(ip + 16, dst + 12, 4);
	put16(ip + 10, tlsi_inet_csum(ip, IP_HLEN_, 0));
}

/* The IPv6 header (RFC 8200) of a packet with len bytes of TCP data. */
static void ip6_header(uint8_t *ip, const uint8_t *src, const uint8_t *dst, size_t len)
{
	ip[0] = 0x60;			/* version 6, traffic class and flow label 0 */
	put16(ip + 4, (uint16_t)(TCP_HLEN_ + len));
	ip[6] = 6;			/* next header: TCP */
	ip[7] = 64;			/* hop limit */
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* The sum of the TCP pseudo-header: IPv4 (RFC 793) or IPv6 (RFC 8200 8.1). */
static uint64_t pseudo_sum(const struct tlsi_pcap_flow *fl, const uint8_t *src,
			   const uint8_t *dst, size_t tcp_len)
{
	uint8_t pseudo[40] = { 0 };

	if (!fl->ipv6) {
		memcpy(pseudo, src + 12, 4);
		memcpy(pseudo + 4, dst + 12, 4);
		pseudo[9] = 6;
		put16(pseudo + 10, (uint16_t)tcp_len);
		return csum_add(0, pseudo, 12);
	}
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	put32(pseudo + 32, (uint32_t)tcp_len);
	pseudo[39] = 6;
	return csum_add(0, pseudo, 40);
}

/* One packet of flow fl in direction dir. */
static int pcap_packet(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, int dir,
		       uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
		       size_t len, uint64_t ts_ns, char *err, size_t errlen)
{
	static const uint8_t mac_client[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t mac_server[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t hdr[ETH_HLEN_ + IP6_HLEN_ + TCP_HLEN_] = { 0 };
	uint8_t *ip, *tcp;
	size_t lh = w->linktype == TLSI_PCAP_LINKTYPE_ETHERNET ? ETH_HLEN_ : 0;
	size_t iph = fl->ipv6 ? IP6_HLEN_ : IP_HLEN_;
	const uint8_t *src = dir == TLSI_PCAP_TO_SERVER ? fl->caddr : fl->saddr;
	const uint8_t *dst = dir == TLSI_PCAP_TO_SERVER ? fl->saddr : fl->caddr;
	uint16_t sport = dir == TLSI_PCAP_TO_SERVER ? fl->cport : fl->sport;
	uint16_t dport = dir == TLSI_PCAP_TO_SERVER ? fl->sport : fl->cport;
	struct pcap_rec_hdr rh;
	uint64_t sum;

	if (len > flow_mss(fl)) {
		snprintf(err, errlen, "internal error: a %zu-byte segment", len);
		return -1;
	}
	if (lh) {
		memcpy(hdr, dir == TLSI_PCAP_TO_SERVER ? mac_server : mac_client, 6);
		memcpy(hdr + 6, dir == TLSI_PCAP_TO_SERVER ? mac_client : mac_server, 6);
		put16(hdr + 12, fl->ipv6 ? 0x86dd : 0x0800);
	}
	ip = hdr + lh;
	tcp = ip + iph;
	if (fl->ipv6)
		ip6_header(ip, src, dst, len);
	else
		ip4_header(ip, fl, dir, src, dst, len);

	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (TCP_HLEN_ / 4) << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	sum = pseudo_sum(fl, src, dst, TCP_HLEN_ + len);
	sum = csum_add(sum, tcp, TCP_HLEN_);
	sum = csum_add(sum, data, len);
	put16(tcp + 16, csum_fold(sum));

	rh.ts_sec = (uint32_t)(ts_ns / 1000000000u);
	rh.ts_usec = (uint32_t)(ts_ns % 1000000000u / 1000u);
	rh.incl_len = rh.orig_len = (uint32_t)(lh + iph + TCP_HLEN_ + len);
	if (fwrite(&rh, sizeof(rh), 1, w->f) != 1 ||
	    fwrite(hdr, lh + iph + TCP_HLEN_, 1, w->f) != 1 ||
	    (len && fwrite(data, len, 1, w->f) != 1)) {
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno));
		return -1;
	}
	w->packets++;
	return 0;
}

static int flow_handshake(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, uint64_t ts_ns,
			  char *err, size_t errlen)
{
	const int c = TLSI_PCAP_TO_SERVER, s = TLSI_PCAP_TO_CLIENT;

	if (fl->started)
		return 0;
	fl->started = true;
	if (pcap_packet(w, fl, c, fl->isn[c], 0, TCP_SYN, NULL, 0, ts_ns, err, errlen) ||
	    pcap_packet(w, fl, s, fl->isn[s], fl->isn[c] + 1, TCP_SYN | TCP_ACK, NULL, 0,
			ts_ns, err, errlen) ||
	    pcap_packet(w, fl, c, fl->isn[c] + 1, fl->isn[s] + 1, TCP_ACK, NULL, 0, ts_ns,
			err, errlen))
		return -1;
	return 0;
}

int tlsi_pcap_data(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, int dir,
		   uint64_t off, const void *data, size_t len, uint64_t ts_ns,
		   char *err, size_t errlen)
{
	const uint8_t *p = data;
	size_t mss = flow_mss(fl);

	if (flow_handshake(w, fl, ts_ns, err, errlen))
		return -1;
	while (len) {
		size_t n = len > mss ? mss : len;

		if (pcap_packet(w, fl, dir, flow_seq(fl, dir, off), flow_ack(fl, dir),
				TCP_ACK | TCP_PSH, p, n, ts_ns, err, errlen))
			return -1;
		p += n;
		off += n;
		len -= n;
		if (off > fl->next[dir])
			fl->next[dir] = off;
	}
	return 0;
}

int tlsi_pcap_fin(struct tlsi_pcap *w, struct tlsi_pcap_flow *fl, int dir,
		  uint64_t off, uint64_t ts_ns, char *err, size_t errlen)
{
	if (fl->fin[dir])
		return 0;
	if (flow_handshake(w, fl, ts_ns, err, errlen))
		return -1;
	if (off > fl->next[dir])
		fl->next[dir] = off;
	if (pcap_packet(w, fl, dir, flow_seq(fl, dir, off), flow_ack(fl, dir),
			TCP_FIN | TCP_ACK, NULL, 0, ts_ns, err, errlen))
		return -1;
	fl->fin[dir] = true;
	return 0;
}
