// SPDX-License-Identifier: GPL-2.0
/*
 * Which network namespace this is (see netns.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "netns.h"

unsigned long netns_inode(void)
{
	struct stat ns;

	return stat("/proc/self/ns/net", &ns) ? 0 : (unsigned long)ns.st_ino;
}

int netns_name(char *buf, size_t len)
{
	struct stat self, st;
	struct dirent *de;
	char path[300];
	int err = -ENOENT;
	DIR *d;

	if (stat("/proc/self/ns/net", &self) || !(d = opendir("/run/netns")))
		return -ENOENT;
	while (err && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/run/netns/%.250s", de->d_name);
		if (de->d_name[0] != '.' && !stat(path, &st) && st.st_ino == self.st_ino &&
		    st.st_dev == self.st_dev) {
			snprintf(buf, len, "%s", de->d_name);
			err = 0;
		}
	}
	closedir(d);
	return err;
}
