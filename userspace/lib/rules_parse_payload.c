// SPDX-License-Identifier: GPL-2.0
/*
 * Suricata rule parser: the payload keywords. Contents and their values,
 * byte_extract variables, byte_test/byte_jump, pcre, base64_decode and
 * app-layer-event: what becomes an item of the rule's program.
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

/* Decode a quoted content string with |hex| runs. */
int rp_parse_content(struct pstate *ps, const char *v, struct rp_item *it)
{
	const char *p = rp_skip_ws(v);
	uint8_t *out;
	size_t n = 0;
	bool hex = false;
	int nib = -1;

	if (*p == '!') {
		it->flags |= TLSI_IF_NEGATE;
		p = rp_skip_ws(p + 1);
	}
	if (*p != '"')
		return rp_skip(ps, "syntax error", "content `%s' is not quoted", v);
	p++;
	out = rp_xrealloc(NULL, strlen(p) + 1);
	for (; *p && *p != '"'; p++) {
		if (hex) {
			int d;

			if (*p == '|') {
				if (nib >= 0)
					goto bad_hex;
				hex = false;
				continue;
			}
			if (*p == ' ' || *p == '\t')
				continue;
			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if (tolower((unsigned char)*p) >= 'a' && tolower((unsigned char)*p) <= 'f')
				d = tolower((unsigned char)*p) - 'a' + 10;
			else
				goto bad_hex;
			if (nib < 0) {
				nib = d;
			} else {
				out[n++] = (uint8_t)(nib << 4 | d);
				nib = -1;
			}
			continue;
		}
		if (*p == '|') {
			hex = true;
			continue;
		}
		if (*p == '\\' && p[1]) {
			p++;
			out[n++] = (uint8_t)*p;
			continue;
		}
		out[n++] = (uint8_t)*p;
	}
	if (*p != '"' || hex) {
		free(out);
		return rp_skip(ps, "syntax error", "content `%s': unterminated string or hex", v);
	}
	if (!n || n > TLSI_IMG_PATTERN_MAX) {
		free(out);
		return rp_skip(ps, "invalid content", "content of %zu bytes", n);
	}
	it->pat = out;
	it->len = (uint32_t)n;
	return 0;
bad_hex:
	free(out);
	return rp_skip(ps, "syntax error", "bad hex in content `%s'", v);
}

/* Unquote msg-style strings. */
char *rp_unquote(const char *v)
{
	const char *p = rp_skip_ws(v);
	size_t n = strlen(p);
	char *out, *o;

	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	out = o = rp_xrealloc(NULL, n + 1);
	while (n) {
		if (*p == '\\' && n > 1) {
			p++;
			n--;
		}
		*o++ = *p++;
		n--;
	}
	*o = '\0';
	return out;
}

/* "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M", "N-M" into cmp, a, b. */
int rp_parse_size_cmp(const char *v, uint8_t *cmp, uint32_t *a, uint32_t *b)
{
	char tmp[64], *sep;
	uint64_t x, y;
	const char *p = rp_skip_ws(v);

	if (strlen(p) >= sizeof(tmp))
		return -1;
	strcpy(tmp, p);
	rp_trim(tmp);
	*b = 0;
	if ((sep = strstr(tmp, "<>")) || (sep = strchr(tmp + 1, '-'))) {
		size_t sl = sep[0] == '<' ? 2 : 1;

		*sep = '\0';
		if (rp_parse_num(tmp, UINT32_MAX, &x, false) ||
		    rp_parse_num(sep + sl, UINT32_MAX, &y, false) || x >= y)
			return -1;
		*cmp = TLSI_CMP_RANGE;
		*a = (uint32_t)x;
		*b = (uint32_t)y;
		return 0;
	}
	p = tmp;
	if (!strncmp(p, "<=", 2)) {
		*cmp = TLSI_CMP_LE;
		p += 2;
	} else if (!strncmp(p, ">=", 2)) {
		*cmp = TLSI_CMP_GE;
		p += 2;
	} else if (*p == '<') {
		*cmp = TLSI_CMP_LT;
		p++;
	} else if (*p == '>') {
		*cmp = TLSI_CMP_GT;
		p++;
	} else if (*p == '!') {
		*cmp = TLSI_CMP_NE;
		p++;
	} else if (*p == '=') {
		*cmp = TLSI_CMP_EQ;
		p++;
	} else {
		*cmp = TLSI_CMP_EQ;
	}
	if (rp_parse_num(p, UINT32_MAX, &x, false))
		return -1;
	*a = (uint32_t)x;
	return 0;
}

