/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet parsing: Ethernet, up to two VLAN tags, IPv4 (any IHL) or IPv6 (a
 * bounded walk over extension headers), then TCP or UDP. The result is the
 * flow key and what the balancer needs to know about the packet.
 *
 * Return 0, or a negative XLB_STAT_* reason: not_ip and not_vip and unparsed
 * are passed to the kernel untouched, malformed is dropped. A truncated or
 * inconsistent header is malformed: no stack would accept it either. The
 * parse stops at the IP header of a packet that is certainly not for a VIP
 * (vip_filter_has): the kernel judges the rest of other hosts' traffic.
 */
#ifndef XLB_PARSE_H
#define XLB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "xlb_abi.h"
#include "maps.h"

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define XLB_VLAN_MAX 2

#define XLB_IP_DF     0x4000
#define XLB_IP_MF     0x2000
#define XLB_IP_OFFSET 0x1fff

#define XLB_TCP_FIN 0x01
#define XLB_TCP_SYN 0x02
#define XLB_TCP_RST 0x04
#define XLB_TCP_ACK 0x10

struct xlb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct xlb_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 id;
};

struct xlb_pkt {
	struct xlb_flow_key key; /* 5-tuple; ports 0 for fragments */
	struct ethhdr *eth;
	__u32 len;	/* frame length */
	__u16 ip_len;	/* the IP packet's own length, headers included */
	__u8 l2_len;	/* Ethernet header and VLAN tags */
	__u8 tos;	/* IPv4 TOS or IPv6 traffic class: DSCP and ECN */
	__u8 tcp_flags; /* XLB_TCP_* of a TCP packet */
	__u8 is_frag;	/* any fragment of a fragmented datagram */
	__u8 is_icmp;	/* ICMP or ICMPv6: see icmp.h */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 df;   /* IPv4 don't fragment; IPv6: always (no router fragments) */
	__u8 ihl5; /* IPv4 without options (or IPv6) */
	__u8 pad;
	__u16 l4_off; /* the L4 header's offset in the frame */
};

/* Could the packet be for a VIP? No means certainly not. */
static __always_inline int vip_filter_has(const struct xlb_pkt *p)
{
	__u32 zero = 0, bit = xlb_filter_bit(p->key.dst, p->key.family);
	struct xlb_vip_filter *f = bpf_map_lookup_elem(&xlb_vip_filter, &zero);

	return f && (f->bits[bit >> 6] >> (bit & 63)) & 1;
}

/*
 * Words as memory holds them, built in registers from the bytes (W16), the
 * 16-bit fields in network order (W32) or the 32-bit words (W64) that lie
 * in them first to last. Keys and headers are written in such whole words:
 * what reads them back (the flow table's hash 4 bytes at a time and its
 * compare 8, the kernel's hash of a map key, a header's checksum) must not
 * load a word that several smaller stores wrote, which the CPU cannot
 * forward from its store buffer and waits for.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XLB_W16(b0, b1) ((__u32)(b0) | (__u32)(b1) << 8)
#define XLB_W32(f0, f1) ((__u32)(f0) | (__u32)(f1) << 16)
#define XLB_W64(w0, w1) ((__u64)(w0) | (__u64)(w1) << 32)
#else
#define XLB_W16(b0, b1) ((__u32)(b0) << 8 | (__u32)(b1))
#define XLB_W32(f0, f1) ((__u32)(f0) << 16 | (__u32)(f1))
#define XLB_W64(w0, w1) ((__u64)(w0) << 32 | (__u64)(w1))
#endif

/* The key's last 8 bytes: the ports as they lie in the L4 header, protocol, family. */
static __always_inline void xlb_key_tail(struct xlb_pkt *p, __u32 ports)
{
	((__u64 *)&p->key)[4] = XLB_W64(ports, XLB_W32(XLB_W16(p->key.proto, p->key.family), 0));
}

/* An address into the key: IPv4 with the zeros after it, IPv6 8 bytes a store. */
static __always_inline void xlb_key_addr4(__be32 *to, __be32 a)
{
	*(__u64 *)to = XLB_W64(a, 0);
}

static __always_inline void xlb_key_addr6(__be32 *to, const __be32 *a)
{
	((__u64 *)to)[0] = XLB_W64(a[0], a[1]);
	((__u64 *)to)[1] = XLB_W64(a[2], a[3]);
}

/*
 * The L4 header at pos, which must lie within the frame (end, for the
 * verifier) and within the IP packet (ip_end: what its header declares;
 * Ethernet padding after it is not part of it).
 */
