// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that turn one configuration into another (confdiff.h).
 *
 * Objects are compared by identity (type, name, key keyword) and then by
 * their settings as a sorted list of items ("keyword value..."), so that
 * the order of keywords on a line and settings equal to their default do
 * not count as a change. What did not change is not touched: its counters,
 * position and the flows that use it stay.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confdiff.h"
#include "parse.h"

#define SEP '\x1f'	/* joins the words of a key or an item */

struct entry {
	const struct conf_type *type;
	const struct conf_line *line;
	char *key;		/* object name and key keyword value */
	char **items;		/* sorted, defaults left out */
	size_t nitems;
	size_t index;		/* among its type's entries, in file order */
	struct entry *peer;	/* the same object on the other side */
	bool keep;		/* unchanged and in order */
};

const struct conf_type *conf_type_find(const struct conf_type *types,
				       int argc, char **argv)
{
	if (argc < 2)
		return NULL;
	for (; types->object; types++)
		if (!strcmp(argv[0], types->object) && !strcmp(argv[1], types->verb))
			return types;
	return NULL;
}

static bool in_list(const char *const *list, const char *w)
{
	for (; list && *list; list++)
		if (!strcmp(*list, w))
			return true;
	return false;
}

static int nvalues(const struct conf_type *t, const char *kw)
{
	if (in_list(t->flags, kw))
		return 0;
	if (in_list(t->pairs, kw))
		return 2;
	return 1;
}

