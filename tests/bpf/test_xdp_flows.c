// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program: every case runs the real program through
 * bpf_prog_test_run_opts and compares the verdict and the output frame byte
 * for byte, then the counters. The maps are filled by user/xlbd/dataplane.c
 * and the rings built by user/lib/maglev.c, the code the daemon uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h"
#include "dataplane.h"
#include "config.h"
#include "maglev.h"
#include "names.h"
#include "pkt.h"
#include "wellformed.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "../../bpf/hash.h"

/* ---- the test VIPs ------------------------------------------------------- */

/*
 * Every VIP has backends of its own, as lb.c allocates them: a backend
 * carries its VIP's id, and flows count under it.
 */

#define MAX_BE 8

struct tvip {
	const char *addr;
	__u16 port;
	__u8 proto;
	__u8 sched;
	int nbe;
	__u32 be[MAX_BE]; /* backend ids */
	__u32 w[MAX_BE];  /* weights; 0 in w[0] means all 1 */
	__u32 udp_timeout;
	__u32 id;    /* set by vip_apply */
	__u32 *ring; /* the ring as built, to predict placements */
};

enum {
	V_TCP,
	V_UDP,
	V_ANY,
	V6_TCP,
	V6_UDP,
	V_SRC,
	V_WRR,
	V_RND,
	V_EMPTY,
	V_SWAP,
	V_SWAPU,
	V6_ANY,
	V_FLOOD,
	V_TCP443,
	V_FLOODW,
	NVIPS
};

static struct tvip vips[NVIPS] = {
	[V_TCP] = { "10.0.0.100", 80, IPPROTO_TCP, XLB_SCHED_MAGLEV, 3, { 0, 1, 2 } },
	[V_UDP] = { "10.0.0.100", 53, IPPROTO_UDP, XLB_SCHED_MAGLEV, 3, { 29, 30, 31 } },
	[V_ANY] = { "10.0.0.101", 0, IPPROTO_TCP, XLB_SCHED_MAGLEV, 1, { 3 } },
	[V6_TCP] = { "fd00::100", 80, IPPROTO_TCP, XLB_SCHED_MAGLEV, 2, { 4, 5 } },
	[V6_UDP] = { "fd00::100", 53, IPPROTO_UDP, XLB_SCHED_MAGLEV, 2, { 4, 5 } },
	[V_SRC] = { "10.0.0.102", 80, IPPROTO_TCP, XLB_SCHED_SOURCE_IP, 3, { 6, 7, 8 } },
	[V_WRR] = { "10.0.0.103", 80, IPPROTO_TCP, XLB_SCHED_WRR, 3, { 9, 10, 11 }, { 1, 2, 3 } },
	[V_RND] = { "10.0.0.104", 80, IPPROTO_TCP, XLB_SCHED_RANDOM, 3, { 12, 13, 14 } },
	[V_EMPTY] = { "10.0.0.105", 80, IPPROTO_TCP, XLB_SCHED_MAGLEV, 0 },
	[V_SWAP] = { "10.0.0.106", 80, IPPROTO_TCP, XLB_SCHED_MAGLEV, 2, { 15, 16 } },
	[V_SWAPU] = { "10.0.0.106", 53, IPPROTO_UDP, XLB_SCHED_MAGLEV, 2, { 17, 18 }, {}, 1 },
	[V6_ANY] = { "fd00::101", 0, IPPROTO_TCP, XLB_SCHED_MAGLEV, 1, { 19 } },
	[V_FLOOD] = { "10.0.0.107", 80, IPPROTO_TCP, XLB_SCHED_MAGLEV, 3, { 20, 21, 22 } },
	[V_TCP443] = { "10.0.0.100", 443, IPPROTO_TCP, XLB_SCHED_MAGLEV, 2, { 24, 25 } },
	[V_FLOODW] = { "10.0.0.108", 80, IPPROTO_TCP, XLB_SCHED_WRR, 3, { 26, 27, 28 } },
};

#define RING_SIZE      XLB_RING_SIZE_DEFAULT
#define TEST_MAX_FLOWS 65536 /* smaller than the SYN flood, on purpose */

static struct dp *dp;
static int prog_fd;
static struct xlb_config tun_cfg; /* as set up, to restore after a change */

#define TUN_SRC4 "10.0.0.1"
#define TUN_SRC6 "fd00::1"

static void be_mac(__u32 id, __u8 mac[6])
{
	static const __u8 base[6] = { 0x02, 0, 0, 0, 0x01, 0 };

	memcpy(mac, base, 6);
	mac[5] = id;
}

static void backend_make(__u32 id, __u8 state, __u32 gen, struct xlb_backend *b)
{
	memset(b, 0, sizeof(*b));
	b->family = XLB_AF_INET;
	b->addr[0] = htonl(0x0a000100 | id); /* 10.0.1.id */
	be_mac(id, b->mac);
	b->state = state;
	b->gen = gen;
}

static void backend_put(__u32 id, __u32 vip_id, __u8 state, __u32 gen)
{
	struct xlb_backend b;
	int i;

	backend_make(id, state, gen, &b);
	b.vip_id = vip_id;
	b.fwd_mode = XLB_FWD_DSR;
	b.udp_timeout = XLB_UDP_TIMEOUT_DEFAULT;
	for (i = 0; i < NVIPS; i++)
		if (vips[i].id == vip_id && vips[i].udp_timeout)
			b.udp_timeout = vips[i].udp_timeout;
	assert_int_equal(dp_backend_set(dp, id, &b), 0);
}

static void vip_key(const struct tvip *v, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	if (strchr(v->addr, ':')) {
		k->family = XLB_AF_INET6;
		inet_pton(AF_INET6, v->addr, k->addr);
	} else {
		k->family = XLB_AF_INET;
		inet_pton(AF_INET, v->addr, k->addr);
	}
	k->port = htons(v->port);
	k->proto = v->proto;
}

/* Build the ring of the given backends (ids, weights) and swap it in. */
static void ring_set(struct tvip *v, int n, const __u32 *ids, const __u32 *w)
{
	struct maglev_backend mb[MAX_BE];
	struct xlb_backend b[MAX_BE];
	int i;

	for (i = 0; i < n; i++) {
		backend_make(ids[i], XLB_BE_UP, 1, &b[i]);
		mb[i].key = b[i].addr;
		mb[i].key_len = sizeof(b[i].addr);
		mb[i].weight = w && w[0] ? w[i] : 1;
		mb[i].id = ids[i];
	}
	assert_int_equal(maglev_build(mb, n, RING_SIZE, v->ring, XLB_BACKEND_NONE), 0);
	assert_int_equal(dp_ring_swap(dp, v->id, v->ring, RING_SIZE), 0);
}

static void vip_apply(struct tvip *v, __u32 id)
{
	struct xlb_vip_key k;
	struct xlb_vip val = {
		.id = id,
		.ring_size = RING_SIZE,
		.udp_timeout = v->udp_timeout ? v->udp_timeout : XLB_UDP_TIMEOUT_DEFAULT,
		.scheduler = v->sched,
		.fwd_mode = XLB_FWD_DSR,
	};
	int i;

	v->id = id;
	v->ring = calloc(RING_SIZE, sizeof(__u32));
	assert_non_null(v->ring);
	for (i = 0; i < v->nbe; i++)
		backend_put(v->be[i], id, XLB_BE_UP, 1);
	if (v->nbe)
		ring_set(v, v->nbe, v->be, v->w);
	vip_key(v, &k);
	assert_int_equal(dp_vip_set(dp, &k, &val), 0);
}

static int group_setup(void **state)
{
	struct dp_opts o = { .max_flows = TEST_MAX_FLOWS };
	struct xlb_config cfg = { .ifindex = 1, .gue_port = htons(XLB_GUE_PORT_DEFAULT) };
	int i, err;

	(void)state;
	err = dp_load(&dp, &o, NULL);
	if (err) {
		fprintf(stderr, "dp_load: %s\n", strerror(-err));
		return -1;
	}
	prog_fd = dp_prog_fd(dp);
	memcpy(cfg.if_mac, pkt_lb_mac, 6);
	inet_pton(AF_INET, TUN_SRC4, &cfg.tun_src4);
	inet_pton(AF_INET6, TUN_SRC6, cfg.tun_src6);
	tun_cfg = cfg;
	if (dp_config_set(dp, &cfg))
		return -1;
	for (i = 0; i < NVIPS; i++)
		vip_apply(&vips[i], i);
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < NVIPS; i++)
		free(vips[i].ring);
	dp_close(dp);
	return 0;
}

/* ---- running packets ----------------------------------------------------- */

struct result {
	int verdict;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u8 in[PKT_MAX];
	size_t in_len;
};

static void run_frame(struct result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->in, .data_size_in = r->in_len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
	r->verdict = o.retval;
	r->out_len = o.data_size_out;
}

static void run(const struct pkt_spec *s, struct result *r)
{
	r->in_len = pkt_build(s, r->in);
	run_frame(r);
}

/* The backend id a forwarded frame was sent to (its destination MAC). */
static int out_backend(const struct result *r)
{
	__u8 mac[6];

	if (r->verdict != XDP_TX)
		return -1;
	be_mac(0, mac);
	if (memcmp(r->out, mac, 5))
		return -2;
	return r->out[5];
}

/* Forwarded to backend be: exactly the input frame with the two MACs rewritten. */
static void assert_rewritten_to(const struct result *r, int be)
{
	__u8 want[PKT_MAX];

	assert_int_equal(r->verdict, XDP_TX);
	assert_int_equal(r->out_len, r->in_len);
	memcpy(want, r->in, r->in_len);
	be_mac(be, want);
	memcpy(want + 6, pkt_lb_mac, 6);
	assert_memory_equal(r->out, want, r->in_len);
}

static void assert_untouched(const struct result *r)
{
	assert_int_equal(r->out_len, r->in_len);
	assert_memory_equal(r->out, r->in, r->in_len);
}

/* The flow key the program sees for a spec, to predict its placement. */
static void spec_key(const struct pkt_spec *s, struct xlb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = s->family == 6 ? XLB_AF_INET6 : XLB_AF_INET;
	inet_pton(s->family == 6 ? AF_INET6 : AF_INET, s->src, k->src);
	inet_pton(s->family == 6 ? AF_INET6 : AF_INET, s->dst, k->dst);
	k->proto = s->proto ? s->proto : IPPROTO_TCP;
	if (s->frag != PKT_FRAG_FIRST && s->frag != PKT_FRAG_LATER) {
		k->sport = htons(s->sport);
		k->dport = htons(s->dport);
	}
}

static __u32 predict_maglev(const struct tvip *v, const struct pkt_spec *s)
{
	struct xlb_flow_key k;

	spec_key(s, &k);
	return v->ring[hash_reduce(hash_flow(&k), RING_SIZE)];
}

static __u64 gstat(int idx)
{
	struct xlb_global_stats g;

	assert_int_equal(dp_stats_global(dp, &g), 0);
	return ((__u64 *)&g)[idx];
}

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

#define C4    .family = 4, .src = "192.0.2.10"
#define C6    .family = 6, .src = "2001:db8::10"
#define TCP   .proto = IPPROTO_TCP
#define UDP   .proto = IPPROTO_UDP
#define NOVIP -1

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

/* ---- scenarios ------------------------------------------------------------ */

static int send_tcp(const char *src, const char *dst, __u16 sport, __u16 dport, __u8 flags)
{
	struct pkt_spec s = { .family = strchr(dst, ':') ? 6 : 4,
			      .src = src,
			      .dst = dst,
			      .proto = IPPROTO_TCP,
			      .sport = sport,
			      .dport = dport,
			      .tcp_flags = flags };
	struct result r;

	run(&s, &r);
	return out_backend(&r);
}

static int send_udp(const char *src, const char *dst, __u16 sport, __u16 dport)
{
	struct pkt_spec s = { .family = 4,
			      .src = src,
			      .dst = dst,
			      .proto = IPPROTO_UDP,
			      .sport = sport,
			      .dport = dport,
			      .payload = 16 };
	struct result r;

	run(&s, &r);
	return out_backend(&r);
}

