// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl monitor: print multicast events as JSON lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/genetlink.h>

#include "tlsictl.h"
#include "eve.h"

static const char help[] =
"Usage: tlsictl monitor [--eve FILE]\n"
"\n"
"Subscribe to the \"" TLSI_GENL_MCGRP_EVENTS "\" multicast group and print each event as one\n"
"JSON object per line, flushed at once, until interrupted (SIGINT or\n"
"SIGTERM, exit 0). Needs no privilege beyond what the kernel requires to\n"
"join the group.\n"
"\n"
"Members (those the event lacks are left out):\n"
"  type      block, alert, quarantine (a host entered quarantine) or\n"
"            quarantine_expired (its timeout ran out)\n"
"  table     the table that decided: bypass, tm, reputation, quarantine,\n"
"            flow (the flow table was full) or ssl (no SSL inspection\n"
"            daemon listening: ssl-no-daemon of the profile)\n"
"  rule      the TM filter or bypass rule name\n"
"  segment   the segment name\n"
"  profile   the profile name\n"
"  proto     tcp, udp, icmp, sctp, udplite, or the protocol number (string)\n"
"  src, dst  IPv4 or IPv6 addresses (RFC 5952)\n"
"  sport, dport  ports\n"
"  vlan      VLAN ID\n"
"  score, category  reputation score and category\n"
"  reason    quarantine reason\n"
"  timeout   quarantine timeout in seconds\n"
"\n"
"IPS alerts (the filter engine's rules on decrypted sessions) are printed\n"
"as Suricata EVE JSON records instead: timestamp, flow_id, event_type\n"
"\"alert\", src_ip/src_port/dest_ip/dest_port (of the data that matched),\n"
"proto, app_proto, direction, alert {action allowed|blocked, gid,\n"
"signature_id, rev, signature, category (the classtype), severity (the\n"
"priority)}, http {hostname, url, http_user_agent, http_method, status},\n"
"tls {sni}, ssl_inspected, and tlsi {quarantined, quarantine_timeout}\n"
"when the alert quarantined the client. With --eve FILE they are also\n"
"appended to FILE (created 0640 if needed; reopened after SIGHUP, for\n"
"log rotation).\n"
"\n"
"If events arrive faster than they are read, the kernel drops some; a\n"
"line `tlsictl: monitor: events lost' on standard error says so.\n"
"\n"
"Example:\n"
"  tlsictl monitor\n"
"  {\"type\":\"block\",\"table\":\"tm\",\"rule\":\"web\",\"segment\":\"seg1\","
"\"profile\":\"p1\",\"proto\":\"tcp\",\"src\":\"10.9.0.1\",\"sport\":1234,"
"\"dst\":\"10.9.0.2\",\"dport\":80}\n";

static volatile sig_atomic_t stop, reopen;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		stop = 1;
}

struct monitor {
	uint16_t family;
	const char *eve_path;
	FILE *eve;
};

