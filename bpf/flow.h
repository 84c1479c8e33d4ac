/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which backend a packet goes to: the VIP filter, the flow tables, VIP
 * lookup, and the schedulers that place a new flow on the VIP's ring.
 *
 * An established flow is found by its 5-tuple alone: its backend entry holds
 * the VIP's id, UDP timeout and forwarding mode, so the common case costs one
 * read of a set of xlb_flows, xlb's own table (see xlb_abi.h for its layout
 * and the protocol its readers and writers follow). A remembered flow keeps
 * its backend whatever the ring says now, as long as that backend is not
 * down and is still the same backend (its generation).
 *
 * SYNs are never recorded in xlb_flows, so a SYN flood from spoofed sources
 * cannot evict established flows:
 * - maglev and source-ip place a SYN on the ring and record nothing; the
 *   handshake's ACK is placed the same way (the ring is a function of the
 *   packet) and records the flow;
 * - wrr and random would place the ACK elsewhere, so their SYNs are
 *   remembered in the separate half-open table xlb_syn_flows, which the ACK
 *   moves into xlb_flows. A flood churns only that table.
 * While a VIP's ring is young (changed less than a handshake ago, see
 * xlb_vip_young in xlb_abi.h), maglev and source-ip remember SYNs as wrr
 * does, and a first ACK whose SYN is not remembered is placed on the base
 * ring, the one its SYN saw: a ring change never resets a handshake.
 * A SYN that reuses the 5-tuple of a recorded flow is a new connection: it
 * is placed afresh and the old record replaced (maglev, source-ip) or
 * dropped (wrr, random). Finding out costs a lookup in xlb_flows, a cache
 * miss when the table is large; xlb_flow_bits answers "certainly not" for
 * most tuples from bitmaps far smaller than the table, so a SYN flood of
 * spoofed sources mostly skips it.
 */
#ifndef XLB_FLOW_H
#define XLB_FLOW_H

#include "maps.h"
#include "hash.h"
#include "parse.h"
#include "stats.h"

/* Words in each bitmap of xlb_flow_bits, a power of 2; set at load. */
const volatile __u32 flow_bits_words = 1;
/* xlb_flows' sets less one (a power of 2 less one) and its hash's key: set at load. */
const volatile __u32 flow_sets_mask = 0;
const volatile __u32 flow_seed[10];

#define XLB_READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define xlb_barrier()	 asm volatile("" ::: "memory")

/* ---- xlb_flows, the table (its protocol: xlb_abi.h) ---------------------- */

/* The first (0) or second (1) set table hash fh may be in. */
static __always_inline struct xlb_flow_set *flowtab_set(__u64 fh, int second)
{
	__u32 idx = 1 + XLB_FLOW_SET(fh, second, flow_sets_mask);

	return bpf_map_lookup_elem(&xlb_flows, &idx);
}

/*
 * The line of set s holding key k, its flow copied to *out as it stood
 * while nobody wrote it; NULL if none. A line a writer is changing counts
 * as absent: the packet is placed, as a new flow's would be.
 */
static __always_inline struct xlb_flow_line *
flowtab_find(struct xlb_flow_set *s, const struct xlb_flow_key *k, struct xlb_flow *out)
{
	struct xlb_flow_line *l;
	__u64 st;
	int i;

#pragma unroll
	for (i = 0; i < XLB_FLOW_WAYS; i++) {
		l = &s->line[i];
		st = XLB_READ_ONCE(l->state);
		if ((st & (XLB_FL_USED | XLB_FL_BUSY)) != XLB_FL_USED ||
		    !xlb_flow_key_eq(&l->key, k))
			continue;
		*out = l->flow;
		xlb_barrier();
		if (!((XLB_READ_ONCE(l->state) ^ st) & XLB_FL_SEQ_MASK))
			return l;
	}
	return NULL;
}

/* The line holding k (table hash fh) in either of its sets, or NULL. */
static __always_inline struct xlb_flow_line *flowtab_lookup(const struct xlb_flow_key *k, __u64 fh,
							    struct xlb_flow *out)
{
	struct xlb_flow_set *s = flowtab_set(fh, 0);
	struct xlb_flow_line *l;

	if (!s)
		return NULL;
	l = flowtab_find(s, k, out);
	if (l)
		return l;
	s = flowtab_set(fh, 1);
	return s ? flowtab_find(s, k, out) : NULL;
}

