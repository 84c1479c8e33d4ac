// SPDX-License-Identifier: GPL-2.0
/*
 * xlb_flows from userspace, by the protocol of xlb_abi.h: readers compare a
 * line's state before and after reading it; writers take the set with a
 * compare-and-swap on line 0's state. The program never waits for a set
 * (it records nothing instead); xlbd waits as long as it takes, and says in
 * the head which sets it takes, so that a successor can give back what a
 * killed xlbd held (flowtab_recover).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "flowtab.h"

#define LOCK_PATIENCE_NS 1000000ULL  /* a line busy this long: its writer died (readers) */
#define RECOVER_NS	 50000000ULL /* a set never seen free this long: a dead xlbd's */

static struct xlb_flow_head *head_of(const struct flowtab *t)
{
	return (struct xlb_flow_head *)&t->sets[0];
}

/* The index (1..nsets) of table hash h's first (0) or second (1) set. */
static __u32 set_idx(const struct flowtab *t, __u64 h, int second)
{
	return 1 + XLB_FLOW_SET(h, second, t->nsets - 1);
}

__u32 flowtab_set_of(const struct flowtab *t, const struct xlb_flow_key *k, int second)
{
	return set_idx(t, xlb_flowtab_hash(k, t->seed), second);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Read line l into key and flow: 1 if it holds a flow, 0 if free. */
static int line_read(struct xlb_flow_line *l, struct xlb_flow_key *key, struct xlb_flow *flow)
{
	__u64 s1, s2, since = 0;

	for (;;) {
		s1 = __atomic_load_n(&l->state, __ATOMIC_ACQUIRE);
		if (!(s1 & (XLB_FL_USED | XLB_FL_BUSY)))
			return 0;
		if (s1 & XLB_FL_BUSY) {
			/* a writer is in it, for a few instructions, or died there */
			if (!since)
				since = now_ns();
			else if (now_ns() - since > LOCK_PATIENCE_NS)
				return 0;
			continue;
		}
		memcpy(key, &l->key, sizeof(*key));
		memcpy(flow, &l->flow, sizeof(*flow));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&l->state, __ATOMIC_RELAXED);
		if (!((s1 ^ s2) & XLB_FL_SEQ_MASK))
			return 1;
	}
}

/*
 * Take set idx, noting it in the head's writing[slot] first. Never taken
 * over: its holder is the program (done in microseconds) or a writer of
 * ours that may be preempted, not dead (flowtab_recover deals with those).
 */
