/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsid's readiness: told to systemd (sd_notify, $NOTIFY_SOCKET) and to
 * whoever started it with --ready-fd, once every listener is listening and
 * tlsi.ko diverts to them. See ready.c.
 */
#ifndef TLSID_READY_H
#define TLSID_READY_H

#include <stdint.h>

int tlsid_ready_fd_check(int fd);
void tlsid_ready(int ready_fd, uint16_t port);
void tlsid_stopping_notify(void);

#endif
