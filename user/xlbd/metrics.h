/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus endpoint: GET /metrics on metrics_listen, served by
 * libevent's HTTP server on xlbd's loop. A scrape reads the per-CPU maps
 * and sums them here: the data plane pays nothing for being watched.
 */
#ifndef XLB_METRICS_H
#define XLB_METRICS_H

#include <time.h>
#include <event2/buffer.h>

struct dp;
struct dp_sweep;
struct event_base;
struct evhttp;
struct health;
struct lb;
struct metrics;
struct monitor;

/* What a scrape reads: the daemon's parts, lent to the endpoint for its life. */
struct metrics_src {
	struct event_base *base;
	const char *listen; /* metrics_listen: ADDRESS:PORT, [IPV6]:PORT */
	struct dp *dp;
	struct lb *lb;
	struct health *health;	  /* NULL: no checks */
	struct monitor *mon;	  /* NULL: no monitor */
	const char *prog_version; /* the build that loaded the attached program */
	const time_t *started;
	const struct dp_sweep *sweep; /* the flow table's last count */
	const time_t *sweep_at;	      /* when it ended (0: none yet) */
};

/*
 * The endpoint shares xlbd's loop with the health checks: no client may hold
 * it, its memory or its descriptors. A request line and headers of at most
 * METRICS_MAX_HEADERS, no body; a request arrives whole within
 * METRICS_DEADLINE_S of the connection or of the last reply, else the
 * connection is closed (evhttp's own timeout restarts at every byte, so one
 * byte every few seconds would hold it forever); at most METRICS_MAX_CONNS
 * connections, the rest wait in the listen backlog; out of descriptors, no
 * accepting for a second (listener_backoff).
 */
#define METRICS_MAX_HEADERS 8192
#define METRICS_MAX_BODY    0
#define METRICS_DEADLINE_S  10
#define METRICS_MAX_CONNS   16

/* evhttp's own limits as the endpoint sets them (metrics_http.c; its fuzz target's too). */
void metrics_http_limits(struct evhttp *http);

/* Listen on src->listen. 0, or -errno (the address is in use, say). */
int metrics_open(struct metrics **mp, const struct metrics_src *src);
void metrics_close(struct metrics *m);
/* The exposition, as a scrape gets it (tests and xlbctl share it). */
void metrics_write(const struct metrics_src *src, struct evbuffer *out);

#endif /* XLB_METRICS_H */
