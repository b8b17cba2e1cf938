/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsi.ko internal interfaces. The ABI lives in include/uapi/linux/tlsi.h.
 *
 * Locking: every configuration change runs under tlsi_net.cfg_lock (a mutex,
 * process context). The packet path reads configuration under RCU only and
 * never sleeps. Objects that the packet path can hold are freed after a
 * grace period. tlsi_net.gen is bumped after every change that can alter a
 * verdict; a flow whose cached generation differs is classified again.
 */
#ifndef TLSI_H
#define TLSI_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/wait.h>
#include <linux/netfilter.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <uapi/linux/tlsi.h>

#include "lookup.h"

struct sk_buff;
struct genl_info;
struct netlink_ext_ack;

/*
 * A profile's settings, as the packet path reads them: replaced whole by
 * PROFILE_SET (a new object published with rcu_assign_pointer(), the old
 * one freed after a grace period), never changed in place. A reader takes
 * one pointer (tlsi_profile_settings()) per decision and reads every
 * setting from it, so no packet sees half of a change (the guide's
 * "profile distribution").
 */
struct tlsi_profile_settings {
	struct rcu_head rcu;
	u8 rep_block;			/* 101 = never */
	u8 rep_alert;			/* 101 = never */
	u8 ssl_no_daemon;		/* enum tlsi_ssl_no_daemon */
	u8 inspect_cleartext;		/* cleartext TCP/UDP through the IPS (default 1) */
	u32 inspect_depth;		/* TLSI_A_INSPECT_DEPTH, at each hand-off */
};

struct tlsi_profile {
	struct list_head list;		/* tlsi_net.profiles, RCU */
	struct rcu_head rcu;
	char name[TLSI_NAME_MAX];
	struct tlsi_profile_settings __rcu *settings;	/* never NULL */
	bool locked;			/* changes need TLSI_A_UNLOCK; cfg_lock */
	u32 refcnt;			/* segments and TM filters using it; cfg_lock */
};

/* Under rcu_read_lock (the packet path holds it); one snapshot. */
static inline const struct tlsi_profile_settings *
tlsi_profile_settings(const struct tlsi_profile *p)
{
	return rcu_dereference(p->settings);
}

struct tlsi_segment {
	struct rcu_head rcu;
	char name[TLSI_NAME_MAX];
	char port_a_name[IFNAMSIZ];
	char port_b_name[IFNAMSIZ];
	int port_a, port_b;		/* ifindex; 0 while the port is gone */
	u16 id;				/* flow key part, unique while it lives */
	u16 nvlans;
	u16 vlans[TLSI_VLANS_MAX];	/* empty: every frame, tagged or not */
	bool has_src, has_dst;
	struct tlsi_cidr src, dst;	/* as seen in the A -> B direction */
	struct tlsi_profile *profile;	/* holds a refcnt */
	atomic64_t packets, bytes;
};

/* Segments in match order: an RCU-replaced array of pointers. */
struct tlsi_segment_array {
	struct rcu_head rcu;
	u32 count;
	struct tlsi_segment *segs[];
};

/* An inspection-bypass rule or a traffic-management filter. */
struct tlsi_rule {
	struct rcu_head rcu;
	char name[TLSI_NAME_MAX];
	struct tlsi_match match;
	struct tlsi_profile *profile;	/* TM only; NULL = every profile */
	u8 action;			/* enum tlsi_tm_action (TM only) */
	u32 flags;			/* TLSI_RULE_F_* */
	spinlock_t tb_lock;
	struct tlsi_token_bucket tb;	/* RATE_LIMIT */
	atomic64_t hits;
};

/*
 * An ordered rule table: an RCU-replaced array of rule pointers, with the
 * index that finds a flow's first matching rule without walking them all
 * (lookup.h, struct tlsi_mindex), built with it in the same allocation:
 * its nodes and bucket heads follow rules[].
 */
