// SPDX-License-Identifier: GPL-2.0
/*
 * Cleartext inspection: the TCP flows that no SSL policy intercepts go
 * through the IPS rules as byte streams, by way of the kernel relay used
 * as a plain TCP proxy (Documentation/kernel-module.md, "Cleartext
 * inspection", says why this and not reassembly on the bridge).
 *
 *   1. The bridge hook (hook.c) diverts a new connection's SYN when its
 *      profile inspects cleartext and rules are loaded: the flow takes a
 *      session slot (max-ssl-sessions, shared with SSL) and a divert entry
 *      marked cleartext (divert.c); its frames are steered up the
 *      appliance's stack as SSL ones are.
 *   2. The IPv4 hook assigns the SYN to this namespace's listener, a
 *      kernel socket with IP_TRANSPARENT on an ephemeral port.
 *   3. The accept work takes each connection (local = the server the client
 *      asked for), refuses one that has no cleartext divert entry (someone
 *      connected to the listener directly), opens the upstream connection
 *      from the client's own address (IP_TRANSPARENT) without waiting for
 *      it, and hands both sockets to the relay (relay.c), which inspects
 *      each direction in order and starts relaying once the server answers.
 *
 * The local TCP/IP stack therefore reassembles and defragments exactly as
 * the receiving host would: reordered, overlapping, retransmitted or
 * 1-byte segments and IP fragments reach the engine as the one byte stream
 * TCP delivers, and nothing reaches the server before it was inspected.
 *
 * The accepted and upstream sockets are kernel sockets that take a
 * reference on their namespace, as the sockets tlsid hands over do (TCP's
 * timers need it): a namespace ends once its sessions have. The listener
 * takes none (it would pin the namespace for ever); it goes at namespace
 * exit, after its callback is unhooked and its work cancelled.
 */
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tlsi.h"
#include "flow.h"

#define TLSI_CLEAR_BACKLOG	1024	/* connections waiting for the accept work */
#define TLSI_CLEAR_ACCEPT_BUDGET 64	/* accepts per work run, then requeue */

/* TCP's own data_ready (sock_def_readable, not exported), from the first
 * listener: the accepted sockets inherit ours and get this back. */
static void (*tlsi_clear_tcp_data_ready)(struct sock *sk);

/* ---- the packet path ----------------------------------------------------- */

/*
 * A new TCP connection that every table let pass and no SSL policy
 * intercepts (softirq). Returns true when it is diverted: the caller marks
 * the flow diverted, whose end frees the slot and the entry (flow.c).
 */
bool tlsi_cleartext_divert(struct tlsi_net *tn, const struct tlsi_profile_settings *ps,
			   struct tlsi_flow *f)
{
	if (f->key.proto != IPPROTO_TCP || !ps->inspect_cleartext ||
	    !tlsi_ips_loaded(tn))
		return false;
	/* The divert needs tlsid's policy routing (registered with the
	 * divert port and mark) and our listener: without them, fail open. */
	if (!READ_ONCE(tn->clear_port) || !READ_ONCE(tn->cfg.divert_port) ||
	    !READ_ONCE(tn->cfg.divert_mark)) {
		char sbuf[TLSI_ADDR_STR_MAX], dbuf[TLSI_ADDR_STR_MAX];

		tlsi_count(tn, TLSI_CNT_CLEAR_NO_DIVERT);
		net_warn_ratelimited("tlsi: %s:%u -> %s:%u: no divert routing (tlsid not registered): cleartext not inspected\n",
				     tlsi_addr_str(&f->key.saddr, sbuf), f->key.sport,
				     tlsi_addr_str(&f->key.daddr, dbuf), f->key.dport);
		return false;
	}
	if (atomic_inc_return(&tn->ssl_sessions) > READ_ONCE(tn->cfg.max_ssl_sessions)) {
		atomic_dec(&tn->ssl_sessions);
		tlsi_count(tn, TLSI_CNT_CLEAR_FULL);
		net_warn_ratelimited("tlsi: cleartext inspection reached max-ssl-sessions (%u): connection passed uninspected\n",
				     READ_ONCE(tn->cfg.max_ssl_sessions));
		return false;
	}
	/* Without its entry the listener would refuse the connection. */
	if (tlsi_divert_add(tn, &f->key, 0, true, ps->inspect_depth, false)) {
		atomic_dec(&tn->ssl_sessions);
		return false;
	}
	tlsi_count(tn, TLSI_CNT_CLEAR_DIVERTED);
	if (!tlsi_addr_is_v4(&f->key.saddr))
		tlsi_count(tn, TLSI_CNT_CLEAR_DIVERTED_IPV6);
	return true;
}

