// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: IPS rules (Suricata syntax) compiled to the engine's
 * binary image. Loading an image into tlsi.ko arrives with the kernel side
 * of the engine; until then the image is checked, listed and tried here.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tlsictl.h"
#include "engine.h"
#include "rules_compile.h"
#include "rules_parse.h"

static const char help[] =
"Usage: tlsictl rules check [OPTIONS] FILE...\n"
"       tlsictl rules compile [OPTIONS] FILE... -o IMAGE\n"
"       tlsictl [-j] rules show IMAGE [sid SID]\n"
"       tlsictl rules test IMAGE CLIENT_FILE [SERVER_FILE]\n"
"       tlsictl rules load [OPTIONS] FILE...     (not yet: see below)\n"
"\n"
"IPS rules in Suricata syntax (the Emerging Threats Open dialect) are\n"
"compiled into a versioned binary image: one multi-pattern automaton per\n"
"buffer and direction plus a program per rule. Rules the engine cannot\n"
"honour are skipped with FILE:LINE and the reason; the rest load.\n"
"\n"
"Commands:\n"
"  check    parse and compile FILE..., print how many rules load and why\n"
"           the others were skipped (by reason; -v lists each rule)\n"
"  compile  as check, then write the image to IMAGE (`-' for stdout)\n"
"  show     validate IMAGE and list its rules (action, protocol, sid,\n"
"           rev, message, source FILE:LINE); with sid, only that rule\n"
"  test     run the engine of IMAGE over a TCP conversation: CLIENT_FILE\n"
"           holds what the client sent, SERVER_FILE what the server\n"
"           answered; alerts are printed as Suricata EVE JSON lines\n"
"  load     compile and load into tlsi.ko, atomically; arrives with the\n"
"           kernel side of the filter engine (today: use compile)\n"
"\n"
"Options:\n"
"  -o IMAGE                 output of compile\n"
"  --pcre=skip|prefilter    rules with pcre: skipped (default), or loaded\n"
"                           with their contents as the whole condition\n"
"  --var NAME=VALUE         set a variable ($HOME_NET, $HTTP_PORTS, ...);\n"
"                           repeatable\n"
"  --classification FILE    classtypes and priorities (default:\n"
"                           classification.config beside the first FILE,\n"
"                           if there is one)\n"
"  -v                       list every skipped rule on standard error\n"
"\n"
"Examples:\n"
"  tlsictl rules check /etc/tlsi/rules/*.rules\n"
"  tlsictl rules compile --var HOME_NET=[10.0.0.0/8] emerging-*.rules -o ips.img\n"
"  tlsictl rules show ips.img sid 2013028\n"
"  tlsictl rules test ips.img request.txt response.txt\n";

struct opts {
	struct rp_set set;
	const char *out;
	const char *classfile;
	bool verbose;
	int nfiles;
	char **files;
};

static void on_skip(void *arg, const char *file, unsigned int line,
		    const char *reason, const char *detail)
{
	const struct opts *o = arg;

	if (o->verbose)
		fprintf(stderr, "%s:%u: skipped: %s (%s)\n", file, line, reason, detail);
}

