/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a Unix stream socket, one JSON request a line, one JSON
 * reply a line. Malformed, oversized or idle clients get an error or are
 * dropped; none can stall the daemon.
 */
#ifndef XLB_CONTROL_H
#define XLB_CONTROL_H

#include <stdint.h>
#include <event2/event.h>
#include <json-c/json.h>
#include "api.h"

struct control;

/* Answer one valid request; the reply is sent and then released. */
typedef json_object *(*control_handler)(void *ctx, const struct api_req *req);

int control_open(struct control **cp, struct event_base *base, const char *path, int mode,
		 control_handler h, void *ctx);
void control_close(struct control *c);

/*
 * Streams (xlbctl monitor): a client whose monitor request was answered ok
 * stays subscribed until it closes; fn hears the count change (req: the new
 * subscriber's request, NULL when one left). control_publish() sends a line
 * to each and returns how many got it; one that reads too slowly loses lines
 * (control_dropped counts them).
 */
typedef void (*control_subs_fn)(void *ctx, unsigned n, const struct api_req *req);
void control_on_subscribers(struct control *c, control_subs_fn fn, void *ctx);
unsigned control_publish(struct control *c, const char *line);
uint64_t control_dropped(const struct control *c);

/*
 * Accept no more clients and remove the socket's name (the clients that are
 * connected are still answered): a detach, for the next xlbd.
 */
void control_stop_listening(struct control *c);

/*
 * A listener's accept() failed. Out of descriptors, it would wake the loop at
 * once, forever: stop accepting for a second instead (retry, an evtimer the
 * caller made, enables it again) and say so once. Other errors are logged.
 * what names the listener in the log.
 */
struct evconnlistener;
struct event;
void listener_backoff(struct evconnlistener *l, struct event *retry, const char *what);

#endif /* XLB_CONTROL_H */
