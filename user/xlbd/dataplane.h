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
	__u32 max_flows;      /* 0: XLB_MAX_FLOWS */
	__u32 max_syn_flows;  /* 0: XLB_MAX_SYN_FLOWS */
	const char *pin_path; /* NULL: nothing pinned (tests) */
};

/*
 * Load the program and create its maps. With a pin path, maps already pinned
 * there are reused (their contents, flows included, carry over) and new ones
 * are pinned. *adopted tells whether pinned maps were found.
 */
int dp_load(struct dp **dpp, const struct dp_opts *opts, int *adopted);
void dp_close(struct dp *dp);
int dp_prog_fd(const struct dp *dp);

enum dp_mode { DP_MODE_AUTO, DP_MODE_NATIVE, DP_MODE_GENERIC };

struct dp_attach_info {
	__u32 prog_id;	/* the program now serving the interface */
	int mode;	/* DP_MODE_NATIVE or DP_MODE_GENERIC, as attached */
	int kept;	/* the pinned program, already attached, was kept */
	int replaced;	/* an older build of ours was replaced atomically */
	int native_err; /* auto: native mode refused with this -errno, so generic */
};

/*
 * Make this program the one serving ifindex, and pin it. A program of ours
 * already attached (pinned at the pin path) is kept if it is the same build
 * and replaced atomically if it is not; anybody else's is refused (-EBUSY).
 */
int dp_attach(struct dp *dp, int ifindex, enum dp_mode mode, struct dp_attach_info *info);
/* (DP_MODE_AUTO: native where the driver takes it, else generic: info->native_err says why) */

/* The version program prog_id was loaded with (xlb_build), into buf. */
int dp_prog_build(__u32 prog_id, char *buf, size_t len);

/*
 * Detach xlb: the program pinned at pin_path from every interface it is
 * attached to (or, its pin gone, an xlb program on ifindex), then remove
 * xlb's pins. detached gets the interfaces' names, "" if none was attached.
 * -ENODEV, the pins kept, when the pinned program is attached to no
 * interface of this network namespace (it may serve one of another).
 */
int dp_detach(const char *pin_path, int ifindex, char *detached, size_t len);
/* Remove the pins xlb makes under pin_path, and the directory if then empty. */
int dp_unpin(const char *pin_path);

/* The id of the xlb program attached to ifindex, 0 if none is ours. */
__u32 dp_attached_id(const char *pin_path, int ifindex, int *mode);

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
/* The signature of what VIP vip_id's ring was built from (xlb_ring_sigs; 0: none known). */
int dp_ring_sig_set(struct dp *dp, __u32 vip_id, __u64 sig);
__u64 dp_ring_sig_get(struct dp *dp, __u32 vip_id);
/*
 * Read a VIP's ring (base: the base ring of a young VIP) as the program
 * sees it: backend ids, XLB_RING_NONE (0xffff) for an empty slot. size gets
 * the slots read, the ring's elements rounded up to whole u64s (at most max).
 */
int dp_ring_read(struct dp *dp, __u32 vip_id, int base, __u32 *ring, __u32 max, __u32 *size);
/*
 * The program's own placement arithmetic: the hash a scheduler places a flow
 * by (source-ip: the client's address; else the 5-tuple), and its slot.
 */
__u32 dp_flow_hash(const struct xlb_flow_key *k, int sched);
__u32 dp_ring_slot(__u32 h, __u32 size);
/* The entry of xlb_vips a key finds, as the program looks it up. */
int dp_vip_get(struct dp *dp, const struct xlb_vip_key *key, struct xlb_vip *out);
/*
 * A young VIP (xlb_vip_young in xlb_abi.h): keep the ring in use as its base
 * ring; say since and until when (CLOCK_MONOTONIC_COARSE ns, the program's
 * clock) and how large the base is; drop the base.
 */
int dp_ring_keep_base(struct dp *dp, __u32 vip_id);
int dp_vip_young_set(struct dp *dp, __u32 vip_id, __u64 since_ns, __u64 until_ns, __u32 base_size);
int dp_ring_base_del(struct dp *dp, __u32 vip_id);
int dp_vip_young_get(struct dp *dp, __u32 vip_id, struct xlb_vip_young *out);

int dp_backend_set(struct dp *dp, __u32 id, const struct xlb_backend *be);

/*
 * The xlb_egress slot of another interface (see xlb_abi.h), written if it is
 * new or its MAC changed: 1..XLB_MAX_EGRESS - 1, or -ENOSPC, -errno. Slots
 * are kept while the maps are pinned, so adopted backends still name theirs.
 */
