// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify(3) for xlbd, or nothing where libsystemd was not there at build
 * time (XLB_NO_SYSTEMD): a host without systemd runs xlbd all the same.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#ifndef XLB_NO_SYSTEMD
#include <systemd/sd-daemon.h>

static void notify_send(const char *msg)
{
	int r = sd_notify(0, msg);

	/* no manager asked (r == 0) is the common case, not an error */
	if (r < 0)
		log_debug("sd_notify(%s): %s", msg, strerror(-r));
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}
#else
static void notify_send(const char *msg)
{
	(void)msg;
}

uint64_t notify_watchdog_usec(void)
{
	return 0;
}
#endif

void notify_ready(void)
{
	char msg[64];

	/* after daemon(), the pid the manager knows is gone: name ours */
	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)getpid());
	notify_send(msg);
}

void notify_status(const char *status)
{
	static char last[256];
	char msg[sizeof(last) + 8];

	if (!strcmp(last, status))
		return;
	snprintf(last, sizeof(last), "%s", status);
	snprintf(msg, sizeof(msg), "STATUS=%s", last);
	notify_send(msg);
}

void notify_reloading(void)
{
	struct timespec t;
	char msg[64];

	/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants it; older ones ignore it */
	clock_gettime(CLOCK_MONOTONIC, &t);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)t.tv_sec * 1000000ULL + (unsigned long long)t.tv_nsec / 1000);
	notify_send(msg);
}

void notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
