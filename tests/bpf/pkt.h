/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A frame builder for the packet tests and benchmarks: Ethernet, VLAN tags,
 * IPv4 with options or IPv6 with extension headers, fragments, TCP, UDP or
 * ICMP, and ways to break each of them (truncation, bad lengths).
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 4096

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define PKT_FRAG_NONE	0
#define PKT_FRAG_FIRST	1 /* offset 0, more fragments */
#define PKT_FRAG_LATER	2 /* offset > 0, no L4 header */
#define PKT_FRAG_ATOMIC 3 /* IPv6: fragment header, offset 0, no M */

struct pkt_spec {
	int family; /* 4, 6; 0: a non-IP frame of type ethertype */
	__u16 ethertype;
	int vlans;	    /* tags before the IP header */
	__u16 vlan_tpid[3]; /* default 802.1Q */
	const char *src, *dst;
	__u8 proto; /* default TCP */
	__u16 sport, dport;
	__u8 tcp_flags; /* default ACK */
	int ip_opt_len; /* IPv4 options, a multiple of 4 */
	int ihl;	/* override the IPv4 IHL */
	__u8 ext[6];	/* IPv6 extension headers, in order */
	int n_ext;
	int frag; /* PKT_FRAG_* */
	__u32 frag_id;
	int payload;   /* L4 payload bytes */
	int len_delta; /* added to tot_len / payload_len */
	int pad;       /* trailing bytes after the IP packet */
	int truncate;  /* > 0: cut the frame to this length */
	int df;	       /* IPv4 don't fragment */
};

