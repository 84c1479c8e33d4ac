// SPDX-License-Identifier: GPL-2.0
/*
 * The packet tests' lab: see xdp_lab.h.
 */
#include "xdp_lab.h"

/* ---- the test VIPs ------------------------------------------------------- */

struct tvip vips[NVIPS] = {
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

struct dp *dp;
int prog_fd;
struct xlb_config tun_cfg; /* as set up, to restore after a change */

void be_mac(__u32 id, __u8 mac[6])
{
	static const __u8 base[6] = { 0x02, 0, 0, 0, 0x01, 0 };

	memcpy(mac, base, 6);
	mac[5] = id;
}

void backend_make(__u32 id, __u8 state, __u32 gen, struct xlb_backend *b)
{
	memset(b, 0, sizeof(*b));
	b->family = XLB_AF_INET;
	b->addr[0] = htonl(0x0a000100 | id); /* 10.0.1.id */
	be_mac(id, b->mac);
	b->state = state;
	b->gen = gen;
}

void backend_put(__u32 id, __u32 vip_id, __u8 state, __u32 gen)
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

void vip_key(const struct tvip *v, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	if (strchr(v->addr, ':')) {
		k->family = XLB_AF_INET6;
		inet_pton(AF_INET6, v->addr, k->addr);
	} else {
		k->family = XLB_AF_INET;
		inet_pton(AF_INET, v->addr, k->addr);
	}
	k->port = v->port;
	k->proto = v->proto;
}

/* Build the ring of the given backends (ids, weights) and swap it in. */
void ring_set(struct tvip *v, int n, const __u32 *ids, const __u32 *w)
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

void vip_apply(struct tvip *v, __u32 id)
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

int group_setup(void **state)
{
	struct dp_opts o = { .max_flows = TEST_MAX_FLOWS };
	struct xlb_config cfg = { .ifindex = 1, .gue_port = XLB_GUE_PORT_DEFAULT };
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

int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < NVIPS; i++)
		free(vips[i].ring);
	dp_close(dp);
	return 0;
}

/* ---- running packets ----------------------------------------------------- */

void run_frame(struct result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->in, .data_size_in = r->in_len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
	r->verdict = o.retval;
	r->out_len = o.data_size_out;
}

void run(const struct pkt_spec *s, struct result *r)
{
	r->in_len = pkt_build(s, r->in);
	run_frame(r);
}

/* The backend id a forwarded frame was sent to (its destination MAC). */
int out_backend(const struct result *r)
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
void assert_rewritten_to(const struct result *r, int be)
{
	__u8 want[PKT_MAX];

	assert_int_equal(r->verdict, XDP_TX);
	assert_int_equal(r->out_len, r->in_len);
	memcpy(want, r->in, r->in_len);
	be_mac(be, want);
	memcpy(want + 6, pkt_lb_mac, 6);
	assert_memory_equal(r->out, want, r->in_len);
}

void assert_untouched(const struct result *r)
{
	assert_int_equal(r->out_len, r->in_len);
	assert_memory_equal(r->out, r->in, r->in_len);
}

/* The flow key the program sees for a spec, to predict its placement. */
void spec_key(const struct pkt_spec *s, struct xlb_flow_key *k)
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

__u32 predict_maglev(const struct tvip *v, const struct pkt_spec *s)
{
	struct xlb_flow_key k;

	spec_key(s, &k);
	return v->ring[hash_reduce(hash_flow(&k), RING_SIZE)];
}

__u64 gstat(int idx)
{
	struct xlb_global_stats g;

	assert_int_equal(dp_stats_global(dp, &g), 0);
	return ((__u64 *)&g)[idx];
}

/* ---- shared by several subjects ------------------------------------------- */

int send_tcp(const char *src, const char *dst, __u16 sport, __u16 dport, __u8 flags)
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

int send_udp(const char *src, const char *dst, __u16 sport, __u16 dport)
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

void client_addr(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "172.16.%u.%u", (i >> 8) & 0xff, i & 0xff);
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A VIP forwarding by tunnel to one backend at be_addr; returns the VIP id. */
__u32 tunnel_vip(__u32 id, const char *addr, __u8 proto, __u8 fwd, __u32 be_id, const char *be_addr)
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
size_t expect_encap(const struct result *r, const struct pkt_spec *s, int l2, int be,
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

void config_with(__u32 flags, __u16 mtu)
{
	struct xlb_config c = tun_cfg;

	c.flags |= flags;
	c.mtu = mtu;
	assert_int_equal(dp_config_set(dp, &c), 0);
}

int on_event(void *ctx, void *data, size_t len)
{
	struct got_events *g = ctx;

	assert_int_equal(len, sizeof(struct xlb_event));
	if (g->n < 64)
		memcpy(&g->ev[g->n], data, sizeof(struct xlb_event));
	g->n++;
	return 0;
}

void drain_events(struct ring_buffer *rb, struct got_events *g)
{
	memset(g, 0, sizeof(*g));
	assert_true(ring_buffer__consume(rb) >= 0);
}

void monitor_on(__u16 rate)
{
	struct xlb_config c = tun_cfg;

	c.flags |= XLB_CFG_F_MONITOR;
	c.monitor_rate = rate;
	assert_int_equal(dp_config_set(dp, &c), 0);
}

const __u8 other_if_mac[6] = { 0x02, 0, 0, 0, 0x0e, 0x01 };

void test_no_packet_was_ever_aborted(void **state)
{
	(void)state;
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + XDP_ABORTED), 0);
}

int xdp_lab_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	struct CMUnitTest *all = calloc(n + 1, sizeof(*all));
	int rc;

	if (!all)
		return 1;
	memcpy(all, tests, n * sizeof(*all));
	/* last: it speaks for every test before it */
	all[n] = (struct CMUnitTest)cmocka_unit_test(test_no_packet_was_ever_aborted);
	rc = _cmocka_run_group_tests(name, all, n + 1, group_setup, group_teardown);
	free(all);
	return rc;
}