struct tlsi_rule_array {
	struct rcu_head rcu;
	struct tlsi_mindex index;
	u32 count;
	struct tlsi_rule *rules[];
};

struct tlsi_rep_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	struct tlsi_addr addr;		/* masked to plen */
	u8 plen;			/* 0..128 (IPv4: 96 + n) */
	u8 family;			/* TLSI_AF_V4 or TLSI_AF_V6 */
	u8 score;
	char category[TLSI_CATEGORY_MAX];
	atomic64_t hits;
};

/* A reputation table generation; replaced whole by bulk commits. */
struct tlsi_rep_table {
	struct rcu_head rcu;
	u32 nbuckets;			/* power of two */
	u32 count;
	/* per family (0: IPv4, 1: IPv6), entries per prefix length; cfg_lock */
	u32 plen_count[2][129];
	struct tlsi_plen_set plens[2];	/* prefix lengths with entries */
	struct hlist_head buckets[];
};

struct tlsi_rep_stage {
	u32 batch;
	u32 portid;
	u32 count;
	u32 cap;
	struct tlsi_rep_entry **entries;
};

struct tlsi_quar_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	struct tlsi_addr addr;
	unsigned long expires;		/* jiffies; 0 = never */
	char reason[TLSI_REASON_MAX];
	atomic64_t hits;
};

#define TLSI_QUAR_BUCKETS 4096
#define TLSI_DIVERT_BUCKETS 1024

struct tlsi_flow_table;

struct tlsi_config {
	u32 max_flows;
	u8 flow_full_action;
	u8 ssl_client;			/* client SSL inspection on */
	u8 ssl_server;			/* server SSL inspection on */
	u16 divert_port;		/* tlsid's transparent listener */
	u32 divert_mark;		/* fwmark tlsid routes locally */
	u32 max_ssl_sessions;
	u32 timeout[6];			/* seconds, indexed by TLSI_TO_* */
};

enum {
	TLSI_TO_TCP_SYN,
	TLSI_TO_TCP_EST,
	TLSI_TO_TCP_CLOSE,
	TLSI_TO_UDP,
	TLSI_TO_ICMP,
	TLSI_TO_OTHER,
};

struct tlsi_net {
	struct net *net;
	struct mutex cfg_lock;
	atomic_t gen;

	struct list_head profiles;
	u32 nprofiles;
	struct tlsi_segment_array __rcu *segments;
	unsigned long segment_ids[BITS_TO_LONGS(TLSI_SEGMENTS_MAX + 1)];

	struct tlsi_rule_array __rcu *bypass;
	struct tlsi_rule_array __rcu *tm;

	struct list_head ssl_proxies;
	struct tlsi_ssl_policy_array __rcu *ssl_policies;
	u32 ssl_policy_next_id;
	u32 ssl_proxy_next_id;
	atomic_t ssl_sessions;		/* diverted flows alive */

	/* Diverted connections by address (divert.c): a slot per session. */
	spinlock_t divert_lock;
	struct hlist_head divert[TLSI_DIVERT_BUCKETS];

	/* Sessions relayed by the kernel (relay.c). */
	spinlock_t relay_lock;
	struct list_head relays;
	u32 nrelays;
	bool relay_closing;		/* namespace going: no new hand-offs */
	wait_queue_head_t relay_wait;	/* nrelays reached 0 */

	/* Cleartext inspection (cleartext.c): the module's transparent
	 * listener for diverted cleartext connections, and its accept work. */
	struct socket *clear_listener;
	u16 clear_port;			/* host order; 0 = none */
	struct work_struct clear_accept_work;

	struct tlsi_rep_table __rcu *rep;
	struct tlsi_rep_stage stage;

	struct hlist_head quar[TLSI_QUAR_BUCKETS];
	u32 nquar;

	struct tlsi_config cfg;
	struct tlsi_flow_table *flows;
	struct delayed_work gc_work;

