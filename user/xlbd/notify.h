/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling a service manager how xlbd is doing: readiness, a one-line status,
 * reloads, and watchdog pings (the sd_notify(3) protocol, through
 * libsystemd). Where xlbd was built without libsystemd, or runs without
 * NOTIFY_SOCKET, every call does nothing.
 */
#ifndef XLB_NOTIFY_H
#define XLB_NOTIFY_H

#include <stdint.h>

/* Started: the program is attached and the rings are written. */
void notify_ready(void);
/* What xlbd serves now, shown by `systemctl status`; sent only on change. */
void notify_status(const char *status);
/* A reload begins (RELOADING=1); notify_ready() says it ended. */
void notify_reloading(void);
void notify_stopping(void);
/* Pings the manager wants, as an interval in microseconds; 0: none. */
uint64_t notify_watchdog_usec(void);
void notify_watchdog(void);

#endif
