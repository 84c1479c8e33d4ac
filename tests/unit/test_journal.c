// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime change journal: what it keeps survives a reopen, repeated
 * changes of one backend fold into one line, an add undone by a del leaves
 * nothing, and clearing removes the file. An address is one backend however
 * it is spelled; a line that cannot be read is told and kept aside; a
 * replacement is one write, and a write that fails leaves the file as it was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static char aside[96], tmp[96];

static int teardown(void **state)
{
	(void)state;
	snprintf(aside, sizeof(aside), "%s.unreadable", path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(path);
	unlink(aside);
	rmdir(tmp);
	return 0;
}

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
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
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
	add_all(j, reqs);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(journal_clear(j), 0);
	assert_int_equal(access(path, F_OK), -1);
	j = reopened(j);
	assert_int_equal(journal_count(j), 0);
	journal_free(j);
}

/* One IPv6 backend written four ways: the del undoes the add, the later set stays. */
static void test_an_address_is_one_backend_however_it_is_spelled(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"2001:db8::10\",\"state\":"
		"\"drain\"}",
		"{\"cmd\":\"backend.del\",\"vip\":\"web\",\"address\":\"2001:DB8::10\"}",
		"{\"cmd\":\"backend.add\",\"vip\":\"web\",\"address\":\"2001:db8:0::10\"}",
		"{\"cmd\":\"backend.set\",\"vip\":\"web\",\"address\":\"2001:db8::10\",\"weight\":"
		"50}",
		NULL,
	};
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
	add_all(j, reqs);
	j = reopened(j);
	/*
	 * Replayed in order: drained, deleted, added anew, weight 50. Folded as
	 * text, the last set took the first one's drain and the backend came
	 * back drained.
	 */
	assert_int_equal(journal_count(j), 4);
	assert_non_null(strstr(journal_line(j, 1), "backend.del"));
	assert_non_null(strstr(journal_line(j, 2), "backend.add"));
	assert_non_null(strstr(journal_line(j, 3), "\"weight\":50"));
	assert_null(strstr(journal_line(j, 3), "drain"));
	journal_free(j);
}

static unsigned warned, warned_line;
static char warned_why[512];

static void on_warn(void *ctx, unsigned lineno, const char *why, const char *line)
{
	(void)ctx;
	(void)line;
	warned++;
	warned_line = lineno;
	snprintf(warned_why, sizeof(warned_why), "%s", why);
}

static void test_an_unreadable_line_is_told_and_the_file_kept_aside(void **state)
{
	static const char text[] = "{\"cmd\":\"vip.del\",\"vip\":\"web\"}\n"
				   "{\"cmd\":\"backend.set\",\"vip\":\"alt\",\"addr\n"
				   "{\"cmd\":\"vip.del\",\"vip\":\"alt\"}\n";
	struct journal *j;

	(void)state;
	put(path, text);
	warned = 0;
	assert_int_equal(journal_open(&j, path, on_warn, NULL), 0);
	assert_int_equal(journal_count(j), 2);
	assert_int_equal(warned, 1);
	assert_int_equal(warned_line, 2);
	assert_non_null(strstr(warned_why, ".unreadable"));
	snprintf(aside, sizeof(aside), "%s.unreadable", path);
	assert_string_equal(slurp(aside), text);
	journal_free(j);
}

/* A line longer than any buffer is one line, read whole. */
static void test_a_long_line_is_read_whole(void **state)
{
	char text[9000];
	struct journal *j;

	(void)state;
	snprintf(text, sizeof(text), "{\"cmd\":\"vip.del\",\"vip\":\"web\",\"note\":\"%08000d\"}\n",
		 0);
	put(path, text);
	warned = 0;
	assert_int_equal(journal_open(&j, path, on_warn, NULL), 0);
	assert_int_equal(journal_count(j), 1);
	assert_int_equal(warned, 0);
	journal_free(j);
}

static void test_a_replacement_is_one_write_and_a_failed_one_keeps_the_file(void **state)
{
	static const char *const reqs[] = {
		"{\"cmd\":\"vip.del\",\"vip\":\"web\"}",
		"{\"cmd\":\"vip.del\",\"vip\":\"alt\"}",
		NULL,
	};
	struct journal *j;
	json_object *keep[1];
	char before[4096];

	(void)state;
	assert_int_equal(journal_open(&j, path, NULL, NULL), 0);
	add_all(j, reqs);
	snprintf(before, sizeof(before), "%s", slurp(path));
	/* the temporary cannot be made: the file stays whole, the error is told */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	keep[0] = json_tokener_parse(reqs[1]);
	assert_int_not_equal(journal_replace(j, keep, 1), 0);
	assert_string_equal(slurp(path), before);
	assert_int_not_equal(journal_add(j, keep[0]), 0);
	assert_string_equal(slurp(path), before);
	rmdir(tmp);
	assert_int_equal(journal_replace(j, keep, 1), 0);
	json_object_put(keep[0]);
	j = reopened(j);
	assert_int_equal(journal_count(j), 1);
	assert_non_null(strstr(journal_line(j, 0), "alt"));
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
		cmocka_unit_test_setup_teardown(
			test_an_address_is_one_backend_however_it_is_spelled, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_an_unreadable_line_is_told_and_the_file_kept_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_long_line_is_read_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_replacement_is_one_write_and_a_failed_one_keeps_the_file, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