static void client_addr(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "172.16.%u.%u", (i >> 8) & 0xff, i & 0xff);
}

static void test_maglev_syn_is_placed_unrecorded_and_its_ack_records_the_flow(void **state)
{
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.77", .dst = "10.0.0.100", .sport = 4000, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct xlb_vip_stats v0, v1;
	__u64 syn0 = gstat(XLB_STAT_SYN_TRACKED);
	int be_syn, be_ack;

	(void)state;
	spec_key(&s, &k);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v0), 0);
	be_syn = send_tcp(s.src, s.dst, 4000, 80, TH_SYN);
	assert_int_equal(be_syn, predict_maglev(&vips[V_TCP], &s));
	/* nothing recorded anywhere: a SYN flood has nothing to fill */
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0);
	assert_int_equal(dp_flow_get(dp, &k, 1, &f), -ENOENT);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), -ENOENT);

	be_ack = send_tcp(s.src, s.dst, 4000, 80, TH_ACK);
	assert_int_equal(be_ack, be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(f.backend_gen, 1);
	assert_int_equal(send_tcp(s.src, s.dst, 4000, 80, TH_ACK), be_syn);

	/* one flow recorded; the SYN and the ACK consulted the ring, then a hit */
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v1), 0);
	assert_int_equal(v1.new_flows, v0.new_flows + 1);
	assert_int_equal(v1.flow_misses, v0.flow_misses + 2);
	assert_int_equal(v1.flow_hits, v0.flow_hits + 1);
}

/* xlb_flows' last_seen of a TCP flow: 0 while open, when closing began. */
static __u64 tcp_closing_since(const char *src, const char *dst, __u16 sport)
{
	struct pkt_spec s = { .family = 4, .src = src, .dst = dst, .sport = sport, .dport = 80 };
	struct xlb_flow_key k;
	struct xlb_flow f;

	spec_key(&s, &k);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	return f.last_seen;
}

static void test_fin_or_rst_marks_a_flow_closing_and_a_new_syn_opens_it_again(void **state)
{
	static const struct {
		int vip;
		const char *dst;
	} vs[] = { { V_TCP, "10.0.0.100" }, { V_WRR, "10.0.0.103" } };
	static const __u8 closers[] = { TH_FIN | TH_ACK, TH_RST };
	unsigned i, c;
	__u64 t;

	(void)state;
	for (i = 0; i < 2; i++) {
		for (c = 0; c < 2; c++) {
			__u16 port = (__u16)(4100 + i * 2 + c);
			int be = send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_SYN);

			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			/* open: nothing written (wrr's SYN time stays in the SYN table) */
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), 0);
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, closers[c]),
					 be);
			t = tcp_closing_since("192.0.2.78", vs[i].dst, port);
			assert_true(t != 0);
			/* the last ACK goes where the flow went, and keeps the first mark */
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), t);
			/* the tuple reused: open again */
			be = send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_SYN);
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), 0);
		}
	}
}

static void test_wrr_syn_is_half_open_until_its_ack_establishes_it(void **state)
{
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.78", .dst = "10.0.0.103", .sport = 4001, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct xlb_vip_stats v0, v1;
	__u64 syn0 = gstat(XLB_STAT_SYN_TRACKED);
	int be_syn;

	(void)state;
	spec_key(&s, &k);
	assert_int_equal(dp_stats_vip(dp, vips[V_WRR].id, &v0), 0);
	be_syn = send_tcp(s.src, s.dst, 4001, 80, TH_SYN);
	assert_true(be_syn >= 9 && be_syn <= 11);
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0 + 1);
	assert_int_equal(dp_flow_get(dp, &k, 1, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), -ENOENT);
	/* a retransmitted SYN keeps its placement, though wrr has moved on */
	assert_int_equal(send_tcp(s.src, s.dst, 4001, 80, TH_SYN), be_syn);

	assert_int_equal(send_tcp(s.src, s.dst, 4001, 80, TH_ACK), be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(dp_stats_vip(dp, vips[V_WRR].id, &v1), 0);
	assert_int_equal(v1.new_flows, v0.new_flows + 1);
	assert_int_equal(v1.flow_hits, v0.flow_hits + 2);
}

/* A SYN on the 5-tuple of a recorded flow opens a new connection. */
static void syn_reusing_a_recorded_tuple_is_placed_afresh(struct tvip *v, const char *dst)
{
	__u32 a[1] = { v->be[0] }, b[1] = { v->be[1] };

	ring_set(v, 1, a, NULL);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_SYN), (int)a[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)a[0]);
	ring_set(v, 1, b, NULL);
	/* the old connection would stay on a; the new one follows the ring */
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_SYN), (int)b[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)b[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)b[0]);
	ring_set(v, v->nbe, v->be, v->w);
}

static void test_maglev_syn_reusing_a_recorded_tuple_is_placed_afresh(void **state)
{
	(void)state;
	syn_reusing_a_recorded_tuple_is_placed_afresh(&vips[V_TCP], "10.0.0.100");
}

static void test_wrr_syn_reusing_a_recorded_tuple_is_placed_afresh(void **state)
{
	(void)state;
	syn_reusing_a_recorded_tuple_is_placed_afresh(&vips[V_WRR], "10.0.0.103");
}

static void sweep(void)
{
	struct dp_sweep sw;

	assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
	assert_true(sw.tcp_flows <= sw.flows && sw.bits_set <= sw.bits);
}

/*
 * xlbd rebuilds the SYN hint from the table (both bitmaps, in turn): a
 * recorded flow's bit survives, so a SYN reusing its tuple still finds it.
 */
static void test_syn_reusing_a_recorded_tuple_is_caught_after_the_hint_is_rebuilt(void **state)
{
	struct tvip *v = &vips[V_TCP];
	__u32 a[1] = { v->be[0] }, b[1] = { v->be[1] };
	struct pkt_spec s = {
		.family = 4, .src = "198.51.100.51", .dst = "10.0.0.100", .sport = 4501, .dport = 80
	};
	struct xlb_flow_key k;

	(void)state;
	spec_key(&s, &k);
	ring_set(v, 1, a, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_SYN), (int)a[0]);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_ACK), (int)a[0]);
	sweep();
	sweep();
	assert_int_equal(dp_flow_bits_test(dp, &k), 1);
	ring_set(v, 1, b, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_SYN), (int)b[0]);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_ACK), (int)b[0]);
	ring_set(v, v->nbe, v->be, v->w);
}

/* A flow the table no longer holds loses its bit at the next rebuild. */
static void test_syn_hint_forgets_flows_the_table_dropped(void **state)
{
	struct pkt_spec s = {
		.family = 6, .src = "2001:db8::51", .dst = "fd00::100", .sport = 4502, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;

	(void)state;
	spec_key(&s, &k);
	send_tcp(s.src, s.dst, 4502, 80, TH_ACK);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(dp_flow_bits_test(dp, &k), 1);
	assert_int_equal(dp_flow_del(dp, &k), 0);
	assert_int_equal(dp_flow_bits_test(dp, &k), 1); /* stale until the rebuild */
	sweep();
	assert_int_equal(dp_flow_bits_test(dp, &k), 0);
}

/*
 * Bitmaps pinned by a build that set one bit a flow (h & 63, no
 * XLB_FLOW_BITS_F_PAIR) lack every flow's second bit: adopted, they read
 * "maybe" everywhere until the first rebuild, which sets both.
 */
static void test_syn_hint_of_one_bit_a_flow_is_filled_when_adopted(void **state)
{
	char pins[] = "/sys/fs/bpf/xlb-test-hint-XXXXXX", path[96];
	struct pkt_spec s = {
		.family = 4, .src = "198.51.100.53", .dst = "10.0.0.100", .sport = 4503, .dport = 80
	};
	struct dp_opts o = { .max_flows = 1024 };
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	__u64 old_phase = 0, word;
	struct xlb_flow_key k, other;
	struct dp *pinned;
	__u32 h, idx, words;
	int fd;

	(void)state;
	spec_key(&s, &k);
	other = k;
	other.sport = htons(4504);
	assert_non_null(mkdtemp(pins));
	o.pin_path = pins;
	assert_int_equal(dp_load(&pinned, &o, NULL), 0);
	dp_close(pinned);
	/* what the older build left: phase 0, k's first bit alone, in both bitmaps */
	snprintf(path, sizeof(path), "%s/xlb_flow_bits", pins);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	idx = 0;
	assert_int_equal(bpf_map_update_elem(fd, &idx, &old_phase, BPF_ANY), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &info_len), 0);
	words = (info.max_entries - 1) / 2; /* the phase, then two bitmaps */
	h = hash_flow(&k);
	word = 1ULL << (h & 63);
	idx = 1 + XLB_FLOW_BITS_WORD(h, words);
	assert_int_equal(bpf_map_update_elem(fd, &idx, &word, BPF_ANY), 0);
	idx += words;
	assert_int_equal(bpf_map_update_elem(fd, &idx, &word, BPF_ANY), 0);
	close(fd);

	assert_int_equal(dp_load(&pinned, &o, NULL), 0);
	assert_int_equal(dp_flow_bits_test(pinned, &k), 1);
	assert_int_equal(dp_flow_bits_test(pinned, &other), 1);
	/* the rebuild, from a table that holds neither */
	{
		struct dp_sweep sw;

		assert_int_equal(dp_flow_bits_sweep(pinned, &sw), 0);
		assert_int_equal(dp_flow_bits_sweep(pinned, &sw), 0);
	}
	assert_int_equal(dp_flow_bits_test(pinned, &k), 0);
	assert_int_equal(dp_flow_bits_test(pinned, &other), 0);
	dp_close(pinned);
	assert_int_equal(dp_unpin(pins), 0);
	rmdir(pins);
}

/* ---- xlb_flows, xlb's own table ------------------------------------------ */

static void tcp_key(const char *src, const char *dst, __u16 sport, __u16 dport,
		    struct xlb_flow_key *k)
{
	struct pkt_spec s = { .family = 4, .src = src, .dst = dst, .sport = sport, .dport = dport };

	spec_key(&s, k);
}

