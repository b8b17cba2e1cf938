// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl log show: the guide's log views, read from the files tlslogd
 * writes (Documentation/logging.md). No netlink: a reader of the files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eve.h"
/* json-c's type json_bool: tlsi's JSON writer (not used here) gives up the
 * name in this file. */
#define json_bool tlsi_json_writer_bool
#include "tlsictl.h"
#undef json_bool
#include <json-c/json.h>
#include <zlib.h>

#define LOG_DIR_DEFAULT	"/var/log/tlsi"
#define LOG_DIR_ENV	"TLSI_LOG_DIR"

static const char help[] =
"Usage: tlsictl [-j] log show block|alert|quarantine|ssl|system\n"
"                        [--since TIME] [--follow] [--dir DIR]\n"
"\n"
"Print a log that tlslogd writes (DIR/<log>.json, Suricata EVE JSON; DIR\n"
"is $" LOG_DIR_ENV " or " LOG_DIR_DEFAULT "):\n"
"  block       blocked flows: TM filters, reputation, IPS drop rules\n"
"  alert       alerts that let the flow pass: reputation, IPS alert rules\n"
"  quarantine  hosts quarantined, expired, and flows blocked by quarantine\n"
"  ssl         SSL inspection: decrypted, not decrypted, blocked, with why\n"
"  system      limits reached, certificates near expiry, errors\n"
"\n"
"  --since TIME  records from TIME on: 30s, 10m, 2h, 1d ago, or UTC\n"
"                2026-12-07T05:00:00 (or a prefix: 2026-12-07); also\n"
"                from the files logrotate kept (<log>.json.1, .2.gz...)\n"
"                that were written to after TIME. Without it: the\n"
"                current file, since the last rotation\n"
"  --follow      keep printing records as they are written (follows\n"
"                rotation) until interrupted\n"
"  -j            the EVE records as they are, one per line\n"
"\n"
"The block and alert views have an SSL column: whether the traffic was\n"
"SSL-inspected (decrypted) when it was decided.\n"
"\n"
"Example:\n"
"  tlsictl log show alert --since 1h\n";

struct log_view {
	enum eve_log log;
	double since;		/* epoch seconds; 0: everything */
	bool header_done;
};

/* "2026-12-07T05:21:18.123456+0000" in epoch seconds; -1 if unreadable. */
static double eve_time_parse(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	double t;

	if (!s)
		return -1;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	t = (double)timegm(&tm);
	if (rest[0] == '.')
		t += strtod(rest, NULL);
	return t;
}

/* --since: "30s" "10m" "2h" "1d" ago, or an ISO time (UTC) or its prefix. */
static int parse_since(const char *s, double *out)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
	};
	struct tm tm = { 0 };
	unsigned long n;
	char *end;
	size_t i;

	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		n = strtoul(s, &end, 10);
		if (!errno && end != s && end[0] && !end[1] && n <= 100000000UL) {
			unsigned long mul = end[0] == 's' ? 1 : end[0] == 'm' ? 60 :
					    end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 0;

			if (mul) {
				*out = (double)time(NULL) - (double)(n * mul);
				return 0;
			}
		}
	}
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, fmts[i], &tm);
		if (end && (!end[0] || !strcmp(end, "Z"))) {
			*out = (double)timegm(&tm);
			return 0;
		}
	}
	return -1;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string member by path ("alert.action"), or NULL. */
static const char *jget(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		if ((size_t)(dot - path) >= sizeof(key))
			return NULL;
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		o = member(o, key);
		path = dot + 1;
	}
	o = member(o, path);
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static bool is_int(struct json_object *o)
{
	return o && json_object_is_type(o, json_type_int);
}

