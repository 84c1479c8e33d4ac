// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: spoofed TCP SYNs to a VIP, as fast as the machine allows, for the
 * lab's SYN-flood test. The frames are made by the kernel's live-frames test
 * run (BPF_F_TEST_XDP_LIVE_FRAMES) of bench.bpf.c's gen_spoof, which gives
 * each one another source address of 10.113.0.0/12 (and the IPv4 checksum
 * that goes with it: the lab's bridge checks it) and sends it out of IFACE
 * with XDP_TX (the peer of a veth needs an XDP program of its own for that).
 *
 *   synflood IFACE SRC_MAC DST_MAC VIP PORT COUNT
 *
 * Prints how many frames went out and at what rate.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/bench.h"
#include "bench.skel.h"
#include "pkt.h"

#define SPOOF_BASE 0x0a710000 /* 10.113.0.0: routed nowhere in the lab */
#define SPOOF_MASK 0xfffff    /* a million sources */
#define CHUNK	   256	      /* frames a run: the ring holds as many */

static int parse_mac(const char *s, __u8 m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6
		       ? 0
		       : -1;
}

int main(int argc, char **argv)
{
	struct pkt_spec syn = { .family = 4,
				.src = "10.113.0.1",
				.proto = IPPROTO_TCP,
				.sport = 40000,
				.tcp_flags = TH_SYN,
				/* 96 bytes, as the bench's frames: padding, as on a wire */
				.pad = 42 };
	__u8 frame[PKT_MAX], src_mac[6], dst_mac[6];
	struct bench_bpf *skel;
	struct timespec t0, t1;
	unsigned long count, sent, chunk;
	size_t len;
	int ifindex, err = 0;
	double s;

	if (argc != 7 || parse_mac(argv[2], src_mac) || parse_mac(argv[3], dst_mac)) {
		fprintf(stderr, "usage: synflood IFACE SRC_MAC DST_MAC VIP PORT COUNT\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "synflood: no interface %s\n", argv[1]);
		return 1;
	}
	syn.dst = argv[4];
	syn.dport = (__u16)atoi(argv[5]);
	count = strtoul(argv[6], NULL, 0);
	len = pkt_build(&syn, frame);
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, src_mac, 6);

	skel = bench_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "synflood: loading bench.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	skel->bss->src.base = SPOOF_BASE;
	skel->bss->src.mask = SPOOF_MASK;
	/*
	 * In runs of CHUNK: each run's frames wait in the veth peer's ring (256)
	 * until the run returns and its softirq drains them, so a chunk that fits
	 * is not dropped before it reaches the load balancer.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (sent = 0; !err && sent < count; sent += chunk) {
		chunk = count - sent < CHUNK ? count - sent : CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
			    .repeat = (__u32)chunk, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);
		struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex };

		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen_spoof), &o);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		fprintf(stderr, "synflood: %s\n", strerror(errno));
		bench_bpf__destroy(skel);
		return 1;
	}
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%lu SYNs from %u sources in %.2f s (%.2f Mpps)\n", count, SPOOF_MASK + 1, s,
	       (double)count / s / 1e6);
	bench_bpf__destroy(skel);
	return 0;
}
