/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the Suricata rule parser shared by its files: rules_parse.c
 * (helpers, the set, a rule's header and options loop), rules_parse_addr.c,
 * rules_parse_options.c (the keyword dispatcher), rules_parse_payload.c,
 * rules_parse_flow.c and rules_parse_checks.c. Not a public header: the
 * parser's interface is rules_parse.h.
 */
#ifndef TLSI_RULES_PARSE_INT_H
#define TLSI_RULES_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules_parse.h"

#define RP_BYTE_VAR_NAME_MAX	64

/* The parse of one rule: where its options stand. */
struct pstate {
	struct rp_set *s;
	struct rp_rule *r;
	int cur_buf;		/* sticky buffer, RAW when none */
	int last;		/* index of the last content, -1 */
	int last_payload;	/* last content/isdataat/byte_* */
	int body_dir;		/* http.request_body (1), .response_body (2) */
	int b64_item;		/* the base64_decode item, -1 */
	bool b64_data;		/* base64_data is the sticky buffer */
	/* byte_extract variables: name, and the buffer they were read on */
	unsigned int nbvars;
	char bvar[TLSI_IMG_BYTE_VARS][RP_BYTE_VAR_NAME_MAX + 1];
	uint8_t bvar_buf[TLSI_IMG_BYTE_VARS];
	bool bvar_b64[TLSI_IMG_BYTE_VARS];
	char reason[96];
	char detail[256];
};

/* A header parse error: the message goes to buf. */
struct perr {
	char *buf;
	size_t len;
};

/* ---- rules_parse.c ----------------------------------------------------- */

void *rp_xrealloc(void *p, size_t n);
char *rp_xstrndup(const char *s, size_t n);
char *rp_xstrdup(const char *s);
const char *rp_skip_ws(const char *p);
char *rp_trim(char *s);
int rp_parse_num(const char *s, uint64_t max, uint64_t *out, bool hex_ok);
int rp_parse_int(const char *s, int32_t min, int32_t max, int32_t *out);
struct rp_var *rp_find_var(const struct rp_set *s, const char *name, size_t n);
void rp_free_var_lists(struct rp_var *v);

/* ---- rules_parse_addr.c ------------------------------------------------ */

int rp_addr_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		 bool keep_vars, struct rp_addrs *out, int depth, struct perr *e);
int rp_port_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		 bool keep_vars, struct rp_ports *out, int depth, struct perr *e);

/* ---- rules_parse_options.c --------------------------------------------- */

int rp_buf_dir(unsigned int buf);
/* Skip the rule: reason (counted) and detail (for -v); returns -1. */
int rp_skip(struct pstate *ps, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct rp_item *rp_new_item(struct pstate *ps, enum rp_kind kind);
/* One option keyword:value of the rule (val is modified); -1: skipped. */
int rp_parse_option(struct pstate *ps, char *kw, char *val);

/* ---- rules_parse_payload.c --------------------------------------------- */

int rp_parse_content(struct pstate *ps, const char *v, struct rp_item *it);
char *rp_unquote(const char *v);
int rp_parse_size_cmp(const char *v, uint8_t *cmp, uint32_t *a, uint32_t *b);
size_t rp_split_fields(char *s, char **f, size_t max);
bool rp_is_var_ref(const char *v);
int rp_var_ref(struct pstate *ps, const struct rp_item *it, const char *name,
	       const char *what, uint32_t *out);
int rp_opt_app_event(struct pstate *ps, const char *kw, char *val);
int rp_opt_byte_extract(struct pstate *ps, const char *kw, char *val);
int rp_opt_byte(struct pstate *ps, const char *kw, char *val);
int rp_opt_pcre(struct pstate *ps, const char *kw, char *val);
int rp_opt_base64_decode(struct pstate *ps, const char *kw, char *val);
/* The last content, or the rule skipped: kw needs one. */
struct rp_item *rp_last_content(struct pstate *ps, const char *kw);
int rp_opt_content(struct pstate *ps, const char *kw, char *val);
int rp_opt_nocase(struct pstate *ps, const char *kw, char *val);
int rp_opt_position(struct pstate *ps, const char *kw, char *val);
int rp_opt_anchor(struct pstate *ps, const char *kw, char *val);
int rp_opt_fast_pattern(struct pstate *ps, const char *kw, char *val);
int rp_opt_base64_data(struct pstate *ps, const char *kw, char *val);
int rp_opt_dotprefix(struct pstate *ps, const char *kw, char *val);
int rp_opt_isdataat(struct pstate *ps, const char *kw, char *val);
int rp_opt_bsize(struct pstate *ps, const char *kw, char *val);
int rp_opt_urilen(struct pstate *ps, const char *kw, char *val);

/* ---- rules_parse_flow.c ------------------------------------------------ */

int rp_opt_threshold(struct pstate *ps, const char *kw, char *val);
int rp_opt_flowbits(struct pstate *ps, const char *kw, char *val);
int rp_opt_xbits(struct pstate *ps, const char *kw, char *val);
int rp_opt_flowint(struct pstate *ps, const char *kw, char *val);
int rp_opt_stream_size(struct pstate *ps, const char *kw, char *val);
int rp_opt_flow(struct pstate *ps, const char *kw, char *val);
int rp_opt_flags(struct pstate *ps, const char *kw, char *val);
int rp_opt_pkt(struct pstate *ps, const char *kw, char *val);

/* ---- rules_parse_checks.c ---------------------------------------------- */

int rp_finish(struct pstate *ps);

#endif /* TLSI_RULES_PARSE_INT_H */