static const __u8 pkt_client_mac[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const __u8 pkt_lb_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static inline void pkt_put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline __u16 pkt_csum(const __u8 *p, int len)
{
	__u32 s = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		s += (p[i] << 8) | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static inline int pkt_l4(const struct pkt_spec *s, __u8 *p)
{
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	int n;

	if (proto == IPPROTO_TCP) {
		memset(p, 0, 20);
		pkt_put16(p, s->sport);
		pkt_put16(p + 2, s->dport);
		p[12] = 5 << 4;
		p[13] = s->tcp_flags ? s->tcp_flags : TH_ACK;
		pkt_put16(p + 14, 65535);
		n = 20;
	} else if (proto == IPPROTO_UDP) {
		pkt_put16(p, s->sport);
		pkt_put16(p + 2, s->dport);
		pkt_put16(p + 4, 8 + s->payload);
		pkt_put16(p + 6, 0);
		n = 8;
	} else { /* ICMP or ICMPv6 echo request; the v6 checksum is pkt_build's */
		memset(p, 0, 8);
		p[0] = proto == IPPROTO_ICMPV6 ? 128 : 8;
		pkt_put16(p + 4, 0x77);
		pkt_put16(p + 6, 1);
		n = 8;
	}
	memset(p + n, 0x5a, s->payload);
	if (proto == IPPROTO_ICMP)
		pkt_put16(p + 2, pkt_csum(p, n + s->payload));
	return n + s->payload;
}

/* ICMPv6 checksum: the pseudo-header (addresses, length, next header) and msg. */
static inline __u16 pkt_csum6(const __u8 *ip6, const __u8 *msg, int len)
{
	__u8 buf[PKT_MAX + 40];

	memcpy(buf, ip6 + 8, 32);
	memset(buf + 32, 0, 8);
	pkt_put16(buf + 34, (__u16)len);
	buf[39] = IPPROTO_ICMPV6;
	memcpy(buf + 40, msg, len);
	buf[40 + 2] = 0;
	buf[40 + 3] = 0;
	return pkt_csum(buf, 40 + len);
}

/* Build the frame into buf; return its length. */
static inline size_t pkt_build(const struct pkt_spec *s, __u8 *buf)
{
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	__u8 *p = buf;
	__u8 *ip;
	int i, l4len = 0, hlen;
	size_t len;

	memset(buf, 0, PKT_MAX);
	memcpy(p, pkt_lb_mac, 6);
	memcpy(p + 6, pkt_client_mac, 6);
	p += 12;
	for (i = 0; i < s->vlans; i++) {
		pkt_put16(p, s->vlan_tpid[i] ? s->vlan_tpid[i] : ETH_P_8021Q);
		pkt_put16(p + 2, 100 + i); /* TCI: VLAN id */
		p += 4;
	}
	if (!s->family) {
		pkt_put16(p, s->ethertype);
		p += 2;
		memset(p, 0x11, 28 + s->payload); /* an ARP-sized body */
		p += 28 + s->payload;
		return p - buf;
	}
	pkt_put16(p, s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	p += 2;
	ip = p;

	if (s->family == 4) {
		hlen = 20 + s->ip_opt_len;
		ip[0] = 0x40 | ((s->ihl ? s->ihl : hlen / 4) & 0xf);
		ip[1] = 0;
		pkt_put16(ip + 4, s->frag_id ? s->frag_id : 0x1234);
		if (s->frag == PKT_FRAG_FIRST)
			pkt_put16(ip + 6, 0x2000);
		else if (s->frag == PKT_FRAG_LATER)
			pkt_put16(ip + 6, 185); /* offset 1480 bytes */
		else if (s->df)
			pkt_put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = proto;
		inet_pton(AF_INET, s->src, ip + 12);
		inet_pton(AF_INET, s->dst, ip + 16);
		for (i = 0; i < s->ip_opt_len; i++)
			ip[20 + i] = 1; /* NOP options */
		p = ip + hlen;
		if (s->frag == PKT_FRAG_LATER) {
			memset(p, 0x5a, 8 + s->payload);
			l4len = 8 + s->payload;
		} else {
			l4len = pkt_l4(s, p);
		}
		pkt_put16(ip + 2, hlen + l4len + s->len_delta);
		pkt_put16(ip + 10, 0);
		pkt_put16(ip + 10, pkt_csum(ip, hlen));
		p += l4len;
	} else {
		__u8 nh_slot_proto = proto;
		__u8 *nh = ip + 6;

		ip[0] = 0x60;
		ip[7] = 64;
		inet_pton(AF_INET6, s->src, ip + 8);
		inet_pton(AF_INET6, s->dst, ip + 24);
		p = ip + 40;
		for (i = 0; i < s->n_ext; i++) {
			*nh = s->ext[i];
			nh = p;
			if (s->ext[i] == IPPROTO_FRAGMENT) {
				memset(p, 0, 8);
				if (s->frag == PKT_FRAG_FIRST)
					pkt_put16(p + 2, 0x0001);
				else if (s->frag == PKT_FRAG_LATER)
					pkt_put16(p + 2, 185 << 3);
				p[4] = s->frag_id >> 24;
				p[5] = s->frag_id >> 16;
				p[6] = s->frag_id >> 8;
				p[7] = s->frag_id | 1;
				p += 8;
			} else {
				memset(p, 0, 16);
				p[1] = 1; /* 16 bytes */
				p[2] = 1; /* PadN option */
				p[3] = 12;
				p += 16;
			}
		}
		*nh = nh_slot_proto;
		if (s->frag == PKT_FRAG_LATER) {
			memset(p, 0x5a, 8 + s->payload);
			l4len = 8 + s->payload;
		} else {
			l4len = pkt_l4(s, p);
		}
		p += l4len;
		pkt_put16(ip + 4, (p - ip - 40) + s->len_delta);
		if (proto == IPPROTO_ICMPV6 && !s->n_ext)
			pkt_put16(ip + 42, pkt_csum6(ip, ip + 40, l4len));
	}
	memset(p, 0, s->pad);
	p += s->pad;
	len = p - buf;
	if (s->truncate > 0 && (size_t)s->truncate < len)
		len = s->truncate;
	return len;
}

#endif /* XLB_TEST_PKT_H */
