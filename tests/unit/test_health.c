// SPDX-License-Identifier: GPL-2.0
/*
 * Health checking's pure parts: the rise/fall state machine, the slow-start
 * ramp, and the expected-status sets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "check.h"
#include "health.h"

/* Feed a string of results ('+' ok, '-' failed); return the transitions. */
static int feed(struct hstate *s, const char *results, unsigned rise, unsigned fall)
{
	int changes = 0;

	for (; *results; results++)
		changes += hstate_feed(s, *results == '+', rise, fall);
	return changes;
}

static void test_down_backend_needs_rise_successes_in_a_row(void **state)
{
	struct hstate s = { .state = LB_HEALTH_DOWN };

	(void)state;
	assert_int_equal(feed(&s, "+", 2, 3), 0);
	assert_int_equal(s.state, LB_HEALTH_DOWN);
	assert_true(hstate_changing(&s));
	assert_int_equal(feed(&s, "+", 2, 3), 1);
	assert_int_equal(s.state, LB_HEALTH_UP);
	assert_false(hstate_changing(&s));
}

static void test_up_backend_needs_fall_failures_in_a_row(void **state)
{
	struct hstate s = { .state = LB_HEALTH_UP };

	(void)state;
	assert_int_equal(feed(&s, "--", 2, 3), 0);
	assert_int_equal(s.state, LB_HEALTH_UP);
	assert_true(hstate_changing(&s));
	assert_int_equal(feed(&s, "-", 2, 3), 1);
	assert_int_equal(s.state, LB_HEALTH_DOWN);
}

static void test_a_success_resets_the_failure_run(void **state)
{
	struct hstate s = { .state = LB_HEALTH_UP };

	(void)state;
	assert_int_equal(feed(&s, "--+--+--+", 2, 3), 0);
	assert_int_equal(s.state, LB_HEALTH_UP);
	assert_false(hstate_changing(&s));
}

static void test_flapping_backend_never_comes_up_with_rise_3(void **state)
{
	struct hstate s = { .state = LB_HEALTH_DOWN };

	(void)state;
	/* alternating results: never 3 successes in a row, never up */
	assert_int_equal(feed(&s, "+-+-+-+-+-++-++-", 3, 3), 0);
	assert_int_equal(s.state, LB_HEALTH_DOWN);
	assert_int_equal(feed(&s, "+++", 3, 3), 1);
	assert_int_equal(s.state, LB_HEALTH_UP);
}

static void test_flapping_between_thresholds_changes_once_per_run(void **state)
{
	struct hstate s = { .state = LB_HEALTH_UP };

	(void)state;
	/* fall 2, rise 2: down, up, down, up */
	assert_int_equal(feed(&s, "--++--++", 2, 2), 4);
	assert_int_equal(s.state, LB_HEALTH_UP);
	/* more results in the same direction change nothing */
	assert_int_equal(feed(&s, "+++++", 2, 2), 0);
}

static void test_rise_and_fall_of_1_follow_every_result(void **state)
{
	struct hstate s = { .state = LB_HEALTH_DOWN };

	(void)state;
	assert_int_equal(feed(&s, "+-+-", 1, 1), 4);
	assert_int_equal(s.state, LB_HEALTH_DOWN);
}

static void test_slow_start_ramps_linearly_from_1_to_100_percent(void **state)
{
	(void)state;
	assert_int_equal(slow_start_pct(0, 10000), 1);
	assert_int_equal(slow_start_pct(1000, 10000), 10);
	assert_int_equal(slow_start_pct(5000, 10000), 50);
	assert_int_equal(slow_start_pct(9999, 10000), 99);
	assert_int_equal(slow_start_pct(10000, 10000), 100);
	assert_int_equal(slow_start_pct(60000, 10000), 100);
	/* no slow start: full weight at once */
	assert_int_equal(slow_start_pct(0, 0), 100);
}

static void test_expect_status_ranges_parse_and_match(void **state)
{
	struct cfg_check k = { 0 };

	(void)state;
	assert_int_equal(cfg_parse_status_range("200-299", &k.status[0]), 0);
	assert_int_equal(cfg_parse_status_range("301", &k.status[1]), 0);
	k.nstatus = 2;
	assert_true(check_status_ok(&k, 200));
	assert_true(check_status_ok(&k, 299));
	assert_true(check_status_ok(&k, 301));
	assert_false(check_status_ok(&k, 300));
	assert_false(check_status_ok(&k, 302));
	assert_false(check_status_ok(&k, 500));
	assert_false(check_status_ok(&k, 199));
}

static void test_bad_expect_status_entries_are_refused(void **state)
{
	static const char *bad[] = { "99", "600",  "300-200",  "2xx", "200-", "-200",
				     "20", "2000", "200-299x", "",    NULL };
	struct cfg_status_range r;
	int i;

	(void)state;
	for (i = 0; bad[i]; i++)
		assert_int_equal(cfg_parse_status_range(bad[i], &r), -EINVAL);
	assert_int_equal(cfg_parse_status_range(NULL, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_backend_needs_rise_successes_in_a_row),
		cmocka_unit_test(test_up_backend_needs_fall_failures_in_a_row),
		cmocka_unit_test(test_a_success_resets_the_failure_run),
		cmocka_unit_test(test_flapping_backend_never_comes_up_with_rise_3),
		cmocka_unit_test(test_flapping_between_thresholds_changes_once_per_run),
		cmocka_unit_test(test_rise_and_fall_of_1_follow_every_result),
		cmocka_unit_test(test_slow_start_ramps_linearly_from_1_to_100_percent),
		cmocka_unit_test(test_expect_status_ranges_parse_and_match),
		cmocka_unit_test(test_bad_expect_status_entries_are_refused),
	};

	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
