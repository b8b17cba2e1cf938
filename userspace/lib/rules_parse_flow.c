// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: keywords of the flow and the packet rather than
 * the payload: threshold, flowbits/xbits/flowint, stream_size, flow,
 * flags and the packet header fields (ip_proto, ttl, itype, icode).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"

int rp_opt_threshold(struct pstate *ps, const char *kw, char *val)
{
	char tmp[256], *f[8];
	size_t n, i;
	uint64_t x;
	struct rp_rule *r = ps->r;
	bool det = !strcmp(kw, "detection_filter");
	bool have_track = false, have_count = false, have_secs = false;

	if (r->thresh_type != TLSI_THRESH_NONE)
		return rp_skip(ps, "unsupported option", "both threshold and detection_filter");
	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "%s too long", kw);
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 8);
	r->thresh_type = det ? TLSI_THRESH_DETECTION : TLSI_THRESH_NONE;
	for (i = 0; i < n; i++) {
		char *k = f[i], *v = k;

		while (*v && *v != ' ' && *v != '\t')
			v++;
		if (*v)
			*v++ = '\0';
		v = rp_trim(v);
		if (!strcmp(k, "type") && !det) {
			if (!strcmp(v, "limit"))
				r->thresh_type = TLSI_THRESH_LIMIT;
			else if (!strcmp(v, "threshold"))
				r->thresh_type = TLSI_THRESH_THRESHOLD;
			else if (!strcmp(v, "both"))
				r->thresh_type = TLSI_THRESH_BOTH;
			else
				return rp_skip(ps, "syntax error", "%s type `%s'", kw, v);
		} else if (!strcmp(k, "track")) {
			if (!strcmp(v, "by_src"))
				r->thresh_track = TLSI_TRACK_SRC;
			else if (!strcmp(v, "by_dst"))
				r->thresh_track = TLSI_TRACK_DST;
			else
				return rp_skip(ps, "unsupported option", "%s track %s", kw, v);
			have_track = true;
		} else if (!strcmp(k, "count")) {
			if (rp_parse_num(v, UINT32_MAX, &x, false) || !x)
				return rp_skip(ps, "syntax error", "%s count `%s'", kw, v);
			r->thresh_count = (uint32_t)x;
			have_count = true;
		} else if (!strcmp(k, "seconds")) {
			if (rp_parse_num(v, 86400 * 365, &x, false) || !x)
				return rp_skip(ps, "syntax error", "%s seconds `%s'", kw, v);
			r->thresh_seconds = (uint32_t)x;
			have_secs = true;
		} else {
			return rp_skip(ps, "syntax error", "%s: unknown field `%s'", kw, k);
		}
	}
	if (r->thresh_type == TLSI_THRESH_NONE || !have_track || !have_count || !have_secs)
		return rp_skip(ps, "syntax error", "%s needs type, track, count and seconds", kw);
	return 0;
}

static int flowbit_index(struct rp_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nflowbits; i++)
		if (!strcmp(s->flowbits[i], name))
			return (int)i;
	if (s->nflowbits >= TLSI_IMG_FLOWBITS_MAX)
		return -1;
	s->flowbits = rp_xrealloc(s->flowbits, (s->nflowbits + 1) * sizeof(*s->flowbits));
	s->flowbits[s->nflowbits] = rp_xstrdup(name);
	return (int)s->nflowbits++;
}