/* A flow xlbd writes (as the upgrade's copy does) is where the program looks. */
static void test_a_flow_written_by_xlbd_is_followed_by_the_program(void **state)
{
	struct xlb_flow f = { .backend_id = 23, .backend_gen = 1 };
	struct xlb_flow_key k;
	int i;

	(void)state;
	backend_put(23, vips[V_TCP].id, XLB_BE_UP, 1);
	for (i = 0; i < 50; i++) {
		tcp_key("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, &k);
		assert_int_equal(dp_flow_put(dp, &k, &f), 0);
		/* 23 is in no ring: only the record can send it there */
		assert_int_equal(
			send_tcp("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, TH_ACK), 23);
		assert_int_equal(dp_flow_del(dp, &k), 0);
		assert_int_equal(dp_flow_del(dp, &k), -ENOENT);
		assert_int_not_equal(
			send_tcp("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, TH_ACK), 23);
	}
}

/* Two loads draw two seeds: which sets a flow takes is not known in advance. */
static void test_each_flow_table_has_a_seed_of_its_own(void **state)
{
	struct dp_opts o = { .max_flows = TEST_MAX_FLOWS };
	struct xlb_flow f = { .backend_id = 1, .backend_gen = 1 }, got;
	__u32 s1, s2, l1, l2;
	struct xlb_flow_key k;
	struct dp *other;
	int i, differ = 0;

	(void)state;
	assert_int_equal(dp_load(&other, &o, NULL), 0);
	for (i = 0; i < 8; i++) {
		tcp_key("198.51.100.61", "10.0.0.100", (__u16)(6000 + i), 80, &k);
		assert_int_equal(dp_flow_put(dp, &k, &f), 0);
		assert_int_equal(dp_flow_put(other, &k, &f), 0);
		assert_int_equal(dp_flow_where(dp, &k, &got, &s1, &l1), 0);
		assert_int_equal(dp_flow_where(other, &k, &got, &s2, &l2), 0);
		differ += s1 != s2;
		assert_int_equal(dp_flow_del(dp, &k), 0);
	}
	dp_close(other);
	assert_true(differ >= 7);
}

static struct dp *main_dp; /* while a test runs on a table of its own */
static struct tvip small_vip;

/* After a test on a table of its own, pass or fail: the group's table back. */
static int main_dp_back(void **state)
{
	(void)state;
	if (main_dp) {
		dp_close(dp);
		dp = main_dp;
		prog_fd = dp_prog_fd(dp);
		main_dp = NULL;
		free(small_vip.ring);
		small_vip.ring = NULL;
	}
	return 0;
}

/*
 * Run the test on a table of its own for max_flows, with a copy of V_SWAP
 * (small_vip) in it; main_dp_back gives the group's table back.
 */
static void small_table(__u32 max_flows)
{
	struct dp_opts o = { .max_flows = max_flows };
	struct dp *small;

	assert_int_equal(dp_load(&small, &o, NULL), 0);
	main_dp = dp;
	dp = small;
	prog_fd = dp_prog_fd(small);
	small_vip = vips[V_SWAP];
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
	vip_apply(&small_vip, small_vip.id);
}

/*
 * A table of one set (four lines), VIP and backends of its own: when full,
 * a new flow takes the line of the one flow no packet used since xlbd's
 * last walk of the table, and every other flow stays. Four rounds, a
 * different flow idle in each.
 */
static void test_a_full_set_gives_up_the_flow_nobody_used(void **state)
{
	const __u32 max_flows = 2; /* one set */
	struct tvip *v = &small_vip;
	int present[10] = { 0 }, n, i, round, idle, next;
	struct xlb_flow_key k[10];
	struct xlb_flow f;

	(void)state;
	small_table(max_flows);
	for (i = 1; i < 10; i++)
		tcp_key("198.51.100.62", v->addr, (__u16)(7100 + i), v->port, &k[i]);

	/* four flows fill the set; a fifth takes one of their lines */
	for (i = 1; i <= 5; i++)
		assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + i), v->port,
				     TH_ACK) >= 0);
	for (i = 1, n = 0; i <= 5; i++)
		n += present[i] = !dp_flow_get(dp, &k[i], 0, &f);
	assert_int_equal(n, 4);
	assert_true(present[5]);
	for (round = 0, next = 6; round < 4; round++, next++) {
		struct dp_sweep sw;

		/* xlbd's walk clears the marks; then packets for every flow held but one */
		assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
		for (i = 1, idle = 0; i < next; i++) {
			if (!present[i])
				continue;
			if (!idle && i > round) {
				idle = i;
				continue;
			}
			assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + i), v->port,
					     TH_ACK) >= 0);
		}
		/* a new flow takes the idle one's line */
		assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + next), v->port,
				     TH_ACK) >= 0);
		present[idle] = 0;
		present[next] = 1;
		for (i = 1; i <= next; i++)
			assert_int_equal(!dp_flow_get(dp, &k[i], 0, &f), present[i]);
	}
}

/*
 * A table for 4,096 flows (2,048 sets of four lines) given 5,120 (1.25
 * times as many): every flow is kept. Two choices alone give up a few at
 * this fill (flows whose two sets are both full: in a simulation, none in
 * 5.5% of 200 runs); moving a flow of a full set to its other set first
 * (cuckoo hashing's first step) kept them all in every run.
 */
static void test_a_table_filled_past_its_size_moves_flows_rather_than_drop_them(void **state)
{
	const __u32 max_flows = 4096;
	struct tvip *v = &small_vip;
	struct xlb_flow_key k;
	struct xlb_flow f;
	int i, n = 5120, held = 0;
	char src[32];

	(void)state;
	small_table(max_flows);
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9000, v->port, TH_ACK) >= 0);
	}
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		tcp_key(src, v->addr, 9000, v->port, &k);
		held += !dp_flow_get(dp, &k, 0, &f);
	}
	print_message("  %d of %d flows held in a table for 4096\n", held, n);
	assert_int_equal(held, n);
}

/*
 * xlbd's walk rebuilds the SYN hint set by set while the program records:
 * a flow the program moves to its other set (a full table) from a set the
 * walk has not reached into one it has passed keeps its bits all the same.
 * Every flow the table holds after the walk is in the rebuilt hint.
 */
static void test_a_flow_moved_during_the_walk_keeps_its_syn_hint_bits(void **state)
{
	const __u32 max_flows = 256; /* 128 sets, 512 lines */
	struct tvip *v = &small_vip;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct dp_sweep sw;
	int i, held = 0, missing = 0, n = 620;
	char src[32];

	(void)state;
	small_table(max_flows);
	/* nearly full, walked once: the hint holds them */
	for (i = 0; i < 440; i++) { /* under 7/8: flows may still move */
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9100, v->port, TH_ACK) >= 0);
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
	/* the next walk stops half-way; meanwhile more flows, which move others */
	assert_int_equal(dp_flow_bits_sweep_step(dp, 256, &sw), 0);
	for (; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9100, v->port, TH_ACK) >= 0);
	}
	assert_int_equal(dp_flow_bits_sweep_step(dp, UINT32_MAX, &sw), 1);
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		tcp_key(src, v->addr, 9100, v->port, &k);
		if (dp_flow_get(dp, &k, 0, &f))
			continue;
		held++;
		missing += !dp_flow_bits_test(dp, &k);
	}
	print_message("  %d flows held after the walk, %d of them missing from the hint\n", held,
		      missing);
	assert_true(held > 400);
	assert_int_equal(missing, 0);
}

/* Make a pinned table as the builds before xlb's own table made it. */
static int old_flow_table(const char *pins, const struct xlb_flow_key *k, int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	struct xlb_flow f = { .backend_id = 15, .backend_gen = 1 };
	char path[96];
	int fd, i;

	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_flows", sizeof(*k), sizeof(f), 1024, &mo);
	assert_true(fd >= 0);
	for (i = 0; i < n; i++)
		assert_int_equal(bpf_map_update_elem(fd, &k[i], &f, BPF_ANY), 0);
	snprintf(path, sizeof(path), "%s/xlb_flows", pins);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	return fd;
}

/* A namespace of the test's own with a veth in it; *home: where we were. */
static int enter_netns(const char *name, int *home)
{
	char cmd[256], path[64];
	int fd;

	snprintf(cmd, sizeof(cmd),
		 "ip netns del %s 2>/dev/null; ip netns add %s && "
		 "ip -n %s link add ft0 type veth peer name ft1 && ip -n %s link set ft0 up && "
		 "ip -n %s link set ft1 up",
		 name, name, name, name, name);
	assert_int_equal(system(cmd), 0);
	*home = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	assert_true(*home >= 0 && fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	return (int)if_nametoindex("ft0");
}

/*
 * An upgrade from a build whose xlb_flows was the kernel's LRU hash: its
 * flows are copied into the new table before the new program is attached,
 * and those the old program recorded meanwhile after, over what the new
 * program placed anew in between; the pin then names the new table.
 */
static void test_an_upgrade_copies_the_flows_of_the_kernels_lru_table(void **state)
{
	char pins[] = "/sys/fs/bpf/xlb-test-ftup-XXXXXX", path[96], detached[64];
	struct dp_opts o = { .max_flows = 1024 };
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct xlb_flow_key k[4];
	struct dp_attach_info ai;
	struct xlb_flow f;
	struct dp *up;
	int old, fd, i, ifindex, home;

	(void)state;
	for (i = 0; i < 4; i++)
		tcp_key("198.51.100.63", "10.0.0.100", (__u16)(7200 + i), 80, &k[i]);
	assert_non_null(mkdtemp(pins));
	o.pin_path = pins;
	old = old_flow_table(pins, k, 3);

	assert_int_equal(dp_load(&up, &o, NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(dp_flow_get(up, &k[i], 0, &f), 0);
		assert_int_equal(f.backend_id, 15);
	}
	/* the pin is the new table now */
	snprintf(path, sizeof(path), "%s/xlb_flows", pins);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &info_len), 0);
	assert_int_equal(info.type, BPF_MAP_TYPE_ARRAY);
	close(fd);
	/* the old program, still serving, records one more */
	assert_int_equal(dp_flow_get(up, &k[3], 0, &f), -ENOENT);
	f.backend_id = 16;
	assert_int_equal(bpf_map_update_elem(old, &k[3], &f, BPF_ANY), 0);
	/*
	 * and the new one, attached before the last copy, places a packet of it
	 * anew (a wrr flow it did not find): the older build's record wins
	 */
	f.backend_id = 17;
	assert_int_equal(dp_flow_put(up, &k[3], &f), 0);

	ifindex = enter_netns("xlbt-ftup", &home);
	assert_true(ifindex > 0);
	assert_int_equal(dp_attach(up, ifindex, DP_MODE_NATIVE, &ai), 0);
	assert_int_equal(dp_flow_get(up, &k[3], 0, &f), 0);
	assert_int_equal(f.backend_id, 16);
	dp_close(up);

	/* a restart adopts the new table: same seed, same flows */
	assert_int_equal(dp_load(&up, &o, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dp_flow_get(up, &k[i], 0, &f), 0);
	dp_close(up);
	assert_int_equal(dp_detach(pins, ifindex, detached, sizeof(detached)), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	close(old);
	assert_int_equal(system("ip netns del xlbt-ftup"), 0);
	dp_unpin(pins);
	rmdir(pins);
}

static void test_maglev_spreads_1000_flows_as_the_ring_predicts(void **state)
{
	int count[3] = { 0 }, i, j;
	char src[32];

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct pkt_spec s = { .family = 4,
				      .src = src,
				      .dst = "10.0.0.100",
				      .sport = 10000 + i,
				      .dport = 80 };
		int be;

		client_addr(i, src, sizeof(src));
		be = send_tcp(src, s.dst, s.sport, 80, TH_SYN);
		assert_int_equal(be, predict_maglev(&vips[V_TCP], &s));
		for (j = 0; j < 3; j++)
			count[j] += be == (int)vips[V_TCP].be[j];
	}
	/* equal weights: a third each, within 3 points */
	for (j = 0; j < 3; j++)
		assert_in_range(count[j], 1000 - 90, 1000 + 90);
}

static void test_source_ip_sends_every_connection_of_a_client_to_one_backend(void **state)
{
	int seen[256] = { 0 }, used = 0, i, first;
	char src[32];

	(void)state;
	first = send_tcp("198.51.100.7", "10.0.0.102", 20000, 80, TH_SYN);
	assert_true(first >= 6 && first <= 8);
	for (i = 1; i < 300; i++)
		assert_int_equal(send_tcp("198.51.100.7", "10.0.0.102", 20000 + i, 80, TH_SYN),
				 first);

	/* and different clients do spread, each where hash_source says */
	for (i = 0; i < 300; i++) {
		struct xlb_flow_key k = { .family = XLB_AF_INET };
		int be;

		client_addr(i, src, sizeof(src));
		inet_pton(AF_INET, src, k.src);
		be = send_tcp(src, "10.0.0.102", 30000, 80, TH_SYN);
		assert_int_equal(be, vips[V_SRC].ring[hash_reduce(hash_source(&k), RING_SIZE)]);
		if (!seen[be]++)
			used++;
	}
	assert_int_equal(used, 3);
}

/* 10,000 new flows from 10,000 clients to v: how many each backend got. */
static void count_new_flows(const struct tvip *v, const char *dst, int count[3])
{
	char src[32];
	int i, j, be;

	for (i = 0; i < 10000; i++) {
		client_addr(i, src, sizeof(src));
		be = send_tcp(src, dst, 40000, 80, TH_SYN);
		for (j = 0; j < 3; j++)
			count[j] += be == (int)v->be[j];
	}
	assert_int_equal(count[0] + count[1] + count[2], 10000);
}

static void test_wrr_splits_10000_new_flows_within_2_percent_of_weights_1_2_3(void **state)
{
	int count[3] = { 0 }, j;

	(void)state;
	count_new_flows(&vips[V_WRR], "10.0.0.103", count);
	for (j = 0; j < 3; j++) {
		double share = count[j] / 10000.0, want = (j + 1) / 6.0;

		print_message("  wrr backend %d: %.2f%% (ideal %.2f%%)\n", j, 100 * share,
			      100 * want);
		assert_true(share > want - 0.02 && share < want + 0.02);
	}
}

static void test_random_scheduler_spreads_10000_flows_evenly(void **state)
{
	int count[3] = { 0 }, j;

	(void)state;
	count_new_flows(&vips[V_RND], "10.0.0.104", count);
	for (j = 0; j < 3; j++)
		assert_in_range(count[j], 3333 - 300, 3333 + 300);
}

/* First and later fragments of one datagram, for many datagrams. */
static void fragments_reach_one_backend(int family, const char *dst, __u8 proto, __u16 dport,
					const struct tvip *v)
{
	__u64 frags0 = gstat(XLB_STAT_FRAGMENTS);
	int i, used = 0, seen[256] = { 0 };
	char src[64];

	for (i = 0; i < 100; i++) {
		struct pkt_spec s = { .family = family,
				      .src = src,
				      .dst = dst,
				      .proto = proto,
				      .sport = 5000 + i,
				      .dport = dport,
				      .frag_id = 77 + i,
				      .payload = 64 };
		struct xlb_flow_key k;
		struct result a, b;
		int want;

		if (family == 6) {
			snprintf(src, sizeof(src), "2001:db8::%x", i + 1);
			s.ext[0] = IPPROTO_FRAGMENT;
			s.n_ext = 1;
		} else {
			client_addr(i, src, sizeof(src));
		}
		s.frag = PKT_FRAG_FIRST;
		run(&s, &a);
		s.frag = PKT_FRAG_LATER;
		run(&s, &b);
		spec_key(&s, &k);
		want = v->ring[hash_reduce(hash_addrs(&k), RING_SIZE)];
		assert_rewritten_to(&a, want);
		assert_rewritten_to(&b, want);
		if (!seen[want]++)
			used++;
	}
	assert_int_equal(gstat(XLB_STAT_FRAGMENTS), frags0 + 200);
	assert_true(used > 1); /* different clients still spread */
}

static void test_ipv4_first_and_later_fragments_reach_the_same_backend(void **state)
{
	(void)state;
	fragments_reach_one_backend(4, "10.0.0.100", IPPROTO_TCP, 80, &vips[V_TCP]);
}

static void test_ipv6_first_and_later_fragments_reach_the_same_backend(void **state)
{
	(void)state;
	fragments_reach_one_backend(6, "fd00::100", IPPROTO_UDP, 53, &vips[V6_UDP]);
}

static void test_fragments_follow_the_lowest_port_vip_of_their_address(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .src = "203.0.113.9",
			      .dst = "10.0.0.100",
			      .proto = IPPROTO_TCP,
			      .frag = PKT_FRAG_LATER,
			      .frag_id = 9 };
	struct xlb_vip_key k;
	struct xlb_flow_key fk;
	struct xlb_vip_stats v0, v1;
	struct result r;

	(void)state;
	/* 10.0.0.100 has TCP VIPs on ports 80 and 443: port 80 owns fragments */
	spec_key(&s, &fk);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v0), 0);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v1), 0);
	assert_int_equal(v1.packets, v0.packets + 1);

	/* without the port 80 VIP, port 443 takes them over */
	vip_key(&vips[V_TCP], &k);
	assert_int_equal(dp_vip_del(dp, &k), 0);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP443].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);
	free(vips[V_TCP].ring);
	vip_apply(&vips[V_TCP], V_TCP);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);

	/* and with no VIP left on the address, fragments are not ours */
	vip_key(&vips[V_ANY], &k);
	s.dst = "10.0.0.101";
	assert_int_equal(dp_vip_del(dp, &k), 0);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_PASS);
	free(vips[V_ANY].ring);
	vip_apply(&vips[V_ANY], V_ANY);
}