	u64 __percpu *counters;		/* [__TLSI_CNT_MAX] */
	struct nf_hook_ops hook_ops;
	struct nf_hook_ops ipv4_hook_ops;
	struct nf_hook_ops ipv6_hook_ops;
	bool hooks_registered;

	struct proc_dir_entry *proc_dir;
	struct dentry *debug_dir;
};

extern unsigned int tlsi_net_id;

static inline struct tlsi_net *tlsi_pernet(const struct net *net)
{
	return net_generic(net, tlsi_net_id);
}

static inline void tlsi_count(struct tlsi_net *tn, enum tlsi_counter c)
{
	this_cpu_inc(tn->counters[c]);
}

static inline void tlsi_count_add(struct tlsi_net *tn, enum tlsi_counter c, u64 v)
{
	this_cpu_add(tn->counters[c], v);
}

static inline void tlsi_config_changed(struct tlsi_net *tn)
{
	atomic_inc(&tn->gen);
}

u64 tlsi_counter_read(struct tlsi_net *tn, enum tlsi_counter c);
extern const char *const tlsi_counter_names[__TLSI_CNT_MAX];

/* netlink.c */
int tlsi_netlink_init(void);
bool tlsi_admin_capable(const struct net *net);
void tlsi_netlink_exit(void);
void tlsi_event_send(struct tlsi_net *tn, u8 type, u8 table,
		     const struct tlsi_pkt_tuple *t,
		     const struct tlsi_segment *seg, const char *rule,
		     u8 score, const char *category, const char *reason,
		     u32 timeout);
const char *tlsi_table_name(u8 table);
void tlsi_extack_fmt(struct netlink_ext_ack *extack, const struct nlattr *attr,
		     const char *fmt, ...) __printf(3, 4);
int tlsi_name_check(struct netlink_ext_ack *extack, const struct nlattr *na,
		    const char *what);
int tlsi_nla_get_cidr(const struct nlattr *nest, struct tlsi_cidr *c,
		      struct netlink_ext_ack *extack);
int tlsi_nla_put_cidr(struct sk_buff *skb, int type, const struct tlsi_cidr *c);
int tlsi_nla_put_addr(struct sk_buff *skb, int type, const struct tlsi_addr *a);
/* "a.b.c.d" or RFC 5952 IPv6, for log lines; buf of TLSI_ADDR_STR_MAX */
#define TLSI_ADDR_STR_MAX 48
const char *tlsi_addr_str(const struct tlsi_addr *a, char *buf);

/* profile.c */
struct tlsi_profile *tlsi_profile_find(struct tlsi_net *tn, const char *name);
/* 0, or -EPERM with an extack naming the object when it is locked and
 * the request has no TLSI_A_UNLOCK. what: "profile", "SSL policy". */
int tlsi_locked_check(struct genl_info *info, bool locked, const char *what,
		      const char *name);
int tlsi_profile_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_profile_set(struct sk_buff *skb, struct genl_info *info);
int tlsi_profile_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_profile_dump(struct sk_buff *skb, struct netlink_callback *cb);
void tlsi_profiles_free(struct tlsi_net *tn);

/* segment.c */
const struct tlsi_segment *tlsi_segment_lookup(struct tlsi_net *tn, int in_ifindex,
					       u16 vlan, const struct tlsi_addr *saddr,
					       const struct tlsi_addr *daddr,
					       bool *reversed);
int tlsi_segment_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_segment_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_segment_dump(struct sk_buff *skb, struct netlink_callback *cb);
bool tlsi_segment_uses_profile(struct tlsi_net *tn, const struct tlsi_profile *p,
			       const char **user);
void tlsi_segments_free(struct tlsi_net *tn);
void tlsi_segments_reset_counters(struct tlsi_net *tn);
int tlsi_segment_init(void);
void tlsi_segment_exit(void);

