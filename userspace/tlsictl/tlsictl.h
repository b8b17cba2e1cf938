/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TLSICTL_H
#define TLSICTL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "confdiff.h"
#include "json.h"
#include "nl.h"
#include "parse.h"

#ifndef TLSICTL_VERSION
#define TLSICTL_VERSION "0.1.0"
#endif

#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_USAGE	2

extern const char *prog;
extern bool opt_json;
/* --unlock: set and del requests may change locked objects (TLSI_A_UNLOCK). */
extern bool opt_unlock;

/* `on' or `off' (the value of keyword field); usage error otherwise. */
uint8_t on_off_value(const char *field, const char *v);
/* The `locked' setting of a profile or SSL policy, as show and save print it. */
void out_locked(const struct nlattr *a);

/* ---- commands -------------------------------------------------------- */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
};

int profile_main(int argc, char **argv);
int segment_main(int argc, char **argv);
int bypass_main(int argc, char **argv);
int tm_main(int argc, char **argv);
int reputation_main(int argc, char **argv);
int quarantine_main(int argc, char **argv);
int config_main(int argc, char **argv);
int stats_main(int argc, char **argv);
int monitor_main(int argc, char **argv);
int rules_main(int argc, char **argv);
int cert_main(int argc, char **argv);
int truststore_main(int argc, char **argv);
int ssl_proxy_main(int argc, char **argv);
int ssl_policy_main(int argc, char **argv);
int decrypt_policy_main(int argc, char **argv);
int pinned_cache_main(int argc, char **argv);
int category_main(int argc, char **argv);
int trace_main(int argc, char **argv);
int log_main(int argc, char **argv);
/* trace.c: "1048576", "1024K", "1M" in min..max (rules config trace-*). */
int parse_trace_size(const char *field, const char *s, uint32_t min, uint32_t max,
		     uint32_t *out, char *err, size_t errlen);

/*
 * Run an object's subcommand: argv[0] is the object, argv[1] the command
 * (none: "show"). "help", "-h" and "--help" print help to stdout.
 */
int dispatch(int argc, char **argv, const struct command *cmds,
	     const char *help);

/* ---- configuration files (save.c, apply.c) --------------------------- */

/* The object table of main.c; NULL if name is none. */
const struct command *find_object(const char *name);

/*
 * Each object type's save function (in its own file) prints its running
 * objects as the lines that make them: out_save_begin("OBJ VERB"), its
 * show printer (counters through out_stat(), left out), out_save_end().
 * save.c lists them in conf_types[].
 */
int config_save(void);
int rules_config_save(void);
int profile_save(void);
int ssl_proxy_save(void);
int segment_save(void);
int bypass_save(void);
int tm_save(void);
int reputation_save(void);
int quarantine_save(void);
int category_save(void);
int decrypt_policy_save(void);
int ssl_policy_save(void);
/* Which SSL proxy (store: policy) of the kernel names the repository's
 * certificate (trust store) name: -1 with who said, else 0. */
int ssl_repo_name_users(const char *name, bool store, char *who, size_t len);
extern const struct conf_type conf_types[];
int save_all(void);
int save_main(int argc, char **argv);
/* tlsictl [-c] -f FILE */
int apply_main(const char *path, bool check_only);
/* tlsictl rules update */
int rules_update_main(int argc, char **argv);

/* While apply.c runs a line: usage errors and a failed open come back to
 * it (longjmp to *cmd_abort with the exit status) instead of exiting;
 * ctl_dry_run builds requests but sends none; ctx_where ("FILE:LINE")
 * prefixes messages. */
extern jmp_buf *cmd_abort;
extern bool ctl_dry_run;
extern const char *ctx_where;
noreturn void cmd_exit(int status);

extern bool out_saving;
/* Plain lines start with prefix ("profile add"), counters left out. */
void out_save_begin(const char *prefix);
void out_save_end(void);
/* A counter or other state: printed by show, not by save. */
void out_stat(const char *key, uint64_t v);

/* ---- errors ---------------------------------------------------------- */

