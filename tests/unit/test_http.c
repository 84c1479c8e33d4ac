// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP check replies, fed as a backend might send them: whole, a byte at a
 * time, with lying or empty headers, chunked, cut short, or not HTTP at all.
 * Every case must be judged within the bytes given (the unit tests also run
 * under ASan) and say what is wrong when it is.
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

#include "http_reply.h"

/*
 * Feed reply in pieces of step bytes (0: whole), each from a buffer of its
 * own size so that a read past it is caught; then the end of the
 * connection if eof. The last result.
 */
static int feed(struct http_reply *r, const char *reply, size_t len, size_t step, int eof)
{
	size_t off = 0;
	int rc = 0;

	while (off < len && !rc) {
		size_t n = step && len - off > step ? step : len - off;
		char *piece = malloc(n);

		assert_non_null(piece);
		memcpy(piece, reply + off, n);
		rc = http_reply_feed(r, piece, n);
		free(piece);
		off += n;
	}
	if (!rc && eof)
		rc = http_reply_feed(r, NULL, 0);
	return rc;
}

#define FEED(r, s, step, eof) feed(r, s, strlen(s), step, eof)

static void test_status_alone_is_judged_at_the_end_of_the_headers(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 0);
	assert_int_equal(
		FEED(&r, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 99\r\n\r\n", 0, 0),
		1);
	assert_int_equal(r.status, 503);
	http_reply_free(&r);
}

static void test_body_is_read_by_content_length_even_a_byte_at_a_time(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1, 0), 1);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	http_reply_free(&r);
}

static void test_chunked_body_is_reassembled(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r,
			      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "4\r\nbody\r\n3\r\n ok\r\n0\r\n\r\n",
			      3, 0),
			 1);
	assert_int_equal(r.body_len, 7);
	assert_memory_equal(r.body, "body ok", 7);
	http_reply_free(&r);
}

static void test_body_up_to_the_close_keeps_header_like_text_as_body(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r, "HTTP/1.0 200 OK\r\n\r\nContent-Length: 999\r\n", 0, 1), 1);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 21);
	http_reply_free(&r);
}

static void test_empty_content_length_is_a_bad_reply_not_a_read_past_it(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 1), -1);
	assert_non_null(r.err);
	http_reply_free(&r);
}

/* The reply that crashed an ASan xlbd: 976 bytes, filling a 1024-byte chain. */
static void test_reply_filling_a_buffer_exactly_is_read_within_it(void **state)
{
	char reply[976];
	struct http_reply r;
	int hdr;

	(void)state;
	hdr = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nX-Pad: ");
	memset(reply + hdr, 'a', sizeof(reply) - (size_t)hdr);
	memcpy(reply + sizeof(reply) - 22, "\r\nContent-Length:\r\n\r\n", 22);
	http_reply_init(&r, 0);
	assert_int_equal(feed(&r, reply, sizeof(reply), 0, 1), -1);
	http_reply_free(&r);
}

static void test_not_http_is_named_as_such(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 0);
	assert_int_equal(FEED(&r, "SSH-2.0-OpenSSH_9.2\r\n", 0, 0), -1);
	assert_non_null(r.err);
	print_message("  %s\n", r.err);
	http_reply_free(&r);
}

static void test_close_before_anything_or_mid_body_says_which(void **state)
{
	struct http_reply r;

	(void)state;
	http_reply_init(&r, 0);
	assert_int_equal(http_reply_feed(&r, NULL, 0), -1);
	assert_string_equal(r.err, "connection closed before a response");
	http_reply_free(&r);

	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 0, 1), -1);
	assert_string_equal(r.err, "connection closed before the whole body");
	http_reply_free(&r);
}

static void test_headers_without_end_stop_at_64_kib(void **state)
{
	size_t len = HTTP_REPLY_MAX + 4096;
	char *reply = malloc(len);
	struct http_reply r;
	int hdr, rc;

	(void)state;
	assert_non_null(reply);
	hdr = snprintf(reply, len, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(reply + hdr, 'x', len - (size_t)hdr);
	http_reply_init(&r, 0);
	rc = feed(&r, reply, len, 1000, 0);
	assert_int_equal(rc, -1);
	assert_true(r.seen <= HTTP_REPLY_MAX);
	free(reply);
	http_reply_free(&r);
}

static void test_long_body_is_judged_on_its_first_64_kib(void **state)
{
	size_t blen = 2 * HTTP_REPLY_MAX;
	char head[64], *body = malloc(blen);
	struct http_reply r;

	(void)state;
	assert_non_null(body);
	memset(body, 'b', blen);
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", blen);
	http_reply_init(&r, 1);
	assert_int_equal(FEED(&r, head, 0, 0), 0);
	assert_int_equal(feed(&r, body, blen, 4096, 0), 1);
	assert_true(r.body_len <= HTTP_REPLY_MAX);
	free(body);
	http_reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_alone_is_judged_at_the_end_of_the_headers),
		cmocka_unit_test(test_body_is_read_by_content_length_even_a_byte_at_a_time),
		cmocka_unit_test(test_chunked_body_is_reassembled),
		cmocka_unit_test(test_body_up_to_the_close_keeps_header_like_text_as_body),
		cmocka_unit_test(test_empty_content_length_is_a_bad_reply_not_a_read_past_it),
		cmocka_unit_test(test_reply_filling_a_buffer_exactly_is_read_within_it),
		cmocka_unit_test(test_not_http_is_named_as_such),
		cmocka_unit_test(test_close_before_anything_or_mid_body_says_which),
		cmocka_unit_test(test_headers_without_end_stop_at_64_kib),
		cmocka_unit_test(test_long_body_is_judged_on_its_first_64_kib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
