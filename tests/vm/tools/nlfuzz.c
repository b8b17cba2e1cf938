// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: hostile requests to the "tlsi" generic netlink family.
 *
 *   nlfuzz [-s SEED] [-t SECONDS] [-n MESSAGES] [-v]
 *
 * For every command in turn (and unknown command numbers), a request built
 * from the uapi header's tables (TLSI_ATTRS, TLSI_CMD_ATTRS): attributes the
 * command takes with values at and beyond their limits, attributes of other
 * commands, wrong types and lengths, truncated and overlong attributes,
 * garbage nests, unknown types, as do or as dump. The sequence depends on
 * the seed only (printed first, so that a failure can be replayed); -t
 * stops it after SECONDS, -n after MESSAGES. Prints what the kernel answered
 * per errno. Exits 1 if the family went away or an answer was malformed;
 * whether the kernel survived is for the caller to check (a configuration
 * round-trip, a clean kernel log).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <uapi/linux/tlsi.h>

#define MSG_MAX 8192

enum kind { K_UNSPEC, K_U8, K_U16, K_U32, K_U64, K_NUL_STRING, K_BINARY, K_NESTED };
enum check { C_ANY, C_RANGE, C_LEN, C_NEST, C_NESTS, C_ITEM, C_OUT };

/* The attribute table, from TLSI_ATTRS: type, check and limits. */
struct attr_info {
	const char *name;
	enum kind kind;
	enum check check;
	uint64_t lo, hi;	/* RANGE: lo..hi; LEN: hi */
};