int dp_egress_slot(struct dp *dp, int ifindex, const __u8 mac[6]);
int dp_egress_get(struct dp *dp, __u32 slot, struct xlb_egress *out);

/* Counters, summed over CPUs. */
int dp_stats_global(struct dp *dp, struct xlb_global_stats *out);
int dp_stats_vip(struct dp *dp, __u32 vip_id, struct xlb_vip_stats *out);
int dp_stats_backend(struct dp *dp, __u32 be_id, struct xlb_be_stats *out);
/* Zero the counters of an id about to be given to a new VIP or backend. */
int dp_stats_reset_vip(struct dp *dp, __u32 vip_id);
int dp_stats_reset_backend(struct dp *dp, __u32 be_id);

/* Walk the VIPs (fragment entries skipped) and the backends in use (gen != 0). */
int dp_vip_foreach(struct dp *dp,
		   int (*cb)(const struct xlb_vip_key *, const struct xlb_vip *, void *),
		   void *arg);
int dp_backend_get(struct dp *dp, __u32 id, struct xlb_backend *out);

/*
 * The SYN hint, xlb_flow_bits (xlb_abi.h): rebuild it from the flows
 * xlb_flows holds now, dropping the bits of flows it no longer holds, and
 * count each backend's flows on the way. Safe while the program runs.
 */
struct dp_sweep {
	__u64 flows;	  /* in xlb_flows */
	__u64 tcp_flows;  /* of them, with bits */
	__u64 bits;	  /* in a bitmap */
	__u64 bits_set;	  /* when the sweep ended */
	__u64 started_ns; /* CLOCK_MONOTONIC_COARSE when the walk began */
	/*
	 * The same walk counts, by backend id, the flows the table holds for
	 * the backend that id names now: TCP open (no FIN or RST seen), TCP
	 * closing, and UDP not idle past the VIP's timeout (active too).
	 */
	__u32 active[XLB_MAX_BACKENDS];
	__u32 closing[XLB_MAX_BACKENDS];
};
int dp_flow_bits_sweep(struct dp *dp, struct dp_sweep *out);
/*
 * The same in steps of about budget flows: 0 when there is more to walk, 1
 * when done (out then complete), or -errno. out must be kept between steps.
 */
int dp_flow_bits_sweep_step(struct dp *dp, __u32 budget, struct dp_sweep *out);
/* 1 when both of key's bits are set in the bitmap SYNs read: "maybe recorded". */
int dp_flow_bits_test(struct dp *dp, const struct xlb_flow_key *key);
/* Every bit set: every SYN looks the table up, as without the hint. */
void dp_flow_bits_saturate(struct dp *dp);

/*
 * Kernel memory of the maps (memlock, from fdinfo): the fixed maps, and the
 * rings now installed. For the benchmark's memory figures.
 */
int dp_memory(struct dp *dp, __u64 *maps_bytes, __u64 *rings_bytes, __u32 *nrings);

/*
 * Sampled events (xlb_events, a ring buffer: XLB_CFG_F_MONITOR turns them on)
 * and what the program's rate limit and the ring's size cut, summed over CPUs.
 */
int dp_events_fd(struct dp *dp);
int dp_monitor_counts(struct dp *dp, __u64 *suppressed, __u64 *lost);

/* The remembered flow of key, from xlb_flows (syn = 0) or xlb_syn_flows. */
int dp_flow_get(struct dp *dp, const struct xlb_flow_key *key, int syn, struct xlb_flow *out);
/* dp_flow_get() of xlb_flows, and where it holds key: its set (the map's key) and line. */
int dp_flow_where(struct dp *dp, const struct xlb_flow_key *key, struct xlb_flow *out, __u32 *set,
		  __u32 *line);
/*
 * Each flow xlb_flows holds, copied as it stood, to fn in the table's order;
 * a non-zero return of fn stops the walk and is returned. Else 0.
 */
typedef int (*dp_flow_fn)(const struct xlb_flow_key *key, const struct xlb_flow *f, void *arg);
int dp_flow_walk(struct dp *dp, dp_flow_fn fn, void *arg);
/* Flows xlb_flows can hold: the table loaded or adopted, whatever the file says now. */
__u32 dp_flow_capacity(const struct dp *dp);
/* Record an established flow, as the program would (tests, bench). */
int dp_flow_put(struct dp *dp, const struct xlb_flow_key *key, const struct xlb_flow *f);
/* Forget an established flow: its next packet is placed by the ring. */
int dp_flow_del(struct dp *dp, const struct xlb_flow_key *key);

#endif /* XLB_DATAPLANE_H */
