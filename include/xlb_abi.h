/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one definition of everything the XDP program and userspace share: map
 * names, map keys and values, limits and flags. Both bpf/ and user/ include
 * this file; nothing else describes these layouts.
 *
 * Rules that keep the two sides in agreement: only <linux/types.h> types,
 * no bool, enum type, pointer or long in a struct, padding written out, and a
 * _Static_assert on every size. Limits are wrapped in #ifndef so that a build
 * can override them with -D.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

/* ---- limits -------------------------------------------------------------- */

#ifndef XLB_MAX_VIPS
#define XLB_MAX_VIPS 512 /* VIP ids are 0 .. XLB_MAX_VIPS-1 */
#endif
#ifndef XLB_MAX_BACKENDS
#define XLB_MAX_BACKENDS 4096 /* backend ids, over all VIPs */
#endif
#ifndef XLB_MAX_FLOWS
#define XLB_MAX_FLOWS 1000000 /* established flows remembered */
#endif
#ifndef XLB_MAX_SYN_FLOWS
#define XLB_MAX_SYN_FLOWS 65536 /* half-open TCP flows remembered */
#endif
#define XLB_RING_SIZE_DEFAULT	65537	/* prime */
#define XLB_RING_SIZE_MAX	1048573 /* largest prime below 2^20 */
#define XLB_UDP_TIMEOUT_DEFAULT 30	/* seconds */
#define XLB_IPV6_EXT_MAX	4	/* extension headers walked */

#define XLB_BACKEND_NONE 0xffffffffU /* ring slot with no backend */

/* Map names as the kernel keeps them (15 characters at most). */
#define XLB_MAP_CONFIG	  "xlb_config"
#define XLB_MAP_VIPS	  "xlb_vips"
#define XLB_MAP_RINGS	  "xlb_rings"
#define XLB_MAP_BACKENDS  "xlb_backends"
#define XLB_MAP_FLOWS	  "xlb_flows"
#define XLB_MAP_SYN_FLOWS "xlb_syn_flows"
#define XLB_MAP_WRR	  "xlb_wrr"
#define XLB_MAP_STATS	  "xlb_stats"
#define XLB_MAP_VIP_STATS "xlb_vip_stats"
#define XLB_MAP_BE_STATS  "xlb_be_stats"
#define XLB_MAP_EVENTS	  "xlb_events"
#define XLB_MAP_MON	  "xlb_mon"
#define XLB_PROG_NAME	  "xlb_xdp"

/* ---- instance configuration (xlb_config, one entry) ---------------------- */

/* Outer source of tunnelled packets: the configured address, or one per flow. */
#define XLB_CFG_F_SRC_FLOW  0x1
/* Answer ICMP echo requests to VIP addresses (else they go to the kernel). */
#define XLB_CFG_F_ICMP_ECHO 0x2
/* Sample events into xlb_events (xlbctl monitor), at most monitor_rate a second a CPU. */
#define XLB_CFG_F_MONITOR   0x4

struct xlb_config {
	__u8 if_mac[6];	    /* source MAC of forwarded frames */
	__u16 monitor_rate; /* XLB_CFG_F_MONITOR: events a second, per CPU */
	__u32 ifindex;	    /* interface the program serves */
	__u32 flags;	    /* XLB_CFG_F_* */
	__be32 tun_src4;    /* outer IPv4 source (or, with SRC_FLOW, its prefix) */
	__be32 tun_src6[4]; /* outer IPv6 source (or its prefix) */
	__be32 tun_mask4;   /* SRC_FLOW: bits of the source taken from the flow hash */
	__be32 tun_mask6;   /* SRC_FLOW: of the last word of the IPv6 source */
	__u16 gue_port;	    /* GUE destination port, host order (as the file says it) */
	__u16 mtu;	    /* tunnelled packets past it get ICMP too-big; 0: no check */
};
_Static_assert(sizeof(struct xlb_config) == 48, "xlb_config size");

/* ---- VIPs (xlb_vips: hash from xlb_vip_key to xlb_vip) ------------------- */

/*
 * The maps' enums are packed (one byte, as the fields they type) so that
 * their BTF names the value: bpftool map dump prints "XLB_SCHED_WRR", not 2.
 */
#define XLB_PACKED_ENUM enum __attribute__((packed))

XLB_PACKED_ENUM xlb_family{ XLB_AF_INET = 4, XLB_AF_INET6 = 6 };

