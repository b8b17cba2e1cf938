// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: IPS rules (Suricata syntax) compiled to the engine's
 * binary image, checked, listed and tried here, and loaded into tlsi.ko
 * (chunked over netlink, committed atomically), where the kTLS relay runs
 * them on every decrypted session. The image the kernel took is published
 * for tlsid's userspace relay (rules_image.h): written by load, rewritten
 * by var, removed by flush.
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

static const char help[] =
"Usage: tlsictl rules check [OPTIONS] FILE...\n"
"       tlsictl rules compile [OPTIONS] FILE... -o IMAGE\n"
"       tlsictl rules load [OPTIONS] FILE...  |  tlsictl rules load --image IMAGE\n"
"       tlsictl [-j] rules show [all] [sid SID]\n"
"       tlsictl [-j] rules show IMAGE [sid SID]\n"
"       tlsictl [-j] rules stats\n"
"       tlsictl [-j] rules var [NAME VALUE]...\n"
"       tlsictl [-j] rules config [quarantine on|off] [timeout DURATION]\n"
"                                 [depth BYTES] [body-depth BYTES]\n"
"                                 [trace off|alerts] [trace-bytes SIZE]\n"
"                                 [trace-buffer SIZE]\n"
"       tlsictl rules flush\n"
"       tlsictl rules test IMAGE CLIENT_FILE [SERVER_FILE]\n"
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
"  load     as check, then load the image into tlsi.ko (or load IMAGE as\n"
"           compiled before): sent in chunks, validated whole by the\n"
"           kernel and swapped in at once; until then, and if the kernel\n"
"           refuses it (the message says why), the old rules stay active.\n"
"           The image the kernel took is also written (atomically) to\n"
"           $TLSI_RULES_IMAGE, default " TLSI_RULES_IMAGE_DEFAULT " (empty: not\n"
"           written), where tlsid finds the rules for the sessions it relays\n"
"           itself; failing that is a warning. flush removes the file, var\n"
"           rewrites it with the new values as the kernel does\n"
"  show     without IMAGE: the rules loaded in the kernel (count, image\n"
"           size, build id, load time) and the rules that matched, with\n"
"           their hits, alerts and drops (all: every rule; sid: one rule);\n"
"           with IMAGE: validate the file and list its rules\n"
"  stats    the IPS counters, memory and settings of the kernel\n"
"  var      without arguments: the variables of the loaded rules; with\n"
"           NAME VALUE pairs: change them in the kernel without\n"
"           recompiling ($HOME_NET ...; VALUE as in rules, $NAME refers to\n"
"           the loaded values). Variables whose default definition derives\n"
"           from a changed one and still has its derived value follow it\n"
"           (EXTERNAL_NET = !$HOME_NET); all change at once\n"
"  config   without arguments: the IPS settings; quarantine on: the client\n"
"           of every flow a drop/reject rule blocks is quarantined for the\n"
"           timeout (0: until removed; rules with metadata\n"
"           `tlsi_quarantine [SECONDS]' do so whatever the setting); depth:\n"
"           bytes inspected per direction of a session (0: all);\n"
"           body-depth: bytes of each HTTP body (0: all); trace alerts:\n"
"           every alerting or blocking rule traces its flow (rules with\n"
"           metadata `tlsi_trace' always do; `tlsictl trace'); trace-bytes:\n"
"           data recorded per traced flow (default 1M); trace-buffer: the\n"
"           namespace's trace records (default 4M, 64K..64M; the oldest\n"
"           are evicted); SIZE: bytes, or a number with K or M\n"
"  flush    unload the rules (inspection stops)\n"
"  test     run the engine of IMAGE over a TCP conversation: CLIENT_FILE\n"
"           holds what the client sent, SERVER_FILE what the server\n"
"           answered; alerts are printed as Suricata EVE JSON lines, as\n"
"           the relays report them (nothing is inspected after a block)\n"
"\n"
"Options:\n"
"  -o IMAGE                 output of compile\n"
"  --image IMAGE            load: a compiled image instead of rule files\n"
"  --pcre=exact|skip|prefilter\n"
"                           rules with pcre: expressions evaluated by the\n"
"                           engine's regex matcher (default; rules whose\n"
"                           expression it cannot evaluate exactly are\n"
"                           skipped, with the reason), skipped, or loaded\n"
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
"  tlsictl rules load --pcre=prefilter --var HOME_NET=[10.0.0.0/8] emerging-*.rules\n"
"  tlsictl rules show sid 2013028\n"
"  tlsictl rules var HOME_NET [10.0.0.0/8,192.168.0.0/16]\n"
"  tlsictl rules config quarantine on timeout 1h\n"
"  tlsictl rules test ips.img request.txt response.txt\n";