/*
 * Does the table hold k (table hash fh)? For SYNs, off the flow-hit path:
 * a function of its own, verified once rather than at each caller.
 */
__noinline int flowtab_has(const struct xlb_flow_key *k, __u64 fh)
{
	struct xlb_flow f;

	return k && flowtab_lookup(k, fh, &f);
}

/* Take set s for writing: 0, or -1 when a writer has it (the caller gives up). */
static __always_inline int flowtab_lock(struct xlb_flow_set *s)
{
	__u64 old = XLB_READ_ONCE(s->line[0].state);

	if (old & XLB_FL_LOCK ||
	    __sync_val_compare_and_swap(&s->line[0].state, old, old | XLB_FL_LOCK) != old)
		return -1;
	return 0;
}

static __always_inline void flowtab_unlock(struct xlb_flow_set *s)
{
	__sync_fetch_and_and(&s->line[0].state, ~XLB_FL_LOCK);
}

/* Write line l of a set taken by flowtab_lock(): k and f, or cleared (f NULL). */
static __always_inline void flowtab_write(struct xlb_flow_line *l, const struct xlb_flow_key *k,
					  const struct xlb_flow *f)
{
	__u64 st = XLB_READ_ONCE(l->state);

	/* the exchanges order the line's words for readers on any CPU */
	__sync_lock_test_and_set(&l->state, st | XLB_FL_BUSY);
	if (f) {
		l->key = *k;
		l->flow = *f;
		st |= XLB_FL_USED | XLB_FL_TOUCHED;
	} else {
		__builtin_memset(&l->key, 0, sizeof(l->key));
		__builtin_memset(&l->flow, 0, sizeof(l->flow));
		st &= ~(XLB_FL_USED | XLB_FL_TOUCHED);
	}
	__sync_lock_test_and_set(&l->state, (st & ~XLB_FL_BUSY) + XLB_FL_VER);
}

static __always_inline __u64 flowtab_hash(const struct xlb_flow_key *k)
{
	return xlb_flowtab_hash(k, flow_seed);
}

/* Did xlbd's last walk find the table nearly full (XLB_FLOW_BITS_F_FULL)? */
static __always_inline int flowtab_full(void)
{
	__u32 zero = 0;
	__u64 *w = bpf_map_lookup_elem(&xlb_flow_bits, &zero);

	return w && (*w & XLB_FLOW_BITS_F_FULL);
}

/* The word of bitmap phase (0, 1) of xlb_flow_bits that holds hash h's bits. */
static __always_inline __u64 *flow_bits_word(__u32 phase, __u32 h)
{
	__u32 idx = 1 + phase * flow_bits_words + XLB_FLOW_BITS_WORD(h, flow_bits_words);

	return bpf_map_lookup_elem(&xlb_flow_bits, &idx);
}

/* After recording a TCP flow (hash h): its bits, in both bitmaps (see xlb_abi.h). */
static __always_inline void flow_bits_set(__u32 h)
{
	__u64 bits = XLB_FLOW_BITS_MASK(h), *w;

	/* read first: bits already set (the usual case) cost no write */
	w = flow_bits_word(0, h);
	if (w && (*w & bits) != bits)
		__sync_fetch_and_or(w, bits);
	w = flow_bits_word(1, h);
	if (w && (*w & bits) != bits)
		__sync_fetch_and_or(w, bits);
}

/*
 * Set s (number is) is full, and so is the other set of the flow that
 * needs a line in it: move one of s's flows to its own other set, if that
 * has a free line and can be taken (the first step of cuckoo hashing).
 * Four tries, a set read each: in a simulation of a table filled to 1.4
 * times max_flows, four tries lost no flow, two lost 2 in 10,000, none
 * lost 3 in 1,000. Not tried once xlbd found the table 7/8 full.
 * The line it left, or -1. Copied before it is cleared, the moved flow is
 * always in one set or the other for readers, and in the SYN hint.
 */
