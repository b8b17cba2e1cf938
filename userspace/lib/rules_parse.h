/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Suricata rule parser (the Suricata 5 dialect of Emerging Threats Open):
 * header with variables, lists, ranges and negation; the options listed in
 * Documentation/engine.md. A rule the engine cannot honour is skipped with
 * its file, line and a reason; nothing is half-loaded.
 */
#ifndef TLSI_RULES_PARSE_H
#define TLSI_RULES_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

enum rp_pcre_mode {
	RP_PCRE_EXACT,		/* pcre compiled for the engine's regex matcher;
				 * rules with expressions it cannot evaluate
				 * exactly are skipped (default) */
	RP_PCRE_SKIP,		/* rules with pcre are skipped */
	RP_PCRE_PREFILTER,	/* loaded without the pcre: contents decide */
};

struct rp_addr {
	uint8_t flags;		/* TLSI_ADDR_F_NEG, TLSI_ADDR_F_VAR */
	uint8_t plen;		/* over 16 bytes; IPv4 is 96 + prefix */
	uint8_t addr[16];
	char *var;		/* with TLSI_ADDR_F_VAR */
};

struct rp_port {
	uint8_t flags;
	uint16_t lo, hi;
	char *var;
};

struct rp_addrs {
	struct rp_addr *v;
	size_t n;		/* 0 = any */
};

struct rp_ports {
	struct rp_port *v;
	size_t n;
};

enum rp_kind {
	RP_CONTENT,
	RP_ISDATAAT,
	RP_BYTE_TEST,
	RP_BYTE_JUMP,
	RP_BSIZE,
	RP_PCRE,
	RP_BASE64,		/* base64_decode: value = bytes (0: all),
				 * boff = offset, flags RELATIVE */
	RP_BYTE_EXTRACT,	/* nbytes, boff = offset, mult, base (string),
				 * a = align (0, 2, 4), b = variable number;
				 * flags RELATIVE, LITTLE, STRING */
};

struct rx_prog;

/* One payload keyword, on buffer buf. */
struct rp_item {
	enum rp_kind kind;
	uint8_t buf;		/* enum tlsi_buf */
	uint16_t flags;		/* TLSI_IF_* (RETRY is set by the compiler) */
	/* content */
	uint8_t *pat;
	uint32_t len;
	int32_t offset;		/* as written */
	uint32_t depth;		/* as written (compiler makes it absolute) */
	int32_t distance;
	uint32_t within;
	bool fast, fast_only, fast_chop, startswith;
	bool b64;		/* base64_data: matches the bytes the rule's
				 * base64_decode (on the same buf) decoded */
	uint32_t fp_off, fp_len;
	/* isdataat: n; byte_test/jump; bsize */
	uint8_t nbytes, cmp;
	uint64_t value;		/* byte_test value, isdataat n */
	int32_t boff, post;
	uint32_t bitmask, base, mult;
	uint32_t a, b;		/* bsize operands */
	uint16_t vars;		/* TLSI_IV() of the image operands that name
				 * a byte_extract variable (its number in
				 * the field: value, boff, offset, depth,
				 * distance, within) */
	struct rx_prog *re;	/* pcre: the compiled program (owned);
				 * flags NEGATE, RELATIVE */
};

struct rp_xbit {
	uint8_t op;		/* enum tlsi_fb: ISSET, ISNOTSET, SET, UNSET, TOGGLE */
	uint8_t track;		/* enum tlsi_xbits_track */
	uint32_t bit;		/* the name's number (the flowbit names') */
	uint32_t expire;	/* s */
};

struct rp_flowint {
	uint8_t op;		/* enum tlsi_flowint_op */
	uint32_t var;		/* the name's number (the flowbit names') */
	uint32_t val;
};

struct rp_flowbit {
	uint8_t op;		/* enum tlsi_fb */
	uint8_t n;
	char *names[TLSI_FB_BITS_MAX];
};

/* The protocol of a rule's header (struct rp_rule.proto). */
enum rp_proto {
	RP_PROTO_TCP,		/* tcp and the application protocols */
	RP_PROTO_UDP,
	RP_PROTO_ICMP,
	RP_PROTO_IP,
	RP_PROTO_TCP_PKT,	/* tcp with flags, flow:no_stream or
				 * not_established: matched per packet */
};

/* A header field test: itype, icode, ip_proto, ttl, flags. */
#define RP_PKT_TESTS_MAX	4
struct rp_pkt_test {
	uint8_t field;		/* enum tlsi_pkt_field */
	uint8_t cmp;		/* enum tlsi_cmp */
	uint32_t a, b;
};

