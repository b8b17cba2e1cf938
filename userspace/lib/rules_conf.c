// SPDX-License-Identifier: GPL-2.0
/*
 * Rule selection for `tlsictl rules update' (rules_conf.h): the formats of
 * suricata-update's enable.conf, disable.conf, drop.conf and modify.conf,
 * and the merged rule set they select from.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules_conf.h"

#define RU_RULE_MAX	(256 * 1024)	/* bytes of one rule line */
#define RU_TO_MAX	4096		/* bytes of a modify.conf replacement */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "..." with \" and \\; *p after the closing quote. NULL if malformed. */
static char *quoted(const char **p)
{
	const char *s = skip_blank(*p);
	char *out, *o;

	if (*s != '"')
		return NULL;
	out = o = malloc(strlen(s) + 1);
	if (!out)
		return NULL;
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		*o++ = *s;
	}
	if (*s != '"') {
		free(out);
		return NULL;
	}
	*o = '\0';
	*p = s + 1;
	return out;
}

static int compile_re(void **re, const char *pattern, const char *what,
		      char *err, size_t errlen)
{
	PCRE2_UCHAR msg[128];
	PCRE2_SIZE off;
	int code;

	*re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code,
			    &off, NULL);
	if (!*re) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return fail(err, errlen, "%s `%s': %s at offset %zu", what, pattern,
			    (char *)msg, (size_t)off);
	}
	return 0;
}

