// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted Maglev: shares, disruption, canonical order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "maglev.h"

#define M    65537
#define NONE 0xffffffffU

struct bset {
	size_t n;
	uint32_t addr[4096]; /* the key bytes of each backend */
	struct maglev_backend be[4096];
};

static void bset_init(struct bset *s, size_t n, const uint32_t *weights)
{
	size_t i;

	s->n = n;
	for (i = 0; i < n; i++) {
		s->addr[i] = 0x0a000000 + (uint32_t)i + 1; /* 10.0.0.i+1 */
		s->be[i].key = &s->addr[i];
		s->be[i].key_len = sizeof(s->addr[i]);
		s->be[i].weight = weights ? weights[i] : 100;
		s->be[i].id = (uint32_t)i;
	}
}

static uint32_t *build(const struct bset *s)
{
	uint32_t *ring = malloc(M * sizeof(*ring));

	assert_non_null(ring);
	assert_int_equal(maglev_build(s->be, s->n, M, ring, NONE), 0);
	return ring;
}

static void count(const uint32_t *ring, size_t n, size_t *c)
{
	size_t i;

	memset(c, 0, n * sizeof(*c));
	for (i = 0; i < M; i++) {
		assert_true(ring[i] < n);
		c[ring[i]]++;
	}
}

static void equal_weights_give_floor_or_ceil(size_t n)
{
	static struct bset s;
	size_t c[4096], i;
	uint32_t *ring;

	bset_init(&s, n, NULL);
	ring = build(&s);
	count(ring, n, c);
	for (i = 0; i < n; i++)
		assert_in_range(c[i], M / n, (M + n - 1) / n);
	free(ring);
}

static void test_equal_weights_give_every_backend_floor_or_ceil_of_m_over_n(void **state)
{
	(void)state;
	equal_weights_give_floor_or_ceil(1);
	equal_weights_give_floor_or_ceil(3);
	equal_weights_give_floor_or_ceil(7);
	equal_weights_give_floor_or_ceil(100);
	equal_weights_give_floor_or_ceil(1000);
}

static void test_weights_1_2_3_4_give_shares_within_half_a_percent(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4 };
	static struct bset s;
	size_t c[4], i;
	uint32_t *ring;

	(void)state;
	bset_init(&s, 4, w);
	ring = build(&s);
	count(ring, 4, c);
	for (i = 0; i < 4; i++) {
		double share = (double)c[i] / M, ideal = w[i] / 10.0;

		assert_true(share > ideal - 0.005 && share < ideal + 0.005);
	}
	free(ring);
}

static void test_weight_zero_takes_no_slot_and_no_weight_fills_none(void **state)
{
	static const uint32_t w[] = { 0, 5, 0 };
	static const uint32_t zero[] = { 0, 0 };
	static struct bset s;
	uint32_t *ring;
	size_t i;

	(void)state;
	bset_init(&s, 3, w);
	ring = build(&s);
	for (i = 0; i < M; i++)
		assert_int_equal(ring[i], 1);
	free(ring);

	bset_init(&s, 2, zero);
	ring = build(&s);
	for (i = 0; i < M; i++)
		assert_int_equal(ring[i], NONE);
	free(ring);
}

static void test_removing_one_of_100_backends_moves_its_slots_and_under_3_percent_more(void **state)
{
	static struct bset s;
	uint32_t *before, *after;
	size_t i, others_changed = 0, removed = 42;

	(void)state;
	bset_init(&s, 100, NULL);
	before = build(&s);
	s.be[removed].weight = 0;
	after = build(&s);
	for (i = 0; i < M; i++) {
		assert_int_not_equal(after[i], removed);
		if (before[i] != removed && before[i] != after[i])
			others_changed++;
	}
	print_message("  other slots changed: %zu of %d (%.2f%%)\n", others_changed, M,
		      100.0 * others_changed / M);
	assert_true(others_changed * 100 <= 3 * (size_t)M);

	/* and adding it back restores the original table exactly */
	s.be[removed].weight = 100;
	free(after);
	after = build(&s);
	assert_memory_equal(before, after, M * sizeof(*before));
	free(before);
	free(after);
}

static void test_table_is_the_same_whatever_the_order_of_the_backends(void **state)
{
	static struct bset s, r;
	uint32_t *a, *b;
	size_t i;

	(void)state;
	bset_init(&s, 50, NULL);
	r = s;
	for (i = 0; i < 50; i++) { /* reversed, keys and ids kept together */
		r.be[i] = s.be[49 - i];
		r.be[i].key = &r.addr[49 - i];
	}
	a = build(&s);
	b = build(&r);
	assert_memory_equal(a, b, M * sizeof(*a));
	free(a);
	free(b);
}

