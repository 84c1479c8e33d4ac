/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters. All of them are per-CPU, so counting costs no atomic operation and
 * no cache line bouncing; userspace sums the CPUs when it reads them.
 */
#ifndef XLB_STATS_H
#define XLB_STATS_H

#include "maps.h"

static __always_inline void stats_count(__u32 idx)
{
	__u32 zero = 0;
	__u64 *s = bpf_map_lookup_elem(&xlb_stats, &zero);

	if (s && idx < XLB_STAT_MAX)
		s[idx]++;
}

/* One packet under its verdict and under its reason. */
static __always_inline void stats_count_verdict(__u32 reason, __u32 action)
{
	__u32 zero = 0;
	__u64 *s = bpf_map_lookup_elem(&xlb_stats, &zero);

	if (!s)
		return;
	if (action <= XDP_REDIRECT)
		s[XLB_STAT_XDP_BASE + action]++;
	if (reason < XLB_STAT_MAX)
		s[reason]++;
}

static __always_inline struct xlb_vip_stats *stats_vip(__u32 vip_id)
{
	return bpf_map_lookup_elem(&xlb_vip_stats, &vip_id);
}

static __always_inline void stats_backend(__u32 be_id, __u32 bytes, int new_flow)
{
	struct xlb_be_stats *s = bpf_map_lookup_elem(&xlb_be_stats, &be_id);

	if (!s)
		return;
	s->packets++;
	s->bytes += bytes;
	s->new_flows += new_flow;
}

#endif /* XLB_STATS_H */
