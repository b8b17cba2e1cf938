// SPDX-License-Identifier: GPL-2.0
/*
 * tlslogd: options, the poll loop, signals. See tlslogd.h.
 *
 * Why its own daemon and not tlsid: the logs must be written whether or not
 * tlsid runs (every table's blocks are the kernel's), and tlsid is a
 * sandboxed parser of hostile TLS that should not also own files, rotation
 * and an HTTP server. tlsid sends its records here over a unix datagram
 * socket, without waiting.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "tlslogd.h"

#ifndef TLSLOGD_WEB_DIR
#define TLSLOGD_WEB_DIR "/usr/local/share/tlsi/web"
#endif

struct tlslogd_config tlslogd_cfg = {
	.dir = "/var/log/tlsi",
	.socket = "/run/tlsi/tlslogd.sock",
	.listen_addr = "127.0.0.1",
	.listen_port = 9475,
	.web_dir = TLSLOGD_WEB_DIR,
	.stats_path = "/proc/net/tlsi/stats",
};

static const char usage_text[] =
"Usage: tlslogd [OPTIONS]\n"
"\n"
"The writer of tlsi's logs: the kernel's events and tlsid's records as\n"
"Suricata EVE JSON in DIR/block.json, alert.json, quarantine.json,\n"
"ssl.json and system.json (system events also to syslog); SIGHUP reopens\n"
"them. Serves /metrics (Prometheus) and the traffic graph (/graph), whose\n"
"series are kept in DIR/graph.state across restarts.\n"
"\n"
"  --dir DIR               log directory (default /var/log/tlsi)\n"
"  --socket PATH           tlsid's records (default /run/tlsi/tlslogd.sock)\n"
"  --listen ADDR:PORT      HTTP endpoint (default 127.0.0.1:9475)\n"
"  --no-http               no HTTP endpoint\n"
"  --web-dir DIR           graph.html and uPlot (default " TLSLOGD_WEB_DIR ")\n"
"  --netlink-rcvbuf BYTES  the events socket's receive buffer (default 8 MiB)\n"
"  --no-kernel             tlsid's records only (tlsid --no-kernel, or no\n"
"                          tlsi.ko on this machine)\n"
"  --foreground            stay in the foreground, messages on stderr\n"
"  --help\n";

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tlslogd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	exit(2);
}

static void parse_listen(const char *v)
{
	static char addr[64];
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;

	if (!colon || colon == v || (size_t)(colon - v) >= sizeof(addr))
		usage_error("--listen `%s': expected ADDR:PORT", v);
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || !port || port > 65535)
		usage_error("--listen `%s': bad port", v);
	memcpy(addr, v, (size_t)(colon - v));
	addr[colon - v] = '\0';
	tlslogd_cfg.listen_addr = addr;
	tlslogd_cfg.listen_port = (uint16_t)port;
}

static void parse_args(int argc, char **argv)
{
	enum { O_DIR = 1, O_SOCKET, O_LISTEN, O_NO_HTTP, O_WEB, O_RCVBUF, O_FG, O_HELP,
	       O_NO_KERNEL };
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, O_DIR },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "no-http", no_argument, NULL, O_NO_HTTP },
		{ "web-dir", required_argument, NULL, O_WEB },
		{ "netlink-rcvbuf", required_argument, NULL, O_RCVBUF },
		{ "foreground", no_argument, NULL, O_FG },
		{ "no-kernel", no_argument, NULL, O_NO_KERNEL },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	long v;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case O_DIR:
			tlslogd_cfg.dir = optarg;
			break;
		case O_SOCKET:
			tlslogd_cfg.socket = optarg;
			break;
		case O_LISTEN:
			parse_listen(optarg);
			break;
		case O_NO_HTTP:
			tlslogd_cfg.listen_addr = NULL;
			break;
		case O_WEB:
			tlslogd_cfg.web_dir = optarg;
			break;
		case O_RCVBUF:
			v = strtol(optarg, &end, 10);
			if (*end || !optarg[0] || v < 4096 || v > (1L << 30))
				usage_error("--netlink-rcvbuf `%s': 4096 to 1073741824 bytes",
					    optarg);
			tlslogd_cfg.rcvbuf = (int)v;
			break;
		case O_NO_KERNEL:
			tlslogd_cfg.no_kernel = true;
			break;
		case O_FG:
			tlslogd_cfg.foreground = true;
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument `%s'", argv[optind]);
}

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void main_loop(int sfd, int kfd, int ufd)
{
	struct pollfd p[3] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = kfd, .events = POLLIN },
		{ .fd = ufd, .events = POLLIN },
	};
	int64_t next_tick = now_ms();

	for (;;) {
		struct signalfd_siginfo si;
		int64_t wait = next_tick - now_ms();
		int n;

		if (wait <= 0) {
			metrics_tick();
			next_tick += 1000;
			if (next_tick < now_ms())
				next_tick = now_ms() + 1000;
			continue;
		}
		n = poll(p, 3, (int)wait);
		if (n < 0 && errno != EINTR) {
			tlslogd_error("poll: %s", strerror(errno));
			return;
		}
		if (n <= 0)
			continue;
		/* Records before signals: a HUP after a burst lands the burst
		 * in the old file, as logrotate expects. */
		if (p[1].revents)
			kernel_read();
		if (p[2].revents)
			tlsid_socket_read();
		if (!p[0].revents)
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			kernel_read();
			tlsid_socket_read();
			logs_reopen();
			continue;
		}
		/* What is queued still gets written. */
		kernel_read();
		tlsid_socket_read();
		tlslogd_info("signal %u: stopping", si.ssi_signo);
		return;
	}
}

int main(int argc, char **argv)
{
	int sfd, kfd = -1, ufd, rc = 1;

	parse_args(argc, argv);
	tlslogd_log_init(true);
	signal(SIGPIPE, SIG_IGN);
	sfd = signals_fd();
	if (sfd < 0) {
		tlslogd_error("signals: %s", strerror(errno));
		return 1;
	}
	if (logs_open(tlslogd_cfg.dir) < 0)
		goto out;
	if (!tlslogd_cfg.no_kernel) {
		kfd = kernel_open();
		if (kfd < 0)
			goto out;
	}
	ufd = tlsid_socket_open(tlslogd_cfg.socket);
	if (ufd < 0)
		goto out;
	metrics_load();
	metrics_tick();
	if (tlslogd_cfg.listen_addr &&
	    http_start(tlslogd_cfg.listen_addr, tlslogd_cfg.listen_port, tlslogd_cfg.web_dir))
		goto out;
	if (!tlslogd_cfg.foreground) {
		if (daemon(0, 0) < 0) {
			tlslogd_error("daemon: %s", strerror(errno));
			goto out;
		}
		tlslogd_log_init(false);
	}
	logs_system("tlslogd", "info", "started: logs in %s, tlsid's records on %s",
		    tlslogd_cfg.dir, tlslogd_cfg.socket);
	main_loop(sfd, kfd, ufd);
	metrics_save();
	rc = 0;
out:
	http_stop();
	tlsid_socket_close();
	kernel_close();
	logs_close();
	close(sfd);
	return rc;
}
