/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bench.bpf.c's globals hold, set through its skeleton by the programs
 * that run it: bench/xlb_bench.c and tests/e2e/synflood.c. The sources the
 * wrapper and the generators give their frames in turn, and what bench_wrap
 * restores.
 */
#ifndef XLB_BENCH_H
#define XLB_BENCH_H

#include <linux/types.h>

struct bench_src {
	__u32 base; /* host order */
	__u32 mask; /* 0: the same source every time */
};

/* What bench_wrap restores before each iteration. */
struct bench_wrap {
	__u64 eth_lo;	/* bytes 0-7 of the frame, as they lie in memory */
	__u32 eth_mid;	/* bytes 8-11 */
	__u16 eth_type; /* bytes 12-13 */
	__u16 pad;
	__u32 len; /* the frame's length: what a program grew is given back */
	__u32 pad2;
};

#endif /* XLB_BENCH_H */
