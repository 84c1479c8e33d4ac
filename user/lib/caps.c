// SPDX-License-Identifier: GPL-2.0
/* The capabilities xlb's programs need: see caps.h. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "caps.h"
#include "log.h"

int caps_check(void)
{
	static const struct {
		int cap;
		const char *name, *why;
	} need[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "attaching XDP programs, netlink" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "BPF maps and programs, and finding them by id" },
	};
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];
	unsigned i, missing = 0;

	memset(c, 0, sizeof(c));
	if (syscall(SYS_capget, &h, c))
		return 0; /* cannot tell: the kernel will say */
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (c[need[i].cap / 32].effective & (1U << (need[i].cap % 32)))
			continue;
		log_warnx("missing capability %s (%s)", need[i].name, need[i].why);
		missing++;
	}
	return missing ? -EPERM : 0;
}
