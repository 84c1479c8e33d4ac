// SPDX-License-Identifier: GPL-2.0
/*
 * The instance locks and the ownership rule for xlb's directories: see
 * instance.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "netns.h"

int instance_check_dir(const char *dir, int create, const char **why)
{
	struct stat st;

	*why = NULL;
	if (lstat(dir, &st)) {
		if (errno != ENOENT || !create) {
			*why = "cannot be read";
			return -errno;
		}
		if (mkdir(dir, 0700) && errno != EEXIST) {
			*why = "cannot be created";
			return -errno;
		}
		if (lstat(dir, &st)) {
			*why = "cannot be read";
			return -errno;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		*why = "is a symbolic link";
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = "is not a directory";
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		*why = "belongs to another user";
		return -EPERM;
	}
	if (st.st_mode & 022) {
		*why = "can be written by other users (chmod 700)";
		return -EPERM;
	}
	return 0;
}

/* DIR/KIND-WHAT.SUFFIX, WHAT escaped into one name. */
static int escaped_path(char *buf, size_t len, const char *dir, const char *kind, const char *what,
			const char *suffix)
{
	size_t n = (size_t)snprintf(buf, len, "%s/%s-", dir, kind);
	const char *p;

	for (p = what; *p == '/'; p++)
		;
	for (; *p && n + 5 < len; p++) {
		if (*p == '/')
			buf[n++] = '-';
		else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')
			buf[n++] = *p;
		else
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", (unsigned char)*p);
	}
	if (*p || n + strlen(suffix) + 1 > len)
		return -ENAMETOOLONG;
	memcpy(buf + n, suffix, strlen(suffix) + 1);
	return 0;
}

int instance_path(char *buf, size_t len, const char *kind, const char *what, const char *suffix)
{
	return escaped_path(buf, len, XLB_RUN_DIR, kind, what, suffix);
}

int instance_log_path(char *buf, size_t len, const char *pin_path)
{
	return escaped_path(buf, len, XLB_LOG_DIR, "xlbd", pin_path, ".log");
}

static void holder_read(int fd, struct instance_holder *who)
{
	char buf[1024], *line, *save = NULL;
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(who, 0, sizeof(*who));
	if (r <= 0)
		return;
	buf[r] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pid ", 4))
			who->pid = atoi(line + 4);
		else if (!strncmp(line, "socket ", 7))
			snprintf(who->socket, sizeof(who->socket), "%s", line + 7);
		else if (!strncmp(line, "interface ", 10))
			snprintf(who->ifname, sizeof(who->ifname), "%s", line + 10);
		else if (!strncmp(line, "pin_path ", 9))
			snprintf(who->pin_path, sizeof(who->pin_path), "%s", line + 9);
	}
}

/* what our lock files say of us */
static struct instance_holder self;

static void holder_write(int fd)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "pid %d\nsocket %s\ninterface %s\npin_path %s\n", getpid(),
		     self.socket, self.ifname, self.pin_path);
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		return; /* the lock holds all the same; only the note is lost */
}

/* Open and lock one file: its fd, or -EBUSY (who filled in), or -errno. */
static int lock_one(const char *path, struct instance_holder *who)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), err;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY && who)
			holder_read(fd, who);
		close(fd);
		return err;
	}
	holder_write(fd);
	return fd;
}

int instance_lock(struct instance *in, const char *pin_path, int ifindex, const char *ifname,
		  const char *socket, struct instance_holder *who)
{
	char path[512], name[64];
	const char *why;
	int err;

	in->pin_fd = in->if_fd = -1;
	err = instance_check_dir(XLB_RUN_DIR, 1, &why);
	if (err)
		return err;
	snprintf(self.socket, sizeof(self.socket), "%s", socket ? socket : "");
	snprintf(self.ifname, sizeof(self.ifname), "%s", ifname ? ifname : "");
	snprintf(self.pin_path, sizeof(self.pin_path), "%s", pin_path);

	err = instance_path(path, sizeof(path), "pin", pin_path, ".lock");
	if (err)
		return err;
	in->pin_fd = lock_one(path, who);
	if (in->pin_fd < 0)
		return in->pin_fd;
	if (!ifindex)
		return 0;

	/* interface indexes are per network namespace */
	snprintf(name, sizeof(name), "%lu-%d", netns_inode(), ifindex);
	err = instance_path(path, sizeof(path), "if", name, ".lock");
	if (!err) {
		in->if_fd = lock_one(path, who);
		err = in->if_fd < 0 ? in->if_fd : 0;
	}
	if (err) {
		close(in->pin_fd);
		in->pin_fd = in->if_fd = -1;
	}
	return err;
}

void instance_update_pid(struct instance *in)
{
	if (in->pin_fd >= 0)
		holder_write(in->pin_fd);
	if (in->if_fd >= 0)
		holder_write(in->if_fd);
}

void instance_unlock(struct instance *in)
{
	if (in->pin_fd >= 0)
		close(in->pin_fd);
	if (in->if_fd >= 0)
		close(in->if_fd);
	in->pin_fd = in->if_fd = -1;
}