/*
 * Key flags. A non-first fragment carries no ports, so fragments are matched
 * by an entry with XLB_VIPK_F_FRAG set, port 0, and the VIP's address and
 * protocol; userspace points it at one VIP of that address (see dataplane.c).
 */
#define XLB_VIPK_F_FRAG 0x01

struct xlb_vip_key {
	__be32 addr[4];		/* IPv4 in addr[0], the rest zero */
	__u16 port;		/* host order, as the file says it; 0: every port */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	enum xlb_family family; /* XLB_AF_INET or XLB_AF_INET6 */
	__u8 flags;		/* XLB_VIPK_F_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_vip_key) == 24, "xlb_vip_key size");
/* the program writes the last 8 bytes as one word (bpf/flow.h vip_key_set) */
_Static_assert(__builtin_offsetof(struct xlb_vip_key, port) == 16 &&
		       __builtin_offsetof(struct xlb_vip_key, flags) == 20,
	       "xlb_vip_key layout");

/* Schedulers: how a new flow picks a slot of the VIP's ring. */
XLB_PACKED_ENUM xlb_sched{
	XLB_SCHED_MAGLEV,    /* hash of the 5-tuple */
	XLB_SCHED_SOURCE_IP, /* hash of the client address */
	XLB_SCHED_WRR,	     /* successive new flows walk the ring */
	XLB_SCHED_RANDOM,    /* a random slot */
	XLB_SCHED_MAX,
};

/* Forwarding modes. */
XLB_PACKED_ENUM xlb_fwd{
	XLB_FWD_DSR,  /* rewrite MACs, XDP_TX: backends on the same L2 segment */
	XLB_FWD_IPIP, /* IPv4 or IPv6 in IPv4 or IPv6, to the backend's address */
	XLB_FWD_GUE,  /* the inner IP packet in UDP (GUE variant 1: no GUE header) */
	XLB_FWD_MAX,
};

#define XLB_GUE_PORT_DEFAULT 6080
#define XLB_TUN_TTL	     64

struct xlb_vip {
	__u32 id;	   /* index in xlb_rings, xlb_wrr, xlb_vip_stats */
	__u32 ring_size;   /* slots in this VIP's ring, prime */
	__u32 udp_timeout; /* seconds a UDP flow is remembered idle */
	enum xlb_sched scheduler;
	enum xlb_fwd fwd_mode;
	__u16 flags; /* XLB_VIP_F_* */
};
_Static_assert(sizeof(struct xlb_vip) == 16, "xlb_vip size");

/*
 * The VIP's ring changed less than a handshake ago (maglev, source-ip): see
 * xlb_vip_young. Only while it is set does the program read that map.
 */
#define XLB_VIP_F_YOUNG 0x1

/*
 * xlb_vip_young, by VIP id, with the ring of xlb_rings_prev of the same id.
 * maglev and source-ip remember no SYN: the ACK finds its backend on the
 * ring as the SYN did. A ring change between the two would send the ACK
 * elsewhere, to a backend that resets it. So from the first change on, until
 * the ring has been left alone for longer than a handshake takes (until_ns),
 * the VIP's SYNs are remembered (xlb_syn_flows, as wrr's are), and a first
 * ACK with no SYN remembered, whose SYN therefore came before the changes,
 * is placed on the ring of then: the base ring, kept in xlb_rings_prev. A
 * remembered SYN (xlb_flow.last_seen: when) counts only if it is younger than
 * the VIP's young time (since_ns): xlb_syn_flows also holds SYNs of earlier
 * handshakes whose 5-tuple a client may use again.
 */
struct xlb_vip_young {
	__u64 since_ns;	 /* when it got young: SYNs remembered before are stale */
	__u64 until_ns;	 /* until when it stays so; both bpf_ktime_get_coarse_ns() */
	__u32 ring_size; /* of the base ring */
	__u32 pad;
};
_Static_assert(sizeof(struct xlb_vip_young) == 24, "xlb_vip_young size");

/* ---- the VIP address filter (xlb_vip_filter, one entry) ------------------ */

/*
 * One bit per hash of a destination address, set for every VIP address. A
 * packet whose bit is clear is not for a VIP: it is passed after one array
 * access, before any hash lookup. A set bit may be a collision; the VIP
 * lookup decides. Userspace only ever adds bits before the VIP they cover is
 * written and removes them after, so a reader never misses a VIP.
 */
#define XLB_FILTER_BITS 65536

struct xlb_vip_filter {
	__u64 bits[XLB_FILTER_BITS / 64];
};
_Static_assert(sizeof(struct xlb_vip_filter) == 8192, "xlb_vip_filter size");

/* The filter bit of an address (network order words, as in the keys). */
static inline __u32 xlb_filter_bit(const __be32 *a, __u8 family)
{
	__u32 x = a[0];

	if (family == XLB_AF_INET6)
		x ^= a[1] ^ a[2] ^ a[3];
	return (x * 0x9E3779B1U) >> 16; /* Fibonacci hashing: 16 bits */
}

/* ---- rings (xlb_rings: array of maps, inner array of packed backend ids) -- */

/*
 * xlb_rings[vip.id] holds the VIP's ring of ring_size slots, four slots to an
 * element: slot s is bits 16 * (s % 4) of element s / 4, a backend id or
 * XLB_RING_NONE. Array elements take 8 bytes whatever their value size, so
 * packing four 16-bit ids costs a quarter of the memory (and cache) of one
 * id an element. Userspace builds a new inner map whole and swaps the outer
 * slot, so a packet sees the old ring or the new one, never a mix. A missing
 * slot means the VIP has no backend.
 */
#define XLB_RING_PER_ELEM 4
#define XLB_RING_NONE	  0xffff
#define XLB_RING_ELEMS(n) (((n) + XLB_RING_PER_ELEM - 1) / XLB_RING_PER_ELEM)
_Static_assert(XLB_MAX_BACKENDS < XLB_RING_NONE, "backend ids fit 16 bits");

/* ---- backends (xlb_backends: array indexed by backend id) ---------------- */

/*
 * What an existing flow may do with its backend. A backend that is up takes
 * new and existing flows; a drained one keeps existing flows only (it is not
 * in the ring); a down one keeps nothing, so its flows are rescheduled on
 * their next packet.
 */
XLB_PACKED_ENUM xlb_be_state{ XLB_BE_DOWN, XLB_BE_UP, XLB_BE_DRAIN };

/*
 * A backend carries its VIP's id, UDP timeout and forwarding mode, so that a
 * packet of an established flow needs no VIP lookup at all.
 */
struct xlb_backend {
	__be32 addr[4]; /* IPv4 in addr[0] */
	__u8 mac[6];	/* next-hop MAC for DSR */
	enum xlb_family family;
	enum xlb_be_state state;
	__u32 gen;	       /* bumped when the id is given to a new backend */
	__u32 vip_id;	       /* the VIP this backend serves */
	__u32 udp_timeout;     /* the VIP's, seconds */
	enum xlb_fwd fwd_mode; /* the VIP's */
	__u8 egress;	       /* 0: out of our interface (XDP_TX); else its xlb_egress slot */
	__u8 pad[2];
};
_Static_assert(sizeof(struct xlb_backend) == 40, "xlb_backend size");

/*
 * xlb_egress (array by slot, 1..XLB_MAX_EGRESS - 1): the other interfaces
 * backends are reached through, with XDP_REDIRECT. A map of its own rather
 * than fields of xlb_backend, so that maps pinned by an older build (whose
 * backend entries had zeros here) stay compatible.
 */
#define XLB_MAX_EGRESS 256

struct xlb_egress {
	__u32 ifindex; /* 0: a free slot */
	__u8 mac[6];   /* the interface's, the frames' source */
	__u8 pad[2];
};
_Static_assert(sizeof(struct xlb_egress) == 12, "xlb_egress size");

/* ---- flows (xlb_flows: see below; xlb_syn_flows: LRU hash) -------------- */

struct xlb_flow_key {
	__be32 src[4]; /* client address */
	__be32 dst[4]; /* VIP address */
	__be16 sport;  /* client port, as the packet carries it */
	__be16 dport;  /* VIP port, as the packet carries it */
	__u8 proto;
	enum xlb_family family;
	__u8 pad[2];
};
_Static_assert(sizeof(struct xlb_flow_key) == 40, "xlb_flow_key size");
/* the program writes the last 8 bytes as one word (bpf/parse.h xlb_key_tail) */
_Static_assert(__builtin_offsetof(struct xlb_flow_key, sport) == 32 &&
		       __builtin_offsetof(struct xlb_flow_key, family) == 37,
	       "xlb_flow_key layout");

/*
 * xlb_flow_bits (array of __u64, mmapable): a hint of which TCP tuples
 * xlb_flows may hold, so that a SYN (which must catch a reused tuple) need
 * not look the table up when the answer is certainly no. Element 0 holds
 * the phase (bit 0): which of the two bitmaps that follow, of
 * (max_entries - 1) / 2 words each, SYNs read. A tuple has two bits in one
 * word (XLB_FLOW_BITS_WORD and _MASK of its hash_flow()): two bits make a
 * stale "maybe" rarer than one at the same size, and one word keeps it one
 * read. The program sets a tuple's bits in both bitmaps whenever it
 * records a TCP flow, and reads "maybe" only when both are set; xlbd clears
 * the other bitmap, sets the bits of every flow the table holds, and makes
 * it the phase: bits of flows the table has dropped go. A bit never goes
 * missing for a recorded flow; a stale one costs a lookup.
 *
 * XLB_FLOW_BITS_F_PAIR in element 0 says the bitmaps carry both bits of
 * every flow; bitmaps adopted without it (from a build that set one bit,
 * h & 63) are filled with ones until xlbd's first rebuild.
 */
#define XLB_FLOW_BITS_PER_FLOW	     8 /* bitmap bits per xlb_flows entry */
#define XLB_FLOW_BITS_F_PAIR	     (1ULL << 8)
/*
 * XLB_FLOW_BITS_F_FULL: xlbd's last walk found xlb_flows 7/8 full or more.
 * Moving a flow to its other set then rarely finds room, and trying costs
 * a new flow up to four more set reads: the program gives up a line at
 * once instead.
 */
#define XLB_FLOW_BITS_F_FULL	     (1ULL << 9)
#define XLB_FLOW_BITS_WORD(h, words) (((h) >> 6) & ((words)-1))
#define XLB_FLOW_BITS_MASK(h)	     ((1ULL << ((h)&63)) | (1ULL << (((h) >> 26) & 63)))

struct xlb_flow {
	__u32 backend_id;
	__u32 backend_gen; /* xlb_backend.gen when the flow was placed */
	/*
	 * Coarse monotonic ns. UDP: the last packet (refreshed at most every
	 * 250 ms). TCP: 0 while open; when the first FIN or RST was seen, so
	 * xlbd can tell active flows from closing ones (ipvsadm's ActiveConn
	 * and InActConn) without a write on every packet.
	 */
	__u64 last_seen;
};
_Static_assert(sizeof(struct xlb_flow) == 16, "xlb_flow size");

/*
 * xlb_flows, the established flows: xlb's own table, an array (mmapable) of
 * sets of XLB_FLOW_WAYS lines, one flow a line. Element 0 is the table's
 * head (struct xlb_flow_head: the hash's key); sets are 1..max_entries - 1,
 * a power of 2 of them, twice as many lines as max_flows. A flow may live
 * in either of two sets (XLB_FLOW_SET of xlb_flowtab_hash(), keyed with the
 * head's random seed, so clients cannot aim flows at a set): it is recorded
 * in the one with more free lines, and looked for in the first, then the
 * second. A set is 256 bytes in one page: a lookup is one TLB entry and
 * usually one cache line, where the kernel's hash table reads a bucket and
 * then an element elsewhere. When both of a new flow's sets are full, a
 * flow of one of them is moved to its other set if that has room (the
 * first step of cuckoo hashing). Filled to max_flows, one choice would give
 * up 4 flows in 100 and two choices 2 in 100,000; with the move, a
 * simulation of 262,144 flows lost none, and the packet tests fill a table
 * to 1.25 times max_flows without losing one.
 *
 * A line's state word: XLB_FL_USED, XLB_FL_BUSY while a writer changes the
 * line, and a version bumped (by XLB_FL_VER) when it is done. A reader takes
 * the state, the key and flow, and the state again: the read holds if the
 * two states are equal (XLB_FL_LOCK and XLB_FL_TOUCHED aside) and not busy.
 * Writers, the program and xlbd (through mmap) alike, first take the flow's
 * sets: a compare-and-swap setting XLB_FL_LOCK in line 0's state of each.
 * The program gives up (records nothing) if a set is taken; xlbd waits for
 * it, never takes it over: a live holder (the program, always quick, or a
 * writer preempted for milliseconds) would then share it. Only a killed
 * xlbd can leave a set taken; it wrote which ones in the head first
 * (writing[]), and the next xlbd gives those back before it writes.
 *
 * XLB_FL_TOUCHED: a packet used the line since xlbd's last walk of the
 * table (an atomic OR, once; the walk, every 10 s or more, clears them).
 * When both sets are full and no flow can move, a new flow takes the line
 * of a flow with no packet since that walk, else of a closing TCP flow,
 * else one its hash picks.
 */
#define XLB_FLOW_WAYS	    4
#define XLB_FLOW_HEAD_MAGIC 0x786c62666c6f7731ULL /* "xlbflow1" */
#define XLB_FL_BUSY	    (1ULL << 0)
#define XLB_FL_USED	    (1ULL << 1)
#define XLB_FL_LOCK	    (1ULL << 2) /* line 0: the set is taken by a writer */
#define XLB_FL_TOUCHED	    (1ULL << 3)
#define XLB_FL_VER	    (1ULL << 8)
#define XLB_FL_SEQ_MASK	    (~(XLB_FL_LOCK | XLB_FL_TOUCHED))

struct xlb_flow_line {
	__u64 state;
	struct xlb_flow_key key;
	struct xlb_flow flow;
};
_Static_assert(sizeof(struct xlb_flow_line) == 64, "xlb_flow_line size");

struct xlb_flow_set {
	struct xlb_flow_line line[XLB_FLOW_WAYS];
};

/* Element 0 of xlb_flows, in the space of a set. */
struct xlb_flow_head {
	__u64 magic;	/* XLB_FLOW_HEAD_MAGIC once the seed is written */
	__u32 seed[10]; /* xlb_flowtab_hash()'s key: random, kept with the pin */
	__u32 sets;	/* max_entries - 1 */
	/*
	 * The sets xlbd is taking or holds (0: none), written before it takes
	 * one: an xlbd killed while holding a set leaves it taken for good, and
	 * its successor gives these back (flowtab_recover). The program never
	 * reads them; it never dies holding a set.
	 */
	__u32 writing[3];
	__u8 pad[256 - 8 - 40 - 4 - 12];
};
_Static_assert(sizeof(struct xlb_flow_head) == sizeof(struct xlb_flow_set), "xlb_flow_head size");

/* What a writer found in one of a flow's sets (lines, -1: none). */
struct xlb_flow_scan {
	int same;    /* the line holding the flow's key */
	int free;    /* the first free line */
	int nfree;   /* free lines */
	int cold;    /* the first line no packet used since xlbd's last walk */
	int closing; /* the first TCP flow that saw a FIN or RST */
};

static inline int xlb_flow_key_eq(const struct xlb_flow_key *a, const struct xlb_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/* Scan a set a writer holds, for a flow of key k. */
static inline void xlb_flow_scan_set(const struct xlb_flow_set *s, const struct xlb_flow_key *k,
				     struct xlb_flow_scan *sc)
{
	const struct xlb_flow_line *l;
	__u64 st;
	int i;

	sc->same = sc->free = sc->cold = sc->closing = -1;
	sc->nfree = 0;
	for (i = 0; i < XLB_FLOW_WAYS; i++) {
		l = &s->line[i];
		st = *(const volatile __u64 *)&l->state;
		if (!(st & XLB_FL_USED)) {
			if (sc->free < 0)
				sc->free = i;
			sc->nfree++;
		} else if (xlb_flow_key_eq(&l->key, k)) {
			sc->same = i;
		} else if (!(st & XLB_FL_TOUCHED)) {
			if (sc->cold < 0)
				sc->cold = i;
		} else if (l->key.proto == 6 /* TCP */ && l->flow.last_seen && sc->closing < 0) {
			sc->closing = i;
		}
	}
}

/*
 * The line a writer records a flow in, from the scans of its first (a)
 * and second (b) set; *second says which set. The line that holds the
 * key, else a free one in the set with more (the first on a tie), else a
 * cold line, else a closing one, else the line h picks in the first set.
 * The program and xlbd choose alike.
 */
static inline int xlb_flow_choose(const struct xlb_flow_scan *a, const struct xlb_flow_scan *b,
				  __u64 h, int *second)
{
	if (a->same >= 0 || b->same >= 0) {
		*second = a->same < 0;
		return *second ? b->same : a->same;
	}
	if (a->nfree || b->nfree) { /* room: in the set with more */
		*second = b->nfree > a->nfree;
		return *second ? b->free : a->free;
	}
	if (a->cold >= 0 || b->cold >= 0) {
		*second = a->cold < 0;
		return *second ? b->cold : a->cold;
	}
	if (a->closing >= 0 || b->closing >= 0) {
		*second = a->closing < 0;
		return *second ? b->closing : a->closing;
	}
	*second = 0;
	return (int)(h & (XLB_FLOW_WAYS - 1));
}

/* The first (0) or second (1) set of table hash h, less one: 0 .. mask. */
#define XLB_FLOW_SET(h, second, mask) ((__u32)((second) ? (h) : (h) >> 32) & (mask))

/*
 * The set of a flow key: NH (a sum of products of key words and seed words,
 * almost universal: two keys collide with probability 2^-32 over the seed),
 * then a mix so the top bits depend on every word. In the ABI because the
 * program and xlbd must agree bit for bit.
 */
static inline __u64 xlb_flowtab_hash(const struct xlb_flow_key *k, const volatile __u32 *seed)
{
	const __u32 *w = (const __u32 *)k;
	__u64 h;

	h = (__u64)(w[0] + seed[0]) * (w[1] + seed[1]);
	h += (__u64)(w[2] + seed[2]) * (w[3] + seed[3]);
	h += (__u64)(w[4] + seed[4]) * (w[5] + seed[5]);
	h += (__u64)(w[6] + seed[6]) * (w[7] + seed[7]);
	h += (__u64)(w[8] + seed[8]) * (w[9] + seed[9]);
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* ---- wrr cursors (xlb_wrr: per-CPU array indexed by VIP id) -------------- */

struct xlb_wrr {
	__u32 next; /* next ring slot for a new flow on this CPU */
	__u32 pad;
};
_Static_assert(sizeof(struct xlb_wrr) == 8, "xlb_wrr size");

/* ---- counters (per-CPU arrays; userspace sums over CPUs) ----------------- */

struct xlb_vip_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;   /* flows scheduled on the ring */
	__u64 flow_hits;   /* packets of a remembered flow */
	__u64 flow_misses; /* packets that had to consult the ring */
};
_Static_assert(sizeof(struct xlb_vip_stats) == 40, "xlb_vip_stats size");

struct xlb_be_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
};
_Static_assert(sizeof(struct xlb_be_stats) == 24, "xlb_be_stats size");

/*
 * xlb_stats has one entry: every packet counts once under its verdict, and
 * once under the reason for it. The fields are named so that bpftool prints
 * them; the program indexes them as an array of __u64 by XLB_STAT_*.
 */
struct xlb_global_stats {
	/* verdicts */
	__u64 xdp_aborted;
	__u64 xdp_drop;
	__u64 xdp_pass;
	__u64 xdp_tx;
	__u64 xdp_redirect;
	/* reasons */
	__u64 forwarded;    /* sent to a backend */
	__u64 not_ip;	    /* ARP, LLDP, ...: passed */
	__u64 not_vip;	    /* IP, but no VIP matches: passed */
	__u64 unparsed;	    /* IP we do not walk (deep IPv6 ext headers): passed */
	__u64 malformed;    /* truncated or inconsistent headers: dropped */
	__u64 no_backend;   /* VIP with an empty ring: dropped */
	__u64 fragments;    /* IP fragments to a VIP (also counted as forwarded) */
	__u64 syn_tracked;  /* SYNs remembered in xlb_syn_flows */
	__u64 flow_moved;   /* remembered flows whose backend went down */
	__u64 udp_expired;  /* UDP flows idle past the VIP's timeout */
	__u64 encap_fail;   /* no headroom to add a tunnel header: dropped */
	__u64 icmp_echo;    /* echo requests to a VIP answered */
	__u64 icmp_routed;  /* ICMP errors for a VIP sent to the flow's backend */
	__u64 icmp_too_big; /* tunnelled packets past the MTU answered with ICMP */
};

#define XLB_STAT_XDP_BASE     0 /* + XDP_ABORTED .. XDP_REDIRECT */
#define XLB_STAT_FORWARDED    5
#define XLB_STAT_NOT_IP	      6
#define XLB_STAT_NOT_VIP      7
#define XLB_STAT_UNPARSED     8
#define XLB_STAT_MALFORMED    9
#define XLB_STAT_NO_BACKEND   10
#define XLB_STAT_FRAGMENTS    11
#define XLB_STAT_SYN_TRACKED  12
#define XLB_STAT_FLOW_MOVED   13
#define XLB_STAT_UDP_EXPIRED  14
#define XLB_STAT_ENCAP_FAIL   15
#define XLB_STAT_ICMP_ECHO    16
#define XLB_STAT_ICMP_ROUTED  17
#define XLB_STAT_ICMP_TOO_BIG 18
#define XLB_STAT_MAX	      19

_Static_assert(sizeof(struct xlb_global_stats) == XLB_STAT_MAX * 8, "xlb_global_stats size");
_Static_assert(__builtin_offsetof(struct xlb_global_stats, forwarded) == XLB_STAT_FORWARDED * 8,
	       "xlb_global_stats forwarded");
_Static_assert(__builtin_offsetof(struct xlb_global_stats, udp_expired) == XLB_STAT_UDP_EXPIRED * 8,
	       "xlb_global_stats udp_expired");

/* ---- sampled events (xlb_events: a BPF ring buffer; xlbctl monitor) ------- */

#define XLB_EV_NEW_FLOW	   1 /* a flow placed on the ring and remembered */
#define XLB_EV_FLOW_MOVED  2 /* a remembered flow whose backend went down, placed anew */
#define XLB_EV_DROP	   3 /* a packet dropped; reason: its XLB_STAT_* */
#define XLB_EV_ICMP_ROUTED 4 /* an ICMP error about a flow, sent to its backend */

struct xlb_event {
	__u64 ts_ns;	  /* coarse monotonic */
	__u8 type;	  /* XLB_EV_* */
	__u8 reason;	  /* XLB_EV_DROP: XLB_STAT_* */
	__u8 family;	  /* XLB_AF_* (0: not parsed that far) */
	__u8 proto;	  /* IPPROTO_* */
	__be16 sport;	  /* the client's */
	__be16 dport;	  /* the VIP's */
	__u32 vip_id;	  /* XLB_EV_VIP_NONE: not known */
	__u32 backend_id; /* XLB_EV_BE_NONE: not known */
	__be32 src[4];
	__be32 dst[4];
};
_Static_assert(sizeof(struct xlb_event) == 56, "xlb_event size");
#define XLB_EV_VIP_NONE 0xffffffffU
#define XLB_EV_BE_NONE	0xffffffffU

/* xlb_mon: per-CPU, one entry: the rate limit's window, and what it cut. */
struct xlb_mon {
	__u64 window_ns; /* start of the current second */
	__u32 sent;	 /* events sent in it */
	__u32 pad;
	__u64 suppressed; /* events over the rate, not sent (ever) */
	__u64 lost;	  /* events the ring buffer had no room for (ever) */
};
_Static_assert(sizeof(struct xlb_mon) == 32, "xlb_mon size");

/* ---- the backend's decapsulation program (bpf/xlb_decap.bpf.c) ---------- */

#define XLB_DECAP_MAP_CFG   "xlb_dcp_cfg"
#define XLB_DECAP_MAP_ADDRS "xlb_dcp_addrs"
#define XLB_DECAP_MAP_STATS "xlb_dcp_stats"
#define XLB_DECAP_PROG_NAME "xlb_decap"
#define XLB_DECAP_MAX_ADDRS 64

struct xlb_decap_cfg {
	__be16 gue_port; /* GUE destination port */
	__u8 pad[6];
};
_Static_assert(sizeof(struct xlb_decap_cfg) == 8, "xlb_decap_cfg size");

/* An outer destination we accept tunnels to: one of this host's addresses. */
struct xlb_decap_addr {
	__be32 addr[4];
	enum xlb_family family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_decap_addr) == 20, "xlb_decap_addr size");

struct xlb_decap_stats {
	__u64 ipip;	 /* IPv4 in IPv4 */
	__u64 ip6ip6;	 /* IPv6 in IPv6 */
	__u64 ip4in6;	 /* IPv4 in IPv6 */
	__u64 ip6in4;	 /* IPv6 in IPv4 */
	__u64 gue;	 /* of the above, in GUE */
	__u64 not_ours;	 /* a tunnel to an address not in xlb_dcp_addrs: passed */
	__u64 malformed; /* a tunnel header cut short or inconsistent: dropped */
	__u64 passed;	 /* not a tunnel: passed untouched */
};
_Static_assert(sizeof(struct xlb_decap_stats) == 64, "xlb_decap_stats size");

#endif /* XLB_ABI_H */
