// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid's logs: the daemon log (stderr in the foreground, else syslog), the
 * SSL inspection log (--log FILE, one JSON object per line and session), and
 * the counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/err.h>

#include "json.h"
#include "tlsid.h"

atomic_uint_fast64_t tlsid_counters[__TLSID_C_MAX];
atomic_int tlsid_sessions_active;

static bool log_stderr = true;
static int log_verbose;
static int inspect_fd = -1;

#define TLSID_COUNTER_NAME(n) #n,
static const char *const counter_names[] = {
	TLSID_COUNTERS(TLSID_COUNTER_NAME)
};
#undef TLSID_COUNTER_NAME

void tlsid_log_init(bool foreground, int verbose)
{
	log_stderr = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("tlsid", LOG_PID, LOG_DAEMON);
}

static void vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024], full[1200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Errors and warnings are system events of the logs (tlslogd). */
	if (prio <= LOG_WARNING || !strncmp(msg, "warning: ", 9)) {
		snprintf(full, sizeof(full), "%s%s%s", msg, suffix ? ": " : "",
			 suffix ? suffix : "");
		tlsid_events_system(prio <= LOG_ERR ? "error" : "warning", full);
	}
	if (log_stderr)
		fprintf(stderr, "tlsid: %s%s%s\n", msg, suffix ? ": " : "", suffix ? suffix : "");
	else
		syslog(prio, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
}

/* A message longer than vlog()'s buffer (the stats line), whole. */
static void log_long(int prio, const char *prefix, const char *text)
{
	if (log_stderr)
		fprintf(stderr, "tlsid: %s%s\n", prefix, text);
	else
		syslog(prio, "%s%s", prefix, text);
}

void tlsid_log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void tlsid_log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void tlsid_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
}

void tlsid_log_perror(const char *fmt, ...)
{
	char err[128];
	va_list ap;

	snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, err);
	va_end(ap);
}

const char *tlsid_ssl_errstr(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();

	if (!e)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

void tlsid_log_ssl(const char *fmt, ...)
{
	char err[256];
	va_list ap;

	tlsid_ssl_errstr(err, sizeof(err));
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, err);
	va_end(ap);
}

/* ---- the SSL inspection log ------------------------------------------ */

int tlsid_inspect_log_open(const char *path)
{
	inspect_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (inspect_fd < 0) {
		tlsid_log_perror("--log `%s'", path);
		return -1;
	}
	return 0;
}

void tlsid_inspect_log_close(void)
{
	if (inspect_fd >= 0)
		close(inspect_fd);
	inspect_fd = -1;
}

/* One line (it ends with a newline), one write(): lines of concurrent
 * workers never interleave. */
static void write_line(const char *line, size_t len)
{
	if (tlsid_events_send(line, len))
		return;
	if (inspect_fd < 0)
		return;
	if (write(inspect_fd, line, len) != (ssize_t)len)
		tlsid_count(TLSID_C_internal_errors);
}

