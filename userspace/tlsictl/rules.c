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
#include "rules.h"

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
"       tlsictl rules update [--url URL]... [OPTIONS]  (tlsictl rules update help)\n"
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
"  update   fetch rule sets (ET Open by default), select rules with\n"
"           enable/disable/drop/modify.conf as suricata-update does,\n"
"           compile and load them; on failure the old rules stay\n"
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
"  --if-changed             load: not if the kernel runs this very image\n"
"                           already (same build id and size, no variable\n"
"                           changed since); `tlsictl -f' loads with it\n"
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
	bool if_changed;		/* load: not if the kernel runs it */
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
		} else if (!strcmp(a, "--if-changed") && mode == OPTS_LOAD) {
			o->if_changed = true;
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

/* --if-changed: does the kernel run exactly this image (no var changes)? */
static bool kernel_runs(const uint8_t *img, size_t len)
{
	const struct tlsi_img_hdr *h = (const void *)img;
	struct summary s = { 0 };
	struct tlsi_nl nl;
	bool same;

	if (len < sizeof(*h))
		return false;
	ctl_open(&nl);
	same = !rules_get_summary(&nl, &s) && s.loaded && s.build_id == h->build_id &&
	       s.size == len && !s.vars_changed;
	tlsi_nl_close(&nl);
	if (same)
		printf("unchanged: tlsi.ko runs this image already (%u rules, build id "
		       "0x%08x)\n", s.rules, s.build_id);
	return same;
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
		rc = EXIT_OK;
		if (o.if_changed && kernel_runs(img, len))
			goto out;
		rc = rules_kernel_load(img, len, &lr);
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
	if (mode == OPTS_LOAD && o.if_changed && kernel_runs(img, len))
		goto out;
	if (mode == OPTS_LOAD) {
		/* Say what was parsed even when the kernel refuses it. */
		rc = rules_kernel_load(img, len, &lr);
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

void rules_str_field(const struct tlsi_eng *e, const struct tlsi_img_str *s,
		      char *buf, size_t len)
{
	uint32_t n;
	const char *p = tlsi_eng_str(e, s, &n);

	snprintf(buf, len, "%.*s", (int)n, p);
}

int rules_show_image(int argc, char **argv)
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
		rules_str_field(&e, &r->msg, msg, sizeof(msg));
		rules_str_field(&e, &r->classtype, cls, sizeof(cls));
		rules_str_field(&e, &r->file, file, sizeof(file));
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

int rules_main(int argc, char **argv)
{
	static const struct command cmds[] = {
		{ "check", cmd_check, NULL },
		{ "compile", cmd_compile, NULL },
		{ "show", rules_cmd_show, NULL },
		{ "list", rules_cmd_show, NULL },
		{ "test", rules_cmd_test, NULL },
		{ "load", cmd_load, NULL },
		{ "stats", rules_cmd_stats, NULL },
		{ "var", rules_cmd_var, NULL },
		{ "config", rules_cmd_config, NULL },
		{ "flush", rules_cmd_flush, NULL },
		{ "update", rules_update_main, NULL },
		{ NULL, NULL, NULL }
	};

	if (argc < 2) {
		fputs(help, stderr);
		return EXIT_USAGE;
	}
	return dispatch(argc, argv, cmds, help);
}
