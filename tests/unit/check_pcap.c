// SPDX-License-Identifier: GPL-2.0
/*
 * The pcap writer of packet traces (userspace/lib/pcap.c): files are read
 * back and every header checked independently of the writer (lengths,
 * IPv4 and TCP checksums, IPv6 headers and the TCP checksum over the IPv6
 * pseudo-header, the handshake, seq/ack continuity, splitting, FINs), the
 * streams reassembled (what Follow TCP Stream shows), atomic replacement
 * and appending tried, and tcpdump (when installed) must read the files
 * without complaint and verify every TCP checksum. The kernel's trace
 * records (lib/trace_pcap.c, what tlsictl trace save writes) of both
 * families are built as netlink messages, parsed, refused when malformed,
 * and written.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "pcap.h"
#include "trace_pcap.h"

static char dir[] = "/tmp/check_pcap.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/check_pcap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *path_in(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* ---- an independent reader ---------------------------------------------- */

struct pkt {
	uint8_t src[16], dst[16];	/* network order, IPv4 as ::ffff:a.b.c.d */
	bool ipv6;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *data;
	size_t len;
	uint64_t ts_us;
};

struct capture {
	uint8_t *buf;
	size_t size;
	uint32_t linktype, snaplen;
	struct pkt *p;
	size_t n;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One's complement sum over pieces, checked to fold to 0xffff. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void capture_read(struct capture *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t off, cap = 0;
	struct stat st;

	memset(c, 0, sizeof(*c));
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	c->size = st.st_size;
	c->buf = malloc(c->size + 1);
	ck_assert_uint_eq(fread(c->buf, 1, c->size, f), c->size);
	fclose(f);
	ck_assert_uint_ge(c->size, 24);
	ck_assert_uint_eq(*(uint32_t *)c->buf, 0xa1b2c3d4);
	ck_assert_uint_eq(*(uint16_t *)(c->buf + 4), 2);
	ck_assert_uint_eq(*(uint16_t *)(c->buf + 6), 4);
	c->snaplen = *(uint32_t *)(c->buf + 16);
	c->linktype = *(uint32_t *)(c->buf + 20);
	ck_assert_uint_ge(c->snaplen, 65535 + 14);
	for (off = 24; off < c->size;) {
		uint32_t incl, orig, usec, tlen, s;
		const uint8_t *ip, *tcp;
		size_t lh = c->linktype == 1 ? 14 : 0;
		struct pkt *p;
		bool v6;

		ck_assert_uint_ge(c->size - off, 16);
		usec = *(uint32_t *)(c->buf + off + 4);
		incl = *(uint32_t *)(c->buf + off + 8);
		orig = *(uint32_t *)(c->buf + off + 12);
		ck_assert_uint_lt(usec, 1000000);
		ck_assert_uint_eq(incl, orig);		/* never truncated */
		ck_assert_uint_le(incl, c->snaplen);
		ck_assert_uint_ge(c->size - off - 16, incl);
		ck_assert_uint_ge(incl, lh + 40);
		ip = c->buf + off + 16 + lh;
		v6 = ip[0] >> 4 == 6;
		if (lh)
			ck_assert_uint_eq(get16(c->buf + off + 16 + 12), v6 ? 0x86dd : 0x0800);
		if (c->n == cap) {
			cap = cap ? cap * 2 : 64;
			c->p = realloc(c->p, cap * sizeof(*c->p));
		}
		p = &c->p[c->n++];
		memset(p, 0, sizeof(*p));
		p->ipv6 = v6;
		if (!v6) {
			tcp = ip + 20;
			ck_assert_uint_eq(ip[0], 0x45);
			tlen = get16(ip + 2);
			ck_assert_uint_eq(tlen, incl - lh);
			ck_assert_uint_le(tlen, 65535);
			ck_assert_uint_eq(ip[9], 6);
			ck_assert_uint_eq(sum16(0, ip, 20), 0xffff);	/* IPv4 checksum */
			/* TCP checksum: pseudo header + segment */
			s = sum16(0, ip + 12, 8);
			s += 6 + (tlen - 20);
			tlen -= 20;			/* the TCP segment */
			p->src[10] = p->src[11] = p->dst[10] = p->dst[11] = 0xff;
			memcpy(p->src + 12, ip + 12, 4);
			memcpy(p->dst + 12, ip + 16, 4);
		} else {
			/* RFC 8200: version 6, class and label 0, payload length
			 * without the 40-byte header, next header TCP, hop limit */
			ck_assert_uint_ge(incl, lh + 60);
			tcp = ip + 40;
			ck_assert_uint_eq(get32(ip), 0x60000000);
			tlen = get16(ip + 4);
			ck_assert_uint_eq(tlen, incl - lh - 40);
			ck_assert_uint_eq(ip[6], 6);
			ck_assert_uint_eq(ip[7], 64);
			/* TCP checksum: the IPv6 pseudo header (addresses, a
			 * 32-bit upper-layer length, next header) + segment */
			s = sum16(0, ip + 8, 32);
			s = sum16(s, (const uint8_t[4]){ 0, 0, tlen >> 8, tlen & 0xff }, 4);
			s += 6;
			memcpy(p->src, ip + 8, 16);
			memcpy(p->dst, ip + 24, 16);
		}
		ck_assert_uint_eq(tcp[12] >> 4, 5);
		s = sum16(s, tcp, tlen);
		ck_assert_uint_eq(s, 0xffff);
		p->sport = get16(tcp);
		p->dport = get16(tcp + 2);
		p->seq = get32(tcp + 4);
		p->ack = get32(tcp + 8);
		p->flags = tcp[13];
		p->data = tcp + 20;
		p->len = tlen - 20;
		p->ts_us = (uint64_t)*(uint32_t *)(c->buf + off) * 1000000 + usec;
		off += 16 + incl;
	}
	ck_assert_uint_eq(off, c->size);
}

