/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One xlbd per pin path and per interface. Before xlbd opens a pin, writes a
 * map or attaches a program it takes two exclusive locks (flock) on files
 * under XLB_RUN_DIR: one named after the pin path, one after the interface
 * (its network namespace and index). Each file says who holds it, so a
 * second instance can name the running one. The kernel drops a lock when its
 * holder dies, whatever the way: a kill -9 leaves no stale lock.
 *
 * Directories xlb keeps state in (the run directory, the pin directory, the
 * control socket's) must be ours, real directories and writable by nobody
 * else: /sys/fs/bpf is often mode 1777, and a directory planted there by
 * another user could hold links to maps that are not ours.
 */
#ifndef XLB_INSTANCE_H
#define XLB_INSTANCE_H

#include <stddef.h>

#ifndef XLB_RUN_DIR
#define XLB_RUN_DIR "/run/xlb"
#endif
#ifndef XLB_LOG_DIR
#define XLB_LOG_DIR "/var/log/xlb"
#endif

struct instance {
	int pin_fd; /* the pin path's lock file, locked */
	int if_fd;  /* the interface's, locked; -1 when none was taken */
};

/* What a lock file says of its holder. */
struct instance_holder {
	int pid;
	char socket[108];
	char ifname[16];
	char pin_path[256];
};

/*
 * Take both locks, or neither. -EBUSY when another process holds one: *who
 * then says which (its pid, socket, interface). ifindex 0: the pin path only.
 */
int instance_lock(struct instance *in, const char *pin_path, int ifindex, const char *ifname,
		  const char *socket, struct instance_holder *who);
/* Write our pid again (after daemon() forked). */
void instance_update_pid(struct instance *in);
void instance_unlock(struct instance *in);

/*
 * A file of the instance under XLB_RUN_DIR: KIND-WHAT.SUFFIX, WHAT (a pin
 * path, say) escaped into one name: "pin", "/sys/fs/bpf/xlb", ".lock" gives
 * /run/xlb/pin-sys-fs-bpf-xlb.lock. 0 or -ENAMETOOLONG.
 */
int instance_path(char *buf, size_t len, const char *kind, const char *what, const char *suffix);
/*
 * Where a daemonized xlbd that found no syslog writes its lines when it was
 * started from a terminal: XLB_LOG_DIR/xlbd-PIN_PATH.log (escaped as above).
 */
int instance_log_path(char *buf, size_t len, const char *pin_path);

/*
 * Is dir a directory of ours that nobody else can write? Create it (mode
 * 0700) when absent and create is set. 0, or -errno with *why saying what is
 * wrong with it.
 */
int instance_check_dir(const char *dir, int create, const char **why);

#endif /* XLB_INSTANCE_H */
