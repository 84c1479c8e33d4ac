/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The link-layer side of sending a packet to its backend: which interface it
 * leaves through and with which source MAC.
 *
 * A backend whose route leaves through the interface we are attached to is
 * sent with XDP_TX. One whose route leaves through another interface names
 * that interface's slot in xlb_egress (its index and MAC) and is sent there
 * with XDP_REDIRECT. VLAN tags belong to the interface a frame
 * came in on, so a frame redirected elsewhere leaves without them.
 */
#ifndef XLB_L2_H
#define XLB_L2_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"
#include "maps.h"
#include "parse.h"

/*
 * The other interface a backend is reached through: NULL (and 0) for our
 * own, or its xlb_egress entry; -XLB_STAT_NO_BACKEND if that slot is empty.
 */
static __always_inline int l2_egress(const struct xlb_backend *be, const struct xlb_egress **eg)
{
	__u32 slot = be->egress;

	*eg = NULL;
	if (!slot)
		return 0;
	*eg = bpf_map_lookup_elem(&xlb_egress, &slot);
	return *eg && (*eg)->ifindex ? 0 : -XLB_STAT_NO_BACKEND;
}

/*
 * A MAC address in a 4-byte and a 2-byte move: __builtin_memcpy cannot know
 * the alignment of a frame's bytes and moves six single bytes.
 */
static __always_inline void l2_mac_copy(void *to, const void *from)
{
	*(__u32 *)to = *(const __u32 *)from;
	*(__u16 *)(to + 4) = *(const __u16 *)(from + 4);
}

static __always_inline const __u8 *l2_src_mac(const struct xlb_egress *eg,
					      const struct xlb_config *cfg)
{
	return eg ? eg->mac : cfg->if_mac;
}

static __always_inline int l2_action(const struct xlb_egress *eg)
{
	return eg ? (int)bpf_redirect(eg->ifindex, 0) : XDP_TX;
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