/* Split "a, b ,c" at commas into trimmed fields (in place). */
size_t rp_split_fields(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *p = s;

	while (n < max) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		f[n++] = rp_trim(p);
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

/* Does an operand name a byte_extract variable (not a number)? */
bool rp_is_var_ref(const char *v)
{
	v = rp_skip_ws(v);
	return isalpha((unsigned char)*v) || *v == '_';
}

/*
 * The number of the byte_extract variable `name' for operand `what' of
 * item it (which must be on the buffer the variable was read from, after
 * it: the engine keeps variables per buffer group), or -1 refused.
 */
int rp_var_ref(struct pstate *ps, const struct rp_item *it, const char *name,
	       const char *what, uint32_t *out)
{
	char tmp[RP_BYTE_VAR_NAME_MAX + 2];
	unsigned int i;

	if (strlen(name) >= sizeof(tmp))
		return rp_skip(ps, "unknown byte_extract variable", "%s: `%s'", what, name);
	strcpy(tmp, name);
	name = rp_trim(tmp);
	for (i = 0; i < ps->nbvars; i++)
		if (!strcmp(ps->bvar[i], name))
			break;
	if (i == ps->nbvars)
		return rp_skip(ps, "unknown byte_extract variable",
			       "%s: `%s' is not a number nor a byte_extract variable before it",
			       what, name);
	if (ps->bvar_buf[i] != it->buf || ps->bvar_b64[i] != it->b64)
		return rp_skip(ps, "unsupported option",
			       "%s: byte_extract variable `%s' read on %s, used on %s", what, name,
			       rp_buf_name(ps->bvar_buf[i]), rp_buf_name(it->buf));
	*out = i;
	return 0;
}

/*
 * app-layer-event:PROTO.EVENT, for the events the engine's decoders raise
 * with Suricata's meaning (enum tlsi_app_event); names compared without
 * case, as Suricata's event tables are.
 */
static const struct {
	const char *proto, *event;
	uint8_t id;			/* enum tlsi_app_event */
	uint8_t app;			/* enum tlsi_app */
} app_events[] = {
	{ "http", "invalid_transfer_encoding_value_in_request",
	  TLSI_AEV_HTTP_INVALID_TE_REQUEST, TLSI_APP_HTTP },
};

int rp_opt_app_event(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	char tmp[128], reason[96], *name, *dot;
	size_t i;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "app-layer-event too long");
	strcpy(tmp, val);
	name = rp_trim(tmp);
	if (!*name)
		return rp_skip(ps, "syntax error", "app-layer-event without an event");
	dot = strchr(name, '.');
	for (i = 0; dot && i < sizeof(app_events) / sizeof(app_events[0]); i++)
		if ((size_t)(dot - name) == strlen(app_events[i].proto) &&
		    !strncasecmp(name, app_events[i].proto, (size_t)(dot - name)) &&
		    !strcasecmp(dot + 1, app_events[i].event))
			break;
	if (!dot || i == sizeof(app_events) / sizeof(app_events[0])) {
		snprintf(reason, sizeof(reason), "app-layer-event `%.60s' not raised", name);
		return rp_skip(ps, reason, "app-layer-event:%s: %s", name,
			       dot ? "no decoder of the engine raises this event"
				: "an engine or stream event, not an application-layer one");
	}
	if (r->proto != RP_PROTO_TCP)
		return rp_skip(ps, "app-layer-event in a packet rule",
			       "app-layer-event:%s in a udp, icmp or ip rule", name);
	if ((r->app != TLSI_APP_ANY && r->app != app_events[i].app) ||
	    (r->flags & TLSI_RULE_F_PROTO_APPROX))
		return rp_skip(ps, "app-layer-event of another protocol",
			       "app-layer-event:%s in a %s rule", name, rp_app_name(r->app));
	r->app = app_events[i].app;
	r->app_events |= 1u << app_events[i].id;
	return 0;
}

/* Options byte_extract has seen: each may come once. */
struct byte_extract_seen {
	bool endian, base, mult, align, rel;
};

