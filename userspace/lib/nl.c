// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink helpers for the "tlsi" family. See nl.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

/* Each attribute's name (as in the uapi header) and type, from TLSI_ATTRS. */
#define ATTR_INFO(attr, t, ...) [TLSI_A_##attr] = { #attr, MNL_TYPE_##t },
static const struct {
	const char *name;
	enum mnl_attr_data_type type;
} attrs[TLSI_A_MAX + 1] = {
	TLSI_ATTRS(ATTR_INFO)
};
#undef ATTR_INFO

static const char *const cidr_attrs[TLSI_CIDR_A_MAX + 1] = {
	[TLSI_CIDR_A_FAMILY]	= "FAMILY",
	[TLSI_CIDR_A_ADDR]	= "ADDR",
	[TLSI_CIDR_A_PREFIXLEN]	= "PREFIXLEN",
};

const char *tlsi_attr_name(uint16_t type)
{
	return type <= TLSI_A_MAX ? attrs[type].name : NULL;
}

static void set_local_error(struct tlsi_nl *nl, int err)
{
	nl->kernel_error = false;
	nl->error = err;
	nl->ext_msg[0] = '\0';
	nl->ext_attr[0] = '\0';
	errno = err;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                          */

struct req_ctx {
	struct tlsi_nl *nl;
	mnl_cb_t cb;
	void *data;
};

/*
 * Name the attribute at byte offset offs of the request: "src.prefixlen",
 * "rep_entries[12].src.addr", ... Returns false if offs hits no attribute.
 */
static bool describe_nested(const void *payload, size_t len, size_t base,
			    size_t offs, int kind, char *buf, size_t buflen)
{
	const struct nlattr *attr;
	size_t idx = 0;

	mnl_attr_for_each_payload(payload, len) {
		const struct nlattr *a = attr;
		size_t start = base + (size_t)((const char *)a - (const char *)payload);
		uint16_t type = mnl_attr_get_type(a);
		size_t used = strlen(buf);
		const char *name = NULL;

		if (offs < start || offs >= start + a->nla_len) {
			idx++;
			continue;
		}
		if (kind == 0)
			name = tlsi_attr_name(type);
		else if (kind == 1 && type <= TLSI_CIDR_A_MAX)
			name = cidr_attrs[type];
		if (kind == 2)
			snprintf(buf + used, buflen - used, "[%zu]", idx);
		else if (name)
			snprintf(buf + used, buflen - used, "%s%s", used ? "." : "", name);
		else
			snprintf(buf + used, buflen - used, "%sattribute %u",
				 used ? "." : "", type);
		if (offs == start)
			return true;
		/* Descend into the nests we know. */
		if (kind == 0 && (type == TLSI_A_SRC || type == TLSI_A_DST))
			return describe_nested(mnl_attr_get_payload(a),
					       mnl_attr_get_payload_len(a),
					       start + MNL_ATTR_HDRLEN, offs, 1, buf, buflen);
		if (kind == 0 && (type == TLSI_A_REP_ENTRIES || type == TLSI_A_RULES_VARS))
			return describe_nested(mnl_attr_get_payload(a),
					       mnl_attr_get_payload_len(a),
					       start + MNL_ATTR_HDRLEN, offs, 2, buf, buflen);
		if (kind == 2)
			return describe_nested(mnl_attr_get_payload(a),
					       mnl_attr_get_payload_len(a),
					       start + MNL_ATTR_HDRLEN, offs, 0, buf, buflen);
		return true;
	}
	return false;
}

static void describe_offset(struct tlsi_nl *nl, uint32_t offs)
{
	const struct nlmsghdr *req = nl->req;
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));

	nl->ext_attr[0] = '\0';
	if (!req || offs < hdr || offs >= req->nlmsg_len)
		return;
	if (!describe_nested((const char *)req + hdr, req->nlmsg_len - hdr, hdr,
			     offs, 0, nl->ext_attr, sizeof(nl->ext_attr)))
		nl->ext_attr[0] = '\0';
}

static int ext_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Parse extack TLVs at payload[0..len). */
static void parse_extack(struct tlsi_nl *nl, const void *payload, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };

	if (mnl_attr_parse_payload(payload, len, ext_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%.*s",
			 (int)strnlen(mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]),
				      mnl_attr_get_payload_len(tb[NLMSGERR_ATTR_MSG])),
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_OFFS], MNL_TYPE_U32) == 0)
		describe_offset(nl, mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] && !tb[NLMSGERR_ATTR_MISS_NEST] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_TYPE], MNL_TYPE_U32) == 0) {
		uint32_t t = mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		const char *name = t <= TLSI_A_MAX ? tlsi_attr_name((uint16_t)t) : NULL;

		if (name)
			snprintf(nl->ext_attr, sizeof(nl->ext_attr), "%s", name);
		else
			snprintf(nl->ext_attr, sizeof(nl->ext_attr), "attribute %u", t);
		nl->ext_missing = true;
	}
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	struct tlsi_nl *nl = ctx->nl;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		set_local_error(nl, EBADMSG);
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	nl->kernel_error = true;
	nl->error = e->error < 0 ? -e->error : e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += MNL_ALIGN(e->msg.nlmsg_len) - MNL_NLMSG_HDRLEN;
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			parse_extack(nl, (const char *)e + off,
				     nlh->nlmsg_len - mnl_nlmsg_size(off));
	}
	errno = nl->error;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	struct tlsi_nl *nl = ctx->nl;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	nl->kernel_error = true;
	nl->error = -err;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_extack(nl, (const char *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(sizeof(int)),
			     mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(sizeof(int)));
	errno = nl->error;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	if (!ctx->cb)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data);
}

