// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel relay: tlsid hands over the two sockets of a session whose
 * handshakes are done and whose kTLS keys are installed (/dev/tlsi,
 * TLSI_IOC_HANDOFF); from then on the module moves the plaintext between
 * them, shows every chunk to the inspection hook, and ends the session.
 *
 * Event-driven, in the manner of nvme-tcp: the sockets' data_ready,
 * write_space and state_change callbacks are wrapped (the originals, kTLS's
 * among them, still run first) and only queue the session's work; all
 * reading and writing happens in that work, in process context, because
 * kTLS's recvmsg and sendmsg sleep on the socket lock. Socket calls never
 * block (MSG_DONTWAIT): a work run does what it can and returns.
 *
 * Per direction there is one buffer of a record's plaintext. A direction
 * reads only when its buffer is empty, so a slow receiver stops the sender
 * through TCP's own windows (backpressure) and memory per session is
 * bounded: two 16 KiB buffers and this struct.
 *
 * Records other than application data (kTLS reports their type in a cmsg):
 * an upstream NewSessionTicket is dropped (the client has its own session
 * with tlsid); KeyUpdate ends the session, because kTLS in 6.1 cannot
 * rekey (the next record would fail to decrypt); close_notify is passed on
 * as close_notify followed by FIN; any other alert, handshake message or
 * record type ends the session with resets. A FIN is passed on as a FIN, a
 * reset as a reset.
 *
 * Only an end that a peer sent is passed on as clean: close_notify is never
 * made up. Every end the relay causes (KeyUpdate, idle timeout, an
 * inspection block, module unload, namespace exit) is a fatal alert or a
 * reset, so that no endpoint can take a cut session for a complete one.
 *
 * Lifetime: a session is on its namespace's list from hand-off until its
 * work ends it. Only the work ends a session; everything else (idle
 * timeouts, namespace exit, module unload) sets a flag and queues the work,
 * under relay_lock and only while the session is on the list. The work
 * takes the session off the list, unhooks the callbacks under
 * sk_callback_lock (after which no callback can run or queue it), cancels a
 * pending run of itself and frees. The file references taken from tlsid's
 * descriptors are released last; the sockets then close as usual.
 */
#include <linux/file.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "tlsi.h"

/* TLS record content types (RFC 8446 5.1); the kernel names only data. */
#define TLSI_TLS_ALERT		21
#define TLSI_TLS_HANDSHAKE	22
/* Fatal alerts the relay sends (RFC 8446 6.2). */
#define TLSI_ALERT_ACCESS_DENIED	49	/* the IPS blocked the session */
#define TLSI_ALERT_INTERNAL_ERROR	80	/* the relay cannot go on */

#define TLSI_RELAY_BUF		16384	/* a TLS record's plaintext, at most */
#define TLSI_RELAY_BUDGET	32	/* chunks per work run, then requeue */
#define TLSI_RELAY_RETRY	(HZ / 50)	/* poll while kTLS still holds records */

enum tlsi_relay_side_id { TLSI_SIDE_CLIENT, TLSI_SIDE_SERVER, __TLSI_SIDE_MAX };

enum tlsi_pipe_state {
	TLSI_PIPE_OPEN,
	TLSI_PIPE_EOF,		/* the source ended; not yet passed on */
	TLSI_PIPE_CLOSED,	/* ... and passed on */
};

/* Why a session ends; what the two sockets get. */
enum tlsi_relay_end {
	TLSI_END_CLEAN,		/* both directions closed */
	TLSI_END_ALERT,		/* fatal alert and FIN both ways (plain: reset) */
	TLSI_END_RESET_CLIENT,	/* the server side failed: reset the client */
	TLSI_END_RESET_SERVER,	/* the client side failed: reset the server */
	TLSI_END_RESET_BOTH,
	TLSI_END_BLOCK,		/* inspection: reset server, client per proxy */
};

struct tlsi_relay_pipe {
	u8 *buf;
	u32 off, len;		/* unsent plaintext: buf[off..off+len) */
	u8 state;		/* enum tlsi_pipe_state */
	bool close_notify;	/* the source's end came with close_notify */
};

struct tlsi_relay_side {
	struct socket *sock;	/* holds a file reference */
	void (*data_ready)(struct sock *sk);
	void (*write_space)(struct sock *sk);
	void (*state_change)(struct sock *sk);
	bool hooked;
};

#define TLSI_RELAY_F_STOP	0	/* module unload: reset both */
#define TLSI_RELAY_F_IDLE	1	/* idle timeout: reset both */
#define TLSI_RELAY_F_STARTING	2	/* the ioctl still uses it: work waits */
#define TLSI_RELAY_F_CONNECTING	3	/* cleartext: the server has not answered */

struct tlsi_relay {
	struct list_head list;		/* tlsi_net.relays, relay_lock */
	struct tlsi_net *tn;
	struct delayed_work work;
	unsigned long flags;		/* TLSI_RELAY_F_* */
	struct tlsi_relay_side side[__TLSI_SIDE_MAX];
	struct tlsi_relay_pipe pipe[__TLSI_DIR_MAX];
	struct tlsi_inspect_session is;
	bool ktls;
	bool kernel_socks;		/* cleartext.c's: released, not fput */
	u32 idle;			/* seconds */
	unsigned long last_active;	/* jiffies */
};

static struct workqueue_struct *tlsi_relay_wq;

static void tlsi_relay_kick(struct tlsi_relay *r)
{
	mod_delayed_work(tlsi_relay_wq, &r->work, 0);
}

/* ---- socket callbacks: run the original, then queue the work ---------- */

static struct tlsi_relay_side *tlsi_relay_side_of(struct tlsi_relay *r, struct sock *sk)
{
	return r->side[TLSI_SIDE_CLIENT].sock->sk == sk ? &r->side[TLSI_SIDE_CLIENT] :
							   &r->side[TLSI_SIDE_SERVER];
}

/*
 * A callback that raced with unhooking finds no session and returns: the
 * session is ending, nobody reads the socket any more.
 */