int rp_opt_flowbits(struct pstate *ps, const char *kw, char *val)
{
	char tmp[512], *op, *names, *p;
	struct rp_flowbit fb = { 0 };
	bool any = false, all = false;
	size_t k;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "flowbits too long");
	strcpy(tmp, val);
	op = rp_trim(tmp);
	if (!strcmp(op, "noalert")) {
		ps->r->flags |= TLSI_RULE_F_NOALERT;
		return 0;
	}
	names = strchr(op, ',');
	if (!names)
		return rp_skip(ps, "syntax error", "flowbits `%s' without a name", val);
	*names++ = '\0';
	op = rp_trim(op);
	names = rp_trim(names);
	if (!strcmp(op, "set"))
		fb.op = TLSI_FB_SET;
	else if (!strcmp(op, "unset"))
		fb.op = TLSI_FB_UNSET;
	else if (!strcmp(op, "toggle"))
		fb.op = TLSI_FB_TOGGLE;
	else if (!strcmp(op, "isset"))
		fb.op = TLSI_FB_ISSET;
	else if (!strcmp(op, "isnotset"))
		fb.op = TLSI_FB_ISNOTSET;
	else
		return rp_skip(ps, "unsupported option", "flowbits:%s", op);
	for (p = names; *p; p++) {
		if (*p == '|')
			any = true;
		else if (*p == '&')
			all = true;
	}
	if (any && all)
		return rp_skip(ps, "unsupported option", "flowbits mixing | and &");
	if (any && fb.op >= TLSI_FB_SET)
		return rp_skip(ps, "unsupported option", "flowbits %s with |", op);
	p = names;
	for (;;) {
		char *sep = strpbrk(p, "|&");
		char *name;

		if (sep)
			*sep = '\0';
		name = rp_trim(p);
		if (!*name)
			return rp_skip(ps, "syntax error", "flowbits: empty name");
		if (fb.n == TLSI_FB_BITS_MAX) {
			if (any)
				return rp_skip(ps, "unsupported option", "more than %d flowbits with |",
					       TLSI_FB_BITS_MAX);
			ps->r->fb = rp_xrealloc(ps->r->fb, (ps->r->nfb + 1) * sizeof(*ps->r->fb));
			ps->r->fb[ps->r->nfb++] = fb;
			memset(fb.names, 0, sizeof(fb.names));
			fb.n = 0;
		}
		fb.names[fb.n++] = rp_xstrdup(name);
		if (!sep)
			break;
		p = sep + 1;
	}
	if (any)
		fb.op = fb.op == TLSI_FB_ISSET ? TLSI_FB_ISSET_ANY : TLSI_FB_ISNOTSET_ANY;
	ps->r->fb = rp_xrealloc(ps->r->fb, (ps->r->nfb + 1) * sizeof(*ps->r->fb));
	ps->r->fb[ps->r->nfb++] = fb;
	for (k = 0; k < fb.n; k++)
		if (flowbit_index(ps->s, fb.names[k]) < 0)
			return rp_skip(ps, "limit", "more than %d flowbit names", TLSI_IMG_FLOWBITS_MAX);
	return 0;
}

/*
 * xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>
 * [,expire <seconds>] (Suricata's; expire defaults to 30 s).
 */
int rp_opt_xbits(struct pstate *ps, const char *kw, char *val)
{
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "set", TLSI_FB_SET }, { "unset", TLSI_FB_UNSET },
		{ "toggle", TLSI_FB_TOGGLE }, { "isset", TLSI_FB_ISSET },
		{ "isnotset", TLSI_FB_ISNOTSET },
	};
	static const char *const tracks[] = { "ip_src", "ip_dst", "ip_pair" };
	struct rp_xbit xb = { .expire = 30 };
	char tmp[512], *f[6], *end;
	unsigned long v;
	size_t n, i;
	int bit;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "xbits too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 6);
	if (n < 3 || n > 4)
		return rp_skip(ps, "syntax error", "xbits `%s'", val);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[0], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return rp_skip(ps, "unsupported option", "xbits:%s", f[0]);
	xb.op = ops[i].op;
	if (!*f[1] || strpbrk(f[1], "|& \t"))
		return rp_skip(ps, "syntax error", "xbits name `%s'", f[1]);
	if (strncmp(f[2], "track", 5) || !isspace((unsigned char)f[2][5]))
		return rp_skip(ps, "syntax error", "xbits `%s': track first", val);
	f[2] = rp_trim(f[2] + 5);
	for (i = 0; i < 3 && strcmp(f[2], tracks[i]); i++)
		;
	if (i == 3)
		return rp_skip(ps, "unsupported option", "xbits track %s", f[2]);
	xb.track = (uint8_t)i;
	if (n == 4) {
		if (strncmp(f[3], "expire", 6) || !isspace((unsigned char)f[3][6]))
			return rp_skip(ps, "syntax error", "xbits `%s'", val);
		f[3] = rp_trim(f[3] + 6);
		errno = 0;
		v = strtoul(f[3], &end, 10);
		if (!isdigit((unsigned char)*f[3]) || *end || errno || !v ||
		    v > TLSI_XBITS_EXPIRE_MAX)
			return rp_skip(ps, "syntax error", "xbits expire `%s'", f[3]);
		xb.expire = (uint32_t)v;
	}
	bit = flowbit_index(ps->s, f[1]);
	if (bit < 0)
		return rp_skip(ps, "limit", "more than %d flowbit and xbit names",
			       TLSI_IMG_FLOWBITS_MAX);
	xb.bit = (uint32_t)bit;
	ps->r->xb = rp_xrealloc(ps->r->xb, (ps->r->nxb + 1) * sizeof(*ps->r->xb));
	ps->r->xb[ps->r->nxb++] = xb;
	return 0;
}

