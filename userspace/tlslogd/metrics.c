// SPDX-License-Identifier: GPL-2.0
/*
 * Once a second: /proc/net/tlsi/stats (every counter of TLSI_COUNTERS and
 * the gauges after them) is read and kept for /metrics; the traffic
 * graph's series advance; counters that mean a limit was reached raise a
 * system event (once a minute at most per counter, with the count since
 * the last one).
 *
 * The graph's series (per second for the last hour, per minute for the
 * last day), from the kernel's counters:
 *   seen           SSL flows the kernel classified as SSL: ssl_diverted +
 *                  ssl_not_decrypted_source + ssl_no_daemon_bypassed +
 *                  ssl_no_daemon_blocked + ssl_sessions_full_bypassed
 *   decrypted      ssl_decrypted (tlsid's reports)
 *   not_decrypted  ssl_not_decrypted + ssl_not_decrypted_source +
 *                  ssl_no_daemon_bypassed + ssl_sessions_full_bypassed
 *   blocked        ssl_blocked + ssl_no_daemon_blocked
 *   bytes          ips_bytes_inspected
 * A point is the increase over its second (minute); the series start when
 * tlslogd starts (counters before that are not attributed to any time).
 * They are saved to DIR/graph.state once a minute and at exit, and loaded
 * at start (the points still in their range), so a restart or a reload of
 * the service keeps the hour and the day; the time tlslogd was down is a
 * gap.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <uapi/linux/tlsi.h>

#include "tlslogd.h"

pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
uint64_t tlslogd_counters[__TLSLOGD_C_MAX];

#define STAT_MAX	256
#define STAT_NAME_MAX	64

struct stat_line {
	char name[STAT_NAME_MAX];
	uint64_t value;
	bool counter;		/* one of TLSI_COUNTERS, else a gauge */
};

static struct stat_line stats[STAT_MAX];	/* under metrics_lock */
static unsigned int nstats;
static bool stats_ok;
static struct json_object *tlsid_stats;			/* under metrics_lock */

#define TLSI_COUNTER_STR(name, str) str,
static const char *const kernel_counters[] = { TLSI_COUNTERS(TLSI_COUNTER_STR) };

enum { S_SEEN, S_DECRYPTED, S_NOT_DECRYPTED, S_BLOCKED, S_BYTES, __S_MAX };
static const char *const series_names[__S_MAX] = {
	"seen", "decrypted", "not_decrypted", "blocked", "bytes",
};
/* Each series: the sum of these counters (NULL-terminated). */
static const char *const series_sum[__S_MAX][6] = {
	[S_SEEN] = { "ssl_diverted", "ssl_not_decrypted_source", "ssl_no_daemon_bypassed",
		     "ssl_no_daemon_blocked", "ssl_sessions_full_bypassed", NULL },
	[S_DECRYPTED] = { "ssl_decrypted", NULL },
	[S_NOT_DECRYPTED] = { "ssl_not_decrypted", "ssl_not_decrypted_source",
			      "ssl_no_daemon_bypassed", "ssl_sessions_full_bypassed", NULL },
	[S_BLOCKED] = { "ssl_blocked", "ssl_no_daemon_blocked", NULL },
	[S_BYTES] = { "ips_bytes_inspected", NULL },
};

#define HOUR_POINTS	3600
#define DAY_POINTS	1440

struct point {
	int64_t t;		/* start of the second (minute), epoch seconds */
	uint64_t v[__S_MAX];
};

struct ring {
	struct point *p;
	unsigned int size, head, n;	/* head: the next slot */
};

static struct point hour_points[HOUR_POINTS], day_points[DAY_POINTS];
static struct ring hour = { hour_points, HOUR_POINTS, 0, 0 };
static struct ring day = { day_points, DAY_POINTS, 0, 0 };
static struct point minute_acc;			/* the minute being summed */
static uint64_t series_last[__S_MAX];
static bool series_started;

