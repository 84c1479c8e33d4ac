// SPDX-License-Identifier: GPL-2.0
/*
 * http and https: a whole request, a status in the expected set and, if
 * asked, a substring in the body. https sends SNI (the check's host) and
 * verifies the certificate only with tls_verify: true: its chain, and that
 * it names the check's host, or without a host the backend's address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "http_reply.h"

/* The reply is judged: status in the set, the body holding what is expected. */
static void judge(struct check *c)
{
	struct http_reply *r = c->http;

	if (!check_status_ok(c->k, r->status)) {
		check_finish(c, CHECK_HTTP_STATUS, "HTTP status %d", r->status);
		return;
	}
	if (c->k->expect_body && !(r->body_len && memmem(r->body, r->body_len, c->k->expect_body,
							 strlen(c->k->expect_body)))) {
		check_finish(c, CHECK_BODY_MISMATCH, "body mismatch (no \"%.40s\")",
			     c->k->expect_body);
		return;
	}
	check_finish(c, CHECK_OK, "HTTP status %d", r->status);
}

/*
 * Feed what arrived to the parser, a chain of the buffer at a time, never
 * past its bytes; at_eof: the backend closed. Finishes the check once the
 * reply can be judged or is bad.
 */
static void feed(struct check *c, struct evbuffer *in, int at_eof)
{
	struct evbuffer_iovec v[8];
	int n, i, r = 0;

	while (!r && (n = evbuffer_peek(in, -1, NULL, v, 8)) > 0) {
		size_t used = 0;

		for (i = 0; i < n && i < 8 && !r; i++) {
			r = http_reply_feed(c->http, v[i].iov_base, v[i].iov_len);
			used += v[i].iov_len;
		}
		evbuffer_drain(in, used);
	}
	if (!r && at_eof)
		r = http_reply_feed(c->http, NULL, 0);
	if (r > 0)
		judge(c);
	else if (r < 0)
		check_finish(c, CHECK_BAD_RESPONSE, "bad response: %s", c->http->err);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	feed(arg, bufferevent_get_input(bev), 0);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct check *c = arg;
	unsigned long ssl_err;
	char host[64];
	const char *h;

	if (what & BEV_EVENT_CONNECTED) {
		h = c->k->host;
		if (!h) {
			cfg_addr_str(&c->addr, host, sizeof(host));
			h = host;
		}
		evbuffer_add_printf(bufferevent_get_output(bev),
				    "GET %s HTTP/1.0\r\nHost: %s%s%s%s\r\nUser-Agent: xlb-check\r\n"
				    "Connection: close\r\n\r\n",
				    c->k->path,
				    c->addr.family == XLB_AF_INET6 && !c->k->host ? "[" : "", h,
				    c->addr.family == XLB_AF_INET6 && !c->k->host ? "]" : "", "");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		feed(c, bufferevent_get_input(bev), 1);
		return;
	}
	ssl_err = c->k->type == CFG_CHECK_HTTPS ? bufferevent_get_openssl_error(bev) : 0;
	if (ssl_err) {
		char buf[120];

		ERR_error_string_n(ssl_err, buf, sizeof(buf));
		check_finish(c, CHECK_TLS_ERROR, "TLS error: %s", buf);
	} else if (c->k->type == CFG_CHECK_HTTPS && !EVUTIL_SOCKET_ERROR()) {
		check_finish(c, CHECK_TLS_ERROR, "TLS error: handshake failed");
	} else {
		check_finish(c, check_errno_reason(EVUTIL_SOCKET_ERROR()), "%s",
			     check_errno_text(EVUTIL_SOCKET_ERROR()));
	}
}

int check_http_start(struct check *c)
{
	struct sockaddr_storage ss;
	socklen_t len = check_sockaddr(c, &ss);

	c->http = malloc(sizeof(*c->http));
	if (!c->http)
		return -ENOMEM;
	http_reply_init(c->http, c->k->expect_body != NULL);

	if (c->k->type == CFG_CHECK_HTTPS) {
		SSL *ssl = SSL_new(c->ssl_ctx);

		if (!ssl)
			return -ENOMEM;
		if (c->k->host)
			SSL_set_tlsext_host_name(ssl, c->k->host);
		if (c->k->tls_verify) {
			SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
			if (c->k->host) {
				SSL_set1_host(ssl, c->k->host);
			} else {
				/* no name given: the certificate must name the address */
				char a[64];

				cfg_addr_str(&c->addr, a, sizeof(a));
				X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), a);
			}
		}
		c->bev = bufferevent_openssl_socket_new(
			c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev) {
			SSL_free(ssl);
			return -ENOMEM;
		}
	} else {
		c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev)
			return -ENOMEM;
	}
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)len))
		return -(EVUTIL_SOCKET_ERROR() ? EVUTIL_SOCKET_ERROR() : ECONNREFUSED);
	return 0;
}
