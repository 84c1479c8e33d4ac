/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunnel forwarding: the client's IP packet, untouched, inside a new outer IP
 * header to the backend (ipip: IPv4 or IPv6 in IPv4 or IPv6), or inside outer
 * IP and UDP (gue: GUE variant 1, the inner packet right after the UDP
 * header). The L2 header is kept, with the next hop's MAC (the backend
 * entry's) and the outer family's ethertype; VLAN tags too, unless the frame
 * leaves through another interface (l2.h).
 *
 * Outer TTL 64, DSCP and ECN copied from the inner packet. The outer source
 * is the configured address, or with XLB_CFG_F_SRC_FLOW one per flow (the
 * prefix with its host bits from the flow hash), so that a backend's NIC
 * spreads flows over its queues while a flow keeps one source. The GUE
 * source port comes from the flow hash for the same reason. The UDP checksum
 * is zero (RFC 6935 allows it for tunnels over IPv6 too).
 */
#ifndef XLB_ENCAP_H
#define XLB_ENCAP_H

#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include "hash.h"
#include "icmp.h"
#include "l2.h"
#include "maps.h"
#include "parse.h"

#define ENCAP_MAX (sizeof(struct ipv6hdr) + sizeof(struct udphdr))

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif
#ifndef IPPROTO_IPV6
#define IPPROTO_IPV6 41
#endif

static __always_inline __u16 csum_ipv4(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline __u32 flow_hash_of(const struct xlb_pkt *p)
{
	return p->is_frag ? hash_addrs(&p->key) : hash_flow(&p->key);
}

/*
 * Write the L2 header (l2_len bytes, constant in each instance) and the outer
 * headers in front of the packet, once the head has grown by olen bytes.
 */
static __always_inline int encap_write(struct xdp_md *ctx, struct xlb_pkt *p,
				       const struct xlb_backend *be, const struct xlb_egress *eg,
				       const struct xlb_config *cfg, int gue, __u32 l2_len,
				       __u32 olen)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 hash = flow_hash_of(p), inner_len = p->ip_len;
	struct ethhdr *eth = data;
	struct udphdr *uh;
	void *ip = data + l2_len;

	/*
	 * One bound for every case, the largest outer header (IPv6 and UDP):
	 * the verifier cannot tie olen to the branch below, which re-reads the
	 * backend's family. Any packet we forward has at least 28 bytes of IP
	 * behind its L2 header, so the frame always has them.
	 */
	if (data + l2_len + ENCAP_MAX > end)
		return -XLB_STAT_MALFORMED;
	/* VLAN tags move from behind the new headers to their place in front */
	if (l2_len == ETH_HLEN + 4)
		__builtin_memcpy(data + 12, data + olen + 12, 4);
	else if (l2_len == ETH_HLEN + 8)
		__builtin_memcpy(data + 12, data + olen + 12, 8);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, l2_src_mac(eg, cfg), ETH_ALEN);

	if (be->family == XLB_AF_INET) {
		struct iphdr *o = ip;

		*(__be16 *)(data + l2_len - 2) = bpf_htons(ETH_P_IP);
		o->version = 4;
		o->ihl = 5;
		o->tos = p->tos;
		o->tot_len = bpf_htons(olen + inner_len);
		o->id = 0;
		o->frag_off = 0;
		o->ttl = XLB_TUN_TTL;
		o->protocol = gue			     ? IPPROTO_UDP
			      : p->key.family == XLB_AF_INET ? IPPROTO_IPIP
							     : IPPROTO_IPV6;
		o->saddr = cfg->tun_src4;
		if (cfg->flags & XLB_CFG_F_SRC_FLOW)
			o->saddr = (cfg->tun_src4 & ~cfg->tun_mask4) |
				   (bpf_htonl(hash) & cfg->tun_mask4);
		o->daddr = be->addr[0];
		o->check = 0;
		o->check = csum_ipv4(o);
		uh = ip + sizeof(*o);
	} else {
		struct ipv6hdr *o = ip;

		*(__be16 *)(data + l2_len - 2) = bpf_htons(ETH_P_IPV6);
		o->version = 6;
		o->priority = p->tos >> 4;
		o->flow_lbl[0] = (p->tos << 4) | ((hash >> 16) & 0xf);
		o->flow_lbl[1] = hash >> 8;
		o->flow_lbl[2] = hash;
		o->payload_len = bpf_htons(olen - sizeof(*o) + inner_len);
		o->nexthdr = gue			    ? IPPROTO_UDP
			     : p->key.family == XLB_AF_INET ? IPPROTO_IPIP
							    : IPPROTO_IPV6;
		o->hop_limit = XLB_TUN_TTL;
		__builtin_memcpy(&o->saddr, cfg->tun_src6, 16);
		if (cfg->flags & XLB_CFG_F_SRC_FLOW)
			o->saddr.in6_u.u6_addr32[3] = (cfg->tun_src6[3] & ~cfg->tun_mask6) |
						      (bpf_htonl(hash) & cfg->tun_mask6);
		__builtin_memcpy(&o->daddr, be->addr, 16);
		uh = ip + sizeof(*o);
	}
	if (gue) {
		uh->source = bpf_htons(0xc000 | (hash & 0x3fff));
		uh->dest = cfg->gue_port;
		uh->len = bpf_htons(sizeof(*uh) + inner_len);
		uh->check = 0;
	}
	return 0;
}

static __always_inline int encap(struct xdp_md *ctx, struct xlb_pkt *p,
				 const struct xlb_backend *be, const struct xlb_egress *eg,
				 const struct xlb_config *cfg, int gue, int *action)
{
	__u32 olen = (be->family == XLB_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) +
		     (gue ? sizeof(struct udphdr) : 0);
	int err;

	if (icmp_too_big(ctx, p, cfg, olen, &err, action))
		return err;
	if (eg) {
		err = l2_untag(ctx, p);
		if (err)
			return err;
	}
	if (bpf_xdp_adjust_head(ctx, -(int)olen))
		return -XLB_STAT_ENCAP_FAIL;
	/* every packet pointer is stale now; p->eth too */
	if (p->l2_len == ETH_HLEN)
		err = encap_write(ctx, p, be, eg, cfg, gue, ETH_HLEN, olen);
	else if (p->l2_len == ETH_HLEN + 4)
		err = encap_write(ctx, p, be, eg, cfg, gue, ETH_HLEN + 4, olen);
	else
		err = encap_write(ctx, p, be, eg, cfg, gue, ETH_HLEN + 8, olen);
	if (err)
		return err;
	*action = l2_action(eg);
	return 0;
}

#endif /* XLB_ENCAP_H */
