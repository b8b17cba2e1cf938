// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser. See rules_parse.h and Documentation/engine.md for
 * what is supported; everything else makes the rule skipped with a reason.
 *
 * This file is the frame: the set (variables, classtypes, sids), a rule's
 * header and the loop over its options; rule options are
 * rules_parse_options.c (the keyword table) and the rules_parse_*.c files
 * it calls, what they share is rules_parse_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"

/* ---- small helpers ----------------------------------------------------- */

void *rp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "tlsi: out of memory\n");
		abort();
	}
	return q;
}

char *rp_xstrndup(const char *s, size_t n)
{
	char *d = rp_xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *rp_xstrdup(const char *s)
{
	return rp_xstrndup(s, strlen(s));
}

const char *rp_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Trim in place; returns s. */
char *rp_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Parse an unsigned decimal (or 0x hex when hex_ok) in [0, max]. */
int rp_parse_num(const char *s, uint64_t max, uint64_t *out, bool hex_ok)
{
	char *end;
	unsigned long long v;

	s = rp_skip_ws(s);
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	end = (char *)rp_skip_ws(end);
	if (*end || v > max)
		return -1;
	*out = v;
	return 0;
}

int rp_parse_int(const char *s, int32_t min, int32_t max, int32_t *out)
{
	char *end;
	long v;

	s = rp_skip_ws(s);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	end = (char *)rp_skip_ws(end);
	if (*end || v < min || v > max)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* ---- the set ---------------------------------------------------------- */

struct sidset {
	uint64_t *keys;
	size_t cap, n;
};

static bool sid_add(struct sidset *h, uint32_t gid, uint32_t sid)
{
	uint64_t key = ((uint64_t)gid << 32 | sid) + 1;
	size_t i;

	if (2 * (h->n + 1) > h->cap) {
		struct sidset nh = { 0 };
		size_t k;

		nh.cap = h->cap ? h->cap * 2 : 1024;
		nh.keys = rp_xrealloc(NULL, nh.cap * sizeof(*nh.keys));
		memset(nh.keys, 0, nh.cap * sizeof(*nh.keys));
		for (k = 0; k < h->cap; k++) {
			if (!h->keys[k])
				continue;
			i = (size_t)(h->keys[k] * 0x9e3779b97f4a7c15ULL >> 20) & (nh.cap - 1);
			while (nh.keys[i])
				i = (i + 1) & (nh.cap - 1);
			nh.keys[i] = h->keys[k];
		}
		nh.n = h->n;
		free(h->keys);
		*h = nh;
	}
	i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (h->cap - 1);
	while (h->keys[i]) {
		if (h->keys[i] == key)
			return false;
		i = (i + 1) & (h->cap - 1);
	}
	h->keys[i] = key;
	h->n++;
	return true;
}

static const char *const default_vars[][2] = {
	{ "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "HTTP_SERVERS", "$HOME_NET" },
	{ "SMTP_SERVERS", "$HOME_NET" },
	{ "SQL_SERVERS", "$HOME_NET" },
	{ "DNS_SERVERS", "$HOME_NET" },
	{ "TELNET_SERVERS", "$HOME_NET" },
	{ "AIM_SERVERS", "$EXTERNAL_NET" },
	{ "DC_SERVERS", "$HOME_NET" },
	{ "DNP3_SERVER", "$HOME_NET" },
	{ "DNP3_CLIENT", "$HOME_NET" },
	{ "MODBUS_CLIENT", "$HOME_NET" },
	{ "MODBUS_SERVER", "$HOME_NET" },
	{ "ENIP_CLIENT", "$HOME_NET" },
	{ "ENIP_SERVER", "$HOME_NET" },
	{ "HTTP_PORTS", "[80,443,8000,8008,8080,8443,3128]" },
	{ "SHELLCODE_PORTS", "!80" },
	{ "ORACLE_PORTS", "1521" },
	{ "SSH_PORTS", "22" },
	{ "DNP3_PORTS", "20000" },
	{ "MODBUS_PORTS", "502" },
	{ "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ "FTP_PORTS", "21" },
	{ "GENEVE_PORTS", "6081" },
	{ "VXLAN_PORTS", "4789" },
	{ "TEREDO_PORTS", "3544" },
};

struct rp_var *rp_find_var(const struct rp_set *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nvars; i++)
		if (strlen(s->vars[i].name) == n && !strncmp(s->vars[i].name, name, n))
			return &s->vars[i];
	return NULL;
}

void rp_set_init(struct rp_set *s)
{
	char err[256];
	size_t i;

	memset(s, 0, sizeof(*s));
	s->sids = rp_xrealloc(NULL, sizeof(struct sidset));
	memset(s->sids, 0, sizeof(struct sidset));
	for (i = 0; i < sizeof(default_vars) / sizeof(default_vars[0]); i++)
		rp_set_var(s, default_vars[i][0], default_vars[i][1], err, sizeof(err));
}

static void free_rule(struct rp_rule *r)
{
	size_t i, k;

	for (i = 0; i < r->src.n; i++)
		free(r->src.v[i].var);
	for (i = 0; i < r->dst.n; i++)
		free(r->dst.v[i].var);
	for (i = 0; i < r->sport.n; i++)
		free(r->sport.v[i].var);
	for (i = 0; i < r->dport.n; i++)
		free(r->dport.v[i].var);
	free(r->src.v);
	free(r->dst.v);
	free(r->sport.v);
	free(r->dport.v);
	free(r->msg);
	free(r->classtype);
	free(r->meta);
	for (i = 0; i < r->nitems; i++) {
		free(r->items[i].pat);
		if (r->items[i].re) {
			rx_prog_free(r->items[i].re);
			free(r->items[i].re);
		}
	}
	free(r->items);
	for (i = 0; i < r->nfb; i++)
		for (k = 0; k < r->fb[i].n; k++)
			free(r->fb[i].names[k]);
	free(r->fb);
	free(r->xb);
	free(r->fi);
	memset(r, 0, sizeof(*r));
}

void rp_free_var_lists(struct rp_var *v)
{
	free(v->addrs.v);
	free(v->ports.v);
	v->addrs.v = NULL;
	v->ports.v = NULL;
	v->addrs.n = v->ports.n = 0;
}

void rp_set_free(struct rp_set *s)
{
	size_t i;

	for (i = 0; i < s->nrules; i++)
		free_rule(&s->rules[i]);
	free(s->rules);
	for (i = 0; i < s->nvars; i++) {
		free(s->vars[i].name);
		free(s->vars[i].value);
		rp_free_var_lists(&s->vars[i]);
	}
	free(s->vars);
	for (i = 0; i < s->nclasses; i++) {
		free(s->classes[i].name);
		free(s->classes[i].desc);
	}
	free(s->classes);
	for (i = 0; i < s->nskips; i++)
		free(s->skips[i].reason);
	free(s->skips);
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	for (i = 0; i < s->nflowbits; i++)
		free(s->flowbits[i]);
	free(s->flowbits);
	if (s->sids)
		free(((struct sidset *)s->sids)->keys);
	free(s->sids);
	memset(s, 0, sizeof(*s));
}

/* ---- rules ------------------------------------------------------------------------ */

static const struct { const char *name; uint8_t app; bool approx; uint8_t proto; } protos[] = {
	{ "tcp", TLSI_APP_ANY, false, RP_PROTO_TCP },
	{ "udp", TLSI_APP_ANY, false, RP_PROTO_UDP },
	{ "icmp", TLSI_APP_ANY, false, RP_PROTO_ICMP },
	{ "ip", TLSI_APP_ANY, false, RP_PROTO_IP },
	{ "http", TLSI_APP_HTTP, false, RP_PROTO_TCP },
	{ "tls", TLSI_APP_TLS, false, RP_PROTO_TCP },
	{ "smtp", TLSI_APP_SMTP, false, RP_PROTO_TCP },
	{ "imap", TLSI_APP_IMAP, false, RP_PROTO_TCP },
	{ "pop3", TLSI_APP_POP3, false, RP_PROTO_TCP },
	{ "dns", TLSI_APP_DNS, false, RP_PROTO_TCP },
	{ "tcp-stream", TLSI_APP_ANY, false, RP_PROTO_TCP },
	{ "tcp-pkt", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ftp", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ftp-data", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "smb", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "ssh", TLSI_APP_ANY, true, RP_PROTO_TCP },
	{ "dcerpc", TLSI_APP_ANY, true, RP_PROTO_TCP },
};

/* Next header token (brackets may hold blanks); NULL at '(' or end. */
static const char *token(const char **pp, size_t *len)
{
	const char *p = rp_skip_ws(*pp), *st;
	int depth = 0;

	if (!*p || *p == '(')
		return NULL;
	st = p;
	for (; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if ((*p == ' ' || *p == '\t') && depth <= 0)
			break;
		else if (*p == '(' && depth <= 0)
			break;
	}
	*len = (size_t)(p - st);
	*pp = p;
	return st;
}

static const char *intern_file(struct rp_set *s, const char *file)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i], file))
			return s->files[i];
	s->files = rp_xrealloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	s->files[s->nfiles] = rp_xstrdup(file);
	return s->files[s->nfiles++];
}

