// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: var, the variables of the loaded rules (see rules.h for the other parts).
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tlsictl.h"
#include "driver.h"
#include "eve.h"
#include "rules_compile.h"
#include "rules_image.h"
#include "rules_parse.h"
#include "rules.h"

/* ---- variables ------------------------------------------------------------ */

struct kvar {
	char *name;
	uint8_t kind;			/* TLSI_VAR_ADDR, TLSI_VAR_PORT */
	uint32_t count;			/* the kernel's; > nitems: truncated */
	void *items;			/* image items */
	uint32_t nitems;
	char *text;			/* rendered */
};

struct kvars {
	struct kvar *v;
	size_t n;
};

static void kvars_free(struct kvars *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].items);
		free(k->v[i].text);
	}
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

static size_t item_size(uint8_t kind)
{
	return kind == TLSI_VAR_ADDR ? sizeof(struct tlsi_img_addr) : sizeof(struct tlsi_img_port);
}

/* A variable's items as rule text: "[10.0.0.0/8,!10.1.0.0/16]", "any". */
static char *render_items(uint8_t kind, const void *items, uint32_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	uint32_t i;

	if (!f)
		return NULL;
	if (!n)
		fputs(kind == TLSI_VAR_ADDR ? "any" : "0:65535", f);
	if (n > 1)
		fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		if (kind == TLSI_VAR_ADDR) {
			const struct tlsi_img_addr *a = (const struct tlsi_img_addr *)items + i;
			static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
			char ip[INET6_ADDRSTRLEN];

			if (a->flags & TLSI_ADDR_F_NEG)
				fputc('!', f);
			if (!a->plen) {
				fputs("any", f);
			} else if (a->plen >= 96 && !memcmp(a->addr, mapped, 12)) {
				inet_ntop(AF_INET, a->addr + 12, ip, sizeof(ip));
				fputs(ip, f);
				if (a->plen != 128)
					fprintf(f, "/%u", a->plen - 96);
			} else {
				inet_ntop(AF_INET6, a->addr, ip, sizeof(ip));
				fprintf(f, "%s/%u", ip, a->plen);
			}
		} else {
			const struct tlsi_img_port *p = (const struct tlsi_img_port *)items + i;

			if (p->flags & TLSI_ADDR_F_NEG)
				fputc('!', f);
			if (p->lo == p->hi)
				fprintf(f, "%u", p->lo);
			else
				fprintf(f, "%u:%u", p->lo, p->hi);
		}
	}
	if (n > 1)
		fputc(']', f);
	if (fclose(f))
		return NULL;
	return out;
}

static int var_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct kvars *k = data;
	struct kvar *v, *nv;
	size_t bytes;

	if (tlsi_nl_parse(nlh, tb) < 0 || !tb[TLSI_A_NAME] || !tb[TLSI_A_VAR_KIND] ||
	    !tb[TLSI_A_VAR_ITEMS])
		return MNL_CB_ERROR;
	nv = realloc(k->v, (k->n + 1) * sizeof(*k->v));
	if (!nv)
		return MNL_CB_ERROR;
	k->v = nv;
	v = &k->v[k->n];
	memset(v, 0, sizeof(*v));
	v->kind = mnl_attr_get_u8(tb[TLSI_A_VAR_KIND]);
	if (v->kind != TLSI_VAR_ADDR && v->kind != TLSI_VAR_PORT)
		return MNL_CB_ERROR;
	bytes = mnl_attr_get_payload_len(tb[TLSI_A_VAR_ITEMS]);
	if (bytes % item_size(v->kind))
		return MNL_CB_ERROR;
	v->nitems = (uint32_t)(bytes / item_size(v->kind));
	v->count = tb[TLSI_A_COUNT] ? mnl_attr_get_u32(tb[TLSI_A_COUNT]) : v->nitems;
	v->name = strdup(mnl_attr_get_str(tb[TLSI_A_NAME]));
	v->items = malloc(bytes ? bytes : 1);
	if (!v->name || !v->items)
		return MNL_CB_ERROR;
	memcpy(v->items, mnl_attr_get_payload(tb[TLSI_A_VAR_ITEMS]), bytes);
	v->text = render_items(v->kind, v->items, v->nitems);
	if (!v->text)
		return MNL_CB_ERROR;
	k->n++;
	return MNL_CB_OK;
}

