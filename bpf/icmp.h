/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP for VIPs:
 * - echo requests to a VIP address are answered here (icmp_echo), so that a
 *   VIP answers ping like any host;
 * - "fragmentation needed" (ICMP 3/4) and "packet too big" (ICMPv6 2) sent to
 *   a VIP quote the start of the packet the backend sent (VIP to client): the
 *   quoted header, turned around, is the flow's key, and the error goes to the
 *   backend that owns the flow, so that its TCP lowers its MSS;
 * - a packet that a tunnel would make larger than the configured MTU is
 *   answered with "fragmentation needed" (IPv4 with DF) or "packet too big"
 *   (IPv6) from the VIP, giving the MTU the client must use.
 * Checksums are updated incrementally (RFC 1624) or computed over the few
 * bytes each reply carries.
 */
#ifndef XLB_ICMP_H
#define XLB_ICMP_H

#include "maps.h"
#include "parse.h"

#define XLB_ICMP_ECHO	     8
#define XLB_ICMP_ECHOREPLY   0
#define XLB_ICMP_UNREACH     3
#define XLB_ICMP_FRAG_NEEDED 4
#define XLB_ICMP6_TOO_BIG    2
#define XLB_ICMP6_ECHO	     128
#define XLB_ICMP6_ECHOREPLY  129
#define XLB_IPV6_MIN_MTU     1280
#define XLB_ICMP_L4_MASK     0xfff /* the ICMP header is within the first 4 KiB */

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* RFC 1624: the checksum after one 16-bit word changed from old to new. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 old, __u16 new)
{
	return csum_fold32((__u16)~check + (__u16)~old + new);
}

static __always_inline int icmp_is_echo(const struct xlb_pkt *p)
{
	return p->key.family == XLB_AF_INET ? p->icmp_type == XLB_ICMP_ECHO
					    : p->icmp_type == XLB_ICMP6_ECHO;
}

static __always_inline int icmp_is_too_big(const struct xlb_pkt *p)
{
	return p->key.family == XLB_AF_INET
		       ? p->icmp_type == XLB_ICMP_UNREACH && p->icmp_code == XLB_ICMP_FRAG_NEEDED
		       : p->icmp_type == XLB_ICMP6_TOO_BIG;
}

/* Is the destination an address some VIP serves (any port, TCP or UDP)? */
static __always_inline int icmp_to_vip_address(const struct xlb_pkt *p)
{
	struct xlb_vip_key k = { .family = p->key.family, .flags = XLB_VIPK_F_FRAG };

	__builtin_memcpy(k.addr, p->key.dst, sizeof(k.addr));
	k.proto = IPPROTO_TCP;
	if (bpf_map_lookup_elem(&xlb_vips, &k))
		return 1;
	k.proto = IPPROTO_UDP;
	return bpf_map_lookup_elem(&xlb_vips, &k) != NULL;
}

/* Turn an echo request around in place. */
static __always_inline int icmp_echo_reply(struct xdp_md *ctx, struct xlb_pkt *p,
					   const struct xlb_config *cfg, int *action)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 l3 = p->l2_len & 0x1f, l4 = p->l4_off & XLB_ICMP_L4_MASK;
	__u16 *ic = data + l4, old;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];

	if ((void *)(eth + 1) > end || (void *)(ic + 4) > end)
		return -XLB_STAT_MALFORMED;
	/* back to the sender, from our own MAC (not whatever the frame was sent to) */
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->if_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);

	if (p->key.family == XLB_AF_INET) {
		struct iphdr *iph = data + l3;
		__be32 a;

		if ((void *)(iph + 1) > end)
			return -XLB_STAT_MALFORMED;
		a = iph->saddr;
		iph->saddr = iph->daddr;
		iph->daddr = a;
		old = *(__u16 *)&iph->ttl;
		iph->ttl = 64;
		iph->check = csum_replace2(iph->check, old, *(__u16 *)&iph->ttl);
		old = ic[0];
		((__u8 *)ic)[0] = XLB_ICMP_ECHOREPLY;
	} else {
		struct ipv6hdr *ip6 = data + l3;
		struct in6_addr a;

		if ((void *)(ip6 + 1) > end)
			return -XLB_STAT_MALFORMED;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a; /* the pseudo-header's sum does not change */
		ip6->hop_limit = 64;
		old = ic[0];
		((__u8 *)ic)[0] = XLB_ICMP6_ECHOREPLY;
	}
	ic[1] = csum_replace2(ic[1], old, ic[0]);
	stats_count(XLB_STAT_ICMP_ECHO);
	*action = XDP_TX;
	return 0;
}