static void count_skip(struct rp_set *s, const char *file, unsigned int line,
		       const char *reason, const char *detail)
{
	size_t i;

	s->skipped++;
	for (i = 0; i < s->nskips; i++)
		if (!strcmp(s->skips[i].reason, reason))
			break;
	if (i == s->nskips) {
		s->skips = rp_xrealloc(s->skips, (s->nskips + 1) * sizeof(*s->skips));
		s->skips[i].reason = rp_xstrdup(reason);
		s->skips[i].count = 0;
		s->nskips++;
	}
	s->skips[i].count++;
	if (s->on_skip)
		s->on_skip(s->arg, file, line, reason, detail);
}

static int parse_header(struct pstate *ps, const char **pp)
{
	struct rp_rule *r = ps->r;
	const char *t[7];
	size_t n[7], i;
	char err[256];
	struct perr e = { err, sizeof(err) };
	const char *act;

	for (i = 0; i < 7; i++) {
		t[i] = token(pp, &n[i]);
		if (!t[i])
			return rp_skip(ps, "syntax error", "rule header has %zu fields, expected 7", i);
	}
	act = t[0];
	if (n[0] == 5 && !strncmp(act, "alert", 5))
		r->action = TLSI_ACT_ALERT;
	else if (n[0] == 4 && !strncmp(act, "drop", 4))
		r->action = TLSI_ACT_DROP;
	else if (n[0] == 6 && !strncmp(act, "reject", 6))
		r->action = TLSI_ACT_REJECT;
	else if (n[0] == 4 && !strncmp(act, "pass", 4))
		r->action = TLSI_ACT_PASS;
	else if ((n[0] == 9 && !strncmp(act, "rejectsrc", 9)) ||
		 (n[0] == 9 && !strncmp(act, "rejectdst", 9)) ||
		 (n[0] == 10 && !strncmp(act, "rejectboth", 10)))
		r->action = TLSI_ACT_REJECT;
	else
		return rp_skip(ps, "unsupported action", "action `%.*s'", (int)n[0], act);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strlen(protos[i].name) == n[1] && !strncmp(t[1], protos[i].name, n[1])) {
			r->app = protos[i].app;
			r->proto = protos[i].proto;
			if (r->proto != RP_PROTO_TCP)
				ps->cur_buf = TLSI_BUF_PKT;
			if (protos[i].approx)
				r->flags |= TLSI_RULE_F_PROTO_APPROX;
			break;
		}
	}
	if (i == sizeof(protos) / sizeof(protos[0])) {
		char reason[64];

		snprintf(reason, sizeof(reason), "unsupported protocol `%.*s'",
			 (int)TLSI_ENG_MIN(n[1], 20), t[1]);
		return rp_skip(ps, reason, "protocol `%.*s' (tcp, udp, icmp, ip and the TCP application protocols are inspected)",
			       (int)n[1], t[1]);
	}
	if (n[4] == 2 && !strncmp(t[4], "<>", 2))
		r->flags |= TLSI_RULE_F_BIDIR;
	else if (n[4] != 2 || strncmp(t[4], "->", 2))
		return rp_skip(ps, "syntax error", "direction `%.*s'", (int)n[4], t[4]);
	if (rp_addr_expr(ps->s, t[2], n[2], false, true, &r->src, 0, &e) ||
	    rp_port_expr(ps->s, t[3], n[3], false, true, &r->sport, 0, &e) ||
	    rp_addr_expr(ps->s, t[5], n[5], false, true, &r->dst, 0, &e) ||
	    rp_port_expr(ps->s, t[6], n[6], false, true, &r->dport, 0, &e))
		return rp_skip(ps, strstr(err, "variable") ? "unknown variable" : "bad address or port",
			       "%s", err);
	return 0;
}

