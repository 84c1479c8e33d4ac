/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of the XDP program. Their layouts live in include/xlb_abi.h; this
 * file only declares them. Every map has BTF, so `bpftool map dump` prints
 * named fields, and every name fits the kernel's 15 characters.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"

/*
 * The types the maps are declared with: the ABI's structs, byte for byte,
 * with addresses as bytes, so that `bpftool map dump` shows a VIP's address
 * as [10,94,0,100,...] where the program's own view is four words. Enums
 * (scheduler, forwarding, state, family) are the ABI's own, named in BTF.
 */
struct xlb_vip_key_btf {
	__u8 addr[16];
	__u16 port;
	__u8 proto;
	enum xlb_family family;
	__u8 flags;
	__u8 pad[3];
};

struct xlb_flow_key_btf {
	__u8 src[16];
	__u8 dst[16];
	__be16 sport; /* as the packet carries them: network order */
	__be16 dport;
	__u8 proto;
	enum xlb_family family;
	__u8 pad[2];
};

struct xlb_flow_line_btf {
	__u64 state;
	struct xlb_flow_key_btf key;
	struct xlb_flow flow;
};

struct xlb_flow_set_btf {
	struct xlb_flow_line_btf line[XLB_FLOW_WAYS];
};

struct xlb_backend_btf {
	__u8 addr[16];
	__u8 mac[6];
	enum xlb_family family;
	enum xlb_be_state state;
	__u32 gen;
	__u32 vip_id;
	__u32 udp_timeout;
	enum xlb_fwd fwd_mode;
	__u8 egress;
	__u8 pad[2];
};

struct xlb_config_btf {
	__u8 if_mac[6];
	__u16 monitor_rate;
	__u32 ifindex;
	__u32 flags;
	__u8 tun_src4[4];
	__u8 tun_src6[16];
	__u8 tun_mask4[4];
	__u8 tun_mask6[4];
	__u16 gue_port;
	__u16 mtu;
};

#define XLB_SAME_LAYOUT(a, b, f)                                                                   \
	_Static_assert(sizeof(struct a) == sizeof(struct b) &&                                     \
			       __builtin_offsetof(struct a, f) == __builtin_offsetof(struct b, f), \
		       #a " is " #b)
XLB_SAME_LAYOUT(xlb_vip_key_btf, xlb_vip_key, flags);
XLB_SAME_LAYOUT(xlb_flow_key_btf, xlb_flow_key, family);
XLB_SAME_LAYOUT(xlb_flow_line_btf, xlb_flow_line, flow);
XLB_SAME_LAYOUT(xlb_flow_set_btf, xlb_flow_set, line[XLB_FLOW_WAYS - 1]);
XLB_SAME_LAYOUT(xlb_backend_btf, xlb_backend, egress);
XLB_SAME_LAYOUT(xlb_backend_btf, xlb_backend, state);
XLB_SAME_LAYOUT(xlb_config_btf, xlb_config, gue_port);
XLB_SAME_LAYOUT(xlb_config_btf, xlb_config, tun_mask6);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_config_btf);
} xlb_config SEC(".maps");

#ifndef XLB_EVENTS_BYTES
#define XLB_EVENTS_BYTES (256 * 1024) /* 4096 events waiting for xlbd */
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_EVENTS_BYTES);
} xlb_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_mon);
} xlb_mon SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_vip_filter);
} xlb_vip_filter SEC(".maps");

/* One entry per VIP, plus at most one fragment entry per (address, proto). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * XLB_MAX_VIPS);
	__type(key, struct xlb_vip_key_btf);
	__type(value, struct xlb_vip);
} xlb_vips SEC(".maps");

/*
 * The template of a ring (see xlb_abi.h for the packing). BPF_F_INNER_MAP lets
 * rings of different sizes share the outer map; the program bounds its index
 * by xlb_vip.ring_size and the kernel bounds it again by the inner map's own
 * size. BPF_F_MMAPABLE lets userspace write a new ring as plain memory.
 */
struct xlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_RING_ELEMS(XLB_RING_SIZE_DEFAULT));
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct xlb_ring);
} xlb_rings SEC(".maps");

/* The base rings of VIPs whose ring changed a moment ago (xlb_vip_young). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct xlb_ring);
} xlb_rings_prev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_vip_young);
} xlb_vip_young SEC(".maps");

/*
 * By VIP id: a signature of what its ring in xlb_rings was built from (the
 * backends' addresses, weights and ids, the ring's size, the build), or 0.
 * xlbd's alone (the program never reads it): a restart keeps a pinned ring
 * whose signature it would build again, rather than rebuild every ring.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u64);
} xlb_ring_sigs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend_btf);
} xlb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_EGRESS);
	__type(key, __u32);
	__type(value, struct xlb_egress);
} xlb_egress SEC(".maps");

/*
 * Established flows: only a TCP flow that got past its SYN, and UDP flows.
 * xlb's own table (see xlb_abi.h); sized at load, with flow_sets_mask.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xlb_flow_set_btf);
} xlb_flows SEC(".maps");

/* See xlb_abi.h. Sized at load, with flow_bits_words (flow.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} xlb_flow_bits SEC(".maps");

/*
 * Half-open TCP flows. A SYN flood churns this table and never xlb_flows, so
 * it cannot evict an established flow.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_SYN_FLOWS);
	__type(key, struct xlb_flow_key_btf);
	__type(value, struct xlb_flow);
} xlb_syn_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_wrr);
} xlb_wrr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_global_stats);
} xlb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_vip_stats);
} xlb_vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_be_stats);
} xlb_be_stats SEC(".maps");

#endif /* XLB_MAPS_H */
