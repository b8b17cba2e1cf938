/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session driver: the one layer between the filter engine and every
 * program that inspects with it (tlsi.ko's relay, tlsid's userspace relay,
 * `tlsictl rules test`, and any later host). What an IPS does around the
 * engine calls lives here once:
 *
 *   - per-image state beside the engine: per-rule hits, alerts and drops,
 *     the rules' tlsi_quarantine and tlsi_trace metadata, the threshold
 *     table (tlsi_drv_image_init(), allocated through the host);
 *   - per-session state (struct tlsi_drv_flow, fixed size, owned by the
 *     host): the engine flow, a flow id, sticky verdicts (once blocked,
 *     always blocked; a pass counted once), whether the client was
 *     quarantined and the flow traced, the TLS step done;
 *   - per call (struct tlsi_drv_call, on the host's stack): the engine
 *     over both directions in pieces, the TLS step once, raw-stream alerts
 *     reported after the call (when the message head in the same chunk has
 *     been decoded), quarantine and trace selection, engine events counted
 *     by class, the verdict.
 *
 * The host supplies what differs (struct tlsi_drv_ops): how an alert is
 * reported (a netlink event, an EVE line), how a client is quarantined, how
 * a trace is recorded, the clock, counters, the per-call engine scratch and
 * the allocation of per-image tables. Nothing is allocated per session or
 * per call: the fast path only reads the image and writes the flow.
 *
 * Hosts: kmod/inspect.c (decrypted kTLS sessions), userspace/tlsid/ips.c
 * (sessions tlsid relays itself), userspace/tlsictl/rules.c (`rules test`).
 * A host for cleartext TCP calls the same entry points without the TLS
 * flag; a host for UDP (or ICMP, or other IP protocols) gives each
 * datagram as one tlsi_drv_datagram() call of its flow
 * (Documentation/engine.md, "The session driver").
 */
#ifndef TLSI_ENG_DRIVER_H
#define TLSI_ENG_DRIVER_H

#include "compat.h"
#include "engine.h"
#include "http_meta.h"

#define TLSI_DRV_DEFER		16	/* raw-stream alerts per call reported
					 * after it; more are reported at once */
#define TLSI_DRV_PIECE		(64 * 1024)	/* bytes per engine call */
#define TLSI_DRV_REASON_MAX	128	/* "ips sid N: message" with its NUL */
#define TLSI_DRV_REASON_MSG	80	/* message bytes in a quarantine reason */
#define TLSI_DRV_QUARANTINE_MAX	315360000	/* s: metadata is capped here */
#define TLSI_DRV_Q_CONFIGURED	((uint32_t)-1)	/* metadata: the configured timeout */
#define TLSI_DRV_THRESH_MIN	1024	/* threshold slots per image */
#define TLSI_DRV_THRESH_MAX	65536
#define TLSI_DRV_XBITS_MIN	4096	/* xbit slots per image: 64 per rule */
#define TLSI_DRV_XBITS_MAX	65536	/* that sets one, within these */

/* ---- counters ------------------------------------------------------------ */

/* What the driver counts; the host maps each onto its own counter. */
#define TLSI_DRV_COUNTERS(X)						\
	X(BYTES)		/* payload bytes given to the engine */	\
	X(ALERTS)		/* alerts reported */			\
	X(BLOCKS)		/* flows blocked (once each) */		\
	X(PASSES)		/* flows a pass rule ended (once each) */ \
	X(QUARANTINES)		/* clients quarantined */		\
	X(QUARANTINE_FAILED)	/* ... that the host failed to */	\
	X(DEPTH)		/* TLSI_EV_DEPTH: a direction's depth reached */ \
	X(ENGINE_ERRORS)	/* pending, candidate or step limits */	\
	X(HTTP_ANOMALIES)	/* HTTP protocol anomalies */		\
	X(DNS_ANOMALIES)	/* malformed DNS queries */		\
	X(HTTP2_ANOMALIES)	/* HTTP/2 protocol anomalies */		\
	X(TLS_ANOMALIES)	/* cleartext TLS hellos malformed or too long */ \
	X(WINDOW)		/* TLSI_EV_WINDOW: waiting rules given up */

#define TLSI_DRV_COUNTER_ENUM(n) TLSI_DRV_C_##n,
enum tlsi_drv_counter {
	TLSI_DRV_COUNTERS(TLSI_DRV_COUNTER_ENUM)
	TLSI_DRV_C_MAX
};
#undef TLSI_DRV_COUNTER_ENUM

/* The counter an engine event is counted in. */
enum tlsi_drv_counter tlsi_drv_event_counter(enum tlsi_eng_event ev);

/* ---- images ---------------------------------------------------------------- */

struct tlsi_drv_ops;

/* A loaded image and what inspecting with it needs beside the engine. */
struct tlsi_drv_image {
	struct tlsi_eng eng;
	uint64_t *hits;			/* per rule: matches (eng.hits) */
	uint64_t *alerts;		/* per rule: alerts reported */
	uint64_t *drops;		/* per rule: alerts of drop/reject rules */
	uint32_t *quarantine;		/* per rule: metadata tlsi_quarantine
					 * seconds (TLSI_DRV_Q_CONFIGURED: the
					 * configured timeout), 0 none; NULL: no rule has it */
	uint8_t *trace;			/* per rule: metadata tlsi_trace (1);
					 * NULL: no rule has it */
	struct tlsi_eng_thresh *thresh;	/* eng.nthresh slots; NULL: no rule
					 * has a threshold */
	struct tlsi_eng_xbit *xbits;	/* eng.nxbits slots; NULL: no rule
					 * sets an xbit */
	uint64_t memory;		/* bytes of the tables above */
};

/*
 * Validate img (len bytes, 8-byte aligned, kept by the caller while im is
 * used) and allocate the per-rule tables through ops->zalloc. 0, or -1
 * with the reason in err (im is then freed of what was allocated).
 */
int tlsi_drv_image_init(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops,
			const void *img, size_t len, char *err, size_t errlen);
void tlsi_drv_image_free(struct tlsi_drv_image *im, const struct tlsi_drv_ops *ops);
/* The per-rule counters of from (the same rules) into im: a rewrite of
 * variables keeps them. Racing increments may be lost: statistics. */
void tlsi_drv_image_copy_counters(struct tlsi_drv_image *im,
				  const struct tlsi_drv_image *from,
				  const struct tlsi_drv_ops *ops);
void tlsi_drv_image_reset_counters(struct tlsi_drv_image *im,
				   const struct tlsi_drv_ops *ops);

/* "ips sid N: message" of rule ri, the message cut at msg_max bytes. */
void tlsi_drv_rule_reason(const struct tlsi_drv_image *im, uint32_t ri, char *buf,
			  size_t len, uint32_t msg_max);

/* ---- sessions ------------------------------------------------------------------ */

#define TLSI_DRV_F_TLS		0x1	/* a decrypted TLS session: the
					 * engine's TLS step (tls.* rules)
					 * runs with the first call */
#define TLSI_DRV_F_DATAGRAM	0x2	/* UDP: each tlsi_drv_data() call is
					 * one datagram (tlsi_eng_set_datagram()) */

/* Per-session state: fixed size, in the host's session object. */
struct tlsi_drv_flow {
	struct tlsi_eng_flow f;
	uint64_t flow_id;		/* EVE flow id: positive, exact in a double */
	uint64_t seen[TLSI_DIRS];	/* bytes given per direction */
	uint32_t block_rule;		/* index + 1 of the first blocking alert */
	uint32_t trace_sid;		/* the rule that started the trace */
	uint8_t flags;			/* TLSI_DRV_F_* */
	uint8_t blocked;		/* DROP or REJECT: sticky */
	uint8_t rejected;		/* ... by a reject rule: the host resets
					 * both sides, whatever the proxy says */
	uint8_t passed;			/* a pass rule matched (counted) */
	uint8_t quarantined;		/* the client was quarantined */
	uint8_t tls_done;		/* the TLS step ran */
	uint8_t traced;			/* the host records its chunks */
	uint8_t reserved[2];
};

/*
 * A session from client caddr:cport to server saddr:sport (16-byte
 * addresses, tlsi_eng_addr4()); random: any random 64 bits (the flow id).
 */
void tlsi_drv_flow_init(struct tlsi_drv_flow *df, const uint8_t caddr[16],
			uint16_t cport, const uint8_t saddr[16], uint16_t sport,
			uint64_t random, unsigned int flags);

/* The application protocol for logs: http, smtp, imap, pop3, dns, else tls
 * for TLS sessions, else NULL (not recognised). */
const char *tlsi_drv_app_name(const struct tlsi_drv_flow *df);

/* The decrypted service of the session's proxy (enum tlsi_ssl_service):
 * HTTP, IMAP, POP3 and SMTP choose that decoder without detection, OTHER
 * leaves only the raw-stream rules, AUTO (and any other value) detects.
 * Right after tlsi_drv_flow_init(). */
void tlsi_drv_flow_service(struct tlsi_drv_flow *df, unsigned int service);

/* The HTTP facts of the flow for an alert of direction dir (the response
 * status only for to_client alerts); m is zeroed when the flow is not HTTP. */
void tlsi_drv_http_meta(const struct tlsi_drv_flow *df, unsigned int dir,
			struct tlsi_http_meta *m);

/* ---- calls ----------------------------------------------------------------------- */

/* The host's settings for one call. */
struct tlsi_drv_settings {
	uint64_t depth;			/* bytes per direction, 0 = all */
	uint64_t body_depth;		/* bytes per HTTP body, 0 = all */
	uint32_t quarantine_timeout;	/* s for "the configured timeout", 0 = never expires */
	uint8_t quarantine_blocks;	/* every blocking rule quarantines */
	uint8_t quarantine_off;		/* this host cannot quarantine now */
	uint8_t trace_alerts;		/* every alerting rule traces its flow */
};

/* An alert as the host reports it. */
struct tlsi_drv_alert {
	uint32_t rule;			/* index in the image */
	const struct tlsi_img_rule *r;
	uint8_t dir;			/* enum tlsi_img_dir of the data */
	uint8_t buf;			/* buffer whose inspection matched */
	uint8_t action;			/* enum tlsi_action */
	uint8_t blocked;		/* a drop or reject rule */
	uint32_t tx;			/* HTTP or DNS message number (1..) or 0 */
	uint64_t stream_off;		/* bytes of the direction before the chunk */
	uint32_t quarantine;		/* seconds + 1 the client is quarantined
					 * for because of this call, 0: not */
};

struct tlsi_drv_deferred {
	uint64_t stream_off;
	uint32_t rule;
	uint32_t tx;
	uint8_t dir, buf, quarantine;
};

/* One driver call: the host fills the first fields; the rest is the
 * driver's. Lives on the host's stack for one tlsi_drv_*() call. */
struct tlsi_drv_call {
	const struct tlsi_drv_ops *ops;
	void *arg;			/* the host's, for the ops */
	struct tlsi_drv_image *im;	/* the rules now; NULL: none */
	struct tlsi_drv_settings set;
	/* the driver's */
	struct tlsi_drv_flow *df;
	uint32_t quarantine;		/* seconds + 1 to quarantine for */
	uint32_t quarantine_rule;
	uint32_t trace_sid;		/* a traced rule fired: its sid */
	uint8_t trace;
	unsigned int ndefer;
	struct tlsi_drv_deferred defer[TLSI_DRV_DEFER];
};

struct tlsi_drv_ops {
	/* Report an alert (during the call; raw-stream ones at its end). */
	void (*alert)(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a);
	/* Quarantine the client of c->df for seconds (0: no expiry); 0 or
	 * negative. NULL: the host never quarantines. */
	int (*quarantine)(struct tlsi_drv_call *c, uint32_t seconds, const char *reason);
	/* Start recording the flow (a rule with tlsi_trace, or any alert
	 * under trace_alerts), from the chunk of len bytes of direction dir
	 * on (len 0: no chunk in this call); false: not recorded (the host
	 * has nowhere to). Then each chunk of both directions comes to
	 * trace_data(), the one that fired the rule first; trace_end() when
	 * the session ends. NULL: the host does not trace. */
	bool (*trace_start)(struct tlsi_drv_call *c, uint32_t sid, unsigned int dir,
			    size_t len);
	void (*trace_data)(struct tlsi_drv_call *c, unsigned int dir, const uint8_t *data,
			   size_t len);
	void (*trace_end)(struct tlsi_drv_call *c);
	/* The TLS facts of the session for the TLS step (once per flow):
	 * fill ti (zeroed); tls_put() after the step (NULL: nothing to free). */
	void (*tls_info)(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti);
	void (*tls_put)(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti);
	void (*count)(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n);
	/* Milliseconds of a monotonic clock (thresholds). */
	uint64_t (*now_ms)(struct tlsi_drv_call *c);
	/* The engine's working memory for the engine calls of one driver
	 * call (kernel: the CPU's slot, under its mutex); put() after them.
	 * NULL from get(): the call is not inspected. */
	struct tlsi_eng_scratch *(*scratch_get)(struct tlsi_drv_call *c);
	void (*scratch_put)(struct tlsi_drv_call *c, struct tlsi_eng_scratch *s);
	/* Between pieces of a long chunk (kernel: cond_resched). May be NULL. */
	void (*resched)(void);
	/* Per-image tables (tlsi_drv_image_init(), not on the fast path):
	 * zeroed n * size bytes or NULL; free(NULL) is a no-op. */
	void *(*zalloc)(size_t n, size_t size);
	void (*free)(void *p);
};

/*
 * The TLS step now, while the host holds the session's TLS facts (the
 * kernel's certificates live only during its hand-off): a session whose
 * first driver call comes later gets it with that call. Returns whether
 * the flow is blocked.
 */
bool tlsi_drv_start(struct tlsi_drv_call *c, struct tlsi_drv_flow *df);

/*
 * The next len bytes of direction dir (enum tlsi_img_dir) of df, in
 * stream order, before the host passes them on. A traced flow records the
 * chunk first; a blocked flow is not inspected again; with no rules
 * (c->im NULL) nothing is inspected. Returns whether the flow is blocked
 * (sticky; df->block_rule names the rule).
 */
bool tlsi_drv_data(struct tlsi_drv_call *c, struct tlsi_drv_flow *df, unsigned int dir,
		   const uint8_t *data, size_t len);

/*
 * One datagram or packet of df (a UDP, ICMP or other non-TCP flow the host
 * keeps; df initialised without TLSI_DRV_F_TLS): the udp, icmp and ip
 * rules through tlsi_eng_datagram(), each packet on its own. Traced,
 * counted and blocked as tlsi_drv_data(); alerts are reported during the
 * call. Returns whether the flow is blocked.
 */
bool tlsi_drv_datagram(struct tlsi_drv_call *c, struct tlsi_drv_flow *df, unsigned int dir,
		       const struct tlsi_eng_pkt *pkt);

/*
 * The session ends: both directions end for the engine (bodies delimited
 * by the close; alerts only), unless the flow is blocked or its state
 * belongs to other rules; then the trace ends. The host frees df after.
 */
void tlsi_drv_end(struct tlsi_drv_call *c, struct tlsi_drv_flow *df);

#endif /* TLSI_ENG_DRIVER_H */