static __always_inline int flowtab_displace(struct xlb_flow_set *s, __u32 is)
{
	struct xlb_flow_key key;
	struct xlb_flow_set *c;
	struct xlb_flow f;
	__u32 ic, i0, i1;
	__u64 h;
	int i, j, moved = -1;

	for (i = 0; i < XLB_FLOW_WAYS; i++) {
		key = s->line[i].key;
		h = flowtab_hash(&key);
		i0 = XLB_FLOW_SET(h, 0, flow_sets_mask);
		i1 = XLB_FLOW_SET(h, 1, flow_sets_mask);
		ic = 1 + (i0 == is ? i1 : i0);
		if (ic == 1 + is)
			continue;
		c = bpf_map_lookup_elem(&xlb_flows, &ic);
		if (!c || flowtab_lock(c))
			continue;
		for (j = 0; j < XLB_FLOW_WAYS; j++)
			if (!(XLB_READ_ONCE(c->line[j].state) & XLB_FL_USED))
				break;
		if (j < XLB_FLOW_WAYS) {
			f = s->line[i].flow;
			flowtab_write(&c->line[j], &key, &f);
		}
		flowtab_unlock(c);
		if (j < XLB_FLOW_WAYS) {
			moved = i;
			break;
		}
	}
	/*
	 * Its SYN-hint bits again (once, out of the loop): xlbd's walk may have
	 * read set ic already and not set is yet, and would miss it in the
	 * bitmap it is building (a SYN reusing the tuple would skip the table).
	 */
	if (moved >= 0 && key.proto == IPPROTO_TCP)
		flow_bits_set(hash_flow(&key));
	return moved;
}

/*
 * Record flow f for key k (table hash fh), with both its sets taken, in
 * the line xlb_flow_choose() picks; with both full, in a line a flow moved
 * out of (flowtab_displace), before any flow is given up. 0, or -1 if a
 * set was taken by another writer. A function of its own (global: verified
 * once, not at each caller).
 */
__noinline int flowtab_put(const struct xlb_flow_key *k, __u64 fh, const struct xlb_flow *f)
{
	__u32 ia = XLB_FLOW_SET(fh, 0, flow_sets_mask), ib = XLB_FLOW_SET(fh, 1, flow_sets_mask);
	struct xlb_flow_set *a = flowtab_set(fh, 0), *b = flowtab_set(fh, 1);
	struct xlb_flow_scan sa, sb = { -1, -1, 0, -1, -1 };
	int v, second;

	if (!k || !f || !a || !b || flowtab_lock(a))
		return -1;
	if (ib != ia && flowtab_lock(b)) {
		flowtab_unlock(a);
		return -1;
	}
	xlb_flow_scan_set(a, k, &sa);
	if (ib != ia)
		xlb_flow_scan_set(b, k, &sb);
	second = 0;
	v = -1;
	if (sa.same < 0 && sb.same < 0 && !sa.nfree && !sb.nfree && !flowtab_full())
		v = flowtab_displace(a, ia);
	if (v < 0)
		v = xlb_flow_choose(&sa, &sb, fh, &second);
	flowtab_write(&(second ? b : a)->line[v & (XLB_FLOW_WAYS - 1)], k, f);
	if (ib != ia)
		flowtab_unlock(b);
	flowtab_unlock(a);
	return 0;
}

/* Forget key k (table hash fh) from both its sets, those that can be taken. */
__noinline int flowtab_del(const struct xlb_flow_key *k, __u64 fh)
{
	struct xlb_flow_set *s;
	int i, which;

	if (!k)
		return -1;
#pragma unroll
	for (which = 0; which < 2; which++) {
		s = flowtab_set(fh, which);
		if (!s || flowtab_lock(s))
			continue;
#pragma unroll
		for (i = 0; i < XLB_FLOW_WAYS; i++)
			if ((XLB_READ_ONCE(s->line[i].state) & XLB_FL_USED) &&
			    xlb_flow_key_eq(&s->line[i].key, k))
				flowtab_write(&s->line[i], k, NULL);
		flowtab_unlock(s);
	}
	return 0;
}

#define XLB_NSEC_PER_SEC   1000000000ULL
/* UDP flows refresh their timestamp at most this often: fewer map writes. */
#define XLB_UDP_REFRESH_NS (XLB_NSEC_PER_SEC / 4)

/* Might xlb_flows hold the TCP tuple of flow hash h? No means certainly not. */
static __always_inline int flow_maybe_recorded(__u32 h)
{
	__u32 zero = 0;
	__u64 *phase = bpf_map_lookup_elem(&xlb_flow_bits, &zero), *w;

	if (!phase)
		return 1;
	w = flow_bits_word(*phase & 1, h);
	return !w || (*w & XLB_FLOW_BITS_MASK(h)) == XLB_FLOW_BITS_MASK(h);
}

