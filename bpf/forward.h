/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending a packet to its backend. One function per forwarding mode, chosen by
 * the VIP's mode (which its backends carry); each returns 0 with the XDP
 * action to take, or a negative
 * XLB_STAT_* reason. Tunnel modes (IPIP, GUE) are added beside forward_dsr().
 */
#ifndef XLB_FORWARD_H
#define XLB_FORWARD_H

#include "maps.h"
#include "encap.h"
#include "parse.h"

/*
 * L2 direct server return: the backend holds the VIP on its loopback and
 * answers the client itself, so only the MACs change. VLAN tags and the IP
 * packet stay as they came.
 */
static __always_inline int forward_dsr(struct xlb_pkt *p, const struct xlb_backend *be,
				       const struct xlb_config *cfg, int *action)
{
	__builtin_memcpy(p->eth->h_dest, be->mac, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, cfg->if_mac, ETH_ALEN);
	*action = XDP_TX;
	return 0;
}

static __always_inline int forward(struct xdp_md *ctx, struct xlb_pkt *p,
				   const struct xlb_backend *be, int *action)
{
	__u32 zero = 0;
	struct xlb_config *cfg = bpf_map_lookup_elem(&xlb_config, &zero);

	if (!cfg)
		return -XLB_STAT_NO_BACKEND;
	switch (be->fwd_mode) {
	case XLB_FWD_IPIP:
		return encap(ctx, p, be, cfg, 0, action);
	case XLB_FWD_GUE:
		return encap(ctx, p, be, cfg, 1, action);
	default:
		return forward_dsr(p, be, cfg, action);
	}
}

#endif /* XLB_FORWARD_H */