#define SWAP_CLIENTS 200

/* Establish SWAP_CLIENTS TCP flows to V_SWAP; record their backends. */
static void establish_swap_flows(int *be, __u16 port_base)
{
	char src[32];
	int i;

	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", port_base, 80, TH_SYN);
		assert_true(be[i] == 15 || be[i] == 16);
		assert_int_equal(send_tcp(src, "10.0.0.106", port_base, 80, TH_ACK), be[i]);
	}
}

static void restore_swap_vip(void)
{
	struct tvip *v = &vips[V_SWAP];

	backend_put(15, v->id, XLB_BE_UP, 1);
	backend_put(16, v->id, XLB_BE_UP, 1);
	ring_set(v, v->nbe, v->be, NULL);
}

static void test_established_flows_keep_their_backend_after_the_ring_is_swapped(void **state)
{
	static const __u32 only16[] = { 16 }, only15[] = { 15 };
	int be[SWAP_CLIENTS], on15 = 0, i;
	char src[32];

	(void)state;
	establish_swap_flows(be, 50000);
	for (i = 0; i < SWAP_CLIENTS; i++)
		on15 += be[i] == 15;
	assert_true(on15 > 0 && on15 < SWAP_CLIENTS);

	ring_set(&vips[V_SWAP], 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 50000, 80, TH_ACK), be[i]);
		/* a new connection of the same client follows the new ring */
		assert_int_equal(send_tcp(src, "10.0.0.106", 50001, 80, TH_SYN), 16);
	}
	ring_set(&vips[V_SWAP], 1, only15, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 50000, 80, TH_ACK), be[i]);
	}
	restore_swap_vip();
}

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

static __u64 young_since;

/* What lb.c does before it replaces a maglev ring: the VIP young until then. */
static void make_young(struct tvip *v, __u64 until_ns, int keep_base)
{
	struct xlb_vip_key k;
	struct xlb_vip val = { .id = v->id,
			       .ring_size = RING_SIZE,
			       .udp_timeout = XLB_UDP_TIMEOUT_DEFAULT,
			       .scheduler = v->sched,
			       .fwd_mode = XLB_FWD_DSR,
			       .flags = XLB_VIP_F_YOUNG };

	if (keep_base) {
		assert_int_equal(dp_ring_keep_base(dp, v->id), 0);
		young_since = mono_ns();
	}
	assert_int_equal(dp_vip_young_set(dp, v->id, young_since, until_ns, RING_SIZE), 0);
	vip_key(v, &k);
	assert_int_equal(dp_vip_set(dp, &k, &val), 0);
}

static int syn_recorded(const char *src, __u16 sport)
{
	struct pkt_spec s = { .family = 4,
			      .src = src,
			      .dst = "10.0.0.106",
			      .proto = IPPROTO_TCP,
			      .sport = sport,
			      .dport = 80 };
	struct xlb_flow_key k;
	struct xlb_flow f;

	spec_key(&s, &k);
	return !dp_flow_get(dp, &k, 1, &f);
}

static void test_handshakes_across_ring_changes_reach_their_syns_backend(void **state)
{
	static const __u32 only16[] = { 16 }, only15[] = { 15 };
	struct tvip *v = &vips[V_SWAP];
	int be[SWAP_CLIENTS], on15 = 0, i;
	char src[32];

	(void)state;
	/* SYNs while the ring is settled: placed, not remembered */
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", 51000, 80, TH_SYN);
		on15 += be[i] == 15;
		assert_false(syn_recorded(src, 51000));
	}
	assert_true(on15 > 0 && on15 < SWAP_CLIENTS);

	/* the ring changes before their ACKs: each ACK still reaches its SYN's backend */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		/* SYNs of the young ring are remembered, and placed on the new ring */
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_SYN), 16);
		assert_true(syn_recorded(src, 51001));
	}
	/* a second change while young: the base ring stays the one of before */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 0);
	ring_set(v, 1, only15, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), be[i]);
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_ACK), 16);
	}

	/* settled again (the window passed): SYNs cost no record */
	make_young(v, mono_ns() - 1000000000ULL, 0); /* past even for the coarse clock */
	client_addr(0, src, sizeof(src));
	send_tcp(src, "10.0.0.106", 51002, 80, TH_SYN);
	assert_false(syn_recorded(src, 51002));
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
}

static void test_a_stale_remembered_syn_never_steers_a_later_handshake(void **state)
{
	static const __u32 only16[] = { 16 };
	struct tvip *v = &vips[V_SWAP];
	int be[SWAP_CLIENTS], on15 = 0, i;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char src[32];

	(void)state;
	/* a young period remembers SYNs on 16, then settles */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 52000, 80, TH_SYN), 16);
	}
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
	nanosleep(&tick, NULL); /* the next young time is on a later tick */

	/* the same 5-tuples again, settled: placed on both backends, not remembered */
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", 52000, 80, TH_SYN);
		on15 += be[i] == 15;
	}
	assert_true(on15 > 0);
	/* a ring change before their ACKs: the old records must not be believed */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 52000, 80, TH_ACK), be[i]);
	}
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_the_sweep_counts_each_backends_open_and_closing_flows(void **state)
{
	static struct dp_sweep s0, s1, s2;
	int be[SWAP_CLIENTS], i, n15 = 0, fin15 = 0, fin16 = 0;
	char src[32];

	(void)state;
	assert_int_equal(dp_flow_bits_sweep(dp, &s0), 0);
	establish_swap_flows(be, 52000);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		n15 += be[i] == 15;
		if (i % 3)
			continue;
		client_addr(i, src, sizeof(src));
		send_tcp(src, "10.0.0.106", 52000, 80, i % 2 ? TH_RST : TH_FIN | TH_ACK);
		fin15 += be[i] == 15;
		fin16 += be[i] == 16;
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &s1), 0);
	assert_int_equal(s1.active[15] - s0.active[15], n15 - fin15);
	assert_int_equal(s1.active[16] - s0.active[16], SWAP_CLIENTS - n15 - fin16);
	assert_int_equal(s1.closing[15] - s0.closing[15], fin15);
	assert_int_equal(s1.closing[16] - s0.closing[16], fin16);

	/* id 15 given to a new backend: the old one's flows are not the new one's */
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 2);
	assert_int_equal(dp_flow_bits_sweep(dp, &s2), 0);
	assert_int_equal(s2.active[15] + s2.closing[15], 0);
	assert_int_equal(s2.active[16], s1.active[16]);
	restore_swap_vip();
}

static void test_the_sweep_counts_udp_flows_until_their_idle_timeout(void **state)
{
	static struct dp_sweep s0, s1, s2;
	int be17 = 0, i;
	char src[32];

	(void)state;
	assert_int_equal(dp_flow_bits_sweep(dp, &s0), 0);
	for (i = 0; i < 50; i++) {
		client_addr(i, src, sizeof(src));
		be17 += send_udp(src, "10.0.0.106", 52100, 53) == 17;
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &s1), 0);
	assert_int_equal(s1.active[17] + s1.active[18], 50); /* older ones have expired */
	assert_true(s1.active[17] >= (__u32)be17);
	sleep_ms(2100); /* past V_SWAPU's 1 s */
	assert_int_equal(dp_flow_bits_sweep(dp, &s2), 0);
	assert_int_equal(s2.active[17] + s2.active[18], 0);
}

static void test_drained_backend_keeps_its_flows_and_a_down_one_loses_them(void **state)
{
	static const __u32 only16[] = { 16 };
	int be[SWAP_CLIENTS], i;
	__u64 moved0;
	char src[32];

	(void)state;
	establish_swap_flows(be, 51000);

	/* drain 15: out of the ring, its flows stay */
	backend_put(15, vips[V_SWAP].id, XLB_BE_DRAIN, 1);
	ring_set(&vips[V_SWAP], 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), be[i]);
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_SYN), 16);
	}

	/* down 15: its flows move to a live backend on their next packet */
	moved0 = gstat(XLB_STAT_FLOW_MOVED);
	backend_put(15, vips[V_SWAP].id, XLB_BE_DOWN, 1);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), 16);
	}
	for (i = 0; i < SWAP_CLIENTS; i++)
		if (be[i] == 15)
			moved0++;
	assert_int_equal(gstat(XLB_STAT_FLOW_MOVED), moved0);
	restore_swap_vip();
}