struct opts {
	struct rp_set set;
	const char *out;
	const char *classfile;
	const char *image;		/* load --image */
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

enum { OPTS_CHECK, OPTS_COMPILE, OPTS_LOAD };

static void parse_opts(int argc, char **argv, struct opts *o, int mode)
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

		if (!strcmp(a, "-o") && mode == OPTS_COMPILE) {
			o->out = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "--image") && mode == OPTS_LOAD) {
			o->image = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strncmp(a, "--pcre=", 7)) {
			if (!strcmp(a + 7, "exact"))
				o->set.pcre = RP_PCRE_EXACT;
			else if (!strcmp(a + 7, "skip"))
				o->set.pcre = RP_PCRE_SKIP;
			else if (!strcmp(a + 7, "prefilter"))
				o->set.pcre = RP_PCRE_PREFILTER;
			else
				usage_error("--pcre `%s': expected exact, skip or prefilter", a + 7);
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
	if (o->image && o->nfiles)
		usage_error("--image IMAGE and rule files: give one or the other");
	if (!o->nfiles && !o->image)
		usage_error("no rule FILE given");
	if (mode == OPTS_COMPILE && !o->out)
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

/* What the kernel said at RULES_COMMIT. */
struct load_result {
	uint32_t rules, size, build_id;
};

static void print_summary(struct opts *o, const struct rc_stats *st, double ms,
			  const struct load_result *lr)
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
		json_string(&j, "pcre", s->pcre == RP_PCRE_PREFILTER ? "prefilter" :
			    s->pcre == RP_PCRE_SKIP ? "skip" : "exact");
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
		if (lr) {
			char id[16];

			snprintf(id, sizeof(id), "0x%08x", lr->build_id);
			json_begin_object(&j, "kernel");
			json_u64(&j, "rules", lr->rules);
			json_u64(&j, "image_bytes", lr->size);
			json_string(&j, "build_id", id);
			json_end_object(&j);
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
	if (lr)
		printf("loaded into tlsi.ko: %u rules, image %u bytes, build id 0x%08x\n",
		       lr->rules, lr->size, lr->build_id);
}

static int kernel_load(const uint8_t *img, size_t len, struct load_result *lr);

/*
 * The image the kernel accepted, published for tlsid's userspace relay
 * (rules_image.h). A failure is only a warning: the kernel has the rules.
 */
static void publish(const uint8_t *img, size_t len)
{
	const char *path = ri_path();
	char err[512];

	if (path && ri_publish(path, img, len, err, sizeof(err)))
		errmsg("warning: the rules are loaded, but not published for tlsid's "
		       "userspace relay: %s", err);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compile_common(int argc, char **argv, int mode)
{
	bool write = mode == OPTS_COMPILE;
	struct load_result lr = { 0 };
	struct opts o;
	struct rc_stats st;
	uint8_t *img = NULL;
	size_t len = 0;
	char err[512];
	double t0;
	int rc;

	parse_opts(argc, argv, &o, mode);
	t0 = now_ms();
	if (o.image) {
		if (rc_read_image(o.image, &img, &len, err, sizeof(err))) {
			errmsg("%s", err);
			rc = EXIT_ERROR;
			goto out;
		}
		rc = kernel_load(img, len, &lr);
		if (rc)
			goto out;
		publish(img, len);
		if (opt_json) {
			struct json j;
			char id[16];

			snprintf(id, sizeof(id), "0x%08x", lr.build_id);
			json_init(&j, stdout);
			json_begin_object(&j, NULL);
			json_begin_object(&j, "kernel");
			json_u64(&j, "rules", lr.rules);
			json_u64(&j, "image_bytes", lr.size);
			json_string(&j, "build_id", id);
			json_end_object(&j);
			json_end_object(&j);
		} else {
			printf("loaded into tlsi.ko: %u rules, image %u bytes, build id 0x%08x\n",
			       lr.rules, lr.size, lr.build_id);
		}
		goto out;
	}
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
	if (mode == OPTS_LOAD) {
		/* Say what was parsed even when the kernel refuses it. */
		rc = kernel_load(img, len, &lr);
		if (rc && !opt_json)
			print_summary(&o, &st, now_ms() - t0, NULL);
		if (rc)
			goto out;
		publish(img, len);
	}
	print_summary(&o, &st, now_ms() - t0, mode == OPTS_LOAD ? &lr : NULL);
out:
	free(img);
	free(o.files);
	rp_set_free(&o.set);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	return compile_common(argc, argv, OPTS_CHECK);
}

static int cmd_load(int argc, char **argv)
{
	return compile_common(argc, argv, OPTS_LOAD);
}

static int cmd_compile(int argc, char **argv)
{
	return compile_common(argc, argv, OPTS_COMPILE);
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

static int show_image(int argc, char **argv)
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

/*
 * A host of the engine's session driver (engine/driver.h), as tlsi.ko's
 * relay and tlsid are: what `rules test' prints is what they would report
 * for the same bytes (alert order included: raw-stream alerts after the
 * chunk's decoded ones), with the default settings and no quarantine or
 * trace.
 */
struct test_host {
	struct tlsi_drv_call c;
	struct tlsi_eng_scratch *s;
	uint64_t counts[TLSI_DRV_C_MAX];
};

static struct test_host *test_host_of(struct tlsi_drv_call *c)
{
	return (struct test_host *)((char *)c - offsetof(struct test_host, c));
}

static void test_alert(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a)
{
	const struct tlsi_eng *e = &c->im->eng;
	const struct tlsi_drv_flow *df = c->df;
	const struct tlsi_img_rule *r = a->r;
	char msg[1024], cls[128], host[256], url[2048], method[32], ua[512];
	bool ts = a->dir == TLSI_DIR_TO_SERVER;
	struct tlsi_http_meta m;
	struct eve_alert ev;

	str_field(e, &r->msg, msg, sizeof(msg));
	str_field(e, &r->classtype, cls, sizeof(cls));
	eve_alert_init(&ev);
	ev.src_ip = ts ? "10.0.0.1" : "192.0.2.1";
	ev.src_port = ts ? df->f.cport : df->f.sport;
	ev.dest_ip = ts ? "192.0.2.1" : "10.0.0.1";
	ev.dest_port = ts ? df->f.sport : df->f.cport;
	ev.blocked = a->blocked;
	ev.gid = le32v(r->gid);
	ev.sid = le32v(r->sid);
	ev.rev = le32v(r->rev);
	ev.signature = msg;
	ev.category = cls;
	ev.severity = r->priority;
	ev.direction = ts ? "to_server" : "to_client";
	ev.buffer = rp_buf_name(a->buf);
	ev.stream_offset = (int64_t)a->stream_off;
	if (a->tx)
		ev.tx_id = a->tx - 1;
	ev.app_proto = tlsi_drv_app_name(df);
	tlsi_drv_http_meta(df, a->dir, &m);
	if (m.host) {
		snprintf(host, sizeof(host), "%.*s", (int)m.host_len, (const char *)m.host);
		ev.http_hostname = host;
	}
	if (m.url) {
		snprintf(url, sizeof(url), "%.*s", (int)m.url_len, (const char *)m.url);
		ev.http_url = url;
	}
	if (m.method) {
		snprintf(method, sizeof(method), "%.*s", (int)m.method_len, (const char *)m.method);
		ev.http_method = method;
	}
	if (m.ua) {
		snprintf(ua, sizeof(ua), "%.*s", (int)m.ua_len, (const char *)m.ua);
		ev.http_user_agent = ua;
	}
	ev.http_status = m.status;
	eve_write(stdout, &ev);
}

static void test_count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n)
{
	test_host_of(c)->counts[what] += n;
}

static struct tlsi_eng_scratch *test_scratch(struct tlsi_drv_call *c)
{
	return test_host_of(c)->s;
}

static void *test_zalloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static const struct tlsi_drv_ops test_ops = {
	.alert = test_alert,
	.count = test_count,
	.scratch_get = test_scratch,
	.zalloc = test_zalloc,
	.free = free,
};

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	char err[512];

	if (rc_read_image(path, buf, len, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	return 0;
}

static const char *verdict_name(uint8_t v)
{
	return v == TLSI_ENG_V_DROP ? "drop" : v == TLSI_ENG_V_REJECT ? "reject" :
	       v == TLSI_ENG_V_PASS ? "pass" : "continue";
}

static int cmd_test(int argc, char **argv)
{
	static const uint8_t client[4] = { 10, 0, 0, 1 }, server[4] = { 192, 0, 2, 1 };
	struct tlsi_drv_image im = { 0 };
	struct test_host h = { 0 };
	struct tlsi_drv_flow *df = NULL;
	uint8_t *img = NULL, *cbuf = NULL, *sbuf = NULL, ca[16], sa[16];
	size_t ilen = 0, clen = 0, slen = 0;
	char err[512];
	uint64_t n;
	int rc;

	if (argc < 3 || argc > 4)
		usage_error("expected IMAGE CLIENT_FILE [SERVER_FILE]");
	rc = read_all(argv[1], &img, &ilen);
	if (rc)
		return rc;
	if (tlsi_drv_image_init(&im, &test_ops, img, ilen, err, sizeof(err))) {
		errmsg("%s: image refused: %s", argv[1], err);
		free(img);
		return EXIT_ERROR;
	}
	rc = read_all(argv[2], &cbuf, &clen);
	if (!rc && argc == 4)
		rc = read_all(argv[3], &sbuf, &slen);
	if (rc)
		goto out;
	h.s = calloc(1, tlsi_eng_scratch_size(&im.eng));
	df = calloc(1, sizeof(*df));
	if (!h.s || !df) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	h.c.ops = &test_ops;
	h.c.im = &im;
	tlsi_eng_addr4(ca, client);
	tlsi_eng_addr4(sa, server);
	tlsi_drv_flow_init(df, ca, 40000, sa, 80, 1 << 11, 0);
	tlsi_drv_data(&h.c, df, TLSI_DIR_TO_SERVER, cbuf, clen);
	if (sbuf)
		tlsi_drv_data(&h.c, df, TLSI_DIR_TO_CLIENT, sbuf, slen);
	tlsi_drv_end(&h.c, df);
	n = h.counts[TLSI_DRV_C_ALERTS];
	fprintf(stderr, "%llu alert%s, verdict %s", (unsigned long long)n, n == 1 ? "" : "s",
		verdict_name(df->f.verdict));
	n = h.counts[TLSI_DRV_C_HTTP_ANOMALIES] + h.counts[TLSI_DRV_C_DNS_ANOMALIES];
	if (n)
		fprintf(stderr, ", %llu protocol anomal%s", (unsigned long long)n,
			n == 1 ? "y" : "ies");
	if (h.counts[TLSI_DRV_C_ENGINE_ERRORS])
		fprintf(stderr, ", %llu engine limit%s reached",
			(unsigned long long)h.counts[TLSI_DRV_C_ENGINE_ERRORS],
			h.counts[TLSI_DRV_C_ENGINE_ERRORS] == 1 ? "" : "s");
	fputc('\n', stderr);
out:
	tlsi_drv_image_free(&im, &test_ops);
	free(h.s);
	free(df);
	free(img);
	free(cbuf);
	free(sbuf);
	return rc;
}

/* ---- the kernel's rules ------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static uint32_t new_batch_id(void)
{
	uint32_t id = 0;

	while (!id) {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	}
	return id;
}

static void send_abort(struct tlsi_nl *nl, char *buf, uint32_t batch)
{
	struct nlmsghdr *nlh = tlsi_nl_msg(nl, buf, TLSI_CMD_RULES_ABORT, 0);

	mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
	tlsi_nl_request(nl, nlh, NULL, NULL);	/* best effort */
}

static int commit_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct load_result *lr = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_OK;
	if (tb[TLSI_A_COUNT])
		lr->rules = mnl_attr_get_u32(tb[TLSI_A_COUNT]);
	if (tb[TLSI_A_RULES_SIZE])
		lr->size = mnl_attr_get_u32(tb[TLSI_A_RULES_SIZE]);
	if (tb[TLSI_A_RULES_BUILD_ID])
		lr->build_id = mnl_attr_get_u32(tb[TLSI_A_RULES_BUILD_ID]);
	return MNL_CB_OK;
}

/*
 * Send img in TLSI_RULES_CHUNK_MAX pieces (RULES_LOAD, in order) and commit
 * it; on any failure the batch is aborted and the kernel keeps its rules.
 */
static int kernel_load(const uint8_t *img, size_t len, struct load_result *lr)
{
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	uint32_t batch;
	size_t off, n;
	char *buf;
	int rc = EXIT_OK;

	if (!len || len > TLSI_RULES_IMAGE_MAX) {
		errmsg("image of %zu bytes: an image holds 1..%u bytes", len, TLSI_RULES_IMAGE_MAX);
		return EXIT_ERROR;
	}
	buf = malloc(TLSI_RULES_CHUNK_MAX + TLSI_NL_MSGBUF);
	if (!buf) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	ctl_open(&nl);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
	batch = new_batch_id();
	for (off = 0; off < len && !rc && !interrupted; off += n) {
		n = len - off < TLSI_RULES_CHUNK_MAX ? len - off : TLSI_RULES_CHUNK_MAX;
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_LOAD, 0);
		mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
		mnl_attr_put_u32(nlh, TLSI_A_RULES_OFFSET, (uint32_t)off);
		mnl_attr_put(nlh, TLSI_A_RULES_DATA, n, img + off);
		rc = ctl_request(&nl, nlh, NULL, NULL);
	}
	if (!rc && interrupted) {
		errmsg("interrupted; nothing loaded");
		rc = EXIT_ERROR;
	}
	if (!rc) {
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_COMMIT, 0);
		mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
		rc = ctl_request(&nl, nlh, commit_cb, lr);
	}
	if (rc)
		send_abort(&nl, buf, batch);
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	tlsi_nl_close(&nl);
	free(buf);
	return rc;
}

