// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's events (TLSI_CMD_EVENT) as Suricata EVE JSON records, and
 * which persistent log each belongs to (eve.h). `tlsictl monitor --eve'
 * and tlslogd write the same records.
 *
 * Records of the tables (TM, reputation, quarantine, flow, SSL without a
 * daemon) are flow decisions taken before any decryption: they carry
 * "ssl_inspected": false. A blocked flow is an "alert" record with
 * alert.action "blocked", as Suricata writes an IPS drop; what is tlsi's
 * own goes into the "tlsi" object (table, rule, segment, profile, score,
 * category, reason, timeout). Quarantine changes are "tlsi_quarantine"
 * records, SSL decisions "tlsi_ssl" records.
 */
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <string.h>

#include <uapi/linux/tlsi.h>

#include "eve.h"
#include "json.h"
#include "nl.h"
#include "parse.h"

static const char *const log_names[__EVE_LOG_MAX] = {
	[EVE_LOG_BLOCK] = "block",
	[EVE_LOG_ALERT] = "alert",
	[EVE_LOG_QUARANTINE] = "quarantine",
	[EVE_LOG_SSL] = "ssl",
	[EVE_LOG_SYSTEM] = "system",
};

const char *eve_log_name(enum eve_log log)
{
	return (unsigned int)log < __EVE_LOG_MAX ? log_names[log] : NULL;
}

int eve_log_from_name(const char *name)
{
	int i;

	for (i = 0; i < __EVE_LOG_MAX; i++)
		if (!strcmp(name, log_names[i]))
			return i;
	return -1;
}

static const char *table_str(uint8_t t)
{
	static const char *const names[] = {
		[TLSI_TABLE_NONE] = "none",
		[TLSI_TABLE_BYPASS] = "bypass",
		[TLSI_TABLE_TM] = "tm",
		[TLSI_TABLE_REPUTATION] = "reputation",
		[TLSI_TABLE_QUARANTINE] = "quarantine",
		[TLSI_TABLE_FLOW] = "flow",
		[TLSI_TABLE_IPS] = "ips",
		[TLSI_TABLE_SSL] = "ssl",
	};

	return t <= TLSI_TABLE_MAX ? names[t] : "unknown";
}

static const char *str(const struct nlattr *a)
{
	return a ? mnl_attr_get_str(a) : NULL;
}

static void opt_str(struct json *j, const char *key, const struct nlattr *a)
{
	if (a)
		json_string(j, key, mnl_attr_get_str(a));
}

static const char *addr(const struct nlattr *a, char *buf)
{
	struct tlsi_cidr c;

	if (!a || tlsi_nl_get_cidr(a, &c) < 0)
		return NULL;
	return format_addr(&c, buf);
}

void eve_alert_from_event(struct eve_alert *e, const struct nlattr *const *tb,
			  char *client, char *server)
{
	bool to_client;

	eve_alert_init(e);
	client[0] = server[0] = '\0';
	addr(tb[TLSI_A_SRC], client);
	addr(tb[TLSI_A_DST], server);
	to_client = tb[TLSI_A_DIRECTION] &&
		    mnl_attr_get_u8(tb[TLSI_A_DIRECTION]) == TLSI_IPS_DIR_TO_CLIENT;
	e->direction = to_client ? "to_client" : "to_server";
	e->src_ip = to_client ? server : client;
	e->dest_ip = to_client ? client : server;
	if (tb[TLSI_A_SPORT] && tb[TLSI_A_DPORT]) {
		uint16_t cp = mnl_attr_get_u16(tb[TLSI_A_SPORT]);
		uint16_t sp = mnl_attr_get_u16(tb[TLSI_A_DPORT]);

		e->src_port = to_client ? sp : cp;
		e->dest_port = to_client ? cp : sp;
	}
	if (tb[TLSI_A_TIMESTAMP])
		e->ts_ns = mnl_attr_get_u64(tb[TLSI_A_TIMESTAMP]);
	if (tb[TLSI_A_FLOW_ID])
		e->flow_id = mnl_attr_get_u64(tb[TLSI_A_FLOW_ID]);
	e->app_proto = str(tb[TLSI_A_APP_PROTO]);
	if (tb[TLSI_A_PROTO] && mnl_attr_get_u8(tb[TLSI_A_PROTO]) == IPPROTO_UDP)
		e->proto = "UDP";
	e->blocked = tb[TLSI_A_BLOCKED] && mnl_attr_get_u8(tb[TLSI_A_BLOCKED]);
	if (tb[TLSI_A_GID])
		e->gid = mnl_attr_get_u32(tb[TLSI_A_GID]);
	if (tb[TLSI_A_SID])
		e->sid = mnl_attr_get_u32(tb[TLSI_A_SID]);
	if (tb[TLSI_A_REV])
		e->rev = mnl_attr_get_u32(tb[TLSI_A_REV]);
	e->signature = str(tb[TLSI_A_MSG]);
	e->category = str(tb[TLSI_A_CLASSTYPE]);
	if (tb[TLSI_A_PRIORITY])
		e->severity = mnl_attr_get_u8(tb[TLSI_A_PRIORITY]);
	e->http_hostname = str(tb[TLSI_A_HTTP_HOST]);
	e->http_url = str(tb[TLSI_A_HTTP_URL]);
	e->http_method = str(tb[TLSI_A_HTTP_METHOD]);
	e->http_user_agent = str(tb[TLSI_A_HTTP_USER_AGENT]);
	if (tb[TLSI_A_HTTP_STATUS])
		e->http_status = mnl_attr_get_u16(tb[TLSI_A_HTTP_STATUS]);
	e->tls_sni = str(tb[TLSI_A_TLS_SNI]);
	if (tb[TLSI_A_SSL_INSPECTED])
		e->ssl_inspected = mnl_attr_get_u8(tb[TLSI_A_SSL_INSPECTED]) != 0;
	if (tb[TLSI_A_SSL_ROLE])
		e->ssl_inspection = mnl_attr_get_u8(tb[TLSI_A_SSL_ROLE]) == TLSI_SSL_ROLE_SERVER ?
				    "server" : "client";
	if (tb[TLSI_A_QUARANTINED] && mnl_attr_get_u8(tb[TLSI_A_QUARANTINED])) {
		e->quarantined = true;
		if (tb[TLSI_A_TIMEOUT])
			e->quarantine_timeout = mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]);
	}
}

/* The flow's addressing, as Suricata's records begin. */
static void flow_members(struct json *j, const struct nlattr *const *tb)
{
	char buf[TLSI_ADDR_STR_MAX];
	const char *a;

	a = addr(tb[TLSI_A_SRC], buf);
	if (a)
		json_string(j, "src_ip", a);
	if (tb[TLSI_A_SPORT])
		json_u64(j, "src_port", mnl_attr_get_u16(tb[TLSI_A_SPORT]));
	a = addr(tb[TLSI_A_DST], buf);
	if (a && strcmp(a, "0.0.0.0") && strcmp(a, "::"))
		json_string(j, "dest_ip", a);
	if (tb[TLSI_A_DPORT])
		json_u64(j, "dest_port", mnl_attr_get_u16(tb[TLSI_A_DPORT]));
	if (tb[TLSI_A_PROTO]) {
		uint8_t p = mnl_attr_get_u8(tb[TLSI_A_PROTO]);
		char up[16];
		const char *n = proto_name(p);
		size_t i;

		if (n) {
			for (i = 0; n[i] && i < sizeof(up) - 1; i++)
				up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
			up[i] = '\0';
		} else {
			snprintf(up, sizeof(up), "%u", p);
		}
		json_string(j, "proto", up);
	}
	if (tb[TLSI_A_VLAN]) {
		json_begin_array(j, "vlan");
		json_u64(j, NULL, mnl_attr_get_u16(tb[TLSI_A_VLAN]));
		json_end_array(j);
	}
}

/* tlsi's own members of a table's decision. */
static void tlsi_members(struct json *j, const struct nlattr *const *tb, uint8_t table)
{
	json_begin_object(j, "tlsi");
	json_string(j, "table", table_str(table));
	opt_str(j, "rule", tb[TLSI_A_NAME]);
	opt_str(j, "segment", tb[TLSI_A_SEGMENT]);
	opt_str(j, "profile", tb[TLSI_A_PROFILE]);
	if (tb[TLSI_A_SCORE])
		json_u64(j, "score", mnl_attr_get_u8(tb[TLSI_A_SCORE]));
	opt_str(j, "category", tb[TLSI_A_CATEGORY]);
	opt_str(j, "reason", tb[TLSI_A_REASON]);
	if (tb[TLSI_A_TIMEOUT])
		json_u64(j, "timeout", mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]));
	json_end_object(j);
}

/* alert.signature for a table's decision: what an operator reads. */
static void table_signature(char *buf, size_t len, const struct nlattr *const *tb,
			    uint8_t table)
{
	const char *rule = str(tb[TLSI_A_NAME]);

	switch (table) {
	case TLSI_TABLE_TM:
		snprintf(buf, len, "traffic management filter %s", rule ? rule : "?");
		break;
	case TLSI_TABLE_REPUTATION:
		snprintf(buf, len, "reputation score %u%s%s",
			 tb[TLSI_A_SCORE] ? mnl_attr_get_u8(tb[TLSI_A_SCORE]) : 0,
			 tb[TLSI_A_CATEGORY] ? " category " : "",
			 tb[TLSI_A_CATEGORY] ? str(tb[TLSI_A_CATEGORY]) : "");
		break;
	case TLSI_TABLE_FLOW:
		snprintf(buf, len, "flow table full");
		break;
	default:
		snprintf(buf, len, "%s%s%s", table_str(table), rule ? " rule " : "",
			 rule ? rule : "");
	}
}

int eve_write_kernel_event(FILE *f, const struct nlattr *const *tb)
{
	uint8_t type, table;
	char ts[40], sig[160];
	struct json j;
	int log;

	if (!tb[TLSI_A_EVENT_TYPE])
		return -1;
	type = mnl_attr_get_u8(tb[TLSI_A_EVENT_TYPE]);
	table = tb[TLSI_A_TABLE] ? mnl_attr_get_u8(tb[TLSI_A_TABLE]) : TLSI_TABLE_NONE;
	if (type == TLSI_EVENT_IPS_ALERT) {
		char client[TLSI_ADDR_STR_MAX], server[TLSI_ADDR_STR_MAX];
		struct eve_alert e;

		eve_alert_from_event(&e, tb, client, server);
		eve_write(f, &e);
		return e.blocked ? EVE_LOG_BLOCK : EVE_LOG_ALERT;
	}
	eve_timestamp(0, ts, sizeof(ts));
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "timestamp", ts);
	if (type == TLSI_EVENT_QUARANTINE || type == TLSI_EVENT_QUARANTINE_EXPIRED ||
	    table == TLSI_TABLE_QUARANTINE) {
		/* Added and expired name the host; a hit is a blocked flow. */
		json_string(&j, "event_type", "tlsi_quarantine");
		flow_members(&j, tb);
		json_begin_object(&j, "tlsi_quarantine");
		json_string(&j, "event", type == TLSI_EVENT_QUARANTINE ? "added" :
				   type == TLSI_EVENT_QUARANTINE_EXPIRED ? "expired" : "hit");
		if (type == TLSI_EVENT_BLOCK)
			json_string(&j, "action", "blocked");
		opt_str(&j, "reason", tb[TLSI_A_REASON]);
		if (tb[TLSI_A_TIMEOUT])
			json_u64(&j, "timeout", mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]));
		opt_str(&j, "segment", tb[TLSI_A_SEGMENT]);
		opt_str(&j, "profile", tb[TLSI_A_PROFILE]);
		json_end_object(&j);
		log = EVE_LOG_QUARANTINE;
	} else if (table == TLSI_TABLE_SSL) {
		/* A new SSL flow no daemon took (the profile's ssl-no-daemon). */
		json_string(&j, "event_type", "tlsi_ssl");
		flow_members(&j, tb);
		json_begin_object(&j, "tlsi_ssl");
		json_string(&j, "result", type == TLSI_EVENT_BLOCK ? "blocked" : "not decrypted");
		json_string(&j, "reason", "no SSL inspection daemon");
		opt_str(&j, "segment", tb[TLSI_A_SEGMENT]);
		opt_str(&j, "profile", tb[TLSI_A_PROFILE]);
		json_end_object(&j);
		log = EVE_LOG_SSL;
	} else {
		json_string(&j, "event_type", "alert");
		flow_members(&j, tb);
		json_begin_object(&j, "alert");
		json_string(&j, "action", type == TLSI_EVENT_BLOCK ? "blocked" : "allowed");
		table_signature(sig, sizeof(sig), tb, table);
		json_string(&j, "signature", sig);
		json_string(&j, "category", table_str(table));
		json_end_object(&j);
		json_bool(&j, "ssl_inspected", false);
		tlsi_members(&j, tb, table);
		log = type == TLSI_EVENT_BLOCK ? EVE_LOG_BLOCK : EVE_LOG_ALERT;
	}
	json_end_object(&j);
	return log;
}

void eve_write_system(FILE *f, uint64_t ts_ns, const char *source,
		      const char *severity, const char *message)
{
	char ts[40];
	struct json j;

	eve_timestamp(ts_ns, ts, sizeof(ts));
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "timestamp", ts);
	json_string(&j, "event_type", "tlsi_system");
	json_begin_object(&j, "tlsi_system");
	json_string(&j, "source", source);
	json_string(&j, "severity", severity);
	json_string(&j, "message", message);
	json_end_object(&j);
	json_end_object(&j);
}
