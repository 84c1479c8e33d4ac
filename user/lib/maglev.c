// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted Maglev.
 *
 * Each backend owns a permutation of the slots, from two hashes of its key
 * (offset and skip, as in the paper). The paper fills the table in rounds,
 * one slot per backend per round, which gives equal shares. Here the turns
 * are weighted instead: the next backend to claim a slot is the one whose
 * (slots held + 1) / weight is smallest, ties going to the canonical (key)
 * order. With equal weights that is exactly the paper's round robin; with
 * unequal weights every backend's share is its weight's share to one slot,
 * in every round, not only the first (Katran's early weighting skewed later
 * rounds). A turn walks the backend's permutation to its next free slot.
 *
 * Canonical order and fixed hash seeds make the table a function of the set
 * of (key, weight) alone, so hosts behind ECMP agree on every flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

#define MAGLEV_SEED_OFFSET 0x9e3779b97f4a7c15ULL
#define MAGLEV_SEED_SKIP   0xc2b2ae3d27d4eb4fULL

struct maglev_state {
	uint64_t pos; /* the slot the permutation is at: offset + next * skip, mod m */
	uint64_t skip;
	uint64_t step;	   /* 2^40 / weight: how far a slot moves its next turn */
	uint64_t inv_skip; /* skip^-1 mod m, for the end game; 0 until needed */
	uint32_t id;
};

/*
 * The last free slots take most of the probes (a walk finds a free slot in
 * m / free probes on average). Below this many, a turn instead looks at
 * every free slot and takes the one its walk would reach first.
 */
#define MAGLEV_ENDGAME 128

