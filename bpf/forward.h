/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending a packet to its backend. One function per forwarding mode, chosen by
 * the VIP's mode (which its backends carry); each returns 0 with the XDP
 * action to take (XDP_TX, or XDP_REDIRECT to another interface: l2.h), or a
 * negative XLB_STAT_* reason. Tunnel modes (IPIP, GUE) are in encap.h.
 */
#ifndef XLB_FORWARD_H
#define XLB_FORWARD_H

#include "maps.h"
#include "encap.h"
#include "l2.h"
#include "parse.h"

/*
 * L2 direct server return: the backend holds the VIP on its loopback and
 * answers the client itself, so only the MACs change. VLAN tags and the IP
 * packet stay as they came.
 */
static __always_inline int forward_dsr(struct xdp_md *ctx, struct xlb_pkt *p,
				       const struct xlb_backend *be, const struct xlb_egress *eg,
				       const struct xlb_config *cfg, int *action)
{
	if (eg) {
		int err = l2_untag(ctx, p);

		if (err)
			return err;
	}
	l2_mac_copy(p->eth->h_dest, be->mac);
	l2_mac_copy(p->eth->h_source, l2_src_mac(eg, cfg));
	*action = l2_action(eg);
	return 0;
}

static __always_inline int forward(struct xdp_md *ctx, struct xlb_pkt *p,
				   const struct xlb_backend *be, int *action)
{
	__u32 zero = 0;
	struct xlb_config *cfg = bpf_map_lookup_elem(&xlb_config, &zero);
	const struct xlb_egress *eg;
	int err;

	if (!cfg)
		return -XLB_STAT_NO_BACKEND;
	err = l2_egress(be, &eg);
	if (err)
		return err;
	switch (be->fwd_mode) {
	case XLB_FWD_IPIP:
		return encap(ctx, p, be, eg, cfg, 0, action);
	case XLB_FWD_GUE:
		return encap(ctx, p, be, eg, cfg, 1, action);
	default:
		return forward_dsr(ctx, p, be, eg, cfg, action);
	}
}

#endif /* XLB_FORWARD_H */