static void test_changing_one_weight_keeps_most_other_slots(void **state)
{
	static struct bset s;
	uint32_t *before, *after;
	size_t i, changed = 0;

	(void)state;
	bset_init(&s, 10, NULL);
	before = build(&s);
	s.be[3].weight = 200; /* one backend doubles: ~9% of slots must move */
	after = build(&s);
	for (i = 0; i < M; i++)
		changed += before[i] != after[i];
	print_message("  slots changed: %.2f%%\n", 100.0 * changed / M);
	assert_true(changed * 100 <= 20 * (size_t)M);
	free(before);
	free(after);
}

/*
 * The construction as maglev.c's comment states it, one slot at a time with
 * no shortcut: the backend with the smallest (held + 1) * 2^40 / weight
 * (ties: canonical order, the keys' bytes) walks its permutation to
 * the next free slot. maglev_build()'s heap of weight groups and its end
 * game must give exactly this table.
 */
static void reference_build(const struct bset *s, uint32_t m, uint32_t *ring)
{
	uint64_t *pos = calloc(s->n, sizeof(*pos)), *skip = calloc(s->n, sizeof(*skip));
	uint64_t *turn = calloc(s->n, sizeof(*turn));
	size_t *rank = calloc(s->n, sizeof(*rank));
	uint8_t *taken = calloc(m, 1);
	size_t i, j, filled;

	assert_true(pos && skip && turn && rank && taken);
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->n; j++)
			rank[i] += memcmp(s->be[j].key, s->be[i].key, s->be[i].key_len) < 0;
		maglev_permutation(s->be[i].key, s->be[i].key_len, m, &pos[i], &skip[i]);
		turn[i] = s->be[i].weight ? (1ULL << 40) / s->be[i].weight : 0;
	}
	for (filled = 0; filled < m; filled++) {
		size_t b = s->n;

		for (i = 0; i < s->n; i++)
			if (s->be[i].weight && (b == s->n || turn[i] < turn[b] ||
						(turn[i] == turn[b] && rank[i] < rank[b])))
				b = i;
		while (taken[pos[b]])
			pos[b] = (pos[b] + skip[b]) % m;
		taken[pos[b]] = 1;
		ring[pos[b]] = s->be[b].id;
		turn[b] += (1ULL << 40) / s->be[b].weight;
	}
	free(taken);
	free(rank);
	free(turn);
	free(skip);
	free(pos);
}

static void test_table_is_the_reference_construction_for_every_mix_of_weights(void **state)
{
	static const uint32_t sizes[] = { 13, 251, 4099, M };
	static struct bset s;
	static uint32_t want[M], got[M];
	size_t t, i;

	(void)state;
	srand(11);
	for (t = 0; t < 24; t++) {
		uint32_t m = sizes[t % 4], w[300];
		size_t n = 1 + (size_t)rand() % 300;

		for (i = 0; i < n; i++) /* equal, a few groups, or all different */
			w[i] = t % 3 == 0   ? 100
			       : t % 3 == 1 ? 50 * (1 + (uint32_t)rand() % 3)
					    : 1 + (uint32_t)rand() % 1000;
		bset_init(&s, n, w);
		reference_build(&s, m, want);
		assert_int_equal(maglev_build(s.be, n, m, got, NONE), 0);
		assert_memory_equal(got, want, m * sizeof(*got));
	}
}

static void test_non_prime_size_and_duplicate_keys_are_refused(void **state)
{
	static struct bset s;
	uint32_t ring[16];

	(void)state;
	bset_init(&s, 2, NULL);
	assert_int_equal(maglev_build(s.be, 2, 15, ring, NONE), -EINVAL);
	s.be[1].key = s.be[0].key;
	assert_int_equal(maglev_build(s.be, 2, 13, ring, NONE), -EINVAL);
	assert_true(maglev_is_prime(65537));
	assert_true(maglev_is_prime(1048573));
	assert_false(maglev_is_prime(65536));
	assert_false(maglev_is_prime(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_weights_give_every_backend_floor_or_ceil_of_m_over_n),
		cmocka_unit_test(test_weights_1_2_3_4_give_shares_within_half_a_percent),
		cmocka_unit_test(test_weight_zero_takes_no_slot_and_no_weight_fills_none),
		cmocka_unit_test(
			test_removing_one_of_100_backends_moves_its_slots_and_under_3_percent_more),
		cmocka_unit_test(test_table_is_the_same_whatever_the_order_of_the_backends),
		cmocka_unit_test(test_changing_one_weight_keeps_most_other_slots),
		cmocka_unit_test(test_table_is_the_reference_construction_for_every_mix_of_weights),
		cmocka_unit_test(test_non_prime_size_and_duplicate_keys_are_refused),
	};

	return cmocka_run_group_tests_name("maglev", tests, NULL, NULL);
}
