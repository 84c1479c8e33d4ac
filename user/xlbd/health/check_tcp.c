// SPDX-License-Identifier: GPL-2.0
/*
 * tcp: the connection is accepted within the timeout.
 */
#include <errno.h>
#include <event2/bufferevent.h>

#include "check.h"

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct check *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		check_finish(c, CHECK_OK, "connected");
	else
		check_finish(c, check_errno_reason(EVUTIL_SOCKET_ERROR()), "%s",
			     check_errno_text(EVUTIL_SOCKET_ERROR()));
}

int check_tcp_start(struct check *c)
{
	struct sockaddr_storage ss;
	socklen_t len = check_sockaddr(c, &ss);

	c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev)
		return -ENOMEM;
	bufferevent_setcb(c->bev, NULL, NULL, on_event, c);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)len))
		return -(EVUTIL_SOCKET_ERROR() ? EVUTIL_SOCKET_ERROR() : ECONNREFUSED);
	return 0;
}
