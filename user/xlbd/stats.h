/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters over time: the data plane's counters sampled every second, for
 * rates (xlbctl stats --rate, xlbctl top), and zeroed as ipvsadm -Z does,
 * without touching the maps: zeroing records a baseline that xlbctl's
 * figures start from, so the maps (bpftool) and the metrics (Prometheus
 * wants counters that only grow) keep counting from the start.
 */
#ifndef XLB_STATS_H
#define XLB_STATS_H

#include <time.h>
#include "lb.h"

#define STATS_SAMPLE_MS 1000

struct stats;

/* A VIP's or a backend's figures: packets, bytes, new flows. */
struct stats_view {
	uint64_t raw[3];   /* since the VIP or backend got its id */
	uint64_t shown[3]; /* since the last zeroing (raw when never zeroed) */
	double rate[3];	   /* a second, over the last sampling interval */
};

struct stats *stats_new(struct dp *dp, struct lb *lb);
void stats_free(struct stats *s);
/* Read every VIP's and backend's counters (every STATS_SAMPLE_MS). */
void stats_sample(struct stats *s);
/* Zero what xlbctl shows of one VIP and its backends, or of all (vip NULL). */
void stats_zero(struct stats *s, const char *vip);
void stats_vip(struct stats *s, const struct lb_vip *v, struct stats_view *out);
void stats_backend(struct stats *s, const struct lb_vip *v, const struct lb_backend *b,
		   struct stats_view *out);
/* The last sampling interval, in seconds (0 before two samples). */
double stats_interval(const struct stats *s);
/* When vip's counters (or any, vip NULL) were last zeroed; 0: never. */
time_t stats_zeroed_at(const struct stats *s, const struct lb_vip *v);

#endif /* XLB_STATS_H */