/*
 * flowint:NAME, OP, VALUE (OP: = + - == != < <= > >=) or flowint:NAME,
 * isset|notset|isnotset (Suricata's syntax). A value that names another
 * variable is not supported.
 */
int rp_opt_flowint(struct pstate *ps, const char *kw, char *val)
{
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "isset", TLSI_FI_ISSET }, { "notset", TLSI_FI_NOTSET },
		{ "isnotset", TLSI_FI_NOTSET }, { "==", TLSI_FI_EQ }, { "!=", TLSI_FI_NE },
		{ "<", TLSI_FI_LT }, { "<=", TLSI_FI_LE }, { ">", TLSI_FI_GT },
		{ ">=", TLSI_FI_GE }, { "=", TLSI_FI_SET }, { "+", TLSI_FI_ADD },
		{ "-", TLSI_FI_SUB },
	};
	struct rp_flowint fi = { 0 };
	char tmp[256], *f[4], *end;
	unsigned long long v;
	size_t n, i;
	int var;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "flowint too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 4);
	if (n < 2 || n > 3 || !*f[0] || strpbrk(f[0], "|& \t"))
		return rp_skip(ps, "syntax error", "flowint `%s'", val);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[1], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return rp_skip(ps, "syntax error", "flowint operator `%s'", f[1]);
	fi.op = ops[i].op;
	if ((fi.op <= TLSI_FI_NOTSET) != (n == 2))
		return rp_skip(ps, "syntax error", "flowint `%s': %s", val,
			       n == 2 ? "no value" : "a value after isset/notset");
	if (n == 3) {
		if (!isdigit((unsigned char)*f[2]))
			return rp_skip(ps, "unsupported option",
				       "flowint value `%s' (another variable)", f[2]);
		errno = 0;
		v = strtoull(f[2], &end, 10);
		if (*end || errno || v > 0xffffffffull)
			return rp_skip(ps, "syntax error", "flowint value `%s'", f[2]);
		fi.val = (uint32_t)v;
	}
	var = flowbit_index(ps->s, f[0]);
	if (var < 0)
		return rp_skip(ps, "limit", "more than %d flowbit, xbit and flowint names",
			       TLSI_IMG_FLOWBITS_MAX);
	fi.var = (uint32_t)var;
	ps->r->fi = rp_xrealloc(ps->r->fi, (ps->r->nfi + 1) * sizeof(*ps->r->fi));
	ps->r->fi[ps->r->nfi++] = fi;
	return 0;
}

/* IP protocol names ip_proto takes besides numbers (Suricata asks
 * getprotobyname(); these are /etc/protocols' names ET could use). */
static const struct { const char *name; uint8_t proto; } ip_protos[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 }, { "udp", 17 },
	{ "ipv6", 41 }, { "ipv6-route", 43 }, { "ipv6-frag", 44 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "ipv6-nonxt", 59 },
	{ "ipv6-opts", 60 }, { "sctp", 132 },
};

/*
 * stream_size:<server|client|both|either>,<op>,<n> with op one of < > =
 * != <= >= (Suricata's; TCP rules only).
 */
int rp_opt_stream_size(struct pstate *ps, const char *kw, char *val)
{
	static const char *const sides[] = { "server", "client", "both", "either" };
	static const struct { const char *s; uint8_t cmp; } ops[] = {
		{ "<", TLSI_CMP_LT }, { ">", TLSI_CMP_GT }, { "=", TLSI_CMP_EQ },
		{ "!=", TLSI_CMP_NE }, { "<=", TLSI_CMP_LE }, { ">=", TLSI_CMP_GE },
	};
	struct rp_rule *r = ps->r;
	char tmp[128], *f[4], *end;
	unsigned long long v;
	size_t n, i;

	if (r->proto != RP_PROTO_TCP)
		return rp_skip(ps, "stream_size in a non-TCP rule", "stream_size `%s'", val);
	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "stream_size too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 4);
	if (n != 3)
		return rp_skip(ps, "syntax error", "stream_size `%s'", val);
	for (i = 0; i < 4 && strcmp(f[0], sides[i]); i++)
		;
	if (i == 4)
		return rp_skip(ps, "syntax error", "stream_size side `%s'", f[0]);
	r->ss_side = (uint8_t)i;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(f[1], ops[i].s); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return rp_skip(ps, "syntax error", "stream_size operator `%s'", f[1]);
	r->ss_cmp = ops[i].cmp;
	errno = 0;
	v = strtoull(f[2], &end, 10);
	if (!isdigit((unsigned char)f[2][0]) || *end || errno || v > 0xffffffffull)
		return rp_skip(ps, "syntax error", "stream_size value `%s'", f[2]);
	r->ss_value = (uint32_t)v;
	r->has_stream_size = true;
	return 0;
}

