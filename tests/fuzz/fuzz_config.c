// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a configuration file, as an operator (or a broken
 * generator) may write it. cfg_load() must load it or list what is wrong,
 * bounded in time and memory, and leak nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct cfg *cfg = NULL;
	char path[64];
	int fd;

	if (!sink)
		sink = fopen("/dev/null", "w");
	fd = memfd_create("xlb.yaml", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!cfg_load(path, &cfg, sink))
			cfg_free(cfg);
	}
	close(fd);
	return 0;
}