static void endpoint(char *buf, size_t len, struct json_object *o, const char *ip,
		     const char *port)
{
	struct json_object *p = member(o, port);
	const char *a = jget(o, ip);

	if (!a)
		snprintf(buf, len, "-");
	else if (is_int(p))
		snprintf(buf, len, "%s:%lld", a, (long long)json_object_get_int64(p));
	else
		snprintf(buf, len, "%s", a);
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

static void header(struct log_view *v)
{
	static const char *const h[__EVE_LOG_MAX] = {
		[EVE_LOG_BLOCK] = "TIME                ACTION   SSL  SOURCE                 DESTINATION            PROTO  WHAT",
		[EVE_LOG_ALERT] = "TIME                ACTION   SSL  SOURCE                 DESTINATION            PROTO  WHAT",
		[EVE_LOG_QUARANTINE] = "TIME                EVENT    HOST             DESTINATION            TIMEOUT  REASON",
		[EVE_LOG_SSL] = "TIME                RESULT         CLIENT                 SERVER                 SNI  REASON",
		[EVE_LOG_SYSTEM] = "TIME                SEVERITY SOURCE   MESSAGE",
	};

	if (v->header_done)
		return;
	v->header_done = true;
	printf("%s\n", h[v->log]);
}

static void print_human(struct log_view *v, struct json_object *o)
{
	char ts[20], src[48], dst[48], what[600];
	const char *t = jget(o, "timestamp");
	struct json_object *x;

	/* "2026-12-07T05:21:18" */
	snprintf(ts, sizeof(ts), "%.19s", t ? t : "-");
	endpoint(src, sizeof(src), o, "src_ip", "src_port");
	endpoint(dst, sizeof(dst), o, "dest_ip", "dest_port");
	header(v);
	switch (v->log) {
	case EVE_LOG_BLOCK:
	case EVE_LOG_ALERT:
		x = member(o, "alert");
		if (is_int(member(x, "signature_id")))
			snprintf(what, sizeof(what), "[%lld:%lld] %s",
				 (long long)json_object_get_int64(member(x, "gid")),
				 (long long)json_object_get_int64(member(x, "signature_id")),
				 or_dash(jget(x, "signature")));
		else
			snprintf(what, sizeof(what), "%s", or_dash(jget(x, "signature")));
		x = member(o, "ssl_inspected");
		printf("%-19s %-8s %-4s %-22s %-22s %-6s %s\n", ts, or_dash(jget(o, "alert.action")),
		       x && json_object_is_type(x, json_type_boolean) && json_object_get_boolean(x) ?
		       "yes" : "no", src, dst, or_dash(jget(o, "proto")), what);
		break;
	case EVE_LOG_QUARANTINE:
		x = member(member(o, "tlsi_quarantine"), "timeout");
		snprintf(what, sizeof(what), "%lld", is_int(x) ?
			 (long long)json_object_get_int64(x) : 0LL);
		printf("%-19s %-8s %-16s %-22s %-8s %s\n", ts,
		       or_dash(jget(o, "tlsi_quarantine.event")), or_dash(jget(o, "src_ip")),
		       jget(o, "tlsi_quarantine.event") &&
		       !strcmp(jget(o, "tlsi_quarantine.event"), "hit") ? dst : "-",
		       is_int(x) ? what : "-", or_dash(jget(o, "tlsi_quarantine.reason")));
		break;
	case EVE_LOG_SSL:
		printf("%-19s %-14s %-22s %-22s %s  %s\n", ts, or_dash(jget(o, "tlsi_ssl.result")),
		       src, dst, or_dash(jget(o, "tls.sni")), or_dash(jget(o, "tlsi_ssl.reason")));
		break;
	case EVE_LOG_SYSTEM:
		printf("%-19s %-8s %-8s %s\n", ts, or_dash(jget(o, "tlsi_system.severity")),
		       or_dash(jget(o, "tlsi_system.source")), or_dash(jget(o, "tlsi_system.message")));
		break;
	default:
		break;
	}
}

/* One line of the file (without its newline). */
static void show_line(struct log_view *v, const char *line, size_t len)
{
	enum json_tokener_error err = json_tokener_success;
	struct json_object *o;
	char *text;

	if (!len)
		return;
	text = strndup(line, len);
	o = text ? json_tokener_parse_verbose(text, &err) : NULL;
	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		errmsg("skipping a line that is no JSON object: %s",
		       o ? "not an object" : json_tokener_error_desc(err));
		json_object_put(o);
		return;
	}
	if (v->since > 0 && eve_time_parse(jget(o, "timestamp")) < v->since) {
		json_object_put(o);
		return;
	}
	if (opt_json)
		printf("%.*s\n", (int)len, line);
	else
		print_human(v, o);
	json_object_put(o);
}

/* Every whole line from f's position; a partial last line is left for
 * later (--follow) by seeking back to its start. */
static void show_lines(struct log_view *v, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long pos;

	for (;;) {
		pos = ftell(f);
		n = getline(&line, &cap, f);
		if (n <= 0)
			break;
		if (line[n - 1] != '\n') {
			fseek(f, pos, SEEK_SET);
			break;
		}
		show_line(v, line, (size_t)n - 1);
	}
	clearerr(f);
	free(line);
	fflush(stdout);
}

/* line's capacity at least need; false when there is no memory. */
static bool line_grow(char **line, size_t *cap, size_t need)
{
	char *p;

	if (need <= *cap)
		return true;
	p = realloc(*line, need * 2);
	if (!p)
		return false;
	*line = p;
	*cap = need * 2;
	return true;
}