/*
 * flow: to_server/from_client, to_client/from_server, established,
 * not_established, stateless (no effect on matching, as Suricata's
 * FlowMatch()), no_stream (the packet's payload, never the stream),
 * only_stream, no_frag and only_frag (no effect here).
 */
int rp_opt_flow(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	char tmp[128], *f[8];
	size_t n, i;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "flow too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 8);
	for (i = 0; i < n; i++) {
		if (!strcmp(f[i], "established")) {
			if (r->flow & TLSI_FLOW_NOT_ESTABLISHED || r->stateless)
				return rp_skip(ps, "syntax error",
					       "flow: established with not_established or stateless");
			r->flow |= TLSI_FLOW_ESTABLISHED;
		} else if (!strcmp(f[i], "not_established")) {
			if (r->flow & TLSI_FLOW_ESTABLISHED)
				return rp_skip(ps, "syntax error",
					       "flow: not_established with established");
			r->flow |= TLSI_FLOW_NOT_ESTABLISHED;
			if (!r->pkt_kw)
				r->pkt_kw = "flow:not_established";
		} else if (!strcmp(f[i], "stateless")) {
			/* Suricata's FlowMatch() counts it as matched
			 * whatever the state */
			if (r->flow & TLSI_FLOW_ESTABLISHED)
				return rp_skip(ps, "syntax error",
					       "flow: stateless with established");
			r->stateless = true;
		} else if (!strcmp(f[i], "no_stream")) {
			/* the packet's payload, never the stream */
			if (!r->pkt_kw)
				r->pkt_kw = "flow:no_stream";
		} else if (!strcmp(f[i], "to_server") || !strcmp(f[i], "from_client"))
			r->flow |= TLSI_FLOW_TO_SERVER;
		else if (!strcmp(f[i], "to_client") || !strcmp(f[i], "from_server"))
			r->flow |= TLSI_FLOW_TO_CLIENT;
		else if (!strcmp(f[i], "only_stream") || !strcmp(f[i], "no_frag") ||
			 !strcmp(f[i], "only_frag"))
			continue;
		else
			return rp_skip(ps, "unsupported flow option", "flow:%s", f[i]);
	}
	if ((r->flow & TLSI_FLOW_TO_SERVER) && (r->flow & TLSI_FLOW_TO_CLIENT))
		return rp_skip(ps, "syntax error", "flow both to_server and to_client");
	return 0;
}

/*
 * flags: Suricata's DetectFlagsParse(): an optional modifier (! + *), the
 * flags (S A F R P U C E, 1 and 2 for C and E, 0 for none; upper case),
 * and after a comma the flags to ignore. Matched on each TCP packet.
 */
