// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules update: fetch rule sets, select and modify rules as
 * suricata-update does, compile, load; the rules loaded before stay on any
 * failure.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tlsictl.h"
#include "rules_conf.h"
#include "rules_parse.h"

/*
 * The Suricata version whose rule language the engine's parser follows:
 * ET Open publishes one rule set per Suricata version.
 */
#define TLSI_SURICATA_VERSION	"7.0.3"
#define ET_OPEN_URL		"https://rules.emergingthreats.net/open/suricata-%s/emerging.rules.tar.gz"

#define DEFAULT_CACHE		"/var/cache/tlsi/rules"
#define DEFAULT_OUTPUT		"/var/lib/tlsi/rules"
#define DEFAULT_CONF_DIR	"/etc/tlsi"
#define MAX_URLS		16
#define MAX_PASS		64

static const char help[] =
"Usage: tlsictl rules update [--url URL]... [--suricata-version V]\n"
"                            [--cache DIR] [--output DIR] [--conf-dir DIR]\n"
"                            [--no-checksum] [--offline] [--no-load] [-v]\n"
"                            [--pcre=MODE] [--var NAME=VALUE]...\n"
"\n"
"Fetch rule sets, select rules as suricata-update does, compile them and\n"
"load them into tlsi.ko. On any failure nothing changes: the rules loaded\n"
"before stay loaded and the output file stays as it was.\n"
"\n"
"  --url URL          a rule set: a .tar.gz (or .tar, .tgz) of .rules files,\n"
"                     or one .rules file; repeatable (default: ET Open for\n"
"                     Suricata " TLSI_SURICATA_VERSION ",\n"
"                     " "https://rules.emergingthreats.net/open/suricata-VERSION/\n"
"                     emerging.rules.tar.gz)\n"
"  --suricata-version V   the VERSION in ET Open's URL\n"
"  --cache DIR        downloads, kept for the next run (" DEFAULT_CACHE ")\n"
"  --output DIR       where tlsi.rules and classification.config are written\n"
"                     (" DEFAULT_OUTPUT ")\n"
"  --conf-dir DIR     where enable.conf, disable.conf, drop.conf and\n"
"                     modify.conf are read, if present (" DEFAULT_CONF_DIR ")\n"
"  --no-checksum      do not require URL.md5 (the published MD5 of the\n"
"                     file); without this option a source without one, or\n"
"                     whose file does not match it, fails the update\n"
"  --offline          use the cached files only\n"
"  --no-load          compile (the same checks) but do not load\n"
"  --pcre=MODE, --var NAME=VALUE   passed to `rules load'\n"
"  -v                 list skipped rules on standard error\n"
"\n"
"Selection (suricata-update's formats; each line one matcher: SID,\n"
"GID:SID, group:FILE-PATTERN, re:REGEX; # comments):\n"
"  disable.conf       rules to comment out\n"
"  enable.conf        rules to enable (wins over disable.conf)\n"
"  modify.conf        MATCHER \"FROM\" \"TO\": replace the regular expression\n"
"                     FROM in the rule text by TO (\\1..\\9: its groups)\n"
"  drop.conf          enabled alert rules to turn into drop rules\n"
"\n"
"A rule with a syntax error fails the update (as `suricata -T' would);\n"
"rules that tlsi does not support are skipped as by `rules load'.\n"
"\n"
"Examples:\n"
"  tlsictl rules update\n"
"  tlsictl rules update --url https://example.org/local.tar.gz --no-checksum\n";

struct update_opts {
	const char *urls[MAX_URLS];
	int nurls;
	const char *version, *cache, *output, *conf_dir;
	bool no_checksum, offline, no_load, verbose;
	char *pass[MAX_PASS];		/* options for `rules load' */
	int npass;
};

/* ---- running programs ------------------------------------------------ */

/* Run argv; its exit status, or -1 if it could not run or was killed. */
static int run(char *const argv[], bool quiet)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, STDOUT_FILENO);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* curl URL into path; 0, or curl's status (22: HTTP error). */
static int download(const char *url, const char *path, const char *max_size)
{
	char *argv[] = {
		"curl", "--fail", "--silent", "--show-error", "--location",
		"--proto", "=http,https", "--proto-redir", "=http,https",
		"--connect-timeout", "30", "--max-time", "900",
		"--max-filesize", (char *)max_size, "--output", (char *)path,
		"--", (char *)url, NULL
	};

	return run(argv, false);
}

