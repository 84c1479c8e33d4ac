// SPDX-License-Identifier: GPL-2.0
/*
 * exec: run the command with XLB_BACKEND, XLB_PORT and XLB_VIP in its
 * environment; exit status 0 is success. Its exit is watched through a pidfd
 * on the event loop (no SIGCHLD handler); at the timeout its whole process
 * group is killed (check.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void on_exit_ready(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;
	int status;
	pid_t pid = c->pid;

	(void)fd;
	(void)what;
	if (waitpid(pid, &status, WNOHANG) != pid)
		return;
	c->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		check_finish(c, CHECK_OK, "exit status 0");
	else if (WIFEXITED(status))
		check_finish(c, CHECK_EXIT_STATUS, "exit status %d", WEXITSTATUS(status));
	else
		check_finish(c, CHECK_KILLED, "killed by signal %d", WTERMSIG(status));
}

int check_exec_start(struct check *c)
{
	char addr[64], port[8];
	pid_t pid;

	cfg_addr_str(&c->addr, addr, sizeof(addr));
	snprintf(port, sizeof(port), "%u", c->k->port);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int devnull = open("/dev/null", O_RDWR), sig;
		sigset_t none;

		setpgid(0, 0);
		/* stdio on /dev/null first, then none of the daemon's other descriptors */
		if (devnull < 0)
			_exit(126);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		syscall(SYS_close_range, 3U, ~0U, 0U);
		/* the command starts as from a shell: no signal ignored or blocked */
		for (sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("XLB_BACKEND", addr, 1);
		setenv("XLB_PORT", port, 1);
		setenv("XLB_VIP", c->vip, 1);
		execl(c->k->command, c->k->command, (char *)NULL);
		_exit(127);
	}
	/* in the parent too: the group exists before anybody signals it */
	setpgid(pid, pid);
	c->pid = pid;
	c->fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->fd < 0)
		return -errno;
	c->ev = event_new(c->base, c->fd, EV_READ, on_exit_ready, c);
	if (!c->ev)
		return -ENOMEM;
	event_add(c->ev, NULL);
	return 0;
}
