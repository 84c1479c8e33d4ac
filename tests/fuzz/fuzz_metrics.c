// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a request to the metrics endpoint, parsed by evhttp with
 * the limits xlbd sets (metrics_http_limits). Each input is sent whole over
 * a loopback TCP connection to an evhttp server on a loop of its own, the
 * writing side closed; the loop runs until the server has answered and
 * closed, or at most a second. A crash, a sanitizer report or a leak is a
 * finding; the limits (8 KiB of headers, no body) are what keep a large
 * input from being buffered. (libevent is Debian's, not built for coverage:
 * the search is guided by the dictionary and the seeds, not by its branches.)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;
static struct evhttp *http;
static uint16_t port;

static void on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	(void)arg;
	/* what the endpoint reads of a request: its method and its path */
	evbuffer_add_printf(out, "%d %s\n", (int)evhttp_request_get_command(req),
			    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) ?: "");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static int setup(void)
{
	struct evhttp_bound_socket *s;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	base = event_base_new();
	http = base ? evhttp_new(base) : NULL;
	if (!http)
		return -1;
	metrics_http_limits(http);
	evhttp_set_gencb(http, on_request, NULL);
	s = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (!s || getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sa, &len))
		return -1;
	port = ntohs(sa.sin_port);
	return 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	char buf[65536];

	(void)what;
	/* the server closed once what it read is answered (or refused) */
	if (read(fd, buf, sizeof(buf)) <= 0)
		event_base_loopbreak(arg);
}

static void on_limit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/*
 * A connection to the endpoint, from the next of 65,536 loopback sources:
 * the server closes first, so each connection leaves a TIME_WAIT for 60 s,
 * and tens of thousands of inputs from one source would run its ports out
 * (EADDRNOTAVAIL). A refusal meanwhile (the accept queue full) is tried
 * again.
 */
static int connect_endpoint(void)
{
	static unsigned next;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };
	struct sockaddr_in from = { .sin_family = AF_INET };
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		from.sin_addr.s_addr = htonl(0x7f010000u | (next++ & 0xffff)); /* 127.1.x.y */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			break;
		if (!bind(fd, (struct sockaddr *)&from, sizeof(from)) &&
		    !connect(fd, (struct sockaddr *)&to, sizeof(to)))
			return fd;
		close(fd);
		event_base_loop(base, EVLOOP_NONBLOCK); /* the server takes what waits */
		usleep(10000);
	}
	fprintf(stderr, "fuzz_metrics: connecting to the endpoint: %s\n", strerror(errno));
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeval limit = { 1, 0 };
	struct event *ev, *timer;
	size_t off = 0;
	ssize_t n;
	int fd;

	if (!base && setup())
		abort();
	fd = connect_endpoint();
	evutil_make_socket_nonblocking(fd);
	ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, base);
	timer = evtimer_new(base, on_limit, base);
	event_add(ev, NULL);
	/* the input in pieces, with the loop turning between them, then the end of it */
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n < 0 && errno != EAGAIN)
			break;
		if (n > 0)
			off += (size_t)n;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	shutdown(fd, SHUT_WR);
	/* until the server has answered and closed, or a second */
	evtimer_add(timer, &limit);
	event_base_dispatch(base);
	event_free(timer);
	event_free(ev);
	close(fd);
	/* what evhttp still holds of this connection goes on the next turns */
	event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}
