/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The link-layer side of sending a packet to its backend: which interface it
 * leaves through and with which source MAC.
 *
 * A backend whose route leaves through the interface we are attached to is
 * sent with XDP_TX. One whose route leaves through another interface carries
 * that interface's index and MAC in its entry (xlb_backend.oif, .src_mac) and
 * is sent there with XDP_REDIRECT. VLAN tags belong to the interface a frame
 * came in on, so a frame redirected elsewhere leaves without them.
 */
#ifndef XLB_L2_H
#define XLB_L2_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"
#include "parse.h"

static __always_inline const __u8 *l2_src_mac(const struct xlb_backend *be,
					      const struct xlb_config *cfg)
{
	return be->oif ? be->src_mac : cfg->if_mac;
}

static __always_inline int l2_action(const struct xlb_backend *be)
{
	return be->oif ? (int)bpf_redirect(be->oif, 0) : XDP_TX;
}

/*
 * Before a frame leaves through another interface: drop its VLAN tags (one or
 * two) by moving the MACs over them. Every packet pointer is stale after it;
 * p->eth is set again.
 */
static __always_inline int l2_untag(struct xdp_md *ctx, struct xlb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 tags = p->l2_len - ETH_HLEN;
	__u8 macs[2 * ETH_ALEN];

	if (!tags)
		return 0;
	if (data + ETH_HLEN + 8 > end)
		return -XLB_STAT_MALFORMED;
	__builtin_memcpy(macs, data, sizeof(macs));
	if (tags == 4)
		__builtin_memcpy(data + 4, macs, sizeof(macs));
	else
		__builtin_memcpy(data + 8, macs, sizeof(macs));
	if (bpf_xdp_adjust_head(ctx, (int)tags))
		return -XLB_STAT_MALFORMED;
	p->eth = (void *)(long)ctx->data;
	if ((void *)(p->eth + 1) > (void *)(long)ctx->data_end)
		return -XLB_STAT_MALFORMED;
	p->l2_len = ETH_HLEN;
	p->l4_off -= tags;
	return 0;
}

#endif /* XLB_L2_H */