/* FNV-1a over the key, then a splitmix64 finish: portable and seedable. */
static uint64_t maglev_hash(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

void maglev_permutation(const void *key, size_t len, uint32_t m, uint64_t *offset, uint64_t *skip)
{
	*offset = maglev_hash(key, len, MAGLEV_SEED_OFFSET) % m;
	*skip = maglev_hash(key, len, MAGLEV_SEED_SKIP) % (m - 1) + 1;
}

int maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

static int key_cmp(const struct maglev_backend *a, const struct maglev_backend *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static int be_cmp(const void *a, const void *b)
{
	return key_cmp(*(const struct maglev_backend *const *)a,
		       *(const struct maglev_backend *const *)b);
}

/*
 * The heap of turns, by value (16 bytes an entry) so that its walk stays in
 * cache. A backend's turn is (slots held + 1) / weight in fixed point: exact
 * for equal weights (a round robin in canonical order), and within 2^-40 of
 * the rational order otherwise, the same on every host. Ties go to rank, the
 * canonical position, which is also the index into the state array: the
 * pair compares as one 128-bit number. The heap is 4-ary: half the levels
 * of a binary one, its four children in one cache line.
 */
typedef unsigned __int128 maglev_turn; /* turn << 64 | rank */

static void heap_down(maglev_turn *h, size_t n, size_t i)
{
	maglev_turn t = h[i];

	for (;;) {
		size_t c = 4 * i + 1, m = c, k;

		if (c >= n)
			break;
		for (k = c + 1; k < c + 4 && k < n; k++)
			if (h[k] < h[m])
				m = k;
		if (h[m] >= t)
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = t;
}

/*
 * Backends of one weight take their turns in rank order, round after round:
 * a group needs one heap entry, its next member's. With equal weights (the
 * usual pool) the heap has one entry, and the order is the paper's round
 * robin at no cost; the order is the same as with an entry a backend.
 */
struct maglev_group {
	uint64_t step;	       /* its members' */
	uint64_t turn;	       /* of the round its members are in */
	uint32_t first, n, at; /* members[first .. first + n), the next is at */
};

static int member_cmp(const void *a, const void *b, void *arg)
{
	const struct maglev_state *st = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t sx = st[x].step, sy = st[y].step;

	return sx != sy ? (sx > sy) - (sx < sy) : (x > y) - (x < y);
}

/* x^-1 mod m, m prime and 0 < x < m (Fermat: x^(m-2)). */
static uint64_t inv_mod(uint64_t x, uint64_t m)
{
	uint64_t r = 1, e = m - 2;

	while (e) {
		if (e & 1)
			r = r * x % m;
		x = x * x % m;
		e >>= 1;
	}
	return r;
}

/*
 * The free slot backend s's walk reaches first: the one the fewest skips
 * away from where it stands. Removed from the free list.
 */
static uint64_t endgame_take(struct maglev_state *s, uint32_t *freel, uint32_t *nfree, uint64_t m)
{
	uint64_t best = UINT64_MAX, slot;
	uint32_t i, at = 0;

	if (!s->inv_skip)
		s->inv_skip = inv_mod(s->skip, m);
	for (i = 0; i < *nfree; i++) {
		uint64_t d = freel[i] >= s->pos ? freel[i] - s->pos : freel[i] + m - s->pos;

		d = d * s->inv_skip % m;
		if (d < best) {
			best = d;
			at = i;
		}
	}
	slot = freel[at];
	freel[at] = freel[--*nfree];
	s->pos = slot + s->skip;
	if (s->pos >= m)
		s->pos -= m;
	return slot;
}

int maglev_build(const struct maglev_backend *be, size_t n, uint32_t m, uint32_t *ring,
		 uint32_t fill_id)
{
	const struct maglev_backend **order = NULL;
	struct maglev_state *st = NULL;
	maglev_turn *heap = NULL;
	struct maglev_group *grp = NULL;
	uint32_t *members = NULL, *grp_of = NULL;
	uint64_t *taken = NULL; /* a bit a slot: small enough to stay in L1 */
	uint32_t freel[MAGLEV_ENDGAME], nfree = 0;
	size_t i, live = 0, ngrp = 0;
	uint32_t filled;
	int err = 0;

	if (!maglev_is_prime(m))
		return -EINVAL;
	for (i = 0; i < m; i++)
		ring[i] = fill_id;
	if (!n)
		return 0;

	order = calloc(n, sizeof(*order));
	st = calloc(n, sizeof(*st));
	heap = calloc(n, sizeof(*heap));
	grp = calloc(n, sizeof(*grp));
	members = calloc(n, sizeof(*members));
	grp_of = calloc(n, sizeof(*grp_of));
	taken = calloc((m + 63) / 64, sizeof(*taken));
	if (!order || !st || !heap || !grp || !members || !grp_of || !taken) {
		err = -ENOMEM;
		goto out;
	}

	for (i = 0; i < n; i++)
		order[i] = &be[i];
	qsort(order, n, sizeof(*order), be_cmp);
	for (i = 1; i < n; i++) {
		if (!key_cmp(order[i - 1], order[i])) {
			err = -EINVAL;
			goto out;
		}
	}

	for (i = 0; i < n; i++) {
		const struct maglev_backend *b = order[i];
		struct maglev_state *s = &st[i];

		if (!b->weight)
			continue;
		maglev_permutation(b->key, b->key_len, m, &s->pos, &s->skip);
		s->step = (1ULL << 40) / b->weight;
		s->id = b->id;
		members[live++] = (uint32_t)i;
	}
	if (!live)
		goto out;
	/* the ranks of each weight, together and in order */
	qsort_r(members, live, sizeof(*members), member_cmp, st);
	for (i = 0; i < live; i++) {
		struct maglev_state *s = &st[members[i]];

		if (!i || s->step != grp[ngrp - 1].step) {
			grp[ngrp].step = s->step;
			grp[ngrp].turn = s->step;
			grp[ngrp].first = (uint32_t)i;
			heap[ngrp] = (maglev_turn)s->step << 64 | members[i];
			ngrp++;
		}
		grp[ngrp - 1].n++;
		grp_of[members[i]] = (uint32_t)(ngrp - 1);
	}
	for (i = ngrp / 2 + 1; i-- > 0;)
		heap_down(heap, ngrp, i);

	for (filled = 0; filled < m; filled++) {
		struct maglev_state *s = &st[(uint32_t)heap[0]];
		struct maglev_group *g = &grp[grp_of[(uint32_t)heap[0]]];
		uint64_t slot;

		if (m - filled == MAGLEV_ENDGAME) {
			for (slot = 0; slot < m; slot++)
				if (!(taken[slot / 64] >> (slot % 64) & 1))
					freel[nfree++] = (uint32_t)slot;
		}
		if (nfree) {
			slot = endgame_take(s, freel, &nfree, m);
		} else {
			/*
			 * m is prime and 0 < skip < m, so the walk visits every
			 * slot. It steps by addition: the paper's (offset + j *
			 * skip) mod m without a division per probe, the build's
			 * hot loop.
			 */
			do {
				slot = s->pos;
				s->pos += s->skip;
				if (s->pos >= m)
					s->pos -= m;
			} while (taken[slot / 64] >> (slot % 64) & 1);
			taken[slot / 64] |= 1ULL << (slot % 64);
		}
		ring[slot] = s->id;
		if (++g->at == g->n) {
			g->at = 0;
			g->turn += g->step;
		}
		heap[0] = (maglev_turn)g->turn << 64 | members[g->first + g->at];
		heap_down(heap, ngrp, 0);
	}
out:
	free(taken);
	free(grp_of);
	free(members);
	free(grp);
	free(heap);
	free(st);
	free(order);
	return err;
}
