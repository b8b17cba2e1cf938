/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tlsi: inline TLS inspection and intrusion prevention on a Linux bridge.
 *
 * This is the one definition of the interface between tlsi.ko and userspace.
 * Userspace builds against this file with -isystem include; never copy it.
 *
 * Generic netlink family "tlsi", version 1, one multicast group "events".
 * All state is per network namespace. Every command but STATS_GET (reads
 * included) and the "events" group need CAP_NET_ADMIN: in the initial user
 * namespace, or with the module parameter userns_admin=1 in the network
 * namespace's own user namespace. Attributes are validated strictly, per
 * command: an unknown attribute, one the command does not take
 * (TLSI_CMD_ATTRS below), a wrong length or a value out of range
 * (TLSI_ATTRS below) is refused with an extack message that names it.
 *
 * Attribute trees (flat attributes of enum tlsi_attr unless nested):
 *
 *   cidr (nest, enum tlsi_cidr_attr):
 *     TLSI_CIDR_A_FAMILY     u8   AF_INET or AF_INET6
 *     TLSI_CIDR_A_ADDR       binary, 4 or 16 bytes, network order (an
 *                            IPv4-mapped IPv6 prefix is refused: use IPv4)
 *     TLSI_CIDR_A_PREFIXLEN  u8   0..32 or 0..128; host bits must be zero
 *
 *   TLSI_CMD_PROFILE_NEW / _SET   NAME, [REP_BLOCK_THRESHOLD], [REP_ALERT_THRESHOLD],
 *                                 [INSPECT_DEPTH] (sessions diverted under the
 *                                 profile from then on), [SSL_NO_DAEMON]
 *                                 (new SSL flows while tlsid is not listening),
 *                                 [INSPECT_CLEARTEXT] (0/1, default 1: new
 *                                 cleartext TCP flows and UDP datagrams go
 *                                 through the IPS rules), [LOCKED], [UNLOCK]
 *                                 (SET: the settings are replaced whole,
 *                                 packets see the old or the new ones)
 *   TLSI_CMD_PROFILE_DEL          NAME, [UNLOCK] (refused while a segment uses it)
 *   TLSI_CMD_PROFILE_GET (dump)   -> NAME, REP_*_THRESHOLD, INSPECT_DEPTH,
 *                                 SSL_NO_DAEMON, INSPECT_CLEARTEXT, LOCKED, REFCNT
 *
 *   Locked objects (profiles, SSL policies): SET and DEL of an object whose
 *   LOCKED is 1 are refused with EPERM ("... is locked") unless the request
 *   carries UNLOCK 1; LOCKED 0 with UNLOCK unlocks it. NEW may set LOCKED.
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
 *                                 FLOWS_CURRENT, FLOWS_PEAK, MAX_FLOWS,
 *                                 SSL_ACTIVE, RELAY_ACTIVE
 *   TLSI_CMD_STATS_RESET          zeroes counters and hits (not flows)
 *
 *   TLSI_CMD_SSL_PROXY_NEW        NAME (< TLSI_SSL_NAME_MAX), PORTS, [DESCRIPTION],
 *                                 [CERT] (signing certificate name), [SERVICE],
 *                                 [SSL_FLAGS], [MIN_RSA_BITS], [MIN_DH_BITS],
 *                                 [MIN_EC_BITS], [MIN_VERSION], [MAX_VERSION]
 *                                 (TLS wire versions, min <= max; default
 *                                 TLS 1.2 to 1.3), [CLIENT_CIPHERS],
 *                                 [SERVER_CIPHERS] (cipher suite selections,
 *                                 tlsictl's syntax, checked by tlsictl;
 *                                 default "default"), [SSL_ROLE] (enum
 *                                 tlsi_ssl_role, default client). A server
 *                                 proxy (SSL server inspection) also needs
 *                                 DESTINATIONS (the protected servers, 1 to
 *                                 TLSI_SSL_DESTS_MAX cidr nests) and
 *                                 CERT_NAMES (its certificates: names,
 *                                 each NUL-terminated, 1 to
 *                                 TLSI_SSL_SERVER_CERTS_MAX, duplicates
 *                                 dropped; the first is the default); CERT
 *                                 is a client proxy's only
 *   TLSI_CMD_SSL_PROXY_DEL        NAME (refused while a policy uses it)
 *   TLSI_CMD_SSL_PROXY_GET (dump) -> the above + REFCNT + ID; a server
 *                                 proxy's CERT_NAMES may be split over
 *                                 several messages with the same NAME
 *                                 (append them in order)
 *   TLSI_CMD_SSL_POLICY_NEW       NAME, PROFILE, PROXY, [ENABLED] (default 1),
 *                                 [TRUST_STORE], [NEVER_DECRYPT], [ALWAYS_DECRYPT]
 *                                 (a policy name is unique in its profile; the
 *                                 proxies of one profile's policies of one
 *                                 role may not share a detection port, and
 *                                 for server proxies a destination too. A
 *                                 server policy is decided before the client
 *                                 ones: it wins for the same flow)
 *                                 [LOCKED]
 *   TLSI_CMD_SSL_POLICY_SET       NAME, PROFILE, [ENABLED], [TRUST_STORE],
 *                                 [NEVER_DECRYPT], [ALWAYS_DECRYPT], [LOCKED],
 *                                 [UNLOCK]
 *   TLSI_CMD_SSL_POLICY_DEL       NAME, PROFILE, [UNLOCK]
 *   TLSI_CMD_SSL_POLICY_GET (dump) -> the above + ID
 *
 *   TLSI_CMD_EVENT (multicast "events")
 *                                 EVENT_TYPE, TABLE, [NAME] (rule), [SEGMENT],
 *                                 [PROFILE], SRC, [DST] (/32), [PROTO],
 *                                 [SPORT], [DPORT], [VLAN], [SCORE], [CATEGORY],
 *                                 [REASON], [TIMEOUT]
 *                                 IPS alerts (EVENT_TYPE IPS_ALERT, TABLE IPS):
 *                                 SID, GID, REV, MSG, [CLASSTYPE], PRIORITY,
 *                                 IPS_ACTION (the rule's), BLOCKED (0/1: the
 *                                 flow is blocked), DIRECTION, SRC (client),
 *                                 DST (server), SPORT, DPORT, PROTO, FLOW_ID,
 *                                 TIMESTAMP, SSL_INSPECTED, [APP_PROTO],
 *                                 [HTTP_HOST], [HTTP_URL], [HTTP_METHOD],
 *                                 [HTTP_USER_AGENT], [HTTP_STATUS], [TLS_SNI],
 *                                 [QUARANTINED + TIMEOUT]
 *
 *   IPS rules (the filter engine; the image format is engine/image.h):
 *   TLSI_CMD_RULES_LOAD           BATCH, RULES_OFFSET, RULES_DATA (1..
 *                                 TLSI_RULES_CHUNK_MAX bytes): staged, not yet
 *                                 live. Chunks come in order (offset = bytes
 *                                 staged so far); the first (offset 0) holds
 *                                 at least the image header, whose size field
 *                                 (<= TLSI_RULES_IMAGE_MAX) sizes the staging
 *                                 buffer. A new BATCH discards an unfinished
 *                                 one; a refused chunk discards its batch.
 *   TLSI_CMD_RULES_COMMIT         BATCH: the whole image is validated and
 *                                 replaces the live rules at once, or is
 *                                 refused (extack: what is wrong) and the live
 *                                 rules stay -> COUNT, RULES_SIZE,
 *                                 RULES_BUILD_ID
 *   TLSI_CMD_RULES_ABORT          BATCH
 *   TLSI_CMD_RULES_GET            -> COUNT (rules), RULES_SIZE, RULES_BUILD_ID,
 *                                 RULES_LOADED, RULES_IMG_FLAGS, VARS_CHANGED,
 *                                 IPS_SESSIONS, IPS_SESSION_BYTES,
 *                                 IPS_SCRATCH_BYTES, IPS_MEMORY; without
 *                                 rules loaded: IPS_SESSIONS etc. only
 *                  (dump)         [SID], [FLAGS: TLSI_RULES_F_HIT] -> per rule:
 *                                 SID, GID, REV, MSG, [CLASSTYPE], PRIORITY,
 *                                 IPS_ACTION, HITS, ALERTS, DROPS
 *   TLSI_CMD_RULES_FLUSH          unload the rules (inspection stops)
 *   TLSI_CMD_RULES_VAR_SET        RULES_VARS { RULES_VAR { NAME, VAR_KIND,
 *                                 VAR_ITEMS } ... } (<= TLSI_RULES_VARS_MAX):
 *                                 new values of variables of the loaded image,
 *                                 applied together, without recompiling
 *   TLSI_CMD_RULES_VAR_GET (dump) -> NAME, VAR_KIND, VAR_ITEMS
 *                                 VAR_ITEMS: the image's little-endian struct
 *                                 tlsi_img_addr (24 bytes, VAR_KIND 1) or
 *                                 tlsi_img_port (12 bytes, VAR_KIND 2) array,
 *                                 1..TLSI_RULES_VAR_ITEMS_MAX items, no
 *                                 variable references
 *   TLSI_CMD_IPS_GET / _SET       [IPS_QUARANTINE] (0/1: quarantine the client
 *                                 of every blocked flow), [TIMEOUT] (of those
 *                                 quarantines, s, 0 = never expires),
 *                                 [IPS_DEPTH] (bytes inspected per direction,
 *                                 0 = all), [IPS_BODY_DEPTH] (bytes of each
 *                                 HTTP body, 0 = all), [IPS_TRACE] (enum
 *                                 tlsi_ips_trace), [IPS_TRACE_BYTES] (per
 *                                 flow, 1..TLSI_TRACE_BUFFER_MAX),
 *                                 [IPS_TRACE_BUFFER] (per namespace,
 *                                 TLSI_TRACE_BUFFER_MIN..TLSI_TRACE_BUFFER_MAX;
 *                                 shrinking it evicts the oldest records);
 *                                 GET also -> TRACE_USED, TRACE_RECORDS
 *
 *   Packet trace (IPS action "trace": decrypted data of traced flows):
 *   TLSI_CMD_TRACE_GET (dump)     [FLOW_ID] (only that flow; refused with
 *                                 ENOENT when it has no records),
 *                                 [FLAGS: TLSI_TRACE_DUMP_F_*] -> per record
 *                                 (or per piece of at most
 *                                 TLSI_TRACE_PIECE_MAX bytes of one): FLOW_ID,
 *                                 SRC (client), DST (server), SPORT (client's),
 *                                 DPORT (server's), DIRECTION, TRACE_OFFSET
 *                                 (of the data in its direction's stream),
 *                                 TIMESTAMP, SID (the rule that started the
 *                                 trace), TRACE_FLAGS, BYTES (of the data),
 *                                 TRACE_ID, [TRACE_DATA] (not with
 *                                 HEADERS_ONLY)
 *   TLSI_CMD_TRACE_CLEAR          [FLOW_ID], [TRACE_ID]: drop the records (of
 *                                 that flow; with ids up to TRACE_ID, i.e.
 *                                 what a dump returned); ENOENT when a
 *                                 FLOW_ID has none
 */
#ifndef _UAPI_LINUX_TLSI_H
#define _UAPI_LINUX_TLSI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TLSI_GENL_NAME		"tlsi"
#define TLSI_GENL_VERSION	1
#define TLSI_GENL_MCGRP_EVENTS	"events"

/* Object names: profiles, segments, bypass rules, TM filters. */
#define TLSI_NAME_MAX		32	/* including the NUL */
#define TLSI_CATEGORY_MAX	32	/* including the NUL */
#define TLSI_REASON_MAX		128	/* including the NUL */
#define TLSI_VLANS_MAX		64	/* VLAN IDs per segment */
#define TLSI_IFNAME_MAX		16	/* = IFNAMSIZ: a bridge port's name, with the NUL */
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
#define TLSI_SSL_DESTS_MAX	64	/* destinations per server proxy */
#define TLSI_SSL_SERVER_CERTS_MAX 1000	/* certificates per server proxy */
#define TLSI_SSL_SESSIONS_LIMIT	1000000
#define TLSI_TLS_VERSION_MIN	0x0301	/* TLS 1.0: SSL 3.0 is never offered */
#define TLSI_TLS_VERSION_MAX	0x0304	/* TLS 1.3 */
#define TLSI_TLS_VERSION_DEFAULT_MIN	0x0303	/* an SSL proxy's: TLS 1.2 */
#define TLSI_CIPHERS_MAX	512	/* a cipher suite selection, with the NUL */
#define TLSI_CIPHERS_DEFAULT	"default"	/* forward-secret AEAD suites */
#define TLSI_SSL_MIN_DH_BITS_DEFAULT	2048
#define TLSI_SSL_MIN_EC_BITS_DEFAULT	224

struct tlsi_port_range_uapi {
	__u16 min;
	__u16 max;
};

/* A profile's inspection depth that defers to the IPS setting (IPS_DEPTH). */
#define TLSI_INSPECT_DEPTH_DEFAULT	0xffffffffu

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
	TLSI_CMD_RULES_LOAD,
	TLSI_CMD_RULES_COMMIT,
	TLSI_CMD_RULES_ABORT,
	TLSI_CMD_RULES_GET,
	TLSI_CMD_RULES_FLUSH,
	TLSI_CMD_RULES_VAR_SET,
	TLSI_CMD_RULES_VAR_GET,
	TLSI_CMD_IPS_GET,
	TLSI_CMD_IPS_SET,
	TLSI_CMD_TRACE_GET,
	TLSI_CMD_TRACE_CLEAR,
	__TLSI_CMD_MAX
};
#define TLSI_CMD_MAX (__TLSI_CMD_MAX - 1)

/*
 * The attributes of enum tlsi_attr, each written once here:
 * X(ATTR, type, check...), numbered from 1 in this order (append new ones at
 * the end; never reorder or remove one). The kernel's policies, tlsictl's
 * names and the fuzzer are generated from this table.
 *   type   U8, U16, U32, U64 (host order), NUL_STRING, BINARY, NESTED, UNSPEC
 *   check  what a command that takes the attribute accepts; anything else
 *          is refused with an extack message that names the attribute:
 *     ANY              any value of the type
 *     RANGE, min, max  an integer in min..max
 *     LEN, max         a string of at most max characters (and its NUL), or
 *                      at most max bytes of binary
 *     NEST, cidr       a nest of enum tlsi_cidr_attr
 *     NESTS, ITEM      a nest of ITEM nests, each taking what
 *                      TLSI_ITEM_ATTRS lists for ITEM
 *     ITEM             only inside such a nest
 *     OUT              only in the kernel's replies and events
 */
#define TLSI_ATTRS(X)                                                                             \
	X(NAME,               NUL_STRING, LEN, TLSI_SSL_NAME_MAX - 1)                             \
	X(PROFILE,            NUL_STRING, LEN, TLSI_NAME_MAX - 1)                                 \
	X(SEGMENT,            NUL_STRING, LEN, TLSI_NAME_MAX - 1)                                 \
	/* < IFNAMSIZ, a bridge port */                                                           \
	X(PORT_A,             NUL_STRING, LEN, TLSI_IFNAME_MAX - 1)                               \
	/* < IFNAMSIZ, a bridge port */                                                           \
	X(PORT_B,             NUL_STRING, LEN, TLSI_IFNAME_MAX - 1)                               \
	/* __u16[] 1..4094, <= TLSI_VLANS_MAX */                                                  \
	X(VLANS,              BINARY, LEN, TLSI_VLANS_MAX * 2)                                    \
	X(VLAN,               U16, RANGE, 1, 4094)                                                \
	X(SRC,                NESTED, NEST, cidr)                                                 \
	X(DST,                NESTED, NEST, cidr)                                                 \
	X(PROTO,              U8, ANY)                    /* IPPROTO_* (0 = any is "absent") */   \
	X(SPORT_MIN,          U16, ANY)                                                           \
	X(SPORT_MAX,          U16, ANY)                                                           \
	X(DPORT_MIN,          U16, ANY)                                                           \
	X(DPORT_MAX,          U16, ANY)                                                           \
	X(ACTION,             U8, RANGE, 0, TLSI_TM_ACTION_MAX) /* enum tlsi_tm_action */         \
	X(RATE,               U32, RANGE, 1, TLSI_RATE_MAX) /* packets per second, >= 1 */        \
	X(FLAGS,              U32, ANY)                   /* TLSI_RULE_F_* / TLSI_REP_F_* */      \
	X(POSITION,           U32, ANY)                   /* 0-based; absent = append */        \
	X(HITS,               U64, OUT)                                                           \
	X(SCORE,              U8, RANGE, 0, 100)                                                  \
	X(CATEGORY,           NUL_STRING, LEN, TLSI_CATEGORY_MAX - 1)                             \
	X(REP_BLOCK_THRESHOLD, U8, RANGE, 0, 101)         /* 101 = never block */                 \
	X(REP_ALERT_THRESHOLD, U8, RANGE, 0, 101)         /* 101 = never alert */                 \
	X(REP_ENTRIES,        NESTED, NESTS, REP_ENTRY)   /* of TLSI_A_REP_ENTRY */               \
	X(REP_ENTRY,          NESTED, ITEM)               /* SRC, SCORE, [CATEGORY] */            \
	X(BATCH,              U32, RANGE, 1, 0xffffffff)  /* batch id chosen by the sender */     \
	X(TIMEOUT,            U32, RANGE, 0, TLSI_TIMEOUT_MAX) /* seconds, 0 = never expires */   \
	X(REASON,             NUL_STRING, LEN, TLSI_REASON_MAX - 1)                               \
	X(REFCNT,             U32, OUT)                   /* users of a profile */                \
	X(PACKETS,            U64, OUT)                                                           \
	X(BYTES,              U64, OUT)                                                           \
	X(STATS,              NESTED, OUT)                /* u64 per enum tlsi_counter */         \
	X(FLOWS_CURRENT,      U32, OUT)                                                           \
	X(FLOWS_PEAK,         U32, OUT)                                                           \
	X(MAX_FLOWS,          U32, RANGE, 1, TLSI_FLOWS_LIMIT)                                    \
	X(FLOW_FULL_ACTION,   U8, RANGE, 0, TLSI_FLOW_FULL_MAX) /* enum tlsi_flow_full_action */  \
	X(TIMEOUT_TCP_SYN,    U32, RANGE, 1, 86400)       /* seconds 1..86400 */                  \
	X(TIMEOUT_TCP_EST,    U32, RANGE, 1, 864000)      /* seconds 1..864000 */                 \
	X(TIMEOUT_TCP_CLOSE,  U32, RANGE, 1, 86400)       /* seconds 1..86400 */                  \
	X(TIMEOUT_UDP,        U32, RANGE, 1, 86400)       /* seconds 1..86400 */                  \
	X(TIMEOUT_ICMP,       U32, RANGE, 1, 86400)       /* seconds 1..86400 */                  \
	X(TIMEOUT_OTHER,      U32, RANGE, 1, 86400)       /* seconds 1..86400 */                  \
	X(EVENT_TYPE,         U8, OUT)                    /* enum tlsi_event_type */              \
	X(TABLE,              U8, OUT)                    /* enum tlsi_table */                   \
	X(SPORT,              U16, OUT)                                                           \
	X(DPORT,              U16, OUT)                                                           \
	X(PAD,                UNSPEC, OUT)                                                        \
	/* number of entries (REP_COMMIT reply) */                                                \
	X(COUNT,              U32, OUT)                                                           \
	X(DESCRIPTION,        NUL_STRING, LEN, TLSI_DESCRIPTION_MAX - 1)                          \
	X(PROXY,              NUL_STRING, LEN, TLSI_SSL_NAME_MAX - 1)                             \
	X(CERT,               NUL_STRING, LEN, TLSI_CERT_NAME_MAX - 1)                            \
	/* struct tlsi_port_range_uapi[], 1..TLSI_SSL_PORTS_MAX */                                \
	X(PORTS,              BINARY, LEN, TLSI_SSL_PORTS_MAX * 4)                                \
	X(SERVICE,            U8, RANGE, 0, TLSI_SSL_SERVICE_MAX) /* enum tlsi_ssl_service */     \
	X(SSL_FLAGS,          U32, ANY)                   /* TLSI_SSL_F_* */                      \
	X(MIN_RSA_BITS,       U16, RANGE, 0, 16384)       /* 0 (any) or 1024..16384 */            \
	X(ENABLED,            U8, RANGE, 0, 1)            /* 0 or 1 */                            \
	X(TRUST_STORE,        NUL_STRING, LEN, TLSI_CERT_NAME_MAX - 1)                            \
	/* of cidr nests (type 1..n), <= TLSI_SSL_CIDRS_MAX */                                    \
	X(NEVER_DECRYPT,      NESTED, ANY)                                                        \
	/* of cidr nests (type 1..n), <= TLSI_SSL_CIDRS_MAX */                                    \
	X(ALWAYS_DECRYPT,     NESTED, ANY)                                                        \
	X(SSL_CLIENT,         U8, RANGE, 0, 1)            /* 0/1: client SSL inspection on */     \
	X(MAX_SSL_SESSIONS,   U32, RANGE, 1, TLSI_SSL_SESSIONS_LIMIT)                             \
	/* tlsid's transparent listener, 0 = none */                                              \
	X(DIVERT_PORT,        U16, ANY)                                                           \
	X(DIVERT_MARK,        U32, RANGE, 1, 0xffffffff)  /* fwmark of diverted packets, != 0 */  \
	X(ID,                 U32, OUT)                   /* object id */                         \
	X(RULES_OFFSET,       U32, ANY)                   /* byte offset of a RULES_LOAD chunk */ \
	X(RULES_DATA,         BINARY, LEN, TLSI_RULES_CHUNK_MAX) /* image bytes */                \
	X(RULES_SIZE,         U32, OUT)                   /* image bytes */                       \
	X(RULES_BUILD_ID,     U32, OUT)                   /* the compiler's build id */           \
	/* load time, seconds since the epoch */                                                  \
	X(RULES_LOADED,       U64, OUT)                                                           \
	X(RULES_IMG_FLAGS,    U32, OUT)                   /* the image's TLSI_IMG_F_* */          \
	X(SID,                U32, ANY)                                                           \
	X(GID,                U32, OUT)                                                           \
	X(REV,                U32, OUT)                                                           \
	X(MSG,                NUL_STRING, OUT)            /* a rule's message */                \
	X(CLASSTYPE,          NUL_STRING, OUT)                                                    \
	X(PRIORITY,           U8, OUT)                    /* 1 (high) .. 255 */                   \
	/* enum tlsi_ips_action: a rule's action */                                               \
	X(IPS_ACTION,         U8, OUT)                                                            \
	X(ALERTS,             U64, OUT)                                                           \
	X(DROPS,              U64, OUT)                                                           \
	X(BLOCKED,            U8, OUT)                    /* 0/1: the alert's flow is blocked */  \
	X(DIRECTION,          U8, OUT)                    /* enum tlsi_ips_dir of the data */     \
	X(APP_PROTO,          NUL_STRING, OUT)            /* http, tls, smtp, imap, pop3 */       \
	X(HTTP_HOST,          NUL_STRING, OUT)                                                    \
	X(HTTP_URL,           NUL_STRING, OUT)                                                    \
	X(HTTP_METHOD,        NUL_STRING, OUT)                                                    \
	X(HTTP_USER_AGENT,    NUL_STRING, OUT)                                                    \
	X(HTTP_STATUS,        U16, OUT)                                                           \
	X(TLS_SNI,            NUL_STRING, OUT)                                                    \
	X(SSL_INSPECTED,      U8, OUT)                    /* 0/1: the stream was decrypted */     \
	X(FLOW_ID,            U64, ANY)                   /* a session's id in events */          \
	X(TIMESTAMP,          U64, OUT)                   /* ns since the epoch */                \
	X(RULES_VARS,         NESTED, NESTS, RULES_VAR)   /* of TLSI_A_RULES_VAR */               \
	X(RULES_VAR,          NESTED, ITEM)               /* NAME, VAR_KIND, VAR_ITEMS */         \
	X(VAR_KIND,           U8, RANGE, 1, 2)            /* 1 = addresses, 2 = ports */          \
	/* see TLSI_CMD_RULES_VAR_GET */                                                        \
	X(VAR_ITEMS,          BINARY, LEN, TLSI_RULES_VAR_ITEMS_MAX * 24)                         \
	X(VARS_CHANGED,       U32, OUT)                   /* variable changes since the load */   \
	X(IPS_QUARANTINE,     U8, RANGE, 0, 1)            /* 0/1 */                               \
	X(IPS_DEPTH,          U32, ANY)                   /* bytes per direction, 0 = all */      \
	X(IPS_BODY_DEPTH,     U32, ANY)                   /* bytes per HTTP body, 0 = all */      \
	X(IPS_SESSIONS,       U32, OUT)                   /* sessions with engine state */        \
	X(IPS_SESSION_BYTES,  U32, OUT)                   /* engine state per session */          \
	X(IPS_SCRATCH_BYTES,  U32, OUT)                   /* working memory per CPU */            \
	X(IPS_MEMORY,         U64, OUT)                   /* bytes held for the loaded rules */   \
	/* 0/1: the alert quarantined the client */                                               \
	X(QUARANTINED,        U8, OUT)                                                            \
	/* diverted connections holding a slot */                                                 \
	X(SSL_ACTIVE,         U32, OUT)                                                           \
	X(RELAY_ACTIVE,       U32, OUT)                   /* sessions the kernel relays now */    \
	/* a profile's inspection depth: bytes per direction, 0 = all,                            \
	 * TLSI_INSPECT_DEPTH_DEFAULT = the IPS setting (IPS_DEPTH) */                            \
	X(INSPECT_DEPTH,      U32, ANY)                                                           \
	X(IPS_TRACE,          U8, RANGE, 0, TLSI_IPS_TRACE_MAX) /* enum tlsi_ips_trace */         \
	X(IPS_TRACE_BYTES,    U32, RANGE, 1, TLSI_TRACE_BUFFER_MAX) /* traced bytes per flow */   \
	/* bytes of trace records per namespace */                                                \
	X(IPS_TRACE_BUFFER,   U32, RANGE, TLSI_TRACE_BUFFER_MIN, TLSI_TRACE_BUFFER_MAX)           \
	X(TRACE_OFFSET,       U64, OUT)                   /* stream offset of TRACE_DATA */       \
	X(TRACE_DATA,         BINARY, OUT)                /* decrypted bytes of a traced flow */  \
	X(TRACE_FLAGS,        U32, OUT)                   /* TLSI_TRACE_F_* of a record */        \
	X(TRACE_USED,         U64, OUT)                   /* bytes held by trace records */       \
	X(TRACE_RECORDS,      U32, OUT)                   /* trace records held */                \
	/* a trace record's id (ids only grow) */                                                 \
	X(TRACE_ID,           U64, ANY)                                                           \
	/* enum tlsi_ssl_no_daemon */                                                             \
	X(SSL_NO_DAEMON,      U8, RANGE, 0, TLSI_SSL_NO_DAEMON_MAX)                              \
	/* 0/1: a profile's cleartext TCP and UDP flows are inspected */                          \
	X(INSPECT_CLEARTEXT,  U8, RANGE, 0, 1)                                                \
	/* an SSL client policy's decryption policy (tlsid's files), "" = none */                \
	X(DECRYPT_POLICY,     NUL_STRING, LEN, TLSI_SSL_NAME_MAX - 1)                             \
	/* 0/1: a profile or SSL policy is locked (see "Locked objects") */                      \
	X(LOCKED,             U8, RANGE, 0, 1)                                                    \
	/* 1: this SET or DEL may change a locked object */                                       \
	X(UNLOCK,             U8, RANGE, 1, 1)                                                    \
	/* an SSL proxy's smallest DH and EC server keys accepted, 0 = any */                     \
	X(MIN_DH_BITS,        U16, RANGE, 0, 16384)                                               \
	X(MIN_EC_BITS,        U16, RANGE, 0, 1024)                                                \
	/* an SSL proxy's protocol range, TLS wire versions (0x0301 = TLS 1.0) */                 \
	X(MIN_VERSION,        U16, RANGE, TLSI_TLS_VERSION_MIN, TLSI_TLS_VERSION_MAX)             \
	X(MAX_VERSION,        U16, RANGE, TLSI_TLS_VERSION_MIN, TLSI_TLS_VERSION_MAX)             \
	/* an SSL proxy's cipher suites facing the client and the server */                       \
	X(CLIENT_CIPHERS,     NUL_STRING, LEN, TLSI_CIPHERS_MAX - 1)                              \
	X(SERVER_CIPHERS,     NUL_STRING, LEN, TLSI_CIPHERS_MAX - 1)                              \
	X(SSL_ROLE,           U8, RANGE, 0, TLSI_SSL_ROLE_MAX) /* enum tlsi_ssl_role */          \
	/* a server proxy's protected servers: cidr nests (type 1..n) */                          \
	X(DESTINATIONS,       NESTED, ANY)                                                        \
	/* a server proxy's certificate names, each NUL-terminated */                            \
	X(CERT_NAMES,         BINARY, LEN, TLSI_SSL_SERVER_CERTS_MAX * TLSI_CERT_NAME_MAX)       \
	X(SSL_SERVER,         U8, RANGE, 0, 1)            /* 0/1: server SSL inspection on */

#define TLSI_ATTR_ENUM(attr, ...) TLSI_A_##attr,
enum tlsi_attr {
	TLSI_A_UNSPEC,
	TLSI_ATTRS(TLSI_ATTR_ENUM)
	__TLSI_A_MAX
};
#undef TLSI_ATTR_ENUM
#define TLSI_A_MAX (__TLSI_A_MAX - 1)

/*
 * The attributes each command takes: C(CMD, TLSI_A_...). Any other is
 * refused ("attribute RATE is not taken by PROFILE_NEW"); which of them a
 * command requires, and what they mean, is in the attribute trees at the top.
 * A command with both a do and a dump (REP_GET, RULES_GET) takes what either
 * takes. TLSI_CMD_EVENT is sent by the kernel only.
 */
#define TLSI_CMD_ATTRS(C)									\
	C(PROFILE_NEW, TLSI_A_NAME, TLSI_A_REP_BLOCK_THRESHOLD,					\
		TLSI_A_REP_ALERT_THRESHOLD, TLSI_A_INSPECT_DEPTH, TLSI_A_SSL_NO_DAEMON,		\
		TLSI_A_INSPECT_CLEARTEXT, TLSI_A_LOCKED)					\
	C(PROFILE_SET, TLSI_A_NAME, TLSI_A_REP_BLOCK_THRESHOLD,					\
		TLSI_A_REP_ALERT_THRESHOLD, TLSI_A_INSPECT_DEPTH, TLSI_A_SSL_NO_DAEMON,		\
		TLSI_A_INSPECT_CLEARTEXT, TLSI_A_LOCKED, TLSI_A_UNLOCK)				\
	C(PROFILE_DEL, TLSI_A_NAME, TLSI_A_UNLOCK)								\
	C(PROFILE_GET)										\
	C(SEGMENT_NEW, TLSI_A_NAME, TLSI_A_PROFILE, TLSI_A_PORT_A, TLSI_A_PORT_B,		\
		TLSI_A_VLANS, TLSI_A_SRC, TLSI_A_DST, TLSI_A_POSITION)				\
	C(SEGMENT_DEL, TLSI_A_NAME)								\
	C(SEGMENT_GET)										\
	C(BYPASS_NEW, TLSI_A_NAME, TLSI_A_SRC, TLSI_A_DST, TLSI_A_PROTO,			\
		TLSI_A_SPORT_MIN, TLSI_A_SPORT_MAX, TLSI_A_DPORT_MIN, TLSI_A_DPORT_MAX,		\
		TLSI_A_VLAN)									\
	C(BYPASS_DEL, TLSI_A_NAME)								\
	C(BYPASS_GET)										\
	C(BYPASS_FLUSH)										\
	C(TM_NEW, TLSI_A_NAME, TLSI_A_ACTION, TLSI_A_RATE, TLSI_A_PROFILE, TLSI_A_SRC,		\
		TLSI_A_DST, TLSI_A_PROTO, TLSI_A_SPORT_MIN, TLSI_A_SPORT_MAX,			\
		TLSI_A_DPORT_MIN, TLSI_A_DPORT_MAX, TLSI_A_FLAGS, TLSI_A_POSITION)		\
	C(TM_DEL, TLSI_A_NAME)									\
	C(TM_GET)										\
	C(TM_FLUSH)										\
	C(REP_NEW, TLSI_A_SRC, TLSI_A_SCORE, TLSI_A_CATEGORY)					\
	C(REP_DEL, TLSI_A_SRC)									\
	C(REP_GET, TLSI_A_SRC)									\
	C(REP_FLUSH)										\
	C(REP_LOAD, TLSI_A_BATCH, TLSI_A_REP_ENTRIES)						\
	C(REP_COMMIT, TLSI_A_BATCH, TLSI_A_FLAGS)						\
	C(REP_ABORT, TLSI_A_BATCH)								\
	C(QUAR_NEW, TLSI_A_SRC, TLSI_A_TIMEOUT, TLSI_A_REASON)					\
	C(QUAR_DEL, TLSI_A_SRC)									\
	C(QUAR_GET)										\
	C(QUAR_FLUSH)										\
	C(CONFIG_GET)										\
	C(CONFIG_SET, TLSI_A_MAX_FLOWS, TLSI_A_FLOW_FULL_ACTION, TLSI_A_TIMEOUT_TCP_SYN,	\
		TLSI_A_TIMEOUT_TCP_EST, TLSI_A_TIMEOUT_TCP_CLOSE, TLSI_A_TIMEOUT_UDP,		\
		TLSI_A_TIMEOUT_ICMP, TLSI_A_TIMEOUT_OTHER, TLSI_A_SSL_CLIENT,			\
		TLSI_A_MAX_SSL_SESSIONS, TLSI_A_DIVERT_PORT, TLSI_A_DIVERT_MARK,		\
		TLSI_A_SSL_SERVER)		\
	C(STATS_GET)										\
	C(STATS_RESET)										\
	C(SSL_PROXY_NEW, TLSI_A_NAME, TLSI_A_PORTS, TLSI_A_DESCRIPTION, TLSI_A_CERT,		\
		TLSI_A_SERVICE, TLSI_A_SSL_FLAGS, TLSI_A_MIN_RSA_BITS, TLSI_A_MIN_DH_BITS,	\
		TLSI_A_MIN_EC_BITS, TLSI_A_MIN_VERSION, TLSI_A_MAX_VERSION,			\
		TLSI_A_CLIENT_CIPHERS, TLSI_A_SERVER_CIPHERS, TLSI_A_SSL_ROLE,			\
		TLSI_A_DESTINATIONS, TLSI_A_CERT_NAMES)						\
	C(SSL_PROXY_DEL, TLSI_A_NAME)								\
	C(SSL_PROXY_GET)									\
	C(SSL_POLICY_NEW, TLSI_A_NAME, TLSI_A_PROFILE, TLSI_A_PROXY, TLSI_A_ENABLED,		\
		TLSI_A_TRUST_STORE, TLSI_A_NEVER_DECRYPT, TLSI_A_ALWAYS_DECRYPT,		\
		TLSI_A_DECRYPT_POLICY, TLSI_A_LOCKED)						\
	C(SSL_POLICY_SET, TLSI_A_NAME, TLSI_A_PROFILE, TLSI_A_ENABLED,				\
		TLSI_A_TRUST_STORE, TLSI_A_NEVER_DECRYPT, TLSI_A_ALWAYS_DECRYPT,		\
		TLSI_A_DECRYPT_POLICY, TLSI_A_LOCKED, TLSI_A_UNLOCK)				\
	C(SSL_POLICY_DEL, TLSI_A_NAME, TLSI_A_PROFILE, TLSI_A_UNLOCK)						\
	C(SSL_POLICY_GET)									\
	C(RULES_LOAD, TLSI_A_BATCH, TLSI_A_RULES_OFFSET, TLSI_A_RULES_DATA)			\
	C(RULES_COMMIT, TLSI_A_BATCH)								\
	C(RULES_ABORT, TLSI_A_BATCH)								\
	C(RULES_GET, TLSI_A_SID, TLSI_A_FLAGS)							\
	C(RULES_FLUSH)										\
	C(RULES_VAR_SET, TLSI_A_RULES_VARS)							\
	C(RULES_VAR_GET)									\
	C(IPS_GET)										\
	C(IPS_SET, TLSI_A_IPS_QUARANTINE, TLSI_A_TIMEOUT, TLSI_A_IPS_DEPTH,			\
		TLSI_A_IPS_BODY_DEPTH, TLSI_A_IPS_TRACE, TLSI_A_IPS_TRACE_BYTES,		\
		TLSI_A_IPS_TRACE_BUFFER)							\
	C(TRACE_GET, TLSI_A_FLOW_ID, TLSI_A_FLAGS)						\
	C(TRACE_CLEAR, TLSI_A_FLOW_ID, TLSI_A_TRACE_ID)

/* The attributes inside each element of a NESTS attribute: C(ITEM, TLSI_A_...). */
#define TLSI_ITEM_ATTRS(C)									\
	C(REP_ENTRY, TLSI_A_SRC, TLSI_A_SCORE, TLSI_A_CATEGORY)					\
	C(RULES_VAR, TLSI_A_NAME, TLSI_A_VAR_KIND, TLSI_A_VAR_ITEMS)

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

/* What a proxy's decrypted stream carries: HTTP, IMAP, POP3 and SMTP choose
 * that decoder without detection (the guide's "decrypted service"). */
enum tlsi_ssl_service {
	TLSI_SSL_SERVICE_HTTP,
	TLSI_SSL_SERVICE_IMAP,
	TLSI_SSL_SERVICE_POP3,
	TLSI_SSL_SERVICE_SMTP,
	TLSI_SSL_SERVICE_OTHER,	/* no application decoder: raw-stream rules only */
	TLSI_SSL_SERVICE_AUTO,	/* detected from the stream (the default) */
	__TLSI_SSL_SERVICE_MAX
};
#define TLSI_SSL_SERVICE_MAX (__TLSI_SSL_SERVICE_MAX - 1)

enum tlsi_ssl_flags {
	TLSI_SSL_F_BLOCK_INVALID = 1U << 0,	/* refuse invalid server certificates */
	TLSI_SSL_F_BLOCK_EXPIRED = 1U << 1,	/* refuse expired server certificates */
	TLSI_SSL_F_RESET = 1U << 2,		/* reset the client on block */
	TLSI_SSL_F_LOGGING = 1U << 3,		/* SSL inspection log */
	/* Failure actions (tlsid): set = bypass (pass the session through
	 * untouched), clear = block. */
	TLSI_SSL_F_BYPASS_CLIENT_CERT = 1U << 4,	/* server asks for a client cert */
	TLSI_SSL_F_BYPASS_UNSUPPORTED = 1U << 5,	/* server version/cipher unsupported */
	TLSI_SSL_F_BYPASS_PINNED = 1U << 6,	/* client refuses the forged cert:
						 * the name enters tlsid's cache */
	TLSI_SSL_F_BYPASS_TIMEOUT = 1U << 7,	/* server handshake timeout */
	TLSI_SSL_F_ETM = 1U << 8,		/* Encrypt-then-MAC (RFC 7366) on */
	TLSI_SSL_F_DOWNGRADE_H2 = 1U << 9,	/* offer both sides http/1.1, not h2 */
	TLSI_SSL_F_VERIFY_SERVER = 1U << 10,	/* server proxies: verify the real
						 * server against the trust store */
	TLSI_SSL_F_ACME_HTTP01 = 1U << 11,	/* server proxies: TCP port 80 of the
						 * destinations goes to tlsid too,
						 * which answers ACME http-01
						 * challenges and passes the rest */
	__TLSI_SSL_F_ALL = 0xfff
};

/* Whom an SSL proxy inspects for: outbound clients (a forged certificate)
 * or inbound clients of protected servers (the servers' own certificates). */
enum tlsi_ssl_role {
	TLSI_SSL_ROLE_CLIENT,
	TLSI_SSL_ROLE_SERVER,
	__TLSI_SSL_ROLE_MAX
};
#define TLSI_SSL_ROLE_MAX (__TLSI_SSL_ROLE_MAX - 1)

/* A profile's new SSL flows while tlsid is not listening (dead, restarting). */
enum tlsi_ssl_no_daemon {
	TLSI_SSL_NO_DAEMON_BYPASS,	/* pass uninspected (fail open; default) */
	TLSI_SSL_NO_DAEMON_BLOCK,	/* reset the client (fail closed) */
	__TLSI_SSL_NO_DAEMON_MAX
};
#define TLSI_SSL_NO_DAEMON_MAX (__TLSI_SSL_NO_DAEMON_MAX - 1)

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
	TLSI_TABLE_IPS,			/* the filter engine (IPS rules) */
	TLSI_TABLE_SSL,			/* SSL inspection (no daemon) */
	__TLSI_TABLE_MAX
};
#define TLSI_TABLE_MAX (__TLSI_TABLE_MAX - 1)

enum tlsi_event_type {
	TLSI_EVENT_BLOCK,
	TLSI_EVENT_ALERT,
	TLSI_EVENT_QUARANTINE,		/* a host entered quarantine */
	TLSI_EVENT_IPS_ALERT,		/* an IPS rule alerted */
	TLSI_EVENT_QUARANTINE_EXPIRED,	/* a host's quarantine timed out */
	__TLSI_EVENT_MAX
};
#define TLSI_EVENT_MAX (__TLSI_EVENT_MAX - 1)

/* IPS rules: limits of the netlink interface. */
#define TLSI_RULES_CHUNK_MAX	65024		/* image bytes per RULES_LOAD */
#define TLSI_RULES_IMAGE_MAX	(256U << 20)	/* = the image format's limit */
#define TLSI_RULES_VARS_MAX	64		/* variables per RULES_VAR_SET */
#define TLSI_RULES_VAR_ITEMS_MAX 2048		/* items of one variable */

enum tlsi_rules_flags {
	TLSI_RULES_F_HIT = 1U << 0,	/* RULES_GET dump: rules with hits only */
	__TLSI_RULES_F_ALL = TLSI_RULES_F_HIT
};

/* A rule's action (the image's enum tlsi_action). */
enum tlsi_ips_action {
	TLSI_IPS_ACT_PASS,
	TLSI_IPS_ACT_DROP,
	TLSI_IPS_ACT_REJECT,
	TLSI_IPS_ACT_ALERT,
	__TLSI_IPS_ACT_MAX
};

enum tlsi_ips_dir {
	TLSI_IPS_DIR_TO_SERVER,
	TLSI_IPS_DIR_TO_CLIENT,
};

/* Which rules trace their flow (rule metadata "tlsi_trace" always does). */
enum tlsi_ips_trace {
	TLSI_IPS_TRACE_OFF,		/* only rules with tlsi_trace */
	TLSI_IPS_TRACE_ALERTS,		/* every alerting or blocking rule */
	__TLSI_IPS_TRACE_MAX
};
#define TLSI_IPS_TRACE_MAX (__TLSI_IPS_TRACE_MAX - 1)

#define TLSI_TRACE_BYTES_DEFAULT	(1U << 20)	/* per flow */
#define TLSI_TRACE_BUFFER_DEFAULT	(4U << 20)	/* per namespace */
#define TLSI_TRACE_BUFFER_MIN		(64U << 10)
#define TLSI_TRACE_BUFFER_MAX		(64U << 20)
#define TLSI_TRACE_PIECE_MAX		2048	/* TRACE_DATA bytes per message */

enum tlsi_trace_flags {
	TLSI_TRACE_F_END = 1U << 0,	/* the direction ended at TRACE_OFFSET
					 * (no data; one per direction) */
	TLSI_TRACE_F_CAPPED = 1U << 1,	/* the flow's trace-bytes were reached:
					 * later data of it is not recorded */
	__TLSI_TRACE_F_ALL = 0x3
};

enum tlsi_trace_dump_flags {
	TLSI_TRACE_DUMP_F_HEADERS_ONLY = 1U << 0,	/* no TRACE_DATA, one
							 * message per record */
	__TLSI_TRACE_DUMP_F_ALL = TLSI_TRACE_DUMP_F_HEADERS_ONLY
};

/*
 * Device-wide counters, reported in TLSI_A_STATS (attribute type = index + 1,
 * u64), in /proc/net/tlsi/stats by name, and by "tlsictl stats".
 * X(enum suffix, stable name)
 */
#define TLSI_COUNTERS(X)						\
	X(PACKETS,		"packets")				\
	X(BYTES,		"bytes")				\
	X(NON_IP,		"non_ip_forwarded")			\
	X(IPV6_PACKETS,		"ipv6_packets")				\
	X(IPV6_EXT_TOO_DEEP,	"ipv6_ext_headers_too_deep")		\
	X(IPV6_MAPPED,		"ipv6_mapped_address")			\
	X(IPV6_ND_PASSED,	"ipv6_nd_passed")			\
	X(IPV6_MLD_PASSED,	"ipv6_mld_passed")			\
	X(TUNNEL_GRE,		"tunnel_gre_packets")			\
	X(TUNNEL_IPIP,		"tunnel_ipip_packets")			\
	X(TUNNEL_NESTED,	"tunnel_nested_passed")			\
	X(TUNNEL_GRE_UNSUPPORTED, "tunnel_gre_unsupported_passed")	\
	X(TUNNEL_IPV6_ENCAP,	"tunnel_ipv6_encap_passed")		\
	X(TUNNEL_RESET_NOT_SENT, "tunnel_reset_not_sent")		\
	X(NO_SEGMENT,		"no_segment_forwarded")			\
	X(FRAGMENTS,		"fragments")				\
	X(FLOWS_CREATED,	"flows_created")			\
	X(FLOWS_EXPIRED,	"flows_expired")			\
	X(FLOWS_RECLASSIFIED,	"flows_reclassified")			\
	X(FLOWS_RESTARTED,	"flows_restarted_by_syn")		\
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
	X(SSL_DIVERTED_IPV6,	"ssl_diverted_ipv6")			\
	X(SSL_NOT_DECRYPTED_SOURCE, "ssl_not_decrypted_source")		\
	X(SSL_NO_DAEMON,	"ssl_no_daemon_bypassed")		\
	X(SSL_NO_DAEMON_BLOCK,	"ssl_no_daemon_blocked")		\
	X(SSL_SESSIONS_FULL,	"ssl_sessions_full_bypassed")		\
	X(SSL_STEERED,		"ssl_packets_steered")			\
	X(SSL_ASSIGNED,		"ssl_syn_assigned")			\
	X(DROP_SSL_STEER,	"drop_ssl_steer")				\
	X(SSL_DIVERT_INFO_NOMEM, "ssl_divert_info_no_memory")		\
	X(SSL_TUNNEL_PASSED,	"ssl_tunnel_not_intercepted")		\
	X(SSL_PICKED_UP,	"ssl_flows_picked_up")			\
	/* tlsid's reports (TLSI_IOC_REPORT and TLSI_IOC_HANDOFF) */	\
	X(SSL_DECRYPTED,	"ssl_decrypted")			\
	X(SSL_NOT_DECRYPTED,	"ssl_not_decrypted")			\
	X(SSL_BLOCKED,		"ssl_blocked")				\
	X(SSL_FAILED,		"ssl_failed")				\
	X(SSL_FAIL_NOT_TLS,	"ssl_fail_not_tls")			\
	X(SSL_FAIL_CLIENTHELLO,	"ssl_fail_clienthello_malformed")	\
	X(SSL_FAIL_TIMEOUT,	"ssl_fail_handshake_timeout")		\
	X(SSL_FAIL_CLIENT_CLOSED, "ssl_fail_client_closed")		\
	X(SSL_FAIL_UNREACHABLE,	"ssl_fail_server_unreachable")		\
	X(SSL_FAIL_SRV_HS,	"ssl_fail_server_handshake")		\
	X(SSL_FAIL_SRV_CIPHER,	"ssl_fail_server_unsupported_cipher")	\
	X(SSL_FAIL_SRV_CLIENT_CERT, "ssl_fail_server_client_cert_requested") \
	X(SSL_FAIL_CERT_INVALID, "ssl_fail_server_cert_invalid")	\
	X(SSL_FAIL_CERT_EXPIRED, "ssl_fail_server_cert_expired")	\
	X(SSL_FAIL_CERT_WEAK_KEY, "ssl_fail_server_cert_weak_key")	\
	X(SSL_FAIL_CLI_HS,	"ssl_fail_client_handshake")		\
	X(SSL_FAIL_CLI_CIPHER,	"ssl_fail_client_unsupported_cipher")	\
	X(SSL_FAIL_CLI_BAD_CERT, "ssl_fail_client_rejected_cert")	\
	X(SSL_FAIL_LIMIT,	"ssl_fail_daemon_sessions_full")	\
	X(SSL_FAIL_INTERNAL,	"ssl_fail_internal")			\
	X(SSL_CLIENT_TLS10,	"ssl_client_tls1_0")			\
	X(SSL_CLIENT_TLS11,	"ssl_client_tls1_1")			\
	X(SSL_CLIENT_TLS12,	"ssl_client_tls1_2")			\
	X(SSL_CLIENT_TLS13,	"ssl_client_tls1_3")			\
	X(SSL_CLIENT_AES128_GCM, "ssl_client_aes128_gcm")		\
	X(SSL_CLIENT_AES256_GCM, "ssl_client_aes256_gcm")		\
	X(SSL_CLIENT_CHACHA20,	"ssl_client_chacha20_poly1305")		\
	X(SSL_CLIENT_CBC,	"ssl_client_cbc")			\
	X(SSL_CLIENT_OTHER_CIPHER, "ssl_client_other_cipher")		\
	X(SSL_SERVER_TLS10,	"ssl_server_tls1_0")			\
	X(SSL_SERVER_TLS11,	"ssl_server_tls1_1")			\
	X(SSL_SERVER_TLS12,	"ssl_server_tls1_2")			\
	X(SSL_SERVER_TLS13,	"ssl_server_tls1_3")			\
	X(SSL_SERVER_AES128_GCM, "ssl_server_aes128_gcm")		\
	X(SSL_SERVER_AES256_GCM, "ssl_server_aes256_gcm")		\
	X(SSL_SERVER_CHACHA20,	"ssl_server_chacha20_poly1305")		\
	X(SSL_SERVER_CBC,	"ssl_server_cbc")			\
	X(SSL_SERVER_OTHER_CIPHER, "ssl_server_other_cipher")		\
	X(SSL_RELAY_USERSPACE,	"ssl_relay_userspace")			\
	X(SSL_NOT_DECRYPTED_POLICY, "ssl_not_decrypted_policy")		\
	X(SSL_NOT_DECRYPTED_PINNED, "ssl_not_decrypted_pinned")		\
	/* SSL server inspection (server proxies) */			\
	X(SSL_SERVER_DIVERTED,	"ssl_server_diverted")			\
	X(SSL_SERVER_DECRYPTED,	"ssl_server_decrypted")			\
	X(SSL_SERVER_CLEARTEXT,	"ssl_server_cleartext_dropped")		\
	X(SSL_ACME_DIVERTED,	"ssl_acme_http_diverted")		\
	X(SSL_NOT_DECRYPTED_ACME, "ssl_not_decrypted_acme")		\
	/* the kernel relay */						\
	X(RELAY_KTLS,		"relay_ktls_sessions")			\
	X(RELAY_PLAIN,		"relay_plain_sessions")			\
	X(RELAY_ENDED,		"relay_ended")				\
	X(RELAY_CLOSE_NOTIFY,	"relay_close_notify")			\
	X(RELAY_FIN,		"relay_fin")				\
	X(RELAY_RESET,		"relay_reset_propagated")		\
	X(RELAY_IDLE_TIMEOUT,	"relay_idle_timeout")			\
	X(RELAY_KEY_UPDATE,	"relay_key_update_ended")		\
	X(RELAY_TICKETS_DROPPED, "relay_session_tickets_dropped")	\
	X(RELAY_ALERT,		"relay_fatal_alert")			\
	X(RELAY_BAD_RECORD,	"relay_bad_record")			\
	X(RELAY_ERROR,		"relay_socket_error")			\
	X(RELAY_INSPECT_BLOCK,	"relay_inspection_blocked")		\
	X(RELAY_SHUTDOWN,	"relay_ended_by_unload")		\
	X(RELAY_ALERT_SENT,	"relay_fatal_alert_sent")		\
	X(RELAY_BYTES_C2S,	"relay_bytes_client_to_server")		\
	X(RELAY_BYTES_S2C,	"relay_bytes_server_to_client")		\
	X(RELAY_BUFFER_NOMEM,	"relay_buffer_no_memory_retried")	\
	X(INSPECT_BYTES_C2S,	"inspect_bytes_client_to_server")	\
	X(INSPECT_BYTES_S2C,	"inspect_bytes_server_to_client")	\
	X(HANDOFF_REFUSED_ARG,	"handoff_refused_bad_request")		\
	X(HANDOFF_REFUSED_SOCKET, "handoff_refused_bad_socket")		\
	X(HANDOFF_REFUSED_NO_KTLS, "handoff_refused_no_ktls")		\
	X(HANDOFF_REFUSED_FULL,	"handoff_refused_sessions_full")	\
	X(HANDOFF_REFUSED_NOMEM, "handoff_refused_no_memory")		\
	/* the filter engine (IPS) on relayed sessions */		\
	X(IPS_FLOWS_INSPECTED,	"ips_flows_inspected")			\
	X(IPS_FLOWS_NOT_DECRYPTED, "ips_flows_not_decrypted")		\
	X(IPS_FLOWS_TRUSTED,	"ips_flows_trusted_uninspected")	\
	X(IPS_FLOWS_NO_RULES,	"ips_flows_no_rules")			\
	X(IPS_FLOWS_NOMEM,	"ips_flows_uninspected_no_memory")	\
	X(IPS_BYTES,		"ips_bytes_inspected")			\
	X(IPS_ALERTS,		"ips_alerts")				\
	X(IPS_BLOCKS,		"ips_blocks")				\
	X(IPS_PASSES,		"ips_flows_passed")			\
	X(IPS_QUARANTINES,	"ips_quarantines")			\
	X(IPS_QUARANTINE_FAILED, "ips_quarantine_failed")		\
	X(IPS_ENGINE_ERRORS,	"ips_engine_errors")			\
	X(IPS_HTTP_ANOMALIES,	"ips_http_anomalies")			\
	X(IPS_DEPTH,		"ips_depth_reached")			\
	X(IPS_LOADS,		"ips_rule_loads")			\
	X(IPS_LOADS_REFUSED,	"ips_rule_loads_refused")		\
	X(IPS_WINDOW,		"ips_stream_window_exceeded")		\
	/* packet traces of IPS verdicts */				\
	X(IPS_TRACES_STARTED,	"ips_traces_started")			\
	X(IPS_TRACE_RECORDS,	"ips_trace_records")			\
	X(IPS_TRACE_BYTES,	"ips_trace_bytes")			\
	X(IPS_TRACE_EVICTED,	"ips_trace_records_evicted")		\
	X(IPS_TRACE_CAPPED,	"ips_trace_flows_capped")		\
	X(IPS_TRACE_FAILED_NOMEM, "ips_trace_failed_no_memory")	\
	/* the filter engine's DNS decoder */				\
	X(IPS_DNS_ANOMALIES,	"ips_dns_anomalies")			\
	/* the filter engine's HTTP/2 decoder */			\
	X(IPS_HTTP2_ANOMALIES,	"ips_http2_anomalies")			\
	/* the filter engine's TLS hello parser (ja3, cleartext TLS) */	\
	X(IPS_TLS_ANOMALIES,	"ips_tls_anomalies")			\
	/* cleartext inspection: TCP through the kernel relay */	\
	X(CLEAR_DIVERTED,	"cleartext_diverted")			\
	X(CLEAR_DIVERTED_IPV6,	"cleartext_diverted_ipv6")		\
	X(CLEAR_NO_DIVERT,	"cleartext_no_divert_bypassed")		\
	X(CLEAR_FULL,		"cleartext_sessions_full_bypassed")	\
	X(CLEAR_ACCEPTED,	"cleartext_accepted")			\
	X(CLEAR_REFUSED_NOT_DIVERTED, "cleartext_refused_not_diverted")	\
	X(CLEAR_REFUSED_FULL,	"cleartext_refused_sessions_full")	\
	X(CLEAR_REFUSED_NOMEM,	"cleartext_refused_no_memory")		\
	X(CLEAR_CONNECT_FAILED,	"cleartext_connect_failed")		\
	X(CLEAR_RELAYED,	"cleartext_relayed")			\
	/* cleartext inspection: UDP, per datagram on the bridge */	\
	X(CLEAR_UDP_INSPECTED,	"cleartext_udp_datagrams_inspected")	\
	X(CLEAR_UDP_TRUNCATED,	"cleartext_udp_datagrams_truncated")	\
	X(CLEAR_UDP_BUSY,	"cleartext_udp_uninspected_busy")	\
	X(CLEAR_TUNNEL,		"cleartext_tunnel_uninspected")		\
	X(DROP_IPS_UDP,		"drop_ips_udp")				\
	/* cleartext inspection: TCP packet rules (flags...) */		\
	X(CLEAR_TCP_PKT_INSPECTED, "cleartext_tcp_packets_inspected")	\
	X(CLEAR_TCP_PKT_TRUNCATED, "cleartext_tcp_packets_truncated")	\
	X(DROP_IPS_TCP_PKT,	"drop_ips_tcp_packet")			\
	/* TCP inside tunnels, inspected in order on the bridge */	\
	X(TUNNEL_TCP_INSPECTED,	"ips_tunnel_flows_inspected")		\
	X(TUNNEL_TCP_MIDSTREAM,	"ips_tunnel_midstream_passed")		\
	X(TUNNEL_TCP_FULL,	"ips_tunnel_sessions_full_passed")	\
	X(TUNNEL_TCP_NOMEM,	"ips_tunnel_no_memory_passed")		\
	X(TUNNEL_TCP_RETRANSMIT, "ips_tunnel_retransmits_forwarded")	\
	X(TUNNEL_TCP_DEPTH,	"ips_tunnel_past_depth_forwarded")	\
	X(DROP_IPS_TUNNEL,	"drop_ips_tunnel")			\
	X(DROP_IPS_TUNNEL_OOO,	"drop_ips_tunnel_out_of_order")		\
	X(DROP_IPS_TUNNEL_OVERLAP, "drop_ips_tunnel_overlap")		\
	X(DROP_IPS_TUNNEL_FRAGMENT, "drop_ips_tunnel_fragment")

#define TLSI_COUNTER_ENUM(name, str) TLSI_CNT_##name,
enum tlsi_counter {
	TLSI_COUNTERS(TLSI_COUNTER_ENUM)
	__TLSI_CNT_MAX
};
#undef TLSI_COUNTER_ENUM

/*
 * /dev/tlsi: tlsid's interface to the module (ioctl; CAP_NET_ADMIN in the
 * network namespace of the sockets). Every struct is checked whole: unknown
 * flags and non-zero reserved fields are refused with EINVAL.
 *
 *   TLSI_IOC_HANDOFF       both sockets of a session whose handshakes are
 *                          done and whose kTLS TX and RX are installed on
 *                          both (or, with TLSI_HANDOFF_F_PLAIN, two plain TCP
 *                          sockets): the module relays between them from then
 *                          on, inspects the plaintext, and holds its own
 *                          references; tlsid closes its descriptors. The
 *                          report is counted as for TLSI_IOC_REPORT.
 *   TLSI_IOC_REPORT        the outcome of a session tlsid did not hand off
 *                          (failed, blocked, relayed in userspace): counted.
 *   TLSI_IOC_SESSION_INFO  for a diverted connection's accepted socket: the
 *                          SSL client policy and proxy that diverted it.
 */
#define TLSI_DEV_NAME		"tlsi"

enum tlsi_ssl_result {
	TLSI_SSL_RESULT_DECRYPTED,	/* both handshakes done, inspected */
	TLSI_SSL_RESULT_NOT_DECRYPTED,	/* relayed without decryption */
	TLSI_SSL_RESULT_BLOCKED,	/* refused by policy */
	TLSI_SSL_RESULT_FAILED,		/* a handshake or the daemon failed */
	__TLSI_SSL_RESULT_MAX
};

enum tlsi_ssl_reason {
	TLSI_SSL_REASON_NONE,
	TLSI_SSL_REASON_NOT_TLS,		/* cleartext on an SSL tuple */
	TLSI_SSL_REASON_CLIENTHELLO,		/* malformed ClientHello */
	TLSI_SSL_REASON_TIMEOUT,		/* handshake took too long */
	TLSI_SSL_REASON_CLIENT_CLOSED,		/* before the handshake ended */
	TLSI_SSL_REASON_UNREACHABLE,		/* upstream connect failed */
	TLSI_SSL_REASON_SERVER_HANDSHAKE,	/* other server-side failure */
	TLSI_SSL_REASON_SERVER_CIPHER,		/* no common cipher/version */
	TLSI_SSL_REASON_SERVER_CLIENT_CERT,	/* server asked for a client cert */
	TLSI_SSL_REASON_CERT_INVALID,
	TLSI_SSL_REASON_CERT_EXPIRED,
	TLSI_SSL_REASON_CERT_WEAK_KEY,		/* RSA key below the minimum */
	TLSI_SSL_REASON_CLIENT_HANDSHAKE,	/* other client-side failure */
	TLSI_SSL_REASON_CLIENT_CIPHER,		/* no common cipher/version */
	TLSI_SSL_REASON_CLIENT_BAD_CERT,	/* client refused the forged leaf */
	TLSI_SSL_REASON_LIMIT,			/* tlsid's session limit */
	TLSI_SSL_REASON_INTERNAL,
	TLSI_SSL_REASON_DECRYPT_POLICY,		/* not decrypted: a decryption
						 * policy's exception (result
						 * NOT_DECRYPTED) */
	TLSI_SSL_REASON_PINNED,			/* not decrypted: tlsid's pinned-
						 * application cache */
	TLSI_SSL_REASON_ACME,			/* not decrypted: an ACME http-01
						 * request answered, or any other
						 * request to an acme-http01 port 80
						 * passed to the server */
	__TLSI_SSL_REASON_MAX
};

enum tlsi_relay_kind {
	TLSI_RELAY_NONE,		/* not relayed */
	TLSI_RELAY_KERNEL,		/* handed off */
	TLSI_RELAY_USERSPACE,		/* suites kTLS cannot carry */
	__TLSI_RELAY_MAX
};

/* A session's outcome. Versions are wire values (0x0303 = TLS 1.2), 0 when
 * that side did not get that far; ciphers are IANA suite numbers. */
struct tlsi_ssl_report {
	__u8 result;		/* enum tlsi_ssl_result */
	__u8 reason;		/* enum tlsi_ssl_reason */
	__u8 relay;		/* enum tlsi_relay_kind */
	__u8 role;		/* enum tlsi_ssl_role: the session's proxy's */
	__u16 client_version;	/* tlsid <-> client */
	__u16 client_cipher;
	__u16 server_version;	/* tlsid <-> server */
	__u16 server_cipher;
	__u32 reserved1;
};

#define TLSI_HANDOFF_F_PLAIN	(1U << 0)	/* plain TCP, no kTLS */
#define TLSI_HANDOFF_F_ALL	TLSI_HANDOFF_F_PLAIN
#define TLSI_RELAY_IDLE_DEFAULT	300		/* s, when idle_timeout is 0 */
#define TLSI_RELAY_IDLE_MAX	86400
#define TLSI_SNI_MAX		256		/* a DNS name (255) and its NUL */

/*
 * The server's certificates as tlsid received them, for the IPS's tls.cert_*
 * and tls.certs rules: a sequence of records, each a struct tlsi_cert_rec
 * followed by len bytes (no padding). SUBJECT, ISSUER and SERIAL (the leaf's,
 * as Suricata prints them: "C=US, O=Org, CN=name", "0A:1B:...") at most once
 * each, CERT (DER) once per certificate, leaf first, at most
 * TLSI_CERTS_CHAIN_MAX; the whole at most TLSI_CERTS_MAX bytes.
 */
enum tlsi_cert_rec_type {
	TLSI_CERT_REC_SUBJECT = 1,
	TLSI_CERT_REC_ISSUER,
	TLSI_CERT_REC_SERIAL,
	TLSI_CERT_REC_DER,
	__TLSI_CERT_REC_MAX
};

struct tlsi_cert_rec {
	__u16 type;		/* enum tlsi_cert_rec_type */
	__u16 reserved;
	__u32 len;
};

#define TLSI_CERTS_MAX		65536
#define TLSI_HELLO_MAX		8192	/* struct tlsi_handoff.client_hello */
#define TLSI_CERTS_CHAIN_MAX	8
#define TLSI_CERT_TEXT_MAX	1024	/* SUBJECT, ISSUER, SERIAL */

struct tlsi_handoff {
	__s32 client_fd;	/* accepted from the client (tlsid is the server) */
	__s32 server_fd;	/* connected to the server */
	__u32 flags;		/* TLSI_HANDOFF_F_* */
	__u32 idle_timeout;	/* s, 0..TLSI_RELAY_IDLE_MAX, 0 = default */
	struct tlsi_ssl_report report;	/* result DECRYPTED or NOT_DECRYPTED */
	__u64 server_certs;	/* user address of the server's certificates
				 * (struct tlsi_cert_rec records), 0 = none */
	__u32 server_certs_len;	/* bytes there, <= TLSI_CERTS_MAX */
	__u32 client_hello_len;	/* bytes at client_hello, <= TLSI_HELLO_MAX */
	char sni[TLSI_SNI_MAX];	/* the ClientHello's server name, "" = none;
				 * NUL-terminated (tls.sni rules, events) */
	__u64 client_hello;	/* user address of the client's ClientHello
				 * handshake message (type, length, body;
				 * record headers removed) for ja3.* rules,
				 * 0 = none */
};

struct tlsi_session_info {
	__s32 client_fd;		/* in */
	__u32 policy_id;		/* out: 0 = not a diverted connection */
	__u32 ssl_flags;		/* out: the proxy's TLSI_SSL_F_* */
	__u32 min_rsa_bits;		/* out: 0 = no minimum */
	__u8 service;			/* out: enum tlsi_ssl_service */
	__u8 role;			/* out: enum tlsi_ssl_role */
	__u8 reserved[2];
	char policy[TLSI_SSL_NAME_MAX];	/* out, NUL-terminated */
	char proxy[TLSI_SSL_NAME_MAX];
	char cert[TLSI_CERT_NAME_MAX];	/* signing certificate, "" = tlsid's */
	char trust_store[TLSI_CERT_NAME_MAX];	/* "" = tlsid's */
	__u32 inspect_depth;		/* out: the policy's profile's, see
					 * TLSI_A_INSPECT_DEPTH */
	char decrypt_policy[TLSI_SSL_NAME_MAX];	/* out: "" = none */
	__u8 reserved2[3];
	__u16 min_version, max_version;	/* out: the proxy's TLS wire versions */
	__u16 min_dh_bits, min_ec_bits;	/* out: 0 = no minimum */
	char client_ciphers[TLSI_CIPHERS_MAX];	/* out: the proxy's selections */
	char server_ciphers[TLSI_CIPHERS_MAX];
	__u32 proxy_id;			/* out: the proxy's ID (SSL_PROXY_GET):
					 * a proxy never changes, so its
					 * certificate list can be cached by it */
	__u32 reserved3;
};

#define TLSI_IOC_MAGIC		0xe7
#define TLSI_IOC_HANDOFF	_IOW(TLSI_IOC_MAGIC, 1, struct tlsi_handoff)
#define TLSI_IOC_REPORT		_IOW(TLSI_IOC_MAGIC, 2, struct tlsi_ssl_report)
#define TLSI_IOC_SESSION_INFO	_IOWR(TLSI_IOC_MAGIC, 3, struct tlsi_session_info)

#endif /* _UAPI_LINUX_TLSI_H */