static void capture_free(struct capture *c)
{
	free(c->buf);
	free(c->p);
}

#define FIN 0x01
#define SYN 0x02
#define ACK 0x10

/*
 * Check one flow's packets as TCP would: the handshake first, each data
 * segment at the next seq of its direction (no gap unless allowed), acks
 * equal to the peer's next seq; the streams are reassembled into out[].
 */
struct streams {
	uint8_t *b[2];
	size_t n[2];
	bool fin[2];
};

static void check_flow6(const struct capture *c, const uint8_t caddr[16], uint16_t cport,
			const uint8_t saddr[16], uint16_t sport, struct streams *out)
{
	uint32_t next[2] = { 0, 0 };
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	ck_assert_uint_ge(c->n, 3);
	for (i = 0; i < c->n; i++) {
		const struct pkt *p = &c->p[i];
		int d;

		if (!memcmp(p->src, caddr, 16) && p->sport == cport) {
			ck_assert(!memcmp(p->dst, saddr, 16));
			ck_assert_uint_eq(p->dport, sport);
			d = 0;
		} else {
			ck_assert(!memcmp(p->src, saddr, 16));
			ck_assert_uint_eq(p->sport, sport);
			ck_assert(!memcmp(p->dst, caddr, 16));
			ck_assert_uint_eq(p->dport, cport);
			d = 1;
		}
		switch (k++) {
		case 0:
			ck_assert_int_eq(d, 0);
			ck_assert_uint_eq(p->flags, SYN);
			ck_assert_uint_eq(p->len, 0);
			next[0] = p->seq + 1;
			continue;
		case 1:
			ck_assert_int_eq(d, 1);
			ck_assert_uint_eq(p->flags, SYN | ACK);
			ck_assert_uint_eq(p->ack, next[0]);
			next[1] = p->seq + 1;
			continue;
		case 2:
			ck_assert_int_eq(d, 0);
			ck_assert_uint_eq(p->flags, ACK);
			ck_assert_uint_eq(p->seq, next[0]);
			ck_assert_uint_eq(p->ack, next[1]);
			continue;
		}
		ck_assert(p->flags & ACK);
		ck_assert(!(p->flags & SYN));
		ck_assert(!out->fin[d]);
		ck_assert_uint_eq(p->seq, next[d]);
		ck_assert_uint_eq(p->ack, next[!d]);
		ck_assert_uint_le(p->len, p->ipv6 ? TLSI_PCAP_MSS6 : TLSI_PCAP_MSS);
		out->b[d] = realloc(out->b[d], out->n[d] + p->len + 1);
		memcpy(out->b[d] + out->n[d], p->data, p->len);
		out->n[d] += p->len;
		next[d] += (uint32_t)p->len;
		if (p->flags & FIN) {
			ck_assert_uint_eq(p->len, 0);
			out->fin[d] = true;
			next[d]++;
		}
	}
}

/* An IPv4 address (network order) as the reader keeps it. */
static const uint8_t *mapped(uint32_t a4)
{
	static uint8_t a[4][16];
	static int i;

	i = (i + 1) % 4;
	memset(a[i], 0, 16);
	a[i][10] = a[i][11] = 0xff;
	memcpy(a[i] + 12, &a4, 4);
	return a[i];
}

static void check_flow(const struct capture *c, uint32_t caddr, uint16_t cport,
		       uint32_t saddr, uint16_t sport, struct streams *out)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		ck_assert(!c->p[i].ipv6);
	check_flow6(c, mapped(caddr), cport, mapped(saddr), sport, out);
}

static void streams_free(struct streams *s)
{
	free(s->b[0]);
	free(s->b[1]);
}