/* RULES_GET: the loaded image and the engine's memory. */
struct summary {
	bool loaded;
	uint32_t rules, size, build_id, img_flags, vars_changed;
	uint32_t sessions, session_bytes, scratch_bytes;
	uint64_t loaded_at, memory;
};

static int summary_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct summary *s = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	s->loaded = tb[TLSI_A_COUNT] != NULL;
#define U32(attr, field) if (tb[attr]) s->field = mnl_attr_get_u32(tb[attr])
	U32(TLSI_A_COUNT, rules);
	U32(TLSI_A_RULES_SIZE, size);
	U32(TLSI_A_RULES_BUILD_ID, build_id);
	U32(TLSI_A_RULES_IMG_FLAGS, img_flags);
	U32(TLSI_A_VARS_CHANGED, vars_changed);
	U32(TLSI_A_IPS_SESSIONS, sessions);
	U32(TLSI_A_IPS_SESSION_BYTES, session_bytes);
	U32(TLSI_A_IPS_SCRATCH_BYTES, scratch_bytes);
#undef U32
	if (tb[TLSI_A_RULES_LOADED])
		s->loaded_at = mnl_attr_get_u64(tb[TLSI_A_RULES_LOADED]);
	if (tb[TLSI_A_IPS_MEMORY])
		s->memory = mnl_attr_get_u64(tb[TLSI_A_IPS_MEMORY]);
	return MNL_CB_OK;
}