/* A rotated file, plain or gzip (logrotate's delaycompress), whole. */
static void show_rotated(struct log_view *v, const char *path)
{
	char buf[65536], *line = NULL;
	size_t len = 0, cap = 0, i, start;
	gzFile gz = gzopen(path, "rb");
	int n;

	if (!gz) {
		errmsg("%s: %s", path, strerror(errno));
		return;
	}
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		for (i = 0, start = 0; i < (size_t)n; i++) {
			if (buf[i] != '\n')
				continue;
			if (len) {
				if (!line_grow(&line, &cap, len + (i - start)))
					goto oom;
				memcpy(line + len, buf + start, i - start);
				show_line(v, line, len + (i - start));
				len = 0;
			} else {
				show_line(v, buf + start, i - start);
			}
			start = i + 1;
		}
		if (start < (size_t)n) {
			if (!line_grow(&line, &cap, len + (n - start)))
				goto oom;
			memcpy(line + len, buf + start, n - start);
			len += n - start;
		}
	}
	if (n < 0)
		errmsg("%s: unreadable (%s)", path, gzerror(gz, &n));
	goto out;
oom:
	errmsg("%s: no memory for a line of %zu bytes: the rest of the file skipped", path, len);
out:
	gzclose(gz);
	free(line);
}

#define LOG_ROTATED_MAX	100

/* With --since: the rotated files of path written to after it, oldest
 * first (<path>.N[.gz] ... <path>.1). */
static void show_rotations(struct log_view *v, const char *path)
{
	char rp[4300];
	struct stat st;
	int n, last = 0;

	for (n = 1; n <= LOG_ROTATED_MAX; n++) {
		snprintf(rp, sizeof(rp), "%s.%d", path, n);
		if (stat(rp, &st) == 0)
			last = n;
		snprintf(rp, sizeof(rp), "%s.%d.gz", path, n);
		if (stat(rp, &st) == 0)
			last = n;
		if (last != n)
			break;
	}
	for (n = last; n >= 1; n--) {
		snprintf(rp, sizeof(rp), "%s.%d", path, n);
		if (stat(rp, &st) < 0) {
			snprintf(rp, sizeof(rp), "%s.%d.gz", path, n);
			if (stat(rp, &st) < 0)
				continue;
		}
		if ((double)st.st_mtime < v->since)
			continue;	/* its last record is older */
		show_rotated(v, rp);
	}
}

static int cmd_show(int argc, char **argv)
{
	const char *dir = getenv(LOG_DIR_ENV), *since = NULL;
	struct log_view v = { 0 };
	bool follow = false;
	char path[4200];
	struct stat st, now;
	FILE *f;
	int i, log = -1;

	if (!dir || !dir[0])
		dir = LOG_DIR_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--since") && !since)
			since = kw_value(argc, argv, &i);
		else if (!strcmp(argv[i], "--follow") && !follow)
			follow = true;
		else if (!strcmp(argv[i], "--dir"))
			dir = kw_value(argc, argv, &i);
		else if (log < 0 && argv[i][0] != '-' && (log = eve_log_from_name(argv[i])) >= 0)
			;
		else if (log < 0 && argv[i][0] != '-')
			usage_error("log `%s': block, alert, quarantine, ssl or system", argv[i]);
		else
			usage_error("unexpected argument `%s'", argv[i]);
	}
	if (log < 0)
		usage_error("which log: block, alert, quarantine, ssl or system");
	if (since && parse_since(since, &v.since) < 0)
		usage_error("--since `%s': expected 30s, 10m, 2h, 1d or 2026-12-07T05:00:00", since);
	v.log = log;
	snprintf(path, sizeof(path), "%s/%s.json", dir, eve_log_name(log));
	if (v.since > 0)
		show_rotations(&v, path);
	f = fopen(path, "re");
	if (!f) {
		errmsg("%s: %s (is tlslogd running? --dir or $" LOG_DIR_ENV ")", path,
		       strerror(errno));
		return EXIT_ERROR;
	}
	show_lines(&v, f);
	while (follow) {
		usleep(200000);
		show_lines(&v, f);
		/* Rotated (a new file under the name) or truncated: the rest
		 * of the old one was read above; start the new one. */
		if (fstat(fileno(f), &st) == 0 && stat(path, &now) == 0 &&
		    (st.st_ino != now.st_ino || st.st_dev != now.st_dev ||
		     ftell(f) > now.st_size)) {
			FILE *nf = fopen(path, "re");

			if (nf) {
				show_lines(&v, f);
				fclose(f);
				f = nf;
				show_lines(&v, f);
			}
		}
	}
	fclose(f);
	return EXIT_OK;
}

static const struct command cmds[] = {
	{ "show", cmd_show, "Print a log" },
	{ NULL, NULL, NULL }
};

int log_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
