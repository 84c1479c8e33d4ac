/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An HTTP health check's reply, judged as it arrives: Debian's http-parser
 * (the parser Node.js used for years) reads it within the bytes received,
 * never past them, whatever the backend sends: a status line, headers, a
 * body delimited by Content-Length, chunks or the end of the connection.
 * The body is kept only as far as the check may search it.
 */
#ifndef XLB_HTTP_REPLY_H
#define XLB_HTTP_REPLY_H

#include <stddef.h>
#include <http_parser.h>

#define HTTP_REPLY_MAX 65536 /* bytes read of a reply, headers and body */

struct http_reply {
	http_parser p;
	int want_body; /* the body is searched: read it whole */
	int status;    /* once the headers are in */
	int done;      /* enough has been read to judge */
	size_t seen;   /* bytes fed */
	char *body;    /* the first HTTP_REPLY_MAX bytes of it */
	size_t body_len;
	const char *err; /* why the reply is bad */
	char errbuf[96];
};

void http_reply_init(struct http_reply *r, int want_body);
void http_reply_free(struct http_reply *r);
/*
 * Feed the next bytes of the reply; len 0: the connection closed. 1 when it
 * can be judged (status, and the body if wanted), 0 when more is needed,
 * -1 when it is bad (r->err says why).
 */
int http_reply_feed(struct http_reply *r, const char *data, size_t len);

#endif /* XLB_HTTP_REPLY_H */
