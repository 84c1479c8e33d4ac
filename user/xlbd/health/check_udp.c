// SPDX-License-Identifier: GPL-2.0
/*
 * udp: send the payload, expect a reply that contains `expect` (any reply if
 * none is set). The socket is connected, so an ICMP port unreachable comes
 * back as ECONNREFUSED on receive: a failure, not a timeout.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;
	char buf[2048];
	ssize_t n;

	(void)what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ECONNREFUSED)
			check_finish(c, CHECK_PORT_UNREACHABLE, "ICMP unreachable");
		else
			check_finish(c, check_errno_reason(errno), "%s", check_errno_text(errno));
		return;
	}
	if (!check_udp_reply_ok(c->k->expect, buf, (size_t)n)) {
		check_finish(c, CHECK_REPLY_MISMATCH, "reply mismatch (no \"%.40s\")",
			     c->k->expect);
		return;
	}
	check_finish(c, CHECK_OK, "reply of %zd bytes", n);
}

int check_udp_start(struct check *c)
{
	struct sockaddr_storage ss;
	socklen_t len = check_sockaddr(c, &ss);
	const char *p = c->k->send ? c->k->send : "";

	c->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&ss, len) || send(c->fd, p, strlen(p), 0) < 0)
		return -errno;
	c->ev = event_new(c->base, c->fd, EV_READ | EV_PERSIST, on_reply, c);
	if (!c->ev)
		return -ENOMEM;
	event_add(c->ev, NULL);
	return 0;
}
