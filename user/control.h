/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a Unix stream socket, one JSON request a line, one JSON
 * reply a line. Malformed, oversized or idle clients get an error or are
 * dropped; none can stall the daemon.
 */
#ifndef XLB_CONTROL_H
#define XLB_CONTROL_H

#include <event2/event.h>
#include <json-c/json.h>
#include "api.h"

struct control;

/* Answer one valid request; the reply is sent and then released. */
typedef json_object *(*control_handler)(void *ctx, const struct api_req *req);

int control_open(struct control **cp, struct event_base *base, const char *path, int mode,
		 control_handler h, void *ctx);
void control_close(struct control *c);

#endif /* XLB_CONTROL_H */
