// SPDX-License-Identifier: GPL-2.0
/*
 * What tlsid sets up outside itself, and takes down at exit:
 *
 *  - the policy routing that delivers diverted packets locally, over
 *    rtnetlink (what `ip rule add fwmark MARK lookup TABLE' and `ip route
 *    add local 0.0.0.0/0 dev lo table TABLE' do, and their `ip -6' twins
 *    with ::/0; the rules have priority TLSID_RULE_PRIORITY);
 *  - tlsi.ko's divert-port and divert-mark, over the tlsi generic netlink
 *    family (what `tlsictl config set divert-port P divert-mark M' does).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl.h"
#include "tlsid.h"

/* One rtnetlink request and its ACK. Returns 0 or -errno. */
static int rtnl_request(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned portid;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)ret, nlh->nlmsg_seq, portid, NULL, NULL);
	} while (ret > 0);
	ret = ret < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

static int rule(uint16_t type, uint8_t family, uint32_t mark, uint32_t table)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWRULE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_FWMARK, mark);
	/* A fixed priority makes the rule of a killed tlsid "exist" (EEXIST)
	 * for the next one, instead of a second copy. */
	mnl_attr_put_u32(nlh, FRA_PRIORITY, TLSID_RULE_PRIORITY);
	return rtnl_request(nlh);
}

static int route(uint16_t type, uint8_t family, uint32_t table, unsigned lo)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWROUTE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_HOST;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	return rtnl_request(nlh);
}

/* Found at setup: the teardown runs under the seccomp filter, which has no
 * ioctl(SIOCGIFINDEX) for if_nametoindex(). */
static unsigned lo_index;
static bool ipv6_routed;

/* The rule and the local route of one family; 0 or -errno (logged). */
static int route_setup_family(uint8_t family, uint32_t mark, uint32_t table, unsigned lo)
{
	const char *v = family == AF_INET6 ? "-6 " : "";
	int err;

	err = rule(RTM_NEWRULE, family, mark, table);
	if (err == -EEXIST) {
		tlsid_log_info("policy routing: rule %sfwmark %#x lookup %u exists already", v,
			       mark, table);
	} else if (err) {
		errno = -err;
		tlsid_log_perror("policy routing: ip %srule add fwmark %#x lookup %u", v, mark, table);
		return err;
	}
	err = route(RTM_NEWROUTE, family, table, lo);
	if (err == -EEXIST) {
		tlsid_log_info("policy routing: %slocal route in table %u exists already", v, table);
	} else if (err) {
		errno = -err;
		tlsid_log_perror("policy routing: ip %sroute add local %s dev lo table %u", v,
				 family == AF_INET6 ? "::/0" : "0.0.0.0/0", table);
		rule(RTM_DELRULE, family, mark, table);
		return err;
	}
	return 0;
}

/*
 * IPv4 and IPv6 both deliver diverted packets locally. A host without IPv6
 * (disabled, or no IPv6 routing) intercepts IPv4 only, and says so.
 */
int tlsid_route_setup(uint32_t mark, uint32_t table)
{
	unsigned lo = lo_index = if_nametoindex("lo");

	if (!lo) {
		tlsid_log_perror("policy routing: no loopback device");
		return -1;
	}
	if (route_setup_family(AF_INET, mark, table, lo))
		return -1;
	ipv6_routed = !route_setup_family(AF_INET6, mark, table, lo);
	if (!ipv6_routed)
		tlsid_log_info("policy routing: no IPv6: IPv6 connections are not intercepted");
	tlsid_log_debug("policy routing: fwmark %#x -> table %u -> local (IPv4%s)", mark, table,
			ipv6_routed ? " and IPv6" : "");
	return 0;
}

static void route_teardown_family(uint8_t family, uint32_t mark, uint32_t table)
{
	int err;

	err = route(RTM_DELROUTE, family, table, lo_index);
	if (err && err != -ESRCH) {
		errno = -err;
		tlsid_log_perror("policy routing: removing the local route of table %u", table);
	}
	err = rule(RTM_DELRULE, family, mark, table);
	if (err && err != -ENOENT) {
		errno = -err;
		tlsid_log_perror("policy routing: removing rule fwmark %#x", mark);
	}
}

void tlsid_route_teardown(uint32_t mark, uint32_t table)
{
	if (ipv6_routed)
		route_teardown_family(AF_INET6, mark, table);
	route_teardown_family(AF_INET, mark, table);
}

int tlsid_kernel_set_divert(uint16_t port, uint32_t mark, bool set_mark)
{
	char buf[TLSI_NL_MSGBUF], err[512];
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	int ret = 0;

	if (tlsi_nl_open(&nl, err, sizeof(err)) < 0) {
		tlsid_log_error("tlsi: %s", err);
		return -1;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_CONFIG_SET, 0);
	mnl_attr_put_u16(nlh, TLSI_A_DIVERT_PORT, port);
	if (set_mark)
		mnl_attr_put_u32(nlh, TLSI_A_DIVERT_MARK, mark);
	if (tlsi_nl_request(&nl, nlh, NULL, NULL) < 0) {
		tlsi_nl_strerror(&nl, err, sizeof(err));
		tlsid_log_error("tlsi: setting divert-port %u: %s", port, err);
		ret = -1;
	}
	tlsi_nl_close(&nl);
	return ret;
}