static bool re_matches(void *re, const char *text)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (!md)
		return false;
	rc = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static void matcher_free(struct ru_matcher *m)
{
	pcre2_code_free(m->re);
	pcre2_code_free(m->from);
	free(m->to);
	free(m->pattern);
	memset(m, 0, sizeof(*m));
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	unsigned long long v = 0;
	size_t i;

	if (!len || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int ru_conf_parse_line(struct ru_matcher *m, const char *line, bool modify,
		       char *err, size_t errlen)
{
	const char *p = skip_blank(line), *end;
	char *word = NULL, *from = NULL, *colon;
	size_t len;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	end = p;
	if (modify) {
		while (*end && *end != ' ' && *end != '\t')
			end++;
	} else {
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
	}
	len = (size_t)(end - p);
	word = strndup(p, len);
	if (!word)
		return fail(err, errlen, "out of memory");
	if (!strncmp(word, "re:", 3)) {
		m->kind = RU_RE;
		if (!word[3]) {
			fail(err, errlen, "re: without an expression");
			goto out;
		}
		if (compile_re(&m->re, word + 3, "re:", err, errlen))
			goto out;
	} else if (!strncmp(word, "group:", 6)) {
		m->kind = RU_GROUP;
		if (!word[6]) {
			fail(err, errlen, "group: without a file name");
			goto out;
		}
		m->pattern = strdup(word + 6);
		if (!m->pattern) {
			fail(err, errlen, "out of memory");
			goto out;
		}
	} else {
		m->kind = RU_SID;
		colon = strchr(word, ':');
		if (colon ? !parse_u32(word, (size_t)(colon - word), &m->gid) ||
			    !parse_u32(colon + 1, strlen(colon + 1), &m->sid) :
			    !parse_u32(word, len, &m->sid)) {
			fail(err, errlen, "`%s': expected SID, GID:SID, group:FILE or re:REGEX",
			     word);
			goto out;
		}
	}
	if (modify) {
		p = end;
		from = quoted(&p);
		m->to = from ? quoted(&p) : NULL;
		if (!from || !m->to || *skip_blank(p)) {
			fail(err, errlen, "expected %s \"FROM\" \"TO\"", word);
			free(m->to);
			m->to = NULL;
			pcre2_code_free(m->re);
			m->re = NULL;
			goto out;
		}
		if (strlen(m->to) > RU_TO_MAX) {
			fail(err, errlen, "TO longer than %d bytes", RU_TO_MAX);
			free(m->to);
			m->to = NULL;
			pcre2_code_free(m->re);
			m->re = NULL;
			goto out;
		}
		if (compile_re(&m->from, from, "FROM", err, errlen)) {
			free(m->to);
			m->to = NULL;
			pcre2_code_free(m->re);
			m->re = NULL;
			goto out;
		}
		m->modify = true;
	}
	rc = 0;
out:
	if (rc) {
		free(m->pattern);
		m->pattern = NULL;
	}
	free(word);
	free(from);
	return rc;
}

int ru_conf_load(struct ru_conf *c, const char *path, bool modify, bool optional,
		 char *err, size_t errlen)
{
	char *line = NULL, msg[512];
	size_t cap = 0;
	unsigned int lineno = 0;
	ssize_t n;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct ru_matcher m, *nv;
		const char *p;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		p = skip_blank(line);
		if (!*p || *p == '#')
			continue;
		if (memchr(line, '\0', (size_t)n)) {
			fail(err, errlen, "%s:%u: NUL byte", path, lineno);
			goto fail;
		}
		if (ru_conf_parse_line(&m, p, modify, msg, sizeof(msg))) {
			fail(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto fail;
		}
		m.lineno = lineno;
		nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
		if (!nv) {
			matcher_free(&m);
			fail(err, errlen, "%s:%u: out of memory", path, lineno);
			goto fail;
		}
		c->v = nv;
		c->v[c->n++] = m;
	}
	if (ferror(f)) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	ru_conf_free(c);
	return -1;
}

void ru_conf_free(struct ru_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		matcher_free(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

bool ru_match(const struct ru_matcher *m, const struct ru_rule *r)
{
	switch (m->kind) {
	case RU_SID:
		return r->sid == m->sid && (!m->gid || m->gid == r->gid);
	case RU_GROUP:
		return r->group && !fnmatch(m->pattern, r->group, 0);
	case RU_RE:
		return re_matches(m->re, r->text);
	}
	return false;
}

/* ---- the rule set ---------------------------------------------------- */

static const char *const actions[] = {
	"alert", "drop", "pass", "reject", "rejectsrc", "rejectdst", "rejectboth",
	NULL
};

/* The value of option `name:' (after `(' or `;'), 0 if absent or bad. */
static uint32_t option_u32(const char *text, const char *name)
{
	const char *open = strchr(text, '('), *p;
	size_t nlen = strlen(name);
	uint32_t v;

	if (!open)
		return 0;
	for (p = open; (p = strstr(p, name)); p += nlen) {
		const char *b = p, *e;

		while (b > open && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b[-1] != '(' && b[-1] != ';')
			continue;
		if (p[nlen] != ':')
			continue;
		e = skip_blank(p + nlen + 1);
		for (p = e; isdigit((unsigned char)*p); p++)
			;
		if (parse_u32(e, (size_t)(p - e), &v))
			return v;
		return 0;
	}
	return 0;
}

/* A rule (enabled) or a commented-out rule: its text, else NULL. */
static const char *rule_text(const char *line, bool *enabled)
{
	const char *p = skip_blank(line);
	size_t i;

	*enabled = *p != '#';
	if (!*enabled)
		p = skip_blank(p + 1 + strspn(p + 1, "#"));
	for (i = 0; actions[i]; i++) {
		size_t l = strlen(actions[i]);

		if (!strncmp(p, actions[i], l) && (p[l] == ' ' || p[l] == '\t'))
			return strchr(p, '(') ? p : NULL;
	}
	return NULL;
}

static size_t hash_key(uint32_t gid, uint32_t sid)
{
	uint64_t k = ((uint64_t)gid << 32 | sid) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(k >> 17);
}

static int rehash(struct ru_set *s)
{
	size_t cap = s->hcap ? s->hcap * 2 : 4096, i;
	size_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -1;
	for (i = 0; i < s->n; i++) {
		size_t j = hash_key(s->v[i].gid, s->v[i].sid) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = i + 1;
	}
	free(s->hash);
	s->hash = h;
	s->hcap = cap;
	return 0;
}

/* The slot of gid:sid (empty if absent). */
static size_t *slot(struct ru_set *s, uint32_t gid, uint32_t sid)
{
	size_t j = hash_key(gid, sid) & (s->hcap - 1);

	while (s->hash[j] && (s->v[s->hash[j] - 1].gid != gid ||
			      s->v[s->hash[j] - 1].sid != sid))
		j = (j + 1) & (s->hcap - 1);
	return &s->hash[j];
}

static int add_rule(struct ru_set *s, const char *group, const char *text,
		    bool enabled)
{
	struct ru_rule r = { .enabled = enabled, .group = group };
	size_t *sl;

	r.sid = option_u32(text, "sid");
	if (!r.sid)
		return 0;	/* not a rule we can select: left out */
	r.gid = option_u32(text, "gid");
	if (!r.gid)
		r.gid = 1;
	r.rev = option_u32(text, "rev");
	if ((s->n + 1) * 2 > s->hcap && rehash(s))
		return -1;
	sl = slot(s, r.gid, r.sid);
	if (*sl) {
		struct ru_rule *old = &s->v[*sl - 1];

		s->duplicates++;
		if (old->rev >= r.rev)
			return 0;
		r.text = strdup(text);
		if (!r.text)
			return -1;
		free(old->text);
		*old = r;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct ru_rule *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	r.text = strdup(text);
	if (!r.text)
		return -1;
	s->v[s->n++] = r;
	*sl = s->n;
	return 0;
}

static const char *intern_group(struct ru_set *s, const char *name)
{
	char **nv;
	size_t i;

	for (i = 0; i < s->ngroups; i++)
		if (!strcmp(s->groups[i], name))
			return s->groups[i];
	nv = realloc(s->groups, (s->ngroups + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	s->groups = nv;
	nv[s->ngroups] = strdup(name);
	return nv[s->ngroups] ? nv[s->ngroups++] : NULL;
}

static int add_line(struct ru_set *s, const char *group, char *line,
		    unsigned int lineno, char *err, size_t errlen)
{
	const char *text;
	bool enabled;
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n > RU_RULE_MAX)
		return fail(err, errlen, "%s:%u: line longer than %d bytes", group,
			    lineno, RU_RULE_MAX);
	text = rule_text(line, &enabled);
	if (text && add_rule(s, group, text, enabled))
		return fail(err, errlen, "out of memory");
	return 0;
}

int ru_set_add_file(struct ru_set *s, const char *path, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/'), *group;
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	group = intern_group(s, base ? base + 1 : path);
	if (!group)
		return fail(err, errlen, "out of memory");
	f = fopen(path, "r");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n)) {
			rc = fail(err, errlen, "%s:%u: NUL byte", path, lineno);
			break;
		}
		rc = add_line(s, group, line, lineno, err, errlen);
	}
	if (!rc && ferror(f))
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	return rc;
}

int ru_set_add_text(struct ru_set *s, const char *group, const char *text,
		    char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *save = NULL;
	const char *g = intern_group(s, group);
	unsigned int lineno = 0;
	int rc = 0;

	if (!copy || !g) {
		free(copy);
		return fail(err, errlen, "out of memory");
	}
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = add_line(s, g, line, ++lineno, err, errlen);
	free(copy);
	return rc;
}

void ru_set_free(struct ru_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].text);
	for (i = 0; i < s->ngroups; i++)
		free(s->groups[i]);
	free(s->v);
	free(s->groups);
	free(s->hash);
	memset(s, 0, sizeof(*s));
}

/* ---- selection ------------------------------------------------------- */

static bool any_match(const struct ru_conf *c, const struct ru_rule *r)
{
	size_t i;

	for (i = 0; c && i < c->n; i++)
		if (ru_match(&c->v[i], r))
			return true;
	return false;
}

/* Every match of m->from in text replaced by m->to (\0..\9 expanded). */
static char *substitute(const struct ru_matcher *m, const char *text)
{
	pcre2_match_data *md = pcre2_match_data_create(10, NULL);
	size_t tlen = strlen(text), cap = tlen * 2 + 64, len = 0, pos = 0;
	char *out = malloc(cap);

	if (!out || !md)
		goto fail;
	while (pos <= tlen) {
		PCRE2_SIZE *ov;
		size_t so, eo, need;
		const char *t;
		int rc = pcre2_match(m->from, (PCRE2_SPTR)text, tlen, pos, 0, md, NULL);

		if (rc < 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		so = ov[0];
		eo = ov[1];
		need = so - pos + 2;
		for (t = m->to; *t; t++) {
			int g = (*t == '\\' && isdigit((unsigned char)t[1])) ? t[1] - '0' : -1;

			if (g >= 0 && g < rc && ov[2 * g] != PCRE2_UNSET) {
				need += ov[2 * g + 1] - ov[2 * g];
				t++;
			} else {
				need++;
			}
		}
		if (len + need + (tlen - eo) + 1 > RU_RULE_MAX * 2)
			goto fail;
		if (len + need + 1 > cap) {
			char *n = realloc(out, cap = (len + need + 1) * 2);

			if (!n)
				goto fail;
			out = n;
		}
		memcpy(out + len, text + pos, so - pos);
		len += so - pos;
		for (t = m->to; *t; t++) {
			int g = (*t == '\\' && isdigit((unsigned char)t[1])) ? t[1] - '0' : -1;

			if (g >= 0) {
				if (g < rc && ov[2 * g] != PCRE2_UNSET) {
					memcpy(out + len, text + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
					len += ov[2 * g + 1] - ov[2 * g];
				}
				t++;
			} else {
				out[len++] = *t;
			}
		}
		if (eo == so) {
			/* an empty match: keep one character and go on */
			if (eo < tlen)
				out[len++] = text[eo];
			pos = eo + 1;
		} else {
			pos = eo;
		}
	}
	if (pos < tlen) {
		if (len + (tlen - pos) + 1 > cap) {
			char *n = realloc(out, len + (tlen - pos) + 1);

			if (!n)
				goto fail;
			out = n;
		}
		memcpy(out + len, text + pos, tlen - pos);
		len += tlen - pos;
	}
	out[len] = '\0';
	pcre2_match_data_free(md);
	return out;
fail:
	pcre2_match_data_free(md);
	free(out);
	return NULL;
}

int ru_apply(struct ru_set *s, const struct ru_conf *enable,
	     const struct ru_conf *disable, const struct ru_conf *drop,
	     const struct ru_conf *modify, struct ru_counts *counts,
	     char *err, size_t errlen)
{
	size_t i, j;

	memset(counts, 0, sizeof(*counts));
	for (i = 0; i < s->n; i++) {
		struct ru_rule *r = &s->v[i];
		bool modified = false;

		if (r->enabled && any_match(disable, r))
			r->enabled = false;
		if (!r->enabled && any_match(enable, r))
			r->enabled = true;
		for (j = 0; modify && j < modify->n; j++) {
			char *t;

			if (!ru_match(&modify->v[j], r))
				continue;
			t = substitute(&modify->v[j], r->text);
			if (!t)
				return fail(err, errlen, "modify.conf:%u: sid %u: the rule "
					    "grows too long (or out of memory)",
					    modify->v[j].lineno, r->sid);
			if (strcmp(t, r->text))
				modified = true;
			free(r->text);
			r->text = t;
		}
		if (modified)
			counts->modified++;
		if (r->enabled && !strncmp(r->text, "alert", 5) &&
		    (r->text[5] == ' ' || r->text[5] == '\t') && any_match(drop, r)) {
			memcpy(r->text, "drop ", 5);
			memmove(r->text + 4, r->text + 5, strlen(r->text + 5) + 1);
			counts->dropped++;
		}
		if (r->enabled)
			counts->enabled++;
		else
			counts->disabled++;
	}
	return 0;
}

int ru_set_write(const struct ru_set *s, FILE *f)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (fprintf(f, "%s%s\n", s->v[i].enabled ? "" : "# ", s->v[i].text) < 0)
			return -1;
	return 0;
}