static void tlsi_relay_data_ready(struct sock *sk)
{
	struct tlsi_relay *r;

	read_lock_bh(&sk->sk_callback_lock);
	r = sk->sk_user_data;
	if (r) {
		tlsi_relay_side_of(r, sk)->data_ready(sk);
		queue_delayed_work(tlsi_relay_wq, &r->work, 0);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void tlsi_relay_write_space(struct sock *sk)
{
	struct tlsi_relay *r;

	read_lock_bh(&sk->sk_callback_lock);
	r = sk->sk_user_data;
	if (r) {
		/* kTLS's write_space pushes records it still holds. */
		tlsi_relay_side_of(r, sk)->write_space(sk);
		queue_delayed_work(tlsi_relay_wq, &r->work, 0);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void tlsi_relay_state_change(struct sock *sk)
{
	struct tlsi_relay *r;

	read_lock_bh(&sk->sk_callback_lock);
	r = sk->sk_user_data;
	if (r) {
		tlsi_relay_side_of(r, sk)->state_change(sk);
		queue_delayed_work(tlsi_relay_wq, &r->work, 0);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static int tlsi_relay_hook(struct tlsi_relay *r, struct tlsi_relay_side *side)
{
	struct sock *sk = side->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data) {
		/* Handed off already, or someone else's (sockmap, ...). */
		write_unlock_bh(&sk->sk_callback_lock);
		return -EBUSY;
	}
	side->data_ready = sk->sk_data_ready;
	side->write_space = sk->sk_write_space;
	side->state_change = sk->sk_state_change;
	sk->sk_data_ready = tlsi_relay_data_ready;
	sk->sk_write_space = tlsi_relay_write_space;
	sk->sk_state_change = tlsi_relay_state_change;
	sk->sk_user_data = r;
	side->hooked = true;
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

static void tlsi_relay_unhook(struct tlsi_relay_side *side)
{
	struct sock *sk = side->sock->sk;

	if (!side->hooked)
		return;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = side->data_ready;
	sk->sk_write_space = side->write_space;
	sk->sk_state_change = side->state_change;
	sk->sk_user_data = NULL;
	side->hooked = false;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* ---- socket I/O (process context, never blocking) -------------------- */

/* Returns bytes read, 0 at FIN, or -errno; *type is the TLS record type. */
static int tlsi_relay_recv(struct tlsi_relay *r, struct socket *sock, u8 *buf, u8 *type)
{
	union {
		struct cmsghdr hdr;
		u8 space[CMSG_SPACE(sizeof(u8))];
	} ctl;
	struct msghdr msg = {};
	struct kvec iov = { .iov_base = buf, .iov_len = TLSI_RELAY_BUF };
	int n;

	*type = TLS_RECORD_TYPE_DATA;
	if (r->ktls) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = &ctl;
		msg.msg_controllen = sizeof(ctl);
	}
	n = kernel_recvmsg(sock, &msg, &iov, 1, TLSI_RELAY_BUF, MSG_DONTWAIT);
	/* put_cmsg() consumed msg_controllen if kTLS reported a type. */
	if (n >= 0 && r->ktls && msg.msg_controllen < sizeof(ctl) &&
	    ctl.hdr.cmsg_level == SOL_TLS && ctl.hdr.cmsg_type == TLS_GET_RECORD_TYPE)
		*type = *(u8 *)CMSG_DATA(&ctl.hdr);
	return n;
}

/* Returns bytes taken or -errno. type != DATA sends one record of it. */
static int tlsi_relay_send(struct socket *sock, const u8 *buf, size_t len, u8 type)
{
	union {
		struct cmsghdr hdr;
		u8 space[CMSG_SPACE(sizeof(u8))];
	} ctl;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (type != TLS_RECORD_TYPE_DATA) {
		memset(&ctl, 0, sizeof(ctl));
		ctl.hdr.cmsg_level = SOL_TLS;
		ctl.hdr.cmsg_type = TLS_SET_RECORD_TYPE;
		ctl.hdr.cmsg_len = CMSG_LEN(sizeof(u8));
		*(u8 *)CMSG_DATA(&ctl.hdr) = type;
		msg.msg_control = &ctl;
		msg.msg_controllen = sizeof(ctl);
	}
	return kernel_sendmsg(sock, &msg, &iov, 1, len);
}

/*
 * Does kTLS still hold encrypted records that TCP has not taken? A FIN
 * queued now would overtake them.
 */
static bool tlsi_relay_tx_pending(struct tlsi_relay *r, struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct tls_context *ctx;
	bool pending = false;

	if (!r->ktls)
		return false;
	lock_sock(sk);
	ctx = tls_get_ctx(sk);
	if (ctx && ctx->tx_conf == TLS_SW) {
		struct tls_sw_context_tx *tx = tls_sw_ctx_tx(ctx);

		/* The tests of net/tls/tls.h, which is private. */
		pending = ctx->partially_sent_record || ctx->pending_open_record_frags ||
			  !list_empty(&tx->tx_list);
	}
	release_sock(sk);
	return pending;
}

/* A fatal alert on a kTLS socket (best effort: the socket may be gone). */
static void tlsi_relay_send_alert(struct tlsi_net *tn, struct socket *sock, u8 desc)
{
	const u8 alert[2] = { 2, desc };

	if (tlsi_relay_send(sock, alert, sizeof(alert), TLSI_TLS_ALERT) == sizeof(alert))
		tlsi_count(tn, TLSI_CNT_RELAY_ALERT_SENT);
}

static void tlsi_relay_abort(struct socket *sock)
{
	/* A reset, now: tcp_abort() sends it for states that need one. */
	tcp_abort(sock->sk, ECONNRESET);
}

/* ---- one direction ----------------------------------------------------- */

enum tlsi_pump {
	TLSI_PUMP_BLOCKED,	/* waiting for a socket */
	TLSI_PUMP_RETRY,	/* waiting for kTLS to flush: poll */
	TLSI_PUMP_DONE,		/* the end was passed on */
	TLSI_PUMP_FATAL,	/* end the session with fatal alerts */
	TLSI_PUMP_SRC_RESET,	/* the source was reset or failed */
	TLSI_PUMP_DST_RESET,
	TLSI_PUMP_SRC_BAD,	/* a record the relay cannot pass on (counted) */
	TLSI_PUMP_BLOCK,	/* the inspection hook said so */
};

/* A non-data record from a kTLS source. Returns a pump result or -1 to go on. */
static int tlsi_relay_control(struct tlsi_relay *r, enum tlsi_dir dir,
			      struct tlsi_relay_pipe *p, u8 type, const u8 *b, int n)
{
	struct tlsi_net *tn = r->tn;
	int off = 0;

	switch (type) {
	case TLSI_TLS_ALERT:
		if (n == 2 && b[1] == 0) {	/* close_notify */
			tlsi_count(tn, TLSI_CNT_RELAY_CLOSE_NOTIFY);
			p->state = TLSI_PIPE_EOF;
			p->close_notify = true;
			return -1;
		}
		tlsi_count(tn, TLSI_CNT_RELAY_ALERT);
		return TLSI_PUMP_SRC_BAD;
	case TLSI_TLS_HANDSHAKE:
		/* Whole handshake messages: type (1), length (3), body. */
		while (off + 4 <= n) {
			u32 len = (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];

			if (b[off] == 4 && dir == TLSI_DIR_S2C) {	/* NewSessionTicket */
				tlsi_count(tn, TLSI_CNT_RELAY_TICKETS_DROPPED);
			} else if (b[off] == 24) {			/* KeyUpdate */
				tlsi_count(tn, TLSI_CNT_RELAY_KEY_UPDATE);
				return TLSI_PUMP_FATAL;
			} else {
				tlsi_count(tn, TLSI_CNT_RELAY_BAD_RECORD);
				return TLSI_PUMP_SRC_BAD;
			}
			if (len > (u32)(n - off - 4))
				break;	/* continued in the next record: dropped too */
			off += 4 + len;
		}
		return -1;
	default:
		tlsi_count(tn, TLSI_CNT_RELAY_BAD_RECORD);
		return TLSI_PUMP_SRC_BAD;
	}
}

static enum tlsi_pump tlsi_relay_pump(struct tlsi_relay *r, enum tlsi_dir dir, bool *progress)
{
	struct tlsi_net *tn = r->tn;
	struct tlsi_relay_pipe *p = &r->pipe[dir];
	struct socket *src = r->side[dir == TLSI_DIR_C2S ? TLSI_SIDE_CLIENT : TLSI_SIDE_SERVER].sock;
	struct socket *dst = r->side[dir == TLSI_DIR_C2S ? TLSI_SIDE_SERVER : TLSI_SIDE_CLIENT].sock;
	int budget = TLSI_RELAY_BUDGET;
	u8 type;
	int n;

	while (budget-- > 0) {
		if (p->len) {
			n = tlsi_relay_send(dst, p->buf + p->off, p->len, TLS_RECORD_TYPE_DATA);
			if (n == -EAGAIN)
				return TLSI_PUMP_BLOCKED;
			if (n <= 0)
				return TLSI_PUMP_DST_RESET;
			p->off += n;
			p->len -= n;
			tlsi_count_add(tn, dir == TLSI_DIR_C2S ? TLSI_CNT_RELAY_BYTES_C2S :
					   TLSI_CNT_RELAY_BYTES_S2C, n);
			*progress = true;
			continue;
		}
		if (p->state == TLSI_PIPE_CLOSED)
			return TLSI_PUMP_DONE;
		if (p->state == TLSI_PIPE_EOF) {
			if (p->close_notify && r->ktls) {
				static const u8 close_notify[2] = { 1, 0 };

				n = tlsi_relay_send(dst, close_notify, 2, TLSI_TLS_ALERT);
				if (n == -EAGAIN)
					return TLSI_PUMP_BLOCKED;
				p->close_notify = false;	/* sent, or the peer is gone */
			}
			if (tlsi_relay_tx_pending(r, dst))
				return TLSI_PUMP_RETRY;
			kernel_sock_shutdown(dst, SHUT_WR);
			p->state = TLSI_PIPE_CLOSED;
			*progress = true;
			return TLSI_PUMP_DONE;
		}

		/*
		 * The buffer lives only while data moves: an idle session
		 * (most of 10,000 kept-alive ones) holds none. A run that
		 * finds the source empty gives it back.
		 */
		if (!p->buf) {
			p->buf = kmalloc(TLSI_RELAY_BUF, GFP_KERNEL_ACCOUNT);
			if (!p->buf) {
				tlsi_count(tn, TLSI_CNT_RELAY_BUFFER_NOMEM);
				return TLSI_PUMP_RETRY;
			}
		}
		n = tlsi_relay_recv(r, src, p->buf, &type);
		if (n == -EAGAIN) {
			kfree(p->buf);
			p->buf = NULL;
			return TLSI_PUMP_BLOCKED;
		}
		if (n == 0) {
			tlsi_count(tn, TLSI_CNT_RELAY_FIN);
			p->state = TLSI_PIPE_EOF;
			*progress = true;
			continue;
		}
		if (n < 0) {
			/* -EBADMSG: a record that does not decrypt (after a
			 * KeyUpdate kTLS 6.1 cannot follow, or tampering). */
			if (n == -EBADMSG || n == -EMSGSIZE || n == -EINVAL || n == -EIO) {
				tlsi_count(tn, TLSI_CNT_RELAY_BAD_RECORD);
				return TLSI_PUMP_SRC_BAD;
			}
			return TLSI_PUMP_SRC_RESET;
		}
		*progress = true;
		if (type != TLS_RECORD_TYPE_DATA) {
			int rc = tlsi_relay_control(r, dir, p, type, p->buf, n);

			if (rc >= 0)
				return rc;
			continue;
		}
		if (tlsi_inspect_data(&r->is, dir, p->buf, n) == TLSI_INSPECT_BLOCK) {
			tlsi_count(tn, TLSI_CNT_RELAY_INSPECT_BLOCK);
			return TLSI_PUMP_BLOCK;
		}
		p->off = 0;
		p->len = n;
	}
	return TLSI_PUMP_RETRY;	/* budget spent: run again soon */
}

/* ---- the end of a session --------------------------------------------- */

static void tlsi_relay_free(struct tlsi_relay *r)
{
	int i;

	for (i = 0; i < __TLSI_SIDE_MAX; i++) {
		if (!r->side[i].sock)
			continue;
		if (r->kernel_socks)
			sock_release(r->side[i].sock);
		else
			sockfd_put(r->side[i].sock);
	}
	for (i = 0; i < __TLSI_DIR_MAX; i++)
		kfree(r->pipe[i].buf);
	kfree(r);
}

/* Off the namespace's list: the idle GC and the exit path no longer see it. */
static void tlsi_relay_unlist(struct tlsi_net *tn, struct tlsi_relay *r)
{
	spin_lock_bh(&tn->relay_lock);
	list_del(&r->list);
	spin_unlock_bh(&tn->relay_lock);
}

/*
 * A session's very last touch of its namespace: once the count reaches 0,
 * tlsi_relay_net_exit() returns and the namespace's state (counters
 * included) is freed, so everything else comes before this.
 */
static void tlsi_relay_release(struct tlsi_net *tn)
{
	spin_lock_bh(&tn->relay_lock);
	if (--tn->nrelays == 0)
		wake_up_all(&tn->relay_wait);
	spin_unlock_bh(&tn->relay_lock);
}

static bool tlsi_relay_none_left(struct tlsi_net *tn)
{
	bool none;

	/* Under the lock: the last session is out of tlsi_relay_release(). */
	spin_lock_bh(&tn->relay_lock);
	none = tn->nrelays == 0;
	spin_unlock_bh(&tn->relay_lock);
	return none;
}

static void tlsi_relay_end(struct tlsi_relay *r, enum tlsi_relay_end how)
{
	struct tlsi_net *tn = r->tn;
	struct socket *cs = r->side[TLSI_SIDE_CLIENT].sock;
	struct socket *ss = r->side[TLSI_SIDE_SERVER].sock;

	tlsi_relay_unlist(tn, r);

	tlsi_relay_unhook(&r->side[TLSI_SIDE_CLIENT]);
	tlsi_relay_unhook(&r->side[TLSI_SIDE_SERVER]);
	/* Nothing can queue us now; drop a run queued before unhooking. */
	cancel_delayed_work(&r->work);

	switch (how) {
	case TLSI_END_CLEAN:
		break;
	case TLSI_END_ALERT:
		if (!r->ktls) {
			tlsi_relay_abort(cs);
			tlsi_relay_abort(ss);
			break;
		}
		tlsi_relay_send_alert(tn, cs, TLSI_ALERT_INTERNAL_ERROR);
		tlsi_relay_send_alert(tn, ss, TLSI_ALERT_INTERNAL_ERROR);
		kernel_sock_shutdown(cs, SHUT_RDWR);
		kernel_sock_shutdown(ss, SHUT_RDWR);
		break;
	case TLSI_END_RESET_CLIENT:
		tlsi_relay_abort(cs);
		kernel_sock_shutdown(ss, SHUT_RDWR);
		break;
	case TLSI_END_RESET_SERVER:
		tlsi_relay_abort(ss);
		kernel_sock_shutdown(cs, SHUT_RDWR);
		break;
	case TLSI_END_RESET_BOTH:
		tlsi_relay_abort(cs);
		tlsi_relay_abort(ss);
		break;
	case TLSI_END_BLOCK: {
		/* The unprotected side (the server of a client proxy, the
		 * client of a server proxy) is reset. The protected side
		 * learns why, unless the proxy says "reset" (the guide's
		 * "send TCP reset to client/server for blocked sessions") or
		 * a reject rule blocked; a session relayed without
		 * decryption has no TLS of ours to say it in. */
		bool server_role = r->is.role == TLSI_SSL_ROLE_SERVER;
		struct socket *protected = server_role ? ss : cs;

		tlsi_relay_abort(server_role ? cs : ss);
		if ((r->is.ssl_flags & TLSI_SSL_F_RESET) || tlsi_inspect_rejected(&r->is) ||
		    !r->ktls) {
			tlsi_relay_abort(protected);
		} else {
			tlsi_relay_send_alert(tn, protected, TLSI_ALERT_ACCESS_DENIED);
			kernel_sock_shutdown(protected, SHUT_RDWR);
		}
		break;
	}
	}
	tlsi_inspect_end(&r->is);
	tlsi_count(tn, TLSI_CNT_RELAY_ENDED);
	tlsi_relay_free(r);
	tlsi_relay_release(tn);
}

/*
 * A cleartext session waits for its server (the upstream socket's
 * state_change queues the work): false while it does, or when it failed
 * and the session ended (the client is reset).
 */
static bool tlsi_relay_connected(struct tlsi_relay *r)
{
	int state = READ_ONCE(r->side[TLSI_SIDE_SERVER].sock->sk->sk_state);

	if (state == TCP_SYN_SENT)
		return false;
	if (state != TCP_ESTABLISHED && state != TCP_CLOSE_WAIT) {
		tlsi_count(r->tn, TLSI_CNT_CLEAR_CONNECT_FAILED);
		tlsi_relay_end(r, TLSI_END_RESET_CLIENT);
		return false;
	}
	clear_bit(TLSI_RELAY_F_CONNECTING, &r->flags);
	tlsi_count(r->tn, TLSI_CNT_CLEAR_RELAYED);
	return true;
}

static void tlsi_relay_work(struct work_struct *work)
{
	struct tlsi_relay *r = container_of(to_delayed_work(work), struct tlsi_relay, work);
	struct tlsi_net *tn = r->tn;
	enum tlsi_pump c2s, s2c;
	bool progress = false;

	/* The hand-off kicks the work again once it is done with r. */
	if (test_bit(TLSI_RELAY_F_STARTING, &r->flags))
		return;
	if (test_bit(TLSI_RELAY_F_STOP, &r->flags)) {
		tlsi_count(tn, TLSI_CNT_RELAY_SHUTDOWN);
		tlsi_relay_end(r, TLSI_END_RESET_BOTH);
		return;
	}
	if (test_bit(TLSI_RELAY_F_IDLE, &r->flags)) {
		tlsi_count(tn, TLSI_CNT_RELAY_IDLE_TIMEOUT);
		tlsi_relay_end(r, TLSI_END_RESET_BOTH);
		return;
	}
	if (test_bit(TLSI_RELAY_F_CONNECTING, &r->flags) && !tlsi_relay_connected(r))
		return;

	c2s = tlsi_relay_pump(r, TLSI_DIR_C2S, &progress);
	s2c = TLSI_PUMP_BLOCKED;
	if (c2s <= TLSI_PUMP_DONE)
		s2c = tlsi_relay_pump(r, TLSI_DIR_S2C, &progress);
	if (progress)
		WRITE_ONCE(r->last_active, jiffies);

	switch (c2s > TLSI_PUMP_DONE ? c2s : s2c) {
	case TLSI_PUMP_SRC_RESET:
		tlsi_count(tn, TLSI_CNT_RELAY_RESET);
		/* The side that failed is the source of the failing direction. */
		tlsi_relay_end(r, c2s == TLSI_PUMP_SRC_RESET ? TLSI_END_RESET_SERVER :
							      TLSI_END_RESET_CLIENT);
		return;
	case TLSI_PUMP_DST_RESET:
		tlsi_count(tn, TLSI_CNT_RELAY_RESET);
		tlsi_relay_end(r, c2s == TLSI_PUMP_DST_RESET ? TLSI_END_RESET_CLIENT :
							      TLSI_END_RESET_SERVER);
		return;
	case TLSI_PUMP_SRC_BAD:
		tlsi_relay_end(r, TLSI_END_RESET_BOTH);
		return;
	case TLSI_PUMP_FATAL:
		tlsi_relay_end(r, TLSI_END_ALERT);
		return;
	case TLSI_PUMP_BLOCK:
		tlsi_relay_end(r, TLSI_END_BLOCK);
		return;
	default:
		break;
	}
	if (c2s == TLSI_PUMP_DONE && s2c == TLSI_PUMP_DONE) {
		tlsi_relay_end(r, TLSI_END_CLEAN);
		return;
	}
	if (c2s == TLSI_PUMP_RETRY || s2c == TLSI_PUMP_RETRY)
		queue_delayed_work(tlsi_relay_wq, &r->work,
				   progress ? 0 : TLSI_RELAY_RETRY);
	else if (progress)
		queue_delayed_work(tlsi_relay_wq, &r->work, 0);
}

/* ---- the idle timeout and the end of a namespace ----------------------- */

void tlsi_relay_gc(struct tlsi_net *tn)
{
	struct tlsi_relay *r;

	spin_lock_bh(&tn->relay_lock);
	list_for_each_entry(r, &tn->relays, list) {
		if (time_after(jiffies, READ_ONCE(r->last_active) + (unsigned long)r->idle * HZ) &&
		    !test_and_set_bit(TLSI_RELAY_F_IDLE, &r->flags))
			tlsi_relay_kick(r);
	}
	spin_unlock_bh(&tn->relay_lock);
}

void tlsi_relay_net_init(struct tlsi_net *tn)
{
	spin_lock_init(&tn->relay_lock);
	INIT_LIST_HEAD(&tn->relays);
	init_waitqueue_head(&tn->relay_wait);
	spin_lock_init(&tn->divert_lock);
}

/*
 * A namespace goes away only when no socket holds it, so this runs with
 * sessions alive only on module unload: every session is reset.
 */
void tlsi_relay_net_exit(struct tlsi_net *tn)
{
	struct tlsi_relay *r;

	spin_lock_bh(&tn->relay_lock);
	tn->relay_closing = true;
	list_for_each_entry(r, &tn->relays, list) {
		set_bit(TLSI_RELAY_F_STOP, &r->flags);
		tlsi_relay_kick(r);
	}
	spin_unlock_bh(&tn->relay_lock);
	wait_event(tn->relay_wait, tlsi_relay_none_left(tn));
}

/* ---- /dev/tlsi ---------------------------------------------------------- */

static void tlsi_count_version(struct tlsi_net *tn, u16 v, enum tlsi_counter base)
{
	/* base is the TLS 1.0 counter; 1.1, 1.2, 1.3 follow it. */
	if (v >= 0x0301 && v <= 0x0304)
		tlsi_count(tn, base + (v - 0x0301));
}

static void tlsi_count_cipher(struct tlsi_net *tn, u16 suite, enum tlsi_counter base)
{
	/* base is the AES-128-GCM counter; AES-256-GCM, ChaCha20, CBC, other follow. */
	switch (suite) {
	case 0x1301: case 0x009c: case 0x009e: case 0xc02b: case 0xc02f: case 0x00a2:
		tlsi_count(tn, base);
		break;
	case 0x1302: case 0x009d: case 0x009f: case 0xc02c: case 0xc030: case 0x00a3:
		tlsi_count(tn, base + 1);
		break;
	case 0x1303: case 0xcca8: case 0xcca9: case 0xccaa:
		tlsi_count(tn, base + 2);
		break;
	case 0x002f: case 0x0035: case 0x003c: case 0x003d: case 0xc009: case 0xc00a:
	case 0xc013: case 0xc014: case 0xc023: case 0xc024: case 0xc027: case 0xc028:
	case 0x0033: case 0x0039: case 0x0067: case 0x006b:
		tlsi_count(tn, base + 3);
		break;
	case 0:
		break;
	default:
		tlsi_count(tn, base + 4);
	}
}

static int tlsi_report_check(const struct tlsi_ssl_report *rep)
{
	if (rep->result >= __TLSI_SSL_RESULT_MAX || rep->reason >= __TLSI_SSL_REASON_MAX ||
	    rep->relay >= __TLSI_RELAY_MAX || rep->role > TLSI_SSL_ROLE_MAX || rep->reserved1)
		return -EINVAL;
	return 0;
}

static void tlsi_report_count(struct tlsi_net *tn, const struct tlsi_ssl_report *rep)
{
	static const enum tlsi_counter result_cnt[__TLSI_SSL_RESULT_MAX] = {
		[TLSI_SSL_RESULT_DECRYPTED] = TLSI_CNT_SSL_DECRYPTED,
		[TLSI_SSL_RESULT_NOT_DECRYPTED] = TLSI_CNT_SSL_NOT_DECRYPTED,
		[TLSI_SSL_RESULT_BLOCKED] = TLSI_CNT_SSL_BLOCKED,
		[TLSI_SSL_RESULT_FAILED] = TLSI_CNT_SSL_FAILED,
	};
	static const enum tlsi_counter reason_cnt[__TLSI_SSL_REASON_MAX] = {
		[TLSI_SSL_REASON_NONE] = __TLSI_CNT_MAX,
		[TLSI_SSL_REASON_NOT_TLS] = TLSI_CNT_SSL_FAIL_NOT_TLS,
		[TLSI_SSL_REASON_CLIENTHELLO] = TLSI_CNT_SSL_FAIL_CLIENTHELLO,
		[TLSI_SSL_REASON_TIMEOUT] = TLSI_CNT_SSL_FAIL_TIMEOUT,
		[TLSI_SSL_REASON_CLIENT_CLOSED] = TLSI_CNT_SSL_FAIL_CLIENT_CLOSED,
		[TLSI_SSL_REASON_UNREACHABLE] = TLSI_CNT_SSL_FAIL_UNREACHABLE,
		[TLSI_SSL_REASON_SERVER_HANDSHAKE] = TLSI_CNT_SSL_FAIL_SRV_HS,
		[TLSI_SSL_REASON_SERVER_CIPHER] = TLSI_CNT_SSL_FAIL_SRV_CIPHER,
		[TLSI_SSL_REASON_SERVER_CLIENT_CERT] = TLSI_CNT_SSL_FAIL_SRV_CLIENT_CERT,
		[TLSI_SSL_REASON_CERT_INVALID] = TLSI_CNT_SSL_FAIL_CERT_INVALID,
		[TLSI_SSL_REASON_CERT_EXPIRED] = TLSI_CNT_SSL_FAIL_CERT_EXPIRED,
		[TLSI_SSL_REASON_CERT_WEAK_KEY] = TLSI_CNT_SSL_FAIL_CERT_WEAK_KEY,
		[TLSI_SSL_REASON_CLIENT_HANDSHAKE] = TLSI_CNT_SSL_FAIL_CLI_HS,
		[TLSI_SSL_REASON_CLIENT_CIPHER] = TLSI_CNT_SSL_FAIL_CLI_CIPHER,
		[TLSI_SSL_REASON_CLIENT_BAD_CERT] = TLSI_CNT_SSL_FAIL_CLI_BAD_CERT,
		[TLSI_SSL_REASON_LIMIT] = TLSI_CNT_SSL_FAIL_LIMIT,
		[TLSI_SSL_REASON_INTERNAL] = TLSI_CNT_SSL_FAIL_INTERNAL,
		[TLSI_SSL_REASON_DECRYPT_POLICY] = TLSI_CNT_SSL_NOT_DECRYPTED_POLICY,
		[TLSI_SSL_REASON_PINNED] = TLSI_CNT_SSL_NOT_DECRYPTED_PINNED,
		[TLSI_SSL_REASON_ACME] = TLSI_CNT_SSL_NOT_DECRYPTED_ACME,
	};

	tlsi_count(tn, result_cnt[rep->result]);
	if (reason_cnt[rep->reason] != __TLSI_CNT_MAX)
		tlsi_count(tn, reason_cnt[rep->reason]);
	if (rep->relay == TLSI_RELAY_USERSPACE)
		tlsi_count(tn, TLSI_CNT_SSL_RELAY_USERSPACE);
	if (rep->role == TLSI_SSL_ROLE_SERVER) {
		if (rep->result == TLSI_SSL_RESULT_DECRYPTED)
			tlsi_count(tn, TLSI_CNT_SSL_SERVER_DECRYPTED);
		/* The guide: no cleartext on a server tuple (tlsid drops it). */
		if (rep->reason == TLSI_SSL_REASON_NOT_TLS)
			tlsi_count(tn, TLSI_CNT_SSL_SERVER_CLEARTEXT);
	}
	tlsi_count_version(tn, rep->client_version, TLSI_CNT_SSL_CLIENT_TLS10);
	tlsi_count_version(tn, rep->server_version, TLSI_CNT_SSL_SERVER_TLS10);
	tlsi_count_cipher(tn, rep->client_cipher, TLSI_CNT_SSL_CLIENT_AES128_GCM);
	tlsi_count_cipher(tn, rep->server_cipher, TLSI_CNT_SSL_SERVER_AES128_GCM);
}

/* The namespace of a socket tlsid passed, if the caller may act in it. */
static struct tlsi_net *tlsi_dev_net(struct socket *sock)
{
	struct net *net = sock_net(sock->sk);

	if (!tlsi_admin_capable(net))
		return ERR_PTR(-EPERM);
	return tlsi_pernet(net);
}

/* A connected TCP socket, with kTLS TX and RX (or no ULP at all if plain). */
static int tlsi_handoff_sock_ok(struct socket *sock, bool plain)
{
	struct sock *sk = sock->sk;
	const struct inet_connection_sock *icsk;
	struct tls_context *ctx;
	int err = 0;

	if (sock->type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return -ENOTSOCK;
	lock_sock(sk);
	icsk = inet_csk(sk);
	if (sk->sk_state != TCP_ESTABLISHED && sk->sk_state != TCP_CLOSE_WAIT) {
		err = -ENOTCONN;
	} else if (plain) {
		if (icsk->icsk_ulp_ops)
			err = -EINVAL;
	} else if (!icsk->icsk_ulp_ops || strcmp(icsk->icsk_ulp_ops->name, "tls")) {
		err = -EOPNOTSUPP;
	} else {
		ctx = tls_get_ctx(sk);
		if (!ctx || ctx->tx_conf != TLS_SW || ctx->rx_conf != TLS_SW)
			err = -EOPNOTSUPP;
	}
	release_sock(sk);
	return err;
}

static long tlsi_dev_handoff(void __user *arg)
{
	struct tlsi_inspect_certs certs = {};
	struct tlsi_handoff req;
	void *certs_blob = NULL;
	void *hello = NULL;
	struct tlsi_relay *r;
	struct tlsi_net *tn;
	struct sock *csk;
	bool plain;
	int err, i;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->side[TLSI_SIDE_CLIENT].sock = sockfd_lookup(req.client_fd, &err);
	if (!r->side[TLSI_SIDE_CLIENT].sock)
		goto err_free;
	tn = tlsi_dev_net(r->side[TLSI_SIDE_CLIENT].sock);
	if (IS_ERR(tn)) {
		err = PTR_ERR(tn);
		goto err_free;
	}
	plain = req.flags & TLSI_HANDOFF_F_PLAIN;
	err = -EINVAL;
	if ((req.flags & ~TLSI_HANDOFF_F_ALL) ||
	    req.server_certs_len > TLSI_CERTS_MAX || !req.server_certs != !req.server_certs_len ||
	    req.client_hello_len > TLSI_HELLO_MAX || !req.client_hello != !req.client_hello_len ||
	    req.idle_timeout > TLSI_RELAY_IDLE_MAX || tlsi_report_check(&req.report) ||
	    (req.report.result != TLSI_SSL_RESULT_DECRYPTED &&
	     req.report.result != TLSI_SSL_RESULT_NOT_DECRYPTED) ||
	    req.client_fd == req.server_fd || !memchr(req.sni, 0, sizeof(req.sni))) {
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_ARG);
		goto err_free;
	}
	if (req.server_certs_len) {
		/* Read once, used by tlsi_inspect_start() below, freed here. */
		certs_blob = vmemdup_user(u64_to_user_ptr(req.server_certs),
					  req.server_certs_len);
		if (IS_ERR(certs_blob)) {
			err = PTR_ERR(certs_blob);
			certs_blob = NULL;
			tlsi_count(tn, err == -ENOMEM ? TLSI_CNT_HANDOFF_REFUSED_NOMEM :
				   TLSI_CNT_HANDOFF_REFUSED_ARG);
			goto err_free;
		}
		err = tlsi_inspect_certs_parse(certs_blob, req.server_certs_len, &certs);
		if (err) {
			tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_ARG);
			goto err_free;
		}
	}
	if (req.client_hello_len) {
		/* Read once, used by tlsi_inspect_start() below (the engine
		 * checks what it reads), freed here. */
		hello = vmemdup_user(u64_to_user_ptr(req.client_hello), req.client_hello_len);
		if (IS_ERR(hello)) {
			err = PTR_ERR(hello);
			hello = NULL;
			tlsi_count(tn, err == -ENOMEM ? TLSI_CNT_HANDOFF_REFUSED_NOMEM :
				   TLSI_CNT_HANDOFF_REFUSED_ARG);
			goto err_free;
		}
	}
	r->side[TLSI_SIDE_SERVER].sock = sockfd_lookup(req.server_fd, &err);
	if (!r->side[TLSI_SIDE_SERVER].sock) {
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_SOCKET);
		goto err_free;
	}
	err = -EXDEV;
	if (!net_eq(sock_net(r->side[TLSI_SIDE_SERVER].sock->sk), tn->net) ||
	    r->side[TLSI_SIDE_SERVER].sock == r->side[TLSI_SIDE_CLIENT].sock) {
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_SOCKET);
		goto err_free;
	}
	for (i = 0; i < __TLSI_SIDE_MAX; i++) {
		err = tlsi_handoff_sock_ok(r->side[i].sock, plain);
		if (err) {
			tlsi_count(tn, err == -EOPNOTSUPP ? TLSI_CNT_HANDOFF_REFUSED_NO_KTLS :
				   TLSI_CNT_HANDOFF_REFUSED_SOCKET);
			goto err_free;
		}
	}

	r->tn = tn;
	r->ktls = !plain;
	r->idle = req.idle_timeout ? req.idle_timeout : TLSI_RELAY_IDLE_DEFAULT;
	r->last_active = jiffies;
	r->flags = BIT(TLSI_RELAY_F_STARTING);
	INIT_DELAYED_WORK(&r->work, tlsi_relay_work);

	/* The client socket: peer = the client, local = the server it asked for. */
	csk = r->side[TLSI_SIDE_CLIENT].sock->sk;
	r->is.tn = tn;
	tlsi_sk_addrs(csk, &r->is.caddr, &r->is.cport, &r->is.saddr, &r->is.sport);
	r->is.decrypted = !plain;
	r->is.depth = TLSI_INSPECT_DEPTH_DEFAULT;
	r->is.service = TLSI_SSL_SERVICE_AUTO;	/* unless the proxy says */
	memcpy(r->is.sni, req.sni, sizeof(r->is.sni));
	r->is.policy_id = tlsi_divert_policy(tn, &r->is.caddr, r->is.cport,
					     &r->is.saddr, r->is.sport, &r->is.trusted);
	if (r->is.policy_id) {
		struct tlsi_session_info *info = kzalloc(sizeof(*info), GFP_KERNEL_ACCOUNT);

		if (info && !tlsi_ssl_session_info(tn, r->is.policy_id, info)) {
			r->is.ssl_flags = info->ssl_flags;
			r->is.service = info->service;
			r->is.role = info->role;
			r->is.depth = info->inspect_depth;
		}
		kfree(info);
	}

	spin_lock_bh(&tn->relay_lock);
	if (tn->relay_closing || tn->nrelays >= READ_ONCE(tn->cfg.max_ssl_sessions)) {
		spin_unlock_bh(&tn->relay_lock);
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_FULL);
		err = -ENOSPC;
		goto err_free;
	}
	tn->nrelays++;
	list_add_tail(&r->list, &tn->relays);
	spin_unlock_bh(&tn->relay_lock);

	r->is.certs = req.server_certs_len ? &certs : NULL;
	r->is.client_hello = hello;
	r->is.client_hello_len = req.client_hello_len;
	err = tlsi_inspect_start(&r->is);
	r->is.certs = NULL;
	r->is.client_hello = NULL;
	r->is.client_hello_len = 0;
	kvfree(certs_blob);
	certs_blob = NULL;
	kvfree(hello);
	hello = NULL;
	if (!err)
		err = tlsi_relay_hook(r, &r->side[TLSI_SIDE_CLIENT]);
	if (!err)
		err = tlsi_relay_hook(r, &r->side[TLSI_SIDE_SERVER]);
	if (err) {
		tlsi_relay_unhook(&r->side[TLSI_SIDE_CLIENT]);
		tlsi_relay_unhook(&r->side[TLSI_SIDE_SERVER]);
		tlsi_relay_unlist(tn, r);
		/* The exit path may have kicked us meanwhile. */
		cancel_delayed_work_sync(&r->work);
		tlsi_inspect_end(&r->is);
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_SOCKET);
		tlsi_relay_free(r);
		tlsi_relay_release(tn);
		return err;
	}
	tlsi_report_count(tn, &req.report);
	tlsi_count(tn, plain ? TLSI_CNT_RELAY_PLAIN : TLSI_CNT_RELAY_KTLS);
	/* tlsid sets SO_LINGER 0 so that its death resets what it holds; from
	 * here the relay chooses every ending, a clean one included. */
	for (i = 0; i < __TLSI_SIDE_MAX; i++) {
		struct sock *sk = r->side[i].sock->sk;

		lock_sock(sk);
		sock_reset_flag(sk, SOCK_LINGER);
		release_sock(sk);
	}
	/* From here the work may end and free the session at any time. Data
	 * may have arrived before the callbacks were ours: look now. */
	clear_bit(TLSI_RELAY_F_STARTING, &r->flags);
	tlsi_relay_kick(r);
	return 0;

err_free:
	kvfree(certs_blob);
	kvfree(hello);
	tlsi_relay_free(r);
	return err;
}

/*
 * A cleartext connection from cleartext.c: cs accepted on the module's
 * listener, ss bound to the client's address and not connected yet. The
 * session owns both from here (on failure too: the client is reset). The
 * work waits for the server's answer (TLSI_RELAY_F_CONNECTING) before it
 * reads either side, so a client's early bytes wait in its socket.
 */
int tlsi_relay_start_cleartext(struct tlsi_net *tn, struct socket *cs, struct socket *ss,
			       struct sockaddr *server, int server_len, u32 depth)
{
	struct tlsi_relay *r;
	struct sock *csk = cs->sk;
	int err = -ENOMEM;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		goto err_socks;
	r->kernel_socks = true;
	r->side[TLSI_SIDE_CLIENT].sock = cs;
	r->side[TLSI_SIDE_SERVER].sock = ss;
	r->tn = tn;
	r->ktls = false;
	r->idle = TLSI_RELAY_IDLE_DEFAULT;
	r->last_active = jiffies;
	r->flags = BIT(TLSI_RELAY_F_STARTING) | BIT(TLSI_RELAY_F_CONNECTING);
	INIT_DELAYED_WORK(&r->work, tlsi_relay_work);
	r->is.tn = tn;
	tlsi_sk_addrs(csk, &r->is.caddr, &r->is.cport, &r->is.saddr, &r->is.sport);
	r->is.cleartext = true;
	r->is.depth = depth;

	spin_lock_bh(&tn->relay_lock);
	if (tn->relay_closing || tn->nrelays >= READ_ONCE(tn->cfg.max_ssl_sessions)) {
		spin_unlock_bh(&tn->relay_lock);
		tlsi_count(tn, TLSI_CNT_CLEAR_REFUSED_FULL);
		err = -ENOSPC;
		goto err_free;
	}
	tn->nrelays++;
	list_add_tail(&r->list, &tn->relays);
	spin_unlock_bh(&tn->relay_lock);

	tlsi_inspect_start(&r->is);
	err = tlsi_relay_hook(r, &r->side[TLSI_SIDE_CLIENT]);
	if (!err)
		err = tlsi_relay_hook(r, &r->side[TLSI_SIDE_SERVER]);
	if (!err) {
		err = kernel_connect(ss, server, server_len, O_NONBLOCK);
		if (err == -EINPROGRESS)
			err = 0;
		if (err)
			tlsi_count(tn, TLSI_CNT_CLEAR_CONNECT_FAILED);
	}
	if (err) {
		tlsi_relay_unhook(&r->side[TLSI_SIDE_CLIENT]);
		tlsi_relay_unhook(&r->side[TLSI_SIDE_SERVER]);
		tlsi_relay_unlist(tn, r);
		cancel_delayed_work_sync(&r->work);
		tlsi_inspect_end(&r->is);
		tlsi_relay_abort(cs);
		tlsi_relay_free(r);
		tlsi_relay_release(tn);
		return err;
	}
	tlsi_count(tn, TLSI_CNT_RELAY_PLAIN);
	clear_bit(TLSI_RELAY_F_STARTING, &r->flags);
	tlsi_relay_kick(r);
	return 0;

err_free:
	tlsi_relay_abort(cs);
	tlsi_relay_free(r);	/* releases both sockets */
	return err;
err_socks:
	tlsi_count(tn, TLSI_CNT_CLEAR_REFUSED_NOMEM);
	tlsi_relay_abort(cs);
	sock_release(cs);
	sock_release(ss);
	return err;
}

static long tlsi_dev_report(void __user *arg, struct net *net)
{
	struct tlsi_ssl_report rep;
	struct tlsi_net *tn;

	if (copy_from_user(&rep, arg, sizeof(rep)))
		return -EFAULT;
	if (!tlsi_admin_capable(net))
		return -EPERM;
	tn = tlsi_pernet(net);
	if (tlsi_report_check(&rep) || rep.relay == TLSI_RELAY_KERNEL) {
		tlsi_count(tn, TLSI_CNT_HANDOFF_REFUSED_ARG);
		return -EINVAL;
	}
	tlsi_report_count(tn, &rep);
	return 0;
}

static long tlsi_dev_session_info(void __user *arg)
{
	struct tlsi_session_info *info;
	struct tlsi_addr client, server;
	struct socket *sock;
	struct tlsi_net *tn;
	u16 cport, sport;
	struct sock *sk;
	int fd, err;

	if (get_user(fd, (int __user *)arg))
		return -EFAULT;
	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	info = kzalloc(sizeof(*info), GFP_KERNEL_ACCOUNT);
	if (!info) {
		err = -ENOMEM;
		goto out;
	}
	tn = tlsi_dev_net(sock);
	if (IS_ERR(tn)) {
		err = PTR_ERR(tn);
		goto out;
	}
	sk = sock->sk;
	err = -ENOTSOCK;
	if (sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		goto out;
	info->client_fd = fd;
	tlsi_sk_addrs(sk, &client, &cport, &server, &sport);
	info->policy_id = tlsi_divert_policy(tn, &client, cport, &server, sport, NULL);
	/* Not diverted, or its policy was deleted since: all zero. */
	if (info->policy_id && tlsi_ssl_session_info(tn, info->policy_id, info))
		info->policy_id = 0;
	if (!info->policy_id)
		info->inspect_depth = TLSI_INSPECT_DEPTH_DEFAULT;
	err = copy_to_user(arg, info, sizeof(*info)) ? -EFAULT : 0;
out:
	kfree(info);
	sockfd_put(sock);
	return err;
}

static long tlsi_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TLSI_IOC_HANDOFF:
		return tlsi_dev_handoff(uarg);
	case TLSI_IOC_REPORT:
		return tlsi_dev_report(uarg, current->nsproxy->net_ns);
	case TLSI_IOC_SESSION_INFO:
		return tlsi_dev_session_info(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tlsi_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = tlsi_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice tlsi_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = TLSI_DEV_NAME,
	.fops = &tlsi_dev_fops,
	.mode = 0600,
};

int tlsi_relay_init(void)
{
	int err;

	tlsi_relay_wq = alloc_workqueue("tlsi_relay", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!tlsi_relay_wq)
		return -ENOMEM;
	err = misc_register(&tlsi_miscdev);
	if (err)
		destroy_workqueue(tlsi_relay_wq);
	return err;
}

/* After every namespace's sessions ended (tlsi_relay_net_exit). */
void tlsi_relay_exit(void)
{
	misc_deregister(&tlsi_miscdev);
	destroy_workqueue(tlsi_relay_wq);
}
