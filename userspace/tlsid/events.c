// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid's records to tlslogd, the one writer of tlsi's logs
 * (Documentation/logging.md): with --events PATH every inspection record,
 * EVE alert of the userspace relay, system event (errors, warnings such as
 * certificates near expiry) and, every few seconds, the counters go as one
 * datagram each to tlslogd's unix socket.
 *
 * A send never waits: a full socket (tlslogd behind) or a missing one
 * (tlslogd stopped) loses the record, counted in events_lost. The socket is
 * connected at start, before the sandbox (the socket file may be
 * root's); when tlslogd comes back, the next send reconnects, which works
 * when the socket file lets tlsid's user in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "eve.h"
#include "tlsid.h"

static int events_fd = -1;
static struct sockaddr_un events_addr;
static pthread_mutex_t reconnect_lock = PTHREAD_MUTEX_INITIALIZER;

int tlsid_events_open(const char *path)
{
	events_addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(events_addr.sun_path)) {
		tlsid_log_error("--events `%s': path too long", path);
		return -1;
	}
	snprintf(events_addr.sun_path, sizeof(events_addr.sun_path), "%s", path);
	events_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (events_fd < 0) {
		tlsid_log_perror("--events: socket");
		return -1;
	}
	if (connect(events_fd, (struct sockaddr *)&events_addr, sizeof(events_addr)) < 0) {
		tlsid_log_perror("--events `%s' (is tlslogd running?)", path);
		close(events_fd);
		events_fd = -1;
		return -1;
	}
	return 0;
}

void tlsid_events_close(void)
{
	if (events_fd >= 0)
		close(events_fd);
	events_fd = -1;
}

bool tlsid_events_enabled(void)
{
	return events_fd >= 0;
}

bool tlsid_events_send(const char *line, size_t len)
{
	if (events_fd < 0)
		return false;
	if (send(events_fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
		return true;
	if (errno == ECONNREFUSED || errno == ENOTCONN) {
		/* tlslogd restarted: its new socket has the same path. */
		pthread_mutex_lock(&reconnect_lock);
		connect(events_fd, (struct sockaddr *)&events_addr, sizeof(events_addr));
		pthread_mutex_unlock(&reconnect_lock);
		if (send(events_fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			return true;
	}
	tlsid_count(TLSID_C_events_lost);
	return true;
}

void tlsid_events_system(const char *severity, const char *message)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	if (events_fd < 0)
		return;
	f = open_memstream(&line, &len);
	if (!f)
		return;
	eve_write_system(f, 0, "tlsid", severity, message);
	if (fclose(f) == 0 && line)
		tlsid_events_send(line, len);
	free(line);
}
