// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket server, after relayd's control.c: accept, read a line,
 * parse it with api.c, hand it to the daemon, write the reply.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control.h"
#include "instance.h"
#include "log.h"

#define CONTROL_IDLE_SEC    30	      /* a client silent this long is dropped */
#define CONTROL_MAX_CLIENTS 64	      /* served at once; more are told to wait */
#define CONTROL_OUT_HIGH    (1 << 20) /* unsent reply bytes: stop reading the client */
#define CONTROL_RETRY_SEC   1	      /* out of descriptors: accept again after this */

struct control {
	struct evconnlistener *lev;
	struct event *retry; /* re-enables the listener after EMFILE */
	char path[108];
	control_handler handler;
	void *ctx;
	unsigned nclients;
	int busy_logged; /* the cap was met: said once until it is not */
	/* clients that asked for a stream of events (monitor), and who to tell */
	struct bufferevent *subs[CONTROL_MAX_CLIENTS];
	unsigned nsubs;
	control_subs_fn subs_cb;
	void *subs_ctx;
	uint64_t sub_dropped; /* lines not sent to subscribers that read too slowly */
};

static void reply(struct bufferevent *bev, json_object *r)
{
	const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);

	bufferevent_write(bev, s, strlen(s));
	bufferevent_write(bev, "\n", 1);
	json_object_put(r);
}

/* Write what bev holds now, waiting at most a second for the client to take it. */
static void flush_now(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	struct pollfd p = { .fd = bufferevent_getfd(bev), .events = POLLOUT };

	/* (a bufferevent keeps the start of its output to itself: lent for this) */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) && poll(&p, 1, 1000) == 1)
		if (evbuffer_write(out, p.fd) < 0 && errno != EAGAIN && errno != EINTR)
			break;
	evbuffer_freeze(out, 1);
}

static void handle_line(struct control *c, struct bufferevent *bev, const char *line, size_t len)
{
	struct api_req req;
	const char *code;
	char msg[512];
	json_object *r;
	int ok;

	if (api_parse_request(line, len, &req, &code, msg, sizeof(msg))) {
		reply(bev, api_error(code, "%s", msg));
		return;
	}
	r = c->handler(c->ctx, &req);
	ok = !json_object_object_get_ex(r, "error", NULL);
	reply(bev, r);
	/* the daemon ends right after a detach: its reply leaves now */
	if (req.cmd == API_DETACH)
		flush_now(bev);
	/* a monitor stays: events follow its reply, a line each, until it goes */
	if (ok && req.cmd == API_MONITOR && c->nsubs < CONTROL_MAX_CLIENTS) {
		unsigned i;

		for (i = 0; i < c->nsubs && c->subs[i] != bev; i++)
			;
		if (i == c->nsubs) {
			c->subs[c->nsubs++] = bev;
			bufferevent_set_timeouts(bev, NULL, NULL);
			if (c->subs_cb)
				c->subs_cb(c->subs_ctx, c->nsubs, &req);
		}
	}
	api_req_free(&req);
}

/* Every client ends here, whatever way it goes. */
static void client_free(struct control *c, struct bufferevent *bev)
{
	unsigned i;

	for (i = 0; i < c->nsubs; i++)
		if (c->subs[i] == bev) {
			c->subs[i] = c->subs[--c->nsubs];
			if (c->subs_cb)
				c->subs_cb(c->subs_ctx, c->nsubs, NULL);
			break;
		}
	bufferevent_free(bev);
	c->nclients--;
	if (c->nclients < CONTROL_MAX_CLIENTS)
		c->busy_logged = 0;
}

/* A client being closed: its reply has left, or it went away meanwhile. */
static void on_closing_written(struct bufferevent *bev, void *arg)
{
	client_free(arg, bev);
}

static void on_closing_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	client_free(arg, bev);
}

