// SPDX-License-Identifier: GPL-2.0
/*
 * What every kind of check shares: start, timeout, finish, cancel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/bufferevent.h>

#include "check.h"
#include "names.h"
#include "http_reply.h"

/*
 * A TCP check's connection is closed with a reset, as HAProxy closes its
 * checks: no FIN exchange, and no TIME_WAIT socket left on this host for
 * every check (a thousand backends checked every second would keep sixty
 * thousand of them, and their ports).
 */
static void check_reset_close(struct bufferevent *bev)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	bufferevent_free(bev);
}

/* A killed command not dead yet (in D state, say): reaped when it is. */
struct reap {
	struct event *ev;
	pid_t pid;
	int fd; /* its pidfd */
};

static void on_reapable(evutil_socket_t fd, short what, void *arg)
{
	struct reap *r = arg;

	(void)fd;
	(void)what;
	if (waitpid(r->pid, NULL, WNOHANG) == 0)
		return;
	event_free(r->ev);
	close(r->fd);
	free(r);
}

/*
 * Kill the command's whole process group and reap it, without waiting: a
 * process that does not die at once must not stall the event loop.
 */
static void check_kill(struct check *c)
{
	struct reap *r;

	kill(-c->pid, SIGKILL);
	if (waitpid(c->pid, NULL, WNOHANG) != 0 || c->fd < 0)
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return; /* a zombie until xlbd exits: better than a stall */
	r->pid = c->pid;
	r->fd = c->fd;
	r->ev = event_new(c->base, r->fd, EV_READ | EV_PERSIST, on_reapable, r);
	if (!r->ev) {
		free(r);
		return;
	}
	c->fd = -1; /* the reaper's now */
	event_add(r->ev, NULL);
}

static void check_free(struct check *c)
{
	if (c->timeout)
		event_free(c->timeout);
	if (c->ev)
		event_free(c->ev);
	if (c->bev)
		check_reset_close(c->bev);
	if (c->pid > 0)
		check_kill(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->http) {
		http_reply_free(c->http);
		free(c->http);
	}
	free(c);
}

void check_finish(struct check *c, enum check_reason reason, const char *fmt, ...)
{
	struct timespec t1;
	char detail[160];
	double ms;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - c->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e6;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	c->done(c->arg, reason, detail, ms);
	check_free(c);
}

void check_cancel(struct check *c)
{
	if (c)
		check_free(c);
}

enum check_reason check_errno_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return CHECK_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return CHECK_RESET;
	case ETIMEDOUT:
		return CHECK_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return CHECK_UNREACHABLE;
	default:
		return CHECK_SOCKET_ERROR;
	}
}

const char *check_errno_text(int err)
{
	enum check_reason r = check_errno_reason(err);

	return r == CHECK_SOCKET_ERROR ? strerror(err) : names_str(&names_check_reason, (int)r);
}

socklen_t check_sockaddr(const struct check *c, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (c->addr.family == XLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)c->k->port);
		memcpy(&s6->sin6_addr, c->addr.a, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)c->k->port);
	memcpy(&s4->sin_addr, c->addr.a, 4);
	return sizeof(*s4);
}

int check_status_ok(const struct cfg_check *k, int st)
{
	unsigned i;

	for (i = 0; i < k->nstatus; i++)
		if (st >= k->status[i].lo && st <= k->status[i].hi)
			return 1;
	return 0;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;

	(void)fd;
	(void)what;
	if (c->k->type == CFG_CHECK_EXEC)
		check_finish(c, CHECK_TIMEOUT, "killed at timeout (%llums)",
			     (unsigned long long)c->k->timeout_ms);
	else
		check_finish(c, CHECK_TIMEOUT, "timeout (%llums)",
			     (unsigned long long)c->k->timeout_ms);
}

int check_start(struct event_base *base, SSL_CTX *ssl, const struct cfg_check *k,
		const struct xlb_addr *addr, const char *vip, check_done_fn done, void *arg,
		struct check **out)
{
	struct timeval tv = { (time_t)(k->timeout_ms / 1000),
			      (suseconds_t)(k->timeout_ms % 1000) * 1000 };
	struct check *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->base = base;
	c->k = k;
	c->addr = *addr;
	c->vip = vip;
	c->done = done;
	c->arg = arg;
	c->fd = -1;
	c->ssl_ctx = ssl;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->timeout = evtimer_new(base, on_timeout, c);
	if (!c->timeout) {
		free(c);
		return -ENOMEM;
	}
	evtimer_add(c->timeout, &tv);
	*out = c;

	switch (k->type) {
	case CFG_CHECK_TCP:
		err = check_tcp_start(c);
		break;
	case CFG_CHECK_HTTP:
	case CFG_CHECK_HTTPS:
		err = check_http_start(c);
		break;
	case CFG_CHECK_UDP:
		err = check_udp_start(c);
		break;
	case CFG_CHECK_EXEC:
		err = check_exec_start(c);
		break;
	default:
		err = -EINVAL;
	}
	if (err == -EMFILE || err == -ENFILE || err == -ENOMEM || err == -ENOBUFS ||
	    (err == -EAGAIN && k->type == CFG_CHECK_EXEC)) {
		/* our own shortage, not the backend's failure: no result at all */
		check_free(c);
		*out = NULL;
		return err;
	}
	if (err) {
		/* a check that cannot even start is a failed check, reported now */
		check_finish(c, CHECK_CANNOT_START, "cannot start: %s", check_errno_text(-err));
		*out = NULL;
	}
	return 0;
}
