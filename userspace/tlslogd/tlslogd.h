/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlslogd: the one writer of tlsi's persistent logs, its metrics endpoint
 * and traffic graph (Documentation/logging.md).
 *
 *   kernel events (genetlink "events")  --\
 *                                          +--> logs.c: block.json, alert.json,
 *   tlsid's records (unix datagrams)   --/      quarantine.json, ssl.json,
 *                                               system.json (+ syslog)
 *   /proc/net/tlsi/stats (each second) ---> metrics.c: thresholds (system
 *                                           log), time series, /metrics and
 *                                           /graph over HTTP (http.c)
 *
 * One thread (main.c's poll loop) reads the sources and writes the files;
 * libmicrohttpd's thread serves HTTP from a snapshot under metrics_lock.
 */
#ifndef TLSLOGD_H
#define TLSLOGD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eve.h"

struct tlslogd_config {
	const char *dir;		/* the log files */
	const char *socket;		/* tlsid's records arrive here */
	const char *listen_addr;	/* HTTP, NULL: none */
	uint16_t listen_port;
	const char *web_dir;		/* graph.html and uPlot */
	const char *stats_path;		/* /proc/net/tlsi/stats */
	int rcvbuf;			/* netlink receive buffer, 0: default */
	bool foreground;
	bool no_kernel;			/* do not subscribe (tests of tlsid only) */
};

extern struct tlslogd_config tlslogd_cfg;

/* tlslogd's own counters, exported as tlslogd_<name>_total. */
#define TLSLOGD_COUNTERS(X)						\
	X(kernel_events, "kernel events received")			\
	X(kernel_events_malformed, "kernel events that could not be parsed") \
	X(netlink_overruns, "receive buffer overruns of the events socket (the kernel counts the events lost in tlsi_events_failed_total)") \
	X(tlsid_records, "records received from tlsid")			\
	X(tlsid_records_refused, "datagrams on the socket that were not a known record") \
	X(tlsid_stats, "stats records received from tlsid")		\
	X(system_events, "system events raised by tlslogd itself")	\
	X(reopens, "SIGHUP reopens of the log files")

#define TLSLOGD_C_ENUM(n, h) TLSLOGD_C_##n,
enum { TLSLOGD_COUNTERS(TLSLOGD_C_ENUM) __TLSLOGD_C_MAX };
#undef TLSLOGD_C_ENUM

extern uint64_t tlslogd_counters[__TLSLOGD_C_MAX];	/* under metrics_lock */
extern pthread_mutex_t metrics_lock;

/* logs.c */
struct log_stats {
	uint64_t written, bytes, failed;	/* failed: disk full or I/O error */
};
extern struct log_stats log_stats[__EVE_LOG_MAX];	/* under metrics_lock */
int logs_open(const char *dir);
void logs_reopen(void);
void logs_close(void);
/* One record (a whole line, newline included) to its log. Never blocks on
 * anything but the write itself; a failed write is counted and lost. */
void logs_write(enum eve_log log, const char *line, size_t len);
/* A system event: system.json and syslog. */
void logs_system(const char *source, const char *severity, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tlslogd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tlslogd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tlslogd_log_init(bool foreground);
/* A message of tlsid's to syslog, as tlsid's. */
void syslog_tlsid(int prio, const char *msg);

/* sources.c */
int kernel_open(void);			/* the fd to poll, or -1 */
void kernel_read(void);
void kernel_close(void);
int tlsid_socket_open(const char *path);	/* the fd to poll, or -1 */
void tlsid_socket_read(void);
void tlsid_socket_close(void);

/* metrics.c */
void metrics_tick(void);
void metrics_load(void);		/* DIR/graph.state, at start */
void metrics_save(void);		/* once a minute and at exit */		/* once a second */
/* A tlsid stats record (json-c's object; a reference is kept). */
struct json_object;
void metrics_tlsid_stats(struct json_object *stats);
/* Text bodies for HTTP (malloc'd, NUL-terminated, *len set). */
char *metrics_prometheus(size_t *len);
char *metrics_graph_json(bool day, size_t *len);

/* http.c */
int http_start(const char *addr, uint16_t port, const char *web_dir);
void http_stop(void);

#endif /* TLSLOGD_H */