static int get_summary(struct tlsi_nl *nl, struct summary *s)
{
	char buf[TLSI_NL_MSGBUF];

	memset(s, 0, sizeof(*s));
	return ctl_request(nl, tlsi_nl_msg(nl, buf, TLSI_CMD_RULES_GET, 0), summary_cb, s);
}

static void iso_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *ips_action_name(uint8_t a)
{
	return a < __TLSI_IPS_ACT_MAX ? rp_action_name(a) : "unknown";
}

struct rule_dump {
	struct json j;
	unsigned int n;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct rule_dump *d = data;
	const char *msg, *cls;
	uint8_t action, prio;
	uint64_t hits, alerts, drops;

	if (tlsi_nl_parse(nlh, tb) < 0 || !tb[TLSI_A_SID])
		return MNL_CB_ERROR;
	d->n++;
	msg = tb[TLSI_A_MSG] ? mnl_attr_get_str(tb[TLSI_A_MSG]) : "";
	cls = tb[TLSI_A_CLASSTYPE] ? mnl_attr_get_str(tb[TLSI_A_CLASSTYPE]) : "";
	action = tb[TLSI_A_IPS_ACTION] ? mnl_attr_get_u8(tb[TLSI_A_IPS_ACTION]) : 0;
	prio = tb[TLSI_A_PRIORITY] ? mnl_attr_get_u8(tb[TLSI_A_PRIORITY]) : 0;
	hits = tb[TLSI_A_HITS] ? mnl_attr_get_u64(tb[TLSI_A_HITS]) : 0;
	alerts = tb[TLSI_A_ALERTS] ? mnl_attr_get_u64(tb[TLSI_A_ALERTS]) : 0;
	drops = tb[TLSI_A_DROPS] ? mnl_attr_get_u64(tb[TLSI_A_DROPS]) : 0;
	if (opt_json) {
		json_begin_object(&d->j, NULL);
		json_u64(&d->j, "sid", mnl_attr_get_u32(tb[TLSI_A_SID]));
		if (tb[TLSI_A_GID])
			json_u64(&d->j, "gid", mnl_attr_get_u32(tb[TLSI_A_GID]));
		if (tb[TLSI_A_REV])
			json_u64(&d->j, "rev", mnl_attr_get_u32(tb[TLSI_A_REV]));
		json_string(&d->j, "action", ips_action_name(action));
		json_u64(&d->j, "priority", prio);
		json_string(&d->j, "msg", msg);
		json_string(&d->j, "classtype", cls);
		json_u64(&d->j, "hits", hits);
		json_u64(&d->j, "alerts", alerts);
		json_u64(&d->j, "drops", drops);
		json_end_object(&d->j);
		return MNL_CB_OK;
	}
	printf("sid %u rev %u gid %u action %s priority %u hits %llu alerts %llu drops %llu msg ",
	       mnl_attr_get_u32(tb[TLSI_A_SID]),
	       tb[TLSI_A_REV] ? mnl_attr_get_u32(tb[TLSI_A_REV]) : 0,
	       tb[TLSI_A_GID] ? mnl_attr_get_u32(tb[TLSI_A_GID]) : 0,
	       ips_action_name(action), prio, (unsigned long long)hits,
	       (unsigned long long)alerts, (unsigned long long)drops);
	out_plain_value(msg);
	putchar('\n');
	return MNL_CB_OK;
}

