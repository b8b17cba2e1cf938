// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata EVE JSON alert records. See eve.h.
 */
#include <string.h>
#include <time.h>

#include "eve.h"
#include "json.h"

void eve_alert_init(struct eve_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->ssl_inspected = -1;
	a->stream_offset = -1;
	a->tx_id = -1;
}

void eve_timestamp(uint64_t ts_ns, char *buf, size_t len)
{
	struct timespec now;
	time_t sec;
	struct tm tm;
	size_t n;

	if (!ts_ns) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	}
	sec = (time_t)(ts_ns / 1000000000u);
	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06u+0000", (unsigned int)(ts_ns % 1000000000u / 1000));
}

static void opt_string(struct json *j, const char *key, const char *v)
{
	if (v)
		json_string(j, key, v);
}

void eve_write(FILE *f, const struct eve_alert *a)
{
	char ts[40];
	struct json j;

	eve_timestamp(a->ts_ns, ts, sizeof(ts));
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "timestamp", ts);
	if (a->flow_id)
		json_u64(&j, "flow_id", a->flow_id);
	json_string(&j, "event_type", "alert");
	opt_string(&j, "src_ip", a->src_ip);
	json_u64(&j, "src_port", a->src_port);
	opt_string(&j, "dest_ip", a->dest_ip);
	json_u64(&j, "dest_port", a->dest_port);
	json_string(&j, "proto", a->proto ? a->proto : "TCP");
	opt_string(&j, "app_proto", a->app_proto);
	opt_string(&j, "direction", a->direction);
	json_begin_object(&j, "alert");
	json_string(&j, "action", a->blocked ? "blocked" : "allowed");
	json_u64(&j, "gid", a->gid);
	json_u64(&j, "signature_id", a->sid);
	json_u64(&j, "rev", a->rev);
	json_string(&j, "signature", a->signature ? a->signature : "");
	json_string(&j, "category", a->category ? a->category : "");
	json_u64(&j, "severity", a->severity);
	json_end_object(&j);
	if (a->http_hostname || a->http_url || a->http_method || a->http_user_agent ||
	    a->http_status) {
		json_begin_object(&j, "http");
		opt_string(&j, "hostname", a->http_hostname);
		opt_string(&j, "url", a->http_url);
		opt_string(&j, "http_user_agent", a->http_user_agent);
		opt_string(&j, "http_method", a->http_method);
		if (a->http_status)
			json_u64(&j, "status", a->http_status);
		json_end_object(&j);
	}
	if (a->tls_sni) {
		json_begin_object(&j, "tls");
		json_string(&j, "sni", a->tls_sni);
		json_end_object(&j);
	}
	if (a->ssl_inspected >= 0)
		json_bool(&j, "ssl_inspected", a->ssl_inspected);
	if (a->ssl_inspected > 0 && a->ssl_inspection)
		json_string(&j, "ssl_inspection", a->ssl_inspection);
	if (a->buffer)
		json_string(&j, "buffer", a->buffer);
	if (a->stream_offset >= 0)
		json_i64(&j, "stream_offset", a->stream_offset);
	if (a->tx_id >= 0)
		json_i64(&j, "tx_id", a->tx_id);
	if (a->quarantined) {
		json_begin_object(&j, "tlsi");
		json_bool(&j, "quarantined", true);
		json_u64(&j, "quarantine_timeout", a->quarantine_timeout);
		json_end_object(&j);
	}
	json_end_object(&j);
}
