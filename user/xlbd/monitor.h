/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbctl monitor: the program's sampled events (xlb_events), read by xlbd
 * and sent, with names, to every control client that asked for them.
 * Sampling is on while at least one client listens, off otherwise.
 */
#ifndef XLB_MONITOR_H
#define XLB_MONITOR_H

#include "api.h"

struct control;
struct dp;
struct event_base;
struct lb;
struct monitor;

/*
 * Sampling was turned on or off, or its rate changed: write the program's
 * configuration (xlb_config) again, which reads monitor_on(). -ENODEV: the
 * program is gone (detached); the count of listeners is kept all the same.
 */
typedef int monitor_sampling_fn(void *ctx);

#define MONITOR_RATE_DEFAULT 100 /* events a second a CPU, unless asked otherwise */

/* Events are named from lb's VIPs and sent to ctl's subscribers. */
int monitor_new(struct monitor **mp, struct event_base *base, struct dp *dp, struct lb *lb,
		struct control *ctl, monitor_sampling_fn *sampling, void *ctx);
void monitor_free(struct monitor *m);
/* The control socket's subscriber count changed (control_subs_fn; ctx: the monitor). */
void monitor_subscribers(void *ctx, unsigned n, const struct api_req *req);
/* Is sampling on, and at what rate (for xlb_config). */
int monitor_on(const struct monitor *m, unsigned *rate);
/* Events sent to clients since start. */
uint64_t monitor_events(const struct monitor *m);

#endif /* XLB_MONITOR_H */
