// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the tlsictl subcommands: errors, keyword parsing,
 * netlink requests and output.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsictl.h"

static const char *ctx_object, *ctx_cmd;

/* Set while a configuration file runs its lines in this process. */
jmp_buf *cmd_abort;
bool ctl_dry_run;
const char *ctx_where;

noreturn void cmd_exit(int status)
{
	if (cmd_abort)
		longjmp(*cmd_abort, status ? status : EXIT_ERROR);
	exit(status);
}

void set_context(const char *object, const char *cmd)
{
	ctx_object = object;
	ctx_cmd = cmd;
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	if (ctx_where)
		fprintf(stderr, "%s: ", ctx_where);
	if (ctx_object)
		fprintf(stderr, "%s%s%s: ", ctx_object, ctx_cmd ? " " : "",
			ctx_cmd ? ctx_cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (cmd_abort)
		cmd_exit(EXIT_USAGE);
	if (ctx_object)
		fprintf(stderr, "Try `%s %s help' for more information.\n", prog,
			ctx_object);
	else
		fprintf(stderr, "Try `%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
}

/* ---- dispatch -------------------------------------------------------- */

bool is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help");
}

int dispatch(int argc, char **argv, const struct command *cmds,
	     const char *help)
{
	const char *cmd = argc > 1 ? argv[1] : "show";
	int i;

	set_context(argv[0], NULL);
	if (is_help(cmd)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	/* "tlsictl tm add --help" works too. */
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(help, stdout);
			return EXIT_OK;
		}
	}
	for (; cmds->name; cmds++) {
		if (!strcmp(cmd, cmds->name)) {
			set_context(argv[0], cmds->name);
			return cmds->fn(argc > 1 ? argc - 1 : 1,
					argc > 1 ? argv + 1 : (char *[]){ "show", NULL });
		}
	}
	usage_error("unknown command `%s'", cmd);
}

/* ---- arguments ------------------------------------------------------- */

const char *kw_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage_error("keyword `%s' needs a value", argv[*i]);
	return argv[++*i];
}

void kw_once(unsigned long *seen, unsigned long bit, const char *kw)
{
	if (*seen & bit)
		usage_error("keyword `%s' given twice", kw);
	*seen |= bit;
}

void check(int rc, const char *err)
{
	if (rc)
		usage_error("%s", err);
}

uint8_t on_off_value(const char *field, const char *v)
{
	if (!strcmp(v, "on"))
		return 1;
	if (strcmp(v, "off"))
		usage_error("%s: `%s' is neither `on' nor `off'", field, v);
	return 0;
}

const char *positional(int argc, char **argv, const char *what)
{
	char err[TLSI_ERR_MAX];

	if (argc < 2)
		usage_error("missing %s", what);
	check(parse_name(what, argv[1], err, sizeof(err)), err);
	return argv[1];
}

enum {
	M_SRC = 1 << 0,
	M_DST = 1 << 1,
	M_PROTO = 1 << 2,
	M_SPORT = 1 << 3,
	M_DPORT = 1 << 4,
};

bool match_keyword(struct match *m, int argc, char **argv, int *i)
{
	const char *k = argv[*i];
	char err[TLSI_ERR_MAX];

	if (!strcmp(k, "src")) {
		kw_once(&m->seen, M_SRC, k);
		check(parse_cidr(k, kw_value(argc, argv, i), &m->src, err, sizeof(err)), err);
		m->has_src = true;
	} else if (!strcmp(k, "dst")) {
		kw_once(&m->seen, M_DST, k);
		check(parse_cidr(k, kw_value(argc, argv, i), &m->dst, err, sizeof(err)), err);
		m->has_dst = true;
	} else if (!strcmp(k, "proto")) {
		kw_once(&m->seen, M_PROTO, k);
		check(parse_proto(k, kw_value(argc, argv, i), &m->proto, err, sizeof(err)), err);
	} else if (!strcmp(k, "sport")) {
		kw_once(&m->seen, M_SPORT, k);
		check(parse_port_range(k, kw_value(argc, argv, i), &m->sport_min,
				       &m->sport_max, err, sizeof(err)), err);
		m->has_sport = true;
	} else if (!strcmp(k, "dport")) {
		kw_once(&m->seen, M_DPORT, k);
		check(parse_port_range(k, kw_value(argc, argv, i), &m->dport_min,
				       &m->dport_max, err, sizeof(err)), err);
		m->has_dport = true;
	} else {
		return false;
	}
	return true;
}

void match_check(const struct match *m)
{
	if ((m->has_sport || m->has_dport) && !proto_has_ports(m->proto))
		usage_error("%s needs `proto tcp|udp|sctp|udplite'",
			    m->has_sport ? "sport" : "dport");
}