/* A variable name: letters, digits, _ - . and at most RP_BYTE_VAR_NAME_MAX. */
static int byte_extract_name(struct pstate *ps, const char *name)
{
	size_t k;

	if (!*name || !rp_is_var_ref(name))
		return rp_skip(ps, "invalid byte_extract",
			       "byte_extract: `%s' is not a variable name", name);
	for (k = 0; name[k]; k++)
		if (!isalnum((unsigned char)name[k]) && name[k] != '_' && name[k] != '-' &&
		    name[k] != '.')
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: `%s' is not a variable name", name);
	if (k > RP_BYTE_VAR_NAME_MAX)
		return rp_skip(ps, "invalid byte_extract", "byte_extract: name of %zu characters",
			       k);
	return 0;
}

/* One option after bytes, offset and name. */
static int byte_extract_option(struct pstate *ps, struct rp_item *it,
			       struct byte_extract_seen *seen, const char *o)
{
	uint64_t x;

	if (!strcmp(o, "relative") && !seen->rel) {
		it->flags |= TLSI_IF_RELATIVE;
		seen->rel = true;
	} else if ((!strcmp(o, "big") || !strcmp(o, "little")) && !seen->endian) {
		if (o[0] == 'l')
			it->flags |= TLSI_IF_LITTLE;
		seen->endian = true;
	} else if (!strcmp(o, "dce")) {
		return rp_skip(ps, "unsupported option",
			       "byte_extract: dce (DCE/RPC is not decoded)");
	} else if (!strcmp(o, "slice")) {
		return rp_skip(ps, "unsupported option",
			       "byte_extract: slice (Suricata refuses it too)");
	} else if (!strcmp(o, "string") && !(it->flags & TLSI_IF_STRING)) {
		if (seen->base)
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: base before string");
		it->flags |= TLSI_IF_STRING;
	} else if ((!strcmp(o, "hex") || !strcmp(o, "dec") || !strcmp(o, "oct")) &&
		   !seen->base) {
		if (!(it->flags & TLSI_IF_STRING))
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: `%s' without string before it", o);
		it->base = o[0] == 'h' ? 16 : o[0] == 'd' ? 10 : 8;
		seen->base = true;
	} else if (!strncmp(o, "multiplier", 10) && isspace((unsigned char)o[10]) &&
		   !seen->mult) {
		if (rp_parse_num(o + 10, 65535, &x, false) || !x)
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: `%s' (1 to 65535)", o);
		it->mult = (uint32_t)x;
		seen->mult = true;
	} else if (!strncmp(o, "align", 5) && isspace((unsigned char)o[5]) && !seen->align) {
		if (rp_parse_num(o + 5, 4, &x, false) || (x != 2 && x != 4))
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: `%s' (2 or 4)", o);
		it->a = (uint32_t)x;
		seen->align = true;
	} else {
		return rp_skip(ps, "invalid byte_extract",
			       "byte_extract: unknown or repeated option `%s'", o);
	}
	return 0;
}

/* The number of bytes read, against string, base and endianness. */
static int byte_extract_check_size(struct pstate *ps, struct rp_item *it, bool endian)
{
	if (it->flags & TLSI_IF_STRING) {
		unsigned int max;

		if (endian)
			return rp_skip(ps, "invalid byte_extract", "byte_extract: string with an endianness");
		if (!it->base)
			it->base = 10;		/* Suricata's default */
		max = it->base == 8 ? 23 : it->base == 10 ? 20 : 14;
		if (it->nbytes > max)
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: %u string bytes (at most %u in base %u)",
				       it->nbytes, max, it->base);
	} else if (it->nbytes > 8) {
		return rp_skip(ps, "invalid byte_extract", "byte_extract: %u bytes (at most 8)",
			       it->nbytes);
	}
	return 0;
}

/* The rule's new variable name, read by it on its buffer. */
static int byte_extract_define(struct pstate *ps, struct rp_item *it, const char *name)
{
	size_t i;

	for (i = 0; i < ps->nbvars; i++)
		if (!strcmp(ps->bvar[i], name))
			return rp_skip(ps, "invalid byte_extract",
				       "byte_extract: variable `%s' set twice", name);
	if (ps->nbvars >= TLSI_IMG_BYTE_VARS)
		return rp_skip(ps, "limit", "byte_extract: more than %d variables in a rule",
			       TLSI_IMG_BYTE_VARS);
	strcpy(ps->bvar[ps->nbvars], name);
	ps->bvar_buf[ps->nbvars] = it->buf;
	ps->bvar_b64[ps->nbvars] = it->b64;
	it->b = ps->nbvars++;
	return 0;
}