/*
 * tcpdump reads the file without complaint and verifies the TCP checksum
 * of every one of its packets; want (when given) is in its output (an
 * address as tcpdump prints it).
 */
static void tcpdump_clean(const char *path, int packets, const char *want)
{
	char cmd[512], line[4096];
	FILE *f;
	int lines = 0, verified = 0;
	bool wanted = !want;

	if (access("/usr/bin/tcpdump", X_OK) && access("/usr/sbin/tcpdump", X_OK)) {
		fprintf(stderr, "check_pcap: tcpdump not installed, its reading not checked\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "tcpdump -nn -vv -r '%s' 2>&1", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		verified += strstr(line, "(correct)") != NULL;
		wanted = wanted || strstr(line, want);
		ck_assert_msg(!strstr(line, "incorrect") && !strstr(line, "truncated") &&
			      !strstr(line, "bad") && !strstr(line, "invalid"),
			      "tcpdump complains: %s", line);
	}
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_int_gt(lines, 0);
	/* tcpdump did check the TCP checksums, all of them */
	ck_assert_int_eq(verified, packets);
	ck_assert_msg(wanted, "tcpdump -r %s does not show %s", path, want);
}

/* ---- tests -------------------------------------------------------------- */

static const uint64_t zero_base[2] = { 0, 0 };

START_TEST(test_csum)
{
	/* A classic IPv4 header example: checksum 0xb861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	const uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	ck_assert_uint_eq(tlsi_inet_csum(h, sizeof(h), 0), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	ck_assert_uint_eq(tlsi_inet_csum(h, sizeof(h), 0), 0);
	/* odd length: the last byte is the high half of a word */
	ck_assert_uint_eq(tlsi_inet_csum(odd, 3, 0), (uint16_t)~(0x0102 + 0x0300));
}
END_TEST

START_TEST(test_flow)
{
	static const char req[] = "GET /index.php?id=1%27%20UNION%20SELECT HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const char *file = path_in("flow.pcap");
	uint32_t caddr = inet_addr("10.0.1.2"), saddr = inet_addr("10.0.2.3");
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	struct streams s;
	char err[512];
	uint64_t ts = 1700000000123456789ull;

	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	tlsi_pcap_flow_init(&fl, caddr, 43210, saddr, 443, 77, zero_base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_SERVER, 0, req, 20, ts, err,
					sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_SERVER, 20, req + 20,
					strlen(req) - 20, ts + 1000, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_CLIENT, 0, rsp, strlen(rsp),
					ts + 2000, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, TLSI_PCAP_TO_CLIENT, strlen(rsp), ts + 3000,
				       err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, TLSI_PCAP_TO_SERVER, strlen(req), ts + 3000,
				       err, sizeof(err)), 0);
	/* a second FIN of a direction is not written */
	ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, TLSI_PCAP_TO_SERVER, strlen(req), ts + 3000,
				       err, sizeof(err)), 0);
	ck_assert_uint_eq(w.packets, 3 + 3 + 2);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	ck_assert_int_eq(files_in_dir(), 1);

	capture_read(&c, file);
	ck_assert_uint_eq(c.linktype, 101);
	ck_assert_uint_eq(c.n, 8);
	ck_assert_uint_eq(c.p[3].ts_us, ts / 1000);
	check_flow(&c, caddr, 43210, saddr, 443, &s);
	ck_assert_uint_eq(s.n[0], strlen(req));
	ck_assert_uint_eq(s.n[1], strlen(rsp));
	ck_assert(!memcmp(s.b[0], req, s.n[0]));
	ck_assert(!memcmp(s.b[1], rsp, s.n[1]));
	ck_assert(s.fin[0] && s.fin[1]);
	streams_free(&s);
	capture_free(&c);
	tcpdump_clean(file, 8, "10.0.1.2.43210 > 10.0.2.3.443");
}
END_TEST

static void addr6(uint8_t out[16], const char *text)
{
	ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
}

/*
 * An IPv6 flow, raw (_i = 0) and in Ethernet frames (_i = 1): IPv6
 * headers, TCP checksums over the IPv6 pseudo-header, the streams
 * reassembled equal to what was written; tcpdump prints the addresses
 * in RFC 5952 form and verifies every checksum.
 */