static int cmd_show(int argc, char **argv)
{
	char err[TLSI_ERR_MAX], when[64], *buf;
	struct rule_dump d = { .n = 0 };
	uint32_t sid = 0, flags = TLSI_RULES_F_HIT;
	struct nlmsghdr *nlh;
	struct summary s;
	struct tlsi_nl nl;
	int rc, i;

	/* show IMAGE [sid SID]: a file */
	if (argc >= 2 && strcmp(argv[1], "all") && strcmp(argv[1], "sid"))
		return show_image(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			flags = 0;
		} else if (!strcmp(argv[i], "sid")) {
			check(parse_u32("sid", kw_value(argc, argv, &i), 1, UINT32_MAX, &sid,
					err, sizeof(err)), err);
			flags = 0;
		} else {
			usage_error("unexpected `%s'", argv[i]);
		}
	}
	ctl_open(&nl);
	rc = get_summary(&nl, &s);
	if (rc)
		goto out;
	iso_time(s.loaded_at, when, sizeof(when));
	if (opt_json) {
		char id[16];

		snprintf(id, sizeof(id), "0x%08x", s.build_id);
		json_init(&d.j, stdout);
		json_begin_object(&d.j, NULL);
		json_bool(&d.j, "loaded", s.loaded);
		if (s.loaded) {
			json_u64(&d.j, "rules", s.rules);
			json_u64(&d.j, "image_bytes", s.size);
			json_string(&d.j, "build_id", id);
			json_string(&d.j, "loaded_at", when);
			json_bool(&d.j, "pcre_prefilter", s.img_flags & TLSI_IMG_F_PCRE_PREFILTER);
			json_u64(&d.j, "vars_changed", s.vars_changed);
		}
		json_begin_array(&d.j, flags & TLSI_RULES_F_HIT ? "matched" : "list");
	} else if (!s.loaded) {
		printf("no IPS rules loaded\n");
		goto out;
	} else {
		printf("rules %u image-bytes %u build-id 0x%08x loaded %s pcre %s vars-changed %u\n",
		       s.rules, s.size, s.build_id, when,
		       s.img_flags & TLSI_IMG_F_PCRE_PREFILTER ? "prefilter" : "exact",
		       s.vars_changed);
	}
	if (s.loaded) {
		buf = malloc(TLSI_NL_MSGBUF);
		if (!buf) {
			errmsg("out of memory");
			rc = EXIT_ERROR;
			goto out;
		}
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_GET, NLM_F_DUMP);
		if (sid)
			mnl_attr_put_u32(nlh, TLSI_A_SID, sid);
		if (flags)
			mnl_attr_put_u32(nlh, TLSI_A_FLAGS, flags);
		rc = ctl_request(&nl, nlh, rule_cb, &d);
		free(buf);
	}
	if (opt_json) {
		json_end_array(&d.j);
		json_end_object(&d.j);
	} else if (!rc && sid && !d.n) {
		errmsg("no rule with sid %u is loaded", sid);
		rc = EXIT_ERROR;
	}
