// SPDX-License-Identifier: GPL-2.0
/*
 * xlb_flows' userspace writers under contention, without BPF: a table in
 * plain memory, several threads writing it through flowtab.c while one
 * reads. A set is never shared by two writers, however long a holder is
 * preempted (a takeover after a millisecond once tore lines), and a set a
 * killed xlbd held is given back by its successor.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "flowtab.h"

#define NSETS	2  /* few sets: every writer meets every other */
#define NKEYS	24 /* more than the table holds: writers displace and evict */
#define SECONDS 1.5

static struct flowtab t;
static volatile int stop;
static unsigned long torn, reads;

static void key_of(unsigned i, struct xlb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src[0] = 0x0a000001 + i;
	k->dst[0] = 0x0a000064;
	k->sport = (__u16)(1000 + i);
	k->dport = 80;
	k->proto = 6;
	k->family = 4;
}

/* What a writer records for key i: every word of it says i. */
static void flow_of(unsigned i, struct xlb_flow *f)
{
	f->backend_id = 1000 + i;
	f->backend_gen = ~(1000 + i);
	f->last_seen = ((__u64)(1000 + i) << 32) | (1000 + i);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, i;
	struct xlb_flow_key k;
	struct xlb_flow f;

	while (!stop) {
		i = (unsigned)rand_r(&seed) % NKEYS;
		key_of(i, &k);
		if (rand_r(&seed) % 4) {
			flow_of(i, &f);
			flowtab_put(&t, &k, &f, 0);
		} else {
			flowtab_del(&t, &k);
		}
	}
	return NULL;
}

/* A line read whole must be one writer's: key and flow of the same i. */
static void *reader(void *arg)
{
	struct xlb_flow_key keys[XLB_FLOW_WAYS];
	struct xlb_flow flows[XLB_FLOW_WAYS], want;
	__u32 idx;
	int n, j;

	(void)arg;
	while (!stop)
		for (idx = 1; idx <= NSETS; idx++) {
			n = flowtab_read_set(&t, idx, keys, flows);
			for (j = 0; j < n; j++) {
				unsigned i = keys[j].sport - 1000u;
				struct xlb_flow_key k;

				key_of(i, &k);
				flow_of(i, &want);
				reads++;
				if (i >= NKEYS || memcmp(&k, &keys[j], sizeof(k)) ||
				    memcmp(&want, &flows[j], sizeof(want)))
					torn++;
			}
		}
	return NULL;
}

static void table_new(void)
{
	t.nsets = NSETS;
	t.sets = aligned_alloc(256, (NSETS + 1) * sizeof(struct xlb_flow_set));
	assert_non_null(t.sets);
	memset(t.sets, 0, (NSETS + 1) * sizeof(struct xlb_flow_set));
	for (int i = 0; i < 10; i++)
		t.seed[i] = 0x9e3779b9u * (unsigned)(i + 1);
}

static void test_writers_never_share_a_set_however_long_a_holder_is_preempted(void **state)
{
	pthread_t w[4], r;
	double t0;
	int i;

	(void)state;
	table_new();
	stop = 0;
	torn = reads = 0;
	/* four writers and a reader on two CPUs: holders are preempted holding a set */
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)(i + 1)),
				 0);
	assert_int_equal(pthread_create(&r, NULL, reader, NULL), 0);
	for (t0 = now_s(); now_s() - t0 < SECONDS;)
		;
	stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	pthread_join(r, NULL);
	print_message("    %lu lines read, %lu torn\n", reads, torn);
	assert_true(reads > 1000);
	assert_int_equal(torn, 0);
	free(t.sets);
}

/* A killed xlbd left a set taken and a line half-written: the next one gives them back. */
static void test_a_set_a_killed_xlbd_held_is_given_back(void **state)
{
	struct xlb_flow_head *h;
	struct xlb_flow_key k;
	struct xlb_flow f;

	(void)state;
	table_new();
	h = (struct xlb_flow_head *)&t.sets[0];
	key_of(1, &k);
	flow_of(1, &f);
	assert_int_equal(flowtab_put(&t, &k, &f, 0), 0);
	/* as it stood when the writer died: set 2 taken, its line 1 busy */
	h->writing[0] = 2;
	t.sets[2].line[0].state |= XLB_FL_LOCK;
	t.sets[2].line[1].state |= XLB_FL_BUSY | XLB_FL_USED;
	assert_int_equal(flowtab_recover(&t), 1);
	assert_int_equal(h->writing[0], 0);
	assert_false(t.sets[2].line[0].state & XLB_FL_LOCK);
	assert_false(t.sets[2].line[1].state & (XLB_FL_BUSY | XLB_FL_USED));
	/* and the table takes writes again */
	key_of(2, &k);
	flow_of(2, &f);
	assert_int_equal(flowtab_put(&t, &k, &f, 0), 0);
	/* nothing to give back: a set merely noted, and free, is left alone */
	h->writing[1] = 1;
	assert_int_equal(flowtab_recover(&t), 0);
	free(t.sets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writers_never_share_a_set_however_long_a_holder_is_preempted),
		cmocka_unit_test(test_a_set_a_killed_xlbd_held_is_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