/* rules.c: inspection bypass and traffic management */
const struct tlsi_rule *tlsi_bypass_lookup(struct tlsi_net *tn,
					   const struct tlsi_pkt_tuple *t);
struct tlsi_rule *tlsi_tm_lookup(struct tlsi_net *tn,
				 const struct tlsi_pkt_tuple *t,
				 const struct tlsi_profile *profile);
bool tlsi_tm_uses_profile(struct tlsi_net *tn, const struct tlsi_profile *p,
			  const char **user);
int tlsi_bypass_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_bypass_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_bypass_flush(struct sk_buff *skb, struct genl_info *info);
int tlsi_bypass_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tlsi_tm_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_tm_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_tm_flush(struct sk_buff *skb, struct genl_info *info);
int tlsi_tm_dump(struct sk_buff *skb, struct netlink_callback *cb);
void tlsi_rules_free(struct tlsi_net *tn);
void tlsi_rules_reset_hits(struct tlsi_net *tn);

/* reputation.c */
int tlsi_rep_init(void);
void tlsi_rep_exit(void);
const struct tlsi_rep_entry *tlsi_rep_lookup(struct tlsi_net *tn,
					     const struct tlsi_addr *addr);
int tlsi_rep_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_get(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_flush(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_load(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_commit(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_abort(struct sk_buff *skb, struct genl_info *info);
int tlsi_rep_dump(struct sk_buff *skb, struct netlink_callback *cb);
void tlsi_rep_free(struct tlsi_net *tn);
void tlsi_rep_reset_hits(struct tlsi_net *tn);
u32 tlsi_rep_count(struct tlsi_net *tn);

/* quarantine.c */
const struct tlsi_quar_entry *tlsi_quar_lookup(struct tlsi_net *tn,
					       const struct tlsi_addr *addr);
int tlsi_quar_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_quar_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_quar_flush(struct sk_buff *skb, struct genl_info *info);
int tlsi_quar_dump(struct sk_buff *skb, struct netlink_callback *cb);
void tlsi_quar_expire(struct tlsi_net *tn);
void tlsi_quar_free(struct tlsi_net *tn);
void tlsi_quar_reset_hits(struct tlsi_net *tn);

/* flow.c */
int tlsi_flow_cache_init(void);
void tlsi_flow_cache_exit(void);
int tlsi_flow_table_init(struct tlsi_net *tn);
void tlsi_flow_table_free(struct tlsi_net *tn);
void tlsi_flow_gc(struct tlsi_net *tn);
u32 tlsi_flows_current(struct tlsi_net *tn);
u32 tlsi_flows_peak(struct tlsi_net *tn);
void tlsi_flows_reset_peak(struct tlsi_net *tn);
int tlsi_flow_debug_show(struct seq_file *m, struct tlsi_net *tn);

/* ssl.c */
struct tlsi_ssl_policy_array;
/* What a divert policy takes a flow for. */
enum {
	TLSI_SSL_DIVERT_NONE,
	TLSI_SSL_DIVERT_CLIENT,		/* client inspection */
	TLSI_SSL_DIVERT_SERVER,		/* server inspection */
	TLSI_SSL_DIVERT_ACME,		/* a server proxy's port 80: ACME http-01 */
};

u32 tlsi_ssl_divert_policy(struct tlsi_net *tn, const struct tlsi_profile *profile,
			   const struct tlsi_pkt_tuple *t, int *why, u8 *kind);
u8 tlsi_ssl_policy_role(struct tlsi_net *tn, u32 policy_id);
bool tlsi_ssl_profile_in_use(struct tlsi_net *tn, const struct tlsi_profile *pr,
			     const char **user);
int tlsi_ssl_proxy_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_ssl_proxy_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_ssl_proxy_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tlsi_ssl_policy_new(struct sk_buff *skb, struct genl_info *info);
int tlsi_ssl_policy_set(struct sk_buff *skb, struct genl_info *info);
int tlsi_ssl_policy_del(struct sk_buff *skb, struct genl_info *info);
int tlsi_ssl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb);
void tlsi_ssl_free(struct tlsi_net *tn);

/* hook.c */
int tlsi_hooks_register(struct tlsi_net *tn);
void tlsi_hooks_unregister(struct tlsi_net *tn);
unsigned int tlsi_classify_skb(struct tlsi_net *tn, struct sk_buff *skb,
			       const struct net_device *in);

/* relay.c: the kernel relay of handed-off sessions (/dev/tlsi) */
int tlsi_relay_init(void);
void tlsi_relay_exit(void);
void tlsi_relay_net_init(struct tlsi_net *tn);
void tlsi_relay_net_exit(struct tlsi_net *tn);	/* ends every session */
void tlsi_relay_gc(struct tlsi_net *tn);	/* idle timeouts */

/* cleartext.c: cleartext TCP through the relay, UDP per datagram */
struct tlsi_flow;
struct socket;
struct sockaddr_in;
bool tlsi_cleartext_divert(struct tlsi_net *tn, const struct tlsi_profile_settings *ps,
			   struct tlsi_flow *f);
struct sk_buff;

/* Where the bridge hook's parser found a frame's transport header: the
 * inner one for a tunnelled frame (hook.c). */
struct tlsi_l4 {
	unsigned int off;		/* transport header; 0: none parsed */
	unsigned int end;		/* end of the IP packet that carries it */
	u32 tcp_seq;
	u8 tcp_flags;
	u8 tcp_hlen;			/* TCP header bytes, options included */
	u8 frag;			/* that IP packet is a fragment */
};

bool tlsi_cleartext_udp(struct tlsi_net *tn, const struct tlsi_flow *f, bool reply,
			const struct sk_buff *skb, const struct tlsi_l4 *l4);
bool tlsi_cleartext_tcp(struct tlsi_net *tn, const struct tlsi_flow *f, bool reply,
			const struct sk_buff *skb, const struct tlsi_l4 *l4, u8 state_before);
bool tlsi_cleartext_fragments(struct tlsi_net *tn, const struct tlsi_profile_settings *ps,
			      const struct tlsi_pkt_tuple *t);
int tlsi_cleartext_net_init(struct tlsi_net *tn);
void tlsi_cleartext_net_exit(struct tlsi_net *tn);
/* tunnel.c: TCP inside tunnels, inspected in order on the bridge. True:
 * drop the frame (the reason is counted). Softirq, under RCU. */
bool tlsi_tunnel_tcp(struct tlsi_net *tn, struct tlsi_flow *f, bool reply,
		     struct sk_buff *skb, const struct tlsi_l4 *l4,
		     const struct tlsi_profile_settings *ps);
/* The flow is going (flow.c, under its bucket lock): its stream state
 * is freed after a grace period, its session slot given back. */
void tlsi_tunnel_flow_gone(struct tlsi_net *tn, struct tlsi_flow *f);
/* relay.c: a session of two kernel sockets, the upstream one not yet
 * connected (connected here, relayed once it is); takes both sockets. */
int tlsi_relay_start_cleartext(struct tlsi_net *tn, struct socket *cs, struct socket *ss,
			       struct sockaddr *server, int server_len, u32 depth);

/* divert.c: diverted connections by address, for TLSI_IOC_SESSION_INFO */
int tlsi_divert_add(struct tlsi_net *tn, const struct tlsi_pkt_tuple *t, u32 policy_id,
		    bool cleartext, u32 depth, bool trusted);
void tlsi_divert_del(struct tlsi_net *tn, const struct tlsi_pkt_tuple *t);
u32 tlsi_divert_policy(struct tlsi_net *tn, const struct tlsi_addr *saddr, u16 sport,
		       const struct tlsi_addr *daddr, u16 dport, bool *trusted);
bool tlsi_divert_cleartext(struct tlsi_net *tn, const struct tlsi_addr *saddr, u16 sport,
			   const struct tlsi_addr *daddr, u16 dport, u32 *depth);

/*
 * A TCP socket's peer and local addresses and ports (host order), for
 * either family: an IPv6 socket's addresses are taken as they are (an
 * IPv4-mapped one is the IPv4 host, as tlsi_addr holds it).
 */
static inline void tlsi_sk_addrs(const struct sock *sk, struct tlsi_addr *peer, u16 *pport,
				 struct tlsi_addr *local, u16 *lport)
{
	const struct inet_sock *inet = inet_sk(sk);

#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		*peer = tlsi_addr_v6(sk->sk_v6_daddr.s6_addr);
		*local = tlsi_addr_v6(sk->sk_v6_rcv_saddr.s6_addr);
	} else
#endif
	{
		*peer = tlsi_addr_v4(ntohl(inet->inet_daddr));
		*local = tlsi_addr_v4(ntohl(inet->inet_rcv_saddr));
	}
	*pport = ntohs(inet->inet_dport);
	*lport = ntohs(inet->inet_sport);
}

/* addr:port as a socket address of its family; its length. */
static inline int tlsi_addr_sockaddr(const struct tlsi_addr *a, u16 port,
				     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (tlsi_addr_is_v4(a)) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(a->w[3]);
		in->sin_port = htons(port);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		tlsi_addr_to_bytes(a, in6->sin6_addr.s6_addr);
		in6->sin6_port = htons(port);
		return sizeof(*in6);
	}
}
void tlsi_divert_free(struct tlsi_net *tn);
/* The policy and proxy settings of policy id; -ENOENT when gone. */
int tlsi_ssl_session_info(struct tlsi_net *tn, u32 policy_id,
			  struct tlsi_session_info *info);

/*
 * inspect.c: the one inspection hook of both relays. The relay calls
 * start() once per session (process context; may allocate), data() for
 * every plaintext chunk in order per direction (process context, never
 * concurrently for one session), end() once. A BLOCK verdict stops the
 * relay: the server side is reset, the client side too when the proxy says
 * so (TLSI_SSL_F_RESET), else it gets a FIN.
 */
enum tlsi_dir {
	TLSI_DIR_C2S,		/* client to server */
	TLSI_DIR_S2C,
	__TLSI_DIR_MAX
};

enum tlsi_inspect_verdict {
	TLSI_INSPECT_PASS,
	TLSI_INSPECT_BLOCK,
};

struct tlsi_inspect_session {
	struct tlsi_net *tn;
	struct tlsi_addr caddr, saddr;	/* client, server */
	u16 cport, sport;		/* host order */
	u32 policy_id;		/* 0: unknown */
	u32 ssl_flags;		/* the proxy's TLSI_SSL_F_* */
	u8 service;		/* enum tlsi_ssl_service */
	u32 depth;		/* bytes inspected per direction (0 = all),
				 * or TLSI_INSPECT_DEPTH_DEFAULT; the profile's
				 * at the hand-off */
	bool decrypted;		/* false: a plain relay (not decrypted) */
	u8 role;		/* enum tlsi_ssl_role: whom it was decrypted for */
	bool trusted;		/* a TM trust filter's flow: relayed, never
				 * inspected */
	bool cleartext;		/* a cleartext connection: inspected as it
				 * is, without the TLS step */
	char sni[TLSI_SNI_MAX];	/* the ClientHello's server name, or "" */
	const struct tlsi_inspect_certs *certs; /* the server's, during start() */
	const u8 *client_hello;	/* the ClientHello message, during start() */
	u32 client_hello_len;
	u64 bytes[__TLSI_DIR_MAX];
	void *engine;		/* the filter engine's per-session state */
};

/* The server's certificates of a hand-off (pointers into its records). */
struct tlsi_inspect_certs {
	const u8 *subject, *issuer, *serial;
	u32 subject_len, issuer_len, serial_len;
	const u8 *der[TLSI_CERTS_CHAIN_MAX];
	u32 der_len[TLSI_CERTS_CHAIN_MAX];
	u32 nder;
};

/* Check len bytes of struct tlsi_cert_rec records (untrusted) and point
 * out at them: 0 or -EINVAL. */
int tlsi_inspect_certs_parse(const u8 *p, u32 len, struct tlsi_inspect_certs *out);
/* The engine's TLS step (tls.sni, tls.cert_*, tls.certs rules) runs here
 * when rules are loaded: is->certs is read only during this call. */
int tlsi_inspect_start(struct tlsi_inspect_session *is);
enum tlsi_inspect_verdict tlsi_inspect_data(struct tlsi_inspect_session *is,
					    enum tlsi_dir dir, const u8 *data,
					    size_t len);
void tlsi_inspect_end(struct tlsi_inspect_session *is);
/* The block came from a reject rule: the relay resets both sides. */
bool tlsi_inspect_rejected(const struct tlsi_inspect_session *is);
/* A UDP datagram on the packet path (softirq, RCU): true to drop it. */
struct sk_buff;
bool tlsi_inspect_datagram(struct tlsi_net *tn, const struct tlsi_pkt_tuple *key,
			   bool reply, const struct sk_buff *skb, unsigned int off,
			   unsigned int len);
/* A TCP packet of an inspected flow, for the TCP packet rules (flags...):
 * packet path (softirq, RCU); true to drop it. Only worth the parsing
 * when tlsi_inspect_tcp_packets(). */
bool tlsi_inspect_tcp_packets(struct tlsi_net *tn);
bool tlsi_inspect_tcp_packet(struct tlsi_net *tn, const struct tlsi_pkt_tuple *key,
			     bool reply, const struct sk_buff *skb, unsigned int off,
			     unsigned int len, u8 tcp_flags, bool established);

/* ips.c: IPS rule images of the filter engine (details in ips.h) */
int tlsi_ips_init(void);	/* before the main pernet operations */
void tlsi_ips_exit(void);	/* after them */
int tlsi_rules_load(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_commit(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_abort(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_flush(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_get(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_dump_start(struct netlink_callback *cb);
int tlsi_rules_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tlsi_rules_dump_done(struct netlink_callback *cb);
int tlsi_rules_var_set(struct sk_buff *skb, struct genl_info *info);
int tlsi_rules_var_dump_start(struct netlink_callback *cb);
int tlsi_rules_var_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tlsi_ips_cfg_get(struct sk_buff *skb, struct genl_info *info);
int tlsi_ips_cfg_set(struct sk_buff *skb, struct genl_info *info);
void tlsi_ips_reset_hits(struct tlsi_net *tn);	/* stats reset, process context */
bool tlsi_ips_loaded(struct tlsi_net *tn);	/* rules are loaded (any context) */
/* trace.c: packet traces of IPS verdicts */
int tlsi_trace_dump_start(struct netlink_callback *cb);
int tlsi_trace_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tlsi_trace_clear(struct sk_buff *skb, struct genl_info *info);
/* quarantine.c, for IPS verdicts: add or renew a host (process context) */
int tlsi_quar_add(struct tlsi_net *tn, const struct tlsi_addr *addr, u32 timeout,
		  const char *reason);

/* stats.c */
int tlsi_stats_net_init(struct tlsi_net *tn);
void tlsi_stats_net_exit(struct tlsi_net *tn);
int tlsi_stats_init(void);
void tlsi_stats_exit(void);
int tlsi_stats_get(struct sk_buff *skb, struct genl_info *info);
int tlsi_stats_reset(struct sk_buff *skb, struct genl_info *info);
int tlsi_config_get(struct sk_buff *skb, struct genl_info *info);
int tlsi_config_set(struct sk_buff *skb, struct genl_info *info);

extern struct genl_family tlsi_genl_family;

#endif /* TLSI_H */