static void test_flows_leave_a_backend_id_given_to_a_new_backend(void **state)
{
	static const __u32 only15[] = { 15 };
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.200", .dst = "10.0.0.106", .sport = 52000, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u64 moved0;

	(void)state;
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 1);
	ring_set(&vips[V_SWAP], 1, only15, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_SYN), 15);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_ACK), 15);
	moved0 = gstat(XLB_STAT_FLOW_MOVED);

	/* id 15 is reused: same id, next generation */
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 2);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_ACK), 15);
	assert_int_equal(gstat(XLB_STAT_FLOW_MOVED), moved0 + 1);
	spec_key(&s, &k);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_gen, 2);
	restore_swap_vip();
}

static void test_udp_flow_lives_while_active_and_expires_after_its_idle_timeout(void **state)
{
	struct tvip *v = &vips[V_SWAPU];
	__u32 other[1];
	__u64 exp0;
	int be;

	(void)state;
	be = send_udp("192.0.2.99", "10.0.0.106", 6000, 53);
	assert_true(be == 17 || be == 18);
	other[0] = be == 17 ? 18 : 17;
	ring_set(v, 1, other, NULL);

	/* timeout 1 s: packets every 600 ms keep the flow */
	sleep_ms(600);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), be);
	sleep_ms(600);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), be);

	/* idle for 1.5 s: forgotten, placed again by the new ring */
	exp0 = gstat(XLB_STAT_UDP_EXPIRED);
	sleep_ms(1500);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), (int)other[0]);
	assert_int_equal(gstat(XLB_STAT_UDP_EXPIRED), exp0 + 1);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), (int)other[0]);
	ring_set(v, v->nbe, v->be, NULL);
}

#define FLOOD_ESTABLISHED 30000
#define FLOOD_SYNS	  1000000

/*
 * 30,000 established flows in a flow table of 65,536, then 1,000,000 SYNs
 * from random spoofed sources. Before the flood the ring is swapped to a
 * backend none of the flows is on, so a flow that was forgotten would show.
 * Maglev records no SYN at all; wrr records them in the half-open table.
 */
static void syn_flood(struct tvip *v, const char *dst, int recorded)
{
	static const __u32 only23[] = { 23 };
	struct pkt_spec s = {
		.family = 4, .dst = dst, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = TH_SYN
	};
	__u8 *be;
	struct result *r;
	__u64 syn0;
	int i, kept = 0, in_table = 0;
	char src[32];
	__u32 rnd = 12345;

	be = calloc(FLOOD_ESTABLISHED, 1);
	r = calloc(1, sizeof(*r));
	assert_non_null(be);
	assert_non_null(r);
	for (i = 0; i < FLOOD_ESTABLISHED; i++) {
		snprintf(src, sizeof(src), "100.64.%u.%u", i >> 8, i & 0xff);
		be[i] = (__u8)send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_SYN);
		assert_int_equal(send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_ACK), be[i]);
	}
	backend_put(23, v->id, XLB_BE_UP, 1);
	ring_set(v, 1, only23, NULL);

	/* the flood: one frame built once, source address and port rewritten */
	syn0 = gstat(XLB_STAT_SYN_TRACKED);
	s.src = "0.0.0.0";
	r->in_len = pkt_build(&s, r->in);
	for (i = 0; i < FLOOD_SYNS; i++) {
		rnd = rnd * 1103515245 + 12345;
		memcpy(r->in + 14 + 12, &rnd, 4); /* IPv4 source */
		memcpy(r->in + 14 + 20, &rnd, 2); /* TCP source port */
		run_frame(r);
		if (r->verdict != XDP_TX)
			fail_msg("SYN %d: verdict %d", i, r->verdict);
	}
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0 + (recorded ? FLOOD_SYNS : 0));

	for (i = 0; i < FLOOD_ESTABLISHED; i++) {
		struct xlb_flow_key k = { .family = XLB_AF_INET, .proto = IPPROTO_TCP };
		struct xlb_flow f;

		snprintf(src, sizeof(src), "100.64.%u.%u", i >> 8, i & 0xff);
		inet_pton(AF_INET, src, k.src);
		inet_pton(AF_INET, s.dst, k.dst);
		k.sport = htons(7000 + (i % 7));
		k.dport = htons(80);
		in_table += !dp_flow_get(dp, &k, 0, &f) && f.backend_id == be[i];
		kept += send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_ACK) == be[i];
	}
	print_message("  %s: after %d SYNs, %d of %d established flows in the table, %d on "
		      "their backend\n",
		      names_str(&names_sched, v->sched), FLOOD_SYNS, in_table, FLOOD_ESTABLISHED,
		      kept);
	assert_int_equal(in_table, FLOOD_ESTABLISHED);
	assert_int_equal(kept, FLOOD_ESTABLISHED);
	ring_set(v, v->nbe, v->be, v->w);
	free(r);
	free(be);
}

static void test_syn_flood_of_1m_spoofed_sources_leaves_every_established_flow(void **state)
{
	(void)state;
	syn_flood(&vips[V_FLOOD], "10.0.0.107", 0);
}

static void test_syn_flood_on_a_wrr_vip_leaves_every_established_flow(void **state)
{
	(void)state;
	syn_flood(&vips[V_FLOODW], "10.0.0.108", 1);
}

/* ---- tunnels ----------------------------------------------------------------- */

/* A VIP forwarding by tunnel to one backend at be_addr; returns the VIP id. */
static __u32 tunnel_vip(__u32 id, const char *addr, __u8 proto, __u8 fwd, __u32 be_id,
			const char *be_addr)
{
	struct tvip v = { .addr = addr,
			  .port = 80,
			  .proto = proto,
			  .sched = XLB_SCHED_MAGLEV,
			  .nbe = 1,
			  .be = { be_id } };
	struct xlb_backend b;
	struct xlb_vip_key k;
	struct xlb_vip val = { .id = id,
			       .ring_size = RING_SIZE,
			       .udp_timeout = 30,
			       .scheduler = XLB_SCHED_MAGLEV,
			       .fwd_mode = fwd };
	__u32 ring_ids[1] = { be_id };

	v.id = id;
	v.ring = calloc(RING_SIZE, sizeof(__u32));
	assert_non_null(v.ring);
	ring_set(&v, 1, ring_ids, NULL);
	free(v.ring);
	memset(&b, 0, sizeof(b));
	if (strchr(be_addr, ':')) {
		b.family = XLB_AF_INET6;
		inet_pton(AF_INET6, be_addr, b.addr);
	} else {
		b.family = XLB_AF_INET;
		inet_pton(AF_INET, be_addr, b.addr);
	}
	be_mac(be_id, b.mac);
	b.state = XLB_BE_UP;
	b.gen = 1;
	b.vip_id = id;
	b.udp_timeout = 30;
	b.fwd_mode = fwd;
	assert_int_equal(dp_backend_set(dp, be_id, &b), 0);
	vip_key(&v, &k);
	assert_int_equal(dp_vip_set(dp, &k, &val), 0);
	return id;
}

/*
 * What an encapsulated frame must be, built independently of the program:
 * the input's L2 header (MACs rewritten, ethertype of the outer family), the
 * outer IP header (and UDP for GUE) field by field, then the inner packet.
 */
static size_t expect_encap(const struct result *r, const struct pkt_spec *s, int l2, int be,
			   const char *outer_dst, int gue, __u8 *out)
{
	int v6 = strchr(outer_dst, ':') != NULL;
	size_t ip_len = r->in_len - l2 - s->pad, olen = (v6 ? 40 : 20) + (gue ? 8 : 0);
	const __u8 *inner = r->in + l2;
	__u8 *ip = out + l2;
	__u8 inner_v = inner[0] >> 4, tos;
	struct xlb_flow_key k;
	__u32 hash;

	spec_key(s, &k);
	hash = s->frag == PKT_FRAG_FIRST || s->frag == PKT_FRAG_LATER ? hash_addrs(&k)
								      : hash_flow(&k);
	tos = inner_v == 4 ? inner[1] : (__u8)((inner[0] << 4) | (inner[1] >> 4));
	memcpy(out, r->in, l2);
	be_mac(be, out);
	memcpy(out + 6, pkt_lb_mac, 6);
	pkt_put16(out + l2 - 2, v6 ? ETH_P_IPV6 : ETH_P_IP);
	memset(ip, 0, olen);
	if (!v6) {
		ip[0] = 0x45;
		ip[1] = tos;
		pkt_put16(ip + 2, (__u16)(olen + ip_len));
		ip[8] = XLB_TUN_TTL;
		ip[9] = gue ? IPPROTO_UDP : inner_v == 4 ? 4 : 41;
		inet_pton(AF_INET, TUN_SRC4, ip + 12);
		inet_pton(AF_INET, outer_dst, ip + 16);
		pkt_put16(ip + 10, pkt_csum(ip, 20));
	} else {
		ip[0] = 0x60 | (tos >> 4);
		ip[1] = (__u8)((tos << 4) | ((hash >> 16) & 0xf));
		ip[2] = (__u8)(hash >> 8);
		ip[3] = (__u8)hash;
		pkt_put16(ip + 4, (__u16)(olen - 40 + ip_len));
		ip[6] = gue ? IPPROTO_UDP : inner_v == 4 ? 4 : 41;
		ip[7] = XLB_TUN_TTL;
		inet_pton(AF_INET6, TUN_SRC6, ip + 8);
		inet_pton(AF_INET6, outer_dst, ip + 24);
	}
	if (gue) {
		__u8 *uh = ip + olen - 8;

		pkt_put16(uh, (__u16)(0xc000 | (hash & 0x3fff)));
		pkt_put16(uh + 2, XLB_GUE_PORT_DEFAULT);
		pkt_put16(uh + 4, (__u16)(8 + ip_len));
	}
	memcpy(ip + olen, inner, r->in_len - l2);
	return r->in_len + olen;
}

static void encap_case(const char *vip, __u8 fwd, const char *be_addr, __u32 id, __u32 be_id,
		       struct pkt_spec *s)
{
	__u8 want[PKT_MAX];
	struct result r;
	size_t n;
	int l2 = 14 + 4 * s->vlans;

	tunnel_vip(id, vip, s->proto ? s->proto : IPPROTO_TCP, fwd, be_id, be_addr);
	s->dst = vip;
	run(s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	n = expect_encap(&r, s, l2, (int)be_id, be_addr, fwd == XLB_FWD_GUE, want);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);
}

#define TUN_SPEC4                                                                       \
	{                                                                               \
		.family = 4, .src = "192.0.2.44", .proto = IPPROTO_TCP, .sport = 33000, \
		.dport = 80, .payload = 30                                              \
	}
#define TUN_SPEC6                                                                         \
	{                                                                                 \
		.family = 6, .src = "2001:db8::44", .proto = IPPROTO_TCP, .sport = 33000, \
		.dport = 80, .payload = 30                                                \
	}

static void test_ipip_ipv4_in_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	encap_case("10.0.0.110", XLB_FWD_IPIP, "10.0.2.1", 100, 32, &s);
}

static void test_ipip_ipv6_in_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::110", XLB_FWD_IPIP, "fd00:2::1", 101, 33, &s);
}

static void test_ipip_ipv4_in_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	encap_case("10.0.0.111", XLB_FWD_IPIP, "fd00:2::2", 102, 34, &s);
}

static void test_ipip_ipv6_in_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::111", XLB_FWD_IPIP, "10.0.2.5", 103, 35, &s);
}

static void test_gue_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	s.proto = IPPROTO_UDP;
	encap_case("10.0.0.112", XLB_FWD_GUE, "10.0.2.3", 104, 36, &s);
}

static void test_gue_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::112", XLB_FWD_GUE, "fd00:2::4", 105, 37, &s);
}

