// SPDX-License-Identifier: GPL-2.0
/*
 * What tlslogd writes down: the kernel's events (the genetlink "events"
 * group, CAP_NET_ADMIN) and tlsid's records (datagrams on a unix socket).
 *
 * Kernel events: the socket asks for NETLINK_BROADCAST_ERROR, so that an
 * event the kernel could not queue to tlslogd fails the kernel's send and
 * is counted there (events_failed in /proc/net/tlsi/stats); tlslogd counts
 * the overruns it is told of (ENOBUFS) and says so in the system log. The
 * sum holds: events raised = events written + events_failed.
 *
 * tlsid's records: one JSON object per datagram (at most 64 KiB), sent
 * without waiting (a full socket loses the record in tlsid, counted there
 * as events_lost). They are parsed (json-c) and only known records pass:
 *   "type":"session"          an SSL inspection record -> ssl.json as an EVE
 *                             "tlsi_ssl" record
 *   "event_type":"alert"      an EVE alert of tlsid's userspace relay ->
 *                             block.json or alert.json by alert.action
 *   "event_type":"tlsi_system" -> system.json and syslog
 *   "type":"stats"            tlsid's counters -> /metrics
 * Anything else is refused and counted (tlsid_records_refused).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/genetlink.h>

#include "nl.h"
#include "tlslogd.h"

#ifndef NETLINK_BROADCAST_ERROR
#define NETLINK_BROADCAST_ERROR 4
#endif

static struct tlsi_nl nl;
static bool nl_open;
static int sock_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void counter_add(int c, uint64_t n)
{
	pthread_mutex_lock(&metrics_lock);
	tlslogd_counters[c] += n;
	pthread_mutex_unlock(&metrics_lock);
}

/* ---- kernel events ------------------------------------------------- */

int kernel_open(void)
{
	char err[256];
	int one = 1, fd;

	if (tlsi_nl_open(&nl, err, sizeof(err)) < 0) {
		tlslogd_error("%s", err);
		return -1;
	}
	nl_open = true;
	if (!nl.mcgrp_events || tlsi_nl_join_events(&nl) < 0) {
		tlslogd_error("cannot join the tlsi events group: %s",
			      nl.mcgrp_events ? strerror(nl.error) : "no such group");
		return -1;
	}
	fd = mnl_socket_get_fd(nl.sock);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_ERROR, &one, sizeof(one)) < 0)
		tlslogd_error("NETLINK_BROADCAST_ERROR: %s (events lost to tlslogd may "
			      "go uncounted while another listener gets them)", strerror(errno));
	if (tlslogd_cfg.rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &tlslogd_cfg.rcvbuf,
		       sizeof(tlslogd_cfg.rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tlslogd_cfg.rcvbuf,
		       sizeof(tlslogd_cfg.rcvbuf)) < 0)
		tlslogd_error("--netlink-rcvbuf: %s", strerror(errno));
	return fd;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[TLSI_A_MAX + 1];
	char *line = NULL;
	size_t len = 0;
	FILE *f;
	int log;

	if (nlh->nlmsg_type != nl.family || g->cmd != TLSI_CMD_EVENT)
		return MNL_CB_OK;
	counter_add(TLSLOGD_C_kernel_events, 1);
	if (tlsi_nl_parse(nlh, tb) < 0) {
		counter_add(TLSLOGD_C_kernel_events_malformed, 1);
		return MNL_CB_OK;
	}
	f = open_memstream(&line, &len);
	if (!f)
		return MNL_CB_OK;
	log = eve_write_kernel_event(f, tb);
	if (fclose(f) == 0 && line && log >= 0)
		logs_write(log, line, len);
	else if (log < 0)
		counter_add(TLSLOGD_C_kernel_events_malformed, 1);
	free(line);
	return MNL_CB_OK;
}

/* Everything queued, then back to poll. */
void kernel_read(void)
{
	int fd = mnl_socket_get_fd(nl.sock);

	for (;;) {
		ssize_t n = recv(fd, nl.rbuf, TLSI_NL_RCVBUF, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Reported in the system log by metrics.c, once
				 * a second at most, with the kernel's count. */
				counter_add(TLSLOGD_C_netlink_overruns, 1);
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				tlslogd_error("netlink: %s", strerror(errno));
			return;
		}
		mnl_cb_run(nl.rbuf, (size_t)n, 0, 0, event_cb, NULL);
	}
}

void kernel_close(void)
{
	if (nl_open)
		tlsi_nl_close(&nl);
	nl_open = false;
}

/* ---- tlsid's records ----------------------------------------------- */