static char *join(char **w, int n)
{
	size_t len = 1;
	char *s, *p;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t l = strlen(w[i]);

		if (i)
			*p++ = SEP;
		memcpy(p, w[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

/* "rep-block off" (a defaults entry) equals the item "rep-block\x1foff"? */
static bool is_default(const struct conf_type *t, const char *item)
{
	const char *const *d;

	for (d = t->defaults; d && *d; d++) {
		size_t i;

		for (i = 0; (*d)[i] && item[i]; i++)
			if (item[i] != ((*d)[i] == ' ' ? SEP : (*d)[i]))
				break;
		if (!(*d)[i] && !item[i])
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_items(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/*
 * A value as the running configuration prints it: durations in seconds
 * (5m: 300), sizes in bytes (1m: 1048576), 0x numbers in decimal; other
 * values as they are. A value that does not parse stays as written (its
 * command refuses it).
 */
/* An address or prefix in the form save prints (10.0.0.1/32,
 * 2001:db8::1/128), or NULL when v is not one. */
static char *normal_addr(const char *v)
{
	char err[TLSI_ERR_MAX], buf[TLSI_CIDR_STR_MAX];
	struct tlsi_cidr c;

	if (!strchr(v, ':') && !strchr(v, '.'))
		return NULL;
	if (parse_cidr("address", v, &c, err, sizeof(err)))
		return NULL;
	return strdup(format_cidr(&c, buf));
}

static char *normal_value(const struct conf_type *t, const char *kw, const char *v)
{
	unsigned long long n, mult = 1;
	char *end, buf[32], *addr;

	addr = normal_addr(v);
	if (addr)
		return addr;

	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2)) {
		errno = 0;
		n = strtoull(v + 2, &end, 16);
		if (!errno && end != v + 2 && !*end) {
			snprintf(buf, sizeof(buf), "%llu", n);
			return strdup(buf);
		}
		return strdup(v);
	}
	if (!isdigit((unsigned char)*v))
		return strdup(v);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || !*end || end[1])
		return strdup(v);
	if (in_list(t->durations, kw)) {
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return strdup(v);
		}
	} else if (in_list(t->sizes, kw)) {
		switch (*end) {
		case 'k': case 'K': mult = 1ULL << 10; break;
		case 'm': case 'M': mult = 1ULL << 20; break;
		case 'g': case 'G': mult = 1ULL << 30; break;
		default: return strdup(v);
		}
	} else {
		return strdup(v);
	}
	if (n > UINT64_MAX / mult)
		return strdup(v);
	snprintf(buf, sizeof(buf), "%llu", n * mult);
	return strdup(buf);
}

/* The words of one item (keyword and values), values normalized. */
static char *make_item(const struct conf_type *t, char **w, int n)
{
	char *norm[3] = { w[0] }, *item;
	int i;

	for (i = 1; i < n; i++)
		norm[i] = normal_value(t, w[0], w[i]);
	for (i = 1; i < n; i++)
		if (!norm[i])
			break;
	item = i == n ? join(norm, n) : NULL;
	for (i = 1; i < n; i++)
		free(norm[i]);
	return item;
}

static int make_items(struct entry *e, int start, char *err, size_t errlen)
{
	const struct conf_line *l = e->line;
	int i = start;

	e->items = calloc((size_t)l->argc + 1, sizeof(*e->items));
	if (!e->items)
		goto oom;
	while (i < l->argc) {
		int n = nvalues(e->type, l->argv[i]);
		char *item;

		if (i + n >= l->argc)
			n = l->argc - i - 1;
		item = make_item(e->type, l->argv + i, n + 1);
		if (!item)
			goto oom;
		i += n + 1;
		if (is_default(e->type, item)) {
			free(item);
			continue;
		}
		e->items[e->nitems++] = item;
	}
	qsort(e->items, e->nitems, sizeof(*e->items), cmp_str);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int make_entry(const struct conf_type *types, const struct conf_line *l,
		      struct entry *e, char *err, size_t errlen)
{
	const struct conf_type *t = conf_type_find(types, l->argc, l->argv);
	char *kv[2], host[TLSI_CIDR_STR_MAX];
	int i;

	memset(e, 0, sizeof(*e));
	e->line = l;
	if (!t) {
		if (l->argc < 2)
			snprintf(err, errlen, "`%s' alone is not a configuration line",
				 l->argv[0]);
		else
			snprintf(err, errlen, "`%s %s' is not a configuration command "
				 "(see `tlsictl save' for what a file holds)",
				 l->argv[0], l->argv[1]);
		return -1;
	}
	e->type = t;
	if (t->kind == CONF_ACTION)
		return 0;
	if (t->kind == CONF_SETTINGS)
		return make_items(e, 2, err, errlen);
	if (l->argc < 3) {
		snprintf(err, errlen, "%s %s: missing name", t->object, t->verb);
		return -1;
	}
	kv[0] = l->argv[2];
	kv[1] = NULL;
	for (i = 3; t->key_kw && i + 1 < l->argc; i++)
		if (!strcmp(l->argv[i], t->key_kw))
			kv[1] = l->argv[i + 1];
	if (t->key_kw && !kv[1]) {
		snprintf(err, errlen, "%s %s %s: missing %s", t->object, t->verb,
			 l->argv[2], t->key_kw);
		return -1;
	}
	if (t->ordered) {
		for (i = 3; i < l->argc; i++) {
			if (!strcmp(l->argv[i], "position")) {
				snprintf(err, errlen, "%s %s %s: no `position' in a "
					 "configuration file: the order of the lines "
					 "is the order", t->object, t->verb, l->argv[2]);
				return -1;
			}
		}
	}
	if (t->cidr_name) {
		char *addr = normal_addr(kv[0]);

		if (addr) {
			snprintf(host, sizeof(host), "%s", addr);
			free(addr);
			kv[0] = host;
		}
	}
	e->key = join(kv, kv[1] ? 2 : 1);
	if (!e->key) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return make_items(e, 3, err, errlen);
}

static void free_entries(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free_items(v[i].items, v[i].nitems);
	}
	free(v);
}

/* A side's entries, in file order, with index set per type. */
static struct entry *make_entries(const struct conf_type *types,
				  const struct conf_file *f, unsigned int *errline,
				  char *err, size_t errlen)
{
	struct entry *v = calloc(f->n + 1, sizeof(*v));
	size_t i, ntypes = 0, *count;

	for (; types[ntypes].object; ntypes++)
		;
	count = calloc(ntypes, sizeof(*count));
	if (!v || !count) {
		free(v);
		free(count);
		snprintf(err, errlen, "out of memory");
		*errline = 0;
		return NULL;
	}
	for (i = 0; i < f->n; i++) {
		if (make_entry(types, &f->lines[i], &v[i], err, errlen)) {
			*errline = f->lines[i].lineno;
			free_entries(v, i + 1);
			free(count);
			return NULL;
		}
		v[i].index = count[v[i].type - types]++;
	}
	free(count);
	return v;
}

struct keyref {
	const struct conf_type *type;
	const char *key;
	struct entry *e;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->key, y->key);
}

static struct keyref *index_keys(struct entry *v, size_t n, size_t *nk)
{
	struct keyref *k = calloc(n + 1, sizeof(*k));
	size_t i;

	*nk = 0;
	if (!k)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i].key)
			k[(*nk)++] = (struct keyref){ v[i].type, v[i].key, &v[i] };
	qsort(k, *nk, sizeof(*k), cmp_keyref);
	return k;
}

