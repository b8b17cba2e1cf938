/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Suricata EVE JSON "alert" records: one line per alert, as `tlsictl
 * monitor' prints the kernel's IPS alerts and `tlsictl rules test' the
 * alerts of a userspace run. Members left NULL (or 0 where noted) are
 * omitted, as Suricata omits what it does not know.
 */
#ifndef TLSI_EVE_H
#define TLSI_EVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct eve_alert {
	uint64_t ts_ns;			/* since the epoch; 0 = now */
	uint64_t flow_id;		/* 0 = omitted */
	const char *src_ip, *dest_ip;	/* of the data that matched */
	uint16_t src_port, dest_port;
	const char *app_proto;
	const char *proto;		/* "TCP" when NULL */
	/* alert */
	bool blocked;			/* action "blocked", else "allowed" */
	uint32_t gid, sid, rev;
	const char *signature, *category;
	unsigned int severity;		/* the rule's priority */
	/* http (the object is printed when one of them is set) */
	const char *http_hostname, *http_url, *http_method, *http_user_agent;
	unsigned int http_status;	/* 0 = omitted */
	const char *tls_sni;
	int ssl_inspected;		/* -1 = omitted */
	const char *ssl_inspection;	/* decrypted for: "client" or "server" */
	/* tlsi's own members */
	const char *direction;		/* "to_server" / "to_client" */
	bool quarantined;		/* "tlsi":{"quarantined":...} */
	uint32_t quarantine_timeout;
	const char *buffer;		/* rules test: the buffer that matched */
	int64_t stream_offset;		/* -1 = omitted */
	int64_t tx_id;			/* -1 = omitted */
};

/* Defaults: nothing known (ssl_inspected, stream_offset, tx_id omitted). */
void eve_alert_init(struct eve_alert *a);

/* "2024-05-01T12:34:56.123456+0000" (UTC) into buf (at least 32 bytes). */
void eve_timestamp(uint64_t ts_ns, char *buf, size_t len);

/* One record and a newline. */
void eve_write(FILE *f, const struct eve_alert *a);

/*
 * The persistent logs (tlslogd, Documentation/logging.md): every record
 * goes to exactly one of them.
 */
enum eve_log {
	EVE_LOG_BLOCK,		/* blocked flows: tables and IPS drop rules */
	EVE_LOG_ALERT,		/* alerts that let the flow pass */
	EVE_LOG_QUARANTINE,	/* hosts quarantined, expired, blocked by it */
	EVE_LOG_SSL,		/* SSL inspection outcomes */
	EVE_LOG_SYSTEM,		/* thresholds, expiring certificates, errors */
	__EVE_LOG_MAX
};

/* "block", "alert", ...; NULL out of range. */
const char *eve_log_name(enum eve_log log);
/* The log named name, or -1. */
int eve_log_from_name(const char *name);

struct nlattr;

/*
 * One TLSI_CMD_EVENT (attributes parsed into tb, TLSI_A_MAX + 1 entries)
 * as one EVE record and a newline on f. Returns the log it belongs to, or
 * -1 (nothing written) for an event without a type.
 */
int eve_write_kernel_event(FILE *f, const struct nlattr *const *tb);

/* An IPS_ALERT event's attributes into a (strings point into tb; client and
 * server are TLSI_ADDR_STR_MAX bytes each and are pointed to by a). */
void eve_alert_from_event(struct eve_alert *a, const struct nlattr *const *tb,
			  char *client, char *server);

/* A system record: source ("tlsi.ko", "tlsid", "tlslogd"), severity
 * ("error", "warning", "info") and the message. */
void eve_write_system(FILE *f, uint64_t ts_ns, const char *source,
		      const char *severity, const char *message);

#endif /* TLSI_EVE_H */
