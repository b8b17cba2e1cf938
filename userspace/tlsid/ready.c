// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid's readiness, so that nobody has to guess how long a start takes
 * (seconds on a slow or emulated machine):
 *
 *   - systemd (Type=notify): "READY=1" as a datagram to $NOTIFY_SOCKET, a
 *     path or an abstract name ("@..."), the sd_notify(3) protocol written
 *     out in a few lines rather than a dependency on libsystemd;
 *   - --ready-fd N: the line "ready PORT\n" written to descriptor N, which
 *     is then closed. A reader that gets end-of-file without that line
 *     knows tlsid died before it was ready.
 *
 * Both happen after the workers started: the listeners listen, tlsi.ko
 * diverts to them, and the sandbox is in force (AF_UNIX sockets, sendto,
 * write and close are among the calls it allows).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ready.h"
#include "tlsid.h"

/* --ready-fd N must be open for writing when tlsid starts. */
int tlsid_ready_fd_check(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	if ((fl & O_ACCMODE) == O_RDONLY) {
		errno = EBADF;
		return -1;
	}
	/* Not inherited by anything tlsid might run. */
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void sd_notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || !path[0])
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		tlsid_log_error("NOTIFY_SOCKET `%s': not a socket path", path);
		return;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract name */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tlsid_log_perror("sd_notify: socket");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		tlsid_log_perror("sd_notify to %s", path);
	close(fd);
}

void tlsid_ready(int ready_fd, uint16_t port)
{
	char msg[64];
	int n;

	n = snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\nSTATUS=listening on port %u",
		     (long)getpid(), port);
	if (n > 0)
		sd_notify_send(msg);
	if (ready_fd >= 0) {
		n = snprintf(msg, sizeof(msg), "ready %u\n", port);
		if (write(ready_fd, msg, (size_t)n) != n)
			tlsid_log_perror("--ready-fd %d", ready_fd);
		close(ready_fd);
	}
}

void tlsid_stopping_notify(void)
{
	sd_notify_send("STOPPING=1");
}