#define K_(t) K_##t
#define CHK_ANY(...)		C_ANY, 0, 0
#define CHK_RANGE(lo, hi)	C_RANGE, (lo), (hi)
#define CHK_LEN(max)		C_LEN, 0, (max)
#define CHK_NEST(tree)		C_NEST, 0, 0
#define CHK_NESTS(item)		C_NESTS, 0, 0
#define CHK_ITEM(...)		C_ITEM, 0, 0
#define CHK_OUT(...)		C_OUT, 0, 0
#define INFO(name, ...)		INFO_(name, __VA_ARGS__)
#define INFO_(name, kind, check, lo, hi) { name, kind, check, lo, hi }
#define ATTR_INFO(attr, t, check, ...) \
	[TLSI_A_##attr] = INFO(#attr, K_##t, CHK_##check(__VA_ARGS__)),

static const struct attr_info attrs[TLSI_A_MAX + 1] = {
	TLSI_ATTRS(ATTR_INFO)
};

/* What each command takes, from TLSI_CMD_ATTRS. */
struct cmd_info {
	const char *name;
	uint8_t cmd;
	const uint16_t *takes;	/* takes[1..n - 1] */
	unsigned int n;
};

#define CMD_INFO(c, ...) { #c, TLSI_CMD_##c,					\
	(const uint16_t[]){ 0, ##__VA_ARGS__ },					\
	sizeof((const uint16_t[]){ 0, ##__VA_ARGS__ }) / sizeof(uint16_t) },

static const struct cmd_info cmds[] = {
	TLSI_CMD_ATTRS(CMD_INFO)
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* ---- deterministic randomness (xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- building messages ---- */

struct buf {
	uint8_t data[MSG_MAX];
	size_t len;
};

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Room for an attribute of payload len, or false. */
static bool room(const struct buf *b, size_t len)
{
	return b->len + NLA_HDRLEN + align4(len) <= MSG_MAX - 64;
}

static void put_attr(struct buf *b, uint16_t type, const void *p, size_t len)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->len);

	if (!room(b, len))
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(b->data + b->len + NLA_HDRLEN, p, len);
	memset(b->data + b->len + NLA_HDRLEN + len, 0, align4(len) - len);
	b->len += NLA_HDRLEN + align4(len);
}

static size_t nest_start(struct buf *b, uint16_t type)
{
	size_t at = b->len;

	put_attr(b, type | (chance(90) ? NLA_F_NESTED : 0), NULL, 0);
	return at;
}

static void nest_end(struct buf *b, size_t at)
{
	struct nlattr *a = (struct nlattr *)(b->data + at);

	if (at + NLA_HDRLEN <= b->len)
		a->nla_len = (uint16_t)(b->len - at);
}

static void random_bytes(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

/* An integer near the attribute's limits, or anywhere. */
static uint64_t interesting(const struct attr_info *ai)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ULL, ~0ULL,
	};

	if (ai->check == C_RANGE && chance(60)) {
		switch (below(6)) {
		case 0: return ai->lo;
		case 1: return ai->hi;
		case 2: return ai->lo - 1;
		case 3: return ai->hi + 1;
		case 4: return ai->lo + below((uint32_t)(ai->hi - ai->lo < 1000000 ? ai->hi - ai->lo + 1 : 1000000));
		default: break;
		}
	}
	if (chance(50))
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	return rnd() >> below(64);
}

static void put_int(struct buf *b, uint16_t type, size_t width, uint64_t v)
{
	uint8_t x[8];

	memcpy(x, &v, sizeof(v));	/* little-endian hosts: low bytes first */
	put_attr(b, type, x, width);
}

static void put_string(struct buf *b, uint16_t type, const struct attr_info *ai)
{
	static const char *const words[] = {
		"p1", "seg1", "eth0", "eth1", "keep", "x", "default", "HOME_NET",
		"a/b", "../..", "%s%s%n", "", "web",
	};
	char s[1100];
	size_t len;

	if (chance(50)) {
		snprintf(s, sizeof(s), "%s", words[below(sizeof(words) / sizeof(words[0]))]);
		len = strlen(s) + 1;
	} else {
		/* Around the limit: max, max + 1, or random length. */
		size_t lim = ai->check == C_LEN ? (size_t)ai->hi : 64;

		len = chance(50) ? lim + below(3) : below(sizeof(s) - 1);
		if (len >= sizeof(s) - 1)
			len = sizeof(s) - 2;
		memset(s, 'a' + below(26), len);
		s[len++] = '\0';
	}
	if (chance(10))
		len--;			/* no NUL */
	if (chance(5))
		s[below((uint32_t)len)] = (char)rnd();	/* a byte anywhere */
	put_attr(b, type, s, len);
}

static void put_value(struct buf *b, uint16_t type, int depth);

static void put_cidr(struct buf *b, uint16_t type)
{
	size_t at = nest_start(b, type);
	uint32_t addr = (uint32_t)rnd();

	if (chance(80))
		put_int(b, TLSI_CIDR_A_FAMILY, 1, chance(80) ? 2 : below(256));
	if (chance(80))
		put_attr(b, TLSI_CIDR_A_ADDR, &addr, chance(85) ? 4 : below(17));
	if (chance(80))
		put_int(b, TLSI_CIDR_A_PREFIXLEN, 1, chance(80) ? below(33) : below(256));
	if (chance(10))
		put_int(b, (uint16_t)below(8), 1 << below(4), rnd());
	nest_end(b, at);
}

/* A nest of ITEMs (REP_ENTRIES, RULES_VARS), or a nest of cidrs. */
static void put_nests(struct buf *b, uint16_t type, int depth)
{
	size_t at = nest_start(b, type);
	unsigned int i, n = below(chance(10) ? 80 : 6);
	uint16_t item = type == TLSI_A_REP_ENTRIES ? TLSI_A_REP_ENTRY :
			type == TLSI_A_RULES_VARS ? TLSI_A_RULES_VAR : 0;

	for (i = 0; i < n && room(b, 64); i++) {
		size_t in = nest_start(b, item ? item : (uint16_t)(i + 1));
		unsigned int j, m = 1 + below(4);

		if (!item) {
			b->len = in;
			put_cidr(b, (uint16_t)(i + 1));
			continue;
		}
		for (j = 0; j < m; j++) {
			uint16_t t = item == TLSI_A_REP_ENTRY ?
				(uint16_t[]){ TLSI_A_SRC, TLSI_A_SCORE, TLSI_A_CATEGORY }[below(3)] :
				(uint16_t[]){ TLSI_A_NAME, TLSI_A_VAR_KIND, TLSI_A_VAR_ITEMS }[below(3)];

			if (chance(10))
				t = (uint16_t)(1 + below(TLSI_A_MAX + 2));
			put_value(b, t, depth + 1);
		}
		nest_end(b, in);
	}
	nest_end(b, at);
}

/* A value of attribute type, right-typed or not. */
static void put_value(struct buf *b, uint16_t type, int depth)
{
	const struct attr_info *ai = type <= TLSI_A_MAX ? &attrs[type] : &attrs[0];
	uint8_t junk[600];
	size_t len;

	if (depth > 3 || chance(12) || type > TLSI_A_MAX || !ai->name) {
		/* Wrong type: random length and bytes, maybe "nested". */
		len = chance(70) ? below(17) : below(sizeof(junk));
		random_bytes(junk, len);
		put_attr(b, type | (chance(20) ? NLA_F_NESTED : 0) |
			 (chance(5) ? NLA_F_NET_BYTEORDER : 0), junk, len);
		return;
	}
	switch (ai->kind) {
	case K_U8:
		put_int(b, type, 1, interesting(ai));
		break;
	case K_U16:
		put_int(b, type, 2, interesting(ai));
		break;
	case K_U32:
		put_int(b, type, 4, interesting(ai));
		break;
	case K_U64:
		put_int(b, type, 8, interesting(ai));
		break;
	case K_NUL_STRING:
		put_string(b, type, ai);
		break;
	case K_NESTED:
		if (ai->check == C_NEST)
			put_cidr(b, type);
		else
			put_nests(b, type, depth);
		break;
	case K_BINARY:
	case K_UNSPEC:
	default:
		len = ai->check == C_LEN && chance(50) ? (size_t)ai->hi + below(3) - 1 :
			below(chance(80) ? 64 : sizeof(junk));
		if (len > sizeof(junk))
			len = sizeof(junk);
		random_bytes(junk, len);
		if (type == TLSI_A_VLANS || type == TLSI_A_PORTS)
			for (size_t i = 0; i + 1 < len; i += 2)
				junk[i + 1] &= chance(50) ? 0x0f : 0xff;
		put_attr(b, type, junk, len);
		break;
	}
}

/* ---- the socket ---- */

struct nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	uint8_t rbuf[1 << 16];
};

static int nl_send(struct nl *nl, const void *msg, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(nl->fd, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -1 : 0;
}

/*
 * Read until the answer to seq ends (an error/ack, or a dump's DONE).
 * Returns the errno (0: accepted), or -1 if the socket failed, or -2 for a
 * malformed answer. *msg gets the extack message, if any.
 */
static int nl_answer(struct nl *nl, uint32_t seq, char *msg, size_t msglen)
{
	msg[0] = '\0';
	for (;;) {
		ssize_t n = recv(nl->fd, nl->rbuf, sizeof(nl->rbuf), 0);
		size_t off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)	/* a large dump overran: fine */
				continue;
			return -1;
		}
		while (off + sizeof(struct nlmsghdr) <= (size_t)n) {
			struct nlmsghdr *h = (struct nlmsghdr *)(nl->rbuf + off);

			if (h->nlmsg_len < sizeof(*h) || off + h->nlmsg_len > (size_t)n)
				return -2;
			if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				size_t toff;

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -2;
				toff = NLMSG_LENGTH(sizeof(*e));
				if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->error)
					toff += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
				while (toff + NLA_HDRLEN <= h->nlmsg_len) {
					struct nlattr *a = (struct nlattr *)((uint8_t *)h + toff);

					if (a->nla_len < NLA_HDRLEN || toff + a->nla_len > h->nlmsg_len)
						break;
					if (a->nla_type == NLMSGERR_ATTR_MSG)
						snprintf(msg, msglen, "%.*s", (int)(a->nla_len - NLA_HDRLEN),
							 (char *)a + NLA_HDRLEN);
					toff += NLA_ALIGN(a->nla_len);
				}
				return -e->error;
			}
			if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(h), sizeof(err));
				return err < 0 ? -err : 0;
			}
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
}

