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
 * Some kernels refuse the live-frames test run even to root (EPERM: it was
 * seen on one of our machines). synflood then sends the same frames, with the
 * same sources, from an AF_PACKET socket (sendmmsg, past the qdisc): slower,
 * but the same million SYNs reach the load balancer.
 *
 * Prints which generator ran, how many frames went out and at what rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>
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
#define BATCH	   64	      /* frames a sendmmsg, for the AF_PACKET generator */
#define SRC_OFF	   26	      /* the IPv4 source address in an untagged frame */

/* The IPv4 header checksum of the header at h (20 bytes), computed anew. */
static void ip_checksum(__u8 *h)
{
	__u32 sum = 0;
	int i;

	h[10] = h[11] = 0;
	for (i = 0; i < 20; i += 2)
		sum += (__u32)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (__u8)(~sum >> 8);
	h[11] = (__u8)~sum;
}

/*
 * The frames through an AF_PACKET socket: the sources in the order
 * gen_spoof gives them (base, base + 1, ...). 0 or -errno.
 */
static int flood_packet(int ifindex, const __u8 *frame, size_t len, unsigned long count)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
	static __u8 bufs[BATCH][PKT_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long sent = 0, seq = 0;
	int fd, one = 1, i, n, err = 0;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* past the qdisc, as the live frames are (a veth has none to speak of) */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memcpy(to.sll_addr, frame, 6);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		memcpy(bufs[i], frame, len);
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = len };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &to,
						   .msg_namelen = sizeof(to),
						   .msg_iov = &iov[i],
						   .msg_iovlen = 1 };
	}
	while (!err && sent < count) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		for (i = 0; i < n; i++) {
			__u32 a = htonl(SPOOF_BASE + (__u32)(seq++ & SPOOF_MASK));

			memcpy(bufs[i] + SRC_OFF, &a, 4);
			ip_checksum(bufs[i] + 14);
		}
		n = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (n < 0 && errno != ENOBUFS && errno != EINTR)
			err = -errno;
		else if (n > 0)
			sent += (unsigned long)n;
		/* (on ENOBUFS the batch goes again: only what left is counted) */
	}
	close(fd);
	return err;
}

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
	const char *how = "live frames";
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
	for (sent = 0; !err && sent < count;) {
		chunk = count - sent < CHUNK ? count - sent : CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
			    .repeat = (__u32)chunk, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);
		struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = (__u32)ifindex };

		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen_spoof), &o) ? -errno
											 : 0;
		if (!err)
			sent += chunk;
	}
	bench_bpf__destroy(skel);
	if (err == -EPERM && sent == 0) {
		fprintf(stderr,
			"synflood: live frames refused by this kernel (%s): AF_PACKET instead\n",
			strerror(-err));
		how = "AF_PACKET sendmmsg";
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = flood_packet(ifindex, frame, len, count);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		fprintf(stderr, "synflood: %s: %s\n", how, strerror(-err));
		return 1;
	}
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%lu SYNs from %u sources in %.2f s (%.2f Mpps, %s)\n", count, SPOOF_MASK + 1, s,
	       (double)count / s / 1e6, how);
	return 0;
}
