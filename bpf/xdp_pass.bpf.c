// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_PASS and nothing else. Frames sent with XDP_TX on a veth are dropped
 * unless the peer veth runs an XDP program of its own (it needs the peer's
 * NAPI); the lab attaches this one to the peer of the load balancer's veth.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