static FILE *eve_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;

	if (!f) {
		errmsg("--eve `%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* An IPS_ALERT event as an EVE record. */
static void ips_alert(struct monitor *m, const struct nlattr **tb)
{
	char client[TLSI_ADDR_STR_MAX], server[TLSI_ADDR_STR_MAX];
	struct eve_alert e;

	eve_alert_from_event(&e, tb, client, server);
	eve_write(stdout, &e);
	if (m->eve) {
		eve_write(m->eve, &e);
		if (fflush(m->eve) == EOF)
			errmsg("--eve `%s': %s", m->eve_path, strerror(errno));
	}
}

static void json_addr(struct json *j, const char *key, const struct nlattr *a)
{
	char buf[TLSI_CIDR_STR_MAX];
	struct tlsi_cidr c;

	if (!a || tlsi_nl_get_cidr(a, &c) < 0)
		return;
	if (c.plen == cidr_host_plen(&c))
		json_string(j, key, format_addr(&c, buf));
	else
		json_string(j, key, format_cidr(&c, buf));
}

static void json_strattr(struct json *j, const char *key, const struct nlattr *a)
{
	if (a)
		json_string(j, key, mnl_attr_get_str(a));
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct monitor *m = data;
	struct json j;

	if (nlh->nlmsg_type != m->family || g->cmd != TLSI_CMD_EVENT)
		return MNL_CB_OK;
	if (tlsi_nl_parse(nlh, tb) < 0) {
		errmsg("malformed event ignored");
		return MNL_CB_OK;
	}
	if (tb[TLSI_A_EVENT_TYPE] &&
	    mnl_attr_get_u8(tb[TLSI_A_EVENT_TYPE]) == TLSI_EVENT_IPS_ALERT) {
		ips_alert(m, tb);
		return fflush(stdout) == EOF ? MNL_CB_ERROR : MNL_CB_OK;
	}
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	if (tb[TLSI_A_EVENT_TYPE])
		json_string(&j, "type", event_type_name(mnl_attr_get_u8(tb[TLSI_A_EVENT_TYPE])));
	if (tb[TLSI_A_TABLE])
		json_string(&j, "table", table_name(mnl_attr_get_u8(tb[TLSI_A_TABLE])));
	json_strattr(&j, "rule", tb[TLSI_A_NAME]);
	json_strattr(&j, "segment", tb[TLSI_A_SEGMENT]);
	json_strattr(&j, "profile", tb[TLSI_A_PROFILE]);
	if (tb[TLSI_A_PROTO]) {
		uint8_t p = mnl_attr_get_u8(tb[TLSI_A_PROTO]);

		char num[4];

		snprintf(num, sizeof(num), "%u", p);
		json_string(&j, "proto", proto_name(p) ? proto_name(p) : num);
	}
	json_addr(&j, "src", tb[TLSI_A_SRC]);
	if (tb[TLSI_A_SPORT])
		json_u64(&j, "sport", mnl_attr_get_u16(tb[TLSI_A_SPORT]));
	json_addr(&j, "dst", tb[TLSI_A_DST]);
	if (tb[TLSI_A_DPORT])
		json_u64(&j, "dport", mnl_attr_get_u16(tb[TLSI_A_DPORT]));
	if (tb[TLSI_A_VLAN])
		json_u64(&j, "vlan", mnl_attr_get_u16(tb[TLSI_A_VLAN]));
	if (tb[TLSI_A_SCORE])
		json_u64(&j, "score", mnl_attr_get_u8(tb[TLSI_A_SCORE]));
	json_strattr(&j, "category", tb[TLSI_A_CATEGORY]);
	json_strattr(&j, "reason", tb[TLSI_A_REASON]);
	if (tb[TLSI_A_TIMEOUT])
		json_u64(&j, "timeout", mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]));
	json_end_object(&j);
	if (fflush(stdout) == EOF)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor m = { 0 };
	sigset_t block, orig;
	struct tlsi_nl nl;
	struct pollfd pfd;
	int rc = EXIT_OK, i;

	set_context("monitor", NULL);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--eve") && !m.eve_path)
			m.eve_path = kw_value(argc, argv, &i);
		else
			usage_error("unexpected argument `%s'", argv[i]);
	}
	if (m.eve_path) {
		m.eve = eve_open(m.eve_path);
		if (!m.eve)
			return EXIT_ERROR;
	}
	ctl_open(&nl);
	m.family = nl.family;
	if (!nl.mcgrp_events) {
		errmsg("the tlsi family has no \"" TLSI_GENL_MCGRP_EVENTS "\" group");
		tlsi_nl_close(&nl);
		return EXIT_ERROR;
	}
	if (tlsi_nl_join_events(&nl) < 0) {
		errmsg("cannot join the events group: %s", strerror(nl.error));
		tlsi_nl_close(&nl);
		return EXIT_ERROR;
	}

	/* Signals are only delivered inside ppoll(): no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	pfd.fd = mnl_socket_get_fd(nl.sock);
	pfd.events = POLLIN;
	while (!stop) {
		ssize_t n;
		int r;

		r = ppoll(&pfd, 1, NULL, &orig);
		if (reopen && m.eve) {
			FILE *f = eve_open(m.eve_path);

			reopen = 0;
			if (f) {
				fclose(m.eve);
				m.eve = f;
			}
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			errmsg("poll: %s", strerror(errno));
			rc = EXIT_ERROR;
			break;
		}
		n = recv(pfd.fd, nl.rbuf, TLSI_NL_RCVBUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				errmsg("events lost (receive buffer overrun)");
				continue;
			}
			errmsg("netlink: %s", strerror(errno));
			rc = EXIT_ERROR;
			break;
		}
		if (mnl_cb_run(nl.rbuf, (size_t)n, 0, 0, event_cb, &m) < 0 &&
		    ferror(stdout)) {
			rc = EXIT_ERROR;
			break;
		}
	}
	tlsi_nl_close(&nl);
	if (m.eve)
		fclose(m.eve);
	return rc;
}

static const struct command cmds[] = {
	{ "show", cmd_monitor, NULL },	/* "tlsictl monitor" */
	{ NULL, NULL, NULL }
};

int monitor_main(int argc, char **argv)
{
	/* No subcommands: options, "help" or nothing. */
	if (argc > 1 && !is_help(argv[1])) {
		if (argv[1][0] == '-')
			return cmd_monitor(argc, argv);
		set_context(argv[0], NULL);
		usage_error("unexpected argument `%s'", argv[1]);
	}
	return dispatch(argc, argv, cmds, help);
}
