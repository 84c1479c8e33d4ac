// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, one frame, one verdict. A table of frames
 * of every shape the parser meets, each with the verdict, the output frame
 * byte for byte and the counters it must give. The lab (xdp_lab.h) runs the
 * real program on frames built by pkt.h.
 */
#include "xdp_lab.h"

/* ---- table: one frame, one verdict ---------------------------------------- */

#define PREDICT -1 /* the backend the VIP's maglev ring gives */

struct pcase {
	const char *name;
	struct pkt_spec s;
	int verdict;
	__u32 reason;
	int vip; /* the VIP whose counters move, or -1 */
	int be;	 /* XDP_TX: expected backend, or PREDICT */
};

static const struct pcase pcases[] = {
	/* to a VIP: the exact rewritten frame */
	{ "ipv4_tcp_syn_to_vip_is_rewritten_to_its_backend",
	  { C4, .dst = "10.0.0.100", TCP, .sport = 1001, .dport = 80, .tcp_flags = TH_SYN },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_TCP,
	  PREDICT },
	{ "ipv4_tcp_ack_to_vip_is_rewritten_to_its_backend",
	  { C4, .dst = "10.0.0.100", TCP, .sport = 1002, .dport = 80, .payload = 100 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_TCP,
	  PREDICT },
	{ "ipv4_udp_to_vip_is_rewritten_to_its_backend",
	  { C4, .dst = "10.0.0.100", UDP, .sport = 1003, .dport = 53, .payload = 40 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_UDP,
	  PREDICT },
	{ "ipv6_tcp_to_vip_is_rewritten_to_its_backend",
	  { C6, .dst = "fd00::100", TCP, .sport = 1004, .dport = 80, .tcp_flags = TH_SYN },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_TCP,
	  PREDICT },
	{ "ipv6_udp_to_vip_is_rewritten_to_its_backend",
	  { C6, .dst = "fd00::100", UDP, .sport = 1005, .dport = 53, .payload = 20 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_UDP,
	  PREDICT },
	{ "ipv4_any_port_vip_takes_port_8080",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1006, .dport = 8080 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "ipv4_any_port_vip_takes_port_1",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1007, .dport = 1 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "ipv6_any_port_vip_takes_port_22",
	  { C6, .dst = "fd00::101", TCP, .sport = 1008, .dport = 22 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_ANY,
	  19 },
	{ "one_vlan_tag_is_kept_and_frame_forwarded",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1009, .dport = 80, .vlans = 1 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "two_vlan_tags_qinq_are_kept_and_frame_forwarded",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1010, .dport = 80, .vlans = 2,
	    .vlan_tpid = { ETH_P_8021AD, ETH_P_8021Q } },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "ipv6_in_one_vlan_tag_forwarded",
	  { C6, .dst = "fd00::101", TCP, .sport = 1011, .dport = 80, .vlans = 1 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_ANY,
	  19 },
	{ "ipv4_with_4_bytes_of_options_forwarded",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1012, .dport = 80, .ip_opt_len = 4 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "ipv4_with_40_bytes_of_options_ihl_15_forwarded",
	  { C4, .dst = "10.0.0.100", TCP, .sport = 1013, .dport = 80, .ip_opt_len = 40 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_TCP,
	  PREDICT },
	{ "ipv4_with_ethernet_padding_forwarded_with_padding",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1014, .dport = 80, .pad = 6 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V_ANY,
	  3 },
	{ "ipv6_hop_by_hop_header_skipped",
	  { C6, .dst = "fd00::100", TCP, .sport = 1015, .dport = 80, .ext = { IPPROTO_HOPOPTS },
	    .n_ext = 1 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_TCP,
	  PREDICT },
	{ "ipv6_hop_routing_dstopts_headers_skipped",
	  { C6, .dst = "fd00::100", UDP, .sport = 1016, .dport = 53,
	    .ext = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS }, .n_ext = 3 },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_UDP,
	  PREDICT },
	{ "ipv6_atomic_fragment_is_a_whole_datagram",
	  { C6, .dst = "fd00::100", TCP, .sport = 1017, .dport = 80, .ext = { IPPROTO_FRAGMENT },
	    .n_ext = 1, .frag = PKT_FRAG_ATOMIC },
	  XDP_TX,
	  XLB_STAT_FORWARDED,
	  V6_TCP,
	  PREDICT },
	{ "port_of_a_vip_address_without_a_vip_is_passed",
	  { C4, .dst = "10.0.0.100", TCP, .sport = 1018, .dport = 81 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "udp_to_a_tcp_only_vip_port_is_passed",
	  { C4, .dst = "10.0.0.100", UDP, .sport = 1019, .dport = 80 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "ipv4_tcp_to_host_address_is_passed",
	  { C4, .dst = "10.0.0.1", TCP, .sport = 1020, .dport = 22 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "ipv6_udp_to_host_address_is_passed",
	  { C6, .dst = "fd00::1", UDP, .sport = 1021, .dport = 53 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	/* headers are bounded by the IP packet, not by the frame's padding */
	{ "ipv4_tcp_header_in_the_padding_after_the_packet_is_dropped",
	  { C4, .dst = "10.0.0.100", TCP, .sport = 1030, .dport = 80, .tcp_flags = TH_SYN,
	    .len_delta = -20 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv4_udp_header_cut_by_the_total_length_is_dropped",
	  { C4, .dst = "10.0.0.100", UDP, .sport = 1031, .dport = 53, .len_delta = -4 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv6_tcp_header_past_the_payload_length_is_dropped",
	  { C6, .dst = "fd00::100", TCP, .sport = 1032, .dport = 80, .payload = 10,
	    .len_delta = -25 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv6_extension_header_past_the_payload_length_is_dropped",
	  { C6, .dst = "fd00::100", TCP, .sport = 1033, .dport = 80, .ext = { IPPROTO_DSTOPTS },
	    .n_ext = 1, .len_delta = -24 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv6_payload_length_0_is_no_jumbogram_here_and_is_passed",
	  { C6, .dst = "fd00::100", TCP, .sport = 1034, .dport = 80, .len_delta = -20 },
	  XDP_PASS,
	  XLB_STAT_UNPARSED,
	  NOVIP },
	/* the parse stops at the address of traffic that is no VIP's: the kernel judges it */
	{ "ipv4_tcp_header_cut_short_to_a_host_address_is_passed",
	  { C4, .dst = "10.0.0.1", TCP, .sport = 1035, .dport = 22, .len_delta = -20 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "ipv6_with_five_extension_headers_to_a_host_address_is_passed",
	  { C6, .dst = "fd00::1", TCP, .sport = 1036, .dport = 22, .ext = { 0, 60, 60, 60, 60 },
	    .n_ext = 5 },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "icmp_echo_to_vip_is_passed",
	  { C4, .dst = "10.0.0.100", .proto = IPPROTO_ICMP },
	  XDP_PASS,
	  XLB_STAT_NOT_VIP,
	  NOVIP },
	{ "arp_is_passed",
	  { .family = 0, .ethertype = ETH_P_ARP },
	  XDP_PASS,
	  XLB_STAT_NOT_IP,
	  NOVIP },
	{ "lldp_is_passed", { .family = 0, .ethertype = 0x88cc }, XDP_PASS, XLB_STAT_NOT_IP, NOVIP },
	{ "arp_in_a_vlan_is_passed",
	  { .family = 0, .ethertype = ETH_P_ARP, .vlans = 1 },
	  XDP_PASS,
	  XLB_STAT_NOT_IP,
	  NOVIP },
	{ "three_vlan_tags_are_passed",
	  { C4, .dst = "10.0.0.101", TCP, .sport = 1022, .dport = 80, .vlans = 3 },
	  XDP_PASS,
	  XLB_STAT_NOT_IP,
	  NOVIP },
	{ "ipv6_with_five_extension_headers_is_passed_unparsed",
	  { C6, .dst = "fd00::100", TCP, .sport = 1023, .dport = 80, .ext = { 0, 60, 60, 60, 60 },
	    .n_ext = 5 },
	  XDP_PASS,
	  XLB_STAT_UNPARSED,
	  NOVIP },
	{ "vip_without_backends_drops",
	  { C4, .dst = "10.0.0.105", TCP, .sport = 1024, .dport = 80 },
	  XDP_DROP,
	  XLB_STAT_NO_BACKEND,
	  V_EMPTY },
	/* truncated or inconsistent: dropped, never forwarded, never aborted */
	{ "frame_cut_inside_vlan_tag_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .vlans = 1, .truncate = 16 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_ipv4_header_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .truncate = 14 + 19 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_ipv4_options_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .ip_opt_len = 40, .truncate = 14 + 40 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_tcp_header_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .truncate = 14 + 20 + 19 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_udp_header_is_dropped",
	  { C4, .dst = "10.0.0.100", UDP, .dport = 53, .truncate = 14 + 20 + 7 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_ipv6_header_is_dropped",
	  { C6, .dst = "fd00::100", TCP, .dport = 80, .truncate = 14 + 39 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_ipv6_extension_header_is_dropped",
	  { C6, .dst = "fd00::100", TCP, .dport = 80, .ext = { 0 }, .n_ext = 1,
	    .truncate = 14 + 40 + 1 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "frame_cut_inside_ipv6_tcp_header_is_dropped",
	  { C6, .dst = "fd00::100", TCP, .dport = 80, .truncate = 14 + 40 + 10 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv4_total_length_past_the_frame_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .len_delta = 1 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv4_ihl_below_5_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .ihl = 4 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv4_ihl_past_the_frame_is_dropped",
	  { C4, .dst = "10.0.0.101", TCP, .dport = 80, .ihl = 15, .truncate = 14 + 40 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
	{ "ipv6_payload_length_past_the_frame_is_dropped",
	  { C6, .dst = "fd00::100", UDP, .dport = 53, .len_delta = 8 },
	  XDP_DROP,
	  XLB_STAT_MALFORMED,
	  NOVIP },
};

static void test_packet_case(void **state)
{
	const struct pcase *c = *state;
	struct xlb_vip_stats vs0 = {}, vs1 = {};
	struct xlb_be_stats bs0 = {}, bs1 = {};
	__u64 reason0, verdict0, aborted0;
	struct result r;
	int be = -1;

	if (c->verdict == XDP_TX)
		be = c->be == PREDICT ? (int)predict_maglev(&vips[c->vip], &c->s) : c->be;
	if (c->vip >= 0)
		assert_int_equal(dp_stats_vip(dp, vips[c->vip].id, &vs0), 0);
	if (be >= 0)
		assert_int_equal(dp_stats_backend(dp, be, &bs0), 0);
	reason0 = gstat(c->reason);
	verdict0 = gstat(XLB_STAT_XDP_BASE + c->verdict);
	aborted0 = gstat(XLB_STAT_XDP_BASE + XDP_ABORTED);

	run(&c->s, &r);

	assert_int_equal(r.verdict, c->verdict);
	if (c->verdict == XDP_TX)
		assert_rewritten_to(&r, be);
	else if (c->verdict == XDP_PASS)
		assert_untouched(&r);

	assert_int_equal(gstat(c->reason), reason0 + 1);
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + c->verdict), verdict0 + 1);
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + XDP_ABORTED), aborted0);
	if (c->vip >= 0) {
		assert_int_equal(dp_stats_vip(dp, vips[c->vip].id, &vs1), 0);
		assert_int_equal(vs1.packets, vs0.packets + 1);
		assert_int_equal(vs1.bytes, vs0.bytes + r.in_len);
	}
	if (be >= 0) {
		/* a SYN to a maglev VIP is placed, not recorded: its ACK records it */
		int recorded = !(c->s.tcp_flags == TH_SYN &&
				 vips[c->vip].sched == XLB_SCHED_MAGLEV);

		assert_int_equal(dp_stats_backend(dp, be, &bs1), 0);
		assert_int_equal(bs1.packets, bs0.packets + 1);
		assert_int_equal(bs1.bytes, bs0.bytes + r.in_len);
		assert_int_equal(bs1.new_flows, bs0.new_flows + recorded);
	}
}

int main(void)
{
	size_t n = sizeof(pcases) / sizeof(pcases[0]), i;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = pcases[i].name;
		tests[i].test_func = test_packet_case;
		tests[i].initial_state = (void *)&pcases[i];
	}
	rc = xdp_lab_run("xdp_parse", tests, n);
	free(tests);
	return rc;
}
