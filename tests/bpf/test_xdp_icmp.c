// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, ICMP. Echo answered from the VIP, errors
 * routed to the backend of the flow they quote, too-big answers for
 * tunnelled VIPs. The lab (xdp_lab.h) runs the real program on frames built
 * by pkt.h.
 */
#include "xdp_lab.h"

/* ---- ICMP ---------------------------------------------------------------------- */

static void test_icmp_protocol_numbers_never_cross_families(void **state)
{
	struct pkt_spec v4 = { .family = 4,
			       .src = "192.0.2.61",
			       .dst = "10.0.0.100",
			       .proto = IPPROTO_ICMP,
			       .payload = 24 };
	struct pkt_spec v6 = { .family = 6,
			       .src = "2001:db8::61",
			       .dst = "fd00::100",
			       .proto = IPPROTO_ICMPV6,
			       .payload = 24 };
	__u64 echo0 = gstat(XLB_STAT_ICMP_ECHO);
	struct result r;

	(void)state;
	config_with(XLB_CFG_F_ICMP_ECHO, 0);
	r.in_len = pkt_build(&v4, r.in);
	r.in[14 + 9] = IPPROTO_ICMPV6; /* type 8 stays: what IPv4 calls an echo request */
	pkt_put16(r.in + 14 + 10, 0);
	pkt_put16(r.in + 14 + 10, pkt_csum(r.in + 14, 20));
	run_frame(&r);
	assert_int_equal(r.verdict, XDP_PASS);
	r.in_len = pkt_build(&v6, r.in);
	r.in[14 + 6] = IPPROTO_ICMP; /* type 128 stays: what IPv6 calls an echo request */
	run_frame(&r);
	assert_int_equal(r.verdict, XDP_PASS);
	assert_int_equal(gstat(XLB_STAT_ICMP_ECHO), echo0);
	config_with(0, 0);
}

static void test_ping_to_a_vip_is_answered_from_the_vip(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .src = "192.0.2.60",
			      .dst = "10.0.0.100",
			      .proto = IPPROTO_ICMP,
			      .payload = 24 };
	__u64 echo0 = gstat(XLB_STAT_ICMP_ECHO);
	__u8 want[PKT_MAX];
	struct result r;

	(void)state;
	config_with(XLB_CFG_F_ICMP_ECHO, 0);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	/* the request turned around: MACs, addresses, TTL 64, type 0, checksums */
	memcpy(want, r.in, r.in_len);
	memcpy(want, pkt_client_mac, 6);
	memcpy(want + 6, pkt_lb_mac, 6);
	memcpy(want + 14 + 12, r.in + 14 + 16, 4);
	memcpy(want + 14 + 16, r.in + 14 + 12, 4);
	want[14 + 8] = 64;
	pkt_put16(want + 14 + 10, 0);
	pkt_put16(want + 14 + 10, pkt_csum(want + 14, 20));
	want[34] = 0;
	pkt_put16(want + 36, 0);
	pkt_put16(want + 36, pkt_csum(want + 34, (int)r.in_len - 34));
	assert_int_equal(r.out_len, r.in_len);
	assert_memory_equal(r.out, want, r.in_len);
	assert_int_equal(gstat(XLB_STAT_ICMP_ECHO), echo0 + 1);

	/* not a VIP: the kernel's; echo off: the kernel's too */
	s.dst = "10.0.0.1";
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_PASS);
	assert_untouched(&r);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
	s.dst = "10.0.0.100";
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_PASS);
}

