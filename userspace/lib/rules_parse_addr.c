// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: a rule header's addresses and ports (variables,
 * lists, negation, ranges), the set's variables that hold them
 * (rp_set_var), and classification.config's classtypes and priorities.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_parse.h"
#include "rules_pcre.h"
#include "rules_parse_int.h"

/* ---- addresses and ports ------------------------------------------------ */

static int pfail(struct perr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int pfail(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -1;
}

static void addr_push(struct rp_addrs *l, const struct rp_addr *a)
{
	l->v = rp_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *a;
}

static void port_push(struct rp_ports *l, const struct rp_port *p)
{
	l->v = rp_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *p;
}

/* Split a list body "a,[b,c],!d" at top-level commas. */
static int split_list(const char *p, size_t n, size_t *starts, size_t *lens,
		      size_t max, size_t *count)
{
	size_t i, depth = 0, st = 0, k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] == '[')
			depth++;
		else if (i < n && p[i] == ']')
			depth--;
		if (i == n || (p[i] == ',' && depth == 0)) {
			if (k == max)
				return -1;
			starts[k] = st;
			lens[k] = i - st;
			k++;
			st = i + 1;
		}
	}
	*count = k;
	return 0;
}

#define LIST_MAX 4096

static int parse_cidr(const char *p, size_t n, struct rp_addr *a, struct perr *e)
{
	char tmp[64], *slash;
	uint64_t plen;
	struct in_addr v4;
	struct in6_addr v6;

	if (n >= sizeof(tmp))
		return pfail(e, "address `%.*s' too long", (int)n, p);
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	memset(a->addr, 0, 16);
	if (inet_pton(AF_INET, tmp, &v4) == 1) {
		a->addr[10] = a->addr[11] = 0xff;
		memcpy(a->addr + 12, &v4, 4);
		if (slash) {
			if (strchr(slash, '.')) {	/* netmask form */
				struct in_addr m;
				uint32_t mask;

				if (inet_pton(AF_INET, slash, &m) != 1)
					return pfail(e, "bad netmask in `%s'", p);
				mask = ntohl(m.s_addr);
				for (plen = 0; plen < 32 && (mask & (1u << (31 - plen))); plen++)
					;
			} else if (rp_parse_num(slash, 32, &plen, false)) {
				return pfail(e, "bad prefix length in `%.*s'", (int)n, p);
			}
		} else {
			plen = 32;
		}
		a->plen = (uint8_t)(96 + plen);
	} else if (inet_pton(AF_INET6, tmp, &v6) == 1) {
		memcpy(a->addr, &v6, 16);
		plen = 128;
		if (slash && rp_parse_num(slash, 128, &plen, false))
			return pfail(e, "bad prefix length in `%.*s'", (int)n, p);
		a->plen = (uint8_t)plen;
	} else {
		return pfail(e, "bad address `%.*s'", (int)n, p);
	}
	return 0;
}

/*
 * Add the items of address expression p[0..n) to out, negated when neg.
 * Variables stay references when keep_vars, else they are expanded.
 */