out:
	tlsi_nl_close(&nl);
	return rc;
}

/* ---- stats and settings ---------------------------------------------------- */

#define COUNTER_NAME(name, str) str,
static const char *const counter_names[] = { TLSI_COUNTERS(COUNTER_NAME) };
#undef COUNTER_NAME

struct ips_cfg {
	bool have;
	uint8_t quarantine;
	uint32_t timeout, depth, body_depth;
	uint8_t trace;
	uint32_t trace_bytes, trace_buffer, trace_records;
	uint64_t trace_used;
};

static int cfg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct ips_cfg *c = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	c->have = true;
	if (tb[TLSI_A_IPS_QUARANTINE])
		c->quarantine = mnl_attr_get_u8(tb[TLSI_A_IPS_QUARANTINE]);
	if (tb[TLSI_A_TIMEOUT])
		c->timeout = mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]);
	if (tb[TLSI_A_IPS_DEPTH])
		c->depth = mnl_attr_get_u32(tb[TLSI_A_IPS_DEPTH]);
	if (tb[TLSI_A_IPS_BODY_DEPTH])
		c->body_depth = mnl_attr_get_u32(tb[TLSI_A_IPS_BODY_DEPTH]);
	if (tb[TLSI_A_IPS_TRACE])
		c->trace = mnl_attr_get_u8(tb[TLSI_A_IPS_TRACE]);
	if (tb[TLSI_A_IPS_TRACE_BYTES])
		c->trace_bytes = mnl_attr_get_u32(tb[TLSI_A_IPS_TRACE_BYTES]);
	if (tb[TLSI_A_IPS_TRACE_BUFFER])
		c->trace_buffer = mnl_attr_get_u32(tb[TLSI_A_IPS_TRACE_BUFFER]);
	if (tb[TLSI_A_TRACE_USED])
		c->trace_used = mnl_attr_get_u64(tb[TLSI_A_TRACE_USED]);
	if (tb[TLSI_A_TRACE_RECORDS])
		c->trace_records = mnl_attr_get_u32(tb[TLSI_A_TRACE_RECORDS]);
	return MNL_CB_OK;
}

