// SPDX-License-Identifier: GPL-2.0
/*
 * An HTTP reply fed to http-parser: see http_reply.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"

static int on_headers_complete(http_parser *p)
{
	struct http_reply *r = p->data;

	r->status = (int)p->status_code;
	if (!r->want_body) {
		r->done = 1;
		return 1; /* stop here: nothing more is needed */
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_reply *r = p->data;
	size_t room = HTTP_REPLY_MAX - r->body_len;

	if (!r->body && !(r->body = malloc(HTTP_REPLY_MAX)))
		return -1;
	if (len > room)
		len = room;
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_reply *r = p->data;

	r->done = 1;
	return 1;
}

static const http_parser_settings settings = {
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void http_reply_init(struct http_reply *r, int want_body)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->p, HTTP_RESPONSE);
	r->p.data = r;
	r->want_body = want_body;
}

void http_reply_free(struct http_reply *r)
{
	free(r->body);
	r->body = NULL;
}

int http_reply_feed(struct http_reply *r, const char *data, size_t len)
{
	size_t used;

	if (r->done)
		return 1;
	if (r->err)
		return -1;
	if (len && r->seen + len > HTTP_REPLY_MAX)
		len = HTTP_REPLY_MAX - r->seen;
	used = http_parser_execute(&r->p, &settings, data, len);
	r->seen += used;
	if (r->done)
		return 1;
	if (!len) {
		r->err = r->status ? "connection closed before the whole body"
			 : r->seen ? "connection closed before the end of the headers"
				   : "connection closed before a response";
		return -1;
	}
	if (HTTP_PARSER_ERRNO(&r->p) != HPE_OK) {
		/* the parser's words, and whether it got as far as a status */
		snprintf(r->errbuf, sizeof(r->errbuf), "%s%s",
			 r->status ? "" : "not an HTTP response: ",
			 http_errno_description(HTTP_PARSER_ERRNO(&r->p)));
		r->err = r->errbuf;
		return -1;
	}
	if (r->seen >= HTTP_REPLY_MAX) {
		/* a body longer than what is searched: judge what was read */
		if (r->status && r->want_body) {
			r->done = 1;
			return 1;
		}
		r->err = "no end of headers in 64 KiB";
		return -1;
	}
	return 0;
}
