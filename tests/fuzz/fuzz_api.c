// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: one control-socket request line, as any local client
 * may send it. The parser must answer every input with a request or an
 * error code and message, and leak nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_req r;
	const char *code = NULL;
	char msg[512];

	if (!api_parse_request((const char *)data, size, &r, &code, msg, sizeof(msg)))
		api_req_free(&r);
	return 0;
}