void match_put(struct nlmsghdr *nlh, const struct match *m)
{
	if (m->has_src)
		tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &m->src);
	if (m->has_dst)
		tlsi_nl_put_cidr(nlh, TLSI_A_DST, &m->dst);
	if (m->proto)
		mnl_attr_put_u8(nlh, TLSI_A_PROTO, m->proto);
	if (m->has_sport) {
		mnl_attr_put_u16(nlh, TLSI_A_SPORT_MIN, m->sport_min);
		mnl_attr_put_u16(nlh, TLSI_A_SPORT_MAX, m->sport_max);
	}
	if (m->has_dport) {
		mnl_attr_put_u16(nlh, TLSI_A_DPORT_MIN, m->dport_min);
		mnl_attr_put_u16(nlh, TLSI_A_DPORT_MAX, m->dport_max);
	}
}

/* ---- netlink --------------------------------------------------------- */

void ctl_open(struct tlsi_nl *nl)
{
	char err[TLSI_ERR_MAX];

	if (ctl_dry_run) {
		memset(nl, 0, sizeof(*nl));
		return;
	}
	if (tlsi_nl_open(nl, err, sizeof(err)) < 0) {
		errmsg("%s", err);
		cmd_exit(EXIT_ERROR);
	}
}

int ctl_report(const struct tlsi_nl *nl)
{
	char err[512];

	tlsi_nl_strerror(nl, err, sizeof(err));
	errmsg("%s", err);
	return EXIT_ERROR;
}

int ctl_request(struct tlsi_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	if (ctl_dry_run)
		return EXIT_OK;
	if (tlsi_nl_request(nl, nlh, cb, data) == 0)
		return EXIT_OK;
	return ctl_report(nl);
}

int ctl_simple(uint8_t cmd, void (*fill)(struct nlmsghdr *nlh, const void *arg),
	       const void *arg)
{
	char buf[TLSI_NL_MSGBUF];
	struct tlsi_nl nl;
	struct nlmsghdr *nlh;
	int rc;

	ctl_open(&nl);
	nlh = tlsi_nl_msg(&nl, buf, cmd, 0);
	if (fill)
		fill(nlh, arg);
	rc = ctl_request(&nl, nlh, NULL, NULL);
	tlsi_nl_close(&nl);
	return rc;
}

int ctl_get(uint8_t cmd, mnl_cb_t cb)
{
	char buf[TLSI_NL_MSGBUF];
	struct tlsi_nl nl;
	int rc;

	ctl_open(&nl);
	rc = ctl_request(&nl, tlsi_nl_msg(&nl, buf, cmd, 0), cb, NULL);
	tlsi_nl_close(&nl);
	return rc;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	void (*print)(const struct nlattr **tb) = data;
	const struct nlattr *tb[TLSI_A_MAX + 1];

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	print(tb);
	return MNL_CB_OK;
}

int ctl_dump(uint8_t cmd, void (*print)(const struct nlattr **tb))
{
	char buf[TLSI_NL_MSGBUF];
	struct tlsi_nl nl;
	struct nlmsghdr *nlh;
	int rc;

	ctl_open(&nl);
	nlh = tlsi_nl_msg(&nl, buf, cmd, NLM_F_DUMP);
	out_list_begin();
	rc = ctl_request(&nl, nlh, dump_cb, (void *)print);
	out_list_end();
	tlsi_nl_close(&nl);
	return rc;
}

/* ---- output ---------------------------------------------------------- */

static struct json json;
static bool plain_first;

/* tlsictl save: objects as the commands that make them, no counters. */
bool out_saving;
static const char *save_prefix;

void out_save_begin(const char *prefix)
{
	out_saving = true;
	save_prefix = prefix;
}

void out_save_end(void)
{
	out_saving = false;
	save_prefix = NULL;
}

void out_stat(const char *key, uint64_t v)
{
	if (!out_saving)
		out_u64(key, v);
}

const char *out_json_key(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = key[i] == '-' ? '_' : key[i];
	buf[i] = '\0';
	return buf;
}

void out_plain_value(const char *v)
{
	const char *p;
	bool quote = !*v;

	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || *p == '#')
			quote = true;
	if (!quote) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
}

static void plain_key(const char *key)
{
	if (!plain_first)
		putchar(' ');
	plain_first = false;
	fputs(key, stdout);
}

void out_init(void)
{
	json_init(&json, stdout);
}

void out_list_begin(void)
{
	if (opt_json)
		json_begin_array(&json, NULL);
}

void out_list_end(void)
{
	if (opt_json)
		json_end_array(&json);
}

void out_obj_begin(void)
{
	if (opt_json)
		json_begin_object(&json, NULL);
	plain_first = true;
	if (save_prefix && !opt_json) {
		fputs(save_prefix, stdout);
		plain_first = false;
	}
}

/* JSON only: an object as the value of key inside the current object. */
void out_obj_begin_key(const char *key)
{
	if (opt_json)
		json_begin_object(&json, key);
}

void out_obj_end(void)
{
	if (opt_json)
		json_end_object(&json);
	else
		putchar('\n');
}

void out_name(const char *key, const char *val)
{
	char k[64];

	if (opt_json) {
		json_string(&json, out_json_key(key, k, sizeof(k)), val);
		return;
	}
	if (!plain_first)
		putchar(' ');
	plain_first = false;
	out_plain_value(val);
}

