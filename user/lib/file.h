/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small state files written whole: a temporary beside the file, fsync,
 * rename. A crash or a full disk leaves the old file or the new one, never
 * half of one and never none.
 */
#ifndef XLB_FILE_H
#define XLB_FILE_H

#include <stddef.h>

/* Write len bytes of data to path (mode 0600) whole. 0 or -errno. */
int file_write_whole(const char *path, const void *data, size_t len);

#endif /* XLB_FILE_H */