static void test_ping6_to_a_vip_is_answered_from_the_vip(void **state)
{
	struct pkt_spec s = { .family = 6,
			      .src = "2001:db8::60",
			      .dst = "fd00::100",
			      .proto = IPPROTO_ICMPV6,
			      .payload = 24 };
	__u8 want[PKT_MAX];
	struct result r;

	(void)state;
	config_with(XLB_CFG_F_ICMP_ECHO, 0);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	memcpy(want, r.in, r.in_len);
	memcpy(want, pkt_client_mac, 6);
	memcpy(want + 6, pkt_lb_mac, 6);
	memcpy(want + 14 + 8, r.in + 14 + 24, 16);
	memcpy(want + 14 + 24, r.in + 14 + 8, 16);
	want[14 + 7] = 64;
	want[54] = 129;
	pkt_put16(want + 56, pkt_csum6(want + 14, want + 54, (int)r.in_len - 54));
	assert_int_equal(r.out_len, r.in_len);
	assert_memory_equal(r.out, want, r.in_len);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

/*
 * An ICMP error from a router to the VIP, quoting what the backend sent:
 * the VIP's packet to the client (ports turned around).
 */
static size_t icmp_error(int family, const char *vip, const char *client, __u16 client_port,
			 __u8 *out)
{
	struct pkt_spec q = { .family = family,
			      .src = vip,
			      .dst = client,
			      .proto = IPPROTO_TCP,
			      .sport = 80,
			      .dport = client_port,
			      .payload = 20 };
	struct pkt_spec o = { .family = family,
			      .src = family == 4 ? "198.51.100.1" : "2001:db8:ff::1",
			      .dst = vip,
			      .proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6 };
	__u8 quote[PKT_MAX];
	size_t qlen = family == 4 ? 28 : 48, n;
	int ip = family == 4 ? 20 : 40;

	pkt_build(&q, quote);
	n = pkt_build(&o, out); /* an echo request: its headers, then rewritten */
	n = 14 + ip + 8 + qlen;
	out[14 + ip] = family == 4 ? 3 : 2; /* fragmentation needed / too big */
	out[14 + ip + 1] = family == 4 ? 4 : 0;
	pkt_put16(out + 14 + ip + 6, 1400);
	memcpy(out + 14 + ip + 8, quote + 14, qlen);
	if (family == 4) {
		pkt_put16(out + 14 + 2, (__u16)(n - 14));
		pkt_put16(out + 14 + 10, 0);
		pkt_put16(out + 14 + 10, pkt_csum(out + 14, 20));
	} else {
		pkt_put16(out + 14 + 4, (__u16)(n - 14 - 40));
	}
	return n;
}

static void error_reaches_the_flows_backend(struct tvip *v, int family, const char *vip,
					    const char *client)
{
	__u64 routed0 = gstat(XLB_STAT_ICMP_ROUTED);
	__u32 other[1];
	struct result r;
	int be;

	be = send_tcp(client, vip, 5555, 80, TH_SYN);
	assert_int_equal(send_tcp(client, vip, 5555, 80, TH_ACK), be);
	other[0] = (__u32)be == v->be[0] ? v->be[1] : v->be[0];
	ring_set(v, 1, other, NULL); /* the ring now says otherwise: only the record knows */
	r.in_len = icmp_error(family, vip, client, 5555, r.in);
	run_frame(&r);
	assert_rewritten_to(&r, be);
	assert_int_equal(gstat(XLB_STAT_ICMP_ROUTED), routed0 + 1);
	ring_set(v, v->nbe, v->be, v->w);
}

static void test_monitor_names_the_backend_an_icmp_error_was_routed_to(void **state)
{
	struct got_events g;
	struct ring_buffer *rb = ring_buffer__new(dp_events_fd(dp), on_event, &g, NULL);
	struct result r;
	int be;

	(void)state;
	assert_non_null(rb);
	be = send_tcp("192.0.2.94", "10.0.0.100", 5556, 80, TH_SYN);
	assert_int_equal(send_tcp("192.0.2.94", "10.0.0.100", 5556, 80, TH_ACK), be);
	monitor_on(100);
	drain_events(rb, &g);
	r.in_len = icmp_error(4, "10.0.0.100", "192.0.2.94", 5556, r.in);
	run_frame(&r);
	assert_rewritten_to(&r, be);
	drain_events(rb, &g);
	config_with(0, 0);
	ring_buffer__free(rb);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_ICMP_ROUTED);
	assert_int_equal(g.ev[0].backend_id, be);
	assert_int_equal(g.ev[0].vip_id, vips[V_TCP].id);
	assert_int_equal(ntohs(g.ev[0].sport), 5556);
}

/* An ICMP error whose quoted ports lie past its own IP packet (8 bytes cut). */
static void quote_in_the_padding_is_dropped(int family, const char *vip, const char *client)
{
	__u64 routed0 = gstat(XLB_STAT_ICMP_ROUTED);
	int ip = family == 4 ? 20 : 40;
	struct result r;

	r.in_len = icmp_error(family, vip, client, 5556, r.in);
	if (family == 4) {
		pkt_put16(r.in + 14 + 2, (__u16)(r.in_len - 14 - 8));
		pkt_put16(r.in + 14 + 10, 0);
		pkt_put16(r.in + 14 + 10, pkt_csum(r.in + 14, 20));
	} else {
		pkt_put16(r.in + 14 + 4, (__u16)(r.in_len - 14 - ip - 8));
	}
	run_frame(&r);
	assert_int_equal(r.verdict, XDP_DROP);
	assert_int_equal(gstat(XLB_STAT_ICMP_ROUTED), routed0);
}

static void test_icmp_error_quoting_past_its_packet_is_dropped(void **state)
{
	(void)state;
	quote_in_the_padding_is_dropped(4, "10.0.0.100", "192.0.2.71");
	quote_in_the_padding_is_dropped(6, "fd00::100", "2001:db8::71");
}

static void test_frag_needed_reaches_the_backend_of_its_flow(void **state)
{
	(void)state;
	error_reaches_the_flows_backend(&vips[V_SWAP], 4, "10.0.0.106", "192.0.2.91");
}

static void test_packet_too_big_reaches_the_backend_of_its_ipv6_flow(void **state)
{
	(void)state;
	error_reaches_the_flows_backend(&vips[V6_TCP], 6, "fd00::100", "2001:db8::91");
}