static void test_ipip_keeps_vlan_tags_and_copies_dscp_ecn(void **state)
{
	struct pkt_spec s = TUN_SPEC4, s2 = TUN_SPEC4;
	struct result r;

	(void)state;
	s.vlans = 2;
	s.vlan_tpid[0] = ETH_P_8021AD;
	encap_case("10.0.0.113", XLB_FWD_IPIP, "10.0.2.6", 106, 38, &s);
	/* DSCP 46 (EF) with ECN CE: 0xbb in the outer TOS as in the inner */
	s2.dst = "10.0.0.113";
	s2.sport = 33001;
	r.in_len = pkt_build(&s2, r.in);
	r.in[15] = 0xbb;
	pkt_put16(r.in + 24, 0);
	pkt_put16(r.in + 24, pkt_csum(r.in + 14, 20));
	run_frame(&r);
	assert_int_equal(r.verdict, XDP_TX);
	assert_int_equal(r.out[15], 0xbb);	    /* outer TOS */
	assert_int_equal(r.out[14 + 20 + 1], 0xbb); /* inner TOS, untouched */
}

static void test_ipip_fragments_are_tunnelled_to_one_backend(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	s.frag = PKT_FRAG_FIRST;
	s.frag_id = 4242;
	encap_case("10.0.0.114", XLB_FWD_IPIP, "10.0.2.7", 107, 39, &s);
	s.frag = PKT_FRAG_LATER;
	encap_case("10.0.0.114", XLB_FWD_IPIP, "10.0.2.7", 107, 39, &s);
}

/* tunnel_source: flow, prefix 10.255.0.0/16: a source per flow, and spread */
static void test_flow_source_is_one_per_flow_and_spread_over_flows(void **state)
{
	struct xlb_config c = tun_cfg;
	struct pkt_spec s = TUN_SPEC4;
	struct result r;
	__u8 first[4];
	int seen[256] = { 0 }, distinct = 0, i;

	(void)state;
	c.flags |= XLB_CFG_F_SRC_FLOW;
	inet_pton(AF_INET, "10.255.0.0", &c.tun_src4);
	c.tun_mask4 = htonl(0xffff);
	assert_int_equal(dp_config_set(dp, &c), 0);
	tunnel_vip(108, "10.0.0.115", IPPROTO_TCP, XLB_FWD_IPIP, 40, "10.0.2.8");
	s.dst = "10.0.0.115";
	run(&s, &r);
	memcpy(first, r.out + 14 + 12, 4);
	assert_int_equal(first[0], 10);
	assert_int_equal(first[1], 255);
	run(&s, &r); /* the same flow again: the same source */
	assert_memory_equal(r.out + 14 + 12, first, 4);
	for (i = 0; i < 200; i++) {
		s.sport = (__u16)(34000 + i);
		run(&s, &r);
		assert_int_equal(r.out[14 + 12], 10);
		assert_int_equal(r.out[14 + 13], 255);
		if (!seen[r.out[14 + 15]]++)
			distinct++;
	}
	print_message("  200 flows: %d distinct last bytes of the outer source\n", distinct);
	assert_true(distinct > 100);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

/* ---- ICMP ---------------------------------------------------------------------- */

static void config_with(__u32 flags, __u16 mtu)
{
	struct xlb_config c = tun_cfg;

	c.flags |= flags;
	c.mtu = mtu;
	assert_int_equal(dp_config_set(dp, &c), 0);
}

/* ---- sampled events (xlbctl monitor) --------------------------------------- */

struct got_events {
	struct xlb_event ev[64];
	int n;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct got_events *g = ctx;

	assert_int_equal(len, sizeof(struct xlb_event));
	if (g->n < 64)
		memcpy(&g->ev[g->n], data, sizeof(struct xlb_event));
	g->n++;
	return 0;
}

static void drain_events(struct ring_buffer *rb, struct got_events *g)
{
	memset(g, 0, sizeof(*g));
	assert_true(ring_buffer__consume(rb) >= 0);
}

static void monitor_on(__u16 rate)
{
	struct xlb_config c = tun_cfg;

	c.flags |= XLB_CFG_F_MONITOR;
	c.monitor_rate = rate;
	assert_int_equal(dp_config_set(dp, &c), 0);
}

static void test_monitor_sends_new_flows_moves_and_drops_only_when_on_within_its_rate(void **state)
{
	struct got_events g;
	struct ring_buffer *rb = ring_buffer__new(dp_events_fd(dp), on_event, &g, NULL);
	__u64 sup0, sup1, lost;
	cpu_set_t all, one;
	char src[32];
	int be, i;

	(void)state;
	assert_non_null(rb);
	/* one CPU: the rate is counted per CPU */
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);

	/* off (a rate set, the flag not): new flows and drops send nothing */
	{
		struct xlb_config c = tun_cfg;

		c.monitor_rate = 4;
		assert_int_equal(dp_config_set(dp, &c), 0);
	}
	drain_events(rb, &g);
	send_udp("192.0.2.90", "10.0.0.100", 7000, 53);
	send_tcp("192.0.2.90", "10.0.0.105", 7000, 80, TH_SYN);
	drain_events(rb, &g);
	assert_int_equal(g.n, 0);

	/* on: a new flow names its VIP, client and backend */
	monitor_on(4);
	be = send_udp("192.0.2.91", "10.0.0.100", 7001, 53);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_NEW_FLOW);
	assert_int_equal(g.ev[0].vip_id, vips[V_UDP].id);
	assert_int_equal(g.ev[0].backend_id, be);
	assert_int_equal(g.ev[0].proto, IPPROTO_UDP);
	assert_int_equal(ntohs(g.ev[0].sport), 7001);
	assert_int_equal(ntohl(g.ev[0].src[0]), 0xc000025b);
	/* a hit sends nothing */
	send_udp("192.0.2.91", "10.0.0.100", 7001, 53);
	drain_events(rb, &g);
	assert_int_equal(g.n, 0);
	/* a drop, with its reason and VIP */
	send_tcp("192.0.2.92", "10.0.0.105", 7002, 80, TH_SYN);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_DROP);
	assert_int_equal(g.ev[0].reason, XLB_STAT_NO_BACKEND);
	assert_int_equal(g.ev[0].vip_id, vips[V_EMPTY].id);

	/* past the rate: 4 a second a CPU, the rest counted */
	assert_int_equal(dp_monitor_counts(dp, &sup0, &lost), 0);
	sleep_ms(1100);
	for (i = 0; i < 10; i++) {
		client_addr((unsigned)i, src, sizeof(src));
		send_udp(src, "10.0.0.100", 7100, 53);
	}
	drain_events(rb, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(dp_monitor_counts(dp, &sup1, &lost), 0);
	assert_int_equal(sup1 - sup0, 6);

	config_with(0, 0);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	ring_buffer__free(rb);
}

static void test_monitor_says_when_a_flow_moves_off_a_down_backend(void **state)
{
	struct got_events g;
	struct ring_buffer *rb = ring_buffer__new(dp_events_fd(dp), on_event, &g, NULL);
	static const __u32 only16[] = { 16 };
	int be;

	(void)state;
	assert_non_null(rb);
	be = send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_SYN);
	send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_ACK);
	monitor_on(100);
	drain_events(rb, &g);
	backend_put((__u32)be, vips[V_SWAP].id, XLB_BE_DOWN, 1);
	ring_set(&vips[V_SWAP], 1, be == 16 ? (const __u32[]){ 15 } : only16, NULL);
	assert_int_equal(send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_ACK),
			 be == 16 ? 15 : 16);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_FLOW_MOVED);
	assert_int_equal(g.ev[0].backend_id, be == 16 ? 15 : 16);
	config_with(0, 0);
	restore_swap_vip();
	ring_buffer__free(rb);
}

/* ---- backends behind another interface (XDP_REDIRECT) ------------------------ */

#define REDIRECT_OIF 7 /* any index: test runs do not carry out the redirect */
static const __u8 other_if_mac[6] = { 0x02, 0, 0, 0, 0x0e, 0x01 };

static void backend_via_other_interface(__u32 be_id)
{
	struct xlb_backend b;
	int slot = dp_egress_slot(dp, REDIRECT_OIF, other_if_mac);

	assert_true(slot > 0);
	assert_int_equal(dp_backend_get(dp, be_id, &b), 0);
	b.egress = (__u8)slot;
	assert_int_equal(dp_backend_set(dp, be_id, &b), 0);
}

static void test_dsr_backend_behind_another_interface_is_redirected_untagged(void **state)
{
	struct pkt_spec tagged = TUN_SPEC4, plain = TUN_SPEC4;
	__u8 want[PKT_MAX];
	struct result r, flat;

	(void)state;
	tunnel_vip(120, "10.0.0.120", IPPROTO_TCP, XLB_FWD_DSR, 50, "10.0.3.1");
	backend_via_other_interface(50);
	tagged.dst = plain.dst = "10.0.0.120";
	tagged.vlans = 1;
	run(&tagged, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	/* the same packet without its tag, from the other interface's MAC */
	flat.in_len = pkt_build(&plain, flat.in);
	memcpy(want, flat.in, flat.in_len);
	be_mac(50, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, flat.in_len);
	assert_memory_equal(r.out, want, flat.in_len);
}

/* An interface keeps its slot; a backend naming an empty one goes nowhere. */
static void test_backend_naming_an_empty_egress_slot_is_dropped_not_sent_out(void **state)
{
	struct pkt_spec s = TUN_SPEC4;
	struct xlb_backend b;
	struct result r;
	int slot = dp_egress_slot(dp, REDIRECT_OIF, other_if_mac);

	(void)state;
	assert_true(slot > 0);
	assert_int_equal(dp_egress_slot(dp, REDIRECT_OIF, other_if_mac), slot);
	assert_int_not_equal(dp_egress_slot(dp, REDIRECT_OIF + 1, other_if_mac), slot);
	tunnel_vip(123, "10.0.0.123", IPPROTO_TCP, XLB_FWD_DSR, 53, "10.0.3.4");
	assert_int_equal(dp_backend_get(dp, 53, &b), 0);
	b.egress = XLB_MAX_EGRESS - 1; /* never handed out here */
	assert_int_equal(dp_backend_set(dp, 53, &b), 0);
	s.dst = "10.0.0.123";
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_DROP);
}

