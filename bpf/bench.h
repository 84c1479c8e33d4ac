/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bench.bpf.c's bench_cfg map holds, shared with the programs that fill
 * it: bench/xlb_bench.c and tests/e2e/synflood.c. The frame bench_wrap
 * restores (every header any case touches), the sources bench_gen and
 * gen_spoof give their frames in turn.
 */
#ifndef XLB_BENCH_H
#define XLB_BENCH_H

#include <linux/types.h>

#define BENCH_COPY 96 /* bytes restored: every header any case touches */

struct bench_cfg {
	__u8 frame[BENCH_COPY];
	__u32 src_base; /* host order */
	__u32 src_mask; /* 0: the same source every time */
	__u32 len;	/* the frame's length: a program that grew it is undone */
	__u32 pad;
};

#endif /* XLB_BENCH_H */