START_TEST(test_flow6)
{
	static const char req[] = "GET /admin HTTP/1.1\r\nHost: v6.example\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
	const uint32_t linktype = _i ? TLSI_PCAP_LINKTYPE_ETHERNET : TLSI_PCAP_LINKTYPE_RAW;
	const char *file = path_in("flow6.pcap");
	uint8_t caddr[16], saddr[16];
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	struct streams s;
	char err[512];
	uint64_t ts = 1700000000123456789ull;
	size_t i;

	addr6(caddr, "2001:0db8:0000:0001:0000:0000:0000:0002");
	addr6(saddr, "2001:db8::3");
	ck_assert_int_eq(tlsi_pcap_create(&w, file, linktype, err, sizeof(err)), 0);
	tlsi_pcap_flow_init_addr(&fl, caddr, 43210, saddr, 443, 77, zero_base);
	ck_assert(fl.ipv6);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_SERVER, 0, req, 7, ts, err,
					sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_SERVER, 7, req + 7,
					strlen(req) - 7, ts + 1000, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_CLIENT, 0, rsp, strlen(rsp),
					ts + 2000, err, sizeof(err)), 0);
	/* an odd length: the checksum's last byte is the high half of a word */
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_CLIENT, strlen(rsp), "!", 1,
					ts + 2500, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, TLSI_PCAP_TO_CLIENT, strlen(rsp) + 1, ts + 3000,
				       err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, TLSI_PCAP_TO_SERVER, strlen(req), ts + 3000,
				       err, sizeof(err)), 0);
	ck_assert_uint_eq(w.packets, 3 + 4 + 2);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);

	capture_read(&c, file);
	ck_assert_uint_eq(c.linktype, linktype);
	ck_assert_uint_eq(c.n, 9);
	for (i = 0; i < c.n; i++)
		ck_assert(c.p[i].ipv6);
	ck_assert_uint_eq(c.p[3].ts_us, ts / 1000);
	check_flow6(&c, caddr, 43210, saddr, 443, &s);
	ck_assert_uint_eq(s.n[0], strlen(req));
	ck_assert_uint_eq(s.n[1], strlen(rsp) + 1);
	ck_assert(!memcmp(s.b[0], req, s.n[0]));
	ck_assert(!memcmp(s.b[1], rsp, strlen(rsp)));
	ck_assert_int_eq(s.b[1][strlen(rsp)], '!');
	ck_assert(s.fin[0] && s.fin[1]);
	streams_free(&s);
	capture_free(&c);
	tcpdump_clean(file, 9, "2001:db8:0:1::2.43210 > 2001:db8::3.443");
}
END_TEST

/*
 * IPv6 segments are at most TLSI_PCAP_MSS6 bytes: the payload length
 * (TCP header included) reaches 65535 and no more; both link types.
 */
START_TEST(test_split6)
{
	const uint32_t linktype = _i ? TLSI_PCAP_LINKTYPE_ETHERNET : TLSI_PCAP_LINKTYPE_RAW;
	const char *file = path_in("big6.pcap");
	const size_t len = 2 * TLSI_PCAP_MSS6 + 1001;
	uint8_t caddr[16], saddr[16];
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	struct streams s;
	char err[512];
	uint8_t *data = malloc(len);
	size_t i;

	ck_assert_uint_eq(TLSI_PCAP_MSS6, 65535 - 20);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 10));
	addr6(caddr, "fe80::1");
	addr6(saddr, "2001:db8:ffff::9");
	ck_assert_int_eq(tlsi_pcap_create(&w, file, linktype, err, sizeof(err)), 0);
	tlsi_pcap_flow_init_addr(&fl, caddr, 1025, saddr, 8443, 2, zero_base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_CLIENT, 0, data, len, 1, err,
					sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_SERVER, 0, data, TLSI_PCAP_MSS6 + 1,
					2, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	capture_read(&c, file);
	ck_assert_uint_eq(c.n, 3 + 3 + 2);
	ck_assert_uint_eq(c.p[3].len, TLSI_PCAP_MSS6);
	ck_assert_uint_eq(c.p[4].len, TLSI_PCAP_MSS6);
	ck_assert_uint_eq(c.p[5].len, 1001);
	ck_assert_uint_eq(c.p[6].len, TLSI_PCAP_MSS6);
	ck_assert_uint_eq(c.p[7].len, 1);
	check_flow6(&c, caddr, 1025, saddr, 8443, &s);
	ck_assert_uint_eq(s.n[1], len);
	ck_assert(!memcmp(s.b[1], data, len));
	ck_assert_uint_eq(s.n[0], TLSI_PCAP_MSS6 + 1);
	ck_assert(!memcmp(s.b[0], data, s.n[0]));
	streams_free(&s);
	capture_free(&c);
	free(data);
	tcpdump_clean(file, 8, "fe80::1.1025 > 2001:db8:ffff::9.8443");
}
END_TEST

/*
 * IPv4 through tlsi_pcap_flow_init_addr() (mapped addresses) is the same
 * file, byte for byte, as through tlsi_pcap_flow_init(); a flow with one
 * mapped and one IPv6 address is IPv6 (::ffff:a.b.c.d in the header).
 */