int tlsid_socket_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int rcv = 4 << 20;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		tlslogd_error("--socket `%s': path too long", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(sock_path, sizeof(sock_path), "%s", path);
	sock_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock_fd < 0) {
		tlslogd_error("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(sock_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	unlink(path);	/* a stale socket of an earlier run */
	if (bind(sock_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		tlslogd_error("--socket `%s': %s", path, strerror(errno));
		close(sock_fd);
		sock_fd = -1;
		return -1;
	}
	/* tlsid connects as root before it drops its privileges; the group
	 * may be given to tlsid's user by the administrator (chgrp). */
	chmod(path, 0660);
	return sock_fd;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* "10.0.0.1:443" into ip and port members. */
static void endpoint(struct json_object *out, const char *ipkey, const char *portkey,
		     const char *v)
{
	const char *colon = v ? strrchr(v, ':') : NULL;
	char ip[64];
	long port;

	if (!colon || colon - v >= (long)sizeof(ip))
		return;
	memcpy(ip, v, (size_t)(colon - v));
	ip[colon - v] = '\0';
	port = strtol(colon + 1, NULL, 10);
	json_object_object_add(out, ipkey, json_object_new_string(ip));
	json_object_object_add(out, portkey,
			       json_object_new_int(port >= 0 && port <= 65535 ? (int)port : 0));
}

/* tlsid's "2026-12-07T05:21:18.123Z" as EVE's timestamp; now if unreadable. */
static void eve_time(const char *t, char *buf, size_t len)
{
	struct tm tm = { 0 };
	const char *rest = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	uint64_t ns = 0;

	if (rest) {
		ns = (uint64_t)timegm(&tm) * 1000000000u;
		if (rest[0] == '.')
			ns += (uint64_t)strtoul(rest + 1, NULL, 10) * 1000000u;
	}
	eve_timestamp(ns, buf, len);
}

/* An inspection record as an EVE "tlsi_ssl" record: addressing first, the
 * record's other members under "tlsi_ssl". */
static struct json_object *session_to_eve(struct json_object *s)
{
	struct json_object *out = json_object_new_object(), *inner = json_object_new_object();
	char ts[40];

	eve_time(jstr(s, "time"), ts, sizeof(ts));
	json_object_object_add(out, "timestamp", json_object_new_string(ts));
	json_object_object_add(out, "event_type", json_object_new_string("tlsi_ssl"));
	endpoint(out, "src_ip", "src_port", jstr(s, "client"));
	endpoint(out, "dest_ip", "dest_port", jstr(s, "server"));
	json_object_object_add(out, "proto", json_object_new_string("TCP"));
	if (jstr(s, "sni")) {
		struct json_object *tls = json_object_new_object();

		json_object_object_add(tls, "sni", json_object_get(jget(s, "sni")));
		json_object_object_add(out, "tls", tls);
	}
	json_object_object_foreach(s, key, v) {
		if (strcmp(key, "time") && strcmp(key, "type") && strcmp(key, "client") &&
		    strcmp(key, "server"))
			json_object_object_add(inner, key, json_object_get(v));
	}
	json_object_object_add(out, "tlsi_ssl", inner);
	return out;
}

static void write_json(enum eve_log log, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n;
	char *line;

	if (!s)
		return;
	n = strlen(s);
	line = malloc(n + 1);
	if (!line)
		return;
	memcpy(line, s, n);
	line[n] = '\n';
	logs_write(log, line, n + 1);
	free(line);
}

/* Returns false for a datagram that is no known record. */
static bool tlsid_record(struct json_object *o)
{
	const char *type = jstr(o, "type"), *et = jstr(o, "event_type");
	struct json_object *sys, *e;

	if (type && !strcmp(type, "session")) {
		e = session_to_eve(o);
		write_json(EVE_LOG_SSL, e);
		json_object_put(e);
		return true;
	}
	if (type && !strcmp(type, "stats")) {
		metrics_tlsid_stats(o);
		counter_add(TLSLOGD_C_tlsid_stats, 1);
		return true;
	}
	if (et && !strcmp(et, "alert") && jstr(jget(o, "alert"), "action")) {
		const char *action = jstr(jget(o, "alert"), "action");

		write_json(strcmp(action, "blocked") ? EVE_LOG_ALERT : EVE_LOG_BLOCK, o);
		return true;
	}
	sys = jget(o, "tlsi_system");
	if (et && !strcmp(et, "tlsi_system") && jstr(sys, "message") && jstr(sys, "severity")) {
		const char *sev = jstr(sys, "severity");
		int prio = !strcmp(sev, "error") ? 3 : !strcmp(sev, "warning") ? 4 : 6;

		write_json(EVE_LOG_SYSTEM, o);
		syslog_tlsid(prio, jstr(sys, "message"));
		return true;
	}
	return false;
}

void tlsid_socket_read(void)
{
	static char buf[65536 + 1];

	for (;;) {
		ssize_t n = recv(sock_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_TRUNC);
		enum json_tokener_error jerr;
		struct json_object *o;

		if (n < 0)
			return;
		if (n >= (ssize_t)sizeof(buf) || n == 0) {
			counter_add(TLSLOGD_C_tlsid_records_refused, 1);
			continue;
		}
		buf[n] = '\0';
		/* A NUL inside is no JSON text. */
		o = strlen(buf) == (size_t)n ? json_tokener_parse_verbose(buf, &jerr) : NULL;
		if (o && json_object_is_type(o, json_type_object) && tlsid_record(o))
			counter_add(TLSLOGD_C_tlsid_records, 1);
		else
			counter_add(TLSLOGD_C_tlsid_records_refused, 1);
		json_object_put(o);
	}
}

void tlsid_socket_close(void)
{
	if (sock_fd >= 0) {
		close(sock_fd);
		unlink(sock_path);
	}
	sock_fd = -1;
}