static int get_vars(struct tlsi_nl *nl, struct kvars *k)
{
	char buf[TLSI_NL_MSGBUF];

	return ctl_request(nl, tlsi_nl_msg(nl, buf, TLSI_CMD_RULES_VAR_GET, NLM_F_DUMP),
			   var_cb, k);
}

static struct kvar *kvar_find(struct kvars *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].name, name))
			return &k->v[i];
	return NULL;
}

static struct rp_var *set_var_find(struct rp_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nvars; i++)
		if (!strcmp(s->vars[i].name, name))
			return &s->vars[i];
	return NULL;
}

/* The flattened value of a parsed variable, as image items (malloc'd). */
static void *var_items(const struct rp_var *v, uint32_t *n)
{
	size_t i, cnt = v->kind == TLSI_VAR_ADDR ? v->addrs.n : v->ports.n;
	uint8_t *out = calloc(cnt ? cnt : 1, item_size((uint8_t)v->kind));

	if (!out)
		return NULL;
	for (i = 0; i < cnt; i++) {
		if (v->kind == TLSI_VAR_ADDR) {
			struct tlsi_img_addr *a = (struct tlsi_img_addr *)out + i;

			a->flags = v->addrs.v[i].flags & TLSI_ADDR_F_NEG;
			a->plen = v->addrs.v[i].plen;
			memcpy(a->addr, v->addrs.v[i].addr, 16);
		} else {
			struct tlsi_img_port *p = (struct tlsi_img_port *)out + i;

			p->flags = v->ports.v[i].flags & TLSI_ADDR_F_NEG;
			p->lo = v->ports.v[i].lo;
			p->hi = v->ports.v[i].hi;
		}
	}
	*n = (uint32_t)cnt;
	return out;
}

/* The loaded values as a parser's variable set (defaults for the rest). */
static int kernel_set(struct rp_set *s, const struct kvars *k)
{
	char err[512];
	size_t i;

	rp_set_init(s);
	for (i = 0; i < k->n; i++) {
		if (k->v[i].count > k->v[i].nitems)
			continue;	/* too long to read back: unknown here */
		if (rp_set_var(s, k->v[i].name, k->v[i].text, err, sizeof(err))) {
			errmsg("loaded variable %s = %s: %s", k->v[i].name, k->v[i].text, err);
			return -1;
		}
	}
	return 0;
}

/* "...$NAME..." with NAME a whole variable name. */
static bool refers_to(const char *def, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strchr(def, '$'); p; p = strchr(p + 1, '$'))
		if (!strncmp(p + 1, name, n) && !(isalnum((unsigned char)p[1 + n]) || p[1 + n] == '_'))
			return true;
	return false;
}

struct var_change {
	const char *name;
	const char *follows;		/* NULL: given */
};

static void list_vars(const struct kvars *k)
{
	size_t i;

	out_list_begin();
	for (i = 0; i < k->n; i++) {
		out_obj_begin();
		out_name("name", k->v[i].name);
		out_str("kind", k->v[i].kind == TLSI_VAR_ADDR ? "address" : "port");
		out_str("value", k->v[i].text);
		if (k->v[i].count > k->v[i].nitems)
			out_u64("items", k->v[i].count);
		out_obj_end();
	}
	out_list_end();
}

/*
 * After RULES_VAR_SET: rewrite the published image the way the kernel
 * rewrote its own (ri_with_vars()), when the published file is the image
 * the kernel ran before the change (its size and build id, the variables'
 * values) and the result has the size the kernel reports now. Otherwise
 * tlsid's userspace relay keeps the old values until the next load, and a
 * warning says so. Nothing when no image is published.
 */