static void test_icmp_error_about_an_unrecorded_flow_follows_the_ring(void **state)
{
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.92", .dst = "10.0.0.100", .sport = 5556, .dport = 80
	};
	struct result r;

	(void)state;
	r.in_len = icmp_error(4, "10.0.0.100", "192.0.2.92", 5556, r.in);
	run_frame(&r);
	assert_rewritten_to(&r, predict_maglev(&vips[V_TCP], &s));
}

static void test_oversized_df_packet_to_a_tunnel_vip_gets_frag_needed(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .src = "192.0.2.93",
			      .dst = "10.0.0.116",
			      .proto = IPPROTO_TCP,
			      .sport = 5557,
			      .dport = 80,
			      .payload = 1500 - 40,
			      .df = 1 };
	__u64 big0 = gstat(XLB_STAT_ICMP_TOO_BIG);
	__u8 want[128];
	struct result r;

	(void)state;
	config_with(0, 1500);
	tunnel_vip(109, "10.0.0.116", IPPROTO_TCP, XLB_FWD_IPIP, 41, "10.0.2.9");
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	memcpy(want, pkt_client_mac, 6);
	memcpy(want + 6, pkt_lb_mac, 6);
	pkt_put16(want + 12, ETH_P_IP);
	memset(want + 14, 0, 28);
	want[14] = 0x45;
	want[15] = 0xc0;
	pkt_put16(want + 16, 56);
	want[14 + 8] = 64;
	want[14 + 9] = IPPROTO_ICMP;
	inet_pton(AF_INET, "10.0.0.116", want + 14 + 12);
	inet_pton(AF_INET, "192.0.2.93", want + 14 + 16);
	pkt_put16(want + 14 + 10, pkt_csum(want + 14, 20));
	want[34] = 3;
	want[35] = 4;
	pkt_put16(want + 40, 1500 - 20); /* the MTU the client must use */
	memcpy(want + 42, r.in + 14, 28);
	pkt_put16(want + 36, pkt_csum(want + 34, 36));
	assert_int_equal(r.out_len, 70);
	assert_memory_equal(r.out, want, 70);
	assert_int_equal(gstat(XLB_STAT_ICMP_TOO_BIG), big0 + 1);

	/* 20 bytes less fits once encapsulated; without DF it goes on as well */
	s.payload -= 20;
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	assert_int_equal(r.out_len, r.in_len + 20);
	s.payload += 20;
	s.df = 0;
	run(&s, &r);
	assert_int_equal(r.out_len, r.in_len + 20);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

static void test_oversized_ipv6_packet_to_a_tunnel_vip_gets_packet_too_big(void **state)
{
	struct pkt_spec s = { .family = 6,
			      .src = "2001:db8::93",
			      .dst = "fd00::116",
			      .proto = IPPROTO_TCP,
			      .sport = 5558,
			      .dport = 80,
			      .payload = 1500 - 60 };
	__u8 want[128];
	struct result r;

	(void)state;
	config_with(0, 1500);
	tunnel_vip(110, "fd00::116", IPPROTO_TCP, XLB_FWD_IPIP, 42, "fd00:2::9");
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	memcpy(want, pkt_client_mac, 6);
	memcpy(want + 6, pkt_lb_mac, 6);
	pkt_put16(want + 12, ETH_P_IPV6);
	memset(want + 14, 0, 48);
	want[14] = 0x60;
	pkt_put16(want + 14 + 4, 56);
	want[14 + 6] = IPPROTO_ICMPV6;
	want[14 + 7] = 64;
	inet_pton(AF_INET6, "fd00::116", want + 14 + 8);
	inet_pton(AF_INET6, "2001:db8::93", want + 14 + 24);
	want[54] = 2;
	want[60] = (1500 - 40) >> 8; /* 32-bit MTU, big endian */
	want[61] = (1500 - 40) & 0xff;
	memcpy(want + 62, r.in + 14, 48);
	pkt_put16(want + 56, pkt_csum6(want + 14, want + 54, 56));
	assert_int_equal(r.out_len, 110);
	assert_memory_equal(r.out, want, 110);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_monitor_names_the_backend_an_icmp_error_was_routed_to),
	cmocka_unit_test(test_icmp_protocol_numbers_never_cross_families),
	cmocka_unit_test(test_ping_to_a_vip_is_answered_from_the_vip),
	cmocka_unit_test(test_ping6_to_a_vip_is_answered_from_the_vip),
	cmocka_unit_test(test_frag_needed_reaches_the_backend_of_its_flow),
	cmocka_unit_test(test_icmp_error_quoting_past_its_packet_is_dropped),
	cmocka_unit_test(test_packet_too_big_reaches_the_backend_of_its_ipv6_flow),
	cmocka_unit_test(test_icmp_error_about_an_unrecorded_flow_follows_the_ring),
	cmocka_unit_test(test_oversized_df_packet_to_a_tunnel_vip_gets_frag_needed),
	cmocka_unit_test(test_oversized_ipv6_packet_to_a_tunnel_vip_gets_packet_too_big),
};

int main(void)
{
	return xdp_lab_run("xdp_icmp", tests, sizeof(tests) / sizeof(tests[0]));
}
