/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which backend a packet goes to: VIP lookup, the flow tables, and the
 * schedulers that place a new flow on the VIP's ring.
 *
 * A remembered flow keeps its backend whatever the ring says now, as long as
 * that backend is not down and still the same backend (its generation). TCP
 * flows are remembered in two steps so that a SYN flood cannot flush
 * established flows: a SYN is placed and remembered in xlb_syn_flows only;
 * the first packet without SYN (the handshake's ACK) moves the flow to
 * xlb_flows. Spoofed SYNs never complete a handshake, so they only churn the
 * half-open table. Recording on the SYN keeps wrr and random placements
 * stable across the handshake, which recording on the ACK alone would not.
 */
#ifndef XLB_FLOW_H
#define XLB_FLOW_H

#include "maps.h"
#include "hash.h"
#include "parse.h"
#include "stats.h"

#define XLB_NSEC_PER_SEC   1000000000ULL
/* UDP flows refresh their timestamp at most this often: fewer map writes. */
#define XLB_UDP_REFRESH_NS (XLB_NSEC_PER_SEC / 4)

static __always_inline struct xlb_vip *vip_lookup(const struct xlb_pkt *p)
{
	struct xlb_vip_key k = {};
	struct xlb_vip *vip;

	__builtin_memcpy(k.addr, p->key.dst, sizeof(k.addr));
	k.proto = p->key.proto;
	k.family = p->key.family;
	if (p->is_frag) {
		k.flags = XLB_VIPK_F_FRAG;
		return bpf_map_lookup_elem(&xlb_vips, &k);
	}
	k.port = p->key.dport;
	vip = bpf_map_lookup_elem(&xlb_vips, &k);
	if (vip)
		return vip;
	k.port = 0; /* an any-port VIP */
	return bpf_map_lookup_elem(&xlb_vips, &k);
}

/* The backend of a ring slot, or NULL when the ring has none there. */
static __always_inline struct xlb_backend *ring_backend(const struct xlb_vip *vip, __u32 slot,
							__u32 *be_id)
{
	struct xlb_backend *be;
	__u32 *id;
	void *ring;

	ring = bpf_map_lookup_elem(&xlb_rings, &vip->id);
	if (!ring)
		return NULL;
	id = bpf_map_lookup_elem(ring, &slot);
	if (!id || *id == XLB_BACKEND_NONE)
		return NULL;
	*be_id = *id;
	be = bpf_map_lookup_elem(&xlb_backends, be_id);
	if (!be || be->state == XLB_BE_DOWN)
		return NULL;
	return be;
}

static __always_inline __u32 sched_slot(const struct xlb_vip *vip, const struct xlb_pkt *p)
{
	struct xlb_wrr *w;
	__u32 slot;

	switch (vip->scheduler) {
	case XLB_SCHED_SOURCE_IP:
		return hash_reduce(hash_source(&p->key), vip->ring_size);
	case XLB_SCHED_WRR:
		w = bpf_map_lookup_elem(&xlb_wrr, &vip->id);
		if (!w)
			return 0;
		slot = w->next;
		if (slot >= vip->ring_size)
			slot = 0;
		w->next = slot + 1;
		return slot;
	case XLB_SCHED_RANDOM:
		return hash_reduce(bpf_get_prandom_u32(), vip->ring_size);
	default:
		return hash_reduce(hash_flow(&p->key), vip->ring_size);
	}
}

/* A remembered flow's backend, if that backend may still carry it. */
static __always_inline struct xlb_backend *flow_backend(const struct xlb_flow *f)
{
	__u32 id = f->backend_id;
	struct xlb_backend *be = bpf_map_lookup_elem(&xlb_backends, &id);

	if (!be || be->gen != f->backend_gen || be->state == XLB_BE_DOWN)
		return NULL;
	return be;
}

struct xlb_pick {
	struct xlb_backend *be;
	__u32 be_id;
	__u8 new_flow; /* placed on the ring and remembered now */
	__u8 hit;      /* found in a flow table */
};

/*
 * Choose the backend of a non-fragment packet. Return 0 with pick filled, or
 * -XLB_STAT_NO_BACKEND.
 */
static __always_inline int flow_pick(const struct xlb_vip *vip, struct xlb_pkt *p,
				     struct xlb_pick *pick)
{
	int is_tcp = p->key.proto == IPPROTO_TCP;
	int is_syn = is_tcp && (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	struct xlb_flow *f, nf = {};
	__u64 now = 0;

	f = bpf_map_lookup_elem(&xlb_flows, &p->key);
	if (f) {
		pick->be = flow_backend(f);
		if (!pick->be) {
			stats_count(XLB_STAT_FLOW_MOVED);
		} else if (is_tcp) {
			pick->be_id = f->backend_id;
			pick->hit = 1;
			return 0;
		} else {
			now = bpf_ktime_get_coarse_ns();
			if (now - f->last_seen <= (__u64)vip->udp_timeout * XLB_NSEC_PER_SEC) {
				if (now - f->last_seen > XLB_UDP_REFRESH_NS)
					f->last_seen = now;
				pick->be_id = f->backend_id;
				pick->hit = 1;
				return 0;
			}
			stats_count(XLB_STAT_UDP_EXPIRED);
		}
	}

	/* an established flow's half-open entry is stale: never consult it */
	if (is_tcp && !f) {
		f = bpf_map_lookup_elem(&xlb_syn_flows, &p->key);
		if (f) {
			pick->be = flow_backend(f);
			if (pick->be) {
				pick->be_id = f->backend_id;
				pick->hit = 1;
				/* the handshake completed: the flow is established */
				if (!is_syn)
					bpf_map_update_elem(&xlb_flows, &p->key, f, BPF_ANY);
				return 0;
			}
			stats_count(XLB_STAT_FLOW_MOVED);
		}
	}

	pick->be = ring_backend(vip, sched_slot(vip, p), &pick->be_id);
	if (!pick->be)
		return -XLB_STAT_NO_BACKEND;

	nf.backend_id = pick->be_id;
	nf.backend_gen = pick->be->gen;
	if (!is_tcp) {
		nf.last_seen = now ? now : bpf_ktime_get_coarse_ns();
	} else if (is_syn) {
		bpf_map_update_elem(&xlb_syn_flows, &p->key, &nf, BPF_ANY);
		stats_count(XLB_STAT_SYN_TRACKED);
		pick->new_flow = 1;
		return 0;
	}
	bpf_map_update_elem(&xlb_flows, &p->key, &nf, BPF_ANY);
	pick->new_flow = 1;
	return 0;
}

/* Fragments are not remembered: addresses alone place every fragment alike. */
static __always_inline int frag_pick(const struct xlb_vip *vip, struct xlb_pkt *p,
				     struct xlb_pick *pick)
{
	__u32 h;

	if (vip->scheduler == XLB_SCHED_SOURCE_IP)
		h = hash_source(&p->key);
	else
		h = hash_addrs(&p->key);
	pick->be = ring_backend(vip, hash_reduce(h, vip->ring_size), &pick->be_id);
	return pick->be ? 0 : -XLB_STAT_NO_BACKEND;
}

#endif /* XLB_FLOW_H */