static void republish_vars(struct tlsi_nl *nl, const struct summary *before,
			   const struct kvars *k, struct rp_set *neu,
			   const struct var_change *ch, size_t nch)
{
	struct tlsi_img_var_update u[TLSI_RULES_VARS_MAX];
	void *items[TLSI_RULES_VARS_MAX] = { 0 };
	const char *path = ri_path();
	uint8_t *img = NULL, *nimg = NULL;
	size_t len = 0, nlen = 0, i;
	struct summary after;
	struct tlsi_eng e;
	struct stat st;
	char err[512], why[1024] = "";

	/* none published (publishing off, or it failed and said so then) */
	if (!path || (stat(path, &st) < 0 && errno == ENOENT))
		return;
	if (rc_read_image(path, &img, &len, err, sizeof(err))) {
		snprintf(why, sizeof(why), "%s", err);
		goto out;
	}
	if (tlsi_eng_init(&e, img, len, err, sizeof(err))) {
		snprintf(why, sizeof(why), "%s: %s", path, err);
		goto out;
	}
	if (!before->loaded || before->size != len ||
	    before->build_id != le32v(e.hdr->build_id)) {
		snprintf(why, sizeof(why), "%s is not the image tlsi.ko runs", path);
		goto out;
	}
	for (i = 0; i < k->n; i++) {
		const struct kvar *kv = &k->v[i];
		int idx = ri_var_find(&e, kv->name);
		const struct tlsi_img_var *v = idx >= 0 ? &e.vars[idx] : NULL;
		const void *have;

		if (v && v->kind == kv->kind && le32v(v->count) == kv->count) {
			have = kv->kind == TLSI_VAR_ADDR ? (const void *)&e.addrs[le32v(v->first)]
							 : (const void *)&e.ports[le32v(v->first)];
			if (!memcmp(have, kv->items, kv->nitems * item_size(kv->kind)))
				continue;
		}
		snprintf(why, sizeof(why), "%s differs from tlsi.ko's rules (variable %s)",
			 path, kv->name);
		goto out;
	}
	for (i = 0; i < nch; i++) {
		struct rp_var *v = set_var_find(neu, ch[i].name);
		uint32_t n = 0;

		items[i] = v ? var_items(v, &n) : NULL;
		if (!items[i]) {
			snprintf(why, sizeof(why), "out of memory");
			goto out;
		}
		u[i].var = (uint32_t)ri_var_find(&e, ch[i].name);
		u[i].kind = (uint8_t)v->kind;
		u[i].items = items[i];
		u[i].count = n;
	}
	/* (not validated again here: tlsid validates what it reads) */
	if (ri_with_vars(img, len, u, (unsigned int)nch, &nimg, &nlen, err, sizeof(err))) {
		snprintf(why, sizeof(why), "rewriting %s: %s", path, err);
		goto out;
	}
	if (rules_get_summary(nl, &after) || !after.loaded || after.size != nlen ||
	    after.build_id != before->build_id) {
		snprintf(why, sizeof(why), "tlsi.ko's image changed otherwise");
		goto out;
	}
	if (ri_publish(path, nimg, nlen, err, sizeof(err)))
		snprintf(why, sizeof(why), "%s", err);
out:
	if (why[0])
		errmsg("warning: the variables changed in tlsi.ko, but not in the image "
		       "published for tlsid (%s): tlsid's userspace relay keeps the old "
		       "values until the next `rules load'", why);
	for (i = 0; i < nch; i++)
		free(items[i]);
	free(nimg);
	free(img);
}