void out_str(const char *key, const char *val)
{
	char k[64];

	if (opt_json) {
		json_string(&json, out_json_key(key, k, sizeof(k)), val);
		return;
	}
	plain_key(key);
	putchar(' ');
	out_plain_value(val);
}

void out_u64(const char *key, uint64_t v)
{
	char k[64];

	if (opt_json) {
		json_u64(&json, out_json_key(key, k, sizeof(k)), v);
		return;
	}
	plain_key(key);
	printf(" %llu", (unsigned long long)v);
}

void out_str_or_u64(const char *key, const char *plain, uint64_t v)
{
	char k[64];

	if (opt_json) {
		json_u64(&json, out_json_key(key, k, sizeof(k)), v);
		return;
	}
	out_str(key, plain);
}

void out_locked(const struct nlattr *a)
{
	uint8_t v;

	if (!a)
		return;
	v = mnl_attr_get_u8(a);
	out_str_or_u64("locked", v ? "on" : "off", v);
}

void out_pair(const char *key, const char *a, const char *b)
{
	plain_key(key);
	putchar(' ');
	out_plain_value(a);
	putchar(' ');
	out_plain_value(b);
}

void out_vlan_list(const char *key, const char *jkey, const uint16_t *v,
		   size_t n)
{
	char buf[1024];
	size_t i;

	if (opt_json) {
		json_begin_array(&json, jkey);
		for (i = 0; i < n; i++)
			json_u64(&json, NULL, v[i]);
		json_end_array(&json);
		return;
	}
	out_str(key, format_vlan_list(v, n, buf, sizeof(buf)));
}

void out_str_list(const char *key, const char *jkey, char *const *v, size_t n)
{
	size_t i;

	if (opt_json) {
		json_begin_array(&json, jkey);
		for (i = 0; i < n; i++)
			json_string(&json, NULL, v[i]);
		json_end_array(&json);
		return;
	}
	for (i = 0; i < n; i++)
		out_str(key, v[i]);
}

void out_flag(const char *key, bool set)
{
	char k[64];

	if (opt_json) {
		json_bool(&json, out_json_key(key, k, sizeof(k)), set);
		return;
	}
	if (set)
		plain_key(key);
}

void out_cidr(const char *key, const struct nlattr *a)
{
	char buf[TLSI_CIDR_STR_MAX];
	struct tlsi_cidr c;

	if (!a)
		return;
	if (tlsi_nl_get_cidr(a, &c) < 0)
		out_str(key, "?");
	else
		out_str(key, format_cidr(&c, buf));
}

static void out_range(const char *key, const struct nlattr *min,
		      const struct nlattr *max)
{
	char k[64], buf[16];
	uint16_t lo, hi;

	if (!min && !max)
		return;
	lo = min ? mnl_attr_get_u16(min) : 0;
	hi = max ? mnl_attr_get_u16(max) : 65535;
	if (opt_json) {
		snprintf(k, sizeof(k), "%s_min", key);
		json_u64(&json, k, lo);
		snprintf(k, sizeof(k), "%s_max", key);
		json_u64(&json, k, hi);
		return;
	}
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	out_str(key, buf);
}

static void out_proto(const struct nlattr *a)
{
	uint8_t p;
	char buf[4];
	const char *name;

	if (!a || !(p = mnl_attr_get_u8(a)))
		return;
	name = proto_name(p);
	if (!name) {
		snprintf(buf, sizeof(buf), "%u", p);
		name = buf;
	}
	out_str("proto", name);
}

void out_match(const struct nlattr **tb)
{
	out_cidr("src", tb[TLSI_A_SRC]);
	out_cidr("dst", tb[TLSI_A_DST]);
	out_proto(tb[TLSI_A_PROTO]);
	out_range("sport", tb[TLSI_A_SPORT_MIN], tb[TLSI_A_SPORT_MAX]);
	out_range("dport", tb[TLSI_A_DPORT_MIN], tb[TLSI_A_DPORT_MAX]);
}

/* ---- enum names ------------------------------------------------------ */

const char *tm_action_name(uint8_t a)
{
	static const char *const names[] = {
		[TLSI_TM_BLOCK] = "block",
		[TLSI_TM_PERMIT] = "permit",
		[TLSI_TM_TRUST] = "trust",
		[TLSI_TM_RATE_LIMIT] = "rate-limit",
	};

	return a <= TLSI_TM_ACTION_MAX ? names[a] : "unknown";
}

const char *table_name(uint8_t t)
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

const char *event_type_name(uint8_t t)
{
	static const char *const names[] = {
		[TLSI_EVENT_BLOCK] = "block",
		[TLSI_EVENT_ALERT] = "alert",
		[TLSI_EVENT_QUARANTINE] = "quarantine",
		[TLSI_EVENT_IPS_ALERT] = "ips_alert",
		[TLSI_EVENT_QUARANTINE_EXPIRED] = "quarantine_expired",
	};

	return t <= TLSI_EVENT_MAX ? names[t] : "unknown";
}
