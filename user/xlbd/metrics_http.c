// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint's HTTP server settings (see metrics.h), apart from
 * the endpoint so that its fuzz target (tests/fuzz/fuzz_metrics.c) parses
 * requests through evhttp exactly as xlbd configures it.
 */
#include <event2/http.h>

#include "metrics.h"

void metrics_http_limits(struct evhttp *http)
{
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	/* (a backstop: the endpoint's own deadline comes first) */
	evhttp_set_timeout(http, 2 * METRICS_DEADLINE_S);
	evhttp_set_max_headers_size(http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(http, METRICS_MAX_BODY);
}