static int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 30 };
	int one = 1, size = 4 << 20;
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		uint8_t attrs[64];
	} req = { 0 };
	struct nlattr *a = (struct nlattr *)req.attrs;
	ssize_t n;
	size_t off;

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(TLSI_GENL_NAME);
	memcpy(req.attrs + NLA_HDRLEN, TLSI_GENL_NAME, sizeof(TLSI_GENL_NAME));
	req.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
	req.h.nlmsg_type = GENL_ID_CTRL;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = ++nl->seq;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (nl_send(nl, &req, req.h.nlmsg_len) < 0)
		return -1;
	n = recv(nl->fd, nl->rbuf, sizeof(nl->rbuf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) ||
	    ((struct nlmsghdr *)nl->rbuf)->nlmsg_type == NLMSG_ERROR)
		return -1;
	for (off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <= (size_t)n;) {
		a = (struct nlattr *)(nl->rbuf + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			memcpy(&nl->family, (uint8_t *)a + NLA_HDRLEN, 2);
			return 0;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* ---- one request ---- */

static uint16_t pick_attr(const struct cmd_info *c)
{
	unsigned int r = below(100);

	if (r < 55 && c->n > 1)
		return c->takes[1 + below(c->n - 1)];		/* one it takes */
	if (r < 85)
		return (uint16_t)(1 + below(TLSI_A_MAX));	/* anyone's */
	if (r < 95)
		return (uint16_t)(TLSI_A_MAX + 1 + below(64));	/* unknown */
	return (uint16_t)(chance(50) ? 0 : below(0x4000));
}

static size_t build(struct nl *nl, struct buf *b, const struct cmd_info *c, uint8_t *cmd_out)
{
	struct nlmsghdr *h = (struct nlmsghdr *)b->data;
	struct genlmsghdr *g = (struct genlmsghdr *)(b->data + NLMSG_HDRLEN);
	unsigned int i, n = below(chance(10) ? 40 : 8);
	uint8_t cmd = c ? c->cmd : (uint8_t)(chance(50) ? 0 : below(256));

	memset(h, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	b->len = NLMSG_HDRLEN + GENL_HDRLEN;
	h->nlmsg_type = nl->family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (chance(15) ? NLM_F_DUMP : 0);
	h->nlmsg_seq = ++nl->seq;
	g->cmd = cmd;
	g->version = chance(95) ? TLSI_GENL_VERSION : (uint8_t)rnd();
	if (chance(3))
		g->reserved = (uint16_t)rnd();
	for (i = 0; i < n && room(b, 64); i++) {
		uint16_t t = c ? pick_attr(c) : (uint16_t)(1 + below(TLSI_A_MAX));

		put_value(b, t, 0);
	}
	if (chance(8) && b->len > NLMSG_HDRLEN + GENL_HDRLEN) {
		/* Truncate: cut the message anywhere after the header. */
		b->len = NLMSG_HDRLEN + GENL_HDRLEN +
			 below((uint32_t)(b->len - NLMSG_HDRLEN - GENL_HDRLEN));
	} else if (chance(5) && b->len + 8 <= MSG_MAX) {
		/* An attribute header claiming more than the message holds. */
		struct nlattr *a = (struct nlattr *)(b->data + b->len);

		a->nla_type = (uint16_t)(1 + below(TLSI_A_MAX));
		a->nla_len = (uint16_t)(NLA_HDRLEN + 4 + below(200));
		b->len += NLA_HDRLEN + 4;
	} else if (chance(3)) {
		b->len += below(4);	/* trailing bytes, not an attribute */
		memset(b->data + b->len - 3, 0, 3);
	}
	h->nlmsg_len = (uint32_t)b->len;
	*cmd_out = cmd;
	return b->len;
}

static void usage(void)
{
	fprintf(stderr, "usage: nlfuzz [-s SEED] [-t SECONDS] [-n MESSAGES] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct nl nl;
	static struct buf b;
	static unsigned long by_errno[256], accepted;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned long limit = 0, sent = 0, named = 0;
	double seconds = 0;
	bool verbose = false;
	struct timespec t0, now;
	char msg[512];
	int opt, i;

	while ((opt = getopt(argc, argv, "s:t:n:v")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'n': limit = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (!seconds && !limit)
		limit = 5000;
	printf("nlfuzz: seed %llu (replay: nlfuzz -s %llu -n N)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	rng_state = seed ? seed : 1;
	if (nl_open(&nl) < 0) {
		fprintf(stderr, "nlfuzz: no generic netlink family \"%s\" (is tlsi.ko loaded?)\n",
			TLSI_GENL_NAME);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		const struct cmd_info *c = sent % 16 == 15 ? NULL : &cmds[sent % N_CMDS];
		uint8_t cmd;
		size_t len;
		int err;

		if (limit && sent >= limit)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds && (double)(now.tv_sec - t0.tv_sec) +
			       (double)(now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
		len = build(&nl, &b, c, &cmd);
		if (nl_send(&nl, b.data, len) < 0) {
			/* The kernel refuses some malformed messages at send. */
			by_errno[errno & 0xff]++;
			sent++;
			continue;
		}
		sent++;
		err = nl_answer(&nl, nl.seq, msg, sizeof(msg));
		if (err == -1) {
			fprintf(stderr, "nlfuzz: message %lu (command %u): no answer: %s\n",
				sent, cmd, strerror(errno));
			return 1;
		}
		if (err == -2) {
			fprintf(stderr, "nlfuzz: message %lu: malformed answer\n", sent);
			return 1;
		}
		if (!err)
			accepted++;
		else
			by_errno[err & 0xff]++;
		if (strstr(msg, "is not taken"))
			named++;
		if (verbose)
			printf("%lu cmd %u len %zu: %s%s%s\n", sent, cmd, len,
			       err ? strerror(err) : "ok", msg[0] ? ": " : "", msg);
	}
	printf("nlfuzz: %lu messages, %lu accepted, %lu refused as not taken by the command\n",
	       sent, accepted, named);
	for (i = 1; i < 256; i++)
		if (by_errno[i])
			printf("nlfuzz:   %-28s %lu\n", strerror(i), by_errno[i]);
	return 0;
}
