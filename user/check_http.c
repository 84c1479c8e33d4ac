// SPDX-License-Identifier: GPL-2.0
/*
 * http and https: a whole request, a status in the expected set and, if
 * asked, a substring in the body. https sends SNI (the check's host) and
 * verifies the certificate only with tls_verify: true.
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

#include "check.h"

#define HTTP_MAX_RESPONSE 65536

/* Judge the response in buf; return 1 when judged (c is then gone). */
static int judge(struct check *c, struct evbuffer *in, int at_eof)
{
	size_t n = evbuffer_get_length(in);
	const char *resp, *hdr_end, *cl;
	size_t body_len;
	long clen = -1;
	int st, major, minor;

	if (n > HTTP_MAX_RESPONSE)
		n = HTTP_MAX_RESPONSE;
	resp = (const char *)evbuffer_pullup(in, (ssize_t)n);
	if (!resp) {
		if (!at_eof)
			return 0;
		check_finish(c, 0, "connection closed before a response");
		return 1;
	}
	hdr_end = memmem(resp, n, "\r\n\r\n", 4);
	if (!hdr_end) {
		if (!at_eof && n < HTTP_MAX_RESPONSE)
			return 0;
		check_finish(c, 0,
			     n ? "bad response: no end of headers"
			       : "connection closed before a response");
		return 1;
	}
	if (sscanf(resp, "HTTP/%d.%d %3d", &major, &minor, &st) != 3) {
		check_finish(c, 0, "bad response: no status line");
		return 1;
	}
	for (cl = resp; cl && cl < hdr_end; cl = memchr(cl, '\n', (size_t)(hdr_end - cl))) {
		cl += *cl == '\n';
		if (!strncasecmp(cl, "Content-Length:", 15))
			clen = strtol(cl + 15, NULL, 10);
	}
	body_len = n - (size_t)(hdr_end + 4 - resp);
	/* wait for the whole body if it is to be searched */
	if (c->k->expect_body && !at_eof && (clen < 0 || body_len < (size_t)clen) &&
	    n < HTTP_MAX_RESPONSE)
		return 0;
	if (!check_status_ok(c->k, st)) {
		check_finish(c, 0, "HTTP status %d", st);
		return 1;
	}
	if (c->k->expect_body &&
	    !memmem(hdr_end + 4, body_len, c->k->expect_body, strlen(c->k->expect_body))) {
		check_finish(c, 0, "body mismatch (no \"%.40s\")", c->k->expect_body);
		return 1;
	}
	check_finish(c, 1, "HTTP status %d", st);
	return 1;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	judge(arg, bufferevent_get_input(bev), 0);
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
		judge(c, bufferevent_get_input(bev), 1);
		return;
	}
	ssl_err = c->k->type == CFG_CHECK_HTTPS ? bufferevent_get_openssl_error(bev) : 0;
	if (ssl_err) {
		char buf[120];

		ERR_error_string_n(ssl_err, buf, sizeof(buf));
		check_finish(c, 0, "TLS error: %s", buf);
	} else if (c->k->type == CFG_CHECK_HTTPS && !EVUTIL_SOCKET_ERROR()) {
		check_finish(c, 0, "TLS error: handshake failed");
	} else {
		check_finish(c, 0, "%s", check_errno_reason(EVUTIL_SOCKET_ERROR()));
	}
}

int check_http_start(struct check *c)
{
	struct sockaddr_storage ss;
	socklen_t len = check_sockaddr(c, &ss);

	if (c->k->type == CFG_CHECK_HTTPS) {
		SSL *ssl = SSL_new(c->ssl_ctx);

		if (!ssl)
			return -ENOMEM;
		if (c->k->host)
			SSL_set_tlsext_host_name(ssl, c->k->host);
		if (c->k->tls_verify) {
			SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
			if (c->k->host)
				SSL_set1_host(ssl, c->k->host);
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
