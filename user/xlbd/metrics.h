/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus endpoint: GET /metrics on metrics_listen, served by
 * libevent's HTTP server on xlbd's loop. A scrape reads the per-CPU maps
 * and sums them here: the data plane pays nothing for being watched.
 */
#ifndef XLB_METRICS_H
#define XLB_METRICS_H

#include <event2/buffer.h>

struct xlbd;
struct metrics;

/* Listen on d->cfg's metrics_listen. 0, or -errno (the address is in use, say). */
int metrics_open(struct metrics **mp, struct xlbd *d);
void metrics_close(struct metrics *m);
/* The exposition, as a scrape gets it (tests and xlbctl share it). */
void metrics_write(struct xlbd *d, struct evbuffer *out);

#endif /* XLB_METRICS_H */