/*
 * The flow an ICMP error is about: the quoted packet went from the VIP to the
 * client, so its source is our destination and its ports are swapped.
 */
static __always_inline int icmp_inner_key(struct xdp_md *ctx, struct xlb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	void *inner = data + (p->l4_off & XLB_ICMP_L4_MASK) + 8;
	/* the quote is part of the ICMP packet: it ends where that does */
	void *ip_end = data + p->l2_len + p->ip_len;
	struct xlb_flow_key *k = &p->key;
	__be16 *ports;

	if (k->family == XLB_AF_INET) {
		struct iphdr *ih = inner;

		if ((void *)(ih + 1) > end || ih->version != 4 || ih->ihl < 5)
			return -XLB_STAT_MALFORMED;
		ports = inner + ih->ihl * 4;
		if ((void *)(ports + 2) > end || (void *)(ports + 2) > ip_end)
			return -XLB_STAT_MALFORMED;
		k->proto = ih->protocol;
		k->src[0] = ih->daddr;
		k->dst[0] = ih->saddr;
	} else {
		struct ipv6hdr *ih = inner;

		ports = (void *)(ih + 1);
		if ((void *)(ports + 2) > end || (void *)(ports + 2) > ip_end)
			return -XLB_STAT_MALFORMED;
		k->proto = ih->nexthdr;
		__builtin_memcpy(k->src, &ih->daddr, 16);
		__builtin_memcpy(k->dst, &ih->saddr, 16);
	}
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		return -XLB_STAT_NOT_VIP;
	k->sport = ports[1];
	k->dport = ports[0];
	p->tcp_flags = XLB_TCP_ACK; /* about an established flow, never a SYN */
	return 0;
}

/* Sum of n 16-bit words. */
static __always_inline __u32 csum_words(const __u16 *w, int n, __u32 sum)
{
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * Cut the frame to len bytes: all of it, fragments included. The program
 * declares no fragment support, so drivers never give it a frame in pieces,
 * but a test run does (frames beyond a page): what it answers must be
 * trimmed either way, and bpf_xdp_get_buff_len() sees the whole frame.
 */
static __always_inline int trim_to(struct xdp_md *ctx, __u32 len)
{
	__u64 have = bpf_xdp_get_buff_len(ctx);

	return have > len ? bpf_xdp_adjust_tail(ctx, (int)len - (int)have) : 0;
}

/*
 * Answer the packet in front of us with "fragmentation needed" (IPv4) from
 * the VIP to the client: the reply quotes the packet's first 28 bytes, which
 * stay where they are; new headers go in front, the rest is cut.
 */
static __always_inline int too_big4(struct xdp_md *ctx, const struct xlb_config *cfg, __u32 l2,
				    __u16 mtu)
{
	void *data, *end;
	struct iphdr *o, *orig;
	__u16 *ic;
	__u32 sum;

	if (bpf_xdp_adjust_head(ctx, -28))
		return -XLB_STAT_ENCAP_FAIL;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + l2 + 56 > end)
		return -XLB_STAT_MALFORMED;
	/* L2 first: the new IP header overwrites the old L2 header */
	__builtin_memcpy(data, data + 28 + 6, ETH_ALEN);
	__builtin_memcpy(data + 6, cfg->if_mac, ETH_ALEN);
	if (l2 == ETH_HLEN + 4)
		__builtin_memcpy(data + 12, data + 28 + 12, 4);
	else if (l2 == ETH_HLEN + 8)
		__builtin_memcpy(data + 12, data + 28 + 12, 8);
	*(__be16 *)(data + l2 - 2) = bpf_htons(ETH_P_IP);

	o = data + l2;
	orig = data + l2 + 28;
	o->version = 4;
	o->ihl = 5;
	o->tos = 0xc0; /* internetwork control, as routers send it */
	o->tot_len = bpf_htons(56);
	o->id = 0;
	o->frag_off = 0;
	o->ttl = 64;
	o->protocol = IPPROTO_ICMP;
	o->saddr = orig->daddr;
	o->daddr = orig->saddr;
	o->check = 0;
	o->check = csum_fold32(csum_words((__u16 *)o, 10, 0));

	ic = (__u16 *)(o + 1);
	((__u8 *)ic)[0] = XLB_ICMP_UNREACH;
	((__u8 *)ic)[1] = XLB_ICMP_FRAG_NEEDED;
	ic[1] = 0;
	ic[2] = 0;
	ic[3] = bpf_htons(mtu);
	sum = csum_words(ic, 18, 0); /* the ICMP header and the 28 quoted bytes */
	ic[1] = csum_fold32(sum);

	if (trim_to(ctx, l2 + 56))
		return -XLB_STAT_MALFORMED;
	return 0;
}