/* "<object> <cmd>" prefix of messages, set by dispatch(). */
void set_context(const char *object, const char *cmd);
/* "tlsictl: <ctx>: <msg>" to stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errmsg(), a hint to read the help, exit 2. */
noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* ---- argument parsing ----------------------------------------------- */

bool is_help(const char *s);
/* The value after keyword argv[*i]; usage error if missing. Advances *i. */
const char *kw_value(int argc, char **argv, int *i);
/* Usage error if keyword argv[i] was seen already (bit in *seen). */
void kw_once(unsigned long *seen, unsigned long bit, const char *kw);
/* Usage error with err if rc != 0. */
void check(int rc, const char *err);
/* argv[1] must exist (the object name); returns it after parse_name(). */
const char *positional(int argc, char **argv, const char *what);

/* Match fields shared by bypass and TM rules. */
struct match {
	bool has_src, has_dst, has_sport, has_dport;
	struct tlsi_cidr src, dst;
	uint8_t proto;		/* 0 = any */
	uint16_t sport_min, sport_max, dport_min, dport_max;
	unsigned long seen;
};
/* Consume a src/dst/proto/sport/dport keyword at argv[*i]; false if none. */
bool match_keyword(struct match *m, int argc, char **argv, int *i);
/* Usage error unless ports come with a protocol that has ports. */
void match_check(const struct match *m);
void match_put(struct nlmsghdr *nlh, const struct match *m);

/* ---- netlink --------------------------------------------------------- */

/* Open the tlsi family; on failure print the error and exit 1. */
void ctl_open(struct tlsi_nl *nl);
/* tlsi_nl_request(); on failure print "<ctx>: kernel refused: ..." and
 * return EXIT_ERROR, else EXIT_OK. */
int ctl_request(struct tlsi_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data);
/* Print the last failure of nl; returns EXIT_ERROR. */
int ctl_report(const struct tlsi_nl *nl);
/* Open, send a request built by fill() (may be NULL), close. */
int ctl_simple(uint8_t cmd, void (*fill)(struct nlmsghdr *nlh, const void *arg),
	       const void *arg);
/* Open, send cmd without attributes, pass the reply to cb, close. */
int ctl_get(uint8_t cmd, mnl_cb_t cb);
/* Dump cmd, printing each object with print() inside a list. */
int ctl_dump(uint8_t cmd, void (*print)(const struct nlattr **tb));

/* ---- output ---------------------------------------------------------- */
/*
 * One object per line (plain: "NAME key value key value ..."), or with -j
 * one JSON object per element of an array. Keys are given in their plain
 * spelling ("rep-block"); JSON turns '-' into '_'.
 */
void out_init(void);
/* "rep-block" -> "rep_block" into buf (JSON keys). */
const char *out_json_key(const char *key, char *buf, size_t len);
/* A plain value, quoted unless it reads back as one word. */
void out_plain_value(const char *v);
void out_list_begin(void);
void out_list_end(void);
void out_obj_begin(void);
/* JSON only: an object as the value of key inside the current object. */
void out_obj_begin_key(const char *key);
void out_obj_end(void);
/* First field: plain prints the value alone. */
void out_name(const char *key, const char *val);
void out_str(const char *key, const char *val);
void out_u64(const char *key, uint64_t v);
/* plain: " key" when set; JSON: "key":true/false. */
void out_flag(const char *key, bool set);
void out_cidr(const char *key, const struct nlattr *a);
/* The proto, port ranges, src and dst of a rule. */
void out_match(const struct nlattr **tb);
/* plain: " key a b" (JSON callers print a and b themselves). */
void out_pair(const char *key, const char *a, const char *b);
/* plain: " key 10,20-25"; JSON: "json_key":[10,20,21,...]. */
void out_vlan_list(const char *key, const char *json_key, const uint16_t *v,
		   size_t n);
/* plain: " key a key b ..."; JSON: "json_key":["a","b",...]. */
void out_str_list(const char *key, const char *json_key, char *const *v, size_t n);
/* Value printed differently: plain text vs. JSON number. */
void out_str_or_u64(const char *key, const char *plain, uint64_t json);

const char *tm_action_name(uint8_t a);
const char *table_name(uint8_t t);
const char *event_type_name(uint8_t t);

#endif /* TLSICTL_H */