static void test_ipip_backend_behind_another_interface_is_redirected_untagged(void **state)
{
	struct pkt_spec qinq = TUN_SPEC4, plain = TUN_SPEC4;
	__u8 want[PKT_MAX];
	struct result r, flat;
	size_t n;

	(void)state;
	tunnel_vip(121, "10.0.0.121", IPPROTO_TCP, XLB_FWD_IPIP, 51, "10.0.3.2");
	backend_via_other_interface(51);
	qinq.dst = plain.dst = "10.0.0.121";
	qinq.vlans = 2;
	qinq.vlan_tpid[0] = ETH_P_8021AD;
	run(&qinq, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	flat.in_len = pkt_build(&plain, flat.in);
	n = expect_encap(&flat, &plain, 14, 51, "10.0.3.2", 0, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);

	/* untagged, over IPv6 to an IPv6 backend through GUE: the same rule */
	plain = (struct pkt_spec)TUN_SPEC6;
	plain.proto = IPPROTO_UDP;
	plain.dst = "fd00::122";
	tunnel_vip(122, "fd00::122", IPPROTO_UDP, XLB_FWD_GUE, 52, "fd00:3::3");
	backend_via_other_interface(52);
	run(&plain, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	n = expect_encap(&r, &plain, 14, 52, "fd00:3::3", 1, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);
}

/* The client is behind the interface the packet came in on, tags and all. */
static void test_too_big_for_a_redirected_backend_goes_back_to_the_client(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .vlans = 1,
			      .src = "192.0.2.94",
			      .dst = "10.0.0.121",
			      .proto = IPPROTO_TCP,
			      .sport = 5558,
			      .dport = 80,
			      .payload = 1500 - 40,
			      .df = 1 };
	struct result r;

	(void)state;
	config_with(0, 1500);
	tunnel_vip(121, "10.0.0.121", IPPROTO_TCP, XLB_FWD_IPIP, 51, "10.0.3.2");
	backend_via_other_interface(51);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	assert_memory_equal(r.out, pkt_client_mac, 6);
	assert_int_equal(r.out[12], 0x81); /* the tag stays */
	assert_int_equal(r.out[14 + 4 + 9], IPPROTO_ICMP);
	assert_int_equal(r.out[14 + 4 + 20], 3); /* destination unreachable */
	assert_int_equal(r.out[14 + 4 + 21], 4); /* fragmentation needed */
}

/*
 * IPv4 saying protocol 58 and IPv6 saying next header 1, each carrying its
 * own family's echo request type: neither is ICMP of its family, nothing
 * answers them.
 */
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

/* ---- a million mutated frames ----------------------------------------------- */

/*
 * Frames of every shape the parser knows, from random specs (VLAN tags, IPv4
 * options, IPv6 extension headers, fragments, TCP, UDP, ICMP echo, ICMP
 * errors quoting a flow, jumbo payloads, to DSR and tunnel VIPs and to no
 * VIP), then broken: bytes flipped, cut at any offset, lengths that lie.
 * Whatever the program does, it must never abort, and every frame it sends
 * must be well formed and be either the input with new MACs (DSR), the
 * input inside a correct tunnel header (IPIP, GUE) to a backend, or an ICMP
 * answer to the client with right checksums. XLB_MUTATE_FRAMES and
 * XLB_MUTATE_SEED change the run.
 */
#define MUT_FRAME_MAX 3400 /* below what one page of test_run holds */

static const char *const mut_dst4[] = { "10.0.0.100", "10.0.0.101", "10.0.0.102", "10.0.0.103",
					"10.0.0.140", "10.0.0.141", "10.0.0.9" };
static const char *const mut_dst6[] = { "fd00::100", "fd00::101", "fd00::140", "fd00::141",
					"fd00::9" };
static const __u8 mut_ext[] = { 0, 43, 60, 44 };
static const __u8 mut_flags[] = { TH_SYN, TH_ACK, TH_SYN | TH_ACK, TH_RST, TH_FIN | TH_ACK };

struct mut_stats {
	unsigned long frames, tx_dsr, tx_encap, tx_icmp, pass, drop, redirect, bad;
	unsigned shapes;
	__u8 seen[1 << 13]; /* shapes seen, a bit each of 2^16 */
};

static __u32 mut_pick(uint64_t *rng, __u32 n)
{
	return (__u32)(wf_rand(rng) % n);
}

/* A frame from a random spec; *shape gets its structural code. */
static size_t mut_build(uint64_t *rng, __u8 *buf, __u32 *shape)
{
	struct pkt_spec s = {};
	int six = mut_pick(rng, 2), i;
	__u32 kind = mut_pick(rng, 20);
	size_t len;

	s.family = six ? 6 : 4;
	s.src = six ? "fd00::aa" : "10.0.9.1";
	s.dst = six ? mut_dst6[mut_pick(rng, 5)] : mut_dst4[mut_pick(rng, 7)];
	s.vlans = mut_pick(rng, 8) < 6 ? 0 : (int)mut_pick(rng, 4);
	for (i = 0; i < s.vlans; i++)
		s.vlan_tpid[i] = mut_pick(rng, 2) ? ETH_P_8021AD : ETH_P_8021Q;
	s.proto = kind < 12   ? IPPROTO_TCP
		  : kind < 16 ? IPPROTO_UDP
		  : six	      ? IPPROTO_ICMPV6
			      : IPPROTO_ICMP;
	s.sport = (__u16)(1024 + mut_pick(rng, 60000));
	s.dport = mut_pick(rng, 4) ? 80 : mut_pick(rng, 2) ? 53 : (__u16)mut_pick(rng, 65536);
	s.tcp_flags = mut_flags[mut_pick(rng, 5)];
	if (!six && !mut_pick(rng, 4))
		s.ip_opt_len = 4 * (int)mut_pick(rng, 11);
	if (six && !mut_pick(rng, 4)) {
		s.n_ext = 1 + (int)mut_pick(rng, 6);
		for (i = 0; i < s.n_ext; i++)
			s.ext[i] = mut_ext[mut_pick(rng, 4)];
	}
	if (!mut_pick(rng, 6))
		s.frag = 1 + (int)mut_pick(rng, six ? 3 : 2);
	s.frag_id = (__u32)wf_rand(rng);
	s.payload = (int)mut_pick(rng, 8)   ? (int)mut_pick(rng, 200)
		    : (int)mut_pick(rng, 3) ? (int)mut_pick(rng, 1500)
					    : (int)mut_pick(rng, MUT_FRAME_MAX - 200);
	s.df = (int)mut_pick(rng, 2);
	s.pad = mut_pick(rng, 4) ? 0 : (int)mut_pick(rng, 40);
	if (!mut_pick(rng, 10))
		s.len_delta = (int)mut_pick(rng, 129) - 64;
	if (!mut_pick(rng, 10))
		s.truncate = 1 + (int)mut_pick(rng, 120);
	if (!mut_pick(rng, 20))
		s.family = 0,
		s.ethertype = (__u16)(mut_pick(rng, 2) ? 0x0806 : mut_pick(rng, 65536));
	len = pkt_build(&s, buf);
	*shape = (__u32)(s.family ? s.family / 2 - 1 : 0) << 13 | (__u32)s.vlans << 11 |
		 (kind >= 12) << 10 | (kind >= 16) << 9 | (__u32)s.frag << 7 |
		 (__u32)(s.n_ext ? s.n_ext : s.ip_opt_len / 4) << 3 |
		 (__u32)(s.len_delta != 0) << 2 | (s.truncate > 0) << 1 | (s.pad > 0);

	/* an ICMP error to a VIP, quoting a packet of one of its flows */
	if (s.family && kind >= 18) {
		struct pkt_spec q = s;
		__u8 inner[PKT_MAX];
		struct wf w;
		size_t qlen, n;

		q.vlans = 0;
		q.src = s.dst;
		q.dst = s.src;
		q.proto = mut_pick(rng, 2) ? IPPROTO_TCP : IPPROTO_UDP;
		q.sport = 80;
		q.frag = 0;
		q.n_ext = 0;
		q.len_delta = 0;
		q.pad = 0;
		q.truncate = 0;
		q.payload = (int)mut_pick(rng, 64);
		n = pkt_build(&q, inner) - 14;
		qlen = 8 + mut_pick(rng, (__u32)n);
		s.proto = six ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		s.src = six ? "fd00::250" : "10.0.9.250";
		s.frag = 0;
		s.n_ext = 0;
		s.truncate = 0;
		s.payload = (int)qlen;
		len = pkt_build(&s, buf);
		if (wf_parse(buf, len, &w) && w.l4) {
			__u8 *ic = buf + w.l4;

			ic[0] = six ? 2 : 3;
			ic[1] = six ? 0 : 4;
			pkt_put16(ic + 2, 0);
			pkt_put16(ic + 4, 0);
			pkt_put16(ic + 6, 1400);
			memcpy(ic + 8, inner + 14, qlen);
			pkt_put16(ic + 2, six ? pkt_csum6(buf + w.l2, ic, (int)(8 + qlen))
					      : pkt_csum(ic, (int)(8 + qlen)));
		}
		*shape |= 1u << 15;
	}
	return len;
}

/* Break the frame a little, most of the time. */
static size_t mut_break(uint64_t *rng, __u8 *f, size_t len)
{
	__u32 how = mut_pick(rng, 10), n, i;

	if (how < 2 || !len)
		return len; /* as built */
	if (how < 7) {
		n = 1 + mut_pick(rng, 4);
		for (i = 0; i < n; i++)
			f[mut_pick(rng, (__u32)(len < 120 ? len : 120))] ^=
				(__u8)(1 + mut_pick(rng, 255));
	} else if (how < 8) {
		len = 1 + mut_pick(rng, (__u32)len);
	} else {
		f[mut_pick(rng, (__u32)len)] = (__u8)wf_rand(rng);
	}
	/* sometimes a fixed IPv4 header checksum takes the frame deeper */
	if (mut_pick(rng, 2) && len >= 34 && wf_get16(f + 12) == ETH_P_IP && (f[14] & 0xf) >= 5 &&
	    14 + (f[14] & 0xf) * 4u <= len) {
		pkt_put16(f + 24, 0);
		pkt_put16(f + 24, pkt_csum(f + 14, (f[14] & 0xf) * 4));
	}
	return len;
}

static int mac_is_backend(const __u8 *m)
{
	__u8 b[6];

	be_mac(0, b);
	return !memcmp(m, b, 5);
}

/* Is what the program sent one of the three things it may send? NULL: yes. */
static const char *mut_check_sent(const struct result *r)
{
	struct wf wi, wo;
	int in_ok = wf_parse(r->in, r->in_len, &wi);

	if (!in_ok)
		return "sent a frame that is not well formed";
	if (!wf_parse(r->out, r->out_len, &wo))
		return "what it sent is not well formed";
	/* an answer to the client (checked first: a client's MAC may look like a backend's) */
	if (!memcmp(r->out, r->in + 6, 6) && !memcmp(r->out + 6, pkt_lb_mac, 6) &&
	    wo.proto == (wo.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		int want_ok = wi.csum_ok &&
			      (wi.proto != (wi.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6) ||
			       !wi.l4 || wf_icmp_csum_ok(r->in, &wi));

		if (!wo.l4)
			return "an ICMP answer that is a fragment";
		/* RFC 1812 4.3.2.3, RFC 4443 2.4(c): an error fits the minimum MTU */
		if ((wo.family == 4 ? r->out[wo.l4] == 3 : r->out[wo.l4] < 128) &&
		    wo.ip_len > (wo.family == 4 ? 576u : 1280u))
			return "an ICMP answer longer than 576 (IPv4) or 1280 (IPv6) bytes";
		if (want_ok && (!wo.csum_ok || !wf_icmp_csum_ok(r->out, &wo)))
			return "ICMP answer with a bad checksum";
		return NULL;
	}
	if (mac_is_backend(r->out)) {
		const __u8 *inner;

		/* (redirected out of another interface: from that one's MAC) */
		if (memcmp(r->out + 6, r->verdict == XDP_REDIRECT ? other_if_mac : pkt_lb_mac, 6))
			return "to a backend, but not from our MAC";
		/* DSR: the frame with new MACs (redirected: untagged as well) */
		if ((wo.l2 == wi.l2 || (r->verdict == XDP_REDIRECT && wo.l2 == ETH_HLEN)) &&
		    r->out_len - wo.l2 == r->in_len - wi.l2 && wo.l2 >= ETH_HLEN &&
		    !memcmp(r->out + wo.l2 - 2, r->in + wi.l2 - 2, r->in_len - wi.l2 + 2) &&
		    (wo.l2 == ETH_HLEN || !memcmp(r->out + 12, r->in + 12, wo.l2 - ETH_HLEN)))
			return NULL;
		/* a tunnel: a correct outer header around the input's IP packet */
		if (!wo.csum_ok)
			return "tunnel: bad outer IPv4 checksum";
		if (wo.proto == IPPROTO_UDP) {
			if (wf_get16(r->out + wo.l4 + 2) != XLB_GUE_PORT_DEFAULT ||
			    wf_get16(r->out + wo.l4 + 4) != 8 + wi.ip_len)
				return "GUE: wrong port or UDP length";
			inner = r->out + wo.l4 + 8;
		} else if (wo.proto == 4 || wo.proto == 41) {
			inner = r->out + wo.l4;
		} else {
			return "to a backend, neither as it came nor tunnelled";
		}
		if (inner + wi.ip_len > r->out + wo.l2 + wo.ip_len ||
		    memcmp(inner, r->in + wi.l2, wi.ip_len))
			return "tunnel: the inner packet is not the input's";
		if ((wo.proto == 4) != (wi.family == 4) && wo.proto != IPPROTO_UDP)
			return "IPIP: wrong protocol for the inner family";
		return NULL;
	}
	return "sent to neither a backend nor the client";
}

static void mut_dump(const char *why, const struct result *r)
{
	size_t i;

	fprintf(stderr, "    %s (verdict %d, %zu bytes in, %u out); in:", why, r->verdict,
		r->in_len, r->out_len);
	for (i = 0; i < r->in_len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", r->in[i]);
	fprintf(stderr, "\n    out:");
	for (i = 0; i < r->out_len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", r->out[i]);
	fprintf(stderr, "\n");
}

static void test_a_million_mutated_frames_are_never_aborted_nor_sent_malformed(void **state)
{
	static struct mut_stats st;
	static struct result r;
	const char *env = getenv("XLB_MUTATE_FRAMES"), *why;
	uint64_t seed = getenv("XLB_MUTATE_SEED") ? strtoull(getenv("XLB_MUTATE_SEED"), NULL, 0)
						  : 0x786c622d6d7574ULL;
	unsigned long n = env ? strtoul(env, NULL, 0) : 1000000, i;
	uint64_t rng = seed;
	__u32 shape;

	(void)state;
	tunnel_vip(140, "10.0.0.140", IPPROTO_TCP, XLB_FWD_IPIP, 60, "10.0.2.60");
	tunnel_vip(141, "10.0.0.141", IPPROTO_TCP, XLB_FWD_GUE, 61, "fd00:2::61");
	tunnel_vip(142, "fd00::140", IPPROTO_TCP, XLB_FWD_IPIP, 62, "fd00:2::62");
	tunnel_vip(143, "fd00::141", IPPROTO_TCP, XLB_FWD_GUE, 63, "10.0.2.63");
	config_with(XLB_CFG_F_ICMP_ECHO, 1500);
	memset(&st, 0, sizeof(st));
	for (i = 0; st.frames < n; i++) {
		r.in_len = mut_build(&rng, r.in, &shape);
		r.in_len = mut_break(&rng, r.in, r.in_len);
		if (!(st.seen[shape >> 3] & (1 << (shape & 7)))) {
			st.shapes++;
			st.seen[shape >> 3] |= (__u8)(1 << (shape & 7));
		}
		if (r.in_len < 14)
			continue; /* test_run wants an Ethernet header */
		run_frame(&r);
		st.frames++;
		switch (r.verdict) {
		case XDP_PASS:
			st.pass++;
			continue;
		case XDP_DROP:
			st.drop++;
			continue;
		case XDP_TX:
		case XDP_REDIRECT:
			break;
		default:
			if (st.bad++ < 5)
				mut_dump("aborted or unknown verdict", &r);
			continue;
		}
		st.redirect += r.verdict == XDP_REDIRECT;
		why = mut_check_sent(&r);
		if (why) {
			if (st.bad++ < 5)
				mut_dump(why, &r);
			continue;
		}
		if (mac_is_backend(r.out))
			r.out_len <= r.in_len ? st.tx_dsr++ : st.tx_encap++;
		else
			st.tx_icmp++;
	}
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
	fprintf(stderr,
		"    %lu frames of %u shapes (seed %#llx, %lu built): sent %lu as they came, %lu "
		"tunnelled, "
		"%lu ICMP answers; passed %lu, dropped %lu; %lu wrong\n",
		st.frames, st.shapes, (unsigned long long)seed, i, st.tx_dsr, st.tx_encap,
		st.tx_icmp, st.pass, st.drop, st.bad);
	assert_int_equal(st.bad, 0);
	assert_true(st.tx_dsr > n / 100 && st.tx_encap > n / 1000 && st.tx_icmp > n / 1000);
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + XDP_ABORTED), 0);
}

/*
 * The program declares no fragment support (SEC("xdp"), not "xdp.frags"), so
 * drivers never hand it a frame in pieces; a test run does, for frames
 * longer than a page. It sees only the first piece, so a packet longer than
 * that is malformed to it and dropped: never forwarded half seen, never
 * answered "too big" with an untrimmed copy (a 4,000-byte packet with DF to
 * a tunnel VIP, IPv4 and IPv6). Linear frames up to 3,400 bytes get their
 * answers trimmed: the mutation test checks every one.
 */
static void test_a_frame_in_pieces_is_dropped_never_answered_untrimmed(void **state)
{
	static struct result r;
	struct pkt_spec s4 = { .family = 4,
			       .src = "10.0.9.1",
			       .dst = "10.0.0.140",
			       .sport = 4000,
			       .dport = 80,
			       .df = 1,
			       .payload = 3900 };
	struct pkt_spec s6 = { .family = 6,
			       .src = "fd00::aa",
			       .dst = "fd00::140",
			       .sport = 4000,
			       .dport = 80,
			       .payload = 3900 };
	const struct pkt_spec *s[2] = { &s4, &s6 };
	__u64 malformed = gstat(XLB_STAT_MALFORMED);
	int i;

	(void)state;
	tunnel_vip(140, "10.0.0.140", IPPROTO_TCP, XLB_FWD_IPIP, 60, "10.0.2.60");
	tunnel_vip(142, "fd00::140", IPPROTO_TCP, XLB_FWD_IPIP, 62, "fd00:2::62");
	config_with(0, 1500);
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r.in, .data_out = r.out,
			    .data_size_out = sizeof(r.out), .repeat = 1);

		r.in_len = pkt_build(s[i], r.in);
		assert_true(r.in_len > 3900); /* beyond a page: in pieces */
		o.data_size_in = (__u32)r.in_len;
		assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
	}
	assert_int_equal(gstat(XLB_STAT_MALFORMED), malformed + 2);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

static void test_no_packet_was_ever_aborted(void **state)
{
	(void)state;
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + XDP_ABORTED), 0);
}