int rp_addr_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		 bool keep_vars, struct rp_addrs *out, int depth, struct perr *e)
{
	struct rp_addr a = { 0 };

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return pfail(e, "empty address");
	if (depth > 8)
		return pfail(e, "addresses nested too deeply");
	if (*p == '!')
		return rp_addr_expr(s, p + 1, n - 1, !neg, keep_vars, out, depth + 1, e);
	if (*p == '[') {
		size_t st[LIST_MAX], ln[LIST_MAX], k, cnt, before = out->n;

		if (p[n - 1] != ']')
			return pfail(e, "unbalanced `[' in `%.*s'", (int)n, p);
		if (split_list(p + 1, n - 2, st, ln, LIST_MAX, &cnt))
			return pfail(e, "address list too long");
		for (k = 0; k < cnt; k++)
			if (rp_addr_expr(s, p + 1 + st[k], ln[k], false, keep_vars, out,
					 depth + 1, e))
				return -1;
		if (neg) {
			/* ![a,b] = !a and !b, only if no item is negated */
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "negated list with negations inside: `%.*s'",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n == 3 && !strncmp(p, "any", 3)) {
		a.plen = 0;	/* ::/0 */
		a.flags = neg ? TLSI_ADDR_F_NEG : 0;
		addr_push(out, &a);
		return 0;
	}
	if (*p == '$') {
		const struct rp_var *v = rp_find_var(s, p + 1, n - 1);
		size_t k, before = out->n;

		if (!v || v->kind != TLSI_VAR_ADDR)
			return pfail(e, "unknown address variable `%.*s'", (int)n, p);
		if (keep_vars) {
			a.flags = TLSI_ADDR_F_VAR | (neg ? TLSI_ADDR_F_NEG : 0);
			a.var = rp_xstrndup(p + 1, n - 1);
			addr_push(out, &a);
			return 0;
		}
		if (rp_addr_expr(s, v->value, strlen(v->value), false, false, out,
				 depth + 1, e))
			return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "cannot negate `%.*s': its value has negations",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (parse_cidr(p, n, &a, e))
		return -1;
	a.flags = neg ? TLSI_ADDR_F_NEG : 0;
	addr_push(out, &a);
	return 0;
}

int rp_port_expr(const struct rp_set *s, const char *p, size_t n, bool neg,
		 bool keep_vars, struct rp_ports *out, int depth, struct perr *e)
{
	struct rp_port pt = { 0 };
	char tmp[32], *colon;
	uint64_t lo, hi;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return pfail(e, "empty port");
	if (depth > 8)
		return pfail(e, "ports nested too deeply");
	if (*p == '!')
		return rp_port_expr(s, p + 1, n - 1, !neg, keep_vars, out, depth + 1, e);
	if (*p == '[') {
		size_t st[LIST_MAX], ln[LIST_MAX], k, cnt, before = out->n;

		if (p[n - 1] != ']')
			return pfail(e, "unbalanced `[' in `%.*s'", (int)n, p);
		if (split_list(p + 1, n - 2, st, ln, LIST_MAX, &cnt))
			return pfail(e, "port list too long");
		for (k = 0; k < cnt; k++)
			if (rp_port_expr(s, p + 1 + st[k], ln[k], false, keep_vars, out,
					 depth + 1, e))
				return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "negated port list with negations inside");
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n == 3 && !strncmp(p, "any", 3)) {
		pt.lo = 0;
		pt.hi = 65535;
		pt.flags = neg ? TLSI_ADDR_F_NEG : 0;
		port_push(out, &pt);
		return 0;
	}
	if (*p == '$') {
		const struct rp_var *v = rp_find_var(s, p + 1, n - 1);
		size_t k, before = out->n;

		if (!v || v->kind != TLSI_VAR_PORT)
			return pfail(e, "unknown port variable `%.*s'", (int)n, p);
		if (keep_vars) {
			pt.flags = TLSI_ADDR_F_VAR | (neg ? TLSI_ADDR_F_NEG : 0);
			pt.var = rp_xstrndup(p + 1, n - 1);
			port_push(out, &pt);
			return 0;
		}
		if (rp_port_expr(s, v->value, strlen(v->value), false, false, out,
				 depth + 1, e))
			return -1;
		if (neg) {
			for (k = before; k < out->n; k++) {
				if (out->v[k].flags & TLSI_ADDR_F_NEG)
					return pfail(e, "cannot negate `%.*s': its value has negations",
						     (int)n, p);
				out->v[k].flags |= TLSI_ADDR_F_NEG;
			}
		}
		return 0;
	}
	if (n >= sizeof(tmp))
		return pfail(e, "bad port `%.*s'", (int)n, p);
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	colon = strchr(tmp, ':');
	if (colon) {
		*colon++ = '\0';
		lo = 0;
		hi = 65535;
		if ((*tmp && rp_parse_num(tmp, 65535, &lo, false)) ||
		    (*colon && rp_parse_num(colon, 65535, &hi, false)) || lo > hi)
			return pfail(e, "bad port range `%.*s'", (int)n, p);
	} else {
		if (rp_parse_num(tmp, 65535, &lo, false))
			return pfail(e, "bad port `%.*s'", (int)n, p);
		hi = lo;
	}
	pt.lo = (uint16_t)lo;
	pt.hi = (uint16_t)hi;
	pt.flags = neg ? TLSI_ADDR_F_NEG : 0;
	port_push(out, &pt);
	return 0;
}

static bool looks_like_ports(const char *name, const char *value)
{
	const char *p;
	size_t n = strlen(name);

	if ((n > 5 && !strcmp(name + n - 5, "_PORTS")) ||
	    (n > 5 && !strcmp(name + n - 5, "_PORT")))
		return true;
	for (p = value; *p; p++)
		if (*p == '.' || (*p == ':' && p[1] == ':') || isalpha((unsigned char)*p))
			return strstr(value, "PORTS") != NULL;
	return true;
}

int rp_set_var(struct rp_set *s, const char *name, const char *value,
	       char *err, size_t errlen)
{
	struct perr e = { err, errlen };
	struct rp_var *v, tmp = { 0 };
	const char *p;
	size_t i;

	if (*name == '$')
		name++;
	if (!*name)
		return pfail(&e, "empty variable name");
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return pfail(&e, "variable name `%s': only letters, digits and `_'",
				     name);
	v = rp_find_var(s, name, strlen(name));
	tmp.name = rp_xstrdup(name);
	tmp.value = rp_xstrdup(value);
	tmp.kind = v ? v->kind : (looks_like_ports(name, value) ? TLSI_VAR_PORT
							       : TLSI_VAR_ADDR);
	/* check the value now (variables it names must exist) */
	if (tmp.kind == TLSI_VAR_ADDR) {
		if (rp_addr_expr(s, value, strlen(value), false, false, &tmp.addrs, 0, &e))
			goto bad;
	} else {
		if (rp_port_expr(s, value, strlen(value), false, false, &tmp.ports, 0, &e))
			goto bad;
	}
	if (v) {
		free(v->name);
		free(v->value);
		rp_free_var_lists(v);
		*v = tmp;
	} else {
		s->vars = rp_xrealloc(s->vars, (s->nvars + 1) * sizeof(*s->vars));
		s->vars[s->nvars++] = tmp;
	}
	/* variables defined in terms of others follow them */
	for (i = 0; i < s->nvars; i++) {
		struct rp_var *o = &s->vars[i];
		char e2[256];
		struct perr ee = { e2, sizeof(e2) };

		if (o == (v ? v : &s->vars[s->nvars - 1]))
			continue;
		rp_free_var_lists(o);
		if (o->kind == TLSI_VAR_ADDR)
			rp_addr_expr(s, o->value, strlen(o->value), false, false, &o->addrs, 0, &ee);
		else
			rp_port_expr(s, o->value, strlen(o->value), false, false, &o->ports, 0, &ee);
	}
	return 0;
bad:
	free(tmp.name);
	free(tmp.value);
	rp_free_var_lists(&tmp);
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "variable %s: %s", name, err);
		snprintf(err, errlen, "%s", msg);
	}
	return -1;
}

