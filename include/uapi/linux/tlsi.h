/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tlsi: inline TLS inspection and intrusion prevention on a Linux bridge.
 *
 * This is the one definition of the interface between tlsi.ko and userspace.
 * Userspace builds against this file with -isystem include; never copy it.
 *
 * Generic netlink family "tlsi", version 1, one multicast group "events".
 * All state is per network namespace. Every command that changes state
 * needs CAP_NET_ADMIN in the namespace's user namespace. Attributes are
 * validated strictly: an unknown attribute or a value out of range is refused
 * with an extack message that names it.
 *
 * Attribute trees (flat attributes of enum tlsi_attr unless nested):
 *
 *   cidr (nest, enum tlsi_cidr_attr):
 *     TLSI_CIDR_A_FAMILY     u8   AF_INET (AF_INET6 reserved, refused today)
 *     TLSI_CIDR_A_ADDR       binary, 4 bytes, network order
 *     TLSI_CIDR_A_PREFIXLEN  u8   0..32; host bits must be zero
 *
 *   TLSI_CMD_PROFILE_NEW / _SET   NAME, [REP_BLOCK_THRESHOLD], [REP_ALERT_THRESHOLD]
 *   TLSI_CMD_PROFILE_DEL          NAME (refused while a segment uses it)
 *   TLSI_CMD_PROFILE_GET (dump)   -> NAME, REP_*_THRESHOLD, REFCNT
 *
 *   TLSI_CMD_SEGMENT_NEW          NAME, PROFILE, PORT_A, PORT_B, [VLANS],
 *                                 [SRC cidr], [DST cidr], [POSITION]
 *   TLSI_CMD_SEGMENT_DEL          NAME
 *   TLSI_CMD_SEGMENT_GET (dump)   -> the above + PACKETS, BYTES
 *
 *   TLSI_CMD_BYPASS_NEW           NAME, [SRC], [DST], [PROTO], [SPORT_MIN/MAX],
 *                                 [DPORT_MIN/MAX], [VLAN]
 *   TLSI_CMD_TM_NEW               NAME, ACTION, [RATE] (RATE_LIMIT only, pkt/s),
 *                                 [PROFILE], [SRC], [DST], [PROTO],
 *                                 [SPORT_MIN/MAX], [DPORT_MIN/MAX],
 *                                 [FLAGS: TLSI_RULE_F_RESET], [POSITION]
 *   TLSI_CMD_{BYPASS,TM}_DEL      NAME
 *   TLSI_CMD_{BYPASS,TM}_GET      (dump) -> the above + POSITION, HITS
 *   TLSI_CMD_{BYPASS,TM}_FLUSH
 *
 *   TLSI_CMD_REP_NEW              SRC (the entry's cidr), SCORE, [CATEGORY]
 *                                 (an existing cidr is updated)
 *   TLSI_CMD_REP_DEL              SRC
 *   TLSI_CMD_REP_GET (dump)       -> SRC, SCORE, CATEGORY, HITS
 *                                 (do with SRC: the entry that an address
 *                                 hits, longest prefix first)
 *   TLSI_CMD_REP_FLUSH
 *   TLSI_CMD_REP_LOAD             BATCH, REP_ENTRIES { REP_ENTRY { SRC, SCORE,
 *                                 [CATEGORY] } ... } staged, not yet live
 *   TLSI_CMD_REP_COMMIT           BATCH, [FLAGS: TLSI_REP_F_REPLACE]; makes
 *                                 the staged entries live at once, or, on
 *                                 failure, drops them and changes nothing
 *   TLSI_CMD_REP_ABORT            BATCH
 *
 *   TLSI_CMD_QUAR_NEW             SRC (host, /32), [TIMEOUT s], [REASON]
 *   TLSI_CMD_QUAR_DEL             SRC
 *   TLSI_CMD_QUAR_GET (dump)      -> SRC, TIMEOUT (seconds left, 0 = none),
 *                                 REASON, HITS
 *   TLSI_CMD_QUAR_FLUSH
 *
 *   TLSI_CMD_CONFIG_GET / _SET    [MAX_FLOWS], [FLOW_FULL_ACTION],
 *                                 [TIMEOUT_* seconds], [SSL_CLIENT],
 *                                 [MAX_SSL_SESSIONS], [DIVERT_PORT],
 *                                 [DIVERT_MARK]
 *   TLSI_CMD_STATS_GET            -> STATS { u64 per enum tlsi_counter, type =
 *                                 index + 1; type 0 is alignment padding },
 *                                 FLOWS_CURRENT, FLOWS_PEAK, MAX_FLOWS
 *   TLSI_CMD_STATS_RESET          zeroes counters and hits (not flows)
 *
 *   TLSI_CMD_SSL_PROXY_NEW        NAME (< TLSI_SSL_NAME_MAX), PORTS, [DESCRIPTION],
 *                                 [CERT] (signing certificate name), [SERVICE],
 *                                 [SSL_FLAGS], [MIN_RSA_BITS]
 *   TLSI_CMD_SSL_PROXY_DEL        NAME (refused while a policy uses it)
 *   TLSI_CMD_SSL_PROXY_GET (dump) -> the above + REFCNT
 *   TLSI_CMD_SSL_POLICY_NEW       NAME, PROFILE, PROXY, [ENABLED] (default 1),
 *                                 [TRUST_STORE], [NEVER_DECRYPT], [ALWAYS_DECRYPT]
 *                                 (a policy name is unique in its profile; the
 *                                 proxies of one profile's policies may not
 *                                 share a detection port)
 *   TLSI_CMD_SSL_POLICY_SET       NAME, PROFILE, [ENABLED], [TRUST_STORE],
 *                                 [NEVER_DECRYPT], [ALWAYS_DECRYPT]
 *   TLSI_CMD_SSL_POLICY_DEL       NAME, PROFILE
 *   TLSI_CMD_SSL_POLICY_GET (dump) -> the above + ID
 *
 *   TLSI_CMD_EVENT (multicast "events")
 *                                 EVENT_TYPE, TABLE, [NAME] (rule), [SEGMENT],
 *                                 [PROFILE], SRC, [DST] (/32), [PROTO],
 *                                 [SPORT], [DPORT], [VLAN], [SCORE], [CATEGORY],
 *                                 [REASON], [TIMEOUT]
 */
#ifndef _UAPI_LINUX_TLSI_H
#define _UAPI_LINUX_TLSI_H

#include <linux/types.h>

#define TLSI_GENL_NAME		"tlsi"
#define TLSI_GENL_VERSION	1
#define TLSI_GENL_MCGRP_EVENTS	"events"

/* Object names: profiles, segments, bypass rules, TM filters. */
#define TLSI_NAME_MAX		32	/* including the NUL */
#define TLSI_CATEGORY_MAX	32	/* including the NUL */
#define TLSI_REASON_MAX		128	/* including the NUL */
#define TLSI_VLANS_MAX		64	/* VLAN IDs per segment */
#define TLSI_REP_CHUNK_MAX	1024	/* entries per REP_LOAD message; the
					 * REP_ENTRIES nest must also stay
					 * under 64 KiB (an nla_len is u16) */
#define TLSI_RATE_MAX		100000000	/* TM rate-limit, packets/s */
#define TLSI_TIMEOUT_MAX	315360000	/* quarantine timeout, s (10 years) */

/* SSL client inspection. */
#define TLSI_SSL_NAME_MAX	129	/* proxy and policy names, with the NUL */
#define TLSI_DESCRIPTION_MAX	513
#define TLSI_CERT_NAME_MAX	65
#define TLSI_SSL_PORTS_MAX	32	/* port ranges per client proxy */
#define TLSI_SSL_CIDRS_MAX	64	/* never/always-decrypt sources per policy */
#define TLSI_SSL_PROXIES_MAX	256
#define TLSI_SSL_POLICIES_MAX	256	/* per namespace */
#define TLSI_SSL_SESSIONS_LIMIT	1000000

struct tlsi_port_range_uapi {
	__u16 min;
	__u16 max;
};

/* Table limits (per namespace); refusals say which. */
#define TLSI_PROFILES_MAX	256
#define TLSI_SEGMENTS_MAX	256
#define TLSI_BYPASS_MAX		10000
#define TLSI_TM_MAX		10000
#define TLSI_REP_MAX		2000000
#define TLSI_QUAR_MAX		100000
#define TLSI_FLOWS_LIMIT	4000000	/* largest MAX_FLOWS accepted */

enum tlsi_cmd {
	TLSI_CMD_UNSPEC,
	TLSI_CMD_PROFILE_NEW,
	TLSI_CMD_PROFILE_SET,
	TLSI_CMD_PROFILE_DEL,
	TLSI_CMD_PROFILE_GET,
	TLSI_CMD_SEGMENT_NEW,
	TLSI_CMD_SEGMENT_DEL,
	TLSI_CMD_SEGMENT_GET,
	TLSI_CMD_BYPASS_NEW,
	TLSI_CMD_BYPASS_DEL,
	TLSI_CMD_BYPASS_GET,
	TLSI_CMD_BYPASS_FLUSH,
	TLSI_CMD_TM_NEW,
	TLSI_CMD_TM_DEL,
	TLSI_CMD_TM_GET,
	TLSI_CMD_TM_FLUSH,
	TLSI_CMD_REP_NEW,
	TLSI_CMD_REP_DEL,
	TLSI_CMD_REP_GET,
	TLSI_CMD_REP_FLUSH,
	TLSI_CMD_REP_LOAD,
	TLSI_CMD_REP_COMMIT,
	TLSI_CMD_REP_ABORT,
	TLSI_CMD_QUAR_NEW,
	TLSI_CMD_QUAR_DEL,
	TLSI_CMD_QUAR_GET,
	TLSI_CMD_QUAR_FLUSH,
	TLSI_CMD_CONFIG_GET,
	TLSI_CMD_CONFIG_SET,
	TLSI_CMD_STATS_GET,
	TLSI_CMD_STATS_RESET,
	TLSI_CMD_EVENT,
	TLSI_CMD_SSL_PROXY_NEW,
	TLSI_CMD_SSL_PROXY_DEL,
	TLSI_CMD_SSL_PROXY_GET,
	TLSI_CMD_SSL_POLICY_NEW,
	TLSI_CMD_SSL_POLICY_SET,
	TLSI_CMD_SSL_POLICY_DEL,
	TLSI_CMD_SSL_POLICY_GET,
	__TLSI_CMD_MAX
};
#define TLSI_CMD_MAX (__TLSI_CMD_MAX - 1)

enum tlsi_attr {
	TLSI_A_UNSPEC,
	TLSI_A_NAME,			/* string < TLSI_NAME_MAX */
	TLSI_A_PROFILE,			/* string < TLSI_NAME_MAX */
	TLSI_A_SEGMENT,			/* string < TLSI_NAME_MAX */
	TLSI_A_PORT_A,			/* string < IFNAMSIZ, a bridge port */
	TLSI_A_PORT_B,			/* string < IFNAMSIZ, a bridge port */
	TLSI_A_VLANS,			/* binary: __u16[] 1..4094, <= TLSI_VLANS_MAX */
	TLSI_A_VLAN,			/* u16 1..4094 */
	TLSI_A_SRC,			/* nest: cidr */
	TLSI_A_DST,			/* nest: cidr */
	TLSI_A_PROTO,			/* u8 IPPROTO_* (0 = any is "absent") */
	TLSI_A_SPORT_MIN,		/* u16 */
	TLSI_A_SPORT_MAX,		/* u16 */
	TLSI_A_DPORT_MIN,		/* u16 */
	TLSI_A_DPORT_MAX,		/* u16 */
	TLSI_A_ACTION,			/* u8 enum tlsi_tm_action */
	TLSI_A_RATE,			/* u32 packets per second, >= 1 */
	TLSI_A_FLAGS,			/* u32 TLSI_RULE_F_* / TLSI_REP_F_* */
	TLSI_A_POSITION,		/* u32, 0-based; absent = append */
	TLSI_A_HITS,			/* u64 */
	TLSI_A_SCORE,			/* u8 0..100 */
	TLSI_A_CATEGORY,		/* string < TLSI_CATEGORY_MAX */
	TLSI_A_REP_BLOCK_THRESHOLD,	/* u8 0..101; 101 = never block */
	TLSI_A_REP_ALERT_THRESHOLD,	/* u8 0..101; 101 = never alert */
	TLSI_A_REP_ENTRIES,		/* nest of TLSI_A_REP_ENTRY */
	TLSI_A_REP_ENTRY,		/* nest: SRC, SCORE, [CATEGORY] */
	TLSI_A_BATCH,			/* u32 batch id chosen by the sender */
	TLSI_A_TIMEOUT,			/* u32 seconds, 0 = never expires */
	TLSI_A_REASON,			/* string < TLSI_REASON_MAX */
	TLSI_A_REFCNT,			/* u32 users of a profile */
	TLSI_A_PACKETS,			/* u64 */
	TLSI_A_BYTES,			/* u64 */
	TLSI_A_STATS,			/* nest: u64 per enum tlsi_counter */
	TLSI_A_FLOWS_CURRENT,		/* u32 */
	TLSI_A_FLOWS_PEAK,		/* u32 */
	TLSI_A_MAX_FLOWS,		/* u32 1..TLSI_FLOWS_LIMIT */
	TLSI_A_FLOW_FULL_ACTION,	/* u8 enum tlsi_flow_full_action */
	TLSI_A_TIMEOUT_TCP_SYN,		/* u32 seconds 1..86400 */
	TLSI_A_TIMEOUT_TCP_EST,		/* u32 seconds 1..864000 */
	TLSI_A_TIMEOUT_TCP_CLOSE,	/* u32 seconds 1..86400 */
	TLSI_A_TIMEOUT_UDP,		/* u32 seconds 1..86400 */
	TLSI_A_TIMEOUT_ICMP,		/* u32 seconds 1..86400 */
	TLSI_A_TIMEOUT_OTHER,		/* u32 seconds 1..86400 */
	TLSI_A_EVENT_TYPE,		/* u8 enum tlsi_event_type */
	TLSI_A_TABLE,			/* u8 enum tlsi_table */
	TLSI_A_SPORT,			/* u16 */
	TLSI_A_DPORT,			/* u16 */
	TLSI_A_PAD,
	TLSI_A_COUNT,			/* u32 number of entries (REP_COMMIT reply) */
	TLSI_A_DESCRIPTION,		/* string < TLSI_DESCRIPTION_MAX */
	TLSI_A_PROXY,			/* string < TLSI_SSL_NAME_MAX */
	TLSI_A_CERT,			/* string < TLSI_CERT_NAME_MAX */
	TLSI_A_PORTS,			/* binary: struct tlsi_port_range_uapi[],
					 * 1..TLSI_SSL_PORTS_MAX */
	TLSI_A_SERVICE,			/* u8 enum tlsi_ssl_service */
	TLSI_A_SSL_FLAGS,		/* u32 TLSI_SSL_F_* */
	TLSI_A_MIN_RSA_BITS,		/* u16 0 (any) or 1024..16384 */
	TLSI_A_ENABLED,			/* u8 0 or 1 */
	TLSI_A_TRUST_STORE,		/* string < TLSI_CERT_NAME_MAX */
	TLSI_A_NEVER_DECRYPT,		/* nest of cidr nests (type 1..n), <= TLSI_SSL_CIDRS_MAX */
	TLSI_A_ALWAYS_DECRYPT,		/* nest of cidr nests (type 1..n), <= TLSI_SSL_CIDRS_MAX */
	TLSI_A_SSL_CLIENT,		/* u8 0/1: client SSL inspection on */
	TLSI_A_MAX_SSL_SESSIONS,	/* u32 1..TLSI_SSL_SESSIONS_LIMIT */
	TLSI_A_DIVERT_PORT,		/* u16 tlsid's transparent listener, 0 = none */
	TLSI_A_DIVERT_MARK,		/* u32 fwmark of diverted packets, != 0 */
	TLSI_A_ID,			/* u32 object id */
	__TLSI_A_MAX
};
#define TLSI_A_MAX (__TLSI_A_MAX - 1)

enum tlsi_cidr_attr {
	TLSI_CIDR_A_UNSPEC,
	TLSI_CIDR_A_FAMILY,
	TLSI_CIDR_A_ADDR,
	TLSI_CIDR_A_PREFIXLEN,
	__TLSI_CIDR_A_MAX
};
#define TLSI_CIDR_A_MAX (__TLSI_CIDR_A_MAX - 1)

enum tlsi_tm_action {
	TLSI_TM_BLOCK,		/* drop (and reset TCP with TLSI_RULE_F_RESET) */
	TLSI_TM_PERMIT,		/* allow; later tables still apply */
	TLSI_TM_TRUST,		/* allow and skip every later table */
	TLSI_TM_RATE_LIMIT,	/* allow up to RATE packets/s; later tables apply */
	__TLSI_TM_ACTION_MAX
};
#define TLSI_TM_ACTION_MAX (__TLSI_TM_ACTION_MAX - 1)

enum tlsi_rule_flags {
	TLSI_RULE_F_RESET = 1U << 0,	/* answer blocked TCP with a reset */
	__TLSI_RULE_F_ALL = TLSI_RULE_F_RESET
};

enum tlsi_rep_flags {
	TLSI_REP_F_REPLACE = 1U << 0,	/* commit replaces the whole table */
	__TLSI_REP_F_ALL = TLSI_REP_F_REPLACE
};

enum tlsi_ssl_service {
	TLSI_SSL_SERVICE_HTTP,
	TLSI_SSL_SERVICE_IMAP,
	TLSI_SSL_SERVICE_POP3,
	TLSI_SSL_SERVICE_SMTP,
	TLSI_SSL_SERVICE_OTHER,
	__TLSI_SSL_SERVICE_MAX
};
#define TLSI_SSL_SERVICE_MAX (__TLSI_SSL_SERVICE_MAX - 1)

enum tlsi_ssl_flags {
	TLSI_SSL_F_BLOCK_INVALID = 1U << 0,	/* refuse invalid server certificates */
	TLSI_SSL_F_BLOCK_EXPIRED = 1U << 1,	/* refuse expired server certificates */
	TLSI_SSL_F_RESET = 1U << 2,		/* reset the client on block */
	TLSI_SSL_F_LOGGING = 1U << 3,		/* SSL inspection log */
	__TLSI_SSL_F_ALL = 0xf
};

enum tlsi_flow_full_action {
	TLSI_FLOW_FULL_DROP,	/* new flows are dropped (fail closed) */
	TLSI_FLOW_FULL_BYPASS,	/* new flows pass untracked and uninspected */
	__TLSI_FLOW_FULL_MAX
};
#define TLSI_FLOW_FULL_MAX (__TLSI_FLOW_FULL_MAX - 1)

/* The table that decided; also names the source of an event. */
enum tlsi_table {
	TLSI_TABLE_NONE,
	TLSI_TABLE_BYPASS,
	TLSI_TABLE_TM,
	TLSI_TABLE_REPUTATION,
	TLSI_TABLE_QUARANTINE,
	TLSI_TABLE_FLOW,		/* the flow table itself (full) */
	__TLSI_TABLE_MAX
};
#define TLSI_TABLE_MAX (__TLSI_TABLE_MAX - 1)

enum tlsi_event_type {
	TLSI_EVENT_BLOCK,
	TLSI_EVENT_ALERT,
	TLSI_EVENT_QUARANTINE,		/* a host entered quarantine */
	__TLSI_EVENT_MAX
};
#define TLSI_EVENT_MAX (__TLSI_EVENT_MAX - 1)

/*
 * Device-wide counters, reported in TLSI_A_STATS (attribute type = index + 1,
 * u64), in /proc/net/tlsi/stats by name, and by "tlsictl stats".
 * X(enum suffix, stable name)
 */
#define TLSI_COUNTERS(X)						\
	X(PACKETS,		"packets")				\
	X(BYTES,		"bytes")				\
	X(NON_IPV4,		"non_ipv4_forwarded")			\
	X(NO_SEGMENT,		"no_segment_forwarded")			\
	X(FRAGMENTS,		"fragments")				\
	X(FLOWS_CREATED,	"flows_created")			\
	X(FLOWS_EXPIRED,	"flows_expired")			\
	X(FLOWS_RECLASSIFIED,	"flows_reclassified")			\
	X(BYPASS_HITS,		"bypass_hits")				\
	X(TM_HITS,		"tm_hits")				\
	X(TM_BLOCK,		"tm_block")				\
	X(TM_PERMIT,		"tm_permit")				\
	X(TM_TRUST,		"tm_trust")				\
	X(TM_RATE_LIMIT_PASS,	"tm_rate_limit_passed")			\
	X(REP_HITS,		"reputation_hits")			\
	X(REP_BLOCK,		"reputation_block")			\
	X(REP_ALERT,		"reputation_alert")			\
	X(QUAR_HITS,		"quarantine_hits")			\
	X(QUAR_EXPIRED,		"quarantine_expired")			\
	X(ACTION_FORWARD,	"action_forward")			\
	X(ACTION_DROP,		"action_drop")				\
	X(RESETS_SENT,		"tcp_resets_sent")			\
	X(RESETS_FAILED,	"tcp_resets_failed")			\
	X(DROP_TM_BLOCK,	"drop_tm_block")			\
	X(DROP_TM_RATE_LIMIT,	"drop_tm_rate_limit")			\
	X(DROP_REPUTATION,	"drop_reputation")			\
	X(DROP_QUARANTINE,	"drop_quarantine")			\
	X(DROP_FLOW_TABLE_FULL,	"drop_flow_table_full")			\
	X(DROP_NO_MEMORY,	"drop_no_memory")			\
	X(DROP_MALFORMED,	"drop_malformed")			\
	X(FLOW_FULL_BYPASS,	"flow_full_bypassed")			\
	X(EVENTS_SENT,		"events_sent")				\
	X(EVENTS_FAILED,	"events_failed")			\
	X(SSL_DIVERTED,		"ssl_diverted")				\
	X(SSL_NOT_DECRYPTED_SOURCE, "ssl_not_decrypted_source")		\
	X(SSL_NO_DAEMON,	"ssl_no_daemon_bypassed")		\
	X(SSL_SESSIONS_FULL,	"ssl_sessions_full_bypassed")		\
	X(SSL_STEERED,		"ssl_packets_steered")			\
	X(SSL_ASSIGNED,		"ssl_syn_assigned")			\
	X(DROP_SSL_STEER,	"drop_ssl_steer")

#define TLSI_COUNTER_ENUM(name, str) TLSI_CNT_##name,
enum tlsi_counter {
	TLSI_COUNTERS(TLSI_COUNTER_ENUM)
	__TLSI_CNT_MAX
};
#undef TLSI_COUNTER_ENUM

#endif /* _UAPI_LINUX_TLSI_H */