START_TEST(test_mapped)
{
	const char *f4 = path_in("v4.pcap"), *fm = path_in("mapped.pcap");
	const char *fx = path_in("mixed.pcap");
	uint8_t c16[16], s16[16];
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture a, b;
	struct streams s;
	char err[512];
	int k;

	addr6(c16, "::ffff:192.0.2.7");
	addr6(s16, "::ffff:198.51.100.1");
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(tlsi_pcap_create(&w, k ? fm : f4, TLSI_PCAP_LINKTYPE_ETHERNET,
						  err, sizeof(err)), 0);
		if (k)
			tlsi_pcap_flow_init_addr(&fl, c16, 5000, s16, 443, 3, zero_base);
		else
			tlsi_pcap_flow_init(&fl, inet_addr("192.0.2.7"), 5000,
					    inet_addr("198.51.100.1"), 443, 3, zero_base);
		ck_assert(!fl.ipv6);
		ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 0, "ping", 4, 9, err, sizeof(err)), 0);
		ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 1, 0, "pong", 4, 9, err, sizeof(err)), 0);
		ck_assert_int_eq(tlsi_pcap_fin(&w, &fl, 0, 4, 9, err, sizeof(err)), 0);
		ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	}
	capture_read(&a, f4);
	capture_read(&b, fm);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert(!memcmp(a.buf, b.buf, a.size));
	check_flow(&b, inet_addr("192.0.2.7"), 5000, inet_addr("198.51.100.1"), 443, &s);
	ck_assert(!memcmp(s.b[0], "ping", 4) && !memcmp(s.b[1], "pong", 4));
	streams_free(&s);
	capture_free(&a);
	capture_free(&b);
	tcpdump_clean(fm, 6, "192.0.2.7.5000 > 198.51.100.1.443");

	addr6(s16, "2001:db8::1");
	ck_assert_int_eq(tlsi_pcap_create(&w, fx, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	tlsi_pcap_flow_init_addr(&fl, c16, 5000, s16, 443, 3, NULL);
	ck_assert(fl.ipv6);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 0, "x", 1, 9, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	capture_read(&a, fx);
	ck_assert_uint_eq(a.n, 4);
	check_flow6(&a, c16, 5000, s16, 443, &s);
	ck_assert_uint_eq(s.n[0], 1);
	streams_free(&s);
	capture_free(&a);
	tcpdump_clean(fx, 4, "::ffff:192.0.2.7.5000 > 2001:db8::1.443");
}
END_TEST

START_TEST(test_split)
{
	const char *file = path_in("big.pcap");
	const size_t len = 3 * TLSI_PCAP_MSS + 3515;
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	struct streams s;
	char err[512];
	uint8_t *data = malloc(len);
	size_t i;

	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	tlsi_pcap_flow_init(&fl, inet_addr("192.0.2.1"), 1025, inet_addr("198.51.100.9"), 8443,
			    1, zero_base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, TLSI_PCAP_TO_CLIENT, 0, data, len, 1, err,
					sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	capture_read(&c, file);
	ck_assert_uint_eq(c.n, 3 + 4);
	ck_assert_uint_eq(c.p[3].len, TLSI_PCAP_MSS);
	ck_assert_uint_eq(c.p[4].len, TLSI_PCAP_MSS);
	ck_assert_uint_eq(c.p[5].len, TLSI_PCAP_MSS);
	ck_assert_uint_eq(c.p[6].len, 3515);
	check_flow(&c, inet_addr("192.0.2.1"), 1025, inet_addr("198.51.100.9"), 8443, &s);
	ck_assert_uint_eq(s.n[1], len);
	ck_assert(!memcmp(s.b[1], data, len));
	ck_assert_uint_eq(s.n[0], 0);
	streams_free(&s);
	capture_free(&c);
	free(data);
	tcpdump_clean(file, 7, NULL);
}
END_TEST

/* A trace that starts mid-stream: data right after the handshake, seq
 * still follows the stream offset, gaps show as seq jumps. */
START_TEST(test_midstream)
{
	const char *file = path_in("mid.pcap");
	const uint64_t base[2] = { 1000000, 5000 };
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	char err[512];

	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_ETHERNET, err,
					  sizeof(err)), 0);
	tlsi_pcap_flow_init(&fl, inet_addr("10.1.1.1"), 5555, inet_addr("10.2.2.2"), 443, 9, base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 1000000, "abc", 3, 5, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 1, 5000, "xy", 2, 6, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 1000010, "d", 1, 7, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	capture_read(&c, file);
	ck_assert_uint_eq(c.linktype, 1);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_uint_eq(c.p[3].seq, c.p[0].seq + 1);		/* first byte after SYN */
	ck_assert_uint_eq(c.p[4].seq, c.p[1].seq + 1);
	ck_assert_uint_eq(c.p[4].ack, c.p[0].seq + 1 + 3);
	ck_assert_uint_eq(c.p[5].seq, c.p[0].seq + 1 + 10);	/* offset 1000010 */
	ck_assert_uint_eq(c.p[5].ack, c.p[1].seq + 1 + 2);
	capture_free(&c);
	tcpdump_clean(file, 6, NULL);
}
END_TEST

START_TEST(test_atomic)
{
	const char *file = path_in("keep.pcap");
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	char err[512];
	FILE *f;

	/* An existing file stays as it was until the commit. */
	f = fopen(file, "w");
	fputs("old", f);
	fclose(f);
	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	ck_assert_int_eq(files_in_dir(), 2);
	tlsi_pcap_flow_init(&fl, 1, 2, 3, 4, 5, zero_base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 0, "x", 1, 1, err, sizeof(err)), 0);
	tlsi_pcap_abort(&w);
	ck_assert_int_eq(files_in_dir(), 1);
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fgetc(f), 'o');
	fclose(f);

	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	tlsi_pcap_flow_init(&fl, 1, 2, 3, 4, 5, zero_base);
	ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 0, "x", 1, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	ck_assert_int_eq(files_in_dir(), 1);
	capture_read(&c, file);
	ck_assert_uint_eq(c.n, 4);
	capture_free(&c);

	/* Unwritable places: the message names the file and the reason. */
	ck_assert_int_ne(tlsi_pcap_create(&w, "/nonexistent-dir/x.pcap", TLSI_PCAP_LINKTYPE_RAW,
					  err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.pcap"));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	ck_assert_int_ne(tlsi_pcap_create(&w, file, 7, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "link type 7"));
	ck_assert_int_eq(files_in_dir(), 1);
}
END_TEST

START_TEST(test_append)
{
	const char *file = path_in("grow.pcap"), *junk = path_in("junk");
	struct tlsi_pcap_flow fl;
	struct tlsi_pcap w;
	struct capture c;
	char err[512];
	FILE *f;
	int i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(tlsi_pcap_append(&w, file, TLSI_PCAP_LINKTYPE_RAW, err,
						  sizeof(err)), 0);
		tlsi_pcap_flow_init(&fl, inet_addr("10.0.0.1"), (uint16_t)(1000 + i),
				    inet_addr("10.0.0.2"), 443, (uint64_t)i, zero_base);
		ck_assert_int_eq(tlsi_pcap_data(&w, &fl, 0, 0, "hello", 5, 1, err, sizeof(err)), 0);
		ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);
	}
	capture_read(&c, file);
	ck_assert_uint_eq(c.n, 8);		/* two flows, one header */
	ck_assert_uint_eq(c.p[4].sport, 1001);
	capture_free(&c);
	tcpdump_clean(file, 8, NULL);

	ck_assert_int_ne(tlsi_pcap_append(&w, file, TLSI_PCAP_LINKTYPE_ETHERNET, err,
					  sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "link type is 101"));
	f = fopen(junk, "w");
	fputs("this is not a capture file at all", f);
	fclose(f);
	ck_assert_int_ne(tlsi_pcap_append(&w, junk, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not a pcap file"));
	ck_assert_int_ne(tlsi_pcap_append(&w, dir, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
}
END_TEST

/* ---- kernel trace records (trace_pcap.c) ------------------------------ */

struct krec {
	uint64_t id, flow_id, offset;
	const char *caddr, *saddr;	/* text, either family */
	uint16_t cport, sport;
	uint8_t dir;
	uint32_t flags;
	const char *data;		/* NULL: no TLSI_A_TRACE_DATA */
	uint64_t bytes;
};

static void cidr_of(const char *text, struct tlsi_cidr *c)
{
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET6, text, c->addr) == 1) {
		c->family = AF_INET6;
		c->plen = 128;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET, text, c->addr), 1);
		c->family = AF_INET;
		c->plen = 32;
	}
}

