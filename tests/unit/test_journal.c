// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime change journal: what it keeps survives a reopen, repeated
 * changes of one backend fold into one line, an add undone by a del leaves
 * nothing, and clearing removes the file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/xlb-journal-test.%d", getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Keep each request (JSON text) in turn. */
static void add_all(struct journal *j, const char *const *reqs)
{
	for (; *reqs; reqs++) {
		json_object *o = json_tokener_parse(*reqs);

		assert_non_null(o);
		assert_int_equal(journal_add(j, o), 0);
		json_object_put(o);
	}
}

/* The journal as it reads back from its file. */
static struct journal *reopened(struct journal *j)
{
	journal_free(j);
	assert_int_equal(journal_open(&j, path), 0);
	return j;
}

static void test_changes_survive_a_reopen_in_order(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"state\":"
		"\"drain\"}",
		"{\"cmd\":\"vip.add\",\"vip\":\"alt\",\"address\":\"10.0.1.1\",\"port\":80}",
		NULL,
	};
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, path), 0);
	assert_int_equal(journal_count(j), 0);
	add_all(j, reqs);
	j = reopened(j);
	assert_int_equal(journal_count(j), 2);
	assert_string_equal(journal_line(j, 0), reqs[0]);
	assert_string_equal(journal_line(j, 1), reqs[1]);
	journal_free(j);
}

static void test_sets_of_one_backend_fold_into_one_line(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"state\":"
		"\"drain\"}",
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.2\",\"weight\":5}",
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"weight\":30}",
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"weight\":40}",
		NULL,
	};
	struct journal *j;
	json_object *o, *v;

	(void)state;
	assert_int_equal(journal_open(&j, path), 0);
	add_all(j, reqs);
	j = reopened(j);
	assert_int_equal(journal_count(j), 2);
	o = json_tokener_parse(journal_line(j, 1));
	assert_true(json_object_object_get_ex(o, "weight", &v));
	assert_int_equal(json_object_get_int(v), 40);
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_string_equal(json_object_get_string(v), "drain");
	json_object_put(o);
	journal_free(j);
}

static void test_an_add_undone_by_a_del_leaves_nothing(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"vip.add\",\"vip\":\"alt\",\"address\":\"10.0.1.1\",\"port\":80}",
		"{\"cmd\":\"backend.add\",\"vip\":\"alt\",\"address\":\"10.0.0.1\"}",
		"{\"cmd\":\"backend.add\",\"vip\":\"web\",\"address\":\"10.0.0.9\"}",
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.9\",\"weight\":5}",
		"{\"cmd\":\"backend.del\",\"vip\":\"web\",\"address\":\"10.0.0.9\"}",
		"{\"cmd\":\"vip.del\",\"vip\":\"alt\"}",
		NULL,
	};
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, path), 0);
	add_all(j, reqs);
	assert_int_equal(journal_count(j), 0);
	assert_int_equal(access(path, F_OK), -1);
	journal_free(j);
}

static void test_a_del_of_what_the_file_has_is_kept(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"10.0.0.1\",\"weight\":5}",
		"{\"cmd\":\"backend.del\",\"vip\":\"web\",\"address\":\"10.0.0.1\"}",
		"{\"cmd\":\"vip.del\",\"vip\":\"web\"}",
		NULL,
	};
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, path), 0);
	add_all(j, reqs);
	j = reopened(j);
	assert_int_equal(journal_count(j), 3);
	journal_free(j);
}

static void test_clear_removes_the_file(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"vip.del\",\"vip\":\"web\"}",
		NULL,
	};
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, path), 0);
	add_all(j, reqs);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(journal_clear(j), 0);
	assert_int_equal(access(path, F_OK), -1);
	j = reopened(j);
	assert_int_equal(journal_count(j), 0);
	journal_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_changes_survive_a_reopen_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sets_of_one_backend_fold_into_one_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_an_add_undone_by_a_del_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_del_of_what_the_file_has_is_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_clear_removes_the_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
