/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data plane as userspace sees it: the only module that calls bpf_map_*
 * or touches the skeleton. Every function returns 0 or -errno.
 */
#ifndef XLB_DATAPLANE_H
#define XLB_DATAPLANE_H

#include <stddef.h>
#include "xlb_abi.h"

struct dp;

struct dp_opts {
	__u32 max_flows;     /* 0: XLB_MAX_FLOWS */
	__u32 max_syn_flows; /* 0: XLB_MAX_SYN_FLOWS */
};

int dp_load(struct dp **dpp, const struct dp_opts *opts);
void dp_close(struct dp *dp);
int dp_prog_fd(const struct dp *dp);

int dp_config_set(struct dp *dp, const struct xlb_config *cfg);

/*
 * Add or change a VIP, or remove it. Both keep the fragment entry of the
 * VIP's (address, protocol) pointing at the right VIP: see dp_frag_sync().
 */
int dp_vip_set(struct dp *dp, const struct xlb_vip_key *key, const struct xlb_vip *vip);
int dp_vip_del(struct dp *dp, const struct xlb_vip_key *key);

/* Replace a VIP's ring whole: build a new inner map, then swap one slot. */
int dp_ring_swap(struct dp *dp, __u32 vip_id, const __u32 *ring, __u32 size);
int dp_ring_del(struct dp *dp, __u32 vip_id);

int dp_backend_set(struct dp *dp, __u32 id, const struct xlb_backend *be);

/* Counters, summed over CPUs. */
int dp_stats_global(struct dp *dp, struct xlb_global_stats *out);
int dp_stats_vip(struct dp *dp, __u32 vip_id, struct xlb_vip_stats *out);
int dp_stats_backend(struct dp *dp, __u32 be_id, struct xlb_be_stats *out);

/* The remembered flow of key, from xlb_flows (syn = 0) or xlb_syn_flows. */
int dp_flow_get(struct dp *dp, const struct xlb_flow_key *key, int syn, struct xlb_flow *out);

#endif /* XLB_DATAPLANE_H */
