/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow hash. It must give the same value on every xlb host for the same
 * packet, so that hosts behind ECMP agree on a flow's backend: a fixed seed,
 * no per-boot randomness. Murmur3's 32-bit mixing, one round per 32-bit word,
 * is cheap in BPF (no tables, no division) and spreads consecutive ports and
 * addresses well. Userspace tests include this file to predict placements.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include <linux/types.h>

#ifndef XLB_HASH_SEED
#define XLB_HASH_SEED 0x786c6231U /* "xlb1" */
#endif

static __always_inline __u32 hash_rol32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static __always_inline __u32 hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51U;
	k = hash_rol32(k, 15);
	k *= 0x1b873593U;
	h ^= k;
	h = hash_rol32(h, 13);
	return h * 5 + 0xe6546b64U;
}

static __always_inline __u32 hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/* Hash of an address: one word for IPv4, four for IPv6. */
static __always_inline __u32 hash_addr(__u32 h, const __be32 *a, __u8 family)
{
	h = hash_mix(h, a[0]);
	if (family == XLB_AF_INET6) {
		h = hash_mix(h, a[1]);
		h = hash_mix(h, a[2]);
		h = hash_mix(h, a[3]);
	}
	return h;
}

/* The 5-tuple: maglev. */
static __always_inline __u32 hash_flow(const struct xlb_flow_key *k)
{
	__u32 h = XLB_HASH_SEED;

	h = hash_addr(h, k->src, k->family);
	h = hash_addr(h, k->dst, k->family);
	h = hash_mix(h, ((__u32)k->sport << 16) | k->dport);
	return hash_final(h, k->proto);
}

/* Addresses and protocol only: fragments, which carry no ports after the first. */
static __always_inline __u32 hash_addrs(const struct xlb_flow_key *k)
{
	__u32 h = XLB_HASH_SEED;

	h = hash_addr(h, k->src, k->family);
	h = hash_addr(h, k->dst, k->family);
	return hash_final(h, k->proto);
}

/* The client address alone: source-ip affinity. */
static __always_inline __u32 hash_source(const struct xlb_flow_key *k)
{
	return hash_final(hash_addr(XLB_HASH_SEED, k->src, k->family), k->family);
}

/* Map a 32-bit hash onto [0, n) without a division (Lemire's reduction). */
static __always_inline __u32 hash_reduce(__u32 h, __u32 n)
{
	return (__u32)(((__u64)h * n) >> 32);
}

#endif /* XLB_HASH_H */
