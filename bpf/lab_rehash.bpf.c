// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster lab's router (scripts/lab.sh cluster): on its client-facing
 * port, forget the hash the client's socket put on each packet, so that
 * ECMP hashes the 5-tuple as a hardware router does. Over veths the kernel
 * keeps the sender's skb hash, which TCP redraws on every retransmission
 * timeout: a stalled flow would hop between load balancers by itself.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int lab_rehash(struct __sk_buff *skb)
{
	bpf_set_hash_invalid(skb);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
