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

/*
 * The IPv4 header without options, id 0 and fragment offset 0, in whole
 * words (parse.h), checksum included: the one's-complement sum of its
 * 32-bit words, folded to 16 bits, is that of its 16-bit words.
 */
static __always_inline void ipv4_hdr_write(void *ip, __u8 tos, __u16 tot_len, __u8 ttl, __u8 proto,
					   __be32 saddr, __be32 daddr)
{
	__u32 w0 = XLB_W32(XLB_W16(0x45, tos), bpf_htons(tot_len));
	__u32 w2 = XLB_W16(ttl, proto);
	__u64 sum = (__u64)w0 + w2 + saddr + daddr;
	__u32 *w = ip;

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	w[0] = w0;
	w[1] = 0;
	w[2] = XLB_W32(w2, (__u16)~sum);
	w[3] = saddr;
	w[4] = daddr;
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
	__u32 hash = 0, inner_len = p->ip_len;
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
	/* the flow's hash, where a header carries it */
	if (gue || be->family != XLB_AF_INET || (cfg->flags & XLB_CFG_F_SRC_FLOW))
		hash = flow_hash_of(p);
	/* VLAN tags move from behind the new headers to their place in front */
	if (l2_len == ETH_HLEN + 4)
		__builtin_memcpy(data + 12, data + olen + 12, 4);
	else if (l2_len == ETH_HLEN + 8)
		__builtin_memcpy(data + 12, data + olen + 12, 8);
	l2_mac_copy(eth->h_dest, be->mac);
	l2_mac_copy(eth->h_source, l2_src_mac(eg, cfg));

	if (be->family == XLB_AF_INET) {
		__be32 saddr = cfg->tun_src4;

		*(__be16 *)(data + l2_len - 2) = bpf_htons(ETH_P_IP);
		if (cfg->flags & XLB_CFG_F_SRC_FLOW)
			saddr = (cfg->tun_src4 & ~cfg->tun_mask4) |
				(bpf_htonl(hash) & cfg->tun_mask4);
		ipv4_hdr_write(ip, p->tos, olen + inner_len, XLB_TUN_TTL,
			       gue			      ? IPPROTO_UDP
			       : p->key.family == XLB_AF_INET ? IPPROTO_IPIP
							      : IPPROTO_IPV6,
			       saddr, be->addr[0]);
		uh = ip + sizeof(struct iphdr);
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
		uh->dest = bpf_htons(cfg->gue_port);
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
