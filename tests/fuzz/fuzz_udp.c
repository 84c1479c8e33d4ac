// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the UDP check's reply matcher, given what any backend
 * may answer. The first byte is the length of `expect` (taken as a C string
 * from the bytes after it), the rest is the reply, in a buffer of exactly
 * its size. The verdict is checked against a plain search.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int naive(const char *e, const uint8_t *b, size_t n)
{
	size_t el = strlen(e), i;

	if (!el)
		return 1;
	for (i = 0; i + el <= n; i++)
		if (!memcmp(b + i, e, el))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k, n;
	char *expect;
	uint8_t *reply;

	if (size < 1)
		return 0;
	k = data[0] % 64;
	if (k > size - 1)
		k = size - 1;
	expect = calloc(1, k + 1);
	n = size - 1 - k;
	reply = malloc(n ? n : 1);
	if (expect && reply) {
		memcpy(expect, data + 1, k);
		memcpy(reply, data + 1 + k, n);
		if (!!check_udp_reply_ok(expect, reply, n) != naive(expect, reply, n))
			abort();
		if (!check_udp_reply_ok(NULL, reply, n))
			abort();
	}
	free(expect);
	free(reply);
	return 0;
}