int rules_cmd_var(int argc, char **argv)
{
	struct rp_set old = { 0 }, neu = { 0 }, defs;
	struct var_change ch[TLSI_RULES_VARS_MAX];
	struct kvars k = { 0 };
	struct summary before;
	struct nlattr *vars, *one;
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	char err[512], *buf = NULL;
	size_t nch = 0, i, j;
	bool grew;
	int rc;

	if (argc > 1 && argc % 2 == 0)
		usage_error("expected NAME VALUE pairs");
	ctl_open(&nl);
	rp_set_init(&defs);
	rc = get_vars(&nl, &k);
	if (rc)
		goto out;
	if (argc == 1) {
		if (!k.n && !opt_json)
			printf("no IPS rules loaded\n");
		else
			list_vars(&k);
		goto out;
	}
	if (!k.n) {
		errmsg("no IPS rules loaded");
		rc = EXIT_ERROR;
		goto out;
	}
	if (kernel_set(&old, &k) || kernel_set(&neu, &k)) {
		rc = EXIT_ERROR;
		goto out;
	}
	/* the values given, in order ($NAME: the loaded or an earlier value) */
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		const char *name = argv[i][0] == '$' ? argv[i] + 1 : argv[i];

		if (!kvar_find(&k, name))
			usage_error("the loaded rules have no variable `%s'", name);
		for (j = 0; j < nch; j++)
			if (!strcmp(ch[j].name, name))
				usage_error("variable `%s' given twice", name);
		if (nch == TLSI_RULES_VARS_MAX)
			usage_error("more than %d variables", TLSI_RULES_VARS_MAX);
		if (rp_set_var(&neu, name, argv[i + 1], err, sizeof(err)))
			usage_error("%s", err);
		ch[nch].name = name;
		ch[nch].follows = NULL;
		nch++;
	}
	/* variables whose default definition derives from a changed one and
	 * that still hold the value it derives: they follow */
	do {
		grew = false;
		for (i = 0; i < defs.nvars && nch < TLSI_RULES_VARS_MAX; i++) {
			const struct rp_var *d = &defs.vars[i];
			const char *via = NULL, *tmp;
			struct kvar *kv = kvar_find(&k, d->name);
			struct rp_var *ov;
			uint32_t n;
			void *items;

			if (!kv || kv->count > kv->nitems)
				continue;
			for (j = 0; j < nch; j++)
				if (!strcmp(ch[j].name, d->name))
					break;
			if (j < nch)
				continue;
			for (j = 0; j < nch && !via; j++)
				if (refers_to(d->value, ch[j].name))
					via = ch[j].name;
			if (!via)
				continue;
			tmp = kv->kind == TLSI_VAR_ADDR ? "TLSI_DERIVED_NET" : "TLSI_DERIVED_PORTS";
			if (rp_set_var(&old, tmp, d->value, err, sizeof(err)))
				continue;
			ov = set_var_find(&old, tmp);
			items = ov ? var_items(ov, &n) : NULL;
			if (!items)
				continue;
			if (n == kv->nitems && !memcmp(items, kv->items, n * item_size(kv->kind))) {
				if (rp_set_var(&neu, d->name, d->value, err, sizeof(err))) {
					errmsg("warning: %s (%s) cannot follow %s: %s", d->name,
					       d->value, via, err);
				} else {
					ch[nch].name = d->name;
					ch[nch].follows = via;
					nch++;
					grew = true;
				}
			}
			free(items);
		}
	} while (grew);

	buf = malloc(3 * TLSI_NLA_MAX_LEN);
	if (!buf) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_VAR_SET, 0);
	vars = mnl_attr_nest_start(nlh, TLSI_A_RULES_VARS);
	for (i = 0; i < nch; i++) {
		struct rp_var *v = set_var_find(&neu, ch[i].name);
		uint32_t n = 0;
		void *items = v ? var_items(v, &n) : NULL;

		if (!items) {
			errmsg("out of memory");
			rc = EXIT_ERROR;
			goto out;
		}
		if (n > TLSI_RULES_VAR_ITEMS_MAX) {
			free(items);
			usage_error("variable %s: %u items, at most %d", ch[i].name, n,
				    TLSI_RULES_VAR_ITEMS_MAX);
		}
		if ((size_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)vars) +
		    n * item_size((uint8_t)v->kind) + 256 > TLSI_NLA_MAX_LEN) {
			free(items);
			usage_error("too many items for one request: change fewer variables at once");
		}
		one = mnl_attr_nest_start(nlh, TLSI_A_RULES_VAR);
		mnl_attr_put_strz(nlh, TLSI_A_NAME, ch[i].name);
		mnl_attr_put_u8(nlh, TLSI_A_VAR_KIND, (uint8_t)v->kind);
		mnl_attr_put(nlh, TLSI_A_VAR_ITEMS, n * item_size((uint8_t)v->kind), items);
		mnl_attr_nest_end(nlh, one);
		free(items);
	}
	mnl_attr_nest_end(nlh, vars);
	/* what the published image must match (a failure: not republished) */
	if (ri_path() && rules_get_summary(&nl, &before))
		memset(&before, 0, sizeof(before));
	rc = ctl_request(&nl, nlh, NULL, NULL);
	if (rc)
		goto out;
	if (ri_path())
		republish_vars(&nl, &before, &k, &neu, ch, nch);
	out_list_begin();
	for (i = 0; i < nch; i++) {
		struct rp_var *v = set_var_find(&neu, ch[i].name);
		uint32_t n = 0;
		void *items = var_items(v, &n);
		char *text = items ? render_items((uint8_t)v->kind, items, n) : NULL;

		out_obj_begin();
		out_name("name", ch[i].name);
		out_str("value", text ? text : "?");
		if (ch[i].follows)
			out_str("follows", ch[i].follows);
		out_obj_end();
		free(text);
		free(items);
	}
	out_list_end();
out:
	free(buf);
	kvars_free(&k);
	if (old.vars)
		rp_set_free(&old);
	if (neu.vars)
		rp_set_free(&neu);
	rp_set_free(&defs);
	tlsi_nl_close(&nl);
	return rc;
}