static __always_inline int pkt_is_syn(const struct xlb_pkt *p)
{
	return p->key.proto == IPPROTO_TCP &&
	       (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
}

/* Schedulers whose choice is a function of the packet: SYN and ACK agree. */
static __always_inline int sched_is_stateless(const struct xlb_vip *vip)
{
	return vip->scheduler == XLB_SCHED_MAGLEV || vip->scheduler == XLB_SCHED_SOURCE_IP;
}

/* The VIP key of p's destination, in whole words (see parse.h). */
static __always_inline void vip_key_set(struct xlb_vip_key *k, const struct xlb_pkt *p, __u16 port,
					__u8 flags)
{
	const __u64 *a = (const __u64 *)p->key.dst;
	__u64 *w = (__u64 *)k;

	w[0] = a[0];
	w[1] = a[1];
	w[2] = XLB_W64(XLB_W32(port, XLB_W16(p->key.proto, p->key.family)),
		       XLB_W32(XLB_W16(flags, 0), 0));
}

static __always_inline struct xlb_vip *vip_lookup(const struct xlb_pkt *p)
{
	struct xlb_vip_key k;
	struct xlb_vip *vip;

	if (p->is_frag) {
		vip_key_set(&k, p, 0, XLB_VIPK_F_FRAG);
		return bpf_map_lookup_elem(&xlb_vips, &k);
	}
	vip_key_set(&k, p, bpf_ntohs(p->key.dport), 0); /* (the key says it as the file does) */
	vip = bpf_map_lookup_elem(&xlb_vips, &k);
	if (vip)
		return vip;
	vip_key_set(&k, p, 0, 0); /* an any-port VIP */
	return bpf_map_lookup_elem(&xlb_vips, &k);
}

/* The backend of slot of a ring, or NULL when the ring has none there. */
static __always_inline struct xlb_backend *ring_slot_backend(void *ring, __u32 slot, __u32 *be_id)
{
	__u32 idx = slot / XLB_RING_PER_ELEM;
	struct xlb_backend *be;
	__u64 *elem;

	if (!ring)
		return NULL;
	elem = bpf_map_lookup_elem(ring, &idx);
	if (!elem)
		return NULL;
	*be_id = (*elem >> (16 * (slot % XLB_RING_PER_ELEM))) & 0xffff;
	if (*be_id == XLB_RING_NONE)
		return NULL;
	be = bpf_map_lookup_elem(&xlb_backends, be_id);
	if (!be || be->state == XLB_BE_DOWN)
		return NULL;
	return be;
}

/* The backend of a slot of the VIP's ring. */
static __always_inline struct xlb_backend *ring_backend(const struct xlb_vip *vip, __u32 slot,
							__u32 *be_id)
{
	return ring_slot_backend(bpf_map_lookup_elem(&xlb_rings, &vip->id), slot, be_id);
}

/*
 * A maglev or source-ip VIP whose ring is young: 1, with its base ring
 * (NULL if it has none), that ring's size and when it got young. 0 in the
 * steady state, at the cost of one flag test.
 */
static __always_inline int vip_young(const struct xlb_vip *vip, void **base, __u32 *base_size,
				     __u64 *since)
{
	struct xlb_vip_young *y;

	if (!(vip->flags & XLB_VIP_F_YOUNG))
		return 0;
	y = bpf_map_lookup_elem(&xlb_vip_young, &vip->id);
	if (!y || bpf_ktime_get_coarse_ns() > y->until_ns)
		return 0;
	*since = y->since_ns;
	*base_size = y->ring_size;
	*base = *base_size ? bpf_map_lookup_elem(&xlb_rings_prev, &vip->id) : NULL;
	return 1;
}

/*
 * The remembered SYN of the packet's 5-tuple, if it may still be trusted:
 * one from before since (a young VIP's) belongs to an earlier handshake.
 */
static __always_inline struct xlb_flow *syn_remembered(struct xlb_pkt *p, __u64 since)
{
	struct xlb_flow *f = bpf_map_lookup_elem(&xlb_syn_flows, &p->key);

	return f && f->last_seen >= since ? f : NULL;
}

/* maglev's or source-ip's slot in a ring of size slots; h: hash_flow(). */
static __always_inline __u32 stateless_slot(const struct xlb_vip *vip, const struct xlb_pkt *p,
					    __u32 h, __u32 size)
{
	if (vip->scheduler == XLB_SCHED_SOURCE_IP)
		return hash_reduce(hash_source(&p->key), size);
	return hash_reduce(h, size);
}

/* h: the packet's hash_flow(), which maglev places by. */
static __always_inline __u32 sched_slot(const struct xlb_vip *vip, const struct xlb_pkt *p, __u32 h)
{
	struct xlb_wrr *w;
	__u32 slot;

	switch (vip->scheduler) {
	case XLB_SCHED_SOURCE_IP:
		return stateless_slot(vip, p, h, vip->ring_size);
	case XLB_SCHED_WRR:
		w = bpf_map_lookup_elem(&xlb_wrr, &vip->id);
		if (!w)
			return 0;
		slot = w->next;
		if (slot >= vip->ring_size)
			slot = 0;
		w->next = slot + 1;
		return slot;
	case XLB_SCHED_RANDOM:
		return hash_reduce(bpf_get_prandom_u32(), vip->ring_size);
	default:
		return hash_reduce(h, vip->ring_size);
	}
}

/* A remembered flow's backend, if that backend may still carry it. */
static __always_inline struct xlb_backend *flow_backend(const struct xlb_flow *f)
{
	__u32 id = f->backend_id;
	struct xlb_backend *be = bpf_map_lookup_elem(&xlb_backends, &id);

	if (!be || be->gen != f->backend_gen || be->state == XLB_BE_DOWN)
		return NULL;
	return be;
}

struct xlb_pick {
	struct xlb_backend *be;
	__u32 be_id;
	__u8 new_flow; /* recorded now as a new flow */
	__u8 hit;      /* found in a flow table */
	__u8 moved;    /* its remembered backend went down: placed anew */
	__u64 fh;      /* flowtab_hash() of the key, once pick_fh() made it; 0: not yet */
};

/*
 * The packet's table hash, made once: a flow-table miss (a first ACK, a new
 * UDP flow) looks its key up and then records it under the same hash. A hash
 * that is 0 is made again, which costs time, never correctness.
 */
static __always_inline __u64 pick_fh(const struct xlb_pkt *p, struct xlb_pick *pick)
{
	if (!pick->fh)
		pick->fh = flowtab_hash(&p->key);
	return pick->fh;
}

/*
 * The established flow of a non-SYN packet: 1 with pick filled, or 0 when
 * the packet must be placed (no record, backend gone down, UDP flow idle past
 * its timeout).
 */
static __always_inline int flow_established(struct xlb_pkt *p, struct xlb_pick *pick)
{
	struct xlb_flow_line *l;
	struct xlb_flow f;
	__u64 now, idle;

	l = flowtab_lookup(&p->key, pick_fh(p, pick), &f);
	if (!l)
		return 0;
	pick->be = flow_backend(&f);
	if (!pick->be) {
		stats_count(XLB_STAT_FLOW_MOVED);
		pick->moved = 1;
		return 0;
	}
	/*
	 * Writes in place, without taking the set: were the line given to
	 * another flow meanwhile, that flow would at worst count as closing
	 * or have its idle time restarted.
	 */
	if (!(XLB_READ_ONCE(l->state) & XLB_FL_TOUCHED))
		__sync_fetch_and_or(&l->state, XLB_FL_TOUCHED);
	if (p->key.proto == IPPROTO_TCP) {
		/* the first FIN or RST: closing (one write a flow, for xlbd's count) */
		if ((p->tcp_flags & (XLB_TCP_FIN | XLB_TCP_RST)) && !f.last_seen)
			l->flow.last_seen = bpf_ktime_get_coarse_ns();
	} else {
		now = bpf_ktime_get_coarse_ns();
		idle = now - f.last_seen;
		if (idle > (__u64)pick->be->udp_timeout * XLB_NSEC_PER_SEC) {
			stats_count(XLB_STAT_UDP_EXPIRED);
			return 0;
		}
		if (idle > XLB_UDP_REFRESH_NS)
			l->flow.last_seen = now;
	}
	pick->be_id = f.backend_id;
	pick->hit = 1;
	return 1;
}

static __always_inline int record(void *map, struct xlb_pkt *p, struct xlb_pick *pick, __u32 h)
{
	struct xlb_flow nf = {
		.backend_id = pick->be_id,
		.backend_gen = pick->be->gen,
	};

	/* UDP: for the idle timeout; a SYN: when, for syn_remembered() */
	if (p->key.proto != IPPROTO_TCP || map == (void *)&xlb_syn_flows)
		nf.last_seen = bpf_ktime_get_coarse_ns();
	if (map == (void *)&xlb_syn_flows)
		bpf_map_update_elem(map, &p->key, &nf, BPF_ANY);
	else if (!flowtab_put(&p->key, pick_fh(p, pick), &nf) && p->key.proto == IPPROTO_TCP)
		flow_bits_set(h);
	pick->new_flow = 1;
	return 0;
}

/*
 * Place a packet that has no usable record (see the top of this file).
 * Return 0 with pick filled, or -XLB_STAT_NO_BACKEND.
 */
static __always_inline int flow_place(const struct xlb_vip *vip, struct xlb_pkt *p,
				      struct xlb_pick *pick)
{
	__u32 h = hash_flow(&p->key); /* once: the SYN hint, maglev and the record use it */
	__u64 fh = 0;		      /* flowtab_hash(), when a SYN may reuse a recorded tuple */
	int stateless = sched_is_stateless(vip);
	__u32 base_size = 0;
	__u64 since = 0; /* wrr, random: every remembered SYN counts */
	struct xlb_flow *f;
	void *base = NULL;
	int reused;

	/* a young ring: SYNs remembered, as a stateful scheduler's are */
	if (stateless && vip_young(vip, &base, &base_size, &since))
		stateless = 0;

	if (pkt_is_syn(p)) {
		/* a DRAM miss in a big table: skipped when the bits say no */
		reused = 0;
		if (flow_maybe_recorded(h)) {
			fh = pick_fh(p, pick);
			reused = flowtab_has(&p->key, fh);
		}
		if (!stateless) {
			if (reused) { /* a reused 5-tuple: old records would mislead the ACK */
				flowtab_del(&p->key, fh);
				bpf_map_delete_elem(&xlb_syn_flows, &p->key);
			}
			f = syn_remembered(p, since);
			if (f && (pick->be = flow_backend(f))) { /* a retransmitted SYN */
				pick->be_id = f->backend_id;
				pick->hit = 1;
				return 0;
			}
		}
		pick->be = ring_backend(vip, sched_slot(vip, p, h), &pick->be_id);
		if (!pick->be)
			return -XLB_STAT_NO_BACKEND;
		if (!stateless) {
			stats_count(XLB_STAT_SYN_TRACKED);
			return record(&xlb_syn_flows, p, pick, h);
		}
		if (reused) { /* a reused 5-tuple: its record follows the new placement */
			struct xlb_flow nf = {
				.backend_id = pick->be_id,
				.backend_gen = pick->be->gen,
			}; /* open again: last_seen 0 */

			flowtab_put(&p->key, fh, &nf);
		}
		return 0;
	}

	/* the first packet after a handshake of a stateful scheduler */
	if (!stateless && p->key.proto == IPPROTO_TCP) {
		f = syn_remembered(p, since);
		if (f && (pick->be = flow_backend(f))) {
			struct xlb_flow nf = {
				.backend_id = f->backend_id,
				.backend_gen = f->backend_gen,
			}; /* open: last_seen 0 (the SYN's time stays behind) */

			pick->be_id = f->backend_id;
			pick->hit = 1;
			if (!flowtab_put(&p->key, pick_fh(p, pick), &nf))
				flow_bits_set(h);
			return 0;
		}
		/* no SYN remembered since the ring got young: it saw the base ring */
		if (base) {
			pick->be = ring_slot_backend(base, stateless_slot(vip, p, h, base_size),
						     &pick->be_id);
			if (pick->be)
				return record(&xlb_flows, p, pick, h);
		}
	}
	pick->be = ring_backend(vip, sched_slot(vip, p, h), &pick->be_id);
	if (!pick->be)
		return -XLB_STAT_NO_BACKEND;
	return record(&xlb_flows, p, pick, h);
}

/* Fragments are not remembered: addresses alone place every fragment alike. */
static __always_inline int frag_pick(const struct xlb_vip *vip, struct xlb_pkt *p,
				     struct xlb_pick *pick)
{
	__u32 h;

	if (vip->scheduler == XLB_SCHED_SOURCE_IP)
		h = hash_source(&p->key);
	else
		h = hash_addrs(&p->key);
	pick->be = ring_backend(vip, hash_reduce(h, vip->ring_size), &pick->be_id);
	return pick->be ? 0 : -XLB_STAT_NO_BACKEND;
}

#endif /* XLB_FLOW_H */