/* Counters that mean a limit was reached or something was lost. */
static const struct threshold {
	const char *counter, *what;
} thresholds[] = {
	{ "drop_flow_table_full", "flow table full: new flows dropped" },
	{ "flow_full_bypassed", "flow table full: new flows passed uninspected" },
	{ "ssl_sessions_full_bypassed",
	  "SSL session limit reached: new SSL flows passed without inspection" },
	{ "ssl_fail_daemon_sessions_full", "tlsid's session limit reached" },
	{ "handoff_refused_sessions_full", "kernel relay full: hand-offs refused" },
	{ "ips_flows_uninspected_no_memory", "no memory: flows relayed uninspected" },
	{ "ips_tunnel_sessions_full_passed",
	  "session limit reached: tunnelled TCP passed without inspection" },
	{ "ips_tunnel_no_memory_passed", "no memory: tunnelled TCP passed uninspected" },
	{ "drop_no_memory", "no memory: packets dropped" },
	{ "events_failed", "kernel events not delivered (listener too slow)" },
	{ "ips_quarantine_failed", "IPS quarantine failed (quarantine table full?)" },
};
#define NTHRESH (sizeof(thresholds) / sizeof(thresholds[0]))

static struct {
	uint64_t reported;	/* the counter's value at the last event */
	time_t when;
	bool known;
} thresh_state[NTHRESH];

static bool is_kernel_counter(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kernel_counters) / sizeof(kernel_counters[0]); i++)
		if (!strcmp(name, kernel_counters[i]))
			return true;
	return false;
}

static uint64_t stat_value(const char *name, bool *found)
{
	unsigned int i;

	for (i = 0; i < nstats; i++)
		if (!strcmp(stats[i].name, name)) {
			*found = true;
			return stats[i].value;
		}
	return 0;
}

/* Under metrics_lock. */
static bool read_stats(void)
{
	FILE *f = fopen(tlslogd_cfg.stats_path, "re");
	char name[STAT_NAME_MAX];
	unsigned long long v;
	unsigned int n = 0;

	if (!f)
		return false;
	while (n < STAT_MAX && fscanf(f, "%63s %llu", name, &v) == 2) {
		snprintf(stats[n].name, sizeof(stats[n].name), "%s", name);
		stats[n].value = v;
		stats[n].counter = is_kernel_counter(name);
		n++;
	}
	fclose(f);
	nstats = n;
	return n > 0;
}

static void ring_push(struct ring *r, const struct point *p)
{
	r->p[r->head] = *p;
	r->head = (r->head + 1) % r->size;
	if (r->n < r->size)
		r->n++;
}

/* Under metrics_lock. */
static void series_advance(time_t now)
{
	struct point p = { .t = now - 1 };
	uint64_t cur[__S_MAX] = { 0 };
	bool found = false;
	int s, i;

	for (s = 0; s < __S_MAX; s++)
		for (i = 0; series_sum[s][i]; i++)
			cur[s] += stat_value(series_sum[s][i], &found);
	if (!series_started) {
		memcpy(series_last, cur, sizeof(cur));
		series_started = true;
		if (minute_acc.t != now / 60 * 60) {
			memset(&minute_acc, 0, sizeof(minute_acc));
			minute_acc.t = now / 60 * 60;
		}
		return;
	}
	for (s = 0; s < __S_MAX; s++) {
		/* A reloaded module starts again from zero. */
		p.v[s] = cur[s] >= series_last[s] ? cur[s] - series_last[s] : cur[s];
		series_last[s] = cur[s];
	}
	ring_push(&hour, &p);
	if (p.t / 60 * 60 != minute_acc.t) {
		if (minute_acc.t)
			ring_push(&day, &minute_acc);
		memset(&minute_acc, 0, sizeof(minute_acc));
		minute_acc.t = p.t / 60 * 60;
	}
	for (s = 0; s < __S_MAX; s++)
		minute_acc.v[s] += p.v[s];
}

/* ---- the series across restarts ---------------------------------------- */