/* The same for IPv6: "packet too big", quoting the first 48 bytes. */
static __always_inline int too_big6(struct xdp_md *ctx, const struct xlb_config *cfg, __u32 l2,
				    __u32 mtu)
{
	void *data, *end;
	struct ipv6hdr *o, *orig;
	__u16 *ic;
	__u32 sum;

	if (bpf_xdp_adjust_head(ctx, -48))
		return -XLB_STAT_ENCAP_FAIL;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + l2 + 96 > end)
		return -XLB_STAT_MALFORMED;
	__builtin_memcpy(data, data + 48 + 6, ETH_ALEN);
	__builtin_memcpy(data + 6, cfg->if_mac, ETH_ALEN);
	if (l2 == ETH_HLEN + 4)
		__builtin_memcpy(data + 12, data + 48 + 12, 4);
	else if (l2 == ETH_HLEN + 8)
		__builtin_memcpy(data + 12, data + 48 + 12, 8);
	*(__be16 *)(data + l2 - 2) = bpf_htons(ETH_P_IPV6);

	o = data + l2;
	orig = data + l2 + 48;
	*(__be32 *)o = bpf_htonl(0x60000000);
	o->payload_len = bpf_htons(56);
	o->nexthdr = IPPROTO_ICMPV6;
	o->hop_limit = 64;
	o->saddr = orig->daddr;
	o->daddr = orig->saddr;

	ic = (__u16 *)(o + 1);
	((__u8 *)ic)[0] = XLB_ICMP6_TOO_BIG;
	((__u8 *)ic)[1] = 0;
	ic[1] = 0;
	*(__be32 *)(ic + 2) = bpf_htonl(mtu);
	/* pseudo-header: addresses, upper-layer length, next header */
	sum = csum_words((__u16 *)&o->saddr, 16, bpf_htons(56) + bpf_htons(IPPROTO_ICMPV6));
	sum = csum_words(ic, 28, sum); /* the ICMPv6 header and the 48 quoted bytes */
	ic[1] = csum_fold32(sum);

	if (trim_to(ctx, l2 + 96))
		return -XLB_STAT_MALFORMED;
	return 0;
}

/*
 * Would the tunnel make this packet larger than the MTU? Then answer the
 * client instead (return 1 with *err and *action set). IPv4 without DF may
 * be fragmented on the way (the outer header allows it): it goes on.
 */
static __always_inline int icmp_too_big(struct xdp_md *ctx, struct xlb_pkt *p,
					const struct xlb_config *cfg, __u32 olen, int *err,
					int *action)
{
	__u32 mtu;

	if (!cfg->mtu || p->ip_len + olen <= cfg->mtu || p->is_icmp)
		return 0;
	mtu = cfg->mtu > olen ? cfg->mtu - olen : 0;
	if (p->key.family == XLB_AF_INET) {
		if (!p->df || !p->ihl5)
			return 0;
		if (p->l2_len == ETH_HLEN)
			*err = too_big4(ctx, cfg, ETH_HLEN, (__u16)mtu);
		else if (p->l2_len == ETH_HLEN + 4)
			*err = too_big4(ctx, cfg, ETH_HLEN + 4, (__u16)mtu);
		else
			*err = too_big4(ctx, cfg, ETH_HLEN + 8, (__u16)mtu);
	} else {
		if (mtu < XLB_IPV6_MIN_MTU)
			mtu = XLB_IPV6_MIN_MTU;
		if (p->l2_len == ETH_HLEN)
			*err = too_big6(ctx, cfg, ETH_HLEN, mtu);
		else if (p->l2_len == ETH_HLEN + 4)
			*err = too_big6(ctx, cfg, ETH_HLEN + 4, mtu);
		else
			*err = too_big6(ctx, cfg, ETH_HLEN + 8, mtu);
	}
	if (!*err) {
		stats_count(XLB_STAT_ICMP_TOO_BIG);
		*action = XDP_TX;
	}
	return 1;
}

#endif /* XLB_ICMP_H */