/* Close once the reply has left, or at once if the client is gone. */
static void close_after_write(struct control *c, struct bufferevent *bev)
{
	bufferevent_disable(bev, EV_READ);
	if (!evbuffer_get_length(bufferevent_get_output(bev)))
		client_free(c, bev);
	else
		bufferevent_setcb(bev, NULL, on_closing_written, on_closing_event, c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev), *out = bufferevent_get_output(bev);
	size_t n;
	char *line;

	/* a client that does not read its replies is not read either */
	while (evbuffer_get_length(out) < CONTROL_OUT_HIGH &&
	       (line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
		if (n)
			handle_line(c, bev, line, n);
		free(line);
	}
	if (evbuffer_get_length(out) >= CONTROL_OUT_HIGH) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (evbuffer_get_length(in) > API_MAX_REQUEST) {
		reply(bev,
		      api_error(API_E_TOO_LARGE, "request longer than %d bytes", API_MAX_REQUEST));
		close_after_write(c, bev);
	}
}

/* Replies went out down to the low mark: read what waits. */
static void on_written(struct bufferevent *bev, void *arg)
{
	if (bufferevent_get_enabled(bev) & EV_READ)
		return;
	bufferevent_enable(bev, EV_READ);
	on_read(bev, arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	if (what & BEV_EVENT_EOF && n && n <= API_MAX_REQUEST) {
		/* a last request without its newline */
		char *buf = malloc(n);

		if (buf) {
			evbuffer_remove(in, buf, n);
			handle_line(c, bev, buf, n);
			free(buf);
		}
		close_after_write(c, bev);
		return;
	}
	client_free(c, bev);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	static const char busy[] = "{\"error\":{\"code\":\"busy\",\"message\":\"too many control "
				   "clients at once; try again\"}}\n";
	struct event_base *base = evconnlistener_get_base(l);
	struct timeval idle = { CONTROL_IDLE_SEC, 0 };
	struct control *c = arg;
	struct bufferevent *bev;

	(void)sa;
	(void)salen;
	if (c->nclients >= CONTROL_MAX_CLIENTS) {
		if (!c->busy_logged++)
			log_warnx("control socket: %d clients at once; turning more away",
				  CONTROL_MAX_CLIENTS);
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("control socket: telling a client to wait: %s", strerror(errno));
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		close(fd);
		return;
	}
	c->nclients++;
	bufferevent_setcb(bev, on_read, on_written, on_event, c);
	bufferevent_setwatermark(bev, EV_WRITE, CONTROL_OUT_HIGH / 2, 0);
	bufferevent_set_timeouts(bev, &idle, &idle);
	bufferevent_enable(bev, EV_READ);
}

void control_on_subscribers(struct control *c, control_subs_fn fn, void *ctx)
{
	c->subs_cb = fn;
	c->subs_ctx = ctx;
}

unsigned control_publish(struct control *c, const char *line)
{
	size_t len = strlen(line);
	unsigned i, sent = 0;

	for (i = 0; i < c->nsubs; i++) {
		struct evbuffer *out = bufferevent_get_output(c->subs[i]);

		/* a monitor that does not read loses lines, never the daemon's memory */
		if (evbuffer_get_length(out) >= CONTROL_OUT_HIGH) {
			c->sub_dropped++;
			continue;
		}
		bufferevent_write(c->subs[i], line, len);
		bufferevent_write(c->subs[i], "\n", 1);
		sent++;
	}
	return sent;
}

uint64_t control_dropped(const struct control *c)
{
	return c->sub_dropped;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	(void)fd;
	(void)what;
	if (c->lev)
		evconnlistener_enable(c->lev);
}

void listener_backoff(struct evconnlistener *l, struct event *retry, const char *what)
{
	struct timeval t = { CONTROL_RETRY_SEC, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_warnx("%s: accept: %s", what, strerror(err));
		return;
	}
	if (!evtimer_pending(retry, NULL))
		log_warnx("%s: accept: %s: not accepting for %d s", what, strerror(err),
			  CONTROL_RETRY_SEC);
	evconnlistener_disable(l);
	evtimer_add(retry, &t);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *c = arg;

	listener_backoff(l, c->retry, "control socket");
}

void control_stop_listening(struct control *c)
{
	if (!c || !c->lev)
		return;
	evconnlistener_free(c->lev);
	c->lev = NULL;
	event_del(c->retry);
	unlink(c->path);
}

/* Is a daemon answering on path? Then it is not ours to remove. */
static int socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), used;

	if (fd < 0)
		return 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	used = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return used;
}

int control_open(struct control **cp, struct event_base *base, const char *path, int mode,
		 control_handler h, void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	char dir[108], *slash;
	const char *why;
	mode_t old;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (socket_in_use(path))
		return -EADDRINUSE;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* nobody else may swap the socket for one of theirs */
		err = instance_check_dir(dir, 1, &why);
		if (err) {
			log_warnx("control socket directory %s %s: refused", dir, why);
			return err;
		}
	}
	unlink(path);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->handler = h;
	c->ctx = ctx;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		goto err_free;
	}
	/* no window where the socket exists with looser permissions */
	old = umask(0777 & ~(mode_t)mode);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (err)
		goto err_close;
	c->retry = evtimer_new(base, on_retry, c);
	c->lev = evconnlistener_new(base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (!c->lev || !c->retry) {
		err = -errno ? -errno : -EIO;
		if (c->lev) {
			evconnlistener_free(c->lev);
			fd = -1; /* closed with the listener */
		}
		goto err_unlink;
	}
	evconnlistener_set_error_cb(c->lev, on_accept_error);
	*cp = c;
	return 0;

err_unlink:
	unlink(path);
err_close:
	if (fd >= 0)
		close(fd);
err_free:
	if (c->retry)
		event_free(c->retry);
	free(c);
	return err;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	/* (after control_stop_listening the name may be another xlbd's by now) */
	control_stop_listening(c);
	/* monitors are told they go: the last one leaving turns sampling off */
	while (c->nsubs)
		client_free(c, c->subs[0]);
	event_free(c->retry);
	free(c);
}