static void time_str(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

static const char *result_name(enum tlsid_result r)
{
	switch (r) {
	case TLSID_R_DECRYPTED:
		return "decrypted";
	case TLSID_R_BLOCKED:
		return "blocked";
	default:
		return "not decrypted";
	}
}

/* The reference guide's outcome of a session: Decrypted, Decrypted but not
 * inspected (a name in the pinned-application cache: an earlier session
 * found it must not be), Not decrypted (a decryption policy's domain),
 * Bypassed (passed untouched for a reason), Blocked (refused, or cut by a
 * failure). */
static const char *outcome_name(const struct tlsid_session *s)
{
	if (s->result == TLSID_R_DECRYPTED)
		return "Decrypted";
	if (s->passthrough && s->relay == TLSI_RELAY_KERNEL)
		return s->pinned ? "Decrypted but not inspected" :
		       s->bypassed ? "Bypassed" : "Not decrypted";
	return "Blocked";
}

static void side(struct json *j, const char *key, const char *version, const char *cipher)
{
	if (!version[0])
		return;
	json_begin_object(j, key);
	json_string(j, "version", version);
	json_string(j, "cipher", cipher);
	json_end_object(j);
}

void tlsid_inspect_log_session(const struct tlsid_session *s)
{
	char buf[64], *line = NULL;
	struct timespec now;
	size_t len = 0;
	struct json j;
	FILE *f;

	/* The proxy's logging flag (policy.c: set for unknown policies and
	 * with --log-all). */
	if ((inspect_fd < 0 && !tlsid_events_enabled()) || !(s->pol.flags & TLSI_SSL_F_LOGGING))
		return;
	f = open_memstream(&line, &len);
	if (!f) {
		tlsid_count(TLSID_C_internal_errors);
		return;
	}
	json_init(&j, f);
	json_begin_object(&j, NULL);
	time_str(buf, sizeof(buf));
	json_string(&j, "time", buf);
	json_string(&j, "type", "session");
	if (s->pol.id) {
		json_string(&j, "policy", s->pol.name);
		json_string(&j, "proxy", s->pol.proxy);
		json_string(&j, "inspection", s->pol.role == TLSI_SSL_ROLE_SERVER ? "server" :
			    "client");
	}
	tlsid_sockaddr_str(&s->client, buf, sizeof(buf));
	json_string(&j, "client", buf);
	tlsid_sockaddr_str(&s->server, buf, sizeof(buf));
	json_string(&j, "server", buf);
	if (s->ch.has_sni)
		json_string(&j, "sni", s->ch.sni);
	side(&j, "client_tls", s->down_version, s->down_cipher);
	side(&j, "server_tls", s->up_version, s->up_cipher);
	if (s->alpn_len) {
		char a[256];

		memcpy(a, s->alpn, s->alpn_len);
		a[s->alpn_len] = '\0';
		json_string(&j, "alpn", a);
	}
	json_string(&j, "result", result_name(s->result));
	json_string(&j, "outcome", outcome_name(s));
	if (s->pol.decrypt_policy[0])
		json_string(&j, "decrypt_policy", s->pol.decrypt_policy);
	if (s->decrypt_match[0])
		json_string(&j, "decrypt_match", s->decrypt_match);
	if (s->decrypt_category[0])
		json_string(&j, "decrypt_category", s->decrypt_category);
	if (s->category_match[0])
		json_string(&j, "category_match", s->category_match);
	if (s->decrypt_override[0])
		json_string(&j, "decrypt_override", s->decrypt_override);
	if (s->relay != TLSI_RELAY_NONE)
		json_string(&j, "relay", s->relay == TLSI_RELAY_KERNEL ? "kernel" : "userspace");
	/*
	 * Written at the hand-off: what happens to the session afterwards (an
	 * IPS block, how it ends) only the kernel sees; say where to look.
	 */
	if (s->relay == TLSI_RELAY_KERNEL)
		json_string(&j, "after_handoff", "tlsi.ko: IPS verdicts in tlsictl monitor --eve");
	if (s->reason[0])
		json_string(&j, "reason", s->reason);
	if (s->up_done) {
		json_bool(&j, "chain_valid", s->chain_ok);
		json_string(&j, "verify", X509_verify_cert_error_string(s->verify_err));
		json_string(&j, "server_issuer", s->upstream_issuer);
	}
	if (s->server_cert[0])	/* server inspection: the server's own */
		json_string(&j, "server_cert", s->server_cert);
	if (s->down)	/* a forged (or the server's own) certificate was offered */
		json_string(&j, "issuer", s->issuer);
	/* After a hand-off the kernel relays: tlsid never sees the bytes. */
	if (s->relay != TLSI_RELAY_KERNEL) {
		json_u64(&j, "bytes_client_to_server", s->c2s.bytes);
		json_u64(&j, "bytes_server_to_client", s->s2c.bytes);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	json_u64(&j, "duration_ms",
		 (uint64_t)((now.tv_sec - s->t0.tv_sec) * 1000 +
			    (now.tv_nsec - s->t0.tv_nsec) / 1000000));
	json_end_object(&j);
	if (fclose(f) == 0 && line)
		write_line(line, len);
	free(line);
}

/* The counters as one JSON line (malloc'd, newline-terminated), or NULL. */
static char *stats_line(size_t *len)
{
	char *line = NULL, buf[48];
	struct json j;
	FILE *f;
	int i;

	f = open_memstream(&line, len);
	if (!f)
		return NULL;
	json_init(&j, f);
	json_begin_object(&j, NULL);
	time_str(buf, sizeof(buf));
	json_string(&j, "time", buf);
	json_string(&j, "type", "stats");
	json_u64(&j, "sessions_active", (uint64_t)atomic_load(&tlsid_sessions_active));
	for (i = 0; i < __TLSID_C_MAX; i++)
		json_u64(&j, counter_names[i], atomic_load(&tlsid_counters[i]));
	tlsid_ips_rule_counters(&j);
	json_end_object(&j);
	if (fclose(f) || !line || !*len) {
		free(line);
		return NULL;
	}
	return line;
}

void tlsid_stats_dump(void)
{
	size_t len = 0;
	char *line = stats_line(&len);

	if (!line)
		return;
	write_line(line, len);
	line[len - 1] = '\0';
	log_long(LOG_INFO, "stats ", line);
	free(line);
}

void tlsid_stats_send(void)
{
	size_t len = 0;
	char *line;

	if (!tlsid_events_enabled())
		return;
	line = stats_line(&len);
	if (line)
		tlsid_events_send(line, len);
	free(line);
}