/*
 * byte_extract:NBYTES,OFFSET,NAME[,relative][,multiplier N][,big|little]
 * [,string[,hex|dec|oct]][,align 2|4], checked as Suricata's parser does
 * (rust/src/detect/byte_extract.rs and detect-byte-extract.c).
 */
int rp_opt_byte_extract(struct pstate *ps, const char *kw, char *val)
{
	struct byte_extract_seen seen = { 0 };
	char tmp[256], *f[16];
	struct rp_item *it;
	size_t n, i;
	uint64_t x;
	int32_t off;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "byte_extract too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 16);
	if (n < 3)
		return rp_skip(ps, "invalid byte_extract",
			       "byte_extract:%s: needs bytes, offset and a variable name", val);
	if (n > 10)
		return rp_skip(ps, "invalid byte_extract", "byte_extract:%s: too many fields", val);
	if (rp_parse_num(f[0], 255, &x, false) || !x)
		return rp_skip(ps, "invalid byte_extract", "byte_extract: bad byte count `%s'", f[0]);
	it = rp_new_item(ps, RP_BYTE_EXTRACT);
	it->nbytes = (uint8_t)x;
	it->mult = 1;
	if (rp_parse_int(f[1], -32768, 32767, &off))
		return rp_skip(ps, "invalid byte_extract", "byte_extract: bad offset `%s'", f[1]);
	it->boff = off;
	if (byte_extract_name(ps, f[2]))
		return -1;
	for (i = 3; i < n; i++)
		if (byte_extract_option(ps, it, &seen, f[i]))
			return -1;
	if (byte_extract_check_size(ps, it, seen.endian) || byte_extract_define(ps, it, f[2]))
		return -1;
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

/* byte_test's operator: [!]< > = <= >= & ^ (none: =). */
static int byte_test_operator(struct pstate *ps, struct rp_item *it, const char *field)
{
	const char *op = field;

	if (*op == '!') {
		it->flags |= TLSI_IF_NEGATE;
		op++;
	}
	if (!strcmp(op, "<"))
		it->cmp = TLSI_CMP_LT;
	else if (!strcmp(op, ">"))
		it->cmp = TLSI_CMP_GT;
	else if (!strcmp(op, "=") || !*op)
		it->cmp = TLSI_CMP_EQ;
	else if (!strcmp(op, "<="))
		it->cmp = TLSI_CMP_LE;
	else if (!strcmp(op, ">="))
		it->cmp = TLSI_CMP_GE;
	else if (!strcmp(op, "&"))
		it->cmp = TLSI_CMP_AND;
	else if (!strcmp(op, "^"))
		it->cmp = TLSI_CMP_XOR;
	else
		return rp_skip(ps, "syntax error", "byte_test: operator `%s'", field);
	return 0;
}

/* The offset of byte_test or byte_jump (kw): a number or a variable. */
static int byte_offset(struct pstate *ps, struct rp_item *it, const char *kw,
		       const char *field)
{
	int32_t off;

	if (rp_is_var_ref(field)) {
		uint32_t v;

		if (rp_var_ref(ps, it, field, !strcmp(kw, "byte_jump") ? "byte_jump offset" :
			       "byte_test offset", &v))
			return -1;
		it->boff = (int32_t)v;
		it->vars |= TLSI_IV(2);
	} else if (rp_parse_int(field, -65535, 65535, &off)) {
		return rp_skip(ps, "syntax error", "%s: offset `%s'", kw, field);
	} else {
		it->boff = off;
	}
	return 0;
}

/* byte_test:bytes,op,value,offset: the fields before the options. */
static int byte_test_fields(struct pstate *ps, struct rp_item *it, char **f)
{
	if (byte_test_operator(ps, it, f[1]))
		return -1;
	if (rp_is_var_ref(f[2])) {
		uint32_t v;

		if (rp_var_ref(ps, it, f[2], "byte_test value", &v))
			return -1;
		it->value = v;
		it->vars |= TLSI_IV(0);
	} else if (rp_parse_num(f[2], UINT64_MAX, &it->value, true)) {
		return rp_skip(ps, "syntax error", "byte_test: value `%s'", f[2]);
	}
	return byte_offset(ps, it, "byte_test", f[3]);
}

/* One option after the fields of byte_test or byte_jump (kw). */
static int byte_option(struct pstate *ps, struct rp_item *it, const char *kw, bool jump,
		       const char *o)
{
	uint64_t x;
	int32_t off;

	if (!strcmp(o, "relative"))
		it->flags |= TLSI_IF_RELATIVE;
	else if (!strcmp(o, "little"))
		it->flags |= TLSI_IF_LITTLE;
	else if (!strcmp(o, "big"))
		it->flags &= ~TLSI_IF_LITTLE;
	else if (!strcmp(o, "string"))
		it->flags |= TLSI_IF_STRING;
	else if (!strcmp(o, "dec"))
		it->base = 10;
	else if (!strcmp(o, "hex"))
		it->base = 16;
	else if (!strcmp(o, "oct"))
		it->base = 8;
	else if (jump && !strcmp(o, "align"))
		it->flags |= TLSI_IF_ALIGN;
	else if (jump && !strcmp(o, "from_beginning"))
		it->flags |= TLSI_IF_BEGIN;
	else if (jump && !strcmp(o, "from_end"))
		it->flags |= TLSI_IF_END;
	else if (jump && !strncmp(o, "multiplier", 10)) {
		if (rp_parse_num(o + 10, 65535, &x, false) || !x)
			return rp_skip(ps, "syntax error", "byte_jump: `%s'", o);
		it->mult = (uint32_t)x;
	} else if (jump && !strncmp(o, "post_offset", 11)) {
		if (rp_parse_int(o + 11, -65535, 65535, &off))
			return rp_skip(ps, "syntax error", "byte_jump: `%s'", o);
		it->post = off;
	} else if (!strncmp(o, "bitmask", 7)) {
		if (rp_parse_num(o + 7, UINT32_MAX, &x, true))
			return rp_skip(ps, "syntax error", "byte_test: `%s'", o);
		it->bitmask = (uint32_t)x;
		it->flags |= TLSI_IF_BITMASK;
	} else if (!strcmp(o, "dce")) {
		return rp_skip(ps, "unsupported option", "%s: dce", kw);
	} else {
		return rp_skip(ps, "syntax error", "%s: unknown option `%s'", kw, o);
	}
	return 0;
}

/* The number of bytes read, against string and base. */
static int byte_check_size(struct pstate *ps, const struct rp_item *it, const char *kw)
{
	/* Suricata: a string without dec/hex/oct is read by strtoull() with
	 * base 0 (0x hex, 0 octal); 0 bytes read to the first non-digit */
	if (it->flags & TLSI_IF_STRING) {
		if (it->nbytes > 23)
			return rp_skip(ps, "invalid option", "%s: at most 23 string bytes", kw);
	} else if (!it->nbytes) {
		return rp_skip(ps, "invalid byte_test/byte_jump", "%s: 0 bytes without string", kw);
	} else if (it->nbytes > 8) {
		return rp_skip(ps, "invalid option", "%s: at most 8 bytes", kw);
	} else if (it->base) {
		return rp_skip(ps, "syntax error", "%s: base without string", kw);
	}
	return 0;
}

/*
 * byte_test:bytes,op,value,offset[,options] and
 * byte_jump:bytes,offset[,options] (kw says which).
 */
int rp_opt_byte(struct pstate *ps, const char *kw, char *val)
{
	bool jump = !strcmp(kw, "byte_jump");
	char tmp[256], *f[16];
	struct rp_item *it;
	size_t n, i;
	uint64_t x;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "%s too long", kw);
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 16);
	if (n < (jump ? 2u : 4u))
		return rp_skip(ps, "syntax error", "%s:%s: too few fields", kw, val);
	if (rp_is_var_ref(f[0]))
		return rp_skip(ps, "unsupported option", "%s: byte count from a variable (`%s')", kw,
			       f[0]);
	if (rp_parse_num(f[0], 23, &x, false))
		return rp_skip(ps, "invalid byte_test/byte_jump", "%s: bad byte count `%s'", kw, f[0]);
	it = rp_new_item(ps, jump ? RP_BYTE_JUMP : RP_BYTE_TEST);
	it->nbytes = (uint8_t)x;
	if (jump ? byte_offset(ps, it, kw, f[1]) : byte_test_fields(ps, it, f))
		return -1;
	for (i = jump ? 2 : 4; i < n; i++)
		if (byte_option(ps, it, kw, jump, f[i]))
			return -1;
	if (byte_check_size(ps, it, kw))
		return -1;
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