static void parse_opts(int argc, char **argv, struct opts *o, bool want_out)
{
	char err[512];
	int i;

	memset(o, 0, sizeof(*o));
	rp_set_init(&o->set);
	o->set.on_skip = on_skip;
	o->set.arg = o;
	o->files = calloc((size_t)argc, sizeof(*o->files));
	if (!o->files) {
		errmsg("out of memory");
		exit(EXIT_ERROR);
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") && want_out) {
			o->out = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strncmp(a, "--pcre=", 7)) {
			if (!strcmp(a + 7, "skip"))
				o->set.pcre = RP_PCRE_SKIP;
			else if (!strcmp(a + 7, "prefilter"))
				o->set.pcre = RP_PCRE_PREFILTER;
			else
				usage_error("--pcre `%s': expected skip or prefilter", a + 7);
		} else if (!strcmp(a, "--var")) {
			const char *v = kw_value(argc, argv, &i);
			const char *eq = strchr(v, '=');
			char *name;

			if (!eq)
				usage_error("--var `%s': expected NAME=VALUE", v);
			name = strndup(v, (size_t)(eq - v));
			if (!name || rp_set_var(&o->set, name, eq + 1, err, sizeof(err)))
				usage_error("--var `%s': %s", v, name ? err : "out of memory");
			free(name);
		} else if (!strcmp(a, "--classification")) {
			o->classfile = kw_value(argc, argv, &i);
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option `%s'", a);
		} else {
			o->files[o->nfiles++] = argv[i];
		}
	}
	if (!o->nfiles)
		usage_error("no rule FILE given");
	if (want_out && !o->out)
		usage_error("no output: -o IMAGE");
}

/* Read classification and rules; 0 or EXIT_ERROR. */
static int load_rules(struct opts *o)
{
	char err[512], guess[4096];
	int i;

	if (o->classfile) {
		if (rp_load_classification(&o->set, o->classfile, err, sizeof(err))) {
			errmsg("%s", err);
			return EXIT_ERROR;
		}
	} else if (strcmp(o->files[0], "-")) {
		char *dup = strdup(o->files[0]);
		struct stat sb;

		if (dup) {
			snprintf(guess, sizeof(guess), "%s/classification.config", dirname(dup));
			free(dup);
			if (!stat(guess, &sb) &&
			    rp_load_classification(&o->set, guess, err, sizeof(err))) {
				errmsg("%s", err);
				return EXIT_ERROR;
			}
		}
	}
	for (i = 0; i < o->nfiles; i++) {
		if (rp_parse_file(&o->set, o->files[i], err, sizeof(err))) {
			errmsg("%s", err);
			return EXIT_ERROR;
		}
	}
	return 0;
}

static int cmp_reason(const void *a, const void *b)
{
	const struct rp_reason *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->reason, y->reason);
}

static void print_summary(struct opts *o, const struct rc_stats *st, double ms)
{
	struct rp_set *s = &o->set;
	size_t i;

	if (s->nskips)
		qsort(s->skips, s->nskips, sizeof(*s->skips), cmp_reason);
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_u64(&j, "enabled", s->enabled);
		json_u64(&j, "loaded", s->nrules);
		json_u64(&j, "skipped", s->skipped);
		json_u64(&j, "commented_out", s->commented);
		json_string(&j, "pcre", s->pcre == RP_PCRE_PREFILTER ? "prefilter" : "skip");
		json_begin_object(&j, "skipped_by_reason");
		for (i = 0; i < s->nskips; i++)
			json_u64(&j, s->skips[i].reason, s->skips[i].count);
		json_end_object(&j);
		if (st) {
			json_u64(&j, "fast_patterns", st->patterns);
			json_u64(&j, "automata", st->automata);
			json_u64(&j, "states", st->states);
			json_u64(&j, "rules_without_fast_pattern", st->nonmpm);
			json_u64(&j, "image_bytes", st->image_bytes);
			json_u64(&j, "compile_ms", (uint64_t)ms);
		}
		json_end_object(&j);
		return;
	}
	printf("%zu rules: %zu loaded (%.1f%%), %zu skipped; %zu more commented out\n",
	       s->enabled, s->nrules, s->enabled ? 100.0 * (double)s->nrules / (double)s->enabled : 0.0,
	       s->skipped, s->commented);
	if (s->nskips)
		printf("skipped by reason:\n");
	for (i = 0; i < s->nskips; i++)
		printf("  %7u  %s\n", s->skips[i].count, s->skips[i].reason);
	if (st)
		printf("image: %zu bytes, %u fast patterns in %u automata (%u states), "
		       "%u rules without a fast pattern, compiled in %.0f ms\n",
		       st->image_bytes, st->patterns, st->automata, st->states, st->nonmpm, ms);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compile_common(int argc, char **argv, bool write)
{
	struct opts o;
	struct rc_stats st;
	uint8_t *img = NULL;
	size_t len = 0;
	char err[512];
	double t0;
	int rc;

	parse_opts(argc, argv, &o, write);
	t0 = now_ms();
	rc = load_rules(&o);
	if (rc)
		goto out;
	if (rc_compile(&o.set, &img, &len, &st, err, sizeof(err))) {
		errmsg("%s", err);
		rc = EXIT_ERROR;
		goto out;
	}
	if (tlsi_img_validate(img, len, err, sizeof(err))) {
		errmsg("internal error: the image does not validate: %s", err);
		rc = EXIT_ERROR;
		goto out;
	}
	if (write) {
		FILE *f = strcmp(o.out, "-") ? fopen(o.out, "wb") : stdout;

		if (!f || fwrite(img, 1, len, f) != len || (f != stdout && fclose(f))) {
			errmsg("%s: %s", o.out, strerror(errno));
			rc = EXIT_ERROR;
			goto out;
		}
		if (f == stdout)
			goto out;
	}
	print_summary(&o, &st, now_ms() - t0);
out:
	free(img);
	free(o.files);
	rp_set_free(&o.set);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	return compile_common(argc, argv, false);
}

static int cmd_compile(int argc, char **argv)
{
	return compile_common(argc, argv, true);
}

static int cmd_load(int argc, char **argv)
{
	errmsg("not available yet: loading into tlsi.ko arrives with the kernel side of the "
	       "filter engine; use `tlsictl rules compile ... -o IMAGE' meanwhile");
	return EXIT_ERROR;
}

static int open_image(const char *path, struct tlsi_eng *e, uint8_t **img)
{
	char err[512];
	size_t len;

	if (rc_read_image(path, img, &len, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	if (tlsi_eng_init(e, *img, len, err, sizeof(err))) {
		errmsg("%s: image refused: %s", path, err);
		free(*img);
		*img = NULL;
		return EXIT_ERROR;
	}
	return 0;
}

static void str_field(const struct tlsi_eng *e, const struct tlsi_img_str *s,
		      char *buf, size_t len)
{
	uint32_t n;
	const char *p = tlsi_eng_str(e, s, &n);

	snprintf(buf, len, "%.*s", (int)n, p);
}

static int cmd_show(int argc, char **argv)
{
	struct tlsi_eng e;
	uint8_t *img;
	uint64_t sid = 0;
	bool have_sid = false;
	struct json j;
	uint32_t i;
	int rc;

	if (argc < 2)
		usage_error("missing IMAGE");
	if (argc == 4 && !strcmp(argv[2], "sid")) {
		char err[TLSI_ERR_MAX];
		uint32_t v;

		check(parse_u32("sid", argv[3], 1, UINT32_MAX, &v, err, sizeof(err)), err);
		sid = v;
		have_sid = true;
	} else if (argc != 2) {
		usage_error("unexpected `%s'", argv[2]);
	}
	rc = open_image(argv[1], &e, &img);
	if (rc)
		return rc;
	if (opt_json) {
		json_init(&j, stdout);
		json_begin_array(&j, NULL);
	}
	for (i = 0; i < e.nrules; i++) {
		const struct tlsi_img_rule *r = &e.rules[i];
		char msg[1024], cls[128], file[512];

		if (have_sid && r->sid != sid)
			continue;
		str_field(&e, &r->msg, msg, sizeof(msg));
		str_field(&e, &r->classtype, cls, sizeof(cls));
		str_field(&e, &r->file, file, sizeof(file));
		if (opt_json) {
			json_begin_object(&j, NULL);
			json_u64(&j, "sid", r->sid);
			json_u64(&j, "gid", r->gid);
			json_u64(&j, "rev", r->rev);
			json_string(&j, "action", rp_action_name(r->action));
			json_string(&j, "proto", rp_app_name(r->app));
			json_string(&j, "msg", msg);
			json_string(&j, "classtype", cls);
			json_u64(&j, "priority", r->priority);
			json_bool(&j, "pcre_dropped", r->flags & TLSI_RULE_F_PCRE_DROPPED);
			json_string(&j, "file", file);
			json_u64(&j, "line", r->line);
			json_end_object(&j);
		} else {
			printf("%s %s sid %u rev %u \"%s\"%s %s:%u\n", rp_action_name(r->action),
			       rp_app_name(r->app), r->sid, r->rev, msg,
			       (r->flags & TLSI_RULE_F_PCRE_DROPPED) ? " (pcre dropped)" : "",
			       file, r->line);
		}
	}
	if (opt_json)
		json_end_array(&j);
	free(img);
	return EXIT_OK;
}

/* ---- test: the engine over a conversation, EVE JSON out ---------------------- */

struct test_ctx {
	const struct tlsi_eng *e;
	unsigned int alerts;
};

static void eve_alert(void *arg, struct tlsi_eng_flow *f, const struct tlsi_eng_alert *a)
{
	struct test_ctx *t = arg;
	const struct tlsi_img_rule *r = a->r;
	char msg[1024], cls[128], ts[64];
	struct json j;
	struct timespec now;
	struct tm tm;

	t->alerts++;
	str_field(t->e, &r->msg, msg, sizeof(msg));
	str_field(t->e, &r->classtype, cls, sizeof(cls));
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%06ld+0000",
		 now.tv_nsec / 1000);
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_string(&j, "timestamp", ts);
	json_string(&j, "event_type", "alert");
	json_string(&j, "src_ip", a->dir == TLSI_DIR_TO_SERVER ? "10.0.0.1" : "192.0.2.1");
	json_u64(&j, "src_port", a->dir == TLSI_DIR_TO_SERVER ? f->cport : f->sport);
	json_string(&j, "dest_ip", a->dir == TLSI_DIR_TO_SERVER ? "192.0.2.1" : "10.0.0.1");
	json_u64(&j, "dest_port", a->dir == TLSI_DIR_TO_SERVER ? f->sport : f->cport);
	json_string(&j, "proto", "TCP");
	if (f->apps & TLSI_APPS(TLSI_APP_HTTP))
		json_string(&j, "app_proto", "http");
	json_begin_object(&j, "alert");
	json_string(&j, "action", a->action == TLSI_ACT_DROP || a->action == TLSI_ACT_REJECT
			? "blocked" : "allowed");
	json_u64(&j, "gid", r->gid);
	json_u64(&j, "signature_id", r->sid);
	json_u64(&j, "rev", r->rev);
	json_string(&j, "signature", msg);
	json_string(&j, "category", cls);
	json_u64(&j, "severity", r->priority);
	json_end_object(&j);
	json_string(&j, "direction", a->dir == TLSI_DIR_TO_SERVER ? "to_server" : "to_client");
	json_string(&j, "buffer", rp_buf_name(a->buf));
	json_u64(&j, "stream_offset", a->stream_off);
	if (a->tx)
		json_u64(&j, "tx_id", a->tx - 1);
	json_end_object(&j);
}

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	char err[512];

	if (rc_read_image(path, buf, len, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	return 0;
}

static int cmd_test(int argc, char **argv)
{
	static const uint8_t client[4] = { 10, 0, 0, 1 }, server[4] = { 192, 0, 2, 1 };
	struct tlsi_eng e;
	struct tlsi_eng_cfg cfg = { 0 };
	struct tlsi_eng_ctx c = { 0 };
	struct tlsi_eng_flow *f = NULL;
	struct test_ctx t = { 0 };
	uint8_t *img = NULL, *cbuf = NULL, *sbuf = NULL, ca[16], sa[16];
	size_t clen = 0, slen = 0;
	int rc;

	if (argc < 3 || argc > 4)
		usage_error("expected IMAGE CLIENT_FILE [SERVER_FILE]");
	rc = open_image(argv[1], &e, &img);
	if (rc)
		return rc;
	rc = read_all(argv[2], &cbuf, &clen);
	if (!rc && argc == 4)
		rc = read_all(argv[3], &sbuf, &slen);
	if (rc)
		goto out;
	c.s = calloc(1, tlsi_eng_scratch_size(&e));
	f = calloc(1, sizeof(*f));
	if (!c.s || !f) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	t.e = &e;
	cfg.alert = eve_alert;
	cfg.arg = &t;
	c.eng = &e;
	c.cfg = &cfg;
	tlsi_eng_addr4(ca, client);
	tlsi_eng_addr4(sa, server);
	tlsi_eng_flow_init(f, ca, 40000, sa, 80);
	tlsi_eng_inspect(&c, f, TLSI_DIR_TO_SERVER, cbuf, clen);
	if (sbuf)
		tlsi_eng_inspect(&c, f, TLSI_DIR_TO_CLIENT, sbuf, slen);
	tlsi_eng_eof(&c, f, TLSI_DIR_TO_SERVER);
	tlsi_eng_eof(&c, f, TLSI_DIR_TO_CLIENT);
	fprintf(stderr, "%u alert%s, verdict %s\n", t.alerts, t.alerts == 1 ? "" : "s",
		f->verdict == TLSI_ENG_V_DROP ? "drop" : f->verdict == TLSI_ENG_V_REJECT ? "reject" :
		f->verdict == TLSI_ENG_V_PASS ? "pass" : "continue");
out:
	free(c.s);
	free(f);
	free(img);
	free(cbuf);
	free(sbuf);
	return rc;
}

int rules_main(int argc, char **argv)
{
	static const struct command cmds[] = {
		{ "check", cmd_check, NULL },
		{ "compile", cmd_compile, NULL },
		{ "show", cmd_show, NULL },
		{ "list", cmd_show, NULL },
		{ "test", cmd_test, NULL },
		{ "load", cmd_load, NULL },
		{ NULL, NULL, NULL }
	};

	if (argc < 2) {
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	return dispatch(argc, argv, cmds, help);
}