#define STATE_NAME	"graph.state"

static void state_path(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/" STATE_NAME "%s", tlslogd_cfg.dir, suffix);
}

static void state_write_ring(FILE *f, const char *tag, const struct ring *r)
{
	unsigned int i, s, start = (r->head + r->size - r->n) % r->size;

	for (i = 0; i < r->n; i++) {
		const struct point *p = &r->p[(start + i) % r->size];

		fprintf(f, "%s %" PRId64, tag, p->t);
		for (s = 0; s < __S_MAX; s++)
			fprintf(f, " %" PRIu64, p->v[s]);
		fputc('\n', f);
	}
}

/*
 * "hour T V..." and "day T V..." lines, oldest first, and "minute T V..."
 * for the minute being summed; written to a temporary file and renamed, so
 * a crash leaves the previous state. Failures are told once.
 */
void metrics_save(void)
{
	static bool told;
	char path[4200], tmp[4200];
	FILE *f;
	int fd, s;

	state_path(path, sizeof(path), "");
	state_path(tmp, sizeof(tmp), ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	fprintf(f, "# tlslogd graph series: tag time %s %s %s %s %s\n", series_names[0],
		series_names[1], series_names[2], series_names[3], series_names[4]);
	pthread_mutex_lock(&metrics_lock);
	state_write_ring(f, "hour", &hour);
	state_write_ring(f, "day", &day);
	if (minute_acc.t) {
		fprintf(f, "minute %" PRId64, minute_acc.t);
		for (s = 0; s < __S_MAX; s++)
			fprintf(f, " %" PRIu64, minute_acc.v[s]);
		fputc('\n', f);
	}
	pthread_mutex_unlock(&metrics_lock);
	if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) < 0)
		goto fail;
	told = false;
	return;
fail:
	if (!told)
		logs_system("tlslogd", "error", "%s: %s: the graph's series will not survive a restart",
			    path, strerror(errno));
	told = true;
}

/* At start, before the first tick: the saved points still in range. */
void metrics_load(void)
{
	char path[4200], line[512], tag[16];
	unsigned int nh = 0, nd = 0, bad = 0, lineno = 0;
	time_t now = time(NULL);
	struct point p;
	FILE *f;

	state_path(path, sizeof(path), "");
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			logs_system("tlslogd", "error", "%s: %s: the graph starts empty", path,
				    strerror(errno));
		return;
	}
	pthread_mutex_lock(&metrics_lock);
	while (fgets(line, sizeof(line), f)) {
		int64_t t;
		unsigned long long v[__S_MAX];
		int n;

		lineno++;
		if (line[0] == '#')
			continue;
		n = sscanf(line, "%15s %" SCNd64 " %llu %llu %llu %llu %llu", tag, &t,
			   &v[0], &v[1], &v[2], &v[3], &v[4]);
		if (n != 2 + __S_MAX || t <= 0 || t > now) {
			bad++;
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.t = t;
		for (n = 0; n < __S_MAX; n++)
			p.v[n] = v[n];
		if (!strcmp(tag, "hour") && t > now - HOUR_POINTS) {
			ring_push(&hour, &p);
			nh++;
		} else if (!strcmp(tag, "day") && t > now - DAY_POINTS * 60) {
			ring_push(&day, &p);
			nd++;
		} else if (!strcmp(tag, "minute")) {
			/* The minute tlslogd stopped in: summed on if it is
			 * still the current one, else a point of its own. */
			if (t == now / 60 * 60)
				minute_acc = p;
			else if (t > now - DAY_POINTS * 60)
				ring_push(&day, &p);
		} else if (strcmp(tag, "hour") && strcmp(tag, "day")) {
			bad++;
		}
	}
	pthread_mutex_unlock(&metrics_lock);
	fclose(f);
	logs_system("tlslogd", bad ? "warning" : "info",
		    "graph: %u points of the hour and %u of the day from %s%s", nh, nd, path,
		    bad ? " (malformed lines skipped)" : "");
}