static int run(struct tlsi_nl *nl, uint32_t seq, uint32_t portid,
	       mnl_cb_t cb, void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct req_ctx ctx = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	do {
		n = mnl_socket_recvfrom(nl->sock, nl->rbuf, TLSI_NL_RCVBUF);
		if (n < 0) {
			set_local_error(nl, errno);
			return -1;
		}
		ret = mnl_cb_run2(nl->rbuf, (size_t)n, seq, portid, data_cb, &ctx,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret < 0) {
		if (!nl->kernel_error && !nl->error)
			set_local_error(nl, errno ? errno : EPROTO);
		errno = nl->error;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                           */

static struct nlmsghdr *put_genl(struct tlsi_nl *nl, void *buf, uint16_t type,
				 uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct nlmsghdr *tlsi_nl_msg(struct tlsi_nl *nl, void *buf, uint8_t cmd,
			     uint16_t flags)
{
	return put_genl(nl, buf, nl->family, cmd, TLSI_GENL_VERSION, flags);
}

int tlsi_nl_request(struct tlsi_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data)
{
	int ret;

	nl->kernel_error = false;
	nl->error = 0;
	nl->ext_msg[0] = '\0';
	nl->ext_attr[0] = '\0';
	nl->ext_missing = false;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		set_local_error(nl, errno);
		return -1;
	}
	nl->req = nlh;
	ret = run(nl, nlh->nlmsg_seq, nl->portid, cb, data);
	nl->req = NULL;
	return ret;
}

/*
 * The netlink core's own policy messages do not say which attribute they
 * are about; the extack offset does.
 */
static bool core_message(const char *msg)
{
	static const char *const core[] = {
		"Unsupported attribute", "Attribute failed policy validation",
		"NLA_F_NESTED", "integer out of range", "invalid attribute length",
		"Unknown attribute type", "string too long",
	};
	size_t i;

	for (i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (!strncmp(msg, core[i], strlen(core[i])))
			return true;
	return false;
}

void tlsi_nl_strerror(const struct tlsi_nl *nl, char *buf, size_t len)
{
	const char *err = strerror(nl->error);

	if (!nl->kernel_error) {
		snprintf(buf, len, "netlink: %s", err);
		return;
	}
	if (nl->ext_msg[0] && nl->ext_attr[0] && core_message(nl->ext_msg))
		snprintf(buf, len, "kernel refused: %s: %s (%s)", nl->ext_msg, nl->ext_attr, err);
	else if (nl->ext_msg[0])
		snprintf(buf, len, "kernel refused: %s (%s)", nl->ext_msg, err);
	else if (nl->ext_attr[0])
		snprintf(buf, len, "kernel refused: %s attribute %s (%s)",
			 nl->ext_missing ? "missing" : "invalid", nl->ext_attr, err);
	else
		snprintf(buf, len, "kernel refused: %s", err);
}

/* ------------------------------------------------------------------ */
/* Opening                                                            */

struct family_info {
	uint16_t id;
	uint32_t events;
};

static int grp_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= CTRL_ATTR_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct family_info *fi = data;
	const struct nlattr *grp;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		if (mnl_attr_parse_nested(grp, grp_attr_cb, gtb) < 0)
			continue;
		if (!gtb[CTRL_ATTR_MCAST_GRP_NAME] || !gtb[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(gtb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(gtb[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) < 0)
			continue;
		if (!strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
			    TLSI_GENL_MCGRP_EVENTS))
			fi->events = mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static void set_sockbuf(struct tlsi_nl *nl, int force, int plain, int size)
{
	int fd = mnl_socket_get_fd(nl->sock);

	/* The FORCE variants pass the sysctl limits when privileged. */
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &size, sizeof(size));
}

int tlsi_nl_open(struct tlsi_nl *nl, char *err, size_t errlen)
{
	char buf[TLSI_NL_MSGBUF];
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->rbuf = malloc(TLSI_NL_RCVBUF);
	if (!nl->rbuf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		goto fail;
	}
	/* Best effort: old kernels lack them, and errors are still reported. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	set_sockbuf(nl, SO_SNDBUFFORCE, SO_SNDBUF, 1 << 20);
	set_sockbuf(nl, SO_RCVBUFFORCE, SO_RCVBUF, 8 << 20);
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink bind: %s", strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nlh = put_genl(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TLSI_GENL_NAME);
	if (tlsi_nl_request(nl, nlh, family_cb, &fi) < 0) {
		if (nl->kernel_error && nl->error == ENOENT)
			snprintf(err, errlen, "tlsi module not loaded "
				 "(generic netlink family " TLSI_GENL_NAME " not found)");
		else
			tlsi_nl_strerror(nl, err, errlen);
		goto fail;
	}
	if (!fi.id) {
		snprintf(err, errlen, "netlink: no family id in the controller's reply");
		goto fail;
	}
	nl->family = fi.id;
	nl->mcgrp_events = fi.events;
	return 0;
fail:
	tlsi_nl_close(nl);
	return -1;
}

void tlsi_nl_close(struct tlsi_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->rbuf);
	nl->rbuf = NULL;
}

int tlsi_nl_join_events(struct tlsi_nl *nl)
{
	unsigned int grp = nl->mcgrp_events;

	if (!grp) {
		set_local_error(nl, ENOENT);
		return -1;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		set_local_error(nl, errno);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                         */

void tlsi_nl_put_cidr(struct nlmsghdr *nlh, uint16_t type,
		      const struct tlsi_cidr *c)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	bool v6 = c->family == AF_INET6;

	mnl_attr_put_u8(nlh, TLSI_CIDR_A_FAMILY, v6 ? AF_INET6 : AF_INET);
	mnl_attr_put(nlh, TLSI_CIDR_A_ADDR, v6 ? 16 : 4, c->addr);
	mnl_attr_put_u8(nlh, TLSI_CIDR_A_PREFIXLEN, c->plen);
	mnl_attr_nest_end(nlh, nest);
}

static int cidr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= TLSI_CIDR_A_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

int tlsi_nl_get_cidr(const struct nlattr *a, struct tlsi_cidr *c)
{
	const struct nlattr *tb[TLSI_CIDR_A_MAX + 1] = { 0 };
	uint8_t family = AF_INET;
	size_t alen;

	if (mnl_attr_parse_nested(a, cidr_attr_cb, tb) < 0)
		goto bad;
	if (!tb[TLSI_CIDR_A_ADDR] || !tb[TLSI_CIDR_A_PREFIXLEN] ||
	    mnl_attr_validate(tb[TLSI_CIDR_A_PREFIXLEN], MNL_TYPE_U8) < 0)
		goto bad;
	if (tb[TLSI_CIDR_A_FAMILY]) {
		if (mnl_attr_validate(tb[TLSI_CIDR_A_FAMILY], MNL_TYPE_U8) < 0)
			goto bad;
		family = mnl_attr_get_u8(tb[TLSI_CIDR_A_FAMILY]);
	}
	alen = family == AF_INET6 ? 16 : 4;
	if ((family != AF_INET && family != AF_INET6) ||
	    mnl_attr_get_payload_len(tb[TLSI_CIDR_A_ADDR]) != alen)
		goto bad;
	memset(c, 0, sizeof(*c));
	c->family = family;
	memcpy(c->addr, mnl_attr_get_payload(tb[TLSI_CIDR_A_ADDR]), alen);
	c->plen = mnl_attr_get_u8(tb[TLSI_CIDR_A_PREFIXLEN]);
	if (c->plen > cidr_host_plen(c))
		goto bad;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

struct parse_ctx {
	const struct nlattr **tb;
	bool bad;
};

static int tlsi_attr_cb(const struct nlattr *a, void *data)
{
	struct parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > TLSI_A_MAX || !attrs[type].name)
		return MNL_CB_OK;	/* newer kernel: ignore */
	if (attrs[type].type != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(a, attrs[type].type) < 0) {
		ctx->bad = true;
		return MNL_CB_OK;
	}
	if (type == TLSI_A_VLANS && mnl_attr_get_payload_len(a) % 2) {
		ctx->bad = true;
		return MNL_CB_OK;
	}
	ctx->tb[type] = a;
	return MNL_CB_OK;
}

int tlsi_nl_append_payload(char **buf, size_t *len, const struct nlattr *a)
{
	size_t n = mnl_attr_get_payload_len(a);
	char *grown;

	if (!n)
		return 0;
	grown = realloc(*buf, *len + n);
	if (!grown) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(grown + *len, mnl_attr_get_payload(a), n);
	*buf = grown;
	*len += n;
	return 0;
}

int tlsi_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct parse_ctx ctx = { .tb = tb };

	memset(tb, 0, sizeof(*tb) * (TLSI_A_MAX + 1));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tlsi_attr_cb, &ctx) < 0 ||
	    ctx.bad) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}