/*
 * TCP fragments after the first carry no ports: they form a portless flow
 * of their own (hook.c) that cannot be told apart by connection. In a
 * segment that diverts cleartext connections they are all steered up the
 * appliance's stack, which reassembles them as the receiving host would
 * and hands the result to the relay's socket (or, for a connection that is
 * not diverted, drops it: only connections older than the rules or beyond
 * max-ssl-sessions, which then lose fragmented packets).
 */
bool tlsi_cleartext_fragments(struct tlsi_net *tn, const struct tlsi_profile_settings *ps,
			      const struct tlsi_pkt_tuple *t)
{
	return t->proto == IPPROTO_TCP && !t->sport && !t->dport &&
	       ps->inspect_cleartext && tlsi_ips_loaded(tn) &&
	       READ_ONCE(tn->clear_port) && READ_ONCE(tn->cfg.divert_port) &&
	       READ_ONCE(tn->cfg.divert_mark);
}

/*
 * A UDP datagram of a flow whose profile inspects cleartext (softirq):
 * given whole to the engine (tlsi_inspect_datagram()); true to drop it.
 * l4 is where the parser found the UDP header (inside the tunnel for a
 * tunnelled one). A non-first fragment has no ports and no flow of this
 * kind; a first fragment is inspected as far as it goes.
 */
bool tlsi_cleartext_udp(struct tlsi_net *tn, const struct tlsi_flow *f, bool reply,
			const struct sk_buff *skb, const struct tlsi_l4 *l4)
{
	const struct udphdr *uh;
	struct udphdr _uh;
	unsigned int len;

	if (!f->key.sport || !f->key.dport || !l4->off || l4->end > skb->len)
		return false;
	uh = skb_header_pointer(skb, l4->off, sizeof(_uh), &_uh);
	if (!uh || l4->end < l4->off + sizeof(_uh))
		return false;
	len = ntohs(uh->len);
	if (len < sizeof(_uh))
		return false;
	len = min(len, l4->end - l4->off) - sizeof(_uh);
	return tlsi_inspect_datagram(tn, &f->key, reply, skb, l4->off + sizeof(_uh), len);
}

/*
 * A TCP packet of a flow whose profile inspects cleartext, for the TCP
 * packet rules (flags, flow:no_stream, not_established: Suricata matches
 * them on packets, not on the stream the relay inspects); l4: its TCP
 * header as the hook parsed it (the inner one in a tunnel). state_before:
 * the bridge's TCP state of the flow before this packet; the connection
 * is established for the packet as Suricata's FLOW_PKT_ESTABLISHED is:
 * from the packet after the handshake's ACK, or that ACK if it carries
 * data. IP fragments are left alone (the header or the payload is not all
 * there). True to drop the packet.
 */
bool tlsi_cleartext_tcp(struct tlsi_net *tn, const struct tlsi_flow *f, bool reply,
			const struct sk_buff *skb, const struct tlsi_l4 *l4, u8 state_before)
{
	unsigned int len;
	bool established;

	if (!l4->off || l4->frag || !tlsi_inspect_tcp_packets(tn))
		return false;
	if (l4->tcp_hlen < sizeof(struct tcphdr) || l4->end < l4->off + l4->tcp_hlen ||
	    l4->end > skb->len)
		return false;
	len = l4->end - l4->off - l4->tcp_hlen;
	established = state_before >= TLSI_TCP_ESTABLISHED ||
		      (state_before == TLSI_TCP_SYN_RECV && !reply && len &&
		       (l4->tcp_flags & (TLSI_TCPF_SYN | TLSI_TCPF_ACK | TLSI_TCPF_RST)) ==
		       TLSI_TCPF_ACK);
	return tlsi_inspect_tcp_packet(tn, &f->key, reply, skb, l4->off + l4->tcp_hlen, len,
				       l4->tcp_flags, established);
}