static __always_inline int parse_l4(void *pos, void *end, void *ip_end, struct xlb_pkt *p)
{
	if (p->is_frag)
		return 0; /* addresses only: see hash_addrs() */

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = pos;

		if ((void *)(th + 1) > end || (void *)(th + 1) > ip_end)
			return -XLB_STAT_MALFORMED;
		/* the whole header, options included, within the packet */
		if (th->doff < 5 || pos + th->doff * 4 > ip_end)
			return -XLB_STAT_MALFORMED;
		xlb_key_tail(p, *(__u32 *)&th->source);
		/* flags live in byte 13 of the header */
		p->tcp_flags = ((__u8 *)th)[13];
		return 0;
	}
	if (p->key.proto == IPPROTO_UDP) {
		struct udphdr *uh = pos;

		if ((void *)(uh + 1) > end || (void *)(uh + 1) > ip_end)
			return -XLB_STAT_MALFORMED;
		/* a datagram longer than its packet was cut (shorter: trimmed, as the kernel does) */
		if (bpf_ntohs(uh->len) < sizeof(*uh) || pos + bpf_ntohs(uh->len) > ip_end)
			return -XLB_STAT_MALFORMED;
		xlb_key_tail(p, *(__u32 *)&uh->source);
		return 0;
	}
	/* ICMP of the packet's own family only: protocol numbers do not cross */
	if (p->key.proto == (p->key.family == XLB_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		__u8 *ic = pos;

		/* the 8 bytes every message we answer or route has (type to sequence / MTU) */
		if ((void *)(ic + 8) > end || (void *)(ic + 8) > ip_end)
			return -XLB_STAT_NOT_VIP; /* the kernel's to judge */
		p->is_icmp = 1;
		p->icmp_type = ic[0];
		p->icmp_code = ic[1];
		p->l4_off = (__u16)(pos - (void *)p->eth);
		return 0;
	}
	return -XLB_STAT_NOT_VIP; /* VIPs are TCP or UDP */
}

static __always_inline int parse_ipv4(void *pos, void *end, struct xlb_pkt *p)
{
	struct iphdr *iph = pos;
	__u32 hlen;

	if ((void *)(iph + 1) > end)
		return -XLB_STAT_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return -XLB_STAT_MALFORMED;
	hlen = iph->ihl * 4;
	if (pos + hlen > end)
		return -XLB_STAT_MALFORMED;
	/* total length within the frame (Ethernet may pad, never cut) */
	if (bpf_ntohs(iph->tot_len) < hlen || pos + bpf_ntohs(iph->tot_len) > end)
		return -XLB_STAT_MALFORMED;

	p->key.family = XLB_AF_INET;
	p->key.proto = iph->protocol;
	p->ip_len = bpf_ntohs(iph->tot_len);
	p->tos = iph->tos;
	xlb_key_addr4(p->key.src, iph->saddr);
	xlb_key_addr4(p->key.dst, iph->daddr);
	if (!vip_filter_has(p))
		return -XLB_STAT_NOT_VIP;
	p->is_frag = (iph->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET)) != 0;
	p->df = (iph->frag_off & bpf_htons(XLB_IP_DF)) != 0;
	p->ihl5 = iph->ihl == 5;

	return parse_l4(pos + hlen, end, pos + p->ip_len, p);
}

static __always_inline int ipv6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT;
}

static __always_inline int parse_ipv6(void *pos, void *end, struct xlb_pkt *p)
{
	struct ipv6hdr *ip6 = pos;
	void *ip_end;
	__u16 plen;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > end)
		return -XLB_STAT_MALFORMED;
	if (ip6->version != 6)
		return -XLB_STAT_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	/* 0 is a jumbogram's, never seen at these MTUs: the kernel's to judge */
	if (!plen)
		return -XLB_STAT_UNPARSED;
	if ((void *)(ip6 + 1) + plen > end)
		return -XLB_STAT_MALFORMED;
	ip_end = (void *)(ip6 + 1) + plen;

	p->key.family = XLB_AF_INET6;
	p->ip_len = sizeof(*ip6) + plen;
	p->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	xlb_key_addr6(p->key.src, ip6->saddr.in6_u.u6_addr32);
	xlb_key_addr6(p->key.dst, ip6->daddr.in6_u.u6_addr32);
	if (!vip_filter_has(p))
		return -XLB_STAT_NOT_VIP;
	nh = ip6->nexthdr;
	pos = ip6 + 1;

#pragma unroll
	for (i = 0; i < XLB_IPV6_EXT_MAX; i++) {
		if (!ipv6_is_ext(nh))
			break;
		if (nh == IPPROTO_FRAGMENT) {
			struct xlb_ipv6_frag_hdr *fh = pos;

			if ((void *)(fh + 1) > end || (void *)(fh + 1) > ip_end)
				return -XLB_STAT_MALFORMED;
			/* an atomic fragment (offset 0, no M) is a whole datagram */
			if (fh->frag_off & bpf_htons(0xfff9))
				p->is_frag = 1;
			nh = fh->nexthdr;
			pos = fh + 1;
		} else {
			struct ipv6_opt_hdr *oh = pos;

			if ((void *)(oh + 1) > end || (void *)(oh + 1) > ip_end)
				return -XLB_STAT_MALFORMED;
			nh = oh->nexthdr;
			pos += (oh->hdrlen + 1) * 8;
		}
	}
	if (ipv6_is_ext(nh))
		return -XLB_STAT_UNPARSED;
	if (pos > end || pos > ip_end)
		return -XLB_STAT_MALFORMED;

	p->key.proto = nh;
	p->df = 1;
	p->ihl5 = 1;
	return parse_l4(pos, end, ip_end, p);
}

static __always_inline int parse_packet(struct xdp_md *ctx, struct xlb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *pos = eth + 1;
	__be16 proto;
	int i;

	p->len = end - data;
	if (pos > end)
		return -XLB_STAT_MALFORMED;
	p->eth = eth;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < XLB_VLAN_MAX; i++) {
		struct xlb_vlan_hdr *vh = pos;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return -XLB_STAT_MALFORMED;
		proto = vh->proto;
		pos = vh + 1;
	}

	p->l2_len = pos - data;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(pos, end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(pos, end, p);
	return -XLB_STAT_NOT_IP;
}

#endif /* XLB_PARSE_H */
