// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for `make bench` (bench/xlb_bench.c), all in one object so that
 * every case is timed through the same harness.
 *
 * bench_wrap restores the frame under test before each iteration (what it
 * rewrote, and its start, which an encapsulating program moves), then
 * tail-calls the program being timed (xlb_xdp or a floor): timing a program
 * that rewrites the frame with a plain repeat would time the rewritten frame
 * from the second iteration on. It can also give each iteration another
 * IPv4 source address, to visit many flows in turn. Its own cost is in every
 * case and every floor alike; make bench prints it.
 *
 * bench_gen is the traffic generator for the live test: run with
 * BPF_F_TEST_XDP_LIVE_FRAMES and ingress_ifindex set, its XDP_TX frames leave
 * through that interface for real. bench_sink counts what comes back.
 * gen_spoof does what bench_gen does and keeps the IPv4 header checksum
 * right, so that the frames pass a bridge that checks them (br_netfilter):
 * the lab's SYN flood (tests/e2e/synflood.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench.h"

#define SRC_OFF 26 /* IPv4 source address, untagged frame */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_count SEC(".maps");

/*
 * Set by the harness through the skeleton's .bss (a global costs one load of
 * its address; a map lookup costs a call): the sources the wrapper and the
 * generators give their frames in turn, and what bench_wrap restores.
 */
struct bench_src src;
struct bench_wrap wrap;
__u32 seq;
/*
 * 0: sources in turn, base, base + 1, ...; 1: the same sources scrambled (a
 * multiply by an odd number is a permutation modulo a power of 2). A table
 * filled in turn and read in turn meets its entries in the order it laid
 * them out, which no real traffic does.
 */
__u32 scramble;

/* The next source address, network order (src.mask is not 0). */
static __always_inline __u32 next_source(void)
{
	__u32 i = seq++ & src.mask;

	if (scramble)
		i = (i * 0x9e3779b1U) & src.mask;
	return bpf_htonl(src.base + i);
}

/*
 * Every case rewrites the Ethernet header at most, and an encapsulating one
 * writes its new headers in front of the frame, ending where the Ethernet
 * header ended: giving back what it grew and rewriting 14 bytes in three
 * full-width stores restores any frame. The harness checks this (the last
 * iteration's frame must equal one run's without the wrapper). A byte copy
 * of 96 bytes, which is what __builtin_memcpy into packet memory compiles
 * to, cost 192 instructions here, about 8 ns of every case and floor.
 */
SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	int grown = (int)(end - data) - (int)wrap.len;

	/* the run reuses one buffer: give back the head an encap took last time */
	if (grown) {
		if (bpf_xdp_adjust_head(ctx, grown))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
	}
	if (data + SRC_OFF + 4 > end)
		return XDP_ABORTED;
	*(__u64 *)data = wrap.eth_lo;
	*(__u32 *)(data + 8) = wrap.eth_mid;
	*(__u16 *)(data + 12) = wrap.eth_type;
	if (src.mask)
		*(__be32 *)(data + SRC_OFF) = next_source();
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

/* The floor of any forwarding program: send the frame back out. */
SEC("xdp")
int floor_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

/* The floor of L2 forwarding: touch the Ethernet header, send it back. */
SEC("xdp")
int floor_macswap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 tmp[6];

	if (data + 14 > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);
	return XDP_TX;
}

/*
 * The floor of any flow table, for the live test: one read of a 32-byte entry
 * at a slot picked by a hash of the source address, then the same two MAC
 * writes as the swap, the destination MAC taken from the entry as a balancer
 * takes a flow's backend from its entry. Nothing smaller can remember a flow. bench_table's size is set at
 * load, table_mask at run time (a power of 2 minus 1, within it).
 */
struct bench_entry {
	__u8 mac[6];
	__u8 pad[26];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_entry);
} bench_table SEC(".maps");

__u32 table_mask;

SEC("xdp")
int floor_lookup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct bench_entry *e;
	__u64 h;
	__u32 idx;

	if (data + SRC_OFF + 4 > end)
		return XDP_DROP;
	/* a multiply and a mix: slots in no order the hardware could guess */
	h = (__u64)(*(__u32 *)(data + SRC_OFF) + 0x9e3779b9U) * 0xc2b2ae3dU;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	idx = (__u32)(h >> 32) & table_mask;
	e = bpf_map_lookup_elem(&bench_table, &idx);
	if (!e)
		return XDP_DROP;
	__builtin_memcpy(data + 6, data, 6);
	__builtin_memcpy(data, e->mac, 6);
	return XDP_TX;
}

/*
 * The floor of tunnel forwarding: grow the head by an IPv4 header, write a
 * fixed one (no checksum work), send it back.
 */
SEC("xdp")
int floor_ipip(struct xdp_md *ctx)
{
	void *data, *end;

	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 14 + 20 > end)
		return XDP_DROP;
	__builtin_memcpy(data, data + 20, 12);
	*(__u16 *)(data + 12) = bpf_htons(0x0800);
	__builtin_memset(data + 14, 0, 20);
	*(__u8 *)(data + 14) = 0x45;
	*(__u8 *)(data + 14 + 8) = 64;
	*(__u8 *)(data + 14 + 9) = 4;
	return XDP_TX;
}

SEC("xdp")
int gen_spoof(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 sum, o, n;
	__u16 *check;

	if (data + SRC_OFF + 4 > end)
		return XDP_ABORTED;
	/* (the address through byte copies: no 16- and 32-bit views of one place) */
	__builtin_memcpy(&o, data + SRC_OFF, 4);
	n = src.mask ? next_source() : o;
	__builtin_memcpy(data + SRC_OFF, &n, 4);
	/* RFC 1624: the checksum after the source's two words changed */
	check = data + 24;
	sum = (__u16) ~*check + (__u16) ~(o & 0xffff) + (__u16) ~(o >> 16) + (n & 0xffff) +
	      (n >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*check = (__u16)~sum;
	return XDP_TX;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + SRC_OFF + 4 > end)
		return XDP_ABORTED;
	if (src.mask)
		*(__be32 *)(data + SRC_OFF) = next_source();
	return XDP_TX;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bench_count, &zero);

	(void)ctx;
	if (n)
		(*n)++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