/*
 * pcre, compiled for the engine's matcher. Refusals are grouped by what
 * was refused ("pcre: backreference"), the expression in the detail.
 */
int rp_opt_pcre(struct pstate *ps, const char *kw, char *val)
{
	struct rx_pcre pc;
	struct rx_prog prog;
	struct rp_item *it;
	char why[160], reason[96];
	size_t n;

	if (rx_parse_pcre(val, &pc, why, sizeof(why)))
		return rp_skip(ps, "pcre: syntax error", "%s: pcre:%s", why, val);
	if (rx_compile(pc.pattern, pc.len, pc.opts, &prog, why, sizeof(why))) {
		free(pc.pattern);
		n = strcspn(why, "\\(`{0123456789");
		while (n && why[n - 1] == ' ')
			n--;
		snprintf(reason, sizeof(reason), "pcre: %.*s", (int)n, why);
		return rp_skip(ps, reason, "%s: pcre:%s", why, val);
	}
	free(pc.pattern);
	it = rp_new_item(ps, RP_PCRE);
	if (pc.buf >= 0) {
		it->buf = (uint8_t)pc.buf;
		if (strchr(strrchr(val, '/'), 'P'))
			ps->body_dir = 1;	/* P: the request body */
	}
	if (pc.negate)
		it->flags |= TLSI_IF_NEGATE;
	if (pc.relative)
		it->flags |= TLSI_IF_RELATIVE;
	it->re = rp_xrealloc(NULL, sizeof(*it->re));
	*it->re = prog;
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

/*
 * base64_decode[:[bytes N][,][offset N][,][relative]] (Suricata's
 * syntax; options in that order). It decodes from the buffer of the
 * sticky buffer, or without one from that of the last payload keyword.
 */
int rp_opt_base64_decode(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	const char *p = rp_skip_ws(val);
	uint64_t bytes = 0, offset = 0;
	struct rp_item *it;
	bool relative = false;
	char *end;

	if (ps->b64_item >= 0)
		return rp_skip(ps, "unsupported option", "a second base64_decode");
	if (!strncmp(p, "bytes", 5) && isspace((unsigned char)p[5])) {
		p = rp_skip_ws(p + 5);
		if (!isdigit((unsigned char)*p))
			return rp_skip(ps, "syntax error", "base64_decode bytes `%s'", val);
		errno = 0;
		bytes = strtoull(p, &end, 10);
		if (errno || !bytes || bytes > 65535)
			return rp_skip(ps, "syntax error", "base64_decode bytes `%s'", val);
		p = rp_skip_ws(end);
		if (*p == ',')
			p = rp_skip_ws(p + 1);
	}
	if (!strncmp(p, "offset", 6) && isspace((unsigned char)p[6])) {
		p = rp_skip_ws(p + 6);
		if (!isdigit((unsigned char)*p))
			return rp_skip(ps, "syntax error", "base64_decode offset `%s'", val);
		errno = 0;
		offset = strtoull(p, &end, 10);
		if (errno || offset > 65535)
			return rp_skip(ps, "syntax error", "base64_decode offset `%s'", val);
		p = rp_skip_ws(end);
		if (*p == ',')
			p = rp_skip_ws(p + 1);
	}
	if (!strncmp(p, "relative", 8)) {
		relative = true;
		p = rp_skip_ws(p + 8);
	}
	if (*p)
		return rp_skip(ps, "syntax error", "base64_decode option `%s'", p);
	if (ps->b64_data)
		return rp_skip(ps, "unsupported option", "base64_decode after base64_data");
	it = rp_new_item(ps, RP_BASE64);
	if (ps->cur_buf == TLSI_BUF_RAW && ps->last_payload >= 0)
		it->buf = r->items[ps->last_payload].buf;
	it->value = bytes;
	it->boff = (int32_t)offset;
	if (relative)
		it->flags |= TLSI_IF_RELATIVE;
	ps->b64_item = (int)(it - r->items);
	return 0;
}

/* ---- content and its modifiers ----------------------------------------- */

struct rp_item *rp_last_content(struct pstate *ps, const char *kw)
{
	if (ps->last < 0) {
		rp_skip(ps, "syntax error", "`%s' without a preceding content", kw);
		return NULL;
	}
	return &ps->r->items[ps->last];
}

/* content and uricontent (on the normalized URI whatever the buffer). */
int rp_opt_content(struct pstate *ps, const char *kw, char *val)
{
	struct rp_item *it = rp_new_item(ps, RP_CONTENT);

	if (kw[0] == 'u')
		it->buf = TLSI_BUF_HTTP_URI;
	if (rp_parse_content(ps, val, it))
		return -1;
	ps->last = (int)(it - ps->r->items);
	ps->last_payload = ps->last;
	return 0;
}

int rp_opt_nocase(struct pstate *ps, const char *kw, char *val)
{
	struct rp_item *it;

	if (!(it = rp_last_content(ps, kw)))
		return -1;
	it->flags |= TLSI_IF_NOCASE;
	return 0;
}

/* depth, offset, distance and within: a number or a byte_extract variable. */
int rp_opt_position(struct pstate *ps, const char *kw, char *val)
{
	unsigned int opnd = kw[0] == 'o' ? 2 : kw[1] == 'e' ? 3 : kw[0] == 'd' ? 4 : 5;
	struct rp_item *it;
	int32_t si;

	if (!(it = rp_last_content(ps, kw)))
		return -1;
	if (rp_is_var_ref(val)) {
		uint32_t v;

		if (rp_var_ref(ps, it, val, kw, &v))
			return -1;
		si = (int32_t)v;
		it->vars |= (uint16_t)TLSI_IV(opnd);
	} else if (rp_parse_int(val, !strcmp(kw, "distance") ? -65535 : 0, 65535, &si)) {
		/* only distance may be negative (back into the
		 * previous match) */
		return rp_skip(ps, "syntax error", "%s `%s'", kw, val);
	} else {
		it->vars &= (uint16_t)~TLSI_IV(opnd);
	}
	if (kw[0] == 'd' && kw[1] == 'e') {
		it->depth = (uint32_t)si;
		it->flags |= TLSI_IF_DEPTH;
	} else if (kw[0] == 'o') {
		it->offset = si;
		it->flags |= TLSI_IF_OFFSET;
	} else if (kw[0] == 'd') {
		it->distance = si;
		it->flags |= TLSI_IF_DISTANCE;
	} else {
		it->within = (uint32_t)si;
		it->flags |= TLSI_IF_WITHIN;
	}
	return 0;
}

/* startswith and endswith. */
int rp_opt_anchor(struct pstate *ps, const char *kw, char *val)
{
	struct rp_item *it;

	if (!(it = rp_last_content(ps, kw)))
		return -1;
	if (kw[0] == 's')
		it->startswith = true;
	else
		it->flags |= TLSI_IF_ENDSWITH;
	return 0;
}

/* fast_pattern[:only|:OFFSET,LENGTH]. */
int rp_opt_fast_pattern(struct pstate *ps, const char *kw, char *val)
{
	struct rp_item *it;

	if (!(it = rp_last_content(ps, kw)))
		return -1;
	it->fast = true;
	val = rp_trim(val);
	if (!strcmp(val, "only")) {
		it->fast_only = true;
	} else if (*val) {
		char *c = strchr(val, ',');
		uint64_t a, b;

		if (!c)
			return rp_skip(ps, "syntax error", "fast_pattern `%s'", val);
		*c = '\0';
		if (rp_parse_num(val, 65535, &a, false) || rp_parse_num(c + 1, 65535, &b, false) ||
		    !b || a + b > it->len)
			return rp_skip(ps, "syntax error", "fast_pattern chop beyond the content");
		it->fast_chop = true;
		it->fp_off = (uint32_t)a;
		it->fp_len = (uint32_t)b;
	}
	return 0;
}

int rp_opt_base64_data(struct pstate *ps, const char *kw, char *val)
{
	if (*val)
		return rp_skip(ps, "syntax error", "`%s' takes no value", kw);
	if (ps->b64_item < 0)
		return rp_skip(ps, "base64_data without base64_decode",
			       "base64_data before any base64_decode");
	ps->b64_data = true;
	return 0;
}

/* dotprefix: the host, SNI and DNS query buffers have a dotted twin. */
int rp_opt_dotprefix(struct pstate *ps, const char *kw, char *val)
{
	struct rp_rule *r = ps->r;
	uint8_t from = (uint8_t)ps->cur_buf, to;
	size_t i;

	if (ps->b64_data)
		return rp_skip(ps, "unsupported transform", "dotprefix on base64_data");
	if (from == TLSI_BUF_HTTP_HOST)
		to = TLSI_BUF_HTTP_HOST_DOT;
	else if (from == TLSI_BUF_TLS_SNI)
		to = TLSI_BUF_TLS_SNI_DOT;
	else if (from == TLSI_BUF_DNS_QUERY)
		to = TLSI_BUF_DNS_QUERY_DOT;
	else
		return rp_skip(ps, "unsupported transform", "dotprefix on %s",
			       rp_buf_name(from));
	/* the transform applies to the whole sticky buffer */
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].buf == from)
			r->items[i].buf = to;
	ps->cur_buf = to;
	return 0;
}