/* ---- main ------------------------------------------------------------------ */

#define NPCASES (sizeof(pcases) / sizeof(pcases[0]))

static const struct CMUnitTest scenarios[] = {
	cmocka_unit_test(test_maglev_syn_is_placed_unrecorded_and_its_ack_records_the_flow),
	cmocka_unit_test(test_fin_or_rst_marks_a_flow_closing_and_a_new_syn_opens_it_again),
	cmocka_unit_test(test_the_sweep_counts_each_backends_open_and_closing_flows),
	cmocka_unit_test(test_the_sweep_counts_udp_flows_until_their_idle_timeout),
	cmocka_unit_test(test_monitor_sends_new_flows_moves_and_drops_only_when_on_within_its_rate),
	cmocka_unit_test(test_monitor_says_when_a_flow_moves_off_a_down_backend),
	cmocka_unit_test(test_monitor_names_the_backend_an_icmp_error_was_routed_to),
	cmocka_unit_test(test_wrr_syn_is_half_open_until_its_ack_establishes_it),
	cmocka_unit_test(test_maglev_syn_reusing_a_recorded_tuple_is_placed_afresh),
	cmocka_unit_test(test_wrr_syn_reusing_a_recorded_tuple_is_placed_afresh),
	cmocka_unit_test(test_syn_reusing_a_recorded_tuple_is_caught_after_the_hint_is_rebuilt),
	cmocka_unit_test(test_syn_hint_forgets_flows_the_table_dropped),
	cmocka_unit_test(test_syn_hint_of_one_bit_a_flow_is_filled_when_adopted),
	cmocka_unit_test(test_a_flow_written_by_xlbd_is_followed_by_the_program),
	cmocka_unit_test(test_each_flow_table_has_a_seed_of_its_own),
	cmocka_unit_test_teardown(test_a_full_set_gives_up_the_flow_nobody_used, main_dp_back),
	cmocka_unit_test_teardown(
		test_a_table_filled_past_its_size_moves_flows_rather_than_drop_them, main_dp_back),
	cmocka_unit_test_teardown(test_a_flow_moved_during_the_walk_keeps_its_syn_hint_bits,
				  main_dp_back),
	cmocka_unit_test(test_an_upgrade_copies_the_flows_of_the_kernels_lru_table),
	cmocka_unit_test(test_maglev_spreads_1000_flows_as_the_ring_predicts),
	cmocka_unit_test(test_source_ip_sends_every_connection_of_a_client_to_one_backend),
	cmocka_unit_test(test_wrr_splits_10000_new_flows_within_2_percent_of_weights_1_2_3),
	cmocka_unit_test(test_random_scheduler_spreads_10000_flows_evenly),
	cmocka_unit_test(test_ipv4_first_and_later_fragments_reach_the_same_backend),
	cmocka_unit_test(test_ipv6_first_and_later_fragments_reach_the_same_backend),
	cmocka_unit_test(test_fragments_follow_the_lowest_port_vip_of_their_address),
	cmocka_unit_test(test_established_flows_keep_their_backend_after_the_ring_is_swapped),
	cmocka_unit_test(test_handshakes_across_ring_changes_reach_their_syns_backend),
	cmocka_unit_test(test_a_stale_remembered_syn_never_steers_a_later_handshake),
	cmocka_unit_test(test_drained_backend_keeps_its_flows_and_a_down_one_loses_them),
	cmocka_unit_test(test_flows_leave_a_backend_id_given_to_a_new_backend),
	cmocka_unit_test(test_udp_flow_lives_while_active_and_expires_after_its_idle_timeout),
	cmocka_unit_test(test_syn_flood_of_1m_spoofed_sources_leaves_every_established_flow),
	cmocka_unit_test(test_syn_flood_on_a_wrr_vip_leaves_every_established_flow),
	cmocka_unit_test(test_ipip_ipv4_in_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv6_in_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv4_in_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv6_in_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_gue_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_gue_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_keeps_vlan_tags_and_copies_dscp_ecn),
	cmocka_unit_test(test_ipip_fragments_are_tunnelled_to_one_backend),
	cmocka_unit_test(test_flow_source_is_one_per_flow_and_spread_over_flows),
	cmocka_unit_test(test_dsr_backend_behind_another_interface_is_redirected_untagged),
	cmocka_unit_test(test_ipip_backend_behind_another_interface_is_redirected_untagged),
	cmocka_unit_test(test_too_big_for_a_redirected_backend_goes_back_to_the_client),
	cmocka_unit_test(test_backend_naming_an_empty_egress_slot_is_dropped_not_sent_out),
	cmocka_unit_test(test_icmp_protocol_numbers_never_cross_families),
	cmocka_unit_test(test_ping_to_a_vip_is_answered_from_the_vip),
	cmocka_unit_test(test_ping6_to_a_vip_is_answered_from_the_vip),
	cmocka_unit_test(test_frag_needed_reaches_the_backend_of_its_flow),
	cmocka_unit_test(test_icmp_error_quoting_past_its_packet_is_dropped),
	cmocka_unit_test(test_packet_too_big_reaches_the_backend_of_its_ipv6_flow),
	cmocka_unit_test(test_icmp_error_about_an_unrecorded_flow_follows_the_ring),
	cmocka_unit_test(test_oversized_df_packet_to_a_tunnel_vip_gets_frag_needed),
	cmocka_unit_test(test_oversized_ipv6_packet_to_a_tunnel_vip_gets_packet_too_big),
	cmocka_unit_test(test_a_million_mutated_frames_are_never_aborted_nor_sent_malformed),
	cmocka_unit_test(test_a_frame_in_pieces_is_dropped_never_answered_untrimmed),
	cmocka_unit_test(test_no_packet_was_ever_aborted),
};

int main(void)
{
	size_t nsc = sizeof(scenarios) / sizeof(scenarios[0]);
	struct CMUnitTest *tests;
	size_t i;
	int rc;

	tests = calloc(NPCASES + nsc, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < NPCASES; i++) {
		tests[i].name = pcases[i].name;
		tests[i].test_func = test_packet_case;
		tests[i].initial_state = (void *)&pcases[i];
	}
	/* the aborted check stays last: it speaks for every case before it */
	memcpy(&tests[NPCASES], scenarios, sizeof(scenarios));
	rc = _cmocka_run_group_tests("xdp", tests, NPCASES + nsc, group_setup, group_teardown);
	free(tests);
	return rc;
}