static int get_cfg(struct tlsi_nl *nl, struct ips_cfg *c)
{
	char buf[TLSI_NL_MSGBUF];

	memset(c, 0, sizeof(*c));
	return ctl_request(nl, tlsi_nl_msg(nl, buf, TLSI_CMD_IPS_GET, 0), cfg_cb, c);
}

static void print_cfg(const struct ips_cfg *c)
{
	out_str("quarantine", c->quarantine ? "on" : "off");
	out_u64("timeout", c->timeout);
	out_u64("depth", c->depth);
	out_u64("body-depth", c->body_depth);
	out_str("trace", c->trace == TLSI_IPS_TRACE_ALERTS ? "alerts" : "off");
	out_u64("trace-bytes", c->trace_bytes);
	out_u64("trace-buffer", c->trace_buffer);
	out_stat("trace-used", c->trace_used);
	out_stat("trace-records", c->trace_records);
}

struct counters {
	uint64_t v[sizeof(counter_names) / sizeof(counter_names[0])];
	bool have[sizeof(counter_names) / sizeof(counter_names[0])];
};

static int counters_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct counters *c = data;
	const struct nlattr *a;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[TLSI_A_STATS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[TLSI_A_STATS]) {
		uint16_t type = mnl_attr_get_type(a);

		if (!type || type > sizeof(counter_names) / sizeof(counter_names[0]) ||
		    mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			continue;
		c->v[type - 1] = mnl_attr_get_u64(a);
		c->have[type - 1] = true;
	}
	return MNL_CB_OK;
}

static int cmd_stats(int argc, char **argv)
{
	char buf[TLSI_NL_MSGBUF];
	struct counters c;
	struct summary s;
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	size_t i;
	int rc;

	if (argc > 1)
		usage_error("unexpected `%s'", argv[1]);
	memset(&c, 0, sizeof(c));
	ctl_open(&nl);
	rc = ctl_request(&nl, tlsi_nl_msg(&nl, buf, TLSI_CMD_STATS_GET, 0), counters_cb, &c);
	if (!rc)
		rc = get_summary(&nl, &s);
	if (!rc)
		rc = get_cfg(&nl, &cfg);
	tlsi_nl_close(&nl);
	if (rc)
		return rc;
	out_obj_begin();
	if (!opt_json)
		out_str("rules", s.loaded ? "loaded" : "none");
	else
		out_u64("rules", s.loaded ? s.rules : 0);
	if (!opt_json && s.loaded)
		out_u64("count", s.rules);
	out_u64("sessions", s.sessions);
	out_u64("session-bytes", s.session_bytes);
	out_u64("scratch-bytes-per-cpu", s.scratch_bytes);
	out_u64("memory", s.memory);
	print_cfg(&cfg);
	out_obj_end();
	if (opt_json)
		out_obj_begin();
	for (i = 0; i < sizeof(counter_names) / sizeof(counter_names[0]); i++) {
		if (!c.have[i] || (strncmp(counter_names[i], "ips_", 4) &&
				   strncmp(counter_names[i], "inspect_", 8)))
			continue;
		if (opt_json) {
			out_u64(counter_names[i], c.v[i]);
		} else {
			printf("%s %llu\n", counter_names[i], (unsigned long long)c.v[i]);
		}
	}
	if (opt_json)
		out_obj_end();
	return EXIT_OK;
}