/* isdataat:[!]N|VAR[,relative][,rawbytes]. */
int rp_opt_isdataat(struct pstate *ps, const char *kw, char *val)
{
	char tmp[64], *f[4];
	struct rp_item *it;
	const char *num;
	size_t n, i;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "isdataat too long");
	strcpy(tmp, val);
	n = rp_split_fields(tmp, f, 4);
	it = rp_new_item(ps, RP_ISDATAAT);
	num = f[0];
	if (*num == '!') {
		it->flags |= TLSI_IF_NEGATE;
		num++;
	}
	if (rp_is_var_ref(num)) {
		uint32_t v;

		if (rp_var_ref(ps, it, num, "isdataat", &v))
			return -1;
		it->value = v;
		it->vars |= TLSI_IV(0);
	} else if (rp_parse_num(num, 65535, &it->value, false)) {
		return rp_skip(ps, "syntax error", "isdataat `%s'", val);
	}
	for (i = 1; i < n; i++) {
		if (!strcmp(f[i], "relative"))
			it->flags |= TLSI_IF_RELATIVE;
		else if (strcmp(f[i], "rawbytes"))
			return rp_skip(ps, "syntax error", "isdataat option `%s'", f[i]);
	}
	ps->last_payload = (int)(it - ps->r->items);
	return 0;
}