/* Outside metrics_lock (writes the system log). */
static void thresholds_check(time_t now)
{
	uint64_t v[NTHRESH], overruns;
	bool found[NTHRESH];
	static uint64_t overruns_reported;
	size_t i;

	pthread_mutex_lock(&metrics_lock);
	for (i = 0; i < NTHRESH; i++) {
		found[i] = false;
		v[i] = stat_value(thresholds[i].counter, &found[i]);
	}
	overruns = tlslogd_counters[TLSLOGD_C_netlink_overruns];
	pthread_mutex_unlock(&metrics_lock);

	for (i = 0; i < NTHRESH; i++) {
		if (!found[i])
			continue;
		if (!thresh_state[i].known || v[i] < thresh_state[i].reported) {
			thresh_state[i].known = true;
			thresh_state[i].reported = v[i];
			continue;
		}
		if (v[i] == thresh_state[i].reported || now - thresh_state[i].when < 60)
			continue;
		logs_system("tlsi.ko", "warning", "%s (%s +%" PRIu64 ", %" PRIu64 " in all)",
			    thresholds[i].what, thresholds[i].counter,
			    v[i] - thresh_state[i].reported, v[i]);
		pthread_mutex_lock(&metrics_lock);
		tlslogd_counters[TLSLOGD_C_system_events]++;
		pthread_mutex_unlock(&metrics_lock);
		thresh_state[i].reported = v[i];
		thresh_state[i].when = now;
	}
	if (overruns != overruns_reported) {
		logs_system("tlslogd", "warning", "kernel events lost: the events socket "
			    "overran %" PRIu64 " time%s (the kernel counts the events in "
			    "events_failed)", overruns - overruns_reported,
			    overruns - overruns_reported == 1 ? "" : "s");
		pthread_mutex_lock(&metrics_lock);
		tlslogd_counters[TLSLOGD_C_system_events]++;
		pthread_mutex_unlock(&metrics_lock);
		overruns_reported = overruns;
	}
}

void metrics_tick(void)
{
	static time_t last_save;
	time_t now = time(NULL);
	bool ok;

	pthread_mutex_lock(&metrics_lock);
	ok = read_stats();
	if (ok)
		series_advance(now);
	pthread_mutex_unlock(&metrics_lock);
	if (ok != stats_ok) {
		if (ok)
			logs_system("tlslogd", "info", "reading %s", tlslogd_cfg.stats_path);
		else
			logs_system("tlslogd", "error", "%s: %s (tlsi.ko not loaded?)",
				    tlslogd_cfg.stats_path, strerror(errno));
		stats_ok = ok;
	}
	if (ok)
		thresholds_check(now);
	if (now / 60 != last_save / 60) {
		if (last_save)
			metrics_save();
		last_save = now;
	}
}

void metrics_tlsid_stats(struct json_object *o)
{
	pthread_mutex_lock(&metrics_lock);
	json_object_put(tlsid_stats);
	tlsid_stats = json_object_get(o);
	pthread_mutex_unlock(&metrics_lock);
}

/* Prometheus names: [a-zA-Z0-9_], the rest as '_'. */
static void prom_name(char *out, size_t len, const char *prefix, const char *name,
		      const char *suffix)
{
	size_t i, n;

	n = (size_t)snprintf(out, len, "%s", prefix);
	for (i = 0; name[i] && n + 1 < len; i++, n++) {
		char c = name[i];

		out[n] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') ? c : '_');
	}
	out[n] = '\0';
	snprintf(out + n, len - n, "%s", suffix);
}

static void prom_metric(FILE *f, const char *name, const char *type, const char *help,
			uint64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type,
		name, v);
}

