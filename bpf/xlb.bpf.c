// SPDX-License-Identifier: GPL-2.0
/*
 * The xlb XDP program: parse, find the VIP, pick the backend, forward, count.
 * Everything else lives in one header per concern beside this file.
 */
#include "maps.h"
#include "parse.h"
#include "flow.h"
#include "forward.h"
#include "monitor.h"
#include "stats.h"

/*
 * The version of the xlbd that loaded this program, set before load: the
 * code never reads it; xlbd reads it back from the attached program's
 * .rodata (xlbctl status), which tells what is serving after upgrades.
 */
const volatile char xlb_build[32] = "";

/* What a packet that is not forwarded becomes, by its reason. */
static __always_inline int reason_action(__u32 reason)
{
	switch (reason) {
	case XLB_STAT_MALFORMED:
	case XLB_STAT_NO_BACKEND:
	case XLB_STAT_ENCAP_FAIL:
		return XDP_DROP;
	default: /* not_ip, not_vip, unparsed: the kernel's */
		return XDP_PASS;
	}
}

static __always_inline void count_vip(__u32 vip_id, const struct xlb_pkt *p,
				      const struct xlb_pick *pick)
{
	struct xlb_vip_stats *vs = stats_vip(vip_id);

	if (!vs)
		return;
	vs->packets++;
	vs->bytes += p->len;
	vs->new_flows += pick->new_flow;
	if (pick->hit)
		vs->flow_hits++;
	else
		vs->flow_misses++;
}

static __always_inline int send(struct xdp_md *ctx, struct xlb_pkt *p, struct xlb_pick *pick,
				int *action)
{
	int err = forward(ctx, p, pick->be, action);

	if (!err)
		stats_backend(pick->be_id, p->len, pick->new_flow);
	return err;
}

/* ICMP to a VIP address: echo, or an error about one of our flows. */
static __always_inline int balance_icmp(struct xdp_md *ctx, struct xlb_pkt *p, int *action)
{
	struct xlb_pick pick = {};
	struct xlb_config *cfg;
	struct xlb_vip *vip;
	__u32 zero = 0;
	int err;

	if (icmp_is_echo(p)) {
		cfg = bpf_map_lookup_elem(&xlb_config, &zero);
		if (!cfg || !(cfg->flags & XLB_CFG_F_ICMP_ECHO) || !icmp_to_vip_address(p))
			return -XLB_STAT_NOT_VIP;
		return icmp_echo_reply(ctx, p, cfg, action);
	}
	if (!icmp_is_too_big(p))
		return -XLB_STAT_NOT_VIP;
	err = icmp_inner_key(ctx, p);
	if (err)
		return err;
	if (!flow_established(p, &pick)) {
		/* no record: where the ring puts the flow, if the ring decides alone */
		vip = vip_lookup(p);
		if (!vip)
			return -XLB_STAT_NOT_VIP;
		if (!sched_is_stateless(vip))
			return -XLB_STAT_NO_BACKEND;
		pick.be = ring_backend(vip, sched_slot(vip, p, hash_flow(&p->key)), &pick.be_id);
		if (!pick.be)
			return -XLB_STAT_NO_BACKEND;
	}
	stats_count(XLB_STAT_ICMP_ROUTED);
	monitor_event(XLB_EV_ICMP_ROUTED, 0, p, pick.be->vip_id, pick.be_id);
	count_vip(pick.be->vip_id, p, &pick);
	return send(ctx, p, &pick, action);
}

static __always_inline int balance(struct xdp_md *ctx, struct xlb_pkt *p, int *action)
{
	struct xlb_pick pick = {};
	struct xlb_vip *vip;
	int err;

	if (p->is_icmp)
		return balance_icmp(ctx, p, action);

	/* the common case: a packet of an established flow, one lookup */
	if (!p->is_frag && !pkt_is_syn(p) && flow_established(p, &pick)) {
		count_vip(pick.be->vip_id, p, &pick);
		return send(ctx, p, &pick, action);
	}

	vip = vip_lookup(p);
	if (!vip)
		return -XLB_STAT_NOT_VIP;
	if (p->is_frag) {
		stats_count(XLB_STAT_FRAGMENTS);
		err = frag_pick(vip, p, &pick);
	} else {
		err = flow_place(vip, p, &pick);
	}
	count_vip(vip->id, p, &pick);
	if (err) {
		monitor_event(XLB_EV_DROP, -err, p, vip->id, XLB_EV_BE_NONE);
		return err;
	}
	if (pick.new_flow)
		monitor_event(pick.moved ? XLB_EV_FLOW_MOVED : XLB_EV_NEW_FLOW, 0, p, vip->id,
			      pick.be_id);
	return send(ctx, p, &pick, action);
}

SEC("xdp")
int xlb_xdp(struct xdp_md *ctx)
{
	struct xlb_pkt pkt = {};
	int action = XDP_PASS;
	__u32 reason;
	int err;

	err = parse_packet(ctx, &pkt);
	if (!err)
		err = balance(ctx, &pkt, &action);

	if (err) {
		reason = -err;
		action = reason_action(reason);
		/* balance() sent a VIP's no_backend drops, with the VIP's id */
		if (action == XDP_DROP && (reason != XLB_STAT_NO_BACKEND || pkt.is_icmp))
			monitor_event(XLB_EV_DROP, reason, &pkt, XLB_EV_VIP_NONE, XLB_EV_BE_NONE);
	} else {
		reason = XLB_STAT_FORWARDED;
	}
	stats_count_verdict(reason, action);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
