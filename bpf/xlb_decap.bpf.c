// SPDX-License-Identifier: GPL-2.0
/*
 * The backend side of xlb's tunnels: strip IPv4/IPv6-in-IPv4/IPv6 and GUE
 * (variant 1, the inner packet right after UDP) addressed to this host, and
 * pass the inner packet to the stack, which delivers it to the VIP held on
 * loopback. No tunnel device is needed. Anything else is passed untouched.
 * Loaded by xlb-decap (user/xlb-decap/xlb_decap.c).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "xlb_abi.h"

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

/* xlb_decap_addr as bpftool shows it: the address as bytes (see maps.h) */
struct xlb_decap_addr_btf {
	__u8 addr[16];
	enum xlb_family family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_decap_addr_btf) == sizeof(struct xlb_decap_addr),
	       "xlb_decap_addr_btf is xlb_decap_addr");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_decap_cfg);
} xlb_dcp_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DECAP_MAX_ADDRS);
	__type(key, struct xlb_decap_addr_btf);
	__type(value, __u8);
} xlb_dcp_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_decap_stats);
} xlb_dcp_stats SEC(".maps");

#define COUNT(s, f)               \
	do {                      \
		if (s)            \
			(s)->f++; \
	} while (0)

/* Strip olen bytes after the Ethernet header; the inner packet is `inner`. */
static __always_inline int strip(struct xdp_md *ctx, __u32 olen, __u8 inner)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth;

	if (data + ETH_HLEN + olen > end)
		return XDP_DROP;
	/* the MACs move up to sit on the inner packet (olen > 12: no overlap) */
	eth = data + olen;
	__builtin_memcpy(eth, data, 12);
	eth->h_proto = bpf_htons(inner == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (bpf_xdp_adjust_head(ctx, (int)olen))
		return XDP_DROP;
	return XDP_PASS;
}

static __always_inline int is_ours(const __be32 *a, __u8 family)
{
	struct xlb_decap_addr k = { .family = family };

	if (family == XLB_AF_INET)
		k.addr[0] = a[0];
	else
		__builtin_memcpy(k.addr, a, 16);
	return bpf_map_lookup_elem(&xlb_dcp_addrs, &k) != NULL;
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0, olen;
	struct xlb_decap_stats *st = bpf_map_lookup_elem(&xlb_dcp_stats, &zero);
	struct xlb_decap_cfg *cfg = bpf_map_lookup_elem(&xlb_dcp_cfg, &zero);
	__u8 proto, outer, inner;
	struct udphdr *uh = NULL;
	__be32 dst[4] = {};
	void *l4;

	if ((void *)(eth + 1) > end || !cfg)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > end || iph->ihl != 5)
			goto pass; /* options: not ours to strip, the stack will see it */
		proto = iph->protocol;
		dst[0] = iph->daddr;
		outer = 4;
		l4 = iph + 1;
		olen = sizeof(*iph);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			goto pass;
		proto = ip6->nexthdr;
		__builtin_memcpy(dst, &ip6->daddr, 16);
		outer = 6;
		l4 = ip6 + 1;
		olen = sizeof(*ip6);
	} else {
		goto pass;
	}

	if (proto == IPPROTO_UDP) {
		__u8 *first;

		uh = l4;
		if ((void *)(uh + 1) > end || uh->dest != cfg->gue_port)
			goto pass;
		first = (void *)(uh + 1);
		if ((void *)(first + 1) > end) {
			COUNT(st, malformed);
			return XDP_DROP;
		}
		inner = *first >> 4; /* GUE variant 1: the IP version nibble */
		if (inner != 4 && inner != 6) {
			COUNT(st, malformed);
			return XDP_DROP;
		}
		olen += sizeof(*uh);
	} else if (proto == IPPROTO_IPIP) {
		inner = 4;
	} else if (proto == IPPROTO_IPV6) {
		inner = 6;
	} else {
		goto pass;
	}
	if (!is_ours(dst, outer == 4 ? XLB_AF_INET : XLB_AF_INET6)) {
		COUNT(st, not_ours);
		return XDP_PASS;
	}
	if (uh)
		COUNT(st, gue);
	if (outer == 4 && inner == 4)
		COUNT(st, ipip);
	else if (outer == 6 && inner == 6)
		COUNT(st, ip6ip6);
	else if (outer == 6)
		COUNT(st, ip4in6);
	else
		COUNT(st, ip6in4);
	return strip(ctx, olen, inner);
pass:
	COUNT(st, passed);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
