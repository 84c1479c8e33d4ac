/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbctl monitor: the program's sampled events (xlb_events), read by xlbd
 * and sent, with names, to every control client that asked for them.
 * Sampling is on while at least one client listens, off otherwise.
 */
#ifndef XLB_MONITOR_H
#define XLB_MONITOR_H

#include "api.h"

struct xlbd;
struct monitor;

#define MONITOR_RATE_DEFAULT 100 /* events a second a CPU, unless asked otherwise */

int monitor_new(struct monitor **mp, struct xlbd *d);
void monitor_free(struct monitor *m);
/* The control socket's subscriber count changed (control_subs_fn). */
void monitor_subscribers(void *ctx, unsigned n, const struct api_req *req);
/* Is sampling on, and at what rate (for xlb_config). */
int monitor_on(const struct monitor *m, unsigned *rate);
/* Events sent to clients since start. */
uint64_t monitor_events(const struct monitor *m);

#endif /* XLB_MONITOR_H */