int rp_opt_bsize(struct pstate *ps, const char *kw, char *val)
{
	struct rp_item *it = rp_new_item(ps, RP_BSIZE);

	if (rp_parse_size_cmp(val, &it->cmp, &it->a, &it->b))
		return rp_skip(ps, "syntax error", "bsize `%s'", val);
	return 0;
}

/* urilen:SIZE[,norm|raw]: a bsize on the URI buffer. */
int rp_opt_urilen(struct pstate *ps, const char *kw, char *val)
{
	char tmp[64], *c;
	int saved = ps->cur_buf;
	struct rp_item *it;

	if (strlen(val) >= sizeof(tmp))
		return rp_skip(ps, "syntax error", "urilen too long");
	strcpy(tmp, val);
	c = strchr(tmp, ',');
	ps->cur_buf = TLSI_BUF_HTTP_URI;
	if (c) {
		*c++ = '\0';
		c = rp_trim(c);
		if (!strcmp(c, "raw"))
			ps->cur_buf = TLSI_BUF_HTTP_URI_RAW;
		else if (strcmp(c, "norm"))
			return rp_skip(ps, "syntax error", "urilen option `%s'", c);
	}
	if (ps->b64_data)
		return rp_skip(ps, "unsupported option", "urilen after base64_data");
	it = rp_new_item(ps, RP_BSIZE);
	ps->cur_buf = saved;
	if (rp_parse_size_cmp(tmp, &it->cmp, &it->a, &it->b))
		return rp_skip(ps, "syntax error", "urilen `%s'", val);
	return 0;
}