struct rp_rule {
	const char *file;	/* owned by the set */
	unsigned int line;
	uint8_t proto;		/* enum rp_proto */
	uint8_t action, app, flow;
	uint16_t flags;		/* TLSI_RULE_F_* */
	struct rp_addrs src, dst;
	struct rp_ports sport, dport;
	uint32_t sid, gid, rev;
	uint8_t priority;	/* 0: from the classtype */
	char *msg, *classtype, *meta;
	struct rp_item *items;
	size_t nitems, items_cap;
	struct rp_flowbit *fb;
	size_t nfb;
	uint8_t thresh_type, thresh_track;
	uint32_t thresh_count, thresh_seconds;
	bool has_dsize;
	uint8_t dsize_cmp;
	uint32_t dsize_a, dsize_b;
	struct rp_xbit *xb;
	size_t nxb;
	struct rp_flowint *fi;
	size_t nfi;
	bool has_tls_version, tls_version_raw;
	uint16_t tls_version;
	bool has_stream_size;
	uint8_t ss_side, ss_cmp;	/* enum tlsi_stream_side, tlsi_cmp */
	uint32_t ss_value;
	bool had_pcre;
	struct rp_pkt_test pkt[RP_PKT_TESTS_MAX];
	unsigned int npkt;
	const char *pkt_kw;	/* the first keyword that makes a tcp rule
				 * a TCP packet rule (rp_finish()), or NULL */
	bool stateless;		/* flow:stateless (no effect on matching) */
	uint32_t app_events;	/* app-layer-event: enum tlsi_app_event bits */
};

struct rp_var {
	char *name;		/* without "$" */
	int kind;		/* TLSI_VAR_ADDR or TLSI_VAR_PORT */
	char *value;		/* as given */
	struct rp_addrs addrs;	/* flattened: no variables inside */
	struct rp_ports ports;
};

struct rp_class {
	char *name;
	char *desc;
	uint8_t prio;
};

struct rp_reason {
	char *reason;
	unsigned int count;
};

struct rp_set {
	enum rp_pcre_mode pcre;
	struct rp_var *vars;
	size_t nvars;
	struct rp_class *classes;
	size_t nclasses;
	struct rp_rule *rules;		/* loaded */
	size_t nrules, rules_cap;
	size_t enabled;			/* rules read (not commented out) */
	size_t commented;		/* "# alert ..." lines */
	struct rp_reason *skips;	/* skipped, by reason */
	size_t nskips;
	size_t skipped;
	char **files;			/* names the rules point to */
	size_t nfiles;
	char **flowbits;		/* names, index = bit */
	size_t nflowbits;
	void *sids;			/* duplicate detection (internal) */
	/* Called for each skipped rule ("file:line: reason: detail"). */
	void (*on_skip)(void *arg, const char *file, unsigned int line,
			const char *reason, const char *detail);
	void *arg;
};

/* A set with the default variables (Documentation/engine.md) and no rules. */
void rp_set_init(struct rp_set *s);
void rp_set_free(struct rp_set *s);

/* Set variable NAME (without "$") to an address or port list; the kind
 * is that of the existing variable, else guessed from the value
 * (…_PORTS names and numbers are ports). */
int rp_set_var(struct rp_set *s, const char *name, const char *value,
	       char *err, size_t errlen);

/* "config classification: name,description,priority" lines. */
int rp_load_classification(struct rp_set *s, const char *path, char *err,
			   size_t errlen);

/* Parse every rule line of a file. -1 only when the file cannot be read. */
int rp_parse_file(struct rp_set *s, const char *path, char *err, size_t errlen);

/*
 * Parse one rule (text without the newline). Returns 1 if it was loaded,
 * 0 if it was skipped (reported through on_skip) or is not a rule (blank,
 * comment). The file name is copied.
 */
int rp_parse_rule(struct rp_set *s, const char *file, unsigned int line,
		  const char *text);

/* The priority a rule gets: its own, its classtype's, or 3. */
uint8_t rp_rule_priority(const struct rp_set *s, const struct rp_rule *r);

/* Name of a buffer as rules spell it ("http.uri"). */
const char *rp_buf_name(unsigned int buf);
const char *rp_action_name(unsigned int action);
const char *rp_app_name(unsigned int app);

#endif /* TLSI_RULES_PARSE_H */
