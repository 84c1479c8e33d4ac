/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sampled events for xlbctl monitor: new flows, flows moved off a down
 * backend, drops, ICMP errors routed. Only the paths that place, drop or
 * route call in here; a packet of an established flow never does. Off (the
 * default), an event costs one test of xlb_config's flags; on, at most
 * monitor_rate events a second a CPU reach the ring buffer, the rest are
 * counted in xlb_mon.
 */
#ifndef XLB_MONITOR_H
#define XLB_MONITOR_H

#include "maps.h"
#include "parse.h"

#define XLB_MON_WINDOW_NS 1000000000ULL

/* what: XLB_EV_* | reason << 8 (a BPF call takes five arguments) */
static __noinline int monitor_send(__u32 what, const struct xlb_pkt *p, __u32 vip_id, __u32 be_id,
				   __u32 rate)
{
	struct xlb_event *e;
	struct xlb_mon *m;
	__u32 zero = 0;
	__u64 now;

	m = bpf_map_lookup_elem(&xlb_mon, &zero);
	if (!m)
		return 0;
	now = bpf_ktime_get_coarse_ns();
	if (now - m->window_ns >= XLB_MON_WINDOW_NS) {
		m->window_ns = now;
		m->sent = 0;
	}
	if (m->sent >= rate) {
		m->suppressed++;
		return 0;
	}
	e = bpf_ringbuf_reserve(&xlb_events, sizeof(*e), 0);
	if (!e) {
		m->lost++;
		return 0;
	}
	m->sent++;
	e->ts_ns = now;
	e->type = (__u8)what;
	e->reason = (__u8)(what >> 8);
	e->family = p->key.family;
	e->proto = p->key.proto;
	e->sport = p->key.sport;
	e->dport = p->key.dport;
	e->vip_id = vip_id;
	e->backend_id = be_id;
	__builtin_memcpy(e->src, p->key.src, sizeof(e->src));
	__builtin_memcpy(e->dst, p->key.dst, sizeof(e->dst));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* An event, if monitoring is on; the one test made when it is off. */
static __always_inline void monitor_event(__u32 type, __u32 reason, const struct xlb_pkt *p,
					  __u32 vip_id, __u32 be_id)
{
	__u32 zero = 0;
	struct xlb_config *cfg = bpf_map_lookup_elem(&xlb_config, &zero);

	if (cfg && (cfg->flags & XLB_CFG_F_MONITOR))
		monitor_send(type | reason << 8, p, vip_id, be_id, cfg->monitor_rate);
}

#endif /* XLB_MONITOR_H */