/* Split the option list "(k:v; k; ...)" and feed rp_parse_option(). */
static int parse_options(struct pstate *ps, const char *p)
{
	size_t n = strlen(p);
	char *buf, *q, *end;

	p = rp_skip_ws(p);
	if (*p != '(')
		return rp_skip(ps, "syntax error", "no option list");
	n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n < 2 || p[n - 1] != ')')
		return rp_skip(ps, "syntax error", "option list not closed with `)'");
	buf = rp_xstrndup(p + 1, n - 2);
	q = buf;
	end = buf + strlen(buf);
	while (q < end) {
		char *st = q, *kw, *val, *colon;

		/* the option ends at the first ';' not escaped (as in
		 * Suricata, quotes do not protect a ';') */
		for (; q < end; q++) {
			if (*q == '\\' && q + 1 < end) {
				q++;
				continue;
			}
			if (*q == ';')
				break;
		}
		*q++ = '\0';
		kw = rp_trim(st);
		if (!*kw)
			continue;
		colon = strchr(kw, ':');
		if (colon) {
			*colon = '\0';
			val = rp_trim(colon + 1);
			kw = rp_trim(kw);
		} else {
			val = kw + strlen(kw);
		}
		if (rp_parse_option(ps, kw, val)) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

int rp_parse_rule(struct rp_set *s, const char *file, unsigned int line,
		  const char *text)
{
	struct rp_rule r;
	struct pstate ps = { 0 };
	const char *p = rp_skip_ws(text);

	if (!*p || *p == '\r' || *p == '\n')
		return 0;
	if (*p == '#') {
		p = rp_skip_ws(p + 1);
		if (!strncmp(p, "alert ", 6) || !strncmp(p, "drop ", 5) ||
		    !strncmp(p, "reject ", 7) || !strncmp(p, "pass ", 5))
			s->commented++;
		return 0;
	}
	file = intern_file(s, file);
	s->enabled++;
	memset(&r, 0, sizeof(r));
	r.file = file;
	r.line = line;
	ps.s = s;
	ps.r = &r;
	ps.cur_buf = TLSI_BUF_RAW;
	ps.last = -1;
	ps.last_payload = -1;
	ps.b64_item = -1;
	if (parse_header(&ps, &p) || parse_options(&ps, p) || rp_finish(&ps))
		goto skipped;
	if (!sid_add(s->sids, r.gid, r.sid)) {
		rp_skip(&ps, "duplicate sid", "sid %u (gid %u) already loaded", r.sid, r.gid);
		goto skipped;
	}
	if (s->nrules == s->rules_cap) {
		s->rules_cap = s->rules_cap ? s->rules_cap * 2 : 256;
		s->rules = rp_xrealloc(s->rules, s->rules_cap * sizeof(*s->rules));
	}
	s->rules[s->nrules++] = r;
	return 1;
skipped:
	count_skip(s, file, line, ps.reason, ps.detail);
	free_rule(&r);
	return 0;
}

int rp_parse_file(struct rp_set *s, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *acc = NULL;
	size_t cap = 0, acclen = 0;
	ssize_t n;
	unsigned int ln = 0, start = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!acclen)
			start = ln;
		/* a trailing backslash continues the rule on the next line */
		if (n && line[n - 1] == '\\') {
			acc = rp_xrealloc(acc, acclen + (size_t)n + 1);
			memcpy(acc + acclen, line, (size_t)n - 1);
			acclen += (size_t)n - 1;
			acc[acclen] = '\0';
			continue;
		}
		if (acclen) {
			acc = rp_xrealloc(acc, acclen + (size_t)n + 1);
			memcpy(acc + acclen, line, (size_t)n + 1);
			rp_parse_rule(s, path, start, acc);
			acclen = 0;
		} else {
			rp_parse_rule(s, path, ln, line);
		}
	}
	if (acclen)
		rp_parse_rule(s, path, start, acc);
	free(line);
	free(acc);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}
