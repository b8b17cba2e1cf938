/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink helpers for the "tlsi" family (libmnl).
 */
#ifndef TLSI_NL_H
#define TLSI_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <uapi/linux/tlsi.h>

#include "parse.h"

/*
 * Receive buffer: the kernel builds dump skbs of at most ~32 KiB (it sizes
 * them from the largest recvmsg() seen, capped there); 128 KiB leaves room.
 */
#define TLSI_NL_RCVBUF		(128 * 1024)
/* Buffer for an ordinary request (the largest, segment add, is < 1 KiB). */
#define TLSI_NL_MSGBUF		8192
/* An attribute (nest) can hold at most this many bytes: nla_len is u16. */
#define TLSI_NLA_MAX_LEN	0xffff

struct tlsi_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* generic netlink family id */
	uint32_t mcgrp_events;		/* 0 if the family has none */
	char *rbuf;

	/* The last failure of tlsi_nl_request(). */
	bool kernel_error;		/* refused by the kernel (vs. local I/O) */
	int error;			/* positive errno */
	char ext_msg[256];		/* extack NLMSGERR_ATTR_MSG or "" */
	char ext_attr[96];		/* the attribute NLMSGERR_ATTR_OFFS/_MISS_TYPE name */
	bool ext_missing;		/* ext_attr is missing, not invalid */
	const struct nlmsghdr *req;	/* request being processed */
};

/*
 * Open a socket and resolve the "tlsi" family and its "events" group.
 * Returns 0, or -1 with a message in err (for a missing family:
 * "tlsi module not loaded (generic netlink family tlsi not found)").
 */
int tlsi_nl_open(struct tlsi_nl *nl, char *err, size_t errlen);
void tlsi_nl_close(struct tlsi_nl *nl);

/* Start a tlsi request in buf (at least TLSI_NL_MSGBUF bytes). */
struct nlmsghdr *tlsi_nl_msg(struct tlsi_nl *nl, void *buf, uint8_t cmd,
			     uint16_t flags);

/*
 * Send nlh (NLM_F_ACK is added unless it is a dump) and receive until the
 * ACK or, for NLM_F_DUMP, NLMSG_DONE. Each data message is passed to cb
 * (may be NULL). Returns 0, or -1 with errno and nl's error fields set.
 */
int tlsi_nl_request(struct tlsi_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data);

/* Describe the last failure: "kernel refused: <msg> (<strerror>)" etc. */
void tlsi_nl_strerror(const struct tlsi_nl *nl, char *buf, size_t len);

/* Join the "events" multicast group. */
int tlsi_nl_join_events(struct tlsi_nl *nl);

/* Attribute helpers. */
void tlsi_nl_put_cidr(struct nlmsghdr *nlh, uint16_t type,
		      const struct tlsi_cidr *c);
int tlsi_nl_get_cidr(const struct nlattr *a, struct tlsi_cidr *c);

/*
 * Parse a tlsi message's attributes into tb[TLSI_A_MAX + 1], checking each
 * known attribute's type and size; unknown ones are ignored.
 * Returns 0, or -1 with errno = EPROTO for a malformed message.
 */
int tlsi_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/*
 * Append attribute a's payload to the malloc'd buffer *buf of *len bytes
 * (a list split over several messages of a dump, such as a server proxy's
 * certificate names). Returns 0, or -1 with errno = ENOMEM and the buffer
 * unchanged.
 */
int tlsi_nl_append_payload(char **buf, size_t *len, const struct nlattr *a);

/* "src", "rep_entries" ...; NULL for unknown types. */
const char *tlsi_attr_name(uint16_t type);

#endif /* TLSI_NL_H */
