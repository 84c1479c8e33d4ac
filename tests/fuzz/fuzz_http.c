// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: an HTTP check's reply, as any backend may send it. The
 * first byte chooses how the reply arrives (piece size, body searched or
 * not, closed at the end or not); each piece is copied into a buffer of its
 * own size, so a read past what arrived is caught.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_reply r;
	size_t step, off = 0;
	int rc = 0;

	if (!size)
		return 0;
	step = (data[0] & 0x3f) + 1;
	http_reply_init(&r, data[0] & 0x40);
	for (off = 1; off < size && !rc; off += step) {
		size_t n = size - off < step ? size - off : step;
		char *piece = malloc(n);

		if (!piece)
			break;
		memcpy(piece, data + off, n);
		rc = http_reply_feed(&r, piece, n);
		free(piece);
	}
	if (!rc && (data[0] & 0x80))
		http_reply_feed(&r, NULL, 0);
	http_reply_free(&r);
	return 0;
}
