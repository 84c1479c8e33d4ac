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
	uint64_t step; /* 2^40 / weight: how far a slot moves its next turn */
	uint32_t id;
};

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
 * canonical position.
 */
struct maglev_turn {
	uint64_t turn;
	uint32_t rank;
	uint32_t idx; /* into the state array */
};

static int turn_before(const struct maglev_turn *a, const struct maglev_turn *b)
{
	return a->turn != b->turn ? a->turn < b->turn : a->rank < b->rank;
}

static void heap_down(struct maglev_turn *h, size_t n, size_t i)
{
	struct maglev_turn t = h[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = l;

		if (l >= n)
			break;
		if (r < n && turn_before(&h[r], &h[l]))
			m = r;
		if (!turn_before(&h[m], &t))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = t;
}

int maglev_build(const struct maglev_backend *be, size_t n, uint32_t m, uint32_t *ring,
		 uint32_t fill_id)
{
	const struct maglev_backend **order = NULL;
	struct maglev_state *st = NULL;
	struct maglev_turn *heap = NULL;
	uint64_t *taken = NULL; /* a bit a slot: small enough to stay in L1 */
	size_t i, live = 0;
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
	taken = calloc((m + 63) / 64, sizeof(*taken));
	if (!order || !st || !heap || !taken) {
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
		s->pos = maglev_hash(b->key, b->key_len, MAGLEV_SEED_OFFSET) % m;
		s->skip = maglev_hash(b->key, b->key_len, MAGLEV_SEED_SKIP) % (m - 1) + 1;
		s->step = (1ULL << 40) / b->weight;
		s->id = b->id;
		heap[live].turn = s->step;
		heap[live].rank = (uint32_t)i;
		heap[live].idx = (uint32_t)i;
		live++;
	}
	if (!live)
		goto out;
	for (i = live / 2; i-- > 0;)
		heap_down(heap, live, i);

	for (filled = 0; filled < m; filled++) {
		struct maglev_state *s = &st[heap[0].idx];
		uint64_t slot;

		/*
		 * m is prime and 0 < skip < m, so the walk visits every slot. It
		 * steps by addition: the paper's (offset + j * skip) mod m without
		 * a division per probe, the build's hot loop.
		 */
		do {
			slot = s->pos;
			s->pos += s->skip;
			if (s->pos >= m)
				s->pos -= m;
		} while (taken[slot / 64] >> (slot % 64) & 1);
		taken[slot / 64] |= 1ULL << (slot % 64);
		ring[slot] = s->id;
		heap[0].turn += s->step;
		heap_down(heap, live, 0);
	}
out:
	free(taken);
	free(heap);
	free(st);
	free(order);
	return err;
}