/* ---- checksums and the cache ----------------------------------------- */

static int md5_file(const char *path, char hex[33])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = -1;

	if (!ctx || !f)
		goto out;
	if (!EVP_DigestInit_ex(ctx, EVP_md5(), NULL))
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (!EVP_DigestUpdate(ctx, buf, n))
			goto out;
	if (ferror(f) || !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 16)
		goto out;
	for (i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	rc = 0;
out:
	if (f)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* The MD5 in a .md5 file ("HEX" or "HEX  NAME"), lower case; -1 if none. */
static int read_md5(const char *path, char hex[33])
{
	char buf[256];
	size_t n, i;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (i = 0; i < 32; i++) {
		char c = buf[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		hex[i] = c;
	}
	hex[32] = '\0';
	return buf[32] && buf[32] != ' ' && buf[32] != '\t' && buf[32] != '\n' &&
	       buf[32] != '\r' ? -1 : 0;
}

/* The cache file of a URL: DIR/<hash of the URL>-<its last path part>. */
static void cache_path(const struct update_opts *o, const char *url, char *path,
		       size_t len)
{
	const char *base = strrchr(url, '/');
	uint64_t h = 1469598103934665603ULL;
	const char *p;
	char name[64];
	size_t i = 0;

	for (p = url; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (p = base ? base + 1 : url; *p && *p != '?' && i < sizeof(name) - 1; p++)
		name[i++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
			     *p == '_') ? *p : '_';
	name[i] = '\0';
	snprintf(path, len, "%s/%016llx-%s", o->cache, (unsigned long long)h,
		 i ? name : "rules");
}

/*
 * The source's file in the cache, fetched unless the cached copy matches
 * the published checksum. 0, or EXIT_ERROR with the reason said.
 */
static int fetch(const struct update_opts *o, const char *url, char *path,
		 size_t len)
{
	char md5url[4200], md5path[4300], tmp[4300], want[33], got[33];
	bool have_md5 = false, cached;
	int rc;

	cache_path(o, url, path, len);
	cached = !access(path, R_OK);
	if (o->offline) {
		if (!cached) {
			errmsg("%s: not in the cache (%s) and --offline", url, path);
			return EXIT_ERROR;
		}
		printf("%s: cached (offline)\n", url);
		return EXIT_OK;
	}
	snprintf(md5url, sizeof(md5url), "%s.md5", url);
	snprintf(md5path, sizeof(md5path), "%s.md5.tmp", path);
	rc = download(md5url, md5path, "4096");
	if (!rc && !read_md5(md5path, want))
		have_md5 = true;
	unlink(md5path);
	if (!have_md5 && !o->no_checksum) {
		errmsg("%s: no published checksum (%s %s); --no-checksum accepts "
		       "the file without one", url, md5url,
		       rc ? "could not be fetched" : "holds no MD5");
		return EXIT_ERROR;
	}
	if (have_md5 && cached && !md5_file(path, got) && !strcmp(got, want)) {
		printf("%s: unchanged (md5 %s), using the cached copy\n", url, got);
		return EXIT_OK;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rc = download(url, tmp, "1073741824");
	if (rc) {
		unlink(tmp);
		errmsg("%s: download failed (curl exit status %d)", url, rc);
		return EXIT_ERROR;
	}
	if (md5_file(tmp, got)) {
		unlink(tmp);
		errmsg("%s: cannot read the download", url);
		return EXIT_ERROR;
	}
	if (have_md5 && strcmp(got, want)) {
		unlink(tmp);
		errmsg("%s: checksum mismatch: the file's MD5 is %s, the published "
		       "one %s", url, got, want);
		return EXIT_ERROR;
	}
	if (rename(tmp, path)) {
		errmsg("%s: %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_ERROR;
	}
	printf("%s: downloaded (md5 %s%s)\n", url, got, have_md5 ? ", matches" :
	       ", not checked");
	return EXIT_OK;
}

/* ---- unpacking ------------------------------------------------------- */

static struct {
	char **paths;
	size_t n;
	char classification[4096];
} found;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t len = strlen(base);

	if (type != FTW_F || !S_ISREG(sb->st_mode))
		return 0;	/* symbolic links and others: not read */
	if (len > 6 && !strcmp(base + len - 6, ".rules")) {
		char **nv = realloc(found.paths, (found.n + 1) * sizeof(*nv));

		if (!nv || !(nv[found.n] = strdup(path)))
			return -1;
		found.paths = nv;
		found.n++;
	} else if (!strcmp(base, "classification.config") && !found.classification[0]) {
		snprintf(found.classification, sizeof(found.classification), "%s", path);
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	const char *q = strchr(s, '?');

	if (q)
		a = (size_t)(q - s);
	return a >= b && !strncmp(s + a - b, suffix, b);
}

/* Unpack a tarball into dir (tar refuses members outside it). */
static int unpack(const char *url, const char *file, const char *dir)
{
	char *argv[] = { "tar", "--extract", "--file", (char *)file, "--directory",
			 (char *)dir, "--no-same-owner", "--no-same-permissions",
			 "--delay-directory-restore", NULL };
	int rc = run(argv, false);

	if (rc) {
		errmsg("%s: cannot unpack %s (tar exit status %d): truncated or "
		       "not a tarball?", url, file, rc);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int cmp_base(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
	int c = strcmp(bx ? bx + 1 : x, by ? by + 1 : y);

	return c ? c : strcmp(x, y);
}

/* ---- the steps ------------------------------------------------------- */

static void parse_update_opts(int argc, char **argv, struct update_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->version = TLSI_SURICATA_VERSION;
	o->cache = DEFAULT_CACHE;
	o->output = DEFAULT_OUTPUT;
	o->conf_dir = DEFAULT_CONF_DIR;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--url")) {
			const char *u = kw_value(argc, argv, &i);

			if (o->nurls == MAX_URLS)
				usage_error("more than %d --url", MAX_URLS);
			if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
				usage_error("--url `%s': must be http:// or https://", u);
			o->urls[o->nurls++] = u;
		} else if (!strcmp(a, "--suricata-version")) {
			const char *v = kw_value(argc, argv, &i);

			if (!*v || strspn(v, "0123456789.") != strlen(v) || strlen(v) > 16)
				usage_error("--suricata-version `%s': expected a version "
					    "such as 7.0.3", v);
			o->version = v;
		} else if (!strcmp(a, "--cache")) {
			o->cache = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "--output")) {
			o->output = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "--conf-dir")) {
			o->conf_dir = kw_value(argc, argv, &i);
		} else if (!strcmp(a, "--no-checksum")) {
			o->no_checksum = true;
		} else if (!strcmp(a, "--offline")) {
			o->offline = true;
		} else if (!strcmp(a, "--no-load")) {
			o->no_load = true;
		} else if (!strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strncmp(a, "--pcre=", 7) || !strcmp(a, "--var")) {
			if (o->npass + 2 > MAX_PASS)
				usage_error("too many options");
			o->pass[o->npass++] = argv[i];
			if (!strcmp(a, "--var"))
				o->pass[o->npass++] = (char *)kw_value(argc, argv, &i);
		} else {
			usage_error("unknown argument `%s'", a);
		}
	}
}

static int make_dir(const char *dir)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST) {
		errmsg("cannot create %s: %s", dir, strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int load_selection(const struct update_opts *o, struct ru_conf c[4])
{
	static const char *const names[4] = {
		"enable.conf", "disable.conf", "drop.conf", "modify.conf"
	};
	char path[4200], err[4400];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->conf_dir, names[i]);
		if (ru_conf_load(&c[i], path, i == 3, true, err, sizeof(err))) {
			errmsg("%s", err);
			while (i-- > 0)
				ru_conf_free(&c[i]);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static size_t syntax_errors;
/* The merged file's lines: header_lines, then one per rule of written_set. */
static const struct ru_set *written_set;
static unsigned int header_lines;

static void on_skip(void *arg, const char *file, unsigned int line,
		    const char *reason, const char *detail)
{
	const struct update_opts *o = arg;

	if (strstr(reason, "syntax error")) {
		const struct ru_rule *r = NULL;

		if (written_set && line > header_lines &&
		    line - header_lines <= written_set->n)
			r = &written_set->v[line - header_lines - 1];
		if (syntax_errors++ >= 10)
			return;
		if (r)
			errmsg("%s: sid %u: %s (%s)", r->group, r->sid, reason, detail);
		else
			errmsg("%s:%u: %s (%s)", file, line, reason, detail);
	} else if (o->verbose) {
		fprintf(stderr, "%s:%u: skipped: %s (%s)\n", file, line, reason, detail);
	}
}

/* The rules as `suricata -T' would test them: syntax errors fail. */
static int test_rules(const struct update_opts *o, const char *rules)
{
	struct rp_set set;
	char err[512];
	int rc = EXIT_OK;

	rp_set_init(&set);
	set.on_skip = on_skip;
	set.arg = (void *)o;
	syntax_errors = 0;
	if (rp_parse_file(&set, rules, err, sizeof(err))) {
		errmsg("%s", err);
		rc = EXIT_ERROR;
	} else if (syntax_errors) {
		errmsg("%zu rules with syntax errors (the first are above): the "
		       "update is not loaded", syntax_errors);
		rc = EXIT_ERROR;
	}
	rp_set_free(&set);
	return rc;
}

static int write_rules(const char *path, const struct ru_set *s,
		       const struct update_opts *o, const char *const *urls, int nurls)
{
	FILE *f = fopen(path, "w");
	time_t now = time(NULL);
	char when[64];
	int i;

	if (!f) {
		errmsg("%s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	written_set = s;
	header_lines = 2 + (unsigned int)nurls;
	fprintf(f, "# written by tlsictl rules update at %s from:\n", when);
	for (i = 0; i < nurls; i++)
		fprintf(f, "#   %s\n", urls[i]);
	fprintf(f, "# selection: %s/{enable,disable,drop,modify}.conf\n", o->conf_dir);
	if (ru_set_write(s, f) || fflush(f) || fsync(fileno(f)) || fclose(f)) {
		errmsg("%s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	size_t n;
	int rc = EXIT_OK;

	if (!in || !out)
		rc = EXIT_ERROR;
	while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = EXIT_ERROR;
	if (in && ferror(in))
		rc = EXIT_ERROR;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = EXIT_ERROR;
	if (rc)
		errmsg("cannot copy %s to %s: %s", from, to, strerror(errno));
	return rc;
}

/* `tlsictl rules load|check [options] --classification C RULES' */
static int compile_and_load(const struct update_opts *o, const char *rules,
			    const char *classification)
{
	char *argv[MAX_PASS + 13];
	int n = 0, i, rc;

	argv[n++] = "/proc/self/exe";
	if (opt_json)
		argv[n++] = "-j";
	argv[n++] = "rules";
	argv[n++] = o->no_load ? "check" : "load";
	if (!o->no_load)
		argv[n++] = "--if-changed";	/* the same rules: not reloaded */
	for (i = 0; i < o->npass; i++)
		argv[n++] = o->pass[i];
	if (o->verbose)
		argv[n++] = "-v";
	if (classification) {
		argv[n++] = "--classification";
		argv[n++] = (char *)classification;
	}
	argv[n++] = (char *)rules;
	argv[n] = NULL;
	rc = run(argv, false);
	return rc ? EXIT_ERROR : EXIT_OK;
}

/* Fetch and unpack every source into tmpdir; their files into `found'. */
static int gather(const struct update_opts *o, const char *tmpdir)
{
	char path[4200], dir[4300];
	int u, rc;

	for (u = 0; u < o->nurls; u++) {
		rc = fetch(o, o->urls[u], path, sizeof(path));
		if (rc)
			return rc;
		if (has_suffix(o->urls[u], ".rules")) {
			char **nv = realloc(found.paths, (found.n + 1) * sizeof(*nv));

			if (!nv || !(nv[found.n] = strdup(path))) {
				errmsg("out of memory");
				return EXIT_ERROR;
			}
			found.paths = nv;
			found.n++;
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/%d", tmpdir, u);
		if (mkdir(dir, 0700)) {
			errmsg("%s: %s", dir, strerror(errno));
			return EXIT_ERROR;
		}
		rc = unpack(o->urls[u], path, dir);
		if (rc) {
			unlink(path);	/* not kept: the next run downloads again */
			return rc;
		}
		if (nftw(dir, collect, 16, FTW_PHYS)) {
			errmsg("%s: cannot read the unpacked files", o->urls[u]);
			return EXIT_ERROR;
		}
	}
	if (!found.n) {
		errmsg("no .rules files in %s", o->nurls > 1 ? "the sources" : o->urls[0]);
		return EXIT_ERROR;
	}
	qsort(found.paths, found.n, sizeof(*found.paths), cmp_base);
	return EXIT_OK;
}

/* The found files' rules, selected by sel (enable, disable, drop, modify). */
static int select_rules(struct ru_set *set, const struct ru_conf sel[4])
{
	struct ru_counts counts;
	char err[4400];
	size_t i;

	for (i = 0; i < found.n; i++) {
		if (ru_set_add_file(set, found.paths[i], err, sizeof(err))) {
			errmsg("%s", err);
			return EXIT_ERROR;
		}
	}
	if (ru_apply(set, &sel[0], &sel[1], &sel[2], &sel[3], &counts, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_ERROR;
	}
	printf("%zu rules from %zu files: %zu enabled, %zu disabled, %zu modified, "
	       "%zu made drop rules%s\n", set->n, found.n, counts.enabled,
	       counts.disabled, counts.modified, counts.dropped,
	       set->duplicates ? " (older revisions of duplicates left out)" : "");
	return EXIT_OK;
}

/* Write the .new files, test, load; only then rename them over the old. */
static int install(const struct update_opts *o, const struct ru_set *set)
{
	char rules_new[4200], rules_out[4200], class_new[4200], class_out[4200];
	bool have_class = false;
	int rc;

	snprintf(rules_new, sizeof(rules_new), "%s/tlsi.rules.new", o->output);
	snprintf(rules_out, sizeof(rules_out), "%s/tlsi.rules", o->output);
	snprintf(class_new, sizeof(class_new), "%s/classification.config.new", o->output);
	snprintf(class_out, sizeof(class_out), "%s/classification.config", o->output);
	rc = write_rules(rules_new, set, o, o->urls, o->nurls);
	if (!rc && found.classification[0]) {
		rc = copy_file(found.classification, class_new);
		have_class = !rc;
	}
	if (!rc)
		rc = test_rules(o, rules_new);
	if (!rc)
		rc = compile_and_load(o, rules_new, have_class ? class_new : NULL);
	if (rc) {
		unlink(rules_new);
		unlink(class_new);
		errmsg("update failed: %s; %s unchanged", o->no_load ? "nothing written" :
		       "the rules loaded before stay loaded", rules_out);
		return rc;
	}
	if ((have_class && rename(class_new, class_out)) || rename(rules_new, rules_out)) {
		errmsg("%s: %s", rules_out, strerror(errno));
		return EXIT_ERROR;
	}
	printf("written to %s%s\n", rules_out, o->no_load ? " (not loaded)" : "");
	return EXIT_OK;
}

int rules_update_main(int argc, char **argv)
{
	char et_url[256], tmpdir[4200];
	struct update_opts o;
	struct ru_conf sel[4];
	struct ru_set set = { 0 };
	size_t i;
	int rc;

	if (argc > 1 && is_help(argv[1])) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	parse_update_opts(argc, argv, &o);
	if (!o.nurls) {
		snprintf(et_url, sizeof(et_url), ET_OPEN_URL, o.version);
		o.urls[o.nurls++] = et_url;
	}
	rc = load_selection(&o, sel);
	if (rc)
		return rc;
	if (make_dir(o.cache) || make_dir(o.output)) {
		rc = EXIT_ERROR;
		goto out_sel;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/unpack.XXXXXX", o.cache);
	if (!mkdtemp(tmpdir)) {
		errmsg("%s: %s", tmpdir, strerror(errno));
		rc = EXIT_ERROR;
		goto out_sel;
	}
	memset(&found, 0, sizeof(found));
	rc = gather(&o, tmpdir);
	if (!rc)
		rc = select_rules(&set, sel);
	if (!rc)
		rc = install(&o, &set);
	written_set = NULL;
	remove_tree(tmpdir);
	for (i = 0; i < found.n; i++)
		free(found.paths[i]);
	free(found.paths);
	memset(&found, 0, sizeof(found));
	ru_set_free(&set);
out_sel:
	for (i = 0; i < 4; i++)
		ru_conf_free(&sel[i]);
	return rc;
}