int rp_opt_flags(struct pstate *ps, const char *kw, char *val)
{
	static const char letters[] = "FSRPAUEC";	/* bit i: letters[i] */
	struct rp_rule *r = ps->r;
	struct rp_pkt_test *t;
	char tmp[64], *v, *ign;
	uint8_t flags = 0, mask = 0xff;
	int mod = -1, found = 0;
	const char *p;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "flags too long");
	strcpy(tmp, val);
	v = (char *)rp_skip_ws(tmp);
	ign = strchr(v, ',');
	if (ign)
		*ign++ = '\0';
	rp_trim(v);
	if (!*v)
		return rp_skip(ps, "syntax error", "flags `%s'", val);
	for (p = v; *p; p++) {
		const char *l = strchr(letters, *p);
		int m = *p == '!' ? TLSI_TCPFL_NOT : *p == '+' ? TLSI_TCPFL_PLUS :
			*p == '*' ? TLSI_TCPFL_ANY : -1;

		if (m >= 0) {
			/* one modifier, first or among the flags */
			if (mod >= 0)
				return rp_skip(ps, "syntax error",
					       "flags `%s': one modifier at most", val);
			mod = m;
		} else if (*p == '1' || *p == '2') {
			flags |= *p == '1' ? 0x80 : 0x40;
			found++;
		} else if (*p == '0') {
			flags = 0;
			found++;
		} else if (*p && l) {
			flags |= (uint8_t)(1u << (l - letters));
			found++;
		} else if (isspace((unsigned char)*p) && p == v + 1 && mod >= 0) {
			continue;	/* "! S": space after the modifier */
		} else {
			return rp_skip(ps, "syntax error", "flags `%s'", val);
		}
	}
	if (!found)
		return rp_skip(ps, "syntax error", "flags `%s': no flag", val);
	if (ign) {
		int n = 0;

		ign = rp_trim(ign);
		for (p = ign; *p; p++) {
			const char *l = strchr(letters, *p);

			if (*p == '1' || *p == 'C')
				mask &= (uint8_t)~0x80;
			else if (*p == '2' || *p == 'E')
				mask &= (uint8_t)~0x40;
			else if (l)
				mask &= (uint8_t)~(1u << (l - letters));
			else
				return rp_skip(ps, "syntax error", "flags `%s': ignored `%c'", val, *p);
			n++;
		}
		if (!n)
			return rp_skip(ps, "syntax error", "flags `%s': nothing ignored", val);
	}
	if (r->proto != RP_PROTO_TCP)
		return rp_skip(ps, "flags in a udp, icmp or ip rule",
			       "flags:%s (only TCP packets have flags)", val);
	if (r->npkt >= RP_PKT_TESTS_MAX)
		return rp_skip(ps, "limit", "more than %d header tests", RP_PKT_TESTS_MAX);
	t = &r->pkt[r->npkt++];
	t->field = TLSI_PKT_TCP_FLAGS;
	t->cmp = (uint8_t)(mod < 0 ? TLSI_TCPFL_EXACT : mod);
	t->a = flags;
	t->b = mask;
	if (!r->pkt_kw)
		r->pkt_kw = "flags";
	return 0;
}

/*
 * itype, icode, ttl ([<|>|<=|>=|!]N or N<>M, as dsize: Suricata's
 * DetectU8Parse) and ip_proto ([!|<|>]N or a protocol name), all 0..255.
 */
int rp_opt_pkt(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	struct rp_pkt_test *t;
	uint8_t field;
	uint32_t a, b;
	uint8_t cmp;
	size_t i;

	if (!strcmp(kw, "itype"))
		field = TLSI_PKT_ITYPE;
	else if (!strcmp(kw, "icode"))
		field = TLSI_PKT_ICODE;
	else if (!strcmp(kw, "ip_proto"))
		field = TLSI_PKT_IP_PROTO;
	else
		field = TLSI_PKT_TTL;
	if (field == TLSI_PKT_TTL && r->proto != RP_PROTO_UDP && r->proto != RP_PROTO_ICMP)
		return rp_skip(ps, "ttl on TCP streams",
			       "ttl in a %s rule (TCP streams are inspected without their packets' TTL)",
			       r->proto == RP_PROTO_IP ? "ip" : "tcp");
	if (r->npkt >= RP_PKT_TESTS_MAX)
		return rp_skip(ps, "limit", "more than %d header tests", RP_PKT_TESTS_MAX);
	if (field == TLSI_PKT_IP_PROTO) {
		const char *v = rp_skip_ws(val);
		uint64_t x;

		cmp = TLSI_CMP_EQ;
		if (*v == '!' || *v == '<' || *v == '>') {
			cmp = *v == '!' ? TLSI_CMP_NE : *v == '<' ? TLSI_CMP_LT : TLSI_CMP_GT;
			v = rp_skip_ws(v + 1);
		}
		b = 0;
		if (!rp_parse_num(v, 255, &x, false)) {
			a = (uint32_t)x;
		} else {
			for (i = 0; i < sizeof(ip_protos) / sizeof(ip_protos[0]); i++)
				if (!strcasecmp(v, ip_protos[i].name))
					break;
			if (i == sizeof(ip_protos) / sizeof(ip_protos[0]))
				return rp_skip(ps, "syntax error", "ip_proto `%s'", val);
			a = ip_protos[i].proto;
		}
	} else if (rp_parse_size_cmp(val, &cmp, &a, &b) || a > 255 || b > 255) {
		return rp_skip(ps, "syntax error", "%s `%s'", kw, val);
	}
	t = &r->pkt[r->npkt++];
	t->field = field;
	t->cmp = cmp;
	t->a = a;
	t->b = b;
	return 0;
}
