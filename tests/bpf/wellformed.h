/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the packet mutation test: an independent reading of a frame (what a
 * careful receiver accepts: Ethernet, up to two VLAN tags, IPv4 or IPv6 with
 * extension headers, the L4 header within the IP packet's own length), the
 * checksums, and a small reproducible random source.
 */
#ifndef XLB_TEST_WELLFORMED_H
#define XLB_TEST_WELLFORMED_H

#include <stdint.h>
#include <string.h>
#include "pkt.h"

struct wf {
	size_t l2;     /* bytes before the IP header */
	int family;    /* 4, 6 */
	size_t ip_len; /* the IP packet's own length, headers included */
	size_t l4;     /* offset of the L4 header in the frame; 0: none (a later fragment) */
	__u8 proto;    /* the L4 protocol */
	int csum_ok;   /* IPv4 header checksum (IPv6: 1) */
};

static inline __u16 wf_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/*
 * Is the frame an IP packet a receiver would take: every length consistent
 * and, unless it is a fragment, the L4 header (TCP with its options, UDP
 * with a length that fits, ICMP 8 bytes) within the IP packet? Fills w
 * (w->l4 0 for a fragment). Frames that are not IP return 0.
 */
static inline int wf_parse(const __u8 *f, size_t len, struct wf *w)
{
	size_t off = 12, end, l4len;
	__u16 et;
	int tags = 0;

	memset(w, 0, sizeof(*w));
	if (len < 14)
		return 0;
	et = wf_get16(f + off);
	while ((et == ETH_P_8021Q || et == ETH_P_8021AD) && tags < 2) {
		off += 4;
		if (off + 2 > len)
			return 0;
		et = wf_get16(f + off);
		tags++;
	}
	off += 2;
	w->l2 = off;
	if (et == ETH_P_IP) {
		const __u8 *ip = f + off;
		size_t hl;
		__u16 fo;

		if (off + 20 > len || ip[0] >> 4 != 4)
			return 0;
		hl = (ip[0] & 0xf) * 4u;
		w->ip_len = wf_get16(ip + 2);
		if (hl < 20 || w->ip_len < hl || off + w->ip_len > len)
			return 0;
		w->family = 4;
		w->csum_ok = pkt_csum(ip, (int)hl) == 0;
		w->proto = ip[9];
		fo = wf_get16(ip + 6) & 0x3fff;
		if (fo)
			return 1; /* a fragment: balanced by addresses, L4 is the backend's to judge */
		w->l4 = off + hl;
	} else if (et == ETH_P_IPV6) {
		const __u8 *ip = f + off;
		size_t p;
		__u8 nh;
		int n;

		if (off + 40 > len || ip[0] >> 4 != 6)
			return 0;
		w->ip_len = 40 + (size_t)wf_get16(ip + 4);
		if (w->ip_len == 40 || off + w->ip_len > len)
			return 0;
		w->family = 6;
		w->csum_ok = 1;
		nh = ip[6];
		p = off + 40;
		for (n = 0; n < 8; n++) {
			if (nh == 0 || nh == 43 || nh == 60) {
				if (p + 8 > off + w->ip_len)
					return 0;
				nh = f[p];
				p += 8 + f[p + 1] * 8u;
			} else if (nh == 44) {
				if (p + 8 > off + w->ip_len)
					return 0;
				if (wf_get16(f + p + 2) & 0xfff9) {
					w->proto = f[p];
					return 1; /* a fragment, as for IPv4 */
				}
				nh = f[p];
				p += 8;
			} else {
				break;
			}
		}
		if (p > off + w->ip_len)
			return 0;
		w->proto = nh;
		w->l4 = p;
	} else {
		return 0;
	}
	end = off + w->ip_len;
	l4len = end - w->l4;
	if (w->proto == IPPROTO_TCP)
		return l4len >= 20 && (f[w->l4 + 12] >> 4) * 4u >= 20 &&
		       (f[w->l4 + 12] >> 4) * 4u <= l4len;
	if (w->proto == IPPROTO_UDP)
		return l4len >= 8 && wf_get16(f + w->l4 + 4) >= 8 &&
		       wf_get16(f + w->l4 + 4) <= l4len;
	if (w->proto == IPPROTO_ICMP || w->proto == IPPROTO_ICMPV6)
		return l4len >= 8;
	return 1;
}

/* The ICMP (v4) or ICMPv6 checksum of the message at w->l4 is right. */
static inline int wf_icmp_csum_ok(const __u8 *f, const struct wf *w)
{
	size_t n = w->l2 + w->ip_len - w->l4;
	__u8 buf[PKT_MAX * 2 + 40];

	if (w->family == 4)
		return pkt_csum(f + w->l4, (int)n) == 0;
	if (n > sizeof(buf) - 40)
		return 0;
	memcpy(buf, f + w->l2 + 8, 32);
	memset(buf + 32, 0, 8);
	buf[34] = (__u8)(n >> 8);
	buf[35] = (__u8)n;
	buf[39] = IPPROTO_ICMPV6;
	memcpy(buf + 40, f + w->l4, n);
	return pkt_csum(buf, (int)(40 + n)) == 0;
}

/* xorshift64*: the same frames for the same seed. */
static inline uint64_t wf_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

#endif /* XLB_TEST_WELLFORMED_H */