/* ---- sockets ------------------------------------------------------------- */

/* A kernel socket of a session holds its namespace, as a user's does. */
static void tlsi_clear_hold_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (sk->sk_net_refcnt)
		return;
	sk->sk_net_refcnt = 1;
	get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
}

static void tlsi_clear_refuse(struct socket *sock)
{
	tcp_abort(sock->sk, ECONNREFUSED);
	sock_release(sock);
}

static void tlsi_clear_set_transparent(struct sock *sk)
{
	lock_sock(sk);
	inet_sk(sk)->transparent = 1;
	sk->sk_reuse = SK_CAN_REUSE;
	release_sock(sk);
}

/* The upstream socket: from the client's own address and port. */
static int tlsi_clear_upstream(struct tlsi_net *tn, const struct tlsi_addr *caddr, u16 cport,
			       struct socket **out)
{
	struct sockaddr_storage a;
	int len = tlsi_addr_sockaddr(caddr, cport, &a), err;
	struct socket *ss;

	err = sock_create_kern(tn->net, a.ss_family, SOCK_STREAM, IPPROTO_TCP, &ss);
	if (err)
		return err;
	tlsi_clear_hold_net(ss->sk);
	tlsi_clear_set_transparent(ss->sk);
	tcp_sock_set_nodelay(ss->sk);
	err = kernel_bind(ss, (struct sockaddr *)&a, len);
	if (err) {
		sock_release(ss);
		return err;
	}
	*out = ss;
	return 0;
}

/* One accepted connection: refused, or a relayed session from here. */
static void tlsi_clear_one(struct tlsi_net *tn, struct socket *cs)
{
	char cbuf[TLSI_ADDR_STR_MAX], sbuf[TLSI_ADDR_STR_MAX];
	struct tlsi_addr caddr, saddr;
	struct sock *sk = cs->sk;
	struct sockaddr_storage server;
	int server_len, err;
	u16 cport, sport;
	struct socket *ss;
	u32 depth;

	/* It inherited the listener's data_ready: TCP's own back. */
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = tlsi_clear_tcp_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	tlsi_clear_hold_net(sk);
	tlsi_count(tn, TLSI_CNT_CLEAR_ACCEPTED);

	tlsi_sk_addrs(sk, &caddr, &cport, &saddr, &sport);
	if (!tlsi_divert_cleartext(tn, &caddr, cport, &saddr, sport, &depth)) {
		tlsi_count(tn, TLSI_CNT_CLEAR_REFUSED_NOT_DIVERTED);
		tlsi_clear_refuse(cs);
		return;
	}
	tcp_sock_set_nodelay(sk);
	err = tlsi_clear_upstream(tn, &caddr, cport, &ss);
	if (err) {
		tlsi_count(tn, err == -ENOMEM ? TLSI_CNT_CLEAR_REFUSED_NOMEM :
			   TLSI_CNT_CLEAR_CONNECT_FAILED);
		net_info_ratelimited("tlsi: %s:%u -> %s:%u: upstream socket: error %d\n",
				     tlsi_addr_str(&caddr, cbuf), cport,
				     tlsi_addr_str(&saddr, sbuf), sport, err);
		tlsi_clear_refuse(cs);
		return;
	}
	server_len = tlsi_addr_sockaddr(&saddr, sport, &server);
	/* Takes both sockets, whatever it returns. */
	tlsi_relay_start_cleartext(tn, cs, ss, (struct sockaddr *)&server, server_len, depth);
}