static int cmd_config(int argc, char **argv)
{
	char buf[TLSI_NL_MSGBUF], err[TLSI_ERR_MAX];
	uint32_t timeout = 0, depth = 0, body_depth = 0, trace_bytes = 0, trace_buffer = 0;
	uint8_t trace = TLSI_IPS_TRACE_OFF;
	unsigned long seen = 0;
	struct nlmsghdr *nlh;
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	bool quarantine = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i];

		if ((!strcmp(k, "set") || !strcmp(k, "show")) && i == 1)
			continue;
		if (!strcmp(k, "quarantine")) {
			const char *val = kw_value(argc, argv, &i);

			kw_once(&seen, 1, k);
			if (strcmp(val, "on") && strcmp(val, "off"))
				usage_error("quarantine `%s': expected on or off", val);
			quarantine = !strcmp(val, "on");
		} else if (!strcmp(k, "timeout")) {
			kw_once(&seen, 2, k);
			check(parse_duration("timeout", kw_value(argc, argv, &i), 0,
					     TLSI_TIMEOUT_MAX, &timeout, err, sizeof(err)), err);
		} else if (!strcmp(k, "depth")) {
			kw_once(&seen, 4, k);
			check(parse_u32("depth", kw_value(argc, argv, &i), 0, UINT32_MAX, &depth,
					err, sizeof(err)), err);
		} else if (!strcmp(k, "body-depth")) {
			kw_once(&seen, 8, k);
			check(parse_u32("body-depth", kw_value(argc, argv, &i), 0, UINT32_MAX,
					&body_depth, err, sizeof(err)), err);
		} else if (!strcmp(k, "trace")) {
			const char *val = kw_value(argc, argv, &i);

			kw_once(&seen, 16, k);
			if (strcmp(val, "off") && strcmp(val, "alerts"))
				usage_error("trace `%s': expected off or alerts", val);
			trace = !strcmp(val, "alerts") ? TLSI_IPS_TRACE_ALERTS : TLSI_IPS_TRACE_OFF;
		} else if (!strcmp(k, "trace-bytes")) {
			kw_once(&seen, 32, k);
			check(parse_trace_size("trace-bytes", kw_value(argc, argv, &i), 1,
					       TLSI_TRACE_BUFFER_MAX, &trace_bytes, err,
					       sizeof(err)), err);
		} else if (!strcmp(k, "trace-buffer")) {
			kw_once(&seen, 64, k);
			check(parse_trace_size("trace-buffer", kw_value(argc, argv, &i),
					       TLSI_TRACE_BUFFER_MIN, TLSI_TRACE_BUFFER_MAX,
					       &trace_buffer, err, sizeof(err)), err);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (argc > 1 && !strcmp(argv[1], "show") && seen)
		usage_error("show takes no settings");
	if (argc > 1 && !strcmp(argv[1], "set") && !seen)
		usage_error("nothing to set");
	ctl_open(&nl);
	if (!seen) {
		rc = get_cfg(&nl, &cfg);
		tlsi_nl_close(&nl);
		if (rc)
			return rc;
		out_obj_begin();
		print_cfg(&cfg);
		out_obj_end();
		return EXIT_OK;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_IPS_SET, 0);
	if (seen & 1)
		mnl_attr_put_u8(nlh, TLSI_A_IPS_QUARANTINE, quarantine);
	if (seen & 2)
		mnl_attr_put_u32(nlh, TLSI_A_TIMEOUT, timeout);
	if (seen & 4)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_DEPTH, depth);
	if (seen & 8)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_BODY_DEPTH, body_depth);
	if (seen & 16)
		mnl_attr_put_u8(nlh, TLSI_A_IPS_TRACE, trace);
	if (seen & 32)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_TRACE_BYTES, trace_bytes);
	if (seen & 64)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_TRACE_BUFFER, trace_buffer);
	rc = ctl_request(&nl, nlh, NULL, NULL);
	tlsi_nl_close(&nl);
	return rc;
}

/* tlsictl save: the IPS settings as `rules config'. */
int rules_config_save(void)
{
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	int rc;

	ctl_open(&nl);
	rc = get_cfg(&nl, &cfg);
	tlsi_nl_close(&nl);
	if (rc || !cfg.have)
		return rc;
	out_save_begin("rules config");
	out_obj_begin();
	print_cfg(&cfg);
	out_obj_end();
	out_save_end();
	return rc;
}

static int cmd_flush(int argc, char **argv)
{
	const char *path = ri_path();
	char err[512];
	int rc;

	if (argc > 1)
		usage_error("unexpected `%s'", argv[1]);
	rc = ctl_simple(TLSI_CMD_RULES_FLUSH, NULL, NULL);
	if (!rc && path && ri_unpublish(path, err, sizeof(err)))
		errmsg("warning: the rules are flushed, but tlsid's copy stays: %s", err);
	return rc;
}

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
	if (get_summary(nl, &after) || !after.loaded || after.size != nlen ||
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

static int cmd_var(int argc, char **argv)
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
	if (ri_path() && get_summary(&nl, &before))
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

int rules_main(int argc, char **argv)
{
	static const struct command cmds[] = {
		{ "check", cmd_check, NULL },
		{ "compile", cmd_compile, NULL },
		{ "show", cmd_show, NULL },
		{ "list", cmd_show, NULL },
		{ "test", cmd_test, NULL },
		{ "load", cmd_load, NULL },
		{ "stats", cmd_stats, NULL },
		{ "var", cmd_var, NULL },
		{ "config", cmd_config, NULL },
		{ "flush", cmd_flush, NULL },
		{ "update", rules_update_main, NULL },
		{ NULL, NULL, NULL }
	};

	if (argc < 2) {
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	return dispatch(argc, argv, cmds, help);
}