static void prom_tlsid(FILE *f)
{
	char name[160], help[200];

	if (!tlsid_stats)
		return;
	json_object_object_foreach(tlsid_stats, key, v) {
		bool gauge = !strcmp(key, "sessions_active");

		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			continue;
		prom_name(name, sizeof(name), "tlsid_", key, gauge ? "" : "_total");
		snprintf(help, sizeof(help), "tlsid's %s %s", gauge ? "gauge" : "counter", key);
		prom_metric(f, name, gauge ? "gauge" : "counter", help,
			    (uint64_t)json_object_get_int64(v));
	}
}

char *metrics_prometheus(size_t *len)
{
	static const char *const c_help[] = {
#define H(n, h) h,
		TLSLOGD_COUNTERS(H)
#undef H
	};
	static const char *const c_name[] = {
#define N(n, h) #n,
		TLSLOGD_COUNTERS(N)
#undef N
	};
	char *buf = NULL, name[160], help[200];
	unsigned int i;
	FILE *f;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&metrics_lock);
	for (i = 0; i < nstats; i++) {
		const struct stat_line *s = &stats[i];

		prom_name(name, sizeof(name), "tlsi_", s->name, s->counter ? "_total" : "");
		snprintf(help, sizeof(help), "tlsi.ko %s %.63s (/proc/net/tlsi/stats)",
			 s->counter ? "counter" : "gauge", s->name);
		prom_metric(f, name, s->counter ? "counter" : "gauge", help, s->value);
	}
	prom_tlsid(f);
	for (i = 0; i < __TLSLOGD_C_MAX; i++) {
		prom_name(name, sizeof(name), "tlslogd_", c_name[i], "_total");
		prom_metric(f, name, "counter", c_help[i], tlslogd_counters[i]);
	}
	fprintf(f, "# HELP tlslogd_records_written_total records written, per log file\n"
		   "# TYPE tlslogd_records_written_total counter\n");
	for (i = 0; i < __EVE_LOG_MAX; i++)
		fprintf(f, "tlslogd_records_written_total{log=\"%s\"} %" PRIu64 "\n",
			eve_log_name(i), log_stats[i].written);
	fprintf(f, "# HELP tlslogd_records_failed_total records lost to a failed write "
		   "(disk full, I/O error), per log file\n"
		   "# TYPE tlslogd_records_failed_total counter\n");
	for (i = 0; i < __EVE_LOG_MAX; i++)
		fprintf(f, "tlslogd_records_failed_total{log=\"%s\"} %" PRIu64 "\n",
			eve_log_name(i), log_stats[i].failed);
	fprintf(f, "# HELP tlslogd_written_bytes_total bytes written, per log file\n"
		   "# TYPE tlslogd_written_bytes_total counter\n");
	for (i = 0; i < __EVE_LOG_MAX; i++)
		fprintf(f, "tlslogd_written_bytes_total{log=\"%s\"} %" PRIu64 "\n",
			eve_log_name(i), log_stats[i].bytes);
	pthread_mutex_unlock(&metrics_lock);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* {"range":"hour","step":1,"t":[...],"seen":[...],...}: the oldest first. */
char *metrics_graph_json(bool want_day, size_t *len)
{
	const struct ring *r = want_day ? &day : &hour;
	char *buf = NULL;
	unsigned int i, s, start;
	FILE *f;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&metrics_lock);
	start = (r->head + r->size - r->n) % r->size;
	fprintf(f, "{\"range\":\"%s\",\"step\":%d,\"t\":[", want_day ? "day" : "hour",
		want_day ? 60 : 1);
	for (i = 0; i < r->n; i++)
		fprintf(f, "%s%" PRId64, i ? "," : "", r->p[(start + i) % r->size].t);
	fputc(']', f);
	for (s = 0; s < __S_MAX; s++) {
		fprintf(f, ",\"%s\":[", series_names[s]);
		for (i = 0; i < r->n; i++)
			fprintf(f, "%s%" PRIu64, i ? "," : "", r->p[(start + i) % r->size].v[s]);
		fputc(']', f);
	}
	fputs("}\n", f);
	pthread_mutex_unlock(&metrics_lock);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