int rp_load_classification(struct rp_set *s, const char *path, char *err,
			   size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned int ln = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = rp_trim(line), *name, *desc, *prio;
		uint64_t pr;
		size_t i;

		ln++;
		if (strncmp(p, "config classification:", 22))
			continue;
		name = rp_trim(p + 22);
		desc = strchr(name, ',');
		prio = desc ? strrchr(desc + 1, ',') : NULL;
		if (!desc || !prio || rp_parse_num(prio + 1, 255, &pr, false) || !pr) {
			snprintf(err, errlen, "%s:%u: expected `config classification: name,description,priority'",
				 path, ln);
			fclose(f);
			return -1;
		}
		*desc++ = '\0';
		*prio = '\0';
		name = rp_trim(name);
		for (i = 0; i < s->nclasses; i++)
			if (!strcmp(s->classes[i].name, name))
				break;
		if (i == s->nclasses) {
			s->classes = rp_xrealloc(s->classes, (s->nclasses + 1) * sizeof(*s->classes));
			s->nclasses++;
		} else {
			free(s->classes[i].name);
			free(s->classes[i].desc);
		}
		s->classes[i].name = rp_xstrdup(name);
		s->classes[i].desc = rp_xstrdup(rp_trim(desc));
		s->classes[i].prio = (uint8_t)pr;
	}
	fclose(f);
	return 0;
}

uint8_t rp_rule_priority(const struct rp_set *s, const struct rp_rule *r)
{
	size_t i;

	if (r->priority)
		return r->priority;
	if (r->classtype)
		for (i = 0; i < s->nclasses; i++)
			if (!strcmp(s->classes[i].name, r->classtype))
				return s->classes[i].prio;
	return 3;
}
