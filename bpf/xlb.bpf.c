// SPDX-License-Identifier: GPL-2.0
/*
 * The xlb XDP program: parse, find the VIP, pick the backend, forward, count.
 * Everything else lives in one header per concern beside this file.
 */
#include "maps.h"
#include "parse.h"
#include "flow.h"
#include "forward.h"
#include "stats.h"

/* What a packet that is not forwarded becomes, by its reason. */
static __always_inline int reason_action(__u32 reason)
{
	switch (reason) {
	case XLB_STAT_MALFORMED:
	case XLB_STAT_NO_BACKEND:
		return XDP_DROP;
	default: /* not_ip, not_vip, unparsed: the kernel's */
		return XDP_PASS;
	}
}

static __always_inline int balance(struct xlb_pkt *p, int *action)
{
	struct xlb_pick pick = {};
	struct xlb_vip_stats *vs;
	struct xlb_vip *vip;
	int err;

	vip = vip_lookup(p);
	if (!vip)
		return -XLB_STAT_NOT_VIP;

	if (p->is_frag) {
		stats_count(XLB_STAT_FRAGMENTS);
		err = frag_pick(vip, p, &pick);
	} else {
		err = flow_pick(vip, p, &pick);
	}

	vs = stats_vip(vip->id);
	if (vs) {
		vs->packets++;
		vs->bytes += p->len;
		vs->new_flows += pick.new_flow;
		if (pick.hit)
			vs->flow_hits++;
		else
			vs->flow_misses++;
	}
	if (err)
		return err;

	err = forward(vip, p, pick.be, action);
	if (err)
		return err;
	stats_backend(pick.be_id, p->len, pick.new_flow);
	return 0;
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
		err = balance(&pkt, &action);

	if (err) {
		reason = -err;
		action = reason_action(reason);
	} else {
		reason = XLB_STAT_FORWARDED;
	}
	stats_count_verdict(reason, action);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
