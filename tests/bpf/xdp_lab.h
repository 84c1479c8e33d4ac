/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet tests' lab (xdp_lab.c): the real program loaded once per test
 * binary with its maps filled by user/xlbd/dataplane.c and its rings built
 * by user/lib/maglev.c, the test VIPs and backends, and ways to run a frame
 * through it (bpf_prog_test_run_opts) and to predict where it goes. Frames
 * are built with pkt.h. Each test_xdp_*.c holds the tests of one subject.
 */
#ifndef XLB_TEST_XDP_LAB_H
#define XLB_TEST_XDP_LAB_H

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

#define RING_SIZE      XLB_RING_SIZE_DEFAULT
#define TEST_MAX_FLOWS 65536 /* smaller than the SYN flood, on purpose */

#define TUN_SRC4 "10.0.0.1"
#define TUN_SRC6 "fd00::1"

struct result {
	int verdict;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u8 in[PKT_MAX];
	size_t in_len;
};

/* ---- shorthands ------------------------------------------------------------ */

#define C4 .family = 4, .src = "192.0.2.10"

#define C6 .family = 6, .src = "2001:db8::10"

#define TCP .proto = IPPROTO_TCP

#define UDP .proto = IPPROTO_UDP

#define NOVIP -1

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

struct got_events {
	struct xlb_event ev[64];
	int n;
};

#define REDIRECT_OIF 7 /* any index: test runs do not carry out the redirect */

/* ---- what the lab holds and does ------------------------------------------- */

extern const __u8 other_if_mac[6];
extern int prog_fd;
extern struct dp *dp;
extern struct tvip vips[NVIPS];
extern struct xlb_config tun_cfg;

void be_mac(__u32 id, __u8 mac[6]);
void backend_make(__u32 id, __u8 state, __u32 gen, struct xlb_backend *b);
void backend_put(__u32 id, __u32 vip_id, __u8 state, __u32 gen);
void vip_key(const struct tvip *v, struct xlb_vip_key *k);
void ring_set(struct tvip *v, int n, const __u32 *ids, const __u32 *w);
void vip_apply(struct tvip *v, __u32 id);
int group_setup(void **state);
int group_teardown(void **state);
void run_frame(struct result *r);
void run(const struct pkt_spec *s, struct result *r);
int out_backend(const struct result *r);
void assert_rewritten_to(const struct result *r, int be);
void assert_untouched(const struct result *r);
void spec_key(const struct pkt_spec *s, struct xlb_flow_key *k);
__u32 predict_maglev(const struct tvip *v, const struct pkt_spec *s);
__u64 gstat(int idx);
int send_tcp(const char *src, const char *dst, __u16 sport, __u16 dport, __u8 flags);
int send_udp(const char *src, const char *dst, __u16 sport, __u16 dport);
void client_addr(unsigned int i, char *buf, size_t len);
void sleep_ms(long ms);
__u32 tunnel_vip(__u32 id, const char *addr, __u8 proto, __u8 fwd, __u32 be_id,
		 const char *be_addr);
size_t expect_encap(const struct result *r, const struct pkt_spec *s, int l2, int be,
		    const char *outer_dst, int gue, __u8 *out);
void config_with(__u32 flags, __u16 mtu);
int on_event(void *ctx, void *data, size_t len);
void drain_events(struct ring_buffer *rb, struct got_events *g);
void monitor_on(__u16 rate);
void test_no_packet_was_ever_aborted(void **state);

/*
 * Run one subject's tests against a fresh lab, in their order, then check
 * that none of their frames was ever aborted.
 */
int xdp_lab_run(const char *name, const struct CMUnitTest *tests, size_t n);

#endif /* XLB_TEST_XDP_LAB_H */