static bool same_items(const struct entry *a, const struct entry *b)
{
	size_t i;

	if (a->nitems != b->nitems)
		return false;
	for (i = 0; i < a->nitems; i++)
		if (strcmp(a->items[i], b->items[i]))
			return false;
	return true;
}

/* ---- the commands ---------------------------------------------------- */

static int add_op(struct conf_ops *ops, char **words, int n, unsigned int lineno)
{
	struct conf_op *op;
	int i;

	if (ops->n == ops->cap) {
		size_t cap = ops->cap ? ops->cap * 2 : 32;
		struct conf_op *nv = realloc(ops->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		ops->v = nv;
		ops->cap = cap;
	}
	op = &ops->v[ops->n];
	op->argv = calloc((size_t)n + 1, sizeof(*op->argv));
	if (!op->argv)
		return -1;
	for (i = 0; i < n; i++) {
		op->argv[i] = strdup(words[i]);
		if (!op->argv[i]) {
			conf_argv_free(op->argv);
			return -1;
		}
	}
	op->argc = n;
	op->lineno = lineno;
	ops->n++;
	return 0;
}

/* OBJECT del NAME [KEY_KW VALUE] for a running object. */
static int del_op(struct conf_ops *ops, const struct entry *e)
{
	const struct conf_line *l = e->line;
	char *w[5] = { l->argv[0], "del", l->argv[2] };
	int n = 3, i;

	for (i = 3; e->type->key_kw && i + 1 < l->argc; i++) {
		if (!strcmp(l->argv[i], e->type->key_kw)) {
			w[3] = l->argv[i];
			w[4] = l->argv[i + 1];
			n = 5;
			break;
		}
	}
	return add_op(ops, w, n, 0);
}

/* The file's line, with `position N' for ordered types. */
static int make_op(struct conf_ops *ops, const struct entry *e)
{
	const struct conf_line *l = e->line;
	char pos[24], **w;
	int n = l->argc, rc;

	if (!e->type->ordered)
		return add_op(ops, l->argv, n, l->lineno);
	w = calloc((size_t)n + 3, sizeof(*w));
	if (!w)
		return -1;
	memcpy(w, l->argv, (size_t)n * sizeof(*w));
	snprintf(pos, sizeof(pos), "%zu", e->index);
	w[n++] = "position";
	w[n++] = pos;
	rc = add_op(ops, w, n, l->lineno);
	free(w);
	return rc;
}

/* OBJECT SET_VERB NAME, the defaults the line leaves out, the line's words. */
static int set_op(struct conf_ops *ops, const struct entry *e)
{
	const struct conf_type *t = e->type;
	const struct conf_line *l = e->line;
	const char *const *d;
	char **w, *dcopy[64];
	int n = 0, nd = 0, i, rc;

	if (!strcmp(t->set_verb, t->verb))
		return add_op(ops, l->argv, l->argc, l->lineno);
	w = calloc((size_t)l->argc + 2 * 64 + 1, sizeof(*w));
	if (!w)
		return -1;
	w[n++] = l->argv[0];
	w[n++] = (char *)t->set_verb;
	w[n++] = l->argv[2];
	for (d = t->defaults; d && *d && nd < 32; d++) {
		const char *sp = strchr(*d, ' ');
		size_t kwlen = sp ? (size_t)(sp - *d) : strlen(*d);
		bool given = false;

		for (i = 3; i < l->argc; i++)
			if (strlen(l->argv[i]) == kwlen && !strncmp(l->argv[i], *d, kwlen))
				given = true;
		if (given || !sp)
			continue;
		dcopy[nd] = strndup(*d, kwlen);
		dcopy[nd + 1] = strdup(sp + 1);
		if (!dcopy[nd] || !dcopy[nd + 1]) {
			free(dcopy[nd]);
			free(dcopy[nd + 1]);
			break;
		}
		w[n++] = dcopy[nd];
		w[n++] = dcopy[nd + 1];
		nd += 2;
	}
	for (i = 3; i < l->argc; i++)
		w[n++] = l->argv[i];
	rc = add_op(ops, w, n, l->lineno);
	for (i = 0; i < nd; i++)
		free(dcopy[i]);
	free(w);
	return rc;
}

/*
 * Among the objects both sides have unchanged, keep in place the longest
 * run that is in the same order on both (a longest increasing subsequence
 * of their running positions, taken in file order); the others move.
 */
static int keep_order(struct entry **want, size_t n)
{
	size_t *tail = calloc(n + 1, sizeof(*tail)), *prev = calloc(n + 1, sizeof(*prev));
	size_t len = 0, i, k;

	if (!tail || !prev) {
		free(tail);
		free(prev);
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t lo = 0, hi = len;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (want[tail[mid]]->peer->index < want[i]->peer->index)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tail[lo - 1] : SIZE_MAX;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	for (i = 0; i < n; i++)
		want[i]->keep = false;
	for (k = len ? tail[len - 1] : SIZE_MAX; k != SIZE_MAX; k = prev[k])
		want[k]->keep = true;
	free(tail);
	free(prev);
	return 0;
}

static int diff_ordered(const struct conf_type *t, struct entry *w, size_t nw)
{
	struct entry **kept = calloc(nw + 1, sizeof(*kept));
	size_t n = 0, i;
	int rc;

	if (!kept)
		return -1;
	for (i = 0; i < nw; i++)
		if (w[i].type == t && w[i].keep)
			kept[n++] = &w[i];
	rc = keep_order(kept, n);
	free(kept);
	return rc;
}

/* SETTINGS: the file's items that differ from the running ones, one line. */
static int settings_op(const struct conf_type *t, struct entry *w, size_t nw,
		       struct entry *h, size_t nh, struct conf_ops *ops)
{
	char **words = NULL;
	size_t i, j, k, n = 0, cap = 2;
	unsigned int lineno = 0;
	int rc = -1;

	for (i = 0; i < nw; i++)
		if (w[i].type == t)
			cap += (size_t)w[i].line->argc;
	words = calloc(cap, sizeof(*words));
	if (!words)
		return -1;
	words[n++] = (char *)t->object;
	words[n++] = (char *)t->verb;
	for (i = 0; i < nw; i++) {
		const struct conf_line *l = w[i].line;

		if (w[i].type != t)
			continue;
		for (k = 0; k < w[i].nitems; k++) {
			bool running = false;

			for (j = 0; j < nh && !running; j++) {
				size_t m;

				if (h[j].type != t)
					continue;
				for (m = 0; m < h[j].nitems; m++)
					if (!strcmp(h[j].items[m], w[i].items[k]))
						running = true;
			}
			if (running)
				continue;
			/* the item's words, from the line itself */
			{
				char *item = w[i].items[k];
				int a;

				for (a = 2; a < l->argc; a++) {
					size_t kl = strlen(l->argv[a]);

					if (!strncmp(item, l->argv[a], kl) &&
					    (item[kl] == SEP || !item[kl])) {
						int nv = nvalues(t, l->argv[a]), v;

						for (v = 0; v <= nv && a + v < l->argc; v++)
							words[n++] = l->argv[a + v];
						break;
					}
				}
			}
			if (!lineno)
				lineno = l->lineno;
		}
	}
	if (n == 2) {
		rc = 0;
		goto out;
	}
	rc = add_op(ops, words, (int)n, lineno);
	if (!rc)
		ops->changed++;
out:
	free(words);
	return rc;
}

/* Does an action line of the file (reputation load) manage type t? */
static bool managed(const struct conf_type *t, const struct entry *w, size_t nw)
{
	size_t i;

	for (i = 0; i < nw; i++)
		if (w[i].type->kind == CONF_ACTION && w[i].type->manages &&
		    !strcmp(w[i].type->manages, t->object))
			return true;
	return false;
}

int conf_diff(const struct conf_type *types, const struct conf_file *have,
	      const struct conf_file *want, struct conf_ops *ops,
	      unsigned int *errline, char *err, size_t errlen)
{
	struct entry *h = NULL, *w = NULL;
	struct keyref *hk = NULL, *wk = NULL;
	size_t nhk, nwk, i;
	const struct conf_type *t;
	size_t ntypes = 0;
	int rc = -1;
	unsigned int dummy;

	memset(ops, 0, sizeof(*ops));
	*errline = 0;
	for (t = types; t->object; t++)
		ntypes++;
	w = make_entries(types, want, errline, err, errlen);
	if (!w)
		return -1;
	h = make_entries(types, have, &dummy, err, errlen);
	if (!h) {
		*errline = 0;
		goto out;
	}
	hk = index_keys(h, have->n, &nhk);
	wk = index_keys(w, want->n, &nwk);
	if (!hk || !wk)
		goto oom;
	for (i = 1; i < nwk; i++) {
		if (!cmp_keyref(&wk[i - 1], &wk[i])) {
			const struct entry *a = wk[i - 1].e, *b = wk[i].e;

			if (a->line->lineno > b->line->lineno) {
				const struct entry *x = a;

				a = b;
				b = x;
			}
			*errline = b->line->lineno;
			snprintf(err, errlen, "%s %s: already on line %u", b->type->object,
				 b->line->argv[2], a->line->lineno);
			goto out;
		}
	}
	/* pair the objects both sides have */
	for (i = 0; i < nwk; i++) {
		struct keyref *r = bsearch(&wk[i], hk, nhk, sizeof(*hk), cmp_keyref);

		if (!r)
			continue;
		wk[i].e->peer = r->e;
		r->e->peer = wk[i].e;
		wk[i].e->keep = same_items(wk[i].e, r->e);
	}
	for (t = types; t->object; t++)
		if (t->ordered && diff_ordered(t, w, want->n))
			goto oom;
	/* deletions, last type first: what is gone, and what changes
	 * without a set verb; not from a table a line of the file manages */
	for (t = types + ntypes; t-- > types;) {
		if (t->kind != CONF_OBJECT || managed(t, w, want->n))
			continue;
		for (i = 0; i < have->n; i++) {
			struct entry *e = &h[i];

			if (e->type != t)
				continue;
			if (e->peer && (e->peer->keep || t->set_verb))
				continue;
			if (!e->peer && t->keep_unlisted)
				continue;
			if (del_op(ops, e))
				goto oom;
			if (!e->peer)
				ops->removed++;
		}
	}
	/* additions and changes in type order */
	for (t = types; t->object; t++) {
		if (t->kind == CONF_SETTINGS) {
			if (settings_op(t, w, want->n, h, have->n, ops))
				goto oom;
			continue;
		}
		for (i = 0; i < want->n; i++) {
			struct entry *e = &w[i];

			if (e->type != t)
				continue;
			if (t->kind == CONF_ACTION) {
				if (add_op(ops, e->line->argv, e->line->argc, e->line->lineno))
					goto oom;
				continue;
			}
			if (e->keep)
				continue;
			if (e->peer && t->set_verb) {
				if (set_op(ops, e))
					goto oom;
			} else if (make_op(ops, e)) {
				goto oom;
			}
			if (e->peer)
				ops->changed++;
			else
				ops->added++;
		}
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	*errline = 0;
out:
	if (rc)
		conf_ops_free(ops);
	free(hk);
	free(wk);
	if (h)
		free_entries(h, have->n);
	if (w)
		free_entries(w, want->n);
	return rc;
}

/* The value of keyword kw on line l (from word 3), or NULL. */
static const char *line_value(const struct conf_line *l, const char *kw)
{
	int i;

	for (i = 3; i + 1 < l->argc; i++)
		if (!strcmp(l->argv[i], kw))
			return l->argv[i + 1];
	return NULL;
}

/* The line of object type t named like op (name and key keyword), or NULL. */
static const struct conf_line *find_object_line(const struct conf_type *t,
						const struct conf_file *f,
						char *const *op, int opc)
{
	const char *key = NULL;
	size_t i;
	int k;

	for (k = 3; t->key_kw && k + 1 < opc; k++)
		if (!strcmp(op[k], t->key_kw))
			key = op[k + 1];
	for (i = 0; i < f->n; i++) {
		const struct conf_line *l = &f->lines[i];
		const char *lk;

		if (l->argc < 3 || strcmp(l->argv[0], t->object) ||
		    strcmp(l->argv[1], t->verb) || strcmp(l->argv[2], op[2]))
			continue;
		lk = t->key_kw ? line_value(l, t->key_kw) : NULL;
		if (t->key_kw && (!key || !lk || strcmp(lk, key)))
			continue;
		return l;
	}
	return NULL;
}

long conf_locked_op(const struct conf_type *types, const struct conf_file *have,
		    const struct conf_file *want, const struct conf_ops *ops,
		    unsigned int *errline, char *err, size_t errlen)
{
	size_t i;

	*errline = 0;
	for (i = 0; i < ops->n; i++) {
		const struct conf_op *op = &ops->v[i];
		const struct conf_type *t;
		const struct conf_line *running, *asked;
		const char *locked;

		if (op->argc < 3)
			continue;
		for (t = types; t->object; t++)
			if (t->kind == CONF_OBJECT && !strcmp(t->object, op->argv[0]))
				break;
		if (!t->object)
			continue;
		/* what changes a running object: its set verb (not an add
		 * that is one) or del */
		if (strcmp(op->argv[1], "del") &&
		    !(t->set_verb && strcmp(t->set_verb, t->verb) &&
		      !strcmp(op->argv[1], t->set_verb)))
			continue;
		running = find_object_line(t, have, op->argv, op->argc);
		locked = running ? line_value(running, "locked") : NULL;
		if (!locked || strcmp(locked, "on"))
			continue;
		asked = find_object_line(t, want, op->argv, op->argc);
		*errline = asked ? asked->lineno : 0;
		if (t->key_kw)
			snprintf(err, errlen, "%s %s (%s %s) is locked: %s it needs --unlock",
				 t->object, op->argv[2], t->key_kw,
				 line_value(running, t->key_kw),
				 asked ? "changing" : "removing");
		else
			snprintf(err, errlen, "%s %s is locked: %s it needs --unlock",
				 t->object, op->argv[2], asked ? "changing" : "removing");
		return (long)i;
	}
	return -1;
}

void conf_ops_free(struct conf_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n; i++)
		conf_argv_free(ops->v[i].argv);
	free(ops->v);
	memset(ops, 0, sizeof(*ops));
}
