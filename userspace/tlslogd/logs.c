// SPDX-License-Identifier: GPL-2.0
/*
 * The log files: one per log type (eve.h's enum eve_log), as a Suricata
 * configuration with one eve-log output per set of types: DIR/block.json,
 * alert.json, quarantine.json, ssl.json, system.json, each one EVE record
 * per line, appended with one write() per record (O_APPEND: a reader never
 * sees half a record, unless the disk filled in the middle of one, and then
 * the part is cut off again).
 *
 * A write that fails (disk full, I/O error) loses that record and is
 * counted per log (tlslogd_records_failed_total{log=...}); the first
 * failure and the recovery are system events (syslog only while the disk is
 * full). Nothing here waits: the kernel's events are never held up by the
 * disk, the kernel drops and counts what tlslogd cannot take.
 *
 * SIGHUP reopens every file (logrotate's "create" then a HUP: no record is
 * lost, the old descriptor gets everything before the HUP).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tlslogd.h"

struct log_stats log_stats[__EVE_LOG_MAX];
static int log_fd[__EVE_LOG_MAX] = { -1, -1, -1, -1, -1 };
static bool log_failing[__EVE_LOG_MAX];
static char log_dir[4096];
static bool use_stderr = true;

void tlslogd_log_init(bool foreground)
{
	use_stderr = foreground;
	openlog("tlslogd", LOG_PID, LOG_DAEMON);
}

void syslog_tlsid(int prio, const char *msg)
{
	syslog(prio, "tlsid: %s", msg);
}

static void vmsg(int prio, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (use_stderr)
		fprintf(stderr, "tlslogd: %s\n", msg);
	else
		syslog(prio, "%s", msg);
}

void tlslogd_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void tlslogd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
}

static int open_one(enum eve_log log)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.json", log_dir, eve_log_name(log));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		tlslogd_error("%s: %s", path, strerror(errno));
	return fd;
}

int logs_open(const char *dir)
{
	int i;

	if (strlen(dir) >= sizeof(log_dir)) {
		tlslogd_error("--dir `%s': too long", dir);
		return -1;
	}
	snprintf(log_dir, sizeof(log_dir), "%s", dir);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		tlslogd_error("--dir `%s': %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < __EVE_LOG_MAX; i++) {
		log_fd[i] = open_one(i);
		if (log_fd[i] < 0)
			return -1;
	}
	return 0;
}

/* A file that cannot be reopened keeps its old descriptor: records keep
 * going somewhere rather than nowhere. */
void logs_reopen(void)
{
	int i, fd;

	for (i = 0; i < __EVE_LOG_MAX; i++) {
		fd = open_one(i);
		if (fd < 0)
			continue;
		if (log_fd[i] >= 0)
			close(log_fd[i]);
		log_fd[i] = fd;
	}
	pthread_mutex_lock(&metrics_lock);
	tlslogd_counters[TLSLOGD_C_reopens]++;
	pthread_mutex_unlock(&metrics_lock);
}

void logs_close(void)
{
	int i;

	for (i = 0; i < __EVE_LOG_MAX; i++) {
		if (log_fd[i] >= 0)
			close(log_fd[i]);
		log_fd[i] = -1;
	}
}

static void count(enum eve_log log, bool ok, size_t len)
{
	pthread_mutex_lock(&metrics_lock);
	if (ok) {
		log_stats[log].written++;
		log_stats[log].bytes += len;
	} else {
		log_stats[log].failed++;
	}
	pthread_mutex_unlock(&metrics_lock);
}

/* Only syslog: the file may be what failed. */
static void failing(enum eve_log log, bool now_failing, int err)
{
	if (now_failing == log_failing[log])
		return;
	log_failing[log] = now_failing;
	if (now_failing)
		syslog(LOG_ERR, "%s/%s.json: %s: records are lost (counted) until "
		       "writes succeed again", log_dir, eve_log_name(log), strerror(err));
	else
		syslog(LOG_WARNING, "%s/%s.json: writes succeed again", log_dir,
		       eve_log_name(log));
}

void logs_write(enum eve_log log, const char *line, size_t len)
{
	ssize_t n;
	off_t end;
	int err;

	if ((unsigned int)log >= __EVE_LOG_MAX || log_fd[log] < 0)
		return;
	n = write(log_fd[log], line, len);
	if (n == (ssize_t)len) {
		count(log, true, len);
		failing(log, false, 0);
		return;
	}
	err = n < 0 ? errno : ENOSPC;
	if (n > 0) {
		/* Half a record: cut it off, the next one starts a line. */
		end = lseek(log_fd[log], 0, SEEK_CUR);
		if (end >= n && ftruncate(log_fd[log], end - n) < 0)
			err = errno;
	}
	count(log, false, 0);
	failing(log, true, err);
}

void logs_system(const char *source, const char *severity, const char *fmt, ...)
{
	char msg[1024], *line = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(!strcmp(severity, "error") ? LOG_ERR :
	       !strcmp(severity, "warning") ? LOG_WARNING : LOG_INFO,
	       "%s: %s", source, msg);
	f = open_memstream(&line, &len);
	if (!f)
		return;
	eve_write_system(f, 0, source, severity, msg);
	if (fclose(f) == 0 && line)
		logs_write(EVE_LOG_SYSTEM, line, len);
	free(line);
}