static void tlsi_clear_accept_work(struct work_struct *work)
{
	struct tlsi_net *tn = container_of(work, struct tlsi_net, clear_accept_work);
	struct socket *cs;
	int n;

	for (n = 0; n < TLSI_CLEAR_ACCEPT_BUDGET; n++) {
		if (kernel_accept(tn->clear_listener, &cs, O_NONBLOCK))
			return;
		tlsi_clear_one(tn, cs);
	}
	queue_work(system_wq, work);
}

/* The listener's data_ready: a connection to accept. Accepted sockets
 * inherit this function but not the namespace (SK_USER_DATA_NOCOPY). */
static void tlsi_clear_listen_ready(struct sock *sk)
{
	struct tlsi_net *tn;

	rcu_read_lock();
	tn = rcu_dereference_sk_user_data(sk);
	if (tn && sk->sk_state == TCP_LISTEN)
		queue_work(system_wq, &tn->clear_accept_work);
	rcu_read_unlock();
	tlsi_clear_tcp_data_ready(sk);
}

/* ---- the namespace's listener ------------------------------------------ */

/*
 * One dual-stack listener (IPv6, not v6only) takes the diverted connections
 * of both families: the IPv4 and IPv6 divert hooks find it by port, and an
 * IPv4 client's accepted socket carries mapped addresses (tlsi_sk_addrs()).
 * Where IPv6 is disabled, an IPv4 listener.
 */
int tlsi_cleartext_net_init(struct tlsi_net *tn)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_storage bound;
	struct socket *sock;
	bool v6 = true;
	struct sock *sk;
	int err;

	INIT_WORK(&tn->clear_accept_work, tlsi_clear_accept_work);
	err = sock_create_kern(tn->net, PF_INET6, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err == -EAFNOSUPPORT) {
		v6 = false;
		err = sock_create_kern(tn->net, PF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	}
	if (err)
		return err;
	sk = sock->sk;
	tlsi_clear_set_transparent(sk);
	if (v6) {
		sk->sk_ipv6only = false;
		err = kernel_bind(sock, (struct sockaddr *)&a6, sizeof(a6));
	} else {
		err = kernel_bind(sock, (struct sockaddr *)&a4, sizeof(a4));
	}
	if (!err)
		err = kernel_listen(sock, TLSI_CLEAR_BACKLOG);
	if (!err)
		err = kernel_getsockname(sock, (struct sockaddr *)&bound);
	if (err < 0) {
		sock_release(sock);
		return err;
	}
	write_lock_bh(&sk->sk_callback_lock);
	if (!tlsi_clear_tcp_data_ready)
		tlsi_clear_tcp_data_ready = sk->sk_data_ready;
	__rcu_assign_sk_user_data_with_flags(sk, tn, SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = tlsi_clear_listen_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	tn->clear_listener = sock;
	WRITE_ONCE(tn->clear_port, ntohs(v6 ? ((struct sockaddr_in6 *)&bound)->sin6_port :
					      ((struct sockaddr_in *)&bound)->sin_port));
	return 0;
}

/* After the hooks are gone: no new connection reaches the listener. */
void tlsi_cleartext_net_exit(struct tlsi_net *tn)
{
	struct socket *sock = tn->clear_listener;
	struct socket *cs;
	struct sock *sk;

	if (!sock)
		return;
	WRITE_ONCE(tn->clear_port, 0);
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = tlsi_clear_tcp_data_ready;
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	/* A data_ready that read the namespace before has queued its work
	 * by now (it does so under RCU): then cancel it. */
	synchronize_rcu();
	cancel_work_sync(&tn->clear_accept_work);
	/* Connections still queued: refused, with TCP's callback back. */
	while (!kernel_accept(sock, &cs, O_NONBLOCK)) {
		write_lock_bh(&cs->sk->sk_callback_lock);
		cs->sk->sk_data_ready = tlsi_clear_tcp_data_ready;
		write_unlock_bh(&cs->sk->sk_callback_lock);
		tlsi_clear_refuse(cs);
	}
	sock_release(sock);
	tn->clear_listener = NULL;
}