/* A TLSI_CMD_TRACE_GET reply message as the kernel builds it (trace.c),
 * parsed as tlsictl does, added to s: tlsi_trace_set_add()'s result. */
static int krec_add(struct tlsi_trace_set *s, const struct krec *k, uint16_t omit)
{
	static char buf[8192];
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct tlsi_cidr c;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = TLSI_CMD_TRACE_GET;
	if (omit != TLSI_A_TRACE_ID)
		mnl_attr_put_u64(nlh, TLSI_A_TRACE_ID, k->id);
	mnl_attr_put_u64(nlh, TLSI_A_FLOW_ID, k->flow_id);
	cidr_of(k->caddr, &c);
	if (omit != TLSI_A_SRC)
		tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &c);
	cidr_of(k->saddr, &c);
	tlsi_nl_put_cidr(nlh, TLSI_A_DST, &c);
	mnl_attr_put_u16(nlh, TLSI_A_SPORT, k->cport);
	mnl_attr_put_u16(nlh, TLSI_A_DPORT, k->sport);
	mnl_attr_put_u8(nlh, TLSI_A_DIRECTION, k->dir);
	mnl_attr_put_u64(nlh, TLSI_A_TRACE_OFFSET, k->offset);
	mnl_attr_put_u64(nlh, TLSI_A_TIMESTAMP, 1700000000000000000ull + k->id * 1000);
	mnl_attr_put_u32(nlh, TLSI_A_SID, 2100498);
	mnl_attr_put_u32(nlh, TLSI_A_TRACE_FLAGS, k->flags);
	mnl_attr_put_u64(nlh, TLSI_A_BYTES, k->bytes);
	if (k->data)
		mnl_attr_put(nlh, TLSI_A_TRACE_DATA, strlen(k->data), k->data);
	if (tlsi_nl_parse(nlh, tb) < 0)
		return -EPROTO;
	return tlsi_trace_set_add(s, tb);
}