static void set_lock(const struct flowtab *t, __u32 idx, int slot)
{
	struct xlb_flow_set *s = &t->sets[idx];
	unsigned spins = 0;
	__u64 old;

	__atomic_store_n(&head_of(t)->writing[slot], idx, __ATOMIC_SEQ_CST);
	for (;;) {
		old = __atomic_load_n(&s->line[0].state, __ATOMIC_RELAXED);
		if (!(old & XLB_FL_LOCK) &&
		    __atomic_compare_exchange_n(&s->line[0].state, &old, old | XLB_FL_LOCK, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		/* a holder preempted on this CPU needs it more than we do */
		if (++spins % 64 == 0)
			sched_yield();
	}
}

static void set_unlock(const struct flowtab *t, __u32 idx, int slot)
{
	__atomic_fetch_and(&t->sets[idx].line[0].state, ~XLB_FL_LOCK, __ATOMIC_RELEASE);
	__atomic_store_n(&head_of(t)->writing[slot], 0, __ATOMIC_RELEASE);
}

/* Write line l of a taken set: k and f, or free (f NULL). */
static void line_write(struct xlb_flow_line *l, const struct xlb_flow_key *k,
		       const struct xlb_flow *f)
{
	__u64 st = __atomic_load_n(&l->state, __ATOMIC_RELAXED);

	/* a line a dead writer left busy is finished here */
	__atomic_exchange_n(&l->state, st | XLB_FL_BUSY, __ATOMIC_SEQ_CST);
	if (f) {
		memcpy(&l->key, k, sizeof(*k));
		memcpy(&l->flow, f, sizeof(*f));
		st |= XLB_FL_USED | XLB_FL_TOUCHED;
	} else {
		memset(&l->key, 0, sizeof(l->key));
		memset(&l->flow, 0, sizeof(l->flow));
		st &= ~(XLB_FL_USED | XLB_FL_TOUCHED);
	}
	__atomic_exchange_n(&l->state, (st & ~XLB_FL_BUSY) + XLB_FL_VER, __ATOMIC_SEQ_CST);
}

int flowtab_get(const struct flowtab *t, const struct xlb_flow_key *k, struct xlb_flow *out,
		__u32 *where)
{
	struct xlb_flow_key key;
	__u32 idx;
	int i, second;

	for (second = 0; second < 2; second++) {
		idx = flowtab_set_of(t, k, second);
		for (i = 0; i < XLB_FLOW_WAYS; i++)
			if (line_read(&t->sets[idx].line[i], &key, out) &&
			    xlb_flow_key_eq(&key, k)) {
				if (where)
					*where = idx * XLB_FLOW_WAYS + (__u32)i;
				return 0;
			}
	}
	return -ENOENT;
}

/* Both sets of a key, taken in index order (the program never waits: no deadlock). */
static void sets_lock(const struct flowtab *t, __u32 a, __u32 b)
{
	if (a == b) {
		set_lock(t, a, 0);
	} else {
		set_lock(t, a < b ? a : b, 0);
		set_lock(t, a < b ? b : a, 1);
	}
}

static void sets_unlock(const struct flowtab *t, __u32 a, __u32 b)
{
	if (a != b)
		set_unlock(t, a < b ? b : a, 1);
	set_unlock(t, a < b ? a : b, 0);
}

/* Take set idx if nobody has it (noted in writing[slot]): 1, or 0. */
static int set_trylock(const struct flowtab *t, __u32 idx, int slot)
{
	struct xlb_flow_set *s = &t->sets[idx];
	__u64 old = __atomic_load_n(&s->line[0].state, __ATOMIC_RELAXED);

	__atomic_store_n(&head_of(t)->writing[slot], idx, __ATOMIC_SEQ_CST);
	if (!(old & XLB_FL_LOCK) &&
	    __atomic_compare_exchange_n(&s->line[0].state, &old, old | XLB_FL_LOCK, 0,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 1;
	__atomic_store_n(&head_of(t)->writing[slot], 0, __ATOMIC_RELEASE);
	return 0;
}

/* As the program's flowtab_displace() (bpf/flow.h) does it; is: the full set's index. */
static int displace(const struct flowtab *t, __u32 is)
{
	struct xlb_flow_set *s = &t->sets[is], *c;
	__u32 ic;
	__u64 h;
	int i, j;

	for (i = 0; i < XLB_FLOW_WAYS; i++) {
		h = xlb_flowtab_hash(&s->line[i].key, t->seed);
		ic = set_idx(t, h, 0);
		if (ic == is)
			ic = set_idx(t, h, 1);
		c = &t->sets[ic];
		if (ic == is || !set_trylock(t, ic, 2))
			continue;
		for (j = 0; j < XLB_FLOW_WAYS; j++)
			if (!(__atomic_load_n(&c->line[j].state, __ATOMIC_RELAXED) & XLB_FL_USED))
				break;
		if (j < XLB_FLOW_WAYS)
			line_write(&c->line[j], &s->line[i].key, &s->line[i].flow);
		set_unlock(t, ic, 2);
		if (j < XLB_FLOW_WAYS)
			return i;
	}
	return -1;
}

/* As the program's flowtab_put() (bpf/flow.h) does it. */
int flowtab_put(const struct flowtab *t, const struct xlb_flow_key *k, const struct xlb_flow *f,
		int only_new)
{
	__u64 h = xlb_flowtab_hash(k, t->seed);
	__u32 ia = set_idx(t, h, 0), ib = set_idx(t, h, 1);
	struct xlb_flow_set *a = &t->sets[ia], *b = &t->sets[ib];
	struct xlb_flow_scan sa, sb = { -1, -1, 0, -1, -1 };
	int v, second;

	sets_lock(t, ia, ib);
	xlb_flow_scan_set(a, k, &sa);
	if (b != a)
		xlb_flow_scan_set(b, k, &sb);
	if ((sa.same >= 0 || sb.same >= 0) && only_new) {
		sets_unlock(t, ia, ib);
		return -EEXIST;
	}
	second = 0;
	v = -1;
	if (sa.same < 0 && sb.same < 0 && !sa.nfree && !sb.nfree)
		v = displace(t, set_idx(t, h, 0));
	if (v < 0)
		v = xlb_flow_choose(&sa, &sb, h, &second);
	line_write(&(second ? b : a)->line[v], k, f);
	sets_unlock(t, ia, ib);
	return 0;
}

int flowtab_del(const struct flowtab *t, const struct xlb_flow_key *k)
{
	struct xlb_flow_set *s;
	int i, second, err = -ENOENT;
	__u32 idx;

	for (second = 0; second < 2; second++) {
		idx = flowtab_set_of(t, k, second);
		s = &t->sets[idx];
		set_lock(t, idx, 0);
		for (i = 0; i < XLB_FLOW_WAYS; i++)
			if ((__atomic_load_n(&s->line[i].state, __ATOMIC_RELAXED) & XLB_FL_USED) &&
			    xlb_flow_key_eq(&s->line[i].key, k)) {
				line_write(&s->line[i], k, NULL);
				err = 0;
			}
		set_unlock(t, idx, 0);
	}
	return err;
}

int flowtab_read_set(const struct flowtab *t, __u32 idx, struct xlb_flow_key *keys,
		     struct xlb_flow *flows)
{
	struct xlb_flow_set *s = &t->sets[idx];
	int i, n = 0;

	/* (a line being written is read once it is whole: line_read) */
	for (i = 0; i < XLB_FLOW_WAYS; i++)
		n += line_read(&s->line[i], &keys[n], &flows[n]);
	return n;
}

void flowtab_age_set(const struct flowtab *t, __u32 idx)
{
	struct xlb_flow_set *s = &t->sets[idx];
	int i;

	for (i = 0; i < XLB_FLOW_WAYS; i++)
		if (__atomic_load_n(&s->line[i].state, __ATOMIC_RELAXED) & XLB_FL_TOUCHED)
			__atomic_fetch_and(&s->line[i].state, ~XLB_FL_TOUCHED, __ATOMIC_RELAXED);
}

int flowtab_recover(const struct flowtab *t)
{
	struct xlb_flow_head *h = head_of(t);
	int slot, i, n = 0;
	__u64 since;
	__u32 idx;

	for (slot = 0; slot < 3; slot++) {
		struct xlb_flow_set *s;

		idx = __atomic_load_n(&h->writing[slot], __ATOMIC_ACQUIRE);
		if (!idx || idx > t->nsets)
			continue;
		s = &t->sets[idx];
		/* the program may hold it for a moment; the dead never lets go */
		for (since = now_ns(); now_ns() - since < RECOVER_NS;)
			if (!(__atomic_load_n(&s->line[0].state, __ATOMIC_ACQUIRE) & XLB_FL_LOCK))
				break;
		if (__atomic_load_n(&s->line[0].state, __ATOMIC_ACQUIRE) & XLB_FL_LOCK) {
			/* ours now: a line it left half-written is freed, not trusted */
			for (i = 0; i < XLB_FLOW_WAYS; i++)
				if (__atomic_load_n(&s->line[i].state, __ATOMIC_RELAXED) &
				    XLB_FL_BUSY)
					line_write(&s->line[i], NULL, NULL);
			__atomic_fetch_and(&s->line[0].state, ~XLB_FL_LOCK, __ATOMIC_RELEASE);
			n++;
		}
		__atomic_store_n(&h->writing[slot], 0, __ATOMIC_RELEASE);
	}
	return n;
}