/* Only the packets of one address family, as a capture of their own. */
static void capture_family(const struct capture *all, bool ipv6, struct capture *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->linktype = all->linktype;
	out->p = calloc(all->n + 1, sizeof(*out->p));
	for (i = 0; i < all->n; i++)
		if (all->p[i].ipv6 == ipv6)
			out->p[out->n++] = all->p[i];
}

/*
 * An IPv6 flow and an IPv4 one, their records interleaved as the kernel
 * keeps them (the IPv6 one starting mid-stream), through the parse and
 * the writer of tlsictl trace save, both link types: each flow's packets
 * carry its family and addresses, its streams reassemble to the data.
 */
START_TEST(test_kernel_records)
{
	const uint32_t linktype = _i ? TLSI_PCAP_LINKTYPE_ETHERNET : TLSI_PCAP_LINKTYPE_RAW;
	static const struct krec recs[] = {
		{ 1, 501, 4096, "2001:db8:0:0:1::10", "2001:db8::443", 50000, 443, 0, 0,
		  "GET /v6 HTTP/1.1\r\n", 18 },
		{ 2, 777, 0, "192.0.2.10", "198.51.100.20", 40000, 8443, 0, 0, "hello", 5 },
		{ 3, 501, 4114, "2001:db8:0:0:1::10", "2001:db8::443", 50000, 443, 0, 0,
		  "Host: x\r\n\r\n", 11 },
		{ 4, 501, 900, "2001:db8:0:0:1::10", "2001:db8::443", 50000, 443, 1, 0,
		  "HTTP/1.1 200 OK\r\n\r\n", 19 },
		{ 5, 777, 0, "192.0.2.10", "198.51.100.20", 40000, 8443, 1, 0, "world", 5 },
		{ 6, 501, 919, "2001:db8:0:0:1::10", "2001:db8::443", 50000, 443, 1,
		  TLSI_TRACE_F_END, NULL, 0 },
		{ 7, 501, 4125, "2001:db8:0:0:1::10", "2001:db8::443", 50000, 443, 0,
		  TLSI_TRACE_F_END, NULL, 0 },
	};
	const char *file = path_in("records.pcap");
	struct tlsi_trace_set s = { 0 };
	struct tlsi_trace_flows t = { 0 };
	struct capture c, c4, c6;
	struct streams st;
	struct tlsi_cidr a6, s6;
	struct tlsi_pcap w;
	uint64_t last_id;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		ck_assert_int_eq(krec_add(&s, &recs[i], 0), 0);
	ck_assert_uint_eq(s.n, 7);
	ck_assert_int_eq(tlsi_trace_flows_build(&t, &s), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(t.v[0].flow_id, 501);
	ck_assert_uint_eq(t.v[0].caddr.family, AF_INET6);
	cidr_of("2001:db8::1:0:0:10", &a6);
	cidr_of("2001:db8::443", &s6);
	ck_assert(!memcmp(t.v[0].caddr.addr, a6.addr, 16));
	ck_assert_uint_eq(t.v[0].base[0], 4096);
	ck_assert_uint_eq(t.v[0].base[1], 900);
	ck_assert_uint_eq(t.v[0].bytes, 18 + 11 + 19);
	ck_assert(t.v[0].ended[0] && t.v[0].ended[1]);
	ck_assert_uint_eq(t.v[1].caddr.family, AF_INET);
	ck_assert(!t.v[1].ended[0]);

	ck_assert_int_eq(tlsi_pcap_create(&w, file, linktype, err, sizeof(err)), 0);
	ck_assert_int_eq(tlsi_trace_write_pcap(&w, &t, &s, &last_id, err, sizeof(err)), 0);
	ck_assert_uint_eq(last_id, 7);
	ck_assert_int_eq(tlsi_pcap_commit(&w, err, sizeof(err)), 0);

	capture_read(&c, file);
	ck_assert_uint_eq(c.n, (3 + 3 + 2) + (3 + 2));
	capture_family(&c, true, &c6);
	capture_family(&c, false, &c4);
	ck_assert_uint_eq(c6.n, 8);
	check_flow6(&c6, a6.addr, 50000, s6.addr, 443, &st);
	ck_assert_uint_eq(st.n[0], 29);
	ck_assert(!memcmp(st.b[0], "GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n", 29));
	ck_assert_uint_eq(st.n[1], 19);
	ck_assert(!memcmp(st.b[1], "HTTP/1.1 200 OK\r\n\r\n", 19));
	ck_assert(st.fin[0] && st.fin[1]);
	streams_free(&st);
	check_flow(&c4, inet_addr("192.0.2.10"), 40000, inet_addr("198.51.100.20"), 8443, &st);
	ck_assert(st.n[0] == 5 && !memcmp(st.b[0], "hello", 5));
	ck_assert(st.n[1] == 5 && !memcmp(st.b[1], "world", 5));
	ck_assert(!st.fin[0] && !st.fin[1]);
	streams_free(&st);
	free(c4.p);
	free(c6.p);
	capture_free(&c);
	tcpdump_clean(file, 13, "2001:db8::1:0:0:10.50000 > 2001:db8::443.443");
	tlsi_trace_flows_free(&t);
	tlsi_trace_set_free(&s);
}
END_TEST

/* Malformed records are refused and nothing of them kept; a record
 * without its data is not written as zeros. */
START_TEST(test_kernel_records_bad)
{
	const struct krec ok = { 1, 9, 0, "2001:db8::1", "2001:db8::2", 1, 2, 0, 0, "ab", 2 };
	const char *file = path_in("bad.pcap");
	struct tlsi_trace_set s = { 0 };
	struct tlsi_trace_flows t = { 0 };
	struct tlsi_pcap w;
	struct krec k;
	uint64_t last_id;
	char err[512];

	k = ok;
	k.saddr = "192.0.2.1";			/* families differ */
	ck_assert_int_eq(krec_add(&s, &k, 0), -EPROTO);
	k = ok;
	k.dir = 2;
	ck_assert_int_eq(krec_add(&s, &k, 0), -EPROTO);
	k = ok;
	k.bytes = 3;				/* data of 2 bytes */
	ck_assert_int_eq(krec_add(&s, &k, 0), -EPROTO);
	k = ok;
	k.bytes = 1ull << 32;
	ck_assert_int_eq(krec_add(&s, &k, 0), -EPROTO);
	ck_assert_int_eq(krec_add(&s, &ok, TLSI_A_SRC), -EPROTO);
	ck_assert_int_eq(krec_add(&s, &ok, TLSI_A_TRACE_ID), -EPROTO);
	ck_assert_uint_eq(s.n, 0);

	/* an IPv6 family with a 4-byte address */
	{
		static char buf[1024];
		const struct nlattr *tb[TLSI_A_MAX + 1];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlattr *nest;
		const uint8_t a4[4] = { 192, 0, 2, 1 };

		mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
		nest = mnl_attr_nest_start(nlh, TLSI_A_SRC);
		mnl_attr_put_u8(nlh, TLSI_CIDR_A_FAMILY, AF_INET6);
		mnl_attr_put(nlh, TLSI_CIDR_A_ADDR, 4, a4);
		mnl_attr_put_u8(nlh, TLSI_CIDR_A_PREFIXLEN, 32);
		mnl_attr_nest_end(nlh, nest);
		ck_assert_int_eq(tlsi_nl_parse(nlh, tb), 0);
		{
			struct tlsi_cidr c;

			ck_assert_int_lt(tlsi_nl_get_cidr(tb[TLSI_A_SRC], &c), 0);
		}
	}

	/* headers only (no TLSI_A_TRACE_DATA): parsed, but not written */
	k = ok;
	k.data = NULL;
	ck_assert_int_eq(krec_add(&s, &k, 0), 0);
	ck_assert_int_eq(tlsi_trace_flows_build(&t, &s), 0);
	ck_assert_int_eq(tlsi_pcap_create(&w, file, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err)), 0);
	ck_assert_int_ne(tlsi_trace_write_pcap(&w, &t, &s, &last_id, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "2 bytes without data"));
	ck_assert_int_eq(files_in_dir(), 0);		/* the temporary file is gone */
	tlsi_trace_flows_free(&t);
	tlsi_trace_set_free(&s);
}
END_TEST

static Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_csum);
	tcase_add_test(tc, test_flow);
	tcase_add_test(tc, test_split);
	tcase_add_loop_test(tc, test_flow6, 0, 2);
	tcase_add_loop_test(tc, test_split6, 0, 2);
	tcase_add_test(tc, test_mapped);
	tcase_add_loop_test(tc, test_kernel_records, 0, 2);
	tcase_add_test(tc, test_kernel_records_bad);
	tcase_add_test(tc, test_midstream);
	tcase_add_test(tc, test_atomic);
	tcase_add_test(tc, test_append);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pcap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
